//! Consistent copies of the database with SQLite's online backup API: for `backup`, for `export`
//! (a copy that also describes itself) and for the rolling backups kept beside the database.
//! Copying reads one snapshot; in WAL mode others carry on saving while it is taken.

use std::path::{Path, PathBuf};
use std::time::Duration;

use rusqlite::Connection;
use rusqlite::backup::{Backup, StepResult};
use serde_json::json;

use super::{Actor, Store};
use crate::domain::time;
use crate::error::{Error, Exchange, Result};
use crate::files::{self, Existing};

/// How many times a copy step that finds the database locked is retried, 50 ms apart.
const LOCKED_RETRIES: u32 = 200;

/// What an export says about itself, in its `export_info` table.
#[derive(Debug, Clone)]
pub struct ExportLabel<'a> {
    pub exported_by: Option<&'a str>,
    pub exported_at: chrono::DateTime<chrono::Utc>,
}

impl Store {
    /// Copies the database to `dest`, which must not exist yet. The copy is written beside `dest`
    /// under another name, checked, and only then given its name: a half-written copy never has it.
    pub fn copy_to(&self, dest: &Path) -> Result<()> {
        self.copy_with(dest, |_| Ok(()))
    }

    /// An export: a copy of everything, plus an `export_info` table saying what it is. Audited.
    pub fn export_to(&self, dest: &Path, actor: Option<&Actor>, label: &ExportLabel) -> Result<()> {
        if let Some(actor) = actor.filter(|_| self.read_only.is_none()) {
            let file = dest.file_name().map(|n| n.to_string_lossy().into_owned()).unwrap_or_default();
            self.write_at(label.exported_at, |tx| tx.audit(actor, "export", None, json!({ "file": file })))?;
        }
        let workstation = self.local_workstation().ok();
        let counts = self.counts()?;
        self.copy_with(dest, |copy| {
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
            Ok(())
        })
    }

    fn copy_with(&self, dest: &Path, finish: impl FnOnce(&Connection) -> rusqlite::Result<()>) -> Result<()> {
        copy_with(&self.conn, &self.path, dest, finish)
    }
}

/// Copies the database file at `db` to `dest` on a connection of its own, reading only: for the
/// rolling backups, which may be taken on another thread while the program carries on saving.
pub fn copy_file(db: &Path, dest: &Path) -> Result<()> {
    let conn = Connection::open_with_flags(
        db,
        rusqlite::OpenFlags::SQLITE_OPEN_READ_ONLY | rusqlite::OpenFlags::SQLITE_OPEN_NO_MUTEX,
    )
    .map_err(|e| Error::Sqlite(e).at(db))?;
    conn.busy_timeout(crate::config::busy_timeout()).map_err(|e| Error::Sqlite(e).at(db))?;
    copy_with(&conn, db, dest, |_| Ok(()))
}

fn copy_with(
    source: &Connection,
    source_path: &Path,
    dest: &Path,
    finish: impl FnOnce(&Connection) -> rusqlite::Result<()>,
) -> Result<()> {
    if dest.exists() {
        return Err(Error::Exchange(Exchange::OutputExists(dest.to_path_buf())));
    }
    if let (Ok(a), Ok(b)) =
        (crate::platform::canonicalize(source_path), dest.parent().map(crate::platform::canonicalize).transpose())
        && b.map(|folder| folder.join(dest.file_name().unwrap_or_default())) == Some(a)
    {
        return Err(Error::Exchange(Exchange::OutputIsDatabase(dest.to_path_buf())));
    }
    if let Some(folder) = dest.parent() {
        let name = dest.file_name().unwrap_or_default().to_string_lossy().into_owned();
        remove_stale_partials(folder, |copy_of| copy_of == name);
    }
    let partial = partial_name(dest);
    let file_error = |path: &Path, source| Error::file(path, source);
    // The copy is named after what was asked for: the partial name means nothing to anyone.
    files::create_private(&partial, Existing::Refuse).map_err(|e| file_error(dest, e))?;
    let result = copy_into(source, source_path, &partial, finish);
    if let Err(e) = result {
        let _ = std::fs::remove_file(&partial);
        return Err(e);
    }
    // A hard link gives the copy its name only if nothing has that name: never overwrites.
    let named = match std::fs::hard_link(&partial, dest) {
        Ok(()) => {
            // The copy has its name; a leftover second name for it harms nothing.
            let _ = std::fs::remove_file(&partial);
            Ok(())
        }
        Err(e) if e.kind() == std::io::ErrorKind::AlreadyExists => {
            Err(Error::Exchange(Exchange::OutputExists(dest.to_path_buf())))
        }
        // Some drives (USB sticks formatted FAT) have no hard links.
        Err(_) if !dest.exists() => std::fs::rename(&partial, dest).map_err(|e| file_error(dest, e)),
        Err(_) => Err(Error::Exchange(Exchange::OutputExists(dest.to_path_buf()))),
    };
    if named.is_err() {
        let _ = std::fs::remove_file(&partial);
    }
    named
}

fn copy_into(
    source: &Connection,
    source_path: &Path,
    partial: &Path,
    finish: impl FnOnce(&Connection) -> rusqlite::Result<()>,
) -> Result<()> {
    let at_copy = |e: rusqlite::Error| Error::Sqlite(e).at(partial);
    let mut copy = Connection::open(partial).map_err(at_copy)?;
    {
        let backup = Backup::new(source, &mut copy).map_err(|e| Error::Sqlite(e).at(source_path))?;
        let mut waits = 0;
        loop {
            match backup.step(-1).map_err(|e| Error::Sqlite(e).at(source_path))? {
                StepResult::Done => break,
                StepResult::More => {}
                StepResult::Busy | StepResult::Locked if waits < LOCKED_RETRIES => {
                    waits += 1;
                    std::thread::sleep(Duration::from_millis(50));
                }
                _ => {
                    return Err(Error::Busy {
                        path: source_path.to_path_buf(),
                        waited_ms: u64::from(LOCKED_RETRIES) * 50,
                    });
                }
            }
        }
    }
    // One self-contained file: no journal beside it to lose when it is copied.
    copy.pragma_update_and_check(None, "journal_mode", "DELETE", |_| Ok(())).map_err(at_copy)?;
    finish(&copy).map_err(at_copy)?;
    let ok: String = copy.query_row("PRAGMA quick_check", [], |r| r.get(0)).map_err(at_copy)?;
    if ok != "ok" {
        return Err(Error::Corrupt { path: partial.to_path_buf(), detail: ok });
    }
    copy.close().map_err(|(_, e)| at_copy(e))?;
    // Opened for writing: Windows flushes only a file it may write.
    let file = std::fs::OpenOptions::new().write(true).open(partial).map_err(|e| Error::file(partial, e))?;
    file.sync_all().map_err(|e| Error::file(partial, e))
}

/// How long a leftover copy must have been left untouched before it is removed: a copy being
/// written changes every moment, so one untouched this long is written by nobody, on this computer
/// or on another one sharing the folder (whose process ids this computer cannot see).
const STALE_AFTER: Duration = Duration::from_secs(10 * 60);

/// The first bytes of every SQLite database file.
const SQLITE_HEADER: &[u8; 16] = b"SQLite format 3\0";

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

/// A regular file, untouched for `STALE_AFTER`, that is empty or an SQLite database.
fn is_abandoned_copy(path: &Path) -> bool {
    let Ok(meta) = std::fs::symlink_metadata(path) else { return false };
    let untouched = meta.modified().ok().and_then(|m| m.elapsed().ok()).is_some_and(|age| age >= STALE_AFTER);
    if !meta.is_file() || !untouched {
        return false;
    }
    if meta.len() == 0 {
        return true;
    }
    let mut header = [0u8; 16];
    std::fs::File::open(path).and_then(|mut f| std::io::Read::read_exact(&mut f, &mut header)).is_ok()
        && &header == SQLITE_HEADER
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
