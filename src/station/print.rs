//! Printing labels as a station use case: in order through the print worker, each label that
//! was tried (printed or failed) recorded in the journal as it finishes. The CLI's `print` and
//! the window's Print both come here, so their journal records are the same.

use crate::cancel::CancelToken;
use crate::i18n::Lang;
use crate::print::{JobOutcome, JobResult, PrintJob, PrintOptions, PrintProgress, PrintTarget};
use crate::store::NewPrintRecord;
use crate::wechat::{OrderId, WaybillId};

use super::Station;

/// One order's label to print.
#[derive(Debug, Clone)]
pub struct LabelPrint {
    pub order_id: OrderId,
    pub waybill_id: WaybillId,
    pub job: PrintJob,
}

/// What the journal calls a print target: the queue's name, or `PDF <path>`.
pub fn journal_printer(target: &PrintTarget) -> String {
    match target {
        PrintTarget::Printer(name) => name.clone(),
        PrintTarget::PdfFile(path) => format!("PDF {}", path.display()),
    }
}

/// The journal record for a label's result; `None` for a label that was not tried.
pub fn print_record(
    label: &LabelPrint,
    outcome: &JobOutcome,
    lang: Lang,
) -> Option<NewPrintRecord> {
    let result = match outcome {
        JobOutcome::Printed => Ok(()),
        JobOutcome::Failed { error } => Err(error.explain(lang)),
        JobOutcome::NotAttempted { .. } => return None,
    };
    Some(NewPrintRecord {
        order_id: label.order_id,
        waybill_id: label.waybill_id.clone(),
        label_id: None,
        printer: journal_printer(&label.job.target),
        copies: label.job.copies,
        result,
    })
}

impl Station {
    /// Prints `labels` in the given order (a failure holds back the rest unless the options
    /// say otherwise), records each tried label in the journal as it finishes (errors in
    /// `lang`), then calls `progress`. A journal that cannot be written does not stop printing.
    pub async fn print_labels(
        &self,
        labels: Vec<LabelPrint>,
        options: &PrintOptions,
        lang: Lang,
        mut progress: impl FnMut(&PrintProgress) + Send,
        cancel: &CancelToken,
    ) -> Vec<JobResult> {
        let jobs = labels.iter().map(|l| l.job.clone()).collect();
        // The printing side calls back synchronously; the records go to the journal in order
        // beside it, and all of them are written before this returns.
        let (records, mut to_record) = tokio::sync::mpsc::unbounded_channel::<NewPrintRecord>();
        let on_label = move |p: &PrintProgress| {
            if let Some(record) = labels
                .get(p.result.index)
                .and_then(|label| print_record(label, &p.result.outcome, lang))
            {
                // Closed only when the recorder is gone, which outlives the printing.
                let _ = records.send(record);
            }
            progress(p);
        };
        let recorder = async {
            while let Some(record) = to_record.recv().await {
                if let Err(e) = self.journal().record_print(self.actor(), &record).await {
                    tracing::warn!(error = %e, order = %record.order_id, "print result not recorded in the journal");
                }
            }
        };
        let (results, ()) = tokio::join!(
            crate::print::print_batch(jobs, options, on_label, cancel),
            recorder
        );
        results
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::print::{LabelSize, PrintError};

    fn label(target: PrintTarget) -> LabelPrint {
        LabelPrint {
            order_id: OrderId(9_007_199_254_740_993),
            waybill_id: WaybillId("SF1".into()),
            job: PrintJob {
                label_id: "9007199254740993".into(),
                html: String::new(),
                size: LabelSize::for_print_type(crate::wechat::PrintType::TwoPart),
                target,
                copies: 2,
            },
        }
    }

    #[test]
    fn tried_labels_are_recorded_in_one_format_and_untried_ones_not_at_all() {
        let pdf = label(PrintTarget::PdfFile("/tmp/a.pdf".into()));
        let printed = print_record(&pdf, &JobOutcome::Printed, Lang::En).unwrap();
        assert_eq!(printed.printer, "PDF /tmp/a.pdf");
        assert_eq!((printed.copies, printed.result), (2, Ok(())));

        let queue = label(PrintTarget::Printer("Thermal".into()));
        let error = PrintError::NoSuchPrinter {
            printer: "Thermal".into(),
        };
        let failed = JobOutcome::Failed {
            error: error.clone(),
        };
        let zh = print_record(&queue, &failed, Lang::ZhCn).unwrap();
        assert_eq!(zh.printer, "Thermal");
        assert_eq!(zh.result, Err(error.explain(Lang::ZhCn)));
        assert_ne!(
            zh.result,
            print_record(&queue, &failed, Lang::En).unwrap().result,
            "the explanation follows the language"
        );

        let held = JobOutcome::NotAttempted {
            reason: "an earlier label failed".into(),
        };
        assert!(print_record(&queue, &held, Lang::En).is_none());
    }
}
