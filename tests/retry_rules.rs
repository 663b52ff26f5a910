//! Each retry rule, with its own test: token refresh, backoff on reads, never on writes.

#![allow(clippy::unwrap_used)] // test helpers may panic: a panic is a failed test

mod common;

use std::time::Instant;

use waybill_desk::sandbox::{Fault, Faults};
use waybill_desk::station::StationError;
use waybill_desk::wechat::delivery::ShipOutcome;
use waybill_desk::wechat::shop::ShopKind;
use waybill_desk::wechat::{OrderId, WechatError};

const GETALL: &str = "/cgi-bin/express/business/delivery/getall";
const SEND: &str = "/channels/ec/order/delivery/send";

fn errcode(code: i64) -> Fault {
    Fault::Errcode {
        errcode: code,
        errmsg: format!("injected {code}"),
    }
}

#[tokio::test]
async fn rejected_token_codes_refresh_once_and_retry_once() {
    for code in [40001, 40014, 42001] {
        let sb = common::sandbox(5).await;
        let client = common::client(&sb);
        client.logistics().couriers().await.unwrap();
        sb.expire_tokens(); // the cached token is now really expired on the server
        sb.set_faults(Faults::one(GETALL, errcode(code), 1));
        client.logistics().couriers().await.unwrap();
        assert_eq!(
            sb.stats().tokens_issued,
            2,
            "code {code}: exactly one refresh"
        );
        assert_eq!(
            sb.stats().calls_to(GETALL),
            3,
            "code {code}: first, rejected, retried"
        );
    }
}

#[tokio::test]
async fn a_token_rejected_twice_is_an_error_not_a_loop() {
    let sb = common::sandbox(5).await;
    let client = common::client(&sb);
    sb.set_faults(Faults::one(GETALL, errcode(40001), 10));
    let err = client.logistics().couriers().await.unwrap_err();
    assert_eq!(err.errcode(), Some(40001));
    assert_eq!(sb.stats().calls_to(GETALL), 2);
    // One refresh was asked for; stable_token hands back the same (still valid) token.
    assert_eq!(sb.stats().calls_to("/cgi-bin/stable_token"), 2);
}

#[tokio::test]
async fn token_refresh_is_single_flight() {
    let sb = common::sandbox(5).await;
    let client = common::client(&sb);
    let calls = (0..20).map(|_| {
        let c = client.clone();
        tokio::spawn(async move { c.logistics().couriers().await })
    });
    for call in futures::future::join_all(calls).await {
        call.unwrap().unwrap();
    }
    assert_eq!(sb.stats().tokens_issued, 1);
    assert_eq!(sb.stats().calls_to("/cgi-bin/stable_token"), 1);
}

#[tokio::test]
async fn system_busy_and_minute_quota_back_off_on_reads() {
    for code in [-1, 45011] {
        let sb = common::sandbox(5).await;
        let client = common::client(&sb);
        sb.set_faults(Faults::one(GETALL, errcode(code), 2));
        client.logistics().couriers().await.unwrap();
        assert_eq!(
            sb.stats().calls_to(GETALL),
            3,
            "code {code}: two failures then success"
        );
    }
}

#[tokio::test]
async fn retries_give_up_after_the_limit() {
    let sb = common::sandbox(5).await;
    let client = common::client(&sb);
    sb.set_faults(Faults::one(GETALL, errcode(45011), 100));
    let err = client.logistics().couriers().await.unwrap_err();
    assert_eq!(err.errcode(), Some(45011));
    assert_eq!(sb.stats().calls_to(GETALL), 4, "1 try + max_retries 3");
}

#[tokio::test]
async fn daily_quota_45009_is_not_retried() {
    let sb = common::sandbox(5).await;
    let client = common::client(&sb);
    sb.set_faults(Faults::one(GETALL, errcode(45009), 5));
    let err = client.logistics().couriers().await.unwrap_err();
    assert_eq!(err.errcode(), Some(45009));
    assert_eq!(sb.stats().calls_to(GETALL), 1);
}

#[tokio::test]
async fn http_5xx_is_retried_for_reads() {
    let sb = common::sandbox(5).await;
    let client = common::client(&sb);
    sb.set_faults(Faults::one(GETALL, Fault::HttpStatus { status: 502 }, 1));
    client.logistics().couriers().await.unwrap();
    assert_eq!(sb.stats().calls_to(GETALL), 2);
}

#[tokio::test]
async fn ship_is_never_retried_on_transient_errors() {
    let sb = common::sandbox(50).await;
    let client = common::client(&sb);
    let ids = common::clean_orders(&client, &sb, 1).await;
    let made = common::waybills_for(&client, &ids, "SF").await;
    let (station, _dir) = common::station(&client, ShopKind::Channels);
    for fault in [
        errcode(45011),
        errcode(-1),
        Fault::HttpStatus { status: 500 },
    ] {
        let before = sb.stats().calls_to(SEND);
        sb.set_faults(Faults::one(SEND, fault.clone(), 1));
        let err = station
            .ship(OrderId(ids[0]), &[made[0].1.clone()])
            .await
            .unwrap_err();
        // A lost answer (5xx on a write) is settled by re-reading the order: still unshipped.
        let cause = match &err {
            StationError::Wechat(e) | StationError::ShipOutcomeUnknown { error: e, .. } => e,
            other => panic!("{fault:?}: {other:?}"),
        };
        assert!(cause.is_transient(), "{fault:?}: {err:?}");
        assert_eq!(
            sb.stats().calls_to(SEND) - before,
            1,
            "{fault:?}: sent exactly once"
        );
        assert_eq!(sb.order_status(ids[0]), Some(20), "{fault:?}: not shipped");
    }
    // Once the fault is gone, shipping works.
    sb.set_faults(Faults::default());
    let report = station
        .ship(OrderId(ids[0]), &[made[0].1.clone()])
        .await
        .unwrap();
    assert_eq!(report.outcome, ShipOutcome::Shipped);
    assert_eq!(sb.order_status(ids[0]), Some(30));
}

#[tokio::test]
async fn a_lost_ship_answer_is_resolved_by_re_reading_the_order() {
    let sb = common::sandbox(50).await;
    let client = common::client(&sb);
    let ids = common::clean_orders(&client, &sb, 1).await;
    let made = common::waybills_for(&client, &ids, "SF").await;
    sb.set_faults(Faults::one(
        SEND,
        Fault::ApplyThenHttpStatus { status: 502 },
        1,
    ));
    let (station, _dir) = common::station(&client, ShopKind::Channels);
    let report = station
        .ship(OrderId(ids[0]), &[made[0].1.clone()])
        .await
        .unwrap();
    assert_eq!(report.outcome, ShipOutcome::ShippedConfirmedOnReread);
    assert_eq!(sb.stats().calls_to(SEND), 1);
}

#[tokio::test]
async fn ship_token_rejection_is_retried_because_nothing_happened() {
    let sb = common::sandbox(50).await;
    let client = common::client(&sb);
    let ids = common::clean_orders(&client, &sb, 1).await;
    let made = common::waybills_for(&client, &ids, "SF").await;
    let (station, _dir) = common::station(&client, ShopKind::Channels);
    // The courier list is read first, so the token expiring meets the send itself.
    station.courier_map().await.unwrap();
    sb.expire_tokens();
    station
        .ship(OrderId(ids[0]), &[made[0].1.clone()])
        .await
        .unwrap();
    assert_eq!(sb.order_status(ids[0]), Some(30));
    assert_eq!(sb.stats().calls_to(SEND), 1);
}

#[tokio::test]
async fn malformed_json_is_a_decode_error_and_retried_reads_do_not_hide_it() {
    let sb = common::sandbox(5).await;
    let client = common::client(&sb);
    sb.set_faults(Faults::one(GETALL, Fault::MalformedJson, 1));
    let err = client.logistics().couriers().await.unwrap_err();
    assert!(matches!(err, WechatError::Decode { .. }), "{err:?}");
    assert!(!err.explain(waybill_desk::wechat::Lang::En).is_empty());
}

#[tokio::test]
async fn a_timeout_is_reported_as_such() {
    let sb = common::sandbox(5).await;
    let mut config = common::config(&sb);
    config.timeout_ms = 200;
    config.retry.max_retries = 1;
    let client = waybill_desk::wechat::WechatClient::new(config).unwrap();
    client.logistics().couriers().await.unwrap();
    sb.set_faults(Faults::one(GETALL, Fault::Delay { ms: 1_000 }, 5));
    let started = Instant::now();
    let err = client.logistics().couriers().await.unwrap_err();
    assert!(
        matches!(
            err,
            WechatError::Transport {
                timed_out: true,
                ..
            }
        ),
        "{err:?}"
    );
    assert!(started.elapsed().as_millis() < 2_000);
}

#[tokio::test]
async fn connection_refused_is_transport_and_names_no_token() {
    let sb = common::sandbox(5).await;
    let config = common::config(&sb);
    sb.shutdown().await;
    let client = waybill_desk::wechat::WechatClient::new(config).unwrap();
    let err = client.logistics().couriers().await.unwrap_err();
    assert!(
        matches!(
            err,
            WechatError::Transport {
                timed_out: false,
                ..
            }
        ),
        "{err:?}"
    );
}
