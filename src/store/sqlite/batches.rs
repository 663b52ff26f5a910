//! Label batches in SQLite.

use rusqlite::{params, OptionalExtension, Row};

use super::records::{insert_label, parse_order_id};
use super::SqliteJournal;
use crate::store::batches::{BatchId, BatchInfo, BatchItem, BatchState, ItemStage, NewBatch};
use crate::store::records::{check_label_size, parse_print_type, print_type_str};
use crate::store::{now_ms, Actor, JournalError};
use crate::wechat::logistics::Label;
use crate::wechat::{DeliveryId, OrderId, WaybillId};

fn conversion(msg: &str) -> rusqlite::Error {
    rusqlite::Error::FromSqlConversionFailure(0, rusqlite::types::Type::Text, msg.into())
}

const ITEM_COLUMNS: &str = "batch_id, position, order_id, stage, add_request, waybill_id, label_id,
    errcode, error, attempts";

fn item_from_row(r: &Row<'_>) -> rusqlite::Result<BatchItem> {
    let add: Option<String> = r.get(4)?;
    Ok(BatchItem {
        batch_id: BatchId(r.get(0)?),
        position: r.get(1)?,
        order_id: parse_order_id(&r.get::<_, String>(2)?)?,
        stage: ItemStage::parse(&r.get::<_, String>(3)?).ok_or_else(|| conversion("stage"))?,
        add_request: add
            .map(|a| serde_json::from_str(&a))
            .transpose()
            .map_err(|_| conversion("add_request"))?,
        waybill_id: r.get::<_, Option<String>>(5)?.map(WaybillId),
        label_id: r.get(6)?,
        errcode: r.get(7)?,
        error: r.get(8)?,
        attempts: r.get(9)?,
    })
}

const BATCH_QUERY: &str = "SELECT b.id, b.print_type, b.delivery_id, b.biz_id, b.state,
    b.created_at_ms, b.finished_at_ms, b.station, b.operator,
    (SELECT count(*) FROM batch_items i WHERE i.batch_id = b.id),
    (SELECT count(*) FROM batch_items i WHERE i.batch_id = b.id AND i.stage = 'done'),
    (SELECT count(*) FROM batch_items i WHERE i.batch_id = b.id AND i.stage != 'done'
        AND i.error IS NOT NULL)
    FROM batches b";

fn batch_from_row(r: &Row<'_>) -> rusqlite::Result<BatchInfo> {
    Ok(BatchInfo {
        id: BatchId(r.get(0)?),
        print_type: parse_print_type(&r.get::<_, String>(1)?)
            .ok_or_else(|| conversion("print type"))?,
        delivery_id: DeliveryId(r.get(2)?),
        biz_id: r.get(3)?,
        state: BatchState::parse(&r.get::<_, String>(4)?).ok_or_else(|| conversion("state"))?,
        created_at_ms: r.get(5)?,
        finished_at_ms: r.get(6)?,
        station: r.get(7)?,
        operator: r.get(8)?,
        total: r.get(9)?,
        done: r.get(10)?,
        failed: r.get(11)?,
    })
}

impl SqliteJournal {
    /// Records a new batch and all its orders in one transaction, before anything is fetched.
    /// An order listed twice is kept once.
    pub fn create_batch(&self, actor: &Actor, batch: &NewBatch) -> Result<BatchId, JournalError> {
        self.write(|tx| {
            let now = now_ms();
            tx.execute(
                "INSERT INTO batches (print_type, delivery_id, biz_id, state, created_at_ms,
                     station, operator) VALUES (?1, ?2, ?3, 'open', ?4, ?5, ?6)",
                params![
                    print_type_str(batch.print_type),
                    batch.delivery_id.0,
                    batch.biz_id,
                    now,
                    actor.station,
                    actor.operator
                ],
            )?;
            let id = tx.last_insert_rowid();
            let mut insert = tx.prepare(
                "INSERT OR IGNORE INTO batch_items (batch_id, position, order_id, stage,
                     add_request, waybill_id, updated_at_ms) VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7)",
            )?;
            for (position, item) in batch.items.iter().enumerate() {
                let stage = if item.waybill_id.is_some() {
                    ItemStage::Waybill
                } else {
                    ItemStage::Pending
                };
                insert.execute(params![
                    id,
                    i64::try_from(position).unwrap_or(i64::MAX),
                    item.order_id.to_string(),
                    stage.as_str(),
                    item.add_request.as_ref().map(|v| v.to_string()),
                    item.waybill_id.as_ref().map(|w| w.0.as_str()),
                    now
                ])?;
            }
            Ok(BatchId(id))
        })
    }

    /// A batch with its counts.
    pub fn batch(&self, id: BatchId) -> Result<Option<BatchInfo>, JournalError> {
        self.read(|c| {
            c.query_row(
                &format!("{BATCH_QUERY} WHERE b.id = ?1"),
                [id.0],
                batch_from_row,
            )
            .optional()
        })
    }

    /// Batches still open (some orders not done), oldest first: what to offer to resume.
    pub fn unfinished_batches(&self) -> Result<Vec<BatchInfo>, JournalError> {
        self.read(|c| {
            let mut stmt = c.prepare(&format!(
                "{BATCH_QUERY} WHERE b.state = 'open' ORDER BY b.id"
            ))?;
            let rows = stmt.query_map([], batch_from_row)?;
            rows.collect()
        })
    }

    /// The latest batches, newest first.
    pub fn recent_batches(&self, limit: u32) -> Result<Vec<BatchInfo>, JournalError> {
        self.read(|c| {
            let mut stmt = c.prepare(&format!("{BATCH_QUERY} ORDER BY b.id DESC LIMIT ?1"))?;
            let rows = stmt.query_map([limit], batch_from_row)?;
            rows.collect()
        })
    }

    /// The orders of a batch in their original order; `unfinished_only` leaves out done ones.
    pub fn batch_items(
        &self,
        id: BatchId,
        unfinished_only: bool,
    ) -> Result<Vec<BatchItem>, JournalError> {
        self.read(|c| {
            let filter = if unfinished_only {
                "AND stage != 'done'"
            } else {
                ""
            };
            let mut stmt = c.prepare(&format!(
                "SELECT {ITEM_COLUMNS} FROM batch_items WHERE batch_id = ?1 {filter} ORDER BY position"
            ))?;
            let rows = stmt.query_map([id.0], item_from_row)?;
            rows.collect()
        })
    }

    /// Marks orders as about to be sent to `order/add` (before sending, so that a crash leaves
    /// them `adding`, and a resume looks their waybill up instead of creating a second one).
    pub fn mark_adding(&self, id: BatchId, orders: &[OrderId]) -> Result<(), JournalError> {
        self.write(|tx| {
            let mut stmt = tx.prepare(
                "UPDATE batch_items SET stage = 'adding', attempts = attempts + 1,
                     updated_at_ms = ?3 WHERE batch_id = ?1 AND order_id = ?2 AND stage = 'pending'",
            )?;
            let now = now_ms();
            for o in orders {
                stmt.execute(params![id.0, o.to_string(), now])?;
            }
            Ok(())
        })
    }

    /// Records the waybill of an order (created or found): its label is next.
    pub fn set_item_waybill(
        &self,
        id: BatchId,
        order_id: OrderId,
        waybill_id: &WaybillId,
    ) -> Result<(), JournalError> {
        self.write(|tx| {
            tx.execute(
                "UPDATE batch_items SET stage = 'waybill', waybill_id = ?3, errcode = NULL,
                     error = NULL, updated_at_ms = ?4
                 WHERE batch_id = ?1 AND order_id = ?2 AND stage != 'done'",
                params![id.0, order_id.to_string(), waybill_id.0, now_ms()],
            )
            .map(|_| ())
        })
    }

    /// Records a failure of an order and the stage it is left in (`Pending` when WeChat surely
    /// did not create a waybill, `Adding` when that is unknown, `Waybill` when only the label
    /// failed).
    pub fn set_item_failed(
        &self,
        id: BatchId,
        order_id: OrderId,
        stage: ItemStage,
        errcode: Option<i64>,
        error: &str,
    ) -> Result<(), JournalError> {
        self.write(|tx| {
            tx.execute(
                "UPDATE batch_items SET stage = ?3, errcode = ?4, error = ?5, updated_at_ms = ?6
                 WHERE batch_id = ?1 AND order_id = ?2 AND stage != 'done'",
                params![
                    id.0,
                    order_id.to_string(),
                    stage.as_str(),
                    errcode,
                    error,
                    now_ms()
                ],
            )
            .map(|_| ())
        })
    }

    /// Records fetched labels and marks their orders done, all in one transaction. Returns the
    /// label ids in the same order. An order already done is left alone (its id is `None`).
    pub fn complete_items(
        &self,
        actor: &Actor,
        id: BatchId,
        labels: &[(OrderId, &Label)],
    ) -> Result<Vec<Option<i64>>, JournalError> {
        for (order_id, label) in labels {
            check_label_size(*order_id, label)?;
        }
        self.write(|tx| {
            let mut out = Vec::with_capacity(labels.len());
            for (order_id, label) in labels {
                let stage: Option<String> = tx
                    .query_row(
                        "SELECT stage FROM batch_items WHERE batch_id = ?1 AND order_id = ?2",
                        params![id.0, order_id.to_string()],
                        |r| r.get(0),
                    )
                    .optional()?;
                if stage.as_deref() == Some("done") {
                    out.push(None);
                    continue;
                }
                let label_id = insert_label(tx, actor, *order_id, label, Some(id))?;
                tx.execute(
                    "UPDATE batch_items SET stage = 'done', waybill_id = ?3, label_id = ?4,
                         errcode = NULL, error = NULL, updated_at_ms = ?5
                     WHERE batch_id = ?1 AND order_id = ?2",
                    params![
                        id.0,
                        order_id.to_string(),
                        label.waybill_id.0,
                        label_id,
                        now_ms()
                    ],
                )?;
                out.push(Some(label_id));
            }
            Ok(out)
        })
    }

    /// Marks the batch finished when every order is done. Returns whether it is.
    pub fn finish_batch_if_done(&self, id: BatchId) -> Result<bool, JournalError> {
        self.write(|tx| {
            let left: i64 = tx.query_row(
                "SELECT count(*) FROM batch_items WHERE batch_id = ?1 AND stage != 'done'",
                [id.0],
                |r| r.get(0),
            )?;
            if left == 0 {
                tx.execute(
                    "UPDATE batches SET state = 'finished', finished_at_ms = ?2
                     WHERE id = ?1 AND state = 'open'",
                    params![id.0, now_ms()],
                )?;
            }
            Ok(left == 0)
        })
    }

    /// Gives a batch up: it no longer shows as unfinished. Its recorded labels stay.
    pub fn abandon_batch(&self, id: BatchId) -> Result<(), JournalError> {
        self.write(|tx| {
            tx.execute(
                "UPDATE batches SET state = 'abandoned', finished_at_ms = ?2
                 WHERE id = ?1 AND state = 'open'",
                params![id.0, now_ms()],
            )
            .map(|_| ())
        })
    }
}
