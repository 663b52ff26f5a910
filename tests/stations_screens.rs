//! Screenshots of the several-stations window (issue 13) from the real window under Xvfb
//! (into docs/ with WAYBILL_DESK_UPDATE_DOCS=1, else under the target's tmp directory):
//! docs/issue13-banner.png (the shared journal lost: red banner, actions off, other stations'
//! work in the log and the rows) and docs/issue13-stations.png (the stations panel from a
//! journal three stations wrote to). The window is eframe's own (glow, Mesa under Xvfb); the
//! feed is a channel this program writes, as tests/gui_stations.rs does.
//!
//! `harness = false`: winit wants its event loop on the main thread.
//! Run under scripts/test-env/with-services.sh (it provides the X display).

#![allow(clippy::unwrap_used)] // a test program: a panic is a failed test

use std::path::PathBuf;
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use waybill_desk::app::command::Command;
use waybill_desk::app::live::{EventKind, FeedHealth, FeedSender, JournalEvent, JournalFeed};
use waybill_desk::app::{AppConfig, WaybillApp};
use waybill_desk::sandbox::{Sandbox, SandboxConfig, DEMO_APPID, DEMO_SECRET};
use waybill_desk::settings::Settings;
use waybill_desk::store::{Actor, ClaimHolder, ClaimPurpose, Journal, NewPrintRecord};
use waybill_desk::wechat::logistics::Label;
use waybill_desk::wechat::{
    ClientConfig, DeliveryId, OrderId, PrintType, Secret, TokenSource, WaybillId, WechatClient,
};

fn now_ms() -> i64 {
    chrono::Utc::now().timestamp_millis()
}

fn event(kind: EventKind, order_id: OrderId, station: &str, operator: &str) -> JournalEvent {
    JournalEvent {
        id: now_ms(),
        kind,
        order_id,
        station: station.into(),
        operator: operator.into(),
        at_ms: now_ms(),
        until_ms: (kind == EventKind::Claimed).then(|| now_ms() + 25_000),
    }
}

/// What the window is to show next.
#[derive(Debug, Clone, Copy, PartialEq)]
enum Step {
    WaitOrders,
    Banner,
    Stations,
    Done,
}

struct Shots {
    app: WaybillApp,
    journal: Journal,
    runtime: tokio::runtime::Handle,
    feed: FeedSender,
    step: Step,
    since: Instant,
    shot: Arc<Mutex<Option<Arc<egui::ColorImage>>>>,
    asked: bool,
    out: PathBuf,
    saved: Arc<Mutex<Vec<PathBuf>>>,
}

impl Shots {
    /// Asks for a screenshot once the frame has settled, and saves it; true once saved.
    fn take(&mut self, ctx: &egui::Context, name: &str) -> bool {
        if !self.asked {
            if self.since.elapsed() < Duration::from_millis(1_500) {
                ctx.request_repaint();
                return false;
            }
            let slot = self.shot.clone();
            let repaint = ctx.clone();
            ctx.request_screenshot(move |image| {
                *slot.lock().unwrap() = Some(image);
                repaint.request_repaint();
            });
            self.asked = true;
            return false;
        }
        let Some(image) = self.shot.lock().unwrap().take() else {
            ctx.request_repaint();
            return false;
        };
        let path = self.out.join(name);
        let [w, h] = image.size;
        let pixels: Vec<u8> = image.pixels.iter().flat_map(|c| c.to_array()).collect();
        image::save_buffer(&path, &pixels, w as u32, h as u32, image::ColorType::Rgba8).unwrap();
        self.saved.lock().unwrap().push(path);
        self.asked = false;
        self.since = Instant::now();
        true
    }
}

impl eframe::App for Shots {
    fn ui(&mut self, ui: &mut egui::Ui, frame: &mut eframe::Frame) {
        let ctx = ui.ctx().clone();
        self.app.ui_in_window(ui, Some(frame));
        match self.step {
            Step::WaitOrders => {
                if !self.app.is_refreshing() && self.app.book.view_len() > 3 {
                    let ids: Vec<OrderId> = (0..self.app.book.view_len())
                        .filter_map(|p| self.app.book.view_row(p))
                        .filter(|r| r.no_courier().is_none() && !r.order.has_open_aftersale())
                        .take(3)
                        .map(|r| r.order.id)
                        .collect();
                    // Other stations at work: B printed one, C holds another (in the journal
                    // too, so the panel counts it and the window's re-read keeps it).
                    self.feed
                        .send(event(EventKind::Printed, ids[0], "B", "李四"));
                    let c = ClaimHolder::new(Actor {
                        station: "C".into(),
                        operator: "王五".into(),
                    });
                    self.runtime
                        .block_on(self.journal.claim_orders(
                            &c,
                            ClaimPurpose::Print,
                            &[ids[1]],
                            None,
                            120_000,
                        ))
                        .unwrap();
                    self.feed
                        .send(event(EventKind::Claimed, ids[1], "C", "王五"));
                    self.app.book.select_only([ids[2]]);
                    self.app.book.focused = Some(ids[2]);
                    self.feed.set_health(FeedHealth::Lost {
                        since_ms: now_ms(),
                        reason: "connection refused (127.0.0.1:5432)".into(),
                    });
                    self.step = Step::Banner;
                    self.since = Instant::now();
                }
                ctx.request_repaint();
            }
            Step::Banner => {
                if self.take(&ctx, "issue13-banner.png") {
                    self.feed.set_health(FeedHealth::Connected);
                    self.app.handle(Command::ToggleStations);
                    self.step = Step::Stations;
                }
            }
            Step::Stations => {
                if self.since.elapsed() > Duration::from_secs(20) {
                    panic!("the stations panel never filled");
                }
                let loaded = self.app.stations_rows().is_some_and(|r| r.len() >= 3);
                if !loaded {
                    ctx.request_repaint_after(Duration::from_millis(100));
                } else if self.take(&ctx, "issue13-stations.png") {
                    self.step = Step::Done;
                    ctx.send_viewport_cmd(egui::ViewportCommand::Close);
                }
            }
            Step::Done => {}
        }
    }
}

/// Three stations' work in the journal, so the panel has something to show.
async fn fill_journal(journal: &Journal) {
    for (station, operator, n) in [("A", "张三", 3u64), ("B", "李四", 5), ("C", "王五", 2)] {
        let actor = Actor {
            station: station.into(),
            operator: operator.into(),
        };
        for i in 0..n {
            let order =
                OrderId(3_704_900_000_000_000_000 + i * 10 + u64::from(station.as_bytes()[0]));
            let waybill = WaybillId(format!("SF{station}{i:08}"));
            let label = Label {
                order_id: order.to_string(),
                delivery_id: DeliveryId("SF".into()),
                waybill_id: waybill.clone(),
                html: "<html></html>".into(),
                waybill_data: Vec::new(),
                order_status: 0,
                print_type: PrintType::TwoPart,
            };
            let label_id = journal.record_label(&actor, order, &label).await.unwrap();
            if i % 2 == 0 {
                journal
                    .record_print(
                        &actor,
                        &NewPrintRecord {
                            order_id: order,
                            waybill_id: waybill,
                            label_id: Some(label_id),
                            printer: "thermal".into(),
                            copies: 1,
                            result: Ok(()),
                        },
                    )
                    .await
                    .unwrap();
            }
        }
    }
}

fn main() {
    // `cargo nextest` lists tests first (`--list --format terse`; `--ignored` for the ignored
    // ones, of which there are none): one test, named as the file.
    let args: Vec<String> = std::env::args().collect();
    if args.iter().any(|a| a == "--list") {
        if !args.iter().any(|a| a == "--ignored") {
            println!("stations_screens: test");
        }
        return;
    }
    if std::env::var_os("DISPLAY").is_none() {
        eprintln!("stations_screens: no X display; run under scripts/test-env/with-services.sh");
        std::process::exit(1);
    }
    // docs/ only when asked (WAYBILL_DESK_UPDATE_DOCS=1): a test run leaves the tree as it was.
    let out = if std::env::var("WAYBILL_DESK_UPDATE_DOCS").as_deref() == Ok("1") {
        PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("docs")
    } else {
        PathBuf::from(env!("CARGO_TARGET_TMPDIR")).join("stations_screens")
    };
    std::fs::create_dir_all(&out).unwrap();
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
                    orders: 40,
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
    let journal = Journal::open(data.path()).unwrap();
    runtime.block_on(fill_journal(&journal));
    let journal_for_shots = journal.clone();
    let runtime_handle = runtime.handle().clone();
    let settings = Settings {
        station: "A".into(),
        operator: "张三".into(),
        setup_done: true,
        printer: "thermal".into(),
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
            client,
            Default::default(),
            journal,
            Actor {
                station: "A".into(),
                operator: "张三".into(),
            },
        )),
        startup_problem: None,
        print_worker: waybill_desk::print::WorkerConfig::new(env!("CARGO_BIN_EXE_waybill-desk")),
    };
    let saved = Arc::new(Mutex::new(Vec::new()));
    let saved_in_app = saved.clone();
    let native = eframe::NativeOptions {
        viewport: egui::ViewportBuilder::default()
            .with_title("waybill-desk stations screenshots")
            .with_inner_size([1440.0, 900.0]),
        ..eframe::NativeOptions::default()
    };
    eframe::run_native(
        "waybill-desk-stations-screens",
        native,
        Box::new(move |cc| {
            let mut app = WaybillApp::new(&cc.egui_ctx, config);
            let (feed, window_end) = JournalFeed::channel(FeedHealth::Connected);
            app.attach_feed(window_end);
            Ok(Box::new(Shots {
                app,
                journal: journal_for_shots,
                runtime: runtime_handle,
                feed,
                step: Step::WaitOrders,
                since: Instant::now(),
                shot: Arc::new(Mutex::new(None)),
                asked: false,
                out,
                saved: saved_in_app,
            }))
        }),
    )
    .unwrap();
    let saved = saved.lock().unwrap().clone();
    assert_eq!(saved.len(), 2, "screenshots taken: {saved:?}");
    for path in &saved {
        let img = image::open(path).unwrap().to_rgba8();
        // The banner's red must be on the first one: a screenshot of the real drawing.
        println!("{} ({}x{})", path.display(), img.width(), img.height());
    }
    let banner = image::open(&saved[0]).unwrap().to_rgba8();
    let red = banner
        .pixels()
        .filter(|p| p.0[0] == 0xc6 && p.0[1] == 0x28 && p.0[2] == 0x28)
        .count();
    assert!(
        red > 5_000,
        "no red banner in {}: {red} red pixels",
        saved[0].display()
    );
    drop(runtime);
}
