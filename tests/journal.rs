//! The journal on a real SQLite file and on a real PostgreSQL server: the same suite of the
//! queries the GUI and the station need runs against both engines (`engines!` below), then the
//! SQLite-only cases (schema versions, offline reprint through the CLI, bad files, read-only
//! directories, a full disk) and the PostgreSQL-only ones (migrations, a newer schema, TLS,
//! passwords kept out of errors, `journal copy`).
//!
//! The PostgreSQL cases need `WAYBILL_DESK_TEST_PG_URL` (set by scripts/test-env/with-services.sh);
//! each test works in a schema of its own, so they run in parallel. Without the variable they
//! fail, unless `WAYBILL_DESK_SKIP_PG=1` says to skip them.

#![allow(clippy::unwrap_used)] // test helpers may panic: a panic is a failed test

mod common;
mod faults_support;

use std::path::Path;
use std::process::Output;

use waybill_desk::sandbox::{DEMO_APPID, DEMO_SECRET};
use waybill_desk::store::{
    Actor, HistoryEntry, ItemStage, Journal, JournalError, JournalLocation, NewBatch, NewBatchItem,
    NewPrintRecord, ShipAttemptState, ShipClaim, JOURNAL_FILE,
};
use waybill_desk::wechat::delivery::WaybillRef;
use waybill_desk::wechat::logistics::Label;
use waybill_desk::wechat::types::KeyValue;
use waybill_desk::wechat::{DeliveryId, OrderId, PrintType, WaybillId};

const BIN: &str = env!("CARGO_BIN_EXE_waybill-desk");
const BIG_ID: u64 = 3_704_612_354_559_498_753; // above 2^53

fn actor() -> Actor {
    Actor {
        station: "packing-1".into(),
        operator: "王芳".into(),
    }
}

fn label(order: u64, waybill: &str) -> Label {
    Label {
        order_id: order.to_string(),
        delivery_id: DeliveryId("SF".into()),
        waybill_id: WaybillId(waybill.into()),
        html: format!("<html><body>收件人 {order} {waybill}</body></html>"),
        waybill_data: vec![KeyValue {
            key: "SF_bagAddr".into(),
            value: "广州".into(),
        }],
        order_status: 0,
        print_type: PrintType::TwoPart,
    }
}

fn sha(path: &Path) -> Vec<u8> {
    std::fs::read(path).unwrap()
}

#[tokio::test]
async fn a_new_journal_is_versioned_in_wal_mode_and_reopens_with_its_data() {
    let dir = tempfile::tempdir().unwrap();
    let journal = Journal::open(&dir.path().join("data")).unwrap();
    assert_eq!(journal.schema_version().await.unwrap(), 4);
    journal
        .record_label(&actor(), OrderId(BIG_ID), &label(BIG_ID, "SF100"))
        .await
        .unwrap();
    let path = journal.path().unwrap().to_path_buf();
    assert_eq!(path, dir.path().join("data").join(JOURNAL_FILE));
    // What SQLite itself says about the file.
    let conn = rusqlite::Connection::open(&path).unwrap();
    let mode: String = conn
        .query_row("PRAGMA journal_mode", [], |r| r.get(0))
        .unwrap();
    assert_eq!(mode, "wal");
    let version: i64 = conn
        .query_row("PRAGMA user_version", [], |r| r.get(0))
        .unwrap();
    assert_eq!(version, 4);
    let stored: String = conn
        .query_row("SELECT order_id FROM labels", [], |r| r.get(0))
        .unwrap();
    assert_eq!(
        stored,
        BIG_ID.to_string(),
        "ids above 2^53 are kept exactly"
    );
    drop(conn);
    drop(journal);
    let again = Journal::open(&dir.path().join("data")).unwrap();
    assert_eq!(again.schema_version().await.unwrap(), 4);
    let l = again.latest_label(OrderId(BIG_ID)).await.unwrap().unwrap();
    assert_eq!(l.waybill_id.0, "SF100");
    assert_eq!(l.station, "packing-1");
    assert_eq!(l.operator, "王芳");
    assert_eq!(l.waybill_data[0].value, "广州");
}

async fn history_shipped_latest_label_and_unfinished_batches(j: Journal) {
    let a = actor();
    let order = OrderId(BIG_ID);
    let wb: Vec<WaybillRef> = vec!["SF:SF200".parse().unwrap()];

    let first = j
        .record_label(&a, order, &label(BIG_ID, "SF100"))
        .await
        .unwrap();
    let second = j
        .record_label(&a, order, &label(BIG_ID, "SF200"))
        .await
        .unwrap();
    assert!(second > first);
    assert_eq!(j.latest_label(order).await.unwrap().unwrap().id, second);
    assert_eq!(
        j.known_waybill(order, &DeliveryId("SF".into()))
            .await
            .unwrap(),
        Some(WaybillId("SF200".into()))
    );
    assert_eq!(
        j.known_waybill(order, &DeliveryId("ZTO".into()))
            .await
            .unwrap(),
        None
    );
    j.record_print(
        &a,
        &NewPrintRecord {
            order_id: order,
            waybill_id: WaybillId("SF200".into()),
            label_id: Some(second),
            printer: "Zebra-ZD421".into(),
            copies: 1,
            result: Err("out of paper".into()),
        },
    )
    .await
    .unwrap();
    j.record_print(
        &a,
        &NewPrintRecord {
            order_id: order,
            waybill_id: WaybillId("SF200".into()),
            label_id: Some(second),
            printer: "Zebra-ZD421".into(),
            copies: 2,
            result: Ok(()),
        },
    )
    .await
    .unwrap();

    // Shipping: claim, finish, and the journal then answers "already shipped".
    assert!(j.shipped(order).await.unwrap().is_none());
    let ShipClaim::Go { attempt_id } = j.claim_shipment(&a, order, &wb).await.unwrap() else {
        panic!("first claim goes ahead");
    };
    // While it is on its way, another claim (same station, live process) is refused.
    assert!(matches!(
        j.claim_shipment(&a, order, &wb).await.unwrap(),
        ShipClaim::InFlight(_)
    ));
    j.set_shipment_request(attempt_id, &serde_json::json!({"order_id": BIG_ID}))
        .await
        .unwrap();
    j.finish_shipment(attempt_id, ShipAttemptState::Shipped, None, None)
        .await
        .unwrap();
    assert_eq!(j.shipped(order).await.unwrap().unwrap().id, attempt_id);
    assert!(matches!(
        j.claim_shipment(&a, order, &wb).await.unwrap(),
        ShipClaim::AlreadyShipped(r) if r.id == attempt_id
    ));

    let history = j.order_history(order).await.unwrap();
    let kinds: Vec<&str> = history
        .iter()
        .map(|h| match h {
            HistoryEntry::Label(_) => "label",
            HistoryEntry::Print(_) => "print",
            HistoryEntry::Shipment(_) => "shipment",
        })
        .collect();
    assert_eq!(kinds, ["label", "label", "print", "print", "shipment"]);
    assert!(history.windows(2).all(|w| w[0].at_ms() <= w[1].at_ms()));
    match &history[2] {
        HistoryEntry::Print(p) => {
            assert!(!p.ok);
            assert_eq!(p.error.as_deref(), Some("out of paper"));
        }
        other => panic!("{other:?}"),
    }
    match &history[4] {
        HistoryEntry::Shipment(s) => {
            assert_eq!(s.state, ShipAttemptState::Shipped);
            assert_eq!(s.request.as_ref().unwrap()["order_id"], BIG_ID);
            assert_eq!(s.waybills, wb);
        }
        other => panic!("{other:?}"),
    }
    assert!(j.order_history(OrderId(1)).await.unwrap().is_empty());

    // Batches: planned, partly done, abandoned.
    let batch = j
        .create_batch(
            &a,
            &NewBatch {
                print_type: PrintType::TwoPart,
                delivery_id: DeliveryId("SF".into()),
                biz_id: "SF_CASH".into(),
                items: vec![
                    NewBatchItem {
                        order_id: OrderId(11),
                        waybill_id: Some(WaybillId("SF11".into())),
                        add_request: None,
                    },
                    NewBatchItem {
                        order_id: OrderId(12),
                        waybill_id: None,
                        add_request: Some(serde_json::json!({"order_id": "12"})),
                    },
                    NewBatchItem {
                        order_id: OrderId(12),
                        waybill_id: None,
                        add_request: None,
                    },
                ],
            },
        )
        .await
        .unwrap();
    let items = j.batch_items(batch, false).await.unwrap();
    assert_eq!(items.len(), 2, "an order listed twice is kept once");
    assert_eq!(items[0].stage, ItemStage::Waybill);
    assert_eq!(items[1].stage, ItemStage::Pending);
    let l11 = label(11, "SF11");
    j.complete_items(&a, batch, &[(OrderId(11), &l11)])
        .await
        .unwrap();
    // Completing twice records nothing more.
    assert_eq!(
        j.complete_items(&a, batch, &[(OrderId(11), &l11)])
            .await
            .unwrap(),
        [None]
    );
    assert_eq!(j.label_count(OrderId(11)).await.unwrap(), 1);
    j.set_item_failed(batch, OrderId(12), ItemStage::Pending, Some(45011), "quota")
        .await
        .unwrap();
    let open = j.unfinished_batches().await.unwrap();
    assert_eq!(open.len(), 1);
    assert_eq!((open[0].done, open[0].failed, open[0].total), (1, 1, 2));
    assert!(!j.finish_batch_if_done(batch).await.unwrap());
    j.abandon_batch(batch).await.unwrap();
    assert!(j.unfinished_batches().await.unwrap().is_empty());
    assert_eq!(j.recent_batches(5).await.unwrap()[0].id, batch);
}

#[tokio::test]
async fn a_shipment_left_sending_by_a_dead_process_is_taken_over() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join(JOURNAL_FILE);
    let j = Journal::open(dir.path()).unwrap();
    let order = OrderId(77);
    let ShipClaim::Go { attempt_id } = j.claim_shipment(&actor(), order, &[]).await.unwrap() else {
        panic!()
    };
    // Pretend a process that no longer exists made that claim (the process was killed).
    let conn = rusqlite::Connection::open(&path).unwrap();
    conn.execute(
        "UPDATE shipments SET owner_pid = ?1 WHERE id = ?2",
        rusqlite::params![i64::from(u32::MAX), attempt_id],
    )
    .unwrap();
    let ShipClaim::Go { attempt_id: next } = j.claim_shipment(&actor(), order, &[]).await.unwrap()
    else {
        panic!("a dead claim does not block shipping forever")
    };
    assert_ne!(next, attempt_id);
    let states: Vec<ShipAttemptState> = j
        .shipments(order)
        .await
        .unwrap()
        .iter()
        .map(|s| s.state)
        .collect();
    assert_eq!(
        states,
        [ShipAttemptState::Interrupted, ShipAttemptState::Sending]
    );
}

#[tokio::test]
async fn a_sending_record_with_an_absurd_start_time_does_not_overflow() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join(JOURNAL_FILE);
    let j = Journal::open(dir.path()).unwrap();
    let order = OrderId(78);
    let ShipClaim::Go { attempt_id } = j.claim_shipment(&actor(), order, &[]).await.unwrap() else {
        panic!()
    };
    // Another station's attempt (its process cannot be checked) with a hand-edited start.
    let conn = rusqlite::Connection::open(&path).unwrap();
    conn.execute(
        "UPDATE shipments SET station = 'elsewhere', started_at_ms = ?1 WHERE id = ?2",
        rusqlite::params![i64::MIN, attempt_id],
    )
    .unwrap();
    assert!(matches!(
        j.claim_shipment(&actor(), order, &[]).await.unwrap(),
        ShipClaim::Go { .. }
    ));
}

#[test]
fn a_file_from_a_newer_version_or_another_program_is_refused_and_left_untouched() {
    let dir = tempfile::tempdir().unwrap();
    // Newer schema.
    let newer = dir.path().join("newer");
    Journal::open(&newer).unwrap();
    let path = newer.join(JOURNAL_FILE);
    rusqlite::Connection::open(&path)
        .unwrap()
        .pragma_update(None, "user_version", 99)
        .unwrap();
    let before = sha(&path);
    let err = Journal::open(&newer).unwrap_err();
    assert!(
        matches!(
            err,
            JournalError::TooNew {
                found: 99,
                known,
                ..
            } if (3..99).contains(&known)
        ),
        "{err:?}"
    );
    assert!(err.to_string().contains("Update waybill-desk"), "{err}");
    assert_eq!(sha(&path), before);

    // Not SQLite at all.
    let garbage = dir.path().join("garbage");
    std::fs::create_dir_all(&garbage).unwrap();
    let path = garbage.join(JOURNAL_FILE);
    let bytes: Vec<u8> = (0..8192u32).map(|i| (i * 7 % 251) as u8).collect();
    std::fs::write(&path, &bytes).unwrap();
    let err = Journal::open(&garbage).unwrap_err();
    assert!(matches!(err, JournalError::NotAJournal { .. }), "{err:?}");
    assert!(err.to_string().contains("Move it out of the way"), "{err}");
    assert_eq!(sha(&path), bytes);

    // Another program's SQLite database.
    let other = dir.path().join("other");
    std::fs::create_dir_all(&other).unwrap();
    let path = other.join(JOURNAL_FILE);
    rusqlite::Connection::open(&path)
        .unwrap()
        .execute_batch("CREATE TABLE notes (t TEXT); INSERT INTO notes VALUES ('mine');")
        .unwrap();
    let before = sha(&path);
    let err = Journal::open(&other).unwrap_err();
    assert!(matches!(err, JournalError::NotAJournal { .. }), "{err:?}");
    assert_eq!(sha(&path), before);
}

fn is_root() -> bool {
    std::fs::read_to_string("/proc/self/status")
        .unwrap_or_default()
        .lines()
        .any(|l| l.starts_with("Uid:") && l.split_whitespace().nth(1) == Some("0"))
}

/// Runs the binary as an unprivileged user (root ignores file permissions, so a read-only
/// directory only means something to someone else).
fn as_unprivileged(args: &[&str], data: &Path) -> Output {
    let mut cmd = if is_root() {
        let mut c = std::process::Command::new("setpriv");
        c.args(["--reuid=65534", "--regid=65534", "--clear-groups", BIN]);
        c
    } else {
        std::process::Command::new(BIN)
    };
    cmd.args(["--lang", "en"])
        .args(args)
        .env("WAYBILL_DESK_DATA_DIR", data)
        .env_remove("WAYBILL_DESK_APPSECRET")
        .output()
        .unwrap()
}

fn chmod(path: &Path, mode: u32) {
    use std::os::unix::fs::PermissionsExt as _;
    std::fs::set_permissions(path, std::fs::Permissions::from_mode(mode)).unwrap();
}

#[tokio::test]
async fn a_read_only_data_directory_is_a_clear_error_and_the_journal_is_not_touched() {
    let root = tempfile::tempdir().unwrap();
    // Others may enter the temporary directory; an empty read-only data directory in it
    // cannot hold anything new.
    chmod(root.path(), 0o755);
    let empty = root.path().join("empty");
    std::fs::create_dir(&empty).unwrap();
    chmod(&empty, 0o555);
    let out = as_unprivileged(&["batch", "status"], &empty);
    let err = String::from_utf8_lossy(&out.stderr);
    assert_eq!(out.status.code(), Some(1), "{err}");
    assert!(err.contains("read-only"), "{err}");
    assert!(
        std::fs::read_dir(&empty).unwrap().next().is_none(),
        "nothing created"
    );

    // A journal with history, then made read-only: refused before anything is written.
    let data = root.path().join("data");
    let j = Journal::open(&data).unwrap();
    j.record_label(&actor(), OrderId(BIG_ID), &label(BIG_ID, "SF300"))
        .await
        .unwrap();
    drop(j);
    let file = data.join(JOURNAL_FILE);
    let before = sha(&file);
    chmod(&file, 0o444);
    chmod(&data, 0o555);
    for args in [
        &["journal", "history", "3704612354559498753"][..],
        &["ship", "3704612354559498753", "--waybill", "SF:SF300"][..],
    ] {
        let out = as_unprivileged(args, &data);
        let err = String::from_utf8_lossy(&out.stderr);
        assert_eq!(out.status.code(), Some(1), "{args:?}: {err}");
        assert!(
            err.contains("cannot be written") && err.contains("read-only"),
            "{err}"
        );
        assert!(err.contains("nothing was changed"), "{err}");
    }
    assert_eq!(sha(&file), before, "the journal is byte for byte the same");
    chmod(&data, 0o755);
    chmod(&file, 0o644);
    let j = Journal::open(&data).unwrap();
    assert_eq!(
        j.latest_label(OrderId(BIG_ID))
            .await
            .unwrap()
            .unwrap()
            .waybill_id
            .0,
        "SF300"
    );
}

// Blocking child processes beside the in-process sandbox: it needs its own thread.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_full_disk_mid_batch_is_a_clear_error_loses_nothing_and_the_batch_resumes() {
    // 60 orders (about 50 to be shipped): their cached copies and the batch's record take
    // about half of the 400 KB below, so the disk fills among the labels, not before the batch
    // is recorded (with 120 orders the order cache alone reached the limit on some runs).
    let sb = common::sandbox(60).await;
    let dir = tempfile::tempdir().unwrap();
    let data = dir.path().join("data");
    std::fs::create_dir_all(&data).unwrap();
    std::fs::write(
        data.join("settings.json"),
        serde_json::json!({"delivery_id": "SF", "biz_id": "SF_CASH", "sender": common::sender()})
            .to_string(),
    )
    .unwrap();
    let run = |limit_kb: Option<u32>, args: &[&str]| {
        // `ulimit -f` caps the size of every file the process writes: the journal's WAL hits
        // it like a full disk. SIGXFSZ is ignored so the write fails with an error instead.
        let limit = limit_kb.map_or(String::new(), |kb| format!("ulimit -f {kb}; "));
        let mut cmd = std::process::Command::new("bash");
        cmd.args([
            "-c",
            &format!("trap '' XFSZ; {limit}exec \"$0\" \"$@\""),
            BIN,
            "--lang",
            "en",
            "--api-base",
            sb.url().as_str(),
            "--appid",
            DEMO_APPID,
        ])
        .args(args)
        .env("WAYBILL_DESK_APPSECRET", DEMO_SECRET)
        .env("WAYBILL_DESK_DATA_DIR", &data);
        cmd.output().unwrap()
    };
    let full = run(
        Some(400),
        &[
            "batch",
            "labels",
            "--limit",
            "40",
            "--print-type",
            "one",
            "--json",
        ],
    );
    let err = String::from_utf8_lossy(&full.stderr);
    assert_eq!(full.status.code(), Some(1), "{err}");
    assert!(
        err.contains("could not be written") || err.contains("is full"),
        "a clear message: {err}"
    );
    assert!(err.contains("nothing was lost"), "{err}");
    let printed = String::from_utf8_lossy(&full.stdout).lines().count();

    // The file is intact and what was recorded is still there.
    let conn = rusqlite::Connection::open(data.join(JOURNAL_FILE)).unwrap();
    let check: String = conn
        .query_row("PRAGMA integrity_check", [], |r| r.get(0))
        .unwrap();
    assert_eq!(check, "ok");
    drop(conn);
    let j = Journal::open(&data).unwrap();
    let batch = j.unfinished_batches().await.unwrap();
    assert_eq!(
        batch.len(),
        1,
        "the batch was recorded before the disk filled"
    );
    let done_before = batch[0].done;
    assert!(
        done_before < 40,
        "the disk filled mid-batch ({done_before} done)"
    );
    assert_eq!(
        done_before as usize, printed,
        "every label reported ok is in the journal"
    );
    drop(j);

    // Space again: the batch resumes and finishes, each order labelled once.
    let resumed = run(None, &["batch", "resume"]);
    assert!(
        resumed.status.success(),
        "{}",
        String::from_utf8_lossy(&resumed.stderr)
    );
    let j = Journal::open(&data).unwrap();
    let info = j.batch(batch[0].id).await.unwrap().unwrap();
    assert_eq!((info.done, info.total), (40, 40));
    for item in j.batch_items(info.id, false).await.unwrap() {
        assert_eq!(j.label_count(item.order_id).await.unwrap(), 1);
    }
    let events = sb.events();
    for item in j.batch_items(info.id, false).await.unwrap() {
        let id = item.order_id.to_string();
        assert_eq!(
            events.iter().filter(|e| e.order_id == id).count(),
            1,
            "{id}"
        );
    }
}

#[tokio::test]
async fn reprint_and_history_work_offline_from_the_cli() {
    let dir = tempfile::tempdir().unwrap();
    let data = dir.path().join("data");
    let j = Journal::open(&data).unwrap();
    j.record_label(&actor(), OrderId(BIG_ID), &label(BIG_ID, "SF400"))
        .await
        .unwrap();
    drop(j);
    // No credentials, no API base, and an unreachable proxy: nothing may try the network.
    let out = std::process::Command::new(BIN)
        .args([
            "--lang",
            "en",
            "journal",
            "label",
            "3704612354559498753",
            "--out",
        ])
        .arg(dir.path().join("reprint"))
        .env("WAYBILL_DESK_DATA_DIR", &data)
        .env("HTTPS_PROXY", "http://127.0.0.1:9")
        .env("HTTP_PROXY", "http://127.0.0.1:9")
        .env_remove("WAYBILL_DESK_APPSECRET")
        .env_remove("WAYBILL_DESK_APPID")
        .output()
        .unwrap();
    let (stdout, stderr) = (
        String::from_utf8_lossy(&out.stdout),
        String::from_utf8_lossy(&out.stderr),
    );
    assert!(out.status.success(), "{stderr}");
    assert!(
        !stderr.contains("Demo mode"),
        "no sandbox, no network: {stderr}"
    );
    assert!(stdout.contains("SF400"), "{stdout}");
    let html = std::fs::read_to_string(dir.path().join("reprint").join("3704612354559498753.html"))
        .unwrap();
    assert!(html.contains("收件人 3704612354559498753 SF400"));

    let history = std::process::Command::new(BIN)
        .args([
            "--lang",
            "en",
            "journal",
            "history",
            "3704612354559498753",
            "--json",
        ])
        .env("WAYBILL_DESK_DATA_DIR", &data)
        .output()
        .unwrap();
    let lines: Vec<serde_json::Value> = String::from_utf8_lossy(&history.stdout)
        .lines()
        .map(|l| serde_json::from_str(l).unwrap())
        .collect();
    assert_eq!(lines.len(), 1);
    assert_eq!(lines[0]["kind"], "label");
    assert_eq!(lines[0]["waybill_id"], "SF400");

    let missing = std::process::Command::new(BIN)
        .args(["--lang", "en", "journal", "label", "42", "--out"])
        .arg(dir.path().join("reprint"))
        .env("WAYBILL_DESK_DATA_DIR", &data)
        .output()
        .unwrap();
    assert_eq!(missing.status.code(), Some(1));
    assert!(String::from_utf8_lossy(&missing.stderr).contains("no label for order 42"));
}

// Blocking child processes beside the in-process sandbox: it needs its own thread.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_cli_records_labels_and_ship_attempts_in_the_journal() {
    let rig = faults_support::rig(2).await;
    let client = common::client(&rig.sb);
    let ids: Vec<u64> = rig.orders.iter().map(|o| o.id.0).collect();
    let made = common::waybills_for(&client, &ids, "SF").await;
    let data = rig.dir.path();
    let cli = |args: &[&str]| {
        std::process::Command::new(BIN)
            .args([
                "--lang",
                "en",
                "--api-base",
                rig.sb.url().as_str(),
                "--appid",
                DEMO_APPID,
            ])
            .args(args)
            .env("WAYBILL_DESK_APPSECRET", DEMO_SECRET)
            .env("WAYBILL_DESK_DATA_DIR", data)
            .env("WAYBILL_DESK_STATION", "cli-station")
            .env("WAYBILL_DESK_OPERATOR", "李雷")
            .output()
            .unwrap()
    };
    let order = format!("{}:SF:{}", ids[0], made[0].1.waybill_id);
    let out_dir = rig.dir.path().join("labels");
    let out = std::process::Command::new(BIN)
        .args([
            "--lang",
            "en",
            "--api-base",
            rig.sb.url().as_str(),
            "--appid",
            DEMO_APPID,
        ])
        .args(["labels", &order, "--json", "--out"])
        .arg(&out_dir)
        .env("WAYBILL_DESK_APPSECRET", DEMO_SECRET)
        .env("WAYBILL_DESK_DATA_DIR", data)
        .env("WAYBILL_DESK_STATION", "cli-station")
        .env("WAYBILL_DESK_OPERATOR", "李雷")
        .output()
        .unwrap();
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let line: serde_json::Value =
        serde_json::from_str(String::from_utf8_lossy(&out.stdout).trim()).unwrap();
    let label_id = line["label_id"].as_i64().unwrap();
    let j = Journal::open(data).unwrap();
    let stored = j.label(label_id).await.unwrap().unwrap();
    assert_eq!(stored.order_id, OrderId(ids[0]));
    assert_eq!(
        (stored.station.as_str(), stored.operator.as_str()),
        ("cli-station", "李雷")
    );
    // Without the environment overrides, the station and operator come from settings.
    std::fs::write(
        data.join("settings.json"),
        serde_json::json!({"station": "二号打包台", "operator": "韩梅梅"}).to_string(),
    )
    .unwrap();
    let out = std::process::Command::new(BIN)
        .args([
            "--lang",
            "en",
            "--api-base",
            rig.sb.url().as_str(),
            "--appid",
            DEMO_APPID,
        ])
        .args(["labels", &order, "--json", "--out"])
        .arg(&out_dir)
        .env("WAYBILL_DESK_APPSECRET", DEMO_SECRET)
        .env("WAYBILL_DESK_DATA_DIR", data)
        .env_remove("WAYBILL_DESK_STATION")
        .env_remove("WAYBILL_DESK_OPERATOR")
        .output()
        .unwrap();
    assert!(out.status.success());
    let latest = j.latest_label(OrderId(ids[0])).await.unwrap().unwrap();
    assert_eq!(
        (latest.station.as_str(), latest.operator.as_str()),
        ("二号打包台", "韩梅梅")
    );
    assert_eq!(
        j.label_count(OrderId(ids[0])).await.unwrap(),
        2,
        "each fetch is recorded"
    );

    let waybill = format!("SF:{}", made[0].1.waybill_id);
    let id = ids[0].to_string();
    let first = cli(&["ship", &id, "--waybill", &waybill, "--json"]);
    assert!(first.status.success());
    let second = cli(&["ship", &id, "--waybill", &waybill, "--json"]);
    let v: serde_json::Value =
        serde_json::from_str(String::from_utf8_lossy(&second.stdout).trim()).unwrap();
    assert_eq!(v["outcome"], "already_shipped");
    assert_eq!(v["from_journal"], true);
    assert_eq!(rig.sb.stats().calls_to(faults_support::SEND), 1);
    let attempts = j.shipments(OrderId(ids[0])).await.unwrap();
    assert_eq!(attempts.len(), 1);
    assert_eq!(attempts[0].state, ShipAttemptState::Shipped);
    assert_eq!(attempts[0].operator, "李雷");
}

#[tokio::test]
async fn two_ship_processes_at_once_send_once() {
    let rig = faults_support::rig(1).await;
    let client = common::client(&rig.sb);
    let made = common::waybills_for(&client, &[rig.orders[0].id.0], "SF").await;
    // Slow answers so that both processes are in flight together.
    rig.sb.update_faults(|f| f.latency_ms = 200);
    let id = rig.orders[0].id.to_string();
    let waybill = format!("SF:{}", made[0].1.waybill_id);
    let spawn = || {
        tokio::process::Command::new(BIN)
            .args([
                "--lang",
                "en",
                "--api-base",
                rig.sb.url().as_str(),
                "--appid",
                DEMO_APPID,
            ])
            .args(["ship", &id, "--waybill", &waybill])
            .env("WAYBILL_DESK_APPSECRET", DEMO_SECRET)
            .env("WAYBILL_DESK_DATA_DIR", rig.dir.path())
            .output()
    };
    let (a, b) = tokio::join!(spawn(), spawn());
    let (a, b) = (a.unwrap(), b.unwrap());
    let texts = [
        String::from_utf8_lossy(&a.stdout).into_owned() + &String::from_utf8_lossy(&a.stderr),
        String::from_utf8_lossy(&b.stdout).into_owned() + &String::from_utf8_lossy(&b.stderr),
    ];
    assert_eq!(
        rig.sb.stats().calls_to(faults_support::SEND),
        1,
        "{texts:?}"
    );
    assert!(
        texts
            .iter()
            .any(|t| t.contains("ok    ") && t.contains("shipped")),
        "{texts:?}"
    );
    // The other one either waited its turn and found it shipped, or was told it is in flight.
    assert!(
        texts
            .iter()
            .any(|t| t.contains("already shipped") || t.contains("being shipped right now")),
        "{texts:?}"
    );
    assert_eq!(rig.sb.order_status(rig.orders[0].id.0), Some(30));
}

/// A stand-in between the CLI and the sandbox that lies about one label: the first order in
/// the first label answer (getOrder or batchGetOrder) gets a page of `html_bytes`.
struct LabelLiar {
    url: url::Url,
    victim: std::sync::Arc<std::sync::Mutex<Option<String>>>,
    _task: tokio::task::JoinHandle<()>,
}

/// Where the liar forwards to, its client, the order it lies about, and the page it sends.
type LiarState = (
    url::Url,
    reqwest::Client,
    std::sync::Arc<std::sync::Mutex<Option<String>>>,
    std::sync::Arc<String>,
);

async fn label_liar(upstream: url::Url, html_bytes: usize) -> LabelLiar {
    use axum::body::Bytes;
    use axum::http::{Method, Uri};
    use std::sync::{Arc, Mutex};

    let victim: Arc<Mutex<Option<String>>> = Arc::default();
    let page = {
        let head = "<!DOCTYPE html><html><head><style>@page{size:100mm 180mm}</style></head><body>";
        let tail = "</body></html>";
        let filler = "收件人王芳".repeat((html_bytes - head.len() - tail.len()) / 15 + 1);
        let mut html = format!("{head}{filler}{tail}");
        while html.len() > html_bytes {
            html.remove(head.len());
        }
        Arc::new(waybill_desk::wechat::label::encode_print_html(&html))
    };
    let http = reqwest::Client::new();
    let state = (upstream, http, victim.clone(), page);
    let app = axum::Router::new()
        .fallback(
            |axum::extract::State((upstream, http, victim, page)): axum::extract::State<
                LiarState,
            >,
             method: Method,
             uri: Uri,
             body: Bytes| async move {
                let target = upstream
                    .join(uri.path_and_query().map_or("/", |p| p.as_str()))
                    .unwrap();
                let answer = http
                    .request(
                        reqwest::Method::from_bytes(method.as_str().as_bytes()).unwrap(),
                        target,
                    )
                    .header("content-type", "application/json")
                    .body(body.to_vec())
                    .send()
                    .await
                    .unwrap();
                let status = answer.status().as_u16();
                let bytes = answer.bytes().await.unwrap();
                let is_label = uri.path().ends_with("/business/order/get")
                    || uri.path().ends_with("/business/order/batchget");
                let Ok(mut v) = serde_json::from_slice::<serde_json::Value>(&bytes) else {
                    return (
                        axum::http::StatusCode::from_u16(status).unwrap(),
                        bytes.to_vec(),
                    );
                };
                if is_label {
                    let items: Vec<&mut serde_json::Value> = match v.get_mut("order_list") {
                        Some(serde_json::Value::Array(list)) => list.iter_mut().collect(),
                        _ => vec![&mut v],
                    };
                    for item in items {
                        let Some(order) = item.get("order_id").and_then(|o| o.as_str()) else {
                            continue;
                        };
                        let mut chosen = victim.lock().unwrap();
                        let is_victim = chosen.get_or_insert_with(|| order.to_string()) == order;
                        if is_victim && item.get("print_html").is_some() {
                            item["print_html"] = serde_json::Value::String(page.as_str().into());
                        }
                    }
                }
                (
                    axum::http::StatusCode::from_u16(status).unwrap(),
                    serde_json::to_vec(&v).unwrap(),
                )
            },
        )
        .with_state(state);
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let url = url::Url::parse(&format!("http://{}/", listener.local_addr().unwrap())).unwrap();
    let task = tokio::spawn(async move {
        axum::serve(listener, app).await.unwrap();
    });
    LabelLiar {
        url,
        victim,
        _task: task,
    }
}

/// Bytes the journal takes on disk (the database and its write-ahead log).
fn journal_bytes(data: &Path) -> u64 {
    ["", "-wal"]
        .iter()
        .map(|suffix| {
            std::fs::metadata(data.join(format!("{JOURNAL_FILE}{suffix}"))).map_or(0, |m| m.len())
        })
        .sum()
}

fn integrity(path: &Path) -> String {
    rusqlite::Connection::open(path)
        .unwrap()
        .query_row("PRAGMA integrity_check", [], |r| r.get(0))
        .unwrap()
}

/// Runs `batch labels` through the liar and returns the JSON lines, the exit code and stderr.
async fn batch_through(
    liar: &LabelLiar,
    data: &Path,
    args: &[&str],
) -> (Vec<serde_json::Value>, Option<i32>, String) {
    let out = tokio::process::Command::new(BIN)
        .args([
            "--lang",
            "en",
            "--api-base",
            liar.url.as_str(),
            "--appid",
            DEMO_APPID,
        ])
        .args(args)
        .env("WAYBILL_DESK_APPSECRET", DEMO_SECRET)
        .env("WAYBILL_DESK_DATA_DIR", data)
        .output()
        .await
        .unwrap();
    let lines = String::from_utf8_lossy(&out.stdout)
        .lines()
        .map(|l| serde_json::from_str(l).unwrap())
        .collect();
    (
        lines,
        out.status.code(),
        String::from_utf8_lossy(&out.stderr).into_owned(),
    )
}

fn settings_for_batches(data: &Path) {
    std::fs::create_dir_all(data).unwrap();
    std::fs::write(
        data.join("settings.json"),
        serde_json::json!({"delivery_id": "SF", "biz_id": "SF_CASH", "sender": common::sender()})
            .to_string(),
    )
    .unwrap();
}

// The CLI runs as a child process beside the in-process sandbox and stand-in.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn an_oversized_label_is_refused_with_advice_and_never_stored() {
    let sb = common::sandbox(40).await;
    // 3 MB: over the 2 MB label limit, small enough that the HTTP body cap lets it through
    // to the label decoder.
    let liar = label_liar(sb.url().clone(), 3 * 1024 * 1024).await;
    let dir = tempfile::tempdir().unwrap();
    let data = dir.path().join("data");
    settings_for_batches(&data);

    let (lines, code, stderr) =
        batch_through(&liar, &data, &["batch", "labels", "--limit", "5", "--json"]).await;
    assert_eq!(code, Some(1), "{stderr}");
    assert_eq!(lines.len(), 5, "one line per order: {lines:?}\n{stderr}");
    let victim = liar.victim.lock().unwrap().clone().unwrap();
    let failed: Vec<&serde_json::Value> = lines.iter().filter(|l| l["ok"] == false).collect();
    assert_eq!(failed.len(), 1, "{lines:?}");
    assert_eq!(failed[0]["order_id"], victim.as_str());
    let error = failed[0]["error"].as_str().unwrap();
    assert!(
        error.contains("label page of 3.0 MB") && error.contains("labels are under 2 MB"),
        "{error}"
    );
    assert!(
        error.contains("Fetch the label again") && error.contains("courier"),
        "advice that fits: {error}"
    );
    assert!(!stderr.contains("panicked"), "{stderr}");

    // Four small labels: the journal holds kilobytes, not the page.
    let size = journal_bytes(&data);
    assert!(size < 1024 * 1024, "journal is {size} bytes");
    assert_eq!(integrity(&data.join(JOURNAL_FILE)), "ok");
    let j = Journal::open(&data).unwrap();
    let victim_id = OrderId(victim.parse().unwrap());
    assert_eq!(j.label_count(victim_id).await.unwrap(), 0);
    let batch = &j.unfinished_batches().await.unwrap()[0];
    let item = j
        .batch_items(batch.id, true)
        .await
        .unwrap()
        .into_iter()
        .find(|i| i.order_id == victim_id)
        .unwrap();
    assert_ne!(item.stage, ItemStage::Done);
    assert!(
        item.error.as_deref().unwrap_or_default().contains("3.0 MB"),
        "{item:?}"
    );
    drop(j);

    // Chinese, through the one-label path (getOrder): the same refusal, nothing stored.
    let waybill = item.waybill_id.clone().unwrap();
    let out = tokio::process::Command::new(BIN)
        .args([
            "--lang",
            "zh-cn",
            "--api-base",
            liar.url.as_str(),
            "--appid",
            DEMO_APPID,
        ])
        .args([
            "labels",
            &format!("{victim}:SF:{}", waybill.0),
            "--print-type",
            "one",
        ])
        .arg("--out")
        .arg(dir.path().join("out"))
        .env("WAYBILL_DESK_APPSECRET", DEMO_SECRET)
        .env("WAYBILL_DESK_DATA_DIR", &data)
        .output()
        .await
        .unwrap();
    let text =
        String::from_utf8_lossy(&out.stdout).into_owned() + &String::from_utf8_lossy(&out.stderr);
    assert_eq!(out.status.code(), Some(1), "{text}");
    assert!(
        text.contains("3.0 MB") && text.contains("重新获取面单"),
        "{text}"
    );
    assert!(!dir
        .path()
        .join("out")
        .join(format!("{victim}.html"))
        .exists());
    assert_eq!(
        Journal::open(&data)
            .unwrap()
            .label_count(victim_id)
            .await
            .unwrap(),
        0
    );
    assert!(journal_bytes(&data) < 1024 * 1024);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_50_mb_label_fails_its_order_and_leaves_the_journal_small_and_sound() {
    let sb = common::sandbox(40).await;
    let liar = label_liar(sb.url().clone(), 50 * 1024 * 1024).await;
    let dir = tempfile::tempdir().unwrap();
    let data = dir.path().join("data");
    settings_for_batches(&data);

    let (lines, code, stderr) =
        batch_through(&liar, &data, &["batch", "labels", "--limit", "3", "--json"]).await;
    assert_eq!(code, Some(1), "{stderr}");
    assert!(!stderr.contains("panicked"), "{stderr}");
    let victim = liar.victim.lock().unwrap().clone().unwrap();
    let failed: Vec<&serde_json::Value> = lines.iter().filter(|l| l["ok"] == false).collect();
    assert!(
        failed.iter().any(|l| l["order_id"] == victim.as_str()),
        "{lines:?}\n{stderr}"
    );
    // Caught by the client's cap on the answer's size (the whole batchget answer is
    // refused) before the label decoder's: either way, each failed order names a size.
    for line in &failed {
        assert!(
            line["error"].as_str().is_some_and(|e| e.contains("MB")),
            "the size is named: {line}"
        );
    }
    let size = journal_bytes(&data);
    assert!(
        size < 1024 * 1024,
        "journal is {size} bytes after a 50 MB label"
    );
    assert_eq!(integrity(&data.join(JOURNAL_FILE)), "ok");
    let j = Journal::open(&data).unwrap();
    assert_eq!(
        j.label_count(OrderId(victim.parse().unwrap()))
            .await
            .unwrap(),
        0
    );
}

async fn the_journal_refuses_to_store_a_label_page_over_the_limit(j: Journal) {
    let mut big = label(BIG_ID, "SF1");
    big.html = format!(
        "<html>{}</html>",
        "x".repeat(waybill_desk::wechat::label::MAX_LABEL_HTML_BYTES)
    );
    let err = j
        .record_label(&actor(), OrderId(BIG_ID), &big)
        .await
        .unwrap_err();
    assert!(matches!(err, JournalError::LabelTooLarge { .. }), "{err:?}");
    assert!(err.to_string().contains("Fetch the label again"), "{err}");
    let batch = j
        .create_batch(
            &actor(),
            &NewBatch {
                print_type: PrintType::TwoPart,
                delivery_id: DeliveryId("SF".into()),
                biz_id: "SF_CASH".into(),
                items: vec![NewBatchItem {
                    order_id: OrderId(BIG_ID),
                    waybill_id: Some(WaybillId("SF1".into())),
                    add_request: None,
                }],
            },
        )
        .await
        .unwrap();
    let small = label(BIG_ID + 1, "SF2");
    assert!(j
        .complete_items(
            &actor(),
            batch,
            &[(OrderId(BIG_ID + 1), &small), (OrderId(BIG_ID), &big)]
        )
        .await
        .is_err());
    assert_eq!(j.label_count(OrderId(BIG_ID)).await.unwrap(), 0);
    assert_eq!(
        j.label_count(OrderId(BIG_ID + 1)).await.unwrap(),
        0,
        "all or nothing"
    );
}

/// Overwrites the middle fifth of a file's pages with pseudo-random bytes, as a failing disk
/// or a torn copy would.
fn corrupt_middle_pages(path: &Path) {
    let mut bytes = std::fs::read(path).unwrap();
    let page = usize::from(u16::from_be_bytes([bytes[16], bytes[17]]));
    let pages = bytes.len() / page;
    assert!(pages > 50, "a journal big enough to damage: {pages} pages");
    let mut seed: u32 = 0x2545_f491;
    for p in pages * 2 / 5..pages * 3 / 5 {
        for b in &mut bytes[p * page..(p + 1) * page] {
            seed = seed.wrapping_mul(1_664_525).wrapping_add(1_013_904_223);
            *b = (seed >> 24) as u8;
        }
    }
    std::fs::write(path, bytes).unwrap();
}

fn journal_cli(data: &Path, lang: &str, args: &[&str]) -> Output {
    std::process::Command::new(BIN)
        .args(["--lang", lang])
        .args(args)
        .env("WAYBILL_DESK_DATA_DIR", data)
        .env_remove("WAYBILL_DESK_LOG")
        .output()
        .unwrap()
}

#[tokio::test]
async fn a_damaged_journal_is_reported_once_with_its_path_and_what_to_do() {
    let dir = tempfile::tempdir().unwrap();
    let data = dir.path().join("data");
    let j = Journal::open(&data).unwrap();
    for i in 0..300 {
        let mut l = label(BIG_ID + i, &format!("SF{i}"));
        l.html = format!(
            "<html><body>{}</body></html>",
            format!("收件人 {i} ").repeat(500)
        );
        j.record_label(&actor(), OrderId(BIG_ID + i), &l)
            .await
            .unwrap();
    }
    drop(j);
    let path = data.join(JOURNAL_FILE);
    corrupt_middle_pages(&path);
    let before = sha(&path);
    let middle = (BIG_ID + 150).to_string();
    let out_dir = dir.path().join("out");
    let out_arg = out_dir.to_str().unwrap();
    let mut advice = String::new();
    for args in [
        vec!["journal", "history", middle.as_str()],
        vec!["journal", "label", middle.as_str(), "--out", out_arg],
        vec!["journal", "check"],
    ] {
        let out = journal_cli(&data, "en", &args);
        let stderr = String::from_utf8_lossy(&out.stderr);
        assert_eq!(out.status.code(), Some(1), "{args:?}: {stderr}");
        assert!(!stderr.contains("panicked"), "{stderr}");
        assert_eq!(
            stderr.matches("is damaged").count(),
            1,
            "said once: {stderr}"
        );
        assert!(stderr.matches("malformed").count() <= 1, "{stderr}");
        assert_eq!(stderr.trim().lines().count(), 1, "one message: {stderr}");
        assert!(
            stderr.contains(&format!("the journal {} is damaged", path.display())),
            "{stderr}"
        );
        assert!(stderr.contains("will not write to it"), "{stderr}");
        assert!(
            stderr.contains("move it away with its -wal and -shm files")
                && stderr.contains("starts a new, empty journal"),
            "{stderr}"
        );
        assert!(
            stderr.contains(&format!(
                "`waybill-desk journal salvage '{}'`",
                data.join("damaged").join(JOURNAL_FILE).display()
            )),
            "{stderr}"
        );
        assert!(stderr.contains("restore a backup"), "{stderr}");
        advice = stderr.into_owned();
    }
    assert!(!out_dir.join(format!("{middle}.html")).exists());

    let zh = journal_cli(&data, "zh-cn", &["journal", "check"]);
    let stderr = String::from_utf8_lossy(&zh.stderr);
    assert_eq!(zh.status.code(), Some(1));
    assert_eq!(stderr.matches("已损坏").count(), 1, "{stderr}");
    assert!(
        stderr.contains(&path.display().to_string()) && stderr.contains("一起移走"),
        "{stderr}"
    );
    assert_eq!(sha(&path), before, "the damaged file was not written to");

    // Moved aside with the very command the message gives: the app starts a new journal.
    let mv = advice.split('`').nth(1).unwrap();
    assert!(mv.starts_with("mkdir -p "), "{advice}");
    let moved = std::process::Command::new("bash")
        .args(["-c", mv])
        .status()
        .unwrap();
    assert!(moved.success(), "{mv}");
    let aside = data.join("damaged").join(JOURNAL_FILE);
    assert_eq!(sha(&aside), before);
    assert!(!path.exists());
    let fresh = journal_cli(&data, "en", &["journal", "history", &middle]);
    assert_eq!(
        fresh.status.code(),
        Some(0),
        "{}",
        String::from_utf8_lossy(&fresh.stderr)
    );
    let ok = journal_cli(&data, "en", &["journal", "check"]);
    assert_eq!(ok.status.code(), Some(0));
    assert!(String::from_utf8_lossy(&ok.stdout).contains("is sound"));

    // Salvage: what can be read comes over, ids and all; the damaged file is only read.
    let salvage = journal_cli(
        &data,
        "en",
        &["journal", "salvage", aside.to_str().unwrap(), "--json"],
    );
    let stderr = String::from_utf8_lossy(&salvage.stderr);
    assert_eq!(salvage.status.code(), Some(0), "{stderr}");
    assert!(!stderr.contains("panicked"), "{stderr}");
    let report: serde_json::Value =
        serde_json::from_str(String::from_utf8_lossy(&salvage.stdout).trim()).unwrap();
    let labels = report["tables"]
        .as_array()
        .unwrap()
        .iter()
        .find(|t| t["table"] == "labels")
        .unwrap();
    let copied = labels["copied"].as_u64().unwrap();
    let unreadable = labels["unreadable"].as_u64().unwrap();
    assert!(
        (150..300).contains(&copied) && unreadable > 0,
        "most labels are outside the damaged pages: {labels}"
    );
    assert!(copied + unreadable >= 300, "{labels}");
    assert_eq!(sha(&aside), before, "the damaged file was only read");
    assert_eq!(integrity(&path), "ok");
    let j = Journal::open(&data).unwrap();
    let first = j.latest_label(OrderId(BIG_ID)).await.unwrap().unwrap();
    assert_eq!(first.waybill_id.0, "SF0");
    assert!(first.html.contains("收件人 0 "));
    let last = j
        .latest_label(OrderId(BIG_ID + 299))
        .await
        .unwrap()
        .unwrap();
    assert_eq!(last.waybill_id.0, "SF299", "rows past the damage are found");
    let mut total = 0u64;
    for i in 0..300 {
        total += j.label_count(OrderId(BIG_ID + i)).await.unwrap();
    }
    assert_eq!(total, copied);
    drop(j);

    // A second salvage into the now non-empty journal is refused, and changes nothing.
    let again = journal_cli(
        &data,
        "en",
        &["journal", "salvage", aside.to_str().unwrap()],
    );
    assert_eq!(again.status.code(), Some(1));
    assert!(
        String::from_utf8_lossy(&again.stderr).contains("already has records"),
        "{}",
        String::from_utf8_lossy(&again.stderr)
    );
    assert_eq!(
        Journal::open(&data)
            .unwrap()
            .label_count(OrderId(BIG_ID))
            .await
            .unwrap(),
        1
    );
}

#[tokio::test]
async fn a_journal_whose_first_page_is_damaged_is_not_mistaken_for_another_program_file() {
    let dir = tempfile::tempdir().unwrap();
    let j = Journal::open(dir.path()).unwrap();
    j.record_label(&actor(), OrderId(BIG_ID), &label(BIG_ID, "SF1"))
        .await
        .unwrap();
    drop(j);
    let path = dir.path().join(JOURNAL_FILE);
    let mut bytes = std::fs::read(&path).unwrap();
    // Keep SQLite's magic string, break the rest of the header (page size, counters).
    for b in &mut bytes[16..100] {
        *b = 0xEE;
    }
    std::fs::write(&path, &bytes).unwrap();
    let err = Journal::open(dir.path()).unwrap_err();
    assert!(err.is_damaged(), "{err:?}");
    assert!(err.to_string().contains("move it away"), "{err}");
    assert_eq!(sha(&path), bytes);
}

#[tokio::test]
async fn a_log_left_behind_without_its_journal_is_not_taken_into_a_new_one() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join(JOURNAL_FILE);
    drop(Journal::open(dir.path()).unwrap());
    // A writer that died (kill -9) leaves its committed records in the -wal file only.
    let conn = rusqlite::Connection::open(&path).unwrap();
    conn.pragma_update(None, "journal_mode", "WAL").unwrap();
    conn.pragma_update(None, "wal_autocheckpoint", 0).unwrap();
    let j = Journal::open(dir.path()).unwrap();
    j.record_label(&actor(), OrderId(BIG_ID), &label(BIG_ID, "SFOLD"))
        .await
        .unwrap();
    let wal = dir.path().join(format!("{JOURNAL_FILE}-wal"));
    assert!(std::fs::metadata(&wal).unwrap().len() > 0);
    // Someone moves the journal away but not its log, while the log is still there.
    let aside = dir.path().join("moved.sqlite3");
    std::fs::copy(&path, &aside).unwrap();
    std::fs::copy(&wal, dir.path().join("kept-wal")).unwrap();
    drop(j);
    drop(conn);
    std::fs::remove_file(&path).unwrap();
    std::fs::copy(dir.path().join("kept-wal"), &wal).unwrap();

    let fresh = Journal::open(dir.path()).unwrap();
    assert_eq!(fresh.label_count(OrderId(BIG_ID)).await.unwrap(), 0);
    assert_eq!(integrity(&path), "ok");
    assert!(dir
        .path()
        .join(format!("{JOURNAL_FILE}-wal.orphaned"))
        .exists());
}

#[tokio::test]
async fn once_found_damaged_the_journal_is_not_written_to_again() {
    let dir = tempfile::tempdir().unwrap();
    let j = Journal::open(dir.path()).unwrap();
    for i in 0..300 {
        let mut l = label(BIG_ID + i, &format!("SF{i}"));
        l.html = format!(
            "<html><body>{}</body></html>",
            format!("收件人 {i} ").repeat(500)
        );
        j.record_label(&actor(), OrderId(BIG_ID + i), &l)
            .await
            .unwrap();
    }
    drop(j);
    let path = dir.path().join(JOURNAL_FILE);
    corrupt_middle_pages(&path);
    let before = sha(&path);
    let j = Journal::open(dir.path()).unwrap();
    assert!(!j.is_damaged());
    let err = j.latest_label(OrderId(BIG_ID + 150)).await.unwrap_err();
    assert!(err.is_damaged(), "{err:?}");
    assert!(j.is_damaged());
    // Even a write that would land on sound pages is refused, and a clone knows too.
    let err = j
        .clone()
        .record_label(&actor(), OrderId(1), &label(1, "SFNEW"))
        .await
        .unwrap_err();
    assert!(err.is_damaged(), "{err:?}");
    assert!(err
        .explain(waybill_desk::wechat::Lang::ZhCn)
        .contains("已损坏"));
    drop(j);
    assert_eq!(sha(&path), before);
}

#[tokio::test]
async fn salvage_reads_what_only_the_moved_write_ahead_log_holds() {
    let dir = tempfile::tempdir().unwrap();
    let data = dir.path().join("data");
    let j = Journal::open(&data).unwrap();
    let conn = rusqlite::Connection::open(data.join(JOURNAL_FILE)).unwrap();
    conn.pragma_update(None, "wal_autocheckpoint", 0).unwrap();
    for i in 0..5 {
        j.record_label(
            &actor(),
            OrderId(BIG_ID + i),
            &label(BIG_ID + i, &format!("SF{i}")),
        )
        .await
        .unwrap();
    }
    // As after kill -9: the connections are never closed, the records sit in the -wal file.
    std::mem::forget(j);
    std::mem::forget(conn);
    let wal = data.join(format!("{JOURNAL_FILE}-wal"));
    assert!(std::fs::metadata(&wal).unwrap().len() > 0);
    let aside = dir.path().join("damaged");
    std::fs::create_dir_all(&aside).unwrap();
    for suffix in ["", "-wal", "-shm"] {
        let name = format!("{JOURNAL_FILE}{suffix}");
        std::fs::copy(data.join(&name), aside.join(&name)).unwrap();
    }
    let fresh = dir.path().join("fresh");
    let out = journal_cli(
        &fresh,
        "en",
        &[
            "journal",
            "salvage",
            aside.join(JOURNAL_FILE).to_str().unwrap(),
        ],
    );
    assert_eq!(
        out.status.code(),
        Some(0),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let j = Journal::open(&fresh).unwrap();
    for i in 0..5 {
        assert_eq!(
            j.label_count(OrderId(BIG_ID + i)).await.unwrap(),
            1,
            "label {i}"
        );
    }
}

// ---------------------------------------------------------------------------------------------
// One suite, two engines.

/// A journal on one engine for one test: SQLite in a directory of its own, or PostgreSQL in a
/// schema of its own on the test server.
struct Fixture {
    journal: Journal,
    _dir: Option<tempfile::TempDir>,
}

/// The test server's URL, or `None` when the PostgreSQL cases are to be skipped
/// (`WAYBILL_DESK_SKIP_PG=1`). Without either, the test fails: a PostgreSQL case never passes
/// by doing nothing.
fn pg_url() -> Option<String> {
    match std::env::var("WAYBILL_DESK_TEST_PG_URL") {
        Ok(url) if !url.trim().is_empty() => Some(url),
        _ if std::env::var("WAYBILL_DESK_SKIP_PG").as_deref() == Ok("1") => {
            eprintln!("WAYBILL_DESK_SKIP_PG=1: PostgreSQL case skipped");
            None
        }
        _ => panic!(
            "WAYBILL_DESK_TEST_PG_URL is not set: run under scripts/test-env/with-services.sh (it starts a private PostgreSQL), or set WAYBILL_DESK_SKIP_PG=1 to skip the PostgreSQL cases"
        ),
    }
}

/// A schema name no other test uses.
fn fresh_schema() -> String {
    static NEXT: std::sync::atomic::AtomicU32 = std::sync::atomic::AtomicU32::new(0);
    let n = NEXT.fetch_add(1, std::sync::atomic::Ordering::Relaxed);
    let nanos = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .unwrap()
        .subsec_nanos();
    format!("wbtest_{}_{n}_{nanos}", std::process::id())
}

/// `url` with its search path set to `schema` (where the journal then lives).
fn in_schema(url: &str, schema: &str) -> String {
    let sep = if url.contains('?') { '&' } else { '?' };
    format!("{url}{sep}options=-csearch_path%3D{schema}")
}

impl Fixture {
    fn sqlite() -> Fixture {
        let dir = tempfile::tempdir().unwrap();
        let journal = Journal::open(dir.path()).unwrap();
        Fixture {
            journal,
            _dir: Some(dir),
        }
    }

    async fn postgres() -> Option<Fixture> {
        let url = in_schema(&pg_url()?, &fresh_schema());
        let journal = Journal::connect(&JournalLocation::Postgres(url))
            .await
            .unwrap();
        Some(Fixture {
            journal,
            _dir: None,
        })
    }
}

/// Each case `async fn NAME(j: Journal)` becomes `sqlite::NAME` and `postgres::NAME`.
macro_rules! engines {
    ($($case:ident),* $(,)?) => {
        mod sqlite {
            $(
                #[tokio::test]
                async fn $case() {
                    let f = super::Fixture::sqlite();
                    super::$case(f.journal.clone()).await;
                }
            )*
        }
        mod postgres {
            $(
                #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
                async fn $case() {
                    let Some(f) = super::Fixture::postgres().await else { return };
                    super::$case(f.journal.clone()).await;
                }
            )*
        }
    };
}

engines!(
    history_shipped_latest_label_and_unfinished_batches,
    the_journal_refuses_to_store_a_label_page_over_the_limit,
    cancels_parcels_and_skips_round_trip,
    the_order_cache_keeps_the_newest_and_its_sync_marks,
    two_stations_claiming_one_shipment_at_once_get_one_go,
    a_stale_attempt_of_another_station_is_superseded_only_when_stale,
);

async fn cancels_parcels_and_skips_round_trip(j: Journal) {
    use waybill_desk::store::waybills::{CancelSource, SkippedOrder};
    use waybill_desk::wechat::order::{NoCourier, ParcelItem};
    let (d, w) = (DeliveryId("SF".into()), WaybillId("SF1".into()));
    assert!(!j.is_waybill_cancelled(&d, &w).await.unwrap());
    j.record_label(&actor(), OrderId(7), &label(7, "SF1"))
        .await
        .unwrap();
    assert_eq!(
        j.usable_waybill(OrderId(7), &d).await.unwrap(),
        Some(w.clone())
    );
    j.record_waybill_cancel(&actor(), OrderId(7), &d, &w, CancelSource::Cancelled)
        .await
        .unwrap();
    j.record_waybill_cancel(&actor(), OrderId(7), &d, &w, CancelSource::SeenCancelled)
        .await
        .unwrap();
    assert!(j.is_waybill_cancelled(&d, &w).await.unwrap());
    // Many at once (a chunk of labels): by courier and number, in the order asked.
    let other = DeliveryId("ZTO".into());
    let asked = vec![
        (d.clone(), WaybillId("SF2".into())),
        (d.clone(), w.clone()),
        (other, w.clone()),
    ];
    assert_eq!(
        j.are_waybills_cancelled(asked).await.unwrap(),
        vec![false, true, false]
    );
    assert!(j
        .are_waybills_cancelled(Vec::new())
        .await
        .unwrap()
        .is_empty());
    assert!(j.is_waybill_number_cancelled(&w).await.unwrap());
    assert!(!j
        .is_waybill_number_cancelled(&WaybillId("SF2".into()))
        .await
        .unwrap());
    let list = j.cancelled_waybills(OrderId(7)).await.unwrap();
    assert_eq!(list.len(), 1, "recorded once: {list:?}");
    assert_eq!(list[0].source, CancelSource::Cancelled);
    assert_eq!(list[0].operator, "王芳");
    assert_eq!(j.usable_waybill(OrderId(7), &d).await.unwrap(), None);

    // A partial parcel does not make the order shipped; the completing one does.
    let ShipClaim::Go { attempt_id } = j.claim_shipment(&actor(), OrderId(7), &[]).await.unwrap()
    else {
        panic!("goes")
    };
    let items = vec![ParcelItem {
        product_id: 1,
        sku_id: 2,
        count: 1,
    }];
    j.record_parcel(attempt_id, OrderId(7), &items, false)
        .await
        .unwrap();
    j.finish_shipment(attempt_id, ShipAttemptState::Shipped, None, None)
        .await
        .unwrap();
    assert!(j.shipped(OrderId(7)).await.unwrap().is_none(), "partial");
    let parcels = j.parcels(OrderId(7)).await.unwrap();
    assert_eq!(parcels.len(), 1);
    assert_eq!(parcels[0].items, items);
    assert!(!parcels[0].completes_order);
    j.record_parcel(attempt_id, OrderId(7), &items, true)
        .await
        .unwrap();
    assert_eq!(
        j.shipped(OrderId(7)).await.unwrap().map(|s| s.id),
        Some(attempt_id)
    );

    let batch = j
        .create_batch(
            &actor(),
            &NewBatch {
                print_type: PrintType::TwoPart,
                delivery_id: d.clone(),
                biz_id: "b".into(),
                items: vec![],
            },
        )
        .await
        .unwrap();
    let skipped = [
        SkippedOrder {
            order_id: OrderId(u64::MAX),
            reason: NoCourier::SelfPickup,
        },
        SkippedOrder {
            order_id: OrderId(3),
            reason: NoCourier::Virtual,
        },
    ];
    j.record_batch_skips(batch, &skipped).await.unwrap();
    assert_eq!(j.batch_skips(batch).await.unwrap(), skipped.to_vec());
    // The batch's orders, marked and moved along.
    let batch = j
        .create_batch(
            &actor(),
            &NewBatch {
                print_type: PrintType::OnePart,
                delivery_id: d.clone(),
                biz_id: "b".into(),
                items: vec![
                    NewBatchItem {
                        order_id: OrderId(BIG_ID),
                        waybill_id: None,
                        add_request: Some(serde_json::json!({"order_id": BIG_ID.to_string()})),
                    },
                    NewBatchItem {
                        order_id: OrderId(BIG_ID + 1),
                        waybill_id: None,
                        add_request: None,
                    },
                ],
            },
        )
        .await
        .unwrap();
    j.mark_adding(batch, &[OrderId(BIG_ID), OrderId(BIG_ID + 1)])
        .await
        .unwrap();
    j.set_item_waybill(batch, OrderId(BIG_ID), &WaybillId("SF9".into()))
        .await
        .unwrap();
    let items = j.batch_items(batch, true).await.unwrap();
    assert_eq!(items[0].order_id, OrderId(BIG_ID), "ids above 2^53 kept");
    assert_eq!(items[0].stage, ItemStage::Waybill);
    assert_eq!(items[0].waybill_id, Some(WaybillId("SF9".into())));
    assert_eq!(items[0].attempts, 1);
    assert_eq!(
        items[0].add_request.as_ref().unwrap()["order_id"],
        BIG_ID.to_string()
    );
    assert_eq!(items[1].stage, ItemStage::Adding);
    let info = j.batch(batch).await.unwrap().unwrap();
    assert_eq!(info.print_type, PrintType::OnePart);
    assert_eq!((info.total, info.done), (2, 0));
    let l = label(BIG_ID, "SF9");
    let l2 = label(BIG_ID + 1, "SF10");
    let ids = j
        .complete_items(
            &actor(),
            batch,
            &[(OrderId(BIG_ID), &l), (OrderId(BIG_ID + 1), &l2)],
        )
        .await
        .unwrap();
    assert!(ids.iter().all(Option::is_some));
    assert!(j.finish_batch_if_done(batch).await.unwrap());
    let stored = j.label(ids[0].unwrap()).await.unwrap().unwrap();
    assert_eq!(stored.batch_id, Some(batch));
    assert_eq!(stored.html, l.html);
    assert_eq!(stored.waybill_data, l.waybill_data);
    let ids = j
        .record_labels(
            &actor(),
            &[(OrderId(5), &label(5, "SF5")), (OrderId(6), &l)],
        )
        .await
        .unwrap();
    assert_eq!(ids.len(), 2);
    assert!(ids[1] > ids[0]);
}

async fn the_order_cache_keeps_the_newest_and_its_sync_marks(j: Journal) {
    use waybill_desk::wechat::shop::TimedOrder;
    let sample = serde_json::json!({
        "id": 1, "status": 20, "created_unix": 0, "openid": "o1",
        "products": [], "address": {"user_name": "张三", "province_name": "广东省"},
        "customer_notes": "", "merchant_notes": "轻放", "order_price_fen": 1990,
        "freight_fen": 0, "open_aftersale_count": 0, "shipped_packages": []
    });
    let order = |id: u64, status: u32, created: i64| {
        let mut v = sample.clone();
        v["id"] = serde_json::json!(id);
        v["status"] = serde_json::json!(status);
        v["created_unix"] = serde_json::json!(created);
        serde_json::from_value::<waybill_desk::wechat::order::Order>(v).unwrap()
    };
    let account = "sandbox|wx1|channels";
    let t = |id, status, created, update| TimedOrder {
        order: order(id, status, created),
        update_unix: update,
    };
    j.cache_orders(account, &[t(BIG_ID, 20, 1_000, 5), t(2, 30, 2_000, 5)])
        .await
        .unwrap();
    // An answer read before a change does not undo it.
    j.cache_orders(account, &[t(BIG_ID, 10, 1_000, 4)])
        .await
        .unwrap();
    let all = j.cached_orders(account, 0, i64::MAX, None).await.unwrap();
    assert_eq!(all.len(), 2);
    assert_eq!(all[0].order.id, OrderId(2), "newest first");
    assert_eq!(all[1].order.status, 20);
    let to_ship = j
        .cached_orders(account, 0, i64::MAX, Some(20))
        .await
        .unwrap();
    assert_eq!(to_ship.len(), 1);
    assert_eq!(to_ship[0].order.id, OrderId(BIG_ID));
    assert!(j
        .cached_orders(account, 1_500, 1_600, None)
        .await
        .unwrap()
        .is_empty());
    let times = j
        .cached_update_times(account, &[OrderId(BIG_ID), OrderId(99)])
        .await
        .unwrap();
    assert_eq!(times.len(), 1);
    assert_eq!(times[&OrderId(BIG_ID)], 5);
    let mut ids = j.cached_order_ids(account).await.unwrap();
    ids.sort();
    assert_eq!(ids, [OrderId(2), OrderId(BIG_ID)]);
    j.uncache_orders(account, &[OrderId(2)]).await.unwrap();
    assert_eq!(
        j.cached_order_ids(account).await.unwrap(),
        [OrderId(BIG_ID)]
    );
    assert!(j.cached_order_ids("other").await.unwrap().is_empty());

    assert_eq!(j.order_sync_scope(account, Some(20)).await.unwrap(), None);
    j.record_full_sync(account, Some(20), 500).await.unwrap();
    j.record_full_sync(account, Some(20), 900).await.unwrap();
    let scope = j
        .order_sync_scope(account, Some(20))
        .await
        .unwrap()
        .unwrap();
    assert_eq!(scope.covered_from, 500, "the earliest covered time is kept");
    assert!(scope.full_at_ms > 0);
    assert_eq!(j.order_sync_mark(account).await.unwrap(), None);
    j.set_order_sync_mark(account, 42).await.unwrap();
    j.set_order_sync_mark(account, 43).await.unwrap();
    assert_eq!(j.order_sync_mark(account).await.unwrap(), Some(43));
    j.forget_order_sync(account).await.unwrap();
    assert_eq!(j.order_sync_mark(account).await.unwrap(), None);
    assert_eq!(j.order_sync_scope(account, Some(20)).await.unwrap(), None);
    assert_eq!(
        j.cached_order_ids(account).await.unwrap(),
        [OrderId(BIG_ID)]
    );
}

async fn two_stations_claiming_one_shipment_at_once_get_one_go(j: Journal) {
    // Eight claims at once from two stations, on one order: exactly one goes ahead.
    let stations = ["packing-1", "packing-2"];
    let mut tasks = Vec::new();
    for i in 0..8 {
        let j = j.clone();
        let a = Actor {
            station: stations[i % 2].into(),
            operator: "op".into(),
        };
        tasks.push(tokio::spawn(async move {
            j.claim_shipment(&a, OrderId(BIG_ID), &[]).await.unwrap()
        }));
    }
    let mut go = 0;
    for t in tasks {
        match t.await.unwrap() {
            ShipClaim::Go { .. } => go += 1,
            ShipClaim::InFlight(r) => assert_eq!(r.order_id, OrderId(BIG_ID)),
            ShipClaim::AlreadyShipped(r) => panic!("nothing shipped yet: {r:?}"),
        }
    }
    assert_eq!(go, 1);
    assert_eq!(j.shipments(OrderId(BIG_ID)).await.unwrap().len(), 1);
}

async fn a_stale_attempt_of_another_station_is_superseded_only_when_stale(j: Journal) {
    let other = Actor {
        station: "packing-9".into(),
        operator: "李雷".into(),
    };
    let ShipClaim::Go { attempt_id } = j.claim_shipment(&other, OrderId(5), &[]).await.unwrap()
    else {
        panic!("goes")
    };
    // Another station's live attempt (its process cannot be checked from here) holds.
    let ShipClaim::InFlight(r) = j.claim_shipment(&actor(), OrderId(5), &[]).await.unwrap() else {
        panic!("in flight")
    };
    assert_eq!((r.id, r.station.as_str()), (attempt_id, "packing-9"));
    j.finish_shipment(
        attempt_id,
        ShipAttemptState::Unknown,
        None,
        Some("lost answer"),
    )
    .await
    .unwrap();
    let ShipClaim::Go { attempt_id: next } =
        j.claim_shipment(&actor(), OrderId(5), &[]).await.unwrap()
    else {
        panic!("an attempt that ended does not block")
    };
    assert_ne!(next, attempt_id);
    let all = j.shipments(OrderId(5)).await.unwrap();
    assert_eq!(all[0].error.as_deref(), Some("lost answer"));
    assert_eq!(all[0].state, ShipAttemptState::Unknown);
}

// ---------------------------------------------------------------------------------------------
// PostgreSQL only: migrations, a newer schema, TLS, passwords, `journal copy`.

fn cli_with_journal(data: &Path, journal: &str, args: &[&str]) -> Output {
    std::process::Command::new(BIN)
        .arg("--data-dir")
        .arg(data)
        .args(["--lang", "en", "--journal", journal])
        .args(args)
        .env_remove("WAYBILL_DESK_JOURNAL_URL")
        .env("PGPASSFILE", "/nonexistent")
        .output()
        .unwrap()
}

fn text(out: &Output) -> String {
    format!(
        "{}{}",
        String::from_utf8_lossy(&out.stdout),
        String::from_utf8_lossy(&out.stderr)
    )
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn migrate_twice_is_a_no_op_and_a_newer_schema_is_refused_untouched() {
    let Some(base) = pg_url() else { return };
    let url = in_schema(&base, &fresh_schema());
    let data = tempfile::tempdir().unwrap();
    let first = cli_with_journal(data.path(), &url, &["journal", "migrate"]);
    assert!(first.status.success(), "{}", text(&first));
    assert!(
        text(&first).contains("migrated from schema 0 to"),
        "{}",
        text(&first)
    );
    let second = cli_with_journal(data.path(), &url, &["journal", "migrate"]);
    assert!(second.status.success(), "{}", text(&second));
    assert!(text(&second).contains("is up to date"), "{}", text(&second));

    let j = Journal::connect(&JournalLocation::Postgres(url.clone()))
        .await
        .unwrap();
    let known = j.known_schema_version();
    assert_eq!(j.schema_version().await.unwrap(), known);
    j.record_label(&actor(), OrderId(BIG_ID), &label(BIG_ID, "SF1"))
        .await
        .unwrap();
    // A newer waybill-desk migrated it further: this one refuses and changes nothing.
    let (client, conn) = tokio_postgres::connect(&url, tokio_postgres::NoTls)
        .await
        .unwrap();
    tokio::spawn(conn);
    client
        .execute(
            "INSERT INTO schema_version (version, applied_at_ms, app_version) VALUES (99, 0, 'future')",
            &[],
        )
        .await
        .unwrap();
    let err = Journal::connect(&JournalLocation::Postgres(url.clone()))
        .await
        .unwrap_err();
    assert!(
        matches!(err, JournalError::TooNew { found: 99, known: k, .. } if k == known),
        "{err:?}"
    );
    assert!(err.to_string().contains("Update waybill-desk"), "{err}");
    let out = cli_with_journal(
        data.path(),
        &url,
        &["journal", "history", &BIG_ID.to_string()],
    );
    assert!(!out.status.success());
    assert!(text(&out).contains("newer waybill-desk"), "{}", text(&out));
    let out = cli_with_journal(data.path(), &url, &["journal", "migrate"]);
    assert!(!out.status.success(), "{}", text(&out));
    let labels: i64 = client
        .query_one("SELECT count(*) FROM labels", &[])
        .await
        .unwrap()
        .get(0);
    assert_eq!(labels, 1, "left untouched");
}

#[tokio::test]
async fn a_url_password_never_shows_and_tls_is_refused_with_what_to_do() {
    // Nothing listens on port 1: the error names the server, never the password.
    let url = "postgres://desk:Hunter2-secret@127.0.0.1:1/journal";
    let err = Journal::connect(&JournalLocation::Postgres(url.into()))
        .await
        .unwrap_err();
    let shown = format!(
        "{err} | {err:?} | {}",
        err.explain(waybill_desk::wechat::Lang::ZhCn)
    );
    assert!(matches!(err, JournalError::Unreachable { .. }), "{err:?}");
    assert!(!shown.contains("Hunter2"), "{shown}");
    assert!(shown.contains("127.0.0.1"), "{shown}");
    let location = JournalLocation::Postgres(url.into());
    assert!(!format!("{location} {location:?}").contains("Hunter2"));
    // From the environment (CI) the CLI accepts it, and its failure does not print it either.
    let data = tempfile::tempdir().unwrap();
    let out = std::process::Command::new(BIN)
        .arg("--data-dir")
        .arg(data.path())
        .args(["--lang", "en", "journal", "history", "1"])
        .env("WAYBILL_DESK_JOURNAL_URL", url)
        .env("RUST_LOG", "debug")
        .output()
        .unwrap();
    assert!(!out.status.success());
    assert!(text(&out).contains("cannot be reached"), "{}", text(&out));
    assert!(!text(&out).contains("Hunter2"), "{}", text(&out));
    // As a flag (shell history, ps) or in settings it is refused, without repeating it.
    let out = cli_with_journal(data.path(), url, &["journal", "history", "1"]);
    assert!(!out.status.success());
    assert!(text(&out).contains(".pgpass"), "{}", text(&out));
    assert!(!text(&out).contains("Hunter2"), "{}", text(&out));
    std::fs::write(
        data.path().join("settings.json"),
        format!(r#"{{"journal_url": "{url}"}}"#),
    )
    .unwrap();
    let out = std::process::Command::new(BIN)
        .arg("--data-dir")
        .arg(data.path())
        .args(["--lang", "en", "journal", "history", "1"])
        .env_remove("WAYBILL_DESK_JOURNAL_URL")
        .output()
        .unwrap();
    assert!(!out.status.success());
    assert!(text(&out).contains("settings.json"), "{}", text(&out));
    assert!(!text(&out).contains("Hunter2"), "{}", text(&out));

    for mode in ["require", "verify-full"] {
        let err = Journal::connect(&JournalLocation::Postgres(format!(
            "postgres://desk:Hunter2-secret@db.example/journal?sslmode={mode}"
        )))
        .await
        .unwrap_err();
        assert!(
            matches!(err, JournalError::TlsUnsupported { .. }),
            "{err:?}"
        );
        assert!(err.to_string().contains("sslmode=disable"), "{err}");
        assert!(!err.to_string().contains("Hunter2"), "{err}");
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn journal_copy_is_complete_and_copies_nothing_twice() {
    use waybill_desk::store::waybills::{CancelSource, SkippedOrder};
    use waybill_desk::wechat::order::{NoCourier, ParcelItem};
    let Some(base) = pg_url() else { return };
    let url = in_schema(&base, &fresh_schema());
    let data = tempfile::tempdir().unwrap();
    let local = Journal::open(data.path()).unwrap();
    let a = actor();
    let order = OrderId(BIG_ID);
    // Every table gets something.
    let batch = local
        .create_batch(
            &a,
            &NewBatch {
                print_type: PrintType::TwoPart,
                delivery_id: DeliveryId("SF".into()),
                biz_id: "SF_CASH".into(),
                items: vec![
                    NewBatchItem {
                        order_id: order,
                        waybill_id: Some(WaybillId("SF1".into())),
                        add_request: None,
                    },
                    NewBatchItem {
                        order_id: OrderId(12),
                        waybill_id: None,
                        add_request: Some(serde_json::json!({"order_id": "12"})),
                    },
                ],
            },
        )
        .await
        .unwrap();
    let l = label(BIG_ID, "SF1");
    let label_id = local
        .complete_items(&a, batch, &[(order, &l)])
        .await
        .unwrap()[0]
        .unwrap();
    local
        .record_print(
            &a,
            &NewPrintRecord {
                order_id: order,
                waybill_id: WaybillId("SF1".into()),
                label_id: Some(label_id),
                printer: "Zebra".into(),
                copies: 1,
                result: Ok(()),
            },
        )
        .await
        .unwrap();
    let ShipClaim::Go { attempt_id } = local.claim_shipment(&a, order, &[]).await.unwrap() else {
        panic!()
    };
    let items = vec![ParcelItem {
        product_id: 1,
        sku_id: 2,
        count: 1,
    }];
    local
        .record_parcel(attempt_id, order, &items, true)
        .await
        .unwrap();
    local
        .finish_shipment(attempt_id, ShipAttemptState::Shipped, None, None)
        .await
        .unwrap();
    local
        .record_waybill_cancel(
            &a,
            OrderId(12),
            &DeliveryId("SF".into()),
            &WaybillId("SF0".into()),
            CancelSource::Cancelled,
        )
        .await
        .unwrap();
    local
        .record_batch_skips(
            batch,
            &[SkippedOrder {
                order_id: OrderId(13),
                reason: NoCourier::SelfPickup,
            }],
        )
        .await
        .unwrap();
    local.set_order_sync_mark("acct", 42).await.unwrap();
    local.record_full_sync("acct", Some(20), 7).await.unwrap();
    drop(local);

    let run = || {
        cli_with_journal(
            data.path(),
            &url,
            &["journal", "copy", "--to", &url, "--json"],
        )
    };
    let first = run();
    assert!(first.status.success(), "{}", text(&first));
    let report: serde_json::Value = serde_json::from_slice(&first.stdout).expect("one JSON report");
    let copied = |r: &serde_json::Value, t: &str| {
        r["tables"]
            .as_array()
            .unwrap()
            .iter()
            .find(|x| x["table"] == t)
            .map(|x| {
                (
                    x["copied"].as_u64().unwrap(),
                    x["present"].as_u64().unwrap(),
                )
            })
            .unwrap()
    };
    for (table, n) in [
        ("batches", 1),
        ("labels", 1),
        ("batch_items", 2),
        ("print_jobs", 1),
        ("shipments", 1),
        ("parcels", 1),
        ("waybill_cancels", 1),
        ("batch_skips", 1),
        ("order_sync", 1),
        ("order_sync_mark", 1),
    ] {
        assert_eq!(copied(&report, table), (n, 0), "{table}: {report}");
    }
    let second = run();
    assert!(second.status.success(), "{}", text(&second));
    let again: serde_json::Value = serde_json::from_slice(&second.stdout).unwrap();
    for t in again["tables"].as_array().unwrap() {
        assert_eq!(t["copied"], 0, "nothing twice: {again}");
        assert_eq!(t["read"], t["present"], "{again}");
    }

    // The shared journal answers as the station's did, references followed.
    let shared = Journal::connect(&JournalLocation::Postgres(url))
        .await
        .unwrap();
    assert_eq!(shared.label_count(order).await.unwrap(), 1);
    let stored = shared.latest_label(order).await.unwrap().unwrap();
    assert_eq!(stored.html, l.html);
    let shared_batch = stored.batch_id.unwrap();
    let info = shared.batch(shared_batch).await.unwrap().unwrap();
    assert_eq!((info.total, info.done), (2, 1));
    assert_eq!(
        shared.batch_items(shared_batch, false).await.unwrap()[0].label_id,
        Some(stored.id)
    );
    assert_eq!(
        shared.shipped(order).await.unwrap().unwrap().station,
        "packing-1"
    );
    assert_eq!(shared.parcels(order).await.unwrap()[0].items, items);
    let history = shared.order_history(order).await.unwrap();
    assert!(history
        .iter()
        .any(|h| matches!(h, HistoryEntry::Print(p) if p.label_id == Some(stored.id))));
    assert!(shared
        .is_waybill_number_cancelled(&WaybillId("SF0".into()))
        .await
        .unwrap());
    assert_eq!(shared.batch_skips(shared_batch).await.unwrap().len(), 1);
    assert_eq!(shared.order_sync_mark("acct").await.unwrap(), Some(42));
    assert_eq!(
        shared
            .order_sync_scope("acct", Some(20))
            .await
            .unwrap()
            .unwrap()
            .covered_from,
        7
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_cli_works_on_a_shared_journal_and_check_says_it_is_for_the_file_only() {
    let Some(base) = pg_url() else { return };
    let url = in_schema(&base, &fresh_schema());
    let data = tempfile::tempdir().unwrap();
    let j = Journal::connect(&JournalLocation::Postgres(url.clone()))
        .await
        .unwrap();
    j.record_label(&actor(), OrderId(BIG_ID), &label(BIG_ID, "SF77"))
        .await
        .unwrap();
    let out = cli_with_journal(
        data.path(),
        &url,
        &["journal", "history", &BIG_ID.to_string()],
    );
    assert!(out.status.success(), "{}", text(&out));
    assert!(text(&out).contains("SF77"), "{}", text(&out));
    let out = cli_with_journal(data.path(), &url, &["batch", "status"]);
    assert!(out.status.success(), "{}", text(&out));
    let out = cli_with_journal(data.path(), &url, &["journal", "check"]);
    assert!(!out.status.success());
    assert!(
        text(&out).contains("own SQLite journal only"),
        "{}",
        text(&out)
    );
    assert!(
        !data.path().join(JOURNAL_FILE).exists(),
        "no local file was made"
    );
}
