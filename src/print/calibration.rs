//! Per-printer calibration: an x/y offset in millimetres and a scale, saved per printer queue and
//! applied to every job sent to that queue, so a label that comes out 2 mm off is fixed here
//! instead of in the printer driver.
//!
//! It is applied where the label is laid out for print (`gtk_print::LabelPrinter`), after the
//! label has been fitted to its paper: the page stays exactly the label size (the queue is never
//! asked for other media or margins), only the drawing moves. A positive x moves the label right,
//! a positive y moves it down; a scale of 101 % prints it 1 % larger, around the top-left corner.

use std::collections::BTreeMap;

use serde::{Deserialize, Serialize};

use super::job::PrintTarget;

/// The largest offset accepted on either axis, in millimetres.
pub const MAX_OFFSET_MM: f64 = 10.0;
/// The smallest scale accepted, in per cent.
pub const MIN_SCALE_PCT: f64 = 90.0;
/// The largest scale accepted, in per cent.
pub const MAX_SCALE_PCT: f64 = 110.0;
/// One nudge of the setup step, in millimetres.
pub const NUDGE_MM: f64 = 0.5;

/// How a printer's labels are placed on the paper.
#[derive(Debug, Clone, Copy, PartialEq, Serialize, Deserialize)]
#[serde(default)]
pub struct Calibration {
    /// Horizontal offset in mm; positive moves the label right.
    pub x_mm: f64,
    /// Vertical offset in mm; positive moves the label down.
    pub y_mm: f64,
    /// Scale in per cent (100 = as the label is laid out).
    pub scale_pct: f64,
}

impl Default for Calibration {
    fn default() -> Self {
        Calibration::NONE
    }
}

/// Why a calibration was refused.
#[derive(Debug, Clone, PartialEq, thiserror::Error)]
pub enum CalibrationError {
    /// An offset beyond ±10 mm (or not a number).
    #[error(
        "the {axis} offset {value_mm} mm is outside -10..10 mm; a label further off than 10 mm \
         points to the wrong paper size or a driver setting, not to calibration"
    )]
    OffsetOutOfRange {
        /// `x` or `y`.
        axis: char,
        value_mm: f64,
    },
    /// A scale outside 90..110 % (or not a number).
    #[error(
        "the scale {value_pct} % is outside 90..110 %; check that the chosen label size is the \
         size loaded in the printer"
    )]
    ScaleOutOfRange { value_pct: f64 },
}

impl CalibrationError {
    /// The refusal in Chinese, with what to do.
    pub fn explain_zh(&self) -> String {
        match self {
            CalibrationError::OffsetOutOfRange { axis, value_mm } => format!(
                "{axis} 方向偏移 {value_mm} 毫米超出 -10 到 10 毫米的范围;偏差这么大通常是标签尺寸选错或\
                 打印机驱动设置不对,请先检查它们"
            ),
            CalibrationError::ScaleOutOfRange { value_pct } => format!(
                "缩放 {value_pct}% 超出 90% 到 110% 的范围;请确认所选标签尺寸与打印机里装的标签纸一致"
            ),
        }
    }

    /// The refusal in the given language.
    pub fn explain(&self, lang: crate::i18n::Lang) -> String {
        match lang {
            crate::i18n::Lang::ZhCn => self.explain_zh(),
            crate::i18n::Lang::En => self.to_string(),
        }
    }
}

impl Calibration {
    /// No correction: where the label is laid out, at 100 %.
    pub const NONE: Calibration = Calibration {
        x_mm: 0.0,
        y_mm: 0.0,
        scale_pct: 100.0,
    };

    /// A checked calibration: offsets within ±10 mm, scale within 90..110 %.
    pub fn new(x_mm: f64, y_mm: f64, scale_pct: f64) -> Result<Self, CalibrationError> {
        let c = Calibration {
            x_mm,
            y_mm,
            scale_pct,
        };
        c.validate()?;
        Ok(c)
    }

    /// Checks the bounds (a settings file may have been edited by hand).
    pub fn validate(&self) -> Result<(), CalibrationError> {
        for (axis, value_mm) in [('x', self.x_mm), ('y', self.y_mm)] {
            if !value_mm.is_finite() || value_mm.abs() > MAX_OFFSET_MM {
                return Err(CalibrationError::OffsetOutOfRange { axis, value_mm });
            }
        }
        if !self.scale_pct.is_finite() || !(MIN_SCALE_PCT..=MAX_SCALE_PCT).contains(&self.scale_pct)
        {
            return Err(CalibrationError::ScaleOutOfRange {
                value_pct: self.scale_pct,
            });
        }
        Ok(())
    }

    /// True when it changes nothing.
    pub fn is_none(&self) -> bool {
        *self == Calibration::NONE
    }

    /// The scale as a factor (1.0 = 100 %).
    pub fn scale(&self) -> f64 {
        self.scale_pct / 100.0
    }

    /// This calibration moved by `dx_mm`/`dy_mm`, kept within the bounds and rounded to 0.1 mm
    /// (so repeated nudges do not collect floating-point dust).
    pub fn nudged(&self, dx_mm: f64, dy_mm: f64) -> Calibration {
        let clamp = |v: f64| round_tenth(v.clamp(-MAX_OFFSET_MM, MAX_OFFSET_MM));
        Calibration {
            x_mm: clamp(self.x_mm + dx_mm),
            y_mm: clamp(self.y_mm + dy_mm),
            scale_pct: self.scale_pct,
        }
    }

    /// `x +1.5 mm, y -0.5 mm, 100 %` for people and logs.
    pub fn describe(&self) -> String {
        format!(
            "x {:+} mm, y {:+} mm, {} %",
            round_tenth(self.x_mm),
            round_tenth(self.y_mm),
            round_tenth(self.scale_pct)
        )
    }
}

fn round_tenth(v: f64) -> f64 {
    let r = (v * 10.0).round() / 10.0;
    // -0.0 reads badly ("x -0 mm").
    if r == 0.0 {
        0.0
    } else {
        r
    }
}

/// Calibrations by printer queue name, as saved in the settings.
pub type Calibrations = BTreeMap<String, Calibration>;

/// The calibration a job to `target` gets: the printer's own, or none. PDF files are never
/// calibrated (they are not a printer that prints off), and a saved calibration that is out of
/// bounds (a hand-edited file) is not applied but logged.
pub fn for_target(calibrations: &Calibrations, target: &PrintTarget) -> Calibration {
    let PrintTarget::Printer(name) = target else {
        return Calibration::NONE;
    };
    match calibrations.get(name) {
        Some(c) => match c.validate() {
            Ok(()) => *c,
            Err(e) => {
                tracing::warn!(printer = %name, error = %e, "saved calibration not applied");
                Calibration::NONE
            }
        },
        None => Calibration::NONE,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn bounds_are_checked() {
        assert!(Calibration::new(10.0, -10.0, 90.0).is_ok());
        assert!(Calibration::new(1.5, -0.5, 110.0).is_ok());
        for (x, y, s) in [
            (10.1, 0.0, 100.0),
            (0.0, -10.5, 100.0),
            (f64::NAN, 0.0, 100.0),
            (0.0, f64::INFINITY, 100.0),
        ] {
            assert!(
                matches!(
                    Calibration::new(x, y, s),
                    Err(CalibrationError::OffsetOutOfRange { .. })
                ),
                "{x} {y}"
            );
        }
        for s in [89.9, 110.5, f64::NAN, 0.0] {
            assert!(
                matches!(
                    Calibration::new(0.0, 0.0, s),
                    Err(CalibrationError::ScaleOutOfRange { .. })
                ),
                "{s}"
            );
        }
        let e = Calibration::new(12.0, 0.0, 100.0).unwrap_err();
        assert!(e.to_string().contains("-10..10 mm"), "{e}");
        assert!(e.explain_zh().contains("10 毫米"), "{}", e.explain_zh());
    }

    #[test]
    fn nudges_stay_in_bounds_and_round() {
        let mut c = Calibration::NONE;
        for _ in 0..3 {
            c = c.nudged(0.1, 0.0);
        }
        assert_eq!(c.x_mm, 0.3);
        assert_eq!(
            c.nudged(-NUDGE_MM, NUDGE_MM).describe(),
            "x -0.2 mm, y +0.5 mm, 100 %"
        );
        let far = Calibration::new(9.8, -9.8, 100.0)
            .unwrap()
            .nudged(1.0, -1.0);
        assert_eq!((far.x_mm, far.y_mm), (10.0, -10.0));
        assert_eq!(
            Calibration::NONE.nudged(-0.0, 0.0).describe(),
            "x +0 mm, y +0 mm, 100 %"
        );
    }

    #[test]
    fn only_the_printers_own_calibration_applies() {
        let mut all = Calibrations::new();
        all.insert("A".into(), Calibration::new(3.0, -2.0, 100.0).unwrap());
        all.insert(
            "broken".into(),
            Calibration {
                x_mm: 50.0,
                ..Calibration::NONE
            },
        );
        let a = for_target(&all, &PrintTarget::Printer("A".into()));
        assert_eq!((a.x_mm, a.y_mm), (3.0, -2.0));
        assert!(for_target(&all, &PrintTarget::Printer("B".into())).is_none());
        assert!(for_target(&all, &PrintTarget::Printer("broken".into())).is_none());
        assert!(for_target(&all, &PrintTarget::PdfFile("/tmp/A".into())).is_none());
    }

    #[test]
    fn old_and_partial_entries_load() {
        let c: Calibration = serde_json::from_str(r#"{"x_mm": 1.5}"#).unwrap();
        assert_eq!((c.x_mm, c.y_mm, c.scale_pct), (1.5, 0.0, 100.0));
    }
}
