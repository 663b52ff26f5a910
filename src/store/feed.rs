//! What the other stations do, as it happens: the journal's live feed.
//!
//! A shared (PostgreSQL) journal tells every station about each label fetched, label printed,
//! order shipped, order claimed and claim released, with the order, station, operator and time
//! ([`JournalEvent`]). The window subscribes to a [`JournalFeed`]: the events arrive on a
//! channel, and the connection's [`FeedHealth`] on a `tokio::sync::watch`, so the window can
//! refuse new work while the journal is out of reach. The PostgreSQL side (LISTEN/NOTIFY on a
//! connection of its own, reconnect with backoff, catch-up from the journal) is in
//! `store::postgres::listen`.
//!
//! An SQLite journal belongs to one station: there is nobody to follow, and
//! [`FeedError::SingleStation`] says so.
//!
//! Nothing here reads the receivers' side of the channel from an async context: the window
//! drains it with `try_recv` once a frame and is woken by the callback set with
//! [`JournalFeed::on_change`].

use std::sync::{Arc, Mutex};

use tokio::sync::{mpsc, watch};

/// The PostgreSQL listener behind a shared journal's feed (its migration, its backoff).
pub use super::postgres::listen;

use crate::wechat::{Lang, OrderId};

/// What happened to an order at some station.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, serde::Serialize, serde::Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum EventKind {
    /// A label was fetched (and recorded) for the order.
    #[serde(rename = "label")]
    LabelFetched,
    /// Its label was printed.
    #[serde(rename = "print")]
    Printed,
    /// The order shipped.
    #[serde(rename = "ship")]
    Shipped,
    /// A station claimed the order (it works on it until `until_ms`).
    #[serde(rename = "claim")]
    Claimed,
    /// The claim was released (the work is done or given up).
    #[serde(rename = "release")]
    Released,
}

impl EventKind {
    /// The word stored in the journal's event table and sent in a notification.
    pub fn as_str(self) -> &'static str {
        match self {
            EventKind::LabelFetched => "label",
            EventKind::Printed => "print",
            EventKind::Shipped => "ship",
            EventKind::Claimed => "claim",
            EventKind::Released => "release",
        }
    }

    /// The kind for a stored word; `None` for one a newer version wrote.
    pub fn parse(s: &str) -> Option<EventKind> {
        Some(match s {
            "label" => EventKind::LabelFetched,
            "print" => EventKind::Printed,
            "ship" => EventKind::Shipped,
            "claim" => EventKind::Claimed,
            "release" => EventKind::Released,
            _ => return None,
        })
    }
}

/// One thing a station did, as the journal records it. Small on purpose: ids and names only;
/// whoever needs the label or the order reads it from the journal.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
pub struct JournalEvent {
    /// The journal's event number (increasing; catch-up after a reconnect starts from it).
    pub id: i64,
    pub kind: EventKind,
    pub order_id: OrderId,
    pub station: String,
    pub operator: String,
    /// When it happened (ms since the epoch, the writing station's clock).
    pub at_ms: i64,
    /// For a claim: when its lease ends (ms since the epoch).
    pub until_ms: Option<i64>,
}

/// Whether the feed (and so the shared journal) can be reached.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum FeedHealth {
    /// Listening; every event since the last one seen has been delivered.
    Connected,
    /// The connection is gone (since `since_ms`); the listener keeps trying with backoff.
    /// `reason` is the last failure, in words (no password: URLs are never part of it).
    Lost { since_ms: i64, reason: String },
    /// A connection is back and the events written meanwhile are being read; work resumes
    /// when this turns into `Connected`.
    Reconnecting { since_ms: i64 },
}

impl FeedHealth {
    /// True when the shared journal answers and the feed is up to date.
    pub fn is_connected(&self) -> bool {
        matches!(self, FeedHealth::Connected)
    }
}

/// Why there is no feed.
#[derive(Debug, thiserror::Error)]
pub enum FeedError {
    /// The journal is this station's own SQLite file: no other station writes to it.
    #[error("this station's journal is a local SQLite file used by this station alone: there are no other stations to follow. Give every station the same PostgreSQL journal (--journal URL) to see them live")]
    SingleStation,
    /// The first connection failed (later losses are reported through [`FeedHealth`]).
    #[error("the shared journal's live feed could not connect: {reason}")]
    Connect { reason: String },
}

impl FeedError {
    /// The message in the user's language.
    pub fn explain(&self, lang: Lang) -> String {
        match (self, lang) {
            (FeedError::SingleStation, Lang::ZhCn) => "本站的记录本是本机的 SQLite 文件,只有本站在用,没有其他站可以跟随。要实时看到其他站,请让所有站使用同一个 PostgreSQL 记录本(--journal URL)".to_string(),
            (FeedError::Connect { reason }, Lang::ZhCn) => {
                format!("共享记录本的实时通知连接不上:{reason}")
            }
            (other, Lang::En) => other.to_string(),
        }
    }
}

impl crate::store::Journal {
    /// The live feed of this journal: what every other station does, as it happens. An SQLite
    /// journal has none ([`FeedError::SingleStation`]). The listener runs on `runtime` until the
    /// feed is dropped.
    pub fn feed(&self, runtime: &tokio::runtime::Handle) -> Result<JournalFeed, FeedError> {
        match self.postgres_config() {
            None => Err(FeedError::SingleStation),
            // The journal's own resolved configuration: password, schema, as its pool has them.
            Some(config) => listen::spawn(runtime, config.clone()),
        }
    }
}

type Waker = Arc<Mutex<Option<Arc<dyn Fn() + Send + Sync>>>>;

/// The window's end of the feed: events on a channel, health on a watch.
pub struct JournalFeed {
    events: mpsc::UnboundedReceiver<JournalEvent>,
    health: watch::Receiver<FeedHealth>,
    waker: Waker,
}

/// The writing end: the listener (or a test standing in for it) sends events and health here.
#[derive(Clone)]
pub struct FeedSender {
    events: mpsc::UnboundedSender<JournalEvent>,
    health: Arc<watch::Sender<FeedHealth>>,
    waker: Waker,
}

impl JournalFeed {
    /// A feed and its sender, starting in `health`.
    pub fn channel(health: FeedHealth) -> (FeedSender, JournalFeed) {
        let (events_tx, events) = mpsc::unbounded_channel();
        let (health_tx, health_rx) = watch::channel(health);
        let waker: Waker = Arc::new(Mutex::new(None));
        (
            FeedSender {
                events: events_tx,
                health: Arc::new(health_tx),
                waker: waker.clone(),
            },
            JournalFeed {
                events,
                health: health_rx,
                waker,
            },
        )
    }

    /// Called (from the listener's task) after each event or health change, so the window
    /// can ask for a repaint; it must not block.
    pub fn on_change(&self, wake: Arc<dyn Fn() + Send + Sync>) {
        if let Ok(mut w) = self.waker.lock() {
            *w = Some(wake);
        }
    }

    /// The next event that arrived, without waiting.
    pub fn try_next(&mut self) -> Option<JournalEvent> {
        self.events.try_recv().ok()
    }

    /// Waits for the next event (`None` once the listener has stopped for good).
    pub async fn next(&mut self) -> Option<JournalEvent> {
        self.events.recv().await
    }

    /// The connection's state now.
    pub fn health(&self) -> FeedHealth {
        self.health.borrow().clone()
    }

    /// A receiver of the health, to wait on changes (`changed().await`).
    pub fn health_watch(&self) -> watch::Receiver<FeedHealth> {
        self.health.clone()
    }
}

impl FeedSender {
    /// Delivers one event; false when the feed was dropped (the listener should stop).
    pub fn send(&self, event: JournalEvent) -> bool {
        let ok = self.events.send(event).is_ok();
        self.wake();
        ok
    }

    /// Sets the health (a change only: the same state again wakes nobody).
    pub fn set_health(&self, health: FeedHealth) {
        let changed = self.health.send_if_modified(|h| {
            if *h == health {
                false
            } else {
                *h = health;
                true
            }
        });
        if changed {
            self.wake();
        }
    }

    /// The health as last set.
    pub fn health(&self) -> FeedHealth {
        self.health.borrow().clone()
    }

    /// True once the window's end is gone.
    pub fn is_closed(&self) -> bool {
        self.events.is_closed()
    }

    /// Resolves once the window's end is gone.
    pub async fn closed(&self) {
        self.events.closed().await
    }

    fn wake(&self) {
        let wake = self.waker.lock().ok().and_then(|w| w.clone());
        if let Some(wake) = wake {
            wake();
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn event(id: i64, kind: EventKind) -> JournalEvent {
        JournalEvent {
            id,
            kind,
            order_id: OrderId(3_704_000_000_000_000_001),
            station: "B".into(),
            operator: "李四".into(),
            at_ms: 1,
            until_ms: None,
        }
    }

    #[test]
    fn kinds_round_trip_through_their_words() {
        for kind in [
            EventKind::LabelFetched,
            EventKind::Printed,
            EventKind::Shipped,
            EventKind::Claimed,
            EventKind::Released,
        ] {
            assert_eq!(EventKind::parse(kind.as_str()), Some(kind));
            let json = serde_json::to_string(&kind).unwrap();
            assert_eq!(json, format!("\"{}\"", kind.as_str()));
        }
        assert_eq!(EventKind::parse("teleported"), None);
    }

    #[test]
    fn events_and_health_reach_the_feed_and_wake_it() {
        let (tx, mut feed) = JournalFeed::channel(FeedHealth::Connected);
        let woken = Arc::new(std::sync::atomic::AtomicUsize::new(0));
        let w = woken.clone();
        feed.on_change(Arc::new(move || {
            w.fetch_add(1, std::sync::atomic::Ordering::SeqCst);
        }));
        assert!(tx.send(event(1, EventKind::Printed)));
        assert_eq!(feed.try_next().map(|e| e.id), Some(1));
        assert_eq!(feed.try_next(), None);
        tx.set_health(FeedHealth::Lost {
            since_ms: 5,
            reason: "gone".into(),
        });
        // The same state again is no change and wakes nobody.
        tx.set_health(FeedHealth::Lost {
            since_ms: 5,
            reason: "gone".into(),
        });
        assert!(!feed.health().is_connected());
        assert_eq!(woken.load(std::sync::atomic::Ordering::SeqCst), 2);
        drop(feed);
        assert!(tx.is_closed());
        assert!(!tx.send(event(2, EventKind::Shipped)));
    }

    #[test]
    fn single_station_is_explained_in_both_languages() {
        let e = FeedError::SingleStation;
        assert!(e.explain(Lang::En).contains("PostgreSQL"));
        assert!(e.explain(Lang::ZhCn).contains("只有本站"));
    }
}
