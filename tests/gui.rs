//! The real app driven through its accessibility tree (egui_kittest) against the sandbox.

#![allow(clippy::unwrap_used)] // test helpers may panic: a panic is a failed test

use std::sync::Arc;
use std::time::{Duration, Instant};

use egui_kittest::kittest::Queryable;
use egui_kittest::Harness;
use waybill_desk::app::orders::{LabelState, ShipState};
use waybill_desk::app::{AppConfig, WaybillApp};
use waybill_desk::sandbox::{Sandbox, SandboxConfig, DEMO_APPID, DEMO_SECRET};
use waybill_desk::settings::Settings;
use waybill_desk::wechat::{ClientConfig, Lang, OrderId, Secret, TokenSource, WechatClient};

struct World {
    runtime: tokio::runtime::Runtime,
    sandbox: Arc<Sandbox>,
    _data: tempfile::TempDir,
}

fn start(latency_ms: u64) -> (World, Harness<'static, WaybillApp>) {
    start_with(latency_ms, Settings::default())
}

fn start_with(latency_ms: u64, settings: Settings) -> (World, Harness<'static, WaybillApp>) {
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
                    orders: 120,
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
                station: "test-station".into(),
                operator: "tester".into(),
            },
        )),
        startup_problem: None,
        print_worker: waybill_desk::print::WorkerConfig::new(env!("CARGO_BIN_EXE_waybill-desk")),
    };
    let harness = Harness::builder()
        .with_size([1440.0, 900.0])
        .build_eframe(move |cc| WaybillApp::new(&cc.egui_ctx, config));
    (
        World {
            runtime,
            sandbox,
            _data: data,
        },
        harness,
    )
}

/// Steps frames until `done` holds; the background work runs on the runtime meanwhile.
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

/// Steps frames until a node with this label exists (dialogs fade in over a few frames).
fn wait_for_node(h: &mut Harness<'static, WaybillApp>, label: &str) {
    for _ in 0..200 {
        if h.query_by_label(label).is_some() {
            return;
        }
        h.step();
    }
    panic!("no node labelled {label}");
}

fn clean_shown_ids(app: &WaybillApp, n: usize) -> Vec<OrderId> {
    (0..app.book.view_len())
        .filter_map(|p| app.book.view_row(p))
        .filter(|r| !r.order.has_open_aftersale() && r.order.shippable_pieces() > 0)
        .take(n)
        .map(|r| r.order.id)
        .collect()
}

#[test]
fn get_labels_for_three_orders_then_ship_one_twice() {
    let (world, mut h) = start(0);
    wait_for(&mut h, "orders to load", |a| {
        !a.is_refreshing() && a.book.view_len() > 0
    });
    assert!(h.state().is_demo());
    h.get_by_label_contains("演示模式");
    // Default filter: to be shipped.
    let app = h.state();
    assert!((0..app.book.view_len()).all(|p| app.book.view_row(p).unwrap().order.status == 20));

    let ids = clean_shown_ids(h.state(), 3);
    h.get_by_label(&ids[0].to_string()).click();
    h.run_steps(1);
    for id in &ids[1..] {
        h.get_by_label(&id.to_string())
            .click_modifiers(egui::Modifiers::COMMAND);
        h.run_steps(1);
    }
    assert_eq!(h.state().book.selected_count(), 3);

    h.get_by_label("获取面单").click();
    h.run_steps(1);
    assert!(h.state().labels_running(), "a batch is running");
    wait_for(&mut h, "labels 3/3", |a| !a.labels_running());
    let log: Vec<String> = h
        .state()
        .activity
        .entries()
        .iter()
        .map(|e| e.text(Lang::ZhCn))
        .collect();
    assert!(log.iter().any(|l| l.contains("面单完成 3/3")), "{log:?}");
    for id in &ids {
        let row = h.state().book.row(*id).unwrap();
        assert_eq!(row.label_state, LabelState::Fetched);
        assert!(row.waybill.is_some());
        assert!(row.label.as_ref().unwrap().html.contains("<svg"));
    }

    // Ship one: it was never printed, so the app asks once.
    h.get_by_label(&ids[0].to_string()).click();
    h.run_steps(1);
    h.get_by_label("发货").click();
    h.run_steps(1);
    assert!(h.state().awaiting_ship_confirmation());
    wait_for_node(&mut h, "仍然发货");
    h.get_by_label("仍然发货").click();
    wait_for(&mut h, "shipped", |a| {
        a.book.row(ids[0]).unwrap().ship_state == ShipState::Shipped
    });
    assert_eq!(world.sandbox.order_status(ids[0].0), Some(30));
    h.run_steps(2);
    assert!(
        h.query_all_by_label("已发货").count() >= 1,
        "the row shows it"
    );

    // Again: the app says so and sends nothing.
    h.get_by_label("发货").click();
    h.run_steps(2);
    let log: Vec<String> = h
        .state()
        .activity
        .entries()
        .iter()
        .map(|e| e.text(Lang::ZhCn))
        .collect();
    assert!(log.last().unwrap().contains("已经发过货"), "{log:?}");
    assert_eq!(
        world
            .sandbox
            .stats()
            .calls_to("/channels/ec/order/delivery/send"),
        1
    );
    drop(h);
    drop(world.runtime);
}

#[test]
fn scanner_mode_finds_the_order_and_fetches_its_label() {
    let (world, mut h) = start(0);
    wait_for(&mut h, "orders to load", |a| {
        !a.is_refreshing() && a.book.view_len() > 0
    });
    let id = clean_shown_ids(h.state(), 1)[0];
    h.get_by_label("扫码模式").click();
    h.run_steps(2);
    let input = h.get_by_label("扫码");
    input.focus();
    input.type_text(&id.to_string());
    h.run_steps(1);
    h.key_press(egui::Key::Enter);
    wait_for(&mut h, "scan result", |a| a.last_scan.is_some());
    // No printer chosen yet: the label is fetched, and the red result says what is missing.
    let result = h.state().last_scan.clone().unwrap();
    assert!(!result.ok(), "{result:?}");
    assert!(
        result.text(Lang::ZhCn).contains(&id.to_string())
            && result.text(Lang::ZhCn).contains("打印机"),
        "{result:?}"
    );
    assert_eq!(
        h.state().book.row(id).unwrap().label_state,
        LabelState::Fetched
    );
    assert_eq!(h.state().book.focused, Some(id));

    // An unknown code is a clear red result.
    let input = h.get_by_label("扫码");
    input.focus();
    input.type_text("999");
    h.run_steps(1);
    h.key_press(egui::Key::Enter);
    h.run_steps(2);
    let result = h.state().last_scan.clone().unwrap();
    assert!(
        !result.ok() && result.text(Lang::ZhCn).contains("999"),
        "{result:?}"
    );
    drop(h);
    drop(world.runtime);
}

#[test]
fn the_ui_keeps_drawing_while_a_slow_request_is_in_flight() {
    let (world, mut h) = start(0);
    wait_for(&mut h, "orders to load", |a| {
        !a.is_refreshing() && a.book.view_len() > 0
    });
    // The list call answers after 2 s (the per-order calls stay fast).
    world.sandbox.update_faults(|f| {
        f.rules.push(waybill_desk::sandbox::FaultRule::new(
            "/channels/ec/order/list/get",
            waybill_desk::sandbox::Fault::Delay { ms: 2_000 },
            1,
        ))
    });
    h.get_by_label("刷新订单").click();
    h.run_steps(1);
    assert!(h.state().is_refreshing());
    let frames_before = h.state().frames();
    let mut frames_while_pending = 0u64;
    let mut longest_frame = Duration::ZERO;
    while h.state().is_refreshing() {
        let started = Instant::now();
        h.step();
        longest_frame = longest_frame.max(started.elapsed());
        frames_while_pending += 1;
        std::thread::sleep(Duration::from_millis(10));
        assert!(frames_while_pending < 5_000, "the refresh never finished");
    }
    // Had the UI thread waited on the network, one frame would have taken the whole 2 s and
    // the request would be over after it. Frames kept coming, each far shorter than the wait.
    assert!(
        frames_while_pending >= 5,
        "only {frames_while_pending} frames while waiting"
    );
    assert!(
        longest_frame < Duration::from_millis(1_000),
        "a frame took {longest_frame:?}"
    );
    assert_eq!(h.state().frames() - frames_before, frames_while_pending);
    drop(h);
    drop(world.runtime);
}

#[test]
fn english_is_one_click_away() {
    let (world, mut h) = start(0);
    wait_for(&mut h, "orders to load", |a| !a.is_refreshing());
    h.get_by_label("English").click();
    h.run_steps(2);
    h.get_by_label("Get labels");
    h.get_by_label("Scanner mode");
    h.get_by_label_contains("Demo mode");
    drop(h);
    drop(world.runtime);
}

/// The settings window stores a typed AppSecret in the real keychain, and nowhere on disk.
#[test]
fn settings_store_the_secret_in_the_keychain_not_in_a_file() {
    let expected = std::env::var("CI").is_ok_and(|v| !v.is_empty() && v != "false")
        || std::env::var("WAYBILL_DESK_TEST_KEYRING").is_ok_and(|v| v == "1");
    if let Err(e) = waybill_desk::credentials::probe_keychain() {
        assert!(!expected, "a keychain is required here but: {e}");
        eprintln!("SKIP: no keychain ({e}); run under scripts/test-env/with-services.sh");
        return;
    }
    const SECRET: &str = "gui-test-secret-5Kq9";
    let (world, mut h) = start(0);
    wait_for(&mut h, "orders to load", |a| !a.is_refreshing());
    h.get_by_label("设置").click();
    wait_for_node(&mut h, "AppSecret");
    h.get_by_label("AppID").focus();
    h.get_by_label("AppID").type_text("wxguitest0000001");
    h.get_by_label("AppSecret").focus();
    h.get_by_label("AppSecret").type_text(SECRET);
    // The window settles its size over a few frames (its body scrolls).
    h.run_steps(10);
    h.get_by_label("保存").click();
    wait_for(&mut h, "credentials saved", |a| {
        a.activity
            .entries()
            .iter()
            .any(|e| e.text(Lang::ZhCn).contains("AppSecret"))
    });
    let log: Vec<String> = h
        .state()
        .activity
        .entries()
        .iter()
        .map(|e| e.text(Lang::ZhCn))
        .collect();
    assert!(log.iter().any(|l| l.contains("已保存到")), "{log:?}");
    assert!(
        !log.iter().any(|l| l.contains(SECRET)),
        "the secret is never shown"
    );

    wait_for(&mut h, "settings saved", |a| {
        a.activity
            .entries()
            .iter()
            .any(|e| e.text(Lang::ZhCn).contains("设置已保存"))
    });
    let data_dir = world._data.path();
    assert!(
        data_dir.join("settings.json").exists(),
        "settings are written (off the UI thread)"
    );
    let store = waybill_desk::credentials::CredentialStore::new(data_dir);
    let stored = store.load().unwrap().expect("credentials stored");
    assert!(matches!(
        stored.token_source(),
        waybill_desk::wechat::TokenSource::AppSecret { appid, secret } if appid == "wxguitest0000001" && secret.expose() == SECRET
    ));
    // Nothing under the data directory holds the secret.
    for entry in walk(data_dir) {
        let bytes = std::fs::read(&entry).unwrap_or_default();
        assert!(
            !bytes.windows(SECRET.len()).any(|w| w == SECRET.as_bytes()),
            "{entry:?} holds the secret"
        );
    }
    assert!(store.delete().unwrap());
    drop(h);
    drop(world.runtime);
}

fn walk(dir: &std::path::Path) -> Vec<std::path::PathBuf> {
    let mut out = Vec::new();
    for entry in std::fs::read_dir(dir).into_iter().flatten().flatten() {
        let path = entry.path();
        if path.is_dir() {
            out.extend(walk(&path));
        } else {
            out.push(path);
        }
    }
    out
}

/// Print from the window to a real CUPS queue (cups-pdf): labels in table order, each PDF
/// holding its waybill id, rows marked printed, the journal recording each job.
#[test]
fn print_from_the_window_to_the_cups_pdf_queue() {
    let _cups = cups_lock();
    let ci = std::env::var("CI").is_ok_and(|v| !v.is_empty() && v != "false");
    let (Ok(queue), Ok(pdf_dir)) = (
        std::env::var("WAYBILL_DESK_TEST_PRINTER"),
        std::env::var("WAYBILL_DESK_TEST_PDF_DIR"),
    ) else {
        assert!(!ci, "CI needs the CUPS queue from scripts/test-env/cups.sh");
        eprintln!("SKIP: no test CUPS queue; run under scripts/test-env/with-services.sh");
        return;
    };
    let pdf_dir = std::path::PathBuf::from(pdf_dir);
    let before: Vec<_> = std::fs::read_dir(&pdf_dir)
        .unwrap()
        .flatten()
        .map(|e| e.path())
        .collect();
    let settings = Settings {
        printer: queue.clone(),
        ..Settings::default()
    };
    let (world, mut h) = start_with(0, settings);
    wait_for(&mut h, "orders to load", |a| {
        !a.is_refreshing() && a.book.view_len() > 0
    });
    let ids = clean_shown_ids(h.state(), 2);
    h.get_by_label(&ids[0].to_string()).click();
    h.run_steps(1);
    h.get_by_label(&ids[1].to_string())
        .click_modifiers(egui::Modifiers::COMMAND);
    h.run_steps(1);
    h.get_by_label("获取面单").click();
    h.run_steps(1);
    wait_for(&mut h, "labels", |a| !a.labels_running());
    h.get_by_label("打印").click();
    h.run_steps(1);
    assert!(h.state().is_printing());
    let deadline = Instant::now() + Duration::from_secs(90);
    while h.state().is_printing() {
        assert!(Instant::now() < deadline, "printing did not finish");
        h.step();
        std::thread::sleep(Duration::from_millis(20));
    }
    for id in &ids {
        let row = h.state().book.row(*id).unwrap();
        assert_eq!(row.label_state, LabelState::Printed, "{:?}", row.last_error);
    }
    // cups-pdf writes the files after the job is accepted: wait for both.
    let waybills: Vec<String> = ids
        .iter()
        .map(|id| {
            h.state()
                .book
                .row(*id)
                .unwrap()
                .waybill
                .clone()
                .unwrap()
                .waybill_id
                .0
        })
        .collect();
    let deadline = Instant::now() + Duration::from_secs(60);
    let new_pdfs = loop {
        let now: Vec<_> = std::fs::read_dir(&pdf_dir)
            .unwrap()
            .flatten()
            .map(|e| e.path())
            .filter(|p| !before.contains(p) && p.extension().is_some_and(|e| e == "pdf"))
            .collect();
        if now.len() >= 2 || Instant::now() > deadline {
            break now;
        }
        std::thread::sleep(Duration::from_millis(200));
    };
    assert_eq!(new_pdfs.len(), 2, "{new_pdfs:?}");
    // cups-pdf turns text into Type 3 glyphs, so read what a scanner reads: the barcodes.
    let mut scanned = Vec::new();
    for (i, pdf) in new_pdfs.iter().enumerate() {
        let info = std::process::Command::new("pdfinfo")
            .arg(pdf)
            .output()
            .unwrap();
        let info = String::from_utf8_lossy(&info.stdout).into_owned();
        assert!(
            info.contains("283.46 x 510.24 pts"),
            "two-part labels are 100x180 mm: {info}"
        );
        // zbar misses a code now and then at one resolution; a hand scanner would retry too.
        let mut read = String::new();
        for dpi in ["300", "400", "250", "500"] {
            let png =
                std::env::temp_dir().join(format!("gui-print-{}-{i}-{dpi}", std::process::id()));
            let status = std::process::Command::new("pdftoppm")
                .args(["-png", "-r", dpi, "-singlefile"])
                .arg(pdf)
                .arg(&png)
                .stderr(std::process::Stdio::null())
                .status()
                .unwrap();
            assert!(status.success());
            let codes = std::process::Command::new("zbarimg")
                .args(["--raw", "-q"])
                .arg(png.with_extension("png"))
                .output()
                .unwrap();
            read = String::from_utf8_lossy(&codes.stdout).into_owned();
            if !read.trim().is_empty() {
                break;
            }
        }
        scanned.push(read);
    }
    for waybill in &waybills {
        assert!(
            scanned.iter().any(|s| s.contains(waybill.as_str())),
            "a printed barcode reads {waybill}: {scanned:?}"
        );
    }
    let history = journal_block(
        waybill_desk::store::Journal::open(world._data.path())
            .unwrap()
            .order_history(ids[0]),
    )
    .unwrap();
    assert!(history.iter().any(
        |e| matches!(e, waybill_desk::store::HistoryEntry::Print(p) if p.ok && p.printer == queue)
    ));

    // The CLI's `print` of the same label to the same queue, into the same journal, writes the
    // same record (both go through Station::print_labels).
    let waybill = h.state().book.row(ids[0]).unwrap().waybill.clone().unwrap();
    let out = std::process::Command::new(env!("CARGO_BIN_EXE_waybill-desk"))
        .args([
            "--api-base",
            world.sandbox.url().as_str(),
            "--appid",
            DEMO_APPID,
        ])
        .arg("--data-dir")
        .arg(world._data.path())
        .env("WAYBILL_DESK_APPSECRET", DEMO_SECRET)
        .env("WAYBILL_DESK_STATION", "test-station")
        .env("WAYBILL_DESK_OPERATOR", "tester")
        .args(["print", "--printer", &queue])
        .arg(format!(
            "{}:{}:{}",
            ids[0], waybill.delivery_id.0, waybill.waybill_id.0
        ))
        .output()
        .unwrap();
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let prints: Vec<_> = journal_block(
        waybill_desk::store::Journal::open(world._data.path())
            .unwrap()
            .order_history(ids[0]),
    )
    .unwrap()
    .into_iter()
    .filter_map(|e| match e {
        waybill_desk::store::HistoryEntry::Print(p) => Some(p),
        _ => None,
    })
    .collect();
    assert_eq!(prints.len(), 2, "{prints:?}");
    let same = |p: &waybill_desk::store::PrintRecord| {
        (
            p.order_id,
            p.waybill_id.clone(),
            p.label_id,
            p.printer.clone(),
            p.copies,
            p.ok,
            p.error.clone(),
            p.station.clone(),
            p.operator.clone(),
        )
    };
    assert_eq!(same(&prints[0]), same(&prints[1]));
    drop(h);
    drop(world.runtime);
}

/// Scanner mode with "ship right after printing": one scan fetches, prints and ships.
#[test]
fn a_scan_fetches_prints_and_ships() {
    let _cups = cups_lock();
    let ci = std::env::var("CI").is_ok_and(|v| !v.is_empty() && v != "false");
    let Ok(queue) = std::env::var("WAYBILL_DESK_TEST_PRINTER") else {
        assert!(!ci, "CI needs the CUPS queue from scripts/test-env/cups.sh");
        eprintln!("SKIP: no test CUPS queue; run under scripts/test-env/with-services.sh");
        return;
    };
    let settings = Settings {
        printer: queue,
        print_then_ship: true,
        ..Settings::default()
    };
    let (world, mut h) = start_with(0, settings);
    wait_for(&mut h, "orders to load", |a| {
        !a.is_refreshing() && a.book.view_len() > 0
    });
    let id = clean_shown_ids(h.state(), 1)[0];
    h.get_by_label("扫码模式").click();
    h.run_steps(2);
    let input = h.get_by_label("扫码");
    input.focus();
    input.type_text(&id.to_string());
    h.run_steps(1);
    h.key_press(egui::Key::Enter);
    let deadline = Instant::now() + Duration::from_secs(90);
    while h.state().last_scan.is_none() {
        assert!(Instant::now() < deadline, "the scan never finished");
        h.step();
        std::thread::sleep(Duration::from_millis(20));
    }
    let result = h.state().last_scan.clone().unwrap();
    assert!(
        result.ok() && result.text(Lang::ZhCn).contains("发货"),
        "{result:?}"
    );
    let row = h.state().book.row(id).unwrap();
    assert_eq!(row.label_state, LabelState::Printed);
    assert_eq!(row.ship_state, ShipState::Shipped);
    assert_eq!(world.sandbox.order_status(id.0), Some(30));
    drop(h);
    drop(world.runtime);
}

/// Typing in the search box filters what is loaded; it does not ask WeChat again.
#[test]
fn search_filters_locally_without_refreshing() {
    let (world, mut h) = start(0);
    wait_for(&mut h, "orders to load", |a| {
        !a.is_refreshing() && a.book.view_len() > 0
    });
    let lists_before = world
        .sandbox
        .stats()
        .calls_to("/channels/ec/order/list/get");
    let row = h.state().book.view_row(0).unwrap().clone();
    let tail: String = row
        .order
        .address
        .tel_number
        .chars()
        .rev()
        .take(4)
        .collect::<Vec<_>>()
        .into_iter()
        .rev()
        .collect();
    let search = h.get_by_label("搜索");
    search.focus();
    search.type_text(&tail);
    h.run_steps(3);
    let app = h.state();
    assert!(app.book.view_len() >= 1);
    assert!((0..app.book.view_len()).all(|p| app
        .book
        .view_row(p)
        .unwrap()
        .order
        .address
        .tel_number
        .contains(&tail)
        || app
            .book
            .view_row(p)
            .unwrap()
            .order
            .id
            .to_string()
            .contains(&tail)
        || app.book.view_row(p).unwrap().waybill.is_some()));
    assert!(!app.is_refreshing());
    assert_eq!(
        world
            .sandbox
            .stats()
            .calls_to("/channels/ec/order/list/get"),
        lists_before
    );
    drop(h);
    drop(world.runtime);
}

fn log_lines(app: &WaybillApp) -> Vec<String> {
    app.activity
        .entries()
        .iter()
        .map(|e| e.text(Lang::ZhCn))
        .collect()
}

/// Focuses one order by clicking its row (scrolling it into view first).
fn focus(h: &mut Harness<'static, WaybillApp>, id: OrderId) {
    h.state_mut().book.filter.text = id.to_string();
    h.state_mut()
        .handle(waybill_desk::app::command::Command::SearchChanged);
    h.run_steps(2);
    h.get_by_label(&id.to_string()).click();
    h.run_steps(2);
    assert_eq!(h.state().book.focused, Some(id));
}

#[test]
fn orders_that_take_no_courier_are_greyed_with_the_reason_and_left_out_of_a_label_batch() {
    use waybill_desk::wechat::order::NoCourier;
    let (world, mut h) = start(0);
    wait_for(&mut h, "orders to load", |a| {
        !a.is_refreshing() && a.book.view_len() > 0
    });
    let app = h.state();
    let rows: Vec<_> = (0..app.book.view_len())
        .filter_map(|p| app.book.view_row(p))
        .collect();
    let pickup = rows
        .iter()
        .find(|r| r.no_courier() == Some(NoCourier::SelfPickup))
        .map(|r| r.order.id)
        .expect("the sample data has a self-pickup order to be shipped");
    let plain = clean_shown_ids(app, 40)
        .into_iter()
        .find(|id| app.book.row(*id).unwrap().no_courier().is_none())
        .unwrap();
    // The row says why, in place of a label state.
    focus(&mut h, pickup);
    h.get_by_label("自提·无需面单");
    h.get_by_label_contains("自提订单:买家到店自取");

    // Select both and get labels: only the plain order gets a waybill; the log says why.
    h.state_mut().book.filter.text.clear();
    h.state_mut()
        .handle(waybill_desk::app::command::Command::SearchChanged);
    h.state_mut().book.select_only([pickup, plain]);
    h.run_steps(1);
    h.get_by_label("获取面单").click();
    wait_for(&mut h, "the batch to end", |a| !a.labels_running());
    wait_for(&mut h, "the plain label", |a| {
        a.book.row(plain).unwrap().label_state == LabelState::Fetched
    });
    let log = log_lines(h.state());
    assert!(
        log.iter()
            .any(|l| l.contains("跳过 1") && l.contains("自提·无需面单 1")),
        "{log:?}"
    );
    let stats = world.sandbox.stats();
    assert_eq!(
        stats
            .add_calls
            .get(&pickup.0.to_string())
            .copied()
            .unwrap_or(0),
        0,
        "no waybill for a pickup order"
    );
    assert_eq!(
        stats
            .add_calls
            .get(&plain.0.to_string())
            .copied()
            .unwrap_or(0),
        1
    );
    let row = h.state().book.row(pickup).unwrap();
    assert!(row.waybill.is_none() && row.label.is_none());

    // Shipping it is refused in the window with the reason, and nothing is sent.
    focus(&mut h, pickup);
    h.get_by_label("发货").click();
    h.run_steps(2);
    if h.state().awaiting_ship_confirmation() {
        wait_for_node(&mut h, "仍然发货");
        h.get_by_label("仍然发货").click();
        h.run_steps(2);
    }
    let row = h.state().book.row(pickup).unwrap();
    assert!(
        row.error_text().unwrap_or_default().contains("自提订单"),
        "{:?}",
        row.last_error
    );
    assert_eq!(
        world
            .sandbox
            .stats()
            .calls_to("/channels/ec/order/delivery/send"),
        0
    );
    drop(h);
    drop(world.runtime);
}

#[test]
fn a_partly_shipped_order_shows_its_parcels_and_ships_a_split_parcel() {
    use waybill_desk::app::command::Command;
    let (world, mut h) = start(0);
    wait_for(&mut h, "orders to load", |a| {
        !a.is_refreshing() && a.book.view_len() > 0
    });
    // A split parcel: one piece of an order with several goes out, the rest stays.
    let app = h.state();
    let id = clean_shown_ids(app, 60)
        .into_iter()
        .find(|id| {
            let r = app.book.row(*id).unwrap();
            r.no_courier().is_none() && r.order.shippable_pieces() >= 2
        })
        .expect("an order of two or more pieces");
    let left_before = h.state().book.row(id).unwrap().order.shippable_pieces();
    focus(&mut h, id);
    h.get_by_label("获取面单").click();
    wait_for(&mut h, "the label", |a| {
        !a.labels_running() && a.book.row(id).unwrap().label_state == LabelState::Fetched
    });
    h.get_by_label("分开发货…").click();
    h.run_steps(2);
    let Some(waybill_desk::app::ship_dialog::ShipDialog::Split { lines, .. }) =
        h.state().ship_dialog().cloned()
    else {
        panic!("the split dialog is open");
    };
    assert_eq!(lines.iter().map(|l| l.left).sum::<u32>(), left_before);
    for _ in 0..100 {
        if h.query_by_label_contains("分开发货:订单").is_some() {
            break;
        }
        h.step();
    }
    h.get_by_label_contains("分开发货:订单");
    let first = lines[0].clone();
    h.state_mut().handle(Command::ShipParcel {
        order_id: id,
        items: Some(vec![waybill_desk::wechat::order::ParcelItem {
            product_id: first.product_id,
            sku_id: first.sku_id,
            count: 1,
        }]),
        sn: None,
    });
    wait_for(&mut h, "the parcel and the re-read order", |a| {
        let r = a.book.row(id).unwrap();
        r.ship_state == ShipState::Partly && r.order.shipped_packages.len() == 1
    });
    // WeChat has the order as partly shipped, with one piece fewer to go.
    assert_eq!(world.sandbox.order_status(id.0), Some(21));
    let row = h.state().book.row(id).unwrap();
    assert_eq!(row.order.shippable_pieces(), left_before - 1);
    assert!(
        row.waybill.is_none(),
        "the next parcel needs its own waybill"
    );
    let log = log_lines(h.state());
    assert!(
        log.iter().any(|l| l.contains("已发出一个包裹 1")),
        "{log:?}"
    );
    let parcel_waybill = row.order.shipped_packages[0].waybill_id.clone();
    // The detail panel lists the parcel that went out.
    h.run_steps(2);
    h.get_by_label_contains("已发出的包裹");
    assert!(
        h.query_all_by_label_contains(&parcel_waybill).any(|n| n
            .value()
            .unwrap_or_default()
            .contains("×1")
            || format!("{n:?}").contains("×1")),
        "the parcel line names its waybill and its item"
    );
    drop(h);
    drop(world.runtime);
}

#[test]
fn a_cancelled_waybill_is_void_in_the_window_and_a_new_one_is_offered() {
    use waybill_desk::app::command::Command;
    let (world, mut h) = start(0);
    wait_for(&mut h, "orders to load", |a| {
        !a.is_refreshing() && a.book.view_len() > 0
    });
    let id = clean_shown_ids(h.state(), 1)[0];
    focus(&mut h, id);
    h.get_by_label("获取面单").click();
    wait_for(&mut h, "the label", |a| {
        !a.labels_running() && a.book.row(id).unwrap().label_state == LabelState::Fetched
    });
    let old = h.state().book.row(id).unwrap().waybill.clone().unwrap();
    h.get_by_label("取消运单…").click();
    h.run_steps(1);
    wait_for_node(&mut h, "取消运单");
    h.get_by_label("取消运单").click();
    wait_for(&mut h, "the cancel", |a| {
        a.book.row(id).unwrap().label_state == LabelState::Cancelled
    });
    let row = h.state().book.row(id).unwrap();
    assert!(row.waybill.is_none() && row.label.is_none());
    h.run_steps(2);
    h.get_by_label_contains("运单已取消:这张面单作废");
    assert_eq!(
        world
            .sandbox
            .stats()
            .calls_to("/cgi-bin/express/business/order/cancel"),
        1
    );

    // Ship now: refused with what to do, nothing sent.
    h.state_mut().handle(Command::Ship);
    h.run_steps(1);
    if h.state().awaiting_ship_confirmation() {
        h.state_mut().handle(Command::ConfirmShip(true));
    }
    h.run_steps(1);
    assert!(h
        .state()
        .book
        .row(id)
        .unwrap()
        .error_text()
        .unwrap_or_default()
        .contains("运单已取消"));

    h.get_by_label("取新运单").click();
    wait_for(&mut h, "the new label", |a| {
        !a.labels_running() && a.book.row(id).unwrap().label_state == LabelState::Fetched
    });
    let new = h.state().book.row(id).unwrap().waybill.clone().unwrap();
    assert_ne!(
        new.waybill_id, old.waybill_id,
        "a cancelled waybill is never reused"
    );
    assert_eq!(
        world
            .sandbox
            .stats()
            .calls_to("/channels/ec/order/delivery/send"),
        0
    );
    drop(h);
    drop(world.runtime);
}

#[test]
fn a_national_subsidy_order_asks_for_the_sn_and_ships_with_it() {
    use waybill_desk::app::command::Command;
    let (world, mut h) = start(0);
    wait_for(&mut h, "orders to load", |a| {
        !a.is_refreshing() && a.book.view_len() > 0
    });
    let (subsidy, _) = world.sandbox.sample_case_order_ids();
    let id = subsidy
        .iter()
        .map(|id| OrderId(*id))
        .find(|id| {
            h.state()
                .book
                .row(*id)
                .is_some_and(|r| r.order.status == 20 && !r.order.has_open_aftersale())
        })
        .expect("a national-subsidy order to be shipped");
    focus(&mut h, id);
    h.get_by_label("获取面单").click();
    wait_for(&mut h, "the label", |a| {
        !a.labels_running() && a.book.row(id).unwrap().label_state == LabelState::Fetched
    });
    h.state_mut().handle(Command::Ship);
    h.run_steps(1);
    if h.state().awaiting_ship_confirmation() {
        h.state_mut().handle(Command::ConfirmShip(true));
    }
    wait_for(&mut h, "the SN question", |a| {
        matches!(
            a.ship_dialog(),
            Some(waybill_desk::app::ship_dialog::ShipDialog::Sn { .. })
        )
    });
    assert_eq!(h.state().book.row(id).unwrap().ship_state, ShipState::Error);
    // A scanner types the SN into the focused field and presses Enter.
    h.run_steps(3);
    wait_for_node(&mut h, "SN");
    let sn = h.get_by_label("SN");
    sn.focus();
    sn.type_text("SN20261130A1");
    h.run_steps(1);
    h.key_press(egui::Key::Enter);
    wait_for(&mut h, "shipped with the SN", |a| {
        a.book.row(id).unwrap().ship_state == ShipState::Shipped
    });
    assert!(h.state().ship_dialog().is_none());
    assert_eq!(world.sandbox.order_status(id.0), Some(30));
    assert_eq!(
        world
            .sandbox
            .stats()
            .calls_to("/channels/ec/order/delivery/send"),
        2,
        "once refused for the SN, once with it"
    );
    drop(h);
    drop(world.runtime);
}

#[test]
fn settings_show_which_shop_courier_id_each_waybill_courier_ships_under_and_take_a_correction() {
    use waybill_desk::app::command::Command;
    let (world, mut h) = start(0);
    wait_for(&mut h, "orders to load", |a| {
        !a.is_refreshing() && a.book.view_len() > 0
    });
    h.get_by_label("设置").click();
    wait_for(&mut h, "the courier lists", |a| a.courier_table().is_some());
    let table = h.state().courier_table().unwrap().clone();
    let shop_id = |t: &waybill_desk::app::backend::CourierTable, id: &str| {
        t.mappings
            .iter()
            .find(|m| m.logistics_id == id)
            .and_then(|m| m.shop_id.clone())
    };
    // The two lists differ for 韵达: the waybill is made with YUNDA, shipped as YD.
    assert_eq!(shop_id(&table, "YUNDA").as_deref(), Some("YD"));
    assert_eq!(shop_id(&table, "ZTO").as_deref(), Some("ZTO"));
    h.run_steps(10);
    wait_for_node(&mut h, "发货用的快递公司对照");
    h.get_by_label("发货用的快递公司对照").click();
    h.run_steps(5);
    assert!(h.query_all_by_label_contains("YUNDA").count() >= 1);

    // A correction by hand is used at once (no restart), and kept in the settings.
    let mut settings = waybill_desk::settings::Settings::default();
    settings.courier_map.insert("ZTO".into(), "OTHER".into());
    h.state_mut().handle(Command::SaveSettings {
        settings: Box::new(settings),
        appid: String::new(),
        secret: None,
    });
    h.state_mut().handle(Command::LoadCourierMap);
    wait_for(&mut h, "the reloaded map", |a| {
        a.courier_table()
            .is_some_and(|t| shop_id(t, "ZTO").as_deref() == Some("OTHER"))
    });
    drop(h);
    drop(world.runtime);
}

// ---- issue 10: a shift at a packer's pace ----

/// Tests that print hold this while they run: the cups-pdf directory is shared, and a test
/// counts the PDFs that appeared (nextest runs each test in its own process: a file lock).
fn cups_lock() -> Option<std::fs::File> {
    let dir = std::env::var("WAYBILL_DESK_TEST_PDF_DIR").ok()?;
    let file = std::fs::File::create(std::path::Path::new(&dir).with_extension("lock")).ok()?;
    file.lock().ok()?;
    Some(file)
}

/// The test CUPS queue, or `None` (skip) outside `with-services.sh`; CI must have it.
fn test_queue() -> Option<String> {
    let ci = std::env::var("CI").is_ok_and(|v| !v.is_empty() && v != "false");
    match std::env::var("WAYBILL_DESK_TEST_PRINTER") {
        Ok(q) => Some(q),
        Err(_) => {
            assert!(!ci, "CI needs the CUPS queue from scripts/test-env/cups.sh");
            eprintln!("SKIP: no test CUPS queue; run under scripts/test-env/with-services.sh");
            None
        }
    }
}

/// Types a code into the scanner field and presses Enter, as a keyboard-wedge scanner does.
fn scan(h: &mut Harness<'static, WaybillApp>, code: &str) {
    let input = h.get_by_label("扫码");
    input.focus();
    input.type_text(code);
    h.run_steps(1);
    h.key_press(egui::Key::Enter);
    h.run_steps(1);
}

fn wait_scans_done(h: &mut Harness<'static, WaybillApp>) {
    let deadline = Instant::now() + Duration::from_secs(120);
    while h.state().scans_queued() > 0 {
        assert!(Instant::now() < deadline, "the scans never finished");
        h.step();
        std::thread::sleep(Duration::from_millis(20));
    }
}

/// Problem 1: a second and third scan while the first is still printing are queued, and each
/// prints in scan order (before: the second got a waybill, never printed, banner stuck).
#[test]
fn back_to_back_scans_queue_and_each_prints_in_scan_order() {
    let _cups = cups_lock();
    let Some(queue) = test_queue() else { return };
    let settings = Settings {
        printer: queue.clone(),
        ..Settings::default()
    };
    let (world, mut h) = start_with(0, settings);
    wait_for(&mut h, "orders to load", |a| {
        !a.is_refreshing() && a.book.view_len() > 0
    });
    let ids = clean_shown_ids(h.state(), 3);
    h.get_by_label("扫码模式").click();
    h.run_steps(2);
    scan(&mut h, &ids[0].to_string());
    scan(&mut h, &ids[1].to_string());
    scan(&mut h, "garbage-not-an-order");
    scan(&mut h, &ids[2].to_string());
    assert!(
        h.state().scans_queued() >= 3,
        "{}",
        h.state().scans_queued()
    );
    h.get_by_label_contains("队列");
    wait_scans_done(&mut h);
    for id in &ids {
        let row = h.state().book.row(*id).unwrap();
        assert_eq!(
            row.label_state,
            LabelState::Printed,
            "{id}: {:?}",
            row.last_error
        );
        assert_eq!(row.prints, 1);
    }
    let log = log_lines(h.state());
    let scanned = log.iter().filter(|l| l.starts_with("扫码:")).count();
    assert_eq!(
        scanned, 4,
        "every scan is in the log, garbage included: {log:?}"
    );
    assert!(log
        .iter()
        .any(|l| l.contains("找不到订单") && l.contains("garbage")));
    // Printed in scan order: the journal's print records are in that order.
    let journal = waybill_desk::store::Journal::open(world._data.path()).unwrap();
    let at: Vec<i64> = ids
        .iter()
        .map(|id| {
            journal_block(journal.order_history(*id))
                .unwrap()
                .iter()
                .find(|e| matches!(e, waybill_desk::store::HistoryEntry::Print(p) if p.ok))
                .map(|e| e.at_ms())
                .unwrap()
        })
        .collect();
    assert!(at.windows(2).all(|w| w[0] <= w[1]), "{at:?}");
    drop(h);
    drop(world.runtime);
}

/// Problem 1: Ctrl+P while a print run is active queues the new run (before: ignored).
#[test]
fn ctrl_p_during_a_print_run_queues_the_next_run() {
    let _cups = cups_lock();
    let Some(queue) = test_queue() else { return };
    let settings = Settings {
        printer: queue,
        ..Settings::default()
    };
    let (world, mut h) = start_with(0, settings);
    wait_for(&mut h, "orders to load", |a| {
        !a.is_refreshing() && a.book.view_len() > 0
    });
    let ids = clean_shown_ids(h.state(), 2);
    h.get_by_label(&ids[0].to_string()).click();
    h.run_steps(1);
    h.get_by_label(&ids[1].to_string())
        .click_modifiers(egui::Modifiers::COMMAND);
    h.run_steps(1);
    h.get_by_label("获取面单").click();
    h.run_steps(1);
    wait_for(&mut h, "labels", |a| !a.labels_running());
    h.get_by_label(&ids[0].to_string()).click();
    h.run_steps(1);
    h.key_press_modifiers(egui::Modifiers::COMMAND, egui::Key::P);
    h.run_steps(1);
    assert!(h.state().is_printing());
    h.get_by_label(&ids[1].to_string()).click();
    h.run_steps(1);
    h.key_press_modifiers(egui::Modifiers::COMMAND, egui::Key::P);
    h.run_steps(1);
    assert!(
        log_lines(h.state())
            .iter()
            .any(|l| l.contains("打印已排队")),
        "{:?}",
        log_lines(h.state())
    );
    let deadline = Instant::now() + Duration::from_secs(90);
    while h.state().is_printing() {
        assert!(Instant::now() < deadline, "printing did not finish");
        h.step();
        std::thread::sleep(Duration::from_millis(20));
    }
    for id in &ids {
        let row = h.state().book.row(*id).unwrap();
        assert_eq!(
            row.label_state,
            LabelState::Printed,
            "{id}: {:?}",
            row.last_error
        );
    }
    drop(h);
    drop(world.runtime);
}

/// Problem 3: a second print is amber and says so; a shipped order scanned again is amber and
/// prints nothing until the packer presses "print anyway".
#[test]
fn a_reprint_is_amber_and_a_shipped_order_prints_only_when_confirmed() {
    let _cups = cups_lock();
    use waybill_desk::app::scan_queue::Tone;
    let Some(queue) = test_queue() else { return };
    let settings = Settings {
        printer: queue,
        ..Settings::default()
    };
    let (world, mut h) = start_with(0, settings);
    wait_for(&mut h, "orders to load", |a| {
        !a.is_refreshing() && a.book.view_len() > 0
    });
    let id = clean_shown_ids(h.state(), 1)[0];
    h.get_by_label("扫码模式").click();
    h.run_steps(2);
    scan(&mut h, &id.to_string());
    wait_scans_done(&mut h);
    assert_eq!(h.state().last_scan.as_ref().unwrap().tone(), Tone::Ok);
    scan(&mut h, &id.to_string());
    wait_scans_done(&mut h);
    let second = h.state().last_scan.clone().unwrap();
    assert_eq!(second.tone(), Tone::Warn, "{second:?}");
    assert!(
        second.text(Lang::ZhCn).contains("第 2 次打印"),
        "{}",
        second.text(Lang::ZhCn)
    );
    assert_eq!(h.state().book.row(id).unwrap().prints, 2);
    assert!(h.query_all_by_label_contains("第 2 次打印").count() >= 1);
    // The journal has both prints.
    let journal = waybill_desk::store::Journal::open(world._data.path()).unwrap();
    let prints = journal_block(journal.order_history(id))
        .unwrap()
        .iter()
        .filter(|e| matches!(e, waybill_desk::store::HistoryEntry::Print(p) if p.ok))
        .count();
    assert_eq!(prints, 2);

    // Ship it (printed, so no question), then scan it again.
    h.state_mut()
        .handle(waybill_desk::app::command::Command::Ship);
    wait_for(&mut h, "shipped", |a| {
        a.book.row(id).unwrap().ship_state == ShipState::Shipped
    });
    scan(&mut h, &id.to_string());
    wait_scans_done(&mut h);
    let shipped = h.state().last_scan.clone().unwrap();
    assert_eq!(shipped.tone(), Tone::Warn, "{shipped:?}");
    assert!(shipped.text(Lang::ZhCn).contains("已发过货"));
    assert_eq!(h.state().book.row(id).unwrap().prints, 2, "nothing printed");
    h.get_by_label("仍然打印").click();
    h.run_steps(1);
    wait_scans_done(&mut h);
    assert_eq!(h.state().book.row(id).unwrap().prints, 3);
    assert_eq!(h.state().last_scan.as_ref().unwrap().tone(), Tone::Warn);
    assert_eq!(world.sandbox.order_status(id.0), Some(30), "shipped once");
    drop(h);
    drop(world.runtime);
}

/// Problem 4: with the detail panel open, 面单状态 / 发货状态 / 最近错误 stay in view.
#[test]
fn status_columns_stay_visible_with_the_detail_panel_open() {
    let (world, mut h) = start(0);
    h.set_size(egui::vec2(1100.0, 800.0));
    wait_for(&mut h, "orders to load", |a| {
        !a.is_refreshing() && a.book.view_len() > 0
    });
    let id = clean_shown_ids(h.state(), 1)[0];
    focus(&mut h, id);
    let panel_left = h.get_by_label(&format!("订单 {id}")).rect().min.x;
    for column in ["面单状态", "发货状态", "最近错误"] {
        let rect = h.get_by_label(column).rect();
        assert!(
            rect.max.x <= panel_left,
            "{column} ends at {} but the detail panel starts at {panel_left}",
            rect.max.x
        );
    }
    drop(h);
    drop(world.runtime);
}

/// Problem 8: the scan result appearing does not move the table under the mouse.
#[test]
fn the_scan_result_does_not_move_the_table() {
    let (world, mut h) = start(0);
    wait_for(&mut h, "orders to load", |a| {
        !a.is_refreshing() && a.book.view_len() > 0
    });
    h.get_by_label("扫码模式").click();
    h.run_steps(3);
    let first = h.state().book.view_row(0).unwrap().order.id.to_string();
    let before = h.get_by_label(&first).rect();
    scan(&mut h, "no-such-order");
    wait_for(&mut h, "scan result", |a| a.last_scan.is_some());
    h.run_steps(3);
    let after = h.get_by_label(&first).rect();
    assert_eq!(before.min.y, after.min.y, "the table moved");
    drop(h);
    drop(world.runtime);
}

/// Problem 2: the preview hides while toasts reach over it, shows again when they are gone,
/// and is cleared (hidden) when the focused order has no label.
#[test]
fn the_preview_hides_under_toasts_and_when_the_order_has_no_label() {
    let (world, mut h) = start(0);
    h.set_size(egui::vec2(1440.0, 700.0));
    wait_for(&mut h, "orders to load", |a| {
        !a.is_refreshing() && a.book.view_len() > 0
    });
    let ids = clean_shown_ids(h.state(), 2);
    focus(&mut h, ids[0]);
    h.get_by_label("获取面单").click();
    h.run_steps(1);
    wait_for(&mut h, "label", |a| {
        !a.labels_running() && a.book.row(ids[0]).unwrap().label.is_some()
    });
    // Let the info toasts of the fetch expire from view: only warnings and errors toast.
    h.run_steps(3);
    assert!(!h.state().preview_hidden(), "the label shows");
    // Long error toasts stack up from the bottom-right corner over the preview.
    h.get_by_label("扫码模式").click();
    h.run_steps(2);
    for i in 0..5 {
        scan(&mut h, &format!("{i}-{}", "x".repeat(160)));
    }
    h.run_steps(4);
    assert!(
        h.state().preview_hidden(),
        "toasts over the preview hide it"
    );
    for _ in 0..5 {
        h.state_mut()
            .handle(waybill_desk::app::command::Command::DismissToast(0));
    }
    h.run_steps(4);
    assert!(
        !h.state().preview_hidden(),
        "shown again once they are gone"
    );
    // An order without a label: the preview hides; no old label stands in for it.
    h.get_by_label("扫码模式").click();
    h.run_steps(2);
    focus(&mut h, ids[1]);
    assert!(h.state().book.row(ids[1]).unwrap().label.is_none());
    assert!(h.state().preview_hidden());
    drop(h);
    drop(world.runtime);
}

/// Problem 6: shipping an order with no waybill says so at once, naming the order; nothing
/// asks "not printed yet, ship anyway?" first.
#[test]
fn shipping_an_order_without_a_waybill_says_so_first() {
    let (world, mut h) = start(0);
    wait_for(&mut h, "orders to load", |a| {
        !a.is_refreshing() && a.book.view_len() > 0
    });
    let id = clean_shown_ids(h.state(), 1)[0];
    focus(&mut h, id);
    h.key_press_modifiers(egui::Modifiers::COMMAND, egui::Key::Enter);
    h.run_steps(2);
    assert!(!h.state().awaiting_ship_confirmation(), "no question first");
    let row = h.state().book.row(id).unwrap();
    assert!(
        row.error_text().is_some_and(|e| e.contains("没有运单号")),
        "{:?}",
        row.last_error
    );
    assert!(log_lines(h.state())
        .iter()
        .any(|l| l.contains(&id.to_string()) && l.contains("没有运单号")));
    // Switched to English, the row's error and the log line follow.
    h.get_by_label("English").click();
    h.run_steps(2);
    assert!(
        h.query_all_by_label_contains("No waybill: get the label first")
            .count()
            >= 2,
        "row and log in English"
    );
    assert!(h.query_by_label_contains("没有运单号").is_none());
    drop(h);
    drop(world.runtime);
}

/// Problem 6: log lines keep their data and follow a language change.
#[test]
fn log_lines_follow_the_language_of_the_moment() {
    let (world, mut h) = start(0);
    wait_for(&mut h, "orders to load", |a| {
        !a.is_refreshing() && a.book.view_len() > 0
    });
    let id = clean_shown_ids(h.state(), 1)[0];
    focus(&mut h, id);
    h.get_by_label("获取面单").click();
    h.run_steps(1);
    wait_for(&mut h, "label", |a| !a.labels_running());
    h.get_by_label_contains(&format!("{id}:面单已获取"));
    h.get_by_label("English").click();
    h.run_steps(2);
    h.get_by_label_contains(&format!("{id}: label fetched"));
    assert!(h.query_by_label_contains("面单已获取").is_none());
    drop(h);
    drop(world.runtime);
}

/// Problem 5: station and operator apply at once (the next journal record carries them) and
/// "ship right after printing" survives a restart.
#[test]
fn settings_apply_at_once_and_ship_after_print_is_saved() {
    let (world, mut h) = start(0);
    wait_for(&mut h, "orders to load", |a| {
        !a.is_refreshing() && a.book.view_len() > 0
    });
    h.get_by_label("扫码模式").click();
    h.run_steps(2);
    h.get_by_label("打印后自动发货").click();
    h.run_steps(2);
    let file = world._data.path().join("settings.json");
    let deadline = Instant::now() + Duration::from_secs(10);
    loop {
        let saved = Settings::load(world._data.path()).unwrap_or_default();
        if saved.print_then_ship {
            break;
        }
        assert!(Instant::now() < deadline, "not saved: {file:?}");
        h.step();
        std::thread::sleep(Duration::from_millis(20));
    }
    h.get_by_label("扫码模式").click();
    h.run_steps(2);
    h.state_mut()
        .handle(waybill_desk::app::command::Command::OpenSettings);
    wait_for_node(&mut h, "工位名称");
    h.run_steps(10);
    h.get_by_label("工位名称").focus();
    h.get_by_label("工位名称").type_text("packing-2");
    h.run_steps(1);
    h.get_by_label("保存").click();
    h.run_steps(2);
    assert!(
        h.query_by_label("工位名称").is_none(),
        "Settings closed on Save"
    );
    assert_eq!(h.state().settings().station, "packing-2");
    h.run_steps(10);
    let id = clean_shown_ids(h.state(), 1)[0];
    focus(&mut h, id);
    h.get_by_label("获取面单").click();
    h.run_steps(1);
    wait_for(&mut h, "label", |a| {
        !a.labels_running() && a.book.row(id).unwrap().label.is_some()
    });
    let journal = waybill_desk::store::Journal::open(world._data.path()).unwrap();
    let label = journal_block(journal.order_history(id))
        .unwrap()
        .into_iter()
        .find_map(|e| match e {
            waybill_desk::store::HistoryEntry::Label(l) => Some(l),
            _ => None,
        })
        .unwrap();
    assert!(label.station.contains("packing-2"), "{}", label.station);
    drop(h);
    drop(world.runtime);
}

/// Problem 5: the printer list is there the first time Settings opens.
#[test]
fn the_printer_list_fills_in_on_the_first_opening_of_settings() {
    let Some(queue) = test_queue() else { return };
    let (world, mut h) = start(0);
    h.state_mut()
        .handle(waybill_desk::app::command::Command::OpenSettings);
    wait_for(&mut h, "printers", |a| {
        a.settings_printers().is_some_and(|p| !p.is_empty())
    });
    assert!(h.state().settings_printers().unwrap().contains(&queue));
    drop(h);
    drop(world.runtime);
}

/// Runs a journal call from a test thread that is not inside a runtime.
fn journal_block<T>(f: impl std::future::Future<Output = T>) -> T {
    tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .expect("runtime")
        .block_on(f)
}
