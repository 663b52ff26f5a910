//! Crash reports. A panic hook writes a readable report — time, version, thread, message,
//! backtrace, the last log lines — to `STATE_DIR/crashes/`, with every secret scrubbed
//! ([`crate::logging::scrub`]). The next start of the window offers the newest report not
//! offered before ("上次异常退出，报告在 …"), and marks it as seen once it has been shown.

use std::io::Write as _;
use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicUsize, Ordering};

/// Reports written by one process at most (a panic storm must not fill the disk).
const MAX_REPORTS_PER_PROCESS: usize = 3;
/// Reports kept in the directory; older ones are deleted when a new one is written.
pub const KEEP_REPORTS: usize = 20;
/// Log lines copied into a report.
pub const LOG_LINES_IN_REPORT: usize = 50;
/// The file listing the reports already offered, one file name a line.
const OFFERED_FILE: &str = "offered.txt";

/// Where crash reports are: `STATE_DIR/crashes`.
pub fn crash_dir(state_dir: &Path) -> PathBuf {
    state_dir.join("crashes")
}

/// What a panic leaves behind.
#[derive(Debug, Clone)]
pub struct Report {
    pub time: chrono::DateTime<chrono::Local>,
    pub thread: String,
    pub message: String,
    pub location: Option<String>,
    pub backtrace: String,
    pub log_lines: Vec<String>,
}

impl Report {
    /// The report as the file's text, scrubbed of secrets.
    pub fn render(&self) -> String {
        let mut text = String::new();
        text.push_str("waybill-desk crash report / 异常退出报告\n");
        text.push_str("========================================\n");
        text.push_str(&format!("time:     {}\n", self.time.to_rfc3339()));
        text.push_str(&format!(
            "version:  {} (commit {})\n",
            crate::about::VERSION,
            crate::about::GIT_COMMIT
        ));
        text.push_str(&format!(
            "system:   {} {}\n",
            std::env::consts::OS,
            std::env::consts::ARCH
        ));
        text.push_str(&format!("process:  {}\n", std::process::id()));
        text.push_str(&format!("thread:   {}\n", self.thread));
        if let Some(location) = &self.location {
            text.push_str(&format!("location: {location}\n"));
        }
        text.push_str(&format!("\nmessage:\n{}\n", self.message));
        text.push_str(&format!("\nbacktrace:\n{}\n", self.backtrace.trim_end()));
        text.push_str(&format!("\nlast {} log lines:\n", self.log_lines.len()));
        if self.log_lines.is_empty() {
            text.push_str("(no log file)\n");
        }
        for line in &self.log_lines {
            text.push_str(line);
            text.push('\n');
        }
        text.push_str(
            "\nSecrets (AppSecret, access_token, passwords in URLs) are replaced by REDACTED.\n\
             Attach this file when you report the problem. / 报告问题时请附上此文件。\n",
        );
        crate::logging::scrub(&text)
    }
}

/// Writes `report` as a new file in `dir` and prunes old reports; returns its path.
pub fn write_report(dir: &Path, report: &Report) -> std::io::Result<PathBuf> {
    std::fs::create_dir_all(dir)?;
    // Names sort by time: the stamp to the millisecond, then a counter within it.
    let stamp = report.time.format("%Y%m%d-%H%M%S-%3f");
    let pid = std::process::id();
    let mut n = 0;
    let (path, mut file) = loop {
        let path = dir.join(format!("crash-{stamp}-{pid}-{n:02}.txt"));
        match std::fs::OpenOptions::new()
            .write(true)
            .create_new(true)
            .open(&path)
        {
            Ok(file) => break (path, file),
            Err(e) if e.kind() == std::io::ErrorKind::AlreadyExists && n < 100 => n += 1,
            Err(e) => return Err(e),
        }
    };
    file.write_all(report.render().as_bytes())?;
    file.sync_all()?;
    prune(dir, KEEP_REPORTS);
    Ok(path)
}

/// The reports in `dir`, oldest first (their names sort by time).
pub fn reports(dir: &Path) -> Vec<PathBuf> {
    let Ok(entries) = std::fs::read_dir(dir) else {
        return Vec::new();
    };
    let mut found: Vec<PathBuf> = entries
        .filter_map(|e| e.ok())
        .map(|e| e.path())
        .filter(|p| {
            p.file_name()
                .and_then(|n| n.to_str())
                .is_some_and(|n| n.starts_with("crash-") && n.ends_with(".txt"))
        })
        .collect();
    found.sort();
    found
}

/// Deletes all but the newest `keep` reports.
fn prune(dir: &Path, keep: usize) {
    let all = reports(dir);
    for old in &all[..all.len().saturating_sub(keep)] {
        let _ = std::fs::remove_file(old);
    }
}

/// Sets the panic hook: each panic (up to [`MAX_REPORTS_PER_PROCESS`]) writes a report to
/// `STATE_DIR/crashes/` and says on stderr where it is. The message on stderr is scrubbed too.
pub fn install_panic_hook(state_dir: PathBuf) {
    static WRITTEN: AtomicUsize = AtomicUsize::new(0);
    std::panic::set_hook(Box::new(move |info| {
        let message = if let Some(s) = info.payload().downcast_ref::<&str>() {
            (*s).to_string()
        } else if let Some(s) = info.payload().downcast_ref::<String>() {
            s.clone()
        } else {
            "(a panic without a message)".to_string()
        };
        let thread = std::thread::current();
        let thread = thread.name().unwrap_or("unnamed").to_string();
        let location = info
            .location()
            .map(|l| format!("{}:{}:{}", l.file(), l.line(), l.column()));
        eprintln!(
            "waybill-desk: panic in thread '{thread}' at {}: {}",
            location.as_deref().unwrap_or("?"),
            crate::logging::scrub(&message)
        );
        if WRITTEN.fetch_add(1, Ordering::SeqCst) >= MAX_REPORTS_PER_PROCESS {
            return;
        }
        let report = Report {
            time: chrono::Local::now(),
            thread,
            message,
            location,
            backtrace: std::backtrace::Backtrace::force_capture().to_string(),
            log_lines: crate::logging::last_log_lines(
                &crate::logging::logs_dir(&state_dir),
                LOG_LINES_IN_REPORT,
            ),
        };
        match write_report(&crash_dir(&state_dir), &report) {
            Ok(path) => eprintln!(
                "waybill-desk: crash report written to {} / 异常报告已写入 {}",
                path.display(),
                path.display()
            ),
            Err(e) => eprintln!(
                "waybill-desk: could not write a crash report in {}: {e}",
                crash_dir(&state_dir).display()
            ),
        }
    }));
}

/// A crash report the window offers on start.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct CrashOffer {
    /// The newest report not offered before.
    pub report: PathBuf,
    /// How many reports had not been offered (the newest is shown; all are marked seen).
    pub unseen: usize,
    /// Every unseen report's file name, marked as seen once the offer is shown.
    names: Vec<String>,
    marked: bool,
    /// The path was copied (the dialog says so).
    pub copied: bool,
}

/// What the user chose in the crash dialog.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum CrashChoice {
    /// Open the crash folder in the file manager.
    OpenFolder,
    /// Copy the report's path to the clipboard.
    CopyPath,
    /// Close the dialog.
    Ignore,
}

impl CrashOffer {
    /// The newest report in `dir` not offered before, if any.
    pub fn unseen(dir: &Path) -> Option<CrashOffer> {
        let offered = std::fs::read_to_string(dir.join(OFFERED_FILE)).unwrap_or_default();
        let offered: Vec<&str> = offered.lines().collect();
        let names: Vec<String> = reports(dir)
            .iter()
            .filter_map(|p| p.file_name()?.to_str().map(str::to_string))
            .filter(|n| !offered.contains(&n.as_str()))
            .collect();
        let newest = names.last()?;
        Some(CrashOffer {
            report: dir.join(newest),
            unseen: names.len(),
            names,
            marked: false,
            copied: false,
        })
    }

    /// The folder holding the report.
    pub fn folder(&self) -> &Path {
        self.report.parent().unwrap_or(Path::new("."))
    }

    /// Records that the offer was shown, so it is not offered again (done once, on the first
    /// frame that draws it).
    pub fn mark_seen(&mut self) -> std::io::Result<()> {
        if self.marked {
            return Ok(());
        }
        self.marked = true;
        let mut file = std::fs::OpenOptions::new()
            .create(true)
            .append(true)
            .open(self.folder().join(OFFERED_FILE))?;
        for name in &self.names {
            writeln!(file, "{name}")?;
        }
        Ok(())
    }

    /// Draws the dialog (marking the offer seen) and carries out the choice. Returns false
    /// when the dialog is done.
    pub fn show(&mut self, ctx: &egui::Context, lang: crate::wechat::Lang) -> bool {
        if let Err(e) = self.mark_seen() {
            tracing::warn!(error = %e, "could not record the crash report as offered");
        }
        match crate::ui::crash_report_ui::crash_report_ui(ctx, lang, self) {
            None => true,
            Some(CrashChoice::CopyPath) => {
                ctx.copy_text(self.report.display().to_string());
                self.copied = true;
                true
            }
            Some(CrashChoice::OpenFolder) => {
                open_folder(self.folder());
                false
            }
            Some(CrashChoice::Ignore) => false,
        }
    }
}

/// Opens `dir` in the desktop's file manager (best effort; the path is in the dialog anyway).
fn open_folder(dir: &Path) {
    let opener = if cfg!(target_os = "macos") {
        "open"
    } else if cfg!(target_os = "windows") {
        "explorer"
    } else {
        "xdg-open"
    };
    let mut command = std::process::Command::new(opener);
    let spawned = crate::print::process::scrub_env(&mut command)
        .arg(dir)
        .stdin(std::process::Stdio::null())
        .stdout(std::process::Stdio::null())
        .stderr(std::process::Stdio::null())
        .spawn();
    match spawned {
        // Reaped on its own thread: a file manager may stay in the foreground for long.
        Ok(mut child) => {
            std::thread::spawn(move || child.wait());
        }
        Err(e) => tracing::warn!(error = %e, opener, "could not open the crash report folder"),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn report(message: &str) -> Report {
        Report {
            time: chrono::Local::now(),
            thread: "main".into(),
            message: message.into(),
            location: Some("src/x.rs:1:1".into()),
            backtrace: "   0: waybill_desk::x".into(),
            log_lines: vec!["INFO GET https://h/x?access_token=LOGTOKEN1".into()],
        }
    }

    #[test]
    fn a_report_is_readable_and_scrubbed() {
        let dir = tempfile::tempdir().unwrap();
        let path = write_report(
            dir.path(),
            &report("boom with postgres://desk:dbpass99@h/j and secret=SECRETX"),
        )
        .unwrap();
        let text = std::fs::read_to_string(&path).unwrap();
        for expected in [
            "version:",
            "thread:   main",
            "boom with",
            "backtrace:",
            "log lines",
        ] {
            assert!(text.contains(expected), "{expected} missing:\n{text}");
        }
        for secret in ["dbpass99", "SECRETX", "LOGTOKEN1"] {
            assert!(!text.contains(secret), "{secret} in report:\n{text}");
        }
    }

    #[test]
    fn the_newest_unseen_report_is_offered_once() {
        let dir = tempfile::tempdir().unwrap();
        assert!(CrashOffer::unseen(dir.path()).is_none());
        let first = write_report(dir.path(), &report("one")).unwrap();
        let second = write_report(dir.path(), &report("two")).unwrap();
        assert!(second > first, "names sort by time");
        let mut offer = CrashOffer::unseen(dir.path()).unwrap();
        assert_eq!(offer.report, second);
        assert_eq!(offer.unseen, 2);
        // Not shown yet: still offered next time.
        assert!(CrashOffer::unseen(dir.path()).is_some());
        offer.mark_seen().unwrap();
        assert!(CrashOffer::unseen(dir.path()).is_none());
        let third = write_report(dir.path(), &report("three")).unwrap();
        let offer = CrashOffer::unseen(dir.path()).unwrap();
        assert_eq!((offer.report, offer.unseen), (third, 1));
    }

    #[test]
    fn old_reports_are_pruned() {
        let dir = tempfile::tempdir().unwrap();
        for i in 0..(KEEP_REPORTS + 3) {
            std::fs::write(dir.path().join(format!("crash-2026010{i:03}.txt")), "x").unwrap();
        }
        write_report(dir.path(), &report("new")).unwrap();
        assert_eq!(reports(dir.path()).len(), KEEP_REPORTS);
    }
}
