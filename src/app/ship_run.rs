//! A ship run: the orders the packer asked to ship, the "not printed yet, ship anyway?"
//! question when some were never printed, and the orders whose `delivery/send` is in flight.
//! Orders that cannot ship at all (no waybill, cancelled, no courier) are told before this,
//! so the question is only ever about orders that could go.

use crate::wechat::OrderId;

/// What the packer asks.
#[derive(Debug, Clone, PartialEq)]
pub enum ShipCommand {
    /// Ship these orders; `unprinted` of them never had their label printed.
    Ship {
        ready: Vec<OrderId>,
        unprinted: usize,
    },
    /// The answer to "ship anyway?".
    Confirm(bool),
}

/// What the app must do next.
#[derive(Debug, Clone, PartialEq)]
pub enum ShipStep {
    Nothing,
    /// Ask "ship anyway?" about this many unprinted orders (the modal reads [`ShipRun::asking`]).
    Ask {
        unprinted: usize,
    },
    /// Send these (the app marks them in flight with [`ShipRun::sent`]).
    Send(Vec<OrderId>),
}

/// The ship question and the orders in flight.
#[derive(Debug, Clone, Default)]
pub struct ShipRun {
    asking: Option<(Vec<OrderId>, usize)>,
    in_flight: Vec<OrderId>,
}

impl ShipRun {
    /// The orders the open question is about, and how many of them were never printed.
    pub fn asking(&self) -> Option<(&[OrderId], usize)> {
        self.asking.as_ref().map(|(ids, n)| (ids.as_slice(), *n))
    }

    /// Whether this order's shipment is on its way.
    pub fn in_flight(&self, id: OrderId) -> bool {
        self.in_flight.contains(&id)
    }

    pub fn on_command(&mut self, command: ShipCommand) -> ShipStep {
        match command {
            ShipCommand::Ship { ready, .. } if ready.is_empty() => ShipStep::Nothing,
            ShipCommand::Ship { ready, unprinted } if unprinted > 0 => {
                self.asking = Some((ready, unprinted));
                ShipStep::Ask { unprinted }
            }
            ShipCommand::Ship { ready, .. } => ShipStep::Send(ready),
            ShipCommand::Confirm(yes) => match self.asking.take() {
                Some((ids, _)) if yes => ShipStep::Send(ids),
                _ => ShipStep::Nothing,
            },
        }
    }

    /// These orders went to the backend.
    pub fn sent(&mut self, ids: &[OrderId]) {
        for id in ids {
            if !self.in_flight.contains(id) {
                self.in_flight.push(*id);
            }
        }
    }

    /// One shipment ended (shipped, refused or failed).
    pub fn on_event(&mut self, order_id: OrderId) {
        self.in_flight.retain(|id| *id != order_id);
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn unprinted_orders_ask_first_and_a_no_sends_nothing() {
        let mut run = ShipRun::default();
        let ids = vec![OrderId(1), OrderId(2)];
        assert_eq!(
            run.on_command(ShipCommand::Ship {
                ready: ids.clone(),
                unprinted: 1
            }),
            ShipStep::Ask { unprinted: 1 }
        );
        assert_eq!(run.asking(), Some((ids.as_slice(), 1)));
        assert_eq!(
            run.on_command(ShipCommand::Confirm(false)),
            ShipStep::Nothing
        );
        assert_eq!(run.asking(), None);
        run.on_command(ShipCommand::Ship {
            ready: ids.clone(),
            unprinted: 1,
        });
        assert_eq!(
            run.on_command(ShipCommand::Confirm(true)),
            ShipStep::Send(ids)
        );
        // A second answer (double click) sends nothing more.
        assert_eq!(
            run.on_command(ShipCommand::Confirm(true)),
            ShipStep::Nothing
        );
    }

    #[test]
    fn printed_orders_go_at_once_and_nothing_asks_about_nothing() {
        let mut run = ShipRun::default();
        assert_eq!(
            run.on_command(ShipCommand::Ship {
                ready: vec![],
                unprinted: 0
            }),
            ShipStep::Nothing
        );
        assert_eq!(
            run.on_command(ShipCommand::Ship {
                ready: vec![OrderId(7)],
                unprinted: 0
            }),
            ShipStep::Send(vec![OrderId(7)])
        );
        run.sent(&[OrderId(7)]);
        assert!(run.in_flight(OrderId(7)));
        run.on_event(OrderId(7));
        assert!(!run.in_flight(OrderId(7)));
    }
}
