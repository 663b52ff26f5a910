//! The real window on a shared PostgreSQL journal that goes away, at a scanner's pace (xdotool
//! under Xvfb): the journal's connections run through a TCP proxy this test cuts and restores,
//! as a pulled network cable would. While it is cut, scans a second apart are refused at once
//! (nothing printed, no waybill made at WeChat); when it is back, the next scan prints.
//! Run under scripts/test-env/with-services.sh (Xvfb, CUPS with a cups-pdf queue, PostgreSQL).

#![allow(clippy::unwrap_used)] // test helpers may panic: a panic is a failed test

mod common;
mod pg_support;
mod print_support;
mod xvfb_support;

use std::net::SocketAddr;
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, Mutex};
use std::time::Duration;

use waybill_desk::sandbox::{DEMO_APPID, DEMO_SECRET};
use xvfb_support::{key, open_window, scan, screenshot, wait_for_log};

/// A TCP proxy to the database server that can be cut (every connection closed, new ones
/// closed as they come) and restored.
struct Proxy {
    addr: SocketAddr,
    cut: Arc<AtomicBool>,
    links: Arc<Mutex<Vec<tokio::task::AbortHandle>>>,
}

impl Proxy {
    async fn start(upstream: SocketAddr) -> Proxy {
        let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
        let addr = listener.local_addr().unwrap();
        let cut = Arc::new(AtomicBool::new(false));
        let links: Arc<Mutex<Vec<tokio::task::AbortHandle>>> = Arc::default();
        let (cut2, links2) = (cut.clone(), links.clone());
        tokio::spawn(async move {
            while let Ok((mut inbound, _)) = listener.accept().await {
                if cut2.load(Ordering::SeqCst) {
                    continue; // dropped: closed at once
                }
                let link = tokio::spawn(async move {
                    if let Ok(mut outbound) = tokio::net::TcpStream::connect(upstream).await {
                        let _ = tokio::io::copy_bidirectional(&mut inbound, &mut outbound).await;
                    }
                });
                links2.lock().unwrap().push(link.abort_handle());
            }
        });
        Proxy { addr, cut, links }
    }

    fn cut(&self) {
        self.cut.store(true, Ordering::SeqCst);
        for link in self.links.lock().unwrap().drain(..) {
            link.abort();
        }
    }

    fn restore(&self) {
        self.cut.store(false, Ordering::SeqCst);
    }
}

#[test]
fn scans_while_the_shared_journal_is_away_are_refused_and_work_resumes_when_it_is_back() {
    let Some(cups) = print_support::cups() else {
        return;
    };
    let Some(server) = pg_support::pg_server() else {
        return;
    };
    // The cups-pdf directory is shared with the other print tests (same lock file).
    let _cups = std::fs::File::create(cups.pdf_dir.with_extension("lock")).unwrap();
    _cups.lock().unwrap();
    let runtime = tokio::runtime::Runtime::new().unwrap();
    let sandbox = runtime.block_on(common::sandbox(60));
    let database = runtime.block_on(pg_support::pg_database(&server, "xvfb_journal"));
    let url = url::Url::parse(&database).unwrap();
    let upstream: SocketAddr = format!("{}:{}", url.host_str().unwrap(), url.port().unwrap())
        .parse()
        .unwrap();
    let proxy = runtime.block_on(Proxy::start(upstream));
    let mut through_proxy = url.clone();
    through_proxy.set_port(Some(proxy.addr.port())).unwrap();

    // Three clean orders that take a courier.
    let ids = runtime.block_on(common::courier_orders(
        &common::client(&sandbox),
        &sandbox,
        3,
    ));

    let data = tempfile::tempdir().unwrap();
    xvfb_support::write_settings(data.path(), &cups.printer, "en", "xvfb-shared");
    let shots = print_support::artifacts_dir();
    let window = open_window(
        print_support::exe(),
        &[
            "--api-base",
            sandbox.url().as_str(),
            "--appid",
            DEMO_APPID,
            "--journal",
            through_proxy.as_str(),
        ],
        &[
            ("WAYBILL_DESK_APPSECRET", DEMO_SECRET),
            // The activity lines (what the packer sees in the log panel) go to stderr too.
            ("WAYBILL_DESK_LOG", "info,activity=debug"),
        ],
        data.path(),
        (1440, 900),
    );
    // The first refresh lists the orders.
    std::thread::sleep(Duration::from_secs(4));
    key(&window, "F2");
    std::thread::sleep(Duration::from_millis(800));

    // On the shared journal, a scan prints.
    let before = print_support::pdfs_in(&cups.pdf_dir);
    scan(&window, &ids[0].to_string());
    let first = print_support::wait_for_new_pdfs(&cups.pdf_dir, &before, 1);
    assert_eq!(first.len(), 1);

    // The cable is pulled: the window says so.
    proxy.cut();
    wait_for_log(
        data.path(),
        "The shared journal is unreachable:",
        1,
        Duration::from_secs(20),
    );
    std::thread::sleep(Duration::from_millis(500));
    screenshot(&shots, "xvfb-journal-away.png");

    // Two scans a second apart, as a packer goes on: each refused at once.
    let before = print_support::pdfs_in(&cups.pdf_dir);
    for id in &ids[1..] {
        scan(&window, &id.to_string());
        std::thread::sleep(Duration::from_secs(1));
    }
    wait_for_log(
        data.path(),
        "this scan was not handled",
        2,
        Duration::from_secs(10),
    );
    screenshot(&shots, "xvfb-journal-away-scans-refused.png");
    // Nothing printed meanwhile, and no waybill asked of WeChat for them.
    std::thread::sleep(Duration::from_secs(3));
    assert_eq!(
        print_support::pdfs_in(&cups.pdf_dir).len(),
        before.len(),
        "nothing is printed while the journal is away"
    );
    let stats = sandbox.stats();
    for id in &ids[1..] {
        assert_eq!(
            stats.add_calls.get(&id.to_string()),
            None,
            "no order/add for {id} while the journal is away"
        );
    }

    // Back: the window catches up, says so, and the next scan prints.
    proxy.restore();
    wait_for_log(
        data.path(),
        "The shared journal is back",
        1,
        Duration::from_secs(60),
    );
    std::thread::sleep(Duration::from_millis(500));
    let before = print_support::pdfs_in(&cups.pdf_dir);
    scan(&window, &ids[1].to_string());
    let again = print_support::wait_for_new_pdfs(&cups.pdf_dir, &before, 1);
    assert_eq!(again.len(), 1);
    let stats = sandbox.stats();
    assert_eq!(stats.add_calls.get(&ids[1].to_string()), Some(&1));
    assert_eq!(stats.add_calls.get(&ids[2].to_string()), None);
    screenshot(&shots, "xvfb-journal-back.png");
    drop(window);
}
