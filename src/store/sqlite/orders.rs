//! The order cache in SQLite.

use std::collections::HashMap;

use rusqlite::{params, OptionalExtension};

use super::records::parse_order_id;
use super::SqliteJournal;
use crate::store::orders::{scope_key, SyncScope};
use crate::store::{now_ms, JournalError};
use crate::wechat::order::Order;
use crate::wechat::shop::TimedOrder;
use crate::wechat::OrderId;

impl SqliteJournal {
    /// Cached orders of `account` created within `[from, to]` whose status is `status` (any
    /// when `None`), newest first, each with its `update_time`.
    pub fn cached_orders(
        &self,
        account: &str,
        from: i64,
        to: i64,
        status: Option<u32>,
    ) -> Result<Vec<TimedOrder>, JournalError> {
        let rows: Vec<(String, i64)> = self.read(|c| {
            let mut stmt = c.prepare_cached(
                "SELECT body, update_unix FROM order_cache
                 WHERE account = ?1 AND created_unix BETWEEN ?2 AND ?3
                   AND (?4 IS NULL OR status = ?4)
                 ORDER BY created_unix DESC",
            )?;
            let rows = stmt.query_map(params![account, from, to, status], |r| {
                Ok((r.get(0)?, r.get(1)?))
            })?;
            rows.collect()
        })?;
        let mut orders = rows
            .into_iter()
            .map(|(body, update_unix)| {
                let order: Order = serde_json::from_str(&body)
                    .map_err(|e| self.bad_record(format!("a cached order does not decode: {e}")))?;
                Ok(TimedOrder { order, update_unix })
            })
            .collect::<Result<Vec<_>, JournalError>>()?;
        // Ids are text (they exceed SQLite's integers): the tie-break is done here.
        orders.sort_by(|a, b| {
            b.order
                .created_unix
                .cmp(&a.order.created_unix)
                .then(b.order.id.cmp(&a.order.id))
        });
        Ok(orders)
    }

    /// The cached `update_time` of each of `ids` that is in the cache.
    pub fn cached_update_times(
        &self,
        account: &str,
        ids: &[OrderId],
    ) -> Result<HashMap<OrderId, i64>, JournalError> {
        self.read(|c| {
            let mut stmt = c.prepare_cached(
                "SELECT update_unix FROM order_cache WHERE account = ?1 AND order_id = ?2",
            )?;
            let mut out = HashMap::with_capacity(ids.len());
            for id in ids {
                if let Some(t) = stmt
                    .query_row(params![account, id.to_string()], |r| r.get::<_, i64>(0))
                    .optional()?
                {
                    out.insert(*id, t);
                }
            }
            Ok(out)
        })
    }

    /// Puts orders in the cache (one transaction). An order already cached with a later
    /// `update_time` is kept: an answer read before a change must not undo it.
    pub fn cache_orders(&self, account: &str, orders: &[TimedOrder]) -> Result<(), JournalError> {
        if orders.is_empty() {
            return Ok(());
        }
        let bodies: Vec<String> = orders
            .iter()
            .map(|o| serde_json::to_string(&o.order))
            .collect::<Result<_, _>>()
            .map_err(|e| self.bad_record(format!("an order does not encode: {e}")))?;
        let now = now_ms();
        self.write(|tx| {
            let mut stmt = tx.prepare_cached(
                "INSERT INTO order_cache
                     (account, order_id, status, created_unix, update_unix, body, synced_at_ms)
                 VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7)
                 ON CONFLICT (account, order_id) DO UPDATE SET
                     status = excluded.status, created_unix = excluded.created_unix,
                     update_unix = excluded.update_unix, body = excluded.body,
                     synced_at_ms = excluded.synced_at_ms
                 WHERE excluded.update_unix >= order_cache.update_unix",
            )?;
            for (o, body) in orders.iter().zip(&bodies) {
                stmt.execute(params![
                    account,
                    o.order.id.to_string(),
                    o.order.status,
                    o.order.created_unix,
                    o.update_unix,
                    body,
                    now
                ])?;
            }
            Ok(())
        })
    }

    /// Removes orders from the cache (WeChat no longer knows them).
    pub fn uncache_orders(&self, account: &str, ids: &[OrderId]) -> Result<(), JournalError> {
        self.write(|tx| {
            let mut stmt =
                tx.prepare_cached("DELETE FROM order_cache WHERE account = ?1 AND order_id = ?2")?;
            for id in ids {
                stmt.execute(params![account, id.to_string()])?;
            }
            Ok(())
        })
    }

    /// What the cache knows about a status filter of an account.
    pub fn order_sync_scope(
        &self,
        account: &str,
        status: Option<u32>,
    ) -> Result<Option<SyncScope>, JournalError> {
        self.read(|c| {
            c.query_row(
                "SELECT covered_from, full_at_ms FROM order_sync WHERE account = ?1 AND scope = ?2",
                params![account, scope_key(status)],
                |r| {
                    Ok(SyncScope {
                        covered_from: r.get(0)?,
                        full_at_ms: r.get(1)?,
                    })
                },
            )
            .optional()
        })
    }

    /// Records a full listing of a status filter from `covered_from` on (kept at the earliest
    /// creation time ever covered).
    pub fn record_full_sync(
        &self,
        account: &str,
        status: Option<u32>,
        covered_from: i64,
    ) -> Result<(), JournalError> {
        let now = now_ms();
        self.write(|tx| {
            tx.execute(
                "INSERT INTO order_sync (account, scope, covered_from, full_at_ms)
                 VALUES (?1, ?2, ?3, ?4)
                 ON CONFLICT (account, scope) DO UPDATE SET
                     covered_from = min(order_sync.covered_from, excluded.covered_from),
                     full_at_ms = excluded.full_at_ms",
                params![account, scope_key(status), covered_from, now],
            )?;
            Ok(())
        })
    }

    /// The station time up to which every change of the account is in the cache.
    pub fn order_sync_mark(&self, account: &str) -> Result<Option<i64>, JournalError> {
        self.read(|c| {
            c.query_row(
                "SELECT updated_to FROM order_sync_mark WHERE account = ?1",
                params![account],
                |r| r.get(0),
            )
            .optional()
        })
    }

    /// Sets the mark after a listing by update time that began at `updated_to`.
    pub fn set_order_sync_mark(&self, account: &str, updated_to: i64) -> Result<(), JournalError> {
        self.write(|tx| {
            tx.execute(
                "INSERT INTO order_sync_mark (account, updated_to) VALUES (?1, ?2)
                 ON CONFLICT (account) DO UPDATE SET updated_to = excluded.updated_to",
                params![account, updated_to],
            )?;
            Ok(())
        })
    }

    /// Forgets what the cache covers for an account (the next sync lists everything again);
    /// the orders stay until they are listed again.
    pub fn forget_order_sync(&self, account: &str) -> Result<(), JournalError> {
        self.write(|tx| {
            tx.execute(
                "DELETE FROM order_sync WHERE account = ?1",
                params![account],
            )?;
            tx.execute(
                "DELETE FROM order_sync_mark WHERE account = ?1",
                params![account],
            )?;
            Ok(())
        })
    }

    /// Ids of cached orders of an account, for tests and `journal` tools.
    pub fn cached_order_ids(&self, account: &str) -> Result<Vec<OrderId>, JournalError> {
        let ids: Vec<String> = self.read(|c| {
            let mut stmt =
                c.prepare_cached("SELECT order_id FROM order_cache WHERE account = ?1")?;
            let rows = stmt.query_map(params![account], |r| r.get(0))?;
            rows.collect()
        })?;
        ids.iter()
            .map(|s| parse_order_id(s).map_err(|e| self.bad_record(e.to_string())))
            .collect()
    }
}
