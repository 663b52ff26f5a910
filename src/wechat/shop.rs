//! Shop order endpoints of both families behind one interface: WeChat Shop (微信小店,
//! `channels/ec/order/*`) and the mini shop (小商店, `product/order/*`).

use std::collections::HashSet;

use futures::stream::{self, StreamExt};
use serde::{Deserialize, Serialize};

use super::client::{CallKind, Endpoint, Method, WechatClient};
use super::error::{LimitHit, Refusal, WechatError};
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

    /// WeChat Shop: every page of every 7-day window, then each order's detail. Bounded: at most
    /// `max_pages` list calls, no `next_key` used twice, at most `max_orders` ids, and the whole
    /// listing within `max_duration_ms` (see [`ListLimits`](super::client::ListLimits)).
    async fn list_channels(&self, query: OrderQuery) -> Result<Vec<Order>, WechatError> {
        let mut guard = ListGuard::new(self.client, CHANNELS_LIST.path);
        let mut ids = Vec::new();
        let mut window_start = query.created_from;
        while window_start <= query.created_to {
            let window_end = window_start
                .saturating_add(MAX_LIST_SPAN_S - 1)
                .min(query.created_to);
            let mut next_key = String::new();
            // Hashes, not the keys: a hostile server's keys may be long.
            let mut seen_keys = HashSet::new();
            loop {
                guard.next_page()?;
                let page: ChannelsListResponse = guard
                    .within(self.client.call(
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
                    ))
                    .await??;
                ids.extend(page.order_id_list.into_iter().map(|i| OrderId(i.0)));
                guard.check_count(ids.len())?;
                if !page.has_more || page.next_key.is_empty() {
                    break;
                }
                if !seen_keys.insert(key_hash(&page.next_key)) || page.next_key == next_key {
                    return Err(guard.hit(LimitHit::RepeatedKey { page: guard.pages }));
                }
                next_key = page.next_key;
            }
            match window_end.checked_add(1) {
                Some(next) => window_start = next,
                None => break,
            }
        }
        ids.sort_unstable();
        ids.dedup();
        let concurrency = self.client.max_concurrent_calls() * 2;
        let details: Vec<Result<Order, WechatError>> = guard
            .within(
                stream::iter(ids)
                    .map(|id| self.get_order(id))
                    .buffered(concurrency)
                    .collect(),
            )
            .await?;
        details.into_iter().collect()
    }

    /// Mini shop: numbered pages until `total_num` orders came. Bounded like
    /// [`Self::list_channels`]; a `total_num` above `max_orders` is refused, and the pages it
    /// implies are computed with checked arithmetic.
    async fn list_minishop(&self, query: OrderQuery) -> Result<Vec<Order>, WechatError> {
        let mut guard = ListGuard::new(self.client, MINISHOP_LIST.path);
        let mut orders = Vec::new();
        let mut page: u32 = 1;
        loop {
            guard.next_page()?;
            let response: MinishopListResponse = guard
                .within(self.client.call(
                    MINISHOP_LIST,
                    Some(&MinishopListRequest {
                        start_create_time: format_china_time(query.created_from),
                        end_create_time: format_china_time(query.created_to),
                        status: query.status,
                        page,
                        page_size: PAGE_SIZE,
                    }),
                ))
                .await??;
            // The most this listing may hold: by orders, and by the pages they would take.
            let max = guard
                .limits
                .max_orders
                .min(u64::from(guard.limits.max_pages).saturating_mul(u64::from(PAGE_SIZE)));
            if response.total_num > max {
                return Err(guard.hit(LimitHit::AbsurdTotal {
                    total: response.total_num,
                    max,
                }));
            }
            let got = response.orders.len();
            orders.extend(response.orders.into_iter().map(Order::from));
            guard.check_count(orders.len())?;
            if got == 0 || orders.len() as u64 >= response.total_num {
                break;
            }
            page = match page.checked_add(1) {
                Some(p) => p,
                None => return Err(guard.hit(LimitHit::TooManyPages { pages: guard.pages })),
            };
        }
        Ok(orders)
    }
}

/// Counts the pages and the time of one listing against the client's [`ListLimits`].
///
/// [`ListLimits`]: super::client::ListLimits
struct ListGuard {
    endpoint: &'static str,
    limits: super::client::ListLimits,
    deadline: tokio::time::Instant,
    pages: u32,
}

impl ListGuard {
    fn new(client: &WechatClient, endpoint: &'static str) -> Self {
        let limits = client.list_limits();
        let now = tokio::time::Instant::now();
        let deadline = now
            .checked_add(std::time::Duration::from_millis(limits.max_duration_ms))
            .unwrap_or(now + std::time::Duration::from_secs(24 * 3600));
        ListGuard {
            endpoint,
            limits,
            deadline,
            pages: 0,
        }
    }

    /// Counts one more list call, refusing the one past `max_pages`.
    fn next_page(&mut self) -> Result<(), WechatError> {
        if self.pages >= self.limits.max_pages {
            return Err(self.hit(LimitHit::TooManyPages { pages: self.pages }));
        }
        self.pages += 1;
        Ok(())
    }

    /// Refuses a listing that holds more than `max_orders`.
    fn check_count(&self, count: usize) -> Result<(), WechatError> {
        if count as u64 > self.limits.max_orders {
            return Err(self.hit(LimitHit::AbsurdTotal {
                total: count as u64,
                max: self.limits.max_orders,
            }));
        }
        Ok(())
    }

    /// Runs `work` unless the listing's deadline passes first.
    async fn within<T>(
        &self,
        work: impl std::future::Future<Output = T>,
    ) -> Result<T, WechatError> {
        tokio::time::timeout_at(self.deadline, work)
            .await
            .map_err(|_| {
                self.hit(LimitHit::TooSlow {
                    seconds: self.limits.max_duration_ms / 1000,
                    pages: self.pages,
                })
            })
    }

    fn hit(&self, limit: LimitHit) -> WechatError {
        tracing::warn!(endpoint = self.endpoint, %limit, "order listing stopped");
        WechatError::Limit {
            endpoint: self.endpoint,
            limit,
        }
    }
}

fn key_hash(key: &str) -> u64 {
    use std::hash::{Hash, Hasher};
    let mut h = std::collections::hash_map::DefaultHasher::new();
    key.hash(&mut h);
    h.finish()
}
