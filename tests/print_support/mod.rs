//! Shared set-up for the print tests: the services from scripts/test-env (Xvfb, the private
//! cupsd with its cups-pdf queue), sandbox labels, and pdfinfo / pdftotext / screenshot checks.
//!
//! A test that needs a display or CUPS and does not find it FAILS when `CI` is set; outside CI
//! it is skipped with a printed reason (run it with scripts/test-env/with-services.sh).
#![allow(dead_code)]

use std::path::{Path, PathBuf};
use std::process::Command;
use std::time::{Duration, Instant};

use waybill_desk::print::WorkerConfig;
use waybill_desk::sandbox::Sandbox;
use waybill_desk::wechat::logistics::Label;
use waybill_desk::wechat::PrintType;

use super::common;

/// The running test services, as scripts/test-env exported them.
pub struct Cups {
    /// The cups-pdf queue (default media 100x150 mm).
    pub printer: String,
    /// Where that queue's PDFs land.
    pub pdf_dir: PathBuf,
    /// Its PPD and device URI, to make more queues like it.
    pub ppd: PathBuf,
    pub device_uri: String,
}

fn missing(what: &str) -> bool {
    let why = format!(
        "{what} is not available: run the tests with scripts/test-env/with-services.sh (scripts/test does)"
    );
    if std::env::var_os("CI").is_some() {
        panic!("{why}; CI is set, so this is a failure, not a skip");
    }
    eprintln!("SKIPPED: {why}");
    false
}

/// True when an X display is there; otherwise fails under CI or skips.
pub fn display() -> bool {
    if std::env::var_os("DISPLAY").is_some_and(|d| !d.is_empty()) {
        return true;
    }
    missing("an X display (DISPLAY)")
}

/// The test CUPS queue; otherwise fails under CI or skips.
pub fn cups() -> Option<Cups> {
    if !display() {
        return None;
    }
    let var = |name: &str| std::env::var(name).ok().filter(|v| !v.is_empty());
    match (
        var("WAYBILL_DESK_TEST_CUPS"),
        var("WAYBILL_DESK_TEST_PRINTER"),
        var("WAYBILL_DESK_TEST_PDF_DIR"),
        var("WAYBILL_DESK_TEST_PPD"),
        var("WAYBILL_DESK_TEST_DEVICE_URI"),
    ) {
        (Some(_), Some(printer), Some(pdf_dir), Some(ppd), Some(device_uri)) => Some(Cups {
            printer,
            pdf_dir: pdf_dir.into(),
            ppd: ppd.into(),
            device_uri,
        }),
        _ => {
            missing("the test CUPS queue (scripts/test-env/cups.sh)");
            None
        }
    }
}

/// The binary under test.
pub fn exe() -> &'static str {
    env!("CARGO_BIN_EXE_waybill-desk")
}

/// The WebKit helper under test (print worker, preview, print dialog): the window's binary
/// does not link WebKit.
pub fn helper() -> &'static str {
    env!("CARGO_BIN_EXE_waybill-desk-webkit")
}

/// Workers run by the helper under test (`waybill-desk print-worker` hands over to it too).
pub fn worker() -> WorkerConfig {
    WorkerConfig::new(helper())
}

/// A sandbox with `n` fresh waybills, and their labels of that print type.
pub async fn sandbox_labels(n: usize, print_type: PrintType) -> (Sandbox, Vec<Label>) {
    let sb = common::sandbox(80).await;
    let client = common::client(&sb);
    let ids = common::clean_orders(&client, &sb, n).await;
    let made = common::waybills_for(&client, &ids, "SF").await;
    let requests: Vec<_> = made.into_iter().map(|(r, _)| r).collect();
    let labels = client
        .logistics()
        .labels(&requests, print_type)
        .await
        .into_iter()
        .map(|l| l.expect("label fetched"))
        .collect();
    (sb, labels)
}

/// `ORDER_ID:DELIVERY_ID:WAYBILL_ID` for the CLI.
pub fn order_arg(label: &Label) -> String {
    format!(
        "{}:{}:{}",
        label.order_id, label.delivery_id, label.waybill_id
    )
}

/// What pdfinfo says about a PDF.
#[derive(Debug, Clone, PartialEq)]
pub struct PdfInfo {
    pub pages: u32,
    pub width_pt: f64,
    pub height_pt: f64,
    pub title: String,
}

impl PdfInfo {
    /// The page size rounded as pdfinfo's users read it: (283, 510) for 100x180 mm.
    pub fn rounded(&self) -> (i64, i64) {
        (self.width_pt.round() as i64, self.height_pt.round() as i64)
    }
}

/// Runs `pdfinfo` on a file.
pub fn pdfinfo(path: &Path) -> PdfInfo {
    let out = Command::new("pdfinfo")
        .arg(path)
        .output()
        .expect("pdfinfo runs");
    let text = String::from_utf8_lossy(&out.stdout).into_owned();
    assert!(
        out.status.success(),
        "pdfinfo {}: {}",
        path.display(),
        String::from_utf8_lossy(&out.stderr)
    );
    let field = |name: &str| {
        text.lines()
            .find_map(|l| l.strip_prefix(name).map(|v| v.trim().to_string()))
            .unwrap_or_default()
    };
    // "Page size:       283.465 x 510.236 pts"
    let size = field("Page size:");
    let mut parts = size.split_whitespace();
    let width_pt: f64 = parts.next().and_then(|v| v.parse().ok()).expect(&size);
    let height_pt: f64 = parts.nth(1).and_then(|v| v.parse().ok()).expect(&size);
    PdfInfo {
        pages: field("Pages:").parse().expect("page count"),
        width_pt,
        height_pt,
        title: field("Title:"),
    }
}

/// Runs `pdftotext` on a file.
pub fn pdftotext(path: &Path) -> String {
    let out = Command::new("pdftotext")
        .arg(path)
        .arg("-")
        .output()
        .expect("pdftotext runs");
    assert!(out.status.success(), "pdftotext {}", path.display());
    String::from_utf8_lossy(&out.stdout).into_owned()
}

/// Renders page 1 of a PDF to PNG at `dpi` with pdftoppm and returns the PNG's path.
pub fn pdf_to_png(pdf: &Path, dpi: u32) -> PathBuf {
    // pdftoppm -singlefile writes PREFIX.png; cups-pdf's names have dots, so no with_extension.
    let name = pdf.to_string_lossy();
    let prefix = name.strip_suffix(".pdf").unwrap_or(&name).to_string();
    let status = Command::new("pdftoppm")
        .args([
            "-png",
            "-r",
            &dpi.to_string(),
            "-f",
            "1",
            "-l",
            "1",
            "-singlefile",
        ])
        .arg(pdf)
        .arg(&prefix)
        .status()
        .expect("pdftoppm runs");
    assert!(status.success(), "pdftoppm {}", pdf.display());
    PathBuf::from(format!("{prefix}.png"))
}

/// The PDFs in a directory.
pub fn pdfs_in(dir: &Path) -> Vec<PathBuf> {
    let mut list: Vec<PathBuf> = std::fs::read_dir(dir)
        .map(|rd| {
            rd.filter_map(|e| e.ok().map(|e| e.path()))
                .filter(|p| p.extension().is_some_and(|x| x == "pdf"))
                .collect()
        })
        .unwrap_or_default();
    list.sort();
    list
}

/// Waits (up to two minutes: CUPS runs its filters after accepting a job) until `dir` holds
/// `n` PDFs that are not in `before`, and returns them oldest job first.
pub fn wait_for_new_pdfs(dir: &Path, before: &[PathBuf], n: usize) -> Vec<PathBuf> {
    let deadline = Instant::now() + Duration::from_secs(120);
    loop {
        let mut new: Vec<PathBuf> = pdfs_in(dir)
            .into_iter()
            .filter(|p| !before.contains(p))
            .collect();
        // cups-pdf writes the file and then sets its permissions: wait until pdfinfo reads it.
        let complete = new.len() >= n
            && new.iter().all(|p| {
                Command::new("pdfinfo")
                    .arg(p)
                    .output()
                    .is_ok_and(|o| o.status.success())
            });
        if complete {
            new.sort_by_key(|p| job_number(p));
            return new;
        }
        assert!(
            Instant::now() < deadline,
            "expected {n} new PDFs in {}, found {new:?}",
            dir.display()
        );
        std::thread::sleep(Duration::from_millis(200));
    }
}

/// cups-pdf names files `...-job_N.pdf`.
fn job_number(path: &Path) -> u64 {
    let name = path.file_stem().unwrap_or_default().to_string_lossy();
    name.rsplit("job_")
        .next()
        .and_then(|n| n.parse().ok())
        .unwrap_or(0)
}

/// Share of dark pixels (luma < 128) in a rectangle of an image, and the most dark/light
/// transitions found on one row (a barcode has dozens).
pub fn ink(png: &Path, x: u32, y: u32, w: u32, h: u32) -> (f64, usize) {
    let img = image::open(png).expect("PNG opens").to_luma8();
    let (iw, ih) = img.dimensions();
    let (x1, y1) = ((x + w).min(iw), (y + h).min(ih));
    let mut dark = 0u64;
    let mut total = 0u64;
    let mut best_row = 0usize;
    for yy in y..y1 {
        let mut transitions = 0usize;
        let mut last: Option<bool> = None;
        for xx in x..x1 {
            let is_dark = img.get_pixel(xx, yy).0[0] < 128;
            dark += u64::from(is_dark);
            total += 1;
            if last.is_some_and(|l| l != is_dark) {
                transitions += 1;
            }
            last = Some(is_dark);
        }
        best_row = best_row.max(transitions);
    }
    (dark as f64 / total.max(1) as f64, best_row)
}

/// Where screenshots and rendered pages are kept for people to look at.
pub fn artifacts_dir() -> PathBuf {
    let dir = PathBuf::from(env!("CARGO_TARGET_TMPDIR")).join("print-artifacts");
    std::fs::create_dir_all(&dir).expect("artifacts dir");
    dir
}

/// Screenshot of one X window with ImageMagick's `import`.
pub fn screenshot_window(window: u64, path: &Path) {
    let out = Command::new("import")
        .args(["-window", &window.to_string()])
        .arg(path)
        .output()
        .expect("import runs");
    assert!(
        out.status.success(),
        "import -window {window}: {}",
        String::from_utf8_lossy(&out.stderr)
    );
}

/// Polls `check` on fresh screenshots of `window` until it passes or 30 s go by.
pub fn screenshot_until(window: u64, path: &Path, check: impl Fn(&Path) -> bool) -> bool {
    let deadline = Instant::now() + Duration::from_secs(30);
    loop {
        screenshot_window(window, path);
        if check(path) {
            return true;
        }
        if Instant::now() > deadline {
            return false;
        }
        std::thread::sleep(Duration::from_millis(250));
    }
}

/// How alike two renderings are: dark pixels in both / dark pixels in either (Jaccard), after
/// scaling `b` to `a`'s size. Different labels score far lower than the same label twice.
pub fn dark_overlap(a: &Path, b: &Path) -> f64 {
    let a = image::open(a).expect("PNG opens").to_luma8();
    let mut b = image::open(b).expect("PNG opens").to_luma8();
    if a.dimensions() != b.dimensions() {
        b = image::imageops::resize(
            &b,
            a.width(),
            a.height(),
            image::imageops::FilterType::Triangle,
        );
    }
    let (mut both, mut either) = (0u64, 0u64);
    for (pa, pb) in a.pixels().zip(b.pixels()) {
        let (da, db) = (pa.0[0] < 128, pb.0[0] < 128);
        both += u64::from(da && db);
        either += u64::from(da || db);
    }
    both as f64 / either.max(1) as f64
}

/// Leftmost and rightmost column with dark pixels.
pub fn ink_columns(png: &Path) -> (u32, u32) {
    let img = image::open(png).expect("PNG opens").to_luma8();
    let dark_cols: Vec<u32> = (0..img.width())
        .filter(|&x| (0..img.height()).any(|y| img.get_pixel(x, y).0[0] < 128))
        .collect();
    (
        *dark_cols.first().expect("some ink"),
        *dark_cols.last().expect("some ink"),
    )
}
