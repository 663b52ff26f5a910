//! The HTTP client: base URL, access_token, the `{errcode, errmsg}` envelope, and retry rules.

use std::sync::Arc;
use std::time::Duration;

use rand::Rng;
use serde::de::DeserializeOwned;
use serde::{Deserialize, Serialize};
use url::Url;

use super::error::{LimitHit, WechatError};
use super::sanitize;
use super::token::{TokenCache, TokenSource};

/// The real WeChat API host.
pub const DEFAULT_API_BASE: &str = "https://api.weixin.qq.com";

/// When and how long to wait before sending a read again.
#[derive(Debug, Clone, Copy)]
pub struct RetryConfig {
    /// Retries after the first attempt for transient failures of reads.
    pub max_retries: u32,
    /// The first backoff; each retry doubles it, with full jitter.
    pub base_delay_ms: u64,
    /// The longest single backoff.
    pub max_delay_ms: u64,
}

impl Default for RetryConfig {
    fn default() -> Self {
        RetryConfig {
            max_retries: 3,
            base_delay_ms: 300,
            max_delay_ms: 4_000,
        }
    }
}

/// Bounds on one order listing, so a server whose `has_more` never ends, whose `next_key`
/// goes round in circles or whose total is absurd cannot keep the station listing forever.
#[derive(Debug, Clone, Copy)]
pub struct ListLimits {
    /// List calls (pages over every 7-day window) one listing may make.
    pub max_pages: u32,
    /// Orders one listing may hold; a mini-shop `total_num` above it is refused up front.
    pub max_orders: u64,
    /// Wall time for the whole listing, order details included.
    pub max_duration_ms: u64,
}

impl Default for ListLimits {
    fn default() -> Self {
        ListLimits {
            // 2,000 pages of 100: far above the 50,000 orders the window is built for.
            max_pages: 2_000,
            max_orders: 200_000,
            max_duration_ms: 20 * 60 * 1000,
        }
    }
}

/// The most a one-label answer (`getOrder`: one base64 label page) may weigh: the base64 of the
/// largest label page accepted (2 MB of HTML) with room to spare.
pub const LABEL_BODY_CAP_BYTES: usize = 8 * 1024 * 1024;
/// The most a `batchGetOrder` answer (up to 100 base64 label pages) may weigh. The sandbox's
/// pages are about 14 KB (1.9 MB per 100); a courier's page with embedded images can be ten
/// times that, so 100 of them must still fit.
pub const BATCH_LABEL_BODY_CAP_BYTES: usize = 32 * 1024 * 1024;
/// The most any other answer may weigh.
pub const DEFAULT_BODY_CAP_BYTES: usize = 2 * 1024 * 1024;

/// The default cap on calls in flight (WeChat's documented per-minute quotas allow far more;
/// 16 keeps a 2-core station responsive).
pub const DEFAULT_MAX_CONCURRENT_CALLS: usize = 16;

/// Everything needed to build a [`WechatClient`].
#[derive(Debug, Clone)]
pub struct ClientConfig {
    /// `https://api.weixin.qq.com`, a sandbox, or a proxy.
    pub api_base: Url,
    pub tokens: TokenSource,
    pub retry: RetryConfig,
    /// Whole-request timeout.
    pub timeout_ms: u64,
    /// The most calls in flight at once (default 16): the cap of the adaptive limit, which
    /// halves on overload and grows back slowly ([`AdaptiveLimit`]).
    pub max_concurrent_calls: usize,
    /// Bounds on one order listing.
    pub list_limits: ListLimits,
}

impl ClientConfig {
    /// Defaults for a given base URL and token source.
    pub fn new(api_base: Url, tokens: TokenSource) -> Self {
        ClientConfig {
            api_base,
            tokens,
            retry: RetryConfig::default(),
            timeout_ms: 20_000,
            max_concurrent_calls: DEFAULT_MAX_CONCURRENT_CALLS,
            list_limits: ListLimits::default(),
        }
    }
}

/// Whether a call may be sent again when its outcome is unclear.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum CallKind {
    /// Reading: safe to repeat, so transient failures are retried with backoff.
    Read,
    /// Changing state (create a waybill, ship): sent once; only a rejected token (which
    /// WeChat refuses before doing anything) is retried.
    Write,
}

/// HTTP method of an endpoint.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Method {
    Get,
    Post,
}

/// A WeChat endpoint.
#[derive(Debug, Clone, Copy)]
pub struct Endpoint {
    pub path: &'static str,
    pub method: Method,
    pub kind: CallKind,
}

impl Endpoint {
    /// The most this endpoint's answer may weigh: label answers carry base64 pages (up to 100
    /// in one `batchGetOrder`), every other answer is small JSON. Past it, the answer is
    /// abandoned while it streams in ([`LimitHit::BodyTooLarge`]).
    pub fn max_body_bytes(&self) -> usize {
        if self.path == super::logistics::BATCH_GET_ORDER.path {
            BATCH_LABEL_BODY_CAP_BYTES
        } else if self.path == super::logistics::GET_ORDER.path {
            LABEL_BODY_CAP_BYTES
        } else {
            DEFAULT_BODY_CAP_BYTES
        }
    }
}

/// The typed WeChat client. Cheap to clone; clones share the token cache.
#[derive(Clone)]
pub struct WechatClient {
    inner: Arc<Inner>,
}

struct Inner {
    http: reqwest::Client,
    base: Url,
    tokens: TokenCache,
    retry: RetryConfig,
    limit: AdaptiveLimit,
    list_limits: ListLimits,
}

impl WechatClient {
    /// Builds a client; fails only if the TLS stack cannot start. Redirects are never followed
    /// (a 3xx is [`WechatError::Redirect`]), for the WeChat API and the token service alike:
    /// both share this one HTTP client.
    pub fn new(config: ClientConfig) -> Result<Self, WechatError> {
        let http = reqwest::Client::builder()
            .timeout(Duration::from_millis(config.timeout_ms))
            .connect_timeout(Duration::from_millis(config.timeout_ms.min(5_000)))
            .redirect(reqwest::redirect::Policy::none())
            .user_agent(concat!("waybill-desk/", env!("CARGO_PKG_VERSION")))
            .build()
            .map_err(|e| transport_error("client", &e))?;
        Ok(WechatClient {
            inner: Arc::new(Inner {
                http,
                base: config.api_base,
                tokens: TokenCache::new(config.tokens),
                retry: config.retry,
                limit: AdaptiveLimit::new(config.max_concurrent_calls),
                list_limits: config.list_limits,
            }),
        })
    }

    /// The API base URL.
    pub fn api_base(&self) -> &Url {
        &self.inner.base
    }

    /// The AppID, when one is configured.
    pub fn appid(&self) -> Option<&str> {
        self.inner.tokens.appid()
    }

    /// The cap on calls in flight (callers may queue more: the adaptive limit holds them).
    pub fn max_concurrent_calls(&self) -> usize {
        self.inner.limit.cap()
    }

    /// The adaptive limit on calls in flight, shared by every clone of this client.
    pub fn concurrency(&self) -> &AdaptiveLimit {
        &self.inner.limit
    }

    /// Bounds on one order listing.
    pub fn list_limits(&self) -> ListLimits {
        self.inner.list_limits
    }

    /// Sends one request with the access_token, decodes the envelope and the body, and applies
    /// the retry rules: a rejected token is refreshed once and the call sent once more; a
    /// transient failure of a read is retried with jittered exponential backoff.
    pub async fn call<Req, Resp>(
        &self,
        endpoint: Endpoint,
        body: Option<&Req>,
    ) -> Result<Resp, WechatError>
    where
        Req: Serialize + ?Sized,
        Resp: DeserializeOwned,
    {
        let mut refreshed = false;
        let mut attempt = 0u32;
        loop {
            let token = self
                .inner
                .tokens
                .get(&self.inner.http, &self.inner.base)
                .await?;
            let result = {
                let permit = self.inner.limit.acquire().await;
                let result = self.call_once(endpoint, body, token.expose()).await;
                match &result {
                    Ok(_) => self.inner.limit.on_success(),
                    Err(e) if is_overload(e) => {
                        self.inner.limit.on_overload(&permit, endpoint.path)
                    }
                    Err(_) => {}
                }
                result
            };
            match result {
                Err(e) if e.is_token_rejected() && !refreshed => {
                    tracing::info!(endpoint = endpoint.path, errcode = ?e.errcode(), "access_token rejected; refreshing once");
                    self.inner.tokens.invalidate(&token).await;
                    refreshed = true;
                }
                Err(e)
                    if e.is_transient()
                        && endpoint.kind == CallKind::Read
                        && attempt < self.inner.retry.max_retries =>
                {
                    let delay = backoff_delay(&self.inner.retry, attempt);
                    tracing::warn!(endpoint = endpoint.path, error = %e, delay_ms = delay.as_millis() as u64, "transient failure; retrying");
                    tokio::time::sleep(delay).await;
                    attempt += 1;
                }
                other => return other,
            }
        }
    }

    async fn call_once<Req, Resp>(
        &self,
        endpoint: Endpoint,
        body: Option<&Req>,
        token: &str,
    ) -> Result<Resp, WechatError>
    where
        Req: Serialize + ?Sized,
        Resp: DeserializeOwned,
    {
        let mut url = join(&self.inner.base, endpoint.path)?;
        url.query_pairs_mut().append_pair("access_token", token);
        tracing::debug!(url = %redact_url(&url), "calling WeChat");
        let request = match endpoint.method {
            Method::Get => self.inner.http.get(url),
            Method::Post => {
                let request = self.inner.http.post(url);
                match body {
                    Some(b) => request.json(b),
                    None => request.json(&serde_json::json!({})),
                }
            }
        };
        let bytes = send(request, endpoint.path, endpoint.max_body_bytes()).await?;
        decode(endpoint.path, &bytes)
    }
}

/// How many calls may be in flight at once, adapted to how WeChat answers (AIMD): halved when
/// WeChat says it is overloaded (45011 per-minute quota, -1 system busy, HTTP 5xx or 429, a
/// timeout), grown by about one per round of successful calls, never above the configured cap
/// ([`ClientConfig::max_concurrent_calls`]) nor below one. Shared by every clone of a client.
pub struct AdaptiveLimit {
    cap: usize,
    state: std::sync::Mutex<LimitState>,
    freed: tokio::sync::Notify,
}

struct LimitState {
    /// The current limit; fractional so that growth is +1 per `limit` successes.
    limit: f64,
    in_flight: usize,
    /// When the limit was last halved: a failure of a call sent before that reflects the
    /// old limit and does not halve it again.
    last_decrease: Option<std::time::Instant>,
}

/// One call's place in flight; dropping it frees the place.
pub struct CallPermit<'a> {
    limit: &'a AdaptiveLimit,
    started: std::time::Instant,
}

impl Drop for CallPermit<'_> {
    fn drop(&mut self) {
        let mut state = self.limit.lock();
        state.in_flight = state.in_flight.saturating_sub(1);
        drop(state);
        self.limit.freed.notify_waiters();
    }
}

impl AdaptiveLimit {
    /// A limit that starts at `cap` (at least 1).
    pub fn new(cap: usize) -> AdaptiveLimit {
        let cap = cap.max(1);
        AdaptiveLimit {
            cap,
            state: std::sync::Mutex::new(LimitState {
                limit: cap as f64,
                in_flight: 0,
                last_decrease: None,
            }),
            freed: tokio::sync::Notify::new(),
        }
    }

    fn lock(&self) -> std::sync::MutexGuard<'_, LimitState> {
        self.state.lock().unwrap_or_else(|p| p.into_inner())
    }

    /// The most calls allowed in flight right now.
    pub fn current(&self) -> usize {
        (self.lock().limit.floor() as usize).clamp(1, self.cap)
    }

    /// The configured cap.
    pub fn cap(&self) -> usize {
        self.cap
    }

    /// Calls in flight right now.
    pub fn in_flight(&self) -> usize {
        self.lock().in_flight
    }

    /// Waits for a place in flight.
    pub async fn acquire(&self) -> CallPermit<'_> {
        loop {
            let freed = self.freed.notified();
            tokio::pin!(freed);
            // Registered before checking, so a place freed in between is not missed.
            freed.as_mut().enable();
            {
                let mut state = self.lock();
                let limit = (state.limit.floor() as usize).clamp(1, self.cap);
                if state.in_flight < limit {
                    state.in_flight += 1;
                    return CallPermit {
                        limit: self,
                        started: std::time::Instant::now(),
                    };
                }
            }
            freed.await;
        }
    }

    /// A call ended well: grow by 1/limit (about one more per round of calls).
    pub fn on_success(&self) {
        let mut state = self.lock();
        let before = state.limit.floor() as usize;
        state.limit = (state.limit + 1.0 / state.limit.max(1.0)).min(self.cap as f64);
        let after = state.limit.floor() as usize;
        drop(state);
        if after > before {
            tracing::debug!(
                limit = after,
                cap = self.cap,
                "calls in flight: limit raised"
            );
            self.freed.notify_waiters();
        }
    }

    /// WeChat (or the way to it) is overloaded: halve, once per round of calls.
    pub fn on_overload(&self, permit: &CallPermit<'_>, reason: &str) {
        let mut state = self.lock();
        if state.last_decrease.is_some_and(|at| permit.started < at) {
            return;
        }
        let before = state.limit.floor() as usize;
        state.limit = (state.limit / 2.0).max(1.0);
        state.last_decrease = Some(std::time::Instant::now());
        let after = state.limit.floor() as usize;
        drop(state);
        tracing::info!(
            limit = after,
            was = before,
            cap = self.cap,
            reason,
            "calls in flight: limit halved"
        );
    }
}

/// Whether an error says WeChat is overloaded (the limit is halved), as opposed to a verdict
/// about the request.
fn is_overload(e: &WechatError) -> bool {
    match e {
        WechatError::Api { errcode, .. } => matches!(errcode, -1 | 45011),
        WechatError::Http { status, .. } => *status >= 500 || *status == 429,
        WechatError::Transport { timed_out, .. } => *timed_out,
        _ => false,
    }
}

/// `base` + `path`, keeping any path prefix of `base` (a proxy may live under `/wechat/`).
pub(crate) fn join(base: &Url, path: &'static str) -> Result<Url, WechatError> {
    let mut url = base.clone();
    let prefix = base.path().trim_end_matches('/');
    url.set_path(&format!("{prefix}{path}"));
    url.set_query(None);
    if url.cannot_be_a_base() {
        return Err(WechatError::Refused(
            super::error::Refusal::InvalidArgument(format!(
                "API base `{base}` is not an http(s) URL"
            )),
        ));
    }
    Ok(url)
}

/// Sends a request and returns the body of a 2xx answer, read chunk by chunk and abandoned as
/// soon as it grows past `max_body_bytes` (a declared `Content-Length` above it is refused
/// before reading), so a huge or endless answer costs at most the cap. A 3xx is never
/// followed: it becomes [`WechatError::Redirect`] naming the host it pointed to.
pub(crate) async fn send(
    request: reqwest::RequestBuilder,
    endpoint: &'static str,
    max_body_bytes: usize,
) -> Result<bytes::Bytes, WechatError> {
    let mut response = request
        .send()
        .await
        .map_err(|e| transport_error(endpoint, &e))?;
    let status = response.status();
    if status.is_redirection() {
        let host = redirect_host(&response);
        tracing::warn!(endpoint, status = status.as_u16(), %host, "redirect refused");
        return Err(WechatError::Redirect {
            endpoint,
            status: status.as_u16(),
            host,
        });
    }
    if !status.is_success() {
        return Err(WechatError::Http {
            endpoint,
            status: status.as_u16(),
        });
    }
    let too_large = || WechatError::Limit {
        endpoint,
        limit: LimitHit::BodyTooLarge {
            cap_bytes: max_body_bytes,
        },
    };
    let declared = response.content_length();
    if declared.is_some_and(|n| n > max_body_bytes as u64) {
        tracing::warn!(
            endpoint,
            declared,
            max_body_bytes,
            "answer too large; not read"
        );
        return Err(too_large());
    }
    let first_capacity = declared
        .and_then(|n| usize::try_from(n).ok())
        .unwrap_or(16 * 1024)
        .min(max_body_bytes);
    let mut body = bytes::BytesMut::with_capacity(first_capacity);
    while let Some(chunk) = response
        .chunk()
        .await
        .map_err(|e| transport_error(endpoint, &e))?
    {
        if body.len().saturating_add(chunk.len()) > max_body_bytes {
            tracing::warn!(
                endpoint,
                max_body_bytes,
                "answer grew past the cap; abandoned"
            );
            return Err(too_large());
        }
        body.extend_from_slice(&chunk);
    }
    Ok(body.freeze())
}

/// Where a redirect pointed: the host and port only (a path or query could carry anything),
/// cleaned of control characters.
fn redirect_host(response: &reqwest::Response) -> String {
    response
        .headers()
        .get(reqwest::header::LOCATION)
        .and_then(|v| v.to_str().ok())
        .and_then(|location| response.url().join(location).ok())
        .and_then(|target| {
            let host = target.host_str()?.to_string();
            Some(match target.port() {
                Some(port) => format!("{host}:{port}"),
                None => host,
            })
        })
        .map(|h| sanitize::clean_text(&h))
        .unwrap_or_else(|| "an unnamed host".to_string())
}

/// The most of a server's text (an `errmsg`, a decode error quoting a value) kept in an error:
/// enough to recognise it, not enough to flood a terminal, a toast or the journal.
const MAX_SHOWN_CHARS: usize = 300;

#[derive(Deserialize)]
struct Envelope {
    #[serde(default)]
    errcode: i64,
    /// Any JSON: an odd `errmsg` must not hide the `errcode` beside it.
    #[serde(default)]
    errmsg: serde_json::Value,
}

impl Envelope {
    fn message(&self) -> String {
        match &self.errmsg {
            serde_json::Value::String(s) => s.clone(),
            serde_json::Value::Null => String::new(),
            other => other.to_string(),
        }
    }
}

/// Decodes an answer in one place for every endpoint: the JSON is parsed, every string in it is
/// cleaned of control characters ([`sanitize::clean_json`]), the `{errcode, errmsg}` envelope is
/// read, ids are checked against their character set, and the body is decoded with the JSON
/// path of any mismatch (`order.order_detail.product_infos[2].sku_cnt`) in the error and in
/// the debug log. Nothing here sees the URL, so the access_token cannot leak into either.
pub(crate) fn decode<T: DeserializeOwned>(
    endpoint: &'static str,
    bytes: &[u8],
) -> Result<T, WechatError> {
    let failed = |path: String, message: String| {
        // serde quotes the offending value, which a server can make megabytes long.
        let (path, message) = (
            sanitize::truncate(&path, MAX_SHOWN_CHARS),
            sanitize::truncate(&message, MAX_SHOWN_CHARS),
        );
        tracing::debug!(endpoint, %path, %message, "WeChat answer does not match the API");
        WechatError::Decode {
            endpoint,
            path,
            message,
        }
    };
    // serde_json stops at 128 levels of nesting, so neither parsing nor the walks below can
    // exhaust the stack on `[[[[...`.
    let mut value: serde_json::Value =
        serde_json::from_slice(bytes).map_err(|e| failed("$".into(), e.to_string()))?;
    let bad_id = sanitize::clean_json(&mut value);
    let envelope = Envelope::deserialize(&value).map_err(|e| failed("$".into(), e.to_string()))?;
    if envelope.errcode != 0 {
        return Err(WechatError::Api {
            endpoint,
            errcode: envelope.errcode,
            errmsg: sanitize::truncate(&envelope.message(), MAX_SHOWN_CHARS),
        });
    }
    if let Some(bad) = bad_id {
        return Err(failed(bad.path, bad.reason));
    }
    serde_path_to_error::deserialize(value).map_err(|e| {
        // The top level is `.` to serde_path_to_error; `$` everywhere here.
        let path = match e.path().to_string() {
            p if p == "." => "$".to_string(),
            p => p,
        };
        failed(path, e.inner().to_string())
    })
}

/// A transport error without its URL: reqwest puts the URL, query string and all, into its
/// messages, and the query string carries the access_token.
fn transport_error(endpoint: &'static str, e: &reqwest::Error) -> WechatError {
    let timed_out = e.is_timeout();
    let mut message = String::new();
    let mut source: Option<&dyn std::error::Error> = Some(e);
    while let Some(err) = source {
        let text = redact_text(&err.to_string());
        if !message.contains(&text) {
            if !message.is_empty() {
                message.push_str(": ");
            }
            message.push_str(&text);
        }
        source = err.source();
    }
    WechatError::Transport {
        endpoint,
        message: redact_text(&message),
        timed_out,
    }
}

/// The URL with the value of `access_token` (and any `secret`) replaced, for logs.
pub fn redact_url(url: &Url) -> String {
    let mut shown = url.clone();
    let pairs: Vec<(String, String)> = url
        .query_pairs()
        .map(|(k, v)| {
            let secret = matches!(k.as_ref(), "access_token" | "secret" | "appsecret");
            (
                k.into_owned(),
                if secret {
                    "REDACTED".into()
                } else {
                    v.into_owned()
                },
            )
        })
        .collect();
    if pairs.is_empty() {
        return shown.to_string();
    }
    shown.query_pairs_mut().clear().extend_pairs(pairs);
    shown.to_string()
}

/// Replaces `access_token=...` anywhere in a piece of text.
pub fn redact_text(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    let mut rest = text;
    while let Some(pos) = rest.find("access_token=") {
        let (head, tail) = rest.split_at(pos + "access_token=".len());
        out.push_str(head);
        out.push_str("REDACTED");
        let end = tail.find(['&', ' ', ')', '"', '\'']).unwrap_or(tail.len());
        rest = &tail[end..];
    }
    out.push_str(rest);
    out
}

/// Full-jitter exponential backoff: a random delay in `[0, min(max, base * 2^attempt)]`, at
/// least 1 ms.
fn backoff_delay(config: &RetryConfig, attempt: u32) -> Duration {
    let ceiling = config
        .base_delay_ms
        .saturating_mul(1u64 << attempt.min(16))
        .min(config.max_delay_ms)
        .max(1);
    Duration::from_millis(rand::rng().random_range(1..=ceiling))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn redacts_token_in_urls_and_text() {
        let url = Url::parse("https://h/cgi-bin/x?access_token=ABC123&a=1").unwrap();
        let shown = redact_url(&url);
        assert!(!shown.contains("ABC123"), "{shown}");
        assert!(shown.contains("a=1"));
        let text =
            redact_text("error sending request for url (https://h/x?access_token=ABC123&b=2)");
        assert!(!text.contains("ABC123"), "{text}");
        assert!(text.contains("b=2"));
    }

    #[test]
    fn join_keeps_proxy_prefix() {
        let base = Url::parse("http://127.0.0.1:9/wechat/").unwrap();
        assert_eq!(
            join(&base, "/cgi-bin/stable_token").unwrap().as_str(),
            "http://127.0.0.1:9/wechat/cgi-bin/stable_token"
        );
    }

    #[test]
    fn backoff_stays_within_bounds() {
        let cfg = RetryConfig {
            max_retries: 5,
            base_delay_ms: 100,
            max_delay_ms: 1000,
        };
        for attempt in 0..10 {
            let d = backoff_delay(&cfg, attempt).as_millis() as u64;
            assert!((1..=1000).contains(&d));
            assert!(d <= 100 << attempt.min(16));
        }
    }

    #[test]
    fn envelope_errcode_becomes_typed_error() {
        let err =
            decode::<serde_json::Value>("x", br#"{"errcode":45011,"errmsg":"freq"}"#).unwrap_err();
        assert_eq!(err.errcode(), Some(45011));
        let err = decode::<serde_json::Value>("x", b"{not json").unwrap_err();
        assert!(matches!(err, WechatError::Decode { .. }));
    }

    #[test]
    fn an_odd_errmsg_does_not_hide_the_errcode() {
        for (body, msg) in [
            (r#"{"errcode":45011,"errmsg":5}"#, "5"),
            (r#"{"errcode":45011,"errmsg":null}"#, ""),
            (r#"{"errcode":45011,"errmsg":["a"]}"#, r#"["a"]"#),
        ] {
            match decode::<serde_json::Value>("x", body.as_bytes()).unwrap_err() {
                WechatError::Api {
                    errcode: 45011,
                    errmsg,
                    ..
                } => assert_eq!(errmsg, msg),
                other => panic!("{other:?}"),
            }
        }
    }

    #[test]
    fn a_missing_top_level_field_is_at_the_root() {
        #[derive(Deserialize, Debug)]
        #[allow(dead_code)]
        struct Needs {
            order: u32,
        }
        match decode::<Needs>("x", br#"{"errcode":0}"#).unwrap_err() {
            WechatError::Decode { path, message, .. } => {
                assert_eq!(path, "$");
                assert!(message.contains("order"), "{message}");
            }
            other => panic!("{other:?}"),
        }
    }

    #[test]
    fn decode_names_the_json_path() {
        #[derive(Deserialize, Debug)]
        #[allow(dead_code)]
        struct Outer {
            list: Vec<Inner2>,
        }
        #[derive(Deserialize, Debug)]
        #[allow(dead_code)]
        struct Inner2 {
            n: u32,
        }
        let err = decode::<Outer>("x", br#"{"errcode":0,"list":[{"n":1},{"n":"x"}]}"#).unwrap_err();
        match err {
            WechatError::Decode { path, .. } => assert_eq!(path, "list[1].n"),
            other => panic!("{other:?}"),
        }
    }
}
