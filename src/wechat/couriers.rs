//! Two courier lists, and the map between them.
//!
//! A waybill is made (`order/add`) with a courier id from the logistics list, `getAllDelivery`.
//! A shipment (`delivery/send`) names its courier with an id from the *shop's* courier list
//! (seed 003: `delivery_id` 快递公司id,通过获取快递公司列表接口获得,非主流快递公司可以填OTHER):
//! WeChat Shop `POST /channels/ec/order/deliverycompanylist/get`
//! (https://developers.weixin.qq.com/doc/channels/API/order/deliverycompanylist_get.html), the
//! mini shop `POST /product/delivery/get_company_list`
//! (https://developers.weixin.qq.com/miniprogram/dev/platform-capabilities/business-capabilities/ministore/minishopopencomponent/API/delivery/get_delivery_company_list.html).
//! Both answer `{company_list: [{delivery_id, delivery_name}]}` (typed in
//! fudiwei/DotNetCore.SKIT.FlurlHttpClient.Wechat, `ChannelsECOrderDeliveryCompanyListGetResponse`
//! and `ProductDeliveryGetCompanyListResponse`). The ids differ for some couriers: seed 003's
//! example ships with `YD` (韵达), which `getAllDelivery` calls `YUNDA`.
//!
//! [`CourierMap`] turns a logistics id into a shop id, in this order: the hand-set mapping in
//! settings (`courier_map`), the reviewed table [`MAIN_COURIERS`], the same name in both lists,
//! and `OTHER` only for couriers that are not main couriers. A shipment never goes out with a
//! logistics id the shop list does not have.

use std::collections::BTreeMap;

use serde::{Deserialize, Serialize};

use super::client::{CallKind, Endpoint, Method, WechatClient};
use super::error::{Refusal, WechatError};
use super::logistics::Courier;
use super::shop::ShopKind;
use super::types::DeliveryId;

pub const CHANNELS_COMPANY_LIST: Endpoint = Endpoint {
    path: "/channels/ec/order/deliverycompanylist/get",
    method: Method::Post,
    kind: CallKind::Read,
};
pub const MINISHOP_COMPANY_LIST: Endpoint = Endpoint {
    path: "/product/delivery/get_company_list",
    method: Method::Post,
    kind: CallKind::Read,
};

/// The id seed 003 allows for a courier that is not a main one.
pub const OTHER: &str = "OTHER";

/// A courier in the shop's list.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ShopCourier {
    pub delivery_id: String,
    #[serde(default)]
    pub delivery_name: String,
}

#[derive(Deserialize)]
struct CompanyListResponse {
    #[serde(default)]
    company_list: Vec<ShopCourier>,
}

#[derive(Serialize)]
struct Empty {}

impl WechatClient {
    /// The shop's courier list (the ids `delivery/send` takes).
    pub async fn shop_couriers(&self, kind: ShopKind) -> Result<Vec<ShopCourier>, WechatError> {
        let endpoint = match kind {
            ShopKind::Channels => CHANNELS_COMPANY_LIST,
            ShopKind::Minishop => MINISHOP_COMPANY_LIST,
        };
        let response: CompanyListResponse = self.call(endpoint, Some(&Empty {})).await?;
        Ok(response.company_list)
    }
}

/// One main courier: its id in each list and the names it goes by.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct MainCourier {
    /// Ids `getAllDelivery` uses for it.
    pub logistics_ids: &'static [&'static str],
    /// Ids the shop courier lists use for it, preferred first.
    pub shop_ids: &'static [&'static str],
    /// Names (without 快递/速递/物流 suffixes) it is listed under.
    pub names: &'static [&'static str],
}

/// The reviewed table of main couriers. Where each id comes from:
/// - logistics ids: WeChat's 物流助手 `getAllDelivery` list (e.g. `YUNDA` 韵达快递, `DB` 德邦快递,
///   `BEST` 百世快递, `JTSD` 极兔速递), as the sandbox and the logistics docs name them;
/// - shop ids: seed 003's example (`YD` 韵达) and the WeChat Shop / mini shop company lists,
///   which use the common express codes (`YD` 韵达, `DBL` 德邦, `HTKY` 百世, `YZPY` 邮政包裹).
///
/// Same-id couriers (SF, ZTO, YTO, STO, EMS, JD, JTSD, ZJS) are listed too, so that they can
/// never fall back to `OTHER`.
pub static MAIN_COURIERS: &[MainCourier] = &[
    MainCourier {
        logistics_ids: &["SF"],
        shop_ids: &["SF"],
        names: &["顺丰", "顺丰速运"],
    },
    MainCourier {
        logistics_ids: &["ZTO"],
        shop_ids: &["ZTO"],
        names: &["中通"],
    },
    MainCourier {
        logistics_ids: &["YTO"],
        shop_ids: &["YTO"],
        names: &["圆通"],
    },
    MainCourier {
        logistics_ids: &["STO"],
        shop_ids: &["STO"],
        names: &["申通"],
    },
    MainCourier {
        logistics_ids: &["YUNDA", "YD"],
        shop_ids: &["YD", "YUNDA"],
        names: &["韵达"],
    },
    MainCourier {
        logistics_ids: &["JTSD", "JT"],
        shop_ids: &["JTSD", "JT"],
        names: &["极兔", "极兔速递"],
    },
    MainCourier {
        logistics_ids: &["EMS"],
        shop_ids: &["EMS"],
        names: &["EMS", "中国邮政EMS"],
    },
    MainCourier {
        logistics_ids: &["YZPY", "CHINAPOST"],
        shop_ids: &["YZPY"],
        names: &["邮政快递包裹", "邮政包裹"],
    },
    MainCourier {
        logistics_ids: &["JD"],
        shop_ids: &["JD"],
        names: &["京东", "京东物流"],
    },
    MainCourier {
        logistics_ids: &["DB", "DBL"],
        shop_ids: &["DBL", "DB"],
        names: &["德邦"],
    },
    MainCourier {
        logistics_ids: &["BEST", "HTKY"],
        shop_ids: &["HTKY", "BEST"],
        names: &["百世"],
    },
    MainCourier {
        logistics_ids: &["ZJS"],
        shop_ids: &["ZJS"],
        names: &["宅急送"],
    },
];

/// The main courier a logistics id belongs to.
pub fn main_courier(logistics_id: &str) -> Option<&'static MainCourier> {
    let id = logistics_id.trim().to_ascii_uppercase();
    MAIN_COURIERS
        .iter()
        .find(|m| m.logistics_ids.iter().any(|l| *l == id))
}

/// A courier name without the words that differ between lists (快递, 速运, 有限公司, spaces).
fn normalise_name(name: &str) -> String {
    let mut n: String = name
        .chars()
        .filter(|c| !c.is_whitespace() && !matches!(c, '(' | ')' | '\u{FF08}' | '\u{FF09}'))
        .collect::<String>()
        .to_uppercase();
    for suffix in [
        "股份有限公司",
        "有限公司",
        "公司",
        "快递",
        "速递",
        "速运",
        "物流",
        "快运",
    ] {
        n = n.replace(suffix, "");
    }
    n
}

/// How a shop id was found.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum MappedBy {
    /// `courier_map` in settings.
    Settings,
    /// The reviewed table of main couriers.
    Table,
    /// The same name in both lists.
    Name,
    /// Not a main courier: `OTHER`, as seed 003 allows.
    Other,
}

/// One row of the map, for the settings window and `couriers`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct CourierMapping {
    pub logistics_id: String,
    pub logistics_name: String,
    /// `None` when no id could be found (shipping with this courier is refused).
    pub shop_id: Option<String>,
    pub by: Option<MappedBy>,
}

/// Both lists and the way from one to the other.
#[derive(Debug, Clone, PartialEq, Default)]
pub struct CourierMap {
    logistics: Vec<Courier>,
    shop: Vec<ShopCourier>,
    overrides: BTreeMap<String, String>,
}

impl CourierMap {
    /// A map over the two lists and the hand-set mapping (logistics id → shop id).
    pub fn new(
        logistics: Vec<Courier>,
        shop: Vec<ShopCourier>,
        overrides: BTreeMap<String, String>,
    ) -> CourierMap {
        let overrides = overrides
            .into_iter()
            .map(|(k, v)| (k.trim().to_string(), v.trim().to_string()))
            .filter(|(k, v)| !k.is_empty() && !v.is_empty())
            .collect();
        CourierMap {
            logistics,
            shop,
            overrides,
        }
    }

    /// Loads both lists for the shop family.
    pub async fn load(
        client: &WechatClient,
        kind: ShopKind,
        overrides: BTreeMap<String, String>,
    ) -> Result<CourierMap, WechatError> {
        let logistics = client.logistics();
        let (logistics, shop) =
            futures::try_join!(logistics.couriers(), client.shop_couriers(kind))?;
        Ok(CourierMap::new(logistics, shop, overrides))
    }

    /// The logistics list (`getAllDelivery`).
    pub fn logistics(&self) -> &[Courier] {
        &self.logistics
    }

    /// The shop's list.
    pub fn shop(&self) -> &[ShopCourier] {
        &self.shop
    }

    fn in_shop(&self, id: &str) -> bool {
        self.shop.iter().any(|c| c.delivery_id == id)
    }

    fn logistics_name(&self, id: &str) -> String {
        self.logistics
            .iter()
            .find(|c| c.delivery_id.0 == id)
            .map(|c| c.delivery_name.clone())
            .unwrap_or_default()
    }

    /// The shop id for a logistics id, and how it was found.
    pub fn lookup(&self, logistics_id: &str) -> Option<(String, MappedBy)> {
        let id = logistics_id.trim();
        if let Some(shop_id) = self.overrides.get(id) {
            // A hand-set id is trusted if the shop list has it, if it is OTHER (always allowed,
            // seed 003), or if the list is empty (WeChat returned none: the merchant's word
            // stands). Otherwise it is a typo, and the table or names decide.
            if self.shop.is_empty() || self.in_shop(shop_id) || shop_id == OTHER {
                return Some((shop_id.clone(), MappedBy::Settings));
            }
            tracing::warn!(
                logistics_id = id,
                shop_id = shop_id.as_str(),
                "courier_map names an id the shop's courier list does not have; ignored"
            );
        }
        let main = main_courier(id);
        if let Some(main) = main {
            if let Some(shop_id) = main.shop_ids.iter().find(|s| self.in_shop(s)) {
                return Some(((*shop_id).to_string(), MappedBy::Table));
            }
        }
        let mut names: Vec<String> = vec![normalise_name(&self.logistics_name(id))];
        if let Some(main) = main {
            names.extend(main.names.iter().map(|n| normalise_name(n)));
        }
        names.retain(|n| !n.is_empty());
        if let Some(c) = self
            .shop
            .iter()
            .find(|c| names.contains(&normalise_name(&c.delivery_name)))
        {
            return Some((c.delivery_id.clone(), MappedBy::Name));
        }
        if main.is_none() {
            return Some((OTHER.to_string(), MappedBy::Other));
        }
        None
    }

    /// The id `delivery/send` must carry for a waybill made with `logistics_id`; refuses (no
    /// call) when there is none.
    pub fn shop_id(&self, logistics_id: &DeliveryId) -> Result<DeliveryId, Refusal> {
        self.lookup(&logistics_id.0)
            .map(|(id, _)| DeliveryId(id))
            .ok_or_else(|| Refusal::CourierNotMapped {
                delivery_id: logistics_id.0.clone(),
                name: self.logistics_name(&logistics_id.0),
            })
    }

    /// Every logistics courier with its shop id (for settings and `couriers`).
    pub fn mappings(&self) -> Vec<CourierMapping> {
        self.logistics
            .iter()
            .map(|c| {
                let found = self.lookup(&c.delivery_id.0);
                CourierMapping {
                    logistics_id: c.delivery_id.0.clone(),
                    logistics_name: c.delivery_name.clone(),
                    shop_id: found.as_ref().map(|(id, _)| id.clone()),
                    by: found.map(|(_, by)| by),
                }
            })
            .collect()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn logistics(list: &[(&str, &str)]) -> Vec<Courier> {
        list.iter()
            .map(|(id, name)| Courier {
                delivery_id: DeliveryId((*id).into()),
                delivery_name: (*name).into(),
                can_use_cash: 0,
                can_get_quota: 0,
                cash_biz_id: String::new(),
                service_type: vec![],
            })
            .collect()
    }

    fn shop(list: &[(&str, &str)]) -> Vec<ShopCourier> {
        list.iter()
            .map(|(id, name)| ShopCourier {
                delivery_id: (*id).into(),
                delivery_name: (*name).into(),
            })
            .collect()
    }

    fn map(overrides: &[(&str, &str)]) -> CourierMap {
        CourierMap::new(
            logistics(&[
                ("SF", "顺丰速运"),
                ("YUNDA", "韵达快递"),
                ("DB", "德邦快递"),
                ("XYZ", "小众快递"),
                ("ANE", "安能物流"),
                ("BEST", "百世快递"),
            ]),
            shop(&[
                ("SF", "顺丰速运"),
                ("YD", "韵达快递"),
                ("ANNENG", "安能快运"),
                ("OTHER", "其他"),
            ]),
            overrides
                .iter()
                .map(|(a, b)| ((*a).to_string(), (*b).to_string()))
                .collect(),
        )
    }

    #[test]
    fn table_maps_yunda_to_yd() {
        let m = map(&[]);
        assert_eq!(m.lookup("YUNDA"), Some(("YD".into(), MappedBy::Table)));
        assert_eq!(m.lookup("SF"), Some(("SF".into(), MappedBy::Table)));
    }

    #[test]
    fn names_match_across_suffixes() {
        assert_eq!(
            map(&[]).lookup("ANE"),
            Some(("ANNENG".into(), MappedBy::Name))
        );
    }

    #[test]
    fn other_only_for_couriers_that_are_not_main() {
        let m = map(&[]);
        assert_eq!(m.lookup("XYZ"), Some(("OTHER".into(), MappedBy::Other)));
        // 德邦 and 百世 are main couriers the shop list lacks: refused, never OTHER.
        assert_eq!(m.lookup("DB"), None);
        let e = m.shop_id(&DeliveryId("BEST".into())).unwrap_err();
        assert!(matches!(e, Refusal::CourierNotMapped { ref name, .. } if name == "百世快递"));
    }

    #[test]
    fn settings_win_when_the_shop_list_has_the_id() {
        let m = map(&[("DB", "OTHER"), ("SF", "NOT_IN_LIST"), ("YUNDA", "ANNENG")]);
        assert_eq!(m.lookup("DB"), Some(("OTHER".into(), MappedBy::Settings)));
        assert_eq!(
            m.lookup("YUNDA"),
            Some(("ANNENG".into(), MappedBy::Settings))
        );
        assert_eq!(m.lookup("SF"), Some(("SF".into(), MappedBy::Table)));
    }

    #[test]
    fn every_main_courier_has_ids_and_names() {
        for m in MAIN_COURIERS {
            assert!(!m.logistics_ids.is_empty() && !m.shop_ids.is_empty() && !m.names.is_empty());
        }
        assert_eq!(main_courier("yunda").map(|m| m.shop_ids[0]), Some("YD"));
    }
}
