//! Non-secret settings, kept as JSON in the data directory. The AppSecret never goes here.

use std::path::{Path, PathBuf};

use serde::{Deserialize, Serialize};

use crate::wechat::logistics::WaybillParty;
use crate::wechat::shop::ShopKind;
use crate::wechat::{Lang, PrintType};

/// File name of the settings inside the data directory.
pub const SETTINGS_FILE: &str = "settings.json";

/// Everything a station remembers between runs, except secrets.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(default)]
pub struct Settings {
    pub shop: ShopKind,
    /// The shop's warehouse, printed as the sender on every waybill.
    pub sender: Option<WaybillParty>,
    /// Default courier for new waybills.
    pub delivery_id: String,
    /// The courier account (`biz_id`) for new waybills.
    pub biz_id: String,
    pub print_type: PrintType,
    pub lang: Lang,
    /// API base URL; empty means the real WeChat host (or the embedded sandbox in demo mode).
    pub api_base: String,
    /// The chosen printer queue; empty until set up.
    pub printer: String,
    /// Label size as "WxH" in mm; empty follows the print type (100x180 / 76x130).
    pub label_size: String,
    /// Copies of each label.
    pub copies: u32,
    /// In scanner mode, ship right after the label printed.
    pub print_then_ship: bool,
    /// This station's name, recorded with every action.
    pub station: String,
    /// Who works at the station now, recorded with every action.
    pub operator: String,
    /// Hand-set courier ids for shipping: logistics (`getAllDelivery`) id → the shop courier
    /// list's id, e.g. `{"YUNDA": "YD"}`. Wins over the built-in table and name matching.
    pub courier_map: std::collections::BTreeMap<String, String>,
    /// The first-run setup guide was finished on this station (it no longer opens by itself).
    /// Absent in older files: false.
    pub setup_done: bool,
    /// Each printer queue's calibration (offset and scale), applied to every job to it.
    /// Absent in older files: none.
    pub calibrations: crate::print::Calibrations,
    /// A shared journal (PostgreSQL URL, without a password: that comes from ~/.pgpass);
    /// empty: the station's own journal file. `--journal` and WAYBILL_DESK_JOURNAL_URL win.
    pub journal_url: String,
}

impl Default for Settings {
    fn default() -> Self {
        Settings {
            shop: ShopKind::Channels,
            sender: None,
            delivery_id: String::new(),
            biz_id: String::new(),
            print_type: PrintType::TwoPart,
            lang: Lang::ZhCn,
            api_base: String::new(),
            printer: String::new(),
            label_size: String::new(),
            copies: 1,
            print_then_ship: false,
            station: String::new(),
            operator: String::new(),
            courier_map: std::collections::BTreeMap::new(),
            setup_done: false,
            calibrations: crate::print::Calibrations::new(),
            journal_url: String::new(),
        }
    }
}

/// Reading or writing the settings failed.
#[derive(Debug, thiserror::Error)]
pub enum SettingsError {
    #[error("cannot read settings file {path}: {source}")]
    Read {
        path: PathBuf,
        source: std::io::Error,
    },
    #[error("settings file {path} is not valid ({source}); fix or delete it")]
    Parse {
        path: PathBuf,
        source: serde_json::Error,
    },
    #[error("cannot write settings file {path}: {source}")]
    Write {
        path: PathBuf,
        source: std::io::Error,
    },
}

impl Settings {
    /// Loads `dir/settings.json`; a missing file gives the defaults.
    pub fn load(dir: &Path) -> Result<Settings, SettingsError> {
        let path = dir.join(SETTINGS_FILE);
        match std::fs::read(&path) {
            Ok(bytes) => serde_json::from_slice(&bytes)
                .map_err(|source| SettingsError::Parse { path, source }),
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => Ok(Settings::default()),
            Err(source) => Err(SettingsError::Read { path, source }),
        }
    }

    /// Saves to `dir/settings.json` atomically (write a temporary file, then rename), so a
    /// crash never leaves half a file.
    pub fn save(&self, dir: &Path) -> Result<(), SettingsError> {
        let path = dir.join(SETTINGS_FILE);
        let write = || -> std::io::Result<()> {
            std::fs::create_dir_all(dir)?;
            let tmp = dir.join(format!("{SETTINGS_FILE}.tmp"));
            let json = serde_json::to_vec_pretty(self).map_err(std::io::Error::other)?;
            std::fs::write(&tmp, json)?;
            std::fs::File::open(&tmp)?.sync_all()?;
            std::fs::rename(&tmp, &path)
        };
        write().map_err(|source| SettingsError::Write { path, source })
    }
}

/// The platform's data directory for this app (e.g. `~/.local/share/waybill-desk`).
pub fn default_data_dir() -> PathBuf {
    directories::ProjectDirs::from("", "", "waybill-desk")
        .map(|d| d.data_dir().to_path_buf())
        .unwrap_or_else(|| PathBuf::from(".waybill-desk"))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn missing_file_gives_defaults_and_round_trips() {
        let dir = tempfile::tempdir().unwrap();
        assert_eq!(Settings::load(dir.path()).unwrap(), Settings::default());
        let s = Settings {
            biz_id: "SF_CASH".into(),
            delivery_id: "SF".into(),
            ..Settings::default()
        };
        s.save(dir.path()).unwrap();
        assert_eq!(Settings::load(dir.path()).unwrap(), s);
    }

    #[test]
    fn courier_map_is_read_from_the_file_and_old_files_still_load() {
        let dir = tempfile::tempdir().unwrap();
        std::fs::write(
            dir.path().join(SETTINGS_FILE),
            r#"{"delivery_id": "YUNDA", "courier_map": {"YUNDA": "YD", "DB": "DBL"}}"#,
        )
        .unwrap();
        let s = Settings::load(dir.path()).unwrap();
        assert_eq!(s.courier_map.get("YUNDA").map(String::as_str), Some("YD"));
        assert_eq!(s.courier_map.len(), 2);
        std::fs::write(dir.path().join(SETTINGS_FILE), r#"{"biz_id": "x"}"#).unwrap();
        assert!(Settings::load(dir.path()).unwrap().courier_map.is_empty());
        assert!(Settings::load(dir.path()).unwrap().calibrations.is_empty());
        assert!(!Settings::load(dir.path()).unwrap().setup_done);
    }

    #[test]
    fn broken_file_is_a_clear_error() {
        let dir = tempfile::tempdir().unwrap();
        std::fs::write(dir.path().join(SETTINGS_FILE), "{oops").unwrap();
        let e = Settings::load(dir.path()).unwrap_err();
        assert!(e.to_string().contains("not valid"), "{e}");
    }
}
