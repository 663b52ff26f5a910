//! `printer test-label` and `printer calibrate`: the setup guide's printer step on the command
//! line. The test label goes through the print worker like every label; the calibration is saved
//! in the settings and applied to every later job to that printer.

use std::path::Path;
use std::process::ExitCode;

use anyhow::Context as _;

use super::args::PrinterAction;
use crate::print::calibration::for_target;
use crate::print::test_label::TestLabel;
use crate::print::{
    self, print_batch, Calibration, CancelToken, JobOutcome, LabelSize, PrintOptions, PrintTarget,
    WorkerConfig,
};
use crate::settings::Settings;
use crate::wechat::Lang;

/// Prints a line to stdout; a closed pipe ends the command instead of panicking.
macro_rules! say {
    ($($arg:tt)*) => {{
        use std::io::Write as _;
        writeln!(std::io::stdout().lock(), $($arg)*)?
    }};
}

/// Runs a `printer` action.
pub(super) async fn run(
    data_dir: &Path,
    settings: Settings,
    action: PrinterAction,
    lang: Lang,
) -> anyhow::Result<ExitCode> {
    let zh = lang == Lang::ZhCn;
    match action {
        PrinterAction::TestLabel { printer, size } => {
            let printer = chosen_printer(printer, &settings, lang)?;
            known_printer(&printer, lang).await?;
            let size = match size {
                Some(size) => size,
                None => settings
                    .label_size
                    .parse::<LabelSize>()
                    .unwrap_or(LabelSize::L100X150),
            };
            let target = PrintTarget::Printer(printer.clone());
            let calibration = for_target(&settings.calibrations, &target);
            let job = TestLabel::now(&printer, size, calibration).job(target);
            let options = PrintOptions {
                calibrations: settings.calibrations.clone(),
                ..PrintOptions::new(WorkerConfig::current_exe()?)
            };
            let results = print_batch(vec![job], &options, |_| {}, &CancelToken::new()).await;
            match results.first().map(|r| &r.outcome) {
                Some(JobOutcome::Printed) => {
                    say!(
                        "{} {printer} {size} ({})",
                        if zh {
                            "测试标签已发送到"
                        } else {
                            "test label sent to"
                        },
                        calibration_text(&calibration, zh)
                    );
                    Ok(ExitCode::SUCCESS)
                }
                Some(JobOutcome::Failed { error }) => {
                    anyhow::bail!("{}", error.explain(lang))
                }
                _ => anyhow::bail!(if zh {
                    "测试标签没有打印"
                } else {
                    "the test label was not printed"
                }),
            }
        }
        PrinterAction::Calibrate {
            printer,
            x_mm,
            y_mm,
            scale,
            reset,
        } => {
            let printer = chosen_printer(printer, &settings, lang)?;
            let saved = settings
                .calibrations
                .get(&printer)
                .copied()
                .unwrap_or(Calibration::NONE);
            if x_mm.is_none() && y_mm.is_none() && scale.is_none() && !reset {
                say!("{printer}: {}", calibration_text(&saved, zh));
                return Ok(ExitCode::SUCCESS);
            }
            known_printer(&printer, lang).await?;
            let mut settings = settings;
            let calibration = if reset {
                settings.calibrations.remove(&printer);
                Calibration::NONE
            } else {
                let c = Calibration::new(
                    x_mm.unwrap_or(saved.x_mm),
                    y_mm.unwrap_or(saved.y_mm),
                    scale.unwrap_or(saved.scale_pct),
                )
                .map_err(|e| anyhow::anyhow!("{}", e.explain(lang)))?;
                settings.calibrations.insert(printer.clone(), c);
                c
            };
            settings.save(data_dir).with_context(|| {
                if zh {
                    "校准没有保存"
                } else {
                    "calibration not saved"
                }
            })?;
            say!(
                "{printer}: {} ({})",
                calibration_text(&calibration, zh),
                if zh {
                    "已保存,此后发往这台打印机的每个标签都按它校准"
                } else {
                    "saved; every label to this printer is placed by it from now on"
                }
            );
            Ok(ExitCode::SUCCESS)
        }
    }
}

/// `--printer`, else the one chosen in Settings.
fn chosen_printer(flag: Option<String>, settings: &Settings, lang: Lang) -> anyhow::Result<String> {
    match flag.filter(|p| !p.trim().is_empty()) {
        Some(p) => Ok(p),
        None if !settings.printer.is_empty() => Ok(settings.printer.clone()),
        None => anyhow::bail!(if lang == Lang::ZhCn {
            "没有选定打印机:用 --printer 指定(打印队列见 `waybill-desk printers`),或在设置里选择"
        } else {
            "no printer chosen: name one with --printer (see `waybill-desk printers`) or choose it in Settings"
        }),
    }
}

/// Refuses a printer name the print system does not know (a typo would otherwise save a
/// calibration nothing ever uses).
async fn known_printer(name: &str, lang: Lang) -> anyhow::Result<()> {
    let list = tokio::task::spawn_blocking(print::list_printers)
        .await
        .context("listing printers")?;
    if list.iter().any(|p| p.name == name) {
        return Ok(());
    }
    anyhow::bail!(if lang == Lang::ZhCn {
        format!("没有名为 {name} 的打印机;打印队列见 `waybill-desk printers`")
    } else {
        format!("no printer named {name}; see `waybill-desk printers`")
    })
}

fn calibration_text(c: &Calibration, zh: bool) -> String {
    if zh {
        format!(
            "校准 x {:+} 毫米,y {:+} 毫米,缩放 {}%",
            c.x_mm, c.y_mm, c.scale_pct
        )
    } else {
        format!("calibration {}", c.describe())
    }
}
