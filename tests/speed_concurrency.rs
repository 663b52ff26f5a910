//! Adaptive concurrency (issue 12): the limit on calls in flight halves when WeChat says it is
//! overloaded (45011, -1, HTTP 5xx, timeouts), grows back slowly, never passes the cap, and a
//! 45009 (daily quota) stops a label batch. Faults come from the sandbox's fault injection.

#![allow(clippy::unwrap_used)]

mod common;

use std::time::{Duration, Instant};

use futures::future::join_all;
use waybill_desk::sandbox::{Fault, FaultRule, Faults};
use waybill_desk::station::{CancelToken, LabelBatchPlan, Station};
use waybill_desk::store::{Actor, Journal};
use waybill_desk::wechat::shop::ShopKind;
use waybill_desk::wechat::{DeliveryId, OrderId, PrintType, WechatClient};

const GET: &str = "/channels/ec/order/get";
const ADD: &str = "/cgi-bin/express/business/order/add";

fn client_with_cap(sandbox: &waybill_desk::sandbox::Sandbox, cap: usize) -> WechatClient {
    let mut config = common::config(sandbox);
    config.max_concurrent_calls = cap;
    config.timeout_ms = 400;
    WechatClient::new(config).unwrap()
}

async fn read(client: &WechatClient, id: u64) {
    client
        .shop(ShopKind::Channels)
        .get_order(OrderId(id))
        .await
        .unwrap();
}

#[tokio::test]
async fn each_overload_signal_halves_the_limit_and_a_plain_refusal_does_not() {
    let sandbox = common::sandbox(40).await;
    let id = sandbox.order_ids_with_status(20)[0];
    let overloads = [
        Fault::Errcode {
            errcode: 45011,
            errmsg: "api freq out of limit".into(),
        },
        Fault::Errcode {
            errcode: -1,
            errmsg: "system error".into(),
        },
        Fault::HttpStatus { status: 502 },
        // Longer than the client's 400 ms timeout.
        Fault::Delay { ms: 1_500 },
    ];
    for fault in overloads {
        let client = client_with_cap(&sandbox, 16);
        assert_eq!(client.concurrency().current(), 16);
        sandbox.set_faults(Faults::one(GET, fault.clone(), 1));
        // The read is retried and succeeds; the limit was halved on the way.
        read(&client, id).await;
        assert_eq!(client.concurrency().current(), 8, "{fault:?}");
    }
    // A refusal about the request itself (not overload) leaves the limit alone.
    let client = client_with_cap(&sandbox, 16);
    sandbox.set_faults(Faults::one(
        GET,
        Fault::Errcode {
            errcode: 100002,
            errmsg: "order not exist".into(),
        },
        1,
    ));
    assert!(client
        .shop(ShopKind::Channels)
        .get_order(OrderId(id))
        .await
        .is_err());
    assert_eq!(client.concurrency().current(), 16);
}

#[tokio::test]
async fn a_round_of_failures_halves_once_then_successes_grow_it_slowly_up_to_the_cap() {
    let sandbox = common::sandbox(40).await;
    let id = sandbox.order_ids_with_status(20)[0];
    let client = client_with_cap(&sandbox, 16);
    // Sixteen calls sent together all meet 45011: one round, one halving (not 16 → 1).
    sandbox.set_faults(Faults::one(
        GET,
        Fault::Errcode {
            errcode: 45011,
            errmsg: "api freq out of limit".into(),
        },
        16,
    ));
    join_all((0..16).map(|_| read(&client, id))).await;
    let after_round = client.concurrency().current();
    assert!(
        (8..=10).contains(&after_round),
        "one halving then the retries' successes: {after_round}"
    );
    // Additive increase: about one more per `limit` successes.
    sandbox.set_faults(Faults::default());
    let before = client.concurrency().current();
    for _ in 0..before {
        read(&client, id).await;
    }
    assert_eq!(client.concurrency().current(), before + 1);
    // Never above the cap.
    for _ in 0..200 {
        read(&client, id).await;
    }
    assert_eq!(client.concurrency().current(), 16);
}

#[tokio::test]
async fn the_cap_bounds_the_calls_in_flight() {
    let sandbox = common::sandbox(40).await;
    let id = sandbox.order_ids_with_status(20)[0];
    sandbox.set_faults(Faults {
        latency_ms: 100,
        ..Faults::default()
    });
    let client = client_with_cap(&sandbox, 4);
    // Warm the token so it is not part of the timing.
    read(&client, id).await;
    let started = Instant::now();
    let watcher = {
        let client = client.clone();
        tokio::spawn(async move {
            let mut most = 0;
            for _ in 0..200 {
                most = most.max(client.concurrency().in_flight());
                tokio::time::sleep(Duration::from_millis(5)).await;
            }
            most
        })
    };
    join_all((0..24).map(|_| read(&client, id))).await;
    let took = started.elapsed();
    // 24 calls, 4 at a time, 100 ms each: at least six rounds.
    assert!(took >= Duration::from_millis(580), "{took:?}");
    assert_eq!(watcher.await.unwrap(), 4);
}

#[tokio::test]
async fn a_daily_quota_answer_stops_the_batch_and_it_resumes_later() {
    let sandbox = common::sandbox(600).await;
    let client = client_with_cap(&sandbox, 16);
    let ids = common::clean_orders(&client, &sandbox, 250).await;
    let mut orders = Vec::new();
    for id in &ids {
        orders.push(
            client
                .shop(ShopKind::Channels)
                .get_order(OrderId(*id))
                .await
                .unwrap(),
        );
    }
    let dir = tempfile::tempdir().unwrap();
    let station = Station::new(
        client.clone(),
        ShopKind::Channels,
        Journal::open(dir.path()).unwrap(),
        Actor {
            station: "packing-1".into(),
            operator: "测试".into(),
        },
    );
    let plan = LabelBatchPlan {
        print_type: PrintType::TwoPart,
        delivery_id: DeliveryId("SF".into()),
        biz_id: "SF_CASH".into(),
        sender: common::sender(),
    };
    let batch = station.plan_label_batch(&orders, &plan).await.unwrap();
    sandbox.set_faults(Faults {
        rules: vec![FaultRule::new(
            ADD,
            Fault::Errcode {
                errcode: 45009,
                errmsg: "reach max api daily quota limit".into(),
            },
            10_000,
        )],
        ..Faults::default()
    });
    let err = station
        .run_label_batch(batch, None, &CancelToken::new())
        .await
        .unwrap_err();
    assert_eq!(err.errcode(), Some(45009));
    let explained = err.explain(waybill_desk::wechat::Lang::ZhCn);
    assert!(!explained.is_empty());
    // Stopped: the calls already in flight, not one per order.
    let adds = sandbox.stats().calls_to(ADD);
    assert!(
        adds < 60,
        "{adds} order/add calls after the daily quota ran out"
    );
    let info = station.journal().batch(batch).await.unwrap().unwrap();
    assert_eq!(info.done, 0);
    // Tomorrow: the quota is back and the batch finishes.
    sandbox.set_faults(Faults::default());
    let report = station
        .run_label_batch(batch, None, &CancelToken::new())
        .await
        .unwrap();
    assert!(report.finished, "{report:?}");
    assert_eq!(report.done, 250);
}
