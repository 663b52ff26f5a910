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
        if ui.button(tr(lang, "保存", "Save")).clicked() {
            let secret = std::mem::take(&mut draft.secret);
            out.push(Command::SaveSettings {
                settings: Box::new(draft.settings.clone()),
                appid: draft.appid.trim().to_string(),
                secret: (!secret.is_empty()).then(|| crate::wechat::Secret::new(secret)),
            });
        }
        if ui.button(tr(lang, "取消", "Cancel")).clicked() {
            out.push(Command::CloseSettings);
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
            ui.label(tr(lang, "店铺类型", "Shop type"));
            ui.horizontal(|ui| {
                ui.radio_value(
                    &mut s.shop,
                    ShopKind::Channels,
                    tr(lang, "微信小店", "WeChat Shop"),
                );
                ui.radio_value(
                    &mut s.shop,
                    ShopKind::Minishop,
                    tr(lang, "小商店", "Mini shop"),
                );
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
                    .hint_text(tr(
                        lang,
                        "保存在系统钥匙串,不写入文件",
                        "kept in the OS keychain, never in a file",
                    ))
                    .desired_width(260.0),
            )
            .labelled_by(secret_caption.id);
            ui.end_row();

            ui.label(tr(lang, "接口地址", "API base URL"));
            ui.add(
                egui::TextEdit::singleline(&mut s.api_base)
                    .hint_text("https://api.weixin.qq.com")
                    .desired_width(260.0),
            );
            ui.end_row();

            let courier_caption = ui.label(tr(lang, "默认快递公司", "Default courier"));
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
                if ui
                    .small_button(tr(lang, "刷新列表", "Reload list"))
                    .clicked()
                {
                    out.push(Command::LoadCouriers);
                }
            });
            ui.end_row();
            ui.label(tr(lang, "快递账号 biz_id", "Courier account (biz_id)"));
            ui.add(egui::TextEdit::singleline(&mut s.biz_id).desired_width(260.0));
            ui.end_row();

            ui.label(tr(lang, "面单格式", "Label format"));
            ui.horizontal(|ui| {
                ui.radio_value(
                    &mut s.print_type,
                    PrintType::OnePart,
                    tr(lang, "一联单 76×130", "One-part 76×130"),
                );
                ui.radio_value(
                    &mut s.print_type,
                    PrintType::TwoPart,
                    tr(lang, "二联单 100×180", "Two-part 100×180"),
                );
            });
            ui.end_row();
            ui.label(tr(lang, "纸张尺寸(毫米)", "Paper size (mm)"));
            ui.add(
                egui::TextEdit::singleline(&mut s.label_size)
                    .hint_text(tr(
                        lang,
                        "留空按面单格式,如 100x150",
                        "empty follows the format, e.g. 100x150",
                    ))
                    .desired_width(160.0),
            );
            ui.end_row();

            let printer_caption = ui.label(tr(lang, "打印机", "Printer"));
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
            ui.end_row();
            ui.label(tr(lang, "份数", "Copies"));
            ui.add(egui::DragValue::new(&mut s.copies).range(1..=5));
            ui.end_row();

            ui.label(tr(lang, "语言", "Language"));
            ui.horizontal(|ui| {
                ui.radio_value(&mut s.lang, Lang::ZhCn, "中文");
                ui.radio_value(&mut s.lang, Lang::En, "English");
            });
            ui.end_row();
            let station_caption = ui.label(tr(lang, "工位名称", "Station"));
            ui.add(egui::TextEdit::singleline(&mut s.station).desired_width(160.0))
                .labelled_by(station_caption.id);
            ui.end_row();
            let operator_caption = ui.label(tr(lang, "操作员", "Operator"));
            ui.add(egui::TextEdit::singleline(&mut s.operator).desired_width(160.0))
                .labelled_by(operator_caption.id);
            ui.end_row();
        });
    ui.separator();
    ui.label(
        egui::RichText::new(tr(
            lang,
            "发件人(打印在面单上)",
            "Sender (printed on labels)",
        ))
        .strong(),
    );
    let sender = s.sender.get_or_insert_with(WaybillParty::default);
    egui::Grid::new("sender").num_columns(2).show(ui, |ui| {
        for (label, field) in [
            (tr(lang, "姓名/仓库", "Name"), &mut sender.name),
            (tr(lang, "手机", "Mobile"), &mut sender.mobile),
            (tr(lang, "省", "Province"), &mut sender.province),
            (tr(lang, "市", "City"), &mut sender.city),
            (tr(lang, "区", "District"), &mut sender.area),
            (tr(lang, "详细地址", "Address"), &mut sender.address),
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
    egui::CollapsingHeader::new(tr(lang, "发货用的快递公司对照", "Courier ids for shipping"))
        .id_salt("courier_map")
        .show(ui, |ui| {
            ui.label(
                egui::RichText::new(tr(
                    lang,
                    "取号用物流助手的快递公司 ID,发货用小店的快递公司 ID;两边不同时在这里对照",
                    "Waybills use the logistics courier ids, shipping uses the shop's: map them here where they differ",
                ))
                .small(),
            );
            let table = match table {
                Request::Done(t) => t,
                Request::Pending { .. } => {
                    ui.spinner();
                    return;
                }
                Request::Failed { message, .. } => {
                    ui.colored_label(crate::ui::theme::ERROR, message);
                    if ui.button(tr(lang, "重试", "Retry")).clicked() {
                        out.push(Command::LoadCourierMap);
                    }
                    return;
                }
                Request::NotRequested => {
                    if ui.button(tr(lang, "加载快递公司列表", "Load courier lists")).clicked() {
                        out.push(Command::LoadCourierMap);
                    }
                    return;
                }
            };
            egui::Grid::new("courier_map_grid")
                .num_columns(3)
                .striped(true)
                .show(ui, |ui| {
                    ui.label(egui::RichText::new(tr(lang, "取号(物流助手)", "Waybill (logistics)")).strong());
                    ui.label(egui::RichText::new(tr(lang, "发货(小店)", "Shipping (shop)")).strong());
                    ui.label(egui::RichText::new(tr(lang, "依据", "From")).strong());
                    ui.end_row();
                    for m in &table.mappings {
                        ui.label(format!("{} {}", m.logistics_id, m.logistics_name));
                        let manual = overrides.get(&m.logistics_id).cloned();
                        let shown = manual
                            .clone()
                            .or_else(|| m.shop_id.clone())
                            .unwrap_or_else(|| tr(lang, "(无,不能发货)", "(none: cannot ship)").to_string());
                        egui::ComboBox::from_id_salt(("courier_map", &m.logistics_id))
                            .selected_text(shown)
                            .show_ui(ui, |ui| {
                                if ui
                                    .selectable_label(manual.is_none(), tr(lang, "自动", "automatic"))
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
                                        overrides.insert(m.logistics_id.clone(), c.delivery_id.clone());
                                    }
                                }
                            });
                        let from = if manual.is_some() {
                            tr(lang, "手动", "by hand")
                        } else {
                            match m.by {
                                Some(MappedBy::Settings) => tr(lang, "手动", "by hand"),
                                Some(MappedBy::Table) => tr(lang, "对照表", "reviewed table"),
                                Some(MappedBy::Name) => tr(lang, "同名", "same name"),
                                Some(MappedBy::Other) => tr(lang, "其他(OTHER)", "other (OTHER)"),
                                None => tr(lang, "未找到", "not found"),
                            }
                        };
                        ui.label(from);
                        ui.end_row();
                    }
                });
        });
}
