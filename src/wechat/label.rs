//! Turning `print_html` (base64) into the label's HTML.

use base64::alphabet;
use base64::engine::{DecodePaddingMode, GeneralPurpose, GeneralPurposeConfig};
use base64::Engine;

/// Standard alphabet, padding optional: WeChat's samples are padded, some proxies strip it.
const LENIENT: GeneralPurpose = GeneralPurpose::new(
    &alphabet::STANDARD,
    GeneralPurposeConfig::new().with_decode_padding_mode(DecodePaddingMode::Indifferent),
);

/// The largest label page accepted, decoded (2 MiB). A courier's thermal label page with its
/// embedded logos and barcodes is tens of kilobytes (the sandbox's pages are 13–16 KB); 2 MiB
/// leaves room for pages with large embedded images while a page of many megabytes (which
/// would be stored whole in the journal and rendered by WebKit) is refused.
pub const MAX_LABEL_HTML_BYTES: usize = 2 * 1024 * 1024;

/// Why a `print_html` value is unusable.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum LabelDecodeError {
    #[error("print_html is empty")]
    Empty,
    /// The page is bigger than [`MAX_LABEL_HTML_BYTES`]; found out before decoding it.
    #[error(
        "print_html is a page of {} ({size_bytes} bytes); label pages are under {}",
        format_size(*.size_bytes),
        format_size(*.limit_bytes)
    )]
    TooLarge { size_bytes: u64, limit_bytes: u64 },
    #[error("print_html is not valid base64 ({0})")]
    Base64(String),
    #[error("print_html does not decode to UTF-8 text")]
    NotUtf8,
    #[error("print_html decodes to something that is not an HTML page")]
    NotHtml,
}

/// Decodes `print_html`. Line breaks and spaces inside the base64 (MIME-style wrapping) are
/// ignored; the result must be UTF-8 text that looks like HTML, at most
/// [`MAX_LABEL_HTML_BYTES`] long. The size is checked from the base64 length before anything
/// is copied or decoded.
pub fn decode_print_html(print_html: &str) -> Result<String, LabelDecodeError> {
    decode_print_html_limited(print_html, MAX_LABEL_HTML_BYTES)
}

/// [`decode_print_html`] with another size limit (bytes of decoded HTML).
pub fn decode_print_html_limited(
    print_html: &str,
    limit_bytes: usize,
) -> Result<String, LabelDecodeError> {
    let (size_bytes, wrapped) = decoded_len(print_html);
    if size_bytes > limit_bytes as u64 {
        return Err(LabelDecodeError::TooLarge {
            size_bytes,
            limit_bytes: limit_bytes as u64,
        });
    }
    // Unwrapped base64 (what WeChat sends) is decoded where it lies; only MIME-style wrapped
    // text is copied without its line breaks first (byte by byte: whitespace is ASCII, and
    // non-ASCII bytes are kept for the decoder to refuse).
    let compact: std::borrow::Cow<'_, [u8]> = if wrapped {
        print_html
            .bytes()
            .filter(|b| !b.is_ascii_whitespace())
            .collect::<Vec<u8>>()
            .into()
    } else {
        print_html.as_bytes().into()
    };
    if compact.is_empty() {
        return Err(LabelDecodeError::Empty);
    }
    let bytes = LENIENT
        .decode(&compact)
        .map_err(|e| LabelDecodeError::Base64(e.to_string()))?;
    let html = String::from_utf8(bytes).map_err(|_| LabelDecodeError::NotUtf8)?;
    // The first 512 characters (not bytes: a byte cut could fall inside a Chinese character).
    let trimmed = html.trim_start();
    let head = match trimmed.char_indices().nth(512) {
        Some((end, _)) => &trimmed[..end],
        None => trimmed,
    };
    if !head.contains('<') {
        return Err(LabelDecodeError::NotHtml);
    }
    Ok(html)
}

/// How many bytes `print_html` decodes to (at most; padding is not subtracted), counted
/// without allocating, and whether it has whitespace (line breaks) to take out first.
fn decoded_len(print_html: &str) -> (u64, bool) {
    // Counted 64 bytes at a time into byte-wide counters, which the compiler vectorises: a
    // page's megabytes of base64 are walked once more here before decoding.
    let (mut whitespace, mut padding) = (0u64, 0u64);
    for chunk in print_html.as_bytes().chunks(64) {
        let (mut w, mut p) = (0u8, 0u8);
        for &b in chunk {
            w += u8::from(b.is_ascii_whitespace());
            p += u8::from(b == b'=');
        }
        whitespace += u64::from(w);
        padding += u64::from(p);
    }
    let significant = print_html.len() as u64 - whitespace - padding;
    (
        significant / 4 * 3 + (significant % 4 * 3) / 4,
        whitespace > 0,
    )
}

/// A size for people: "50.0 MB", "2 MB", "812 KB".
pub fn format_size(bytes: u64) -> String {
    const MIB: u64 = 1024 * 1024;
    if bytes >= MIB {
        if bytes.is_multiple_of(MIB) {
            format!("{} MB", bytes / MIB)
        } else {
            format!("{:.1} MB", bytes as f64 / MIB as f64)
        }
    } else {
        format!("{} KB", bytes.div_ceil(1024))
    }
}

/// Encodes HTML the way WeChat sends it (padded standard base64).
pub fn encode_print_html(html: &str) -> String {
    base64::engine::general_purpose::STANDARD.encode(html.as_bytes())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn round_trip_with_chinese_text() {
        let html = "<!DOCTYPE html><html><body>收件人:王芳</body></html>";
        assert_eq!(decode_print_html(&encode_print_html(html)).unwrap(), html);
    }

    #[test]
    fn wrapped_and_unpadded_base64_decodes() {
        let html = "<html><body>ok</body></html>!";
        let encoded = encode_print_html(html);
        let wrapped = format!("{}\n{}", &encoded[..10], &encoded[10..]);
        assert_eq!(decode_print_html(&wrapped).unwrap(), html);
        assert_eq!(
            decode_print_html(encoded.trim_end_matches('=')).unwrap(),
            html
        );
    }

    #[test]
    fn bad_inputs_are_named() {
        assert_eq!(decode_print_html("  "), Err(LabelDecodeError::Empty));
        assert!(matches!(
            decode_print_html("%%%not base64%%%"),
            Err(LabelDecodeError::Base64(_))
        ));
        assert_eq!(decode_print_html("//79"), Err(LabelDecodeError::NotUtf8));
        assert_eq!(
            decode_print_html(&encode_print_html("just text")),
            Err(LabelDecodeError::NotHtml)
        );
    }

    #[test]
    fn a_long_chinese_page_is_html_wherever_byte_512_falls() {
        // Found by tests/decoders.rs: cutting the head at byte 512 inside a multi-byte
        // character used to make a real page "not HTML".
        for pad in 0..3 {
            let html = format!("<html>{}{}</html>", "a".repeat(pad), "收件人".repeat(300));
            assert_eq!(decode_print_html(&encode_print_html(&html)).unwrap(), html);
        }
    }

    #[test]
    fn a_page_over_the_limit_is_refused_with_its_size() {
        let html = format!("<html><body>{}</body></html>", "x".repeat(3 * 1024 * 1024));
        let err = decode_print_html(&encode_print_html(&html)).unwrap_err();
        assert_eq!(
            err,
            LabelDecodeError::TooLarge {
                size_bytes: html.len() as u64,
                limit_bytes: MAX_LABEL_HTML_BYTES as u64,
            }
        );
        assert!(err.to_string().contains("3.0 MB"), "{err}");
        assert!(err.to_string().contains("under 2 MB"), "{err}");
    }

    #[test]
    fn the_limit_is_exact_and_ignores_wrapping_and_padding() {
        // 300 bytes of HTML; every padding length (0, 1, 2) and CRLF wrapping.
        for extra in 0..3 {
            let html = format!("<html>{}</html>", "y".repeat(287 + extra));
            let encoded = encode_print_html(&html);
            let wrapped = encoded
                .as_bytes()
                .chunks(76)
                .map(|c| std::str::from_utf8(c).unwrap())
                .collect::<Vec<_>>()
                .join("\r\n");
            for input in [&encoded, &wrapped] {
                assert_eq!(decoded_len(input).0, html.len() as u64);
                assert_eq!(decode_print_html_limited(input, html.len()).unwrap(), html);
                assert!(matches!(
                    decode_print_html_limited(input, html.len() - 1),
                    Err(LabelDecodeError::TooLarge { .. })
                ));
            }
        }
    }

    proptest::proptest! {
        // The size is judged from the base64 text alone; it must be the decoded size exactly,
        // whatever the wrapping, the padding or the page, or the limit would be off by a byte.
        #[test]
        fn the_size_known_before_decoding_is_the_decoded_size(
            body in "\\PC{0,400}",
            wrap in 1usize..100,
            crlf in proptest::bool::ANY,
            strip_padding in proptest::bool::ANY,
        ) {
            let html = format!("<p>{body}</p>");
            let mut encoded = encode_print_html(&html)
                .as_bytes()
                .chunks(wrap)
                .map(|c| std::str::from_utf8(c).unwrap().to_string())
                .collect::<Vec<_>>()
                .join(if crlf { "\r\n" } else { " " });
            if strip_padding {
                encoded = encoded.trim_end_matches('=').to_string();
            }
            proptest::prop_assert_eq!(decoded_len(&encoded).0, html.len() as u64);
            proptest::prop_assert_eq!(decode_print_html_limited(&encoded, html.len()), Ok(html.clone()));
            let refused = matches!(
                decode_print_html_limited(&encoded, html.len() - 1),
                Err(LabelDecodeError::TooLarge { .. })
            );
            proptest::prop_assert!(refused);
        }
    }

    #[test]
    fn sizes_read_well() {
        assert_eq!(format_size(50 * 1024 * 1024), "50 MB");
        assert_eq!(format_size(5 * 1024 * 1024 + 512 * 1024), "5.5 MB");
        assert_eq!(format_size(2 * 1024 * 1024), "2 MB");
        assert_eq!(format_size(1000), "1 KB");
    }

    #[test]
    fn seed_sample_is_rejected_cleanly() {
        // The seeds' example print_html is placeholder bytes, not a page: it must be an error,
        // not a panic or garbage in the preview.
        let sample = "jh7DjipP4ul4CQYUh69cniskrQZuOPwa1inAbXIqKbU0t71c0s65Au54cdWBZW0QJY4LYeofdM";
        assert!(decode_print_html(sample).is_err());
    }
}
