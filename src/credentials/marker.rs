//! `account.json` in the data directory: which AppID is logged in and where its secret is. It
//! holds nothing secret; it lets the app skip the keychain entirely when nobody logged in.

use std::io::Write as _;
use std::path::Path;

use super::{Account, CredentialError, ACCOUNT_FILE};

pub(crate) fn read(dir: &Path) -> Result<Option<Account>, CredentialError> {
    let path = dir.join(ACCOUNT_FILE);
    match std::fs::read(&path) {
        Ok(bytes) => {
            serde_json::from_slice(&bytes)
                .map(Some)
                .map_err(|e| CredentialError::Marker {
                    action: "read",
                    source: std::io::Error::new(
                        std::io::ErrorKind::InvalidData,
                        format!("not valid ({e}); delete the file and log in again"),
                    ),
                    path,
                })
        }
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => Ok(None),
        Err(source) => Err(CredentialError::Marker {
            action: "read",
            path,
            source,
        }),
    }
}

/// Writes the marker atomically (temporary file, fsync, rename).
pub(crate) fn write(dir: &Path, account: &Account) -> Result<(), CredentialError> {
    let path = dir.join(ACCOUNT_FILE);
    let result = (|| -> std::io::Result<()> {
        std::fs::create_dir_all(dir)?;
        let tmp = dir.join(format!("{ACCOUNT_FILE}.tmp"));
        let json = serde_json::to_vec_pretty(account).map_err(std::io::Error::other)?;
        let mut file = std::fs::File::create(&tmp)?;
        file.write_all(&json)?;
        file.sync_all()?;
        std::fs::rename(&tmp, &path)
    })();
    result.map_err(|source| CredentialError::Marker {
        action: "write",
        path,
        source,
    })
}

pub(crate) fn remove(dir: &Path) -> Result<(), CredentialError> {
    let path = dir.join(ACCOUNT_FILE);
    match std::fs::remove_file(&path) {
        Ok(()) => Ok(()),
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => Ok(()),
        Err(source) => Err(CredentialError::Marker {
            action: "remove",
            path,
            source,
        }),
    }
}
