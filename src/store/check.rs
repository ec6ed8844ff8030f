//! `cutover check`: SQLite's own integrity check, then the product's invariants.

use rusqlite::Connection;

use super::Store;
use crate::domain::nhs::NhsNumber;
use crate::error::Result;

/// One thing wrong with the database, in words for whoever looks after it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Finding(pub String);

/// Each invariant: a query counting the rows that break it, and what such a row means.
const INVARIANTS: &[(&str, &str)] = &[
    (
        "SELECT count(*) FROM entry e WHERE NOT EXISTS (SELECT 1 FROM revision r WHERE r.entry_id = e.id)",
        "entries with no revision",
    ),
    (
        "SELECT count(*) FROM entry e JOIN revision r ON r.id = e.current_revision_id
         WHERE r.entry_id <> e.id OR r.occurred_at <> e.occurred_at OR r.summary <> e.summary
            OR r.flags <> e.flags OR r.voided <> e.voided OR r.patient_id IS NOT e.patient_id",
        "entries whose headline differs from their current revision",
    ),
    (
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
        "SELECT count(*) FROM entry e WHERE EXISTS (SELECT 1 FROM revision r WHERE r.parent_id = e.current_revision_id)",
        "entries showing a revision that has since been amended",
    ),
    (
        "SELECT count(*) FROM revision r WHERE NOT EXISTS (
            SELECT 1 FROM audit a WHERE a.subject = r.entry_id AND json_extract(a.detail, '$.revision') = r.id)",
        "revisions with no audit record",
    ),
    (
        "SELECT count(*) FROM entry e JOIN revision r ON r.id = e.current_revision_id
         WHERE r.patient_id IS NULL AND e.kind <> 'dispensary_stock'",
        "entries about no patient",
    ),
    ("SELECT 1 - count(*) FROM workstation WHERE is_local = 1", "databases without their own workstation"),
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

impl Store {
    /// Everything wrong with this database; empty when all is well.
    pub fn check(&self) -> Result<Vec<Finding>> {
        let mut findings = self.check_file()?;
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
        self.read(|c| {
            let mut findings: Vec<Finding> =
                sqlite_integrity(c)?.into_iter().map(|l| Finding(format!("SQLite integrity check: {l}"))).collect();
            let fk = foreign_key_problems(c)?;
            if fk > 0 {
                findings.push(Finding(format!("{fk} rows refer to something that is not in the database")));
            }
            for (sql, meaning) in INVARIANTS {
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
        })
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
