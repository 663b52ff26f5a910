//! The journal's methods in PostgreSQL, each with the meaning of its SQLite twin
//! (`store/sqlite/*`). Integers are BIGINT (`i64` here), order ids TEXT, JSON as TEXT.

use std::collections::HashMap;

use tokio_postgres::Row;

use super::PgJournal;
use crate::store::batches::{BatchId, BatchInfo, BatchItem, BatchState, ItemStage, NewBatch};
use crate::store::orders::{scope_key, SyncScope};
use crate::store::records::{
    check_label_size, parse_print_type, print_type_str, process_alive, HistoryEntry, LabelSummary,
    NewPrintRecord, PrintRecord, ShipAttemptState, ShipClaim, ShipmentRecord, StoredLabel,
    STALE_SENDING_MS,
};
use crate::store::waybills::{CancelSource, CancelledWaybill, ParcelRecord, SkippedOrder};
use crate::store::{now_ms, Actor, JournalError};
use crate::wechat::delivery::WaybillRef;
use crate::wechat::logistics::Label;
use crate::wechat::order::{NoCourier, Order, ParcelItem};
use crate::wechat::shop::TimedOrder;
use crate::wechat::{DeliveryId, OrderId, WaybillId};

/// A row that does not decode, in words.
type Decode<T> = Result<T, String>;

fn col<'a, T: tokio_postgres::types::FromSql<'a>>(r: &'a Row, i: usize) -> Decode<T> {
    r.try_get(i).map_err(|e| format!("column {i}: {e}"))
}

fn order_id(s: &str) -> Decode<OrderId> {
    s.parse::<OrderId>()
        .map_err(|e| format!("order id `{s}`: {e}"))
}

fn u32_of(v: i64, what: &str) -> Decode<u32> {
    u32::try_from(v).map_err(|_| format!("{what} {v} out of range"))
}

const LABEL_COLUMNS: &str = "id, order_id, delivery_id, waybill_id, print_type, html, waybill_data,
    waybill_status, batch_id, fetched_at_ms, station, operator";

fn label_from_row(r: &Row) -> Decode<StoredLabel> {
    let data: String = col(r, 6)?;
    let print_type: String = col(r, 4)?;
    Ok(StoredLabel {
        id: col(r, 0)?,
        order_id: order_id(&col::<String>(r, 1)?)?,
        delivery_id: DeliveryId(col(r, 2)?),
        waybill_id: WaybillId(col(r, 3)?),
        print_type: parse_print_type(&print_type)
            .ok_or_else(|| format!("unknown print type `{print_type}`"))?,
        html: col(r, 5)?,
        waybill_data: serde_json::from_str(&data).map_err(|e| e.to_string())?,
        waybill_status: i32::try_from(col::<i64>(r, 7)?).map_err(|e| e.to_string())?,
        batch_id: col::<Option<i64>>(r, 8)?.map(BatchId),
        fetched_at_ms: col(r, 9)?,
        station: col(r, 10)?,
        operator: col(r, 11)?,
    })
}

const SHIPMENT_COLUMNS: &str = "id, order_id, waybills, request, state, errcode, error,
    started_at_ms, finished_at_ms, station, operator";

fn shipment_from_row(r: &Row) -> Decode<ShipmentRecord> {
    let waybills: String = col(r, 2)?;
    let request: Option<String> = col(r, 3)?;
    let state: String = col(r, 4)?;
    Ok(ShipmentRecord {
        id: col(r, 0)?,
        order_id: order_id(&col::<String>(r, 1)?)?,
        waybills: serde_json::from_str(&waybills).map_err(|e| e.to_string())?,
        request: request
            .map(|s| serde_json::from_str(&s))
            .transpose()
            .map_err(|e| e.to_string())?,
        state: ShipAttemptState::parse(&state)
            .ok_or_else(|| format!("unknown shipment state `{state}`"))?,
        errcode: col(r, 5)?,
        error: col(r, 6)?,
        started_at_ms: col(r, 7)?,
        finished_at_ms: col(r, 8)?,
        station: col(r, 9)?,
        operator: col(r, 10)?,
    })
}

const ITEM_COLUMNS: &str = "batch_id, position, order_id, stage, add_request, waybill_id, label_id,
    errcode, error, attempts";

fn item_from_row(r: &Row) -> Decode<BatchItem> {
    let add: Option<String> = col(r, 4)?;
    let stage: String = col(r, 3)?;
    Ok(BatchItem {
        batch_id: BatchId(col(r, 0)?),
        position: u32_of(col(r, 1)?, "position")?,
        order_id: order_id(&col::<String>(r, 2)?)?,
        stage: ItemStage::parse(&stage).ok_or_else(|| format!("unknown stage `{stage}`"))?,
        add_request: add
            .map(|a| serde_json::from_str(&a))
            .transpose()
            .map_err(|_| "add_request does not decode".to_string())?,
        waybill_id: col::<Option<String>>(r, 5)?.map(WaybillId),
        label_id: col(r, 6)?,
        errcode: col(r, 7)?,
        error: col(r, 8)?,
        attempts: u32_of(col(r, 9)?, "attempts")?,
    })
}

const BATCH_QUERY: &str = "SELECT b.id, b.print_type, b.delivery_id, b.biz_id, b.state,
    b.created_at_ms, b.finished_at_ms, b.station, b.operator,
    (SELECT count(*) FROM batch_items i WHERE i.batch_id = b.id),
    (SELECT count(*) FROM batch_items i WHERE i.batch_id = b.id AND i.stage = 'done'),
    (SELECT count(*) FROM batch_items i WHERE i.batch_id = b.id AND i.stage != 'done'
        AND i.error IS NOT NULL)
    FROM batches b";

fn batch_from_row(r: &Row) -> Decode<BatchInfo> {
    let print_type: String = col(r, 1)?;
    let state: String = col(r, 4)?;
    Ok(BatchInfo {
        id: BatchId(col(r, 0)?),
        print_type: parse_print_type(&print_type)
            .ok_or_else(|| format!("unknown print type `{print_type}`"))?,
        delivery_id: DeliveryId(col(r, 2)?),
        biz_id: col(r, 3)?,
        state: BatchState::parse(&state).ok_or_else(|| format!("unknown state `{state}`"))?,
        created_at_ms: col(r, 5)?,
        finished_at_ms: col(r, 6)?,
        station: col(r, 7)?,
        operator: col(r, 8)?,
        total: u32_of(col(r, 9)?, "count")?,
        done: u32_of(col(r, 10)?, "count")?,
        failed: u32_of(col(r, 11)?, "count")?,
    })
}

async fn insert_label(
    c: &impl tokio_postgres::GenericClient,
    actor: &Actor,
    order_id: OrderId,
    label: &Label,
    batch: Option<BatchId>,
) -> Result<Result<i64, String>, tokio_postgres::Error> {
    let data = match serde_json::to_string(&label.waybill_data) {
        Ok(d) => d,
        Err(e) => return Ok(Err(e.to_string())),
    };
    let row = c
        .query_one(
            "INSERT INTO labels (order_id, delivery_id, waybill_id, print_type, html, waybill_data,
                 waybill_status, batch_id, fetched_at_ms, station, operator)
             VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11) RETURNING id",
            &[
                &order_id.to_string(),
                &label.delivery_id.0,
                &label.waybill_id.0,
                &print_type_str(label.print_type),
                &label.html,
                &data,
                &i64::from(label.order_status),
                &batch.map(|b| b.0),
                &now_ms(),
                &actor.station,
                &actor.operator,
            ],
        )
        .await?;
    Ok(Ok(row.get(0)))
}

/// Runs a body that yields rows-to-decode or a driver error, mapping both to journal errors.
macro_rules! decode_all {
    ($self:expr, $rows:expr, $f:expr) => {
        $rows
            .iter()
            .map($f)
            .collect::<Decode<Vec<_>>>()
            .map_err(|e| $self.bad_record(e))
    };
}

impl PgJournal {
    // ---- labels, print jobs, shipments ----

    pub(crate) async fn record_label(
        &self,
        actor: &Actor,
        order_id: OrderId,
        label: &Label,
    ) -> Result<i64, JournalError> {
        check_label_size(order_id, label)?;
        let client = self.client().await?;
        insert_label(&**client, actor, order_id, label, None)
            .await
            .map_err(|e| self.db(e))?
            .map_err(|e| self.bad_record(e))
    }

    pub(crate) async fn record_labels(
        &self,
        actor: &Actor,
        labels: &[(OrderId, &Label)],
    ) -> Result<Vec<i64>, JournalError> {
        for (order_id, label) in labels {
            check_label_size(*order_id, label)?;
        }
        let mut client = self.client().await?;
        let tx = client.transaction().await.map_err(|e| self.db(e))?;
        let mut ids = Vec::with_capacity(labels.len());
        for (order_id, label) in labels {
            let id = insert_label(&*tx, actor, *order_id, label, None)
                .await
                .map_err(|e| self.db(e))?
                .map_err(|e| self.bad_record(e))?;
            ids.push(id);
        }
        tx.commit().await.map_err(|e| self.db(e))?;
        Ok(ids)
    }

    async fn one_label(
        &self,
        sql: &str,
        params: &[&(dyn tokio_postgres::types::ToSql + Sync)],
    ) -> Result<Option<StoredLabel>, JournalError> {
        let client = self.client().await?;
        let row = client
            .query_opt(sql, params)
            .await
            .map_err(|e| self.db(e))?;
        row.as_ref()
            .map(label_from_row)
            .transpose()
            .map_err(|e| self.bad_record(e))
    }

    pub(crate) async fn latest_label(
        &self,
        order_id: OrderId,
    ) -> Result<Option<StoredLabel>, JournalError> {
        self.one_label(
            &format!(
                "SELECT {LABEL_COLUMNS} FROM labels WHERE order_id = $1 ORDER BY id DESC LIMIT 1"
            ),
            &[&order_id.to_string()],
        )
        .await
    }

    pub(crate) async fn label(&self, id: i64) -> Result<Option<StoredLabel>, JournalError> {
        self.one_label(
            &format!("SELECT {LABEL_COLUMNS} FROM labels WHERE id = $1"),
            &[&id],
        )
        .await
    }

    pub(crate) async fn label_count(&self, order_id: OrderId) -> Result<u64, JournalError> {
        let client = self.client().await?;
        let n: i64 = client
            .query_one(
                "SELECT count(*) FROM labels WHERE order_id = $1",
                &[&order_id.to_string()],
            )
            .await
            .map_err(|e| self.db(e))?
            .get(0);
        Ok(u64::try_from(n).unwrap_or(0))
    }

    pub(crate) async fn known_waybill(
        &self,
        order_id: OrderId,
        delivery_id: &DeliveryId,
    ) -> Result<Option<WaybillId>, JournalError> {
        let client = self.client().await?;
        let row = client
            .query_opt(
                "SELECT waybill_id FROM labels WHERE order_id = $1 AND delivery_id = $2
                     AND waybill_status = 0 ORDER BY id DESC LIMIT 1",
                &[&order_id.to_string(), &delivery_id.0],
            )
            .await
            .map_err(|e| self.db(e))?;
        Ok(row.map(|r| WaybillId(r.get(0))))
    }

    pub(crate) async fn record_print(
        &self,
        actor: &Actor,
        job: &NewPrintRecord,
    ) -> Result<i64, JournalError> {
        let client = self.client().await?;
        let row = client
            .query_one(
                "INSERT INTO print_jobs (order_id, waybill_id, label_id, printer, copies, ok,
                     error, at_ms, station, operator)
                 VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10) RETURNING id",
                &[
                    &job.order_id.to_string(),
                    &job.waybill_id.0,
                    &job.label_id,
                    &job.printer,
                    &i64::from(job.copies),
                    &job.result.is_ok(),
                    &job.result.as_ref().err(),
                    &now_ms(),
                    &actor.station,
                    &actor.operator,
                ],
            )
            .await
            .map_err(|e| self.db(e))?;
        Ok(row.get(0))
    }

    pub(crate) async fn claim_shipment(
        &self,
        actor: &Actor,
        order_id: OrderId,
        waybills: &[WaybillRef],
    ) -> Result<ShipClaim, JournalError> {
        let waybills =
            serde_json::to_string(waybills).map_err(|e| self.bad_record(e.to_string()))?;
        let id = order_id.to_string();
        let mut client = self.client().await?;
        let tx = client.transaction().await.map_err(|e| self.db(e))?;
        // Every station asking about this order waits here for the one before it: the check
        // and the insert below are one step across the shop.
        tx.execute(
            "SELECT pg_advisory_xact_lock(1464943696, hashtext($1))",
            &[&id],
        )
        .await
        .map_err(|e| self.db(e))?;
        let shipped = tx
            .query_opt(
                &format!(
                    "SELECT {SHIPMENT_COLUMNS} FROM shipments WHERE order_id = $1
                     AND state IN ('shipped', 'already_shipped', 'confirmed_on_reread')
                     AND id NOT IN (SELECT shipment_id FROM parcels WHERE NOT completes_order)
                     ORDER BY id DESC LIMIT 1"
                ),
                &[&id],
            )
            .await
            .map_err(|e| self.db(e))?;
        if let Some(row) = shipped {
            let record = shipment_from_row(&row).map_err(|e| self.bad_record(e))?;
            tx.commit().await.map_err(|e| self.db(e))?;
            return Ok(ShipClaim::AlreadyShipped(record));
        }
        let in_flight = tx
            .query_opt(
                &format!(
                    "SELECT {SHIPMENT_COLUMNS}, owner_pid FROM shipments
                     WHERE order_id = $1 AND state = 'sending'"
                ),
                &[&id],
            )
            .await
            .map_err(|e| self.db(e))?;
        if let Some(row) = in_flight {
            let record = shipment_from_row(&row).map_err(|e| self.bad_record(e))?;
            let pid: i64 = row.get(11);
            let same_station = record.station == actor.station;
            let dead = same_station && !process_alive(pid);
            let stale = now_ms().saturating_sub(record.started_at_ms) > STALE_SENDING_MS;
            if !(dead || stale) {
                tx.commit().await.map_err(|e| self.db(e))?;
                return Ok(ShipClaim::InFlight(record));
            }
            tx.execute(
                "UPDATE shipments SET state = 'interrupted', finished_at_ms = $2,
                     error = 'the process sending it stopped before recording the answer'
                 WHERE id = $1",
                &[&record.id, &now_ms()],
            )
            .await
            .map_err(|e| self.db(e))?;
        }
        let row = tx
            .query_one(
                "INSERT INTO shipments (order_id, waybills, state, started_at_ms, owner_pid,
                     station, operator)
                 VALUES ($1, $2, 'sending', $3, $4, $5, $6) RETURNING id",
                &[
                    &id,
                    &waybills,
                    &now_ms(),
                    &i64::from(std::process::id()),
                    &actor.station,
                    &actor.operator,
                ],
            )
            .await
            .map_err(|e| self.db(e))?;
        tx.commit().await.map_err(|e| self.db(e))?;
        Ok(ShipClaim::Go {
            attempt_id: row.get(0),
        })
    }

    async fn execute(
        &self,
        sql: &str,
        params: &[&(dyn tokio_postgres::types::ToSql + Sync)],
    ) -> Result<u64, JournalError> {
        let client = self.client().await?;
        client.execute(sql, params).await.map_err(|e| self.db(e))
    }

    pub(crate) async fn set_shipment_request(
        &self,
        attempt_id: i64,
        request: &serde_json::Value,
    ) -> Result<(), JournalError> {
        self.execute(
            "UPDATE shipments SET request = $2 WHERE id = $1",
            &[&attempt_id, &request.to_string()],
        )
        .await
        .map(|_| ())
    }

    pub(crate) async fn finish_shipment(
        &self,
        attempt_id: i64,
        state: ShipAttemptState,
        errcode: Option<i64>,
        error: Option<&str>,
    ) -> Result<(), JournalError> {
        self.execute(
            "UPDATE shipments SET state = $2, errcode = $3, error = $4, finished_at_ms = $5
             WHERE id = $1",
            &[&attempt_id, &state.as_str(), &errcode, &error, &now_ms()],
        )
        .await
        .map(|_| ())
    }

    pub(crate) async fn shipped(
        &self,
        order_id: OrderId,
    ) -> Result<Option<ShipmentRecord>, JournalError> {
        let client = self.client().await?;
        let row = client
            .query_opt(
                &format!(
                    "SELECT {SHIPMENT_COLUMNS} FROM shipments WHERE order_id = $1
                     AND state IN ('shipped', 'already_shipped', 'confirmed_on_reread')
                     AND id NOT IN (SELECT shipment_id FROM parcels WHERE NOT completes_order)
                     ORDER BY id DESC LIMIT 1"
                ),
                &[&order_id.to_string()],
            )
            .await
            .map_err(|e| self.db(e))?;
        row.as_ref()
            .map(shipment_from_row)
            .transpose()
            .map_err(|e| self.bad_record(e))
    }

    pub(crate) async fn shipments(
        &self,
        order_id: OrderId,
    ) -> Result<Vec<ShipmentRecord>, JournalError> {
        let client = self.client().await?;
        let rows = client
            .query(
                &format!(
                    "SELECT {SHIPMENT_COLUMNS} FROM shipments WHERE order_id = $1 ORDER BY id"
                ),
                &[&order_id.to_string()],
            )
            .await
            .map_err(|e| self.db(e))?;
        decode_all!(self, rows, shipment_from_row)
    }

    pub(crate) async fn order_history(
        &self,
        order_id: OrderId,
    ) -> Result<Vec<HistoryEntry>, JournalError> {
        let id = order_id.to_string();
        let client = self.client().await?;
        let labels = client
            .query(
                "SELECT id, delivery_id, waybill_id, print_type, batch_id, fetched_at_ms, station,
                     operator FROM labels WHERE order_id = $1 ORDER BY id",
                &[&id],
            )
            .await
            .map_err(|e| self.db(e))?;
        let mut entries: Vec<HistoryEntry> = decode_all!(self, labels, |r: &Row| {
            let print_type: String = col(r, 3)?;
            Ok(HistoryEntry::Label(LabelSummary {
                id: col(r, 0)?,
                delivery_id: DeliveryId(col(r, 1)?),
                waybill_id: WaybillId(col(r, 2)?),
                print_type: parse_print_type(&print_type)
                    .ok_or_else(|| format!("unknown print type `{print_type}`"))?,
                batch_id: col::<Option<i64>>(r, 4)?.map(BatchId),
                fetched_at_ms: col(r, 5)?,
                station: col(r, 6)?,
                operator: col(r, 7)?,
            }))
        })?;
        let prints = client
            .query(
                "SELECT id, order_id, waybill_id, label_id, printer, copies, ok, error, at_ms,
                     station, operator FROM print_jobs WHERE order_id = $1 ORDER BY id",
                &[&id],
            )
            .await
            .map_err(|e| self.db(e))?;
        entries.extend(decode_all!(self, prints, |r: &Row| {
            Ok(HistoryEntry::Print(PrintRecord {
                id: col(r, 0)?,
                order_id: order_id_of(&col::<String>(r, 1)?)?,
                waybill_id: WaybillId(col(r, 2)?),
                label_id: col(r, 3)?,
                printer: col(r, 4)?,
                copies: u32_of(col(r, 5)?, "copies")?,
                ok: col(r, 6)?,
                error: col(r, 7)?,
                at_ms: col(r, 8)?,
                station: col(r, 9)?,
                operator: col(r, 10)?,
            }))
        })?);
        drop(client);
        entries.extend(
            self.shipments(order_id)
                .await?
                .into_iter()
                .map(HistoryEntry::Shipment),
        );
        entries.sort_by_key(HistoryEntry::at_ms);
        Ok(entries)
    }

    // ---- batches ----

    pub(crate) async fn create_batch(
        &self,
        actor: &Actor,
        batch: &NewBatch,
    ) -> Result<BatchId, JournalError> {
        let mut client = self.client().await?;
        let tx = client.transaction().await.map_err(|e| self.db(e))?;
        let now = now_ms();
        let id: i64 = tx
            .query_one(
                "INSERT INTO batches (print_type, delivery_id, biz_id, state, created_at_ms,
                     station, operator) VALUES ($1, $2, $3, 'open', $4, $5, $6) RETURNING id",
                &[
                    &print_type_str(batch.print_type),
                    &batch.delivery_id.0,
                    &batch.biz_id,
                    &now,
                    &actor.station,
                    &actor.operator,
                ],
            )
            .await
            .map_err(|e| self.db(e))?
            .get(0);
        let insert = tx
            .prepare(
                "INSERT INTO batch_items (batch_id, position, order_id, stage, add_request,
                     waybill_id, updated_at_ms) VALUES ($1, $2, $3, $4, $5, $6, $7)
                 ON CONFLICT DO NOTHING",
            )
            .await
            .map_err(|e| self.db(e))?;
        for (position, item) in batch.items.iter().enumerate() {
            let stage = if item.waybill_id.is_some() {
                ItemStage::Waybill
            } else {
                ItemStage::Pending
            };
            tx.execute(
                &insert,
                &[
                    &id,
                    &i64::try_from(position).unwrap_or(i64::MAX),
                    &item.order_id.to_string(),
                    &stage.as_str(),
                    &item.add_request.as_ref().map(|v| v.to_string()),
                    &item.waybill_id.as_ref().map(|w| w.0.as_str()),
                    &now,
                ],
            )
            .await
            .map_err(|e| self.db(e))?;
        }
        tx.commit().await.map_err(|e| self.db(e))?;
        Ok(BatchId(id))
    }

    async fn batches(
        &self,
        sql: &str,
        params: &[&(dyn tokio_postgres::types::ToSql + Sync)],
    ) -> Result<Vec<BatchInfo>, JournalError> {
        let client = self.client().await?;
        let rows = client.query(sql, params).await.map_err(|e| self.db(e))?;
        decode_all!(self, rows, batch_from_row)
    }

    pub(crate) async fn batch(&self, id: BatchId) -> Result<Option<BatchInfo>, JournalError> {
        Ok(self
            .batches(&format!("{BATCH_QUERY} WHERE b.id = $1"), &[&id.0])
            .await?
            .into_iter()
            .next())
    }

    pub(crate) async fn unfinished_batches(&self) -> Result<Vec<BatchInfo>, JournalError> {
        self.batches(
            &format!("{BATCH_QUERY} WHERE b.state = 'open' ORDER BY b.id"),
            &[],
        )
        .await
    }

    pub(crate) async fn recent_batches(&self, limit: u32) -> Result<Vec<BatchInfo>, JournalError> {
        self.batches(
            &format!("{BATCH_QUERY} ORDER BY b.id DESC LIMIT $1"),
            &[&i64::from(limit)],
        )
        .await
    }

    pub(crate) async fn batch_items(
        &self,
        id: BatchId,
        unfinished_only: bool,
    ) -> Result<Vec<BatchItem>, JournalError> {
        let filter = if unfinished_only {
            "AND stage != 'done'"
        } else {
            ""
        };
        let client = self.client().await?;
        let rows = client
            .query(
                &format!(
                    "SELECT {ITEM_COLUMNS} FROM batch_items WHERE batch_id = $1 {filter}
                     ORDER BY position"
                ),
                &[&id.0],
            )
            .await
            .map_err(|e| self.db(e))?;
        decode_all!(self, rows, item_from_row)
    }

    pub(crate) async fn mark_adding(
        &self,
        id: BatchId,
        orders: &[OrderId],
    ) -> Result<(), JournalError> {
        let ids: Vec<String> = orders.iter().map(|o| o.to_string()).collect();
        self.execute(
            "UPDATE batch_items SET stage = 'adding', attempts = attempts + 1, updated_at_ms = $3
             WHERE batch_id = $1 AND order_id = ANY($2) AND stage = 'pending'",
            &[&id.0, &ids, &now_ms()],
        )
        .await
        .map(|_| ())
    }

    pub(crate) async fn set_item_waybill(
        &self,
        id: BatchId,
        order_id: OrderId,
        waybill_id: &WaybillId,
    ) -> Result<(), JournalError> {
        self.execute(
            "UPDATE batch_items SET stage = 'waybill', waybill_id = $3, errcode = NULL,
                 error = NULL, updated_at_ms = $4
             WHERE batch_id = $1 AND order_id = $2 AND stage != 'done'",
            &[&id.0, &order_id.to_string(), &waybill_id.0, &now_ms()],
        )
        .await
        .map(|_| ())
    }

    pub(crate) async fn set_item_failed(
        &self,
        id: BatchId,
        order_id: OrderId,
        stage: ItemStage,
        errcode: Option<i64>,
        error: &str,
    ) -> Result<(), JournalError> {
        self.execute(
            "UPDATE batch_items SET stage = $3, errcode = $4, error = $5, updated_at_ms = $6
             WHERE batch_id = $1 AND order_id = $2 AND stage != 'done'",
            &[
                &id.0,
                &order_id.to_string(),
                &stage.as_str(),
                &errcode,
                &error,
                &now_ms(),
            ],
        )
        .await
        .map(|_| ())
    }

    pub(crate) async fn complete_items(
        &self,
        actor: &Actor,
        id: BatchId,
        labels: &[(OrderId, &Label)],
    ) -> Result<Vec<Option<i64>>, JournalError> {
        for (order_id, label) in labels {
            check_label_size(*order_id, label)?;
        }
        let mut client = self.client().await?;
        let tx = client.transaction().await.map_err(|e| self.db(e))?;
        let mut out = Vec::with_capacity(labels.len());
        for (order_id, label) in labels {
            let oid = order_id.to_string();
            let stage: Option<String> = tx
                .query_opt(
                    "SELECT stage FROM batch_items WHERE batch_id = $1 AND order_id = $2
                     FOR UPDATE",
                    &[&id.0, &oid],
                )
                .await
                .map_err(|e| self.db(e))?
                .map(|r| r.get(0));
            if stage.as_deref() == Some("done") {
                out.push(None);
                continue;
            }
            let label_id = insert_label(&*tx, actor, *order_id, label, Some(id))
                .await
                .map_err(|e| self.db(e))?
                .map_err(|e| self.bad_record(e))?;
            tx.execute(
                "UPDATE batch_items SET stage = 'done', waybill_id = $3, label_id = $4,
                     errcode = NULL, error = NULL, updated_at_ms = $5
                 WHERE batch_id = $1 AND order_id = $2",
                &[&id.0, &oid, &label.waybill_id.0, &label_id, &now_ms()],
            )
            .await
            .map_err(|e| self.db(e))?;
            out.push(Some(label_id));
        }
        tx.commit().await.map_err(|e| self.db(e))?;
        Ok(out)
    }

    pub(crate) async fn finish_batch_if_done(&self, id: BatchId) -> Result<bool, JournalError> {
        let mut client = self.client().await?;
        let tx = client.transaction().await.map_err(|e| self.db(e))?;
        let left: i64 = tx
            .query_one(
                "SELECT count(*) FROM batch_items WHERE batch_id = $1 AND stage != 'done'",
                &[&id.0],
            )
            .await
            .map_err(|e| self.db(e))?
            .get(0);
        if left == 0 {
            tx.execute(
                "UPDATE batches SET state = 'finished', finished_at_ms = $2
                 WHERE id = $1 AND state = 'open'",
                &[&id.0, &now_ms()],
            )
            .await
            .map_err(|e| self.db(e))?;
        }
        tx.commit().await.map_err(|e| self.db(e))?;
        Ok(left == 0)
    }

    pub(crate) async fn abandon_batch(&self, id: BatchId) -> Result<(), JournalError> {
        self.execute(
            "UPDATE batches SET state = 'abandoned', finished_at_ms = $2
             WHERE id = $1 AND state = 'open'",
            &[&id.0, &now_ms()],
        )
        .await
        .map(|_| ())
    }

    // ---- the order cache ----

    pub(crate) async fn cached_orders(
        &self,
        account: &str,
        from: i64,
        to: i64,
        status: Option<u32>,
    ) -> Result<Vec<TimedOrder>, JournalError> {
        let client = self.client().await?;
        let rows = client
            .query(
                "SELECT body, update_unix FROM order_cache
                 WHERE account = $1 AND created_unix BETWEEN $2 AND $3
                   AND ($4::BIGINT IS NULL OR status = $4)
                 ORDER BY created_unix DESC",
                &[&account, &from, &to, &status.map(i64::from)],
            )
            .await
            .map_err(|e| self.db(e))?;
        let mut orders = rows
            .iter()
            .map(|r| {
                let body: String = r.get(0);
                let order: Order = serde_json::from_str(&body)
                    .map_err(|e| self.bad_record(format!("a cached order does not decode: {e}")))?;
                Ok(TimedOrder {
                    order,
                    update_unix: r.get(1),
                })
            })
            .collect::<Result<Vec<_>, JournalError>>()?;
        orders.sort_by(|a, b| {
            b.order
                .created_unix
                .cmp(&a.order.created_unix)
                .then(b.order.id.cmp(&a.order.id))
        });
        Ok(orders)
    }

    pub(crate) async fn cached_update_times(
        &self,
        account: &str,
        ids: &[OrderId],
    ) -> Result<HashMap<OrderId, i64>, JournalError> {
        let texts: Vec<String> = ids.iter().map(|o| o.to_string()).collect();
        let client = self.client().await?;
        let rows = client
            .query(
                "SELECT order_id, update_unix FROM order_cache
                 WHERE account = $1 AND order_id = ANY($2)",
                &[&account, &texts],
            )
            .await
            .map_err(|e| self.db(e))?;
        rows.iter()
            .map(|r| {
                let id: String = r.get(0);
                Ok((order_id(&id).map_err(|e| self.bad_record(e))?, r.get(1)))
            })
            .collect()
    }

    pub(crate) async fn cache_orders(
        &self,
        account: &str,
        orders: &[TimedOrder],
    ) -> Result<(), JournalError> {
        if orders.is_empty() {
            return Ok(());
        }
        let bodies: Vec<String> = orders
            .iter()
            .map(|o| serde_json::to_string(&o.order))
            .collect::<Result<_, _>>()
            .map_err(|e| self.bad_record(format!("an order does not encode: {e}")))?;
        let now = now_ms();
        let mut client = self.client().await?;
        let tx = client.transaction().await.map_err(|e| self.db(e))?;
        let stmt = tx
            .prepare(
                "INSERT INTO order_cache
                     (account, order_id, status, created_unix, update_unix, body, synced_at_ms)
                 VALUES ($1, $2, $3, $4, $5, $6, $7)
                 ON CONFLICT (account, order_id) DO UPDATE SET
                     status = excluded.status, created_unix = excluded.created_unix,
                     update_unix = excluded.update_unix, body = excluded.body,
                     synced_at_ms = excluded.synced_at_ms
                 WHERE excluded.update_unix >= order_cache.update_unix",
            )
            .await
            .map_err(|e| self.db(e))?;
        for (o, body) in orders.iter().zip(&bodies) {
            tx.execute(
                &stmt,
                &[
                    &account,
                    &o.order.id.to_string(),
                    &i64::from(o.order.status),
                    &o.order.created_unix,
                    &o.update_unix,
                    body,
                    &now,
                ],
            )
            .await
            .map_err(|e| self.db(e))?;
        }
        tx.commit().await.map_err(|e| self.db(e))
    }

    pub(crate) async fn uncache_orders(
        &self,
        account: &str,
        ids: &[OrderId],
    ) -> Result<(), JournalError> {
        let texts: Vec<String> = ids.iter().map(|o| o.to_string()).collect();
        self.execute(
            "DELETE FROM order_cache WHERE account = $1 AND order_id = ANY($2)",
            &[&account, &texts],
        )
        .await
        .map(|_| ())
    }

    pub(crate) async fn order_sync_scope(
        &self,
        account: &str,
        status: Option<u32>,
    ) -> Result<Option<SyncScope>, JournalError> {
        let client = self.client().await?;
        let row = client
            .query_opt(
                "SELECT covered_from, full_at_ms FROM order_sync WHERE account = $1 AND scope = $2",
                &[&account, &scope_key(status)],
            )
            .await
            .map_err(|e| self.db(e))?;
        Ok(row.map(|r| SyncScope {
            covered_from: r.get(0),
            full_at_ms: r.get(1),
        }))
    }

    pub(crate) async fn record_full_sync(
        &self,
        account: &str,
        status: Option<u32>,
        covered_from: i64,
    ) -> Result<(), JournalError> {
        self.execute(
            "INSERT INTO order_sync (account, scope, covered_from, full_at_ms)
             VALUES ($1, $2, $3, $4)
             ON CONFLICT (account, scope) DO UPDATE SET
                 covered_from = LEAST(order_sync.covered_from, excluded.covered_from),
                 full_at_ms = excluded.full_at_ms",
            &[&account, &scope_key(status), &covered_from, &now_ms()],
        )
        .await
        .map(|_| ())
    }

    pub(crate) async fn order_sync_mark(&self, account: &str) -> Result<Option<i64>, JournalError> {
        let client = self.client().await?;
        let row = client
            .query_opt(
                "SELECT updated_to FROM order_sync_mark WHERE account = $1",
                &[&account],
            )
            .await
            .map_err(|e| self.db(e))?;
        Ok(row.map(|r| r.get(0)))
    }

    pub(crate) async fn set_order_sync_mark(
        &self,
        account: &str,
        updated_to: i64,
    ) -> Result<(), JournalError> {
        self.execute(
            "INSERT INTO order_sync_mark (account, updated_to) VALUES ($1, $2)
             ON CONFLICT (account) DO UPDATE SET updated_to = excluded.updated_to",
            &[&account, &updated_to],
        )
        .await
        .map(|_| ())
    }

    pub(crate) async fn forget_order_sync(&self, account: &str) -> Result<(), JournalError> {
        let mut client = self.client().await?;
        let tx = client.transaction().await.map_err(|e| self.db(e))?;
        for sql in [
            "DELETE FROM order_sync WHERE account = $1",
            "DELETE FROM order_sync_mark WHERE account = $1",
        ] {
            tx.execute(sql, &[&account]).await.map_err(|e| self.db(e))?;
        }
        tx.commit().await.map_err(|e| self.db(e))
    }

    pub(crate) async fn cached_order_ids(
        &self,
        account: &str,
    ) -> Result<Vec<OrderId>, JournalError> {
        let client = self.client().await?;
        let rows = client
            .query(
                "SELECT order_id FROM order_cache WHERE account = $1",
                &[&account],
            )
            .await
            .map_err(|e| self.db(e))?;
        decode_all!(self, rows, |r: &Row| order_id(&col::<String>(r, 0)?))
    }

    // ---- cancelled waybills, parcels, batch skips ----

    pub(crate) async fn record_waybill_cancel(
        &self,
        actor: &Actor,
        order_id: OrderId,
        delivery_id: &DeliveryId,
        waybill_id: &WaybillId,
        source: CancelSource,
    ) -> Result<(), JournalError> {
        self.execute(
            "INSERT INTO waybill_cancels (order_id, delivery_id, waybill_id, source, at_ms,
                 station, operator)
             VALUES ($1, $2, $3, $4, $5, $6, $7) ON CONFLICT DO NOTHING",
            &[
                &order_id.to_string(),
                &delivery_id.0,
                &waybill_id.0,
                &source.as_str(),
                &now_ms(),
                &actor.station,
                &actor.operator,
            ],
        )
        .await
        .map(|_| ())
    }

    async fn exists(
        &self,
        sql: &str,
        params: &[&(dyn tokio_postgres::types::ToSql + Sync)],
    ) -> Result<bool, JournalError> {
        let client = self.client().await?;
        Ok(client
            .query_opt(sql, params)
            .await
            .map_err(|e| self.db(e))?
            .is_some())
    }

    pub(crate) async fn is_waybill_cancelled(
        &self,
        delivery_id: &DeliveryId,
        waybill_id: &WaybillId,
    ) -> Result<bool, JournalError> {
        self.exists(
            "SELECT 1 FROM waybill_cancels WHERE delivery_id = $1 AND waybill_id = $2",
            &[&delivery_id.0, &waybill_id.0],
        )
        .await
    }

    pub(crate) async fn are_waybills_cancelled(
        &self,
        waybills: &[(DeliveryId, WaybillId)],
    ) -> Result<Vec<bool>, JournalError> {
        if waybills.is_empty() {
            return Ok(Vec::new());
        }
        let couriers: Vec<&str> = waybills.iter().map(|(d, _)| d.0.as_str()).collect();
        let numbers: Vec<&str> = waybills.iter().map(|(_, w)| w.0.as_str()).collect();
        let client = self.client().await?;
        let rows = client
            .query(
                "SELECT delivery_id, waybill_id FROM waybill_cancels
                 WHERE (delivery_id, waybill_id) IN
                     (SELECT * FROM unnest($1::text[], $2::text[]))",
                &[&couriers, &numbers],
            )
            .await
            .map_err(|e| self.db(e))?;
        let cancelled: Vec<(String, String)> =
            decode_all!(self, rows, |r: &Row| Ok((col(r, 0)?, col(r, 1)?)))?;
        Ok(waybills
            .iter()
            .map(|(d, w)| cancelled.iter().any(|(cd, cw)| *cd == d.0 && *cw == w.0))
            .collect())
    }

    pub(crate) async fn is_waybill_number_cancelled(
        &self,
        waybill_id: &WaybillId,
    ) -> Result<bool, JournalError> {
        self.exists(
            "SELECT 1 FROM waybill_cancels WHERE waybill_id = $1 LIMIT 1",
            &[&waybill_id.0],
        )
        .await
    }

    pub(crate) async fn cancelled_waybills(
        &self,
        order_id: OrderId,
    ) -> Result<Vec<CancelledWaybill>, JournalError> {
        let client = self.client().await?;
        let rows = client
            .query(
                "SELECT order_id, delivery_id, waybill_id, source, at_ms, station, operator
                 FROM waybill_cancels WHERE order_id = $1 ORDER BY id",
                &[&order_id.to_string()],
            )
            .await
            .map_err(|e| self.db(e))?;
        decode_all!(self, rows, |r: &Row| {
            let source: String = col(r, 3)?;
            Ok(CancelledWaybill {
                order_id: order_id_of(&col::<String>(r, 0)?)?,
                delivery_id: DeliveryId(col(r, 1)?),
                waybill_id: WaybillId(col(r, 2)?),
                source: CancelSource::parse(&source)
                    .ok_or_else(|| format!("unknown cancel source `{source}`"))?,
                at_ms: col(r, 4)?,
                station: col(r, 5)?,
                operator: col(r, 6)?,
            })
        })
    }

    pub(crate) async fn usable_waybill(
        &self,
        order_id: OrderId,
        delivery_id: &DeliveryId,
    ) -> Result<Option<WaybillId>, JournalError> {
        let client = self.client().await?;
        let row = client
            .query_opt(
                "SELECT l.waybill_id FROM labels l
                 WHERE l.order_id = $1 AND l.delivery_id = $2 AND l.waybill_status = 0
                   AND NOT EXISTS (SELECT 1 FROM waybill_cancels w
                                   WHERE w.delivery_id = l.delivery_id
                                     AND w.waybill_id = l.waybill_id)
                 ORDER BY l.id DESC LIMIT 1",
                &[&order_id.to_string(), &delivery_id.0],
            )
            .await
            .map_err(|e| self.db(e))?;
        Ok(row.map(|r| WaybillId(r.get(0))))
    }

    pub(crate) async fn record_parcel(
        &self,
        shipment_id: i64,
        order_id: OrderId,
        items: &[ParcelItem],
        completes_order: bool,
    ) -> Result<(), JournalError> {
        let text = serde_json::to_string(items).map_err(|e| self.bad_record(e.to_string()))?;
        self.execute(
            "INSERT INTO parcels (shipment_id, order_id, items, completes_order)
             VALUES ($1, $2, $3, $4)
             ON CONFLICT (shipment_id) DO UPDATE SET order_id = excluded.order_id,
                 items = excluded.items, completes_order = excluded.completes_order",
            &[&shipment_id, &order_id.to_string(), &text, &completes_order],
        )
        .await
        .map(|_| ())
    }

    pub(crate) async fn parcels(
        &self,
        order_id: OrderId,
    ) -> Result<Vec<ParcelRecord>, JournalError> {
        let client = self.client().await?;
        let rows = client
            .query(
                "SELECT shipment_id, order_id, items, completes_order FROM parcels
                 WHERE order_id = $1 ORDER BY shipment_id",
                &[&order_id.to_string()],
            )
            .await
            .map_err(|e| self.db(e))?;
        decode_all!(self, rows, |r: &Row| {
            let items: String = col(r, 2)?;
            Ok(ParcelRecord {
                shipment_id: col(r, 0)?,
                order_id: order_id_of(&col::<String>(r, 1)?)?,
                items: serde_json::from_str(&items).map_err(|e| e.to_string())?,
                completes_order: col(r, 3)?,
            })
        })
    }

    pub(crate) async fn record_batch_skips(
        &self,
        batch: BatchId,
        skipped: &[SkippedOrder],
    ) -> Result<(), JournalError> {
        if skipped.is_empty() {
            return Ok(());
        }
        let mut client = self.client().await?;
        let tx = client.transaction().await.map_err(|e| self.db(e))?;
        for s in skipped {
            tx.execute(
                "INSERT INTO batch_skips (batch_id, order_id, reason) VALUES ($1, $2, $3)
                 ON CONFLICT (batch_id, order_id) DO UPDATE SET reason = excluded.reason",
                &[&batch.0, &s.order_id.to_string(), &s.reason.as_str()],
            )
            .await
            .map_err(|e| self.db(e))?;
        }
        tx.commit().await.map_err(|e| self.db(e))
    }

    pub(crate) async fn batch_skips(
        &self,
        batch: BatchId,
    ) -> Result<Vec<SkippedOrder>, JournalError> {
        let client = self.client().await?;
        let rows = client
            .query(
                "SELECT order_id, reason FROM batch_skips WHERE batch_id = $1 ORDER BY seq",
                &[&batch.0],
            )
            .await
            .map_err(|e| self.db(e))?;
        decode_all!(self, rows, |r: &Row| {
            let reason: String = col(r, 1)?;
            Ok(SkippedOrder {
                order_id: order_id_of(&col::<String>(r, 0)?)?,
                reason: NoCourier::parse(&reason)
                    .ok_or_else(|| format!("unknown skip reason `{reason}`"))?,
            })
        })
    }
}

fn order_id_of(s: &str) -> Decode<OrderId> {
    order_id(s)
}
