//! Colours and spacing, in one place.

use egui::Color32;

pub const OK: Color32 = Color32::from_rgb(0x1b, 0x8a, 0x3c);
pub const ERROR: Color32 = Color32::from_rgb(0xc6, 0x28, 0x28);
pub const WARN: Color32 = Color32::from_rgb(0xb2, 0x6a, 0x00);
pub const NOTE_BG: Color32 = Color32::from_rgb(0xff, 0xf3, 0xc4);
pub const NOTE_FG: Color32 = Color32::from_rgb(0x7a, 0x3e, 0x00);
pub const DEMO_BG: Color32 = Color32::from_rgb(0xe3, 0xf0, 0xff);
pub const SCAN_OK_BG: Color32 = Color32::from_rgb(0xd8, 0xf5, 0xdf);
pub const SCAN_FAIL_BG: Color32 = Color32::from_rgb(0xfd, 0xde, 0xde);
pub const SCAN_WARN_BG: Color32 = Color32::from_rgb(0xff, 0xe8, 0xb8);
/// Text of orders that take no courier (self-pickup, same-city, virtual...).
pub const GREYED: Color32 = Color32::from_gray(0x9a);
pub const ROW_HEIGHT: f32 = 22.0;
pub const SCAN_FONT_SIZE: f32 = 28.0;

/// The app's look: light, readable at arm's length.
pub fn apply(ctx: &egui::Context) {
    ctx.set_visuals(egui::Visuals::light());
    ctx.all_styles_mut(|style| {
        style.spacing.item_spacing = egui::vec2(8.0, 6.0);
        style.spacing.button_padding = egui::vec2(10.0, 5.0);
        for (text_style, font) in style.text_styles.iter_mut() {
            font.size = match text_style {
                egui::TextStyle::Heading => 20.0,
                egui::TextStyle::Small => 12.0,
                _ => 15.0,
            };
        }
    });
}
