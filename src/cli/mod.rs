//! The command line: resolves where to talk to (WeChat, a given sandbox, or an embedded one),
//! runs one command, prints one line per item, and maps the outcome to an exit status.

pub mod args;
mod commands;

use std::path::PathBuf;
use std::process::ExitCode;

use anyhow::Context as _;

use crate::sandbox::{Sandbox, SandboxConfig, DEMO_APPID, DEMO_SECRET};
use crate::settings::{default_data_dir, Settings};
use crate::wechat::shop::ShopKind;
use crate::wechat::{ClientConfig, Lang, Secret, TokenSource, WechatClient, DEFAULT_API_BASE};

pub use args::Cli;

/// Environment variable holding the AppSecret for headless use.
pub const APPSECRET_ENV: &str = "WAYBILL_DESK_APPSECRET";

/// What every command gets.
pub struct Context {
    pub client: WechatClient,
    pub shop: ShopKind,
    pub lang: Lang,
    pub settings: Settings,
    pub data_dir: PathBuf,
    /// Set when the command runs against an embedded sandbox (demo mode).
    pub embedded: Option<Sandbox>,
}

/// Runs the command line; the exit status is 0 only when everything asked for succeeded.
pub async fn run(cli: Cli) -> ExitCode {
    let lang = cli.lang.map(Lang::from).unwrap_or_default();
    match run_inner(cli).await {
        Ok(code) => code,
        Err(e) if is_broken_pipe(&e) => ExitCode::SUCCESS,
        Err(e) => {
            let text = match e.downcast_ref::<crate::wechat::WechatError>() {
                Some(w) => w.explain(lang),
                None => format!("{e:#}"),
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
    let data_dir = cli.data_dir.clone().unwrap_or_else(default_data_dir);
    let settings = Settings::load(&data_dir)?;
    let lang = cli.lang.map(Lang::from).unwrap_or(settings.lang);
    let shop = cli.shop.map(ShopKind::from).unwrap_or(settings.shop);
    let (client, embedded) = connect(&cli.api_base, cli.appid.as_deref(), lang).await?;
    let ctx = Context {
        client,
        shop,
        lang,
        settings,
        data_dir,
        embedded,
    };
    commands::dispatch(&ctx, command).await
}

/// Picks the API: with credentials, the given base (default WeChat); with none and no base,
/// an embedded sandbox (demo mode, said on stderr).
async fn connect(
    api_base: &Option<url::Url>,
    appid: Option<&str>,
    lang: Lang,
) -> anyhow::Result<(WechatClient, Option<Sandbox>)> {
    let secret = std::env::var(APPSECRET_ENV).ok().filter(|s| !s.is_empty());
    match (appid, secret, api_base) {
        (Some(appid), Some(secret), base) => {
            let base = match base {
                Some(b) => b.clone(),
                None => url::Url::parse(DEFAULT_API_BASE)?,
            };
            let source = TokenSource::AppSecret {
                appid: appid.to_string(),
                secret: Secret::new(secret),
            };
            Ok((WechatClient::new(ClientConfig::new(base, source))?, None))
        }
        (None, None, None) => {
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
            let source = TokenSource::AppSecret {
                appid: DEMO_APPID.into(),
                secret: Secret::new(DEMO_SECRET),
            };
            let client = WechatClient::new(ClientConfig::new(sandbox.url().clone(), source))?;
            Ok((client, Some(sandbox)))
        }
        (None, _, _) => anyhow::bail!(
            "no AppID: pass --appid or set WAYBILL_DESK_APPID (and the secret in {APPSECRET_ENV})"
        ),
        (Some(_), None, _) => {
            anyhow::bail!("no AppSecret: set it in the environment variable {APPSECRET_ENV}")
        }
    }
}
