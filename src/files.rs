//! Files cutover writes: private to their owner from the first byte, and a read-only disk told
//! apart from other faults.

use std::fs::{File, OpenOptions, Permissions};
use std::io::Write;
use std::os::unix::fs::{OpenOptionsExt, PermissionsExt};
use std::path::Path;

use crate::error::{Error, Result};

/// Readable and writable by the owner only: every file that holds patient details, like the
/// database itself.
const PRIVATE: u32 = 0o600;

/// What to do when the file is already there.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Existing {
    /// Fail with `AlreadyExists`: copies of the database never overwrite anything.
    Refuse,
    /// Empty it and write it again (a report or worklist written to the same name each time).
    Replace,
}

/// Creates `path` readable by its owner only. The mode given at creation applies only to a new
/// file and can be narrowed by the umask, so it is set again on the open file, before any byte is
/// written: a file that was there, open to everyone, becomes private too.
pub fn create_private(path: &Path, existing: Existing) -> std::io::Result<File> {
    let mut options = OpenOptions::new();
    options.write(true).mode(PRIVATE);
    match existing {
        Existing::Refuse => options.create_new(true),
        Existing::Replace => options.create(true).truncate(true),
    };
    let file = options.open(path)?;
    file.set_permissions(Permissions::from_mode(PRIVATE))?;
    Ok(file)
}

/// Writes `bytes` to `path`, replacing what it held, as a private file, and waits until they are
/// on the disk.
pub fn write_private(path: &Path, bytes: &[u8]) -> Result<()> {
    let fault = |source| Error::file(path, source);
    let mut file = create_private(path, Existing::Replace).map_err(fault)?;
    file.write_all(bytes).map_err(fault)?;
    file.sync_all().map_err(fault)
}

/// Whether two paths name one file (the same device and inode: a link or another spelling of the
/// path counts as the same). A path that does not exist is the same as nothing.
pub fn same_file(a: &Path, b: &Path) -> bool {
    use std::os::unix::fs::MetadataExt;
    match (std::fs::metadata(a), std::fs::metadata(b)) {
        (Ok(a), Ok(b)) => a.dev() == b.dev() && a.ino() == b.ino(),
        _ => false,
    }
}

/// Whether `path` (a file or a folder) is on a disk that is mounted read-only: a locked USB stick,
/// a share mounted read-only, a disk the system found faults on. Nobody can write there, not even
/// the superuser, whatever the files' permissions say.
pub fn on_read_only_disk(path: &Path) -> bool {
    rustix::fs::statvfs(path).is_ok_and(|fs| fs.f_flag.contains(rustix::fs::StatVfsMountFlags::RDONLY))
}

/// Whether the permission bits of `path` let nobody write it. The superuser could still, so these
/// are checked as well as trusting the system: what a manager marked read-only stays unwritten.
pub fn marked_read_only(path: &Path) -> bool {
    std::fs::metadata(path).is_ok_and(|m| m.permissions().mode() & 0o222 == 0)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn mode(path: &Path) -> u32 {
        std::fs::metadata(path).unwrap().permissions().mode() & 0o777
    }

    #[test]
    fn a_private_file_is_private_whether_new_or_replaced() {
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
    fn a_temporary_folder_is_not_on_a_read_only_disk() {
        let dir = tempfile::tempdir().unwrap();
        assert!(!on_read_only_disk(dir.path()));
        assert!(!on_read_only_disk(&dir.path().join("not there")));
    }
}
