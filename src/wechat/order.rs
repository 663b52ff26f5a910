//! The internal order model both shop families map into, and its wire form.

use chrono::TimeZone;
use serde::{Deserialize, Deserializer, Serialize};

use super::types::{lenient_u64, lenient_u64_default, OrderId};

/// A shop order as the packing station needs it.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Order {
    pub id: OrderId,
    /// OrderStatus (seed 002): 20 = to be shipped.
    pub status: u32,
    /// Unix seconds.
    pub created_unix: i64,
    pub openid: String,
    pub products: Vec<OrderProduct>,
    pub address: Address,
    pub customer_notes: String,
    pub merchant_notes: String,
    /// Fen.
    pub order_price_fen: i64,
    /// Fen.
    pub freight_fen: i64,
    /// Open after-sales orders.
    pub open_aftersale_count: u32,
    /// Parcels already shipped (seed 002 `delivery_info.delivery_product_info`), oldest first.
    pub shipped_packages: Vec<ShippedPackage>,
    /// OrderType (seed 002): 0 ordinary, 1 self-pickup, 5 same-city, 99 cannot be shipped, ...
    #[serde(default)]
    pub order_type: u32,
    /// DeliveryType of the order (seed 002 `delivery_info.deliver_type`), e.g.
    /// `DELIVERY_TYPE_NO_EXPRESS`; empty when WeChat did not say.
    #[serde(default)]
    pub deliver_type: String,
    /// `delivery_info.express_fee[].shipping_method` (seed 002 ShippingMethod), e.g.
    /// `ShippingMethod_Pickup`; empty when absent.
    #[serde(default)]
    pub shipping_method: String,
    /// WeChat Shop `delivery_info.deliver_method`: 0 ordinary, 1 virtual goods. Seed 003: only
    /// orders with deliver_method=1 may ship with deliver_type 3 (no logistics).
    #[serde(default)]
    pub deliver_method: u32,
    /// The buyer asked for a new address that the merchant has not handled yet (WeChat Shop
    /// `delivery_info.address_under_review`); shipping would be refused with 10020115.
    #[serde(default)]
    pub address_change_pending: bool,
}

/// The status that means "to be shipped".
pub const STATUS_TO_BE_SHIPPED: u32 = 20;
/// Partly shipped.
pub const STATUS_PARTLY_SHIPPED: u32 = 21;
/// Shipped, awaiting receipt.
pub const STATUS_SHIPPED: u32 = 30;

/// Seed 002 DeliveryType: "No courier required".
pub const DELIVERY_TYPE_NO_EXPRESS: &str = "DELIVERY_TYPE_NO_EXPRESS";
/// Seed 003: `deliver_method` of a virtual-goods order.
pub const DELIVER_METHOD_VIRTUAL: u32 = 1;

/// Why an order takes no courier: no waybill is created and no courier shipment is sent.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum NoCourier {
    /// OrderType 1 (or ShippingMethod_Pickup): the buyer collects it.
    SelfPickup,
    /// OrderType 5 (or ShippingMethod_SameCity): same-city delivery, not a courier parcel.
    SameCity,
    /// OrderType 99: WeChat says the order cannot be shipped.
    CannotShip,
    /// DeliveryType `DELIVERY_TYPE_NO_EXPRESS`: no courier required.
    NoExpress,
    /// Virtual goods (deliver_method 1): shipped as a whole with deliver_type 3, no waybill.
    Virtual,
}

impl NoCourier {
    /// The reason in the user's language, with what to do instead.
    pub fn explain(self, lang: super::Lang) -> &'static str {
        let zh = lang == super::Lang::ZhCn;
        match self {
            NoCourier::SelfPickup if zh => "自提订单:买家到店自取,不用快递,不要打面单",
            NoCourier::SelfPickup => {
                "Self-pickup order: the buyer collects it; no courier, do not print a label"
            }
            NoCourier::SameCity if zh => "同城配送订单:由同城配送送达,不用快递面单",
            NoCourier::SameCity => {
                "Same-city delivery order: delivered locally, no courier label"
            }
            NoCourier::CannotShip if zh => "微信标记该订单不能发货(订单类型 99),请在小店后台查看",
            NoCourier::CannotShip => {
                "WeChat marks this order as not shippable (order type 99); check it in the shop console"
            }
            NoCourier::NoExpress if zh => "该订单无需快递(DELIVERY_TYPE_NO_EXPRESS),不要打面单",
            NoCourier::NoExpress => {
                "This order needs no courier (DELIVERY_TYPE_NO_EXPRESS); do not print a label"
            }
            NoCourier::Virtual if zh => "虚拟商品:无需物流,整单点“发货”即可(不用面单)",
            NoCourier::Virtual => {
                "Virtual goods: no logistics; ship the whole order without a waybill"
            }
        }
    }

    /// A short stable name for files and JSON (`self_pickup`, `same_city`, ...).
    pub fn as_str(self) -> &'static str {
        match self {
            NoCourier::SelfPickup => "self_pickup",
            NoCourier::SameCity => "same_city",
            NoCourier::CannotShip => "cannot_ship",
            NoCourier::NoExpress => "no_express",
            NoCourier::Virtual => "virtual",
        }
    }

    /// The inverse of [`NoCourier::as_str`].
    pub fn parse(s: &str) -> Option<NoCourier> {
        [
            NoCourier::SelfPickup,
            NoCourier::SameCity,
            NoCourier::CannotShip,
            NoCourier::NoExpress,
            NoCourier::Virtual,
        ]
        .into_iter()
        .find(|r| r.as_str() == s)
    }
}

/// Pieces of one product line: what goes into a parcel, or what is left to ship.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
pub struct ParcelItem {
    pub product_id: u64,
    pub sku_id: u64,
    pub count: u32,
}

impl std::str::FromStr for ParcelItem {
    type Err = String;
    /// `PRODUCT_ID:SKU_ID:COUNT`, e.g. `234245:23424:2`.
    fn from_str(s: &str) -> Result<Self, Self::Err> {
        let bad = || format!("`{s}` is not PRODUCT_ID:SKU_ID:COUNT (e.g. 234245:23424:2)");
        let mut parts = s.trim().split(':');
        let (Some(p), Some(k), Some(c), None) =
            (parts.next(), parts.next(), parts.next(), parts.next())
        else {
            return Err(bad());
        };
        let item = ParcelItem {
            product_id: p.trim().parse().map_err(|_| bad())?,
            sku_id: k.trim().parse().map_err(|_| bad())?,
            count: c.trim().parse().map_err(|_| bad())?,
        };
        if item.count == 0 {
            return Err(format!("`{s}`: a count of 0 ships nothing"));
        }
        Ok(item)
    }
}

impl Order {
    /// True when the order's status says it has left the building (fully or partly).
    pub fn is_shipped(&self) -> bool {
        matches!(self.status, STATUS_PARTLY_SHIPPED | STATUS_SHIPPED | 100)
    }

    /// True when any product is in an open after-sales process.
    pub fn has_open_aftersale(&self) -> bool {
        self.open_aftersale_count > 0 || self.products.iter().any(|p| p.on_aftersale_sku_cnt > 0)
    }

    /// Total pieces still to ship (after-sales and earlier parcels taken off).
    pub fn shippable_pieces(&self) -> u32 {
        // Saturating: counts come from the server, and a sum of two u32::MAX must not panic.
        self.remaining_items()
            .iter()
            .fold(0u32, |n, i| n.saturating_add(i.count))
    }

    /// Pieces of one line already in earlier parcels.
    pub fn shipped_count(&self, product_id: u64, sku_id: u64) -> u32 {
        self.shipped_packages
            .iter()
            .flat_map(|p| &p.products)
            .filter(|i| i.product_id == product_id && i.sku_id == sku_id)
            .fold(0u32, |n, i| n.saturating_add(i.count))
    }

    /// What is left to ship, per line: `sku_cnt − finish_aftersale_sku_cnt − pieces in earlier
    /// parcels` (never below 0). Lines with nothing left are left out. Two lines with the same
    /// product and SKU share the earlier parcels' pieces, first line first.
    pub fn remaining_items(&self) -> Vec<ParcelItem> {
        // Earlier parcels' pieces not yet set against a line, per (product, sku).
        let mut pool: std::collections::HashMap<(u64, u64), u32> = std::collections::HashMap::new();
        let mut out = Vec::new();
        for p in &self.products {
            let key = (p.product_id, p.sku_id);
            let earlier = pool
                .entry(key)
                .or_insert_with(|| self.shipped_count(p.product_id, p.sku_id));
            let take = (*earlier).min(p.shippable_cnt());
            *earlier -= take;
            let left = p.shippable_cnt() - take;
            if left > 0 {
                out.push(ParcelItem {
                    product_id: p.product_id,
                    sku_id: p.sku_id,
                    count: left,
                });
            }
        }
        out
    }

    /// Why this order takes no courier, or `None` for an ordinary parcel order. One place
    /// decides it for the table, label batches, labels on demand and shipping.
    pub fn no_courier_reason(&self) -> Option<NoCourier> {
        if self.order_type == 99 {
            return Some(NoCourier::CannotShip);
        }
        if self.deliver_method == DELIVER_METHOD_VIRTUAL {
            return Some(NoCourier::Virtual);
        }
        if self.order_type == 1 || self.shipping_method == "ShippingMethod_Pickup" {
            return Some(NoCourier::SelfPickup);
        }
        if self.order_type == 5 || self.shipping_method == "ShippingMethod_SameCity" {
            return Some(NoCourier::SameCity);
        }
        if self.deliver_type == DELIVERY_TYPE_NO_EXPRESS {
            return Some(NoCourier::NoExpress);
        }
        None
    }

    /// True for virtual goods (seed 003: deliver_method=1).
    pub fn is_virtual(&self) -> bool {
        self.deliver_method == DELIVER_METHOD_VIRTUAL
    }

    /// True when a parcel with this waybill is already among the order's shipped parcels.
    pub fn has_parcel_with_waybill(&self, waybill_id: &str) -> bool {
        !waybill_id.is_empty()
            && self
                .shipped_packages
                .iter()
                .any(|p| p.waybill_id == waybill_id)
    }
}

impl Default for Order {
    fn default() -> Self {
        Order {
            id: OrderId(0),
            status: 0,
            created_unix: 0,
            openid: String::new(),
            products: Vec::new(),
            address: Address::default(),
            customer_notes: String::new(),
            merchant_notes: String::new(),
            order_price_fen: 0,
            freight_fen: 0,
            open_aftersale_count: 0,
            shipped_packages: Vec::new(),
            order_type: 0,
            deliver_type: String::new(),
            shipping_method: String::new(),
            deliver_method: 0,
            address_change_pending: false,
        }
    }
}

/// A product line.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct OrderProduct {
    pub product_id: u64,
    pub sku_id: u64,
    pub title: String,
    pub thumb_img: String,
    pub sku_attrs: Vec<SkuAttr>,
    pub sku_cnt: u32,
    pub on_aftersale_sku_cnt: u32,
    pub finish_aftersale_sku_cnt: u32,
    pub sale_price_fen: i64,
}

impl OrderProduct {
    /// Pieces that still go in the box: ordered less those refunded through after-sales.
    pub fn shippable_cnt(&self) -> u32 {
        self.sku_cnt.saturating_sub(self.finish_aftersale_sku_cnt)
    }
}

/// A SKU attribute such as 颜色: 红色.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct SkuAttr {
    pub attr_key: String,
    pub attr_value: String,
}

/// The receiver's address.
#[derive(Debug, Clone, PartialEq, Default, Serialize, Deserialize)]
pub struct Address {
    #[serde(default)]
    pub user_name: String,
    #[serde(default)]
    pub postal_code: String,
    #[serde(default)]
    pub province_name: String,
    #[serde(default)]
    pub city_name: String,
    #[serde(default)]
    pub county_name: String,
    #[serde(default)]
    pub detail_info: String,
    /// 门牌号 (seed 002 AddressInfo `house_number`): the flat or room, after the street.
    #[serde(default)]
    pub house_number: String,
    /// Seed 002 AddressInfo `national_code` ("Shipping Address Country Code"): the region
    /// code; kept and shown, but not part of the written address line.
    #[serde(default)]
    pub national_code: String,
    #[serde(default)]
    pub tel_number: String,
}

impl Address {
    /// The street address with the house number (`detail_info` then `house_number`), as a
    /// courier needs it on the label.
    pub fn street(&self) -> String {
        let detail = self.detail_info.trim();
        let house = self.house_number.trim();
        if house.is_empty() || detail.ends_with(house) {
            detail.to_string()
        } else if detail.is_empty() {
            house.to_string()
        } else {
            format!("{detail} {house}")
        }
    }

    /// Province, city, district, street and house number in one line.
    pub fn one_line(&self) -> String {
        format!(
            "{}{}{}{}",
            self.province_name,
            self.city_name,
            self.county_name,
            self.street()
        )
    }
}

/// A parcel already shipped (seed 002 DeliveryProductInfo).
#[derive(Debug, Clone, PartialEq, Default, Serialize, Deserialize)]
pub struct ShippedPackage {
    /// The courier id as WeChat recorded it (the shop courier list's id).
    pub delivery_id: String,
    pub waybill_id: String,
    /// The courier's name, when WeChat sent it.
    #[serde(default)]
    pub delivery_name: String,
    /// Unix seconds; 0 when unknown.
    #[serde(default)]
    pub delivery_time: i64,
    /// What went into the parcel.
    #[serde(default)]
    pub products: Vec<ParcelItem>,
}

// ---- wire form, shared by `channels/ec/order/get` and `product/order/get(_list)` ----

/// An order as either shop family sends it: ids as numbers or strings, times as unix seconds
/// (WeChat Shop) or "YYYY-MM-DD HH:MM:SS" in China time (mini shop).
#[derive(Debug, Deserialize)]
pub(crate) struct WireOrder {
    #[serde(deserialize_with = "lenient_u64")]
    order_id: u64,
    #[serde(default)]
    status: u32,
    #[serde(default, deserialize_with = "lenient_time")]
    create_time: i64,
    /// When WeChat last changed the order (for the order cache; not part of [`Order`]).
    #[serde(default, deserialize_with = "lenient_time")]
    pub(crate) update_time: i64,
    #[serde(default)]
    openid: String,
    #[serde(default)]
    order_detail: WireDetail,
    #[serde(default)]
    aftersale_detail: WireAftersale,
    #[serde(default)]
    ext_info: WireExt,
    #[serde(default, deserialize_with = "lenient_u32")]
    order_type: u32,
}

#[derive(Debug, Default, Deserialize)]
struct WireDetail {
    #[serde(default)]
    product_infos: Vec<WireProduct>,
    #[serde(default)]
    price_info: WirePrice,
    #[serde(default)]
    delivery_info: WireDelivery,
}

#[derive(Debug, Deserialize)]
struct WireProduct {
    #[serde(default, deserialize_with = "lenient_u64_default")]
    product_id: u64,
    #[serde(default, deserialize_with = "lenient_u64_default")]
    sku_id: u64,
    #[serde(default)]
    title: String,
    #[serde(default)]
    thumb_img: String,
    #[serde(default)]
    sku_attrs: Vec<SkuAttr>,
    #[serde(default)]
    sku_cnt: u32,
    #[serde(default)]
    on_aftersale_sku_cnt: u32,
    #[serde(default)]
    finish_aftersale_sku_cnt: u32,
    #[serde(default)]
    sale_price: i64,
}

#[derive(Debug, Default, Deserialize)]
struct WirePrice {
    #[serde(default)]
    order_price: i64,
    #[serde(default)]
    freight: i64,
}

#[derive(Debug, Default, Deserialize)]
struct WireDelivery {
    #[serde(default)]
    address_info: Address,
    #[serde(default)]
    delivery_product_info: Vec<WireShipped>,
    /// Seed 002: a string (DeliveryType); WeChat Shop sends a number here.
    #[serde(default, deserialize_with = "lenient_text")]
    deliver_type: String,
    #[serde(default)]
    express_fee: OneOrMany<WireExpressFee>,
    #[serde(default, deserialize_with = "lenient_u32")]
    deliver_method: u32,
    #[serde(default)]
    address_under_review: Option<serde_json::Value>,
}

/// Seed 002 types `express_fee` as an object in the table and shows an array in the example.
#[derive(Debug, Deserialize)]
#[serde(untagged)]
enum OneOrMany<T> {
    One(T),
    Many(Vec<T>),
}

impl<T> Default for OneOrMany<T> {
    fn default() -> Self {
        OneOrMany::Many(Vec::new())
    }
}

impl<T> OneOrMany<T> {
    fn first(&self) -> Option<&T> {
        match self {
            OneOrMany::One(t) => Some(t),
            OneOrMany::Many(v) => v.first(),
        }
    }
}

#[derive(Debug, Default, Deserialize)]
struct WireExpressFee {
    #[serde(default)]
    shipping_method: String,
}

#[derive(Debug, Deserialize)]
struct WireShipped {
    #[serde(default)]
    waybill_id: String,
    #[serde(default)]
    delivery_id: String,
    #[serde(default)]
    delivery_name: String,
    /// Seed 002's example sends a string ("1620738080"), its table a number.
    #[serde(default, deserialize_with = "lenient_time")]
    delivery_time: i64,
    #[serde(default)]
    product_infos: Vec<WireParcelProduct>,
}

#[derive(Debug, Deserialize)]
struct WireParcelProduct {
    #[serde(default, deserialize_with = "lenient_u64_default")]
    product_id: u64,
    #[serde(default, deserialize_with = "lenient_u64_default")]
    sku_id: u64,
    #[serde(default, deserialize_with = "lenient_u32")]
    product_cnt: u32,
}

#[derive(Debug, Default, Deserialize)]
struct WireAftersale {
    #[serde(default)]
    on_aftersale_order_cnt: u32,
}

#[derive(Debug, Default, Deserialize)]
struct WireExt {
    #[serde(default)]
    customer_notes: String,
    #[serde(default)]
    merchant_notes: String,
}

impl From<WireOrder> for Order {
    fn from(w: WireOrder) -> Self {
        let delivery = &w.order_detail.delivery_info;
        let shipping_method = delivery
            .express_fee
            .first()
            .map(|f| f.shipping_method.clone())
            .unwrap_or_default();
        let deliver_type = delivery.deliver_type.clone();
        let deliver_method = delivery.deliver_method;
        let address_change_pending = delivery
            .address_under_review
            .as_ref()
            .is_some_and(|v| v.as_object().is_some_and(|o| !o.is_empty()));
        Order {
            order_type: w.order_type,
            deliver_type,
            shipping_method,
            deliver_method,
            address_change_pending,
            id: OrderId(w.order_id),
            status: w.status,
            created_unix: w.create_time,
            openid: w.openid,
            products: w
                .order_detail
                .product_infos
                .into_iter()
                .map(|p| OrderProduct {
                    product_id: p.product_id,
                    sku_id: p.sku_id,
                    title: p.title,
                    thumb_img: p.thumb_img,
                    sku_attrs: p.sku_attrs,
                    sku_cnt: p.sku_cnt,
                    on_aftersale_sku_cnt: p.on_aftersale_sku_cnt,
                    finish_aftersale_sku_cnt: p.finish_aftersale_sku_cnt,
                    sale_price_fen: p.sale_price,
                })
                .collect(),
            address: w.order_detail.delivery_info.address_info,
            customer_notes: w.ext_info.customer_notes,
            merchant_notes: w.ext_info.merchant_notes,
            order_price_fen: w.order_detail.price_info.order_price,
            freight_fen: w.order_detail.price_info.freight,
            open_aftersale_count: w.aftersale_detail.on_aftersale_order_cnt,
            shipped_packages: w
                .order_detail
                .delivery_info
                .delivery_product_info
                .into_iter()
                .map(|d| ShippedPackage {
                    delivery_id: d.delivery_id,
                    waybill_id: d.waybill_id,
                    delivery_name: d.delivery_name,
                    delivery_time: d.delivery_time,
                    products: d
                        .product_infos
                        .into_iter()
                        .map(|p| ParcelItem {
                            product_id: p.product_id,
                            sku_id: p.sku_id,
                            count: p.product_cnt,
                        })
                        .collect(),
                })
                .collect(),
        }
    }
}

/// China Standard Time, in which the mini shop writes its times.
pub fn china_offset() -> chrono::FixedOffset {
    chrono::FixedOffset::east_opt(8 * 3600).expect("UTC+8 is a valid offset")
}

/// Unix seconds as "YYYY-MM-DD HH:MM:SS" in China time.
pub fn format_china_time(unix: i64) -> String {
    china_offset()
        .timestamp_opt(unix, 0)
        .single()
        .map(|t| t.format("%Y-%m-%d %H:%M:%S").to_string())
        .unwrap_or_default()
}

/// "YYYY-MM-DD HH:MM:SS" in China time as unix seconds.
pub fn parse_china_time(text: &str) -> Option<i64> {
    let naive = chrono::NaiveDateTime::parse_from_str(text.trim(), "%Y-%m-%d %H:%M:%S").ok()?;
    china_offset()
        .from_local_datetime(&naive)
        .single()
        .map(|t| t.timestamp())
}

/// A count or enum sent as a number or a string of digits; an empty string is 0.
fn lenient_u32<'de, D: Deserializer<'de>>(d: D) -> Result<u32, D::Error> {
    let n = lenient_u64_default(d)?;
    u32::try_from(n).map_err(|_| serde::de::Error::custom(format!("{n} is too large")))
}

/// Text that WeChat may send as a number (deliver_type: a DeliveryType string in the mini
/// shop, a number in WeChat Shop).
fn lenient_text<'de, D: Deserializer<'de>>(d: D) -> Result<String, D::Error> {
    match Option::<serde_json::Value>::deserialize(d)? {
        None | Some(serde_json::Value::Null) => Ok(String::new()),
        Some(serde_json::Value::String(s)) => Ok(s),
        Some(serde_json::Value::Number(n)) => Ok(n.to_string()),
        Some(other) => Err(serde::de::Error::custom(format!(
            "expected a string or number, got {other}"
        ))),
    }
}

fn lenient_time<'de, D: Deserializer<'de>>(d: D) -> Result<i64, D::Error> {
    #[derive(Deserialize)]
    #[serde(untagged)]
    enum Raw {
        Num(i64),
        Str(String),
    }
    match Raw::deserialize(d)? {
        Raw::Num(n) => Ok(n),
        Raw::Str(s) if s.trim().is_empty() => Ok(0),
        Raw::Str(s) => match s.trim().parse::<i64>() {
            Ok(n) => Ok(n),
            Err(_) => parse_china_time(&s).ok_or_else(|| {
                serde::de::Error::custom(format!("`{s}` is not a time (YYYY-MM-DD HH:MM:SS)"))
            }),
        },
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn china_time_round_trip() {
        let t = parse_china_time("2020-03-25 13:05:25").unwrap();
        assert_eq!(t, 1_585_112_725);
        assert_eq!(format_china_time(t), "2020-03-25 13:05:25");
    }

    #[test]
    fn shippable_count_subtracts_finished_aftersale() {
        let p = OrderProduct {
            product_id: 1,
            sku_id: 2,
            title: String::new(),
            thumb_img: String::new(),
            sku_attrs: vec![],
            sku_cnt: 3,
            on_aftersale_sku_cnt: 0,
            finish_aftersale_sku_cnt: 1,
            sale_price_fen: 0,
        };
        assert_eq!(p.shippable_cnt(), 2);
    }

    /// Seed 002's own example (mini shop `product/order/get`), as the fixture holds it.
    fn seed_002_order() -> Order {
        let text = include_str!("../../tests/fixtures/seed002_order_get_response.json");
        let v: serde_json::Value = serde_json::from_str(text).unwrap();
        let wire: WireOrder = serde_json::from_value(v["order"].clone()).unwrap();
        wire.into()
    }

    #[test]
    fn seed_002_parcels_addresses_and_delivery_fields_are_kept() {
        let o = seed_002_order();
        assert_eq!(o.shipped_packages.len(), 1);
        let p = &o.shipped_packages[0];
        assert_eq!(
            (p.delivery_id.as_str(), p.waybill_id.as_str()),
            ("STO", "134654612313")
        );
        // The example sends delivery_time as a string; the table says number.
        assert_eq!(p.delivery_time, 1_620_738_080);
        assert_eq!(
            p.products,
            vec![ParcelItem {
                product_id: 234245,
                sku_id: 23424,
                count: 1
            }]
        );
        assert_eq!(o.address.national_code, "234234");
        assert_eq!(o.deliver_type, "DELIVERY_TYPE_OPTIONAL_EXPRESS");
        assert_eq!(o.shipping_method, "ShippingMethod_Express");
        assert_eq!(o.order_type, 0);
        assert_eq!(o.no_courier_reason(), None);
        // 10 ordered, none finished in after-sales, 1 in the earlier parcel.
        assert_eq!(o.remaining_items()[0].count, 9);
    }

    #[test]
    fn house_number_is_part_of_the_street_line() {
        let a = Address {
            province_name: "广东省".into(),
            city_name: "广州市".into(),
            county_name: "海珠区".into(),
            detail_info: "大塘路1号".into(),
            house_number: "3栋502".into(),
            ..Address::default()
        };
        assert_eq!(a.street(), "大塘路1号 3栋502");
        assert_eq!(a.one_line(), "广东省广州市海珠区大塘路1号 3栋502");
        let same = Address {
            detail_info: "大塘路1号3栋502".into(),
            house_number: "3栋502".into(),
            ..Address::default()
        };
        assert_eq!(same.street(), "大塘路1号3栋502", "not written twice");
    }

    #[test]
    fn wechat_shop_shapes_parse_virtual_and_address_change() {
        let wire: WireOrder = serde_json::from_value(serde_json::json!({
            "order_id": "3705115058471208928", "status": 20, "create_time": 1_700_000_000,
            "order_detail": {
                "product_infos": [{"product_id": "1", "sku_id": "2", "sku_cnt": 1}],
                "delivery_info": {
                    "deliver_method": 1,
                    "address_info": {"user_name": "a", "house_number": "101"},
                    "address_under_review": {"user_name": "a", "detail_info": "new"},
                    "delivery_product_info": [{"waybill_id": "W", "delivery_id": "YD",
                        "deliver_type": 1, "delivery_time": 1_700_000_100,
                        "product_infos": [{"product_id": "1", "sku_id": "2", "product_cnt": 1}]}]
                }
            }
        }))
        .unwrap();
        let o: Order = wire.into();
        assert!(o.is_virtual());
        assert_eq!(o.no_courier_reason(), Some(NoCourier::Virtual));
        assert!(o.address_change_pending);
        assert_eq!(o.address.house_number, "101");
        assert_eq!(o.shipped_packages[0].products[0].count, 1);
        assert!(o.remaining_items().is_empty());
        assert!(o.has_parcel_with_waybill("W"));
    }

    #[test]
    fn no_courier_reasons_from_each_field() {
        let base = Order::default();
        for (o, r) in [
            (
                Order {
                    order_type: 1,
                    ..base.clone()
                },
                NoCourier::SelfPickup,
            ),
            (
                Order {
                    order_type: 5,
                    ..base.clone()
                },
                NoCourier::SameCity,
            ),
            (
                Order {
                    order_type: 99,
                    ..base.clone()
                },
                NoCourier::CannotShip,
            ),
            (
                Order {
                    shipping_method: "ShippingMethod_Pickup".into(),
                    ..base.clone()
                },
                NoCourier::SelfPickup,
            ),
            (
                Order {
                    deliver_type: DELIVERY_TYPE_NO_EXPRESS.into(),
                    ..base.clone()
                },
                NoCourier::NoExpress,
            ),
            (
                Order {
                    deliver_method: 1,
                    ..base.clone()
                },
                NoCourier::Virtual,
            ),
        ] {
            assert_eq!(o.no_courier_reason(), Some(r));
            assert_eq!(NoCourier::parse(r.as_str()), Some(r));
            assert!(!r.explain(crate::wechat::Lang::ZhCn).is_empty());
        }
        assert_eq!(base.no_courier_reason(), None);
    }

    #[test]
    fn parcel_item_parses() {
        let i: ParcelItem = "234245:23424:2".parse().unwrap();
        assert_eq!((i.product_id, i.sku_id, i.count), (234245, 23424, 2));
        assert!("1:2".parse::<ParcelItem>().is_err());
        assert!("1:2:0".parse::<ParcelItem>().is_err());
        assert!("a:2:1".parse::<ParcelItem>().is_err());
    }
}
