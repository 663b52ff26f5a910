//! Speed at shop scale (issue 12), side by side in one run: each figure next to its bound and
//! the ratio measured / bound, with the target ratio. Run with
//!
//! ```sh
//! bash scripts/test-env/with-services.sh cargo bench --bench desk
//! ```
//!
//! The API figures run against the sandbox with 50 ms added to every call (a realistic round
//! trip to WeChat). The sandbox runs as its own process (`waybill-desk sandbox`), so its CPU
//! (rendering label pages, mostly) is counted apart: each API figure shows the CPU seconds the
//! station and the sandbox used, to show the sandbox does not set the pace on 2 cores.
//!
//! API bound: `ceil(calls / 16) × RTT` for the calls that must be made (16 in flight, the
//! default cap), plus the list pages, which follow each other. The plain loop a script would
//! write (one `getOrder` per order, in sequence) runs as the peer.
//!
//! Window figures (frame time with 50,000 orders, first frame) build the app as the GUI tests
//! do (egui_kittest); window memory starts the real binary in demo mode and needs a display
//! (`with-services.sh` gives one under Xvfb).

#![allow(clippy::unwrap_used)] // a benchmark that cannot set up should stop loudly

use std::io::BufRead as _;
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

use waybill_desk::app::orders::{Filter, OrderBook};
use waybill_desk::sandbox::{DEMO_APPID, DEMO_SECRET};
use waybill_desk::station::{CancelToken, LabelBatchPlan, Station, WaybillPlan};
use waybill_desk::store::{Actor, Journal};
use waybill_desk::wechat::logistics::{LabelRequest, WaybillParty};
use waybill_desk::wechat::order::Order;
use waybill_desk::wechat::shop::{OrderQuery, ShopKind};
use waybill_desk::wechat::{
    ClientConfig, DeliveryId, OrderId, PrintType, Secret, TokenSource, WechatClient,
};

const RTT_MS: f64 = 50.0;
const CAP: usize = 16;
const BIN: &str = env!("CARGO_BIN_EXE_waybill-desk");

/// One row of the table.
struct Row {
    name: String,
    measured: f64,
    bound: f64,
    unit: &'static str,
    /// The ratio measured / bound the issue asks for at most; NaN for a figure it asks to see
    /// without a target (the peer, the preview).
    target: f64,
    note: String,
}

fn print_rows(rows: &[Row]) {
    println!();
    println!(
        "{:<42} {:>10} {:>10} {:<4} {:>7} {:>7}  {:<5} note",
        "figure", "measured", "bound", "", "ratio", "target", ""
    );
    for r in rows {
        let ratio = r.measured / r.bound;
        let (target, verdict) = if r.target.is_finite() {
            (
                format!("{:.2}×", r.target),
                if ratio <= r.target { "ok" } else { "MISS" },
            )
        } else {
            let kind = if r.name.starts_with("peer") {
                "peer"
            } else {
                "info"
            };
            ("—".to_string(), kind)
        };
        println!(
            "{:<42} {:>10.2} {:>10.2} {:<4} {:>6.2}× {:>7}  {:<5} {}",
            r.name, r.measured, r.bound, r.unit, ratio, target, verdict, r.note
        );
    }
}

/// CPU seconds (user + system) a process has used, from /proc.
fn cpu_s(pid: &str) -> f64 {
    let stat = std::fs::read_to_string(format!("/proc/{pid}/stat")).unwrap_or_default();
    // Fields after the command name (which may hold spaces) start after the last ')'.
    let rest = stat.rsplit_once(')').map(|(_, r)| r).unwrap_or("");
    let fields: Vec<&str> = rest.split_whitespace().collect();
    let ticks: f64 = fields
        .get(11)
        .and_then(|u| u.parse::<f64>().ok())
        .unwrap_or(0.0)
        + fields
            .get(12)
            .and_then(|s| s.parse::<f64>().ok())
            .unwrap_or(0.0);
    ticks / 100.0
}

struct Sandbox {
    child: Child,
    url: url::Url,
}

impl Sandbox {
    fn start(orders: usize, latency_ms: u64) -> Sandbox {
        let mut child = Command::new(BIN)
            .args([
                "sandbox",
                "--addr",
                "127.0.0.1:0",
                "--latency-ms",
                &latency_ms.to_string(),
                "--orders",
                &orders.to_string(),
            ])
            .stdout(Stdio::piped())
            .stderr(Stdio::null())
            .spawn()
            .unwrap();
        let mut line = String::new();
        let mut out = std::io::BufReader::new(child.stdout.take().unwrap());
        out.read_line(&mut line).unwrap();
        // Keep reading: a closed pipe would end the sandbox at its next line.
        std::thread::spawn(move || std::io::copy(&mut out, &mut std::io::sink()));
        Sandbox {
            child,
            url: url::Url::parse(line.trim()).unwrap(),
        }
    }

    fn cpu_s(&self) -> f64 {
        cpu_s(&self.child.id().to_string())
    }

    fn calls(&self) -> u64 {
        let stats: serde_json::Value =
            reqwest::blocking_get(self.url.join("sandbox/stats").unwrap());
        stats["calls"]
            .as_object()
            .map(|m| m.values().filter_map(|v| v.as_u64()).sum())
            .unwrap_or(0)
    }
}

impl Drop for Sandbox {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

mod reqwest {
    /// A GET on loopback without pulling reqwest's blocking feature in.
    pub fn blocking_get(url: url::Url) -> serde_json::Value {
        use std::io::{Read as _, Write as _};
        let host = format!(
            "{}:{}",
            url.host_str().unwrap(),
            url.port_or_known_default().unwrap()
        );
        let mut stream = std::net::TcpStream::connect(host).unwrap();
        write!(
            stream,
            "GET {} HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n",
            url.path()
        )
        .unwrap();
        let mut text = String::new();
        stream.read_to_string(&mut text).unwrap();
        let body = text.split_once("\r\n\r\n").map(|(_, b)| b).unwrap_or("");
        serde_json::from_str(body).unwrap_or(serde_json::Value::Null)
    }
}

fn make_client(url: &url::Url) -> WechatClient {
    let mut config = ClientConfig::new(
        url.clone(),
        TokenSource::AppSecret {
            appid: DEMO_APPID.into(),
            secret: Secret::new(DEMO_SECRET),
        },
    );
    config.max_concurrent_calls = CAP;
    WechatClient::new(config).unwrap()
}

fn sender() -> WaybillParty {
    WaybillParty {
        name: "仓库".into(),
        mobile: "13800138000".into(),
        province: "广东省".into(),
        city: "深圳市".into(),
        area: "南山区".into(),
        address: "科技园".into(),
        ..WaybillParty::default()
    }
}

fn rounds(calls: u64) -> f64 {
    calls.div_ceil(CAP as u64) as f64
}

fn percentile(sorted_ms: &[f64], p: f64) -> f64 {
    let i = ((sorted_ms.len() as f64 - 1.0) * p).round() as usize;
    sorted_ms[i.min(sorted_ms.len() - 1)]
}

fn main() {
    // `DESK_BENCH_WINDOW_ONLY=1`: only the real window (visible, memory), in a few seconds.
    if std::env::var_os("DESK_BENCH_WINDOW_ONLY").is_some() {
        let mut rows = Vec::new();
        real_window_rows(&mut rows);
        print_rows(&rows);
        return;
    }
    // `DESK_BENCH_FRAMES_ONLY=1`: only the headless window with 50,000 orders.
    if std::env::var_os("DESK_BENCH_FRAMES_ONLY").is_some() {
        let runtime = tokio::runtime::Builder::new_multi_thread()
            .enable_all()
            .build()
            .unwrap();
        let mut rows = Vec::new();
        headless_window_rows(&runtime, chrono::Utc::now().timestamp(), &mut rows);
        print_rows(&rows);
        return;
    }
    // `DESK_BENCH_LABELS_ONLY=1`: the cold batch (it makes the waybills) and labels only with
    // its CPU floor, in half a minute.
    let labels_only = std::env::var_os("DESK_BENCH_LABELS_ONLY").is_some();
    let runtime = tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()
        .unwrap();
    let me = std::process::id().to_string();
    let mut rows = Vec::new();

    // ---------- API figures: sandbox at 50 ms ----------
    // 1,250 generated orders: about 1,000 to be shipped.
    let sandbox = Sandbox::start(1_250, RTT_MS as u64);
    let client = make_client(&sandbox.url);
    let data = tempfile::tempdir().unwrap();
    let station = Station::new(
        client.clone(),
        ShopKind::Channels,
        Journal::open(data.path()).unwrap(),
        Actor {
            station: "bench".into(),
            operator: "bench".into(),
        },
    );
    let now = chrono::Utc::now().timestamp();
    let query = OrderQuery {
        created_from: now - 7 * 86_400,
        created_to: now,
        status: Some(20),
    };
    let plan = LabelBatchPlan {
        print_type: PrintType::TwoPart,
        delivery_id: DeliveryId("SF".into()),
        biz_id: "SF_CASH".into(),
        sender: sender(),
    };
    // The token first, so no figure pays for it.
    runtime.block_on(client.logistics().couriers()).unwrap();

    eprintln!("cold batch…");
    let (cpu0, sb_cpu0, calls0) = (cpu_s(&me), sandbox.cpu_s(), sandbox.calls());
    let started = Instant::now();
    let synced = runtime.block_on(station.sync_orders(query)).unwrap();
    let batch = runtime
        .block_on(station.plan_label_batch(&synced.orders, &plan))
        .unwrap();
    let report = runtime
        .block_on(station.run_label_batch(batch, None, &CancelToken::new()))
        .unwrap();
    let cold_s = started.elapsed().as_secs_f64();
    let (cpu1, sb_cpu1, calls1) = (cpu_s(&me), sandbox.cpu_s(), sandbox.calls());
    assert!(report.finished, "{report:?}");
    let n = u64::from(report.total);
    let reads = u64::from(synced.order_reads);
    let cold_bound =
        (rounds(reads + n + n.div_ceil(100)) + f64::from(synced.list_calls)) * RTT_MS / 1e3;
    rows.push(Row {
        name: format!("cold batch of {n} (list, read, add, labels)"),
        measured: cold_s,
        bound: cold_bound,
        unit: "s",
        target: 1.5,
        note: format!(
            "{reads} reads + {n} order/add + {} batchget / {CAP} in flight + {} list pages; {} calls; CPU station {:.1} s, sandbox {:.1} s",
            n.div_ceil(100),
            synced.list_calls,
            calls1 - calls0,
            cpu1 - cpu0,
            sb_cpu1 - sb_cpu0
        ),
    });

    eprintln!("unchanged re-list…");
    let full_pages = f64::from(synced.list_calls);
    let (cpu0, sb_cpu0) = (cpu_s(&me), sandbox.cpu_s());
    let started = Instant::now();
    let again = runtime.block_on(station.sync_orders(query)).unwrap();
    let relist_s = started.elapsed().as_secs_f64();
    let (cpu1, sb_cpu1) = (cpu_s(&me), sandbox.cpu_s());
    assert_eq!(again.orders.len(), synced.orders.len());
    rows.push(Row {
        name: format!("unchanged re-list of {}", again.orders.len()),
        measured: relist_s,
        bound: full_pages * RTT_MS / 1e3,
        unit: "s",
        target: 3.0,
        note: format!(
            "bound: the {} list pages of a full listing; made {} list call(s), {} read(s) (changed within the clock margin); CPU station {:.2} s, sandbox {:.2} s",
            synced.list_calls,
            again.list_calls,
            again.order_reads,
            cpu1 - cpu0,
            sb_cpu1 - sb_cpu0
        ),
    });

    eprintln!("labels only…");
    let requests: Vec<LabelRequest> = runtime
        .block_on(station.journal().batch_items(batch, false))
        .unwrap()
        .into_iter()
        .map(|item| LabelRequest {
            order_id: item.order_id.logistics_id(),
            delivery_id: DeliveryId("SF".into()),
            waybill_id: item.waybill_id,
        })
        .collect();
    let (cpu0, sb_cpu0) = (cpu_s(&me), sandbox.cpu_s());
    let started = Instant::now();
    let labels = runtime.block_on(station.fetch_labels(&requests, PrintType::TwoPart));
    let labels_s = started.elapsed().as_secs_f64();
    let (cpu1, sb_cpu1) = (cpu_s(&me), sandbox.cpu_s());
    assert!(labels.iter().all(Result::is_ok));
    let batch_calls = (requests.len() as u64).div_ceil(100);
    let labels_bound = rounds(batch_calls) * RTT_MS / 1e3;
    rows.push(Row {
        name: format!("labels only, {} (waybills known)", requests.len()),
        measured: labels_s,
        bound: labels_bound,
        unit: "s",
        target: 2.0,
        note: format!(
            "{batch_calls} batchget in one round (10 in sequence would be {:.2} s); the sandbox serves each waybill's stored page as WeChat does (made when first asked, in the cold batch, again only when the minute it shows turns), its work for a call inside the call's 50 ms as WeChat's is; includes decoding and journaling every label; CPU station {:.2} s, sandbox {:.2} s",
            batch_calls as f64 * RTT_MS / 1e3,
            cpu1 - cpu0,
            sb_cpu1 - sb_cpu0
        ),
    });
    // The issue's bound counts round trips only. The second bound adds what no network can
    // save: this machine's CPU floor for the station's share of the same labels, measured now.
    let pages: Vec<String> = labels
        .iter()
        .filter_map(|l| l.as_ref().ok().map(|(label, _)| label.html.clone()))
        .collect();
    let floor = cpu_floor(&runtime, &pages);
    rows.push(Row {
        name: format!("labels only, {} vs round trips + CPU floor", requests.len()),
        measured: labels_s,
        bound: labels_bound + floor.total_s(),
        unit: "s",
        target: 2.0,
        note: format!(
            "second bound, stated: {labels_bound:.2} s round trips + {:.3} s CPU floor measured in this run ({})",
            floor.total_s(),
            floor.describe()
        ),
    });
    if labels_only {
        print_rows(&rows);
        return;
    }

    eprintln!("the plain loop (peer)…");
    let sample = 100.min(requests.len());
    let started = Instant::now();
    runtime.block_on(async {
        for r in &requests[..sample] {
            client
                .logistics()
                .get_label(r, PrintType::TwoPart)
                .await
                .unwrap();
        }
    });
    let per_label = started.elapsed().as_secs_f64() / sample as f64;
    let peer_s = per_label * requests.len() as f64;
    rows.push(Row {
        name: format!("peer: plain getOrder loop, {}", requests.len()),
        measured: peer_s,
        bound: rounds(batch_calls) * RTT_MS / 1e3,
        unit: "s",
        target: f64::INFINITY,
        note: format!(
            "{sample} measured in sequence, scaled to {}; {:.0}× the labels-only run above",
            requests.len(),
            peer_s / labels_s
        ),
    });

    eprintln!("scan → label ready…");
    let scan_ids: Vec<OrderId> = runtime
        .block_on(station.sync_orders(query))
        .unwrap()
        .orders
        .iter()
        .filter(|o| o.no_courier_reason().is_none() && !o.remaining_items().is_empty())
        .map(|o| o.id)
        .take(60)
        .collect();
    let waybill_plan = WaybillPlan {
        delivery_id: DeliveryId("YTO".into()),
        biz_id: "YTO_CASH".into(),
        sender: sender(),
    };
    let mut scan_ms: Vec<f64> = runtime.block_on(async {
        let mut out = Vec::new();
        for id in &scan_ids {
            let t = Instant::now();
            let waybill = station.new_waybill(*id, &waybill_plan).await.unwrap();
            let got = station
                .fetch_labels(
                    &[LabelRequest {
                        order_id: id.logistics_id(),
                        delivery_id: waybill.delivery_id.clone(),
                        waybill_id: Some(waybill.waybill_id.clone()),
                    }],
                    PrintType::TwoPart,
                )
                .await;
            assert!(got[0].is_ok());
            out.push(t.elapsed().as_secs_f64() * 1e3);
        }
        out
    });
    scan_ms.sort_by(f64::total_cmp);
    let scan_bound = 2.0 * RTT_MS + 150.0;
    for (name, p) in [("p50", 0.5), ("p95", 0.95)] {
        rows.push(Row {
            name: format!("scan → label ready {name} ({} scans)", scan_ms.len()),
            measured: percentile(&scan_ms, p),
            bound: scan_bound,
            unit: "ms",
            target: 1.0,
            note: "read order, order/add, batchget, journal: 3 round trips (the bound allows 2 + 150 ms)"
                .into(),
        });
    }
    drop(sandbox);

    // ---------- window figures ----------
    headless_window_rows(&runtime, now, &mut rows);

    // ---------- the real window in demo mode: first frame and memory ----------
    real_window_rows(&mut rows);

    print_rows(&rows);
    println!(
        "\nmachine: {} CPU(s), {}; sandbox latency {RTT_MS} ms per call, cap {CAP} calls in flight",
        std::thread::available_parallelism().map_or(0, |n| n.get()),
        std::fs::read_to_string("/proc/cpuinfo")
            .ok()
            .and_then(|c| c
                .lines()
                .find(|l| l.starts_with("model name"))
                .and_then(|l| l.split_once(':'))
                .map(|(_, m)| m.trim().to_string()))
            .unwrap_or_default()
    );
}

/// The window built headless as the GUI tests build it, with 50,000 orders: frame time, first
/// frame, a search keystroke.
fn headless_window_rows(runtime: &tokio::runtime::Runtime, now: i64, rows: &mut Vec<Row>) {
    eprintln!("window: 50,000 orders…");
    let window_sandbox = Sandbox::start(300, 0);
    let window_client = make_client(&window_sandbox.url);
    let base = runtime
        .block_on(
            window_client
                .shop(ShopKind::Channels)
                .list_orders(OrderQuery {
                    created_from: now - 7 * 86_400,
                    created_to: now + 3_600,
                    status: None,
                }),
        )
        .unwrap();
    let many: Vec<Order> = (0..50_000)
        .map(|i| {
            let mut o = base[i % base.len()].clone();
            o.id = OrderId(3_700_000_000_000_000_000 + i as u64);
            o
        })
        .collect();
    let mut book = OrderBook::new(Filter {
        status: None,
        created_from: 0,
        created_to: i64::MAX,
        text: String::new(),
    });
    book.merge(many.clone());
    let mut keystrokes: Vec<f64> = (0..21)
        .map(|i| {
            book.filter.text = ["13", "王", "8884", ""][i % 4].into();
            let t = Instant::now();
            book.rebuild_view();
            t.elapsed().as_secs_f64() * 1e3
        })
        .collect();
    keystrokes.sort_by(f64::total_cmp);

    let config = waybill_desk::app::AppConfig {
        runtime: runtime.handle().clone(),
        client: window_client.clone(),
        shop: ShopKind::Channels,
        sandbox: None,
        settings: waybill_desk::settings::Settings::default(),
        data_dir: std::env::temp_dir().join("waybill-desk-bench"),
        appid: String::new(),
        toasts: None,
        station: None,
        startup_problem: None,
        print_worker: waybill_desk::print::WorkerConfig::new(BIN),
    };
    let started = Instant::now();
    let mut harness = egui_kittest::Harness::builder()
        .with_size([1440.0, 900.0])
        .build_eframe(move |cc| waybill_desk::app::WaybillApp::new(&cc.egui_ctx, config));
    harness.step();
    let first_frame_s = started.elapsed().as_secs_f64();
    harness.state_mut().book.filter.created_from = 0;
    harness.state_mut().book.merge(many);
    harness.state_mut().book.select_all();
    harness.run_steps(3);
    let mut frames: Vec<f64> = (0..61)
        .map(|_| {
            let t = Instant::now();
            harness.step();
            t.elapsed().as_secs_f64() * 1e3
        })
        .collect();
    frames.sort_by(f64::total_cmp);
    drop(harness);
    rows.push(Row {
        name: "window frame p95, 50,000 orders".into(),
        measured: percentile(&frames, 0.95),
        bound: 4.0,
        unit: "ms",
        target: 1.0,
        note: format!(
            "wall time of a full frame (≥ its CPU time), p50 {:.2} ms; headless pass as the GUI tests build it",
            percentile(&frames, 0.5)
        ),
    });
    rows.push(Row {
        name: "first frame".into(),
        measured: first_frame_s,
        bound: 0.5,
        unit: "s",
        target: 1.0,
        note: "building the app and its first frame (fonts included)".into(),
    });
    rows.push(Row {
        name: "search keystroke p95, 50,000 orders".into(),
        measured: percentile(&keystrokes, 0.95),
        bound: 16.7,
        unit: "ms",
        target: 1.0,
        note: "order book re-filter and re-sort (one 60 Hz frame)".into(),
    });
    drop(window_sandbox);
}

/// The station's unavoidable CPU for N labels on this machine: reading the `print_html`
/// strings out of the batch answers' JSON and decoding them (in chunks of 100, one chunk per
/// answer, spread over every core as the station does), then storing the N pages in a journal
/// in one transaction. No network, no sandbox: the floor under the labels-only figure.
struct CpuFloor {
    labels: usize,
    megabytes: f64,
    decode_s: f64,
    store_s: f64,
    cores: usize,
}

impl CpuFloor {
    fn total_s(&self) -> f64 {
        self.decode_s + self.store_s
    }

    fn describe(&self) -> String {
        format!(
            "{} pages, {:.1} MB of base64: JSON + base64 decode {:.3} s on {} cores, one-transaction journal insert {:.3} s",
            self.labels, self.megabytes, self.decode_s, self.cores, self.store_s
        )
    }
}

fn cpu_floor(runtime: &tokio::runtime::Runtime, pages: &[String]) -> CpuFloor {
    use waybill_desk::wechat::label::{decode_print_html, encode_print_html};
    use waybill_desk::wechat::logistics::Label;
    // Each chunk as its batchget answer carries it: a JSON array of base64 strings.
    let answers: Vec<String> = pages
        .chunks(100)
        .map(|chunk| {
            serde_json::to_string(
                &chunk
                    .iter()
                    .map(|p| encode_print_html(p))
                    .collect::<Vec<String>>(),
            )
            .unwrap()
        })
        .collect();
    let megabytes = answers.iter().map(String::len).sum::<usize>() as f64 / 1e6;
    let cores = std::thread::available_parallelism().map_or(1, |n| n.get());
    let started = Instant::now();
    let decoded: Vec<String> = std::thread::scope(|scope| {
        let per_core = answers.len().div_ceil(cores).max(1);
        let handles: Vec<_> = answers
            .chunks(per_core)
            .map(|mine| {
                scope.spawn(move || {
                    let mut out = Vec::new();
                    for answer in mine {
                        let strings: Vec<String> = serde_json::from_str(answer).unwrap();
                        out.extend(strings.iter().map(|b| decode_print_html(b).unwrap()));
                    }
                    out
                })
            })
            .collect();
        handles
            .into_iter()
            .flat_map(|h| h.join().unwrap())
            .collect()
    });
    let decode_s = started.elapsed().as_secs_f64();
    assert_eq!(decoded.len(), pages.len());
    let labels: Vec<Label> = decoded
        .into_iter()
        .enumerate()
        .map(|(i, html)| Label {
            order_id: (3_700_000_000_000_000_000u64 + i as u64).to_string(),
            delivery_id: DeliveryId("SF".into()),
            waybill_id: waybill_desk::wechat::WaybillId(format!("SF{i:012}")),
            html,
            waybill_data: Vec::new(),
            order_status: 0,
            print_type: PrintType::TwoPart,
        })
        .collect();
    let scratch = tempfile::tempdir().unwrap();
    let journal = Journal::open(scratch.path()).unwrap();
    let actor = Actor {
        station: "floor".into(),
        operator: "floor".into(),
    };
    let pairs: Vec<(OrderId, &Label)> = labels
        .iter()
        .map(|l| (l.order_id.parse().unwrap(), l))
        .collect();
    let started = Instant::now();
    runtime
        .block_on(journal.record_labels(&actor, &pairs))
        .unwrap();
    let store_s = started.elapsed().as_secs_f64();
    CpuFloor {
        labels: pages.len(),
        megabytes,
        decode_s,
        store_s,
        cores,
    }
}

/// The real window's rows: time until visible, memory after start and with the preview open.
fn real_window_rows(rows: &mut Vec<Row>) {
    match real_window() {
        Some(w) => {
            if let Some(visible_s) = w.visible_s {
                rows.push(Row {
                    name: "window visible (real binary, demo)".into(),
                    measured: visible_s,
                    bound: 0.5,
                    unit: "s",
                    target: 1.0,
                    note: "spawn to window mapped (eframe shows it after its first frame), embedded sandbox started"
                        .into(),
                });
            }
            rows.push(Row {
                name: "window memory after start (demo mode)".into(),
                measured: w.rss_after_start_mb,
                bound: 150.0,
                unit: "MB",
                target: 1.0,
                note: format!(
                    "VmRSS of the window process 5 s after start, embedded sandbox included; {}",
                    w.resident_after_start
                ),
            });
            if let Some(p) = &w.with_preview {
                rows.push(Row {
                    name: "window memory, preview open".into(),
                    measured: p.window_mb,
                    bound: 150.0,
                    unit: "MB",
                    // Issue 12 asks for this figure; its 150 MB target is for the window after
                    // start.
                    target: f64::NAN,
                    note: format!(
                        "labels fetched (Ctrl+A, Ctrl+L), an order clicked; the preview is drawn in the window by the waybill-desk-webkit helper: helper {:.0} MB ({}; its binary counts as other libs), its WebKit web and network processes {:.0} MB, all together {:.0} MB (proportional set size of all, shared library pages counted once: {:.0} MB)",
                        p.helper_mb,
                        p.helper_resident,
                        p.webkit_mb,
                        p.window_mb + p.helper_mb + p.webkit_mb,
                        p.pss_total_mb
                    ),
                });
            }
            if let Some(ms) = w.first_label_ms {
                rows.push(Row {
                    name: "preview: first label shown".into(),
                    measured: ms,
                    bound: 500.0,
                    unit: "ms",
                    // Not among issue 12's targets; the bound is the first frame's.
                    target: f64::NAN,
                    note: "the preview is made when the first label is shown (not at start): the WebKit helper's start, its view's creation, web process start and the label's load, until the helper says loaded, from the window's log; bound: as prompt as the first frame"
                        .into(),
                });
            }
        }
        None => eprintln!("real window: no display (run under scripts/test-env/with-services.sh)"),
    }
}

/// What the real window measured.
struct RealWindow {
    visible_s: Option<f64>,
    rss_after_start_mb: f64,
    /// What is resident after start, by where it comes from (from smaps).
    resident_after_start: String,
    /// With a label in the preview, by process.
    with_preview: Option<PreviewMemory>,
    /// From the click on an order to its label drawn, the preview's view made on the way.
    first_label_ms: Option<f64>,
}

/// Resident memory (MB) with a label in the preview: the window's process, the WebKit helper
/// that draws the preview inside it, and the helper's WebKit web and network processes.
struct PreviewMemory {
    window_mb: f64,
    helper_mb: f64,
    webkit_mb: f64,
    /// The proportional set size of all of them together (shared pages counted once).
    pss_total_mb: f64,
    /// The helper's resident memory by where it comes from.
    helper_resident: String,
}

/// A "Key:   N kB" line of a /proc file of `pid` (`status`, `smaps_rollup`), in kB; 0 when the
/// process is gone.
fn proc_kb(pid: u32, file: &str, key: &str) -> f64 {
    std::fs::read_to_string(format!("/proc/{pid}/{file}"))
        .ok()
        .and_then(|s| {
            s.lines()
                .find(|l| l.starts_with(key))
                .and_then(|l| l.split_whitespace().nth(1))
                .and_then(|v| v.parse().ok())
        })
        .unwrap_or(0.0)
}

fn rss_kb(pid: u32) -> f64 {
    proc_kb(pid, "status", "VmRSS:")
}

/// Proportional set size (kB): resident memory with each shared page divided among the
/// processes that map it, so the sum over processes counts a shared library's pages once.
fn pss_kb(pid: u32) -> f64 {
    proc_kb(pid, "smaps_rollup", "Pss:")
}

/// Resident memory of a process by where it comes from, from /proc/PID/smaps: the software GL
/// stack of a display without a GPU (Mesa's llvmpipe: libLLVM and the libz3 it links, the
/// swrast driver, the X shared-memory images), the binary, WebKitGTK's libraries (with the flite
/// speech libraries it links), the mapped CJK font, other libraries, and heap + anonymous memory
/// (which includes llvmpipe's own allocations, textures among them).
fn resident_by_origin(pid: u32) -> String {
    let Ok(smaps) = std::fs::read_to_string(format!("/proc/{pid}/smaps")) else {
        return "smaps unreadable".into();
    };
    let origins = [
        "software GL",
        "binary",
        "WebKitGTK libs",
        "CJK font",
        "other libs",
        "heap+anon",
    ];
    let mut kb = [0u64; 6];
    let mut origin = 5;
    for line in smaps.lines() {
        let mut fields = line.split_whitespace();
        let first = fields.next().unwrap_or_default();
        if first.contains('-') && first.chars().all(|c| c.is_ascii_hexdigit() || c == '-') {
            let path = fields.nth(4).unwrap_or_default();
            origin = if path.contains("libLLVM")
                || path.contains("libz3")
                || path.contains("/dri/")
                || path.contains("libgallium")
                || path.starts_with("/SYSV")
            {
                0
            } else if path == BIN {
                1
            } else if path.contains("libwebkit2gtk")
                || path.contains("libjavascriptcoregtk")
                || path.contains("libflite")
            {
                2
            } else if path.contains("/fonts/") {
                3
            } else if path.starts_with('/') {
                4
            } else {
                5
            };
        } else if first == "Rss:" {
            kb[origin] += fields.next().and_then(|v| v.parse().ok()).unwrap_or(0);
        }
    }
    origins
        .iter()
        .zip(kb)
        .map(|(name, kb)| format!("{name} {:.0}", kb as f64 / 1024.0))
        .collect::<Vec<_>>()
        .join(", ")
        + " MB"
}

/// Children and grandchildren of a process (WebKit's web and network processes), from the
/// parent ids in /proc.
fn descendants(pid: u32) -> Vec<u32> {
    let parents: Vec<(u32, u32)> = std::fs::read_dir("/proc")
        .map(|dir| {
            dir.filter_map(|e| e.ok()?.file_name().to_str()?.parse::<u32>().ok())
                .filter_map(|p| {
                    let stat = std::fs::read_to_string(format!("/proc/{p}/stat")).ok()?;
                    let rest = stat.rsplit_once(')')?.1;
                    let ppid = rest.split_whitespace().nth(1)?.parse().ok()?;
                    Some((p, ppid))
                })
                .collect()
        })
        .unwrap_or_default();
    let mut out: Vec<u32> = Vec::new();
    let mut frontier = vec![pid];
    while let Some(parent) = frontier.pop() {
        for &(p, pp) in &parents {
            if pp == parent && !out.contains(&p) {
                out.push(p);
                frontier.push(p);
            }
        }
    }
    out
}

fn xdotool(args: &[&str]) -> Option<String> {
    let out = Command::new("xdotool").args(args).output().ok()?;
    out.status
        .success()
        .then(|| String::from_utf8_lossy(&out.stdout).trim().to_string())
}

/// Starts the window in demo mode (a fresh data directory): the time until it is mapped, its
/// resident memory once started, and (with xdotool) with a label in the preview. `None`
/// without a display.
fn real_window() -> Option<RealWindow> {
    std::env::var_os("DISPLAY")?;
    let data = tempfile::tempdir().ok()?;
    // The preview logs how long its first label took (the view is made on first use).
    let log_path = data.path().join("stderr.log");
    let log = std::fs::File::create(&log_path).ok()?;
    let started = Instant::now();
    let mut child = Command::new(BIN)
        .env("WAYBILL_DESK_DATA_DIR", data.path())
        .env("WAYBILL_DESK_LOG", "warn,waybill_desk::print::preview=info")
        .env_remove("WAYBILL_DESK_APPID")
        .env_remove("WAYBILL_DESK_APPSECRET")
        .stdout(Stdio::null())
        .stderr(log)
        .spawn()
        .ok()?;
    let pid = child.id();
    let pid_s = pid.to_string();
    let mut visible_s = None;
    let mut window = None;
    for _ in 0..500 {
        if let Some(w) = xdotool(&["search", "--onlyvisible", "--pid", &pid_s])
            .and_then(|o| o.lines().next().map(str::to_string))
        {
            visible_s = Some(started.elapsed().as_secs_f64());
            window = Some(w);
            break;
        }
        std::thread::sleep(Duration::from_millis(10));
    }
    std::thread::sleep(Duration::from_secs(5));
    let rss_after_start_mb = rss_kb(pid) / 1024.0;
    let resident_after_start = resident_by_origin(pid);
    let with_preview = window.and_then(|w| {
        // No window manager under Xvfb: activation may fail, focus is what the keys need.
        xdotool(&["windowactivate", "--sync", &w]);
        xdotool(&["windowfocus", "--sync", &w]);
        // Demo mode opens the setup guide on a first start (a modal): Esc puts it away, as
        // scripts/screenshot.sh does; the keys and the click below went to it before.
        xdotool(&["key", "--window", &w, "Escape"])?;
        std::thread::sleep(Duration::from_millis(300));
        xdotool(&["key", "--window", &w, "ctrl+a"])?;
        std::thread::sleep(Duration::from_millis(300));
        xdotool(&["key", "--window", &w, "ctrl+l"])?;
        std::thread::sleep(Duration::from_secs(4));
        // The second row of the table (the layout of the window as of issue 12).
        xdotool(&["mousemove", "--window", &w, "120", "185", "click", "1"])?;
        std::thread::sleep(Duration::from_secs(4));
        let kids = descendants(pid);
        let is_helper = |p: u32| {
            std::fs::read_link(format!("/proc/{p}/exe"))
                .is_ok_and(|exe| exe.ends_with("waybill-desk-webkit"))
        };
        let helpers: Vec<u32> = kids.iter().copied().filter(|&p| is_helper(p)).collect();
        if helpers.is_empty() || kids.len() == helpers.len() {
            return None; // no helper or no WebKit process: the preview did not open
        }
        let sum = |pids: &mut dyn Iterator<Item = u32>| pids.map(rss_kb).sum::<f64>() / 1024.0;
        Some(PreviewMemory {
            window_mb: rss_kb(pid) / 1024.0,
            helper_mb: sum(&mut helpers.iter().copied()),
            webkit_mb: sum(&mut kids.iter().copied().filter(|&p| !is_helper(p))),
            pss_total_mb: (pss_kb(pid) + kids.iter().copied().map(pss_kb).sum::<f64>()) / 1024.0,
            helper_resident: helpers
                .iter()
                .map(|&p| resident_by_origin(p))
                .collect::<Vec<_>>()
                .join("; "),
        })
    });
    let _ = child.kill();
    let _ = child.wait();
    let first_label_ms = std::fs::read_to_string(&log_path).ok().and_then(|text| {
        let (_, rest) = text.split_once("first_label_ms=")?;
        rest.split(|c: char| !c.is_ascii_digit())
            .next()?
            .parse::<f64>()
            .ok()
    });
    Some(RealWindow {
        visible_s,
        rss_after_start_mb,
        resident_after_start,
        with_preview,
        first_label_ms,
    })
}
