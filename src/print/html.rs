//! Prepares label HTML for a webview: a Content-Security-Policy that allows no network access
//! (only images, fonts and styles embedded in the page) and no forms, frames or plugins.

/// The policy put in front of every label page. Inline scripts stay allowed because courier
/// templates may draw their barcodes with them; they can reach nothing (`connect-src 'none'`).
pub const LABEL_CSP: &str = "default-src 'none'; img-src data:; font-src data:; \
     style-src 'unsafe-inline' data:; script-src 'unsafe-inline'; connect-src 'none'; \
     media-src 'none'; object-src 'none'; frame-src 'none'; child-src 'none'; \
     form-action 'none'; base-uri 'none'";

/// Returns the label page with [`LABEL_CSP`] as the first element of its `<head>`, so the policy
/// is in force before anything in the page is parsed.
pub fn harden(html: &str) -> String {
    let meta = format!("<meta http-equiv=\"Content-Security-Policy\" content=\"{LABEL_CSP}\">");
    let at = insertion_point(html);
    let mut out = String::with_capacity(html.len() + meta.len() + 1);
    out.push_str(&html[..at]);
    out.push_str(&meta);
    out.push_str(&html[at..]);
    out
}

/// Just after `<head ...>`; else after `<html ...>`; else after a leading doctype; else 0.
/// A `<meta>` outside an explicit head still lands in the implied one.
fn insertion_point(html: &str) -> usize {
    let lower = html.to_ascii_lowercase();
    for tag in ["<head", "<html"] {
        let mut from = 0;
        while let Some(found) = lower[from..].find(tag) {
            let start = from + found;
            let after = start + tag.len();
            // `<header>` is not `<head>`: the tag name must end here.
            let ends = lower[after..]
                .chars()
                .next()
                .is_some_and(|c| c == '>' || c.is_ascii_whitespace() || c == '/');
            if ends {
                if let Some(close) = lower[after..].find('>') {
                    return after + close + 1;
                }
            }
            from = after;
        }
    }
    let trimmed = lower.trim_start();
    if trimmed.starts_with("<!doctype") {
        let offset = lower.len() - trimmed.len();
        if let Some(close) = trimmed.find('>') {
            return offset + close + 1;
        }
    }
    0
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn policy_goes_first_in_head() {
        let page = "<!DOCTYPE html>\n<html lang=\"zh\"><HEAD data-x=1><title>t</title></head><body>x</body></html>";
        let out = harden(page);
        let meta_at = out.find("Content-Security-Policy").unwrap();
        assert!(meta_at > out.find("<HEAD data-x=1>").unwrap());
        assert!(meta_at < out.find("<title>").unwrap());
        assert_eq!(
            out.replace(
                &out[out.find("<meta").unwrap()..out.find("<title>").unwrap()],
                ""
            ),
            page
        );
    }

    #[test]
    fn header_is_not_head_and_fragments_get_the_policy_first() {
        let out = harden("<html><header>h</header><p>x</p></html>");
        assert!(out.starts_with("<html><meta http-equiv=\"Content-Security-Policy\""));
        assert!(harden("<p>only a fragment</p>").starts_with("<meta http-equiv"));
        let doctype = harden("<!doctype html><p>x</p>");
        assert!(doctype.starts_with("<!doctype html><meta"));
    }

    #[test]
    fn policy_blocks_network_and_keeps_embedded_images() {
        assert!(LABEL_CSP.contains("default-src 'none'"));
        assert!(LABEL_CSP.contains("img-src data:"));
        assert!(LABEL_CSP.contains("connect-src 'none'"));
        assert!(!LABEL_CSP.contains("http"));
    }
}
