//! Chinese text: a CJK font from the system (Noto Sans CJK through the font database), or the
//! subset bundled in `assets/` when the system has none. No tofu boxes.

use std::sync::Arc;

/// Families tried in order.
const CJK_FAMILIES: &[&str] = &[
    "Noto Sans CJK SC",
    "Noto Sans SC",
    "Source Han Sans SC",
    "WenQuanYi Zen Hei",
    "Microsoft YaHei",
    "PingFang SC",
];

/// The bundled fallback (a subset of Noto Sans SC covering the UI and common characters).
const BUNDLED: &[u8] = include_bytes!("../../assets/NotoSansSC-subset.otf");

/// Where the CJK font came from.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum FontSource {
    System(String),
    Bundled,
}

/// Finds a system CJK font: its bytes and face index.
pub fn system_cjk_font() -> Option<(Vec<u8>, u32, String)> {
    let mut db = fontdb::Database::new();
    db.load_system_fonts();
    for family in CJK_FAMILIES {
        let query = fontdb::Query {
            families: &[fontdb::Family::Name(family)],
            ..fontdb::Query::default()
        };
        if let Some(id) = db.query(&query) {
            if let Some((data, index)) = db.with_face_data(id, |data, index| (data.to_vec(), index))
            {
                return Some((data, index, (*family).to_string()));
            }
        }
    }
    None
}

/// Installs the CJK font after egui's own fonts (Latin text keeps egui's look; Chinese falls
/// through to it).
pub fn install(ctx: &egui::Context) -> FontSource {
    let (data, source) = match system_cjk_font() {
        Some((bytes, index, family)) => {
            let mut data = egui::FontData::from_owned(bytes);
            data.index = index;
            (data, FontSource::System(family))
        }
        None => (egui::FontData::from_static(BUNDLED), FontSource::Bundled),
    };
    let mut fonts = egui::FontDefinitions::default();
    fonts.font_data.insert("cjk".into(), Arc::new(data));
    for family in [egui::FontFamily::Proportional, egui::FontFamily::Monospace] {
        fonts.families.entry(family).or_default().push("cjk".into());
    }
    ctx.set_fonts(fonts);
    tracing::debug!(?source, "CJK font installed");
    source
}
