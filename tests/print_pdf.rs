//! Printing labels to PDF files through the real print worker (WebKitGTK under Xvfb): the size
//! is exactly the label's, the text survives, and the page really shows the label.

#![allow(clippy::unwrap_used)] // a panic is a failed test

mod common;
mod print_support;

use print_support as ps;
use waybill_desk::print::{
    print_batch, CancelToken, JobOutcome, LabelSize, PrintJob, PrintOptions, PrintTarget,
};
use waybill_desk::wechat::{Lang, PrintType};

fn job(
    label: &waybill_desk::wechat::logistics::Label,
    size: LabelSize,
    path: &std::path::Path,
) -> PrintJob {
    PrintJob {
        label_id: label.order_id.clone(),
        html: label.html.clone(),
        size,
        target: PrintTarget::PdfFile(path.to_path_buf()),
        copies: 1,
    }
}

#[tokio::test]
async fn pdf_export_is_exactly_the_label_size_and_keeps_the_text() {
    if !ps::display() {
        return;
    }
    let (_sb, two) = ps::sandbox_labels(2, PrintType::TwoPart).await;
    let (_sb1, one) = ps::sandbox_labels(1, PrintType::OnePart).await;
    let dir = tempfile::tempdir().unwrap();
    let custom = LabelSize::mm(62.0, 110.0);
    let jobs = vec![
        job(&two[0], LabelSize::TWO_PART, &dir.path().join("two.pdf")),
        job(&one[0], LabelSize::ONE_PART, &dir.path().join("one.pdf")),
        job(
            &two[1],
            LabelSize::L100X150,
            &dir.path().join("two-on-150.pdf"),
        ),
        job(&one[0], custom, &dir.path().join("custom.pdf")),
        job(
            &one[0],
            LabelSize::L100X150,
            &dir.path().join("one-on-150.pdf"),
        ),
    ];
    let results = print_batch(
        jobs,
        &PrintOptions::new(ps::worker()),
        |_| {},
        &CancelToken::new(),
    )
    .await;
    for r in &results {
        assert_eq!(r.outcome, JobOutcome::Printed, "{r:?}");
    }

    let expect = [
        ("two.pdf", (283, 510), &two[0]),
        ("one.pdf", (215, 369), &one[0]),
        ("two-on-150.pdf", (283, 425), &two[1]),
        ("custom.pdf", (176, 312), &one[0]),
        ("one-on-150.pdf", (283, 425), &one[0]),
    ];
    for (name, size, label) in expect {
        let path = dir.path().join(name);
        let info = ps::pdfinfo(&path);
        assert_eq!(info.rounded(), size, "{name}: {info:?}");
        assert_eq!(info.pages, 1, "{name}: one label is one page");
        let text = ps::pdftotext(&path);
        assert!(
            text.contains(&label.waybill_id.to_string()),
            "{name}: waybill id {} not in the PDF text:\n{text}",
            label.waybill_id
        );
        // The page is really the label: ink, and a barcode row with many bar edges.
        let png = ps::pdf_to_png(&path, 200);
        let (w, h) = image::image_dimensions(&png).unwrap();
        let (dark, edges) = ps::ink(&png, 0, 0, w, h);
        assert!(
            (0.015..0.6).contains(&dark),
            "{name}: {:.1}% dark",
            dark * 100.0
        );
        assert!(edges >= 40, "{name}: best row has only {edges} edges");
        std::fs::copy(&png, ps::artifacts_dir().join(format!("pdf-{name}.png"))).unwrap();
    }
    // 1:1 where the label fits: the one-part label (76 mm wide, its frame 73 mm inside 1.5 mm
    // of padding) on 100 mm paper keeps its size and is centred, not scaled to the paper.
    let png = ps::pdf_to_png(&dir.path().join("one-on-150.pdf"), 200);
    let (left, right) = ps::ink_columns(&png);
    let width_mm = f64::from(right - left + 1) * 25.4 / 200.0;
    assert!(
        (72.0..74.0).contains(&width_mm),
        "one-part frame is {width_mm:.1} mm wide"
    );
    let margin_mm = |px: u32| f64::from(px) * 25.4 / 200.0;
    let (w, _) = image::image_dimensions(&png).unwrap();
    let (l_mm, r_mm) = (margin_mm(left), margin_mm(w - 1 - right));
    assert!(
        (l_mm - r_mm).abs() < 2.0,
        "centred: {l_mm:.1} mm left, {r_mm:.1} mm right"
    );

    // The two-part label squeezed onto 100x150 paper is scaled down, not cut: the receiver's
    // stub at the bottom of the label is still there.
    let squeezed = ps::pdftotext(&dir.path().join("two-on-150.pdf"));
    assert!(
        squeezed.contains("收件联") && squeezed.matches(two[1].order_id.as_str()).count() >= 2,
        "both parts of the two-part label survive on 100x150:\n{squeezed}"
    );
}

#[tokio::test]
async fn a_label_far_larger_than_the_paper_is_refused_not_cut() {
    if !ps::display() {
        return;
    }
    let (_sb, two) = ps::sandbox_labels(1, PrintType::TwoPart).await;
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("tiny.pdf");
    let results = print_batch(
        vec![job(&two[0], LabelSize::mm(50.0, 80.0), &path)],
        &PrintOptions::new(ps::worker()),
        |_| {},
        &CancelToken::new(),
    )
    .await;
    match &results[0].outcome {
        JobOutcome::Failed { error } => {
            assert_eq!(error.code(), "label_too_large", "{error}");
            assert!(
                error.to_string().contains("does not fit on 50x80mm"),
                "{error}"
            );
            // A real label on paper of the wrong size: the advice is the size, not the label.
            let en = error.explain(Lang::En);
            assert!(en.contains("label size") && !en.contains("courier"), "{en}");
        }
        other => panic!("{other:?}"),
    }
    assert!(!path.exists());
}

#[tokio::test]
async fn a_label_ten_thousand_pages_long_is_refused_as_not_a_label() {
    if !ps::display() {
        return;
    }
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("endless.pdf");
    let endless = PrintJob {
        label_id: "endless".into(),
        html:
            "<body style=\"margin:0\"><div style=\"width:100mm;height:1800000mm\">SF</div></body>"
                .into(),
        size: LabelSize::TWO_PART,
        target: PrintTarget::PdfFile(path.clone()),
        copies: 1,
    };
    let results = print_batch(
        vec![endless],
        &PrintOptions::new(ps::worker()),
        |_| {},
        &CancelToken::new(),
    )
    .await;
    let JobOutcome::Failed { error } = &results[0].outcome else {
        panic!("{results:?}");
    };
    assert_eq!(error.code(), "label_too_large", "{error}");
    let en = error.explain(Lang::En);
    assert!(
        en.contains("not a real label") && en.contains("fetch the label again"),
        "{en}"
    );
    assert!(!en.contains("Print the label again"), "{en}");
    let zh = error.explain(Lang::ZhCn);
    assert!(
        zh.contains("重新获取面单") && zh.contains("快递公司"),
        "{zh}"
    );
    assert!(!path.exists());
}

#[tokio::test]
async fn copies_give_one_page_each_and_a_missing_folder_fails_clearly() {
    if !ps::display() {
        return;
    }
    let (_sb, labels) = ps::sandbox_labels(1, PrintType::TwoPart).await;
    let dir = tempfile::tempdir().unwrap();
    let mut copies = job(
        &labels[0],
        LabelSize::TWO_PART,
        &dir.path().join("copies.pdf"),
    );
    copies.copies = 3;
    let nowhere = job(
        &labels[0],
        LabelSize::TWO_PART,
        &dir.path().join("no-such-folder").join("x.pdf"),
    );
    let options = PrintOptions {
        stop_on_failure: false,
        ..PrintOptions::new(ps::worker())
    };
    let results = print_batch(vec![copies, nowhere], &options, |_| {}, &CancelToken::new()).await;
    assert_eq!(results[0].outcome, JobOutcome::Printed);
    let info = ps::pdfinfo(&dir.path().join("copies.pdf"));
    assert_eq!((info.pages, info.rounded()), (3, (283, 510)));
    match &results[1].outcome {
        JobOutcome::Failed { error } => {
            assert_eq!(error.code(), "output", "{error}");
            assert!(error.to_string().contains("does not exist"), "{error}");
        }
        other => panic!("{other:?}"),
    }
}

async fn cli_print(
    sb: &waybill_desk::sandbox::Sandbox,
    dir: &std::path::Path,
    args: Vec<String>,
) -> std::process::Output {
    let mut cmd = std::process::Command::new(ps::exe());
    cmd.args(["--api-base", sb.url().as_str(), "--appid"])
        .arg(waybill_desk::sandbox::DEMO_APPID)
        .env("WAYBILL_DESK_APPSECRET", waybill_desk::sandbox::DEMO_SECRET)
        .env("WAYBILL_DESK_DATA_DIR", dir.join("data"))
        .env("WAYBILL_DESK_LANG", "en")
        .args(args);
    let out = tokio::task::spawn_blocking(move || cmd.output().unwrap())
        .await
        .unwrap();
    assert!(
        out.status.success(),
        "{}\n{}",
        String::from_utf8_lossy(&out.stdout),
        String::from_utf8_lossy(&out.stderr)
    );
    out
}

#[tokio::test]
async fn cli_writes_one_pdf_per_label_or_one_combined_file() {
    if !ps::display() {
        return;
    }
    let (sb, labels) = ps::sandbox_labels(2, PrintType::OnePart).await;
    let dir = tempfile::tempdir().unwrap();
    let orders: Vec<String> = labels.iter().map(ps::order_arg).collect();

    let mut args: Vec<String> = ["print", "--print-type", "one", "--pdf"]
        .map(String::from)
        .to_vec();
    args.push(dir.path().join("out").display().to_string());
    args.extend(orders.iter().cloned());
    let out = cli_print(&sb, dir.path(), args).await;
    let stdout = String::from_utf8_lossy(&out.stdout);
    assert_eq!(
        stdout.lines().filter(|l| l.starts_with("ok ")).count(),
        2,
        "{stdout}"
    );
    for l in &labels {
        let path = dir.path().join("out").join(format!("{}.pdf", l.order_id));
        assert_eq!(ps::pdfinfo(&path).rounded(), (215, 369));
        assert!(ps::pdftotext(&path).contains(&l.waybill_id.to_string()));
    }

    // One file: a page per label, in the order given.
    let combined = dir.path().join("all.pdf");
    let mut args: Vec<String> = ["print", "--print-type", "one", "--pdf"]
        .map(String::from)
        .to_vec();
    args.push(combined.display().to_string());
    args.extend(orders.iter().cloned());
    cli_print(&sb, dir.path(), args).await;
    let info = ps::pdfinfo(&combined);
    assert_eq!((info.pages, info.rounded()), (2, (215, 369)), "{info:?}");
    let text = ps::pdftotext(&combined);
    let first = text
        .find(&labels[0].waybill_id.to_string())
        .expect("label 1 in it");
    let second = text
        .find(&labels[1].waybill_id.to_string())
        .expect("label 2 in it");
    assert!(first < second, "labels in the order given");
    assert!(
        !dir.path().join("all.parts").exists(),
        "the parts are cleaned up"
    );
}
