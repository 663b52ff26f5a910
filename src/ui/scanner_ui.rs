//! Scanner mode: a focused input for a keyboard-wedge scanner (digits then Enter) and a large
//! green or red result.

use crate::app::command::Command;
use crate::ui::{theme, tr};
use crate::wechat::Lang;

/// The outcome of the last scan, as shown.
#[derive(Debug, Clone, PartialEq)]
pub struct ScanResult {
    pub ok: bool,
    pub text: String,
}

/// Draws the scanner bar. Keeps keyboard focus in its input so a scan always lands there.
pub fn scanner_ui(
    ui: &mut egui::Ui,
    lang: Lang,
    input: &mut String,
    busy: Option<&str>,
    last: Option<&ScanResult>,
    print_then_ship: &mut bool,
    out: &mut Vec<Command>,
) {
    ui.horizontal(|ui| {
        let caption =
            ui.label(egui::RichText::new(tr(lang, "扫码", "Scan")).size(theme::SCAN_FONT_SIZE));
        let edit = egui::TextEdit::singleline(input)
            .font(egui::FontId::proportional(theme::SCAN_FONT_SIZE))
            .hint_text(tr(
                lang,
                "扫描订单号或运单号",
                "Scan an order id or waybill id",
            ))
            .desired_width(420.0);
        let response = ui.add(edit).labelled_by(caption.id);
        let response = response.on_hover_text(tr(
            lang,
            "扫码枪输入后自动回车",
            "The scanner types the code and presses Enter",
        ));
        if response.lost_focus() && ui.input(|i| i.key_pressed(egui::Key::Enter)) {
            let code = std::mem::take(input);
            if !code.trim().is_empty() {
                out.push(Command::Scan(code));
            }
        }
        // A scanner types without warning: keep the cursor here unless another field has it.
        if !response.has_focus() && ui.ctx().memory(|m| m.focused().is_none()) {
            response.request_focus();
        }
        ui.checkbox(
            print_then_ship,
            tr(lang, "打印后自动发货", "Ship right after printing"),
        );
    });
    if let Some(step) = busy {
        ui.horizontal(|ui| {
            ui.spinner();
            ui.label(egui::RichText::new(step).size(theme::SCAN_FONT_SIZE));
        });
    } else if let Some(r) = last {
        let (bg, fg, mark) = if r.ok {
            (theme::SCAN_OK_BG, theme::OK, "√")
        } else {
            (theme::SCAN_FAIL_BG, theme::ERROR, "×")
        };
        egui::Frame::new()
            .fill(bg)
            .inner_margin(10.0)
            .corner_radius(6.0)
            .show(ui, |ui| {
                ui.set_width(ui.available_width());
                ui.label(
                    egui::RichText::new(format!("{mark} {}", r.text))
                        .size(theme::SCAN_FONT_SIZE)
                        .color(fg)
                        .strong(),
                );
            });
    }
}
