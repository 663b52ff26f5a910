//! Claims in PostgreSQL (see `store/claims.rs` for what a claim is). One statement claims a
//! set of orders: `INSERT ... ON CONFLICT (order_id) DO UPDATE ... WHERE` the claim is ours or
//! its lease is over, so two stations racing for an order serialise on its row and exactly one
//! gets it; the loser's `RETURNING` leaves the order out and it is reported as held. Rows are
//! inserted in order-id order, so two stations claiming overlapping sets take the row locks in
//! the same order and never deadlock. Every time is the server's clock.

use tokio_postgres::GenericClient;

use crate::store::claims::{
    holder_is_dead_here, Claim, ClaimHolder, ClaimOutcome, ClaimPurpose, ElsewhereProgress,
    LabelElsewhere, OverviewBuilder, StationOverview,
};
use crate::wechat::{DeliveryId, OrderId, WaybillId};

/// The claims table (a migration of the PostgreSQL engine runs it).
pub(crate) const DDL: &str = r#"
    CREATE TABLE IF NOT EXISTS claims (
        order_id        TEXT PRIMARY KEY,
        holder          TEXT NOT NULL,
        station         TEXT NOT NULL,
        operator        TEXT NOT NULL,
        purpose         TEXT NOT NULL CHECK (purpose IN ('labels', 'print', 'ship')),
        claimed_at_ms   BIGINT NOT NULL,
        lease_until_ms  BIGINT NOT NULL
    );
    CREATE INDEX IF NOT EXISTS claims_by_holder ON claims (holder);
"#;

/// The server's clock in ms since the epoch, as SQL.
const NOW_MS: &str = "(extract(epoch FROM clock_timestamp()) * 1000)::bigint";

fn claim_from_row(r: &tokio_postgres::Row) -> Option<Claim> {
    Some(Claim {
        order_id: r.get::<_, String>(0).parse().ok()?,
        station: r.get(1),
        operator: r.get(2),
        purpose: ClaimPurpose::parse(r.get::<_, &str>(3))?,
        claimed_at_ms: r.get(4),
        lease_until_ms: r.get(5),
    })
}

/// Claims `orders` for `holder`: at most `limit` of the free ones (no claim, lease over, or
/// ours), in the order given; every order another live lease holds is reported as held. A
/// claim of a process of this machine that is gone is taken over at once (second pass).
///
/// Two stations claiming at the same instant both see the same first free orders (each
/// statement reads the table as it was when it began); the one whose rows land second gets
/// none of those, though free orders further down the list remain. It then claims again among
/// the orders neither claimed nor now seen held, until it has `limit` or there is nothing
/// left, instead of idling for a poll interval while the other station takes everything.
pub(crate) async fn claim(
    c: &impl GenericClient,
    holder: &ClaimHolder,
    purpose: ClaimPurpose,
    orders: &[OrderId],
    limit: Option<usize>,
    lease_ms: u64,
) -> Result<ClaimOutcome, tokio_postgres::Error> {
    let (mut out, dead) = claim_pass(c, holder, purpose, orders, limit, lease_ms).await?;
    let room = |out: &ClaimOutcome| limit.map(|l| l.saturating_sub(out.claimed.len()));
    if !dead.is_empty() && room(&out) != Some(0) {
        let (holders, ids): (Vec<String>, Vec<String>) =
            dead.iter().map(|(h, o)| (h.clone(), o.to_string())).unzip();
        c.execute(
            "DELETE FROM claims c USING unnest($1::text[], $2::text[]) AS d(holder, order_id)
             WHERE c.holder = d.holder AND c.order_id = d.order_id",
            &[&holders, &ids],
        )
        .await?;
        let freed: Vec<OrderId> = dead.iter().map(|(_, o)| *o).collect();
        let (again, _) = claim_pass(c, holder, purpose, &freed, room(&out), lease_ms).await?;
        out.held.retain(|h| !again.claimed.contains(&h.order_id));
        out.claimed.extend(again.claimed);
        out.held.extend(again.held);
    }
    // Lost a race for the first free orders: claim among the rest. Each pass either claims
    // or finds more orders held, so the candidates shrink; the bound is a guard.
    for _ in 0..8 {
        if room(&out) == Some(0) {
            break;
        }
        let rest: Vec<OrderId> = orders
            .iter()
            .filter(|o| !out.claimed.contains(o) && !out.held.iter().any(|h| h.order_id == **o))
            .copied()
            .collect();
        // Without a limit the first pass tried every order: nothing is left untried.
        if rest.is_empty() || limit.is_none() {
            break;
        }
        let (again, _) = claim_pass(c, holder, purpose, &rest, room(&out), lease_ms).await?;
        if again.claimed.is_empty() && again.held.is_empty() {
            break;
        }
        out.claimed.extend(again.claimed);
        out.held.extend(again.held);
    }
    // In the order asked.
    let position = |o: &OrderId| orders.iter().position(|x| x == o).unwrap_or(usize::MAX);
    out.claimed.sort_by_key(position);
    out.held.sort_by_key(|h| position(&h.order_id));
    Ok(out)
}

/// One claim statement; also returns the held claims whose holder is a dead process here.
async fn claim_pass(
    c: &impl GenericClient,
    holder: &ClaimHolder,
    purpose: ClaimPurpose,
    orders: &[OrderId],
    limit: Option<usize>,
    lease_ms: u64,
) -> Result<(ClaimOutcome, Vec<(String, OrderId)>), tokio_postgres::Error> {
    let mut seen = std::collections::HashSet::new();
    let ids: Vec<String> = orders
        .iter()
        .filter(|o| seen.insert(**o))
        .map(|o| o.to_string())
        .collect();
    let limit = limit.map(|l| i64::try_from(l).unwrap_or(i64::MAX));
    let lease = i64::try_from(lease_ms).unwrap_or(i64::MAX);
    let rows = c
        .query(
            &format!(
                "WITH now AS (SELECT {NOW_MS} AS ms),
                 cand AS (SELECT o, ord FROM unnest($1::text[]) WITH ORDINALITY AS t(o, ord)),
                 free AS (
                     SELECT c.o, c.ord FROM cand c CROSS JOIN now
                     LEFT JOIN claims k ON k.order_id = c.o
                     WHERE k.order_id IS NULL OR k.holder = $2 OR k.lease_until_ms < now.ms
                     ORDER BY c.ord LIMIT $7)
                 INSERT INTO claims AS k (order_id, holder, station, operator, purpose,
                     claimed_at_ms, lease_until_ms)
                 SELECT f.o, $2, $3, $4, $5, now.ms, now.ms + $6 FROM free f CROSS JOIN now
                 ORDER BY f.o
                 ON CONFLICT (order_id) DO UPDATE SET
                     claimed_at_ms = CASE WHEN k.holder = EXCLUDED.holder
                         THEN k.claimed_at_ms ELSE EXCLUDED.claimed_at_ms END,
                     holder = EXCLUDED.holder, station = EXCLUDED.station,
                     operator = EXCLUDED.operator, purpose = EXCLUDED.purpose,
                     lease_until_ms = EXCLUDED.lease_until_ms
                 WHERE k.holder = EXCLUDED.holder OR k.lease_until_ms < EXCLUDED.claimed_at_ms
                 RETURNING k.order_id"
            ),
            &[
                &ids,
                &holder.id,
                &holder.actor.station,
                &holder.actor.operator,
                &purpose.as_str(),
                &lease,
                &limit,
            ],
        )
        .await?;
    let claimed: std::collections::HashSet<String> =
        rows.iter().map(|r| r.get::<_, String>(0)).collect();
    let held_rows = c
        .query(
            &format!(
                "SELECT order_id, station, operator, purpose, claimed_at_ms, lease_until_ms,
                     holder
                 FROM claims WHERE order_id = ANY($1) AND holder <> $2
                   AND lease_until_ms >= {NOW_MS}"
            ),
            &[&ids, &holder.id],
        )
        .await?;
    let mut held: std::collections::HashMap<String, (Claim, String)> = held_rows
        .iter()
        .filter_map(|r| Some((r.get::<_, String>(0), (claim_from_row(r)?, r.get(6)))))
        .collect();
    let mut out = ClaimOutcome::default();
    let mut dead = Vec::new();
    for id in &ids {
        if claimed.contains(id) {
            if let Ok(o) = id.parse() {
                out.claimed.push(o);
            }
        } else if let Some((claim, other)) = held.remove(id) {
            if holder_is_dead_here(&other) {
                dead.push((other, claim.order_id));
            } else {
                out.held.push(claim);
            }
        }
    }
    Ok((out, dead))
}

/// Extends every claim of `holder` to now + lease. Returns how many it holds.
pub(crate) async fn renew(
    c: &impl GenericClient,
    holder: &str,
    lease_ms: u64,
) -> Result<u64, tokio_postgres::Error> {
    let lease = i64::try_from(lease_ms).unwrap_or(i64::MAX);
    c.execute(
        &format!("UPDATE claims SET lease_until_ms = {NOW_MS} + $2 WHERE holder = $1"),
        &[&holder, &lease],
    )
    .await
}

/// Gives up the claims of `holder` on `orders` (all of them when `None`).
pub(crate) async fn release(
    c: &impl GenericClient,
    holder: &str,
    orders: Option<&[OrderId]>,
) -> Result<u64, tokio_postgres::Error> {
    match orders {
        None => {
            c.execute("DELETE FROM claims WHERE holder = $1", &[&holder])
                .await
        }
        Some(orders) => {
            let ids: Vec<String> = orders.iter().map(|o| o.to_string()).collect();
            c.execute(
                "DELETE FROM claims WHERE holder = $1 AND order_id = ANY($2)",
                &[&holder, &ids],
            )
            .await
        }
    }
}

/// Live claims (lease not over), oldest first.
pub(crate) async fn open_claims(
    c: &impl GenericClient,
) -> Result<Vec<Claim>, tokio_postgres::Error> {
    let rows = c
        .query(
            &format!(
                "SELECT order_id, station, operator, purpose, claimed_at_ms, lease_until_ms
                 FROM claims WHERE lease_until_ms >= {NOW_MS} ORDER BY claimed_at_ms, order_id"
            ),
            &[],
        )
        .await?;
    Ok(rows.iter().filter_map(claim_from_row).collect())
}

/// The live claim on one order, if any.
pub(crate) async fn claim_of(
    c: &impl GenericClient,
    order: OrderId,
) -> Result<Option<Claim>, tokio_postgres::Error> {
    let row = c
        .query_opt(
            &format!(
                "SELECT order_id, station, operator, purpose, claimed_at_ms, lease_until_ms
                 FROM claims WHERE order_id = $1 AND lease_until_ms >= {NOW_MS}"
            ),
            &[&order.to_string()],
        )
        .await?;
    Ok(row.as_ref().and_then(claim_from_row))
}

/// What other batches (any station) know of `order` with `delivery` (see the SQLite twin).
pub(crate) async fn elsewhere(
    c: &impl GenericClient,
    order: OrderId,
    delivery: &DeliveryId,
    batch: i64,
) -> Result<ElsewhereProgress, tokio_postgres::Error> {
    let id = order.to_string();
    let label = c
        .query_opt(
            "SELECT l.id, l.waybill_id, l.batch_id, l.station, l.operator, l.fetched_at_ms
             FROM labels l
             WHERE l.order_id = $1 AND l.delivery_id = $2 AND l.waybill_status = 0
               AND NOT EXISTS (SELECT 1 FROM waybill_cancels w
                               WHERE w.delivery_id = l.delivery_id
                                 AND w.waybill_id = l.waybill_id)
             ORDER BY l.id DESC LIMIT 1",
            &[&id, &delivery.0],
        )
        .await?
        .map(|r| LabelElsewhere {
            label_id: r.get(0),
            waybill_id: WaybillId(r.get(1)),
            batch_id: r.get(2),
            station: r.get(3),
            operator: r.get(4),
            fetched_at_ms: r.get(5),
        });
    let waybill = c
        .query_opt(
            "SELECT i.waybill_id FROM batch_items i JOIN batches b ON b.id = i.batch_id
             WHERE i.order_id = $1 AND b.delivery_id = $2 AND i.batch_id <> $3
               AND i.waybill_id IS NOT NULL AND i.stage IN ('waybill', 'done')
               AND NOT EXISTS (SELECT 1 FROM waybill_cancels w
                               WHERE w.delivery_id = b.delivery_id
                                 AND w.waybill_id = i.waybill_id)
             ORDER BY i.updated_at_ms DESC LIMIT 1",
            &[&id, &delivery.0, &batch],
        )
        .await?
        .map(|r| WaybillId(r.get(0)));
    let adding: i64 = c
        .query_one(
            "SELECT count(*) FROM batch_items i JOIN batches b ON b.id = i.batch_id
             WHERE i.order_id = $1 AND b.delivery_id = $2 AND i.batch_id <> $3
               AND i.stage = 'adding'",
            &[&id, &delivery.0, &batch],
        )
        .await?
        .get(0);
    Ok(ElsewhereProgress {
        label,
        waybill,
        adding: adding > 0,
    })
}

/// Marks an order of `batch` done with a label another batch recorded. False when it was done.
pub(crate) async fn adopt_label(
    c: &impl GenericClient,
    batch: i64,
    order: OrderId,
    label: &LabelElsewhere,
    now_ms: i64,
) -> Result<bool, tokio_postgres::Error> {
    let n = c
        .execute(
            "UPDATE batch_items SET stage = 'done', waybill_id = $3, label_id = $4,
                 errcode = NULL, error = NULL, updated_at_ms = $5
             WHERE batch_id = $1 AND order_id = $2 AND stage <> 'done'",
            &[
                &batch,
                &order.to_string(),
                &label.waybill_id.0,
                &label.label_id,
                &now_ms,
            ],
        )
        .await?;
    Ok(n > 0)
}

/// Sets an unfinished order of `batch` to another batch's waybill, or to `adding`.
pub(crate) async fn adopt_progress(
    c: &impl GenericClient,
    batch: i64,
    order: OrderId,
    waybill: Option<&WaybillId>,
    now_ms: i64,
) -> Result<(), tokio_postgres::Error> {
    let id = order.to_string();
    match waybill {
        Some(w) => {
            c.execute(
                "UPDATE batch_items SET stage = 'waybill', waybill_id = $3, errcode = NULL,
                     error = NULL, updated_at_ms = $4
                 WHERE batch_id = $1 AND order_id = $2 AND stage IN ('pending', 'adding')",
                &[&batch, &id, &w.0, &now_ms],
            )
            .await?
        }
        None => {
            c.execute(
                "UPDATE batch_items SET stage = 'adding', updated_at_ms = $3
                 WHERE batch_id = $1 AND order_id = $2 AND stage = 'pending'",
                &[&batch, &id, &now_ms],
            )
            .await?
        }
    };
    Ok(())
}

/// The stations overview: today's counts (since `today_ms`), live claims, last records.
pub(crate) async fn overview(
    c: &impl GenericClient,
    today_ms: i64,
) -> Result<Vec<StationOverview>, tokio_postgres::Error> {
    let mut b = OverviewBuilder::default();
    for r in c
        .query(
            "SELECT station, operator, kind, count(*) FROM (
                 SELECT station, operator, 'label' AS kind FROM labels WHERE fetched_at_ms >= $1
                 UNION ALL
                 SELECT station, operator, 'print' FROM print_jobs
                  WHERE at_ms >= $1 AND ok::int = 1
                 UNION ALL
                 SELECT station, operator, 'ship' FROM shipments
                  WHERE COALESCE(finished_at_ms, started_at_ms) >= $1
                    AND state IN ('shipped', 'confirmed_on_reread')) t
             GROUP BY station, operator, kind",
            &[&today_ms],
        )
        .await?
    {
        b.today(r.get(0), r.get(1), r.get(2), r.get(3));
    }
    for r in c
        .query(
            &format!(
                "SELECT station, operator, purpose, count(*) FROM claims
                 WHERE lease_until_ms >= {NOW_MS} GROUP BY station, operator, purpose"
            ),
            &[],
        )
        .await?
    {
        b.claims(r.get(0), r.get(1), r.get(2), r.get(3));
    }
    for r in c
        .query(
            "SELECT station, operator, max(at) FROM (
                 SELECT station, operator, fetched_at_ms AS at FROM labels
                 UNION ALL SELECT station, operator, at_ms FROM print_jobs
                 UNION ALL SELECT station, operator, COALESCE(finished_at_ms, started_at_ms)
                     FROM shipments
                 UNION ALL SELECT station, operator, created_at_ms FROM batches) t
             GROUP BY station, operator",
            &[],
        )
        .await?
    {
        b.seen(r.get(0), r.get(1), r.get(2));
    }
    Ok(b.build())
}
