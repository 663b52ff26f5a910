//! Work the UI asks for, run on the tokio runtime. Each task reports back over a channel and
//! asks egui for a repaint; the UI thread never waits on the network.

use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::mpsc;
use std::sync::Arc;

use futures::stream::{self, StreamExt};

use crate::sandbox::Sandbox;
use crate::wechat::delivery::{ShipOutcome, WaybillRef};
use crate::wechat::logistics::{
    AddOrderRequest, Contact, Courier, Label, LabelRequest, WaybillParty,
};
use crate::wechat::order::Order;
use crate::wechat::shop::{OrderQuery, ShopKind};
use crate::wechat::{DeliveryId, Lang, OrderId, PrintType, WechatClient};

/// What a background task reports.
#[derive(Debug)]
pub enum Event {
    /// A refresh finished.
    Orders(Result<Vec<Order>, String>),
    Couriers(Result<Vec<Courier>, String>),
    /// An order got its waybill (created or already known).
    Waybill {
        order_id: OrderId,
        waybill: WaybillRef,
    },
    /// One order of a label batch is done.
    LabelDone {
        order_id: OrderId,
        result: Result<Label, String>,
    },
    /// The label batch ended (all done, or cancelled).
    LabelBatchEnded {
        cancelled: bool,
    },
    /// One ship request ended.
    Shipped {
        order_id: OrderId,
        result: Result<ShipOutcome, ShipFailure>,
    },
    Contact {
        order_id: OrderId,
        result: Result<Contact, String>,
    },
}

/// A failed ship, explained, with WeChat's code when there is one.
#[derive(Debug, Clone)]
pub struct ShipFailure {
    pub errcode: Option<i64>,
    pub message: String,
}

/// One order of a label batch.
#[derive(Debug, Clone)]
pub struct LabelJob {
    pub order: Order,
    /// Known waybill; `None` creates one with `order/add`.
    pub waybill: Option<WaybillRef>,
}

/// What new waybills are made with.
#[derive(Debug, Clone)]
pub struct WaybillDefaults {
    pub delivery_id: String,
    pub biz_id: String,
    pub sender: WaybillParty,
}

/// Runs work for the UI.
pub struct Backend {
    runtime: tokio::runtime::Handle,
    client: WechatClient,
    shop: ShopKind,
    lang: Lang,
    tx: mpsc::Sender<Event>,
    repaint: Arc<dyn Fn() + Send + Sync>,
    /// The embedded sandbox in demo mode (kept alive here).
    sandbox: Option<Arc<Sandbox>>,
    cancel_batch: Arc<AtomicBool>,
}

impl Backend {
    /// A backend whose tasks report on `tx` and call `repaint` after each report.
    pub fn new(
        runtime: tokio::runtime::Handle,
        client: WechatClient,
        shop: ShopKind,
        lang: Lang,
        tx: mpsc::Sender<Event>,
        repaint: Arc<dyn Fn() + Send + Sync>,
        sandbox: Option<Arc<Sandbox>>,
    ) -> Self {
        Backend {
            runtime,
            client,
            shop,
            lang,
            tx,
            repaint,
            sandbox,
            cancel_batch: Arc::new(AtomicBool::new(false)),
        }
    }

    /// True in demo mode (embedded sandbox).
    pub fn is_demo(&self) -> bool {
        self.sandbox.is_some()
    }

    /// The embedded sandbox, in demo mode.
    pub fn sandbox(&self) -> Option<&Arc<Sandbox>> {
        self.sandbox.as_ref()
    }

    /// Changes the language of messages from now on.
    pub fn set_lang(&mut self, lang: Lang) {
        self.lang = lang;
    }

    fn reporter(&self) -> Reporter {
        Reporter {
            tx: self.tx.clone(),
            repaint: self.repaint.clone(),
        }
    }

    /// Lists orders.
    pub fn refresh(&self, query: OrderQuery) {
        let (client, shop, lang, report) =
            (self.client.clone(), self.shop, self.lang, self.reporter());
        self.runtime.spawn(async move {
            let result = client
                .shop(shop)
                .list_orders(query)
                .await
                .map_err(|e| e.explain(lang));
            report.send(Event::Orders(result));
        });
    }

    /// Lists couriers for the settings.
    pub fn load_couriers(&self) {
        let (client, lang, report) = (self.client.clone(), self.lang, self.reporter());
        self.runtime.spawn(async move {
            let result = client
                .logistics()
                .couriers()
                .await
                .map_err(|e| e.explain(lang));
            report.send(Event::Couriers(result));
        });
    }

    /// Creates missing waybills, then fetches labels (two-part through batchget in chunks of
    /// 100, one-part through getOrder), reporting each order as it completes. Cancel stops
    /// between calls; what finished stays finished.
    pub fn fetch_labels(
        &self,
        jobs: Vec<LabelJob>,
        defaults: WaybillDefaults,
        print_type: PrintType,
    ) {
        self.cancel_batch.store(false, Ordering::SeqCst);
        let (client, lang, report) = (self.client.clone(), self.lang, self.reporter());
        let cancel = self.cancel_batch.clone();
        let concurrency = client.max_concurrent_calls();
        self.runtime.spawn(async move {
            // 1. Waybills, a few at a time.
            let with_waybills: Vec<Option<(OrderId, WaybillRef)>> = stream::iter(jobs)
                .map(|job| {
                    ensure_waybill(
                        client.clone(),
                        report.clone(),
                        defaults.clone(),
                        cancel.clone(),
                        lang,
                        job,
                    )
                })
                .buffered(concurrency)
                .collect()
                .await;
            let ready: Vec<(OrderId, WaybillRef)> = with_waybills.into_iter().flatten().collect();
            // 2. Labels, chunk by chunk so progress shows and cancel takes effect.
            let chunk_size = match print_type {
                PrintType::TwoPart => crate::wechat::logistics::BATCH_LIMIT,
                PrintType::OnePart => concurrency * 2,
            };
            for chunk in ready.chunks(chunk_size) {
                if cancel.load(Ordering::SeqCst) {
                    report.send(Event::LabelBatchEnded { cancelled: true });
                    return;
                }
                let requests: Vec<LabelRequest> = chunk
                    .iter()
                    .map(|(id, w)| LabelRequest {
                        order_id: id.logistics_id(),
                        delivery_id: w.delivery_id.clone(),
                        waybill_id: Some(w.waybill_id.clone()),
                    })
                    .collect();
                let results = client.logistics().labels(&requests, print_type).await;
                for ((order_id, _), result) in chunk.iter().zip(results) {
                    report.send(Event::LabelDone {
                        order_id: *order_id,
                        result: result.map_err(|e| e.explain(lang)),
                    });
                }
            }
            report.send(Event::LabelBatchEnded {
                cancelled: cancel.load(Ordering::SeqCst),
            });
        });
    }

    /// Asks the running label batch to stop.
    pub fn cancel_labels(&self) {
        self.cancel_batch.store(true, Ordering::SeqCst);
    }

    /// Ships orders one after another (each reads the order first and sends at most once).
    pub fn ship(&self, orders: Vec<(OrderId, WaybillRef)>) {
        let (client, shop, lang, report) =
            (self.client.clone(), self.shop, self.lang, self.reporter());
        self.runtime.spawn(async move {
            for (order_id, waybill) in orders {
                let result = client
                    .delivery(shop)
                    .ship_order(order_id, std::slice::from_ref(&waybill))
                    .await
                    .map_err(|e| ShipFailure {
                        errcode: e.errcode(),
                        message: e.explain(lang),
                    });
                report.send(Event::Shipped { order_id, result });
            }
        });
    }

    /// Sender and receiver of a waybill. The token comes from the order-placement event; in
    /// demo mode the sandbox lists those events.
    pub fn fetch_contact(&self, order_id: OrderId, waybill: WaybillRef, token: Option<String>) {
        let (client, lang, report) = (self.client.clone(), self.lang, self.reporter());
        let sandbox = self.sandbox.clone();
        self.runtime.spawn(async move {
            let token = token.or_else(|| {
                sandbox.and_then(|s| {
                    s.events()
                        .into_iter()
                        .find(|e| e.waybill_id == waybill.waybill_id.0)
                        .map(|e| e.token)
                })
            });
            let result = match token {
                Some(t) => client
                    .logistics()
                    .contact(&t, &waybill.waybill_id)
                    .await
                    .map_err(|e| e.explain(lang)),
                None => Err(if lang == Lang::ZhCn {
                    "还没有收到这个运单的下单事件(token),暂时查不到寄收件人".to_string()
                } else {
                    "The order-placement event (token) for this waybill has not arrived yet"
                        .to_string()
                }),
            };
            report.send(Event::Contact { order_id, result });
        });
    }
}

/// The job's waybill: the known one, or a new one from `order/add`. A failure is reported as
/// the order's label result.
async fn ensure_waybill(
    client: WechatClient,
    report: Reporter,
    defaults: WaybillDefaults,
    cancel: Arc<AtomicBool>,
    lang: Lang,
    job: LabelJob,
) -> Option<(OrderId, WaybillRef)> {
    if cancel.load(Ordering::SeqCst) {
        return None;
    }
    if let Some(w) = job.waybill {
        return Some((job.order.id, w));
    }
    let request = AddOrderRequest::for_shop_order(
        &job.order,
        defaults.sender,
        DeliveryId(defaults.delivery_id),
        defaults.biz_id,
    );
    match client.logistics().add_order(&request).await {
        Ok(answer) => {
            let waybill = WaybillRef {
                delivery_id: request.delivery_id.clone(),
                waybill_id: answer.waybill_id,
            };
            report.send(Event::Waybill {
                order_id: job.order.id,
                waybill: waybill.clone(),
            });
            Some((job.order.id, waybill))
        }
        Err(e) => {
            report.send(Event::LabelDone {
                order_id: job.order.id,
                result: Err(e.explain(lang)),
            });
            None
        }
    }
}

#[derive(Clone)]
struct Reporter {
    tx: mpsc::Sender<Event>,
    repaint: Arc<dyn Fn() + Send + Sync>,
}

impl Reporter {
    fn send(&self, event: Event) {
        // The UI may have closed; then nobody needs the answer.
        let _ = self.tx.send(event);
        (self.repaint)();
    }
}
