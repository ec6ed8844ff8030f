//! Consistent copies of the database with SQLCipher's `sqlcipher_export()`, encrypted as the
//! database is: for `backup`, for `export`
//! (a copy that also describes itself) and for the rolling backups kept beside the database.
//! Copying reads one snapshot; in WAL mode others carry on saving while it is taken. Every copy
//! passes the check `cutover check` makes before it is given its name: a copy of a damaged
//! database carries the damage, and must never take the place of a good one.

use std::path::{Path, PathBuf};
use std::time::Duration;

use chrono::{DateTime, Utc};
use rusqlite::{Connection, OptionalExtension};
use serde_json::json;

use super::cipher::{self, Passphrase, Sealing};
use super::{Actor, Finding, Store};
use crate::domain::time;
use crate::error::{CopyKind, DamagedCopy, Error, Exchange, Result};
use crate::files::{self, Existing};

/// What an export says about itself, in its `export_info` table.
#[derive(Debug, Clone)]
pub struct ExportLabel<'a> {
    pub exported_by: Option<&'a str>,
    pub exported_at: chrono::DateTime<chrono::Utc>,
}

impl Store {
    /// Copies the database to `dest`, which must not exist yet. The copy is written beside `dest`
    /// under another name, checked as `cutover check` checks, and only then given its name: a
    /// half-written copy never has it, nor does a copy of a damaged database.
    pub fn copy_to(&self, dest: &Path) -> Result<()> {
        copy_checked(self, dest, Existing::Refuse, CopyKind::Backup(dest.to_path_buf()), |_| Ok(()))
    }

    /// An export: a copy of everything, plus an `export_info` table saying what it is. Audited.
    /// A damaged database is refused before anything is recorded in it.
    pub fn export_to(&self, dest: &Path, actor: Option<&Actor>, label: &ExportLabel) -> Result<()> {
        let refused = CopyKind::Export(dest.to_path_buf());
        let found = problems(self)?;
        if !found.is_empty() {
            return Err(damaged(&self.path, found, refused));
        }
        if let Some(actor) = actor.filter(|_| self.read_only.is_none()) {
            let file = dest.file_name().map(|n| n.to_string_lossy().into_owned()).unwrap_or_default();
            self.write_at(label.exported_at, |tx| tx.audit(actor, "export", None, json!({ "file": file })))?;
        }
        let workstation = self.local_workstation().ok();
        let counts = self.counts()?;
        copy_checked(self, dest, Existing::Refuse, refused, |copy| {
            copy.execute_batch("CREATE TABLE export_info (key TEXT PRIMARY KEY, value TEXT NOT NULL) STRICT;")?;
            let mut rows: Vec<(String, String)> = vec![
                ("format".into(), "cutover export: a cutover database, read by `cutover merge`".into()),
                ("program_version".into(), env!("CARGO_PKG_VERSION").into()),
                ("schema_version".into(), super::LATEST_VERSION.to_string()),
                ("exported_at".into(), time::to_storage(label.exported_at)),
                ("exported_by".into(), label.exported_by.unwrap_or("").into()),
            ];
            if let Some(w) = &workstation {
                rows.push(("workstation_id".into(), w.id.clone()));
                rows.push(("workstation_name".into(), w.name.clone()));
                rows.push(("workstation_prefix".into(), w.prefix.clone()));
            }
            for (name, n) in &counts {
                rows.push((format!("count: {name}"), n.to_string()));
            }
            let mut stmt = copy.prepare("INSERT INTO export_info (key, value) VALUES (?1, ?2)")?;
            for (k, v) in rows {
                stmt.execute([k, v])?;
            }
            // Last, over everything else: a byte changed anywhere after this is found at the merge.
            stmt.execute([super::digest::KEY.to_string(), super::digest::content_digest(copy)?])?;
            Ok(())
        })
    }
}

/// A database or copy opened for reading only, as a store, so that `check` can be asked of it.
fn reading(conn: Connection, path: &Path, key: Option<Passphrase>) -> Store {
    Store { conn, path: path.to_path_buf(), read_only: Some(Error::ReadOnlyFile(path.to_path_buf())), key }
}

/// A backup (one file, no journal) opened to be read, with the practice's passphrase if it is
/// encrypted.
fn open_for_reading(path: &Path, passphrase: Option<&Passphrase>) -> Result<(Connection, Option<Passphrase>)> {
    open_with(path, passphrase, rusqlite::OpenFlags::SQLITE_OPEN_READ_ONLY)
}

/// The database, opened to be read after a save. Not read-only: a read-only connection cannot tidy
/// the journal files away when it is the last to close (as after a command), and would leave them
/// beside the file after every save. Nothing is written through it.
fn open_database(path: &Path, passphrase: Option<&Passphrase>) -> Result<(Connection, Option<Passphrase>)> {
    open_with(path, passphrase, rusqlite::OpenFlags::SQLITE_OPEN_READ_WRITE)
}

fn open_with(
    path: &Path,
    passphrase: Option<&Passphrase>,
    flags: rusqlite::OpenFlags,
) -> Result<(Connection, Option<Passphrase>)> {
    let key = cipher::key_for(path, passphrase)?;
    let at = |e| Error::Sqlite(e).at(path);
    let conn = Connection::open_with_flags(path, flags | rusqlite::OpenFlags::SQLITE_OPEN_NO_MUTEX).map_err(at)?;
    cipher::unlock(&conn, key.as_ref()).map_err(at)?;
    conn.busy_timeout(crate::config::busy_timeout()).map_err(at)?;
    Ok((conn, key))
}

/// Copies the database file at `db` to `dest` on a connection of its own, which only reads: for the
/// rolling backups, which may be taken on another thread while the program carries on saving.
/// `Existing::Replace` puts a newer copy in the place of an older one, once it has passed. An
/// encrypted database is opened, and copied, with `passphrase`.
pub fn copy_file(db: &Path, passphrase: Option<&Passphrase>, dest: &Path, existing: Existing) -> Result<()> {
    let (conn, key) = open_database(db, passphrase)?;
    let source = reading(conn, db, key);
    copy_checked(&source, dest, existing, CopyKind::Rolling, |_| Ok(()))
}

/// What `cutover check` finds wrong with `store`; a read that fails on damage is one more finding.
fn problems(store: &Store) -> Result<Vec<Finding>> {
    match store.check() {
        Err(Error::Corrupt { detail, .. }) => Ok(vec![read_failed(&detail)]),
        other => other,
    }
}

fn read_failed(detail: &str) -> Finding {
    Finding(format!("SQLite: {}", detail.trim()))
}

fn damaged(source: &Path, findings: Vec<Finding>, refused: CopyKind) -> Error {
    Error::DamagedNotCopied(Box::new(DamagedCopy { database: source.to_path_buf(), findings, refused, newest: None }))
}

/// The database found damaged by reading it (before its check could be asked): refused as damaged.
fn refused_if_damaged(e: Error, source: &Path, refused: CopyKind) -> Error {
    match e {
        Error::Corrupt { path, detail } if path == source => damaged(source, vec![read_failed(&detail)], refused),
        other => other,
    }
}

fn copy_checked(
    source: &Store,
    dest: &Path,
    existing: Existing,
    refused: CopyKind,
    finish: impl FnOnce(&Connection) -> rusqlite::Result<()>,
) -> Result<()> {
    if existing == Existing::Refuse && dest.exists() {
        return Err(Error::Exchange(Exchange::OutputExists(dest.to_path_buf())));
    }
    if let (Ok(a), Ok(b)) =
        (crate::platform::canonicalize(&source.path), dest.parent().map(crate::platform::canonicalize).transpose())
        && b.map(|folder| folder.join(dest.file_name().unwrap_or_default())) == Some(a)
    {
        return Err(Error::Exchange(Exchange::OutputIsDatabase(dest.to_path_buf())));
    }
    if let Some(folder) = dest.parent() {
        let name = dest.file_name().unwrap_or_default().to_string_lossy().into_owned();
        remove_stale_partials(folder, |copy_of| copy_of == name);
    }
    let partial = partial_name(dest);
    // The copy is named after what was asked for: the partial name means nothing to anyone.
    files::create_private(&partial, Existing::Refuse).map_err(|e| Error::file(dest, e))?;
    let found = match copy_into(source, &partial, dest, source.key.as_ref(), finish) {
        Ok(found) => found,
        Err(e) => {
            let _ = std::fs::remove_file(&partial);
            // SQLCipher's export reports damage it reads as a plain error: the check says which.
            return Err(match problems(source) {
                Ok(found) if !found.is_empty() => damaged(&source.path, found, refused),
                _ => refused_if_damaged(e, &source.path, refused),
            });
        }
    };
    if !found.is_empty() {
        let _ = std::fs::remove_file(&partial);
        // The copy is the database page for page: its damage is the database's, unless the
        // database passes (then the disk the copy went to spoilt it).
        let at_source = problems(source)?;
        return Err(if at_source.is_empty() {
            Error::CopyUnsound { out: dest.to_path_buf(), detail: found[0].0.clone() }
        } else {
            damaged(&source.path, at_source, refused)
        });
    }
    let named = match existing {
        // Only a rolling backup replaces its older self: in one step, so its name always holds a whole copy.
        Existing::Replace => std::fs::rename(&partial, dest).map_err(|e| Error::file(dest, e)),
        Existing::Refuse => give_name(&partial, dest),
    };
    if named.is_err() {
        let _ = std::fs::remove_file(&partial);
    }
    named
}

/// A hard link gives the copy its name only if nothing has that name: never overwrites.
fn give_name(partial: &Path, dest: &Path) -> Result<()> {
    match std::fs::hard_link(partial, dest) {
        Ok(()) => {
            // The copy has its name; a leftover second name for it harms nothing.
            let _ = std::fs::remove_file(partial);
            Ok(())
        }
        Err(e) if e.kind() == std::io::ErrorKind::AlreadyExists => {
            Err(Error::Exchange(Exchange::OutputExists(dest.to_path_buf())))
        }
        // Some drives (USB sticks formatted FAT) have no hard links.
        Err(_) if !dest.exists() => std::fs::rename(partial, dest).map_err(|e| Error::file(dest, e)),
        Err(_) => Err(Error::Exchange(Exchange::OutputExists(dest.to_path_buf()))),
    }
}

/// Copies `source` into the empty file `partial`, encrypted with `key` (or plain), and returns what
/// `check` finds in the copy. Faults in writing the copy are said of `dest`, the name that was asked for.
fn copy_into(
    source: &Store,
    partial: &Path,
    dest: &Path,
    key: Option<&Passphrase>,
    finish: impl FnOnce(&Connection) -> rusqlite::Result<()>,
) -> Result<Vec<Finding>> {
    let at_copy = |e: rusqlite::Error| Error::Sqlite(e).at_copy(dest);
    cipher::export(&source.conn, partial, key).map_err(|e| copy_fault(e, &source.path, dest))?;
    let copy = Connection::open(partial).map_err(at_copy)?;
    cipher::unlock(&copy, key).map_err(at_copy)?;
    // One self-contained file: no journal beside it to lose when it is copied.
    copy.pragma_update_and_check(None, "journal_mode", "DELETE", |_| Ok(())).map_err(at_copy)?;
    finish(&copy).map_err(at_copy)?;
    let copy = reading(copy, dest, key.cloned());
    let found = problems(&copy)?;
    copy.conn.close().map_err(|(_, e)| at_copy(e))?;
    crate::files::flush_to_disk(partial).map_err(|e| Error::file(dest, e))?;
    Ok(found)
}

/// The database (or a backup) at `path`, opened with `current` if it is encrypted, written again
/// in its place encrypted with `new`: for `cutover encrypt` and `cutover rekey`. The new file is
/// made beside it, checked as `cutover check` checks, and its counts compared with the old one's;
/// only then does it take the old one's name, in one step, so that a power cut at any moment
/// leaves either the old file or the new one, whole. Errors: the file is open in another window
/// (`Busy`: a file with a journal beside it cannot be replaced), damage, or a disk fault; the old
/// file is then as it was.
pub fn reseal(path: &Path, current: Option<&Passphrase>, new: &Passphrase) -> Result<()> {
    let (conn, key) = open_database(path, current)?;
    let at = |e| Error::Sqlite(e).at(path);
    // One self-contained file, which no other connection holds: SQLite changes the journal only
    // when no other connection has the database open.
    let journal: String =
        conn.pragma_update_and_check(None, "journal_mode", "DELETE", |r| r.get(0)).map_err(|e| match at(e) {
            Error::NotADatabase(_) if key.is_some() => Error::WrongPassphrase(path.to_path_buf()),
            Error::Busy { .. } => Error::OpenElsewhere(path.to_path_buf()),
            other => other,
        })?;
    if !journal.eq_ignore_ascii_case("delete") {
        return Err(Error::OpenElsewhere(path.to_path_buf()));
    }
    let source = reading(conn, path, key);
    let found = problems(&source)?;
    if !found.is_empty() {
        return Err(damaged(path, found, CopyKind::Backup(path.to_path_buf())));
    }
    let before = source.counts()?;
    remove_stale_partials(path.parent().unwrap_or(Path::new(".")), |copy_of| {
        Some(copy_of) == path.file_name().and_then(|n| n.to_str())
    });
    let partial = partial_name(path);
    files::create_private(&partial, Existing::Refuse).map_err(|e| Error::file(path, e))?;
    let made = copy_into(&source, &partial, path, Some(new), |_| Ok(())).and_then(|found| {
        if let Some(f) = found.first() {
            return Err(Error::CopyUnsound { out: path.to_path_buf(), detail: f.0.clone() });
        }
        let (copy, _) = open_for_reading(&partial, Some(new))?;
        let after = reading(copy, &partial, Some(new.clone())).counts()?;
        if after != before {
            return Err(Error::CopyUnsound {
                out: path.to_path_buf(),
                detail: "the new file does not hold all that the old one does".to_string(),
            });
        }
        Ok(())
    });
    let Store { conn, .. } = source;
    let closed = conn.close().map_err(|(_, e)| at(e));
    let replaced = made.and(closed).and_then(|()| std::fs::rename(&partial, path).map_err(|e| Error::file(path, e)));
    if replaced.is_err() {
        let _ = std::fs::remove_file(&partial);
    }
    replaced
}

/// A copy reads the database and writes the copy: a full or read-only disk is the copy's.
fn copy_fault(e: rusqlite::Error, source: &Path, dest: &Path) -> Error {
    use rusqlite::ErrorCode;
    match e.sqlite_error_code() {
        Some(ErrorCode::DiskFull | ErrorCode::ReadOnly) => Error::Sqlite(e).at_copy(dest),
        _ => Error::Sqlite(e).at(source),
    }
}

/// The newest change a database or backup file holds: its audit sequence number, id and time.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct LastChange {
    pub seq: i64,
    pub id: String,
    pub at: Option<DateTime<Utc>>,
}

/// The newest change in the database or backup at `path`; `None` for one with no change at all.
pub fn last_change_in(path: &Path, passphrase: Option<&Passphrase>) -> Result<Option<LastChange>> {
    let (conn, _) = open_for_reading(path, passphrase)?;
    let row: Option<(i64, String, String)> = conn
        .query_row("SELECT seq, id, at FROM audit ORDER BY seq DESC LIMIT 1", [], |r| {
            Ok((r.get(0)?, r.get(1)?, r.get(2)?))
        })
        .optional()
        .map_err(|e| Error::Sqlite(e).at(path))?;
    Ok(row.map(|(seq, id, at)| LastChange { seq, id, at: time::from_storage(&at) }))
}

/// How far the database has moved on from a copy of it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum SinceCopy {
    /// The changes recorded since the copy (rows of the audit trail: an import of 500 entries is
    /// 500) and when the first of them was made.
    Changes { changes: u64, first: Option<DateTime<Utc>> },
    /// The copy holds a change the database does not: it is not an earlier state of this
    /// database (another file, or this one restored from an older backup since).
    NotEarlier,
}

/// How far the database at `db` has moved on since `copy` (its newest change) was taken, for the
/// rolling backups: a database found damaged here is refused as `copy_file` refuses it.
pub fn since_copy(db: &Path, passphrase: Option<&Passphrase>, copy: Option<&LastChange>) -> Result<SinceCopy> {
    let (conn, _) = open_database(db, passphrase)?;
    let at_db = |e| refused_if_damaged(Error::Sqlite(e).at(db), db, CopyKind::Rolling);
    let after = match copy {
        None => 0,
        Some(last) => {
            let here: Option<i64> = conn
                .query_row("SELECT seq FROM audit WHERE id = ?1", [&last.id], |r| r.get(0))
                .optional()
                .map_err(at_db)?;
            if here != Some(last.seq) {
                return Ok(SinceCopy::NotEarlier);
            }
            last.seq
        }
    };
    let (changes, first): (i64, Option<String>) = conn
        .query_row("SELECT count(*), min(at) FROM audit WHERE seq > ?1", [after], |r| Ok((r.get(0)?, r.get(1)?)))
        .map_err(at_db)?;
    Ok(SinceCopy::Changes {
        changes: u64::try_from(changes).unwrap_or(0),
        first: first.and_then(|t| time::from_storage(&t)),
    })
}

/// How long a leftover copy must have been left untouched before it is removed: a copy being
/// written changes every moment, so one untouched this long is written by nobody, on this computer
/// or on another one sharing the folder (whose process ids this computer cannot see).
const STALE_AFTER: Duration = Duration::from_secs(10 * 60);

/// Removes the `NAME.partial-PID` files in `folder` that a copy killed part-way (a power cut, a
/// closed window) left behind, for the names `copy_of` accepts, when the process that wrote one has
/// ended. A file is kept whenever there is doubt: its process is running (or this computer cannot
/// tell), it changed in the last ten minutes, or it is not an SQLite file (or an empty one, as a copy
/// is before its first page). Best effort: what cannot be removed is left. Returns how many went.
pub fn remove_stale_partials(folder: &Path, copy_of: impl Fn(&str) -> bool) -> usize {
    let Ok(entries) = std::fs::read_dir(folder) else { return 0 };
    let mut removed = 0;
    for entry in entries.flatten() {
        let name = entry.file_name();
        let Some((base, pid)) = name.to_str().and_then(parse_partial_name) else { continue };
        if !copy_of(base) || crate::platform::process_running(pid) != Some(false) {
            continue;
        }
        let path = entry.path();
        if is_abandoned_copy(&path) && std::fs::remove_file(&path).is_ok() {
            removed += 1;
        }
    }
    removed
}

/// "cutover.db.partial-4242" → ("cutover.db", 4242).
fn parse_partial_name(name: &str) -> Option<(&str, u32)> {
    let (base, pid) = name.rsplit_once(".partial-")?;
    if base.is_empty() || pid.is_empty() || !pid.bytes().all(|b| b.is_ascii_digit()) {
        return None;
    }
    Some((base, pid.parse().ok()?))
}

/// A regular file, untouched for `STALE_AFTER`, that is empty or an SQLite database (plain or
/// encrypted).
fn is_abandoned_copy(path: &Path) -> bool {
    let Ok(meta) = std::fs::symlink_metadata(path) else { return false };
    let untouched = meta.modified().ok().and_then(|m| m.elapsed().ok()).is_some_and(|age| age >= STALE_AFTER);
    if !meta.is_file() || !untouched {
        return false;
    }
    matches!(cipher::sealing(path), Ok(Sealing::Empty | Sealing::Plain | Sealing::Sealed))
}

/// `FILE.partial-PID` beside `FILE`.
fn partial_name(dest: &Path) -> PathBuf {
    let mut name = dest.file_name().unwrap_or_default().to_os_string();
    name.push(format!(".partial-{}", std::process::id()));
    dest.with_file_name(name)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn only_names_ending_in_partial_and_a_process_id_are_leftovers() {
        assert_eq!(parse_partial_name("cutover.db.partial-4242"), Some(("cutover.db", 4242)));
        assert_eq!(parse_partial_name("a.partial-1.partial-77"), Some(("a.partial-1", 77)));
        for not in ["cutover.db", "cutover.db.partial-", "cutover.db.partial-12a", ".partial-12", "x.partial--1"] {
            assert_eq!(parse_partial_name(not), None, "{not}");
        }
        assert_eq!(
            partial_name(Path::new("/x/copy.db")),
            Path::new(&format!("/x/copy.db.partial-{}", std::process::id()))
        );
    }
}
