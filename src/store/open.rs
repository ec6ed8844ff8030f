//! Opening a database file: refuse anything that is not ours or is too new before writing a byte,
//! create new files private to their owner, then set durability and migrate.

use std::fs::{self, DirBuilder, OpenOptions};
use std::os::unix::fs::{DirBuilderExt, OpenOptionsExt, PermissionsExt};
use std::path::Path;

use rusqlite::{Connection, OpenFlags};

use super::Store;
use super::migrate::{self, APPLICATION_ID, LATEST_VERSION};
use crate::config::{self, DatabaseLocation};
use crate::error::{Error, Result};

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum OpenMode {
    /// Create the database if it does not exist yet.
    Create,
    /// The database must already exist (commands that only read, or act on existing entries).
    Existing,
}

pub fn open(location: &DatabaseLocation, mode: OpenMode) -> Result<Store> {
    let path = location.path.as_path();
    let folder = match path.parent() {
        Some(p) if !p.as_os_str().is_empty() => p.to_path_buf(),
        _ => std::path::PathBuf::from("."),
    };
    let file_error = |source| Error::File { path: path.to_path_buf(), source };

    if !path.exists() {
        if mode == OpenMode::Existing {
            return Err(Error::DatabaseMissing(path.to_path_buf()));
        }
        if !folder.exists() {
            if !location.is_default {
                return Err(Error::FolderMissing(folder));
            }
            DirBuilder::new().recursive(true).mode(0o700).create(&folder).map_err(file_error)?;
        }
        if is_read_only(&folder) {
            return Err(Error::ReadOnlyFolder(folder));
        }
        create_private_file(path).map_err(|e| match e.kind() {
            std::io::ErrorKind::PermissionDenied => Error::ReadOnlyFolder(folder.clone()),
            _ => file_error(e),
        })?;
    } else if path.is_dir() {
        return Err(file_error(std::io::Error::from(std::io::ErrorKind::IsADirectory)));
    }

    // The permission bits are checked as well as trusting the OS, because the superuser may write
    // anything: a file a manager marked read-only should stay unwritten whoever runs cutover.
    let read_only = if is_read_only(path) {
        Some(Error::ReadOnlyFile(path.to_path_buf()))
    } else if is_read_only(&folder) {
        Some(Error::ReadOnlyFolder(folder.clone()))
    } else {
        None
    };
    let mut conn = match &read_only {
        None => Connection::open_with_flags(path, OpenFlags::SQLITE_OPEN_READ_WRITE | OpenFlags::SQLITE_OPEN_NO_MUTEX)?,
        Some(refusal) => open_untouchable(path, &folder, refusal)?,
    };
    conn.busy_timeout(config::busy_timeout())?;

    // Reads only, until we know the file is ours and not from a newer version.
    let identity = identify(&conn, path)?;
    // A read-only database is read as it stands (its immutable connection reports no WAL).
    let needs_setup = identity.version < LATEST_VERSION || (!identity.is_wal && read_only.is_none());
    if needs_setup {
        if let Some(e) = read_only {
            return Err(e);
        }
        if !identity.is_wal {
            // Cannot be changed inside a transaction; WAL lets readers carry on while one writes.
            conn.pragma_update_and_check(None, "journal_mode", "WAL", |_| Ok(()))?;
        }
    }
    conn.pragma_update(None, "synchronous", "FULL")?;
    conn.pragma_update(None, "foreign_keys", true)?;
    if needs_setup {
        migrate::migrate(&mut conn)?;
    }
    let store = Store { conn, path: path.to_path_buf(), read_only };
    if store.read_only.is_none() && store.local_workstation_id()?.is_none() {
        store.write(|tx| tx.ensure_local_workstation().map(|_| ()))?;
    }
    Ok(store)
}

struct Identity {
    version: i64,
    is_wal: bool,
}

fn identify(conn: &Connection, path: &Path) -> Result<Identity> {
    let version = migrate::user_version(conn)?;
    let application_id: i64 = conn.query_row("PRAGMA application_id", [], |r| r.get(0))?;
    let objects: i64 = conn.query_row("SELECT count(*) FROM sqlite_master", [], |r| r.get(0))?;
    let journal: String = conn.query_row("PRAGMA journal_mode", [], |r| r.get(0))?;
    let is_new = application_id == 0 && version == 0 && objects == 0;
    if !is_new && application_id != APPLICATION_ID {
        return Err(Error::ForeignDatabase(path.to_path_buf()));
    }
    if version > LATEST_VERSION {
        return Err(Error::NewerSchema { path: path.to_path_buf(), found: version, known: LATEST_VERSION });
    }
    Ok(Identity { version, is_wal: journal.eq_ignore_ascii_case("wal") })
}

/// Opens a database that must not be written, without creating the journal files WAL mode would
/// leave beside it. That is only safe when no unsaved journal is waiting beside the file: a journal
/// holding saves not yet in the file would be ignored, so then the refusal stands.
fn open_untouchable(path: &Path, folder: &Path, refusal: &Error) -> Result<Connection> {
    let mut wal = path.as_os_str().to_owned();
    wal.push("-wal");
    if fs::metadata(&wal).map(|m| m.len() > 0).unwrap_or(false) {
        return Err(match refusal {
            Error::ReadOnlyFolder(_) => Error::ReadOnlyFolder(folder.to_path_buf()),
            _ => Error::ReadOnlyFile(path.to_path_buf()),
        });
    }
    let uri = file_uri(path, "immutable=1");
    Ok(Connection::open_with_flags(
        uri,
        OpenFlags::SQLITE_OPEN_READ_ONLY | OpenFlags::SQLITE_OPEN_URI | OpenFlags::SQLITE_OPEN_NO_MUTEX,
    )?)
}

/// A `file:` URI for SQLite with these query parameters, the path percent-encoded where URIs need it.
pub(super) fn file_uri(path: &Path, parameters: &str) -> String {
    let mut uri = String::from("file:");
    for b in path.as_os_str().as_encoded_bytes() {
        match *b {
            b'/' | b'-' | b'_' | b'.' | b'~' => uri.push(*b as char),
            c if c.is_ascii_alphanumeric() => uri.push(c as char),
            c => uri.push_str(&format!("%{c:02X}")),
        }
    }
    uri.push('?');
    uri.push_str(parameters);
    uri
}

/// An empty file is a valid empty SQLite database; made here so that it is private from the start.
/// SQLite gives its journal files the same permissions.
fn create_private_file(path: &Path) -> std::io::Result<()> {
    OpenOptions::new().write(true).create_new(true).mode(0o600).open(path)?;
    fs::set_permissions(path, fs::Permissions::from_mode(0o600))
}

fn is_read_only(path: &Path) -> bool {
    fs::metadata(path).map(|m| m.permissions().mode() & 0o222 == 0).unwrap_or(false)
}
