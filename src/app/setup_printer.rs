//! The printer step (setup guide step 5, and Settings' "校准…"): pick a queue and a label size,
//! print the test label, nudge the offset (0.5 mm a press) or type x/y/scale, reprint, save.
//!
//! A small state machine without egui: the UI sends [`PrinterStepCommand`]s, the app runs the
//! [`PrinterStepEffect`] it gets back (a test print through the print worker, or saving the
//! settings) and reports the print's result with [`PrinterStep::on_test_printed`]. The test
//! label is printed with the calibration being edited (not yet saved), so what comes out shows
//! what saving would do.

use crate::print::calibration::{Calibration, CalibrationError, NUDGE_MM};
use crate::print::test_label::TestLabel;
use crate::print::{Calibrations, LabelSize, PrintJob, PrintTarget};
use crate::settings::Settings;

/// Where the step is.
#[derive(Debug, Clone, PartialEq)]
pub enum PrinterStepState {
    /// Nothing printed yet in this step.
    Idle,
    /// A test label is being printed with this calibration.
    Printing { calibration: Calibration },
    /// The last test label printed, with this calibration.
    Printed { calibration: Calibration },
    /// The last test label did not print: why, in the station's language.
    Failed { message: String },
}

/// The number fields as typed (they may hold a half-typed number).
#[derive(Debug, Clone, PartialEq)]
pub struct CalibrationFields {
    pub x_mm: String,
    pub y_mm: String,
    pub scale_pct: String,
}

impl CalibrationFields {
    fn from(c: &Calibration) -> Self {
        CalibrationFields {
            x_mm: format!("{}", c.x_mm),
            y_mm: format!("{}", c.y_mm),
            scale_pct: format!("{}", c.scale_pct),
        }
    }
}

/// Why typed values were not taken.
#[derive(Debug, Clone, PartialEq)]
pub enum FieldProblem {
    /// A field that is not a number: which one (`x`, `y`, `scale`).
    NotANumber(&'static str),
    /// A number outside the bounds.
    OutOfRange(CalibrationError),
}

/// What the person asked for.
#[derive(Debug, Clone, PartialEq)]
pub enum PrinterStepCommand {
    PickPrinter(String),
    PickSize(LabelSize),
    /// Print the test label with the calibration being edited.
    PrintTest,
    /// Move by this much (mm; the buttons send ±0.5).
    Nudge {
        dx_mm: f64,
        dy_mm: f64,
    },
    /// The number fields changed.
    Edit(CalibrationFields),
    /// Back to no calibration.
    Reset,
    /// Save printer, size and calibration in the settings.
    Save,
    /// Go on without a test print (no printer at hand yet).
    Skip,
}

/// What the app does for the step.
#[derive(Debug, Clone, PartialEq)]
pub enum PrinterStepEffect {
    /// Print this test label through the print worker, this calibration applied to it (as
    /// `PrintOptions::calibrations` for its printer); report with `on_test_printed`.
    PrintTest {
        job: PrintJob,
        calibration: Calibration,
    },
    /// Write [`PrinterStep::apply_to`] into the settings and save them.
    Save,
}

/// The printer step.
#[derive(Debug, Clone)]
pub struct PrinterStep {
    pub printer: String,
    pub size: LabelSize,
    /// The calibration being edited (the printer's saved one to start with).
    pub calibration: Calibration,
    pub fields: CalibrationFields,
    /// The typed values that were not taken, if any.
    pub problem: Option<FieldProblem>,
    pub state: PrinterStepState,
    /// Saved since the step opened (and nothing changed after).
    pub saved: bool,
    skipped: bool,
    /// Every printer's saved calibration, so picking another printer starts from its own.
    known: Calibrations,
}

impl PrinterStep {
    /// Prefilled from the settings: printer, label size (else 100x150), its calibration.
    pub fn new(settings: &Settings) -> Self {
        let size = settings
            .label_size
            .parse::<LabelSize>()
            .unwrap_or(LabelSize::L100X150);
        let calibration = settings
            .calibrations
            .get(&settings.printer)
            .copied()
            .filter(|c| c.validate().is_ok())
            .unwrap_or(Calibration::NONE);
        PrinterStep {
            printer: settings.printer.clone(),
            size,
            calibration,
            fields: CalibrationFields::from(&calibration),
            problem: None,
            state: PrinterStepState::Idle,
            saved: false,
            skipped: false,
            known: settings.calibrations.clone(),
        }
    }

    /// The guide may go on: a printer is picked and a test label printed (or saved, or the
    /// person chose to skip the test print).
    pub fn is_done(&self) -> bool {
        !self.printer.is_empty()
            && (self.skipped
                || self.saved
                || matches!(self.state, PrinterStepState::Printed { .. }))
    }

    /// True while a test label is out.
    pub fn is_printing(&self) -> bool {
        matches!(self.state, PrinterStepState::Printing { .. })
    }

    /// Writes printer, label size and this printer's calibration (none removes it).
    pub fn apply_to(&self, settings: &mut Settings) {
        if self.printer.is_empty() {
            return;
        }
        settings.printer = self.printer.clone();
        settings.label_size = self.size.to_string();
        if self.calibration.is_none() {
            settings.calibrations.remove(&self.printer);
        } else {
            settings
                .calibrations
                .insert(self.printer.clone(), self.calibration);
        }
    }

    /// Handles a command; returns what the app must do, if anything.
    pub fn on_command(&mut self, command: PrinterStepCommand) -> Option<PrinterStepEffect> {
        match command {
            PrinterStepCommand::PickPrinter(printer) => {
                if printer != self.printer {
                    let own = self
                        .known
                        .get(&printer)
                        .copied()
                        .filter(|c| c.validate().is_ok())
                        .unwrap_or(Calibration::NONE);
                    self.printer = printer;
                    self.set(own);
                    self.state = PrinterStepState::Idle;
                    self.saved = false;
                }
                None
            }
            PrinterStepCommand::PickSize(size) => {
                if size != self.size {
                    self.size = size;
                    self.state = PrinterStepState::Idle;
                    self.saved = false;
                }
                None
            }
            PrinterStepCommand::Nudge { dx_mm, dy_mm } => {
                self.set(self.calibration.nudged(dx_mm, dy_mm));
                None
            }
            PrinterStepCommand::Edit(fields) => {
                self.problem = match parse(&fields) {
                    Ok(c) => {
                        if c != self.calibration {
                            self.calibration = c;
                            self.saved = false;
                        }
                        None
                    }
                    Err(p) => Some(p),
                };
                self.fields = fields;
                None
            }
            PrinterStepCommand::Reset => {
                self.set(Calibration::NONE);
                None
            }
            PrinterStepCommand::PrintTest => {
                if self.printer.is_empty() || self.is_printing() || self.problem.is_some() {
                    return None;
                }
                let calibration = self.calibration;
                self.state = PrinterStepState::Printing { calibration };
                let job = TestLabel::now(&self.printer, self.size, calibration)
                    .job(PrintTarget::Printer(self.printer.clone()));
                Some(PrinterStepEffect::PrintTest { job, calibration })
            }
            PrinterStepCommand::Save => {
                if self.printer.is_empty() || self.problem.is_some() {
                    return None;
                }
                self.saved = true;
                self.known.insert(self.printer.clone(), self.calibration);
                Some(PrinterStepEffect::Save)
            }
            PrinterStepCommand::Skip => {
                self.skipped = true;
                None
            }
        }
    }

    /// The test print's result (`Err` explained in the station's language).
    pub fn on_test_printed(&mut self, result: Result<(), String>) {
        let PrinterStepState::Printing { calibration } = self.state else {
            return;
        };
        self.state = match result {
            Ok(()) => PrinterStepState::Printed { calibration },
            Err(message) => PrinterStepState::Failed { message },
        };
    }

    fn set(&mut self, calibration: Calibration) {
        if calibration != self.calibration {
            self.saved = false;
        }
        self.calibration = calibration;
        self.fields = CalibrationFields::from(&calibration);
        self.problem = None;
    }
}

/// One nudge step, for the buttons.
pub const NUDGE: f64 = NUDGE_MM;

fn parse(fields: &CalibrationFields) -> Result<Calibration, FieldProblem> {
    let number = |text: &str, name: &'static str| -> Result<f64, FieldProblem> {
        let t = text.trim().replace(',', ".");
        let t = t.strip_prefix('+').unwrap_or(&t);
        t.parse::<f64>()
            .ok()
            .filter(|v| v.is_finite())
            .ok_or(FieldProblem::NotANumber(name))
    };
    Calibration::new(
        number(&fields.x_mm, "x")?,
        number(&fields.y_mm, "y")?,
        number(&fields.scale_pct, "scale")?,
    )
    .map_err(FieldProblem::OutOfRange)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn step() -> PrinterStep {
        let mut settings = Settings {
            printer: "Zebra".into(),
            label_size: "100x180".into(),
            ..Settings::default()
        };
        settings
            .calibrations
            .insert("Zebra".into(), Calibration::new(1.0, 0.0, 100.0).unwrap());
        PrinterStep::new(&settings)
    }

    #[test]
    fn starts_from_the_settings() {
        let s = step();
        assert_eq!(s.size, LabelSize::TWO_PART);
        assert_eq!(s.calibration.x_mm, 1.0);
        assert_eq!(s.fields.x_mm, "1");
        assert!(!s.is_done(), "nothing printed yet");
        let blank = PrinterStep::new(&Settings::default());
        assert_eq!(blank.size, LabelSize::L100X150);
        assert!(blank.calibration.is_none());
    }

    #[test]
    fn test_print_carries_the_edited_calibration_and_finishes_the_step() {
        let mut s = step();
        s.on_command(PrinterStepCommand::Nudge {
            dx_mm: NUDGE,
            dy_mm: -NUDGE,
        });
        let Some(PrinterStepEffect::PrintTest { job, calibration }) =
            s.on_command(PrinterStepCommand::PrintTest)
        else {
            panic!("no print");
        };
        assert_eq!((calibration.x_mm, calibration.y_mm), (1.5, -0.5));
        assert_eq!(job.target, PrintTarget::Printer("Zebra".into()));
        assert_eq!(job.size, LabelSize::TWO_PART);
        assert!(
            job.html.contains("x +1.5 mm, y -0.5 mm"),
            "the label says it"
        );
        assert!(s.is_printing());
        // A second press while one is out prints nothing more.
        assert_eq!(s.on_command(PrinterStepCommand::PrintTest), None);
        s.on_test_printed(Ok(()));
        assert_eq!(s.state, PrinterStepState::Printed { calibration });
        assert!(s.is_done());
    }

    #[test]
    fn a_failed_print_says_why_and_does_not_finish() {
        let mut s = step();
        s.on_command(PrinterStepCommand::PrintTest);
        s.on_test_printed(Err("打印机已停止".into()));
        assert_eq!(
            s.state,
            PrinterStepState::Failed {
                message: "打印机已停止".into()
            }
        );
        assert!(!s.is_done());
        // A late result with nothing out changes nothing.
        s.on_test_printed(Ok(()));
        assert!(!s.is_done());
    }

    #[test]
    fn typed_values_are_checked_and_bad_ones_block_print_and_save() {
        let mut s = step();
        let edit = |x: &str, y: &str, scale: &str| {
            PrinterStepCommand::Edit(CalibrationFields {
                x_mm: x.into(),
                y_mm: y.into(),
                scale_pct: scale.into(),
            })
        };
        s.on_command(edit("+2,5", "-1", "101"));
        assert_eq!(s.problem, None);
        assert_eq!(
            (
                s.calibration.x_mm,
                s.calibration.y_mm,
                s.calibration.scale_pct
            ),
            (2.5, -1.0, 101.0)
        );
        s.on_command(edit("12", "-1", "101"));
        assert!(matches!(
            s.problem,
            Some(FieldProblem::OutOfRange(
                CalibrationError::OffsetOutOfRange { axis: 'x', .. }
            ))
        ));
        assert_eq!(s.calibration.x_mm, 2.5, "the last good value stays");
        assert_eq!(s.on_command(PrinterStepCommand::PrintTest), None);
        assert_eq!(s.on_command(PrinterStepCommand::Save), None);
        s.on_command(edit("1", "abc", "100"));
        assert_eq!(s.problem, Some(FieldProblem::NotANumber("y")));
        s.on_command(edit("1", "0", "120"));
        assert!(matches!(
            s.problem,
            Some(FieldProblem::OutOfRange(
                CalibrationError::ScaleOutOfRange { .. }
            ))
        ));
        // A nudge starts again from the last good value and clears the problem.
        s.on_command(PrinterStepCommand::Nudge {
            dx_mm: -NUDGE,
            dy_mm: 0.0,
        });
        assert_eq!(s.problem, None);
        assert_eq!(s.calibration.x_mm, 2.0);
    }

    #[test]
    fn save_writes_this_printers_calibration_only() {
        let mut s = step();
        s.on_command(PrinterStepCommand::PickPrinter("Brother".into()));
        assert!(
            s.calibration.is_none(),
            "Brother starts from its own (none)"
        );
        s.on_command(PrinterStepCommand::PickSize(LabelSize::ONE_PART));
        s.on_command(PrinterStepCommand::Nudge {
            dx_mm: 0.0,
            dy_mm: 2.0 * NUDGE,
        });
        assert_eq!(
            s.on_command(PrinterStepCommand::Save),
            Some(PrinterStepEffect::Save)
        );
        assert!(s.is_done());
        let mut settings = Settings::default();
        settings
            .calibrations
            .insert("Zebra".into(), Calibration::new(1.0, 0.0, 100.0).unwrap());
        s.apply_to(&mut settings);
        assert_eq!(settings.printer, "Brother");
        assert_eq!(settings.label_size, "76x130mm");
        assert_eq!(
            (
                settings.calibrations["Brother"].x_mm,
                settings.calibrations["Brother"].y_mm
            ),
            (0.0, 1.0)
        );
        assert_eq!(settings.calibrations["Zebra"].x_mm, 1.0, "A keeps its own");
        // Back to Zebra: its own calibration again.
        s.on_command(PrinterStepCommand::PickPrinter("Zebra".into()));
        assert_eq!(s.calibration.x_mm, 1.0);
        s.on_command(PrinterStepCommand::PickPrinter("Brother".into()));
        assert_eq!(s.calibration.y_mm, 1.0, "what was saved for Brother");
        // Reset and save: the entry goes away.
        s.on_command(PrinterStepCommand::Reset);
        assert!(!s.saved, "a change after saving is not saved");
        s.apply_to(&mut settings);
        assert!(!settings.calibrations.contains_key("Brother"));
    }

    #[test]
    fn skip_needs_a_printer() {
        let mut s = PrinterStep::new(&Settings::default());
        s.on_command(PrinterStepCommand::Skip);
        assert!(!s.is_done());
        s.on_command(PrinterStepCommand::PickPrinter("Zebra".into()));
        assert!(s.is_done());
    }
}
