//! Incremental order sync through the journal's order cache (issue 12).
//!
//! The first listing of a status filter lists by create time, as [`Shop::list_orders`] does,
//! and caches every order with WeChat's `update_time`. Later refreshes list only the orders
//! WeChat changed since the last one (`update_time_range` on WeChat Shop,
//! `start_update_time`/`end_update_time` on the mini shop, per WeChat's public documentation as
//! modelled in SKIT's `ChannelsECOrderListGetRequest` and `ProductOrderGetListRequest`), read
//! only those, and merge. The window and the CLI share the cache through the journal file.
//!
//! Clocks: the listing by update time starts [`SyncOptions::margin_s`] before the station's
//! time when the previous one began, and ends [`SyncOptions::ahead_s`] after now, so a WeChat
//! clock that runs behind or ahead of the station's by less than that misses nothing. A full
//! re-sync runs on demand, when the cache is older than [`SyncOptions::full_every_s`], and
//! when the last sync is too old to list by update time.
//!
//! [`Shop::list_orders`]: crate::wechat::shop::Shop::list_orders

use std::collections::{HashMap, HashSet};

use super::{Station, StationError};
use crate::wechat::order::Order;
use crate::wechat::shop::{OrderQuery, TimedOrder, Updated, MAX_LIST_SPAN_S};
use crate::wechat::{OrderId, WechatError};

/// How the order cache is kept fresh.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct SyncOptions {
    /// Seconds before the previous listing's start that the next listing by update time
    /// begins: changes stamped by a WeChat clock that runs behind the station's by up to this
    /// are still seen.
    pub margin_s: i64,
    /// Seconds after now that a listing by update time ends: a WeChat clock ahead of the
    /// station's by up to this is still seen.
    pub ahead_s: i64,
    /// A status filter not listed in full for this long is listed in full again.
    pub full_every_s: i64,
}

impl Default for SyncOptions {
    fn default() -> Self {
        SyncOptions {
            margin_s: 10 * 60,
            ahead_s: 60 * 60,
            full_every_s: 6 * 3600,
        }
    }
}

/// What a sync found.
#[derive(Debug, Clone, PartialEq)]
pub struct SyncReport {
    /// Every order matching the query (status filter and creation range), newest first:
    /// what [`Shop::list_orders`](crate::wechat::shop::Shop::list_orders) answers.
    pub orders: Vec<Order>,
    /// Orders that match now and did not before this sync.
    pub added: Vec<OrderId>,
    /// Orders that matched before and still do, changed (their `update_time` moved).
    pub changed: Vec<OrderId>,
    /// Orders that matched before and no longer do (shipped elsewhere, cancelled, ...).
    pub removed: Vec<OrderId>,
    /// Whether the status filter was listed in full (by create time).
    pub full: bool,
    /// List calls made (pages).
    pub list_calls: u32,
    /// Orders read one by one.
    pub order_reads: u32,
}

/// The cache key of the station's account: API base, AppID and shop family.
fn account_key(station: &Station) -> String {
    format!(
        "{}|{}|{:?}",
        station.client.api_base(),
        station.client.appid().unwrap_or(""),
        station.shop
    )
}

impl Station {
    /// The same station with other order-sync options.
    pub fn with_sync_options(mut self, options: SyncOptions) -> Station {
        self.sync = options;
        self
    }

    /// Lists the orders matching `query` through the order cache: in full (by create time)
    /// the first time for its status filter or creation range, and on the
    /// [`SyncOptions::full_every_s`] schedule; otherwise only the orders WeChat changed since
    /// the last sync are listed and read. See the module docs.
    pub async fn sync_orders(&self, query: OrderQuery) -> Result<SyncReport, StationError> {
        self.sync_with(query, false).await
    }

    /// [`Station::sync_orders`], always listing the status filter in full (on demand).
    pub async fn resync_orders(&self, query: OrderQuery) -> Result<SyncReport, StationError> {
        self.sync_with(query, true).await
    }

    async fn sync_with(
        &self,
        query: OrderQuery,
        force_full: bool,
    ) -> Result<SyncReport, StationError> {
        if query.created_to < query.created_from {
            return Err(
                WechatError::Refused(crate::wechat::Refusal::InvalidArgument(
                    "the end of the time range is before its start".into(),
                ))
                .into(),
            );
        }
        let account = account_key(self);
        let now_ms = chrono::Utc::now().timestamp_millis();
        let now = now_ms.div_euclid(1000);
        // A query that runs up to now is open-ended: an order WeChat stamped a little in the
        // station's future (its clock runs ahead) still shows, as a plain listing shows it.
        let created_to = if query.created_to >= now.saturating_sub(self.sync.margin_s) {
            i64::MAX
        } else {
            query.created_to
        };
        let before = self
            .journal
            .cached_orders(&account, query.created_from, created_to, query.status)
            .await?;
        let scope = self
            .journal
            .order_sync_scope(&account, query.status)
            .await?;
        let mark = self.journal.order_sync_mark(&account).await?;
        let mut list_calls = 0u32;
        let mut order_reads = 0u32;
        // Changes since the last listing by update time (when one is recent enough).
        let incremental_from = mark
            .map(|m| m.saturating_sub(self.sync.margin_s))
            .filter(|from| now.saturating_sub(*from) < MAX_LIST_SPAN_S * 4);
        let full = force_full
            || incremental_from.is_none()
            || match scope {
                None => true,
                Some(s) => {
                    s.covered_from > query.created_from
                        || now_ms.saturating_sub(s.full_at_ms)
                            > self.sync.full_every_s.saturating_mul(1000)
                }
            };
        let shop = self.client.shop(self.shop);
        let mut fresh: Vec<TimedOrder> = Vec::new();
        if let Some(from) = incremental_from {
            let (updated, pages) = shop
                .list_updated(from, now.saturating_add(self.sync.ahead_s))
                .await?;
            list_calls += pages;
            match updated {
                Updated::Orders(orders) => fresh.extend(orders),
                Updated::Ids(ids) => {
                    order_reads += ids.len() as u32;
                    fresh.extend(shop.read_orders(ids).await?);
                }
            }
        }
        if full {
            let (listed, pages) = shop.list_orders_paged(query).await?;
            list_calls += pages;
            if self.shop == crate::wechat::shop::ShopKind::Channels {
                order_reads += listed.len() as u32;
            }
            // Cached orders of this filter that the listing no longer shows changed status
            // (or are gone): read each to learn what became of it.
            let listed_ids: HashSet<OrderId> = listed.iter().map(|o| o.order.id).collect();
            let fresh_ids: HashSet<OrderId> = fresh.iter().map(|o| o.order.id).collect();
            let vanished: Vec<OrderId> = before
                .iter()
                .map(|o| o.order.id)
                .filter(|id| !listed_ids.contains(id) && !fresh_ids.contains(id))
                .collect();
            fresh.extend(listed);
            let mut gone = Vec::new();
            for id in vanished {
                order_reads += 1;
                match shop.get_timed_order(id).await {
                    Ok(o) => fresh.push(o),
                    // 100002: WeChat no longer has it.
                    Err(e) if e.errcode() == Some(100_002) => gone.push(id),
                    Err(e) => return Err(e.into()),
                }
            }
            if !gone.is_empty() {
                self.journal.uncache_orders(&account, &gone).await?;
            }
        }
        self.journal.cache_orders(&account, &fresh).await?;
        if full {
            self.journal
                .record_full_sync(&account, query.status, query.created_from)
                .await?;
        }
        self.journal.set_order_sync_mark(&account, now).await?;
        let after = self
            .journal
            .cached_orders(&account, query.created_from, created_to, query.status)
            .await?;
        let before_times: HashMap<OrderId, i64> =
            before.iter().map(|o| (o.order.id, o.update_unix)).collect();
        let after_ids: HashSet<OrderId> = after.iter().map(|o| o.order.id).collect();
        let mut added = Vec::new();
        let mut changed = Vec::new();
        for o in &after {
            match before_times.get(&o.order.id) {
                None => added.push(o.order.id),
                Some(t) if *t != o.update_unix => changed.push(o.order.id),
                Some(_) => {}
            }
        }
        let removed: Vec<OrderId> = before
            .iter()
            .map(|o| o.order.id)
            .filter(|id| !after_ids.contains(id))
            .collect();
        tracing::info!(
            full,
            orders = after.len(),
            added = added.len(),
            changed = changed.len(),
            removed = removed.len(),
            list_calls,
            order_reads,
            "orders synced"
        );
        Ok(SyncReport {
            orders: after.into_iter().map(|o| o.order).collect(),
            added,
            changed,
            removed,
            full,
            list_calls,
            order_reads,
        })
    }
}
