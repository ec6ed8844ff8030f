//! `cutover check`: SQLite's own integrity check, then the product's invariants. The same checks,
//! read-only, vet a file from another workstation before anything of it is taken in.

use std::path::Path;

use rusqlite::Connection;

use super::Store;
use super::migrate::{LATEST_VERSION, user_version};
use crate::domain::nhs::NhsNumber;
use crate::error::Result;

/// One thing wrong with the database, in words for whoever looks after it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Finding(pub String);

/// Each invariant: the schema version its query needs, the query counting the rows that break it,
/// and what such a row means. A file of an older version is checked for what it can hold.
const INVARIANTS: &[(i64, &str, &str)] = &[
    (
        1,
        "SELECT count(*) FROM entry e WHERE NOT EXISTS (SELECT 1 FROM revision r WHERE r.entry_id = e.id)",
        "entries with no revision",
    ),
    (
        1,
        "SELECT count(*) FROM entry e JOIN revision r ON r.id = e.current_revision_id
         WHERE r.entry_id <> e.id OR r.occurred_at <> e.occurred_at OR r.summary <> e.summary
            OR r.flags <> e.flags OR r.voided <> e.voided OR r.patient_id IS NOT e.patient_id",
        "entries whose headline differs from their current revision",
    ),
    (
        6,
        "SELECT count(*) FROM entry e JOIN revision_facts f ON f.id = e.current_revision_id
         WHERE (e.fact_rx_status, e.fact_abnormal, e.fact_action_given, e.fact_urgency, e.fact_source,
                e.fact_action_required, e.fact_appointment_at, e.fact_appointment_status,
                e.fact_expected_electronically, e.fact_clinical_content)
            IS NOT (f.fact_rx_status, f.fact_abnormal, f.fact_action_given, f.fact_urgency, f.fact_source,
                    f.fact_action_required, f.fact_appointment_at, f.fact_appointment_status,
                    f.fact_expected_electronically, f.fact_clinical_content)",
        "entries whose queue facts (urgency, result, status…) differ from their current revision",
    ),
    (
        1,
        "SELECT count(*) FROM entry e WHERE EXISTS (SELECT 1 FROM revision r WHERE r.parent_id = e.current_revision_id)",
        "entries showing a revision that has since been amended",
    ),
    (
        1,
        "SELECT count(*) FROM revision r WHERE NOT EXISTS (
            SELECT 1 FROM audit a WHERE a.subject = r.entry_id AND json_extract(a.detail, '$.revision') = r.id)",
        "revisions with no audit record",
    ),
    (
        1,
        "SELECT count(*) FROM entry e JOIN revision r ON r.id = e.current_revision_id
         WHERE r.patient_id IS NULL AND e.kind <> 'dispensary_stock'",
        "entries about no patient",
    ),
    (1, "SELECT 1 - count(*) FROM workstation WHERE is_local = 1", "databases without their own workstation"),
];

fn sqlite_integrity(c: &Connection) -> rusqlite::Result<Vec<String>> {
    let mut stmt = c.prepare("PRAGMA integrity_check")?;
    let rows = stmt.query_map([], |r| r.get::<_, String>(0))?;
    let lines: Vec<String> = rows.collect::<rusqlite::Result<_>>()?;
    Ok(if lines == ["ok"] { Vec::new() } else { lines })
}

fn foreign_key_problems(c: &Connection) -> rusqlite::Result<i64> {
    let mut stmt = c.prepare("PRAGMA foreign_key_check")?;
    let mut rows = stmt.query([])?;
    let mut n = 0;
    while rows.next()?.is_some() {
        n += 1;
    }
    Ok(n)
}

fn invalid_nhs_numbers(c: &Connection) -> rusqlite::Result<i64> {
    let mut stmt = c.prepare("SELECT nhs_number FROM patient WHERE nhs_number IS NOT NULL")?;
    let mut rows = stmt.query([])?;
    let mut n = 0;
    while let Some(r) = rows.next()? {
        if NhsNumber::parse(&r.get::<_, String>(0)?).is_err() {
            n += 1;
        }
    }
    Ok(n)
}

/// SQLite's own check and the invariants of the tables a file of schema `version` has.
fn file_findings(c: &Connection, version: i64) -> rusqlite::Result<Vec<Finding>> {
    let mut findings: Vec<Finding> =
        sqlite_integrity(c)?.into_iter().map(|l| Finding(format!("SQLite integrity check: {l}"))).collect();
    let fk = foreign_key_problems(c)?;
    if fk > 0 {
        findings.push(Finding(format!("{fk} rows refer to something that is not in the database")));
    }
    for (_, sql, meaning) in INVARIANTS.iter().filter(|(since, ..)| *since <= version) {
        let n: i64 = c.query_row(sql, [], |r| r.get(0))?;
        if n != 0 {
            findings.push(Finding(format!("{meaning}: {n}")));
        }
    }
    let bad = invalid_nhs_numbers(c)?;
    if bad > 0 {
        findings.push(Finding(format!(
            "patients with an NHS number that fails its check digit or is a placeholder such as 999 999 9999 (`cutover list --patient NUMBER` shows whose entries may be sharing it): {bad}"
        )));
    }
    Ok(findings)
}

/// What is wrong with a cutover file that is not the database in use (an export, or another
/// workstation's database, open read-only as `conn`): that it is as long as it says, every check
/// `check` makes of a database's file that its schema version can hold, and that an export's
/// content matches the digest it was made with. Anything taken in from another workstation passes
/// this first. Empty when the file is sound. The queue's order is not asked about: whatever is
/// taken in is placed by this database's policy.
pub fn check_other_file(conn: &Connection, path: &Path) -> rusqlite::Result<Vec<Finding>> {
    // Cut short, it is damaged whatever SQLite makes of what is left.
    if let Some(finding) = cut_short(path) {
        return Ok(vec![finding]);
    }
    let version = user_version(conn)?;
    let mut findings = file_findings(conn, version)?;
    if super::digest::matches_recorded(conn)? == Some(false) {
        findings.push(Finding(
            "its content differs from the digest it was exported with: something in it changed after it was made"
                .to_string(),
        ));
    }
    Ok(findings)
}

/// A file shorter than its header says, or not a whole number of its pages, was cut short (a copy
/// that did not finish, a full stick): SQLite reads the missing end as zeros, and its own check
/// does not always notice. Longer than it says is allowed, as SQLite allows it. A file with a
/// write-ahead log beside it may be shorter than its header until the log is written back.
fn cut_short(path: &Path) -> Option<Finding> {
    let read_header = || -> std::io::Result<(u64, [u8; 100])> {
        use std::io::Read;
        let mut file = std::fs::File::open(path)?;
        let mut header = [0u8; 100];
        file.read_exact(&mut header)?;
        Ok((file.metadata()?.len(), header))
    };
    let (length, header) = match read_header() {
        Ok(read) => read,
        Err(e) if e.kind() == std::io::ErrorKind::UnexpectedEof => {
            return Some(Finding("the file is too short to be a database: its end is missing".to_string()));
        }
        Err(_) => return None, // Not readable: SQLite says so when it reads it.
    };
    let word = |at: usize| u32::from_be_bytes([header[at], header[at + 1], header[at + 2], header[at + 3]]);
    let page_size = match u16::from_be_bytes([header[16], header[17]]) {
        1 => 65_536,
        n => u64::from(n),
    };
    if page_size < 512 || !page_size.is_power_of_two() {
        return None; // Not a database SQLite would open: it says so itself.
    }
    if length % page_size != 0 {
        return Some(Finding(format!(
            "the file is {length} bytes long, not a whole number of its {page_size}-byte pages: its end is missing"
        )));
    }
    let pages = u64::from(word(28));
    let size_is_valid = pages > 0 && word(24) == word(92);
    let mut wal = path.as_os_str().to_owned();
    wal.push("-wal");
    let has_wal = std::fs::metadata(&wal).is_ok_and(|m| m.len() > 0);
    if size_is_valid && !has_wal && length < pages * page_size {
        return Some(Finding(format!(
            "the file is {length} bytes long but says it holds {pages} pages of {page_size} bytes: its end is missing"
        )));
    }
    None
}

impl Store {
    /// Everything wrong with this database; empty when all is well.
    pub fn check(&self) -> Result<Vec<Finding>> {
        let version = self.schema_version()?;
        if version < LATEST_VERSION {
            // A file of an older format, read as it is (a backup made before cutover was
            // updated): what its tables can hold. The rest is checked once it is brought up to date.
            return self.read(|c| Ok(file_findings(c, version)?));
        }
        let mut findings = self.check_file()?;
        let behind: i64 = self.read(|c| {
            Ok(c.query_row(
                &format!(
                    "SELECT count(*) FROM workstation w WHERE is_local = 1 AND next_ref <= (
                         SELECT max({}) FROM entry e WHERE e.workstation_id = w.id)",
                    super::merge::REFERENCE_NUMBER
                ),
                [],
                |r| r.get(0),
            )?)
        })?;
        if behind > 0 {
            findings.push(Finding(
                "this workstation's next reference is already held by one of its entries, so the next save would fail"
                    .to_string(),
            ));
        }
        let misplaced = crate::queue::placement::misplaced(self)?;
        if misplaced > 0 {
            findings.push(Finding(format!(
                "items kept at a place in the re-entry queue that the priority policy would not give them: {misplaced}"
            )));
        }
        Ok(findings)
    }

    /// SQLite's own check and the invariants of the tables.
    fn check_file(&self) -> Result<Vec<Finding>> {
        self.read(|c| Ok(file_findings(c, LATEST_VERSION)?))
    }

    /// Counts of what the database holds, for `info` and the start screen.
    pub fn counts(&self) -> Result<Vec<(&'static str, i64)>> {
        const TABLES: &[(&str, &str)] = &[
            ("entries", "SELECT count(*) FROM entry"),
            ("voided entries", "SELECT count(*) FROM entry WHERE voided = 1"),
            ("revisions", "SELECT count(*) FROM revision"),
            // People, so a record joined into another (`patients join`) is not counted again.
            ("patients", "SELECT count(*) FROM patient WHERE joined_into IS NULL"),
            (
                "patients without an NHS number",
                "SELECT count(*) FROM patient WHERE nhs_number IS NULL AND joined_into IS NULL",
            ),
            ("staff", "SELECT count(*) FROM staff"),
            ("workstations", "SELECT count(*) FROM workstation"),
            ("audit events", "SELECT count(*) FROM audit"),
        ];
        self.read(|c| TABLES.iter().map(|(name, sql)| Ok((*name, c.query_row(sql, [], |r| r.get(0))?))).collect())
    }

    pub fn schema_version(&self) -> Result<i64> {
        self.read(|c| Ok(super::migrate::user_version(c)?))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// A file of each schema version is asked only what its tables can answer: every invariant's
    /// version is the one its query needs.
    #[test]
    fn a_file_of_any_schema_version_can_be_checked() {
        for version in 1..=LATEST_VERSION {
            let c = Connection::open_in_memory().unwrap();
            for sql in &super::super::migrate::MIGRATIONS[..version as usize] {
                c.execute_batch(sql).unwrap();
            }
            let findings = file_findings(&c, version).unwrap_or_else(|e| panic!("version {version}: {e}"));
            assert_eq!(findings, [Finding("databases without their own workstation: 1".to_string())]);
        }
    }
}
