//! The detail panel of the focused order: notes first (they change how it is packed), products,
//! address, price, waybill sorting codes, after-sales warnings, sender/receiver, history.

use crate::app::command::Command;
use crate::app::orders::OrderRow;
use crate::app::request::Request;
use crate::ui::{theme, tr};
use crate::wechat::error::status_label;
use crate::wechat::logistics::Contact;
use crate::wechat::order::format_china_time;
use crate::wechat::Lang;

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
    out: &mut Vec<Command>,
) {
    let o = &row.order;
    ui.heading(format!("{} {}", tr(lang, "订单", "Order"), o.id));
    ui.label(format!(
        "{}  ·  {}",
        status_label(o.status, lang),
        format_china_time(o.created_unix)
    ));

    for (title, note) in [
        (tr(lang, "买家留言", "Buyer note"), &o.customer_notes),
        (tr(lang, "商家备注", "Merchant note"), &o.merchant_notes),
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
    if o.has_open_aftersale() {
        ui.colored_label(
            theme::ERROR,
            egui::RichText::new(tr(
                lang,
                "注意:该订单有未完成的售后,暂不能发货",
                "Note: this order has an open after-sales request and cannot ship yet",
            ))
            .strong(),
        );
    }

    ui.separator();
    ui.label(egui::RichText::new(tr(lang, "商品", "Products")).strong());
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
                let cnt = p.shippable_cnt();
                if p.finish_aftersale_sku_cnt > 0 || p.on_aftersale_sku_cnt > 0 {
                    ui.colored_label(
                        theme::WARN,
                        format!(
                            "×{cnt} ({} {}, {} {})",
                            tr(lang, "下单", "ordered"),
                            p.sku_cnt,
                            tr(lang, "售后", "after-sales"),
                            p.finish_aftersale_sku_cnt + p.on_aftersale_sku_cnt
                        ),
                    );
                } else {
                    ui.label(egui::RichText::new(format!("×{cnt}")).strong());
                }
                ui.end_row();
            }
        });
    ui.label(format!(
        "{} {}  ({} {})",
        tr(lang, "实付", "Paid"),
        yuan(o.order_price_fen),
        tr(lang, "运费", "freight"),
        yuan(o.freight_fen)
    ));

    ui.separator();
    ui.label(egui::RichText::new(tr(lang, "收货地址", "Address")).strong());
    ui.label(format!("{}  {}", o.address.user_name, o.address.tel_number));
    ui.label(o.address.one_line());

    ui.separator();
    match &row.waybill {
        Some(w) => {
            ui.label(format!(
                "{}:{} {}",
                tr(lang, "运单", "Waybill"),
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
                    if ui
                        .button(tr(lang, "查看寄件人/收件人", "Show sender / receiver"))
                        .clicked()
                    {
                        out.push(Command::FetchContact(o.id));
                    }
                }
                Some(Request::Pending { .. }) => {
                    ui.spinner();
                }
                Some(Request::Done(c)) => {
                    ui.label(format!(
                        "{}:{} {} {}",
                        tr(lang, "寄件人", "Sender"),
                        c.sender.name,
                        c.sender.mobile,
                        c.sender.address
                    ));
                    ui.label(format!(
                        "{}:{} {} {}",
                        tr(lang, "收件人", "Receiver"),
                        c.receiver.name,
                        c.receiver.mobile,
                        c.receiver.address
                    ));
                }
                Some(Request::Failed { message, .. }) => {
                    ui.colored_label(theme::WARN, message);
                }
            }
        }
        None => {
            ui.label(tr(
                lang,
                "还没有运单号:点“获取面单”取号",
                "No waybill yet: press \"Get labels\"",
            ));
        }
    }
    if let Some(e) = &row.last_error {
        ui.colored_label(theme::ERROR, e);
    }
    if !history.is_empty() {
        ui.separator();
        ui.label(egui::RichText::new(tr(lang, "记录", "History")).strong());
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
        ui.label(
            egui::RichText::new(format!(
                "{} {size_text}",
                tr(lang, "面单预览", "Label preview")
            ))
            .strong(),
        );
        if ui
            .small_button("-")
            .on_hover_text(tr(lang, "缩小", "Zoom out"))
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
            .on_hover_text(tr(lang, "放大", "Zoom in"))
            .clicked()
        {
            out.push(Command::PreviewZoom(if zoom > 0.0 {
                (zoom * 1.25).min(4.0)
            } else {
                1.0
            }));
        }
        if ui
            .small_button(tr(lang, "适应", "Fit"))
            .on_hover_text(tr(lang, "整张面单放进预览区", "Fit the whole label"))
            .clicked()
        {
            out.push(Command::PreviewZoom(0.0));
        }
        if ui
            .small_button(tr(lang, "打印对话框…", "Print dialog…"))
            .clicked()
        {
            out.push(Command::PrintWithDialog);
        }
    });
    let height = (ui.available_height() * 0.55).clamp(200.0, 520.0);
    let (rect, _) = ui.allocate_exact_size(
        egui::vec2(ui.available_width(), height),
        egui::Sense::hover(),
    );
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
