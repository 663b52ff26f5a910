//! Shop order endpoints of both families behind one interface: WeChat Shop (微信小店,
//! `channels/ec/order/*`) and the mini shop (小商店, `product/order/*`).

use futures::stream::{self, StreamExt};
use serde::{Deserialize, Serialize};

use super::client::{CallKind, Endpoint, Method, WechatClient};
use super::error::{Refusal, WechatError};
use super::order::{format_china_time, Order, WireOrder};
use super::types::{lenient_u64, OrderId};

/// Which shop API family the account uses.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum ShopKind {
    /// 微信小店 (`/channels/ec/order/...`), the default.
    #[default]
    Channels,
    /// 小商店 (`/product/order/...`).
    Minishop,
}

pub const CHANNELS_LIST: Endpoint = Endpoint {
    path: "/channels/ec/order/list/get",
    method: Method::Post,
    kind: CallKind::Read,
};
pub const CHANNELS_GET: Endpoint = Endpoint {
    path: "/channels/ec/order/get",
    method: Method::Post,
    kind: CallKind::Read,
};
pub const MINISHOP_LIST: Endpoint = Endpoint {
    path: "/product/order/get_list",
    method: Method::Post,
    kind: CallKind::Read,
};
pub const MINISHOP_GET: Endpoint = Endpoint {
    path: "/product/order/get",
    method: Method::Post,
    kind: CallKind::Read,
};

/// The channels list call accepts at most this span.
pub const MAX_LIST_SPAN_S: i64 = 7 * 24 * 3600;
/// Orders per page.
pub const PAGE_SIZE: u32 = 100;

#[derive(Serialize)]
struct TimeRange {
    start_time: i64,
    end_time: i64,
}

#[derive(Serialize)]
struct ChannelsListRequest<'a> {
    create_time_range: TimeRange,
    #[serde(skip_serializing_if = "Option::is_none")]
    status: Option<u32>,
    page_size: u32,
    #[serde(skip_serializing_if = "Option::is_none")]
    next_key: Option<&'a str>,
}

#[derive(Deserialize)]
struct ChannelsListResponse {
    #[serde(default)]
    order_id_list: Vec<ListedId>,
    #[serde(default)]
    next_key: String,
    #[serde(default)]
    has_more: bool,
}

#[derive(Deserialize)]
struct ListedId(#[serde(deserialize_with = "lenient_u64")] u64);

#[derive(Serialize)]
struct OrderIdRequest {
    order_id: OrderId,
}

#[derive(Deserialize)]
struct OrderResponse {
    order: WireOrder,
}

#[derive(Serialize)]
struct MinishopListRequest {
    start_create_time: String,
    end_create_time: String,
    #[serde(skip_serializing_if = "Option::is_none")]
    status: Option<u32>,
    page: u32,
    page_size: u32,
}

#[derive(Deserialize)]
struct MinishopListResponse {
    #[serde(default)]
    orders: Vec<WireOrder>,
    #[serde(default)]
    total_num: u64,
}

/// Which orders to list.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct OrderQuery {
    /// Unix seconds, inclusive.
    pub created_from: i64,
    /// Unix seconds, inclusive.
    pub created_to: i64,
    /// OrderStatus filter; `None` lists every status.
    pub status: Option<u32>,
}

/// The shop order API area.
pub struct Shop<'a> {
    client: &'a WechatClient,
    kind: ShopKind,
}

impl WechatClient {
    /// The shop order endpoints of the given family.
    pub fn shop(&self, kind: ShopKind) -> Shop<'_> {
        Shop { client: self, kind }
    }
}

impl Shop<'_> {
    /// Every order matching `query`, newest first. WeChat Shop ranges longer than 7 days are
    /// split into 7-day windows; every page is followed.
    pub async fn list_orders(&self, query: OrderQuery) -> Result<Vec<Order>, WechatError> {
        if query.created_to < query.created_from {
            return Err(WechatError::Refused(Refusal::InvalidArgument(
                "the end of the time range is before its start".into(),
            )));
        }
        let mut orders = match self.kind {
            ShopKind::Channels => self.list_channels(query).await?,
            ShopKind::Minishop => self.list_minishop(query).await?,
        };
        orders.sort_by(|a, b| b.created_unix.cmp(&a.created_unix).then(b.id.cmp(&a.id)));
        orders.dedup_by_key(|o| o.id);
        Ok(orders)
    }

    /// One order with its products and address.
    pub async fn get_order(&self, id: OrderId) -> Result<Order, WechatError> {
        let endpoint = match self.kind {
            ShopKind::Channels => CHANNELS_GET,
            ShopKind::Minishop => MINISHOP_GET,
        };
        let response: OrderResponse = self
            .client
            .call(endpoint, Some(&OrderIdRequest { order_id: id }))
            .await?;
        Ok(response.order.into())
    }

    async fn list_channels(&self, query: OrderQuery) -> Result<Vec<Order>, WechatError> {
        let mut ids = Vec::new();
        let mut window_start = query.created_from;
        while window_start <= query.created_to {
            let window_end = (window_start + MAX_LIST_SPAN_S - 1).min(query.created_to);
            let mut next_key = String::new();
            loop {
                let page: ChannelsListResponse = self
                    .client
                    .call(
                        CHANNELS_LIST,
                        Some(&ChannelsListRequest {
                            create_time_range: TimeRange {
                                start_time: window_start,
                                end_time: window_end,
                            },
                            status: query.status,
                            page_size: PAGE_SIZE,
                            next_key: (!next_key.is_empty()).then_some(next_key.as_str()),
                        }),
                    )
                    .await?;
                ids.extend(page.order_id_list.into_iter().map(|i| OrderId(i.0)));
                if !page.has_more || page.next_key.is_empty() || page.next_key == next_key {
                    break;
                }
                next_key = page.next_key;
            }
            window_start = window_end + 1;
        }
        ids.sort_unstable();
        ids.dedup();
        let concurrency = self.client.max_concurrent_calls() * 2;
        let details: Vec<Result<Order, WechatError>> = stream::iter(ids)
            .map(|id| self.get_order(id))
            .buffered(concurrency)
            .collect()
            .await;
        details.into_iter().collect()
    }

    async fn list_minishop(&self, query: OrderQuery) -> Result<Vec<Order>, WechatError> {
        let mut orders = Vec::new();
        let mut page = 1;
        loop {
            let response: MinishopListResponse = self
                .client
                .call(
                    MINISHOP_LIST,
                    Some(&MinishopListRequest {
                        start_create_time: format_china_time(query.created_from),
                        end_create_time: format_china_time(query.created_to),
                        status: query.status,
                        page,
                        page_size: PAGE_SIZE,
                    }),
                )
                .await?;
            let got = response.orders.len();
            orders.extend(response.orders.into_iter().map(Order::from));
            if got == 0 || orders.len() as u64 >= response.total_num {
                break;
            }
            page += 1;
        }
        Ok(orders)
    }
}
