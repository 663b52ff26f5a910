//! The CLI and the window resolve where to talk to through one resolver: the same inputs give
//! the same answer in both (demo mode and its journal, environment credentials with a given
//! API base, a bad saved API base).

#![allow(clippy::unwrap_used)] // test helpers may panic: a panic is a failed test

mod common;

use std::path::Path;
use std::process::Output;

use waybill_desk::app::launch::{configure, LaunchOptions};
use waybill_desk::resolve::APPSECRET_ENV;
use waybill_desk::sandbox::{DEMO_APPID, DEMO_SECRET};
use waybill_desk::settings::Settings;

/// The CLI, run as a user runs it, with nothing from this process's environment leaking in.
fn cli(dir: &Path, env: &[(&str, &str)], args: &[&str]) -> Output {
    let mut cmd = std::process::Command::new(env!("CARGO_BIN_EXE_waybill-desk"));
    cmd.env_remove(APPSECRET_ENV)
        .env_remove("WAYBILL_DESK_APPID")
        .env("WAYBILL_DESK_KEYRING_SERVICE", "waybill-desk-test-resolve")
        .env("WAYBILL_DESK_LANG", "en")
        .arg("--data-dir")
        .arg(dir)
        .args(args);
    for (k, v) in env {
        cmd.env(k, v);
    }
    cmd.output().unwrap()
}

fn runtime() -> tokio::runtime::Runtime {
    tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()
        .unwrap()
}

#[test]
fn nothing_configured_is_demo_mode_in_both_with_the_window_journal_apart() {
    std::env::remove_var(APPSECRET_ENV);
    let dir = tempfile::tempdir().unwrap();
    let rt = runtime();
    let config = configure(
        &rt,
        LaunchOptions {
            data_dir: Some(dir.path().to_path_buf()),
            ..LaunchOptions::default()
        },
        None,
    )
    .unwrap();
    let sandbox = config
        .sandbox
        .as_ref()
        .expect("demo mode starts the sandbox");
    assert!(
        config.startup_problem.is_none(),
        "{:?}",
        config.startup_problem
    );
    rt.block_on(config.client.logistics().couriers()).unwrap();
    assert_eq!(
        sandbox
            .stats()
            .calls_to("/cgi-bin/express/business/delivery/getall"),
        1
    );
    assert!(dir.path().join("demo").join("journal.sqlite3").exists());
    assert!(!dir.path().join("journal.sqlite3").exists());

    let out = cli(dir.path(), &[], &["couriers"]);
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(out.status.success(), "{stderr}");
    assert!(stderr.contains("Demo mode"), "{stderr}");
}

#[test]
fn environment_credentials_and_a_given_api_base_are_used_by_both() {
    let dir = tempfile::tempdir().unwrap();
    let rt = runtime();
    let sb = rt.block_on(common::sandbox(5));
    std::env::set_var(APPSECRET_ENV, DEMO_SECRET);
    let config = configure(
        &rt,
        LaunchOptions {
            api_base: Some(sb.url().clone()),
            appid: Some(DEMO_APPID.into()),
            data_dir: Some(dir.path().to_path_buf()),
            ..LaunchOptions::default()
        },
        None,
    )
    .unwrap();
    assert!(config.sandbox.is_none(), "not demo mode");
    assert_eq!(config.appid, DEMO_APPID);
    rt.block_on(config.client.logistics().couriers()).unwrap();
    assert_eq!(
        sb.stats()
            .calls_to("/cgi-bin/express/business/delivery/getall"),
        1,
        "the window's client called the given base"
    );
    assert!(dir.path().join("journal.sqlite3").exists());

    // Its own data directory: the courier list the window read is kept in its journal.
    let cli_dir = tempfile::tempdir().unwrap();
    let out = cli(
        cli_dir.path(),
        &[(APPSECRET_ENV, DEMO_SECRET)],
        &[
            "--api-base",
            sb.url().as_str(),
            "--appid",
            DEMO_APPID,
            "couriers",
        ],
    );
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(out.status.success(), "{stderr}");
    assert!(!stderr.contains("Demo mode"), "{stderr}");
    assert_eq!(
        sb.stats()
            .calls_to("/cgi-bin/express/business/delivery/getall"),
        2,
        "the CLI called the given base too"
    );
}

#[test]
fn the_window_takes_the_journal_flag_as_the_cli_does() {
    let dir = tempfile::tempdir().unwrap();
    let rt = runtime();
    let sb = rt.block_on(common::sandbox(5));
    std::env::set_var(APPSECRET_ENV, DEMO_SECRET);
    std::env::remove_var("WAYBILL_DESK_JOURNAL_URL");
    // Nothing listens on port 1: the window must try the shared journal it was given (and say
    // so), not quietly open the station's own file.
    let config = configure(
        &rt,
        LaunchOptions {
            api_base: Some(sb.url().clone()),
            appid: Some(DEMO_APPID.into()),
            data_dir: Some(dir.path().to_path_buf()),
            journal: Some("postgres://desk@127.0.0.1:1/shop".into()),
            ..LaunchOptions::default()
        },
        None,
    )
    .unwrap();
    assert!(config.station.is_none(), "no journal, no station");
    let problem = config.startup_problem.clone().unwrap_or_default();
    assert!(problem.contains("127.0.0.1:1"), "{problem}");
    assert!(!dir.path().join("journal.sqlite3").exists());
}

#[test]
fn a_bad_saved_api_base_stops_both_and_names_it() {
    let dir = tempfile::tempdir().unwrap();
    let settings = Settings {
        api_base: "not a url".into(),
        ..Settings::default()
    };
    settings.save(dir.path()).unwrap();
    std::env::set_var(APPSECRET_ENV, DEMO_SECRET);
    let rt = runtime();
    let err = configure(
        &rt,
        LaunchOptions {
            appid: Some(DEMO_APPID.into()),
            data_dir: Some(dir.path().to_path_buf()),
            ..LaunchOptions::default()
        },
        None,
    )
    .err()
    .expect("the window does not start");
    assert!(
        format!("{err:#}").contains("\"not a url\" (settings)"),
        "{err:#}"
    );

    let out = cli(
        dir.path(),
        &[(APPSECRET_ENV, DEMO_SECRET)],
        &["--appid", DEMO_APPID, "couriers"],
    );
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(!out.status.success());
    assert!(stderr.contains("\"not a url\" (settings)"), "{stderr}");
}

#[test]
fn an_api_base_without_credentials_is_an_error_in_both_not_demo_mode() {
    std::env::remove_var(APPSECRET_ENV);
    let dir = tempfile::tempdir().unwrap();
    let rt = runtime();
    let err = configure(
        &rt,
        LaunchOptions {
            api_base: Some(url::Url::parse("http://127.0.0.1:9/").unwrap()),
            data_dir: Some(dir.path().to_path_buf()),
            ..LaunchOptions::default()
        },
        None,
    )
    .err()
    .expect("the window does not start");
    assert!(format!("{err:#}").contains("no AppID"), "{err:#}");
    assert!(!dir.path().join("demo").exists());

    let out = cli(
        dir.path(),
        &[],
        &["--api-base", "http://127.0.0.1:9/", "couriers"],
    );
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(!out.status.success());
    assert!(stderr.contains("no AppID"), "{stderr}");
}

#[test]
fn a_logged_in_station_without_its_keychain_is_never_silently_in_demo_mode() {
    std::env::remove_var(APPSECRET_ENV);
    let no_bus = ("DBUS_SESSION_BUS_ADDRESS", "unix:path=/nonexistent/bus");
    std::env::set_var(no_bus.0, no_bus.1);
    std::env::set_var("WAYBILL_DESK_KEYRING_SERVICE", "waybill-desk-test-resolve");
    let dir = tempfile::tempdir().unwrap();
    std::fs::write(
        dir.path().join("account.json"),
        r#"{"appid":"wxtest00000000009","kind":"app_secret","keyring_service":"waybill-desk-test-resolve"}"#,
    )
    .unwrap();
    // The window opens on sample data and says why in its banner.
    let rt = runtime();
    let config = configure(
        &rt,
        LaunchOptions {
            data_dir: Some(dir.path().to_path_buf()),
            lang: Some(waybill_desk::i18n::Lang::En),
            ..LaunchOptions::default()
        },
        None,
    )
    .unwrap();
    let problem = config.startup_problem.clone().unwrap_or_default();
    assert!(problem.contains("demo mode"), "{problem}");
    assert!(problem.contains("no keychain is reachable"), "{problem}");
    assert!(config.sandbox.is_some());
    assert!(
        !dir.path().join("journal.sqlite3").exists(),
        "the real journal is not touched"
    );
    // The CLI stops with the same cause.
    let out = cli(dir.path(), &[no_bus], &["couriers"]);
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(!out.status.success());
    assert!(stderr.contains("no keychain is reachable"), "{stderr}");
    assert!(!stderr.contains("Demo mode"), "{stderr}");
}
