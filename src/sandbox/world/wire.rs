//! The two shop families' wire forms of an order, and request fields read with the JSON type
//! each document gives them (a string where a number is documented is an error, and the
//! reverse), so the sandbox refuses what WeChat refuses.

use serde_json::{json, Map, Value};

use super::{err, ApiError};
use crate::sandbox::fake::shop_sender;
use crate::sandbox::model::{SbAddress, SbDeliveryMethod, SbHold, SbOrder};
use crate::wechat::order::format_china_time;

/// The errcode a family answers for a field of the wrong JSON type: WeChat Shop (channels) and
/// logistics say 47001 (请求体格式不正确, seed 003's table); the mini shop says 9401020 (seed
/// 002's table: 参数错误).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum TypeError {
    Format47001,
    Param9401020,
}

impl TypeError {
    pub(crate) fn err(self, msg: impl Into<String>) -> ApiError {
        match self {
            TypeError::Format47001 => err(47001, format!("data format error: {}", msg.into())),
            TypeError::Param9401020 => err(9401020, format!("invalid parameter: {}", msg.into())),
        }
    }
}

/// A request body as a JSON object.
pub(crate) fn object(body: &Value, te: TypeError) -> Result<&Map<String, Value>, ApiError> {
    body.as_object()
        .ok_or_else(|| te.err("the request body must be a JSON object"))
}

/// A required field's absence: 40097 for every family.
fn required<T>(v: Option<T>, field: &str) -> Result<T, ApiError> {
    v.ok_or_else(|| err(40097, format!("{field} is required")))
}

/// A required id documented as a number: a JSON integer, never a string or a float.
pub(crate) fn number_id(
    obj: &Map<String, Value>,
    field: &str,
    te: TypeError,
) -> Result<u64, ApiError> {
    required(opt_u64(obj, field, te)?, field)
}

/// A required id documented as a string of digits.
pub(crate) fn string_id(
    obj: &Map<String, Value>,
    field: &str,
    te: TypeError,
) -> Result<String, ApiError> {
    required(opt_str(obj, field, te)?, field).map(str::to_owned)
}

/// An id where the document allows either reading (a JSON integer or a string of decimal
/// digits): see the callers for which document says what.
pub(crate) fn number_or_digits(
    obj: &Map<String, Value>,
    field: &str,
    te: TypeError,
) -> Result<u64, ApiError> {
    match obj.get(field) {
        Some(Value::String(s)) if !s.is_empty() && s.bytes().all(|b| b.is_ascii_digit()) => s
            .parse()
            .map_err(|_| te.err(format!("{field} `{s}` is out of range"))),
        Some(Value::String(s)) => Err(te.err(format!("{field} `{s}` is not a decimal id"))),
        _ => number_id(obj, field, te),
    }
}

/// An optional string field, borrowed.
fn opt_str<'a>(
    obj: &'a Map<String, Value>,
    field: &str,
    te: TypeError,
) -> Result<Option<&'a str>, ApiError> {
    match obj.get(field) {
        None | Some(Value::Null) => Ok(None),
        Some(Value::String(s)) => Ok(Some(s)),
        Some(other) => Err(te.err(format!(
            "{field} must be a string, got {}",
            json_type(other)
        ))),
    }
}

/// An optional string field (absent → empty).
pub(crate) fn opt_string(
    obj: &Map<String, Value>,
    field: &str,
    te: TypeError,
) -> Result<String, ApiError> {
    Ok(opt_str(obj, field, te)?.unwrap_or_default().to_owned())
}

/// An optional number field.
pub(crate) fn opt_u64(
    obj: &Map<String, Value>,
    field: &str,
    te: TypeError,
) -> Result<Option<u64>, ApiError> {
    match obj.get(field) {
        None | Some(Value::Null) => Ok(None),
        Some(Value::Number(n)) => n
            .as_u64()
            .map(Some)
            .ok_or_else(|| te.err(format!("{field} must be an unsigned integer, got {n}"))),
        Some(other) => Err(te.err(format!(
            "{field} must be a number, got {}",
            json_type(other)
        ))),
    }
}

/// An optional array field (absent → empty).
pub(crate) fn opt_array<'a>(
    obj: &'a Map<String, Value>,
    field: &str,
    te: TypeError,
) -> Result<&'a [Value], ApiError> {
    match obj.get(field) {
        None | Some(Value::Null) => Ok(&[]),
        Some(Value::Array(a)) => Ok(a),
        Some(other) => Err(te.err(format!(
            "{field} must be an array, got {}",
            json_type(other)
        ))),
    }
}

/// An optional object field.
pub(crate) fn opt_object<'a>(
    obj: &'a Map<String, Value>,
    field: &str,
    te: TypeError,
) -> Result<Option<&'a Map<String, Value>>, ApiError> {
    match obj.get(field) {
        None | Some(Value::Null) => Ok(None),
        Some(Value::Object(o)) => Ok(Some(o)),
        Some(other) => Err(te.err(format!(
            "{field} must be an object, got {}",
            json_type(other)
        ))),
    }
}

fn json_type(v: &Value) -> &'static str {
    match v {
        Value::Null => "null",
        Value::Bool(_) => "a boolean",
        Value::Number(_) => "a number",
        Value::String(_) => "a string",
        Value::Array(_) => "an array",
        Value::Object(_) => "an object",
    }
}

// ---------- orders ----------

fn address_json(a: &SbAddress) -> Value {
    json!({
        "user_name": a.user_name, "postal_code": a.postal_code, "province_name": a.province_name,
        "city_name": a.city_name, "county_name": a.county_name, "detail_info": a.detail_info,
        "national_code": a.national_code, "tel_number": a.tel_number, "house_number": a.house_number,
    })
}

/// The shop's own address, where self-pickup buyers collect (seed 002 `pickup_address`).
fn pickup_address() -> Value {
    let (name, mobile, _) = shop_sender();
    address_json(&SbAddress {
        user_name: name,
        postal_code: "518000".into(),
        province_name: "广东省".into(),
        city_name: "深圳市".into(),
        county_name: "宝安区".into(),
        detail_info: "福永街道凤凰第一工业区A栋3楼 门店自提点".into(),
        national_code: "440306".into(),
        tel_number: mobile,
        house_number: String::new(),
    })
}

fn product_price(o: &SbOrder) -> i64 {
    o.products
        .iter()
        .map(|p| p.sale_price_fen * i64::from(p.sku_cnt))
        .sum()
}

/// Seed 002 ShippingMethod.
fn shipping_method(o: &SbOrder) -> &'static str {
    match o.delivery {
        SbDeliveryMethod::Pickup => "ShippingMethod_Pickup",
        SbDeliveryMethod::SameCity => "ShippingMethod_SameCity",
        SbDeliveryMethod::Express | SbDeliveryMethod::Virtual => "ShippingMethod_Express",
    }
}

/// Seed 002 DeliveryType of the order.
fn order_deliver_type(o: &SbOrder) -> &'static str {
    match o.delivery {
        SbDeliveryMethod::Pickup | SbDeliveryMethod::Virtual => "DELIVERY_TYPE_NO_EXPRESS",
        SbDeliveryMethod::Express | SbDeliveryMethod::SameCity => "DELIVERY_TYPE_OPTIONAL_EXPRESS",
    }
}

/// Seed 002 `delivery_method` ("Delivery methods are currently only 快递"; the others name
/// what the order's ShippingMethod says).
fn delivery_method_name(o: &SbOrder) -> &'static str {
    match o.delivery {
        SbDeliveryMethod::Express => "快递",
        SbDeliveryMethod::Pickup => "自提",
        SbDeliveryMethod::SameCity => "同城配送",
        SbDeliveryMethod::Virtual => "无需物流",
    }
}

/// WeChat Shop `deliver_method`: 0 ordinary logistics, 1 virtual goods (SKIT
/// ChannelsECOrderGetResponse `deliver_method`; seed 003: 只有deliver_method=1的订单可以使用虚拟发货).
fn deliver_method(o: &SbOrder) -> u8 {
    u8::from(o.delivery == SbDeliveryMethod::Virtual)
}

fn ship_done_time(o: &SbOrder) -> i64 {
    if matches!(o.status, 30 | 100) {
        o.deliveries
            .iter()
            .map(|d| d.delivery_time)
            .max()
            .unwrap_or(0)
    } else {
        0
    }
}

/// Fields both forms carry in `delivery_info` besides the family-specific ones: the address,
/// the pending address change (WeChat Shop `address_under_review` / `address_apply_time`, per
/// SKIT ChannelsECOrderGetResponse), and seed 002's delivery method fields.
fn delivery_info_common(o: &SbOrder, info: &mut Map<String, Value>) {
    info.insert("address_info".into(), address_json(&o.address));
    info.insert("delivery_method".into(), json!(delivery_method_name(o)));
    info.insert(
        "express_fee".into(),
        json!([{"shipping_method": shipping_method(o)}]),
    );
    info.insert("deliver_type".into(), json!(order_deliver_type(o)));
    info.insert("deliver_method".into(), json!(deliver_method(o)));
    info.insert(
        "insurance_info".into(),
        json!({"type": "InsuranceSourceType_None", "insurance_price": 0}),
    );
    info.insert("offline_delivery_time".into(), json!(0));
    info.insert("offline_pickup_time".into(), json!(0));
    if o.delivery == SbDeliveryMethod::Pickup {
        info.insert("pickup_address".into(), pickup_address());
    }
    if let Some(SbHold::AddressChange {
        new_address,
        apply_time,
    }) = &o.hold
    {
        info.insert("address_under_review".into(), address_json(new_address));
        info.insert("address_apply_time".into(), json!(apply_time));
    }
}

/// WeChat Shop form: ids as strings, times as unix seconds, `deliver_type` of a parcel as a
/// number (SKIT ChannelsECOrderGetResponse). WeChat Shop's order/get is not one of the five
/// documents, so the order-level fields of seed 002 (`order_type`, `deliver_type`,
/// `express_fee`) ride along: they are the one documented way to tell a pickup, same-city or
/// unshippable order, and both families' orders go through one client decoder.
pub(crate) fn channels_order_json(o: &SbOrder) -> Value {
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
        "deliver_type": d.deliver_type,
        "product_infos": d.products.iter().map(|(p, s, c)| json!({"product_id": p.to_string(), "sku_id": s.to_string(), "product_cnt": c})).collect::<Vec<_>>(),
    })).collect();
    let mut info = Map::new();
    delivery_info_common(o, &mut info);
    info.insert("delivery_product_info".into(), json!(deliveries));
    info.insert("ship_done_time".into(), json!(ship_done_time(o)));
    json!({
        "order_id": o.order_id.to_string(),
        "status": o.status,
        "order_type": o.order_type,
        "create_time": o.create_time,
        "update_time": o.update_time,
        "openid": o.openid,
        "order_detail": {
            "product_infos": products,
            "pay_info": {"prepay_id": format!("wx{}", o.order_id), "prepay_time": o.create_time, "transaction_id": format!("42000{}", o.order_id % 10_000_000_000), "pay_time": o.create_time + 60},
            "price_info": {"product_price": product_price(o), "order_price": product_price(o) + o.freight_fen, "freight": o.freight_fen, "discounted_price": 0, "is_discounted": false},
            "delivery_info": info,
            "ext_info": {"customer_notes": o.customer_notes, "merchant_notes": o.merchant_notes},
        },
        "aftersale_detail": {
            "on_aftersale_order_cnt": o.open_aftersale_ids.len(),
            "aftersale_order_list": o.open_aftersale_ids.iter().map(|id| json!({"aftersale_order_id": id.to_string(), "status": 1})).collect::<Vec<_>>(),
        },
        "ext_info": {"customer_notes": o.customer_notes, "merchant_notes": o.merchant_notes},
    })
}

/// Mini shop form, field for field as seed 002's example: ids as numbers, times as
/// "YYYY-MM-DD HH:MM:SS". Where the example and the table disagree, the example's JSON type is
/// sent (it is what WeChat sends): `delivery_time` and `ship_done_time` are strings of unix
/// seconds although the table says number.
pub(crate) fn minishop_order_json(o: &SbOrder) -> Value {
    let products: Vec<Value> = o.products.iter().map(|p| json!({
        "product_id": p.product_id, "sku_id": p.sku_id, "sku_cnt": p.sku_cnt,
        "on_aftersale_sku_cnt": p.on_aftersale_sku_cnt, "finish_aftersale_sku_cnt": p.finish_aftersale_sku_cnt,
        "title": p.title, "thumb_img": p.thumb_img, "sale_price": p.sale_price_fen, "market_price": p.market_price_fen,
        "sku_code": p.sku_code,
        "sku_attrs": p.sku_attrs.iter().map(|(k, v)| json!({"attr_key": k, "attr_value": v})).collect::<Vec<_>>(),
    })).collect();
    let deliveries: Vec<Value> = o.deliveries.iter().map(|d| json!({
        "waybill_id": d.waybill_id, "delivery_id": d.delivery_id, "delivery_time": d.delivery_time.to_string(),
        "deliver_type": if d.deliver_type == 3 { "DELIVERY_TYPE_NO_EXPRESS" } else { "DELIVERY_TYPE_OPTIONAL_EXPRESS" },
        "delivery_address": address_json(&o.address),
        "product_infos": d.products.iter().map(|(p, s, c)| json!({"product_id": p, "sku_id": s, "product_cnt": c})).collect::<Vec<_>>(),
    })).collect();
    let mut info = Map::new();
    delivery_info_common(o, &mut info);
    info.insert("delivery_product_info".into(), json!(deliveries));
    info.insert(
        "ship_done_time".into(),
        json!(ship_done_time(o).to_string()),
    );
    let paid = format_china_time(o.create_time + 60);
    json!({
        "order_id": o.order_id,
        "status": o.status,
        "create_time": format_china_time(o.create_time),
        "update_time": format_china_time(o.update_time),
        "openid": o.openid,
        "order_type": o.order_type,
        "order_detail": {
            "product_infos": products,
            "pay_info": {"pay_method": "微信支付", "prepay_id": format!("wx{}", o.order_id), "transaction_id": format!("42000{}", o.order_id % 10_000_000_000), "prepay_time": format_china_time(o.create_time), "pay_time": paid},
            "price_info": {"product_price": product_price(o), "order_price": product_price(o) + o.freight_fen, "freight": o.freight_fen, "discounted_price": 0, "is_discounted": false},
            "delivery_info": info,
        },
        "aftersale_detail": {
            "on_aftersale_order_cnt": o.open_aftersale_ids.len(),
            "aftersale_order_list": o.open_aftersale_ids.iter().map(|id| json!({"aftersale_order_id": id, "status": 1})).collect::<Vec<_>>(),
        },
        "ext_info": {"customer_notes": o.customer_notes, "merchant_notes": o.merchant_notes},
    })
}
