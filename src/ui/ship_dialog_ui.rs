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
                tr(lang, "分开发货:订单", "Split shipping: order")
            ));
            ui.label(tr(
                lang,
                "选择这个包裹里放哪些商品、几件;其余仍然待发货",
                "Choose what goes in this parcel; the rest stays to be shipped",
            ));
            egui::Grid::new("split_lines")
                .num_columns(3)
                .striped(true)
                .show(ui, |ui| {
                    ui.label(egui::RichText::new(tr(lang, "商品", "Product")).strong());
                    ui.label(egui::RichText::new(tr(lang, "剩余", "Left")).strong());
                    ui.label(egui::RichText::new(tr(lang, "本包裹", "This parcel")).strong());
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
                        SplitProblem::NothingChosen => tr(
                            lang,
                            "至少放一件商品",
                            "Put at least one piece in the parcel",
                        ),
                        SplitProblem::NothingLeft => {
                            tr(lang, "没有剩余要发的商品", "Nothing is left to ship")
                        }
                    },
                );
            }
            ui.horizontal(|ui| {
                let ship = ui.add_enabled(
                    chosen.is_ok(),
                    egui::Button::new(tr(lang, "发这个包裹", "Ship this parcel")),
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
                if ui.button(tr(lang, "取消", "Cancel")).clicked() {
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
                tr(
                    lang,
                    "国补订单需要 SN 码:订单",
                    "National-subsidy order needs its SN: order"
                )
            ));
            ui.label(tr(
                lang,
                "扫描或输入商品的 SN 码(手机再填 IMEI),回车发货",
                "Scan or type the product's SN code (and IMEI for phones), then Enter to ship",
            ));
            let sn_caption = ui.label("SN");
            let sn_edit = ui
                .add(egui::TextEdit::singleline(sn).desired_width(320.0))
                .labelled_by(sn_caption.id);
            if ui.memory(|m| m.focused().is_none()) {
                sn_edit.request_focus();
            }
            let imei_caption = ui.label(tr(
                lang,
                "IMEI(可选,最多两个)",
                "IMEI (optional, up to two)",
            ));
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
                let ship = ui.button(tr(lang, "带 SN 发货", "Ship with SN"));
                if ship.clicked() || entered {
                    out.push(Command::ShipParcel {
                        order_id,
                        items: items.clone(),
                        sn: Some((sn.clone(), ShipDialog::imei_list(imeis))),
                    });
                }
                if ui.button(tr(lang, "取消", "Cancel")).clicked() {
                    out.push(Command::CloseShipDialog);
                }
            });
        }
    });
}
