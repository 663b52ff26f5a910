//! The shared journal's live feed: LISTEN/NOTIFY on a connection of its own.
//!
//! Every label, print, shipment, claim and release written to the journal adds a row to
//! `journal_events` in the same transaction (triggers, [`FEED_MIGRATION`]), and that row is
//! sent with `pg_notify` — delivered at commit, never for a write that was rolled back. The
//! listener keeps one dedicated connection (LISTEN cannot go through a pool), reads
//! notifications with `Connection::poll_message`, and pings the server every
//! [`PING_EVERY`] so a silent network loss is noticed within seconds.
//!
//! When the connection is lost the feed says so ([`FeedHealth::Lost`]) and reconnects with
//! backoff ([`BACKOFF_MIN`] doubling to [`BACKOFF_MAX`]). Back, it LISTENs first, then reads
//! from `journal_events` every event after the last one it delivered, and every event written
//! since shortly before the loss (a transaction that took an id before the loss may commit
//! after it): ids seen already are dropped, so nothing is missed and nothing comes twice.
//! Only then is it [`FeedHealth::Connected`] again.

use std::collections::{HashSet, VecDeque};
use std::time::Duration;

use futures::StreamExt as _;
use tokio_postgres::{AsyncMessage, Client, Config, NoTls};

use crate::store::feed::{EventKind, FeedError, FeedHealth, FeedSender, JournalEvent, JournalFeed};
use crate::wechat::OrderId;

/// The NOTIFY channel.
pub const CHANNEL: &str = "waybill_desk_journal";
/// How often the listener asks the server whether it is still there.
pub const PING_EVERY: Duration = Duration::from_secs(2);
/// How long a ping (or the catch-up read) may take before the connection counts as lost.
pub const PING_TIMEOUT: Duration = Duration::from_secs(3);
/// The first wait before reconnecting; doubled each failure up to [`BACKOFF_MAX`].
pub const BACKOFF_MIN: Duration = Duration::from_millis(250);
pub const BACKOFF_MAX: Duration = Duration::from_secs(5);
/// How far before a loss the catch-up reads again (late commits of transactions begun before).
const CATCH_UP_MARGIN_MS: i64 = 30_000;
/// Ids remembered to drop an event delivered twice (live, then again in a catch-up).
const RECENT_IDS: usize = 8_192;
/// Events read per catch-up query.
const CATCH_UP_PAGE: i64 = 1_000;

macro_rules! feed_core {
    () => {
        r#"
CREATE TABLE journal_events (
    id          BIGSERIAL PRIMARY KEY,
    kind        TEXT NOT NULL CHECK (kind IN ('label', 'print', 'ship', 'claim', 'release')),
    order_id    TEXT NOT NULL,
    station     TEXT NOT NULL,
    operator    TEXT NOT NULL,
    at_ms       BIGINT NOT NULL,
    until_ms    BIGINT
);
CREATE INDEX journal_events_by_time ON journal_events (at_ms);

CREATE FUNCTION waybill_desk_emit(p_kind TEXT, p_order_id TEXT, p_station TEXT,
        p_operator TEXT, p_at_ms BIGINT, p_until_ms BIGINT) RETURNS void
    LANGUAGE sql AS $$
    INSERT INTO journal_events (kind, order_id, station, operator, at_ms, until_ms)
    VALUES (p_kind, p_order_id, left(p_station, 200), left(p_operator, 200), p_at_ms, p_until_ms)
$$;

-- The notification carries the event itself (ids and names, a few hundred bytes at most, under
-- NOTIFY's 8000), and its schema: LISTEN is per database, a journal is per schema.
CREATE FUNCTION waybill_desk_notify_event() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    PERFORM pg_notify('waybill_desk_journal', json_build_object(
        's', TG_TABLE_SCHEMA, 'id', NEW.id, 'kind', NEW.kind, 'order_id', NEW.order_id,
        'station', NEW.station, 'operator', NEW.operator, 'at_ms', NEW.at_ms,
        'until_ms', NEW.until_ms)::text);
    RETURN NULL;
END $$;
CREATE TRIGGER journal_events_notify AFTER INSERT ON journal_events
    FOR EACH ROW EXECUTE FUNCTION waybill_desk_notify_event();
"#
    };
}

macro_rules! feed_triggers {
    () => {
        r#"

CREATE FUNCTION waybill_desk_label_event() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    PERFORM waybill_desk_emit('label', NEW.order_id, NEW.station, NEW.operator,
        NEW.fetched_at_ms, NULL);
    RETURN NULL;
END $$;
-- Rows `journal copy` brings from a station's SQLite journal (origin set) are history, not news.
CREATE TRIGGER labels_event AFTER INSERT ON labels
    FOR EACH ROW WHEN (NEW.origin IS NULL) EXECUTE FUNCTION waybill_desk_label_event();

CREATE FUNCTION waybill_desk_print_event() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    IF NEW.ok::int = 1 THEN
        PERFORM waybill_desk_emit('print', NEW.order_id, NEW.station, NEW.operator,
            NEW.at_ms, NULL);
    END IF;
    RETURN NULL;
END $$;
CREATE TRIGGER print_jobs_event AFTER INSERT ON print_jobs
    FOR EACH ROW WHEN (NEW.origin IS NULL) EXECUTE FUNCTION waybill_desk_print_event();

-- A shipment is news when its attempt shipped the order (not when it found it shipped already).
CREATE FUNCTION waybill_desk_ship_event() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    IF NEW.state IN ('shipped', 'confirmed_on_reread')
        AND (TG_OP = 'INSERT' OR OLD.state IS DISTINCT FROM NEW.state) THEN
        PERFORM waybill_desk_emit('ship', NEW.order_id, NEW.station, NEW.operator,
            coalesce(NEW.finished_at_ms, NEW.started_at_ms), NULL);
    END IF;
    RETURN NULL;
END $$;
CREATE TRIGGER shipments_event AFTER INSERT OR UPDATE OF state ON shipments
    FOR EACH ROW WHEN (NEW.origin IS NULL) EXECUTE FUNCTION waybill_desk_ship_event();

-- A claim is news when it changes hands (a renewal by the same holder is not: they are
-- frequent, and the window re-reads the open claims now and then); a release is a delete.
CREATE FUNCTION waybill_desk_claim_event() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    IF TG_OP = 'DELETE' THEN
        PERFORM waybill_desk_emit('release', OLD.order_id, OLD.station, OLD.operator,
            (extract(epoch FROM clock_timestamp()) * 1000)::bigint, NULL);
        RETURN NULL;
    END IF;
    IF TG_OP = 'UPDATE' AND OLD.holder IS NOT DISTINCT FROM NEW.holder THEN
        RETURN NULL;
    END IF;
    PERFORM waybill_desk_emit('claim', NEW.order_id, NEW.station, NEW.operator,
        NEW.claimed_at_ms, NEW.lease_until_ms);
    RETURN NULL;
END $$;
CREATE TRIGGER claims_event AFTER INSERT OR UPDATE OR DELETE ON claims
    FOR EACH ROW EXECUTE FUNCTION waybill_desk_claim_event();
"#
    };
}

/// The journal's event table, the function that adds to it, the NOTIFY trigger, and the
/// triggers on the tables whose writes are news (labels, print jobs, shipments, claims). One
/// migration, applied after those tables exist.
pub const FEED_MIGRATION: &str = concat!(feed_core!(), feed_triggers!());

/// The event table, `waybill_desk_emit` and the NOTIFY trigger alone (no other table needed).
pub const FEED_CORE: &str = feed_core!();

/// Starts the listener for the journal at `config` on `runtime`; it runs until the returned
/// feed is dropped. The feed starts as [`FeedHealth::Reconnecting`] until the first
/// connection is up (new work waits those few milliseconds).
pub fn spawn(runtime: &tokio::runtime::Handle, config: Config) -> Result<JournalFeed, FeedError> {
    spawn_with(runtime, config, Backoff::default())
}

/// How long the listener waits between connection attempts.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Backoff {
    pub min: Duration,
    pub max: Duration,
}

impl Default for Backoff {
    fn default() -> Self {
        Backoff {
            min: BACKOFF_MIN,
            max: BACKOFF_MAX,
        }
    }
}

/// [`spawn`] with another backoff (tests make it long, to write while the feed is away).
pub fn spawn_with(
    runtime: &tokio::runtime::Handle,
    config: Config,
    backoff: Backoff,
) -> Result<JournalFeed, FeedError> {
    if config.get_ssl_mode() == tokio_postgres::config::SslMode::Require {
        return Err(FeedError::Connect {
            reason: "the journal URL requires TLS (sslmode=require), which this version does not speak: use a unix socket, or sslmode=disable on a trusted network".into(),
        });
    }
    let (tx, feed) = JournalFeed::channel(FeedHealth::Reconnecting { since_ms: now_ms() });
    runtime.spawn(run(config, tx, backoff));
    Ok(feed)
}

fn now_ms() -> i64 {
    chrono::Utc::now().timestamp_millis()
}

/// Event ids delivered lately, to deliver each once.
#[derive(Default)]
struct Recent {
    order: VecDeque<i64>,
    set: HashSet<i64>,
}

impl Recent {
    /// True the first time an id is seen.
    fn first(&mut self, id: i64) -> bool {
        if !self.set.insert(id) {
            return false;
        }
        self.order.push_back(id);
        if self.order.len() > RECENT_IDS {
            if let Some(old) = self.order.pop_front() {
                self.set.remove(&old);
            }
        }
        true
    }
}

/// Where the listener stands between connections.
struct Cursor {
    /// The highest event id delivered (`None` before the first connection: start from now).
    last_id: Option<i64>,
    recent: Recent,
}

impl Cursor {
    /// Sends an event unless it was sent already; false when the feed is gone.
    fn deliver(&mut self, tx: &FeedSender, e: JournalEvent) -> bool {
        let id = e.id;
        if !self.recent.first(id) {
            return true;
        }
        self.last_id = Some(self.last_id.map_or(id, |l| l.max(id)));
        tx.send(e)
    }
}

async fn run(mut config: Config, tx: FeedSender, limits: Backoff) {
    // Bounded waits: a server that does not answer is a lost one, not a hung window.
    config
        .connect_timeout(PING_TIMEOUT)
        .keepalives(true)
        .keepalives_idle(Duration::from_secs(10))
        .application_name("waybill-desk feed");
    let mut cursor = Cursor {
        last_id: None,
        recent: Recent::default(),
    };
    let mut lost_since: Option<i64> = None;
    let mut backoff = limits.min;
    loop {
        let reason = tokio::select! {
            _ = tx.closed() => return,
            reason = session(&config, &tx, &mut cursor, &mut lost_since) => reason,
        };
        if lost_since.is_none() {
            // It was connected (or never tried): the first retry comes soon. Logged once, at
            // INFO: the window says it itself (banner and log line); a WARN would be a second
            // toast of the same news.
            backoff = limits.min;
            tracing::info!("journal feed lost: {reason}");
        } else {
            tracing::debug!("journal feed still lost: {reason}");
        }
        let since = *lost_since.get_or_insert_with(now_ms);
        tx.set_health(FeedHealth::Lost {
            since_ms: since,
            reason,
        });
        tokio::select! {
            _ = tx.closed() => return,
            _ = tokio::time::sleep(backoff) => {}
        }
        backoff = (backoff * 2).min(limits.max);
    }
}

/// One connection's life: connect, LISTEN, catch up, then deliver until it fails. Returns why
/// it ended, in words (never the URL or a password).
async fn session(
    config: &Config,
    tx: &FeedSender,
    cursor: &mut Cursor,
    lost_since: &mut Option<i64>,
) -> String {
    let (client, connection) = match config.connect(NoTls).await {
        Ok(c) => c,
        Err(e) => return words(&e),
    };
    // The connection delivers notifications only while polled: a task of its own forwards
    // them, and ends with the reason the connection ended.
    let (note_tx, mut notes) = tokio::sync::mpsc::unbounded_channel();
    let driver = tokio::spawn(async move {
        let mut connection = connection;
        let mut messages = futures::stream::poll_fn(move |cx| connection.poll_message(cx));
        while let Some(message) = messages.next().await {
            match message {
                Ok(AsyncMessage::Notification(n)) => {
                    if note_tx.send(Ok(n.payload().to_string())).is_err() {
                        return;
                    }
                }
                Ok(_) => {}
                Err(e) => {
                    let _ = note_tx.send(Err(words(&e)));
                    return;
                }
            }
        }
        let _ = note_tx.send(Err("the server closed the connection".to_string()));
    });
    // Stops the driver whichever way this session ends.
    struct Abort(tokio::task::JoinHandle<()>);
    impl Drop for Abort {
        fn drop(&mut self) {
            self.0.abort();
        }
    }
    let _driver = Abort(driver);

    // LISTEN before reading: an event committed in between arrives both ways, and is
    // delivered once.
    let start = async {
        client.batch_execute(&format!("LISTEN {CHANNEL}")).await?;
        let schema: String = client
            .query_one("SELECT current_schema()", &[])
            .await?
            .get(0);
        Ok::<_, tokio_postgres::Error>(schema)
    };
    let schema = match tokio::time::timeout(PING_TIMEOUT, start).await {
        Ok(Ok(s)) => s,
        Ok(Err(e)) => return words(&e),
        Err(_) => return timeout_words(),
    };
    if let Some(since) = *lost_since {
        tx.set_health(FeedHealth::Reconnecting { since_ms: since });
    }
    match tokio::time::timeout(PING_TIMEOUT * 4, catch_up(&client, tx, cursor, *lost_since)).await {
        Ok(Ok(())) => {}
        Ok(Err(e)) => return words(&e),
        Err(_) => return timeout_words(),
    }
    *lost_since = None;
    tx.set_health(FeedHealth::Connected);

    let mut ping = tokio::time::interval(PING_EVERY);
    ping.tick().await;
    loop {
        tokio::select! {
            note = notes.recv() => match note {
                Some(Ok(payload)) => match parse_payload(&payload) {
                    Some((s, event)) if s == schema => {
                        if !cursor.deliver(tx, event) {
                            return "the window closed".into();
                        }
                    }
                    Some(_) => {}
                    None => tracing::warn!("journal feed: a notification it cannot read was ignored"),
                },
                Some(Err(reason)) => return reason,
                None => return "the server closed the connection".into(),
            },
            _ = ping.tick() => {
                match tokio::time::timeout(PING_TIMEOUT, client.simple_query("SELECT 1")).await {
                    Ok(Ok(_)) => {}
                    Ok(Err(e)) => return words(&e),
                    Err(_) => return timeout_words(),
                }
            }
        }
    }
}

/// Delivers what was written while the feed was away: every event after the last one
/// delivered, and (after a loss) every event since shortly before it. At the very first
/// connection there is nothing to catch up: the feed starts from the newest event.
async fn catch_up(
    client: &Client,
    tx: &FeedSender,
    cursor: &mut Cursor,
    lost_since: Option<i64>,
) -> Result<(), tokio_postgres::Error> {
    let Some(last_id) = cursor.last_id else {
        let newest: Option<i64> = client
            .query_one("SELECT max(id) FROM journal_events", &[])
            .await?
            .get(0);
        cursor.last_id = Some(newest.unwrap_or(0));
        return Ok(());
    };
    let from_ms = lost_since.map_or(i64::MAX, |since| since - CATCH_UP_MARGIN_MS);
    let mut after_id = i64::MIN;
    loop {
        let rows = client
            .query(
                "SELECT id, kind, order_id, station, operator, at_ms, until_ms
                   FROM journal_events
                  WHERE (id > $1 OR at_ms >= $2) AND id > $3
                  ORDER BY id
                  LIMIT $4",
                &[&last_id, &from_ms, &after_id, &CATCH_UP_PAGE],
            )
            .await?;
        let n = rows.len();
        for row in rows {
            let id: i64 = row.get(0);
            after_id = id;
            let kind: String = row.get(1);
            let order: String = row.get(2);
            let (Some(kind), Ok(order_id)) = (EventKind::parse(&kind), order.parse::<u64>()) else {
                continue;
            };
            let event = JournalEvent {
                id,
                kind,
                order_id: OrderId(order_id),
                station: row.get(3),
                operator: row.get(4),
                at_ms: row.get(5),
                until_ms: row.get(6),
            };
            if !cursor.deliver(tx, event) {
                return Ok(());
            }
        }
        if (n as i64) < CATCH_UP_PAGE {
            return Ok(());
        }
    }
}

#[derive(serde::Deserialize)]
struct Payload {
    s: String,
    id: i64,
    kind: String,
    order_id: String,
    station: String,
    operator: String,
    at_ms: i64,
    until_ms: Option<i64>,
}

/// A notification's schema and event; `None` for one this version cannot read.
pub fn parse_payload(payload: &str) -> Option<(String, JournalEvent)> {
    let p: Payload = serde_json::from_str(payload).ok()?;
    Some((
        p.s,
        JournalEvent {
            id: p.id,
            kind: EventKind::parse(&p.kind)?,
            order_id: OrderId(p.order_id.parse().ok()?),
            station: p.station,
            operator: p.operator,
            at_ms: p.at_ms,
            until_ms: p.until_ms,
        },
    ))
}

/// A driver error in words. tokio-postgres never puts the password in its messages; the
/// server's own message (e.g. "terminating connection due to administrator command") is kept.
fn words(e: &tokio_postgres::Error) -> String {
    match e.as_db_error() {
        Some(db) => db.message().to_string(),
        None => {
            let mut text = e.to_string();
            if let Some(source) = std::error::Error::source(e) {
                let s = source.to_string();
                if !text.contains(&s) {
                    text = format!("{text}: {s}");
                }
            }
            text
        }
    }
}

fn timeout_words() -> String {
    format!(
        "the server did not answer within {} s",
        PING_TIMEOUT.as_secs()
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_notification_is_read_with_its_schema_and_big_order_ids_intact() {
        let payload = r#"{"s":"public","id":42,"kind":"claim","order_id":"3704000000000000123","station":"B","operator":"李四","at_ms":1,"until_ms":30001}"#;
        let (schema, e) = parse_payload(payload).unwrap();
        assert_eq!(schema, "public");
        assert_eq!(e.order_id, OrderId(3_704_000_000_000_000_123));
        assert_eq!(e.kind, EventKind::Claimed);
        assert_eq!(e.until_ms, Some(30_001));
        assert!(parse_payload(r#"{"s":"x","id":1,"kind":"teleport","order_id":"1","station":"B","operator":"o","at_ms":1,"until_ms":null}"#).is_none());
        assert!(parse_payload("not json").is_none());
    }

    #[test]
    fn each_event_is_delivered_once_and_the_cursor_moves_to_the_highest() {
        let (tx, mut feed) = JournalFeed::channel(FeedHealth::Connected);
        let mut cursor = Cursor {
            last_id: Some(10),
            recent: Recent::default(),
        };
        let e = |id| JournalEvent {
            id,
            kind: EventKind::Printed,
            order_id: OrderId(1),
            station: "B".into(),
            operator: "o".into(),
            at_ms: 0,
            until_ms: None,
        };
        // 12 commits before 11 (a later transaction finished first): both come, once each.
        for id in [12, 11, 12, 11] {
            assert!(cursor.deliver(&tx, e(id)));
        }
        assert_eq!(cursor.last_id, Some(12));
        let got: Vec<i64> = std::iter::from_fn(|| feed.try_next())
            .map(|e| e.id)
            .collect();
        assert_eq!(got, vec![12, 11]);
    }
}
