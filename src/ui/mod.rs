//! Drawing. Every `*_ui` function only draws and returns what the user asked for as
//! [`Command`](crate::app::command::Command)s.

pub mod crash_report_ui;
pub mod detail_ui;
pub mod fonts;
pub mod i18n;
pub mod log_ui;
pub mod orders_ui;
pub mod scanner_ui;
pub mod settings_ui;
pub mod setup_printer_ui;
pub mod setup_ui;
pub mod ship_dialog_ui;
pub mod stations_ui;
pub mod theme;
pub mod toolbar_ui;

pub use i18n::tr;
