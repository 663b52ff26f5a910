//! Salvage: copying every record that can still be read out of a damaged journal into a new,
//! empty one. SQLite's own `.recover` needs a `sqlite3` shell built with it (Debian 12's
//! 3.40.1 answers "SQL logic error"), so the app does it itself: row by row through each
//! table's rowids, stepping over the ranges whose pages are damaged.

use std::path::{Path, PathBuf};

use rusqlite::types::Value;
use rusqlite::{params_from_iter, Connection, ErrorCode, OpenFlags, OptionalExtension};
use serde::Serialize;

use super::{map_error, SqliteJournal};
use crate::store::JournalError;

/// What was copied out of one table.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct TableSalvage {
    pub table: String,
    /// Rows copied into the new journal.
    pub copied: u64,
    /// Rows that could not be read (rowids skipped over damaged pages, rows whose contents
    /// are damaged or no longer valid), as far as can be told.
    pub unreadable: u64,
    /// True when the table itself could not be found or read at all.
    pub lost: bool,
}

/// What [`Journal::salvage_from`] did.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct SalvageReport {
    pub from: PathBuf,
    pub tables: Vec<TableSalvage>,
    /// Batch orders recorded as done whose label did not survive: set back to be fetched
    /// again (`batch resume`).
    pub reopened_items: u64,
}

impl SalvageReport {
    /// Rows copied, all tables together.
    pub fn copied(&self) -> u64 {
        self.tables.iter().map(|t| t.copied).sum()
    }
}

/// Lookups that may fail on one damaged range before the table is given up on.
const MAX_PROBES_PER_GAP: u32 = 128;

impl SqliteJournal {
    /// Copies every record that can still be read from the damaged journal file `damaged` into
    /// this journal, which must be empty (a new one, started after the damaged file was moved
    /// aside). The damaged file is opened read-only and never written. Row ids are kept, so a
    /// batch's orders still point at their labels; a batch order whose label was lost is set
    /// back to be fetched again.
    pub fn salvage_from(&self, damaged: &Path) -> Result<SalvageReport, JournalError> {
        let same = match (damaged.canonicalize(), self.path().canonicalize()) {
            (Ok(a), Ok(b)) => a == b,
            _ => false,
        };
        if same {
            return Err(JournalError::SalvageRefused {
                path: self.path().to_path_buf(),
                reason: "that is the journal in use; move the damaged file aside first".into(),
            });
        }
        let old = open_damaged(damaged)?;
        let mut conn = self.lock();
        let map = |e: rusqlite::Error| map_error(self.path(), e);
        let tables: Vec<String> = {
            let mut stmt = conn
                .prepare(
                    "SELECT name FROM sqlite_master WHERE type = 'table'
                     AND name NOT LIKE 'sqlite_%' ORDER BY rootpage",
                )
                .map_err(map)?;
            let rows = stmt.query_map([], |r| r.get(0)).map_err(map)?;
            rows.collect::<rusqlite::Result<_>>().map_err(map)?
        };
        for table in &tables {
            let any: bool = conn
                .query_row(
                    &format!("SELECT EXISTS (SELECT 1 FROM \"{table}\")"),
                    [],
                    |r| r.get(0),
                )
                .map_err(map)?;
            if any {
                return Err(JournalError::SalvageRefused {
                    path: self.path().to_path_buf(),
                    reason: format!(
                        "it already has records (in {table}); salvage into a new journal: move this one aside too, or use another --data-dir"
                    ),
                });
            }
        }
        // References to rows that did not survive must not stop the copy; they are repaired
        // (or left harmless) below. The pragma has no effect inside a transaction.
        conn.pragma_update(None, "foreign_keys", "OFF")
            .map_err(map)?;
        let result = (|| {
            let tx = conn
                .transaction_with_behavior(rusqlite::TransactionBehavior::Immediate)
                .map_err(map)?;
            let mut report = SalvageReport {
                from: damaged.to_path_buf(),
                tables: Vec::new(),
                reopened_items: 0,
            };
            for table in &tables {
                report
                    .tables
                    .push(copy_table(&old, &tx, table).map_err(map)?);
            }
            report.reopened_items = reopen_items_without_label(&tx).map_err(map)?;
            tx.commit().map_err(map)?;
            Ok(report)
        })();
        let restored = conn.pragma_update(None, "foreign_keys", "ON").map_err(map);
        let report = result?;
        restored?;
        Ok(report)
    }
}

/// Opens the damaged file without writing to it: read-only, and if its write-ahead log cannot
/// be used read-only, as an immutable file (what the log held is then not seen).
fn open_damaged(path: &Path) -> Result<Connection, JournalError> {
    let damaged = |detail: String| JournalError::SalvageRefused {
        path: path.to_path_buf(),
        reason: detail,
    };
    if !path.is_file() {
        return Err(damaged("there is no such file".into()));
    }
    let url = url::Url::from_file_path(path.canonicalize().unwrap_or_else(|_| path.to_path_buf()))
        .map_err(|()| damaged("the path cannot be opened".into()))?;
    let flags = OpenFlags::SQLITE_OPEN_READ_ONLY
        | OpenFlags::SQLITE_OPEN_URI
        | OpenFlags::SQLITE_OPEN_NO_MUTEX;
    let mut last = String::new();
    for query in ["mode=ro", "immutable=1"] {
        let uri = format!("{url}?{query}");
        match Connection::open_with_flags(&uri, flags).and_then(|c| {
            c.query_row("SELECT count(*) FROM sqlite_master", [], |r| {
                r.get::<_, i64>(0)
            })?;
            Ok(c)
        }) {
            Ok(c) => return Ok(c),
            Err(e) => last = e.to_string(),
        }
    }
    Err(damaged(format!(
        "its list of tables cannot be read ({last}); nothing can be salvaged from it, restore a backup instead"
    )))
}

/// Column names of `table` on `conn`, or `None` when the table is missing or unreadable.
fn columns(conn: &Connection, table: &str) -> Option<Vec<String>> {
    let mut stmt = conn
        .prepare(&format!("SELECT name FROM pragma_table_info('{table}')"))
        .ok()?;
    let names: Vec<String> = stmt
        .query_map([], |r| r.get(0))
        .ok()?
        .collect::<rusqlite::Result<_>>()
        .ok()?;
    (!names.is_empty()).then_some(names)
}

fn is_damage(e: &rusqlite::Error) -> bool {
    matches!(
        e.sqlite_error_code(),
        Some(ErrorCode::DatabaseCorrupt | ErrorCode::NotADatabase)
    ) || matches!(
        e,
        rusqlite::Error::FromSqlConversionFailure(..) | rusqlite::Error::Utf8Error(..)
    )
}

/// The first readable rowid at or after `from`: `Ok(None)` at the end, `Err` when the lookup
/// runs into a damaged page.
fn next_rowid(old: &Connection, table: &str, from: i64) -> rusqlite::Result<Option<i64>> {
    old.query_row(
        &format!("SELECT rowid FROM \"{table}\" WHERE rowid >= ?1 ORDER BY rowid LIMIT 1"),
        [from],
        |r| r.get(0),
    )
    .optional()
}

fn copy_table(
    old: &Connection,
    new: &rusqlite::Transaction<'_>,
    table: &str,
) -> rusqlite::Result<TableSalvage> {
    let mut out = TableSalvage {
        table: table.to_string(),
        copied: 0,
        unreadable: 0,
        lost: false,
    };
    let (Some(new_columns), Some(old_columns)) = (columns(new, table), columns(old, table)) else {
        out.lost = true;
        return Ok(out);
    };
    // The damaged file may be of an older schema: copy the columns both have.
    let shared: Vec<String> = new_columns
        .into_iter()
        .filter(|c| old_columns.contains(c))
        .collect();
    let list = shared
        .iter()
        .map(|c| format!("\"{c}\""))
        .collect::<Vec<_>>()
        .join(", ");
    let select = format!("SELECT {list} FROM \"{table}\" WHERE rowid = ?1");
    let marks = vec!["?"; shared.len() + 1].join(", ");
    let mut insert = new.prepare(&format!(
        "INSERT INTO \"{table}\" (rowid, {list}) VALUES ({marks})"
    ))?;
    let mut from = i64::MIN;
    let mut previous: Option<i64> = None;
    loop {
        let rowid = match next_rowid(old, table, from) {
            Ok(Some(r)) => r,
            Ok(None) => break,
            Err(e) if is_damage(&e) => match skip_damaged_range(old, table, from) {
                Some(r) => r,
                None => {
                    // Damaged to the end of the table; what lies there cannot be counted.
                    out.unreadable += 1;
                    break;
                }
            },
            Err(e) => return Err(e),
        };
        if let Some(p) = previous {
            out.unreadable += u64::try_from(rowid.saturating_sub(p).saturating_sub(1)).unwrap_or(0);
        }
        previous = Some(rowid);
        let values = old.query_row(&select, [rowid], |r| {
            (0..shared.len())
                .map(|i| r.get::<_, Value>(i))
                .collect::<rusqlite::Result<Vec<Value>>>()
        });
        match values {
            Ok(values) => {
                let row = std::iter::once(Value::Integer(rowid)).chain(values);
                match insert.execute(params_from_iter(row)) {
                    Ok(_) => out.copied += 1,
                    // Garbage that reads as a row but breaks the schema's rules.
                    Err(e) if e.sqlite_error_code() == Some(ErrorCode::ConstraintViolation) => {
                        out.unreadable += 1
                    }
                    Err(e) => return Err(e),
                }
            }
            Err(e) if is_damage(&e) => out.unreadable += 1,
            Err(e) => return Err(e),
        }
        match rowid.checked_add(1) {
            Some(n) => from = n,
            None => break,
        }
    }
    Ok(out)
}

/// After a lookup from `failed` ran into damage: the first rowid past the damaged range that
/// can be read, found by doubling steps and then narrowed down, or `None` if there is none.
fn skip_damaged_range(old: &Connection, table: &str, failed: i64) -> Option<i64> {
    let mut bad = failed;
    let mut step: i64 = 1;
    let mut probes = 0;
    let (good_from, found) = loop {
        probes += 1;
        if probes > MAX_PROBES_PER_GAP {
            return None;
        }
        let probe = bad.checked_add(step)?;
        match next_rowid(old, table, probe) {
            Ok(Some(r)) => break (probe, r),
            Ok(None) => return None,
            Err(_) => {
                bad = probe;
                step = step.saturating_mul(2);
            }
        }
    };
    // Narrow down between the last failing and the first working probe, so as few readable
    // rows as possible are stepped over.
    let (mut lo, mut hi, mut best) = (bad, good_from, found);
    while hi.saturating_sub(lo) > 1 && probes < MAX_PROBES_PER_GAP * 2 {
        probes += 1;
        let mid = lo + (hi - lo) / 2;
        match next_rowid(old, table, mid) {
            Ok(Some(r)) => {
                hi = mid;
                best = best.min(r);
            }
            _ => lo = mid,
        }
    }
    Some(best)
}

/// Batch orders recorded as done whose label was not salvaged go back to "waybill known,
/// label to fetch", and their batches are open again, so `batch resume` fetches them.
fn reopen_items_without_label(tx: &rusqlite::Transaction<'_>) -> rusqlite::Result<u64> {
    let n = tx.execute(
        "UPDATE batch_items SET stage = 'waybill', label_id = NULL,
             error = 'the journal was damaged and this label could not be salvaged; fetch it again'
         WHERE stage = 'done' AND waybill_id IS NOT NULL
           AND (label_id IS NULL OR label_id NOT IN (SELECT id FROM labels))",
        [],
    )?;
    tx.execute(
        "UPDATE batches SET state = 'open', finished_at_ms = NULL
         WHERE state = 'finished'
           AND id IN (SELECT batch_id FROM batch_items WHERE stage != 'done')",
        [],
    )?;
    Ok(n as u64)
}
