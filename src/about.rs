//! What this build is: version, git commit, the desktop id, and the WebKitGTK it runs with.

/// The package version (Cargo.toml).
pub const VERSION: &str = env!("CARGO_PKG_VERSION");
/// The git commit it was built from (`build.rs`), or "unknown".
pub const GIT_COMMIT: &str = env!("WAYBILL_DESK_GIT_COMMIT");
/// The application id: the desktop entry's and the AppStream component's name, the Wayland
/// app id and the X11 WM_CLASS of the window (so the desktop matches the window to its entry).
pub const APP_ID: &str = "io.github.waybilldesk.WaybillDesk";

/// `--version`'s text: version, commit, and the WebKitGTK found at run time where known.
pub fn long_version() -> String {
    let mut text = format!("{VERSION}\ncommit: {GIT_COMMIT}");
    if let Some(webkit) = webkit_version() {
        text.push_str(&format!("\nWebKitGTK: {webkit}"));
    }
    text
}

/// The installed WebKitGTK 4.1 package version (Debian/Ubuntu: dpkg), if it can be learnt
/// cheaply. Asking the library itself would need it loaded and `unsafe` FFI.
pub fn webkit_version() -> Option<String> {
    if !cfg!(target_os = "linux") {
        return None;
    }
    let out = std::process::Command::new("dpkg-query")
        .args(["-W", "-f", "${Version}", "libwebkit2gtk-4.1-0"])
        .stdin(std::process::Stdio::null())
        .stderr(std::process::Stdio::null())
        .output()
        .ok()?;
    let version = String::from_utf8(out.stdout).ok()?.trim().to_string();
    (out.status.success() && !version.is_empty()).then_some(version)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn long_version_names_version_and_commit() {
        let text = long_version();
        assert!(text.starts_with(VERSION), "{text}");
        assert!(text.contains(&format!("commit: {GIT_COMMIT}")), "{text}");
        assert!(!GIT_COMMIT.is_empty());
    }
}
