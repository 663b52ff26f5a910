//! Passwords of shared journals (PostgreSQL) in the OS keychain: one entry per
//! `user@host:port/database` under the service `waybill-desk-journal`, stored by
//! `waybill-desk journal password`. Never in settings.json, never in a log line.

use super::keychain::{entry, map_error};
use super::CredentialError;

/// The keychain service of journal passwords.
pub const SERVICE: &str = "waybill-desk-journal";

/// The entry's name for a login.
pub fn key(user: &str, host: &str, port: u16, database: &str) -> String {
    format!("{user}@{host}:{port}/{database}")
}

/// Stores (or replaces) the password of a login.
pub fn store(key: &str, password: &str) -> Result<(), CredentialError> {
    entry(SERVICE, key)?
        .set_password(password)
        .map_err(map_error)
}

/// The stored password of a login, if any.
pub fn load(key: &str) -> Result<Option<String>, CredentialError> {
    match entry(SERVICE, key)?.get_password() {
        Ok(p) => Ok(Some(p)),
        Err(keyring::Error::NoEntry) => Ok(None),
        Err(e) => Err(map_error(e)),
    }
}
