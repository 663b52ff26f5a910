//! The activity log the station shows (every fetch, print and ship), and the toasts for
//! warnings and errors, fed also by a `tracing` layer so WARN/ERROR logs surface in the UI.

use std::sync::mpsc;
use std::time::{Duration, Instant};

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
    pub text: String,
}

/// A toast shown for a few seconds.
#[derive(Debug, Clone)]
pub struct Toast {
    pub level: Level,
    pub text: String,
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
    pub fn push(&mut self, level: Level, text: impl Into<String>) {
        let text = text.into();
        if level <= Level::Warn {
            self.toasts.push(Toast {
                level,
                text: text.clone(),
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
            text,
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

/// A `tracing` layer that forwards WARN and ERROR events (their message only) to the UI.
pub struct ToastLayer {
    tx: mpsc::Sender<(Level, String)>,
}

impl ToastLayer {
    /// The layer and the receiving end the app drains each frame.
    pub fn new() -> (Self, mpsc::Receiver<(Level, String)>) {
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
        struct Message(String);
        impl tracing::field::Visit for Message {
            fn record_debug(&mut self, field: &tracing::field::Field, value: &dyn std::fmt::Debug) {
                if field.name() == "message" {
                    self.0 = format!("{value:?}");
                }
            }
        }
        let mut message = Message(String::new());
        event.record(&mut message);
        let _ = self.tx.send((level, message.0));
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn errors_come_first_and_become_toasts() {
        let mut a = Activity::default();
        a.push(Level::Info, "fetched");
        a.push(Level::Error, "ship failed");
        a.push(Level::Info, "printed");
        let shown: Vec<&str> = a.shown().iter().map(|e| e.text.as_str()).collect();
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
        });
        assert_eq!(
            rx.try_recv().unwrap(),
            (Level::Warn, "printer is offline".into())
        );
        assert!(rx.try_recv().is_err());
    }
}
