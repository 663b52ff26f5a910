//! The orders table (virtualised rows) and its filter bar.

use egui_extras::{Column, TableBuilder};

use crate::app::command::Command;
use crate::app::orders::{ClickMods, LabelState, OrderBook, OrderRow, ShipState, SortKey};
use crate::ui::{theme, tr};
use crate::wechat::error::status_label;
use crate::wechat::order::{format_china_time, NoCourier};
use crate::wechat::Lang;

/// Status choices of the filter: (status, message id); `None` is every status.
const STATUS_CHOICES: &[(Option<u32>, &str)] = &[
    (Some(20), "ui-status-to-be-shipped"),
    (Some(21), "ui-status-partly-shipped"),
    (Some(30), "ui-status-shipped"),
    (Some(10), "ui-status-awaiting-payment"),
    (Some(100), "ui-status-completed"),
    (None, "ui-status-all"),
];

/// Date-range choices: days back from now.
pub const DAY_CHOICES: &[u32] = &[1, 3, 7, 30, 90];

/// The filter bar. `days` is the date range in days back from now.
pub fn filter_ui(
    ui: &mut egui::Ui,
    lang: Lang,
    book: &mut OrderBook,
    days: &mut u32,
    out: &mut Vec<Command>,
) {
    ui.horizontal(|ui| {
        let status_caption = ui.label(tr(lang, "ui-col-status"));
        let current = STATUS_CHOICES
            .iter()
            .find(|c| c.0 == book.filter.status)
            .map_or_else(|| "?".to_string(), |c| tr(lang, c.1));
        egui::ComboBox::from_id_salt("status_filter")
            .selected_text(current)
            .show_ui(ui, |ui| {
                for (status, id) in STATUS_CHOICES {
                    if ui
                        .selectable_label(book.filter.status == *status, tr(lang, id))
                        .clicked()
                    {
                        book.filter.status = *status;
                        out.push(Command::FilterChanged);
                    }
                }
            })
            .response
            .labelled_by(status_caption.id);
        let days_caption = ui.label(tr(lang, "ui-col-created"));
        egui::ComboBox::from_id_salt("days_filter")
            .selected_text(format!(
                "{} {}",
                tr(lang, "ui-last"),
                days_text(lang, *days)
            ))
            .show_ui(ui, |ui| {
                for d in DAY_CHOICES {
                    if ui
                        .selectable_label(*days == *d, days_text(lang, *d))
                        .clicked()
                    {
                        *days = *d;
                        out.push(Command::FilterChanged);
                    }
                }
            })
            .response
            .labelled_by(days_caption.id);
        let search_caption = ui.label(tr(lang, "ui-search"));
        let search = ui
            .add(
                egui::TextEdit::singleline(&mut book.filter.text)
                    .hint_text(tr(lang, "ui-order-id-name-phone-tail"))
                    .desired_width(260.0),
            )
            .labelled_by(search_caption.id);
        if search.changed() {
            out.push(Command::SearchChanged);
        }
        ui.label(format!("{} / {}", book.view_len(), book.len()));
    });
}

fn days_text(lang: Lang, days: u32) -> String {
    crate::i18n::Msg::id("ui-days")
        .arg("days", days)
        .render(lang)
}

/// Columns by priority: what the packer acts on (label, shipping, error) comes right after the
/// order id, so a narrow table (detail panel open) cuts the least needed columns, never these.
const COLUMNS: &[(SortKey, &str)] = &[
    (SortKey::OrderId, "ui-col-order"),
    (SortKey::Label, "ui-col-label"),
    (SortKey::Ship, "ui-col-shipping"),
    (SortKey::Error, "ui-col-last-error"),
    (SortKey::Status, "ui-col-status"),
    (SortKey::Buyer, "ui-col-buyer"),
    (SortKey::Waybill, "ui-col-waybill"),
    (SortKey::Courier, "ui-col-courier"),
    (SortKey::Items, "ui-col-items"),
    (SortKey::Created, "ui-col-created"),
];

/// The table. Only visible rows are laid out, so 50,000 orders scroll smoothly.
/// `scroll_to` brings a view row into sight (after keyboard moves or a scan).
pub fn orders_table_ui(
    ui: &mut egui::Ui,
    lang: Lang,
    book: &OrderBook,
    scroll_to: Option<usize>,
    notes: &dyn Fn(crate::wechat::OrderId) -> crate::app::live::RowNote,
    out: &mut Vec<Command>,
) {
    let (sort_key, ascending) = book.sort();
    // Cell text must not take the click (selectable text would): the whole row is the target.
    ui.style_mut().interaction.selectable_labels = false;
    let mut table = TableBuilder::new(ui)
        .striped(true)
        .resizable(true)
        .sense(egui::Sense::click())
        .cell_layout(egui::Layout::left_to_right(egui::Align::Center))
        .column(Column::initial(170.0).at_least(80.0))
        .column(Column::initial(84.0).at_least(60.0))
        .column(Column::initial(72.0).at_least(60.0))
        .column(Column::initial(170.0).at_least(80.0).clip(true))
        .column(Column::initial(70.0))
        .column(Column::initial(120.0))
        .column(Column::initial(140.0))
        .column(Column::initial(50.0))
        .column(Column::initial(44.0))
        .column(Column::remainder().at_least(110.0))
        .min_scrolled_height(0.0);
    if let Some(pos) = scroll_to {
        table = table.scroll_to_row(pos, None);
    }
    table
        .header(24.0, |mut header| {
            for (key, id) in COLUMNS {
                header.col(|ui| {
                    let arrow = if *key == sort_key {
                        if ascending {
                            " ▲"
                        } else {
                            " ▼"
                        }
                    } else {
                        ""
                    };
                    if ui
                        .add(
                            egui::Button::new(
                                egui::RichText::new(format!("{}{arrow}", tr(lang, id))).strong(),
                            )
                            .frame(false),
                        )
                        .on_hover_text(tr(lang, "ui-click-to-sort"))
                        .clicked()
                    {
                        out.push(Command::SortBy(*key));
                    }
                });
            }
        })
        .body(|body| {
            body.rows(theme::ROW_HEIGHT, book.view_len(), |mut row| {
                let pos = row.index();
                let Some(r) = book.view_row(pos) else {
                    return;
                };
                row.set_selected(book.is_selected(r.order.id));
                row_cells(&mut row, lang, r, &notes(r.order.id));
                let response = row.response();
                if response.clicked() {
                    let mods = response.ctx.input(|i| i.modifiers);
                    out.push(Command::RowClicked {
                        pos,
                        mods: ClickMods {
                            ctrl: mods.command || mods.ctrl,
                            shift: mods.shift,
                        },
                    });
                }
            });
        });
}

/// A short name for why an order takes no courier, for the table's label column.
pub fn no_courier_short(reason: NoCourier, lang: Lang) -> String {
    match reason {
        NoCourier::SelfPickup => tr(lang, "ui-pickup-no-label"),
        NoCourier::SameCity => tr(lang, "ui-same-city-no-label"),
        NoCourier::CannotShip => tr(lang, "ui-not-shippable"),
        NoCourier::NoExpress => tr(lang, "ui-no-courier"),
        NoCourier::Virtual => tr(lang, "ui-virtual-no-label"),
    }
}

fn row_cells(
    row: &mut egui_extras::TableRow<'_, '_>,
    lang: Lang,
    r: &OrderRow,
    note: &crate::app::live::RowNote,
) {
    let o = &r.order;
    // Orders that take no courier are greyed, with the reason in the label column.
    let no_courier = r.no_courier();
    let greyed = no_courier.is_some();
    let cell = |ui: &mut egui::Ui, text: String| {
        if greyed {
            ui.label(egui::RichText::new(text).color(theme::GREYED));
        } else {
            ui.label(text);
        }
    };
    row.col(|ui| {
        cell(ui, o.id.to_string());
    });
    row.col(|ui| {
        if let Some(reason) = no_courier {
            ui.colored_label(theme::GREYED, no_courier_short(reason, lang))
                .on_hover_text(reason.explain(lang));
            return;
        }
        let (text, color) = match r.label_state {
            LabelState::None => (tr(lang, "ui-none"), ui.visuals().weak_text_color()),
            LabelState::Fetching => (tr(lang, "ui-fetching"), theme::WARN),
            LabelState::Fetched => (tr(lang, "ui-fetched"), ui.visuals().text_color()),
            LabelState::Printed => (tr(lang, "ui-printed"), theme::OK),
            LabelState::Cancelled => (tr(lang, "ui-waybill-cancelled"), theme::ERROR),
        };
        let label = ui.colored_label(color, text);
        // Another station's doing: who, on hover (the column is narrow).
        if let Some(by) = &note.label_by {
            label.on_hover_text(by);
        }
    });
    row.col(|ui| {
        let (text, color) = match r.ship_state {
            ShipState::Pending => (tr(lang, "ui-pending"), ui.visuals().text_color()),
            ShipState::Partly => (tr(lang, "ui-partly-shipped"), theme::WARN),
            ShipState::Shipping => (tr(lang, "ui-shipping"), theme::WARN),
            ShipState::Shipped => (tr(lang, "ui-ship-state-shipped"), theme::OK),
            ShipState::Error => (tr(lang, "ui-error"), theme::ERROR),
        };
        let shipped = ui.colored_label(if greyed { theme::GREYED } else { color }, text);
        if let Some(by) = &note.ship_by {
            shipped.on_hover_text(by);
        }
    });
    row.col(|ui| {
        if let Some(e) = r.last_error.as_ref().map(|m| m.render(lang)) {
            ui.colored_label(theme::ERROR, &e).on_hover_text(e);
        } else if let Some(held) = &note.held {
            ui.colored_label(theme::WARN, held).on_hover_text(held);
        } else if let Some(by) = note.ship_by.as_ref().or(note.label_by.as_ref()) {
            ui.weak(by);
        }
    });
    row.col(|ui| {
        cell(ui, status_label(o.status, lang).to_string());
    });
    row.col(|ui| {
        let tail: String = o
            .address
            .tel_number
            .chars()
            .rev()
            .take(4)
            .collect::<Vec<_>>()
            .into_iter()
            .rev()
            .collect();
        cell(ui, format!("{} {}", o.address.user_name, tail));
    });
    row.col(|ui| {
        cell(
            ui,
            r.waybill
                .as_ref()
                .map_or(String::new(), |w| w.waybill_id.0.clone()),
        );
    });
    row.col(|ui| {
        cell(
            ui,
            r.waybill
                .as_ref()
                .map_or(String::new(), |w| w.delivery_id.0.clone()),
        );
    });
    row.col(|ui| {
        cell(ui, r.pieces().to_string());
    });
    row.col(|ui| {
        let t = format_china_time(o.created_unix);
        cell(ui, t.get(5..16).unwrap_or(&t).to_string());
    });
}
