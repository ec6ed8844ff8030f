//! The diagnostic log: what the program did and what went wrong, for whoever supports it.
//!
//! It goes to files in a folder beside the database (`cutover-logs`, one file a UTC day named
//! `cutover.YYYY-MM-DD.log`, the newest 14 kept), never to the terminal the UI draws on. It never
//! holds patient data: no names, NHS numbers, dates of birth, entry text, or messages that could
//! quote what was typed; only what happened, counts, times, the database's own path and the kind
//! of a fault (never a file name someone chose, nor SQLite's own words, which can quote a search).
//!
//! `CUTOVER_LOG` sets how much is written (`off`, `error`, `warn`, `info`: the default, `debug`);
//! `CUTOVER_LOG_DIR` puts the files in another folder.

use std::ffi::OsString;
use std::fs::{File, OpenOptions};
use std::io::{self, Write};
use std::path::{Path, PathBuf};
use std::sync::{Mutex, MutexGuard};

use chrono::{NaiveDate, Utc};
use tracing::Level;
use tracing_subscriber::fmt::MakeWriter;

/// The folder's name beside the database.
pub const FOLDER: &str = "cutover-logs";

/// Daily files kept, today's among them.
const KEEP_DAYS: usize = 14;

/// Where the log files go for a database at `database`, with `CUTOVER_LOG_DIR` as the override.
pub fn folder(database: &Path) -> PathBuf {
    folder_with(database, std::env::var_os("CUTOVER_LOG_DIR"))
}

/// Where the log files go for a database at `database`: `override_dir` when it is given and not
/// empty, else `cutover-logs` beside the database.
pub fn folder_with(database: &Path, override_dir: Option<OsString>) -> PathBuf {
    match override_dir {
        Some(dir) if !dir.is_empty() => PathBuf::from(dir),
        _ => database.parent().unwrap_or(Path::new(".")).join(FOLDER),
    }
}

/// How much `CUTOVER_LOG` asks for; info when it is not set, or set to something else (which
/// `config::check_environment` says).
fn level() -> Option<Level> {
    let given = std::env::var_os("CUTOVER_LOG").map(|v| v.to_string_lossy().into_owned()).unwrap_or_default();
    parse_level(&given).unwrap_or(Some(Level::INFO))
}

/// A value of `CUTOVER_LOG`: `Some(None)` for no log at all, `None` for a value that is not a level.
pub fn parse_level(given: &str) -> Option<Option<Level>> {
    match given.trim().to_ascii_lowercase().as_str() {
        "off" | "none" => Some(None),
        "error" => Some(Some(Level::ERROR)),
        "warn" => Some(Some(Level::WARN)),
        "" | "info" => Some(Some(Level::INFO)),
        "debug" => Some(Some(Level::DEBUG)),
        _ => None,
    }
}

/// Starts the log for this process, only when the database file already exists: a mistyped --db
/// must leave nothing behind, so the `init` that creates a database is not logged. The folder is
/// made only if `make_folder`: a command that only reads logs into one that is there already, so
/// that reading a backup leaves nothing beside it. Anything in the way (no such folder, no
/// permission) leaves the program without a log, never without its work: a log is never worth a
/// failed command.
pub fn start(database: &Path, make_folder: bool) {
    let Some(level) = level() else { return };
    if !database.is_file() {
        return;
    }
    let dir = folder(database);
    // Only ever one folder deep: a log folder whose parent is missing is not made.
    if !dir.is_dir() && (!make_folder || crate::platform::create_private_dir(&dir, false).is_err()) {
        return;
    }
    let subscriber = tracing_subscriber::fmt()
        .with_writer(DailyFiles::new(dir))
        .with_ansi(false)
        .with_target(false)
        .with_max_level(level)
        // A log that cannot be written must stay quiet: the terminal belongs to the user.
        .log_internal_errors(false)
        .finish();
    let _ = tracing::subscriber::set_global_default(subscriber);
}

/// One file a UTC day in one folder, `cutover.YYYY-MM-DD.log`, appended to and readable by its
/// owner alone. Every failure (folder removed, disk full, no permission) is ignored without a
/// word: the log must never reach the terminal, nor stop the program.
pub struct DailyFiles {
    dir: PathBuf,
    open: Mutex<Option<(NaiveDate, File)>>,
}

impl DailyFiles {
    pub fn new(dir: PathBuf) -> DailyFiles {
        DailyFiles { dir, open: Mutex::new(None) }
    }

    /// The file for `day` in this folder.
    pub fn path_for(&self, day: NaiveDate) -> PathBuf {
        self.dir.join(file_name(day))
    }

    /// Appends `buf` to the file for `day`, opening it (and pruning old files) when the day has
    /// changed since the last write. A failure loses this write only; the next one tries again.
    pub fn append(&self, day: NaiveDate, buf: &[u8]) {
        let mut open = self.lock();
        if !matches!(&*open, Some((open_day, _)) if *open_day == day) {
            *open = self.open_for(day).map(|file| (day, file));
        }
        if let Some((_, file)) = open.as_mut() {
            let _ = file.write_all(buf);
        }
    }

    fn lock(&self) -> MutexGuard<'_, Option<(NaiveDate, File)>> {
        // A poisoned lock only means another thread stopped mid-write: the file is still good.
        self.open.lock().unwrap_or_else(|poisoned| poisoned.into_inner())
    }

    fn open_for(&self, day: NaiveDate) -> Option<File> {
        // A file made by an older version may be readable by others: it becomes the owner's alone.
        let file =
            crate::platform::open_private(OpenOptions::new().create(true).append(true), &self.path_for(day)).ok()?;
        self.prune(day);
        Some(file)
    }

    /// Deletes all but the newest `KEEP_DAYS` daily files, never `today`'s, and never a file whose
    /// name is not exactly `cutover.YYYY-MM-DD.log`. Best effort: a file that cannot be deleted stays.
    fn prune(&self, today: NaiveDate) {
        let Ok(entries) = std::fs::read_dir(&self.dir) else { return };
        let mut days: Vec<NaiveDate> =
            entries.filter_map(|entry| entry.ok()?.file_name().to_str().and_then(day_of)).collect();
        days.sort_unstable_by(|a, b| b.cmp(a));
        for day in days.into_iter().skip(KEEP_DAYS).filter(|day| *day != today) {
            let _ = std::fs::remove_file(self.path_for(day));
        }
    }
}

fn file_name(day: NaiveDate) -> String {
    crate::files::portable_name(&format!("cutover.{}.log", day.format("%Y-%m-%d")))
}

/// The day of a daily log file's name, or `None` for any other name.
fn day_of(name: &str) -> Option<NaiveDate> {
    let date = name.strip_prefix("cutover.")?.strip_suffix(".log")?;
    let day = NaiveDate::parse_from_str(date, "%Y-%m-%d").ok()?;
    // Only the exact form this writer makes: not "cutover.2026-1-5.log", nor "+2026-...".
    (file_name(day) == name).then_some(day)
}

/// What tracing writes one event through: today's file (UTC), appended to in one piece.
pub struct DailyWriter<'a> {
    files: &'a DailyFiles,
}

impl Write for DailyWriter<'_> {
    fn write(&mut self, buf: &[u8]) -> io::Result<usize> {
        self.files.append(Utc::now().date_naive(), buf);
        Ok(buf.len())
    }

    fn flush(&mut self) -> io::Result<()> {
        Ok(())
    }
}

impl<'a> MakeWriter<'a> for DailyFiles {
    type Writer = DailyWriter<'a>;

    fn make_writer(&'a self) -> Self::Writer {
        DailyWriter { files: self }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn day(text: &str) -> NaiveDate {
        NaiveDate::parse_from_str(text, "%Y-%m-%d").expect("a date")
    }

    fn names_in(dir: &Path) -> Vec<String> {
        let mut names: Vec<String> = std::fs::read_dir(dir)
            .expect("the folder")
            .map(|e| e.expect("an entry").file_name().to_string_lossy().into_owned())
            .collect();
        names.sort();
        names
    }

    #[test]
    fn the_folder_is_beside_the_database() {
        assert_eq!(folder_with(Path::new("/data/practice/cutover.db"), None), Path::new("/data/practice/cutover-logs"));
        assert_eq!(
            folder_with(Path::new("/data/practice/cutover.db"), Some(OsString::new())),
            Path::new("/data/practice/cutover-logs"),
            "an empty CUTOVER_LOG_DIR is as if it were not set"
        );
        assert_eq!(folder_with(Path::new("cutover.db"), None), Path::new("cutover-logs"));
    }

    #[test]
    fn cutover_log_dir_moves_the_folder() {
        assert_eq!(
            folder_with(Path::new("/data/practice/cutover.db"), Some(OsString::from("/var/log/cutover"))),
            Path::new("/var/log/cutover")
        );
    }

    #[test]
    fn each_utc_day_has_its_own_file_appended_to_and_private_to_its_owner() {
        let dir = tempfile::tempdir().expect("temp dir");
        let files = DailyFiles::new(dir.path().to_path_buf());
        files.append(day("2026-11-22"), b"one\n");
        files.append(day("2026-11-22"), b"two\n");
        files.append(day("2026-11-23"), b"three\n");
        // A second writer (another process) appends, never truncates.
        DailyFiles::new(dir.path().to_path_buf()).append(day("2026-11-23"), b"four\n");

        assert_eq!(names_in(dir.path()), ["cutover.2026-11-22.log", "cutover.2026-11-23.log"]);
        let read = |name: &str| std::fs::read_to_string(dir.path().join(name)).expect("a log file");
        assert_eq!(read("cutover.2026-11-22.log"), "one\ntwo\n");
        assert_eq!(read("cutover.2026-11-23.log"), "three\nfour\n");
        #[cfg(unix)]
        for name in names_in(dir.path()) {
            assert_eq!(crate::platform::mode_of(&dir.path().join(&name)), 0o600, "{name}");
        }
    }

    #[test]
    fn a_missing_folder_loses_the_writes_quietly_and_logging_resumes_when_it_is_back() {
        let dir = tempfile::tempdir().expect("temp dir");
        let logs = dir.path().join("cutover-logs");
        let files = DailyFiles::new(logs.clone());
        files.append(day("2026-11-22"), b"lost\n");
        assert!(!logs.exists(), "the writer never makes the folder");

        std::fs::create_dir(&logs).expect("the folder");
        files.append(day("2026-11-22"), b"kept\n");
        assert_eq!(std::fs::read_to_string(logs.join("cutover.2026-11-22.log")).expect("the file"), "kept\n");

        // Removed while the program runs, past midnight: nothing is written, nothing goes wrong.
        // Windows keeps a folder whose file a program holds open until it lets go, so there it
        // cannot be removed from under the program.
        if cfg!(windows) {
            return;
        }
        std::fs::remove_dir_all(&logs).expect("removed");
        files.append(day("2026-11-23"), b"lost too\n");
        assert!(!logs.exists());
    }

    #[test]
    fn the_newest_fourteen_days_are_kept_and_nothing_else_is_touched() {
        let dir = tempfile::tempdir().expect("temp dir");
        let others = [
            "cutover.log",
            "cutover-old.log",
            "cutover.2026-1-5.log",
            "cutover.2026-11-01.log.gz",
            "cutover.db",
            "mycutover.2026-10-01.log",
            "cutover.2026-13-01.log",
        ];
        for name in others {
            std::fs::write(dir.path().join(name), "not ours").expect("a file");
        }
        let files = DailyFiles::new(dir.path().to_path_buf());
        let first = day("2026-11-01");
        for n in 0..20 {
            files.append(first + chrono::Days::new(n), b"x\n");
        }

        let names = names_in(dir.path());
        let kept: Vec<&String> = names.iter().filter(|n| day_of(n).is_some()).collect();
        assert_eq!(kept.len(), KEEP_DAYS, "{names:?}");
        assert_eq!(kept.first().map(|s| s.as_str()), Some("cutover.2026-11-07.log"));
        assert_eq!(kept.last().map(|s| s.as_str()), Some("cutover.2026-11-20.log"));
        for name in others {
            assert!(names.iter().any(|n| n == name), "{name} was deleted: {names:?}");
        }
    }

    #[test]
    fn only_the_exact_daily_name_counts_as_a_log_file() {
        assert_eq!(day_of("cutover.2026-11-22.log"), Some(day("2026-11-22")));
        for name in ["cutover.log", "cutover.2026-1-5.log", "cutover.2026-11-22.log.1", "xcutover.2026-11-22.log"] {
            assert_eq!(day_of(name), None, "{name}");
        }
    }
}
