//! The packing station's use cases, shared by the CLI and the GUI: resumable label batches,
//! labels fetched on demand, idempotent shipping. Every step is recorded in the [`Journal`]
//! as it completes, so that a crash, a lost answer or a double click loses nothing and does
//! nothing twice.
//!
//! The GUI runs these on its tokio runtime and reads [`BatchEvent`]s from a channel; the UI
//! thread never awaits them.
//!
//! ```no_run
//! # async fn demo(client: waybill_desk::wechat::WechatClient, orders: Vec<waybill_desk::wechat::order::Order>,
//! #               plan: waybill_desk::station::LabelBatchPlan) -> Result<(), waybill_desk::station::StationError> {
//! use waybill_desk::station::{CancelToken, Station};
//! use waybill_desk::store::{Actor, Journal};
//! let journal = Journal::open(std::path::Path::new("/var/lib/waybill-desk"))?;
//! let station = Station::new(client, Default::default(), journal, Actor::from_env());
//! let batch = station.plan_label_batch(&orders, &plan)?;
//! let (tx, mut rx) = tokio::sync::mpsc::unbounded_channel();
//! let report = station.run_label_batch(batch, Some(&tx), &CancelToken::new()).await?;
//! # Ok(()) }
//! ```

mod batch;
mod ship;

use std::collections::HashMap;
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::Arc;

use serde::{Deserialize, Serialize};

use crate::store::{Actor, BatchId, Journal, JournalError, StoredLabel};
use crate::wechat::logistics::{Label, LabelRequest, WaybillParty};
use crate::wechat::shop::ShopKind;
use crate::wechat::{
    DeliveryId, Lang, OrderId, PrintType, Refusal, WaybillId, WechatClient, WechatError,
};

pub use ship::ShipReport;

/// What a label batch is made with (besides its orders).
#[derive(Debug, Clone, PartialEq)]
pub struct LabelBatchPlan {
    pub print_type: PrintType,
    /// The courier for new waybills.
    pub delivery_id: DeliveryId,
    /// The courier account (`biz_id`) for new waybills.
    pub biz_id: String,
    /// The shop's warehouse, printed as the sender.
    pub sender: WaybillParty,
}

/// How hard a batch run tries before leaving an order for the next resume.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct BatchOptions {
    /// Passes over a chunk of orders within one run; transient failures (quota, busy, lost
    /// answers) are retried in the next pass, after looking up waybills whose creation is
    /// uncertain.
    pub max_rounds: u32,
    /// Pause between passes.
    pub retry_delay_ms: u64,
}

impl Default for BatchOptions {
    fn default() -> Self {
        BatchOptions {
            max_rounds: 4,
            retry_delay_ms: 1_000,
        }
    }
}

/// Progress of a batch run, sent as it happens.
#[derive(Debug, Clone, PartialEq)]
pub enum BatchEvent {
    /// The run began; `done` orders were finished by earlier runs.
    Started {
        batch: BatchId,
        total: u32,
        done: u32,
    },
    /// A waybill was created (`order/add`) or found for an order.
    Waybill {
        order_id: OrderId,
        waybill_id: WaybillId,
    },
    /// An order's label is in the journal.
    Labelled {
        order_id: OrderId,
        waybill_id: WaybillId,
        label_id: i64,
        done: u32,
        total: u32,
    },
    /// An order could not be finished in this run (it stays in the batch for a resume).
    Failed {
        order_id: OrderId,
        error: WechatError,
    },
    /// The run ended.
    Finished(BatchReport),
}

/// Where to send [`BatchEvent`]s (the GUI drains the receiver once per frame).
pub type Progress = tokio::sync::mpsc::UnboundedSender<BatchEvent>;

/// How a batch run ended.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct BatchReport {
    pub batch: BatchId,
    pub total: u32,
    /// Orders with their label in the journal (from this run and earlier ones).
    pub done: u32,
    /// Orders left unfinished with a failure; a resume retries them.
    pub failed: u32,
    /// The run stopped early because it was cancelled.
    pub cancelled: bool,
    /// Every order is done.
    pub finished: bool,
}

/// Stops a batch run between steps. Calls already on their way finish and are recorded.
#[derive(Debug, Clone, Default)]
pub struct CancelToken(Arc<AtomicBool>);

impl CancelToken {
    /// A token that is not cancelled.
    pub fn new() -> Self {
        CancelToken::default()
    }
    /// Asks the run to stop.
    pub fn cancel(&self) {
        self.0.store(true, Ordering::SeqCst);
    }
    /// Whether [`CancelToken::cancel`] was called.
    pub fn is_cancelled(&self) -> bool {
        self.0.load(Ordering::SeqCst)
    }
}

/// Why a station use case failed.
#[derive(Debug, thiserror::Error)]
pub enum StationError {
    /// WeChat (or the way to it) failed.
    #[error(transparent)]
    Wechat(#[from] WechatError),
    /// The journal could not record; the step was not done (or will be redone).
    #[error(transparent)]
    Journal(#[from] JournalError),
    /// Another attempt to ship this order is on its way right now.
    #[error("order {order_id} is being shipped right now by station {station} ({operator}); wait for it to finish")]
    ShipInProgress {
        order_id: OrderId,
        station: String,
        operator: String,
    },
    /// The answer to `delivery/send` was lost and the order does not show as shipped (yet).
    #[error("the answer to shipping order {order_id} was lost and the order does not show as shipped yet ({error}); ship it again in a moment: the order is re-read first, so it is never sent twice")]
    ShipOutcomeUnknown {
        order_id: OrderId,
        error: WechatError,
    },
    /// No such batch in the journal.
    #[error("batch {0} is not in the journal")]
    NoSuchBatch(BatchId),
    /// The batch was abandoned.
    #[error("batch {0} was abandoned; start a new one")]
    BatchAbandoned(BatchId),
}

impl StationError {
    /// One or two sentences for the person at the station.
    pub fn explain(&self, lang: Lang) -> String {
        let zh = lang == Lang::ZhCn;
        match self {
            StationError::Wechat(e) => e.explain(lang),
            StationError::ShipOutcomeUnknown { order_id, .. } if zh => format!(
                "订单 {order_id} 的发货应答丢失,重新查询订单也还没显示已发货。稍后再点一次发货:会先重新查询订单,不会重复发货"
            ),
            StationError::ShipInProgress {
                order_id, station, ..
            } if zh => format!("订单 {order_id} 正在由 {station} 发货,请等它完成"),
            StationError::Journal(e) if zh => format!("记录本(日志数据库)出错:{e}"),
            other => other.to_string(),
        }
    }
}

/// The packing station: a WeChat client, the journal and who is working. Cheap to clone;
/// clones share the per-order shipping locks.
#[derive(Clone)]
pub struct Station {
    client: WechatClient,
    shop: ShopKind,
    journal: Journal,
    actor: Actor,
    options: BatchOptions,
    ship_locks: Arc<std::sync::Mutex<HashMap<OrderId, Arc<tokio::sync::Mutex<()>>>>>,
}

impl Station {
    /// A station over a client, a shop family and a journal.
    pub fn new(client: WechatClient, shop: ShopKind, journal: Journal, actor: Actor) -> Station {
        Station {
            client,
            shop,
            journal,
            actor,
            options: BatchOptions::default(),
            ship_locks: Arc::default(),
        }
    }

    /// The same station with other batch retry options.
    pub fn with_batch_options(mut self, options: BatchOptions) -> Station {
        self.options = options;
        self
    }

    /// The journal.
    pub fn journal(&self) -> &Journal {
        &self.journal
    }

    /// The WeChat client.
    pub fn client(&self) -> &WechatClient {
        &self.client
    }

    /// Who is recorded as doing things.
    pub fn actor(&self) -> &Actor {
        &self.actor
    }

    /// Fetches labels for orders whose waybills are known (two-part through `batchGetOrder` in
    /// chunks of 100, one-part through `getOrder`), recording each label in the journal. One
    /// result per request, in order: the label and its journal id.
    pub async fn fetch_labels(
        &self,
        requests: &[LabelRequest],
        print_type: PrintType,
    ) -> Vec<Result<(Label, i64), StationError>> {
        let results = self.client.logistics().labels(requests, print_type).await;
        requests
            .iter()
            .zip(results)
            .map(|(request, result)| {
                let label = result?;
                let order_id: OrderId = request.order_id.parse().map_err(|e: String| {
                    StationError::Wechat(WechatError::Refused(Refusal::InvalidArgument(e)))
                })?;
                let id = self.journal.record_label(&self.actor, order_id, &label)?;
                Ok((label, id))
            })
            .collect()
    }

    /// The latest label of an order from the journal: a reprint that needs no network.
    pub fn reprint_label(&self, order_id: OrderId) -> Result<Option<StoredLabel>, StationError> {
        Ok(self.journal.latest_label(order_id)?)
    }
}
