//! The e-waybill label page (HTML) the sandbox returns as `print_html`.

use barcoders::generators::svg::SVG;
use barcoders::sym::code128::Code128;

/// One party on the label.
pub struct LabelParty<'a> {
    pub name: &'a str,
    pub mobile: &'a str,
    pub address: &'a str,
}

/// Everything printed on a label.
pub struct LabelContent<'a> {
    pub waybill_id: &'a str,
    /// Courier code, e.g. "SF".
    pub delivery_id: &'a str,
    /// Courier name, e.g. "顺丰速运".
    pub delivery_name: &'a str,
    /// Logistics order id (the shop order id as a decimal string).
    pub order_id: &'a str,
    /// `waybill_data` key/value pairs, e.g. ("SF_bagAddr", "广州"), ("SF_mark", "101- 07-03 509").
    pub sorting: &'a [(String, String)],
    pub sender: LabelParty<'a>,
    pub receiver: LabelParty<'a>,
    /// Product title (with attributes) and count.
    pub items: &'a [(String, u32)],
    /// e.g. "2026-11-23 14:05".
    pub printed_at: &'a str,
}

/// Renders the label as a self-contained HTML page sized to exactly one label.
///
/// `one_part` true: one-part label, 76mm x 130mm; false: two-part label, 100mm x 180mm (upper
/// part for the courier, lower stub for the receiver, with the barcode on both).
pub fn render_label(content: &LabelContent<'_>, one_part: bool) -> String {
    let sorting = Sorting::from_pairs(content.sorting);
    let (width_mm, height_mm, body) = if one_part {
        (76, 130, one_part_body(content, &sorting))
    } else {
        (100, 180, two_part_body(content, &sorting))
    };
    format!(
        "<!DOCTYPE html>\n<html lang=\"zh-CN\">\n<head>\n<meta charset=\"utf-8\">\n\
         <title>{title}</title>\n<style>\n{css}</style>\n</head>\n\
         <body class=\"{class}\">\n{body}</body>\n</html>\n",
        title = escape_html(&format!("电子面单 {}", content.waybill_id)),
        css = css(width_mm, height_mm),
        class = if one_part { "one" } else { "two" },
    )
}

/// Escapes text for use in HTML element content and quoted attribute values.
fn escape_html(text: &str) -> String {
    let mut out = String::with_capacity(text.len() + text.len() / 8);
    for ch in text.chars() {
        match ch {
            '&' => out.push_str("&amp;"),
            '<' => out.push_str("&lt;"),
            '>' => out.push_str("&gt;"),
            '"' => out.push_str("&quot;"),
            '\'' => out.push_str("&#39;"),
            c => out.push(c),
        }
    }
    out
}

/// Hides the middle of a phone number the way couriers print it: 138****5678.
fn mask_mobile(mobile: &str) -> String {
    let chars: Vec<char> = mobile.trim().chars().collect();
    let n = chars.len();
    let keep = |head: usize, tail: usize| {
        let mut s: String = chars[..head].iter().collect();
        s.push_str("****");
        s.extend(&chars[n - tail..]);
        s
    };
    match n {
        0 => String::new(),
        1..=2 => "****".to_string(),
        3..=6 => keep(1, 1),
        _ => keep(3, 4),
    }
}

const FONT_STACK: &str =
    "\"Noto Sans CJK SC\",\"WenQuanYi Zen Hei\",\"Microsoft YaHei\",sans-serif";
/// CSS line height of all text, used to estimate how much text fits.
const LINE_HEIGHT: f32 = 1.25;
/// Inner padding of the page, so thermal printers that cannot print to the edge lose nothing.
const PAGE_PAD_MM: f32 = 1.5;

fn css(width_mm: u32, height_mm: u32) -> String {
    format!(
        "@page {{ size: {width_mm}mm {height_mm}mm; margin: 0 }}\n\
         *, *::before, *::after {{ box-sizing: border-box; }}\n\
         html, body {{ margin: 0; padding: 0; background: #fff; color: #000; }}\n\
         body {{ width: {width_mm}mm; height: {height_mm}mm; overflow: hidden; \
         box-sizing: border-box; padding: {PAGE_PAD_MM}mm; font-family: {FONT_STACK}; \
         font-size: 2.8mm; line-height: {LINE_HEIGHT}; \
         -webkit-print-color-adjust: exact; print-color-adjust: exact; }}\n\
         .part {{ display: flex; flex-direction: column; border: 0.3mm solid #000; \
         overflow: hidden; }}\n\
         .row {{ display: flex; flex: none; border-bottom: 0.3mm solid #000; overflow: hidden; }}\n\
         .row:last-child {{ border-bottom: 0; }}\n\
         .grow {{ flex: 1 1 auto; min-height: 0; }}\n\
         .cell {{ padding: 0.6mm 1.2mm; overflow: hidden; min-width: 0; }}\n\
         .cell + .cell {{ border-left: 0.3mm solid #000; }}\n\
         .fill {{ flex: 1 1 auto; }}\n\
         .cap {{ font-size: 2.2mm; }}\n\
         .head {{ align-items: center; justify-content: space-between; padding: 0 1.5mm; }}\n\
         .courier {{ font-weight: 700; white-space: nowrap; }}\n\
         .code {{ border: 0.3mm solid #000; padding: 0 1mm; font-weight: 700; margin-left: 1mm; }}\n\
         .mark {{ align-items: center; justify-content: center; font-weight: 700; \
         white-space: nowrap; }}\n\
         .bagaddr {{ display: flex; align-items: center; white-space: nowrap; }}\n\
         .bag .val {{ font-weight: 700; }}\n\
         .extra {{ font-size: 2.4mm; word-break: break-all; }}\n\
         .bc {{ flex-direction: column; justify-content: center; padding: 0.8mm 3mm 0.4mm; }}\n\
         .bc svg {{ display: block; width: 100%; }}\n\
         .bc .num {{ text-align: center; font-weight: 700; letter-spacing: 0.5mm; \
         white-space: nowrap; }}\n\
         .tag {{ flex: none; display: flex; align-items: center; justify-content: center; \
         font-weight: 700; border-right: 0.3mm solid #000; }}\n\
         .who, .addr {{ word-break: break-all; }}\n\
         .recv .who, .recv .addr {{ font-weight: 700; }}\n\
         .items {{ word-break: break-all; }}\n\
         .foot {{ justify-content: space-between; align-items: center; padding: 0 1.2mm; \
         font-size: 2.2mm; white-space: nowrap; }}\n\
         .sign {{ align-items: flex-end; padding: 0 1.2mm 1mm; gap: 6mm; }}\n\
         .cut {{ border-top: 0.3mm dashed #000; }}\n"
    )
}

/// The sorting information out of `waybill_data`.
struct Sorting<'a> {
    /// 大头笔 (e.g. SF_mark).
    mark: Option<&'a str>,
    /// 集包地 (e.g. SF_bagAddr).
    bag: Option<&'a str>,
    /// Anything else the courier sent, printed small.
    extra: Vec<(&'a str, &'a str)>,
}

impl<'a> Sorting<'a> {
    fn from_pairs(pairs: &'a [(String, String)]) -> Self {
        let mut sorting = Sorting {
            mark: None,
            bag: None,
            extra: Vec::new(),
        };
        for (key, value) in pairs {
            let k = key.to_ascii_lowercase();
            if sorting.bag.is_none() && k.contains("bag") {
                sorting.bag = Some(value);
            } else if sorting.mark.is_none() && k.contains("mark") {
                sorting.mark = Some(value);
            } else if !value.is_empty() {
                sorting.extra.push((key, value));
            }
        }
        sorting
    }
}

/// Row heights and font sizes (mm) of one label part.
struct Dims {
    width: f32,
    head: f32,
    head_font: f32,
    mark: f32,
    mark_font_max: f32,
    bag: f32,
    bag_font: f32,
    barcode: f32,
    bars: f32,
    barcode_font: f32,
    tag: f32,
    recv_who: f32,
    /// Largest and smallest font for the receiver's address, which shrinks to fit.
    recv_addr: (f32, f32),
    /// Usable height of the receiver box.
    recv_height: f32,
    sender: f32,
    send_font: f32,
    items: f32,
    items_max: usize,
    title_chars: usize,
    foot: f32,
}

fn one_part_body(c: &LabelContent<'_>, sorting: &Sorting<'_>) -> String {
    let d = Dims {
        width: 76.0 - 2.0 * PAGE_PAD_MM,
        head: 9.0,
        head_font: 5.0,
        mark: 14.0,
        mark_font_max: 10.0,
        bag: 8.0,
        bag_font: 4.5,
        barcode: 21.0,
        bars: 14.0,
        barcode_font: 3.2,
        tag: 7.0,
        recv_who: 5.0,
        recv_addr: (4.6, 3.0),
        recv_height: 40.0,
        sender: 13.0,
        send_font: 2.7,
        items: 13.0,
        items_max: 2,
        title_chars: 16,
        foot: 6.0,
    };
    let mut html = format!(
        "<section class=\"part\" style=\"height:{:.1}mm\">\n",
        130.0 - 2.0 * PAGE_PAD_MM
    );
    html.push_str(&head_row(c, &d, "电子面单"));
    html.push_str(&mark_row(sorting, &d));
    html.push_str(&bag_row(sorting, &d));
    html.push_str(&barcode_row(c.waybill_id, &d));
    html.push_str(&party_row("收", &c.receiver, true, None, &d));
    html.push_str(&party_row("寄", &c.sender, false, Some(d.sender), &d));
    html.push_str(&items_row(c.items, &d));
    html.push_str(&foot_row(c, &d));
    html.push_str("</section>\n");
    html
}

fn two_part_body(c: &LabelContent<'_>, sorting: &Sorting<'_>) -> String {
    let width = 100.0 - 2.0 * PAGE_PAD_MM;
    let upper = Dims {
        width,
        head: 10.0,
        head_font: 5.5,
        mark: 15.0,
        mark_font_max: 12.0,
        bag: 9.0,
        bag_font: 5.0,
        barcode: 21.0,
        bars: 14.0,
        barcode_font: 3.4,
        tag: 8.0,
        recv_who: 4.6,
        recv_addr: (4.2, 2.8),
        recv_height: 22.5,
        sender: 13.0,
        send_font: 2.8,
        items: 0.0,
        items_max: 0,
        title_chars: 0,
        foot: 6.0,
    };
    let lower = Dims {
        width,
        head: 8.0,
        head_font: 4.2,
        mark: 0.0,
        mark_font_max: 0.0,
        bag: 0.0,
        bag_font: 0.0,
        barcode: 15.0,
        bars: 9.5,
        barcode_font: 2.8,
        tag: 7.0,
        recv_who: 3.2,
        recv_addr: (3.0, 2.3),
        recv_height: 14.0,
        sender: 10.0,
        send_font: 2.5,
        items: 11.0,
        items_max: 3,
        title_chars: 20,
        foot: 5.5,
    };
    // Upper 107mm + cut area 4mm + stub 66mm = 177mm, the page less its padding.
    let mut html = String::from("<section class=\"part upper\" style=\"height:107mm\">\n");
    html.push_str(&head_row(c, &upper, "派件联"));
    html.push_str(&mark_row(sorting, &upper));
    html.push_str(&bag_row(sorting, &upper));
    html.push_str(&barcode_row(c.waybill_id, &upper));
    html.push_str(&party_row("收", &c.receiver, true, None, &upper));
    html.push_str(&party_row(
        "寄",
        &c.sender,
        false,
        Some(upper.sender),
        &upper,
    ));
    html.push_str(
        "<div class=\"row sign\" style=\"height:8mm\"><span>签收人:</span>\
         <span>签收时间:&nbsp;&nbsp;&nbsp;&nbsp;月&nbsp;&nbsp;&nbsp;&nbsp;日</span></div>\n",
    );
    html.push_str(&foot_row(c, &upper));
    html.push_str("</section>\n");
    html.push_str("<div class=\"cut\" style=\"margin-top:2mm;height:2mm\"></div>\n");
    html.push_str("<section class=\"part lower\" style=\"height:66mm\">\n");
    html.push_str(&head_row(c, &lower, "收件联"));
    html.push_str(&barcode_row(c.waybill_id, &lower));
    html.push_str(&party_row("收", &c.receiver, true, None, &lower));
    html.push_str(&party_row(
        "寄",
        &c.sender,
        false,
        Some(lower.sender),
        &lower,
    ));
    html.push_str(&items_row(c.items, &lower));
    html.push_str(&foot_row(c, &lower));
    html.push_str("</section>\n");
    html
}

fn head_row(c: &LabelContent<'_>, d: &Dims, part_name: &str) -> String {
    let courier = if c.delivery_name.is_empty() {
        c.delivery_id
    } else {
        c.delivery_name
    };
    let code = if c.delivery_id.is_empty() {
        String::new()
    } else {
        format!("<span class=\"code\">{}</span>", escape_html(c.delivery_id))
    };
    format!(
        "<div class=\"row head\" style=\"height:{h}mm\">\
         <div class=\"courier\" style=\"font-size:{f}mm\">{courier}{code}</div>\
         <div class=\"cap\">{part}</div></div>\n",
        h = d.head,
        f = d.head_font,
        courier = escape_html(courier),
        part = escape_html(part_name),
    )
}

/// Width of `text` in em, close enough for CJK fonts: ASCII is about half as wide as a hanzi.
fn text_width_em(text: &str) -> f32 {
    text.chars()
        .map(|c| if c.is_ascii() { 0.6 } else { 1.0 })
        .sum()
}

fn mark_row(sorting: &Sorting<'_>, d: &Dims) -> String {
    let mark = sorting.mark.unwrap_or("");
    let fit = (d.width - 4.0) / text_width_em(mark).max(1.0);
    let font = fit.min(d.mark_font_max).max(3.0);
    format!(
        "<div class=\"row mark\" style=\"height:{h}mm;font-size:{font:.1}mm\">{mark}</div>\n",
        h = d.mark,
        mark = escape_html(mark),
    )
}

fn bag_row(sorting: &Sorting<'_>, d: &Dims) -> String {
    let bag = sorting.bag.unwrap_or("");
    // Half the width, less the cell padding and the small "集包地" caption.
    let room = d.width * 0.5 - 2.4 - 4.0 * 2.2;
    let fit = room / text_width_em(bag).max(1.0);
    let extra: Vec<String> = sorting
        .extra
        .iter()
        .take(3)
        .map(|(k, v)| format!("{}: {}", escape_html(k), escape_html(v)))
        .collect();
    let extra = if extra.is_empty() {
        String::new()
    } else {
        format!(
            "<div class=\"cell fill extra\">{}</div>",
            extra.join("<br>")
        )
    };
    format!(
        "<div class=\"row bag\" style=\"height:{h}mm\">\
         <div class=\"cell bagaddr\" style=\"width:50%\"><span class=\"cap\">集包地&nbsp;</span>\
         <span class=\"val\" style=\"font-size:{font:.1}mm\">{bag}</span></div>\
         {extra}</div>\n",
        h = d.bag,
        font = fit.min(d.bag_font).max(2.5),
        bag = escape_html(bag),
    )
}

fn barcode_row(waybill_id: &str, d: &Dims) -> String {
    let svg = barcode_svg(waybill_id).unwrap_or_default();
    format!(
        "<div class=\"row bc\" style=\"height:{h}mm\">\
         <div style=\"height:{bars}mm\">{svg}</div>\
         <div class=\"num\" style=\"font-size:{f}mm\">{id}</div></div>\n",
        h = d.barcode,
        bars = d.bars,
        f = d.barcode_font,
        id = escape_html(waybill_id),
    )
}

fn party_row(
    tag: &str,
    party: &LabelParty<'_>,
    receiver: bool,
    height_mm: Option<f32>,
    d: &Dims,
) -> String {
    let (class, mobile, who_font, addr_font) = if receiver {
        let (max, min) = d.recv_addr;
        let text_width = d.width - d.tag - 2.4;
        let room = d.recv_height - d.recv_who * LINE_HEIGHT;
        let addr_font = fit_font(party.address, text_width, room, max, min);
        (
            "recv grow",
            mask_mobile(party.mobile),
            d.recv_who,
            addr_font,
        )
    } else {
        ("send", party.mobile.to_string(), d.send_font, d.send_font)
    };
    let height = height_mm
        .map(|h| format!(" style=\"height:{h}mm\""))
        .unwrap_or_default();
    format!(
        "<div class=\"row {class}\"{height}>\
         <div class=\"tag\" style=\"width:{tw}mm;font-size:{tf:.1}mm\">{tag}</div>\
         <div class=\"cell fill\">\
         <div class=\"who\" style=\"font-size:{who_font}mm\">{name}&nbsp;&nbsp;{mobile}</div>\
         <div class=\"addr\" style=\"font-size:{addr_font:.1}mm\">{address}</div></div></div>\n",
        tw = d.tag,
        tf = d.tag * 0.6,
        tag = escape_html(tag),
        name = escape_html(party.name),
        mobile = escape_html(&mobile),
        address = escape_html(party.address),
    )
}

/// Largest font size (mm) from `max` down to `min` at which `text` wraps into a box of
/// `width_mm` x `height_mm`; long addresses shrink instead of being cut off.
fn fit_font(text: &str, width_mm: f32, height_mm: f32, max: f32, min: f32) -> f32 {
    // Line breaks waste part of a line now and then.
    let em = text_width_em(text) * 1.08;
    let mut font = max;
    while font > min {
        let per_line = (width_mm / font).floor().max(1.0);
        let lines = (em / per_line).ceil().max(1.0);
        if lines * font * LINE_HEIGHT <= height_mm {
            return font;
        }
        font -= 0.1;
    }
    min
}

/// At most `max_items` items, titles cut to `title_chars`; long lists end in "等N件" with N the
/// total number of pieces.
fn items_text(items: &[(String, u32)], max_items: usize, title_chars: usize) -> String {
    let total: u64 = items.iter().map(|(_, n)| u64::from(*n)).sum();
    let mut parts: Vec<String> = items
        .iter()
        .take(max_items)
        .map(|(title, n)| {
            let mut t: String = title.chars().take(title_chars).collect();
            if title.chars().count() > title_chars {
                t.push('…');
            }
            format!("{} ×{n}", escape_html(&t))
        })
        .collect();
    if items.len() > max_items {
        parts.push(format!("等{total}件"));
    } else {
        parts.push(format!("共{total}件"));
    }
    parts.join("; ")
}

fn items_row(items: &[(String, u32)], d: &Dims) -> String {
    format!(
        "<div class=\"row\" style=\"height:{h}mm\"><div class=\"cell items\">\
         <span class=\"cap\">托寄物 </span>{text}</div></div>\n",
        h = d.items,
        text = items_text(items, d.items_max, d.title_chars),
    )
}

fn foot_row(c: &LabelContent<'_>, d: &Dims) -> String {
    format!(
        "<div class=\"row foot\" style=\"height:{h}mm\">\
         <span>订单号 {order}</span><span>打印时间 {at}</span></div>\n",
        h = d.foot,
        order = escape_html(c.order_id),
        at = escape_html(c.printed_at),
    )
}

/// Code 128 data for `barcoders`, with explicit character-set switches: set B for text,
/// set C (two digits per symbol) for long even-length digit runs, which keeps bars wide.
fn code128_data(id: &str) -> Option<String> {
    if id.is_empty() || !id.bytes().all(|b| (0x20..=0x7e).contains(&b)) {
        return None;
    }
    let bytes = id.as_bytes();
    let mut out = String::with_capacity(id.len() + 4);
    let mut in_c: Option<bool> = None;
    let mut i = 0;
    while i < bytes.len() {
        let run = bytes[i..].iter().take_while(|b| b.is_ascii_digit()).count();
        let at_edge = i == 0 || i + run == bytes.len();
        // A switch costs a symbol each way, so short runs inside text stay in set B.
        let worth_c = run >= if at_edge { 4 } else { 6 } || (run == bytes.len() && run % 2 == 0);
        if worth_c {
            if run % 2 == 1 {
                if in_c != Some(false) {
                    out.push('Ɓ');
                    in_c = Some(false);
                }
                out.push(char::from(bytes[i]));
                i += 1;
            }
            let even = run - run % 2;
            if in_c != Some(true) {
                out.push('Ć');
                in_c = Some(true);
            }
            out.push_str(&id[i..i + even]);
            i += even;
        } else {
            if in_c != Some(false) {
                out.push('Ɓ');
                in_c = Some(false);
            }
            out.push(char::from(bytes[i]));
            i += 1;
        }
    }
    Some(out)
}

/// The waybill id as an inline Code 128 SVG that stretches to its box.
fn barcode_svg(waybill_id: &str) -> Option<String> {
    const BAR_HEIGHT: u32 = 60;
    // Code 128 wants at least ten modules of white on each side.
    const QUIET: usize = 10;
    let code = Code128::new(code128_data(waybill_id)?).ok()?;
    let modules = code.encode();
    let svg = SVG::new(BAR_HEIGHT).generate(&modules).ok()?;
    // Replace the generator's opening tag: it has a fixed viewBox and no sizing.
    let inner = &svg[svg.find('>')? + 1..];
    Some(format!(
        "<svg viewBox=\"-{QUIET} 0 {w} {BAR_HEIGHT}\" width=\"100%\" height=\"100%\" \
         preserveAspectRatio=\"none\" shape-rendering=\"crispEdges\" role=\"img\" \
         aria-label=\"{label}\">{inner}",
        w = modules.len() + 2 * QUIET,
        label = escape_html(waybill_id),
    ))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn sorting() -> Vec<(String, String)> {
        vec![
            ("SF_bagAddr".to_string(), "广州".to_string()),
            ("SF_mark".to_string(), "101- 07-03 509".to_string()),
        ]
    }

    fn items() -> Vec<(String, u32)> {
        vec![
            ("纯棉圆领短袖T恤 白色 XL".to_string(), 2),
            ("Type-C编织数据线 1米 黑色".to_string(), 1),
        ]
    }

    fn content<'a>(
        sorting: &'a [(String, String)],
        items: &'a [(String, u32)],
        receiver_name: &'a str,
    ) -> LabelContent<'a> {
        LabelContent {
            waybill_id: "SF1400328716352",
            delivery_id: "SF",
            delivery_name: "顺丰速运",
            order_id: "3704612345678901234",
            sorting,
            sender: LabelParty {
                name: "小鹿好物仓库",
                mobile: "18676543210",
                address: "广东省深圳市宝安区福永街道凤凰第一工业区A栋3楼",
            },
            receiver: LabelParty {
                name: receiver_name,
                mobile: "13812345678",
                address: "广东省 深圳市 南山区 科技园南路88号 阳光花园3栋2单元1502室",
            },
            items,
            printed_at: "2026-11-23 14:05",
        }
    }

    #[test]
    fn escape_html_escapes_the_five_characters() {
        assert_eq!(
            escape_html(r#"<a href="x">Tom & 'Jerry'</a>"#),
            "&lt;a href=&quot;x&quot;&gt;Tom &amp; &#39;Jerry&#39;&lt;/a&gt;"
        );
        assert_eq!(escape_html("王芳 138"), "王芳 138");
        assert_eq!(escape_html(""), "");
    }

    #[test]
    fn page_sizes_match_the_format() {
        let (s, i) = (sorting(), items());
        let one = render_label(&content(&s, &i, "王芳"), true);
        let two = render_label(&content(&s, &i, "王芳"), false);
        assert!(one.contains("@page { size: 76mm 130mm; margin: 0 }"));
        assert!(one.contains("width: 76mm; height: 130mm; overflow: hidden"));
        assert!(two.contains("@page { size: 100mm 180mm; margin: 0 }"));
        assert!(two.contains("width: 100mm; height: 180mm; overflow: hidden"));
        for html in [&one, &two] {
            assert!(html.starts_with("<!DOCTYPE html>"));
            assert!(html.contains("<meta charset=\"utf-8\">"));
            assert!(html.contains("lang=\"zh-CN\""));
            assert!(html.contains("\"Noto Sans CJK SC\""));
        }
    }

    #[test]
    fn has_barcode_and_waybill_id() {
        let (s, i) = (sorting(), items());
        let one = render_label(&content(&s, &i, "王芳"), true);
        let two = render_label(&content(&s, &i, "王芳"), false);
        assert_eq!(one.matches("<svg").count(), 1);
        // Both the courier part and the receiver stub carry the barcode.
        assert_eq!(two.matches("<svg").count(), 2);
        assert!(one.contains("preserveAspectRatio=\"none\""));
        assert!(one.contains(">SF1400328716352</div>"));
        assert!(one.contains("<rect"));

        let mut c = content(&s, &i, "王芳");
        c.waybill_id = "AB<1>&2";
        let html = render_label(&c, true);
        assert!(html.contains("AB&lt;1&gt;&amp;2"));
        assert!(!html.contains("AB<1>"));
        assert!(html.contains("<svg"));
    }

    #[test]
    fn sorting_codes_and_items_are_printed() {
        let (s, i) = (sorting(), items());
        let html = render_label(&content(&s, &i, "王芳"), true);
        assert!(html.contains("101- 07-03 509"));
        assert!(html.contains("广州"));
        assert!(html.contains("顺丰速运"));
        assert!(html.contains("3704612345678901234"));
        assert!(html.contains("2026-11-23 14:05"));
        assert!(html.contains("纯棉圆领短袖T恤 白色 XL ×2"));
        assert!(html.contains("共3件"));
    }

    #[test]
    fn long_item_lists_are_truncated() {
        let s = sorting();
        let many: Vec<(String, u32)> = (1..=6).map(|k| (format!("商品{k}"), 2)).collect();
        let one = render_label(&content(&s, &many, "王芳"), true);
        assert!(one.contains("商品2 ×2; 等12件"));
        assert!(!one.contains("商品3"));
        // The two-part stub has room for one more line.
        let two = render_label(&content(&s, &many, "王芳"), false);
        assert!(two.contains("商品3 ×2; 等12件"));
        assert!(!two.contains("商品4"));

        let long = vec![(
            "加绒加厚连帽卫衣女秋冬韩版宽松外套 燕麦色 XL".to_string(),
            1,
        )];
        assert_eq!(items_text(&long, 2, 8), "加绒加厚连帽卫衣… ×1; 共1件");
        assert_eq!(items_text(&[], 2, 8), "共0件");
    }

    #[test]
    fn long_addresses_shrink_to_fit() {
        let short = fit_font("广东省深圳市南山区科技园南路88号", 60.0, 20.0, 4.6, 3.0);
        let long = fit_font(
            &"新疆维吾尔自治区乌鲁木齐市".repeat(8),
            60.0,
            20.0,
            4.6,
            3.0,
        );
        assert!((short - 4.6).abs() < 0.01, "{short}");
        assert!(long < short && long >= 3.0, "{long}");
    }

    #[test]
    fn names_are_escaped() {
        let (s, i) = (sorting(), items());
        for one_part in [true, false] {
            let html = render_label(&content(&s, &i, "<script>alert(1)</script>"), one_part);
            assert!(!html.contains("<script"));
            assert!(html.contains("&lt;script&gt;alert(1)&lt;/script&gt;"));
        }
    }

    #[test]
    fn receiver_mobile_is_masked() {
        let (s, i) = (sorting(), items());
        let html = render_label(&content(&s, &i, "王芳"), true);
        assert!(html.contains("138****5678"));
        assert!(!html.contains("13812345678"));
        assert_eq!(mask_mobile("13812345678"), "138****5678");
        assert_eq!(mask_mobile("020-1234"), "020****1234");
        assert_eq!(mask_mobile("12345"), "1****5");
        assert_eq!(mask_mobile("1"), "****");
        assert_eq!(mask_mobile(""), "");
    }

    #[test]
    fn no_external_resources() {
        let (s, i) = (sorting(), items());
        for one_part in [true, false] {
            let html = render_label(&content(&s, &i, "欧阳娜娜"), one_part);
            assert!(!html.to_ascii_lowercase().contains("http"));
            assert!(!html.contains("url("));
            assert!(!html.contains("<link"));
            assert!(!html.contains("@font-face"));
        }
    }

    #[test]
    fn code128_data_picks_character_sets() {
        assert_eq!(
            code128_data("SF1400328716352").as_deref(),
            Some("ƁSF1Ć400328716352")
        );
        assert_eq!(
            code128_data("773012345678").as_deref(),
            Some("Ć773012345678")
        );
        assert_eq!(
            code128_data("7301234567891").as_deref(),
            Some("Ɓ7Ć301234567891")
        );
        assert_eq!(
            code128_data("JT12AB345678").as_deref(),
            Some("ƁJT12ABĆ345678")
        );
        assert_eq!(code128_data("A1").as_deref(), Some("ƁA1"));
        assert_eq!(code128_data(""), None);
        assert_eq!(code128_data("运单1"), None);
        for id in ["SF1400328716352", "773012345678", "7301234567891", "X", "1"] {
            let data = code128_data(id).unwrap();
            assert!(Code128::new(data).is_ok(), "{id}");
        }
    }

    #[test]
    fn unencodable_waybill_ids_still_render() {
        let (s, i) = (sorting(), items());
        let mut c = content(&s, &i, "王芳");
        c.waybill_id = "运单123";
        let html = render_label(&c, true);
        assert!(html.contains("运单123"));
        assert!(!html.contains("<svg"));
        c.waybill_id = "";
        assert!(render_label(&c, false).contains("</html>"));
    }

    #[test]
    #[ignore = "writes sample labels to /tmp for a visual check"]
    fn write_samples() {
        let (s, i) = (sorting(), items());
        let c = content(&s, &i, "欧阳娜娜");
        std::fs::write("/tmp/label_one.html", render_label(&c, true)).unwrap();
        std::fs::write("/tmp/label_two.html", render_label(&c, false)).unwrap();
    }
}
