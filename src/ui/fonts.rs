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

#[cfg(test)]
mod tests {
    use super::*;

    /// Words the window shows; egui's own fonts have none of these characters.
    const CHINESE: &str = "订单号收件人待发货面单打印扫码模式设置";

    /// Fonts load at the start of a frame; its texture updates are not needed here.
    fn one_frame(ctx: &egui::Context) {
        ctx.run_ui(egui::RawInput::default(), |_| {})
            .textures_delta
            .clear();
    }

    fn has_chinese(font: egui::FontData) -> bool {
        let ctx = egui::Context::default();
        let mut fonts = egui::FontDefinitions::default();
        fonts.font_data.insert("cjk".into(), Arc::new(font));
        fonts
            .families
            .entry(egui::FontFamily::Proportional)
            .or_default()
            .push("cjk".into());
        ctx.set_fonts(fonts);
        one_frame(&ctx);
        ctx.fonts_mut(|f| f.has_glyphs(&egui::FontId::proportional(14.0), CHINESE))
    }

    /// The font `install` chooses (the mapped system collection where there is one, as on the
    /// test machines, else the bundled subset) gives egui a glyph for each character.
    #[test]
    fn installed_font_draws_chinese() {
        let ctx = egui::Context::default();
        let source = install(&ctx);
        one_frame(&ctx);
        let ok = ctx.fonts_mut(|f| f.has_glyphs(&egui::FontId::proportional(14.0), CHINESE));
        assert!(ok, "{source:?} lacks glyphs for {CHINESE}");
    }

    /// A system font is mapped, not copied: the blob is the whole file, face index kept, and
    /// egui parses the face from the mapping.
    #[test]
    fn system_font_is_the_mapped_file() {
        let Some((blob, index, family)) = system_cjk_font() else {
            eprintln!("no system CJK font here; the bundled subset is used");
            return;
        };
        let bytes = (*blob).as_ref();
        assert!(
            bytes.len() > BUNDLED.len(),
            "{family}: {} bytes",
            bytes.len()
        );
        assert!(
            has_chinese(egui::FontData::from_blob(blob, index)),
            "{family}"
        );
    }

    /// The bundled fallback alone covers the window's words.
    #[test]
    fn bundled_subset_draws_chinese() {
        assert!(has_chinese(egui::FontData::from_static(BUNDLED)));
    }

    /// Without a CJK font egui has no glyph for them (the tests above can fail).
    #[test]
    fn egui_alone_lacks_chinese() {
        let ctx = egui::Context::default();
        one_frame(&ctx);
        let ok = ctx.fonts_mut(|f| f.has_glyphs(&egui::FontId::proportional(14.0), CHINESE));
        assert!(!ok);
    }
}
