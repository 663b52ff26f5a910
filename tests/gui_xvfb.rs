//! The real window (eframe + the WebKit preview) under Xvfb, driven with xdotool at a packer's
//! pace: a scanner types three orders a second apart, and the ship question over the preview.
//! Run under scripts/test-env/with-services.sh (Xvfb and a private CUPS with a cups-pdf queue).

#![allow(clippy::unwrap_used)] // test helpers may panic: a panic is a failed test

mod common;
mod print_support;
mod xvfb_support;

use std::path::{Path, PathBuf};
use std::process::Command;
use std::time::{Duration, Instant};

use waybill_desk::sandbox::{Sandbox, DEMO_APPID, DEMO_SECRET};
use waybill_desk::wechat::OrderId;
use xvfb_support::{key, scan, xdotool, Window};

/// Starts the window against the sandbox with the demo credentials from the environment,
/// waits for it to map, sizes it, and lets its first refresh list the orders.
fn open_window(sandbox: &Sandbox, data: &Path, size: (u32, u32)) -> Window {
    let window = xvfb_support::open_window(
        print_support::exe(),
        &["--api-base", sandbox.url().as_str(), "--appid", DEMO_APPID],
        &[
            ("WAYBILL_DESK_APPSECRET", DEMO_SECRET),
            ("WAYBILL_DESK_LOG", "info"),
        ],
        data,
        size,
    );
    // The first refresh lists the orders.
    std::thread::sleep(Duration::from_secs(4));
    window
}

/// Clean to-be-shipped orders that take a courier, as the window lists them.
fn courier_orders(runtime: &tokio::runtime::Runtime, sandbox: &Sandbox, n: usize) -> Vec<u64> {
    runtime.block_on(common::courier_orders(&common::client(sandbox), sandbox, n))
}

fn screenshot(name: &str) -> PathBuf {
    xvfb_support::screenshot(&print_support::artifacts_dir(), name)
}

fn barcodes(pdf: &Path) -> String {
    for dpi in [300, 400, 250, 500] {
        let png = print_support::pdf_to_png(pdf, dpi);
        let out = Command::new("zbarimg")
            .args(["--raw", "-q"])
            .arg(&png)
            .output()
            .unwrap();
        let read = String::from_utf8_lossy(&out.stdout).into_owned();
        if !read.trim().is_empty() {
            return read;
        }
    }
    String::new()
}

/// Three scans one second apart in scanner mode: three labels on the queue, in scan order.
#[test]
fn three_scans_a_second_apart_print_three_labels_in_scan_order() {
    let Some(cups) = print_support::cups() else {
        return;
    };
    // The cups-pdf directory is shared with gui.rs's print tests (same lock file).
    let _cups = std::fs::File::create(cups.pdf_dir.with_extension("lock")).unwrap();
    _cups.lock().unwrap();
    let runtime = tokio::runtime::Runtime::new().unwrap();
    let sandbox = runtime.block_on(common::sandbox(60));
    let ids = courier_orders(&runtime, &sandbox, 3);
    assert_eq!(ids.len(), 3);
    let data = tempfile::tempdir().unwrap();
    xvfb_support::write_settings(data.path(), &cups.printer, "zh-cn", "xvfb-station");
    let before = print_support::pdfs_in(&cups.pdf_dir);
    let window = open_window(&sandbox, data.path(), (1440, 900));
    key(&window, "F2");
    std::thread::sleep(Duration::from_millis(800));
    // The mouse rests over the label preview (right panel), where a packer's hand leaves it:
    // the scanner's keys must still reach the scan field, not the label page.
    xdotool(&["mousemove", "1250", "380"]);
    for id in &ids {
        scan(&window, &id.to_string());
        std::thread::sleep(Duration::from_secs(1));
    }
    screenshot("xvfb-scans-queued.png");
    let pdfs = print_support::wait_for_new_pdfs(&cups.pdf_dir, &before, 3);
    assert_eq!(pdfs.len(), 3, "{pdfs:?}");
    screenshot("xvfb-scans-done.png");
    // The waybill of each order, from the journal the window wrote.
    let journal = waybill_desk::store::Journal::open(data.path()).unwrap();
    let waybills: Vec<String> = ids
        .iter()
        .map(|id| {
            journal_block(journal.order_history(OrderId(*id)))
                .unwrap()
                .into_iter()
                .find_map(|e| match e {
                    waybill_desk::store::HistoryEntry::Label(l) => Some(l.waybill_id.0),
                    _ => None,
                })
                .unwrap()
        })
        .collect();
    for (i, pdf) in pdfs.iter().enumerate() {
        let read = barcodes(pdf);
        assert!(
            read.contains(&waybills[i]),
            "job {i} should be the label of scan {i} ({}), read {read:?}; all {waybills:?}",
            ids[i]
        );
    }
    // The first order scanned again: printed again, told apart in amber ("第 2 次打印").
    let before = print_support::pdfs_in(&cups.pdf_dir);
    scan(&window, &ids[0].to_string());
    let again = print_support::wait_for_new_pdfs(&cups.pdf_dir, &before, 1);
    assert!(barcodes(&again[0]).contains(&waybills[0]));
    std::thread::sleep(Duration::from_millis(800));
    let shot = screenshot("xvfb-reprint-amber.png");
    let img = image::open(&shot).unwrap().to_rgb8();
    let amber = img.pixels().filter(|p| p.0 == [0xff, 0xe8, 0xb8]).count();
    assert!(
        amber > 5_000,
        "the amber result is on screen ({amber} pixels)"
    );
    drop(window);
}

/// Share of pixels in `rect` (x, y, w, h) that are the same in both screenshots.
fn same_share(a: &Path, b: &Path, rect: (u32, u32, u32, u32)) -> f64 {
    let a = image::open(a).unwrap().to_rgb8();
    let b = image::open(b).unwrap().to_rgb8();
    let (x, y, w, h) = rect;
    let mut same = 0u64;
    let mut total = 0u64;
    for yy in y..(y + h).min(a.height()) {
        for xx in x..(x + w).min(a.width()) {
            total += 1;
            same += u64::from(a.get_pixel(xx, yy) == b.get_pixel(xx, yy));
        }
    }
    same as f64 / total.max(1) as f64
}

/// Bounding box of the pixels that satisfy `keep`, inside `within`.
fn bbox(
    png: &Path,
    within: (u32, u32, u32, u32),
    keep: impl Fn([u8; 3]) -> bool,
) -> Option<(u32, u32, u32, u32)> {
    let img = image::open(png).unwrap().to_rgb8();
    let (x, y, w, h) = within;
    let (mut x0, mut y0, mut x1, mut y1) = (u32::MAX, u32::MAX, 0, 0);
    for yy in y..(y + h).min(img.height()) {
        for xx in x..(x + w).min(img.width()) {
            if keep(img.get_pixel(xx, yy).0) {
                x0 = x0.min(xx);
                y0 = y0.min(yy);
                x1 = x1.max(xx);
                y1 = y1.max(yy);
            }
        }
    }
    (x0 <= x1).then(|| (x0, y0, x1 - x0 + 1, y1 - y0 + 1))
}

/// The ship question opened over the label preview: its buttons are drawn, not the label.
#[test]
fn the_ship_question_over_the_preview_shows_its_buttons() {
    if !print_support::display() {
        return;
    }
    let runtime = tokio::runtime::Runtime::new().unwrap();
    let sandbox = runtime.block_on(common::sandbox(60));
    let id = courier_orders(&runtime, &sandbox, 1)[0];
    let data = tempfile::tempdir().unwrap();
    // No printer: the scan fetches the label and stops there, focused, with its preview.
    xvfb_support::write_settings(data.path(), "", "zh-cn", "xvfb-station");
    // Tall, so the label preview (about half the panel's height) reaches down to the middle of
    // the window, where the question opens; the question's right part lies over it.
    let window = open_window(&sandbox, data.path(), (1000, 1000));
    xdotool(&["mousemove", "250", "700"]);
    key(&window, "F2");
    std::thread::sleep(Duration::from_millis(800));
    scan(&window, &id.to_string());
    std::thread::sleep(Duration::from_secs(5));
    // Leave scanner mode so Ctrl+Enter reaches the window, not the scan field.
    key(&window, "F2");
    std::thread::sleep(Duration::from_millis(800));
    let before = screenshot("xvfb-preview.png");
    // The preview: WebKit's grey page around the white label.
    let label = bbox(&before, (0, 0, 1000, 1000), |p| p == [138, 143, 152])
        .expect("the preview shows the label");
    assert!(label.2 > 100 && label.3 > 150, "label area {label:?}");
    key(&window, "ctrl+Return");
    std::thread::sleep(Duration::from_millis(1500));
    let after = screenshot("xvfb-ship-question-over-preview.png");
    // The question's window: egui's light window fill, brighter than the dimmed backdrop.
    let modal = bbox(&after, (0, 0, 1000, 1000), |p| {
        p[0] >= 240 && p[0] == p[1] && p[1] == p[2]
    })
    .expect("the question is drawn");
    let overlap = (
        modal.0.max(label.0),
        modal.1.max(label.1),
        (modal.0 + modal.2).min(label.0 + label.2),
        (modal.1 + modal.3).min(label.1 + label.3),
    );
    assert!(
        overlap.2 > overlap.0 && overlap.3 > overlap.1,
        "the question {modal:?} reaches over the preview {label:?}"
    );
    let region = (
        overlap.0,
        overlap.1,
        overlap.2 - overlap.0,
        overlap.3 - overlap.1,
    );
    let same = same_share(&before, &after, region);
    assert!(
        same < 0.2,
        "where the question overlaps the preview, {:.0}% of pixels are still the label's",
        same * 100.0
    );
    // Its buttons ("仍然发货" / "先不发") are in the question's lower part: egui's button fill
    // (a darker grey than the window), not the label's white paper.
    let lower = (modal.0, modal.1 + modal.3 / 2, modal.2, modal.3 / 2);
    let buttons = bbox(&after, lower, |p| {
        p[0] == p[1] && p[1] == p[2] && (200..=235).contains(&p[0])
    });
    assert!(
        buttons.is_some(),
        "button fills in the question's lower half"
    );
    drop(window);
}

/// Problem 7: the print dialog runs in its own process; the window answers clicks while it is
/// open (before, GTK's dialog ran a nested loop in the window's process and clicks waited).
#[test]
fn the_window_answers_while_the_print_dialog_is_open() {
    if !print_support::display() {
        return;
    }
    let runtime = tokio::runtime::Runtime::new().unwrap();
    let sandbox = runtime.block_on(common::sandbox(60));
    let id = courier_orders(&runtime, &sandbox, 1)[0];
    let data = tempfile::tempdir().unwrap();
    xvfb_support::write_settings(data.path(), "", "zh-cn", "xvfb-station");
    let window = open_window(&sandbox, data.path(), (1440, 900));
    xdotool(&["mousemove", "300", "700"]);
    key(&window, "F2");
    std::thread::sleep(Duration::from_millis(800));
    scan(&window, &id.to_string());
    std::thread::sleep(Duration::from_secs(4));
    key(&window, "F2");
    std::thread::sleep(Duration::from_millis(500));
    key(&window, "ctrl+shift+p");
    let deadline = Instant::now() + Duration::from_secs(40);
    let dialog = loop {
        let found = xdotool(&["search", "--onlyvisible", "--name", "^Print$"]);
        if let Some(d) = found.lines().last().and_then(|l| l.parse::<u64>().ok()) {
            break d;
        }
        assert!(Instant::now() < deadline, "no print dialog appeared");
        std::thread::sleep(Duration::from_millis(300));
    };
    screenshot("xvfb-print-dialog.png");
    // Click "English" in the window's toolbar (top right): the window saves the language at once.
    xdotool(&["windowfocus", "--sync", &window.id.to_string()]);
    xdotool(&["mousemove", "1397", "20", "click", "1"]);
    let deadline = Instant::now() + Duration::from_secs(10);
    loop {
        let saved = std::fs::read_to_string(data.path().join("settings.json")).unwrap_or_default();
        if saved.contains("\"en\"") {
            break;
        }
        assert!(
            Instant::now() < deadline,
            "the window did not take the click while the dialog was open: {saved}"
        );
        std::thread::sleep(Duration::from_millis(200));
    }
    let still_open = xdotool(&["search", "--onlyvisible", "--name", "^Print$"]);
    assert!(
        still_open.lines().any(|l| l == dialog.to_string()),
        "the dialog stayed open meanwhile"
    );
    screenshot("xvfb-print-dialog-window-answers.png");
    // Cancel the dialog; its process ends.
    xdotool(&["windowfocus", "--sync", &dialog.to_string()]);
    xdotool(&["key", "Escape"]);
    let deadline = Instant::now() + Duration::from_secs(15);
    while !xdotool(&["search", "--onlyvisible", "--name", "^Print$"]).is_empty() {
        assert!(Instant::now() < deadline, "the dialog did not close");
        std::thread::sleep(Duration::from_millis(200));
    }
    drop(window);
}

/// Problem 4 (persistence): the window's layout (egui memory: panel sizes, column widths) is
/// saved to the data directory within the auto-save interval, and a restart reads it. (A drag
/// of the panel edge could not be driven with xdotool here, so the width itself is not checked.)
#[test]
fn the_window_layout_is_saved_in_the_data_directory() {
    if !print_support::display() {
        return;
    }
    let runtime = tokio::runtime::Runtime::new().unwrap();
    let sandbox = runtime.block_on(common::sandbox(60));
    let data = tempfile::tempdir().unwrap();
    xvfb_support::write_settings(data.path(), "", "zh-cn", "xvfb-station");
    let window = open_window(&sandbox, data.path(), (1440, 900));
    // eframe saves from its frame loop: keep frames coming past the auto-save interval.
    for i in 0..16 {
        xdotool(&["mousemove", &(300 + 10 * (i % 2)).to_string(), "600"]);
        std::thread::sleep(Duration::from_millis(500));
    }
    std::thread::sleep(Duration::from_secs(1));
    drop(window);
    let saved = std::fs::read_to_string(data.path().join("window.ron")).expect("layout saved");
    assert!(saved.contains("egui"), "egui memory in {saved:.200}");
    let window = open_window(&sandbox, data.path(), (1440, 900));
    drop(window);
}

/// Runs a journal call from a test thread that is not inside a runtime.
fn journal_block<T>(f: impl std::future::Future<Output = T>) -> T {
    tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .expect("runtime")
        .block_on(f)
}

/// Issue 12 (the window's memory): the label preview is drawn inside the window by the WebKit
/// helper process — the window's own process has no WebKit mapped — at the panel's place, it
/// follows the panel when the window is resized, and a click on it leaves the keyboard with the
/// window: a scan typed right after the click reaches the scan field.
#[test]
fn the_embedded_preview_comes_from_the_helper_and_the_keys_stay_with_the_window() {
    if !print_support::display() {
        return;
    }
    let runtime = tokio::runtime::Runtime::new().unwrap();
    let sandbox = runtime.block_on(common::sandbox(60));
    let ids = courier_orders(&runtime, &sandbox, 2);
    assert_eq!(ids.len(), 2);
    let data = tempfile::tempdir().unwrap();
    xvfb_support::write_settings(data.path(), "", "zh-cn", "xvfb-station");
    let window = open_window(&sandbox, data.path(), (1000, 1000));
    let pid = window.child.id();
    let maps = |pid: u32| std::fs::read_to_string(format!("/proc/{pid}/maps")).unwrap_or_default();
    assert!(
        !maps(pid).contains("libwebkit2gtk"),
        "the window's process has WebKit mapped at start"
    );
    xdotool(&["mousemove", "250", "700"]);
    key(&window, "F2");
    std::thread::sleep(Duration::from_millis(800));
    scan(&window, &ids[0].to_string());
    std::thread::sleep(Duration::from_secs(5));
    key(&window, "F2");
    std::thread::sleep(Duration::from_millis(800));
    let shown = screenshot("xvfb-embedded-preview.png");
    // WebKit's grey desk around the white label, in the right-hand panel of the window.
    let grey = |p: [u8; 3]| p == [138, 143, 152];
    let label = bbox(&shown, (0, 0, 1000, 1000), grey).expect("the preview shows the label");
    assert!(
        label.0 > 500 && label.2 > 150 && label.3 > 150 && label.0 + label.2 <= 1000,
        "the preview {label:?} is in the window's right-hand panel"
    );
    // Drawn by the helper: the window's process still has no WebKit; the helper does.
    let helper = waybill_desk::print::process::descendants(pid)
        .into_iter()
        .find(|&p| {
            std::fs::read_link(format!("/proc/{p}/exe"))
                .is_ok_and(|exe| exe.ends_with("waybill-desk-webkit"))
        })
        .expect("a waybill-desk-webkit process runs the preview");
    assert!(
        !maps(pid).contains("libwebkit2gtk"),
        "the window's process loaded WebKit"
    );
    assert!(maps(helper).contains("libwebkit2gtk"));

    // The window narrower and shorter: the preview follows its panel.
    xdotool(&["windowsize", &window.id.to_string(), "900", "800"]);
    std::thread::sleep(Duration::from_millis(1500));
    let resized = screenshot("xvfb-embedded-preview-resized.png");
    let moved = bbox(&resized, (0, 0, 1000, 1000), grey).expect("the preview after the resize");
    assert!(
        moved.0 < label.0 && moved.0 + moved.2 <= 900 && moved.1 + moved.3 <= 800,
        "the preview {moved:?} (was {label:?}) follows its panel into the 900x800 window"
    );
    // No grey desk left where the window no longer reaches.
    assert!(
        bbox(&resized, (900, 0, 100, 1000), grey).is_none(),
        "preview pixels outside the resized window"
    );

    // A click on the label, then a scan without focusing anything: the keys reach the window.
    let (cx, cy) = (moved.0 + moved.2 / 2, moved.1 + moved.3 / 2);
    xdotool(&["mousemove", &cx.to_string(), &cy.to_string(), "click", "1"]);
    std::thread::sleep(Duration::from_millis(500));
    xdotool(&["key", "F2"]);
    std::thread::sleep(Duration::from_millis(800));
    xdotool(&["type", "--delay", "15", &ids[1].to_string()]);
    xdotool(&["key", "Return"]);
    let journal = waybill_desk::store::Journal::open(data.path()).unwrap();
    let deadline = Instant::now() + Duration::from_secs(20);
    loop {
        let history = journal_block(journal.order_history(OrderId(ids[1]))).unwrap();
        if history
            .iter()
            .any(|e| matches!(e, waybill_desk::store::HistoryEntry::Label(_)))
        {
            break;
        }
        assert!(
            Instant::now() < deadline,
            "the scan typed after a click on the preview did not reach the window"
        );
        std::thread::sleep(Duration::from_millis(300));
    }
    screenshot("xvfb-embedded-preview-after-click-scan.png");
    drop(window);
}
