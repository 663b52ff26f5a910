//! Build script: the git commit the binary was built from, for `--version` and crash reports
//! (WAYBILL_DESK_GIT_COMMIT, "unknown" outside a git checkout, e.g. a source tarball).

use std::path::{Path, PathBuf};
use std::process::Command;

fn git(dir: &Path, args: &[&str]) -> Option<String> {
    let out = Command::new("git")
        .current_dir(dir)
        .args(args)
        .output()
        .ok()
        .filter(|o| o.status.success())?;
    Some(String::from_utf8(out.stdout).ok()?.trim().to_string())
}

fn main() {
    let manifest_dir = PathBuf::from(std::env::var("CARGO_MANIFEST_DIR").unwrap_or_default());
    // Only this crate's own repository: a source tarball unpacked inside another checkout
    // must not take that checkout's commit.
    let own_repo = git(&manifest_dir, &["rev-parse", "--show-toplevel"])
        .and_then(|top| Path::new(&top).canonicalize().ok())
        .is_some_and(|top| manifest_dir.canonicalize().ok() == Some(top));
    let commit = own_repo
        .then(|| git(&manifest_dir, &["rev-parse", "--short=12", "HEAD"]))
        .flatten()
        .filter(|s| !s.is_empty() && s.chars().all(|c| c.is_ascii_hexdigit()))
        .unwrap_or_else(|| "unknown".to_string());
    println!("cargo:rustc-env=WAYBILL_DESK_GIT_COMMIT={commit}");
    // A new commit moves HEAD's reflog; a checkout of another branch changes HEAD. Absolute
    // paths: the commit must not go stale whatever directory the build runs from.
    for name in ["HEAD", "logs/HEAD"] {
        let path = manifest_dir.join(".git").join(name);
        if path.exists() {
            println!("cargo:rerun-if-changed={}", path.display());
        }
    }
    println!("cargo:rerun-if-changed=build.rs");
}
