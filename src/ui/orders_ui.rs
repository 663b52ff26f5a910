//! The orders table (virtualised rows) and its filter bar.

use egui_extras::{Column, TableBuilder};

use crate::app::command::Command;
use crate::app::orders::{ClickMods, LabelState, OrderBook, OrderRow, ShipState, SortKey};
use crate::ui::{theme, tr};
use crate::wechat::error::status_label;
use crate::wechat::order::{format_china_time, NoCourier};
use crate::wechat::Lang;

/// Status choices of the filter: (status, zh, en); `None` is every status.
const STATUS_CHOICES: &[(Option<u32>, &str, &str)] = &[
    (Some(20), "待发货", "To be shipped"),
    (Some(21), "部分发货", "Partly shipped"),
    (Some(30), "已发货", "Shipped"),
    (Some(10), "待付款", "Awaiting payment"),
    (Some(100), "已完成", "Completed"),
    (None, "全部", "All"),
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
        let status_caption = ui.label(tr(lang, "状态", "Status"));
        let current = STATUS_CHOICES
            .iter()
            .find(|c| c.0 == book.filter.status)
            .map_or("?", |c| tr(lang, c.1, c.2));
        egui::ComboBox::from_id_salt("status_filter")
            .selected_text(current)
            .show_ui(ui, |ui| {
                for (status, zh, en) in STATUS_CHOICES {
                    if ui
                        .selectable_label(book.filter.status == *status, tr(lang, zh, en))
                        .clicked()
                    {
                        book.filter.status = *status;
                        out.push(Command::FilterChanged);
                    }
                }
            })
            .response
            .labelled_by(status_caption.id);
        let days_caption = ui.label(tr(lang, "下单时间", "Created"));
        egui::ComboBox::from_id_salt("days_filter")
            .selected_text(format!(
                "{} {}",
                tr(lang, "最近", "last"),
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
        let search_caption = ui.label(tr(lang, "搜索", "Search"));
        let search = ui
            .add(
                egui::TextEdit::singleline(&mut book.filter.text)
                    .hint_text(tr(
                        lang,
                        "订单号 / 姓名 / 手机尾号 / 运单号",
                        "order id / name / phone tail / waybill",
                    ))
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
    match lang {
        Lang::ZhCn => format!("{days} 天"),
        Lang::En => format!("{days} days"),
    }
}

/// Columns by priority: what the packer acts on (label, shipping, error) comes right after the
/// order id, so a narrow table (detail panel open) cuts the least needed columns, never these.
const COLUMNS: &[(SortKey, &str, &str)] = &[
    (SortKey::OrderId, "订单号", "Order"),
    (SortKey::Label, "面单状态", "Label"),
    (SortKey::Ship, "发货状态", "Shipping"),
    (SortKey::Error, "最近错误", "Last error"),
    (SortKey::Status, "状态", "Status"),
    (SortKey::Buyer, "收件人", "Buyer"),
    (SortKey::Waybill, "运单号", "Waybill"),
    (SortKey::Courier, "快递", "Courier"),
    (SortKey::Items, "件数", "Items"),
    (SortKey::Created, "下单时间", "Created"),
];

/// The table. Only visible rows are laid out, so 50,000 orders scroll smoothly.
/// `scroll_to` brings a view row into sight (after keyboard moves or a scan).
pub fn orders_table_ui(
    ui: &mut egui::Ui,
    lang: Lang,
    book: &OrderBook,
    scroll_to: Option<usize>,
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
            for (key, zh, en) in COLUMNS {
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
                                egui::RichText::new(format!("{}{arrow}", tr(lang, zh, en)))
                                    .strong(),
                            )
                            .frame(false),
                        )
                        .on_hover_text(tr(lang, "点击排序", "Click to sort"))
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
                row_cells(&mut row, lang, r);
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
pub fn no_courier_short(reason: NoCourier, lang: Lang) -> &'static str {
    match reason {
        NoCourier::SelfPickup => tr(lang, "自提·无需面单", "pickup · no label"),
        NoCourier::SameCity => tr(lang, "同城配送·无需面单", "same-city · no label"),
        NoCourier::CannotShip => tr(lang, "不可发货", "not shippable"),
        NoCourier::NoExpress => tr(lang, "无需快递", "no courier"),
        NoCourier::Virtual => tr(lang, "虚拟商品·无需面单", "virtual · no label"),
    }
}

fn row_cells(row: &mut egui_extras::TableRow<'_, '_>, lang: Lang, r: &OrderRow) {
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
            LabelState::None => (tr(lang, "无", "none"), ui.visuals().weak_text_color()),
            LabelState::Fetching => (tr(lang, "获取中", "fetching"), theme::WARN),
            LabelState::Fetched => (tr(lang, "已获取", "fetched"), ui.visuals().text_color()),
            LabelState::Printed => (tr(lang, "已打印", "printed"), theme::OK),
            LabelState::Cancelled => (tr(lang, "运单已取消", "waybill cancelled"), theme::ERROR),
        };
        ui.colored_label(color, text);
    });
    row.col(|ui| {
        let (text, color) = match r.ship_state {
            ShipState::Pending => (tr(lang, "待发货", "pending"), ui.visuals().text_color()),
            ShipState::Partly => (tr(lang, "部分发货", "partly shipped"), theme::WARN),
            ShipState::Shipping => (tr(lang, "发货中", "shipping"), theme::WARN),
            ShipState::Shipped => (tr(lang, "已发货", "shipped"), theme::OK),
            ShipState::Error => (tr(lang, "出错", "error"), theme::ERROR),
        };
        ui.colored_label(if greyed { theme::GREYED } else { color }, text);
    });
    row.col(|ui| {
        if let Some(e) = r.last_error.as_ref().map(|m| m.render(lang)) {
            ui.colored_label(theme::ERROR, &e).on_hover_text(e);
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
