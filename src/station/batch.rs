//! Label batches: plan (every order written to the journal first), then run in chunks of 100:
//! create missing waybills, fetch labels, record each as it completes. A run can be cancelled or
//! killed at any point; running the batch again finishes exactly the orders that are not done.

use std::time::Duration;

use futures::stream::{self, StreamExt};

use super::{
    BatchEvent, BatchReport, CancelToken, LabelBatchPlan, Progress, Station, StationError,
};
use crate::store::waybills::SkippedOrder;
use crate::store::{
    Actor, BatchId, BatchInfo, BatchItem, BatchState, ClaimPurpose, ItemStage, JournalError,
    NewBatch, NewBatchItem,
};
use crate::wechat::logistics::{AddOrderRequest, Label, LabelRequest, BATCH_LIMIT};
use crate::wechat::order::Order;
use crate::wechat::token::STABLE_TOKEN_PATH;
use crate::wechat::{OrderId, PrintType, Refusal, WaybillId, WechatError};

/// WeChat's "waybill not found" (an order without a waybill for this courier).
const WAYBILL_NOT_FOUND: i64 = 40199;

fn send(progress: Option<&Progress>, event: BatchEvent) {
    if let Some(p) = progress {
        // A closed receiver (the window went away) must not stop the batch.
        let _ = p.send(event);
    }
}

/// True when the error came from getting the access_token, so the call itself was never sent.
fn failed_before_sending(e: &WechatError) -> bool {
    match e {
        WechatError::Api { endpoint, .. }
        | WechatError::Transport { endpoint, .. }
        | WechatError::Http { endpoint, .. }
        | WechatError::Decode { endpoint, .. } => *endpoint == STABLE_TOKEN_PATH,
        _ => false,
    }
}

/// Chunks of 100 worked on at once: enough that order/add calls of the next chunks fill the
/// calls in flight while a chunk's batchGetOrder is on its way.
const CHUNKS_IN_FLIGHT: usize = 3;

/// How long a batch run waits for a shared journal that went away before it stops.
const JOURNAL_OUTAGE_WAIT: Duration = Duration::from_secs(60);

/// WeChat's "daily quota used up": nothing more can be done today, so the run stops.
const DAILY_QUOTA: i64 = 45009;

/// Why the chunks of a run stop: the user cancelled, or WeChat's daily quota is used up.
struct Stops<'a> {
    user: &'a CancelToken,
    quota: CancelToken,
    quota_error: std::sync::Mutex<Option<WechatError>>,
}

impl Stops<'_> {
    fn is_cancelled(&self) -> bool {
        self.user.is_cancelled() || self.quota.is_cancelled()
    }

    /// Notes an answer: 45009 stops the run.
    fn note(&self, e: &WechatError) {
        if e.errcode() == Some(DAILY_QUOTA) {
            let mut slot = self.quota_error.lock().unwrap_or_else(|p| p.into_inner());
            slot.get_or_insert_with(|| e.clone());
            self.quota.cancel();
        }
    }

    fn quota_error(&self) -> Option<WechatError> {
        self.quota_error
            .lock()
            .unwrap_or_else(|p| p.into_inner())
            .clone()
    }
}

/// A chunk's events in the order of its items (a one-part chunk's labels arrive in any order).
fn in_batch_order(mut events: Vec<BatchEvent>, chunk: &[BatchItem]) -> Vec<BatchEvent> {
    let position: std::collections::HashMap<OrderId, usize> = chunk
        .iter()
        .enumerate()
        .map(|(i, item)| (item.order_id, i))
        .collect();
    let key = |e: &BatchEvent| match e {
        BatchEvent::Waybill { order_id, .. }
        | BatchEvent::Labelled { order_id, .. }
        | BatchEvent::Failed { order_id, .. } => {
            position.get(order_id).copied().unwrap_or(usize::MAX)
        }
        _ => usize::MAX,
    };
    events.sort_by_key(key);
    events
}

/// How many orders a run claims at once: a chunk of 100 on a station's own SQLite journal (as
/// before claims: the fewest label calls), smaller groups on a shared journal so that stations
/// racing one list of orders split it (an eighth of what is left, at least 4).
fn claim_size(left: usize, shared: bool) -> usize {
    if shared {
        (left / 8).clamp(4, BATCH_LIMIT)
    } else {
        BATCH_LIMIT
    }
}

/// What one claim of a run brought.
struct Claimed {
    /// Claimed and still to do (stages taken over from the journal where another batch got
    /// further).
    items: Vec<BatchItem>,
    /// Held elsewhere (first time told) and done elsewhere.
    events: Vec<BatchEvent>,
    /// Whether anything was claimed at all.
    any: bool,
}

/// One order while a chunk is worked on.
struct Work {
    item: BatchItem,
    /// Worth another pass in this run (the last failure may pass).
    retry: bool,
    last_error: Option<WechatError>,
}

impl Station {
    /// Writes a new label batch for `orders` to the journal and returns its id; nothing is
    /// fetched yet. Orders that take no courier (self-pickup, same-city, order type 99, no
    /// express, virtual goods) are left out and recorded with their reason (the run's
    /// [`BatchReport::skipped`]). Orders whose waybill with this courier the journal already
    /// knows (and not as cancelled) reuse it; the others get the `order/add` request that will
    /// create theirs, for what is left of the order.
    pub async fn plan_label_batch(
        &self,
        orders: &[Order],
        plan: &LabelBatchPlan,
    ) -> Result<BatchId, StationError> {
        let mut items = Vec::with_capacity(orders.len());
        let mut skipped = Vec::new();
        for order in orders {
            // Orders that take no courier get no waybill: left out, with the reason.
            if let Some(reason) = order.no_courier_reason() {
                skipped.push(SkippedOrder {
                    order_id: order.id,
                    reason,
                });
                continue;
            }
            // A waybill cancelled since its label was fetched is never reused, nor one that
            // already went out with an earlier parcel of this order.
            let known = self
                .journal
                .usable_waybill(order.id, &plan.delivery_id)
                .await?
                .filter(|w| !order.has_parcel_with_waybill(&w.0));
            let add_request = match known {
                Some(_) => None,
                None => {
                    let request = AddOrderRequest::for_shop_order(
                        order,
                        plan.sender.clone(),
                        plan.delivery_id.clone(),
                        plan.biz_id.clone(),
                    );
                    Some(serde_json::to_value(&request).map_err(|e| {
                        WechatError::Refused(Refusal::InvalidArgument(e.to_string()))
                    })?)
                }
            };
            items.push(NewBatchItem {
                order_id: order.id,
                waybill_id: known,
                add_request,
            });
        }
        let id = self
            .journal
            .create_batch(
                &self.actor,
                &NewBatch {
                    print_type: plan.print_type,
                    delivery_id: plan.delivery_id.clone(),
                    biz_id: plan.biz_id.clone(),
                    items,
                },
            )
            .await?;
        self.journal.record_batch_skips(id, &skipped).await?;
        tracing::info!(batch = %id, orders = orders.len(), skipped = skipped.len(), "label batch planned");
        Ok(id)
    }

    /// Runs (or resumes) a label batch until every order is done, the retry passes are used up,
    /// or `cancel` is set. Orders already done are never fetched again; an order whose waybill
    /// creation was interrupted is looked up before anything is created again.
    ///
    /// When a shared journal's server goes away mid-run (a restart, a network cut), the step
    /// that failed stays unfinished, the run waits for the server (up to a minute, asking every
    /// 2 s) and resumes the batch in place, as `batch resume` would: nothing is lost or done
    /// twice. Longer, it stops with the error and the batch waits for a resume.
    pub async fn run_label_batch(
        &self,
        batch: BatchId,
        progress: Option<&Progress>,
        cancel: &CancelToken,
    ) -> Result<BatchReport, StationError> {
        let started = std::time::Instant::now();
        loop {
            match self.run_label_batch_once(batch, progress, cancel).await {
                Err(StationError::Journal(e))
                    if matches!(e, JournalError::Unreachable { .. })
                        && started.elapsed() < JOURNAL_OUTAGE_WAIT
                        && !cancel.is_cancelled() =>
                {
                    tracing::warn!(batch = %batch, error = %e, "the shared journal is away; the batch resumes when it is back");
                    tokio::time::sleep(Duration::from_secs(2)).await;
                }
                other => return other,
            }
        }
    }

    async fn run_label_batch_once(
        &self,
        batch: BatchId,
        progress: Option<&Progress>,
        cancel: &CancelToken,
    ) -> Result<BatchReport, StationError> {
        let info = self
            .journal
            .batch(batch)
            .await?
            .ok_or(StationError::NoSuchBatch(batch))?;
        if info.state == BatchState::Abandoned {
            return Err(StationError::BatchAbandoned(batch));
        }
        let items = self.journal.batch_items(batch, true).await?;
        let mut done = info.done;
        send(
            progress,
            BatchEvent::Started {
                batch,
                total: info.total,
                done,
            },
        );
        // Chunks overlap: while one chunk's labels are fetched, the next chunks' waybills are
        // created (the client's adaptive limit bounds the calls in flight). Each chunk's events
        // are handed on when it ends, chunk by chunk in the order they were claimed, so labels
        // arrive in the caller's order; the journal records each step as it completes.
        //
        // Across stations: a chunk is claimed before it is worked on (orders another station
        // holds are skipped, told once, and asked for again until they are free), re-read in
        // the journal after claiming (done elsewhere: reported, nothing fetched; a waybill or a
        // lost order/add elsewhere: taken over), and released when the chunk ends. A heartbeat
        // keeps the leases while the run lasts.
        let stops = Stops {
            user: cancel,
            quota: CancelToken::new(),
            quota_error: std::sync::Mutex::new(None),
        };
        let stops = &stops;
        let info_ref = &info;
        type ChunkRun<'a> = std::pin::Pin<
            Box<
                dyn std::future::Future<
                        Output = (Vec<OrderId>, Result<(), StationError>, Vec<BatchEvent>),
                    > + Send
                    + 'a,
            >,
        >;
        let _heartbeat = self.heartbeat();
        let shared = self.journal.is_shared();
        let mut queue: std::collections::VecDeque<BatchItem> = items.into();
        let mut told_held: std::collections::HashSet<OrderId> = std::collections::HashSet::new();
        let mut chunks: futures::stream::FuturesOrdered<ChunkRun<'_>> =
            futures::stream::FuturesOrdered::new();
        let mut failure: Option<StationError> = None;
        let mut count = |event: &mut BatchEvent| {
            if let BatchEvent::Labelled { done: d, .. } = event {
                done += 1;
                *d = done;
            }
        };
        loop {
            // Claim the next chunks while fewer than CHUNKS_IN_FLIGHT run.
            while chunks.len() < CHUNKS_IN_FLIGHT
                && !queue.is_empty()
                && failure.is_none()
                && !stops.is_cancelled()
            {
                let size = claim_size(queue.len(), shared);
                let claimed = match self
                    .claim_chunk(info_ref, &mut queue, size, &mut told_held)
                    .await
                {
                    Ok(claimed) => claimed,
                    Err(e) => {
                        failure = Some(e);
                        break;
                    }
                };
                for mut event in claimed.events {
                    count(&mut event);
                    send(progress, event);
                }
                if !claimed.any {
                    break; // everything left is held elsewhere for now
                }
                if claimed.items.is_empty() {
                    continue; // all of it was done elsewhere
                }
                let chunk = claimed.items;
                chunks.push_back(Box::pin(async move {
                    let ids: Vec<OrderId> = chunk.iter().map(|i| i.order_id).collect();
                    if stops.is_cancelled() {
                        return (ids, Ok(()), Vec::new());
                    }
                    let (tx, mut rx) = tokio::sync::mpsc::unbounded_channel();
                    let result = self.run_chunk(info_ref, &chunk, Some(&tx), stops).await;
                    drop(tx);
                    let mut events = Vec::new();
                    while let Ok(event) = rx.try_recv() {
                        events.push(event);
                    }
                    (ids, result, in_batch_order(events, &chunk))
                }) as ChunkRun<'_>);
            }
            match chunks.next().await {
                Some((ids, result, events)) => {
                    for mut event in events {
                        count(&mut event);
                        send(progress, event);
                    }
                    self.release(&ids).await;
                    if let Err(e) = result {
                        // The other chunks stop between steps; what they finish is recorded.
                        stops.quota.cancel();
                        failure.get_or_insert(e);
                    }
                }
                None if queue.is_empty() || stops.is_cancelled() || failure.is_some() => break,
                // Everything left is held by other stations: ask again shortly.
                None => tokio::time::sleep(super::claims::poll_interval()).await,
            }
        }
        drop(chunks);
        if let Some(e) = failure {
            return Err(e);
        }
        if let Some(e) = stops.quota_error() {
            tracing::warn!(batch = %batch, error = %e, "label batch stopped: daily quota used up");
            return Err(e.into());
        }
        let cancelled = cancel.is_cancelled();
        let finished = self.journal.finish_batch_if_done(batch).await?;
        let after = self
            .journal
            .batch(batch)
            .await?
            .ok_or(StationError::NoSuchBatch(batch))?;
        let report = BatchReport {
            batch,
            total: after.total,
            done: after.done,
            failed: after.failed,
            cancelled,
            finished,
            skipped: self.journal.batch_skips(batch).await?,
        };
        tracing::info!(batch = %batch, done = report.done, failed = report.failed, total = report.total, cancelled, calls_in_flight_limit = self.client.concurrency().current(), "label batch run ended");
        send(progress, BatchEvent::Finished(report.clone()));
        Ok(report)
    }

    /// Claims up to `size` orders of `queue` (taking them out of it), then re-reads the
    /// journal for each: another station may have finished it just before (its label is
    /// adopted and reported as done there), created its waybill (taken over), or sent its
    /// `order/add` without the answer being recorded (looked up before any second one).
    async fn claim_chunk(
        &self,
        info: &BatchInfo,
        queue: &mut std::collections::VecDeque<BatchItem>,
        size: usize,
        told_held: &mut std::collections::HashSet<OrderId>,
    ) -> Result<Claimed, StationError> {
        let ids: Vec<OrderId> = queue.iter().map(|i| i.order_id).collect();
        let outcome = self.claim(ClaimPurpose::Labels, &ids, Some(size)).await?;
        let mut events = Vec::new();
        for claim in outcome.held {
            if told_held.insert(claim.order_id) {
                tracing::info!(order_id = %claim.order_id, "{}", claim.held_by());
                events.push(BatchEvent::Held {
                    order_id: claim.order_id,
                    claim,
                });
            }
        }
        if outcome.claimed.is_empty() {
            return Ok(Claimed {
                items: Vec::new(),
                events,
                any: false,
            });
        }
        let claimed: std::collections::HashSet<OrderId> = outcome.claimed.iter().copied().collect();
        let mut taken = Vec::new();
        queue.retain(|item| {
            let mine = claimed.contains(&item.order_id);
            if mine {
                taken.push(item.clone());
            }
            !mine
        });
        let mut items = Vec::with_capacity(taken.len());
        let mut done_elsewhere = Vec::new();
        for mut item in taken {
            let seen = self
                .journal
                .progress_elsewhere(item.order_id, &info.delivery_id, info.id)
                .await?;
            // A label of another station, or one this station's other batch fetched while
            // this batch ran; older labels of this station are fetched again, as before.
            if let Some(label) = seen.label.filter(|l| {
                l.station != self.actor.station || l.fetched_at_ms >= info.created_at_ms
            }) {
                if self
                    .journal
                    .adopt_label(info.id, item.order_id, &label)
                    .await?
                {
                    events.push(BatchEvent::Labelled {
                        order_id: item.order_id,
                        waybill_id: label.waybill_id.clone(),
                        label_id: label.label_id,
                        done: 0,
                        total: info.total,
                        by: Some(Actor {
                            station: label.station.clone(),
                            operator: label.operator.clone(),
                        }),
                    });
                }
                done_elsewhere.push(item.order_id);
                continue;
            }
            match (&seen.waybill, item.stage) {
                (Some(w), ItemStage::Pending | ItemStage::Adding) => {
                    self.journal
                        .adopt_progress(info.id, item.order_id, Some(w))
                        .await?;
                    item.stage = ItemStage::Waybill;
                    item.waybill_id = Some(w.clone());
                }
                (None, ItemStage::Pending) if seen.adding => {
                    self.journal
                        .adopt_progress(info.id, item.order_id, None)
                        .await?;
                    item.stage = ItemStage::Adding;
                }
                _ => {}
            }
            items.push(item);
        }
        self.release(&done_elsewhere).await;
        Ok(Claimed {
            items,
            events,
            any: true,
        })
    }

    async fn run_chunk(
        &self,
        info: &BatchInfo,
        chunk: &[BatchItem],
        progress: Option<&Progress>,
        stops: &Stops<'_>,
    ) -> Result<(), StationError> {
        // Counted again in batch order by the caller.
        let mut done = 0u32;
        let mut work: Vec<Work> = chunk
            .iter()
            .map(|item| Work {
                item: item.clone(),
                retry: true,
                last_error: None,
            })
            .collect();
        for round in 0..self.options.max_rounds.max(1) {
            if round > 0 {
                if !work
                    .iter()
                    .any(|w| w.retry && w.item.stage != ItemStage::Done)
                {
                    break;
                }
                tokio::time::sleep(Duration::from_millis(self.options.retry_delay_ms)).await;
            }
            if stops.is_cancelled() {
                break;
            }
            self.add_waybills(info, &mut work, progress, stops).await?;
            if stops.is_cancelled() {
                break;
            }
            self.fetch_chunk_labels(info, &mut work, progress, &mut done, stops)
                .await?;
        }
        for w in &work {
            if w.item.stage != ItemStage::Done {
                if let Some(error) = &w.last_error {
                    send(
                        progress,
                        BatchEvent::Failed {
                            order_id: w.item.order_id,
                            error: error.clone(),
                        },
                    );
                }
            }
        }
        Ok(())
    }

    /// Sends `order/add` for the pending orders that may be retried, recording each answer.
    async fn add_waybills(
        &self,
        info: &BatchInfo,
        work: &mut [Work],
        progress: Option<&Progress>,
        stops: &Stops<'_>,
    ) -> Result<(), StationError> {
        let pending: Vec<usize> = work
            .iter()
            .enumerate()
            .filter(|(_, w)| w.retry && w.item.stage == ItemStage::Pending)
            .map(|(i, _)| i)
            .collect();
        if pending.is_empty() {
            return Ok(());
        }
        let ids: Vec<OrderId> = pending.iter().map(|&i| work[i].item.order_id).collect();
        // Recorded before sending: if the process dies now, a resume looks these up first.
        self.journal.mark_adding(info.id, &ids).await?;
        for &i in &pending {
            work[i].item.stage = ItemStage::Adding;
        }
        let client = &self.client;
        let jobs: Vec<(usize, Option<serde_json::Value>)> = pending
            .iter()
            .map(|&i| (i, work[i].item.add_request.clone()))
            .collect();
        let mut answers = stream::iter(jobs.into_iter().map(|(i, request)| async move {
            if stops.is_cancelled() {
                return (i, None);
            }
            let result = match request.map(serde_json::from_value::<AddOrderRequest>) {
                Some(Ok(request)) => client.logistics().add_order(&request).await,
                Some(Err(e)) => Err(WechatError::Refused(Refusal::InvalidArgument(format!(
                    "the recorded order/add request does not decode: {e}"
                )))),
                None => Err(WechatError::Refused(Refusal::InvalidArgument(
                    "no order/add request was recorded for this order".into(),
                ))),
            };
            (i, Some(result))
        }))
        // The client's adaptive limit holds the calls; this bounds the futures queued.
        .buffer_unordered(self.client.max_concurrent_calls());
        while let Some((i, result)) = answers.next().await {
            let w = &mut work[i];
            let Some(result) = result else {
                // Never sent (the run is stopping): back to pending, nothing to look up.
                self.journal
                    .set_item_failed(
                        info.id,
                        w.item.order_id,
                        ItemStage::Pending,
                        None,
                        "not sent: the run stopped",
                    )
                    .await?;
                w.item.stage = ItemStage::Pending;
                w.retry = false;
                continue;
            };
            if let Err(e) = &result {
                stops.note(e);
            }
            match result {
                Ok(answer) => {
                    self.journal
                        .set_item_waybill(info.id, w.item.order_id, &answer.waybill_id)
                        .await?;
                    w.item.stage = ItemStage::Waybill;
                    w.item.waybill_id = Some(answer.waybill_id.clone());
                    w.last_error = None;
                    send(
                        progress,
                        BatchEvent::Waybill {
                            order_id: w.item.order_id,
                            waybill_id: answer.waybill_id,
                        },
                    );
                }
                Err(e) => {
                    // A definite "no" leaves the order pending; a lost answer leaves it
                    // `adding`, to be looked up before any second `order/add`.
                    let stage = if e.outcome_unknown() && !failed_before_sending(&e) {
                        ItemStage::Adding
                    } else {
                        ItemStage::Pending
                    };
                    tracing::warn!(order_id = %w.item.order_id, error = %e, "order/add failed");
                    self.journal
                        .set_item_failed(
                            info.id,
                            w.item.order_id,
                            stage,
                            e.errcode(),
                            &e.to_string(),
                        )
                        .await?;
                    w.item.stage = stage;
                    w.retry = e.is_transient() || e.outcome_unknown();
                    w.last_error = Some(e);
                }
            }
        }
        Ok(())
    }

    /// Fetches the labels of orders with a waybill, and looks up the waybill of orders whose
    /// creation is uncertain (a label request without a waybill id finds it by order and courier).
    async fn fetch_chunk_labels(
        &self,
        info: &BatchInfo,
        work: &mut [Work],
        progress: Option<&Progress>,
        done: &mut u32,
        stops: &Stops<'_>,
    ) -> Result<(), StationError> {
        let wanted: Vec<usize> = work
            .iter()
            .enumerate()
            .filter(|(_, w)| {
                w.retry && matches!(w.item.stage, ItemStage::Waybill | ItemStage::Adding)
            })
            .map(|(i, _)| i)
            .collect();
        if wanted.is_empty() {
            return Ok(());
        }
        let requests: Vec<LabelRequest> = wanted
            .iter()
            .map(|&i| LabelRequest {
                order_id: work[i].item.order_id.logistics_id(),
                delivery_id: info.delivery_id.clone(),
                waybill_id: match work[i].item.stage {
                    ItemStage::Waybill => work[i].item.waybill_id.clone(),
                    _ => None,
                },
            })
            .collect();
        match info.print_type {
            PrintType::TwoPart => {
                let results = self.client.logistics().batch_get_chunk(&requests).await;
                for e in results.iter().filter_map(|r| r.as_ref().err()) {
                    stops.note(e);
                }
                self.record_labels(info, work, &wanted, results, progress, done)
                    .await?;
            }
            PrintType::OnePart => {
                // Owned items: the future stays `Send` for any lifetime (the GUI spawns it).
                let jobs: Vec<(usize, LabelRequest)> =
                    wanted.iter().copied().zip(requests).collect();
                let client = &self.client;
                let mut answers = stream::iter(jobs)
                    .map(|(i, r)| async move {
                        (
                            i,
                            client.logistics().get_label(&r, PrintType::OnePart).await,
                        )
                    })
                    .buffer_unordered(self.client.max_concurrent_calls() * 2);
                while let Some((i, result)) = answers.next().await {
                    if let Err(e) = &result {
                        stops.note(e);
                    }
                    self.record_labels(info, work, &[i], vec![result], progress, done)
                        .await?;
                }
            }
        }
        Ok(())
    }

    /// Records the outcome of label requests for `indices` (one result each): labels and their
    /// orders' completion in one transaction, failures each with the stage they leave.
    async fn record_labels(
        &self,
        info: &BatchInfo,
        work: &mut [Work],
        indices: &[usize],
        results: Vec<Result<Label, WechatError>>,
        progress: Option<&Progress>,
        done: &mut u32,
    ) -> Result<(), StationError> {
        let mut labelled: Vec<(usize, Label)> = Vec::new();
        for (&i, result) in indices.iter().zip(results) {
            let w = &mut work[i];
            match result {
                Ok(label) => labelled.push((i, label)),
                Err(e)
                    if w.item.stage == ItemStage::Adding
                        && e.errcode() == Some(WAYBILL_NOT_FOUND) =>
                {
                    // The interrupted order/add never created a waybill: safe to add now.
                    self.journal
                        .set_item_failed(
                            info.id,
                            w.item.order_id,
                            ItemStage::Pending,
                            e.errcode(),
                            &e.to_string(),
                        )
                        .await?;
                    w.item.stage = ItemStage::Pending;
                    w.retry = true;
                    w.last_error = Some(e);
                }
                Err(e) => {
                    tracing::warn!(order_id = %w.item.order_id, error = %e, "label fetch failed");
                    // A cancelled waybill: recorded, never fetched or used again; the error
                    // says to get a new one.
                    self.note_cancelled(w.item.order_id, &info.delivery_id, &e)
                        .await?;
                    self.journal
                        .set_item_failed(
                            info.id,
                            w.item.order_id,
                            w.item.stage,
                            e.errcode(),
                            &e.to_string(),
                        )
                        .await?;
                    // A garbled answer to a read is worth another try, like a busy server.
                    w.retry = e.is_transient() || matches!(e, WechatError::Decode { .. });
                    w.last_error = Some(e);
                }
            }
        }
        if labelled.is_empty() {
            return Ok(());
        }
        let pairs: Vec<(OrderId, &Label)> = labelled
            .iter()
            .map(|(i, label)| (work[*i].item.order_id, label))
            .collect();
        let ids = self
            .journal
            .complete_items(&self.actor, info.id, &pairs)
            .await?;
        for ((i, label), id) in labelled.iter().zip(ids) {
            let w = &mut work[*i];
            w.item.stage = ItemStage::Done;
            w.item.waybill_id = Some(label.waybill_id.clone());
            w.last_error = None;
            if let Some(label_id) = id {
                *done += 1;
                send(
                    progress,
                    BatchEvent::Labelled {
                        order_id: w.item.order_id,
                        waybill_id: WaybillId(label.waybill_id.0.clone()),
                        label_id,
                        done: *done,
                        total: info.total,
                        by: None,
                    },
                );
            }
        }
        Ok(())
    }
}
