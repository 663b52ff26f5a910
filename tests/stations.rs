//! Several packing stations on one journal (issue 13): real `waybill-desk` processes with
//! different `--station` names race on the same orders of one sandbox (its own process, so its
//! counters are the truth), on a shared PostgreSQL journal (the private server of
//! scripts/test-env/postgres.sh, a fresh database per test) and on one shared SQLite file.
//! The sandbox counts `order/add` and `delivery/send` per order: exactly one of each.
//!
//! Run: `bash scripts/test-env/with-services.sh cargo nextest run --test stations`. Without
//! the private server the PostgreSQL tests fail and say so, unless WAYBILL_DESK_SKIP_PG=1.

#![allow(clippy::unwrap_used)] // test helpers may panic: a panic is a failed test

use std::collections::{BTreeMap, BTreeSet};
use std::path::PathBuf;
use std::process::Stdio;
use std::time::{Duration, Instant};

use serde_json::Value;
use tokio::io::AsyncBufReadExt as _;
use waybill_desk::sandbox::world::DEMO_MINISHOP_APPID;
use waybill_desk::sandbox::{Stats, DEMO_SECRET};

mod pg_support;
mod sandbox_process;
use pg_support::{pg_database, pg_server};
use sandbox_process::{events, start_sandbox, stats, Reaper, BIN};

/// A lock on the claims table that holds every station at its first claim, so that stations
/// started one after another begin racing at the same moment.
struct ClaimGate {
    url: String,
    client: tokio_postgres::Client,
}

impl ClaimGate {
    /// Migrates the journal at `url` (the claims table must exist) and locks its claims
    /// against writes in an open transaction: reads go on, claims wait.
    async fn close(url: &str) -> ClaimGate {
        let out = tokio::process::Command::new(BIN)
            .args(["--journal", url, "journal", "migrate"])
            .env("WAYBILL_DESK_DATA_DIR", std::env::temp_dir())
            .env_remove("WAYBILL_DESK_JOURNAL_URL")
            .output()
            .await
            .unwrap();
        assert!(
            out.status.success(),
            "journal migrate: {}",
            String::from_utf8_lossy(&out.stderr)
        );
        let (client, conn) = tokio_postgres::connect(url, tokio_postgres::NoTls)
            .await
            .unwrap();
        tokio::spawn(conn);
        client
            .batch_execute("BEGIN; LOCK TABLE claims IN EXCLUSIVE MODE")
            .await
            .unwrap();
        ClaimGate {
            url: url.to_string(),
            client,
        }
    }

    /// Waits until each of `stations` has a claim waiting on the lock, then lets them all go.
    async fn open_when_waiting(self, stations: &[String]) {
        let (watch, conn) = tokio_postgres::connect(&self.url, tokio_postgres::NoTls)
            .await
            .unwrap();
        tokio::spawn(conn);
        let deadline = Instant::now() + Duration::from_secs(90);
        loop {
            let waiting: BTreeSet<String> = watch
                .query(
                    "SELECT DISTINCT application_name FROM pg_stat_activity
                     WHERE datname = current_database() AND wait_event_type = 'Lock'
                       AND query LIKE '%INSERT INTO claims%'",
                    &[],
                )
                .await
                .unwrap()
                .iter()
                .map(|r| r.get(0))
                .collect();
            if stations.iter().all(|s| waiting.contains(s)) {
                break;
            }
            assert!(
                Instant::now() < deadline,
                "not every station reached its first claim in 90 s: waiting {waiting:?}"
            );
            tokio::time::sleep(Duration::from_millis(50)).await;
        }
        self.client.batch_execute("COMMIT").await.unwrap();
    }
}

/// Where the stations keep their one journal.
#[derive(Clone)]
enum Shared {
    /// One data directory, so one `journal.sqlite3`, for every station.
    SqliteFile(PathBuf),
    /// `--journal URL`; each station has its own data directory.
    Postgres(String),
}

/// A sandbox, the shared journal, and a directory per station.
struct Rig {
    _sandbox: Reaper,
    base: url::Url,
    shared: Shared,
    root: tempfile::TempDir,
    lease_ms: u64,
    /// Waybill events the sample data already had (earlier parcels of partly shipped orders):
    /// the checks count only what the stations made after.
    events_before: usize,
}

fn settings() -> String {
    serde_json::json!({
        "delivery_id": "SF", "biz_id": "SF_CASH",
        "sender": {"name": "仓库小李", "mobile": "13800138000", "province": "广东省",
                   "city": "深圳市", "area": "南山区", "address": "科技园南路88号"}
    })
    .to_string()
}

impl Rig {
    async fn new(postgres: bool, test: &str, orders: usize, latency_ms: u64) -> Option<Rig> {
        let root = tempfile::tempdir().unwrap();
        let shared = if postgres {
            let server = pg_server()?;
            Shared::Postgres(pg_database(&server, test).await)
        } else {
            let dir = root.path().join("shared");
            std::fs::create_dir_all(&dir).unwrap();
            std::fs::write(dir.join("settings.json"), settings()).unwrap();
            Shared::SqliteFile(dir)
        };
        let (sandbox, base) = start_sandbox(orders, latency_ms).await;
        let events_before = events(&base).await.len();
        Some(Rig {
            _sandbox: sandbox,
            base,
            shared,
            root,
            lease_ms: 3_000,
            events_before,
        })
    }

    fn data_dir(&self, station: &str) -> PathBuf {
        match &self.shared {
            Shared::SqliteFile(dir) => dir.clone(),
            Shared::Postgres(_) => {
                let dir = self.root.path().join(station);
                if !dir.exists() {
                    std::fs::create_dir_all(&dir).unwrap();
                    std::fs::write(dir.join("settings.json"), settings()).unwrap();
                }
                dir
            }
        }
    }

    /// `waybill-desk` as station `name` (a mini-shop station: that family lists whole orders
    /// 100 per page, so the test's time goes into the work itself).
    fn station(&self, name: &str) -> tokio::process::Command {
        let mut cmd = tokio::process::Command::new(BIN);
        cmd.args([
            "--api-base",
            self.base.as_str(),
            "--appid",
            DEMO_MINISHOP_APPID,
        ])
        .args(["--shop", "minishop", "--lang", "en"]);
        if let Shared::Postgres(url) = &self.shared {
            // The station's name as the connection's application_name, so the test can see
            // which stations are waiting (pg_stat_activity).
            cmd.args(["--journal", &format!("{url}?application_name={name}")]);
        }
        cmd.env("WAYBILL_DESK_APPSECRET", DEMO_SECRET)
            .env("WAYBILL_DESK_DATA_DIR", self.data_dir(name))
            .env("WAYBILL_DESK_STATION", name)
            .env("WAYBILL_DESK_OPERATOR", format!("op-{name}"))
            .env("WAYBILL_DESK_CLAIM_LEASE_MS", self.lease_ms.to_string())
            .env_remove("WAYBILL_DESK_JOURNAL_URL")
            .env_remove("WAYBILL_DESK_LOG")
            .stdin(Stdio::null())
            .kill_on_drop(true);
        cmd
    }

    /// Runs `batch labels` at `name` on every order to be shipped (`limit`: at most that
    /// many; the races take them all, so that every station works on the same set).
    fn labels(&self, name: &str, limit: usize) -> tokio::process::Command {
        let mut cmd = self.station(name);
        cmd.args(["batch", "labels", "--status", "20", "--json"])
            .args(["--limit", &limit.to_string()]);
        cmd
    }
}

/// What one station printed: its JSON lines and exit status.
#[derive(Debug)]
struct Run {
    station: String,
    ok: bool,
    lines: Vec<Value>,
    stderr: String,
}

impl Run {
    /// Orders this station labelled itself.
    fn own(&self) -> BTreeSet<String> {
        self.lines
            .iter()
            .filter(|l| {
                l["ok"] == true && l.get("skipped").is_none() && l["waybill_id"].is_string()
            })
            .filter(|l| l.get("by_station").is_none())
            .map(|l| l["order_id"].as_str().unwrap().to_string())
            .collect()
    }

    /// Orders it reports as labelled by another station, with that station.
    fn elsewhere(&self) -> BTreeMap<String, String> {
        self.lines
            .iter()
            .filter(|l| l["ok"] == true && l["by_station"].is_string())
            .map(|l| {
                (
                    l["order_id"].as_str().unwrap().to_string(),
                    l["by_station"].as_str().unwrap().to_string(),
                )
            })
            .collect()
    }

    fn failed(&self) -> Vec<&Value> {
        self.lines.iter().filter(|l| l["ok"] == false).collect()
    }
}

async fn collect(station: &str, child: tokio::process::Child) -> Run {
    let out = child.wait_with_output().await.unwrap();
    Run {
        station: station.to_string(),
        ok: out.status.success(),
        lines: String::from_utf8_lossy(&out.stdout)
            .lines()
            .filter(|l| !l.trim().is_empty())
            .map(|l| serde_json::from_str(l).unwrap_or_else(|e| panic!("{e}: {l}")))
            .collect(),
        stderr: String::from_utf8_lossy(&out.stderr).into_owned(),
    }
}

/// Every order `order/add`ed exactly once, one waybill each; returns the orders added.
async fn assert_one_add_per_order(rig: &Rig, orders: &BTreeSet<String>) -> Stats {
    let stats = stats(&rig.base).await;
    let events = events(&rig.base).await;
    let mut waybills: BTreeMap<&str, usize> = BTreeMap::new();
    for e in &events[rig.events_before..] {
        *waybills.entry(e.order_id.as_str()).or_default() += 1;
    }
    for id in orders {
        assert_eq!(stats.add_calls.get(id), Some(&1), "one order/add for {id}");
        assert_eq!(waybills.get(id.as_str()), Some(&1), "one waybill for {id}");
    }
    assert_eq!(
        stats.add_calls.values().sum::<u64>(),
        orders.len() as u64,
        "no order/add for anything else"
    );
    stats
}

/// `stations` processes race `batch labels` on the same `orders` orders. On a shared
/// (PostgreSQL) journal a station claims small groups, so the work is split; on one SQLite file
/// it claims chunks of 100 (the single-station speed), so one station may take a small batch
/// whole while the other reports each order done there.
async fn race_labels(postgres: bool, test: &str, stations: usize, orders: usize) {
    // On one SQLite file the work must outlast the stations' start-up skew (processes started
    // one after another on a loaded machine); on PostgreSQL the claim gate below starts them
    // together.
    let latency_ms = 40;
    let Some(rig) = Rig::new(postgres, test, orders, latency_ms).await else {
        return;
    };
    let names: Vec<String> = (1..=stations).map(|i| format!("station-{i}")).collect();
    // On PostgreSQL the race starts together: the stations' first claims wait on a lock this
    // test holds until every station is waiting there, so a station that started late on a
    // busy machine still races for the work instead of finding it all taken.
    let gate = match &rig.shared {
        Shared::Postgres(url) => Some(ClaimGate::close(url).await),
        Shared::SqliteFile(_) => None,
    };
    let children: Vec<_> = names
        .iter()
        .map(|n| {
            rig.labels(n, orders)
                .stdout(Stdio::piped())
                .stderr(Stdio::piped())
                .spawn()
                .unwrap()
        })
        .collect();
    if let Some(gate) = gate {
        gate.open_when_waiting(&names).await;
    }
    let started = Instant::now();
    let mut runs = Vec::new();
    for (name, child) in names.iter().zip(children) {
        runs.push(collect(name, child).await);
    }
    eprintln!("{stations} stations raced in {:?}", started.elapsed());
    for run in &runs {
        assert!(run.ok, "{} failed:\n{}", run.station, run.stderr);
        assert!(
            run.failed().is_empty(),
            "{}: {:?}",
            run.station,
            run.failed()
        );
    }
    // Each station's batch is finished: every order is labelled there or elsewhere.
    let all: BTreeSet<String> = runs.iter().flat_map(|r| r.own()).collect();
    for run in &runs {
        let seen: BTreeSet<String> = run
            .own()
            .into_iter()
            .chain(run.elsewhere().into_keys())
            .collect();
        assert_eq!(seen, all, "{} reports every order done", run.station);
    }
    // Exactly one station labelled each order, and said so; the others said where.
    let mut by: BTreeMap<String, String> = BTreeMap::new();
    for run in &runs {
        for id in run.own() {
            if let Some(other) = by.insert(id.clone(), run.station.clone()) {
                panic!("{id} labelled by both {other} and {}", run.station);
            }
        }
    }
    for run in &runs {
        for (id, station) in run.elsewhere() {
            assert_eq!(
                by.get(&id),
                Some(&station),
                "{} names who did {id}",
                run.station
            );
        }
    }
    let counts: Vec<usize> = runs.iter().map(|r| r.own().len()).collect();
    eprintln!("split: {counts:?} of {} orders", all.len());
    assert!(
        all.len() >= orders - 20,
        "most of the {orders} orders take a courier"
    );
    // Nothing twice at WeChat: one order/add and one label per order.
    let stats = assert_one_add_per_order(&rig, &all).await;
    for id in &all {
        assert_eq!(
            stats.labels_served.get(id),
            Some(&1),
            "one label fetched for {id}"
        );
    }
    if postgres {
        assert!(
            counts.iter().all(|&n| n > 0),
            "the work is split: every station labelled some ({counts:?})"
        );
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn two_stations_race_batch_labels_on_postgres() {
    race_labels(true, "labels2", 2, 60).await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn four_stations_race_batch_labels_on_postgres() {
    race_labels(true, "labels4", 4, 80).await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn two_stations_race_batch_labels_on_one_sqlite_file() {
    race_labels(false, "labels_sqlite", 2, 60).await;
}

/// Labels for `orders` orders from one station; returns (order id, waybill id).
async fn labelled_orders(rig: &Rig, orders: usize) -> Vec<(String, String)> {
    let run = collect(
        "prep",
        rig.labels("prep", orders)
            .stdout(Stdio::piped())
            .stderr(Stdio::piped())
            .spawn()
            .unwrap(),
    )
    .await;
    assert!(run.ok, "{}", run.stderr);
    run.lines
        .iter()
        .filter(|l| l["ok"] == true && l["waybill_id"].is_string())
        .map(|l| {
            (
                l["order_id"].as_str().unwrap().to_string(),
                l["waybill_id"].as_str().unwrap().to_string(),
            )
        })
        .collect()
}

/// The labelled orders WeChat would let ship: a label can be fetched for an order with an open
/// after-sales request, but `delivery/send` refuses it (108009), at every station alike; the
/// race is about orders that can ship.
async fn shippable(base: &url::Url, orders: Vec<(String, String)>) -> Vec<(String, String)> {
    use waybill_desk::wechat::shop::ShopKind;
    use waybill_desk::wechat::{ClientConfig, OrderId, Secret, TokenSource, WechatClient};
    let client = WechatClient::new(ClientConfig::new(
        base.clone(),
        TokenSource::AppSecret {
            appid: DEMO_MINISHOP_APPID.into(),
            secret: Secret::new(DEMO_SECRET),
        },
    ))
    .unwrap();
    let mut out = Vec::new();
    for (order, waybill) in orders {
        let detail = client
            .shop(ShopKind::Minishop)
            .get_order(OrderId(order.parse().unwrap()))
            .await
            .unwrap();
        if !detail.has_open_aftersale() && detail.shippable_pieces() > 0 {
            out.push((order, waybill));
        }
    }
    out
}

/// `stations` processes each ship every order, in the same order, at the same time.
async fn race_ship(postgres: bool, test: &str, stations: usize, orders: usize) {
    let Some(rig) = Rig::new(postgres, test, orders + 30, 20).await else {
        return;
    };
    let orders = shippable(&rig.base, labelled_orders(&rig, orders).await).await;
    assert!(orders.len() >= 10, "{orders:?}");
    let before = stats(&rig.base).await;
    let names: Vec<String> = (1..=stations).map(|i| format!("ship-{i}")).collect();
    let mut tasks = Vec::new();
    for name in names.clone() {
        let orders = orders.clone();
        let cmds: Vec<tokio::process::Command> = orders
            .iter()
            .map(|(order, waybill)| {
                let mut cmd = rig.station(&name);
                cmd.args([
                    "ship",
                    order,
                    "--waybill",
                    &format!("SF:{waybill}"),
                    "--json",
                ])
                .stdout(Stdio::piped())
                .stderr(Stdio::piped());
                cmd
            })
            .collect();
        tasks.push(tokio::spawn(async move {
            let mut out = Vec::new();
            for mut cmd in cmds {
                out.push(collect(&name, cmd.spawn().unwrap()).await);
            }
            out
        }));
    }
    let mut shipped_by: BTreeMap<String, Vec<String>> = BTreeMap::new();
    for task in tasks {
        for run in task.await.unwrap() {
            assert!(run.ok, "{}: {:?}\n{}", run.station, run.lines, run.stderr);
            for l in &run.lines {
                if l["outcome"] == "shipped" {
                    shipped_by
                        .entry(l["order_id"].as_str().unwrap().to_string())
                        .or_default()
                        .push(run.station.clone());
                }
            }
        }
    }
    let after = stats(&rig.base).await;
    for (order, _) in &orders {
        let sends = after.send_calls.get(order).copied().unwrap_or(0)
            - before.send_calls.get(order).copied().unwrap_or(0);
        assert_eq!(sends, 1, "one delivery/send for {order}");
        assert_eq!(
            shipped_by.get(order).map(Vec::len),
            Some(1),
            "one station reports {order} shipped: {shipped_by:?}"
        );
    }
    let per_station: BTreeMap<&String, usize> = names
        .iter()
        .map(|n| (n, shipped_by.values().filter(|v| v.contains(n)).count()))
        .collect();
    eprintln!("shipped per station: {per_station:?}");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn two_stations_race_ship_on_postgres() {
    race_ship(true, "ship2", 2, 20).await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn four_stations_race_ship_on_postgres() {
    race_ship(true, "ship4", 4, 20).await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn two_stations_race_ship_on_one_sqlite_file() {
    race_ship(false, "ship_sqlite", 2, 20).await;
}

/// Streams a child's stdout lines into a channel (and keeps them).
fn stream_lines(child: &mut tokio::process::Child) -> tokio::sync::mpsc::UnboundedReceiver<Value> {
    let (tx, rx) = tokio::sync::mpsc::unbounded_channel();
    let stdout = child.stdout.take().unwrap();
    tokio::spawn(async move {
        let mut lines = tokio::io::BufReader::new(stdout).lines();
        while let Ok(Some(line)) = lines.next_line().await {
            if let Ok(v) = serde_json::from_str::<Value>(&line) {
                let _ = tx.send(v);
            }
        }
    });
    rx
}

/// kill -9 one station mid-batch: its claims lapse with the lease, and the other station
/// finishes exactly the rest (one `order/add` per order in total).
/// On one SQLite file a station claims (and reports) chunks of 100, so that test needs
/// several chunks for the kill to land mid-batch.
async fn kill_one_station(postgres: bool, test: &str) {
    // On SQLite a station claims chunks of 100 and keeps three in flight: with 250 orders all
    // three were in flight from the start and could all be done before the kill landed,
    // leaving the survivor nothing. 700 orders are seven chunks: the later ones wait for the
    // earlier ones, so the kill after the first labels always leaves work behind.
    let orders: usize = if postgres { 80 } else { 700 };
    let Some(mut rig) = Rig::new(postgres, test, orders, 60).await else {
        return;
    };
    rig.lease_ms = 2_000;
    let mut doomed = rig.labels("doomed", orders);
    if postgres {
        // Another machine (as stations on a shared journal are): its claims end with the
        // lease. On one machine a dead process's claims are taken over at once.
        doomed.env("WAYBILL_DESK_HOST_NAME", "doomed-machine");
    }
    let mut doomed = doomed
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    let mut doomed_lines = stream_lines(&mut doomed);
    // The survivor starts once the doomed station has labelled its first order, so the doomed
    // one surely holds work when it dies (started together on a loaded machine, the survivor
    // sometimes claimed everything first and the doomed station finished with nothing of its
    // own). Kill once the doomed station has labelled a few orders (it then holds claims on
    // more).
    let mut survivor = None;
    let mut labelled_before_kill = BTreeSet::new();
    let deadline = Instant::now() + Duration::from_secs(60);
    while labelled_before_kill.len() < 8 {
        if survivor.is_none() && !labelled_before_kill.is_empty() {
            survivor = Some(
                rig.labels("survivor", orders)
                    .stdout(Stdio::piped())
                    .stderr(Stdio::piped())
                    .spawn()
                    .unwrap(),
            );
        }
        let line = tokio::time::timeout_at(deadline.into(), doomed_lines.recv())
            .await
            .expect("the doomed station labels orders")
            .expect("the doomed station is running");
        if line["ok"] == true && line["waybill_id"].is_string() && line.get("by_station").is_none()
        {
            labelled_before_kill.insert(line["order_id"].as_str().unwrap().to_string());
        }
    }
    doomed.start_kill().unwrap(); // SIGKILL
    let status = doomed.wait().await.unwrap();
    assert_eq!(
        std::os::unix::process::ExitStatusExt::signal(&status),
        Some(9),
        "killed by SIGKILL"
    );
    let killed_at = Instant::now();
    let survivor = collect("survivor", survivor.expect("the survivor was started")).await;
    if postgres {
        assert!(
            killed_at.elapsed() >= Duration::from_millis(rig.lease_ms / 2),
            "the doomed station's orders waited for its lease"
        );
    }
    eprintln!(
        "survivor finished {:?} after the kill (lease {} ms)",
        killed_at.elapsed(),
        rig.lease_ms
    );
    assert!(survivor.ok, "{}", survivor.stderr);
    assert!(survivor.failed().is_empty(), "{:?}", survivor.failed());
    let own = survivor.own();
    let elsewhere = survivor.elsewhere();
    let all: BTreeSet<String> = own
        .iter()
        .cloned()
        .chain(elsewhere.keys().cloned())
        .collect();
    assert!(all.len() >= orders / 2, "{}", all.len());
    // What the doomed station finished is reported as its work, never redone.
    for id in &labelled_before_kill {
        assert_eq!(
            elsewhere.get(id).map(String::as_str),
            Some("doomed"),
            "{id}"
        );
        assert!(!own.contains(id), "{id} done twice");
    }
    assert!(own.is_disjoint(&elsewhere.keys().cloned().collect()));
    assert!(!own.is_empty(), "the survivor finished the rest");
    assert_one_add_per_order(&rig, &all).await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn kill_9_a_station_mid_batch_postgres_the_other_finishes_exactly_the_rest() {
    kill_one_station(true, "kill").await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn kill_9_a_station_mid_batch_sqlite_file_the_other_finishes_exactly_the_rest() {
    kill_one_station(false, "kill_sqlite").await;
}

/// The private server's control script (stop | start | restart).
fn pg_ctl(action: &str) {
    let ctl = std::env::var("WAYBILL_DESK_TEST_PG_CTL")
        .expect("WAYBILL_DESK_TEST_PG_CTL (scripts/test-env/postgres.sh)");
    let status = std::process::Command::new(ctl)
        .arg(action)
        .status()
        .unwrap();
    assert!(status.success(), "pg-ctl {action}");
}

/// The server is shared by every test of the run: one test restarts it at a time, and the
/// others' connections come back through their pools like this one's.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn postgres_restart_mid_batch_loses_nothing_and_repeats_nothing() {
    const ORDERS: usize = 80;
    let Some(rig) = Rig::new(true, "restart", ORDERS, 60).await else {
        return;
    };
    let mut station = rig
        .labels("restart", ORDERS)
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    let mut lines = stream_lines(&mut station);
    let mut first = BTreeSet::new();
    let deadline = Instant::now() + Duration::from_secs(60);
    while first.len() < 10 {
        let line = tokio::time::timeout_at(deadline.into(), lines.recv())
            .await
            .expect("the station labels orders")
            .expect("the station is running");
        if line["ok"] == true && line["waybill_id"].is_string() {
            first.insert(line["order_id"].as_str().unwrap().to_string());
        }
    }
    let restart = tokio::task::spawn_blocking(|| pg_ctl("restart"));
    let mut rest = BTreeSet::new();
    while let Some(line) = lines.recv().await {
        if line["ok"] == true && line["waybill_id"].is_string() {
            assert!(
                rest.insert(line["order_id"].as_str().unwrap().to_string()),
                "{line}"
            );
        }
    }
    restart.await.unwrap();
    let status = station.wait().await.unwrap();
    let mut stderr = String::new();
    if let Some(mut e) = station.stderr.take() {
        use tokio::io::AsyncReadExt as _;
        let _ = e.read_to_string(&mut stderr).await;
    }
    eprintln!(
        "first run: exit {status}, {} + {} labelled",
        first.len(),
        rest.len()
    );
    // A step that failed on the lost connection stays unfinished; the run waits for the
    // server and resumes in place (a `batch resume` would do the same after a longer outage).
    assert!(
        status.success(),
        "the run resumed after the restart:\n{stderr}"
    );
    eprintln!(
        "the run waited for the server {} time(s)",
        stderr.matches("resumes when it is back").count()
    );
    let done: BTreeSet<String> = first.union(&rest).cloned().collect();
    assert!(first.is_disjoint(&rest), "an order labelled twice");
    assert!(done.len() >= ORDERS / 2, "{}", done.len());
    assert_one_add_per_order(&rig, &done).await;
}

/// `journal stations`: every station with its operator, open claims and today's counts.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn journal_stations_lists_each_station_with_todays_counts() {
    let Some(rig) = Rig::new(true, "overview", 60, 0).await else {
        return;
    };
    for name in ["north", "south"] {
        let run = collect(
            name,
            rig.labels(name, 10)
                .stdout(Stdio::piped())
                .stderr(Stdio::piped())
                .spawn()
                .unwrap(),
        )
        .await;
        assert!(run.ok, "{}", run.stderr);
    }
    let out = rig
        .station("north")
        .args(["journal", "stations", "--json"])
        .output()
        .await
        .unwrap();
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let rows: Vec<Value> = String::from_utf8_lossy(&out.stdout)
        .lines()
        .map(|l| serde_json::from_str(l).unwrap())
        .collect();
    let by_name: BTreeMap<&str, &Value> = rows
        .iter()
        .map(|r| (r["station"].as_str().unwrap(), r))
        .collect();
    let north = by_name["north"];
    let south = by_name["south"];
    assert_eq!(north["operators"][0], "op-north");
    let labels = north["labels_today"].as_u64().unwrap() + south["labels_today"].as_u64().unwrap();
    assert!(labels >= 5, "{rows:?}");
    assert_eq!(north["open_claims"], 0, "claims are released when done");
    let table = rig
        .station("south")
        .args(["journal", "stations"])
        .output()
        .await
        .unwrap();
    let text = String::from_utf8_lossy(&table.stdout);
    assert!(
        text.contains("north") && text.contains("south") && text.contains("op-south"),
        "{text}"
    );
}
