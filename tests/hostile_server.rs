//! A server that lies: redirects that would carry the AppSecret or a shipment elsewhere,
//! numbers that overflow clocks, bodies without end, listings without end, JSON nested 100,000
//! deep, invalid UTF-8, wrong types, 5xx forever, a server that never answers, and escape
//! sequences meant for the station's terminal. Each stand-in here is its own server on
//! 127.0.0.1:0 (not the project's sandbox, which tells the truth). Every case asserts: no
//! panic, bounded time and memory, nothing sent where it must not go, and a clear error.

#![allow(clippy::unwrap_used)] // test helpers may panic: a panic is a failed test

use std::future::Future;
use std::net::SocketAddr;
use std::pin::Pin;
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use axum::body::{Body, Bytes};
use axum::http::{HeaderMap, StatusCode, Uri};
use axum::response::{IntoResponse, Response};
use serde_json::{json, Value};
use waybill_desk::wechat::client::{CallKind, Endpoint, ListLimits, Method};
use waybill_desk::wechat::shop::{OrderQuery, ShopKind};
use waybill_desk::wechat::{
    ClientConfig, Lang, LimitHit, OrderId, RetryConfig, Secret, TokenSource, WechatClient,
    WechatError,
};

const SECRET: &str = "hostile-test-APPSECRET-4f1c";
const TOKEN: &str = "hostile-test-ACCESSTOKEN-9d2e";

/// One request as the stand-in saw it.
#[derive(Debug, Clone)]
struct Hit {
    path: String,
    query: String,
    body: String,
}

type Reply = Pin<Box<dyn Future<Output = Response> + Send>>;
type Handler = Arc<dyn Fn(&Hit, usize) -> Reply + Send + Sync>;

/// A stand-in server: every request is recorded, then answered by `handler` (which gets the
/// request and how many earlier requests had the same path).
struct StandIn {
    addr: SocketAddr,
    hits: Arc<Mutex<Vec<Hit>>>,
}

impl StandIn {
    async fn start(handler: impl Fn(&Hit, usize) -> Reply + Send + Sync + 'static) -> StandIn {
        let handler: Handler = Arc::new(handler);
        let hits: Arc<Mutex<Vec<Hit>>> = Arc::default();
        let seen = hits.clone();
        let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
        let addr = listener.local_addr().unwrap();
        let app = axum::Router::new().fallback(move |uri: Uri, body: Bytes| {
            let handler = handler.clone();
            let seen = seen.clone();
            async move {
                let hit = Hit {
                    path: uri.path().to_string(),
                    query: uri.query().unwrap_or_default().to_string(),
                    body: String::from_utf8_lossy(&body).into_owned(),
                };
                let earlier = {
                    let mut hits = seen.lock().unwrap();
                    let n = hits.iter().filter(|h| h.path == hit.path).count();
                    hits.push(hit.clone());
                    n
                };
                handler(&hit, earlier).await
            }
        });
        tokio::spawn(async move { axum::serve(listener, app).await.unwrap() });
        StandIn { addr, hits }
    }

    fn url(&self) -> url::Url {
        url::Url::parse(&format!("http://{}/", self.addr)).unwrap()
    }

    fn hits(&self) -> Vec<Hit> {
        self.hits.lock().unwrap().clone()
    }

    fn count(&self, path_part: &str) -> usize {
        self.hits()
            .iter()
            .filter(|h| h.path.contains(path_part))
            .count()
    }
}

fn reply(r: Response) -> Reply {
    Box::pin(async move { r })
}

fn json_reply(v: Value) -> Reply {
    reply((StatusCode::OK, v.to_string()).into_response())
}

fn token_reply() -> Reply {
    json_reply(json!({"access_token": TOKEN, "expires_in": 7200}))
}

fn redirect_to(target: &str) -> Reply {
    let mut headers = HeaderMap::new();
    headers.insert("location", target.parse().unwrap());
    reply((StatusCode::TEMPORARY_REDIRECT, headers, "").into_response())
}

fn config(base: url::Url) -> ClientConfig {
    let mut config = ClientConfig::new(
        base,
        TokenSource::AppSecret {
            appid: "wxhostile".into(),
            secret: Secret::new(SECRET),
        },
    );
    config.retry = RetryConfig {
        max_retries: 2,
        base_delay_ms: 5,
        max_delay_ms: 20,
    };
    config.timeout_ms = 2_000;
    config
}

fn client_for(server: &StandIn) -> WechatClient {
    WechatClient::new(config(server.url())).unwrap()
}

const PROBE: Endpoint = Endpoint {
    path: "/cgi-bin/probe",
    method: Method::Post,
    kind: CallKind::Read,
};

/// Nothing a caller or a person sees may carry a secret, a control character, or a redirect's
/// path or query.
fn assert_clean_error(e: &WechatError) {
    for text in [
        e.to_string(),
        format!("{e:?}"),
        e.explain(Lang::En),
        e.explain(Lang::ZhCn),
    ] {
        assert!(!text.contains(SECRET), "secret in {text}");
        assert!(!text.contains(TOKEN), "token in {text}");
        assert!(!text.contains("steal"), "redirect path in {text}");
        assert!(
            !text
                .chars()
                .any(waybill_desk::wechat::sanitize::is_unsafe_char),
            "control character in {text:?}"
        );
    }
}

fn week() -> OrderQuery {
    OrderQuery {
        created_from: 1_700_000_000,
        created_to: 1_700_000_000 + 3 * 24 * 3600,
        status: Some(20),
    }
}

/// The process's resident set now and at its peak, in bytes (`/proc/self/status`).
fn rss_and_peak() -> (u64, u64) {
    let status = std::fs::read_to_string("/proc/self/status").unwrap();
    let field = |name: &str| -> u64 {
        let line = status
            .lines()
            .find(|l| l.starts_with(name))
            .unwrap_or_else(|| panic!("{name} in /proc/self/status"));
        let kb: u64 = line
            .split_whitespace()
            .nth(1)
            .and_then(|n| n.parse().ok())
            .unwrap();
        kb * 1024
    };
    (field("VmRSS:"), field("VmHWM:"))
}

// ---------------------------------------------------------------- redirects

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_redirected_stable_token_never_carries_the_appsecret_away() {
    let beacon = StandIn::start(|_, _| token_reply()).await;
    let target = format!("http://{}/steal?x=1", beacon.addr);
    let server = StandIn::start(move |hit, _| {
        if hit.path == "/cgi-bin/stable_token" {
            redirect_to(&target)
        } else {
            json_reply(json!({"errcode": 0}))
        }
    })
    .await;
    let client = client_for(&server);
    let err = client.call::<(), Value>(PROBE, None).await.unwrap_err();
    match &err {
        WechatError::Redirect {
            endpoint,
            status,
            host,
        } => {
            assert_eq!(*endpoint, "/cgi-bin/stable_token");
            assert_eq!(*status, 307);
            assert_eq!(
                host,
                &beacon.addr.to_string(),
                "names the host it pointed to"
            );
        }
        other => panic!("expected a redirect error, got {other:?}"),
    }
    assert_clean_error(&err);
    assert!(err.explain(Lang::En).contains(&beacon.addr.to_string()));
    assert!(
        beacon.hits().is_empty(),
        "the beacon was reached: {:?}",
        beacon.hits()
    );
    // The secret went to the configured host once, and the probe was never sent.
    assert_eq!(server.count("stable_token"), 1);
    assert_eq!(server.count("probe"), 0);
    assert!(
        !err.outcome_unknown(),
        "a token failure means nothing was sent"
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_redirected_delivery_send_is_not_sent_again_elsewhere() {
    let beacon = StandIn::start(|_, _| json_reply(json!({"errcode": 0}))).await;
    let target = format!(
        "http://{}/steal/channels/ec/order/delivery/send",
        beacon.addr
    );
    let server = StandIn::start(move |hit, _| match hit.path.as_str() {
        "/cgi-bin/stable_token" => token_reply(),
        _ => redirect_to(&target),
    })
    .await;
    let client = client_for(&server);
    let shipment = json!({"order_id": 3704612354559498753u64, "delivery_list": [
        {"delivery_id": "SF", "waybill_id": "SF1234567890", "deliver_type": 1}]});
    let err = client
        .call::<Value, Value>(
            waybill_desk::wechat::delivery::DELIVERY_SEND,
            Some(&shipment),
        )
        .await
        .unwrap_err();
    assert!(
        matches!(err, WechatError::Redirect { status: 307, .. }),
        "{err:?}"
    );
    assert_clean_error(&err);
    assert!(beacon.hits().is_empty(), "the shipment reached the beacon");
    assert_eq!(server.count("delivery/send"), 1, "a write is sent once");
    // The server answered without a verdict: the station must re-read, not assume.
    assert!(err.outcome_unknown());
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_redirected_read_is_neither_followed_nor_retried() {
    let beacon = StandIn::start(|_, _| json_reply(json!({"errcode": 0}))).await;
    let target = format!("http://{}/steal", beacon.addr);
    let server = StandIn::start(move |hit, _| match hit.path.as_str() {
        "/cgi-bin/stable_token" => token_reply(),
        _ => {
            let mut headers = HeaderMap::new();
            headers.insert("location", target.parse().unwrap());
            reply((StatusCode::FOUND, headers, "").into_response())
        }
    })
    .await;
    let client = client_for(&server);
    let err = client.call::<(), Value>(PROBE, None).await.unwrap_err();
    assert!(
        matches!(err, WechatError::Redirect { status: 302, .. }),
        "{err:?}"
    );
    assert_clean_error(&err);
    assert!(beacon.hits().is_empty());
    assert_eq!(
        server.count("probe"),
        1,
        "a redirect is not a transient failure"
    );
    // The access_token went only to the configured host.
    assert!(server.hits().iter().any(|h| h.query.contains(TOKEN)));
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_redirecting_token_service_is_not_followed() {
    let beacon = StandIn::start(|_, _| token_reply()).await;
    let target = format!("http://{}/steal", beacon.addr);
    let service = StandIn::start(move |_, _| redirect_to(&target)).await;
    let api = StandIn::start(|_, _| json_reply(json!({"errcode": 0}))).await;
    let mut cfg = config(api.url());
    cfg.tokens = TokenSource::TokenService {
        url: url::Url::parse(&format!("http://{}/token?key=k", service.addr)).unwrap(),
    };
    let client = WechatClient::new(cfg).unwrap();
    let err = client.call::<(), Value>(PROBE, None).await.unwrap_err();
    assert!(matches!(err, WechatError::Redirect { .. }), "{err:?}");
    assert_clean_error(&err);
    assert!(beacon.hits().is_empty());
    assert!(api.hits().is_empty(), "no call without a token");
}

// ---------------------------------------------------------------- hostile numbers

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn absurd_token_lifetimes_neither_panic_nor_refetch_on_every_call() {
    for expires_in in [
        json!(18446744073709551615u64),
        json!(i64::MAX),
        json!(0),
        json!(-5),
        json!(i64::MIN),
        json!("99999999999999999999"),
    ] {
        let sent = expires_in.clone();
        let server = StandIn::start(move |hit, _| match hit.path.as_str() {
            "/cgi-bin/stable_token" => {
                json_reply(json!({"access_token": TOKEN, "expires_in": sent.clone()}))
            }
            _ => json_reply(json!({"errcode": 0, "n": 1})),
        })
        .await;
        let client = client_for(&server);
        for _ in 0..3 {
            let v: Value = client.call::<(), Value>(PROBE, None).await.unwrap();
            assert_eq!(v["n"], 1);
        }
        assert_eq!(
            server.count("stable_token"),
            1,
            "expires_in {expires_in}: one token serves the next calls"
        );
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_fractional_expires_in_is_a_decode_error_naming_the_field() {
    let server = StandIn::start(|hit, _| match hit.path.as_str() {
        "/cgi-bin/stable_token" => json_reply(json!({"access_token": TOKEN, "expires_in": 1e300})),
        _ => json_reply(json!({"errcode": 0})),
    })
    .await;
    let err = client_for(&server)
        .call::<(), Value>(PROBE, None)
        .await
        .unwrap_err();
    match &err {
        WechatError::Decode { path, .. } => assert_eq!(path, "expires_in"),
        other => panic!("{other:?}"),
    }
    assert_clean_error(&err);
}

// ---------------------------------------------------------------- unbounded answers

/// A body of `total` bytes (or endless), made lazily from one static chunk.
fn streamed_body(total: Option<u64>) -> Body {
    static CHUNK: [u8; 64 * 1024] = [b' '; 64 * 1024];
    let chunks = match total {
        Some(n) => n / CHUNK.len() as u64,
        None => u64::MAX,
    };
    let stream = futures::stream::iter(0..chunks)
        .map(|_| Ok::<Bytes, std::io::Error>(Bytes::from_static(&CHUNK)));
    Body::from_stream(stream)
}

use futures::StreamExt as _;

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_200_mb_batchget_answer_stops_at_the_cap_in_time_and_memory() {
    let server = StandIn::start(|hit, _| match hit.path.as_str() {
        "/cgi-bin/stable_token" => token_reply(),
        _ => reply(
            (
                StatusCode::OK,
                [("content-type", "application/json")],
                streamed_body(Some(200 * 1024 * 1024)),
            )
                .into_response(),
        ),
    })
    .await;
    let client = client_for(&server);
    let (rss_before, _) = rss_and_peak();
    let started = Instant::now();
    let err = client
        .call::<Value, Value>(
            waybill_desk::wechat::logistics::BATCH_GET_ORDER,
            Some(&json!({"order_list": []})),
        )
        .await
        .unwrap_err();
    let elapsed = started.elapsed();
    let (_, peak) = rss_and_peak();
    let cap = waybill_desk::wechat::client::BATCH_LABEL_BODY_CAP_BYTES;
    assert_eq!(
        err,
        WechatError::Limit {
            endpoint: "/cgi-bin/express/business/order/batchget",
            limit: LimitHit::BodyTooLarge { cap_bytes: cap }
        }
    );
    assert_clean_error(&err);
    assert!(elapsed < Duration::from_secs(5), "took {elapsed:?}");
    let grew = peak.saturating_sub(rss_before);
    assert!(
        grew < cap as u64 + 50 * 1024 * 1024,
        "memory grew by {} MB for a {} MB cap",
        grew / (1024 * 1024),
        cap / (1024 * 1024)
    );
    assert_eq!(
        server.count("batchget"),
        1,
        "a body over the cap is not retried"
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_declared_huge_content_length_is_refused_before_reading() {
    let server = StandIn::start(|hit, _| match hit.path.as_str() {
        "/cgi-bin/stable_token" => token_reply(),
        _ => {
            // Declares 400 MB; sends a little and then nothing (so reading would hang).
            let stream = futures::stream::once(async { Ok::<_, std::io::Error>(Bytes::from("{")) })
                .chain(futures::stream::pending());
            let mut r = Body::from_stream(stream).into_response();
            r.headers_mut()
                .insert("content-length", "419430400".parse().unwrap());
            reply(r)
        }
    })
    .await;
    let started = Instant::now();
    let err = client_for(&server)
        .call::<(), Value>(PROBE, None)
        .await
        .unwrap_err();
    assert!(
        matches!(
            err,
            WechatError::Limit {
                limit: LimitHit::BodyTooLarge { cap_bytes },
                ..
            } if cap_bytes == waybill_desk::wechat::client::DEFAULT_BODY_CAP_BYTES
        ),
        "{err:?}"
    );
    assert!(started.elapsed() < Duration::from_secs(2));
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn an_endless_chunked_body_stops_at_the_cap() {
    let server = StandIn::start(|hit, _| match hit.path.as_str() {
        "/cgi-bin/stable_token" => token_reply(),
        _ => reply((StatusCode::OK, streamed_body(None)).into_response()),
    })
    .await;
    let (rss_before, _) = rss_and_peak();
    let started = Instant::now();
    let err = client_for(&server)
        .call::<(), Value>(PROBE, None)
        .await
        .unwrap_err();
    let (_, peak) = rss_and_peak();
    assert!(
        matches!(
            err,
            WechatError::Limit {
                limit: LimitHit::BodyTooLarge { .. },
                ..
            }
        ),
        "{err:?}"
    );
    assert!(started.elapsed() < Duration::from_secs(5));
    assert!(peak.saturating_sub(rss_before) < 60 * 1024 * 1024);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_trickling_endless_body_is_bounded_by_the_timeout() {
    let server = StandIn::start(|hit, _| match hit.path.as_str() {
        "/cgi-bin/stable_token" => token_reply(),
        _ => {
            let stream = futures::stream::unfold((), |()| async {
                tokio::time::sleep(Duration::from_millis(100)).await;
                Some((Ok::<_, std::io::Error>(Bytes::from_static(b" ")), ()))
            });
            reply((StatusCode::OK, Body::from_stream(stream)).into_response())
        }
    })
    .await;
    let mut cfg = config(server.url());
    cfg.timeout_ms = 600;
    cfg.retry.max_retries = 1;
    let started = Instant::now();
    let err = WechatClient::new(cfg)
        .unwrap()
        .call::<(), Value>(PROBE, None)
        .await
        .unwrap_err();
    assert!(
        matches!(
            err,
            WechatError::Transport {
                timed_out: true,
                ..
            }
        ),
        "{err:?}"
    );
    // Two attempts of 0.6 s and a short backoff.
    assert!(
        started.elapsed() < Duration::from_secs(4),
        "{:?}",
        started.elapsed()
    );
    assert_eq!(server.count("probe"), 2);
    assert_clean_error(&err);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_silent_server_is_bounded_by_the_timeout_and_the_retries() {
    // Accepts connections and never says a word.
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let addr = listener.local_addr().unwrap();
    let held = Arc::new(Mutex::new(Vec::new()));
    let keep = held.clone();
    tokio::spawn(async move {
        while let Ok((socket, _)) = listener.accept().await {
            keep.lock().unwrap().push(socket);
        }
    });
    let mut cfg = config(url::Url::parse(&format!("http://{addr}/")).unwrap());
    cfg.timeout_ms = 500;
    let started = Instant::now();
    let err = WechatClient::new(cfg)
        .unwrap()
        .call::<(), Value>(PROBE, None)
        .await
        .unwrap_err();
    assert!(
        matches!(
            err,
            WechatError::Transport {
                timed_out: true,
                endpoint: "/cgi-bin/stable_token",
                ..
            }
        ),
        "{err:?}"
    );
    assert!(
        started.elapsed() < Duration::from_secs(3),
        "{:?}",
        started.elapsed()
    );
    assert_eq!(
        held.lock().unwrap().len(),
        1,
        "the token call is not retried"
    );
    assert_clean_error(&err);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_5xx_forever_ends_after_the_retries() {
    let server = StandIn::start(|hit, _| match hit.path.as_str() {
        "/cgi-bin/stable_token" => token_reply(),
        _ => reply(StatusCode::SERVICE_UNAVAILABLE.into_response()),
    })
    .await;
    let started = Instant::now();
    let err = client_for(&server)
        .call::<(), Value>(PROBE, None)
        .await
        .unwrap_err();
    assert_eq!(
        err,
        WechatError::Http {
            endpoint: "/cgi-bin/probe",
            status: 503
        }
    );
    assert_eq!(server.count("probe"), 3, "first attempt and max_retries 2");
    assert!(started.elapsed() < Duration::from_secs(2));
}

// ---------------------------------------------------------------- listings without end

fn limits(max_pages: u32, max_orders: u64, max_duration_ms: u64) -> ListLimits {
    ListLimits {
        max_pages,
        max_orders,
        max_duration_ms,
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn has_more_forever_with_new_keys_stops_after_the_page_cap() {
    let server = StandIn::start(|hit, n| match hit.path.as_str() {
        "/cgi-bin/stable_token" => token_reply(),
        _ => json_reply(json!({"errcode": 0, "order_id_list": [n as u64 + 1],
                               "next_key": format!("key-{n}"), "has_more": true})),
    })
    .await;
    let mut cfg = config(server.url());
    cfg.list_limits = limits(40, 1_000_000, 60_000);
    let client = WechatClient::new(cfg).unwrap();
    let started = Instant::now();
    let err = client
        .shop(ShopKind::Channels)
        .list_orders(week())
        .await
        .unwrap_err();
    assert_eq!(
        err,
        WechatError::Limit {
            endpoint: "/channels/ec/order/list/get",
            limit: LimitHit::TooManyPages { pages: 40 }
        }
    );
    assert!(err
        .explain(Lang::En)
        .contains("kept saying there is more after 40 pages"));
    assert!(err.explain(Lang::ZhCn).contains("40"));
    assert_eq!(server.count("list/get"), 40);
    assert_eq!(
        server.count("order/get"),
        0,
        "no details fetched for a listing that failed"
    );
    assert!(started.elapsed() < Duration::from_secs(10));
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_default_page_cap_also_ends_an_endless_listing() {
    let server = StandIn::start(|hit, n| match hit.path.as_str() {
        "/cgi-bin/stable_token" => token_reply(),
        _ => json_reply(json!({"errcode": 0, "order_id_list": [],
                               "next_key": format!("k{n}"), "has_more": true})),
    })
    .await;
    let err = client_for(&server)
        .shop(ShopKind::Channels)
        .list_orders(week())
        .await
        .unwrap_err();
    let pages = ListLimits::default().max_pages;
    assert_eq!(
        err,
        WechatError::Limit {
            endpoint: "/channels/ec/order/list/get",
            limit: LimitHit::TooManyPages { pages }
        }
    );
    assert_eq!(server.count("list/get"), pages as usize);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_repeated_next_key_is_a_clear_error_not_a_loop() {
    // a, b, c, a: the fourth page repeats the first key.
    let server = StandIn::start(|hit, n| match hit.path.as_str() {
        "/cgi-bin/stable_token" => token_reply(),
        _ => {
            let key = ["a", "b", "c"][n % 3];
            json_reply(json!({"errcode": 0, "order_id_list": [n as u64 + 1],
                              "next_key": key, "has_more": true}))
        }
    })
    .await;
    let err = client_for(&server)
        .shop(ShopKind::Channels)
        .list_orders(week())
        .await
        .unwrap_err();
    assert_eq!(
        err,
        WechatError::Limit {
            endpoint: "/channels/ec/order/list/get",
            limit: LimitHit::RepeatedKey { page: 4 }
        }
    );
    assert!(err.explain(Lang::En).contains("next_key"));
    assert_eq!(server.count("list/get"), 4);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn an_absurd_minishop_total_is_refused_after_one_page() {
    let server = StandIn::start(|hit, _| match hit.path.as_str() {
        "/cgi-bin/stable_token" => token_reply(),
        _ => json_reply(json!({"errcode": 0, "total_num": 100_000_000_000u64,
                               "orders": [{"order_id": 1, "status": 20}]})),
    })
    .await;
    let started = Instant::now();
    let err = client_for(&server)
        .shop(ShopKind::Minishop)
        .list_orders(week())
        .await
        .unwrap_err();
    match &err {
        WechatError::Limit {
            endpoint: "/product/order/get_list",
            limit: LimitHit::AbsurdTotal { total, .. },
        } => assert_eq!(*total, 100_000_000_000),
        other => panic!("{other:?}"),
    }
    assert!(err.explain(Lang::En).contains("100000000000"));
    assert_eq!(server.count("get_list"), 1);
    assert!(started.elapsed() < Duration::from_secs(2));
    // u64::MAX as a total: the page arithmetic must not overflow either.
    let server = StandIn::start(|hit, _| match hit.path.as_str() {
        "/cgi-bin/stable_token" => token_reply(),
        _ => json_reply(json!({"errcode": 0, "total_num": u64::MAX, "orders": []})),
    })
    .await;
    let err = client_for(&server)
        .shop(ShopKind::Minishop)
        .list_orders(week())
        .await
        .unwrap_err();
    assert!(
        matches!(
            err,
            WechatError::Limit {
                limit: LimitHit::AbsurdTotal { .. },
                ..
            }
        ),
        "{err:?}"
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_slow_endless_listing_is_bounded_in_time() {
    let server = StandIn::start(|hit, n| match hit.path.as_str() {
        "/cgi-bin/stable_token" => token_reply(),
        _ => Box::pin(async move {
            tokio::time::sleep(Duration::from_millis(150)).await;
            (
                StatusCode::OK,
                json!({"errcode": 0, "order_id_list": [], "next_key": format!("k{n}"),
                       "has_more": true})
                .to_string(),
            )
                .into_response()
        }),
    })
    .await;
    let mut cfg = config(server.url());
    cfg.list_limits = limits(1_000, 1_000, 1_000);
    let started = Instant::now();
    let err = WechatClient::new(cfg)
        .unwrap()
        .shop(ShopKind::Channels)
        .list_orders(week())
        .await
        .unwrap_err();
    assert!(
        matches!(
            err,
            WechatError::Limit {
                limit: LimitHit::TooSlow { seconds: 1, .. },
                ..
            }
        ),
        "{err:?}"
    );
    let elapsed = started.elapsed();
    assert!(
        elapsed >= Duration::from_millis(900) && elapsed < Duration::from_secs(3),
        "{elapsed:?}"
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn too_many_ids_in_a_listing_are_refused() {
    let server = StandIn::start(|hit, n| match hit.path.as_str() {
        "/cgi-bin/stable_token" => token_reply(),
        _ => {
            let ids: Vec<u64> = (0..100).map(|i| n as u64 * 100 + i + 1).collect();
            json_reply(json!({"errcode": 0, "order_id_list": ids,
                              "next_key": format!("k{n}"), "has_more": true}))
        }
    })
    .await;
    let mut cfg = config(server.url());
    cfg.list_limits = limits(1_000, 250, 60_000);
    let err = WechatClient::new(cfg)
        .unwrap()
        .shop(ShopKind::Channels)
        .list_orders(week())
        .await
        .unwrap_err();
    assert!(
        matches!(
            err,
            WechatError::Limit {
                limit: LimitHit::AbsurdTotal { max: 250, .. },
                ..
            }
        ),
        "{err:?}"
    );
    assert_eq!(server.count("list/get"), 3);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_time_range_at_the_end_of_time_does_not_overflow() {
    let server = StandIn::start(|hit, _| match hit.path.as_str() {
        "/cgi-bin/stable_token" => token_reply(),
        _ => json_reply(json!({"errcode": 0, "order_id_list": [], "has_more": false})),
    })
    .await;
    let orders = client_for(&server)
        .shop(ShopKind::Channels)
        .list_orders(OrderQuery {
            created_from: i64::MAX - 10,
            created_to: i64::MAX,
            status: None,
        })
        .await
        .unwrap();
    assert!(orders.is_empty());
    assert_eq!(server.count("list/get"), 1);
}

// ---------------------------------------------------------------- bodies that are not JSON

async fn answer_probe(body: Vec<u8>) -> WechatError {
    let body = Arc::new(body);
    let server = StandIn::start(move |hit, _| match hit.path.as_str() {
        "/cgi-bin/stable_token" => token_reply(),
        _ => reply((StatusCode::OK, body.as_ref().clone()).into_response()),
    })
    .await;
    let started = Instant::now();
    let err = client_for(&server)
        .shop(ShopKind::Channels)
        .get_order(OrderId(1))
        .await
        .unwrap_err();
    assert!(started.elapsed() < Duration::from_secs(2));
    assert_clean_error(&err);
    err
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn json_nested_100k_deep_is_a_decode_error_not_a_stack_overflow() {
    for body in [
        "[".repeat(100_000),
        format!("{}{}", "{\"a\":".repeat(100_000), "1"),
        format!(
            r#"{{"errcode":0,"order":{}1{}}}"#,
            "[".repeat(100_000),
            "]".repeat(100_000)
        ),
    ] {
        let body = body.into_bytes();
        let err = answer_probe(body).await;
        match &err {
            WechatError::Decode { message, .. } => {
                assert!(message.contains("recursion"), "{message}")
            }
            other => panic!("{other:?}"),
        }
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn invalid_utf8_is_a_decode_error() {
    let mut body = br#"{"errcode":0,"order":{"order_id":1,"openid":""#.to_vec();
    body.extend_from_slice(&[0xff, 0xfe, 0xc3]);
    body.extend_from_slice(br#""}}"#);
    let err = answer_probe(body).await;
    assert!(matches!(err, WechatError::Decode { .. }), "{err:?}");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_wrong_type_names_the_endpoint_and_the_json_path_everywhere() {
    let body = json!({"errcode": 0, "order": {"order_id": "12", "status": 20,
        "order_detail": {"product_infos": [
            {"product_id": "1", "sku_id": "2", "sku_cnt": 1},
            {"product_id": "1", "sku_id": "3", "sku_cnt": 1},
            {"product_id": "1", "sku_id": "4", "sku_cnt": "three"}]}}});
    let err = answer_probe(body.to_string().into_bytes()).await;
    let path = "order.order_detail.product_infos[2].sku_cnt";
    match &err {
        WechatError::Decode {
            endpoint,
            path: p,
            message,
        } => {
            assert_eq!(*endpoint, "/channels/ec/order/get");
            assert_eq!(p, path);
            assert!(message.contains("string"), "{message}");
        }
        other => panic!("{other:?}"),
    }
    for text in [
        err.to_string(),
        err.explain(Lang::En),
        err.explain(Lang::ZhCn),
    ] {
        assert!(text.contains(path), "{text}");
        assert!(text.contains("/channels/ec/order/get"), "{text}");
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn an_id_with_an_escape_sequence_is_refused_without_repeating_it() {
    let waybill = "SF1\u{1b}[2K\rok    fake line\n";
    let page = waybill_desk::wechat::label::encode_print_html("<html>label</html>");
    let server = StandIn::start(move |hit, _| match hit.path.as_str() {
        "/cgi-bin/stable_token" => token_reply(),
        _ => json_reply(json!({"errcode": 0, "order_list": [
            {"errcode": 0, "order_id": "1", "delivery_id": "SF", "waybill_id": waybill,
             "print_html": page}]})),
    })
    .await;
    let err = client_for(&server)
        .call::<Value, Value>(
            waybill_desk::wechat::logistics::BATCH_GET_ORDER,
            Some(&json!({"order_list": []})),
        )
        .await
        .unwrap_err();
    match &err {
        WechatError::Decode { path, message, .. } => {
            assert_eq!(path, "order_list[0].waybill_id");
            assert!(!message.contains("fake"), "{message}");
        }
        other => panic!("{other:?}"),
    }
    assert_clean_error(&err);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn control_characters_in_any_server_text_are_stripped() {
    let server = StandIn::start(|hit, _| match hit.path.as_str() {
        "/cgi-bin/stable_token" => token_reply(),
        "/cgi-bin/probe" => json_reply(json!({"errcode": 45011,
            "errmsg": "busy\u{1b}]0;pwned\u{7}\n\u{202E}txt.exe"})),
        _ => json_reply(json!({"errcode": 0, "order": {"order_id": "7", "status": 20,
            "ext_info": {"customer_notes": "快\u{1b}[31m递\r\nok 1 forged", "merchant_notes": "\u{9b}2J"},
            "order_detail": {"delivery_info": {"address_info": {"user_name": "王\u{2066}芳\u{0}"}}}}})),
    })
    .await;
    let client = client_for(&server);
    let order = client
        .shop(ShopKind::Channels)
        .get_order(OrderId(7))
        .await
        .unwrap();
    assert_eq!(order.customer_notes, "快[31m递  ok 1 forged");
    assert_eq!(order.merchant_notes, "2J");
    assert_eq!(order.address.user_name, "王芳");
    let mut cfg = config(server.url());
    cfg.retry.max_retries = 0;
    let err = WechatClient::new(cfg)
        .unwrap()
        .call::<(), Value>(PROBE, None)
        .await
        .unwrap_err();
    match &err {
        WechatError::Api { errmsg, .. } => assert_eq!(errmsg, "busy]0;pwned txt.exe"),
        other => panic!("{other:?}"),
    }
    assert_clean_error(&err);
}

// ---------------------------------------------------------------- through the CLI binary

/// Runs the CLI against `server` with credentials in the environment and a fresh data dir.
async fn cli(server: &StandIn, args: &[&str]) -> (std::process::Output, tempfile::TempDir) {
    cli_with_log(server, args, None).await
}

/// [`cli`] with `WAYBILL_DESK_LOG` set to `log`.
async fn cli_with_log(
    server: &StandIn,
    args: &[&str],
    log: Option<&str>,
) -> (std::process::Output, tempfile::TempDir) {
    let data = tempfile::tempdir().unwrap();
    let out = tokio::process::Command::new(env!("CARGO_BIN_EXE_waybill-desk"))
        .arg("--api-base")
        .arg(server.url().as_str())
        .arg("--data-dir")
        .arg(data.path())
        .args(["--lang", "en"])
        .args(args)
        .env("WAYBILL_DESK_APPID", "wxhostile")
        .env("WAYBILL_DESK_APPSECRET", SECRET)
        .env("WAYBILL_DESK_LOG", log.unwrap_or("warn"))
        .env_remove("WAYBILL_DESK_DATA_DIR")
        .kill_on_drop(true)
        .output();
    let out = tokio::time::timeout(Duration::from_secs(60), out)
        .await
        .expect("the CLI finishes")
        .unwrap();
    (out, data)
}

fn assert_terminal_safe(out: &std::process::Output) -> (String, String) {
    let stdout = String::from_utf8(out.stdout.clone()).unwrap();
    let stderr = String::from_utf8(out.stderr.clone()).unwrap();
    for (name, text) in [("stdout", &stdout), ("stderr", &stderr)] {
        assert!(!text.contains('\u{1b}'), "ESC on {name}: {text:?}");
        assert!(!text.contains('\r'), "CR on {name}: {text:?}");
        assert!(!text.contains('\u{9b}'), "CSI on {name}: {text:?}");
        assert!(
            !text.contains(SECRET) && !text.contains(TOKEN),
            "secret on {name}"
        );
        assert!(!text.contains("panicked"), "panic on {name}: {text}");
    }
    (stdout, stderr)
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn cli_labels_with_a_forged_waybill_print_one_line_per_order() {
    let forged = "SF1\u{1b}[1A\u{1b}[2K\nok    999  SF SF999  -> /tmp/999.html";
    let page = waybill_desk::wechat::label::encode_print_html("<html><body>label</body></html>");
    let server = StandIn::start(move |hit, _| match hit.path.as_str() {
        "/cgi-bin/stable_token" => token_reply(),
        _ => {
            let order_id = serde_json::from_str::<Value>(&hit.body)
                .ok()
                .and_then(|v| v["order_id"].as_str().map(str::to_string))
                .unwrap_or_else(|| "1".into());
            json_reply(
                json!({"errcode": 0, "order_id": order_id, "delivery_id": "SF",
                              "waybill_id": forged, "print_html": page, "order_status": 0}),
            )
        }
    })
    .await;
    let out_dir = tempfile::tempdir().unwrap();
    let (out, _data) = cli(
        &server,
        &[
            "labels",
            "1001:SF",
            "1002:SF",
            "--print-type",
            "one",
            "--out",
            out_dir.path().to_str().unwrap(),
        ],
    )
    .await;
    let (stdout, stderr) = assert_terminal_safe(&out);
    let lines: Vec<&str> = stdout.lines().collect();
    assert_eq!(
        lines.len(),
        2,
        "one line per order: {stdout:?} (stderr {stderr})"
    );
    assert!(lines[0].starts_with("FAIL  1001"), "{stdout}");
    assert!(lines[1].starts_with("FAIL  1002"), "{stdout}");
    assert!(lines.iter().all(|l| !l.starts_with("ok")), "{stdout}");
    assert!(stdout.contains("waybill_id"), "the path is named: {stdout}");
    assert!(!out.status.success());
    assert!(
        std::fs::read_dir(out_dir.path()).unwrap().next().is_none(),
        "no label file for a refused answer"
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn cli_orders_with_escapes_in_names_and_notes_print_one_line_per_order() {
    let server = StandIn::start(|hit, _| match hit.path.as_str() {
        "/cgi-bin/stable_token" => token_reply(),
        _ => json_reply(json!({"errcode": 0, "total_num": 2, "orders": [
            {"order_id": 3704612354559498753u64, "status": 20, "create_time": "2026-11-30 10:00:00",
             "ext_info": {"customer_notes": "请\u{1b}[2J\u{1b}[H尽快\nok    forged line"},
             "order_detail": {"product_infos": [{"product_id": 1, "sku_id": 2, "sku_cnt": 1}],
                "delivery_info": {"address_info": {"user_name": "王\u{202E}芳\r", "tel_number": "13800138000",
                    "city_name": "深圳\u{85}市", "county_name": "南山区"}}}},
            {"order_id": 2, "status": 20, "create_time": "2026-11-30 09:00:00",
             "order_detail": {"delivery_info": {"address_info": {"user_name": "李\u{7}四"}}}}]})),
    })
    .await;
    let (out, _data) = cli(
        &server,
        &[
            "--shop", "minishop", "orders", "--status", "20", "--days", "30",
        ],
    )
    .await;
    let (stdout, stderr) = assert_terminal_safe(&out);
    assert!(out.status.success(), "{stderr}");
    let lines: Vec<&str> = stdout.lines().collect();
    assert_eq!(lines.len(), 2, "one line per order: {stdout:?}");
    assert!(lines[0].starts_with("3704612354559498753"), "{stdout}");
    assert!(
        lines[0].contains("王芳") && lines[0].contains("深圳市"),
        "{stdout}"
    );
    assert!(lines[0].contains("尽快 ok    forged line"), "{stdout}");
    assert!(
        lines[1].starts_with("2 ") && lines[1].contains("李四"),
        "{stdout}"
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn cli_orders_with_counts_that_overflow_a_sum_do_not_panic() {
    let line = |sku: u64| json!({"product_id": 1, "sku_id": sku, "sku_cnt": u32::MAX});
    let server = StandIn::start(move |hit, _| match hit.path.as_str() {
        "/cgi-bin/stable_token" => token_reply(),
        _ => json_reply(json!({"errcode": 0, "total_num": 1, "orders": [
            {"order_id": 5, "status": 20, "create_time": i64::MAX,
             "order_detail": {"product_infos": [line(1), line(2), line(3)],
                "price_info": {"order_price": i64::MAX, "freight": i64::MAX}}}]})),
    })
    .await;
    let (out, _data) = cli(
        &server,
        &[
            "--shop", "minishop", "orders", "--status", "20", "--days", "30",
        ],
    )
    .await;
    let (stdout, stderr) = assert_terminal_safe(&out);
    assert!(out.status.success(), "{stderr}");
    assert_eq!(stdout.lines().count(), 1, "{stdout}");
    assert!(stdout.starts_with("5 "), "{stdout}");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn cli_login_against_a_redirecting_token_service_stores_nothing() {
    let beacon = StandIn::start(|_, _| token_reply()).await;
    let target = format!("http://{}/steal", beacon.addr);
    let service = StandIn::start(move |_, _| redirect_to(&target)).await;
    let token_url = format!("http://{}/token?key=company-key", service.addr);
    let (out, data) = cli(
        &service,
        &["--appid", "wxhostile", "login", "--token-url", &token_url],
    )
    .await;
    let (_, stderr) = assert_terminal_safe(&out);
    assert!(!out.status.success(), "{stderr}");
    // The verdict is the redirect (not, say, a keychain error after the check "passed").
    let verdict = stderr
        .lines()
        .find(|l| l.starts_with("error: "))
        .unwrap_or_else(|| panic!("an error line: {stderr}"));
    assert!(
        verdict.contains("redirect") && verdict.contains(&beacon.addr.to_string()),
        "the redirect and its host are named: {stderr}"
    );
    assert!(!stderr.contains("company-key"), "{stderr}");
    assert!(beacon.hits().is_empty(), "the beacon was reached");
    assert!(
        !data.path().join("account.json").exists(),
        "credentials that were never checked are not stored"
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn cli_decode_errors_name_the_path_in_the_message_and_the_debug_log() {
    let server = StandIn::start(|hit, _| match hit.path.as_str() {
        "/cgi-bin/stable_token" => token_reply(),
        _ => json_reply(json!({"errcode": 0, "total_num": 1, "orders": [
            {"order_id": 5, "status": 20, "order_detail": {"product_infos": [
                {"product_id": 1, "sku_id": 1, "sku_cnt": 1},
                {"product_id": 1, "sku_id": 2, "sku_cnt": 1},
                {"product_id": 1, "sku_id": 3, "sku_cnt": "three"}]}}]})),
    })
    .await;
    let path = "orders[0].order_detail.product_infos[2].sku_cnt";
    for log in ["warn", "debug"] {
        let (out, _data) = cli_with_log(
            &server,
            &["--shop", "minishop", "orders", "--status", "20"],
            Some(log),
        )
        .await;
        let (stdout, stderr) = assert_terminal_safe(&out);
        assert!(!out.status.success());
        assert!(stdout.is_empty(), "{stdout}");
        let verdict = stderr
            .lines()
            .find(|l| l.starts_with("error: "))
            .unwrap_or_else(|| panic!("an error line: {stderr}"));
        assert!(
            verdict.contains(path) && verdict.contains("/product/order/get_list"),
            "{verdict}"
        );
        if log == "debug" {
            assert!(
                stderr.lines().any(|l| l.contains("DEBUG")
                    && l.contains("does not match")
                    && l.contains(path)),
                "the debug log names the path: {stderr}"
            );
            assert!(stderr.contains("access_token=REDACTED"), "{stderr}");
        }
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_200_mb_single_label_answer_stops_at_its_smaller_cap() {
    let server = StandIn::start(|hit, _| match hit.path.as_str() {
        "/cgi-bin/stable_token" => token_reply(),
        _ => reply((StatusCode::OK, streamed_body(Some(200 * 1024 * 1024))).into_response()),
    })
    .await;
    let (rss_before, _) = rss_and_peak();
    let err = client_for(&server)
        .call::<Value, Value>(
            waybill_desk::wechat::logistics::GET_ORDER,
            Some(&json!({"order_id": "1"})),
        )
        .await
        .unwrap_err();
    let (_, peak) = rss_and_peak();
    let cap = waybill_desk::wechat::client::LABEL_BODY_CAP_BYTES;
    assert_eq!(
        err,
        WechatError::Limit {
            endpoint: "/cgi-bin/express/business/order/get",
            limit: LimitHit::BodyTooLarge { cap_bytes: cap }
        }
    );
    assert!(peak.saturating_sub(rss_before) < cap as u64 + 50 * 1024 * 1024);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn endless_headers_are_an_error_not_a_memory_leak() {
    use tokio::io::{AsyncReadExt, AsyncWriteExt};
    // A raw server: reads the request, then sends a status line and headers without end.
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let addr = listener.local_addr().unwrap();
    tokio::spawn(async move {
        while let Ok((mut socket, _)) = listener.accept().await {
            tokio::spawn(async move {
                let mut buf = [0u8; 4096];
                let _ = socket.read(&mut buf).await;
                if socket.write_all(b"HTTP/1.1 200 OK\r\n").await.is_err() {
                    return;
                }
                let line =
                    b"X-Filler: aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa\r\n";
                while socket.write_all(line).await.is_ok() {}
            });
        }
    });
    let (rss_before, _) = rss_and_peak();
    let started = Instant::now();
    let err = WechatClient::new(config(url::Url::parse(&format!("http://{addr}/")).unwrap()))
        .unwrap()
        .call::<(), Value>(PROBE, None)
        .await
        .unwrap_err();
    let (_, peak) = rss_and_peak();
    assert!(
        matches!(
            err,
            WechatError::Transport {
                endpoint: "/cgi-bin/stable_token",
                ..
            }
        ),
        "{err:?}"
    );
    assert!(
        started.elapsed() < Duration::from_secs(5),
        "{:?}",
        started.elapsed()
    );
    assert!(peak.saturating_sub(rss_before) < 50 * 1024 * 1024);
    assert_clean_error(&err);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_megabyte_of_server_text_in_an_error_is_cut_short() {
    // 1.5 MB: under the 2 MB body cap, so it reaches the decoder.
    let long = "长".repeat(500_000);
    let server = StandIn::start(move |hit, _| match hit.path.as_str() {
        "/cgi-bin/stable_token" => token_reply(),
        "/cgi-bin/probe" => json_reply(json!({"errcode": 777777, "errmsg": long})),
        _ => json_reply(json!({"errcode": 0, "order": {"order_id": 1, "status": long}})),
    })
    .await;
    let client = client_for(&server);
    let err = client.call::<(), Value>(PROBE, None).await.unwrap_err();
    assert_eq!(err.errcode(), Some(777777));
    assert!(
        err.explain(Lang::En).len() < 2_000,
        "{}",
        err.explain(Lang::En).len()
    );
    let err = client
        .shop(ShopKind::Channels)
        .get_order(OrderId(1))
        .await
        .unwrap_err();
    match &err {
        WechatError::Decode { path, message, .. } => {
            assert_eq!(path, "order.status");
            assert!(message.contains("characters in all"), "{}", message.len());
        }
        other => panic!("{other:?}"),
    }
    assert!(err.explain(Lang::ZhCn).len() < 2_000);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn cli_ship_with_a_redirected_delivery_send_sends_once_and_never_elsewhere() {
    let beacon = StandIn::start(|_, _| json_reply(json!({"errcode": 0}))).await;
    let target = format!("http://{}/steal", beacon.addr);
    let order = json!({"errcode": 0, "order": {
        "order_id": "3704612354559498753", "status": 20, "create_time": 1_764_460_800,
        "order_detail": {"product_infos": [{"product_id": "1", "sku_id": "2", "sku_cnt": 1,
                                            "title": "保温杯"}],
                         "delivery_info": {"address_info": {"user_name": "王芳"}}}}});
    let couriers = json!({"errcode": 0, "data": [{"delivery_id": "SF", "delivery_name": "顺丰速运"}],
                          "company_list": [{"delivery_id": "SF", "delivery_name": "顺丰速运"}]});
    let server = StandIn::start(move |hit, _| match hit.path.as_str() {
        "/cgi-bin/stable_token" => token_reply(),
        p if p.contains("delivery/send") => redirect_to(&target),
        "/channels/ec/order/get" => json_reply(order.clone()),
        _ => json_reply(couriers.clone()),
    })
    .await;
    let (out, _data) = cli(
        &server,
        &[
            "ship",
            "3704612354559498753",
            "--waybill",
            "SF:SF1234567890",
        ],
    )
    .await;
    let (stdout, stderr) = assert_terminal_safe(&out);
    assert!(!out.status.success(), "{stdout} {stderr}");
    assert!(beacon.hits().is_empty(), "the shipment reached the beacon");
    assert_eq!(
        server.count("delivery/send"),
        1,
        "sent once: {:?}",
        server.hits()
    );
    assert_eq!(stdout.lines().count(), 1, "{stdout}");
    assert!(stdout.starts_with("FAIL  3704612354559498753"), "{stdout}");
}
