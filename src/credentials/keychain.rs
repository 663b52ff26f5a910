//! The OS keychain through the `keyring` crate (v1 mode: Secret Service over zbus on Linux,
//! Keychain on macOS, Credential Manager on Windows), and what its errors mean for a person.
//!
//! `keyring` connects to the platform store once per process, on first use. If no keychain was
//! reachable then, every later call reports it too: after starting the keychain, restart the app.

use serde::{Deserialize, Serialize};
use url::Url;

use super::{CredentialError, CredentialSecret, Credentials};
use crate::wechat::Secret;

/// The keychain's name as the user knows it.
#[cfg(target_os = "macos")]
pub(crate) const KEYCHAIN_NAME: &str = "the macOS Keychain";
/// The keychain's name as the user knows it.
#[cfg(target_os = "windows")]
pub(crate) const KEYCHAIN_NAME: &str = "the Windows Credential Manager";
/// The keychain's name as the user knows it.
#[cfg(not(any(target_os = "macos", target_os = "windows")))]
pub(crate) const KEYCHAIN_NAME: &str = "the OS keychain (Secret Service: GNOME Keyring or KWallet)";

/// The item's secret: one JSON object so that both kinds fit one item per AppID.
#[derive(Serialize, Deserialize)]
struct Record {
    v: u32,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    app_secret: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    token_service_url: Option<String>,
}

const RECORD_VERSION: u32 = 1;

/// Checks that a keychain answers (connecting to it if this is the first use).
pub fn probe_keychain() -> Result<(), CredentialError> {
    match keyring::Entry::store_status() {
        Ok(()) => Ok(()),
        Err(e) => Err(CredentialError::KeychainUnavailable { detail: chain(e) }),
    }
}

pub(crate) fn entry(service: &str, appid: &str) -> Result<keyring::Entry, CredentialError> {
    keyring::Entry::new(service, appid).map_err(map_error)
}

pub(crate) fn store(service: &str, credentials: &Credentials) -> Result<(), CredentialError> {
    let record = match &credentials.secret {
        CredentialSecret::AppSecret(secret) => Record {
            v: RECORD_VERSION,
            app_secret: Some(secret.expose().to_string()),
            token_service_url: None,
        },
        CredentialSecret::TokenService(url) => Record {
            v: RECORD_VERSION,
            app_secret: None,
            token_service_url: Some(url.to_string()),
        },
    };
    let json = Secret::new(
        serde_json::to_string(&record).map_err(|e| CredentialError::Keychain(e.to_string()))?,
    );
    entry(service, &credentials.appid)?
        .set_password(json.expose())
        .map_err(map_error)
}

pub(crate) fn load(service: &str, appid: &str) -> Result<Option<Credentials>, CredentialError> {
    let text = match entry(service, appid)?.get_password() {
        Ok(text) => Secret::new(text),
        Err(keyring::Error::NoEntry) => return Ok(None),
        Err(keyring::Error::BadEncoding(_)) => {
            return Err(damaged(appid, "the stored value is not text"))
        }
        Err(e) => return Err(map_error(e)),
    };
    let record: Record = serde_json::from_str(text.expose())
        .map_err(|_| damaged(appid, "the stored value is not this app's record"))?;
    if record.v != RECORD_VERSION {
        return Err(damaged(
            appid,
            &format!("record version {} is not {RECORD_VERSION}", record.v),
        ));
    }
    let secret = match (record.app_secret, record.token_service_url) {
        (Some(secret), None) if !secret.is_empty() => {
            CredentialSecret::AppSecret(Secret::new(secret))
        }
        (None, Some(url)) => CredentialSecret::TokenService(
            Url::parse(&url).map_err(|_| damaged(appid, "the token service URL is invalid"))?,
        ),
        _ => {
            return Err(damaged(
                appid,
                "it holds neither exactly one AppSecret nor one token service URL",
            ))
        }
    };
    Ok(Some(Credentials {
        appid: appid.to_string(),
        secret,
    }))
}

/// Removes the item; a missing item is not an error.
pub(crate) fn delete(service: &str, appid: &str) -> Result<(), CredentialError> {
    match entry(service, appid)?.delete_credential() {
        Ok(()) | Err(keyring::Error::NoEntry) => Ok(()),
        Err(keyring::Error::Ambiguous(entries)) => {
            // Several items match (another tool wrote one too): remove them all.
            for e in entries {
                match e.delete_credential() {
                    Ok(()) | Err(keyring::Error::NoEntry) => {}
                    Err(err) => return Err(map_error(err)),
                }
            }
            Ok(())
        }
        Err(e) => Err(map_error(e)),
    }
}

fn damaged(appid: &str, reason: &str) -> CredentialError {
    CredentialError::Damaged {
        appid: appid.to_string(),
        reason: reason.to_string(),
    }
}

/// The error and its sources in one line. Keyring errors carry no secret in their text (the
/// variants that hold raw bytes are handled before this and never printed).
fn chain(e: &dyn std::error::Error) -> String {
    let mut text = e.to_string();
    let mut source = e.source();
    while let Some(s) = source {
        let more = s.to_string();
        if !text.contains(&more) {
            text.push_str(": ");
            text.push_str(&more);
        }
        source = s.source();
    }
    text
}

/// What a keyring error means. The Secret Service's own words are matched where `keyring`
/// folds several causes into one variant (tests against a real daemon pin these down).
pub(crate) fn map_error(e: keyring::Error) -> CredentialError {
    match e {
        keyring::Error::NoDefaultStore => CredentialError::KeychainUnavailable {
            detail: match keyring::Entry::store_status() {
                Err(init) => chain(init),
                Ok(()) => "no credential store is set up".into(),
            },
        },
        keyring::Error::NoStorageAccess(ref inner) => {
            let detail = chain(inner.as_ref());
            if detail.contains("result not returned") {
                // `ReadAlias("default")` answered "/": the service has no default collection.
                CredentialError::NoDefaultCollection
            } else {
                CredentialError::KeychainLocked { detail }
            }
        }
        keyring::Error::PlatformFailure(ref inner) => {
            let detail = chain(inner.as_ref());
            if [
                "ServiceUnknown",
                "NameHasNoOwner",
                "no secret service provider",
                "Connection refused",
                "No such file or directory",
            ]
            .iter()
            .any(|m| detail.contains(m))
            {
                CredentialError::KeychainUnavailable { detail }
            } else if detail.contains("IsLocked") || detail.contains("locked") {
                CredentialError::KeychainLocked { detail }
            } else {
                CredentialError::Keychain(detail)
            }
        }
        keyring::Error::BadEncoding(_) | keyring::Error::BadDataFormat(..) => {
            CredentialError::Keychain("the keychain returned data in an unexpected form".into())
        }
        keyring::Error::Ambiguous(entries) => CredentialError::Keychain(format!(
            "{} keychain items match this AppID; remove the extra ones (e.g. with `secret-tool clear`) and log in again",
            entries.len()
        )),
        other => CredentialError::Keychain(chain(&other)),
    }
}
