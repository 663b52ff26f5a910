//! The label preview under Xvfb, looked at the way a person would: screenshots of the real
//! windows, whose label area must show the label (ink and a barcode), at the zoom asked for.

#![allow(clippy::unwrap_used)] // a panic is a failed test

mod common;
mod print_support;
mod xvfb_support;

use std::io::{BufRead, BufReader};
use std::path::Path;
use std::sync::mpsc;
use std::time::{Duration, Instant};

use print_support as ps;
use waybill_desk::print::preview_window::{PreviewEvent, PreviewWindowProcess};
use waybill_desk::print::LabelSize;
use waybill_desk::wechat::PrintType;

/// Left and right edge of the white label on row `y` of a screenshot (the desk around it is
/// grey), or None when the row has no white run.
fn white_span(png: &Path, y: u32) -> Option<(u32, u32)> {
    let img = image::open(png).unwrap().to_rgb8();
    let white = |x: u32| img.get_pixel(x, y).0.iter().all(|&c| c > 235);
    let xs: Vec<u32> = (0..img.width()).filter(|&x| white(x)).collect();
    Some((*xs.first()?, *xs.last()?))
}

/// Label ink at the label's spot: some dark, mostly not, and a row with many bar edges.
fn shows_label(png: &Path, x: u32, y: u32, w: u32, h: u32) -> bool {
    let (dark, edges) = ps::ink(png, x, y, w, h);
    (0.015..0.6).contains(&dark) && edges >= 40
}

#[tokio::test]
async fn the_preview_window_shows_the_label_its_size_and_zooms() {
    if !ps::display() {
        return;
    }
    let _display = xvfb_support::lock_display();
    let (_sb, labels) = ps::sandbox_labels(1, PrintType::TwoPart).await;
    let html = labels[0].html.clone();
    let shots = ps::artifacts_dir();

    tokio::task::spawn_blocking(move || {
        let mut window = PreviewWindowProcess::spawn(ps::helper()).unwrap();
        let events = window.take_events().unwrap();
        let (tx, rx) = mpsc::channel();
        std::thread::spawn(move || {
            for line in BufReader::new(events).lines() {
                let Ok(line) = line else { break };
                let _ = tx.send(serde_json::from_str::<PreviewEvent>(&line).unwrap());
            }
        });
        let next = || rx.recv_timeout(Duration::from_secs(30)).unwrap();
        let x11 = match next() {
            PreviewEvent::Ready { x11_window } => x11_window.expect("an X11 window id"),
            other => panic!("{other:?}"),
        };
        window.show(&html, LabelSize::TWO_PART).unwrap();
        assert_eq!(next(), PreviewEvent::Loaded);

        // The label sits on the grey desk, 28 px from the top, centred, 378 x 680 px at 100%.
        let shot = shots.join("preview-window.png");
        let ok = ps::screenshot_until(x11, &shot, |png| {
            let Ok((w, _)) = image::image_dimensions(png) else {
                return false;
            };
            let left = (w.saturating_sub(378)) / 2;
            shows_label(png, left, 28, 378, 680)
        });
        assert!(ok, "no label in the preview window; see {}", shot.display());
        let (l, r) = white_span(&shot, 400).expect("label row");
        let full_width = r - l + 1;
        assert!(
            (370..=386).contains(&full_width),
            "label is {full_width} px wide at 100%"
        );
        let title = std::process::Command::new("xdotool")
            .args(["getwindowname", &x11.to_string()])
            .output()
            .unwrap();
        let title = String::from_utf8_lossy(&title.stdout);
        assert!(
            title.contains("100x180mm") && title.contains("100%"),
            "{title}"
        );

        // Zoom to 50%: the label is drawn half as wide.
        window.set_zoom(0.5).unwrap();
        let zoomed = shots.join("preview-window-50.png");
        let ok = ps::screenshot_until(x11, &zoomed, |png| {
            white_span(png, 150).is_some_and(|(l, r)| {
                let w = r - l + 1;
                w * 10 < full_width * 6 && w * 10 > full_width * 4
            })
        });
        assert!(
            ok,
            "zoom 0.5 did not halve the label; see {}",
            zoomed.display()
        );
        window.close();
    })
    .await
    .unwrap();
}

#[tokio::test]
async fn a_child_preview_shows_the_label_inside_another_window() {
    if !ps::display() {
        return;
    }
    let _display = xvfb_support::lock_display();
    let (_sb, labels) = ps::sandbox_labels(1, PrintType::OnePart).await;
    let html = labels[0].html.clone();
    let shots = ps::artifacts_dir();
    // GTK belongs to one thread: everything from here on runs on this one. WebKit deadlocks
    // tearing down the run loop of a GTK thread that exits (the app's GTK thread is its main
    // thread, which never does), so this thread reports its outcome and then stays parked.
    let (tx, rx) = mpsc::channel();
    std::thread::spawn(move || {
        let outcome = std::panic::catch_unwind(std::panic::AssertUnwindSafe(|| {
            child_preview(&html, &shots)
        }));
        let _ = tx.send(outcome.map_err(|panic| {
            panic
                .downcast_ref::<String>()
                .cloned()
                .or_else(|| panic.downcast_ref::<&str>().map(|s| s.to_string()))
                .unwrap_or_else(|| "panicked".into())
        }));
        loop {
            std::thread::park();
        }
    });
    match rx.recv_timeout(Duration::from_secs(240)) {
        Ok(Ok(())) => {}
        Ok(Err(message)) => panic!("{message}"),
        Err(e) => panic!("the child preview did not finish: {e}"),
    }
}

fn child_preview(html: &str, shots: &Path) {
    use raw_window_handle::{HasWindowHandle as _, RawWindowHandle};
    use tao::event_loop::EventLoopBuilder;
    use tao::platform::unix::EventLoopBuilderExtUnix as _;
    use tao::window::WindowBuilder;
    use waybill_desk::print::preview::{pump, LabelPreview};

    // A plain window that nobody else pumps, like the eframe window the app hosts it in.
    let event_loop = EventLoopBuilder::new().with_any_thread(true).build();
    let window = WindowBuilder::new()
        .with_title("host")
        .with_inner_size(tao::dpi::PhysicalSize::new(760u32, 700u32))
        .with_position(tao::dpi::PhysicalPosition::new(820, 0))
        .build(&event_loop)
        .unwrap();
    let xid = match window.window_handle().unwrap().as_raw() {
        RawWindowHandle::Xlib(h) => h.window,
        other => panic!("not X11: {other:?}"),
    };
    let preview =
        LabelPreview::new_child(&window, (20, 10, 340, 600), html, LabelSize::ONE_PART).unwrap();
    let pump_until = |done: &dyn Fn() -> bool| {
        let deadline = Instant::now() + Duration::from_secs(30);
        while !done() && Instant::now() < deadline {
            pump();
            std::thread::sleep(Duration::from_millis(10));
        }
    };
    pump_until(&|| preview.is_loaded());
    assert!(preview.is_loaded(), "the label page loaded");
    assert_eq!(preview.size(), LabelSize::ONE_PART);

    // 76 x 130 mm is 287 x 491 px at 100%, centred in the 340 px wide child at x 20.
    let shot = shots.join("preview-child.png");
    let label_x = 20 + (340 - 287) / 2;
    let shows = |png: &Path| shows_label(png, label_x, 10 + 28, 287, 491);
    let seen = screenshot_until_pumped(xid, &shot, &shows);
    assert!(
        seen,
        "no label in the child preview; see {}",
        shot.display()
    );
    // Nothing of it outside its bounds.
    let (_, right_edges) = ps::ink(&shot, 380, 0, 370, 700);
    assert!(right_edges < 4, "ink outside the child's bounds");

    // Move it right: the label follows.
    preview.set_bounds(400, 10, 340, 600).unwrap();
    let moved = shots.join("preview-child-moved.png");
    let seen = screenshot_until_pumped(xid, &moved, &|png: &Path| {
        shows_label(png, 400 + (340 - 287) / 2, 38, 287, 491)
    });
    assert!(seen, "the preview did not move; see {}", moved.display());

    // Hidden: no label left in the window.
    preview.set_visible(false).unwrap();
    let hidden = shots.join("preview-child-hidden.png");
    let seen = screenshot_until_pumped(xid, &hidden, &|png: &Path| {
        ps::ink(png, 0, 0, 760, 700).1 < 4
    });
    assert!(seen, "the preview did not hide; see {}", hidden.display());
    drop(preview);
    drop(window);
}

/// Like `screenshot_until`, pumping GTK between shots (nobody else does in this window).
fn screenshot_until_pumped(xid: u64, path: &Path, check: &dyn Fn(&Path) -> bool) -> bool {
    let deadline = Instant::now() + Duration::from_secs(30);
    loop {
        for _ in 0..20 {
            waybill_desk::print::preview::pump();
            std::thread::sleep(Duration::from_millis(10));
        }
        ps::screenshot_window(xid, path);
        if check(path) {
            return true;
        }
        if Instant::now() > deadline {
            return false;
        }
    }
}

#[tokio::test]
async fn print_with_dialog_shows_the_gtk_dialog_and_prints_at_the_label_size() {
    if !ps::display() {
        return;
    }
    let _display = xvfb_support::lock_display();
    let (_sb, labels) = ps::sandbox_labels(1, PrintType::TwoPart).await;
    let label = labels[0].clone();
    let dir = tempfile::tempdir().unwrap();
    let pdf = dir.path().join("dialog.pdf");
    let shots = ps::artifacts_dir();

    let target = pdf.clone();
    tokio::task::spawn_blocking(move || {
        let mut window = PreviewWindowProcess::spawn(ps::helper()).unwrap();
        let events = window.take_events().unwrap();
        let (tx, rx) = mpsc::channel();
        std::thread::spawn(move || {
            for line in BufReader::new(events).lines() {
                let Ok(line) = line else { break };
                let _ = tx.send(serde_json::from_str::<PreviewEvent>(&line).unwrap());
            }
        });
        let next = || rx.recv_timeout(Duration::from_secs(60)).unwrap();
        assert!(matches!(next(), PreviewEvent::Ready { .. }));
        window.show(&label.html, LabelSize::TWO_PART).unwrap();
        assert_eq!(next(), PreviewEvent::Loaded);
        window
            .print_with_dialog(
                &label.order_id,
                Some(waybill_desk::print::PrintTarget::PdfFile(target.clone())),
            )
            .unwrap();

        // A person sees GTK's print dialog with "Print to File" preselected and presses Enter.
        let deadline = Instant::now() + Duration::from_secs(30);
        let dialog = loop {
            let found = std::process::Command::new("xdotool")
                .args(["search", "--onlyvisible", "--name", "^Print$"])
                .output()
                .unwrap();
            let ids = String::from_utf8_lossy(&found.stdout).trim().to_string();
            if let Some(id) = ids.lines().last() {
                break id.to_string();
            }
            assert!(Instant::now() < deadline, "no print dialog appeared");
            std::thread::sleep(Duration::from_millis(200));
        };
        std::thread::sleep(Duration::from_millis(500));
        ps::screenshot_window(dialog.parse().unwrap(), &shots.join("print-dialog.png"));
        let status = std::process::Command::new("xdotool")
            .args(["windowfocus", "--sync", &dialog, "key", "Return"])
            .status()
            .unwrap();
        assert!(status.success());
        assert_eq!(next(), PreviewEvent::PrintDialogClosed { printed: true });
        window.close();
    })
    .await
    .unwrap();

    let info = ps::pdfinfo(&pdf);
    assert_eq!((info.pages, info.rounded()), (1, (283, 510)), "{info:?}");
    assert!(ps::pdftotext(&pdf).contains(&labels[0].waybill_id.to_string()));
}

/// A one-part label in the sandbox's style (sizes in mm, a fixed page with `overflow: hidden`)
/// whose text fills most of the page, with a known last line.
fn full_label() -> String {
    let lines: String = (0..28)
        .map(|i| format!("<div>寄 仓库小李 第{i}行 深圳市南山区科技园</div>"))
        .collect();
    format!(
        "<!DOCTYPE html><html><head><meta charset=\"utf-8\"><style>\
         @page {{ size: 76mm 130mm; margin: 0 }} *, *::before, *::after {{ box-sizing: border-box; }}\
         html, body {{ margin: 0; padding: 0; }}\
         body {{ width: 76mm; height: 130mm; overflow: hidden; padding: 1.5mm; font-size: 2.8mm; \
         line-height: 1.25; font-family: sans-serif; }}\
         </style></head><body>{lines}<div id=\"end\">END-OF-LABEL</div></body></html>"
    )
}

/// Where the last line is, from the page's own script: its top in the label's layout (CSS px,
/// transforms aside), whether it ends inside the page (not cut by `overflow: hidden`) and inside
/// the view, and the zoom the page has.
#[derive(Debug, serde::Deserialize)]
struct EndLine {
    top: f64,
    inside_page: bool,
    inside_view: bool,
    zoom: String,
}

const MEASURE: &str = "(function () {\
    const end = document.getElementById('end').getBoundingClientRect();\
    const page = document.body.getBoundingClientRect();\
    return JSON.stringify({\
        top: document.getElementById('end').offsetTop,\
        inside_page: end.bottom <= page.bottom + 0.5,\
        inside_view: end.bottom <= window.innerHeight && end.right <= window.innerWidth,\
        zoom: getComputedStyle(document.documentElement)\
            .getPropertyValue('--waybill-desk-zoom').trim(),\
    });\
})()";

fn measure(preview: &waybill_desk::print::preview::LabelPreview) -> EndLine {
    let (tx, rx) = mpsc::channel();
    preview
        .webview()
        .evaluate_script_with_callback(MEASURE, move |json| {
            let _ = tx.send(json);
        })
        .unwrap();
    let deadline = Instant::now() + Duration::from_secs(20);
    let json = loop {
        waybill_desk::print::preview::pump();
        if let Ok(json) = rx.try_recv() {
            break json;
        }
        assert!(Instant::now() < deadline, "the page script did not answer");
        std::thread::sleep(Duration::from_millis(10));
    };
    // The script returns a JSON string; the callback gets it JSON-encoded once more.
    let inner: String = serde_json::from_str(&json).unwrap_or(json);
    serde_json::from_str(&inner).unwrap()
}

/// Problem 2 of issue 10: at "fit" the preview cut off a label's last lines (sender, goods)
/// that the printout has. WebKit's page zoom laid the page out again with a 9 px floor on text,
/// so text grew and the label's `overflow: hidden` cut it. The preview must lay the label out
/// exactly as at 100% (as it prints) at any zoom.
#[tokio::test]
async fn at_fit_the_preview_lays_the_label_out_as_it_prints_nothing_cut() {
    if !ps::display() {
        return;
    }
    let _display = xvfb_support::lock_display();
    let (tx, rx) = mpsc::channel();
    // GTK belongs to one thread, which stays parked afterwards (see the test above).
    std::thread::spawn(move || {
        let outcome = std::panic::catch_unwind(fit_preview);
        let _ = tx.send(outcome.map_err(|panic| {
            panic
                .downcast_ref::<String>()
                .cloned()
                .or_else(|| panic.downcast_ref::<&str>().map(|s| s.to_string()))
                .unwrap_or_else(|| "panicked".into())
        }));
        loop {
            std::thread::park();
        }
    });
    match rx.recv_timeout(Duration::from_secs(240)) {
        Ok(Ok(())) => {}
        Ok(Err(message)) => panic!("{message}"),
        Err(e) => panic!("the preview did not finish: {e}"),
    }
}

fn fit_preview() {
    use tao::event_loop::EventLoopBuilder;
    use tao::platform::unix::EventLoopBuilderExtUnix as _;
    use tao::window::WindowBuilder;
    use waybill_desk::print::preview::{pump, LabelPreview};

    let event_loop = EventLoopBuilder::new().with_any_thread(true).build();
    let window = WindowBuilder::new()
        .with_title("host-fit")
        .with_inner_size(tao::dpi::PhysicalSize::new(400u32, 400u32))
        .with_position(tao::dpi::PhysicalPosition::new(0, 0))
        .build(&event_loop)
        .unwrap();
    let html = full_label();
    let bounds = (10, 10, 300, 330);
    let mut preview = LabelPreview::new_child(&window, bounds, &html, LabelSize::ONE_PART).unwrap();
    let pump_until = |done: &dyn Fn() -> bool| {
        let deadline = Instant::now() + Duration::from_secs(30);
        while !done() && Instant::now() < deadline {
            pump();
            std::thread::sleep(Duration::from_millis(10));
        }
    };
    pump_until(&|| preview.is_loaded());
    assert!(preview.is_loaded(), "the label page loaded");

    // At 100% (the printout's layout) the last line is on the page.
    let full = measure(&preview);
    assert!(
        full.inside_page,
        "at 100% the last line is on the page: {full:?}"
    );

    // At "fit" the whole label is in view, laid out the same: the last line at the same place.
    let fit = LabelPreview::fit_zoom(LabelSize::ONE_PART, bounds.2, bounds.3, 1.0);
    assert!(fit < 0.8, "the view is small enough to zoom out ({fit})");
    preview.set_zoom(fit).unwrap();
    let at_fit = measure(&preview);
    let shot = ps::artifacts_dir().join("preview-fit-full-label.png");
    for _ in 0..30 {
        pump();
        std::thread::sleep(Duration::from_millis(10));
    }
    if let raw_window_handle::RawWindowHandle::Xlib(h) =
        raw_window_handle::HasWindowHandle::window_handle(&window)
            .unwrap()
            .as_raw()
    {
        ps::screenshot_window(h.window, &shot);
    }
    assert!(
        at_fit.inside_page && at_fit.inside_view,
        "at fit ({fit:.2}) the last line is cut off: {at_fit:?}; see {}",
        shot.display()
    );
    assert!(
        (at_fit.top - full.top).abs() < 1.0,
        "at fit the label is laid out as at 100% (as it prints): last line at {} px, not {} px",
        at_fit.top,
        full.top
    );

    // A label shown while zoomed out, and zoomed while it loads, comes up at that zoom.
    preview.set_html(&html, LabelSize::ONE_PART).unwrap();
    preview.set_zoom(fit * 0.9).unwrap();
    pump_until(&|| preview.is_loaded());
    let reloaded = measure(&preview);
    assert_eq!(reloaded.zoom.parse::<f64>().ok(), Some(fit * 0.9));
    assert!(
        reloaded.inside_page && (reloaded.top - full.top).abs() < 1.0,
        "{reloaded:?}"
    );
    drop(preview);
    drop(window);
}
