//! The window's words, in Fluent message files (`locales/<lang>/*.ftl`, one per area) a translator can edit
//! without Rust. zh-CN is the default; English is one click away. A message is looked up by id
//! with its data ([`Msg`]), and rendered when drawn, so a log line follows the language of the
//! moment, not the one it was written in.

use std::sync::OnceLock;

use fluent_bundle::concurrent::FluentBundle;
use fluent_bundle::{FluentArgs, FluentResource, FluentValue};

mod lang;

pub use lang::Lang;

/// One file per area of the app, so the areas' words can be edited (and merged) apart. Each
/// entry is `(file name, zh-CN text, English text)`; both languages must have the same ids.
const FILES: &[(&str, &str, &str)] = &[
    (
        "app.ftl",
        include_str!("../../locales/zh-CN/app.ftl"),
        include_str!("../../locales/en/app.ftl"),
    ),
    (
        "setup.ftl",
        include_str!("../../locales/zh-CN/setup.ftl"),
        include_str!("../../locales/en/setup.ftl"),
    ),
    (
        "stations.ftl",
        include_str!("../../locales/zh-CN/stations.ftl"),
        include_str!("../../locales/en/stations.ftl"),
    ),
    (
        "install.ftl",
        include_str!("../../locales/zh-CN/install.ftl"),
        include_str!("../../locales/en/install.ftl"),
    ),
];

struct Bundles {
    zh: FluentBundle<FluentResource>,
    en: FluentBundle<FluentResource>,
}

fn bundle(
    tag: &str,
    sources: impl Iterator<Item = (&'static str, &'static str)>,
) -> FluentBundle<FluentResource> {
    let lang: unic_langid::LanguageIdentifier = tag.parse().unwrap_or_default();
    let mut bundle = FluentBundle::new_concurrent(vec![lang]);
    // Bidi isolation marks would show as boxes in plain egui labels.
    bundle.set_use_isolating(false);
    for (file, source) in sources {
        let resource = match FluentResource::try_new(source.to_string()) {
            Ok(r) => r,
            Err((r, errors)) => {
                tracing::error!("message file {tag}/{file}: {errors:?}");
                r
            }
        };
        if let Err(errors) = bundle.add_resource(resource) {
            tracing::error!("message file {tag}/{file}: {errors:?}");
        }
    }
    bundle
}

fn bundles() -> &'static Bundles {
    static BUNDLES: OnceLock<Bundles> = OnceLock::new();
    BUNDLES.get_or_init(|| Bundles {
        zh: bundle("zh-CN", FILES.iter().map(|(file, zh, _)| (*file, *zh))),
        en: bundle("en", FILES.iter().map(|(file, _, en)| (*file, *en))),
    })
}

/// A value a message is filled with.
#[derive(Debug, Clone, PartialEq)]
pub enum Arg {
    Text(String),
    Number(i64),
    /// Another message, rendered in the same language (an explained error, a state name).
    Msg(Box<Msg>),
}

impl From<&str> for Arg {
    fn from(s: &str) -> Self {
        Arg::Text(s.to_string())
    }
}
impl From<String> for Arg {
    fn from(s: String) -> Self {
        Arg::Text(s)
    }
}
impl From<u32> for Arg {
    fn from(n: u32) -> Self {
        Arg::Number(i64::from(n))
    }
}
impl From<usize> for Arg {
    fn from(n: usize) -> Self {
        Arg::Number(i64::try_from(n).unwrap_or(i64::MAX))
    }
}
impl From<crate::wechat::OrderId> for Arg {
    fn from(id: crate::wechat::OrderId) -> Self {
        // Ids exceed 2^53 and are not numbers to format: text, as written.
        Arg::Text(id.to_string())
    }
}
impl From<Msg> for Arg {
    fn from(m: Msg) -> Self {
        Arg::Msg(Box::new(m))
    }
}

/// A message with its data, rendered in whatever language is current when drawn.
#[derive(Debug, Clone, PartialEq)]
pub enum Msg {
    /// A message from the message files.
    Id {
        id: &'static str,
        args: Vec<(&'static str, Arg)>,
    },
    /// Text that was already in words (an explained error from a lower layer, a tracing line).
    Text(String),
    /// The same text in each language, explained by a lower layer that knows both.
    Both { zh: String, en: String },
}

impl Msg {
    /// A message without data.
    pub fn id(id: &'static str) -> Self {
        Msg::Id {
            id,
            args: Vec::new(),
        }
    }

    /// Adds one value.
    pub fn arg(mut self, name: &'static str, value: impl Into<Arg>) -> Self {
        if let Msg::Id { args, .. } = &mut self {
            args.push((name, value.into()));
        }
        self
    }

    /// Both languages of a text a lower layer explains (`explain(lang)` called for each).
    pub fn explained(explain: impl Fn(Lang) -> String) -> Self {
        Msg::Both {
            zh: explain(Lang::ZhCn),
            en: explain(Lang::En),
        }
    }

    /// The words in this language.
    pub fn render(&self, lang: Lang) -> String {
        match self {
            Msg::Text(t) => t.clone(),
            Msg::Both { zh, en } => match lang {
                Lang::ZhCn => zh.clone(),
                Lang::En => en.clone(),
            },
            Msg::Id { id, args } => {
                let mut fluent = FluentArgs::new();
                for (name, value) in args {
                    let value = match value {
                        Arg::Text(t) => FluentValue::from(t.clone()),
                        Arg::Number(n) => FluentValue::from(*n),
                        Arg::Msg(m) => FluentValue::from(m.render(lang)),
                    };
                    fluent.set(*name, value);
                }
                format(lang, id, Some(&fluent))
            }
        }
    }
}

impl From<String> for Msg {
    fn from(t: String) -> Self {
        Msg::Text(t)
    }
}

impl From<&str> for Msg {
    fn from(t: &str) -> Self {
        Msg::Text(t.to_string())
    }
}

/// A message without data, in this language.
pub fn t(lang: Lang, id: &str) -> String {
    format(lang, id, None)
}

fn format(lang: Lang, id: &str, args: Option<&FluentArgs<'_>>) -> String {
    let b = bundles();
    let bundle = match lang {
        Lang::ZhCn => &b.zh,
        Lang::En => &b.en,
    };
    let Some(pattern) = bundle.get_message(id).and_then(|m| m.value()) else {
        // A missing message shows its id, so a translator sees what to add.
        return id.to_string();
    };
    let mut errors = Vec::new();
    let text = bundle.format_pattern(pattern, args, &mut errors);
    if !errors.is_empty() {
        tracing::debug!("message {id}: {errors:?}");
    }
    text.into_owned()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn ids(source: &str) -> Vec<String> {
        source
            .lines()
            .filter(|l| !l.starts_with(['#', ' ']) && l.contains(" ="))
            .filter_map(|l| l.split(" =").next().map(str::to_string))
            .collect()
    }

    #[test]
    fn both_languages_have_the_same_messages_and_every_file_parses() {
        let mut all = std::collections::HashSet::new();
        for (file, zh, en) in FILES {
            assert_eq!(ids(zh), ids(en), "{file}: the two languages differ");
            assert!(
                FluentResource::try_new(zh.to_string()).is_ok(),
                "zh-CN/{file}"
            );
            assert!(FluentResource::try_new(en.to_string()).is_ok(), "en/{file}");
            for id in ids(zh) {
                assert!(all.insert(id.clone()), "{id} is in two files ({file})");
            }
        }
        assert!(all.len() > 100, "the app's messages were read");
    }

    #[test]
    fn a_log_line_keeps_its_data_and_renders_in_the_language_of_the_moment() {
        let msg = Msg::id("scan-reprinted")
            .arg("order", crate::wechat::OrderId(3_704_000_000_000_000_123))
            .arg("times", 2u32);
        let zh = msg.render(Lang::ZhCn);
        let en = msg.render(Lang::En);
        assert!(
            zh.contains("3704000000000000123") && zh.contains("第 2 次打印"),
            "{zh}"
        );
        assert!(
            en.contains("3704000000000000123") && en.contains("print #2"),
            "{en}"
        );
        assert!(!zh.contains('\u{2068}'), "no isolation marks");
    }
}
