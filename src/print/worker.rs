//! The print worker: a child process (`waybill-desk-webkit print-worker`) that owns GTK and WebKit, so a
//! stuck or crashed WebKit never freezes the station. The app writes one JSON request per line to
//! its stdin; it answers one JSON line per request on stdout (logs go to stderr). The app gives
//! each job a deadline and kills a worker that misses it, then starts a fresh one.
//!
//! ```text
//! worker -> app  {"type":"ready","pid":4242}                       once GTK and WebKit are up
//! app -> worker  {"type":"print","id":1,"job":{PrintJob}}
//! worker -> app  {"type":"printed","id":1}
//!            or  {"type":"failed","id":1,"error":{"kind":"printer_unavailable",...}}
//! worker -> app  {"type":"fatal","error":{...}}                    could not start; exits
//! ```
//! End of stdin ends the worker.
//!
//! The worker gets only the environment it needs (`process::scrub_env`: no AppSecret) and runs in
//! its own process group; a worker that misses its deadline is stopped with every process it
//! started (WebKit's web and network processes), so nothing is left running.

use std::io::{BufRead, Write};
use std::path::PathBuf;
use std::process::Stdio;
use std::time::Duration;

use serde::{Deserialize, Serialize};
use tokio::io::{AsyncBufReadExt, AsyncWriteExt, BufReader, Lines};
use tokio::process::{Child, ChildStdin, ChildStdout, Command};

use super::calibration::Calibration;
use super::error::PrintError;
use super::job::PrintJob;
use super::process::{kill_tree, scrub_env};

/// The hidden subcommand that runs the worker.
pub const WORKER_SUBCOMMAND: &str = "print-worker";

/// A line from the app to the worker.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(tag = "type", rename_all = "snake_case")]
pub enum WorkerRequest {
    /// Print this job and answer with `printed` or `failed` carrying the same id. The printer's
    /// calibration (absent: none) places the label on the paper.
    Print {
        id: u64,
        job: PrintJob,
        #[serde(default, skip_serializing_if = "Calibration::is_none")]
        calibration: Calibration,
    },
}

/// A line from the worker to the app.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(tag = "type", rename_all = "snake_case")]
pub enum WorkerReply {
    /// GTK and WebKit are up; jobs may be sent.
    Ready { pid: u32 },
    /// The job was accepted by the printer or written as PDF.
    Printed { id: u64 },
    /// The job was not printed.
    Failed { id: u64, error: PrintError },
    /// A line that is not a request; the worker goes on with the next one.
    Rejected { message: String },
    /// The worker cannot work (no display, ...) and exits.
    Fatal { error: PrintError },
}

/// Runs the worker on the given streams until the input ends. Must run on the process's main
/// thread (GTK). Returns the error it reported as `fatal`, if any.
pub fn serve(input: impl BufRead, mut output: impl Write) -> Result<(), PrintError> {
    let printer = match Renderer::start() {
        Ok(p) => p,
        Err(error) => {
            let _ = send(
                &mut output,
                &WorkerReply::Fatal {
                    error: error.clone(),
                },
            );
            return Err(error);
        }
    };
    send(
        &mut output,
        &WorkerReply::Ready {
            pid: std::process::id(),
        },
    )?;
    for line in input.lines() {
        let line = line.map_err(|e| PrintError::Worker {
            message: format!("reading a request: {e}"),
        })?;
        if line.trim().is_empty() {
            continue;
        }
        let reply = match serde_json::from_str::<WorkerRequest>(&line) {
            Ok(WorkerRequest::Print {
                id,
                job,
                calibration,
            }) => match printer.print(&job, &calibration) {
                Ok(()) => WorkerReply::Printed { id },
                Err(error) => {
                    tracing::warn!(label = %job.label_id, %error, "label not printed");
                    WorkerReply::Failed { id, error }
                }
            },
            Err(e) => WorkerReply::Rejected {
                message: e.to_string(),
            },
        };
        send(&mut output, &reply)?;
    }
    Ok(())
}

fn send(output: &mut impl Write, reply: &WorkerReply) -> Result<(), PrintError> {
    let line = serde_json::to_string(reply).map_err(|e| PrintError::Worker {
        message: e.to_string(),
    })?;
    writeln!(output, "{line}")
        .and_then(|()| output.flush())
        .map_err(|e| PrintError::Worker {
            message: format!("writing a reply: {e}"),
        })
}

/// What the worker prints with on this platform.
struct Renderer {
    #[cfg(target_os = "linux")]
    printer: super::gtk_print::LabelPrinter,
}

impl Renderer {
    #[cfg(target_os = "linux")]
    fn start() -> Result<Self, PrintError> {
        Ok(Renderer {
            printer: super::gtk_print::LabelPrinter::new()?,
        })
    }

    #[cfg(not(target_os = "linux"))]
    fn start() -> Result<Self, PrintError> {
        Err(super::platform_other::silent_printing_unsupported())
    }

    #[cfg(target_os = "linux")]
    fn print(&self, job: &PrintJob, calibration: &Calibration) -> Result<(), PrintError> {
        job.validate()?;
        if let super::job::PrintTarget::Printer(name) = &job.target {
            super::printers::check_printer(name)?;
        }
        self.printer.print_calibrated(job, calibration)
    }

    #[cfg(not(target_os = "linux"))]
    fn print(&self, _job: &PrintJob, _calibration: &Calibration) -> Result<(), PrintError> {
        Err(super::platform_other::silent_printing_unsupported())
    }
}

/// How to start workers and how long to wait for them.
#[derive(Debug, Clone)]
pub struct WorkerConfig {
    /// The program to run (normally the WebKit helper, [`HELPER_NAME`]).
    pub program: PathBuf,
    /// Its arguments (normally `["print-worker"]`).
    pub args: Vec<String>,
    /// How long a worker may take to start GTK and WebKit.
    pub start_timeout: Duration,
    /// How long one job may take before the worker is killed.
    pub job_timeout: Duration,
}

impl WorkerConfig {
    /// Default start deadline.
    pub const START_TIMEOUT: Duration = Duration::from_secs(30);
    /// Default per-job deadline (the worker's own load and print limits are shorter).
    pub const JOB_TIMEOUT: Duration = Duration::from_secs(60);

    /// Workers run by `program print-worker` with the default deadlines.
    pub fn new(program: impl Into<PathBuf>) -> Self {
        WorkerConfig {
            program: program.into(),
            args: vec![WORKER_SUBCOMMAND.to_string()],
            start_timeout: Self::START_TIMEOUT,
            job_timeout: Self::JOB_TIMEOUT,
        }
    }

    /// Workers run by the WebKit helper installed with this executable (see [`find_helper`]);
    /// the app and the CLI. A missing helper is no error here (the station lists, fetches and
    /// ships without it): starting a worker then fails with [`helper_missing`]'s message.
    pub fn current_exe() -> Result<Self, PrintError> {
        Ok(Self::new(helper_program()))
    }
}

/// The helper binary that runs everything needing GTK and WebKit (print worker, preview, print
/// dialog). A second binary so the window's own process never loads WebKit (its memory).
pub const HELPER_NAME: &str = "waybill-desk-webkit";

/// Names the helper to use instead of looking for it (tests, unusual installs).
pub const HELPER_ENV: &str = "WAYBILL_DESK_WEBKIT_HELPER";

/// Where the helper is looked for, in order: [`HELPER_ENV`] when set; beside this executable
/// (target/debug, target/release, /usr/bin); then `../libexec/waybill-desk/` from it (the
/// Debian package).
pub fn helper_candidates() -> Vec<PathBuf> {
    if let Some(path) = std::env::var_os(HELPER_ENV).filter(|p| !p.is_empty()) {
        return vec![PathBuf::from(path)];
    }
    let Some(dir) = std::env::current_exe()
        .ok()
        .and_then(|exe| exe.parent().map(PathBuf::from))
    else {
        return vec![PathBuf::from(HELPER_NAME)];
    };
    let mut out = vec![dir.join(HELPER_NAME)];
    if let Some(prefix) = dir.parent() {
        out.push(
            prefix
                .join("libexec")
                .join("waybill-desk")
                .join(HELPER_NAME),
        );
    }
    out
}

/// The helper's path, or [`helper_missing`] saying where it was looked for.
pub fn find_helper() -> Result<PathBuf, PrintError> {
    let candidates = helper_candidates();
    candidates
        .iter()
        .find(|p| p.is_file())
        .cloned()
        .ok_or_else(|| helper_missing(&candidates))
}

/// The helper to start: the one found, else the first place it should be (starting it then
/// fails with [`PrintError::HelperMissing`]).
pub fn helper_program() -> PathBuf {
    find_helper().unwrap_or_else(|_| {
        helper_candidates()
            .into_iter()
            .next()
            .unwrap_or_else(|| PathBuf::from(HELPER_NAME))
    })
}

/// The helper is not installed: what is missing and where it was looked for.
pub fn helper_missing(looked_in: &[PathBuf]) -> PrintError {
    PrintError::HelperMissing {
        helper: HELPER_NAME.to_string(),
        looked_in: looked_in
            .iter()
            .map(|p| p.display().to_string())
            .collect::<Vec<_>>()
            .join(", "),
    }
}

/// Why a helper process could not be started: [`PrintError::HelperMissing`] when `program` is
/// not there, else `other` with the system's reason.
pub fn spawn_failed(
    program: &std::path::Path,
    e: &std::io::Error,
    other: impl FnOnce(String) -> PrintError,
) -> PrintError {
    if e.kind() == std::io::ErrorKind::NotFound && !program.exists() {
        helper_missing(&helper_candidates())
    } else {
        other(format!("cannot start {}: {e}", program.display()))
    }
}

/// A running worker, seen from the app.
pub struct WorkerProcess {
    child: Child,
    stdin: ChildStdin,
    stdout: Lines<BufReader<ChildStdout>>,
    next_id: u64,
    job_timeout: Duration,
    log_task: Option<tokio::task::JoinHandle<()>>,
}

impl WorkerProcess {
    /// Starts a worker and waits for its `ready` line.
    pub async fn start(config: &WorkerConfig) -> Result<Self, PrintError> {
        let mut command = Command::new(&config.program);
        // Its own process group, so a timeout stops WebKit's processes with it; and only the
        // environment it needs (no AppSecret).
        scrub_env(command.as_std_mut());
        command
            .args(&config.args)
            .stdin(Stdio::piped())
            .stdout(Stdio::piped())
            .stderr(Stdio::piped())
            .kill_on_drop(true);
        #[cfg(unix)]
        command.process_group(0);
        english_gtk_messages(&mut command);
        let mut child = command.spawn().map_err(|e| {
            spawn_failed(&config.program, &e, |message| PrintError::Worker {
                message,
            })
        })?;
        let (Some(stdin), Some(stdout)) = (child.stdin.take(), child.stdout.take()) else {
            return Err(PrintError::Worker {
                message: "worker has no pipes".into(),
            });
        };
        // GTK and WebKit chatter (D-Bus, colord, ...) stays out of the way; failures come back
        // through the protocol. WAYBILL_DESK_LOG=debug shows it.
        let log_task = child.stderr.take().map(|stderr| {
            tokio::spawn(async move {
                let mut lines = BufReader::new(stderr).lines();
                while let Ok(Some(line)) = lines.next_line().await {
                    tracing::debug!(target: "waybill_desk::print_worker", "{line}");
                }
            })
        });
        let mut worker = WorkerProcess {
            child,
            stdin,
            stdout: BufReader::new(stdout).lines(),
            next_id: 1,
            job_timeout: config.job_timeout,
            log_task,
        };
        match tokio::time::timeout(config.start_timeout, worker.read_reply()).await {
            Ok(Ok(WorkerReply::Ready { pid })) => {
                tracing::debug!(pid, "print worker ready");
                Ok(worker)
            }
            Ok(Ok(WorkerReply::Fatal { error })) => {
                worker.kill().await;
                Err(error)
            }
            Ok(Ok(other)) => {
                worker.kill().await;
                Err(PrintError::Worker {
                    message: format!("expected ready, got {other:?}"),
                })
            }
            Ok(Err(e)) => Err(e),
            Err(_) => {
                worker.kill().await;
                Err(PrintError::Worker {
                    message: format!("did not start within {} s", config.start_timeout.as_secs()),
                })
            }
        }
    }

    /// Prints one job. On a timeout the worker is killed and unusable afterwards, as after a
    /// crash: check [`WorkerProcess::is_alive`] and start a new one.
    pub async fn print(&mut self, job: &PrintJob) -> Result<(), PrintError> {
        self.print_calibrated(job, &Calibration::NONE).await
    }

    /// Prints one job placed on the paper by `calibration` (see [`WorkerProcess::print`]).
    pub async fn print_calibrated(
        &mut self,
        job: &PrintJob,
        calibration: &Calibration,
    ) -> Result<(), PrintError> {
        let id = self.next_id;
        self.next_id += 1;
        let request = WorkerRequest::Print {
            id,
            job: job.clone(),
            calibration: *calibration,
        };
        let mut line = serde_json::to_string(&request).map_err(|e| PrintError::Worker {
            message: e.to_string(),
        })?;
        line.push('\n');
        let timeout = self.job_timeout;
        let exchange = async {
            if let Err(e) = self.stdin.write_all(line.as_bytes()).await {
                return Err(self.crashed(format!("cannot send the job: {e}")).await);
            }
            if let Err(e) = self.stdin.flush().await {
                return Err(self.crashed(format!("cannot send the job: {e}")).await);
            }
            loop {
                match self.read_reply().await? {
                    WorkerReply::Printed { id: got } if got == id => return Ok(()),
                    WorkerReply::Failed { id: got, error } if got == id => return Err(error),
                    other => tracing::warn!(?other, "unexpected reply from the print worker"),
                }
            }
        };
        match tokio::time::timeout(timeout, exchange).await {
            Ok(result) => result,
            Err(_) => {
                tracing::warn!(label = %job.label_id, "print worker timed out; killing it");
                self.kill().await;
                Err(PrintError::Timeout {
                    timeout_ms: u64::try_from(timeout.as_millis()).unwrap_or(u64::MAX),
                })
            }
        }
    }

    /// Whether the process is still running.
    pub fn is_alive(&mut self) -> bool {
        matches!(self.child.try_wait(), Ok(None))
    }

    /// The worker's process id (while it runs).
    pub fn pid(&self) -> Option<u32> {
        self.child.id()
    }

    /// Ends the worker: closes its input, gives it a moment to exit, then kills it.
    pub async fn shutdown(mut self) {
        let _ = self.stdin.shutdown().await;
        if tokio::time::timeout(Duration::from_secs(5), self.child.wait())
            .await
            .is_err()
        {
            self.kill().await;
        }
        // Let the last log lines through before the caller moves on (or exits).
        if let Some(task) = self.log_task.take() {
            let _ = tokio::time::timeout(Duration::from_secs(1), task).await;
        }
    }

    /// Kills the worker with its process group and every process it started (WebKit's), then
    /// reaps it.
    async fn kill(&mut self) {
        if let Some(pid) = self.child.id() {
            kill_tree(pid);
        }
        let _ = self.child.kill().await;
    }

    async fn read_reply(&mut self) -> Result<WorkerReply, PrintError> {
        loop {
            match self.stdout.next_line().await {
                Ok(Some(line)) if line.trim().is_empty() => continue,
                Ok(Some(line)) => {
                    return serde_json::from_str(&line).map_err(|e| PrintError::Worker {
                        message: format!("unreadable reply ({e}): {}", truncate(&line, 200)),
                    })
                }
                Ok(None) => return Err(self.crashed("closed its output".into()).await),
                Err(e) => return Err(self.crashed(format!("reading its output: {e}")).await),
            }
        }
    }

    /// The error for a worker that went away; reaps it to learn how it ended.
    async fn crashed(&mut self, what: String) -> PrintError {
        let status = match tokio::time::timeout(Duration::from_secs(5), self.child.wait()).await {
            Ok(Ok(status)) => status.to_string(),
            _ => {
                self.kill().await;
                format!("{what}; killed")
            }
        };
        PrintError::WorkerCrashed { status }
    }
}

impl Drop for WorkerProcess {
    fn drop(&mut self) {
        if let (Ok(None), Some(pid)) = (self.child.try_wait(), self.child.id()) {
            kill_tree(pid);
        }
    }
}

fn truncate(s: &str, max: usize) -> &str {
    match s.char_indices().nth(max) {
        Some((at, _)) => &s[..at],
        None => s,
    }
}

/// GTK translates the name of its PDF printer ("Print to File"): the worker gets English
/// messages while the rest of the locale (fonts, text shaping) stays as it is.
fn english_gtk_messages(command: &mut Command) {
    if let Some(all) = std::env::var_os("LC_ALL").filter(|v| !v.is_empty()) {
        command.env_remove("LC_ALL").env("LANG", all);
    }
    command.env_remove("LANGUAGE").env("LC_MESSAGES", "C.UTF-8");
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::print::job::PrintTarget;
    use crate::print::size::LabelSize;

    #[test]
    fn protocol_lines_are_tagged_json() {
        let job = PrintJob {
            label_id: "1".into(),
            html: "<p>x</p>".into(),
            size: LabelSize::ONE_PART,
            target: PrintTarget::PdfFile("/tmp/x.pdf".into()),
            copies: 2,
        };
        let request = WorkerRequest::Print {
            id: 7,
            job: job.clone(),
            calibration: Calibration::NONE,
        };
        let line = serde_json::to_string(&request).unwrap();
        assert!(line.starts_with("{\"type\":\"print\",\"id\":7,"), "{line}");
        assert!(
            !line.contains("calibration"),
            "no calibration, no field: {line}"
        );
        assert!(line.contains("\"pdf_file\":\"/tmp/x.pdf\""), "{line}");
        assert_eq!(
            serde_json::from_str::<WorkerRequest>(&line).unwrap(),
            request
        );
        let calibrated = WorkerRequest::Print {
            id: 8,
            job,
            calibration: Calibration::new(3.0, -2.0, 101.0).unwrap(),
        };
        let line = serde_json::to_string(&calibrated).unwrap();
        assert!(
            line.contains(r#""calibration":{"x_mm":3.0,"y_mm":-2.0,"scale_pct":101.0}"#),
            "{line}"
        );
        assert_eq!(
            serde_json::from_str::<WorkerRequest>(&line).unwrap(),
            calibrated
        );

        let failed = WorkerReply::Failed {
            id: 7,
            error: PrintError::NoSuchPrinter {
                printer: "p".into(),
            },
        };
        let line = serde_json::to_string(&failed).unwrap();
        assert_eq!(
            line,
            r#"{"type":"failed","id":7,"error":{"kind":"no_such_printer","printer":"p"}}"#
        );
        assert_eq!(serde_json::from_str::<WorkerReply>(&line).unwrap(), failed);
        assert_eq!(
            serde_json::to_string(&WorkerReply::Ready { pid: 3 }).unwrap(),
            r#"{"type":"ready","pid":3}"#
        );
    }

    #[test]
    fn truncates_on_char_boundaries() {
        assert_eq!(truncate("面单面单", 2), "面单");
        assert_eq!(truncate("ab", 5), "ab");
    }
}
