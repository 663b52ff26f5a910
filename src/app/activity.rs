//! The activity log the station shows (every fetch, print and ship), and the toasts for
//! warnings and errors, fed also by a `tracing` layer so WARN/ERROR logs surface in the UI.

use std::sync::mpsc;
use std::time::{Duration, Instant};

use crate::i18n::{Lang, Msg};

/// How serious an entry is.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
pub enum Level {
    Error,
    Warn,
    Info,
}

/// One line of the activity log.
#[derive(Debug, Clone, PartialEq)]
pub struct Entry {
    /// "HH:MM:SS" local (China) time.
    pub time: String,
    pub level: Level,
    /// The message with its data, rendered in the language of the moment.
    pub msg: Msg,
}

impl Entry {
    /// The words of this entry in this language.
    pub fn text(&self, lang: Lang) -> String {
        self.msg.render(lang)
    }
}

/// A toast shown for a few seconds.
#[derive(Debug, Clone)]
pub struct Toast {
    pub level: Level,
    pub msg: Msg,
    pub until: Instant,
}

/// The log and the toasts.
#[derive(Debug, Default)]
pub struct Activity {
    entries: Vec<Entry>,
    toasts: Vec<Toast>,
    /// Show only errors and warnings.
    pub problems_only: bool,
}

/// Entries kept; older ones are dropped (the journal keeps the full history).
const MAX_ENTRIES: usize = 5_000;
const TOAST_DURATION: Duration = Duration::from_secs(6);

impl Activity {
    /// Adds an entry; warnings and errors also become toasts.
    pub fn push(&mut self, level: Level, msg: impl Into<Msg>) {
        let msg = msg.into();
        if level <= Level::Warn {
            self.toasts.push(Toast {
                level,
                msg: msg.clone(),
                until: Instant::now() + TOAST_DURATION,
            });
            if self.toasts.len() > 5 {
                self.toasts.remove(0);
            }
        }
        let time = crate::wechat::order::format_china_time(chrono::Utc::now().timestamp());
        self.entries.push(Entry {
            time: time.get(11..).unwrap_or(&time).to_string(),
            level,
            msg,
        });
        if self.entries.len() > MAX_ENTRIES {
            self.entries.drain(..self.entries.len() - MAX_ENTRIES);
        }
    }

    /// Entries to show: errors first, then warnings, then the rest, newest first within each.
    pub fn shown(&self) -> Vec<&Entry> {
        let mut list: Vec<&Entry> = self
            .entries
            .iter()
            .rev()
            .filter(|e| !self.problems_only || e.level <= Level::Warn)
            .collect();
        list.sort_by_key(|e| e.level);
        list
    }

    /// Every entry, oldest first.
    pub fn entries(&self) -> &[Entry] {
        &self.entries
    }

    /// Toasts still due, dropping expired ones.
    pub fn live_toasts(&mut self) -> &[Toast] {
        let now = Instant::now();
        self.toasts.retain(|t| t.until > now);
        &self.toasts
    }

    /// Drops a toast (clicked away).
    pub fn dismiss_toast(&mut self, index: usize) {
        if index < self.toasts.len() {
            self.toasts.remove(index);
        }
    }
}

/// WARN/ERROR lines of the library that the packer may see, and the message each becomes (with
/// the event's `order_id`), so they show in the chosen language and name their order.
const TRACED: &[(&str, &str)] = &[("ship answer lost; re-reading the order", "ship-answer-lost")];

/// A `tracing` layer that forwards WARN and ERROR events to the UI: a known line becomes its
/// message with the event's order id; another keeps its text and names the order it carries.
pub struct ToastLayer {
    tx: mpsc::Sender<(Level, Msg)>,
}

impl ToastLayer {
    /// The layer and the receiving end the app drains each frame.
    pub fn new() -> (Self, mpsc::Receiver<(Level, Msg)>) {
        let (tx, rx) = mpsc::channel();
        (ToastLayer { tx }, rx)
    }
}

impl<S: tracing::Subscriber> tracing_subscriber::Layer<S> for ToastLayer {
    fn on_event(
        &self,
        event: &tracing::Event<'_>,
        _ctx: tracing_subscriber::layer::Context<'_, S>,
    ) {
        let level = match *event.metadata().level() {
            tracing::Level::ERROR => Level::Error,
            tracing::Level::WARN => Level::Warn,
            _ => return,
        };
        // Only our own crate's events: library chatter is not for the packing station.
        if !event.metadata().target().starts_with("waybill_desk") {
            return;
        }
        #[derive(Default)]
        struct Fields {
            message: String,
            order_id: Option<String>,
        }
        impl tracing::field::Visit for Fields {
            fn record_debug(&mut self, field: &tracing::field::Field, value: &dyn std::fmt::Debug) {
                match field.name() {
                    "message" => self.message = format!("{value:?}"),
                    "order_id" => self.order_id = Some(format!("{value:?}")),
                    _ => {}
                }
            }
        }
        let mut fields = Fields::default();
        event.record(&mut fields);
        let known = TRACED.iter().find(|(text, _)| *text == fields.message);
        let msg = match (known, fields.order_id) {
            (Some((_, id)), Some(order)) => Msg::id(id).arg("order", order),
            (_, Some(order)) => Msg::Text(format!("{order}: {}", fields.message)),
            (_, None) => Msg::Text(fields.message),
        };
        let _ = self.tx.send((level, msg));
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn errors_come_first_and_become_toasts() {
        let mut a = Activity::default();
        a.push(Level::Info, "fetched".to_string());
        a.push(Level::Error, "ship failed".to_string());
        a.push(Level::Info, "printed".to_string());
        let shown: Vec<String> = a.shown().iter().map(|e| e.text(Lang::En)).collect();
        assert_eq!(shown, vec!["ship failed", "printed", "fetched"]);
        assert_eq!(a.live_toasts().len(), 1);
        a.problems_only = true;
        assert_eq!(a.shown().len(), 1);
    }

    #[test]
    fn warn_logs_reach_the_ui_channel() {
        use tracing_subscriber::layer::SubscriberExt;
        let (layer, rx) = ToastLayer::new();
        let subscriber = tracing_subscriber::registry().with(layer);
        tracing::subscriber::with_default(subscriber, || {
            tracing::warn!("printer is offline");
            tracing::info!("not a toast");
            let order_id = 3_704_000_000_000_000_123_u64;
            tracing::warn!(%order_id, error = "timeout", "ship answer lost; re-reading the order");
        });
        assert_eq!(
            rx.try_recv().unwrap(),
            (Level::Warn, Msg::Text("printer is offline".into()))
        );
        let (_, lost) = rx.try_recv().unwrap();
        let zh = lost.render(Lang::ZhCn);
        assert!(
            zh.contains("3704000000000000123") && zh.contains("重新查询"),
            "named and in Chinese: {zh}"
        );
        assert!(lost.render(Lang::En).contains("re-reading"));
        assert!(rx.try_recv().is_err());
    }
}
