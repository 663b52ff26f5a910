//! waybill-desk: sets up logging (stderr, and the log files in the XDG state directory) and the
//! crash-report hook, then opens the window (no command) or runs the command line.

use std::process::ExitCode;

use clap::{CommandFactory, FromArgMatches};
use tracing_subscriber::layer::SubscriberExt;
use tracing_subscriber::util::SubscriberInitExt;
use tracing_subscriber::{EnvFilter, Layer};

use waybill_desk::app::activity::ToastLayer;
use waybill_desk::app::crash_report;
use waybill_desk::app::launch::{self, LaunchOptions};
use waybill_desk::cli::args::Command;
use waybill_desk::logging;

fn main() -> ExitCode {
    // Before any thread starts: WebKit processes started from this process inherit its
    // environment, so the AppSecret must not stay in it.
    waybill_desk::credentials::env_secret::take_from_environment();
    // Scrubbed from the log files and crash reports wherever it would appear.
    logging::register_env_secret();
    let cli = parse_cli();
    let state_dir = logging::state_dir();
    crash_report::install_panic_hook(state_dir.clone());

    let filter =
        || EnvFilter::try_from_env("WAYBILL_DESK_LOG").unwrap_or_else(|_| EnvFilter::new("warn"));
    // Colour codes only for a terminal: a log file or a pipe gets plain text.
    let fmt = tracing_subscriber::fmt::layer()
        .with_ansi(std::io::IsTerminal::is_terminal(&std::io::stderr()))
        // Scrubbed like the file: stderr ends up in terminals' scrollback and system journals.
        .with_writer(logging::Scrubbing::new(std::io::stderr))
        .with_filter(filter());
    // The window always keeps a log file; the command line when asked (--log-file).
    let wants_file = cli.command.is_none() || cli.log_file;
    let mut file_problem = None;
    let file = if wants_file {
        match logging::open_log_files(&logging::logs_dir(&state_dir)) {
            Ok(appender) => Some(
                tracing_subscriber::fmt::layer()
                    .with_ansi(false)
                    .with_writer(logging::Scrubbing::new(appender))
                    .with_filter(
                        EnvFilter::try_from_env("WAYBILL_DESK_LOG")
                            .unwrap_or_else(|_| EnvFilter::new("warn,waybill_desk=info")),
                    ),
            ),
            Err(e) => {
                file_problem = Some(e);
                None
            }
        }
    } else {
        None
    };

    if let Some(command) = cli.command.as_ref() {
        tracing_subscriber::registry().with(fmt).with(file).init();
        report_file_problem(file_problem, &cli);
        if let Command::DebugPanic { message } = command {
            // Logged as given: the log file's scrubbing is what keeps a secret in it out.
            tracing::info!(
                version = waybill_desk::about::VERSION,
                "debug-panic asked for: {message}"
            );
            panic!("deliberate panic (waybill-desk debug-panic): {message}");
        }
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
    tracing_subscriber::registry()
        .with(fmt)
        .with(file)
        .with(toasts)
        .init();
    report_file_problem(file_problem, &cli);
    tracing::info!(
        version = waybill_desk::about::VERSION,
        commit = waybill_desk::about::GIT_COMMIT,
        "window starting"
    );
    let options = LaunchOptions {
        api_base: cli.api_base,
        appid: cli.appid,
        shop: cli.shop.map(Into::into),
        data_dir: cli.data_dir,
        lang: cli.lang.map(Into::into),
        journal: cli.journal,
    };
    let result = launch::run(options, Some(toast_rx));
    match result {
        Ok(()) => {
            tracing::info!("window closed");
            ExitCode::SUCCESS
        }
        Err(e) => {
            tracing::error!("the window stopped: {e:#}");
            eprintln!("waybill-desk: {e:#}");
            ExitCode::FAILURE
        }
    }
}

/// Parses the command line; `--version` also names the commit and the WebKitGTK in use.
fn parse_cli() -> waybill_desk::cli::Cli {
    let mut command = waybill_desk::cli::Cli::command();
    // Asking dpkg for the WebKitGTK version costs a process: only when it is shown.
    if std::env::args_os().any(|a| a == "--version") {
        // Leaked once: clap keeps its strings for the life of the program, which this is.
        let long_version: &'static str =
            Box::leak(waybill_desk::about::long_version().into_boxed_str());
        command = command.long_version(long_version);
    }
    let matches = command.get_matches();
    match waybill_desk::cli::Cli::from_arg_matches(&matches) {
        Ok(cli) => cli,
        Err(e) => e.exit(),
    }
}

/// Says (in the session's language, once, on stderr and in the log) that no log file is kept.
fn report_file_problem(problem: Option<logging::LogError>, cli: &waybill_desk::cli::Cli) {
    if let Some(e) = problem {
        let lang = cli.lang.map(Into::into).unwrap_or_default();
        tracing::warn!("{}", e.explain(lang));
    }
}
