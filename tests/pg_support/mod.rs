//! The private PostgreSQL server of scripts/test-env/postgres.sh: its URL, and a fresh database
//! on it for one test.
#![allow(dead_code)]
#![allow(clippy::unwrap_used)] // test helpers may panic: a panic is a failed test

/// The private PostgreSQL server's URL, or `None` when the run says to skip PostgreSQL.
pub fn pg_server() -> Option<String> {
    match std::env::var("WAYBILL_DESK_TEST_PG_URL") {
        Ok(url) if !url.is_empty() => Some(url),
        _ if std::env::var("WAYBILL_DESK_SKIP_PG").as_deref() == Ok("1") => {
            eprintln!("WAYBILL_DESK_SKIP_PG=1: PostgreSQL test skipped");
            None
        }
        _ => panic!(
            "no private PostgreSQL server: run under scripts/test-env/with-services.sh (or set WAYBILL_DESK_SKIP_PG=1)"
        ),
    }
}

/// A fresh database on the private server for one test; returns its URL.
pub async fn pg_database(server: &str, test: &str) -> String {
    let (client, conn) = tokio_postgres::connect(server, tokio_postgres::NoTls)
        .await
        .unwrap();
    tokio::spawn(conn);
    let name = format!(
        "wbd_{test}_{}_{}",
        std::process::id(),
        rand::random::<u32>()
    );
    client
        .batch_execute(&format!("CREATE DATABASE {name}"))
        .await
        .unwrap();
    let (base, _) = server.rsplit_once('/').unwrap();
    format!("{base}/{name}")
}
