//! Where the station talks to, decided once for the CLI and the window: the API base (flag,
//! then settings, then WeChat's host), the credentials (AppID with the AppSecret from the
//! environment, else the OS keychain), or demo mode (the embedded sandbox with the shop
//! family's demo AppID) when nothing at all is configured. A keychain that cannot be read is
//! an error, never a silent switch to demo mode.

use std::path::{Path, PathBuf};

use crate::credentials::{Account, CredentialError};
use crate::sandbox::DEMO_SECRET;
use crate::wechat::shop::ShopKind;
use crate::wechat::{Secret, TokenSource, DEFAULT_API_BASE};

/// Environment variable holding the AppSecret for headless use.
pub use crate::credentials::env_secret::APPSECRET_ENV;

/// What the caller was given.
#[derive(Debug, Clone, Default)]
pub struct ConnectRequest {
    /// `--api-base`.
    pub api_base: Option<url::Url>,
    /// The API base saved in settings (empty: none).
    pub settings_api_base: String,
    /// `--appid` / `WAYBILL_DESK_APPID`.
    pub appid: Option<String>,
    /// The AppSecret from the environment ([`crate::credentials::env_secret::env_secret`]).
    pub env_secret: Option<Secret>,
    /// The shop family (picks the demo AppID in demo mode).
    pub shop: ShopKind,
}

/// Where to talk to.
#[derive(Debug)]
pub enum Connection {
    /// A real (or given) API with these credentials.
    Wechat {
        base: url::Url,
        source: TokenSource,
        /// The AppID the station works as.
        appid: String,
        /// True when the credentials came from the keychain (`login`).
        from_keychain: bool,
    },
    /// Nothing configured: the embedded sandbox, with this AppID and the demo secret.
    Demo { source: TokenSource },
}

/// Why no connection could be decided.
#[derive(Debug, thiserror::Error)]
pub enum ResolveError {
    /// `--api-base` or the settings' API base is not a URL.
    #[error("the API base URL {given:?} ({from}) is not a valid URL: {reason}; fix it or leave it empty for WeChat's own host")]
    BadApiBase {
        given: String,
        from: &'static str,
        reason: String,
    },
    /// The keychain could not be read; the station may be logged in, so there is no demo mode.
    #[error(transparent)]
    Keychain(CredentialError),
    /// An AppID was given that is not the one the station is logged in as.
    #[error("AppID {given} was given but this station is logged in as {stored}; set the secret in {APPSECRET_ENV} or run `waybill-desk login --appid ...`")]
    OtherAppid { given: String, stored: String },
    /// Something was given, but no AppID.
    #[error("no AppID: run `waybill-desk login --appid ID`, or pass --appid / set WAYBILL_DESK_APPID (and the secret in {APPSECRET_ENV})")]
    NoAppid,
    /// An AppID (or API base) was given, but no AppSecret.
    #[error("no AppSecret: run `waybill-desk login --appid ID` to store it in the OS keychain, or set it in the environment variable {APPSECRET_ENV}")]
    NoSecret,
}

/// The API base: the flag, else the settings', else WeChat's host.
pub fn api_base(request: &ConnectRequest) -> Result<url::Url, ResolveError> {
    if let Some(base) = &request.api_base {
        return Ok(base.clone());
    }
    let (given, from) = match request.settings_api_base.trim() {
        "" => (DEFAULT_API_BASE, "default"),
        saved => (saved, "settings"),
    };
    url::Url::parse(given).map_err(|e| ResolveError::BadApiBase {
        given: given.to_string(),
        from,
        reason: e.to_string(),
    })
}

/// Decides the connection. `stored` reads the keychain (called only when the environment has
/// no secret); it is blocking, so async callers run this on a blocking thread.
pub fn connection(
    request: &ConnectRequest,
    stored: impl FnOnce() -> Result<Option<(Account, TokenSource)>, CredentialError>,
) -> Result<Connection, ResolveError> {
    if let (Some(appid), Some(secret)) = (&request.appid, &request.env_secret) {
        return Ok(Connection::Wechat {
            base: api_base(request)?,
            source: TokenSource::AppSecret {
                appid: appid.clone(),
                secret: secret.clone(),
            },
            appid: appid.clone(),
            from_keychain: false,
        });
    }
    if request.env_secret.is_none() {
        if let Some((account, source)) = stored().map_err(ResolveError::Keychain)? {
            if let Some(given) = request.appid.as_ref().filter(|a| **a != account.appid) {
                return Err(ResolveError::OtherAppid {
                    given: given.clone(),
                    stored: account.appid,
                });
            }
            tracing::debug!(appid = %account.appid, "using credentials from the keychain");
            return Ok(Connection::Wechat {
                base: api_base(request)?,
                source,
                appid: account.appid,
                from_keychain: true,
            });
        }
    }
    match (&request.appid, &request.env_secret, &request.api_base) {
        (None, None, None) => Ok(demo(request.shop)),
        (None, _, _) => Err(ResolveError::NoAppid),
        (Some(_), _, _) => Err(ResolveError::NoSecret),
    }
}

/// Demo mode for a shop family: the embedded sandbox answers as that family's demo AppID.
pub fn demo(shop: ShopKind) -> Connection {
    Connection::Demo {
        source: TokenSource::AppSecret {
            appid: crate::sandbox::demo_appid_for(shop).into(),
            secret: Secret::new(DEMO_SECRET),
        },
    }
}

/// Where the journal lives: the data directory, or in demo mode its `demo` folder (demo data
/// is new every start, so its journal is kept apart from the real one).
pub fn journal_dir(data_dir: &Path, connection: &Connection) -> PathBuf {
    match connection {
        Connection::Wechat { .. } => data_dir.to_path_buf(),
        Connection::Demo { .. } => data_dir.join("demo"),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::credentials::CredentialKind;

    fn account(appid: &str) -> (Account, TokenSource) {
        (
            Account {
                appid: appid.into(),
                kind: CredentialKind::AppSecret,
                keyring_service: "waybill-desk-test".into(),
            },
            TokenSource::AppSecret {
                appid: appid.into(),
                secret: Secret::new("from-keychain"),
            },
        )
    }

    fn nothing_stored() -> Result<Option<(Account, TokenSource)>, CredentialError> {
        Ok(None)
    }

    fn appid_of(source: &TokenSource) -> String {
        match source {
            TokenSource::AppSecret { appid, .. } => appid.clone(),
            other => panic!("{other:?}"),
        }
    }

    #[test]
    fn env_secret_wins_and_the_keychain_is_not_read() {
        let request = ConnectRequest {
            appid: Some("wxenv".into()),
            env_secret: Some(Secret::new("env-secret")),
            ..ConnectRequest::default()
        };
        let got = connection(&request, || panic!("the keychain was read")).unwrap();
        let Connection::Wechat {
            base,
            source,
            from_keychain,
            ..
        } = got
        else {
            panic!("{got:?}")
        };
        assert_eq!(appid_of(&source), "wxenv");
        assert!(!from_keychain);
        assert_eq!(
            base.as_str(),
            url::Url::parse(DEFAULT_API_BASE).unwrap().as_str()
        );
    }

    #[test]
    fn keychain_credentials_are_used_with_the_saved_api_base() {
        let request = ConnectRequest {
            settings_api_base: "http://127.0.0.1:9/".into(),
            ..ConnectRequest::default()
        };
        let got = connection(&request, || Ok(Some(account("wxstored")))).unwrap();
        let Connection::Wechat {
            base,
            appid,
            from_keychain,
            ..
        } = got
        else {
            panic!("{got:?}")
        };
        assert_eq!((appid.as_str(), from_keychain), ("wxstored", true));
        assert_eq!(base.as_str(), "http://127.0.0.1:9/");
        // The flag beats the settings.
        let flagged = ConnectRequest {
            api_base: Some(url::Url::parse("http://127.0.0.1:8/").unwrap()),
            ..request
        };
        assert_eq!(api_base(&flagged).unwrap().as_str(), "http://127.0.0.1:8/");
    }

    #[test]
    fn a_different_appid_than_the_logged_in_one_is_refused() {
        let request = ConnectRequest {
            appid: Some("wxother".into()),
            ..ConnectRequest::default()
        };
        let err = connection(&request, || Ok(Some(account("wxstored")))).unwrap_err();
        assert!(matches!(err, ResolveError::OtherAppid { .. }), "{err:?}");
    }

    #[test]
    fn nothing_configured_is_demo_mode_with_the_familys_appid() {
        for shop in [ShopKind::Channels, ShopKind::Minishop] {
            let request = ConnectRequest {
                shop,
                ..ConnectRequest::default()
            };
            let got = connection(&request, nothing_stored).unwrap();
            let Connection::Demo { source } = &got else {
                panic!("{got:?}")
            };
            assert_eq!(appid_of(source), crate::sandbox::demo_appid_for(shop));
            assert_eq!(
                journal_dir(Path::new("/data"), &got),
                Path::new("/data/demo")
            );
        }
        assert_ne!(
            crate::sandbox::demo_appid_for(ShopKind::Channels),
            crate::sandbox::demo_appid_for(ShopKind::Minishop)
        );
    }

    #[test]
    fn an_unreadable_keychain_is_an_error_not_demo_mode() {
        let err = connection(&ConnectRequest::default(), || {
            Err(CredentialError::KeychainLocked {
                detail: "locked collection".into(),
            })
        })
        .unwrap_err();
        assert!(matches!(err, ResolveError::Keychain(_)), "{err:?}");
    }

    #[test]
    fn something_given_without_the_rest_is_an_error_not_demo_mode() {
        let only_base = ConnectRequest {
            api_base: Some(url::Url::parse("http://127.0.0.1:9/").unwrap()),
            ..ConnectRequest::default()
        };
        assert!(matches!(
            connection(&only_base, nothing_stored),
            Err(ResolveError::NoAppid)
        ));
        let only_appid = ConnectRequest {
            appid: Some("wx1".into()),
            ..ConnectRequest::default()
        };
        assert!(matches!(
            connection(&only_appid, nothing_stored),
            Err(ResolveError::NoSecret)
        ));
    }

    #[test]
    fn a_bad_saved_api_base_is_named() {
        let request = ConnectRequest {
            settings_api_base: "not a url".into(),
            appid: Some("wx1".into()),
            env_secret: Some(Secret::new("s")),
            ..ConnectRequest::default()
        };
        let err = connection(&request, nothing_stored).unwrap_err();
        let ResolveError::BadApiBase { given, from, .. } = &err else {
            panic!("{err:?}")
        };
        assert_eq!((given.as_str(), *from), ("not a url", "settings"));
        assert!(err.to_string().contains("not a valid URL"));
    }
}
