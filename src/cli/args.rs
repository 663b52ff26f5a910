//! The command-line interface (clap). Scripts rely on it: change it only by adding.

use std::net::SocketAddr;
use std::path::PathBuf;

use clap::{Parser, Subcommand, ValueEnum};

use crate::wechat::delivery::WaybillRef;
use crate::wechat::order::ParcelItem;
use crate::wechat::shop::ShopKind;
use crate::wechat::{Lang, OrderId};

const AFTER_HELP: &str = "\
Examples:
  waybill-desk                                  open the packing-station window (demo mode without credentials)
  waybill-desk sandbox --addr 127.0.0.1:8765    serve the sandbox and print its URL
  waybill-desk login --appid wx1234567890abcdef store the shop's AppSecret in the OS keychain
  waybill-desk orders --json                    list the orders to be shipped, one JSON line each
  waybill-desk batch labels --status 20         fetch every label to be printed, resumable
  waybill-desk print 3704...:SF --printer Zebra print a label silently on a CUPS queue

Environment:
  WAYBILL_DESK_APPID, WAYBILL_DESK_APPSECRET    credentials for headless use (the secret is never a flag)
  WAYBILL_DESK_DATA_DIR                         settings and the journal (default ~/.local/share/waybill-desk)
  WAYBILL_DESK_STATE_DIR                        logs and crash reports (default ~/.local/state/waybill-desk)
  WAYBILL_DESK_LOG                              log filter, e.g. info or waybill_desk=debug (default warn)
  WAYBILL_DESK_LOG_FILE=1                       the command line writes its log file too (like --log-file)

Files:
  STATE_DIR/logs/waybill-desk.YYYY-MM-DD.log    the log, one file a day, the last 7 kept, secrets removed
  STATE_DIR/crashes/crash-*.txt                 a report per crash, offered by the window on its next start
";

/// Packing station for a WeChat shop: orders, e-waybill labels, shipping.
///
/// With no command it opens the window; each command below does one thing and exits with
/// status 0 only when everything asked for succeeded.
#[derive(Debug, Parser)]
#[command(name = "waybill-desk", version, about, long_about, after_help = AFTER_HELP)]
pub struct Cli {
    /// WeChat API base URL (default: the real WeChat host; a sandbox or proxy URL here).
    #[arg(long, global = true, env = "WAYBILL_DESK_API_BASE")]
    pub api_base: Option<url::Url>,
    /// The shop's AppID. The AppSecret comes from WAYBILL_DESK_APPSECRET.
    #[arg(long, global = true, env = "WAYBILL_DESK_APPID")]
    pub appid: Option<String>,
    /// Which shop order API family the account uses.
    #[arg(long, global = true, value_enum)]
    pub shop: Option<ShopArg>,
    /// Where settings and the journal live (default: ~/.local/share/waybill-desk).
    #[arg(long, global = true, env = "WAYBILL_DESK_DATA_DIR")]
    pub data_dir: Option<PathBuf>,
    /// A shared journal: postgres://USER@HOST:PORT/DATABASE (the password from ~/.pgpass, never
    /// here). Else WAYBILL_DESK_JOURNAL_URL, else journal_url in settings, else the data
    /// directory's own journal file.
    #[arg(long, global = true, value_name = "URL")]
    pub journal: Option<String>,
    /// Language of messages.
    #[arg(long, global = true, value_enum, env = "WAYBILL_DESK_LANG")]
    pub lang: Option<LangArg>,
    /// Also write the log to STATE_DIR/logs/ (the window always does).
    #[arg(
        long,
        global = true,
        env = "WAYBILL_DESK_LOG_FILE",
        value_parser = clap::builder::BoolishValueParser::new()
    )]
    pub log_file: bool,
    #[command(subcommand)]
    pub command: Option<Command>,
}

/// Shop family on the command line.
#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum ShopArg {
    /// 微信小店 (channels/ec).
    Channels,
    /// 小商店 (product/order).
    Minishop,
}

impl From<ShopArg> for ShopKind {
    fn from(s: ShopArg) -> Self {
        match s {
            ShopArg::Channels => ShopKind::Channels,
            ShopArg::Minishop => ShopKind::Minishop,
        }
    }
}

/// Language on the command line.
#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum LangArg {
    #[value(name = "zh-cn", alias = "zh")]
    ZhCn,
    En,
}

impl From<LangArg> for Lang {
    fn from(l: LangArg) -> Self {
        match l {
            LangArg::ZhCn => Lang::ZhCn,
            LangArg::En => Lang::En,
        }
    }
}

/// Label kind on the command line.
#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum PrintTypeArg {
    /// One-part label (一联单, 76x130 mm), through getOrder with print_type 1.
    One,
    /// Two-part label (二联单, 100x180 mm), through batchGetOrder.
    Two,
}

/// What to do.
#[derive(Debug, Subcommand)]
pub enum Command {
    /// Serve the sandbox (a local stand-in for WeChat) and print its URL.
    #[command(
        after_help = "Example:\n  waybill-desk sandbox --addr 127.0.0.1:8765 --latency-ms 50 --orders 1000"
    )]
    Sandbox {
        /// Where to listen. An address other machines can reach (0.0.0.0, a LAN address)
        /// exposes the unauthenticated fault endpoint, and is warned about.
        #[arg(long, default_value = "127.0.0.1:8765")]
        addr: SocketAddr,
        /// Every call's round trip in ms (0 to 60000): the answer leaves this long after the
        /// request arrived, the sandbox's own work done meanwhile.
        #[arg(long, default_value_t = 0, value_parser = crate::sandbox::limits::parse_latency_ms)]
        latency_ms: u64,
        /// Sample orders to generate (0 to 100000).
        #[arg(long, default_value_t = 300, value_parser = crate::sandbox::limits::parse_orders)]
        orders: usize,
    },
    /// List shop orders (default: to be shipped, last 30 days).
    #[command(
        after_help = "Example:\n  waybill-desk orders\n  waybill-desk orders --status 0 --days 7 --json"
    )]
    Orders {
        /// OrderStatus to list (20 = to be shipped); 0 lists every status.
        #[arg(long, default_value_t = 20)]
        status: u32,
        /// How many days back to look.
        #[arg(long, default_value_t = 30)]
        days: u32,
        /// List every order again instead of only those changed since the last listing (the
        /// order cache in the journal is refreshed in full).
        #[arg(long)]
        full: bool,
        /// One JSON object per line instead of text.
        #[arg(long)]
        json: bool,
    },
    /// Fetch e-waybill labels and write them as HTML files.
    #[command(
        after_help = "Example:\n  waybill-desk labels 3704000000000000123:SF --out labels/\n  waybill-desk labels 3704000000000000123:SF:SF1001 --print-type one --json"
    )]
    Labels {
        /// ORDER_ID:DELIVERY_ID[:WAYBILL_ID]
        #[arg(required = true, value_name = "ORDER")]
        orders: Vec<LabelArg>,
        /// Label kind: `one` (一联单, 76x130 mm, getOrder) or `two` (二联单, 100x180 mm,
        /// batchGetOrder).
        #[arg(long, value_enum, default_value = "two")]
        print_type: PrintTypeArg,
        /// Directory for ORDER_ID.html files.
        #[arg(long, default_value = ".")]
        out: PathBuf,
        /// One JSON object per line instead of text.
        #[arg(long)]
        json: bool,
    },
    /// Ship an order (or one parcel of it) with its waybill (delivery/send; mini shops:
    /// product/delivery/send). Only what is left to ship goes out.
    #[command(
        after_help = "Example:\n  waybill-desk ship 3704000000000000123 --waybill SF:SF1001\n  waybill-desk ship 3704000000000000123 --waybill SF:SF1001 --items 1:10:2 --json"
    )]
    Ship {
        /// The shop order id (digits; kept exact even beyond 2^53).
        order_id: OrderId,
        /// DELIVERY_ID:WAYBILL_ID (the courier id the waybill was made with); repeat for several
        /// parcels. Leave it out only for virtual goods (shipped whole, without logistics).
        #[arg(long = "waybill")]
        waybills: Vec<WaybillRef>,
        /// What goes in this parcel, PRODUCT_ID:SKU_ID:COUNT,... (default: everything left);
        /// the rest stays to be shipped.
        #[arg(long, value_delimiter = ',', value_name = "PRODUCT:SKU:COUNT")]
        items: Vec<ParcelItem>,
        /// National-subsidy SN code of the product (asked for by errcode 606060).
        #[arg(long, value_name = "CODE")]
        sn: Option<String>,
        /// IMEI code(s) that go with the SN (at most two).
        #[arg(long = "imei", value_name = "IMEI", requires = "sn")]
        imeis: Vec<String>,
        /// One JSON object per line instead of text.
        #[arg(long)]
        json: bool,
    },
    /// List the couriers (getAllDelivery) with the shop courier list's id each ships under.
    #[command(after_help = "Example:\n  waybill-desk couriers --json")]
    Couriers {
        /// One JSON object per line instead of text.
        #[arg(long)]
        json: bool,
    },
    /// Create or cancel e-waybills.
    #[command(
        after_help = "Example:\n  waybill-desk waybill add 3704000000000000123 --delivery-id SF --biz-id SF_CASH\n  waybill-desk waybill cancel 3704000000000000123 --delivery-id SF --waybill-id SF1001"
    )]
    Waybill {
        #[command(subcommand)]
        action: WaybillAction,
    },
    /// Store the shop's credentials in the OS keychain (with the global --appid): the AppSecret
    /// is read from stdin without echo, or give --token-url instead.
    #[command(
        after_help = "Example:\n  waybill-desk login --appid wx1234567890abcdef            (asks for the AppSecret)\n  waybill-desk login --appid wx1234567890abcdef --token-url https://tokens.example/wx"
    )]
    Login {
        /// The company's token service (answers {access_token, expires_in}); then no AppSecret
        /// is kept on this station.
        #[arg(long, value_name = "URL")]
        token_url: Option<String>,
        /// Store without checking the credentials against WeChat first.
        #[arg(long)]
        no_verify: bool,
    },
    /// Remove the stored credentials from the OS keychain.
    #[command(after_help = "Example:\n  waybill-desk logout")]
    Logout,
    /// Show the AppID in use and where its secret lives (never the secret).
    #[command(after_help = "Example:\n  waybill-desk whoami --json")]
    Whoami {
        /// One JSON object per line instead of text.
        #[arg(long)]
        json: bool,
    },
    /// Large label batches that survive a crash: run, resume, inspect.
    #[command(
        after_help = "Example:\n  waybill-desk batch labels --status 20 --limit 500 --out labels/\n  waybill-desk batch resume\n  waybill-desk batch status"
    )]
    Batch {
        #[command(subcommand)]
        action: BatchAction,
    },
    /// The journal of labels, print jobs and shipments (works offline).
    #[command(
        after_help = "Example:\n  waybill-desk journal history 3704000000000000123\n  waybill-desk journal label 3704000000000000123 --out reprint/\n  waybill-desk journal check"
    )]
    Journal {
        #[command(subcommand)]
        action: JournalAction,
    },
    /// Show sender and receiver of a waybill (getContact).
    #[command(
        after_help = "Example:\n  waybill-desk contact SF1001 --token TOKEN_FROM_THE_EVENT --json"
    )]
    Contact {
        /// The waybill number (运单号).
        waybill_id: String,
        /// The Token of the waybill's order-placement event.
        #[arg(long)]
        token: String,
        /// One JSON object per line instead of text.
        #[arg(long)]
        json: bool,
    },
    /// Print e-waybill labels silently on a printer, or save them as PDF at the label size.
    #[command(
        after_help = "Example:\n  waybill-desk print 3704000000000000123:SF --printer Zebra_ZD420\n  waybill-desk print 3704000000000000123:SF 3704000000000000124:SF --pdf labels.pdf"
    )]
    Print {
        /// ORDER_ID:DELIVERY_ID[:WAYBILL_ID]
        #[arg(required = true, value_name = "ORDER")]
        orders: Vec<LabelArg>,
        /// Printer (CUPS queue) to print on; see `waybill-desk printers`.
        #[arg(long, required_unless_present = "pdf", conflicts_with = "pdf")]
        printer: Option<String>,
        /// Save as PDF instead: a directory gets ORDER_ID.pdf per label, a FILE.pdf gets every
        /// label as one page of that file.
        #[arg(long, value_name = "FILE_OR_DIR")]
        pdf: Option<PathBuf>,
        /// Label kind: `one` (一联单, 76x130 mm, getOrder) or `two` (二联单, 100x180 mm,
        /// batchGetOrder).
        #[arg(long, value_enum, default_value = "two")]
        print_type: PrintTypeArg,
        /// Paper size WIDTHxHEIGHT in mm (default: 100x180 two-part, 76x130 one-part).
        #[arg(long, value_name = "WxHmm")]
        size: Option<crate::print::LabelSize>,
        /// Copies of each label.
        #[arg(long, default_value_t = 1)]
        copies: u32,
        /// Seconds one label may take before the print worker is stopped.
        #[arg(long, default_value_t = 60)]
        timeout_s: u64,
        /// Try every label even after one fails (default: stop, so labels stay in order).
        #[arg(long)]
        keep_going: bool,
        /// One JSON object per line instead of text.
        #[arg(long)]
        json: bool,
    },
    /// List the printers and their state (stopped, offline, out of paper, ...).
    #[command(after_help = "Example:\n  waybill-desk printers --json")]
    Printers {
        /// One JSON object per line instead of text.
        #[arg(long)]
        json: bool,
    },
    /// One printer's test label and calibration (offset and scale applied to every job to it).
    #[command(
        after_help = "Examples:\n  waybill-desk printer test-label --printer Zebra_ZD420 --size 100x150\n  waybill-desk printer calibrate --printer Zebra_ZD420 --x-mm 1.5 --y-mm -0.5\n  waybill-desk printer calibrate --printer Zebra_ZD420        (show it)"
    )]
    Printer {
        #[command(subcommand)]
        action: PrinterAction,
    },
    /// Run the print worker: JSON print jobs on stdin, one JSON answer per job on stdout.
    #[command(hide = true)]
    PrintWorker,
    /// Panic on purpose, to check the crash report (support and tests).
    #[command(hide = true)]
    DebugPanic {
        /// Put into the panic message.
        #[arg(default_value = "no message")]
        message: String,
    },
    /// Show label pages in a preview window. With --stdin it reads JSON commands
    /// (`{"type":"show","html":...,"size":...}`) line by line (used by the app).
    #[command(hide = true)]
    PreviewWindow {
        /// A label HTML file to show.
        #[arg(long)]
        html: Option<PathBuf>,
        /// The label's paper size, shown in the title (default 100x180).
        #[arg(long, value_name = "WxHmm")]
        size: Option<crate::print::LabelSize>,
        /// Read commands from stdin.
        #[arg(long)]
        stdin: bool,
        /// Show the preview inside this X11 window (its id) instead of a window of its own.
        #[arg(long, value_name = "XID")]
        embed_in: Option<u64>,
    },
}

/// `printer` sub-actions.
#[derive(Debug, Subcommand)]
pub enum PrinterAction {
    /// Print the built-in test label (frame 2 mm inside the edges, centre crosshair, mm rulers)
    /// through the same path as real labels, with the printer's calibration applied.
    TestLabel {
        /// Printer (CUPS queue); default: the one chosen in Settings.
        #[arg(long)]
        printer: Option<String>,
        /// Label size WIDTHxHEIGHT in mm; default: the size in Settings, else 100x150.
        #[arg(long, value_name = "WxHmm")]
        size: Option<crate::print::LabelSize>,
    },
    /// Save a printer's calibration (each value left out keeps the saved one); with no value,
    /// show it.
    Calibrate {
        /// Printer (CUPS queue); default: the one chosen in Settings.
        #[arg(long)]
        printer: Option<String>,
        /// Move labels right (negative: left), in mm, -10..10.
        #[arg(long, allow_hyphen_values = true)]
        x_mm: Option<f64>,
        /// Move labels down (negative: up), in mm, -10..10.
        #[arg(long, allow_hyphen_values = true)]
        y_mm: Option<f64>,
        /// Scale in per cent, 90..110.
        #[arg(long)]
        scale: Option<f64>,
        /// Remove the printer's calibration.
        #[arg(long, conflicts_with_all = ["x_mm", "y_mm", "scale"])]
        reset: bool,
    },
}

/// `batch` sub-actions.
#[derive(Debug, Subcommand)]
pub enum BatchAction {
    /// Fetch labels for every listed order, creating missing waybills (courier, biz_id and
    /// sender from settings); each label is recorded in the journal as it arrives.
    Labels {
        /// OrderStatus to list (20 = to be shipped).
        #[arg(long, default_value_t = 20)]
        status: u32,
        /// How many days back to look.
        #[arg(long, default_value_t = 30)]
        days: u32,
        /// At most this many orders (newest first).
        #[arg(long)]
        limit: Option<usize>,
        /// Label kind (default: from settings).
        #[arg(long, value_enum)]
        print_type: Option<PrintTypeArg>,
        /// Courier for new waybills (default: from settings).
        #[arg(long)]
        delivery_id: Option<String>,
        /// Courier account for new waybills (default: from settings).
        #[arg(long)]
        biz_id: Option<String>,
        /// Also write each label to DIR/ORDER_ID.html when the batch ends.
        #[arg(long, value_name = "DIR")]
        out: Option<PathBuf>,
        /// One JSON object per line instead of text.
        #[arg(long)]
        json: bool,
    },
    /// Finish a batch that was interrupted (default: the latest unfinished one).
    Resume {
        /// The batch id (`waybill-desk batch status` lists the unfinished ones).
        batch: Option<i64>,
        /// Write each label to DIR/ORDER_ID.html.
        #[arg(long, value_name = "DIR")]
        out: Option<PathBuf>,
        /// One JSON object per line instead of text.
        #[arg(long)]
        json: bool,
    },
    /// Show unfinished batches (or one batch).
    Status {
        /// The batch id (`waybill-desk batch status` lists the unfinished ones).
        batch: Option<i64>,
        /// One JSON object per line instead of text.
        #[arg(long)]
        json: bool,
    },
    /// Give up an unfinished batch (its recorded labels stay).
    Abandon {
        /// The batch id (`waybill-desk batch status` lists the unfinished ones).
        batch: i64,
    },
}

/// `journal` sub-actions.
#[derive(Debug, Subcommand)]
pub enum JournalAction {
    /// Everything recorded about an order: labels, print jobs, shipment attempts.
    History {
        /// The shop order id (digits; kept exact even beyond 2^53).
        order_id: OrderId,
        /// One JSON object per line instead of text.
        #[arg(long)]
        json: bool,
    },
    /// Write an order's latest recorded label to DIR/ORDER_ID.html (a reprint without network).
    Label {
        /// The shop order id (digits; kept exact even beyond 2^53).
        order_id: OrderId,
        /// Write each label to DIR/ORDER_ID.html.
        #[arg(long, default_value = ".")]
        out: PathBuf,
    },
    /// Store the password of the shared journal (--journal, WAYBILL_DESK_JOURNAL_URL or
    /// journal_url) in the OS keychain: read without echo from the terminal, or the first line
    /// of stdin.
    Password,
    /// Bring a shared journal's schema up to date (PostgreSQL; safe with several stations at
    /// once). The station's own file is migrated when opened: this reports its version.
    Migrate,
    /// Copy this station's own journal file (labels, prints, shipments, batches and their
    /// orders, parcels, cancels, the order cache) into a shared PostgreSQL journal. Running it
    /// again copies nothing twice.
    Copy {
        /// The shared journal: postgres://USER@HOST:PORT/DATABASE (password from ~/.pgpass).
        #[arg(long, value_name = "URL")]
        to: String,
        /// One JSON object instead of text.
        #[arg(long)]
        json: bool,
    },
    /// Check every page of the journal file (SQLite integrity_check); exit status 1, with what
    /// to do, when it is damaged.
    Check,
    /// Copy every record that can still be read from a damaged journal (moved aside) into the
    /// new, empty journal of the data directory. The damaged file is only read.
    Salvage {
        /// The damaged journal file, moved aside (it is only read).
        damaged: PathBuf,
        /// One JSON object per line instead of text.
        #[arg(long)]
        json: bool,
    },
    /// Every station that records in this journal: its operators, the orders it holds now
    /// (claims with a live lease) and today's labels, prints and shipments.
    Stations {
        /// One JSON object per station per line instead of a table.
        #[arg(long)]
        json: bool,
    },
}

/// `waybill` sub-actions.
#[derive(Debug, Subcommand)]
pub enum WaybillAction {
    /// Create a waybill for a shop order (receiver and goods from the order, sender from settings).
    Add {
        /// The shop order id (digits; kept exact even beyond 2^53).
        order_id: OrderId,
        /// The courier id (delivery_id, e.g. SF, YUNDA; `waybill-desk couriers` lists them).
        #[arg(long)]
        delivery_id: String,
        /// The courier account the waybill is billed to (biz_id; `waybill-desk couriers` lists them).
        #[arg(long)]
        biz_id: String,
        /// One JSON object per line instead of text.
        #[arg(long)]
        json: bool,
    },
    /// Cancel a waybill; the journal records it and it is never used again.
    Cancel {
        /// The shop order id (digits; kept exact even beyond 2^53).
        order_id: OrderId,
        /// The courier id (delivery_id, e.g. SF, YUNDA; `waybill-desk couriers` lists them).
        #[arg(long)]
        delivery_id: String,
        /// The waybill number (运单号).
        #[arg(long)]
        waybill_id: String,
    },
}

/// `ORDER_ID:DELIVERY_ID[:WAYBILL_ID]`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct LabelArg {
    pub order_id: OrderId,
    pub delivery_id: String,
    pub waybill_id: Option<String>,
}

impl std::str::FromStr for LabelArg {
    type Err = String;
    fn from_str(s: &str) -> Result<Self, Self::Err> {
        let mut parts = s.splitn(3, ':');
        let order_id = parts.next().unwrap_or_default().parse::<OrderId>()?;
        let delivery_id = parts.next().unwrap_or_default().trim().to_string();
        if delivery_id.is_empty() {
            return Err(format!("`{s}` is not ORDER_ID:DELIVERY_ID[:WAYBILL_ID]"));
        }
        let waybill_id = parts
            .next()
            .map(|w| w.trim().to_string())
            .filter(|w| !w.is_empty());
        Ok(LabelArg {
            order_id,
            delivery_id,
            waybill_id,
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn label_arg_parses_with_and_without_waybill() {
        let a: LabelArg = "9007199254740993:SF".parse().unwrap();
        assert_eq!(a.order_id, OrderId(9_007_199_254_740_993));
        assert_eq!(a.waybill_id, None);
        let b: LabelArg = "12:SF:SF100".parse().unwrap();
        assert_eq!(b.waybill_id.as_deref(), Some("SF100"));
        assert!("12".parse::<LabelArg>().is_err());
        assert!("x:SF".parse::<LabelArg>().is_err());
    }

    #[test]
    fn ship_takes_items_sn_and_imeis() {
        let cli = Cli::try_parse_from([
            "waybill-desk",
            "ship",
            "12",
            "--waybill",
            "YUNDA:YD1",
            "--items",
            "1:10:2,3:30:1",
            "--sn",
            "SN9",
            "--imei",
            "860001",
        ])
        .unwrap();
        let Some(Command::Ship {
            items, sn, imeis, ..
        }) = cli.command
        else {
            panic!("not ship");
        };
        assert_eq!(items.len(), 2);
        assert_eq!(items[0].count, 2);
        assert_eq!(sn.as_deref(), Some("SN9"));
        assert_eq!(imeis, vec!["860001".to_string()]);
        assert!(Cli::try_parse_from(["waybill-desk", "ship", "12", "--items", "1:2"]).is_err());
        assert!(Cli::try_parse_from(["waybill-desk", "ship", "12", "--imei", "1"]).is_err());
    }

    #[test]
    fn cli_definition_is_consistent() {
        use clap::CommandFactory;
        Cli::command().debug_assert();
    }
}
