//! The typed WeChat API client: one module per API area, one error type.

pub mod client;
pub mod codes;
pub mod couriers;
pub mod delivery;
pub mod error;
pub mod label;
pub mod logistics;
pub mod order;
pub mod sanitize;
pub mod shop;
pub mod token;
pub mod types;

/// The language type lives in [`crate::i18n`]; kept here so `wechat::Lang` still names it.
pub use crate::i18n::Lang;
pub use client::{ClientConfig, RetryConfig, WechatClient, DEFAULT_API_BASE};
pub use error::{LimitHit, Refusal, WechatError};
pub use token::TokenSource;
pub use types::{DeliveryId, OrderId, PrintType, Secret, WaybillId};
