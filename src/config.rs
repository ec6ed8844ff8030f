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
    /// The practice's passphrase, when one was given (`--passphrase-file`, or typed at the start
    /// screen): needed to open an encrypted database, and makes a new database encrypted.
    pub passphrase: Option<crate::store::Passphrase>,
}

impl DatabaseLocation {
    /// A database file the user named, with no passphrase.
    pub fn at(path: impl Into<PathBuf>) -> DatabaseLocation {
        DatabaseLocation { path: path.into(), is_default: false, passphrase: None }
    }
}

/// `--db` (or `CUTOVER_DB`, which clap reads into the same option), else the per-user data folder.
pub fn database_location(given: Option<PathBuf>) -> DatabaseLocation {
    match given {
        Some(path) => DatabaseLocation::at(path),
        None => {
            let folder = crate::platform::data_folder().unwrap_or_else(|| PathBuf::from("cutover"));
            DatabaseLocation { path: folder.join(DEFAULT_FILE_NAME), is_default: true, passphrase: None }
        }
    }
}

/// `CUTOVER_BUSY_TIMEOUT_MS` shortens or lengthens the wait (tests use it; so can a busy practice).
/// A value that is not a number of milliseconds is said by `check_environment` and the default used.
pub fn busy_timeout() -> Duration {
    env_text("CUTOVER_BUSY_TIMEOUT_MS").and_then(|v| parse_busy_timeout(&v)).unwrap_or(DEFAULT_BUSY_TIMEOUT)
}

/// A whole number of milliseconds that SQLite can wait (it counts them in a signed 32-bit number).
fn parse_busy_timeout(given: &str) -> Option<Duration> {
    given.trim().parse::<i32>().ok().filter(|ms| *ms >= 0).map(|ms| Duration::from_millis(ms as u64))
}

/// A variable of the environment as text; one that is not Unicode, as near as it can be shown.
fn env_text(name: &str) -> Option<String> {
    std::env::var_os(name).map(|v| v.to_string_lossy().into_owned())
}

/// `CUTOVER_NOW`'s instant: RFC 3339, or a UK time as typed anywhere else.
fn parse_clock(given: &str) -> Option<chrono::DateTime<chrono::Utc>> {
    chrono::DateTime::parse_from_rfc3339(given.trim())
        .map(|t| t.to_utc())
        .ok()
        .or_else(|| crate::domain::time::parse_uk_datetime(given, chrono::Utc::now()).ok())
}

/// cutover's own settings in the environment, checked at the start of every command, so that none
/// is ignored without a word. A rehearsal clock that is not a time is refused: entries would
/// otherwise be saved at the real time in a rehearsal, unnoticed. A wait, a log level or a log
/// folder that cannot be used, and an empty CUTOVER_USER, are returned to be said, and the usual
/// one is used: a mistyped tuning setting must not stop the practice logging. (CUTOVER_DB is
/// checked as the command line is read, with --db.)
pub fn check_environment() -> crate::Result<Vec<crate::error::Setting>> {
    use crate::error::{Error, Setting};
    if let Some(given) = env_text("CUTOVER_NOW")
        && parse_clock(&given).is_none()
    {
        return Err(Error::Setting(Setting::Clock(given)));
    }
    let mut notes = Vec::new();
    if let Some(given) = env_text("CUTOVER_BUSY_TIMEOUT_MS")
        && parse_busy_timeout(&given).is_none()
    {
        notes.push(Setting::BusyTimeout(given));
    }
    if let Some(given) = env_text("CUTOVER_LOG")
        && crate::diagnostics::parse_level(&given).is_none()
    {
        notes.push(Setting::LogLevel(given));
    }
    if let Some(dir) = std::env::var_os("CUTOVER_LOG_DIR").filter(|d| !d.is_empty()).map(PathBuf::from) {
        let parent_is_there = dir.parent().is_none_or(|p| p.as_os_str().is_empty() || p.is_dir());
        if dir.exists() && !dir.is_dir() {
            notes.push(Setting::LogFolderIsFile(dir));
        } else if !dir.exists() && !parent_is_there {
            notes.push(Setting::LogFolderCannotBeMade(dir));
        }
    }
    if env_text("CUTOVER_USER").is_some_and(|u| u.trim().is_empty()) {
        notes.push(Setting::BlankUser);
    }
    Ok(notes)
}

/// The time now: the system clock, or — for tests and rehearsals — a clock that starts at the
/// instant given in `CUTOVER_NOW` (RFC 3339, or UK `27/11/2026 14:30`) and runs on from there, so a
/// test of "overdue" or of a clock change does not depend on the day it runs. An unreadable value
/// is refused by `check_environment` before any command runs.
pub fn now() -> chrono::DateTime<chrono::Utc> {
    use std::sync::OnceLock;
    use std::time::Instant;
    static START: OnceLock<Option<(chrono::DateTime<chrono::Utc>, Instant)>> = OnceLock::new();
    let start = START.get_or_init(|| parse_clock(&env_text("CUTOVER_NOW")?).map(|t| (t, Instant::now())));
    match start {
        Some((at, since)) => *at + chrono::Duration::from_std(since.elapsed()).unwrap_or_default(),
        None => chrono::Utc::now(),
    }
}
