//! The first-run setup guide, driven through the window's accessibility tree (egui_kittest):
//! the window is built the way `waybill-desk` builds it (`launch::configure`, then
//! `WaybillApp::start`) on an empty data directory, so it starts in demo mode on its embedded
//! sandbox and the guide opens by itself.

#![allow(clippy::unwrap_used)] // test helpers may panic: a panic is a failed test

use std::path::Path;
use std::sync::Arc;
use std::time::{Duration, Instant};

use egui_kittest::kittest::{NodeT, Queryable};
use egui_kittest::Harness;
use waybill_desk::app::launch::{configure, LaunchOptions};
use waybill_desk::app::WaybillApp;
use waybill_desk::sandbox::{Fault, FaultRule, Faults, Sandbox, SandboxConfig};
use waybill_desk::settings::Settings;

struct World {
    runtime: tokio::runtime::Runtime,
    data: tempfile::TempDir,
}

fn runtime() -> tokio::runtime::Runtime {
    tokio::runtime::Builder::new_multi_thread()
        .worker_threads(2)
        .enable_all()
        .build()
        .unwrap()
}

/// The window as `waybill-desk` opens it on this data directory.
fn open(world: &World) -> Harness<'static, WaybillApp> {
    let config = configure(
        &world.runtime,
        LaunchOptions {
            data_dir: Some(world.data.path().to_path_buf()),
            ..LaunchOptions::default()
        },
        None,
    )
    .unwrap();
    Harness::builder()
        .with_size([1440.0, 900.0])
        .build_eframe(move |cc| WaybillApp::start(&cc.egui_ctx, config))
}

fn fresh() -> (World, Harness<'static, WaybillApp>) {
    let world = World {
        runtime: runtime(),
        data: tempfile::tempdir().unwrap(),
    };
    let h = open(&world);
    (world, h)
}

fn step_for(
    h: &mut Harness<'static, WaybillApp>,
    what: &str,
    done: impl Fn(&Harness<'static, WaybillApp>) -> bool,
) {
    let deadline = Instant::now() + Duration::from_secs(20);
    while Instant::now() < deadline {
        h.step();
        if done(h) {
            return;
        }
        std::thread::sleep(Duration::from_millis(10));
    }
    let guide = h.state().setup_wizard().map(|w| {
        format!(
            "step {:?}, problems {:?}, check {:?}",
            w.step,
            w.problems(),
            w.check
        )
    });
    panic!("timed out waiting for: {what} ({guide:?})");
}

fn wait_text(h: &mut Harness<'static, WaybillApp>, text: &str) {
    step_for(h, text, |h| h.query_by_label_contains(text).is_some());
}

fn is_disabled(h: &Harness<'static, WaybillApp>, label: &str) -> bool {
    h.get_by_label(label).accesskit_node().is_disabled()
}

/// Replaces the text of the field labelled `label`, as a person would: click into it, go to
/// its end, delete every character, type.
fn retype(h: &mut Harness<'static, WaybillApp>, label: &str, text: &str) {
    settle(h);
    h.get_by_label(label).click();
    h.step();
    h.key_press(egui::Key::End);
    h.step();
    let n = h
        .get_by_label(label)
        .value()
        .unwrap_or_default()
        .chars()
        .count();
    for _ in 0..n {
        h.key_press(egui::Key::Backspace);
    }
    h.step();
    if !text.is_empty() {
        h.get_by_label(label).type_text(text);
    }
    h.step();
    h.step();
    let shown = h.get_by_label(label).value().unwrap_or_default();
    if label == "AppSecret" {
        // Masked, in the accessibility tree too.
        assert_eq!(shown, "•".repeat(text.chars().count()));
    } else {
        assert_eq!(shown, text, "{label}");
    }
}

/// The guide is centred and its height follows its content: let it settle before clicking.
fn settle(h: &mut Harness<'static, WaybillApp>) {
    h.run_steps(4);
}

fn click(h: &mut Harness<'static, WaybillApp>, label: &str) {
    settle(h);
    h.get_by_label(label).click();
    h.step();
    h.step();
}

/// Step 5 (engineer E's printer step): with printers, pick the first and skip the test print
/// (tests/calibration.rs prints it); with none, the guide says so and lets the station go on.
fn pass_printer(h: &mut Harness<'static, WaybillApp>) {
    // The list comes from CUPS in the background.
    h.run_steps(20);
    let printers = h.state().setup_wizard().unwrap().printers.clone();
    let Some(first) = printers.first() else {
        h.get_by_label_contains("没有找到打印机");
        return;
    };
    assert!(is_disabled(h, "下一步"), "a printer is asked for");
    settle(h);
    h.get_by_role_and_label(egui::accesskit::Role::ComboBox, "打印机")
        .click();
    h.run_steps(4);
    click(h, first);
    click(h, "先跳过测试打印");
    assert_eq!(&h.state().setup_wizard().unwrap().printer.printer, first);
}

/// Step 1 checked and passed with the demo values.
fn pass_access(h: &mut Harness<'static, WaybillApp>) {
    click(h, "检查");
    wait_text(h, "检查通过");
}

#[test]
fn the_guide_opens_with_no_shop_and_each_step_leads_to_the_orders() {
    let (world, mut h) = fresh();
    step_for(&mut h, "guide open", |h| h.state().setup_open());
    assert!(h.state().is_demo());
    // Step 1: the sandbox's values, with the note that a real shop needs its own.
    wait_text(&mut h, "设置向导 · 店铺接口凭证");
    h.get_by_label_contains("演示模式:这里已填好沙箱的示例值");
    h.get_by_label_contains("服务市场 → 自研 → 开发配置");
    assert_eq!(
        h.get_by_label("AppID").value().as_deref(),
        Some("wxsandbox00000001")
    );
    assert!(is_disabled(&h, "下一步"), "Next waits for the check");
    h.get_by_label("请点“检查”,通过后才能继续。");
    pass_access(&mut h);
    assert!(!is_disabled(&h, "下一步"));

    // Step 2: detected through 48001 from the other family.
    click(&mut h, "下一步");
    wait_text(&mut h, "已识别:微信小店");
    click(&mut h, "小商店");
    assert_eq!(
        h.state().setup_wizard().unwrap().family,
        Some(waybill_desk::wechat::shop::ShopKind::Minishop)
    );
    click(&mut h, "微信小店");

    // Step 3: the accounts with biz_id and quota; the one under review cannot be picked.
    click(&mut h, "下一步");
    wait_text(&mut h, "ZTO_sandbox_biz");
    h.get_by_label("1000");
    h.get_by_label("现付(不计余额)");
    h.get_by_label_contains("网点审核中");
    // Two ZTO accounts: the bound one first, the one under review after it.
    settle(&mut h);
    h.get_all_by_label("中通快递 (ZTO)").next().unwrap().click();
    h.run_steps(2);
    let picked = h.state().setup_wizard().unwrap().account.clone();
    assert!(
        matches!(picked, Some((ref d, _)) if d == "ZTO"),
        "{picked:?}"
    );
    assert!(!is_disabled(&h, "下一步"));

    // Step 4: the demo's sender; the phone validated.
    click(&mut h, "下一步");
    wait_text(&mut h, "寄件人地址");
    assert_eq!(h.get_by_label("市").value().as_deref(), Some("杭州市"));
    retype(&mut h, "手机或座机", "12345");
    wait_text(&mut h, "电话要是 11 位手机号");
    assert!(is_disabled(&h, "下一步"));
    retype(&mut h, "区/县", "");
    wait_text(&mut h, "请填写区/县。");
    retype(&mut h, "手机或座机", "0571-88886666");
    retype(&mut h, "区/县", "西湖区");
    step_for(&mut h, "sender valid", |h| {
        h.query_by_label_contains("电话要是").is_none()
    });
    assert!(!is_disabled(&h, "下一步"));

    // Back keeps what was typed.
    click(&mut h, "上一步");
    wait_text(&mut h, "ZTO_sandbox_biz");
    click(&mut h, "下一步");
    assert_eq!(h.get_by_label("区/县").value().as_deref(), Some("西湖区"));

    // Step 5, then Done with the summary.
    click(&mut h, "下一步");
    wait_text(&mut h, "设置向导 · 打印机");
    pass_printer(&mut h);
    click(&mut h, "下一步");
    wait_text(&mut h, "设置向导 · 完成");
    h.get_by_label_contains("快递:中通快递");
    h.get_by_label_contains("0571-88886666");
    h.get_by_label_contains("仍是演示模式");
    click(&mut h, "完成,去订单列表");
    step_for(&mut h, "guide closed", |h| !h.state().setup_open());

    // Saved with the setup-done mark; the orders are there.
    let s = h.state().settings().clone();
    assert!(s.setup_done);
    assert_eq!(s.delivery_id, "ZTO");
    assert_eq!(s.biz_id, "ZTO_sandbox_biz");
    let sender = s.sender.clone().unwrap();
    assert_eq!(
        (sender.tel.as_str(), sender.area.as_str()),
        ("0571-88886666", "西湖区")
    );
    step_for(&mut h, "settings file", |_| {
        Settings::load(world.data.path()).is_ok_and(|s| s.setup_done)
    });
    step_for(&mut h, "orders listed", |h| h.state().book.view_len() > 0);
    h.get_by_label("获取面单");
    // No keychain item for demo values.
    assert!(!world.data.path().join("account.json").exists());

    // The next start does not open it again.
    drop(h);
    let mut again = open(&world);
    again.run_steps(5);
    assert!(!again.state().setup_open());
}

/// Each error a new shop meets on "check", injected at the sandbox's token endpoint.
#[test]
fn ctrl_a_in_a_field_of_the_guide_selects_the_field_text_not_every_order() {
    let (_world, mut h) = fresh();
    step_for(&mut h, "guide open", |h| h.state().setup_open());
    retype(&mut h, "AppID", "wxold0000000000001");
    h.key_press_modifiers(egui::Modifiers::COMMAND, egui::Key::A);
    h.step();
    h.get_by_label("AppID").type_text("wxnew0000000000002");
    h.run_steps(3);
    assert_eq!(
        h.get_by_label("AppID").value().as_deref(),
        Some("wxnew0000000000002"),
        "Ctrl+A selected the field's text, and typing replaced it"
    );
    assert_eq!(h.state().book.selected_count(), 0, "no order was selected");
}

#[test]
fn check_errors_are_explained() {
    let (_world, mut h) = fresh();
    step_for(&mut h, "guide open", |h| h.state().setup_open());
    let sandbox = h.state().sandbox().unwrap().clone();
    let inject = |errcode: i64, errmsg: &str| {
        sandbox.set_faults(Faults {
            rules: vec![FaultRule::new(
                "stable_token",
                Fault::Errcode {
                    errcode,
                    errmsg: errmsg.into(),
                },
                1,
            )],
            ..Faults::default()
        });
    };
    inject(
        40164,
        "invalid ip 203.0.113.7 ipv6 ::ffff:203.0.113.7, not in whitelist rid: 6566a1b2-0c",
    );
    click(&mut h, "检查");
    wait_text(&mut h, "检查没有通过");
    h.get_by_label_contains("本机的公网 IP 203.0.113.7 不在接口 IP 白名单里");
    h.get_by_label_contains("加到微信小店后台「服务市场 → 自研 → 开发配置」的 API IP 白名单");
    assert!(is_disabled(&h, "下一步"));

    inject(40125, "invalid appsecret");
    click(&mut h, "检查");
    wait_text(&mut h, "AppSecret 不正确");
    assert!(is_disabled(&h, "下一步"));

    inject(45009, "reach max api daily quota limit");
    click(&mut h, "检查");
    wait_text(&mut h, "今天的接口调用次数已用完");
    h.get_by_label_contains("每天 0 点(北京时间)自动恢复");

    // In English too.
    inject(40125, "invalid appsecret");
    h.state_mut()
        .handle(waybill_desk::app::command::Command::SetLang(
            waybill_desk::wechat::Lang::En,
        ));
    click(&mut h, "Check");
    wait_text(&mut h, "The AppSecret is wrong");

    // Without a fault it passes; one call per check (a token, then one read).
    let before = sandbox.stats().calls;
    click(&mut h, "Check");
    wait_text(&mut h, "Check passed");
    let after = sandbox.stats().calls;
    let grew =
        |path: &str| after.get(path).copied().unwrap_or(0) - before.get(path).copied().unwrap_or(0);
    assert_eq!(grew("/cgi-bin/stable_token"), 1);
    assert_eq!(grew("/cgi-bin/express/business/delivery/getall"), 1);
}

/// Network trouble while checking: another AppID goes to the settings' API base, here a port
/// nothing listens on.
#[test]
fn a_network_error_says_to_check_the_network() {
    let world = World {
        runtime: runtime(),
        data: tempfile::tempdir().unwrap(),
    };
    let closed = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
    let port = closed.local_addr().unwrap().port();
    drop(closed);
    write_settings(
        world.data.path(),
        &format!("http://127.0.0.1:{port}/"),
        false,
    );
    let mut h = open(&world);
    step_for(&mut h, "guide open", |h| h.state().setup_open());
    retype(&mut h, "AppID", "wx1234567890abcdef");
    click(&mut h, "检查");
    wait_text(&mut h, "连不上微信服务器");
}

fn write_settings(dir: &Path, api_base: &str, setup_done: bool) {
    Settings {
        api_base: api_base.into(),
        setup_done,
        ..Settings::default()
    }
    .save(dir)
    .unwrap();
}

/// Once set up, the guide opens from Settings; Esc hides it and keeps what was typed.
#[test]
fn from_settings_later_and_esc_keeps_what_was_typed() {
    let world = World {
        runtime: runtime(),
        data: tempfile::tempdir().unwrap(),
    };
    write_settings(world.data.path(), "", true);
    let mut h = open(&world);
    h.run_steps(5);
    assert!(
        !h.state().setup_open(),
        "a station that finished it is not asked again"
    );
    click(&mut h, "设置");
    wait_text(&mut h, "设置向导…");
    // The settings window settles its size over a few frames.
    h.run_steps(10);
    click(&mut h, "设置向导…");
    step_for(&mut h, "guide open", |h| h.state().setup_open());
    retype(&mut h, "AppID", "wxtyped0000000001");
    h.key_press(egui::Key::Escape);
    step_for(&mut h, "guide hidden", |h| !h.state().setup_open());
    click(&mut h, "设置");
    wait_text(&mut h, "设置向导…");
    h.run_steps(10);
    click(&mut h, "设置向导…");
    step_for(&mut h, "guide open again", |h| h.state().setup_open());
    assert_eq!(
        h.get_by_label("AppID").value().as_deref(),
        Some("wxtyped0000000001")
    );
}

fn keychain_expected() -> bool {
    std::env::var("CI").is_ok()
        || std::env::var("WAYBILL_DESK_TEST_KEYRING").is_ok_and(|v| v == "1")
}

/// A real shop (a second sandbox standing in for WeChat, at the settings' API base): its
/// AppSecret goes to the keychain at the end, and the station says to restart for it.
#[test]
fn a_real_appid_is_checked_against_its_api_and_stored_in_the_keychain() {
    let service = format!("waybill-desk-gui-setup-{}", std::process::id());
    // nextest runs each test in its own process: nothing else reads this environment.
    std::env::set_var("WAYBILL_DESK_KEYRING_SERVICE", &service);
    if let Err(e) = waybill_desk::credentials::probe_keychain() {
        assert!(!keychain_expected(), "no keychain: {e}");
        eprintln!("SKIP: no keychain ({e}); run under scripts/test-env/with-services.sh");
        return;
    }
    let world = World {
        runtime: runtime(),
        data: tempfile::tempdir().unwrap(),
    };
    let shop = Arc::new(
        world
            .runtime
            .block_on(Sandbox::start(
                ([127, 0, 0, 1], 0).into(),
                SandboxConfig {
                    orders: 10,
                    appid: "wxrealshop0000001".into(),
                    secret: "real-shop-secret-0123456789".into(),
                    ..SandboxConfig::default()
                },
            ))
            .unwrap(),
    );
    write_settings(world.data.path(), shop.url().as_str(), false);
    let mut h = open(&world);
    step_for(&mut h, "guide open", |h| h.state().setup_open());
    retype(&mut h, "AppID", "wxrealshop0000001");
    retype(&mut h, "AppSecret", "wrong-secret");
    click(&mut h, "检查");
    wait_text(&mut h, "AppSecret 不正确");
    retype(&mut h, "AppSecret", "real-shop-secret-0123456789");
    pass_access(&mut h);
    assert!(shop.stats().calls.contains_key("/cgi-bin/stable_token"));
    click(&mut h, "下一步");
    wait_text(&mut h, "已识别:微信小店");
    click(&mut h, "下一步");
    wait_text(&mut h, "ZTO_sandbox_biz");
    click(&mut h, "下一步");
    // Still demo mode until the restart, so the sample sender is filled in: the shop's own
    // goes over it, and a missing name is asked for.
    wait_text(&mut h, "设置向导 · 寄件人地址");
    retype(&mut h, "寄件人", "");
    wait_text(&mut h, "请填写寄件人姓名或仓库名。");
    assert!(is_disabled(&h, "下一步"));
    for (field, text) in [
        ("寄件人", "杭州仓"),
        ("手机或座机", "13912345678"),
        ("省", "浙江省"),
        ("市", "杭州市"),
        ("区/县", "滨江区"),
        ("详细地址", "江南大道 100 号"),
    ] {
        retype(&mut h, field, text);
    }
    step_for(&mut h, "sender valid", |h| !is_disabled(h, "下一步"));
    click(&mut h, "下一步");
    wait_text(&mut h, "设置向导 · 打印机");
    pass_printer(&mut h);
    click(&mut h, "下一步");
    wait_text(&mut h, "重新打开 waybill-desk");
    click(&mut h, "完成,去订单列表");
    step_for(&mut h, "guide closed", |h| !h.state().setup_open());
    let store = waybill_desk::credentials::CredentialStore::new(world.data.path());
    let account = store.account().unwrap().unwrap();
    assert_eq!(account.appid, "wxrealshop0000001");
    let (_, stored) = store.load_with_account().unwrap().unwrap();
    assert!(
        matches!(stored.secret, waybill_desk::credentials::CredentialSecret::AppSecret(ref s) if s.expose() == "real-shop-secret-0123456789")
    );
    // Nothing secret in the settings file.
    let file = std::fs::read_to_string(world.data.path().join("settings.json")).unwrap();
    assert!(!file.contains("real-shop-secret"));
    assert!(file.contains("\"setup_done\": true"));
    store.delete().unwrap();
}
