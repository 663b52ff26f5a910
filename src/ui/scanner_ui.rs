//! Scanner mode: a focused input for a keyboard-wedge scanner (digits then Enter), the queue of
//! scans still at work, and a large green, amber or red result. The result area keeps one
//! height whatever it shows, so the table below never moves under the packer's mouse.

use crate::app::command::Command;
use crate::app::scan_queue::{ScanOutcome, ScanStage, Tone};
use crate::i18n::{t, Msg};
use crate::ui::{theme, tr};
use crate::wechat::Lang;

/// The outcome of the last scan, as shown.
#[derive(Debug, Clone, PartialEq)]
pub struct ScanResult {
    pub outcome: ScanOutcome,
}

impl ScanResult {
    pub fn tone(&self) -> Tone {
        self.outcome.tone()
    }

    /// True for a green result.
    pub fn ok(&self) -> bool {
        self.tone() == Tone::Ok
    }

    /// The words, in this language.
    pub fn text(&self, lang: Lang) -> String {
        scan_message(&self.outcome).render(lang)
    }
}

/// The message for a scan's end, naming its order.
pub fn scan_message(outcome: &ScanOutcome) -> Msg {
    match outcome {
        ScanOutcome::NotFound { code } => Msg::id("scan-not-found").arg("code", code.clone()),
        ScanOutcome::AlreadyShipped { order_id } => {
            Msg::id("scan-already-shipped").arg("order", *order_id)
        }
        ScanOutcome::NoPrinter { order_id } => Msg::id("scan-no-printer").arg("order", *order_id),
        ScanOutcome::Printed { order_id, times: 1 } => {
            Msg::id("scan-printed").arg("order", *order_id)
        }
        ScanOutcome::Printed { order_id, times } => Msg::id("scan-reprinted")
            .arg("order", *order_id)
            .arg("times", *times),
        ScanOutcome::Shipped { order_id, times } => Msg::id("scan-shipped")
            .arg("order", *order_id)
            .arg("times", *times),
        ScanOutcome::ParcelShipped { order_id, times } => Msg::id("scan-parcel-shipped")
            .arg("order", *order_id)
            .arg("times", *times),
        ScanOutcome::Failed {
            order_id,
            error: None,
        } => Msg::id("scan-stopped").arg("order", *order_id),
        ScanOutcome::Failed {
            order_id,
            error: Some(error),
        } => Msg::id("order-problem")
            .arg("order", *order_id)
            .arg("problem", error.clone()),
    }
}

/// What the scanner bar shows.
pub struct ScanView<'a> {
    /// The step of the scan at work.
    pub busy: Option<ScanStage>,
    /// Scans not finished (the one at work and those waiting).
    pub queued: usize,
    pub last: Option<&'a ScanResult>,
    pub print_then_ship: bool,
}

/// Height of the result area: room for the large result line and its button.
pub const RESULT_HEIGHT: f32 = 56.0;

/// Draws the scanner bar. Keeps keyboard focus in its input so a scan always lands there.
pub fn scanner_ui(
    ui: &mut egui::Ui,
    lang: Lang,
    input: &mut String,
    view: ScanView<'_>,
    out: &mut Vec<Command>,
) {
    ui.horizontal(|ui| {
        let caption =
            ui.label(egui::RichText::new(tr(lang, "ui-scan")).size(theme::SCAN_FONT_SIZE));
        let edit = egui::TextEdit::singleline(input)
            .font(egui::FontId::proportional(theme::SCAN_FONT_SIZE))
            .hint_text(tr(lang, "ui-scan-an-order-id-or"))
            .desired_width(420.0);
        let response = ui.add(edit).labelled_by(caption.id);
        let response = response.on_hover_text(tr(lang, "ui-the-scanner-types-the-code"));
        if response.lost_focus() && ui.input(|i| i.key_pressed(egui::Key::Enter)) {
            let code = std::mem::take(input);
            if !code.trim().is_empty() {
                out.push(Command::Scan(code));
            }
            // The next scan must land here too, even while this one is at work.
            response.request_focus();
        }
        // A scanner types without warning: keep the cursor here unless another field has it.
        if !response.has_focus() && ui.ctx().memory(|m| m.focused().is_none()) {
            response.request_focus();
        }
        let mut ship = view.print_then_ship;
        if ui
            .checkbox(&mut ship, tr(lang, "ui-ship-right-after-printing"))
            .changed()
        {
            out.push(Command::SetPrintThenShip(ship));
        }
        if view.queued > 0 {
            ui.label(
                egui::RichText::new(Msg::id("scan-queue").arg("count", view.queued).render(lang))
                    .size(theme::SCAN_FONT_SIZE)
                    .color(theme::WARN)
                    .strong(),
            );
        }
    });
    let width = ui.available_width();
    let (rect, _) = ui.allocate_exact_size(egui::vec2(width, RESULT_HEIGHT), egui::Sense::hover());
    let mut area = ui.new_child(
        egui::UiBuilder::new()
            .max_rect(rect)
            .layout(egui::Layout::left_to_right(egui::Align::Center)),
    );
    area.set_clip_rect(rect.intersect(ui.clip_rect()));
    if let Some(stage) = view.busy {
        area.spinner();
        let step = match stage {
            ScanStage::Fetching => t(lang, "scan-step-fetching"),
            ScanStage::Printing => t(lang, "scan-step-printing"),
            ScanStage::Shipping => t(lang, "scan-step-shipping"),
        };
        area.label(egui::RichText::new(step).size(theme::SCAN_FONT_SIZE));
    } else if let Some(r) = view.last {
        let (bg, fg, mark) = match r.tone() {
            Tone::Ok => (theme::SCAN_OK_BG, theme::OK, "√"),
            Tone::Warn => (theme::SCAN_WARN_BG, theme::WARN, "!"),
            Tone::Error => (theme::SCAN_FAIL_BG, theme::ERROR, "×"),
        };
        area.painter().rect_filled(rect, 6.0, bg);
        area.add_space(10.0);
        area.label(
            egui::RichText::new(format!("{mark} {}", r.text(lang)))
                .size(theme::SCAN_FONT_SIZE)
                .color(fg)
                .strong(),
        );
        if let ScanOutcome::AlreadyShipped { order_id } = r.outcome {
            if area.button(t(lang, "scan-print-anyway")).clicked() {
                out.push(Command::ReprintShipped(order_id));
            }
        }
    }
}
