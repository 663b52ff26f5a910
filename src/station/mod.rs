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

mod actor;
mod batch;
mod claims;
mod print;
mod ship;
mod sync;
mod waybill;

use std::collections::{BTreeMap, HashMap};
use std::sync::Arc;

use serde::{Deserialize, Serialize};

use crate::store::waybills::{CancelSource, SkippedOrder};
use crate::store::{Actor, BatchId, Claim, ClaimHolder, Journal, JournalError, StoredLabel};
use crate::wechat::couriers::CourierMap;
use crate::wechat::logistics::{Label, LabelRequest, WaybillParty};
use crate::wechat::shop::ShopKind;
use crate::wechat::{
    DeliveryId, Lang, OrderId, PrintType, Refusal, WaybillId, WechatClient, WechatError,
};

pub use claims::held_text;
pub use print::{journal_printer, print_record, LabelPrint};
pub use ship::{ShipReport, ShipRequest};
pub use sync::{SyncOptions, SyncReport};
pub use waybill::WaybillPlan;

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
        /// `Some` when another station (or another batch) fetched this label while this batch
        /// ran: it is reported as done there, and nothing was fetched here.
        by: Option<Actor>,
    },
    /// Another station holds this order (a live claim); the run comes back to it and reports
    /// it done there, or takes it over when that station's lease ends.
    Held { order_id: OrderId, claim: Claim },
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
    /// Orders left out of the batch because they take no courier (self-pickup, same-city,
    /// not shippable, no express, virtual goods), each with its reason.
    #[serde(default)]
    pub skipped: Vec<SkippedOrder>,
}

impl BatchReport {
    /// How many orders were skipped for each reason, most first.
    pub fn skipped_by_reason(&self) -> Vec<(crate::wechat::order::NoCourier, u32)> {
        let mut counts: Vec<(crate::wechat::order::NoCourier, u32)> = Vec::new();
        for s in &self.skipped {
            match counts.iter_mut().find(|(r, _)| *r == s.reason) {
                Some((_, n)) => *n += 1,
                None => counts.push((s.reason, 1)),
            }
        }
        counts.sort_by_key(|c| std::cmp::Reverse(c.1));
        counts
    }
}

pub use crate::cancel::CancelToken;

/// The refusal of a label whose waybill the journal knows as cancelled (no call is made).
fn cancelled_refusal(request: &LabelRequest) -> StationError {
    StationError::Wechat(WechatError::Refused(Refusal::WaybillCancelled {
        order_id: request.order_id.clone(),
        waybill_id: request
            .waybill_id
            .as_ref()
            .map(|w| w.0.clone())
            .unwrap_or_default(),
    }))
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
    /// WeChat needs the national-subsidy SN code for this order (606060): ask for it (a
    /// scanner can type it) and ship again with [`ShipRequest::sn`].
    #[error("order {order_id} is a national-subsidy order: enter the product's SN code (and IMEI) and ship again")]
    SnRequired {
        order_id: OrderId,
        error: WechatError,
    },
    /// Another station holds the order (a live claim) and did not let go of it in time.
    #[error("order {} is {}; try again after that", .0.order_id, .0.held_by())]
    HeldElsewhere(Box<Claim>),
}

impl StationError {
    /// WeChat's errcode behind this error, if any.
    pub fn errcode(&self) -> Option<i64> {
        match self {
            StationError::Wechat(w)
            | StationError::ShipOutcomeUnknown { error: w, .. }
            | StationError::SnRequired { error: w, .. } => w.errcode(),
            _ => None,
        }
    }

    /// The refusal behind this error, if the request was refused without (or before) a call.
    pub fn refusal(&self) -> Option<&Refusal> {
        match self {
            StationError::Wechat(WechatError::Refused(r)) => Some(r),
            _ => None,
        }
    }

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
            StationError::Journal(e) => e.explain(lang),
            StationError::SnRequired { order_id, .. } if zh => format!(
                "订单 {order_id} 是国补订单,发货必须填写商品的SN码:扫描或输入SN码(手机还要IMEI)后再发货"
            ),
            StationError::NoSuchBatch(id) if zh => {
                format!("记录本里没有批次 {id}。请重新选择订单,开始新的批次")
            }
            StationError::HeldElsewhere(claim) if zh => {
                format!("订单 {} {},请在那之后再试", claim.order_id, claim.held_by_zh())
            }
            StationError::BatchAbandoned(id) if zh => {
                format!("批次 {id} 已放弃,不能继续。请重新选择订单,开始新的批次")
            }
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
    /// Hand-set logistics → shop courier ids (settings `courier_map`).
    courier_overrides: BTreeMap<String, String>,
    /// Both courier lists, loaded once when first needed.
    couriers: Arc<tokio::sync::Mutex<Option<Arc<CourierMap>>>>,
    /// How the order cache is kept fresh.
    sync: SyncOptions,
    /// This process in the journal's claims (one per station process; clones share it).
    holder: Arc<ClaimHolder>,
}

impl Station {
    /// A station over a client, a shop family and a journal.
    pub fn new(client: WechatClient, shop: ShopKind, journal: Journal, actor: Actor) -> Station {
        let holder = Arc::new(ClaimHolder::new(actor.clone()));
        Station {
            client,
            shop,
            journal,
            actor,
            options: BatchOptions::default(),
            ship_locks: Arc::default(),
            courier_overrides: BTreeMap::new(),
            couriers: Arc::default(),
            sync: SyncOptions::default(),
            holder,
        }
    }

    /// The same station with a hand-set courier mapping (settings `courier_map`: logistics id
    /// → shop courier list id), which wins over the table and names.
    pub fn with_courier_overrides(mut self, overrides: BTreeMap<String, String>) -> Station {
        self.courier_overrides = overrides;
        self.couriers = Arc::default();
        self
    }

    /// Both courier lists (`getAllDelivery` and the shop's) and the map between them, loaded
    /// on first use and kept; [`Station::reload_couriers`] loads them again.
    pub async fn courier_map(&self) -> Result<Arc<CourierMap>, StationError> {
        let mut slot = self.couriers.lock().await;
        if let Some(map) = slot.as_ref() {
            return Ok(Arc::clone(map));
        }
        let map = Arc::new(
            CourierMap::load(&self.client, self.shop, self.courier_overrides.clone()).await?,
        );
        *slot = Some(Arc::clone(&map));
        Ok(map)
    }

    /// Forgets the loaded courier lists; the next use loads them again.
    pub async fn reload_couriers(&self) -> Result<Arc<CourierMap>, StationError> {
        *self.couriers.lock().await = None;
        self.courier_map().await
    }

    /// The shop family this station works for.
    pub fn shop_kind(&self) -> ShopKind {
        self.shop
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
    /// result per request, in order: the label and its journal id. A waybill the journal knows
    /// as cancelled is refused without a call; one WeChat reports cancelled (`order_status` 1)
    /// is recorded as cancelled and its label is not returned or stored.
    pub async fn fetch_labels(
        &self,
        requests: &[LabelRequest],
        print_type: PrintType,
    ) -> Vec<Result<(Label, i64), StationError>> {
        // Chunk by chunk as batchGetOrder takes them, all chunks at once (under the client's
        // limit): a chunk's labels are journaled (one transaction) as soon as they are decoded,
        // while the other chunks are still on the way or being decoded.
        use futures::stream::{self, StreamExt as _};
        let chunks: Vec<Vec<Result<(Label, i64), StationError>>> =
            stream::iter(requests.chunks(crate::wechat::logistics::BATCH_LIMIT))
                .map(|chunk| self.fetch_label_chunk(chunk, print_type))
                .buffered(self.client.max_concurrent_calls())
                .collect()
                .await;
        chunks.into_iter().flatten().collect()
    }

    async fn fetch_label_chunk(
        &self,
        requests: &[LabelRequest],
        print_type: PrintType,
    ) -> Vec<Result<(Label, i64), StationError>> {
        let mut results: Vec<Option<Result<(Label, i64), StationError>>> =
            requests.iter().map(|_| None).collect();
        // One journal call for the chunk's known cancels, before its call goes out.
        let known: Vec<(usize, DeliveryId, WaybillId)> = requests
            .iter()
            .enumerate()
            .filter_map(|(i, r)| Some((i, r.delivery_id.clone(), r.waybill_id.clone()?)))
            .collect();
        let cancelled = self
            .journal
            .are_waybills_cancelled(
                known
                    .iter()
                    .map(|(_, d, w)| (d.clone(), w.clone()))
                    .collect(),
            )
            .await;
        let mut to_fetch = Vec::new();
        match cancelled {
            Ok(cancelled) => {
                let cancelled: Vec<usize> = known
                    .iter()
                    .zip(cancelled)
                    .filter(|(_, c)| *c)
                    .map(|((i, _, _), _)| *i)
                    .collect();
                for (i, request) in requests.iter().enumerate() {
                    if cancelled.contains(&i) {
                        results[i] = Some(Err(cancelled_refusal(request)));
                    } else {
                        to_fetch.push(i);
                    }
                }
            }
            // Asked one by one, so each label gets its own answer (and its own error).
            Err(_) => {
                for (i, request) in requests.iter().enumerate() {
                    match self.known_cancelled(request).await {
                        Ok(false) => to_fetch.push(i),
                        Ok(true) => results[i] = Some(Err(cancelled_refusal(request))),
                        Err(e) => results[i] = Some(Err(e)),
                    }
                }
            }
        }
        let wanted: Vec<LabelRequest> = to_fetch.iter().map(|&i| requests[i].clone()).collect();
        let fetched = self.client.logistics().labels(&wanted, print_type).await;
        // Labels are recorded together (one transaction for the chunk, not one per label).
        let mut arrived: Vec<(usize, OrderId, Label)> = Vec::new();
        for (&i, result) in to_fetch.iter().zip(fetched) {
            match (requests[i].order_id.parse::<OrderId>(), result) {
                (Ok(order_id), Ok(label)) => arrived.push((i, order_id, label)),
                (_, result) => results[i] = Some(self.record_fetched(&requests[i], result).await),
            }
        }
        let pairs: Vec<(OrderId, &Label)> = arrived.iter().map(|(_, id, l)| (*id, l)).collect();
        match self.journal.record_labels(&self.actor, &pairs).await {
            Ok(ids) => {
                for ((i, _, label), id) in arrived.into_iter().zip(ids) {
                    results[i] = Some(Ok((label, id)));
                }
            }
            // One label too large (or a journal failure) must not cost the others: one by one.
            Err(_) => {
                for (i, _, label) in arrived {
                    results[i] = Some(self.record_fetched(&requests[i], Ok(label)).await);
                }
            }
        }
        results
            .into_iter()
            .map(|r| {
                r.unwrap_or_else(|| {
                    Err(StationError::Wechat(WechatError::Refused(
                        Refusal::InvalidArgument("no answer for this label".into()),
                    )))
                })
            })
            .collect()
    }

    async fn known_cancelled(&self, request: &LabelRequest) -> Result<bool, StationError> {
        Ok(match &request.waybill_id {
            Some(w) => {
                self.journal
                    .is_waybill_cancelled(&request.delivery_id, w)
                    .await?
            }
            None => false,
        })
    }

    async fn record_fetched(
        &self,
        request: &LabelRequest,
        result: Result<Label, WechatError>,
    ) -> Result<(Label, i64), StationError> {
        let order_id: OrderId = request.order_id.parse().map_err(|e: String| {
            StationError::Wechat(WechatError::Refused(Refusal::InvalidArgument(e)))
        })?;
        let label = match result {
            Ok(label) => label,
            Err(e) => {
                self.note_cancelled(order_id, &request.delivery_id, &e)
                    .await?;
                return Err(e.into());
            }
        };
        let id = self
            .journal
            .record_label(&self.actor, order_id, &label)
            .await?;
        Ok((label, id))
    }

    /// When `e` says a waybill is cancelled, records that in the journal so it is never used.
    async fn note_cancelled(
        &self,
        order_id: OrderId,
        delivery_id: &DeliveryId,
        e: &WechatError,
    ) -> Result<(), StationError> {
        if let WechatError::Refused(Refusal::WaybillCancelled { waybill_id, .. }) = e {
            if !waybill_id.is_empty() {
                self.journal
                    .record_waybill_cancel(
                        &self.actor,
                        order_id,
                        delivery_id,
                        &WaybillId(waybill_id.clone()),
                        CancelSource::SeenCancelled,
                    )
                    .await?;
            }
        }
        Ok(())
    }

    /// The latest label of an order from the journal: a reprint that needs no network. A label
    /// whose waybill was cancelled since is refused ("get a new one"), never returned.
    pub async fn reprint_label(
        &self,
        order_id: OrderId,
    ) -> Result<Option<StoredLabel>, StationError> {
        let Some(label) = self.journal.latest_label(order_id).await? else {
            return Ok(None);
        };
        if label.waybill_status == crate::wechat::logistics::WAYBILL_CANCELLED
            || self
                .journal
                .is_waybill_cancelled(&label.delivery_id, &label.waybill_id)
                .await?
        {
            return Err(StationError::Wechat(WechatError::Refused(
                Refusal::WaybillCancelled {
                    order_id: order_id.to_string(),
                    waybill_id: label.waybill_id.0,
                },
            )));
        }
        Ok(Some(label))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn batch_errors_are_explained_in_chinese_with_the_batch_and_what_to_do() {
        for e in [
            StationError::NoSuchBatch(BatchId(7)),
            StationError::BatchAbandoned(BatchId(7)),
        ] {
            let zh = e.explain(Lang::ZhCn);
            assert!(zh.contains("批次 7"), "{zh}");
            assert!(zh.contains("开始新的批次"), "{zh}");
            assert!(
                !zh.contains("batch"),
                "no English in the Chinese text: {zh}"
            );
            assert_eq!(e.explain(Lang::En), e.to_string());
        }
    }
}
