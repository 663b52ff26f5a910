//! Turning `print_html` (base64) into the label's HTML.

use base64::alphabet;
use base64::engine::{DecodePaddingMode, GeneralPurpose, GeneralPurposeConfig};
use base64::Engine;

/// Standard alphabet, padding optional: WeChat's samples are padded, some proxies strip it.
const LENIENT: GeneralPurpose = GeneralPurpose::new(
    &alphabet::STANDARD,
    GeneralPurposeConfig::new().with_decode_padding_mode(DecodePaddingMode::Indifferent),
);

/// Why a `print_html` value is unusable.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum LabelDecodeError {
    #[error("print_html is empty")]
    Empty,
    #[error("print_html is not valid base64 ({0})")]
    Base64(String),
    #[error("print_html does not decode to UTF-8 text")]
    NotUtf8,
    #[error("print_html decodes to something that is not an HTML page")]
    NotHtml,
}

/// Decodes `print_html`. Line breaks and spaces inside the base64 (MIME-style wrapping) are
/// ignored; the result must be UTF-8 text that looks like HTML.
pub fn decode_print_html(print_html: &str) -> Result<String, LabelDecodeError> {
    let compact: String = print_html
        .chars()
        .filter(|c| !c.is_ascii_whitespace())
        .collect();
    if compact.is_empty() {
        return Err(LabelDecodeError::Empty);
    }
    let bytes = LENIENT
        .decode(compact.as_bytes())
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
    fn seed_sample_is_rejected_cleanly() {
        // The seeds' example print_html is placeholder bytes, not a page: it must be an error,
        // not a panic or garbage in the preview.
        let sample = "jh7DjipP4ul4CQYUh69cniskrQZuOPwa1inAbXIqKbU0t71c0s65Au54cdWBZW0QJY4LYeofdM";
        assert!(decode_print_html(sample).is_err());
    }
}
