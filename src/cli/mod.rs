//! The command line: resolves where to talk to (WeChat, a given sandbox, or an embedded one),
//! runs one command, prints one line per item, and maps the outcome to an exit status.

mod account_cmd;
pub mod args;
mod batch_cmd;
mod commands;
mod journal_admin;
mod print_cmd;
mod printer_cmd;
mod progress;
mod stations_cmd;

use std::path::PathBuf;
use std::process::ExitCode;

use anyhow::Context as _;

use crate::resolve::{ConnectRequest, Connection};
use crate::sandbox::{Sandbox, SandboxConfig};
use crate::settings::{default_data_dir, Settings};
use crate::wechat::shop::ShopKind;
use crate::wechat::{ClientConfig, Lang, WechatClient};

pub use args::Cli;

/// Environment variable holding the AppSecret for headless use.
pub use crate::credentials::env_secret::APPSECRET_ENV;

/// What every command gets.
pub struct Context {
    pub client: WechatClient,
    pub shop: ShopKind,
    pub lang: Lang,
    pub settings: Settings,
    pub data_dir: PathBuf,
    /// Set when the command runs against an embedded sandbox (demo mode).
    pub embedded: Option<Sandbox>,
    /// Where the journal is (`--journal`, the environment, settings, or the data directory).
    pub journal: crate::resolve::JournalSpec,
}

/// Runs the command line; the exit status is 0 only when everything asked for succeeded.
pub async fn run(cli: Cli) -> ExitCode {
    let lang = cli.lang.map(Lang::from).unwrap_or_default();
    match run_inner(cli).await {
        Ok(code) => code,
        Err(e) if is_broken_pipe(&e) => ExitCode::SUCCESS,
        Err(e) => {
            let text = if let Some(w) = e.downcast_ref::<crate::wechat::WechatError>() {
                w.explain(lang)
            } else if let Some(j) = e.downcast_ref::<crate::store::JournalError>() {
                j.explain(lang)
            } else {
                format!("{e:#}")
            };
            eprintln!(
                "{}: {text}",
                if lang == Lang::ZhCn {
                    "错误"
                } else {
                    "error"
                }
            );
            ExitCode::FAILURE
        }
    }
}

fn is_broken_pipe(e: &anyhow::Error) -> bool {
    e.downcast_ref::<std::io::Error>()
        .is_some_and(|io| io.kind() == std::io::ErrorKind::BrokenPipe)
}

async fn run_inner(cli: Cli) -> anyhow::Result<ExitCode> {
    let Some(command) = cli.command else {
        anyhow::bail!("no command given; see `waybill-desk --help`");
    };
    if let args::Command::Sandbox {
        addr,
        latency_ms,
        orders,
    } = command
    {
        return commands::serve_sandbox(addr, latency_ms, orders).await;
    }
    let command = match print_cmd::run_local(command, cli.lang.map(Lang::from)).await {
        Ok(outcome) => return outcome,
        Err(command) => command,
    };
    let data_dir = cli.data_dir.clone().unwrap_or_else(default_data_dir);
    let settings = Settings::load(&data_dir)?;
    let lang = cli.lang.map(Lang::from).unwrap_or(settings.lang);
    let shop = cli.shop.map(ShopKind::from).unwrap_or(settings.shop);
    let journal = crate::resolve::journal_spec(
        cli.journal.as_deref(),
        std::env::var(crate::resolve::JOURNAL_URL_ENV)
            .ok()
            .as_deref(),
        &settings.journal_url,
        &data_dir,
    )
    .map_err(|e| anyhow::anyhow!(e.explain(lang)))?;
    // Commands that need no connection (or make their own).
    match command {
        args::Command::Login {
            token_url,
            no_verify,
        } => {
            account_cmd::login(
                &data_dir,
                cli.appid.as_deref(),
                token_url.as_deref(),
                cli.api_base.as_ref(),
                no_verify,
                lang,
            )
            .await
        }
        args::Command::Logout => account_cmd::logout(&data_dir, lang).await,
        args::Command::Whoami { json } => {
            account_cmd::whoami(&data_dir, cli.appid.as_deref(), json, lang).await
        }
        args::Command::Printer { action } => {
            printer_cmd::run(&data_dir, settings, action, lang).await
        }
        args::Command::Journal { action } => {
            batch_cmd::journal(&data_dir, &journal, action, lang).await
        }
        args::Command::Batch {
            action: action @ (args::BatchAction::Status { .. } | args::BatchAction::Abandon { .. }),
        } => batch_cmd::batch_offline(&journal, action).await,
        command => {
            let (client, embedded) = connect(
                &cli.api_base,
                cli.appid.as_deref(),
                &data_dir,
                &settings,
                shop,
                lang,
            )
            .await?;
            let ctx = Context {
                client,
                shop,
                lang,
                settings,
                data_dir,
                embedded,
                journal,
            };
            commands::dispatch(&ctx, command).await
        }
    }
}

/// Picks the API through [`crate::resolve`] (the window's resolver too): credentials from
/// --appid/WAYBILL_DESK_APPID with WAYBILL_DESK_APPSECRET win; otherwise those stored in the OS
/// keychain by `login`; with none at all and no base, an embedded sandbox (demo mode, said on
/// stderr).
async fn connect(
    api_base: &Option<url::Url>,
    appid: Option<&str>,
    data_dir: &std::path::Path,
    settings: &Settings,
    shop: ShopKind,
    lang: Lang,
) -> anyhow::Result<(WechatClient, Option<Sandbox>)> {
    let request = ConnectRequest {
        api_base: api_base.clone(),
        settings_api_base: settings.api_base.clone(),
        appid: appid.map(str::to_string),
        env_secret: crate::credentials::env_secret::env_secret(),
        shop,
    };
    let dir = data_dir.to_path_buf();
    let connection = tokio::task::spawn_blocking(move || {
        crate::resolve::connection(&request, || crate::credentials::stored_token_source(&dir))
    })
    .await
    .context("reading the keychain")??;
    match connection {
        Connection::Wechat { base, source, .. } => {
            Ok((WechatClient::new(ClientConfig::new(base, source))?, None))
        }
        Connection::Demo { source } => {
            let sandbox = Sandbox::start(([127, 0, 0, 1], 0).into(), SandboxConfig::default())
                .await
                .context("starting the embedded sandbox")?;
            eprintln!(
                "{}",
                if lang == Lang::ZhCn {
                    "演示模式:未设置微信凭据,使用内置沙箱的示例数据(不会影响真实订单)"
                } else {
                    "Demo mode: no WeChat credentials set, using the embedded sandbox's sample data (no real orders are touched)"
                }
            );
            let client = WechatClient::new(ClientConfig::new(sandbox.url().clone(), source))?;
            Ok((client, Some(sandbox)))
        }
    }
}
