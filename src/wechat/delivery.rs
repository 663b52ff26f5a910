//! Shipping: `channels/ec/order/delivery/send` (微信小店) and `product/delivery/send` (小商店),
//! built from the order — only what is left, never an item twice — and never sent blindly twice.

use serde::{Deserialize, Serialize};

use super::client::{CallKind, Endpoint, Method, WechatClient};
use super::error::{MinishopLimit, Refusal, WechatError};
use super::order::{NoCourier, Order, ParcelItem, STATUS_PARTLY_SHIPPED, STATUS_TO_BE_SHIPPED};
use super::shop::ShopKind;
use super::types::{DeliveryId, OrderId, WaybillId};

/// Seed 003. Only 「微信小店」 accounts may call it.
pub const DELIVERY_SEND: Endpoint = Endpoint {
    path: "/channels/ec/order/delivery/send",
    method: Method::Post,
    kind: CallKind::Write,
};

/// The mini shop's own shipping call. Body `{order_id: number, delivery_list: [{delivery_id,
/// waybill_id, product_infos: [{product_id: number, sku_id: number, product_cnt}]}]}`; it has
/// no `deliver_type` and no `sn_info`. Source:
/// https://developers.weixin.qq.com/miniprogram/dev/platform-capabilities/business-capabilities/ministore/minishopopencomponent/API/delivery/send_delivery.html
/// (typed in fudiwei/DotNetCore.SKIT.FlurlHttpClient.Wechat,
/// `Models/Product/Delivery/ProductDeliverySendRequest.cs`).
pub const MINISHOP_DELIVERY_SEND: Endpoint = Endpoint {
    path: "/product/delivery/send",
    method: Method::Post,
    kind: CallKind::Write,
};

/// 自寄快递发货: the merchant hands the parcel to a courier with its own waybill.
pub const DELIVER_TYPE_EXPRESS: u8 = 1;
/// 虚拟商品无需物流发货 (seed 003: only for orders with deliver_method=1, whole order).
pub const DELIVER_TYPE_VIRTUAL: u8 = 3;

/// The `delivery/send` request (seed 003).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct SendDeliveryRequest {
    /// Sent as a JSON number (documented type), exactly, even above 2^53.
    pub order_id: OrderId,
    pub delivery_list: Vec<DeliveryPackage>,
}

/// One parcel.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct DeliveryPackage {
    /// From the shop's courier list (not `getAllDelivery`); empty (left out) for deliver_type 3.
    #[serde(default, skip_serializing_if = "delivery_id_is_empty")]
    pub delivery_id: DeliveryId,
    /// Empty (left out) for deliver_type 3.
    #[serde(default, skip_serializing_if = "waybill_id_is_empty")]
    pub waybill_id: WaybillId,
    pub deliver_type: u8,
    pub product_infos: Vec<PackageProduct>,
    /// National-subsidy SN (seed 003: 国补订单一定要有SN码才能发货).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub sn_info: Option<SnInfo>,
}

fn delivery_id_is_empty(d: &DeliveryId) -> bool {
    d.0.is_empty()
}

fn waybill_id_is_empty(w: &WaybillId) -> bool {
    w.0.is_empty()
}

/// A product in a parcel; ids are strings in this endpoint.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct PackageProduct {
    pub product_id: String,
    pub sku_id: String,
    pub product_cnt: u32,
}

/// Seed 003 `sn_info`: the national-subsidy SN code, and IMEIs for phones.
#[derive(Debug, Clone, PartialEq, Eq, Default, Serialize, Deserialize)]
pub struct SnInfo {
    pub sn_code: String,
    #[serde(default, skip_serializing_if = "String::is_empty")]
    pub imei1: String,
    #[serde(default, skip_serializing_if = "String::is_empty")]
    pub imei2: String,
}

impl SnInfo {
    /// An SN with up to two IMEIs; codes are trimmed (a scanner may add spaces or a newline).
    pub fn new(sn_code: &str, imeis: &[String]) -> Result<SnInfo, Refusal> {
        let sn_code = sn_code.trim().to_string();
        if sn_code.is_empty() {
            return Err(Refusal::SnEmpty);
        }
        if imeis.len() > 2 {
            return Err(Refusal::TooManyImeis(imeis.len()));
        }
        let imei = |i: usize| {
            imeis
                .get(i)
                .map(|s| s.trim().to_string())
                .unwrap_or_default()
        };
        Ok(SnInfo {
            sn_code,
            imei1: imei(0),
            imei2: imei(1),
        })
    }
}

/// A waybill to ship an order with. `delivery_id` is the logistics (`getAllDelivery`) id the
/// waybill was made with; the station maps it to the shop's courier list before shipping.
#[derive(Debug, Clone, PartialEq, Eq, Hash, Serialize, Deserialize)]
pub struct WaybillRef {
    pub delivery_id: DeliveryId,
    pub waybill_id: WaybillId,
}

impl std::str::FromStr for WaybillRef {
    type Err = String;
    /// `DELIVERY_ID:WAYBILL_ID`, e.g. `SF:SF1234567890`.
    fn from_str(s: &str) -> Result<Self, Self::Err> {
        match s.split_once(':') {
            Some((d, w)) if !d.trim().is_empty() && !w.trim().is_empty() => Ok(WaybillRef {
                delivery_id: DeliveryId(d.trim().to_string()),
                waybill_id: WaybillId(w.trim().to_string()),
            }),
            _ => Err(format!(
                "`{s}` is not DELIVERY_ID:WAYBILL_ID (e.g. SF:SF1234567890)"
            )),
        }
    }
}

/// The checks every shipment passes before anything is built: a shippable status, no open
/// after-sales (108009), no pending address change (10020115), something left to ship.
fn check_shippable(order: &Order) -> Result<Vec<ParcelItem>, Refusal> {
    let order_id = order.id.to_string();
    if !matches!(order.status, STATUS_TO_BE_SHIPPED | STATUS_PARTLY_SHIPPED) {
        return Err(Refusal::NotShippable {
            order_id,
            status: order.status,
        });
    }
    if order.has_open_aftersale() {
        return Err(Refusal::AfterSaleOpen(order_id));
    }
    if order.address_change_pending {
        return Err(Refusal::AddressChangePending(order_id));
    }
    let left = order.remaining_items();
    if left.is_empty() {
        return Err(Refusal::NothingToShip(order_id));
    }
    Ok(left)
}

/// The pieces for one parcel: `items` checked against what is left (same product+SKU lines
/// merged), or everything left when `items` is `None`. Refuses, with no call, a product the
/// order does not have or more pieces than are left.
pub fn parcel_items(
    order: &Order,
    items: Option<&[ParcelItem]>,
) -> Result<Vec<ParcelItem>, Refusal> {
    let left = check_shippable(order)?;
    let Some(items) = items else {
        return Ok(left);
    };
    if items.is_empty() {
        return Err(Refusal::InvalidArgument("the parcel has no items".into()));
    }
    let mut merged: Vec<ParcelItem> = Vec::new();
    for item in items {
        match merged
            .iter_mut()
            .find(|m| m.product_id == item.product_id && m.sku_id == item.sku_id)
        {
            Some(m) => m.count = m.count.saturating_add(item.count),
            None => merged.push(*item),
        }
    }
    for m in &merged {
        let in_order = order
            .products
            .iter()
            .any(|p| p.product_id == m.product_id && p.sku_id == m.sku_id);
        if !in_order {
            return Err(Refusal::NotInOrder {
                order_id: order.id.to_string(),
                product_id: m.product_id,
                sku_id: m.sku_id,
            });
        }
        let remaining: u32 = left
            .iter()
            .filter(|l| l.product_id == m.product_id && l.sku_id == m.sku_id)
            .fold(0u32, |n, l| n.saturating_add(l.count));
        if m.count > remaining {
            return Err(Refusal::MoreThanLeft {
                order_id: order.id.to_string(),
                product_id: m.product_id,
                sku_id: m.sku_id,
                asked: m.count,
                left: remaining,
            });
        }
    }
    merged.retain(|m| m.count > 0);
    Ok(merged)
}

/// True when shipping `items` leaves nothing of the order to ship.
pub fn completes_order(order: &Order, items: &[ParcelItem]) -> bool {
    order.remaining_items().iter().all(|l| {
        let sent: u32 = items
            .iter()
            .filter(|i| i.product_id == l.product_id && i.sku_id == l.sku_id)
            .fold(0u32, |n, i| n.saturating_add(i.count));
        sent >= l.count
    })
}

fn package_products(items: &[ParcelItem]) -> Vec<PackageProduct> {
    items
        .iter()
        .map(|i| PackageProduct {
            product_id: i.product_id.to_string(),
            sku_id: i.sku_id.to_string(),
            product_cnt: i.count,
        })
        .collect()
}

/// One parcel to ship.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct ParcelRequest {
    /// The waybill, with the shop-list courier id already mapped; `None` ships virtual goods
    /// with deliver_type 3.
    pub waybill: Option<WaybillRef>,
    /// The pieces for this parcel; `None` is everything left.
    pub items: Option<Vec<ParcelItem>>,
    /// The national-subsidy SN (606060).
    pub sn: Option<SnInfo>,
}

/// Builds the request for one parcel of `order`. Orders that take no courier are refused,
/// except virtual goods, which ship whole with deliver_type 3 and no waybill.
pub fn build_parcel_request(
    order: &Order,
    parcel: &ParcelRequest,
) -> Result<SendDeliveryRequest, Refusal> {
    let order_id = order.id.to_string();
    let items = parcel_items(order, parcel.items.as_deref())?;
    let package = match (order.no_courier_reason(), &parcel.waybill) {
        (Some(NoCourier::Virtual), None) => {
            if !completes_order(order, &items) {
                return Err(Refusal::VirtualWholeOrder(order_id));
            }
            DeliveryPackage {
                delivery_id: DeliveryId(String::new()),
                waybill_id: WaybillId(String::new()),
                deliver_type: DELIVER_TYPE_VIRTUAL,
                product_infos: package_products(&items),
                sn_info: parcel.sn.clone(),
            }
        }
        (Some(NoCourier::Virtual), Some(_)) => return Err(Refusal::VirtualWholeOrder(order_id)),
        (Some(reason), _) => return Err(Refusal::NoCourier { order_id, reason }),
        (None, None) => return Err(Refusal::InvalidArgument("no waybill given".into())),
        (None, Some(w)) => DeliveryPackage {
            delivery_id: w.delivery_id.clone(),
            waybill_id: w.waybill_id.clone(),
            deliver_type: DELIVER_TYPE_EXPRESS,
            product_infos: package_products(&items),
            sn_info: parcel.sn.clone(),
        },
    };
    Ok(SendDeliveryRequest {
        order_id: order.id,
        delivery_list: vec![package],
    })
}

/// Builds `delivery_list` from the order: one parcel per waybill, with what is left of each
/// line (`sku_cnt − finish_aftersale_sku_cnt − pieces in earlier parcels`; lines left at 0 are
/// skipped). With one waybill every line goes in it; with several, lines are spread one per
/// parcel and the last parcel takes the rest. Refuses when WeChat would refuse: open
/// after-sales (108009), an address change pending (10020115), nothing to ship, a status other
/// than to-be-shipped / partly shipped, or an order that takes no courier. The waybills'
/// courier ids are sent as given.
pub fn build_delivery_request(
    order: &Order,
    waybills: &[WaybillRef],
) -> Result<SendDeliveryRequest, Refusal> {
    let order_id = order.id.to_string();
    if waybills.is_empty() {
        return Err(Refusal::InvalidArgument("no waybill given".into()));
    }
    let lines = check_shippable(order)?;
    if let Some(reason) = order.no_courier_reason() {
        return Err(match reason {
            NoCourier::Virtual => Refusal::VirtualWholeOrder(order_id),
            reason => Refusal::NoCourier { order_id, reason },
        });
    }
    let lines = package_products(&lines);
    if waybills.len() > lines.len() {
        return Err(Refusal::TooManyWaybills {
            order_id,
            lines: lines.len(),
            waybills: waybills.len(),
        });
    }
    let mut remaining = lines.into_iter();
    let last = waybills.len() - 1;
    let delivery_list = waybills
        .iter()
        .enumerate()
        .map(|(i, w)| DeliveryPackage {
            delivery_id: w.delivery_id.clone(),
            waybill_id: w.waybill_id.clone(),
            deliver_type: DELIVER_TYPE_EXPRESS,
            product_infos: if i == last {
                remaining.by_ref().collect()
            } else {
                remaining.next().into_iter().collect()
            },
            sn_info: None,
        })
        .collect();
    Ok(SendDeliveryRequest {
        order_id: order.id,
        delivery_list,
    })
}

/// How a ship request ended.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum ShipOutcome {
    /// This call shipped the order (or this parcel of it).
    Shipped,
    /// The order had already been shipped (by us earlier, or by someone else); nothing was sent
    /// or WeChat answered 109001.
    AlreadyShipped,
    /// The answer was lost, and re-reading the order shows it did ship.
    ShippedConfirmedOnReread,
}

#[derive(Deserialize)]
struct Ignored {}

/// The mini shop's `product/delivery/send` body (ids are numbers there).
#[derive(Debug, Serialize)]
struct MinishopSendRequest {
    order_id: OrderId,
    delivery_list: Vec<MinishopPackage>,
}

#[derive(Debug, Serialize)]
struct MinishopPackage {
    delivery_id: DeliveryId,
    waybill_id: WaybillId,
    product_infos: Vec<MinishopProduct>,
}

#[derive(Debug, Serialize)]
struct MinishopProduct {
    product_id: u64,
    sku_id: u64,
    product_cnt: u32,
}

impl MinishopSendRequest {
    /// The same parcels in the mini shop's shape; refuses what that API has no field for.
    fn from_request(r: &SendDeliveryRequest) -> Result<MinishopSendRequest, Refusal> {
        let order_id = r.order_id.to_string();
        let mut list = Vec::with_capacity(r.delivery_list.len());
        for p in &r.delivery_list {
            if p.deliver_type != DELIVER_TYPE_EXPRESS {
                return Err(Refusal::MinishopCannot {
                    order_id,
                    what: MinishopLimit::Virtual,
                });
            }
            if p.sn_info.is_some() {
                return Err(Refusal::MinishopCannot {
                    order_id,
                    what: MinishopLimit::SnInfo,
                });
            }
            let mut products = Vec::with_capacity(p.product_infos.len());
            for i in &p.product_infos {
                let id = |s: &str| {
                    s.parse::<u64>().map_err(|_| {
                        Refusal::InvalidArgument(format!("`{s}` is not a product or SKU id"))
                    })
                };
                products.push(MinishopProduct {
                    product_id: id(&i.product_id)?,
                    sku_id: id(&i.sku_id)?,
                    product_cnt: i.product_cnt,
                });
            }
            list.push(MinishopPackage {
                delivery_id: p.delivery_id.clone(),
                waybill_id: p.waybill_id.clone(),
                product_infos: products,
            });
        }
        Ok(MinishopSendRequest {
            order_id: r.order_id,
            delivery_list: list,
        })
    }
}

/// The shipping API area.
pub struct Delivery<'a> {
    client: &'a WechatClient,
    shop: ShopKind,
}

impl WechatClient {
    /// Shipping for orders of the given shop family (orders are read through it).
    pub fn delivery(&self, shop: ShopKind) -> Delivery<'_> {
        Delivery { client: self, shop }
    }
}

impl Delivery<'_> {
    /// Sends exactly this request once, to the family's own endpoint: WeChat Shop accounts call
    /// `channels/ec/order/delivery/send`; mini-shop accounts never do (seed 003: only 「微信小店」
    /// accounts may), they call `product/delivery/send`.
    pub async fn send(&self, request: &SendDeliveryRequest) -> Result<(), WechatError> {
        let _: Ignored = match self.shop {
            ShopKind::Channels => self.client.call(DELIVERY_SEND, Some(request)).await?,
            ShopKind::Minishop => {
                let body =
                    MinishopSendRequest::from_request(request).map_err(WechatError::Refused)?;
                self.client
                    .call(MINISHOP_DELIVERY_SEND, Some(&body))
                    .await?
            }
        };
        Ok(())
    }
}

/// After a lost answer: did this request ship? The status moved to shipped, or one of the
/// request's waybills now shows among the order's parcels (a second parcel of a partly shipped
/// order leaves the status at 21).
pub fn shipped_on_reread(before: &Order, after: &Order, request: &SendDeliveryRequest) -> bool {
    let status_moved = after.is_shipped() && after.status != before.status;
    let parcel_appeared = request.delivery_list.iter().any(|p| {
        after.has_parcel_with_waybill(&p.waybill_id.0)
            && !before.has_parcel_with_waybill(&p.waybill_id.0)
    });
    let virtual_done = request
        .delivery_list
        .iter()
        .all(|p| p.deliver_type == DELIVER_TYPE_VIRTUAL)
        && after.shipped_packages.len() > before.shipped_packages.len();
    status_moved || parcel_appeared || virtual_done
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_bad_sn_is_explained_to_the_packer_in_their_language() {
        let empty = SnInfo::new(" \n", &[]).unwrap_err();
        assert_eq!(empty, Refusal::SnEmpty);
        let zh = empty.explain(crate::wechat::Lang::ZhCn);
        assert!(zh.contains("SN 码") && !zh.contains("empty"), "{zh}");
        let three = ["1".to_string(), "2".to_string(), "3".to_string()];
        let many = SnInfo::new("SN1", &three).unwrap_err();
        assert_eq!(many, Refusal::TooManyImeis(3));
        assert!(many
            .explain(crate::wechat::Lang::ZhCn)
            .contains("IMEI 最多填两个"));
    }
    use crate::wechat::order::{OrderProduct, ShippedPackage};

    fn product(id: u64, cnt: u32, finished: u32) -> OrderProduct {
        OrderProduct {
            product_id: id,
            sku_id: id * 10,
            title: format!("p{id}"),
            thumb_img: String::new(),
            sku_attrs: vec![],
            sku_cnt: cnt,
            on_aftersale_sku_cnt: 0,
            finish_aftersale_sku_cnt: finished,
            sale_price_fen: 100,
        }
    }

    fn order(products: Vec<OrderProduct>) -> Order {
        Order {
            id: OrderId(9_007_199_254_740_993),
            status: 20,
            products,
            ..Order::default()
        }
    }

    fn wb(s: &str) -> WaybillRef {
        s.parse().unwrap()
    }

    #[test]
    fn counts_subtract_finished_aftersale_and_skip_zero_lines() {
        let o = order(vec![product(1, 3, 1), product(2, 2, 2)]);
        let r = build_delivery_request(&o, &[wb("SF:1")]).unwrap();
        assert_eq!(r.delivery_list.len(), 1);
        assert_eq!(
            r.delivery_list[0].product_infos,
            vec![PackageProduct {
                product_id: "1".into(),
                sku_id: "10".into(),
                product_cnt: 2
            }]
        );
        let json = serde_json::to_string(&r).unwrap();
        assert!(
            json.starts_with(r#"{"order_id":9007199254740993,"#),
            "{json}"
        );
    }

    #[test]
    fn refuses_open_aftersale_and_nothing_to_ship() {
        let mut o = order(vec![product(1, 1, 0)]);
        o.products[0].on_aftersale_sku_cnt = 1;
        assert!(matches!(
            build_delivery_request(&o, &[wb("SF:1")]),
            Err(Refusal::AfterSaleOpen(_))
        ));
        let o = order(vec![product(1, 1, 1)]);
        assert!(matches!(
            build_delivery_request(&o, &[wb("SF:1")]),
            Err(Refusal::NothingToShip(_))
        ));
        let mut o = order(vec![product(1, 1, 0)]);
        o.status = 30;
        assert!(matches!(
            build_delivery_request(&o, &[wb("SF:1")]),
            Err(Refusal::NotShippable { status: 30, .. })
        ));
    }

    #[test]
    fn several_waybills_split_lines() {
        let o = order(vec![product(1, 1, 0), product(2, 1, 0), product(3, 1, 0)]);
        let r = build_delivery_request(&o, &[wb("SF:1"), wb("SF:2")]).unwrap();
        assert_eq!(r.delivery_list[0].product_infos.len(), 1);
        assert_eq!(r.delivery_list[1].product_infos.len(), 2);
        assert!(
            build_delivery_request(&o, &[wb("SF:1"), wb("SF:2"), wb("SF:3"), wb("SF:4")]).is_err()
        );
    }

    #[test]
    fn waybill_ref_parses() {
        assert_eq!(wb("SF:SF123").waybill_id.0, "SF123");
        assert!("SF".parse::<WaybillRef>().is_err());
        assert!(":1".parse::<WaybillRef>().is_err());
    }

    fn item(p: u64, n: u32) -> ParcelItem {
        ParcelItem {
            product_id: p,
            sku_id: p * 10,
            count: n,
        }
    }

    #[test]
    fn partly_shipped_ships_only_what_is_left() {
        // Seed 002's shape: 3 ordered, 1 refunded, 1 in an earlier parcel -> 1 left.
        let mut o = order(vec![product(1, 3, 1), product(2, 2, 0)]);
        o.status = STATUS_PARTLY_SHIPPED;
        o.shipped_packages = vec![ShippedPackage {
            delivery_id: "STO".into(),
            waybill_id: "134654612313".into(),
            products: vec![item(1, 1), item(2, 2)],
            ..ShippedPackage::default()
        }];
        assert_eq!(o.remaining_items(), vec![item(1, 1)]);
        let r = build_parcel_request(
            &o,
            &ParcelRequest {
                waybill: Some(wb("ZTO:2")),
                ..ParcelRequest::default()
            },
        )
        .unwrap();
        assert_eq!(r.delivery_list[0].product_infos[0].product_cnt, 1);
        assert_eq!(r.delivery_list[0].product_infos.len(), 1);
        // Asking for more than is left is refused before any call.
        let e = parcel_items(&o, Some(&[item(1, 2)])).unwrap_err();
        assert!(
            matches!(
                e,
                Refusal::MoreThanLeft {
                    asked: 2,
                    left: 1,
                    ..
                }
            ),
            "{e:?}"
        );
        let e = parcel_items(&o, Some(&[item(7, 1)])).unwrap_err();
        assert!(
            matches!(e, Refusal::NotInOrder { product_id: 7, .. }),
            "{e:?}"
        );
    }

    #[test]
    fn split_parcel_leaves_the_rest_and_merges_repeats() {
        let o = order(vec![product(1, 3, 0), product(2, 1, 0)]);
        let items = parcel_items(&o, Some(&[item(1, 1), item(1, 1)])).unwrap();
        assert_eq!(items, vec![item(1, 2)]);
        assert!(!completes_order(&o, &items));
        assert!(completes_order(&o, &[item(1, 3), item(2, 1)]));
    }

    #[test]
    fn virtual_goods_ship_whole_with_deliver_type_3_and_no_waybill() {
        let mut o = order(vec![product(1, 2, 0)]);
        o.deliver_method = 1;
        let r = build_parcel_request(&o, &ParcelRequest::default()).unwrap();
        assert_eq!(r.delivery_list[0].deliver_type, DELIVER_TYPE_VIRTUAL);
        let json = serde_json::to_value(&r).unwrap();
        assert!(
            json["delivery_list"][0].get("waybill_id").is_none(),
            "{json}"
        );
        assert!(
            json["delivery_list"][0].get("delivery_id").is_none(),
            "{json}"
        );
        let partial = ParcelRequest {
            items: Some(vec![item(1, 1)]),
            ..ParcelRequest::default()
        };
        assert!(matches!(
            build_parcel_request(&o, &partial),
            Err(Refusal::VirtualWholeOrder(_))
        ));
        assert!(matches!(
            build_delivery_request(&o, &[wb("SF:1")]),
            Err(Refusal::VirtualWholeOrder(_))
        ));
    }

    #[test]
    fn orders_without_courier_are_refused() {
        for (order_type, deliver_type, reason) in [
            (1, "", NoCourier::SelfPickup),
            (5, "", NoCourier::SameCity),
            (99, "", NoCourier::CannotShip),
            (0, "DELIVERY_TYPE_NO_EXPRESS", NoCourier::NoExpress),
        ] {
            let mut o = order(vec![product(1, 1, 0)]);
            o.order_type = order_type;
            o.deliver_type = deliver_type.into();
            assert_eq!(o.no_courier_reason(), Some(reason));
            let e = build_parcel_request(
                &o,
                &ParcelRequest {
                    waybill: Some(wb("SF:1")),
                    ..ParcelRequest::default()
                },
            )
            .unwrap_err();
            assert_eq!(
                e,
                Refusal::NoCourier {
                    order_id: o.id.to_string(),
                    reason
                }
            );
        }
    }

    #[test]
    fn sn_info_goes_into_the_parcel_and_minishop_refuses_it() {
        let o = order(vec![product(1, 1, 0)]);
        let r = build_parcel_request(
            &o,
            &ParcelRequest {
                waybill: Some(wb("SF:1")),
                sn: Some(SnInfo::new(" SN123\n", &["8612345".into()]).unwrap()),
                ..ParcelRequest::default()
            },
        )
        .unwrap();
        let json = serde_json::to_value(&r).unwrap();
        assert_eq!(json["delivery_list"][0]["sn_info"]["sn_code"], "SN123");
        assert_eq!(json["delivery_list"][0]["sn_info"]["imei1"], "8612345");
        assert!(matches!(
            MinishopSendRequest::from_request(&r),
            Err(Refusal::MinishopCannot {
                what: MinishopLimit::SnInfo,
                ..
            })
        ));
    }

    #[test]
    fn minishop_body_has_number_ids_and_no_deliver_type() {
        let o = order(vec![product(1, 2, 0)]);
        let r = build_delivery_request(&o, &[wb("YD:99")]).unwrap();
        let body = serde_json::to_value(MinishopSendRequest::from_request(&r).unwrap()).unwrap();
        assert_eq!(
            body,
            serde_json::json!({"order_id": 9_007_199_254_740_993_u64, "delivery_list": [
                {"delivery_id": "YD", "waybill_id": "99",
                 "product_infos": [{"product_id": 1, "sku_id": 10, "product_cnt": 2}]}]})
        );
    }
}
