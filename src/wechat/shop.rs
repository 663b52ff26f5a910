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

/// Per SKIT ChannelsECOrderListGetRequest: `create_time_range` and `update_time_range`, each
/// `{start_time, end_time}` in Unix seconds; one of them is sent.
#[derive(Serialize)]
struct ChannelsListRequest<'a> {
    #[serde(skip_serializing_if = "Option::is_none")]
    create_time_range: Option<TimeRange>,
    #[serde(skip_serializing_if = "Option::is_none")]
    update_time_range: Option<TimeRange>,
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

impl From<WireOrder> for TimedOrder {
    fn from(w: WireOrder) -> Self {
        TimedOrder {
            update_unix: w.update_time,
            order: w.into(),
        }
    }
}

/// An order with the time WeChat last changed it, for the order cache.
#[derive(Debug, Clone, PartialEq)]
pub struct TimedOrder {
    pub order: Order,
    /// WeChat's `update_time`, Unix seconds (0 when WeChat did not say).
    pub update_unix: i64,
}

/// Orders WeChat changed within a time range.
#[derive(Debug, Clone, PartialEq)]
pub enum Updated {
    /// WeChat Shop lists ids only: each must be read.
    Ids(Vec<OrderId>),
    /// The mini shop lists whole orders.
    Orders(Vec<TimedOrder>),
}

/// Per SKIT ProductOrderGetListRequest: `start_create_time`/`end_create_time` and
/// `start_update_time`/`end_update_time`, "YYYY-MM-DD HH:MM:SS"; one pair is sent.
#[derive(Serialize)]
struct MinishopListRequest {
    #[serde(skip_serializing_if = "Option::is_none")]
    start_create_time: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    end_create_time: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    start_update_time: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    end_update_time: Option<String>,
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

/// Which time a listing filters on.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum ListBy {
    Created,
    Updated,
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
        Ok(self
            .list_orders_timed(query)
            .await?
            .into_iter()
            .map(|t| t.order)
            .collect())
    }

    /// [`Shop::list_orders`] with each order's `update_time`.
    pub async fn list_orders_timed(
        &self,
        query: OrderQuery,
    ) -> Result<Vec<TimedOrder>, WechatError> {
        Ok(self.list_orders_paged(query).await?.0)
    }

    /// [`Shop::list_orders_timed`] and the number of list calls (pages) it took.
    pub async fn list_orders_paged(
        &self,
        query: OrderQuery,
    ) -> Result<(Vec<TimedOrder>, u32), WechatError> {
        if query.created_to < query.created_from {
            return Err(WechatError::Refused(Refusal::InvalidArgument(
                "the end of the time range is before its start".into(),
            )));
        }
        let range = (query.created_from, query.created_to);
        let (mut orders, pages) = match self.kind {
            ShopKind::Channels => {
                // One guard: the reads count against the listing's time bound too.
                let mut guard = ListGuard::new(self.client, CHANNELS_LIST.path);
                let ids = self
                    .list_channels(&mut guard, ListBy::Created, range, query.status)
                    .await?;
                (self.read_within(&guard, ids).await?, guard.pages)
            }
            ShopKind::Minishop => {
                self.list_minishop(ListBy::Created, range, query.status)
                    .await?
            }
        };
        orders.sort_by(|a, b| {
            b.order
                .created_unix
                .cmp(&a.order.created_unix)
                .then(b.order.id.cmp(&a.order.id))
        });
        orders.dedup_by_key(|o| o.order.id);
        Ok((orders, pages))
    }

    /// Orders WeChat changed from `updated_from` to `updated_to` (Unix seconds, inclusive), in
    /// any status: ids on WeChat Shop (read each with [`Shop::get_timed_order`] or
    /// [`Shop::read_orders`]), whole orders on the mini shop. Bounded like every listing.
    /// Also answers the number of list calls (pages) it took.
    pub async fn list_updated(
        &self,
        updated_from: i64,
        updated_to: i64,
    ) -> Result<(Updated, u32), WechatError> {
        if updated_to < updated_from {
            return Err(WechatError::Refused(Refusal::InvalidArgument(
                "the end of the time range is before its start".into(),
            )));
        }
        let range = (updated_from, updated_to);
        Ok(match self.kind {
            ShopKind::Channels => {
                let mut guard = ListGuard::new(self.client, CHANNELS_LIST.path);
                let ids = self
                    .list_channels(&mut guard, ListBy::Updated, range, None)
                    .await?;
                (Updated::Ids(ids), guard.pages)
            }
            ShopKind::Minishop => {
                let (orders, pages) = self.list_minishop(ListBy::Updated, range, None).await?;
                (Updated::Orders(orders), pages)
            }
        })
    }

    /// One order with its products and address.
    pub async fn get_order(&self, id: OrderId) -> Result<Order, WechatError> {
        Ok(self.get_timed_order(id).await?.order)
    }

    /// One order with its `update_time`.
    pub async fn get_timed_order(&self, id: OrderId) -> Result<TimedOrder, WechatError> {
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

    /// Reads orders by id, as many at once as the client's adaptive limit allows, within the
    /// listing time bound; in the order of `ids`.
    pub async fn read_orders(&self, ids: Vec<OrderId>) -> Result<Vec<TimedOrder>, WechatError> {
        let guard = ListGuard::new(self.client, CHANNELS_GET.path);
        self.read_within(&guard, ids).await
    }

    async fn read_within(
        &self,
        guard: &ListGuard,
        ids: Vec<OrderId>,
    ) -> Result<Vec<TimedOrder>, WechatError> {
        // The client's limit holds the calls; this only bounds the futures queued.
        let queued = self.client.max_concurrent_calls() * 2;
        let details: Vec<Result<TimedOrder, WechatError>> = guard
            .within(
                stream::iter(ids)
                    .map(|id| self.get_timed_order(id))
                    .buffered(queued)
                    .collect(),
            )
            .await?;
        details.into_iter().collect()
    }

    /// WeChat Shop: the ids on every page of every 7-day window of `range` (by create or update
    /// time). Bounded: at most `max_pages` list calls, no `next_key` used twice, at most
    /// `max_orders` ids, and the whole listing within `max_duration_ms` (see
    /// [`ListLimits`](super::client::ListLimits)).
    async fn list_channels(
        &self,
        guard: &mut ListGuard,
        by: ListBy,
        (from, to): (i64, i64),
        status: Option<u32>,
    ) -> Result<Vec<OrderId>, WechatError> {
        let mut ids = Vec::new();
        let mut window_start = from;
        while window_start <= to {
            let window_end = window_start.saturating_add(MAX_LIST_SPAN_S - 1).min(to);
            let mut next_key = String::new();
            // Hashes, not the keys: a hostile server's keys may be long.
            let mut seen_keys = HashSet::new();
            loop {
                guard.next_page()?;
                let range = TimeRange {
                    start_time: window_start,
                    end_time: window_end,
                };
                let (create_time_range, update_time_range) = match by {
                    ListBy::Created => (Some(range), None),
                    ListBy::Updated => (None, Some(range)),
                };
                let page: ChannelsListResponse = guard
                    .within(self.client.call(
                        CHANNELS_LIST,
                        Some(&ChannelsListRequest {
                            create_time_range,
                            update_time_range,
                            status,
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
        Ok(ids)
    }

    /// Mini shop: numbered pages until `total_num` orders came. Bounded like
    /// [`Self::list_channels`]; a `total_num` above `max_orders` is refused, and the pages it
    /// implies are computed with checked arithmetic.
    async fn list_minishop(
        &self,
        by: ListBy,
        (from, to): (i64, i64),
        status: Option<u32>,
    ) -> Result<(Vec<TimedOrder>, u32), WechatError> {
        let mut guard = ListGuard::new(self.client, MINISHOP_LIST.path);
        let mut orders = Vec::new();
        let mut page: u32 = 1;
        loop {
            guard.next_page()?;
            let (start, end) = (Some(format_china_time(from)), Some(format_china_time(to)));
            let request = match by {
                ListBy::Created => MinishopListRequest {
                    start_create_time: start,
                    end_create_time: end,
                    start_update_time: None,
                    end_update_time: None,
                    status,
                    page,
                    page_size: PAGE_SIZE,
                },
                ListBy::Updated => MinishopListRequest {
                    start_create_time: None,
                    end_create_time: None,
                    start_update_time: start,
                    end_update_time: end,
                    status,
                    page,
                    page_size: PAGE_SIZE,
                },
            };
            let response: MinishopListResponse = guard
                .within(self.client.call(MINISHOP_LIST, Some(&request)))
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
            orders.extend(response.orders.into_iter().map(TimedOrder::from));
            guard.check_count(orders.len())?;
            if got == 0 || orders.len() as u64 >= response.total_num {
                break;
            }
            page = match page.checked_add(1) {
                Some(p) => p,
                None => return Err(guard.hit(LimitHit::TooManyPages { pages: guard.pages })),
            };
        }
        Ok((orders, guard.pages))
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
