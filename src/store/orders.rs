//! The order cache: every shop order the station has read, with WeChat's `update_time`, so
//! that a refresh lists only the orders that changed since the last one and reads only those
//! (`station::sync`). Shared by the window and the CLI through the journal file.

/// What the cache knows about one status filter of an account.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct SyncScope {
    /// The cache holds every order of this filter created from here on (Unix seconds).
    pub covered_from: i64,
    /// When this filter was last listed in full (journal clock, ms).
    pub full_at_ms: i64,
}

/// The key of a status filter: `all` or the status number.
pub fn scope_key(status: Option<u32>) -> String {
    status.map_or_else(|| "all".to_string(), |s| s.to_string())
}
