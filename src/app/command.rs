//! What the user asked for. Drawing functions return these; the app drains them once a frame.

use crate::app::orders::{ClickMods, SortKey};
use crate::settings::Settings;
use crate::wechat::order::ParcelItem;
use crate::wechat::{Lang, OrderId};

/// A user action.
#[derive(Debug, Clone, PartialEq)]
pub enum Command {
    /// Pull orders again (keeps the selection).
    Refresh,
    SortBy(SortKey),
    RowClicked {
        pos: usize,
        mods: ClickMods,
    },
    SelectAll,
    /// Arrow keys in the table: move the focus (shift extends the selection).
    MoveFocus {
        delta: isize,
        mods: ClickMods,
    },
    /// Status or date range changed: rebuild the view and fetch what may be missing.
    FilterChanged,
    /// The search text changed: rebuild the view from what is loaded (no network).
    SearchChanged,
    /// Create missing waybills and fetch labels for the selection.
    GetLabels,
    CancelLabels,
    /// Select the orders that failed last time and try them again.
    RetryFailed,
    /// Print the selection's labels in table order.
    Print,
    /// Stop the print run before its next label.
    CancelPrint,
    /// Preview zoom factor; 0 fits the label to the preview area.
    PreviewZoom(f64),
    /// Scroll the previewed label by (dx, dy) points (wheel or drag over it).
    PreviewScroll {
        dx: f64,
        dy: f64,
    },
    /// Print the previewed label with the system print dialog.
    PrintWithDialog,
    /// Ship the selection (or the focused order).
    Ship,
    /// Answer to "some orders were never printed: ship anyway?".
    ConfirmShip(bool),
    /// Open the split-shipping dialog for the focused order (only part of it goes in this box).
    OpenSplitShip,
    /// Ship one parcel of an order: `items` `None` = everything left; `sn` = the
    /// national-subsidy SN and IMEIs WeChat asked for (606060).
    ShipParcel {
        order_id: OrderId,
        items: Option<Vec<ParcelItem>>,
        sn: Option<(String, Vec<String>)>,
    },
    /// Close the split / SN dialog without shipping.
    CloseShipDialog,
    /// Ask to cancel the focused order's waybill (a confirmation follows).
    AskCancelWaybill(OrderId),
    /// Answer to "cancel this waybill?".
    ConfirmCancelWaybill(bool),
    /// The waybill was cancelled: create a new one and fetch its label.
    NewWaybill(OrderId),
    /// A scanned (or typed) order id or waybill id.
    Scan(String),
    ToggleScanner,
    /// An already shipped order was scanned: the packer confirms printing its label again.
    ReprintShipped(OrderId),
    /// Scanner mode's "ship right after printing" (saved at once).
    SetPrintThenShip(bool),
    OpenSettings,
    /// Open the printer step (test label and calibration) from Settings.
    OpenCalibration,
    /// Open the setup guide (from Settings, or at the first start).
    OpenSetup,
    CloseSettings,
    /// Save settings; a typed AppSecret goes to the OS keychain (never to a file).
    SaveSettings {
        settings: Box<Settings>,
        appid: String,
        secret: Option<crate::wechat::Secret>,
    },
    LoadCouriers,
    /// Load both courier lists and their mapping (Settings' courier table).
    LoadCourierMap,
    FetchContact(OrderId),
    DismissToast(usize),
    /// Continue a label batch an earlier run left unfinished.
    ResumeBatch(crate::store::BatchId),
    SetLang(Lang),
    /// Open or close the stations panel (a shared journal's stations, claims, today's counts).
    ToggleStations,
    /// Read the stations panel's numbers again.
    RefreshStations,
}
