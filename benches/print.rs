//! Printing throughput through the real print worker (WebKitGTK), in labels per second, against
//! the bound the packing station needs. Not a test: it reports, it does not fail.
//!
//!   bash scripts/test-env/with-services.sh cargo bench --bench print
//!
//! Prints N sandbox labels to PDF files, and to the test CUPS queue when scripts/test-env set
//! one up (`WAYBILL_DESK_TEST_PRINTER`). `WAYBILL_DESK_BENCH_LABELS` sets N (default 30).

#![allow(clippy::unwrap_used, clippy::expect_used)] // a benchmark may stop on broken set-up

#[path = "../tests/common/mod.rs"]
mod common;

use std::time::Instant;

use waybill_desk::print::{
    print_batch, CancelToken, JobOutcome, LabelSize, PrintJob, PrintOptions, PrintTarget,
    WorkerConfig,
};
use waybill_desk::wechat::PrintType;

/// What a station needs: a packer labels a parcel every few seconds, a batch run of hundreds of
/// labels should not wait on the computer. Below this the printer is not the bottleneck any more.
const LOWER_BOUND_LABELS_PER_S: f64 = 2.0;

fn main() {
    if std::env::var_os("DISPLAY").is_none() {
        eprintln!("print bench: no DISPLAY; run it under scripts/test-env/with-services.sh");
        return;
    }
    let n: usize = std::env::var("WAYBILL_DESK_BENCH_LABELS")
        .ok()
        .and_then(|v| v.parse().ok())
        .unwrap_or(30);
    let runtime = tokio::runtime::Runtime::new().expect("runtime");
    runtime.block_on(async move {
        let sb = common::sandbox(n * 3 + 40).await;
        let client = common::client(&sb);
        let ids = common::clean_orders(&client, &sb, n).await;
        let made = common::waybills_for(&client, &ids, "SF").await;
        let requests: Vec<_> = made.into_iter().map(|(r, _)| r).collect();
        let labels: Vec<_> = client
            .logistics()
            .labels(&requests, PrintType::TwoPart)
            .await
            .into_iter()
            .map(|l| l.expect("label"))
            .collect();
        let dir = tempfile::tempdir().expect("temp dir");
        let worker = WorkerConfig::new(env!("CARGO_BIN_EXE_waybill-desk"));

        // (what, queue): no queue means PDF files.
        let mut targets: Vec<(String, Option<String>)> = vec![("PDF files".into(), None)];
        if let Ok(queue) = std::env::var("WAYBILL_DESK_TEST_PRINTER") {
            targets.push((format!("CUPS queue {queue}"), Some(queue)));
        }
        for (what, queue) in targets {
            let jobs: Vec<PrintJob> = labels
                .iter()
                .enumerate()
                .map(|(i, l)| PrintJob {
                    label_id: l.order_id.clone(),
                    html: l.html.clone(),
                    size: LabelSize::TWO_PART,
                    target: match &queue {
                        Some(name) => PrintTarget::Printer(name.clone()),
                        None => PrintTarget::PdfFile(dir.path().join(format!("{i}.pdf"))),
                    },
                    copies: 1,
                })
                .collect();
            let started = Instant::now();
            let results = print_batch(
                jobs,
                &PrintOptions::new(worker.clone()),
                |_| {},
                &CancelToken::new(),
            )
            .await;
            let seconds = started.elapsed().as_secs_f64();
            let printed = results
                .iter()
                .filter(|r| r.outcome == JobOutcome::Printed)
                .count();
            let rate = printed as f64 / seconds;
            println!(
                "print bench, {what}: {printed}/{n} labels (100x180 mm) in {seconds:.2} s = {rate:.2} labels/s \
                 (includes starting the worker); lower bound {LOWER_BOUND_LABELS_PER_S} labels/s -> {:.2}x {}",
                rate / LOWER_BOUND_LABELS_PER_S,
                if rate >= LOWER_BOUND_LABELS_PER_S { "OK" } else { "BELOW BOUND" }
            );
        }
    });
}
