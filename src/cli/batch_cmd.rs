//! `batch labels|resume|status|abandon` and `journal history|label`: large label batches that
//! survive a crash, and what the journal knows (readable without network).

use std::io::Write as _;
use std::path::Path;
use std::process::ExitCode;

use anyhow::Context as _;
use serde_json::json;

use super::args::{BatchAction, JournalAction, PrintTypeArg};
use super::Context;
use crate::resolve::JournalSpec;
use crate::station::{BatchEvent, BatchReport, CancelToken, LabelBatchPlan, Station};
use crate::store::waybills::CancelSource;
use crate::store::{Actor, BatchId, BatchInfo, HistoryEntry, Journal};
use crate::wechat::order::format_china_time;
use crate::wechat::shop::OrderQuery;
use crate::wechat::{DeliveryId, Lang, PrintType};

/// The data directory's journal, opened off the async workers.
async fn open_journal(spec: &JournalSpec) -> Result<Journal, crate::store::JournalError> {
    crate::resolve::open_journal(spec).await
}

fn say(line: &str) -> std::io::Result<()> {
    writeln!(std::io::stdout().lock(), "{line}")
}

/// The station for a command: the connected client, the data directory's journal, and who is
/// working (settings, or WAYBILL_DESK_STATION / WAYBILL_DESK_OPERATOR).
pub(super) async fn station(ctx: &Context) -> anyhow::Result<Station> {
    let journal = open_journal(&ctx.journal).await?;
    Ok(Station::new(
        ctx.client.clone(),
        ctx.shop,
        journal,
        Actor::resolve(&ctx.settings.station, &ctx.settings.operator),
    )
    .with_courier_overrides(ctx.settings.courier_map.clone()))
}

pub(super) async fn batch(ctx: &Context, action: BatchAction) -> anyhow::Result<ExitCode> {
    match action {
        BatchAction::Labels {
            status,
            days,
            limit,
            print_type,
            delivery_id,
            biz_id,
            out,
            json,
        } => {
            let station = station(ctx).await?;
            let plan = plan(ctx, print_type, delivery_id, biz_id)?;
            let now = chrono::Utc::now().timestamp();
            // Through the order cache the window and `orders` share: only changed orders
            // are read again.
            let mut orders = super::commands::list_through_cache(
                ctx,
                OrderQuery {
                    created_from: now - i64::from(days) * 24 * 3600,
                    created_to: now,
                    status: (status != 0).then_some(status),
                },
                false,
            )
            .await?;
            if let Some(limit) = limit {
                orders.truncate(limit);
            }
            if orders.is_empty() {
                eprintln!("no orders to fetch labels for");
                return Ok(ExitCode::SUCCESS);
            }
            let id = station.plan_label_batch(&orders, &plan).await?;
            eprintln!(
                "batch {id}: {} orders (resume with `waybill-desk batch resume {id}` if interrupted)",
                orders.len()
            );
            run(ctx, &station, id, out.as_deref(), json).await
        }
        BatchAction::Resume { batch, out, json } => {
            let station = station(ctx).await?;
            let id = match batch {
                Some(id) => BatchId(id),
                None => match station.journal().unfinished_batches().await?.last() {
                    Some(b) => b.id,
                    None => {
                        eprintln!("no unfinished batch to resume");
                        return Ok(ExitCode::SUCCESS);
                    }
                },
            };
            run(ctx, &station, id, out.as_deref(), json).await
        }
        BatchAction::Status { .. } | BatchAction::Abandon { .. } => {
            unreachable!("handled without connecting")
        }
    }
}

/// `batch status` and `batch abandon`: the journal alone, no connection.
pub(super) async fn batch_offline(
    spec: &JournalSpec,
    action: BatchAction,
) -> anyhow::Result<ExitCode> {
    match action {
        BatchAction::Status { batch, json } => {
            let journal = open_journal(spec).await?;
            let list = match batch {
                Some(id) => vec![journal
                    .batch(BatchId(id))
                    .await?
                    .with_context(|| format!("batch {id} is not in the journal"))?],
                None => journal.unfinished_batches().await?,
            };
            for b in &list {
                if json {
                    say(&serde_json::to_string(b)?)?;
                } else {
                    say(&batch_line(b))?;
                }
            }
            if list.is_empty() && !json {
                eprintln!("no unfinished batches");
            }
            Ok(ExitCode::SUCCESS)
        }
        BatchAction::Abandon { batch } => {
            let journal = open_journal(spec).await?;
            journal
                .batch(BatchId(batch))
                .await?
                .with_context(|| format!("batch {batch} is not in the journal"))?;
            journal.abandon_batch(BatchId(batch)).await?;
            say(&format!("ok    batch {batch} abandoned"))?;
            Ok(ExitCode::SUCCESS)
        }
        BatchAction::Labels { .. } | BatchAction::Resume { .. } => {
            unreachable!("needs a connection")
        }
    }
}

fn batch_line(b: &BatchInfo) -> String {
    format!(
        "batch {}  {:?}  {}/{} done  {} failed  {} {}  started {} at {} by {}",
        b.id,
        b.state,
        b.done,
        b.total,
        b.failed,
        b.delivery_id,
        match b.print_type {
            PrintType::OnePart => "one-part",
            PrintType::TwoPart => "two-part",
        },
        format_china_time(b.created_at_ms / 1000),
        b.station,
        b.operator
    )
}

/// Courier, account, sender and label kind: flags first, then settings, then (demo mode only)
/// the sandbox's own.
fn plan(
    ctx: &Context,
    print_type: Option<PrintTypeArg>,
    delivery_id: Option<String>,
    biz_id: Option<String>,
) -> anyhow::Result<LabelBatchPlan> {
    let demo = ctx.embedded.is_some();
    let pick = |flag: Option<String>, setting: &str, demo_value: &str| {
        flag.filter(|v| !v.trim().is_empty())
            .or_else(|| (!setting.trim().is_empty()).then(|| setting.to_string()))
            .or_else(|| demo.then(|| demo_value.to_string()))
    };
    let settings_file = ctx.data_dir.join(crate::settings::SETTINGS_FILE);
    let delivery_id = pick(delivery_id, &ctx.settings.delivery_id, "SF").with_context(|| {
        format!(
            "no courier: pass --delivery-id or set \"delivery_id\" in {}",
            settings_file.display()
        )
    })?;
    let biz_id = pick(biz_id, &ctx.settings.biz_id, "SF_CASH").with_context(|| {
        format!(
            "no courier account: pass --biz-id or set \"biz_id\" in {}",
            settings_file.display()
        )
    })?;
    Ok(LabelBatchPlan {
        print_type: match print_type {
            Some(PrintTypeArg::One) => PrintType::OnePart,
            Some(PrintTypeArg::Two) => PrintType::TwoPart,
            None => ctx.settings.print_type,
        },
        delivery_id: DeliveryId(delivery_id),
        biz_id,
        sender: super::commands::sender(ctx)?,
    })
}

/// Runs a batch, printing one line per order as it is recorded; Ctrl-C stops it cleanly.
async fn run(
    ctx: &Context,
    station: &Station,
    id: BatchId,
    out: Option<&Path>,
    json: bool,
) -> anyhow::Result<ExitCode> {
    let (tx, mut rx) = tokio::sync::mpsc::unbounded_channel();
    let cancel = CancelToken::new();
    let lang = ctx.lang;
    let printer = tokio::spawn(async move {
        // On a terminal, a bar with rate and time left on stderr; the lines stay on stdout.
        let mut bar: Option<super::progress::Progress> = None;
        while let Some(event) = rx.recv().await {
            match &event {
                BatchEvent::Started { total, done, .. } => {
                    let b = super::progress::Progress::bar(
                        u64::from(*total),
                        if lang == Lang::ZhCn {
                            "面单"
                        } else {
                            "labels"
                        },
                    );
                    b.set(u64::from(*done));
                    bar = Some(b);
                }
                BatchEvent::Labelled { done, .. } => {
                    if let Some(b) = &bar {
                        b.set(u64::from(*done));
                    }
                }
                BatchEvent::Finished(_) => {
                    if let Some(b) = &bar {
                        b.finish();
                    }
                }
                _ => {}
            }
            let printed = match &bar {
                Some(b) => b.suspend(|| print_event(&event, json, lang)),
                None => print_event(&event, json, lang),
            };
            if printed.is_err() {
                break; // stdout closed (`| head`): keep working, stop printing
            }
        }
    });
    let ctrl_c = {
        let cancel = cancel.clone();
        tokio::spawn(async move {
            if tokio::signal::ctrl_c().await.is_ok() {
                eprintln!("stopping after the calls on their way; nothing is lost");
                cancel.cancel();
            }
        })
    };
    let result = station.run_label_batch(id, Some(&tx), &cancel).await;
    drop(tx);
    ctrl_c.abort();
    let _ = printer.await;
    let report = result?;
    for skip in &report.skipped {
        if json {
            say(&json!({"order_id": skip.order_id.to_string(), "ok": true, "skipped": skip.reason.as_str(),
                        "reason": skip.reason.explain(lang)})
            .to_string())?;
        } else {
            say(&format!(
                "skip  {}  {}",
                skip.order_id,
                skip.reason.explain(lang)
            ))?;
        }
    }
    if let Some(dir) = out {
        write_batch_files(station.journal(), id, dir).await?;
    }
    summary(&report, lang);
    Ok(if report.finished {
        ExitCode::SUCCESS
    } else {
        ExitCode::FAILURE
    })
}

fn print_event(event: &BatchEvent, json: bool, lang: Lang) -> std::io::Result<()> {
    match event {
        BatchEvent::Labelled {
            order_id,
            waybill_id,
            label_id,
            done,
            total,
            by,
        } => {
            if json {
                let mut line = json!({"order_id": order_id.to_string(), "ok": true,
                    "waybill_id": waybill_id, "label_id": label_id, "done": done, "total": total});
                if let Some(by) = by {
                    line["by_station"] = json!(by.station);
                    line["by_operator"] = json!(by.operator);
                }
                say(&line.to_string())
            } else {
                let there = match (by, lang) {
                    (None, _) => String::new(),
                    (Some(by), Lang::ZhCn) => format!("  由 {}({})完成", by.station, by.operator),
                    (Some(by), Lang::En) => format!("  by {} ({})", by.station, by.operator),
                };
                say(&format!(
                    "ok    {order_id}  {waybill_id}  ({done}/{total}){there}"
                ))
            }
        }
        BatchEvent::Held { order_id, claim } => {
            if json {
                say(&json!({"order_id": order_id.to_string(), "held": true,
                    "station": claim.station, "operator": claim.operator,
                    "purpose": claim.purpose, "lease_until_ms": claim.lease_until_ms,
                    "reason": crate::station::held_text(claim, lang)})
                .to_string())
            } else {
                say(&format!(
                    "held  {order_id}  {}",
                    crate::station::held_text(claim, lang)
                ))
            }
        }
        BatchEvent::Failed { order_id, error } => {
            if json {
                say(&json!({"order_id": order_id.to_string(), "ok": false, "errcode": error.errcode(),
                            "error": error.explain(lang)})
                .to_string())
            } else {
                say(&format!("FAIL  {order_id}  {}", error.explain(lang)))
            }
        }
        BatchEvent::Started { batch, total, done } if *done > 0 => {
            eprintln!("batch {batch}: {done} of {total} already done; fetching the rest");
            Ok(())
        }
        _ => Ok(()),
    }
}

fn summary(report: &BatchReport, lang: Lang) {
    let zh = lang == Lang::ZhCn;
    // Orders that take no courier were left out: how many, and why.
    for (reason, n) in report.skipped_by_reason() {
        eprintln!(
            "{}",
            if zh {
                format!("跳过 {n} 个订单:{}", reason.explain(lang))
            } else {
                format!("skipped {n} order(s): {}", reason.explain(lang))
            }
        );
    }
    let left = report.total - report.done;
    if report.finished {
        eprintln!(
            "{}",
            if zh {
                format!("批次 {} 完成:{} 张面单", report.batch, report.total)
            } else {
                format!("batch {} finished: {} labels", report.batch, report.total)
            }
        );
    } else {
        eprintln!(
            "{}",
            if zh {
                format!(
                    "批次 {} 未完成:{} 已完成,{} 未完成({} 个失败)。用 `waybill-desk batch resume {}` 继续",
                    report.batch, report.done, left, report.failed, report.batch
                )
            } else {
                format!(
                    "batch {} not finished: {} done, {} left ({} failed). Continue with `waybill-desk batch resume {}`",
                    report.batch, report.done, left, report.failed, report.batch
                )
            }
        );
    }
}

async fn write_batch_files(journal: &Journal, id: BatchId, dir: &Path) -> anyhow::Result<()> {
    std::fs::create_dir_all(dir).with_context(|| format!("cannot create {}", dir.display()))?;
    for item in journal.batch_items(id, false).await? {
        if let Some(label_id) = item.label_id {
            if let Some(label) = journal.label(label_id).await? {
                let path = dir.join(format!("{}.html", item.order_id));
                super::commands::write_atomically(&path, label.html.as_bytes())
                    .with_context(|| format!("cannot write {}", path.display()))?;
            }
        }
    }
    Ok(())
}

pub(super) async fn journal(
    data_dir: &Path,
    spec: &JournalSpec,
    action: JournalAction,
    lang: Lang,
) -> anyhow::Result<ExitCode> {
    let action = match action {
        JournalAction::Migrate => return super::journal_admin::migrate(spec, lang).await,
        JournalAction::Password => return super::journal_admin::password(spec, lang).await,
        JournalAction::Copy { to, json } => {
            return super::journal_admin::copy(data_dir, &to, json, lang).await
        }
        other => other,
    };
    let journal = open_journal(spec).await?;
    match action {
        JournalAction::History { order_id, json } => {
            let history = journal.order_history(order_id).await?;
            for entry in &history {
                if json {
                    say(&serde_json::to_string(entry)?)?;
                } else {
                    say(&history_line(entry))?;
                }
            }
            let cancels = journal.cancelled_waybills(order_id).await?;
            for c in &cancels {
                if json {
                    say(&json!({"cancelled_waybill": c}).to_string())?;
                } else {
                    say(&format!(
                        "{}  cancel    {} {}  {}  ({}, {})",
                        format_china_time(c.at_ms / 1000),
                        c.delivery_id,
                        c.waybill_id,
                        match c.source {
                            CancelSource::Cancelled => "cancelled here",
                            CancelSource::SeenCancelled => "reported cancelled by WeChat",
                        },
                        c.station,
                        c.operator
                    ))?;
                }
            }
            if history.is_empty() && cancels.is_empty() && !json {
                eprintln!(
                    "{}",
                    if lang == Lang::ZhCn {
                        format!("记录中没有订单 {order_id}")
                    } else {
                        format!("the journal has nothing about order {order_id}")
                    }
                );
            }
            Ok(ExitCode::SUCCESS)
        }
        JournalAction::Stations { json } => {
            super::stations_cmd::stations(&journal, json, lang).await
        }
        JournalAction::Migrate | JournalAction::Password | JournalAction::Copy { .. } => {
            unreachable!("handled before the journal is opened")
        }
        JournalAction::Check => {
            journal.check().await?;
            say(&if lang == Lang::ZhCn {
                format!("ok    记录本 {} 完好", journal.location())
            } else {
                format!("ok    the journal {} is sound", journal.location())
            })?;
            Ok(ExitCode::SUCCESS)
        }
        JournalAction::Salvage { damaged, json } => {
            let report = journal.salvage_from(&damaged).await?;
            if json {
                say(&serde_json::to_string(&report)?)?;
            } else {
                for t in &report.tables {
                    say(&format!(
                        "{}  {}: {} copied, {} unreadable{}",
                        if t.lost || t.unreadable > 0 {
                            "part "
                        } else {
                            "ok   "
                        },
                        t.table,
                        t.copied,
                        t.unreadable,
                        if t.lost {
                            " (the table itself is lost)"
                        } else {
                            ""
                        }
                    ))?;
                }
                if report.reopened_items > 0 {
                    say(&format!(
                        "{} batch order(s) lost their label: `waybill-desk batch resume` fetches them again",
                        report.reopened_items
                    ))?;
                }
                eprintln!(
                    "{}",
                    if lang == Lang::ZhCn {
                        format!(
                            "已从 {} 复制 {} 条记录到 {}",
                            damaged.display(),
                            report.copied(),
                            journal.location()
                        )
                    } else {
                        format!(
                            "{} record(s) copied from {} into {}",
                            report.copied(),
                            damaged.display(),
                            journal.location()
                        )
                    }
                );
            }
            Ok(if report.copied() > 0 {
                ExitCode::SUCCESS
            } else {
                ExitCode::FAILURE
            })
        }
        JournalAction::Label { order_id, out } => {
            let Some(label) = journal.latest_label(order_id).await? else {
                if lang == Lang::ZhCn {
                    anyhow::bail!(
                        "记录本里没有订单 {order_id} 的面单;请用 `waybill-desk labels` 获取面单"
                    );
                }
                anyhow::bail!("the journal has no label for order {order_id}; fetch it with `waybill-desk labels`");
            };
            if label.waybill_status != 0
                || journal
                    .is_waybill_cancelled(&label.delivery_id, &label.waybill_id)
                    .await?
            {
                if lang == Lang::ZhCn {
                    anyhow::bail!(
                        "订单 {order_id} 最新的面单属于运单 {},该运单已取消;请重新下运单(`waybill-desk waybill add`)并获取它的面单",
                        label.waybill_id
                    );
                }
                anyhow::bail!(
                    "the latest label of order {order_id} is for waybill {}, which was cancelled; get a new waybill (`waybill-desk waybill add`) and fetch its label",
                    label.waybill_id
                );
            }
            std::fs::create_dir_all(&out)
                .with_context(|| format!("cannot create {}", out.display()))?;
            let path = out.join(format!("{order_id}.html"));
            super::commands::write_atomically(&path, label.html.as_bytes())
                .with_context(|| format!("cannot write {}", path.display()))?;
            say(&format!(
                "ok    {order_id}  {} {}  -> {}  (fetched {})",
                label.delivery_id,
                label.waybill_id,
                path.display(),
                format_china_time(label.fetched_at_ms / 1000)
            ))?;
            Ok(ExitCode::SUCCESS)
        }
    }
}

fn history_line(entry: &HistoryEntry) -> String {
    let when = format_china_time(entry.at_ms() / 1000);
    match entry {
        HistoryEntry::Label(l) => format!(
            "{when}  label     {} {}  ({}, {})",
            l.delivery_id, l.waybill_id, l.station, l.operator
        ),
        HistoryEntry::Print(p) => format!(
            "{when}  print     {} x{} on {}  {}  ({}, {})",
            p.waybill_id,
            p.copies,
            p.printer,
            if p.ok {
                "ok"
            } else {
                p.error.as_deref().unwrap_or("failed")
            },
            p.station,
            p.operator
        ),
        HistoryEntry::Shipment(s) => format!(
            "{when}  shipment  {:?}{}  ({}, {})",
            s.state,
            s.errcode
                .map(|c| format!(" errcode {c}"))
                .unwrap_or_default(),
            s.station,
            s.operator
        ),
    }
}
