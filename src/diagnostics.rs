//! The diagnostic log: what the program did and what went wrong, for whoever supports it.
//!
//! It goes to files in a folder beside the database (`cutover-logs`, one file a day, the last 14
//! kept), never to the terminal the UI draws on. It never holds patient data: no names, NHS
//! numbers, dates of birth, entry text, or messages that could quote what was typed; only what
//! happened, counts, times, paths and SQLite's own words about a fault.
//!
//! `CUTOVER_LOG` sets how much is written (`off`, `error`, `warn`, `info`: the default, `debug`);
//! `CUTOVER_LOG_DIR` puts the files in another folder.

use std::fs::DirBuilder;
use std::os::unix::fs::DirBuilderExt;
use std::path::{Path, PathBuf};

use tracing::Level;
use tracing_appender::rolling::{Builder, Rotation};

/// The folder's name beside the database.
pub const FOLDER: &str = "cutover-logs";

/// Daily files kept.
const KEEP_DAYS: usize = 14;

/// Where the log files go for a database at `database`.
pub fn folder(database: &Path) -> PathBuf {
    match std::env::var_os("CUTOVER_LOG_DIR") {
        Some(dir) if !dir.is_empty() => PathBuf::from(dir),
        _ => database.parent().unwrap_or(Path::new(".")).join(FOLDER),
    }
}

fn level() -> Option<Level> {
    match std::env::var("CUTOVER_LOG").unwrap_or_default().trim().to_ascii_lowercase().as_str() {
        "off" | "none" => None,
        "error" => Some(Level::ERROR),
        "warn" => Some(Level::WARN),
        "debug" => Some(Level::DEBUG),
        _ => Some(Level::INFO),
    }
}

/// Starts the log for this process. Anything in the way (no such folder, no permission) leaves
/// the program without a log, never without its work: a log is never worth a failed command.
pub fn start(database: &Path) {
    let Some(level) = level() else { return };
    let dir = folder(database);
    // Only ever one folder deep, and only where the database's folder already exists: a mistyped
    // --db must not leave folders behind.
    if !dir.is_dir() && DirBuilder::new().mode(0o700).create(&dir).is_err() {
        return;
    }
    let Ok(files) = Builder::new()
        .rotation(Rotation::DAILY)
        .filename_prefix("cutover")
        .filename_suffix("log")
        .max_log_files(KEEP_DAYS)
        .build(&dir)
    else {
        return;
    };
    let subscriber = tracing_subscriber::fmt()
        .with_writer(files)
        .with_ansi(false)
        .with_target(false)
        .with_max_level(level)
        // A log that cannot be written must stay quiet: the terminal belongs to the user.
        .log_internal_errors(false)
        .finish();
    let _ = tracing::subscriber::set_global_default(subscriber);
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_folder_is_beside_the_database() {
        if std::env::var_os("CUTOVER_LOG_DIR").is_none() {
            assert_eq!(folder(Path::new("/data/practice/cutover.db")), Path::new("/data/practice/cutover-logs"));
        }
    }
}
