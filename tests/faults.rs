//! The fault suite: label batches and shipping against the sandbox's fault injection, each
//! ending with nothing lost (every order labelled or still in the batch to resume) and nothing
//! done twice (one waybill per order, one label per order in the journal, one delivery/send).

#![allow(clippy::unwrap_used)] // test helpers may panic: a panic is a failed test

mod common;
mod faults_support;

use faults_support::*;
use waybill_desk::sandbox::{Fault, FaultRule, Faults};
use waybill_desk::station::{BatchEvent, BatchOptions, CancelToken, StationError};
use waybill_desk::store::{ItemStage, ShipAttemptState};
use waybill_desk::wechat::delivery::{ShipOutcome, WaybillRef};
use waybill_desk::wechat::{PrintType, WechatError};

fn errcode_rule(path: &str, errcode: i64, times: u32) -> FaultRule {
    FaultRule::new(
        path,
        Fault::Errcode {
            errcode,
            errmsg: format!("injected {errcode}"),
        },
        times,
    )
}

#[tokio::test]
async fn a_clean_batch_records_every_label_once() {
    let rig = rig(150).await;
    let station = rig.station();
    let batch = station
        .plan_label_batch(&rig.orders, &plan(PrintType::TwoPart))
        .await
        .unwrap();
    let (tx, mut rx) = tokio::sync::mpsc::unbounded_channel();
    let report = station
        .run_label_batch(batch, Some(&tx), &CancelToken::new())
        .await
        .unwrap();
    assert!(
        report.finished && report.done == 150 && report.failed == 0,
        "{report:?}"
    );
    rig.assert_complete_once(batch).await;
    assert_eq!(rig.sb.stats().calls_to(BATCHGET), 2, "chunks of 100");
    let events = drain(&mut rx);
    let labelled = events
        .iter()
        .filter(|e| matches!(e, BatchEvent::Labelled { .. }))
        .count();
    assert_eq!(labelled, 150, "one progress event per label");
    assert!(matches!(events.last(), Some(BatchEvent::Finished(r)) if r.finished));
    // Resuming a finished batch fetches nothing.
    let before = rig.sb.stats().calls.clone();
    let again = station
        .run_label_batch(batch, None, &CancelToken::new())
        .await
        .unwrap();
    assert!(again.finished);
    assert_eq!(rig.sb.stats().calls, before, "no call for a finished batch");
}

#[tokio::test]
async fn token_expiry_mid_batch_costs_one_refresh_and_nothing_is_repeated() {
    let rig = rig(120).await;
    let station = rig.station();
    let batch = station
        .plan_label_batch(&rig.orders, &plan(PrintType::TwoPart))
        .await
        .unwrap();
    let issued = rig.sb.stats().tokens_issued;
    // The token dies in the middle of the order/add calls.
    rig.sb
        .update_faults(|f| f.expire_token_after_calls = Some(40));
    let report = station
        .run_label_batch(batch, None, &CancelToken::new())
        .await
        .unwrap();
    assert!(report.finished, "{report:?}");
    assert_eq!(rig.sb.stats().tokens_issued - issued, 1, "one refresh");
    rig.assert_complete_once(batch).await;
}

#[tokio::test]
async fn quota_45011_and_busy_minus_1_bursts_are_ridden_out_without_duplicates() {
    let rig = rig(60).await;
    let station = rig.station();
    let batch = station
        .plan_label_batch(&rig.orders, &plan(PrintType::TwoPart))
        .await
        .unwrap();
    rig.sb.set_faults(Faults {
        rules: vec![
            // Writes are not retried blindly: 45011 is a clear "not done"; -1 leaves the
            // outcome open, so those orders are looked up before any second order/add.
            errcode_rule(ADD, 45011, 4),
            errcode_rule(ADD, -1, 4),
            errcode_rule(BATCHGET, 45011, 2),
            errcode_rule(BATCHGET, -1, 2),
        ],
        ..Faults::default()
    });
    let report = station
        .run_label_batch(batch, None, &CancelToken::new())
        .await
        .unwrap();
    assert!(report.finished, "{report:?}");
    rig.assert_complete_once(batch).await;
    let faults = rig.sb.stats();
    assert!(
        faults.calls_to(ADD) >= 60 + 8,
        "the faulted adds were sent again"
    );
}

#[tokio::test]
async fn a_lost_answer_to_order_add_is_looked_up_instead_of_adding_again() {
    let rig = rig(30).await;
    let station = rig.station();
    let batch = station
        .plan_label_batch(&rig.orders, &plan(PrintType::TwoPart))
        .await
        .unwrap();
    // The waybill is created, but the answer is lost (HTTP 502) for three orders.
    rig.sb.set_faults(Faults::one(
        ADD,
        Fault::ApplyThenHttpStatus { status: 502 },
        3,
    ));
    let report = station
        .run_label_batch(batch, None, &CancelToken::new())
        .await
        .unwrap();
    assert!(report.finished, "{report:?}");
    // Each order/add reached WeChat once: the three lost ones were found by a label lookup.
    rig.assert_complete_once(batch).await;
    assert_eq!(rig.sb.stats().calls_to(ADD), 30);
}

#[tokio::test]
async fn http_500_is_retried_and_a_long_outage_leaves_the_batch_to_resume() {
    let rig = rig(130).await;
    let station = rig.station().with_batch_options(BatchOptions {
        max_rounds: 1,
        retry_delay_ms: 0,
    });
    let batch = station
        .plan_label_batch(&rig.orders, &plan(PrintType::TwoPart))
        .await
        .unwrap();
    // Two 500s: the client's own read retries cover them.
    rig.sb
        .set_faults(Faults::one(BATCHGET, Fault::HttpStatus { status: 500 }, 2));
    let report = station
        .run_label_batch(batch, None, &CancelToken::new())
        .await
        .unwrap();
    assert!(report.finished, "{report:?}");
    rig.assert_complete_once(batch).await;

    // A longer outage on a second batch (one-part labels, getOrder per order): the run ends
    // with those orders failed but kept; a resume finishes them without refetching the others.
    let rig = rig_again(rig).await;
    let mut config = common::config(&rig.sb);
    config.retry.max_retries = 0; // deterministic: each 500 fails one order
    let station = rig.station_with(config).with_batch_options(BatchOptions {
        max_rounds: 1,
        retry_delay_ms: 0,
    });
    let batch = station
        .plan_label_batch(&rig.orders, &plan(PrintType::OnePart))
        .await
        .unwrap();
    rig.sb
        .set_faults(Faults::one(GET, Fault::HttpStatus { status: 500 }, 8));
    let (tx, mut rx) = tokio::sync::mpsc::unbounded_channel();
    let first = station
        .run_label_batch(batch, Some(&tx), &CancelToken::new())
        .await
        .unwrap();
    assert!(!first.finished);
    assert_eq!(first.failed, 8, "one order per 500: {first:?}");
    let failed: Vec<_> = drain(&mut rx)
        .into_iter()
        .filter_map(|e| match e {
            BatchEvent::Failed { order_id, error } => Some((order_id, error)),
            _ => None,
        })
        .collect();
    assert_eq!(failed.len(), 8);
    assert!(failed
        .iter()
        .all(|(_, e)| matches!(e, WechatError::Http { status: 500, .. })));
    let unfinished = rig.journal.unfinished_batches().await.unwrap();
    assert_eq!(unfinished.len(), 1);
    assert_eq!(unfinished[0].failed, 8);
    let served_before = rig.labels_served();
    let second = station
        .run_label_batch(batch, None, &CancelToken::new())
        .await
        .unwrap();
    assert!(second.finished, "{second:?}");
    rig.assert_complete_once(batch).await;
    let served_after = rig.labels_served();
    for (order, _) in &failed {
        let id = order.to_string();
        assert_eq!(
            served_after.get(&id).copied().unwrap_or(0),
            1,
            "{id} fetched on resume"
        );
        assert_eq!(served_before.get(&id), None);
    }
    for order in rig.order_ids() {
        if !failed.iter().any(|(o, _)| o.to_string() == order) {
            assert_eq!(
                served_after.get(&order),
                served_before.get(&order),
                "{order} not refetched"
            );
        }
    }
}

/// A fresh rig with new orders for a second scenario in the same test.
async fn rig_again(old: Rig) -> Rig {
    let n = old.orders.len();
    drop(old);
    rig(n.min(40)).await
}

#[tokio::test]
async fn connection_refused_loses_nothing_and_a_resume_finishes() {
    let rig = rig(50).await;
    // A port where nothing listens.
    let dead = {
        let listener = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
        listener.local_addr().unwrap()
    };
    let mut config = common::config(&rig.sb);
    config.api_base = url::Url::parse(&format!("http://{dead}/")).unwrap();
    let offline = rig.station_with(config);
    let batch = offline
        .plan_label_batch(&rig.orders, &plan(PrintType::TwoPart))
        .await
        .unwrap();
    let (tx, mut rx) = tokio::sync::mpsc::unbounded_channel();
    let report = offline
        .run_label_batch(batch, Some(&tx), &CancelToken::new())
        .await
        .unwrap();
    assert_eq!(report.done, 0);
    assert_eq!(report.failed, 50, "{report:?}");
    let failures: Vec<_> = drain(&mut rx)
        .into_iter()
        .filter_map(|e| match e {
            BatchEvent::Failed { error, .. } => Some(error),
            _ => None,
        })
        .collect();
    assert_eq!(failures.len(), 50);
    assert!(failures.iter().all(|e| matches!(
        e,
        WechatError::Transport {
            timed_out: false,
            ..
        }
    )));
    assert!(failures[0]
        .explain(waybill_desk::wechat::Lang::En)
        .contains("Cannot reach"));
    // The token call failed first, so no order/add was sent: every order is still pending.
    for item in rig.journal.batch_items(batch, false).await.unwrap() {
        assert_eq!(item.stage, ItemStage::Pending, "{item:?}");
        assert!(item.error.is_some());
    }
    // Back online: the same journal, a working client.
    let report = rig
        .station()
        .run_label_batch(batch, None, &CancelToken::new())
        .await
        .unwrap();
    assert!(report.finished, "{report:?}");
    rig.assert_complete_once(batch).await;
}

#[tokio::test]
async fn a_timeout_on_a_label_read_is_retried_and_recorded_once() {
    let rig = rig(40).await;
    let mut config = common::config(&rig.sb);
    // Generous against a busy CI machine: only the injected delay may exceed it.
    config.timeout_ms = 1_000;
    let station = rig.station_with(config);
    let batch = station
        .plan_label_batch(&rig.orders, &plan(PrintType::TwoPart))
        .await
        .unwrap();
    rig.sb
        .set_faults(Faults::one(BATCHGET, Fault::Delay { ms: 3_000 }, 1));
    let report = station
        .run_label_batch(batch, None, &CancelToken::new())
        .await
        .unwrap();
    assert!(report.finished, "{report:?}");
    assert_eq!(
        rig.sb.stats().calls_to(BATCHGET),
        2,
        "timed out once, then answered"
    );
    rig.assert_complete_once(batch).await;
}

#[tokio::test]
async fn malformed_json_is_retried_and_a_persistent_one_is_left_to_resume() {
    let rig = rig(30).await;
    let station = rig.station();
    let batch = station
        .plan_label_batch(&rig.orders, &plan(PrintType::TwoPart))
        .await
        .unwrap();
    rig.sb
        .set_faults(Faults::one(BATCHGET, Fault::MalformedJson, 1));
    let report = station
        .run_label_batch(batch, None, &CancelToken::new())
        .await
        .unwrap();
    assert!(report.finished, "{report:?}");
    rig.assert_complete_once(batch).await;

    // Garbage on every pass: nothing is recorded as done, everything stays to resume.
    let rig = rig_again(rig).await;
    let station = rig.station();
    let batch = station
        .plan_label_batch(&rig.orders, &plan(PrintType::TwoPart))
        .await
        .unwrap();
    rig.sb
        .set_faults(Faults::one(BATCHGET, Fault::MalformedJson, 100));
    let report = station
        .run_label_batch(batch, None, &CancelToken::new())
        .await
        .unwrap();
    assert_eq!((report.done, report.failed), (0, 30), "{report:?}");
    let items = rig.journal.batch_items(batch, false).await.unwrap();
    assert!(items
        .iter()
        .all(|i| i.stage == ItemStage::Waybill && i.label_id.is_none()));
    assert!(items[0]
        .error
        .as_deref()
        .unwrap()
        .contains("does not match the API"));
    rig.sb.set_faults(Faults::default());
    let report = station
        .run_label_batch(batch, None, &CancelToken::new())
        .await
        .unwrap();
    assert!(report.finished);
    rig.assert_complete_once(batch).await;
}

#[tokio::test]
async fn bad_base64_in_one_label_fails_that_order_alone_and_a_resume_fetches_only_it() {
    let rig = rig(25).await;
    let station = rig.station();
    let batch = station
        .plan_label_batch(&rig.orders, &plan(PrintType::TwoPart))
        .await
        .unwrap();
    let bad = rig.orders[7].id;
    rig.sb.update_faults(|f| {
        f.bad_base64_orders.insert(bad.to_string());
    });
    let (tx, mut rx) = tokio::sync::mpsc::unbounded_channel();
    let report = station
        .run_label_batch(batch, Some(&tx), &CancelToken::new())
        .await
        .unwrap();
    assert_eq!((report.done, report.failed), (24, 1), "{report:?}");
    let failed: Vec<_> = drain(&mut rx)
        .into_iter()
        .filter_map(|e| match e {
            BatchEvent::Failed { order_id, error } => Some((order_id, error)),
            _ => None,
        })
        .collect();
    assert_eq!(failed.len(), 1);
    assert_eq!(failed[0].0, bad);
    assert!(
        matches!(&failed[0].1, WechatError::Label { order_id, .. } if *order_id == bad.to_string())
    );
    assert_eq!(
        rig.journal.label_count(bad).await.unwrap(),
        0,
        "no broken label recorded"
    );
    let served = rig.labels_served();

    rig.sb.set_faults(Faults::default());
    let report = station
        .run_label_batch(batch, None, &CancelToken::new())
        .await
        .unwrap();
    assert!(report.finished, "{report:?}");
    rig.assert_complete_once(batch).await;
    let after = rig.labels_served();
    for id in rig.order_ids() {
        let extra = after.get(&id).copied().unwrap_or(0) - served.get(&id).copied().unwrap_or(0);
        assert_eq!(
            extra,
            u64::from(id == bad.to_string()),
            "order {id} refetched {extra}×"
        );
    }
}

#[tokio::test]
async fn cancel_stops_between_steps_and_a_resume_finishes_the_rest() {
    // Six chunks of 100 with a round trip each: the pipeline keeps three chunks in flight, so
    // a cancel after the first label must leave later chunks unstarted (calls in flight finish
    // and are recorded: nothing fetched is lost).
    let rig = rig(600).await;
    rig.sb.update_faults(|f| f.latency_ms = 30);
    let station = rig.station();
    let batch = station
        .plan_label_batch(&rig.orders, &plan(PrintType::TwoPart))
        .await
        .unwrap();
    let cancel = CancelToken::new();
    let (tx, mut rx) = tokio::sync::mpsc::unbounded_channel();
    let run = {
        let station = station.clone();
        let cancel = cancel.clone();
        tokio::spawn(async move { station.run_label_batch(batch, Some(&tx), &cancel).await })
    };
    // Cancel as soon as the first label is recorded.
    while let Some(event) = rx.recv().await {
        if matches!(event, BatchEvent::Labelled { .. }) {
            cancel.cancel();
            break;
        }
    }
    let report = run.await.unwrap().unwrap();
    assert!(report.cancelled && !report.finished, "{report:?}");
    assert!(report.done >= 1 && report.done < 600, "{report:?}");
    let served = rig.labels_served();
    let report = station
        .run_label_batch(batch, None, &CancelToken::new())
        .await
        .unwrap();
    assert!(report.finished);
    rig.assert_complete_once(batch).await;
    let after = rig.labels_served();
    for (id, n) in &served {
        assert_eq!(
            after.get(id),
            Some(n),
            "order {id} fetched again after it was done"
        );
    }
}

#[tokio::test]
async fn a_double_click_on_ship_sends_once() {
    let rig = rig(2).await;
    let client = common::client(&rig.sb);
    let made = common::waybills_for(&client, &[rig.orders[0].id.0, rig.orders[1].id.0], "SF").await;
    let station = rig.station();
    rig.sb.update_faults(|f| f.latency_ms = 30);
    let id = rig.orders[0].id;
    let wb = [made[0].1.clone()];
    let (a, b) = tokio::join!(station.ship(id, &wb), station.ship(id, &wb));
    let (a, b) = (a.unwrap(), b.unwrap());
    assert_eq!(
        rig.sb.stats().calls_to(SEND),
        1,
        "exactly one delivery/send"
    );
    let mut outcomes = [a.outcome, b.outcome];
    outcomes.sort_by_key(|o| format!("{o:?}"));
    assert_eq!(
        outcomes,
        [ShipOutcome::AlreadyShipped, ShipOutcome::Shipped]
    );
    assert!(
        a.from_journal || b.from_journal,
        "the second click was answered by the journal"
    );
    let attempts = rig.journal.shipments(id).await.unwrap();
    assert_eq!(attempts.len(), 1, "{attempts:?}");
    assert_eq!(attempts[0].state, ShipAttemptState::Shipped);
    assert!(
        attempts[0].request.as_ref().unwrap()["delivery_list"][0]["waybill_id"]
            .as_str()
            .is_some_and(|w| w == wb[0].waybill_id.0)
    );
    assert_eq!(attempts[0].station, "test-station");

    // A third click later: the journal answers, no call at all.
    let calls = rig.sb.stats().calls;
    let c = station.ship(id, &wb).await.unwrap();
    assert_eq!(c.outcome, ShipOutcome::AlreadyShipped);
    assert!(c.from_journal);
    assert_eq!(rig.sb.stats().calls, calls, "nothing called");
    assert!(rig.journal.shipped(id).await.unwrap().is_some());
}

#[tokio::test]
async fn errcode_109001_is_recorded_as_shipped_and_a_lost_answer_is_settled_by_rereading() {
    let rig = rig(2).await;
    let client = common::client(&rig.sb);
    let made = common::waybills_for(&client, &[rig.orders[0].id.0, rig.orders[1].id.0], "SF").await;
    let station = rig.station();

    // 109001: WeChat says it already shipped.
    let first = rig.orders[0].id;
    rig.sb.set_faults(Faults {
        rules: vec![errcode_rule(SEND, 109001, 1)],
        ..Faults::default()
    });
    let r = station.ship(first, &[made[0].1.clone()]).await.unwrap();
    assert_eq!(r.outcome, ShipOutcome::AlreadyShipped);
    let attempts = rig.journal.shipments(first).await.unwrap();
    assert_eq!(attempts.len(), 1);
    assert_eq!(attempts[0].state, ShipAttemptState::AlreadyShipped);
    assert_eq!(attempts[0].errcode, Some(109001));
    assert!(rig.journal.shipped(first).await.unwrap().is_some());

    // The call takes effect but the answer is lost (HTTP 502): re-reading the order settles it.
    let second = rig.orders[1].id;
    rig.sb.set_faults(Faults::one(
        SEND,
        Fault::ApplyThenHttpStatus { status: 502 },
        1,
    ));
    let sends = rig.sb.stats().calls_to(SEND);
    let r = station.ship(second, &[made[1].1.clone()]).await.unwrap();
    assert_eq!(r.outcome, ShipOutcome::ShippedConfirmedOnReread);
    assert_eq!(rig.sb.stats().calls_to(SEND), sends + 1, "not sent again");
    assert_eq!(rig.sb.order_status(second.0), Some(30));
    let attempts = rig.journal.shipments(second).await.unwrap();
    assert_eq!(attempts[0].state, ShipAttemptState::ConfirmedOnReread);
}

#[tokio::test]
async fn a_ship_timeout_is_recorded_as_unknown_and_the_next_click_rereads_instead_of_sending() {
    let rig = rig(1).await;
    let client = common::client(&rig.sb);
    let made = common::waybills_for(&client, &[rig.orders[0].id.0], "SF").await;
    let mut config = common::config(&rig.sb);
    config.timeout_ms = 1_000;
    let station = rig.station_with(config);
    let id = rig.orders[0].id;
    let wb = [made[0].1.clone()];
    // The send is applied after 2.5 s; the client gives up after 1 s.
    rig.sb
        .set_faults(Faults::one(SEND, Fault::Delay { ms: 2_500 }, 1));
    let err = station.ship(id, &wb).await.unwrap_err();
    assert!(
        matches!(
            &err,
            StationError::ShipOutcomeUnknown {
                error: WechatError::Transport {
                    timed_out: true,
                    ..
                },
                ..
            }
        ),
        "{err:?}"
    );
    assert!(err
        .explain(waybill_desk::wechat::Lang::En)
        .contains("never sent twice"));
    assert_eq!(
        rig.journal.shipments(id).await.unwrap()[0].state,
        ShipAttemptState::Unknown
    );
    assert!(rig.journal.shipped(id).await.unwrap().is_none());
    // Wait (on the sandbox's state, not a clock) until the delayed send has landed.
    for _ in 0..200 {
        if rig.sb.order_status(id.0) == Some(30) {
            break;
        }
        tokio::time::sleep(std::time::Duration::from_millis(25)).await;
    }
    assert_eq!(rig.sb.order_status(id.0), Some(30));
    let r = station.ship(id, &wb).await.unwrap();
    assert_eq!(r.outcome, ShipOutcome::AlreadyShipped);
    assert_eq!(
        rig.sb.stats().calls_to(SEND),
        1,
        "the second click did not send"
    );
    let attempts = rig.journal.shipments(id).await.unwrap();
    assert_eq!(
        attempts.iter().map(|a| a.state).collect::<Vec<_>>(),
        [ShipAttemptState::Unknown, ShipAttemptState::AlreadyShipped]
    );
}

#[tokio::test]
async fn refusals_and_failures_are_recorded_as_attempts() {
    let rig = rig(1).await;
    let client = common::client(&rig.sb);
    let made = common::waybills_for(&client, &[rig.orders[0].id.0], "SF").await;
    let station = rig.station();
    let id = rig.orders[0].id;
    // More waybills than product lines: refused before sending.
    let too_many: Vec<WaybillRef> = (0..5)
        .map(|i| format!("SF:SF00{i}").parse().unwrap())
        .collect();
    let err = station.ship(id, &too_many).await.unwrap_err();
    assert!(
        matches!(err, StationError::Wechat(WechatError::Refused(_))),
        "{err:?}"
    );
    rig.sb.set_faults(Faults {
        rules: vec![errcode_rule(SEND, 45011, 1)],
        ..Faults::default()
    });
    let err = station.ship(id, &[made[0].1.clone()]).await.unwrap_err();
    assert_eq!(
        match &err {
            StationError::Wechat(e) => e.errcode(),
            _ => None,
        },
        Some(45011)
    );
    let r = station.ship(id, &[made[0].1.clone()]).await.unwrap();
    assert_eq!(r.outcome, ShipOutcome::Shipped);
    let states: Vec<_> = rig
        .journal
        .shipments(id)
        .await
        .unwrap()
        .iter()
        .map(|a| (a.state, a.errcode))
        .collect();
    assert_eq!(
        states,
        [
            (ShipAttemptState::Refused, None),
            (ShipAttemptState::Failed, Some(45011)),
            (ShipAttemptState::Shipped, None)
        ]
    );
    assert_eq!(rig.sb.stats().calls_to(SEND), 2);
}
