//! `log`, `amend` and `void`: every change is a new revision, saved in one transaction.

use std::process::ExitCode;

use chrono::{DateTime, Utc};

use super::Context;
use super::patient_args::{given, patient_input};
use crate::cli::{AmendArgs, LogArgs, PatientArgs, VoidArgs};
use crate::domain::Problem;
use crate::domain::fields::{
    EntryContent, FieldProblem, Flag, Kind, PatientInput, add_patient_problems, build_content,
};
use crate::domain::time;
use crate::error::{Error, Result, Usage, Warning};
use crate::store::{OpenMode, PatientCheck, Settings, Store, Tx};

/// `--set a=b` pairs, split at the first '='.
fn split_sets(sets: &[String]) -> Result<Vec<(String, String)>> {
    sets.iter()
        .map(|s| match s.split_once('=') {
            Some((k, v)) => Ok((k.trim().to_string(), v.to_string())),
            None => Err(Error::Usage(Usage::SetNeedsEquals(s.clone()))),
        })
        .collect()
}

fn parse_flags(names: &[String], problems: &mut Vec<FieldProblem>) -> Vec<Flag> {
    names.iter().filter_map(|n| Flag::parse(n).map_err(|p| problems.push(FieldProblem::new("flag", p))).ok()).collect()
}

/// Warnings about when it happened: a time in the future or before FDP needs `--confirm`.
pub(super) fn time_warnings(occurred_at: DateTime<Utc>, settings: &Settings, now: DateTime<Utc>) -> Vec<Warning> {
    crate::domain::fields::time_warnings(occurred_at, settings.fdp(), now)
}

/// A registration's details are checked as fields and as patient: say each problem once.
fn without_repeats(problems: Vec<FieldProblem>) -> Vec<FieldProblem> {
    let mut seen = Vec::new();
    for p in problems {
        if !seen.contains(&p) {
            seen.push(p);
        }
    }
    seen
}

fn refuse_unconfirmed(warnings: Vec<Warning>, confirmed: bool) -> Result<()> {
    if confirmed || warnings.is_empty() { Ok(()) } else { Err(Error::NeedsConfirmation(warnings)) }
}

/// A registration is about the person it registers: their details are both fields and patient.
fn registration_sets(args: &PatientArgs, sets: &mut Vec<(String, String)>) {
    let pairs = [("family_name", &args.family), ("given_name", &args.given), ("date_of_birth", &args.dob)];
    for (field, value) in pairs {
        if let Some(v) = value
            && !sets.iter().any(|(k, _)| k == field)
        {
            sets.push((field.to_string(), v.clone()));
        }
    }
}

fn registration_patient(args: &PatientArgs, sets: &[(String, String)]) -> PatientArgs {
    let from_sets = |name: &str| sets.iter().find(|(k, _)| k == name).map(|(_, v)| v.clone());
    PatientArgs {
        patient: args.patient.clone(),
        family: from_sets("family_name").or_else(|| args.family.clone()),
        given: from_sets("given_name").or_else(|| args.given.clone()),
        dob: from_sets("date_of_birth").or_else(|| args.dob.clone()),
        sex: from_sets("sex").or_else(|| args.sex.clone()),
        postcode: from_sets("postcode").or_else(|| args.postcode.clone()),
    }
}

/// The patient rule, reported with the entry's other problems. A patient-field problem already
/// reported (a mistyped NHS number) is not reported again as a missing patient.
fn check_patient(
    kind: Kind,
    movement: Option<&str>,
    patient: &PatientInput,
    problems: &mut Vec<FieldProblem>,
) -> Result<()> {
    let stock_not_dispensed = kind == Kind::DispensaryStock && movement != Some("dispensed");
    if stock_not_dispensed && !patient.is_empty() {
        return Err(Error::PatientNotWanted { kind: kind.label() });
    }
    add_patient_problems(kind, movement, patient, problems);
    Ok(())
}

/// A record chosen by id is a patient given: refused where an entry is about nobody.
fn check_record_wanted(kind: Kind, movement: Option<&str>) -> Result<()> {
    if kind == Kind::DispensaryStock && movement != Some("dispensed") {
        return Err(Error::PatientNotWanted { kind: kind.label() });
    }
    Ok(())
}

/// `author` names a member of staff: they must be on the list.
fn check_author(store: &Store, content: &EntryContent, problems: &mut Vec<FieldProblem>) -> Result<()> {
    if let Some(author) = &content.author
        && store.staff_member(author)?.is_none()
    {
        problems.push(FieldProblem::new("author", Problem::NotOnStaffList { id: author.clone() }));
    }
    Ok(())
}

/// The patient record an entry goes with: chosen by id, or found from what was typed. Questions
/// about the patient come back as `NeedsConfirmation` with any about the time (`time_questions`)
/// in front, so that one refusal asks everything at once.
fn resolve(
    tx: &Tx,
    actor: &crate::store::Actor,
    record: Option<&str>,
    patient: &PatientInput,
    check: PatientCheck,
    time_questions: &[Warning],
) -> Result<(Option<String>, Vec<Warning>)> {
    let resolved = match record {
        Some(id) => Ok(Some((tx.patient_record(id)?.id, Vec::new()))),
        None if patient.is_empty() => Ok(None),
        None => tx.resolve_patient(actor, patient, check).map(|r| Some((r.id, r.warnings))),
    };
    match resolved {
        Err(Error::NeedsConfirmation(mut asked)) => {
            asked.splice(0..0, time_questions.iter().cloned());
            Err(Error::NeedsConfirmation(asked))
        }
        Err(e) => Err(e),
        Ok(_) if !time_questions.is_empty() => Err(Error::NeedsConfirmation(time_questions.to_vec())),
        Ok(Some((id, warnings))) => Ok((Some(id), warnings)),
        Ok(None) => Ok((None, Vec::new())),
    }
}

/// Checks a new entry as `log` does: its fields (`sets`, summary and time included), flags, patient
/// and author, every problem reported at once. `import entries` checks each row through here too.
pub(super) fn check_new_entry(
    store: &Store,
    kind: Kind,
    sets: Vec<(String, String)>,
    patient: PatientArgs,
    flag_names: &[String],
    now: DateTime<Utc>,
) -> Result<(EntryContent, PatientInput)> {
    check_entry_for(store, kind, sets, patient, false, flag_names, now)
}

/// As `check_new_entry`; `record_chosen` says the patient was given as a record id, so the
/// patient rule is met without typed details.
fn check_entry_for(
    store: &Store,
    kind: Kind,
    mut sets: Vec<(String, String)>,
    patient: PatientArgs,
    record_chosen: bool,
    flag_names: &[String],
    now: DateTime<Utc>,
) -> Result<(EntryContent, PatientInput)> {
    let patient_args = if kind == Kind::Registration {
        registration_sets(&patient, &mut sets);
        registration_patient(&patient, &sets)
    } else {
        patient
    };

    let mut problems = Vec::new();
    let patient = patient_input(&patient_args, now, &mut problems);
    let flags = parse_flags(flag_names, &mut problems);
    let content = match build_content(kind, None, &sets, now) {
        Ok(mut content) => {
            flags.into_iter().for_each(|f| content.add_flag(f));
            if record_chosen {
                check_record_wanted(kind, content.field_str("movement"))?;
            } else {
                check_patient(kind, content.field_str("movement"), &patient, &mut problems)?;
            }
            check_author(store, &content, &mut problems)?;
            Some(content)
        }
        Err(mut field_problems) => {
            problems.append(&mut field_problems);
            // Stock's patient rule depends on its movement, which must be right first.
            if kind != Kind::DispensaryStock && !record_chosen {
                check_patient(kind, None, &patient, &mut problems)?;
            }
            None
        }
    };
    match content {
        Some(content) if problems.is_empty() => Ok((content, patient)),
        _ => Err(Error::Invalid(without_repeats(problems))),
    }
}

pub fn log(args: LogArgs, ctx: &mut Context) -> Result<ExitCode> {
    let store = ctx.open(OpenMode::Existing)?;
    let actor = store.actor(ctx.as_staff.as_deref())?;
    let settings = store.settings()?;
    let kind = Kind::parse(&args.kind).map_err(|p| Error::Invalid(vec![FieldProblem::new("kind", p)]))?;

    let mut sets = Vec::new();
    if let Some(summary) = &args.summary {
        sets.push(("summary".to_string(), summary.clone()));
    }
    if let Some(at) = &args.at {
        sets.push(("occurred_at".to_string(), at.clone()));
    }
    sets.extend(split_sets(&args.sets)?);
    let record = args.patient_id.as_deref();
    let (content, patient) = check_entry_for(&store, kind, sets, args.patient, record.is_some(), &args.flags, ctx.now)?;

    let time_questions = if args.confirm { Vec::new() } else { time_warnings(content.occurred_at, &settings, ctx.now) };
    let check = PatientCheck { registering: kind == Kind::Registration, confirmed: args.confirm };
    let (saved, mut warnings) = store.write_at(ctx.now, |tx| {
        let (patient_id, warnings) = resolve(tx, &actor, record, &patient, check, &time_questions)?;
        Ok((tx.log_entry(&actor, &content, patient_id.as_deref())?, warnings))
    })?;
    if kind == Kind::Summarisation {
        warnings.push(Warning::SummarisationDuringCutover);
    }
    writeln!(ctx.out, "{}", saved.id)?;
    ctx.out.flush()?;
    writeln!(ctx.err, "Saved {} ({}, {}).", saved.reference, kind.label(), time::format_uk(content.occurred_at))?;
    ctx.warn(&warnings)?;
    Ok(ExitCode::SUCCESS)
}

pub fn amend(args: AmendArgs, ctx: &mut Context) -> Result<ExitCode> {
    let nothing_given = args.sets.is_empty()
        && args.flags.is_empty()
        && args.unflags.is_empty()
        && !given(&args.patient)
        && args.patient_id.is_none();
    if nothing_given {
        return Err(Error::Usage(Usage::NothingToAmend));
    }
    let store = ctx.open(OpenMode::Existing)?;
    let actor = store.actor(ctx.as_staff.as_deref())?;
    let settings = store.settings()?;
    let sets = split_sets(&args.sets)?;
    let now = ctx.now;
    let reason = args.reason.as_deref().map(str::trim).filter(|r| !r.is_empty());

    let outcome = store.write_at(now, |tx| {
        let entry = tx.find_entry(&args.id)?;
        if entry.voided {
            return Err(Error::EntryVoided { reference: entry.reference.clone() });
        }
        let current = tx.current_revision(&entry)?;
        let mut problems = Vec::new();
        let record = args.patient_id.as_deref();
        let patient = given(&args.patient).then(|| patient_input(&args.patient, now, &mut problems));
        let add = parse_flags(&args.flags, &mut problems);
        let remove = parse_flags(&args.unflags, &mut problems);
        let mut content = match build_content(entry.kind, Some(&current.content), &sets, now) {
            Ok(content) => content,
            Err(mut more) => {
                problems.append(&mut more);
                return Err(Error::Invalid(problems));
            }
        };
        add.into_iter().for_each(|f| content.add_flag(f));
        remove.into_iter().for_each(|f| content.remove_flag(f));
        let movement = content.field_str("movement");
        match &patient {
            _ if record.is_some() => check_record_wanted(entry.kind, movement)?,
            Some(patient) => check_patient(entry.kind, movement, patient, &mut problems)?,
            None if current.patient_id.is_none() => {
                check_patient(entry.kind, movement, &PatientInput::default(), &mut problems)?
            }
            None => {}
        }
        check_author(&store, &content, &mut problems)?;
        if !problems.is_empty() {
            return Err(Error::Invalid(problems));
        }
        let time_questions = if content.occurred_at != current.content.occurred_at && !args.confirm {
            time_warnings(content.occurred_at, &settings, now)
        } else {
            Vec::new()
        };
        let check = PatientCheck { registering: false, confirmed: args.confirm };
        let (patient_id, warnings) = match &patient {
            _ if record.is_some() || patient.is_some() => resolve(
                tx,
                &actor,
                record,
                patient.as_ref().unwrap_or(&PatientInput::default()),
                check,
                &time_questions,
            )?,
            _ => {
                refuse_unconfirmed(time_questions, false)?;
                (current.patient_id.clone(), Vec::new())
            }
        };
        if content == current.content && patient_id == current.patient_id {
            return Ok(None);
        }
        tx.revise_entry(&actor, &entry, &content, patient_id.as_deref(), reason, false)?;
        Ok(Some((entry.reference, warnings)))
    })?;
    match outcome {
        Some((reference, warnings)) => {
            writeln!(ctx.err, "Amended {reference}; the earlier version is kept in its history.")?;
            ctx.warn(&warnings)?;
        }
        None => writeln!(ctx.err, "Nothing changed: the entry already says that.")?,
    }
    Ok(ExitCode::SUCCESS)
}

pub fn void(args: VoidArgs, ctx: &mut Context) -> Result<ExitCode> {
    let reason = args.reason.trim();
    if reason.is_empty() {
        return Err(Error::Invalid(vec![FieldProblem::new("reason", Problem::Required)]));
    }
    let store = ctx.open(OpenMode::Existing)?;
    let actor = store.actor(ctx.as_staff.as_deref())?;
    let reference = store.write_at(ctx.now, |tx| {
        let entry = tx.find_entry(&args.id)?;
        if entry.voided {
            return Err(Error::EntryVoided { reference: entry.reference.clone() });
        }
        let current = tx.current_revision(&entry)?;
        tx.revise_entry(&actor, &entry, &current.content, current.patient_id.as_deref(), Some(reason), true)?;
        Ok(entry.reference)
    })?;
    writeln!(ctx.err, "Voided {reference}. It leaves the re-entry queue but stays in the history.")?;
    Ok(ExitCode::SUCCESS)
}
