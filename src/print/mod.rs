//! Labels on paper: sizes, printers and their state, silent printing through a worker process
//! (WebKitGTK on Linux), PDF export, batches, and the label preview.
//!
//! Linux is the tested path. Other platforms get the print dialog through wry
//! ([`platform_other`]); silent printing there is future work.

pub mod batch;
pub mod calibration;
pub mod error;
pub mod html;
pub mod job;
pub mod pdf;
pub mod preview;
pub mod preview_window;
pub mod printers;
pub mod process;
pub mod size;
pub mod test_label;
pub mod worker;

#[cfg(target_os = "linux")]
pub mod gtk_print;
#[cfg(not(target_os = "linux"))]
pub mod platform_other;

pub use batch::{print_batch, summary, CancelToken, PrintOptions, PrintProgress};
pub use calibration::{Calibration, CalibrationError, Calibrations};
pub use error::PrintError;
pub use job::{JobOutcome, JobResult, PrintJob, PrintTarget};
pub use printers::{check_printer, list_printers, PrinterInfo, PrinterState};
pub use size::LabelSize;
pub use worker::WorkerConfig;
