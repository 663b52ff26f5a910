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
    /// Packages already shipped.
    pub shipped_packages: Vec<ShippedPackage>,
}

/// The status that means "to be shipped".
pub const STATUS_TO_BE_SHIPPED: u32 = 20;
/// Partly shipped.
pub const STATUS_PARTLY_SHIPPED: u32 = 21;
/// Shipped, awaiting receipt.
pub const STATUS_SHIPPED: u32 = 30;

impl Order {
    /// True when the order's status says it has left the building (fully or partly).
    pub fn is_shipped(&self) -> bool {
        matches!(self.status, STATUS_PARTLY_SHIPPED | STATUS_SHIPPED | 100)
    }

    /// True when any product is in an open after-sales process.
    pub fn has_open_aftersale(&self) -> bool {
        self.open_aftersale_count > 0 || self.products.iter().any(|p| p.on_aftersale_sku_cnt > 0)
    }

    /// Total pieces still to ship.
    pub fn shippable_pieces(&self) -> u32 {
        self.products.iter().map(OrderProduct::shippable_cnt).sum()
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
    #[serde(default)]
    pub tel_number: String,
}

impl Address {
    /// Province, city, district and street in one line.
    pub fn one_line(&self) -> String {
        format!(
            "{}{}{}{}",
            self.province_name, self.city_name, self.county_name, self.detail_info
        )
    }
}

/// A package already shipped.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct ShippedPackage {
    pub delivery_id: String,
    pub waybill_id: String,
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
    #[serde(default)]
    openid: String,
    #[serde(default)]
    order_detail: WireDetail,
    #[serde(default)]
    aftersale_detail: WireAftersale,
    #[serde(default)]
    ext_info: WireExt,
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
}

#[derive(Debug, Deserialize)]
struct WireShipped {
    #[serde(default)]
    waybill_id: String,
    #[serde(default)]
    delivery_id: String,
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
        Order {
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
}
