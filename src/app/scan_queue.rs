//! The scan queue: a keyboard-wedge scanner types a code and Enter, maybe a second later the
//! next one. Every scan is queued in order; one is worked on at a time (label, print, maybe
//! ship) behind any running label or print run, and each ends with its own result.

use std::collections::VecDeque;

use crate::i18n::Msg;
use crate::wechat::OrderId;

/// Where the current scan is in its work.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ScanStage {
    Fetching,
    Printing,
    Shipping,
}

/// How a result is shown: green, amber (done, but look: a reprint, already shipped), red.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Tone {
    Ok,
    Warn,
    Error,
}

/// What the scanned code's order looked like when its turn came (the app reads its row).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Found {
    NotFound,
    /// Nothing left to ship: amber, and nothing prints unless the packer confirms.
    Shipped(OrderId),
    /// Needs its label first.
    NeedsLabel(OrderId),
    /// The label is here; it printed `printed` times before.
    HasLabel {
        order_id: OrderId,
        printed: u32,
    },
}

/// How a scan ended; the words are chosen when it is drawn, in the language of the moment.
#[derive(Debug, Clone, PartialEq)]
pub enum ScanOutcome {
    NotFound {
        code: String,
    },
    /// Already shipped: nothing printed (the banner offers "print anyway").
    AlreadyShipped {
        order_id: OrderId,
    },
    /// The label is ready but no printer is chosen.
    NoPrinter {
        order_id: OrderId,
    },
    /// Printed; `times` > 1 is a reprint.
    Printed {
        order_id: OrderId,
        times: u32,
    },
    /// Printed and shipped.
    Shipped {
        order_id: OrderId,
        times: u32,
    },
    /// Printed; one parcel shipped, the rest stays.
    ParcelShipped {
        order_id: OrderId,
        times: u32,
    },
    /// A step failed, explained for the user; `None`: its run stopped before it.
    Failed {
        order_id: OrderId,
        error: Option<Msg>,
    },
}

impl ScanOutcome {
    pub fn tone(&self) -> Tone {
        match self {
            ScanOutcome::NotFound { .. }
            | ScanOutcome::NoPrinter { .. }
            | ScanOutcome::Failed { .. } => Tone::Error,
            ScanOutcome::AlreadyShipped { .. } => Tone::Warn,
            ScanOutcome::Printed { times, .. }
            | ScanOutcome::Shipped { times, .. }
            | ScanOutcome::ParcelShipped { times, .. } => {
                if *times > 1 {
                    Tone::Warn
                } else {
                    Tone::Ok
                }
            }
        }
    }

    pub fn order_id(&self) -> Option<OrderId> {
        match self {
            ScanOutcome::NotFound { .. } => None,
            ScanOutcome::AlreadyShipped { order_id }
            | ScanOutcome::NoPrinter { order_id }
            | ScanOutcome::Printed { order_id, .. }
            | ScanOutcome::Shipped { order_id, .. }
            | ScanOutcome::ParcelShipped { order_id, .. }
            | ScanOutcome::Failed { order_id, .. } => Some(*order_id),
        }
    }
}

/// What the app must do next for the current scan.
#[derive(Debug, Clone, PartialEq)]
pub enum ScanStep {
    Nothing,
    FetchLabel(OrderId),
    Print(OrderId),
    Ship(OrderId),
    /// The scan is over: show, sound and log it; then the next one may start.
    Finished(ScanOutcome),
}

/// What the backend reported that a scan may be waiting for.
#[derive(Debug, Clone, PartialEq)]
pub enum ScanEvent {
    LabelDone {
        order_id: OrderId,
        result: Result<(), Msg>,
    },
    /// The label run ended; a scan still fetching never got its label (cancelled).
    LabelRunEnded,
    Printed {
        order_id: OrderId,
        result: Result<(), Msg>,
    },
    /// The print run ended; a scan still printing was not printed (stopped).
    PrintRunEnded,
    /// `complete` false: one parcel went, the rest stays to be shipped.
    Shipped {
        order_id: OrderId,
        result: Result<bool, Msg>,
    },
}

/// Settings a scan follows, read when its step comes.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct ScanRules {
    pub has_printer: bool,
    pub print_then_ship: bool,
}

#[derive(Debug, Clone, Copy, PartialEq)]
struct Current {
    order_id: OrderId,
    stage: ScanStage,
    /// Which print this is (1 = first).
    times: u32,
    /// False for a confirmed reprint of a shipped order: it prints, never ships.
    may_ship: bool,
}

/// Scans in order, one at a time.
#[derive(Debug, Clone, Default)]
pub struct ScanQueue {
    waiting: VecDeque<String>,
    current: Option<Current>,
}

impl ScanQueue {
    /// Queues a scanned code (never dropped, whatever is running).
    pub fn push(&mut self, code: &str) {
        let code = code.trim();
        if !code.is_empty() {
            self.waiting.push_back(code.to_string());
        }
    }

    /// Codes waiting behind the current scan.
    pub fn waiting(&self) -> usize {
        self.waiting.len()
    }

    /// Scans not finished: the current one and those waiting ("队列 N").
    pub fn len(&self) -> usize {
        self.waiting.len() + usize::from(self.current.is_some())
    }

    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }

    /// The current scan's order and stage.
    pub fn current(&self) -> Option<(OrderId, ScanStage)> {
        self.current.map(|c| (c.order_id, c.stage))
    }

    /// The next code to look up, when no scan is being worked on.
    pub fn next_code(&mut self) -> Option<String> {
        if self.current.is_some() {
            return None;
        }
        self.waiting.pop_front()
    }

    /// Starts the scan of `code` with what its order looked like.
    pub fn start(&mut self, code: &str, found: Found, rules: ScanRules) -> ScanStep {
        match found {
            Found::NotFound => ScanStep::Finished(ScanOutcome::NotFound {
                code: code.to_string(),
            }),
            Found::Shipped(order_id) => {
                ScanStep::Finished(ScanOutcome::AlreadyShipped { order_id })
            }
            Found::NeedsLabel(order_id) => {
                self.current = Some(Current {
                    order_id,
                    stage: ScanStage::Fetching,
                    times: 1,
                    may_ship: true,
                });
                ScanStep::FetchLabel(order_id)
            }
            Found::HasLabel { order_id, printed } => {
                self.current = Some(Current {
                    order_id,
                    stage: ScanStage::Printing,
                    times: printed + 1,
                    may_ship: true,
                });
                self.print_or_stop(rules)
            }
        }
    }

    /// Starts a print the packer confirmed (an already shipped order scanned again).
    pub fn start_confirmed_reprint(&mut self, order_id: OrderId, printed: u32) -> ScanStep {
        self.current = Some(Current {
            order_id,
            stage: ScanStage::Printing,
            times: printed + 1,
            may_ship: false,
        });
        self.print_or_stop(ScanRules {
            has_printer: true,
            print_then_ship: false,
        })
    }

    fn print_or_stop(&mut self, rules: ScanRules) -> ScanStep {
        let Some(current) = self.current else {
            return ScanStep::Nothing;
        };
        if rules.has_printer {
            ScanStep::Print(current.order_id)
        } else {
            self.finish(ScanOutcome::NoPrinter {
                order_id: current.order_id,
            })
        }
    }

    fn finish(&mut self, outcome: ScanOutcome) -> ScanStep {
        self.current = None;
        ScanStep::Finished(outcome)
    }

    /// Moves the current scan on when the backend reports what it waits for.
    pub fn on_event(&mut self, event: ScanEvent, rules: ScanRules) -> ScanStep {
        let Some(current) = self.current else {
            return ScanStep::Nothing;
        };
        let order_id = current.order_id;
        match (current.stage, event) {
            (
                ScanStage::Fetching,
                ScanEvent::LabelDone {
                    order_id: id,
                    result,
                },
            ) if id == order_id => match result {
                Ok(()) => {
                    self.current = Some(Current {
                        stage: ScanStage::Printing,
                        ..current
                    });
                    self.print_or_stop(rules)
                }
                Err(error) => self.finish(ScanOutcome::Failed {
                    order_id,
                    error: Some(error),
                }),
            },
            (ScanStage::Fetching, ScanEvent::LabelRunEnded) => self.finish(ScanOutcome::Failed {
                order_id,
                error: None,
            }),
            (
                ScanStage::Printing,
                ScanEvent::Printed {
                    order_id: id,
                    result,
                },
            ) if id == order_id => match result {
                Ok(()) if rules.print_then_ship && current.may_ship => {
                    self.current = Some(Current {
                        stage: ScanStage::Shipping,
                        ..current
                    });
                    ScanStep::Ship(order_id)
                }
                Ok(()) => self.finish(ScanOutcome::Printed {
                    order_id,
                    times: current.times,
                }),
                Err(error) => self.finish(ScanOutcome::Failed {
                    order_id,
                    error: Some(error),
                }),
            },
            (ScanStage::Printing, ScanEvent::PrintRunEnded) => self.finish(ScanOutcome::Failed {
                order_id,
                error: None,
            }),
            (
                ScanStage::Shipping,
                ScanEvent::Shipped {
                    order_id: id,
                    result,
                },
            ) if id == order_id => {
                let times = current.times;
                match result {
                    Ok(true) => self.finish(ScanOutcome::Shipped { order_id, times }),
                    Ok(false) => self.finish(ScanOutcome::ParcelShipped { order_id, times }),
                    Err(error) => self.finish(ScanOutcome::Failed {
                        order_id,
                        error: Some(error),
                    }),
                }
            }
            _ => ScanStep::Nothing,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const PRINT: ScanRules = ScanRules {
        has_printer: true,
        print_then_ship: false,
    };
    const SHIP: ScanRules = ScanRules {
        has_printer: true,
        print_then_ship: true,
    };

    #[test]
    fn three_scans_a_second_apart_each_get_their_turn_in_order() {
        let mut q = ScanQueue::default();
        q.push("111");
        assert_eq!(q.next_code().as_deref(), Some("111"));
        let step = q.start("111", Found::NeedsLabel(OrderId(1)), PRINT);
        assert_eq!(step, ScanStep::FetchLabel(OrderId(1)));
        // The next two arrive while the first is still at work: they wait, nothing is lost.
        q.push("222");
        q.push(" 333\n");
        assert_eq!(q.next_code(), None);
        assert_eq!(q.len(), 3);
        let ok = |id| ScanEvent::LabelDone {
            order_id: OrderId(id),
            result: Ok(()),
        };
        let printed = |id| ScanEvent::Printed {
            order_id: OrderId(id),
            result: Ok(()),
        };
        assert_eq!(q.on_event(ok(1), PRINT), ScanStep::Print(OrderId(1)));
        assert_eq!(
            q.on_event(printed(1), PRINT),
            ScanStep::Finished(ScanOutcome::Printed {
                order_id: OrderId(1),
                times: 1
            })
        );
        for (code, id) in [("222", 2), ("333", 3)] {
            assert_eq!(q.next_code().as_deref(), Some(code));
            q.start(code, Found::NeedsLabel(OrderId(id)), PRINT);
            q.on_event(ok(id), PRINT);
            assert!(matches!(
                q.on_event(printed(id), PRINT),
                ScanStep::Finished(ScanOutcome::Printed { .. })
            ));
        }
        assert!(q.is_empty());
    }

    #[test]
    fn a_print_run_ending_without_the_scan_s_label_fails_it_instead_of_spinning_forever() {
        let mut q = ScanQueue::default();
        q.push("1");
        let code = q.next_code().unwrap();
        q.start(
            &code,
            Found::HasLabel {
                order_id: OrderId(1),
                printed: 0,
            },
            PRINT,
        );
        assert_eq!(q.current(), Some((OrderId(1), ScanStage::Printing)));
        assert!(matches!(
            q.on_event(ScanEvent::PrintRunEnded, PRINT),
            ScanStep::Finished(ScanOutcome::Failed { .. })
        ));
        assert_eq!(q.current(), None);
    }

    #[test]
    fn a_reprint_is_amber_and_counts_its_prints() {
        let mut q = ScanQueue::default();
        q.start(
            "9",
            Found::HasLabel {
                order_id: OrderId(9),
                printed: 1,
            },
            PRINT,
        );
        let step = q.on_event(
            ScanEvent::Printed {
                order_id: OrderId(9),
                result: Ok(()),
            },
            PRINT,
        );
        let ScanStep::Finished(outcome) = step else {
            panic!("{step:?}")
        };
        assert_eq!(
            outcome,
            ScanOutcome::Printed {
                order_id: OrderId(9),
                times: 2
            }
        );
        assert_eq!(outcome.tone(), Tone::Warn);
        assert_eq!(
            ScanOutcome::Printed {
                order_id: OrderId(9),
                times: 1
            }
            .tone(),
            Tone::Ok
        );
    }

    #[test]
    fn a_shipped_order_scanned_again_is_amber_and_prints_nothing() {
        let mut q = ScanQueue::default();
        let step = q.start("5", Found::Shipped(OrderId(5)), SHIP);
        assert_eq!(
            step,
            ScanStep::Finished(ScanOutcome::AlreadyShipped {
                order_id: OrderId(5)
            })
        );
        assert_eq!(
            ScanOutcome::AlreadyShipped {
                order_id: OrderId(5)
            }
            .tone(),
            Tone::Warn
        );
        // Only a confirmation prints it, and never ships it again.
        assert_eq!(
            q.start_confirmed_reprint(OrderId(5), 1),
            ScanStep::Print(OrderId(5))
        );
        assert!(matches!(
            q.on_event(
                ScanEvent::Printed {
                    order_id: OrderId(5),
                    result: Ok(())
                },
                SHIP
            ),
            ScanStep::Finished(ScanOutcome::Printed { times: 2, .. })
        ));
    }

    #[test]
    fn print_then_ship_ships_after_printing_and_reports_a_partial_parcel() {
        let mut q = ScanQueue::default();
        q.start(
            "1",
            Found::HasLabel {
                order_id: OrderId(1),
                printed: 0,
            },
            SHIP,
        );
        assert_eq!(
            q.on_event(
                ScanEvent::Printed {
                    order_id: OrderId(1),
                    result: Ok(())
                },
                SHIP
            ),
            ScanStep::Ship(OrderId(1))
        );
        // Someone else's results do not move this scan.
        assert_eq!(
            q.on_event(
                ScanEvent::Shipped {
                    order_id: OrderId(2),
                    result: Ok(true)
                },
                SHIP
            ),
            ScanStep::Nothing
        );
        assert_eq!(
            q.on_event(
                ScanEvent::Shipped {
                    order_id: OrderId(1),
                    result: Ok(false)
                },
                SHIP
            ),
            ScanStep::Finished(ScanOutcome::ParcelShipped {
                order_id: OrderId(1),
                times: 1
            })
        );
    }

    #[test]
    fn no_printer_and_unknown_codes_end_red() {
        let mut q = ScanQueue::default();
        let rules = ScanRules {
            has_printer: false,
            print_then_ship: false,
        };
        let step = q.start(
            "1",
            Found::HasLabel {
                order_id: OrderId(1),
                printed: 0,
            },
            rules,
        );
        assert!(matches!(&step, ScanStep::Finished(o) if o.tone() == Tone::Error));
        let step = q.start("garbage", Found::NotFound, rules);
        assert_eq!(
            step,
            ScanStep::Finished(ScanOutcome::NotFound {
                code: "garbage".into()
            })
        );
        assert!(q.is_empty());
    }
}
