//! The password of a shared journal from a `.pgpass`-style file (libpq's format): `PGPASSFILE`,
//! else `~/.pgpass`. One `hostname:port:database:username:password` per line; `*` matches
//! anything; `\:` and `\\` escape; lines starting with `#` are comments. As libpq does, the
//! file is ignored when others can read it.

use std::path::{Path, PathBuf};

/// The file libpq would read: `PGPASSFILE`, else `~/.pgpass`.
pub fn default_file() -> Option<PathBuf> {
    if let Some(p) = std::env::var_os("PGPASSFILE").filter(|p| !p.is_empty()) {
        return Some(PathBuf::from(p));
    }
    std::env::var_os("HOME").map(|h| Path::new(&h).join(".pgpass"))
}

/// The password for `host:port/database` as `user` in `file`, if a line matches.
pub fn lookup(file: &Path, host: &str, port: u16, database: &str, user: &str) -> Option<String> {
    #[cfg(unix)]
    {
        use std::os::unix::fs::PermissionsExt as _;
        let mode = std::fs::metadata(file).ok()?.permissions().mode();
        if mode & 0o077 != 0 {
            tracing::warn!(
                file = %file.display(),
                "the password file can be read by others (chmod 0600 it); not used, as libpq does"
            );
            return None;
        }
    }
    let text = std::fs::read_to_string(file).ok()?;
    let port = port.to_string();
    text.lines()
        .filter(|l| !l.trim_start().starts_with('#') && !l.trim().is_empty())
        .filter_map(split_line)
        .find(|f| {
            let matches = |field: &str, value: &str| field == "*" || field == value;
            matches(&f[0], host)
                && matches(&f[1], &port)
                && matches(&f[2], database)
                && matches(&f[3], user)
        })
        .map(|mut f| f.remove(4))
}

/// The five fields of a line, unescaped; `None` for a line with fewer.
fn split_line(line: &str) -> Option<Vec<String>> {
    let mut fields = vec![String::new()];
    let mut chars = line.chars();
    while let Some(c) = chars.next() {
        match c {
            '\\' => {
                if let Some(next) = chars.next() {
                    fields.last_mut()?.push(next);
                }
            }
            // The password is the rest of the line, colons included.
            ':' if fields.len() < 5 => fields.push(String::new()),
            c => fields.last_mut()?.push(c),
        }
    }
    (fields.len() == 5).then_some(fields)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn file(text: &str, mode: u32) -> tempfile::NamedTempFile {
        use std::os::unix::fs::PermissionsExt as _;
        let f = tempfile::NamedTempFile::new().unwrap();
        std::fs::write(f.path(), text).unwrap();
        std::fs::set_permissions(f.path(), std::fs::Permissions::from_mode(mode)).unwrap();
        f
    }

    #[test]
    fn first_matching_line_wins_with_wildcards_and_escapes() {
        let f = file(
            "# shop\ndb1:5432:journal:desk:first\n*:*:journal:desk:p\\:w:x\n*:*:*:*:any\n",
            0o600,
        );
        assert_eq!(
            lookup(f.path(), "db1", 5432, "journal", "desk").as_deref(),
            Some("first")
        );
        assert_eq!(
            lookup(f.path(), "db2", 6000, "journal", "desk").as_deref(),
            Some("p:w:x")
        );
        assert_eq!(
            lookup(f.path(), "db2", 6000, "other", "x").as_deref(),
            Some("any")
        );
    }

    #[test]
    fn a_file_others_can_read_is_not_used() {
        let f = file("*:*:*:*:secret\n", 0o644);
        assert_eq!(lookup(f.path(), "h", 1, "d", "u"), None);
    }
}
