//! The embedded preview as the window uses it (issue 12, the window's memory): the WebKit
//! helper (`waybill-desk-webkit preview-window --stdin --embed-in XID`) draws the locked-down
//! label view inside ANOTHER process's X11 window, driven by bounds / visible / show commands,
//! answers `loaded`, says so when a label's scripts never yield, and ends with its input.
//! Run under scripts/test-env/with-services.sh (Xvfb).

#![allow(clippy::unwrap_used)] // test helpers may panic: a panic is a failed test

mod common;
mod print_support;
mod xvfb_support;

use std::io::{BufRead, BufReader};
use std::path::Path;
use std::sync::mpsc;
use std::time::{Duration, Instant};

use print_support as ps;
use waybill_desk::print::preview_window::{PreviewCommand, PreviewEvent, PreviewWindowProcess};
use waybill_desk::print::LabelSize;
use waybill_desk::wechat::PrintType;

/// A process's event lines, on a channel.
fn events(process: &mut PreviewWindowProcess) -> mpsc::Receiver<PreviewEvent> {
    let out = process.take_events().unwrap();
    let (tx, rx) = mpsc::channel();
    std::thread::spawn(move || {
        for line in BufReader::new(out).lines() {
            let Ok(line) = line else { break };
            let _ = tx.send(serde_json::from_str::<PreviewEvent>(&line).unwrap());
        }
    });
    rx
}

/// Bounding box (x, y, w, h) of the preview's grey desk in a screenshot.
fn desk(png: &Path) -> Option<(u32, u32, u32, u32)> {
    let img = image::open(png).unwrap().to_rgb8();
    let (mut x0, mut y0, mut x1, mut y1) = (u32::MAX, u32::MAX, 0, 0);
    for (x, y, p) in img.enumerate_pixels() {
        if p.0 == [138, 143, 152] {
            (x0, y0, x1, y1) = (x0.min(x), y0.min(y), x1.max(x), y1.max(y));
        }
    }
    (x0 <= x1).then(|| (x0, y0, x1 - x0 + 1, y1 - y0 + 1))
}

#[tokio::test]
async fn the_helper_draws_the_preview_inside_another_processs_window() {
    if !ps::display() {
        return;
    }
    let _display = xvfb_support::lock_display();
    let (_sb, labels) = ps::sandbox_labels(2, PrintType::OnePart).await;
    let (first, second) = (labels[0].html.clone(), labels[1].html.clone());
    let shots = ps::artifacts_dir();

    tokio::task::spawn_blocking(move || {
        // The host: a window of another process (the helper's own preview window, showing
        // nothing: a blank white page), as the eframe window is to the helper.
        let mut host = PreviewWindowProcess::spawn(ps::helper()).unwrap();
        let host_events = events(&mut host);
        let xid = match host_events.recv_timeout(Duration::from_secs(30)).unwrap() {
            PreviewEvent::Ready { x11_window } => x11_window.expect("an X11 window id"),
            other => panic!("{other:?}"),
        };
        std::thread::sleep(Duration::from_millis(500));
        let blank = shots.join("embedded-host-blank.png");
        ps::screenshot_window(xid, &blank);
        assert_eq!(desk(&blank), None, "the host shows no preview yet");

        let mut embedded = PreviewWindowProcess::spawn_with(ps::helper(), Some(xid)).unwrap();
        let rx = events(&mut embedded);
        let next = |timeout: u64| rx.recv_timeout(Duration::from_secs(timeout));
        assert_eq!(next(30).unwrap(), PreviewEvent::Ready { x11_window: None });
        // As the window sends them: where, what, then shown.
        let bounds = |x: i32| PreviewCommand::Bounds {
            x,
            y: 10,
            width: 300,
            height: 560,
        };
        embedded.send(&bounds(20)).unwrap();
        embedded.show(&first, LabelSize::ONE_PART).unwrap();
        embedded
            .send(&PreviewCommand::Visible { visible: true })
            .unwrap();
        assert_eq!(next(30).unwrap(), PreviewEvent::Loaded);
        let shot = shots.join("embedded-preview.png");
        let inside = |x: u32| {
            move |png: &Path| {
                desk(png).is_some_and(|(dx, dy, w, h)| {
                    dx == x && dy == 10 && (290..=300).contains(&w) && (550..=560).contains(&h)
                })
            }
        };
        assert!(
            ps::screenshot_until(xid, &shot, inside(20)),
            "the preview is not at (20, 10) 300x560 in the host: {:?}; see {}",
            desk(&shot),
            shot.display()
        );
        let (_, edges) = ps::ink(&shot, 20, 40, 300, 500);
        assert!(edges >= 40, "no barcode in the embedded preview");

        // Moved: it follows; the next label replaces the first.
        embedded.send(&bounds(100)).unwrap();
        embedded.show(&second, LabelSize::ONE_PART).unwrap();
        assert_eq!(next(30).unwrap(), PreviewEvent::Loaded);
        let moved = shots.join("embedded-preview-moved.png");
        assert!(
            ps::screenshot_until(xid, &moved, inside(100)),
            "the preview did not move: {:?}",
            desk(&moved)
        );

        // Hidden: nothing of it left in the host.
        embedded
            .send(&PreviewCommand::Visible { visible: false })
            .unwrap();
        let hidden = shots.join("embedded-preview-hidden.png");
        assert!(
            ps::screenshot_until(xid, &hidden, |png| desk(png).is_none()),
            "the preview did not hide"
        );

        // A label whose scripts never yield: the helper's watchdog ends its page and says so.
        embedded
            .send(&PreviewCommand::Visible { visible: true })
            .unwrap();
        embedded
            .show(
                "<html><body>x<script>for(;;){}</script></body></html>",
                LabelSize::ONE_PART,
            )
            .unwrap();
        let deadline = Instant::now() + Duration::from_secs(40);
        loop {
            match next(40) {
                Ok(PreviewEvent::Error { message }) => {
                    assert!(message.contains("scripts"), "{message}");
                    break;
                }
                Ok(_) => {}
                Err(e) => panic!("no hang reported: {e}"),
            }
            assert!(Instant::now() < deadline, "no hang reported");
        }
        // And it still shows the next label.
        embedded.show(&first, LabelSize::ONE_PART).unwrap();
        assert_eq!(next(30).unwrap(), PreviewEvent::Loaded);

        // Closed (as when the window drops it): the helper and its WebKit processes end.
        let pid = embedded.pid();
        let tree = waybill_desk::print::process::descendants(pid);
        assert!(!tree.is_empty(), "the helper runs WebKit's processes");
        embedded.close();
        std::thread::sleep(Duration::from_millis(500));
        for p in std::iter::once(pid).chain(tree) {
            assert!(
                !waybill_desk::print::process::running(p),
                "process {p} of the helper is still running"
            );
        }
        drop(host);
    })
    .await
    .unwrap();
}
