//! `journal migrate` and `journal copy --to URL`: moving a station onto a shared journal.

use std::io::Write as _;
use std::path::Path;
use std::process::ExitCode;

use crate::resolve::JournalSpec;
use crate::store::{Journal, JournalLocation, JOURNAL_FILE};
use crate::wechat::Lang;

fn say(line: &str) -> std::io::Result<()> {
    writeln!(std::io::stdout().lock(), "{line}")
}

/// Brings a shared journal's schema up to date and says from which version to which; for the
/// station's own file, reports its version (it is migrated whenever it is opened).
pub(super) async fn migrate(spec: &JournalSpec, lang: Lang) -> anyhow::Result<ExitCode> {
    let journal = match crate::resolve::shared_journal_unchecked(spec) {
        Some(shared) => shared?,
        None => crate::resolve::open_journal(spec).await?,
    };
    let (found, now) = journal.migrate().await?;
    let location = journal.location();
    say(&match (found == now, lang) {
        (true, Lang::ZhCn) => format!("ok    记录本 {location} 的结构已是最新(版本 {now})"),
        (true, Lang::En) => format!("ok    the journal {location} is up to date (schema {now})"),
        (false, Lang::ZhCn) => {
            format!("ok    记录本 {location} 的结构已从版本 {found} 升级到 {now}")
        }
        (false, Lang::En) => {
            format!("ok    the journal {location} was migrated from schema {found} to {now}")
        }
    })?;
    Ok(ExitCode::SUCCESS)
}

/// Copies the data directory's own journal into the shared journal at `to`.
pub(super) async fn copy(
    data_dir: &Path,
    to: &str,
    json: bool,
    lang: Lang,
) -> anyhow::Result<ExitCode> {
    let file = data_dir.join(JOURNAL_FILE);
    if !file.exists() {
        anyhow::bail!(match lang {
            Lang::ZhCn => format!("没有可复制的记录本:{} 不存在", file.display()),
            Lang::En => format!(
                "there is no journal to copy: {} does not exist",
                file.display()
            ),
        });
    }
    let source = Journal::connect(&JournalLocation::Sqlite(file)).await?;
    let target_spec = crate::resolve::journal_spec(Some(to), None, "", data_dir)
        .map_err(|e| anyhow::anyhow!(e.explain(lang)))?;
    let target = crate::resolve::open_journal(&target_spec).await?;
    let report = source.copy_into(&target).await?;
    if json {
        say(&serde_json::to_string(&report)?)?;
    } else {
        for t in &report.tables {
            say(&format!(
                "{:<16} {:>7} {} {:>7} {}{}",
                t.table,
                t.copied,
                if lang == Lang::ZhCn {
                    "条已复制,"
                } else {
                    "copied,"
                },
                t.present,
                if lang == Lang::ZhCn {
                    "条已存在"
                } else {
                    "already there"
                },
                match (t.orphaned, lang) {
                    (0, _) => String::new(),
                    (n, Lang::ZhCn) => format!(",{n} 条缺少所属记录未复制"),
                    (n, Lang::En) => format!(", {n} left out (what they belong to is missing)"),
                }
            ))?;
        }
        eprintln!(
            "{}",
            match lang {
                Lang::ZhCn => format!(
                    "已从 {} 复制 {} 条记录到 {}",
                    report.from,
                    report.copied(),
                    report.to
                ),
                Lang::En => format!(
                    "{} record(s) copied from {} into {}",
                    report.copied(),
                    report.from,
                    report.to
                ),
            }
        );
    }
    Ok(ExitCode::SUCCESS)
}

/// Stores the shared journal's password in the OS keychain (one entry per
/// user@host:port/database); read without echo, or the first line of stdin.
pub(super) async fn password(spec: &JournalSpec, lang: Lang) -> anyhow::Result<ExitCode> {
    use std::io::{BufRead as _, IsTerminal as _};
    let JournalLocation::Postgres(url) = &spec.location else {
        anyhow::bail!(match lang {
            Lang::ZhCn => "没有共用记录本地址:用 --journal URL、WAYBILL_DESK_JOURNAL_URL 或设置里的 journal_url 指定",
            Lang::En => "no shared journal URL: give one with --journal URL, WAYBILL_DESK_JOURNAL_URL or journal_url in settings",
        });
    };
    let Some((host, port, db, user)) = crate::store::url_login(url) else {
        anyhow::bail!(match lang {
            Lang::ZhCn => "这个地址里已经有密码,或无法解析;请给不带密码的 postgres://用户@主机:端口/数据库",
            Lang::En => "this URL already holds a password or does not parse; give postgres://USER@HOST:PORT/DATABASE without one",
        });
    };
    let password = if std::io::stdin().is_terminal() {
        rpassword::prompt_password(match lang {
            Lang::ZhCn => "记录本数据库密码(输入时不显示): ",
            Lang::En => "journal database password (not shown while typing): ",
        })?
    } else {
        let mut line = String::new();
        std::io::stdin().lock().read_line(&mut line)?;
        line
    };
    let password = password.trim_end_matches(['\r', '\n']).to_string();
    if password.is_empty() {
        anyhow::bail!(match lang {
            Lang::ZhCn => "密码是空的,什么也没有存",
            Lang::En => "the password is empty; nothing was stored",
        });
    }
    let key = crate::credentials::journal_password::key(&user, &host, port, &db);
    let stored_key = key.clone();
    tokio::task::spawn_blocking(move || {
        crate::credentials::journal_password::store(&stored_key, &password)
    })
    .await??;
    say(&match lang {
        Lang::ZhCn => format!("ok    {key} 的密码已存入系统钥匙串"),
        Lang::En => format!("ok    the password of {key} is in the OS keychain"),
    })?;
    Ok(ExitCode::SUCCESS)
}
