//! The packing-station window: state, the frame loop, and what each command does. Drawing
//! lives in `crate::ui`; network work in [`backend`].

pub mod activity;
pub mod backend;
pub mod command;
pub mod launch;
pub mod orders;
pub mod request;
pub mod ship_dialog;

use std::collections::HashMap;
use std::path::PathBuf;
use std::sync::{mpsc, Arc};

use activity::{Activity, Level};
use backend::{Backend, Event};
use command::Command;
use orders::{Filter, LabelState, OrderBook, ShipState};
use request::Request;
use ship_dialog::ShipDialog;

use crate::sandbox::Sandbox;
use crate::settings::Settings;
use crate::ui::scanner_ui::ScanResult;
use crate::ui::settings_ui::SettingsDraft;
use crate::ui::{self, tr};
use crate::wechat::delivery::ShipOutcome;
use crate::wechat::logistics::{Contact, Courier, WaybillParty};
use crate::wechat::shop::{OrderQuery, ShopKind};
use crate::wechat::{Lang, OrderId, WechatClient};

/// Everything the window needs from `main`.
pub struct AppConfig {
    pub runtime: tokio::runtime::Handle,
    pub client: WechatClient,
    pub shop: ShopKind,
    /// The embedded sandbox in demo mode.
    pub sandbox: Option<Arc<Sandbox>>,
    pub settings: Settings,
    pub data_dir: PathBuf,
    /// The AppID in use, for the settings window.
    pub appid: String,
    /// WARN/ERROR logs to show as toasts.
    pub toasts: Option<mpsc::Receiver<(Level, String)>>,
    /// Journal-backed use cases; `None` when the journal could not be opened.
    pub station: Option<crate::station::Station>,
    /// Something the user must know from the start (keychain or journal trouble).
    pub startup_problem: Option<String>,
    /// How print workers are started.
    pub print_worker: crate::print::WorkerConfig,
}

/// A label batch in progress.
#[derive(Debug, Clone, Default)]
pub struct BatchProgress {
    pub total: usize,
    pub done: usize,
    pub failed: usize,
    pub cancelling: bool,
}

/// Where a scan is in its work.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum ScanStage {
    Fetching,
    Printing,
    Shipping,
}

/// The label preview beside the table (a child webview of the window, on X11).
struct Preview {
    view: crate::print::preview::LabelPreview,
    /// The order and label shown.
    showing: Option<(OrderId, String)>,
}

/// The app.
pub struct WaybillApp {
    settings: Settings,
    data_dir: PathBuf,
    lang: Lang,
    pub book: OrderBook,
    days: u32,
    orders: Request<usize>,
    couriers: Request<Vec<Courier>>,
    courier_map: Request<backend::CourierTable>,
    pub batch: Option<BatchProgress>,
    /// A print run in progress.
    pub printing: Option<BatchProgress>,
    printers: Request<Vec<crate::print::PrinterInfo>>,
    preview: Option<Preview>,
    /// Where the window system cannot host a child webview (Wayland): the separate preview
    /// window process, and the label it shows.
    preview_window: Option<(
        crate::print::preview_window::PreviewWindowProcess,
        Option<(OrderId, String)>,
    )>,
    /// Why the preview could not be shown (not retried every frame).
    preview_problem: Option<String>,
    preview_zoom: f64,
    failed_last_batch: Vec<OrderId>,
    ship_confirm: Option<Vec<OrderId>>,
    /// The split-shipping or SN question, when open.
    ship_dialog: Option<ShipDialog>,
    /// "Cancel this waybill?" for an order, when asked.
    cancel_confirm: Option<OrderId>,
    scanner_on: bool,
    scan_input: String,
    scan_flow: Option<(OrderId, ScanStage)>,
    pub last_scan: Option<ScanResult>,
    pub activity: Activity,
    contacts: HashMap<OrderId, Request<Contact>>,
    settings_draft: Option<SettingsDraft>,
    appid: String,
    backend: Backend,
    events: mpsc::Receiver<Event>,
    toasts: Option<mpsc::Receiver<(Level, String)>>,
    frames: u64,
    fonts_installed: bool,
    /// Bring the focused row into view on the next frame.
    scroll_to_focus: bool,
    /// Journal lines of the focused order, and which order they belong to.
    history: (Option<OrderId>, Vec<String>),
    unfinished_batches: Vec<(crate::store::BatchId, u32, u32)>,
    startup_problem: Option<String>,
}

impl WaybillApp {
    /// Builds the app; starts the first refresh in the background.
    pub fn new(ctx: &egui::Context, config: AppConfig) -> Self {
        let (tx, events) = mpsc::channel();
        let repaint_ctx = ctx.clone();
        let repaint: Arc<dyn Fn() + Send + Sync> = Arc::new(move || repaint_ctx.request_repaint());
        let lang = config.settings.lang;
        let services = backend::Services {
            runtime: config.runtime,
            client: config.client,
            shop: config.shop,
            sandbox: config.sandbox,
            station: config.station,
            print_worker: config.print_worker,
        };
        let backend = Backend::new(services, lang, tx, repaint);
        let now = chrono::Utc::now().timestamp();
        let days = 7;
        let mut app = WaybillApp {
            book: OrderBook::new(Filter {
                status: Some(crate::wechat::order::STATUS_TO_BE_SHIPPED),
                created_from: now - i64::from(days) * 86_400,
                created_to: now + 3_600,
                text: String::new(),
            }),
            days,
            lang,
            settings: config.settings,
            data_dir: config.data_dir,
            orders: Request::default(),
            couriers: Request::default(),
            courier_map: Request::default(),
            batch: None,
            printing: None,
            printers: Request::default(),
            preview: None,
            preview_window: None,
            preview_problem: None,
            preview_zoom: 0.0,
            failed_last_batch: Vec::new(),
            ship_confirm: None,
            ship_dialog: None,
            cancel_confirm: None,
            scanner_on: false,
            scan_input: String::new(),
            scan_flow: None,
            last_scan: None,
            activity: Activity::default(),
            contacts: HashMap::new(),
            settings_draft: None,
            appid: config.appid,
            backend,
            events,
            toasts: config.toasts,
            frames: 0,
            fonts_installed: false,
            scroll_to_focus: false,
            history: (None, Vec::new()),
            unfinished_batches: Vec::new(),
            startup_problem: config.startup_problem,
        };
        if let Some(problem) = &app.startup_problem {
            app.activity.push(Level::Error, problem.clone());
        }
        app.handle(Command::Refresh);
        app.backend.load_unfinished_batches();
        app
    }

    /// Frames drawn so far (tests use it to see the UI keeps drawing).
    pub fn frames(&self) -> u64 {
        self.frames
    }

    /// True while the order list is being fetched.
    pub fn is_refreshing(&self) -> bool {
        self.orders.is_pending()
    }

    /// The courier lists and their mapping, once loaded (Settings).
    pub fn courier_table(&self) -> Option<&backend::CourierTable> {
        self.courier_map.value()
    }

    /// The open split-shipping / SN dialog (tests read it).
    pub fn ship_dialog(&self) -> Option<&ShipDialog> {
        self.ship_dialog.as_ref()
    }

    /// True while a modal question is open (the label preview hides so it covers none).
    fn modal_open(&self) -> bool {
        self.ship_confirm.is_some()
            || self.ship_dialog.is_some()
            || self.cancel_confirm.is_some()
            || self.settings_draft.is_some()
    }

    /// True while the "ship without printing?" question is open.
    pub fn awaiting_ship_confirmation(&self) -> bool {
        self.ship_confirm.is_some()
    }

    /// True in demo mode.
    pub fn is_demo(&self) -> bool {
        self.backend.is_demo()
    }

    /// The embedded sandbox, in demo mode.
    pub fn sandbox(&self) -> Option<&Arc<Sandbox>> {
        self.backend.sandbox()
    }

    fn query(&self) -> OrderQuery {
        let now = chrono::Utc::now().timestamp();
        OrderQuery {
            created_from: now - i64::from(self.days) * 86_400,
            created_to: now + 3_600,
            status: self.book.filter.status,
        }
    }

    fn log(&mut self, level: Level, text: impl Into<String>) {
        let text = text.into();
        // Customer data can be in these lines: DEBUG only (the activity panel shows them).
        tracing::debug!(target: "activity", ?level, "{text}");
        self.activity.push(level, text);
    }

    /// Carries out one command.
    pub fn handle(&mut self, command: Command) {
        let lang = self.lang;
        match command {
            Command::Refresh => {
                if !self.orders.is_pending() {
                    self.orders.start();
                    self.backend.refresh(self.query());
                }
            }
            Command::SortBy(key) => self.book.sort_by(key),
            Command::RowClicked { pos, mods } => self.book.click(pos, mods),
            Command::SelectAll => self.book.select_all(),
            Command::MoveFocus { delta, mods } => {
                self.book.move_focus(delta, mods);
                self.scroll_to_focus = true;
            }
            Command::FilterChanged => {
                let now = chrono::Utc::now().timestamp();
                self.book.filter.created_from = now - i64::from(self.days) * 86_400;
                self.book.filter.created_to = now + 3_600;
                self.book.rebuild_view();
                // A wider range or another status may need orders we have not loaded.
                self.handle(Command::Refresh);
            }
            Command::SearchChanged => self.book.rebuild_view(),
            Command::GetLabels => {
                let targets = self.book.targets();
                self.get_labels(targets);
            }
            Command::RetryFailed => {
                let failed = std::mem::take(&mut self.failed_last_batch);
                self.book.select_only(failed.iter().copied());
                self.get_labels(failed);
            }
            Command::CancelLabels => {
                if let Some(b) = &mut self.batch {
                    b.cancelling = true;
                }
                self.backend.cancel_labels();
            }
            Command::Print => {
                let targets = self.book.targets();
                self.print(targets);
            }
            Command::CancelPrint => {
                if let Some(p) = &mut self.printing {
                    p.cancelling = true;
                }
                self.backend.cancel_print();
            }
            Command::PreviewZoom(factor) => self.preview_zoom = factor,
            Command::PrintWithDialog => {
                if let Some(p) = &self.preview {
                    let label_id = p
                        .showing
                        .as_ref()
                        .map(|(id, _)| id.to_string())
                        .unwrap_or_default();
                    let preset = (!self.settings.printer.is_empty())
                        .then(|| crate::print::PrintTarget::Printer(self.settings.printer.clone()));
                    // A nested GTK loop runs until the dialog closes; the rest of the UI waits.
                    match p.view.print_with_dialog(&label_id, preset.as_ref()) {
                        Ok(true) => self.log(
                            Level::Info,
                            format!(
                                "{label_id}: {}",
                                tr(
                                    lang,
                                    "已通过打印对话框打印",
                                    "printed through the print dialog"
                                )
                            ),
                        ),
                        Ok(false) => {}
                        Err(e) => self.log(Level::Error, e.explain(lang)),
                    }
                }
            }
            Command::Ship => {
                let targets = self.book.targets();
                let unprinted = targets
                    .iter()
                    .filter(|id| {
                        self.book.row(**id).is_some_and(|r| {
                            r.label_state != LabelState::Printed
                                && r.ship_state != ShipState::Shipped
                        })
                    })
                    .count();
                if unprinted > 0 {
                    self.ship_confirm = Some(targets);
                } else {
                    self.ship(targets);
                }
            }
            Command::ConfirmShip(yes) => {
                if let Some(targets) = self.ship_confirm.take() {
                    if yes {
                        self.ship(targets);
                    }
                }
            }
            Command::OpenSplitShip => self.open_split_ship(),
            Command::ShipParcel {
                order_id,
                items,
                sn,
            } => {
                self.ship_parcel(order_id, items, sn);
            }
            Command::CloseShipDialog => self.ship_dialog = None,
            Command::AskCancelWaybill(id) => {
                if self.book.row(id).is_some_and(|r| r.waybill.is_some()) {
                    self.cancel_confirm = Some(id);
                }
            }
            Command::ConfirmCancelWaybill(yes) => {
                if let Some(id) = self.cancel_confirm.take() {
                    let waybill = self.book.row(id).and_then(|r| r.waybill.clone());
                    if let (true, Some(waybill)) = (yes, waybill) {
                        self.log(
                            Level::Info,
                            format!(
                                "{id}: {} {}",
                                tr(lang, "正在取消运单", "cancelling waybill"),
                                waybill.waybill_id
                            ),
                        );
                        self.backend.cancel_waybill(id, waybill);
                    }
                }
            }
            Command::NewWaybill(id) => self.get_labels(vec![id]),
            Command::Scan(code) => self.scan(&code),
            Command::ToggleScanner => self.scanner_on = !self.scanner_on,
            Command::OpenSettings => {
                if self.couriers.value().is_none() && !self.couriers.is_pending() {
                    self.handle(Command::LoadCouriers);
                }
                if self.courier_map.value().is_none() && !self.courier_map.is_pending() {
                    self.handle(Command::LoadCourierMap);
                }
                self.settings_draft = Some(SettingsDraft {
                    settings: self.settings.clone(),
                    appid: self.appid.clone(),
                    secret: String::new(),
                    printers: self
                        .printers
                        .value()
                        .map(|l| l.iter().map(|p| p.name.clone()).collect())
                        .unwrap_or_default(),
                });
                self.printers.start();
                self.backend.load_printers();
            }
            Command::CloseSettings => self.settings_draft = None,
            Command::SaveSettings {
                settings,
                appid,
                secret,
            } => {
                if let Some(secret) = secret {
                    self.backend
                        .save_credentials(self.data_dir.clone(), appid, secret);
                }
                if settings.courier_map != self.settings.courier_map {
                    self.backend
                        .set_courier_overrides(settings.courier_map.clone());
                    self.courier_map = Request::default();
                }
                self.settings = *settings;
                self.lang = self.settings.lang;
                self.backend.set_lang(self.lang);
                self.backend
                    .save_settings(self.settings.clone(), self.data_dir.clone());
                self.settings_draft = None;
            }
            Command::LoadCouriers => {
                self.couriers.start();
                self.backend.load_couriers();
            }
            Command::LoadCourierMap => {
                self.courier_map.start();
                self.backend.load_courier_map();
            }
            Command::FetchContact(id) => {
                if let Some(w) = self.book.row(id).and_then(|r| r.waybill.clone()) {
                    self.contacts.entry(id).or_default().start();
                    self.backend.fetch_contact(id, w, None);
                }
            }
            Command::DismissToast(i) => self.activity.dismiss_toast(i),
            Command::ResumeBatch(id) => {
                if self.batch.is_none() {
                    if let Some(&(_, done, total)) =
                        self.unfinished_batches.iter().find(|b| b.0 == id)
                    {
                        self.batch = Some(BatchProgress {
                            total: (total - done) as usize,
                            ..BatchProgress::default()
                        });
                    }
                    self.unfinished_batches.retain(|b| b.0 != id);
                    self.failed_last_batch.clear();
                    self.log(
                        Level::Info,
                        format!(
                            "{} #{}",
                            tr(lang, "继续面单批次", "Resuming label batch"),
                            id.0
                        ),
                    );
                    self.backend.resume_batch(id);
                }
            }
            Command::SetLang(l) => {
                self.lang = l;
                self.settings.lang = l;
                self.backend.set_lang(l);
                self.backend
                    .save_settings(self.settings.clone(), self.data_dir.clone());
            }
        }
    }

    /// Courier, account and sender for new waybills: from settings, or the sandbox's own in
    /// demo mode.
    fn batch_plan(&self) -> Option<crate::station::LabelBatchPlan> {
        let demo = self.backend.is_demo();
        let sender = self
            .settings
            .sender
            .clone()
            .filter(|s| !s.name.is_empty())
            .or_else(|| {
                demo.then(|| {
                    let (name, mobile, address) = crate::sandbox::fake::shop_sender();
                    WaybillParty {
                        name,
                        mobile,
                        address,
                        ..WaybillParty::default()
                    }
                })
            })?;
        let (delivery_id, biz_id) = match (
            self.settings.delivery_id.as_str(),
            self.settings.biz_id.as_str(),
        ) {
            ("", _) | (_, "") if demo => ("SF".to_string(), "SF_CASH".to_string()),
            ("", _) | (_, "") => return None,
            (d, b) => (d.to_string(), b.to_string()),
        };
        Some(crate::station::LabelBatchPlan {
            print_type: self.settings.print_type,
            delivery_id: crate::wechat::DeliveryId(delivery_id),
            biz_id,
            sender,
        })
    }

    fn get_labels(&mut self, ids: Vec<OrderId>) {
        let lang = self.lang;
        if ids.is_empty() || self.batch.is_some() {
            return;
        }
        // Orders that take no courier get no waybill: say how many and why, and leave them out.
        let mut skipped: Vec<(crate::wechat::order::NoCourier, u32)> = Vec::new();
        let mut ids = ids;
        ids.retain(|id| match self.book.row(*id).and_then(|r| r.no_courier()) {
            Some(reason) => {
                match skipped.iter_mut().find(|(r, _)| *r == reason) {
                    Some((_, n)) => *n += 1,
                    None => skipped.push((reason, 1)),
                }
                false
            }
            None => true,
        });
        if !skipped.is_empty() {
            self.log_skipped(&skipped);
        }
        if ids.is_empty() {
            return;
        }
        let orders: Vec<crate::wechat::order::Order> = ids
            .iter()
            .filter_map(|id| self.book.row(*id))
            .map(|r| r.order.clone())
            .collect();
        let Some(plan) = self.batch_plan() else {
            self.log(Level::Error, tr(lang, "取号需要快递公司、biz_id 和发件人地址:请先在“设置”里填写", "New waybills need a courier, biz_id and sender address: fill them in Settings first"));
            return;
        };
        for id in &ids {
            if let Some(r) = self.book.row_mut(*id) {
                r.label_state = LabelState::Fetching;
                r.last_error = None;
            }
        }
        self.failed_last_batch.clear();
        self.batch = Some(BatchProgress {
            total: orders.len(),
            ..BatchProgress::default()
        });
        self.log(
            Level::Info,
            format!(
                "{} {}",
                tr(lang, "开始获取面单:", "Fetching labels:"),
                orders.len()
            ),
        );
        self.backend.fetch_labels(orders, plan);
    }

    fn ship(&mut self, targets: Vec<OrderId>) {
        let lang = self.lang;
        let mut work = Vec::new();
        for id in targets {
            let Some(row) = self.book.row_mut(id) else {
                continue;
            };
            if row.ship_state == ShipState::Shipped {
                let text = format!(
                    "{id}: {}",
                    tr(
                        lang,
                        "已经发过货,无需操作",
                        "already shipped, nothing to do"
                    )
                );
                row.last_error = None;
                self.log(Level::Info, text);
                continue;
            }
            match ship_request(row, None, None, lang) {
                Ok(request) => {
                    row.ship_state = ShipState::Shipping;
                    work.push(request);
                }
                Err(text) => {
                    row.ship_state = ShipState::Error;
                    row.last_error = Some(text.clone());
                    self.log(Level::Error, format!("{id}: {text}"));
                }
            }
        }
        if !work.is_empty() {
            self.backend.ship(work);
        }
    }

    /// Opens "which items go in this box?" for the focused order.
    fn open_split_ship(&mut self) {
        let lang = self.lang;
        let Some(row) = self.book.focused.and_then(|id| self.book.row(id)) else {
            return;
        };
        if row.ship_state == ShipState::Shipped {
            return;
        }
        match ShipDialog::split(&row.order) {
            Some(dialog) => self.ship_dialog = Some(dialog),
            None => {
                let text = format!(
                    "{}: {}",
                    row.order.id,
                    tr(lang, "没有剩余要发的商品", "nothing is left to ship")
                );
                self.log(Level::Warn, text);
            }
        }
    }

    /// Ships one parcel chosen in the split or SN dialog.
    fn ship_parcel(
        &mut self,
        order_id: OrderId,
        items: Option<Vec<crate::wechat::order::ParcelItem>>,
        sn: Option<(String, Vec<String>)>,
    ) {
        let lang = self.lang;
        let sn = match sn {
            Some((code, imeis)) => match crate::wechat::delivery::SnInfo::new(&code, &imeis) {
                Ok(info) => Some(info),
                Err(e) => {
                    if let Some(ShipDialog::Sn { problem, .. }) = &mut self.ship_dialog {
                        *problem = Some(e.explain(lang));
                    }
                    return;
                }
            },
            None => None,
        };
        self.ship_dialog = None;
        let Some(row) = self.book.row_mut(order_id) else {
            return;
        };
        match ship_request(row, items, sn, lang) {
            Ok(request) => {
                row.ship_state = ShipState::Shipping;
                self.backend.ship(vec![request]);
            }
            Err(text) => {
                row.ship_state = ShipState::Error;
                row.last_error = Some(text.clone());
                self.log(Level::Error, format!("{order_id}: {text}"));
            }
        }
    }

    /// "Skipped 3 orders that take no courier: self-pickup 2, same-city 1".
    fn log_skipped(&mut self, skipped: &[(crate::wechat::order::NoCourier, u32)]) {
        let lang = self.lang;
        let total: u32 = skipped.iter().map(|(_, n)| n).sum();
        let parts: Vec<String> = skipped
            .iter()
            .map(|(reason, n)| format!("{} {n}", ui::orders_ui::no_courier_short(*reason, lang)))
            .collect();
        self.log(
            Level::Warn,
            format!(
                "{} {total} {}: {}",
                tr(lang, "跳过", "Skipped"),
                tr(
                    lang,
                    "单不用快递的订单(不取号、不打面单)",
                    "orders that take no courier (no waybill, no label)"
                ),
                parts.join(", ")
            ),
        );
    }

    fn scan(&mut self, code: &str) {
        let lang = self.lang;
        let code = code.trim();
        let Some(id) = self.book.find_scanned(code) else {
            self.last_scan = Some(ScanResult {
                ok: false,
                text: format!("{} {code}", tr(lang, "找不到订单:", "No order found for")),
            });
            beep(false);
            return;
        };
        self.book.select_only([id]);
        self.book.focused = Some(id);
        self.scroll_to_focus = true;
        let Some(row) = self.book.row(id) else { return };
        if row.ship_state == ShipState::Shipped {
            self.last_scan = Some(ScanResult {
                ok: true,
                text: format!("{id} {}", tr(lang, "已发过货", "was already shipped")),
            });
            beep(true);
            return;
        }
        if row.label_state == LabelState::Fetched || row.label_state == LabelState::Printed {
            self.after_scan_label(id);
        } else {
            self.scan_flow = Some((id, ScanStage::Fetching));
            self.get_labels(vec![id]);
        }
    }

    fn after_scan_label(&mut self, id: OrderId) {
        let lang = self.lang;
        if self.settings.printer.is_empty() {
            self.scan_flow = None;
            self.last_scan = Some(ScanResult {
                ok: false,
                text: format!(
                    "{id} {}",
                    tr(
                        lang,
                        "面单已就绪,但还没有选择打印机(设置)",
                        "label ready, but no printer is chosen (Settings)"
                    )
                ),
            });
            beep(false);
            return;
        }
        self.scan_flow = Some((id, ScanStage::Printing));
        self.print(vec![id]);
    }

    fn after_scan_print(&mut self, id: OrderId, result: Result<(), String>) {
        let lang = self.lang;
        match result {
            Ok(()) if self.settings.print_then_ship => {
                self.scan_flow = Some((id, ScanStage::Shipping));
                self.ship(vec![id]);
            }
            Ok(()) => {
                self.scan_flow = None;
                self.last_scan = Some(ScanResult {
                    ok: true,
                    text: format!("{id} {}", tr(lang, "已打印", "printed")),
                });
                beep(true);
            }
            Err(e) => {
                self.scan_flow = None;
                self.last_scan = Some(ScanResult {
                    ok: false,
                    text: format!("{id}: {e}"),
                });
                beep(false);
            }
        }
    }

    /// The paper size for a label: the one set in Settings, or the label's own format.
    fn label_size(&self, print_type: crate::wechat::PrintType) -> crate::print::LabelSize {
        self.settings
            .label_size
            .parse()
            .unwrap_or_else(|_| crate::print::LabelSize::for_print_type(print_type))
    }

    /// Prints the labels of these orders, in this order, to the chosen printer.
    fn print(&mut self, ids: Vec<OrderId>) {
        let lang = self.lang;
        if ids.is_empty() || self.printing.is_some() {
            return;
        }
        if self.settings.printer.is_empty() {
            self.log(
                Level::Error,
                tr(
                    lang,
                    "还没有选择打印机:请在“设置”里选择打印机",
                    "No printer is chosen: pick one in Settings",
                ),
            );
            return;
        }
        let mut jobs = Vec::new();
        for id in ids {
            let Some(row) = self.book.row(id) else {
                continue;
            };
            match &row.label {
                Some(label) => jobs.push((
                    id,
                    label.waybill_id.clone(),
                    crate::print::PrintJob {
                        label_id: id.to_string(),
                        html: label.html.clone(),
                        size: self.label_size(label.print_type),
                        target: crate::print::PrintTarget::Printer(self.settings.printer.clone()),
                        copies: self.settings.copies.clamp(1, crate::print::job::MAX_COPIES),
                    },
                )),
                None => self.log(
                    Level::Error,
                    format!(
                        "{id}: {}",
                        tr(
                            lang,
                            "还没有面单,请先获取面单",
                            "no label yet: get the label first"
                        )
                    ),
                ),
            }
        }
        if jobs.is_empty() {
            return;
        }
        self.printing = Some(BatchProgress {
            total: jobs.len(),
            ..BatchProgress::default()
        });
        self.log(
            Level::Info,
            format!(
                "{} {} → {}",
                tr(lang, "开始打印:", "Printing:"),
                jobs.len(),
                self.settings.printer
            ),
        );
        self.backend.print(jobs);
    }

    /// Keeps the child webview on the preview area and showing the focused order's label.
    /// X11 hosts it inside the window; where that is impossible the area says so.
    fn update_preview(
        &mut self,
        ctx: &egui::Context,
        frame: Option<&eframe::Frame>,
        rect: Option<egui::Rect>,
    ) {
        let wanted = rect.and_then(|rect| {
            let id = self.book.focused?;
            let label = self.book.row(id)?.label.clone()?;
            Some((rect, id, label))
        });
        let Some((rect, id, label)) = wanted else {
            if let Some(p) = &self.preview {
                let _ = p.view.set_visible(false);
            }
            return;
        };
        let size = self.label_size(label.print_type);
        let ppp = f64::from(ctx.pixels_per_point());
        let bounds = (
            (f64::from(rect.min.x) * ppp) as i32,
            (f64::from(rect.min.y) * ppp) as i32,
            (f64::from(rect.width()) * ppp).max(1.0) as u32,
            (f64::from(rect.height()) * ppp).max(1.0) as u32,
        );
        if self.preview.is_none() && self.preview_problem.is_none() {
            let Some(frame) = frame else { return };
            if !crate::print::preview::child_supported(frame) {
                self.show_in_preview_window((id, label.waybill_id.0.clone()), &label.html, size);
                return;
            }
            match crate::print::preview::LabelPreview::new_child(frame, bounds, &label.html, size) {
                Ok(view) => {
                    self.preview = Some(Preview {
                        view,
                        showing: Some((id, label.waybill_id.0.clone())),
                    })
                }
                Err(e) => {
                    self.preview_problem = Some(e.explain(self.lang));
                    return;
                }
            }
        }
        let Some(p) = &mut self.preview else { return };
        let key = Some((id, label.waybill_id.0.clone()));
        if p.showing != key {
            if let Err(e) = p.view.set_html(&label.html, size) {
                tracing::warn!("preview: {}", e.explain(self.lang));
            }
            p.showing = key;
        }
        let _ = p.view.set_bounds(bounds.0, bounds.1, bounds.2, bounds.3);
        let _ = p.view.set_visible(true);
        let zoom = if self.preview_zoom > 0.0 {
            self.preview_zoom
        } else {
            crate::print::preview::LabelPreview::fit_zoom(size, bounds.2, bounds.3, ppp)
        };
        if (p.view.zoom() - zoom).abs() > 1e-3 {
            let _ = p.view.set_zoom(zoom);
        }
        // WebKit draws from GTK's main loop: run it from ours while the preview exists.
        crate::print::preview::pump();
        ctx.request_repaint_after(std::time::Duration::from_millis(50));
    }

    /// Shows a label in the separate preview window, starting it when needed (a window that
    /// was closed is started again).
    fn show_in_preview_window(
        &mut self,
        label: (OrderId, String),
        html: &str,
        size: crate::print::LabelSize,
    ) {
        use crate::print::preview_window::PreviewWindowProcess;
        if self
            .preview_window
            .as_mut()
            .is_some_and(|(w, _)| !w.is_alive())
        {
            self.preview_window = None;
        }
        if self.preview_window.is_none() {
            match PreviewWindowProcess::spawn_current_exe() {
                Ok(w) => self.preview_window = Some((w, None)),
                Err(e) => {
                    self.preview_problem = Some(e.explain(self.lang));
                    return;
                }
            }
        }
        let key = Some(label);
        if let Some((window, showing)) = &mut self.preview_window {
            if *showing != key {
                match window.show(html, size) {
                    Ok(()) => *showing = key,
                    Err(e) => self.preview_problem = Some(e.explain(self.lang)),
                }
            }
        }
    }

    fn apply(&mut self, event: Event) {
        let lang = self.lang;
        match event {
            Event::Orders(result) => match result {
                Ok(list) => {
                    let n = list.len();
                    self.book.merge(list);
                    self.orders.finish(Ok(n));
                    self.log(
                        Level::Info,
                        format!("{} {n}", tr(lang, "订单已刷新:", "Orders refreshed:")),
                    );
                }
                Err(e) => {
                    self.log(
                        Level::Error,
                        format!("{} {e}", tr(lang, "刷新订单失败:", "Refresh failed:")),
                    );
                    self.orders.finish(Err(e));
                }
            },
            Event::Couriers(result) => {
                if let Err(e) = &result {
                    self.log(Level::Warn, e.clone());
                }
                self.couriers.finish(result);
            }
            Event::Waybill { order_id, waybill } => {
                if let Some(r) = self.book.row_mut(order_id) {
                    r.set_waybill(waybill.clone());
                }
                self.log(
                    Level::Info,
                    format!(
                        "{order_id}: {} {} {}",
                        tr(lang, "已取号", "waybill created"),
                        waybill.delivery_id,
                        waybill.waybill_id
                    ),
                );
            }
            Event::LabelDone { order_id, result } => {
                if let Some(b) = &mut self.batch {
                    b.done += 1;
                    if result.is_err() {
                        b.failed += 1;
                    }
                }
                let ok = result.is_ok();
                match result {
                    Ok(label) => {
                        if let Some(r) = self.book.row_mut(order_id) {
                            r.label_state = LabelState::Fetched;
                            r.label = Some(Arc::new(label));
                        }
                        self.log(
                            Level::Info,
                            format!("{order_id}: {}", tr(lang, "面单已获取", "label fetched")),
                        );
                    }
                    Err(e) => {
                        if let Some(r) = self.book.row_mut(order_id) {
                            r.label_state = LabelState::None;
                            r.last_error = Some(e.clone());
                        }
                        self.failed_last_batch.push(order_id);
                        self.log(Level::Error, format!("{order_id}: {e}"));
                    }
                }
                if let Some((scan_id, ScanStage::Fetching)) = self.scan_flow {
                    if scan_id == order_id {
                        if ok {
                            self.after_scan_label(order_id);
                        } else {
                            self.scan_flow = None;
                            let e = self
                                .book
                                .row(order_id)
                                .and_then(|r| r.last_error.clone())
                                .unwrap_or_default();
                            self.last_scan = Some(ScanResult {
                                ok: false,
                                text: format!("{order_id}: {e}"),
                            });
                            beep(false);
                        }
                    }
                }
            }
            Event::LabelBatchEnded { cancelled } => {
                if let Some(b) = self.batch.take() {
                    let text = format!(
                        "{} {}/{}, {} {}{}",
                        tr(lang, "面单完成", "Labels done"),
                        b.done - b.failed,
                        b.total,
                        tr(lang, "失败", "failed"),
                        b.failed,
                        if cancelled {
                            tr(lang, "(已取消)", " (cancelled)")
                        } else {
                            ""
                        }
                    );
                    self.log(
                        if b.failed > 0 {
                            Level::Warn
                        } else {
                            Level::Info
                        },
                        text,
                    );
                    // Orders that never started because of the cancel go back to "none".
                    for id in self.book.targets() {
                        if let Some(r) = self.book.row_mut(id) {
                            if r.label_state == LabelState::Fetching {
                                r.label_state = LabelState::None;
                            }
                        }
                    }
                    if !self.failed_last_batch.is_empty() {
                        self.book
                            .select_only(self.failed_last_batch.iter().copied());
                    }
                }
            }
            Event::Shipped { order_id, result } => {
                let scan =
                    matches!(self.scan_flow, Some((id, ScanStage::Shipping)) if id == order_id);
                let (ok, text) = match &result {
                    Ok(done) if !done.order_complete => (
                        true,
                        format!(
                            "{} {} {}",
                            tr(lang, "已发出一个包裹", "one parcel shipped"),
                            done.items.iter().map(|i| i.count).sum::<u32>(),
                            tr(
                                lang,
                                "件;其余仍待发货",
                                "pieces; the rest stays to be shipped"
                            ),
                        ),
                    ),
                    Ok(done) => match done.outcome {
                        ShipOutcome::Shipped | ShipOutcome::ShippedConfirmedOnReread => {
                            (true, tr(lang, "已发货", "shipped").to_string())
                        }
                        ShipOutcome::AlreadyShipped => (
                            true,
                            tr(
                                lang,
                                "已经发过货,无需操作",
                                "already shipped, nothing to do",
                            )
                            .to_string(),
                        ),
                    },
                    Err(f) => (false, f.message.clone()),
                };
                if let Some(r) = self.book.row_mut(order_id) {
                    match &result {
                        Ok(done) if !done.order_complete => {
                            // The rest needs its own waybill: this one went with the parcel.
                            r.ship_state = ShipState::Partly;
                            r.order.status = crate::wechat::order::STATUS_PARTLY_SHIPPED;
                            r.waybill = None;
                            r.label = None;
                            r.label_state = LabelState::None;
                            r.last_error = None;
                        }
                        Ok(done) => {
                            r.ship_state = ShipState::Shipped;
                            r.order.status = crate::wechat::order::STATUS_SHIPPED;
                            r.last_error = matches!(done.outcome, ShipOutcome::AlreadyShipped)
                                .then(|| text.clone());
                        }
                        Err(_) => {
                            r.ship_state = ShipState::Error;
                            r.last_error = Some(text.clone());
                        }
                    }
                }
                self.log(
                    if ok { Level::Info } else { Level::Error },
                    format!("{order_id}: {text}"),
                );
                if let Err(f) = &result {
                    if f.needs_sn {
                        // A scanner can type the SN into the dialog that opens now.
                        self.ship_dialog = Some(ShipDialog::sn(order_id, f.items.clone()));
                    }
                }
                if scan {
                    self.scan_flow = None;
                    self.last_scan = Some(ScanResult {
                        ok,
                        text: format!("{order_id} {text}"),
                    });
                    beep(ok);
                }
            }
            Event::LabelCancelled { order_id, message } => {
                if let Some(r) = self.book.row_mut(order_id) {
                    r.waybill_cancelled();
                    r.last_error = Some(message);
                }
            }
            Event::WaybillCancelled { order_id, result } => match result {
                Ok(()) => {
                    if let Some(r) = self.book.row_mut(order_id) {
                        r.waybill_cancelled();
                        r.last_error = None;
                    }
                    self.log(
                        Level::Info,
                        format!(
                            "{order_id}: {}",
                            tr(
                                lang,
                                "运单已取消;需要时点“取新运单”",
                                "waybill cancelled; press \"New waybill\" when needed"
                            )
                        ),
                    );
                    self.backend.load_history(order_id);
                }
                Err(e) => {
                    if let Some(r) = self.book.row_mut(order_id) {
                        r.last_error = Some(e.clone());
                    }
                    self.log(Level::Error, format!("{order_id}: {e}"));
                }
            },
            Event::OrderReread(result) => match result {
                Ok(order) => {
                    let id = order.id;
                    self.book.merge(vec![*order]);
                    self.backend.load_history(id);
                }
                Err(e) => self.log(Level::Warn, e),
            },
            Event::BatchSkipped(skipped) => self.log_skipped(&skipped),
            Event::CourierMap(result) => {
                if let Err(e) = &result {
                    self.log(Level::Warn, e.clone());
                }
                self.courier_map.finish(result);
            }
            Event::Contact { order_id, result } => {
                self.contacts.entry(order_id).or_default().finish(result);
            }
            Event::CredentialsSaved(result) => match result {
                Ok(place) => self.log(
                    Level::Warn,
                    format!(
                        "{} {place}. {}",
                        tr(lang, "AppSecret 已保存到", "The AppSecret is stored in"),
                        tr(
                            lang,
                            "重启软件后连接真实店铺",
                            "Restart the app to connect to the shop"
                        )
                    ),
                ),
                Err(e) => self.log(Level::Error, e),
            },
            Event::Printed { order_id, result } => {
                if let Some(p) = &mut self.printing {
                    p.done += 1;
                    if result.is_err() {
                        p.failed += 1;
                    }
                }
                match &result {
                    Ok(()) => {
                        if let Some(r) = self.book.row_mut(order_id) {
                            r.label_state = LabelState::Printed;
                        }
                        self.log(
                            Level::Info,
                            format!("{order_id}: {}", tr(lang, "已打印", "printed")),
                        );
                    }
                    Err(e) => {
                        if let Some(r) = self.book.row_mut(order_id) {
                            r.last_error = Some(e.clone());
                        }
                        self.log(Level::Error, format!("{order_id}: {e}"));
                    }
                }
                if matches!(self.scan_flow, Some((id, ScanStage::Printing)) if id == order_id) {
                    self.after_scan_print(order_id, result);
                }
            }
            Event::PrintBatchEnded => {
                if let Some(p) = self.printing.take() {
                    let text = format!(
                        "{} {}/{}, {} {}",
                        tr(lang, "打印完成", "Printing done"),
                        p.done - p.failed,
                        p.total,
                        tr(lang, "失败", "failed"),
                        p.failed
                    );
                    self.log(
                        if p.failed > 0 {
                            Level::Warn
                        } else {
                            Level::Info
                        },
                        text,
                    );
                }
            }
            Event::Printers(list) => self.printers.finish(Ok(list)),
            Event::SettingsSaved(result) => match result {
                Ok(()) => self.log(Level::Info, tr(lang, "设置已保存", "Settings saved")),
                Err(e) => self.log(
                    Level::Error,
                    format!(
                        "{}: {e}",
                        tr(lang, "设置保存失败", "Could not save settings")
                    ),
                ),
            },
            Event::History { order_id, lines } => {
                if self.history.0 == Some(order_id) {
                    self.history.1 = lines;
                }
            }
            Event::UnfinishedBatches(list) => {
                if !list.is_empty() {
                    self.log(
                        Level::Warn,
                        format!(
                            "{} {}",
                            tr(
                                lang,
                                "有上次没做完的面单批次:",
                                "Label batches left unfinished last time:"
                            ),
                            list.len()
                        ),
                    );
                }
                self.unfinished_batches = list;
            }
        }
    }

    /// One frame: take reports, draw, then carry out what the user asked for.
    pub fn ui(&mut self, root: &mut egui::Ui) {
        self.ui_in_window(root, None);
    }

    /// One frame in a real window (`frame` hosts the label preview).
    pub fn ui_in_window(&mut self, root: &mut egui::Ui, frame: Option<&eframe::Frame>) {
        let ctx = &root.ctx().clone();
        self.frames += 1;
        if !self.fonts_installed {
            ui::fonts::install(ctx);
            ui::theme::apply(ctx);
            self.fonts_installed = true;
        }
        while let Ok(event) = self.events.try_recv() {
            let touched = match &event {
                Event::LabelDone { order_id, .. } | Event::Shipped { order_id, .. } => {
                    Some(*order_id)
                }
                _ => None,
            };
            self.apply(event);
            if touched.is_some() && touched == self.book.focused {
                self.history.0 = None;
            }
        }
        if self.book.focused != self.history.0 {
            self.history = (self.book.focused, Vec::new());
            if let Some(id) = self.book.focused {
                self.backend.load_history(id);
            }
        }
        if let Some(rx) = &self.toasts {
            let logs: Vec<(Level, String)> = rx.try_iter().collect();
            for (level, text) in logs {
                self.activity.push(level, text);
            }
        }
        let lang = self.lang;
        let mut out = Vec::new();
        ui::toolbar_ui::shortcuts(ctx, &mut out);

        egui::Panel::top("toolbar").show(root, |ui| {
            ui.add_space(4.0);
            ui::toolbar_ui::toolbar_ui(
                ui,
                &ui::toolbar_ui::ToolbarView {
                    lang,
                    selected: self.book.selected_count(),
                    refreshing: self.orders.is_pending(),
                    batch_running: self.batch.is_some(),
                    failed_last_batch: self.failed_last_batch.len(),
                    scanner_on: self.scanner_on,
                    demo: self.backend.is_demo(),
                },
                &mut out,
            );
            if let Some(problem) = &self.startup_problem {
                ui.colored_label(ui::theme::ERROR, egui::RichText::new(problem).strong());
            }
            if self.scanner_on {
                ui.separator();
                let busy = self.scan_flow.map(|(_, stage)| match stage {
                    ScanStage::Fetching => tr(lang, "正在获取面单…", "Fetching the label…"),
                    ScanStage::Printing => tr(lang, "正在打印…", "Printing…"),
                    ScanStage::Shipping => tr(lang, "正在发货…", "Shipping…"),
                });
                ui::scanner_ui::scanner_ui(
                    ui,
                    lang,
                    &mut self.scan_input,
                    busy,
                    self.last_scan.as_ref(),
                    &mut self.settings.print_then_ship,
                    &mut out,
                );
            }
            ui.add_space(2.0);
        });

        egui::Panel::bottom("activity")
            .resizable(true)
            .default_size(140.0)
            .show(root, |ui| {
                if let Some(b) = &self.batch {
                    let cancel = tr(lang, "取消", "Cancel");
                    if ui::log_ui::progress_ui(ui, lang, tr(lang, "面单", "Labels"), b, cancel) {
                        out.push(Command::CancelLabels);
                    }
                }
                if let Some(p) = &self.printing {
                    let stop = tr(lang, "停止打印", "Stop printing");
                    if ui::log_ui::progress_ui(ui, lang, tr(lang, "打印", "Printing"), p, stop) {
                        out.push(Command::CancelPrint);
                    }
                }
                if self.batch.is_none() {
                    for (id, done, total) in &self.unfinished_batches {
                        ui.horizontal(|ui| {
                            ui.colored_label(
                                ui::theme::WARN,
                                format!(
                                    "{} #{}: {done}/{total}",
                                    tr(lang, "未完成的面单批次", "Unfinished label batch"),
                                    id.0
                                ),
                            );
                            if ui.button(tr(lang, "继续", "Resume")).clicked() {
                                out.push(Command::ResumeBatch(*id));
                            }
                        });
                    }
                }
                ui::log_ui::log_ui(ui, lang, &mut self.activity);
            });

        let mut preview_rect = None;
        egui::Panel::right("detail")
            .resizable(true)
            .default_size(400.0)
            .min_size(320.0)
            .show(root, |ui| {
                let focused_label = self
                    .book
                    .focused
                    .and_then(|id| self.book.row(id))
                    .and_then(|r| r.label.clone());
                if let Some(label) = focused_label {
                    let size = self.label_size(label.print_type);
                    preview_rect = Some(ui::detail_ui::preview_ui(
                        ui,
                        lang,
                        &size.to_string(),
                        self.preview_zoom,
                        self.preview_problem.as_deref(),
                        &mut out,
                    ));
                    ui.separator();
                }
                egui::ScrollArea::vertical().show(ui, |ui| {
                    match self.book.focused.and_then(|id| self.book.row(id)) {
                        Some(row) => {
                            let contact = self.contacts.get(&row.order.id);
                            ui::detail_ui::detail_ui(
                                ui,
                                lang,
                                row,
                                contact,
                                &self.history.1,
                                &mut out,
                            );
                        }
                        None => {
                            ui.label(tr(
                                lang,
                                "点击订单查看详情",
                                "Click an order to see its details",
                            ));
                        }
                    }
                });
            });

        egui::CentralPanel::default().show(root, |ui| {
            let mut days = self.days;
            ui::orders_ui::filter_ui(ui, lang, &mut self.book, &mut days, &mut out);
            self.days = days;
            if let Request::Failed { message, .. } = &self.orders {
                ui.colored_label(ui::theme::ERROR, message);
            }
            if self.orders.is_pending() && self.book.is_empty() {
                ui.horizontal(|ui| {
                    ui.spinner();
                    ui.label(tr(lang, "正在加载订单…", "Loading orders…"));
                });
            }
            let select_all = ui
                .ctx()
                .input_mut(|i| i.consume_shortcut(&ui::toolbar_ui::keys::SELECT_ALL));
            if select_all && ui.ctx().memory(|m| m.focused().is_none()) {
                out.push(Command::SelectAll);
            }
            let scroll_to = if std::mem::take(&mut self.scroll_to_focus) {
                self.book.focused.and_then(|id| self.book.view_position(id))
            } else {
                None
            };
            ui::orders_ui::orders_table_ui(ui, lang, &self.book, scroll_to, &mut out);
        });

        if let Some(targets) = &self.ship_confirm {
            let n = targets.len();
            egui::Modal::new(egui::Id::unique("confirm_ship")).show(ctx, |ui| {
                ui.heading(tr(lang, "还没打印面单", "Labels not printed"));
                ui.label(format!(
                    "{} ({n})",
                    tr(
                        lang,
                        "有订单的面单还没打印。仍然发货吗?",
                        "Some of these orders were never printed. Ship anyway?"
                    )
                ));
                ui.horizontal(|ui| {
                    if ui.button(tr(lang, "仍然发货", "Ship anyway")).clicked() {
                        out.push(Command::ConfirmShip(true));
                    }
                    if ui.button(tr(lang, "先不发", "Not now")).clicked() {
                        out.push(Command::ConfirmShip(false));
                    }
                });
            });
        }

        if let Some(dialog) = &mut self.ship_dialog {
            ui::ship_dialog_ui::ship_dialog_ui(ctx, lang, dialog, &mut out);
        }
        if let Some(id) = self.cancel_confirm {
            let waybill = self
                .book
                .row(id)
                .and_then(|r| r.waybill.as_ref())
                .map(|w| format!("{} {}", w.delivery_id, w.waybill_id))
                .unwrap_or_default();
            egui::Modal::new(egui::Id::unique("confirm_cancel_waybill")).show(ctx, |ui| {
                ui.heading(tr(lang, "取消运单?", "Cancel the waybill?"));
                ui.label(format!(
                    "{id}: {waybill}\n{}",
                    tr(
                        lang,
                        "取消后这张面单作废,不能再打印或发货;需要时再取新运单",
                        "Once cancelled, this label is void and can never print or ship; get a new waybill when needed"
                    )
                ));
                ui.horizontal(|ui| {
                    if ui.button(tr(lang, "取消运单", "Cancel waybill")).clicked() {
                        out.push(Command::ConfirmCancelWaybill(true));
                    }
                    if ui.button(tr(lang, "不取消", "Keep it")).clicked() {
                        out.push(Command::ConfirmCancelWaybill(false));
                    }
                });
            });
        }

        if let Some(draft) = &mut self.settings_draft {
            let mut open = true;
            egui::Window::new(tr(lang, "设置", "Settings"))
                .open(&mut open)
                .collapsible(false)
                .show(ctx, |ui| {
                    ui::settings_ui::settings_ui(
                        ui,
                        lang,
                        draft,
                        self.couriers.value().map(Vec::as_slice),
                        &self.courier_map,
                        &mut out,
                    );
                });
            if !open {
                out.push(Command::CloseSettings);
            }
        }

        // The label webview sits above everything egui draws: hide it while a dialog is open.
        let preview_rect = preview_rect.filter(|_| !self.modal_open());
        self.update_preview(ctx, frame, preview_rect);
        ui::log_ui::toasts_ui(ctx, &mut self.activity, &mut out);
        for command in out {
            self.handle(command);
        }
    }
}

impl eframe::App for WaybillApp {
    fn ui(&mut self, ui: &mut egui::Ui, frame: &mut eframe::Frame) {
        self.ui_in_window(ui, Some(frame));
    }
}

/// The ship request for a row, or why it cannot ship from here (said in the user's language).
fn ship_request(
    row: &orders::OrderRow,
    items: Option<Vec<crate::wechat::order::ParcelItem>>,
    sn: Option<crate::wechat::delivery::SnInfo>,
    lang: Lang,
) -> Result<crate::station::ShipRequest, String> {
    use crate::wechat::order::NoCourier;
    let order_id = row.order.id;
    let waybill = match row.no_courier() {
        // Virtual goods ship whole with deliver_type 3 and no waybill (seed 003).
        Some(NoCourier::Virtual) => None,
        Some(reason) => return Err(reason.explain(lang).to_string()),
        None if row.label_state == LabelState::Cancelled => {
            return Err(tr(
                lang,
                "运单已取消,不能用它发货:请点“取新运单”",
                "The waybill was cancelled and cannot ship: press \"New waybill\"",
            )
            .to_string())
        }
        None => match &row.waybill {
            Some(w) => Some(w.clone()),
            None => {
                return Err(tr(
                    lang,
                    "没有运单号:请先获取面单",
                    "No waybill: get the label first",
                )
                .to_string())
            }
        },
    };
    Ok(crate::station::ShipRequest {
        order_id,
        waybill,
        items,
        sn,
    })
}

/// A short sound for a scan result, through the desktop's sound theme when it has one.
fn beep(ok: bool) {
    let id = if ok { "complete" } else { "dialog-error" };
    // Best effort: a station without a sound server still works, silently. It gets only the
    // environment it needs (no AppSecret).
    let mut command = std::process::Command::new("canberra-gtk-play");
    let _ = crate::print::process::scrub_env(&mut command)
        .args(["-i", id])
        .stdout(std::process::Stdio::null())
        .stderr(std::process::Stdio::null())
        .spawn();
}
