//! The activity log and the toasts.

use crate::app::activity::{Activity, Level};
use crate::app::command::Command;
use crate::ui::{theme, tr};
use crate::wechat::Lang;

fn color(ui: &egui::Ui, level: Level) -> egui::Color32 {
    match level {
        Level::Error => theme::ERROR,
        Level::Warn => theme::WARN,
        Level::Info => ui.visuals().text_color(),
    }
}

/// The log: errors first, with timestamps.
pub fn log_ui(ui: &mut egui::Ui, lang: Lang, activity: &mut Activity) {
    ui.horizontal(|ui| {
        ui.label(egui::RichText::new(tr(lang, "ui-activity")).strong());
        ui.checkbox(&mut activity.problems_only, tr(lang, "ui-problems-only"));
    });
    egui::ScrollArea::vertical()
        .max_height(ui.available_height())
        .auto_shrink([false, false])
        .show(ui, |ui| {
            for e in activity.shown().into_iter().take(500) {
                ui.colored_label(color(ui, e.level), format!("{}  {}", e.time, e.text(lang)));
            }
        });
}

/// A progress bar with done/total, failures and a stop button (disabled once asked);
/// true when the button was clicked.
pub fn progress_ui(
    ui: &mut egui::Ui,
    lang: Lang,
    what: &str,
    progress: &crate::app::run::RunProgress,
    waiting: usize,
    stop_text: &str,
) -> bool {
    ui.horizontal(|ui| {
        let (done, total) = (progress.done(), progress.total());
        let fraction = if total == 0 {
            1.0
        } else {
            done as f32 / total as f32
        };
        let mut text = format!(
            "{what} {done}/{total}  {} {}",
            tr(lang, "ui-failed"),
            progress.failed_count()
        );
        if waiting > 0 {
            text.push_str(&format!("  ({} {waiting})", tr(lang, "ui-queued")));
        }
        ui.add(
            egui::ProgressBar::new(fraction)
                .desired_width(360.0)
                .text(text),
        );
        ui.add_enabled(!progress.cancelling, egui::Button::new(stop_text))
            .clicked()
    })
    .inner
}

/// Toasts in the bottom-right corner; a click dismisses one.
pub fn toasts_ui(ctx: &egui::Context, lang: Lang, activity: &mut Activity, out: &mut Vec<Command>) {
    let toasts = activity.live_toasts().to_vec();
    if toasts.is_empty() {
        return;
    }
    egui::Area::new(egui::Id::unique("toasts"))
        .anchor(egui::Align2::RIGHT_BOTTOM, egui::vec2(-12.0, -12.0))
        .order(egui::Order::Foreground)
        .show(ctx, |ui| {
            for (i, t) in toasts.iter().enumerate() {
                let frame = egui::Frame::popup(ui.style()).fill(if t.level == Level::Error {
                    theme::SCAN_FAIL_BG
                } else {
                    theme::NOTE_BG
                });
                let r = frame.show(ui, |ui| {
                    ui.set_max_width(420.0);
                    ui.colored_label(color(ui, t.level), t.msg.render(lang));
                });
                if r.response.interact(egui::Sense::click()).clicked() {
                    out.push(Command::DismissToast(i));
                }
            }
        });
    // Toasts expire on their own: make sure a frame comes to take them away.
    ctx.request_repaint_after(std::time::Duration::from_millis(500));
}
