//! A local stand-in for the WeChat APIs the packing station uses: stateful, with realistic
//! label pages, the documented error codes and fault injection. Part of the shipped binary
//! (`waybill-desk sandbox`) and the default when no credentials are configured.

pub mod fake;
pub mod faults;
pub mod label;
pub mod limits;
mod listener;
pub mod model;
mod server;
pub mod world;

use std::net::SocketAddr;
use std::sync::{Arc, Mutex};

pub use faults::{Fault, FaultRule, Faults};
pub use server::Sandbox;
pub use world::{BuyerChange, OrderEvent, Stats};

/// The WeChat Shop (微信小店) AppID the sandbox accepts; [`DEMO_MINISHOP_APPID`] is its
/// mini-shop (小商店) account, and each gets 48001 from the other family's endpoints.
pub const DEMO_APPID: &str = "wxsandbox00000001";
pub use world::{demo_appid, Family, DEMO_MINISHOP_APPID};
/// The AppSecret the sandbox accepts (not a real secret: the sandbox is public sample data).
pub const DEMO_SECRET: &str = "sandbox-demo-secret";

/// How to start a sandbox.
#[derive(Debug, Clone)]
pub struct SandboxConfig {
    /// Generated orders (at most [`limits::MAX_ORDERS`]).
    pub orders: usize,
    /// Seed of the generated data.
    pub seed: u64,
    /// Added to every call (at most [`limits::MAX_LATENCY_MS`]).
    pub latency_ms: u64,
    pub appid: String,
    pub secret: String,
}

impl Default for SandboxConfig {
    fn default() -> Self {
        SandboxConfig {
            orders: 300,
            seed: 20_261_123,
            latency_ms: 0,
            appid: DEMO_APPID.into(),
            secret: DEMO_SECRET.into(),
        }
    }
}

impl Sandbox {
    /// Starts a sandbox on `addr` (use port 0 for any free port). A configuration beyond the
    /// bounds in [`limits`] is an `InvalidInput` error.
    pub async fn start(addr: SocketAddr, config: SandboxConfig) -> std::io::Result<Sandbox> {
        limits::check_config(config.orders, config.latency_ms)
            .map_err(|e| std::io::Error::new(std::io::ErrorKind::InvalidInput, e))?;
        let now = chrono::Utc::now().timestamp();
        let orders = fake::generate_orders(config.orders, config.seed, now);
        let world = world::World::new(orders, config.appid, config.secret, config.seed);
        let shared = Arc::new(server::Shared {
            world: Mutex::new(world),
            faults: Mutex::new(Faults {
                latency_ms: config.latency_ms,
                ..Faults::default()
            }),
        });
        Sandbox::serve(addr, shared).await
    }
}

/// The demo AppID of a shop family: the sandbox answers each family's endpoints only for its
/// own accounts, as WeChat does (48001 otherwise).
pub fn demo_appid_for(shop: crate::wechat::shop::ShopKind) -> &'static str {
    demo_appid(match shop {
        crate::wechat::shop::ShopKind::Channels => Family::Channels,
        crate::wechat::shop::ShopKind::Minishop => Family::Minishop,
    })
}
