//! The toolbar: refresh, get labels, print, ship, scanner mode, settings, language.

use crate::app::command::Command;
use crate::ui::tr;
use crate::wechat::Lang;

/// What the toolbar needs to know.
pub struct ToolbarView {
    pub lang: Lang,
    pub selected: usize,
    pub refreshing: bool,
    pub batch_running: bool,
    pub failed_last_batch: usize,
    pub scanner_on: bool,
    pub demo: bool,
    /// Why get labels / print / ship are off (the shared journal is lost, or every selected
    /// order is held by another station).
    pub work_blocked: Option<String>,
    pub stations_open: bool,
}

/// Keyboard shortcuts of the main actions (also shown in tooltips).
pub mod keys {
    use egui::{Key, KeyboardShortcut, Modifiers};
    pub const REFRESH: KeyboardShortcut = KeyboardShortcut::new(Modifiers::NONE, Key::F5);
    pub const GET_LABELS: KeyboardShortcut = KeyboardShortcut::new(Modifiers::COMMAND, Key::L);
    pub const PRINT: KeyboardShortcut = KeyboardShortcut::new(Modifiers::COMMAND, Key::P);
    /// The focused label through the system print dialog (its own process).
    pub const PRINT_DIALOG: KeyboardShortcut =
        KeyboardShortcut::new(Modifiers::COMMAND.plus(Modifiers::SHIFT), Key::P);
    pub const SHIP: KeyboardShortcut = KeyboardShortcut::new(Modifiers::COMMAND, Key::Enter);
    pub const SCANNER: KeyboardShortcut = KeyboardShortcut::new(Modifiers::NONE, Key::F2);
    pub const SETTINGS: KeyboardShortcut = KeyboardShortcut::new(Modifiers::COMMAND, Key::Comma);
    pub const SELECT_ALL: KeyboardShortcut = KeyboardShortcut::new(Modifiers::COMMAND, Key::A);
}

fn shortcut_text(ui: &egui::Ui, s: &egui::KeyboardShortcut) -> String {
    ui.ctx().format_shortcut(s)
}

/// A toolbar button whose tooltip names its shortcut; true when clicked.
fn action(
    ui: &mut egui::Ui,
    enabled: bool,
    text: &str,
    hint: &str,
    shortcut: Option<&egui::KeyboardShortcut>,
) -> bool {
    let hint = match shortcut {
        Some(s) => format!("{hint} ({})", shortcut_text(ui, s)),
        None => hint.to_string(),
    };
    ui.add_enabled(enabled, egui::Button::new(text))
        .on_hover_text(hint)
        .clicked()
}

/// Draws the toolbar.
pub fn toolbar_ui(ui: &mut egui::Ui, v: &ToolbarView, out: &mut Vec<Command>) {
    let lang = v.lang;
    ui.horizontal_wrapped(|ui| {
        let t = |id| tr(lang, id);
        if action(
            ui,
            !v.refreshing,
            &t("ui-refresh"),
            &t("ui-pull-new-orders-keeping-the"),
            Some(&keys::REFRESH),
        ) {
            out.push(Command::Refresh);
        }
        ui.separator();
        let can_act = v.selected > 0 && !v.batch_running && v.work_blocked.is_none();
        let blocked = |hint: String| v.work_blocked.clone().unwrap_or(hint);
        if action(
            ui,
            can_act,
            &t("ui-get-labels"),
            &blocked(t("ui-create-waybills-and-fetch-labels")),
            Some(&keys::GET_LABELS),
        ) {
            out.push(Command::GetLabels);
        }
        if v.failed_last_batch > 0 {
            let text = format!("{} ({})", &t("ui-retry-failed"), v.failed_last_batch);
            if action(
                ui,
                !v.batch_running,
                &text,
                &t("ui-retry-only-the-orders-that"),
                None,
            ) {
                out.push(Command::RetryFailed);
            }
        }
        if action(
            ui,
            can_act,
            &t("ui-print"),
            &blocked(t("ui-print-the-selection-s-labels")),
            Some(&keys::PRINT),
        ) {
            out.push(Command::Print);
        }
        if action(
            ui,
            v.selected > 0 && v.work_blocked.is_none(),
            &t("ui-ship"),
            &blocked(t("ui-ship-the-selection-with-its")),
            Some(&keys::SHIP),
        ) {
            out.push(Command::Ship);
        }
        ui.separator();
        if ui
            .selectable_label(v.scanner_on, t("ui-scanner-mode"))
            .on_hover_text(format!(
                "{} ({})",
                &t("ui-scan-an-order-or-waybill"),
                shortcut_text(ui, &keys::SCANNER)
            ))
            .clicked()
        {
            out.push(Command::ToggleScanner);
        }
        if ui
            .selectable_label(v.stations_open, t("stations-button"))
            .on_hover_text(t("stations-button-hint"))
            .clicked()
        {
            out.push(Command::ToggleStations);
        }
        if action(
            ui,
            true,
            &t("ui-settings"),
            &t("ui-shop-courier-printer-language"),
            Some(&keys::SETTINGS),
        ) {
            out.push(Command::OpenSettings);
        }
        ui.with_layout(egui::Layout::right_to_left(egui::Align::Center), |ui| {
            let other = match lang {
                Lang::ZhCn => (Lang::En, "English"),
                Lang::En => (Lang::ZhCn, "中文"),
            };
            if action(
                ui,
                true,
                other.1,
                &t("ui-switch-the-interface-language"),
                None,
            ) {
                out.push(Command::SetLang(other.0));
            }
            ui.label(format!("{} {}", &t("ui-selected"), v.selected));
        });
    });
    if v.demo {
        egui::Frame::new()
            .fill(crate::ui::theme::DEMO_BG)
            .inner_margin(6.0)
            .show(ui, |ui| {
                ui.set_width(ui.available_width());
                ui.label(
                    egui::RichText::new(tr(lang, "ui-demo-mode-no-wechat-credentials")).strong(),
                );
            });
    }
}

/// Reads the global shortcuts of this frame.
pub fn shortcuts(ctx: &egui::Context, out: &mut Vec<Command>) {
    ctx.input_mut(|i| {
        if i.consume_shortcut(&keys::REFRESH) {
            out.push(Command::Refresh);
        }
        if i.consume_shortcut(&keys::GET_LABELS) {
            out.push(Command::GetLabels);
        }
        // Before Ctrl+P, which would also match with Shift held.
        if i.consume_shortcut(&keys::PRINT_DIALOG) {
            out.push(Command::PrintWithDialog);
        }
        if i.consume_shortcut(&keys::PRINT) {
            out.push(Command::Print);
        }
        if i.consume_shortcut(&keys::SHIP) {
            out.push(Command::Ship);
        }
        if i.consume_shortcut(&keys::SCANNER) {
            out.push(Command::ToggleScanner);
        }
        if i.consume_shortcut(&keys::SETTINGS) {
            out.push(Command::OpenSettings);
        }
    });
}
