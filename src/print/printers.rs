//! The system's printers and their state, through the `printers` crate (libcups on Linux and
//! macOS, the spooler on Windows).

use serde::{Deserialize, Serialize};

use super::error::PrintError;

/// A printer's state as the system reports it.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum PrinterState {
    /// Idle and ready.
    Ready,
    /// Printing now.
    Printing,
    /// Stopped or paused by someone (CUPS `cupsdisable`, "pause" in the printer settings).
    Stopped,
    /// The device cannot be reached.
    Offline,
    /// The system did not say.
    Unknown,
}

impl PrinterState {
    /// A word for lists and messages.
    pub fn as_str(self) -> &'static str {
        match self {
            PrinterState::Ready => "ready",
            PrinterState::Printing => "printing",
            PrinterState::Stopped => "stopped",
            PrinterState::Offline => "offline",
            PrinterState::Unknown => "unknown",
        }
    }
}

/// One printer (print queue).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct PrinterInfo {
    /// The system name to print to (the CUPS queue name).
    pub name: String,
    /// What people call it (CUPS `printer-info`); may be empty.
    pub description: String,
    /// The system's default printer.
    pub is_default: bool,
    /// Current state.
    pub state: PrinterState,
    /// The system's state reasons (`media-empty-error`, `paused`, ...), without "none".
    pub reasons: Vec<String>,
}

impl PrinterInfo {
    /// Problems a person should see next to the printer, e.g. "out of paper".
    pub fn problems(&self) -> Vec<&'static str> {
        let mut out = Vec::new();
        if self.state == PrinterState::Stopped {
            out.push("stopped");
        }
        if self.state == PrinterState::Offline {
            out.push("offline");
        }
        for reason in &self.reasons {
            if let Some(problem) = reason_problem(reason) {
                if !out.contains(&problem) {
                    out.push(problem);
                }
            }
        }
        out
    }

    /// `Ok` when a label sent now would print; otherwise why not.
    pub fn check_ready(&self) -> Result<(), PrintError> {
        let blocking = matches!(self.state, PrinterState::Stopped | PrinterState::Offline)
            || self
                .reasons
                .iter()
                .any(|r| r.ends_with("-error") || r == "offline-report" || r == "paused");
        if !blocking {
            return Ok(());
        }
        let state = self
            .problems()
            .first()
            .copied()
            .unwrap_or(self.state.as_str())
            .to_string();
        Err(PrintError::PrinterUnavailable {
            printer: self.name.clone(),
            state,
            reasons: self.reasons.clone(),
        })
    }
}

/// Maps an IPP `printer-state-reasons` keyword (with its -error/-warning/-report suffix) to words.
fn reason_problem(reason: &str) -> Option<&'static str> {
    let base = reason
        .trim_end_matches("-error")
        .trim_end_matches("-warning")
        .trim_end_matches("-report");
    Some(match base {
        "paused" => "stopped",
        "offline" | "connecting-to-device" | "timed-out" => "offline",
        "media-empty" | "media-needed" => "out of paper",
        "media-jam" => "paper jam",
        "media-low" => "paper low",
        "cover-open" | "door-open" => "cover open",
        "marker-supply-empty" | "toner-empty" => "ribbon or toner empty",
        "marker-supply-low" | "toner-low" => "ribbon or toner low",
        "shutdown" => "shut down",
        "stopped-partly" | "stopping" => "stopping",
        _ => return None,
    })
}

fn from_crate(p: &printers::common::base::printer::Printer) -> PrinterInfo {
    use printers::common::base::printer::PrinterState as S;
    let state = match p.state {
        S::READY => PrinterState::Ready,
        S::PRINTING => PrinterState::Printing,
        S::PAUSED => PrinterState::Stopped,
        S::OFFLINE => PrinterState::Offline,
        S::UNKNOWN => PrinterState::Unknown,
    };
    PrinterInfo {
        name: p.system_name.clone(),
        description: p.name.clone(),
        is_default: p.is_default,
        state,
        reasons: p
            .state_reasons
            .iter()
            .filter(|r| !r.is_empty() && r.as_str() != "none")
            .cloned()
            .collect(),
    }
}

/// Every printer the system knows, default first, then by name. Blocking (asks the print system).
pub fn list_printers() -> Vec<PrinterInfo> {
    let mut list: Vec<PrinterInfo> = printers::get_printers().iter().map(from_crate).collect();
    list.sort_by(|a, b| b.is_default.cmp(&a.is_default).then(a.name.cmp(&b.name)));
    list
}

/// The printer of that system name, if the system knows it. Blocking.
pub fn find_printer(name: &str) -> Option<PrinterInfo> {
    printers::get_printer_by_name(name).map(|p| from_crate(&p))
}

/// `Ok` when the named printer exists and can print now. Blocking.
pub fn check_printer(name: &str) -> Result<PrinterInfo, PrintError> {
    let info = find_printer(name).ok_or_else(|| PrintError::NoSuchPrinter {
        printer: name.to_string(),
    })?;
    info.check_ready()?;
    Ok(info)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn printer(state: PrinterState, reasons: &[&str]) -> PrinterInfo {
        PrinterInfo {
            name: "zebra".into(),
            description: "Zebra GK888t".into(),
            is_default: false,
            state,
            reasons: reasons.iter().map(|r| r.to_string()).collect(),
        }
    }

    #[test]
    fn ready_printers_pass_and_warnings_do_not_block() {
        assert_eq!(printer(PrinterState::Ready, &[]).check_ready(), Ok(()));
        let low = printer(PrinterState::Ready, &["media-low-warning"]);
        assert_eq!(low.check_ready(), Ok(()));
        assert_eq!(low.problems(), vec!["paper low"]);
    }

    #[test]
    fn stopped_offline_and_errors_block_with_a_reason() {
        let stopped = printer(PrinterState::Stopped, &["paused"]);
        assert_eq!(
            stopped.check_ready(),
            Err(PrintError::PrinterUnavailable {
                printer: "zebra".into(),
                state: "stopped".into(),
                reasons: vec!["paused".into()],
            })
        );
        let empty = printer(PrinterState::Ready, &["media-empty-error"]);
        match empty.check_ready() {
            Err(PrintError::PrinterUnavailable { state, .. }) => assert_eq!(state, "out of paper"),
            other => panic!("{other:?}"),
        }
        let offline = printer(PrinterState::Offline, &["offline-report"]);
        assert_eq!(offline.problems(), vec!["offline"]);
        assert!(offline.check_ready().is_err());
    }
}
