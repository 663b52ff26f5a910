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

/// Environment variable naming a shared journal (a PostgreSQL URL; a password in it is
/// accepted, for CI, and never shown).
pub const JOURNAL_URL_ENV: &str = "WAYBILL_DESK_JOURNAL_URL";

/// Where the journal lives and, for a shared one, the password from a password file.
#[derive(Clone)]
pub struct JournalSpec {
    pub location: crate::store::JournalLocation,
    /// Where the URL came from: `--journal`, the environment, settings, or the data directory.
    pub from: &'static str,
    password: Option<String>,
}

impl std::fmt::Debug for JournalSpec {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("JournalSpec")
            .field("location", &self.location)
            .field("from", &self.from)
            .field("password", &self.password.as_ref().map(|_| "***"))
            .finish()
    }
}

/// Why the journal's location cannot be used.
#[derive(Debug, thiserror::Error)]
pub enum JournalSpecError {
    /// A password written into settings.json or given as a flag (shell history, `ps`).
    #[error("the journal URL {location} ({from}) holds a password; passwords never go in {from}. Remove it from the URL and store it with `waybill-desk journal password`, or put it in ~/.pgpass (hostname:port:database:username:password, chmod 0600) or PGPASSFILE, or in the environment URL {JOURNAL_URL_ENV} on a CI machine")]
    PasswordGiven {
        location: String,
        from: &'static str,
    },
}

impl JournalSpecError {
    /// The message in the user's language.
    pub fn explain(&self, lang: crate::wechat::Lang) -> String {
        match (self, lang) {
            (JournalSpecError::PasswordGiven { location, from }, crate::wechat::Lang::ZhCn) => {
                format!(
                    "记录本地址 {location}({from})里写了密码;密码不能写在 {from} 里。请从地址中去掉密码,用 `waybill-desk journal password` 存进系统钥匙串,或写进 ~/.pgpass(主机:端口:数据库:用户:密码,权限 0600)或 PGPASSFILE 指定的文件;CI 机器上可以写在环境变量 {JOURNAL_URL_ENV} 的地址里"
                )
            }
            (e, _) => e.to_string(),
        }
    }
}

/// The journal: `--journal URL`, else `WAYBILL_DESK_JOURNAL_URL`, else `journal_url` in
/// settings, else `journal.sqlite3` in `journal_dir`. A password in the flag or in settings is
/// refused; one in the environment is accepted. A URL without a password takes it from the
/// OS keychain (`journal password`), else the `.pgpass`-style file (PGPASSFILE or ~/.pgpass).
pub fn journal_spec(
    flag: Option<&str>,
    env_url: Option<&str>,
    settings_url: &str,
    journal_dir: &Path,
) -> Result<JournalSpec, JournalSpecError> {
    use crate::store::{redact_url, url_has_password, JournalLocation};
    let given = [
        (flag, "--journal"),
        (env_url, JOURNAL_URL_ENV),
        (Some(settings_url), "settings.json"),
    ]
    .into_iter()
    .find_map(|(url, from)| {
        url.map(str::trim)
            .filter(|u| !u.is_empty())
            .map(|u| (u.to_string(), from))
    });
    let Some((url, from)) = given else {
        return Ok(JournalSpec {
            location: JournalLocation::Sqlite(journal_dir.join(crate::store::JOURNAL_FILE)),
            from: "data directory",
            password: None,
        });
    };
    if from != JOURNAL_URL_ENV && url_has_password(&url) {
        return Err(JournalSpecError::PasswordGiven {
            location: redact_url(&url),
            from,
        });
    }
    let password = crate::store::url_login(&url).and_then(|(host, port, db, user)| {
        // The keychain first (`journal password`); one that cannot be read is not an error
        // here: a headless station uses its .pgpass.
        let key = crate::credentials::journal_password::key(&user, &host, port, &db);
        match crate::credentials::journal_password::load(&key) {
            Ok(Some(p)) => return Some(p),
            Ok(None) => {}
            Err(e) => tracing::debug!(error = %e, "no journal password from the keychain"),
        }
        let file = crate::store::pgpass::default_file()?;
        crate::store::pgpass::lookup(&file, &host, port, &db, &user)
    });
    Ok(JournalSpec {
        location: JournalLocation::Postgres(url),
        from,
        password,
    })
}

/// Opens (or connects to) the journal `spec` names.
pub async fn open_journal(
    spec: &JournalSpec,
) -> Result<crate::store::Journal, crate::store::JournalError> {
    match &spec.location {
        crate::store::JournalLocation::Postgres(url) => {
            crate::store::Journal::connect_postgres(url, spec.password.as_deref()).await
        }
        local => crate::store::Journal::connect(local).await,
    }
}

/// The pool of the shared journal `spec` names without reading its schema (`journal migrate`).
pub fn shared_journal_unchecked(
    spec: &JournalSpec,
) -> Option<Result<crate::store::Journal, crate::store::JournalError>> {
    match &spec.location {
        crate::store::JournalLocation::Postgres(url) => Some(
            crate::store::Journal::postgres_unchecked(url, spec.password.as_deref()),
        ),
        crate::store::JournalLocation::Sqlite(_) => None,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_journal_url_comes_from_flag_then_env_then_settings_and_passwords_stay_out_of_files() {
        use crate::store::JournalLocation;
        let dir = Path::new("/data");
        let local = journal_spec(None, None, "", dir).unwrap();
        assert_eq!(
            local.location,
            JournalLocation::Sqlite(dir.join(crate::store::JOURNAL_FILE))
        );
        let url = |s: &JournalSpec| match &s.location {
            JournalLocation::Postgres(u) => u.clone(),
            other => panic!("{other:?}"),
        };
        let s = journal_spec(
            Some("postgres://a@h/j"),
            Some("postgres://b@h/j"),
            "postgres://c@h/j",
            dir,
        )
        .unwrap();
        assert_eq!(
            (url(&s).as_str(), s.from),
            ("postgres://a@h/j", "--journal")
        );
        let s = journal_spec(None, Some("postgres://b:pw@h/j"), "postgres://c@h/j", dir).unwrap();
        assert_eq!(
            s.from, JOURNAL_URL_ENV,
            "a password in the environment is accepted"
        );
        assert!(!format!("{s:?}").contains("pw@"), "{s:?}");
        let s = journal_spec(None, None, "postgres://c@h/j", dir).unwrap();
        assert_eq!(s.from, "settings.json");
        for (flag, settings) in [
            (Some("postgres://a:hunter2@h/j"), ""),
            (None, "postgres://c:hunter2@h/j"),
        ] {
            let e = journal_spec(flag, None, settings, dir).unwrap_err();
            let text = format!("{e} {}", e.explain(crate::wechat::Lang::ZhCn));
            assert!(!text.contains("hunter2"), "{text}");
            assert!(text.contains(".pgpass"), "{text}");
        }
    }
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
