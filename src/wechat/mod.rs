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

pub use client::{ClientConfig, RetryConfig, WechatClient, DEFAULT_API_BASE};
pub use error::{Lang, LimitHit, Refusal, WechatError};
pub use token::TokenSource;
pub use types::{DeliveryId, OrderId, PrintType, Secret, WaybillId};
