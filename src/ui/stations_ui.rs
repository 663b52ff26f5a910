//! The shared journal's state at the top of the window (a red banner while it is lost), and
//! the stations panel: every station with its operators, open claims and today's counts.

use crate::app::command::Command;
use crate::app::live::{clock, FeedHealth};
use crate::app::request::Request;
use crate::i18n::Msg;
use crate::store::StationOverview;
use crate::ui::{theme, tr};
use crate::wechat::Lang;

/// Red background of the "shared journal lost" banner.
pub const LOST_BG: egui::Color32 = egui::Color32::from_rgb(0xc6, 0x28, 0x28);
/// Amber background while it catches up.
pub const CATCHING_UP_BG: egui::Color32 = egui::Color32::from_rgb(0xff, 0xe8, 0xb8);

/// The banner for the shared journal's health; nothing while it is connected (or absent).
pub fn live_banner_ui(ui: &mut egui::Ui, lang: Lang, health: Option<&FeedHealth>) {
    let (bg, fg, text) = match health {
        Some(FeedHealth::Lost { since_ms, reason }) => (
            LOST_BG,
            egui::Color32::WHITE,
            Msg::id("live-banner-lost")
                .arg("since", clock(*since_ms))
                .arg("reason", reason.clone())
                .render(lang),
        ),
        Some(FeedHealth::Reconnecting { .. }) => (
            CATCHING_UP_BG,
            theme::NOTE_FG,
            tr(lang, "live-banner-catching-up"),
        ),
        _ => return,
    };
    egui::Frame::new()
        .fill(bg)
        .inner_margin(8.0)
        .show(ui, |ui| {
            ui.set_width(ui.available_width());
            ui.label(egui::RichText::new(text).color(fg).strong().size(17.0));
        });
}

/// The stations panel (a window), while `open`.
pub fn stations_ui(
    ctx: &egui::Context,
    lang: Lang,
    open: bool,
    rows: &Request<Vec<StationOverview>>,
    out: &mut Vec<Command>,
) {
    if !open {
        return;
    }
    let mut still_open = true;
    egui::Window::new(tr(lang, "stations-title"))
        .open(&mut still_open)
        .collapsible(false)
        .resizable(true)
        .default_width(620.0)
        // Over the table, below the toolbar and the banners: not over the buttons.
        .default_pos(egui::pos2(420.0, 130.0))
        .show(ctx, |ui| {
            ui.horizontal(|ui| {
                if ui
                    .add_enabled(
                        !rows.is_pending(),
                        egui::Button::new(tr(lang, "stations-reload")),
                    )
                    .clicked()
                {
                    out.push(Command::RefreshStations);
                }
                if rows.is_pending() {
                    ui.spinner();
                }
                ui.label(
                    egui::RichText::new(tr(lang, "stations-today-note"))
                        .small()
                        .weak(),
                );
            });
            if let Request::Failed { message, .. } = rows {
                ui.colored_label(theme::ERROR, message);
            }
            let Some(rows) = rows.value() else {
                return;
            };
            if rows.is_empty() {
                ui.label(tr(lang, "stations-none"));
                return;
            }
            egui::Grid::new("stations_grid")
                .striped(true)
                .num_columns(7)
                .spacing([16.0, 6.0])
                .show(ui, |ui| {
                    for id in [
                        "stations-col-station",
                        "stations-col-operators",
                        "stations-col-claims",
                        "stations-col-labels",
                        "stations-col-prints",
                        "stations-col-ships",
                        "stations-col-last",
                    ] {
                        ui.label(egui::RichText::new(tr(lang, id)).strong());
                    }
                    ui.end_row();
                    for r in rows {
                        ui.label(egui::RichText::new(&r.station).strong());
                        ui.label(r.operators.join(", "));
                        if r.open_claims > 0 {
                            ui.colored_label(theme::WARN, r.open_claims.to_string())
                                .on_hover_text(
                                    Msg::id("stations-claims-by-purpose")
                                        .arg("labels", r.open_claims_labels)
                                        .arg("print", r.open_claims_print)
                                        .arg("ship", r.open_claims_ship)
                                        .render(lang),
                                );
                        } else {
                            ui.label("0");
                        }
                        ui.label(r.labels_today.to_string());
                        ui.label(r.prints_today.to_string());
                        ui.label(r.ships_today.to_string());
                        ui.label(r.last_seen_ms.map(clock).unwrap_or_else(|| "-".into()));
                        ui.end_row();
                    }
                });
        });
    if !still_open {
        out.push(Command::ToggleStations);
    }
}
