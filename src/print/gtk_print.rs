//! Printing label pages with WebKitGTK (Linux). WebKitGTK ignores CSS `@page { size }`, so every
//! job gets a custom GTK paper size in millimetres with zero margins; printing goes through
//! `webkit_print_operation_print` (no dialog) to a printer by name or to "Print to File" with an
//! output URI. GTK is pumped until the operation is over, never one iteration per frame.
//!
//! Everything here must run on the thread that initialised GTK.

use std::cell::{Cell, RefCell};
use std::rc::Rc;
use std::time::{Duration, Instant};

use gtk::glib;
use gtk::prelude::*;
use javascriptcore::ValueExt as _;
use webkit2gtk::{
    LoadEvent, NavigationPolicyDecision, NavigationPolicyDecisionExt as _, NetworkProxyMode,
    NetworkProxySettings, PermissionRequestExt as _, PolicyDecisionExt as _, PolicyDecisionType,
    PrintOperation, PrintOperationExt as _, PrintOperationResponse, SettingsExt as _,
    URIRequestExt as _, WebContext, WebContextExt as _, WebProcessTerminationReason, WebView,
    WebViewExt, WebsiteDataManagerExt as _,
};

use super::calibration::Calibration;
use super::error::PrintError;
use super::html::harden;
use super::job::{PrintJob, PrintTarget};
use super::size::LabelSize;

/// GTK's name of its PDF printer. Translated by GTK: the worker runs with English messages.
pub const PRINT_TO_FILE: &str = "Print to File";
/// How long a label page may take to load and lay out (its scripts included), in all.
pub const LOAD_TIMEOUT: Duration = Duration::from_secs(20);
/// The most a label is shrunk to fit its paper: WebKit shrinks a page by at most a third.
pub const MIN_SCALE: f64 = 0.67;
/// How long the print system may take to accept a rendered label.
pub const PRINT_TIMEOUT: Duration = Duration::from_secs(30);

/// Initialises GTK on this thread (idempotent).
pub fn init() -> Result<(), PrintError> {
    gtk::init().map_err(|e| PrintError::Renderer {
        message: e.to_string(),
    })
}

/// Runs pending GTK events without blocking.
pub fn pump() {
    while gtk::events_pending() {
        gtk::main_iteration_do(false);
    }
}

/// Runs GTK until `slot` is filled or `timeout` passes.
fn pump_until<T>(
    slot: &Rc<RefCell<Option<T>>>,
    timeout: Duration,
    on_timeout: impl FnOnce() -> PrintError,
) -> Result<T, PrintError> {
    let expired = Rc::new(Cell::new(false));
    let flag = expired.clone();
    let source = gtk::glib::timeout_add_local_once(timeout, move || flag.set(true));
    loop {
        if let Some(value) = slot.borrow_mut().take() {
            if !expired.get() {
                source.remove();
            }
            return Ok(value);
        }
        if expired.get() {
            return Err(on_timeout());
        }
        gtk::main_iteration_do(true);
    }
}

/// The page setup for a label: custom paper of exactly that size, portrait, no margins.
pub fn page_setup(size: LabelSize) -> gtk::PageSetup {
    let paper = paper_size(size);
    let setup = gtk::PageSetup::new();
    setup.set_orientation(gtk::PageOrientation::Portrait);
    setup.set_paper_size(&paper);
    setup.set_top_margin(0.0, gtk::Unit::Mm);
    setup.set_bottom_margin(0.0, gtk::Unit::Mm);
    setup.set_left_margin(0.0, gtk::Unit::Mm);
    setup.set_right_margin(0.0, gtk::Unit::Mm);
    setup
}

/// A custom GTK paper size in millimetres.
pub fn paper_size(size: LabelSize) -> gtk::PaperSize {
    gtk::PaperSize::new_custom(
        &size.paper_name(),
        &size.to_string(),
        size.width_mm,
        size.height_mm,
        gtk::Unit::Mm,
    )
}

/// The paper in CSS pixels (96 per inch), as WebKit lays pages out.
pub fn css_px(size: LabelSize) -> (i32, i32) {
    let px = |mm: f64| (mm * 96.0 / 25.4).round() as i32;
    (px(size.width_mm), px(size.height_mm))
}

/// The scale (at most 1) that makes `content` fit `paper`, both in CSS pixels. Up to 2 px of
/// overflow is rounding, not content, and is cut rather than shrunk.
pub fn fit_scale(paper: (i32, i32), content: (f64, f64)) -> f64 {
    const SLACK_PX: f64 = 2.0;
    let (pw, ph) = (f64::from(paper.0), f64::from(paper.1));
    let sw = if content.0 > pw + SLACK_PX {
        pw / content.0
    } else {
        1.0
    };
    let sh = if content.1 > ph + SLACK_PX {
        ph / content.1
    } else {
        1.0
    };
    sw.min(sh).clamp(0.1, 1.0)
}

fn parse_size_px(text: &str) -> Option<(f64, f64)> {
    let (w, h) = text.split_once(',')?;
    Some((w.trim().parse().ok()?, h.trim().parse().ok()?))
}

/// Print settings for a job: printer (or PDF file), copies, paper.
pub fn print_settings(job: &PrintJob) -> Result<gtk::PrintSettings, PrintError> {
    let settings = gtk::PrintSettings::new();
    match &job.target {
        PrintTarget::Printer(name) => settings.set_printer(name),
        PrintTarget::PdfFile(path) => {
            let uri = url::Url::from_file_path(path).map_err(|()| PrintError::Output {
                path: path.display().to_string(),
                message: "not an absolute path".into(),
            })?;
            settings.set_printer(PRINT_TO_FILE);
            settings.set(gtk::PRINT_SETTINGS_OUTPUT_URI, Some(uri.as_str()));
            settings.set(gtk::PRINT_SETTINGS_OUTPUT_FILE_FORMAT, Some("pdf"));
        }
    }
    settings.set_n_copies(i32::try_from(job.copies).unwrap_or(1));
    settings.set_collate(true);
    settings.set_orientation(gtk::PageOrientation::Portrait);
    settings.set_paper_size(&paper_size(job.size));
    settings.set_scale(100.0);
    // One label is one page: a sliver of overflow must not start a second, blank label.
    settings.set_print_pages(gtk::PrintPages::Ranges);
    settings.set_page_ranges(&[gtk::PageRange::new(0, 0)]);
    Ok(settings)
}

/// Where a label webview's network goes: a proxy on a privileged loopback port that nothing
/// listens on (only root could), so every request fails at once, whatever the page does.
pub const DEAD_PROXY: &str = "http://127.0.0.1:1";

/// Blocks everything a label page could use to leave the label: the network (every request goes
/// to [`DEAD_PROXY`]), files, navigation (except the page itself), new windows, script dialogs
/// and `window.print()`. Call before the first page is loaded. The view's web context must be
/// the label's own (ephemeral, not shared with other pages): its proxy is set here.
pub fn lock_down(webview: &WebView) {
    if let Some(manager) = webview.context().and_then(|c| c.website_data_manager()) {
        let mut proxy = NetworkProxySettings::new(Some(DEAD_PROXY), &[]);
        manager.set_network_proxy_settings(NetworkProxyMode::Custom, Some(&mut proxy));
    } else {
        tracing::warn!("a label webview has no website data manager; its proxy is not set");
    }
    webview.connect_decide_policy(|_, decision, kind| {
        if kind != PolicyDecisionType::NavigationAction
            && kind != PolicyDecisionType::NewWindowAction
        {
            return false;
        }
        let uri = decision
            .downcast_ref::<NavigationPolicyDecision>()
            .and_then(|d| d.navigation_action())
            .and_then(|a| a.request())
            .and_then(|r| r.uri())
            .map(|u| u.to_string())
            .unwrap_or_default();
        if kind == PolicyDecisionType::NavigationAction && is_label_document(&uri) {
            decision.use_();
        } else {
            tracing::debug!(uri, "label page navigation blocked");
            decision.ignore();
        }
        true
    });
    webview.connect_create(|_, _| None);
    webview.connect_script_dialog(|_, _| true);
    webview.connect_print(|_, _| true);
    webview.connect_permission_request(|_, request| {
        request.deny();
        true
    });
    if let Some(settings) = WebViewExt::settings(webview) {
        settings.set_enable_developer_extras(false);
        settings.set_print_backgrounds(true);
        settings.set_enable_page_cache(false);
        settings.set_javascript_can_open_windows_automatically(false);
        settings.set_javascript_can_access_clipboard(false);
        settings.set_allow_file_access_from_file_urls(false);
        settings.set_allow_universal_access_from_file_urls(false);
        settings.set_allow_top_navigation_to_data_urls(false);
        settings.set_enable_dns_prefetching(false);
        settings.set_enable_hyperlink_auditing(false);
        // WebRTC would talk UDP past the proxy; media capture and DRM have no place on a label.
        settings.set_enable_webrtc(false);
        settings.set_enable_media_stream(false);
        settings.set_enable_encrypted_media(false);
    }
}

/// How long a label page on screen may leave a probe unanswered (its scripts never yield)
/// before its web process is ended.
pub const HUNG_AFTER: Duration = Duration::from_secs(10);

/// Watches a label view that stays on screen (the previews): a page whose scripts never yield
/// (`while (true) {}`, `window.print()` in a loop) would keep a web process busy for as long as
/// it is shown. Once a second a trivial script is sent; when one stays unanswered for
/// [`HUNG_AFTER`], the web process is ended and `on_hung` is called. The next page loaded gets a
/// fresh process. Remove the returned timer when the view goes away.
pub fn watch_for_hung_page(webview: &WebView, on_hung: impl Fn() + 'static) -> glib::SourceId {
    let pending: Rc<Cell<Option<Instant>>> = Rc::new(Cell::new(None));
    let view = webview.downgrade();
    glib::timeout_add_local(Duration::from_secs(1), move || {
        let Some(view) = view.upgrade() else {
            return glib::ControlFlow::Break;
        };
        match pending.get() {
            Some(since) if since.elapsed() >= HUNG_AFTER => {
                pending.set(None);
                tracing::warn!("a label page on screen stopped answering; ending its web process");
                view.terminate_web_process();
                on_hung();
            }
            Some(_) => {}
            None => {
                pending.set(Some(Instant::now()));
                let answered = pending.clone();
                view.evaluate_javascript(
                    "0",
                    None,
                    None,
                    None::<&gtk::gio::Cancellable>,
                    move |_| answered.set(None),
                );
            }
        }
        glib::ControlFlow::Continue
    })
}

/// The only documents a label webview may show: the label itself (loaded as `about:blank`).
pub fn is_label_document(uri: &str) -> bool {
    uri == "about:blank" || uri.starts_with("about:blank#")
}

/// State of the current page load, shared with the webview's signal handlers.
type LoadSlot = Rc<RefCell<Option<Result<(), String>>>>;

/// An offscreen label webview that prints jobs one after another.
pub struct LabelPrinter {
    window: gtk::OffscreenWindow,
    webview: WebView,
    load: LoadSlot,
}

impl LabelPrinter {
    /// Starts GTK (if needed) and an offscreen webview with its own ephemeral web context.
    pub fn new() -> Result<Self, PrintError> {
        init()?;
        let context = WebContext::new_ephemeral();
        let webview = WebView::with_context(&context);
        lock_down(&webview);
        let load: LoadSlot = Rc::new(RefCell::new(None));
        let done = load.clone();
        webview.connect_load_changed(move |_, event| {
            if event == LoadEvent::Finished {
                done.borrow_mut().get_or_insert(Ok(()));
            }
        });
        let failed = load.clone();
        webview.connect_load_failed(move |_, _, uri, error| {
            *failed.borrow_mut() = Some(Err(format!("{uri}: {error}")));
            false
        });
        let crashed = load.clone();
        webview.connect_web_process_terminated(move |_, reason| {
            // Stopping a hung page (see `stop_hung_page`) is not a crash of the next one.
            if reason != WebProcessTerminationReason::TerminatedByApi {
                *crashed.borrow_mut() = Some(Err(format!("the web process ended ({reason:?})")));
            }
        });
        let window = gtk::OffscreenWindow::new();
        // Each job sizes the view to its paper (see `print`); start small so it can shrink.
        window.set_default_size(64, 64);
        window.add(&webview);
        window.show_all();
        Ok(LabelPrinter {
            window,
            webview,
            load,
        })
    }

    /// The webview jobs are rendered in.
    pub fn webview(&self) -> &WebView {
        &self.webview
    }

    /// Loads the label page and waits until it has finished loading.
    pub fn load(&self, html: &str) -> Result<(), PrintError> {
        self.load_until(html, Instant::now() + LOAD_TIMEOUT)
    }

    fn load_until(&self, html: &str, deadline: Instant) -> Result<(), PrintError> {
        self.load.borrow_mut().take();
        self.webview.load_html(&harden(html), None);
        let left = deadline.saturating_duration_since(Instant::now());
        pump_until(&self.load, left, || self.stop_hung_page())?
            .map_err(|message| PrintError::Load { message })
    }

    /// Ends the web process of a page that did not finish in time (a script that never ends,
    /// `window.print()` in a loop): the next label gets a fresh one. Returns the error to report.
    fn stop_hung_page(&self) -> PrintError {
        tracing::warn!("the label page did not finish in time; stopping its web process");
        self.webview.stop_loading();
        self.webview.terminate_web_process();
        PrintError::LabelUnresponsive {
            seconds: LOAD_TIMEOUT.as_secs(),
        }
    }

    /// Sizes the view to `width` x `height` CSS pixels and waits (briefly) until GTK has.
    fn fit_view(&self, width: i32, height: i32) {
        self.webview.set_size_request(width, height);
        self.window.set_default_size(width, height);
        self.window.resize(width, height);
        for _ in 0..200 {
            pump();
            let allocated = (
                self.webview.allocated_width(),
                self.webview.allocated_height(),
            );
            if allocated == (width, height) {
                return;
            }
            std::thread::sleep(Duration::from_millis(2));
        }
        tracing::warn!(
            width,
            height,
            allocated_width = self.webview.allocated_width(),
            "the label view did not take the paper's size"
        );
    }

    /// The laid-out page's size in CSS pixels (what overflows the view counts).
    fn content_size_px(&self, deadline: Instant) -> Result<(f64, f64), PrintError> {
        let text = self.run_js(
            "(() => { const e = document.documentElement; \
             return e.scrollWidth + ',' + e.scrollHeight; })()",
            deadline,
        )?;
        parse_size_px(&text).ok_or_else(|| PrintError::Load {
            message: format!("unexpected page size answer {text:?}"),
        })
    }

    /// Runs a script in the label page and returns its value as text; a page still busy at
    /// `deadline` is stopped.
    fn run_js(&self, script: &str, deadline: Instant) -> Result<String, PrintError> {
        let slot: Rc<RefCell<Option<Result<String, String>>>> = Rc::new(RefCell::new(None));
        let answer = slot.clone();
        self.webview.evaluate_javascript(
            script,
            None,
            None,
            None::<&gtk::gio::Cancellable>,
            move |result| {
                *answer.borrow_mut() = Some(
                    result
                        .map(|value| value.to_str().to_string())
                        .map_err(|e| e.to_string()),
                );
            },
        );
        let left = deadline.saturating_duration_since(Instant::now());
        pump_until(&slot, left, || self.stop_hung_page())?
            .map_err(|message| PrintError::Load { message })
    }

    /// Lays the label out for `size`: the view at the paper's width, the document pinned so it
    /// prints 1:1, or shrunk to fit; refuses a label that would have to shrink too far.
    fn prepare(
        &self,
        label_id: &str,
        html: &str,
        size: LabelSize,
        calibration: &Calibration,
    ) -> Result<(), PrintError> {
        // Lay the page out at the paper's width, so content that fits the paper fits the view.
        let (paper_w, paper_h) = css_px(size);
        self.fit_view(paper_w, paper_h);
        // One deadline for the load and every script run after it: a page that keeps its web
        // process busy is stopped within LOAD_TIMEOUT, well inside the app's job deadline.
        let deadline = Instant::now() + LOAD_TIMEOUT;
        self.load_until(html, deadline)?;
        let content = self.content_size_px(deadline)?;
        tracing::debug!(label = %label_id, ?content, paper = ?(paper_w, paper_h), "laid out");
        let scale = fit_scale((paper_w, paper_h), content);
        if scale < MIN_SCALE {
            let mm = |px: f64| (px * 25.4 / 96.0).round().clamp(0.0, f64::from(u32::MAX)) as u32;
            return Err(PrintError::LabelTooLarge {
                label_id: label_id.to_string(),
                width_mm: mm(content.0),
                height_mm: mm(content.1),
                paper: size.to_string(),
                paper_height_mm: mm(f64::from(paper_h)),
            });
        }
        if scale < 1.0 {
            tracing::info!(label = %label_id, size = %size, ?content, scale,
                "label is larger than the paper; scaled to fit");
        }
        // WebKit ignores the print settings' scale and draws CSS transforms unscaled; what it
        // does is shrink the document's width onto the paper's. A document exactly as wide as
        // the paper prints 1:1 (left alone it prints about 7% too large), one 1/s as wide
        // prints at s. The label is centred in that width.
        let width_px = (f64::from(paper_w) / scale).ceil();
        self.run_js(
            &format!(
                "(() => {{ const h = document.documentElement.style; h.minWidth = '{width_px}px'; \
                 const b = document.body && document.body.style; \
                 if (b) {{ b.marginLeft = 'auto'; b.marginRight = 'auto'; }} return 'ok'; }})()"
            ),
            deadline,
        )?;
        if !calibration.is_none() {
            self.run_js(
                &calibration_script(calibration, scale, (paper_w, paper_h)),
                deadline,
            )?;
            tracing::debug!(label = %label_id, calibration = %calibration.describe(), "calibrated");
        }
        Ok(())
    }

    /// Shows the GTK print dialog for a label, with its paper preset (and the printer or PDF
    /// file of `preset` preselected); the person may change anything. Returns whether it was
    /// printed, after the print system has taken it.
    pub fn print_with_dialog(
        &self,
        label_id: &str,
        html: &str,
        size: LabelSize,
        preset: Option<&PrintTarget>,
        parent: Option<&gtk::Window>,
    ) -> Result<bool, PrintError> {
        self.prepare(label_id, html, size, &Calibration::NONE)?;
        let settings = match preset {
            Some(target) => print_settings(&PrintJob {
                label_id: label_id.to_string(),
                html: String::new(),
                size,
                target: target.clone(),
                copies: 1,
            })?,
            None => {
                let settings = gtk::PrintSettings::new();
                settings.set_paper_size(&paper_size(size));
                settings.set_print_pages(gtk::PrintPages::Ranges);
                settings.set_page_ranges(&[gtk::PageRange::new(0, 0)]);
                settings
            }
        };
        let operation = PrintOperation::new(&self.webview);
        operation.set_page_setup(&page_setup(size));
        operation.set_print_settings(&settings);
        let outcome = watch(&operation);
        if operation.run_dialog(parent) != PrintOperationResponse::Print {
            return Ok(false);
        }
        wait_printed(&outcome, &self.webview)?;
        Ok(true)
    }

    /// Prints one job without a dialog and waits until the print system (or the PDF file) has
    /// taken it. Does not check the printer's state: see `printers::check_printer`.
    pub fn print(&self, job: &PrintJob) -> Result<(), PrintError> {
        self.print_calibrated(job, &Calibration::NONE)
    }

    /// Prints one job as [`LabelPrinter::print`] does, the label placed on the paper by
    /// `calibration` (the page itself stays the label's size).
    pub fn print_calibrated(
        &self,
        job: &PrintJob,
        calibration: &Calibration,
    ) -> Result<(), PrintError> {
        job.validate()?;
        calibration.validate().map_err(|e| PrintError::InvalidJob {
            message: e.to_string(),
        })?;
        if let PrintTarget::PdfFile(path) = &job.target {
            prepare_pdf_path(path)?;
        }
        self.prepare(&job.label_id, &job.html, job.size, calibration)?;
        let settings = print_settings(job)?;
        let operation = PrintOperation::new(&self.webview);
        operation.set_page_setup(&page_setup(job.size));
        operation.set_print_settings(&settings);
        let outcome = watch(&operation);
        tracing::debug!(label = %job.label_id, size = %job.size, target = ?job.target, "printing");
        operation.print();
        wait_printed(&outcome, &self.webview)?;
        if let PrintTarget::PdfFile(path) = &job.target {
            let written = std::fs::metadata(path).map(|m| m.len()).unwrap_or(0);
            if written == 0 {
                return Err(PrintError::Output {
                    path: path.display().to_string(),
                    message: "no PDF was written".into(),
                });
            }
        }
        Ok(())
    }
}

impl Drop for LabelPrinter {
    fn drop(&mut self) {
        // SAFETY-free teardown: destroying the window releases the webview and its web process.
        self.window.close();
    }
}

/// The script that moves and scales the laid-out label by `calibration`. The page is printed
/// at `fit` (the document is `1/fit` as wide as the paper), so one millimetre on paper is
/// `96 / 25.4 / fit` CSS pixels of the document.
///
/// What moves must not widen the document: WebKit shrinks a page to fit its widest content, so a
/// label moved 3 mm right would come out 3% small and its offset short (measured; clipping on the
/// root element is not honoured when printing). So the body becomes the clip, exactly the paper's
/// size from its top-left corner (`contain: paint`, its margin turned into padding so nothing
/// inside moves), and each thing in it is moved and scaled around the paper's corner. Nothing
/// about the paper or the print settings changes.
pub fn calibration_script(calibration: &Calibration, fit: f64, paper_px: (i32, i32)) -> String {
    let px_per_mm = 96.0 / 25.4 / fit;
    let dx = calibration.x_mm * px_per_mm;
    let dy = calibration.y_mm * px_per_mm;
    let scale = calibration.scale();
    let width = (f64::from(paper_px.0) / fit).floor();
    let height = (f64::from(paper_px.1) / fit).floor();
    format!(
        r#"(() => {{
  const body = document.body; if (!body) return 'no body';
  const cs = getComputedStyle(body); const px = v => parseFloat(v) || 0;
  const m = ['Top', 'Right', 'Bottom', 'Left'].map(s => px(cs['margin' + s]) + px(cs['padding' + s]));
  const b = body.style;
  b.boxSizing = 'border-box'; b.margin = '0';
  b.padding = m.map(v => v + 'px').join(' ');
  b.width = Math.max({width}, document.documentElement.scrollWidth) + 'px';
  b.minHeight = '{height}px'; b.overflow = 'hidden'; b.contain = 'paint'; b.position = 'relative';
  for (const n of Array.from(body.childNodes)) {{
    if (n.nodeType === 3 && n.textContent.trim() !== '') {{
      const span = document.createElement('span'); body.insertBefore(span, n); span.appendChild(n);
    }}
  }}
  for (const e of Array.from(body.children)) {{
    const r = e.getBoundingClientRect();
    e.style.transformOrigin = (-r.left - window.scrollX) + 'px ' + (-r.top - window.scrollY) + 'px';
    e.style.transform = 'translate({dx:.3}px, {dy:.3}px) scale({scale:.4})';
  }}
  return 'ok';
}})()"#
    )
}

/// How a print operation ended, filled in by its signals.
type Outcome = Rc<RefCell<Option<Result<(), String>>>>;

fn watch(operation: &PrintOperation) -> Outcome {
    let outcome: Outcome = Rc::new(RefCell::new(None));
    let failed = outcome.clone();
    operation.connect_failed(move |_, error| {
        *failed.borrow_mut() = Some(Err(error.to_string()));
    });
    let finished = outcome.clone();
    operation.connect_finished(move |_| {
        finished.borrow_mut().get_or_insert(Ok(()));
    });
    outcome
}

/// Runs GTK until the operation has finished or failed. On a timeout the view's web process is
/// ended too (a page may be what holds the operation up), so the next label starts afresh.
fn wait_printed(outcome: &Outcome, webview: &WebView) -> Result<(), PrintError> {
    pump_until(outcome, PRINT_TIMEOUT, || {
        webview.terminate_web_process();
        PrintError::Print {
            message: format!(
                "the print system did not take the label within {} s",
                PRINT_TIMEOUT.as_secs()
            ),
        }
    })?
    .map_err(|message| PrintError::Print { message })
}

/// Makes sure the PDF can be written: the folder exists and an old file is gone (so a stale
/// file is never mistaken for the new one).
fn prepare_pdf_path(path: &std::path::Path) -> Result<(), PrintError> {
    let output = |message: String| PrintError::Output {
        path: path.display().to_string(),
        message,
    };
    let parent = path
        .parent()
        .ok_or_else(|| output("no parent folder".into()))?;
    if !parent.is_dir() {
        return Err(output(format!(
            "folder {} does not exist",
            parent.display()
        )));
    }
    match std::fs::remove_file(path) {
        Ok(()) => Ok(()),
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => Ok(()),
        Err(e) => Err(output(e.to_string())),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn paper_in_css_pixels() {
        assert_eq!(css_px(LabelSize::TWO_PART), (378, 680));
        assert_eq!(css_px(LabelSize::ONE_PART), (287, 491));
    }

    #[test]
    fn content_that_fits_is_not_scaled_and_larger_content_shrinks_to_fit() {
        assert_eq!(fit_scale((378, 567), (378.0, 567.0)), 1.0);
        assert_eq!(fit_scale((287, 491), (287.0, 492.0)), 1.0);
        // A 100x180 label on 100x150 paper.
        let s = fit_scale((378, 567), (378.0, 680.0));
        assert!((s - 567.0 / 680.0).abs() < 1e-9, "{s}");
        // Wider than the paper.
        let s = fit_scale((287, 491), (378.0, 680.0));
        assert!(
            (s - (287.0_f64 / 378.0).min(491.0 / 680.0)).abs() < 1e-9,
            "{s}"
        );
        assert_eq!(parse_size_px("378,680"), Some((378.0, 680.0)));
        assert_eq!(parse_size_px("x"), None);
    }
}
