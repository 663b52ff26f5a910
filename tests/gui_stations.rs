//! The window with other stations around it (issue 13): their events and the shared journal's
//! health fed into the real app through a feed channel, the app driven and read through its
//! accessibility tree (egui_kittest), against the sandbox.

#![allow(clippy::unwrap_used)] // test helpers may panic: a panic is a failed test

use std::sync::Arc;
use std::time::{Duration, Instant};

use egui_kittest::kittest::{NodeT, Queryable};
use egui_kittest::Harness;
use waybill_desk::app::command::Command;
use waybill_desk::app::live::{EventKind, FeedHealth, FeedSender, JournalEvent, JournalFeed};
use waybill_desk::app::orders::{LabelState, ShipState};
use waybill_desk::app::scan_queue::ScanOutcome;
use waybill_desk::app::{AppConfig, WaybillApp};
use waybill_desk::sandbox::{Sandbox, SandboxConfig, DEMO_APPID, DEMO_SECRET};
use waybill_desk::settings::Settings;
use waybill_desk::wechat::{ClientConfig, OrderId, Secret, TokenSource, WechatClient};

struct World {
    _runtime: tokio::runtime::Runtime,
    _sandbox: Arc<Sandbox>,
    _data: tempfile::TempDir,
    feed: FeedSender,
}

/// The app on the sandbox at station "A" (operator 张三), following a feed this test writes.
fn start(latency_ms: u64) -> (World, Harness<'static, WaybillApp>) {
    let runtime = tokio::runtime::Builder::new_multi_thread()
        .worker_threads(2)
        .enable_all()
        .build()
        .unwrap();
    let sandbox = Arc::new(
        runtime
            .block_on(Sandbox::start(
                ([127, 0, 0, 1], 0).into(),
                SandboxConfig {
                    orders: 60,
                    latency_ms,
                    ..SandboxConfig::default()
                },
            ))
            .unwrap(),
    );
    let client = WechatClient::new(ClientConfig::new(
        sandbox.url().clone(),
        TokenSource::AppSecret {
            appid: DEMO_APPID.into(),
            secret: Secret::new(DEMO_SECRET),
        },
    ))
    .unwrap();
    let data = tempfile::tempdir().unwrap();
    let settings = Settings {
        station: "A".into(),
        operator: "张三".into(),
        setup_done: true,
        ..Settings::default()
    };
    let config = AppConfig {
        runtime: runtime.handle().clone(),
        client: client.clone(),
        shop: Default::default(),
        sandbox: Some(sandbox.clone()),
        settings,
        data_dir: data.path().to_path_buf(),
        appid: String::new(),
        toasts: None,
        station: Some(waybill_desk::station::Station::new(
            client.clone(),
            Default::default(),
            waybill_desk::store::Journal::open(data.path()).unwrap(),
            waybill_desk::store::Actor {
                station: "A".into(),
                operator: "张三".into(),
            },
        )),
        startup_problem: None,
        print_worker: waybill_desk::print::WorkerConfig::new(env!("CARGO_BIN_EXE_waybill-desk")),
    };
    let mut harness = Harness::builder()
        .with_size([1440.0, 900.0])
        .build_eframe(move |cc| WaybillApp::new(&cc.egui_ctx, config));
    let (feed, window_end) = JournalFeed::channel(FeedHealth::Connected);
    harness.state_mut().attach_feed(window_end);
    wait_for(&mut harness, "orders to load", |a| {
        !a.is_refreshing() && a.book.view_len() > 0
    });
    (
        World {
            _runtime: runtime,
            _sandbox: sandbox,
            _data: data,
            feed,
        },
        harness,
    )
}

fn wait_for(h: &mut Harness<'static, WaybillApp>, what: &str, done: impl Fn(&WaybillApp) -> bool) {
    let deadline = Instant::now() + Duration::from_secs(20);
    while Instant::now() < deadline {
        h.step();
        if done(h.state()) {
            return;
        }
        std::thread::sleep(Duration::from_millis(10));
    }
    panic!("timed out waiting for: {what}");
}

fn now_ms() -> i64 {
    chrono::Utc::now().timestamp_millis()
}

fn event(kind: EventKind, order_id: OrderId, station: &str, until_ms: Option<i64>) -> JournalEvent {
    JournalEvent {
        id: now_ms(),
        kind,
        order_id,
        station: station.into(),
        operator: "李四".into(),
        at_ms: now_ms(),
        until_ms,
    }
}

/// A clean order the station could label, print and ship.
fn clean_order(app: &WaybillApp, skip: usize) -> OrderId {
    (0..app.book.view_len())
        .filter_map(|p| app.book.view_row(p))
        .filter(|r| {
            !r.order.has_open_aftersale()
                && r.order.shippable_pieces() > 0
                && r.no_courier().is_none()
        })
        .nth(skip)
        .map(|r| r.order.id)
        .unwrap()
}

fn select(h: &mut Harness<'static, WaybillApp>, id: OrderId) {
    h.get_by_label(&id.to_string()).click();
    h.run_steps(2);
    assert_eq!(h.state().book.focused, Some(id));
}

fn disabled(h: &Harness<'static, WaybillApp>, label: &str) -> bool {
    h.get_by_label(label).accesskit_node().is_disabled()
}

fn log_has(app: &WaybillApp, text: &str) -> bool {
    app.activity
        .entries()
        .iter()
        .any(|e| e.text(waybill_desk::wechat::Lang::ZhCn).contains(text))
}

#[test]
fn other_stations_work_shows_in_the_log_the_row_and_the_detail() {
    let (world, mut h) = start(0);
    let id = clean_order(h.state(), 0);
    select(&mut h, id);
    let sent = Instant::now();
    world.feed.send(event(EventKind::Printed, id, "B", None));
    wait_for(&mut h, "the print elsewhere in the log", |a| {
        log_has(a, &format!("站 B(李四)已打印:订单 {id}"))
    });
    // Well within a second of the event reaching the window (one frame).
    assert!(sent.elapsed() < Duration::from_secs(1));
    h.run_steps(2);
    let row = h.state().book.row(id).unwrap();
    assert_eq!(row.label_state, LabelState::Printed);
    // A print here now would be the label's second print (amber, counted).
    assert_eq!(row.prints, 1);
    // The activity log line, and the detail panel line with the time.
    assert!(h.query_all_by_label_contains("已打印:订单").count() >= 1);
    assert!(h
        .query_all_by_label_contains("站 B(李四)打印了面单")
        .next()
        .is_some());
    // The table says by whom (the note beside the row).
    assert!(h
        .query_all_by_label_contains("已打印:B(李四)")
        .next()
        .is_some());

    world.feed.send(event(EventKind::Shipped, id, "B", None));
    wait_for(&mut h, "the shipment elsewhere", |a| {
        a.book
            .row(id)
            .is_some_and(|r| r.ship_state == ShipState::Shipped)
    });
    h.run_steps(2);
    assert!(log_has(h.state(), &format!("站 B(李四)已发货:订单 {id}")));
    assert!(h
        .query_all_by_label_contains("站 B(李四)发了货")
        .next()
        .is_some());

    // Our own station's events are not news (the window did them itself).
    let other = clean_order(h.state(), 1);
    let mut own = event(EventKind::Printed, other, "A", None);
    own.operator = "张三".into();
    world.feed.send(own);
    h.run_steps(3);
    assert!(!log_has(h.state(), &format!("已打印:订单 {other}")));
    assert_eq!(
        h.state().book.row(other).unwrap().label_state,
        LabelState::None
    );
}

#[test]
fn an_order_held_elsewhere_shows_who_and_until_when_and_its_actions_are_off() {
    let (world, mut h) = start(0);
    let id = clean_order(h.state(), 0);
    select(&mut h, id);
    assert!(!disabled(&h, "获取面单"));
    let until = now_ms() + 60_000;
    world
        .feed
        .send(event(EventKind::Claimed, id, "B", Some(until)));
    wait_for(&mut h, "the hold", |a| {
        a.live().held_elsewhere(id, now_ms()).is_some()
    });
    h.run_steps(2);
    let until_text = waybill_desk::app::live::clock(until);
    // The row and the detail panel say who holds it and until when.
    assert!(h
        .query_all_by_label_contains(&format!("站 B(李四)处理中,至 {until_text}"))
        .next()
        .is_some());
    assert!(h
        .query_all_by_label_contains(&format!("正由站 B(李四)处理,到 {until_text} 为止"))
        .next()
        .is_some());
    // Get labels, print and ship are off for it, with the reason on hover.
    for button in ["获取面单", "打印", "发货"] {
        assert!(disabled(&h, button), "{button} should be disabled");
    }
    // The shortcut does nothing either: nothing starts, the log says why.
    h.state_mut().handle(Command::GetLabels);
    h.run_steps(2);
    assert!(!h.state().labels_running());
    assert_eq!(
        h.state().book.row(id).unwrap().label_state,
        LabelState::None
    );
    assert!(log_has(h.state(), &format!("订单 {id} 正由站 B(李四)处理")));

    // Released: the order is ours to work on again.
    world.feed.send(event(EventKind::Released, id, "B", None));
    wait_for(&mut h, "the release", |a| {
        a.live().held_elsewhere(id, now_ms()).is_none()
    });
    h.run_steps(2);
    assert!(!disabled(&h, "获取面单"));
}

#[test]
fn a_hold_ends_by_itself_when_its_lease_runs_out() {
    let (world, mut h) = start(0);
    let id = clean_order(h.state(), 0);
    select(&mut h, id);
    // A station killed mid-work never releases: its lease ends.
    world
        .feed
        .send(event(EventKind::Claimed, id, "B", Some(now_ms() + 1_500)));
    wait_for(&mut h, "the hold", |a| {
        a.live().held_elsewhere(id, now_ms()).is_some()
    });
    h.run_steps(2);
    assert!(disabled(&h, "获取面单"));
    std::thread::sleep(Duration::from_millis(1_600));
    h.run_steps(2);
    assert!(!disabled(&h, "获取面单"));
}

#[test]
fn losing_the_journal_shows_the_red_banner_refuses_new_work_and_comes_back() {
    // A slow sandbox: the label run is still running when the journal goes.
    let (world, mut h) = start(400);
    let id = clean_order(h.state(), 0);
    let second = clean_order(h.state(), 1);
    h.state_mut().book.select_only([id, second]);
    h.state_mut().handle(Command::GetLabels);
    h.run_steps(1);
    assert!(h.state().labels_running());
    // A scan behind the run, waiting its turn when the journal goes.
    let third = clean_order(h.state(), 2);
    h.state_mut().handle(Command::Scan(third.to_string()));
    h.run_steps(1);
    assert_eq!(h.state().scans_queued(), 1);

    world.feed.set_health(FeedHealth::Lost {
        since_ms: now_ms(),
        reason: "connection refused".into(),
    });
    h.run_steps(3);
    // The banner, at the top, with the reason.
    let banner = h.get_by_label_contains("本站不再接受新任务");
    let text = format!("{banner:?}");
    assert!(text.contains("connection refused"), "{text}");
    // The running run stops before its next order: nothing is left half-way.
    wait_for(&mut h, "the label run to stop", |a| !a.labels_running());
    // The waiting scan ends too (refused), and starts nothing.
    wait_for(&mut h, "the waiting scan to end", |a| a.scans_queued() == 0);
    h.run_steps(3);
    assert!(!h.state().labels_running());
    assert!(h
        .state()
        .book
        .row(third)
        .is_some_and(|r| r.label_state == LabelState::None));
    assert!(log_has(h.state(), "共享日志断开"));
    // New work is refused: buttons off, shortcuts refused with the reason.
    h.state_mut().book.select_only([id]);
    h.run_steps(2);
    for button in ["获取面单", "打印", "发货"] {
        assert!(disabled(&h, button), "{button} should be disabled");
    }
    h.state_mut().handle(Command::Ship);
    h.run_steps(1);
    assert!(log_has(h.state(), "共享日志已断开,这个操作没有执行"));
    assert!(h
        .state()
        .book
        .row(id)
        .is_some_and(|r| r.ship_state != ShipState::Shipping));
    // A scan is refused at once (red), not queued for later.
    h.state_mut().handle(Command::Scan(id.to_string()));
    h.run_steps(2);
    assert_eq!(h.state().scans_queued(), 0);
    let last = h.state().last_scan.clone().unwrap();
    assert!(matches!(last.outcome, ScanOutcome::Failed { order_id, .. } if order_id == id));
    assert!(log_has(h.state(), "这次扫描没有处理"));

    // Back, catching up: still no new work, and the banner says so (not red).
    world
        .feed
        .set_health(FeedHealth::Reconnecting { since_ms: now_ms() });
    h.run_steps(2);
    assert!(h.query_by_label_contains("本站不再接受新任务").is_none());
    assert!(h.query_by_label_contains("正在补读").is_some());
    assert!(disabled(&h, "获取面单"));
    // Caught up: the banner goes, work resumes.
    world.feed.set_health(FeedHealth::Connected);
    h.run_steps(3);
    assert!(h.query_by_label_contains("本站不再接受新任务").is_none());
    assert!(h.query_by_label_contains("正在补读").is_none());
    assert!(log_has(h.state(), "共享日志已恢复"));
    assert!(!disabled(&h, "获取面单"));
    h.state_mut().handle(Command::GetLabels);
    h.run_steps(1);
    assert!(h.state().labels_running());
}

#[test]
fn the_stations_panel_opens_from_the_toolbar() {
    let (_world, mut h) = start(0);
    assert!(!h.state().stations_open());
    h.get_by_label("各站").click();
    h.run_steps(3);
    assert!(h.state().stations_open());
    assert!(h.query_by_label("各站情况").is_some());
}
