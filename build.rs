//! Build script: the git commit the binary was built from, for `--version` and crash reports
//! (WAYBILL_DESK_GIT_COMMIT, "unknown" outside a git checkout, e.g. a source tarball).

use std::process::Command;

fn main() {
    // Only this crate's own repository: a source tarball unpacked inside another checkout
    // must not take that checkout's commit.
    let manifest_dir = std::env::var("CARGO_MANIFEST_DIR").unwrap_or_default();
    let own_repo = Command::new("git")
        .args(["rev-parse", "--show-toplevel"])
        .output()
        .ok()
        .and_then(|o| String::from_utf8(o.stdout).ok())
        .is_some_and(|top| {
            let top = std::path::Path::new(top.trim());
            top.canonicalize().ok() == std::path::Path::new(&manifest_dir).canonicalize().ok()
        });
    let commit = Command::new("git")
        .args(["rev-parse", "--short=12", "HEAD"])
        .output()
        .ok()
        .filter(|o| own_repo && o.status.success())
        .and_then(|o| String::from_utf8(o.stdout).ok())
        .map(|s| s.trim().to_string())
        .filter(|s| !s.is_empty() && s.chars().all(|c| c.is_ascii_hexdigit()))
        .unwrap_or_else(|| "unknown".to_string());
    println!("cargo:rustc-env=WAYBILL_DESK_GIT_COMMIT={commit}");
    // A new commit moves HEAD's reflog; a checkout of another branch changes HEAD.
    for path in [".git/HEAD", ".git/logs/HEAD"] {
        if std::path::Path::new(path).exists() {
            println!("cargo:rerun-if-changed={path}");
        }
    }
    println!("cargo:rerun-if-changed=build.rs");
}
