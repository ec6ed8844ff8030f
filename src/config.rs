//! Where things live and how long to wait: every default in one place.

use std::path::PathBuf;
use std::time::Duration;

/// The database's file name inside the per-user data folder.
pub const DEFAULT_FILE_NAME: &str = "cutover.db";
/// How long a writer waits for another to finish before giving up with a message.
pub const DEFAULT_BUSY_TIMEOUT: Duration = Duration::from_secs(10);
/// Hours the cutover should not exceed (NHS England guidance).
pub const DEFAULT_SLA_HOURS: i64 = 72;
/// How long a claim on a re-entry item holds before anyone may take it: long enough to key a
/// complicated item, short enough that an item left claimed by someone who went home comes back.
pub const DEFAULT_CLAIM_HOURS: i64 = 4;
/// Days the old system stays readable after go-live, unless the supplier says otherwise.
pub const DEFAULT_READ_ONLY_ACCESS_DAYS: i64 = 90;

/// Which database a command uses, and whether the user named it.
#[derive(Debug, Clone)]
pub struct DatabaseLocation {
    pub path: PathBuf,
    /// The per-user default: its folder is created if missing. A path the user gave is not,
    /// because a missing folder there is more likely a typing slip or an unplugged drive.
    pub is_default: bool,
}

/// `--db` (or `CUTOVER_DB`, which clap reads into the same option), else the per-user data folder.
pub fn database_location(given: Option<PathBuf>) -> DatabaseLocation {
    match given {
        Some(path) => DatabaseLocation { path, is_default: false },
        None => {
            let folder = crate::platform::data_folder().unwrap_or_else(|| PathBuf::from("cutover"));
            DatabaseLocation { path: folder.join(DEFAULT_FILE_NAME), is_default: true }
        }
    }
}

/// `CUTOVER_BUSY_TIMEOUT_MS` shortens or lengthens the wait (tests use it; so can a busy practice).
pub fn busy_timeout() -> Duration {
    std::env::var("CUTOVER_BUSY_TIMEOUT_MS")
        .ok()
        .and_then(|v| v.parse().ok())
        .map(Duration::from_millis)
        .unwrap_or(DEFAULT_BUSY_TIMEOUT)
}

/// The time now: the system clock, or — for tests and rehearsals — a clock that starts at the
/// instant given in `CUTOVER_NOW` (RFC 3339, or UK `27/11/2026 14:30`) and runs on from there, so a
/// test of "overdue" or of a clock change does not depend on the day it runs. An unreadable value
/// is ignored and the system clock used, with a line in the diagnostic log.
pub fn now() -> chrono::DateTime<chrono::Utc> {
    use std::sync::OnceLock;
    use std::time::Instant;
    static START: OnceLock<Option<(chrono::DateTime<chrono::Utc>, Instant)>> = OnceLock::new();
    let start = START.get_or_init(|| {
        let given = std::env::var("CUTOVER_NOW").ok()?;
        let parsed = chrono::DateTime::parse_from_rfc3339(given.trim())
            .map(|t| t.to_utc())
            .ok()
            .or_else(|| crate::domain::time::parse_uk_datetime(&given, chrono::Utc::now()).ok());
        if parsed.is_none() {
            tracing::warn!("CUTOVER_NOW is not a time: the system clock is used");
        }
        parsed.map(|t| (t, Instant::now()))
    });
    match start {
        Some((at, since)) => *at + chrono::Duration::from_std(since.elapsed()).unwrap_or_default(),
        None => chrono::Utc::now(),
    }
}
