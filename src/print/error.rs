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
    /// The laid-out label is far larger than its paper (it would have to shrink below
    /// `gtk_print::MIN_SCALE`): a label size that does not match, or a page that is no label.
    #[error(
        "label {label_id} is {width_mm}x{height_mm} mm and does not fit on {paper} paper, \
         even shrunk by a third"
    )]
    LabelTooLarge {
        label_id: String,
        width_mm: u32,
        height_mm: u32,
        /// The paper, e.g. `100x180mm`.
        paper: String,
        paper_height_mm: u32,
    },
    /// The label page kept its scripts running (a loop, `window.print()` over and over) and was
    /// stopped at the deadline.
    #[error("the label page was still running its scripts after {seconds} s and was stopped")]
    LabelUnresponsive { seconds: u64 },
    /// The helper program that runs WebKit (preview, print) is not installed (`worker::find_helper`).
    #[error("the program that previews and prints labels, {helper}, is missing (looked in: {looked_in}); this station cannot preview or print labels for now, fetching labels and shipping still work")]
    HelperMissing { helper: String, looked_in: String },
}

/// A page this many times taller than its paper is not a label that was given the wrong size:
/// it is not a real label at all.
const NOT_A_LABEL_FACTOR: u32 = 3;

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
            PrintError::LabelTooLarge { .. } => "label_too_large",
            PrintError::LabelUnresponsive { .. } => "label_unresponsive",
            PrintError::HelperMissing { .. } => "helper_missing",
        }
    }

    /// True for a label page that is far longer than any label (thousands of pages' worth),
    /// as opposed to a real label on paper of the wrong size.
    fn is_not_a_label(&self) -> bool {
        matches!(self, PrintError::LabelTooLarge { height_mm, paper_height_mm, .. }
            if *height_mm > paper_height_mm.saturating_mul(NOT_A_LABEL_FACTOR))
    }

    /// The error in the user's language, with what to do about it: advice that fits the error
    /// (a printer problem is fixed at the printer, a broken label by fetching it again).
    pub fn explain(&self, lang: Lang) -> String {
        if lang == Lang::En {
            return format!("{self}. {}", self.action_en());
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
            PrintError::Load { message } => format!(
                "面单页面加载失败:{message}。请重新打印;如果这张面单每次都失败,请重新获取面单。"
            ),
            PrintError::Print { message } => format!(
                "打印失败:{message}。请检查打印机(电源、连线、纸张)后重新打印。"
            ),
            PrintError::Output { path, message } => {
                format!("无法写入 {path}:{message}。请换一个保存位置。")
            }
            PrintError::Renderer { message } => {
                format!("无法启动面单渲染(没有显示环境?):{message}。请在桌面环境中启动本程序。")
            }
            PrintError::Timeout { timeout_ms } => format!(
                "打印进程 {} 秒内没有完成这张面单,已被停止。请重新打印;如果同一张面单再次超时,请重新获取面单;如果每张面单都超时,请重启程序。",
                timeout_ms / 1000
            ),
            PrintError::WorkerCrashed { status } => {
                format!("打印进程意外退出({status})。请重新打印;如果反复出现,请重启程序。")
            }
            PrintError::Worker { message } => {
                format!("打印进程出错:{message}。请重启程序后重新打印。")
            }
            PrintError::InvalidJob { message } => format!(
                "打印任务无效:{message}。请在设置中检查打印机、份数和面单尺寸。"
            ),
            PrintError::LabelTooLarge {
                label_id,
                width_mm,
                height_mm,
                paper,
                ..
            } => {
                let head = format!(
                    "面单 {label_id} 有 {width_mm}x{height_mm} 毫米,缩小三分之一也放不进 {paper} 的纸张,未打印。"
                );
                if self.is_not_a_label() {
                    format!("{head}这不是一张正常的面单(远超任何面单的长度)。请重新获取面单;如果仍然如此,请联系快递公司。")
                } else {
                    format!("{head}请在设置中选择与面单一致的尺寸(一联单 76x130,二联单 100x180),或换用对应尺寸的纸张。")
                }
            }
            PrintError::LabelUnresponsive { seconds } => format!(
                "面单页面的脚本运行了 {seconds} 秒仍未结束,已被停止,未打印。这张面单页面有问题:请重新获取面单;如果仍然如此,请联系快递公司。"
            ),
            PrintError::HelperMissing { helper, looked_in } => format!(
                "找不到预览和打印面单用的程序 {helper}(查找过:{looked_in})。本机暂时不能预览和打印面单,取面单和发货照常。请让安装本机的管理员重新安装 waybill-desk。"
            ),
        }
    }

    /// What to do, in English.
    fn action_en(&self) -> &'static str {
        match self {
            PrintError::NoSuchPrinter { .. } => "Pick a printer from the list.",
            PrintError::PrinterUnavailable { .. } => {
                "Check the printer (power, cable, paper, lid), resume it in the system's printer settings, then print again."
            }
            PrintError::Load { .. } => {
                "Print it again; if this label fails every time, fetch the label again."
            }
            PrintError::Print { .. } => {
                "Check the printer (power, cable, paper), then print again."
            }
            PrintError::Output { .. } => "Choose another place to save it.",
            PrintError::Renderer { .. } => "Start the app from a desktop session.",
            PrintError::Timeout { .. } => {
                "Print it again; if the same label times out again, fetch the label again; if every label times out, restart the app."
            }
            PrintError::WorkerCrashed { .. } => {
                "Print the label again; if it keeps happening, restart the app."
            }
            PrintError::Worker { .. } => "Restart the app, then print again.",
            PrintError::InvalidJob { .. } => {
                "Check the printer, copies and label size in Settings."
            }
            PrintError::LabelTooLarge { .. } if self.is_not_a_label() => {
                "This is not a real label (far longer than any label): fetch the label again, and contact the courier if it stays this way."
            }
            PrintError::LabelTooLarge { .. } => {
                "Choose the label size that matches the labels in Settings (one-part 76x130, two-part 100x180), or load paper of that size."
            }
            PrintError::LabelUnresponsive { .. } => {
                "The label page is broken: fetch the label again, and contact the courier if it stays this way."
            }
            PrintError::HelperMissing { .. } => {
                "Ask whoever set up this station to reinstall waybill-desk (its package installs that program)."
            }
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

    fn too_large(height_mm: u32) -> PrintError {
        PrintError::LabelTooLarge {
            label_id: "3704".into(),
            width_mm: 100,
            height_mm,
            paper: "100x180mm".into(),
            paper_height_mm: 180,
        }
    }

    #[test]
    fn a_page_thousands_of_labels_long_is_not_a_label_and_is_never_told_to_print_again() {
        // 10,000 pages of 180 mm.
        let e = too_large(1_800_000);
        let en = e.explain(Lang::En);
        assert!(en.contains("not a real label") && en.contains("fetch the label again"));
        assert!(
            en.contains("courier") && !en.contains("Print the label again"),
            "{en}"
        );
        let zh = e.explain(Lang::ZhCn);
        assert!(
            zh.contains("不是一张正常的面单") && zh.contains("重新获取面单"),
            "{zh}"
        );
        assert!(zh.contains("快递公司") && !zh.contains("重新打印"), "{zh}");
        assert_eq!(e.code(), "label_too_large");

        // A real two-part label on paper set to one-part: pick the size, not "fetch again".
        let small = PrintError::LabelTooLarge {
            label_id: "3704".into(),
            width_mm: 100,
            height_mm: 100,
            paper: "60x40mm".into(),
            paper_height_mm: 40,
        };
        assert!(
            small.explain(Lang::En).contains("label size"),
            "{}",
            small.explain(Lang::En)
        );
        assert!(small.explain(Lang::ZhCn).contains("尺寸"));
        assert!(!small.explain(Lang::En).contains("courier"));
    }

    #[test]
    fn every_error_has_its_own_advice_in_both_languages() {
        let all = [
            PrintError::NoSuchPrinter {
                printer: "p".into(),
            },
            PrintError::PrinterUnavailable {
                printer: "p".into(),
                state: "offline".into(),
                reasons: vec![],
            },
            PrintError::Load {
                message: "m".into(),
            },
            PrintError::Print {
                message: "m".into(),
            },
            PrintError::Output {
                path: "/x".into(),
                message: "m".into(),
            },
            PrintError::Renderer {
                message: "m".into(),
            },
            PrintError::Timeout { timeout_ms: 60_000 },
            PrintError::WorkerCrashed {
                status: "signal 9".into(),
            },
            PrintError::Worker {
                message: "m".into(),
            },
            PrintError::InvalidJob {
                message: "m".into(),
            },
            too_large(1_800_000),
            PrintError::LabelUnresponsive { seconds: 20 },
        ];
        for e in &all {
            let en = e.explain(Lang::En);
            assert!(en.len() > e.to_string().len() + 10, "{en}");
            let zh = e.explain(Lang::ZhCn);
            assert!(zh.contains('请'), "{zh}");
            let back: PrintError =
                serde_json::from_str(&serde_json::to_string(e).unwrap()).unwrap();
            assert_eq!(&back, e);
        }
        let hung = PrintError::LabelUnresponsive { seconds: 20 }.explain(Lang::En);
        assert!(
            hung.contains("fetch the label again") && hung.contains("20 s"),
            "{hung}"
        );
    }
}
