//! Silent printing to a real CUPS queue (cups-pdf, default media 100x150 mm) started by
//! scripts/test-env/cups.sh: labels arrive one job each, at the chosen size; a stopped queue and
//! an unknown printer fail clearly.

#![allow(clippy::unwrap_used)] // a panic is a failed test

mod common;
mod print_support;

use std::process::{Command, Output};

use print_support as ps;
use waybill_desk::print::{
    check_printer, list_printers, print_batch, CancelToken, JobOutcome, LabelSize, PrintError,
    PrintJob, PrintOptions, PrintTarget, PrinterState,
};
use waybill_desk::sandbox::{Sandbox, DEMO_APPID, DEMO_SECRET};
use waybill_desk::wechat::PrintType;

async fn cli(sb: &Sandbox, args: Vec<String>) -> Output {
    let dir = tempfile::tempdir().unwrap();
    cli_in(sb, dir.path(), args).await
}

async fn cli_in(sb: &Sandbox, dir: &std::path::Path, args: Vec<String>) -> Output {
    let dir = dir.to_path_buf();
    let mut cmd = Command::new(ps::exe());
    cmd.args(["--api-base", sb.url().as_str(), "--appid", DEMO_APPID])
        .env("WAYBILL_DESK_APPSECRET", DEMO_SECRET)
        .env("WAYBILL_DESK_DATA_DIR", dir.join("data"))
        .env("WAYBILL_DESK_LANG", "en")
        .args(args);
    tokio::task::spawn_blocking(move || cmd.output().unwrap())
        .await
        .unwrap()
}

fn text(o: &Output) -> String {
    format!(
        "exit {:?}\nstdout:\n{}\nstderr:\n{}",
        o.status.code(),
        String::from_utf8_lossy(&o.stdout),
        String::from_utf8_lossy(&o.stderr)
    )
}

/// The one test that prints to the shared queue (the others use queues of their own), so the
/// PDFs it counts are its own.
#[tokio::test]
async fn labels_print_silently_to_the_queue_one_pdf_each_at_the_chosen_size() {
    let Some(cups) = ps::cups() else { return };
    let (sb, labels) = ps::sandbox_labels(3, PrintType::TwoPart).await;
    let orders: Vec<String> = labels.iter().map(ps::order_arg).collect();

    // (extra arguments, expected rounded page size in points)
    let cases: [(&[&str], (i64, i64)); 3] = [
        (&[], (283, 510)),                      // two-part default: 100x180 mm
        (&["--print-type", "one"], (215, 369)), // one-part default: 76x130 mm
        (&["--size", "100x150mm"], (283, 425)), // chosen size
    ];
    for (extra, size) in cases {
        let before = ps::pdfs_in(&cups.pdf_dir);
        let mut args = vec![
            "print".to_string(),
            "--printer".into(),
            cups.printer.clone(),
        ];
        args.extend(extra.iter().map(|s| s.to_string()));
        args.extend(orders.iter().cloned());
        let out = cli(&sb, args).await;
        assert!(out.status.success(), "{}", text(&out));
        let stdout = String::from_utf8_lossy(&out.stdout);
        assert_eq!(
            stdout.lines().filter(|l| l.starts_with("ok ")).count(),
            3,
            "{}",
            text(&out)
        );
        let pdfs = ps::wait_for_new_pdfs(&cups.pdf_dir, &before, 3);
        assert_eq!(pdfs.len(), 3, "one job per label: {pdfs:?}");
        for pdf in &pdfs {
            let info = ps::pdfinfo(pdf);
            assert_eq!(
                info.rounded(),
                size,
                "{extra:?} {}: {info:?}",
                pdf.display()
            );
            assert_eq!(info.pages, 1, "{extra:?} {}: {info:?}", pdf.display());
        }
        if extra.is_empty() {
            in_the_order_given(&pdfs, &labels).await;
        }
        let look = tempfile::tempdir().unwrap();
        let copy = look.path().join("first.pdf");
        std::fs::copy(&pdfs[0], &copy).unwrap();
        let png = ps::pdf_to_png(&copy, 100);
        std::fs::copy(
            &png,
            ps::artifacts_dir().join(format!("queue-{}x{}.png", size.0, size.1)),
        )
        .unwrap();
    }
}

/// Job N carries label N. cups-pdf's PDFs lose their text (PostScript in between), so each is
/// compared, as a picture, with the labels printed to PDF files directly.
async fn in_the_order_given(
    queued: &[std::path::PathBuf],
    labels: &[waybill_desk::wechat::logistics::Label],
) {
    let dir = tempfile::tempdir().unwrap();
    let jobs: Vec<PrintJob> = labels
        .iter()
        .enumerate()
        .map(|(i, l)| PrintJob {
            label_id: l.order_id.clone(),
            html: l.html.clone(),
            size: LabelSize::TWO_PART,
            target: PrintTarget::PdfFile(dir.path().join(format!("direct-{i}.pdf"))),
            copies: 1,
        })
        .collect();
    let results = print_batch(
        jobs,
        &PrintOptions::new(ps::worker()),
        |_| {},
        &CancelToken::new(),
    )
    .await;
    assert!(results.iter().all(|r| r.printed()), "{results:?}");
    let direct: Vec<_> = (0..labels.len())
        .map(|i| ps::pdf_to_png(&dir.path().join(format!("direct-{i}.pdf")), 50))
        .collect();
    for (i, pdf) in queued.iter().enumerate() {
        let copy = dir.path().join(format!("queued-{i}.pdf"));
        std::fs::copy(pdf, &copy).unwrap();
        let png = ps::pdf_to_png(&copy, 50);
        let scores: Vec<f64> = direct.iter().map(|d| ps::dark_overlap(&png, d)).collect();
        let best = scores
            .iter()
            .enumerate()
            .max_by(|a, b| a.1.total_cmp(b.1))
            .map(|(j, _)| j)
            .unwrap();
        assert_eq!(
            best, i,
            "queued job {i} looks like label {best}: {scores:?}"
        );
        assert!(
            scores[i] > 0.6,
            "queued job {i} resembles its label only {scores:?}"
        );
    }
}

/// A queue of this test's own, made like the test queue.
struct OwnQueue(String);

impl OwnQueue {
    fn new(cups: &ps::Cups, suffix: &str) -> Self {
        let name = format!("waybill-{suffix}-{}", std::process::id());
        let status = Command::new("lpadmin")
            .args(["-p", &name, "-E", "-v", &cups.device_uri, "-P"])
            .arg(&cups.ppd)
            .status()
            .unwrap();
        assert!(status.success(), "lpadmin -p {name}");
        OwnQueue(name)
    }
}

impl Drop for OwnQueue {
    fn drop(&mut self) {
        let _ = Command::new("lpadmin").args(["-x", &self.0]).status();
    }
}

#[tokio::test]
async fn a_stopped_queue_fails_clearly_and_nothing_after_it_is_printed() {
    let Some(cups) = ps::cups() else { return };
    let queue = OwnQueue::new(&cups, "stopped");
    let status = Command::new("cupsdisable")
        .args(["-r", "out of labels", &queue.0])
        .status()
        .unwrap();
    assert!(status.success());

    // The printer list shows it stopped, and the pre-flight check says why.
    let listed = list_printers();
    let me = listed.iter().find(|p| p.name == queue.0).expect("listed");
    assert_eq!(me.state, PrinterState::Stopped, "{me:?}");
    match check_printer(&queue.0) {
        Err(PrintError::PrinterUnavailable { state, .. }) => assert_eq!(state, "stopped"),
        other => panic!("{other:?}"),
    }
    let test_queue = listed
        .iter()
        .find(|p| p.name == cups.printer)
        .expect("test queue");
    assert!(test_queue.check_ready().is_ok(), "{test_queue:?}");

    let (sb, labels) = ps::sandbox_labels(2, PrintType::TwoPart).await;
    let data = tempfile::tempdir().unwrap();
    let mut args = vec!["print".to_string(), "--printer".into(), queue.0.clone()];
    args.extend(labels.iter().map(ps::order_arg));
    let out = cli_in(&sb, data.path(), args).await;
    assert_eq!(out.status.code(), Some(1), "{}", text(&out));
    let stdout = String::from_utf8_lossy(&out.stdout);
    let lines: Vec<&str> = stdout.lines().collect();
    assert_eq!(lines.len(), 2, "{}", text(&out));
    assert!(
        lines[0].starts_with("FAIL") && lines[0].contains(&queue.0) && lines[0].contains("stopped"),
        "{}",
        text(&out)
    );
    assert!(lines[1].starts_with("skip"), "{}", text(&out));

    // The journal says the first label failed on that printer; the second was never tried.
    let history = |order: &str| {
        let order = order.to_string();
        let args = vec!["journal".into(), "history".into(), order, "--json".into()];
        cli_in(&sb, data.path(), args)
    };
    let first = history(&labels[0].order_id).await;
    let first = String::from_utf8_lossy(&first.stdout).into_owned();
    assert!(
        first.contains(&queue.0) && first.contains("\"ok\":false") && first.contains("stopped"),
        "journal history of the failed label:\n{first}"
    );
    let second = history(&labels[1].order_id).await;
    assert!(
        !String::from_utf8_lossy(&second.stdout).contains(&queue.0),
        "the label after the failure was not tried"
    );

    // Nothing was queued on it: no job waits to come out later.
    let jobs = Command::new("lpstat")
        .args(["-o", &queue.0])
        .output()
        .unwrap();
    assert_eq!(String::from_utf8_lossy(&jobs.stdout).trim(), "");

    // The printers command says the same, in JSON too.
    let listing = cli(&sb, vec!["printers".into(), "--json".into()]).await;
    let mine: serde_json::Value = String::from_utf8_lossy(&listing.stdout)
        .lines()
        .map(|l| serde_json::from_str::<serde_json::Value>(l).unwrap())
        .find(|v| v["name"] == queue.0.as_str())
        .expect("queue listed");
    assert_eq!(mine["state"], "stopped");
    assert_eq!(mine["ready"], false);
}

#[tokio::test]
async fn an_unknown_printer_fails_and_the_batch_reports_each_label() {
    // PDF files around the failing label, so no other test's queue sees these jobs.
    let Some(_cups) = ps::cups() else { return };
    let (_sb, labels) = ps::sandbox_labels(3, PrintType::TwoPart).await;
    let dir = tempfile::tempdir().unwrap();
    let job = |i: usize, target: PrintTarget| PrintJob {
        label_id: labels[i].order_id.clone(),
        html: labels[i].html.clone(),
        size: LabelSize::TWO_PART,
        target,
        copies: 1,
    };
    let jobs = vec![
        job(0, PrintTarget::PdfFile(dir.path().join("0.pdf"))),
        job(1, PrintTarget::Printer("no-such-printer".into())),
        job(2, PrintTarget::PdfFile(dir.path().join("2.pdf"))),
    ];
    let mut seen = Vec::new();
    let results = print_batch(
        jobs,
        &PrintOptions::new(ps::worker()),
        |p| seen.push((p.done, p.total)),
        &CancelToken::new(),
    )
    .await;
    assert_eq!(seen, vec![(1, 3), (2, 3), (3, 3)]);
    assert_eq!(results[0].outcome, JobOutcome::Printed);
    assert_eq!(
        results[1].outcome,
        JobOutcome::Failed {
            error: PrintError::NoSuchPrinter {
                printer: "no-such-printer".into()
            }
        }
    );
    assert!(matches!(
        results[2].outcome,
        JobOutcome::NotAttempted { .. }
    ));
    assert!(dir.path().join("0.pdf").exists());
    assert!(
        !dir.path().join("2.pdf").exists(),
        "nothing after the failure"
    );
    assert_eq!(
        waybill_desk::print::summary(&results),
        "1 printed, 1 failed, 1 not attempted"
    );
}
