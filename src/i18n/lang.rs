//! The language a message is shown in.

/// The language of a user-facing message.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, serde::Serialize, serde::Deserialize)]
#[serde(rename_all = "kebab-case")]
pub enum Lang {
    /// 简体中文 (the default).
    #[default]
    ZhCn,
    /// English.
    En,
}
