//! Rolling backups beside the database, taken after saves: one for each hour (UK local time) in
//! which something was saved, the newest `KEEP` kept. The hour's backup is taken again, in its
//! place, once it misses `REFRESH_AFTER_CHANGES` changes or one `REFRESH_AFTER_MINUTES` old, so
//! the newest backup stays close to the last save. Every copy passes the check `cutover check`
//! makes before it takes its name: a damaged database neither replaces nor rotates out a good
//! backup. Taken after the save has committed and on a connection of its own, so a backup never
//! holds up a save; a backup that fails is reported, and never fails the save.

use std::path::{Path, PathBuf};

use chrono::{DateTime, Utc};

use crate::domain::time;
use crate::error::{BackupCopy, Error, Result};
use crate::files::Existing;
use crate::store::{self, Passphrase, SinceCopy};

/// How many rolling backups are kept.
pub const KEEP: usize = 24;

/// This hour's backup is taken again once it misses this many changes (each row of the audit
/// trail: an entry saved, amended or voided, a new patient, a queue action; an import or merge
/// of 500 entries is 500)…
pub const REFRESH_AFTER_CHANGES: u64 = 100;
/// …or a change made this many minutes ago, whichever comes first.
pub const REFRESH_AFTER_MINUTES: i64 = 5;

const PREFIX: &str = "cutover-";
const SUFFIX: &str = ".db";

/// `cutover.db.backups`, beside `cutover.db`.
pub fn folder_for(db: &Path) -> PathBuf {
    let mut name = db.file_name().unwrap_or_default().to_os_string();
    name.push(".backups");
    match name.to_str() {
        Some(text) => db.with_file_name(crate::files::portable_name(text)),
        None => db.with_file_name(name),
    }
}

/// `cutover-2026-11-27-14.db`: the UK hour it was taken in, so names sort in time order. The
/// second 01:00 of the night the clocks go back is `…-01GMT.db`, sorting after the first.
fn name_for(now: DateTime<Utc>) -> String {
    let hour = time::format_uk_as(now, "%Y-%m-%d-%H");
    let hour = hour.strip_suffix(" BST").unwrap_or(&hour).replace(" GMT", "GMT");
    crate::files::portable_name(&format!("{PREFIX}{hour}{SUFFIX}"))
}

/// What a turn of the rolling backups did.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Rolling {
    /// The first backup of this hour: the oldest beyond `KEEP` went.
    Made(PathBuf),
    /// This hour's backup taken again, in its place.
    Refreshed(PathBuf),
    /// The newest backup is close enough to the last save (or nothing was saved since).
    NotDue,
}

/// The rolling backups' turn after a save at `now`: this hour's first backup, or this hour's taken
/// again when it is `REFRESH_AFTER_CHANGES` changes or `REFRESH_AFTER_MINUTES` behind.
/// A failure says the save stands: `Error::DamagedNotCopied` when the database is damaged,
/// `Error::RollingBackupNotMade` for anything else.
pub fn keep_rolling(db: &Path, passphrase: Option<&Passphrase>, now: DateTime<Utc>) -> Result<Rolling> {
    keep_rolling_within(db, passphrase, now, REFRESH_AFTER_CHANGES, REFRESH_AFTER_MINUTES)
}

/// `keep_rolling`, with the newest backup refreshed after `changes` changes or `minutes` minutes.
pub fn keep_rolling_within(
    db: &Path,
    passphrase: Option<&Passphrase>,
    now: DateTime<Utc>,
    changes: u64,
    minutes: i64,
) -> Result<Rolling> {
    let folder = folder_for(db);
    take_turn(db, passphrase, &folder, now, changes, minutes).map_err(|cause| after_save(cause, &folder, passphrase))
}

fn take_turn(
    db: &Path,
    passphrase: Option<&Passphrase>,
    folder: &Path,
    now: DateTime<Utc>,
    changes: u64,
    minutes: i64,
) -> Result<Rolling> {
    if !folder.exists() {
        crate::platform::create_private_dir(folder, false).map_err(|source| Error::file(folder, source))?;
    }
    let dest = folder.join(name_for(now));
    let this_hours = dest.exists();
    let base = if this_hours { Some(dest.clone()) } else { list(folder)?.pop() };
    // A backup that cannot be read is no base: a new copy is due (and takes this hour's place).
    let last_in_base = base.as_deref().map(|b| store::last_change_in(b, passphrase));
    let due = match last_in_base {
        None | Some(Err(_)) => true,
        Some(Ok(last)) => match store::since_copy(db, passphrase, last.as_ref())? {
            SinceCopy::Changes { changes: 0, .. } => false,
            SinceCopy::Changes { changes: behind, first } => {
                !this_hours || behind >= changes || first.is_some_and(|t| now - t >= chrono::Duration::minutes(minutes))
            }
            // Not this database's past (it was restored from an older backup since): kept, never
            // replaced by what the database holds now; the next hour's backup is a file of its own.
            SinceCopy::NotEarlier => {
                if this_hours {
                    tracing::info!("this hour's rolling backup holds changes the database does not: kept as it is");
                }
                !this_hours
            }
        },
    };
    if !due {
        return Ok(Rolling::NotDue);
    }
    // A backup killed part-way, in any hour, left its partial copy in this folder.
    store::remove_stale_partials(folder, |copy_of| copy_of.starts_with(PREFIX) && copy_of.ends_with(SUFFIX));
    if this_hours {
        store::copy_file(db, passphrase, &dest, Existing::Replace)?;
        return Ok(Rolling::Refreshed(dest));
    }
    store::copy_file(db, passphrase, &dest, Existing::Refuse)?;
    prune(folder)?;
    Ok(Rolling::Made(dest))
}

/// A failure after the save: said as one that leaves the save standing, with the newest backup.
fn after_save(cause: Error, folder: &Path, passphrase: Option<&Passphrase>) -> Error {
    match cause {
        damaged @ Error::DamagedNotCopied(_) => naming(damaged, newest(folder, passphrase)),
        cause => Error::RollingBackupNotMade { cause: Box::new(cause), newest: newest(folder, passphrase) },
    }
}

/// Names the newest rolling backup in a refusal to copy a damaged database, as the one to restore.
pub fn point_to_newest(e: Error, db: &Path, passphrase: Option<&Passphrase>) -> Error {
    naming(e, newest(&folder_for(db), passphrase))
}

fn naming(e: Error, newest: Option<BackupCopy>) -> Error {
    match e {
        Error::DamagedNotCopied(mut d) => {
            d.newest = newest;
            Error::DamagedNotCopied(d)
        }
        other => other,
    }
}

/// The newest rolling backup in `folder`, and what it holds: the one to restore.
fn newest(folder: &Path, passphrase: Option<&Passphrase>) -> Option<BackupCopy> {
    let path = list(folder).ok()?.pop()?;
    let holds_up_to = store::last_change_in(&path, passphrase).ok().flatten().and_then(|c| c.at);
    Some(BackupCopy { path, holds_up_to })
}

/// The rolling backups in `folder`, oldest first.
pub fn list(folder: &Path) -> Result<Vec<PathBuf>> {
    let entries = std::fs::read_dir(folder).map_err(|source| Error::file(folder, source))?;
    let mut found: Vec<PathBuf> = entries
        .filter_map(|e| e.ok().map(|e| e.path()))
        .filter(|p| {
            p.file_name()
                .and_then(|n| n.to_str())
                .is_some_and(|n| n.starts_with(PREFIX) && n.ends_with(SUFFIX) && !n.contains(".partial"))
        })
        .collect();
    found.sort();
    Ok(found)
}

fn prune(folder: &Path) -> Result<()> {
    let found = list(folder)?;
    let excess = found.len().saturating_sub(KEEP);
    for old in &found[..excess] {
        match std::fs::remove_file(old) {
            // Another window pruning at the same moment.
            Err(e) if e.kind() != std::io::ErrorKind::NotFound => return Err(Error::file(old, e)),
            _ => {}
        }
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn backups_sit_beside_the_database_named_by_uk_hour() {
        assert_eq!(folder_for(Path::new("/x/cutover.db")), Path::new("/x/cutover.db.backups"));
        let summer = DateTime::parse_from_rfc3339("2026-07-01T13:30:00Z").unwrap().with_timezone(&Utc);
        assert_eq!(name_for(summer), "cutover-2026-07-01-14.db");
    }

    #[test]
    fn the_two_hours_the_clocks_go_back_have_a_backup_each_in_time_order() {
        let at = |s: &str| DateTime::parse_from_rfc3339(s).unwrap().with_timezone(&Utc);
        let names: Vec<String> =
            ["2026-10-25T00:30:00Z", "2026-10-25T01:30:00Z", "2026-10-25T02:30:00Z"].map(|t| name_for(at(t))).into();
        assert_eq!(names, ["cutover-2026-10-25-01.db", "cutover-2026-10-25-01GMT.db", "cutover-2026-10-25-02.db"]);
        assert!(names.is_sorted());
    }
}
