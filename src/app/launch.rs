//! Starting the window: where to talk to (credentials, or the embedded sandbox in demo mode),
//! the tokio runtime, and eframe.

use std::sync::{mpsc, Arc};

use anyhow::Context as _;

use super::activity::Level;
use super::{AppConfig, WaybillApp};
use crate::sandbox::{Sandbox, SandboxConfig, DEMO_APPID, DEMO_SECRET};
use crate::settings::{default_data_dir, Settings};
use crate::wechat::shop::ShopKind;
use crate::wechat::{ClientConfig, Secret, TokenSource, WechatClient, DEFAULT_API_BASE};

/// How the window was asked to start.
#[derive(Debug, Clone, Default)]
pub struct LaunchOptions {
    pub api_base: Option<url::Url>,
    pub appid: Option<String>,
    pub shop: Option<ShopKind>,
    pub data_dir: Option<std::path::PathBuf>,
    pub lang: Option<crate::wechat::Lang>,
}

/// Resolves credentials and builds the app's configuration. With credentials it talks to the
/// given (or saved, or real) API; with none it starts the embedded sandbox: demo mode.
pub fn configure(
    runtime: &tokio::runtime::Runtime,
    options: LaunchOptions,
    toasts: Option<mpsc::Receiver<(Level, String)>>,
) -> anyhow::Result<AppConfig> {
    let data_dir = options.data_dir.unwrap_or_else(default_data_dir);
    let mut settings = Settings::load(&data_dir)?;
    if let Some(lang) = options.lang {
        settings.lang = lang;
    }
    let shop = options.shop.unwrap_or(settings.shop);
    let secret = std::env::var(crate::cli::APPSECRET_ENV)
        .ok()
        .filter(|s| !s.is_empty());
    let (client, sandbox, appid) = match (options.appid, secret) {
        (Some(appid), Some(secret)) => {
            let base = match options.api_base {
                Some(b) => b,
                None if !settings.api_base.is_empty() => {
                    url::Url::parse(&settings.api_base).context("the API base URL in settings")?
                }
                None => url::Url::parse(DEFAULT_API_BASE)?,
            };
            let source = TokenSource::AppSecret {
                appid: appid.clone(),
                secret: Secret::new(secret),
            };
            (
                WechatClient::new(ClientConfig::new(base, source))?,
                None,
                appid,
            )
        }
        _ => {
            let sandbox = runtime
                .block_on(Sandbox::start(
                    ([127, 0, 0, 1], 0).into(),
                    SandboxConfig::default(),
                ))
                .context("starting the embedded sandbox")?;
            let source = TokenSource::AppSecret {
                appid: DEMO_APPID.into(),
                secret: Secret::new(DEMO_SECRET),
            };
            let client = WechatClient::new(ClientConfig::new(sandbox.url().clone(), source))?;
            (client, Some(Arc::new(sandbox)), String::new())
        }
    };
    Ok(AppConfig {
        runtime: runtime.handle().clone(),
        client,
        shop,
        sandbox,
        settings,
        data_dir,
        appid,
        toasts,
    })
}

/// Opens the window and runs until it is closed.
pub fn run(
    options: LaunchOptions,
    toasts: Option<mpsc::Receiver<(Level, String)>>,
) -> anyhow::Result<()> {
    let runtime = tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()
        .context("starting the async runtime")?;
    let config = configure(&runtime, options, toasts)?;
    let native = eframe::NativeOptions {
        viewport: egui::ViewportBuilder::default()
            .with_title("waybill-desk 面单工作台")
            .with_inner_size([1440.0, 900.0])
            .with_min_inner_size([960.0, 600.0]),
        ..eframe::NativeOptions::default()
    };
    eframe::run_native(
        "waybill-desk",
        native,
        Box::new(move |cc| Ok(Box::new(WaybillApp::new(&cc.egui_ctx, config)))),
    )
    .map_err(|e| anyhow::anyhow!("the window could not start: {e}"))?;
    drop(runtime);
    Ok(())
}
