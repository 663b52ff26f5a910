//! Bounds on everything a sandbox user or client controls: the command line, the fault
//! injection body and the connections. The sandbox is a test tool, but one that can be bound
//! to a network address, so no input may crash it, exhaust its memory or hold it forever.

use std::net::SocketAddr;
use std::time::Duration;

use super::faults::{Fault, Faults};

/// Generated orders at most: every order lives in memory (100,000 take about 350 MB), and
/// 100,000 is twice what the desk is built to scroll.
pub const MAX_ORDERS: usize = 100_000;
/// Latency added to every call at most (`--latency-ms`, `latency_ms` in the faults).
pub const MAX_LATENCY_MS: u64 = 60_000;
/// A `delay` fault at most: long enough to trip any client timeout.
pub const MAX_DELAY_MS: u64 = 120_000;
/// Fault rules at most.
pub const MAX_FAULT_RULES: usize = 1_000;
/// Orders in `bad_base64_orders` at most.
pub const MAX_BAD_BASE64_ORDERS: usize = 10_000;
/// Length of a `path_contains` or an `errmsg` at most (characters).
pub const MAX_FAULT_TEXT: usize = 1_024;

/// A request's head (request line and headers) must arrive within this, counted from when the
/// server starts waiting for it: a new connection, or an idle kept-alive one.
pub const HEADER_READ_TIMEOUT: Duration = Duration::from_secs(10);
/// A request's body must arrive within this once its head has.
pub const BODY_READ_TIMEOUT: Duration = Duration::from_secs(10);
/// An answer the client does not read for this long ends the connection.
pub const WRITE_STALL_TIMEOUT: Duration = Duration::from_secs(20);
/// Whole request, from its body arriving to the answer being ready (latency and delay faults
/// included), at most.
pub const REQUEST_DEADLINE: Duration =
    Duration::from_millis(MAX_LATENCY_MS + MAX_DELAY_MS + 30_000);
/// Largest request head.
pub const MAX_HEADER_BYTES: usize = 64 * 1024;
/// Largest body of a WeChat API call (the largest real one, a 100-order batchget or an
/// order/add with its goods, is a few KB).
pub const MAX_API_BODY_BYTES: usize = 1024 * 1024;
/// Largest body of a `/sandbox/...` control call.
pub const MAX_CONTROL_BODY_BYTES: usize = 64 * 1024;
/// Connections served at once; more wait in the listen backlog.
pub const MAX_CONNECTIONS: usize = 512;
/// How long requests in progress may take to finish when the sandbox stops.
pub const SHUTDOWN_GRACE: Duration = Duration::from_secs(5);

/// Checks `--orders` (clap value parser): a number from 0 to [`MAX_ORDERS`].
pub fn parse_orders(s: &str) -> Result<usize, String> {
    let n: u64 = s
        .trim()
        .parse()
        .map_err(|_| format!("`{s}` is not a whole number of orders"))?;
    check_orders(n)?;
    Ok(n as usize)
}

fn check_orders(n: u64) -> Result<(), String> {
    if n > MAX_ORDERS as u64 {
        return Err(format!(
            "{n} orders is more than the sandbox generates (at most {MAX_ORDERS}: each order is kept in memory)"
        ));
    }
    Ok(())
}

/// Checks `--latency-ms` (clap value parser): 0 to [`MAX_LATENCY_MS`].
pub fn parse_latency_ms(s: &str) -> Result<u64, String> {
    let ms: u64 = s
        .trim()
        .parse()
        .map_err(|_| format!("`{s}` is not a whole number of milliseconds"))?;
    check_latency_ms(ms)?;
    Ok(ms)
}

fn check_latency_ms(ms: u64) -> Result<(), String> {
    if ms > MAX_LATENCY_MS {
        return Err(format!(
            "a latency of {ms} ms is over the limit of {MAX_LATENCY_MS} ms (one minute)"
        ));
    }
    Ok(())
}

/// Checks a sandbox configuration given through the library.
pub(crate) fn check_config(orders: usize, latency_ms: u64) -> Result<(), String> {
    check_orders(orders as u64)?;
    check_latency_ms(latency_ms)
}

/// Checks faults sent to `POST /sandbox/faults`: the reason names the field and its limit.
pub fn validate_faults(faults: &Faults) -> Result<(), String> {
    check_latency_ms(faults.latency_ms).map_err(|e| format!("latency_ms: {e}"))?;
    if faults.rules.len() > MAX_FAULT_RULES {
        return Err(format!(
            "rules: {} rules is more than the {MAX_FAULT_RULES} allowed",
            faults.rules.len()
        ));
    }
    for (i, rule) in faults.rules.iter().enumerate() {
        if rule.path_contains.chars().count() > MAX_FAULT_TEXT {
            return Err(format!(
                "rules[{i}].path_contains: longer than {MAX_FAULT_TEXT} characters"
            ));
        }
        match &rule.fault {
            Fault::Delay { ms } if *ms > MAX_DELAY_MS => {
                return Err(format!(
                    "rules[{i}].fault.ms: a delay of {ms} ms is over the limit of {MAX_DELAY_MS} ms"
                ))
            }
            Fault::HttpStatus { status } | Fault::ApplyThenHttpStatus { status }
                if !(100..=599).contains(status) =>
            {
                return Err(format!(
                    "rules[{i}].fault.status: {status} is not an HTTP status (100 to 599)"
                ))
            }
            Fault::Errcode { errmsg, .. } if errmsg.chars().count() > MAX_FAULT_TEXT => {
                return Err(format!(
                    "rules[{i}].fault.errmsg: longer than {MAX_FAULT_TEXT} characters"
                ))
            }
            _ => {}
        }
    }
    if faults.bad_base64_orders.len() > MAX_BAD_BASE64_ORDERS {
        return Err(format!(
            "bad_base64_orders: more than {MAX_BAD_BASE64_ORDERS} orders"
        ));
    }
    Ok(())
}

/// The warning for a sandbox reachable from other machines: its fault endpoint has no
/// authentication, so anyone on the network can make it misbehave (or read its sample data).
pub fn exposure_warning(addr: SocketAddr) -> Option<String> {
    if addr.ip().is_loopback() {
        return None;
    }
    Some(format!(
        "WARNING: the sandbox listens on {addr}, which other machines can reach. Its control endpoints (/sandbox/faults, /sandbox/events, /sandbox/token-service) have no authentication: anyone on the network can inject faults or get access tokens. Use --addr 127.0.0.1:PORT unless you mean to share it on a trusted network"
    ))
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::sandbox::FaultRule;

    #[test]
    fn command_line_numbers_are_bounded_with_a_reason() {
        assert_eq!(parse_orders("300"), Ok(300));
        assert_eq!(parse_orders("0"), Ok(0));
        assert!(parse_orders("18446744073709551615")
            .unwrap_err()
            .contains("at most 100000"));
        assert!(parse_orders("100000000").is_err());
        assert!(parse_orders("18446744073709551616")
            .unwrap_err()
            .contains("not a whole number"));
        assert!(parse_orders("-1").is_err());
        assert_eq!(parse_latency_ms("60000"), Ok(60_000));
        assert!(parse_latency_ms("18446744073709551615")
            .unwrap_err()
            .contains("60000 ms"));
    }

    #[test]
    fn faults_over_a_limit_name_the_field() {
        assert_eq!(validate_faults(&Faults::default()), Ok(()));
        let too_slow = Faults {
            latency_ms: u64::MAX,
            ..Faults::default()
        };
        assert!(validate_faults(&too_slow)
            .unwrap_err()
            .starts_with("latency_ms:"));
        let long_delay = Faults::one("x", Fault::Delay { ms: u64::MAX }, 1);
        assert!(validate_faults(&long_delay)
            .unwrap_err()
            .starts_with("rules[0].fault.ms"));
        let bad_status = Faults::one("x", Fault::HttpStatus { status: 1000 }, 1);
        assert!(validate_faults(&bad_status)
            .unwrap_err()
            .contains("not an HTTP status"));
        let many = Faults {
            rules: vec![FaultRule::new("x", Fault::MalformedJson, 1); MAX_FAULT_RULES + 1],
            ..Faults::default()
        };
        assert!(validate_faults(&many).unwrap_err().starts_with("rules:"));
    }

    #[test]
    fn only_a_non_loopback_address_warns() {
        assert_eq!(exposure_warning(([127, 0, 0, 1], 8765).into()), None);
        assert_eq!(exposure_warning("[::1]:8765".parse().unwrap()), None);
        let w = exposure_warning(([0, 0, 0, 0], 8765).into()).unwrap();
        assert!(
            w.contains("0.0.0.0:8765") && w.contains("/sandbox/faults"),
            "{w}"
        );
        assert!(exposure_warning(([192, 168, 1, 5], 1).into()).is_some());
    }
}
