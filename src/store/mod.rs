//! The journal: one SQLite file (`journal.sqlite3` in the data directory, WAL mode) that records
//! every label fetched, every print job and every shipment attempt, with the station and the
//! operator, and the progress of label batches so that a crash loses nothing.
//!
//! Nothing secret is written here: no AppSecret, no access_token. Label pages do hold the
//! receiver's name and address (that is what makes an offline reprint possible).
//!
//! Every call is a short synchronous SQLite transaction; the handle is cheap to clone and may be
//! shared between tasks and threads.

mod batches;
mod orders;
mod records;
mod salvage;
mod schema;
pub mod waybills;

use std::path::{Path, PathBuf};
use std::sync::{Arc, Mutex, MutexGuard, OnceLock};
use std::time::Duration;

use rusqlite::{Connection, ErrorCode, OpenFlags};

use crate::wechat::{Lang, OrderId};

pub use batches::{BatchId, BatchInfo, BatchItem, BatchState, ItemStage, NewBatch, NewBatchItem};
pub use orders::{scope_key, SyncScope};
pub use records::{
    HistoryEntry, LabelSummary, NewPrintRecord, PrintRecord, ShipAttemptState, ShipClaim,
    ShipmentRecord, StoredLabel,
};
pub use salvage::{SalvageReport, TableSalvage};

/// File name of the journal inside the data directory.
pub const JOURNAL_FILE: &str = "journal.sqlite3";

/// `PRAGMA application_id` of a waybill-desk journal ("WBDJ"), so that another program's
/// SQLite file is never mistaken for one and written into.
const APPLICATION_ID: i32 = 0x5742_444A;

/// Who did something: recorded with every label, print job and shipment attempt.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
pub struct Actor {
    /// The packing station's name (settings, or the host name).
    pub station: String,
    /// The person working at it.
    pub operator: String,
}

impl Actor {
    /// The station and operator from settings, unless `WAYBILL_DESK_STATION` /
    /// `WAYBILL_DESK_OPERATOR` say otherwise; empty settings fall back to the host and login
    /// names.
    pub fn resolve(station_setting: &str, operator_setting: &str) -> Actor {
        let env = |k: &str| std::env::var(k).ok().filter(|v| !v.trim().is_empty());
        let setting = |v: &str| (!v.trim().is_empty()).then(|| v.trim().to_string());
        let fallback = Actor::from_env();
        Actor {
            station: env("WAYBILL_DESK_STATION")
                .or_else(|| setting(station_setting))
                .unwrap_or(fallback.station),
            operator: env("WAYBILL_DESK_OPERATOR")
                .or_else(|| setting(operator_setting))
                .unwrap_or(fallback.operator),
        }
    }

    /// `WAYBILL_DESK_STATION` or the host name, and `WAYBILL_DESK_OPERATOR` or the login name.
    pub fn from_env() -> Actor {
        let env = |k: &str| std::env::var(k).ok().filter(|v| !v.trim().is_empty());
        let station = env("WAYBILL_DESK_STATION")
            .or_else(|| {
                std::fs::read_to_string("/proc/sys/kernel/hostname")
                    .ok()
                    .map(|h| h.trim().to_string())
                    .filter(|h| !h.is_empty())
            })
            .or_else(|| env("COMPUTERNAME"))
            .or_else(|| env("HOSTNAME"))
            .unwrap_or_else(|| "station".into());
        let operator = env("WAYBILL_DESK_OPERATOR")
            .or_else(|| env("USER"))
            .or_else(|| env("USERNAME"))
            .unwrap_or_else(|| "operator".into());
        Actor { station, operator }
    }
}

/// What went wrong with the journal. Each message says what to do; none loses data: a failed
/// write is rolled back whole.
#[derive(Debug, thiserror::Error)]
pub enum JournalError {
    /// The data directory or the journal file cannot be written.
    #[error("the journal {path} cannot be written: the data directory is read-only or not yours. Make it writable (or choose another with --data-dir / WAYBILL_DESK_DATA_DIR); nothing was changed")]
    ReadOnly { path: PathBuf },
    /// The disk is full.
    #[error("the disk holding the journal {path} is full ({detail}). Free some space and try again; nothing was lost, the last step was not recorded and will be redone")]
    DiskFull { path: PathBuf, detail: String },
    /// The file is not a journal of this app.
    #[error("{path} is not a waybill-desk journal ({detail}). Move it out of the way; it was not changed")]
    NotAJournal { path: PathBuf, detail: String },
    /// The file is an SQLite database whose pages are damaged (SQLITE_CORRUPT, or SQLITE_NOTADB
    /// on a file that starts like SQLite). From then on this handle does not touch the file.
    #[error("the journal {path} is damaged ({detail}); waybill-desk will not write to it. {}", damaged_advice(.path, Lang::En))]
    Damaged { path: PathBuf, detail: String },
    /// Written by a newer version of the app.
    #[error("the journal {path} was written by a newer waybill-desk (schema {found}; this one knows up to {known}). Update waybill-desk; the journal was not changed")]
    TooNew {
        path: PathBuf,
        found: u32,
        known: u32,
    },
    /// The operating system refused a write (a failing disk, or a file size limit).
    #[error("the journal {path} could not be written ({detail}): the disk may be full or failing. Free some space or check the disk, then try again; nothing was lost, the last step was not recorded and will be redone")]
    WriteFailed { path: PathBuf, detail: String },
    /// Another process held the journal locked too long.
    #[error("the journal {path} is busy (another waybill-desk is writing to it); try again")]
    Busy { path: PathBuf },
    /// The data directory could not be created.
    #[error("cannot create the data directory {path}: {source}")]
    CreateDir {
        path: PathBuf,
        source: std::io::Error,
    },
    /// A stored value does not decode (a bug or a hand-edited file).
    #[error("the journal {path} holds a record this version cannot read: {detail}")]
    BadRecord { path: PathBuf, detail: String },
    /// A label page too big to keep (the client refuses such pages before they get here).
    #[error("the label page of order {order_id} is {} ({size_bytes} bytes), over the {} a label can be; it was not recorded. Fetch the label again", crate::wechat::label::format_size(*.size_bytes), crate::wechat::label::format_size(crate::wechat::label::MAX_LABEL_HTML_BYTES as u64))]
    LabelTooLarge { order_id: OrderId, size_bytes: u64 },
    /// `journal salvage` cannot run: the source is missing or unreadable, or the journal to
    /// fill is not empty.
    #[error("journal salvage stopped ({path}): {reason}")]
    SalvageRefused { path: PathBuf, reason: String },
    /// Any other SQLite failure. (The SQLite error is part of the message, not a `source`, so
    /// that a chain printed with `{:#}` says it once.)
    #[error("journal {path}: {error}")]
    Sqlite {
        path: PathBuf,
        error: rusqlite::Error,
    },
}

impl JournalError {
    /// The message in the user's language: what happened, where, and what to do.
    pub fn explain(&self, lang: Lang) -> String {
        match (self, lang) {
            (JournalError::Damaged { path, detail }, Lang::ZhCn) => format!(
                "记录本(日志数据库){} 已损坏({detail}),本软件不会再往里写入。{}",
                path.display(),
                damaged_advice(path, lang)
            ),
            (JournalError::ReadOnly { path }, Lang::ZhCn) => format!(
                "记录本 {} 无法写入:数据目录只读或不属于当前用户。请让它可写(或用 --data-dir / WAYBILL_DESK_DATA_DIR 换一个目录);没有改动任何内容",
                path.display()
            ),
            (JournalError::DiskFull { path, .. }, Lang::ZhCn) => format!(
                "存放记录本 {} 的磁盘已满。请清理出空间后重试;没有丢失数据,最后一步没有记下,会重做",
                path.display()
            ),
            (JournalError::Busy { path }, Lang::ZhCn) => format!(
                "记录本 {} 正被另一个 waybill-desk 占用写入,请稍后重试",
                path.display()
            ),
            (JournalError::LabelTooLarge { order_id, size_bytes }, Lang::ZhCn) => format!(
                "订单 {order_id} 的面单页面有 {},超过面单的上限 {},没有记入记录本。请重新获取面单",
                crate::wechat::label::format_size(*size_bytes),
                crate::wechat::label::format_size(crate::wechat::label::MAX_LABEL_HTML_BYTES as u64)
            ),
            (JournalError::NotAJournal { path, detail }, Lang::ZhCn) => format!(
                "{} 不是 waybill-desk 的记录本({detail})。请把它移到别处;它没有被改动",
                path.display()
            ),
            (JournalError::TooNew { path, found, known }, Lang::ZhCn) => format!(
                "记录本 {} 是更新版本的 waybill-desk 写的(结构版本 {found},本版本只认识到 {known})。请升级 waybill-desk;记录本没有被改动",
                path.display()
            ),
            (JournalError::WriteFailed { path, .. }, Lang::ZhCn) => format!(
                "记录本 {} 写入失败:磁盘可能已满或有故障。请清理空间或检查磁盘后重试;没有丢失数据,最后一步没有记下,会重做",
                path.display()
            ),
            (JournalError::SalvageRefused { path, reason }, Lang::ZhCn) => format!(
                "记录本整理没有进行({}):{reason}",
                path.display()
            ),
            (other, Lang::ZhCn) => format!("记录本(日志数据库)出错:{other}"),
            (other, Lang::En) => other.to_string(),
        }
    }

    /// True when the journal file itself is damaged (nothing more will be written to it).
    pub fn is_damaged(&self) -> bool {
        matches!(self, JournalError::Damaged { .. })
    }
}

/// What to do with a damaged journal: move it aside (the app then starts a new one) and
/// salvage what it holds with `sqlite3 .recover`, or restore a backup.
fn damaged_advice(path: &Path, lang: Lang) -> String {
    // Moved into a folder of its own with a glob, the -wal and -shm files keep their names next
    // to it: SQLite finds the log that belongs to it there, and the new journal never adopts
    // the old log.
    let dir = path.parent().unwrap_or(Path::new("."));
    let name = path
        .file_name()
        .map_or_else(|| JOURNAL_FILE.into(), |n| n.to_string_lossy());
    let aside = dir.join("damaged");
    let moved = aside.join(name.as_ref());
    let (dir, aside, moved) = (shell_quote(dir), shell_quote(&aside), shell_quote(&moved));
    let mv = format!("mkdir -p {aside} && mv {dir}/'{name}'* {aside}/");
    let salvage = format!("waybill-desk journal salvage {moved}");
    match lang {
        Lang::ZhCn => format!(
            "请先退出 waybill-desk,把它连同 -wal、-shm 文件一起移走:`{mv}`,再启动时会新建一个空记录本;然后运行 `{salvage}`,把还能读出的记录复制到新记录本里。也可以恢复备份"
        ),
        Lang::En => format!(
            "Quit waybill-desk and move it away with its -wal and -shm files: `{mv}`; the app then starts a new, empty journal. Then `{salvage}` copies every record that can still be read into the new one. Or restore a backup"
        ),
    }
}

/// A path for a shell command line: single-quoted (a data directory may hold spaces).
fn shell_quote(path: &Path) -> String {
    format!("'{}'", path.display().to_string().replace('\'', r"'\''"))
}

/// The journal of one data directory.
#[derive(Clone)]
pub struct Journal {
    conn: Arc<Mutex<Connection>>,
    path: Arc<PathBuf>,
    /// Set once the file is found damaged: from then on every call answers
    /// [`JournalError::Damaged`] without touching the file (writing into a damaged database can
    /// spread the damage).
    damaged: Arc<OnceLock<String>>,
}

impl std::fmt::Debug for Journal {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Journal").field("path", &self.path).finish()
    }
}

impl Journal {
    /// Opens (creating if needed) `data_dir/journal.sqlite3` and brings its schema up to date.
    pub fn open(data_dir: &Path) -> Result<Journal, JournalError> {
        if let Err(source) = std::fs::create_dir_all(data_dir) {
            return Err(if is_read_only_io(&source) {
                JournalError::ReadOnly {
                    path: data_dir.join(JOURNAL_FILE),
                }
            } else {
                JournalError::CreateDir {
                    path: data_dir.to_path_buf(),
                    source,
                }
            });
        }
        Journal::open_file(&data_dir.join(JOURNAL_FILE))
    }

    /// Opens a journal file at an explicit path.
    pub fn open_file(path: &Path) -> Result<Journal, JournalError> {
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
        if version == 0 {
            conn.pragma_update(None, "application_id", APPLICATION_ID)
                .map_err(map)?;
        }
        schema::migrate(&mut conn).map_err(map)?;
        Ok(Journal {
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

/// Milliseconds since the Unix epoch, the journal's clock.
pub(crate) fn now_ms() -> i64 {
    chrono::Utc::now().timestamp_millis()
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
