//! waybill-desk: the packing station of a WeChat shop. Lists orders, fetches and prints
//! e-waybill labels, and ships orders.

pub mod about;
pub mod app;
pub mod cancel;
pub mod cli;
pub mod credentials;
pub mod i18n;
pub mod logging;
pub mod print;
pub mod resolve;
pub mod sandbox;
pub mod settings;
pub mod station;
pub mod store;
pub mod ui;
pub mod wechat;
