//! Files cutover writes: private to their owner from the first byte, and a read-only disk told
//! apart from other faults.

use std::fs::{File, OpenOptions};
use std::io::Write;
use std::path::Path;

use crate::error::{Error, Result};
pub use crate::platform::{marked_read_only, on_read_only_disk, same_file};

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

#[cfg(test)]
mod tests {
    use super::*;

    #[cfg(unix)]
    fn mode(path: &Path) -> u32 {
        use std::os::unix::fs::PermissionsExt;
        std::fs::metadata(path).unwrap().permissions().mode() & 0o777
    }

    #[cfg(unix)]
    #[test]
    fn a_private_file_is_private_whether_new_or_replaced() {
        use std::fs::Permissions;
        use std::os::unix::fs::PermissionsExt;
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("report.csv");
        write_private(&path, b"one").unwrap();
        assert_eq!(mode(&path), 0o600);
        std::fs::set_permissions(&path, Permissions::from_mode(0o644)).unwrap();
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
