//! The command line, run as a user runs it, against a sandbox.

#![allow(clippy::unwrap_used)] // test helpers may panic: a panic is a failed test

mod common;

use std::path::Path;
use std::process::Output;

use waybill_desk::sandbox::{Sandbox, DEMO_APPID, DEMO_SECRET};

async fn run(sb: Option<&Sandbox>, dir: &Path, args: &[&str]) -> Output {
    let mut cmd = tokio::process::Command::new(env!("CARGO_BIN_EXE_waybill-desk"));
    if let Some(sb) = sb {
        cmd.args(["--api-base", sb.url().as_str(), "--appid", DEMO_APPID]);
        cmd.env("WAYBILL_DESK_APPSECRET", DEMO_SECRET);
    } else {
        cmd.env_remove("WAYBILL_DESK_APPSECRET")
            .env_remove("WAYBILL_DESK_APPID")
            .env_remove("WAYBILL_DESK_API_BASE");
    }
    cmd.args(args)
        .env("WAYBILL_DESK_DATA_DIR", dir.join("data"))
        .env("WAYBILL_DESK_LANG", "en")
        .current_dir(dir)
        .output()
        .await
        .unwrap()
}

fn stdout(o: &Output) -> String {
    String::from_utf8_lossy(&o.stdout).into_owned()
}

#[tokio::test]
async fn labels_writes_decoded_html_and_exit_status_reflects_failures() {
    let sb = common::sandbox(60).await;
    let client = common::client(&sb);
    let ids = common::clean_orders(&client, &sb, 3).await;
    let made = common::waybills_for(&client, &ids, "SF").await;
    let dir = tempfile::tempdir().unwrap();
    let args: Vec<String> = made
        .iter()
        .map(|(r, w)| format!("{}:SF:{}", r.order_id, w.waybill_id))
        .collect();

    let mut argv = vec!["labels", "--out", "out"];
    argv.extend(args.iter().map(String::as_str));
    let ok = run(Some(&sb), dir.path(), &argv).await;
    assert!(
        ok.status.success(),
        "{}",
        String::from_utf8_lossy(&ok.stderr)
    );
    assert_eq!(stdout(&ok).lines().count(), 3, "one line per order");
    for id in &ids {
        let html =
            std::fs::read_to_string(dir.path().join("out").join(format!("{id}.html"))).unwrap();
        assert!(html.contains("100mm 180mm"));
    }

    // One-part through getOrder, JSON lines; one unknown order fails alone with exit status 1.
    let mut argv = vec!["labels", "--print-type", "one", "--json", "--out", "one"];
    argv.extend(args.iter().map(String::as_str));
    argv.push("42:SF:SF404");
    let mixed = run(Some(&sb), dir.path(), &argv).await;
    assert_eq!(mixed.status.code(), Some(1));
    let lines: Vec<serde_json::Value> = stdout(&mixed)
        .lines()
        .map(|l| serde_json::from_str(l).unwrap())
        .collect();
    assert_eq!(lines.len(), 4);
    assert!(lines[..3].iter().all(|l| l["ok"] == true));
    assert_eq!(lines[3]["ok"], false);
    assert_eq!(lines[3]["errcode"], 40199);
    let html =
        std::fs::read_to_string(dir.path().join("one").join(format!("{}.html", ids[0]))).unwrap();
    assert!(html.contains("76mm 130mm"));
}

#[tokio::test]
async fn ship_twice_says_already_shipped_and_sends_once() {
    let sb = common::sandbox(60).await;
    let client = common::client(&sb);
    let ids = common::clean_orders(&client, &sb, 1).await;
    let made = common::waybills_for(&client, &ids, "SF").await;
    let dir = tempfile::tempdir().unwrap();
    let id = ids[0].to_string();
    let waybill = format!("SF:{}", made[0].1.waybill_id);

    let first = run(
        Some(&sb),
        dir.path(),
        &["ship", &id, "--waybill", &waybill, "--json"],
    )
    .await;
    assert!(first.status.success());
    let v: serde_json::Value = serde_json::from_str(stdout(&first).trim()).unwrap();
    assert_eq!(v["outcome"], "shipped");
    let second = run(Some(&sb), dir.path(), &["ship", &id, "--waybill", &waybill]).await;
    assert!(second.status.success());
    assert!(
        stdout(&second).contains("already shipped"),
        "{}",
        stdout(&second)
    );
    assert_eq!(sb.stats().calls_to("/channels/ec/order/delivery/send"), 1);
}

#[tokio::test]
async fn waybill_add_couriers_and_contact_work_from_the_cli() {
    let sb = common::sandbox(60).await;
    let client = common::client(&sb);
    let ids = common::clean_orders(&client, &sb, 1).await;
    let dir = tempfile::tempdir().unwrap();
    // The sender comes from settings.json.
    std::fs::create_dir_all(dir.path().join("data")).unwrap();
    std::fs::write(
        dir.path().join("data/settings.json"),
        serde_json::json!({"sender": common::sender()}).to_string(),
    )
    .unwrap();

    let couriers = run(Some(&sb), dir.path(), &["couriers"]).await;
    assert!(stdout(&couriers).contains("SF  顺丰速运"));

    let id = ids[0].to_string();
    let added = run(
        Some(&sb),
        dir.path(),
        &[
            "waybill",
            "add",
            &id,
            "--delivery-id",
            "SF",
            "--biz-id",
            "SF_CASH",
            "--json",
        ],
    )
    .await;
    assert!(
        added.status.success(),
        "{}",
        String::from_utf8_lossy(&added.stderr)
    );
    let v: serde_json::Value = serde_json::from_str(stdout(&added).trim()).unwrap();
    let waybill = v["waybill_id"].as_str().unwrap().to_string();

    let event = sb
        .events()
        .into_iter()
        .find(|e| e.waybill_id == waybill)
        .unwrap();
    let contact = run(
        Some(&sb),
        dir.path(),
        &["contact", &waybill, "--token", &event.token],
    )
    .await;
    assert!(contact.status.success());
    assert!(stdout(&contact).contains("仓库小李"));

    let cancelled = run(
        Some(&sb),
        dir.path(),
        &[
            "waybill",
            "cancel",
            &id,
            "--delivery-id",
            "SF",
            "--waybill-id",
            &waybill,
        ],
    )
    .await;
    assert!(
        cancelled.status.success(),
        "{}",
        String::from_utf8_lossy(&cancelled.stderr)
    );
}

#[tokio::test]
async fn without_credentials_the_cli_uses_the_embedded_sandbox_and_says_so() {
    let dir = tempfile::tempdir().unwrap();
    let out = run(None, dir.path(), &["orders", "--json"]).await;
    assert!(out.status.success());
    assert!(String::from_utf8_lossy(&out.stderr).contains("Demo mode"));
    let orders: Vec<serde_json::Value> = stdout(&out)
        .lines()
        .map(|l| serde_json::from_str(l).unwrap())
        .collect();
    assert!(orders.len() > 100);
    // Ids above 2^53 are printed exactly (as JSON integers).
    assert!(stdout(&out).lines().any(|l| {
        let id = l
            .split("\"id\":")
            .nth(1)
            .unwrap()
            .split(',')
            .next()
            .unwrap();
        id.parse::<u64>().unwrap() > 1 << 53
    }));
}

#[tokio::test]
async fn a_wrong_secret_gives_a_clear_error_without_the_secret() {
    let sb = common::sandbox(5).await;
    let dir = tempfile::tempdir().unwrap();
    let out = tokio::process::Command::new(env!("CARGO_BIN_EXE_waybill-desk"))
        .args([
            "--api-base",
            sb.url().as_str(),
            "--appid",
            DEMO_APPID,
            "--lang",
            "en",
            "couriers",
        ])
        .env("WAYBILL_DESK_APPSECRET", "my-wrong-secret")
        .env("WAYBILL_DESK_DATA_DIR", dir.path())
        .output()
        .await
        .unwrap();
    assert_eq!(out.status.code(), Some(1));
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(err.contains("40125") && err.contains("AppSecret"), "{err}");
    assert!(!err.contains("my-wrong-secret"));
}
