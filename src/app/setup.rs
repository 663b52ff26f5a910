//! The first-run setup guide: shop access (AppID + AppSecret or a token service, checked with
//! one call), shop family, courier account, sender address, printer, done. A state machine
//! ([`SetupWizard`]: `on_command` / `on_event`) unit-tested without egui; the network and
//! keychain work it asks for runs on the tokio runtime ([`SetupWorker`]) and comes back as a
//! [`SetupEvent`]. Drawing is `crate::ui::setup_ui`.

use std::hash::{Hash, Hasher};
use std::sync::{mpsc, Arc};

use crate::credentials::{CredentialStore, Credentials};
use crate::i18n::Msg;
use crate::settings::Settings;
use crate::wechat::logistics::{Courier, CourierAccount, WaybillParty};
use crate::wechat::shop::ShopKind;
use crate::wechat::{ClientConfig, Lang, RetryConfig, TokenSource, WechatClient};

/// The steps, in order.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Step {
    Access,
    Family,
    Couriers,
    Sender,
    Printer,
    Done,
}

impl Step {
    pub const ALL: [Step; 6] = [
        Step::Access,
        Step::Family,
        Step::Couriers,
        Step::Sender,
        Step::Printer,
        Step::Done,
    ];

    /// 1-based, as the guide shows it ("第 2 步,共 6 步").
    pub fn number(self) -> usize {
        Step::ALL.iter().position(|s| *s == self).unwrap_or(0) + 1
    }

    fn next(self) -> Step {
        Step::ALL.get(self.number()).copied().unwrap_or(Step::Done)
    }

    fn prev(self) -> Step {
        Step::ALL
            .get(self.number().saturating_sub(2))
            .copied()
            .unwrap_or(Step::Access)
    }

    /// The message id of its title.
    pub fn title_id(self) -> &'static str {
        match self {
            Step::Access => "setup-step-access",
            Step::Family => "setup-step-family",
            Step::Couriers => "setup-step-couriers",
            Step::Sender => "setup-step-sender",
            Step::Printer => "setup-step-printer",
            Step::Done => "setup-step-done",
        }
    }
}

/// How the station proves it may call the shop's APIs.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Hash)]
pub enum AccessKind {
    #[default]
    AppSecret,
    TokenService,
}

/// Step 1 as typed. The AppSecret and the token-service URL (it may carry a key) never print.
#[derive(Clone, Default, PartialEq)]
pub struct AccessForm {
    pub kind: AccessKind,
    pub appid: String,
    pub secret: String,
    pub token_url: String,
}

impl std::fmt::Debug for AccessForm {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("AccessForm")
            .field("kind", &self.kind)
            .field("appid", &self.appid)
            .field("secret", &"***")
            .field("token_url", &"***")
            .finish()
    }
}

impl AccessForm {
    /// Identifies what was checked, so an edit after a check asks for a new one (the secret
    /// itself is not kept twice).
    fn fingerprint(&self) -> u64 {
        let mut h = std::collections::hash_map::DefaultHasher::new();
        (self.kind, self.appid.trim()).hash(&mut h);
        match self.kind {
            AccessKind::AppSecret => self.secret.trim_end_matches(['\r', '\n']).hash(&mut h),
            AccessKind::TokenService => self.token_url.trim().hash(&mut h),
        }
        h.finish()
    }

    /// The credentials, or what is wrong with the form.
    pub fn credentials(&self) -> Result<Credentials, Invalid> {
        let appid = self.appid.trim();
        if appid.is_empty() {
            return Err(Invalid::AppidEmpty);
        }
        if appid.len() > 64
            || !appid
                .chars()
                .all(|c| c.is_ascii_alphanumeric() || c == '_' || c == '-')
        {
            return Err(Invalid::AppidFormat);
        }
        match self.kind {
            AccessKind::AppSecret => {
                let secret = self.secret.trim_end_matches(['\r', '\n']);
                if secret.is_empty() {
                    return Err(Invalid::SecretEmpty);
                }
                if secret.chars().any(|c| c.is_whitespace() || c.is_control()) {
                    return Err(Invalid::SecretSpaces);
                }
                Credentials::app_secret(appid, secret).map_err(|_| Invalid::SecretSpaces)
            }
            AccessKind::TokenService => {
                if self.token_url.trim().is_empty() {
                    return Err(Invalid::UrlEmpty);
                }
                Credentials::token_service(appid, &self.token_url).map_err(|_| Invalid::UrlBad)
            }
        }
    }
}

/// Step 4 as typed.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct SenderForm {
    pub name: String,
    /// An 11-digit mainland mobile, or a landline with its area code (0571-88886666).
    pub phone: String,
    pub province: String,
    pub city: String,
    pub area: String,
    pub address: String,
}

/// What a phone number is.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum PhoneKind {
    Mobile,
    Landline,
}

/// An 11-digit mainland mobile (1[3-9]…) or a landline with area code (0xx[x]-7/8 digits,
/// optional extension); spaces and dashes between digit groups are allowed.
pub fn phone_kind(phone: &str) -> Option<PhoneKind> {
    let p = phone.trim();
    let digits: String = p.chars().filter(|c| c.is_ascii_digit()).collect();
    if p.is_empty()
        || p.chars()
            .any(|c| !(c.is_ascii_digit() || c == '-' || c == ' '))
    {
        return None;
    }
    let d = digits.as_bytes();
    if d.len() == 11 && d[0] == b'1' && (b'3'..=b'9').contains(&d[1]) && !p.starts_with('0') {
        return Some(PhoneKind::Mobile);
    }
    // Landline: area code 0 + 2 or 3 digits, a dash (or space), 7 or 8 digits, maybe an
    // extension after another dash.
    let groups: Vec<&str> = p.split(['-', ' ']).filter(|g| !g.is_empty()).collect();
    let area_ok = |g: &str| g.starts_with('0') && (3..=4).contains(&g.len());
    let local_ok = |g: &str| (7..=8).contains(&g.len()) && !g.starts_with('0');
    match groups.as_slice() {
        [area, local] => (area_ok(area) && local_ok(local)).then_some(PhoneKind::Landline),
        [area, local, ext] => (area_ok(area) && local_ok(local) && (1..=6).contains(&ext.len()))
            .then_some(PhoneKind::Landline),
        _ => None,
    }
}

impl SenderForm {
    fn from_party(p: &WaybillParty) -> Self {
        SenderForm {
            name: p.name.clone(),
            phone: if p.mobile.is_empty() {
                p.tel.clone()
            } else {
                p.mobile.clone()
            },
            province: p.province.clone(),
            city: p.city.clone(),
            area: p.area.clone(),
            address: p.address.clone(),
        }
    }

    /// Everything wrong with it (empty when it can be saved), in the order of the fields.
    pub fn problems(&self) -> Vec<Invalid> {
        let mut out = Vec::new();
        let blank = |s: &str| s.trim().is_empty();
        if blank(&self.name) {
            out.push(Invalid::NameEmpty);
        }
        if blank(&self.phone) {
            out.push(Invalid::PhoneEmpty);
        } else if phone_kind(&self.phone).is_none() {
            out.push(Invalid::PhoneBad);
        }
        if blank(&self.province) {
            out.push(Invalid::ProvinceEmpty);
        }
        if blank(&self.city) {
            out.push(Invalid::CityEmpty);
        }
        if blank(&self.area) {
            out.push(Invalid::AreaEmpty);
        }
        if blank(&self.address) {
            out.push(Invalid::AddressEmpty);
        } else if self.address.trim().chars().count() < 4 {
            out.push(Invalid::AddressShort);
        }
        out
    }

    /// The sender of every waybill (a landline goes into `tel`, a mobile into `mobile`).
    pub fn party(&self) -> WaybillParty {
        let phone: String = self.phone.trim().to_string();
        let (mobile, tel) = match phone_kind(&phone) {
            Some(PhoneKind::Mobile) => (phone.replace([' ', '-'], ""), String::new()),
            _ => (String::new(), phone),
        };
        WaybillParty {
            name: self.name.trim().into(),
            mobile,
            tel,
            province: self.province.trim().into(),
            city: self.city.trim().into(),
            area: self.area.trim().into(),
            address: self.address.trim().into(),
            ..WaybillParty::default()
        }
    }
}

/// Why a step cannot go on yet; each has its words in `setup.ftl`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Invalid {
    AppidEmpty,
    AppidFormat,
    SecretEmpty,
    SecretSpaces,
    UrlEmpty,
    UrlBad,
    /// The form is fine but has not been checked (or was edited after the check).
    NotChecked,
    NoFamily,
    NoAccount,
    AccountNotBound,
    NameEmpty,
    PhoneEmpty,
    PhoneBad,
    ProvinceEmpty,
    CityEmpty,
    AreaEmpty,
    AddressEmpty,
    AddressShort,
    NoPrinter,
}

impl Invalid {
    /// The message id that says what to do.
    pub fn msg_id(self) -> &'static str {
        match self {
            Invalid::AppidEmpty => "setup-invalid-appid-empty",
            Invalid::AppidFormat => "setup-invalid-appid-format",
            Invalid::SecretEmpty => "setup-invalid-secret-empty",
            Invalid::SecretSpaces => "setup-invalid-secret-spaces",
            Invalid::UrlEmpty => "setup-invalid-url-empty",
            Invalid::UrlBad => "setup-invalid-url-bad",
            Invalid::NotChecked => "setup-invalid-not-checked",
            Invalid::NoFamily => "setup-invalid-no-family",
            Invalid::NoAccount => "setup-invalid-no-account",
            Invalid::AccountNotBound => "setup-invalid-account-not-bound",
            Invalid::NameEmpty => "setup-invalid-name-empty",
            Invalid::PhoneEmpty => "setup-invalid-phone-empty",
            Invalid::PhoneBad => "setup-invalid-phone-bad",
            Invalid::ProvinceEmpty => "setup-invalid-province-empty",
            Invalid::CityEmpty => "setup-invalid-city-empty",
            Invalid::AreaEmpty => "setup-invalid-area-empty",
            Invalid::AddressEmpty => "setup-invalid-address-empty",
            Invalid::AddressShort => "setup-invalid-address-short",
            Invalid::NoPrinter => "setup-invalid-no-printer",
        }
    }
}

/// One background question of the guide.
#[derive(Debug, Clone, PartialEq, Default)]
pub enum Probe<T> {
    #[default]
    Idle,
    Running,
    Done(T),
    Failed(crate::wechat::WechatError),
}

impl<T> Probe<T> {
    pub fn is_running(&self) -> bool {
        matches!(self, Probe::Running)
    }
    pub fn value(&self) -> Option<&T> {
        match self {
            Probe::Done(v) => Some(v),
            _ => None,
        }
    }
}

/// What the shop-family probe found: each family's cheap read and how it answered.
#[derive(Debug, Clone, PartialEq)]
pub struct FamilyFound {
    /// `None`: the family's read answered; `Some(code)`: it failed with this errcode (48001:
    /// not this family), or `Some(-1)` for a failure without a code.
    pub channels: Option<i64>,
    pub minishop: Option<i64>,
}

impl FamilyFound {
    /// The family that answered when exactly one did.
    pub fn detected(&self) -> Option<ShopKind> {
        match (self.channels, self.minishop) {
            (None, Some(_)) => Some(ShopKind::Channels),
            (Some(_), None) => Some(ShopKind::Minishop),
            _ => None,
        }
    }
}

/// A courier account the guide offers: a bound account (`getAllAccount`) or a courier's cash
/// account (`getAllDelivery`'s `cash_biz_id`), with the courier's name.
#[derive(Debug, Clone, PartialEq)]
pub struct AccountChoice {
    pub delivery_id: String,
    pub delivery_name: String,
    pub biz_id: String,
    pub alias: String,
    /// Labels left, where the courier reports it.
    pub quota: Option<i64>,
    /// False for an account whose binding is not through (under review, failed).
    pub bound: bool,
    /// Why binding failed, as the courier said it.
    pub remark: String,
    /// A cash (现付) account: billed per label, no quota.
    pub cash: bool,
}

/// The two lists combined: every bound account, then each cash account not already listed.
pub fn account_choices(accounts: &[CourierAccount], couriers: &[Courier]) -> Vec<AccountChoice> {
    let name = |id: &str| {
        couriers
            .iter()
            .find(|c| c.delivery_id.0 == id)
            .map(|c| c.delivery_name.clone())
            .unwrap_or_else(|| id.to_string())
    };
    let mut out: Vec<AccountChoice> = accounts
        .iter()
        .map(|a| AccountChoice {
            delivery_id: a.delivery_id.0.clone(),
            delivery_name: name(&a.delivery_id.0),
            biz_id: a.biz_id.clone(),
            alias: a.alias.clone(),
            quota: a.quota_num,
            bound: a.is_bound(),
            remark: a.remark_wrong_msg.clone(),
            cash: couriers
                .iter()
                .any(|c| c.delivery_id == a.delivery_id && c.cash_biz_id == a.biz_id),
        })
        .collect();
    for c in couriers
        .iter()
        .filter(|c| c.can_use_cash == 1 && !c.cash_biz_id.is_empty())
    {
        if !out
            .iter()
            .any(|a| a.delivery_id == c.delivery_id.0 && a.biz_id == c.cash_biz_id)
        {
            out.push(AccountChoice {
                delivery_id: c.delivery_id.0.clone(),
                delivery_name: c.delivery_name.clone(),
                biz_id: c.cash_biz_id.clone(),
                alias: String::new(),
                quota: None,
                bound: true,
                remark: String::new(),
                cash: true,
            });
        }
    }
    out
}

/// Where the guide's calls go, with which credentials.
#[derive(Debug, Clone)]
pub struct ProbeTarget {
    pub api_base: url::Url,
    pub source: TokenSource,
}

/// In demo mode: the embedded sandbox and its values, filled into the guide.
#[derive(Debug, Clone)]
pub struct DemoValues {
    pub sandbox_url: url::Url,
    pub appid: String,
    pub secret: String,
}

/// What the guide was opened with.
#[derive(Debug, Clone)]
pub struct SetupStart {
    pub settings: Settings,
    /// The AppID the station works as now (empty in demo mode).
    pub appid: String,
    pub demo: Option<DemoValues>,
    /// The printers the station sees.
    pub printers: Vec<String>,
}

/// What the user did.
#[derive(Debug, Clone, PartialEq)]
pub enum SetupCommand {
    Next,
    Back,
    /// Step 1: check the access with one call.
    Check,
    /// Step 2: ask both families again.
    DetectFamily,
    /// Step 2: the user's choice (wins over the detection).
    PickFamily(ShopKind),
    /// Step 3: load the accounts again.
    LoadAccounts,
    /// Step 3: pick an account (index into the choices).
    PickAccount(usize),
    /// Step 5: what the printer step (engineer E's `setup_printer`) asked for; the app runs it
    /// through `WaybillApp::printer_step_command`.
    Printer(crate::app::setup_printer::PrinterStepCommand),
    /// Step 6: save everything and go to the orders.
    Finish,
    /// Close the guide (Esc, the window's ×, "later"): what was typed stays for next time.
    Close,
}

/// What the app must do for the guide.
#[derive(Debug)]
pub enum SetupEffect {
    Nothing,
    Check {
        generation: u64,
        target: ProbeTarget,
    },
    DetectFamily {
        generation: u64,
        target: ProbeTarget,
    },
    LoadAccounts {
        generation: u64,
        target: ProbeTarget,
    },
    /// Store the credentials in the keychain (`None`: nothing to store, e.g. demo values).
    SaveCredentials(Option<Credentials>),
    /// Hide the guide (its state is kept).
    Close,
}

/// A finished background job.
#[derive(Debug, Clone)]
pub enum SetupEvent {
    Checked {
        generation: u64,
        result: Result<usize, crate::wechat::WechatError>,
    },
    Family {
        generation: u64,
        result: FamilyFound,
    },
    Accounts {
        generation: u64,
        result: Result<Vec<AccountChoice>, crate::wechat::WechatError>,
    },
    /// The keychain answered: where the secret lives, or why it could not be stored.
    CredentialsSaved(Result<Option<String>, String>),
}

/// The guide's state.
#[derive(Debug, Clone)]
pub struct SetupWizard {
    pub step: Step,
    pub demo: Option<DemoValues>,
    pub access: AccessForm,
    pub check: Probe<usize>,
    checked: Option<u64>,
    pub family_found: Probe<FamilyFound>,
    pub family: Option<ShopKind>,
    /// True once the user picked a family themselves (a later detection does not override it).
    family_overridden: bool,
    pub accounts: Probe<Vec<AccountChoice>>,
    /// The chosen `(delivery_id, biz_id)`.
    pub account: Option<(String, String)>,
    pub sender: SenderForm,
    pub printers: Vec<String>,
    /// Step 5: printer, label size, test label and calibration.
    pub printer: crate::app::setup_printer::PrinterStep,
    /// Saving at the end: pending, or why it failed.
    pub saving: Probe<()>,
    pub save_error: Option<String>,
    /// Where the secret was stored, once it was.
    pub stored_in: Option<String>,
    settings: Settings,
    /// The AppID the running station uses (a different one needs a restart to take effect).
    running_appid: String,
    api_base: String,
    generation: u64,
}

impl SetupWizard {
    /// A guide prefilled from the settings, or in demo mode with the sandbox's values.
    pub fn new(start: SetupStart) -> Self {
        let s = &start.settings;
        let mut access = AccessForm {
            appid: start.appid.clone(),
            ..AccessForm::default()
        };
        let mut sender = s
            .sender
            .as_ref()
            .map(SenderForm::from_party)
            .unwrap_or_default();
        let mut account = (!s.delivery_id.is_empty() && !s.biz_id.is_empty())
            .then(|| (s.delivery_id.clone(), s.biz_id.clone()));
        let printer = crate::app::setup_printer::PrinterStep::new(s);
        if let Some(demo) = &start.demo {
            access.appid = demo.appid.clone();
            access.secret = demo.secret.clone();
            if sender == SenderForm::default() {
                sender = demo_sender();
            }
            account.get_or_insert_with(|| ("SF".into(), "SF_CASH".into()));
        }
        SetupWizard {
            step: Step::Access,
            demo: start.demo,
            access,
            check: Probe::Idle,
            checked: None,
            family_found: Probe::Idle,
            family: Some(s.shop),
            family_overridden: false,
            accounts: Probe::Idle,
            account,
            sender,
            printers: start.printers,
            printer,
            saving: Probe::Idle,
            save_error: None,
            stored_in: None,
            running_appid: start.appid,
            api_base: s.api_base.clone(),
            settings: start.settings,
            generation: 0,
        }
    }

    /// True when the form holds the sandbox's own values (the guide's calls go to the sandbox
    /// and nothing is stored in the keychain).
    pub fn uses_demo_values(&self) -> bool {
        self.demo.as_ref().is_some_and(|d| {
            self.access.kind == AccessKind::AppSecret
                && self.access.appid.trim() == d.appid
                && self.access.secret == d.secret
        })
    }

    /// True when the check passed for what is in the form now.
    pub fn checked(&self) -> bool {
        self.checked == Some(self.access.fingerprint()) && matches!(self.check, Probe::Done(_))
    }

    /// Why the current step cannot go on (empty: Next is enabled).
    pub fn problems(&self) -> Vec<Invalid> {
        match self.step {
            Step::Access => match self.access.credentials() {
                Err(e) => vec![e],
                Ok(_) if !self.checked() => vec![Invalid::NotChecked],
                Ok(_) => Vec::new(),
            },
            Step::Family => match self.family {
                None => vec![Invalid::NoFamily],
                Some(_) => Vec::new(),
            },
            Step::Couriers => match (&self.account, self.chosen_account()) {
                (None, _) => vec![Invalid::NoAccount],
                (Some(_), Some(a)) if !a.bound => vec![Invalid::AccountNotBound],
                _ => Vec::new(),
            },
            Step::Sender => self.sender.problems(),
            // With no printer at all the station can still be set up (and print to PDF later).
            Step::Printer if !self.printer.is_done() && !self.printers.is_empty() => {
                vec![Invalid::NoPrinter]
            }
            Step::Printer | Step::Done => Vec::new(),
        }
    }

    /// The chosen account among those loaded.
    pub fn chosen_account(&self) -> Option<&AccountChoice> {
        let (d, b) = self.account.as_ref()?;
        self.accounts
            .value()?
            .iter()
            .find(|a| &a.delivery_id == d && &a.biz_id == b)
    }

    /// Where the calls go for what is in the form: the sandbox for its own values, else the API
    /// base of the settings (WeChat's host when empty).
    fn target(&self) -> Result<ProbeTarget, Invalid> {
        let credentials = self.access.credentials()?;
        let api_base = match (&self.demo, self.uses_demo_values()) {
            (Some(demo), true) => demo.sandbox_url.clone(),
            _ => crate::resolve::api_base(&crate::resolve::ConnectRequest {
                settings_api_base: self.api_base.clone(),
                ..Default::default()
            })
            .map_err(|_| Invalid::UrlBad)?,
        };
        Ok(ProbeTarget {
            api_base,
            source: credentials.token_source(),
        })
    }

    fn probe(&mut self, make: impl FnOnce(u64, ProbeTarget) -> SetupEffect) -> SetupEffect {
        match self.target() {
            Ok(target) => {
                self.generation += 1;
                make(self.generation, target)
            }
            Err(_) => SetupEffect::Nothing,
        }
    }

    /// Carries out what the user asked for; returns what the app must do.
    pub fn on_command(&mut self, command: SetupCommand) -> SetupEffect {
        match command {
            SetupCommand::Check => {
                if self.access.credentials().is_err() || self.check.is_running() {
                    return SetupEffect::Nothing;
                }
                self.check = Probe::Running;
                self.checked = Some(self.access.fingerprint());
                self.probe(|generation, target| SetupEffect::Check { generation, target })
            }
            SetupCommand::Next => {
                if !self.problems().is_empty() || self.step == Step::Done {
                    return SetupEffect::Nothing;
                }
                self.step = self.step.next();
                self.on_enter()
            }
            SetupCommand::Back => {
                self.step = self.step.prev();
                SetupEffect::Nothing
            }
            SetupCommand::DetectFamily => {
                self.family_found = Probe::Running;
                self.probe(|generation, target| SetupEffect::DetectFamily { generation, target })
            }
            SetupCommand::PickFamily(kind) => {
                self.family = Some(kind);
                self.family_overridden = true;
                SetupEffect::Nothing
            }
            SetupCommand::LoadAccounts => {
                self.accounts = Probe::Running;
                self.probe(|generation, target| SetupEffect::LoadAccounts { generation, target })
            }
            SetupCommand::PickAccount(i) => {
                if let Some(a) = self.accounts.value().and_then(|l| l.get(i)) {
                    self.account = Some((a.delivery_id.clone(), a.biz_id.clone()));
                }
                SetupEffect::Nothing
            }
            // Carried out by the app (it prints the test label); never reaches the wizard.
            SetupCommand::Printer(_) => SetupEffect::Nothing,
            SetupCommand::Finish => {
                if self.step != Step::Done || self.saving.is_running() {
                    return SetupEffect::Nothing;
                }
                self.saving = Probe::Running;
                self.save_error = None;
                let credentials = if self.uses_demo_values() {
                    None
                } else {
                    self.access.credentials().ok()
                };
                SetupEffect::SaveCredentials(credentials)
            }
            SetupCommand::Close => SetupEffect::Close,
        }
    }

    /// Entering a step starts what it needs (once; Back and Next again keep the results).
    fn on_enter(&mut self) -> SetupEffect {
        match self.step {
            Step::Family if matches!(self.family_found, Probe::Idle) => {
                self.on_command(SetupCommand::DetectFamily)
            }
            Step::Couriers if matches!(self.accounts, Probe::Idle) => {
                self.on_command(SetupCommand::LoadAccounts)
            }
            _ => SetupEffect::Nothing,
        }
    }

    /// Takes a finished background job. A result for older form values is dropped.
    pub fn on_event(&mut self, event: SetupEvent) {
        match event {
            SetupEvent::Checked { generation, result } if generation == self.generation => {
                self.check = match result {
                    Ok(n) => Probe::Done(n),
                    Err(e) => Probe::Failed(e),
                };
                // A new AppID: what was found for the old one is asked again.
                self.family_found = Probe::Idle;
                self.accounts = Probe::Idle;
            }
            SetupEvent::Family { generation, result } if generation == self.generation => {
                if let (Some(kind), false) = (result.detected(), self.family_overridden) {
                    self.family = Some(kind);
                }
                self.family_found = Probe::Done(result);
            }
            SetupEvent::Accounts { generation, result } if generation == self.generation => {
                self.accounts = match result {
                    Ok(list) => {
                        let keep = self.account.as_ref().is_some_and(|(d, b)| {
                            list.iter().any(|a| &a.delivery_id == d && &a.biz_id == b)
                        });
                        if !keep {
                            // The first usable one, so a shop with one account just goes on.
                            self.account = list
                                .iter()
                                .find(|a| a.bound)
                                .map(|a| (a.delivery_id.clone(), a.biz_id.clone()));
                        }
                        Probe::Done(list)
                    }
                    Err(e) => Probe::Failed(e),
                };
            }
            SetupEvent::CredentialsSaved(result) => match result {
                Ok(place) => {
                    self.stored_in = place;
                    self.saving = Probe::Done(());
                }
                Err(e) => {
                    self.save_error = Some(e);
                    self.saving = Probe::Idle;
                }
            },
            _ => {}
        }
    }

    /// The settings the guide leads to (the app saves them when [`SetupWizard::finished`]).
    pub fn settings(&self) -> Settings {
        let mut s = self.settings.clone();
        if let Some(kind) = self.family {
            s.shop = kind;
        }
        if let Some((d, b)) = &self.account {
            s.delivery_id = d.clone();
            s.biz_id = b.clone();
        }
        if self.sender.problems().is_empty() {
            s.sender = Some(self.sender.party());
        }
        if self.printer.is_done() {
            self.printer.apply_to(&mut s);
        }
        s.setup_done = true;
        s
    }

    /// True once everything was stored: the app saves [`SetupWizard::settings`] and closes.
    pub fn finished(&self) -> bool {
        matches!(self.saving, Probe::Done(()))
    }

    /// True when the station must start again to work as the AppID set up here (the running
    /// connection was made at start).
    pub fn needs_restart(&self) -> bool {
        !self.uses_demo_values() && self.access.appid.trim() != self.running_appid
    }
}

/// The sandbox's warehouse, filled in for demo mode (a real shop types its own).
fn demo_sender() -> SenderForm {
    SenderForm {
        name: "演示仓库".into(),
        phone: "13800138000".into(),
        province: "浙江省".into(),
        city: "杭州市".into(),
        area: "余杭区".into(),
        address: "文一西路 969 号 演示仓".into(),
    }
}

/// The errcode of a failed call, when WeChat gave one.
fn errcode(e: &crate::wechat::WechatError) -> Option<i64> {
    e.errcode()
}

/// The outbound IP in a 40164 message ("invalid ip 1.2.3.4 ipv6 ::ffff:1.2.3.4, not in
/// whitelist rid: ..."), when it is there.
pub fn ip_in_message(errmsg: &str) -> Option<String> {
    let rest = &errmsg[errmsg.find("invalid ip")? + "invalid ip".len()..];
    let ip: String = rest
        .trim_start()
        .chars()
        .take_while(|c| c.is_ascii_hexdigit() || *c == '.' || *c == ':')
        .collect();
    (ip.parse::<std::net::IpAddr>().is_ok()).then_some(ip)
}

/// What a failed guide call means for a new shop and what to do, in the user's language. The
/// codes a new shop meets get the guide's own words; the rest the client's table.
pub fn explain(e: &crate::wechat::WechatError, family: Option<ShopKind>, lang: Lang) -> String {
    use crate::wechat::WechatError;
    let msg = match (e, errcode(e)) {
        (WechatError::Api { errmsg, .. }, Some(40164)) => {
            let place = Msg::id(match family {
                Some(ShopKind::Minishop) => "setup-whitelist-minishop",
                _ => "setup-whitelist-channels",
            });
            match ip_in_message(errmsg) {
                Some(ip) => Msg::id("setup-err-40164-ip")
                    .arg("ip", ip)
                    .arg("place", place),
                None => Msg::id("setup-err-40164").arg("place", place),
            }
        }
        (_, Some(40125)) => Msg::id("setup-err-40125"),
        (_, Some(40013)) => Msg::id("setup-err-40013"),
        (_, Some(45009)) => Msg::id("setup-err-45009"),
        (_, Some(48001)) => Msg::id("setup-err-48001"),
        (WechatError::Transport { .. }, _) => {
            Msg::id("setup-err-network").arg("detail", e.explain(lang))
        }
        _ => return e.explain(lang),
    };
    let code = errcode(e).map(|c| format!(" ({c})")).unwrap_or_default();
    format!("{}{code}", msg.render(lang))
}

/// The guide with its worker: what `app/mod.rs` holds while the guide is open or hidden.
pub struct SetupGuide {
    pub wizard: SetupWizard,
    pub open: bool,
    worker: SetupWorker,
}

/// What the app must do after the guide took a command or an event.
#[derive(Debug, PartialEq)]
pub enum GuideOutcome {
    Stay,
    /// Hidden, its state kept for when it opens again.
    Hidden,
    /// Done: save these settings and show the orders.
    Finished(Box<Settings>),
}

impl SetupGuide {
    pub fn new(start: SetupStart, worker: SetupWorker) -> Self {
        SetupGuide {
            wizard: SetupWizard::new(start),
            open: true,
            worker,
        }
    }

    /// Takes what the background jobs finished.
    pub fn poll(&mut self) -> GuideOutcome {
        while let Ok(event) = self.worker.rx.try_recv() {
            self.wizard.on_event(event);
        }
        if self.wizard.finished() {
            self.open = false;
            return GuideOutcome::Finished(Box::new(self.wizard.settings()));
        }
        GuideOutcome::Stay
    }

    /// Carries out one command of the guide's UI.
    pub fn handle(&mut self, command: SetupCommand) -> GuideOutcome {
        match self.wizard.on_command(command) {
            SetupEffect::Nothing => {}
            SetupEffect::Close => {
                self.open = false;
                return GuideOutcome::Hidden;
            }
            effect => self.worker.run(effect),
        }
        GuideOutcome::Stay
    }
}

/// Runs the guide's calls on the tokio runtime and its keychain work on a blocking thread.
pub struct SetupWorker {
    runtime: tokio::runtime::Handle,
    data_dir: std::path::PathBuf,
    tx: mpsc::Sender<SetupEvent>,
    rx: mpsc::Receiver<SetupEvent>,
    repaint: Arc<dyn Fn() + Send + Sync>,
}

impl SetupWorker {
    pub fn new(
        runtime: tokio::runtime::Handle,
        data_dir: std::path::PathBuf,
        repaint: Arc<dyn Fn() + Send + Sync>,
    ) -> Self {
        let (tx, rx) = mpsc::channel();
        SetupWorker {
            runtime,
            data_dir,
            tx,
            rx,
            repaint,
        }
    }

    fn send(tx: &mpsc::Sender<SetupEvent>, repaint: &Arc<dyn Fn() + Send + Sync>, e: SetupEvent) {
        // The guide may be gone (window closed): nobody to tell then.
        let _ = tx.send(e);
        repaint();
    }

    /// A client for the guide's probes: no retries, so "check" is one call (a token, then one
    /// read) and a failure shows at once.
    fn client(target: &ProbeTarget) -> Result<WechatClient, crate::wechat::WechatError> {
        let mut config = ClientConfig::new(target.api_base.clone(), target.source.clone());
        config.retry = RetryConfig {
            max_retries: 0,
            ..RetryConfig::default()
        };
        config.timeout_ms = 15_000;
        WechatClient::new(config)
    }

    fn run(&self, effect: SetupEffect) {
        let (tx, repaint) = (self.tx.clone(), self.repaint.clone());
        match effect {
            SetupEffect::Nothing | SetupEffect::Close => {}
            SetupEffect::Check { generation, target } => {
                self.runtime.spawn(async move {
                    let result = match Self::client(&target) {
                        Ok(c) => c.logistics().couriers().await.map(|l| l.len()),
                        Err(e) => Err(e),
                    };
                    Self::send(&tx, &repaint, SetupEvent::Checked { generation, result });
                });
            }
            SetupEffect::DetectFamily { generation, target } => {
                self.runtime.spawn(async move {
                    let code = |r: Result<Vec<_>, crate::wechat::WechatError>| match r {
                        Ok(_) => None,
                        Err(e) => Some(e.errcode().unwrap_or(-1)),
                    };
                    let result = match Self::client(&target) {
                        Ok(c) => {
                            let (a, b) = futures::join!(
                                c.shop_couriers(ShopKind::Channels),
                                c.shop_couriers(ShopKind::Minishop)
                            );
                            FamilyFound {
                                channels: code(a),
                                minishop: code(b),
                            }
                        }
                        Err(_) => FamilyFound {
                            channels: Some(-1),
                            minishop: Some(-1),
                        },
                    };
                    Self::send(&tx, &repaint, SetupEvent::Family { generation, result });
                });
            }
            SetupEffect::LoadAccounts { generation, target } => {
                self.runtime.spawn(async move {
                    let result = match Self::client(&target) {
                        Ok(c) => {
                            let logistics = c.logistics();
                            let (accounts, couriers) =
                                futures::join!(logistics.accounts(), logistics.couriers());
                            accounts.and_then(|a| Ok(account_choices(&a, &couriers?)))
                        }
                        Err(e) => Err(e),
                    };
                    Self::send(&tx, &repaint, SetupEvent::Accounts { generation, result });
                });
            }
            SetupEffect::SaveCredentials(credentials) => {
                let data_dir = self.data_dir.clone();
                self.runtime.spawn_blocking(move || {
                    let result = match credentials {
                        None => Ok(None),
                        Some(c) => CredentialStore::new(&data_dir)
                            .save(&c)
                            .map(|account| Some(account.location()))
                            .map_err(|e| e.to_string()),
                    };
                    Self::send(&tx, &repaint, SetupEvent::CredentialsSaved(result));
                });
            }
        }
    }
}

/// The guide opens by itself at start when no shop is configured (demo mode) and it was never
/// finished on this station.
pub fn opens_at_start(demo: bool, settings: &Settings) -> bool {
    demo && !settings.setup_done
}

/// The guide inside the window: opening it, its frame, and what its end changes.
impl super::WaybillApp {
    /// Builds the app and, on a station with no shop configured whose guide was never
    /// finished, opens the setup guide (what `waybill-desk` does at start).
    pub fn start(ctx: &egui::Context, config: super::AppConfig) -> Self {
        // Demo mode because the keychain could not be read is not "no shop": the banner says
        // why, and the guide waits to be opened from Settings.
        let open = opens_at_start(config.sandbox.is_some(), &config.settings)
            && config.startup_problem.is_none();
        let mut app = Self::new(ctx, config);
        if open {
            app.handle(super::Command::OpenSetup);
        }
        app
    }

    /// The setup guide's state, while it exists (tests read it).
    pub fn setup_wizard(&self) -> Option<&SetupWizard> {
        self.setup.as_ref().map(|g| &g.wizard)
    }

    /// True while the setup guide is shown.
    pub fn setup_open(&self) -> bool {
        self.setup.as_ref().is_some_and(|g| g.open)
    }

    /// Shows the guide: the one hidden earlier with what was typed, or a new one.
    pub(super) fn open_setup(&mut self) {
        self.settings_draft = None;
        if !self.printers.is_pending() {
            self.printers.start();
            self.backend.load_printers();
        }
        if let Some(guide) = &mut self.setup {
            guide.open = true;
            return;
        }
        let demo = self.backend.sandbox().map(|sandbox| DemoValues {
            sandbox_url: sandbox.url().clone(),
            appid: crate::sandbox::demo_appid_for(self.settings.shop).into(),
            secret: crate::sandbox::DEMO_SECRET.into(),
        });
        let start = SetupStart {
            settings: self.settings.clone(),
            appid: self.appid.clone(),
            demo,
            printers: self.printer_names(),
        };
        let (runtime, ctx) = self.setup_env.clone();
        let repaint: Arc<dyn Fn() + Send + Sync> = Arc::new(move || ctx.request_repaint());
        let worker = SetupWorker::new(runtime, self.data_dir.clone(), repaint);
        self.setup = Some(SetupGuide::new(start, worker));
    }

    fn printer_names(&self) -> Vec<String> {
        self.printers
            .value()
            .map(|l| l.iter().map(|p| p.name.clone()).collect())
            .unwrap_or_default()
    }

    /// One frame of the guide: its background results, its drawing, its commands, its end.
    pub(super) fn setup_frame(&mut self, ctx: &egui::Context) {
        let printers = self.printer_names();
        let lang = self.lang;
        let Some(guide) = &mut self.setup else {
            return;
        };
        if guide.wizard.printers.is_empty() && !printers.is_empty() {
            guide.wizard.printers = printers;
        }
        let mut outcome = guide.poll();
        let mut printer_commands = Vec::new();
        if guide.open && outcome == GuideOutcome::Stay {
            let mut commands = Vec::new();
            crate::ui::setup_ui::setup_ui(ctx, lang, &mut guide.wizard, &mut commands);
            for c in commands {
                match c {
                    SetupCommand::Printer(p) => printer_commands.push(p),
                    c if outcome == GuideOutcome::Stay => outcome = guide.handle(c),
                    _ => {}
                }
            }
        }
        for p in printer_commands {
            self.printer_step_command(p);
        }
        let Some(guide) = &mut self.setup else {
            return;
        };
        if let GuideOutcome::Finished(settings) = outcome {
            let restart = guide.wizard.needs_restart();
            let appid = guide.wizard.access.appid.trim().to_string();
            // A finished guide starts fresh from the saved settings next time.
            self.setup = None;
            self.handle(super::Command::SaveSettings {
                settings,
                appid: String::new(),
                secret: None,
            });
            // The restart note pops up as a toast; a plain "saved" stays in the log.
            if restart {
                let msg = Msg::id("setup-saved-restart").arg("appid", appid);
                self.log(super::Level::Warn, msg);
            } else {
                self.log(super::Level::Info, Msg::id("setup-saved"));
            }
            // Back to the orders, with the courier and sender just set.
            self.handle(super::Command::Refresh);
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::wechat::WechatError;

    fn api(errcode: i64, errmsg: &str) -> WechatError {
        WechatError::Api {
            endpoint: "stable_token",
            errcode,
            errmsg: errmsg.into(),
        }
    }

    fn demo() -> SetupWizard {
        SetupWizard::new(SetupStart {
            settings: Settings::default(),
            appid: String::new(),
            demo: Some(DemoValues {
                sandbox_url: url::Url::parse("http://127.0.0.1:9/").unwrap(),
                appid: "wxsandbox00000001".into(),
                secret: "sandbox-demo-secret".into(),
            }),
            printers: vec!["PDF".into()],
        })
    }

    fn real() -> SetupWizard {
        SetupWizard::new(SetupStart {
            settings: Settings::default(),
            appid: String::new(),
            demo: None,
            printers: vec![],
        })
    }

    /// Passes the check as the worker would report it.
    fn pass_check(w: &mut SetupWizard) {
        let SetupEffect::Check { generation, target } = w.on_command(SetupCommand::Check) else {
            panic!("no check started");
        };
        assert!(target.api_base.as_str().starts_with("http"));
        w.on_event(SetupEvent::Checked {
            generation,
            result: Ok(7),
        });
    }

    #[test]
    fn demo_is_prefilled_with_the_sandbox_values_and_calls_the_sandbox() {
        let mut w = demo();
        assert_eq!(w.access.appid, "wxsandbox00000001");
        assert!(w.uses_demo_values());
        assert_eq!(w.sender.problems(), vec![]);
        assert_eq!(w.account, Some(("SF".into(), "SF_CASH".into())));
        assert!(
            !w.printer.is_done(),
            "a test label (or skipping it) is asked for"
        );
        let SetupEffect::Check { target, .. } = w.on_command(SetupCommand::Check) else {
            panic!()
        };
        assert_eq!(target.api_base.as_str(), "http://127.0.0.1:9/");
        assert!(
            matches!(w.on_command(SetupCommand::Check), SetupEffect::Nothing),
            "one at a time"
        );
        w.on_event(SetupEvent::Checked {
            generation: 1,
            result: Ok(7),
        });
        // Another AppID in demo mode goes to the real host, and would be stored.
        w.access.appid = "wx1234567890abcdef".into();
        assert!(!w.uses_demo_values());
        let SetupEffect::Check { target, .. } = w.on_command(SetupCommand::Check) else {
            panic!()
        };
        assert_eq!(target.api_base.as_str(), "https://api.weixin.qq.com/");
    }

    #[test]
    fn access_is_validated_and_next_waits_for_a_passed_check_of_what_is_typed() {
        let mut w = real();
        assert_eq!(w.problems(), vec![Invalid::AppidEmpty]);
        w.access.appid = "wx 12".into();
        assert_eq!(w.problems(), vec![Invalid::AppidFormat]);
        w.access.appid = "wx1234567890abcdef".into();
        assert_eq!(w.problems(), vec![Invalid::SecretEmpty]);
        w.access.secret = "a b".into();
        assert_eq!(w.problems(), vec![Invalid::SecretSpaces]);
        assert!(matches!(
            w.on_command(SetupCommand::Check),
            SetupEffect::Nothing
        ));
        w.access.secret = "0123456789abcdef0123456789abcdef".into();
        assert_eq!(w.problems(), vec![Invalid::NotChecked]);
        assert!(matches!(
            w.on_command(SetupCommand::Next),
            SetupEffect::Nothing
        ));
        assert_eq!(w.step, Step::Access);
        pass_check(&mut w);
        assert!(w.problems().is_empty());
        // Editing the secret after the check asks for a new one.
        w.access.secret.push('x');
        assert_eq!(w.problems(), vec![Invalid::NotChecked]);
        w.access.secret.pop();
        assert!(w.problems().is_empty());
        // The token service: a URL is required, and an http(s) one.
        w.access.kind = AccessKind::TokenService;
        assert_eq!(w.problems(), vec![Invalid::UrlEmpty]);
        w.access.token_url = "ftp://x/".into();
        assert_eq!(w.problems(), vec![Invalid::UrlBad]);
        w.access.token_url = "https://tok.example.com/t?key=K9".into();
        assert_eq!(w.problems(), vec![Invalid::NotChecked]);
        assert!(!format!("{:?}", w.access).contains("K9"));
        assert!(!format!("{:?}", w.access).contains("0123456789abcdef0123"));
    }

    #[test]
    fn a_failed_check_keeps_next_off_and_a_stale_answer_is_dropped() {
        let mut w = demo();
        let SetupEffect::Check { generation, .. } = w.on_command(SetupCommand::Check) else {
            panic!()
        };
        w.on_event(SetupEvent::Checked {
            generation,
            result: Err(api(40125, "invalid appsecret")),
        });
        assert!(matches!(w.check, Probe::Failed(_)));
        assert_eq!(w.problems(), vec![Invalid::NotChecked]);
        // Check again; the first answer arriving late changes nothing.
        let SetupEffect::Check { generation: g2, .. } = w.on_command(SetupCommand::Check) else {
            panic!()
        };
        w.on_event(SetupEvent::Checked {
            generation,
            result: Ok(1),
        });
        assert!(w.check.is_running());
        w.on_event(SetupEvent::Checked {
            generation: g2,
            result: Ok(1),
        });
        assert!(w.problems().is_empty());
    }

    #[test]
    fn next_and_back_walk_the_steps_keeping_what_was_typed() {
        let mut w = demo();
        pass_check(&mut w);
        let SetupEffect::DetectFamily { generation, .. } = w.on_command(SetupCommand::Next) else {
            panic!("entering step 2 detects the family")
        };
        assert_eq!(w.step, Step::Family);
        w.on_event(SetupEvent::Family {
            generation,
            result: FamilyFound {
                channels: Some(48001),
                minishop: None,
            },
        });
        assert_eq!(w.family, Some(ShopKind::Minishop));
        // The user overrides; a new detection does not undo it.
        w.on_command(SetupCommand::PickFamily(ShopKind::Channels));
        let SetupEffect::DetectFamily { generation, .. } = w.on_command(SetupCommand::DetectFamily)
        else {
            panic!()
        };
        w.on_event(SetupEvent::Family {
            generation,
            result: FamilyFound {
                channels: Some(48001),
                minishop: None,
            },
        });
        assert_eq!(w.family, Some(ShopKind::Channels));
        let SetupEffect::LoadAccounts { generation, .. } = w.on_command(SetupCommand::Next) else {
            panic!("entering step 3 loads the accounts")
        };
        w.on_command(SetupCommand::Back);
        assert_eq!(w.step, Step::Family);
        assert!(matches!(
            w.on_command(SetupCommand::Next),
            SetupEffect::Nothing
        ));
        w.on_event(SetupEvent::Accounts {
            generation,
            result: Ok(vec![choice("ZTO", "Z1", true), choice("YTO", "Y1", false)]),
        });
        // The demo's SF_CASH is not offered: the first bound account is picked.
        assert_eq!(w.account, Some(("ZTO".into(), "Z1".into())));
        w.on_command(SetupCommand::PickAccount(1));
        assert_eq!(w.problems(), vec![Invalid::AccountNotBound]);
        w.on_command(SetupCommand::PickAccount(0));
        w.on_command(SetupCommand::Next);
        assert_eq!(w.step, Step::Sender);
        w.sender.name = String::new();
        w.on_command(SetupCommand::Next);
        assert_eq!(w.step, Step::Sender, "an invalid sender keeps Next off");
        w.sender.name = "张三".into();
        w.on_command(SetupCommand::Next);
        assert_eq!(w.step, Step::Printer);
        // The printer step gates Next: a printer and a test label (or skipping it).
        assert_eq!(w.problems(), vec![Invalid::NoPrinter]);
        use crate::app::setup_printer::PrinterStepCommand;
        w.printer
            .on_command(PrinterStepCommand::PickPrinter("PDF".into()));
        w.printer.on_command(PrinterStepCommand::Skip);
        assert!(w.problems().is_empty());
        w.on_command(SetupCommand::Back);
        w.on_command(SetupCommand::Back);
        w.on_command(SetupCommand::Back);
        w.on_command(SetupCommand::Back);
        assert_eq!(w.step, Step::Access);
        w.on_command(SetupCommand::Back);
        assert_eq!(w.step, Step::Access);
        assert!(w.checked(), "the check still holds for the same values");
        assert_eq!(w.sender.name, "张三");
        for _ in 0..5 {
            w.on_command(SetupCommand::Next);
        }
        assert_eq!(w.step, Step::Done);
    }

    fn choice(d: &str, b: &str, bound: bool) -> AccountChoice {
        AccountChoice {
            delivery_id: d.into(),
            delivery_name: d.into(),
            biz_id: b.into(),
            alias: String::new(),
            quota: Some(10),
            bound,
            remark: String::new(),
            cash: false,
        }
    }

    #[test]
    fn no_account_means_no_next() {
        let mut w = real();
        w.step = Step::Couriers;
        assert_eq!(w.problems(), vec![Invalid::NoAccount]);
    }

    #[test]
    fn sender_rules() {
        let mut s = SenderForm::default();
        assert_eq!(
            s.problems(),
            vec![
                Invalid::NameEmpty,
                Invalid::PhoneEmpty,
                Invalid::ProvinceEmpty,
                Invalid::CityEmpty,
                Invalid::AreaEmpty,
                Invalid::AddressEmpty
            ]
        );
        s = demo_sender();
        assert!(s.problems().is_empty());
        for bad in [
            "1380013800",
            "23800138000",
            "138001380001",
            "12800138000",
            "0571-123",
            "abc",
            "571-88886666",
        ] {
            s.phone = bad.into();
            assert_eq!(s.problems(), vec![Invalid::PhoneBad], "{bad}");
        }
        for (good, kind) in [
            ("13800138000", PhoneKind::Mobile),
            ("138 0013 8000", PhoneKind::Mobile),
            ("0571-88886666", PhoneKind::Landline),
            ("010-8888666", PhoneKind::Landline),
            ("0571 88886666", PhoneKind::Landline),
            ("0571-88886666-123", PhoneKind::Landline),
        ] {
            assert_eq!(phone_kind(good), Some(kind), "{good}");
        }
        s.phone = "0571-88886666".into();
        let p = s.party();
        assert_eq!((p.tel.as_str(), p.mobile.as_str()), ("0571-88886666", ""));
        s.phone = "138 0013 8000".into();
        assert_eq!(s.party().mobile, "13800138000");
        s.address = "1号".into();
        assert_eq!(s.problems(), vec![Invalid::AddressShort]);
        s.area = " ".into();
        assert_eq!(
            s.problems(),
            vec![Invalid::AreaEmpty, Invalid::AddressShort]
        );
    }

    #[test]
    fn finishing_with_demo_values_stores_no_credentials_and_marks_setup_done() {
        let mut w = demo();
        pass_check(&mut w);
        w.step = Step::Done;
        let SetupEffect::SaveCredentials(None) = w.on_command(SetupCommand::Finish) else {
            panic!("demo values never go to the keychain")
        };
        assert!(!w.finished());
        w.on_event(SetupEvent::CredentialsSaved(Ok(None)));
        assert!(w.finished());
        let s = w.settings();
        assert!(s.setup_done);
        assert_eq!(s.sender.unwrap().city, "杭州市");
        assert_eq!(
            (s.delivery_id.as_str(), s.biz_id.as_str()),
            ("SF", "SF_CASH")
        );
        assert!(!w.needs_restart());
    }

    #[test]
    fn finishing_with_a_real_appid_stores_it_and_a_failure_is_kept_for_retry() {
        let mut w = demo();
        w.access.appid = "wx1234567890abcdef".into();
        w.access.secret = "real-secret".into();
        pass_check(&mut w);
        w.step = Step::Done;
        let SetupEffect::SaveCredentials(Some(c)) = w.on_command(SetupCommand::Finish) else {
            panic!()
        };
        assert_eq!(c.appid, "wx1234567890abcdef");
        w.on_event(SetupEvent::CredentialsSaved(Err("keychain locked".into())));
        assert!(!w.finished());
        assert_eq!(w.save_error.as_deref(), Some("keychain locked"));
        assert!(matches!(
            w.on_command(SetupCommand::Finish),
            SetupEffect::SaveCredentials(Some(_))
        ));
        w.on_event(SetupEvent::CredentialsSaved(Ok(Some(
            "GNOME Keyring".into(),
        ))));
        assert!(w.finished());
        assert!(w.needs_restart());
    }

    #[test]
    fn family_detection_reads_48001_as_not_this_family() {
        let f = |c, m| FamilyFound {
            channels: c,
            minishop: m,
        };
        assert_eq!(f(None, Some(48001)).detected(), Some(ShopKind::Channels));
        assert_eq!(f(Some(48001), None).detected(), Some(ShopKind::Minishop));
        assert_eq!(f(Some(-1), Some(-1)).detected(), None);
        assert_eq!(f(None, None).detected(), None);
    }

    #[test]
    fn accounts_combine_bound_accounts_and_cash_couriers() {
        let account = |d: &str, b: &str, q, status| CourierAccount {
            biz_id: b.into(),
            delivery_id: crate::wechat::DeliveryId(d.into()),
            status_code: status,
            alias: String::new(),
            remark_wrong_msg: String::new(),
            quota_num: q,
            quota_update_time: None,
        };
        let courier = |d: &str, n: &str, cash: &str| Courier {
            delivery_id: crate::wechat::DeliveryId(d.into()),
            delivery_name: n.into(),
            can_use_cash: u8::from(!cash.is_empty()),
            can_get_quota: 1,
            cash_biz_id: cash.into(),
            service_type: vec![],
        };
        let list = account_choices(
            &[
                account("ZTO", "Z1", Some(120), 0),
                account("YTO", "Y1", None, 1),
            ],
            &[
                courier("ZTO", "中通快递", ""),
                courier("SF", "顺丰速运", "SF_CASH"),
            ],
        );
        assert_eq!(list.len(), 3);
        assert_eq!(list[0].delivery_name, "中通快递");
        assert_eq!(list[0].quota, Some(120));
        assert!(!list[1].bound);
        assert!(list[2].cash && list[2].biz_id == "SF_CASH");
    }

    #[test]
    fn the_errors_a_new_shop_meets_are_explained() {
        let ip = api(
            40164,
            "invalid ip 203.0.113.7 ipv6 ::ffff:203.0.113.7, not in whitelist rid: 6a5b",
        );
        assert_eq!(
            ip_in_message("invalid ip 203.0.113.7 ipv6 ::1"),
            Some("203.0.113.7".into())
        );
        assert_eq!(ip_in_message("not in whitelist"), None);
        let zh = explain(&ip, Some(ShopKind::Channels), Lang::ZhCn);
        assert!(
            zh.contains("203.0.113.7") && zh.contains("白名单") && zh.contains("40164"),
            "{zh}"
        );
        let en = explain(&ip, Some(ShopKind::Minishop), Lang::En);
        assert!(
            en.contains("203.0.113.7") && en.contains("whitelist"),
            "{en}"
        );
        assert_ne!(
            explain(&ip, Some(ShopKind::Minishop), Lang::ZhCn),
            zh,
            "each family's console is named"
        );
        let no_ip = explain(&api(40164, "not in whitelist"), None, Lang::ZhCn);
        assert!(
            no_ip.contains("白名单") && !no_ip.contains("203"),
            "{no_ip}"
        );
        assert!(explain(&api(40125, "invalid appsecret"), None, Lang::ZhCn).contains("AppSecret"));
        assert!(explain(&api(40013, "invalid appid"), None, Lang::En).contains("AppID"));
        let quota = explain(
            &api(45009, "reach max api daily quota limit"),
            None,
            Lang::ZhCn,
        );
        assert!(quota.contains("0 点") || quota.contains("0点"), "{quota}");
        let net = WechatError::Transport {
            endpoint: "stable_token",
            message: "connection refused".into(),
            timed_out: false,
        };
        assert!(explain(&net, None, Lang::ZhCn).contains("网络"));
        // Anything else: the client's own table.
        let other = api(-1, "system error");
        assert_eq!(explain(&other, None, Lang::En), other.explain(Lang::En));
    }

    #[test]
    fn the_guide_opens_by_itself_only_in_demo_mode_before_it_was_finished() {
        let mut s = Settings::default();
        assert!(opens_at_start(true, &s));
        assert!(!opens_at_start(false, &s));
        s.setup_done = true;
        assert!(!opens_at_start(true, &s));
    }

    #[test]
    fn every_message_id_exists_in_both_languages() {
        let ids = [
            Invalid::AppidEmpty,
            Invalid::AppidFormat,
            Invalid::SecretEmpty,
            Invalid::SecretSpaces,
            Invalid::UrlEmpty,
            Invalid::UrlBad,
            Invalid::NotChecked,
            Invalid::NoFamily,
            Invalid::NoAccount,
            Invalid::AccountNotBound,
            Invalid::NameEmpty,
            Invalid::PhoneEmpty,
            Invalid::PhoneBad,
            Invalid::ProvinceEmpty,
            Invalid::CityEmpty,
            Invalid::AreaEmpty,
            Invalid::AddressEmpty,
            Invalid::AddressShort,
            Invalid::NoPrinter,
        ]
        .map(Invalid::msg_id);
        for id in ids.iter().copied().chain(Step::ALL.map(Step::title_id)) {
            for lang in [Lang::ZhCn, Lang::En] {
                let text = crate::i18n::t(lang, id);
                assert!(!text.is_empty() && text != id, "{id} missing in {lang:?}");
            }
        }
    }
}
