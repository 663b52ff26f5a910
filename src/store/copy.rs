//! `journal copy --to URL`: a station's own SQLite journal into a shared PostgreSQL one, every
//! table, in one PostgreSQL transaction (all of it or nothing). Rows get new ids there (other
//! stations' rows are there too); each copied row with an id of its own keeps where it came from
//! (`origin`, `origin_id`), so running the copy again finds it instead of adding it twice, and
//! the references between rows (a batch's orders and labels, a print's label, a parcel's
//! shipment) follow the new ids.

use std::collections::HashMap;

use rusqlite::types::Value;
use serde::Serialize;
use tokio_postgres::types::ToSql;

use super::handle::{blocking, Engine};
use super::{Journal, JournalError};

/// What one table's copy did.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct TableCopy {
    pub table: &'static str,
    /// Rows read from the station's journal.
    pub read: u64,
    /// Rows added to the shared journal.
    pub copied: u64,
    /// Rows that were there already (an earlier copy, or the same record from elsewhere).
    pub present: u64,
    /// Rows left out because a row they belong to was not in the station's journal.
    pub orphaned: u64,
}

/// What [`Journal::copy_into`] did, table by table.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct CopyReport {
    pub from: String,
    pub to: String,
    pub tables: Vec<TableCopy>,
}

impl CopyReport {
    /// Rows added, all tables together.
    pub fn copied(&self) -> u64 {
        self.tables.iter().map(|t| t.copied).sum()
    }
}

#[derive(Clone, Copy, PartialEq)]
enum Kind {
    Int,
    Text,
    Bool,
    /// The row's own id (kept as `origin_id`).
    Id,
    RefBatch,
    RefLabel,
    RefShipment,
}

struct Table {
    name: &'static str,
    columns: &'static [(&'static str, Kind)],
    /// Whose ids other tables point at.
    maps: Option<Kind>,
}

use Kind::*;

const TABLES: &[Table] = &[
    Table {
        name: "batches",
        columns: &[
            ("id", Id),
            ("kind", Text),
            ("print_type", Text),
            ("delivery_id", Text),
            ("biz_id", Text),
            ("state", Text),
            ("created_at_ms", Int),
            ("finished_at_ms", Int),
            ("station", Text),
            ("operator", Text),
        ],
        maps: Some(RefBatch),
    },
    Table {
        name: "labels",
        columns: &[
            ("id", Id),
            ("order_id", Text),
            ("delivery_id", Text),
            ("waybill_id", Text),
            ("print_type", Text),
            ("html", Text),
            ("waybill_data", Text),
            ("waybill_status", Int),
            ("batch_id", RefBatch),
            ("fetched_at_ms", Int),
            ("station", Text),
            ("operator", Text),
        ],
        maps: Some(RefLabel),
    },
    Table {
        name: "batch_items",
        columns: &[
            ("batch_id", RefBatch),
            ("position", Int),
            ("order_id", Text),
            ("stage", Text),
            ("add_request", Text),
            ("waybill_id", Text),
            ("label_id", RefLabel),
            ("errcode", Int),
            ("error", Text),
            ("attempts", Int),
            ("updated_at_ms", Int),
        ],
        maps: None,
    },
    Table {
        name: "print_jobs",
        columns: &[
            ("id", Id),
            ("order_id", Text),
            ("waybill_id", Text),
            ("label_id", RefLabel),
            ("printer", Text),
            ("copies", Int),
            ("ok", Bool),
            ("error", Text),
            ("at_ms", Int),
            ("station", Text),
            ("operator", Text),
        ],
        maps: None,
    },
    Table {
        name: "shipments",
        columns: &[
            ("id", Id),
            ("order_id", Text),
            ("waybills", Text),
            ("request", Text),
            ("state", Text),
            ("errcode", Int),
            ("error", Text),
            ("started_at_ms", Int),
            ("finished_at_ms", Int),
            ("owner_pid", Int),
            ("station", Text),
            ("operator", Text),
        ],
        maps: Some(RefShipment),
    },
    Table {
        name: "parcels",
        columns: &[
            ("shipment_id", RefShipment),
            ("order_id", Text),
            ("items", Text),
            ("completes_order", Bool),
        ],
        maps: None,
    },
    Table {
        name: "waybill_cancels",
        columns: &[
            ("id", Id),
            ("order_id", Text),
            ("delivery_id", Text),
            ("waybill_id", Text),
            ("source", Text),
            ("at_ms", Int),
            ("station", Text),
            ("operator", Text),
        ],
        maps: None,
    },
    Table {
        name: "batch_skips",
        columns: &[("batch_id", RefBatch), ("order_id", Text), ("reason", Text)],
        maps: None,
    },
    Table {
        name: "order_cache",
        columns: &[
            ("account", Text),
            ("order_id", Text),
            ("status", Int),
            ("created_unix", Int),
            ("update_unix", Int),
            ("body", Text),
            ("synced_at_ms", Int),
        ],
        maps: None,
    },
    Table {
        name: "order_sync",
        columns: &[
            ("account", Text),
            ("scope", Text),
            ("covered_from", Int),
            ("full_at_ms", Int),
        ],
        maps: None,
    },
    Table {
        name: "order_sync_mark",
        columns: &[("account", Text), ("updated_to", Int)],
        maps: None,
    },
];

/// Rows read from SQLite at a time.
const PAGE: i64 = 500;

/// One value for PostgreSQL, typed by its column.
enum Param {
    Int(Option<i64>),
    Text(Option<String>),
    Bool(Option<bool>),
}

impl Param {
    fn as_sql(&self) -> &(dyn ToSql + Sync) {
        match self {
            Param::Int(v) => v,
            Param::Text(v) => v,
            Param::Bool(v) => v,
        }
    }
}

fn int(v: &Value) -> Option<i64> {
    match v {
        Value::Integer(i) => Some(*i),
        Value::Real(f) => Some(*f as i64),
        Value::Text(t) => t.parse().ok(),
        _ => None,
    }
}

fn text(v: &Value) -> Option<String> {
    match v {
        Value::Text(t) => Some(t.clone()),
        Value::Integer(i) => Some(i.to_string()),
        Value::Real(f) => Some(f.to_string()),
        Value::Blob(b) => Some(String::from_utf8_lossy(b).into_owned()),
        Value::Null => None,
    }
}

impl Journal {
    /// Copies this SQLite journal into the shared PostgreSQL journal `target` (see the module
    /// documentation). Idempotent: a second run copies nothing.
    pub async fn copy_into(&self, target: &Journal) -> Result<CopyReport, JournalError> {
        let Engine::Sqlite(source) = self.engine() else {
            return Err(JournalError::SqliteOnly {
                what: "journal copy (its source)",
                location: self.location().to_string(),
            });
        };
        let Engine::Postgres(pg) = target.engine() else {
            return Err(JournalError::BadUrl {
                location: target.location().to_string(),
                detail: "journal copy copies into a shared PostgreSQL journal".into(),
            });
        };
        let origin = format!(
            "sqlite:{}:{}",
            std::fs::read_to_string("/proc/sys/kernel/hostname")
                .map(|h| h.trim().to_string())
                .unwrap_or_default(),
            source
                .path()
                .canonicalize()
                .unwrap_or_else(|_| source.path().to_path_buf())
                .display()
        );
        let mut client = pg.client().await?;
        let tx = client.transaction().await.map_err(|e| pg.db(e))?;
        let mut maps: HashMap<u8, HashMap<i64, i64>> = HashMap::new();
        let key = |k: Kind| k as u8;
        let mut report = CopyReport {
            from: self.location().to_string(),
            to: target.location().to_string(),
            tables: Vec::new(),
        };
        for table in TABLES {
            let mut done = TableCopy {
                table: table.name,
                read: 0,
                copied: 0,
                present: 0,
                orphaned: 0,
            };
            let names: Vec<&str> = table.columns.iter().map(|(n, _)| *n).collect();
            let has_id = table.columns.iter().any(|(_, k)| *k == Id);
            let mut insert_cols: Vec<String> = names
                .iter()
                .filter(|n| **n != "id")
                .map(|n| n.to_string())
                .collect();
            if has_id {
                insert_cols.push("origin".into());
                insert_cols.push("origin_id".into());
            }
            let placeholders: Vec<String> =
                (1..=insert_cols.len()).map(|i| format!("${i}")).collect();
            let insert = format!(
                "INSERT INTO {} ({}) VALUES ({}) ON CONFLICT DO NOTHING{}",
                table.name,
                insert_cols.join(", "),
                placeholders.join(", "),
                if has_id { " RETURNING id" } else { "" }
            );
            let insert = tx.prepare(&insert).await.map_err(|e| pg.db(e))?;
            let find = format!(
                "SELECT id FROM {} WHERE origin = $1 AND origin_id = $2",
                table.name
            );
            let mut after = i64::MIN;
            loop {
                let select = format!(
                    "SELECT rowid, {} FROM {} WHERE rowid > ?1 ORDER BY rowid LIMIT {PAGE}",
                    names.join(", "),
                    table.name
                );
                let width = names.len() + 1;
                let rows: Vec<Vec<Value>> = blocking(source, move |j| {
                    j.read(|c| {
                        let mut stmt = c.prepare(&select)?;
                        let rows = stmt.query_map([after], |r| {
                            (0..width).map(|i| r.get::<_, Value>(i)).collect()
                        })?;
                        rows.collect()
                    })
                })
                .await?;
                let Some(last) = rows.last().and_then(|r| int(&r[0])) else {
                    break;
                };
                after = last;
                'row: for row in &rows {
                    done.read += 1;
                    let mut params: Vec<Param> = Vec::with_capacity(insert_cols.len());
                    let mut own_id = None;
                    for ((_, kind), value) in table.columns.iter().zip(&row[1..]) {
                        match kind {
                            Id => own_id = int(value),
                            Int => params.push(Param::Int(int(value))),
                            Text => params.push(Param::Text(text(value))),
                            Bool => params.push(Param::Bool(int(value).map(|i| i != 0))),
                            RefBatch | RefLabel | RefShipment => {
                                let old = int(value);
                                let new = old.and_then(|o| {
                                    maps.get(&key(*kind)).and_then(|m| m.get(&o)).copied()
                                });
                                if old.is_some() && new.is_none() && !nullable(table.name, kind) {
                                    done.orphaned += 1;
                                    continue 'row;
                                }
                                params.push(Param::Int(new));
                            }
                        }
                    }
                    if has_id {
                        params.push(Param::Text(Some(origin.clone())));
                        params.push(Param::Int(own_id));
                    }
                    let refs: Vec<&(dyn ToSql + Sync)> = params.iter().map(Param::as_sql).collect();
                    let inserted: Option<i64> = if has_id {
                        tx.query_opt(&insert, &refs)
                            .await
                            .map_err(|e| pg.db(e))?
                            .map(|r| r.get(0))
                    } else {
                        let n = tx.execute(&insert, &refs).await.map_err(|e| pg.db(e))?;
                        (n > 0).then_some(0)
                    };
                    let new_id = match inserted {
                        Some(id) => {
                            done.copied += 1;
                            Some(id)
                        }
                        None => {
                            done.present += 1;
                            if has_id {
                                tx.query_opt(&find, &[&origin, &own_id])
                                    .await
                                    .map_err(|e| pg.db(e))?
                                    .map(|r| r.get::<_, i64>(0))
                            } else {
                                None
                            }
                        }
                    };
                    if let (Some(kind), Some(old), Some(new)) = (table.maps, own_id, new_id) {
                        maps.entry(key(kind)).or_default().insert(old, new);
                    }
                }
            }
            report.tables.push(done);
        }
        tx.commit().await.map_err(|e| pg.db(e))?;
        Ok(report)
    }
}

/// Whether a reference column may be left empty when what it points at is missing.
fn nullable(table: &str, kind: &Kind) -> bool {
    matches!(
        (table, kind),
        ("labels", RefBatch) | ("batch_items", RefLabel) | ("print_jobs", RefLabel)
    )
}
