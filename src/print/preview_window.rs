//! The fallback preview: a separate window process (`waybill-desk-webkit preview-window --stdin`, tao +
//! wry) that works wherever a child webview does not (Wayland). The app writes one JSON command
//! per line to its stdin; the window answers with JSON lines on stdout:
//!
//! ```text
//! app -> window  {"type":"show","html":"<html>...","size":{"width_mm":100.0,"height_mm":180.0}}
//! app -> window  {"type":"zoom","factor":1.5}
//! app -> window  {"type":"print","label_id":"3704...","preset":{"printer":"zebra"}}  dialog
//! app -> window  {"type":"bounds","x":0,"y":0,"width":400,"height":700}   embedded only
//! app -> window  {"type":"visible","visible":false}    embedded only
//! app -> window  {"type":"scroll","dx":0.0,"dy":40.0}  embedded only
//! app -> window  {"type":"close"}                      (end of stdin closes it too)
//! window -> app  {"type":"ready","x11_window":12345}   the window is up (x11_window on X11)
//! window -> app  {"type":"loaded"}                     a label page finished loading
//! window -> app  {"type":"print_dialog_closed","printed":true}
//! window -> app  {"type":"error","message":"..."}      a command could not be carried out
//! ```
//!
//! With `--embed-in XID` the same process shows the preview inside the app's X11 window (see
//! [`run_embedded`]): the app never loads WebKit itself.

use std::io::{BufRead, Write};
use std::path::PathBuf;
use std::process::{Child, ChildStdin, ChildStdout, Command, Stdio};

use serde::{Deserialize, Serialize};

use super::error::PrintError;
use super::preview::{lock_down, locked_builder, preview_document, ZOOM_RANGE};
use super::process::{descendants, kill_tree, scrub_env, stop_leftovers};
use super::size::LabelSize;

/// The hidden subcommand that runs the window.
pub const PREVIEW_SUBCOMMAND: &str = "preview-window";

/// A line from the app to the preview window.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(tag = "type", rename_all = "snake_case")]
pub enum PreviewCommand {
    /// Show this label page at this size.
    Show { html: String, size: LabelSize },
    /// Set the zoom factor.
    Zoom { factor: f64 },
    /// Open the print dialog for the label shown (its paper preset, `preset` preselected).
    Print {
        label_id: String,
        #[serde(default)]
        preset: Option<super::job::PrintTarget>,
    },
    /// Embedded preview: where it goes, in physical pixels of the host window.
    Bounds {
        x: i32,
        y: i32,
        width: u32,
        height: u32,
    },
    /// Embedded preview: show or hide it (the label stays loaded).
    Visible { visible: bool },
    /// Embedded preview: scroll a zoomed label by (dx, dy) pixels (the view takes no input).
    Scroll { dx: f64, dy: f64 },
    /// Close the window and end the process.
    Close,
}

/// A line from the preview window to the app.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(tag = "type", rename_all = "snake_case")]
pub enum PreviewEvent {
    /// The window is shown; its X11 window id when on X11.
    Ready { x11_window: Option<u64> },
    /// A label page finished loading.
    Loaded,
    /// The print dialog closed: `printed` says whether the label went to the printer.
    PrintDialogClosed { printed: bool },
    /// A command failed.
    Error { message: String },
}

#[derive(Debug)]
enum UserEvent {
    Command(PreviewCommand),
    InputClosed,
}

fn emit(event: &PreviewEvent) {
    if let Ok(line) = serde_json::to_string(event) {
        let mut out = std::io::stdout().lock();
        let _ = writeln!(out, "{line}").and_then(|()| out.flush());
    }
}

fn title(size: LabelSize, zoom: f64) -> String {
    format!("面单预览 Label preview — {size} — {:.0}%", zoom * 100.0)
}

/// Logical window size that shows the whole label at `zoom`, plus the grey margins.
fn window_size(size: LabelSize, zoom: f64) -> (f64, f64) {
    let px_per_mm = 96.0 / 25.4 * zoom;
    (
        (size.width_mm * px_per_mm + 48.0).max(320.0),
        (size.height_mm * px_per_mm + 64.0).max(240.0),
    )
}

/// Runs the preview window on this (main) thread until it is closed or its input ends.
pub fn run(first: Option<String>, size: LabelSize, read_stdin: bool) -> Result<(), PrintError> {
    use tao::event::{Event, WindowEvent};
    use tao::event_loop::{ControlFlow, EventLoopBuilder};
    use tao::platform::run_return::EventLoopExtRunReturn as _;
    use tao::window::WindowBuilder;

    let renderer = |message: String| PrintError::Renderer { message };
    let mut event_loop = EventLoopBuilder::<UserEvent>::with_user_event().build();
    let (w, h) = window_size(size, 1.0);
    let window = WindowBuilder::new()
        .with_title(title(size, 1.0))
        .with_inner_size(tao::dpi::LogicalSize::new(w, h))
        .with_position(tao::dpi::LogicalPosition::new(0.0, 0.0))
        .build(&event_loop)
        .map_err(|e| renderer(e.to_string()))?;
    let builder = locked_builder().with_on_page_load_handler(|event, _| {
        if matches!(event, wry::PageLoadEvent::Finished) {
            emit(&PreviewEvent::Loaded);
        }
    });
    #[cfg(target_os = "linux")]
    let webview = {
        use tao::platform::unix::WindowExtUnix as _;
        use wry::WebViewBuilderExtUnix as _;
        let vbox = window
            .default_vbox()
            .ok_or_else(|| renderer("the window has no GTK box".into()))?;
        builder.build_gtk(vbox)
    };
    #[cfg(not(target_os = "linux"))]
    let webview = builder.build(&window);
    let webview = webview.map_err(|e| renderer(e.to_string()))?;
    lock_down(&webview);
    // Lives as long as the window (this process).
    #[cfg(target_os = "linux")]
    let _watchdog = super::preview::watch_for_hangs(&webview, || {
        emit(&PreviewEvent::Error {
            message: PrintError::LabelUnresponsive {
                seconds: super::gtk_print::HUNG_AFTER.as_secs(),
            }
            .to_string(),
        })
    });
    if let Some(html) = &first {
        webview
            .load_html(&preview_document(html, size, 1.0))
            .map_err(|e| renderer(e.to_string()))?;
    }

    emit(&PreviewEvent::Ready {
        x11_window: x11_window_id(&window),
    });
    if read_stdin {
        read_commands(event_loop.create_proxy());
    }

    let mut size = size;
    let mut zoom = 1.0;
    let mut shown = first;
    event_loop.run_return(|event, _, control_flow| {
        *control_flow = ControlFlow::Wait;
        match event {
            Event::WindowEvent {
                event: WindowEvent::CloseRequested,
                ..
            }
            | Event::UserEvent(UserEvent::Command(PreviewCommand::Close))
            | Event::UserEvent(UserEvent::InputClosed) => *control_flow = ControlFlow::Exit,
            Event::UserEvent(UserEvent::Command(PreviewCommand::Show { html, size: s })) => {
                size = s;
                window.set_title(&title(size, zoom));
                if let Err(e) = webview.load_html(&preview_document(&html, size, zoom)) {
                    emit(&PreviewEvent::Error {
                        message: e.to_string(),
                    });
                }
                shown = Some(html);
            }
            Event::UserEvent(UserEvent::Command(PreviewCommand::Print { label_id, preset })) => {
                match print_dialog(shown.as_deref(), &label_id, size, preset.as_ref()) {
                    Ok(printed) => emit(&PreviewEvent::PrintDialogClosed { printed }),
                    Err(e) => emit(&PreviewEvent::Error {
                        message: e.to_string(),
                    }),
                }
            }
            Event::UserEvent(UserEvent::Command(
                PreviewCommand::Bounds { .. }
                | PreviewCommand::Visible { .. }
                | PreviewCommand::Scroll { .. },
            )) => {}
            Event::UserEvent(UserEvent::Command(PreviewCommand::Zoom { factor })) => {
                zoom = factor.clamp(ZOOM_RANGE.0, ZOOM_RANGE.1);
                window.set_title(&title(size, zoom));
                // Scaled, not WebKit's page zoom (see `preview_document`); loaded again rather
                // than scripted, so a zoom right after a label arrives is not lost in its loading.
                if let Some(html) = &shown {
                    if let Err(e) = webview.load_html(&preview_document(html, size, zoom)) {
                        emit(&PreviewEvent::Error {
                            message: e.to_string(),
                        });
                    }
                }
            }
            _ => {}
        }
    });
    Ok(())
}

/// Reads JSON commands from stdin on a thread of its own and hands them to the event loop; the
/// end of stdin (the app has gone) closes it.
fn read_commands(proxy: tao::event_loop::EventLoopProxy<UserEvent>) {
    std::thread::spawn(move || {
        for line in std::io::stdin().lock().lines() {
            let Ok(line) = line else { break };
            if line.trim().is_empty() {
                continue;
            }
            match serde_json::from_str::<PreviewCommand>(&line) {
                Ok(command) => {
                    if proxy.send_event(UserEvent::Command(command)).is_err() {
                        return;
                    }
                }
                Err(e) => emit(&PreviewEvent::Error {
                    message: format!("not a command: {e}"),
                }),
            }
        }
        let _ = proxy.send_event(UserEvent::InputClosed);
    });
}

/// Another process's X11 window, by its id (an XID names the window on the whole X server),
/// as the parent wry puts a child webview in.
struct ForeignX11Window(u64);

impl raw_window_handle::HasWindowHandle for ForeignX11Window {
    fn window_handle(
        &self,
    ) -> Result<raw_window_handle::WindowHandle<'_>, raw_window_handle::HandleError> {
        let raw = raw_window_handle::RawWindowHandle::Xlib(
            raw_window_handle::XlibWindowHandle::new(self.0 as std::ffi::c_ulong),
        );
        // SAFETY: the handle is a plain X11 window id that wry only passes to Xlib calls (as
        // the parent of the view's container window, and to read its screen's DPI); it borrows
        // no memory of this process. A window that is gone makes those calls fail with an X
        // error, not undefined behaviour.
        #[allow(unsafe_code)]
        let handle = unsafe { raw_window_handle::WindowHandle::borrow_raw(raw) };
        Ok(handle)
    }
}

/// Runs the embedded preview on this (main) thread: the locked-down [`LabelPreview`] as a
/// child of the app's X11 window `parent`, driven by the app's commands on stdin (`bounds`,
/// `visible`, `show`, `zoom`, `scroll`), answering `loaded`, and `error` for a page that hung,
/// until stdin ends (the app has gone) or `close`.
///
/// The view is made on the first `show`, at the last `bounds`, hidden until `visible`.
///
/// [`LabelPreview`]: super::preview::LabelPreview
pub fn run_embedded(parent: u64, first: Option<String>, size: LabelSize) -> Result<(), PrintError> {
    use super::preview::LabelPreview;
    use tao::event::Event;
    use tao::event_loop::{ControlFlow, EventLoopBuilder};
    use tao::platform::run_return::EventLoopExtRunReturn as _;

    let mut event_loop = EventLoopBuilder::<UserEvent>::with_user_event().build();
    let parent = ForeignX11Window(parent);
    read_commands(event_loop.create_proxy());
    emit(&PreviewEvent::Ready { x11_window: None });
    let report = |e: PrintError| {
        emit(&PreviewEvent::Error {
            message: e.to_string(),
        })
    };
    let mut view: Option<LabelPreview> = None;
    let mut bounds = (0, 0, 1, 1);
    let mut visible = false;
    let mut zoom = 1.0;
    let mut pending = first.map(|html| (html, size));
    event_loop.run_return(|event, _, control_flow| {
        *control_flow = ControlFlow::Wait;
        let Event::UserEvent(event) = event else {
            return;
        };
        let command = match event {
            UserEvent::InputClosed => {
                *control_flow = ControlFlow::Exit;
                return;
            }
            UserEvent::Command(command) => command,
        };
        match command {
            PreviewCommand::Close => *control_flow = ControlFlow::Exit,
            PreviewCommand::Bounds {
                x,
                y,
                width,
                height,
            } => {
                bounds = (x, y, width.max(1), height.max(1));
                if let Some(v) = &view {
                    if let Err(e) = v.set_bounds(bounds.0, bounds.1, bounds.2, bounds.3) {
                        report(e);
                    }
                }
            }
            PreviewCommand::Visible { visible: v } => {
                visible = v;
                if let Some(view) = &view {
                    if let Err(e) = view.set_visible(visible) {
                        report(e);
                    }
                }
            }
            PreviewCommand::Show { html, size } => pending = Some((html, size)),
            PreviewCommand::Zoom { factor } => {
                zoom = factor.clamp(ZOOM_RANGE.0, ZOOM_RANGE.1);
                if let Some(v) = &mut view {
                    if let Err(e) = v.set_zoom(zoom) {
                        report(e);
                    }
                }
            }
            PreviewCommand::Scroll { dx, dy } => {
                if let Some(v) = &view {
                    if let Err(e) = v.scroll_by(dx, dy) {
                        tracing::debug!("preview scroll: {e}");
                    }
                }
            }
            PreviewCommand::Print { .. } => report(PrintError::InvalidJob {
                message: "the embedded preview prints through its own print dialog process".into(),
            }),
        }
        let Some((html, size)) = pending.take() else {
            return;
        };
        match &mut view {
            Some(v) => {
                if let Err(e) = v.set_html(&html, size) {
                    report(e);
                }
            }
            None => {
                let made = LabelPreview::new_child_reporting(
                    &parent,
                    bounds,
                    &html,
                    size,
                    || emit(&PreviewEvent::Loaded),
                    || {
                        emit(&PreviewEvent::Error {
                            message: PrintError::LabelUnresponsive {
                                seconds: hung_after_seconds(),
                            }
                            .to_string(),
                        })
                    },
                );
                match made {
                    Ok(mut v) => {
                        if (zoom - 1.0_f64).abs() > 1e-3 {
                            let _ = v.set_zoom(zoom);
                        }
                        if let Err(e) = v.set_visible(visible) {
                            report(e);
                        }
                        view = Some(v);
                    }
                    Err(e) => report(e),
                }
            }
        }
    });
    Ok(())
}

fn hung_after_seconds() -> u64 {
    #[cfg(target_os = "linux")]
    {
        super::gtk_print::HUNG_AFTER.as_secs()
    }
    #[cfg(not(target_os = "linux"))]
    {
        0
    }
}

/// The print dialog for the label shown (the label itself, not the preview's desk).
fn print_dialog(
    html: Option<&str>,
    label_id: &str,
    size: LabelSize,
    preset: Option<&super::job::PrintTarget>,
) -> Result<bool, PrintError> {
    let Some(html) = html else {
        return Err(PrintError::InvalidJob {
            message: "no label is shown".into(),
        });
    };
    #[cfg(target_os = "linux")]
    {
        super::gtk_print::LabelPrinter::new()?.print_with_dialog(label_id, html, size, preset, None)
    }
    #[cfg(not(target_os = "linux"))]
    {
        let _ = (html, label_id, size, preset);
        Err(super::platform_other::silent_printing_unsupported())
    }
}

fn x11_window_id(window: &tao::window::Window) -> Option<u64> {
    use raw_window_handle::{HasWindowHandle as _, RawWindowHandle};
    match window.window_handle().ok()?.as_raw() {
        RawWindowHandle::Xlib(h) => Some(h.window),
        RawWindowHandle::Xcb(h) => Some(u64::from(h.window.get())),
        _ => None,
    }
}

/// A preview window process, seen from the app.
pub struct PreviewWindowProcess {
    child: Child,
    stdin: ChildStdin,
    stdout: Option<ChildStdout>,
}

impl PreviewWindowProcess {
    /// Starts `program preview-window --stdin` (normally the WebKit helper).
    pub fn spawn(program: impl Into<PathBuf>) -> Result<Self, PrintError> {
        Self::spawn_with(program, None)
    }

    /// Starts `program preview-window --stdin`, with `--embed-in XID` when `embed_in` is given:
    /// the preview then shows inside that X11 window (see [`run_embedded`]).
    pub fn spawn_with(
        program: impl Into<PathBuf>,
        embed_in: Option<u64>,
    ) -> Result<Self, PrintError> {
        let program = program.into();
        let mut command = Command::new(&program);
        // Only the environment it needs (no AppSecret); its own process group, so closing it
        // stops WebKit's processes with it.
        scrub_env(&mut command);
        #[cfg(unix)]
        std::os::unix::process::CommandExt::process_group(&mut command, 0);
        let mut child = command
            .args([PREVIEW_SUBCOMMAND, "--stdin"])
            .args(
                embed_in
                    .map(|xid| vec!["--embed-in".to_string(), xid.to_string()])
                    .unwrap_or_default(),
            )
            .stdin(Stdio::piped())
            .stdout(Stdio::piped())
            .stderr(Stdio::inherit())
            .spawn()
            .map_err(|e| {
                super::worker::spawn_failed(&program, &e, |message| PrintError::Renderer {
                    message,
                })
            })?;
        let (Some(stdin), stdout) = (child.stdin.take(), child.stdout.take()) else {
            return Err(PrintError::Renderer {
                message: "preview window has no input pipe".into(),
            });
        };
        Ok(PreviewWindowProcess {
            child,
            stdin,
            stdout,
        })
    }

    /// Starts it from the WebKit helper installed with this executable.
    pub fn spawn_current_exe() -> Result<Self, PrintError> {
        Self::spawn(super::worker::helper_program())
    }

    /// Sends a command; fails when the window has gone (closed by the person, or crashed).
    pub fn send(&mut self, command: &PreviewCommand) -> Result<(), PrintError> {
        let gone = |e: std::io::Error| PrintError::Renderer {
            message: format!("the preview window is gone: {e}"),
        };
        let line = serde_json::to_string(command).map_err(|e| PrintError::Renderer {
            message: e.to_string(),
        })?;
        writeln!(self.stdin, "{line}").map_err(gone)?;
        self.stdin.flush().map_err(gone)
    }

    /// Shows a label page.
    pub fn show(&mut self, html: &str, size: LabelSize) -> Result<(), PrintError> {
        self.send(&PreviewCommand::Show {
            html: html.to_string(),
            size,
        })
    }

    /// Sets the zoom factor.
    pub fn set_zoom(&mut self, factor: f64) -> Result<(), PrintError> {
        self.send(&PreviewCommand::Zoom { factor })
    }

    /// Opens the print dialog in the window for the label shown; the answer arrives as a
    /// `print_dialog_closed` event.
    pub fn print_with_dialog(
        &mut self,
        label_id: &str,
        preset: Option<super::job::PrintTarget>,
    ) -> Result<(), PrintError> {
        self.send(&PreviewCommand::Print {
            label_id: label_id.to_string(),
            preset,
        })
    }

    /// The window's event lines (ready, loaded, error), once; `None` after the first call.
    pub fn take_events(&mut self) -> Option<ChildStdout> {
        self.stdout.take()
    }

    /// Whether the window process still runs.
    pub fn is_alive(&mut self) -> bool {
        matches!(self.child.try_wait(), Ok(None))
    }

    /// The window process's id.
    pub fn pid(&self) -> u32 {
        self.child.id()
    }

    /// Closes the window and reaps the process; one that does not end within 5 s is stopped
    /// with everything it started.
    pub fn close(mut self) {
        let pid = self.child.id();
        let started = descendants(pid);
        let _ = self.send(&PreviewCommand::Close);
        let deadline = std::time::Instant::now() + std::time::Duration::from_secs(5);
        while self.is_alive() && std::time::Instant::now() < deadline {
            std::thread::sleep(std::time::Duration::from_millis(20));
        }
        if !self.is_alive() {
            // WebKit's processes end when the window does; any that do not are stopped.
            stop_leftovers(pid, &started, std::time::Duration::from_secs(1));
        }
        // Drop stops the window if it is still there.
    }
}

impl Drop for PreviewWindowProcess {
    fn drop(&mut self) {
        if self.is_alive() {
            kill_tree(self.child.id());
            let _ = self.child.kill();
            let _ = self.child.wait();
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn commands_and_events_are_tagged_json() {
        let show = PreviewCommand::Show {
            html: "<p>x</p>".into(),
            size: LabelSize::ONE_PART,
        };
        let line = serde_json::to_string(&show).unwrap();
        assert_eq!(
            line,
            r#"{"type":"show","html":"<p>x</p>","size":{"width_mm":76.0,"height_mm":130.0}}"#
        );
        assert_eq!(serde_json::from_str::<PreviewCommand>(&line).unwrap(), show);
        assert_eq!(
            serde_json::from_str::<PreviewCommand>(r#"{"type":"zoom","factor":2}"#).unwrap(),
            PreviewCommand::Zoom { factor: 2.0 }
        );
        assert_eq!(
            serde_json::to_string(&PreviewCommand::Bounds {
                x: 10,
                y: -2,
                width: 300,
                height: 500
            })
            .unwrap(),
            r#"{"type":"bounds","x":10,"y":-2,"width":300,"height":500}"#
        );
        assert_eq!(
            serde_json::from_str::<PreviewCommand>(r#"{"type":"visible","visible":false}"#)
                .unwrap(),
            PreviewCommand::Visible { visible: false }
        );
        assert_eq!(
            serde_json::to_string(&PreviewEvent::Ready {
                x11_window: Some(5)
            })
            .unwrap(),
            r#"{"type":"ready","x11_window":5}"#
        );
    }

    #[test]
    fn window_fits_the_label() {
        let (w, h) = window_size(LabelSize::TWO_PART, 1.0);
        assert!(w > 100.0 * 96.0 / 25.4 && h > 180.0 * 96.0 / 25.4);
        assert!(title(LabelSize::ONE_PART, 1.5).contains("76x130mm — 150%"));
    }
}
