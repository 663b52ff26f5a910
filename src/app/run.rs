//! A run of work over a list of orders (a label run, a print run), and the runs waiting behind
//! it. A run owns its order ids: when it ends or is cancelled, exactly the ids it never reached
//! are handed back, so their rows can be reset without looking at the (changed) selection.

use std::collections::VecDeque;

use crate::wechat::OrderId;

/// A run in progress.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct RunProgress {
    /// The orders of this run, in the order they are worked on.
    pub ids: Vec<OrderId>,
    /// Orders that reported a result (success or failure).
    pub finished: Vec<OrderId>,
    /// Orders that failed.
    pub failed: Vec<OrderId>,
    pub cancelling: bool,
    /// A resumed journal batch: its orders are learnt as they report; `expected` of them.
    open: Option<usize>,
}

impl RunProgress {
    fn new(ids: Vec<OrderId>) -> Self {
        RunProgress {
            ids,
            ..RunProgress::default()
        }
    }

    pub fn total(&self) -> usize {
        self.ids.len().max(self.open.unwrap_or(0))
    }

    pub fn done(&self) -> usize {
        self.finished.len()
    }

    pub fn failed_count(&self) -> usize {
        self.failed.len()
    }

    /// Orders of the run that never reported a result.
    pub fn untouched(&self) -> Vec<OrderId> {
        self.ids
            .iter()
            .filter(|id| !self.finished.contains(id))
            .copied()
            .collect()
    }
}

/// What the user (or the scan queue) asks a run queue.
#[derive(Debug, Clone, PartialEq)]
pub enum RunCommand {
    /// Work on these orders: now if idle, else after the runs already waiting.
    Start(Vec<OrderId>),
    /// Stop the running run before its next order; drop the waiting ones.
    Cancel,
}

/// What the backend reports about the running run.
#[derive(Debug, Clone, PartialEq)]
pub enum RunEvent {
    /// One order finished.
    Item { order_id: OrderId, ok: bool },
    /// The run ended (all done, failed or cancelled).
    Ended,
}

/// What the app must do after a transition.
#[derive(Debug, Clone, PartialEq)]
pub enum RunStep {
    Nothing,
    /// Start the backend on these orders.
    Start(Vec<OrderId>),
    /// The orders wait behind the running run, at this place in the queue (1 = next).
    Queued {
        place: usize,
    },
    /// Ask the backend to stop; `dropped` are the orders of waiting runs that will not run.
    Cancel {
        dropped: Vec<OrderId>,
    },
    /// The run ended: the app reports it and resets its untouched rows; `next` starts now.
    Ended {
        run: RunProgress,
        next: Option<Vec<OrderId>>,
    },
}

/// One run at a time, the rest waiting in order.
#[derive(Debug, Clone, Default)]
pub struct RunQueue {
    active: Option<RunProgress>,
    waiting: VecDeque<Vec<OrderId>>,
}

impl RunQueue {
    /// The running run.
    pub fn active(&self) -> Option<&RunProgress> {
        self.active.as_ref()
    }

    /// Starts a resumed batch whose orders are not known up front (only when idle).
    pub fn resume(&mut self, expected: usize) -> bool {
        if self.active.is_some() {
            return false;
        }
        self.active = Some(RunProgress {
            open: Some(expected),
            ..RunProgress::default()
        });
        true
    }

    pub fn is_idle(&self) -> bool {
        self.active.is_none()
    }

    /// Runs waiting behind the active one.
    pub fn waiting(&self) -> usize {
        self.waiting.len()
    }

    /// True when this order is in the running run or a waiting one.
    pub fn owns(&self, id: OrderId) -> bool {
        self.active.as_ref().is_some_and(|r| r.ids.contains(&id))
            || self.waiting.iter().any(|w| w.contains(&id))
    }

    pub fn on_command(&mut self, command: RunCommand) -> RunStep {
        match command {
            RunCommand::Start(ids) if ids.is_empty() => RunStep::Nothing,
            RunCommand::Start(ids) => {
                if self.active.is_some() {
                    self.waiting.push_back(ids);
                    RunStep::Queued {
                        place: self.waiting.len(),
                    }
                } else {
                    self.active = Some(RunProgress::new(ids.clone()));
                    RunStep::Start(ids)
                }
            }
            RunCommand::Cancel => match &mut self.active {
                Some(run) => {
                    run.cancelling = true;
                    RunStep::Cancel {
                        dropped: self.waiting.drain(..).flatten().collect(),
                    }
                }
                None => RunStep::Nothing,
            },
        }
    }

    pub fn on_event(&mut self, event: RunEvent) -> RunStep {
        match event {
            RunEvent::Item { order_id, ok } => {
                if let Some(run) = &mut self.active {
                    if run.open.is_some() && !run.ids.contains(&order_id) {
                        run.ids.push(order_id);
                    }
                    if run.ids.contains(&order_id) && !run.finished.contains(&order_id) {
                        run.finished.push(order_id);
                        if !ok {
                            run.failed.push(order_id);
                        }
                    }
                }
                RunStep::Nothing
            }
            RunEvent::Ended => {
                let Some(run) = self.active.take() else {
                    return RunStep::Nothing;
                };
                let next = self.waiting.pop_front();
                if let Some(ids) = &next {
                    self.active = Some(RunProgress::new(ids.clone()));
                }
                RunStep::Ended { run, next }
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn ids(n: &[u64]) -> Vec<OrderId> {
        n.iter().map(|&i| OrderId(i)).collect()
    }

    #[test]
    fn a_second_run_waits_and_starts_when_the_first_ends() {
        let mut q = RunQueue::default();
        assert_eq!(
            q.on_command(RunCommand::Start(ids(&[1, 2]))),
            RunStep::Start(ids(&[1, 2]))
        );
        assert_eq!(
            q.on_command(RunCommand::Start(ids(&[3]))),
            RunStep::Queued { place: 1 }
        );
        assert_eq!(
            q.on_command(RunCommand::Start(ids(&[4]))),
            RunStep::Queued { place: 2 }
        );
        assert!(q.owns(OrderId(4)));
        q.on_event(RunEvent::Item {
            order_id: OrderId(1),
            ok: true,
        });
        q.on_event(RunEvent::Item {
            order_id: OrderId(2),
            ok: false,
        });
        let RunStep::Ended { run, next } = q.on_event(RunEvent::Ended) else {
            panic!("ended")
        };
        assert_eq!(
            (run.done(), run.failed, next),
            (2, ids(&[2]), Some(ids(&[3])))
        );
        assert_eq!(q.active().map(|r| r.ids.clone()), Some(ids(&[3])));
        let RunStep::Ended { next, .. } = q.on_event(RunEvent::Ended) else {
            panic!("ended")
        };
        assert_eq!(next, Some(ids(&[4])));
        let RunStep::Ended { next, .. } = q.on_event(RunEvent::Ended) else {
            panic!("ended")
        };
        assert_eq!(next, None);
        assert!(q.is_idle());
    }

    #[test]
    fn cancel_hands_back_exactly_the_ids_never_reached() {
        let mut q = RunQueue::default();
        q.on_command(RunCommand::Start(ids(&[1, 2, 3])));
        q.on_command(RunCommand::Start(ids(&[9])));
        q.on_event(RunEvent::Item {
            order_id: OrderId(1),
            ok: true,
        });
        assert_eq!(
            q.on_command(RunCommand::Cancel),
            RunStep::Cancel { dropped: ids(&[9]) }
        );
        let RunStep::Ended { run, next } = q.on_event(RunEvent::Ended) else {
            panic!("ended")
        };
        assert!(run.cancelling);
        assert_eq!(run.untouched(), ids(&[2, 3]));
        assert_eq!(next, None);
    }

    #[test]
    fn results_for_orders_outside_the_run_are_not_counted() {
        let mut q = RunQueue::default();
        q.on_command(RunCommand::Start(ids(&[1])));
        q.on_event(RunEvent::Item {
            order_id: OrderId(7),
            ok: false,
        });
        q.on_event(RunEvent::Item {
            order_id: OrderId(1),
            ok: true,
        });
        q.on_event(RunEvent::Item {
            order_id: OrderId(1),
            ok: true,
        });
        assert_eq!(q.active().map(RunProgress::done), Some(1));
        assert_eq!(q.on_command(RunCommand::Start(vec![])), RunStep::Nothing);
    }
}
