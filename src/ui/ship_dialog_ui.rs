//! The ship dialogs: which items go in this parcel, and the SN a national-subsidy order needs.

use crate::app::command::Command;
use crate::app::ship_dialog::{ShipDialog, SplitProblem};
use crate::ui::{theme, tr};
use crate::wechat::Lang;

/// Draws the open dialog as a modal; edits its counts / SN in place.
pub fn ship_dialog_ui(
    ctx: &egui::Context,
    lang: Lang,
    dialog: &mut ShipDialog,
    out: &mut Vec<Command>,
) {
    let order_id = dialog.order_id();
    let chosen = dialog.chosen();
    egui::Modal::new(egui::Id::unique("ship_dialog")).show(ctx, |ui| match dialog {
        ShipDialog::Split { lines, .. } => {
            ui.heading(format!(
                "{} {order_id}",
                tr(lang, "ui-split-shipping-order")
            ));
            ui.label(tr(lang, "ui-choose-what-goes-in-this"));
            egui::Grid::new("split_lines")
                .num_columns(3)
                .striped(true)
                .show(ui, |ui| {
                    ui.label(egui::RichText::new(tr(lang, "ui-product")).strong());
                    ui.label(egui::RichText::new(tr(lang, "ui-left")).strong());
                    ui.label(egui::RichText::new(tr(lang, "ui-this-parcel")).strong());
                    ui.end_row();
                    for line in lines.iter_mut() {
                        ui.label(format!("{} {}", line.title, line.attrs));
                        ui.label(line.left.to_string());
                        ui.add(
                            egui::DragValue::new(&mut line.count)
                                .range(0..=line.left)
                                .speed(0.1),
                        );
                        ui.end_row();
                    }
                });
            if let Err(problem) = chosen {
                ui.colored_label(
                    theme::WARN,
                    match problem {
                        SplitProblem::NothingChosen => tr(lang, "ui-put-at-least-one-piece"),
                        SplitProblem::NothingLeft => tr(lang, "ui-nothing-is-left-to-ship"),
                    },
                );
            }
            ui.horizontal(|ui| {
                let ship = ui.add_enabled(
                    chosen.is_ok(),
                    egui::Button::new(tr(lang, "ui-ship-this-parcel")),
                );
                if ship.clicked() {
                    if let Ok(items) = chosen {
                        out.push(Command::ShipParcel {
                            order_id,
                            items,
                            sn: None,
                        });
                    }
                }
                if ui.button(tr(lang, "ui-cancel")).clicked() {
                    out.push(Command::CloseShipDialog);
                }
            });
        }
        ShipDialog::Sn {
            items,
            sn,
            imeis,
            problem,
            ..
        } => {
            ui.heading(format!(
                "{} {order_id}",
                tr(lang, "ui-national-subsidy-order-needs-its")
            ));
            ui.label(tr(lang, "ui-scan-or-type-the-product"));
            let sn_caption = ui.label("SN");
            let sn_edit = ui
                .add(egui::TextEdit::singleline(sn).desired_width(320.0))
                .labelled_by(sn_caption.id);
            if ui.memory(|m| m.focused().is_none()) {
                sn_edit.request_focus();
            }
            let imei_caption = ui.label(tr(lang, "ui-imei-optional-up-to-two"));
            let imei_edit = ui
                .add(egui::TextEdit::singleline(imeis).desired_width(320.0))
                .labelled_by(imei_caption.id);
            if let Some(p) = problem {
                ui.colored_label(theme::ERROR, p.as_str());
            }
            // A scanner ends the code with Enter. Inside a modal the field keeps its focus on
            // Enter, so focus (not only losing it) counts.
            let in_fields = sn_edit.has_focus()
                || sn_edit.lost_focus()
                || imei_edit.has_focus()
                || imei_edit.lost_focus();
            let entered = in_fields && ui.input(|i| i.key_pressed(egui::Key::Enter));
            ui.horizontal(|ui| {
                let ship = ui.button(tr(lang, "ui-ship-with-sn"));
                if ship.clicked() || entered {
                    out.push(Command::ShipParcel {
                        order_id,
                        items: items.clone(),
                        sn: Some((sn.clone(), ShipDialog::imei_list(imeis))),
                    });
                }
                if ui.button(tr(lang, "ui-cancel")).clicked() {
                    out.push(Command::CloseShipDialog);
                }
            });
        }
    });
}
