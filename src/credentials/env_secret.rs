//! The AppSecret given in the environment (`WAYBILL_DESK_APPSECRET`), taken out of it at start.
//!
//! Children never see it: the print worker and helpers get a scrubbed environment, but the
//! in-window label preview and the print dialog start WebKit processes from this process, and
//! those inherit its environment. So `main` moves the secret into this process-wide slot before
//! any thread starts, and removes the variable.

use std::sync::OnceLock;

use crate::wechat::Secret;

/// The environment variable that carries the AppSecret for headless use.
pub const APPSECRET_ENV: &str = "WAYBILL_DESK_APPSECRET";

static TAKEN: OnceLock<Option<Secret>> = OnceLock::new();

/// Moves the AppSecret out of the environment into this process. Call first thing in `main`,
/// while the process has one thread (changing the environment is not thread-safe).
pub fn take_from_environment() {
    let secret = read_environment();
    std::env::remove_var(APPSECRET_ENV);
    let _ = TAKEN.set(secret);
}

/// The AppSecret from the environment, if one was given. Where `main` did not run (a library
/// caller, a test), it is read from the environment as it is now.
pub fn env_secret() -> Option<Secret> {
    match TAKEN.get() {
        Some(taken) => taken.clone(),
        None => read_environment(),
    }
}

/// The non-empty AppSecret in the environment as it is now.
fn read_environment() -> Option<Secret> {
    std::env::var(APPSECRET_ENV)
        .ok()
        .filter(|s| !s.is_empty())
        .map(Secret::new)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_secret_leaves_the_environment_and_stays_readable() {
        std::env::set_var(APPSECRET_ENV, "unit-test-secret");
        take_from_environment();
        assert!(std::env::var_os(APPSECRET_ENV).is_none());
        assert_eq!(
            env_secret().map(|s| s.expose().to_string()).as_deref(),
            Some("unit-test-secret")
        );
    }
}
