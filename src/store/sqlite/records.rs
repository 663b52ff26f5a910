//! Labels, print jobs and shipment attempts in SQLite.

use rusqlite::{params, OptionalExtension, Row};

use super::SqliteJournal;
use crate::store::batches::BatchId;
use crate::store::records::{
    check_label_size, parse_print_type, print_type_str, process_alive, HistoryEntry, LabelSummary,
    NewPrintRecord, PrintRecord, ShipAttemptState, ShipClaim, ShipmentRecord, StoredLabel,
    STALE_SENDING_MS,
};
use crate::store::{now_ms, Actor, JournalError};
use crate::wechat::delivery::WaybillRef;
use crate::wechat::logistics::Label;
use crate::wechat::{DeliveryId, OrderId, WaybillId};

/// Stored order ids are decimal text (they exceed what SQLite's INTEGER holds for every u64).
pub(crate) fn parse_order_id(s: &str) -> rusqlite::Result<OrderId> {
    s.parse::<OrderId>().map_err(|e| {
        rusqlite::Error::FromSqlConversionFailure(0, rusqlite::types::Type::Text, e.into())
    })
}

fn conversion(e: impl std::error::Error + Send + Sync + 'static) -> rusqlite::Error {
    rusqlite::Error::FromSqlConversionFailure(0, rusqlite::types::Type::Text, Box::new(e))
}

fn bad(what: &str) -> rusqlite::Error {
    rusqlite::Error::FromSqlConversionFailure(
        0,
        rusqlite::types::Type::Text,
        format!("unknown {what}").into(),
    )
}

pub(crate) fn insert_label(
    tx: &rusqlite::Transaction<'_>,
    actor: &Actor,
    order_id: OrderId,
    label: &Label,
    batch: Option<BatchId>,
) -> rusqlite::Result<i64> {
    let data = serde_json::to_string(&label.waybill_data).map_err(conversion)?;
    // Cached: a chunk of labels is a hundred of these in one transaction.
    tx.prepare_cached(
        "INSERT INTO labels (order_id, delivery_id, waybill_id, print_type, html, waybill_data,
             waybill_status, batch_id, fetched_at_ms, station, operator)
         VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11)",
    )?
    .execute(params![
        order_id.to_string(),
        label.delivery_id.0,
        label.waybill_id.0,
        print_type_str(label.print_type),
        label.html,
        data,
        label.order_status,
        batch.map(|b| b.0),
        now_ms(),
        actor.station,
        actor.operator,
    ])?;
    Ok(tx.last_insert_rowid())
}

const LABEL_COLUMNS: &str = "id, order_id, delivery_id, waybill_id, print_type, html, waybill_data,
    waybill_status, batch_id, fetched_at_ms, station, operator";

fn label_from_row(r: &Row<'_>) -> rusqlite::Result<StoredLabel> {
    let data: String = r.get(6)?;
    Ok(StoredLabel {
        id: r.get(0)?,
        order_id: parse_order_id(&r.get::<_, String>(1)?)?,
        delivery_id: DeliveryId(r.get(2)?),
        waybill_id: WaybillId(r.get(3)?),
        print_type: parse_print_type(&r.get::<_, String>(4)?).ok_or_else(|| bad("print type"))?,
        html: r.get(5)?,
        waybill_data: serde_json::from_str(&data).map_err(conversion)?,
        waybill_status: r.get(7)?,
        batch_id: r.get::<_, Option<i64>>(8)?.map(BatchId),
        fetched_at_ms: r.get(9)?,
        station: r.get(10)?,
        operator: r.get(11)?,
    })
}

const SHIPMENT_COLUMNS: &str = "id, order_id, waybills, request, state, errcode, error,
    started_at_ms, finished_at_ms, station, operator";

fn shipment_from_row(r: &Row<'_>) -> rusqlite::Result<ShipmentRecord> {
    let waybills: String = r.get(2)?;
    let request: Option<String> = r.get(3)?;
    Ok(ShipmentRecord {
        id: r.get(0)?,
        order_id: parse_order_id(&r.get::<_, String>(1)?)?,
        waybills: serde_json::from_str(&waybills).map_err(conversion)?,
        request: request
            .map(|s| serde_json::from_str(&s))
            .transpose()
            .map_err(conversion)?,
        state: ShipAttemptState::parse(&r.get::<_, String>(4)?)
            .ok_or_else(|| bad("shipment state"))?,
        errcode: r.get(5)?,
        error: r.get(6)?,
        started_at_ms: r.get(7)?,
        finished_at_ms: r.get(8)?,
        station: r.get(9)?,
        operator: r.get(10)?,
    })
}

impl SqliteJournal {
    /// Records a fetched label (outside a batch). Returns its id.
    pub fn record_label(
        &self,
        actor: &Actor,
        order_id: OrderId,
        label: &Label,
    ) -> Result<i64, JournalError> {
        check_label_size(order_id, label)?;
        self.write(|tx| insert_label(tx, actor, order_id, label, None))
    }

    /// Records fetched labels (outside a batch) in one transaction: all of them or none.
    /// Returns their ids, in order.
    pub fn record_labels(
        &self,
        actor: &Actor,
        labels: &[(OrderId, &Label)],
    ) -> Result<Vec<i64>, JournalError> {
        for (order_id, label) in labels {
            check_label_size(*order_id, label)?;
        }
        self.write(|tx| {
            labels
                .iter()
                .map(|(order_id, label)| insert_label(tx, actor, *order_id, label, None))
                .collect()
        })
    }

    /// The most recent label of an order, for a reprint without network.
    pub fn latest_label(&self, order_id: OrderId) -> Result<Option<StoredLabel>, JournalError> {
        self.read(|c| {
            c.query_row(
                &format!(
                    "SELECT {LABEL_COLUMNS} FROM labels WHERE order_id = ?1 ORDER BY id DESC LIMIT 1"
                ),
                [order_id.to_string()],
                label_from_row,
            )
            .optional()
        })
    }

    /// A label by id.
    pub fn label(&self, id: i64) -> Result<Option<StoredLabel>, JournalError> {
        self.read(|c| {
            c.query_row(
                &format!("SELECT {LABEL_COLUMNS} FROM labels WHERE id = ?1"),
                [id],
                label_from_row,
            )
            .optional()
        })
    }

    /// How many labels the journal holds for an order.
    pub fn label_count(&self, order_id: OrderId) -> Result<u64, JournalError> {
        self.read(|c| {
            c.query_row(
                "SELECT count(*) FROM labels WHERE order_id = ?1",
                [order_id.to_string()],
                |r| r.get::<_, i64>(0),
            )
        })
        .map(|n| u64::try_from(n).unwrap_or(0))
    }

    /// The waybill of the order's latest label with this courier that was not cancelled.
    pub fn known_waybill(
        &self,
        order_id: OrderId,
        delivery_id: &DeliveryId,
    ) -> Result<Option<WaybillId>, JournalError> {
        self.read(|c| {
            c.query_row(
                "SELECT waybill_id FROM labels WHERE order_id = ?1 AND delivery_id = ?2
                     AND waybill_status = 0 ORDER BY id DESC LIMIT 1",
                params![order_id.to_string(), delivery_id.0],
                |r| r.get::<_, String>(0),
            )
            .optional()
            .map(|w| w.map(WaybillId))
        })
    }

    /// Records a print job (successful or not). Returns its id.
    pub fn record_print(&self, actor: &Actor, job: &NewPrintRecord) -> Result<i64, JournalError> {
        self.write(|tx| {
            tx.execute(
                "INSERT INTO print_jobs (order_id, waybill_id, label_id, printer, copies, ok,
                     error, at_ms, station, operator)
                 VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10)",
                params![
                    job.order_id.to_string(),
                    job.waybill_id.0,
                    job.label_id,
                    job.printer,
                    job.copies,
                    job.result.is_ok(),
                    job.result.as_ref().err(),
                    now_ms(),
                    actor.station,
                    actor.operator,
                ],
            )?;
            Ok(tx.last_insert_rowid())
        })
    }

    /// Asks to ship an order, atomically across every process using this journal: an order the
    /// journal records as shipped gets [`ShipClaim::AlreadyShipped`]; one with a live attempt
    /// elsewhere gets [`ShipClaim::InFlight`]; otherwise a `sending` attempt is recorded and
    /// [`ShipClaim::Go`] returned. A `sending` attempt whose process is gone (or that is older
    /// than two minutes) is marked `interrupted` and superseded.
    pub fn claim_shipment(
        &self,
        actor: &Actor,
        order_id: OrderId,
        waybills: &[WaybillRef],
    ) -> Result<ShipClaim, JournalError> {
        let waybills =
            serde_json::to_string(waybills).map_err(|e| self.bad_record(e.to_string()))?;
        let id = order_id.to_string();
        self.write(|tx| {
            let shipped = tx
                .query_row(
                    &format!(
                        "SELECT {SHIPMENT_COLUMNS} FROM shipments WHERE order_id = ?1
                         AND state IN ('shipped', 'already_shipped', 'confirmed_on_reread')
                         AND id NOT IN (SELECT shipment_id FROM parcels WHERE completes_order = 0)
                         ORDER BY id DESC LIMIT 1"
                    ),
                    [&id],
                    shipment_from_row,
                )
                .optional()?;
            if let Some(record) = shipped {
                return Ok(ShipClaim::AlreadyShipped(record));
            }
            let in_flight = tx
                .query_row(
                    &format!(
                        "SELECT {SHIPMENT_COLUMNS}, owner_pid FROM shipments
                         WHERE order_id = ?1 AND state = 'sending'"
                    ),
                    [&id],
                    |r| Ok((shipment_from_row(r)?, r.get::<_, i64>(11)?)),
                )
                .optional()?;
            if let Some((record, pid)) = in_flight {
                let same_station = record.station == actor.station;
                let dead = same_station && !process_alive(pid);
                // Saturating: a start time from a hand-edited or damaged record must not overflow.
                let stale = now_ms().saturating_sub(record.started_at_ms) > STALE_SENDING_MS;
                if !(dead || stale) {
                    return Ok(ShipClaim::InFlight(record));
                }
                tx.execute(
                    "UPDATE shipments SET state = 'interrupted', finished_at_ms = ?2,
                         error = 'the process sending it stopped before recording the answer'
                     WHERE id = ?1",
                    params![record.id, now_ms()],
                )?;
            }
            tx.execute(
                "INSERT INTO shipments (order_id, waybills, state, started_at_ms, owner_pid,
                     station, operator)
                 VALUES (?1, ?2, 'sending', ?3, ?4, ?5, ?6)",
                params![
                    id,
                    waybills,
                    now_ms(),
                    std::process::id(),
                    actor.station,
                    actor.operator
                ],
            )?;
            Ok(ShipClaim::Go {
                attempt_id: tx.last_insert_rowid(),
            })
        })
    }

    /// Stores the `delivery/send` body of an attempt before it is sent.
    pub fn set_shipment_request(
        &self,
        attempt_id: i64,
        request: &serde_json::Value,
    ) -> Result<(), JournalError> {
        let text = request.to_string();
        self.write(|tx| {
            tx.execute(
                "UPDATE shipments SET request = ?2 WHERE id = ?1",
                params![attempt_id, text],
            )
            .map(|_| ())
        })
    }

    /// Ends an attempt with its outcome.
    pub fn finish_shipment(
        &self,
        attempt_id: i64,
        state: ShipAttemptState,
        errcode: Option<i64>,
        error: Option<&str>,
    ) -> Result<(), JournalError> {
        self.write(|tx| {
            tx.execute(
                "UPDATE shipments SET state = ?2, errcode = ?3, error = ?4, finished_at_ms = ?5
                 WHERE id = ?1",
                params![attempt_id, state.as_str(), errcode, error, now_ms()],
            )
            .map(|_| ())
        })
    }

    /// The attempt that shipped the order, if the journal knows of one ("is this order shipped").
    pub fn shipped(&self, order_id: OrderId) -> Result<Option<ShipmentRecord>, JournalError> {
        self.read(|c| {
            c.query_row(
                &format!(
                    "SELECT {SHIPMENT_COLUMNS} FROM shipments WHERE order_id = ?1
                     AND state IN ('shipped', 'already_shipped', 'confirmed_on_reread')
                         AND id NOT IN (SELECT shipment_id FROM parcels WHERE completes_order = 0)
                     ORDER BY id DESC LIMIT 1"
                ),
                [order_id.to_string()],
                shipment_from_row,
            )
            .optional()
        })
    }

    /// Every shipment attempt of an order, oldest first.
    pub fn shipments(&self, order_id: OrderId) -> Result<Vec<ShipmentRecord>, JournalError> {
        self.read(|c| {
            let mut stmt = c.prepare(&format!(
                "SELECT {SHIPMENT_COLUMNS} FROM shipments WHERE order_id = ?1 ORDER BY id"
            ))?;
            let rows = stmt.query_map([order_id.to_string()], shipment_from_row)?;
            rows.collect()
        })
    }

    /// Everything the journal knows about an order — labels, print jobs, shipment attempts —
    /// oldest first.
    pub fn order_history(&self, order_id: OrderId) -> Result<Vec<HistoryEntry>, JournalError> {
        let id = order_id.to_string();
        let mut entries = self.read(|c| {
            let mut out = Vec::new();
            let mut stmt = c.prepare(
                "SELECT id, delivery_id, waybill_id, print_type, batch_id, fetched_at_ms, station,
                     operator FROM labels WHERE order_id = ?1 ORDER BY id",
            )?;
            let labels = stmt.query_map([&id], |r| {
                Ok(HistoryEntry::Label(LabelSummary {
                    id: r.get(0)?,
                    delivery_id: DeliveryId(r.get(1)?),
                    waybill_id: WaybillId(r.get(2)?),
                    print_type: parse_print_type(&r.get::<_, String>(3)?)
                        .ok_or_else(|| bad("print type"))?,
                    batch_id: r.get::<_, Option<i64>>(4)?.map(BatchId),
                    fetched_at_ms: r.get(5)?,
                    station: r.get(6)?,
                    operator: r.get(7)?,
                }))
            })?;
            for l in labels {
                out.push(l?);
            }
            let mut stmt = c.prepare(
                "SELECT id, order_id, waybill_id, label_id, printer, copies, ok, error, at_ms,
                     station, operator FROM print_jobs WHERE order_id = ?1 ORDER BY id",
            )?;
            let prints = stmt.query_map([&id], |r| {
                Ok(HistoryEntry::Print(PrintRecord {
                    id: r.get(0)?,
                    order_id: parse_order_id(&r.get::<_, String>(1)?)?,
                    waybill_id: WaybillId(r.get(2)?),
                    label_id: r.get(3)?,
                    printer: r.get(4)?,
                    copies: r.get(5)?,
                    ok: r.get(6)?,
                    error: r.get(7)?,
                    at_ms: r.get(8)?,
                    station: r.get(9)?,
                    operator: r.get(10)?,
                }))
            })?;
            for p in prints {
                out.push(p?);
            }
            Ok(out)
        })?;
        entries.extend(
            self.shipments(order_id)?
                .into_iter()
                .map(HistoryEntry::Shipment),
        );
        entries.sort_by_key(HistoryEntry::at_ms);
        Ok(entries)
    }
}
