//! Versioned migrations of the shared journal. Migration N takes the schema from N-1 to N; all
//! the missing ones run in one transaction that holds an advisory lock for this schema, so two
//! stations starting at once migrate once (the second waits, then finds the work done) and a
//! failure leaves the schema as it was. Never edit a published migration: add another.

use tokio_postgres::GenericClient;

/// Migrations in order; index 0 produces version 1.
pub(crate) const MIGRATIONS: &[&str] = &[
    // 1: the journal's tables (those of the SQLite engine's schema 3).
    include_str!("migrations/0001_journal.sql"),
    // 2: per-order claims with leases (store/claims.rs).
    super::claims::DDL,
    // 3: the live feed: journal_events, its NOTIFY trigger and the triggers that fill it.
    super::listen::FEED_MIGRATION,
];

/// The advisory lock's first key ("WBDJ"); the second is the schema's hash.
const LOCK_KEY: i32 = 0x5742_444A;

/// The version this build writes.
pub(crate) fn latest_version() -> u32 {
    u32::try_from(MIGRATIONS.len()).unwrap_or(u32::MAX)
}

/// Why migrating stopped.
#[derive(Debug)]
pub(crate) enum MigrateError {
    /// The schema is newer than this build (its version).
    TooNew(u32),
    Db(tokio_postgres::Error),
}

impl From<tokio_postgres::Error> for MigrateError {
    fn from(e: tokio_postgres::Error) -> Self {
        MigrateError::Db(e)
    }
}

/// The version of the schema in use (0 when it has no `schema_version` table yet).
pub(crate) async fn current_version(c: &impl GenericClient) -> Result<u32, tokio_postgres::Error> {
    let exists: bool = c
        .query_one("SELECT to_regclass('schema_version') IS NOT NULL", &[])
        .await?
        .get(0);
    if !exists {
        return Ok(0);
    }
    let version: Option<i64> = c
        .query_one("SELECT max(version) FROM schema_version", &[])
        .await?
        .get(0);
    Ok(version.map_or(0, |v| u32::try_from(v).unwrap_or(u32::MAX)))
}

/// Applies the missing migrations in one transaction. Returns the version found before.
pub(crate) async fn migrate(client: &mut tokio_postgres::Client) -> Result<u32, MigrateError> {
    let tx = client.transaction().await?;
    // The first schema of the search path is where the journal lives: created if missing (a
    // URL naming a new schema for this shop).
    let schema: Option<String> = tx.query_one("SELECT current_schema()", &[]).await?.get(0);
    if schema.is_none() {
        let path: String = tx
            .query_one("SELECT current_setting('search_path')", &[])
            .await?
            .get(0);
        if let Some(first) = path
            .split(',')
            .map(|s| s.trim().trim_matches('"'))
            .find(|s| !s.is_empty() && *s != "$user")
        {
            tx.batch_execute(&format!(
                "CREATE SCHEMA IF NOT EXISTS \"{}\"",
                first.replace('"', "\"\"")
            ))
            .await?;
        }
    }
    tx.execute(
        "SELECT pg_advisory_xact_lock($1, hashtext(coalesce(current_schema(), '')))",
        &[&LOCK_KEY],
    )
    .await?;
    tx.batch_execute(
        "CREATE TABLE IF NOT EXISTS schema_version (
             version        BIGINT PRIMARY KEY,
             applied_at_ms  BIGINT NOT NULL,
             app_version    TEXT NOT NULL
         )",
    )
    .await?;
    let found = current_version(&tx).await?;
    if found > latest_version() {
        return Err(MigrateError::TooNew(found));
    }
    for (index, sql) in MIGRATIONS.iter().enumerate().skip(found as usize) {
        tx.batch_execute(sql).await?;
        let version = i64::try_from(index + 1).unwrap_or(i64::MAX);
        tx.execute(
            "INSERT INTO schema_version (version, applied_at_ms, app_version) VALUES ($1, $2, $3)",
            &[
                &version,
                &crate::store::now_ms(),
                &env!("CARGO_PKG_VERSION"),
            ],
        )
        .await?;
        tracing::info!(version, "shared journal schema migrated");
    }
    tx.commit().await?;
    Ok(found)
}
