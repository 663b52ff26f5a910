//! Progress on the command line: on a terminal, long runs (`batch labels`, `print`, listing)
//! draw a bar with the rate and the time left on stderr (indicatif). Piped or redirected,
//! nothing is drawn: stdout stays one line per order, stderr keeps its plain messages.

use std::io::IsTerminal as _;
use std::time::Duration;

use indicatif::{ProgressBar, ProgressDrawTarget, ProgressStyle};

/// A bar (or spinner) on stderr when stderr is a terminal; does nothing otherwise.
pub(super) struct Progress {
    bar: Option<ProgressBar>,
}

impl Progress {
    /// Whether bars are drawn: stderr is a terminal and `WAYBILL_DESK_NO_PROGRESS` is unset.
    pub(super) fn wanted() -> bool {
        std::io::stderr().is_terminal() && std::env::var_os("WAYBILL_DESK_NO_PROGRESS").is_none()
    }

    /// A bar over `total` steps, e.g. "labels", with rate and time left.
    pub(super) fn bar(total: u64, what: &str) -> Progress {
        if !Self::wanted() {
            return Progress { bar: None };
        }
        let bar = ProgressBar::with_draw_target(Some(total), ProgressDrawTarget::stderr());
        let style =
            ProgressStyle::with_template("{msg} [{bar:32}] {pos}/{len}  {per_sec}  {eta} left")
                .unwrap_or_else(|_| ProgressStyle::default_bar())
                .progress_chars("=> ");
        bar.set_style(style);
        bar.set_message(what.to_string());
        Progress { bar: Some(bar) }
    }

    /// A spinner with elapsed time, for a step whose size is not known yet (listing).
    pub(super) fn spinner(what: &str) -> Progress {
        if !Self::wanted() {
            return Progress { bar: None };
        }
        let bar = ProgressBar::with_draw_target(None, ProgressDrawTarget::stderr());
        let style = ProgressStyle::with_template("{spinner} {msg} {elapsed}")
            .unwrap_or_else(|_| ProgressStyle::default_spinner());
        bar.set_style(style);
        bar.set_message(what.to_string());
        bar.enable_steady_tick(Duration::from_millis(120));
        Progress { bar: Some(bar) }
    }

    /// Sets the steps done.
    pub(super) fn set(&self, done: u64) {
        if let Some(bar) = &self.bar {
            bar.set_position(done);
        }
    }

    /// Runs `f` (which prints a line) with the bar hidden, so lines and bar do not mix.
    pub(super) fn suspend<T>(&self, f: impl FnOnce() -> T) -> T {
        match &self.bar {
            Some(bar) => bar.suspend(f),
            None => f(),
        }
    }

    /// Removes the bar.
    pub(super) fn finish(&self) {
        if let Some(bar) = &self.bar {
            bar.finish_and_clear();
        }
    }
}

impl Drop for Progress {
    fn drop(&mut self) {
        self.finish();
    }
}
