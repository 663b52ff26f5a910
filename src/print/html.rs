//! Prepares label HTML for a webview: a Content-Security-Policy that allows no network access
//! (only images, fonts and styles embedded in the page) and no forms, frames or plugins.
//!
//! The policy is the first thing in the document, before a single byte of the label: the HTML
//! parser creates the implied `<html>` and `<head>` for it and applies it before the label is
//! tokenized, so nothing in the label (comments, attributes, stray elements, a second head) can
//! move it or come before it. This is one layer; the webview also has no network at all (see
//! `gtk_print::lock_down`).

/// The policy put in front of every label page. Inline scripts stay allowed because courier
/// templates may draw their barcodes with them; they can reach nothing (`connect-src 'none'`).
pub const LABEL_CSP: &str = "default-src 'none'; img-src data:; font-src data:; \
     style-src 'unsafe-inline' data:; script-src 'unsafe-inline'; connect-src 'none'; \
     media-src 'none'; object-src 'none'; frame-src 'none'; child-src 'none'; \
     worker-src 'none'; manifest-src 'none'; \
     form-action 'none'; base-uri 'none'";

/// The `<meta>` element that carries [`LABEL_CSP`].
pub fn policy_meta() -> String {
    format!("<meta http-equiv=\"Content-Security-Policy\" content=\"{LABEL_CSP}\">")
}

/// Returns `[the label's own leading doctype] + policy + label`: the label follows unchanged
/// (less a leading byte-order mark).
///
/// A `<meta>` before the doctype would put the page in quirks mode (a doctype after an element
/// is ignored) and change how a standards-mode label lays out; so when the label starts with a
/// doctype, a copy of exactly that doctype token goes first. The copy ends at the token's first
/// `>`, as the tokenizer's does, so it cannot carry anything else in front of the policy.
pub fn harden(html: &str) -> String {
    // A leading byte-order mark is not content (decoders drop it); left in after the policy it
    // would be text that starts the body early.
    let html = html.strip_prefix('\u{feff}').unwrap_or(html);
    let doctype = leading_doctype(html).unwrap_or("");
    let meta = policy_meta();
    let mut out = String::with_capacity(doctype.len() + meta.len() + html.len());
    out.push_str(doctype);
    out.push_str(&meta);
    out.push_str(html);
    out
}

/// The doctype token the page starts with (after optional whitespace), up to its first `>`.
/// A comment or anything else before it is not followed: such a page gets no doctype copy
/// (quirks mode, as a browser would also give a doctype that is not first).
pub fn leading_doctype(html: &str) -> Option<&str> {
    // HTML whitespace only (tab, LF, FF, CR, space): what the "initial" insertion mode skips.
    let body = html.trim_start_matches(['\t', '\n', '\u{c}', '\r', ' ']);
    let head = body.get(..9)?;
    if !head.eq_ignore_ascii_case("<!doctype") {
        return None;
    }
    let end = body.find('>')?;
    Some(&body[..=end])
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn policy_comes_first_and_the_label_follows_unchanged() {
        for page in [
            "<p>only a fragment</p>",
            "<!--<head>--><html><head></head><body><img src=http://x/></body></html>",
            "<div title=\"<head>\"></div><html><head></head></html>",
            "<p>before</p><html><head></head></html>",
            "",
        ] {
            let out = harden(page);
            assert!(out.starts_with(&policy_meta()), "{out}");
            assert_eq!(&out[policy_meta().len()..], page);
        }
    }

    #[test]
    fn a_leading_doctype_is_copied_in_front_so_the_mode_stays() {
        let page = "\n <!DOCTYPE html>\n<html lang=\"zh\"><head><title>t</title></head></html>";
        let out = harden(page);
        assert_eq!(out, format!("<!DOCTYPE html>{}{page}", policy_meta()));
        let legacy = "<!DOCTYPE HTML PUBLIC \"-//W3C//DTD HTML 4.01//EN\"><p>x";
        assert!(harden(legacy)
            .starts_with("<!DOCTYPE HTML PUBLIC \"-//W3C//DTD HTML 4.01//EN\"><meta http-equiv"));
        // The copy ends at the first `>`, even inside quotes, as the tokenizer's token does.
        let tricky = "<!doctype html \"><img src=http://x/>\"><p>x";
        assert_eq!(leading_doctype(tricky), Some("<!doctype html \">"));
        // Not first: no copy.
        assert_eq!(leading_doctype("<!-- c --><!doctype html>"), None);
        assert_eq!(leading_doctype("x<!doctype html>"), None);
        // A byte-order mark is dropped, as decoders do, and the doctype behind it still counts.
        assert_eq!(
            harden("\u{feff}<!doctype html><p>x"),
            format!("<!doctype html>{}<!doctype html><p>x", policy_meta())
        );
        assert_eq!(leading_doctype("<!doctype html"), None);
        assert_eq!(leading_doctype("<!doc"), None);
    }

    #[test]
    fn policy_blocks_network_and_keeps_embedded_images() {
        assert!(LABEL_CSP.contains("default-src 'none'"));
        assert!(LABEL_CSP.contains("img-src data:"));
        assert!(LABEL_CSP.contains("connect-src 'none'"));
        assert!(LABEL_CSP.contains("base-uri 'none'"));
        assert!(!LABEL_CSP.contains("http"));
        assert!(!LABEL_CSP.contains('"'));
    }
}
