//! The detail panel of the focused order: notes first (they change how it is packed), products,
//! address, price, waybill sorting codes, after-sales warnings, sender/receiver, history.

use crate::app::command::Command;
use crate::app::orders::{LabelState, OrderRow, ShipState};
use crate::app::request::Request;
use crate::ui::{theme, tr};
use crate::wechat::error::status_label;
use crate::wechat::logistics::Contact;
use crate::wechat::order::format_china_time;
use crate::wechat::Lang;

fn dash(text: &str) -> &str {
    if text.is_empty() {
        "-"
    } else {
        text
    }
}

fn yuan(fen: i64) -> String {
    format!("¥{}.{:02}", fen / 100, (fen % 100).abs())
}

/// Draws the detail of one order. `history` is the journal's lines for it, newest first.
pub fn detail_ui(
    ui: &mut egui::Ui,
    lang: Lang,
    row: &OrderRow,
    contact: Option<&Request<Contact>>,
    history: &[String],
    live: &[(bool, String)],
    out: &mut Vec<Command>,
) {
    let o = &row.order;
    ui.heading(format!("{} {}", tr(lang, "ui-order"), o.id));
    ui.label(format!(
        "{}  ·  {}",
        status_label(o.status, lang),
        format_china_time(o.created_unix)
    ));

    // Other stations: who holds it (its actions are off here) and what they did to it.
    for (held, line) in live {
        if *held {
            ui.colored_label(theme::WARN, egui::RichText::new(line).strong());
        } else {
            ui.label(line);
        }
    }
    // Actions first: the panel scrolls, and these must never be below the fold.
    let can_ship = row.ship_state != ShipState::Shipped
        && row.ship_state != ShipState::Shipping
        && o.shippable_pieces() > 0;
    ui.horizontal(|ui| {
        if row.waybill.is_some()
            && row.ship_state != ShipState::Shipped
            && ui
                .button(tr(lang, "ui-cancel-waybill"))
                .on_hover_text(tr(lang, "ui-void-this-waybill-its-label"))
                .clicked()
        {
            out.push(Command::AskCancelWaybill(o.id));
        }
        // Virtual goods must ship whole (seed 003), so they have no split.
        let splittable =
            row.no_courier().is_none() && row.waybill.is_some() && o.shippable_pieces() >= 2;
        if can_ship
            && splittable
            && ui
                .button(tr(lang, "ui-ship-part"))
                .on_hover_text(tr(lang, "ui-ship-only-some-items-the"))
                .clicked()
        {
            out.push(Command::OpenSplitShip);
        }
    });
    for (title, note) in [
        (tr(lang, "ui-buyer-note"), &o.customer_notes),
        (tr(lang, "ui-merchant-note"), &o.merchant_notes),
    ] {
        if !note.is_empty() {
            egui::Frame::new()
                .fill(theme::NOTE_BG)
                .inner_margin(6.0)
                .corner_radius(4.0)
                .show(ui, |ui| {
                    ui.set_width(ui.available_width());
                    ui.label(
                        egui::RichText::new(format!("{title}:{note}"))
                            .color(theme::NOTE_FG)
                            .size(18.0)
                            .strong(),
                    );
                });
        }
    }
    if let Some(reason) = row.no_courier() {
        egui::Frame::new()
            .fill(egui::Color32::from_gray(0xee))
            .inner_margin(6.0)
            .corner_radius(4.0)
            .show(ui, |ui| {
                ui.set_width(ui.available_width());
                ui.label(egui::RichText::new(reason.explain(lang)).strong());
            });
    }
    if o.address_change_pending {
        ui.colored_label(
            theme::ERROR,
            egui::RichText::new(tr(lang, "ui-the-buyer-asked-to-change")).strong(),
        );
    }
    if o.has_open_aftersale() {
        ui.colored_label(
            theme::ERROR,
            egui::RichText::new(tr(lang, "ui-note-this-order-has-an")).strong(),
        );
    }

    ui.separator();
    ui.label(egui::RichText::new(tr(lang, "ui-products")).strong());
    let remaining = o.remaining_items();
    egui::Grid::new("products")
        .striped(true)
        .num_columns(3)
        .show(ui, |ui| {
            for p in &o.products {
                let attrs: Vec<String> = p
                    .sku_attrs
                    .iter()
                    .map(|a| format!("{}:{}", a.attr_key, a.attr_value))
                    .collect();
                ui.label(&p.title);
                ui.label(attrs.join(" "));
                let left = remaining
                    .iter()
                    .find(|i| i.product_id == p.product_id && i.sku_id == p.sku_id)
                    .map_or(0, |i| i.count);
                let shipped = o.shipped_count(p.product_id, p.sku_id);
                let aftersale = p
                    .finish_aftersale_sku_cnt
                    .saturating_add(p.on_aftersale_sku_cnt);
                if shipped > 0 || aftersale > 0 {
                    let mut parts = vec![format!("{} {}", tr(lang, "ui-ordered"), p.sku_cnt)];
                    if shipped > 0 {
                        parts.push(format!("{} {shipped}", tr(lang, "ui-product-shipped")));
                    }
                    if aftersale > 0 {
                        parts.push(format!("{} {aftersale}", tr(lang, "ui-after-sales")));
                    }
                    ui.colored_label(
                        if left == 0 {
                            theme::GREYED
                        } else {
                            theme::WARN
                        },
                        format!("{} ×{left} ({})", tr(lang, "ui-to-ship"), parts.join(", ")),
                    );
                } else {
                    ui.label(egui::RichText::new(format!("×{left}")).strong());
                }
                ui.end_row();
            }
        });
    if !o.shipped_packages.is_empty() {
        ui.label(egui::RichText::new(tr(lang, "ui-parcels-already-shipped")).strong());
        for parcel in &o.shipped_packages {
            let courier = if parcel.delivery_name.is_empty() {
                parcel.delivery_id.clone()
            } else {
                format!("{} ({})", parcel.delivery_name, parcel.delivery_id)
            };
            let when = if parcel.delivery_time > 0 {
                format_china_time(parcel.delivery_time)
            } else {
                String::new()
            };
            let items: Vec<String> = parcel
                .products
                .iter()
                .map(|item| {
                    let title = o
                        .products
                        .iter()
                        .find(|p| p.product_id == item.product_id && p.sku_id == item.sku_id)
                        .map_or_else(|| item.product_id.to_string(), |p| p.title.clone());
                    format!("{title} ×{}", item.count)
                })
                .collect();
            ui.label(format!(
                "· {courier} {}  {when}\n   {}",
                parcel.waybill_id,
                items.join(", ")
            ));
        }
    }
    ui.label(format!(
        "{} {}  ({} {})",
        tr(lang, "ui-paid"),
        yuan(o.order_price_fen),
        tr(lang, "ui-freight"),
        yuan(o.freight_fen)
    ));

    ui.separator();
    ui.label(egui::RichText::new(tr(lang, "ui-address")).strong());
    ui.label(format!("{}  {}", o.address.user_name, o.address.tel_number));
    ui.label(o.address.one_line());
    let mut codes = Vec::new();
    if !o.address.postal_code.is_empty() {
        codes.push(format!(
            "{} {}",
            tr(lang, "ui-postcode"),
            o.address.postal_code
        ));
    }
    if !o.address.national_code.is_empty() {
        codes.push(format!(
            "{} {}",
            tr(lang, "ui-national-code"),
            o.address.national_code
        ));
    }
    if !codes.is_empty() {
        ui.label(egui::RichText::new(codes.join("  ")).small());
    }

    ui.separator();
    match &row.waybill {
        Some(w) => {
            ui.label(format!(
                "{}:{} {}",
                tr(lang, "ui-waybill"),
                w.delivery_id,
                w.waybill_id
            ));
            if let Some(label) = &row.label {
                for kv in &label.waybill_data {
                    ui.label(format!("{}:{}", kv.key, kv.value));
                }
            }
            match contact {
                None | Some(Request::NotRequested) => {
                    if ui.button(tr(lang, "ui-show-sender-receiver")).clicked() {
                        out.push(Command::FetchContact(o.id));
                    }
                }
                Some(Request::Pending { .. }) => {
                    ui.spinner();
                }
                Some(Request::Done(c)) => {
                    for (title, party) in [
                        (tr(lang, "ui-sender"), &c.sender),
                        (tr(lang, "ui-receiver"), &c.receiver),
                    ] {
                        ui.label(format!("{title}:{} {}", party.name, party.address));
                        ui.label(format!(
                            "    {} {}  {} {}",
                            tr(lang, "ui-mobile"),
                            dash(&party.mobile),
                            tr(lang, "ui-tel"),
                            dash(&party.tel)
                        ));
                    }
                }
                Some(Request::Failed { message, .. }) => {
                    ui.colored_label(theme::WARN, message);
                }
            }
        }
        None if row.label_state == LabelState::Cancelled => {
            ui.colored_label(
                theme::ERROR,
                egui::RichText::new(tr(lang, "ui-waybill-cancelled-its-label-is")).strong(),
            );
            if ui.button(tr(lang, "ui-new-waybill")).clicked() {
                out.push(Command::NewWaybill(o.id));
            }
        }
        None if row.no_courier().is_some() => {}
        None => {
            ui.label(tr(lang, "ui-no-waybill-yet-press-get"));
        }
    }
    if let Some(e) = row.last_error.as_ref().map(|m| m.render(lang)) {
        ui.colored_label(theme::ERROR, e);
    }
    if !history.is_empty() {
        ui.separator();
        ui.label(egui::RichText::new(tr(lang, "ui-history")).strong());
        for line in history {
            ui.label(egui::RichText::new(line).small());
        }
    }
}

/// The preview header (size, zoom, print dialog) and the area the label webview covers.
/// Returns that area; `problem` is shown in it when there is no webview.
pub fn preview_ui(
    ui: &mut egui::Ui,
    lang: Lang,
    size_text: &str,
    zoom: f64,
    problem: Option<&str>,
    out: &mut Vec<Command>,
) -> egui::Rect {
    ui.horizontal(|ui| {
        // The size is on the label view itself (top-left corner): the header keeps one width
        // with or without a label, so the panel never changes size under the pointer.
        ui.label(egui::RichText::new(tr(lang, "ui-label-preview")).strong())
            .on_hover_text(size_text);
        if ui
            .small_button("-")
            .on_hover_text(tr(lang, "ui-zoom-out"))
            .clicked()
        {
            out.push(Command::PreviewZoom(if zoom > 0.0 {
                (zoom / 1.25).max(0.25)
            } else {
                0.5
            }));
        }
        if ui
            .small_button("+")
            .on_hover_text(tr(lang, "ui-zoom-in"))
            .clicked()
        {
            out.push(Command::PreviewZoom(if zoom > 0.0 {
                (zoom * 1.25).min(4.0)
            } else {
                1.0
            }));
        }
        if ui
            .small_button(tr(lang, "ui-fit"))
            .on_hover_text(tr(lang, "ui-fit-the-whole-label"))
            .clicked()
        {
            out.push(Command::PreviewZoom(0.0));
        }
        if ui.small_button(tr(lang, "ui-print-dialog")).clicked() {
            out.push(Command::PrintWithDialog);
        }
    });
    let height = (ui.available_height() * 0.55).clamp(200.0, 520.0);
    let (rect, response) = ui.allocate_exact_size(
        egui::vec2(ui.available_width(), height),
        egui::Sense::drag(),
    );
    // The label view takes no input itself: the wheel and a drag over it scroll the label.
    let mut delta = if response.dragged() {
        -response.drag_delta()
    } else {
        egui::Vec2::ZERO
    };
    if response.hovered() {
        delta -= ui.input(|i| i.smooth_scroll_delta);
    }
    if delta != egui::Vec2::ZERO {
        out.push(Command::PreviewScroll {
            dx: f64::from(delta.x),
            dy: f64::from(delta.y),
        });
    }
    ui.painter()
        .rect_filled(rect, 2.0, egui::Color32::from_gray(0x8a));
    if let Some(problem) = problem {
        ui.painter().text(
            rect.center(),
            egui::Align2::CENTER_CENTER,
            problem,
            egui::FontId::proportional(13.0),
            egui::Color32::WHITE,
        );
    }
    rect
}
