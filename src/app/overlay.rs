//! The label preview is a child window above egui's GL surface: anything egui draws over its
//! rectangle (a modal and its backdrop, a combo box's list, a toast, the settings window, a
//! tooltip) would be hidden behind the label. The rule: the preview shows only while no egui
//! layer above the panels overlaps it.

/// True when an egui layer above the panels (windows, popups, modals, toasts, tooltips) was
/// drawn over `rect` this frame or the last.
pub fn overlay_covers(ctx: &egui::Context, rect: egui::Rect) -> bool {
    ctx.memory(|m| {
        m.areas()
            .visible_layer_ids()
            .into_iter()
            .filter(|layer| layer.order != egui::Order::Background)
            .filter_map(|layer| m.area_rect(layer.id))
            .any(|r| r.intersects(rect))
    })
}

/// What the preview should do this frame.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum PreviewShow {
    /// Show the focused order's label here.
    Show,
    /// Keep the label but hide the view (something egui draws is over it).
    Hide,
    /// No label for the focused order: hide and forget what was shown, so an old label never
    /// stands in for this order's detail.
    Clear,
}

/// Decides from whether the focused order has a label, whether a modal question is open, and
/// whether an egui overlay covers the preview's area.
pub fn decide(has_label: bool, modal_open: bool, covered: bool) -> PreviewShow {
    match (has_label, modal_open || covered) {
        (false, _) => PreviewShow::Clear,
        (true, true) => PreviewShow::Hide,
        (true, false) => PreviewShow::Show,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_preview_shows_only_with_a_label_and_nothing_over_it() {
        assert_eq!(decide(true, false, false), PreviewShow::Show);
        assert_eq!(decide(true, true, false), PreviewShow::Hide);
        assert_eq!(decide(true, false, true), PreviewShow::Hide);
        assert_eq!(decide(false, false, false), PreviewShow::Clear);
    }

    #[test]
    fn a_combo_box_list_over_the_preview_counts_as_covering_it() {
        let ctx = egui::Context::default();
        let preview = egui::Rect::from_min_size(egui::pos2(300.0, 0.0), egui::vec2(200.0, 300.0));
        let mut covered = Vec::new();
        for frame in 0..3 {
            let mut output = ctx.run_ui(egui::RawInput::default(), |ui| {
                egui::CentralPanel::default().show(ui, |ui| {
                    ui.label("table");
                });
                if frame >= 1 {
                    egui::Area::new(egui::Id::unique("popup"))
                        .order(egui::Order::Foreground)
                        .fixed_pos(egui::pos2(320.0, 40.0))
                        .show(ui.ctx(), |ui| {
                            ui.label("a long list entry over the preview");
                        });
                }
            });
            output.textures_delta.clear();
            covered.push(overlay_covers(&ctx, preview));
        }
        assert_eq!(covered, vec![false, true, true]);
    }
}
