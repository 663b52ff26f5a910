//! Incremental order sync through the journal's order cache (issue 12): a real sandbox on
//! 127.0.0.1:0, a real journal file, and the answers compared with a plain full listing.

#![allow(clippy::unwrap_used)] // test helpers may panic: a panic is a failed test

mod common;

use std::collections::BTreeSet;

use waybill_desk::sandbox::{BuyerChange, DEMO_MINISHOP_APPID, DEMO_SECRET};
use waybill_desk::station::{ShipRequest, Station, SyncOptions};
use waybill_desk::store::{Actor, Journal};
use waybill_desk::wechat::order::Order;
use waybill_desk::wechat::shop::{OrderQuery, ShopKind};
use waybill_desk::wechat::{OrderId, Secret, TokenSource, WechatClient};

const GET: &str = "/channels/ec/order/get";
const LIST: &str = "/channels/ec/order/list/get";

fn actor(name: &str) -> Actor {
    Actor {
        station: name.into(),
        operator: "测试".into(),
    }
}

/// Orders of the last 30 days up to now, as the CLI and the window ask.
fn query(status: Option<u32>) -> OrderQuery {
    let now = chrono::Utc::now().timestamp();
    OrderQuery {
        created_from: now - 30 * 86_400,
        created_to: now,
        status,
    }
}

fn station(client: &WechatClient, shop: ShopKind, dir: &std::path::Path) -> Station {
    Station::new(
        client.clone(),
        shop,
        Journal::open(dir).unwrap(),
        actor("packing-1"),
    )
}

/// (id, status, update-sensitive fields) of each order, for comparing listings.
fn summary(orders: &[Order]) -> Vec<(u64, u32, String, u32)> {
    orders
        .iter()
        .map(|o| {
            (
                o.id.0,
                o.status,
                o.customer_notes.clone(),
                o.open_aftersale_count,
            )
        })
        .collect()
}

fn ids(list: &[OrderId]) -> BTreeSet<u64> {
    list.iter().map(|i| i.0).collect()
}

#[tokio::test]
async fn the_first_sync_lists_in_full_and_an_unchanged_refresh_reads_only_the_margin() {
    let sandbox = common::sandbox(400).await;
    let client = common::client(&sandbox);
    let dir = tempfile::tempdir().unwrap();
    let station = station(&client, ShopKind::Channels, dir.path());
    let q = query(Some(20));

    let first = station.sync_orders(q).await.unwrap();
    let plain = client
        .shop(ShopKind::Channels)
        .list_orders(q)
        .await
        .unwrap();
    assert!(first.full);
    assert!(!plain.is_empty());
    assert_eq!(summary(&first.orders), summary(&plain));
    assert_eq!(ids(&first.added).len(), plain.len());

    let gets = sandbox.stats().calls_to(GET);
    let lists = sandbox.stats().calls_to(LIST);
    let again = station.sync_orders(q).await.unwrap();
    assert!(!again.full);
    assert_eq!(summary(&again.orders), summary(&plain));
    assert!(again.added.is_empty() && again.changed.is_empty() && again.removed.is_empty());
    // Only the orders WeChat stamped within the margin before the last sync are read again.
    assert_eq!(sandbox.stats().calls_to(LIST) - lists, 1);
    assert_eq!(
        sandbox.stats().calls_to(GET) - gets,
        u64::from(again.order_reads)
    );
    assert!(
        (again.order_reads as usize) * 10 < plain.len(),
        "{} of {} orders read again",
        again.order_reads,
        plain.len()
    );
}

#[tokio::test]
async fn new_changed_shipped_elsewhere_and_cancelled_orders_are_merged() {
    let sandbox = common::sandbox(300).await;
    let client = common::client(&sandbox);
    let dir = tempfile::tempdir().unwrap();
    let station = station(&client, ShopKind::Channels, dir.path());
    let q = query(Some(20));
    let before = station.sync_orders(q).await.unwrap();
    assert!(before.full);

    let clean = common::clean_orders(&client, &sandbox, 5).await;
    let (noted, aftersale, shipped, cancelled, template) =
        (clean[0], clean[1], clean[2], clean[3], clean[4]);
    let new_id = 3_799_000_000_000_000_001u64;
    sandbox
        .buyer_change(noted, BuyerChange::Note("改发顺丰".into()))
        .unwrap();
    sandbox
        .buyer_change(aftersale, BuyerChange::OpenAftersale)
        .unwrap();
    sandbox
        .buyer_change(cancelled, BuyerChange::Cancel)
        .unwrap();
    sandbox
        .buyer_change(template, BuyerChange::NewOrderLike { order_id: new_id })
        .unwrap();
    // Another packing station (its own journal) ships one.
    let other_dir = tempfile::tempdir().unwrap();
    let other = Station::new(
        client.clone(),
        ShopKind::Channels,
        Journal::open(other_dir.path()).unwrap(),
        actor("packing-2"),
    );
    let waybill = common::waybills_for(&client, &[shipped], "YTO").await;
    other
        .ship_parcel(&ShipRequest::whole(OrderId(shipped), waybill[0].1.clone()))
        .await
        .unwrap();
    assert_eq!(sandbox.order_status(shipped), Some(30));

    let gets = sandbox.stats().calls_to(GET);
    // Up to now again (the new order was created after the first query).
    let q = query(Some(20));
    let after = station.sync_orders(q).await.unwrap();
    // Only the changed orders (and those within the margin) were read.
    let reads = sandbox.stats().calls_to(GET) - gets;
    assert_eq!(reads, u64::from(after.order_reads));
    assert!(reads < 40, "{reads} orders read");
    assert!(!after.full);
    assert_eq!(ids(&after.added), BTreeSet::from([new_id]));
    assert!(ids(&after.changed).is_superset(&BTreeSet::from([noted, aftersale])));
    assert_eq!(ids(&after.removed), BTreeSet::from([shipped, cancelled]));
    // The merged list is exactly what a full listing says now.
    let plain = client
        .shop(ShopKind::Channels)
        .list_orders(q)
        .await
        .unwrap();
    assert_eq!(summary(&after.orders), summary(&plain));
    let find = |id: u64| after.orders.iter().find(|o| o.id.0 == id).unwrap();
    assert_eq!(find(noted).customer_notes, "改发顺丰");
    assert_eq!(find(aftersale).open_aftersale_count, 1);

    // Every status: the shipped and cancelled orders are in the cache with their new status.
    let all = station.sync_orders(query(None)).await.unwrap();
    assert!(all.full, "a status filter never listed is listed in full");
    let status = |id: u64| all.orders.iter().find(|o| o.id.0 == id).map(|o| o.status);
    assert_eq!(status(shipped), Some(30));
    assert_eq!(status(cancelled), Some(250));
}

#[tokio::test]
async fn the_mini_shop_syncs_by_start_update_time() {
    let sandbox = common::sandbox(200).await;
    let mut config = common::config(&sandbox);
    config.tokens = TokenSource::AppSecret {
        appid: DEMO_MINISHOP_APPID.into(),
        secret: Secret::new(DEMO_SECRET),
    };
    let client = WechatClient::new(config).unwrap();
    let dir = tempfile::tempdir().unwrap();
    let station = station(&client, ShopKind::Minishop, dir.path());
    let q = query(Some(20));
    let first = station.sync_orders(q).await.unwrap();
    assert!(first.full && !first.orders.is_empty());
    let victim = first.orders[0].id.0;
    sandbox.buyer_change(victim, BuyerChange::Cancel).unwrap();
    let gets = sandbox.stats().calls_to("/product/order/get");
    let after = station.sync_orders(q).await.unwrap();
    assert!(!after.full);
    assert_eq!(ids(&after.removed), BTreeSet::from([victim]));
    assert_eq!(after.order_reads, 0, "the mini shop lists whole orders");
    assert_eq!(sandbox.stats().calls_to("/product/order/get"), gets);
    let plain = client
        .shop(ShopKind::Minishop)
        .list_orders(q)
        .await
        .unwrap();
    assert_eq!(summary(&after.orders), summary(&plain));
}

#[tokio::test]
async fn a_wechat_clock_behind_or_ahead_within_the_margins_misses_nothing() {
    for offset_s in [-300i64, 300] {
        let sandbox = common::sandbox(150).await;
        sandbox.set_clock_offset(offset_s);
        let client = common::client(&sandbox);
        let dir = tempfile::tempdir().unwrap();
        let station = station(&client, ShopKind::Channels, dir.path());
        let q = query(Some(20));
        station.sync_orders(q).await.unwrap();
        let id = common::clean_orders(&client, &sandbox, 1).await[0];
        sandbox
            .buyer_change(id, BuyerChange::Note(format!("skew {offset_s}")))
            .unwrap();
        // A new order, created "now" by WeChat's clock (in the station's future when ahead).
        let new_id = 3_799_000_000_000_000_100u64;
        sandbox
            .buyer_change(id, BuyerChange::NewOrderLike { order_id: new_id })
            .unwrap();
        let q = query(Some(20));
        let after = station.sync_orders(q).await.unwrap();
        assert!(!after.full);
        assert!(ids(&after.changed).contains(&id), "offset {offset_s}");
        assert!(ids(&after.added).contains(&new_id), "offset {offset_s}");
        let o = after.orders.iter().find(|o| o.id.0 == id).unwrap();
        assert_eq!(o.customer_notes, format!("skew {offset_s}"));
    }
}

#[tokio::test]
async fn a_margin_smaller_than_the_skew_misses_a_change_until_a_full_resync() {
    // The negative control for the test above: WeChat's clock 5 minutes behind, a margin of
    // one minute. The change is stamped before the window listed, so only a full re-sync sees it.
    let sandbox = common::sandbox(150).await;
    sandbox.set_clock_offset(-300);
    let client = common::client(&sandbox);
    let dir = tempfile::tempdir().unwrap();
    let station = station(&client, ShopKind::Channels, dir.path()).with_sync_options(SyncOptions {
        margin_s: 60,
        ..SyncOptions::default()
    });
    let q = query(Some(20));
    station.sync_orders(q).await.unwrap();
    let id = common::clean_orders(&client, &sandbox, 1).await[0];
    sandbox
        .buyer_change(id, BuyerChange::Note("missed".into()))
        .unwrap();
    let stale = station.sync_orders(q).await.unwrap();
    assert!(!ids(&stale.changed).contains(&id));
    let full = station.resync_orders(q).await.unwrap();
    assert!(full.full);
    assert!(ids(&full.changed).contains(&id));
    let o = full.orders.iter().find(|o| o.id.0 == id).unwrap();
    assert_eq!(o.customer_notes, "missed");
}

#[tokio::test]
async fn a_full_resync_runs_on_schedule_and_the_cache_is_shared_through_the_journal() {
    let sandbox = common::sandbox(120).await;
    let client = common::client(&sandbox);
    let dir = tempfile::tempdir().unwrap();
    let q = query(Some(20));
    let every_time =
        station(&client, ShopKind::Channels, dir.path()).with_sync_options(SyncOptions {
            full_every_s: 0,
            ..SyncOptions::default()
        });
    assert!(every_time.sync_orders(q).await.unwrap().full);
    std::thread::sleep(std::time::Duration::from_millis(5));
    assert!(every_time.sync_orders(q).await.unwrap().full);
    // A second handle on the same journal (the CLI next to the window) starts incremental.
    let cli = station(&client, ShopKind::Channels, dir.path());
    let report = cli.sync_orders(q).await.unwrap();
    assert!(!report.full);
    assert!(report.added.is_empty());
}

#[tokio::test]
async fn a_version_2_journal_is_upgraded_and_keeps_its_records() {
    let dir = tempfile::tempdir().unwrap();
    let journal = Journal::open(dir.path()).unwrap();
    let batch = journal
        .create_batch(
            &actor("packing-1"),
            &waybill_desk::store::NewBatch {
                print_type: waybill_desk::wechat::PrintType::TwoPart,
                delivery_id: waybill_desk::wechat::DeliveryId("YTO".into()),
                biz_id: "biz".into(),
                items: vec![],
            },
        )
        .await
        .unwrap();
    let path = journal.path().unwrap().to_path_buf();
    drop(journal);
    // Back to what version 2 wrote: without the order cache's tables.
    {
        let conn = rusqlite::Connection::open(&path).unwrap();
        conn.execute_batch(
            "DROP TABLE order_cache; DROP TABLE order_sync; DROP TABLE order_sync_mark;
             PRAGMA user_version = 2;",
        )
        .unwrap();
    }
    let journal = Journal::open(dir.path()).unwrap();
    assert_eq!(journal.schema_version().await.unwrap(), 4);
    assert!(journal.batch(batch).await.unwrap().is_some());
    assert_eq!(journal.order_sync_mark("acct").await.unwrap(), None);
    journal.set_order_sync_mark("acct", 42).await.unwrap();
    assert_eq!(journal.order_sync_mark("acct").await.unwrap(), Some(42));
}

async fn cli(
    sandbox: &waybill_desk::sandbox::Sandbox,
    data: &std::path::Path,
    args: &[&str],
) -> std::process::Output {
    tokio::process::Command::new(env!("CARGO_BIN_EXE_waybill-desk"))
        .args([
            "--api-base",
            sandbox.url().as_str(),
            "--appid",
            waybill_desk::sandbox::DEMO_APPID,
        ])
        .args(args)
        .env("WAYBILL_DESK_APPSECRET", DEMO_SECRET)
        .env("WAYBILL_DESK_DATA_DIR", data)
        .env("WAYBILL_DESK_LANG", "en")
        .env_remove("WAYBILL_DESK_LOG")
        .output()
        .await
        .unwrap()
}

#[tokio::test]
async fn the_cli_orders_and_batch_share_the_cache_and_piped_output_is_one_line_per_order() {
    let sandbox = common::sandbox(150).await;
    let dir = tempfile::tempdir().unwrap();
    std::fs::write(
        dir.path().join("settings.json"),
        serde_json::json!({
            "delivery_id": "SF", "biz_id": "SF_CASH",
            "sender": {"name": "仓库小李", "mobile": "13800138000", "province": "广东省",
                       "city": "深圳市", "area": "南山区", "address": "科技园南路88号"}
        })
        .to_string(),
    )
    .unwrap();
    let first = cli(&sandbox, dir.path(), &["orders", "--json"]).await;
    assert!(
        first.status.success(),
        "{}",
        String::from_utf8_lossy(&first.stderr)
    );
    let lines = String::from_utf8_lossy(&first.stdout).lines().count();
    assert!(lines > 50);
    let gets = sandbox.stats().calls_to(GET);
    assert!(
        gets as usize >= lines,
        "the first listing reads every order"
    );

    // Again: one list call by update time, and only orders within the clock margin read.
    let again = cli(&sandbox, dir.path(), &["orders", "--json"]).await;
    assert!(again.status.success());
    assert_eq!(
        String::from_utf8_lossy(&again.stdout),
        String::from_utf8_lossy(&first.stdout)
    );
    let reread = sandbox.stats().calls_to(GET) - gets;
    assert!(
        (reread as usize) * 10 < lines,
        "{reread} of {lines} read again"
    );
    // Piped: no progress bar, nothing but lines on stdout.
    assert!(!String::from_utf8_lossy(&again.stderr).contains('\r'));

    // The batch lists through the same cache.
    let gets = sandbox.stats().calls_to(GET);
    let batch = cli(&sandbox, dir.path(), &["batch", "labels", "--limit", "5"]).await;
    assert!(
        batch.status.success(),
        "{}",
        String::from_utf8_lossy(&batch.stderr)
    );
    assert!((sandbox.stats().calls_to(GET) - gets) * 10 < lines as u64);

    // --full lists every order again.
    let gets = sandbox.stats().calls_to(GET);
    let full = cli(&sandbox, dir.path(), &["orders", "--full", "--json"]).await;
    assert!(full.status.success());
    assert!((sandbox.stats().calls_to(GET) - gets) as usize >= lines);
    let _ = LIST;
}

#[tokio::test]
async fn listing_by_update_time_returns_exactly_the_orders_changed_in_the_range_in_both_families() {
    use waybill_desk::wechat::shop::Updated;
    let sandbox = common::sandbox(200).await;
    let client = common::client(&sandbox);
    let picked = common::clean_orders(&client, &sandbox, 3).await;
    let ids = &picked;
    // A little in the future: nothing the generated data holds was stamped then.
    sandbox.set_clock_offset(3 * 86_400);
    let now = chrono::Utc::now().timestamp() + 3 * 86_400;
    sandbox.buyer_change(ids[0], BuyerChange::Cancel).unwrap();
    sandbox
        .buyer_change(ids[1], BuyerChange::OpenAftersale)
        .unwrap();
    sandbox
        .buyer_change(ids[2], BuyerChange::Note("周末不在家".into()))
        .unwrap();
    let (updated, pages) = client
        .shop(ShopKind::Channels)
        .list_updated(now - 60, now + 60)
        .await
        .unwrap();
    assert_eq!(pages, 1);
    let Updated::Ids(listed) = updated else {
        panic!("WeChat Shop lists ids")
    };
    let changed: BTreeSet<u64> = ids.iter().copied().collect();
    assert_eq!(self::ids(&listed), changed);

    let mut config = common::config(&sandbox);
    config.tokens = TokenSource::AppSecret {
        appid: DEMO_MINISHOP_APPID.into(),
        secret: Secret::new(DEMO_SECRET),
    };
    let mini = WechatClient::new(config).unwrap();
    let (updated, _) = mini
        .shop(ShopKind::Minishop)
        .list_updated(now - 60, now + 60)
        .await
        .unwrap();
    let Updated::Orders(orders) = updated else {
        panic!("the mini shop lists whole orders")
    };
    let got: BTreeSet<u64> = orders.iter().map(|o| o.order.id.0).collect();
    assert_eq!(got, changed);
    assert!(orders
        .iter()
        .all(|o| (now - 60..=now + 60).contains(&o.update_unix)));
}
