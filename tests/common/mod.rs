//! Shared set-up for tests: a sandbox on 127.0.0.1:0 and a client pointed at it.
#![allow(dead_code)]

use waybill_desk::sandbox::{Sandbox, SandboxConfig, DEMO_APPID, DEMO_SECRET};
use waybill_desk::wechat::delivery::WaybillRef;
use waybill_desk::wechat::logistics::{AddOrderRequest, LabelRequest, WaybillParty};
use waybill_desk::wechat::order::Order;
use waybill_desk::wechat::shop::ShopKind;
use waybill_desk::wechat::{
    ClientConfig, DeliveryId, OrderId, RetryConfig, Secret, TokenSource, WechatClient,
};

/// A sandbox with `orders` generated orders.
pub async fn sandbox(orders: usize) -> Sandbox {
    Sandbox::start(
        ([127, 0, 0, 1], 0).into(),
        SandboxConfig {
            orders,
            ..SandboxConfig::default()
        },
    )
    .await
    .expect("sandbox starts")
}

/// Fast retries so tests of the retry rules stay quick.
pub fn fast_retry() -> RetryConfig {
    RetryConfig {
        max_retries: 3,
        base_delay_ms: 5,
        max_delay_ms: 20,
    }
}

pub fn config(sandbox: &Sandbox) -> ClientConfig {
    let mut config = ClientConfig::new(
        sandbox.url().clone(),
        TokenSource::AppSecret {
            appid: DEMO_APPID.into(),
            secret: Secret::new(DEMO_SECRET),
        },
    );
    config.retry = fast_retry();
    config.timeout_ms = 3_000;
    config
}

pub fn client(sandbox: &Sandbox) -> WechatClient {
    WechatClient::new(config(sandbox)).expect("client builds")
}

pub fn sender() -> WaybillParty {
    WaybillParty {
        name: "仓库小李".into(),
        mobile: "13800138000".into(),
        province: "广东省".into(),
        city: "深圳市".into(),
        area: "南山区".into(),
        address: "科技园南路88号".into(),
        ..WaybillParty::default()
    }
}

/// Creates a waybill for each order (through the real client) and returns the label requests.
pub async fn waybills_for(
    client: &WechatClient,
    ids: &[u64],
    delivery: &str,
) -> Vec<(LabelRequest, WaybillRef)> {
    let mut out = Vec::new();
    for id in ids {
        let order = client
            .shop(ShopKind::Channels)
            .get_order(OrderId(*id))
            .await
            .expect("order exists");
        let request = AddOrderRequest::for_shop_order(
            &order,
            sender(),
            DeliveryId(delivery.into()),
            "test_biz_id".into(),
        );
        let answer = client
            .logistics()
            .add_order(&request)
            .await
            .expect("waybill created");
        out.push((
            LabelRequest {
                order_id: id.to_string(),
                delivery_id: DeliveryId(delivery.into()),
                waybill_id: Some(answer.waybill_id.clone()),
            },
            WaybillRef {
                delivery_id: DeliveryId(delivery.into()),
                waybill_id: answer.waybill_id,
            },
        ));
    }
    out
}

/// The first `n` to-be-shipped orders whose detail passes `keep` (asserts there are `n`).
async fn orders_where(
    client: &WechatClient,
    sandbox: &Sandbox,
    n: usize,
    keep: impl Fn(&Order) -> bool,
) -> Vec<u64> {
    let mut out = Vec::new();
    for id in sandbox.order_ids_with_status(20) {
        let order = client
            .shop(ShopKind::Channels)
            .get_order(OrderId(id))
            .await
            .expect("order");
        if keep(&order) {
            out.push(id);
        }
        if out.len() == n {
            break;
        }
    }
    assert_eq!(out.len(), n, "sandbox has {n} such orders");
    out
}

/// To-be-shipped orders without after-sales trouble.
pub async fn clean_orders(client: &WechatClient, sandbox: &Sandbox, n: usize) -> Vec<u64> {
    orders_where(client, sandbox, n, |o| {
        !o.has_open_aftersale() && o.shippable_pieces() > 0
    })
    .await
}

/// Clean to-be-shipped orders that take a courier (no self-pickup, virtual goods…), as the
/// window lists and labels them.
pub async fn courier_orders(client: &WechatClient, sandbox: &Sandbox, n: usize) -> Vec<u64> {
    orders_where(client, sandbox, n, |o| {
        !o.has_open_aftersale() && o.shippable_pieces() > 0 && o.no_courier_reason().is_none()
    })
    .await
}

/// A packing station on `client` with its own journal in a fresh temporary directory (keep
/// the directory alive as long as the station).
pub fn station(
    client: &WechatClient,
    shop: ShopKind,
) -> (waybill_desk::station::Station, tempfile::TempDir) {
    let dir = tempfile::tempdir().expect("temporary directory");
    let journal = waybill_desk::store::Journal::open(dir.path()).expect("journal opens");
    let station = waybill_desk::station::Station::new(
        client.clone(),
        shop,
        journal,
        waybill_desk::store::Actor::resolve("test-station", "test-operator"),
    );
    (station, dir)
}
