//! The [`Journal`] handle: one async interface over the engines. Each method has the same
//! meaning on every engine; the SQLite engine runs its synchronous calls under
//! `spawn_blocking` on its one connection, so a journal call never blocks an async worker.

use std::collections::HashMap;
use std::path::{Path, PathBuf};
use std::sync::Arc;

use super::postgres::PgJournal;
use super::sqlite::SqliteJournal;
use super::{
    Actor, BatchId, BatchInfo, BatchItem, HistoryEntry, ItemStage, JournalError, NewBatch,
    NewPrintRecord, SalvageReport, ShipAttemptState, ShipClaim, ShipmentRecord, StoredLabel,
    SyncScope,
};
use crate::store::waybills::{CancelSource, CancelledWaybill, ParcelRecord, SkippedOrder};
use crate::wechat::delivery::WaybillRef;
use crate::wechat::logistics::Label;
use crate::wechat::order::ParcelItem;
use crate::wechat::shop::TimedOrder;
use crate::wechat::{DeliveryId, OrderId, WaybillId};

/// Where a journal lives: the station's own SQLite file, or a shared PostgreSQL database.
#[derive(Clone, PartialEq, Eq)]
pub enum JournalLocation {
    /// A journal file (`DATA_DIR/journal.sqlite3` by default).
    Sqlite(PathBuf),
    /// A `postgres://` URL (shared by several stations).
    Postgres(String),
}

impl std::fmt::Debug for JournalLocation {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        // Through Display: a URL's password never reaches a log line.
        write!(f, "JournalLocation({self})")
    }
}

impl std::fmt::Display for JournalLocation {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            JournalLocation::Sqlite(path) => write!(f, "{}", path.display()),
            JournalLocation::Postgres(url) => f.write_str(&redact_url(url)),
        }
    }
}

/// Whether a journal URL carries a password.
pub fn url_has_password(url: &str) -> bool {
    super::postgres::has_password(url)
}

/// (host, port, database, user) of a journal URL without a password, for a password lookup.
pub fn url_login(url: &str) -> Option<(String, u16, String, String)> {
    super::postgres::login_of(url)
}

/// A database URL with its password (if any) replaced by `***`.
pub fn redact_url(url: &str) -> String {
    match url::Url::parse(url) {
        Ok(mut parsed) => {
            if parsed.password().is_some() {
                let _ = parsed.set_password(Some("***"));
            }
            // A password given as a query parameter (libpq accepts `?password=`) too.
            let pairs: Vec<(String, String)> = parsed
                .query_pairs()
                .map(|(k, v)| {
                    let v = if k.eq_ignore_ascii_case("password") {
                        "***".to_string()
                    } else {
                        v.into_owned()
                    };
                    (k.into_owned(), v)
                })
                .collect();
            if !pairs.is_empty() {
                parsed.query_pairs_mut().clear().extend_pairs(pairs);
            }
            parsed.to_string()
        }
        // Not a URL: show no part of it that could be a secret.
        Err(_) => "(a journal URL that does not parse)".to_string(),
    }
}

/// The engine inside a [`Journal`] (for the store's own modules, such as claims).
pub(crate) enum Engine {
    Sqlite(SqliteJournal),
    Postgres(Box<PgJournal>),
}

/// The journal: a cheap `Clone` handle shared by tasks and threads.
#[derive(Clone)]
pub struct Journal {
    engine: Arc<Engine>,
    location: Arc<JournalLocation>,
}

impl std::fmt::Debug for Journal {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Journal")
            .field("location", &self.location)
            .finish()
    }
}

/// Runs a synchronous SQLite call on the blocking pool. A panic in it is a bug and surfaces as
/// one (resumed here), not as a journal error.
pub(crate) async fn blocking<T: Send + 'static>(
    journal: &SqliteJournal,
    f: impl FnOnce(&SqliteJournal) -> Result<T, JournalError> + Send + 'static,
) -> Result<T, JournalError> {
    let journal = journal.clone();
    let location = journal.path().display().to_string();
    match tokio::task::spawn_blocking(move || f(&journal)).await {
        Ok(result) => result,
        Err(e) if e.is_panic() => std::panic::resume_unwind(e.into_panic()),
        Err(_) => Err(JournalError::Stopped { location }),
    }
}

impl Journal {
    /// Opens (creating if needed) `data_dir/journal.sqlite3` and brings its schema up to date.
    /// Synchronous (it runs once at start, before any batch): call it off async workers, or
    /// through [`Journal::connect`].
    pub fn open(data_dir: &Path) -> Result<Journal, JournalError> {
        SqliteJournal::open(data_dir).map(Journal::from_sqlite)
    }

    /// Opens a journal file at an explicit path (synchronous, as [`Journal::open`]).
    pub fn open_file(path: &Path) -> Result<Journal, JournalError> {
        SqliteJournal::open_file(path).map(Journal::from_sqlite)
    }

    /// Opens the journal at `location`, off the async workers.
    pub async fn connect(location: &JournalLocation) -> Result<Journal, JournalError> {
        match location {
            JournalLocation::Sqlite(path) => {
                let path = path.clone();
                let shown = path.display().to_string();
                match tokio::task::spawn_blocking(move || {
                    SqliteJournal::open_creating(&path).map(Journal::from_sqlite)
                })
                .await
                {
                    Ok(result) => result,
                    Err(e) if e.is_panic() => std::panic::resume_unwind(e.into_panic()),
                    Err(_) => Err(JournalError::Stopped { location: shown }),
                }
            }
            JournalLocation::Postgres(url) => Journal::connect_postgres(url, None).await,
        }
    }

    /// Connects to a shared PostgreSQL journal; `password` (from the keychain or a .pgpass
    /// file) is used when the URL has none. An absent or older schema is migrated (the log
    /// says so); a newer one is refused.
    pub async fn connect_postgres(
        url: &str,
        password: Option<&str>,
    ) -> Result<Journal, JournalError> {
        let journal = PgJournal::connect(url, password).await?;
        Ok(Journal::from_postgres(journal, url))
    }

    /// A shared PostgreSQL journal's pool, without reading or migrating its schema (for
    /// `journal migrate`, which reports what it found and did).
    pub fn postgres_unchecked(url: &str, password: Option<&str>) -> Result<Journal, JournalError> {
        let journal = PgJournal::open(url, password)?;
        Ok(Journal::from_postgres(journal, url))
    }

    fn from_postgres(journal: PgJournal, url: &str) -> Journal {
        Journal {
            engine: Arc::new(Engine::Postgres(Box::new(journal))),
            location: Arc::new(JournalLocation::Postgres(url.to_string())),
        }
    }

    /// Brings the schema up to date; returns (version found, version now). SQLite journals are
    /// migrated when opened, so there this only reports.
    pub async fn migrate(&self) -> Result<(u32, u32), JournalError> {
        match &*self.engine {
            Engine::Sqlite(s) => {
                let v = blocking(s, |j| j.schema_version()).await?;
                Ok((v, v))
            }
            Engine::Postgres(p) => {
                let found = p.migrate().await?;
                Ok((found, p.schema_version().await?))
            }
        }
    }

    /// The newest schema version this build knows for this journal's engine.
    pub fn known_schema_version(&self) -> u32 {
        match &*self.engine {
            Engine::Sqlite(_) => super::sqlite::schema::latest_version(),
            Engine::Postgres(_) => super::postgres::migrate::latest_version(),
        }
    }

    /// The connection settings of a shared journal (for a dedicated LISTEN connection).
    pub fn postgres_config(&self) -> Option<&tokio_postgres::Config> {
        match &*self.engine {
            Engine::Sqlite(_) => None,
            Engine::Postgres(p) => Some(p.config()),
        }
    }

    fn from_sqlite(journal: SqliteJournal) -> Journal {
        let location = JournalLocation::Sqlite(journal.path().to_path_buf());
        Journal {
            engine: Arc::new(Engine::Sqlite(journal)),
            location: Arc::new(location),
        }
    }

    /// The engine, for the store's own modules (claims, the feed).
    pub(crate) fn engine(&self) -> &Engine {
        &self.engine
    }

    /// Where this journal lives (a URL shows with its password redacted).
    pub fn location(&self) -> &JournalLocation {
        &self.location
    }

    /// The journal file, for the SQLite engine.
    pub fn path(&self) -> Option<&Path> {
        match &*self.engine {
            Engine::Sqlite(s) => Some(s.path()),
            Engine::Postgres(_) => None,
        }
    }

    /// The SQLite engine, or [`JournalError::SqliteOnly`] naming `what` needs it.
    fn sqlite_only(&self, what: &'static str) -> Result<&SqliteJournal, JournalError> {
        match &*self.engine {
            Engine::Sqlite(s) => Ok(s),
            Engine::Postgres(p) => Err(JournalError::SqliteOnly {
                what,
                location: p.location().to_string(),
            }),
        }
    }

    /// True once the SQLite file was found damaged: every call then answers
    /// [`JournalError::Damaged`] without touching it, so a window can say it once.
    pub fn is_damaged(&self) -> bool {
        match &*self.engine {
            Engine::Sqlite(s) => s.is_damaged(),
            Engine::Postgres(_) => false,
        }
    }

    /// The schema version (equals the latest this build knows once opened).
    pub async fn schema_version(&self) -> Result<u32, JournalError> {
        match &*self.engine {
            Engine::Sqlite(s) => blocking(s, |j| j.schema_version()).await,
            Engine::Postgres(p) => p.schema_version().await,
        }
    }

    /// Checks every page of the SQLite file (`PRAGMA integrity_check`); SQLite only.
    pub async fn check(&self) -> Result<(), JournalError> {
        let s = self.sqlite_only("journal check")?;
        blocking(s, |j| j.check()).await
    }

    /// Copies every readable record of a damaged journal file into this one (which must be
    /// empty); SQLite only.
    pub async fn salvage_from(&self, damaged: &Path) -> Result<SalvageReport, JournalError> {
        let s = self.sqlite_only("journal salvage")?;
        let damaged = damaged.to_path_buf();
        blocking(s, move |j| j.salvage_from(&damaged)).await
    }

    /// A record that cannot be encoded or decoded (a bug, or a hand-edited journal).
    pub(crate) fn bad_record(&self, detail: impl Into<String>) -> JournalError {
        match &*self.engine {
            Engine::Sqlite(s) => s.bad_record(detail),
            Engine::Postgres(p) => p.bad_record(detail),
        }
    }

    // ---- labels, print jobs, shipments ----

    /// Records a fetched label (outside a batch). Returns its id.
    pub async fn record_label(
        &self,
        actor: &Actor,
        order_id: OrderId,
        label: &Label,
    ) -> Result<i64, JournalError> {
        match &*self.engine {
            Engine::Postgres(p) => p.record_label(actor, order_id, label).await,
            Engine::Sqlite(s) => {
                let (actor, label) = (actor.clone(), label.clone());
                blocking(s, move |j| j.record_label(&actor, order_id, &label)).await
            }
        }
    }

    /// Records fetched labels (outside a batch) in one transaction: all of them or none.
    /// Returns their ids, in order.
    pub async fn record_labels(
        &self,
        actor: &Actor,
        labels: &[(OrderId, &Label)],
    ) -> Result<Vec<i64>, JournalError> {
        match &*self.engine {
            Engine::Postgres(p) => p.record_labels(actor, labels).await,
            Engine::Sqlite(s) => {
                let actor = actor.clone();
                let owned: Vec<(OrderId, Label)> =
                    labels.iter().map(|(o, l)| (*o, (*l).clone())).collect();
                blocking(s, move |j| {
                    let pairs: Vec<(OrderId, &Label)> =
                        owned.iter().map(|(o, l)| (*o, l)).collect();
                    j.record_labels(&actor, &pairs)
                })
                .await
            }
        }
    }

    /// The most recent label of an order, for a reprint without network.
    pub async fn latest_label(
        &self,
        order_id: OrderId,
    ) -> Result<Option<StoredLabel>, JournalError> {
        match &*self.engine {
            Engine::Postgres(p) => p.latest_label(order_id).await,
            Engine::Sqlite(s) => blocking(s, move |j| j.latest_label(order_id)).await,
        }
    }

    /// A label by id.
    pub async fn label(&self, id: i64) -> Result<Option<StoredLabel>, JournalError> {
        match &*self.engine {
            Engine::Postgres(p) => p.label(id).await,
            Engine::Sqlite(s) => blocking(s, move |j| j.label(id)).await,
        }
    }

    /// How many labels the journal holds for an order.
    pub async fn label_count(&self, order_id: OrderId) -> Result<u64, JournalError> {
        match &*self.engine {
            Engine::Postgres(p) => p.label_count(order_id).await,
            Engine::Sqlite(s) => blocking(s, move |j| j.label_count(order_id)).await,
        }
    }

    /// The waybill of the order's latest label with this courier that was not cancelled.
    pub async fn known_waybill(
        &self,
        order_id: OrderId,
        delivery_id: &DeliveryId,
    ) -> Result<Option<WaybillId>, JournalError> {
        match &*self.engine {
            Engine::Postgres(p) => p.known_waybill(order_id, delivery_id).await,
            Engine::Sqlite(s) => {
                let delivery_id = delivery_id.clone();
                blocking(s, move |j| j.known_waybill(order_id, &delivery_id)).await
            }
        }
    }

    /// Records a print job (successful or not). Returns its id.
    pub async fn record_print(
        &self,
        actor: &Actor,
        job: &NewPrintRecord,
    ) -> Result<i64, JournalError> {
        match &*self.engine {
            Engine::Postgres(p) => p.record_print(actor, job).await,
            Engine::Sqlite(s) => {
                let (actor, job) = (actor.clone(), job.clone());
                blocking(s, move |j| j.record_print(&actor, &job)).await
            }
        }
    }

    /// Asks to ship an order, atomically across every process (and station) using this
    /// journal: an order recorded as shipped gets [`ShipClaim::AlreadyShipped`]; one with a
    /// live attempt elsewhere gets [`ShipClaim::InFlight`]; otherwise a `sending` attempt is
    /// recorded and [`ShipClaim::Go`] returned. A `sending` attempt whose process is gone (or
    /// that is older than two minutes) is marked `interrupted` and superseded.
    pub async fn claim_shipment(
        &self,
        actor: &Actor,
        order_id: OrderId,
        waybills: &[WaybillRef],
    ) -> Result<ShipClaim, JournalError> {
        match &*self.engine {
            Engine::Postgres(p) => p.claim_shipment(actor, order_id, waybills).await,
            Engine::Sqlite(s) => {
                let (actor, waybills) = (actor.clone(), waybills.to_vec());
                blocking(s, move |j| j.claim_shipment(&actor, order_id, &waybills)).await
            }
        }
    }

    /// Stores the `delivery/send` body of an attempt before it is sent.
    pub async fn set_shipment_request(
        &self,
        attempt_id: i64,
        request: &serde_json::Value,
    ) -> Result<(), JournalError> {
        match &*self.engine {
            Engine::Postgres(p) => p.set_shipment_request(attempt_id, request).await,
            Engine::Sqlite(s) => {
                let request = request.clone();
                blocking(s, move |j| j.set_shipment_request(attempt_id, &request)).await
            }
        }
    }

    /// Ends an attempt with its outcome.
    pub async fn finish_shipment(
        &self,
        attempt_id: i64,
        state: ShipAttemptState,
        errcode: Option<i64>,
        error: Option<&str>,
    ) -> Result<(), JournalError> {
        match &*self.engine {
            Engine::Postgres(p) => p.finish_shipment(attempt_id, state, errcode, error).await,
            Engine::Sqlite(s) => {
                let error = error.map(str::to_string);
                blocking(s, move |j| {
                    j.finish_shipment(attempt_id, state, errcode, error.as_deref())
                })
                .await
            }
        }
    }

    /// The attempt that shipped the order, if the journal knows of one ("is this order shipped").
    pub async fn shipped(&self, order_id: OrderId) -> Result<Option<ShipmentRecord>, JournalError> {
        match &*self.engine {
            Engine::Postgres(p) => p.shipped(order_id).await,
            Engine::Sqlite(s) => blocking(s, move |j| j.shipped(order_id)).await,
        }
    }

    /// Every shipment attempt of an order, oldest first.
    pub async fn shipments(&self, order_id: OrderId) -> Result<Vec<ShipmentRecord>, JournalError> {
        match &*self.engine {
            Engine::Postgres(p) => p.shipments(order_id).await,
            Engine::Sqlite(s) => blocking(s, move |j| j.shipments(order_id)).await,
        }
    }

    /// Everything the journal knows about an order — labels, print jobs, shipment attempts —
    /// oldest first.
    pub async fn order_history(
        &self,
        order_id: OrderId,
    ) -> Result<Vec<HistoryEntry>, JournalError> {
        match &*self.engine {
            Engine::Postgres(p) => p.order_history(order_id).await,
            Engine::Sqlite(s) => blocking(s, move |j| j.order_history(order_id)).await,
        }
    }

    // ---- batches ----

    /// Records a new batch and all its orders in one transaction, before anything is fetched.
    /// An order listed twice is kept once.
    pub async fn create_batch(
        &self,
        actor: &Actor,
        batch: &NewBatch,
    ) -> Result<BatchId, JournalError> {
        match &*self.engine {
            Engine::Postgres(p) => p.create_batch(actor, batch).await,
            Engine::Sqlite(s) => {
                let (actor, batch) = (actor.clone(), batch.clone());
                blocking(s, move |j| j.create_batch(&actor, &batch)).await
            }
        }
    }

    /// A batch with its counts.
    pub async fn batch(&self, id: BatchId) -> Result<Option<BatchInfo>, JournalError> {
        match &*self.engine {
            Engine::Postgres(p) => p.batch(id).await,
            Engine::Sqlite(s) => blocking(s, move |j| j.batch(id)).await,
        }
    }

    /// Batches still open (some orders not done), oldest first: what to offer to resume.
    pub async fn unfinished_batches(&self) -> Result<Vec<BatchInfo>, JournalError> {
        match &*self.engine {
            Engine::Postgres(p) => p.unfinished_batches().await,
            Engine::Sqlite(s) => blocking(s, |j| j.unfinished_batches()).await,
        }
    }

    /// The latest batches, newest first.
    pub async fn recent_batches(&self, limit: u32) -> Result<Vec<BatchInfo>, JournalError> {
        match &*self.engine {
            Engine::Postgres(p) => p.recent_batches(limit).await,
            Engine::Sqlite(s) => blocking(s, move |j| j.recent_batches(limit)).await,
        }
    }

    /// The orders of a batch in their original order; `unfinished_only` leaves out done ones.
    pub async fn batch_items(
        &self,
        id: BatchId,
        unfinished_only: bool,
    ) -> Result<Vec<BatchItem>, JournalError> {
        match &*self.engine {
            Engine::Postgres(p) => p.batch_items(id, unfinished_only).await,
            Engine::Sqlite(s) => blocking(s, move |j| j.batch_items(id, unfinished_only)).await,
        }
    }

    /// Marks orders as about to be sent to `order/add` (before sending, so that a crash leaves
    /// them `adding`, and a resume looks their waybill up instead of creating a second one).
    pub async fn mark_adding(&self, id: BatchId, orders: &[OrderId]) -> Result<(), JournalError> {
        match &*self.engine {
            Engine::Postgres(p) => p.mark_adding(id, orders).await,
            Engine::Sqlite(s) => {
                let orders = orders.to_vec();
                blocking(s, move |j| j.mark_adding(id, &orders)).await
            }
        }
    }

    /// Records the waybill of an order (created or found): its label is next.
    pub async fn set_item_waybill(
        &self,
        id: BatchId,
        order_id: OrderId,
        waybill_id: &WaybillId,
    ) -> Result<(), JournalError> {
        match &*self.engine {
            Engine::Postgres(p) => p.set_item_waybill(id, order_id, waybill_id).await,
            Engine::Sqlite(s) => {
                let waybill_id = waybill_id.clone();
                blocking(s, move |j| j.set_item_waybill(id, order_id, &waybill_id)).await
            }
        }
    }

    /// Records a failure of an order and the stage it is left in (`Pending` when WeChat surely
    /// did not create a waybill, `Adding` when that is unknown, `Waybill` when only the label
    /// failed).
    pub async fn set_item_failed(
        &self,
        id: BatchId,
        order_id: OrderId,
        stage: ItemStage,
        errcode: Option<i64>,
        error: &str,
    ) -> Result<(), JournalError> {
        match &*self.engine {
            Engine::Postgres(p) => p.set_item_failed(id, order_id, stage, errcode, error).await,
            Engine::Sqlite(s) => {
                let error = error.to_string();
                blocking(s, move |j| {
                    j.set_item_failed(id, order_id, stage, errcode, &error)
                })
                .await
            }
        }
    }

    /// Records fetched labels and marks their orders done, all in one transaction. Returns the
    /// label ids in the same order. An order already done is left alone (its id is `None`).
    pub async fn complete_items(
        &self,
        actor: &Actor,
        id: BatchId,
        labels: &[(OrderId, &Label)],
    ) -> Result<Vec<Option<i64>>, JournalError> {
        match &*self.engine {
            Engine::Postgres(p) => p.complete_items(actor, id, labels).await,
            Engine::Sqlite(s) => {
                let actor = actor.clone();
                let owned: Vec<(OrderId, Label)> =
                    labels.iter().map(|(o, l)| (*o, (*l).clone())).collect();
                blocking(s, move |j| {
                    let pairs: Vec<(OrderId, &Label)> =
                        owned.iter().map(|(o, l)| (*o, l)).collect();
                    j.complete_items(&actor, id, &pairs)
                })
                .await
            }
        }
    }

    /// Marks the batch finished when every order is done. Returns whether it is.
    pub async fn finish_batch_if_done(&self, id: BatchId) -> Result<bool, JournalError> {
        match &*self.engine {
            Engine::Postgres(p) => p.finish_batch_if_done(id).await,
            Engine::Sqlite(s) => blocking(s, move |j| j.finish_batch_if_done(id)).await,
        }
    }

    /// Gives a batch up: it no longer shows as unfinished. Its recorded labels stay.
    pub async fn abandon_batch(&self, id: BatchId) -> Result<(), JournalError> {
        match &*self.engine {
            Engine::Postgres(p) => p.abandon_batch(id).await,
            Engine::Sqlite(s) => blocking(s, move |j| j.abandon_batch(id)).await,
        }
    }

    // ---- the order cache ----

    /// Cached orders of `account` created within `[from, to]` whose status is `status` (any
    /// when `None`), newest first, each with its `update_time`.
    pub async fn cached_orders(
        &self,
        account: &str,
        from: i64,
        to: i64,
        status: Option<u32>,
    ) -> Result<Vec<TimedOrder>, JournalError> {
        match &*self.engine {
            Engine::Postgres(p) => p.cached_orders(account, from, to, status).await,
            Engine::Sqlite(s) => {
                let account = account.to_string();
                blocking(s, move |j| j.cached_orders(&account, from, to, status)).await
            }
        }
    }

    /// The cached `update_time` of each of `ids` that is in the cache.
    pub async fn cached_update_times(
        &self,
        account: &str,
        ids: &[OrderId],
    ) -> Result<HashMap<OrderId, i64>, JournalError> {
        match &*self.engine {
            Engine::Postgres(p) => p.cached_update_times(account, ids).await,
            Engine::Sqlite(s) => {
                let (account, ids) = (account.to_string(), ids.to_vec());
                blocking(s, move |j| j.cached_update_times(&account, &ids)).await
            }
        }
    }

    /// Puts orders in the cache (one transaction). An order already cached with a later
    /// `update_time` is kept: an answer read before a change must not undo it.
    pub async fn cache_orders(
        &self,
        account: &str,
        orders: &[TimedOrder],
    ) -> Result<(), JournalError> {
        match &*self.engine {
            Engine::Postgres(p) => p.cache_orders(account, orders).await,
            Engine::Sqlite(s) => {
                let (account, orders) = (account.to_string(), orders.to_vec());
                blocking(s, move |j| j.cache_orders(&account, &orders)).await
            }
        }
    }

    /// Removes orders from the cache (WeChat no longer knows them).
    pub async fn uncache_orders(&self, account: &str, ids: &[OrderId]) -> Result<(), JournalError> {
        match &*self.engine {
            Engine::Postgres(p) => p.uncache_orders(account, ids).await,
            Engine::Sqlite(s) => {
                let (account, ids) = (account.to_string(), ids.to_vec());
                blocking(s, move |j| j.uncache_orders(&account, &ids)).await
            }
        }
    }

    /// What the cache knows about a status filter of an account.
    pub async fn order_sync_scope(
        &self,
        account: &str,
        status: Option<u32>,
    ) -> Result<Option<SyncScope>, JournalError> {
        match &*self.engine {
            Engine::Postgres(p) => p.order_sync_scope(account, status).await,
            Engine::Sqlite(s) => {
                let account = account.to_string();
                blocking(s, move |j| j.order_sync_scope(&account, status)).await
            }
        }
    }

    /// Records a full listing of a status filter from `covered_from` on (kept at the earliest
    /// creation time ever covered).
    pub async fn record_full_sync(
        &self,
        account: &str,
        status: Option<u32>,
        covered_from: i64,
    ) -> Result<(), JournalError> {
        match &*self.engine {
            Engine::Postgres(p) => p.record_full_sync(account, status, covered_from).await,
            Engine::Sqlite(s) => {
                let account = account.to_string();
                blocking(s, move |j| {
                    j.record_full_sync(&account, status, covered_from)
                })
                .await
            }
        }
    }

    /// The station time up to which every change of the account is in the cache.
    pub async fn order_sync_mark(&self, account: &str) -> Result<Option<i64>, JournalError> {
        match &*self.engine {
            Engine::Postgres(p) => p.order_sync_mark(account).await,
            Engine::Sqlite(s) => {
                let account = account.to_string();
                blocking(s, move |j| j.order_sync_mark(&account)).await
            }
        }
    }

    /// Sets the mark after a listing by update time that began at `updated_to`.
    pub async fn set_order_sync_mark(
        &self,
        account: &str,
        updated_to: i64,
    ) -> Result<(), JournalError> {
        match &*self.engine {
            Engine::Postgres(p) => p.set_order_sync_mark(account, updated_to).await,
            Engine::Sqlite(s) => {
                let account = account.to_string();
                blocking(s, move |j| j.set_order_sync_mark(&account, updated_to)).await
            }
        }
    }

    /// Forgets what the cache covers for an account (the next sync lists everything again);
    /// the orders stay until they are listed again.
    pub async fn forget_order_sync(&self, account: &str) -> Result<(), JournalError> {
        match &*self.engine {
            Engine::Postgres(p) => p.forget_order_sync(account).await,
            Engine::Sqlite(s) => {
                let account = account.to_string();
                blocking(s, move |j| j.forget_order_sync(&account)).await
            }
        }
    }

    /// Ids of cached orders of an account, for tests and `journal` tools.
    pub async fn cached_order_ids(&self, account: &str) -> Result<Vec<OrderId>, JournalError> {
        match &*self.engine {
            Engine::Postgres(p) => p.cached_order_ids(account).await,
            Engine::Sqlite(s) => {
                let account = account.to_string();
                blocking(s, move |j| j.cached_order_ids(&account)).await
            }
        }
    }

    // ---- cancelled waybills, parcels, batch skips ----

    /// Records that a waybill is cancelled (once; a second record of the same waybill keeps the
    /// first).
    pub async fn record_waybill_cancel(
        &self,
        actor: &Actor,
        order_id: OrderId,
        delivery_id: &DeliveryId,
        waybill_id: &WaybillId,
        source: CancelSource,
    ) -> Result<(), JournalError> {
        match &*self.engine {
            Engine::Postgres(p) => {
                p.record_waybill_cancel(actor, order_id, delivery_id, waybill_id, source)
                    .await
            }
            Engine::Sqlite(s) => {
                let (actor, delivery_id, waybill_id) =
                    (actor.clone(), delivery_id.clone(), waybill_id.clone());
                blocking(s, move |j| {
                    j.record_waybill_cancel(&actor, order_id, &delivery_id, &waybill_id, source)
                })
                .await
            }
        }
    }

    /// For each waybill, whether it is known to be cancelled: one journal call for many (a
    /// chunk of labels checks its hundred waybills before its call goes out).
    pub async fn are_waybills_cancelled(
        &self,
        waybills: Vec<(DeliveryId, WaybillId)>,
    ) -> Result<Vec<bool>, JournalError> {
        match &*self.engine {
            Engine::Postgres(p) => p.are_waybills_cancelled(&waybills).await,
            Engine::Sqlite(s) => blocking(s, move |j| j.are_waybills_cancelled(&waybills)).await,
        }
    }

    /// Whether this waybill is known to be cancelled.
    pub async fn is_waybill_cancelled(
        &self,
        delivery_id: &DeliveryId,
        waybill_id: &WaybillId,
    ) -> Result<bool, JournalError> {
        match &*self.engine {
            Engine::Postgres(p) => p.is_waybill_cancelled(delivery_id, waybill_id).await,
            Engine::Sqlite(s) => {
                let (delivery_id, waybill_id) = (delivery_id.clone(), waybill_id.clone());
                blocking(s, move |j| {
                    j.is_waybill_cancelled(&delivery_id, &waybill_id)
                })
                .await
            }
        }
    }

    /// Whether a waybill with this number (any courier) is known to be cancelled; for callers
    /// that only know the number (a scanned label).
    pub async fn is_waybill_number_cancelled(
        &self,
        waybill_id: &WaybillId,
    ) -> Result<bool, JournalError> {
        match &*self.engine {
            Engine::Postgres(p) => p.is_waybill_number_cancelled(waybill_id).await,
            Engine::Sqlite(s) => {
                let waybill_id = waybill_id.clone();
                blocking(s, move |j| j.is_waybill_number_cancelled(&waybill_id)).await
            }
        }
    }

    /// The cancelled waybills of an order, oldest first.
    pub async fn cancelled_waybills(
        &self,
        order_id: OrderId,
    ) -> Result<Vec<CancelledWaybill>, JournalError> {
        match &*self.engine {
            Engine::Postgres(p) => p.cancelled_waybills(order_id).await,
            Engine::Sqlite(s) => blocking(s, move |j| j.cancelled_waybills(order_id)).await,
        }
    }

    /// The waybill of the order's latest label with this courier that is neither reported
    /// cancelled in the label nor recorded cancelled since: the one a new label run may reuse.
    pub async fn usable_waybill(
        &self,
        order_id: OrderId,
        delivery_id: &DeliveryId,
    ) -> Result<Option<WaybillId>, JournalError> {
        match &*self.engine {
            Engine::Postgres(p) => p.usable_waybill(order_id, delivery_id).await,
            Engine::Sqlite(s) => {
                let delivery_id = delivery_id.clone();
                blocking(s, move |j| j.usable_waybill(order_id, &delivery_id)).await
            }
        }
    }

    /// Records what a shipment attempt puts in its parcel, before it is sent. A parcel that
    /// leaves part of the order unshipped does not make the journal answer "already shipped"
    /// for the order's next parcel.
    pub async fn record_parcel(
        &self,
        shipment_id: i64,
        order_id: OrderId,
        items: &[ParcelItem],
        completes_order: bool,
    ) -> Result<(), JournalError> {
        match &*self.engine {
            Engine::Postgres(p) => {
                p.record_parcel(shipment_id, order_id, items, completes_order)
                    .await
            }
            Engine::Sqlite(s) => {
                let items = items.to_vec();
                blocking(s, move |j| {
                    j.record_parcel(shipment_id, order_id, &items, completes_order)
                })
                .await
            }
        }
    }

    /// The parcels recorded for an order, oldest first.
    pub async fn parcels(&self, order_id: OrderId) -> Result<Vec<ParcelRecord>, JournalError> {
        match &*self.engine {
            Engine::Postgres(p) => p.parcels(order_id).await,
            Engine::Sqlite(s) => blocking(s, move |j| j.parcels(order_id)).await,
        }
    }

    /// Records the orders a batch left out.
    pub async fn record_batch_skips(
        &self,
        batch: BatchId,
        skipped: &[SkippedOrder],
    ) -> Result<(), JournalError> {
        match &*self.engine {
            Engine::Postgres(p) => p.record_batch_skips(batch, skipped).await,
            Engine::Sqlite(s) => {
                let skipped = skipped.to_vec();
                blocking(s, move |j| j.record_batch_skips(batch, &skipped)).await
            }
        }
    }

    /// The orders a batch left out, in the order they were recorded.
    pub async fn batch_skips(&self, batch: BatchId) -> Result<Vec<SkippedOrder>, JournalError> {
        match &*self.engine {
            Engine::Postgres(p) => p.batch_skips(batch).await,
            Engine::Sqlite(s) => blocking(s, move |j| j.batch_skips(batch)).await,
        }
    }
}
