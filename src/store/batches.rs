//! Label batches: the list of orders is written before any call is made, and each order's stage
//! is advanced in the same transaction that records what was learned, so a batch can be resumed
//! after any crash without losing an order or fetching a finished one again.
use serde::{Deserialize, Serialize};

use crate::wechat::{DeliveryId, OrderId, PrintType, WaybillId};

/// A batch's id.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
#[serde(transparent)]
pub struct BatchId(pub i64);

impl std::fmt::Display for BatchId {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "{}", self.0)
    }
}

/// Where an order of a batch stands.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum ItemStage {
    /// No waybill yet, and none was asked for: `order/add` may be sent.
    Pending,
    /// `order/add` was sent but its answer was not recorded: look the waybill up before adding.
    Adding,
    /// The waybill is known; the label is still to be fetched.
    Waybill,
    /// The label is in the journal.
    Done,
}

impl ItemStage {
    pub(crate) fn as_str(self) -> &'static str {
        match self {
            ItemStage::Pending => "pending",
            ItemStage::Adding => "adding",
            ItemStage::Waybill => "waybill",
            ItemStage::Done => "done",
        }
    }
    pub(crate) fn parse(s: &str) -> Option<ItemStage> {
        Some(match s {
            "pending" => ItemStage::Pending,
            "adding" => ItemStage::Adding,
            "waybill" => ItemStage::Waybill,
            "done" => ItemStage::Done,
            _ => return None,
        })
    }
}

/// A batch's state.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum BatchState {
    /// Some orders are not done yet.
    Open,
    /// Every order has its label.
    Finished,
    /// Given up by the user; its unfinished orders are left alone.
    Abandoned,
}

impl BatchState {
    pub(crate) fn parse(s: &str) -> Option<BatchState> {
        Some(match s {
            "open" => BatchState::Open,
            "finished" => BatchState::Finished,
            "abandoned" => BatchState::Abandoned,
            _ => return None,
        })
    }
}

/// A batch to create.
#[derive(Debug, Clone, PartialEq)]
pub struct NewBatch {
    pub print_type: PrintType,
    pub delivery_id: DeliveryId,
    pub biz_id: String,
    pub items: Vec<NewBatchItem>,
}

/// One order of a new batch: either its waybill is known, or the `order/add` body to create it.
#[derive(Debug, Clone, PartialEq)]
pub struct NewBatchItem {
    pub order_id: OrderId,
    pub waybill_id: Option<WaybillId>,
    /// The `order/add` request as JSON (receiver and goods from the order, sender from settings).
    pub add_request: Option<serde_json::Value>,
}

/// One order of a batch as recorded.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct BatchItem {
    pub batch_id: BatchId,
    pub position: u32,
    pub order_id: OrderId,
    pub stage: ItemStage,
    pub add_request: Option<serde_json::Value>,
    pub waybill_id: Option<WaybillId>,
    pub label_id: Option<i64>,
    /// The last failure's errcode (WeChat's), if it had one.
    pub errcode: Option<i64>,
    /// The last failure, if the order is not done.
    pub error: Option<String>,
    pub attempts: u32,
}

/// A batch with its counts.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct BatchInfo {
    pub id: BatchId,
    pub print_type: PrintType,
    pub delivery_id: DeliveryId,
    pub biz_id: String,
    pub state: BatchState,
    pub created_at_ms: i64,
    pub finished_at_ms: Option<i64>,
    pub station: String,
    pub operator: String,
    pub total: u32,
    pub done: u32,
    /// Not done and the last attempt failed.
    pub failed: u32,
}
