//! Files cutover writes: private to their owner from the first byte, and a read-only disk told
//! apart from other faults.

use std::fs::{File, OpenOptions};
use std::io::Write;
use std::path::Path;

use crate::error::{Error, Result};
pub use crate::platform::{marked_read_only, on_read_only_disk, same_file};

/// Flushes the file at `path` to the disk. It is opened for writing: Windows flushes only a file
/// it may write, and refuses a read-only handle with "permission denied".
pub fn flush_to_disk(path: &Path) -> std::io::Result<()> {
    OpenOptions::new().write(true).open(path)?.sync_all()
}

/// What to do when the file is already there.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Existing {
    /// Fail with `AlreadyExists`: copies of the database never overwrite anything.
    Refuse,
    /// Empty it and write it again (a report or worklist written to the same name each time).
    Replace,
}

/// Creates `path` readable by its owner only (see `platform::open_private`): every file that holds
/// patient details, like the database itself.
pub fn create_private(path: &Path, existing: Existing) -> std::io::Result<File> {
    let mut options = OpenOptions::new();
    options.write(true);
    match existing {
        Existing::Refuse => options.create_new(true),
        Existing::Replace => options.create(true).truncate(true),
    };
    crate::platform::open_private(&mut options, path)
}

/// Writes `bytes` to `path`, replacing what it held, as a private file, and waits until they are
/// on the disk.
pub fn write_private(path: &Path, bytes: &[u8]) -> Result<()> {
    let fault = |source| Error::file(path, source);
    let mut file = create_private(path, Existing::Replace).map_err(fault)?;
    file.write_all(bytes).map_err(fault)?;
    file.sync_all().map_err(fault)
}

/// Names Windows refuses for a file, whatever follows the dot: `NUL.db` is the null device too.
const RESERVED: [&str; 22] = [
    "CON", "PRN", "AUX", "NUL", "COM1", "COM2", "COM3", "COM4", "COM5", "COM6", "COM7", "COM8", "COM9", "LPT1", "LPT2",
    "LPT3", "LPT4", "LPT5", "LPT6", "LPT7", "LPT8", "LPT9",
];

/// Characters Windows refuses in a file's name, besides control characters.
const REFUSED: &str = r#":*?"<>|/\"#;

/// A name for a file cutover makes (a backup, a log, a copy being written) that every system takes,
/// Windows included: each character Windows refuses (`: * ? " < > | / \` and control characters)
/// becomes `-`, trailing dots and spaces go, and a reserved device name (`CON`, `NUL`, …) gains a
/// `_`. So a time written with colons, or a database called `con.db`, never makes a file that
/// cannot be written, or one that is really a device.
pub fn portable_name(name: &str) -> String {
    let mut safe: String = name.chars().map(|c| if c.is_control() || REFUSED.contains(c) { '-' } else { c }).collect();
    safe.truncate(safe.trim_end_matches(['.', ' ']).len());
    let stem = safe.split('.').next().unwrap_or_default().trim_end();
    if RESERVED.iter().any(|r| r.eq_ignore_ascii_case(stem)) {
        safe.insert(stem.len(), '_');
    }
    if safe.is_empty() { "_".to_string() } else { safe }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// What Windows accepts as a file's name (Microsoft's "Naming Files, Paths, and Namespaces"),
    /// written out again here as the test's own oracle.
    fn valid_on_windows(name: &str) -> bool {
        let stem = name.split('.').next().unwrap_or_default().trim_end().to_ascii_uppercase();
        let device = ["CON", "PRN", "AUX", "NUL"].contains(&stem.as_str())
            || (stem.len() == 4
                && (stem.starts_with("COM") || stem.starts_with("LPT"))
                && stem.ends_with(|c: char| c.is_ascii_digit() && c != '0'));
        !name.is_empty()
            && !name.chars().any(|c| c.is_control() || ":*?\"<>|/\\".contains(c))
            && !name.ends_with(['.', ' '])
            && !device
    }

    #[test]
    fn a_name_windows_would_refuse_is_made_one_it_takes() {
        for (given, made) in [
            ("cutover-2026-11-27-14.db", "cutover-2026-11-27-14.db"),
            ("export 2026-11-27T14:30:00Z.cutover", "export 2026-11-27T14-30-00Z.cutover"),
            (r#"what? <this> | "that""#, "what- -this- - -that-"),
            (r"a/b\c", "a-b-c"),
            ("report. . .", "report"),
            ("CON", "CON_"),
            ("nul.db", "nul_.db"),
            ("Com1.db.backups", "Com1_.db.backups"),
            ("lpt9 .log", "lpt9_ .log"),
            ("console.db", "console.db"),
            ("COM0.db", "COM0.db"),
            ("...", "_"),
            ("tab\there", "tab-here"),
            ("Llanfair\u{ad}pwll ✓ שלום.db", "Llanfair\u{ad}pwll ✓ שלום.db"),
        ] {
            assert_eq!(portable_name(given), made, "{given:?}");
            assert!(valid_on_windows(made), "{made:?}");
        }
        assert!(!valid_on_windows("lpt9 .log") && !valid_on_windows("a:b") && !valid_on_windows("x."));
    }

    proptest::proptest! {
        #[test]
        fn any_name_is_made_valid_on_windows(
            start in proptest::sample::select(&["CON", "nul", "Com7", "lpt1", "AUX", "prn", "report", ""][..]),
            rest in "[ .:*?<>|/\\\t\u{0}-\u{1f}a-z\\PC]{0,16}",
        ) {
            let name = format!("{start}{rest}");
            let made = portable_name(&name);
            proptest::prop_assert!(valid_on_windows(&made), "{:?} made {:?}", name, made);
        }
    }

    #[cfg(unix)]
    #[test]
    fn a_private_file_is_private_whether_new_or_replaced() {
        use crate::platform::{mode_of as mode, set_mode};
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("report.csv");
        write_private(&path, b"one").unwrap();
        assert_eq!(mode(&path), 0o600);
        set_mode(&path, 0o644);
        write_private(&path, b"two").unwrap();
        assert_eq!((mode(&path), std::fs::read(&path).unwrap()), (0o600, b"two".to_vec()));
        let refused = create_private(&path, Existing::Refuse).unwrap_err();
        assert_eq!(refused.kind(), std::io::ErrorKind::AlreadyExists);
    }

    #[test]
    fn a_file_written_replaces_what_was_there_and_a_copy_never_does() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("report.csv");
        write_private(&path, b"one").unwrap();
        write_private(&path, b"two").unwrap();
        assert_eq!(std::fs::read(&path).unwrap(), b"two");
        let refused = create_private(&path, Existing::Refuse).unwrap_err();
        assert_eq!(refused.kind(), std::io::ErrorKind::AlreadyExists);
    }
}
