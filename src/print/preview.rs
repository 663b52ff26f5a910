//! The label preview: a wry webview showing a label page, locked down (no IPC handler, no
//! navigation away from the label, no network), with zoom and the label's size shown on it.
//!
//! [`LabelPreview::new_child`] puts it inside another window; whoever hosts it runs GTK's loop
//! (or calls [`pump`]). The app's window does not: it never loads WebKit, and the WebKit helper
//! process (`waybill-desk-webkit preview-window --embed-in XID`,
//! [`super::preview_window::run_embedded`]) puts the view inside the window's X11 window. Where a
//! child webview is not possible (Wayland), the helper shows a window of its own instead.

use std::cell::Cell;
use std::rc::Rc;

use raw_window_handle::{HasWindowHandle, RawWindowHandle};
use wry::dpi::{PhysicalPosition, PhysicalSize};
use wry::{NewWindowResponse, Rect, WebView, WebViewBuilder};

use super::error::PrintError;
use super::html::harden;
use super::size::LabelSize;

/// Smallest and largest zoom factor.
pub const ZOOM_RANGE: (f64, f64) = (0.25, 4.0);

/// The label page as the preview shows it: the label on a grey desk with its size in a corner,
/// drawn `zoom` times its printed size. Preview-only styles; printing uses the page as it is.
///
/// The zoom is a CSS transform of the laid-out page, not WebKit's page zoom: page zoom lays the
/// page out again with WebKit's smallest readable font (9 px) as a floor, so at "fit" every text
/// of 2.4 mm and up grew, wrapped, and the label's own `overflow: hidden` cut off its last lines
/// (sender, goods) though the printout has them. A transform scales the very layout that prints.
/// The margins take the scaled size, so the page scrolls over the label as drawn and no further.
pub fn preview_document(html: &str, size: LabelSize, zoom: f64) -> String {
    let zoom = zoom.clamp(ZOOM_RANGE.0, ZOOM_RANGE.1);
    let (w, h) = (size.width_mm, size.height_mm);
    let style = format!(
        "<style id=\"waybill-desk-preview\">\
         :root {{ --waybill-desk-zoom: {zoom}; }}\
         html {{ background: #8a8f98 !important; min-height: 100%; }}\
         body {{ margin: 28px 0 0 0 !important; \
         margin-left: max(12px, calc((100% - {w}mm * var(--waybill-desk-zoom)) / 2)) !important; \
         margin-bottom: calc(16px + {h}mm * (var(--waybill-desk-zoom) - 1)) !important; \
         transform: scale(var(--waybill-desk-zoom)) !important; transform-origin: 0 0 !important; \
         box-shadow: 0 1px 6px rgba(0,0,0,.45); background: #fff; }}\
         html::before {{ content: \"{size}\"; position: fixed; top: 4px; left: 8px; z-index: 2147483647; \
         font: 600 13px/18px sans-serif; color: #fff; background: rgba(0,0,0,.55); \
         padding: 1px 7px; border-radius: 3px; }}\
         </style>"
    );
    let hardened = harden(html);
    // After everything else in the head, so these rules win over the label's own.
    match hardened.to_ascii_lowercase().rfind("</head>") {
        Some(at) => format!("{}{style}{}", &hardened[..at], &hardened[at..]),
        None => format!("{hardened}{style}"),
    }
}

/// The script that changes the zoom of a page made by [`preview_document`] in place.
pub fn zoom_script(zoom: f64) -> String {
    let zoom = zoom.clamp(ZOOM_RANGE.0, ZOOM_RANGE.1);
    format!("document.documentElement.style.setProperty('--waybill-desk-zoom', '{zoom}');")
}

/// Whether a child webview can be put in this window (X11 yes; Wayland and others no).
pub fn child_supported(window: &impl HasWindowHandle) -> bool {
    match window.window_handle() {
        Ok(handle) => matches!(
            handle.as_raw(),
            RawWindowHandle::Xlib(_)
                | RawWindowHandle::Xcb(_)
                | RawWindowHandle::Win32(_)
                | RawWindowHandle::AppKit(_)
        ),
        Err(_) => false,
    }
}

/// Runs pending GTK events (Linux; a no-op elsewhere). Call once per GUI frame while a child
/// preview exists.
pub fn pump() {
    #[cfg(target_os = "linux")]
    super::gtk_print::pump();
}

/// Initialises GTK for child webviews (Linux); call on the GUI thread before
/// [`LabelPreview::new_child`]. Idempotent.
pub fn init() -> Result<(), PrintError> {
    #[cfg(target_os = "linux")]
    super::gtk_print::init()?;
    Ok(())
}

/// A preview webview shown inside another window.
pub struct LabelPreview {
    webview: WebView,
    loaded: Rc<Cell<bool>>,
    /// Set when the page shown stopped answering and was ended (see [`watch_for_hangs`]).
    hung: Rc<Cell<bool>>,
    #[cfg(target_os = "linux")]
    watchdog: Option<gtk::glib::SourceId>,
    size: LabelSize,
    zoom: f64,
    html: String,
}

fn renderer_error(e: wry::Error) -> PrintError {
    PrintError::Renderer {
        message: e.to_string(),
    }
}

/// A webview builder with the label lockdown: only the label document, no new windows, no
/// devtools, no IPC handler, its own ephemeral storage, and no network (a proxy nothing
/// listens on). It loads nothing: apply [`lock_down`] to the built view, then load the label.
pub(super) fn locked_builder<'a>() -> WebViewBuilder<'a> {
    WebViewBuilder::new()
        .with_proxy_config(wry::ProxyConfig::Http(wry::ProxyEndpoint {
            host: "127.0.0.1".into(),
            port: "1".into(),
        }))
        .with_navigation_handler(|uri| {
            #[cfg(target_os = "linux")]
            let allowed = super::gtk_print::is_label_document(&uri);
            #[cfg(not(target_os = "linux"))]
            let allowed = uri == "about:blank";
            if !allowed {
                tracing::debug!(uri, "preview navigation blocked");
            }
            allowed
        })
        .with_new_window_req_handler(|_, _| NewWindowResponse::Deny)
        .with_devtools(false)
        .with_incognito(true)
        .with_clipboard(false)
        .with_hotkeys_zoom(false)
        .with_back_forward_navigation_gestures(false)
}

/// Applies the WebKit-level lockdown that wry has no builder option for.
pub(super) fn lock_down(_webview: &WebView) {
    #[cfg(target_os = "linux")]
    {
        use wry::WebViewExtUnix as _;
        super::gtk_print::lock_down(&_webview.webview());
    }
}

/// Draws the preview without GL: a label page is one static, scaled layout, which WebKit's
/// software path draws as fast as the screen needs, while accelerated compositing gives the web
/// process a GL context of its own — Mesa's whole software GL stack (llvmpipe, 60-odd MB) on a
/// machine without a GPU, and GPU memory for no gain on one with.
fn draw_without_gl(_webview: &WebView) {
    #[cfg(target_os = "linux")]
    {
        use webkit2gtk::{HardwareAccelerationPolicy, SettingsExt as _, WebViewExt as _};
        use wry::WebViewExtUnix as _;
        if let Some(settings) = _webview.webview().settings() {
            settings.set_hardware_acceleration_policy(HardwareAccelerationPolicy::Never);
        }
    }
}

/// Ends the web process of a shown label whose scripts never yield, then calls `on_hung`
/// (Linux: `gtk_print::watch_for_hung_page`; runs while GTK is pumped). Remove the timer it
/// returns when the view goes away.
#[cfg(target_os = "linux")]
pub(super) fn watch_for_hangs(
    webview: &WebView,
    on_hung: impl Fn() + 'static,
) -> gtk::glib::SourceId {
    use wry::WebViewExtUnix as _;
    super::gtk_print::watch_for_hung_page(&webview.webview(), on_hung)
}

impl LabelPreview {
    /// Creates the preview as a child of `parent` at `bounds` = (x, y, width, height) in
    /// physical pixels of the parent, showing `html`. Linux: X11 only, after [`init`].
    pub fn new_child(
        parent: &impl HasWindowHandle,
        bounds: (i32, i32, u32, u32),
        html: &str,
        size: LabelSize,
    ) -> Result<Self, PrintError> {
        Self::new_child_reporting(parent, bounds, html, size, || {}, || {})
    }

    /// [`Self::new_child`], calling `on_loaded` whenever a label page finished loading and
    /// `on_hung` when one stopped answering and was ended (the embedded preview's helper
    /// process tells the window so).
    pub fn new_child_reporting(
        parent: &impl HasWindowHandle,
        bounds: (i32, i32, u32, u32),
        html: &str,
        size: LabelSize,
        on_loaded: impl Fn() + 'static,
        on_hung: impl Fn() + 'static,
    ) -> Result<Self, PrintError> {
        init()?;
        if !child_supported(parent) {
            return Err(PrintError::Renderer {
                message: "this window system cannot host a child webview; use the preview window"
                    .into(),
            });
        }
        // The view is made when the first label is shown (not at start: the window opens
        // without WebKit's processes); how long that first label takes is logged once.
        let asked = std::time::Instant::now();
        let first_shown = Cell::new(false);
        let loaded = Rc::new(Cell::new(false));
        let flag = loaded.clone();
        let webview = locked_builder()
            .with_on_page_load_handler(move |event, _| {
                let finished = matches!(event, wry::PageLoadEvent::Finished);
                flag.set(finished);
                if finished {
                    on_loaded();
                }
                if finished && !first_shown.replace(true) {
                    tracing::info!(
                        view_ms = asked.elapsed().as_millis() as u64,
                        "preview: the view's first label loaded (view created on first use)"
                    );
                }
            })
            .with_bounds(rect(bounds))
            .build_as_child(parent)
            .map_err(renderer_error)?;
        draw_without_gl(&webview);
        lock_down(&webview);
        pass_input_through(&webview);
        let hung = Rc::new(Cell::new(false));
        #[cfg(not(target_os = "linux"))]
        let _ = on_hung;
        #[cfg(target_os = "linux")]
        let watchdog = {
            let (hung, loaded) = (hung.clone(), loaded.clone());
            Some(watch_for_hangs(&webview, move || {
                hung.set(true);
                loaded.set(false);
                on_hung();
            }))
        };
        webview
            .load_html(&preview_document(html, size, 1.0))
            .map_err(renderer_error)?;
        Ok(LabelPreview {
            webview,
            loaded,
            hung,
            #[cfg(target_os = "linux")]
            watchdog,
            size,
            zoom: 1.0,
            html: html.to_string(),
        })
    }

    /// Whether the page shown stopped answering (a script that never ends) and was ended; the
    /// preview is blank until the next [`Self::set_html`]. Say so with
    /// [`PrintError::LabelUnresponsive`].
    pub fn is_hung(&self) -> bool {
        self.hung.get()
    }

    /// Shows another label page.
    pub fn set_html(&mut self, html: &str, size: LabelSize) -> Result<(), PrintError> {
        self.size = size;
        self.html = html.to_string();
        self.loaded.set(false);
        self.hung.set(false);
        self.webview
            .load_html(&preview_document(html, size, self.zoom))
            .map_err(renderer_error)
    }

    /// Moves and resizes the preview; (x, y, width, height) in the parent's physical pixels.
    pub fn set_bounds(&self, x: i32, y: i32, width: u32, height: u32) -> Result<(), PrintError> {
        self.webview
            .set_bounds(rect((x, y, width, height)))
            .map_err(renderer_error)
    }

    /// Sets the zoom factor (1.0 = 96 px per inch), clamped to [`ZOOM_RANGE`]: the label is
    /// drawn scaled, laid out as it prints (see [`preview_document`]).
    pub fn set_zoom(&mut self, factor: f64) -> Result<(), PrintError> {
        let factor = factor.clamp(ZOOM_RANGE.0, ZOOM_RANGE.1);
        self.zoom = factor;
        if self.loaded.get() {
            self.webview
                .evaluate_script(&zoom_script(factor))
                .map_err(renderer_error)
        } else {
            // A script now could run in the page that is going away: load it with this zoom.
            self.webview
                .load_html(&preview_document(&self.html, self.size, factor))
                .map_err(renderer_error)
        }
    }

    /// The current zoom factor.
    pub fn zoom(&self) -> f64 {
        self.zoom
    }

    /// Zoom that makes the whole label fit `width` x `height` physical pixels at `scale`
    /// physical pixels per logical pixel.
    pub fn fit_zoom(size: LabelSize, width: u32, height: u32, scale: f64) -> f64 {
        let px_per_mm = 96.0 / 25.4 * scale.max(0.1);
        // Room for the grey margins around the label.
        let w = (f64::from(width) - 24.0).max(1.0) / (size.width_mm * px_per_mm);
        let h = (f64::from(height) - 48.0).max(1.0) / (size.height_mm * px_per_mm);
        w.min(h).clamp(ZOOM_RANGE.0, ZOOM_RANGE.1)
    }

    /// Whether the label page has finished loading (false right after [`Self::set_html`]).
    pub fn is_loaded(&self) -> bool {
        self.loaded.get()
    }

    /// The size of the label shown.
    pub fn size(&self) -> LabelSize {
        self.size
    }

    /// Shows or hides the preview.
    pub fn set_visible(&self, visible: bool) -> Result<(), PrintError> {
        self.webview.set_visible(visible).map_err(renderer_error)?;
        // wry maps/unmaps the X11 child through GDK's Xlib connection without flushing it; with
        // no other X traffic the request would sit in the buffer and the label stay on screen.
        #[cfg(target_os = "linux")]
        if let Some(display) = gtk::gdk::Display::default() {
            display.flush();
        }
        Ok(())
    }

    /// Opens the print dialog for the label shown, with its paper size preset (and `preset`'s
    /// printer or PDF file preselected). Linux: runs a nested GTK loop until the dialog closes
    /// and the print system has the label; returns whether it was printed. Elsewhere the system
    /// dialog decides and this returns true.
    pub fn print_with_dialog(
        &self,
        label_id: &str,
        preset: Option<&super::job::PrintTarget>,
    ) -> Result<bool, PrintError> {
        #[cfg(target_os = "linux")]
        {
            // The label as it is, not the preview's grey desk: an offscreen view prints it.
            let printer = super::gtk_print::LabelPrinter::new()?;
            printer.print_with_dialog(label_id, &self.html, self.size, preset, None)
        }
        #[cfg(not(target_os = "linux"))]
        {
            let _ = (label_id, preset);
            super::platform_other::print_with_dialog(&self.webview).map(|()| true)
        }
    }

    /// Scrolls a zoomed label by (dx, dy) pixels of the view: the view takes no input itself (see
    /// [`pass_input_through`]), so the window forwards the wheel and drags over it.
    pub fn scroll_by(&self, dx: f64, dy: f64) -> Result<(), PrintError> {
        if !(dx.is_finite() && dy.is_finite()) {
            return Ok(());
        }
        self.webview
            .evaluate_script(&format!("window.scrollBy({dx:.1}, {dy:.1});"))
            .map_err(renderer_error)
    }

    /// The wry webview (for platform extensions).
    pub fn webview(&self) -> &WebView {
        &self.webview
    }
}

impl Drop for LabelPreview {
    fn drop(&mut self) {
        #[cfg(target_os = "linux")]
        if let Some(timer) = self.watchdog.take() {
            timer.remove();
        }
    }
}

/// Makes the child view take no keyboard focus and no pointer input (an empty X input shape):
/// keys and clicks over it reach the window. Without this a keyboard-wedge scanner's keys went
/// to the label page whenever the mouse rested over the preview (X sends keys to the window
/// under the pointer inside the focused one), and the scan was lost.
fn pass_input_through(_webview: &WebView) {
    #[cfg(target_os = "linux")]
    {
        use gtk::prelude::*;
        use wry::WebViewExtUnix as _;
        let view = _webview.webview();
        view.set_can_focus(false);
        if let Some(top) = view.toplevel() {
            top.set_can_focus(false);
            let empty = gtk::cairo::Region::create();
            top.input_shape_combine_region(Some(&empty));
            if let Some(window) = top.window() {
                window.input_shape_combine_region(&empty, 0, 0);
            }
        }
        if let Some(display) = gtk::gdk::Display::default() {
            display.flush();
        }
    }
}

fn rect((x, y, width, height): (i32, i32, u32, u32)) -> Rect {
    Rect {
        position: PhysicalPosition::new(x, y).into(),
        size: PhysicalSize::new(width, height).into(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn preview_document_keeps_the_label_and_adds_policy_and_size() {
        let page = "<html><head><style>body{width:100mm}</style></head><body>SF100</body></html>";
        let doc = preview_document(page, LabelSize::TWO_PART, 0.5);
        assert!(doc.contains("Content-Security-Policy"));
        assert!(doc.contains("content: \"100x180mm\""));
        assert!(doc.contains("<body>SF100</body>"));
        assert!(doc.contains("--waybill-desk-zoom: 0.5;"));
        assert!(doc.contains("transform: scale(var(--waybill-desk-zoom))"));
        let style_at = doc.find("waybill-desk-preview").unwrap();
        assert!(style_at > doc.find("body{width:100mm}").unwrap());
        assert!(style_at < doc.find("</head>").unwrap());
    }

    #[test]
    fn fit_zoom_fits_both_edges() {
        let z = LabelPreview::fit_zoom(LabelSize::TWO_PART, 400, 800, 1.0);
        let px_per_mm = 96.0 / 25.4;
        assert!(100.0 * px_per_mm * z <= 400.0 - 24.0 + 0.01);
        assert!(180.0 * px_per_mm * z <= 800.0 - 48.0 + 0.01);
        assert_eq!(
            LabelPreview::fit_zoom(LabelSize::TWO_PART, 1, 1, 1.0),
            ZOOM_RANGE.0
        );
    }
}
