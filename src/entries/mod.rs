//! The one way in for entries: logging, amending and voiding, with the rules every face shares.
//! The terminal UI, the command line and paper-form import build a `NewEntry` or an `Amendment`
//! and hand it here; it is checked by one set of rules, inside the write transaction that saves it.
//! A rule changed here changes for every face at once, because no face has a copy of it.

mod patient;

use chrono::{DateTime, NaiveDate, Utc};

pub use patient::{TypedPatient, check_date_of_birth};

use crate::domain::fields::{
    EntryContent, FieldProblem, Flag, Kind, PatientInput, add_patient_problems, build_content, content_values,
    input_form, time_warnings,
};
use crate::domain::{Problem, Warning};
use crate::error::{Error, Result};
use crate::store::{Actor, EntryHeader, PATIENT_DETAILS, PatientCheck, Revision, Tx};

/// Who an entry is about, as the person gave it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum PatientGiven {
    /// A record chosen from the look-up, by its id.
    Existing(String),
    /// Details typed: an NHS number, or a name and date of birth. Nothing typed means nobody.
    Typed(TypedPatient),
}

impl Default for PatientGiven {
    fn default() -> Self {
        PatientGiven::Typed(TypedPatient::default())
    }
}

/// A new entry as typed: values by field name in the form `--set` takes (`summary` and
/// `occurred_at` among them; a missing `occurred_at` means now), flag names, and the patient.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct NewEntry {
    pub kind: Kind,
    pub values: Vec<(String, String)>,
    pub flags: Vec<String>,
    pub patient: PatientGiven,
}

/// A change to an entry: only what the person changed. A value given as empty clears that field;
/// a field not named keeps what the entry holds when the change is saved.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Amendment {
    /// The entry's id or reference.
    pub entry: String,
    pub values: Vec<(String, String)>,
    pub add_flags: Vec<String>,
    pub remove_flags: Vec<String>,
    /// `None` keeps the entry's patient.
    pub patient: Option<PatientGiven>,
    /// Why it is being changed, in the person's words.
    pub reason: Option<String>,
    /// For a change typed over what a screen showed: each changed field's value as it was shown
    /// (in the form `values` takes). If the entry says something else by the time it is saved,
    /// someone changed that field meanwhile, and the amendment is refused rather than written over
    /// their change.
    pub seen: Vec<(String, String)>,
}

/// Who a checked entry is about.
#[derive(Debug, Clone, PartialEq)]
pub enum CheckedPatient {
    Existing(String),
    New(PatientInput),
    Nobody,
}

/// An entry that passed every rule, ready for the store.
#[derive(Debug, Clone, PartialEq)]
pub struct Checked {
    pub content: EntryContent,
    pub patient: CheckedPatient,
}

/// What a save did: the entry, its reference (to write on paper), and notes worth saying.
#[derive(Debug, Clone, PartialEq)]
pub struct Saved {
    pub id: String,
    pub reference: String,
    pub kind: Kind,
    pub occurred_at: DateTime<Utc>,
    pub warnings: Vec<Warning>,
}

fn parse_flags(names: &[String], problems: &mut Vec<FieldProblem>) -> Vec<Flag> {
    names.iter().filter_map(|n| Flag::parse(n).map_err(|p| problems.push(FieldProblem::new("flag", p))).ok()).collect()
}

/// A registration is about the person it registers: their details are both its fields and its
/// patient. Details typed as the patient fill the fields not given, and the fields win.
fn registration_values(entry: &NewEntry) -> (Vec<(String, String)>, TypedPatient) {
    let mut values = entry.values.clone();
    let typed = match &entry.patient {
        PatientGiven::Typed(t) => t.clone(),
        PatientGiven::Existing(_) => TypedPatient::default(),
    };
    let pairs = [
        ("family_name", &typed.family_name),
        ("given_name", &typed.given_name),
        ("date_of_birth", &typed.date_of_birth),
        ("sex", &typed.sex),
        ("postcode", &typed.postcode),
    ];
    for (field, value) in pairs {
        if let Some(v) = value
            && !values.iter().any(|(k, _)| k == field)
        {
            values.push((field.to_string(), v.clone()));
        }
    }
    let value = |name: &str| values.iter().rev().find(|(k, _)| k == name).map(|(_, v)| v.clone());
    let patient = TypedPatient {
        nhs_number: typed.nhs_number.clone(),
        family_name: value("family_name"),
        given_name: value("given_name"),
        date_of_birth: value("date_of_birth"),
        sex: value("sex"),
        postcode: value("postcode"),
    };
    (values, patient)
}

/// Who the entry must be about, given its kind and movement: the patient rule of the data
/// dictionary, plus "stock not dispensed is about nobody".
fn check_patient(kind: Kind, movement: Option<&str>, patient: &PatientInput, problems: &mut Vec<FieldProblem>) {
    let stock_not_dispensed = kind == Kind::DispensaryStock && movement != Some("dispensed");
    if stock_not_dispensed && !patient.is_empty() {
        problems.push(FieldProblem::new("patient", Problem::PatientNotWanted));
        return;
    }
    add_patient_problems(kind, movement, patient, problems);
}

/// A patient chosen from the list is a whole record: only stock not dispensed refuses one.
fn check_chosen_patient(kind: Kind, movement: Option<&str>, problems: &mut Vec<FieldProblem>) {
    if kind == Kind::DispensaryStock && movement != Some("dispensed") {
        problems.push(FieldProblem::new("patient", Problem::PatientNotWanted));
    }
}

fn check_author(content: &EntryContent, is_staff: &dyn Fn(&str) -> bool, problems: &mut Vec<FieldProblem>) {
    if let Some(author) = &content.author
        && !is_staff(author)
    {
        problems.push(FieldProblem::new("author", Problem::NotOnStaffList { id: author.clone() }));
    }
}

/// Each problem once, in the order found.
fn without_repeats(problems: Vec<FieldProblem>) -> Vec<FieldProblem> {
    let mut seen = Vec::new();
    for p in problems {
        if !seen.contains(&p) {
            seen.push(p);
        }
    }
    seen
}

/// Checks a new entry by every rule: its fields, flags, patient and author. Every problem is
/// reported at once, each under its field's name (`patient` for who it is about).
pub fn check_new(
    entry: &NewEntry,
    is_staff: &dyn Fn(&str) -> bool,
    now: DateTime<Utc>,
) -> std::result::Result<Checked, Vec<FieldProblem>> {
    let kind = entry.kind;
    let (values, typed) = match (&entry.patient, kind) {
        (_, Kind::Registration) => {
            let (values, typed) = registration_values(entry);
            (values, Some(typed))
        }
        (PatientGiven::Typed(t), _) => (entry.values.clone(), Some(t.clone())),
        (PatientGiven::Existing(_), _) => (entry.values.clone(), None),
    };
    let mut problems = Vec::new();
    let patient_input = typed.as_ref().map(|t| t.check(now, &mut problems)).unwrap_or_default();
    let flags = parse_flags(&entry.flags, &mut problems);
    let content = match build_content(kind, None, &values, now) {
        Ok(mut content) => {
            flags.into_iter().for_each(|f| content.add_flag(f));
            check_author(&content, is_staff, &mut problems);
            Some(content)
        }
        Err(mut field_problems) => {
            problems.append(&mut field_problems);
            None
        }
    };
    let movement = content.as_ref().and_then(|c| c.field_str("movement"));
    let stock_unknown = kind == Kind::DispensaryStock && content.is_none();
    let patient = match &entry.patient {
        PatientGiven::Existing(id) if kind != Kind::Registration => {
            // Stock's patient rule depends on its movement, which must be right first.
            if !stock_unknown {
                check_chosen_patient(kind, movement, &mut problems);
            }
            CheckedPatient::Existing(id.clone())
        }
        _ => {
            if !stock_unknown {
                check_patient(kind, movement, &patient_input, &mut problems);
            }
            if patient_input.is_empty() { CheckedPatient::Nobody } else { CheckedPatient::New(patient_input) }
        }
    };
    match content {
        Some(content) if problems.is_empty() => Ok(Checked { content, patient }),
        _ => Err(without_repeats(problems)),
    }
}

/// Refuses with the questions, unless the person has already said yes to them.
fn ask(questions: Vec<Warning>, confirmed: bool) -> Result<()> {
    if confirmed || questions.is_empty() { Ok(()) } else { Err(Error::NeedsConfirmation(questions)) }
}

/// Finds or records the patient, asking the patient questions (an NHS number that is someone
/// else's, someone already held) together with `time_questions`, so that one "yes" answers all.
fn resolve(
    tx: &Tx,
    actor: &Actor,
    patient: &CheckedPatient,
    check: PatientCheck,
    time_questions: Vec<Warning>,
) -> Result<(Option<String>, Vec<Warning>)> {
    let resolved = match patient {
        CheckedPatient::Existing(id) => Ok((Some(tx.patient_record(id)?.id), Vec::new())),
        CheckedPatient::New(input) => tx.resolve_patient(actor, input, check).map(|r| (Some(r.id), r.warnings)),
        CheckedPatient::Nobody => Ok((None, Vec::new())),
    };
    match resolved {
        Err(Error::NeedsConfirmation(mut asked)) => {
            asked.splice(0..0, time_questions);
            Err(Error::NeedsConfirmation(asked))
        }
        Err(e) => Err(e),
        Ok(found) => ask(time_questions, check.confirmed).map(|_| found),
    }
}

/// Logs a new entry in `tx`: checked by `check_new`, its times questioned (`Error::NeedsConfirmation`
/// until `confirmed`), its patient found or recorded, then saved with its first revision.
/// Errors: `Error::Invalid` with every problem; `NeedsConfirmation`; the store's own.
pub fn log(tx: &Tx, actor: &Actor, entry: &NewEntry, confirmed: bool) -> Result<Saved> {
    let now = tx.now();
    let is_staff = |id: &str| tx.staff_exists(id).unwrap_or(false);
    let checked = check_new(entry, &is_staff, now).map_err(Error::Invalid)?;
    let time_questions = time_warnings(&checked.content, None, tx.fdp()?, now);
    let check = PatientCheck { registering: checked.content.kind == Kind::Registration, confirmed };
    let (patient_id, mut warnings) = resolve(tx, actor, &checked.patient, check, time_questions)?;
    let saved = tx.log_entry(actor, &checked.content, patient_id.as_deref())?;
    if checked.content.kind == Kind::Summarisation {
        warnings.push(Warning::SummarisationDuringCutover);
    }
    Ok(Saved {
        id: saved.id,
        reference: saved.reference,
        kind: checked.content.kind,
        occurred_at: checked.content.occurred_at,
        warnings,
    })
}

/// Amends an entry in `tx`: the named fields, flags and patient change; everything else stays as
/// the entry holds it at this moment (so two people amending different fields both keep theirs).
/// A time newly set is questioned as in `log`. `Ok(None)` when the entry already says that.
/// Errors: `Error::EntryVoided` for a voided entry; `Invalid`; `NeedsConfirmation`; the store's own.
pub fn amend(tx: &Tx, actor: &Actor, amendment: &Amendment, confirmed: bool) -> Result<Option<Saved>> {
    let now = tx.now();
    let entry = tx.find_entry(&amendment.entry)?;
    let current: Revision = tx.current_revision(&entry)?;
    if entry.voided || current.voided {
        return Err(Error::EntryVoided { reference: entry.reference });
    }
    let mut problems = Vec::new();
    let patient = match &amendment.patient {
        None => None,
        Some(PatientGiven::Existing(id)) => Some(CheckedPatient::Existing(id.clone())),
        Some(PatientGiven::Typed(t)) => {
            let input = t.check(now, &mut problems);
            Some(if input.is_empty() { CheckedPatient::Nobody } else { CheckedPatient::New(input) })
        }
    };
    let changed_meanwhile = changed_since_seen(&current.content, &amendment.seen);
    if !changed_meanwhile.is_empty() {
        return Err(Error::ChangedMeanwhile { reference: entry.reference, fields: changed_meanwhile });
    }
    let add = parse_flags(&amendment.add_flags, &mut problems);
    let remove = parse_flags(&amendment.remove_flags, &mut problems);
    let mut content = match build_content(entry.kind, Some(&current.content), &amendment.values, now) {
        Ok(content) => content,
        Err(mut more) => {
            problems.append(&mut more);
            return Err(Error::Invalid(without_repeats(problems)));
        }
    };
    add.into_iter().for_each(|f| content.add_flag(f));
    remove.into_iter().for_each(|f| content.remove_flag(f));
    let movement = content.field_str("movement");
    if entry.kind != Kind::Registration {
        match &patient {
            Some(CheckedPatient::New(input)) => check_patient(entry.kind, movement, input, &mut problems),
            Some(CheckedPatient::Nobody) => {
                check_patient(entry.kind, movement, &PatientInput::default(), &mut problems)
            }
            Some(CheckedPatient::Existing(_)) => check_chosen_patient(entry.kind, movement, &mut problems),
            None if current.patient_id.is_some() => check_chosen_patient(entry.kind, movement, &mut problems),
            None => check_patient(entry.kind, movement, &PatientInput::default(), &mut problems),
        }
    }
    let is_staff = |id: &str| tx.staff_exists(id).unwrap_or(false);
    check_author(&content, &is_staff, &mut problems);
    if !problems.is_empty() {
        return Err(Error::Invalid(without_repeats(problems)));
    }
    let time_questions = time_warnings(&content, Some(&current.content), tx.fdp()?, now);
    let (patient_id, mut warnings) = match &patient {
        Some(p) => resolve(tx, actor, p, PatientCheck { registering: false, confirmed }, time_questions)?,
        None => {
            ask(time_questions, confirmed)?;
            (current.patient_id.clone(), Vec::new())
        }
    };
    if content == current.content && patient_id == current.patient_id {
        return Ok(None);
    }
    let reason = amendment.reason.as_deref().map(str::trim).filter(|r| !r.is_empty());
    tx.revise_entry(actor, &entry, &content, patient_id.as_deref(), reason, false)?;
    if entry.kind == Kind::Registration
        && patient_id == current.patient_id
        && let Some(record) = patient_id.as_deref()
    {
        warnings.extend(correct_registered_person(tx, actor, &entry, record, &current.content, &content)?);
    }
    Ok(Some(Saved {
        id: entry.id,
        reference: entry.reference,
        kind: entry.kind,
        occurred_at: content.occurred_at,
        warnings,
    }))
}

/// The labels of the fields whose value now differs from what the person saw.
fn changed_since_seen(current: &EntryContent, seen: &[(String, String)]) -> Vec<&'static str> {
    let values = content_values(current);
    seen.iter()
        .filter_map(|(name, shown)| {
            let spec = current.kind.field(name)?;
            let now_holds = values.get(spec.name).map(|v| input_form(spec, v)).unwrap_or_default();
            // Line by line, as a screen shows text: "\r\n" and a last line end are not a change.
            (!now_holds.lines().eq(shown.lines())).then_some(spec.label)
        })
        .collect()
}

/// A registration's details are its person's (see `registration_values`): when an amendment
/// corrects them, the person's record is corrected with them, so that the record, every entry
/// linked to it, and the look-up all say what the registration now says. Left alone, the record
/// would keep the old details and the corrected ones would make a second record.
fn correct_registered_person(
    tx: &Tx,
    actor: &Actor,
    entry: &EntryHeader,
    record: &str,
    before: &EntryContent,
    after: &EntryContent,
) -> Result<Vec<Warning>> {
    let changed: Vec<&str> =
        PATIENT_DETAILS.into_iter().filter(|name| before.field_str(name) != after.field_str(name)).collect();
    if changed.is_empty() {
        return Ok(Vec::new());
    }
    let text = |name: &str| after.field_str(name).map(str::to_string);
    let details = PatientInput {
        nhs_number: None,
        family_name: text("family_name"),
        given_name: text("given_name"),
        date_of_birth: after.field_str("date_of_birth").and_then(|d| NaiveDate::parse_from_str(d, "%Y-%m-%d").ok()),
        sex: text("sex"),
        postcode: text("postcode"),
    };
    tx.correct_patient_details(actor, record, &details, &changed, entry)
}

/// Voids an entry logged in error: it leaves the re-entry queue and stays in the history.
/// Returns its reference. Errors: `Invalid` without a reason; `EntryVoided` if it already is.
pub fn void(tx: &Tx, actor: &Actor, entry: &str, reason: &str) -> Result<String> {
    let reason = reason.trim();
    if reason.is_empty() {
        return Err(Error::Invalid(vec![FieldProblem::new("reason", Problem::Required)]));
    }
    let entry = tx.find_entry(entry)?;
    let current = tx.current_revision(&entry)?;
    tx.revise_entry(actor, &entry, &current.content, current.patient_id.as_deref(), Some(reason), true)?;
    Ok(entry.reference)
}

#[cfg(test)]
mod tests;
