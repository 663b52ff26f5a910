//! The settings window: shop, credentials, API base, courier and biz_id, label format,
//! printer, copies, language, station and operator.

use crate::app::command::Command;
use crate::settings::Settings;
use crate::ui::tr;
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
            ui.label(tr(lang, "工位名称", "Station"));
            ui.add(egui::TextEdit::singleline(&mut s.station).desired_width(160.0));
            ui.end_row();
            ui.label(tr(lang, "操作员", "Operator"));
            ui.add(egui::TextEdit::singleline(&mut s.operator).desired_width(160.0));
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
