//! UI text in the two languages: each string is written where it is used, as a zh-CN / English
//! pair, so a screen reads the same in the code as on screen.

use crate::wechat::Lang;

/// The zh-CN or English text.
pub fn tr(lang: Lang, zh: &'static str, en: &'static str) -> &'static str {
    match lang {
        Lang::ZhCn => zh,
        Lang::En => en,
    }
}
