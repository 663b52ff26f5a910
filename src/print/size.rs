//! Label sizes in millimetres: the standard e-waybill formats and custom ones.

use std::fmt;

use serde::{Deserialize, Serialize};

use crate::wechat::PrintType;

/// Smallest and largest edge accepted, in millimetres (thermal label printers stay well inside).
const MIN_EDGE_MM: f64 = 10.0;
const MAX_EDGE_MM: f64 = 1000.0;
/// Points (1/72 inch) per millimetre.
const PT_PER_MM: f64 = 72.0 / 25.4;

/// The paper size a label is printed at, portrait, in millimetres.
#[derive(Debug, Clone, Copy, PartialEq, Serialize, Deserialize)]
pub struct LabelSize {
    /// Width in millimetres.
    pub width_mm: f64,
    /// Height in millimetres.
    pub height_mm: f64,
}

impl LabelSize {
    /// One-part e-waybill (一联单), 76x130 mm.
    pub const ONE_PART: LabelSize = LabelSize::mm(76.0, 130.0);
    /// The common 100x150 mm thermal label.
    pub const L100X150: LabelSize = LabelSize::mm(100.0, 150.0);
    /// Two-part e-waybill (二联单), 100x180 mm.
    pub const TWO_PART: LabelSize = LabelSize::mm(100.0, 180.0);
    /// The sizes offered in pickers, smallest first.
    pub const STANDARD: [LabelSize; 3] = [Self::ONE_PART, Self::L100X150, Self::TWO_PART];

    /// A size from width and height in millimetres (not validated; see [`LabelSize::new`]).
    pub const fn mm(width_mm: f64, height_mm: f64) -> Self {
        LabelSize {
            width_mm,
            height_mm,
        }
    }

    /// A validated size: both edges finite and between 10 and 1000 mm.
    pub fn new(width_mm: f64, height_mm: f64) -> Result<Self, SizeError> {
        for edge in [width_mm, height_mm] {
            if !edge.is_finite() || !(MIN_EDGE_MM..=MAX_EDGE_MM).contains(&edge) {
                return Err(SizeError::OutOfRange(edge));
            }
        }
        Ok(LabelSize::mm(width_mm, height_mm))
    }

    /// The size WeChat's label of this print type is laid out for.
    pub fn for_print_type(print_type: PrintType) -> Self {
        match print_type {
            PrintType::OnePart => Self::ONE_PART,
            PrintType::TwoPart => Self::TWO_PART,
        }
    }

    /// Width in PostScript points.
    pub fn width_pt(&self) -> f64 {
        self.width_mm * PT_PER_MM
    }

    /// Height in PostScript points.
    pub fn height_pt(&self) -> f64 {
        self.height_mm * PT_PER_MM
    }

    /// A short machine name, e.g. `waybill_100x180mm` (used as the GTK paper name).
    pub fn paper_name(&self) -> String {
        format!("waybill_{self}")
    }
}

impl fmt::Display for LabelSize {
    /// `100x180mm` (decimals only when needed).
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(
            f,
            "{}x{}mm",
            trim_number(self.width_mm),
            trim_number(self.height_mm)
        )
    }
}

fn trim_number(v: f64) -> String {
    let s = format!("{v:.2}");
    s.trim_end_matches('0').trim_end_matches('.').to_string()
}

/// Why a size could not be read.
#[derive(Debug, Clone, PartialEq, thiserror::Error)]
pub enum SizeError {
    /// Not `WIDTHxHEIGHT` with an optional `mm`.
    #[error(
        "`{0}` is not a label size; write WIDTHxHEIGHT in millimetres, e.g. 100x150 or 76x130mm"
    )]
    Syntax(String),
    /// An edge outside 10..=1000 mm.
    #[error("label edge {0} mm is outside 10..1000 mm")]
    OutOfRange(f64),
}

impl std::str::FromStr for LabelSize {
    type Err = SizeError;
    /// Reads `100x150`, `100x150mm`, `76 x 130 mm`, `100X180`, `100×180` or `62.5x100mm`.
    fn from_str(s: &str) -> Result<Self, Self::Err> {
        let syntax = || SizeError::Syntax(s.to_string());
        let lower = s.trim().to_ascii_lowercase();
        let body = lower.strip_suffix("mm").unwrap_or(&lower);
        let (w, h) = body
            .split_once('x')
            .or_else(|| body.split_once('×'))
            .ok_or_else(syntax)?;
        let number = |t: &str| -> Result<f64, SizeError> {
            let t = t.trim();
            let t = t.strip_suffix("mm").unwrap_or(t).trim();
            if t.is_empty() || !t.chars().all(|c| c.is_ascii_digit() || c == '.') {
                return Err(syntax());
            }
            t.parse::<f64>().map_err(|_| syntax())
        };
        LabelSize::new(number(w)?, number(h)?)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn parses_the_written_forms() {
        for (text, w, h) in [
            ("100x150", 100.0, 150.0),
            ("100x150mm", 100.0, 150.0),
            ("76x130MM", 76.0, 130.0),
            (" 76 x 130 mm ", 76.0, 130.0),
            ("100X180", 100.0, 180.0),
            ("100×180", 100.0, 180.0),
            ("62.5x100mm", 62.5, 100.0),
            ("100mmx150mm", 100.0, 150.0),
        ] {
            assert_eq!(
                text.parse::<LabelSize>(),
                Ok(LabelSize::mm(w, h)),
                "{text:?}"
            );
        }
    }

    #[test]
    fn refuses_what_is_not_a_size() {
        for text in [
            "",
            "100",
            "100x",
            "x150",
            "axb",
            "100x150cm",
            "-100x150",
            "1e2x150",
        ] {
            assert!(
                matches!(text.parse::<LabelSize>(), Err(SizeError::Syntax(_))),
                "{text:?} parsed"
            );
        }
        assert_eq!(
            "5x150".parse::<LabelSize>(),
            Err(SizeError::OutOfRange(5.0))
        );
        assert_eq!(
            "100x5000".parse::<LabelSize>(),
            Err(SizeError::OutOfRange(5000.0))
        );
    }

    #[test]
    fn default_follows_the_print_type() {
        assert_eq!(
            LabelSize::for_print_type(PrintType::TwoPart),
            LabelSize::mm(100.0, 180.0)
        );
        assert_eq!(
            LabelSize::for_print_type(PrintType::OnePart),
            LabelSize::mm(76.0, 130.0)
        );
    }

    #[test]
    fn points_match_what_pdfinfo_reports() {
        // pdfinfo rounds: 100x180 mm is 283 x 510 pt, 76x130 mm 215 x 369, 100x150 mm 283 x 425.
        let pt = |s: LabelSize| (s.width_pt().round() as i64, s.height_pt().round() as i64);
        assert_eq!(pt(LabelSize::TWO_PART), (283, 510));
        assert_eq!(pt(LabelSize::ONE_PART), (215, 369));
        assert_eq!(pt(LabelSize::L100X150), (283, 425));
    }

    #[test]
    fn displays_round_trip() {
        for size in LabelSize::STANDARD {
            assert_eq!(size.to_string().parse::<LabelSize>(), Ok(size));
        }
        assert_eq!(LabelSize::mm(62.5, 100.0).to_string(), "62.5x100mm");
        assert_eq!(LabelSize::TWO_PART.paper_name(), "waybill_100x180mm");
    }
}
