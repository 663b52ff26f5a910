//! The access_token and the AppSecret never reach a log line, an error message or CLI output.

#![allow(clippy::unwrap_used)] // test helpers may panic: a panic is a failed test

mod common;

use std::io::Write;
use std::sync::{Arc, Mutex};

use waybill_desk::sandbox::{Fault, FaultRule, Faults, DEMO_APPID, DEMO_SECRET};
use waybill_desk::wechat::Lang;

#[derive(Clone, Default)]
struct Buffer(Arc<Mutex<Vec<u8>>>);

impl Write for Buffer {
    fn write(&mut self, buf: &[u8]) -> std::io::Result<usize> {
        self.0.lock().unwrap().extend_from_slice(buf);
        Ok(buf.len())
    }
    fn flush(&mut self) -> std::io::Result<()> {
        Ok(())
    }
}

async fn current_token(sb: &waybill_desk::sandbox::Sandbox) -> String {
    let answer: serde_json::Value = reqwest::Client::new()
        .post(sb.url().join("cgi-bin/stable_token").unwrap())
        .json(
            &serde_json::json!({"grant_type": "client_credential", "appid": DEMO_APPID,
            "secret": DEMO_SECRET, "force_refresh": false}),
        )
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    answer["access_token"].as_str().unwrap().to_string()
}

#[tokio::test]
async fn debug_logs_and_errors_carry_no_secret() {
    let buffer = Buffer::default();
    let writer = buffer.clone();
    let subscriber = tracing_subscriber::fmt()
        .with_max_level(tracing::Level::TRACE)
        .with_writer(move || writer.clone())
        .finish();
    let _guard = tracing::subscriber::set_default(subscriber);

    let sb = common::sandbox(5).await;
    let client = common::client(&sb);
    client.logistics().couriers().await.unwrap();
    let token = current_token(&sb).await;
    sb.set_faults(Faults {
        rules: vec![
            FaultRule::new(
                "getall",
                Fault::Errcode {
                    errcode: 45011,
                    errmsg: "freq".into(),
                },
                1,
            ),
            FaultRule::new(
                "getall",
                Fault::Errcode {
                    errcode: 40001,
                    errmsg: "bad token".into(),
                },
                1,
            ),
        ],
        ..Faults::default()
    });
    client.logistics().couriers().await.unwrap();
    let mut errors = Vec::new();
    sb.set_faults(Faults::one("getall", Fault::MalformedJson, 1));
    errors.push(client.logistics().couriers().await.unwrap_err());
    let config = common::config(&sb);
    sb.shutdown().await;
    let dead = waybill_desk::wechat::WechatClient::new(config).unwrap();
    errors.push(dead.logistics().couriers().await.unwrap_err());

    let logs = String::from_utf8(buffer.0.lock().unwrap().clone()).unwrap();
    assert!(
        logs.contains("access_token=REDACTED"),
        "URLs were logged, redacted:\n{logs}"
    );
    assert!(!logs.contains(&token), "token leaked into logs");
    assert!(!logs.contains(DEMO_SECRET), "secret leaked into logs");
    for e in &errors {
        for text in [
            e.to_string(),
            format!("{e:?}"),
            e.explain(Lang::ZhCn),
            e.explain(Lang::En),
        ] {
            assert!(!text.contains(DEMO_SECRET), "{text}");
            assert!(!text.contains(&token), "{text}");
        }
    }
}

#[tokio::test]
async fn cli_output_carries_no_secret_even_at_trace_level() {
    let sb = common::sandbox(20).await;
    let id = sb.order_ids_with_status(20)[0];
    let output = tokio::process::Command::new(env!("CARGO_BIN_EXE_waybill-desk"))
        .args([
            "--api-base",
            sb.url().as_str(),
            "--appid",
            DEMO_APPID,
            "labels",
            &format!("{id}:SF"),
        ])
        .env("WAYBILL_DESK_APPSECRET", DEMO_SECRET)
        .env("WAYBILL_DESK_LOG", "trace")
        .env("WAYBILL_DESK_DATA_DIR", tempfile::tempdir().unwrap().path())
        .current_dir(tempfile::tempdir().unwrap().path())
        .output()
        .await
        .unwrap();
    let token = current_token(&sb).await;
    let all = format!(
        "{}{}",
        String::from_utf8_lossy(&output.stdout),
        String::from_utf8_lossy(&output.stderr)
    );
    assert!(all.contains("REDACTED"), "trace logs were written:\n{all}");
    assert!(!all.contains(DEMO_SECRET), "{all}");
    assert!(!all.contains(&token), "{all}");
    // No waybill exists for this order yet: the label fails, and the exit status says so.
    assert!(!output.status.success());
}
