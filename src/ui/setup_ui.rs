//! Draws the first-run setup guide ([`crate::app::setup::SetupWizard`]); returns what the user
//! asked for as [`SetupCommand`]s. Text fields are edited in place (the wizard keeps them).

use crate::app::setup::{explain, AccessKind, Probe, SetupCommand, SetupWizard, Step};
use crate::i18n::Msg;
use crate::ui::{theme, tr};
use crate::wechat::shop::ShopKind;
use crate::wechat::Lang;

/// The guide's width in points.
const WIDTH: f32 = 680.0;

/// Draws the guide as a modal window over the app.
pub fn setup_ui(ctx: &egui::Context, lang: Lang, w: &mut SetupWizard, out: &mut Vec<SetupCommand>) {
    let id = egui::Id::unique("setup_guide");
    // Anchored at the top, not centred: a step whose content grows (a list arriving, an error
    // under a field) does not move what is already under the pointer.
    let area = egui::Modal::default_area(id).anchor(egui::Align2::CENTER_TOP, [0.0, 48.0]);
    let modal = egui::Modal::new(id).area(area).show(ctx, |ui| {
        ui.set_width(WIDTH);
        ui.heading(format!(
            "{} · {}",
            tr(lang, "setup-title"),
            tr(lang, w.step.title_id())
        ));
        ui.label(
            Msg::id("setup-step-of")
                .arg("n", w.step.number())
                .arg("total", Step::ALL.len())
                .render(lang),
        );
        ui.separator();
        if w.demo.is_some() {
            demo_note_ui(ui, lang, w.step);
        }
        egui::ScrollArea::vertical()
            .max_height((ctx.content_rect().height() - 260.0).max(200.0))
            .show(ui, |ui| match w.step {
                Step::Access => access_ui(ui, lang, w, out),
                Step::Family => family_ui(ui, lang, w, out),
                Step::Couriers => couriers_ui(ui, lang, w, out),
                Step::Sender => sender_ui(ui, lang, w),
                Step::Printer => printer_ui(ui, lang, w, out),
                Step::Done => done_ui(ui, lang, w),
            });
        let problems = w.problems();
        for p in &problems {
            ui.colored_label(theme::WARN, tr(lang, p.msg_id()));
        }
        ui.separator();
        buttons_ui(ui, lang, w, problems.is_empty(), out);
    });
    // Esc or a click beside the guide hides it; what was typed stays for next time.
    if modal.should_close() {
        out.push(SetupCommand::Close);
    }
}

fn demo_note_ui(ui: &mut egui::Ui, lang: Lang, step: Step) {
    let note = match step {
        Step::Access => "setup-demo-access",
        Step::Family => "setup-demo-family",
        Step::Couriers => "setup-demo-couriers",
        Step::Sender => "setup-demo-sender",
        Step::Printer => "setup-demo-printer",
        Step::Done => "setup-done-demo",
    };
    egui::Frame::group(ui.style()).show(ui, |ui| {
        ui.colored_label(theme::WARN, tr(lang, "setup-demo-note"));
        ui.label(tr(lang, note));
    });
    ui.add_space(6.0);
}

fn buttons_ui(
    ui: &mut egui::Ui,
    lang: Lang,
    w: &SetupWizard,
    valid: bool,
    out: &mut Vec<SetupCommand>,
) {
    ui.horizontal(|ui| {
        if ui
            .add_enabled(
                w.step != Step::Access,
                egui::Button::new(tr(lang, "setup-back")),
            )
            .clicked()
        {
            out.push(SetupCommand::Back);
        }
        if ui.button(tr(lang, "setup-later")).clicked() {
            out.push(SetupCommand::Close);
        }
        ui.with_layout(egui::Layout::right_to_left(egui::Align::Center), |ui| {
            if w.step == Step::Done {
                let saving = w.saving.is_running();
                if ui
                    .add_enabled(!saving, egui::Button::new(tr(lang, "setup-finish")))
                    .clicked()
                {
                    out.push(SetupCommand::Finish);
                }
                if saving {
                    ui.spinner();
                }
            } else if ui
                .add_enabled(valid, egui::Button::new(tr(lang, "setup-next")))
                .clicked()
            {
                out.push(SetupCommand::Next);
            }
        });
    });
}

/// A label and a one-line text field it names (screen readers and tests find the field by it).
fn field(ui: &mut egui::Ui, label: &str, value: &mut String, password: bool) -> egui::Response {
    let l = ui.label(label);
    let r = ui
        .add(
            egui::TextEdit::singleline(value)
                .password(password)
                .desired_width(420.0),
        )
        .labelled_by(l.id);
    ui.end_row();
    r
}

fn access_ui(ui: &mut egui::Ui, lang: Lang, w: &mut SetupWizard, out: &mut Vec<SetupCommand>) {
    ui.horizontal(|ui| {
        ui.label(tr(lang, "setup-access-kind"));
        ui.radio_value(
            &mut w.access.kind,
            AccessKind::AppSecret,
            tr(lang, "setup-access-appsecret"),
        );
        ui.radio_value(
            &mut w.access.kind,
            AccessKind::TokenService,
            tr(lang, "setup-access-token-service"),
        );
    });
    egui::Grid::new("setup_access")
        .num_columns(2)
        .spacing([12.0, 8.0])
        .show(ui, |ui| {
            field(ui, &tr(lang, "setup-appid"), &mut w.access.appid, false);
            match w.access.kind {
                AccessKind::AppSecret => {
                    field(ui, &tr(lang, "setup-appsecret"), &mut w.access.secret, true);
                }
                AccessKind::TokenService => {
                    // It may carry a key: masked like the secret.
                    field(
                        ui,
                        &tr(lang, "setup-token-url"),
                        &mut w.access.token_url,
                        true,
                    );
                }
            }
        });
    ui.small(tr(lang, "setup-secret-hint"));
    ui.add_space(6.0);
    ui.horizontal(|ui| {
        let can = w.access.credentials().is_ok() && !w.check.is_running();
        if ui
            .add_enabled(can, egui::Button::new(tr(lang, "setup-check")))
            .clicked()
        {
            out.push(SetupCommand::Check);
        }
        match &w.check {
            Probe::Running => {
                ui.spinner();
                ui.label(tr(lang, "setup-checking"));
            }
            Probe::Done(n) if w.checked() => {
                ui.colored_label(
                    theme::OK,
                    Msg::id("setup-check-ok").arg("count", *n).render(lang),
                );
            }
            _ => {}
        }
    });
    if let Probe::Failed(e) = &w.check {
        ui.colored_label(theme::ERROR, tr(lang, "setup-check-failed"));
        ui.colored_label(theme::ERROR, explain(e, w.family, lang));
    }
}

fn family_name(lang: Lang, kind: ShopKind) -> String {
    tr(
        lang,
        match kind {
            ShopKind::Channels => "setup-family-channels",
            ShopKind::Minishop => "setup-family-minishop",
        },
    )
}

fn family_ui(ui: &mut egui::Ui, lang: Lang, w: &mut SetupWizard, out: &mut Vec<SetupCommand>) {
    match &w.family_found {
        Probe::Running | Probe::Idle => {
            ui.horizontal(|ui| {
                ui.spinner();
                ui.label(tr(lang, "setup-family-detecting"));
            });
        }
        Probe::Done(found) => match found.detected() {
            Some(kind) => {
                ui.colored_label(
                    theme::OK,
                    Msg::id("setup-family-detected")
                        .arg("family", family_name(lang, kind))
                        .render(lang),
                );
            }
            None => {
                ui.colored_label(theme::WARN, tr(lang, "setup-family-unknown"));
            }
        },
        Probe::Failed(e) => {
            ui.colored_label(theme::ERROR, explain(e, w.family, lang));
        }
    }
    ui.add_space(6.0);
    for kind in [ShopKind::Channels, ShopKind::Minishop] {
        if ui
            .radio(w.family == Some(kind), family_name(lang, kind))
            .clicked()
        {
            out.push(SetupCommand::PickFamily(kind));
        }
    }
    ui.add_space(6.0);
    if ui
        .add_enabled(
            !w.family_found.is_running(),
            egui::Button::new(tr(lang, "setup-family-detect-again")),
        )
        .clicked()
    {
        out.push(SetupCommand::DetectFamily);
    }
}

fn couriers_ui(ui: &mut egui::Ui, lang: Lang, w: &mut SetupWizard, out: &mut Vec<SetupCommand>) {
    match &w.accounts {
        Probe::Running | Probe::Idle => {
            ui.horizontal(|ui| {
                ui.spinner();
                ui.label(tr(lang, "setup-accounts-loading"));
            });
        }
        Probe::Failed(e) => {
            ui.colored_label(theme::ERROR, explain(e, w.family, lang));
        }
        Probe::Done(list) if list.is_empty() => {
            ui.colored_label(theme::WARN, tr(lang, "setup-accounts-none"));
        }
        Probe::Done(list) => {
            egui::Grid::new("setup_accounts")
                .num_columns(4)
                .striped(true)
                .spacing([16.0, 6.0])
                .show(ui, |ui| {
                    ui.strong(tr(lang, "setup-account-courier"));
                    ui.strong(tr(lang, "setup-account-bizid"));
                    ui.strong(tr(lang, "setup-account-quota"));
                    ui.strong(tr(lang, "setup-account-state"));
                    ui.end_row();
                    for (i, a) in list.iter().enumerate() {
                        let chosen =
                            w.account.as_ref() == Some(&(a.delivery_id.clone(), a.biz_id.clone()));
                        let name = format!("{} ({})", a.delivery_name, a.delivery_id);
                        if ui.radio(chosen, name).clicked() {
                            out.push(SetupCommand::PickAccount(i));
                        }
                        if a.alias.is_empty() {
                            ui.label(&a.biz_id);
                        } else {
                            ui.label(format!("{} · {}", a.biz_id, a.alias));
                        }
                        match (a.cash, a.quota) {
                            (true, _) => ui.label(tr(lang, "setup-account-cash")),
                            (false, Some(q)) if q <= 0 => {
                                ui.colored_label(theme::ERROR, q.to_string())
                            }
                            (false, Some(q)) => ui.label(q.to_string()),
                            (false, None) => ui.weak(tr(lang, "setup-account-no-quota")),
                        };
                        if a.bound {
                            ui.colored_label(theme::OK, tr(lang, "setup-account-bound"));
                        } else {
                            let text = if a.remark.is_empty() {
                                tr(lang, "setup-account-unbound")
                            } else {
                                format!("{}: {}", tr(lang, "setup-account-unbound"), a.remark)
                            };
                            ui.colored_label(theme::ERROR, text);
                        }
                        ui.end_row();
                    }
                });
        }
    }
    ui.add_space(6.0);
    if ui
        .add_enabled(
            !w.accounts.is_running(),
            egui::Button::new(tr(lang, "setup-accounts-reload")),
        )
        .clicked()
    {
        out.push(SetupCommand::LoadAccounts);
    }
}

fn sender_ui(ui: &mut egui::Ui, lang: Lang, w: &mut SetupWizard) {
    let s = &mut w.sender;
    egui::Grid::new("setup_sender")
        .num_columns(2)
        .spacing([12.0, 8.0])
        .show(ui, |ui| {
            field(ui, &tr(lang, "setup-sender-name"), &mut s.name, false);
            field(ui, &tr(lang, "setup-sender-phone"), &mut s.phone, false);
            field(
                ui,
                &tr(lang, "setup-sender-province"),
                &mut s.province,
                false,
            );
            field(ui, &tr(lang, "setup-sender-city"), &mut s.city, false);
            field(ui, &tr(lang, "setup-sender-area"), &mut s.area, false);
            field(ui, &tr(lang, "setup-sender-address"), &mut s.address, false);
        });
}

fn printer_ui(ui: &mut egui::Ui, lang: Lang, w: &mut SetupWizard, out: &mut Vec<SetupCommand>) {
    if w.printers.is_empty() {
        ui.colored_label(theme::WARN, tr(lang, "setup-printer-none"));
        return;
    }
    let printers = w.printers.clone();
    if let Some(c) =
        crate::ui::setup_printer_ui::setup_printer_ui(ui, lang, &mut w.printer, &printers)
    {
        out.push(SetupCommand::Printer(c));
    }
}

fn done_ui(ui: &mut egui::Ui, lang: Lang, w: &SetupWizard) {
    let s = w.settings();
    ui.label(tr(lang, "setup-done-summary"));
    ui.add_space(4.0);
    ui.label(
        Msg::id("setup-done-shop")
            .arg("appid", w.access.appid.trim().to_string())
            .arg("family", family_name(lang, s.shop))
            .render(lang),
    );
    let courier = w
        .chosen_account()
        .map(|a| a.delivery_name.clone())
        .unwrap_or_else(|| s.delivery_id.clone());
    ui.label(
        Msg::id("setup-done-courier")
            .arg("courier", courier)
            .arg("biz", s.biz_id.clone())
            .render(lang),
    );
    if let Some(p) = &s.sender {
        let phone = if p.mobile.is_empty() {
            &p.tel
        } else {
            &p.mobile
        };
        ui.label(
            Msg::id("setup-done-sender")
                .arg("name", p.name.clone())
                .arg("phone", phone.clone())
                .arg(
                    "address",
                    format!("{}{}{}{}", p.province, p.city, p.area, p.address),
                )
                .render(lang),
        );
    }
    if !s.printer.is_empty() {
        ui.label(
            Msg::id("setup-done-printer")
                .arg("printer", s.printer.clone())
                .render(lang),
        );
    }
    ui.add_space(6.0);
    if w.needs_restart() {
        ui.colored_label(theme::WARN, tr(lang, "setup-done-restart"));
    }
    if w.saving.is_running() {
        ui.label(tr(lang, "setup-saving"));
    }
    if let Some(e) = &w.save_error {
        ui.colored_label(
            theme::ERROR,
            Msg::id("setup-save-failed")
                .arg("error", e.clone())
                .render(lang),
        );
    }
}
