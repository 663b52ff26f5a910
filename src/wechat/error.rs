//! The one error type of the WeChat client, and how each error is explained to a person.

use super::codes;
use crate::i18n::Lang;

/// Everything that can go wrong talking to WeChat. Messages never contain the access_token or
/// the AppSecret: URLs are stripped from transport errors before they are stored.
#[derive(Debug, Clone, PartialEq, thiserror::Error)]
pub enum WechatError {
    /// WeChat answered with a non-zero `errcode`; the vendor's code and message are kept.
    #[error("WeChat {endpoint} answered errcode {errcode}: {errmsg}")]
    Api {
        endpoint: &'static str,
        errcode: i64,
        errmsg: String,
    },
    /// The request did not get an answer (connection refused, DNS, TLS, timeout).
    #[error("could not reach WeChat {endpoint}: {message}")]
    Transport {
        endpoint: &'static str,
        message: String,
        timed_out: bool,
    },
    /// The server answered with an HTTP status other than 2xx.
    #[error("WeChat {endpoint} answered HTTP {status}")]
    Http { endpoint: &'static str, status: u16 },
    /// The body was not the documented JSON; `path` names where decoding stopped.
    #[error("WeChat {endpoint} sent a body that does not match the API (at `{path}`): {message}")]
    Decode {
        endpoint: &'static str,
        path: String,
        message: String,
    },
    /// The server answered with a redirect. Redirects are never followed: one would carry the
    /// AppSecret or a shipment to another host. `host` is where it pointed (no path or query).
    #[error("WeChat {endpoint} answered HTTP {status} redirecting to {host}; redirects are not followed")]
    Redirect {
        endpoint: &'static str,
        status: u16,
        host: String,
    },
    /// An answer broke a bound this client keeps on what a server may send (body size, pages,
    /// listing time); the call was stopped there.
    #[error("WeChat {endpoint}: {limit}")]
    Limit {
        endpoint: &'static str,
        limit: LimitHit,
    },
    /// A label's `print_html` could not be turned into HTML.
    #[error("the label of order {order_id} is unusable: {reason}")]
    Label { order_id: String, reason: String },
    /// A label page bigger than any real label: refused before it was decoded or stored.
    #[error("the courier sent a label page of {} for order {order_id}; labels are under {}, so it was not stored", super::label::format_size(*.size_bytes), super::label::format_size(*.limit_bytes))]
    LabelTooLarge {
        order_id: String,
        size_bytes: u64,
        limit_bytes: u64,
    },
    /// The request was refused before calling WeChat because it cannot succeed.
    #[error("{0}")]
    Refused(Refusal),
    /// No AppID/AppSecret (or token service) is configured.
    #[error("no WeChat credentials are configured")]
    NoCredentials,
}

/// Which bound a server's answer broke.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum LimitHit {
    /// The body grew past the cap while it was read; the rest was not read.
    #[error("the answer is larger than {cap_bytes} bytes; it was not read further")]
    BodyTooLarge { cap_bytes: usize },
    /// `has_more` never ended.
    #[error("the server kept saying there is more after {pages} pages; listing stopped")]
    TooManyPages { pages: u32 },
    /// A `next_key` came back that was already used, so the listing would go round in circles.
    #[error("the server sent a next_key it had already sent (page {page}); listing stopped")]
    RepeatedKey { page: u32 },
    /// A total too large to be a real shop's order count for one listing.
    #[error("the server claims {total} orders, more than the {max} one listing may hold")]
    AbsurdTotal { total: u64, max: u64 },
    /// The whole listing took longer than allowed.
    #[error("the listing did not finish within {seconds} s ({pages} pages read)")]
    TooSlow { seconds: u64, pages: u32 },
}

/// Why a request was refused before it was sent.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum Refusal {
    /// Products of the order are in an open after-sales process (WeChat would answer 108009).
    #[error("order {0} has an open after-sales request")]
    AfterSaleOpen(String),
    /// Every product was refunded through after-sales: nothing is left to ship.
    #[error("order {0} has nothing left to ship")]
    NothingToShip(String),
    /// The order's status does not allow shipping.
    #[error("order {order_id} is in status {status} and cannot be shipped")]
    NotShippable { order_id: String, status: u32 },
    /// More waybills than product lines that can go in a package.
    #[error(
        "order {order_id} has {lines} product line(s) to ship but {waybills} waybills were given"
    )]
    TooManyWaybills {
        order_id: String,
        lines: usize,
        waybills: usize,
    },
    /// Arguments that cannot be valid (empty lists, more than 7 days, ...).
    #[error("invalid request: {0}")]
    InvalidArgument(String),
    /// A national-subsidy parcel was asked to ship with an empty SN code.
    #[error("the SN code is empty")]
    SnEmpty,
    /// More IMEI codes than `sn_info` has room for (imei1, imei2).
    #[error("at most two IMEI codes go with an SN, got {0}")]
    TooManyImeis(usize),
    /// The order takes no courier (self-pickup, same-city, not shippable, no express, or
    /// virtual goods): no waybill is created and no courier shipment is sent.
    #[error("order {order_id} takes no courier ({})", reason.as_str())]
    NoCourier {
        order_id: String,
        reason: super::order::NoCourier,
    },
    /// A parcel names a product/SKU the order does not have.
    #[error("order {order_id} has no product {product_id} with SKU {sku_id}")]
    NotInOrder {
        order_id: String,
        product_id: u64,
        sku_id: u64,
    },
    /// A parcel holds more pieces of a line than are left to ship (WeChat would answer 109000).
    #[error("order {order_id}: {asked} piece(s) of product {product_id} / SKU {sku_id} asked, only {left} left to ship")]
    MoreThanLeft {
        order_id: String,
        product_id: u64,
        sku_id: u64,
        asked: u32,
        left: u32,
    },
    /// Virtual goods ship as a whole order, without a waybill (seed 003; 606051 otherwise).
    #[error("order {0} is virtual goods: it ships as a whole order, without a waybill")]
    VirtualWholeOrder(String),
    /// The waybill was cancelled (`order_status` 1): its label must not be printed or used.
    #[error("waybill {waybill_id} of order {order_id} was cancelled; get a new waybill")]
    WaybillCancelled {
        order_id: String,
        waybill_id: String,
    },
    /// No id in the shop's courier list for this logistics courier, and `OTHER` is not allowed
    /// for it (a main courier).
    #[error("courier {delivery_id} ({name}) has no id in the shop's courier list; set it in courier_map in settings")]
    CourierNotMapped { delivery_id: String, name: String },
    /// The mini shop's `product/delivery/send` cannot do this (virtual goods, SN codes).
    #[error("order {order_id}: the mini shop delivery API cannot ship {}", what.as_str())]
    MinishopCannot {
        order_id: String,
        what: MinishopLimit,
    },
    /// The buyer asked to change the address and the merchant has not handled it (10020115).
    #[error("order {0} has an address change waiting for the merchant")]
    AddressChangePending(String),
}

/// What the mini shop's delivery API has no field for.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum MinishopLimit {
    /// Shipping without logistics (deliver_type 3 exists only in WeChat Shop's API).
    Virtual,
    /// National-subsidy SN/IMEI codes (`sn_info` exists only in WeChat Shop's API).
    SnInfo,
}

impl MinishopLimit {
    /// A short English name.
    pub fn as_str(self) -> &'static str {
        match self {
            MinishopLimit::Virtual => "virtual goods without logistics",
            MinishopLimit::SnInfo => "national-subsidy SN codes",
        }
    }
}

impl WechatError {
    /// The vendor's errcode, when WeChat sent one.
    pub fn errcode(&self) -> Option<i64> {
        match self {
            WechatError::Api { errcode, .. } => Some(*errcode),
            _ => None,
        }
    }

    /// The endpoint the error came from, when it came from a call (the token call's errors name
    /// [`STABLE_TOKEN_PATH`](super::token::STABLE_TOKEN_PATH), even for a token service).
    pub fn endpoint(&self) -> Option<&'static str> {
        match self {
            WechatError::Api { endpoint, .. }
            | WechatError::Transport { endpoint, .. }
            | WechatError::Http { endpoint, .. }
            | WechatError::Decode { endpoint, .. }
            | WechatError::Redirect { endpoint, .. }
            | WechatError::Limit { endpoint, .. } => Some(endpoint),
            _ => None,
        }
    }

    /// True when getting the access_token failed, so the call itself was never sent.
    pub fn is_token_failure(&self) -> bool {
        self.endpoint() == Some(super::token::STABLE_TOKEN_PATH)
    }

    /// True when the access_token was rejected and one refresh may cure it.
    pub fn is_token_rejected(&self) -> bool {
        matches!(self.errcode(), Some(40001 | 40014 | 42001))
    }

    /// True for a failure that may pass if the same read is sent again a little later:
    /// WeChat's "system busy" (-1), the per-minute quota (45011), HTTP 5xx and transport errors.
    /// The daily quota (45009) is not retried: it does not recover within a backoff.
    pub fn is_transient(&self) -> bool {
        match self {
            WechatError::Api { errcode, .. } => matches!(errcode, -1 | 45011),
            WechatError::Http { status, .. } => *status >= 500 || *status == 429,
            WechatError::Transport { .. } => true,
            _ => false,
        }
    }

    /// True when a write may or may not have taken effect (no clear answer came back).
    pub fn outcome_unknown(&self) -> bool {
        match self {
            WechatError::Api { errcode, .. } => *errcode == -1,
            WechatError::Http { status, .. } => *status >= 500,
            WechatError::Transport { .. } | WechatError::Decode { .. } => true,
            // The server did answer, but not with a verdict this client reads; a failed token
            // call means the write itself was never sent.
            WechatError::Redirect { endpoint, .. }
            | WechatError::Limit {
                endpoint,
                limit: LimitHit::BodyTooLarge { .. },
            } => *endpoint != super::token::STABLE_TOKEN_PATH,
            _ => false,
        }
    }

    /// One or two sentences for the person at the station: what happened and what to do.
    pub fn explain(&self, lang: Lang) -> String {
        let zh = lang == Lang::ZhCn;
        match self {
            WechatError::Api {
                errcode, errmsg, ..
            } => match codes::lookup(*errcode) {
                Some(info) if zh => format!("{}。{}(错误码 {errcode})", info.zh, info.zh_action),
                Some(info) => format!("{}. {} (error code {errcode})", info.en, info.en_action),
                None if zh => format!(
                    "微信返回了未知错误:{errmsg}。请把错误码 {errcode} 告诉管理员或软件支持"
                ),
                None => format!(
                    "WeChat returned an unknown error: {errmsg}. Report error code {errcode} to your administrator or software support"
                ),
            },
            WechatError::Transport { timed_out, .. } => match (zh, timed_out) {
                (true, true) => "微信服务器没有及时响应。请检查网络后重试".into(),
                (true, false) => "连不上微信服务器。请检查网络连接后重试".into(),
                (false, true) => "WeChat did not answer in time. Check the network and try again".into(),
                (false, false) => "Cannot reach the WeChat servers. Check the network connection and try again".into(),
            },
            WechatError::Http { status, .. } if zh => {
                format!("微信服务器暂时出错(HTTP {status})。请稍后重试")
            }
            WechatError::Http { status, .. } => {
                format!("The WeChat server had a problem (HTTP {status}). Try again in a moment")
            }
            WechatError::Decode {
                endpoint,
                path,
                message,
            } if zh => format!(
                "微信 {endpoint} 返回的数据格式不对,无法读取(位置 {path}:{message})。请稍后重试;一直出现请把这条信息发给软件支持"
            ),
            WechatError::Decode {
                endpoint,
                path,
                message,
            } => format!(
                "WeChat {endpoint} sent data this app cannot read (at {path}: {message}). Try again later; if it keeps happening, send this message to software support"
            ),
            WechatError::Redirect { endpoint, host, .. } if zh => format!(
                "微信 {endpoint} 的应答要求转到另一台服务器({host}),为保护密钥和发货数据没有跟随。请检查设置里的 API 地址或代理是否正确"
            ),
            WechatError::Redirect { endpoint, host, .. } => format!(
                "WeChat {endpoint} answered with a redirect to another server ({host}); it was not followed, to keep the secret and shipments from going there. Check the API address or proxy in the settings"
            ),
            WechatError::Limit { endpoint, limit } => limit.explain(endpoint, lang),
            WechatError::Label { order_id, reason } if zh => {
                format!("订单 {order_id} 的面单数据损坏({reason})。请重新获取面单")
            }
            WechatError::Label { order_id, reason } => {
                format!("The label of order {order_id} is damaged ({reason}). Fetch the label again")
            }
            WechatError::LabelTooLarge { order_id, size_bytes, limit_bytes } => {
                let (size, limit) = (super::label::format_size(*size_bytes), super::label::format_size(*limit_bytes));
                if zh {
                    format!("快递公司发来的订单 {order_id} 的面单页面有 {size},而面单都在 {limit} 以内,所以没有保存也没有打印。请重新获取面单;如果仍然这样,请联系快递公司核对这个运单,不要打印它")
                } else {
                    format!("The courier sent a label page of {size} for order {order_id}; labels are under {limit}, so it was not stored or printed. Fetch the label again; if it happens again, ask the courier to check this waybill instead of printing it")
                }
            }
            WechatError::Refused(r) => r.explain(lang),
            WechatError::NoCredentials if zh => {
                "还没有设置微信 AppID 和 AppSecret。请在设置里填写,或用演示模式".into()
            }
            WechatError::NoCredentials => {
                "No WeChat AppID and AppSecret are set. Enter them in the settings, or use demo mode".into()
            }
        }
    }
}

impl LimitHit {
    /// What to tell the person at the station about a bound an answer broke at `endpoint`.
    pub fn explain(&self, endpoint: &str, lang: Lang) -> String {
        let zh = lang == Lang::ZhCn;
        match self {
            LimitHit::BodyTooLarge { cap_bytes } if zh => format!(
                "微信 {endpoint} 的应答超过 {} MB,已停止读取。请检查 API 地址或代理;一直出现请联系软件支持",
                cap_bytes / (1024 * 1024)
            ),
            LimitHit::BodyTooLarge { cap_bytes } => format!(
                "The answer of WeChat {endpoint} is larger than {} MB and was not read further. Check the API address or proxy; if it keeps happening, contact software support",
                cap_bytes / (1024 * 1024)
            ),
            LimitHit::TooManyPages { pages } if zh => format!(
                "读了 {pages} 页订单后服务器仍说还有更多,已停止。请缩短日期范围或按状态筛选后重试"
            ),
            LimitHit::TooManyPages { pages } => format!(
                "The server kept saying there is more after {pages} pages of orders; listing stopped. Narrow the date range or filter by status and try again"
            ),
            LimitHit::RepeatedKey { page } if zh => format!(
                "服务器在第 {page} 页返回了已经用过的翻页标记(next_key),继续会无限循环,已停止。请稍后重试;一直出现请联系软件支持"
            ),
            LimitHit::RepeatedKey { page } => format!(
                "The server sent a page key (next_key) it had already sent, at page {page}; going on would loop forever, so listing stopped. Try again later; if it keeps happening, contact software support"
            ),
            LimitHit::AbsurdTotal { total, max } if zh => format!(
                "服务器说有 {total} 个订单,超过一次最多列出的 {max} 个,已拒绝。请缩短日期范围或按状态筛选后重试"
            ),
            LimitHit::AbsurdTotal { total, max } => format!(
                "The server claims {total} orders, more than the {max} one listing may hold; refused. Narrow the date range or filter by status and try again"
            ),
            LimitHit::TooSlow { seconds, pages } if zh => format!(
                "列出订单超过 {seconds} 秒仍未完成(已读 {pages} 页),已停止。请缩短日期范围后重试"
            ),
            LimitHit::TooSlow { seconds, pages } => format!(
                "Listing the orders did not finish within {seconds} s ({pages} pages read) and was stopped. Narrow the date range and try again"
            ),
        }
    }
}

impl Refusal {
    /// What to tell the person at the station.
    pub fn explain(&self, lang: Lang) -> String {
        let zh = lang == Lang::ZhCn;
        match self {
            Refusal::AfterSaleOpen(id) if zh => {
                format!("订单 {id} 有未完成的售后,暂不能发货。先在小店后台处理完售后单,再发货")
            }
            Refusal::AfterSaleOpen(id) => format!(
                "Order {id} has an open after-sales request and cannot ship yet. Finish the after-sales in the shop console first"
            ),
            Refusal::NothingToShip(id) if zh => {
                format!("订单 {id} 的商品已全部售后退款,没有可发的商品。不要发货")
            }
            Refusal::NothingToShip(id) => {
                format!("Every product of order {id} was refunded; there is nothing to ship")
            }
            Refusal::NotShippable { order_id, status } if zh => format!(
                "订单 {order_id} 当前状态是「{}」,不能发货",
                status_label(*status, lang)
            ),
            Refusal::NotShippable { order_id, status } => format!(
                "Order {order_id} is \"{}\" and cannot be shipped",
                status_label(*status, lang)
            ),
            Refusal::TooManyWaybills {
                order_id,
                lines,
                waybills,
            } if zh => format!(
                "订单 {order_id} 只有 {lines} 种可发商品,却给了 {waybills} 个运单号。请减少运单数"
            ),
            Refusal::TooManyWaybills {
                order_id,
                lines,
                waybills,
            } => format!(
                "Order {order_id} has {lines} product line(s) to ship but {waybills} waybills were given. Use fewer waybills"
            ),
            Refusal::SnEmpty if zh => "SN 码是空的:请扫描或输入商品上的 SN 码,再发货".to_string(),
            Refusal::SnEmpty => {
                "The SN code is empty: scan or type the SN on the product, then ship".to_string()
            }
            Refusal::TooManyImeis(n) if zh => {
                format!("IMEI 最多填两个(填了 {n} 个):只填手机上的 IMEI1 和 IMEI2")
            }
            Refusal::TooManyImeis(n) => {
                format!("At most two IMEI codes ({n} given): enter only the phone's IMEI1 and IMEI2")
            }
            Refusal::InvalidArgument(m) if zh => format!("请求参数有误:{m}"),
            Refusal::InvalidArgument(m) => format!("Invalid request: {m}"),
            Refusal::NoCourier { order_id, reason } if zh => {
                format!("订单 {order_id} 不走快递:{}", reason.explain(lang))
            }
            Refusal::NoCourier { order_id, reason } => {
                format!("Order {order_id} takes no courier: {}", reason.explain(lang))
            }
            Refusal::NotInOrder {
                order_id,
                product_id,
                sku_id,
            } if zh => format!(
                "订单 {order_id} 里没有商品 {product_id}(规格 {sku_id})。请核对要发的商品"
            ),
            Refusal::NotInOrder {
                order_id,
                product_id,
                sku_id,
            } => format!(
                "Order {order_id} has no product {product_id} (SKU {sku_id}). Check the items for this parcel"
            ),
            Refusal::MoreThanLeft {
                order_id,
                product_id,
                sku_id,
                asked,
                left,
            } if zh => format!(
                "订单 {order_id} 的商品 {product_id}(规格 {sku_id})只剩 {left} 件待发,这次却要发 {asked} 件。已发或已退的不能再发,请改数量"
            ),
            Refusal::MoreThanLeft {
                order_id,
                product_id,
                sku_id,
                asked,
                left,
            } => format!(
                "Order {order_id}: only {left} piece(s) of product {product_id} (SKU {sku_id}) are left to ship, but {asked} were asked. Pieces already shipped or refunded cannot ship again; change the count"
            ),
            Refusal::VirtualWholeOrder(id) if zh => {
                format!("订单 {id} 是虚拟商品:必须整单发货,不用运单号")
            }
            Refusal::VirtualWholeOrder(id) => format!(
                "Order {id} is virtual goods: ship the whole order at once, without a waybill"
            ),
            Refusal::WaybillCancelled {
                order_id,
                waybill_id,
            } if zh => format!(
                "订单 {order_id} 的运单 {waybill_id} 已取消,面单作废不能打印或发货。请重新取一个运单号"
            ),
            Refusal::WaybillCancelled {
                order_id,
                waybill_id,
            } => format!(
                "Waybill {waybill_id} of order {order_id} was cancelled; its label is void and must not be printed or shipped. Get a new waybill"
            ),
            Refusal::CourierNotMapped { delivery_id, name } if zh => format!(
                "快递公司 {name}({delivery_id})在小店的快递公司列表里找不到对应编码,不能发货。请在设置的“快递公司对照”里指定"
            ),
            Refusal::CourierNotMapped { delivery_id, name } => format!(
                "Courier {name} ({delivery_id}) has no id in the shop's courier list, so nothing was shipped. Set it under courier mapping in the settings"
            ),
            Refusal::MinishopCannot { order_id, what } if zh => format!(
                "订单 {order_id}:小商店的发货接口不支持{},请到小商店后台处理该订单",
                match what {
                    MinishopLimit::Virtual => "无需物流发货",
                    MinishopLimit::SnInfo => "国补SN码",
                }
            ),
            Refusal::MinishopCannot { order_id, what } => format!(
                "Order {order_id}: the mini shop delivery API cannot ship {}; handle this order in the mini shop console",
                what.as_str()
            ),
            Refusal::AddressChangePending(id) if zh => format!(
                "订单 {id} 的买家申请了修改收货地址,先在小店后台处理改地址申请,再按新地址打单发货"
            ),
            Refusal::AddressChangePending(id) => format!(
                "The buyer of order {id} asked for a new address. Handle the address change in the shop console first, then print and ship to the new address"
            ),
        }
    }
}

/// The name of an OrderStatus value (seed 002).
pub fn status_label(status: u32, lang: Lang) -> &'static str {
    let zh = lang == Lang::ZhCn;
    match status {
        10 if zh => "待付款",
        10 => "awaiting payment",
        15..=17 if zh => "待成团/待接单/待核销",
        15..=17 => "awaiting group/merchant/redemption",
        20 if zh => "待发货",
        20 => "to be shipped",
        21 if zh => "部分发货",
        21 => "partly shipped",
        30 if zh => "待收货(已发货)",
        30 => "shipped, awaiting receipt",
        100 if zh => "已完成",
        100 => "completed",
        181 | 190 | 200 | 250 if zh => "已取消",
        181 | 190 | 200 | 250 => "cancelled",
        _ if zh => "未知状态",
        _ => "unknown status",
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn known_code_explains_with_action() {
        let e = WechatError::Api {
            endpoint: "delivery/send",
            errcode: 108009,
            errmsg: "x".into(),
        };
        assert!(e.explain(Lang::ZhCn).contains("售后"));
        assert!(e.explain(Lang::ZhCn).contains("108009"));
        assert!(e.explain(Lang::En).to_lowercase().contains("after"));
    }

    #[test]
    fn unknown_code_keeps_vendor_message() {
        let e = WechatError::Api {
            endpoint: "x",
            errcode: 777_777,
            errmsg: "odd thing".into(),
        };
        assert!(e.explain(Lang::ZhCn).contains("odd thing"));
        assert!(e.explain(Lang::En).contains("777777"));
    }

    #[test]
    fn retry_classes() {
        let api = |c| WechatError::Api {
            endpoint: "x",
            errcode: c,
            errmsg: String::new(),
        };
        for c in [40001, 40014, 42001] {
            assert!(api(c).is_token_rejected());
            assert!(!api(c).is_transient());
        }
        assert!(api(-1).is_transient());
        assert!(api(45011).is_transient());
        assert!(!api(45009).is_transient());
        assert!(!api(109001).is_transient());
        assert!(WechatError::Http {
            endpoint: "x",
            status: 502
        }
        .is_transient());
        assert!(!WechatError::Http {
            endpoint: "x",
            status: 404
        }
        .is_transient());
    }
}
