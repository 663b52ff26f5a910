//! The sandbox's state and the behaviour of every endpoint, as plain functions over it
//! (the HTTP layer in `server.rs` only parses, gates and wraps).

use std::collections::{BTreeMap, HashMap, HashSet};
use std::sync::Arc;
use std::time::{Duration, Instant};

use rand::rngs::StdRng;
use rand::{Rng, SeedableRng};
use serde::{Deserialize, Serialize};
use serde_json::{json, Value};

use super::fake;
use super::label::{render_label, LabelContent, LabelParty};
use super::model::{SbOrder, SbWaybill};
use crate::wechat::label::encode_print_html;
use crate::wechat::order::format_china_time;

mod shipping;
mod wire;

pub use shipping::{waybill_matches, OTHER_COURIER, SHOP_COURIERS, SUBSIDY_COURIERS};
use wire::{channels_order_json, minishop_order_json, TypeError};

/// A WeChat error answer: (errcode, errmsg).
pub type ApiError = (i64, String);
type ApiResult = Result<Value, ApiError>;

fn err(code: i64, msg: impl Into<String>) -> ApiError {
    (code, msg.into())
}

/// The logistics couriers (`getAllDelivery`, for `order/add`): (delivery_id, name). Not the
/// list `delivery/send` takes ids from: see [`SHOP_COURIERS`].
pub const COURIERS: &[(&str, &str)] = &[
    ("SF", "顺丰速运"),
    ("ZTO", "中通快递"),
    ("YTO", "圆通速递"),
    ("STO", "申通快递"),
    ("YUNDA", "韵达快递"),
    ("JTSD", "极兔速递"),
    ("EMS", "中国邮政EMS"),
    ("JD", "京东物流"),
    ("DB", "德邦快递"),
];

/// The mini-shop (小商店) demo AppID; [`crate::sandbox::DEMO_APPID`] is the WeChat Shop
/// (微信小店) one. Both take [`crate::sandbox::DEMO_SECRET`] and see the same sample orders.
pub const DEMO_MINISHOP_APPID: &str = "wxsandbox00000002";

/// The shop API family an AppID belongs to. A WeChat Shop account gets 48001 from the mini
/// shop's `product/...` endpoints and a mini shop gets 48001 from `channels/...` (seed 002 and
/// seed 003: 48001 无权调用本api; seed 003 §7: only 「微信小店」 accounts may call it). The
/// logistics endpoints (`cgi-bin/express/...`) answer both.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Family {
    /// 微信小店: `channels/ec/...`.
    Channels,
    /// 小商店: `product/...`.
    Minishop,
}

impl Family {
    /// The family whose endpoints live under this path, if it is a shop endpoint.
    pub fn of_path(path: &str) -> Option<Family> {
        if path.starts_with("/channels/") {
            Some(Family::Channels)
        } else if path.starts_with("/product/") {
            Some(Family::Minishop)
        } else {
            None
        }
    }
}

/// The demo AppID of a family, for demo mode.
pub fn demo_appid(family: Family) -> &'static str {
    match family {
        Family::Channels => super::DEMO_APPID,
        Family::Minishop => DEMO_MINISHOP_APPID,
    }
}

/// 48001 for a shop endpoint of the other family.
pub fn check_family(account: Family, path: &str) -> Result<(), ApiError> {
    match Family::of_path(path) {
        Some(f) if f != account => Err(err(
            48001,
            format!(
                "api unauthorized: this AppID is a {} account",
                match account {
                    Family::Channels => "WeChat Shop (微信小店)",
                    Family::Minishop => "mini shop (小商店)",
                }
            ),
        )),
        _ => Ok(()),
    }
}

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
    /// Per order id: `delivery/send` calls (both shop families) that reached the world, shipped
    /// or refused.
    #[serde(default)]
    pub send_calls: BTreeMap<String, u64>,
}

impl Stats {
    /// Calls made to a path.
    pub fn calls_to(&self, path: &str) -> u64 {
        self.calls.get(path).copied().unwrap_or(0)
    }
}

/// A sender or receiver as getContact answers it (seed 004): `tel` and `mobile` both.
#[derive(Debug, Clone)]
struct ContactParty {
    name: String,
    tel: String,
    mobile: String,
    address: String,
}

impl ContactParty {
    /// The number to print on a label: the mobile, else the landline.
    fn phone(&self) -> &str {
        if self.mobile.is_empty() {
            &self.tel
        } else {
            &self.mobile
        }
    }
}

#[derive(Debug, Clone)]
struct Waybill {
    order_id: String,
    delivery_id: String,
    waybill_id: String,
    cancelled: bool,
    waybill_data: Vec<(String, String)>,
    sender: ContactParty,
    receiver: ContactParty,
    items: Vec<(String, u32)>,
    event_token: String,
    /// The label pages made so far: `[two-part, one-part]`.
    pages: [Option<LabelPage>; 2],
}

/// A label page as WeChat serves it (`print_html`, base64), kept with its waybill: WeChat makes
/// a waybill's label once and serves the stored page, so the sandbox renders a page on its
/// first request and serves the same text after. Everything the page shows is fixed when the
/// waybill is made (cancelling changes `order_status`, not the page) except the minute it was
/// printed, so a page stored in another minute is made again: the pages served are the ones
/// rendering on every request gave.
#[derive(Debug, Clone)]
struct LabelPage {
    printed_at: String,
    print_html: Arc<str>,
}

/// An AppID the sandbox answers, with its family and current access_token.
struct Account {
    appid: String,
    secret: String,
    family: Family,
    token: Option<(String, Instant)>,
}

/// Everything the sandbox knows.
pub struct World {
    /// The first is the configured AppID (WeChat Shop); the second the mini-shop demo AppID.
    accounts: Vec<Account>,
    orders: HashMap<u64, SbOrder>,
    waybills: Vec<Waybill>,
    events: Vec<OrderEvent>,
    expired_tokens: HashSet<String>,
    rng: StdRng,
    token_lifetime: Duration,
    /// Seconds added to this machine's clock for the times the sandbox stamps (`update_time`),
    /// to test a station whose clock differs from WeChat's.
    clock_offset_s: i64,
    pub(crate) stats: Stats,
}

/// Something a buyer (or WeChat) does to an order outside this station, for tests of the
/// incremental order sync. Each gives the order a fresh `update_time`.
#[derive(Debug, Clone, PartialEq)]
pub enum BuyerChange {
    /// The buyer cancels an order not shipped yet (status 250).
    Cancel,
    /// The buyer opens an after-sales request.
    OpenAftersale,
    /// The buyer edits the note on the order.
    Note(String),
    /// A new paid order (status 20) like this one, with the given id, created now.
    NewOrderLike { order_id: u64 },
}

impl World {
    /// A world with the given orders and credentials. `appid` is a WeChat Shop (channels)
    /// account; [`DEMO_MINISHOP_APPID`] with the same secret is a mini-shop account over the
    /// same orders. The sample waybills of [`fake::sample_waybills`] exist from the start.
    pub fn new(orders: Vec<SbOrder>, appid: String, secret: String, seed: u64) -> Self {
        let mut accounts = vec![Account {
            appid: appid.clone(),
            secret: secret.clone(),
            family: if appid == DEMO_MINISHOP_APPID {
                Family::Minishop
            } else {
                Family::Channels
            },
            token: None,
        }];
        if appid != DEMO_MINISHOP_APPID {
            accounts.push(Account {
                appid: DEMO_MINISHOP_APPID.into(),
                secret,
                family: Family::Minishop,
                token: None,
            });
        }
        let sample = fake::sample_waybills(&orders);
        let mut world = World {
            accounts,
            orders: orders.into_iter().map(|o| (o.order_id, o)).collect(),
            waybills: Vec::new(),
            events: Vec::new(),
            expired_tokens: HashSet::new(),
            rng: StdRng::seed_from_u64(seed ^ 0x5eed),
            token_lifetime: Duration::from_secs(7200),
            clock_offset_s: 0,
            stats: Stats::default(),
        };
        for w in sample {
            world.seed_waybill(&w);
        }
        world
    }

    /// Puts a sample waybill (made before the sandbox started) in place, with its event.
    fn seed_waybill(&mut self, w: &SbWaybill) {
        let Some(order) = self.orders.get(&w.order_id).cloned() else {
            return;
        };
        let a = &order.address;
        let receiver = ContactParty {
            name: a.user_name.clone(),
            tel: String::new(),
            mobile: a.tel_number.clone(),
            address: format!(
                "{}{}{}{}{}",
                a.province_name, a.city_name, a.county_name, a.detail_info, a.house_number
            ),
        };
        let items = order
            .products
            .iter()
            .map(|p| (p.title.clone(), p.sku_cnt))
            .collect();
        let created = order.create_time + 3600;
        let (name, mobile, address) = fake::shop_sender();
        let sender = ContactParty {
            name,
            tel: "0755-27654321".into(),
            mobile,
            address,
        };
        let token = self.new_event_token();
        let city = order.address.city_name.trim_end_matches('市').to_string();
        let waybill = Waybill {
            order_id: w.order_id.to_string(),
            delivery_id: w.delivery_id.clone(),
            waybill_id: w.waybill_id.clone(),
            cancelled: w.cancelled,
            waybill_data: self.waybill_data(&w.delivery_id, city),
            sender,
            receiver,
            items,
            event_token: token.clone(),
            pages: [None, None],
        };
        self.events.push(OrderEvent {
            event: "add_express_order".into(),
            token,
            order_id: waybill.order_id.clone(),
            delivery_id: waybill.delivery_id.clone(),
            waybill_id: waybill.waybill_id.clone(),
            biz_id: "sandbox_biz_id".into(),
            create_time: created,
        });
        self.waybills.push(waybill);
    }

    fn new_event_token(&mut self) -> String {
        (0..32)
            .map(|_| char::from(b"0123456789abcdef"[self.rng.random_range(0..16)]))
            .collect()
    }

    fn waybill_data(&mut self, delivery_id: &str, city: String) -> Vec<(String, String)> {
        let mark = format!(
            "{:03}-{:02}-{:02} {:03}",
            self.rng.random_range(100..999),
            self.rng.random_range(1..30),
            self.rng.random_range(1..12),
            self.rng.random_range(100..999)
        );
        let d = delivery_id;
        vec![(format!("{d}_bagAddr"), city), (format!("{d}_mark"), mark)]
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
    /// Orders of the sample cases that the order data does not show (tests find them here):
    /// national-subsidy orders, and orders whose only waybill was cancelled.
    pub fn sample_case_order_ids(&self) -> (Vec<u64>, Vec<u64>) {
        let mut subsidy: Vec<u64> = self
            .orders
            .values()
            .filter(|o| o.national_subsidy)
            .map(|o| o.order_id)
            .collect();
        subsidy.sort_unstable();
        let mut cancelled: Vec<u64> = self
            .waybills
            .iter()
            .filter(|w| w.cancelled)
            .filter_map(|w| w.order_id.parse().ok())
            .collect();
        cancelled.sort_unstable();
        cancelled.dedup();
        (subsidy, cancelled)
    }

    /// The sandbox's clock: this machine's, plus the offset set by [`World::set_clock_offset`].
    pub fn now(&self) -> i64 {
        chrono::Utc::now()
            .timestamp()
            .saturating_add(self.clock_offset_s)
    }

    /// Makes the sandbox's clock run `offset_s` seconds ahead of this machine's (behind when
    /// negative), as WeChat's clock may differ from a station's.
    pub fn set_clock_offset(&mut self, offset_s: i64) {
        self.clock_offset_s = offset_s;
    }

    /// Applies a [`BuyerChange`] to an order; `None` when there is no such order (or it cannot
    /// take the change: only orders to be shipped can be cancelled).
    pub fn buyer_change(&mut self, order_id: u64, change: BuyerChange) -> Option<()> {
        let now = self.now();
        match change {
            BuyerChange::NewOrderLike { order_id: new_id } => {
                let mut order = self.orders.get(&order_id)?.clone();
                order.order_id = new_id;
                order.status = 20;
                order.create_time = now;
                order.update_time = now;
                order.deliveries.clear();
                order.open_aftersale_ids.clear();
                self.orders.insert(new_id, order);
            }
            change => {
                let order = self.orders.get_mut(&order_id)?;
                match change {
                    BuyerChange::Cancel if matches!(order.status, 10 | 20) => order.status = 250,
                    BuyerChange::Cancel => return None,
                    BuyerChange::OpenAftersale => {
                        let next = order.open_aftersale_ids.len() as u64 + 1;
                        order.open_aftersale_ids.push(order_id.wrapping_add(next));
                    }
                    BuyerChange::Note(note) => order.customer_notes = note,
                    BuyerChange::NewOrderLike { .. } => {}
                }
                order.update_time = now;
            }
        }
        Some(())
    }

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

    /// Expires every account's current access_token now.
    pub fn expire_tokens(&mut self) {
        for account in &mut self.accounts {
            if let Some((t, _)) = account.token.take() {
                self.expired_tokens.insert(t);
            }
        }
    }

    /// Checks an access_token and answers the family of its account: unknown → 40001,
    /// expired → 42001, missing → 41001.
    pub fn check_token(&mut self, token: Option<&str>) -> Result<Family, ApiError> {
        let token = match token {
            None | Some("") => return Err(err(41001, "access_token missing")),
            Some(t) => t,
        };
        let now = Instant::now();
        for account in &mut self.accounts {
            if let Some((t, until)) = &account.token {
                if t == token {
                    if now < *until {
                        return Ok(account.family);
                    }
                    self.expired_tokens.insert(t.clone());
                    account.token = None;
                    return Err(err(42001, "access_token expired"));
                }
            }
        }
        if self.expired_tokens.contains(token) {
            Err(err(42001, "access_token expired"))
        } else {
            Err(err(
                40001,
                "invalid credential, access_token is invalid or not latest",
            ))
        }
    }

    /// `GET /sandbox/token-service`: a company token service, which holds the AppSecret itself
    /// and hands out the shop's current access_token as `{access_token, expires_in}`.
    pub fn token_service(&mut self) -> ApiResult {
        let body = json!({
            "grant_type": "client_credential",
            "appid": self.accounts[0].appid,
            "secret": self.accounts[0].secret,
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
        let index = self
            .accounts
            .iter()
            .position(|a| a.appid == req.appid)
            .ok_or_else(|| err(40013, "invalid appid"))?;
        if req.secret != self.accounts[index].secret {
            return Err(err(40125, "invalid appsecret"));
        }
        let now = Instant::now();
        if let Some((token, until)) = self.accounts[index].token.take() {
            if now < until && !req.force_refresh {
                let answer = json!({"access_token": token, "expires_in": (until - now).as_secs()});
                self.accounts[index].token = Some((token, until));
                return Ok(answer);
            }
            self.expired_tokens.insert(token);
        }
        let token: String = (0..64)
            .map(|_| {
                char::from(
                    b"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789_"
                        [self.rng.random_range(0..63)],
                )
            })
            .collect();
        self.accounts[index].token = Some((token.clone(), now + self.token_lifetime));
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
        // Both ranges per SKIT ChannelsECOrderListGetRequest (`create_time_range`,
        // `update_time_range`, each `{start_time, end_time}` in Unix seconds); at least one.
        #[derive(Deserialize)]
        struct Req {
            create_time_range: Option<Range>,
            update_time_range: Option<Range>,
            status: Option<u32>,
            page_size: u32,
            #[serde(default)]
            next_key: String,
        }
        let req: Req = parse(body)?;
        if req.create_time_range.is_none() && req.update_time_range.is_none() {
            return Err(err(
                40097,
                "create_time_range or update_time_range is required",
            ));
        }
        for (name, range) in [
            ("create_time_range", &req.create_time_range),
            ("update_time_range", &req.update_time_range),
        ] {
            if let Some(r) = range {
                if r.end_time < r.start_time || r.end_time - r.start_time > 7 * 24 * 3600 {
                    return Err(err(40097, format!("{name} must span at most 7 days")));
                }
            }
        }
        let created = req
            .create_time_range
            .as_ref()
            .map_or((i64::MIN, i64::MAX), |r| (r.start_time, r.end_time));
        let updated = req
            .update_time_range
            .as_ref()
            .map_or((i64::MIN, i64::MAX), |r| (r.start_time, r.end_time));
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
        let matching = self.orders_in(created, updated, req.status);
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

    /// `POST /channels/ec/order/get`. WeChat Shop documents `order_id` as a string here (SKIT
    /// ChannelsECOrderGetRequest: `string OrderId`); a JSON integer is taken too, since the
    /// WeChat Shop gateway reads its 64-bit ids from either. Anything else is 47001.
    pub fn channels_get(&self, body: &Value) -> ApiResult {
        let te = TypeError::Format47001;
        let id = wire::number_or_digits(wire::object(body, te)?, "order_id", te)?;
        let order = self
            .orders
            .get(&id)
            .ok_or_else(|| err(100002, "order not exist"))?;
        Ok(json!({ "order": channels_order_json(order) }))
    }

    /// `POST /product/order/get_list`.
    pub fn minishop_list(&self, body: &Value) -> ApiResult {
        // Creation and update ranges per SKIT ProductOrderGetListRequest
        // (`start_create_time`/`end_create_time`, `start_update_time`/`end_update_time`,
        // "YYYY-MM-DD HH:MM:SS" China time); a range needs both ends.
        #[derive(Deserialize)]
        struct Req {
            start_create_time: Option<String>,
            end_create_time: Option<String>,
            start_update_time: Option<String>,
            end_update_time: Option<String>,
            status: Option<u32>,
            page: u32,
            page_size: u32,
        }
        let req: Req = parse(body)?;
        let parse_time = |s: &str| {
            crate::wechat::order::parse_china_time(s)
                .ok_or_else(|| err(9401020, format!("bad time `{s}`")))
        };
        let range = |start: &Option<String>, end: &Option<String>, name: &str| match (start, end) {
            (Some(s), Some(e)) => Ok(Some((parse_time(s)?, parse_time(e)?))),
            (None, None) => Ok(None),
            _ => Err(err(9401020, format!("{name} needs a start and an end"))),
        };
        let created = range(&req.start_create_time, &req.end_create_time, "create time")?;
        let updated = range(&req.start_update_time, &req.end_update_time, "update time")?;
        if created.is_none() && updated.is_none() {
            return Err(err(
                9401020,
                "a create time or update time range is required",
            ));
        }
        let created = created.unwrap_or((i64::MIN, i64::MAX));
        let updated = updated.unwrap_or((i64::MIN, i64::MAX));
        if req.page == 0 || !(1..=100).contains(&req.page_size) {
            return Err(err(9401020, "page starts at 1, page_size 1..=100"));
        }
        let matching = self.orders_in(created, updated, req.status);
        let orders: Vec<Value> = matching
            .iter()
            .skip(((req.page - 1) * req.page_size) as usize)
            .take(req.page_size as usize)
            .map(|o| minishop_order_json(o))
            .collect();
        Ok(json!({ "orders": orders, "total_num": matching.len() }))
    }

    /// `POST /product/order/get` (seed 002): `order_id` is a number; a string (or anything
    /// else) is 9401020, the document's 参数错误.
    pub fn minishop_get(&self, body: &Value) -> ApiResult {
        let te = TypeError::Param9401020;
        let id = wire::number_id(wire::object(body, te)?, "order_id", te)?;
        let order = self
            .orders
            .get(&id)
            .ok_or_else(|| err(100002, "order not exist"))?;
        Ok(json!({ "order": minishop_order_json(order) }))
    }

    /// Orders created and updated within the (inclusive) ranges, newest first.
    fn orders_in(
        &self,
        (start, end): (i64, i64),
        (updated_from, updated_to): (i64, i64),
        status: Option<u32>,
    ) -> Vec<&SbOrder> {
        let mut list: Vec<&SbOrder> = self
            .orders
            .values()
            .filter(|o| o.create_time >= start && o.create_time <= end)
            .filter(|o| o.update_time >= updated_from && o.update_time <= updated_to)
            .filter(|o| status.is_none_or(|s| o.status == s))
            .collect();
        list.sort_by(|a, b| {
            b.create_time
                .cmp(&a.create_time)
                .then(b.order_id.cmp(&a.order_id))
        });
        list
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

    /// `GET /cgi-bin/express/business/account/getall`: the shop's bound courier accounts. The
    /// sandbox has one per courier (SF's is the cash account `SF_CASH`, billed per label, its
    /// quota 0), and one account whose binding is still under review. Every account has every
    /// field of WeChat's public page for getAllAccount (tests/contract.rs checks it).
    pub fn get_all_account(&self) -> ApiResult {
        let now = chrono::Utc::now().timestamp();
        let mut list: Vec<Value> = COURIERS
            .iter()
            .enumerate()
            .map(|(i, (id, name))| {
                json!({
                    "biz_id": if *id == "SF" { "SF_CASH".to_string() } else { format!("{id}_sandbox_biz") },
                    "delivery_id": id,
                    "create_time": now - 86_400 * 30,
                    "update_time": now - 86_400,
                    "status_code": 0,
                    "alias": format!("{name}(沙箱)"),
                    "remark_wrong_msg": "",
                    "remark_content": "",
                    "service_type": [{"service_type": 0, "service_name": "标准快递"}],
                    // The public page lists both for every account; SF here is a cash
                    // (现付) account billed per label, whose quota stays 0.
                    "quota_num": if *id == "SF" { 0 } else { 500 * (i as i64 + 1) },
                    "quota_update_time": now - 3_600,
                })
            })
            .collect();
        list.push(json!({
            "biz_id": "ZTO_pending_review",
            "delivery_id": "ZTO",
            "create_time": now - 3_600,
            "update_time": now - 3_600,
            "status_code": 1,
            "alias": "中通(审核中)",
            "remark_wrong_msg": "网点审核中",
            "remark_content": "",
            "quota_num": 0,
            "quota_update_time": now - 3_600,
            "service_type": [],
        }));
        Ok(json!({ "count": list.len(), "list": list }))
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
        logistics_order_ids_are_strings(body)?;
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
        let waybill_data = self.waybill_data(&req.delivery_id, city);
        let token = self.new_event_token();
        let join = |p: &Party| ContactParty {
            name: p.name.clone(),
            tel: p.tel.clone(),
            mobile: p.mobile.clone(),
            address: format!("{}{}{}{}", p.province, p.city, p.area, p.address),
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
            pages: [None, None],
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

    /// The latest waybill of this order and courier (and this waybill id, when given).
    fn find_waybill(
        &mut self,
        order_id: &str,
        delivery_id: &str,
        waybill_id: Option<&str>,
    ) -> Option<&mut Waybill> {
        self.waybills.iter_mut().rev().find(|w| {
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
        logistics_order_ids_are_strings(body)?;
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
        if let Some(items) = body.get("order_list").and_then(Value::as_array) {
            items.iter().try_for_each(logistics_order_ids_are_strings)?;
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
        logistics_order_ids_are_strings(body)?;
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
        let party = |p: &ContactParty| json!({"address": p.address, "name": p.name, "tel": p.tel, "mobile": p.mobile});
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
    w: &mut Waybill,
    one_part: bool,
    bad_base64: &std::collections::BTreeSet<String>,
) -> Value {
    let print_html = if bad_base64.contains(&w.order_id) {
        "这不是base64!!@@".to_string()
    } else {
        let now = format_china_time(chrono::Utc::now().timestamp());
        String::from(&*label_page(w, one_part, now.get(..16).unwrap_or(&now)))
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

/// The waybill's label page (`print_html`, base64) of this print type printed at
/// `printed_at` (e.g. "2026-11-23 14:05"): the stored one when it shows that minute, else a
/// new one, stored.
fn label_page(w: &mut Waybill, one_part: bool, printed_at: &str) -> Arc<str> {
    let slot = usize::from(one_part);
    if let Some(page) = &w.pages[slot] {
        if page.printed_at == printed_at {
            return page.print_html.clone();
        }
    }
    let print_html: Arc<str> = render_page(w, one_part, printed_at).into();
    w.pages[slot] = Some(LabelPage {
        printed_at: printed_at.to_string(),
        print_html: print_html.clone(),
    });
    print_html
}

fn render_page(w: &Waybill, one_part: bool, printed_at: &str) -> String {
    let name = COURIERS
        .iter()
        .find(|(d, _)| *d == w.delivery_id)
        .map_or("", |(_, n)| n);
    let html = render_label(
        &LabelContent {
            waybill_id: &w.waybill_id,
            delivery_id: &w.delivery_id,
            delivery_name: name,
            order_id: &w.order_id,
            sorting: &w.waybill_data,
            sender: LabelParty {
                name: &w.sender.name,
                mobile: w.sender.phone(),
                address: &w.sender.address,
            },
            receiver: LabelParty {
                name: &w.receiver.name,
                mobile: w.receiver.phone(),
                address: &w.receiver.address,
            },
            items: &w.items,
            printed_at,
        },
        one_part,
    );
    encode_print_html(&html)
}

fn parse<T: serde::de::DeserializeOwned>(body: &Value) -> Result<T, ApiError> {
    T::deserialize(body).map_err(|e| err(47001, format!("data format error: {e}")))
}

/// Logistics documents give `order_id` as a string (seed 000, seed 001): a JSON number there
/// is 47001, the reverse of the shop APIs.
fn logistics_order_ids_are_strings(body: &Value) -> Result<(), ApiError> {
    match body.get("order_id") {
        Some(Value::Number(n)) => Err(err(
            47001,
            format!("data format error: order_id must be a string, got the number {n}"),
        )),
        _ => Ok(()),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::wechat::label::decode_print_html;

    fn world_with_waybill() -> World {
        let now = chrono::Utc::now().timestamp();
        let mut world = World::new(
            fake::generate_orders(3, 7, now),
            super::super::DEMO_APPID.into(),
            super::super::DEMO_SECRET.into(),
            7,
        );
        let party = |name: &str| {
            json!({"name": name, "mobile": "13800138000", "province": "广东省", "city": "广州市",
                   "area": "天河区", "address": "体育西路100号"})
        };
        world
            .add_order(&json!({
                "order_id": "900001", "delivery_id": "SF", "biz_id": "SF_CASH",
                "sender": party("张三"), "receiver": party("李四"),
                "cargo": {"detail_list": [{"name": "纯棉短袖T恤", "count": 2}]},
            }))
            .unwrap();
        world
    }

    fn get(world: &mut World, print_type: u8, bad: &[&str]) -> Value {
        let bad = bad.iter().map(|s| s.to_string()).collect();
        world
            .get_waybill(
                &json!({"order_id": "900001", "delivery_id": "SF", "print_type": print_type}),
                &bad,
            )
            .unwrap()
    }

    fn batch(world: &mut World) -> Value {
        let answer = world
            .batch_get(
                &json!({"order_list": [{"order_id": "900001", "delivery_id": "SF"}]}),
                &Default::default(),
            )
            .unwrap();
        answer["order_list"][0].clone()
    }

    #[test]
    fn a_label_page_is_made_once_a_minute_and_served_as_stored() {
        let mut world = world_with_waybill();
        let w = world.find_waybill("900001", "SF", None).unwrap();
        let first = label_page(w, false, "2026-12-01 10:00");
        let again = label_page(w, false, "2026-12-01 10:00");
        assert!(Arc::ptr_eq(&first, &again), "the stored page is served");
        let one_part = label_page(w, true, "2026-12-01 10:00");
        assert_ne!(first, one_part, "each print type has its own page");
        assert!(decode_print_html(&one_part).unwrap().contains("76mm"));
        assert!(decode_print_html(&first).unwrap().contains("100mm"));
        let later = label_page(w, false, "2026-12-01 10:01");
        assert!(!Arc::ptr_eq(&first, &later));
        let later = decode_print_html(&later).unwrap();
        assert!(later.contains("2026-12-01 10:01") && !later.contains("2026-12-01 10:00"));
        // What rendering on every request gave.
        assert_eq!(&*first, render_page(w, false, "2026-12-01 10:00"));
    }

    #[test]
    fn stored_pages_keep_the_answers_as_documented() {
        let mut world = world_with_waybill();
        // getOrder honours print_type; batchGetOrder always gives the two-part page.
        let two = get(&mut world, 0, &[]);
        let one = get(&mut world, 1, &[]);
        let batched = batch(&mut world);
        assert_ne!(two["print_html"], one["print_html"]);
        // The same page unless the minute turned between the calls.
        let minute = |v: &Value| {
            let html = decode_print_html(v["print_html"].as_str().unwrap()).unwrap();
            html.contains(&format_china_time(chrono::Utc::now().timestamp())[..16])
        };
        if minute(&two) && minute(&batched) {
            assert_eq!(two["print_html"], batched["print_html"]);
        }
        assert_eq!(two["order_status"], 0);
        // The bad-base64 fault wins over the stored page; it leaves the store as it was.
        let bad = get(&mut world, 0, &["900001"]);
        assert!(decode_print_html(bad["print_html"].as_str().unwrap()).is_err());
        assert!(decode_print_html(get(&mut world, 0, &[])["print_html"].as_str().unwrap()).is_ok());
        // Cancelling changes order_status, served with the stored page.
        let waybill_id = two["waybill_id"].as_str().unwrap().to_string();
        world
            .cancel_waybill(
                &json!({"order_id": "900001", "delivery_id": "SF", "waybill_id": waybill_id}),
            )
            .unwrap();
        assert_eq!(get(&mut world, 0, &[])["order_status"], 1);
        assert_eq!(batch(&mut world)["order_status"], 1);
        assert_eq!(world.stats.labels_served.get("900001"), Some(&7));
    }
}
