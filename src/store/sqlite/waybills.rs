//! Cancelled waybills, parcels and batch skips in SQLite.

use rusqlite::{params, OptionalExtension};

use super::records::parse_order_id;
use super::SqliteJournal;
use crate::store::batches::BatchId;
use crate::store::waybills::{CancelSource, CancelledWaybill, ParcelRecord, SkippedOrder};
use crate::store::{now_ms, Actor, JournalError};
use crate::wechat::order::{NoCourier, ParcelItem};
use crate::wechat::{DeliveryId, OrderId, WaybillId};

fn to_sql_error(e: impl std::error::Error + Send + Sync + 'static) -> rusqlite::Error {
    rusqlite::Error::FromSqlConversionFailure(0, rusqlite::types::Type::Text, Box::new(e))
}

fn unknown(what: &str, value: &str) -> rusqlite::Error {
    rusqlite::Error::FromSqlConversionFailure(
        0,
        rusqlite::types::Type::Text,
        format!("unknown {what} `{value}`").into(),
    )
}

impl SqliteJournal {
    /// Records that a waybill is cancelled (once; a second record of the same waybill keeps the
    /// first).
    pub fn record_waybill_cancel(
        &self,
        actor: &Actor,
        order_id: OrderId,
        delivery_id: &DeliveryId,
        waybill_id: &WaybillId,
        source: CancelSource,
    ) -> Result<(), JournalError> {
        self.write(|tx| {
            tx.execute(
                "INSERT OR IGNORE INTO waybill_cancels (order_id, delivery_id, waybill_id, source,
                     at_ms, station, operator)
                 VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7)",
                params![
                    order_id.to_string(),
                    delivery_id.0,
                    waybill_id.0,
                    source.as_str(),
                    now_ms(),
                    actor.station,
                    actor.operator
                ],
            )
            .map(|_| ())
        })
    }

    /// For each waybill, whether it is known to be cancelled (one lock, one statement).
    pub fn are_waybills_cancelled(
        &self,
        waybills: &[(DeliveryId, WaybillId)],
    ) -> Result<Vec<bool>, JournalError> {
        self.read(|c| {
            let mut stmt = c.prepare_cached(
                "SELECT 1 FROM waybill_cancels WHERE delivery_id = ?1 AND waybill_id = ?2",
            )?;
            waybills
                .iter()
                .map(|(delivery_id, waybill_id)| stmt.exists(params![delivery_id.0, waybill_id.0]))
                .collect()
        })
    }

    /// Whether this waybill is known to be cancelled.
    pub fn is_waybill_cancelled(
        &self,
        delivery_id: &DeliveryId,
        waybill_id: &WaybillId,
    ) -> Result<bool, JournalError> {
        self.read(|c| {
            c.query_row(
                "SELECT 1 FROM waybill_cancels WHERE delivery_id = ?1 AND waybill_id = ?2",
                params![delivery_id.0, waybill_id.0],
                |_| Ok(()),
            )
            .optional()
            .map(|found| found.is_some())
        })
    }

    /// Whether a waybill with this number (any courier) is known to be cancelled; for callers
    /// that only know the number (a scanned label).
    pub fn is_waybill_number_cancelled(
        &self,
        waybill_id: &WaybillId,
    ) -> Result<bool, JournalError> {
        self.read(|c| {
            c.query_row(
                "SELECT 1 FROM waybill_cancels WHERE waybill_id = ?1",
                [&waybill_id.0],
                |_| Ok(()),
            )
            .optional()
            .map(|found| found.is_some())
        })
    }

    /// The cancelled waybills of an order, oldest first.
    pub fn cancelled_waybills(
        &self,
        order_id: OrderId,
    ) -> Result<Vec<CancelledWaybill>, JournalError> {
        self.read(|c| {
            let mut stmt = c.prepare(
                "SELECT order_id, delivery_id, waybill_id, source, at_ms, station, operator
                 FROM waybill_cancels WHERE order_id = ?1 ORDER BY id",
            )?;
            let rows = stmt.query_map([order_id.to_string()], |r| {
                let source: String = r.get(3)?;
                Ok(CancelledWaybill {
                    order_id: parse_order_id(&r.get::<_, String>(0)?)?,
                    delivery_id: DeliveryId(r.get(1)?),
                    waybill_id: WaybillId(r.get(2)?),
                    source: CancelSource::parse(&source)
                        .ok_or_else(|| unknown("cancel source", &source))?,
                    at_ms: r.get(4)?,
                    station: r.get(5)?,
                    operator: r.get(6)?,
                })
            })?;
            rows.collect()
        })
    }

    /// The waybill of the order's latest label with this courier that is neither reported
    /// cancelled in the label nor recorded cancelled since: the one a new label run may reuse.
    pub fn usable_waybill(
        &self,
        order_id: OrderId,
        delivery_id: &DeliveryId,
    ) -> Result<Option<WaybillId>, JournalError> {
        self.read(|c| {
            c.query_row(
                "SELECT l.waybill_id FROM labels l
                 WHERE l.order_id = ?1 AND l.delivery_id = ?2 AND l.waybill_status = 0
                   AND NOT EXISTS (SELECT 1 FROM waybill_cancels w
                                   WHERE w.delivery_id = l.delivery_id
                                     AND w.waybill_id = l.waybill_id)
                 ORDER BY l.id DESC LIMIT 1",
                params![order_id.to_string(), delivery_id.0],
                |r| r.get::<_, String>(0),
            )
            .optional()
            .map(|w| w.map(WaybillId))
        })
    }

    /// Records what a shipment attempt puts in its parcel, before it is sent. A parcel that
    /// leaves part of the order unshipped does not make the journal answer "already shipped"
    /// for the order's next parcel.
    pub fn record_parcel(
        &self,
        shipment_id: i64,
        order_id: OrderId,
        items: &[ParcelItem],
        completes_order: bool,
    ) -> Result<(), JournalError> {
        let text = serde_json::to_string(items).map_err(|e| self.bad_record(e.to_string()))?;
        self.write(|tx| {
            tx.execute(
                "INSERT OR REPLACE INTO parcels (shipment_id, order_id, items, completes_order)
                 VALUES (?1, ?2, ?3, ?4)",
                params![shipment_id, order_id.to_string(), text, completes_order],
            )
            .map(|_| ())
        })
    }

    /// The parcels recorded for an order, oldest first.
    pub fn parcels(&self, order_id: OrderId) -> Result<Vec<ParcelRecord>, JournalError> {
        self.read(|c| {
            let mut stmt = c.prepare(
                "SELECT shipment_id, order_id, items, completes_order FROM parcels
                 WHERE order_id = ?1 ORDER BY shipment_id",
            )?;
            let rows = stmt.query_map([order_id.to_string()], |r| {
                let items: String = r.get(2)?;
                Ok(ParcelRecord {
                    shipment_id: r.get(0)?,
                    order_id: parse_order_id(&r.get::<_, String>(1)?)?,
                    items: serde_json::from_str(&items).map_err(to_sql_error)?,
                    completes_order: r.get(3)?,
                })
            })?;
            rows.collect()
        })
    }

    /// Records the orders a batch left out.
    pub fn record_batch_skips(
        &self,
        batch: BatchId,
        skipped: &[SkippedOrder],
    ) -> Result<(), JournalError> {
        if skipped.is_empty() {
            return Ok(());
        }
        self.write(|tx| {
            for s in skipped {
                tx.execute(
                    "INSERT OR REPLACE INTO batch_skips (batch_id, order_id, reason)
                     VALUES (?1, ?2, ?3)",
                    params![batch.0, s.order_id.to_string(), s.reason.as_str()],
                )?;
            }
            Ok(())
        })
    }

    /// The orders a batch left out, in the order they were recorded.
    pub fn batch_skips(&self, batch: BatchId) -> Result<Vec<SkippedOrder>, JournalError> {
        self.read(|c| {
            let mut stmt = c.prepare(
                "SELECT order_id, reason FROM batch_skips WHERE batch_id = ?1 ORDER BY rowid",
            )?;
            let rows = stmt.query_map([batch.0], |r| {
                let reason: String = r.get(1)?;
                Ok(SkippedOrder {
                    order_id: parse_order_id(&r.get::<_, String>(0)?)?,
                    reason: NoCourier::parse(&reason)
                        .ok_or_else(|| unknown("skip reason", &reason))?,
                })
            })?;
            rows.collect()
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn actor() -> Actor {
        Actor {
            station: "s1".into(),
            operator: "op".into(),
        }
    }

    #[test]
    fn cancels_are_recorded_once_and_found() {
        let dir = tempfile::tempdir().unwrap();
        let j = SqliteJournal::open(dir.path()).unwrap();
        let (d, w) = (DeliveryId("SF".into()), WaybillId("SF1".into()));
        assert!(!j.is_waybill_cancelled(&d, &w).unwrap());
        j.record_waybill_cancel(&actor(), OrderId(7), &d, &w, CancelSource::Cancelled)
            .unwrap();
        j.record_waybill_cancel(&actor(), OrderId(7), &d, &w, CancelSource::SeenCancelled)
            .unwrap();
        assert!(j.is_waybill_cancelled(&d, &w).unwrap());
        assert!(j.is_waybill_number_cancelled(&w).unwrap());
        let list = j.cancelled_waybills(OrderId(7)).unwrap();
        assert_eq!(list.len(), 1);
        assert_eq!(list[0].source, CancelSource::Cancelled);
    }

    #[test]
    fn skips_round_trip() {
        let dir = tempfile::tempdir().unwrap();
        let j = SqliteJournal::open(dir.path()).unwrap();
        let batch = j
            .create_batch(
                &actor(),
                &crate::store::NewBatch {
                    print_type: crate::wechat::PrintType::TwoPart,
                    delivery_id: DeliveryId("SF".into()),
                    biz_id: "b".into(),
                    items: vec![],
                },
            )
            .unwrap();
        let skipped = [
            SkippedOrder {
                order_id: OrderId(u64::MAX),
                reason: NoCourier::SelfPickup,
            },
            SkippedOrder {
                order_id: OrderId(3),
                reason: NoCourier::Virtual,
            },
        ];
        j.record_batch_skips(batch, &skipped).unwrap();
        assert_eq!(j.batch_skips(batch).unwrap(), skipped.to_vec());
    }
}
