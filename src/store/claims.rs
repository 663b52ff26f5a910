//! Claims: before a station creates a waybill for an order, prints it or ships it, it claims
//! the order in the shared journal. A claim is a row per order (station, operator, purpose, when
//! it was taken, and a lease). Another station finds the order held and skips it; a station that
//! dies (kill -9, power cut) stops renewing its lease, and when the lease ends its orders are free
//! for the others. A claim that is ours (same holder) is renewed, never refused.
//!
//! The holder is one running process (`station/pid/random`), not the station's name: two
//! processes of one station must not take each other's orders for their own.
//!
//! This file holds the types and the SQLite engine's statements (run in the journal's IMMEDIATE
//! transactions, which serialise every process on one file); PostgreSQL's are in
//! `postgres/claims.rs`. Times: SQLite uses this machine's clock (one machine shares one file);
//! PostgreSQL uses the server's clock, so stations with clocks apart agree on every lease.

use std::collections::BTreeMap;

use rusqlite::{params, OptionalExtension};
use serde::{Deserialize, Serialize};

use super::handle::{blocking, Engine};
use super::postgres::claims as pg;
use super::{Actor, BatchId, Journal, JournalError};
use crate::wechat::{DeliveryId, OrderId, WaybillId};

/// How long a claim holds without renewal when nothing says otherwise.
pub const DEFAULT_LEASE_MS: u64 = 30_000;

/// The lease of new and renewed claims: `WAYBILL_DESK_CLAIM_LEASE_MS` (tests use a short one),
/// else [`DEFAULT_LEASE_MS`]. Bounded to 1 s ..= 10 min.
pub fn lease_ms() -> u64 {
    std::env::var("WAYBILL_DESK_CLAIM_LEASE_MS")
        .ok()
        .and_then(|v| v.trim().parse::<u64>().ok())
        .map_or(DEFAULT_LEASE_MS, |ms| ms.clamp(1_000, 600_000))
}

/// The table, the same in both engines (PostgreSQL's migration spells BIGINT for INTEGER).
pub(crate) const SQLITE_DDL: &str = r#"
    CREATE TABLE IF NOT EXISTS claims (
        order_id        TEXT PRIMARY KEY,
        holder          TEXT NOT NULL,
        station         TEXT NOT NULL,
        operator        TEXT NOT NULL,
        purpose         TEXT NOT NULL CHECK (purpose IN ('labels', 'print', 'ship')),
        claimed_at_ms   INTEGER NOT NULL,
        lease_until_ms  INTEGER NOT NULL
    );
    CREATE INDEX IF NOT EXISTS claims_by_holder ON claims (holder);
"#;

/// Why an order is claimed.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum ClaimPurpose {
    /// Creating its waybill and fetching its label.
    Labels,
    /// Printing its label.
    Print,
    /// Shipping it.
    Ship,
}

impl ClaimPurpose {
    pub(crate) fn as_str(self) -> &'static str {
        match self {
            ClaimPurpose::Labels => "labels",
            ClaimPurpose::Print => "print",
            ClaimPurpose::Ship => "ship",
        }
    }

    pub(crate) fn parse(s: &str) -> Option<ClaimPurpose> {
        Some(match s {
            "labels" => ClaimPurpose::Labels,
            "print" => ClaimPurpose::Print,
            "ship" => ClaimPurpose::Ship,
            _ => return None,
        })
    }
}

/// Who claims: one running process of a station.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ClaimHolder {
    /// Unique for this process run: `station/pid/random`.
    pub id: String,
    pub actor: Actor,
}

impl ClaimHolder {
    /// A new holder for this process: `station/host/pid/random`.
    pub fn new(actor: Actor) -> ClaimHolder {
        let nonce: u64 = rand::random();
        ClaimHolder {
            id: format!(
                "{}/{}/{}/{nonce:016x}",
                actor.station,
                host_name(),
                std::process::id()
            ),
            actor,
        }
    }
}

/// This machine's name, as holder ids carry it (`WAYBILL_DESK_HOST_NAME` overrides it: the
/// tests make one process look like another machine's, whose claims only a lease ends).
fn host_name() -> String {
    std::env::var("WAYBILL_DESK_HOST_NAME")
        .ok()
        .filter(|h| !h.trim().is_empty())
        .or_else(|| std::fs::read_to_string("/proc/sys/kernel/hostname").ok())
        .map(|h| h.trim().replace('/', "_"))
        .filter(|h| !h.is_empty())
        .unwrap_or_else(|| "host".into())
}

/// True when `holder` was a process of this machine that is gone (kill -9, a crash): its
/// claims need not wait for their lease (`batch resume` right after a crash goes on at once).
/// A holder of another machine, or one whose id does not parse, is never judged dead here.
pub(crate) fn holder_is_dead_here(holder: &str) -> bool {
    let mut parts = holder.rsplitn(4, '/');
    let (_nonce, pid, host) = (parts.next(), parts.next(), parts.next());
    match (pid.and_then(|p| p.parse::<i64>().ok()), host) {
        (Some(pid), Some(host)) if host == host_name() => !super::records::process_alive(pid),
        _ => false,
    }
}

/// A claim as recorded: who holds an order, why, and until when.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Claim {
    pub order_id: OrderId,
    pub station: String,
    pub operator: String,
    pub purpose: ClaimPurpose,
    pub claimed_at_ms: i64,
    /// When the lease ends unless renewed (the database's clock).
    pub lease_until_ms: i64,
}

impl Claim {
    /// "held by STATION (OPERATOR) until HH:MM:SS" (local time), for a line about a skipped
    /// order.
    pub fn held_by(&self) -> String {
        format!(
            "held by {} ({}) until {}",
            self.station,
            self.operator,
            clock_time(self.lease_until_ms)
        )
    }

    /// The same in Chinese.
    pub fn held_by_zh(&self) -> String {
        format!(
            "正由 {}({})处理,租约到 {}",
            self.station,
            self.operator,
            clock_time(self.lease_until_ms)
        )
    }
}

/// HH:MM:SS in local time.
pub fn clock_time(at_ms: i64) -> String {
    use chrono::TimeZone as _;
    chrono::Local
        .timestamp_millis_opt(at_ms)
        .single()
        .map_or_else(|| at_ms.to_string(), |t| t.format("%H:%M:%S").to_string())
}

/// HH:MM:SS when `at_ms` is today (local time), else YYYY-MM-DD HH:MM.
pub fn clock_time_or_date(at_ms: i64) -> String {
    use chrono::TimeZone as _;
    match chrono::Local.timestamp_millis_opt(at_ms).single() {
        Some(t) if t.date_naive() == chrono::Local::now().date_naive() => {
            t.format("%H:%M:%S").to_string()
        }
        Some(t) => t.format("%Y-%m-%d %H:%M").to_string(),
        None => at_ms.to_string(),
    }
}

/// What a claim request got: the orders now ours, and those another holder has.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct ClaimOutcome {
    /// Claimed (or renewed) for us, in the order asked.
    pub claimed: Vec<OrderId>,
    /// Held by another station (a live lease), in the order asked.
    pub held: Vec<Claim>,
}

/// What the journal knows of an order with a courier from other batches and stations: read
/// after claiming it, because another station may have finished it and released it just before.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct ElsewhereProgress {
    /// A usable label is in the journal (not cancelled): the order is done.
    pub label: Option<LabelElsewhere>,
    /// A waybill is known (another batch created or found it) but no label yet.
    pub waybill: Option<WaybillId>,
    /// Another batch sent `order/add` and its answer was never recorded: look the waybill up
    /// before adding.
    pub adding: bool,
}

/// A label another batch or station recorded.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct LabelElsewhere {
    pub label_id: i64,
    pub waybill_id: WaybillId,
    pub batch_id: Option<i64>,
    pub station: String,
    pub operator: String,
    pub fetched_at_ms: i64,
}

/// One station in the admin view (`journal stations`, the window's stations panel).
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct StationOverview {
    pub station: String,
    /// Operators seen at this station, today's first, then the rest, by name.
    pub operators: Vec<String>,
    /// Live claims (lease not over) it holds now, by purpose.
    pub open_claims: u32,
    pub open_claims_labels: u32,
    pub open_claims_print: u32,
    pub open_claims_ship: u32,
    /// Today (since local midnight): labels fetched, labels printed, orders shipped by it.
    pub labels_today: u32,
    pub prints_today: u32,
    pub ships_today: u32,
    /// The last thing it recorded (any day), if anything.
    pub last_seen_ms: Option<i64>,
}

/// Local midnight today, in ms since the epoch (the start of "today's counts").
pub fn today_start_ms() -> i64 {
    use chrono::TimeZone as _;
    let now = chrono::Local::now();
    let midnight = now.date_naive().and_hms_opt(0, 0, 0);
    midnight
        .and_then(|m| chrono::Local.from_local_datetime(&m).earliest())
        .map_or_else(|| now.timestamp_millis(), |t| t.timestamp_millis())
}

/// Folds the rows of the overview queries (both engines give the same rows) into one entry per
/// station, by name.
#[derive(Debug, Default)]
pub(crate) struct OverviewBuilder {
    stations: BTreeMap<String, (StationOverview, BTreeMap<String, bool>)>,
}

impl OverviewBuilder {
    fn entry(&mut self, station: &str) -> &mut (StationOverview, BTreeMap<String, bool>) {
        self.stations.entry(station.to_string()).or_insert_with(|| {
            (
                StationOverview {
                    station: station.to_string(),
                    ..StationOverview::default()
                },
                BTreeMap::new(),
            )
        })
    }

    /// A count of today's work: `kind` is "label", "print" or "ship".
    pub(crate) fn today(&mut self, station: &str, operator: &str, kind: &str, count: i64) {
        let (s, ops) = self.entry(station);
        let n = u32::try_from(count).unwrap_or(u32::MAX);
        match kind {
            "label" => s.labels_today = s.labels_today.saturating_add(n),
            "print" => s.prints_today = s.prints_today.saturating_add(n),
            "ship" => s.ships_today = s.ships_today.saturating_add(n),
            _ => {}
        }
        ops.insert(operator.to_string(), true);
    }

    /// Live claims of a station by an operator for a purpose.
    pub(crate) fn claims(&mut self, station: &str, operator: &str, purpose: &str, count: i64) {
        let (s, ops) = self.entry(station);
        let n = u32::try_from(count).unwrap_or(u32::MAX);
        s.open_claims = s.open_claims.saturating_add(n);
        match ClaimPurpose::parse(purpose) {
            Some(ClaimPurpose::Labels) => s.open_claims_labels += n,
            Some(ClaimPurpose::Print) => s.open_claims_print += n,
            Some(ClaimPurpose::Ship) => s.open_claims_ship += n,
            None => {}
        }
        ops.insert(operator.to_string(), true);
    }

    /// Any record of a station by an operator, any day, the last at `last_ms`.
    pub(crate) fn seen(&mut self, station: &str, operator: &str, last_ms: i64) {
        let (s, ops) = self.entry(station);
        s.last_seen_ms = Some(s.last_seen_ms.map_or(last_ms, |t| t.max(last_ms)));
        ops.entry(operator.to_string()).or_insert(false);
    }

    pub(crate) fn build(self) -> Vec<StationOverview> {
        self.stations
            .into_values()
            .map(|(mut s, ops)| {
                let (mut today, rest): (Vec<_>, Vec<_>) = ops.into_iter().partition(|(_, t)| *t);
                today.extend(rest);
                s.operators = today.into_iter().map(|(o, _)| o).collect();
                s
            })
            .collect()
    }
}

fn conversion(msg: &str) -> rusqlite::Error {
    rusqlite::Error::FromSqlConversionFailure(0, rusqlite::types::Type::Text, msg.into())
}

fn parse_order_id(s: &str) -> rusqlite::Result<OrderId> {
    s.parse().map_err(|_| conversion("order id"))
}

/// The SQLite engine's statements; each runs inside the journal's transaction (IMMEDIATE for
/// writes: the whole claim is one step for every process on the file).
pub(crate) mod sqlite {
    use super::*;

    fn claim_from_row(r: &rusqlite::Row<'_>) -> rusqlite::Result<Claim> {
        Ok(Claim {
            order_id: parse_order_id(&r.get::<_, String>(0)?)?,
            station: r.get(1)?,
            operator: r.get(2)?,
            purpose: ClaimPurpose::parse(&r.get::<_, String>(3)?)
                .ok_or_else(|| conversion("claim purpose"))?,
            claimed_at_ms: r.get(4)?,
            lease_until_ms: r.get(5)?,
        })
    }

    /// Claims `orders` for `holder` (at most `limit` of them that are free, in the order
    /// given): an order with no claim, an expired one, or one of ours is taken (ours renewed);
    /// every one held by another live lease is reported as held.
    pub(crate) fn claim(
        tx: &rusqlite::Transaction<'_>,
        holder: &ClaimHolder,
        purpose: ClaimPurpose,
        orders: &[OrderId],
        limit: Option<usize>,
        lease_ms: u64,
        now_ms: i64,
    ) -> rusqlite::Result<ClaimOutcome> {
        let lease_until = now_ms.saturating_add(i64::try_from(lease_ms).unwrap_or(i64::MAX));
        let mut out = ClaimOutcome::default();
        let mut current = tx.prepare_cached(
            "SELECT order_id, station, operator, purpose, claimed_at_ms, lease_until_ms, holder
             FROM claims WHERE order_id = ?1",
        )?;
        let mut upsert = tx.prepare_cached(
            "INSERT INTO claims (order_id, holder, station, operator, purpose, claimed_at_ms,
                 lease_until_ms) VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7)
             ON CONFLICT (order_id) DO UPDATE SET
                 claimed_at_ms = CASE WHEN claims.holder = excluded.holder
                     THEN claims.claimed_at_ms ELSE excluded.claimed_at_ms END,
                 holder = excluded.holder, station = excluded.station,
                 operator = excluded.operator, purpose = excluded.purpose,
                 lease_until_ms = excluded.lease_until_ms
             WHERE claims.holder = excluded.holder OR claims.lease_until_ms < ?6",
        )?;
        let mut seen = std::collections::HashSet::new();
        for &order in orders {
            if !seen.insert(order) {
                continue;
            }
            let id = order.to_string();
            let existing = current
                .query_row([&id], |r| Ok((claim_from_row(r)?, r.get::<_, String>(6)?)))
                .optional()?;
            if let Some((claim, other)) = existing {
                if other != holder.id && claim.lease_until_ms >= now_ms {
                    if !holder_is_dead_here(&other) {
                        out.held.push(claim);
                        continue;
                    }
                    if limit.is_some_and(|l| out.claimed.len() >= l) {
                        continue;
                    }
                    // Its process is gone: the claim is free now, not when its lease ends.
                    tx.execute(
                        "DELETE FROM claims WHERE order_id = ?1 AND holder = ?2",
                        params![id, other],
                    )?;
                }
            }
            // Past the limit: only who holds the rest is reported.
            if limit.is_some_and(|l| out.claimed.len() >= l) {
                continue;
            }
            upsert.execute(params![
                id,
                holder.id,
                holder.actor.station,
                holder.actor.operator,
                purpose.as_str(),
                now_ms,
                lease_until
            ])?;
            out.claimed.push(order);
        }
        Ok(out)
    }

    /// Extends every claim of `holder` to `now + lease`. Returns how many it holds.
    pub(crate) fn renew(
        tx: &rusqlite::Transaction<'_>,
        holder: &str,
        lease_ms: u64,
        now_ms: i64,
    ) -> rusqlite::Result<u64> {
        let until = now_ms.saturating_add(i64::try_from(lease_ms).unwrap_or(i64::MAX));
        let n = tx.execute(
            "UPDATE claims SET lease_until_ms = ?2 WHERE holder = ?1",
            params![holder, until],
        )?;
        Ok(n as u64)
    }

    /// Gives up the claims of `holder` on `orders` (all of them when `orders` is `None`).
    pub(crate) fn release(
        tx: &rusqlite::Transaction<'_>,
        holder: &str,
        orders: Option<&[OrderId]>,
    ) -> rusqlite::Result<u64> {
        match orders {
            None => tx
                .execute("DELETE FROM claims WHERE holder = ?1", [holder])
                .map(|n| n as u64),
            Some(orders) => {
                let mut stmt =
                    tx.prepare_cached("DELETE FROM claims WHERE holder = ?1 AND order_id = ?2")?;
                let mut n = 0;
                for o in orders {
                    n += stmt.execute(params![holder, o.to_string()])? as u64;
                }
                Ok(n)
            }
        }
    }

    /// Live claims (lease not over), oldest first.
    pub(crate) fn open_claims(
        c: &rusqlite::Connection,
        now_ms: i64,
    ) -> rusqlite::Result<Vec<Claim>> {
        let mut stmt = c.prepare_cached(
            "SELECT order_id, station, operator, purpose, claimed_at_ms, lease_until_ms
             FROM claims WHERE lease_until_ms >= ?1 ORDER BY claimed_at_ms, order_id",
        )?;
        let rows = stmt.query_map([now_ms], claim_from_row)?;
        rows.collect()
    }

    /// The live claim on one order, if any.
    pub(crate) fn claim_of(
        c: &rusqlite::Connection,
        order: OrderId,
        now_ms: i64,
    ) -> rusqlite::Result<Option<Claim>> {
        c.query_row(
            "SELECT order_id, station, operator, purpose, claimed_at_ms, lease_until_ms
             FROM claims WHERE order_id = ?1 AND lease_until_ms >= ?2",
            params![order.to_string(), now_ms],
            claim_from_row,
        )
        .optional()
    }

    /// What other batches (any station) know of `order` with `delivery`: a usable label, a
    /// waybill without label, or an `order/add` whose answer was lost. `batch` is the asking
    /// batch (its own items are not "elsewhere").
    pub(crate) fn elsewhere(
        c: &rusqlite::Connection,
        order: OrderId,
        delivery: &DeliveryId,
        batch: i64,
    ) -> rusqlite::Result<ElsewhereProgress> {
        let id = order.to_string();
        let label = c
            .query_row(
                "SELECT l.id, l.waybill_id, l.batch_id, l.station, l.operator, l.fetched_at_ms
                 FROM labels l
                 WHERE l.order_id = ?1 AND l.delivery_id = ?2 AND l.waybill_status = 0
                   AND NOT EXISTS (SELECT 1 FROM waybill_cancels w
                                   WHERE w.delivery_id = l.delivery_id
                                     AND w.waybill_id = l.waybill_id)
                 ORDER BY l.id DESC LIMIT 1",
                params![id, delivery.0],
                |r| {
                    Ok(LabelElsewhere {
                        label_id: r.get(0)?,
                        waybill_id: WaybillId(r.get(1)?),
                        batch_id: r.get(2)?,
                        station: r.get(3)?,
                        operator: r.get(4)?,
                        fetched_at_ms: r.get(5)?,
                    })
                },
            )
            .optional()?;
        let waybill = c
            .query_row(
                "SELECT i.waybill_id FROM batch_items i JOIN batches b ON b.id = i.batch_id
                 WHERE i.order_id = ?1 AND b.delivery_id = ?2 AND i.batch_id != ?3
                   AND i.waybill_id IS NOT NULL AND i.stage IN ('waybill', 'done')
                   AND NOT EXISTS (SELECT 1 FROM waybill_cancels w
                                   WHERE w.delivery_id = b.delivery_id
                                     AND w.waybill_id = i.waybill_id)
                 ORDER BY i.updated_at_ms DESC LIMIT 1",
                params![id, delivery.0, batch],
                |r| r.get::<_, String>(0),
            )
            .optional()?
            .map(WaybillId);
        let adding: i64 = c.query_row(
            "SELECT count(*) FROM batch_items i JOIN batches b ON b.id = i.batch_id
             WHERE i.order_id = ?1 AND b.delivery_id = ?2 AND i.batch_id != ?3
               AND i.stage = 'adding'",
            params![id, delivery.0, batch],
            |r| r.get(0),
        )?;
        Ok(ElsewhereProgress {
            label,
            waybill,
            adding: adding > 0,
        })
    }

    /// Marks an order of `batch` done with a label another batch recorded (nothing fetched).
    /// Returns false when it was done already.
    pub(crate) fn adopt_label(
        tx: &rusqlite::Transaction<'_>,
        batch: i64,
        order: OrderId,
        label: &LabelElsewhere,
        now_ms: i64,
    ) -> rusqlite::Result<bool> {
        let n = tx.execute(
            "UPDATE batch_items SET stage = 'done', waybill_id = ?3, label_id = ?4,
                 errcode = NULL, error = NULL, updated_at_ms = ?5
             WHERE batch_id = ?1 AND order_id = ?2 AND stage != 'done'",
            params![
                batch,
                order.to_string(),
                label.waybill_id.0,
                label.label_id,
                now_ms
            ],
        )?;
        Ok(n > 0)
    }

    /// Sets an unfinished order of `batch` to what another batch learned: its waybill
    /// (`waybill` stage), or `adding` (look it up before any `order/add`).
    pub(crate) fn adopt_progress(
        tx: &rusqlite::Transaction<'_>,
        batch: i64,
        order: OrderId,
        waybill: Option<&WaybillId>,
        now_ms: i64,
    ) -> rusqlite::Result<()> {
        match waybill {
            Some(w) => tx.execute(
                "UPDATE batch_items SET stage = 'waybill', waybill_id = ?3, errcode = NULL,
                     error = NULL, updated_at_ms = ?4
                 WHERE batch_id = ?1 AND order_id = ?2 AND stage IN ('pending', 'adding')",
                params![batch, order.to_string(), w.0, now_ms],
            )?,
            None => tx.execute(
                "UPDATE batch_items SET stage = 'adding', updated_at_ms = ?3
                 WHERE batch_id = ?1 AND order_id = ?2 AND stage = 'pending'",
                params![batch, order.to_string(), now_ms],
            )?,
        };
        Ok(())
    }

    /// The rows of the stations overview: today's counts, live claims, last records.
    pub(crate) fn overview(
        c: &rusqlite::Connection,
        today_ms: i64,
        now_ms: i64,
    ) -> rusqlite::Result<Vec<StationOverview>> {
        let mut b = OverviewBuilder::default();
        let mut stmt = c.prepare_cached(
            "SELECT station, operator, kind, count(*) FROM (
                 SELECT station, operator, 'label' AS kind FROM labels WHERE fetched_at_ms >= ?1
                 UNION ALL
                 SELECT station, operator, 'print' FROM print_jobs WHERE at_ms >= ?1 AND ok = 1
                 UNION ALL
                 SELECT station, operator, 'ship' FROM shipments
                  WHERE COALESCE(finished_at_ms, started_at_ms) >= ?1
                    AND state IN ('shipped', 'confirmed_on_reread'))
             GROUP BY station, operator, kind",
        )?;
        let mut rows = stmt.query([today_ms])?;
        while let Some(r) = rows.next()? {
            b.today(
                &r.get::<_, String>(0)?,
                &r.get::<_, String>(1)?,
                &r.get::<_, String>(2)?,
                r.get(3)?,
            );
        }
        let mut stmt = c.prepare_cached(
            "SELECT station, operator, purpose, count(*) FROM claims WHERE lease_until_ms >= ?1
             GROUP BY station, operator, purpose",
        )?;
        let mut rows = stmt.query([now_ms])?;
        while let Some(r) = rows.next()? {
            b.claims(
                &r.get::<_, String>(0)?,
                &r.get::<_, String>(1)?,
                &r.get::<_, String>(2)?,
                r.get(3)?,
            );
        }
        let mut stmt = c.prepare_cached(
            "SELECT station, operator, max(at) FROM (
                 SELECT station, operator, fetched_at_ms AS at FROM labels
                 UNION ALL SELECT station, operator, at_ms FROM print_jobs
                 UNION ALL SELECT station, operator, COALESCE(finished_at_ms, started_at_ms)
                     FROM shipments
                 UNION ALL SELECT station, operator, created_at_ms FROM batches)
             GROUP BY station, operator",
        )?;
        let mut rows = stmt.query([])?;
        while let Some(r) = rows.next()? {
            b.seen(&r.get::<_, String>(0)?, &r.get::<_, String>(1)?, r.get(2)?);
        }
        Ok(b.build())
    }
}

// The journal's claims, on whichever engine it has. SQLite runs each call on the blocking pool
// in one IMMEDIATE transaction (every process on the file waits its turn).

/// The driver's client under a pooled connection.
fn pg_client(c: &deadpool_postgres::Object) -> &tokio_postgres::Client {
    c
}

impl Journal {
    /// Claims `orders` for `holder` and `purpose`: at most `limit` of the free ones (no claim,
    /// a lapsed lease, or ours) for `lease_ms`; the ones other stations hold are reported.
    pub async fn claim_orders(
        &self,
        holder: &ClaimHolder,
        purpose: ClaimPurpose,
        orders: &[OrderId],
        limit: Option<usize>,
        lease_ms: u64,
    ) -> Result<ClaimOutcome, JournalError> {
        match self.engine() {
            Engine::Sqlite(s) => {
                let (holder, orders) = (holder.clone(), orders.to_vec());
                blocking(s, move |j| {
                    j.write(|tx| {
                        sqlite::claim(tx, &holder, purpose, &orders, limit, lease_ms, now_ms())
                    })
                })
                .await
            }
            Engine::Postgres(p) => {
                let c = p.client().await?;
                pg::claim(pg_client(&c), holder, purpose, orders, limit, lease_ms)
                    .await
                    .map_err(|e| p.db(e))
            }
        }
    }

    /// Extends every claim of `holder` by `lease_ms` from now; returns how many it holds.
    pub async fn renew_claims(
        &self,
        holder: &ClaimHolder,
        lease_ms: u64,
    ) -> Result<u64, JournalError> {
        match self.engine() {
            Engine::Sqlite(s) => {
                let id = holder.id.clone();
                blocking(s, move |j| {
                    j.write(|tx| sqlite::renew(tx, &id, lease_ms, now_ms()))
                })
                .await
            }
            Engine::Postgres(p) => {
                let c = p.client().await?;
                pg::renew(pg_client(&c), &holder.id, lease_ms)
                    .await
                    .map_err(|e| p.db(e))
            }
        }
    }

    /// Gives up `holder`'s claims on `orders` (all of them with `None`).
    pub async fn release_claims(
        &self,
        holder: &ClaimHolder,
        orders: Option<&[OrderId]>,
    ) -> Result<u64, JournalError> {
        match self.engine() {
            Engine::Sqlite(s) => {
                let (id, orders) = (holder.id.clone(), orders.map(<[OrderId]>::to_vec));
                blocking(s, move |j| {
                    j.write(|tx| sqlite::release(tx, &id, orders.as_deref()))
                })
                .await
            }
            Engine::Postgres(p) => {
                let c = p.client().await?;
                pg::release(pg_client(&c), &holder.id, orders)
                    .await
                    .map_err(|e| p.db(e))
            }
        }
    }

    /// Claims whose lease has not ended, oldest first.
    pub async fn open_claims(&self) -> Result<Vec<Claim>, JournalError> {
        match self.engine() {
            Engine::Sqlite(s) => {
                blocking(s, |j| j.read(|c| sqlite::open_claims(c, now_ms()))).await
            }
            Engine::Postgres(p) => {
                let c = p.client().await?;
                pg::open_claims(pg_client(&c)).await.map_err(|e| p.db(e))
            }
        }
    }

    /// The live claim on `order`, if another station (or this one) holds it.
    pub async fn claim_of(&self, order: OrderId) -> Result<Option<Claim>, JournalError> {
        match self.engine() {
            Engine::Sqlite(s) => {
                blocking(s, move |j| j.read(|c| sqlite::claim_of(c, order, now_ms()))).await
            }
            Engine::Postgres(p) => {
                let c = p.client().await?;
                pg::claim_of(pg_client(&c), order)
                    .await
                    .map_err(|e| p.db(e))
            }
        }
    }

    /// What other batches know of `order` with `delivery` (read after claiming it).
    pub async fn progress_elsewhere(
        &self,
        order: OrderId,
        delivery: &DeliveryId,
        batch: BatchId,
    ) -> Result<ElsewhereProgress, JournalError> {
        match self.engine() {
            Engine::Sqlite(s) => {
                let delivery = delivery.clone();
                blocking(s, move |j| {
                    j.read(|c| sqlite::elsewhere(c, order, &delivery, batch.0))
                })
                .await
            }
            Engine::Postgres(p) => {
                let c = p.client().await?;
                pg::elsewhere(pg_client(&c), order, delivery, batch.0)
                    .await
                    .map_err(|e| p.db(e))
            }
        }
    }

    /// Marks `order` of `batch` done with a label another batch recorded; false if it was.
    pub async fn adopt_label(
        &self,
        batch: BatchId,
        order: OrderId,
        label: &LabelElsewhere,
    ) -> Result<bool, JournalError> {
        match self.engine() {
            Engine::Sqlite(s) => {
                let label = label.clone();
                blocking(s, move |j| {
                    j.write(|tx| sqlite::adopt_label(tx, batch.0, order, &label, now_ms()))
                })
                .await
            }
            Engine::Postgres(p) => {
                let c = p.client().await?;
                pg::adopt_label(pg_client(&c), batch.0, order, label, now_ms())
                    .await
                    .map_err(|e| p.db(e))
            }
        }
    }

    /// Moves an unfinished `order` of `batch` to another batch's waybill, or to `adding`.
    pub async fn adopt_progress(
        &self,
        batch: BatchId,
        order: OrderId,
        waybill: Option<&WaybillId>,
    ) -> Result<(), JournalError> {
        match self.engine() {
            Engine::Sqlite(s) => {
                let waybill = waybill.cloned();
                blocking(s, move |j| {
                    j.write(|tx| {
                        sqlite::adopt_progress(tx, batch.0, order, waybill.as_ref(), now_ms())
                    })
                })
                .await
            }
            Engine::Postgres(p) => {
                let c = p.client().await?;
                pg::adopt_progress(pg_client(&c), batch.0, order, waybill, now_ms())
                    .await
                    .map_err(|e| p.db(e))
            }
        }
    }

    /// The admin view: every station with its operators, live claims and today's counts.
    pub async fn stations_overview(&self) -> Result<Vec<StationOverview>, JournalError> {
        let today = today_start_ms();
        match self.engine() {
            Engine::Sqlite(s) => {
                blocking(s, move |j| j.read(|c| sqlite::overview(c, today, now_ms()))).await
            }
            Engine::Postgres(p) => {
                let c = p.client().await?;
                pg::overview(pg_client(&c), today)
                    .await
                    .map_err(|e| p.db(e))
            }
        }
    }

    /// True when several stations share this journal (PostgreSQL); a batch then claims its
    /// orders in small groups so that stations racing one list split it.
    pub fn is_shared(&self) -> bool {
        !matches!(self.engine(), Engine::Sqlite(_))
    }
}

fn now_ms() -> i64 {
    super::now_ms()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn actor(station: &str) -> Actor {
        Actor {
            station: station.into(),
            operator: format!("{station}-op"),
        }
    }

    fn db() -> rusqlite::Connection {
        let c = rusqlite::Connection::open_in_memory().unwrap();
        c.execute_batch(SQLITE_DDL).unwrap();
        c
    }

    fn claim(
        c: &mut rusqlite::Connection,
        h: &ClaimHolder,
        orders: &[u64],
        limit: Option<usize>,
        now: i64,
    ) -> ClaimOutcome {
        let tx = c
            .transaction_with_behavior(rusqlite::TransactionBehavior::Immediate)
            .unwrap();
        let ids: Vec<OrderId> = orders.iter().map(|&o| OrderId(o)).collect();
        let out = sqlite::claim(&tx, h, ClaimPurpose::Labels, &ids, limit, 1_000, now).unwrap();
        tx.commit().unwrap();
        out
    }

    #[test]
    fn a_live_claim_is_held_an_expired_one_is_taken_and_ours_is_renewed() {
        let mut c = db();
        let a = ClaimHolder::new(actor("A"));
        let b = ClaimHolder::new(actor("B"));
        let got = claim(&mut c, &a, &[1, 2, 3], None, 10_000);
        assert_eq!(got.claimed, vec![OrderId(1), OrderId(2), OrderId(3)]);

        // B while A's lease runs (until 11_000): all held, with who and until when.
        let got = claim(&mut c, &b, &[2, 3, 4], None, 10_500);
        assert_eq!(got.claimed, vec![OrderId(4)]);
        assert_eq!(got.held.len(), 2);
        assert_eq!(got.held[0].station, "A");
        assert_eq!(got.held[0].operator, "A-op");
        assert_eq!(got.held[0].lease_until_ms, 11_000);
        assert!(got.held[0].held_by().starts_with("held by A (A-op) until "));

        // A again: its own claims are renewed (claimed_at kept), never refused.
        let got = claim(&mut c, &a, &[1, 2], None, 10_800);
        assert_eq!(got.claimed, vec![OrderId(1), OrderId(2)]);
        let tx = c.transaction().unwrap();
        assert_eq!(sqlite::renew(&tx, &a.id, 1_000, 10_900).unwrap(), 3);
        tx.commit().unwrap();
        let one = sqlite::claim_of(&c, OrderId(1), 11_500).unwrap().unwrap();
        assert_eq!((one.claimed_at_ms, one.lease_until_ms), (10_000, 11_900));

        // After A's lease ends (A died: no renewal), B takes them.
        let got = claim(&mut c, &b, &[1, 2, 3], None, 12_000);
        assert_eq!(got.claimed, vec![OrderId(1), OrderId(2), OrderId(3)]);
        assert!(got.held.is_empty());
        let one = sqlite::claim_of(&c, OrderId(1), 12_000).unwrap().unwrap();
        assert_eq!((one.station.as_str(), one.claimed_at_ms), ("B", 12_000));
    }

    #[test]
    fn a_limit_takes_the_first_free_ones_and_release_frees_only_ours() {
        let mut c = db();
        let a = ClaimHolder::new(actor("A"));
        let b = ClaimHolder::new(actor("B"));
        claim(&mut c, &a, &[1, 2], None, 0);
        let got = claim(&mut c, &b, &[1, 2, 3, 4, 5, 3], Some(2), 0);
        assert_eq!(got.claimed, vec![OrderId(3), OrderId(4)]);
        assert_eq!(
            got.held.len(),
            2,
            "held ones are reported, also past the limit"
        );

        let tx = c.transaction().unwrap();
        // B cannot release A's claim.
        assert_eq!(sqlite::release(&tx, &b.id, Some(&[OrderId(1)])).unwrap(), 0);
        assert_eq!(sqlite::release(&tx, &a.id, Some(&[OrderId(1)])).unwrap(), 1);
        tx.commit().unwrap();
        let open: Vec<u64> = sqlite::open_claims(&c, 0)
            .unwrap()
            .iter()
            .map(|c| c.order_id.0)
            .collect();
        assert_eq!(open, vec![2, 3, 4]);
        let tx = c.transaction().unwrap();
        assert_eq!(sqlite::release(&tx, &b.id, None).unwrap(), 2);
        tx.commit().unwrap();
        assert_eq!(sqlite::open_claims(&c, 0).unwrap().len(), 1);
    }

    #[test]
    fn a_claim_of_a_dead_process_here_is_free_at_once() {
        let mut c = db();
        let dead = ClaimHolder {
            // pid 0 is never a process that can hold a claim.
            id: format!("A/{}/0/0123", host_name()),
            actor: actor("A"),
        };
        let elsewhere = ClaimHolder {
            id: "A/another-host/0/0123".into(),
            actor: actor("A"),
        };
        claim(&mut c, &dead, &[1], None, 0);
        claim(&mut c, &elsewhere, &[2], None, 0);
        assert!(holder_is_dead_here(&dead.id));
        assert!(!holder_is_dead_here(&elsewhere.id));
        let me = ClaimHolder::new(actor("A"));
        assert!(!holder_is_dead_here(&me.id), "this process is alive");
        let got = claim(&mut c, &me, &[1, 2], None, 10);
        assert_eq!(got.claimed, vec![OrderId(1)]);
        assert_eq!(
            got.held.len(),
            1,
            "another machine's claim waits for its lease"
        );
    }

    #[test]
    fn two_processes_of_one_station_do_not_share_claims() {
        let mut c = db();
        let first = ClaimHolder::new(actor("A"));
        let second = ClaimHolder::new(actor("A"));
        assert_ne!(first.id, second.id);
        claim(&mut c, &first, &[7], None, 0);
        let got = claim(&mut c, &second, &[7], None, 1);
        assert!(got.claimed.is_empty());
        assert_eq!(got.held[0].station, "A");
    }

    #[test]
    fn the_overview_folds_counts_claims_and_operators_per_station() {
        let mut b = OverviewBuilder::default();
        b.seen("A", "old-op", 5);
        b.today("A", "li", "label", 3);
        b.today("A", "li", "print", 2);
        b.today("A", "wang", "ship", 1);
        b.claims("A", "li", "labels", 4);
        b.claims("B", "zhao", "ship", 1);
        b.seen("A", "li", 9);
        let all = b.build();
        assert_eq!(all.len(), 2);
        let a = &all[0];
        assert_eq!(a.station, "A");
        assert_eq!(a.operators, vec!["li", "wang", "old-op"]);
        assert_eq!((a.labels_today, a.prints_today, a.ships_today), (3, 2, 1));
        assert_eq!((a.open_claims, a.open_claims_labels), (4, 4));
        assert_eq!(a.last_seen_ms, Some(9));
        assert_eq!((all[1].station.as_str(), all[1].open_claims_ship), ("B", 1));
    }

    #[test]
    fn the_lease_comes_from_the_environment_within_bounds() {
        // One test touches the variable (tests run in threads of one process).
        std::env::set_var("WAYBILL_DESK_CLAIM_LEASE_MS", "1500");
        assert_eq!(lease_ms(), 1_500);
        std::env::set_var("WAYBILL_DESK_CLAIM_LEASE_MS", "5");
        assert_eq!(lease_ms(), 1_000);
        std::env::set_var("WAYBILL_DESK_CLAIM_LEASE_MS", "x");
        assert_eq!(lease_ms(), DEFAULT_LEASE_MS);
        std::env::remove_var("WAYBILL_DESK_CLAIM_LEASE_MS");
        assert_eq!(lease_ms(), DEFAULT_LEASE_MS);
    }
}
