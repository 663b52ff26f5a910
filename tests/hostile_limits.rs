//! The sandbox as its own process, attacked through its command line, its fault endpoint and
//! its sockets: every input is bounded (a clear refusal, never a panic or an allocation abort),
//! slow and idle connections are cut, and an address other machines can reach is warned about.

#![allow(clippy::unwrap_used)] // test helpers may panic: a panic is a failed test

use std::io::{BufRead, BufReader, Read, Write};
use std::net::{SocketAddr, TcpStream};
use std::process::{Child, Command, Output, Stdio};
use std::time::{Duration, Instant};

use waybill_desk::sandbox::limits::{
    BODY_READ_TIMEOUT, HEADER_READ_TIMEOUT, MAX_CONTROL_BODY_BYTES, MAX_ORDERS,
};
use waybill_desk::sandbox::{Sandbox, SandboxConfig};

const BIN: &str = env!("CARGO_BIN_EXE_waybill-desk");

/// A `waybill-desk sandbox` process, killed (by its own pid) when the test ends.
struct SandboxProcess {
    child: Child,
    addr: SocketAddr,
    stderr: std::process::ChildStderr,
    // Kept open: the sandbox prints more lines after its URL, and a closed pipe would stop it.
    _stdout: BufReader<std::process::ChildStdout>,
}

impl SandboxProcess {
    fn start(extra: &[&str]) -> SandboxProcess {
        let mut child = Command::new(BIN)
            .args(["sandbox", "--orders", "20"])
            .args(extra)
            .stdout(Stdio::piped())
            .stderr(Stdio::piped())
            .spawn()
            .unwrap();
        let mut first = String::new();
        let mut stdout = BufReader::new(child.stdout.take().unwrap());
        stdout.read_line(&mut first).unwrap();
        let url = url::Url::parse(first.trim()).expect("the sandbox prints its URL first");
        let addr = SocketAddr::new(
            url.host_str().unwrap().parse().unwrap(),
            url.port().unwrap(),
        );
        let stderr = child.stderr.take().unwrap();
        SandboxProcess {
            child,
            addr,
            stderr,
            _stdout: stdout,
        }
    }

    /// Where a client on this machine reaches it (0.0.0.0 is reached through loopback).
    fn local(&self) -> SocketAddr {
        if self.addr.ip().is_unspecified() {
            SocketAddr::from(([127, 0, 0, 1], self.addr.port()))
        } else {
            self.addr
        }
    }

    /// Stops it and returns what it wrote on stderr.
    fn stop(mut self) -> String {
        let _ = self.child.kill();
        let _ = self.child.wait();
        let mut text = String::new();
        let _ = self.stderr.read_to_string(&mut text);
        text
    }
}

impl Drop for SandboxProcess {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

fn sandbox_args(args: &[&str]) -> Output {
    Command::new(BIN)
        .arg("sandbox")
        .args(args)
        .env("WAYBILL_DESK_LOG", "warn")
        .output()
        .unwrap()
}

/// One HTTP/1.1 request on a fresh connection; returns the status and the body.
fn http(addr: SocketAddr, method: &str, path: &str, body: &[u8]) -> (u16, String) {
    let mut s = TcpStream::connect(addr).unwrap();
    s.set_read_timeout(Some(Duration::from_secs(20))).unwrap();
    write!(
        s,
        "{method} {path} HTTP/1.1\r\nHost: sandbox\r\nContent-Type: application/json\r\nContent-Length: {}\r\nConnection: close\r\n\r\n",
        body.len()
    )
    .unwrap();
    // A refused body may be answered before it is all sent; the answer still counts.
    let _ = s.write_all(body);
    let mut answer = Vec::new();
    let _ = s.read_to_end(&mut answer);
    let text = String::from_utf8_lossy(&answer).into_owned();
    let status = text
        .split_whitespace()
        .nth(1)
        .and_then(|c| c.parse().ok())
        .unwrap_or_else(|| panic!("no HTTP answer: {text:?}"));
    let body = text
        .split("\r\n\r\n")
        .nth(1)
        .unwrap_or_default()
        .to_string();
    (status, body)
}

fn assert_no_panic(text: &str) {
    assert!(
        !text.contains("panicked") && !text.contains("memory allocation"),
        "{text}"
    );
}

#[test]
fn out_of_range_numbers_on_the_command_line_are_refused_with_the_range() {
    for (args, needle) in [
        (
            ["--orders", "18446744073709551615"],
            format!("at most {MAX_ORDERS}"),
        ),
        (["--orders", "100000000"], format!("at most {MAX_ORDERS}")),
        (["--orders", "many"], "not a whole number".to_string()),
        (
            ["--latency-ms", "18446744073709551615"],
            "limit of 60000 ms".to_string(),
        ),
        (
            ["--latency-ms", "99999999999999999999999"],
            "not a whole number".to_string(),
        ),
    ] {
        let started = Instant::now();
        let out = sandbox_args(&args);
        let stderr = String::from_utf8_lossy(&out.stderr);
        assert_eq!(out.status.code(), Some(2), "{args:?}: {stderr}");
        assert!(stderr.contains(&needle), "{args:?}: {stderr}");
        assert!(stderr.contains(args[0]), "names the flag: {stderr}");
        assert_no_panic(&stderr);
        assert!(
            started.elapsed() < Duration::from_secs(5),
            "refused before generating anything"
        );
    }
}

#[tokio::test]
async fn the_library_refuses_a_configuration_out_of_bounds() {
    for config in [
        SandboxConfig {
            orders: usize::MAX,
            ..SandboxConfig::default()
        },
        SandboxConfig {
            latency_ms: u64::MAX,
            ..SandboxConfig::default()
        },
    ] {
        let err = Sandbox::start(([127, 0, 0, 1], 0).into(), config)
            .await
            .err()
            .expect("refused");
        assert_eq!(err.kind(), std::io::ErrorKind::InvalidInput, "{err}");
    }
}

#[test]
fn the_fault_endpoint_validates_its_json_and_its_size() {
    let sb = SandboxProcess::start(&["--addr", "127.0.0.1:0"]);
    let addr = sb.local();

    let (status, body) = http(
        addr,
        "POST",
        "/sandbox/faults",
        br#"{"latency_ms": 18446744073709551615}"#,
    );
    assert_eq!(status, 400, "{body}");
    assert!(
        body.contains("latency_ms") && body.contains("60000 ms"),
        "{body}"
    );
    assert!(body.contains("not changed"), "{body}");

    let (status, body) = http(
        addr,
        "POST",
        "/sandbox/faults",
        br#"{"rules": [{"path_contains": "order", "fault": {"kind": "delay", "ms": 18446744073709551615}, "times": 1}]}"#,
    );
    assert_eq!(status, 400, "{body}");
    assert!(body.contains("rules[0].fault.ms"), "{body}");

    let (status, body) = http(
        addr,
        "POST",
        "/sandbox/faults",
        br#"{"rules": [{"path_contains": "x", "fault": {"kind": "http_status", "status": 9999}, "times": 1}]}"#,
    );
    assert_eq!(status, 400, "{body}");
    assert!(body.contains("not an HTTP status"), "{body}");

    // Beyond u64: serde's own error, still a 400 with a body that says where.
    let (status, body) = http(
        addr,
        "POST",
        "/sandbox/faults",
        br#"{"latency_ms": 99999999999999999999999}"#,
    );
    assert_eq!(status, 400, "{body}");
    assert!(body.contains("faults JSON"), "{body}");

    // A body over the control limit is refused by its announced length, before it is sent.
    let mut s = TcpStream::connect(addr).unwrap();
    s.set_read_timeout(Some(Duration::from_secs(20))).unwrap();
    write!(
        s,
        "POST /sandbox/faults HTTP/1.1\r\nHost: sandbox\r\nContent-Length: {}\r\n\r\n",
        MAX_CONTROL_BODY_BYTES + 1
    )
    .unwrap();
    let mut answer = [0u8; 512];
    let n = s.read(&mut answer).unwrap();
    let text = String::from_utf8_lossy(&answer[..n]);
    assert!(text.starts_with("HTTP/1.1 413"), "{text}");
    assert!(text.contains("limited to 65536 bytes"), "{text}");

    // Nothing of it took effect; a valid set still works.
    let (status, body) = http(addr, "GET", "/sandbox/faults", b"");
    assert_eq!(status, 200);
    let faults: serde_json::Value = serde_json::from_str(&body).unwrap();
    assert_eq!(faults["latency_ms"], 0, "{body}");
    assert_eq!(faults["rules"], serde_json::json!([]), "{body}");
    let (status, _) = http(addr, "POST", "/sandbox/faults", br#"{"latency_ms": 5}"#);
    assert_eq!(status, 204);
    let stderr = sb.stop();
    assert_no_panic(&stderr);
}

/// Sends `bytes` one per second until the server hangs up; returns when it did and how many
/// bytes got through.
fn drip(addr: SocketAddr, bytes: &[u8]) -> (Duration, usize) {
    let mut s = TcpStream::connect(addr).unwrap();
    s.set_read_timeout(Some(Duration::from_millis(1000)))
        .unwrap();
    let started = Instant::now();
    for (sent, b) in bytes.iter().enumerate() {
        if s.write_all(std::slice::from_ref(b)).is_err() {
            return (started.elapsed(), sent);
        }
        // Waits a second for the server to say something (a hang-up or an answer).
        let mut buf = [0u8; 1024];
        match s.read(&mut buf) {
            Ok(0) => return (started.elapsed(), sent + 1),
            Ok(_) => return (started.elapsed(), sent + 1),
            Err(e)
                if matches!(
                    e.kind(),
                    std::io::ErrorKind::WouldBlock | std::io::ErrorKind::TimedOut
                ) => {}
            Err(_) => return (started.elapsed(), sent + 1),
        }
    }
    panic!("the server took all {} bytes at one a second", bytes.len());
}

#[test]
fn a_slowloris_client_is_cut_off_and_others_are_still_served() {
    let sb = SandboxProcess::start(&["--addr", "127.0.0.1:0"]);
    let addr = sb.local();
    // A header that would take a minute at one byte a second.
    let header = format!(
        "GET /sandbox/stats HTTP/1.1\r\nHost: sandbox\r\nX-Slow: {}\r\n\r\n",
        "a".repeat(40)
    );
    let slow = std::thread::spawn(move || drip(addr, header.as_bytes()));
    // Meanwhile the sandbox answers others.
    std::thread::sleep(Duration::from_secs(2));
    let (status, _) = http(addr, "GET", "/sandbox/stats", b"");
    assert_eq!(status, 200);
    let (elapsed, sent) = slow.join().unwrap();
    assert!(
        elapsed >= HEADER_READ_TIMEOUT - Duration::from_secs(1)
            && elapsed <= HEADER_READ_TIMEOUT + Duration::from_secs(4),
        "cut after {elapsed:?} ({sent} bytes sent)"
    );
    assert_no_panic(&sb.stop());
}

#[test]
fn an_idle_connection_is_closed() {
    let sb = SandboxProcess::start(&["--addr", "127.0.0.1:0"]);
    let mut s = TcpStream::connect(sb.local()).unwrap();
    s.set_read_timeout(Some(HEADER_READ_TIMEOUT * 3)).unwrap();
    let started = Instant::now();
    let mut buf = [0u8; 16];
    let n = s.read(&mut buf).unwrap_or(0);
    assert_eq!(n, 0, "closed without an answer");
    let elapsed = started.elapsed();
    assert!(
        elapsed >= HEADER_READ_TIMEOUT - Duration::from_secs(1)
            && elapsed <= HEADER_READ_TIMEOUT + Duration::from_secs(4),
        "closed after {elapsed:?}"
    );
}

#[test]
fn a_body_that_trickles_in_gets_408() {
    let sb = SandboxProcess::start(&["--addr", "127.0.0.1:0"]);
    let mut s = TcpStream::connect(sb.local()).unwrap();
    write!(
        s,
        "POST /sandbox/faults HTTP/1.1\r\nHost: sandbox\r\nContent-Type: application/json\r\nContent-Length: 100\r\n\r\n{{"
    )
    .unwrap();
    s.set_read_timeout(Some(Duration::from_millis(1000)))
        .unwrap();
    let started = Instant::now();
    let mut answer = Vec::new();
    loop {
        let _ = s.write_all(b" ");
        let mut buf = [0u8; 4096];
        match s.read(&mut buf) {
            Ok(0) => break,
            Ok(n) => answer.extend_from_slice(&buf[..n]),
            Err(e)
                if matches!(
                    e.kind(),
                    std::io::ErrorKind::WouldBlock | std::io::ErrorKind::TimedOut
                ) =>
            {
                if !answer.is_empty() {
                    break;
                }
            }
            Err(_) => break,
        }
        assert!(
            started.elapsed() < BODY_READ_TIMEOUT + Duration::from_secs(10),
            "never cut off"
        );
    }
    let text = String::from_utf8_lossy(&answer);
    assert!(text.starts_with("HTTP/1.1 408"), "{text}");
    assert!(text.contains("did not arrive within"), "{text}");
    let elapsed = started.elapsed();
    assert!(
        elapsed >= BODY_READ_TIMEOUT - Duration::from_secs(1)
            && elapsed <= BODY_READ_TIMEOUT + Duration::from_secs(4),
        "{elapsed:?}"
    );
}

#[test]
fn a_non_loopback_address_is_warned_about_on_stderr_and_in_the_log() {
    let exposed = SandboxProcess::start(&["--addr", "0.0.0.0:0"]);
    // It still works (the warning is not a refusal).
    let (status, _) = http(exposed.local(), "GET", "/sandbox/stats", b"");
    assert_eq!(status, 200);
    let stderr = exposed.stop();
    assert!(
        stderr.contains("WARNING: the sandbox listens on 0.0.0.0:"),
        "{stderr}"
    );
    assert!(
        stderr.contains("/sandbox/faults") && stderr.contains("no authentication"),
        "{stderr}"
    );
    assert!(
        stderr.contains("WARN") && stderr.contains("reachable from other machines"),
        "the log has it too: {stderr}"
    );

    let local = SandboxProcess::start(&["--addr", "127.0.0.1:0"]);
    let (status, _) = http(local.local(), "GET", "/sandbox/stats", b"");
    assert_eq!(status, 200);
    let stderr = local.stop();
    assert!(!stderr.contains("WARN"), "{stderr}");
}

#[test]
fn a_client_that_stops_reading_its_answers_is_cut_off() {
    use waybill_desk::sandbox::limits::WRITE_STALL_TIMEOUT;
    let sb = SandboxProcess::start(&["--addr", "127.0.0.1:0"]);
    let mut s = TcpStream::connect(sb.local()).unwrap();
    // Without the cut this test would hang here; a minute of blocked writing is a failure.
    s.set_write_timeout(Some(WRITE_STALL_TIMEOUT * 3)).unwrap();
    let request = b"GET /sandbox/stats HTTP/1.1\r\nHost: sandbox\r\n\r\n".repeat(256);
    let started = Instant::now();
    let mut sent = 0usize;
    // Pipelined requests, never reading an answer: the answers fill both socket buffers, the
    // sandbox's writes stop making progress, and it must hang up.
    let err = loop {
        match s.write_all(&request) {
            Ok(()) => sent += 256,
            Err(e) => break e,
        }
        assert!(
            started.elapsed() < WRITE_STALL_TIMEOUT * 3,
            "still accepting after {sent} requests"
        );
    };
    let elapsed = started.elapsed();
    assert!(
        matches!(
            err.kind(),
            std::io::ErrorKind::ConnectionReset | std::io::ErrorKind::BrokenPipe
        ),
        "cut off, not timed out: {err:?} after {elapsed:?} and {sent} requests"
    );
    assert!(
        elapsed >= WRITE_STALL_TIMEOUT - Duration::from_secs(1)
            && elapsed <= WRITE_STALL_TIMEOUT + Duration::from_secs(10),
        "{elapsed:?}"
    );
    // Others are still served.
    let (status, _) = http(sb.local(), "GET", "/sandbox/stats", b"");
    assert_eq!(status, 200);
    assert_no_panic(&sb.stop());
}
