//! The printing commands: `print`, `printers`, and the hidden `print-worker` and
//! `preview-window`, which hand over to the WebKit helper binary.

use std::path::PathBuf;
use std::process::ExitCode;

use anyhow::Context as _;
use serde_json::json;

use super::args::{Command, LabelArg, PrintTypeArg};
use super::Context;
use crate::print::{
    self, CancelToken, JobOutcome, LabelSize, PrintJob, PrintOptions, PrintProgress, PrintTarget,
    WorkerConfig,
};
use crate::station::LabelPrint;
use crate::wechat::logistics::LabelRequest;
use crate::wechat::{DeliveryId, Lang, PrintType, WaybillId};

/// Prints a line to stdout; a closed pipe ends the command instead of panicking.
macro_rules! say {
    ($($arg:tt)*) => {{
        use std::io::Write as _;
        writeln!(std::io::stdout().lock(), $($arg)*)?
    }};
}

/// The options of `print`.
pub(super) struct PrintRequest {
    pub printer: Option<String>,
    pub pdf: Option<PathBuf>,
    pub print_type: PrintTypeArg,
    pub size: Option<LabelSize>,
    pub copies: u32,
    pub timeout_s: u64,
    pub keep_going: bool,
    pub json: bool,
}

/// Runs the commands that need no WeChat connection; gives any other command back.
pub(super) async fn run_local(
    command: Command,
    lang: Option<Lang>,
) -> Result<anyhow::Result<ExitCode>, Command> {
    match command {
        Command::Printers { json } => Ok(printers(json, lang.unwrap_or_default()).await),
        Command::PrintWorker => Ok(forward_to_helper(vec![
            print::worker::WORKER_SUBCOMMAND.into()
        ])),
        Command::PreviewWindow {
            html,
            size,
            stdin,
            embed_in,
        } => Ok(forward_to_helper(preview_window_args(
            html, size, stdin, embed_in,
        ))),
        other => Err(other),
    }
}

async fn printers(json: bool, lang: Lang) -> anyhow::Result<ExitCode> {
    let list = tokio::task::spawn_blocking(print::list_printers)
        .await
        .context("listing printers")?;
    for p in &list {
        if json {
            say!(
                "{}",
                json!({"name": p.name, "description": p.description, "default": p.is_default,
                       "state": p.state, "reasons": p.reasons, "problems": p.problems(),
                       "ready": p.check_ready().is_ok()})
            );
        } else {
            let problems = p.problems();
            say!(
                "{}{}  {}  {}{}",
                p.name,
                if p.is_default { " (default)" } else { "" },
                p.state.as_str(),
                p.description,
                if problems.is_empty() {
                    String::new()
                } else {
                    format!("  [{}]", problems.join(", "))
                }
            );
        }
    }
    if list.is_empty() && !json {
        eprintln!(
            "{}",
            if lang == Lang::ZhCn {
                "没有找到打印机(CUPS 中没有打印队列)"
            } else {
                "no printers (CUPS has no print queues)"
            }
        );
    }
    Ok(ExitCode::SUCCESS)
}

/// The hidden `print-worker` and `preview-window` commands run in the WebKit helper
/// (`waybill-desk-webkit`, beside this program): this process becomes it (same pid, same pipes),
/// so callers that start `waybill-desk print-worker` keep working while this binary never links
/// GTK or WebKit (the window's memory).
fn forward_to_helper(args: Vec<std::ffi::OsString>) -> anyhow::Result<ExitCode> {
    let helper = print::worker::find_helper()?;
    let mut command = std::process::Command::new(&helper);
    command.args(args);
    #[cfg(unix)]
    {
        use std::os::unix::process::CommandExt as _;
        let e = command.exec();
        Err(anyhow::anyhow!("cannot start {}: {e}", helper.display()))
    }
    #[cfg(not(unix))]
    {
        let status = command
            .status()
            .with_context(|| format!("cannot start {}", helper.display()))?;
        Ok(if status.success() {
            ExitCode::SUCCESS
        } else {
            ExitCode::FAILURE
        })
    }
}

/// The helper's arguments for `preview-window`.
fn preview_window_args(
    html: Option<PathBuf>,
    size: Option<LabelSize>,
    stdin: bool,
    embed_in: Option<u64>,
) -> Vec<std::ffi::OsString> {
    let mut args: Vec<std::ffi::OsString> = vec![print::preview_window::PREVIEW_SUBCOMMAND.into()];
    if let Some(html) = html {
        args.extend(["--html".into(), html.into_os_string()]);
    }
    if let Some(size) = size {
        args.extend(["--size".into(), size.to_string().into()]);
    }
    if stdin {
        args.push("--stdin".into());
    }
    if let Some(xid) = embed_in {
        args.extend(["--embed-in".into(), xid.to_string().into()]);
    }
    args
}

/// Where each label of a `print` goes.
enum Destination {
    Printer(String),
    PdfDir(PathBuf),
    PdfFile(PathBuf),
    /// Several labels into one PDF: each is printed into `parts`, then combined.
    Combined {
        output: PathBuf,
        parts: PathBuf,
    },
}

impl Destination {
    fn from_request(request: &PrintRequest, labels: usize) -> anyhow::Result<Self> {
        if let Some(printer) = &request.printer {
            return Ok(Destination::Printer(printer.clone()));
        }
        let Some(pdf) = &request.pdf else {
            anyhow::bail!("give --printer QUEUE or --pdf FILE_OR_DIR");
        };
        let pdf = std::path::absolute(pdf)
            .with_context(|| format!("cannot resolve {}", pdf.display()))?;
        let is_file = !pdf.is_dir()
            && pdf
                .extension()
                .is_some_and(|e| e.eq_ignore_ascii_case("pdf"));
        if !is_file {
            std::fs::create_dir_all(&pdf)
                .with_context(|| format!("cannot create {}", pdf.display()))?;
            return Ok(Destination::PdfDir(pdf));
        }
        if labels > 1 {
            let parts = pdf.with_extension("parts");
            std::fs::create_dir_all(&parts)
                .with_context(|| format!("cannot create {}", parts.display()))?;
            return Ok(Destination::Combined { output: pdf, parts });
        }
        Ok(Destination::PdfFile(pdf))
    }

    fn target(&self, order_id: &str, used: &mut Vec<PathBuf>) -> PrintTarget {
        match self {
            Destination::Printer(name) => PrintTarget::Printer(name.clone()),
            Destination::PdfFile(path) => PrintTarget::PdfFile(path.clone()),
            Destination::PdfDir(dir) => {
                let mut path = dir.join(format!("{order_id}.pdf"));
                let mut n = 2;
                while used.contains(&path) {
                    path = dir.join(format!("{order_id}-{n}.pdf"));
                    n += 1;
                }
                used.push(path.clone());
                PrintTarget::PdfFile(path)
            }
            Destination::Combined { parts, .. } => {
                let path = parts.join(format!("{:04}-{order_id}.pdf", used.len()));
                used.push(path.clone());
                PrintTarget::PdfFile(path)
            }
        }
    }

    /// For a combined PDF: puts the printed parts (in order) into the output file.
    fn finish(&self, printed: &[PathBuf]) -> Result<Option<PathBuf>, print::PrintError> {
        let Destination::Combined { output, parts } = self else {
            return Ok(None);
        };
        let result = print::pdf::combine_pdfs(printed, output);
        let _ = std::fs::remove_dir_all(parts);
        result.map(|()| Some(output.clone()))
    }

    fn describe(&self, target: &PrintTarget) -> String {
        if let Destination::Combined { output, .. } = self {
            return format!("{} (a page of it)", output.display());
        }
        match target {
            PrintTarget::Printer(name) => format!("printer {name}"),
            PrintTarget::PdfFile(path) => path.display().to_string(),
        }
    }
}

/// `print`: fetches the labels, then prints them in order through the print worker.
pub(super) async fn print(
    ctx: &Context,
    orders: &[LabelArg],
    request: PrintRequest,
) -> anyhow::Result<ExitCode> {
    let destination = Destination::from_request(&request, orders.len())?;
    let print_type = match request.print_type {
        PrintTypeArg::One => PrintType::OnePart,
        PrintTypeArg::Two => PrintType::TwoPart,
    };
    let size = request
        .size
        .unwrap_or_else(|| LabelSize::for_print_type(print_type));
    let requests: Vec<LabelRequest> = orders
        .iter()
        .map(|o| LabelRequest {
            order_id: o.order_id.logistics_id(),
            delivery_id: DeliveryId(o.delivery_id.clone()),
            waybill_id: o.waybill_id.clone().map(WaybillId),
        })
        .collect();
    let fetched = ctx.client.logistics().labels(&requests, print_type).await;

    // Labels that could not be fetched fail in place; with stop-on-failure nothing after the
    // first of them is printed, so the labels that do come out are still in order.
    let mut jobs = Vec::new();
    let mut lines: Vec<Line> = Vec::new();
    let mut used = Vec::new();
    let mut fetch_failed = false;
    for ((request_item, result), arg) in requests.iter().zip(fetched).zip(orders) {
        let order_id = request_item.order_id.clone();
        match result {
            Ok(label) if !fetch_failed || request.keep_going => {
                let target = destination.target(&order_id, &mut used);
                lines.push(Line::Job {
                    order_id: order_id.clone(),
                    waybill_id: label.waybill_id.to_string(),
                    target: target.clone(),
                    index: jobs.len(),
                });
                jobs.push(LabelPrint {
                    order_id: arg.order_id,
                    waybill_id: label.waybill_id.clone(),
                    job: PrintJob {
                        label_id: order_id,
                        html: label.html,
                        size,
                        target,
                        copies: request.copies,
                    },
                });
            }
            Ok(_) => lines.push(Line::Skipped { order_id }),
            Err(e) => {
                fetch_failed = true;
                lines.push(Line::FetchFailed {
                    order_id,
                    errcode: e.errcode(),
                    error: e.explain(ctx.lang),
                });
            }
        }
    }

    let mut worker = WorkerConfig::current_exe()?;
    worker.job_timeout = std::time::Duration::from_secs(request.timeout_s.max(1));
    let options = PrintOptions {
        worker,
        stop_on_failure: !request.keep_going,
        // Each printer's saved calibration moves its labels (PDF files are never moved).
        calibrations: ctx.settings.calibrations.clone(),
    };
    let cancel = CancelToken::new();
    let ctrl_c = cancel.clone();
    let watcher = tokio::spawn(async move {
        if tokio::signal::ctrl_c().await.is_ok() {
            ctrl_c.cancel();
        }
    });
    let quiet = request.json;
    // On a terminal, a bar with rate and time left on stderr.
    let bar = super::progress::Progress::bar(
        jobs.len() as u64,
        if ctx.lang == Lang::ZhCn {
            "打印"
        } else {
            "printing"
        },
    );
    let progress = |p: &PrintProgress| {
        bar.set(p.done as u64);
        if !quiet {
            tracing::info!(done = p.done, total = p.total, "label finished");
        }
    };
    // The window's use case: each label recorded in the journal as it prints. A journal that
    // cannot be opened does not stop printing.
    let results = match super::batch_cmd::station(ctx).await {
        Ok(station) => {
            station
                .print_labels(jobs, &options, ctx.lang, progress, &cancel)
                .await
        }
        Err(e) => {
            tracing::warn!(error = %e, "print results not recorded in the journal");
            let jobs = jobs.into_iter().map(|l| l.job).collect();
            print::print_batch(jobs, &options, progress, &cancel).await
        }
    };
    bar.finish();
    watcher.abort();
    let mut failed = 0usize;
    let mut printed = 0usize;
    let mut printed_files = Vec::new();
    let mut batch_stopped = false;
    for line in &lines {
        match line {
            Line::FetchFailed {
                order_id,
                errcode,
                error,
            } => {
                failed += 1;
                if request.json {
                    say!(
                        "{}",
                        json!({"order_id": order_id, "ok": false, "stage": "label", "errcode": errcode, "error": error})
                    );
                } else {
                    say!("FAIL  {order_id}  {error}");
                }
            }
            Line::Skipped { order_id } => {
                failed += 1;
                let reason = "not printed: an earlier label failed";
                if request.json {
                    say!(
                        "{}",
                        json!({"order_id": order_id, "ok": false, "stage": "skipped", "error": reason})
                    );
                } else {
                    say!("skip  {order_id}  {reason}");
                }
            }
            Line::Job {
                order_id,
                waybill_id,
                target,
                index,
            } => {
                let Some(result) = results.get(*index) else {
                    continue;
                };
                let where_to = destination.describe(target);
                match &result.outcome {
                    JobOutcome::Printed => {
                        printed += 1;
                        if let PrintTarget::PdfFile(path) = target {
                            printed_files.push(path.clone());
                        }
                        if request.json {
                            say!(
                                "{}",
                                json!({"order_id": order_id, "ok": true, "waybill_id": waybill_id,
                                       "target": target, "size": size.to_string(), "copies": request.copies})
                            );
                        } else {
                            say!("ok    {order_id}  {waybill_id}  {size}  -> {where_to}");
                        }
                    }
                    JobOutcome::Failed { error } => {
                        failed += 1;
                        batch_stopped = true;
                        let text = error.explain(ctx.lang);
                        if request.json {
                            say!(
                                "{}",
                                json!({"order_id": order_id, "ok": false, "stage": "print",
                                       "code": error.code(), "error": text, "target": target})
                            );
                        } else {
                            say!("FAIL  {order_id}  {text}");
                        }
                    }
                    JobOutcome::NotAttempted { reason } => {
                        failed += 1;
                        if request.json {
                            say!(
                                "{}",
                                json!({"order_id": order_id, "ok": false, "stage": "skipped", "error": reason})
                            );
                        } else {
                            say!("skip  {order_id}  {reason}");
                        }
                    }
                }
            }
        }
    }
    match destination.finish(&printed_files) {
        Ok(Some(output)) if request.json => say!(
            "{}",
            json!({"ok": true, "combined": output, "pages": printed_files.len()})
        ),
        Ok(Some(output)) => say!(
            "ok    {} labels -> {}",
            printed_files.len(),
            output.display()
        ),
        Ok(None) => {}
        Err(e) => {
            failed += 1;
            if request.json {
                say!(
                    "{}",
                    json!({"ok": false, "stage": "combine", "code": e.code(), "error": e.explain(ctx.lang)})
                );
            } else {
                say!("FAIL  {}", e.explain(ctx.lang));
            }
        }
    }
    if !request.json {
        eprintln!("{printed} printed, {failed} not printed");
        if batch_stopped && !request.keep_going && failed > 1 {
            eprintln!("stopped at the first failure so labels stay in order; --keep-going tries every label");
        }
    }
    Ok(if failed == 0 {
        ExitCode::SUCCESS
    } else {
        ExitCode::FAILURE
    })
}

/// One output line of `print`, in the order the orders were given.
enum Line {
    FetchFailed {
        order_id: String,
        errcode: Option<i64>,
        error: String,
    },
    Skipped {
        order_id: String,
    },
    Job {
        order_id: String,
        waybill_id: String,
        target: PrintTarget,
        index: usize,
    },
}
