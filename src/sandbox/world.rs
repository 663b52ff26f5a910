//! The sandbox's state and the behaviour of every endpoint, as plain functions over it
//! (the HTTP layer in `server.rs` only parses, gates and wraps).

use std::collections::{BTreeMap, HashMap, HashSet};
use std::time::{Duration, Instant};

use rand::rngs::StdRng;
use rand::{Rng, SeedableRng};
use serde::{Deserialize, Serialize};
use serde_json::{json, Value};

use super::label::{render_label, LabelContent, LabelParty};
use super::model::{SbDelivery, SbOrder};
use crate::wechat::label::encode_print_html;
use crate::wechat::order::format_china_time;
use crate::wechat::types::lenient_u64;

/// A WeChat error answer: (errcode, errmsg).
pub type ApiError = (i64, String);
type ApiResult = Result<Value, ApiError>;

fn err(code: i64, msg: impl Into<String>) -> ApiError {
    (code, msg.into())
}

/// The couriers the sandbox offers: (delivery_id, name).
pub const COURIERS: &[(&str, &str)] = &[
    ("SF", "顺丰速运"),
    ("ZTO", "中通快递"),
    ("YTO", "圆通速递"),
    ("STO", "申通快递"),
    ("YUNDA", "韵达快递"),
    ("JTSD", "极兔速递"),
    ("EMS", "中国邮政EMS"),
    ("JD", "京东物流"),
];

/// The order-placement event WeChat pushes when a waybill is created; its `Token` is what
/// getContact needs. Listed at `GET /sandbox/events`.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "PascalCase")]
pub struct OrderEvent {
    pub event: String,
    pub token: String,
    pub order_id: String,
    #[serde(rename = "DeliveryID")]
    pub delivery_id: String,
    pub waybill_id: String,
    pub biz_id: String,
    pub create_time: i64,
}

/// Counters for tests and support.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct Stats {
    /// Calls per path, including failed ones.
    pub calls: BTreeMap<String, u64>,
    /// Access tokens minted by `stable_token` (and the token service).
    pub tokens_issued: u64,
    /// Per logistics order id: labels returned (`getOrder` and `batchGetOrder` items).
    #[serde(default)]
    pub labels_served: BTreeMap<String, u64>,
    /// Per logistics order id: `order/add` calls that reached the world.
    #[serde(default)]
    pub add_calls: BTreeMap<String, u64>,
}

impl Stats {
    /// Calls made to a path.
    pub fn calls_to(&self, path: &str) -> u64 {
        self.calls.get(path).copied().unwrap_or(0)
    }
}

#[derive(Debug, Clone)]
struct Waybill {
    order_id: String,
    delivery_id: String,
    waybill_id: String,
    cancelled: bool,
    waybill_data: Vec<(String, String)>,
    sender: (String, String, String),
    receiver: (String, String, String),
    items: Vec<(String, u32)>,
    event_token: String,
}

/// Everything the sandbox knows.
pub struct World {
    appid: String,
    secret: String,
    orders: HashMap<u64, SbOrder>,
    waybills: Vec<Waybill>,
    events: Vec<OrderEvent>,
    current_token: Option<(String, Instant)>,
    expired_tokens: HashSet<String>,
    rng: StdRng,
    token_lifetime: Duration,
    pub(crate) stats: Stats,
}

impl World {
    /// A world with the given orders and credentials.
    pub fn new(orders: Vec<SbOrder>, appid: String, secret: String, seed: u64) -> Self {
        World {
            appid,
            secret,
            orders: orders.into_iter().map(|o| (o.order_id, o)).collect(),
            waybills: Vec::new(),
            events: Vec::new(),
            current_token: None,
            expired_tokens: HashSet::new(),
            rng: StdRng::seed_from_u64(seed ^ 0x5eed),
            token_lifetime: Duration::from_secs(7200),
            stats: Stats::default(),
        }
    }

    /// The order-placement events so far.
    pub fn events(&self) -> &[OrderEvent] {
        &self.events
    }

    /// An order's status, for tests.
    pub fn order_status(&self, id: u64) -> Option<u32> {
        self.orders.get(&id).map(|o| o.status)
    }

    /// Ids of the orders in a status, newest first.
    pub fn order_ids_with_status(&self, status: u32) -> Vec<u64> {
        let mut list: Vec<&SbOrder> = self
            .orders
            .values()
            .filter(|o| o.status == status)
            .collect();
        list.sort_by(|a, b| {
            b.create_time
                .cmp(&a.create_time)
                .then(b.order_id.cmp(&a.order_id))
        });
        list.into_iter().map(|o| o.order_id).collect()
    }

    /// Expires the current access_token now.
    pub fn expire_tokens(&mut self) {
        if let Some((t, _)) = self.current_token.take() {
            self.expired_tokens.insert(t);
        }
    }

    /// Checks an access_token: unknown → 40001, expired → 42001, missing → 41001.
    pub fn check_token(&mut self, token: Option<&str>) -> Result<(), ApiError> {
        let token = match token {
            None | Some("") => return Err(err(41001, "access_token missing")),
            Some(t) => t,
        };
        match &self.current_token {
            Some((t, until)) if t == token => {
                if Instant::now() < *until {
                    Ok(())
                } else {
                    self.expire_tokens();
                    Err(err(42001, "access_token expired"))
                }
            }
            _ if self.expired_tokens.contains(token) => Err(err(42001, "access_token expired")),
            _ => Err(err(
                40001,
                "invalid credential, access_token is invalid or not latest",
            )),
        }
    }

    /// `GET /sandbox/token-service`: a company token service, which holds the AppSecret itself
    /// and hands out the shop's current access_token as `{access_token, expires_in}`.
    pub fn token_service(&mut self) -> ApiResult {
        let body = json!({
            "grant_type": "client_credential",
            "appid": self.appid,
            "secret": self.secret,
        });
        self.stable_token(&body)
    }

    /// `POST /cgi-bin/stable_token`.
    pub fn stable_token(&mut self, body: &Value) -> ApiResult {
        #[derive(Deserialize)]
        struct Req {
            grant_type: String,
            appid: String,
            secret: String,
            #[serde(default)]
            force_refresh: bool,
        }
        let req: Req = parse(body)?;
        if req.grant_type != "client_credential" {
            return Err(err(40002, "invalid grant_type"));
        }
        if req.appid != self.appid {
            return Err(err(40013, "invalid appid"));
        }
        if req.secret != self.secret {
            return Err(err(40125, "invalid appsecret"));
        }
        if req.force_refresh {
            self.expire_tokens();
        }
        let now = Instant::now();
        if let Some((token, until)) = &self.current_token {
            if now < *until {
                return Ok(json!({"access_token": token, "expires_in": (*until - now).as_secs()}));
            }
        }
        self.expire_tokens();
        let token: String = (0..64)
            .map(|_| {
                char::from(
                    b"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789_"
                        [self.rng.random_range(0..63)],
                )
            })
            .collect();
        self.current_token = Some((token.clone(), now + self.token_lifetime));
        self.stats.tokens_issued += 1;
        Ok(json!({"access_token": token, "expires_in": self.token_lifetime.as_secs()}))
    }

    // ---------- shop orders ----------

    /// `POST /channels/ec/order/list/get`.
    pub fn channels_list(&self, body: &Value) -> ApiResult {
        #[derive(Deserialize)]
        struct Range {
            start_time: i64,
            end_time: i64,
        }
        #[derive(Deserialize)]
        struct Req {
            create_time_range: Option<Range>,
            status: Option<u32>,
            page_size: u32,
            #[serde(default)]
            next_key: String,
        }
        let req: Req = parse(body)?;
        let range = req
            .create_time_range
            .ok_or_else(|| err(40097, "create_time_range is required"))?;
        if range.end_time < range.start_time || range.end_time - range.start_time > 7 * 24 * 3600 {
            return Err(err(40097, "create_time_range must span at most 7 days"));
        }
        if !(1..=100).contains(&req.page_size) {
            return Err(err(40097, "page_size must be 1..=100"));
        }
        let offset: usize = if req.next_key.is_empty() {
            0
        } else {
            req.next_key
                .strip_prefix("nk")
                .and_then(|n| n.parse().ok())
                .ok_or_else(|| err(40097, "invalid next_key"))?
        };
        let matching = self.orders_in(range.start_time, range.end_time, req.status);
        let page: Vec<String> = matching
            .iter()
            .skip(offset)
            .take(req.page_size as usize)
            .map(|o| o.order_id.to_string())
            .collect();
        let next = offset + page.len();
        Ok(json!({
            "order_id_list": page,
            "next_key": format!("nk{next}"),
            "has_more": next < matching.len(),
        }))
    }

    /// `POST /channels/ec/order/get`.
    pub fn channels_get(&self, body: &Value) -> ApiResult {
        let id = order_id_of(body)?;
        let order = self
            .orders
            .get(&id)
            .ok_or_else(|| err(100002, "order not exist"))?;
        Ok(json!({ "order": channels_order_json(order) }))
    }

    /// `POST /product/order/get_list`.
    pub fn minishop_list(&self, body: &Value) -> ApiResult {
        #[derive(Deserialize)]
        struct Req {
            start_create_time: String,
            end_create_time: String,
            status: Option<u32>,
            page: u32,
            page_size: u32,
        }
        let req: Req = parse(body)?;
        let parse_time = |s: &str| {
            crate::wechat::order::parse_china_time(s)
                .ok_or_else(|| err(9401020, format!("bad time `{s}`")))
        };
        let (start, end) = (
            parse_time(&req.start_create_time)?,
            parse_time(&req.end_create_time)?,
        );
        if req.page == 0 || !(1..=100).contains(&req.page_size) {
            return Err(err(9401020, "page starts at 1, page_size 1..=100"));
        }
        let matching = self.orders_in(start, end, req.status);
        let orders: Vec<Value> = matching
            .iter()
            .skip(((req.page - 1) * req.page_size) as usize)
            .take(req.page_size as usize)
            .map(|o| minishop_order_json(o))
            .collect();
        Ok(json!({ "orders": orders, "total_num": matching.len() }))
    }

    /// `POST /product/order/get`.
    pub fn minishop_get(&self, body: &Value) -> ApiResult {
        let id = order_id_of(body).map_err(|_| err(9401020, "order_id must be a number"))?;
        let order = self
            .orders
            .get(&id)
            .ok_or_else(|| err(100002, "order not exist"))?;
        Ok(json!({ "order": minishop_order_json(order) }))
    }

    fn orders_in(&self, start: i64, end: i64, status: Option<u32>) -> Vec<&SbOrder> {
        let mut list: Vec<&SbOrder> = self
            .orders
            .values()
            .filter(|o| o.create_time >= start && o.create_time <= end)
            .filter(|o| status.is_none_or(|s| o.status == s))
            .collect();
        list.sort_by(|a, b| {
            b.create_time
                .cmp(&a.create_time)
                .then(b.order_id.cmp(&a.order_id))
        });
        list
    }

    // ---------- shipping ----------

    /// `POST /channels/ec/order/delivery/send` (seed 003).
    pub fn delivery_send(&mut self, body: &Value) -> ApiResult {
        #[derive(Deserialize)]
        struct Product {
            #[serde(deserialize_with = "lenient_u64")]
            product_id: u64,
            #[serde(deserialize_with = "lenient_u64")]
            sku_id: u64,
            product_cnt: u32,
        }
        #[derive(Deserialize)]
        struct Package {
            #[serde(default)]
            waybill_id: String,
            #[serde(default)]
            delivery_id: String,
            deliver_type: u8,
            #[serde(default)]
            product_infos: Vec<Product>,
        }
        #[derive(Deserialize)]
        struct Req {
            delivery_list: Vec<Package>,
        }
        let id = order_id_of(body)?;
        let req: Req = parse(body)?;
        let now = chrono::Utc::now().timestamp();
        let order = self
            .orders
            .get_mut(&id)
            .ok_or_else(|| err(100002, "order not exist"))?;
        match order.status {
            30 | 100 => return Err(err(109001, "order already delivered")),
            20 | 21 => {}
            _ => return Err(err(101100, "order status not allow delivery")),
        }
        if !order.open_aftersale_ids.is_empty()
            || order.products.iter().any(|p| p.on_aftersale_sku_cnt > 0)
        {
            return Err(err(108009, "order has unfinished aftersale"));
        }
        if req.delivery_list.is_empty() {
            return Err(err(40097, "delivery_list is empty"));
        }
        let mut shipped_now: HashMap<(u64, u64), u32> = HashMap::new();
        for package in &req.delivery_list {
            if package.deliver_type != 1 {
                return Err(err(606008, "deliver_type not match order"));
            }
            if !COURIERS.iter().any(|(d, _)| *d == package.delivery_id) {
                return Err(err(
                    606004,
                    format!("invalid delivery_id `{}`", package.delivery_id),
                ));
            }
            if package.waybill_id.trim().is_empty() || package.waybill_id.len() > 40 {
                return Err(err(606005, "invalid waybill_id"));
            }
            if package.product_infos.is_empty() {
                return Err(err(109002, "no product in delivery"));
            }
            for p in &package.product_infos {
                if !order
                    .products
                    .iter()
                    .any(|op| op.product_id == p.product_id && op.sku_id == p.sku_id)
                {
                    return Err(err(
                        606031,
                        format!("product {} sku {} not in order", p.product_id, p.sku_id),
                    ));
                }
                *shipped_now.entry((p.product_id, p.sku_id)).or_default() += p.product_cnt;
            }
        }
        let mut complete = true;
        for product in &order.products {
            let key = (product.product_id, product.sku_id);
            let before: u32 = order
                .deliveries
                .iter()
                .flat_map(|d| &d.products)
                .filter(|(pid, sid, _)| (*pid, *sid) == key)
                .map(|(_, _, c)| *c)
                .sum();
            let now_cnt = shipped_now.get(&key).copied().unwrap_or(0);
            let allowed = product
                .sku_cnt
                .saturating_sub(product.finish_aftersale_sku_cnt);
            if before + now_cnt > allowed || (now_cnt == 0 && shipped_now.contains_key(&key)) {
                return Err(err(
                    109000,
                    format!(
                        "product {} count {} exceeds {}",
                        product.product_id,
                        before + now_cnt,
                        allowed
                    ),
                ));
            }
            if before + now_cnt < allowed {
                complete = false;
            }
        }
        for package in req.delivery_list {
            order.deliveries.push(SbDelivery {
                delivery_id: package.delivery_id,
                waybill_id: package.waybill_id,
                delivery_time: now,
                products: package
                    .product_infos
                    .iter()
                    .map(|p| (p.product_id, p.sku_id, p.product_cnt))
                    .collect(),
            });
        }
        order.status = if complete { 30 } else { 21 };
        order.update_time = now;
        Ok(json!({}))
    }

    // ---------- logistics ----------

    /// `GET|POST /cgi-bin/express/business/delivery/getall`.
    pub fn get_all_delivery(&self) -> ApiResult {
        let data: Vec<Value> = COURIERS
            .iter()
            .map(|(id, name)| {
                json!({
                    "delivery_id": id,
                    "delivery_name": name,
                    "can_use_cash": u8::from(*id == "SF"),
                    "can_get_quota": 1,
                    "cash_biz_id": if *id == "SF" { "SF_CASH" } else { "" },
                    "service_type": [{"service_type": 0, "service_name": "标准快递"}],
                })
            })
            .collect();
        Ok(json!({ "count": data.len(), "data": data }))
    }

    /// `POST /cgi-bin/express/business/order/add`. Adding the same order with the same courier
    /// again returns the existing waybill.
    pub fn add_order(&mut self, body: &Value) -> ApiResult {
        #[derive(Deserialize)]
        struct Party {
            name: String,
            #[serde(default)]
            mobile: String,
            #[serde(default)]
            tel: String,
            #[serde(default)]
            province: String,
            #[serde(default)]
            city: String,
            #[serde(default)]
            area: String,
            #[serde(default)]
            address: String,
        }
        #[derive(Deserialize)]
        struct Detail {
            name: String,
            count: u32,
        }
        #[derive(Deserialize)]
        struct Cargo {
            #[serde(default)]
            detail_list: Vec<Detail>,
        }
        #[derive(Deserialize)]
        struct Req {
            order_id: String,
            delivery_id: String,
            #[serde(default)]
            biz_id: String,
            sender: Party,
            receiver: Party,
            cargo: Cargo,
        }
        let req: Req = parse(body)?;
        *self
            .stats
            .add_calls
            .entry(req.order_id.clone())
            .or_default() += 1;
        if !COURIERS.iter().any(|(d, _)| *d == req.delivery_id) {
            return Err(err(
                9300501,
                format!("unknown delivery_id `{}`", req.delivery_id),
            ));
        }
        if req.biz_id.trim().is_empty() {
            return Err(err(9300531, "invalid biz_id"));
        }
        if req.order_id.is_empty() || req.order_id.len() > 64 {
            return Err(err(47003, "invalid order_id"));
        }
        for p in [&req.sender, &req.receiver] {
            if p.name.trim().is_empty()
                || (p.mobile.is_empty() && p.tel.is_empty())
                || p.address.trim().is_empty()
            {
                return Err(err(
                    47003,
                    "sender and receiver need name, phone and address",
                ));
            }
        }
        if let Some(w) = self.waybills.iter().find(|w| {
            w.order_id == req.order_id && w.delivery_id == req.delivery_id && !w.cancelled
        }) {
            return Ok(add_answer(w));
        }
        let waybill_id = self.new_waybill_id(&req.delivery_id);
        let city = if req.receiver.city.is_empty() {
            "上海".to_string()
        } else {
            req.receiver.city.trim_end_matches('市').to_string()
        };
        let mark = format!(
            "{:03}-{:02}-{:02} {:03}",
            self.rng.random_range(100..999),
            self.rng.random_range(1..30),
            self.rng.random_range(1..12),
            self.rng.random_range(100..999)
        );
        let d = req.delivery_id.clone();
        let waybill_data = vec![(format!("{d}_bagAddr"), city), (format!("{d}_mark"), mark)];
        let token: String = (0..32)
            .map(|_| char::from(b"0123456789abcdef"[self.rng.random_range(0..16)]))
            .collect();
        let join = |p: &Party| {
            (
                p.name.clone(),
                if p.mobile.is_empty() {
                    p.tel.clone()
                } else {
                    p.mobile.clone()
                },
                format!("{}{}{}{}", p.province, p.city, p.area, p.address),
            )
        };
        let waybill = Waybill {
            order_id: req.order_id.clone(),
            delivery_id: req.delivery_id.clone(),
            waybill_id: waybill_id.clone(),
            cancelled: false,
            waybill_data,
            sender: join(&req.sender),
            receiver: join(&req.receiver),
            items: req
                .cargo
                .detail_list
                .into_iter()
                .map(|d| (d.name, d.count))
                .collect(),
            event_token: token.clone(),
        };
        self.events.push(OrderEvent {
            event: "add_express_order".into(),
            token,
            order_id: req.order_id,
            delivery_id: req.delivery_id,
            waybill_id,
            biz_id: req.biz_id,
            create_time: chrono::Utc::now().timestamp(),
        });
        let answer = add_answer(&waybill);
        self.waybills.push(waybill);
        Ok(answer)
    }

    fn new_waybill_id(&mut self, delivery_id: &str) -> String {
        let digits: u64 = self.rng.random_range(100_000_000_000..999_999_999_999);
        match delivery_id {
            "SF" => format!("SF1{digits}"),
            "YTO" => format!("YT{digits}"),
            "JD" => format!("JDV00{digits}"),
            "JTSD" => format!("JT0{digits}"),
            _ => format!("7{digits}"),
        }
    }

    fn find_waybill(
        &self,
        order_id: &str,
        delivery_id: &str,
        waybill_id: Option<&str>,
    ) -> Option<&Waybill> {
        self.waybills.iter().rev().find(|w| {
            w.order_id == order_id
                && w.delivery_id == delivery_id
                && waybill_id.is_none_or(|id| id.is_empty() || id == w.waybill_id)
        })
    }

    /// `POST /cgi-bin/express/business/order/get` (seed 000).
    pub fn get_waybill(
        &mut self,
        body: &Value,
        bad_base64: &std::collections::BTreeSet<String>,
    ) -> ApiResult {
        #[derive(Deserialize)]
        struct Req {
            order_id: String,
            delivery_id: String,
            waybill_id: Option<String>,
            #[serde(default)]
            print_type: u8,
        }
        let req: Req = parse(body)?;
        let w = self
            .find_waybill(&req.order_id, &req.delivery_id, req.waybill_id.as_deref())
            .ok_or_else(|| err(40199, "waybill not found"))?;
        let answer = waybill_json(w, req.print_type == 1, bad_base64);
        *self.stats.labels_served.entry(req.order_id).or_default() += 1;
        Ok(answer)
    }

    /// `POST /cgi-bin/express/business/order/batchget` (seed 001): two-part labels, an errcode
    /// per item.
    pub fn batch_get(
        &mut self,
        body: &Value,
        bad_base64: &std::collections::BTreeSet<String>,
    ) -> ApiResult {
        #[derive(Deserialize)]
        struct Item {
            order_id: String,
            delivery_id: String,
            waybill_id: Option<String>,
        }
        #[derive(Deserialize)]
        struct Req {
            order_list: Vec<Item>,
        }
        let req: Req = parse(body)?;
        if req.order_list.is_empty() || req.order_list.len() > 100 {
            return Err(err(40097, "order_list must hold 1 to 100 orders"));
        }
        let mut served = Vec::new();
        let list: Vec<Value> = req
            .order_list
            .iter()
            .map(|item| {
                match self.find_waybill(
                    &item.order_id,
                    &item.delivery_id,
                    item.waybill_id.as_deref(),
                ) {
                    Some(w) => {
                        served.push(item.order_id.clone());
                        waybill_json(w, false, bad_base64)
                    }
                    None => json!({
                        "errcode": 40199, "errmsg": "waybill not found",
                        "order_id": item.order_id, "delivery_id": item.delivery_id,
                        "waybill_id": item.waybill_id.clone().unwrap_or_default(),
                    }),
                }
            })
            .collect();
        for order_id in served {
            *self.stats.labels_served.entry(order_id).or_default() += 1;
        }
        Ok(json!({ "order_list": list }))
    }

    /// `POST /cgi-bin/express/business/order/cancel`.
    pub fn cancel_waybill(&mut self, body: &Value) -> ApiResult {
        #[derive(Deserialize)]
        struct Req {
            order_id: String,
            delivery_id: String,
            waybill_id: String,
        }
        let req: Req = parse(body)?;
        let shipped = self
            .orders
            .values()
            .flat_map(|o| &o.deliveries)
            .any(|d| d.waybill_id == req.waybill_id);
        let w = self
            .waybills
            .iter_mut()
            .find(|w| {
                w.order_id == req.order_id
                    && w.delivery_id == req.delivery_id
                    && w.waybill_id == req.waybill_id
            })
            .ok_or_else(|| err(40199, "waybill not found"))?;
        if shipped {
            return Err(err(
                9300501,
                "the parcel was already shipped with this waybill",
            ));
        }
        w.cancelled = true;
        Ok(json!({ "count": 1, "delivery_resultcode": 0, "delivery_resultmsg": "" }))
    }

    /// `POST /cgi-bin/express/delivery/contact/get` (seed 004).
    pub fn contact(&self, body: &Value) -> ApiResult {
        #[derive(Deserialize)]
        struct Req {
            token: String,
            waybill_id: String,
        }
        let req: Req = parse(body)?;
        let w = self
            .waybills
            .iter()
            .find(|w| w.waybill_id == req.waybill_id)
            .ok_or_else(|| err(40199, "waybill not found"))?;
        if w.event_token != req.token {
            return Err(err(9300507, "invalid token"));
        }
        let party = |p: &(String, String, String)| json!({"address": p.2, "name": p.0, "tel": "", "mobile": p.1});
        Ok(
            json!({ "waybill_id": w.waybill_id, "sender": party(&w.sender), "receiver": party(&w.receiver) }),
        )
    }
}

fn add_answer(w: &Waybill) -> Value {
    json!({
        "order_id": w.order_id,
        "waybill_id": w.waybill_id,
        "waybill_data": w.waybill_data.iter().map(|(k, v)| json!({"key": k, "value": v})).collect::<Vec<_>>(),
        "delivery_resultcode": 0,
        "delivery_resultmsg": "",
    })
}

fn waybill_json(
    w: &Waybill,
    one_part: bool,
    bad_base64: &std::collections::BTreeSet<String>,
) -> Value {
    let print_html = if bad_base64.contains(&w.order_id) {
        "这不是base64!!@@".to_string()
    } else {
        let name = COURIERS
            .iter()
            .find(|(d, _)| *d == w.delivery_id)
            .map_or("", |(_, n)| n);
        let printed_at = format_china_time(chrono::Utc::now().timestamp());
        let html = render_label(
            &LabelContent {
                waybill_id: &w.waybill_id,
                delivery_id: &w.delivery_id,
                delivery_name: name,
                order_id: &w.order_id,
                sorting: &w.waybill_data,
                sender: LabelParty {
                    name: &w.sender.0,
                    mobile: &w.sender.1,
                    address: &w.sender.2,
                },
                receiver: LabelParty {
                    name: &w.receiver.0,
                    mobile: &w.receiver.1,
                    address: &w.receiver.2,
                },
                items: &w.items,
                printed_at: printed_at.get(..16).unwrap_or(&printed_at),
            },
            one_part,
        );
        encode_print_html(&html)
    };
    json!({
        "errcode": 0, "errmsg": "ok",
        "order_id": w.order_id,
        "delivery_id": w.delivery_id,
        "waybill_id": w.waybill_id,
        "print_html": print_html,
        "waybill_data": w.waybill_data.iter().map(|(k, v)| json!({"key": k, "value": v})).collect::<Vec<_>>(),
        "order_status": u8::from(w.cancelled),
    })
}

fn parse<T: serde::de::DeserializeOwned>(body: &Value) -> Result<T, ApiError> {
    T::deserialize(body).map_err(|e| err(47001, format!("data format error: {e}")))
}

fn order_id_of(body: &Value) -> Result<u64, ApiError> {
    #[derive(Deserialize)]
    struct Req {
        #[serde(deserialize_with = "lenient_u64")]
        order_id: u64,
    }
    parse::<Req>(body).map(|r| r.order_id)
}

fn address_json(o: &SbOrder) -> Value {
    let a = &o.address;
    json!({
        "user_name": a.user_name, "postal_code": a.postal_code, "province_name": a.province_name,
        "city_name": a.city_name, "county_name": a.county_name, "detail_info": a.detail_info,
        "national_code": "", "tel_number": a.tel_number,
    })
}

fn product_price(o: &SbOrder) -> i64 {
    o.products
        .iter()
        .map(|p| p.sale_price_fen * i64::from(p.sku_cnt))
        .sum()
}

/// WeChat Shop form: ids as strings, times as unix seconds.
fn channels_order_json(o: &SbOrder) -> Value {
    let products: Vec<Value> = o.products.iter().map(|p| json!({
        "product_id": p.product_id.to_string(), "sku_id": p.sku_id.to_string(),
        "thumb_img": p.thumb_img, "sku_cnt": p.sku_cnt, "sale_price": p.sale_price_fen,
        "market_price": p.market_price_fen, "title": p.title,
        "on_aftersale_sku_cnt": p.on_aftersale_sku_cnt, "finish_aftersale_sku_cnt": p.finish_aftersale_sku_cnt,
        "sku_code": p.sku_code,
        "sku_attrs": p.sku_attrs.iter().map(|(k, v)| json!({"attr_key": k, "attr_value": v})).collect::<Vec<_>>(),
    })).collect();
    let deliveries: Vec<Value> = o.deliveries.iter().map(|d| json!({
        "waybill_id": d.waybill_id, "delivery_id": d.delivery_id, "delivery_time": d.delivery_time,
        "deliver_type": 1,
        "product_infos": d.products.iter().map(|(p, s, c)| json!({"product_id": p.to_string(), "sku_id": s.to_string(), "product_cnt": c})).collect::<Vec<_>>(),
    })).collect();
    json!({
        "order_id": o.order_id.to_string(),
        "status": o.status,
        "create_time": o.create_time,
        "update_time": o.update_time,
        "openid": o.openid,
        "order_detail": {
            "product_infos": products,
            "price_info": {"product_price": product_price(o), "order_price": product_price(o) + o.freight_fen, "freight": o.freight_fen, "discounted_price": 0, "is_discounted": false},
            "delivery_info": {"address_info": address_json(o), "delivery_product_info": deliveries, "deliver_method": 0},
        },
        "aftersale_detail": {
            "on_aftersale_order_cnt": o.open_aftersale_ids.len(),
            "aftersale_order_list": o.open_aftersale_ids.iter().map(|id| json!({"aftersale_order_id": id.to_string(), "status": 1})).collect::<Vec<_>>(),
        },
        "ext_info": {"customer_notes": o.customer_notes, "merchant_notes": o.merchant_notes},
    })
}

/// Mini shop form (seed 002): ids as numbers, times as "YYYY-MM-DD HH:MM:SS".
fn minishop_order_json(o: &SbOrder) -> Value {
    let products: Vec<Value> = o.products.iter().map(|p| json!({
        "product_id": p.product_id, "sku_id": p.sku_id, "sku_cnt": p.sku_cnt,
        "on_aftersale_sku_cnt": p.on_aftersale_sku_cnt, "finish_aftersale_sku_cnt": p.finish_aftersale_sku_cnt,
        "title": p.title, "thumb_img": p.thumb_img, "sale_price": p.sale_price_fen, "market_price": p.market_price_fen,
        "sku_code": p.sku_code,
        "sku_attrs": p.sku_attrs.iter().map(|(k, v)| json!({"attr_key": k, "attr_value": v})).collect::<Vec<_>>(),
    })).collect();
    let deliveries: Vec<Value> = o.deliveries.iter().map(|d| json!({
        "waybill_id": d.waybill_id, "delivery_id": d.delivery_id, "delivery_time": d.delivery_time.to_string(),
        "deliver_type": "DELIVERY_TYPE_OPTIONAL_EXPRESS",
        "product_infos": d.products.iter().map(|(p, s, c)| json!({"product_id": p, "sku_id": s, "product_cnt": c})).collect::<Vec<_>>(),
    })).collect();
    json!({
        "order_id": o.order_id,
        "status": o.status,
        "create_time": format_china_time(o.create_time),
        "update_time": format_china_time(o.update_time),
        "openid": o.openid,
        "order_type": 0,
        "order_detail": {
            "product_infos": products,
            "pay_info": {"pay_method": "微信支付", "pay_time": format_china_time(o.create_time + 60)},
            "price_info": {"product_price": product_price(o), "order_price": product_price(o) + o.freight_fen, "freight": o.freight_fen, "discounted_price": 0, "is_discounted": false},
            "delivery_info": {"address_info": address_json(o), "delivery_method": "快递", "delivery_product_info": deliveries},
        },
        "aftersale_detail": {
            "on_aftersale_order_cnt": o.open_aftersale_ids.len(),
            "aftersale_order_list": o.open_aftersale_ids.iter().map(|id| json!({"aftersale_order_id": id, "status": 1})).collect::<Vec<_>>(),
        },
        "ext_info": {"customer_notes": o.customer_notes, "merchant_notes": o.merchant_notes},
    })
}
