//! Printing many labels in order through the worker: one job per label, progress after each,
//! cancel between labels, and a result per label that says whether it printed.

use super::calibration::{self, Calibrations};
use super::error::PrintError;
use super::job::{JobOutcome, JobResult, PrintJob};
use super::worker::{WorkerConfig, WorkerProcess};

pub use crate::cancel::CancelToken;

/// How a batch behaves.
#[derive(Debug, Clone)]
pub struct PrintOptions {
    /// How workers are started and how long a label may take.
    pub worker: WorkerConfig,
    /// Stop at the first failed label so labels never come out of order (the rest are
    /// reported as not attempted). When false, every label is tried.
    pub stop_on_failure: bool,
    /// Each printer's calibration (from the settings), applied to every job sent to that
    /// printer; PDF files and printers without one are printed as laid out.
    pub calibrations: Calibrations,
}

impl PrintOptions {
    /// Stop at the first failure, with the given worker settings.
    pub fn new(worker: WorkerConfig) -> Self {
        PrintOptions {
            worker,
            stop_on_failure: true,
            calibrations: Calibrations::new(),
        }
    }
}

/// Reported after each label of a batch.
#[derive(Debug, Clone, PartialEq)]
pub struct PrintProgress {
    /// Labels finished so far (printed or failed), including this one.
    pub done: usize,
    /// Labels in the batch.
    pub total: usize,
    /// The label that just finished.
    pub result: JobResult,
}

/// Prints `jobs` in the given order, one print job per label, and returns one result per job
/// in the same order. A worker that times out or crashes is replaced for the next label.
pub async fn print_batch(
    jobs: Vec<PrintJob>,
    options: &PrintOptions,
    mut progress: impl FnMut(&PrintProgress) + Send,
    cancel: &CancelToken,
) -> Vec<JobResult> {
    let total = jobs.len();
    let mut results = Vec::with_capacity(total);
    let mut worker: Option<WorkerProcess> = None;
    let mut stop_reason: Option<String> = None;
    for (index, job) in jobs.into_iter().enumerate() {
        if stop_reason.is_none() && cancel.is_cancelled() {
            stop_reason = Some("cancelled".into());
        }
        let outcome = match &stop_reason {
            Some(reason) => JobOutcome::NotAttempted {
                reason: reason.clone(),
            },
            None => match print_one(&mut worker, options, &job).await {
                Ok(()) => JobOutcome::Printed,
                Err(error) => {
                    if options.stop_on_failure {
                        stop_reason = Some(format!(
                            "not printed: label {} failed before it",
                            job.label_id
                        ));
                    } else if matches!(error, PrintError::Renderer { .. }) {
                        // No display: every further label would fail the same way.
                        stop_reason = Some(format!("not printed: {error}"));
                    }
                    JobOutcome::Failed { error }
                }
            },
        };
        let result = JobResult {
            index,
            label_id: job.label_id,
            outcome,
        };
        progress(&PrintProgress {
            done: index + 1,
            total,
            result: result.clone(),
        });
        results.push(result);
    }
    if let Some(w) = worker {
        w.shutdown().await;
    }
    results
}

async fn print_one(
    worker: &mut Option<WorkerProcess>,
    options: &PrintOptions,
    job: &PrintJob,
) -> Result<(), PrintError> {
    job.validate()?;
    let config: &WorkerConfig = &options.worker;
    let calibration = calibration::for_target(&options.calibrations, &job.target);
    if let Some(w) = worker.as_mut() {
        if !w.is_alive() {
            *worker = None;
        }
    }
    let w = match worker {
        Some(w) => w,
        None => worker.insert(WorkerProcess::start(config).await?),
    };
    let result = w.print_calibrated(job, &calibration).await;
    if matches!(
        result,
        Err(PrintError::Timeout { .. } | PrintError::WorkerCrashed { .. })
    ) {
        *worker = None;
    }
    result
}

/// Summarises a batch for people: `3 printed, 1 failed, 2 not attempted`.
pub fn summary(results: &[JobResult]) -> String {
    let count = |f: fn(&JobOutcome) -> bool| results.iter().filter(|r| f(&r.outcome)).count();
    format!(
        "{} printed, {} failed, {} not attempted",
        count(|o| matches!(o, JobOutcome::Printed)),
        count(|o| matches!(o, JobOutcome::Failed { .. })),
        count(|o| matches!(o, JobOutcome::NotAttempted { .. })),
    )
}
