//! The crash-report offer: "上次异常退出，报告在 …  [打开文件夹] [复制路径] [忽略]".

use crate::app::crash_report::{CrashChoice, CrashOffer};
use crate::i18n::Msg;
use crate::ui::{theme, tr};
use crate::wechat::Lang;

/// Draws the offer as a modal; returns what the user chose this frame.
pub fn crash_report_ui(ctx: &egui::Context, lang: Lang, offer: &CrashOffer) -> Option<CrashChoice> {
    let mut choice = None;
    let response = egui::Modal::new(egui::Id::unique("crash_report_offer")).show(ctx, |ui| {
        ui.set_max_width(560.0);
        ui.heading(tr(lang, "crash-title"));
        ui.label(
            Msg::id("crash-body")
                .arg("path", offer.report.display().to_string())
                .render(lang),
        );
        if offer.unseen > 1 {
            ui.label(
                Msg::id("crash-more")
                    .arg("count", (offer.unseen - 1).to_string())
                    .render(lang),
            );
        }
        ui.label(egui::RichText::new(tr(lang, "crash-hint")).color(theme::GREYED));
        ui.add_space(8.0);
        ui.horizontal(|ui| {
            if ui.button(tr(lang, "crash-open-folder")).clicked() {
                choice = Some(CrashChoice::OpenFolder);
            }
            if ui.button(tr(lang, "crash-copy-path")).clicked() {
                choice = Some(CrashChoice::CopyPath);
            }
            if ui.button(tr(lang, "crash-ignore")).clicked() {
                choice = Some(CrashChoice::Ignore);
            }
            if offer.copied {
                ui.label(tr(lang, "crash-path-copied"));
            }
        });
    });
    if choice.is_none() && response.should_close() {
        choice = Some(CrashChoice::Ignore);
    }
    choice
}

#[cfg(test)]
mod tests {
    use super::*;
    use egui_kittest::kittest::Queryable;

    #[test]
    fn the_offer_names_the_report_and_each_button_is_a_choice() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("crash-20261130-230000-1.txt");
        std::fs::write(&path, "report").unwrap();
        let offer = CrashOffer::unseen(dir.path()).unwrap();
        for (label, expected) in [
            ("crash-open-folder", CrashChoice::OpenFolder),
            ("crash-copy-path", CrashChoice::CopyPath),
            ("crash-ignore", CrashChoice::Ignore),
        ] {
            let chosen = std::cell::Cell::new(None);
            let mut harness = egui_kittest::Harness::new_ui(|ui| {
                let ctx = ui.ctx().clone();
                crate::ui::fonts::install(&ctx);
                if let Some(c) = crash_report_ui(&ctx, Lang::ZhCn, &offer) {
                    chosen.set(Some(c));
                }
            });
            harness.run();
            // The body names the report's path (zh-CN: "上次异常退出，报告在 PATH").
            let body = Msg::id("crash-body")
                .arg("path", path.display().to_string())
                .render(Lang::ZhCn);
            assert!(body.ends_with(&path.display().to_string()), "{body}");
            harness.get_by_label_contains(&body);
            harness.get_by_label(&tr(Lang::ZhCn, label)).click();
            harness.run();
            assert_eq!(chosen.get(), Some(expected), "{label}");
        }
    }
}
