//! Printing labels as a station use case: in order through the print worker, each label that
//! was tried (printed or failed) recorded in the journal as it finishes. The CLI's `print` and
//! the window's Print both come here, so their journal records are the same.

use crate::cancel::CancelToken;
use crate::i18n::Lang;
use crate::print::{JobOutcome, JobResult, PrintJob, PrintOptions, PrintProgress, PrintTarget};
use crate::store::{Claim, ClaimPurpose, NewPrintRecord};
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
        // Across stations: a label whose order another station holds (printing, labelling or
        // shipping it) is not printed here; it comes back as not attempted, with who holds it.
        // A claim that cannot be asked for (the journal is away) does not stop printing.
        let ids: Vec<OrderId> = labels.iter().map(|l| l.order_id).collect();
        let held: std::collections::HashMap<OrderId, Claim> = match self
            .claim(ClaimPurpose::Print, &ids, None)
            .await
        {
            Ok(outcome) => outcome.held.into_iter().map(|c| (c.order_id, c)).collect(),
            Err(e) => {
                tracing::warn!(error = %e, "labels printed without claims: the journal did not answer");
                Default::default()
            }
        };
        let _heartbeat = (!held.is_empty() || !ids.is_empty()).then(|| self.heartbeat());
        let total = labels.len();
        // Positions in `labels` of the labels that are printed here.
        let (printed_here, held_back): (Vec<usize>, Vec<usize>) =
            (0..total).partition(|&i| !held.contains_key(&labels[i].order_id));
        let mut results: Vec<Option<JobResult>> = vec![None; total];
        for (n, &i) in held_back.iter().enumerate() {
            let result = JobResult {
                index: i,
                label_id: labels[i].job.label_id.clone(),
                outcome: JobOutcome::NotAttempted {
                    reason: held
                        .get(&labels[i].order_id)
                        .map(|c| super::claims::held_text(c, lang))
                        .unwrap_or_default(),
                },
            };
            progress(&PrintProgress {
                done: n + 1,
                total,
                result: result.clone(),
            });
            results[i] = Some(result);
        }
        let already = held_back.len();
        let jobs = printed_here
            .iter()
            .map(|&i| labels[i].job.clone())
            .collect();
        // The printing side calls back synchronously; the records go to the journal in order
        // beside it, and all of them are written before this returns.
        let (records, mut to_record) = tokio::sync::mpsc::unbounded_channel::<NewPrintRecord>();
        let (here, all, progress) = (&printed_here, &labels, &mut progress);
        let on_label = move |p: &PrintProgress| {
            let Some(&i) = here.get(p.result.index) else {
                return;
            };
            if let Some(record) = print_record(&all[i], &p.result.outcome, lang) {
                // Closed only when the recorder is gone, which outlives the printing.
                let _ = records.send(record);
            }
            progress(&PrintProgress {
                done: already + p.done,
                total,
                result: JobResult {
                    index: i,
                    ..p.result.clone()
                },
            });
        };
        let recorder = async {
            while let Some(record) = to_record.recv().await {
                if let Err(e) = self.journal().record_print(self.actor(), &record).await {
                    tracing::warn!(error = %e, order = %record.order_id, "print result not recorded in the journal");
                }
            }
        };
        // `on_label` owns the sender: the recorder ends once printing is over.
        let (printed, ()) = tokio::join!(
            crate::print::print_batch(jobs, options, on_label, cancel),
            recorder
        );
        for mut result in printed {
            if let Some(&i) = printed_here.get(result.index) {
                result.index = i;
                results[i] = Some(result);
            }
        }
        let not_held: Vec<OrderId> = ids
            .iter()
            .copied()
            .filter(|o| !held.contains_key(o))
            .collect();
        self.release(&not_held).await;
        results.into_iter().flatten().collect()
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
