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

/// The bytes of a font file, shared without copying (a system font is mapped from its file).
pub type FontBlob = Arc<dyn AsRef<[u8]> + Send + Sync>;

/// Finds a system CJK font: its file mapped into memory, the face index and the family.
///
/// The file is mapped, not read: the usual one, the Noto Sans CJK collection, is 19 MB, and
/// only the pages around the glyphs drawn become resident (about 6 MB at start, clean pages the
/// kernel shares with its page cache and can drop).
pub fn system_cjk_font() -> Option<(FontBlob, u32, String)> {
    let mut db = fontdb::Database::new();
    db.load_system_fonts();
    for family in CJK_FAMILIES {
        let query = fontdb::Query {
            families: &[fontdb::Family::Name(family)],
            ..fontdb::Query::default()
        };
        let Some(id) = db.query(&query) else {
            continue;
        };
        // SAFETY: fontdb maps the font file read-only (PROT_READ); nothing in this process writes
        // to it. A mapped file is only unsound if another process truncates or rewrites it in
        // place while mapped. The file is an installed font (from the font directories
        // fontconfig lists); package managers replace such files by writing a new
        // file and renaming it over the old one, which leaves this mapping on the old inode.
        #[allow(unsafe_code)]
        let shared = unsafe { db.make_shared_face_data(id) };
        if let Some((data, index)) = shared {
            return Some((data, index, (*family).to_string()));
        }
    }
    None
}

/// Installs the CJK font after egui's own fonts (Latin text keeps egui's look; Chinese falls
/// through to it).
pub fn install(ctx: &egui::Context) -> FontSource {
    let (data, source) = match system_cjk_font() {
        Some((blob, index, family)) => (
            egui::FontData::from_blob(blob, index),
            FontSource::System(family),
        ),
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
