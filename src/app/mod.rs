//! The packing-station window: state, the frame loop, and what each command does. Drawing
//! lives in `crate::ui`; network work in [`backend`].

pub mod activity;
pub mod backend;
pub mod command;
pub mod crash_report;
pub mod helper;
pub mod launch;
pub mod live;
pub mod orders;
pub mod overlay;
pub mod request;
pub mod run;
pub mod scan_queue;
pub mod setup;
pub mod setup_printer;
pub mod ship_dialog;
pub mod ship_run;

use std::collections::HashMap;
use std::path::PathBuf;
use std::sync::{mpsc, Arc};

use activity::{Activity, Level};
use backend::{Backend, Event};
use command::Command;
use orders::{Filter, LabelState, OrderBook, ShipState};
use request::Request;
use run::{RunCommand, RunEvent, RunQueue, RunStep};
use scan_queue::{Found, ScanEvent, ScanQueue, ScanRules, ScanStep};
use ship_dialog::ShipDialog;

use crate::i18n::Msg;
use crate::print::preview_window::PreviewCommand;
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
    pub toasts: Option<mpsc::Receiver<(Level, crate::i18n::Msg)>>,
    /// Journal-backed use cases; `None` when the journal could not be opened.
    pub station: Option<crate::station::Station>,
    /// Something the user must know from the start (keychain or journal trouble).
    pub startup_problem: Option<String>,
    /// How print workers are started.
    pub print_worker: crate::print::WorkerConfig,
}

/// The label preview beside the table: a child webview of the window (X11) that the WebKit
/// helper process makes and draws (`preview-window --embed-in`), so this process never loads
/// WebKit. What was last sent is kept, so only changes go out.
struct Preview {
    helper: helper::HelperWindow,
    /// The order and label shown.
    showing: Option<(OrderId, String)>,
    /// Physical pixels of the window.
    bounds: Option<(i32, i32, u32, u32)>,
    visible: bool,
    zoom: f64,
    /// When the helper was asked for its first label (until it answered `loaded`).
    asked: Option<std::time::Instant>,
}

impl Preview {
    fn set_visible(&mut self, visible: bool) {
        if self.visible != visible {
            self.helper.send(PreviewCommand::Visible { visible });
            self.visible = visible;
        }
    }
}

/// The X11 window id of the window, where the helper can put the preview inside it.
fn x11_window_id(frame: &eframe::Frame) -> Option<u64> {
    use raw_window_handle::{HasWindowHandle as _, RawWindowHandle};
    match frame.window_handle().ok()?.as_raw() {
        RawWindowHandle::Xlib(h) => Some(h.window),
        RawWindowHandle::Xcb(h) => Some(u64::from(h.window.get())),
        _ => None,
    }
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
    /// Label runs: the running one and those waiting.
    labels: RunQueue,
    /// Print runs: the running one and those waiting (Ctrl+P during a run queues).
    prints: RunQueue,
    printers: Request<Vec<crate::print::PrinterInfo>>,
    preview: Option<Preview>,
    /// Where the window system cannot host a child webview (Wayland): the separate preview
    /// window process, and the label it shows.
    preview_window: Option<(helper::HelperWindow, Option<(OrderId, String)>)>,
    /// The print dialog, in its own process, for this order.
    print_dialog: Option<(OrderId, helper::HelperWindow)>,
    /// True when the preview is hidden this frame (tests read it; no label, or covered).
    preview_hidden: bool,
    /// Why the preview could not be shown (not retried every frame).
    preview_problem: Option<String>,
    preview_zoom: f64,
    failed_last_batch: Vec<OrderId>,
    /// The ship question and the shipments in flight.
    ships: ship_run::ShipRun,
    /// The split-shipping or SN question, when open.
    ship_dialog: Option<ShipDialog>,
    /// "Cancel this waybill?" for an order, when asked.
    cancel_confirm: Option<OrderId>,
    scanner_on: bool,
    scan_input: String,
    scans: ScanQueue,
    pub last_scan: Option<ScanResult>,
    pub activity: Activity,
    contacts: HashMap<OrderId, Request<Contact>>,
    settings_draft: Option<SettingsDraft>,
    /// The printer step opened from Settings ("校准…"), outside the setup guide.
    calibrate: Option<setup_printer::PrinterStep>,
    appid: String,
    backend: Backend,
    events: mpsc::Receiver<Event>,
    toasts: Option<mpsc::Receiver<(Level, crate::i18n::Msg)>>,
    frames: u64,
    fonts_installed: bool,
    /// Bring the focused row into view on the next frame.
    scroll_to_focus: bool,
    /// Journal lines of the focused order, and which order they belong to.
    history: (Option<OrderId>, Vec<String>),
    unfinished_batches: Vec<(crate::store::BatchId, u32, u32)>,
    startup_problem: Option<String>,
    /// The first-run setup guide (kept while hidden, so what was typed stays).
    setup: Option<setup::SetupGuide>,
    /// What the setup guide's background work needs: the runtime and a repaint.
    setup_env: (tokio::runtime::Handle, egui::Context),
    /// The last crash's report, offered once on start (issue 14).
    crash_offer: Option<crash_report::CrashOffer>,
    /// The other stations, live (a shared journal's feed), and the stations panel.
    live: live::Live,
}

impl WaybillApp {
    /// Builds the app; starts the first refresh in the background.
    pub fn new(ctx: &egui::Context, config: AppConfig) -> Self {
        let (tx, events) = mpsc::channel();
        let repaint_ctx = ctx.clone();
        let repaint: Arc<dyn Fn() + Send + Sync> = Arc::new(move || repaint_ctx.request_repaint());
        let lang = config.settings.lang;
        let live = live::Live::new(
            &crate::store::Actor::resolve(&config.settings.station, &config.settings.operator),
            config.runtime.clone(),
            config.station.as_ref().map(|s| s.journal().clone()),
            repaint.clone(),
        );
        let setup_env = (config.runtime.clone(), ctx.clone());
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
            labels: RunQueue::default(),
            prints: RunQueue::default(),
            printers: Request::default(),
            preview: None,
            preview_window: None,
            print_dialog: None,
            preview_problem: None,
            preview_hidden: true,
            preview_zoom: 0.0,
            failed_last_batch: Vec::new(),
            ships: ship_run::ShipRun::default(),
            ship_dialog: None,
            cancel_confirm: None,
            scanner_on: false,
            scan_input: String::new(),
            scans: ScanQueue::default(),
            last_scan: None,
            activity: Activity::default(),
            contacts: HashMap::new(),
            settings_draft: None,
            calibrate: None,
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
            setup: None,
            setup_env,
            crash_offer: None,
            live,
        };
        if let Some(problem) = &app.startup_problem {
            app.activity.push(Level::Error, problem.clone());
        }
        app.handle(Command::Refresh);
        app.backend.load_unfinished_batches();
        match app.live.start_feed() {
            Ok(actions) => app.carry_out_live(actions),
            Err(live::FeedError::SingleStation) => {}
            Err(e) => app.log(
                Level::Error,
                Msg::id("live-feed-failed").arg("reason", Msg::explained(|l| e.explain(l))),
            ),
        }
        app
    }

    /// Offers a crash report (of the last run) in a dialog until the user answers it.
    pub fn offer_crash_report(&mut self, offer: Option<crash_report::CrashOffer>) {
        self.crash_offer = offer;
    }

    /// Frames drawn so far (tests use it to see the UI keeps drawing).
    pub fn frames(&self) -> u64 {
        self.frames
    }

    /// True while a label run is running.
    pub fn labels_running(&self) -> bool {
        !self.labels.is_idle()
    }

    /// True while a print run is running.
    pub fn is_printing(&self) -> bool {
        !self.prints.is_idle()
    }

    /// Scans not finished yet (the one at work and those waiting).
    pub fn scans_queued(&self) -> usize {
        self.scans.len()
    }

    /// True while the order list is being fetched.
    pub fn is_refreshing(&self) -> bool {
        self.orders.is_pending()
    }

    /// The courier lists and their mapping, once loaded (Settings).
    pub fn courier_table(&self) -> Option<&backend::CourierTable> {
        self.courier_map.value()
    }

    /// The printers the open Settings window offers (tests read it).
    pub fn settings_printers(&self) -> Option<&[String]> {
        self.settings_draft.as_ref().map(|d| d.printers.as_slice())
    }

    /// The printer step open from Settings, if any (tests read it).
    pub fn calibration_step(&self) -> Option<&setup_printer::PrinterStep> {
        self.calibrate.as_ref()
    }

    /// The printer step being worked on: the setup guide's, else the one opened from Settings.
    fn printer_step_mut(&mut self) -> Option<&mut setup_printer::PrinterStep> {
        match self.setup.as_mut().filter(|g| g.open) {
            Some(guide) => Some(&mut guide.wizard.printer),
            None => self.calibrate.as_mut(),
        }
    }

    /// Runs what the printer step asks for: a test print through the print worker, or saving
    /// printer, size and calibration in the settings (and in an open Settings window).
    pub fn printer_step_command(&mut self, command: setup_printer::PrinterStepCommand) {
        let Some(step) = self.printer_step_mut() else {
            return;
        };
        let effect = step.on_command(command);
        let step = step.clone();
        match effect {
            Some(setup_printer::PrinterStepEffect::PrintTest { job, calibration }) => {
                self.backend.print_test_label(job, calibration);
            }
            Some(setup_printer::PrinterStepEffect::Save) => {
                let mut settings = self.settings.clone();
                step.apply_to(&mut settings);
                if let Some(draft) = &mut self.settings_draft {
                    step.apply_to(&mut draft.settings);
                }
                self.settings = settings;
                self.backend
                    .save_settings(self.settings.clone(), self.data_dir.clone());
            }
            None => {}
        }
    }

    /// The settings in use.
    pub fn settings(&self) -> &Settings {
        &self.settings
    }

    /// The open split-shipping / SN dialog (tests read it).
    pub fn ship_dialog(&self) -> Option<&ShipDialog> {
        self.ship_dialog.as_ref()
    }

    /// True when the label preview is hidden (nothing to show, or egui draws over it).
    pub fn preview_hidden(&self) -> bool {
        self.preview_hidden
    }

    /// True while a modal question is open (the label preview hides so it covers none).
    fn modal_open(&self) -> bool {
        self.ships.asking().is_some()
            || self.ship_dialog.is_some()
            || self.cancel_confirm.is_some()
            || self.settings_draft.is_some()
            || self.calibrate.is_some()
            || self.setup_open()
    }

    /// True while the "ship without printing?" question is open.
    pub fn awaiting_ship_confirmation(&self) -> bool {
        self.ships.asking().is_some()
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

    fn log(&mut self, level: Level, msg: impl Into<Msg>) {
        let msg = msg.into();
        // Customer data can be in these lines: DEBUG only (the activity panel shows them).
        tracing::debug!(target: "activity", ?level, "{}", msg.render(self.lang));
        self.activity.push(level, msg);
    }

    /// A scan whose run was waiting on an order a cancel dropped ends here (`ended`: which run
    /// ended); it would wait forever.
    fn end_scan_of_dropped(&mut self, dropped: &[OrderId], ended: ScanEvent) {
        if self
            .scans
            .current()
            .is_some_and(|(id, _)| dropped.contains(&id))
        {
            let step = self.scans.on_event(ended, self.scan_rules());
            self.scan_step(step);
        }
    }

    /// Carries out one command.
    pub fn handle(&mut self, command: Command) {
        // While the shared journal is lost no new work starts (live.rs says why).
        let Some(command) = self.live_gate(command) else {
            return;
        };
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
                if let RunStep::Cancel { dropped } = self.labels.on_command(RunCommand::Cancel) {
                    self.reset_fetching(&dropped);
                    self.backend.cancel_labels();
                    self.end_scan_of_dropped(&dropped, ScanEvent::LabelRunEnded);
                }
            }
            Command::Print => {
                let targets = self.book.targets();
                self.print(targets);
            }
            Command::CancelPrint => {
                if let RunStep::Cancel { dropped } = self.prints.on_command(RunCommand::Cancel) {
                    self.backend.cancel_print();
                    self.end_scan_of_dropped(&dropped, ScanEvent::PrintRunEnded);
                }
            }
            Command::ReprintShipped(id) => {
                if self.scans.current().is_none() {
                    let printed = self.book.row(id).map_or(0, |r| r.prints.max(1));
                    let step = self.scans.start_confirmed_reprint(id, printed);
                    self.scan_step(step);
                }
            }
            Command::SetPrintThenShip(on) => {
                self.settings.print_then_ship = on;
                self.backend
                    .save_settings(self.settings.clone(), self.data_dir.clone());
            }
            Command::PreviewZoom(factor) => self.preview_zoom = factor,
            Command::PreviewScroll { dx, dy } => {
                if let Some(p) = &self.preview {
                    // The label is scaled inside the page: its pixels are the view's.
                    if dx.is_finite() && dy.is_finite() {
                        p.helper.send(PreviewCommand::Scroll { dx, dy });
                    }
                }
            }
            Command::PrintWithDialog => self.open_print_dialog(),
            Command::Ship => {
                if !self.backend.has_journal() {
                    self.log(Level::Error, Msg::id("no-journal-refused"));
                    return;
                }
                // What cannot ship says so first (no waybill, cancelled, no courier); only
                // orders that could ship are asked about.
                let mut targets = Vec::new();
                for id in self.drop_held(self.book.targets()) {
                    let Some(row) = self.book.row_mut(id) else {
                        continue;
                    };
                    if row.ship_state == ShipState::Shipped {
                        targets.push(id);
                        continue;
                    }
                    match ship_request(row, None, None) {
                        Ok(_) => targets.push(id),
                        Err(text) => {
                            row.ship_state = ShipState::Error;
                            row.last_error = Some(text.clone());
                            self.log(
                                Level::Error,
                                Msg::id("order-problem")
                                    .arg("order", id)
                                    .arg("problem", text),
                            );
                        }
                    }
                }
                let unprinted = targets
                    .iter()
                    .filter(|id| {
                        self.book.row(**id).is_some_and(|r| {
                            r.label_state != LabelState::Printed
                                && r.ship_state != ShipState::Shipped
                        })
                    })
                    .count();
                let step = self.ships.on_command(ship_run::ShipCommand::Ship {
                    ready: targets,
                    unprinted,
                });
                if let ship_run::ShipStep::Send(ids) = step {
                    self.ship(ids);
                }
            }
            Command::ConfirmShip(yes) => {
                if let ship_run::ShipStep::Send(ids) =
                    self.ships.on_command(ship_run::ShipCommand::Confirm(yes))
                {
                    self.ship(ids);
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
                            Msg::id("waybill-cancelling")
                                .arg("order", id)
                                .arg("waybill", waybill.waybill_id.0.clone()),
                        );
                        self.backend.cancel_waybill(id, waybill);
                    }
                }
            }
            Command::NewWaybill(id) => self.get_labels(vec![id]),
            Command::Scan(code) => {
                // Every scan is logged, garbage included, and queued behind the work at hand.
                self.log(
                    Level::Info,
                    Msg::id("scan-received").arg("code", code.trim().to_string()),
                );
                self.scans.push(&code);
                self.pump_scans();
            }
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
            Command::OpenSetup => self.open_setup(),
            Command::OpenCalibration => {
                // From Settings: the printer chosen there (maybe not saved yet).
                let mut settings = self.settings.clone();
                if let Some(draft) = &self.settings_draft {
                    settings.printer = draft.settings.printer.clone();
                    settings.label_size = draft.settings.label_size.clone();
                }
                self.calibrate = Some(setup_printer::PrinterStep::new(&settings));
                if self.printers.value().is_none() {
                    self.printers.start();
                    self.backend.load_printers();
                }
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
                if settings.station != self.settings.station
                    || settings.operator != self.settings.operator
                {
                    let actor = crate::store::Actor::resolve(&settings.station, &settings.operator);
                    self.live.state.set_me(&actor.station, &actor.operator);
                    self.backend.set_actor(actor);
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
                if self.labels.is_idle() {
                    let left = self
                        .unfinished_batches
                        .iter()
                        .find(|b| b.0 == id)
                        .map_or(0, |&(_, done, total)| total.saturating_sub(done) as usize);
                    self.labels.resume(left);
                    self.unfinished_batches.retain(|b| b.0 != id);
                    self.failed_last_batch.clear();
                    self.log(
                        Level::Info,
                        Msg::id("batch-resuming").arg("batch", id.0.to_string()),
                    );
                    self.backend.resume_batch(id);
                }
            }
            Command::ToggleStations | Command::RefreshStations => self.stations_command(&command),
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
        let ids = self.drop_held(ids);
        if ids.is_empty() {
            return;
        }
        if !self.backend.has_journal() {
            self.log(Level::Error, Msg::id("no-journal-refused"));
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
        if self.batch_plan().is_none() {
            self.log(Level::Error, Msg::id("labels-need-settings"));
            return;
        }
        for id in &ids {
            if let Some(r) = self.book.row_mut(*id) {
                r.label_state = LabelState::Fetching;
                r.last_error = None;
            }
        }
        match self.labels.on_command(RunCommand::Start(ids)) {
            RunStep::Start(ids) => self.start_label_run(ids),
            RunStep::Queued { place } => {
                self.log(Level::Info, Msg::id("labels-queued").arg("place", place));
            }
            _ => {}
        }
    }

    /// Starts the backend on a label run the queue just started.
    fn start_label_run(&mut self, ids: Vec<OrderId>) {
        let orders: Vec<crate::wechat::order::Order> = ids
            .iter()
            .filter_map(|id| self.book.row(*id))
            .map(|r| r.order.clone())
            .collect();
        let Some(plan) = self.batch_plan() else {
            self.log(Level::Error, Msg::id("labels-need-settings"));
            self.label_run_ended(false);
            return;
        };
        self.failed_last_batch.clear();
        self.log(
            Level::Info,
            Msg::id("labels-started").arg("count", orders.len()),
        );
        self.backend.fetch_labels(orders, plan);
    }

    /// Rows a run will never reach go back from "fetching" to "none".
    fn reset_fetching(&mut self, ids: &[OrderId]) {
        for id in ids {
            if let Some(r) = self.book.row_mut(*id) {
                if r.label_state == LabelState::Fetching {
                    r.label_state = LabelState::None;
                }
            }
        }
    }

    /// The running label run ended: report it, reset exactly its untouched rows, start the
    /// next waiting run, and tell a scan that waited for it.
    fn label_run_ended(&mut self, cancelled: bool) {
        let RunStep::Ended { run, next } = self.labels.on_event(RunEvent::Ended) else {
            return;
        };
        let failed = run.failed_count();
        self.log(
            if failed > 0 { Level::Warn } else { Level::Info },
            Msg::id(if cancelled || run.cancelling {
                "labels-done-cancelled"
            } else {
                "labels-done"
            })
            .arg("ok", run.done() - failed)
            .arg("total", run.total())
            .arg("failed", failed),
        );
        self.reset_fetching(&run.untouched());
        self.failed_last_batch = run.failed.clone();
        if !run.failed.is_empty() {
            self.book.select_only(run.failed.iter().copied());
        }
        // A scan waiting on this run whose order it never reached (cancelled) ends here; one
        // whose order it did reach already moved on with that result.
        if self
            .scans
            .current()
            .is_some_and(|(id, _)| run.untouched().contains(&id))
        {
            let step = self
                .scans
                .on_event(ScanEvent::LabelRunEnded, self.scan_rules());
            self.scan_step(step);
        }
        if let Some(ids) = next {
            self.start_label_run(ids);
        }
    }

    fn ship(&mut self, targets: Vec<OrderId>) {
        let targets = self.drop_held(targets);
        let mut work = Vec::new();
        for id in targets {
            let Some(row) = self.book.row_mut(id) else {
                continue;
            };
            if row.ship_state == ShipState::Shipped {
                row.last_error = None;
                self.log(Level::Info, Msg::id("ship-already").arg("order", id));
                continue;
            }
            match ship_request(row, None, None) {
                Ok(request) => {
                    row.ship_state = ShipState::Shipping;
                    work.push(request);
                }
                Err(text) => {
                    row.ship_state = ShipState::Error;
                    row.last_error = Some(text.clone());
                    self.log(
                        Level::Error,
                        Msg::id("order-problem")
                            .arg("order", id)
                            .arg("problem", text),
                    );
                }
            }
        }
        if !work.is_empty() {
            let ids: Vec<OrderId> = work.iter().map(|r| r.order_id).collect();
            self.ships.sent(&ids);
            self.backend.ship(work);
        }
    }

    /// Opens "which items go in this box?" for the focused order.
    fn open_split_ship(&mut self) {
        let Some(row) = self.book.focused.and_then(|id| self.book.row(id)) else {
            return;
        };
        if row.ship_state == ShipState::Shipped {
            return;
        }
        match ShipDialog::split(&row.order) {
            Some(dialog) => self.ship_dialog = Some(dialog),
            None => {
                let id = row.order.id;
                self.log(Level::Warn, Msg::id("ship-nothing-left").arg("order", id));
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
        match ship_request(row, items, sn) {
            Ok(request) => {
                row.ship_state = ShipState::Shipping;
                self.ships.sent(&[order_id]);
                self.backend.ship(vec![request]);
            }
            Err(text) => {
                row.ship_state = ShipState::Error;
                row.last_error = Some(text.clone());
                self.log(
                    Level::Error,
                    Msg::id("order-problem")
                        .arg("order", order_id)
                        .arg("problem", text),
                );
            }
        }
    }

    /// "Skipped 3 orders that take no courier: self-pickup 2, same-city 1".
    fn log_skipped(&mut self, skipped: &[(crate::wechat::order::NoCourier, u32)]) {
        let total: u32 = skipped.iter().map(|(_, n)| n).sum();
        let parts = skipped.to_vec();
        let reasons = Msg::explained(move |lang| {
            parts
                .iter()
                .map(|(reason, n)| {
                    format!("{} {n}", ui::orders_ui::no_courier_short(*reason, lang))
                })
                .collect::<Vec<_>>()
                .join(", ")
        });
        self.log(
            Level::Warn,
            Msg::id("labels-skipped")
                .arg("count", total)
                .arg("reasons", reasons),
        );
    }

    fn scan_rules(&self) -> ScanRules {
        ScanRules {
            has_printer: !self.settings.printer.is_empty(),
            print_then_ship: self.settings.print_then_ship,
        }
    }

    /// Starts the next queued scan when none is at work.
    fn pump_scans(&mut self) {
        while let Some(code) = self.scans.next_code() {
            let found = match self.book.find_scanned(&code) {
                None => Found::NotFound,
                Some(id) => {
                    self.book.select_only([id]);
                    self.book.focused = Some(id);
                    self.scroll_to_focus = true;
                    match self.book.row(id) {
                        None => Found::NotFound,
                        Some(row) if row.ship_state == ShipState::Shipped => Found::Shipped(id),
                        Some(row)
                            if matches!(
                                row.label_state,
                                LabelState::Fetched | LabelState::Printed
                            ) && row.label.is_some() =>
                        {
                            Found::HasLabel {
                                order_id: id,
                                printed: if row.label_state == LabelState::Printed {
                                    row.prints.max(1)
                                } else {
                                    0
                                },
                            }
                        }
                        Some(_) => Found::NeedsLabel(id),
                    }
                }
            };
            let step = self.scans.start(&code, found, self.scan_rules());
            self.scan_step(step);
        }
    }

    /// Carries out what the scan queue asks for next.
    fn scan_step(&mut self, step: ScanStep) {
        match step {
            ScanStep::Nothing => {}
            ScanStep::FetchLabel(id) => {
                self.get_labels(vec![id]);
                let started = self.labels.owns(id);
                self.end_scan_if_refused(id, started, |order_id, e| ScanEvent::LabelDone {
                    order_id,
                    result: Err(e),
                });
            }
            ScanStep::Print(id) => {
                self.print(vec![id]);
                let started = self.prints.owns(id);
                self.end_scan_if_refused(id, started, |order_id, e| ScanEvent::Printed {
                    order_id,
                    result: Err(e),
                });
            }
            ScanStep::Ship(id) => {
                self.ship(vec![id]);
                let started = self.ships.in_flight(id);
                self.end_scan_if_refused(id, started, |order_id, e| ScanEvent::Shipped {
                    order_id,
                    result: Err(e),
                });
            }
            ScanStep::Finished(outcome) => {
                let tone = outcome.tone();
                let level = match tone {
                    scan_queue::Tone::Ok => Level::Info,
                    scan_queue::Tone::Warn => Level::Warn,
                    scan_queue::Tone::Error => Level::Error,
                };
                self.log(level, ui::scanner_ui::scan_message(&outcome));
                beep(tone == scan_queue::Tone::Ok);
                self.last_scan = Some(ScanResult { outcome });
                self.pump_scans();
            }
        }
    }

    /// Why the last step for this order did not start (its row's error, or the log's last).
    /// A scan step the window refused up front (no journal, settings, ...): the scan
    /// ends with the reason, built into the step's own event by `refused`.
    fn end_scan_if_refused(
        &mut self,
        id: OrderId,
        started: bool,
        refused: fn(OrderId, Msg) -> ScanEvent,
    ) {
        if started {
            return;
        }
        let event = refused(id, self.refusal_text(id));
        let step = self.scans.on_event(event, self.scan_rules());
        self.scan_step(step);
    }

    fn refusal_text(&self, id: OrderId) -> Msg {
        self.book
            .row(id)
            .and_then(|r| r.last_error.clone())
            .or_else(|| self.activity.entries().last().map(|e| e.msg.clone()))
            .unwrap_or_else(|| Msg::Text(String::new()))
    }

    /// The paper size for a label: the one set in Settings, or the label's own format.
    fn label_size(&self, print_type: crate::wechat::PrintType) -> crate::print::LabelSize {
        self.settings
            .label_size
            .parse()
            .unwrap_or_else(|_| crate::print::LabelSize::for_print_type(print_type))
    }

    /// Prints the labels of these orders, in this order, to the chosen printer; behind a
    /// running print run they wait their turn.
    fn print(&mut self, ids: Vec<OrderId>) {
        let ids = self.drop_held(ids);
        if ids.is_empty() {
            return;
        }
        if self.settings.printer.is_empty() {
            self.log(Level::Error, Msg::id("print-no-printer"));
            return;
        }
        let mut ready = Vec::new();
        for id in ids {
            match self.book.row(id) {
                Some(row) if row.label.is_some() => ready.push(id),
                Some(_) => {
                    self.log(Level::Error, Msg::id("print-no-label").arg("order", id));
                }
                None => {}
            }
        }
        match self.prints.on_command(RunCommand::Start(ready)) {
            RunStep::Start(ids) => self.start_print_run(ids),
            RunStep::Queued { place } => {
                self.log(Level::Info, Msg::id("print-queued").arg("place", place));
            }
            _ => {}
        }
    }

    /// Starts the backend on a print run the queue just started; the jobs are built now, from
    /// the labels as they are at this moment.
    fn start_print_run(&mut self, ids: Vec<OrderId>) {
        let mut jobs = Vec::new();
        for id in &ids {
            let Some(label) = self.book.row(*id).and_then(|r| r.label.clone()) else {
                continue;
            };
            jobs.push((
                *id,
                label.waybill_id.clone(),
                crate::print::PrintJob {
                    label_id: id.to_string(),
                    html: label.html.clone(),
                    size: self.label_size(label.print_type),
                    target: crate::print::PrintTarget::Printer(self.settings.printer.clone()),
                    copies: self.settings.copies.clamp(1, crate::print::job::MAX_COPIES),
                },
            ));
        }
        if jobs.is_empty() {
            self.print_run_ended();
            return;
        }
        self.log(
            Level::Info,
            Msg::id("print-started")
                .arg("count", jobs.len())
                .arg("printer", self.settings.printer.clone()),
        );
        self.backend.print(jobs, self.settings.calibrations.clone());
    }

    fn print_run_ended(&mut self) {
        let RunStep::Ended { run, next } = self.prints.on_event(RunEvent::Ended) else {
            return;
        };
        let failed = run.failed_count();
        self.log(
            if failed > 0 { Level::Warn } else { Level::Info },
            Msg::id("print-done")
                .arg("ok", run.done() - failed)
                .arg("total", run.total())
                .arg("failed", failed),
        );
        if self
            .scans
            .current()
            .is_some_and(|(id, _)| run.untouched().contains(&id))
        {
            let step = self
                .scans
                .on_event(ScanEvent::PrintRunEnded, self.scan_rules());
            self.scan_step(step);
        }
        if let Some(ids) = next {
            self.start_print_run(ids);
        }
    }

    /// Keeps the child webview on the preview area and showing the focused order's label.
    /// X11: the WebKit helper hosts it inside the window; elsewhere (Wayland) the helper shows
    /// it in a window of its own.
    fn update_preview(
        &mut self,
        ctx: &egui::Context,
        frame: Option<&eframe::Frame>,
        rect: Option<egui::Rect>,
    ) {
        let label = self
            .book
            .focused
            .and_then(|id| Some((id, self.book.row(id)?.label.clone()?)));
        let covered = rect.is_some_and(|r| overlay::overlay_covers(ctx, r));
        let show = overlay::decide(
            label.is_some() && rect.is_some(),
            self.modal_open(),
            covered,
        );
        let (Some(rect), Some((id, label)), overlay::PreviewShow::Show) = (rect, label, show)
        else {
            if let Some(p) = &mut self.preview {
                p.set_visible(false);
                if show == overlay::PreviewShow::Clear {
                    // The next label is loaded fresh: an old one never stands in for it.
                    p.showing = None;
                }
            }
            self.preview_hidden = true;
            return;
        };
        self.preview_hidden = false;
        let size = self.label_size(label.print_type);
        let ppp = f64::from(ctx.pixels_per_point());
        let bounds = (
            (f64::from(rect.min.x) * ppp) as i32,
            (f64::from(rect.min.y) * ppp) as i32,
            (f64::from(rect.width()) * ppp).max(1.0) as u32,
            (f64::from(rect.height()) * ppp).max(1.0) as u32,
        );
        if self.preview.as_ref().is_some_and(|p| !p.helper.is_alive()) {
            // The helper went away (it crashed, or was ended): say so rather than start it
            // again every frame.
            self.preview = None;
            self.preview_problem = Some(
                crate::print::PrintError::Renderer {
                    message: "the preview process stopped".into(),
                }
                .explain(self.lang),
            );
        }
        if self.preview.is_none() && self.preview_problem.is_none() {
            let Some(frame) = frame else { return };
            let Some(xid) = x11_window_id(frame) else {
                self.show_in_preview_window((id, label.waybill_id.0.clone()), &label.html, size);
                return;
            };
            // Started on first use: the window opens without WebKit, in this process or any.
            let program = self.backend.helper_program();
            match helper::HelperWindow::spawn_with(
                program,
                Some(xid),
                self.backend.helper_reporter(false),
            ) {
                Ok(helper) => {
                    self.preview = Some(Preview {
                        helper,
                        showing: None,
                        bounds: None,
                        visible: false,
                        zoom: 1.0,
                        asked: Some(std::time::Instant::now()),
                    })
                }
                Err(e) => {
                    self.preview_problem = Some(e.explain(self.lang));
                    return;
                }
            }
        }
        let Some(p) = &mut self.preview else { return };
        // Where first, so a view made for the label is made in its place.
        if p.bounds != Some(bounds) {
            p.helper.send(PreviewCommand::Bounds {
                x: bounds.0,
                y: bounds.1,
                width: bounds.2,
                height: bounds.3,
            });
            p.bounds = Some(bounds);
        }
        // Compared without copying: this runs every frame; the label is sent only when it changed.
        let shown = p.showing.as_ref().map(|(i, w)| (*i, w.as_str()));
        if shown != Some((id, label.waybill_id.0.as_str())) {
            p.helper.send(PreviewCommand::Show {
                html: label.html.clone(),
                size,
            });
            p.showing = Some((id, label.waybill_id.0.clone()));
        }
        let zoom = if self.preview_zoom > 0.0 {
            self.preview_zoom
        } else {
            crate::print::preview::LabelPreview::fit_zoom(size, bounds.2, bounds.3, ppp)
        };
        if (p.zoom - zoom).abs() > 1e-3 {
            p.helper.send(PreviewCommand::Zoom { factor: zoom });
            p.zoom = zoom;
        }
        p.set_visible(true);
    }

    /// Opens the print dialog for the focused order's label in its own process (the preview
    /// window's): GTK's dialog never runs in this one, so the window keeps drawing and no
    /// click waits in a nested loop. The answer comes back as an event.
    fn open_print_dialog(&mut self) {
        let Some((id, label)) = self
            .book
            .focused
            .and_then(|id| Some((id, self.book.row(id)?.label.clone()?)))
        else {
            return;
        };
        if self
            .print_dialog
            .as_ref()
            .is_some_and(|(_, h)| h.is_alive())
        {
            self.log(Level::Warn, Msg::id("print-dialog-open"));
            return;
        }
        let program = self.backend.helper_program();
        match helper::HelperWindow::spawn(program, self.backend.helper_reporter(true)) {
            Ok(helper) => {
                helper.send(PreviewCommand::Show {
                    html: label.html.clone(),
                    size: self.label_size(label.print_type),
                });
                let preset = (!self.settings.printer.is_empty())
                    .then(|| crate::print::PrintTarget::Printer(self.settings.printer.clone()));
                helper.send(PreviewCommand::Print {
                    label_id: id.to_string(),
                    preset,
                });
                self.print_dialog = Some((id, helper));
            }
            Err(e) => {
                let text = Msg::explained(|l| e.explain(l));
                self.log(
                    Level::Error,
                    Msg::id("order-problem")
                        .arg("order", id)
                        .arg("problem", text),
                );
            }
        }
    }

    /// Shows a label in the separate preview window, starting it when needed (a window that
    /// was closed is started again).
    fn show_in_preview_window(
        &mut self,
        label: (OrderId, String),
        html: &str,
        size: crate::print::LabelSize,
    ) {
        if self
            .preview_window
            .as_mut()
            .is_some_and(|(w, _)| !w.is_alive())
        {
            self.preview_window = None;
        }
        if self.preview_window.is_none() {
            let program = self.backend.helper_program();
            match helper::HelperWindow::spawn(program, self.backend.helper_reporter(false)) {
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
                window.send(PreviewCommand::Show {
                    html: html.to_string(),
                    size,
                });
                *showing = key;
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
                    self.log(Level::Info, Msg::id("orders-refreshed").arg("count", n));
                }
                Err(e) => {
                    self.log(
                        Level::Error,
                        Msg::id("orders-refresh-failed").arg("problem", e.clone()),
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
                    Msg::id("waybill-created")
                        .arg("order", order_id)
                        .arg("courier", waybill.delivery_id.0.clone())
                        .arg("waybill", waybill.waybill_id.0.clone()),
                );
            }
            Event::LabelDone { order_id, result } => {
                self.labels.on_event(RunEvent::Item {
                    order_id,
                    ok: result.is_ok(),
                });
                let scan_result = result.as_ref().map(|_| ()).map_err(Clone::clone);
                match result {
                    Ok(label) => {
                        if let Some(r) = self.book.row_mut(order_id) {
                            r.label_state = LabelState::Fetched;
                            r.label = Some(Arc::new(label));
                        }
                        self.log(Level::Info, Msg::id("label-fetched").arg("order", order_id));
                    }
                    Err(e) => {
                        if let Some(r) = self.book.row_mut(order_id) {
                            r.label_state = LabelState::None;
                            r.last_error = Some(e.clone());
                        }
                        self.log(
                            Level::Error,
                            Msg::id("order-problem")
                                .arg("order", order_id)
                                .arg("problem", e),
                        );
                    }
                }
                let step = self.scans.on_event(
                    ScanEvent::LabelDone {
                        order_id,
                        result: scan_result,
                    },
                    self.scan_rules(),
                );
                self.scan_step(step);
            }
            Event::LabelBatchEnded { cancelled } => self.label_run_ended(cancelled),
            Event::Shipped { order_id, result } => {
                self.ships.on_event(order_id);
                let scan_result = match &result {
                    Ok(done) => Ok(done.order_complete),
                    Err(f) => Err(f.message.clone()),
                };
                let (ok, msg) = match &result {
                    Ok(done) if !done.order_complete => (
                        true,
                        Msg::id("ship-parcel")
                            .arg("order", order_id)
                            .arg("pieces", done.items.iter().map(|i| i.count).sum::<u32>()),
                    ),
                    Ok(done) => match done.outcome {
                        ShipOutcome::Shipped => (true, Msg::id("shipped").arg("order", order_id)),
                        ShipOutcome::ShippedConfirmedOnReread => {
                            (true, Msg::id("shipped-on-reread").arg("order", order_id))
                        }
                        ShipOutcome::AlreadyShipped => {
                            (true, Msg::id("ship-already").arg("order", order_id))
                        }
                    },
                    Err(f) => (
                        false,
                        Msg::id("order-problem")
                            .arg("order", order_id)
                            .arg("problem", f.message.clone()),
                    ),
                };
                let text = match &result {
                    Err(f) => f.message.clone(),
                    Ok(_) => msg.clone(),
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
                self.log(if ok { Level::Info } else { Level::Error }, msg);
                if let Err(f) = &result {
                    if f.needs_sn {
                        // A scanner can type the SN into the dialog that opens now.
                        self.ship_dialog = Some(ShipDialog::sn(order_id, f.items.clone()));
                    }
                }
                let step = self.scans.on_event(
                    ScanEvent::Shipped {
                        order_id,
                        result: scan_result,
                    },
                    self.scan_rules(),
                );
                self.scan_step(step);
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
                        Msg::id("waybill-cancelled").arg("order", order_id),
                    );
                    self.backend.load_history(order_id);
                }
                Err(e) => {
                    if let Some(r) = self.book.row_mut(order_id) {
                        r.last_error = Some(e.clone());
                    }
                    self.log(
                        Level::Error,
                        Msg::id("order-problem")
                            .arg("order", order_id)
                            .arg("problem", e),
                    );
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
                Ok(place) => self.log(Level::Warn, Msg::id("secret-saved").arg("place", place)),
                Err(e) => self.log(Level::Error, e),
            },
            Event::Printed { order_id, result } => {
                self.prints.on_event(RunEvent::Item {
                    order_id,
                    ok: result.is_ok(),
                });
                match &result {
                    Ok(()) => {
                        let mut times = 1;
                        if let Some(r) = self.book.row_mut(order_id) {
                            r.label_state = LabelState::Printed;
                            r.prints += 1;
                            times = r.prints;
                        }
                        // A reprint is told apart (amber in the log, counted).
                        if times > 1 {
                            self.log(
                                Level::Warn,
                                Msg::id("reprinted")
                                    .arg("order", order_id)
                                    .arg("times", times),
                            );
                        } else {
                            self.log(Level::Info, Msg::id("printed").arg("order", order_id));
                        }
                    }
                    Err(e) => {
                        if let Some(r) = self.book.row_mut(order_id) {
                            r.last_error = Some(e.clone());
                        }
                        self.log(
                            Level::Error,
                            Msg::id("order-problem")
                                .arg("order", order_id)
                                .arg("problem", e.clone()),
                        );
                    }
                }
                let step = self
                    .scans
                    .on_event(ScanEvent::Printed { order_id, result }, self.scan_rules());
                self.scan_step(step);
            }
            Event::PrintBatchEnded => self.print_run_ended(),
            Event::TestLabelPrinted(result) => {
                if let Some(step) = self.printer_step_mut() {
                    step.on_test_printed(result);
                }
            }
            Event::Printers(list) => {
                // Settings opened before the list came: fill it in now, not on reopening.
                if let Some(draft) = &mut self.settings_draft {
                    draft.printers = list.iter().map(|p| p.name.clone()).collect();
                }
                self.printers.finish(Ok(list));
            }
            Event::SettingsSaved(result) => match result {
                Ok(()) => self.log(Level::Info, Msg::id("settings-saved")),
                Err(e) => self.log(
                    Level::Error,
                    Msg::id("settings-save-failed").arg("problem", e),
                ),
            },
            Event::History { order_id, lines } => {
                if self.history.0 == Some(order_id) {
                    self.history.1 = lines;
                }
            }
            Event::Helper { dialog, event } => {
                use crate::print::preview_window::PreviewEvent;
                let order = self.print_dialog.as_ref().map(|(id, _)| *id);
                match (dialog, event) {
                    (true, Some(PreviewEvent::PrintDialogClosed { printed })) => {
                        if let (true, Some(id)) = (printed, order) {
                            self.log(
                                Level::Info,
                                Msg::id("print-dialog-printed").arg("order", id),
                            );
                        }
                        // Closing the helper ends its window.
                        self.print_dialog = None;
                    }
                    (true, None) => self.print_dialog = None,
                    (_, Some(PreviewEvent::Error { message })) => {
                        self.log(Level::Error, Msg::Text(message));
                    }
                    (false, Some(PreviewEvent::Loaded)) => {
                        if let Some(asked) = self.preview.as_mut().and_then(|p| p.asked.take()) {
                            // The helper's start, its view's creation and the label's load.
                            tracing::info!(
                                target: "waybill_desk::print::preview",
                                first_label_ms = asked.elapsed().as_millis() as u64,
                                "preview: first label shown (helper started on first use)"
                            );
                        }
                    }
                    // The preview's helper (embedded or its own window) has gone.
                    (false, None)
                        if self
                            .preview_window
                            .as_mut()
                            .is_some_and(|(w, _)| !w.is_alive()) =>
                    {
                        self.preview_window = None;
                    }
                    _ => {}
                }
            }
            Event::UnfinishedBatches(list) => {
                if !list.is_empty() {
                    self.log(
                        Level::Warn,
                        format!(
                            "{} {}",
                            tr(lang, "ui-label-batches-left-unfinished-last"),
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
        self.poll_live(ctx);
        if self.book.focused != self.history.0 {
            self.history = (self.book.focused, Vec::new());
            if let Some(id) = self.book.focused {
                self.backend.load_history(id);
            }
        }
        if let Some(rx) = &self.toasts {
            let logs: Vec<(Level, Msg)> = rx.try_iter().collect();
            for (level, text) in logs {
                self.activity.push(level, text);
            }
        }
        let lang = self.lang;
        let mut out = Vec::new();
        ui::toolbar_ui::shortcuts(ctx, &mut out);
        let now_ms = chrono::Utc::now().timestamp_millis();
        // Working out the targets walks every selected order: only when something can block.
        let work_blocked = if self.live.state.may_block() {
            self.live.state.blocked(&self.book.targets(), now_ms, lang)
        } else {
            None
        };

        egui::Panel::top("toolbar").show(root, |ui| {
            ui.add_space(4.0);
            ui::toolbar_ui::toolbar_ui(
                ui,
                &ui::toolbar_ui::ToolbarView {
                    lang,
                    selected: self.book.selected_count(),
                    refreshing: self.orders.is_pending(),
                    batch_running: !self.labels.is_idle(),
                    failed_last_batch: self.failed_last_batch.len(),
                    scanner_on: self.scanner_on,
                    demo: self.backend.is_demo(),
                    work_blocked,
                    stations_open: self.live.stations_open,
                },
                &mut out,
            );
            ui::stations_ui::live_banner_ui(ui, lang, self.live.state.health());
            if let Some(problem) = &self.startup_problem {
                ui.colored_label(ui::theme::ERROR, egui::RichText::new(problem).strong());
            }
            if self.scanner_on {
                ui.separator();
                let busy = self.scans.current().map(|(_, stage)| stage);
                ui::scanner_ui::scanner_ui(
                    ui,
                    lang,
                    &mut self.scan_input,
                    ui::scanner_ui::ScanView {
                        busy,
                        queued: self.scans.len(),
                        last: self.last_scan.as_ref(),
                        print_then_ship: self.settings.print_then_ship,
                    },
                    &mut out,
                );
            }
            ui.add_space(2.0);
        });

        egui::Panel::bottom("activity")
            .resizable(true)
            .default_size(140.0)
            .show(root, |ui| {
                if let Some(b) = self.labels.active() {
                    let cancel = tr(lang, "ui-cancel");
                    let what = tr(lang, "ui-labels");
                    if ui::log_ui::progress_ui(ui, lang, &what, b, self.labels.waiting(), &cancel) {
                        out.push(Command::CancelLabels);
                    }
                }
                if let Some(p) = self.prints.active() {
                    let stop = tr(lang, "ui-stop-printing");
                    let what = tr(lang, "ui-printing");
                    if ui::log_ui::progress_ui(ui, lang, &what, p, self.prints.waiting(), &stop) {
                        out.push(Command::CancelPrint);
                    }
                }
                if self.labels.is_idle() {
                    for (id, done, total) in &self.unfinished_batches {
                        ui.horizontal(|ui| {
                            ui.colored_label(
                                ui::theme::WARN,
                                format!(
                                    "{} #{}: {done}/{total}",
                                    tr(lang, "ui-unfinished-label-batch"),
                                    id.0
                                ),
                            );
                            if ui.button(tr(lang, "ui-resume")).clicked() {
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
                // The preview area is there while the focused order's label is on its way too,
                // so the detail below does not jump when it arrives (a click would land on the
                // preview's buttons instead). An order with no label coming gets none: its
                // detail and red error stay in view.
                let row = self
                    .book
                    .focused
                    .and_then(|id| self.book.row(id))
                    .filter(|r| r.label.is_some() || r.label_state == LabelState::Fetching);
                if let Some(row) = row {
                    let label = row.label.clone();
                    let size_text = label
                        .as_ref()
                        .map(|l| self.label_size(l.print_type).to_string())
                        .unwrap_or_default();
                    let no_label = crate::i18n::t(lang, "preview-no-label");
                    let problem = match &label {
                        Some(_) => self.preview_problem.as_deref(),
                        None => Some(no_label.as_str()),
                    };
                    let rect = ui::detail_ui::preview_ui(
                        ui,
                        lang,
                        &size_text,
                        self.preview_zoom,
                        problem,
                        &mut out,
                    );
                    preview_rect = label.is_some().then_some(rect);
                    ui.separator();
                }
                egui::ScrollArea::vertical().show(ui, |ui| {
                    match self.book.focused.and_then(|id| self.book.row(id)) {
                        Some(row) => {
                            let contact = self.contacts.get(&row.order.id);
                            let live = self.live.state.detail_lines(row.order.id, now_ms, lang);
                            ui::detail_ui::detail_ui(
                                ui,
                                lang,
                                row,
                                contact,
                                &self.history.1,
                                &live,
                                &mut out,
                            );
                        }
                        None => {
                            ui.label(tr(lang, "ui-click-an-order-to-see"));
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
                    ui.label(tr(lang, "ui-loading-orders"));
                });
            }
            // Ctrl+A selects every order only when no field has the keyboard: in a text field
            // (the setup guide, settings, search) it stays the field's own select-all.
            let nothing_focused = ui.ctx().memory(|m| m.focused().is_none());
            if nothing_focused
                && ui
                    .ctx()
                    .input_mut(|i| i.consume_shortcut(&ui::toolbar_ui::keys::SELECT_ALL))
            {
                out.push(Command::SelectAll);
            }
            let scroll_to = if std::mem::take(&mut self.scroll_to_focus) {
                self.book.focused.and_then(|id| self.book.view_position(id))
            } else {
                None
            };
            let live = &self.live.state;
            let notes = |id| live.row_note(id, now_ms, lang);
            ui::orders_ui::orders_table_ui(ui, lang, &self.book, scroll_to, &notes, &mut out);
        });

        if let Some((_, n)) = self.ships.asking() {
            egui::Modal::new(egui::Id::unique("confirm_ship")).show(ctx, |ui| {
                ui.heading(tr(lang, "ui-labels-not-printed"));
                ui.label(format!(
                    "{} ({n})",
                    tr(lang, "ui-some-of-these-orders-were")
                ));
                ui.horizontal(|ui| {
                    if ui.button(tr(lang, "ui-ship-anyway")).clicked() {
                        out.push(Command::ConfirmShip(true));
                    }
                    if ui.button(tr(lang, "ui-not-now")).clicked() {
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
                ui.heading(tr(lang, "ui-cancel-the-waybill"));
                ui.label(format!(
                    "{id}: {waybill}\n{}",
                    tr(lang, "ui-once-cancelled-this-label-is")
                ));
                ui.horizontal(|ui| {
                    if ui.button(tr(lang, "ui-cancel-waybill-confirm")).clicked() {
                        out.push(Command::ConfirmCancelWaybill(true));
                    }
                    if ui.button(tr(lang, "ui-keep-it")).clicked() {
                        out.push(Command::ConfirmCancelWaybill(false));
                    }
                });
            });
        }

        if let Some(draft) = &mut self.settings_draft {
            let mut open = true;
            egui::Window::new(tr(lang, "ui-settings"))
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

        if let Some(step) = &mut self.calibrate {
            let mut open = true;
            let printers: Vec<String> = self
                .printers
                .value()
                .map(|l| l.iter().map(|p| p.name.clone()).collect())
                .unwrap_or_default();
            let mut asked = None;
            egui::Window::new(tr(lang, "calib-title"))
                .open(&mut open)
                .collapsible(false)
                .default_width(560.0)
                .show(ctx, |ui| {
                    asked = ui::setup_printer_ui::setup_printer_ui(ui, lang, step, &printers);
                });
            if let Some(command) = asked {
                self.printer_step_command(command);
            }
            if !open {
                self.calibrate = None;
            }
        }

        ui::stations_ui::stations_ui(
            ctx,
            lang,
            self.live.stations_open,
            &self.live.stations,
            &mut out,
        );
        if let Some(offer) = &mut self.crash_offer {
            if !offer.show(ctx, lang) {
                self.crash_offer = None;
            }
        }
        self.setup_frame(ctx);
        // Toasts first: the preview decides after everything egui draws this frame is known.
        ui::log_ui::toasts_ui(ctx, lang, &mut self.activity, &mut out);
        // The label webview sits above everything egui draws: it hides while a dialog, a
        // popup, a toast or a window is over it.
        self.update_preview(ctx, frame, preview_rect);
        for command in out {
            self.handle(command);
        }
    }
}

impl eframe::App for WaybillApp {
    fn ui(&mut self, ui: &mut egui::Ui, frame: &mut eframe::Frame) {
        self.ui_in_window(ui, Some(frame));
    }

    /// The layout (panel sizes, column widths) is saved this often and on exit, so a crash or
    /// a power cut keeps the packer's arrangement too.
    fn auto_save_interval(&self) -> std::time::Duration {
        std::time::Duration::from_secs(5)
    }
}

/// The ship request for a row, or why it cannot ship from here (said in the user's language).
fn ship_request(
    row: &orders::OrderRow,
    items: Option<Vec<crate::wechat::order::ParcelItem>>,
    sn: Option<crate::wechat::delivery::SnInfo>,
) -> Result<crate::station::ShipRequest, Msg> {
    use crate::wechat::order::NoCourier;
    let order_id = row.order.id;
    let waybill = match row.no_courier() {
        // Virtual goods ship whole with deliver_type 3 and no waybill (seed 003).
        Some(NoCourier::Virtual) => None,
        Some(reason) => return Err(Msg::explained(|l| reason.explain(l).to_string())),
        None if row.label_state == LabelState::Cancelled => {
            return Err(Msg::id("ship-refused-cancelled"))
        }
        None => match &row.waybill {
            Some(w) => Some(w.clone()),
            None => return Err(Msg::id("ship-no-waybill")),
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
