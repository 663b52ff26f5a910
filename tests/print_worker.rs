//! The print worker process: a stuck WebKit is killed at the deadline and the next label still
//! prints; a crashed worker is reported and replaced; cancel stops before the next label.

#![allow(clippy::unwrap_used)] // a panic is a failed test

mod common;
mod print_support;

use std::time::Duration;

use print_support as ps;
use waybill_desk::print::worker::WorkerProcess;
use waybill_desk::print::{
    print_batch, CancelToken, JobOutcome, LabelSize, PrintError, PrintJob, PrintOptions,
    PrintTarget, WorkerConfig,
};
use waybill_desk::wechat::PrintType;

fn pdf_job(label_id: &str, html: &str, path: &std::path::Path) -> PrintJob {
    PrintJob {
        label_id: label_id.into(),
        html: html.into(),
        size: LabelSize::TWO_PART,
        target: PrintTarget::PdfFile(path.to_path_buf()),
        copies: 1,
    }
}

#[tokio::test]
async fn a_stuck_webkit_is_killed_at_the_deadline_and_the_next_label_prints() {
    if !ps::display() {
        return;
    }
    let (_sb, labels) = ps::sandbox_labels(1, PrintType::TwoPart).await;
    let dir = tempfile::tempdir().unwrap();
    // A page whose script never ends: its load never finishes.
    let stuck = "<html><head><script>for(;;){}</script></head><body>never</body></html>";
    let mut worker = ps::worker();
    worker.job_timeout = Duration::from_secs(8);
    let options = PrintOptions {
        worker,
        stop_on_failure: false,
        ..PrintOptions::new(ps::worker())
    };
    let jobs = vec![
        pdf_job("stuck", stuck, &dir.path().join("stuck.pdf")),
        pdf_job(
            &labels[0].order_id,
            &labels[0].html,
            &dir.path().join("next.pdf"),
        ),
    ];
    let results = print_batch(jobs, &options, |_| {}, &CancelToken::new()).await;
    assert_eq!(
        results[0].outcome,
        JobOutcome::Failed {
            error: PrintError::Timeout { timeout_ms: 8000 }
        }
    );
    assert_eq!(results[1].outcome, JobOutcome::Printed, "{results:?}");
    assert!(ps::pdftotext(&dir.path().join("next.pdf")).contains(&labels[0].waybill_id.to_string()));
    assert!(!dir.path().join("stuck.pdf").exists());
}

#[tokio::test]
async fn a_worker_that_dies_is_reported_and_replaced() {
    // A stand-in worker that says ready, takes one job and exits with status 3: this tests the
    // app's side of the protocol, independent of GTK.
    let dir = tempfile::tempdir().unwrap();
    let mut config = WorkerConfig::new("sh");
    config.args = vec![
        "-c".into(),
        r#"echo '{"type":"ready","pid":1}'; read job; exit 3"#.into(),
    ];
    let options = PrintOptions {
        worker: config,
        stop_on_failure: false,
        ..PrintOptions::new(ps::worker())
    };
    let jobs = vec![
        pdf_job("a", "<p>a</p>", &dir.path().join("a.pdf")),
        pdf_job("b", "<p>b</p>", &dir.path().join("b.pdf")),
    ];
    let results = print_batch(jobs, &options, |_| {}, &CancelToken::new()).await;
    for r in &results {
        match &r.outcome {
            JobOutcome::Failed {
                error: PrintError::WorkerCrashed { status },
            } => assert!(status.contains('3'), "{status}"),
            other => panic!("{other:?}"),
        }
    }
}

#[tokio::test]
async fn a_worker_that_never_answers_is_killed() {
    let mut config = WorkerConfig::new("sh");
    config.args = vec![
        "-c".into(),
        r#"echo '{"type":"ready","pid":1}'; exec sleep 1000"#.into(),
    ];
    config.job_timeout = Duration::from_secs(2);
    let mut worker = WorkerProcess::start(&config).await.unwrap();
    let dir = tempfile::tempdir().unwrap();
    let result = worker
        .print(&pdf_job("a", "<p>a</p>", &dir.path().join("a.pdf")))
        .await;
    assert_eq!(result, Err(PrintError::Timeout { timeout_ms: 2000 }));
    assert!(!worker.is_alive(), "the stuck worker was killed");
}

#[tokio::test]
async fn a_worker_that_cannot_start_fails_the_batch_with_the_reason() {
    // No display: GTK cannot start, the worker says so and exits.
    let mut config = WorkerConfig::new("env");
    config.args = [
        "-u",
        "DISPLAY",
        "-u",
        "WAYLAND_DISPLAY",
        ps::helper(),
        "print-worker",
    ]
    .map(String::from)
    .to_vec();
    let dir = tempfile::tempdir().unwrap();
    let jobs = vec![
        pdf_job("a", "<p>a</p>", &dir.path().join("a.pdf")),
        pdf_job("b", "<p>b</p>", &dir.path().join("b.pdf")),
    ];
    let options = PrintOptions {
        worker: config,
        stop_on_failure: false,
        ..PrintOptions::new(ps::worker())
    };
    let results = print_batch(jobs, &options, |_| {}, &CancelToken::new()).await;
    match &results[0].outcome {
        JobOutcome::Failed {
            error: PrintError::Renderer { message },
        } => assert!(!message.is_empty()),
        other => panic!("{other:?}"),
    }
    // Without a display every label would fail the same way: the rest are not attempted.
    assert!(
        matches!(results[1].outcome, JobOutcome::NotAttempted { .. }),
        "{results:?}"
    );
}

#[tokio::test]
async fn cancel_stops_before_the_next_label() {
    if !ps::display() {
        return;
    }
    let (_sb, labels) = ps::sandbox_labels(3, PrintType::TwoPart).await;
    let dir = tempfile::tempdir().unwrap();
    let jobs: Vec<PrintJob> = labels
        .iter()
        .enumerate()
        .map(|(i, l)| pdf_job(&l.order_id, &l.html, &dir.path().join(format!("{i}.pdf"))))
        .collect();
    let cancel = CancelToken::new();
    let on_progress = cancel.clone();
    let results = print_batch(
        jobs,
        &PrintOptions::new(ps::worker()),
        move |p| {
            if p.done == 1 {
                on_progress.cancel();
            }
        },
        &cancel,
    )
    .await;
    assert_eq!(results[0].outcome, JobOutcome::Printed);
    for r in &results[1..] {
        assert_eq!(
            r.outcome,
            JobOutcome::NotAttempted {
                reason: "cancelled".into()
            }
        );
    }
    assert!(dir.path().join("0.pdf").exists());
    assert!(!dir.path().join("1.pdf").exists());
}
