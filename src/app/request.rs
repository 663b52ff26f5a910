//! A background request as the UI sees it: not requested, pending (keeping the previous
//! value), done, or failed.

/// The state of one kind of background request.
#[derive(Debug, Clone, Default)]
pub enum Request<T> {
    #[default]
    NotRequested,
    /// Under way; the previous value stays visible meanwhile.
    Pending {
        previous: Option<T>,
    },
    Done(T),
    /// Failed, with the message for the user, keeping the previous value.
    Failed {
        message: String,
        previous: Option<T>,
    },
}

impl<T> Request<T> {
    /// Marks it pending, keeping the current value.
    pub fn start(&mut self) {
        let previous = self.take_value();
        *self = Request::Pending { previous };
    }

    /// The latest value, if any.
    pub fn value(&self) -> Option<&T> {
        match self {
            Request::Done(v) => Some(v),
            Request::Pending { previous } | Request::Failed { previous, .. } => previous.as_ref(),
            Request::NotRequested => None,
        }
    }

    /// True while under way.
    pub fn is_pending(&self) -> bool {
        matches!(self, Request::Pending { .. })
    }

    /// Completes it.
    pub fn finish(&mut self, result: Result<T, String>) {
        *self = match result {
            Ok(v) => Request::Done(v),
            Err(message) => Request::Failed {
                message,
                previous: self.take_value(),
            },
        };
    }

    fn take_value(&mut self) -> Option<T> {
        match std::mem::take(self) {
            Request::Done(v) => Some(v),
            Request::Pending { previous } | Request::Failed { previous, .. } => previous,
            Request::NotRequested => None,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn pending_keeps_the_previous_value_and_failure_too() {
        let mut r: Request<u32> = Request::default();
        r.start();
        assert!(r.is_pending());
        r.finish(Ok(1));
        r.start();
        assert_eq!(r.value(), Some(&1));
        r.finish(Err("boom".into()));
        assert_eq!(r.value(), Some(&1));
        assert!(matches!(r, Request::Failed { .. }));
    }
}
