//! One test per WeChat endpoint, against the sandbox on 127.0.0.1:0.

#![allow(clippy::unwrap_used)] // test helpers may panic: a panic is a failed test

mod common;

use waybill_desk::wechat::delivery::{build_delivery_request, ShipOutcome};
use waybill_desk::wechat::logistics::LabelRequest;
use waybill_desk::wechat::shop::{OrderQuery, ShopKind};
use waybill_desk::wechat::{DeliveryId, OrderId, PrintType, WaybillId, WechatError};

const TWO_POW_53: u64 = 1 << 53;

fn last_days(days: i64) -> OrderQuery {
    let now = chrono::Utc::now().timestamp();
    OrderQuery {
        created_from: now - days * 86_400,
        created_to: now + 60,
        status: Some(20),
    }
}

#[tokio::test]
async fn stable_token_is_fetched_once_and_reused() {
    let sb = common::sandbox(20).await;
    let client = common::client(&sb);
    client.logistics().couriers().await.unwrap();
    client.logistics().couriers().await.unwrap();
    assert_eq!(sb.stats().tokens_issued, 1);
    assert_eq!(sb.stats().calls_to("/cgi-bin/stable_token"), 1);
}

#[tokio::test]
async fn wrong_secret_is_40125_with_a_clear_message() {
    let sb = common::sandbox(5).await;
    let mut config = common::config(&sb);
    config.tokens = waybill_desk::wechat::TokenSource::AppSecret {
        appid: waybill_desk::sandbox::DEMO_APPID.into(),
        secret: waybill_desk::wechat::Secret::new("wrong-secret-xyz"),
    };
    let client = waybill_desk::wechat::WechatClient::new(config).unwrap();
    let err = client.logistics().couriers().await.unwrap_err();
    assert_eq!(err.errcode(), Some(40125));
    let text = err.explain(waybill_desk::wechat::Lang::ZhCn);
    assert!(text.contains("AppSecret"), "{text}");
    assert!(!format!("{err} {err:?} {text}").contains("wrong-secret-xyz"));
}

#[tokio::test]
async fn channels_list_and_get_cover_every_to_be_shipped_order() {
    let sb = common::sandbox(300).await;
    let client = common::client(&sb);
    let orders = client
        .shop(ShopKind::Channels)
        .list_orders(last_days(30))
        .await
        .unwrap();
    let mut expected = sb.order_ids_with_status(20);
    expected.sort_unstable();
    let mut got: Vec<u64> = orders.iter().map(|o| o.id.0).collect();
    got.sort_unstable();
    assert_eq!(got, expected);
    assert!(orders.len() > 100, "pages were followed: {}", orders.len());
    // 30 days = 5 windows of at most 7 days, plus extra pages where a window has > 100 orders.
    assert!(sb.stats().calls_to("/channels/ec/order/list/get") >= 5);
    assert!(orders
        .iter()
        .all(|o| o.status == 20 && !o.products.is_empty()));
    assert!(orders.iter().any(|o| o.id.0 > TWO_POW_53));
    assert!(orders.iter().all(|o| !o.address.user_name.is_empty()));
}

#[tokio::test]
async fn minishop_list_and_get_match_channels() {
    let sb = common::sandbox(150).await;
    let client = common::client(&sb);
    // A mini shop is its own AppID: the WeChat Shop demo AppID gets 48001 from `product/...`.
    let mut mini_config = common::config(&sb);
    mini_config.tokens = waybill_desk::wechat::TokenSource::AppSecret {
        appid: waybill_desk::sandbox::world::DEMO_MINISHOP_APPID.into(),
        secret: waybill_desk::wechat::Secret::new(waybill_desk::sandbox::DEMO_SECRET),
    };
    let mini_client = waybill_desk::wechat::WechatClient::new(mini_config).unwrap();
    let refused = client
        .shop(ShopKind::Minishop)
        .list_orders(last_days(10))
        .await
        .unwrap_err();
    assert_eq!(refused.errcode(), Some(48001));
    let mini = mini_client
        .shop(ShopKind::Minishop)
        .list_orders(last_days(10))
        .await
        .unwrap();
    let chan = client
        .shop(ShopKind::Channels)
        .list_orders(last_days(10))
        .await
        .unwrap();
    assert_eq!(mini.len(), chan.len());
    for (m, c) in mini.iter().zip(&chan) {
        assert_eq!(m.id, c.id);
        assert_eq!(
            m.products, c.products,
            "same products through both families"
        );
        assert_eq!(m.address, c.address);
        // The mini shop sends "YYYY-MM-DD HH:MM:SS" (second precision, China time).
        assert_eq!(m.created_unix, c.created_unix);
    }
    let one = mini_client
        .shop(ShopKind::Minishop)
        .get_order(mini[0].id)
        .await
        .unwrap();
    assert_eq!(one, mini[0]);
    assert!(sb.stats().calls_to("/product/order/get_list") >= 1);
    assert_eq!(sb.stats().calls_to("/product/order/get"), 1);
}

#[tokio::test]
async fn unknown_order_is_100002() {
    let sb = common::sandbox(5).await;
    let client = common::client(&sb);
    let err = client
        .shop(ShopKind::Channels)
        .get_order(OrderId(1))
        .await
        .unwrap_err();
    assert_eq!(err.errcode(), Some(100002));
}

#[tokio::test]
async fn couriers_are_listed() {
    let sb = common::sandbox(5).await;
    let couriers = common::client(&sb).logistics().couriers().await.unwrap();
    assert!(couriers
        .iter()
        .any(|c| c.delivery_id.0 == "SF" && c.delivery_name == "顺丰速运"));
}

#[tokio::test]
async fn add_then_get_one_part_and_two_part_labels() {
    let sb = common::sandbox(50).await;
    let client = common::client(&sb);
    let ids = common::clean_orders(&client, &sb, 1).await;
    let made = common::waybills_for(&client, &ids, "SF").await;
    let (request, waybill) = &made[0];

    let one = client
        .logistics()
        .get_label(request, PrintType::OnePart)
        .await
        .unwrap();
    assert!(one.html.contains("76mm 130mm"), "one-part label is 76x130");
    assert!(one.html.contains(&waybill.waybill_id.0));
    assert!(one.html.contains("<svg"), "barcode present");
    assert_eq!(one.print_type, PrintType::OnePart);

    let two = client
        .logistics()
        .get_label(request, PrintType::TwoPart)
        .await
        .unwrap();
    assert!(
        two.html.contains("100mm 180mm"),
        "two-part label is 100x180"
    );
    assert!(two.waybill_data.iter().any(|kv| kv.key == "SF_mark"));

    // print_type goes on the wire only through getOrder; batchget always gives two-part.
    let batch = client
        .logistics()
        .batch_get_chunk(std::slice::from_ref(request))
        .await;
    assert!(batch[0].as_ref().unwrap().html.contains("100mm 180mm"));

    // Adding the same order with the same courier again returns the same waybill.
    let again = common::waybills_for(&client, &ids, "SF").await;
    assert_eq!(again[0].1.waybill_id, waybill.waybill_id);
}

#[tokio::test]
async fn cancel_waybill_marks_it_cancelled() {
    let sb = common::sandbox(50).await;
    let client = common::client(&sb);
    let ids = common::clean_orders(&client, &sb, 1).await;
    let made = common::waybills_for(&client, &ids, "ZTO").await;
    let (request, waybill) = &made[0];
    client
        .logistics()
        .cancel_order(
            &request.order_id,
            "",
            &waybill.delivery_id,
            &waybill.waybill_id,
        )
        .await
        .unwrap();
    // Seeds 000/001: order_status 1 is a cancelled waybill. Its label is void, so the client
    // never hands it out as printable: it is an error that says to get a new waybill.
    let err = client
        .logistics()
        .get_label(request, PrintType::TwoPart)
        .await
        .unwrap_err();
    assert_eq!(
        err,
        WechatError::Refused(waybill_desk::wechat::Refusal::WaybillCancelled {
            order_id: request.order_id.clone(),
            waybill_id: waybill.waybill_id.0.clone(),
        })
    );
    assert!(err
        .explain(waybill_desk::wechat::Lang::ZhCn)
        .contains("重新取"));
    let batch = client
        .logistics()
        .batch_get_chunk(std::slice::from_ref(request))
        .await;
    assert!(
        matches!(
            &batch[0],
            Err(WechatError::Refused(
                waybill_desk::wechat::Refusal::WaybillCancelled { .. }
            ))
        ),
        "{batch:?}"
    );
}

#[tokio::test]
async fn contact_uses_the_order_placement_event_token() {
    let sb = common::sandbox(50).await;
    let client = common::client(&sb);
    let ids = common::clean_orders(&client, &sb, 1).await;
    let made = common::waybills_for(&client, &ids, "SF").await;
    let waybill = &made[0].1.waybill_id;
    let event = sb
        .events()
        .into_iter()
        .find(|e| e.waybill_id == waybill.0)
        .unwrap();
    let contact = client
        .logistics()
        .contact(&event.token, waybill)
        .await
        .unwrap();
    assert_eq!(contact.sender.name, "仓库小李");
    let order = client
        .shop(ShopKind::Channels)
        .get_order(OrderId(ids[0]))
        .await
        .unwrap();
    assert_eq!(contact.receiver.name, order.address.user_name);

    let bad = client
        .logistics()
        .contact("not-the-token", waybill)
        .await
        .unwrap_err();
    assert_eq!(bad.errcode(), Some(9300507));
    let missing = client
        .logistics()
        .contact(&event.token, &WaybillId("nope".into()))
        .await
        .unwrap_err();
    assert_eq!(missing.errcode(), Some(40199));
}

#[tokio::test]
async fn ship_moves_20_to_30_and_a_second_ship_is_already_shipped() {
    let sb = common::sandbox(50).await;
    let client = common::client(&sb);
    let ids = common::clean_orders(&client, &sb, 1).await;
    let made = common::waybills_for(&client, &ids, "SF").await;
    let delivery = client.delivery(ShopKind::Channels);
    let (station, _dir) = common::station(&client, ShopKind::Channels);

    let report = station
        .ship(OrderId(ids[0]), &[made[0].1.clone()])
        .await
        .unwrap();
    assert_eq!(report.outcome, ShipOutcome::Shipped);
    assert_eq!(sb.order_status(ids[0]), Some(30));
    assert_eq!(sb.stats().calls_to("/channels/ec/order/delivery/send"), 1);

    // A second station (its own journal, so it knows nothing) reads first and sends nothing.
    let (other, _other_dir) = common::station(&client, ShopKind::Channels);
    let again = other
        .ship(OrderId(ids[0]), &[made[0].1.clone()])
        .await
        .unwrap();
    assert_eq!(again.outcome, ShipOutcome::AlreadyShipped);
    assert!(!again.from_journal);
    assert_eq!(sb.stats().calls_to("/channels/ec/order/delivery/send"), 1);

    // Sending the raw request again gets the documented 109001.
    // Pretend the order was never shipped (status and parcels), to force a second send.
    let order = waybill_desk::wechat::order::Order {
        status: 20,
        shipped_packages: vec![],
        ..client
            .shop(ShopKind::Channels)
            .get_order(OrderId(ids[0]))
            .await
            .unwrap()
    };
    let request = build_delivery_request(&order, &[made[0].1.clone()]).unwrap();
    let err = delivery.send(&request).await.unwrap_err();
    assert_eq!(err.errcode(), Some(109001));
}

#[tokio::test]
async fn order_in_aftersales_is_refused_locally_and_by_the_api() {
    let sb = common::sandbox(300).await;
    let client = common::client(&sb);
    let shop = client.shop(ShopKind::Channels);
    let orders = shop.list_orders(last_days(30)).await.unwrap();
    let order = orders
        .iter()
        .find(|o| o.has_open_aftersale())
        .expect("sample data has one");
    let waybill: waybill_desk::wechat::delivery::WaybillRef = "SF:SF1000000001".parse().unwrap();

    let (station, _dir) = common::station(&client, ShopKind::Channels);
    let err = station
        .ship(order.id, std::slice::from_ref(&waybill))
        .await
        .unwrap_err();
    assert!(err.refusal().is_some(), "{err:?}");
    assert_eq!(sb.stats().calls_to("/channels/ec/order/delivery/send"), 0);

    // Forcing the request through shows the sandbox answers what WeChat answers.
    let mut pretend = order.clone();
    pretend.open_aftersale_count = 0;
    for p in &mut pretend.products {
        p.on_aftersale_sku_cnt = 0;
    }
    let request = build_delivery_request(&pretend, &[waybill]).unwrap();
    let err = client
        .delivery(ShopKind::Channels)
        .send(&request)
        .await
        .unwrap_err();
    assert_eq!(err.errcode(), Some(108009));
}

#[tokio::test]
async fn invalid_courier_on_ship_is_606004_and_explained() {
    let sb = common::sandbox(50).await;
    let client = common::client(&sb);
    let ids = common::clean_orders(&client, &sb, 1).await;
    // Sent as is (the station would map an unknown courier to OTHER first, seed 003).
    let order = client
        .shop(ShopKind::Channels)
        .get_order(OrderId(ids[0]))
        .await
        .unwrap();
    let request = build_delivery_request(&order, &["NOPE:123456".parse().unwrap()]).unwrap();
    let err = client
        .delivery(ShopKind::Channels)
        .send(&request)
        .await
        .unwrap_err();
    assert_eq!(err.errcode(), Some(606004));
    assert!(err
        .explain(waybill_desk::wechat::Lang::ZhCn)
        .contains("快递公司"));
    assert_eq!(sb.order_status(ids[0]), Some(20));
}

#[tokio::test]
async fn label_request_without_waybill_id_finds_the_order_waybill() {
    let sb = common::sandbox(50).await;
    let client = common::client(&sb);
    let ids = common::clean_orders(&client, &sb, 1).await;
    let made = common::waybills_for(&client, &ids, "YTO").await;
    let request = LabelRequest {
        order_id: ids[0].to_string(),
        delivery_id: DeliveryId("YTO".into()),
        waybill_id: None,
    };
    let label = client
        .logistics()
        .get_label(&request, PrintType::TwoPart)
        .await
        .unwrap();
    assert_eq!(label.waybill_id, made[0].1.waybill_id);
}

fn minishop_client(sb: &waybill_desk::sandbox::Sandbox) -> waybill_desk::wechat::WechatClient {
    let mut config = common::config(sb);
    config.tokens = waybill_desk::wechat::TokenSource::AppSecret {
        appid: waybill_desk::sandbox::DEMO_MINISHOP_APPID.into(),
        secret: waybill_desk::wechat::Secret::new(waybill_desk::sandbox::DEMO_SECRET),
    };
    waybill_desk::wechat::WechatClient::new(config).unwrap()
}

#[tokio::test]
async fn shop_courier_lists_of_both_families_differ_from_get_all_delivery() {
    let sb = common::sandbox(5).await;
    let channels = common::client(&sb)
        .shop_couriers(ShopKind::Channels)
        .await
        .unwrap();
    let mini = minishop_client(&sb)
        .shop_couriers(ShopKind::Minishop)
        .await
        .unwrap();
    assert_eq!(
        sb.stats()
            .calls_to("/channels/ec/order/deliverycompanylist/get"),
        1
    );
    assert_eq!(sb.stats().calls_to("/product/delivery/get_company_list"), 1);
    for list in [&channels, &mini] {
        assert!(list
            .iter()
            .any(|c| c.delivery_id == "YD" && c.delivery_name.contains("韵达")));
        assert!(!list.iter().any(|c| c.delivery_id == "YUNDA"));
    }
    let logistics = common::client(&sb).logistics().couriers().await.unwrap();
    assert!(logistics.iter().any(|c| c.delivery_id.0 == "YUNDA"));
    // Each family answers only its own list.
    let wrong = common::client(&sb)
        .shop_couriers(ShopKind::Minishop)
        .await
        .unwrap_err();
    assert_eq!(wrong.errcode(), Some(48001));
}

#[tokio::test]
async fn minishop_ships_through_product_delivery_send_with_number_ids() {
    let sb = common::sandbox(50).await;
    let client = common::client(&sb);
    let ids = common::clean_orders(&client, &sb, 1).await;
    let made = common::waybills_for(&client, &ids, "SF").await;
    let mini = minishop_client(&sb);
    let (station, _dir) = common::station(&mini, ShopKind::Minishop);
    let report = station
        .ship(OrderId(ids[0]), &[made[0].1.clone()])
        .await
        .unwrap();
    assert_eq!(report.outcome, ShipOutcome::Shipped);
    assert_eq!(sb.stats().calls_to("/product/delivery/send"), 1);
    assert_eq!(sb.stats().calls_to("/channels/ec/order/delivery/send"), 0);
    assert_eq!(sb.order_status(ids[0]), Some(30));
}
