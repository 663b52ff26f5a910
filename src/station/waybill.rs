//! Waybills one at a time: a new one for an order (after a cancel, or for what is left of a
//! partly shipped order), and cancelling one, recorded in the journal so it is never reused.

use super::{Station, StationError};
use crate::store::waybills::CancelSource;
use crate::wechat::delivery::WaybillRef;
use crate::wechat::logistics::{AddOrderRequest, WaybillParty};
use crate::wechat::{DeliveryId, OrderId, Refusal, WechatError};

/// How a new waybill is made.
#[derive(Debug, Clone, PartialEq)]
pub struct WaybillPlan {
    /// The courier, from `getAllDelivery`.
    pub delivery_id: DeliveryId,
    /// The courier account.
    pub biz_id: String,
    /// The shop's warehouse.
    pub sender: WaybillParty,
}

impl Station {
    /// Creates a waybill (`order/add`) for what is left of an order: receiver with house
    /// number from the order, goods less earlier parcels and finished after-sales. Orders that
    /// take no courier get no waybill (refused, no call).
    pub async fn new_waybill(
        &self,
        order_id: OrderId,
        plan: &WaybillPlan,
    ) -> Result<WaybillRef, StationError> {
        let order = self.client.shop(self.shop).get_order(order_id).await?;
        if let Some(reason) = order.no_courier_reason() {
            return Err(refused(Refusal::NoCourier {
                order_id: order_id.to_string(),
                reason,
            }));
        }
        if order.remaining_items().is_empty() {
            return Err(refused(Refusal::NothingToShip(order_id.to_string())));
        }
        let request = AddOrderRequest::for_shop_order(
            &order,
            plan.sender.clone(),
            plan.delivery_id.clone(),
            plan.biz_id.clone(),
        );
        let answer = self.client.logistics().add_order(&request).await?;
        tracing::info!(%order_id, waybill = %answer.waybill_id, "waybill created");
        Ok(WaybillRef {
            delivery_id: plan.delivery_id.clone(),
            waybill_id: answer.waybill_id,
        })
    }

    /// Cancels a waybill (`order/cancel`) and records the cancel in the journal: the waybill
    /// is never used again for a label or a shipment. A waybill the journal already knows as
    /// cancelled is not sent again.
    pub async fn cancel_waybill(
        &self,
        order_id: OrderId,
        waybill: &WaybillRef,
    ) -> Result<(), StationError> {
        if self
            .journal
            .is_waybill_cancelled(&waybill.delivery_id, &waybill.waybill_id)
            .await?
        {
            tracing::info!(%order_id, waybill = %waybill.waybill_id, "already cancelled per journal");
            return Ok(());
        }
        // The openid is optional for order/cancel; it is sent when the order gives one.
        let openid = match self.client.shop(self.shop).get_order(order_id).await {
            Ok(order) => order.openid,
            Err(e) => {
                tracing::debug!(%order_id, error = %e, "order not readable; cancelling without openid");
                String::new()
            }
        };
        self.client
            .logistics()
            .cancel_order(
                &order_id.logistics_id(),
                &openid,
                &waybill.delivery_id,
                &waybill.waybill_id,
            )
            .await?;
        self.journal
            .record_waybill_cancel(
                &self.actor,
                order_id,
                &waybill.delivery_id,
                &waybill.waybill_id,
                CancelSource::Cancelled,
            )
            .await?;
        tracing::info!(%order_id, waybill = %waybill.waybill_id, "waybill cancelled");
        Ok(())
    }

    /// Whether the journal knows this waybill as cancelled (the window greys its label).
    pub async fn is_waybill_cancelled(&self, waybill: &WaybillRef) -> Result<bool, StationError> {
        Ok(self
            .journal
            .is_waybill_cancelled(&waybill.delivery_id, &waybill.waybill_id)
            .await?)
    }
}

fn refused(r: Refusal) -> StationError {
    StationError::Wechat(WechatError::Refused(r))
}
