//! The sandbox's own record of a shop order: one model, rendered in the WeChat Shop (channels)
//! and the mini-shop wire formats by the route handlers.

/// A shop order as the sandbox keeps it.
#[derive(Debug, Clone, PartialEq)]
pub struct SbOrder {
    /// Shop order id; most generated ids are above 2^53 on purpose.
    pub order_id: u64,
    /// OrderStatus (seed 002): 10 unpaid, 20 to be shipped, 21 partly shipped, 30 shipped, 100 done, 250 cancelled.
    pub status: u32,
    /// Unix seconds.
    pub create_time: i64,
    /// Unix seconds.
    pub update_time: i64,
    pub openid: String,
    pub products: Vec<SbProduct>,
    pub address: SbAddress,
    /// Buyer's note, e.g. "发顺丰".
    pub customer_notes: String,
    pub merchant_notes: String,
    /// Shipping fee in fen (cents).
    pub freight_fen: i64,
    /// After-sales order ids that are still open.
    pub open_aftersale_ids: Vec<u64>,
    /// Packages already sent through `delivery/send`.
    pub deliveries: Vec<SbDelivery>,
}

/// One product line of an order.
#[derive(Debug, Clone, PartialEq)]
pub struct SbProduct {
    pub product_id: u64,
    pub sku_id: u64,
    pub title: String,
    pub thumb_img: String,
    /// (attr_key, attr_value), e.g. ("颜色", "红色").
    pub sku_attrs: Vec<(String, String)>,
    pub sku_cnt: u32,
    pub on_aftersale_sku_cnt: u32,
    pub finish_aftersale_sku_cnt: u32,
    /// Price in fen.
    pub sale_price_fen: i64,
    pub market_price_fen: i64,
    pub sku_code: String,
}

/// The receiver's address (AddressInfo in seed 002).
#[derive(Debug, Clone, PartialEq, Default)]
pub struct SbAddress {
    pub user_name: String,
    pub postal_code: String,
    pub province_name: String,
    pub city_name: String,
    pub county_name: String,
    pub detail_info: String,
    pub tel_number: String,
}

/// A package that was shipped with `delivery/send`.
#[derive(Debug, Clone, PartialEq)]
pub struct SbDelivery {
    pub delivery_id: String,
    pub waybill_id: String,
    /// Unix seconds.
    pub delivery_time: i64,
    /// (product_id, sku_id, product_cnt)
    pub products: Vec<(u64, u64, u32)>,
}
