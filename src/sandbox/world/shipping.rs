//! Shipping as WeChat does it: `channels/ec/order/delivery/send` (seed 003) for WeChat Shop
//! accounts and `product/delivery/send` for mini shops, both checked against what is left to
//! ship, the order's delivery method, its holds, and the family's own courier list.

use std::collections::HashMap;

use serde_json::{json, Map, Value};

use super::wire::{
    number_id, number_or_digits, object, opt_array, opt_object, opt_string, opt_u64, string_id,
    TypeError,
};
use super::{err, ApiResult, World};
use crate::sandbox::model::{SbDelivery, SbDeliveryMethod, SbHold, SbOrder};

/// The WeChat Shop courier list: `delivery_id`s that `delivery/send` takes ("通过获取快递公司列表
/// 接口获得", seed 003), answered by `POST /channels/ec/order/deliverycompanylist/get`
/// (https://developers.weixin.qq.com/doc/channels/API/order/deliverycompanylist_get.html; answer
/// `company_list: [{delivery_id, delivery_name}]` per SKIT
/// ChannelsECOrderDeliveryCompanyListGetResponse) and, for mini shops, by
/// `POST /product/delivery/get_company_list` (same shape, SKIT
/// ProductDeliveryGetCompanyListResponse). Its ids are not the logistics `getAllDelivery` ids
/// for every courier: 韵达 is `YD` here (seed 003's example) and `YUNDA` there, 德邦 `DBL` here
/// and `DB` there; 中通 is `ZTO` in both.
pub const SHOP_COURIERS: &[(&str, &str)] = &[
    ("SF", "顺丰速运"),
    ("ZTO", "中通快递"),
    ("YTO", "圆通速递"),
    ("STO", "申通快递"),
    ("YD", "韵达快递"),
    ("JTSD", "极兔速递"),
    ("EMS", "中国邮政速递物流"),
    ("JD", "京东快递"),
    ("DBL", "德邦快递"),
    ("YZPY", "邮政快递包裹"),
];

/// "非主流快递公司可以填OTHER" (seed 003).
pub const OTHER_COURIER: &str = "OTHER";

/// Couriers that take national-subsidy orders (606061 for the others).
pub const SUBSIDY_COURIERS: &[&str] = &["SF", "JD", "EMS"];

/// A loose version of the per-courier waybill pattern behind 6060479 (快递单号与物流公司提供的
/// 正则表达式不匹配): the right prefix and length, digits where the courier uses only digits.
pub fn waybill_matches(delivery_id: &str, waybill_id: &str) -> bool {
    let digits = |s: &str, lo: usize, hi: usize| {
        (lo..=hi).contains(&s.len()) && s.bytes().all(|b| b.is_ascii_digit())
    };
    let alnum = |s: &str, lo: usize, hi: usize| {
        (lo..=hi).contains(&s.len()) && s.bytes().all(|b| b.is_ascii_alphanumeric())
    };
    match delivery_id {
        "SF" => waybill_id
            .strip_prefix("SF")
            .is_some_and(|rest| digits(rest, 10, 15)),
        "YTO" => waybill_id
            .strip_prefix("YT")
            .is_some_and(|rest| digits(rest, 10, 18)),
        "JTSD" => waybill_id
            .strip_prefix("JT")
            .is_some_and(|rest| digits(rest, 10, 16)),
        "JD" => waybill_id
            .strip_prefix("JD")
            .is_some_and(|rest| alnum(rest, 8, 20)),
        "ZTO" | "STO" | "YD" | "YZPY" => digits(waybill_id, 10, 16),
        "EMS" => digits(waybill_id, 11, 13) || alnum(waybill_id, 13, 13),
        _ => alnum(waybill_id, 6, 32),
    }
}

/// Which request form a shipment came in.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Form {
    /// `channels/ec/order/delivery/send` (seed 003).
    Channels,
    /// `product/delivery/send` (mini shop).
    Minishop,
}

/// A parcel of a shipment request, read and type-checked.
struct Parcel {
    delivery_id: String,
    waybill_id: String,
    deliver_type: u64,
    /// (product_id, sku_id, product_cnt)
    products: Vec<(u64, u64, u64)>,
    /// Mini shop `is_all_product`: everything left goes in this parcel.
    all_products: bool,
    sn_code: Option<String>,
    course: Option<Course>,
}

struct Course {
    wxa_appid: String,
    wxa_path: String,
}

/// Seed 003 `product_infos[].product_id` / `sku_id`: the table and both examples say string
/// (of digits), so a JSON number is a type error (47001); a string that is not a decimal id
/// names no product of the order (606031).
fn channels_product_id(p: &Map<String, Value>, field: &str) -> Result<u64, super::ApiError> {
    let s = string_id(p, field, TypeError::Format47001)?;
    s.parse()
        .map_err(|_| err(606031, format!("{field} `{s}` is not in the order")))
}

fn read_channels(body: &Value) -> Result<(u64, Vec<Parcel>), super::ApiError> {
    let te = TypeError::Format47001;
    let obj = object(body, te)?;
    // Seed 003 contradicts itself: its table says `order_id` is a number, both its examples
    // send the string "123456". The sandbox takes either (a JSON integer or a string of
    // decimal digits), as WeChat Shop's gateway does for its 64-bit ids; a float, a negative
    // number or a non-digit string is 47001.
    let order_id = number_or_digits(obj, "order_id", te)?;
    if !obj.contains_key("delivery_list") {
        return Err(err(40097, "delivery_list is required"));
    }
    let mut parcels = Vec::new();
    for item in opt_array(obj, "delivery_list", te)? {
        let pkg = item
            .as_object()
            .ok_or_else(|| te.err("delivery_list items must be objects"))?;
        let deliver_type = number_id(pkg, "deliver_type", te)?;
        let mut products = Vec::new();
        for p in opt_array(pkg, "product_infos", te)? {
            let p = p
                .as_object()
                .ok_or_else(|| te.err("product_infos items must be objects"))?;
            let cnt = number_id(p, "product_cnt", te)?;
            products.push((
                channels_product_id(p, "product_id")?,
                channels_product_id(p, "sku_id")?,
                cnt,
            ));
        }
        let sn_code = match opt_object(pkg, "sn_info", te)? {
            Some(sn) => Some(opt_string(sn, "sn_code", te)?),
            None => None,
        };
        let course = match opt_object(pkg, "course_info", te)? {
            Some(c) => {
                let path = opt_object(c, "course_path", te)?
                    .ok_or_else(|| err(606038, "course_path is required"))?;
                Some(Course {
                    wxa_appid: opt_string(path, "wxa_appid", te)?,
                    wxa_path: opt_string(path, "wxa_path", te)?,
                })
            }
            None => None,
        };
        parcels.push(Parcel {
            delivery_id: opt_string(pkg, "delivery_id", te)?,
            waybill_id: opt_string(pkg, "waybill_id", te)?,
            deliver_type,
            products,
            all_products: false,
            sn_code,
            course,
        });
    }
    Ok((order_id, parcels))
}

/// `product/delivery/send` body (https://developers.weixin.qq.com/miniprogram/dev/platform-capabilities/business-capabilities/ministore/minishopopencomponent/API/delivery/send_delivery.html;
/// SKIT ProductDeliverySendRequest): `order_id`, `product_id` and `sku_id` are numbers (a
/// string is 9401020, seed 002's 参数错误 for this family), `delivery_list[]` has
/// `delivery_id`, `waybill_id`, optional `is_all_product` and `product_infos[]
/// {product_id, sku_id, product_cnt}`. There is no `deliver_type`: every parcel is a courier
/// parcel.
fn read_minishop(body: &Value) -> Result<(u64, Vec<Parcel>), super::ApiError> {
    let te = TypeError::Param9401020;
    let obj = object(body, te)?;
    let order_id = number_id(obj, "order_id", te)?;
    if !obj.contains_key("delivery_list") {
        return Err(err(9401020, "delivery_list is required"));
    }
    let mut parcels = Vec::new();
    for item in opt_array(obj, "delivery_list", te)? {
        let pkg = item
            .as_object()
            .ok_or_else(|| te.err("delivery_list items must be objects"))?;
        let all_products = match pkg.get("is_all_product") {
            None | Some(Value::Null) => false,
            Some(Value::Bool(b)) => *b,
            Some(_) => return Err(te.err("is_all_product must be a boolean")),
        };
        let mut products = Vec::new();
        for p in opt_array(pkg, "product_infos", te)? {
            let p = p
                .as_object()
                .ok_or_else(|| te.err("product_infos items must be objects"))?;
            let cnt = opt_u64(p, "product_cnt", te)?
                .ok_or_else(|| err(9401020, "product_cnt is required"))?;
            products.push((
                number_id(p, "product_id", te)?,
                number_id(p, "sku_id", te)?,
                cnt,
            ));
        }
        parcels.push(Parcel {
            delivery_id: opt_string(pkg, "delivery_id", te)?,
            waybill_id: opt_string(pkg, "waybill_id", te)?,
            deliver_type: 1,
            products,
            all_products,
            sn_code: None,
            course: None,
        });
    }
    Ok((order_id, parcels))
}

/// Pieces of each (product_id, sku_id) still to ship: `sku_cnt` − `finish_aftersale_sku_cnt`
/// − what earlier parcels took (seed 002 `delivery_product_info[].product_infos`).
fn left_to_ship(order: &SbOrder) -> Vec<((u64, u64), u64)> {
    order
        .products
        .iter()
        .map(|p| {
            let key = (p.product_id, p.sku_id);
            let before: u64 = order
                .deliveries
                .iter()
                .flat_map(|d| &d.products)
                .filter(|(pid, sid, _)| (*pid, *sid) == key)
                .map(|(_, _, c)| u64::from(*c))
                .sum();
            let allowed = u64::from(p.sku_cnt.saturating_sub(p.finish_aftersale_sku_cnt));
            (key, allowed.saturating_sub(before))
        })
        .collect()
}

impl World {
    /// `POST /channels/ec/order/deliverycompanylist/get` and
    /// `POST /product/delivery/get_company_list`.
    pub fn shop_courier_list(&self) -> ApiResult {
        let list: Vec<Value> = SHOP_COURIERS
            .iter()
            .map(|(id, name)| json!({"delivery_id": id, "delivery_name": name}))
            .collect();
        Ok(json!({ "company_list": list }))
    }

    /// `POST /channels/ec/order/delivery/send` (seed 003).
    pub fn delivery_send(&mut self, body: &Value) -> ApiResult {
        let (order_id, parcels) = read_channels(body)?;
        self.ship(order_id, parcels, Form::Channels)
    }

    /// `POST /product/delivery/send` (mini shop).
    pub fn minishop_delivery_send(&mut self, body: &Value) -> ApiResult {
        let (order_id, parcels) = read_minishop(body)?;
        self.ship(order_id, parcels, Form::Minishop)
    }

    /// Seed 003's rules, in the order WeChat meets them: the order, its state and holds, then
    /// each parcel's type, courier and waybill, then the counts against what is left.
    fn ship(&mut self, order_id: u64, parcels: Vec<Parcel>, form: Form) -> ApiResult {
        *self
            .stats
            .send_calls
            .entry(order_id.to_string())
            .or_default() += 1;
        let now = self.now();
        let order = self
            .orders
            .get_mut(&order_id)
            .ok_or_else(|| err(100002, "order not exist"))?;
        match order.status {
            30 | 100 => return Err(err(109001, "order already delivered")),
            20 | 21 => {}
            _ => return Err(err(101100, "order status not allow delivery")),
        }
        if order.order_type == 99 {
            return Err(err(101100, "order type 99 cannot be delivered"));
        }
        if !order.open_aftersale_ids.is_empty()
            || order.products.iter().any(|p| p.on_aftersale_sku_cnt > 0)
        {
            return Err(err(108009, "order has unfinished aftersale"));
        }
        match &order.hold {
            Some(SbHold::AddressChange { .. }) => {
                return Err(err(
                    10020115,
                    "user applied to change the address, handle it before delivery",
                ))
            }
            Some(SbHold::SkuChange) => {
                return Err(err(
                    10020276,
                    "a sku change request is pending, handle it before delivery",
                ))
            }
            Some(SbHold::Risk) => {
                return Err(err(606049, "order is at risk, wait for the platform"))
            }
            Some(SbHold::EwaybillOnly) | None => {}
        }
        if parcels.is_empty() {
            return Err(err(40097, "delivery_list is empty"));
        }
        let left = left_to_ship(order);
        if left.iter().all(|(_, n)| *n == 0) {
            return Err(err(109001, "order already delivered"));
        }
        let mut shipped_now: HashMap<(u64, u64), u64> = HashMap::new();
        let mut records = Vec::new();
        for parcel in &parcels {
            check_deliver_type(order, parcel, form)?;
            if parcel.deliver_type == 1 {
                check_courier(order, parcel)?;
            }
            let mut products: Vec<(u64, u64, u64)> = parcel.products.clone();
            if parcel.all_products {
                products = left
                    .iter()
                    .filter(|(_, n)| *n > 0)
                    .map(|((p, s), n)| (*p, *s, *n))
                    .collect();
            }
            if products.is_empty() {
                return Err(err(109002, "no product in delivery"));
            }
            if parcel.course.is_some() && products.len() != 1 {
                return Err(err(606036, "a parcel with a course link holds one sku"));
            }
            for &(pid, sid, cnt) in &products {
                let Some(line) = order
                    .products
                    .iter()
                    .find(|op| op.product_id == pid && op.sku_id == sid)
                else {
                    return Err(err(606031, format!("product {pid} sku {sid} not in order")));
                };
                if let Some(course) = &parcel.course {
                    if !line.title.contains("课程") {
                        return Err(err(606037, format!("sku {sid} is not a course")));
                    }
                    if course.wxa_appid.is_empty() || course.wxa_path.is_empty() {
                        return Err(err(606038, "course wxa_appid or wxa_path is empty"));
                    }
                }
                if cnt == 0 {
                    return Err(err(109000, format!("product {pid} count is 0")));
                }
                *shipped_now.entry((pid, sid)).or_default() += cnt;
            }
            records.push((parcel, products));
        }
        let mut complete = true;
        for (key, remaining) in &left {
            let now_cnt = shipped_now.get(key).copied().unwrap_or(0);
            if now_cnt > *remaining {
                let left_text = if *remaining == 0 {
                    "nothing is left".to_string()
                } else {
                    format!("only {remaining} left")
                };
                return Err(err(
                    109000,
                    format!(
                        "product {} sku {}: {now_cnt} sent but {left_text} (shipped or after-sales)",
                        key.0, key.1
                    ),
                ));
            }
            if now_cnt < *remaining {
                complete = false;
            }
        }
        if order.delivery == SbDeliveryMethod::Virtual && !complete {
            return Err(err(606051, "virtual goods ship as a whole order"));
        }
        for (parcel, products) in records {
            order.deliveries.push(SbDelivery {
                delivery_id: parcel.delivery_id.clone(),
                waybill_id: parcel.waybill_id.clone(),
                delivery_time: now,
                deliver_type: u8::try_from(parcel.deliver_type).unwrap_or(1),
                products: products
                    .iter()
                    .map(|&(p, s, c)| (p, s, u32::try_from(c).unwrap_or(u32::MAX)))
                    .collect(),
            });
        }
        order.status = if complete { 30 } else { 21 };
        order.update_time = now;
        Ok(json!({}))
    }
}

/// `deliver_type` against the order (606008): 1 (self-sent courier parcel) for ordinary
/// orders, 3 (no logistics) only for virtual goods (deliver_method 1); pickup and same-city
/// orders take no courier parcel at all.
fn check_deliver_type(order: &SbOrder, parcel: &Parcel, form: Form) -> Result<(), super::ApiError> {
    if !matches!(parcel.deliver_type, 1 | 3) {
        return Err(err(
            40097,
            format!("deliver_type {} is not 1 or 3", parcel.deliver_type),
        ));
    }
    let fits = match order.delivery {
        SbDeliveryMethod::Express => parcel.deliver_type == 1,
        // The mini shop form has no deliver_type: its virtual orders cannot ship through it.
        SbDeliveryMethod::Virtual => parcel.deliver_type == 3 && form == Form::Channels,
        SbDeliveryMethod::Pickup | SbDeliveryMethod::SameCity => false,
    };
    if fits {
        Ok(())
    } else {
        Err(err(
            606008,
            format!(
                "deliver_type {} does not fit this order ({:?})",
                parcel.deliver_type, order.delivery
            ),
        ))
    }
}

/// A courier parcel's courier and waybill: the WeChat Shop list (606004), the e-waybill rule
/// (606046), national subsidy (606060 / 606061) and the waybill pattern (606005 / 6060479).
fn check_courier(order: &SbOrder, parcel: &Parcel) -> Result<(), super::ApiError> {
    let d = parcel.delivery_id.as_str();
    if d.is_empty() {
        return Err(err(40097, "delivery_id is required when deliver_type=1"));
    }
    if d != OTHER_COURIER && !SHOP_COURIERS.iter().any(|(id, _)| *id == d) {
        return Err(err(
            606004,
            format!("invalid delivery_id `{d}`: take it from the WeChat Shop courier list"),
        ));
    }
    if order.hold == Some(SbHold::EwaybillOnly) {
        return Err(err(
            606046,
            "this order must ship with a WeChat Shop e-waybill",
        ));
    }
    if order.national_subsidy {
        if parcel
            .sn_code
            .as_deref()
            .is_none_or(|s| s.trim().is_empty())
        {
            return Err(err(606060, "national subsidy order needs sn_info.sn_code"));
        }
        if !SUBSIDY_COURIERS.contains(&d) {
            return Err(err(
                606061,
                format!("national subsidy orders ship only with {SUBSIDY_COURIERS:?}"),
            ));
        }
    }
    let w = parcel.waybill_id.trim();
    if w.is_empty() || w.len() > 40 {
        return Err(err(606005, "invalid waybill_id"));
    }
    if !waybill_matches(d, w) {
        return Err(err(
            6060479,
            format!("waybill_id `{w}` does not match the pattern of {d}"),
        ));
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn waybill_patterns_are_loose_but_not_anything() {
        assert!(waybill_matches("SF", "SF1234567890123"));
        assert!(!waybill_matches("SF", "1234567890123"));
        assert!(waybill_matches("YD", "23424324253")); // seed 003's example
        assert!(!waybill_matches("YD", "YD-123"));
        assert!(waybill_matches("ZTO", "7123456789012"));
        assert!(!waybill_matches("ZTO", "123"));
        assert!(waybill_matches("JD", "JDV00123456789012"));
        assert!(waybill_matches("OTHER", "ABC123456"));
        assert!(!waybill_matches("OTHER", "含中文123456"));
    }

    #[test]
    fn shop_list_differs_from_logistics_list_where_couriers_name_themselves_differently() {
        let shop = |id: &str| SHOP_COURIERS.iter().any(|(d, _)| *d == id);
        let logistics = |id: &str| super::super::COURIERS.iter().any(|(d, _)| *d == id);
        assert!(shop("YD") && !logistics("YD"));
        assert!(logistics("YUNDA") && !shop("YUNDA"));
        assert!(shop("ZTO") && logistics("ZTO"));
        assert!(shop("DBL") && logistics("DB") && !shop("DB"));
    }
}
