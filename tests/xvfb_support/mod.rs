//! The real window under Xvfb, driven with xdotool as a packer's keyboard and scanner drive it.
//! Run under scripts/test-env/with-services.sh (it starts Xvfb).
#![allow(dead_code)]
#![allow(clippy::unwrap_used)] // test helpers may panic: a panic is a failed test

use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

/// The window process, killed when the test ends (also on failure). It holds the display:
/// keys go to the focused window, so one window test at a time (nextest runs each test in its
/// own process: a file lock, not a mutex).
pub struct Window {
    pub child: Child,
    pub id: u64,
    _display: std::fs::File,
}

impl Drop for Window {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

/// Takes the display for this test (the same lock file as tests/gui_xvfb.rs).
pub fn lock_display() -> std::fs::File {
    let display = std::env::var("DISPLAY")
        .unwrap_or_default()
        .replace(':', "");
    let path = std::env::temp_dir().join(format!("waybill-desk-xvfb-{display}.lock"));
    let file = std::fs::File::create(path).unwrap();
    file.lock().unwrap();
    file
}

pub fn xdotool(args: &[&str]) -> String {
    let out = Command::new("xdotool").args(args).output().unwrap();
    String::from_utf8_lossy(&out.stdout).trim().to_string()
}

/// Writes a station's settings into `dir`: the sandbox's courier, a sender, `printer`, the
/// window's language and the station's name.
pub fn write_settings(dir: &Path, printer: &str, lang: &str, station: &str) {
    let settings = serde_json::json!({
        "printer": printer,
        "delivery_id": "SF",
        "biz_id": "SF_CASH",
        "lang": lang,
        "station": station,
        "sender": {
            "name": "仓库小李", "mobile": "13800138000", "province": "广东省",
            "city": "深圳市", "area": "南山区", "address": "科技园南路88号"
        }
    });
    std::fs::write(
        dir.join("settings.json"),
        serde_json::to_vec_pretty(&settings).unwrap(),
    )
    .unwrap();
}

/// Starts `program args…` with `data` as its data directory (stderr to `data/window.log`),
/// waits for its window to map, puts it at the top left and sizes it.
pub fn open_window(
    program: &str,
    args: &[&str],
    envs: &[(&str, &str)],
    data: &Path,
    size: (u32, u32),
) -> Window {
    let display = lock_display();
    let log = std::fs::File::create(data.join("window.log")).unwrap();
    let child = Command::new(program)
        .args(args)
        .arg("--data-dir")
        .arg(data)
        .envs(envs.iter().copied())
        .stdout(Stdio::null())
        .stderr(log)
        .spawn()
        .unwrap();
    let deadline = Instant::now() + Duration::from_secs(60);
    let id = loop {
        let found = xdotool(&["search", "--onlyvisible", "--name", "waybill-desk"]);
        if let Some(id) = found.lines().last().and_then(|l| l.parse::<u64>().ok()) {
            break id;
        }
        assert!(Instant::now() < deadline, "the window never showed");
        std::thread::sleep(Duration::from_millis(200));
    };
    let id_s = id.to_string();
    xdotool(&["windowmove", &id_s, "0", "0"]);
    xdotool(&[
        "windowsize",
        &id_s,
        &size.0.to_string(),
        &size.1.to_string(),
    ]);
    xdotool(&["windowfocus", "--sync", &id_s]);
    Window {
        child,
        id,
        _display: display,
    }
}

/// Keys to the window through XTEST, as a keyboard (or a keyboard-wedge scanner) sends them:
/// winit ignores synthetic events sent to a window (`xdotool --window`).
pub fn key(window: &Window, keys: &str) {
    xdotool(&["windowfocus", "--sync", &window.id.to_string()]);
    xdotool(&["key", keys]);
}

/// Types a code and Enter, as a keyboard-wedge scanner does.
pub fn scan(window: &Window, code: &str) {
    xdotool(&["windowfocus", "--sync", &window.id.to_string()]);
    xdotool(&["type", "--delay", "15", code]);
    xdotool(&["key", "Return"]);
}

/// A screenshot of the whole display into `dir/name`.
pub fn screenshot(dir: &Path, name: &str) -> PathBuf {
    let path = dir.join(name);
    let out = Command::new("import")
        .args(["-window", "root"])
        .arg(&path)
        .output()
        .unwrap();
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    path
}

/// Waits until the window's log (`data/window.log`) has `count` lines containing `text`.
pub fn wait_for_log(data: &Path, text: &str, count: usize, within: Duration) -> String {
    let deadline = Instant::now() + within;
    loop {
        let log = std::fs::read_to_string(data.join("window.log")).unwrap_or_default();
        if log.lines().filter(|l| l.contains(text)).count() >= count {
            return log;
        }
        assert!(
            Instant::now() < deadline,
            "the window did not log {text:?} {count} time(s) within {within:?}; its log:\n{log}"
        );
        std::thread::sleep(Duration::from_millis(100));
    }
}
