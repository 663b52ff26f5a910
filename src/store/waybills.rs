//! Cancelled waybills, the parcels of split shipments, and the orders a label batch skipped.
//!
//! A waybill cancelled here (`waybill cancel`) or reported cancelled by WeChat (`order_status`
//! 1 in getOrder / batchGetOrder) is recorded once and never used again: batch planning, labels
//! on demand and shipping all ask [`Journal::is_waybill_cancelled`] first.
use serde::{Deserialize, Serialize};

use crate::wechat::order::{NoCourier, ParcelItem};
use crate::wechat::{DeliveryId, OrderId, WaybillId};

/// How the journal learnt that a waybill is cancelled.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum CancelSource {
    /// This app cancelled it (`order/cancel`).
    Cancelled,
    /// WeChat answered `order_status` 1 for it.
    SeenCancelled,
}

impl CancelSource {
    pub(crate) fn as_str(self) -> &'static str {
        match self {
            CancelSource::Cancelled => "cancelled",
            CancelSource::SeenCancelled => "seen_cancelled",
        }
    }

    pub(crate) fn parse(s: &str) -> Option<CancelSource> {
        match s {
            "cancelled" => Some(CancelSource::Cancelled),
            "seen_cancelled" => Some(CancelSource::SeenCancelled),
            _ => None,
        }
    }
}

/// A cancelled waybill as the journal holds it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct CancelledWaybill {
    pub order_id: OrderId,
    pub delivery_id: DeliveryId,
    pub waybill_id: WaybillId,
    pub source: CancelSource,
    pub at_ms: i64,
    pub station: String,
    pub operator: String,
}

/// A parcel shipped (or being shipped) by one shipment attempt.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ParcelRecord {
    pub shipment_id: i64,
    pub order_id: OrderId,
    pub items: Vec<ParcelItem>,
    /// Nothing of the order was left to ship after this parcel.
    pub completes_order: bool,
}

/// An order a label batch left out, and why.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub struct SkippedOrder {
    pub order_id: OrderId,
    pub reason: NoCourier,
}
