//! Logistics (e-waybill) endpoints: couriers, create / get / batch-get / cancel a waybill, and
//! the contact details behind a waybill.

use futures::stream::{self, StreamExt};
use serde::{Deserialize, Serialize};

use super::client::{CallKind, Endpoint, Method, WechatClient};
use super::error::{Refusal, WechatError};
use super::label::{decode_print_html, LabelDecodeError};
use super::order::Order;
use super::types::{DeliveryId, KeyValue, PrintType, WaybillId};

/// At most this many orders go into one `batchGetOrder` call (documented limit).
pub const BATCH_LIMIT: usize = 100;

pub const GET_ALL_DELIVERY: Endpoint = Endpoint {
    path: "/cgi-bin/express/business/delivery/getall",
    method: Method::Get,
    kind: CallKind::Read,
};
/// `getAllAccount`: the shop's bound courier accounts (`biz_id`) with their e-waybill quota.
pub const GET_ALL_ACCOUNT: Endpoint = Endpoint {
    path: "/cgi-bin/express/business/account/getall",
    method: Method::Get,
    kind: CallKind::Read,
};
pub const ADD_ORDER: Endpoint = Endpoint {
    path: "/cgi-bin/express/business/order/add",
    method: Method::Post,
    kind: CallKind::Write,
};
pub const GET_ORDER: Endpoint = Endpoint {
    path: "/cgi-bin/express/business/order/get",
    method: Method::Post,
    kind: CallKind::Read,
};
pub const BATCH_GET_ORDER: Endpoint = Endpoint {
    path: "/cgi-bin/express/business/order/batchget",
    method: Method::Post,
    kind: CallKind::Read,
};
pub const CANCEL_ORDER: Endpoint = Endpoint {
    path: "/cgi-bin/express/business/order/cancel",
    method: Method::Post,
    kind: CallKind::Write,
};
pub const GET_CONTACT: Endpoint = Endpoint {
    path: "/cgi-bin/express/delivery/contact/get",
    method: Method::Post,
    kind: CallKind::Read,
};

/// A courier company from `getAllDelivery`.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Courier {
    pub delivery_id: DeliveryId,
    pub delivery_name: String,
    #[serde(default)]
    pub can_use_cash: u8,
    #[serde(default)]
    pub can_get_quota: u8,
    #[serde(default)]
    pub cash_biz_id: String,
    #[serde(default)]
    pub service_type: Vec<CourierService>,
}

/// A service level of a courier (e.g. 标准快递).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct CourierService {
    pub service_type: i64,
    pub service_name: String,
}

#[derive(Deserialize)]
struct GetAllDeliveryResponse {
    #[serde(default)]
    data: Vec<Courier>,
}

/// A courier account bound to the shop (`getAllAccount`): the `biz_id` new waybills are
/// created with, and how many labels it has left where the courier reports it.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct CourierAccount {
    pub biz_id: String,
    pub delivery_id: DeliveryId,
    /// Binding state: 0 bound and usable; anything else is not usable (yet).
    #[serde(default)]
    pub status_code: i64,
    #[serde(default)]
    pub alias: String,
    /// Why binding failed, in the courier's words.
    #[serde(default)]
    pub remark_wrong_msg: String,
    /// Labels left (电子面单余额); absent when the courier does not report it.
    #[serde(default)]
    pub quota_num: Option<i64>,
    /// When `quota_num` was last updated (Unix seconds).
    #[serde(default)]
    pub quota_update_time: Option<i64>,
}

impl CourierAccount {
    /// True when the binding went through (`status_code` 0).
    pub fn is_bound(&self) -> bool {
        self.status_code == 0
    }
}

#[derive(Deserialize)]
struct GetAllAccountResponse {
    #[serde(default)]
    list: Vec<CourierAccount>,
}

/// Names, phones and address of one party of a waybill.
#[derive(Debug, Clone, PartialEq, Default, Serialize, Deserialize)]
pub struct WaybillParty {
    pub name: String,
    #[serde(default, skip_serializing_if = "String::is_empty")]
    pub tel: String,
    #[serde(default, skip_serializing_if = "String::is_empty")]
    pub mobile: String,
    #[serde(default, skip_serializing_if = "String::is_empty")]
    pub company: String,
    #[serde(default, skip_serializing_if = "String::is_empty")]
    pub post_code: String,
    #[serde(default, skip_serializing_if = "String::is_empty")]
    pub country: String,
    pub province: String,
    pub city: String,
    pub area: String,
    pub address: String,
}

/// A goods line on the waybill's cargo list.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct CargoDetail {
    pub name: String,
    pub count: u32,
}

/// Package size and contents.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Cargo {
    pub count: u32,
    /// Kilograms.
    pub weight: f64,
    /// Centimetres.
    pub space_x: f64,
    pub space_y: f64,
    pub space_z: f64,
    pub detail_list: Vec<CargoDetail>,
}

/// Shown in the buyer's logistics notification.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct ShopInfo {
    #[serde(default, skip_serializing_if = "String::is_empty")]
    pub wxa_path: String,
    #[serde(default, skip_serializing_if = "String::is_empty")]
    pub img_url: String,
    pub goods_name: String,
    pub goods_count: u32,
}

/// Insurance; `use_insured` 0 means none.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Insured {
    pub use_insured: u8,
    /// Fen.
    pub insured_value: i64,
}

/// The courier's service level.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct ServiceChoice {
    pub service_type: i64,
    pub service_name: String,
}

/// `order/add`: create a waybill for an order.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct AddOrderRequest {
    /// 0: mini program order; 2: app/other order (no logistics notification).
    pub add_source: u8,
    /// The shop order id as a string.
    pub order_id: String,
    #[serde(default, skip_serializing_if = "String::is_empty")]
    pub openid: String,
    pub delivery_id: DeliveryId,
    pub biz_id: String,
    #[serde(default, skip_serializing_if = "String::is_empty")]
    pub custom_remark: String,
    pub sender: WaybillParty,
    pub receiver: WaybillParty,
    pub cargo: Cargo,
    pub shop: ShopInfo,
    pub insured: Insured,
    pub service: ServiceChoice,
}

impl AddOrderRequest {
    /// The `order/add` request for a shop order: receiver and goods from the order (pieces less
    /// finished after-sales), one parcel, standard service, no insurance.
    pub fn for_shop_order(
        order: &Order,
        sender: WaybillParty,
        delivery_id: DeliveryId,
        biz_id: String,
    ) -> AddOrderRequest {
        let a = &order.address;
        // Only what is left: a partly shipped order's earlier parcels are not in this one.
        let details: Vec<CargoDetail> = order
            .remaining_items()
            .iter()
            .map(|i| CargoDetail {
                name: order
                    .products
                    .iter()
                    .find(|p| p.product_id == i.product_id && p.sku_id == i.sku_id)
                    .map(|p| p.title.clone())
                    .unwrap_or_default(),
                count: i.count,
            })
            .collect();
        let first = details.first().map(|d| d.name.clone()).unwrap_or_default();
        let pieces: u32 = details.iter().fold(0u32, |n, d| n.saturating_add(d.count));
        AddOrderRequest {
            add_source: 0,
            order_id: order.id.logistics_id(),
            openid: order.openid.clone(),
            delivery_id,
            biz_id,
            custom_remark: order.customer_notes.clone(),
            sender,
            receiver: WaybillParty {
                name: a.user_name.clone(),
                mobile: a.tel_number.clone(),
                post_code: a.postal_code.clone(),
                country: "中国".into(),
                province: a.province_name.clone(),
                city: a.city_name.clone(),
                area: a.county_name.clone(),
                // The courier needs the flat number: street and house number together.
                address: a.street(),
                ..WaybillParty::default()
            },
            cargo: Cargo {
                count: 1,
                weight: 1.0,
                space_x: 30.0,
                space_y: 20.0,
                space_z: 10.0,
                detail_list: details,
            },
            shop: ShopInfo {
                wxa_path: String::new(),
                img_url: order
                    .products
                    .first()
                    .map(|p| p.thumb_img.clone())
                    .unwrap_or_default(),
                goods_name: first,
                goods_count: pieces,
            },
            insured: Insured {
                use_insured: 0,
                insured_value: 0,
            },
            service: ServiceChoice {
                service_type: 0,
                service_name: "标准快递".into(),
            },
        }
    }
}

/// What `order/add` returns.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct AddOrderResponse {
    pub order_id: String,
    pub waybill_id: WaybillId,
    #[serde(default)]
    pub waybill_data: Vec<KeyValue>,
}

/// Which label to fetch.
#[derive(Debug, Clone, PartialEq, Eq, Hash, Serialize, Deserialize)]
pub struct LabelRequest {
    /// The shop order id as a string (logistics ids are strings).
    pub order_id: String,
    pub delivery_id: DeliveryId,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub waybill_id: Option<WaybillId>,
}

#[derive(Serialize)]
struct GetOrderRequest<'a> {
    order_id: &'a str,
    delivery_id: &'a DeliveryId,
    #[serde(skip_serializing_if = "Option::is_none")]
    waybill_id: Option<&'a WaybillId>,
    print_type: u8,
}

#[derive(Serialize)]
struct BatchGetRequest<'a> {
    order_list: &'a [LabelRequest],
}

/// A waybill with its print data, as `getOrder` and each `batchGetOrder` item return it.
#[derive(Debug, Clone, Deserialize)]
struct WaybillWire {
    #[serde(default)]
    errcode: i64,
    #[serde(default)]
    errmsg: String,
    #[serde(default)]
    order_id: String,
    #[serde(default)]
    delivery_id: String,
    #[serde(default)]
    waybill_id: String,
    #[serde(default)]
    print_html: String,
    #[serde(default)]
    waybill_data: Vec<KeyValue>,
    #[serde(default)]
    order_status: i32,
}

#[derive(Deserialize)]
struct BatchGetResponse {
    order_list: Vec<WaybillWire>,
}

/// A fetched label: the decoded HTML and the waybill's data.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Label {
    pub order_id: String,
    pub delivery_id: DeliveryId,
    pub waybill_id: WaybillId,
    /// The decoded label page.
    pub html: String,
    /// Sorting codes and the like.
    pub waybill_data: Vec<KeyValue>,
    /// 0 normal, 1 cancelled.
    pub order_status: i32,
    pub print_type: PrintType,
}

#[derive(Serialize)]
struct CancelOrderRequest<'a> {
    order_id: &'a str,
    #[serde(skip_serializing_if = "str::is_empty")]
    openid: &'a str,
    delivery_id: &'a DeliveryId,
    waybill_id: &'a WaybillId,
}

#[derive(Deserialize)]
struct Ignored {}

#[derive(Serialize)]
struct GetContactRequest<'a> {
    token: &'a str,
    waybill_id: &'a WaybillId,
}

/// A party as getContact returns it.
#[derive(Debug, Clone, PartialEq, Default, Serialize, Deserialize)]
pub struct ContactParty {
    #[serde(default)]
    pub address: String,
    #[serde(default)]
    pub name: String,
    #[serde(default)]
    pub tel: String,
    #[serde(default)]
    pub mobile: String,
}

/// Sender and receiver of a waybill.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Contact {
    pub waybill_id: WaybillId,
    pub sender: ContactParty,
    pub receiver: ContactParty,
}

/// The logistics API area.
pub struct Logistics<'a> {
    client: &'a WechatClient,
}

impl WechatClient {
    /// The logistics (e-waybill) endpoints.
    pub fn logistics(&self) -> Logistics<'_> {
        Logistics { client: self }
    }
}

impl Logistics<'_> {
    /// `getAllDelivery`: the couriers the account can use.
    pub async fn couriers(&self) -> Result<Vec<Courier>, WechatError> {
        let response: GetAllDeliveryResponse =
            self.client.call::<(), _>(GET_ALL_DELIVERY, None).await?;
        Ok(response.data)
    }

    /// `getAllAccount`: the courier accounts bound to the shop, with `biz_id` and quota.
    pub async fn accounts(&self) -> Result<Vec<CourierAccount>, WechatError> {
        let response: GetAllAccountResponse =
            self.client.call::<(), _>(GET_ALL_ACCOUNT, None).await?;
        Ok(response.list)
    }

    /// `addOrder`: creates a waybill. Sent once (a write).
    pub async fn add_order(
        &self,
        request: &AddOrderRequest,
    ) -> Result<AddOrderResponse, WechatError> {
        self.client.call(ADD_ORDER, Some(request)).await
    }

    /// `getOrder`: one label; the only call that honours `print_type`.
    pub async fn get_label(
        &self,
        request: &LabelRequest,
        print_type: PrintType,
    ) -> Result<Label, WechatError> {
        let wire: WaybillWire = self
            .client
            .call(
                GET_ORDER,
                Some(&GetOrderRequest {
                    order_id: &request.order_id,
                    delivery_id: &request.delivery_id,
                    waybill_id: request.waybill_id.as_ref(),
                    print_type: print_type.wire_value(),
                }),
            )
            .await?;
        into_label(wire, request, print_type)
    }

    /// `batchGetOrder` for up to [`BATCH_LIMIT`] orders in one call; one result per request, in
    /// the caller's order. A call that fails as a whole gives every order of it that error.
    pub async fn batch_get_chunk(
        &self,
        requests: &[LabelRequest],
    ) -> Vec<Result<Label, WechatError>> {
        if requests.len() > BATCH_LIMIT {
            let e = WechatError::Refused(Refusal::InvalidArgument(format!(
                "batchGetOrder takes at most {BATCH_LIMIT} orders, got {}",
                requests.len()
            )));
            return requests.iter().map(|_| Err(e.clone())).collect();
        }
        let response: Result<BatchGetResponse, _> = self
            .client
            .call(
                BATCH_GET_ORDER,
                Some(&BatchGetRequest {
                    order_list: requests,
                }),
            )
            .await;
        match response {
            Err(e) => requests.iter().map(|_| Err(e.clone())).collect(),
            Ok(response) => match_batch_items(requests, response.order_list),
        }
    }

    /// Labels for any number of orders: two-part labels through `batchGetOrder` in chunks of
    /// 100, one-part labels through `getOrder` one by one (batchget ignores `print_type`); a
    /// bounded number of calls run at once. One result per request, in the caller's order.
    pub async fn labels(
        &self,
        requests: &[LabelRequest],
        print_type: PrintType,
    ) -> Vec<Result<Label, WechatError>> {
        // Owned chunks and client clones keep these futures `Send`, so callers can spawn them.
        let concurrency = self.client.max_concurrent_calls();
        let client = self.client.clone();
        match print_type {
            PrintType::TwoPart => {
                let chunks: Vec<Vec<Result<Label, WechatError>>> =
                    stream::iter(requests.chunks(BATCH_LIMIT).map(<[LabelRequest]>::to_vec))
                        .map(move |chunk| batch_get_owned(client.clone(), chunk))
                        .buffered(concurrency)
                        .collect()
                        .await;
                chunks.into_iter().flatten().collect()
            }
            PrintType::OnePart => {
                stream::iter(requests.to_vec())
                    .map(move |r| get_label_owned(client.clone(), r))
                    .buffered(concurrency * 2)
                    .collect()
                    .await
            }
        }
    }

    /// `cancelOrder`: cancels a waybill. Sent once (a write).
    pub async fn cancel_order(
        &self,
        order_id: &str,
        openid: &str,
        delivery_id: &DeliveryId,
        waybill_id: &WaybillId,
    ) -> Result<(), WechatError> {
        let _: Ignored = self
            .client
            .call(
                CANCEL_ORDER,
                Some(&CancelOrderRequest {
                    order_id,
                    openid,
                    delivery_id,
                    waybill_id,
                }),
            )
            .await?;
        Ok(())
    }

    /// `getContact`: sender and receiver of a waybill; `token` comes from the order-placement
    /// event WeChat pushed for that waybill.
    pub async fn contact(
        &self,
        token: &str,
        waybill_id: &WaybillId,
    ) -> Result<Contact, WechatError> {
        self.client
            .call(GET_CONTACT, Some(&GetContactRequest { token, waybill_id }))
            .await
    }
}

/// One `batchGetOrder` chunk as a task of its own on the runtime: the answers of a batch arrive
/// together, and reading their JSON and decoding their label pages (megabytes of base64) then
/// runs on every worker thread instead of one after another in the caller's task. Dropping the
/// future ends the task, as dropping the call itself would.
async fn batch_get_owned(
    client: WechatClient,
    chunk: Vec<LabelRequest>,
) -> Vec<Result<Label, WechatError>> {
    struct AbortOnDrop(tokio::task::JoinHandle<Vec<Result<Label, WechatError>>>);
    impl Drop for AbortOnDrop {
        fn drop(&mut self) {
            self.0.abort();
        }
    }
    if tokio::runtime::Handle::try_current().is_err() {
        return client.logistics().batch_get_chunk(&chunk).await;
    }
    let count = chunk.len();
    let mut task = AbortOnDrop(tokio::spawn(async move {
        client.logistics().batch_get_chunk(&chunk).await
    }));
    match (&mut task.0).await {
        Ok(labels) => labels,
        Err(e) if e.is_panic() => std::panic::resume_unwind(e.into_panic()),
        // Only when the runtime itself shuts down.
        Err(_) => {
            let e = WechatError::Refused(Refusal::InvalidArgument(
                "the label fetch stopped: the program is shutting down".into(),
            ));
            (0..count).map(|_| Err(e.clone())).collect()
        }
    }
}

async fn get_label_owned(
    client: WechatClient,
    request: LabelRequest,
) -> Result<Label, WechatError> {
    client
        .logistics()
        .get_label(&request, PrintType::OnePart)
        .await
}

/// Pairs batchget items with the requests by order id (the answer's order is not promised).
fn match_batch_items(
    requests: &[LabelRequest],
    items: Vec<WaybillWire>,
) -> Vec<Result<Label, WechatError>> {
    let mut items: Vec<Option<WaybillWire>> = items.into_iter().map(Some).collect();
    requests
        .iter()
        .map(|request| {
            let found = items.iter_mut().find(|slot| {
                slot.as_ref().is_some_and(|item| {
                    item.order_id == request.order_id
                        && request
                            .waybill_id
                            .as_ref()
                            .is_none_or(|w| item.waybill_id.is_empty() || item.waybill_id == w.0)
                })
            });
            match found.and_then(Option::take) {
                None => Err(WechatError::Decode {
                    endpoint: BATCH_GET_ORDER.path,
                    path: "order_list".into(),
                    message: format!("no entry for order {}", request.order_id),
                }),
                Some(item) if item.errcode != 0 => Err(WechatError::Api {
                    endpoint: BATCH_GET_ORDER.path,
                    errcode: item.errcode,
                    errmsg: item.errmsg,
                }),
                Some(item) => into_label(item, request, PrintType::TwoPart),
            }
        })
        .collect()
}

/// `order_status` of a cancelled waybill (seeds 000/001: 运单状态, 0正常,1取消).
pub const WAYBILL_CANCELLED: i32 = 1;

fn into_label(
    wire: WaybillWire,
    request: &LabelRequest,
    print_type: PrintType,
) -> Result<Label, WechatError> {
    // A cancelled waybill's label is void: it is never handed out as printable.
    if wire.order_status == WAYBILL_CANCELLED {
        return Err(WechatError::Refused(Refusal::WaybillCancelled {
            order_id: if wire.order_id.is_empty() {
                request.order_id.clone()
            } else {
                wire.order_id
            },
            waybill_id: if wire.waybill_id.is_empty() {
                request
                    .waybill_id
                    .as_ref()
                    .map(|w| w.0.clone())
                    .unwrap_or_default()
            } else {
                wire.waybill_id
            },
        }));
    }
    let html = decode_print_html(&wire.print_html).map_err(|e| match e {
        LabelDecodeError::TooLarge {
            size_bytes,
            limit_bytes,
        } => WechatError::LabelTooLarge {
            order_id: request.order_id.clone(),
            size_bytes,
            limit_bytes,
        },
        e => WechatError::Label {
            order_id: request.order_id.clone(),
            reason: e.to_string(),
        },
    })?;
    let waybill_id = if wire.waybill_id.is_empty() {
        request
            .waybill_id
            .clone()
            .ok_or_else(|| WechatError::Decode {
                endpoint: GET_ORDER.path,
                path: "waybill_id".into(),
                message: "missing".into(),
            })?
    } else {
        WaybillId(wire.waybill_id)
    };
    Ok(Label {
        order_id: if wire.order_id.is_empty() {
            request.order_id.clone()
        } else {
            wire.order_id
        },
        delivery_id: if wire.delivery_id.is_empty() {
            request.delivery_id.clone()
        } else {
            DeliveryId(wire.delivery_id)
        },
        waybill_id,
        html,
        waybill_data: wire.waybill_data,
        order_status: wire.order_status,
        print_type,
    })
}
