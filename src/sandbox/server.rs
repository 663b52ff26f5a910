//! The HTTP face of the sandbox: one dispatcher that gates every call (latency, faults, token)
//! and wraps answers in WeChat's `{errcode, errmsg}` envelope.

use std::collections::HashMap;
use std::net::SocketAddr;
use std::sync::{Arc, Mutex, MutexGuard};
use std::time::Duration;

use axum::body::{Body, Bytes, HttpBody as _};
use axum::extract::{Query, State};
use axum::http::{Method, StatusCode, Uri};
use axum::response::{IntoResponse, Response};
use axum::Router;
use futures::StreamExt as _;
use serde_json::{json, Value};
use tokio::sync::oneshot;
use url::Url;

use super::faults::{Fault, Faults};
use super::limits;
use super::world::{check_family, OrderEvent, Stats, World};

/// Shared between the server task and the [`Sandbox`] handle.
pub(crate) struct Shared {
    pub(crate) world: Mutex<World>,
    pub(crate) faults: Mutex<Faults>,
}

impl Shared {
    pub(crate) fn world(&self) -> MutexGuard<'_, World> {
        self.world
            .lock()
            .unwrap_or_else(|poisoned| poisoned.into_inner())
    }
    pub(crate) fn faults(&self) -> MutexGuard<'_, Faults> {
        self.faults
            .lock()
            .unwrap_or_else(|poisoned| poisoned.into_inner())
    }
}

/// A running sandbox server.
pub struct Sandbox {
    url: Url,
    shared: Arc<Shared>,
    shutdown: Option<oneshot::Sender<()>>,
    task: Option<tokio::task::JoinHandle<()>>,
}

impl Sandbox {
    pub(crate) async fn serve(addr: SocketAddr, shared: Arc<Shared>) -> std::io::Result<Sandbox> {
        let listener = tokio::net::TcpListener::bind(addr).await?;
        let local = listener.local_addr()?;
        if let Some(warning) = super::limits::exposure_warning(local) {
            // Loudly: on the terminal whatever the log level, and in the log.
            eprintln!("{warning}");
            tracing::warn!(addr = %local, "the sandbox is reachable from other machines and its control endpoints have no authentication");
        }
        let url = Url::parse(&format!("http://{local}/"))
            .map_err(|e| std::io::Error::other(e.to_string()))?;
        let app = Router::new().fallback(dispatch).with_state(shared.clone());
        let (tx, rx) = oneshot::channel::<()>();
        let task = tokio::spawn(super::listener::serve(listener, app, rx));
        Ok(Sandbox {
            url,
            shared,
            shutdown: Some(tx),
            task: Some(task),
        })
    }

    /// The base URL to give the client, e.g. `http://127.0.0.1:41234/`.
    pub fn url(&self) -> &Url {
        &self.url
    }

    /// The sandbox's stand-in for a company token service (`GET` answers
    /// `{access_token, expires_in}`), for `TokenSource::TokenService`.
    pub fn token_service_url(&self) -> Url {
        let mut url = self.url.clone();
        url.set_path("/sandbox/token-service");
        url
    }

    /// Replaces the faults in force.
    pub fn set_faults(&self, faults: Faults) {
        *self.shared.faults() = faults;
    }

    /// Changes the faults in force.
    pub fn update_faults(&self, change: impl FnOnce(&mut Faults)) {
        change(&mut self.shared.faults());
    }

    /// Call counters.
    pub fn stats(&self) -> Stats {
        self.shared.world().stats.clone()
    }

    /// The order-placement events (with their getContact tokens).
    pub fn events(&self) -> Vec<OrderEvent> {
        self.shared.world().events().to_vec()
    }

    /// Expires the current access_token now.
    pub fn expire_tokens(&self) {
        self.shared.world().expire_tokens();
    }

    /// An order's status.
    pub fn order_status(&self, order_id: u64) -> Option<u32> {
        self.shared.world().order_status(order_id)
    }

    /// Applies a buyer's change to an order (a fresh `update_time`); `None` for an unknown
    /// order or one that cannot take it.
    pub fn buyer_change(&self, order_id: u64, change: super::world::BuyerChange) -> Option<()> {
        self.shared.world().buyer_change(order_id, change)
    }

    /// Runs the sandbox's clock `offset_s` seconds ahead of this machine's (behind if < 0).
    pub fn set_clock_offset(&self, offset_s: i64) {
        self.shared.world().set_clock_offset(offset_s);
    }

    /// Ids of the orders in a status, newest first.
    pub fn order_ids_with_status(&self, status: u32) -> Vec<u64> {
        self.shared.world().order_ids_with_status(status)
    }

    /// (national-subsidy orders, orders with a cancelled waybill) of the sample data: cases the
    /// order data itself does not show, for tests.
    pub fn sample_case_order_ids(&self) -> (Vec<u64>, Vec<u64>) {
        self.shared.world().sample_case_order_ids()
    }

    /// Stops the server and waits for it.
    pub async fn shutdown(mut self) {
        if let Some(tx) = self.shutdown.take() {
            let _ = tx.send(());
        }
        if let Some(task) = self.task.take() {
            let _ = task.await;
        }
    }
}

impl Drop for Sandbox {
    fn drop(&mut self) {
        if let Some(tx) = self.shutdown.take() {
            let _ = tx.send(());
        }
    }
}

fn envelope(result: Result<Value, (i64, String)>) -> Response {
    let body = match result {
        Ok(mut v) => {
            if let Some(map) = v.as_object_mut() {
                map.entry("errcode").or_insert(json!(0));
                map.entry("errmsg").or_insert(json!("ok"));
            }
            v
        }
        Err((code, msg)) => json!({"errcode": code, "errmsg": msg}),
    };
    (StatusCode::OK, axum::Json(body)).into_response()
}

/// Like a real server, a request that has arrived is carried out even if the client hangs up
/// (a client timeout does not undo a call), so each one runs as its own task. The body is read
/// first, within [`limits::BODY_READ_TIMEOUT`] and its size limit; the answer must be ready
/// within [`limits::REQUEST_DEADLINE`].
async fn dispatch(
    State(shared): State<Arc<Shared>>,
    method: Method,
    uri: Uri,
    Query(query): Query<HashMap<String, String>>,
    body: Body,
) -> Response {
    let limit = if uri.path().starts_with("/sandbox/") {
        limits::MAX_CONTROL_BODY_BYTES
    } else {
        limits::MAX_API_BODY_BYTES
    };
    let body = match read_body(body, limit).await {
        Ok(bytes) => bytes,
        Err(response) => return response,
    };
    let task = tokio::spawn(handle(shared, method, uri, query, body));
    match tokio::time::timeout(limits::REQUEST_DEADLINE, task).await {
        Ok(Ok(response)) => response,
        Ok(Err(e)) => (
            StatusCode::INTERNAL_SERVER_ERROR,
            format!("sandbox handler failed: {e}"),
        )
            .into_response(),
        Err(_) => (
            StatusCode::SERVICE_UNAVAILABLE,
            "sandbox: the request took longer than its deadline",
        )
            .into_response(),
    }
}

/// The whole body, or the answer that refuses it: 413 past `limit` (told by Content-Length
/// before anything is read, or counted while reading), 408 when it does not arrive in time.
async fn read_body(body: Body, limit: usize) -> Result<Bytes, Response> {
    let too_large = || {
        (
            StatusCode::PAYLOAD_TOO_LARGE,
            format!("sandbox: request bodies here are limited to {limit} bytes"),
        )
            .into_response()
    };
    if body.size_hint().lower() > limit as u64 {
        return Err(too_large());
    }
    let read = async {
        let mut stream = body.into_data_stream();
        let mut bytes = Vec::new();
        while let Some(chunk) = stream.next().await {
            let chunk = chunk.map_err(|e| {
                (
                    StatusCode::BAD_REQUEST,
                    format!("sandbox: the request body could not be read: {e}"),
                )
                    .into_response()
            })?;
            if bytes.len() + chunk.len() > limit {
                return Err(too_large());
            }
            bytes.extend_from_slice(&chunk);
        }
        Ok(Bytes::from(bytes))
    };
    match tokio::time::timeout(limits::BODY_READ_TIMEOUT, read).await {
        Ok(result) => result,
        Err(_) => Err((
            StatusCode::REQUEST_TIMEOUT,
            format!(
                "sandbox: the request body did not arrive within {} s",
                limits::BODY_READ_TIMEOUT.as_secs()
            ),
        )
            .into_response()),
    }
}

async fn handle(
    shared: Arc<Shared>,
    method: Method,
    uri: Uri,
    query: HashMap<String, String>,
    body: Bytes,
) -> Response {
    let path = uri.path().to_string();
    if let Some(rest) = path.strip_prefix("/sandbox/") {
        return control(&shared, &method, rest, &body);
    }
    shared
        .world()
        .stats
        .calls
        .entry(path.clone())
        .and_modify(|n| *n += 1)
        .or_insert(1);

    // The latency is the call's round trip, as WeChat's is: the answer leaves `latency_ms`
    // after the request arrived, the sandbox's own work done meanwhile (on WeChat's side that
    // work is inside the round trip too), or as soon as it is done when it takes longer. A
    // delay fault keeps its meaning: the round trip and the delay pass first, then the call.
    let arrived = tokio::time::Instant::now();
    let (latency_ms, fault) = {
        let mut faults = shared.faults();
        (faults.latency_ms, faults.take(&path))
    };
    let round_trip = Duration::from_millis(latency_ms);
    if let Some(Fault::Delay { ms }) = &fault {
        tokio::time::sleep(round_trip + Duration::from_millis(*ms)).await;
    }
    let response = carry_out(&shared, &method, &path, &query, &body, fault);
    tokio::time::sleep_until(arrived + round_trip).await;
    response
}

/// Carries out one API call (the fault that applies to it, if any) and makes its answer.
fn carry_out(
    shared: &Shared,
    method: &Method,
    path: &str,
    query: &HashMap<String, String>,
    body: &Bytes,
    fault: Option<Fault>,
) -> Response {
    let mut after: Option<u16> = None;
    match fault {
        Some(Fault::Errcode { errcode, errmsg }) => return envelope(Err((errcode, errmsg))),
        Some(Fault::HttpStatus { status }) => return status_response(status),
        Some(Fault::MalformedJson) => {
            return (
                StatusCode::OK,
                [("content-type", "application/json")],
                "{\"errcode\":0,\"order_list\":[{\"order_id\": tr",
            )
                .into_response()
        }
        Some(Fault::Delay { .. }) | None => {}
        Some(Fault::ApplyThenHttpStatus { status }) => after = Some(status),
    }

    let json_body: Value = if body.is_empty() {
        json!({})
    } else {
        match serde_json::from_slice(body) {
            Ok(v) => v,
            Err(e) => return envelope(Err((47001, format!("data format error: {e}")))),
        }
    };

    let answer = {
        let mut world = shared.world();
        if path == "/cgi-bin/stable_token" {
            world.stable_token(&json_body)
        } else {
            let bad = shared.faults().bad_base64_orders.clone();
            let result = match world
                .check_token(query.get("access_token").map(String::as_str))
                .and_then(|family| check_family(family, path))
            {
                Err(e) => Err(e),
                Ok(()) => match (method.clone(), path) {
                    (_, "/cgi-bin/express/business/delivery/getall") => world.get_all_delivery(),
                    (_, "/cgi-bin/express/business/account/getall") => world.get_all_account(),
                    (Method::POST, "/cgi-bin/express/business/order/add") => {
                        world.add_order(&json_body)
                    }
                    (Method::POST, "/cgi-bin/express/business/order/get") => {
                        world.get_waybill(&json_body, &bad)
                    }
                    (Method::POST, "/cgi-bin/express/business/order/batchget") => {
                        world.batch_get(&json_body, &bad)
                    }
                    (Method::POST, "/cgi-bin/express/business/order/cancel") => {
                        world.cancel_waybill(&json_body)
                    }
                    (Method::POST, "/cgi-bin/express/delivery/contact/get") => {
                        world.contact(&json_body)
                    }
                    (Method::POST, "/channels/ec/order/list/get") => {
                        world.channels_list(&json_body)
                    }
                    (Method::POST, "/channels/ec/order/get") => world.channels_get(&json_body),
                    (Method::POST, "/channels/ec/order/delivery/send") => {
                        world.delivery_send(&json_body)
                    }
                    (Method::POST, "/channels/ec/order/deliverycompanylist/get") => {
                        world.shop_courier_list()
                    }
                    (Method::POST, "/product/order/get_list") => world.minishop_list(&json_body),
                    (Method::POST, "/product/order/get") => world.minishop_get(&json_body),
                    (Method::POST, "/product/delivery/get_company_list") => {
                        world.shop_courier_list()
                    }
                    (Method::POST, "/product/delivery/send") => {
                        world.minishop_delivery_send(&json_body)
                    }
                    _ => {
                        return (StatusCode::NOT_FOUND, "no such WeChat API in the sandbox")
                            .into_response()
                    }
                },
            };
            let mut faults = shared.faults();
            if let Some(n) = faults.expire_token_after_calls {
                if n <= 1 {
                    faults.expire_token_after_calls = None;
                    world.expire_tokens();
                } else {
                    faults.expire_token_after_calls = Some(n - 1);
                }
            }
            result
        }
    };
    match after {
        Some(status) => status_response(status),
        None => envelope(answer),
    }
}

fn status_response(status: u16) -> Response {
    let code = StatusCode::from_u16(status).unwrap_or(StatusCode::INTERNAL_SERVER_ERROR);
    (code, "<html><body>sandbox: injected error</body></html>").into_response()
}

/// Sandbox-only endpoints under `/sandbox/`.
fn control(shared: &Shared, method: &Method, rest: &str, body: &[u8]) -> Response {
    match (method, rest) {
        (&Method::GET, "events") => axum::Json(shared.world().events().to_vec()).into_response(),
        (&Method::GET, "stats") => axum::Json(shared.world().stats.clone()).into_response(),
        (&Method::GET, "faults") => axum::Json(shared.faults().clone()).into_response(),
        (&Method::POST, "faults") => match serde_json::from_slice::<Faults>(body) {
            Ok(f) => match limits::validate_faults(&f) {
                Ok(()) => {
                    *shared.faults() = f;
                    StatusCode::NO_CONTENT.into_response()
                }
                Err(e) => (
                    StatusCode::BAD_REQUEST,
                    format!("faults JSON: {e}; the faults in force were not changed"),
                )
                    .into_response(),
            },
            Err(e) => (StatusCode::BAD_REQUEST, format!("faults JSON: {e}")).into_response(),
        },
        (&Method::GET, "token-service") => {
            let mut world = shared.world();
            world
                .stats
                .calls
                .entry("/sandbox/token-service".into())
                .and_modify(|n| *n += 1)
                .or_insert(1);
            match world.token_service() {
                Ok(v) => axum::Json(v).into_response(),
                Err((code, msg)) => axum::Json(json!({"errcode": code, "errmsg": msg})).into_response(),
            }
        }
        (&Method::POST, "expire-tokens") => {
            shared.world().expire_tokens();
            StatusCode::NO_CONTENT.into_response()
        }
        _ => (
            StatusCode::NOT_FOUND,
            "sandbox endpoints: GET events, GET stats, GET|POST faults, POST expire-tokens, GET token-service",
        )
            .into_response(),
    }
}
