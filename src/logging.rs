//! Log files in the XDG state directory (`$XDG_STATE_HOME/waybill-desk/logs/`, that is
//! `~/.local/state/waybill-desk/logs/`), rotated daily with the last [`KEEP_LOG_FILES`] days
//! kept, and the scrubbing every line goes through before it reaches a file.
//!
//! The code that logs already redacts what it knows is secret (`redact_url` on every URL with
//! an access_token). A file outlives the session and gets attached to support tickets, so the
//! file writer scrubs once more whatever slipped through: the AppSecret given in the
//! environment, `access_token=`/`secret=`/`password=` values, secret JSON fields, and the
//! password of any `scheme://user:password@host` URL (a journal database URL).

use std::io::Write;
use std::path::{Path, PathBuf};
use std::sync::{Mutex, OnceLock};

use tracing_appender::rolling::{RollingFileAppender, Rotation};
use tracing_subscriber::fmt::MakeWriter;

/// Log files are named `waybill-desk.YYYY-MM-DD.log`.
pub const LOG_FILE_PREFIX: &str = "waybill-desk";
/// The log files' suffix.
pub const LOG_FILE_SUFFIX: &str = "log";
/// Daily files kept; older ones are deleted when a new day's file starts.
pub const KEEP_LOG_FILES: usize = 7;
/// Overrides the state directory (tests, a second profile). Otherwise the XDG state directory.
pub const STATE_DIR_ENV: &str = "WAYBILL_DESK_STATE_DIR";
/// Asks a command-line run to write its log to the log directory too (the window always does).
pub const LOG_FILE_ENV: &str = "WAYBILL_DESK_LOG_FILE";
/// What replaces a secret.
pub const REDACTED: &str = "REDACTED";

/// Why the log file could not be set up. The program goes on logging to stderr only.
#[derive(Debug, thiserror::Error)]
pub enum LogError {
    /// The log directory could not be created (read-only home, full disk, permissions).
    #[error("cannot create the log directory {path}: {source}")]
    CreateDir {
        path: PathBuf,
        #[source]
        source: std::io::Error,
    },
    /// The rotating log file could not be opened.
    #[error("cannot open a log file in {path}: {source}")]
    Open {
        path: PathBuf,
        #[source]
        source: tracing_appender::rolling::InitError,
    },
}

impl LogError {
    /// The message for the person at the station, in their language.
    pub fn explain(&self, lang: crate::wechat::Lang) -> String {
        let path = match self {
            LogError::CreateDir { path, .. } | LogError::Open { path, .. } => path,
        };
        match lang {
            crate::wechat::Lang::ZhCn => format!(
                "无法在 {} 写日志（{self}）。程序照常运行，但不会留下日志文件；请检查该目录的权限和磁盘空间。",
                path.display()
            ),
            crate::wechat::Lang::En => format!(
                "{self}. The program runs on, but without a log file: check that directory's permissions and free disk space."
            ),
        }
    }
}

/// The program's state directory: `WAYBILL_DESK_STATE_DIR`, else the XDG state directory
/// (`$XDG_STATE_HOME/waybill-desk`, `~/.local/state/waybill-desk`), else (macOS, Windows, which
/// have none) the local data directory.
pub fn state_dir() -> PathBuf {
    if let Some(dir) = std::env::var_os(STATE_DIR_ENV).filter(|d| !d.is_empty()) {
        return PathBuf::from(dir);
    }
    directories::ProjectDirs::from("", "", "waybill-desk")
        .map(|d| {
            d.state_dir()
                .unwrap_or_else(|| d.data_local_dir())
                .to_path_buf()
        })
        .unwrap_or_else(|| PathBuf::from(".waybill-desk-state"))
}

/// Where the log files are: `STATE_DIR/logs`.
pub fn logs_dir(state_dir: &Path) -> PathBuf {
    state_dir.join("logs")
}

/// Opens the daily-rotated log file in `dir` (created if missing).
pub fn open_log_files(dir: &Path) -> Result<RollingFileAppender, LogError> {
    std::fs::create_dir_all(dir).map_err(|source| LogError::CreateDir {
        path: dir.to_path_buf(),
        source,
    })?;
    RollingFileAppender::builder()
        .rotation(Rotation::DAILY)
        .filename_prefix(LOG_FILE_PREFIX)
        .filename_suffix(LOG_FILE_SUFFIX)
        .max_log_files(KEEP_LOG_FILES)
        .build(dir)
        .map_err(|source| LogError::Open {
            path: dir.to_path_buf(),
            source,
        })
}

/// The newest log file in `dir`, if any.
pub fn newest_log_file(dir: &Path) -> Option<PathBuf> {
    std::fs::read_dir(dir)
        .ok()?
        .filter_map(|e| e.ok())
        .map(|e| e.path())
        .filter(|p| {
            p.file_name().and_then(|n| n.to_str()).is_some_and(|n| {
                n.starts_with(LOG_FILE_PREFIX) && n.ends_with(&format!(".{LOG_FILE_SUFFIX}"))
            })
        })
        .max_by_key(|p| {
            std::fs::metadata(p)
                .and_then(|m| m.modified())
                .unwrap_or(std::time::SystemTime::UNIX_EPOCH)
        })
}

/// The last `n` lines of the newest log file in `dir` (scrubbed), oldest first.
pub fn last_log_lines(dir: &Path, n: usize) -> Vec<String> {
    let Some(file) = newest_log_file(dir) else {
        return Vec::new();
    };
    let Ok(bytes) = std::fs::read(&file) else {
        return Vec::new();
    };
    // A log file is at most a day of lines; the tail is what matters.
    let tail = &bytes[bytes.len().saturating_sub(256 * 1024)..];
    let text = String::from_utf8_lossy(tail);
    let lines: Vec<&str> = text.lines().collect();
    lines[lines.len().saturating_sub(n)..]
        .iter()
        .map(|l| scrub(l))
        .collect()
}

/// Secret values known to this process (the AppSecret from the environment, and any the code
/// registers): replaced wherever they appear, whatever surrounds them.
fn known_secrets() -> &'static Mutex<Vec<String>> {
    static SECRETS: OnceLock<Mutex<Vec<String>>> = OnceLock::new();
    SECRETS.get_or_init(|| Mutex::new(Vec::new()))
}

/// Adds a secret value that [`scrub`] replaces from now on (values under 4 characters are
/// ignored: they would blank out ordinary text).
pub fn register_secret(value: &str) {
    if value.chars().count() < 4 {
        return;
    }
    if let Ok(mut secrets) = known_secrets().lock() {
        if !secrets.iter().any(|s| s == value) {
            secrets.push(value.to_string());
        }
    }
}

/// Registers the AppSecret given in the environment (see `credentials::env_secret`).
pub fn register_env_secret() {
    if let Some(secret) = crate::credentials::env_secret::env_secret() {
        register_secret(secret.expose());
    }
}

/// Keys whose `key=value` value is secret (query strings, `key=value` text).
const SECRET_KEYS: &[&str] = &[
    "access_token=",
    "appsecret=",
    "secret=",
    "password=",
    "passwd=",
];
/// JSON fields whose string value is secret.
const SECRET_JSON_FIELDS: &[&str] = &[
    "\"access_token\"",
    "\"appsecret\"",
    "\"secret\"",
    "\"password\"",
];

/// `text` with every secret this module knows of replaced by `REDACTED`.
pub fn scrub(text: &str) -> String {
    let mut out = text.to_string();
    if let Ok(secrets) = known_secrets().lock() {
        for s in secrets.iter() {
            if out.contains(s.as_str()) {
                out = out.replace(s.as_str(), REDACTED);
            }
        }
    }
    for key in SECRET_KEYS {
        out = redact_after(&out, key, |rest| {
            let end = rest
                .find(['&', ' ', ')', '"', '\'', ',', ';', '\n', '\t'])
                .unwrap_or(rest.len());
            Some((0, end))
        });
    }
    for field in SECRET_JSON_FIELDS {
        out = redact_json_field(&out, field);
    }
    redact_url_passwords(&out)
}

/// For each (ASCII case-insensitive) `marker`: `span(rest)` says where the secret value in the
/// text after it starts and ends (`None`: not a value, left as it is); that span is replaced.
fn redact_after(text: &str, marker: &str, span: impl Fn(&str) -> Option<(usize, usize)>) -> String {
    let lower = text.to_ascii_lowercase();
    let mut out = String::with_capacity(text.len());
    let mut copied = 0;
    let mut search = 0;
    while let Some(found) = lower[search..].find(marker) {
        let after = search + found + marker.len();
        search = after;
        let Some((start, end)) = span(&text[after..]) else {
            continue;
        };
        if end > start {
            out.push_str(&text[copied..after + start]);
            out.push_str(REDACTED);
            copied = after + end;
            search = copied;
        }
    }
    out.push_str(&text[copied..]);
    out
}

/// `"field": "value"` → `"field": "REDACTED"`.
fn redact_json_field(text: &str, field: &str) -> String {
    redact_after(text, field, |rest| {
        let value = rest
            .trim_start()
            .strip_prefix(':')?
            .trim_start()
            .strip_prefix('"')?;
        let start = rest.len() - value.len();
        let mut escaped = false;
        for (i, c) in value.char_indices() {
            match c {
                '\\' if !escaped => escaped = true,
                '"' if !escaped => return Some((start, start + i)),
                _ => escaped = false,
            }
        }
        Some((start, rest.len()))
    })
}

/// `scheme://user:password@host` → `scheme://user:REDACTED@host`.
fn redact_url_passwords(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    let mut rest = text;
    while let Some(pos) = rest.find("://") {
        let (head, tail) = rest.split_at(pos + 3);
        out.push_str(head);
        // The authority ends at the first '/', whitespace, quote or bracket.
        let authority_end = tail
            .find(|c: char| c == '/' || c.is_whitespace() || "\"'<>()[]".contains(c))
            .unwrap_or(tail.len());
        let authority = &tail[..authority_end];
        match (authority.rfind('@'), authority.find(':')) {
            (Some(at), Some(colon)) if colon < at => {
                out.push_str(&authority[..=colon]);
                out.push_str(REDACTED);
                out.push_str(&authority[at..]);
            }
            _ => out.push_str(authority),
        }
        rest = &tail[authority_end..];
    }
    out.push_str(rest);
    out
}

/// A [`MakeWriter`] that scrubs each formatted event before it reaches the inner writer.
///
/// The fmt layer writes an event with one `write_all` of the whole line; the writer buffers
/// what it is given and scrubs and writes it when dropped, so a secret split across writes is
/// still whole when scrubbed.
pub struct Scrubbing<M> {
    inner: M,
}

impl<M> Scrubbing<M> {
    /// Wraps `inner`.
    pub fn new(inner: M) -> Self {
        Scrubbing { inner }
    }
}

/// The writer [`Scrubbing`] hands out for one event.
pub struct ScrubbingWriter<W: Write> {
    inner: W,
    buffer: Vec<u8>,
}

impl<W: Write> Write for ScrubbingWriter<W> {
    fn write(&mut self, buf: &[u8]) -> std::io::Result<usize> {
        self.buffer.extend_from_slice(buf);
        Ok(buf.len())
    }
    fn flush(&mut self) -> std::io::Result<()> {
        if self.buffer.is_empty() {
            return self.inner.flush();
        }
        let text = scrub(&String::from_utf8_lossy(&self.buffer));
        self.buffer.clear();
        self.inner.write_all(text.as_bytes())?;
        self.inner.flush()
    }
}

impl<W: Write> Drop for ScrubbingWriter<W> {
    fn drop(&mut self) {
        // Nowhere to report a failed log write; the line is lost, the program goes on.
        let _ = self.flush();
    }
}

impl<'a, M> MakeWriter<'a> for Scrubbing<M>
where
    M: MakeWriter<'a>,
{
    type Writer = ScrubbingWriter<M::Writer>;
    fn make_writer(&'a self) -> Self::Writer {
        ScrubbingWriter {
            inner: self.inner.make_writer(),
            buffer: Vec::new(),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn scrub_removes_tokens_secrets_and_url_passwords() {
        register_secret("unit-scrub-secret-1234");
        let text = "GET https://api.weixin.qq.com/cgi-bin/x?access_token=TOK123&a=1 \
                    secret=abc&b=2 {\"appsecret\": \"json-secret\", \"access_token\":\"jt\"} \
                    postgres://desk:pa55word@db.local:5432/journal value unit-scrub-secret-1234";
        let s = scrub(text);
        for gone in [
            "TOK123",
            "abc&",
            "json-secret",
            "\"jt\"",
            "pa55word",
            "unit-scrub-secret-1234",
        ] {
            assert!(!s.contains(gone), "{gone} left in {s}");
        }
        for kept in [
            "a=1",
            "b=2",
            "postgres://desk:REDACTED@db.local:5432/journal",
            "\"appsecret\": \"REDACTED\"",
        ] {
            assert!(s.contains(kept), "{kept} missing from {s}");
        }
    }

    #[test]
    fn scrub_leaves_ordinary_text_alone() {
        let text = "order 3704000000000000123 shipped via http://127.0.0.1:8765/x (ok) a:b@c";
        assert_eq!(scrub(text), text);
    }

    #[test]
    fn short_values_are_not_registered() {
        register_secret("ab");
        assert_eq!(scrub("ab cd"), "ab cd");
    }

    #[test]
    fn an_unusable_log_directory_is_a_typed_error_that_says_what_to_do() {
        let dir = tempfile::tempdir().unwrap();
        let file = dir.path().join("not-a-dir");
        std::fs::write(&file, "x").unwrap();
        let err = open_log_files(&file.join("logs")).unwrap_err();
        assert!(matches!(err, LogError::CreateDir { .. }), "{err:?}");
        let zh = err.explain(crate::wechat::Lang::ZhCn);
        assert!(zh.contains("not-a-dir") && zh.contains("权限"), "{zh}");
        let en = err.explain(crate::wechat::Lang::En);
        assert!(en.contains("permissions"), "{en}");
    }

    #[test]
    fn log_files_rotate_daily_in_the_given_directory() {
        let dir = tempfile::tempdir().unwrap();
        let logs = logs_dir(dir.path());
        let appender = open_log_files(&logs).unwrap();
        let writer = Scrubbing::new(appender);
        {
            let mut w = writer.make_writer();
            w.write_all(b"line one access_token=XYZ987\n").unwrap();
        }
        let file = newest_log_file(&logs).expect("a log file");
        let name = file.file_name().unwrap().to_str().unwrap().to_string();
        assert!(
            name.starts_with("waybill-desk.") && name.ends_with(".log"),
            "{name}"
        );
        let text = std::fs::read_to_string(&file).unwrap();
        assert_eq!(text, "line one access_token=REDACTED\n");
        assert_eq!(
            last_log_lines(&logs, 5),
            vec!["line one access_token=REDACTED".to_string()]
        );
    }
}
