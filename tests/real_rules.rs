//! Issue 9, "Real WeChat rules": each numbered case end to end, through the station layer the
//! window uses and through the CLI binary, against the strict sandbox (300 sample orders, which
//! hold every case) and, where a case needs a shop the sandbox is not, against a small stand-in
//! built from the documents' own examples.

#![allow(clippy::unwrap_used)] // test helpers may panic: a panic is a failed test

mod common;

use std::collections::BTreeMap;
use std::path::Path;
use std::process::Output;

use serde_json::Value;
use waybill_desk::sandbox::model::{SbHold, SbOrder};
use waybill_desk::sandbox::{
    fake, Sandbox, SandboxConfig, DEMO_APPID, DEMO_MINISHOP_APPID, DEMO_SECRET,
};
use waybill_desk::station::{ShipRequest, Station, StationError, WaybillPlan};
use waybill_desk::store::waybills::CancelSource;
use waybill_desk::store::{Actor, Journal};
use waybill_desk::wechat::delivery::{ShipOutcome, SnInfo, WaybillRef};
use waybill_desk::wechat::logistics::LabelRequest;
use waybill_desk::wechat::order::{NoCourier, Order, ParcelItem};
use waybill_desk::wechat::shop::{OrderQuery, ShopKind};
use waybill_desk::wechat::{
    ClientConfig, DeliveryId, Lang, OrderId, PrintType, Refusal, Secret, TokenSource, WechatClient,
    WechatError,
};

const ORDERS: usize = 300;
const SEND: &str = "/channels/ec/order/delivery/send";
const MINI_SEND: &str = "/product/delivery/send";
const ADD: &str = "/cgi-bin/express/business/order/add";

// ---------- set-up ----------

async fn sandbox() -> Sandbox {
    common::sandbox(ORDERS).await
}

fn client_for(sb: &Sandbox, appid: &str) -> WechatClient {
    let mut config = ClientConfig::new(
        sb.url().clone(),
        TokenSource::AppSecret {
            appid: appid.into(),
            secret: Secret::new(DEMO_SECRET),
        },
    );
    config.retry = common::fast_retry();
    config.timeout_ms = 5_000;
    WechatClient::new(config).unwrap()
}

fn actor() -> Actor {
    Actor {
        station: "packing-1".into(),
        operator: "王芳".into(),
    }
}

fn station(sb: &Sandbox, dir: &Path, shop: ShopKind) -> Station {
    let appid = match shop {
        ShopKind::Channels => DEMO_APPID,
        ShopKind::Minishop => DEMO_MINISHOP_APPID,
    };
    Station::new(
        client_for(sb, appid),
        shop,
        Journal::open(dir).unwrap(),
        actor(),
    )
}

fn plan(courier: &str) -> WaybillPlan {
    WaybillPlan {
        delivery_id: DeliveryId(courier.into()),
        biz_id: "test_biz_id".into(),
        sender: common::sender(),
    }
}

/// Every order of the sandbox, as the client reads it (WeChat Shop family).
async fn all_orders(client: &WechatClient) -> Vec<Order> {
    let now = chrono::Utc::now().timestamp();
    client
        .shop(ShopKind::Channels)
        .list_orders(OrderQuery {
            created_from: now - 40 * 86_400,
            created_to: now + 60,
            status: None,
        })
        .await
        .unwrap()
}

/// The sandbox's own sample data (same seed, same order ids and cases), to find orders whose
/// special case the shop API does not show (holds, national subsidy).
fn sample() -> Vec<SbOrder> {
    fake::generate_orders(
        ORDERS,
        SandboxConfig::default().seed,
        chrono::Utc::now().timestamp(),
    )
}

fn sample_where(pred: impl Fn(&SbOrder) -> bool) -> Vec<u64> {
    sample()
        .into_iter()
        .filter(|o| o.status == 20 && pred(o))
        .map(|o| o.order_id)
        .collect()
}

fn sends(sb: &Sandbox) -> u64 {
    sb.stats().calls_to(SEND) + sb.stats().calls_to(MINI_SEND)
}

fn refusal(e: &StationError) -> &Refusal {
    e.refusal()
        .unwrap_or_else(|| panic!("expected a refusal, got {e:?}"))
}

async fn run(sb: &Sandbox, dir: &Path, args: &[&str]) -> Output {
    run_as(sb, dir, DEMO_APPID, args).await
}

async fn run_as(sb: &Sandbox, dir: &Path, appid: &str, args: &[&str]) -> Output {
    tokio::process::Command::new(env!("CARGO_BIN_EXE_waybill-desk"))
        .args(["--api-base", sb.url().as_str(), "--appid", appid])
        .env("WAYBILL_DESK_APPSECRET", DEMO_SECRET)
        .env("WAYBILL_DESK_DATA_DIR", dir.join("data"))
        .env("WAYBILL_DESK_LANG", "en")
        .env("WAYBILL_DESK_STATION", "packing-1")
        .args(args)
        .current_dir(dir)
        .output()
        .await
        .unwrap()
}

/// settings.json for CLI runs in `dir`: the warehouse as sender, SF as the batch courier, plus
/// `extra` keys.
fn settings(dir: &Path, extra: Value) {
    let mut s = serde_json::json!({
        "sender": {"name": "仓库小李", "mobile": "13800138000", "tel": "020-88888888",
                   "province": "广东省", "city": "深圳市", "area": "南山区",
                   "address": "科技园南路88号"},
        "delivery_id": "SF",
        "biz_id": "test_biz_id"
    });
    if let (Some(s), Some(extra)) = (s.as_object_mut(), extra.as_object()) {
        s.extend(extra.clone());
    }
    std::fs::create_dir_all(dir.join("data")).unwrap();
    std::fs::write(dir.join("data/settings.json"), s.to_string()).unwrap();
}

fn stdout(o: &Output) -> String {
    String::from_utf8_lossy(&o.stdout).into_owned()
}

fn stderr(o: &Output) -> String {
    String::from_utf8_lossy(&o.stderr).into_owned()
}

fn json_line(o: &Output) -> Value {
    let text = stdout(o);
    serde_json::from_str(text.lines().last().unwrap_or_default())
        .unwrap_or_else(|e| panic!("{e}: stdout {text} stderr {}", stderr(o)))
}

fn items_arg(items: &[ParcelItem]) -> String {
    items
        .iter()
        .map(|i| format!("{}:{}:{}", i.product_id, i.sku_id, i.count))
        .collect::<Vec<_>>()
        .join(",")
}

/// A to-be-shipped courier order without after-sales, holds or subsidy, with at least
/// `pieces` pieces left, other than `except`.
fn plain_order<'a>(orders: &'a [Order], pieces: u32, except: &[u64]) -> &'a Order {
    let special: Vec<u64> = sample_where(|o| o.hold.is_some() || o.national_subsidy);
    orders
        .iter()
        .find(|o| {
            o.status == 20
                && o.no_courier_reason().is_none()
                && !o.has_open_aftersale()
                && !o.address_change_pending
                && o.shippable_pieces() >= pieces
                && !special.contains(&o.id.0)
                && !except.contains(&o.id.0)
        })
        .expect("the sandbox has a plain order")
}

// ---------- 1. partly shipped orders, split shipping ----------

#[tokio::test]
async fn case1_partly_shipped_and_split_shipping_through_the_station() {
    let sb = sandbox().await;
    let dir = tempfile::tempdir().unwrap();
    let st = station(&sb, dir.path(), ShopKind::Channels);
    let orders = all_orders(st.client()).await;

    // A partly shipped order keeps its earlier parcel; only what is left is shipped.
    let partly = orders
        .iter()
        .find(|o| o.status == 21 && !o.has_open_aftersale() && o.shippable_pieces() > 0)
        .expect("the sandbox has a partly shipped order");
    let earlier = &partly.shipped_packages[0];
    assert!(!earlier.waybill_id.is_empty() && !earlier.delivery_id.is_empty());
    assert!(earlier.delivery_time > 0);
    assert!(!earlier.products.is_empty(), "the parcel's items are kept");
    for p in &partly.products {
        let left: u32 = partly
            .remaining_items()
            .iter()
            .filter(|i| i.product_id == p.product_id && i.sku_id == p.sku_id)
            .map(|i| i.count)
            .sum();
        assert_eq!(
            left,
            p.sku_cnt
                .saturating_sub(p.finish_aftersale_sku_cnt)
                .saturating_sub(partly.shipped_count(p.product_id, p.sku_id))
        );
    }
    let waybill = st.new_waybill(partly.id, &plan("SF")).await.unwrap();
    let report = st
        .ship_parcel(&ShipRequest::whole(partly.id, waybill.clone()))
        .await
        .unwrap();
    assert_eq!(report.outcome, ShipOutcome::Shipped);
    assert!(report.order_complete);
    assert_eq!(report.items, partly.remaining_items());
    assert_eq!(sb.order_status(partly.id.0), Some(30));
    let after = st
        .client()
        .shop(ShopKind::Channels)
        .get_order(partly.id)
        .await
        .unwrap();
    assert_eq!(after.shipped_packages.len(), 2);
    assert!(after.has_parcel_with_waybill(&waybill.waybill_id.0));

    // Split shipping: one piece now, the rest later.
    let order = plain_order(&orders, 2, &[partly.id.0]);
    let left = order.remaining_items();
    let first = ParcelItem {
        count: 1,
        ..left[0]
    };
    let w1 = st.new_waybill(order.id, &plan("ZTO")).await.unwrap();
    let before = sends(&sb);
    // More than is left: refused with no call.
    let too_many = ShipRequest {
        items: Some(vec![ParcelItem {
            count: left[0].count + 1,
            ..left[0]
        }]),
        ..ShipRequest::whole(order.id, w1.clone())
    };
    let e = st.ship_parcel(&too_many).await.unwrap_err();
    assert!(
        matches!(refusal(&e), Refusal::MoreThanLeft { asked, left: l, .. } if *asked == left[0].count + 1 && *l == left[0].count),
        "{e:?}"
    );
    assert!(
        e.explain(Lang::En).contains("only"),
        "{}",
        e.explain(Lang::En)
    );
    let not_in_order = ShipRequest {
        items: Some(vec![ParcelItem {
            product_id: 1,
            sku_id: 2,
            count: 1,
        }]),
        ..ShipRequest::whole(order.id, w1.clone())
    };
    assert!(matches!(
        refusal(&st.ship_parcel(&not_in_order).await.unwrap_err()),
        Refusal::NotInOrder { .. }
    ));
    assert_eq!(sends(&sb), before, "refusals make no call");

    // The first parcel's label is fetched (and recorded) before it ships.
    let label_request = LabelRequest {
        order_id: order.id.logistics_id(),
        delivery_id: w1.delivery_id.clone(),
        waybill_id: Some(w1.waybill_id.clone()),
    };
    assert!(st
        .fetch_labels(&[label_request], PrintType::TwoPart)
        .await
        .remove(0)
        .is_ok());
    let one = ShipRequest {
        items: Some(vec![first]),
        ..ShipRequest::whole(order.id, w1.clone())
    };
    let r1 = st.ship_parcel(&one).await.unwrap();
    assert_eq!(r1.outcome, ShipOutcome::Shipped);
    assert!(!r1.order_complete, "the rest stays to be shipped");
    assert_eq!(r1.items, vec![first]);
    assert_eq!(sb.order_status(order.id.0), Some(21));
    // A label batch for the rest does not reuse the first parcel's waybill.
    let partly_now = st
        .client()
        .shop(ShopKind::Channels)
        .get_order(order.id)
        .await
        .unwrap();
    assert_eq!(
        partly_now
            .remaining_items()
            .iter()
            .map(|i| i.count)
            .sum::<u32>(),
        order.shippable_pieces() - 1
    );
    let batch = st
        .plan_label_batch(
            std::slice::from_ref(&partly_now),
            &waybill_desk::station::LabelBatchPlan {
                print_type: PrintType::TwoPart,
                delivery_id: DeliveryId("ZTO".into()),
                biz_id: "b".into(),
                sender: common::sender(),
            },
        )
        .await
        .unwrap();
    let item = st
        .journal()
        .batch_items(batch, false)
        .await
        .unwrap()
        .remove(0);
    assert_eq!(item.waybill_id, None, "a new waybill for the rest");
    let cargo = &item.add_request.unwrap()["cargo"]["detail_list"];
    let pieces: u64 = cargo
        .as_array()
        .unwrap()
        .iter()
        .map(|d| d["count"].as_u64().unwrap())
        .sum();
    assert_eq!(
        pieces,
        u64::from(order.shippable_pieces() - 1),
        "only what is left goes on the waybill"
    );
    // The same parcel again (a second click) sends nothing.
    let again = st.ship_parcel(&one).await.unwrap();
    assert_eq!(again.outcome, ShipOutcome::AlreadyShipped);
    assert_eq!(sends(&sb), before + 1);

    let w2 = st.new_waybill(order.id, &plan("ZTO")).await;
    // The sandbox answers the same waybill for the same order and courier; take another courier.
    let w2 = match w2 {
        Ok(w) if w.waybill_id != w1.waybill_id => w,
        _ => st.new_waybill(order.id, &plan("YTO")).await.unwrap(),
    };
    let r2 = st
        .ship_parcel(&ShipRequest::whole(order.id, w2))
        .await
        .unwrap();
    assert_eq!(r2.outcome, ShipOutcome::Shipped);
    assert!(r2.order_complete);
    let mut expected = left.clone();
    expected[0].count -= 1;
    expected.retain(|i| i.count > 0);
    assert_eq!(r2.items, expected, "only what was left");
    assert_eq!(sb.order_status(order.id.0), Some(30));
    // Now the journal knows the order is shipped and answers without a call.
    let done = st
        .ship_parcel(&ShipRequest::whole(order.id, w1))
        .await
        .unwrap();
    assert!(done.from_journal);
    assert_eq!(sends(&sb), before + 2);
    let parcels = st.journal().parcels(order.id).await.unwrap();
    assert!(parcels.iter().any(|p| !p.completes_order));
    assert!(parcels.iter().any(|p| p.completes_order));
}

#[tokio::test]
async fn case1_split_shipping_through_the_cli() {
    let sb = sandbox().await;
    let dir = tempfile::tempdir().unwrap();
    settings(dir.path(), Value::Null);
    let client = common::client(&sb);
    let orders = all_orders(&client).await;
    let order = plain_order(&orders, 2, &[]);
    let id = order.id.to_string();
    let left = order.remaining_items();
    let add = run(
        &sb,
        dir.path(),
        &[
            "waybill",
            "add",
            &id,
            "--delivery-id",
            "SF",
            "--biz-id",
            "b",
            "--json",
        ],
    )
    .await;
    assert!(add.status.success(), "{}", stderr(&add));
    let waybill = format!("SF:{}", json_line(&add)["waybill_id"].as_str().unwrap());

    let over = items_arg(&[ParcelItem {
        count: left[0].count + 1,
        ..left[0]
    }]);
    let refused = run(
        &sb,
        dir.path(),
        &["ship", &id, "--waybill", &waybill, "--items", &over],
    )
    .await;
    assert_eq!(refused.status.code(), Some(1));
    assert!(
        stdout(&refused).contains("left to ship"),
        "{}",
        stdout(&refused)
    );
    assert_eq!(sends(&sb), 0);

    let one = items_arg(&[ParcelItem {
        count: 1,
        ..left[0]
    }]);
    let first = run(
        &sb,
        dir.path(),
        &[
            "ship",
            &id,
            "--waybill",
            &waybill,
            "--items",
            &one,
            "--json",
        ],
    )
    .await;
    let v = json_line(&first);
    assert_eq!(v["ok"], true, "{v}");
    assert_eq!(v["order_complete"], false);
    assert_eq!(v["items"][0], one.as_str());
    assert_eq!(sb.order_status(order.id.0), Some(21));

    let add2 = run(
        &sb,
        dir.path(),
        &[
            "waybill",
            "add",
            &id,
            "--delivery-id",
            "YTO",
            "--biz-id",
            "b",
            "--json",
        ],
    )
    .await;
    let waybill2 = format!("YTO:{}", json_line(&add2)["waybill_id"].as_str().unwrap());
    let rest = run(&sb, dir.path(), &["ship", &id, "--waybill", &waybill2]).await;
    assert!(rest.status.success(), "{}", stdout(&rest));
    assert!(stdout(&rest).contains("shipped"));
    assert_eq!(sb.order_status(order.id.0), Some(30));

    // The orders list shows the earlier parcels.
    let list = run(
        &sb,
        dir.path(),
        &["orders", "--status", "30", "--days", "40"],
    )
    .await;
    let line = stdout(&list)
        .lines()
        .find(|l| l.starts_with(&id))
        .unwrap()
        .to_string();
    assert!(line.contains("parcels"), "{line}");
}

// ---------- 2. addresses ----------

#[tokio::test]
async fn case2_house_number_reaches_the_courier_and_both_phones_show() {
    let sb = sandbox().await;
    let dir = tempfile::tempdir().unwrap();
    let st = station(&sb, dir.path(), ShopKind::Channels);
    let orders = all_orders(st.client()).await;
    let order = orders
        .iter()
        .find(|o| {
            o.status == 20 && o.no_courier_reason().is_none() && !o.address.house_number.is_empty()
        })
        .expect("the sandbox has an order with a house number");
    let a = &order.address;
    assert!(!a.national_code.is_empty(), "national_code is kept");
    assert!(a.one_line().contains(&a.house_number), "{}", a.one_line());
    assert!(a.one_line().starts_with(&a.province_name));

    let waybill = st.new_waybill(order.id, &plan("SF")).await.unwrap();
    let event = sb
        .events()
        .into_iter()
        .find(|e| e.waybill_id == waybill.waybill_id.0)
        .unwrap();
    let contact = st
        .client()
        .logistics()
        .contact(&event.token, &waybill.waybill_id)
        .await
        .unwrap();
    assert!(
        contact.receiver.address.contains(&a.house_number),
        "the courier gets the flat number: {}",
        contact.receiver.address
    );

    // CLI: the order JSON has the house number; contact shows tel and mobile.
    settings(dir.path(), Value::Null);
    let listed = run(&sb, dir.path(), &["orders", "--json"]).await;
    let found: Value = stdout(&listed)
        .lines()
        .map(|l| serde_json::from_str::<Value>(l).unwrap())
        .find(|v| v["id"].as_u64() == Some(order.id.0))
        .unwrap();
    assert_eq!(found["address"]["house_number"], a.house_number.as_str());
    let id = order.id.to_string();
    let add = run(
        &sb,
        dir.path(),
        &[
            "waybill",
            "add",
            &id,
            "--delivery-id",
            "YTO",
            "--biz-id",
            "b",
            "--json",
        ],
    )
    .await;
    let w = json_line(&add)["waybill_id"].as_str().unwrap().to_string();
    let token = sb
        .events()
        .into_iter()
        .find(|e| e.waybill_id == w)
        .unwrap()
        .token;
    let shown = run(&sb, dir.path(), &["contact", &w, "--token", &token]).await;
    let text = stdout(&shown);
    assert!(text.contains("13800138000 / 020-88888888"), "{text}");
    assert!(text.contains(&a.house_number), "{text}");
}

// ---------- 3. cancelled waybills ----------

#[tokio::test]
async fn case3_cancelled_waybill_is_never_printed_reused_or_shipped_station() {
    let sb = sandbox().await;
    let dir = tempfile::tempdir().unwrap();
    let st = station(&sb, dir.path(), ShopKind::Channels);
    let orders = all_orders(st.client()).await;
    let order = plain_order(&orders, 1, &[]);

    // Cancelled behind the journal's back: WeChat's order_status 1 is an error for that order,
    // and the journal learns it.
    let w = st.new_waybill(order.id, &plan("ZTO")).await.unwrap();
    let label_request = LabelRequest {
        order_id: order.id.logistics_id(),
        delivery_id: w.delivery_id.clone(),
        waybill_id: Some(w.waybill_id.clone()),
    };
    let (label, _) = st
        .fetch_labels(std::slice::from_ref(&label_request), PrintType::TwoPart)
        .await
        .remove(0)
        .unwrap();
    assert_eq!(label.order_status, 0);
    st.client()
        .logistics()
        .cancel_order(&order.id.logistics_id(), "", &w.delivery_id, &w.waybill_id)
        .await
        .unwrap();
    let labels_before = st.journal().label_count(order.id).await.unwrap();
    let err = st
        .fetch_labels(std::slice::from_ref(&label_request), PrintType::OnePart)
        .await
        .remove(0)
        .unwrap_err();
    assert!(
        matches!(refusal(&err), Refusal::WaybillCancelled { .. }),
        "{err:?}"
    );
    assert!(
        err.explain(Lang::ZhCn).contains("重新取"),
        "{}",
        err.explain(Lang::ZhCn)
    );
    assert!(err.explain(Lang::En).contains("Get a new waybill"));
    assert_eq!(
        st.journal().label_count(order.id).await.unwrap(),
        labels_before,
        "not stored"
    );
    let cancels = st.journal().cancelled_waybills(order.id).await.unwrap();
    assert_eq!(cancels[0].source, CancelSource::SeenCancelled);
    // Known now: no call at all the next time, no reprint of the old label, no shipment.
    let gets = sb.stats().calls_to("/cgi-bin/express/business/order/get")
        + sb.stats()
            .calls_to("/cgi-bin/express/business/order/batchget");
    let again = st
        .fetch_labels(std::slice::from_ref(&label_request), PrintType::TwoPart)
        .await
        .remove(0)
        .unwrap_err();
    assert!(matches!(refusal(&again), Refusal::WaybillCancelled { .. }));
    assert_eq!(
        sb.stats().calls_to("/cgi-bin/express/business/order/get")
            + sb.stats()
                .calls_to("/cgi-bin/express/business/order/batchget"),
        gets
    );
    assert!(matches!(
        refusal(&st.reprint_label(order.id).await.unwrap_err()),
        Refusal::WaybillCancelled { .. }
    ));
    let e = st
        .ship_parcel(&ShipRequest::whole(order.id, w.clone()))
        .await
        .unwrap_err();
    assert!(matches!(refusal(&e), Refusal::WaybillCancelled { .. }));
    assert_eq!(sends(&sb), 0);

    // A batch with this courier does not reuse it: it plans a new waybill.
    let batch = st
        .plan_label_batch(
            std::slice::from_ref(order),
            &waybill_desk::station::LabelBatchPlan {
                print_type: PrintType::TwoPart,
                delivery_id: DeliveryId("ZTO".into()),
                biz_id: "b".into(),
                sender: common::sender(),
            },
        )
        .await
        .unwrap();
    let items = st.journal().batch_items(batch, false).await.unwrap();
    assert_eq!(items[0].waybill_id, None);
    assert!(items[0].add_request.is_some());

    // Cancelled here: order/cancel once, recorded, then a new waybill is offered and ships.
    let w2 = st.new_waybill(order.id, &plan("SF")).await.unwrap();
    st.cancel_waybill(order.id, &w2).await.unwrap();
    st.cancel_waybill(order.id, &w2).await.unwrap();
    assert_eq!(
        sb.stats()
            .calls_to("/cgi-bin/express/business/order/cancel"),
        2,
        "one from the raw client, one from the station"
    );
    assert!(st.is_waybill_cancelled(&w2).await.unwrap());
    let w3 = st.new_waybill(order.id, &plan("YTO")).await.unwrap();
    assert_ne!(w3.waybill_id, w2.waybill_id);
    let r = st
        .ship_parcel(&ShipRequest::whole(order.id, w3))
        .await
        .unwrap();
    assert_eq!(r.outcome, ShipOutcome::Shipped);
}

#[tokio::test]
async fn case3_cancelled_waybill_through_the_cli() {
    let sb = sandbox().await;
    let dir = tempfile::tempdir().unwrap();
    settings(dir.path(), Value::Null);
    let client = common::client(&sb);
    let orders = all_orders(&client).await;
    let order = plain_order(&orders, 1, &[]);
    let id = order.id.to_string();
    let add = run(
        &sb,
        dir.path(),
        &[
            "waybill",
            "add",
            &id,
            "--delivery-id",
            "SF",
            "--biz-id",
            "b",
            "--json",
        ],
    )
    .await;
    let w = json_line(&add)["waybill_id"].as_str().unwrap().to_string();
    let cancel = run(
        &sb,
        dir.path(),
        &[
            "waybill",
            "cancel",
            &id,
            "--delivery-id",
            "SF",
            "--waybill-id",
            &w,
        ],
    )
    .await;
    assert!(
        cancel.status.success(),
        "{}{}",
        stdout(&cancel),
        stderr(&cancel)
    );
    assert!(stdout(&cancel).contains("recorded in the journal"));

    let labels = run(
        &sb,
        dir.path(),
        &["labels", &format!("{id}:SF:{w}"), "--out", "out"],
    )
    .await;
    assert_eq!(labels.status.code(), Some(1));
    assert!(
        stdout(&labels).contains("was cancelled"),
        "{}",
        stdout(&labels)
    );
    assert!(!dir.path().join("out").join(format!("{id}.html")).exists());
    let ship = run(
        &sb,
        dir.path(),
        &["ship", &id, "--waybill", &format!("SF:{w}")],
    )
    .await;
    assert_eq!(ship.status.code(), Some(1));
    assert!(
        stdout(&ship).contains("Get a new waybill"),
        "{}",
        stdout(&ship)
    );
    assert_eq!(sends(&sb), 0);
    let history = run(&sb, dir.path(), &["journal", "history", &id]).await;
    assert!(
        stdout(&history).contains(&format!("cancel    SF {w}  cancelled here")),
        "{}",
        stdout(&history)
    );
}

// ---------- 4. orders that take no courier ----------

#[tokio::test]
async fn case4_orders_without_courier_get_no_waybill_and_virtual_goods_ship_whole() {
    let sb = sandbox().await;
    let dir = tempfile::tempdir().unwrap();
    let st = station(&sb, dir.path(), ShopKind::Channels);
    let orders = all_orders(st.client()).await;
    let mut reasons: BTreeMap<&'static str, &Order> = BTreeMap::new();
    for o in orders.iter().filter(|o| o.status == 20) {
        if let Some(r) = o.no_courier_reason() {
            reasons.entry(r.as_str()).or_insert(o);
        }
    }
    for r in ["self_pickup", "same_city", "cannot_ship", "virtual"] {
        assert!(
            reasons.contains_key(r),
            "the sandbox has a {r} order: {:?}",
            reasons.keys()
        );
    }
    let plain: Vec<Order> = vec![plain_order(&orders, 1, &[]).clone()];
    let mut batch_orders: Vec<Order> = reasons.values().map(|o| (*o).clone()).collect();
    batch_orders.extend(plain.iter().cloned());

    let adds_before = sb.stats().calls_to(ADD);
    let batch = st
        .plan_label_batch(
            &batch_orders,
            &waybill_desk::station::LabelBatchPlan {
                print_type: PrintType::TwoPart,
                delivery_id: DeliveryId("SF".into()),
                biz_id: "b".into(),
                sender: common::sender(),
            },
        )
        .await
        .unwrap();
    let report = st
        .run_label_batch(batch, None, &waybill_desk::station::CancelToken::new())
        .await
        .unwrap();
    assert!(report.finished, "{report:?}");
    assert_eq!(report.total, 1, "only the courier order is in the batch");
    assert_eq!(report.skipped.len(), reasons.len());
    assert_eq!(report.skipped_by_reason().len(), reasons.len());
    assert_eq!(
        sb.stats().calls_to(ADD),
        adds_before + 1,
        "no waybill for the others"
    );

    // No waybill, no courier shipment for pickup / same-city / type 99.
    for r in ["self_pickup", "same_city", "cannot_ship"] {
        let o = reasons[r];
        let e = st.new_waybill(o.id, &plan("SF")).await.unwrap_err();
        assert!(matches!(refusal(&e), Refusal::NoCourier { .. }), "{e:?}");
        let pretend: WaybillRef = "SF:SF1234567890123".parse().unwrap();
        let e = st
            .ship_parcel(&ShipRequest::whole(o.id, pretend))
            .await
            .unwrap_err();
        assert!(matches!(refusal(&e), Refusal::NoCourier { .. }), "{e:?}");
        assert!(!e.explain(Lang::ZhCn).is_empty());
    }
    assert_eq!(sb.stats().calls_to(ADD), adds_before + 1);
    assert_eq!(sends(&sb), 0);

    // Virtual goods: the whole order with deliver_type 3, no waybill.
    let v = reasons["virtual"];
    let part = ShipRequest {
        order_id: v.id,
        waybill: None,
        items: Some(vec![ParcelItem {
            count: 1,
            ..v.remaining_items()[0]
        }]),
        sn: None,
    };
    if v.shippable_pieces() > 1 {
        assert!(matches!(
            refusal(&st.ship_parcel(&part).await.unwrap_err()),
            Refusal::VirtualWholeOrder(_)
        ));
    }
    let r = st
        .ship_parcel(&ShipRequest {
            order_id: v.id,
            waybill: None,
            items: None,
            sn: None,
        })
        .await
        .unwrap();
    assert_eq!(r.outcome, ShipOutcome::Shipped);
    assert_eq!(sb.order_status(v.id.0), Some(30));
    let attempt = st.journal().shipments(v.id).await.unwrap().pop().unwrap();
    let sent = attempt.request.unwrap();
    assert_eq!(sent["delivery_list"][0]["deliver_type"], 3);
    assert!(
        sent["delivery_list"][0].get("waybill_id").is_none(),
        "{sent}"
    );
}

#[tokio::test]
async fn case4_batch_skips_and_says_why_through_the_cli() {
    let sb = sandbox().await;
    let dir = tempfile::tempdir().unwrap();
    settings(dir.path(), Value::Null);
    let client = common::client(&sb);
    let orders = all_orders(&client).await;
    let expected = orders
        .iter()
        .filter(|o| o.status == 20 && o.no_courier_reason().is_some())
        .count();
    assert!(expected >= 4);
    let out = run(
        &sb,
        dir.path(),
        &["batch", "labels", "--days", "40", "--json"],
    )
    .await;
    let lines: Vec<Value> = stdout(&out)
        .lines()
        .map(|l| serde_json::from_str(l).unwrap())
        .collect();
    let skipped: Vec<&Value> = lines
        .iter()
        .filter(|l| l.get("skipped").is_some())
        .collect();
    assert_eq!(skipped.len(), expected, "{}", stderr(&out));
    assert!(skipped.iter().any(|l| l["skipped"] == "self_pickup"));
    assert!(stderr(&out).contains("skipped"), "{}", stderr(&out));
    for l in &skipped {
        let id = l["order_id"].as_str().unwrap();
        assert_eq!(sb.stats().add_calls.get(id), None, "no waybill for {id}");
    }

    // A virtual order ships with no --waybill.
    let v = orders
        .iter()
        .find(|o| o.status == 20 && o.no_courier_reason() == Some(NoCourier::Virtual))
        .unwrap();
    let shipped = run(&sb, dir.path(), &["ship", &v.id.to_string()]).await;
    assert!(shipped.status.success(), "{}", stdout(&shipped));
    assert_eq!(sb.order_status(v.id.0), Some(30));
    // A pickup order refuses with its reason.
    let p = orders
        .iter()
        .find(|o| o.status == 20 && o.no_courier_reason() == Some(NoCourier::SelfPickup))
        .unwrap();
    let refused = run(
        &sb,
        dir.path(),
        &["ship", &p.id.to_string(), "--waybill", "SF:SF1234567890123"],
    )
    .await;
    assert_eq!(refused.status.code(), Some(1));
    assert!(
        stdout(&refused).contains("Self-pickup"),
        "{}",
        stdout(&refused)
    );
}

// ---------- 5. mini shops never call channels/ec/order/delivery/send ----------

#[tokio::test]
async fn case5_mini_shop_ships_through_product_delivery_send() {
    let sb = sandbox().await;
    let dir = tempfile::tempdir().unwrap();
    let st = station(&sb, dir.path(), ShopKind::Minishop);
    let channels_view = all_orders(&common::client(&sb)).await;
    let order = plain_order(&channels_view, 1, &[]);
    // The mini shop reads the same order through its own family.
    let mini = st
        .client()
        .shop(ShopKind::Minishop)
        .get_order(order.id)
        .await
        .unwrap();
    assert_eq!(mini.remaining_items(), order.remaining_items());
    let w = st.new_waybill(order.id, &plan("YUNDA")).await.unwrap();
    let r = st
        .ship_parcel(&ShipRequest::whole(order.id, w))
        .await
        .unwrap();
    assert_eq!(r.outcome, ShipOutcome::Shipped);
    assert_eq!(sb.stats().calls_to(MINI_SEND), 1);
    assert_eq!(
        sb.stats().calls_to(SEND),
        0,
        "never the WeChat Shop endpoint"
    );
    assert_eq!(sb.stats().calls_to("/product/delivery/get_company_list"), 1);
    assert_eq!(sb.order_status(order.id.0), Some(30));
    let sent = st
        .journal()
        .shipments(order.id)
        .await
        .unwrap()
        .pop()
        .unwrap()
        .request
        .unwrap();
    assert_eq!(sent["delivery_list"][0]["delivery_id"], "YD");

    // What the mini shop's API has no field for is refused, no call.
    let v = channels_view
        .iter()
        .find(|o| o.status == 20 && o.is_virtual())
        .unwrap();
    let e = st
        .ship_parcel(&ShipRequest {
            order_id: v.id,
            waybill: None,
            items: None,
            sn: None,
        })
        .await
        .unwrap_err();
    assert!(
        matches!(refusal(&e), Refusal::MinishopCannot { .. }),
        "{e:?}"
    );
    assert!(e.explain(Lang::ZhCn).contains("小商店"));
    assert_eq!(sb.stats().calls_to(MINI_SEND), 1);

    // The CLI with --shop minishop: the same endpoint.
    settings(dir.path(), Value::Null);
    let other = plain_order(&channels_view, 1, &[order.id.0]);
    let id = other.id.to_string();
    let add = run_as(
        &sb,
        dir.path(),
        DEMO_MINISHOP_APPID,
        &[
            "--shop",
            "minishop",
            "waybill",
            "add",
            &id,
            "--delivery-id",
            "SF",
            "--biz-id",
            "b",
            "--json",
        ],
    )
    .await;
    assert!(add.status.success(), "{}{}", stdout(&add), stderr(&add));
    let w = json_line(&add)["waybill_id"].as_str().unwrap().to_string();
    let ship = run_as(
        &sb,
        dir.path(),
        DEMO_MINISHOP_APPID,
        &[
            "--shop",
            "minishop",
            "ship",
            &id,
            "--waybill",
            &format!("SF:{w}"),
        ],
    )
    .await;
    assert!(ship.status.success(), "{}{}", stdout(&ship), stderr(&ship));
    assert_eq!(sb.stats().calls_to(MINI_SEND), 2);
    assert_eq!(sb.stats().calls_to(SEND), 0);
}

// ---------- 6. courier ids from the shop's list ----------

#[tokio::test]
async fn case6_shipments_carry_the_shop_list_courier_id() {
    let sb = sandbox().await;
    let dir = tempfile::tempdir().unwrap();
    let st = station(&sb, dir.path(), ShopKind::Channels);
    let orders = all_orders(st.client()).await;
    let map = st.courier_map().await.unwrap();
    assert_eq!(map.lookup("YUNDA").map(|m| m.0), Some("YD".into()));
    assert_eq!(map.lookup("DB").map(|m| m.0), Some("DBL".into()));
    assert_eq!(map.lookup("ZTO").map(|m| m.0), Some("ZTO".into()));

    let mut used = Vec::new();
    for (courier, shop_id) in [("YUNDA", "YD"), ("DB", "DBL")] {
        let order = plain_order(&orders, 1, &used);
        used.push(order.id.0);
        let w = st.new_waybill(order.id, &plan(courier)).await.unwrap();
        assert_eq!(
            w.delivery_id.0, courier,
            "the waybill keeps its logistics id"
        );
        let r = st
            .ship_parcel(&ShipRequest::whole(order.id, w))
            .await
            .unwrap();
        assert_eq!(r.outcome, ShipOutcome::Shipped, "{courier}");
        let sent = st
            .journal()
            .shipments(order.id)
            .await
            .unwrap()
            .pop()
            .unwrap()
            .request
            .unwrap();
        assert_eq!(sent["delivery_list"][0]["delivery_id"], shop_id);
    }
    // Both lists were loaded once for the station.
    assert_eq!(
        sb.stats()
            .calls_to("/channels/ec/order/deliverycompanylist/get"),
        1
    );

    // Settings fix a mapping by hand (the CLI reads courier_map from settings.json).
    let order = plain_order(&orders, 1, &used);
    let id = order.id.to_string();
    let cli_dir = dir.path().join("cli");
    settings(
        &cli_dir,
        serde_json::json!({"courier_map": {"YUNDA": "OTHER"}}),
    );
    let couriers = run(&sb, &cli_dir, &["couriers"]).await;
    assert!(
        stdout(&couriers).contains("YUNDA  韵达快递  -> OTHER"),
        "{}",
        stdout(&couriers)
    );
    assert!(
        stdout(&couriers).contains("DB  德邦快递  -> DBL"),
        "{}",
        stdout(&couriers)
    );
    let add = run(
        &sb,
        &cli_dir,
        &[
            "waybill",
            "add",
            &id,
            "--delivery-id",
            "YUNDA",
            "--biz-id",
            "b",
            "--json",
        ],
    )
    .await;
    let w = json_line(&add)["waybill_id"].as_str().unwrap().to_string();
    let ship = run(
        &sb,
        &cli_dir,
        &["ship", &id, "--waybill", &format!("YUNDA:{w}")],
    )
    .await;
    assert!(ship.status.success(), "{}{}", stdout(&ship), stderr(&ship));
    let journal = Journal::open(&cli_dir.join("data")).unwrap();
    let sent = journal
        .shipments(order.id)
        .await
        .unwrap()
        .pop()
        .unwrap()
        .request
        .unwrap();
    assert_eq!(sent["delivery_list"][0]["delivery_id"], "OTHER");
}

/// A stand-in shop whose courier list lacks 德邦 (built from seed 003's example list shape and
/// the logistics list): a main courier with no shop id is refused, never sent as OTHER or with
/// its logistics id.
#[tokio::test]
async fn case6_main_courier_missing_from_the_shop_list_is_refused_without_a_call() {
    let stand_in = standin::start(standin::Shop {
        shop_couriers: vec![("SF", "顺丰速运"), ("YD", "韵达快递"), ("OTHER", "其他")],
    })
    .await;
    let dir = tempfile::tempdir().unwrap();
    let st = standin::station(&stand_in, dir.path());
    let e = st
        .ship_parcel(&ShipRequest::whole(
            OrderId(standin::ORDER_ID),
            "DB:7123456789012".parse().unwrap(),
        ))
        .await
        .unwrap_err();
    assert!(
        matches!(refusal(&e), Refusal::CourierNotMapped { delivery_id, name } if delivery_id == "DB" && name == "德邦快递"),
        "{e:?}"
    );
    assert!(e.explain(Lang::ZhCn).contains("快递公司对照"));
    assert_eq!(stand_in.sends(), 0);
}

// ---------- 7. orders WeChat blocks ----------

#[tokio::test]
async fn case7_blocked_orders_are_explained_and_subsidy_orders_take_an_sn() {
    let sb = sandbox().await;
    let dir = tempfile::tempdir().unwrap();
    let st = station(&sb, dir.path(), ShopKind::Channels);
    let hold = |h: fn(&SbHold) -> bool| {
        sample_where(move |o| o.hold.as_ref().is_some_and(h) && !o.national_subsidy)
            .into_iter()
            .next()
            .expect("the sandbox has the hold")
    };
    let cases: [(u64, i64, &str, &str); 4] = [
        (
            hold(|h| matches!(h, SbHold::AddressChange { .. })),
            10020115,
            "地址",
            "address",
        ),
        (
            hold(|h| matches!(h, SbHold::SkuChange)),
            10020276,
            "规格",
            "SKU",
        ),
        (
            hold(|h| matches!(h, SbHold::Risk)),
            606049,
            "不要发货",
            "Do not ship",
        ),
        (
            hold(|h| matches!(h, SbHold::EwaybillOnly)),
            606046,
            "电子面单",
            "e-waybill",
        ),
    ];
    for (id, code, zh, en) in cases {
        let id = OrderId(id);
        let w = st.new_waybill(id, &plan("SF")).await.unwrap();
        let e = st
            .ship_parcel(&ShipRequest::whole(id, w))
            .await
            .unwrap_err();
        // An address change shows in the order itself and is refused before the call;
        // the others come back from WeChat with their code.
        match code {
            10020115 => assert!(
                matches!(refusal(&e), Refusal::AddressChangePending(_)),
                "{e:?}"
            ),
            _ => assert_eq!(e.errcode(), Some(code), "{e:?}"),
        }
        assert!(
            e.explain(Lang::ZhCn).contains(zh),
            "{code}: {}",
            e.explain(Lang::ZhCn)
        );
        assert!(
            e.explain(Lang::En).contains(en),
            "{code}: {}",
            e.explain(Lang::En)
        );
        assert_eq!(sb.order_status(id.0), Some(20));
    }
    // The order list says so too, before anyone packs it.
    let address_change = OrderId(hold(|h| matches!(h, SbHold::AddressChange { .. })));
    let listed = run(&sb, dir.path(), &["orders", "--days", "40"]).await;
    let line = stdout(&listed)
        .lines()
        .find(|l| l.starts_with(&address_change.to_string()))
        .unwrap()
        .to_string();
    assert!(line.contains("asked for a new address"), "{line}");
    // The code table itself explains each, with what to do.
    for code in [
        10020115,
        10020276,
        606046,
        606049,
        606060,
        606061,
        268_545_000,
        268_545_011,
    ] {
        let e = WechatError::Api {
            endpoint: SEND,
            errcode: code,
            errmsg: String::new(),
        };
        assert!(!e.explain(Lang::ZhCn).contains("未知"), "{code}");
        assert!(!e.explain(Lang::En).contains("unknown"), "{code}");
    }

    // National subsidy: 606060 asks for the SN; a non-subsidy courier is 606061; SF with the SN ships.
    let subsidy = OrderId(sample_where(|o| o.national_subsidy && o.hold.is_none())[0]);
    let w = st.new_waybill(subsidy, &plan("SF")).await.unwrap();
    let e = st
        .ship_parcel(&ShipRequest::whole(subsidy, w.clone()))
        .await
        .unwrap_err();
    assert!(matches!(e, StationError::SnRequired { .. }), "{e:?}");
    assert_eq!(e.errcode(), Some(606060));
    assert!(e.explain(Lang::ZhCn).contains("SN"));
    let zto = st.new_waybill(subsidy, &plan("ZTO")).await.unwrap();
    let sn = SnInfo::new("SN20261130001", &["860000000000001".into()]).unwrap();
    let e = st
        .ship_parcel(&ShipRequest {
            sn: Some(sn.clone()),
            ..ShipRequest::whole(subsidy, zto)
        })
        .await
        .unwrap_err();
    assert_eq!(e.errcode(), Some(606061));
    assert!(
        e.explain(Lang::En).contains("courier"),
        "{}",
        e.explain(Lang::En)
    );
    let r = st
        .ship_parcel(&ShipRequest {
            sn: Some(sn),
            ..ShipRequest::whole(subsidy, w)
        })
        .await
        .unwrap();
    assert_eq!(r.outcome, ShipOutcome::Shipped);
    let sent = st
        .journal()
        .shipments(subsidy)
        .await
        .unwrap()
        .pop()
        .unwrap()
        .request
        .unwrap();
    assert_eq!(
        sent["delivery_list"][0]["sn_info"]["sn_code"],
        "SN20261130001"
    );
    assert_eq!(
        sent["delivery_list"][0]["sn_info"]["imei1"],
        "860000000000001"
    );
}

#[tokio::test]
async fn case7_sn_prompt_and_holds_through_the_cli() {
    let sb = sandbox().await;
    let dir = tempfile::tempdir().unwrap();
    settings(dir.path(), Value::Null);
    let subsidy = sample_where(|o| o.national_subsidy && o.hold.is_none())[0].to_string();
    let add = run(
        &sb,
        dir.path(),
        &[
            "waybill",
            "add",
            &subsidy,
            "--delivery-id",
            "SF",
            "--biz-id",
            "b",
            "--json",
        ],
    )
    .await;
    let waybill = format!("SF:{}", json_line(&add)["waybill_id"].as_str().unwrap());
    let first = run(
        &sb,
        dir.path(),
        &["ship", &subsidy, "--waybill", &waybill, "--json"],
    )
    .await;
    assert_eq!(first.status.code(), Some(1));
    let v = json_line(&first);
    assert_eq!(v["errcode"], 606060);
    assert_eq!(v["need_sn"], true);
    let second = run(
        &sb,
        dir.path(),
        &[
            "ship",
            &subsidy,
            "--waybill",
            &waybill,
            "--sn",
            "SN7788",
            "--imei",
            "861234567890123",
            "--json",
        ],
    )
    .await;
    let v = json_line(&second);
    assert_eq!(v["ok"], true, "{v}");
    assert_eq!(sb.order_status(subsidy.parse().unwrap()), Some(30));

    let risk = sample_where(|o| o.hold == Some(SbHold::Risk))[0].to_string();
    let add = run(
        &sb,
        dir.path(),
        &[
            "waybill",
            "add",
            &risk,
            "--delivery-id",
            "SF",
            "--biz-id",
            "b",
            "--json",
        ],
    )
    .await;
    let waybill = format!("SF:{}", json_line(&add)["waybill_id"].as_str().unwrap());
    let held = run(
        &sb,
        dir.path(),
        &["--lang", "zh-cn", "ship", &risk, "--waybill", &waybill],
    )
    .await;
    assert_eq!(held.status.code(), Some(1));
    assert!(
        stdout(&held).contains("606049") && stdout(&held).contains("不要发货"),
        "{}",
        stdout(&held)
    );
}

/// A minimal WeChat stand-in for cases the sandbox does not cover: one order (seed 002's
/// example shape) and a configurable shop courier list. Counts `delivery/send` calls.
mod standin {
    use std::sync::atomic::{AtomicU64, Ordering};
    use std::sync::Arc;

    use axum::routing::{get, post};
    use axum::{Json, Router};
    use serde_json::{json, Value};

    use super::*;

    pub const ORDER_ID: u64 = 3_705_115_058_471_208_928;

    #[derive(Clone)]
    pub struct Shop {
        pub shop_couriers: Vec<(&'static str, &'static str)>,
    }

    pub struct StandIn {
        pub url: url::Url,
        sends: Arc<AtomicU64>,
    }

    impl StandIn {
        pub fn sends(&self) -> u64 {
            self.sends.load(Ordering::SeqCst)
        }
    }

    pub async fn start(shop: Shop) -> StandIn {
        let sends = Arc::new(AtomicU64::new(0));
        let companies: Vec<Value> = shop
            .shop_couriers
            .iter()
            .map(|(id, name)| json!({"delivery_id": id, "delivery_name": name}))
            .collect();
        let counter = Arc::clone(&sends);
        let app = Router::new()
            .route(
                "/cgi-bin/stable_token",
                post(|| async { Json(json!({"access_token": "standin-token", "expires_in": 7200})) }),
            )
            .route(
                "/cgi-bin/express/business/delivery/getall",
                get(|| async {
                    Json(json!({"count": 3, "data": [
                        {"delivery_id": "SF", "delivery_name": "顺丰速运"},
                        {"delivery_id": "YUNDA", "delivery_name": "韵达快递"},
                        {"delivery_id": "DB", "delivery_name": "德邦快递"}]}))
                }),
            )
            .route(
                "/channels/ec/order/deliverycompanylist/get",
                post(move || {
                    let companies = companies.clone();
                    async move { Json(json!({"errcode": 0, "errmsg": "ok", "company_list": companies})) }
                }),
            )
            .route(
                "/channels/ec/order/get",
                post(|| async {
                    Json(json!({"errcode": 0, "errmsg": "ok", "order": {
                        "order_id": ORDER_ID, "status": 20, "create_time": 1_700_000_000,
                        "order_detail": {
                            "product_infos": [{"product_id": 234245, "sku_id": 23424, "sku_cnt": 1,
                                "title": "健身环", "finish_aftersale_sku_cnt": 0,
                                "on_aftersale_sku_cnt": 0}],
                            "delivery_info": {"address_info": {"user_name": "陈先生",
                                "province_name": "广东", "city_name": "广州", "county_name": "海珠区",
                                "detail_info": "大塘", "house_number": "3栋502",
                                "national_code": "234234", "tel_number": "24534252"}}
                        }
                    }}))
                }),
            )
            .route(
                "/channels/ec/order/delivery/send",
                post(move |Json(_body): Json<Value>| {
                    let counter = Arc::clone(&counter);
                    async move {
                        counter.fetch_add(1, Ordering::SeqCst);
                        Json(json!({"errcode": 0, "errmsg": "ok"}))
                    }
                }),
            );
        let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
        let addr = listener.local_addr().unwrap();
        tokio::spawn(async move {
            let _ = axum::serve(listener, app).await;
        });
        StandIn {
            url: format!("http://{addr}/").parse().unwrap(),
            sends,
        }
    }

    pub fn station(s: &StandIn, dir: &Path) -> Station {
        let mut config = ClientConfig::new(
            s.url.clone(),
            TokenSource::AppSecret {
                appid: "wxstandin".into(),
                secret: Secret::new("standin-secret"),
            },
        );
        config.retry = common::fast_retry();
        Station::new(
            WechatClient::new(config).unwrap(),
            ShopKind::Channels,
            Journal::open(dir).unwrap(),
            actor(),
        )
    }
}

/// A lost answer to the second parcel of a split shipment: the order stays in status 21, so the
/// re-read must recognise the parcel by its waybill (not by a status change) and never send it
/// again.
#[tokio::test]
async fn case1_lost_answer_to_a_later_parcel_is_settled_by_its_waybill() {
    let sb = sandbox().await;
    let dir = tempfile::tempdir().unwrap();
    let st = station(&sb, dir.path(), ShopKind::Channels);
    let orders = all_orders(st.client()).await;
    let order = plain_order(&orders, 3, &[]);
    let left = order.remaining_items();
    // One piece per parcel: from a line that has two, or from the next line when the first
    // has one (which lines the sample order has depends on the time of day).
    let first_line = left.iter().position(|i| i.count >= 1).unwrap();
    let second_line = if left[first_line].count >= 2 {
        first_line
    } else {
        left.iter()
            .enumerate()
            .position(|(n, i)| n > first_line && i.count >= 1)
            .unwrap()
    };
    let piece = |line: usize, w: WaybillRef| ShipRequest {
        items: Some(vec![ParcelItem {
            count: 1,
            ..left[line]
        }]),
        ..ShipRequest::whole(order.id, w)
    };
    let one = |w: WaybillRef| piece(second_line, w);
    let w1 = st.new_waybill(order.id, &plan("SF")).await.unwrap();
    st.ship_parcel(&piece(first_line, w1)).await.unwrap();
    assert_eq!(sb.order_status(order.id.0), Some(21));

    let w2 = st.new_waybill(order.id, &plan("YTO")).await.unwrap();
    sb.set_faults(waybill_desk::sandbox::Faults::one(
        "delivery/send",
        waybill_desk::sandbox::Fault::ApplyThenHttpStatus { status: 502 },
        1,
    ));
    let r = st.ship_parcel(&one(w2.clone())).await.unwrap();
    assert_eq!(r.outcome, ShipOutcome::ShippedConfirmedOnReread);
    assert!(!r.order_complete);
    assert_eq!(
        sb.order_status(order.id.0),
        Some(21),
        "still partly shipped"
    );
    // Asked again: the parcel is found among the order's parcels; nothing is sent.
    let again = st.ship_parcel(&one(w2)).await.unwrap();
    assert_eq!(again.outcome, ShipOutcome::AlreadyShipped);
    assert_eq!(sb.stats().calls_to(SEND), 2);
}
