//! The built-in test label: drawn at exactly the chosen label size, so what comes out of the
//! printer shows how far off and how large the printer puts things.
//!
//! One SVG in millimetres fills the page: a frame whose outer edge is inset exactly
//! [`FRAME_INSET_MM`] from the paper's edges (the stroke lies inside that line, so the frame's
//! outer edge is the measured one), a crosshair at the centre, millimetre rulers along the top and
//! left edges (a tick every mm, longer every 5 and numbered every 10), and the printer, size,
//! calibration and date. It is printed as a [`PrintJob`] through the same worker as real labels,
//! so the printer's calibration is applied to it as to every other job.

use super::calibration::Calibration;
use super::job::{PrintJob, PrintTarget};
use super::size::LabelSize;

/// The frame's outer edge, from each paper edge, in millimetres.
pub const FRAME_INSET_MM: f64 = 2.0;
/// The frame's line width, in millimetres (drawn inside the frame's outer edge).
pub const FRAME_STROKE_MM: f64 = 0.4;
/// The `label_id` of test label jobs (their title in the print queue).
pub const TEST_LABEL_ID: &str = "test-label";

/// What the test label says about itself.
#[derive(Debug, Clone, PartialEq)]
pub struct TestLabel {
    /// The printer queue it is printed to (shown on the label).
    pub printer: String,
    /// The label size, which is also the page size.
    pub size: LabelSize,
    /// The calibration the printer has now (shown; applied by the print path, not drawn in).
    pub calibration: Calibration,
    /// When it was printed, as text (e.g. `2026-11-30 23:10`).
    pub date: String,
}

impl TestLabel {
    /// A test label for `printer` at `size`, dated now (local time).
    pub fn now(printer: &str, size: LabelSize, calibration: Calibration) -> Self {
        TestLabel {
            printer: printer.to_string(),
            size,
            calibration,
            date: chrono::Local::now().format("%Y-%m-%d %H:%M").to_string(),
        }
    }

    /// The print job for it, to `target`, one copy.
    pub fn job(&self, target: PrintTarget) -> PrintJob {
        PrintJob {
            label_id: TEST_LABEL_ID.to_string(),
            html: self.html(),
            size: self.size,
            target,
            copies: 1,
        }
    }

    /// The page: a standards-mode document with one SVG exactly the label's size.
    pub fn html(&self) -> String {
        let (w, h) = (self.size.width_mm, self.size.height_mm);
        let mut svg = String::new();
        // Frame: the stroke inside the outer edge at FRAME_INSET_MM.
        let half = FRAME_STROKE_MM / 2.0;
        svg.push_str(&format!(
            r##"<rect x="{x}" y="{x}" width="{fw}" height="{fh}" fill="none" stroke="#000" stroke-width="{FRAME_STROKE_MM}"/>"##,
            x = num(FRAME_INSET_MM + half),
            fw = num(w - 2.0 * (FRAME_INSET_MM + half)),
            fh = num(h - 2.0 * (FRAME_INSET_MM + half)),
        ));
        // Crosshair at the centre: two 20 mm lines and a 3 mm circle.
        let (cx, cy) = (w / 2.0, h / 2.0);
        svg.push_str(&format!(
            r##"<path d="M{} {} H{} M{} {} V{}" stroke="#000" stroke-width="0.2"/><circle cx="{}" cy="{}" r="3" fill="none" stroke="#000" stroke-width="0.2"/>"##,
            num(cx - 10.0),
            num(cy),
            num(cx + 10.0),
            num(cx),
            num(cy - 10.0),
            num(cy + 10.0),
            num(cx),
            num(cy),
        ));
        // Rulers inside the frame: along the top (x) and the left (y), in mm from the paper edge.
        let inner = FRAME_INSET_MM + FRAME_STROKE_MM;
        let mut ticks = String::new();
        let mut numbers = String::new();
        let tick = |at: u32| -> f64 {
            if at.is_multiple_of(10) {
                4.0
            } else if at.is_multiple_of(5) {
                2.5
            } else {
                1.5
            }
        };
        for at in (3..).take_while(|&a| f64::from(a) < w - inner) {
            let x = f64::from(at);
            ticks.push_str(&format!("M{} {} v{}", num(x), num(inner), num(tick(at))));
            if at.is_multiple_of(10) {
                numbers.push_str(&format!(
                    r#"<text x="{}" y="{}" text-anchor="middle">{at}</text>"#,
                    num(x),
                    num(inner + 7.0)
                ));
            }
        }
        for at in (3..).take_while(|&a| f64::from(a) < h - inner) {
            let y = f64::from(at);
            ticks.push_str(&format!("M{} {} h{}", num(inner), num(y), num(tick(at))));
            if at.is_multiple_of(10) && at > 10 {
                numbers.push_str(&format!(
                    r#"<text x="{}" y="{}">{at}</text>"#,
                    num(inner + 5.0),
                    num(y + 1.0)
                ));
            }
        }
        svg.push_str(&format!(
            r##"<path d="{ticks}" stroke="#000" stroke-width="0.15"/><g font-size="2.8" font-family="sans-serif">{numbers}</g>"##
        ));
        // What it is, below the centre.
        let c = &self.calibration;
        let lines = [
            "测试标签 / Test label".to_string(),
            format!("打印机 / Printer: {}", self.printer),
            format!("尺寸 / Size: {}", self.size),
            format!(
                "校准 / Calibration: x {:+} mm, y {:+} mm, {} %",
                c.x_mm, c.y_mm, c.scale_pct
            ),
            format!("日期 / Date: {}", self.date),
            format!(
                "边框距纸边 {} mm / frame {} mm from the edges",
                num(FRAME_INSET_MM),
                num(FRAME_INSET_MM)
            ),
        ];
        let font = (w / 30.0).clamp(2.4, 3.4);
        let mut y = cy + 16.0;
        for line in lines {
            svg.push_str(&format!(
                r#"<text x="{}" y="{}" text-anchor="middle" font-size="{}">{}</text>"#,
                num(cx),
                num(y),
                num(font),
                escape(&line)
            ));
            y += font * 1.5;
        }
        format!(
            "<!DOCTYPE html><html><head><meta charset=\"utf-8\"><title>test label</title>\
             <style>html,body{{margin:0;padding:0;background:#fff}}\
             svg{{display:block;font-family:'Noto Sans CJK SC','Noto Sans',sans-serif}}</style>\
             </head><body><svg xmlns=\"http://www.w3.org/2000/svg\" width=\"{w}mm\" height=\"{h}mm\" \
             viewBox=\"0 0 {w} {h}\">{svg}</svg></body></html>",
            w = num(w),
            h = num(h),
        )
    }
}

/// A number for SVG: at most 3 decimals, no trailing zeros.
fn num(v: f64) -> String {
    let s = format!("{v:.3}");
    let s = s.trim_end_matches('0').trim_end_matches('.');
    if s == "-0" {
        "0".to_string()
    } else {
        s.to_string()
    }
}

/// Text for HTML/SVG: `& < > " '` escaped, control characters dropped.
fn escape(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    for c in text.chars() {
        match c {
            '&' => out.push_str("&amp;"),
            '<' => out.push_str("&lt;"),
            '>' => out.push_str("&gt;"),
            '"' => out.push_str("&quot;"),
            '\'' => out.push_str("&#39;"),
            c if c.is_control() => {}
            c => out.push(c),
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    fn label() -> TestLabel {
        TestLabel {
            printer: "Zebra<1>".into(),
            size: LabelSize::L100X150,
            calibration: Calibration::new(1.5, -0.5, 100.0).unwrap(),
            date: "2026-11-30 23:10".into(),
        }
    }

    #[test]
    fn page_is_the_label_size_with_the_frame_inset() {
        let html = label().html();
        assert!(html.starts_with("<!DOCTYPE html>"), "{html}");
        assert!(
            html.contains(r#"width="100mm" height="150mm" viewBox="0 0 100 150""#),
            "{html}"
        );
        // Outer edge at 2 mm: the 0.4 mm stroke is centred 0.2 mm further in.
        assert!(
            html.contains(r#"<rect x="2.2" y="2.2" width="95.6" height="145.6""#),
            "{html}"
        );
        // Crosshair at the centre.
        assert!(html.contains("M40 75 H60 M50 65 V85"), "{html}");
    }

    #[test]
    fn says_what_it_is_and_escapes_the_printer_name() {
        let html = label().html();
        assert!(html.contains("Zebra&lt;1&gt;"), "{html}");
        assert!(!html.contains("Zebra<1>"));
        assert!(html.contains("100x150mm"));
        assert!(html.contains("x +1.5 mm, y -0.5 mm, 100 %"));
        assert!(html.contains("2026-11-30 23:10"));
        let job = label().job(PrintTarget::Printer("Zebra".into()));
        assert_eq!(job.label_id, TEST_LABEL_ID);
        assert_eq!(job.size, LabelSize::L100X150);
        assert_eq!(job.validate(), Ok(()));
    }

    #[test]
    fn rulers_are_numbered_every_ten_millimetres() {
        let html = label().html();
        for n in [10, 50, 90] {
            assert!(html.contains(&format!(">{n}</text>")), "{n}");
        }
        assert!(
            html.contains(">140</text>"),
            "the left ruler runs to 140 on 150 mm"
        );
        assert!(!html.contains(">150</text>"));
    }
}
