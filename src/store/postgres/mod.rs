//! The PostgreSQL engine of the journal: one database (or one schema of it, through the URL's
//! `options=-csearch_path=...`) shared by several packing stations. A deadpool-postgres pool
//! of tokio-postgres connections; every method has the meaning of its SQLite twin, with a
//! transaction wherever the SQLite engine writes in one.
//!
//! Migrations are versioned (`schema_version`), applied in order inside one transaction under
//! an advisory lock, so two stations starting at once migrate once. At connect, an absent or
//! older schema is brought up to date (and the log says so); a newer one is refused.

pub(crate) mod claims;
mod journal;
pub mod listen;
pub(crate) mod migrate;

use std::path::PathBuf;
use std::str::FromStr as _;
use std::time::Duration;

use deadpool_postgres::{Manager, ManagerConfig, Pool, RecyclingMethod, Runtime};
use tokio_postgres::config::SslMode;
use tokio_postgres::{Config, NoTls};

use super::handle::redact_url;
use super::JournalError;

/// Connections one station keeps at most (a batch, the window's reads and the feed's catch-up
/// at once; ten stations stay far under PostgreSQL's default 100).
const POOL_SIZE: usize = 6;
/// How long a connection attempt (or a wait for a pooled connection) may take.
const CONNECT_TIMEOUT: Duration = Duration::from_secs(5);
const WAIT_TIMEOUT: Duration = Duration::from_secs(15);

/// The shared journal: a pool over one database (schema).
pub(crate) struct PgJournal {
    pool: Pool,
    config: Config,
    location: String,
}

impl std::fmt::Debug for PgJournal {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("PgJournal")
            .field("location", &self.location)
            .finish()
    }
}

/// Parses a journal URL (`postgres://` or `postgresql://`, or libpq's `key=value` form), refusing
/// TLS modes this build cannot honour. `password` (from the keychain or a .pgpass file) is used
/// when the URL has none.
pub(crate) fn parse_config(url: &str, password: Option<&str>) -> Result<Config, JournalError> {
    let location = redact_url(url);
    // libpq's TLS modes, some of which tokio-postgres does not parse: refused here by name.
    let asked = url::Url::parse(url).ok().and_then(|u| {
        u.query_pairs()
            .find(|(k, _)| k == "sslmode")
            .map(|(_, v)| v.to_lowercase())
    });
    if let Some(mode) =
        asked.filter(|m| matches!(m.as_str(), "require" | "verify-ca" | "verify-full"))
    {
        return Err(JournalError::TlsUnsupported { location, mode });
    }
    let mut config = Config::from_str(url).map_err(|e| JournalError::BadUrl {
        location: location.clone(),
        // tokio-postgres names the bad key, never the password's value.
        detail: e.to_string(),
    })?;
    match config.get_ssl_mode() {
        SslMode::Disable | SslMode::Prefer => {}
        other => {
            return Err(JournalError::TlsUnsupported {
                location,
                mode: format!("{other:?}").to_lowercase(),
            })
        }
    }
    // `prefer` with no TLS connector connects without TLS, as libpq does without OpenSSL.
    config.ssl_mode(SslMode::Disable);
    if config.get_password().is_none() {
        if let Some(p) = password {
            config.password(p);
        }
    }
    if config.get_connect_timeout().is_none() {
        config.connect_timeout(CONNECT_TIMEOUT);
    }
    if config.get_application_name().is_none() {
        config.application_name("waybill-desk");
    }
    Ok(config)
}

impl PgJournal {
    /// Connects to the journal at `url` and brings an absent or older schema up to date
    /// (refusing a newer one). Fails with [`JournalError::Unreachable`] when the server cannot
    /// be reached.
    pub(crate) async fn connect(
        url: &str,
        password: Option<&str>,
    ) -> Result<PgJournal, JournalError> {
        let journal = PgJournal::open(url, password)?;
        let found = journal.schema_version().await?;
        let known = migrate::latest_version();
        if found > known {
            return Err(journal.too_new(found));
        }
        if found < known {
            tracing::info!(
                journal = %journal.location,
                found,
                known,
                "the shared journal's schema is {}: migrating it now",
                if found == 0 { "absent" } else { "older than this version" }
            );
            journal.migrate().await?;
        }
        Ok(journal)
    }

    /// The pool, without touching the server yet.
    pub(crate) fn open(url: &str, password: Option<&str>) -> Result<PgJournal, JournalError> {
        let config = parse_config(url, password)?;
        let location = redact_url(url);
        let manager = Manager::from_config(
            config.clone(),
            NoTls,
            ManagerConfig {
                recycling_method: RecyclingMethod::Fast,
            },
        );
        let pool = Pool::builder(manager)
            .max_size(POOL_SIZE)
            .runtime(Runtime::Tokio1)
            .wait_timeout(Some(WAIT_TIMEOUT))
            .create_timeout(Some(CONNECT_TIMEOUT))
            .recycle_timeout(Some(CONNECT_TIMEOUT))
            .build()
            .map_err(|e| JournalError::BadUrl {
                location: location.clone(),
                detail: e.to_string(),
            })?;
        Ok(PgJournal {
            pool,
            config,
            location,
        })
    }

    /// The URL with its password redacted.
    pub(crate) fn location(&self) -> &str {
        &self.location
    }

    /// The connection settings (for a dedicated connection, such as the live feed's LISTEN).
    pub(crate) fn config(&self) -> &Config {
        &self.config
    }

    /// A pooled connection.
    pub(crate) async fn client(&self) -> Result<deadpool_postgres::Object, JournalError> {
        self.pool.get().await.map_err(|e| match e {
            deadpool_postgres::PoolError::Backend(e) => self.db(e),
            deadpool_postgres::PoolError::Closed => JournalError::Stopped {
                location: self.location.clone(),
            },
            other => JournalError::Unreachable {
                location: self.location.clone(),
                detail: other.to_string(),
            },
        })
    }

    /// A driver error in the journal's words: the server gone is [`JournalError::Unreachable`],
    /// a refused statement [`JournalError::Postgres`] with the server's message.
    pub(crate) fn db(&self, e: tokio_postgres::Error) -> JournalError {
        let location = self.location.clone();
        if let Some(db) = e.as_db_error() {
            let code = db.code().code();
            // Class 08 (connection), 57P (shutdown), 28 (login refused), 3D000 (no database).
            if code.starts_with("08")
                || code.starts_with("57P")
                || code.starts_with("28")
                || code == "3D000"
            {
                return JournalError::Unreachable {
                    location,
                    detail: db.message().to_string(),
                };
            }
            return JournalError::Postgres {
                location,
                detail: format!("{} [{code}]", db.message()),
            };
        }
        // No server answer: the connection closed, timed out or never opened.
        JournalError::Unreachable {
            location,
            detail: driver_detail(&e),
        }
    }

    /// A stored value that does not decode.
    pub(crate) fn bad_record(&self, detail: impl Into<String>) -> JournalError {
        JournalError::BadRecord {
            path: PathBuf::from(&self.location),
            detail: detail.into(),
        }
    }

    fn too_new(&self, found: u32) -> JournalError {
        JournalError::TooNew {
            path: PathBuf::from(&self.location),
            found,
            known: migrate::latest_version(),
        }
    }

    /// The schema version (0 when the journal's tables are not there yet).
    pub(crate) async fn schema_version(&self) -> Result<u32, JournalError> {
        let client = self.client().await?;
        migrate::current_version(&**client)
            .await
            .map_err(|e| self.db(e))
    }

    /// Applies the missing migrations; returns the version found before. A newer schema is
    /// refused and left alone.
    pub(crate) async fn migrate(&self) -> Result<u32, JournalError> {
        let mut client = self.client().await?;
        match migrate::migrate(&mut client).await {
            Ok(found) => Ok(found),
            Err(migrate::MigrateError::TooNew(found)) => Err(self.too_new(found)),
            Err(migrate::MigrateError::Db(e)) => Err(self.db(e)),
        }
    }
}

/// The driver's words for an error without a server answer, with its cause (the I/O error).
fn driver_detail(e: &tokio_postgres::Error) -> String {
    let mut detail = e.to_string();
    let mut source = std::error::Error::source(e);
    while let Some(s) = source {
        detail.push_str(": ");
        detail.push_str(&s.to_string());
        source = s.source();
    }
    detail
}

/// Who logs in where, for a password lookup: (host, port, database, user). libpq's defaults
/// fill what the URL leaves out (port 5432, the user's login name, a database named after the
/// user). `None` when the URL already holds a password or does not parse.
pub(crate) fn login_of(url: &str) -> Option<(String, u16, String, String)> {
    let config = Config::from_str(url).ok()?;
    if config.get_password().is_some() {
        return None;
    }
    let host = match config.get_hosts().first()? {
        tokio_postgres::config::Host::Tcp(h) => h.clone(),
        #[cfg(unix)]
        tokio_postgres::config::Host::Unix(p) => {
            // libpq matches a socket directory as "localhost" in .pgpass.
            let _ = p;
            "localhost".to_string()
        }
    };
    let port = config.get_ports().first().copied().unwrap_or(5432);
    let user = config
        .get_user()
        .map(str::to_string)
        .or_else(|| std::env::var("USER").ok())?;
    let database = config
        .get_dbname()
        .map_or_else(|| user.clone(), str::to_string);
    Some((host, port, database, user))
}

/// Whether the URL carries a password.
pub(crate) fn has_password(url: &str) -> bool {
    Config::from_str(url).is_ok_and(|c| c.get_password().is_some())
}
