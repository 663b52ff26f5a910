//! The SQLite engine of the journal: one file (`journal.sqlite3` in the data directory, WAL
//! mode), one connection behind a mutex, and a thread that checkpoints the log into the file
//! once writes pause. Every call here is synchronous; the [`Journal`] handle runs them under
//! `spawn_blocking`, never on an async worker.
//!
//! [`Journal`]: crate::store::Journal

mod batches;
mod orders;
mod records;
mod salvage;
pub(crate) mod schema;
mod waybills;

use std::path::{Path, PathBuf};
use std::sync::{Arc, Mutex, MutexGuard, OnceLock};
use std::time::Duration;

use rusqlite::{Connection, ErrorCode, OpenFlags};

use super::{JournalError, JOURNAL_FILE};

pub use salvage::{SalvageReport, TableSalvage};

/// `PRAGMA application_id` of a waybill-desk journal ("WBDJ"), so that another program's
/// SQLite file is never mistaken for one and written into.
const APPLICATION_ID: i32 = 0x5742_444A;

/// The SQLite journal of one data directory (cheap to clone: one connection shared).
#[derive(Clone)]
pub struct SqliteJournal {
    conn: Arc<Mutex<Connection>>,
    path: Arc<PathBuf>,
    /// Set once the file is found damaged: from then on every call answers
    /// [`JournalError::Damaged`] without touching the file (writing into a damaged database can
    /// spread the damage).
    damaged: Arc<OnceLock<String>>,
    checkpointer: Arc<Checkpointer>,
}

/// Pages of write-ahead log after which a commit checkpoints by itself (SQLite's default is
/// 1,000): only when the [`Checkpointer`] has not kept up.
const BACKSTOP_CHECKPOINT_PAGES: i64 = 10_000;

/// How long writes must pause before the [`Checkpointer`] checkpoints, and the longest it
/// waits for such a pause while writes go on.
const CHECKPOINT_QUIET: Duration = Duration::from_millis(100);
const CHECKPOINT_AT_MOST_EVERY: Duration = Duration::from_secs(1);

/// Copies the write-ahead log into the journal file on a thread of its own, once writes
/// pause (at least every second while they go on), with its own connection opened for each
/// checkpoint. A PASSIVE checkpoint never blocks the writer or readers, and a commit is
/// already safe in the log before it (the log survives a crash of the process; NORMAL sync
/// fsyncs it at each checkpoint), so nothing waits for it. The thread ends when the last
/// handle on the journal is dropped.
struct Checkpointer {
    wake: Option<std::sync::mpsc::SyncSender<()>>,
}

impl Checkpointer {
    fn start(path: &Path) -> Checkpointer {
        let (wake, woken) = std::sync::mpsc::sync_channel::<()>(1);
        let path = path.to_path_buf();
        let spawned = std::thread::Builder::new()
            .name("journal-checkpoint".into())
            .spawn(move || checkpoint_loop(&path, &woken));
        match spawned {
            Ok(_) => Checkpointer { wake: Some(wake) },
            // Without the thread, SQLite's own checkpoint (the backstop) still runs.
            Err(e) => {
                tracing::warn!(error = %e, "no checkpoint thread for the journal");
                Checkpointer { wake: None }
            }
        }
    }

    /// Called after each commit: never blocks (a wake-up already pending covers this one).
    fn wrote(&self) {
        if let Some(wake) = &self.wake {
            let _ = wake.try_send(());
        }
    }
}

fn checkpoint_loop(path: &Path, woken: &std::sync::mpsc::Receiver<()>) {
    use std::sync::mpsc::RecvTimeoutError;
    while woken.recv().is_ok() {
        let first = std::time::Instant::now();
        loop {
            match woken.recv_timeout(CHECKPOINT_QUIET) {
                Ok(()) if first.elapsed() < CHECKPOINT_AT_MOST_EVERY => continue,
                Ok(()) | Err(RecvTimeoutError::Timeout) => break,
                // The journal was closed: its connection checkpointed as it closed.
                Err(RecvTimeoutError::Disconnected) => return,
            }
        }
        let checkpoint = Connection::open_with_flags(
            path,
            OpenFlags::SQLITE_OPEN_READ_WRITE | OpenFlags::SQLITE_OPEN_NO_MUTEX,
        )
        .and_then(|c| {
            c.busy_timeout(Duration::from_secs(1))?;
            c.query_row("PRAGMA wal_checkpoint(PASSIVE)", [], |_| Ok(()))
        });
        if let Err(e) = checkpoint {
            // The next commit wakes it again; the backstop covers a journal that stays so.
            tracing::debug!(path = %path.display(), error = %e, "journal checkpoint skipped");
        }
    }
}

impl std::fmt::Debug for SqliteJournal {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("SqliteJournal")
            .field("path", &self.path)
            .finish()
    }
}

impl SqliteJournal {
    /// Opens (creating if needed) `data_dir/journal.sqlite3` and brings its schema up to date.
    pub fn open(data_dir: &Path) -> Result<SqliteJournal, JournalError> {
        SqliteJournal::open_creating(&data_dir.join(JOURNAL_FILE))
    }

    /// Opens (creating it and its directory if needed) the journal file at `path`.
    pub fn open_creating(path: &Path) -> Result<SqliteJournal, JournalError> {
        let data_dir = path.parent().unwrap_or(Path::new("."));
        if let Err(source) = std::fs::create_dir_all(data_dir) {
            return Err(if is_read_only_io(&source) {
                JournalError::ReadOnly {
                    path: path.to_path_buf(),
                }
            } else {
                JournalError::CreateDir {
                    path: data_dir.to_path_buf(),
                    source,
                }
            });
        }
        SqliteJournal::open_file(path)
    }

    /// Opens a journal file at an explicit path.
    pub fn open_file(path: &Path) -> Result<SqliteJournal, JournalError> {
        let map = |e: rusqlite::Error| map_error(path, e);
        set_aside_orphaned_log(path);
        let mut conn = Connection::open_with_flags(
            path,
            OpenFlags::SQLITE_OPEN_READ_WRITE
                | OpenFlags::SQLITE_OPEN_CREATE
                | OpenFlags::SQLITE_OPEN_NO_MUTEX,
        )
        .map_err(|e| match e.sqlite_error_code() {
            Some(ErrorCode::CannotOpen) if !dir_is_writable(path) => JournalError::ReadOnly {
                path: path.to_path_buf(),
            },
            _ => map_error(path, e),
        })?;
        conn.busy_timeout(Duration::from_secs(10)).map_err(map)?;
        // SQLite silently opens a write-protected file read-only; the journal must record.
        if conn.is_readonly(rusqlite::MAIN_DB).map_err(map)? {
            return Err(JournalError::ReadOnly {
                path: path.to_path_buf(),
            });
        }
        // Read together under the write lock, so that another process creating the journal at
        // this moment is seen either not at all or completely.
        let (app_id, version, tables) = {
            let tx = conn
                .transaction_with_behavior(rusqlite::TransactionBehavior::Immediate)
                .map_err(map)?;
            let app_id: i32 = tx
                .query_row("PRAGMA application_id", [], |r| r.get(0))
                .map_err(map)?;
            let version = schema::current_version(&tx).map_err(map)?;
            let tables: i64 = tx
                .query_row("SELECT count(*) FROM sqlite_master", [], |r| r.get(0))
                .map_err(map)?;
            tx.commit().map_err(map)?;
            (app_id, version, tables)
        };
        if app_id != 0 && app_id != APPLICATION_ID {
            return Err(JournalError::NotAJournal {
                path: path.to_path_buf(),
                detail: format!(
                    "it is another program's SQLite database (application id {app_id:#x})"
                ),
            });
        }
        if version == 0 && tables > 0 {
            return Err(JournalError::NotAJournal {
                path: path.to_path_buf(),
                detail: "it is an SQLite database with other tables".into(),
            });
        }
        if version > schema::latest_version() {
            return Err(JournalError::TooNew {
                path: path.to_path_buf(),
                found: version,
                known: schema::latest_version(),
            });
        }
        // WAL: readers (the GUI's history view, a second process) never block the writer, and
        // a commit is one append. NORMAL sync in WAL mode survives any process crash (kill -9);
        // a power cut may lose the last commits, which the station redoes (it re-reads the
        // order before shipping, and refetches labels that were not recorded).
        let mode: String = conn
            .query_row("PRAGMA journal_mode = WAL", [], |r| r.get(0))
            .map_err(map)?;
        if !mode.eq_ignore_ascii_case("wal") {
            tracing::warn!(%mode, path = %path.display(), "journal is not in WAL mode");
        }
        conn.pragma_update(None, "synchronous", "NORMAL")
            .map_err(map)?;
        conn.pragma_update(None, "foreign_keys", "ON")
            .map_err(map)?;
        // Checkpoints (copying the log into the file, with two fsyncs) run on a thread of
        // their own (`Checkpointer`), not in the commit of whoever crossed SQLite's 1,000-page
        // mark: a chunk of 100 labels is ~500 pages, so every other chunk's commit paid a
        // checkpoint of ~4 MB. The connection's own checkpoint stays as a backstop should
        // that thread fall far behind.
        conn.pragma_update(None, "wal_autocheckpoint", BACKSTOP_CHECKPOINT_PAGES)
            .map_err(map)?;
        if version == 0 {
            conn.pragma_update(None, "application_id", APPLICATION_ID)
                .map_err(map)?;
        }
        schema::migrate(&mut conn).map_err(map)?;
        Ok(SqliteJournal {
            checkpointer: Arc::new(Checkpointer::start(path)),
            conn: Arc::new(Mutex::new(conn)),
            path: Arc::new(path.to_path_buf()),
            damaged: Arc::new(OnceLock::new()),
        })
    }

    /// The journal file.
    pub fn path(&self) -> &Path {
        &self.path
    }

    /// True once the file was found damaged: every call then answers
    /// [`JournalError::Damaged`] without touching it, so a window can say it once.
    pub fn is_damaged(&self) -> bool {
        self.damaged.get().is_some()
    }

    /// The schema version of the file (equals the latest this build knows once opened).
    pub fn schema_version(&self) -> Result<u32, JournalError> {
        self.read(schema::current_version)
    }

    /// Runs `f` on the connection, mapping its errors. Never held across an `.await`.
    pub(crate) fn read<T>(
        &self,
        f: impl FnOnce(&Connection) -> rusqlite::Result<T>,
    ) -> Result<T, JournalError> {
        self.refuse_if_damaged()?;
        let conn = self.lock();
        f(&conn).map_err(|e| self.error(e))
    }

    /// Runs `f` in one IMMEDIATE transaction: all of it is recorded, or none of it.
    pub(crate) fn write<T>(
        &self,
        f: impl FnOnce(&rusqlite::Transaction<'_>) -> rusqlite::Result<T>,
    ) -> Result<T, JournalError> {
        self.refuse_if_damaged()?;
        let mut conn = self.lock();
        let tx = conn
            .transaction_with_behavior(rusqlite::TransactionBehavior::Immediate)
            .map_err(|e| self.error(e))?;
        let value = f(&tx).map_err(|e| self.error(e))?;
        tx.commit().map_err(|e| self.error(e))?;
        drop(conn);
        self.checkpointer.wrote();
        Ok(value)
    }

    /// Checks every page of the file (`PRAGMA integrity_check`): `Ok(())` when it is sound,
    /// [`JournalError::Damaged`] naming the first problems otherwise. Reads the whole file.
    pub fn check(&self) -> Result<(), JournalError> {
        let problems: Vec<String> = self.read(|c| {
            let mut stmt = c.prepare("PRAGMA integrity_check(20)")?;
            let rows = stmt.query_map([], |r| r.get::<_, String>(0))?;
            rows.collect()
        })?;
        if problems.len() == 1 && problems[0] == "ok" {
            return Ok(());
        }
        // SQLite lists up to 20 problems, some over several lines: name the first two.
        let lines: Vec<&str> = problems
            .iter()
            .flat_map(|p| p.lines())
            .map(str::trim)
            .filter(|l| !l.is_empty() && !l.starts_with("***"))
            .collect();
        let mut detail = format!(
            "integrity check: {}",
            lines.iter().take(2).cloned().collect::<Vec<_>>().join("; ")
        );
        if lines.len() > 2 {
            detail.push_str(&format!(" and {} more problem(s)", lines.len() - 2));
        }
        Err(self.mark_damaged(detail))
    }

    pub(crate) fn error(&self, e: rusqlite::Error) -> JournalError {
        match map_error(&self.path, e) {
            JournalError::Damaged { detail, .. } => self.mark_damaged(detail),
            other => other,
        }
    }

    fn mark_damaged(&self, detail: String) -> JournalError {
        // Not logged here: the error goes back to the caller, which reports it once.
        // The first damage found is the one reported from then on.
        let detail = self.damaged.get_or_init(|| {
            tracing::debug!(path = %self.path.display(), %detail, "journal marked damaged");
            detail
        });
        JournalError::Damaged {
            path: self.path.to_path_buf(),
            detail: detail.clone(),
        }
    }

    fn refuse_if_damaged(&self) -> Result<(), JournalError> {
        match self.damaged.get() {
            Some(detail) => Err(self.mark_damaged(detail.clone())),
            None => Ok(()),
        }
    }

    pub(crate) fn bad_record(&self, detail: impl Into<String>) -> JournalError {
        JournalError::BadRecord {
            path: self.path.to_path_buf(),
            detail: detail.into(),
        }
    }

    fn lock(&self) -> MutexGuard<'_, Connection> {
        // A panic while holding the lock cannot leave a half transaction behind (it rolls
        // back on drop), so a poisoned lock is safe to keep using.
        self.conn
            .lock()
            .unwrap_or_else(|poisoned| poisoned.into_inner())
    }
}

/// A write-ahead log whose database is gone (moved aside without it) would be replayed into
/// the new journal created at the same path: SQLite cannot tell it belongs to another file.
/// Such a log is renamed `*.orphaned` before the journal is opened.
fn set_aside_orphaned_log(path: &Path) {
    if path.exists() {
        return;
    }
    for suffix in ["-wal", "-shm"] {
        let mut log = path.as_os_str().to_owned();
        log.push(suffix);
        let log = PathBuf::from(log);
        if !log.exists() {
            continue;
        }
        let mut orphan = log.as_os_str().to_owned();
        orphan.push(".orphaned");
        match std::fs::rename(&log, &orphan) {
            Ok(()) => tracing::warn!(
                log = %log.display(),
                "the journal's write-ahead log was there without its journal; renamed *.orphaned so the new journal does not take it in"
            ),
            Err(e) => {
                tracing::warn!(log = %log.display(), error = %e, "cannot set aside an orphaned journal log")
            }
        }
    }
}

fn is_read_only_io(e: &std::io::Error) -> bool {
    matches!(
        e.kind(),
        std::io::ErrorKind::PermissionDenied | std::io::ErrorKind::ReadOnlyFilesystem
    )
}

/// Whether a file can be created next to `path` (SQLite also needs its -wal and -shm files).
fn dir_is_writable(path: &Path) -> bool {
    let dir = path.parent().unwrap_or(Path::new("."));
    let probe = dir.join(format!(".waybill-desk-probe-{}", std::process::id()));
    match std::fs::File::create(&probe) {
        Ok(_) => {
            let _ = std::fs::remove_file(&probe);
            true
        }
        Err(e) => !is_read_only_io(&e),
    }
}

fn map_error(path: &Path, e: rusqlite::Error) -> JournalError {
    let path = path.to_path_buf();
    // Every text the journal writes is UTF-8: bytes that are not come from damaged pages
    // (SQLite checks page structure, not the contents of overflow pages).
    if let rusqlite::Error::Utf8Error(_, utf8) = &e {
        return JournalError::Damaged {
            path,
            detail: format!("a record holds bytes that are not text ({utf8})"),
        };
    }
    match e.sqlite_error_code() {
        Some(ErrorCode::ReadOnly) => JournalError::ReadOnly { path },
        Some(ErrorCode::CannotOpen) if !dir_is_writable(&path) => JournalError::ReadOnly { path },
        Some(ErrorCode::DiskFull) => JournalError::DiskFull {
            path,
            detail: sqlite_detail(&e),
        },
        // EFBIG (a size limit) and failing disks arrive as a plain I/O error.
        Some(ErrorCode::SystemIoFailure) => JournalError::WriteFailed {
            path,
            detail: sqlite_detail(&e),
        },
        Some(ErrorCode::DatabaseCorrupt) => JournalError::Damaged {
            detail: sqlite_detail(&e),
            path,
        },
        // SQLITE_NOTADB: a journal whose first page is damaged still starts with SQLite's
        // magic string; anything else is some other file.
        Some(ErrorCode::NotADatabase) if starts_like_sqlite(&path) => JournalError::Damaged {
            detail: sqlite_detail(&e),
            path,
        },
        Some(ErrorCode::NotADatabase) => JournalError::NotAJournal {
            path,
            detail: "it is not an SQLite database".into(),
        },
        Some(ErrorCode::DatabaseBusy | ErrorCode::DatabaseLocked) => JournalError::Busy { path },
        _ => JournalError::Sqlite { path, error: e },
    }
}

/// SQLite's own words for an error, once (rusqlite's Display repeats the code's text before
/// SQLite's message, which for most errors is that same text).
fn sqlite_detail(e: &rusqlite::Error) -> String {
    match e {
        rusqlite::Error::SqliteFailure(_, Some(message)) => message.clone(),
        rusqlite::Error::SqliteFailure(code, None) => code.to_string(),
        other => other.to_string(),
    }
}

/// Whether the file starts with the 16-byte SQLite header string (reads 16 bytes only).
fn starts_like_sqlite(path: &Path) -> bool {
    use std::io::Read as _;
    let mut head = [0u8; 16];
    std::fs::File::open(path)
        .and_then(|mut f| f.read_exact(&mut head))
        .is_ok()
        && &head == b"SQLite format 3\0"
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::store::Actor;
    use crate::wechat::logistics::Label;
    use crate::wechat::{DeliveryId, OrderId, PrintType, WaybillId};

    /// Labels are committed to the log at once and copied into the file by the checkpoint
    /// thread soon after (SQLite's own checkpoint would wait for 10,000 pages of log).
    #[test]
    fn the_log_is_checkpointed_into_the_file_soon_after_writes() {
        let dir = tempfile::tempdir().unwrap();
        let journal = SqliteJournal::open(dir.path()).unwrap();
        let file = journal.path().to_path_buf();
        let before = std::fs::metadata(&file).unwrap().len();
        let page = format!("<html><body>{}</body></html>", "面单".repeat(40_000));
        let labels: Vec<Label> = (0..8)
            .map(|i| Label {
                order_id: (900 + i).to_string(),
                delivery_id: DeliveryId("SF".into()),
                waybill_id: WaybillId(format!("SF{i}")),
                html: page.clone(),
                waybill_data: Vec::new(),
                order_status: 0,
                print_type: PrintType::TwoPart,
            })
            .collect();
        let pairs: Vec<(OrderId, &Label)> = labels
            .iter()
            .map(|l| (l.order_id.parse().unwrap(), l))
            .collect();
        let actor = Actor {
            station: "s".into(),
            operator: "o".into(),
        };
        journal.record_labels(&actor, &pairs).unwrap();
        let written = (page.len() * labels.len()) as u64;
        let deadline = std::time::Instant::now() + Duration::from_secs(10);
        loop {
            let now = std::fs::metadata(&file).unwrap().len();
            if now >= before + written {
                break;
            }
            assert!(
                std::time::Instant::now() < deadline,
                "file {now} bytes, was {before}: the {written} bytes of labels were not checkpointed"
            );
            std::thread::sleep(Duration::from_millis(20));
        }
        // What was copied is the journal's: read back through a new handle.
        drop(journal);
        let again = SqliteJournal::open(dir.path()).unwrap();
        let stored = again.latest_label(OrderId(907)).unwrap().unwrap();
        assert_eq!(stored.html, page);
    }
}
