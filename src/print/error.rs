//! The one error type of printing, and how each error is explained to a person.

use serde::{Deserialize, Serialize};

use crate::wechat::Lang;

/// Why a label was not printed. Serializable: the print worker sends it to the app as is.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error, Serialize, Deserialize)]
#[serde(tag = "kind", rename_all = "snake_case")]
pub enum PrintError {
    /// The system has no printer (queue) of that name.
    #[error("there is no printer named \"{printer}\"")]
    NoSuchPrinter { printer: String },
    /// The printer exists but cannot print now (stopped, paused, offline, out of paper, ...).
    #[error("printer \"{printer}\" cannot print now: {state} ({})", reasons.join(", "))]
    PrinterUnavailable {
        printer: String,
        /// e.g. "stopped", "offline", "not accepting jobs".
        state: String,
        /// The system's reasons, e.g. `media-empty-error`, `paused`.
        reasons: Vec<String>,
    },
    /// The label page could not be loaded into the webview.
    #[error("the label page did not load: {message}")]
    Load { message: String },
    /// The print system refused or failed the job.
    #[error("printing failed: {message}")]
    Print { message: String },
    /// The PDF (or its folder) cannot be written.
    #[error("cannot write {path}: {message}")]
    Output { path: String, message: String },
    /// GTK/WebKit could not start (usually: no X display).
    #[error("cannot start the label renderer (is there a display?): {message}")]
    Renderer { message: String },
    /// The print worker did not answer in time and was stopped.
    #[error("the print worker did not finish the label within {timeout_ms} ms and was stopped")]
    Timeout { timeout_ms: u64 },
    /// The print worker exited while printing this label.
    #[error("the print worker stopped unexpectedly ({status})")]
    WorkerCrashed { status: String },
    /// The print worker could not be started or spoke nonsense.
    #[error("print worker: {message}")]
    Worker { message: String },
    /// The job itself is not valid (size, copies, empty label).
    #[error("invalid print job: {message}")]
    InvalidJob { message: String },
}

impl PrintError {
    /// A stable short code for logs, JSON output and the journal.
    pub fn code(&self) -> &'static str {
        match self {
            PrintError::NoSuchPrinter { .. } => "no_such_printer",
            PrintError::PrinterUnavailable { .. } => "printer_unavailable",
            PrintError::Load { .. } => "load",
            PrintError::Print { .. } => "print",
            PrintError::Output { .. } => "output",
            PrintError::Renderer { .. } => "renderer",
            PrintError::Timeout { .. } => "timeout",
            PrintError::WorkerCrashed { .. } => "worker_crashed",
            PrintError::Worker { .. } => "worker",
            PrintError::InvalidJob { .. } => "invalid_job",
        }
    }

    /// The error in the user's language, with what to do about it.
    pub fn explain(&self, lang: Lang) -> String {
        if lang == Lang::En {
            let action = match self {
                PrintError::NoSuchPrinter { .. } => "Pick a printer from the list.",
                PrintError::PrinterUnavailable { .. } => {
                    "Check the printer (power, cable, paper, lid), resume it in the system's printer settings, then print again."
                }
                PrintError::Timeout { .. } | PrintError::WorkerCrashed { .. } => {
                    "Print the label again; if it keeps happening, restart the app."
                }
                PrintError::Renderer { .. } => "Start the app from a desktop session.",
                _ => "Print the label again.",
            };
            return format!("{self}. {action}");
        }
        match self {
            PrintError::NoSuchPrinter { printer } => {
                format!("找不到打印机“{printer}”。请在列表中重新选择打印机。")
            }
            PrintError::PrinterUnavailable {
                printer,
                state,
                reasons,
            } => format!(
                "打印机“{printer}”现在无法打印:{}({})。请检查电源、连线、纸张和上盖,在系统打印机设置中恢复该打印机后重新打印。",
                zh_state(state),
                reasons.join(", ")
            ),
            PrintError::Load { message } => format!("面单页面加载失败:{message}。请重新打印。"),
            PrintError::Print { message } => format!("打印失败:{message}。请重新打印。"),
            PrintError::Output { path, message } => {
                format!("无法写入 {path}:{message}。请换一个保存位置。")
            }
            PrintError::Renderer { message } => {
                format!("无法启动面单渲染(没有显示环境?):{message}。请在桌面环境中启动本程序。")
            }
            PrintError::Timeout { timeout_ms } => format!(
                "打印进程 {} 秒内没有完成这张面单,已被停止。请重新打印;如果反复出现,请重启程序。",
                timeout_ms / 1000
            ),
            PrintError::WorkerCrashed { status } => {
                format!("打印进程意外退出({status})。请重新打印;如果反复出现,请重启程序。")
            }
            PrintError::Worker { message } => format!("打印进程出错:{message}。请重新打印。"),
            PrintError::InvalidJob { message } => format!("打印任务无效:{message}。"),
        }
    }
}

fn zh_state(state: &str) -> &str {
    match state {
        "stopped" => "已停止",
        "paused" => "已暂停",
        "offline" => "离线",
        "not accepting jobs" => "不接受新任务",
        "out of paper" => "缺纸",
        other => other,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn round_trips_as_tagged_json() {
        let e = PrintError::PrinterUnavailable {
            printer: "zebra".into(),
            state: "stopped".into(),
            reasons: vec!["paused".into()],
        };
        let text = serde_json::to_string(&e).unwrap();
        assert!(text.contains("\"kind\":\"printer_unavailable\""), "{text}");
        assert_eq!(serde_json::from_str::<PrintError>(&text).unwrap(), e);
        assert_eq!(e.code(), "printer_unavailable");
    }

    #[test]
    fn explains_in_both_languages_with_an_action() {
        let e = PrintError::PrinterUnavailable {
            printer: "zebra".into(),
            state: "stopped".into(),
            reasons: vec!["paused".into()],
        };
        let en = e.explain(Lang::En);
        assert!(
            en.contains("zebra") && en.contains("stopped") && en.contains("resume"),
            "{en}"
        );
        let zh = e.explain(Lang::ZhCn);
        assert!(zh.contains("已停止") && zh.contains("恢复"), "{zh}");
    }
}
