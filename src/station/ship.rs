//! Shipping that is never done twice: a per-order lock in this process, a claim in the journal
//! across processes, a journal check (an order it records as shipped is not touched at all),
//! a fresh read of the order, one `delivery/send`, and a record of every attempt.

use std::sync::Arc;

use serde::{Deserialize, Serialize};

use super::{Station, StationError};
use crate::store::{ShipClaim, ShipState};
use crate::wechat::delivery::{build_delivery_request, ShipOutcome, WaybillRef};
use crate::wechat::order::STATUS_PARTLY_SHIPPED;
use crate::wechat::{OrderId, WechatError};

/// WeChat's "this order has already been shipped".
const ALREADY_DELIVERED: i64 = 109001;

/// How a ship request ended.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ShipReport {
    pub order_id: OrderId,
    pub outcome: ShipOutcome,
    /// The journal's attempt id; `None` when the journal already knew and nothing was done.
    pub attempt_id: Option<i64>,
    /// True when the answer came from the journal alone (no WeChat call was made).
    pub from_journal: bool,
}

impl Station {
    /// Ships an order with its waybill(s), at most once however often it is asked, from however
    /// many tasks or processes: an order the journal records as shipped is answered from the
    /// journal without any call; otherwise the order is re-read (shipped already → recorded,
    /// nothing sent), checked, sent once, 109001 is recorded as shipped, and a lost answer is
    /// settled by re-reading the order. Every attempt is recorded.
    pub async fn ship(
        &self,
        order_id: OrderId,
        waybills: &[WaybillRef],
    ) -> Result<ShipReport, StationError> {
        let lock = {
            let mut locks = self
                .ship_locks
                .lock()
                .unwrap_or_else(|poisoned| poisoned.into_inner());
            Arc::clone(locks.entry(order_id).or_default())
        };
        // A second click waits here for the first, then finds the order shipped in the journal.
        let _guard = lock.lock().await;

        let attempt_id = match self
            .journal
            .claim_shipment(&self.actor, order_id, waybills)?
        {
            ShipClaim::AlreadyShipped(record) => {
                tracing::info!(%order_id, attempt = record.id, "already shipped per journal; nothing sent");
                return Ok(ShipReport {
                    order_id,
                    outcome: ShipOutcome::AlreadyShipped,
                    attempt_id: None,
                    from_journal: true,
                });
            }
            ShipClaim::InFlight(record) => {
                return Err(StationError::ShipInProgress {
                    order_id,
                    station: record.station,
                    operator: record.operator,
                })
            }
            ShipClaim::Go { attempt_id } => attempt_id,
        };
        let result = self.ship_claimed(order_id, waybills, attempt_id).await;
        if let Err(StationError::Journal(_)) = &result {
            // The attempt could not be finished in the journal; it stays `sending` and is
            // taken over by the next attempt (which re-reads the order first).
            tracing::error!(%order_id, attempt_id, "could not record the shipment outcome");
        }
        result.map(|outcome| ShipReport {
            order_id,
            outcome,
            attempt_id: Some(attempt_id),
            from_journal: false,
        })
    }

    async fn ship_claimed(
        &self,
        order_id: OrderId,
        waybills: &[WaybillRef],
        attempt: i64,
    ) -> Result<ShipOutcome, StationError> {
        let journal = &self.journal;
        let fail = |state: ShipState, e: &WechatError| {
            journal.finish_shipment(attempt, state, e.errcode(), Some(&e.to_string()))
        };
        let shop = self.client.shop(self.shop);
        let order = match shop.get_order(order_id).await {
            Ok(order) => order,
            Err(e) => {
                fail(ShipState::Failed, &e)?;
                return Err(e.into());
            }
        };
        if order.is_shipped() && order.status != STATUS_PARTLY_SHIPPED {
            journal.finish_shipment(attempt, ShipState::AlreadyShipped, None, None)?;
            return Ok(ShipOutcome::AlreadyShipped);
        }
        let request = match build_delivery_request(&order, waybills) {
            Ok(r) => r,
            Err(refusal) => {
                let e = WechatError::Refused(refusal);
                fail(ShipState::Refused, &e)?;
                return Err(e.into());
            }
        };
        let body = serde_json::to_value(&request).map_err(|e| {
            StationError::Journal(journal.bad_record(format!("delivery request: {e}")))
        })?;
        journal.set_shipment_request(attempt, &body)?;
        match self.client.delivery(self.shop).send(&request).await {
            Ok(()) => {
                journal.finish_shipment(attempt, ShipState::Shipped, None, None)?;
                tracing::info!(%order_id, "shipped");
                Ok(ShipOutcome::Shipped)
            }
            Err(e) if e.errcode() == Some(ALREADY_DELIVERED) => {
                journal.finish_shipment(
                    attempt,
                    ShipState::AlreadyShipped,
                    Some(ALREADY_DELIVERED),
                    Some(&e.to_string()),
                )?;
                Ok(ShipOutcome::AlreadyShipped)
            }
            Err(e) if e.outcome_unknown() => {
                tracing::warn!(%order_id, error = %e, "ship answer lost; re-reading the order");
                match shop.get_order(order_id).await {
                    Ok(after) if after.is_shipped() && after.status != order.status => {
                        journal.finish_shipment(
                            attempt,
                            ShipState::ConfirmedOnReread,
                            e.errcode(),
                            Some(&e.to_string()),
                        )?;
                        Ok(ShipOutcome::ShippedConfirmedOnReread)
                    }
                    _ => {
                        fail(ShipState::Unknown, &e)?;
                        Err(StationError::ShipOutcomeUnknown { order_id, error: e })
                    }
                }
            }
            Err(e) => {
                fail(ShipState::Failed, &e)?;
                Err(e.into())
            }
        }
    }
}
