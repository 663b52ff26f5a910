//! Throughput of the station's hot paths, each printed as a ratio against a stated lower bound
//! (ratio ≥ 1.0 meets the bound). Run with `cargo bench --bench desk`.
//!
//! - order book: a keystroke in the search box re-filters and re-sorts 50,000 orders; bound:
//!   within one 60 Hz frame (16.7 ms).
//! - window frame: one full frame of the real app with 50,000 orders loaded (layout of the
//!   virtualised table, panels, tessellation-free headless pass); bound: 16.7 ms.
//! - label decode: base64 `print_html` to HTML; bound: 50 MB/s.
//! - label batch: 1,000 two-part labels through batchGetOrder against the sandbox on loopback;
//!   bound: 200 labels/s.

#![allow(clippy::unwrap_used)] // a benchmark that cannot set up should stop loudly

use std::time::{Duration, Instant};

use waybill_desk::app::orders::{Filter, OrderBook};
use waybill_desk::sandbox::{Sandbox, SandboxConfig, DEMO_APPID, DEMO_SECRET};
use waybill_desk::wechat::logistics::{AddOrderRequest, LabelRequest, WaybillParty};
use waybill_desk::wechat::order::Order;
use waybill_desk::wechat::shop::ShopKind;
use waybill_desk::wechat::{
    ClientConfig, DeliveryId, OrderId, PrintType, Secret, TokenSource, WechatClient,
};

fn report(name: &str, measured: f64, unit: &str, bound: f64, higher_is_better: bool) {
    let ratio = if higher_is_better {
        measured / bound
    } else {
        bound / measured
    };
    let verdict = if ratio >= 1.0 { "meets" } else { "BELOW" };
    println!("{name:<28} {measured:>12.2} {unit:<10} bound {bound:>8.1} {unit:<10} ratio {ratio:>7.2}  {verdict}");
}

/// Median of `runs` timings of `f`.
fn median(runs: usize, mut f: impl FnMut()) -> Duration {
    let mut times: Vec<Duration> = (0..runs)
        .map(|_| {
            let t = Instant::now();
            f();
            t.elapsed()
        })
        .collect();
    times.sort();
    times[runs / 2]
}

fn orders(
    runtime: &tokio::runtime::Runtime,
    sandbox: &Sandbox,
    client: &WechatClient,
    n: usize,
) -> Vec<Order> {
    // Real orders from the sandbox, cloned with fresh ids up to n.
    let base = runtime
        .block_on(client.shop(ShopKind::Channels).list_orders(
            waybill_desk::wechat::shop::OrderQuery {
                created_from: chrono::Utc::now().timestamp() - 7 * 86_400,
                created_to: chrono::Utc::now().timestamp() + 3_600,
                status: None,
            },
        ))
        .unwrap();
    let _ = sandbox;
    (0..n)
        .map(|i| {
            let mut o = base[i % base.len()].clone();
            o.id = OrderId(3_700_000_000_000_000_000 + i as u64);
            o
        })
        .collect()
}

fn main() {
    let runtime = tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()
        .unwrap();
    let sandbox = runtime
        .block_on(Sandbox::start(
            ([127, 0, 0, 1], 0).into(),
            SandboxConfig {
                orders: 1_500,
                ..SandboxConfig::default()
            },
        ))
        .unwrap();
    let client = WechatClient::new(ClientConfig::new(
        sandbox.url().clone(),
        TokenSource::AppSecret {
            appid: DEMO_APPID.into(),
            secret: Secret::new(DEMO_SECRET),
        },
    ))
    .unwrap();
    println!(
        "{:<28} {:>12} {:<10} {:>14} {:<10} {:>13}",
        "benchmark", "measured", "unit", "lower bound", "", "ratio"
    );

    eprintln!("setting up 50,000 orders…");
    // Order book: a search keystroke over 50,000 orders.
    let many = orders(&runtime, &sandbox, &client, 50_000);
    let mut book = OrderBook::new(Filter {
        status: None,
        created_from: 0,
        created_to: i64::MAX,
        text: String::new(),
    });
    book.merge(many.clone());
    let mut i = 0;
    let t = median(21, || {
        book.filter.text = ["13", "王", "8884", ""][i % 4].into();
        i += 1;
        book.rebuild_view();
    });
    report(
        "order book filter 50k",
        t.as_secs_f64() * 1e3,
        "ms",
        16.7,
        false,
    );

    eprintln!("one window frame…");
    // One frame of the real window with 50,000 orders.
    let config = waybill_desk::app::AppConfig {
        runtime: runtime.handle().clone(),
        client: client.clone(),
        shop: ShopKind::Channels,
        sandbox: None,
        settings: waybill_desk::settings::Settings::default(),
        data_dir: std::env::temp_dir().join("waybill-desk-bench"),
        appid: String::new(),
        toasts: None,
        station: None,
        startup_problem: None,
        print_worker: waybill_desk::print::WorkerConfig::new(env!("CARGO_BIN_EXE_waybill-desk")),
    };
    let mut harness = egui_kittest::Harness::builder()
        .with_size([1440.0, 900.0])
        .build_eframe(move |cc| waybill_desk::app::WaybillApp::new(&cc.egui_ctx, config));
    harness.state_mut().book.filter.created_from = 0;
    harness.state_mut().book.merge(many);
    harness.state_mut().book.select_all();
    harness.run_steps(3);
    let t = median(31, || harness.step());
    report(
        "window frame, 50k orders",
        t.as_secs_f64() * 1e3,
        "ms",
        16.7,
        false,
    );
    drop(harness);

    // Label decode.
    let html = std::fs::read_to_string(concat!(env!("CARGO_MANIFEST_DIR"), "/README.md"))
        .unwrap()
        .repeat(4);
    let encoded = waybill_desk::wechat::label::encode_print_html(&format!("<html>{html}</html>"));
    let t = median(31, || {
        waybill_desk::wechat::label::decode_print_html(&encoded).unwrap();
    });
    report(
        "label decode",
        encoded.len() as f64 / t.as_secs_f64() / 1e6,
        "MB/s",
        50.0,
        true,
    );

    eprintln!("creating 1,000 waybills…");
    // 1,000 labels through batchget.
    let ids: Vec<u64> = sandbox
        .order_ids_with_status(20)
        .into_iter()
        .take(1_000)
        .collect();
    let sender = WaybillParty {
        name: "仓库".into(),
        mobile: "13800138000".into(),
        province: "广东省".into(),
        city: "深圳市".into(),
        area: "南山区".into(),
        address: "科技园".into(),
        ..WaybillParty::default()
    };
    let requests: Vec<LabelRequest> = runtime.block_on(async {
        let mut out = Vec::new();
        for id in &ids {
            let order = client
                .shop(ShopKind::Channels)
                .get_order(OrderId(*id))
                .await
                .unwrap();
            let r = AddOrderRequest::for_shop_order(
                &order,
                sender.clone(),
                DeliveryId("SF".into()),
                "SF_CASH".into(),
            );
            let a = client.logistics().add_order(&r).await.unwrap();
            out.push(LabelRequest {
                order_id: id.to_string(),
                delivery_id: DeliveryId("SF".into()),
                waybill_id: Some(a.waybill_id),
            });
        }
        out
    });
    let t = median(5, || {
        let labels = runtime.block_on(client.logistics().labels(&requests, PrintType::TwoPart));
        assert!(labels.iter().all(Result::is_ok));
    });
    report(
        &format!("label batch ({})", requests.len()),
        requests.len() as f64 / t.as_secs_f64(),
        "labels/s",
        200.0,
        true,
    );
}
