//! Shared set-up for the journal and fault tests: a sandbox, a station over a real SQLite journal
//! in a temporary data directory, and the "nothing lost, nothing done twice" checks.
#![allow(dead_code)]

use std::collections::BTreeMap;

use waybill_desk::sandbox::Sandbox;
use waybill_desk::station::{BatchEvent, BatchOptions, LabelBatchPlan, Station};
use waybill_desk::store::{Actor, BatchId, Journal};
use waybill_desk::wechat::order::Order;
use waybill_desk::wechat::shop::ShopKind;
use waybill_desk::wechat::{ClientConfig, DeliveryId, OrderId, PrintType, WechatClient};

use crate::common;

pub const ADD: &str = "/cgi-bin/express/business/order/add";
pub const BATCHGET: &str = "/cgi-bin/express/business/order/batchget";
pub const GET: &str = "/cgi-bin/express/business/order/get";
pub const SEND: &str = "/channels/ec/order/delivery/send";
pub const ORDER_GET: &str = "/channels/ec/order/get";

/// A sandbox, a journal in a temporary directory, and orders to work on.
pub struct Rig {
    pub sb: Sandbox,
    pub dir: tempfile::TempDir,
    pub journal: Journal,
    pub orders: Vec<Order>,
}

pub fn actor() -> Actor {
    Actor {
        station: "test-station".into(),
        operator: "tester".into(),
    }
}

/// Quick retry passes so fault tests stay fast.
pub fn fast_options() -> BatchOptions {
    BatchOptions {
        max_rounds: 4,
        retry_delay_ms: 20,
    }
}

pub fn plan(print_type: PrintType) -> LabelBatchPlan {
    LabelBatchPlan {
        print_type,
        delivery_id: DeliveryId("SF".into()),
        biz_id: "test_biz_id".into(),
        sender: common::sender(),
    }
}

/// A sandbox with `n` clean to-be-shipped orders read through the client, and an empty journal.
pub async fn rig(n: usize) -> Rig {
    let sb = common::sandbox(n * 3 / 2 + 60).await;
    let client = common::client(&sb);
    let ids = common::clean_orders(&client, &sb, n).await;
    let mut orders = Vec::new();
    for id in ids {
        orders.push(
            client
                .shop(ShopKind::Channels)
                .get_order(OrderId(id))
                .await
                .expect("order"),
        );
    }
    let dir = tempfile::tempdir().expect("tempdir");
    let journal = Journal::open(dir.path()).expect("journal opens");
    Rig {
        sb,
        dir,
        journal,
        orders,
    }
}

impl Rig {
    /// A station over this rig's journal with the given client configuration.
    pub fn station_with(&self, config: ClientConfig) -> Station {
        Station::new(
            WechatClient::new(config).expect("client"),
            ShopKind::Channels,
            self.journal.clone(),
            actor(),
        )
        .with_batch_options(fast_options())
    }

    /// A station with the test client configuration (fast retries, 3 s timeout).
    pub fn station(&self) -> Station {
        self.station_with(common::config(&self.sb))
    }

    pub fn order_ids(&self) -> Vec<String> {
        self.orders.iter().map(|o| o.id.to_string()).collect()
    }

    /// Every order of the batch is done with exactly one journal label, and the sandbox created
    /// exactly one waybill per order (one order-placement event, one `order/add` that reached it).
    pub async fn assert_complete_once(&self, batch: BatchId) {
        let info = self
            .journal
            .batch(batch)
            .await
            .expect("read")
            .expect("batch");
        assert_eq!(info.done, info.total, "every order done: {info:?}");
        assert!(
            self.journal
                .unfinished_batches()
                .await
                .expect("read")
                .is_empty(),
            "no unfinished batch left"
        );
        let items = self.journal.batch_items(batch, false).await.expect("items");
        assert_eq!(items.len(), self.orders.len());
        let stats = self.sb.stats();
        let events = self.sb.events();
        for order in &self.orders {
            let id = order.id.to_string();
            assert_eq!(
                self.journal.label_count(order.id).await.expect("count"),
                1,
                "order {id} has exactly one label in the journal"
            );
            let label = self
                .journal
                .latest_label(order.id)
                .await
                .expect("read")
                .expect("label");
            assert!(
                label.html.contains(&label.waybill_id.0),
                "label page of {id}"
            );
            assert_eq!(
                events.iter().filter(|e| e.order_id == id).count(),
                1,
                "order {id}: exactly one waybill created"
            );
            assert_eq!(
                stats.add_calls.get(&id).copied().unwrap_or(0),
                1,
                "order {id}: order/add reached WeChat exactly once"
            );
        }
    }

    /// How often the sandbox served each order's label.
    pub fn labels_served(&self) -> BTreeMap<String, u64> {
        self.sb.stats().labels_served
    }
}

/// Collects every event a run sent.
pub fn drain(rx: &mut tokio::sync::mpsc::UnboundedReceiver<BatchEvent>) -> Vec<BatchEvent> {
    let mut out = Vec::new();
    while let Ok(e) = rx.try_recv() {
        out.push(e);
    }
    out
}
