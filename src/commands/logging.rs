//! `log`, `amend` and `void`: the options mapped onto the entry service, which checks and saves.

use std::io::Write;
use std::process::ExitCode;

use super::Context;
use super::patient_args::{given, typed_patient};
use crate::cli::{AmendArgs, LogArgs, VoidArgs};
use crate::domain::Problem;
use crate::domain::fields::{FieldProblem, Kind};
use crate::domain::text::escape_inline;
use crate::domain::time;
use crate::entries::{self, Amendment, NewEntry, PatientGiven};
use crate::error::{Error, Result, Usage};
use crate::store::OpenMode;

/// `--set a=b` pairs, split at the first '='.
pub(super) fn split_sets(sets: &[String]) -> Result<Vec<(String, String)>> {
    sets.iter()
        .map(|s| match s.split_once('=') {
            Some((k, v)) => Ok((k.trim().to_string(), v.to_string())),
            None => Err(Error::Usage(Usage::SetNeedsEquals(s.clone()))),
        })
        .collect()
}

pub fn log(args: LogArgs, ctx: &mut Context) -> Result<ExitCode> {
    let store = ctx.open(OpenMode::Existing)?;
    let actor = store.actor(ctx.as_staff.as_deref())?;
    let kind = Kind::parse(&args.kind).map_err(|p| Error::Invalid(vec![FieldProblem::new("kind", p)]))?;

    let mut values = Vec::new();
    if let Some(summary) = &args.summary {
        values.push(("summary".to_string(), summary.clone()));
    }
    if let Some(at) = &args.at {
        values.push(("occurred_at".to_string(), at.clone()));
    }
    values.extend(split_sets(&args.sets)?);
    let patient = match &args.patient_id {
        Some(id) => PatientGiven::Existing(id.clone()),
        None => PatientGiven::Typed(typed_patient(&args.patient)),
    };
    let entry = NewEntry { kind, values, flags: args.flags.clone(), patient };
    let saved = store.write_at(ctx.now, |tx| entries::log(tx, &actor, &entry, args.confirm))?;
    writeln!(ctx.out, "{}", saved.id)?;
    ctx.out.flush()?;
    writeln!(
        ctx.err,
        "Saved {} ({}, {}).",
        escape_inline(&saved.reference),
        kind.label(),
        time::format_uk(saved.occurred_at)
    )?;
    ctx.warn(&saved.warnings)?;
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
    let amendment = Amendment {
        entry: args.id.clone(),
        values: split_sets(&args.sets)?,
        add_flags: args.flags.clone(),
        remove_flags: args.unflags.clone(),
        patient: match &args.patient_id {
            Some(id) => Some(PatientGiven::Existing(id.clone())),
            None => given(&args.patient).then(|| PatientGiven::Typed(typed_patient(&args.patient))),
        },
        reason: args.reason.clone(),
        // The command line shows nothing before the change: it changes what the entry holds now.
        seen: Vec::new(),
    };
    match store.write_at(ctx.now, |tx| entries::amend(tx, &actor, &amendment, args.confirm))? {
        Some(saved) => {
            writeln!(
                ctx.err,
                "Amended {}; the earlier version is kept in its history.",
                escape_inline(&saved.reference)
            )?;
            ctx.warn(&saved.warnings)?;
        }
        None => writeln!(ctx.err, "Nothing changed: the entry already says that.")?,
    }
    Ok(ExitCode::SUCCESS)
}

pub fn void(args: VoidArgs, ctx: &mut Context) -> Result<ExitCode> {
    if args.reason.trim().is_empty() {
        return Err(Error::Invalid(vec![FieldProblem::new("reason", Problem::Required)]));
    }
    let store = ctx.open(OpenMode::Existing)?;
    let actor = store.actor(ctx.as_staff.as_deref())?;
    let reference = store.write_at(ctx.now, |tx| entries::void(tx, &actor, &args.id, &args.reason))?;
    writeln!(ctx.err, "Voided {}. It leaves the re-entry queue but stays in the history.", escape_inline(&reference))?;
    Ok(ExitCode::SUCCESS)
}
