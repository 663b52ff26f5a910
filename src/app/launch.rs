//! Starting the window: where to talk to (credentials, or the embedded sandbox in demo mode),
//! the tokio runtime, and eframe.

use std::sync::{mpsc, Arc};

use anyhow::Context as _;

use super::activity::Level;
use super::{AppConfig, WaybillApp};
use crate::i18n::Msg;
use crate::resolve::{ConnectRequest, Connection, ResolveError};
use crate::sandbox::{Sandbox, SandboxConfig};
use crate::settings::{default_data_dir, Settings};
use crate::wechat::shop::ShopKind;
use crate::wechat::{ClientConfig, WechatClient};

/// Where the window keeps its layout (eframe persistence: panel sizes, column widths).
pub const WINDOW_STATE_FILE: &str = "window.ron";

/// How the window was asked to start.
#[derive(Debug, Clone, Default)]
pub struct LaunchOptions {
    pub api_base: Option<url::Url>,
    pub appid: Option<String>,
    pub shop: Option<ShopKind>,
    pub data_dir: Option<std::path::PathBuf>,
    pub lang: Option<crate::wechat::Lang>,
    /// `--journal URL`: a shared journal, as for the CLI (before the environment and settings).
    pub journal: Option<String>,
}

/// Resolves credentials and builds the app's configuration. With credentials it talks to the
/// given (or saved, or real) API; with none it starts the embedded sandbox: demo mode.
pub fn configure(
    runtime: &tokio::runtime::Runtime,
    options: LaunchOptions,
    toasts: Option<mpsc::Receiver<(Level, crate::i18n::Msg)>>,
) -> anyhow::Result<AppConfig> {
    let options_journal = options.journal.clone();
    let data_dir = options.data_dir.unwrap_or_else(default_data_dir);
    let mut settings = Settings::load(&data_dir)?;
    if let Some(lang) = options.lang {
        settings.lang = lang;
    }
    let shop = options.shop.unwrap_or(settings.shop);
    let lang = settings.lang;
    let mut startup_problem = None;
    // The CLI's resolver: environment (headless use) first, then the keychain, else demo mode.
    let request = ConnectRequest {
        api_base: options.api_base,
        settings_api_base: settings.api_base.clone(),
        appid: options.appid,
        env_secret: crate::credentials::env_secret::env_secret(),
        shop,
    };
    let connection = match crate::resolve::connection(&request, || {
        crate::credentials::stored_token_source(&data_dir)
    }) {
        Err(ResolveError::Keychain(e)) => {
            // The window still opens (on sample data), and says so in its banner: never silently.
            startup_problem = Some(
                Msg::id("app-keychain-demo")
                    .arg("error", e.to_string())
                    .render(lang),
            );
            crate::resolve::demo(shop)
        }
        other => other?,
    };
    let journal_dir = crate::resolve::journal_dir(&data_dir, &connection);
    let (client, sandbox, appid) = match connection {
        Connection::Wechat {
            base,
            source,
            appid,
            ..
        } => (
            WechatClient::new(ClientConfig::new(base, source))?,
            None,
            appid,
        ),
        Connection::Demo { source } => {
            let sandbox = runtime
                .block_on(Sandbox::start(
                    ([127, 0, 0, 1], 0).into(),
                    SandboxConfig::default(),
                ))
                .context("starting the embedded sandbox")?;
            let client = WechatClient::new(ClientConfig::new(sandbox.url().clone(), source))?;
            // Demo data is new every start: its journal is too.
            let _ = std::fs::remove_dir_all(&journal_dir);
            (client, Some(Arc::new(sandbox)), String::new())
        }
    };
    let actor = crate::store::Actor::resolve(&settings.station, &settings.operator);
    // One resolver with the CLI: --journal, else WAYBILL_DESK_JOURNAL_URL, else journal_url in settings, else
    // the data directory's file. Demo mode keeps its own throw-away file, never a shared one.
    let opened = if sandbox.is_some() {
        crate::store::Journal::open(&journal_dir).map_err(|e| e.explain(lang))
    } else {
        match crate::resolve::journal_spec(
            options_journal.as_deref(),
            std::env::var(crate::resolve::JOURNAL_URL_ENV)
                .ok()
                .as_deref(),
            &settings.journal_url,
            &journal_dir,
        ) {
            Ok(spec) => runtime
                .block_on(crate::resolve::open_journal(&spec))
                .map_err(|e| e.explain(lang)),
            Err(e) => Err(e.explain(lang)),
        }
    };
    let station = match opened {
        Ok(journal) => Some(
            crate::station::Station::new(client.clone(), shop, journal, actor)
                .with_courier_overrides(settings.courier_map.clone()),
        ),
        Err(e) => {
            let text = Msg::id("app-journal-closed").arg("error", e).render(lang);
            startup_problem = Some(match startup_problem {
                Some(p) => format!("{p}\n{text}"),
                None => text,
            });
            None
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
        station,
        startup_problem,
        print_worker: crate::print::WorkerConfig::current_exe()?,
    })
}

/// The window's icon: the app's own 64x64 PNG (16 KB decoded). Without one eframe decodes its
/// 512x512 default icon (1 MB of heap for as long as the window is open) and shows egui's logo.
/// A PNG that does not decode (it is compiled in, so a test catches it) leaves no icon.
fn window_icon() -> std::sync::Arc<egui::IconData> {
    const PNG: &[u8] =
        include_bytes!("../../assets/icons/hicolor/64x64/io.github.waybilldesk.WaybillDesk.png");
    std::sync::Arc::new(eframe::icon_data::from_png_bytes(PNG).unwrap_or_else(|e| {
        tracing::warn!("window icon: {e}");
        egui::IconData::default()
    }))
}

/// Opens the window and runs until it is closed.
pub fn run(
    options: LaunchOptions,
    toasts: Option<mpsc::Receiver<(Level, crate::i18n::Msg)>>,
) -> anyhow::Result<()> {
    let runtime = tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()
        .context("starting the async runtime")?;
    let config = configure(&runtime, options, toasts)?;
    let title_lang = config.settings.lang;
    let native = eframe::NativeOptions {
        viewport: egui::ViewportBuilder::default()
            .with_title(crate::i18n::t(title_lang, "ui-window-title"))
            .with_icon(window_icon())
            // The desktop entry's name: Wayland's app id and X11's WM_CLASS (StartupWMClass).
            .with_app_id(crate::about::APP_ID)
            .with_inner_size([1440.0, 900.0])
            .with_min_inner_size([960.0, 600.0]),
        // Panel sizes (detail panel, activity log, table columns) come back after a restart;
        // kept with the station's other files, so each data directory has its own.
        persistence_path: Some(config.data_dir.join(WINDOW_STATE_FILE)),
        ..eframe::NativeOptions::default()
    };
    eframe::run_native(
        "waybill-desk",
        native,
        Box::new(move |cc| {
            let mut app = WaybillApp::start(&cc.egui_ctx, config);
            app.offer_crash_report(super::crash_report::CrashOffer::unseen(
                &super::crash_report::crash_dir(&crate::logging::state_dir()),
            ));
            Ok(Box::new(app))
        }),
    )
    .map_err(|e| anyhow::anyhow!("the window could not start: {e}"))?;
    drop(runtime);
    Ok(())
}

#[cfg(test)]
mod tests {
    #[test]
    fn window_icon_is_the_small_app_icon() {
        let icon = super::window_icon();
        assert_eq!((icon.width, icon.height), (64, 64));
        assert_eq!(icon.rgba.len(), 64 * 64 * 4);
        // Not blank: the label drawing has opaque pixels.
        assert!(icon.rgba.chunks(4).any(|p| p[3] == 255));
    }
}
