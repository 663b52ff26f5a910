//! Property tests of the decoders, through the public client against a server that answers
//! whatever the case says: the `{errcode, errmsg}` envelope, the order detail wire form (both
//! shop families), the batchGetOrder answer, and the base64 label page. Nothing may panic; good
//! input must decode exactly; bad input must be a typed error. Failing cases are kept in
//! tests/proptest-regressions/decoders.txt and replayed first.
//!
//! The last group takes a valid answer of every response decoder (token, order lists and
//! details of both families, couriers of both lists, add/get/batch-get/cancel waybill, contact)
//! and mutates it: subtrees replaced by arbitrary JSON, keys removed, numbers made extreme,
//! strings loaded with escape sequences. Whatever comes back must be a typed error or a value
//! with no control character in any of its strings. Case counts are bounded so the whole file
//! runs in seconds.

#![allow(clippy::unwrap_used)] // test helpers may panic: a panic is a failed test

use std::collections::HashMap;
use std::sync::{Arc, Mutex, OnceLock};

use axum::body::Bytes;
use axum::http::{StatusCode, Uri};
use axum::response::IntoResponse;
use proptest::prelude::*;
use proptest::test_runner::{Config, FileFailurePersistence};
use serde_json::{json, Value};
use waybill_desk::wechat::client::{CallKind, Endpoint, ListLimits, Method};
use waybill_desk::wechat::label::{decode_print_html, encode_print_html};
use waybill_desk::wechat::logistics::LabelRequest;
use waybill_desk::wechat::shop::ShopKind;
use waybill_desk::wechat::{
    ClientConfig, DeliveryId, OrderId, PrintType, RetryConfig, Secret, TokenSource, WaybillId,
    WechatClient, WechatError,
};

/// A local server whose next answer body is set by the test case: `body` for every path,
/// unless `by_path` has one for the path (`/cgi-bin/stable_token` included; without one the
/// token call gets a good token).
struct Echo {
    rt: tokio::runtime::Runtime,
    body: Arc<Mutex<Vec<u8>>>,
    by_path: Arc<Mutex<HashMap<String, Vec<u8>>>>,
    base: url::Url,
    client: WechatClient,
}

fn echo() -> &'static Echo {
    static ECHO: OnceLock<Echo> = OnceLock::new();
    ECHO.get_or_init(|| {
        let rt = tokio::runtime::Builder::new_multi_thread()
            .worker_threads(1)
            .enable_all()
            .build()
            .unwrap();
        let body: Arc<Mutex<Vec<u8>>> = Arc::default();
        let by_path: Arc<Mutex<HashMap<String, Vec<u8>>>> = Arc::default();
        let served = body.clone();
        let served_by_path = by_path.clone();
        let addr = rt.block_on(async move {
            let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
            let addr = listener.local_addr().unwrap();
            let app = axum::Router::new().fallback(move |uri: Uri, _body: Bytes| {
                let served = served.clone();
                let served_by_path = served_by_path.clone();
                async move {
                    if let Some(bytes) = served_by_path.lock().unwrap().get(uri.path()) {
                        return (StatusCode::OK, bytes.clone()).into_response();
                    }
                    if uri.path() == "/cgi-bin/stable_token" {
                        return (
                            StatusCode::OK,
                            r#"{"access_token":"tok","expires_in":7200}"#.to_string(),
                        )
                            .into_response();
                    }
                    let bytes = served.lock().unwrap().clone();
                    (StatusCode::OK, bytes).into_response()
                }
            });
            tokio::spawn(async move { axum::serve(listener, app).await.unwrap() });
            addr
        });
        let base = url::Url::parse(&format!("http://{addr}/")).unwrap();
        let client = WechatClient::new(echo_config(&base)).unwrap();
        Echo {
            rt,
            body,
            by_path,
            base,
            client,
        }
    })
}

fn echo_config(base: &url::Url) -> ClientConfig {
    let mut config = ClientConfig::new(
        base.clone(),
        TokenSource::AppSecret {
            appid: "wxprop".into(),
            secret: Secret::new("s"),
        },
    );
    // Retried reads would only repeat the same answer.
    config.retry = RetryConfig {
        max_retries: 0,
        base_delay_ms: 1,
        max_delay_ms: 1,
    };
    // A mutated listing may promise many pages of the same answer: keep each case short.
    config.list_limits = ListLimits {
        max_pages: 20,
        max_orders: 10_000,
        max_duration_ms: 20_000,
    };
    config
}

/// Every case holds this while it sets the echo's answer and calls it, so tests run as threads
/// of one process (`cargo test`) do not answer each other's calls.
fn serial() -> std::sync::MutexGuard<'static, ()> {
    static SERIAL: Mutex<()> = Mutex::new(());
    SERIAL
        .lock()
        .unwrap_or_else(std::sync::PoisonError::into_inner)
}

fn answer(body: impl Into<Vec<u8>>) -> &'static Echo {
    let e = echo();
    e.by_path.lock().unwrap().clear();
    *e.body.lock().unwrap() = body.into();
    e
}

/// Answers `path` with its own body and everything else with `body`.
fn answer_paths(body: impl Into<Vec<u8>>, paths: &[(&str, Value)]) -> &'static Echo {
    let e = answer(body);
    let mut by_path = e.by_path.lock().unwrap();
    for (path, v) in paths {
        by_path.insert((*path).to_string(), v.to_string().into_bytes());
    }
    drop(by_path);
    e
}

fn config(cases: u32) -> Config {
    Config {
        cases,
        failure_persistence: Some(Box::new(FileFailurePersistence::Direct(
            "tests/proptest-regressions/decoders.txt",
        ))),
        ..Config::default()
    }
}

const PROBE: Endpoint = Endpoint {
    path: "/cgi-bin/probe",
    method: Method::Post,
    kind: CallKind::Read,
};

/// Any JSON value, nested a few levels.
fn any_json() -> impl Strategy<Value = Value> {
    json_tree(true)
}

/// Any JSON value without floats (which serde_json may round by one ulp), for equality checks.
fn exact_json() -> impl Strategy<Value = Value> {
    json_tree(false)
}

fn json_tree(floats: bool) -> impl Strategy<Value = Value> {
    let float = any::<f64>()
        .prop_filter("finite", |f| f.is_finite())
        .prop_map(Value::from);
    // Without floats, the float branch yields integers instead.
    let number = if floats {
        float.boxed()
    } else {
        any::<i32>().prop_map(Value::from).boxed()
    };
    let leaf = prop_oneof![
        Just(Value::Null),
        any::<bool>().prop_map(Value::from),
        any::<i64>().prop_map(Value::from),
        any::<u64>().prop_map(Value::from),
        number,
        ".{0,12}".prop_map(Value::from),
    ];
    leaf.prop_recursive(3, 24, 6, |inner| {
        prop_oneof![
            prop::collection::vec(inner.clone(), 0..5).prop_map(Value::Array),
            prop::collection::btree_map("[a-z_]{1,10}", inner, 0..6)
                .prop_map(|m| Value::Object(m.into_iter().collect())),
        ]
    })
}

proptest! {
    #![proptest_config(config(128))]

    #[test]
    fn envelope_never_panics_and_classifies_every_body(bytes in prop::collection::vec(any::<u8>(), 0..200)) {
        let _serial = serial();
        let e = answer(bytes.clone());
        let result = e.rt.block_on(e.client.call::<(), Value>(PROBE, None));
        match serde_json::from_slice::<Value>(&bytes) {
            Err(_) => prop_assert!(matches!(result, Err(WechatError::Decode { .. })), "{result:?}"),
            Ok(v) => {
                let code = v.get("errcode");
                match code.and_then(Value::as_i64) {
                    Some(c) if c != 0 => prop_assert_eq!(result.unwrap_err().errcode(), Some(c)),
                    _ => prop_assert!(result.is_ok() || matches!(result, Err(WechatError::Decode { .. })), "{result:?}"),
                }
            }
        }
    }

    #[test]
    fn envelope_errcodes_are_kept_exactly(code in any::<i64>().prop_filter("non-zero", |c| *c != 0), msg in ".{0,40}", extra in any_json()) {
        let _serial = serial();
        let body = json!({"errcode": code, "errmsg": msg, "extra": extra});
        let e = answer(body.to_string());
        match e.rt.block_on(e.client.call::<(), Value>(PROBE, None)) {
            Err(WechatError::Api { errcode, errmsg, .. }) => {
                prop_assert_eq!(errcode, code);
                // Kept exactly, but for control characters, which never leave the client.
                prop_assert_eq!(errmsg, clean_text(&msg));
            }
            other => prop_assert!(false, "{other:?}"),
        }
    }

    #[test]
    fn envelope_with_errcode_zero_or_none_passes_the_body_through(mut obj in prop::collection::btree_map("[a-z]{1,8}", exact_json(), 0..6), zero in any::<bool>()) {
        let _serial = serial();
        obj.remove("errcode");
        obj.remove("errmsg");
        let mut v: serde_json::Map<String, Value> = obj.into_iter().collect();
        if zero {
            v.insert("errcode".into(), json!(0));
        }
        let e = answer(Value::Object(v.clone()).to_string());
        let got = e.rt.block_on(e.client.call::<(), Value>(PROBE, None));
        let mut want = Value::Object(v);
        match clean_json(&mut want) {
            // Passed through, but for control characters, which every string loses.
            None => prop_assert_eq!(got.unwrap(), want),
            // A key named like an id with a value outside the id character set.
            Some(bad) => prop_assert!(matches!(&got, Err(WechatError::Decode { path, .. }) if *path == bad.path), "{got:?}"),
        }
    }
}

/// An order in either family's wire form: ids as numbers or strings, times as unix seconds or
/// "YYYY-MM-DD HH:MM:SS" China time.
/// (order id, status, created, products (id, sku, count), mini shop form?, answer body).
type WireCase = (u64, u32, i64, Vec<(u64, u64, u32)>, bool, Value);

fn wire_order() -> impl Strategy<Value = WireCase> {
    (
        any::<u64>(),
        prop::sample::select(vec![10u32, 20, 21, 30, 100, 250]),
        1_500_000_000i64..1_900_000_000,
        prop::collection::vec((any::<u64>(), any::<u64>(), 0u32..50), 0..5),
        any::<bool>(),
    )
        .prop_map(|(id, status, time, products, minishop)| {
            let t = if minishop {
                json!(waybill_desk::wechat::order::format_china_time(time))
            } else {
                json!(time)
            };
            let pid = |n: u64| if minishop { json!(n) } else { json!(n.to_string()) };
            let infos: Vec<Value> = products
                .iter()
                .map(|(p, s, c)| json!({"product_id": pid(*p), "sku_id": pid(*s), "sku_cnt": c, "title": "商品"}))
                .collect();
            let order = json!({
                "order_id": if minishop { json!(id) } else { json!(id.to_string()) },
                "status": status,
                "create_time": t,
                "order_detail": {"product_infos": infos, "delivery_info": {"address_info": {"user_name": "王芳"}}},
            });
            (id, status, time, products, minishop, json!({"errcode": 0, "order": order}))
        })
}

proptest! {
    #![proptest_config(config(128))]

    #[test]
    fn order_detail_decodes_exactly_in_both_wire_forms((id, status, time, products, minishop, body) in wire_order()) {
        let _serial = serial();
        let e = answer(body.to_string());
        let kind = if minishop { ShopKind::Minishop } else { ShopKind::Channels };
        let order = e.rt.block_on(e.client.shop(kind).get_order(OrderId(id))).unwrap();
        prop_assert_eq!(order.id, OrderId(id));
        prop_assert_eq!(order.status, status);
        prop_assert_eq!(order.created_unix, time);
        prop_assert_eq!(order.products.len(), products.len());
        for (p, (pid, sid, cnt)) in order.products.iter().zip(&products) {
            prop_assert_eq!((p.product_id, p.sku_id, p.sku_cnt), (*pid, *sid, *cnt));
        }
        prop_assert_eq!(order.address.user_name.as_str(), "王芳");
    }

    #[test]
    fn order_detail_never_panics_on_any_json(v in any_json(), order in any_json()) {
        let _serial = serial();
        for body in [v.clone(), json!({"errcode": 0, "order": order.clone()})] {
            let e = answer(body.to_string());
            let result = e.rt.block_on(e.client.shop(ShopKind::Channels).get_order(OrderId(1)));
            if let Err(err) = result {
                prop_assert!(matches!(err, WechatError::Decode { .. } | WechatError::Api { .. }), "{err:?}");
            }
        }
    }

    #[test]
    fn order_ids_that_are_floats_or_negative_are_refused(f in any::<f64>().prop_filter("finite non-integer", |f| f.is_finite() && f.fract() != 0.0), n in i64::MIN..0) {
        let _serial = serial();
        for id in [json!(f), json!(n)] {
            let e = answer(json!({"errcode": 0, "order": {"order_id": id}}).to_string());
            let result = e.rt.block_on(e.client.shop(ShopKind::Channels).get_order(OrderId(1)));
            prop_assert!(matches!(&result, Err(WechatError::Decode { path, .. }) if path.contains("order_id")), "{result:?}");
        }
    }
}

/// What a batchget item does in the answer.
#[derive(Debug, Clone)]
enum ItemFate {
    Good,
    Missing,
    Errcode(i64),
    BadBase64,
}

fn fate() -> impl Strategy<Value = ItemFate> {
    prop_oneof![
        6 => Just(ItemFate::Good),
        1 => Just(ItemFate::Missing),
        1 => (1i64..99_999_999).prop_map(ItemFate::Errcode),
        1 => Just(ItemFate::BadBase64),
    ]
}

proptest! {
    #![proptest_config(config(96))]

    #[test]
    fn batchget_pairs_every_request_with_its_own_answer(
        fates in prop::collection::vec(fate(), 1..30),
        rot in any::<u64>(),
    ) {
        let _serial = serial();
        let requests: Vec<LabelRequest> = fates
            .iter()
            .enumerate()
            .map(|(i, _)| LabelRequest {
                order_id: (u64::MAX - i as u64).to_string(),
                delivery_id: DeliveryId("SF".into()),
                waybill_id: Some(WaybillId(format!("SF{i}"))),
            })
            .collect();
        let mut items: Vec<Value> = fates
            .iter()
            .zip(&requests)
            .filter_map(|(f, r)| {
                let w = r.waybill_id.as_ref().map(|w| w.0.clone()).unwrap_or_default();
                let page = encode_print_html(&format!("<html>{} {w}</html>", r.order_id));
                match f {
                    ItemFate::Missing => None,
                    ItemFate::Good => Some(json!({"errcode": 0, "order_id": r.order_id, "delivery_id": "SF", "waybill_id": w, "print_html": page})),
                    ItemFate::Errcode(c) => Some(json!({"errcode": c, "errmsg": "x", "order_id": r.order_id, "delivery_id": "SF", "waybill_id": w})),
                    ItemFate::BadBase64 => Some(json!({"errcode": 0, "order_id": r.order_id, "delivery_id": "SF", "waybill_id": w, "print_html": "!!不是base64"})),
                }
            })
            .collect();
        // The answer's order is not promised: rotate it.
        if !items.is_empty() {
            let k = (rot % items.len() as u64) as usize;
            items.rotate_left(k);
        }
        let e = answer(json!({"errcode": 0, "order_list": items}).to_string());
        let results = e.rt.block_on(e.client.logistics().batch_get_chunk(&requests));
        prop_assert_eq!(results.len(), requests.len());
        for ((f, r), result) in fates.iter().zip(&requests).zip(&results) {
            match (f, result) {
                (ItemFate::Good, Ok(label)) => {
                    prop_assert_eq!(&label.order_id, &r.order_id);
                    prop_assert!(label.html.contains(&r.order_id));
                }
                (ItemFate::Missing, Err(WechatError::Decode { .. })) => {}
                (ItemFate::Errcode(c), Err(err)) => prop_assert_eq!(err.errcode(), Some(*c)),
                (ItemFate::BadBase64, Err(WechatError::Label { order_id, .. })) => prop_assert_eq!(order_id, &r.order_id),
                (f, r) => prop_assert!(false, "{f:?} gave {r:?}"),
            }
        }
    }

    #[test]
    fn a_garbled_batchget_answer_fails_every_order_alike(v in any_json(), n in 1usize..10) {
        let _serial = serial();
        let requests: Vec<LabelRequest> = (0..n)
            .map(|i| LabelRequest {
                order_id: i.to_string(),
                delivery_id: DeliveryId("SF".into()),
                waybill_id: None,
            })
            .collect();
        let e = answer(v.to_string());
        let results = e.rt.block_on(e.client.logistics().batch_get_chunk(&requests));
        prop_assert_eq!(results.len(), n);
        // Either the body is not a batchget answer (the same error for all), or it is one and
        // each order gets its own verdict; never a panic.
        if results.iter().all(Result::is_err) && !v.get("order_list").is_some_and(Value::is_array) {
            let first = format!("{:?}", results[0]);
            let same = results.iter().all(|r| format!("{:?}", r) == first);
            prop_assert!(same, "different errors for one garbled answer");
        }
    }
}

proptest! {
    #![proptest_config(config(512))]

    #[test]
    fn label_pages_round_trip_through_base64_even_when_wrapped(
        body in "\\PC{0,300}",
        wrap in 1usize..80,
        strip_padding in any::<bool>(),
    ) {
        let html = format!("<html><body>{body}</body></html>");
        let encoded = encode_print_html(&html);
        let mut wrapped: String = encoded
            .as_bytes()
            .chunks(wrap)
            .map(|c| String::from_utf8_lossy(c).into_owned())
            .collect::<Vec<_>>()
            .join("\r\n");
        if strip_padding {
            wrapped = wrapped.trim_end_matches('=').to_string();
        }
        prop_assert_eq!(decode_print_html(&wrapped).unwrap(), html);
    }

    #[test]
    fn any_print_html_decodes_or_is_a_named_error(s in "\\PC{0,200}", bytes in prop::collection::vec(any::<u8>(), 0..200)) {
        let _ = decode_print_html(&s);
        let encoded = base64_of(&bytes);
        match decode_print_html(&encoded) {
            Ok(html) => {
                prop_assert_eq!(html.as_bytes(), &bytes[..]);
                prop_assert!(html.contains('<'));
            }
            Err(e) => prop_assert!(!e.to_string().is_empty()),
        }
    }
}

// ---------------------------------------------------------------- every decoder, mutated

use waybill_desk::wechat::sanitize::{clean_json, clean_text, is_unsafe_char};
use waybill_desk::wechat::shop::OrderQuery;

/// One change to a valid answer.
#[derive(Debug, Clone)]
enum Mutation {
    /// The node becomes any JSON value.
    Replace(Value),
    /// The node is removed from its object or array.
    Remove,
    /// The node becomes an extreme or odd number (or a number in a string).
    Extreme(Value),
    /// The node becomes a hostile string: escape sequences, line breaks, bidi overrides, long.
    Hostile(String),
}

fn extreme() -> impl Strategy<Value = Value> {
    prop::sample::select(vec![
        json!(u64::MAX),
        json!(i64::MIN),
        json!(i64::MAX),
        json!(-1),
        json!(0),
        json!(1e308),
        json!(-0.5),
        json!(4_294_967_296u64),
        json!(u32::MAX),
        json!(i32::MIN),
        json!("18446744073709551616"),
        json!("-1"),
        json!(""),
    ])
}

fn hostile_text() -> impl Strategy<Value = String> {
    prop_oneof![
        Just("SF1\u{1b}[2J\u{1b}[H\nok    forged".to_string()),
        Just("\u{202E}gnp.exe\r\n\u{9b}31m".to_string()),
        Just("A".repeat(300)),
        Just("2026-13-45 25:61:61".to_string()),
        "[\\x00-\\x1f\\x7f-\\x9f\u{202a}-\u{202e}\u{2066}-\u{2069}a-z0-9_ 王芳]{0,40}",
    ]
}

fn mutation() -> impl Strategy<Value = Mutation> {
    prop_oneof![
        3 => any_json().prop_map(Mutation::Replace),
        2 => Just(Mutation::Remove),
        3 => extreme().prop_map(Mutation::Extreme),
        3 => hostile_text().prop_map(Mutation::Hostile),
    ]
}

/// Every node of `v` as a JSON pointer (the root is "").
fn pointers(v: &Value, at: String, out: &mut Vec<String>) {
    match v {
        Value::Object(map) => {
            for (k, item) in map {
                let p = format!("{at}/{}", k.replace('~', "~0").replace('/', "~1"));
                out.push(p.clone());
                pointers(item, p, out);
            }
        }
        Value::Array(items) => {
            for (i, item) in items.iter().enumerate() {
                let p = format!("{at}/{i}");
                out.push(p.clone());
                pointers(item, p, out);
            }
        }
        _ => {}
    }
}

/// `sample` with each mutation applied at the node its index picks.
fn mutate(sample: &Value, changes: &[(prop::sample::Index, Mutation)]) -> Value {
    let mut v = sample.clone();
    for (at, m) in changes {
        let mut all = Vec::new();
        pointers(&v, String::new(), &mut all);
        if all.is_empty() {
            continue;
        }
        let p = at.get(&all).clone();
        match m {
            Mutation::Replace(new) | Mutation::Extreme(new) => {
                if let Some(node) = v.pointer_mut(&p) {
                    *node = new.clone();
                }
            }
            Mutation::Hostile(text) => {
                if let Some(node) = v.pointer_mut(&p) {
                    *node = Value::String(text.clone());
                }
            }
            Mutation::Remove => {
                let (parent, last) = p.rsplit_once('/').unwrap();
                match v.pointer_mut(parent) {
                    Some(Value::Object(map)) => {
                        map.remove(&last.replace("~1", "/").replace("~0", "~"));
                    }
                    Some(Value::Array(items)) => {
                        if let Ok(i) = last.parse::<usize>() {
                            if i < items.len() {
                                items.remove(i);
                            }
                        }
                    }
                    _ => {}
                }
            }
        }
    }
    v
}

fn changes() -> impl Strategy<Value = Vec<(prop::sample::Index, Mutation)>> {
    prop::collection::vec((any::<prop::sample::Index>(), mutation()), 1..4)
}

/// No string anywhere in `value` may carry a control character or a bidi override.
fn assert_no_unsafe_text(value: &impl serde::Serialize) -> Result<(), TestCaseError> {
    let v = serde_json::to_value(value).unwrap();
    let mut text = Vec::new();
    collect_strings(&v, &mut text);
    for s in text {
        prop_assert!(!s.chars().any(is_unsafe_char), "unsafe text {s:?}");
    }
    Ok(())
}

fn collect_strings<'a>(v: &'a Value, out: &mut Vec<&'a str>) {
    match v {
        Value::String(s) => out.push(s),
        Value::Array(items) => items.iter().for_each(|i| collect_strings(i, out)),
        Value::Object(map) => map.iter().for_each(|(k, i)| {
            out.push(k);
            collect_strings(i, out);
        }),
        _ => {}
    }
}

/// The error is one a lying server can cause (never a transport failure: the echo always
/// answers), and what a person reads of it is terminal-safe.
fn assert_typed(err: &WechatError) -> Result<(), TestCaseError> {
    prop_assert!(
        !matches!(
            err,
            WechatError::Transport { .. } | WechatError::Http { .. }
        ),
        "{err:?}"
    );
    for text in [err.to_string(), err.explain(waybill_desk::wechat::Lang::En)] {
        prop_assert!(
            !text.chars().any(is_unsafe_char),
            "unsafe error text {text:?}"
        );
    }
    Ok(())
}

fn check<T: serde::Serialize>(result: &Result<T, WechatError>) -> Result<(), TestCaseError> {
    match result {
        Ok(v) => assert_no_unsafe_text(v),
        Err(e) => assert_typed(e),
    }
}

fn label_page() -> String {
    encode_print_html("<!DOCTYPE html><html><body>收件人:王芳 SF1234567890</body></html>")
}

fn channels_order() -> Value {
    json!({"errcode": 0, "order": {
        "order_id": "3704612354559498753", "status": 20, "create_time": 1_764_460_800,
        "openid": "oAbc", "order_detail": {
            "product_infos": [
                {"product_id": "10000001", "sku_id": "20000001", "title": "保温杯", "sku_cnt": 2,
                 "on_aftersale_sku_cnt": 0, "finish_aftersale_sku_cnt": 0, "sale_price": 4990,
                 "sku_attrs": [{"attr_key": "颜色", "attr_value": "红色"}]}],
            "price_info": {"order_price": 9980, "freight": 0},
            "delivery_info": {"address_info": {"user_name": "王芳", "tel_number": "13800138000",
                "province_name": "广东省", "city_name": "深圳市", "county_name": "南山区",
                "detail_info": "科技园南路88号"},
                "delivery_product_info": [{"waybill_id": "SF123", "delivery_id": "SF"}]}},
        "aftersale_detail": {"on_aftersale_order_cnt": 0},
        "ext_info": {"customer_notes": "请尽快发货", "merchant_notes": ""}}})
}

fn minishop_order() -> Value {
    let mut v = channels_order();
    v["order"]["order_id"] = json!(3_704_612_354_559_498_753u64);
    v["order"]["create_time"] = json!("2025-11-30 08:00:00");
    v["order"]["order_detail"]["product_infos"][0]["product_id"] = json!(10_000_001);
    v
}

fn label_request() -> LabelRequest {
    LabelRequest {
        order_id: "3704612354559498753".into(),
        delivery_id: DeliveryId("SF".into()),
        waybill_id: Some(WaybillId("SF1234567890".into())),
    }
}

fn waybill(order_id: &str) -> Value {
    json!({"errcode": 0, "errmsg": "ok", "order_id": order_id, "delivery_id": "SF",
           "waybill_id": "SF1234567890", "print_html": label_page(), "order_status": 0,
           "waybill_data": [{"key": "SF_bagAddr", "value": "广州"}]})
}

fn query() -> OrderQuery {
    OrderQuery {
        created_from: 1_764_000_000,
        created_to: 1_764_400_000,
        status: Some(20),
    }
}

proptest! {
    #![proptest_config(config(48))]

    #[test]
    fn the_token_decoder_survives_mutated_answers(ch in changes()) {
        let _serial = serial();
        let body = mutate(&json!({"access_token": "ACCESS", "expires_in": 7200}), &ch);
        let e = answer_paths(json!({"errcode": 0}).to_string(), &[("/cgi-bin/stable_token", body)]);
        // A fresh client: the shared one has its token cached already.
        let client = WechatClient::new(echo_config(&e.base)).unwrap();
        let result = e.rt.block_on(client.call::<(), Value>(PROBE, None));
        check(&result)?;
    }

    #[test]
    fn order_details_of_both_families_survive_mutated_answers(ch in changes(), minishop in any::<bool>()) {
        let _serial = serial();
        let (sample, kind) = if minishop {
            (minishop_order(), ShopKind::Minishop)
        } else {
            (channels_order(), ShopKind::Channels)
        };
        let e = answer(mutate(&sample, &ch).to_string());
        let result = e.rt.block_on(e.client.shop(kind).get_order(OrderId(3_704_612_354_559_498_753)));
        check(&result)?;
    }

    #[test]
    fn channels_listings_survive_mutated_answers(ch in changes()) {
        let _serial = serial();
        let list = json!({"errcode": 0, "order_id_list": ["3704612354559498753", 12],
                          "next_key": "", "has_more": false});
        let e = answer_paths(
            channels_order().to_string(),
            &[("/channels/ec/order/list/get", mutate(&list, &ch))],
        );
        let result = e.rt.block_on(e.client.shop(ShopKind::Channels).list_orders(query()));
        check(&result)?;
    }

    #[test]
    fn channels_order_details_in_a_listing_survive_mutation(ch in changes()) {
        let _serial = serial();
        let list = json!({"errcode": 0, "order_id_list": ["3704612354559498753"], "has_more": false});
        let e = answer_paths(
            mutate(&channels_order(), &ch).to_string(),
            &[("/channels/ec/order/list/get", list)],
        );
        let result = e.rt.block_on(e.client.shop(ShopKind::Channels).list_orders(query()));
        check(&result)?;
    }

    #[test]
    fn minishop_listings_survive_mutated_answers(ch in changes()) {
        let _serial = serial();
        let list = json!({"errcode": 0, "total_num": 2,
                          "orders": [minishop_order()["order"].clone(), minishop_order()["order"].clone()]});
        let e = answer(mutate(&list, &ch).to_string());
        let result = e.rt.block_on(e.client.shop(ShopKind::Minishop).list_orders(query()));
        check(&result)?;
    }

    #[test]
    fn courier_lists_survive_mutated_answers(ch in changes(), minishop in any::<bool>()) {
        let _serial = serial();
        let logistics = json!({"errcode": 0, "count": 1, "data": [
            {"delivery_id": "SF", "delivery_name": "顺丰速运", "can_use_cash": 0, "can_get_quota": 1,
             "cash_biz_id": "", "service_type": [{"service_type": 0, "service_name": "标准快递"}]}]});
        let e = answer(mutate(&logistics, &ch).to_string());
        check(&e.rt.block_on(e.client.logistics().couriers()))?;
        let shop = json!({"errcode": 0, "company_list": [{"delivery_id": "SF", "delivery_name": "顺丰速运"}]});
        let e = answer(mutate(&shop, &ch).to_string());
        let kind = if minishop { ShopKind::Minishop } else { ShopKind::Channels };
        check(&e.rt.block_on(e.client.shop_couriers(kind)))?;
    }

    #[test]
    fn get_label_survives_mutated_answers(ch in changes(), one_part in any::<bool>()) {
        let _serial = serial();
        let e = answer(mutate(&waybill("3704612354559498753"), &ch).to_string());
        let print_type = if one_part { PrintType::OnePart } else { PrintType::TwoPart };
        let result = e.rt.block_on(e.client.logistics().get_label(&label_request(), print_type));
        check(&result)?;
    }

    #[test]
    fn batchget_survives_mutated_answers(ch in changes()) {
        let _serial = serial();
        let answer_body = json!({"errcode": 0, "order_list": [
            waybill("3704612354559498753"), waybill("3704612354559498754")]});
        let mut second = label_request();
        second.order_id = "3704612354559498754".into();
        let e = answer(mutate(&answer_body, &ch).to_string());
        let results = e.rt.block_on(e.client.logistics().batch_get_chunk(&[label_request(), second]));
        prop_assert_eq!(results.len(), 2);
        for r in &results {
            check(r)?;
        }
    }

    #[test]
    fn add_order_cancel_and_contact_survive_mutated_answers(ch in changes()) {
        let _serial = serial();
        // The request is built from a real order, decoded first.
        let e = answer(channels_order().to_string());
        let order = e.rt.block_on(e.client.shop(ShopKind::Channels).get_order(OrderId(1))).unwrap();
        let e = answer(mutate(&json!({"errcode": 0, "order_id": "3704612354559498753",
            "waybill_id": "SF1234567890", "waybill_data": [{"key": "SF_mark", "value": "101- 07-03 509"}]}), &ch).to_string());
        let request = waybill_desk::wechat::logistics::AddOrderRequest::for_shop_order(
            &order,
            waybill_desk::wechat::logistics::WaybillParty::default(),
            DeliveryId("SF".into()),
            "SF_CASH".into(),
        );
        check(&e.rt.block_on(e.client.logistics().add_order(&request)))?;

        let e = answer(mutate(&json!({"errcode": 0, "errmsg": "ok"}), &ch).to_string());
        let result = e.rt.block_on(e.client.logistics().cancel_order(
            "3704612354559498753", "", &DeliveryId("SF".into()), &WaybillId("SF1234567890".into())));
        if let Err(err) = &result {
            assert_typed(err)?;
        }

        let contact = json!({"errcode": 0, "waybill_id": "12345678901234567890",
            "sender": {"address": "广东省广州市海珠区", "name": "Jim", "tel": "020-88888888", "mobile": "18666666666"},
            "receiver": {"address": "广东省广州市天河区", "name": "王小萌", "tel": "029-77777777", "mobile": "18610000000"}});
        let e = answer(mutate(&contact, &ch).to_string());
        check(&e.rt.block_on(e.client.logistics().contact("TOKEN", &WaybillId("12345678901234567890".into()))))?;
    }
}

fn base64_of(bytes: &[u8]) -> String {
    use base64::Engine as _;
    base64::engine::general_purpose::STANDARD.encode(bytes)
}
