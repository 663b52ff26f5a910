//! The journal: every label fetched, every print job and every shipment attempt, with the
//! station and the operator, and the progress of label batches so that a crash loses nothing.
//!
//! One interface, two engines: [`Journal`] is a cheap `Clone` handle whose methods are `async`.
//! The embedded default is one SQLite file (`journal.sqlite3` in the data directory, WAL mode,
//! [`sqlite`]); its synchronous calls run under `spawn_blocking`, never on an async worker.
//!
//! Nothing secret is written here: no AppSecret, no access_token. Label pages do hold the
//! receiver's name and address (that is what makes an offline reprint possible).

mod batches;
pub mod claims;
mod copy;
pub mod feed;
mod handle;
mod orders;
pub mod pgpass;
mod postgres;
mod records;
mod sqlite;
pub mod waybills;

use std::path::{Path, PathBuf};

use crate::wechat::{Lang, OrderId};

pub use batches::{BatchId, BatchInfo, BatchItem, BatchState, ItemStage, NewBatch, NewBatchItem};
pub use claims::{
    lease_ms, Claim, ClaimHolder, ClaimOutcome, ClaimPurpose, ElsewhereProgress, LabelElsewhere,
    StationOverview,
};
pub use copy::{CopyReport, TableCopy};
pub use handle::{redact_url, url_has_password, url_login, Journal, JournalLocation};
pub use orders::{scope_key, SyncScope};
pub use records::{
    HistoryEntry, LabelSummary, NewPrintRecord, PrintRecord, ShipAttemptState, ShipClaim,
    ShipmentRecord, StoredLabel,
};
pub use sqlite::{SalvageReport, TableSalvage};

/// File name of the journal inside the data directory.
pub const JOURNAL_FILE: &str = "journal.sqlite3";

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
    /// Something only the embedded SQLite journal can do was asked of another engine.
    #[error("{what} works on the station's own SQLite journal only; the journal in use is {location}. Run it without --journal / WAYBILL_DESK_JOURNAL_URL / journal_url to work on the local file")]
    SqliteOnly {
        what: &'static str,
        location: String,
    },
    /// The shared journal's database server cannot be reached (down, a network problem, or
    /// refused the login). Nothing was recorded.
    #[error("the shared journal {location} cannot be reached ({detail}). Check that the database server runs and this station can reach it (host, port, user, password); nothing was recorded, the step will be redone once it is back")]
    Unreachable { location: String, detail: String },
    /// The shared journal's database server refused a statement.
    #[error("the shared journal {location} refused a step ({detail}); nothing of that step was recorded")]
    Postgres { location: String, detail: String },
    /// A journal URL that asks for TLS: this build has no TLS connector.
    #[error("the journal URL {location} asks for TLS (sslmode={mode}), which this build does not support. Connect through a unix socket (host=/run/postgresql), or use sslmode=disable on a trusted network")]
    TlsUnsupported { location: String, mode: String },
    /// A journal URL that does not parse.
    #[error("the journal URL {location} is not a PostgreSQL URL ({detail}); write it as postgres://USER@HOST:PORT/DATABASE")]
    BadUrl { location: String, detail: String },
    /// The journal's worker was stopped (the app is shutting down); the call did not run.
    #[error("the journal {location} was stopped (the app is shutting down); the last step was not recorded and will be redone")]
    Stopped { location: String },
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
            (JournalError::Unreachable { location, detail }, Lang::ZhCn) => format!(
                "连不上共用记录本 {location}({detail})。请检查数据库服务器是否在运行、本工作站能否连到它(主机、端口、用户名、密码);没有记下任何内容,恢复后这一步会重做"
            ),
            (JournalError::TlsUnsupported { location, mode }, Lang::ZhCn) => format!(
                "记录本地址 {location} 要求 TLS 加密(sslmode={mode}),本版本不支持。请通过 unix 套接字连接(host=/run/postgresql),或在可信的内网上用 sslmode=disable"
            ),
            (JournalError::BadUrl { location, detail }, Lang::ZhCn) => format!(
                "记录本地址 {location} 不是 PostgreSQL 地址({detail});请写成 postgres://用户@主机:端口/数据库"
            ),
            (JournalError::SqliteOnly { what, location }, Lang::ZhCn) => format!(
                "{what} 只能用于本工作站自己的 SQLite 记录本;现在用的是 {location}。去掉 --journal / WAYBILL_DESK_JOURNAL_URL / journal_url 再运行"
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

/// Milliseconds since the Unix epoch, the journal's clock.
pub(crate) fn now_ms() -> i64 {
    chrono::Utc::now().timestamp_millis()
}
