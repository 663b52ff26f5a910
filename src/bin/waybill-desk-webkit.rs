//! waybill-desk-webkit: the helper that runs everything needing GTK and WebKit — the print
//! worker, the label preview (embedded in the window on X11, or a window of its own), and the
//! print dialog. The app and the CLI start it; it is not meant to be run by hand.
//!
//! Why a second binary (the house prefers one binary with subcommands): a binary that links
//! WebKitGTK has the dynamic linker load and relocate WebKit, JavaScriptCore, GTK and their
//! dependencies at every start, ~36 MB resident in the window's process before any label is
//! shown. `waybill-desk` itself no longer reaches any GTK or WebKit code, so it does not link
//! them at all; this helper does, and runs only when a label is previewed or printed.

use std::path::PathBuf;
use std::process::ExitCode;

use clap::{Parser, Subcommand};
use tracing_subscriber::EnvFilter;

use waybill_desk::print::{self, LabelSize};

#[derive(Parser)]
#[command(
    name = "waybill-desk-webkit",
    version = waybill_desk::about::VERSION,
    about = "The GTK/WebKit helper of waybill-desk (print worker, label preview, print dialog); started by waybill-desk"
)]
struct Cli {
    #[command(subcommand)]
    command: HelperCommand,
}

#[derive(Subcommand)]
enum HelperCommand {
    /// Run the print worker: JSON print jobs on stdin, one JSON answer per job on stdout.
    PrintWorker,
    /// Show label pages in a preview window, or inside another window (--embed-in). With
    /// --stdin it reads JSON commands line by line (used by the app).
    PreviewWindow {
        /// A label HTML file to show.
        #[arg(long)]
        html: Option<PathBuf>,
        /// The label's paper size, shown in the title (default 100x180).
        #[arg(long, value_name = "WxHmm")]
        size: Option<LabelSize>,
        /// Read commands from stdin.
        #[arg(long)]
        stdin: bool,
        /// Show the preview inside this X11 window (its id) instead of a window of its own.
        #[arg(long, value_name = "XID", requires = "stdin")]
        embed_in: Option<u64>,
    },
}

fn main() -> ExitCode {
    // Started with a scrubbed environment; taken out anyway in case someone runs it by hand.
    waybill_desk::credentials::env_secret::take_from_environment();
    waybill_desk::logging::register_env_secret();
    let cli = Cli::parse();
    tracing_subscriber::fmt()
        .with_env_filter(
            EnvFilter::try_from_env("WAYBILL_DESK_LOG").unwrap_or_else(|_| EnvFilter::new("warn")),
        )
        .with_ansi(false)
        .with_writer(waybill_desk::logging::Scrubbing::new(std::io::stderr))
        .init();
    match cli.command {
        HelperCommand::PrintWorker => {
            let stdin = std::io::stdin();
            let stdout = std::io::stdout();
            match print::worker::serve(stdin.lock(), stdout.lock()) {
                Ok(()) => ExitCode::SUCCESS,
                Err(e) => {
                    eprintln!("print worker: {e}");
                    ExitCode::FAILURE
                }
            }
        }
        HelperCommand::PreviewWindow {
            html,
            size,
            stdin,
            embed_in,
        } => match preview_window(html, size, stdin, embed_in) {
            Ok(()) => ExitCode::SUCCESS,
            Err(e) => {
                eprintln!("waybill-desk-webkit preview-window: {e:#}");
                ExitCode::FAILURE
            }
        },
    }
}

fn preview_window(
    html: Option<PathBuf>,
    size: Option<LabelSize>,
    stdin: bool,
    embed_in: Option<u64>,
) -> anyhow::Result<()> {
    use anyhow::Context as _;
    let first = match html {
        Some(path) => Some(
            std::fs::read_to_string(&path)
                .with_context(|| format!("cannot read {}", path.display()))?,
        ),
        None => None,
    };
    if first.is_none() && !stdin {
        anyhow::bail!("give --html FILE, --stdin, or both");
    }
    let size = size.unwrap_or(LabelSize::TWO_PART);
    match embed_in {
        Some(xid) => print::preview_window::run_embedded(xid, first, size)?,
        None => print::preview_window::run(first, size, stdin)?,
    }
    Ok(())
}
