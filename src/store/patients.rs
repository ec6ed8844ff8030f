//! Patients: found by NHS number, or by name and date of birth, so that every entry for one person
//! links to one record; possible duplicates are pointed out, never silently joined.

use chrono::{DateTime, NaiveDate, Utc};
use rusqlite::{Connection, OptionalExtension, params};
use serde_json::json;

use super::{Actor, Store, Tx};
use crate::domain::fields::PatientInput;
use crate::domain::nhs::NhsNumber;
use crate::domain::text::fold;
use crate::domain::time;
use crate::error::{Result, Warning};

#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize)]
pub struct Patient {
    pub id: String,
    pub nhs_number: Option<String>,
    pub family_name: Option<String>,
    pub given_name: Option<String>,
    pub date_of_birth: Option<String>,
    pub sex: Option<String>,
    pub postcode: Option<String>,
}

impl Patient {
    /// "JONES, Siân (03/04/1950) 943 476 5919": the three things that confirm who someone is.
    pub fn describe(&self) -> String {
        let nhs = self.nhs_display().unwrap_or_else(|| "no NHS number".to_string());
        format!("{} {nhs}", self.name_and_birth())
    }

    /// "JONES, Siân (03/04/1950)".
    pub fn name_and_birth(&self) -> String {
        let name = match (&self.family_name, &self.given_name) {
            (Some(f), Some(g)) => format!("{}, {}", f.to_uppercase(), g),
            (Some(f), None) => f.to_uppercase(),
            (None, Some(g)) => g.clone(),
            (None, None) => "(name not given)".to_string(),
        };
        let dob = self
            .date_of_birth
            .as_deref()
            .and_then(|d| NaiveDate::parse_from_str(d, "%Y-%m-%d").ok())
            .map(|d| format!(" ({})", time::format_uk_date(d)))
            .unwrap_or_default();
        format!("{name}{dob}")
    }

    pub fn nhs_display(&self) -> Option<String> {
        self.nhs_number.as_deref().and_then(|n| NhsNumber::parse_held(n).ok()).map(|n| n.to_string())
    }
}

/// The patient an entry is linked to, and anything the person logging should know about them.
#[derive(Debug, Clone)]
pub struct ResolvedPatient {
    pub id: String,
    pub warnings: Vec<Warning>,
}

const COLUMNS: &str = "id, nhs_number, family_name, given_name, date_of_birth, sex, postcode";

fn patient(r: &rusqlite::Row) -> rusqlite::Result<Patient> {
    Ok(Patient {
        id: r.get(0)?,
        nhs_number: r.get(1)?,
        family_name: r.get(2)?,
        given_name: r.get(3)?,
        date_of_birth: r.get(4)?,
        sex: r.get(5)?,
        postcode: r.get(6)?,
    })
}

pub(super) fn by_id(c: &Connection, id: &str) -> rusqlite::Result<Option<Patient>> {
    c.query_row(&format!("SELECT {COLUMNS} FROM patient WHERE id = ?1"), [id], patient).optional()
}

fn by_nhs(c: &Connection, nhs: &NhsNumber) -> rusqlite::Result<Option<Patient>> {
    c.query_row(&format!("SELECT {COLUMNS} FROM patient WHERE nhs_number = ?1"), [nhs.digits()], patient).optional()
}

fn by_name_and_birth(c: &Connection, family: &str, given: &str, dob: NaiveDate) -> rusqlite::Result<Vec<Patient>> {
    let mut stmt = c.prepare_cached(&format!(
        "SELECT {COLUMNS} FROM patient WHERE family_fold = ?1 AND given_fold = ?2 AND date_of_birth = ?3
         ORDER BY nhs_number IS NULL, created_at, id"
    ))?;
    let rows = stmt.query_map(params![fold(family), fold(given), dob.format("%Y-%m-%d").to_string()], patient)?;
    rows.collect()
}

/// How many candidates a name search considers before ranking: enough for the commonest surname.
const NAME_CANDIDATES: usize = 2000;

/// The smallest string greater than every string starting with `prefix`.
fn after_prefix(prefix: &str) -> String {
    let mut chars: Vec<char> = prefix.chars().collect();
    if let Some(last) = chars.pop() {
        chars.push(char::from_u32(last as u32 + 1).unwrap_or(char::MAX));
    }
    chars.into_iter().collect()
}

fn fts_phrase(word: &str) -> String {
    format!("\"{}\"", word.replace('"', "\"\""))
}

fn candidates(c: &Connection, sql: &str, args: &[&dyn rusqlite::ToSql]) -> rusqlite::Result<Vec<Patient>> {
    let mut stmt = c.prepare_cached(sql)?;
    let rows = stmt.query_map(args, patient)?;
    rows.collect()
}

/// The ways a look-up reaches patients, each through an index.
#[derive(Debug, Clone, Copy)]
enum Lookup {
    NhsPrefix,
    Birth,
    NamePart,
    FamilyPrefix,
}

fn lookup_sql(lookup: Lookup) -> String {
    let condition = match lookup {
        Lookup::NhsPrefix => "nhs_number >= ?1 AND nhs_number < ?2 ORDER BY nhs_number LIMIT ?3",
        Lookup::Birth => "date_of_birth = ?1 ORDER BY family_fold, given_fold LIMIT ?2",
        Lookup::NamePart => {
            "rowid IN (SELECT rowid FROM patient_name_search WHERE patient_name_search MATCH ?1 LIMIT ?2)"
        }
        Lookup::FamilyPrefix => "family_fold >= ?1 AND family_fold < ?2 LIMIT ?3",
    };
    format!("SELECT {COLUMNS} FROM patient WHERE {condition}")
}

/// Patients matching what is typed: digits are the start of an NHS number, a date is a date of
/// birth, anything else is any part of the names (every word must match). Best matches first.
fn search(c: &Connection, query: &str, limit: usize, now: DateTime<Utc>) -> rusqlite::Result<Vec<Patient>> {
    let query = query.trim();
    let digits: String = query.chars().filter(|ch| !matches!(ch, ' ' | '-')).collect();
    if digits.len() >= 3 && digits.bytes().all(|b| b.is_ascii_digit()) {
        return candidates(c, &lookup_sql(Lookup::NhsPrefix), &[&digits, &after_prefix(&digits), &(limit as i64)]);
    }
    if let Ok(dob) = time::parse_date_of_birth(query, now) {
        let dob = dob.format("%Y-%m-%d").to_string();
        return candidates(c, &lookup_sql(Lookup::Birth), &[&dob, &(limit as i64)]);
    }
    let words: Vec<String> = query.split_whitespace().map(fold).filter(|w| !w.is_empty()).collect();
    let Some(longest) = words.iter().rev().max_by_key(|w| w.chars().count()) else { return Ok(Vec::new()) };
    let found = if longest.chars().count() >= 3 {
        candidates(c, &lookup_sql(Lookup::NamePart), &[&fts_phrase(longest), &(NAME_CANDIDATES as i64)])?
    } else {
        let args: [&dyn rusqlite::ToSql; 3] = [longest, &after_prefix(longest), &(NAME_CANDIDATES as i64)];
        candidates(c, &lookup_sql(Lookup::FamilyPrefix), &args)?
    };
    let mut ranked: Vec<(u8, String, Patient)> = found
        .into_iter()
        .filter_map(|p| {
            let family = fold(p.family_name.as_deref().unwrap_or_default());
            let given = fold(p.given_name.as_deref().unwrap_or_default());
            let all_match = words.iter().all(|w| family.contains(w.as_str()) || given.contains(w.as_str()));
            let rank = match &words[0] {
                first if family == *first => 0,
                first if family.starts_with(first.as_str()) => 1,
                first if given.starts_with(first.as_str()) => 2,
                _ => 3,
            };
            all_match.then(|| (rank, format!("{family} {given}"), p))
        })
        .collect();
    ranked.sort_by(|a, b| (a.0, &a.1, &a.2.date_of_birth).cmp(&(b.0, &b.1, &b.2.date_of_birth)));
    Ok(ranked.into_iter().take(limit).map(|(_, _, p)| p).collect())
}

impl Store {
    /// Look-up as you type, over the practice's list and everyone logged so far.
    pub fn find_patients(&self, query: &str, limit: usize, now: DateTime<Utc>) -> Result<Vec<Patient>> {
        self.read(|c| Ok(search(c, query, limit, now)?))
    }

    pub fn patient(&self, id: &str) -> Result<Option<Patient>> {
        self.read(|c| Ok(by_id(c, id)?))
    }

    pub fn patient_by_nhs(&self, nhs: &NhsNumber) -> Result<Option<Patient>> {
        self.read(|c| Ok(by_nhs(c, nhs)?))
    }
}

impl Tx<'_> {
    /// Finds or makes the patient record an entry is about.
    ///
    /// By NHS number: that number's record (made if it is new). By name and date of birth: the local
    /// record (without NHS number) for that name and date of birth, made if there is none; a patient
    /// with an NHS number and the same details is pointed out, not joined, since two people can share both.
    pub fn resolve_patient(&self, actor: &Actor, input: &PatientInput) -> Result<ResolvedPatient> {
        let mut warnings = Vec::new();
        if let Some(nhs) = &input.nhs_number {
            if let Some(found) = by_nhs(self.conn(), nhs)? {
                if details_differ(&found, input) {
                    warnings.push(Warning::PatientDetailsDiffer { nhs_number: nhs.to_string() });
                }
                self.fill_missing_details(actor, &found, input)?;
                return Ok(ResolvedPatient { id: found.id, warnings });
            }
            if let (Some(f), Some(g), Some(d)) = (&input.family_name, &input.given_name, input.date_of_birth) {
                for local in by_name_and_birth(self.conn(), f, g, d)?.iter().filter(|p| p.nhs_number.is_none()) {
                    warnings.push(Warning::PossibleDuplicate { existing: local.describe() });
                }
            }
            let id = self.insert_patient(actor, input)?;
            return Ok(ResolvedPatient { id, warnings });
        }
        let (Some(family), Some(given), Some(dob)) = (&input.family_name, &input.given_name, input.date_of_birth)
        else {
            // The domain's patient rule runs first; this is only reached by a caller that skipped it.
            return Err(crate::error::Error::Invalid(vec![crate::domain::fields::FieldProblem::new(
                "patient",
                crate::domain::Problem::Required,
            )]));
        };
        warnings.push(Warning::NoNhsNumber);
        let matches = by_name_and_birth(self.conn(), family, given, dob)?;
        for traced in matches.iter().filter(|p| p.nhs_number.is_some()) {
            warnings.push(Warning::PossibleDuplicate { existing: traced.describe() });
        }
        if let Some(local) = matches.into_iter().find(|p| p.nhs_number.is_none()) {
            return Ok(ResolvedPatient { id: local.id, warnings });
        }
        let id = self.insert_patient(actor, input)?;
        Ok(ResolvedPatient { id, warnings })
    }

    /// Details first given with a later entry (a name, a date of birth) are added to the record;
    /// details already held are never overwritten here.
    fn fill_missing_details(&self, actor: &Actor, found: &Patient, input: &PatientInput) -> Result<()> {
        let dob = input.date_of_birth.map(|d| d.format("%Y-%m-%d").to_string());
        let added: Vec<&str> = [
            ("family_name", found.family_name.is_none() && input.family_name.is_some()),
            ("given_name", found.given_name.is_none() && input.given_name.is_some()),
            ("date_of_birth", found.date_of_birth.is_none() && dob.is_some()),
            ("sex", found.sex.is_none() && input.sex.is_some()),
            ("postcode", found.postcode.is_none() && input.postcode.is_some()),
        ]
        .into_iter()
        .filter_map(|(name, missing)| missing.then_some(name))
        .collect();
        if added.is_empty() {
            return Ok(());
        }
        self.exec(
            "UPDATE patient SET family_name = coalesce(family_name, ?2), given_name = coalesce(given_name, ?3),
                    date_of_birth = coalesce(date_of_birth, ?4), sex = coalesce(sex, ?5),
                    postcode = coalesce(postcode, ?6)
             WHERE id = ?1",
            params![found.id, input.family_name, input.given_name, dob, input.sex, input.postcode],
        )?;
        self.exec(
            "UPDATE patient SET family_fold = ?2, given_fold = ?3 WHERE id = ?1",
            params![
                found.id,
                fold(found.family_name.as_deref().or(input.family_name.as_deref()).unwrap_or_default()),
                fold(found.given_name.as_deref().or(input.given_name.as_deref()).unwrap_or_default()),
            ],
        )?;
        self.audit(actor, "patient_details_added", Some(&found.id), json!({ "added": added }))
    }

    fn insert_patient(&self, actor: &Actor, input: &PatientInput) -> Result<String> {
        let id = self.new_id();
        self.exec(
            "INSERT INTO patient (id, nhs_number, family_name, given_name, date_of_birth, sex, postcode,
                                  family_fold, given_fold, source, created_at, workstation_id)
             VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, 'logged', ?10, ?11)",
            params![
                id,
                input.nhs_number.as_ref().map(|n| n.digits().to_string()),
                input.family_name,
                input.given_name,
                input.date_of_birth.map(|d| d.format("%Y-%m-%d").to_string()),
                input.sex,
                input.postcode,
                input.family_name.as_deref().map(fold).unwrap_or_default(),
                input.given_name.as_deref().map(fold).unwrap_or_default(),
                time::to_storage(self.now()),
                actor.workstation_id,
            ],
        )?;
        let traced = input.nhs_number.is_some();
        self.audit(actor, "patient_add", Some(&id), json!({ "has_nhs_number": traced }))?;
        Ok(id)
    }
}

fn details_differ(found: &Patient, input: &PatientInput) -> bool {
    let differs = |stored: &Option<String>, typed: &Option<String>| match (stored, typed) {
        (Some(s), Some(t)) => fold(s) != fold(t),
        _ => false,
    };
    let dob_differs = match (&found.date_of_birth, input.date_of_birth) {
        (Some(s), Some(t)) => *s != t.format("%Y-%m-%d").to_string(),
        _ => false,
    };
    differs(&found.family_name, &input.family_name) || differs(&found.given_name, &input.given_name) || dob_differs
}

#[cfg(test)]
mod tests {
    use super::*;

    fn jones(nhs: Option<&str>) -> PatientInput {
        PatientInput {
            nhs_number: nhs.map(|n| NhsNumber::parse(n).unwrap()),
            family_name: Some("Jones".into()),
            given_name: Some("Siân".into()),
            date_of_birth: NaiveDate::from_ymd_opt(1950, 4, 3),
            ..Default::default()
        }
    }

    fn resolve(store: &Store, input: &PatientInput) -> ResolvedPatient {
        let actor = store.setup_actor(None).unwrap();
        store.write(|tx| tx.resolve_patient(&actor, input)).unwrap()
    }

    #[test]
    fn entries_for_one_unnamed_person_link_to_one_local_record() {
        let store = Store::open_in_memory().unwrap();
        let first = resolve(&store, &jones(None));
        let typed_differently = PatientInput { family_name: Some("JONES".into()), ..jones(None) };
        let second = resolve(&store, &typed_differently);
        assert_eq!(first.id, second.id);
        assert!(second.warnings.contains(&Warning::NoNhsNumber));
    }

    #[test]
    fn the_same_nhs_number_is_always_the_same_patient() {
        let store = Store::open_in_memory().unwrap();
        let a = resolve(&store, &jones(Some("943 476 5919")));
        let b =
            resolve(&store, &PatientInput { nhs_number: jones(Some("9434765919")).nhs_number, ..Default::default() });
        assert_eq!(a.id, b.id);
        assert!(b.warnings.is_empty());
    }

    #[test]
    fn a_local_record_matching_a_traced_patient_is_pointed_out_not_joined() {
        let store = Store::open_in_memory().unwrap();
        let traced = resolve(&store, &jones(Some("943 476 5919")));
        let local = resolve(&store, &jones(None));
        assert_ne!(traced.id, local.id);
        assert!(
            local
                .warnings
                .iter()
                .any(|w| matches!(w, Warning::PossibleDuplicate { existing } if existing.contains("943 476 5919")))
        );
    }

    #[test]
    fn a_name_that_differs_from_the_list_is_warned_about() {
        let store = Store::open_in_memory().unwrap();
        resolve(&store, &jones(Some("943 476 5919")));
        let other = PatientInput { family_name: Some("Smith".into()), ..jones(Some("943 476 5919")) };
        let again = resolve(&store, &other);
        assert!(matches!(again.warnings[..], [Warning::PatientDetailsDiffer { .. }]));
    }

    #[test]
    fn look_up_finds_by_any_part_of_the_name_nhs_number_or_birth_date() {
        let store = Store::open_in_memory().unwrap();
        let jones = resolve(&store, &jones(Some("943 476 5919"))).id;
        let other = PatientInput {
            nhs_number: NhsNumber::parse("999 234 5675").ok(),
            family_name: Some("Evans".into()),
            given_name: Some("Rhys".into()),
            date_of_birth: NaiveDate::from_ymd_opt(1970, 6, 5),
            ..Default::default()
        };
        let evans = resolve(&store, &other).id;
        let ids = |q: &str| -> Vec<String> {
            store.find_patients(q, 10, chrono::Utc::now()).unwrap().into_iter().map(|p| p.id).collect()
        };
        assert_eq!(ids("one"), std::slice::from_ref(&jones), "middle of the family name");
        assert_eq!(ids("sian"), std::slice::from_ref(&jones), "given name, typed without its accent");
        assert_eq!(ids("jo si"), std::slice::from_ref(&jones), "short parts of both names");
        assert_eq!(ids("943 47"), std::slice::from_ref(&jones), "start of the NHS number, with a space");
        assert_eq!(ids("05/06/1970"), std::slice::from_ref(&evans), "date of birth");
        assert_eq!(ids("ev"), [evans], "two letters: start of the family name");
        assert!(ids("xyz").is_empty());
        assert!(ids("  ").is_empty());
    }

    #[test]
    fn every_look_up_uses_an_index_not_a_scan() {
        let store = Store::open_in_memory().unwrap();
        for lookup in [Lookup::NhsPrefix, Lookup::Birth, Lookup::NamePart, Lookup::FamilyPrefix] {
            let plan: Vec<String> = store
                .read(|c| {
                    let mut stmt = c.prepare(&format!("EXPLAIN QUERY PLAN {}", lookup_sql(lookup)))?;
                    let args = ["a", "b", "1"];
                    let n = stmt.parameter_count();
                    let rows = stmt.query_map(rusqlite::params_from_iter(&args[..n]), |r| r.get::<_, String>(3))?;
                    Ok(rows.collect::<rusqlite::Result<Vec<_>>>()?)
                })
                .unwrap();
            // The trigram table's own "SCAN … VIRTUAL TABLE INDEX 0:M" is its index answering MATCH.
            let scans_patients = plan.iter().any(|step| step == "SCAN patient" || step.starts_with("SCAN patient "));
            assert!(!scans_patients, "{lookup:?} scans: {plan:?}");
            assert!(!plan.is_empty());
        }
    }

    #[test]
    fn details_given_later_are_added_to_a_record_known_only_by_number() {
        let store = Store::open_in_memory().unwrap();
        let number_only = PatientInput { nhs_number: jones(Some("943 476 5919")).nhs_number, ..Default::default() };
        let first = resolve(&store, &number_only);
        let again = resolve(&store, &jones(Some("943 476 5919")));
        assert_eq!(first.id, again.id);
        let patient = store.patient(&first.id).unwrap().unwrap();
        assert_eq!(patient.family_name.as_deref(), Some("Jones"));
        assert_eq!(patient.date_of_birth.as_deref(), Some("1950-04-03"));
        // Now the record has a name, a local record with the same details is pointed out.
        let local = resolve(&store, &jones(None));
        assert!(local.warnings.iter().any(|w| matches!(w, Warning::PossibleDuplicate { .. })));
    }
}
