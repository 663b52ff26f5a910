//! Draws the printer step ([`crate::app::setup_printer::PrinterStep`]): the body only (the guide
//! or the Settings' calibration window draws the heading and the frame). Returns what the person
//! asked for; it never prints or saves by itself.

use crate::app::setup_printer::{
    CalibrationFields, FieldProblem, PrinterStep, PrinterStepCommand, PrinterStepState, NUDGE,
};
use crate::i18n::Msg;
use crate::print::LabelSize;
use crate::ui::{theme, tr};
use crate::wechat::Lang;

/// Draws the step's body; `printers` are the queues the station sees.
pub fn setup_printer_ui(
    ui: &mut egui::Ui,
    lang: Lang,
    step: &mut PrinterStep,
    printers: &[String],
) -> Option<PrinterStepCommand> {
    let mut out = None;
    ui.label(tr(lang, "calib-intro"));
    ui.add_space(6.0);
    egui::Grid::new("calib_pick")
        .num_columns(2)
        .spacing([12.0, 6.0])
        .show(ui, |ui| {
            let caption = ui.label(tr(lang, "calib-printer"));
            if printers.is_empty() {
                ui.colored_label(theme::WARN, tr(lang, "calib-no-printers"));
            } else {
                let shown = if step.printer.is_empty() {
                    tr(lang, "calib-choose-printer")
                } else {
                    step.printer.clone()
                };
                egui::ComboBox::from_id_salt("calib_printer")
                    .selected_text(shown)
                    .width(260.0)
                    .show_ui(ui, |ui| {
                        for p in printers {
                            if ui.selectable_label(&step.printer == p, p).clicked() {
                                out = Some(PrinterStepCommand::PickPrinter(p.clone()));
                            }
                        }
                    })
                    .response
                    .labelled_by(caption.id);
            }
            ui.end_row();
            let caption = ui.label(tr(lang, "calib-size"));
            ui.horizontal(|ui| {
                for size in LabelSize::STANDARD {
                    if ui
                        .selectable_label(step.size == size, size.to_string())
                        .labelled_by(caption.id)
                        .clicked()
                    {
                        out = Some(PrinterStepCommand::PickSize(size));
                    }
                }
            });
            ui.end_row();
        });
    ui.add_space(8.0);

    let can_print = !step.printer.is_empty() && !step.is_printing() && step.problem.is_none();
    ui.horizontal(|ui| {
        if ui
            .add_enabled(
                can_print,
                egui::Button::new(tr(lang, "calib-print-test")).min_size(egui::vec2(160.0, 30.0)),
            )
            .clicked()
        {
            out = Some(PrinterStepCommand::PrintTest);
        }
        match &step.state {
            PrinterStepState::Idle => {}
            PrinterStepState::Printing { .. } => {
                ui.spinner();
                ui.label(tr(lang, "calib-printing"));
            }
            PrinterStepState::Printed { calibration } => {
                ui.colored_label(
                    theme::OK,
                    Msg::id("calib-printed")
                        .arg("calibration", calibration.describe())
                        .render(lang),
                );
            }
            PrinterStepState::Failed { message } => {
                ui.colored_label(
                    theme::ERROR,
                    Msg::id("calib-failed")
                        .arg("error", message.clone())
                        .render(lang),
                );
            }
        }
    });
    ui.add_space(8.0);

    egui::Frame::group(ui.style()).show(ui, |ui| {
        ui.strong(tr(lang, "calib-offset"));
        ui.label(tr(lang, "calib-nudge-hint"));
        let nudge = |dx_mm: f64, dy_mm: f64| Some(PrinterStepCommand::Nudge { dx_mm, dy_mm });
        egui::Grid::new("calib_nudges")
            .num_columns(3)
            .spacing([6.0, 4.0])
            .show(ui, |ui| {
                let button = |ui: &mut egui::Ui, id: &str| {
                    ui.add(egui::Button::new(tr(lang, id)).min_size(egui::vec2(90.0, 26.0)))
                        .clicked()
                };
                ui.label("");
                if button(ui, "calib-up") {
                    out = nudge(0.0, -NUDGE);
                }
                ui.label("");
                ui.end_row();
                if button(ui, "calib-left") {
                    out = nudge(-NUDGE, 0.0);
                }
                ui.label(step.calibration.describe());
                if button(ui, "calib-right") {
                    out = nudge(NUDGE, 0.0);
                }
                ui.end_row();
                ui.label("");
                if button(ui, "calib-down") {
                    out = nudge(0.0, NUDGE);
                }
                ui.label("");
                ui.end_row();
            });
        ui.add_space(6.0);
        let mut fields: CalibrationFields = step.fields.clone();
        let mut edited = false;
        egui::Grid::new("calib_fields")
            .num_columns(2)
            .spacing([12.0, 4.0])
            .show(ui, |ui| {
                for (id, text) in [
                    ("calib-x", &mut fields.x_mm),
                    ("calib-y", &mut fields.y_mm),
                    ("calib-scale", &mut fields.scale_pct),
                ] {
                    let caption = ui.label(tr(lang, id));
                    edited |= ui
                        .add(egui::TextEdit::singleline(text).desired_width(80.0))
                        .labelled_by(caption.id)
                        .changed();
                    ui.end_row();
                }
            });
        if edited {
            out = Some(PrinterStepCommand::Edit(fields));
        }
        if let Some(problem) = &step.problem {
            let text = match problem {
                FieldProblem::NotANumber(field) => Msg::id("calib-not-a-number")
                    .arg("field", *field)
                    .render(lang),
                FieldProblem::OutOfRange(e) => e.explain(lang),
            };
            ui.colored_label(theme::ERROR, text);
        }
    });
    ui.add_space(8.0);
    ui.horizontal(|ui| {
        let can_save = !step.printer.is_empty() && step.problem.is_none();
        if ui
            .add_enabled(can_save, egui::Button::new(tr(lang, "calib-save")))
            .clicked()
        {
            out = Some(PrinterStepCommand::Save);
        }
        if ui.button(tr(lang, "calib-reset")).clicked() {
            out = Some(PrinterStepCommand::Reset);
        }
        if !step.is_done() && ui.button(tr(lang, "calib-skip")).clicked() {
            out = Some(PrinterStepCommand::Skip);
        }
        if step.saved {
            ui.colored_label(
                theme::OK,
                Msg::id("calib-saved")
                    .arg("printer", step.printer.clone())
                    .arg("calibration", step.calibration.describe())
                    .render(lang),
            );
        }
    });
    out
}
