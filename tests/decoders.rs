//! Property tests of the decoders, through the public client against a server that answers
//! whatever the case says: the `{errcode, errmsg}` envelope, the order detail wire form (both
//! shop families), the batchGetOrder answer, and the base64 label page. Nothing may panic; good
//! input must decode exactly; bad input must be a typed error. Failing cases are kept in
//! tests/proptest-regressions/decoders.txt and replayed first.

#![allow(clippy::unwrap_used)] // test helpers may panic: a panic is a failed test

use std::sync::{Arc, Mutex, OnceLock};

use axum::body::Bytes;
use axum::http::{StatusCode, Uri};
use axum::response::IntoResponse;
use proptest::prelude::*;
use proptest::test_runner::{Config, FileFailurePersistence};
use serde_json::{json, Value};
use waybill_desk::wechat::client::{CallKind, Endpoint, Method};
use waybill_desk::wechat::label::{decode_print_html, encode_print_html};
use waybill_desk::wechat::logistics::LabelRequest;
use waybill_desk::wechat::shop::ShopKind;
use waybill_desk::wechat::{
    ClientConfig, DeliveryId, OrderId, RetryConfig, Secret, TokenSource, WaybillId, WechatClient,
    WechatError,
};

/// A local server whose next answer body is set by the test case.
struct Echo {
    rt: tokio::runtime::Runtime,
    body: Arc<Mutex<Vec<u8>>>,
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
        let served = body.clone();
        let addr = rt.block_on(async move {
            let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
            let addr = listener.local_addr().unwrap();
            let app = axum::Router::new().fallback(move |uri: Uri, _body: Bytes| {
                let served = served.clone();
                async move {
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
        let mut config = ClientConfig::new(
            url::Url::parse(&format!("http://{addr}/")).unwrap(),
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
        let client = WechatClient::new(config).unwrap();
        Echo { rt, body, client }
    })
}

fn answer(body: impl Into<Vec<u8>>) -> &'static Echo {
    let e = echo();
    *e.body.lock().unwrap() = body.into();
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
        let body = json!({"errcode": code, "errmsg": msg, "extra": extra});
        let e = answer(body.to_string());
        match e.rt.block_on(e.client.call::<(), Value>(PROBE, None)) {
            Err(WechatError::Api { errcode, errmsg, .. }) => {
                prop_assert_eq!(errcode, code);
                prop_assert_eq!(errmsg, msg);
            }
            other => prop_assert!(false, "{other:?}"),
        }
    }

    #[test]
    fn envelope_with_errcode_zero_or_none_passes_the_body_through(mut obj in prop::collection::btree_map("[a-z]{1,8}", exact_json(), 0..6), zero in any::<bool>()) {
        obj.remove("errcode");
        obj.remove("errmsg");
        let mut v: serde_json::Map<String, Value> = obj.into_iter().collect();
        if zero {
            v.insert("errcode".into(), json!(0));
        }
        let e = answer(Value::Object(v.clone()).to_string());
        let got = e.rt.block_on(e.client.call::<(), Value>(PROBE, None)).unwrap();
        prop_assert_eq!(got, Value::Object(v));
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

fn base64_of(bytes: &[u8]) -> String {
    use base64::Engine as _;
    base64::engine::general_purpose::STANDARD.encode(bytes)
}
