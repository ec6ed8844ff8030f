//! Patients: found by NHS number, or by name and date of birth, so that every entry for one person
//! links to one record; possible duplicates are pointed out, never silently joined.

use chrono::{DateTime, NaiveDate, Utc};
use rusqlite::{Connection, OptionalExtension, params};
use serde_json::json;

use super::{Actor, EntryHeader, Store, Tx};
use crate::domain::fields::PatientInput;
use crate::domain::nhs::NhsNumber;
use crate::domain::text::fold;
use crate::domain::time;
use crate::error::{Error, Result, Warning};

#[derive(Debug, Clone, Default, PartialEq, Eq, serde::Serialize)]
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

/// How `resolve_patient` is asked: for a registration, and whether its questions were answered yes.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct PatientCheck {
    /// The entry registers this person: finding them already held is a question.
    pub registering: bool,
    /// The person has said yes to the questions (`--confirm`, or yes in the form).
    pub confirmed: bool,
}

/// Which record typed details mean, before anything is written.
enum Decision {
    Existing { patient: Patient, warnings: Vec<Warning> },
    New { warnings: Vec<Warning> },
}

impl Decision {
    fn warnings(&self) -> impl Iterator<Item = &Warning> {
        match self {
            Decision::Existing { warnings, .. } | Decision::New { warnings } => warnings.iter(),
        }
    }
}

/// A patient's details other than the NHS number, by the names a registration gives its fields:
/// what `Tx::correct_patient_details` corrects.
pub const PATIENT_DETAILS: [&str; 5] = ["family_name", "given_name", "date_of_birth", "sex", "postcode"];

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

/// Records with this name and date of birth, compared folded (case, spaces, punctuation and accents
/// ignored), leaving out records already joined into another.
fn by_name_and_birth(c: &Connection, family: &str, given: &str, dob: NaiveDate) -> rusqlite::Result<Vec<Patient>> {
    let mut stmt = c.prepare_cached(&format!(
        "SELECT {COLUMNS} FROM patient
         WHERE family_fold = ?1 AND given_fold = ?2 AND date_of_birth = ?3 AND joined_into IS NULL
         ORDER BY nhs_number IS NULL, created_at, id"
    ))?;
    let rows = stmt.query_map(params![fold(family), fold(given), dob.format("%Y-%m-%d").to_string()], patient)?;
    rows.collect()
}

/// How many candidates a name search considers before ranking: enough for the commonest surname.
const NAME_CANDIDATES: usize = 2000;

/// How far "and N more" counts for a number or a date: past this, "N or more".
const MORE_COUNTED: usize = 1000;

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
        // A joined record never has an NHS number (`Tx::join_patients` keeps the one that has it).
        Lookup::NhsPrefix => "nhs_number >= ?1 AND nhs_number < ?2 ORDER BY nhs_number LIMIT ?3",
        Lookup::Birth => "date_of_birth = ?1 AND joined_into IS NULL ORDER BY family_fold, given_fold LIMIT ?2",
        Lookup::NamePart => {
            "rowid IN (SELECT rowid FROM patient_name_search WHERE patient_name_search MATCH ?1 LIMIT ?2)
             AND joined_into IS NULL"
        }
        Lookup::FamilyPrefix => "family_fold >= ?1 AND family_fold < ?2 AND joined_into IS NULL LIMIT ?3",
    };
    format!("SELECT {COLUMNS} FROM patient WHERE {condition}")
}

/// What a look-up found: the best matches, and how many more there are beyond them, so that a
/// person knows to type more rather than think the list is everyone.
#[derive(Debug, Clone, Default, PartialEq, Eq, serde::Serialize)]
pub struct PatientMatches {
    pub patients: Vec<Patient>,
    /// How many more match than are in `patients`.
    pub more: usize,
    /// `more` is a lower bound: counting stopped there ("and 1000 or more").
    pub more_at_least: bool,
}

impl PatientMatches {
    /// "and 12 more: type more to narrow", or nothing when every match is shown.
    pub fn more_words(&self) -> Option<String> {
        match (self.more, self.more_at_least) {
            (0, _) => None,
            (n, false) => Some(format!("and {n} more: type more to narrow")),
            (n, true) => Some(format!("and {n} or more: type more to narrow")),
        }
    }
}

/// Keeps the first `limit` of everything matched and counts the rest.
fn shown(mut found: Vec<Patient>, limit: usize, reached_cap: bool) -> PatientMatches {
    let more = found.len().saturating_sub(limit);
    found.truncate(limit);
    PatientMatches { patients: found, more, more_at_least: reached_cap }
}

/// Start of an NHS number: at least 3 digits, spaces and dashes ignored.
fn nhs_prefix(query: &str) -> Option<String> {
    let digits: String = query.chars().filter(|ch| !matches!(ch, ' ' | '-')).collect();
    (digits.len() >= 3 && digits.len() <= 10 && digits.bytes().all(|b| b.is_ascii_digit())).then_some(digits)
}

fn by_nhs_prefix(c: &Connection, digits: &str, limit: usize) -> rusqlite::Result<PatientMatches> {
    let end = after_prefix(digits);
    let found = candidates(c, &lookup_sql(Lookup::NhsPrefix), &[&digits, &end, &(limit as i64 + 1)])?;
    let mut matches = shown(found, limit, false);
    if matches.more > 0 {
        let total: i64 = c
            .prepare_cached(
                "SELECT count(*) FROM (SELECT 1 FROM patient WHERE nhs_number >= ?1 AND nhs_number < ?2 LIMIT ?3)",
            )?
            .query_row(params![digits, end, (limit + MORE_COUNTED) as i64], |r| r.get(0))?;
        matches.more = total as usize - limit;
        matches.more_at_least = matches.more >= MORE_COUNTED;
    }
    Ok(matches)
}

/// Whether a record's folded names contain every word typed, and how well the first word fits:
/// 0 the whole family name, 1 its start, 2 the start of the given name, 3 anywhere.
fn name_rank(p: &Patient, words: &[String]) -> Option<u8> {
    let family = fold(p.family_name.as_deref().unwrap_or_default());
    let given = fold(p.given_name.as_deref().unwrap_or_default());
    if !words.iter().all(|w| family.contains(w.as_str()) || given.contains(w.as_str())) {
        return None;
    }
    Some(match words.first() {
        None => 0,
        Some(first) if family == *first => 0,
        Some(first) if family.starts_with(first.as_str()) => 1,
        Some(first) if given.starts_with(first.as_str()) => 2,
        Some(_) => 3,
    })
}

fn ranked(found: Vec<Patient>, words: &[String]) -> Vec<Patient> {
    let mut ranked: Vec<(u8, String, Patient)> = found
        .into_iter()
        .filter_map(|p| {
            let key = format!(
                "{} {}",
                fold(p.family_name.as_deref().unwrap_or_default()),
                fold(p.given_name.as_deref().unwrap_or_default())
            );
            name_rank(&p, words).map(|rank| (rank, key, p))
        })
        .collect();
    ranked.sort_by(|a, b| (a.0, &a.1, &a.2.date_of_birth).cmp(&(b.0, &b.1, &b.2.date_of_birth)));
    ranked.into_iter().map(|(_, _, p)| p).collect()
}

/// Patients matching what is typed, best first. Whatever the command line accepts as a date
/// (`time::parse_date_of_birth`, as the command line reads one) is a date of birth, alone or with words of the name ("reid 30/01/1941");
/// digits are the start of an NHS number (spaces and dashes ignored); anything else is any part of
/// the names, every word matching, accents and case ignored both ways ("lukasz" finds Łukasz,
/// "Łukasz" finds Lukasz).
fn search(c: &Connection, query: &str, limit: usize, now: DateTime<Utc>) -> rusqlite::Result<PatientMatches> {
    let query = query.trim();
    let whole_date = time::parse_date_of_birth(query, now).ok();
    let mut dates = Vec::new();
    let mut words = Vec::new();
    for token in query.split_whitespace() {
        match whole_date.or_else(|| time::parse_date_of_birth(token, now).ok()) {
            Some(d) => dates.push(d),
            None => words.push(fold(token)),
        }
    }
    words.retain(|w| !w.is_empty());

    if let Some(digits) = nhs_prefix(query) {
        let by_number = by_nhs_prefix(c, &digits, limit)?;
        // Digits that are also a date ("19410130" if dates are ever typed that way): both kinds.
        let Some(dob) = whole_date else { return Ok(by_number) };
        let mut by_birth = by_birth_and_names(c, dob, &[], limit)?;
        by_birth.patients.extend(by_number.patients);
        by_birth.more += by_number.more;
        by_birth.more_at_least |= by_number.more_at_least;
        let extra = by_birth.patients.len().saturating_sub(limit);
        by_birth.patients.truncate(limit);
        by_birth.more += extra;
        return Ok(by_birth);
    }
    if let Some(&dob) = dates.first() {
        if dates.iter().any(|d| *d != dob) {
            return Ok(PatientMatches::default());
        }
        return by_birth_and_names(c, dob, &words, limit);
    }
    let Some(longest) = words.iter().rev().max_by_key(|w| w.chars().count()) else {
        return Ok(PatientMatches::default());
    };
    let found = if longest.chars().count() >= 3 {
        candidates(c, &lookup_sql(Lookup::NamePart), &[&fts_phrase(longest), &(NAME_CANDIDATES as i64)])?
    } else {
        let args: [&dyn rusqlite::ToSql; 3] = [longest, &after_prefix(longest), &(NAME_CANDIDATES as i64)];
        candidates(c, &lookup_sql(Lookup::FamilyPrefix), &args)?
    };
    let reached_cap = found.len() >= NAME_CANDIDATES;
    Ok(shown(ranked(found, &words), limit, reached_cap))
}

/// Everyone born that day (a few at most, even in a large practice), narrowed by any words typed.
fn by_birth_and_names(
    c: &Connection,
    dob: NaiveDate,
    words: &[String],
    limit: usize,
) -> rusqlite::Result<PatientMatches> {
    let dob = dob.format("%Y-%m-%d").to_string();
    let found = candidates(c, &lookup_sql(Lookup::Birth), &[&dob, &(NAME_CANDIDATES as i64)])?;
    let reached_cap = found.len() >= NAME_CANDIDATES;
    Ok(shown(ranked(found, words), limit, reached_cap))
}

/// A possible duplicate: two records with the same name and date of birth, at least one of them
/// without an NHS number, with how many entries each holds.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize)]
pub struct DuplicatePair {
    pub first: Patient,
    pub first_entries: u64,
    pub second: Patient,
    pub second_entries: u64,
}

/// What joining two records did.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize)]
pub struct JoinOutcome {
    pub kept: Patient,
    pub joined: Patient,
    /// References of the entries moved to the kept record, each by a new revision.
    pub moved: Vec<String>,
}

fn entry_count(c: &Connection, patient_id: &str) -> rusqlite::Result<u64> {
    c.prepare_cached("SELECT count(*) FROM entry WHERE patient_id = ?1")?
        .query_row([patient_id], |r| r.get::<_, i64>(0))
        .map(|n| n as u64)
}

fn joined_into(c: &Connection, id: &str) -> rusqlite::Result<Option<String>> {
    c.query_row("SELECT joined_into FROM patient WHERE id = ?1", [id], |r| r.get(0)).optional().map(Option::flatten)
}

/// How a patient record is described where a person must choose between records: who, and its id.
fn with_record_id(p: &Patient) -> String {
    format!("{} (record {})", p.describe(), p.id)
}

impl Store {
    /// Look-up as you type, over the practice's list and everyone logged so far: the best `limit`
    /// matches and how many more there are.
    pub fn find_patients(&self, query: &str, limit: usize, now: DateTime<Utc>) -> Result<PatientMatches> {
        self.read(|c| Ok(search(c, query, limit, now)?))
    }

    pub fn patient(&self, id: &str) -> Result<Option<Patient>> {
        self.read(|c| Ok(by_id(c, id)?))
    }

    pub fn patient_by_nhs(&self, nhs: &NhsNumber) -> Result<Option<Patient>> {
        self.read(|c| Ok(by_nhs(c, nhs)?))
    }

    /// Each pair of records that may be one person (same name and date of birth, at least one
    /// without an NHS number), with how many entries each holds. Records already joined are left out.
    pub fn duplicate_pairs(&self) -> Result<Vec<DuplicatePair>> {
        let groups = self.possible_duplicates()?;
        self.read(|c| {
            let mut pairs = Vec::new();
            for group in &groups {
                for (i, first) in group.iter().enumerate() {
                    for second in &group[i + 1..] {
                        if first.nhs_number.is_some() && second.nhs_number.is_some() {
                            continue; // two NHS numbers: two people
                        }
                        pairs.push(DuplicatePair {
                            first: first.clone(),
                            first_entries: entry_count(c, &first.id)?,
                            second: second.clone(),
                            second_entries: entry_count(c, &second.id)?,
                        });
                    }
                }
            }
            Ok(pairs)
        })
    }
}

impl Tx<'_> {
    /// A patient record chosen by its id (as `patients duplicates` and an ambiguous match show it).
    /// A record joined into another gives the one it was joined into.
    pub fn patient_record(&self, id: &str) -> Result<Patient> {
        let mut id = id.trim().to_string();
        for _ in 0..8 {
            match joined_into(self.conn(), &id)? {
                Some(into) => id = into,
                None => break,
            }
        }
        by_id(self.conn(), &id)?.ok_or(Error::PatientRecordNotFound(id))
    }

    /// Finds or makes the patient record an entry is about. The one place that decides which
    /// record typed details mean, and which cases need a person's yes (`check.confirmed`):
    ///
    /// - An NHS number already held: that record. If the name or date of birth typed differ from
    ///   it, that is a question (`NhsNumberHeldByOther`): yes links to the record and keeps the
    ///   difference in the audit trail (field names only), the record unchanged.
    /// - An NHS number not yet held: a new record; a local record with the same details is noted.
    /// - No NHS number: names and date of birth compared folded (accents and case ignored).
    ///   One local record: that one (noted if only accents differ). One record with an NHS number:
    ///   a question (`SameDetailsAsTraced`); yes makes a new local record. Two or more: refused
    ///   (`AmbiguousPatient`), never a guess. None: a new local record.
    /// - Registering (`check.registering`) someone already held, by number or by name and date of
    ///   birth, is a question (`AlreadyHeld`); yes links the registration to that record (or, for
    ///   a new NHS number whose details match a local record, makes the number's record beside it).
    ///
    /// Unconfirmed questions come back as `Error::NeedsConfirmation`, nothing written. Once
    /// confirmed, the warnings returned are notes to show: a number whose record says otherwise
    /// (`NhsNumberHeldByOther`), a possible duplicate, accents; not the answered question again.
    pub fn resolve_patient(&self, actor: &Actor, input: &PatientInput, check: PatientCheck) -> Result<ResolvedPatient> {
        let mut resolved = self.decide_patient(input, check.registering)?;
        let questions: Vec<Warning> = resolved.warnings().filter(|w| w.needs_confirmation()).cloned().collect();
        if !check.confirmed && !questions.is_empty() {
            return Err(Error::NeedsConfirmation(questions));
        }
        // Answered yes: what remains worth saying is a note (a possible duplicate, a number whose
        // record says otherwise), not the question again.
        match &mut resolved {
            Decision::Existing { warnings, .. } | Decision::New { warnings } => {
                warnings.retain(|w| !matches!(w, Warning::SameDetailsAsTraced { .. } | Warning::AlreadyHeld { .. }))
            }
        }
        match resolved {
            Decision::Existing { patient: found, warnings } => {
                if input.nhs_number.is_some() {
                    if details_differ(&found, input) {
                        self.audit(
                            actor,
                            "patient_details_differed",
                            Some(&found.id),
                            json!({ "confirmed": true, "differs": differing_fields(&found, input) }),
                        )?;
                    }
                    self.fill_missing_details(actor, &found, input)?;
                }
                Ok(ResolvedPatient { id: found.id, warnings })
            }
            Decision::New { warnings } => {
                let id = self.insert_patient(actor, input)?;
                Ok(ResolvedPatient { id, warnings })
            }
        }
    }

    /// Which record typed details mean, and what to say or ask: nothing is written.
    fn decide_patient(&self, input: &PatientInput, registering: bool) -> Result<Decision> {
        let mut warnings = Vec::new();
        if let Some(nhs) = &input.nhs_number {
            if let Some(found) = by_nhs(self.conn(), nhs)? {
                if registering {
                    warnings.push(Warning::AlreadyHeld { existing: found.describe(), kept_apart: false });
                }
                if details_differ(&found, input) {
                    warnings.push(Warning::NhsNumberHeldByOther {
                        nhs_number: nhs.to_string(),
                        held: found.name_and_birth(),
                        typed: typed_name_and_birth(input),
                    });
                } else {
                    warnings.extend(accent_note(&found, input));
                }
                return Ok(Decision::Existing { patient: found, warnings });
            }
            if let (Some(f), Some(g), Some(d)) = (&input.family_name, &input.given_name, input.date_of_birth) {
                for local in by_name_and_birth(self.conn(), f, g, d)?.iter().filter(|p| p.nhs_number.is_none()) {
                    if registering {
                        warnings.push(Warning::AlreadyHeld { existing: with_record_id(local), kept_apart: true });
                    }
                    warnings.push(Warning::PossibleDuplicate { existing: local.describe() });
                }
            }
            return Ok(Decision::New { warnings });
        }
        let (Some(family), Some(given), Some(dob)) = (&input.family_name, &input.given_name, input.date_of_birth)
        else {
            // The domain's patient rule runs first; this is only reached by a caller that skipped it.
            return Err(Error::Invalid(vec![crate::domain::fields::FieldProblem::new(
                "patient",
                crate::domain::Problem::Required,
            )]));
        };
        warnings.push(Warning::NoNhsNumber);
        let mut matches = by_name_and_birth(self.conn(), family, given, dob)?;
        if matches.len() > 1 {
            return Err(Error::AmbiguousPatient { matches: matches.iter().map(with_record_id).collect() });
        }
        match matches.pop() {
            None => Ok(Decision::New { warnings }),
            Some(traced) if traced.nhs_number.is_some() => {
                warnings.push(Warning::SameDetailsAsTraced { existing: traced.describe() });
                warnings.push(Warning::PossibleDuplicate { existing: traced.describe() });
                Ok(Decision::New { warnings })
            }
            Some(local) => {
                if registering {
                    warnings.push(Warning::AlreadyHeld { existing: with_record_id(&local), kept_apart: false });
                }
                warnings.extend(accent_note(&local, input));
                Ok(Decision::Existing { patient: local, warnings })
            }
        }
    }

    /// Before a registration is marked done with the NHS number the new system traced: a question
    /// if that number is already another patient's, on their record or traced for them.
    pub fn traced_number_questions(&self, patient_id: Option<&str>, nhs: &NhsNumber) -> Result<Vec<Warning>> {
        let mut holders = Vec::new();
        if let Some(holder) = by_nhs(self.conn(), nhs)?
            && Some(holder.id.as_str()) != patient_id
        {
            holders.push(holder);
        }
        let mut stmt = self.conn().prepare_cached(
            "SELECT DISTINCT patient_id FROM entry
             WHERE kind = 'registration' AND reentry_nhs_number = ?1 AND reentry_status = 'done' AND voided = 0
               AND patient_id IS NOT NULL",
        )?;
        let traced: Vec<String> = stmt.query_map([nhs.digits()], |r| r.get(0))?.collect::<rusqlite::Result<_>>()?;
        for id in traced {
            if Some(id.as_str()) != patient_id
                && !holders.iter().any(|h| h.id == id)
                && let Some(p) = by_id(self.conn(), &id)?
            {
                holders.push(p);
            }
        }
        Ok(holders
            .into_iter()
            .map(|holder| Warning::TracedNumberHeldByOther { nhs_number: nhs.to_string(), holder: holder.describe() })
            .collect())
    }

    /// Joins OTHER into KEEP, as a person decided: every unvoided entry of OTHER gets a new
    /// revision naming KEEP (its earlier revisions still name OTHER), OTHER is marked as joined so
    /// look-up and logging no longer offer it, and the audit trail says who, when and why. Records
    /// with two different NHS numbers are never joined; if only OTHER has one, KEEP must be it.
    pub fn join_patients(&self, actor: &Actor, keep_id: &str, other_id: &str, reason: &str) -> Result<JoinOutcome> {
        use crate::error::JoinRefusal;
        let reason = reason.trim();
        if reason.is_empty() {
            return Err(Error::CannotJoin(JoinRefusal::ReasonRequired));
        }
        let find = |id: &str| -> Result<Patient> {
            let p =
                by_id(self.conn(), id.trim())?.ok_or_else(|| Error::PatientRecordNotFound(id.trim().to_string()))?;
            match joined_into(self.conn(), &p.id)? {
                Some(into) => Err(Error::CannotJoin(JoinRefusal::AlreadyJoined { id: p.id, into })),
                None => Ok(p),
            }
        };
        let keep = find(keep_id)?;
        let other = find(other_id)?;
        if keep.id == other.id {
            return Err(Error::CannotJoin(JoinRefusal::SameRecord));
        }
        match (keep.nhs_display(), other.nhs_display()) {
            (Some(k), Some(o)) => {
                return Err(Error::CannotJoin(JoinRefusal::DifferentNhsNumbers { keep: k, other: o }));
            }
            (None, Some(o)) => {
                return Err(Error::CannotJoin(JoinRefusal::NumberOnTheOther {
                    other: o,
                    other_id: other.id.clone(),
                    keep_id: keep.id.clone(),
                }));
            }
            _ => {}
        }
        let ids: Vec<String> = self
            .conn()
            .prepare("SELECT id FROM entry WHERE patient_id = ?1 AND voided = 0 ORDER BY occurred_at, id")?
            .query_map([&other.id], |r| r.get(0))?
            .collect::<rusqlite::Result<_>>()?;
        let why = format!("patient records joined: {reason}");
        let mut moved = Vec::with_capacity(ids.len());
        for id in ids {
            let entry = self.find_entry(&id)?;
            let current = self.current_revision(&entry)?;
            self.revise_entry(actor, &entry, &current.content, Some(&keep.id), Some(&why), false)?;
            moved.push(entry.reference);
        }
        self.exec("UPDATE patient SET joined_into = ?2 WHERE id = ?1", params![other.id, keep.id])?;
        self.audit(
            actor,
            "patient_join",
            Some(&other.id),
            json!({ "kept": keep.id, "joined": other.id, "reason": reason, "entries_moved": moved.len() }),
        )?;
        Ok(JoinOutcome { kept: keep, joined: other, moved })
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

    /// Corrects a patient record's details because the entry that holds them was corrected (a
    /// registration amended: its name, date of birth, sex or postcode ARE the person's). Each
    /// detail named in `fields` (from `PATIENT_DETAILS`) takes its value in `details`, none
    /// clearing it; the others, and the NHS number, stay as the record holds them. The folded names
    /// (and so the name-search index, through its trigger) follow, and an audit row
    /// `patient_corrected` names the details changed and the entry, never their values.
    ///
    /// Returns what to tell the person: `PatientRecordCorrected` with what the record now says,
    /// and a `PossibleDuplicate` for each other record the corrected details now match (never
    /// joined: that stays a person's decision, `patients join`). Nothing if the record already
    /// said that.
    pub fn correct_patient_details(
        &self,
        actor: &Actor,
        patient_id: &str,
        details: &PatientInput,
        fields: &[&str],
        because_of: &EntryHeader,
    ) -> Result<Vec<Warning>> {
        let found =
            by_id(self.conn(), patient_id)?.ok_or_else(|| Error::PatientRecordNotFound(patient_id.to_string()))?;
        let mut record = found.clone();
        for field in fields {
            match *field {
                "family_name" => record.family_name.clone_from(&details.family_name),
                "given_name" => record.given_name.clone_from(&details.given_name),
                "date_of_birth" => {
                    record.date_of_birth = details.date_of_birth.map(|d| d.format("%Y-%m-%d").to_string())
                }
                "sex" => record.sex.clone_from(&details.sex),
                "postcode" => record.postcode.clone_from(&details.postcode),
                other => debug_assert!(false, "{other} is not a patient detail"),
            }
        }
        let corrected: Vec<&str> = PATIENT_DETAILS
            .into_iter()
            .zip([
                found.family_name != record.family_name,
                found.given_name != record.given_name,
                found.date_of_birth != record.date_of_birth,
                found.sex != record.sex,
                found.postcode != record.postcode,
            ])
            .filter_map(|(name, changed)| changed.then_some(name))
            .collect();
        if corrected.is_empty() {
            return Ok(Vec::new());
        }
        self.exec(
            "UPDATE patient SET family_name = ?2, given_name = ?3, date_of_birth = ?4, sex = ?5, postcode = ?6,
                    family_fold = ?7, given_fold = ?8
             WHERE id = ?1",
            params![
                found.id,
                record.family_name,
                record.given_name,
                record.date_of_birth,
                record.sex,
                record.postcode,
                fold(record.family_name.as_deref().unwrap_or_default()),
                fold(record.given_name.as_deref().unwrap_or_default()),
            ],
        )?;
        self.audit(
            actor,
            "patient_corrected",
            Some(&found.id),
            json!({ "corrected": corrected, "entry": because_of.id, "reference": because_of.reference }),
        )?;
        let mut warnings = vec![Warning::PatientRecordCorrected { record: record.name_and_birth() }];
        let dob = record.date_of_birth.as_deref().and_then(|d| NaiveDate::parse_from_str(d, "%Y-%m-%d").ok());
        if let (Some(family), Some(given), Some(dob)) = (&record.family_name, &record.given_name, dob) {
            for other in by_name_and_birth(self.conn(), family, given, dob)? {
                // Two NHS numbers are two people, as in `duplicate_pairs`.
                if other.id != record.id && (other.nhs_number.is_none() || record.nhs_number.is_none()) {
                    warnings.push(Warning::PossibleDuplicate { existing: other.describe() });
                }
            }
        }
        Ok(warnings)
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

/// "OTHER, Person (01/01/1990)": what was typed, shown as a record is.
fn typed_name_and_birth(input: &PatientInput) -> String {
    let typed = Patient {
        id: String::new(),
        nhs_number: None,
        family_name: input.family_name.clone(),
        given_name: input.given_name.clone(),
        date_of_birth: input.date_of_birth.map(|d| d.format("%Y-%m-%d").to_string()),
        sex: None,
        postcode: None,
    };
    typed.name_and_birth()
}

/// The names typed are the record's once folded but not as written: only accents (or case,
/// spacing, punctuation) differ, which is worth a note, never a silent link.
fn accent_note(found: &Patient, input: &PatientInput) -> Option<Warning> {
    let differs_in_accents = |held: &Option<String>, typed: &Option<String>| match (held, typed) {
        (Some(h), Some(t)) => {
            let plain = |s: &str| s.to_lowercase().split_whitespace().collect::<Vec<_>>().join(" ");
            fold(h) == fold(t) && plain(h) != plain(t)
        }
        _ => false,
    };
    let family = differs_in_accents(&found.family_name, &input.family_name);
    let given = differs_in_accents(&found.given_name, &input.given_name);
    (family || given).then(|| {
        let typed = format!(
            "{} {}",
            input.given_name.as_deref().unwrap_or_default(),
            input.family_name.as_deref().unwrap_or_default()
        );
        let held = format!(
            "{} {}",
            found.given_name.as_deref().unwrap_or_default(),
            found.family_name.as_deref().unwrap_or_default()
        );
        Warning::NameDiffersOnlyByAccents { typed: typed.trim().to_string(), held: held.trim().to_string() }
    })
}

/// Which of the name and date of birth typed differ from the record: names of fields only, for
/// the audit trail, which never holds patients' details.
fn differing_fields(found: &Patient, input: &PatientInput) -> Vec<&'static str> {
    let differs = |stored: &Option<String>, typed: &Option<String>| matches!((stored, typed), (Some(s), Some(t)) if fold(s) != fold(t));
    let mut fields = Vec::new();
    if differs(&found.family_name, &input.family_name) {
        fields.push("family_name");
    }
    if differs(&found.given_name, &input.given_name) {
        fields.push("given_name");
    }
    let dob = input.date_of_birth.map(|d| d.format("%Y-%m-%d").to_string());
    if found.date_of_birth.is_some() && dob.is_some() && found.date_of_birth != dob {
        fields.push("date_of_birth");
    }
    fields
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
        try_resolve(store, input, PatientCheck { registering: false, confirmed: true }).unwrap()
    }

    fn try_resolve(store: &Store, input: &PatientInput, check: PatientCheck) -> Result<ResolvedPatient> {
        let actor = store.setup_actor(None).unwrap();
        store.write(|tx| tx.resolve_patient(&actor, input, check))
    }

    fn person(nhs: Option<&str>, family: &str, given: &str, dob: (i32, u32, u32)) -> PatientInput {
        PatientInput {
            nhs_number: nhs.map(|n| NhsNumber::parse(n).unwrap()),
            family_name: Some(family.into()),
            given_name: Some(given.into()),
            date_of_birth: NaiveDate::from_ymd_opt(dob.0, dob.1, dob.2),
            ..Default::default()
        }
    }

    fn asked(result: Result<ResolvedPatient>) -> Vec<Warning> {
        match result {
            Err(Error::NeedsConfirmation(questions)) => questions,
            other => panic!("expected a question, got {other:?}"),
        }
    }

    fn ids(store: &Store, q: &str) -> Vec<String> {
        store.find_patients(q, 10, Utc::now()).unwrap().patients.into_iter().map(|p| p.id).collect()
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
    fn a_local_record_matching_a_traced_patient_is_asked_about_then_kept_apart() {
        let store = Store::open_in_memory().unwrap();
        let traced = resolve(&store, &jones(Some("943 476 5919")));
        let questions = asked(try_resolve(&store, &jones(None), PatientCheck::default()));
        assert!(
            matches!(&questions[..], [Warning::SameDetailsAsTraced { existing }] if existing.contains("943 476 5919"))
        );
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
    fn a_name_that_differs_from_the_record_for_that_number_is_asked_about_then_linked() {
        let store = Store::open_in_memory().unwrap();
        let held = resolve(&store, &jones(Some("943 476 5919")));
        let other = PatientInput { family_name: Some("Smith".into()), ..jones(Some("943 476 5919")) };
        let questions = asked(try_resolve(&store, &other, PatientCheck::default()));
        assert!(
            matches!(&questions[..], [Warning::NhsNumberHeldByOther { held, typed, .. }]
                if held == "JONES, Siân (03/04/1950)" && typed == "SMITH, Siân (03/04/1950)"),
            "{questions:?}"
        );
        let confirmed = resolve(&store, &other);
        assert_eq!(confirmed.id, held.id, "confirmed: the NHS number decides");
        let patient = store.patient(&held.id).unwrap().unwrap();
        assert_eq!(patient.family_name.as_deref(), Some("Jones"), "the record keeps its details");
        let audit = store.audit_of(&held.id).unwrap();
        let differed = audit.iter().find(|a| a.action == "patient_details_differed").expect("audited");
        assert_eq!(differed.detail["differs"], serde_json::json!(["family_name"]));
        assert!(!differed.detail.to_string().contains("Smith"), "no patient details in the audit trail");
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
        let ids = |q: &str| ids(&store, q);
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

    #[test]
    fn look_up_takes_dates_of_birth_however_the_command_line_takes_them() {
        let store = Store::open_in_memory().unwrap();
        let reid = resolve(&store, &person(Some("999 234 5675"), "Reid", "Morag", (1941, 1, 30))).id;
        resolve(&store, &person(None, "Reid", "Alan", (1950, 2, 2)));
        resolve(&store, &person(None, "Evans", "Rhys", (1941, 1, 30)));
        assert_eq!(ids(&store, "1941-01-30").len(), 2, "ISO date: a date, not the start of an NHS number");
        assert_eq!(ids(&store, "30/01/1941").len(), 2);
        for typed in ["30-01-1941", "30.01.1941", "30/01/41", "1941-01-30", "30/1/1941"] {
            if time::parse_date_of_birth(typed, chrono::Utc::now()).is_ok() {
                assert_eq!(ids(&store, typed).len(), 2, "{typed} is a date the command line accepts");
            }
        }
        assert_eq!(ids(&store, "reid 30/01/1941"), std::slice::from_ref(&reid), "name then date");
        assert_eq!(ids(&store, "30/01/1941 reid"), std::slice::from_ref(&reid), "date then name");
        assert_eq!(ids(&store, "mor 1941-01-30"), std::slice::from_ref(&reid), "part of the given name and date");
        assert!(ids(&store, "reid 31/01/1941").is_empty());
    }

    #[test]
    fn look_up_finds_nhs_numbers_with_or_without_spaces_and_by_their_start() {
        let store = Store::open_in_memory().unwrap();
        let reid = resolve(&store, &person(Some("999 234 5675"), "Reid", "Morag", (1941, 1, 30))).id;
        for typed in ["9992345675", "999 234 5675", "999-234-5675", "999 23", "9992"] {
            assert_eq!(ids(&store, typed), std::slice::from_ref(&reid), "{typed}");
        }
    }

    #[test]
    fn accents_fold_both_ways_in_look_up() {
        let store = Store::open_in_memory().unwrap();
        let lukasz = resolve(&store, &person(None, "Kowalski", "Łukasz", (1980, 5, 5))).id;
        let lukas = resolve(&store, &person(None, "Nowak", "Lukasz", (1981, 6, 6))).id;
        let sian = resolve(&store, &person(None, "Llŷr", "Siân", (1950, 4, 3))).id;
        let both = |q: &str| {
            let mut found = ids(&store, q);
            found.sort();
            found
        };
        let mut expected = vec![lukasz.clone(), lukas.clone()];
        expected.sort();
        assert_eq!(both("lukasz"), expected, "plain letters find Łukasz");
        assert_eq!(both("Łukasz"), expected, "Ł finds Lukasz");
        assert_eq!(both("łuk"), expected);
        assert_eq!(ids(&store, "sian llyr"), std::slice::from_ref(&sian));
        assert_eq!(ids(&store, "SIÂN"), [sian]);
    }

    #[test]
    fn look_up_says_how_many_more_there_are() {
        let store = Store::open_in_memory().unwrap();
        for i in 0..9 {
            resolve(&store, &person(None, "Reid", &format!("Child{}", "x".repeat(i + 1)), (1990, 1, 1 + i as u32)));
        }
        let found = store.find_patients("reid", 6, Utc::now()).unwrap();
        assert_eq!(found.patients.len(), 6);
        assert_eq!((found.more, found.more_at_least), (3, false));
        assert_eq!(found.more_words().as_deref(), Some("and 3 more: type more to narrow"));
        let all = store.find_patients("reid", 10, Utc::now()).unwrap();
        assert_eq!((all.patients.len(), all.more), (9, 0));
        assert_eq!(all.more_words(), None);

        let actor = store.setup_actor(None).unwrap();
        store
            .write(|tx| {
                for n in ["999 000 0018", "999 000 0026", "999 000 0034", "999 000 0042"] {
                    let input = PatientInput { nhs_number: NhsNumber::parse(n).ok(), ..Default::default() };
                    tx.resolve_patient(&actor, &input, PatientCheck::default())?;
                }
                Ok(())
            })
            .unwrap();
        let by_number = store.find_patients("999 000", 3, Utc::now()).unwrap();
        assert_eq!((by_number.patients.len(), by_number.more), (3, 1));
    }

    #[test]
    fn a_name_that_differs_only_in_accents_links_with_a_note() {
        let store = Store::open_in_memory().unwrap();
        let sian = resolve(&store, &jones(None));
        let plain = resolve(&store, &PatientInput { given_name: Some("Sian".into()), ..jones(None) });
        assert_eq!(plain.id, sian.id, "one person: accents are not what tells people apart");
        assert!(
            plain.warnings.iter().any(|w| matches!(w, Warning::NameDiffersOnlyByAccents { typed, held }
                if typed == "Sian Jones" && held == "Siân Jones")),
            "{:?}",
            plain.warnings
        );
        let same = resolve(&store, &jones(None));
        assert!(!same.warnings.iter().any(|w| matches!(w, Warning::NameDiffersOnlyByAccents { .. })));
        // The same with an NHS number.
        let traced = resolve(&store, &person(Some("999 234 5675"), "Wałęsa", "Łukasz", (1960, 1, 1)));
        let typed_plainly = resolve(&store, &person(Some("999 234 5675"), "Walesa", "Lukasz", (1960, 1, 1)));
        assert_eq!(traced.id, typed_plainly.id);
        assert!(typed_plainly.warnings.iter().any(|w| matches!(w, Warning::NameDiffersOnlyByAccents { .. })));
    }

    #[test]
    fn registering_someone_already_held_is_asked_about() {
        let store = Store::open_in_memory().unwrap();
        let local = resolve(&store, &jones(None));
        let registering = PatientCheck { registering: true, confirmed: false };
        let questions = asked(try_resolve(&store, &jones(None), registering));
        assert!(
            matches!(&questions[..], [Warning::AlreadyHeld { existing, kept_apart: false }] if existing.contains(&local.id))
        );
        let confirmed = try_resolve(&store, &jones(None), PatientCheck { registering: true, confirmed: true }).unwrap();
        assert_eq!(confirmed.id, local.id);
        // Someone new registers without a question.
        let new = try_resolve(&store, &person(None, "Reid", "Morag", (1941, 1, 30)), registering).unwrap();
        assert_ne!(new.id, local.id);
        // By NHS number: held, a question; new but with a local record's details, a question too.
        let traced = resolve(&store, &person(Some("999 234 5675"), "Evans", "Rhys", (1970, 6, 5)));
        let again =
            asked(try_resolve(&store, &person(Some("999 234 5675"), "Evans", "Rhys", (1970, 6, 5)), registering));
        assert!(matches!(&again[..], [Warning::AlreadyHeld { kept_apart: false, .. }]), "{again:?}");
        let number_for_local = asked(try_resolve(&store, &jones(Some("943 476 5919")), registering));
        // (the possible duplicate is a note, not a question, so it is not asked)
        assert!(
            matches!(&number_for_local[..], [Warning::AlreadyHeld { kept_apart: true, .. }]),
            "{number_for_local:?}"
        );
        let confirmed = PatientCheck { registering: true, confirmed: true };
        let made = try_resolve(&store, &jones(Some("943 476 5919")), confirmed).unwrap();
        assert!(made.id != local.id && made.id != traced.id, "a record for the new number");
        assert!(
            matches!(&made.warnings[..], [Warning::PossibleDuplicate { existing }] if existing.contains("JONES")),
            "answered: a note, not the question again: {:?}",
            made.warnings
        );
    }

    #[test]
    fn details_matching_two_records_are_refused_not_guessed() {
        let store = Store::open_in_memory().unwrap();
        let a = resolve(&store, &jones(None));
        let actor = store.setup_actor(None).unwrap();
        // A second local record with the same details, as a merge of two workstations can bring.
        let b = store.write(|tx| tx.insert_patient(&actor, &jones(None))).unwrap();
        match try_resolve(&store, &jones(None), PatientCheck { registering: false, confirmed: true }) {
            Err(Error::AmbiguousPatient { matches }) => {
                assert_eq!(matches.len(), 2);
                assert!(matches.iter().any(|m| m.contains(&a.id)) && matches.iter().any(|m| m.contains(&b)));
            }
            other => panic!("expected a refusal, got {other:?}"),
        }
    }

    #[test]
    fn a_traced_number_already_anothers_is_a_question() {
        let store = Store::open_in_memory().unwrap();
        let holder = resolve(&store, &jones(Some("943 476 5919"))).id;
        let local = resolve(&store, &person(None, "Reid", "Morag", (1941, 1, 30))).id;
        let nhs = NhsNumber::parse("943 476 5919").unwrap();
        let questions = store.write(|tx| tx.traced_number_questions(Some(&local), &nhs)).unwrap();
        assert!(
            matches!(&questions[..], [Warning::TracedNumberHeldByOther { holder, .. }] if holder.contains("JONES"))
        );
        let own = store.write(|tx| tx.traced_number_questions(Some(&holder), &nhs)).unwrap();
        assert!(own.is_empty(), "the patient's own number");
    }

    #[test]
    fn joining_moves_entries_by_new_revisions_and_is_refused_across_nhs_numbers() {
        use crate::error::JoinRefusal;
        let store = Store::open_in_memory().unwrap();
        let traced = resolve(&store, &jones(Some("943 476 5919"))).id;
        let local = resolve(&store, &jones(None)).id;
        let other = resolve(&store, &person(Some("999 234 5675"), "Jones", "Siân", (1950, 4, 3))).id;
        let pairs = store.duplicate_pairs().unwrap();
        assert_eq!(pairs.len(), 2, "each traced record with the local one; never the two traced: {pairs:?}");
        let actor = store.setup_actor(None).unwrap();
        let join = |keep: &str, other: &str| store.write(|tx| tx.join_patients(&actor, keep, other, "same person"));
        assert!(matches!(join(&traced, &other), Err(Error::CannotJoin(JoinRefusal::DifferentNhsNumbers { .. }))));
        assert!(matches!(join(&local, &traced), Err(Error::CannotJoin(JoinRefusal::NumberOnTheOther { .. }))));
        assert!(matches!(join(&traced, &traced), Err(Error::CannotJoin(JoinRefusal::SameRecord))));
        let done = join(&traced, &local).unwrap();
        assert_eq!(done.kept.id, traced);
        assert!(matches!(join(&other, &local), Err(Error::CannotJoin(JoinRefusal::AlreadyJoined { .. }))));
        assert!(store.duplicate_pairs().unwrap().iter().all(|p| p.first.id != local && p.second.id != local));
        assert!(!ids(&store, "jones").contains(&local), "a joined record is no longer offered");
        // Typed again without a number: the joined record is not among the matches.
        match try_resolve(&store, &jones(None), PatientCheck::default()) {
            Err(Error::AmbiguousPatient { matches }) => {
                assert_eq!(matches.len(), 2, "the two traced records");
                assert!(!matches.iter().any(|m| m.contains(&local)));
            }
            other => panic!("expected a refusal, got {other:?}"),
        }
        let chosen = store.write(|tx| tx.patient_record(&local)).unwrap();
        assert_eq!(chosen.id, traced, "a joined record's id leads to the kept one");
    }
}
