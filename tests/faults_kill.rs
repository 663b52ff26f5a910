//! `kill -9` in the middle of a 1,000-label batch, then a restart: the real binary against a
//! `waybill-desk sandbox` running as its own process (so its state survives the kill).

#![allow(clippy::unwrap_used)] // test helpers may panic: a panic is a failed test

use std::collections::{BTreeMap, BTreeSet};
use std::path::Path;
use std::process::Stdio;

use waybill_desk::sandbox::world::DEMO_MINISHOP_APPID;
use waybill_desk::sandbox::DEMO_SECRET;
use waybill_desk::store::{ItemStage, Journal};

mod sandbox_process;
use sandbox_process::{events, start_sandbox, stats, BIN};

const ORDERS: usize = 1_000;

fn cli(base: &url::Url, data: &Path) -> tokio::process::Command {
    let mut cmd = tokio::process::Command::new(BIN);
    cmd.args([
        "--api-base",
        base.as_str(),
        "--appid",
        // A mini-shop station: the mini-shop family answers only mini-shop AppIDs.
        DEMO_MINISHOP_APPID,
        "--shop",
        "minishop",
        "--lang",
        "en",
    ])
    .env("WAYBILL_DESK_APPSECRET", DEMO_SECRET)
    .env("WAYBILL_DESK_DATA_DIR", data)
    .env("WAYBILL_DESK_STATION", "kill-test")
    .env_remove("WAYBILL_DESK_LOG");
    cmd
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn kill_9_mid_batch_then_resume_finishes_without_refetching_or_losing_anything() {
    // Latency paces the batch so that the kill lands in the middle of it.
    let (_sandbox, base) = start_sandbox(1300, 4).await;
    let dir = tempfile::tempdir().unwrap();
    let data = dir.path().join("data");
    std::fs::create_dir_all(&data).unwrap();
    std::fs::write(
        data.join("settings.json"),
        serde_json::json!({
            "delivery_id": "SF", "biz_id": "SF_CASH",
            "sender": {"name": "仓库小李", "mobile": "13800138000", "province": "广东省",
                       "city": "深圳市", "area": "南山区", "address": "科技园南路88号"}
        })
        .to_string(),
    )
    .unwrap();

    // `cli` runs a mini-shop station: that family lists whole orders 100 per page (WeChat
    // Shop would read each of the ~1,000 orders one by one first), so the test's time goes
    // into the batch itself.
    let mut batch = cli(&base, &data)
        .args([
            "batch",
            "labels",
            "--status",
            "20",
            "--limit",
            &ORDERS.to_string(),
        ])
        .stdout(Stdio::null())
        .stderr(Stdio::piped())
        .kill_on_drop(true)
        .spawn()
        .unwrap();

    // Watch the journal (a second reader; WAL lets it read while the batch writes) and kill
    // the process once part of the batch is recorded.
    let journal_file = data.join("journal.sqlite3");
    let mut done_at_kill = 0;
    for _ in 0..6_000 {
        if journal_file.exists() {
            if let Ok(journal) = Journal::open(&data) {
                if let Some(b) = journal.unfinished_batches().await.unwrap().first() {
                    if b.done >= 300 {
                        batch.start_kill().unwrap(); // SIGKILL
                        done_at_kill = b.done;
                        break;
                    }
                }
            }
        }
        if let Ok(Some(status)) = batch.try_wait() {
            panic!("the batch ended before it could be killed: {status}");
        }
        tokio::time::sleep(std::time::Duration::from_millis(10)).await;
    }
    let status = batch.wait().await.unwrap();
    assert_eq!(
        std::os::unix::process::ExitStatusExt::signal(&status),
        Some(9),
        "killed by SIGKILL"
    );
    assert!(done_at_kill >= 300, "the kill happened");

    // What the journal says after the crash.
    let journal = Journal::open(&data).unwrap();
    let unfinished = journal.unfinished_batches().await.unwrap();
    assert_eq!(unfinished.len(), 1, "the batch is there to resume");
    let id = unfinished[0].id;
    // Orders that take no courier are recorded as skipped, the rest as items.
    let planned = unfinished[0].total as usize;
    assert_eq!(
        planned + journal.batch_skips(id).await.unwrap().len(),
        ORDERS,
        "every order was recorded up front"
    );
    let items = journal.batch_items(id, false).await.unwrap();
    let mut stages: BTreeMap<String, usize> = BTreeMap::new();
    for i in &items {
        *stages.entry(format!("{:?}", i.stage)).or_default() += 1;
    }
    eprintln!("at the kill: {stages:?}");
    let done_before: BTreeSet<String> = items
        .iter()
        .filter(|i| i.stage == ItemStage::Done)
        .map(|i| i.order_id.to_string())
        .collect();
    assert!(
        !done_before.is_empty() && done_before.len() < ORDERS,
        "killed mid-batch: {} done",
        done_before.len()
    );
    let served_before = stats(&base).await.labels_served;

    // `batch status` shows it; `batch resume` finishes it.
    let status = cli(&base, &data)
        .args(["batch", "status"])
        .output()
        .await
        .unwrap();
    let text = String::from_utf8_lossy(&status.stdout);
    assert!(
        text.contains(&format!("batch {id}")) && text.contains("Open"),
        "{text}"
    );

    let resume = cli(&base, &data)
        .args(["batch", "resume", "--json"])
        .output()
        .await
        .unwrap();
    assert!(
        resume.status.success(),
        "{}",
        String::from_utf8_lossy(&resume.stderr)
    );
    let lines: Vec<serde_json::Value> = String::from_utf8_lossy(&resume.stdout)
        .lines()
        .map(|l| serde_json::from_str(l).unwrap())
        .collect();
    assert!(
        lines.iter().all(|l| l["ok"] == true),
        "no failure on resume"
    );
    let resumed: BTreeSet<String> = lines
        .iter()
        .map(|l| l["order_id"].as_str().unwrap().to_string())
        .collect();
    assert_eq!(
        resumed.len(),
        ORDERS - done_before.len(),
        "the rest, each once"
    );
    assert!(
        resumed.is_disjoint(&done_before),
        "no finished order fetched again"
    );

    // Nothing lost: every order labelled once in the journal.
    let journal = Journal::open(&data).unwrap();
    assert!(journal.unfinished_batches().await.unwrap().is_empty());
    let info = journal.batch(id).await.unwrap().unwrap();
    assert_eq!(
        (info.done as usize, info.total as usize),
        (planned, planned)
    );
    let items = journal.batch_items(id, false).await.unwrap();
    for item in &items {
        assert_eq!(item.stage, ItemStage::Done);
        assert_eq!(
            journal.label_count(item.order_id).await.unwrap(),
            1,
            "{}",
            item.order_id
        );
    }

    // Nothing done twice at WeChat: one waybill and one order/add per order; the labels of
    // orders done before the kill were not served again.
    let after = stats(&base).await;
    let events = events(&base).await;
    let mut per_order: BTreeMap<&str, usize> = BTreeMap::new();
    for e in &events {
        *per_order.entry(e.order_id.as_str()).or_default() += 1;
    }
    for item in &items {
        let id = item.order_id.to_string();
        assert_eq!(per_order.get(id.as_str()), Some(&1), "one waybill for {id}");
        assert_eq!(after.add_calls.get(&id), Some(&1), "one order/add for {id}");
    }
    for id in &done_before {
        assert_eq!(
            after.labels_served.get(id),
            served_before.get(id),
            "order {id} was done before the kill and not fetched again"
        );
    }
}
