//! Shipping that is never done twice: a per-order lock in this process, a claim in the journal
//! across processes, a journal check (an order it records as shipped is not touched at all),
//! a fresh read of the order, one `delivery/send`, and a record of every attempt.
//!
//! Only what is left is shipped (earlier parcels and finished after-sales are taken off), a
//! parcel may carry part of it (split shipping), the courier id sent is the shop courier list's
//! (mapped from the logistics id the waybill was made with), a cancelled waybill is never
//! shipped, and orders that take no courier are refused — except virtual goods, which ship
//! whole with deliver_type 3.

use std::sync::Arc;

use serde::{Deserialize, Serialize};

use super::{Station, StationError};
use crate::store::{ClaimPurpose, ShipAttemptState, ShipClaim};
use crate::wechat::delivery::{
    build_delivery_request, build_parcel_request, completes_order, parcel_items, shipped_on_reread,
    ParcelRequest, SendDeliveryRequest, ShipOutcome, SnInfo, WaybillRef,
};
use crate::wechat::order::{Order, ParcelItem, STATUS_PARTLY_SHIPPED};
use crate::wechat::{OrderId, Refusal, WechatError};

/// WeChat's "this order has already been shipped".
const ALREADY_DELIVERED: i64 = 109001;
/// WeChat's "national-subsidy order needs an SN code" (seed 003).
const SN_REQUIRED: i64 = 606060;

/// One parcel to ship: the window's and the CLI's ship request.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ShipRequest {
    pub order_id: OrderId,
    /// The waybill, with the courier id it was made with (`getAllDelivery`'s); the station
    /// sends the shop list's id for it. `None` only for virtual goods (deliver_type 3).
    pub waybill: Option<WaybillRef>,
    /// The pieces in this parcel; `None` ships everything left. What is not in it stays to be
    /// shipped.
    pub items: Option<Vec<ParcelItem>>,
    /// National-subsidy SN (and IMEIs), asked for after [`StationError::SnRequired`].
    pub sn: Option<SnInfo>,
}

impl ShipRequest {
    /// Everything left of the order, in one parcel with this waybill.
    pub fn whole(order_id: OrderId, waybill: WaybillRef) -> ShipRequest {
        ShipRequest {
            order_id,
            waybill: Some(waybill),
            items: None,
            sn: None,
        }
    }
}

/// How a ship request ended.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ShipReport {
    pub order_id: OrderId,
    pub outcome: ShipOutcome,
    /// The journal's attempt id; `None` when the journal already knew and nothing was done.
    pub attempt_id: Option<i64>,
    /// True when the answer came from the journal alone (no WeChat call was made).
    pub from_journal: bool,
    /// What went into this parcel (empty when nothing was sent).
    #[serde(default)]
    pub items: Vec<ParcelItem>,
    /// True when nothing of the order is left to ship after this.
    #[serde(default = "yes")]
    pub order_complete: bool,
}

fn yes() -> bool {
    true
}

/// What to ship: the old several-waybills form, or one parcel.
enum Plan<'a> {
    Waybills(&'a [WaybillRef]),
    Parcel(&'a ShipRequest),
}

impl Plan<'_> {
    fn waybills(&self) -> Vec<WaybillRef> {
        match self {
            Plan::Waybills(w) => w.to_vec(),
            Plan::Parcel(r) => r.waybill.iter().cloned().collect(),
        }
    }
}

impl Station {
    /// Ships everything left of an order with its waybill(s), at most once however often it is
    /// asked, from however many tasks or processes (see [`Station::ship_parcel`]). With several
    /// waybills, lines are spread one per parcel and the last takes the rest.
    pub async fn ship(
        &self,
        order_id: OrderId,
        waybills: &[WaybillRef],
    ) -> Result<ShipReport, StationError> {
        match waybills {
            [one] => {
                self.ship_parcel(&ShipRequest::whole(order_id, one.clone()))
                    .await
            }
            _ => self.ship_plan(order_id, Plan::Waybills(waybills)).await,
        }
    }

    /// Ships one parcel of an order. An order the journal records as fully shipped is answered
    /// from the journal without any call; otherwise the order is re-read (shipped already, or
    /// this waybill already among its parcels → recorded, nothing sent), checked (what is left,
    /// the parcel's items, cancelled waybill, courier id from the shop list, orders that take
    /// no courier), sent once, 109001 is recorded as shipped, 606060 becomes
    /// [`StationError::SnRequired`], and a lost answer is settled by re-reading the order.
    /// Every attempt is recorded.
    pub async fn ship_parcel(&self, request: &ShipRequest) -> Result<ShipReport, StationError> {
        self.ship_plan(request.order_id, Plan::Parcel(request))
            .await
    }

    async fn ship_plan(
        &self,
        order_id: OrderId,
        plan: Plan<'_>,
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
        // Across stations: the order is this process's while it ships it; another station's
        // ship waits for the claim, then finds the order shipped in the journal.
        self.claim_one_waiting(ClaimPurpose::Ship, order_id).await?;
        let _heartbeat = self.heartbeat();
        let result = self.ship_journaled(order_id, plan).await;
        self.release(&[order_id]).await;
        result
    }

    /// Ships a claimed order once: the journal's attempt record decides (shipped already, an
    /// attempt in flight, or go).
    async fn ship_journaled(
        &self,
        order_id: OrderId,
        plan: Plan<'_>,
    ) -> Result<ShipReport, StationError> {
        let waybills = plan.waybills();
        let attempt_id = match self
            .journal
            .claim_shipment(&self.actor, order_id, &waybills)
            .await?
        {
            ShipClaim::AlreadyShipped(record) => {
                tracing::info!(%order_id, attempt = record.id, "already shipped per journal; nothing sent");
                return Ok(ShipReport {
                    order_id,
                    outcome: ShipOutcome::AlreadyShipped,
                    attempt_id: None,
                    from_journal: true,
                    items: Vec::new(),
                    order_complete: true,
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
        let result = self.ship_claimed(order_id, &plan, attempt_id).await;
        if let Err(StationError::Journal(_)) = &result {
            // The attempt could not be finished in the journal; it stays `sending` and is
            // taken over by the next attempt (which re-reads the order first).
            tracing::error!(%order_id, attempt_id, "could not record the shipment outcome");
        }
        result.map(|(outcome, items, order_complete)| ShipReport {
            order_id,
            outcome,
            attempt_id: Some(attempt_id),
            from_journal: false,
            items,
            order_complete,
        })
    }

    /// Builds the request for a plan from the freshly read order: refusals need no call, except
    /// that a courier needs the shop's courier list (loaded once per station).
    async fn build_request(
        &self,
        order: &Order,
        plan: &Plan<'_>,
    ) -> Result<(SendDeliveryRequest, Vec<ParcelItem>, bool), StationError> {
        let order_id = order.id.to_string();
        for w in plan.waybills() {
            if self
                .journal
                .is_waybill_cancelled(&w.delivery_id, &w.waybill_id)
                .await?
            {
                return Err(WechatError::Refused(Refusal::WaybillCancelled {
                    order_id,
                    waybill_id: w.waybill_id.0,
                })
                .into());
            }
        }
        match plan {
            Plan::Waybills(waybills) => {
                // Refusals that need no courier list come first.
                build_delivery_request(order, waybills).map_err(WechatError::Refused)?;
                let map = self.courier_map().await?;
                let mut mapped = Vec::with_capacity(waybills.len());
                for w in waybills.iter() {
                    mapped.push(WaybillRef {
                        delivery_id: map.shop_id(&w.delivery_id).map_err(WechatError::Refused)?,
                        waybill_id: w.waybill_id.clone(),
                    });
                }
                let request =
                    build_delivery_request(order, &mapped).map_err(WechatError::Refused)?;
                Ok((request, order.remaining_items(), true))
            }
            Plan::Parcel(r) => {
                let items =
                    parcel_items(order, r.items.as_deref()).map_err(WechatError::Refused)?;
                let complete = completes_order(order, &items);
                let mut parcel = ParcelRequest {
                    waybill: r.waybill.clone(),
                    items: Some(items.clone()),
                    sn: r.sn.clone(),
                };
                build_parcel_request(order, &parcel).map_err(WechatError::Refused)?;
                if let Some(w) = &mut parcel.waybill {
                    let map = self.courier_map().await?;
                    w.delivery_id = map.shop_id(&w.delivery_id).map_err(WechatError::Refused)?;
                }
                let request = build_parcel_request(order, &parcel).map_err(WechatError::Refused)?;
                Ok((request, items, complete))
            }
        }
    }

    async fn ship_claimed(
        &self,
        order_id: OrderId,
        plan: &Plan<'_>,
        attempt: i64,
    ) -> Result<(ShipOutcome, Vec<ParcelItem>, bool), StationError> {
        let journal = &self.journal;
        let fail = |state: ShipAttemptState, e: &WechatError| {
            let (errcode, error) = (e.errcode(), e.to_string());
            async move {
                journal
                    .finish_shipment(attempt, state, errcode, Some(&error))
                    .await
            }
        };
        let shop = self.client.shop(self.shop);
        let order = match shop.get_order(order_id).await {
            Ok(order) => order,
            Err(e) => {
                fail(ShipAttemptState::Failed, &e).await?;
                return Err(e.into());
            }
        };
        if order.is_shipped() && order.status != STATUS_PARTLY_SHIPPED {
            journal
                .finish_shipment(attempt, ShipAttemptState::AlreadyShipped, None, None)
                .await?;
            return Ok((ShipOutcome::AlreadyShipped, Vec::new(), true));
        }
        // This parcel (same waybill) is already out: a repeated click on a split shipment.
        if plan
            .waybills()
            .iter()
            .any(|w| order.has_parcel_with_waybill(&w.waybill_id.0))
        {
            let complete = order.remaining_items().is_empty();
            journal
                .record_parcel(attempt, order_id, &[], complete)
                .await?;
            journal
                .finish_shipment(attempt, ShipAttemptState::AlreadyShipped, None, None)
                .await?;
            return Ok((ShipOutcome::AlreadyShipped, Vec::new(), complete));
        }
        let (request, items, complete) = match self.build_request(&order, plan).await {
            Ok(built) => built,
            Err(StationError::Wechat(e)) => {
                let state = match e {
                    WechatError::Refused(_) => ShipAttemptState::Refused,
                    _ => ShipAttemptState::Failed,
                };
                fail(state, &e).await?;
                return Err(e.into());
            }
            Err(other) => return Err(other),
        };
        let body = serde_json::to_value(&request).map_err(|e| {
            StationError::Journal(journal.bad_record(format!("delivery request: {e}")))
        })?;
        journal
            .record_parcel(attempt, order_id, &items, complete)
            .await?;
        journal.set_shipment_request(attempt, &body).await?;
        match self.client.delivery(self.shop).send(&request).await {
            Ok(()) => {
                journal
                    .finish_shipment(attempt, ShipAttemptState::Shipped, None, None)
                    .await?;
                tracing::info!(%order_id, complete, "shipped");
                Ok((ShipOutcome::Shipped, items, complete))
            }
            Err(e) if e.errcode() == Some(ALREADY_DELIVERED) => {
                // 109001: the whole order is out.
                journal
                    .record_parcel(attempt, order_id, &items, true)
                    .await?;
                journal
                    .finish_shipment(
                        attempt,
                        ShipAttemptState::AlreadyShipped,
                        Some(ALREADY_DELIVERED),
                        Some(&e.to_string()),
                    )
                    .await?;
                Ok((ShipOutcome::AlreadyShipped, Vec::new(), true))
            }
            Err(e) if e.errcode() == Some(SN_REQUIRED) => {
                fail(ShipAttemptState::Failed, &e).await?;
                Err(StationError::SnRequired { order_id, error: e })
            }
            Err(e) if e.outcome_unknown() => {
                tracing::warn!(%order_id, error = %e, "ship answer lost; re-reading the order");
                match shop.get_order(order_id).await {
                    Ok(after) if shipped_on_reread(&order, &after, &request) => {
                        journal
                            .finish_shipment(
                                attempt,
                                ShipAttemptState::ConfirmedOnReread,
                                e.errcode(),
                                Some(&e.to_string()),
                            )
                            .await?;
                        Ok((ShipOutcome::ShippedConfirmedOnReread, items, complete))
                    }
                    _ => {
                        fail(ShipAttemptState::Unknown, &e).await?;
                        Err(StationError::ShipOutcomeUnknown { order_id, error: e })
                    }
                }
            }
            Err(e) => {
                fail(ShipAttemptState::Failed, &e).await?;
                Err(e.into())
            }
        }
    }
}
