//! SQL for imports: the practice's patient list (added or updated by NHS number, never deleted) and
//! entries typed from paper forms, each with the file and line it came from.

use std::collections::{HashMap, HashSet};

use rusqlite::{Connection, OptionalExtension, params};
use serde_json::json;

use super::{Actor, SavedEntry, Store, Tx};
use crate::domain::fields::EntryContent;
use crate::domain::text::fold;
use crate::domain::time;
use crate::error::Result;

/// One patient of the list, already checked: the NHS number as 10 digits, the date as YYYY-MM-DD.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ListPatient {
    /// The line of the file the patient is on, for reporting.
    pub line: u64,
    pub nhs_number: String,
    pub family_name: String,
    pub given_name: String,
    pub date_of_birth: String,
    pub sex: Option<String>,
    pub postcode: Option<String>,
    pub usual_gp: Option<String>,
}

/// What importing a patient list did.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct ListOutcome {
    pub added: u64,
    pub updated: u64,
    pub unchanged: u64,
    /// Patients from an earlier list who are not on this one: kept, as nothing is ever deleted.
    pub kept_not_on_list: u64,
    /// Rows naming, by NHS number, a patient who has entries but another name or date of birth:
    /// not applied, so that no entry silently becomes about someone else.
    pub conflicts: Vec<ListConflict>,
}

/// A list row whose NHS number is held for a patient with entries, under another name or date of
/// birth. The held details are kept; the row is reported by its line.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ListConflict {
    pub line: u64,
    pub nhs_number: String,
    /// Family name, given name, date of birth (YYYY-MM-DD) as held.
    pub held: (String, String, String),
    /// The same, as the list gives them.
    pub listed: (String, String, String),
    /// Entries now about the held patient.
    pub entries: u64,
}

/// A patient that entries are about, as held.
struct HeldPatient {
    family_name: String,
    given_name: String,
    date_of_birth: String,
    family_fold: String,
    given_fold: String,
    entries: u64,
}

/// A file imported before, found by its fingerprint.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct EarlierImport {
    pub file_name: String,
    pub imported_at: String,
    pub imported_by: Option<String>,
    pub rows_loaded: i64,
}

/// Which kind of file was imported, as the `import_file` table names it.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ImportKind {
    Patients,
    Entries,
}

impl ImportKind {
    fn name(self) -> &'static str {
        match self {
            ImportKind::Patients => "patients",
            ImportKind::Entries => "entries",
        }
    }
}

/// The same file (by fingerprint) imported before, if it was.
fn earlier(c: &Connection, what: ImportKind, fingerprint: &str) -> rusqlite::Result<Option<EarlierImport>> {
    c.query_row(
        "SELECT file_name, imported_at, imported_by, rows_loaded FROM import_file
         WHERE what = ?1 AND fingerprint = ?2 ORDER BY imported_at LIMIT 1",
        params![what.name(), fingerprint],
        |r| {
            Ok(EarlierImport {
                file_name: r.get(0)?,
                imported_at: r.get(1)?,
                imported_by: r.get(2)?,
                rows_loaded: r.get(3)?,
            })
        },
    )
    .optional()
}

impl Store {
    /// Keeps SQLite's statement journals and temporary tables in memory for this connection. A big
    /// import or merge otherwise writes every page it changes twice (about 700,000 small writes for
    /// a 50,000-patient list). Run outside any transaction; it lasts while this store is open.
    pub fn use_memory_for_temporary_data(&self) -> Result<()> {
        self.read(|c| Ok(c.pragma_update(None, "temp_store", "MEMORY")?))
    }

    pub fn earlier_import(&self, what: ImportKind, fingerprint: &str) -> Result<Option<EarlierImport>> {
        self.read(|c| Ok(earlier(c, what, fingerprint)?))
    }
}

impl Tx<'_> {
    /// The same file imported before, read inside the import's own transaction.
    pub fn earlier_import(&self, what: ImportKind, fingerprint: &str) -> Result<Option<EarlierImport>> {
        Ok(earlier(self.conn(), what, fingerprint)?)
    }

    /// Records that a file was imported, and audits it; returns the import's id for provenance.
    pub fn record_import(
        &self,
        actor: &Actor,
        what: ImportKind,
        file_name: &str,
        fingerprint: &str,
        loaded: u64,
        rejected: u64,
    ) -> Result<String> {
        let id = self.new_id();
        self.exec(
            "INSERT INTO import_file (id, what, file_name, fingerprint, rows_loaded, rows_rejected, imported_at,
                                      imported_by, workstation_id)
             VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9)",
            params![
                id,
                what.name(),
                file_name,
                fingerprint,
                loaded as i64,
                rejected as i64,
                time::to_storage(self.now()),
                actor.staff_id,
                actor.workstation_id
            ],
        )?;
        let action = match what {
            ImportKind::Patients => "import_patients",
            ImportKind::Entries => "import_entries",
        };
        self.audit(
            actor,
            action,
            Some(&id),
            json!({ "file": file_name, "fingerprint": fingerprint, "loaded": loaded, "rejected": rejected }),
        )?;
        Ok(id)
    }

    /// Adds each patient of the list, or updates the one with that NHS number. Sex, postcode and
    /// usual GP left empty in the list keep what is held. Nobody is ever deleted.
    ///
    /// A patient who already has entries keeps the name and date of birth held when the list gives
    /// others (ignoring case and accents; details not held yet are filled in): updating them would make every one of those entries
    /// about a different person without anyone seeing it (two people typed under one placeholder
    /// number, or a mistyped number on the list). Such rows are returned as conflicts, audited,
    /// and the rest of the list loads.
    pub fn import_list_patients(&self, actor: &Actor, rows: &[ListPatient]) -> Result<ListOutcome> {
        let count = |sql: &str| -> Result<u64> { Ok(self.conn().query_row(sql, [], |r| r.get::<_, i64>(0))? as u64) };
        let before = count("SELECT count(*) FROM patient")?;
        let now = time::to_storage(self.now());
        let with_entries = self.patients_with_entries()?;
        let mut conflicts = Vec::new();
        let rows: Vec<&ListPatient> = rows
            .iter()
            .filter(|p| {
                let Some(held) = with_entries.get(p.nhs_number.as_str()) else { return true };
                // Details not held yet (a patient logged by NHS number alone) are filled in, not changed.
                let agrees = |held: &str, listed: &str| held.is_empty() || held == listed;
                let same = agrees(&held.family_fold, &fold(&p.family_name))
                    && agrees(&held.given_fold, &fold(&p.given_name))
                    && agrees(&held.date_of_birth, &p.date_of_birth);
                if !same {
                    conflicts.push(ListConflict {
                        line: p.line,
                        nhs_number: p.nhs_number.clone(),
                        held: (held.family_name.clone(), held.given_name.clone(), held.date_of_birth.clone()),
                        listed: (p.family_name.clone(), p.given_name.clone(), p.date_of_birth.clone()),
                        entries: held.entries,
                    });
                }
                same
            })
            .collect();
        for c in &conflicts {
            self.audit(
                actor,
                "import_patients_conflict",
                None,
                json!({ "line": c.line, "nhs_number": c.nhs_number, "entries": c.entries }),
            )?;
        }
        let mut changed = 0u64;
        {
            let mut stmt = self.tx.prepare_cached(
                "INSERT INTO patient (id, nhs_number, family_name, given_name, date_of_birth, sex, postcode, usual_gp,
                                      family_fold, given_fold, source, created_at, workstation_id)
                 VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, 'list', ?11, ?12)
                 ON CONFLICT (nhs_number) DO UPDATE SET
                     family_name = excluded.family_name, given_name = excluded.given_name,
                     date_of_birth = excluded.date_of_birth, sex = coalesce(excluded.sex, sex),
                     postcode = coalesce(excluded.postcode, postcode), usual_gp = coalesce(excluded.usual_gp, usual_gp),
                     family_fold = excluded.family_fold, given_fold = excluded.given_fold, source = 'list'
                 WHERE family_name IS NOT excluded.family_name OR given_name IS NOT excluded.given_name
                    OR date_of_birth IS NOT excluded.date_of_birth
                    OR (excluded.sex IS NOT NULL AND sex IS NOT excluded.sex)
                    OR (excluded.postcode IS NOT NULL AND postcode IS NOT excluded.postcode)
                    OR (excluded.usual_gp IS NOT NULL AND usual_gp IS NOT excluded.usual_gp)
                    OR source <> 'list'",
            )?;
            for p in &rows {
                changed += stmt.execute(params![
                    self.new_id(),
                    p.nhs_number,
                    p.family_name,
                    p.given_name,
                    p.date_of_birth,
                    p.sex,
                    p.postcode,
                    p.usual_gp,
                    fold(&p.family_name),
                    fold(&p.given_name),
                    now,
                    actor.workstation_id,
                ])? as u64;
            }
        }
        let added = count("SELECT count(*) FROM patient")? - before;
        let on_list: HashSet<&str> = rows.iter().map(|p| p.nhs_number.as_str()).collect();
        let mut kept_not_on_list = 0u64;
        {
            let mut stmt = self.tx.prepare("SELECT nhs_number FROM patient WHERE source = 'list'")?;
            let mut found = stmt.query([])?;
            while let Some(r) = found.next()? {
                let nhs: String = r.get(0)?;
                if !on_list.contains(nhs.as_str()) {
                    kept_not_on_list += 1;
                }
            }
        }
        let updated = changed.saturating_sub(added);
        let unchanged = (rows.len() as u64).saturating_sub(changed);
        Ok(ListOutcome { added, updated, unchanged, kept_not_on_list, conflicts })
    }

    /// Patients that entries are about, by NHS number, with the details that identify them.
    fn patients_with_entries(&self) -> Result<HashMap<String, HeldPatient>> {
        let mut stmt = self.tx.prepare(
            "SELECT p.nhs_number, p.family_name, p.given_name, p.date_of_birth, p.family_fold, p.given_fold,
                    count(*)
             FROM patient p JOIN entry e ON e.patient_id = p.id
             WHERE p.nhs_number IS NOT NULL
             GROUP BY p.id",
        )?;
        let rows = stmt.query_map([], |r| {
            Ok((
                r.get::<_, String>(0)?,
                HeldPatient {
                    family_name: r.get::<_, Option<String>>(1)?.unwrap_or_default(),
                    given_name: r.get::<_, Option<String>>(2)?.unwrap_or_default(),
                    date_of_birth: r.get::<_, Option<String>>(3)?.unwrap_or_default(),
                    family_fold: r.get::<_, Option<String>>(4)?.unwrap_or_default(),
                    given_fold: r.get::<_, Option<String>>(5)?.unwrap_or_default(),
                    entries: r.get::<_, i64>(6)? as u64,
                },
            ))
        })?;
        Ok(rows.collect::<rusqlite::Result<_>>()?)
    }

    /// Saves an entry typed from paper: recorded by the member of staff the form names, on this
    /// workstation, audited as imported by `importer`, with the file and line it came from.
    pub fn import_entry(
        &self,
        importer: &Actor,
        recorded_by: &str,
        content: &EntryContent,
        patient_id: Option<&str>,
        import_id: &str,
        line: u64,
    ) -> Result<SavedEntry> {
        let writer = Actor { staff_id: Some(recorded_by.to_string()), workstation_id: importer.workstation_id.clone() };
        let id = self.new_id();
        let revision_id = self.new_id();
        let reference = self.next_reference(&writer.workstation_id)?;
        self.insert_entry(&id, &reference, &writer, content, &revision_id, patient_id)?;
        self.insert_revision(&revision_id, &id, None, &writer, None, patient_id, content, false)?;
        self.exec(
            "INSERT INTO entry_source (entry_id, import_id, line) VALUES (?1, ?2, ?3)",
            params![id, import_id, line as i64],
        )?;
        self.audit(
            importer,
            "import",
            Some(&id),
            json!({
                "revision": revision_id, "ref": reference, "kind": content.kind.name(),
                "recorded_by": recorded_by, "import": import_id, "line": line
            }),
        )?;
        Ok(SavedEntry { id, reference, revision_id })
    }

    /// The reference of an entry already held (not voided) with the same kind, patient, time and
    /// summary: the same paper form imported before (from another copy of the file, or on another
    /// PC and merged), or typed twice. None when there is none.
    pub fn same_entry_held(&self, content: &EntryContent, patient_id: Option<&str>) -> Result<Option<String>> {
        Ok(self
            .tx
            .prepare_cached(
                "SELECT ref FROM entry
                 WHERE patient_id IS ?1 AND occurred_at = ?2 AND kind = ?3 AND summary = ?4 AND voided = 0
                 ORDER BY recorded_at, ref LIMIT 1",
            )?
            .query_row(
                params![patient_id, time::to_storage(content.occurred_at), content.kind.name(), content.summary],
                |r| r.get(0),
            )
            .optional()?)
    }

    /// Whether a member of staff with this id is on the staff list.
    pub fn staff_exists(&self, id: &str) -> Result<bool> {
        Ok(self
            .conn()
            .query_row("SELECT 1 FROM staff WHERE id = ?1", [id.to_ascii_uppercase()], |_| Ok(()))
            .optional()?
            .is_some())
    }
}
