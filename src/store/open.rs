//! Opening a database file: refuse anything that is not ours or is too new before writing a byte,
//! create new files private to their owner, then set durability and migrate.

use std::fs;
use std::path::Path;

use rusqlite::{Connection, OpenFlags};

use super::Store;
use super::cipher;
use super::migrate::{self, APPLICATION_ID, LATEST_VERSION};
use crate::config::{self, DatabaseLocation};
use crate::error::{Error, Result};
use crate::files::{self, Existing};
use crate::platform;

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum OpenMode {
    /// Create the database if it does not exist yet.
    Create,
    /// The database must already exist, and is brought up to date to be written.
    Existing,
    /// For a command that only reads (`commands::only_reads`): the file is read as it
    /// stands and nothing of it changes, so that a backup or an export checked or looked into is
    /// still the copy that was taken. Not switched to the write-ahead log, not brought up to this
    /// program's format, no row of this PC's added, no write taken. A file of an older format is
    /// refused: the reads ask for this program's.
    Read,
    /// `Read`, for a command that takes the file as a file whatever its format (`check`, `backup`).
    ReadAsItIs,
}

impl OpenMode {
    fn only_reads(self) -> bool {
        matches!(self, OpenMode::Read | OpenMode::ReadAsItIs)
    }
}

pub fn open(location: &DatabaseLocation, mode: OpenMode) -> Result<Store> {
    let path = location.path.as_path();
    refuse_where_sqlite_fails(path)?;
    let folder = match path.parent() {
        Some(p) if !p.as_os_str().is_empty() => p.to_path_buf(),
        _ => std::path::PathBuf::from("."),
    };
    let file_error = |source| Error::file(path, source);

    // Only a file made here, just now, may be taken as a new database: an existing file that is
    // empty or holds a few bytes is one cut short or not ours, never one to fill in.
    let made_here = !path.exists();
    if made_here {
        if mode != OpenMode::Create {
            return Err(Error::DatabaseMissing(path.to_path_buf()));
        }
        if !folder.exists() {
            if !location.is_default {
                return Err(Error::FolderMissing(folder));
            }
            crate::platform::create_private_dir(&folder, true).map_err(file_error)?;
        }
        if files::on_read_only_disk(&folder) {
            return Err(Error::ReadOnlyDisk(path.to_path_buf()));
        }
        if files::marked_read_only(&folder) {
            return Err(Error::ReadOnlyFolder(folder));
        }
        // An empty file is a valid empty SQLite database; made here so that it is private from the
        // start. SQLite gives its journal files the same permissions.
        files::create_private(path, Existing::Refuse).map_err(|e| match e.kind() {
            std::io::ErrorKind::PermissionDenied => Error::ReadOnlyFolder(folder.clone()),
            std::io::ErrorKind::ReadOnlyFilesystem => Error::ReadOnlyDisk(path.to_path_buf()),
            _ => file_error(e),
        })?;
    } else if path.is_dir() {
        return Err(file_error(std::io::Error::from(std::io::ErrorKind::IsADirectory)));
    }

    // The disk is asked, and the permission bits checked as well as trusting the OS, because the
    // superuser may write anything: a file a manager marked read-only should stay unwritten
    // whoever runs cutover. On a read-only disk SQLite could not even make the files it reads with.
    let read_only = crate::error::read_only_at(path);
    let key =
        if made_here { location.passphrase.clone() } else { cipher::key_for(path, location.passphrase.as_ref())? };
    // Read and write even to only read: SQLite writes nothing to a file it only reads, but a
    // read-only connection leaves the live database's journal files beside it when it closes last,
    // and `backup` writes its copy through this connection.
    let mut conn = match &read_only {
        None => Connection::open_with_flags(path, OpenFlags::SQLITE_OPEN_READ_WRITE | OpenFlags::SQLITE_OPEN_NO_MUTEX)?,
        Some(refusal) => open_untouchable(path, &folder, refusal)?,
    };
    cipher::unlock(&conn, key.as_ref())?;
    conn.busy_timeout(config::busy_timeout())?;

    // Reads only, until we know the file is ours and not from a newer version.
    let identity = identify(&conn, path).map_err(|e| match e.at(path) {
        Error::NotADatabase(_) if key.is_some() => Error::WrongPassphrase(path.to_path_buf()),
        other => other,
    })?;
    if identity.is_new && !made_here {
        let empty = fs::metadata(path).map(|m| m.len() == 0).unwrap_or(false);
        return Err(if empty {
            Error::EmptyDatabaseFile(path.to_path_buf())
        } else {
            Error::NotADatabase(path.to_path_buf())
        });
    }
    if mode.only_reads() {
        if mode == OpenMode::Read && identity.version < LATEST_VERSION {
            return Err(Error::OlderFormat {
                path: path.to_path_buf(),
                found: identity.version,
                known: LATEST_VERSION,
            });
        }
        conn.pragma_update(None, "foreign_keys", true)?;
        // Writes are refused before they start; a file or folder that cannot be written says so.
        let read_only = Some(read_only.unwrap_or_else(|| Error::OnlyReading(path.to_path_buf())));
        return Ok(Store { conn, path: path.to_path_buf(), read_only, key });
    }
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
    let store = Store { conn, path: path.to_path_buf(), read_only, key };
    if store.read_only.is_none() && store.local_workstation_id()?.is_none() {
        store.write(|tx| tx.ensure_local_workstation().map(|_| ()))?;
    }
    if store.read_only.is_none() {
        store.note_home()?;
    }
    Ok(store)
}

/// Places SQLite cannot keep a database safely or at all, refused before anything is touched: a
/// network drive (its locks do not hold there), a path too long to open, a file another program
/// holds (waited for as long as for another writer).
fn refuse_where_sqlite_fails(path: &Path) -> Result<()> {
    if platform::on_network_drive(path) {
        return Err(Error::NetworkDrive(path.to_path_buf()));
    }
    if platform::path_too_long(path) {
        return Err(Error::path_too_long(path));
    }
    let timeout = config::busy_timeout();
    let started = std::time::Instant::now();
    while platform::locked_by_another_program(path) {
        if started.elapsed() >= timeout {
            return Err(Error::LockedByAnotherProgram {
                path: path.to_path_buf(),
                waited_ms: timeout.as_millis() as u64,
            });
        }
        std::thread::sleep(std::time::Duration::from_millis(50));
    }
    Ok(())
}

struct Identity {
    version: i64,
    is_wal: bool,
    /// Nothing in it at all: no tables, no version, no mark of ours.
    is_new: bool,
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
    Ok(Identity { version, is_wal: journal.eq_ignore_ascii_case("wal"), is_new })
}

/// Opens a database that must not be written, without creating the journal files WAL mode would
/// leave beside it. That is only safe when no unsaved journal is waiting beside the file: a journal
/// holding saves not yet in the file would be ignored, so then the refusal stands.
fn open_untouchable(path: &Path, folder: &Path, refusal: &Error) -> Result<Connection> {
    let mut wal = path.as_os_str().to_owned();
    wal.push("-wal");
    if fs::metadata(&wal).map(|m| m.len() > 0).unwrap_or(false) {
        return Err(refusal.read_only_again().unwrap_or_else(|| Error::ReadOnlyFolder(folder.to_path_buf())));
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
