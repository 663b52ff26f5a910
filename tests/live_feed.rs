//! The shared journal's live feed against a real PostgreSQL (issue 13): a write arrives as an
//! event within a second; the server stopped turns the health to Lost, started again to
//! Connected, and what was written while the feed was away is caught up.
//!
//! Run under scripts/test-env/with-services.sh (WAYBILL_DESK_TEST_PG_URL). The restart test
//! starts a server of its own (same binaries): stopping the shared one would cut every other
//! test's connections mid-run.

#![allow(clippy::unwrap_used)] // test helpers may panic: a panic is a failed test

use std::path::PathBuf;
use std::process::Command;
use std::sync::atomic::{AtomicU32, Ordering};
use std::time::{Duration, Instant};

use waybill_desk::store::feed::listen::{self, Backoff};
use waybill_desk::store::feed::{EventKind, FeedError, FeedHealth, JournalEvent, JournalFeed};
use waybill_desk::store::{
    Actor, Journal, JournalLocation, NewPrintRecord, ShipAttemptState, ShipClaim,
};
use waybill_desk::wechat::delivery::WaybillRef;
use waybill_desk::wechat::logistics::Label;
use waybill_desk::wechat::OrderId;
use waybill_desk::wechat::{DeliveryId, PrintType, WaybillId};

/// The shared test server's URL; without it the test fails (unless skipping is asked for).
fn pg_url() -> Option<String> {
    match std::env::var("WAYBILL_DESK_TEST_PG_URL") {
        Ok(url) if !url.is_empty() => Some(url),
        _ if std::env::var("WAYBILL_DESK_SKIP_PG").as_deref() == Ok("1") => None,
        _ => panic!(
            "no test PostgreSQL: run under scripts/test-env/with-services.sh (or set WAYBILL_DESK_SKIP_PG=1 to skip)"
        ),
    }
}

fn runtime() -> tokio::runtime::Runtime {
    tokio::runtime::Builder::new_multi_thread()
        .worker_threads(2)
        .enable_all()
        .build()
        .unwrap()
}

async fn connect(config: &tokio_postgres::Config) -> tokio_postgres::Client {
    let (client, connection) = config.connect(tokio_postgres::NoTls).await.unwrap();
    tokio::spawn(connection);
    client
}

/// An empty database of its own on the server at `url`; its URL.
async fn empty_database(url: &str) -> String {
    static N: AtomicU32 = AtomicU32::new(0);
    let name = format!(
        "wbd_live_{}_{}",
        std::process::id(),
        N.fetch_add(1, Ordering::SeqCst)
    );
    let admin: tokio_postgres::Config = url.parse().unwrap();
    connect(&admin)
        .await
        .batch_execute(&format!("CREATE DATABASE {name}"))
        .await
        .unwrap();
    let mut parsed = url::Url::parse(url).unwrap();
    parsed.set_path(&format!("/{name}"));
    parsed.to_string()
}

/// A database of its own on the server at `url`, with the feed's table and trigger only.
async fn fresh_database(url: &str) -> tokio_postgres::Config {
    let config: tokio_postgres::Config = empty_database(url).await.parse().unwrap();
    connect(&config)
        .await
        .batch_execute(listen::FEED_CORE)
        .await
        .unwrap();
    config
}

/// Writes one event as a station would (the journal's triggers call the same function).
async fn emit(client: &tokio_postgres::Client, kind: &str, order: u64, station: &str) {
    let now = chrono::Utc::now().timestamp_millis();
    client
        .execute(
            "SELECT waybill_desk_emit($1, $2, $3, '李四', $4, NULL)",
            &[&kind, &order.to_string(), &station, &now],
        )
        .await
        .unwrap();
}

async fn wait_health(feed: &JournalFeed, what: &str, ok: impl Fn(&FeedHealth) -> bool) -> Duration {
    let start = Instant::now();
    let mut watch = feed.health_watch();
    let deadline = Duration::from_secs(20);
    loop {
        if ok(&watch.borrow_and_update()) {
            return start.elapsed();
        }
        let left = deadline.saturating_sub(start.elapsed());
        assert!(
            tokio::time::timeout(left, watch.changed()).await.is_ok(),
            "timed out waiting for the feed to be {what}; it is {:?}",
            feed.health()
        );
    }
}

async fn next_event(feed: &mut JournalFeed, within: Duration) -> JournalEvent {
    tokio::time::timeout(within, feed.next())
        .await
        .expect("no event arrived in time")
        .expect("the feed ended")
}

#[test]
fn a_write_arrives_as_an_event_within_a_second() {
    let Some(url) = pg_url() else { return };
    let rt = runtime();
    rt.block_on(async {
        let config = fresh_database(&url).await;
        let mut feed = listen::spawn(&tokio::runtime::Handle::current(), config.clone()).unwrap();
        wait_health(&feed, "connected", FeedHealth::is_connected).await;
        let writer = connect(&config).await;
        let order: u64 = 3_704_123_456_789_012_345; // over 2^53: kept as text end to end
        let mut worst = Duration::ZERO;
        for (kind, expect) in [
            ("label", EventKind::LabelFetched),
            ("print", EventKind::Printed),
            ("ship", EventKind::Shipped),
            ("claim", EventKind::Claimed),
            ("release", EventKind::Released),
        ] {
            let sent = Instant::now();
            emit(&writer, kind, order, "B").await;
            let e = next_event(&mut feed, Duration::from_secs(1)).await;
            let took = sent.elapsed();
            worst = worst.max(took);
            assert_eq!(e.kind, expect);
            assert_eq!(e.order_id, OrderId(order));
            assert_eq!((e.station.as_str(), e.operator.as_str()), ("B", "李四"));
        }
        println!("notification latency, worst of 5: {worst:?} (bound 1 s)");
        assert!(worst < Duration::from_secs(1), "{worst:?}");

        // A rolled-back write is no news: NOTIFY is delivered at commit only.
        writer.batch_execute("BEGIN").await.unwrap();
        emit(&writer, "print", 7, "B").await;
        writer.batch_execute("ROLLBACK").await.unwrap();
        emit(&writer, "print", 8, "B").await;
        let e = next_event(&mut feed, Duration::from_secs(1)).await;
        assert_eq!(e.order_id, OrderId(8));
    });
}

/// Two stations' journal handles on one shared journal: what one records, the other's feed
/// hears within a second (label, print, shipment), with the writer's station and operator.
#[test]
fn a_write_on_one_journal_handle_arrives_at_the_other_within_a_second() {
    let Some(url) = pg_url() else { return };
    let rt = runtime();
    rt.block_on(async {
        let location = JournalLocation::Postgres(empty_database(&url).await);
        let station_a = Journal::connect(&location).await.unwrap();
        let station_b = Journal::connect(&location).await.unwrap();
        let mut feed = station_b.feed(&tokio::runtime::Handle::current()).unwrap();
        wait_health(&feed, "connected", FeedHealth::is_connected).await;
        let actor = Actor {
            station: "A".into(),
            operator: "张三".into(),
        };
        let order = OrderId(3_704_555_000_000_000_001);
        let waybill = WaybillId("SF1234567890".into());
        let label = Label {
            order_id: order.to_string(),
            delivery_id: DeliveryId("SF".into()),
            waybill_id: waybill.clone(),
            html: "<html><body>label</body></html>".into(),
            waybill_data: Vec::new(),
            order_status: 0,
            print_type: PrintType::TwoPart,
        };
        let mut latencies = Vec::new();

        let sent = Instant::now();
        station_a.record_label(&actor, order, &label).await.unwrap();
        let e = next_event(&mut feed, Duration::from_secs(1)).await;
        latencies.push(sent.elapsed());
        assert_eq!((e.kind, e.order_id), (EventKind::LabelFetched, order));
        assert_eq!((e.station.as_str(), e.operator.as_str()), ("A", "张三"));

        let sent = Instant::now();
        station_a
            .record_print(
                &actor,
                &NewPrintRecord {
                    order_id: order,
                    waybill_id: waybill.clone(),
                    label_id: None,
                    printer: "thermal-1".into(),
                    copies: 1,
                    result: Ok(()),
                },
            )
            .await
            .unwrap();
        let e = next_event(&mut feed, Duration::from_secs(1)).await;
        latencies.push(sent.elapsed());
        assert_eq!((e.kind, e.order_id), (EventKind::Printed, order));

        // A failed print is no news (nothing printed); the shipment is, once it shipped.
        station_a
            .record_print(
                &actor,
                &NewPrintRecord {
                    order_id: order,
                    waybill_id: waybill.clone(),
                    label_id: None,
                    printer: "thermal-1".into(),
                    copies: 1,
                    result: Err("paper out".into()),
                },
            )
            .await
            .unwrap();
        let refs = [WaybillRef {
            delivery_id: DeliveryId("SF".into()),
            waybill_id: waybill.clone(),
        }];
        let ShipClaim::Go { attempt_id } = station_a
            .claim_shipment(&actor, order, &refs)
            .await
            .unwrap()
        else {
            panic!("the shipment was not ours to send");
        };
        let sent = Instant::now();
        station_a
            .finish_shipment(attempt_id, ShipAttemptState::Shipped, None, None)
            .await
            .unwrap();
        let e = next_event(&mut feed, Duration::from_secs(1)).await;
        latencies.push(sent.elapsed());
        assert_eq!((e.kind, e.order_id), (EventKind::Shipped, order));
        assert!(
            feed.try_next().is_none(),
            "the failed print came as an event"
        );

        let worst = latencies.iter().max().copied().unwrap_or_default();
        println!("journal write -> other station's event: {latencies:?} (bound 1 s)");
        assert!(worst < Duration::from_secs(1), "{worst:?}");
    });
}

#[test]
fn an_sqlite_journal_has_no_feed_and_says_why() {
    let rt = runtime();
    let dir = tempfile::tempdir().unwrap();
    let journal = Journal::open(dir.path()).unwrap();
    let err = journal
        .feed(rt.handle())
        .err()
        .expect("an SQLite journal has no feed");
    assert!(matches!(err, FeedError::SingleStation));
    assert!(err.to_string().contains("PostgreSQL"));
}

#[test]
fn another_journal_on_the_same_server_is_not_heard() {
    let Some(url) = pg_url() else { return };
    let rt = runtime();
    rt.block_on(async {
        // Two journals in two schemas of one database: LISTEN is per database, so the feed
        // must tell them apart.
        let config = fresh_database(&url).await;
        let admin = connect(&config).await;
        admin
            .batch_execute(&format!(
                "CREATE SCHEMA other; SET search_path = other; {}",
                listen::FEED_CORE
            ))
            .await
            .unwrap();
        let mut feed = listen::spawn(&tokio::runtime::Handle::current(), config.clone()).unwrap();
        wait_health(&feed, "connected", FeedHealth::is_connected).await;
        let mut other_config = config.clone();
        other_config.options("-c search_path=other");
        let other = connect(&other_config).await;
        emit(&other, "print", 1, "X").await;
        let ours = connect(&config).await;
        emit(&ours, "print", 2, "B").await;
        let e = next_event(&mut feed, Duration::from_secs(1)).await;
        assert_eq!(
            e.order_id,
            OrderId(2),
            "an event of another journal came through"
        );
    });
}

/// A PostgreSQL server of this test's own (initdb in a temporary directory, trust auth, a
/// unix socket there and a free port), stopped and removed when dropped.
struct OwnServer {
    dir: tempfile::TempDir,
    bin: PathBuf,
    port: u16,
    as_root: bool,
}

impl OwnServer {
    fn start() -> OwnServer {
        let bin = std::fs::read_dir("/usr/lib/postgresql")
            .unwrap()
            .filter_map(|e| e.ok().map(|e| e.path().join("bin")))
            .filter(|b| b.join("initdb").exists())
            .max()
            .expect(
                "no PostgreSQL server binaries in /usr/lib/postgresql (scripts/deps.sh --test)",
            );
        let as_root = rustix::process::geteuid().is_root();
        let dir = tempfile::tempdir().unwrap();
        if as_root {
            // PostgreSQL refuses to run as root: the cluster belongs to `postgres`.
            std::fs::set_permissions(
                dir.path(),
                std::os::unix::fs::PermissionsExt::from_mode(0o777),
            )
            .unwrap();
        }
        let server = OwnServer {
            port: free_port(),
            dir,
            bin,
            as_root,
        };
        let data = server.dir.path().join("data");
        server.run(
            "initdb",
            &[
                "-D",
                data.to_str().unwrap(),
                "-U",
                "postgres",
                "-A",
                "trust",
                "--no-sync",
                "--no-instructions",
            ],
        );
        let conf = format!(
            "\nlisten_addresses = '127.0.0.1'\nport = {}\nunix_socket_directories = '{}'\nfsync = off\n",
            server.port,
            server.dir.path().display()
        );
        use std::io::Write as _;
        std::fs::OpenOptions::new()
            .append(true)
            .open(data.join("postgresql.conf"))
            .unwrap()
            .write_all(conf.as_bytes())
            .unwrap();
        ctl_blocking(&server.handle(), "start");
        server
    }

    fn run(&self, program: &str, args: &[&str]) {
        let exe = self.bin.join(program);
        let mut command = if self.as_root {
            let mut c = Command::new("runuser");
            c.args(["-u", "postgres", "--"]).arg(&exe);
            c
        } else {
            Command::new(&exe)
        };
        let out = command.args(args).output().unwrap();
        assert!(
            out.status.success(),
            "{program} {args:?}: {}{}",
            String::from_utf8_lossy(&out.stdout),
            String::from_utf8_lossy(&out.stderr)
        );
    }

    /// What `ctl` needs, to move into a blocking task.
    fn handle(&self) -> (PathBuf, bool, PathBuf) {
        (
            self.bin.clone(),
            self.as_root,
            self.dir.path().to_path_buf(),
        )
    }

    fn url(&self) -> String {
        format!("postgres://postgres@127.0.0.1:{}/postgres", self.port)
    }
}

impl Drop for OwnServer {
    fn drop(&mut self) {
        let data = self.dir.path().join("data");
        let _ = pg_ctl(&self.handle())
            .args([
                "-D",
                data.to_str().unwrap_or_default(),
                "-m",
                "immediate",
                "-w",
                "stop",
            ])
            .output();
    }
}

/// `pg_ctl` of this server, run as `postgres` when the tests run as root.
fn pg_ctl(s: &(PathBuf, bool, PathBuf)) -> Command {
    let (bin, as_root, _) = s;
    if *as_root {
        let mut c = Command::new("runuser");
        c.args(["-u", "postgres", "--"]).arg(bin.join("pg_ctl"));
        c
    } else {
        Command::new(bin.join("pg_ctl"))
    }
}

fn free_port() -> u16 {
    std::net::TcpListener::bind("127.0.0.1:0")
        .unwrap()
        .local_addr()
        .unwrap()
        .port()
}

#[test]
fn a_server_restart_turns_the_feed_lost_then_connected_and_nothing_written_meanwhile_is_missed() {
    // Same precondition as the other tests: the test environment has PostgreSQL.
    let Some(_) = pg_url() else { return };
    let server = OwnServer::start();
    let rt = runtime();
    rt.block_on(async {
        let config = fresh_database(&server.url()).await;
        // A long backoff: the write below lands while the feed is still away.
        let mut feed = listen::spawn_with(
            &tokio::runtime::Handle::current(),
            config.clone(),
            Backoff {
                min: Duration::from_secs(4),
                max: Duration::from_secs(4),
            },
        )
        .unwrap();
        wait_health(&feed, "connected", FeedHealth::is_connected).await;
        let before = connect(&config).await;
        emit(&before, "print", 1, "B").await;
        assert_eq!(
            next_event(&mut feed, Duration::from_secs(1)).await.order_id,
            OrderId(1)
        );

        let handle = server.handle();
        let stopping = Instant::now();
        tokio::task::spawn_blocking(move || ctl_blocking(&handle, "stop"))
            .await
            .unwrap();
        wait_health(&feed, "lost", |h| matches!(h, FeedHealth::Lost { .. })).await;
        let lost_after = stopping.elapsed();
        println!("lost noticed {lost_after:?} after the stop began (pg_ctl -m fast -w included)");
        assert!(lost_after < Duration::from_secs(5), "{lost_after:?}");
        let FeedHealth::Lost { reason, .. } = feed.health() else {
            unreachable!()
        };
        assert!(!reason.is_empty());
        assert!(!reason.contains("postgres://"), "{reason}");

        let handle = server.handle();
        tokio::task::spawn_blocking(move || ctl_blocking(&handle, "start"))
            .await
            .unwrap();
        // Written by a fresh connection after the restart, before the feed is back.
        let after = connect(&config).await;
        emit(&after, "ship", 2, "C").await;
        emit(&after, "claim", 3, "C").await;
        assert!(
            !feed.health().is_connected(),
            "the feed came back before the writes: catch-up not tested"
        );
        wait_health(&feed, "connected again", FeedHealth::is_connected).await;
        let mut got = Vec::new();
        while got.len() < 2 {
            got.push(next_event(&mut feed, Duration::from_secs(2)).await);
        }
        let ids: Vec<(EventKind, OrderId)> = got.iter().map(|e| (e.kind, e.order_id)).collect();
        assert_eq!(
            ids,
            vec![
                (EventKind::Shipped, OrderId(2)),
                (EventKind::Claimed, OrderId(3))
            ]
        );
        // Nothing twice: event 1 (before the loss) is not delivered again.
        assert!(feed.try_next().is_none());
        // And live again.
        emit(&after, "release", 3, "C").await;
        let e = next_event(&mut feed, Duration::from_secs(1)).await;
        assert_eq!((e.kind, e.order_id), (EventKind::Released, OrderId(3)));
    });
    drop(server);
}

/// `pg_ctl start | stop` (stop with -m fast: open connections are cut, as in a restart).
fn ctl_blocking(s: &(PathBuf, bool, PathBuf), what: &str) {
    let dir = &s.2;
    let data = dir.join("data");
    let log = dir.join("server.log");
    let mut args: Vec<String> = vec![
        "-D".into(),
        data.display().to_string(),
        "-w".into(),
        "-t".into(),
        "30".into(),
    ];
    match what {
        "start" => args.extend(["-l".into(), log.display().to_string(), "start".into()]),
        _ => args.extend(["-m".into(), "fast".into(), "stop".into()]),
    }
    let mut command = pg_ctl(s);
    let out = command.args(&args).output().unwrap();
    assert!(
        out.status.success(),
        "pg_ctl {what}: {}",
        String::from_utf8_lossy(&out.stderr)
    );
}
