//! One function per command. Each prints one line per item (or JSON lines with `--json`).

use std::net::SocketAddr;
use std::process::ExitCode;

use anyhow::Context as _;
use serde_json::json;

use super::args::{Command, LabelArg, PrintTypeArg, WaybillAction};
use super::Context;
use crate::sandbox::{fake, Sandbox, SandboxConfig, DEMO_APPID, DEMO_SECRET};
use crate::station::{ShipRequest, StationError, WaybillPlan};
use crate::wechat::delivery::{ShipOutcome, SnInfo, WaybillRef};
use crate::wechat::logistics::{LabelRequest, WaybillParty};
use crate::wechat::order::{format_china_time, Order, ParcelItem};
use crate::wechat::shop::OrderQuery;
use crate::wechat::{DeliveryId, Lang, OrderId, PrintType, WaybillId, WechatError};

/// Prints a line to stdout; a closed pipe (`| head`) ends the command instead of panicking.
macro_rules! say {
    ($($arg:tt)*) => {{
        use std::io::Write as _;
        writeln!(std::io::stdout().lock(), $($arg)*)?
    }};
}

pub(super) async fn dispatch(ctx: &Context, command: Command) -> anyhow::Result<ExitCode> {
    match command {
        Command::Sandbox { .. }
        | Command::Login { .. }
        | Command::Logout
        | Command::Whoami { .. }
        | Command::Journal { .. }
        | Command::Printer { .. }
        // `main` panics before any command runs (the crash-report check).
        | Command::DebugPanic { .. } => unreachable!("handled before connecting"),
        Command::Batch { action } => super::batch_cmd::batch(ctx, action).await,
        Command::Orders {
            status,
            days,
            full,
            json,
        } => orders(ctx, status, days, full, json).await,
        Command::Labels {
            orders,
            print_type,
            out,
            json,
        } => labels(ctx, &orders, print_type, &out, json).await,
        Command::Ship {
            order_id,
            waybills,
            items,
            sn,
            imeis,
            json,
        } => {
            let ask = ShipAsk {
                waybills,
                items,
                sn,
                imeis,
            };
            ship(ctx, order_id, ask, json).await
        }
        Command::Couriers { json } => couriers(ctx, json).await,
        Command::Waybill { action } => match action {
            WaybillAction::Add {
                order_id,
                delivery_id,
                biz_id,
                json,
            } => waybill_add(ctx, order_id, delivery_id, biz_id, json).await,
            WaybillAction::Cancel {
                order_id,
                delivery_id,
                waybill_id,
            } => waybill_cancel(ctx, order_id, delivery_id, waybill_id).await,
        },
        Command::Contact {
            waybill_id,
            token,
            json,
        } => contact(ctx, &waybill_id, &token, json).await,
        Command::Print {
            orders,
            printer,
            pdf,
            print_type,
            size,
            copies,
            timeout_s,
            keep_going,
            json,
        } => {
            let request = super::print_cmd::PrintRequest {
                printer,
                pdf,
                print_type,
                size,
                copies,
                timeout_s,
                keep_going,
                json,
            };
            super::print_cmd::print(ctx, &orders, request).await
        }
        Command::Printers { .. } | Command::PrintWorker | Command::PreviewWindow { .. } => {
            unreachable!("handled before connecting")
        }
    }
}

pub(super) async fn serve_sandbox(
    addr: SocketAddr,
    latency_ms: u64,
    orders: usize,
) -> anyhow::Result<ExitCode> {
    let sandbox = Sandbox::start(
        addr,
        SandboxConfig {
            orders,
            latency_ms,
            ..SandboxConfig::default()
        },
    )
    .await
    .with_context(|| format!("cannot listen on {addr}"))?;
    say!("{}", sandbox.url());
    say!(
        "appid: {DEMO_APPID} (微信小店, --shop channels)  {} (小商店, --shop minishop)  appsecret: {DEMO_SECRET}  (sample data only)",
        crate::sandbox::DEMO_MINISHOP_APPID
    );
    say!(
        "control: GET {0}sandbox/events  GET {0}sandbox/stats  POST {0}sandbox/faults",
        sandbox.url()
    );
    tokio::signal::ctrl_c()
        .await
        .context("waiting for Ctrl-C")?;
    sandbox.shutdown().await;
    Ok(ExitCode::SUCCESS)
}

fn mask_phone(phone: &str) -> String {
    let chars: Vec<char> = phone.chars().collect();
    if chars.len() < 7 {
        return "*".repeat(chars.len());
    }
    let tail: String = chars[chars.len() - 4..].iter().collect();
    format!("{}****{tail}", chars[..3].iter().collect::<String>())
}

async fn orders(
    ctx: &Context,
    status: u32,
    days: u32,
    full: bool,
    json: bool,
) -> anyhow::Result<ExitCode> {
    let now = chrono::Utc::now().timestamp();
    let query = OrderQuery {
        created_from: now - i64::from(days) * 24 * 3600,
        created_to: now,
        status: (status != 0).then_some(status),
    };
    let list = list_through_cache(ctx, query, full).await?;
    for order in &list {
        if json {
            say!("{}", serde_json::to_string(order)?);
        } else {
            say!("{}", order_line(order, ctx.lang));
        }
    }
    if !json {
        eprintln!(
            "{} {}",
            list.len(),
            if ctx.lang == Lang::ZhCn {
                "个订单"
            } else {
                "orders"
            }
        );
    }
    Ok(ExitCode::SUCCESS)
}

/// Lists orders through the journal's order cache (only what changed since the last listing
/// is read; `full` lists everything again), with a spinner on a terminal. Without a usable
/// journal the orders are listed directly, as before the cache.
pub(super) async fn list_through_cache(
    ctx: &Context,
    query: OrderQuery,
    full: bool,
) -> anyhow::Result<Vec<Order>> {
    let spinner = super::progress::Progress::spinner(if ctx.lang == Lang::ZhCn {
        "读取订单…"
    } else {
        "listing orders…"
    });
    let list = match super::batch_cmd::station(ctx).await {
        Ok(station) => {
            let report = if full {
                station.resync_orders(query).await
            } else {
                station.sync_orders(query).await
            }
            .map_err(|e| anyhow::anyhow!(e.explain(ctx.lang)))?;
            report.orders
        }
        Err(e) => {
            tracing::warn!(error = %e, "the journal cannot be used; listing without the order cache");
            ctx.client.shop(ctx.shop).list_orders(query).await?
        }
    };
    spinner.finish();
    Ok(list)
}

fn order_line(order: &Order, lang: Lang) -> String {
    let pieces = order.shippable_pieces();
    let notes = if order.customer_notes.is_empty() {
        String::new()
    } else {
        format!("  [{}]", order.customer_notes)
    };
    // Orders that take no courier say so (the window greys them); parcels already out show.
    let mut no_courier = order
        .no_courier_reason()
        .map(|r| format!("  ({})", r.explain(lang)))
        .unwrap_or_default();
    if order.address_change_pending {
        // WeChat would answer 10020115: say so before anyone packs it.
        let held = crate::wechat::Refusal::AddressChangePending(order.id.to_string());
        no_courier.push_str(&format!("  ({})", held.explain(lang)));
    }
    let parcels = if order.shipped_packages.is_empty() {
        String::new()
    } else {
        let list: Vec<String> = order
            .shipped_packages
            .iter()
            .map(|p| format!("{}:{}", p.delivery_id, p.waybill_id))
            .collect();
        format!(
            "  {} {}",
            if lang == Lang::ZhCn {
                "已发包裹"
            } else {
                "parcels"
            },
            list.join(",")
        )
    };
    format!(
        "{}  {}  {}  {} {}  {}{}  {}{}{}{}",
        order.id,
        format_china_time(order.created_unix),
        crate::wechat::error::status_label(order.status, lang),
        order.address.user_name,
        mask_phone(&order.address.tel_number),
        order.address.city_name,
        order.address.county_name,
        pieces,
        notes,
        parcels,
        no_courier
    )
}

async fn labels(
    ctx: &Context,
    orders: &[LabelArg],
    print_type: PrintTypeArg,
    out: &std::path::Path,
    json: bool,
) -> anyhow::Result<ExitCode> {
    std::fs::create_dir_all(out).with_context(|| format!("cannot create {}", out.display()))?;
    let station = super::batch_cmd::station(ctx).await?;
    let requests: Vec<LabelRequest> = orders
        .iter()
        .map(|o| LabelRequest {
            order_id: o.order_id.logistics_id(),
            delivery_id: DeliveryId(o.delivery_id.clone()),
            waybill_id: o.waybill_id.clone().map(WaybillId),
        })
        .collect();
    let print_type = match print_type {
        PrintTypeArg::One => PrintType::OnePart,
        PrintTypeArg::Two => PrintType::TwoPart,
    };
    // Each label is recorded in the journal before its file is written.
    let results = station.fetch_labels(&requests, print_type).await;
    let mut failed = 0usize;
    for (request, result) in requests.iter().zip(results) {
        let written = result
            .map_err(|e| (station_errcode(&e), e.explain(ctx.lang)))
            .and_then(|(label, id)| {
                let path = out.join(format!("{}.html", request.order_id));
                write_atomically(&path, label.html.as_bytes())
                    .map(|()| (label, id, path))
                    .map_err(|e| (None, format!("cannot write label file: {e}")))
            });
        match written {
            Ok((label, id, path)) if json => say!(
                "{}",
                json!({"order_id": request.order_id, "ok": true, "delivery_id": label.delivery_id,
                       "waybill_id": label.waybill_id, "file": path, "waybill_data": label.waybill_data,
                       "label_id": id})
            ),
            Ok((label, _, path)) => say!(
                "ok    {}  {} {}  -> {}",
                request.order_id,
                label.delivery_id,
                label.waybill_id,
                path.display()
            ),
            Err((errcode, text)) => {
                failed += 1;
                if json {
                    say!(
                        "{}",
                        json!({"order_id": request.order_id, "ok": false, "errcode": errcode,
                               "error": text})
                    );
                } else {
                    say!("FAIL  {}  {}", request.order_id, text);
                }
            }
        }
    }
    if !json {
        eprintln!("{} ok, {} failed", requests.len() - failed, failed);
    }
    Ok(if failed == 0 {
        ExitCode::SUCCESS
    } else {
        ExitCode::FAILURE
    })
}

/// A station error as the top level reports it: WeChat's errors stay `WechatError`, so that
/// they are explained in the user's language.
fn explainable(e: StationError) -> anyhow::Error {
    match e {
        StationError::Wechat(w) => w.into(),
        other => other.into(),
    }
}

/// WeChat's errcode behind a station error, if any.
fn station_errcode(e: &crate::station::StationError) -> Option<i64> {
    e.errcode()
}

/// Writes a file so that a reader never sees half of it.
pub(super) fn write_atomically(path: &std::path::Path, bytes: &[u8]) -> std::io::Result<()> {
    let tmp = path.with_extension("html.part");
    std::fs::write(&tmp, bytes)?;
    std::fs::rename(&tmp, path)
}

/// What `ship` was asked to send.
struct ShipAsk {
    waybills: Vec<WaybillRef>,
    items: Vec<ParcelItem>,
    sn: Option<String>,
    imeis: Vec<String>,
}

async fn ship(
    ctx: &Context,
    order_id: OrderId,
    ask: ShipAsk,
    json: bool,
) -> anyhow::Result<ExitCode> {
    let station = super::batch_cmd::station(ctx).await?;
    let sn = match &ask.sn {
        Some(code) => Some(SnInfo::new(code, &ask.imeis).map_err(WechatError::Refused)?),
        None => None,
    };
    let outcome = match ask.waybills.as_slice() {
        [_, _, ..] if !ask.items.is_empty() || sn.is_some() => anyhow::bail!(
            "--items and --sn describe one parcel: give one --waybill with them (ship the other parcels one by one)"
        ),
        [_, _, ..] => station.ship(order_id, &ask.waybills).await,
        one_or_none => {
            let request = ShipRequest {
                order_id,
                waybill: one_or_none.first().cloned(),
                items: (!ask.items.is_empty()).then_some(ask.items.clone()),
                sn,
            };
            station.ship_parcel(&request).await
        }
    };
    let zh = ctx.lang == Lang::ZhCn;
    let (code, line, value) = match &outcome {
        Ok(report) => {
            let text = match (report.outcome, zh) {
                (ShipOutcome::Shipped, true) => "已发货",
                (ShipOutcome::Shipped, false) => "shipped",
                (ShipOutcome::AlreadyShipped, true) => "之前已经发过货,无需操作",
                (ShipOutcome::AlreadyShipped, false) => "already shipped earlier; nothing to do",
                (ShipOutcome::ShippedConfirmedOnReread, true) => {
                    "已发货(应答丢失,重新查询订单确认)"
                }
                (ShipOutcome::ShippedConfirmedOnReread, false) => {
                    "shipped (answer was lost; confirmed by re-reading the order)"
                }
            };
            let rest = match (report.order_complete, zh) {
                (true, _) => String::new(),
                (false, true) => "(本包裹之外还有商品待发)".into(),
                (false, false) => " (the rest of the order stays to be shipped)".into(),
            };
            let items: Vec<String> = report
                .items
                .iter()
                .map(|i| format!("{}:{}:{}", i.product_id, i.sku_id, i.count))
                .collect();
            (
                ExitCode::SUCCESS,
                format!("ok    {order_id}  {text}{rest}"),
                json!({"order_id": order_id.to_string(), "ok": true, "outcome": report.outcome,
                       "attempt_id": report.attempt_id, "from_journal": report.from_journal,
                       "items": items, "order_complete": report.order_complete}),
            )
        }
        Err(e) => (
            ExitCode::FAILURE,
            format!("FAIL  {order_id}  {}", e.explain(ctx.lang)),
            json!({"order_id": order_id.to_string(), "ok": false, "errcode": station_errcode(e),
                   "need_sn": matches!(e, StationError::SnRequired { .. }),
                   "error": e.explain(ctx.lang)}),
        ),
    };
    if json {
        say!("{value}");
    } else {
        say!("{line}");
    }
    Ok(code)
}

async fn couriers(ctx: &Context, json: bool) -> anyhow::Result<ExitCode> {
    let station = super::batch_cmd::station(ctx).await?;
    let map = station.courier_map().await.map_err(explainable)?;
    for (c, m) in map.logistics().iter().zip(map.mappings()) {
        if json {
            let mut value = serde_json::to_value(c)?;
            value["shop_delivery_id"] = json!(m.shop_id);
            value["mapped_by"] = json!(m.by);
            say!("{value}");
        } else {
            let shop = match &m.shop_id {
                Some(id) => format!("-> {id}"),
                None if ctx.lang == Lang::ZhCn => {
                    "-> (小店快递列表中没有,发货前请在设置 courier_map 里指定)".into()
                }
                None => {
                    "-> (not in the shop's courier list; set it in courier_map before shipping)"
                        .into()
                }
            };
            say!("{}  {}  {shop}", c.delivery_id, c.delivery_name);
        }
    }
    Ok(ExitCode::SUCCESS)
}

/// The sender for new waybills: from settings, or the sandbox's warehouse in demo mode.
pub(super) fn sender(ctx: &Context) -> anyhow::Result<WaybillParty> {
    if let Some(s) = &ctx.settings.sender {
        return Ok(s.clone());
    }
    if ctx.embedded.is_some() {
        let (name, mobile, address) = fake::shop_sender();
        return Ok(WaybillParty {
            name,
            mobile,
            province: String::new(),
            city: String::new(),
            area: String::new(),
            address,
            ..WaybillParty::default()
        });
    }
    anyhow::bail!(
        "no sender address: add a \"sender\" (name, mobile, province, city, area, address) to {}",
        ctx.data_dir.join(crate::settings::SETTINGS_FILE).display()
    )
}

async fn waybill_add(
    ctx: &Context,
    order_id: OrderId,
    delivery_id: String,
    biz_id: String,
    json: bool,
) -> anyhow::Result<ExitCode> {
    let station = super::batch_cmd::station(ctx).await?;
    let plan = WaybillPlan {
        delivery_id: DeliveryId(delivery_id),
        biz_id,
        sender: sender(ctx)?,
    };
    let made = match station.new_waybill(order_id, &plan).await {
        Ok(made) => made,
        Err(e) => {
            say!("FAIL  {order_id}  {}", e.explain(ctx.lang));
            return Ok(ExitCode::FAILURE);
        }
    };
    if json {
        say!(
            "{}",
            json!({"order_id": order_id.to_string(), "delivery_id": made.delivery_id,
                   "waybill_id": made.waybill_id})
        );
    } else {
        say!(
            "ok    {}  {}:{}",
            order_id,
            made.delivery_id,
            made.waybill_id
        );
    }
    Ok(ExitCode::SUCCESS)
}

async fn waybill_cancel(
    ctx: &Context,
    order_id: OrderId,
    delivery_id: String,
    waybill_id: String,
) -> anyhow::Result<ExitCode> {
    let station = super::batch_cmd::station(ctx).await?;
    let waybill = WaybillRef {
        delivery_id: DeliveryId(delivery_id),
        waybill_id: WaybillId(waybill_id.clone()),
    };
    if let Err(e) = station.cancel_waybill(order_id, &waybill).await {
        say!("FAIL  {order_id}  {}", e.explain(ctx.lang));
        return Ok(ExitCode::FAILURE);
    }
    say!(
        "ok    {order_id}  {waybill_id} {}",
        if ctx.lang == Lang::ZhCn {
            "已取消(已记入日志,不会再用)"
        } else {
            "cancelled (recorded in the journal; never used again)"
        }
    );
    Ok(ExitCode::SUCCESS)
}

async fn contact(
    ctx: &Context,
    waybill_id: &str,
    token: &str,
    json: bool,
) -> anyhow::Result<ExitCode> {
    let c = ctx
        .client
        .logistics()
        .contact(token, &WaybillId(waybill_id.to_string()))
        .await?;
    if json {
        say!("{}", serde_json::to_string(&c)?);
    } else {
        let zh = ctx.lang == Lang::ZhCn;
        for (label, party) in [
            (if zh { "寄件人" } else { "sender  " }, &c.sender),
            (if zh { "收件人" } else { "receiver" }, &c.receiver),
        ] {
            // getContact gives a landline (tel) and a mobile; both are shown when present.
            let phones: Vec<&str> = [party.mobile.as_str(), party.tel.as_str()]
                .into_iter()
                .filter(|p| !p.is_empty())
                .collect();
            say!(
                "{label}  {} {} {}",
                party.name,
                phones.join(" / "),
                party.address
            );
        }
    }
    Ok(ExitCode::SUCCESS)
}
