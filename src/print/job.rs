//! What one print job is: a label page, where it goes, at which size, how many copies.

use std::path::PathBuf;

use serde::{Deserialize, Serialize};

use super::error::PrintError;
use super::size::LabelSize;

/// Most copies of one label accepted in one job.
pub const MAX_COPIES: u32 = 20;

/// Where a label goes.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum PrintTarget {
    /// A system printer (a CUPS queue on Linux and macOS), by its system name.
    Printer(String),
    /// A PDF file, one page per copy, at exactly the label size.
    PdfFile(PathBuf),
}

/// One label to print.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct PrintJob {
    /// Names the label to people and print queues (e.g. the order id); the job's title.
    pub label_id: String,
    /// The decoded label page (`print_html`).
    pub html: String,
    /// The paper size the label is printed on.
    pub size: LabelSize,
    /// Printer or PDF file.
    pub target: PrintTarget,
    /// Copies of this label (1..=20).
    pub copies: u32,
}

impl PrintJob {
    /// Checks what can be checked before anything is printed.
    pub fn validate(&self) -> Result<(), PrintError> {
        let invalid = |message: String| Err(PrintError::InvalidJob { message });
        if self.html.trim().is_empty() {
            return invalid(format!("label {} has no content", self.label_id));
        }
        if !(1..=MAX_COPIES).contains(&self.copies) {
            return invalid(format!(
                "copies must be 1..={MAX_COPIES}, not {}",
                self.copies
            ));
        }
        if let Err(e) = LabelSize::new(self.size.width_mm, self.size.height_mm) {
            return invalid(e.to_string());
        }
        match &self.target {
            PrintTarget::Printer(name) if name.trim().is_empty() => {
                invalid("no printer chosen".to_string())
            }
            PrintTarget::PdfFile(path) if !path.is_absolute() => {
                invalid(format!("the PDF path must be absolute: {}", path.display()))
            }
            _ => Ok(()),
        }
    }

    /// The job title shown in print queues: `waybill <label_id>`, printable ASCII only.
    pub fn title(&self) -> String {
        let id: String = self
            .label_id
            .chars()
            .map(|c| {
                if c.is_ascii_alphanumeric() || c == '-' {
                    c
                } else {
                    '_'
                }
            })
            .take(60)
            .collect();
        format!("waybill {id}")
    }
}

/// How one job of a batch ended.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(tag = "status", rename_all = "snake_case")]
pub enum JobOutcome {
    /// The printer (or the PDF file) accepted the label.
    Printed,
    /// The label was tried and not printed.
    Failed { error: PrintError },
    /// The label was not tried: the batch was cancelled or stopped at an earlier failure.
    NotAttempted { reason: String },
}

/// The result of one job of a batch, in the batch's order.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct JobResult {
    /// Position in the batch (0-based).
    pub index: usize,
    /// The job's `label_id`.
    pub label_id: String,
    /// What happened.
    pub outcome: JobOutcome,
}

impl JobResult {
    /// True when the label was accepted.
    pub fn printed(&self) -> bool {
        self.outcome == JobOutcome::Printed
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn job() -> PrintJob {
        PrintJob {
            label_id: "3704:SF".into(),
            html: "<p>x</p>".into(),
            size: LabelSize::TWO_PART,
            target: PrintTarget::Printer("zebra".into()),
            copies: 1,
        }
    }

    #[test]
    fn validates_copies_size_target_and_content() {
        assert_eq!(job().validate(), Ok(()));
        for broken in [
            PrintJob { copies: 0, ..job() },
            PrintJob {
                copies: 21,
                ..job()
            },
            PrintJob {
                html: " ".into(),
                ..job()
            },
            PrintJob {
                size: LabelSize::mm(1.0, 100.0),
                ..job()
            },
            PrintJob {
                target: PrintTarget::Printer(String::new()),
                ..job()
            },
            PrintJob {
                target: PrintTarget::PdfFile("rel.pdf".into()),
                ..job()
            },
        ] {
            assert!(
                matches!(broken.validate(), Err(PrintError::InvalidJob { .. })),
                "{broken:?}"
            );
        }
    }

    #[test]
    fn title_is_queue_safe() {
        assert_eq!(job().title(), "waybill 3704_SF");
    }
}
