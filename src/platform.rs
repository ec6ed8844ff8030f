//! Everything that differs between Unix and Windows, in one place: where the per-user data lives,
//! private folders and files, "is this the same file", what kind of disk a path is on, whether a
//! process still runs, how the program is asked to stop, and the terminal. The rest of the program
//! calls these and never asks which system it is on.

use std::fs::{DirBuilder, File, OpenOptions};
use std::io;
use std::path::{Path, PathBuf};
use std::sync::Arc;
use std::sync::atomic::AtomicBool;

#[cfg(unix)]
mod unix;
#[cfg(unix)]
use unix as imp;
#[cfg(windows)]
mod windows;
#[cfg(windows)]
use windows as imp;

pub use imp::{TERMINAL_MARKS_PASTES, wake_reader_if_input_waits};

/// The per-user folder cutover keeps its database in: `~/.local/share/cutover` (or
/// `$XDG_DATA_HOME/cutover`) on Linux, `%LOCALAPPDATA%\cutover` on Windows. Never the roaming
/// profile, which group policy may redirect to a network share, where SQLite's locking fails.
pub fn data_folder() -> Option<PathBuf> {
    dirs::data_local_dir().map(|dir| dir.join("cutover"))
}

/// Creates a folder only its owner can open (0700 on Unix; on Windows a folder inherits its
/// parent's access list, and the per-user data folder is the user's alone), with its missing
/// parents when `parents`.
pub fn create_private_dir(path: &Path, parents: bool) -> io::Result<()> {
    let mut builder = DirBuilder::new();
    builder.recursive(parents);
    imp::private_dir(&mut builder);
    builder.create(path)
}

/// Opens a file with `options`, readable and writable by its owner only. On Unix the mode given at
/// creation applies only to a new file and can be narrowed by the umask, so it is set again on the
/// open file, before any byte is written: a file that was there, open to everyone, becomes private
/// too. On Windows the file takes the access list of its folder.
pub fn open_private(options: &mut OpenOptions, path: &Path) -> io::Result<File> {
    imp::private_file(options);
    let file = options.open(path)?;
    imp::make_private(&file)?;
    Ok(file)
}

/// Whether two paths name one file (a link, or another spelling of the path, counts as the same).
/// A path that does not exist is the same as nothing.
pub fn same_file(a: &Path, b: &Path) -> bool {
    same_file::is_same_file(a, b).unwrap_or(false)
}

/// `path` made absolute with links resolved, written the way people write paths: `C:\…`, not
/// `\\?\C:\…`, on Windows.
pub fn canonicalize(path: &Path) -> io::Result<PathBuf> {
    dunce::canonicalize(path)
}

/// `path` as it should be shown to a person: without the `\\?\` Windows puts before long paths.
pub fn shown(path: &Path) -> &Path {
    dunce::simplified(path)
}

/// Whether `path` (a file or a folder) is on a disk that is mounted read-only: a locked USB stick,
/// a share mounted read-only, a disk the system found faults on. Nobody can write there, not even
/// the superuser or an administrator, whatever the files' permissions say.
pub fn on_read_only_disk(path: &Path) -> bool {
    imp::on_read_only_disk(path)
}

/// Whether `path` is marked so that nobody writes it: no write bits on Unix (checked as well as
/// trusting the system, because the superuser could still write it), the read-only attribute of
/// a file on Windows. Windows ignores that attribute on folders, so a folder there never is.
pub fn marked_read_only(path: &Path) -> bool {
    std::fs::metadata(path).is_ok_and(|m| m.permissions().readonly() && imp::read_only_attribute_counts(&m))
}

/// Whether `path` is on another computer: a `\\server\share` path or a mapped network drive on
/// Windows. A live SQLite database must never be there: its locks do not hold across a network,
/// so two computers writing at once can damage it. On Unix a network mount cannot be told apart
/// reliably, and the practice's machines are Windows: it always says no.
pub fn on_network_drive(path: &Path) -> bool {
    imp::on_network_drive(path)
}

/// The most cutover and SQLite add to a path: an hourly backup beside the database, while it is
/// being written, with its journal.
const ADDED_TO_NAMES: usize = r".backups\cutover-2026-11-27-14GMT.db.partial-4294967295-journal".len();

/// The longest path, in characters, cutover takes for a database or a file it writes: what SQLite
/// can open here, less room for the names it adds. On Windows SQLite opens at most `MAX_PATH`
/// (259 characters and the end), so 196; on Unix there is no limit worth checking before trying.
pub const LONGEST_USABLE_PATH: usize = imp::LONGEST_PATH.saturating_sub(ADDED_TO_NAMES);

/// `path`'s length in characters, made absolute as the system will see it.
pub fn path_length(path: &Path) -> usize {
    let absolute = std::path::absolute(path).unwrap_or_else(|_| path.to_path_buf());
    shown(&absolute).as_os_str().to_string_lossy().chars().count()
}

/// Whether `path` is longer than cutover can use here (see [`LONGEST_USABLE_PATH`]).
pub fn path_too_long(path: &Path) -> bool {
    path_length(path) > LONGEST_USABLE_PATH
}

/// Whether another program (antivirus or backup software, say) has `path` open so that nobody
/// else may use it. Only Windows locks files that way; on Unix this is never so.
pub fn locked_by_another_program(path: &Path) -> bool {
    imp::locked_by_another_program(path)
}

/// Whether process `pid` is running on this computer; `None` when this computer cannot tell.
pub fn process_running(pid: u32) -> Option<bool> {
    imp::process_running(pid)
}

/// Sets `stop` when the program is asked to end from outside: SIGTERM or SIGHUP (a closed
/// terminal) on Unix; the console window closed, the user logging off, the computer shutting down
/// or Ctrl-Break on Windows. Windows ends the process as soon as it has been told of a closed
/// window, so there the request waits, for a few seconds at most, until the returned guard is
/// dropped: the UI keeps its draft and leaves, then drops it. The draft is saved as it is typed
/// anyway, so nothing depends on this wait.
pub fn on_termination(stop: Arc<AtomicBool>) -> io::Result<Left> {
    imp::on_termination(stop)?;
    Ok(Left(()))
}

/// Dropped when the program has done what it must before it ends (see [`on_termination`]).
#[must_use = "the program is taken to have finished when this is dropped"]
pub struct Left(());

impl Drop for Left {
    fn drop(&mut self) {
        imp::left();
    }
}

/// A file's permission bits (`0o600`), for tests that check what was made private.
#[cfg(all(test, unix))]
pub fn mode_of(path: &Path) -> u32 {
    use std::os::unix::fs::PermissionsExt;
    std::fs::metadata(path).expect("metadata").permissions().mode() & 0o777
}

/// Sets a file's or folder's permission bits, for tests that make one read-only or open.
#[cfg(all(test, unix))]
pub fn set_mode(path: &Path, mode: u32) {
    use std::os::unix::fs::PermissionsExt;
    std::fs::set_permissions(path, std::fs::Permissions::from_mode(mode)).expect("permissions changed");
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn two_spellings_of_one_file_are_the_same_file_and_a_missing_one_is_not() {
        let dir = tempfile::tempdir().unwrap();
        let a = dir.path().join("a.db");
        std::fs::write(&a, b"x").unwrap();
        let b = dir.path().join("b.db");
        std::fs::write(&b, b"x").unwrap();
        let again = dir.path().join(".").join("a.db");
        assert!(same_file(&a, &again));
        assert!(!same_file(&a, &b));
        assert!(!same_file(&a, &dir.path().join("missing.db")));
        assert!(!same_file(&dir.path().join("missing.db"), &dir.path().join("missing.db")));
    }

    #[test]
    fn a_canonical_path_is_written_plainly() {
        let dir = tempfile::tempdir().unwrap();
        let path = canonicalize(dir.path()).unwrap();
        assert!(!path.to_string_lossy().starts_with(r"\\?\"), "{}", path.display());
        assert!(path.is_absolute());
        assert_eq!(shown(Path::new(r"\\?\C:\Users\reception\cutover.db")).to_string_lossy(), {
            if cfg!(windows) { r"C:\Users\reception\cutover.db" } else { r"\\?\C:\Users\reception\cutover.db" }
        });
    }

    #[test]
    fn the_data_folder_is_the_local_one_never_the_roaming_one() {
        let folder = data_folder().expect("a per-user data folder");
        assert_eq!(folder.file_name().unwrap(), "cutover");
        assert_eq!(folder.parent(), dirs::data_local_dir().as_deref());
        if cfg!(windows) {
            assert_ne!(folder.parent(), dirs::data_dir().as_deref(), "Roaming");
        }
    }

    #[test]
    fn a_private_folder_and_file_are_made_and_a_file_marked_read_only_is_seen() {
        let dir = tempfile::tempdir().unwrap();
        let folder = dir.path().join("one").join("two");
        assert!(create_private_dir(&folder, false).is_err(), "no parents unless asked");
        create_private_dir(&folder, true).unwrap();
        let path = folder.join("f.db");
        let file = open_private(OpenOptions::new().write(true).create_new(true), &path).unwrap();
        drop(file);
        assert!(!marked_read_only(&path));
        let mut permissions = std::fs::metadata(&path).unwrap().permissions();
        permissions.set_readonly(true);
        std::fs::set_permissions(&path, permissions.clone()).unwrap();
        assert!(marked_read_only(&path));
        #[cfg(unix)]
        let permissions = std::os::unix::fs::PermissionsExt::from_mode(0o600);
        #[cfg(windows)]
        #[allow(clippy::permissions_set_readonly_false)] // the attribute, not the world's write bit
        permissions.set_readonly(false);
        std::fs::set_permissions(&path, permissions).unwrap();
        assert!(!marked_read_only(&path));
        assert!(!locked_by_another_program(&path));
        assert!(!on_read_only_disk(dir.path()));
        assert!(!on_read_only_disk(&dir.path().join("not there")));
        assert!(!on_network_drive(&path));
    }

    #[test]
    fn this_process_is_running() {
        assert_ne!(process_running(std::process::id()), Some(false));
        if cfg!(any(windows, target_os = "linux")) {
            assert_eq!(process_running(std::process::id()), Some(true));
        }
    }

    #[test]
    fn only_a_path_too_long_for_windows_is_too_long() {
        assert!(!path_too_long(Path::new("cutover.db")));
        let long = Path::new("folder").join("x".repeat(250)).join("cutover.db");
        assert_eq!(path_too_long(&long), cfg!(windows));
    }
}
