//! Shipping: `channels/ec/order/delivery/send`, built from the order and never sent blindly twice.

use serde::{Deserialize, Serialize};

use super::client::{CallKind, Endpoint, Method, WechatClient};
use super::error::{Refusal, WechatError};
use super::order::{Order, STATUS_PARTLY_SHIPPED, STATUS_TO_BE_SHIPPED};
use super::shop::ShopKind;
use super::types::{DeliveryId, OrderId, WaybillId};

pub const DELIVERY_SEND: Endpoint = Endpoint {
    path: "/channels/ec/order/delivery/send",
    method: Method::Post,
    kind: CallKind::Write,
};

/// 自寄快递发货: the merchant hands the parcel to a courier with its own waybill.
pub const DELIVER_TYPE_EXPRESS: u8 = 1;

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
    pub delivery_id: DeliveryId,
    pub waybill_id: WaybillId,
    pub deliver_type: u8,
    pub product_infos: Vec<PackageProduct>,
}

/// A product in a parcel; ids are strings in this endpoint.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct PackageProduct {
    pub product_id: String,
    pub sku_id: String,
    pub product_cnt: u32,
}

/// A waybill to ship an order with.
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

/// Builds `delivery_list` from the order: one parcel per waybill, each product with
/// `sku_cnt - finish_aftersale_sku_cnt` pieces (lines left at 0 are skipped). With one waybill
/// every line goes in it; with several, lines are spread one per parcel and the last parcel
/// takes the rest. Refuses when WeChat would refuse: open after-sales (108009), nothing to ship,
/// or a status other than to-be-shipped / partly shipped.
pub fn build_delivery_request(
    order: &Order,
    waybills: &[WaybillRef],
) -> Result<SendDeliveryRequest, Refusal> {
    let order_id = order.id.to_string();
    if waybills.is_empty() {
        return Err(Refusal::InvalidArgument("no waybill given".into()));
    }
    if !matches!(order.status, STATUS_TO_BE_SHIPPED | STATUS_PARTLY_SHIPPED) {
        return Err(Refusal::NotShippable {
            order_id,
            status: order.status,
        });
    }
    if order.has_open_aftersale() {
        return Err(Refusal::AfterSaleOpen(order_id));
    }
    let lines: Vec<PackageProduct> = order
        .products
        .iter()
        .filter(|p| p.shippable_cnt() > 0)
        .map(|p| PackageProduct {
            product_id: p.product_id.to_string(),
            sku_id: p.sku_id.to_string(),
            product_cnt: p.shippable_cnt(),
        })
        .collect();
    if lines.is_empty() {
        return Err(Refusal::NothingToShip(order_id));
    }
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
    /// This call shipped the order.
    Shipped,
    /// The order had already been shipped (by us earlier, or by someone else); nothing was sent
    /// or WeChat answered 109001.
    AlreadyShipped,
    /// The answer was lost, and re-reading the order shows it did ship.
    ShippedConfirmedOnReread,
}

#[derive(Deserialize)]
struct Ignored {}

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
    /// Sends exactly this request once.
    pub async fn send(&self, request: &SendDeliveryRequest) -> Result<(), WechatError> {
        let _: Ignored = self.client.call(DELIVERY_SEND, Some(request)).await?;
        Ok(())
    }

    /// Ships an order safely: reads it first (an order already shipped is not sent again),
    /// refuses what WeChat would refuse, sends once, treats 109001 as already shipped, and when
    /// the answer is lost re-reads the order to learn whether it shipped.
    pub async fn ship_order(
        &self,
        order_id: OrderId,
        waybills: &[WaybillRef],
    ) -> Result<ShipOutcome, WechatError> {
        let shop = self.client.shop(self.shop);
        let order = shop.get_order(order_id).await?;
        if order.is_shipped() && order.status != STATUS_PARTLY_SHIPPED {
            return Ok(ShipOutcome::AlreadyShipped);
        }
        let request = build_delivery_request(&order, waybills).map_err(WechatError::Refused)?;
        match self.send(&request).await {
            Ok(()) => Ok(ShipOutcome::Shipped),
            Err(e) if e.errcode() == Some(109001) => Ok(ShipOutcome::AlreadyShipped),
            Err(e) if e.outcome_unknown() => {
                tracing::warn!(%order_id, error = %e, "ship answer lost; re-reading the order");
                match shop.get_order(order_id).await {
                    Ok(after) if after.is_shipped() && after.status != order.status => {
                        Ok(ShipOutcome::ShippedConfirmedOnReread)
                    }
                    _ => Err(e),
                }
            }
            Err(e) => Err(e),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::wechat::order::{Address, OrderProduct};

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
            created_unix: 0,
            openid: String::new(),
            products,
            address: Address::default(),
            customer_notes: String::new(),
            merchant_notes: String::new(),
            order_price_fen: 0,
            freight_fen: 0,
            open_aftersale_count: 0,
            shipped_packages: vec![],
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
}
