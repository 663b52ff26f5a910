//! The sandbox as a process of its own (`waybill-desk sandbox`), for tests whose stations are
//! real processes too: its counters (`/sandbox/stats`, `/sandbox/events`) are the truth about
//! what reached "WeChat", whatever the stations say.
#![allow(clippy::unwrap_used)] // test helpers may panic: a panic is a failed test

use std::process::Stdio;

use tokio::io::AsyncBufReadExt as _;
use waybill_desk::sandbox::{OrderEvent, Stats};

pub const BIN: &str = env!("CARGO_BIN_EXE_waybill-desk");

/// Kills the child when the test ends, however it ends.
pub struct Reaper(pub tokio::process::Child);

impl Drop for Reaper {
    fn drop(&mut self) {
        let _ = self.0.start_kill();
    }
}

/// Starts a sandbox with `orders` sample orders and `latency_ms` added to every call; returns
/// it (killed on drop) and its URL.
pub async fn start_sandbox(orders: usize, latency_ms: u64) -> (Reaper, url::Url) {
    let mut child = tokio::process::Command::new(BIN)
        .args(["sandbox", "--addr", "127.0.0.1:0"])
        .args(["--orders", &orders.to_string()])
        .args(["--latency-ms", &latency_ms.to_string()])
        .stdout(Stdio::piped())
        .stderr(Stdio::inherit())
        .kill_on_drop(true)
        .spawn()
        .unwrap();
    let stdout = child.stdout.take().unwrap();
    let mut lines = tokio::io::BufReader::new(stdout).lines();
    let first = lines
        .next_line()
        .await
        .unwrap()
        .expect("sandbox prints its URL");
    // Keep draining its stdout so it never blocks on a full pipe.
    tokio::spawn(async move { while let Ok(Some(_)) = lines.next_line().await {} });
    (Reaper(child), url::Url::parse(first.trim()).unwrap())
}

/// The sandbox's counters.
pub async fn stats(base: &url::Url) -> Stats {
    reqwest::get(base.join("sandbox/stats").unwrap())
        .await
        .unwrap()
        .json()
        .await
        .unwrap()
}

/// Every waybill event the sandbox recorded, oldest first.
pub async fn events(base: &url::Url) -> Vec<OrderEvent> {
    reqwest::get(base.join("sandbox/events").unwrap())
        .await
        .unwrap()
        .json()
        .await
        .unwrap()
}
