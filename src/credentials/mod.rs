//! The shop's credentials: the AppID with either the AppSecret or the URL of the company's own
//! token service, kept in the OS keychain (Secret Service on Linux, Keychain on macOS,
//! Credential Manager on Windows) and nowhere else.
//!
//! The data directory holds only a small non-secret marker (`account.json`: the AppID, which kind
//! of credential, and the keychain service name) so that the app knows whether to ask the
//! keychain at all and can say what is configured when the keychain is locked. When no keychain
//! is reachable every call fails with [`CredentialError::KeychainUnavailable`]: there is no
//! fallback to a plain file.
//!
//! Every function here may block on D-Bus (and, on a desktop, on the user answering an unlock
//! prompt): call it from a blocking thread (`tokio::task::spawn_blocking`), never from a UI frame.

pub mod env_secret;
pub mod journal_password;
mod keychain;
mod marker;

use std::path::{Path, PathBuf};

use serde::{Deserialize, Serialize};
use url::Url;

use crate::wechat::{Secret, TokenSource};

pub use keychain::probe_keychain;

/// The keychain service name used unless `WAYBILL_DESK_KEYRING_SERVICE` says otherwise.
pub const DEFAULT_KEYRING_SERVICE: &str = "waybill-desk";
/// Environment variable naming another keychain service (a second profile, or test isolation).
pub const KEYRING_SERVICE_ENV: &str = "WAYBILL_DESK_KEYRING_SERVICE";
/// The non-secret marker file in the data directory.
pub const ACCOUNT_FILE: &str = "account.json";

/// What proves the station may call the shop's APIs.
#[derive(Clone, PartialEq, Eq)]
pub enum CredentialSecret {
    /// The AppSecret itself (`stable_token` is called with it).
    AppSecret(Secret),
    /// The company's token service, which answers `{access_token, expires_in}`; the station
    /// never sees the AppSecret. The URL is kept in the keychain too: it may carry a key.
    TokenService(Url),
}

impl std::fmt::Debug for CredentialSecret {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            CredentialSecret::AppSecret(_) => f.write_str("AppSecret(***)"),
            CredentialSecret::TokenService(url) => {
                write!(f, "TokenService({})", shown_url(url))
            }
        }
    }
}

/// Which kind of credential an account uses (the non-secret half of [`CredentialSecret`]).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum CredentialKind {
    AppSecret,
    TokenService,
}

/// The AppID with its secret.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Credentials {
    pub appid: String,
    pub secret: CredentialSecret,
}

impl Credentials {
    /// AppID + AppSecret, checked for obvious typos (empty, spaces, line breaks).
    pub fn app_secret(appid: &str, secret: &str) -> Result<Credentials, CredentialError> {
        let appid = check_appid(appid)?;
        let secret = secret.trim_end_matches(['\r', '\n']);
        if secret.is_empty() {
            return Err(CredentialError::Invalid("the AppSecret is empty".into()));
        }
        if secret.chars().any(|c| c.is_whitespace() || c.is_control()) {
            return Err(CredentialError::Invalid(
                "the AppSecret contains spaces or control characters; paste it again".into(),
            ));
        }
        Ok(Credentials {
            appid,
            secret: CredentialSecret::AppSecret(Secret::new(secret)),
        })
    }

    /// AppID + token-service URL (http or https).
    pub fn token_service(appid: &str, url: &str) -> Result<Credentials, CredentialError> {
        let appid = check_appid(appid)?;
        let parsed = Url::parse(url.trim()).map_err(|e| {
            CredentialError::Invalid(format!("the token service URL is not a URL ({e})"))
        })?;
        if !matches!(parsed.scheme(), "http" | "https") || parsed.host_str().is_none() {
            return Err(CredentialError::Invalid(
                "the token service URL must start with https:// (or http://)".into(),
            ));
        }
        Ok(Credentials {
            appid,
            secret: CredentialSecret::TokenService(parsed),
        })
    }

    /// Which kind of credential this is.
    pub fn kind(&self) -> CredentialKind {
        match self.secret {
            CredentialSecret::AppSecret(_) => CredentialKind::AppSecret,
            CredentialSecret::TokenService(_) => CredentialKind::TokenService,
        }
    }

    /// Where the client gets its access tokens from.
    pub fn token_source(&self) -> TokenSource {
        match &self.secret {
            CredentialSecret::AppSecret(secret) => TokenSource::AppSecret {
                appid: self.appid.clone(),
                secret: secret.clone(),
            },
            CredentialSecret::TokenService(url) => TokenSource::TokenService { url: url.clone() },
        }
    }
}

fn check_appid(appid: &str) -> Result<String, CredentialError> {
    let appid = appid.trim();
    if appid.is_empty() {
        return Err(CredentialError::Invalid("the AppID is empty".into()));
    }
    if appid.len() > 64
        || !appid
            .chars()
            .all(|c| c.is_ascii_alphanumeric() || c == '_' || c == '-')
    {
        return Err(CredentialError::Invalid(format!(
            "`{appid}` is not an AppID (letters and digits, like wx1234567890abcdef)"
        )));
    }
    Ok(appid.to_string())
}

/// A URL without its query, fragment or user info, for showing where a token service lives
/// (the query may carry a key).
pub fn shown_url(url: &Url) -> String {
    let mut shown = url.clone();
    shown.set_query(None);
    shown.set_fragment(None);
    let _ = shown.set_username("");
    let _ = shown.set_password(None);
    shown.to_string()
}

/// What the data directory says is configured; readable without the keychain.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Account {
    pub appid: String,
    pub kind: CredentialKind,
    /// The keychain service name the secret is stored under (the account name is the AppID).
    pub keyring_service: String,
}

impl Account {
    /// Where the secret lives, in words (never the secret itself).
    pub fn location(&self) -> String {
        format!(
            "{} (service \"{}\", account \"{}\")",
            keychain::KEYCHAIN_NAME,
            self.keyring_service,
            self.appid
        )
    }
}

/// Why credentials could not be stored, read or removed. No variant ever holds a secret.
#[derive(Debug, thiserror::Error)]
pub enum CredentialError {
    /// No keychain answers: no Secret Service on the session bus, no session bus at all.
    #[error("no keychain is reachable ({detail}). Start or unlock GNOME Keyring or KWallet (on a desktop, log in to it; on a headless station run `gnome-keyring-daemon --unlock` inside the D-Bus session); credentials are never kept in a plain file")]
    KeychainUnavailable { detail: String },
    /// The keychain is there but locked, and unlocking was refused or could not be asked.
    #[error("the keychain is locked ({detail}). Unlock it (GNOME Keyring: open \"Passwords and Keys\" and unlock the Login keyring; KWallet: open the wallet), then try again")]
    KeychainLocked { detail: String },
    /// The Secret Service has no default collection to create the item in.
    #[error("the keychain has no default keyring yet. Create one: log in to the desktop once, or open \"Passwords and Keys\" and create a keyring set as default, or on a headless station run `gnome-keyring-daemon --unlock` (it creates the Login keyring)")]
    NoDefaultCollection,
    /// The data directory says credentials were stored, but the keychain has none.
    #[error("the keychain holds no credentials for AppID {appid} (service \"{service}\") although this station was logged in; log in again with `waybill-desk login --appid {appid}`")]
    Missing { appid: String, service: String },
    /// The stored item is not what this app writes.
    #[error("the keychain item for AppID {appid} is damaged ({reason}); log in again")]
    Damaged { appid: String, reason: String },
    /// Input that cannot be a credential.
    #[error("{0}")]
    Invalid(String),
    /// The non-secret marker file could not be read or written.
    #[error("cannot {action} {path}: {source}")]
    Marker {
        action: &'static str,
        path: PathBuf,
        source: std::io::Error,
    },
    /// Any other keychain failure, with the platform's words.
    #[error("the keychain failed: {0}")]
    Keychain(String),
}

/// Credentials of one data directory, kept in the OS keychain.
#[derive(Debug, Clone)]
pub struct CredentialStore {
    data_dir: PathBuf,
    service: String,
}

impl CredentialStore {
    /// The store for a data directory, under the keychain service named by
    /// `WAYBILL_DESK_KEYRING_SERVICE` or [`DEFAULT_KEYRING_SERVICE`].
    pub fn new(data_dir: &Path) -> Self {
        let service = std::env::var(KEYRING_SERVICE_ENV)
            .ok()
            .filter(|s| !s.trim().is_empty())
            .unwrap_or_else(|| DEFAULT_KEYRING_SERVICE.to_string());
        Self::with_service(data_dir, &service)
    }

    /// The store under an explicit keychain service name.
    pub fn with_service(data_dir: &Path, service: &str) -> Self {
        CredentialStore {
            data_dir: data_dir.to_path_buf(),
            service: service.to_string(),
        }
    }

    /// What is configured, from the marker alone (no keychain access). `None`: never logged in.
    pub fn account(&self) -> Result<Option<Account>, CredentialError> {
        marker::read(&self.data_dir)
    }

    /// Stores the credentials in the keychain (replacing any for the same AppID), then the
    /// marker. If the marker cannot be written the keychain item is removed again, so the two
    /// never disagree.
    pub fn save(&self, credentials: &Credentials) -> Result<Account, CredentialError> {
        let account = Account {
            appid: credentials.appid.clone(),
            kind: credentials.kind(),
            keyring_service: self.service.clone(),
        };
        if let Some(previous) = self.account()? {
            if previous.appid != account.appid || previous.keyring_service != self.service {
                keychain::delete(&previous.keyring_service, &previous.appid)?;
            }
        }
        keychain::store(&self.service, credentials)?;
        if let Err(e) = marker::write(&self.data_dir, &account) {
            if let Err(undo) = keychain::delete(&self.service, &credentials.appid) {
                tracing::warn!(error = %undo, "could not remove the keychain item after the marker failed");
            }
            return Err(e);
        }
        tracing::info!(appid = %account.appid, kind = ?account.kind, "credentials stored in the keychain");
        Ok(account)
    }

    /// The stored credentials. `Ok(None)` when this data directory was never logged in (the
    /// keychain is not asked then); an error when it was but the keychain cannot give them.
    pub fn load(&self) -> Result<Option<Credentials>, CredentialError> {
        Ok(self.load_with_account()?.map(|(_, c)| c))
    }

    /// Like [`CredentialStore::load`], with the marker's account.
    pub fn load_with_account(&self) -> Result<Option<(Account, Credentials)>, CredentialError> {
        let Some(account) = self.account()? else {
            return Ok(None);
        };
        match keychain::load(&account.keyring_service, &account.appid)? {
            Some(credentials) => Ok(Some((account, credentials))),
            None => Err(CredentialError::Missing {
                appid: account.appid,
                service: account.keyring_service,
            }),
        }
    }

    /// Removes the keychain item and the marker. `Ok(false)`: nothing was stored.
    pub fn delete(&self) -> Result<bool, CredentialError> {
        let Some(account) = self.account()? else {
            return Ok(false);
        };
        keychain::delete(&account.keyring_service, &account.appid)?;
        marker::remove(&self.data_dir)?;
        tracing::info!(appid = %account.appid, "credentials removed from the keychain");
        Ok(true)
    }
}

/// The token source for a data directory's stored credentials, as both the CLI and the GUI use
/// it: `Ok(None)` when none were stored (demo mode is then the caller's choice).
pub fn stored_token_source(
    data_dir: &Path,
) -> Result<Option<(Account, TokenSource)>, CredentialError> {
    Ok(CredentialStore::new(data_dir)
        .load_with_account()?
        .map(|(account, credentials)| (account, credentials.token_source())))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn input_is_checked_and_secrets_never_print() {
        let c = Credentials::app_secret("wx1234567890abcdef", "s3cr3t-value\n").unwrap();
        assert!(!format!("{c:?}").contains("s3cr3t"));
        assert!(Credentials::app_secret("", "x").is_err());
        assert!(Credentials::app_secret("wx 1", "x").is_err());
        assert!(Credentials::app_secret("wx1", "").is_err());
        assert!(Credentials::app_secret("wx1", "a b").is_err());
        let t = Credentials::token_service("wx1", "https://tok.example.com/t?key=K9").unwrap();
        assert!(!format!("{t:?}").contains("K9"));
        assert!(matches!(
            t.token_source(),
            TokenSource::TokenService { url } if url.as_str() == "https://tok.example.com/t?key=K9"
        ));
        assert!(Credentials::token_service("wx1", "ftp://x/").is_err());
        assert!(Credentials::token_service("wx1", "not a url").is_err());
    }

    #[test]
    fn shown_url_drops_query_and_user_info() {
        let url = Url::parse("https://u:p@tok.example.com/t?key=K9#f").unwrap();
        assert_eq!(shown_url(&url), "https://tok.example.com/t");
    }
}
