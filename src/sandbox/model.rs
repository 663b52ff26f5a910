//! The sandbox's own record of a shop order: one model, rendered in the WeChat Shop (channels)
//! and the mini-shop wire formats by the route handlers.

/// A shop order as the sandbox keeps it.
#[derive(Debug, Clone, PartialEq)]
pub struct SbOrder {
    /// Shop order id; most generated ids are above 2^53 on purpose.
    pub order_id: u64,
    /// OrderStatus (seed 002): 10 unpaid, 20 to be shipped, 21 partly shipped, 30 shipped, 100 done, 250 cancelled.
    pub status: u32,
    /// OrderType (seed 002): 0 ordinary, 1 self-pickup, 5 same-city delivery, 99 cannot be shipped.
    pub order_type: u32,
    /// How the goods reach the buyer; decides which `deliver_type` `delivery/send` accepts.
    pub delivery: SbDeliveryMethod,
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
    /// Something WeChat holds the shipment for (seed 003's error table); none for most orders.
    pub hold: Option<SbHold>,
    /// A national-subsidy (国补) order: ships only with an SN code and a subsidy courier.
    pub national_subsidy: bool,
}

/// How an order is delivered (seed 002 ShippingMethod / DeliveryType; channels `deliver_method`).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum SbDeliveryMethod {
    /// An ordinary parcel by courier (`ShippingMethod_Express`).
    Express,
    /// The buyer collects it (`ShippingMethod_Pickup`, `DELIVERY_TYPE_NO_EXPRESS`).
    Pickup,
    /// The shop's own same-city rider (`ShippingMethod_SameCity`).
    SameCity,
    /// Virtual goods (channels `deliver_method` 1): shipped with `deliver_type` 3, whole order.
    Virtual,
}

/// Why WeChat refuses to let an order ship for now.
#[derive(Debug, Clone, PartialEq)]
pub enum SbHold {
    /// The buyer asked to change the address (10020115); the new address awaits the merchant.
    AddressChange {
        new_address: Box<SbAddress>,
        apply_time: i64,
    },
    /// The buyer asked to change the SKU before shipping (10020276).
    SkuChange,
    /// The platform's risk control holds the order (606049).
    Risk,
    /// The order must ship with WeChat Shop's own e-waybill (606046).
    EwaybillOnly,
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
    /// Administrative division code (seed 002 `national_code`), e.g. "440305".
    pub national_code: String,
    pub tel_number: String,
    /// Flat / room number (seed 002 `house_number`); empty when the buyer put it in `detail_info`.
    pub house_number: String,
}

/// A package that was shipped with `delivery/send`.
#[derive(Debug, Clone, PartialEq)]
pub struct SbDelivery {
    pub delivery_id: String,
    pub waybill_id: String,
    /// Unix seconds.
    pub delivery_time: i64,
    /// 1 courier parcel, 3 virtual goods without logistics (seed 003 `deliver_type`).
    pub deliver_type: u8,
    /// (product_id, sku_id, product_cnt)
    pub products: Vec<(u64, u64, u32)>,
}

/// A logistics waybill that exists before the sandbox starts (sample data), e.g. one the shop
/// already cancelled.
#[derive(Debug, Clone, PartialEq)]
pub struct SbWaybill {
    /// The shop order it was made for (the logistics `order_id` is its decimal string).
    pub order_id: u64,
    /// A logistics (`getAllDelivery`) courier id.
    pub delivery_id: String,
    pub waybill_id: String,
    pub cancelled: bool,
}
