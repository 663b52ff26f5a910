//! Issue 14, installed like a desktop app: `--version` and `--help` complete, the log file in
//! the state directory without secrets, a crash report that is readable and scrubbed, and the
//! window offering it on its next start (under Xvfb: run with scripts/test-env/with-services.sh).

#![allow(clippy::unwrap_used)] // test helpers may panic: a panic is a failed test

mod xvfb_support;

use std::path::{Path, PathBuf};
use std::process::{Command, Output, Stdio};
use std::time::{Duration, Instant};

use clap::CommandFactory;
use waybill_desk::sandbox::{Sandbox, SandboxConfig, DEMO_APPID, DEMO_SECRET};

fn exe() -> &'static str {
    env!("CARGO_BIN_EXE_waybill-desk")
}

/// The binary with a private state and data directory and none of the caller's credentials.
fn desk(state: &Path) -> Command {
    let mut command = Command::new(exe());
    command
        .env("WAYBILL_DESK_STATE_DIR", state)
        .env("WAYBILL_DESK_DATA_DIR", state.join("data"))
        .env_remove("WAYBILL_DESK_APPID")
        .env_remove("WAYBILL_DESK_APPSECRET")
        .env_remove("WAYBILL_DESK_API_BASE")
        .env_remove("WAYBILL_DESK_LOG")
        .env_remove("WAYBILL_DESK_LOG_FILE")
        .stdin(Stdio::null());
    command
}

fn text(out: &Output) -> (String, String) {
    (
        String::from_utf8_lossy(&out.stdout).into_owned(),
        String::from_utf8_lossy(&out.stderr).into_owned(),
    )
}

fn files_in(dir: &Path) -> Vec<PathBuf> {
    let mut files: Vec<PathBuf> = std::fs::read_dir(dir)
        .map(|d| d.filter_map(|e| e.ok()).map(|e| e.path()).collect())
        .unwrap_or_default();
    files.sort();
    files
}

#[test]
fn version_names_the_version_the_commit_and_webkitgtk() {
    let state = tempfile::tempdir().unwrap();
    let out = desk(state.path()).arg("--version").output().unwrap();
    let (stdout, _) = text(&out);
    assert!(out.status.success());
    assert!(
        stdout.starts_with(&format!("waybill-desk {}\n", env!("CARGO_PKG_VERSION"))),
        "{stdout}"
    );
    let commit = stdout
        .lines()
        .find_map(|l| l.strip_prefix("commit: "))
        .expect("a commit line");
    assert!(
        commit == "unknown"
            || (commit.len() == 12 && commit.chars().all(|c| c.is_ascii_hexdigit())),
        "{commit}"
    );
    // The build machine runs the window: its WebKitGTK is installed, so it is named.
    let webkit = stdout
        .lines()
        .find_map(|l| l.strip_prefix("WebKitGTK: "))
        .expect("a WebKitGTK line");
    assert!(webkit.starts_with("2."), "{webkit}");
    let short = desk(state.path()).arg("-V").output().unwrap();
    assert_eq!(
        text(&short).0,
        format!("waybill-desk {}\n", env!("CARGO_PKG_VERSION"))
    );
}

#[test]
fn help_describes_every_command_and_flag_with_examples() {
    let state = tempfile::tempdir().unwrap();
    let out = desk(state.path()).arg("--help").output().unwrap();
    let (help, _) = text(&out);
    assert!(out.status.success());
    for section in [
        "Examples:",
        "Environment:",
        "Files:",
        "WAYBILL_DESK_APPSECRET",
        "logs/",
    ] {
        assert!(
            help.contains(section),
            "{section} missing from --help:\n{help}"
        );
    }
    let cli = waybill_desk::cli::Cli::command();
    for arg in cli.get_arguments() {
        if let Some(long) = arg.get_long() {
            assert!(
                help.contains(&format!("--{long}")),
                "--{long} missing:\n{help}"
            );
            assert!(arg.get_help().is_some(), "--{long} has no description");
        }
    }
    for sub in cli.get_subcommands().filter(|s| !s.is_hide_set()) {
        let name = sub.get_name();
        assert!(help.contains(name), "{name} missing from --help");
        assert!(sub.get_about().is_some(), "{name} has no description");
        let out = desk(state.path()).args([name, "--help"]).output().unwrap();
        let (sub_help, _) = text(&out);
        assert!(out.status.success(), "{name} --help");
        assert!(
            (sub_help.contains("Example:") || sub_help.contains("Examples:"))
                && sub_help.contains(&format!("waybill-desk {name}")),
            "{name} --help has no example:\n{sub_help}"
        );
        for arg in sub.get_arguments() {
            let id = arg.get_id().as_str();
            if arg.is_hide_set() || arg.is_global_set() || id == "help" {
                continue;
            }
            assert!(
                arg.get_help().is_some(),
                "{name}: argument {id} has no description"
            );
        }
    }
    // Hidden helpers stay out of the help.
    assert!(!help.contains("debug-panic") && !help.contains("print-worker"));
}

#[test]
fn the_cli_log_file_is_in_the_state_directory_and_holds_no_secret() {
    let runtime = tokio::runtime::Runtime::new().unwrap();
    let sandbox = runtime
        .block_on(Sandbox::start(
            ([127, 0, 0, 1], 0).into(),
            SandboxConfig::default(),
        ))
        .unwrap();
    let state = tempfile::tempdir().unwrap();
    let out = desk(state.path())
        .args([
            "--log-file",
            "--api-base",
            sandbox.url().as_str(),
            "--appid",
            DEMO_APPID,
        ])
        .args(["orders", "--json"])
        .env("WAYBILL_DESK_APPSECRET", DEMO_SECRET)
        // Everything, the HTTP client's chatter included.
        .env("WAYBILL_DESK_LOG", "debug")
        .output()
        .unwrap();
    let (stdout, stderr) = text(&out);
    assert!(out.status.success(), "{stderr}");
    assert!(stdout.lines().count() > 0);
    let logs = files_in(&state.path().join("logs"));
    assert_eq!(logs.len(), 1, "one log file: {logs:?}");
    let name = logs[0].file_name().unwrap().to_str().unwrap();
    assert!(
        name.starts_with("waybill-desk.") && name.ends_with(".log"),
        "{name}"
    );
    let log = std::fs::read_to_string(&logs[0]).unwrap();
    assert!(log.lines().count() > 5, "a debug run logs:\n{log}");
    assert!(
        !log.contains(DEMO_SECRET),
        "the AppSecret is in the log:\n{log}"
    );
    for line in log.lines() {
        if let Some((_, rest)) = line.split_once("access_token=") {
            assert!(rest.starts_with("REDACTED"), "{line}");
        }
    }
    // WAYBILL_DESK_LOG_FILE=1 asks for it too (as 1, true, yes or on).
    let by_env = tempfile::tempdir().unwrap();
    let out = desk(by_env.path())
        .arg("printers")
        .env("WAYBILL_DESK_LOG_FILE", "1")
        .output()
        .unwrap();
    assert!(out.status.code() != Some(2), "{}", text(&out).1);
    assert_eq!(files_in(&by_env.path().join("logs")).len(), 1);
    // Without --log-file the command line keeps no file.
    let quiet = tempfile::tempdir().unwrap();
    let out = desk(quiet.path()).arg("printers").output().unwrap();
    assert!(out.status.success() || out.status.code() == Some(1));
    assert!(files_in(&quiet.path().join("logs")).is_empty());
}

/// Runs `debug-panic` with secrets in the environment and in the message; returns the report.
fn crash(state: &Path) -> (PathBuf, String) {
    let out = desk(state)
        .args([
            "--log-file",
            "debug-panic",
            "leaking unit-crash-secret-77 access_token=TOKEN4242 postgres://desk:dbpw9911@db/journal",
        ])
        .env("WAYBILL_DESK_APPSECRET", "unit-crash-secret-77")
        .env("WAYBILL_DESK_LOG", "info")
        .output()
        .unwrap();
    let (_, stderr) = text(&out);
    assert_eq!(
        out.status.code(),
        Some(101),
        "a panic's exit status: {stderr}"
    );
    let reports: Vec<PathBuf> = files_in(&state.join("crashes"))
        .into_iter()
        .filter(|p| p.extension().is_some_and(|e| e == "txt") && !p.ends_with("offered.txt"))
        .collect();
    assert_eq!(reports.len(), 1, "{reports:?}");
    assert!(
        stderr.contains(&reports[0].display().to_string()),
        "stderr names the report: {stderr}"
    );
    for secret in ["unit-crash-secret-77", "TOKEN4242", "dbpw9911"] {
        assert!(!stderr.contains(secret), "{secret} on stderr: {stderr}");
    }
    let report = std::fs::read_to_string(&reports[0]).unwrap();
    (reports[0].clone(), report)
}

#[test]
fn a_panic_leaves_a_readable_report_without_secrets() {
    let state = tempfile::tempdir().unwrap();
    let (_, report) = crash(state.path());
    for expected in [
        "waybill-desk crash report",
        &format!("version:  {}", env!("CARGO_PKG_VERSION")),
        "thread:   main",
        "location: src/main.rs:",
        "deliberate panic (waybill-desk debug-panic): leaking REDACTED access_token=REDACTED postgres://desk:REDACTED@db/journal",
        "backtrace:",
        "backtrace:\n   0: ",
        "src/main.rs:",
        "debug-panic asked for: leaking REDACTED",
    ] {
        assert!(report.contains(expected), "{expected:?} missing:\n{report}");
    }
    for secret in ["unit-crash-secret-77", "TOKEN4242", "dbpw9911"] {
        assert!(
            !report.contains(secret),
            "{secret} in the report:\n{report}"
        );
    }
    let log = std::fs::read_to_string(&files_in(&state.path().join("logs"))[0]).unwrap();
    assert!(log.contains("debug-panic asked for"), "{log}");
    for secret in ["unit-crash-secret-77", "TOKEN4242", "dbpw9911"] {
        assert!(!log.contains(secret), "{secret} in the log:\n{log}");
    }
}

struct Killed(std::process::Child);
impl Drop for Killed {
    fn drop(&mut self) {
        let _ = self.0.kill();
        let _ = self.0.wait();
    }
}

#[test]
fn the_next_window_start_offers_the_report_once() {
    assert!(
        std::env::var_os("DISPLAY").is_some(),
        "needs an X display: run under scripts/test-env/with-services.sh"
    );
    let state = tempfile::tempdir().unwrap();
    let (report, _) = crash(state.path());
    let offered = state.path().join("crashes/offered.txt");
    let _display = xvfb_support::lock_display();
    let window = desk(state.path())
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .spawn()
        .unwrap();
    let _window = Killed(window);
    // The window's class is the desktop id (StartupWMClass of the desktop entry).
    let found = Command::new("timeout")
        .args([
            "60",
            "xdotool",
            "search",
            "--sync",
            "--onlyvisible",
            "--class",
        ])
        .arg(waybill_desk::about::APP_ID)
        .output()
        .unwrap();
    assert!(
        found.status.success(),
        "no window with the desktop id's class"
    );
    let deadline = Instant::now() + Duration::from_secs(30);
    while !offered.exists() {
        assert!(Instant::now() < deadline, "the report was never offered");
        std::thread::sleep(Duration::from_millis(200));
    }
    let listed = std::fs::read_to_string(&offered).unwrap();
    assert_eq!(
        listed.trim(),
        report.file_name().unwrap().to_str().unwrap(),
        "the offered report is recorded as seen"
    );
    // A screenshot for the eye, beside the test's other output.
    std::thread::sleep(Duration::from_secs(1));
    let shot = Path::new(env!("CARGO_TARGET_TMPDIR")).join("issue14-crash-offer.png");
    let _ = Command::new("import")
        .args(["-window", "root"])
        .arg(&shot)
        .status();
    drop(_window);
    // Offered once: a second start finds nothing new to offer.
    assert!(
        waybill_desk::app::crash_report::CrashOffer::unseen(&state.path().join("crashes"))
            .is_none()
    );
}
