//! Batches: chunking, order, a bad order among good ones, a token that expires mid-batch.

#![allow(clippy::unwrap_used)] // test helpers may panic: a panic is a failed test

mod common;

use waybill_desk::sandbox::{Fault, Faults};
use waybill_desk::wechat::logistics::LabelRequest;
use waybill_desk::wechat::{DeliveryId, PrintType, WaybillId, WechatError};

const BATCHGET: &str = "/cgi-bin/express/business/order/batchget";
const GET: &str = "/cgi-bin/express/business/order/get";

async fn setup(
    n: usize,
) -> (
    waybill_desk::sandbox::Sandbox,
    waybill_desk::wechat::WechatClient,
    Vec<LabelRequest>,
) {
    let sb = common::sandbox(n * 3 / 2 + 60).await;
    let client = common::client(&sb);
    let ids = common::clean_orders(&client, &sb, n).await;
    let requests = common::waybills_for(&client, &ids, "SF")
        .await
        .into_iter()
        .map(|(r, _)| r)
        .collect();
    (sb, client, requests)
}

#[tokio::test]
async fn two_hundred_fifty_orders_take_three_batchget_calls_in_order() {
    let (sb, client, requests) = setup(250).await;
    let labels = client
        .logistics()
        .labels(&requests, PrintType::TwoPart)
        .await;
    assert_eq!(sb.stats().calls_to(BATCHGET), 3);
    assert_eq!(labels.len(), 250);
    for (request, label) in requests.iter().zip(&labels) {
        let label = label.as_ref().unwrap();
        assert_eq!(label.order_id, request.order_id, "caller's order kept");
        assert_eq!(Some(&label.waybill_id), request.waybill_id.as_ref());
        assert!(label.html.contains(&label.waybill_id.0));
    }
    assert!(requests
        .iter()
        .any(|r| r.order_id.parse::<u64>().unwrap() > 1 << 53));
}

#[tokio::test]
async fn one_part_labels_go_through_get_order_one_by_one() {
    let (sb, client, requests) = setup(7).await;
    let labels = client
        .logistics()
        .labels(&requests, PrintType::OnePart)
        .await;
    assert_eq!(sb.stats().calls_to(GET), 7);
    assert_eq!(sb.stats().calls_to(BATCHGET), 0);
    assert!(labels
        .iter()
        .all(|l| l.as_ref().unwrap().html.contains("76mm 130mm")));
}

#[tokio::test]
async fn bad_orders_fail_alone() {
    let (sb, client, mut requests) = setup(5).await;
    // An unknown waybill and a label whose print_html is not base64.
    requests.insert(
        2,
        LabelRequest {
            order_id: "12345".into(),
            delivery_id: DeliveryId("SF".into()),
            waybill_id: Some(WaybillId("SF0000".into())),
        },
    );
    let corrupt = requests[4].order_id.clone();
    sb.update_faults(|f| {
        f.bad_base64_orders.insert(corrupt.clone());
    });
    let labels = client
        .logistics()
        .labels(&requests, PrintType::TwoPart)
        .await;
    assert_eq!(labels.len(), 6);
    for (i, label) in labels.iter().enumerate() {
        match i {
            2 => assert_eq!(label.as_ref().unwrap_err().errcode(), Some(40199)),
            4 => assert!(
                matches!(label, Err(WechatError::Label { order_id, .. }) if *order_id == corrupt)
            ),
            _ => assert!(label.is_ok(), "order {i} unaffected: {label:?}"),
        }
    }
}

#[tokio::test]
async fn a_token_expiring_mid_batch_costs_one_refresh_and_nothing_fails() {
    let (sb, client, requests) = setup(250).await;
    let issued_before = sb.stats().tokens_issued;
    // The token dies after the first batchget call, while the others are on their way.
    sb.update_faults(|f| f.expire_token_after_calls = Some(1));
    let labels = client
        .logistics()
        .labels(&requests, PrintType::TwoPart)
        .await;
    assert!(labels.iter().all(Result::is_ok));
    assert_eq!(sb.stats().tokens_issued - issued_before, 1);
}

#[tokio::test]
async fn a_chunk_that_fails_as_a_whole_fails_only_its_orders() {
    let (sb, client, requests) = setup(150).await;
    sb.set_faults(Faults::one(BATCHGET, Fault::HttpStatus { status: 500 }, 4));
    let mut config = common::config(&sb);
    config.max_concurrent_calls = 1; // deterministic: the first chunk eats all four 500s
    let client2 = waybill_desk::wechat::WechatClient::new(config).unwrap();
    drop(client);
    let labels = client2
        .logistics()
        .labels(&requests, PrintType::TwoPart)
        .await;
    assert!(labels[..100]
        .iter()
        .all(|l| matches!(l, Err(WechatError::Http { status: 500, .. }))));
    assert!(labels[100..].iter().all(Result::is_ok));
}
