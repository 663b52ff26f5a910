//! Labels, print jobs and shipment attempts: how they are written and the queries the station
//! and the GUI need (an order's history, "is it shipped", the latest label for a reprint).
use serde::{Deserialize, Serialize};

use super::batches::BatchId;
use super::JournalError;
use crate::wechat::delivery::WaybillRef;
use crate::wechat::label::MAX_LABEL_HTML_BYTES;
use crate::wechat::logistics::Label;
use crate::wechat::types::KeyValue;
use crate::wechat::{DeliveryId, OrderId, PrintType, WaybillId};

/// A label as the journal keeps it, with the decoded page for offline reprints.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct StoredLabel {
    pub id: i64,
    pub order_id: OrderId,
    pub delivery_id: DeliveryId,
    pub waybill_id: WaybillId,
    pub print_type: PrintType,
    /// The decoded label page.
    pub html: String,
    pub waybill_data: Vec<KeyValue>,
    /// 0 normal, 1 cancelled (as WeChat reported when fetched).
    pub waybill_status: i32,
    pub batch_id: Option<BatchId>,
    pub fetched_at_ms: i64,
    pub station: String,
    pub operator: String,
}

/// A label in an order's history (without the page).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct LabelSummary {
    pub id: i64,
    pub delivery_id: DeliveryId,
    pub waybill_id: WaybillId,
    pub print_type: PrintType,
    pub batch_id: Option<BatchId>,
    pub fetched_at_ms: i64,
    pub station: String,
    pub operator: String,
}

/// A print job to record (what [`Journal::record_print`] takes; read back as a [`PrintRecord`]).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct NewPrintRecord {
    pub order_id: OrderId,
    pub waybill_id: WaybillId,
    /// The journal label that was printed, when it came from the journal.
    pub label_id: Option<i64>,
    /// The printer (queue) name.
    pub printer: String,
    pub copies: u32,
    /// `Err(message)` when printing failed.
    pub result: Result<(), String>,
}

/// A recorded print job.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct PrintRecord {
    pub id: i64,
    pub order_id: OrderId,
    pub waybill_id: WaybillId,
    pub label_id: Option<i64>,
    pub printer: String,
    pub copies: u32,
    pub ok: bool,
    pub error: Option<String>,
    pub at_ms: i64,
    pub station: String,
    pub operator: String,
}

/// Where a shipment attempt stands.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum ShipAttemptState {
    /// On its way to WeChat (or its process died on the way).
    Sending,
    /// This attempt shipped the order.
    Shipped,
    /// The order had already shipped (re-read before sending, or WeChat said 109001).
    AlreadyShipped,
    /// The answer was lost; re-reading the order showed it shipped.
    ConfirmedOnReread,
    /// Refused before sending (after-sales open, nothing to ship, wrong status).
    Refused,
    /// WeChat said no, or the order could not be read; the order did not ship.
    Failed,
    /// The answer was lost and the order did not show as shipped yet; the next attempt re-reads
    /// the order before sending anything.
    Unknown,
    /// A `Sending` attempt whose process died; superseded by a later attempt.
    Interrupted,
}

impl ShipAttemptState {
    /// True for the states that mean the order has shipped.
    pub fn is_shipped(self) -> bool {
        matches!(
            self,
            ShipAttemptState::Shipped
                | ShipAttemptState::AlreadyShipped
                | ShipAttemptState::ConfirmedOnReread
        )
    }

    pub(crate) fn as_str(self) -> &'static str {
        match self {
            ShipAttemptState::Sending => "sending",
            ShipAttemptState::Shipped => "shipped",
            ShipAttemptState::AlreadyShipped => "already_shipped",
            ShipAttemptState::ConfirmedOnReread => "confirmed_on_reread",
            ShipAttemptState::Refused => "refused",
            ShipAttemptState::Failed => "failed",
            ShipAttemptState::Unknown => "unknown",
            ShipAttemptState::Interrupted => "interrupted",
        }
    }

    pub(crate) fn parse(s: &str) -> Option<ShipAttemptState> {
        Some(match s {
            "sending" => ShipAttemptState::Sending,
            "shipped" => ShipAttemptState::Shipped,
            "already_shipped" => ShipAttemptState::AlreadyShipped,
            "confirmed_on_reread" => ShipAttemptState::ConfirmedOnReread,
            "refused" => ShipAttemptState::Refused,
            "failed" => ShipAttemptState::Failed,
            "unknown" => ShipAttemptState::Unknown,
            "interrupted" => ShipAttemptState::Interrupted,
            _ => return None,
        })
    }
}

/// One shipment attempt.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct ShipmentRecord {
    pub id: i64,
    pub order_id: OrderId,
    pub waybills: Vec<WaybillRef>,
    /// The `delivery/send` body, when one was built.
    pub request: Option<serde_json::Value>,
    pub state: ShipAttemptState,
    pub errcode: Option<i64>,
    pub error: Option<String>,
    pub started_at_ms: i64,
    pub finished_at_ms: Option<i64>,
    pub station: String,
    pub operator: String,
}

/// The answer to "may I ship this order now?".
#[derive(Debug, Clone, PartialEq)]
pub enum ShipClaim {
    /// Go ahead; finish the attempt with [`Journal::finish_shipment`].
    Go { attempt_id: i64 },
    /// The journal already records this order as shipped: do nothing.
    AlreadyShipped(ShipmentRecord),
    /// Another attempt (another process or station) is on its way right now.
    InFlight(ShipmentRecord),
}

/// One line of an order's history.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(tag = "kind", rename_all = "snake_case")]
pub enum HistoryEntry {
    Label(LabelSummary),
    Print(PrintRecord),
    Shipment(ShipmentRecord),
}

impl HistoryEntry {
    /// When it happened (ms since the epoch).
    pub fn at_ms(&self) -> i64 {
        match self {
            HistoryEntry::Label(l) => l.fetched_at_ms,
            HistoryEntry::Print(p) => p.at_ms,
            HistoryEntry::Shipment(s) => s.started_at_ms,
        }
    }
}

/// A `sending` attempt older than this is taken to be dead (its process was killed): twice the
/// client's whole-request timeout and its retries fit well inside.
pub(crate) const STALE_SENDING_MS: i64 = 120_000;

pub(crate) fn print_type_str(p: PrintType) -> &'static str {
    match p {
        PrintType::OnePart => "one_part",
        PrintType::TwoPart => "two_part",
    }
}

pub(crate) fn parse_print_type(s: &str) -> Option<PrintType> {
    match s {
        "one_part" => Some(PrintType::OnePart),
        "two_part" => Some(PrintType::TwoPart),
        _ => None,
    }
}

/// A label page bigger than any real label is not stored: the client refuses such pages
/// already; this keeps a page from another path (or a future bug) from bloating the journal.
pub(crate) fn check_label_size(order_id: OrderId, label: &Label) -> Result<(), JournalError> {
    if label.html.len() > MAX_LABEL_HTML_BYTES {
        return Err(JournalError::LabelTooLarge {
            order_id,
            size_bytes: label.html.len() as u64,
        });
    }
    Ok(())
}

/// Whether a process with this id runs on this machine (Linux: `/proc/PID`). Elsewhere a
/// `sending` attempt is only taken over once stale.
pub(crate) fn process_alive(pid: i64) -> bool {
    if pid == i64::from(std::process::id()) {
        return true;
    }
    if cfg!(target_os = "linux") {
        std::path::Path::new(&format!("/proc/{pid}")).exists()
    } else {
        true
    }
}
