//! One cancel token for every run that stops between steps: label batches, print runs.

use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::Arc;

/// Stops a run before its next step; the step under way finishes (and is recorded). Cheap to
/// clone; share it with the UI's cancel button.
#[derive(Debug, Clone, Default)]
pub struct CancelToken(Arc<AtomicBool>);

impl CancelToken {
    /// A token that has not been cancelled.
    pub fn new() -> Self {
        Self::default()
    }

    /// Asks the run to stop before its next step.
    pub fn cancel(&self) {
        self.0.store(true, Ordering::SeqCst);
    }

    /// Whether [`CancelToken::cancel`] was called (on this token or a clone of it).
    pub fn is_cancelled(&self) -> bool {
        self.0.load(Ordering::SeqCst)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_clone_sees_the_cancel() {
        let token = CancelToken::new();
        let seen_by_run = token.clone();
        assert!(!seen_by_run.is_cancelled());
        token.cancel();
        assert!(seen_by_run.is_cancelled());
    }
}
