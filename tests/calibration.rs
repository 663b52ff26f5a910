//! Printer calibration through real CUPS (cups-pdf queues of this test's own, under
//! scripts/test-env/with-services.sh): the test label printed with and without a calibration of
//! x +3 mm / y -2 mm comes out moved by exactly that (measured on the PDF rendered at 254 dpi,
//! 10 px per mm), on a page of the label's size; a real order label printed after calibrating
//! moves the same way; printer A's calibration leaves printer B's jobs alone; out-of-range values
//! are refused.

#![allow(clippy::unwrap_used)] // a panic is a failed test

mod common;
mod print_support;

use std::path::{Path, PathBuf};
use std::process::Command;

use print_support as ps;
use waybill_desk::print::calibration::for_target;
use waybill_desk::print::test_label::{TestLabel, FRAME_INSET_MM};
use waybill_desk::print::{
    print_batch, Calibration, CalibrationError, Calibrations, CancelToken, JobOutcome, LabelSize,
    PrintJob, PrintOptions, PrintTarget,
};
use waybill_desk::wechat::PrintType;

/// 254 dpi: 10 pixels per millimetre.
const DPI: u32 = 254;
const PX_PER_MM: f64 = 10.0;
/// How far a measured edge may be from where it should be, in mm.
const TOLERANCE_MM: f64 = 0.3;

/// A cups-pdf queue writing into a directory of its own (so no other test's PDFs mix in):
/// its own cups-pdf configuration (`/etc/cups/cups-pdf-NAME.conf`, removed again) and queue.
struct OwnPdfQueue {
    name: String,
    conf: PathBuf,
    dir: PathBuf,
}

impl OwnPdfQueue {
    fn new(cups: &ps::Cups, suffix: &str) -> Self {
        let backend = format!("calib{suffix}{}", std::process::id());
        let name = format!("waybill-calib-{suffix}-{}", std::process::id());
        let base = std::env::var("WAYBILL_DESK_TEST_TMP").unwrap();
        let dir = PathBuf::from(base).join(&backend);
        std::fs::create_dir_all(&dir).unwrap();
        Command::new("chmod")
            .arg("0777")
            .arg(&dir)
            .status()
            .unwrap();
        let conf = PathBuf::from(format!("/etc/cups/cups-pdf-{backend}.conf"));
        std::fs::write(
            &conf,
            format!(
                "Out {d}\nAnonDirName {d}\nLabel 1\nUserUMask 0022\nGrp lp\n",
                d = dir.display()
            ),
        )
        .unwrap();
        let status = Command::new("lpadmin")
            .args([
                "-p",
                &name,
                "-E",
                "-v",
                &format!("cups-pdf:/{backend}"),
                "-P",
            ])
            .arg(&cups.ppd)
            .status()
            .unwrap();
        assert!(status.success(), "lpadmin -p {name}");
        OwnPdfQueue { name, conf, dir }
    }
}

impl Drop for OwnPdfQueue {
    fn drop(&mut self) {
        let _ = Command::new("lpadmin").args(["-x", &self.name]).status();
        let _ = std::fs::remove_file(&self.conf);
    }
}

/// A grey image read from a PNG.
struct Gray {
    width: u32,
    height: u32,
    px: Vec<u8>,
}

impl Gray {
    fn open(png: &Path) -> Self {
        let img = image::open(png).unwrap().to_luma8();
        Gray {
            width: img.width(),
            height: img.height(),
            px: img.into_raw(),
        }
    }

    fn dark(&self, x: u32, y: u32) -> bool {
        self.px[(y * self.width + x) as usize] < 128
    }

    /// The first dark run along a row (from the left), as (start, end) in pixels.
    fn run_in_row(&self, y: u32) -> (u32, u32) {
        let start = (0..self.width).find(|&x| self.dark(x, y)).unwrap();
        let end = (start..self.width).find(|&x| !self.dark(x, y)).unwrap();
        (start, end)
    }

    /// The first dark run down a column (from the top), as (start, end) in pixels.
    fn run_in_column(&self, x: u32) -> (u32, u32) {
        let start = (0..self.height).find(|&y| self.dark(x, y)).unwrap();
        let end = (start..self.height).find(|&y| !self.dark(x, y)).unwrap();
        (start, end)
    }
}

/// Where the test label's frame is: the middle of its left and top lines, in mm from the
/// paper's edges (measured half a millimetre off the ruler ticks, which sit on whole mm).
fn frame_lines_mm(png: &Path) -> (f64, f64) {
    let img = Gray::open(png);
    let row = (40.5 * PX_PER_MM) as u32;
    let column = (40.5 * PX_PER_MM) as u32;
    let (l0, l1) = img.run_in_row(row);
    let (t0, t1) = img.run_in_column(column);
    let mid = |a: u32, b: u32| f64::from(a + b) / 2.0 / PX_PER_MM;
    (mid(l0, l1), mid(t0, t1))
}

/// The shift (in mm) that best maps `before` onto `after`: the dark pixels counted per column
/// and per row, and each profile matched against the other within ±6 mm, one pixel (0.1 mm) at
/// a time, away from the edges (where a shifted label is cut off).
fn best_shift_mm(before: &Path, after: &Path) -> (f64, f64) {
    let (a, b) = (Gray::open(before), Gray::open(after));
    assert_eq!((a.width, a.height), (b.width, b.height));
    let columns = |g: &Gray| -> Vec<i64> {
        (0..g.width)
            .map(|x| (0..g.height).filter(|&y| g.dark(x, y)).count() as i64)
            .collect()
    };
    let rows = |g: &Gray| -> Vec<i64> {
        (0..g.height)
            .map(|y| (0..g.width).filter(|&x| g.dark(x, y)).count() as i64)
            .collect()
    };
    let shift = |p: &[i64], q: &[i64]| -> f64 {
        let reach = (6.0 * PX_PER_MM) as i64;
        let n = p.len() as i64;
        let (_, best) = (-reach..=reach)
            .map(|d| {
                let cost: i64 = (reach..n - reach)
                    .map(|i| (p[i as usize] - q[(i + d) as usize]).abs())
                    .sum();
                (cost, d)
            })
            .min()
            .unwrap();
        best as f64 / PX_PER_MM
    };
    (
        shift(&columns(&a), &columns(&b)),
        shift(&rows(&a), &rows(&b)),
    )
}

fn assert_near(what: &str, got: f64, want: f64) {
    assert!(
        (got - want).abs() <= TOLERANCE_MM,
        "{what}: {got:.2} mm, expected {want:.2} mm (±{TOLERANCE_MM})"
    );
}

/// Prints `jobs` with the given calibrations and returns the queue's new PDFs, oldest first.
async fn print_to(
    queue: &OwnPdfQueue,
    jobs: Vec<PrintJob>,
    calibrations: Calibrations,
) -> Vec<PathBuf> {
    let before = ps::pdfs_in(&queue.dir);
    let n = jobs.len();
    let options = PrintOptions {
        calibrations,
        ..PrintOptions::new(ps::worker())
    };
    let results = print_batch(jobs, &options, |_| {}, &CancelToken::new()).await;
    for r in &results {
        assert_eq!(r.outcome, JobOutcome::Printed, "{r:?}");
    }
    let dir = queue.dir.clone();
    tokio::task::spawn_blocking(move || ps::wait_for_new_pdfs(&dir, &before, n))
        .await
        .unwrap()
}

fn one(printer: &str, calibration: Calibration) -> Calibrations {
    let mut all = Calibrations::new();
    all.insert(printer.to_string(), calibration);
    all
}

#[tokio::test]
async fn the_test_label_moves_by_the_calibration_on_a_page_of_the_label_size() {
    let Some(cups) = ps::cups() else { return };
    let queue = OwnPdfQueue::new(&cups, "a");
    let size = LabelSize::L100X150;
    let shift = Calibration::new(3.0, -2.0, 100.0).unwrap();
    let label = |c| TestLabel::now(&queue.name, size, c);
    let plain = print_to(
        &queue,
        vec![label(Calibration::NONE).job(PrintTarget::Printer(queue.name.clone()))],
        Calibrations::new(),
    )
    .await;
    let moved = print_to(
        &queue,
        vec![label(shift).job(PrintTarget::Printer(queue.name.clone()))],
        one(&queue.name, shift),
    )
    .await;
    for pdf in [&plain[0], &moved[0]] {
        let info = ps::pdfinfo(pdf);
        assert_eq!(info.pages, 1, "{}", pdf.display());
        assert_eq!(info.rounded(), (283, 425), "100x150 mm, not A4: {info:?}");
    }
    let (plain_png, moved_png) = (
        ps::pdf_to_png(&plain[0], DPI),
        ps::pdf_to_png(&moved[0], DPI),
    );
    let (x0, y0) = frame_lines_mm(&plain_png);
    let (x1, y1) = frame_lines_mm(&moved_png);
    eprintln!("frame lines: plain ({x0:.2}, {y0:.2}) mm, calibrated ({x1:.2}, {y1:.2}) mm");
    // Uncalibrated, the frame's 0.4 mm line sits 2.0..2.4 mm from the edges.
    assert_near("plain frame, left line", x0, FRAME_INSET_MM + 0.2);
    assert_near("plain frame, top line", y0, FRAME_INSET_MM + 0.2);
    assert_near("calibrated shift x", x1 - x0, 3.0);
    assert_near("calibrated shift y", y1 - y0, -2.0);
    // docs/ only when asked (WAYBILL_DESK_UPDATE_DOCS=1): a test run leaves the tree as it was.
    let docs = Path::new(env!("CARGO_MANIFEST_DIR")).join("docs");
    if docs.is_dir() && std::env::var("WAYBILL_DESK_UPDATE_DOCS").as_deref() == Ok("1") {
        std::fs::copy(&moved_png, docs.join("issue14-test-label-calibrated.png")).unwrap();
    }
    std::fs::copy(
        &moved_png,
        ps::artifacts_dir().join("calibration-test-label-moved.png"),
    )
    .unwrap();
    std::fs::copy(
        &plain_png,
        ps::artifacts_dir().join("calibration-test-label-plain.png"),
    )
    .unwrap();
}

/// Left and right frame lines along one row, in mm from the paper's left edge.
fn frame_left_right_mm(png: &Path) -> (f64, f64) {
    let img = Gray::open(png);
    let y = (40.5 * PX_PER_MM) as u32;
    let (l0, l1) = img.run_in_row(y);
    let r1 = (0..img.width).rev().find(|&x| img.dark(x, y)).unwrap() + 1;
    let r0 = (0..r1).rev().find(|&x| !img.dark(x, y)).unwrap() + 1;
    let mid = |a: u32, b: u32| f64::from(a + b) / 2.0 / PX_PER_MM;
    (mid(l0, l1), mid(r0, r1))
}

#[tokio::test]
async fn a_scale_of_95_percent_shrinks_the_label_about_the_paper_corner() {
    let Some(cups) = ps::cups() else { return };
    let queue = OwnPdfQueue::new(&cups, "s");
    let size = LabelSize::L100X150;
    let small = Calibration::new(0.0, 0.0, 95.0).unwrap();
    let pdf =
        print_to(
            &queue,
            vec![TestLabel::now(&queue.name, size, small)
                .job(PrintTarget::Printer(queue.name.clone()))],
            one(&queue.name, small),
        )
        .await;
    assert_eq!(
        ps::pdfinfo(&pdf[0]).rounded(),
        (283, 425),
        "the page stays 100x150 mm"
    );
    let (left, right) = frame_left_right_mm(&ps::pdf_to_png(&pdf[0], DPI));
    eprintln!("frame lines at 95 %: left {left:.2} mm, right {right:.2} mm");
    // Unscaled the lines' middles are at 2.2 and 97.8 mm; at 95 % about the corner, 2.09 and
    // 92.91 mm.
    assert_near("left line at 95 %", left, 2.2 * 0.95);
    assert_near("right line at 95 %", right, 97.8 * 0.95);
}

#[tokio::test]
async fn a_real_label_moves_the_same_way_and_another_printer_is_left_alone() {
    let Some(cups) = ps::cups() else { return };
    let (_sb, labels) = ps::sandbox_labels(1, PrintType::TwoPart).await;
    let (a, b) = (OwnPdfQueue::new(&cups, "ra"), OwnPdfQueue::new(&cups, "rb"));
    let job = |queue: &OwnPdfQueue| PrintJob {
        label_id: labels[0].order_id.clone(),
        html: labels[0].html.clone(),
        size: LabelSize::TWO_PART,
        target: PrintTarget::Printer(queue.name.clone()),
        copies: 1,
    };
    let shift = Calibration::new(3.0, -2.0, 100.0).unwrap();
    // Before calibrating, on A; after calibrating A, on A and on B.
    let before = print_to(&a, vec![job(&a)], Calibrations::new()).await;
    let calibrated = one(&a.name, shift);
    let after_a = print_to(&a, vec![job(&a)], calibrated.clone()).await;
    let after_b = print_to(&b, vec![job(&b)], calibrated).await;
    for pdf in [&before[0], &after_a[0], &after_b[0]] {
        assert_eq!(ps::pdfinfo(pdf).rounded(), (283, 510), "100x180 mm");
    }
    let before = ps::pdf_to_png(&before[0], DPI);
    let (dx, dy) = best_shift_mm(&before, &ps::pdf_to_png(&after_a[0], DPI));
    eprintln!("real label on A moved by ({dx:.1}, {dy:.1}) mm");
    assert_near("real label on A, x", dx, 3.0);
    assert_near("real label on A, y", dy, -2.0);
    let (dx, dy) = best_shift_mm(&before, &ps::pdf_to_png(&after_b[0], DPI));
    eprintln!("real label on B moved by ({dx:.1}, {dy:.1}) mm");
    assert_near("real label on B, x", dx, 0.0);
    assert_near("real label on B, y", dy, 0.0);
}

#[test]
fn out_of_range_values_are_refused_and_never_applied() {
    for (x, y, s) in [(10.5, 0.0, 100.0), (0.0, -11.0, 100.0)] {
        assert!(matches!(
            Calibration::new(x, y, s),
            Err(CalibrationError::OffsetOutOfRange { .. })
        ));
    }
    for s in [89.0, 111.0] {
        assert!(matches!(
            Calibration::new(0.0, 0.0, s),
            Err(CalibrationError::ScaleOutOfRange { .. })
        ));
    }
    // A hand-edited settings file with a wild value: the job prints uncalibrated.
    let wild = Calibration {
        x_mm: 40.0,
        ..Calibration::NONE
    };
    assert!(for_target(&one("Q", wild), &PrintTarget::Printer("Q".into())).is_none());
}

/// Runs the binary with a data directory of its own, against the sandbox.
async fn cli(
    sb: &waybill_desk::sandbox::Sandbox,
    data: &Path,
    args: &[&str],
) -> std::process::Output {
    let mut cmd = Command::new(ps::exe());
    cmd.args([
        "--api-base",
        sb.url().as_str(),
        "--appid",
        waybill_desk::sandbox::DEMO_APPID,
        "--lang",
        "en",
    ])
    .env("WAYBILL_DESK_APPSECRET", waybill_desk::sandbox::DEMO_SECRET)
    .env("WAYBILL_DESK_DATA_DIR", data)
    .args(args);
    tokio::task::spawn_blocking(move || cmd.output().unwrap())
        .await
        .unwrap()
}

fn text(o: &std::process::Output) -> String {
    format!(
        "exit {:?}\nstdout: {}\nstderr: {}",
        o.status.code(),
        String::from_utf8_lossy(&o.stdout),
        String::from_utf8_lossy(&o.stderr)
    )
}

/// The command line: `printer calibrate` saves the calibration in the settings (out-of-range
/// values and unknown printers refused, nothing saved), and the CLI's own `print` of an order's
/// label then comes out moved by it.
#[tokio::test]
async fn the_cli_saves_a_calibration_and_its_print_command_applies_it() {
    let Some(cups) = ps::cups() else { return };
    let (sb, labels) = ps::sandbox_labels(1, PrintType::TwoPart).await;
    let queue = OwnPdfQueue::new(&cups, "cli");
    let data = tempfile::tempdir().unwrap();
    let order = ps::order_arg(&labels[0]);
    let print = ["print", "--printer", &queue.name, order.as_str()];

    let before = ps::pdfs_in(&queue.dir);
    let out = cli(&sb, data.path(), &print).await;
    assert!(out.status.success(), "{}", text(&out));
    let dir = queue.dir.clone();
    let plain = tokio::task::spawn_blocking(move || ps::wait_for_new_pdfs(&dir, &before, 1))
        .await
        .unwrap();

    for refused in [
        vec![
            "printer",
            "calibrate",
            "--printer",
            &queue.name,
            "--x-mm",
            "10.5",
        ],
        vec![
            "printer",
            "calibrate",
            "--printer",
            &queue.name,
            "--scale",
            "120",
        ],
        vec![
            "printer",
            "calibrate",
            "--printer",
            "no-such-queue",
            "--x-mm",
            "1",
        ],
    ] {
        let out = cli(&sb, data.path(), &refused).await;
        assert_eq!(out.status.code(), Some(1), "{}", text(&out));
        assert!(!String::from_utf8_lossy(&out.stderr).trim().is_empty());
    }
    assert!(
        !data.path().join("settings.json").exists(),
        "nothing saved by a refused calibration"
    );
    let out = cli(
        &sb,
        data.path(),
        &[
            "printer",
            "calibrate",
            "--printer",
            &queue.name,
            "--x-mm",
            "3",
            "--y-mm",
            "-2",
        ],
    )
    .await;
    assert!(out.status.success(), "{}", text(&out));
    let saved = waybill_desk::settings::Settings::load(data.path()).unwrap();
    let c = saved.calibrations[&queue.name];
    assert_eq!((c.x_mm, c.y_mm, c.scale_pct), (3.0, -2.0, 100.0));

    let before = ps::pdfs_in(&queue.dir);
    let out = cli(&sb, data.path(), &print).await;
    assert!(out.status.success(), "{}", text(&out));
    let dir = queue.dir.clone();
    let moved = tokio::task::spawn_blocking(move || ps::wait_for_new_pdfs(&dir, &before, 1))
        .await
        .unwrap();
    let (dx, dy) = best_shift_mm(
        &ps::pdf_to_png(&plain[0], DPI),
        &ps::pdf_to_png(&moved[0], DPI),
    );
    eprintln!("CLI print after calibrating moved by ({dx:.1}, {dy:.1}) mm");
    assert_near("CLI print, x", dx, 3.0);
    assert_near("CLI print, y", dy, -2.0);
}

/// The window: Settings → 校准… → 偏右 twice → 打印测试标签 prints through the worker to the
/// queue with the edited calibration (+1 mm), and 保存 writes it to the settings file.
#[test]
fn the_window_nudges_prints_the_test_label_and_saves() {
    use egui_kittest::kittest::Queryable;
    use waybill_desk::app::setup_printer::PrinterStepState;
    let Some(cups) = ps::cups() else { return };
    let queue = OwnPdfQueue::new(&cups, "ui");
    let runtime = tokio::runtime::Builder::new_multi_thread()
        .worker_threads(2)
        .enable_all()
        .build()
        .unwrap();
    let sandbox = std::sync::Arc::new(
        runtime
            .block_on(waybill_desk::sandbox::Sandbox::start(
                ([127, 0, 0, 1], 0).into(),
                waybill_desk::sandbox::SandboxConfig {
                    orders: 5,
                    ..Default::default()
                },
            ))
            .unwrap(),
    );
    let client = waybill_desk::wechat::WechatClient::new(waybill_desk::wechat::ClientConfig::new(
        sandbox.url().clone(),
        waybill_desk::wechat::TokenSource::AppSecret {
            appid: waybill_desk::sandbox::DEMO_APPID.into(),
            secret: waybill_desk::wechat::Secret::new(waybill_desk::sandbox::DEMO_SECRET),
        },
    ))
    .unwrap();
    let data = tempfile::tempdir().unwrap();
    let settings = waybill_desk::settings::Settings {
        printer: queue.name.clone(),
        label_size: "100x150mm".into(),
        setup_done: true,
        ..Default::default()
    };
    let config = waybill_desk::app::AppConfig {
        runtime: runtime.handle().clone(),
        client,
        shop: Default::default(),
        sandbox: Some(sandbox.clone()),
        settings,
        data_dir: data.path().to_path_buf(),
        appid: String::new(),
        toasts: None,
        station: None,
        startup_problem: None,
        print_worker: ps::worker(),
    };
    let mut h = egui_kittest::Harness::builder()
        .with_size([1440.0, 900.0])
        .build_eframe(move |cc| waybill_desk::app::WaybillApp::new(&cc.egui_ctx, config));
    h.run_steps(5);
    h.get_by_label("设置").click();
    h.run_steps(5);
    h.get_by_label("校准…").click();
    h.run_steps(5);
    // Settings closed, so the step's 保存 is the only one.
    h.state_mut()
        .handle(waybill_desk::app::command::Command::CloseSettings);
    h.run_steps(5);
    h.get_by_label("偏右 →").click();
    h.run_steps(2);
    h.get_by_label("偏右 →").click();
    h.run_steps(2);
    let before = ps::pdfs_in(&queue.dir);
    h.get_by_label("打印测试标签").click();
    let deadline = std::time::Instant::now() + std::time::Duration::from_secs(60);
    loop {
        h.step();
        let state = h.state().calibration_step().unwrap().state.clone();
        match state {
            PrinterStepState::Printed { calibration } => {
                assert_eq!((calibration.x_mm, calibration.y_mm), (1.0, 0.0));
                break;
            }
            PrinterStepState::Failed { message } => panic!("test label failed: {message}"),
            _ => {}
        }
        assert!(std::time::Instant::now() < deadline, "test print timed out");
        std::thread::sleep(std::time::Duration::from_millis(20));
    }
    let pdfs = ps::wait_for_new_pdfs(&queue.dir, &before, 1);
    let (x, y) = frame_lines_mm(&ps::pdf_to_png(&pdfs[0], DPI));
    eprintln!("window's test label: frame lines at ({x:.2}, {y:.2}) mm");
    assert_near(
        "window test label, left line",
        x,
        FRAME_INSET_MM + 0.2 + 1.0,
    );
    assert_near("window test label, top line", y, FRAME_INSET_MM + 0.2);
    // The window grows with the result line; let it settle before clicking.
    h.run_steps(5);
    h.get_by_label("保存").click();
    h.run_steps(5);
    assert!(
        h.state().calibration_step().unwrap().saved,
        "the step took the save"
    );
    let deadline = std::time::Instant::now() + std::time::Duration::from_secs(10);
    loop {
        h.step();
        let saved = waybill_desk::settings::Settings::load(data.path()).unwrap();
        if let Some(c) = saved.calibrations.get(&queue.name) {
            assert_eq!((c.x_mm, c.y_mm, c.scale_pct), (1.0, 0.0, 100.0));
            break;
        }
        assert!(
            std::time::Instant::now() < deadline,
            "calibration not saved"
        );
        std::thread::sleep(std::time::Duration::from_millis(20));
    }
}
