//! SQL for the report: counts of what the database holds, grouped as the practice manager reads them.

use chrono::{DateTime, Utc};
use rusqlite::Connection;

use super::Store;
use crate::error::Result;

/// Raw counts; `crate::report` turns them into the report's numbers.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct ReportCounts {
    pub entries: i64,
    pub voided: i64,
    /// (kind, entries), most first.
    pub by_kind: Vec<(String, i64)>,
    /// (UTC hour as "YYYY-MM-DDTHH", entries), in time order.
    pub by_utc_hour: Vec<(String, i64)>,
    /// (staff id, name, entries), most first.
    pub by_staff: Vec<(String, String, i64)>,
    pub without_nhs_number: i64,
    pub imported: i64,
    pub merged_files: i64,
    pub workstations: i64,
    /// Re-entry state by status, when the re-entry queue's table is in this database.
    pub reentry_by_status: Option<Vec<(String, i64)>>,
    /// When live items left the open queue (-1) or came back to it (+1), in time order.
    pub reentry_open_changes: Vec<(DateTime<Utc>, i64)>,
}

fn pairs(c: &Connection, sql: &str) -> rusqlite::Result<Vec<(String, i64)>> {
    let mut stmt = c.prepare(sql)?;
    let rows = stmt.query_map([], |r| Ok((r.get(0)?, r.get(1)?)))?;
    rows.collect()
}

fn count(c: &Connection, sql: &str) -> rusqlite::Result<i64> {
    c.query_row(sql, [], |r| r.get(0))
}

fn has_table(c: &Connection, name: &str) -> rusqlite::Result<bool> {
    c.query_row("SELECT EXISTS (SELECT 1 FROM sqlite_master WHERE type = 'table' AND name = ?1)", [name], |r| r.get(0))
}

/// Re-entry status by entry, if the re-entry queue's columns are in this database (schema 2).
fn reentry(c: &Connection) -> rusqlite::Result<Option<Vec<(String, i64)>>> {
    let has_status: bool = c.query_row(
        "SELECT EXISTS (SELECT 1 FROM pragma_table_info('entry') WHERE name = 'reentry_status')",
        [],
        |r| r.get(0),
    )?;
    if !has_status {
        return Ok(None);
    }
    pairs(c, "SELECT reentry_status, count(*) FROM entry WHERE voided = 0 GROUP BY reentry_status ORDER BY 1").map(Some)
}

impl Store {
    pub fn report_counts(&self) -> Result<ReportCounts> {
        self.read(|c| {
            let by_staff = {
                let mut stmt = c.prepare(
                    "SELECT e.recorded_by, coalesce(s.name, e.recorded_by), count(*) FROM entry e
                     LEFT JOIN staff s ON s.id = e.recorded_by WHERE e.voided = 0
                     GROUP BY e.recorded_by ORDER BY count(*) DESC, e.recorded_by",
                )?;
                let rows = stmt.query_map([], |r| Ok((r.get(0)?, r.get(1)?, r.get(2)?)))?;
                rows.collect::<rusqlite::Result<Vec<_>>>()?
            };
            Ok(ReportCounts {
                entries: count(c, "SELECT count(*) FROM entry WHERE voided = 0")?,
                voided: count(c, "SELECT count(*) FROM entry WHERE voided = 1")?,
                by_kind: pairs(
                    c,
                    "SELECT kind, count(*) FROM entry WHERE voided = 0 GROUP BY kind ORDER BY count(*) DESC, kind",
                )?,
                by_utc_hour: pairs(
                    c,
                    "SELECT substr(occurred_at, 1, 13), count(*) FROM entry WHERE voided = 0
                     GROUP BY substr(occurred_at, 1, 13) ORDER BY 1",
                )?,
                by_staff,
                without_nhs_number: count(
                    c,
                    "SELECT count(*) FROM entry e JOIN patient p ON p.id = e.patient_id
                     WHERE e.voided = 0 AND p.nhs_number IS NULL",
                )?,
                imported: if has_table(c, "entry_source")? {
                    count(c, "SELECT count(*) FROM entry_source")?
                } else {
                    0
                },
                merged_files: if has_table(c, "merge_file")? {
                    count(c, "SELECT count(DISTINCT coalesce(source_workstation_id, file_name)) FROM merge_file")?
                } else {
                    0
                },
                workstations: count(c, "SELECT count(*) FROM workstation")?,
                reentry_by_status: reentry(c)?,
                reentry_open_changes: if has_table(c, "reentry_event")? {
                    super::queue::open_count_changes(c)?
                } else {
                    Vec::new()
                },
            })
        })
    }
}
