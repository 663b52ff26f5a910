//! The settings window: shop, credentials, API base, courier and biz_id, label format,
//! printer, copies, language, station and operator.

use crate::app::backend::CourierTable;
use crate::app::command::Command;
use crate::app::request::Request;
use crate::settings::Settings;
use crate::ui::tr;
use crate::wechat::couriers::MappedBy;
use crate::wechat::logistics::{Courier, WaybillParty};
use crate::wechat::shop::ShopKind;
use crate::wechat::{Lang, PrintType};

/// The settings being edited, plus the secret fields that never go into `Settings`.
#[derive(Clone, Default)]
pub struct SettingsDraft {
    pub settings: Settings,
    pub appid: String,
    /// Typed by the user; sent to the keychain on save, then cleared.
    pub secret: String,
    pub printers: Vec<String>,
}

impl std::fmt::Debug for SettingsDraft {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("SettingsDraft")
            .field("settings", &self.settings)
            .field("appid", &self.appid)
            .field("secret", &"***")
            .finish()
    }
}

/// Draws the settings window body.
pub fn settings_ui(
    ui: &mut egui::Ui,
    lang: Lang,
    draft: &mut SettingsDraft,
    couriers: Option<&[Courier]>,
    courier_map: &Request<CourierTable>,
    out: &mut Vec<Command>,
) {
    // Taller than a small station screen: the fields scroll, Save and Cancel stay in view.
    let max_height = (ui.ctx().content_rect().height() - 160.0).max(200.0);
    egui::ScrollArea::vertical()
        .max_height(max_height)
        .show(ui, |ui| {
            settings_fields_ui(ui, lang, draft, couriers, courier_map, out)
        });
    ui.separator();
    ui.horizontal(|ui| {
        if ui.button(tr(lang, "ui-save")).clicked() {
            let secret = std::mem::take(&mut draft.secret);
            out.push(Command::SaveSettings {
                settings: Box::new(draft.settings.clone()),
                appid: draft.appid.trim().to_string(),
                secret: (!secret.is_empty()).then(|| crate::wechat::Secret::new(secret)),
            });
        }
        if ui.button(tr(lang, "ui-cancel")).clicked() {
            out.push(Command::CloseSettings);
        }
        ui.separator();
        if ui.button(tr(lang, "setup-open")).clicked() {
            out.push(Command::CloseSettings);
            out.push(Command::OpenSetup);
        }
    });
}

fn settings_fields_ui(
    ui: &mut egui::Ui,
    lang: Lang,
    draft: &mut SettingsDraft,
    couriers: Option<&[Courier]>,
    courier_map: &Request<CourierTable>,
    out: &mut Vec<Command>,
) {
    let s = &mut draft.settings;
    egui::Grid::new("settings")
        .num_columns(2)
        .spacing([12.0, 8.0])
        .show(ui, |ui| {
            ui.label(tr(lang, "ui-shop-type"));
            ui.horizontal(|ui| {
                ui.radio_value(&mut s.shop, ShopKind::Channels, tr(lang, "ui-wechat-shop"));
                ui.radio_value(&mut s.shop, ShopKind::Minishop, tr(lang, "ui-mini-shop"));
            });
            ui.end_row();

            let appid_caption = ui.label("AppID");
            ui.add(egui::TextEdit::singleline(&mut draft.appid).desired_width(260.0))
                .labelled_by(appid_caption.id);
            ui.end_row();
            let secret_caption = ui.label("AppSecret");
            ui.add(
                egui::TextEdit::singleline(&mut draft.secret)
                    .password(true)
                    .hint_text(tr(lang, "ui-kept-in-the-os-keychain"))
                    .desired_width(260.0),
            )
            .labelled_by(secret_caption.id);
            ui.end_row();

            ui.label(tr(lang, "ui-api-base-url"));
            ui.add(
                egui::TextEdit::singleline(&mut s.api_base)
                    .hint_text("https://api.weixin.qq.com")
                    .desired_width(260.0),
            );
            ui.end_row();

            let courier_caption = ui.label(tr(lang, "ui-default-courier"));
            ui.horizontal(|ui| {
                egui::ComboBox::from_id_salt("courier")
                    .selected_text(if s.delivery_id.is_empty() {
                        "-"
                    } else {
                        s.delivery_id.as_str()
                    })
                    .show_ui(ui, |ui| {
                        for c in couriers.unwrap_or(&[]) {
                            ui.selectable_value(
                                &mut s.delivery_id,
                                c.delivery_id.0.clone(),
                                format!("{} {}", c.delivery_id, c.delivery_name),
                            );
                        }
                    })
                    .response
                    .labelled_by(courier_caption.id);
                if ui.small_button(tr(lang, "ui-reload-list")).clicked() {
                    out.push(Command::LoadCouriers);
                }
            });
            ui.end_row();
            ui.label(tr(lang, "ui-courier-account-biz-id"));
            ui.add(egui::TextEdit::singleline(&mut s.biz_id).desired_width(260.0));
            ui.end_row();

            ui.label(tr(lang, "ui-label-format"));
            ui.horizontal(|ui| {
                ui.radio_value(
                    &mut s.print_type,
                    PrintType::OnePart,
                    tr(lang, "ui-one-part-76-130"),
                );
                ui.radio_value(
                    &mut s.print_type,
                    PrintType::TwoPart,
                    tr(lang, "ui-two-part-100-180"),
                );
            });
            ui.end_row();
            ui.label(tr(lang, "ui-paper-size-mm"));
            ui.add(
                egui::TextEdit::singleline(&mut s.label_size)
                    .hint_text(tr(lang, "ui-empty-follows-the-format-e"))
                    .desired_width(160.0),
            );
            ui.end_row();

            let printer_caption = ui.label(tr(lang, "ui-printer"));
            ui.horizontal(|ui| {
                egui::ComboBox::from_id_salt("printer")
                    .selected_text(if s.printer.is_empty() {
                        "-"
                    } else {
                        s.printer.as_str()
                    })
                    .show_ui(ui, |ui| {
                        for p in &draft.printers {
                            ui.selectable_value(&mut s.printer, p.clone(), p);
                        }
                    })
                    .response
                    .labelled_by(printer_caption.id);
                // Test label and calibration of this printer (the printer step).
                if ui.button(tr(lang, "calib-open")).clicked() {
                    out.push(Command::OpenCalibration);
                }
            });
            ui.end_row();
            ui.label(tr(lang, "ui-copies"));
            ui.add(egui::DragValue::new(&mut s.copies).range(1..=5));
            ui.end_row();

            ui.label(tr(lang, "ui-language"));
            ui.horizontal(|ui| {
                ui.radio_value(&mut s.lang, Lang::ZhCn, "中文");
                ui.radio_value(&mut s.lang, Lang::En, "English");
            });
            ui.end_row();
            let station_caption = ui.label(tr(lang, "ui-station"));
            ui.add(egui::TextEdit::singleline(&mut s.station).desired_width(160.0))
                .labelled_by(station_caption.id);
            ui.end_row();
            let operator_caption = ui.label(tr(lang, "ui-operator"));
            ui.add(egui::TextEdit::singleline(&mut s.operator).desired_width(160.0))
                .labelled_by(operator_caption.id);
            ui.end_row();
        });
    ui.separator();
    ui.label(egui::RichText::new(tr(lang, "ui-sender-printed-on-labels")).strong());
    let sender = s.sender.get_or_insert_with(WaybillParty::default);
    egui::Grid::new("sender").num_columns(2).show(ui, |ui| {
        for (label, field) in [
            (tr(lang, "ui-name"), &mut sender.name),
            (tr(lang, "ui-mobile"), &mut sender.mobile),
            (tr(lang, "ui-province"), &mut sender.province),
            (tr(lang, "ui-city"), &mut sender.city),
            (tr(lang, "ui-district"), &mut sender.area),
            (tr(lang, "ui-sender-address"), &mut sender.address),
        ] {
            ui.label(label);
            ui.add(egui::TextEdit::singleline(field).desired_width(260.0));
            ui.end_row();
        }
    });
    ui.separator();
    courier_map_ui(ui, lang, &mut draft.settings.courier_map, courier_map, out);
}

/// Which shop-list courier id each logistics courier ships under (`delivery/send` takes the
/// shop list's ids, `order/add` the logistics list's). A choice here overrides the automatic one.
fn courier_map_ui(
    ui: &mut egui::Ui,
    lang: Lang,
    overrides: &mut std::collections::BTreeMap<String, String>,
    table: &Request<CourierTable>,
    out: &mut Vec<Command>,
) {
    egui::CollapsingHeader::new(tr(lang, "ui-courier-ids-for-shipping"))
        .id_salt("courier_map")
        .show(ui, |ui| {
            ui.label(
                egui::RichText::new(tr(lang, "ui-waybills-use-the-logistics-courier")).small(),
            );
            let table = match table {
                Request::Done(t) => t,
                Request::Pending { .. } => {
                    ui.spinner();
                    return;
                }
                Request::Failed { message, .. } => {
                    ui.colored_label(crate::ui::theme::ERROR, message);
                    if ui.button(tr(lang, "ui-retry")).clicked() {
                        out.push(Command::LoadCourierMap);
                    }
                    return;
                }
                Request::NotRequested => {
                    if ui.button(tr(lang, "ui-load-courier-lists")).clicked() {
                        out.push(Command::LoadCourierMap);
                    }
                    return;
                }
            };
            egui::Grid::new("courier_map_grid")
                .num_columns(3)
                .striped(true)
                .show(ui, |ui| {
                    ui.label(egui::RichText::new(tr(lang, "ui-waybill-logistics")).strong());
                    ui.label(egui::RichText::new(tr(lang, "ui-shipping-shop")).strong());
                    ui.label(egui::RichText::new(tr(lang, "ui-from")).strong());
                    ui.end_row();
                    for m in &table.mappings {
                        ui.label(format!("{} {}", m.logistics_id, m.logistics_name));
                        let manual = overrides.get(&m.logistics_id).cloned();
                        let shown = manual
                            .clone()
                            .or_else(|| m.shop_id.clone())
                            .unwrap_or_else(|| tr(lang, "ui-none-cannot-ship").to_string());
                        egui::ComboBox::from_id_salt(("courier_map", &m.logistics_id))
                            .selected_text(shown)
                            .show_ui(ui, |ui| {
                                if ui
                                    .selectable_label(manual.is_none(), tr(lang, "ui-automatic"))
                                    .clicked()
                                {
                                    overrides.remove(&m.logistics_id);
                                }
                                for c in &table.shop {
                                    let chosen = manual.as_deref() == Some(c.delivery_id.as_str());
                                    if ui
                                        .selectable_label(
                                            chosen,
                                            format!("{} {}", c.delivery_id, c.delivery_name),
                                        )
                                        .clicked()
                                    {
                                        overrides
                                            .insert(m.logistics_id.clone(), c.delivery_id.clone());
                                    }
                                }
                            });
                        let from = if manual.is_some() {
                            tr(lang, "ui-by-hand")
                        } else {
                            match m.by {
                                Some(MappedBy::Settings) => tr(lang, "ui-by-hand"),
                                Some(MappedBy::Table) => tr(lang, "ui-reviewed-table"),
                                Some(MappedBy::Name) => tr(lang, "ui-same-name"),
                                Some(MappedBy::Other) => tr(lang, "ui-mapped-by-other"),
                                None => tr(lang, "ui-not-found"),
                            }
                        };
                        ui.label(from);
                        ui.end_row();
                    }
                });
        });
}
