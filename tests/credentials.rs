//! Credentials in the OS keychain, through the real Secret Service (GNOME Keyring started by
//! scripts/test-env/keyring.sh), and what happens when the keychain is absent, locked or has no
//! default collection yet.
//!
//! Tests that need the keychain fail when CI is set or keyring.sh started one, and otherwise skip
//! with a printed reason.

#![allow(clippy::unwrap_used)] // test helpers may panic: a panic is a failed test

mod common;

use std::path::Path;
use std::process::{Output, Stdio};

use tokio::io::AsyncWriteExt as _;
use waybill_desk::credentials::{
    probe_keychain, CredentialError, CredentialSecret, CredentialStore, Credentials,
    KEYRING_SERVICE_ENV,
};
use waybill_desk::sandbox::{Sandbox, DEMO_APPID, DEMO_SECRET};
use waybill_desk::wechat::{ClientConfig, TokenSource, WechatClient};

const BIN: &str = env!("CARGO_BIN_EXE_waybill-desk");
const SECRET: &str = "Zq8-test-app-secret-77f1";

fn keychain_expected() -> bool {
    std::env::var("CI").is_ok_and(|v| !v.is_empty() && v != "false")
        || std::env::var("WAYBILL_DESK_TEST_KEYRING").is_ok_and(|v| v == "1")
}

/// True when the keychain answers. Without one: a failure in CI (or when keyring.sh ran),
/// otherwise a printed skip.
fn keychain_or_skip(test: &str) -> bool {
    match probe_keychain() {
        Ok(()) => true,
        Err(e) if keychain_expected() => {
            panic!(
                "{test}: a keychain is required here (CI, or scripts/test-env/keyring.sh) but: {e}"
            )
        }
        Err(e) => {
            eprintln!(
                "SKIP {test}: no keychain ({e}); run it under scripts/test-env/with-services.sh"
            );
            false
        }
    }
}

/// Tools the private-session tests start; missing ones fail in CI, skip elsewhere.
fn tools_or_skip(test: &str, tools: &[&str]) -> bool {
    for tool in tools {
        let found = std::process::Command::new("sh")
            .args(["-c", &format!("command -v {tool}")])
            .output()
            .is_ok_and(|o| o.status.success());
        if !found {
            assert!(
                !keychain_expected(),
                "{test}: `{tool}` is required here (scripts/deps.sh installs it)"
            );
            eprintln!("SKIP {test}: `{tool}` is not installed");
            return false;
        }
    }
    true
}

/// A keychain service name of its own, so parallel tests never see each other's items.
fn service(test: &str) -> String {
    format!("waybill-desk-test-{}-{test}", std::process::id())
}

/// `secret-tool lookup`: what the Secret Service itself holds for the item (None when absent).
fn secret_tool_lookup(service: &str, appid: &str) -> Option<String> {
    let out = std::process::Command::new("secret-tool")
        .args(["lookup", "service", service, "username", appid])
        .output()
        .expect("secret-tool runs (libsecret-tools)");
    out.status
        .success()
        .then(|| String::from_utf8_lossy(&out.stdout).into_owned())
}

/// Every file under `dir`, read as lossy text.
fn all_files_text(dir: &Path) -> String {
    let mut text = String::new();
    if let Ok(entries) = std::fs::read_dir(dir) {
        for entry in entries.flatten() {
            let path = entry.path();
            if path.is_dir() {
                text.push_str(&all_files_text(&path));
            } else if let Ok(bytes) = std::fs::read(&path) {
                text.push_str(&String::from_utf8_lossy(&bytes));
            }
        }
    }
    text
}

async fn cli(
    dir: &Path,
    service: &str,
    args: &[&str],
    stdin: Option<&str>,
    env: &[(&str, &str)],
) -> Output {
    let mut cmd = tokio::process::Command::new(BIN);
    cmd.args(["--lang", "en"])
        .args(args)
        .env("WAYBILL_DESK_DATA_DIR", dir)
        .env(KEYRING_SERVICE_ENV, service)
        .env_remove("WAYBILL_DESK_APPSECRET")
        .env_remove("WAYBILL_DESK_APPID")
        .env_remove("WAYBILL_DESK_API_BASE")
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped());
    for (k, v) in env {
        cmd.env(k, v);
    }
    let mut child = cmd.spawn().unwrap();
    let mut input = child.stdin.take().unwrap();
    if let Some(text) = stdin {
        input.write_all(text.as_bytes()).await.unwrap();
    }
    drop(input);
    child.wait_with_output().await.unwrap()
}

fn text(o: &Output) -> (String, String) {
    (
        String::from_utf8_lossy(&o.stdout).into_owned(),
        String::from_utf8_lossy(&o.stderr).into_owned(),
    )
}

#[test]
fn set_get_delete_round_trip_through_the_real_secret_service() {
    if !keychain_or_skip("round_trip") {
        return;
    }
    let dir = tempfile::tempdir().unwrap();
    let svc = service("round-trip");
    let store = CredentialStore::with_service(dir.path(), &svc);
    assert!(store.load().unwrap().is_none(), "nothing stored yet");

    let creds = Credentials::app_secret("wxtest00000000001", SECRET).unwrap();
    let account = store.save(&creds).unwrap();
    assert_eq!(account.appid, "wxtest00000000001");
    assert_eq!(store.load().unwrap(), Some(creds));
    // The Secret Service itself holds it (not a file of ours).
    let held = secret_tool_lookup(&svc, "wxtest00000000001").expect("item exists");
    assert!(held.contains(SECRET), "{held}");
    // ...and no file in the data directory does.
    let files = all_files_text(dir.path());
    assert!(
        files.contains("wxtest00000000001"),
        "the marker names the AppID"
    );
    assert!(!files.contains(SECRET), "no secret in the data directory");

    // A token service replaces the secret for the same AppID.
    let url = "https://token.example.com/wx?key=K-77";
    let creds = Credentials::token_service("wxtest00000000001", url).unwrap();
    store.save(&creds).unwrap();
    let loaded = store.load().unwrap().unwrap();
    assert!(matches!(&loaded.secret, CredentialSecret::TokenService(u) if u.as_str() == url));
    assert!(matches!(
        loaded.token_source(),
        TokenSource::TokenService { .. }
    ));
    let held = secret_tool_lookup(&svc, "wxtest00000000001").unwrap();
    assert!(held.contains("K-77") && !held.contains(SECRET), "{held}");
    assert!(
        !all_files_text(dir.path()).contains("K-77"),
        "the URL's key stays in the keychain"
    );

    assert!(store.delete().unwrap());
    assert!(store.load().unwrap().is_none());
    assert!(store.account().unwrap().is_none());
    assert_eq!(
        secret_tool_lookup(&svc, "wxtest00000000001"),
        None,
        "item gone"
    );
    assert!(!store.delete().unwrap(), "deleting twice is fine");
}

#[test]
fn an_item_removed_behind_our_back_is_a_clear_error_not_demo_mode() {
    if !keychain_or_skip("item_removed") {
        return;
    }
    let dir = tempfile::tempdir().unwrap();
    let svc = service("removed");
    let store = CredentialStore::with_service(dir.path(), &svc);
    store
        .save(&Credentials::app_secret("wxtest00000000002", SECRET).unwrap())
        .unwrap();
    let cleared = std::process::Command::new("secret-tool")
        .args(["clear", "service", &svc, "username", "wxtest00000000002"])
        .status()
        .unwrap();
    assert!(cleared.success());
    let err = store.load().unwrap_err();
    assert!(matches!(err, CredentialError::Missing { .. }), "{err:?}");
    assert!(err.to_string().contains("log in again"), "{err}");
}

#[tokio::test]
async fn cli_login_whoami_logout_and_stored_credentials_drive_the_commands() {
    if !keychain_or_skip("cli_login") {
        return;
    }
    let sb = common::sandbox(20).await;
    let dir = tempfile::tempdir().unwrap();
    let svc = service("cli");
    let base = sb.url().as_str();

    // A wrong secret is refused and nothing is stored.
    let wrong = cli(
        dir.path(),
        &svc,
        &["--api-base", base, "--appid", DEMO_APPID, "login"],
        Some("not-the-secret\n"),
        &[],
    )
    .await;
    let (out, err) = text(&wrong);
    assert_eq!(wrong.status.code(), Some(1), "{out}{err}");
    assert!(
        err.contains("40125") || err.contains("not accepted"),
        "{err}"
    );
    assert!(!out.contains("not-the-secret") && !err.contains("not-the-secret"));
    assert!(!dir.path().join("account.json").exists());
    assert_eq!(secret_tool_lookup(&svc, DEMO_APPID), None);

    // The right one is checked against the API, then stored; with every log level on, the
    // secret still appears nowhere in the output.
    let login = cli(
        dir.path(),
        &svc,
        &["--api-base", base, "--appid", DEMO_APPID, "login"],
        Some(&format!("{DEMO_SECRET}\n")),
        &[("WAYBILL_DESK_LOG", "trace")],
    )
    .await;
    let (out, err) = text(&login);
    assert!(login.status.success(), "{out}{err}");
    assert!(out.contains("stored in the OS keychain"), "{out}");
    assert!(
        err.contains("credentials stored in the keychain"),
        "trace logs were on: {err}"
    );
    assert!(!out.contains(DEMO_SECRET) && !err.contains(DEMO_SECRET));
    assert!(secret_tool_lookup(&svc, DEMO_APPID)
        .unwrap()
        .contains(DEMO_SECRET));
    assert!(!all_files_text(dir.path()).contains(DEMO_SECRET));

    let who = cli(dir.path(), &svc, &["whoami"], None, &[]).await;
    let (out, err) = text(&who);
    assert!(who.status.success(), "{err}");
    assert!(
        out.contains(DEMO_APPID) && out.contains("keychain"),
        "{out}"
    );
    assert!(!out.contains(DEMO_SECRET));

    // No flag or environment credentials: the stored ones are used.
    let couriers = cli(
        dir.path(),
        &svc,
        &["--api-base", base, "couriers"],
        None,
        &[],
    )
    .await;
    let (out, err) = text(&couriers);
    assert!(couriers.status.success(), "{err}");
    assert!(out.contains("SF  顺丰速运"), "{out}");
    assert!(!err.contains("Demo mode"));

    // Flags + environment still win (a wrong env secret is used, and fails).
    let env_wins = cli(
        dir.path(),
        &svc,
        &["--api-base", base, "--appid", DEMO_APPID, "couriers"],
        None,
        &[("WAYBILL_DESK_APPSECRET", "env-secret-wrong")],
    )
    .await;
    assert_eq!(env_wins.status.code(), Some(1));
    assert!(text(&env_wins).1.contains("40125"));

    let logout = cli(dir.path(), &svc, &["logout"], None, &[]).await;
    assert!(logout.status.success());
    assert!(text(&logout).0.contains("removed"));
    assert_eq!(secret_tool_lookup(&svc, DEMO_APPID), None);
    let who = cli(dir.path(), &svc, &["whoami"], None, &[]).await;
    assert_eq!(who.status.code(), Some(1));
    assert!(text(&who).0.contains("not logged in"));
    // Back to demo mode.
    let demo = cli(dir.path(), &svc, &["couriers"], None, &[]).await;
    assert!(demo.status.success());
    assert!(text(&demo).1.contains("Demo mode"));
}

#[tokio::test]
async fn a_token_service_login_keeps_no_secret_and_fetches_tokens_from_the_service() {
    if !keychain_or_skip("token_service_login") {
        return;
    }
    let sb = common::sandbox(20).await;
    let dir = tempfile::tempdir().unwrap();
    let svc = service("token-url");
    let token_url = sb.token_service_url();
    let base = sb.url().as_str();
    let login = cli(
        dir.path(),
        &svc,
        &[
            "--api-base",
            base,
            "--appid",
            DEMO_APPID,
            "login",
            "--token-url",
            token_url.as_str(),
        ],
        None,
        &[],
    )
    .await;
    assert!(login.status.success(), "{}", text(&login).1);
    let held = secret_tool_lookup(&svc, DEMO_APPID).unwrap();
    assert!(
        held.contains("token_service_url") && !held.contains(DEMO_SECRET),
        "{held}"
    );

    let who = cli(dir.path(), &svc, &["whoami"], None, &[]).await;
    assert!(
        text(&who).0.contains("/sandbox/token-service"),
        "{}",
        text(&who).0
    );

    let orders = cli(
        dir.path(),
        &svc,
        &["--api-base", base, "orders", "--json"],
        None,
        &[],
    )
    .await;
    assert!(orders.status.success(), "{}", text(&orders).1);
    assert!(text(&orders).0.lines().count() > 5);
    let stats = sb.stats();
    assert!(
        stats.calls_to("/sandbox/token-service") >= 2,
        "login check + orders"
    );
    assert_eq!(
        stats.calls_to("/cgi-bin/stable_token"),
        0,
        "the station never used a secret"
    );
    let logout = cli(dir.path(), &svc, &["logout"], None, &[]).await;
    assert!(logout.status.success());
}

#[tokio::test]
async fn the_token_service_source_fetches_and_refreshes_through_the_service() {
    // The client side of TokenSource::TokenService, no keychain involved.
    let sb: Sandbox = common::sandbox(10).await;
    let mut config = ClientConfig::new(
        sb.url().clone(),
        TokenSource::TokenService {
            url: sb.token_service_url(),
        },
    );
    config.retry = common::fast_retry();
    let client = WechatClient::new(config).unwrap();
    assert_eq!(client.appid(), None);
    client.logistics().couriers().await.unwrap();
    assert_eq!(sb.stats().calls_to("/sandbox/token-service"), 1);
    // The token expires: one refresh through the service, and the call succeeds.
    sb.expire_tokens();
    client.logistics().couriers().await.unwrap();
    assert_eq!(sb.stats().calls_to("/sandbox/token-service"), 2);
    assert_eq!(sb.stats().calls_to("/cgi-bin/stable_token"), 0);
    // A token service that is down is a clear transport error.
    let dead = std::net::TcpListener::bind("127.0.0.1:0")
        .unwrap()
        .local_addr()
        .unwrap();
    let client = WechatClient::new(ClientConfig::new(
        sb.url().clone(),
        TokenSource::TokenService {
            url: url::Url::parse(&format!("http://{dead}/token")).unwrap(),
        },
    ))
    .unwrap();
    let err = client.logistics().couriers().await.unwrap_err();
    assert!(
        matches!(err, waybill_desk::wechat::WechatError::Transport { .. }),
        "{err:?}"
    );
}

#[tokio::test]
async fn no_keychain_at_all_is_a_clear_error_and_nothing_secret_is_written() {
    let dir = tempfile::tempdir().unwrap();
    let svc = service("absent");
    let no_bus = [("DBUS_SESSION_BUS_ADDRESS", "unix:path=/nonexistent/bus")];
    let login = cli(
        dir.path(),
        &svc,
        &["--appid", "wxtest00000000003", "login", "--no-verify"],
        Some(&format!("{SECRET}\n")),
        &no_bus,
    )
    .await;
    let (out, err) = text(&login);
    assert_eq!(login.status.code(), Some(1), "{out}{err}");
    assert!(err.contains("no keychain is reachable"), "{err}");
    assert!(err.contains("GNOME Keyring or KWallet"), "{err}");
    assert!(err.contains("never kept in a plain file"), "{err}");
    assert!(!dir.path().join("account.json").exists());
    assert!(
        !all_files_text(dir.path()).contains(SECRET),
        "no plain-file fallback"
    );
    assert!(!out.contains(SECRET) && !err.contains(SECRET));

    // A station that logged in earlier, now without its keychain: an error, never demo mode.
    std::fs::write(
        dir.path().join("account.json"),
        r#"{"appid":"wxtest00000000003","kind":"app_secret","keyring_service":"waybill-desk"}"#,
    )
    .unwrap();
    let orders = cli(dir.path(), &svc, &["orders"], None, &no_bus).await;
    let (_, err) = text(&orders);
    assert_eq!(orders.status.code(), Some(1));
    assert!(err.contains("no keychain is reachable"), "{err}");
    assert!(!err.contains("Demo mode"), "{err}");
    let who = cli(dir.path(), &svc, &["whoami"], None, &no_bus).await;
    let (_, err) = text(&who);
    assert_eq!(who.status.code(), Some(1));
    assert!(
        err.contains("wxtest00000000003") && err.contains("no keychain is reachable"),
        "{err}"
    );
}

/// Runs `script` in a D-Bus session of its own, without DISPLAY (so no unlock prompt can wait
/// on a screen), with a fresh GNOME Keyring home; `$WD` is the binary, `$D` a temp dir.
async fn in_private_session(script: &str) -> Output {
    let dir = tempfile::tempdir().unwrap();
    let full = format!(
        r#"set -u
mkdir -p "$D/data" "$D/run" && chmod 700 "$D/run"
KPID=""
start_keyring() {{
  if [ "${{1:-}}" = unlock ]; then
    printf pw | env XDG_DATA_HOME="$D/data" XDG_RUNTIME_DIR="$D/run" gnome-keyring-daemon --foreground --components=secrets --unlock >"$D/keyring.log" 2>&1 &
  else
    env XDG_DATA_HOME="$D/data" XDG_RUNTIME_DIR="$D/run" gnome-keyring-daemon --foreground --components=secrets >"$D/keyring.log" 2>&1 &
  fi
  KPID=$!
  for i in $(seq 100); do
    dbus-send --session --print-reply --dest=org.freedesktop.DBus /org/freedesktop/DBus \
      org.freedesktop.DBus.NameHasOwner string:org.freedesktop.secrets 2>/dev/null | grep -q true && return 0
    sleep 0.05
  done
  echo "keyring did not start" >&2; return 1
}}
{script}
[ -n "$KPID" ] && kill $KPID 2>/dev/null
"#
    );
    let out = tokio::process::Command::new("env")
        .args([
            "-u",
            "DISPLAY",
            "-u",
            "GNOME_KEYRING_CONTROL",
            "dbus-run-session",
            "--",
            "bash",
            "-c",
            &full,
        ])
        .env("WD", BIN)
        .env("D", dir.path())
        .env("WAYBILL_DESK_DATA_DIR", dir.path().join("app"))
        .env_remove("WAYBILL_DESK_APPSECRET")
        .env_remove("WAYBILL_DESK_APPID")
        .output()
        .await
        .unwrap();
    drop(dir);
    out
}

#[tokio::test]
async fn a_keyring_without_a_default_collection_is_a_clear_error() {
    if !tools_or_skip(
        "no_default_collection",
        &["dbus-run-session", "gnome-keyring-daemon", "dbus-send"],
    ) {
        return;
    }
    // Started without --unlock on a fresh home: only the in-memory "session" collection exists.
    let out = in_private_session(&format!(
        r#"start_keyring || exit 3
echo "{SECRET}" | "$WD" --lang en --appid wxtest00000000004 login --no-verify
echo "exit=$?"
ls "$D/app" 2>/dev/null | grep -c account.json || true"#
    ))
    .await;
    let (out, err) = text(&out);
    assert!(out.contains("exit=1"), "{out}{err}");
    assert!(err.contains("no default keyring yet"), "{err}");
    assert!(err.contains("gnome-keyring-daemon --unlock"), "{err}");
    assert!(out.trim_end().ends_with('0'), "no marker written: {out}");
    assert!(!out.contains(SECRET) && !err.contains(SECRET));
}

#[tokio::test]
async fn a_locked_keychain_is_a_clear_error() {
    if !tools_or_skip(
        "locked",
        &["dbus-run-session", "gnome-keyring-daemon", "dbus-send"],
    ) {
        return;
    }
    let out = in_private_session(&format!(
        r#"start_keyring unlock || exit 3
echo "{SECRET}" | "$WD" --lang en --appid wxtest00000000005 login --no-verify || exit 4
"$WD" --lang en whoami && echo "whoami-unlocked-ok"
dbus-send --session --print-reply --dest=org.freedesktop.secrets /org/freedesktop/secrets \
  org.freedesktop.Secret.Service.Lock array:objpath:/org/freedesktop/secrets/collection/login >/dev/null
"$WD" --lang en whoami
echo "exit=$?""#
    ))
    .await;
    let (out, err) = text(&out);
    assert!(out.contains("whoami-unlocked-ok"), "{out}{err}");
    assert!(out.contains("exit=1"), "{out}{err}");
    assert!(err.contains("the keychain is locked"), "{err}");
    assert!(err.contains("Unlock it"), "{err}");
    assert!(!out.contains(SECRET) && !err.contains(SECRET));
}
