//! waybill-desk: sets up logging, then opens the window (no command) or runs the command line.

use std::process::ExitCode;

use clap::Parser;
use tracing_subscriber::layer::SubscriberExt;
use tracing_subscriber::util::SubscriberInitExt;
use tracing_subscriber::{EnvFilter, Layer};

use waybill_desk::app::activity::ToastLayer;
use waybill_desk::app::launch::{self, LaunchOptions};

fn main() -> ExitCode {
    // Before any thread starts: WebKit processes started from this process inherit its
    // environment, so the AppSecret must not stay in it.
    waybill_desk::credentials::env_secret::take_from_environment();
    let cli = waybill_desk::cli::Cli::parse();
    let filter =
        || EnvFilter::try_from_env("WAYBILL_DESK_LOG").unwrap_or_else(|_| EnvFilter::new("warn"));
    // Colour codes only for a terminal: a log file or a pipe gets plain text.
    let fmt = tracing_subscriber::fmt::layer()
        .with_ansi(std::io::IsTerminal::is_terminal(&std::io::stderr()))
        .with_writer(std::io::stderr)
        .with_filter(filter());
    if cli.command.is_some() {
        tracing_subscriber::registry().with(fmt).init();
        let runtime = match tokio::runtime::Builder::new_multi_thread()
            .enable_all()
            .build()
        {
            Ok(rt) => rt,
            Err(e) => {
                eprintln!("cannot start the async runtime: {e}");
                return ExitCode::FAILURE;
            }
        };
        return runtime.block_on(waybill_desk::cli::run(cli));
    }
    let (toasts, toast_rx) = ToastLayer::new();
    tracing_subscriber::registry().with(fmt).with(toasts).init();
    let options = LaunchOptions {
        api_base: cli.api_base,
        appid: cli.appid,
        shop: cli.shop.map(Into::into),
        data_dir: cli.data_dir,
        lang: cli.lang.map(Into::into),
    };
    match launch::run(options, Some(toast_rx)) {
        Ok(()) => ExitCode::SUCCESS,
        Err(e) => {
            eprintln!("waybill-desk: {e:#}");
            ExitCode::FAILURE
        }
    }
}
