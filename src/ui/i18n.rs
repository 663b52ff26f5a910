//! UI words: looked up by message id in the Fluent files (`locales/<lang>/*.ftl`), so a
//! translator works on those files, never on Rust. Messages with data use [`crate::i18n::Msg`].

use crate::wechat::Lang;

/// The words of message `id` in this language (the id itself when a file lacks it).
pub fn tr(lang: Lang, id: &str) -> String {
    crate::i18n::t(lang, id)
}

#[cfg(test)]
mod tests {
    use std::collections::BTreeSet;
    use std::path::Path;

    /// Every message id of one language, over all its files (`locales/<lang>/*.ftl`).
    fn ftl_ids(dir: &Path) -> BTreeSet<String> {
        let mut ids = BTreeSet::new();
        for entry in std::fs::read_dir(dir).unwrap() {
            let path = entry.unwrap().path();
            if path.extension().is_none_or(|e| e != "ftl") {
                continue;
            }
            ids.extend(
                std::fs::read_to_string(&path)
                    .unwrap()
                    .lines()
                    .filter(|l| {
                        l.starts_with(|c: char| c.is_ascii_alphabetic()) && l.contains(" =")
                    })
                    .filter_map(|l| l.split(" =").next().map(str::to_string)),
            );
        }
        ids
    }

    fn rust_files(dir: &Path, out: &mut Vec<std::path::PathBuf>) {
        for entry in std::fs::read_dir(dir).unwrap() {
            let path = entry.unwrap().path();
            if path.is_dir() {
                rust_files(&path, out);
            } else if path.extension().is_some_and(|e| e == "rs") {
                out.push(path);
            }
        }
    }

    /// The message ids the code looks up: `tr(lang, "id")`, the toolbar's `t("id")`,
    /// `i18n::t(lang, "id")` and `Msg::id("id")`.
    fn ids_in_code(root: &Path) -> BTreeSet<(String, String)> {
        let mut files = Vec::new();
        rust_files(&root.join("src"), &mut files);
        let mut ids = BTreeSet::new();
        // This file names the patterns in its comments, not ids.
        files.retain(|f| !f.ends_with("src/ui/i18n.rs"));
        for file in files {
            let text = std::fs::read_to_string(&file).unwrap();
            let name = file.strip_prefix(root).unwrap().display().to_string();
            for pattern in [
                "tr(lang, \"",
                "tr(self.lang, \"",
                "t(\"",
                "t(lang, \"",
                "Msg::id(\"",
            ] {
                for (at, _) in text.match_indices(pattern) {
                    // `t("` only as a call of its own (not the end of `Text("`).
                    let before = text[..at].chars().next_back().unwrap_or(' ');
                    if pattern.starts_with('t') && (before.is_alphanumeric() || before == '_') {
                        continue;
                    }
                    let rest = &text[at + pattern.len()..];
                    let Some(end) = rest.find('"') else { continue };
                    let id = &rest[..end];
                    // Message ids are lowercase words joined by '-'; anything else is not one.
                    if !id.is_empty()
                        && id
                            .chars()
                            .all(|c| c.is_ascii_lowercase() || c.is_ascii_digit() || c == '-')
                    {
                        ids.insert((id.to_string(), name.clone()));
                    }
                }
            }
        }
        ids
    }

    #[test]
    fn every_id_in_the_code_is_in_both_message_files_and_the_files_agree() {
        let root = Path::new(env!("CARGO_MANIFEST_DIR"));
        let zh = ftl_ids(&root.join("locales/zh-CN"));
        let en = ftl_ids(&root.join("locales/en"));
        let only_zh: Vec<_> = zh.difference(&en).collect();
        let only_en: Vec<_> = en.difference(&zh).collect();
        assert!(
            only_zh.is_empty() && only_en.is_empty(),
            "messages in one language only: zh-CN {only_zh:?}, en {only_en:?}"
        );
        let used = ids_in_code(root);
        assert!(
            used.len() > 150,
            "the UI's words are looked up by id ({})",
            used.len()
        );
        let missing: Vec<_> = used.iter().filter(|(id, _)| !zh.contains(id)).collect();
        assert!(
            missing.is_empty(),
            "ids used in the code but in no message file: {missing:?}"
        );
    }

    #[test]
    fn no_inline_language_pairs_left_in_the_window_code() {
        let root = Path::new(env!("CARGO_MANIFEST_DIR"));
        let mut files = Vec::new();
        rust_files(&root.join("src/ui"), &mut files);
        files.push(root.join("src/app/mod.rs"));
        for file in files {
            let text = std::fs::read_to_string(&file).unwrap();
            // A Chinese string literal in drawing code is a word a translator cannot reach.
            for (n, line) in text.lines().enumerate() {
                let code = line.split("//").next().unwrap_or("");
                let chinese_literal = code
                    .split('"')
                    .skip(1)
                    .step_by(2)
                    .any(|lit| lit.chars().any(|c| ('\u{4e00}'..='\u{9fff}').contains(&c)));
                assert!(
                    !chinese_literal || file.ends_with("fonts.rs") || line.contains("中文"),
                    "{}:{}: {line}",
                    file.display(),
                    n + 1
                );
            }
        }
    }
}
