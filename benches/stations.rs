//! How far one PostgreSQL journal goes with several stations (issue 13). Run with
//!
//! ```sh
//! bash scripts/test-env/with-services.sh cargo bench --bench stations
//! ```
//!
//! against the private server of scripts/test-env/postgres.sh (on this machine, so a round
//! trip is a local socket's; over a shop's LAN add its round trip to every bound).
//!
//! - **Claim throughput, 4 stations**: four journal handles (four pools, as four stations)
//!   claim orders of one shared list as fast as they can, one order per claim, each station
//!   asking for the next free one among the orders it has not seen taken (so they collide as
//!   stations racing a batch do). Bound: `4 / (claim round trip)`, the round trip being one
//!   station's uncontended claim (p50) — what four stations would reach if the database served
//!   every claim in parallel. Ratio = measured / bound (1 is the ceiling).
//! - **Notification latency**: four stations commit a write that sends a NOTIFY in the same
//!   transaction (as the journal's triggers do for the live view); a listening connection (the
//!   window's) takes the time from before the commit to its arrival. Bound: the issue's "within
//!   a second"; ratio = p50 (p95) / 1 s; a second line compares p50 with one round trip.

#![allow(clippy::unwrap_used)] // a benchmark that cannot set up should stop loudly

use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::Arc;
use std::time::{Duration, Instant};

use futures::StreamExt as _;
use waybill_desk::store::Actor;
use waybill_desk::store::{ClaimHolder, ClaimPurpose, Journal, JournalLocation};
use waybill_desk::wechat::OrderId;

const STATIONS: usize = 4;
const ORDERS: u64 = 8_000;
const NOTIFICATIONS_PER_STATION: usize = 100;

fn percentile(sorted: &[f64], p: f64) -> f64 {
    let i = ((sorted.len() as f64 - 1.0) * p).round() as usize;
    sorted[i.min(sorted.len() - 1)]
}

async fn database(server: &str) -> String {
    let (client, conn) = tokio_postgres::connect(server, tokio_postgres::NoTls)
        .await
        .unwrap();
    tokio::spawn(conn);
    let name = format!("wbd_bench_{}", std::process::id());
    client
        .batch_execute(&format!("CREATE DATABASE {name}"))
        .await
        .unwrap();
    let (base, _) = server.rsplit_once('/').unwrap();
    format!("{base}/{name}")
}

fn holder(i: usize) -> ClaimHolder {
    ClaimHolder::new(Actor {
        station: format!("bench-{i}"),
        operator: "bench".into(),
    })
}

/// One station's uncontended claim (one order) round trip, p50 in ms.
async fn claim_round_trip_ms(journal: &Journal) -> f64 {
    let h = holder(99);
    let mut times = Vec::new();
    for i in 0..300u64 {
        let order = OrderId(1_000_000_000 + i);
        let t = Instant::now();
        let got = journal
            .claim_orders(&h, ClaimPurpose::Labels, &[order], Some(1), 30_000)
            .await
            .unwrap();
        times.push(t.elapsed().as_secs_f64() * 1e3);
        assert_eq!(got.claimed, vec![order]);
    }
    times.sort_by(f64::total_cmp);
    percentile(&times, 0.5)
}

/// Four stations racing for one list of orders; claims per second in total.
async fn claim_throughput(url: &str) -> (f64, Vec<u64>) {
    let orders: Arc<Vec<OrderId>> =
        Arc::new((0..ORDERS).map(|i| OrderId(2_000_000_000 + i)).collect());
    let taken = Arc::new(AtomicU64::new(0));
    let mut journals = Vec::new();
    for _ in 0..STATIONS {
        journals.push(
            Journal::connect(&JournalLocation::Postgres(url.to_string()))
                .await
                .unwrap(),
        );
    }
    let started = Instant::now();
    let tasks: Vec<_> = journals
        .into_iter()
        .enumerate()
        .map(|(i, journal)| {
            let (orders, taken) = (orders.clone(), taken.clone());
            tokio::spawn(async move {
                let h = holder(i);
                let mut cursor = 0usize;
                let mut mine = 0u64;
                while cursor < orders.len() {
                    let window = &orders[cursor..(cursor + 16).min(orders.len())];
                    let got = journal
                        .claim_orders(&h, ClaimPurpose::Labels, window, Some(1), 30_000)
                        .await
                        .unwrap();
                    match got.claimed.first() {
                        Some(o) => {
                            mine += 1;
                            taken.fetch_add(1, Ordering::Relaxed);
                            // Everything before the one we got is taken by someone.
                            cursor += window.iter().position(|w| w == o).unwrap_or(0) + 1;
                        }
                        None => cursor += window.len(),
                    }
                }
                mine
            })
        })
        .collect();
    let mut per_station = Vec::new();
    for t in tasks {
        per_station.push(t.await.unwrap());
    }
    let secs = started.elapsed().as_secs_f64();
    let total = taken.load(Ordering::Relaxed);
    assert_eq!(total, ORDERS, "every order claimed exactly once");
    (total as f64 / secs, per_station)
}

/// NOTIFY committed by four stations → received by a listener: latencies in ms.
async fn notification_latencies(url: &str) -> Vec<f64> {
    let (listener, mut conn) = tokio_postgres::connect(url, tokio_postgres::NoTls)
        .await
        .unwrap();
    let (tx, mut rx) = tokio::sync::mpsc::unbounded_channel::<(String, Instant)>();
    tokio::spawn(async move {
        let mut messages = futures::stream::poll_fn(move |cx| conn.poll_message(cx));
        while let Some(Ok(message)) = messages.next().await {
            if let tokio_postgres::AsyncMessage::Notification(n) = message {
                let _ = tx.send((n.payload().to_string(), Instant::now()));
            }
        }
    });
    listener
        .batch_execute("LISTEN waybill_desk_bench")
        .await
        .unwrap();
    let sent: Arc<std::sync::Mutex<std::collections::HashMap<String, Instant>>> = Arc::default();
    let mut tasks = Vec::new();
    for s in 0..STATIONS {
        let (url, sent) = (url.to_string(), sent.clone());
        tasks.push(tokio::spawn(async move {
            let (mut client, conn) = tokio_postgres::connect(&url, tokio_postgres::NoTls)
                .await
                .unwrap();
            tokio::spawn(conn);
            for i in 0..NOTIFICATIONS_PER_STATION {
                let key = format!("{s}-{i}");
                let t = client.transaction().await.unwrap();
                t.execute("SELECT pg_notify('waybill_desk_bench', $1)", &[&key])
                    .await
                    .unwrap();
                sent.lock().unwrap().insert(key, Instant::now());
                t.commit().await.unwrap();
                tokio::time::sleep(Duration::from_millis(5)).await;
            }
        }));
    }
    let mut latencies = Vec::new();
    while latencies.len() < STATIONS * NOTIFICATIONS_PER_STATION {
        let (key, at) = tokio::time::timeout(Duration::from_secs(10), rx.recv())
            .await
            .expect("notifications arrive")
            .unwrap();
        let sent_at = loop {
            if let Some(t) = sent.lock().unwrap().get(&key).copied() {
                break t;
            }
            tokio::task::yield_now().await;
        };
        latencies.push(at.saturating_duration_since(sent_at).as_secs_f64() * 1e3);
    }
    for t in tasks {
        t.await.unwrap();
    }
    latencies.sort_by(f64::total_cmp);
    latencies
}

/// One plain round trip (`SELECT 1`), p50 in ms.
async fn round_trip_ms(url: &str) -> f64 {
    let (client, conn) = tokio_postgres::connect(url, tokio_postgres::NoTls)
        .await
        .unwrap();
    tokio::spawn(conn);
    let mut times = Vec::new();
    for _ in 0..300 {
        let t = Instant::now();
        client.query_one("SELECT 1", &[]).await.unwrap();
        times.push(t.elapsed().as_secs_f64() * 1e3);
    }
    times.sort_by(f64::total_cmp);
    percentile(&times, 0.5)
}

fn main() {
    let Ok(server) = std::env::var("WAYBILL_DESK_TEST_PG_URL") else {
        eprintln!("no PostgreSQL server: run under scripts/test-env/with-services.sh");
        std::process::exit(2);
    };
    let runtime = tokio::runtime::Builder::new_multi_thread()
        .worker_threads(4)
        .enable_all()
        .build()
        .unwrap();
    runtime.block_on(async {
        let url = database(&server).await;
        let journal = Journal::connect(&JournalLocation::Postgres(url.clone()))
            .await
            .unwrap();
        let rtt = round_trip_ms(&url).await;
        let claim_rtt = claim_round_trip_ms(&journal).await;
        let (throughput, split) = claim_throughput(&url).await;
        let bound = STATIONS as f64 * 1e3 / claim_rtt;
        let latencies = notification_latencies(&url).await;
        let (p50, p95) = (percentile(&latencies, 0.5), percentile(&latencies, 0.95));

        println!();
        println!(
            "{:<52} {:>12} {:>12} {:>7}",
            "figure", "measured", "bound", "ratio"
        );
        println!(
            "{:<52} {:>10.0}/s {:>10.0}/s {:>6.2}×",
            format!("claims/s, {STATIONS} stations racing one list"),
            throughput,
            bound,
            throughput / bound
        );
        println!(
            "{:<52} {:>9.2} ms {:>9.2} ms {:>6.2}×",
            "claim round trip, one station, p50 (vs SELECT 1)",
            claim_rtt,
            rtt,
            claim_rtt / rtt
        );
        println!(
            "{:<52} {:>9.2} ms {:>9.0} ms {:>6.4}×",
            "NOTIFY at commit → listener, p50",
            p50,
            1000.0,
            p50 / 1000.0
        );
        println!(
            "{:<52} {:>9.2} ms {:>9.0} ms {:>6.4}×",
            "NOTIFY at commit → listener, p95",
            p95,
            1000.0,
            p95 / 1000.0
        );
        println!(
            "{:<52} {:>9.2} ms {:>9.2} ms {:>6.2}×",
            "NOTIFY p50 vs one round trip",
            p50,
            rtt,
            p50 / rtt
        );
        println!();
        println!(
            "{ORDERS} orders split between the stations {split:?}; {} notifications",
            latencies.len()
        );
    });
}
