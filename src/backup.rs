//! Rolling backups beside the database: after a save, at most one copy an hour (UK local time),
//! the newest `KEEP` kept. Taken after the save has committed and on a connection of its own, so a
//! backup never holds up a save; a backup that fails is reported, and never fails the save.

use std::path::{Path, PathBuf};

use chrono::{DateTime, Utc};

use crate::domain::time;
use crate::error::{Error, Result};
use crate::store;

/// How many rolling backups are kept.
pub const KEEP: usize = 24;

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

/// Makes this hour's backup of `db` if there is none yet, then removes all but the newest `KEEP`.
/// Returns the new backup's path, or `None` when this hour already had one.
pub fn keep_rolling(db: &Path, now: DateTime<Utc>) -> Result<Option<PathBuf>> {
    let folder = folder_for(db);
    if !folder.exists() {
        crate::platform::create_private_dir(&folder, false).map_err(|source| Error::file(&folder, source))?;
    }
    let dest = folder.join(name_for(now));
    if dest.exists() {
        return Ok(None);
    }
    // A backup killed part-way, in any hour, left its partial copy in this folder.
    store::remove_stale_partials(&folder, |copy_of| copy_of.starts_with(PREFIX) && copy_of.ends_with(SUFFIX));
    store::copy_file(db, &dest)?;
    prune(&folder)?;
    Ok(Some(dest))
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
        std::fs::remove_file(old).map_err(|source| Error::file(old, source))?;
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
