//! Server text made safe before anything reads it: every string of every answer loses its
//! control characters (C0, DEL, C1) and bidi overrides, so an order note, a name or a waybill
//! number can never move a terminal's cursor, forge an output line or reorder what a person reads.
//! Ids are checked against their documented character set where they arrive, and a bad one is a
//! decode error that does not repeat the value.

use serde_json::Value;

/// Keys whose string values are ids: ASCII letters, digits, `-` and `_`, at most [`MAX_ID_LEN`].
/// Logistics order ids are strings and may carry a package suffix (`01234567890123456789_2` in
/// the logistics document's batchGetOrder example); shop order ids are numbers.
const ID_KEYS: &[&str] = &[
    "order_id",
    "orderId",
    "waybill_id",
    "waybillId",
    "delivery_id",
    "deliveryId",
];

/// The longest id accepted. WeChat's waybill numbers and order ids are 10 to 30 characters.
pub const MAX_ID_LEN: usize = 64;

/// True for a character that must never reach a terminal, a log line or the window: C0 and C1
/// control characters, DEL, and the bidi embedding/override/isolate characters.
pub fn is_unsafe_char(c: char) -> bool {
    c.is_control() || matches!(c, '\u{202A}'..='\u{202E}' | '\u{2066}'..='\u{2069}')
}

/// `text` with unsafe characters removed; line breaks and tabs (including U+2028/U+2029)
/// become a space so words stay apart.
pub fn clean_text(text: &str) -> String {
    if !text.chars().any(needs_cleaning) {
        return text.to_string();
    }
    let mut out = String::with_capacity(text.len());
    for c in text.chars() {
        match c {
            '\n' | '\r' | '\t' | '\u{2028}' | '\u{2029}' => out.push(' '),
            c if is_unsafe_char(c) => {}
            c => out.push(c),
        }
    }
    out
}

fn needs_cleaning(c: char) -> bool {
    is_unsafe_char(c) || matches!(c, '\u{2028}' | '\u{2029}')
}

/// `text` cut to at most `max_chars` characters (on a character boundary), with `…` and the
/// original length when something was cut.
pub fn truncate(text: &str, max_chars: usize) -> String {
    match text.char_indices().nth(max_chars) {
        None => text.to_string(),
        Some((end, _)) => format!(
            "{}… ({} characters in all)",
            &text[..end],
            text.chars().count()
        ),
    }
}

/// True when `id` is empty or made only of ASCII letters, digits, `-` and `_`, and not too long.
pub fn is_valid_id(id: &str) -> bool {
    id.len() <= MAX_ID_LEN
        && id
            .bytes()
            .all(|b| b.is_ascii_alphanumeric() || b == b'-' || b == b'_')
}

/// An id that is not in its documented character set, with where it was.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct BadId {
    /// The JSON path in the form `serde_path_to_error` uses: `order_list[2].waybill_id`.
    pub path: String,
    /// Why it was refused; never the value itself (it came from a server that lies).
    pub reason: String,
}

/// Cleans every string (and object key) of `value` in place and returns the first id that is
/// outside its character set. Ids are checked before cleaning, so an id with an escape sequence
/// is refused rather than silently changed into another id.
///
/// The depth of `value` is bounded by `serde_json`'s recursion limit (128), so the recursion
/// here is too.
pub fn clean_json(value: &mut Value) -> Option<BadId> {
    let mut first_bad = None;
    walk(value, &mut Vec::new(), &mut first_bad);
    first_bad
}

enum Seg {
    Key(String),
    Index(usize),
}

fn walk(value: &mut Value, path: &mut Vec<Seg>, first_bad: &mut Option<BadId>) {
    match value {
        Value::String(s) => {
            if needs_clean_str(s) {
                *s = clean_text(s);
            }
        }
        Value::Array(items) => {
            for (i, item) in items.iter_mut().enumerate() {
                path.push(Seg::Index(i));
                walk(item, path, first_bad);
                path.pop();
            }
        }
        Value::Object(map) => {
            if map.keys().any(|k| needs_clean_str(k)) {
                let old = std::mem::take(map);
                *map = old.into_iter().map(|(k, v)| (clean_text(&k), v)).collect();
            }
            for (key, item) in map.iter_mut() {
                if first_bad.is_none() && ID_KEYS.contains(&key.as_str()) {
                    if let Value::String(id) = item {
                        if !is_valid_id(id) {
                            path.push(Seg::Key(key.clone()));
                            *first_bad = Some(BadId {
                                path: render(path),
                                reason: id_problem(id, key),
                            });
                            path.pop();
                        }
                    }
                }
                path.push(Seg::Key(key.clone()));
                walk(item, path, first_bad);
                path.pop();
            }
        }
        Value::Null | Value::Bool(_) | Value::Number(_) => {}
    }
}

fn needs_clean_str(s: &str) -> bool {
    // ASCII text (every label page's base64: megabytes an answer) is checked 64 bytes at a
    // time, which the compiler vectorises; an ASCII character needs cleaning exactly when it is
    // a control character.
    if s.is_ascii() {
        return s.as_bytes().chunks(64).any(|chunk| {
            chunk
                .iter()
                .fold(false, |found, &b| found | (b < 0x20) | (b == 0x7f))
        });
    }
    s.chars().any(needs_cleaning)
}

fn id_problem(id: &str, key: &str) -> String {
    let what = if id.len() > MAX_ID_LEN {
        format!("{} characters long", id.chars().count())
    } else if id.chars().any(needs_cleaning) {
        "contains control characters".to_string()
    } else {
        "contains characters other than ASCII letters, digits, - and _".to_string()
    };
    format!(
        "`{key}` is not a valid id: it {what} (allowed: ASCII letters, digits, - and _, at most {MAX_ID_LEN}); the value is not shown"
    )
}

fn render(path: &[Seg]) -> String {
    let mut out = String::new();
    for seg in path {
        match seg {
            Seg::Key(k) => {
                if !out.is_empty() {
                    out.push('.');
                }
                out.push_str(k);
            }
            Seg::Index(i) => {
                out.push('[');
                out.push_str(&i.to_string());
                out.push(']');
            }
        }
    }
    if out.is_empty() {
        out.push('.');
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn the_ascii_check_finds_what_the_character_check_finds() {
        let long = "QUJD".repeat(5000);
        for b in 0u8..=0x7f {
            for at in [0, 63, 64, long.len() - 1] {
                let mut text = long.clone().into_bytes();
                text[at] = b;
                let text = String::from_utf8(text).unwrap();
                assert_eq!(
                    needs_clean_str(&text),
                    text.chars().any(needs_cleaning),
                    "byte {b:#x} at {at}"
                );
            }
        }
        assert!(!needs_clean_str(&long));
        assert!(needs_clean_str(&format!("{long}\u{2028}")));
        assert!(!needs_clean_str(&format!("{long}王芳")));
    }

    #[test]
    fn strips_escapes_controls_and_bidi_overrides() {
        assert_eq!(clean_text("王芳\u{1b}[2J\nok"), "王芳[2J ok");
        assert_eq!(clean_text("a\u{9b}31mb\u{7f}c\u{0}"), "a31mbc");
        assert_eq!(clean_text("x\u{202E}gnp.exe\u{2066}y\u{2069}"), "xgnp.exey");
        assert_eq!(clean_text("line\u{2028}two"), "line two");
        assert_eq!(clean_text("普通文本 ok"), "普通文本 ok");
    }

    #[test]
    fn truncates_on_a_character_boundary() {
        assert_eq!(truncate("王芳王芳", 10), "王芳王芳");
        assert_eq!(truncate("王芳王芳", 2), "王芳… (4 characters in all)");
        assert_eq!(truncate("", 0), "");
    }

    #[test]
    fn cleans_every_string_and_key_in_place() {
        let mut v = json!({"a\u{1b}": ["x\u{7}", {"b": "y\r\nz"}], "n": 5});
        assert_eq!(clean_json(&mut v), None);
        assert_eq!(v, json!({"a": ["x", {"b": "y  z"}], "n": 5}));
    }

    #[test]
    fn refuses_ids_outside_their_character_set_and_names_the_path() {
        let mut v = json!({"order_list": [
            {"waybill_id": "SF123", "order_id": "01234567890123456789_2", "delivery_id": "SF"},
            {"waybill_id": "SF1\u{1b}[1A\nok", "order_id": "1"}
        ]});
        let bad = clean_json(&mut v).unwrap();
        assert_eq!(bad.path, "order_list[1].waybill_id");
        assert!(bad.reason.contains("control"), "{}", bad.reason);
        assert!(
            !bad.reason.contains("SF1"),
            "the value must not be repeated"
        );
        // The string itself is cleaned too, in case something still looks at it.
        assert_eq!(v["order_list"][1]["waybill_id"], "SF1[1A ok");

        let mut long = json!({"delivery_id": "A".repeat(65)});
        assert_eq!(clean_json(&mut long).unwrap().path, "delivery_id");
        let mut spaced = json!({"order": {"order_id": "12 34"}});
        assert_eq!(clean_json(&mut spaced).unwrap().path, "order.order_id");
        let mut numeric = json!({"order_id": 3_704_612_354_559_498_753_u64, "waybill_id": ""});
        assert_eq!(clean_json(&mut numeric), None);
    }
}
