//! Work the UI asks for, run on the tokio runtime. Each task reports back over a channel and
//! asks egui for a repaint; the UI thread never waits on the network.

use std::sync::mpsc;
use std::sync::Arc;

use crate::i18n::Msg;
use crate::sandbox::Sandbox;
use crate::station::{BatchEvent, CancelToken, LabelBatchPlan, ShipRequest, Station, StationError};
use crate::store::{BatchId, HistoryEntry, StoredLabel};
use crate::wechat::delivery::{ShipOutcome, WaybillRef};
use crate::wechat::logistics::{Contact, Courier, Label};
use crate::wechat::order::Order;
use crate::wechat::shop::{OrderQuery, ShopKind};
use crate::wechat::{DeliveryId, Lang, OrderId, WechatClient, WechatError};

/// What a background task reports.
#[derive(Debug)]
pub enum Event {
    /// A refresh finished.
    Orders(Result<Vec<Order>, String>),
    Couriers(Result<Vec<Courier>, String>),
    /// An order got its waybill (created or already known).
    Waybill {
        order_id: OrderId,
        waybill: WaybillRef,
    },
    /// One order of a label batch is done.
    LabelDone {
        order_id: OrderId,
        result: Result<Label, Msg>,
    },
    /// The label batch ended (all done, or cancelled).
    LabelBatchEnded {
        cancelled: bool,
    },
    /// One ship request ended.
    Shipped {
        order_id: OrderId,
        result: Result<ShipDone, ShipFailure>,
    },
    /// The label fetch found the waybill cancelled (by WeChat's `order_status` 1 or the
    /// journal): the order needs a new waybill.
    LabelCancelled {
        order_id: OrderId,
        message: Msg,
    },
    /// `waybill cancel` from the window ended.
    WaybillCancelled {
        order_id: OrderId,
        result: Result<(), Msg>,
    },
    /// An order read again (after a partial shipment).
    OrderReread(Result<Box<Order>, String>),
    /// Both courier lists and how one maps to the other (Settings).
    CourierMap(Result<CourierTable, String>),
    /// Orders a label batch left out because they take no courier, counted by reason.
    BatchSkipped(Vec<(crate::wechat::order::NoCourier, u32)>),
    Contact {
        order_id: OrderId,
        result: Result<Contact, String>,
    },
    /// One label of a print batch finished (or was not attempted).
    Printed {
        order_id: OrderId,
        result: Result<(), Msg>,
    },
    /// The print batch ended.
    PrintBatchEnded,
    /// The printer step's test label printed, or why not (in the station's language).
    TestLabelPrinted(Result<(), String>),
    /// Settings were written to disk, or why not.
    SettingsSaved(Result<(), String>),
    /// The system's printers with their state.
    Printers(Vec<crate::print::PrinterInfo>),
    /// Credentials went to the keychain: where (in words), or why not.
    CredentialsSaved(Result<String, String>),
    /// The journal's lines for an order, newest first.
    History {
        order_id: OrderId,
        lines: Vec<String>,
    },
    /// Label batches a previous run left unfinished (crash, cancel, failures): (id, done, total).
    UnfinishedBatches(Vec<(BatchId, u32, u32)>),
    /// A line from a helper window process (`dialog`: the print dialog's, else the Wayland
    /// preview's); `None` when it has gone.
    Helper {
        dialog: bool,
        event: Option<crate::print::preview_window::PreviewEvent>,
    },
}

/// The logistics couriers (`getAllDelivery`) with the shop-list id each ships under, and the
/// shop's courier list to pick from.
#[derive(Debug, Clone, PartialEq)]
pub struct CourierTable {
    pub mappings: Vec<crate::wechat::couriers::CourierMapping>,
    pub shop: Vec<crate::wechat::couriers::ShopCourier>,
}

/// A failed ship, explained, with WeChat's code when there is one.
#[derive(Debug, Clone)]
pub struct ShipFailure {
    pub errcode: Option<i64>,
    /// Explained in both languages.
    pub message: Msg,
    /// WeChat wants the national-subsidy SN (606060): ask for it and ship again.
    pub needs_sn: bool,
    /// The parcel's items as asked (`None` = everything left), to ask again with the SN.
    pub items: Option<Vec<crate::wechat::order::ParcelItem>>,
}

/// A ship request that went through (or found the order already shipped).
#[derive(Debug, Clone)]
pub struct ShipDone {
    pub outcome: ShipOutcome,
    /// False when part of the order is still to be shipped (split shipping).
    pub order_complete: bool,
    /// What went into this parcel.
    pub items: Vec<crate::wechat::order::ParcelItem>,
}

/// Runs work for the UI.
pub struct Backend {
    runtime: tokio::runtime::Handle,
    client: WechatClient,
    shop: ShopKind,
    lang: Lang,
    tx: mpsc::Sender<Event>,
    repaint: Arc<dyn Fn() + Send + Sync>,
    /// The embedded sandbox in demo mode (kept alive here).
    sandbox: Option<Arc<Sandbox>>,
    /// Journal-backed use cases; `None` when the journal could not be opened.
    station: Option<Station>,
    cancel_batch: CancelToken,
    print_worker: crate::print::WorkerConfig,
    cancel_print: CancelToken,
}

/// What the backend works with.
pub struct Services {
    /// How print workers are started (normally this executable's `print-worker`).
    pub print_worker: crate::print::WorkerConfig,
    pub runtime: tokio::runtime::Handle,
    pub client: WechatClient,
    pub shop: ShopKind,
    /// The embedded sandbox in demo mode.
    pub sandbox: Option<Arc<Sandbox>>,
    /// Journal-backed use cases; `None` when the journal could not be opened.
    pub station: Option<Station>,
}

impl Backend {
    /// A backend whose tasks report on `tx` and call `repaint` after each report.
    pub fn new(
        services: Services,
        lang: Lang,
        tx: mpsc::Sender<Event>,
        repaint: Arc<dyn Fn() + Send + Sync>,
    ) -> Self {
        Backend {
            runtime: services.runtime,
            client: services.client,
            shop: services.shop,
            lang,
            tx,
            repaint,
            sandbox: services.sandbox,
            station: services.station,
            cancel_batch: CancelToken::new(),
            print_worker: services.print_worker,
            cancel_print: CancelToken::new(),
        }
    }

    /// Where helper processes (preview, print dialog) come from: the WebKit helper installed
    /// with this program (`waybill-desk-webkit`), as the print workers.
    pub fn helper_program(&self) -> std::path::PathBuf {
        self.print_worker.program.clone()
    }

    /// Reports a helper window's answers as [`Event::Helper`].
    pub fn helper_reporter(
        &self,
        dialog: bool,
    ) -> impl Fn(Option<crate::print::preview_window::PreviewEvent>) + Send + 'static {
        let report = self.reporter();
        move |event| report.send(Event::Helper { dialog, event })
    }

    /// True when the journal is open (labels and shipping need it).
    pub fn has_journal(&self) -> bool {
        self.station.is_some()
    }

    /// True in demo mode (embedded sandbox).
    pub fn is_demo(&self) -> bool {
        self.sandbox.is_some()
    }

    /// The embedded sandbox, in demo mode.
    pub fn sandbox(&self) -> Option<&Arc<Sandbox>> {
        self.sandbox.as_ref()
    }

    /// Changes the language of messages from now on.
    pub fn set_lang(&mut self, lang: Lang) {
        self.lang = lang;
    }

    fn reporter(&self) -> Reporter {
        Reporter {
            tx: self.tx.clone(),
            repaint: self.repaint.clone(),
        }
    }

    /// Lists orders.
    pub fn refresh(&self, query: OrderQuery) {
        let (client, shop, lang, report) =
            (self.client.clone(), self.shop, self.lang, self.reporter());
        let station = self.station.clone();
        self.runtime.spawn(async move {
            // Through the journal's order cache: after the first listing only what changed is
            // read again. Without a journal, the plain listing.
            let result = match station {
                Some(station) => station
                    .sync_orders(query)
                    .await
                    .map(|r| r.orders)
                    .map_err(|e| e.explain(lang)),
                None => client
                    .shop(shop)
                    .list_orders(query)
                    .await
                    .map_err(|e| e.explain(lang)),
            };
            report.send(Event::Orders(result));
        });
    }

    /// Lists couriers for the settings.
    pub fn load_couriers(&self) {
        let (client, lang, report) = (self.client.clone(), self.lang, self.reporter());
        self.runtime.spawn(async move {
            let result = client
                .logistics()
                .couriers()
                .await
                .map_err(|e| e.explain(lang));
            report.send(Event::Couriers(result));
        });
    }

    /// Loads both courier lists and their mapping, as the station will use them to ship.
    pub fn load_courier_map(&self) {
        let Some(station) = self.station.clone() else {
            return;
        };
        let (lang, report) = (self.lang, self.reporter());
        self.runtime.spawn(async move {
            let result = station
                .reload_couriers()
                .await
                .map(|map| CourierTable {
                    mappings: map.mappings(),
                    shop: map.shop().to_vec(),
                })
                .map_err(|e| e.explain(lang));
            report.send(Event::CourierMap(result));
        });
    }

    /// Uses new hand-made courier mappings (settings `courier_map`) from now on.
    pub fn set_courier_overrides(&mut self, overrides: std::collections::BTreeMap<String, String>) {
        if let Some(station) = self.station.take() {
            self.station = Some(station.with_courier_overrides(overrides));
        }
    }

    /// Records a new station name and operator from now on (Settings, applied at once).
    pub fn set_actor(&mut self, actor: crate::store::Actor) {
        if let Some(station) = self.station.take() {
            self.station = Some(station.with_actor(actor));
        }
    }

    /// Plans a journal batch for these orders and runs it: missing waybills are created
    /// (`order/add`), labels fetched (batchget in chunks of 100, or getOrder for one-part) and
    /// recorded as they complete, each order reported. Cancel stops between steps; what
    /// finished stays finished, and the batch can be resumed.
    pub fn fetch_labels(&mut self, orders: Vec<Order>, plan: LabelBatchPlan) {
        let Some(station) = self.station.clone() else {
            self.no_journal(orders.iter().map(|o| o.id).collect());
            return;
        };
        self.cancel_batch = CancelToken::new();
        let (lang, report, cancel) = (self.lang, self.reporter(), self.cancel_batch.clone());
        self.runtime.spawn(async move {
            let batch = match station.plan_label_batch(&orders, &plan).await {
                Ok(b) => b,
                Err(e) => {
                    let message = Msg::explained(|l| e.explain(l));
                    for o in &orders {
                        report.send(Event::LabelDone {
                            order_id: o.id,
                            result: Err(message.clone()),
                        });
                    }
                    report.send(Event::LabelBatchEnded { cancelled: false });
                    return;
                }
            };
            run_batch(station, batch, cancel, lang, report).await;
        });
    }

    /// Resumes a batch a previous run left unfinished.
    pub fn resume_batch(&mut self, batch: BatchId) {
        let Some(station) = self.station.clone() else {
            return;
        };
        self.cancel_batch = CancelToken::new();
        let (lang, report, cancel) = (self.lang, self.reporter(), self.cancel_batch.clone());
        self.runtime
            .spawn(run_batch(station, batch, cancel, lang, report));
    }

    /// Asks the running label batch to stop.
    pub fn cancel_labels(&self) {
        self.cancel_batch.cancel();
    }

    /// Ships parcels one after another through the station: never twice, every attempt in the
    /// journal, an order the journal knows as shipped answered without a call. A parcel that
    /// leaves part of the order behind re-reads the order so its row shows what is left.
    pub fn ship(&self, requests: Vec<ShipRequest>) {
        let Some(station) = self.station.clone() else {
            self.no_journal(requests.iter().map(|r| r.order_id).collect());
            return;
        };
        let (client, shop, lang, report) =
            (self.client.clone(), self.shop, self.lang, self.reporter());
        self.runtime.spawn(async move {
            for request in requests {
                let order_id = request.order_id;
                let result = station
                    .ship_parcel(&request)
                    .await
                    .map(|r| ShipDone {
                        outcome: r.outcome,
                        order_complete: r.order_complete,
                        items: r.items,
                    })
                    .map_err(|e| ShipFailure {
                        errcode: e.errcode(),
                        needs_sn: matches!(e, StationError::SnRequired { .. }),
                        items: request.items.clone(),
                        message: Msg::explained(|l| e.explain(l)),
                    });
                let partial = matches!(&result, Ok(done) if !done.order_complete);
                report.send(Event::Shipped { order_id, result });
                if partial {
                    let order = client
                        .shop(shop)
                        .get_order(order_id)
                        .await
                        .map(Box::new)
                        .map_err(|e| e.explain(lang));
                    report.send(Event::OrderReread(order));
                }
            }
        });
    }

    /// Cancels an order's waybill (`order/cancel`) and records it in the journal, so it is
    /// never used again for a label or a shipment.
    pub fn cancel_waybill(&self, order_id: OrderId, waybill: WaybillRef) {
        let Some(station) = self.station.clone() else {
            self.no_journal(vec![order_id]);
            return;
        };
        let report = self.reporter();
        self.runtime.spawn(async move {
            let result = station
                .cancel_waybill(order_id, &waybill)
                .await
                .map_err(|e| Msg::explained(|l| e.explain(l)));
            report.send(Event::WaybillCancelled { order_id, result });
        });
    }

    /// Stores the AppID and AppSecret in the OS keychain (off the UI thread: the keychain may
    /// take a moment, or ask to be unlocked).
    pub fn save_credentials(
        &self,
        data_dir: std::path::PathBuf,
        appid: String,
        secret: crate::wechat::Secret,
    ) {
        let (lang, report) = (self.lang, self.reporter());
        self.runtime.spawn_blocking(move || {
            let result = crate::credentials::Credentials::app_secret(&appid, secret.expose())
                .and_then(|c| crate::credentials::CredentialStore::new(&data_dir).save(&c))
                .map(|account| account.location())
                .map_err(|e| {
                    crate::i18n::Msg::id("app-secret-not-saved")
                        .arg("error", e.to_string())
                        .render(lang)
                });
            report.send(Event::CredentialsSaved(result));
        });
    }

    /// Prints labels in the given order, one job per label, each result reported and recorded
    /// in the journal. Stops at the first failure so labels never come out of order.
    /// Each printer's calibration (from the settings) moves its labels.
    pub fn print(
        &mut self,
        jobs: Vec<(OrderId, crate::wechat::WaybillId, crate::print::PrintJob)>,
        calibrations: crate::print::Calibrations,
    ) {
        self.cancel_print = CancelToken::new();
        let (lang, report, cancel) = (self.lang, self.reporter(), self.cancel_print.clone());
        let options = crate::print::PrintOptions {
            calibrations,
            ..crate::print::PrintOptions::new(self.print_worker.clone())
        };
        let station = self.station.clone();
        self.runtime.spawn(async move {
            let order_ids: Vec<OrderId> = jobs.iter().map(|(id, _, _)| *id).collect();
            let progress = |p: &crate::print::PrintProgress| {
                let Some(order_id) = order_ids.get(p.result.index).copied() else {
                    return;
                };
                let result = match &p.result.outcome {
                    crate::print::JobOutcome::Printed => Ok(()),
                    crate::print::JobOutcome::Failed { error } => {
                        Err(Msg::explained(|l| error.explain(l)))
                    }
                    // Labels print in order: one that was not tried was either stopped by
                    // the user or held back because an earlier label failed.
                    crate::print::JobOutcome::NotAttempted { .. } => {
                        Err(Msg::id(if cancel.is_cancelled() {
                            "print-stopped-not-printed"
                        } else {
                            "print-held-back"
                        }))
                    }
                };
                report.send(Event::Printed { order_id, result });
            };
            match station {
                // The station records each label in the journal as it prints (as the CLI's).
                Some(station) => {
                    let labels = jobs
                        .into_iter()
                        .map(|(order_id, waybill_id, job)| crate::station::LabelPrint {
                            order_id,
                            waybill_id,
                            job,
                        })
                        .collect();
                    station
                        .print_labels(labels, &options, lang, progress, &cancel)
                        .await;
                }
                None => {
                    let jobs = jobs.into_iter().map(|(_, _, job)| job).collect();
                    crate::print::print_batch(jobs, &options, progress, &cancel).await;
                }
            }
            report.send(Event::PrintBatchEnded);
        });
    }

    /// Prints the printer step's test label through the print worker, as every label is
    /// printed, with `calibration` (being edited, not yet saved) applied to its printer.
    pub fn print_test_label(
        &self,
        job: crate::print::PrintJob,
        calibration: crate::print::Calibration,
    ) {
        let (lang, report) = (self.lang, self.reporter());
        let mut options = crate::print::PrintOptions::new(self.print_worker.clone());
        if let crate::print::PrintTarget::Printer(name) = &job.target {
            options.calibrations.insert(name.clone(), calibration);
        }
        self.runtime.spawn(async move {
            let results =
                crate::print::print_batch(vec![job], &options, |_| {}, &CancelToken::new()).await;
            let result = match results.into_iter().next().map(|r| r.outcome) {
                Some(crate::print::JobOutcome::Printed) => Ok(()),
                Some(crate::print::JobOutcome::Failed { error }) => Err(error.explain(lang)),
                Some(crate::print::JobOutcome::NotAttempted { reason }) => Err(reason),
                None => Err(String::new()),
            };
            report.send(Event::TestLabelPrinted(result));
        });
    }

    /// Asks the running print batch to stop before its next label.
    pub fn cancel_print(&self) {
        self.cancel_print.cancel();
    }

    /// Writes the settings file (atomically, off the UI thread).
    pub fn save_settings(&self, settings: crate::settings::Settings, data_dir: std::path::PathBuf) {
        let report = self.reporter();
        self.runtime.spawn_blocking(move || {
            let result = settings.save(&data_dir).map_err(|e| e.to_string());
            report.send(Event::SettingsSaved(result));
        });
    }

    /// Lists printers (off the UI thread: CUPS may take a moment).
    pub fn load_printers(&self) {
        let report = self.reporter();
        self.runtime.spawn_blocking(move || {
            report.send(Event::Printers(crate::print::list_printers()));
        });
    }

    /// Loads an order's journal history.
    pub fn load_history(&self, order_id: OrderId) {
        let Some(station) = self.station.clone() else {
            return;
        };
        let (lang, report) = (self.lang, self.reporter());
        // The journal runs its SQLite work off the async workers itself.
        self.runtime.spawn(async move {
            let lines = match station.journal().order_history(order_id).await {
                Ok(entries) => entries
                    .iter()
                    .rev()
                    .map(|e| history_line(e, lang))
                    .collect(),
                Err(e) => vec![e.to_string()],
            };
            report.send(Event::History { order_id, lines });
        });
    }

    /// Looks for batches an earlier run left unfinished.
    pub fn load_unfinished_batches(&self) {
        let Some(station) = self.station.clone() else {
            return;
        };
        let report = self.reporter();
        self.runtime.spawn(async move {
            if let Ok(list) = station.journal().unfinished_batches().await {
                let list = list.into_iter().map(|b| (b.id, b.done, b.total)).collect();
                report.send(Event::UnfinishedBatches(list));
            }
        });
    }

    fn no_journal(&self, ids: Vec<OrderId>) {
        let report = self.reporter();
        for order_id in ids {
            report.send(Event::Shipped {
                order_id,
                result: Err(ShipFailure {
                    errcode: None,
                    message: Msg::id("no-journal-refused"),
                    needs_sn: false,
                    items: None,
                }),
            });
        }
    }

    /// Sender and receiver of a waybill. The token comes from the order-placement event; in
    /// demo mode the sandbox lists those events.
    pub fn fetch_contact(&self, order_id: OrderId, waybill: WaybillRef, token: Option<String>) {
        let (client, lang, report) = (self.client.clone(), self.lang, self.reporter());
        let sandbox = self.sandbox.clone();
        self.runtime.spawn(async move {
            let token = token.or_else(|| {
                sandbox.and_then(|s| {
                    s.events()
                        .into_iter()
                        .find(|e| e.waybill_id == waybill.waybill_id.0)
                        .map(|e| e.token)
                })
            });
            let result = match token {
                Some(t) => client
                    .logistics()
                    .contact(&t, &waybill.waybill_id)
                    .await
                    .map_err(|e| e.explain(lang)),
                None => Err(crate::i18n::t(lang, "app-contact-no-token")),
            };
            report.send(Event::Contact { order_id, result });
        });
    }
}

/// Runs a journal batch, turning its events into the UI's.
async fn run_batch(
    station: Station,
    batch: BatchId,
    cancel: CancelToken,
    lang: Lang,
    report: Reporter,
) {
    let (tx, mut rx) = tokio::sync::mpsc::unbounded_channel();
    let forward = {
        let (station, report) = (station.clone(), report.clone());
        tokio::spawn(async move {
            while let Some(event) = rx.recv().await {
                match event {
                    BatchEvent::Waybill {
                        order_id,
                        waybill_id,
                    } => {
                        let delivery_id = station
                            .journal()
                            .batch(batch)
                            .await
                            .ok()
                            .flatten()
                            .map(|b| b.delivery_id)
                            .unwrap_or_else(|| DeliveryId(String::new()));
                        report.send(Event::Waybill {
                            order_id,
                            waybill: WaybillRef {
                                delivery_id,
                                waybill_id,
                            },
                        });
                    }
                    BatchEvent::Labelled {
                        order_id, label_id, ..
                    } => {
                        let result = match station.journal().label(label_id).await {
                            Ok(Some(stored)) => Ok(label_of(stored)),
                            Ok(None) => Err(Msg::id("label-missing-in-journal")
                                .arg("label", label_id.to_string())),
                            Err(e) => Err(Msg::Text(e.to_string())),
                        };
                        report.send(Event::LabelDone { order_id, result });
                    }
                    BatchEvent::Failed { order_id, error } => {
                        let message = Msg::explained(|l| error.explain(l));
                        if matches!(
                            &error,
                            WechatError::Refused(crate::wechat::Refusal::WaybillCancelled { .. })
                        ) {
                            report.send(Event::LabelCancelled {
                                order_id,
                                message: message.clone(),
                            });
                        }
                        report.send(Event::LabelDone {
                            order_id,
                            result: Err(message),
                        });
                    }
                    BatchEvent::Finished(batch_report) => {
                        let skipped = batch_report.skipped_by_reason();
                        if !skipped.is_empty() {
                            report.send(Event::BatchSkipped(skipped));
                        }
                    }
                    BatchEvent::Started { .. } => {}
                    // Held elsewhere: the live view shows who holds it; the run comes back.
                    BatchEvent::Held { .. } => {}
                }
            }
        })
    };
    let outcome = station.run_label_batch(batch, Some(&tx), &cancel).await;
    drop(tx);
    let _ = forward.await;
    if let Err(e) = &outcome {
        tracing::warn!("label batch stopped: {}", e.explain(lang));
    }
    report.send(Event::LabelBatchEnded {
        cancelled: cancel.is_cancelled() || outcome.is_err(),
    });
}

fn label_of(stored: StoredLabel) -> Label {
    Label {
        order_id: stored.order_id.to_string(),
        delivery_id: stored.delivery_id,
        waybill_id: stored.waybill_id,
        html: stored.html,
        waybill_data: stored.waybill_data,
        order_status: stored.waybill_status,
        print_type: stored.print_type,
    }
}

/// One line of history for the detail panel.
fn history_line(entry: &HistoryEntry, lang: Lang) -> String {
    use crate::i18n::Msg;
    let when = crate::wechat::order::format_china_time(entry.at_ms() / 1000);
    let what = match entry {
        HistoryEntry::Label(l) => Msg::id("history-label")
            .arg("courier", l.delivery_id.to_string())
            .arg("waybill", l.waybill_id.to_string()),
        HistoryEntry::Print(p) => match &p.error {
            None => Msg::id("history-printed")
                .arg("printer", p.printer.clone())
                .arg("copies", p.copies),
            Some(e) => Msg::id("history-print-failed")
                .arg("printer", p.printer.clone())
                .arg("error", e.clone()),
        },
        HistoryEntry::Shipment(s) => {
            use crate::store::ShipAttemptState as S;
            let state = Msg::id(match s.state {
                S::Sending => "history-ship-sending",
                S::Shipped => "history-ship-shipped",
                S::AlreadyShipped => "history-ship-already-shipped",
                S::ConfirmedOnReread => "history-ship-confirmed-on-reread",
                S::Refused => "history-ship-refused",
                S::Failed => "history-ship-failed",
                S::Unknown => "history-ship-unknown",
                S::Interrupted => "history-ship-interrupted",
            });
            match &s.error {
                Some(e) => Msg::id("history-ship-error")
                    .arg("state", state)
                    .arg("error", e.clone()),
                None => Msg::id("history-ship").arg("state", state),
            }
        }
    }
    .render(lang);
    let who = match entry {
        HistoryEntry::Label(l) => &l.station,
        HistoryEntry::Print(p) => &p.station,
        HistoryEntry::Shipment(s) => &s.station,
    };
    format!("{when}  {what}  ({who})")
}

#[derive(Clone)]
struct Reporter {
    tx: mpsc::Sender<Event>,
    repaint: Arc<dyn Fn() + Send + Sync>,
}

impl Reporter {
    fn send(&self, event: Event) {
        // The UI may have closed; then nobody needs the answer.
        let _ = self.tx.send(event);
        (self.repaint)();
    }
}
