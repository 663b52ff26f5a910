//! The window's binary does not link WebKit (issue 12, the window's memory): `waybill-desk`
//! reaches no GTK/WebKit code, so the dynamic linker loads none of WebKitGTK, JavaScriptCore,
//! GTK or libsoup at its start; everything that needs them runs in `waybill-desk-webkit`.

use std::process::Command;

const WINDOW: &str = env!("CARGO_BIN_EXE_waybill-desk");
const HELPER: &str = env!("CARGO_BIN_EXE_waybill-desk-webkit");

/// The ELF's NEEDED entries (the shared libraries the dynamic linker loads at exec).
fn needed(binary: &str) -> Vec<String> {
    let out = Command::new("readelf")
        .args(["-d", "-W", binary])
        .output()
        .expect("readelf (binutils) runs");
    assert!(out.status.success(), "readelf -d {binary} failed");
    String::from_utf8_lossy(&out.stdout)
        .lines()
        .filter(|l| l.contains("(NEEDED)"))
        .filter_map(|l| Some(l.split_once('[')?.1.split_once(']')?.0.to_string()))
        .collect()
}

const WEBKIT_STACK: &[&str] = &["webkit", "javascriptcore", "gtk", "gdk", "soup"];

#[test]
fn the_window_binary_links_no_webkit_and_the_helper_does() {
    let window = needed(WINDOW);
    assert!(!window.is_empty(), "no NEEDED entries read from {WINDOW}");
    let webkit: Vec<&String> = window
        .iter()
        .filter(|lib| WEBKIT_STACK.iter().any(|w| lib.contains(w)))
        .collect();
    assert!(
        webkit.is_empty(),
        "waybill-desk links {webkit:?}: some code reachable from its main calls GTK/WebKit \
         (wry, tao, gtk, webkit2gtk); move that call into the waybill-desk-webkit helper. \
         All NEEDED: {window:?}"
    );
    // The same reading finds WebKit where it is linked (the check above can fail).
    let helper = needed(HELPER);
    assert!(
        helper.iter().any(|l| l.starts_with("libwebkit2gtk")),
        "the helper should link WebKitGTK: {helper:?}"
    );
}

#[test]
fn the_hidden_commands_hand_over_to_the_helper() {
    let out = Command::new(WINDOW)
        .args(["preview-window", "--help"])
        .output()
        .unwrap();
    // clap's help of the window binary itself; the command runs in the helper.
    assert!(out.status.success());
    let out = Command::new(HELPER).arg("--version").output().unwrap();
    assert!(out.status.success());
    assert!(String::from_utf8_lossy(&out.stdout).starts_with("waybill-desk-webkit "));
}

#[test]
fn a_missing_helper_says_what_is_missing_and_where_it_was_looked_for() {
    let missing = tempfile::tempdir()
        .unwrap()
        .path()
        .join("waybill-desk-webkit");
    let out = Command::new(WINDOW)
        .arg("print-worker")
        .env("WAYBILL_DESK_WEBKIT_HELPER", &missing)
        .stdin(std::process::Stdio::null())
        .output()
        .unwrap();
    assert!(!out.status.success());
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(
        stderr.contains("waybill-desk-webkit, is missing")
            && stderr.contains(&missing.display().to_string()),
        "{stderr}"
    );
}
