//! `plan`, `checklist`, `services`, `recheck` and `callbacks`: the practice manager's runbook on the
//! command line. Each maps its arguments onto one store operation and says what happened; the rules
//! are in `crate::runbook` and the store.

use std::collections::HashMap;
use std::io::Write;
use std::process::ExitCode;

use super::{Context, write_table_row};
use crate::cli::{
    CallbackFormat, ChecklistAction, ChecklistArgs, PlanAction, PlanArgs, RecheckAction, RecheckArgs, ServicesAction,
    ServicesArgs,
};
use crate::domain::nhs::NhsNumber;
use crate::domain::text::{escape_inline, spreadsheet_safe};
use crate::domain::time;
use crate::error::{Error, Result, Usage};
use crate::runbook::recheck::RecheckState;
use crate::runbook::services::ServiceState;
use crate::runbook::view::{ItemLine, Overview, by_on, plural, set_apart_words};
use crate::runbook::{Refusal, guide};
use crate::store::{OpenMode, Store, Ticked};

fn refused(r: Refusal) -> Error {
    Error::Runbook(r)
}

/// Staff ids with their names, for "lead: Jo Smith (JS)".
fn names(store: &Store) -> Result<HashMap<String, String>> {
    Ok(store.staff()?.into_iter().map(|s| (s.id, s.name)).collect())
}

fn who(names: &HashMap<String, String>, id: &str) -> String {
    match names.get(id) {
        Some(name) => format!("{} ({})", escape_inline(name), escape_inline(id)),
        None => escape_inline(id).into_owned(),
    }
}

pub fn plan(args: PlanArgs, ctx: &mut Context) -> Result<ExitCode> {
    let store = ctx.open(OpenMode::Existing)?;
    match args.action {
        None => show_plan(&store, ctx),
        Some(PlanAction::Set { category, how, lead }) => {
            let actor = store.actor(ctx.as_staff.as_deref())?;
            let g = guide();
            let category = g.category(&category).ok_or_else(|| {
                refused(Refusal::UnknownCategory {
                    given: category.trim().to_string(),
                    known: g.categories.iter().map(|c| c.id.clone()).collect(),
                })
            })?;
            let saved = store.write_at(ctx.now, |tx| tx.set_plan(&actor, category, &how, &lead))?;
            let names = names(&store)?;
            match saved {
                Some(v) => writeln!(ctx.err, "Plan for {} saved; lead {}.", category.name, who(&names, &v.lead))?,
                None => writeln!(ctx.err, "Nothing changed: the plan for {} already says that.", category.name)?,
            }
            Ok(ExitCode::SUCCESS)
        }
    }
}

fn show_plan(store: &Store, ctx: &mut Context) -> Result<ExitCode> {
    let overview = crate::runbook::load(store)?;
    let names = names(store)?;
    let out = &mut ctx.out;
    let unplanned = overview.unplanned().count();
    writeln!(
        out,
        "Cutover plan: {} of {} kinds of work have a plan; {} {} none yet.\n",
        overview.plan.len() - unplanned,
        overview.plan.len(),
        unplanned,
        if unplanned == 1 { "has" } else { "have" }
    )?;
    for line in &overview.plan {
        match &line.current {
            Some(v) => {
                writeln!(out, "{}: lead {}", line.category.name, who(&names, &v.lead))?;
                writeln!(out, "  {}", escape_inline(&v.how))?;
                let earlier = if line.versions > 1 {
                    format!("; {} earlier versions kept", line.versions - 1)
                } else {
                    String::new()
                };
                writeln!(
                    out,
                    "  Set by {} on {}{earlier}.",
                    escape_inline(&v.recorded_by),
                    time::format_uk(v.recorded_at)
                )?;
                for other in &line.made_apart {
                    writeln!(out, "  {}", set_apart_words(other))?;
                }
            }
            None => {
                writeln!(out, "{}", line.category.name)?;
                writeln!(out, "  NO PLAN YET: cutover plan set {} --how TEXT --lead STAFF", line.category.id)?;
            }
        }
    }
    Ok(ExitCode::SUCCESS)
}

pub fn checklist(args: ChecklistArgs, ctx: &mut Context) -> Result<ExitCode> {
    let store = ctx.open(OpenMode::Existing)?;
    let g = guide();
    match args.action {
        None => {
            let role = match &args.role {
                Some(r) => Some(g.role(r).ok_or_else(|| {
                    refused(Refusal::UnknownRole {
                        given: r.trim().to_string(),
                        known: g.roles.iter().map(|r| r.id.clone()).collect(),
                    })
                })?),
                None => None,
            };
            let phase = match &args.phase {
                Some(p) => Some(g.phase(p).ok_or_else(|| {
                    refused(Refusal::UnknownPhase {
                        given: p.trim().to_string(),
                        known: g.phases.iter().map(|p| p.id.clone()).collect(),
                    })
                })?),
                None => None,
            };
            let overview = crate::runbook::load(&store)?;
            show_checklist(&overview, role.map(|r| r.id.as_str()), phase.map(|p| p.id.as_str()), &mut ctx.out)?;
            Ok(ExitCode::SUCCESS)
        }
        Some(ChecklistAction::Tick { item, note }) => {
            let actor = store.actor(ctx.as_staff.as_deref())?;
            let found = g.item(&item).ok_or_else(|| refused(Refusal::UnknownItem(item.trim().to_string())))?;
            let outcome = store.write_at(ctx.now, |tx| tx.tick(&actor, found, note.as_deref()))?;
            match outcome {
                Ticked::AlreadyTicked { by, at } => writeln!(
                    ctx.err,
                    "{} was already ticked by {} on {}; nothing was changed. Add a note with --note.",
                    found.id,
                    escape_inline(&by),
                    time::format_uk(at)
                )?,
                Ticked::Noted => writeln!(ctx.err, "Added the note to {}.", found.id)?,
                _ => writeln!(ctx.err, "Ticked {}: {}", found.id, found.question)?,
            }
            phase_progress(&store, found, ctx)?;
            Ok(ExitCode::SUCCESS)
        }
        Some(ChecklistAction::Untick { item, reason }) => {
            let actor = store.actor(ctx.as_staff.as_deref())?;
            let found = g.item(&item).ok_or_else(|| refused(Refusal::UnknownItem(item.trim().to_string())))?;
            store.write_at(ctx.now, |tx| tx.untick(&actor, found, &reason))?;
            writeln!(ctx.err, "Unticked {}; its tick and your reason stay in its history.", found.id)?;
            phase_progress(&store, found, ctx)?;
            Ok(ExitCode::SUCCESS)
        }
    }
}

/// "Planning for the cutover (Practice manager and staff): 3 of 16 ticked."
fn phase_progress(store: &Store, item: &crate::runbook::guide::Item, ctx: &mut Context) -> Result<()> {
    let Some((role, phase)) = guide().placed(item) else { return Ok(()) };
    let overview = crate::runbook::load(store)?;
    if let Some(p) = overview.progress().into_iter().find(|p| p.role == role && p.phase == phase) {
        writeln!(ctx.err, "{} ({}): {} of {} ticked.", p.phase.name, p.role.name, p.ticked, p.items)?;
    }
    Ok(())
}

fn show_checklist(overview: &Overview, role: Option<&str>, phase: Option<&str>, out: &mut dyn Write) -> Result<()> {
    let shown: Vec<&ItemLine> = overview
        .checklist
        .iter()
        .filter(|l| role.is_none_or(|r| l.role.id == r) && phase.is_none_or(|p| l.phase.id == p))
        .collect();
    let ticked = shown.iter().filter(|l| l.ticked.is_some()).count();
    writeln!(
        out,
        "Checklists: {ticked} of {} ticked. Tick one with: cutover checklist tick ID [--note TEXT]",
        shown.len()
    )?;
    for progress in overview.progress() {
        let lines: Vec<&&ItemLine> =
            shown.iter().filter(|l| l.role == progress.role && l.phase == progress.phase).collect();
        if lines.is_empty() {
            continue;
        }
        writeln!(
            out,
            "\n{}: {} ({} of {} ticked)",
            progress.role.name, progress.phase.name, progress.ticked, progress.items
        )?;
        for line in lines {
            let mark = if line.ticked.is_some() { "[x]" } else { "[ ]" };
            writeln!(out, "  {mark} {:<7} {}", line.item.id, line.item.question)?;
            if let (None, Some(hint)) = (&line.ticked, &line.item.hint) {
                writeln!(out, "{:14}{hint}", "")?;
            }
            for said in line.history() {
                writeln!(out, "{:14}{}", "", escape_inline(&said))?;
            }
        }
    }
    Ok(())
}

pub fn services(args: ServicesArgs, ctx: &mut Context) -> Result<ExitCode> {
    let store = ctx.open(OpenMode::Existing)?;
    match args.action {
        None => show_services(&store, ctx),
        Some(ServicesAction::Add { name }) => {
            let actor = store.actor(ctx.as_staff.as_deref())?;
            store.write_at(ctx.now, |tx| tx.add_service(&actor, &name))?;
            writeln!(
                ctx.err,
                "Added {} to the services list ({}).",
                escape_inline(name.trim()),
                ServiceState::ToSwitchOff.words()
            )?;
            Ok(ExitCode::SUCCESS)
        }
        Some(ServicesAction::Set { name, state, note }) => {
            let actor = store.actor(ctx.as_staff.as_deref())?;
            let state = match state {
                Some(s) => Some(
                    ServiceState::parse(&s)
                        .ok_or_else(|| refused(Refusal::UnknownServiceState(s.trim().to_string())))?,
                ),
                None => None,
            };
            let (service, now_in) = store.write_at(ctx.now, |tx| {
                let (_, service) = tx.find_service(&name)?;
                Ok((service, tx.service_update(&actor, &name, state, note.as_deref())?))
            })?;
            let service = escape_inline(&service);
            match state {
                Some(_) => writeln!(ctx.err, "{service}: {}.", now_in.words())?,
                None => writeln!(ctx.err, "Note added to {service}; it is still {}.", now_in.words())?,
            }
            Ok(ExitCode::SUCCESS)
        }
    }
}

const SERVICE_COLUMNS: [(&str, usize); 4] = [("SERVICE", 44), ("STATE", 17), ("BY", 5), ("WHEN", 16)];

fn show_services(store: &Store, ctx: &mut Context) -> Result<ExitCode> {
    let settings = store.settings()?;
    let overview = crate::runbook::load(store)?;
    let out = &mut ctx.out;
    let on = overview.services.iter().filter(|s| s.state == ServiceState::ConfirmedOn).count();
    let off = overview.services.iter().filter(|s| s.state == ServiceState::ConfirmedOff).count();
    let unused = overview.services.iter().filter(|s| s.state == ServiceState::NotUsed).count();
    writeln!(
        out,
        "Third-party services: {} confirmed off, {} confirmed back on, {} not used here, of {}.",
        off,
        on,
        unused,
        overview.services.len()
    )?;
    let awaiting = overview.awaiting_back_on(settings.go_live(), ctx.now);
    if !awaiting.is_empty() {
        writeln!(
            out,
            "After go-live, {} not confirmed back on yet: notify and chase them.",
            plural(awaiting.len(), "service is", "services are")
        )?;
    }
    writeln!(out)?;
    let widths = SERVICE_COLUMNS.map(|(_, w)| w);
    write_table_row(out, &widths, &SERVICE_COLUMNS.map(|(n, _)| n.to_string()))?;
    for s in &overview.services {
        let (by, when) = match &s.changed {
            Some(e) => (e.staff_id.clone(), time::format_uk(e.at)),
            None => (String::new(), String::new()),
        };
        write_table_row(out, &widths, &[s.name.clone(), s.state.words().to_string(), by, when])?;
        for note in &s.notes {
            writeln!(out, "    {}: {}", by_on(note), escape_inline(note.note.as_deref().unwrap_or_default()))?;
        }
    }
    Ok(ExitCode::SUCCESS)
}

/// An NHS number as typed, or a report check's id: the re-check's subject as stored.
fn subject(given: &str) -> Result<(String, String)> {
    if let Some(report) = guide().report_check(given) {
        return Ok((format!("report:{}", report.id), report.name.clone()));
    }
    if given.chars().any(|c| c.is_ascii_digit()) {
        let nhs = NhsNumber::parse(given).map_err(|p| Error::Usage(Usage::BadNhsNumber(p)))?;
        return Ok((nhs.digits().to_string(), nhs.to_string()));
    }
    Err(refused(Refusal::UnknownSubject(given.trim().to_string())))
}

pub fn recheck(args: RecheckArgs, ctx: &mut Context) -> Result<ExitCode> {
    let store = ctx.open(OpenMode::Existing)?;
    let Some(action) = args.action else {
        return show_recheck(&store, ctx);
    };
    let actor = store.actor(ctx.as_staff.as_deref())?;
    match action {
        RecheckAction::Sample { size, seed } => {
            let seed = seed.unwrap_or_else(crate::runbook::recheck::new_seed);
            let drawn = store.write_at(ctx.now, |tx| tx.recheck_sample(&actor, size as usize, seed))?;
            for nhs in &drawn.drawn {
                let shown =
                    NhsNumber::parse_held(nhs).map_or_else(|_| escape_inline(nhs).into_owned(), |n| n.to_string());
                writeln!(ctx.out, "{shown}")?;
            }
            ctx.out.flush()?;
            writeln!(
                ctx.err,
                "Drew {} of the {} on the patient list with seed {seed}: `cutover recheck sample --size {size} --seed {seed}` draws the same sample from the same list.",
                plural(drawn.drawn.len(), "patient", "patients"),
                plural(drawn.sample.population, "patient", "patients"),
            )?;
            if !drawn.already.is_empty() {
                writeln!(ctx.err, "{} already in the re-check.", plural(drawn.already.len(), "was", "were"))?;
            }
        }
        RecheckAction::Add { nhs_number } => {
            let nhs = NhsNumber::parse(&nhs_number).map_err(|p| Error::Usage(Usage::BadNhsNumber(p)))?;
            if store.write_at(ctx.now, |tx| tx.recheck_add(&actor, nhs.digits()))? {
                writeln!(ctx.err, "Added {nhs} to the go-live re-check (tested at the initial data production).")?;
            } else {
                writeln!(ctx.err, "{nhs} is already in the go-live re-check; nothing was changed.")?;
            }
        }
        RecheckAction::Mark { subject: given, matches: _, issue } => {
            let (subject, shown) = subject(&given)?;
            let state = if issue.is_some() { RecheckState::Issue } else { RecheckState::Matches };
            store.write_at(ctx.now, |tx| tx.recheck_mark(&actor, &subject, state, issue.as_deref()))?;
            match state {
                RecheckState::Issue => writeln!(
                    ctx.err,
                    "Recorded an issue for {shown}. It holds up the sign-off until it is fixed or accepted: cutover recheck issue {} --state reported|fixed|accepted",
                    escape_inline(given.trim())
                )?,
                _ => writeln!(ctx.err, "Marked {shown}: matches.")?,
            }
        }
        RecheckAction::Issue { subject: given, state, note } => {
            let (subject, shown) = subject(&given)?;
            let state = RecheckState::parse_progress(&state)
                .ok_or_else(|| refused(Refusal::UnknownIssueState(state.trim().to_string())))?;
            store.write_at(ctx.now, |tx| tx.recheck_mark(&actor, &subject, state, note.as_deref()))?;
            writeln!(ctx.err, "{shown}: {}.", state.words())?;
        }
        RecheckAction::Signoff { reason } => {
            let signed = store.write_at(ctx.now, |tx| tx.signoff(&actor, reason.as_deref()))?;
            write!(
                ctx.err,
                "Go Live Data signed off by {} on {}",
                escape_inline(&signed.staff_id),
                time::format_uk(signed.at)
            )?;
            if signed.open_issues + signed.unchecked > 0 {
                write!(
                    ctx.err,
                    ", with {} open and {} not checked; the reason is recorded",
                    plural(signed.open_issues, "issue", "issues"),
                    plural(signed.unchecked, "item", "items")
                )?;
            }
            writeln!(ctx.err, ". Confirm it to the new supplier.")?;
        }
    }
    Ok(ExitCode::SUCCESS)
}

const RECHECK_COLUMNS: [(&str, usize); 5] =
    [("PATIENT OR REPORT", 28), ("WHY", 13), ("STATE", 31), ("BY", 5), ("WHEN", 16)];

fn show_recheck(store: &Store, ctx: &mut Context) -> Result<ExitCode> {
    let overview = crate::runbook::load(store)?;
    let r = &overview.recheck;
    let out = &mut ctx.out;
    writeln!(out, "Go-live re-check: {}.", r.summary())?;
    for s in &r.samples {
        writeln!(
            out,
            "Sample: {} of {} on the patient list, seed {}, drawn by {} on {}.",
            s.size,
            s.population,
            s.seed,
            escape_inline(&s.staff_id),
            time::format_uk(s.drawn_at)
        )?;
    }
    writeln!(out)?;
    let widths = RECHECK_COLUMNS.map(|(_, w)| w);
    write_table_row(out, &widths, &RECHECK_COLUMNS.map(|(n, _)| n.to_string()))?;
    for line in &r.lines {
        let (by, when) =
            line.last().map_or((String::new(), String::new()), |e| (e.staff_id.clone(), time::format_uk(e.at)));
        write_table_row(
            out,
            &widths,
            &[line.label.clone(), line.why.to_string(), line.state.words().to_string(), by, when],
        )?;
    }
    let issues: Vec<_> = r.lines.iter().filter(|l| l.had_issue()).collect();
    if !issues.is_empty() {
        writeln!(out, "\nIssue log")?;
        for line in issues {
            writeln!(out, "  {}: {}", escape_inline(&line.label), line.state.words())?;
            for e in &line.history {
                let what = e.what.as_deref().and_then(RecheckState::from_name).map_or("", |s| s.words());
                let note = e.note.as_deref().map(|n| format!(": {}", escape_inline(n))).unwrap_or_default();
                writeln!(out, "    {} {what}{note}", by_on(e))?;
            }
        }
    }
    writeln!(out)?;
    match r.signed_off() {
        Some(s) => {
            write!(out, "Go Live Data signed off by {} on {}", escape_inline(&s.staff_id), time::format_uk(s.at))?;
            match &s.reason {
                Some(reason) => writeln!(
                    out,
                    ", with {} open and {} not checked: {}",
                    plural(s.open_issues, "issue", "issues"),
                    plural(s.unchecked, "item", "items"),
                    escape_inline(reason)
                )?,
                None => writeln!(out, ".")?,
            }
        }
        None => writeln!(out, "Go Live Data is not signed off yet: cutover recheck signoff")?,
    }
    Ok(ExitCode::SUCCESS)
}

const CALLBACK_COLUMNS: [(&str, usize); 6] =
    [("REF", 8), ("SEEN", 16), ("NAME", 24), ("BORN", 10), ("PHONE", 14), ("REGISTERED IN THE NEW SYSTEM", 30)];

const CALLBACK_CSV: [&str; 11] = [
    "ref",
    "seen_at",
    "family_name",
    "given_name",
    "date_of_birth",
    "phone",
    "address",
    "postcode",
    "registered",
    "registered_at",
    "registered_by",
];

fn born(dob: Option<&str>) -> String {
    dob.and_then(|d| chrono::NaiveDate::parse_from_str(d, "%Y-%m-%d").ok())
        .map_or_else(String::new, time::format_uk_date)
}

/// Registrations that do not say whether the patient was asked to come back are not on the list:
/// said, so that someone finds out.
fn unsaid(n: usize) -> String {
    format!(
        "{} not say whether the patient was asked to come back after go-live: see them with `cutover list --kind registration`, and amend them with --set asked_to_come_back=yes or no.",
        plural(n, "other new registration does", "other new registrations do")
    )
}

pub fn callbacks(format: CallbackFormat, ctx: &mut Context) -> Result<ExitCode> {
    let store = ctx.open(OpenMode::Existing)?;
    let list = store.callbacks()?;
    let callbacks = &list.asked;
    let registered = |c: &crate::store::Callback| match c.status.as_str() {
        "done" => "yes",
        "not_required" => "not required",
        _ => "no",
    };
    match format {
        CallbackFormat::Table => {
            let widths = CALLBACK_COLUMNS.map(|(_, w)| w);
            write_table_row(&mut ctx.out, &widths, &CALLBACK_COLUMNS.map(|(n, _)| n.to_string()))?;
            for c in callbacks {
                let status = match (registered(c), c.status_changed_at) {
                    ("no", _) => format!("no: cutover done {}", c.reference),
                    (said, Some(at)) => {
                        format!("{said}, {}", time::format_uk_date(at.with_timezone(&time::UK).date_naive()))
                    }
                    (said, None) => said.to_string(),
                };
                let cells = [
                    c.reference.clone(),
                    time::format_uk(c.occurred_at),
                    format!("{}, {}", c.family_name.to_uppercase(), c.given_name),
                    born(c.date_of_birth.as_deref()),
                    c.phone.clone().unwrap_or_default(),
                    status,
                ];
                write_table_row(&mut ctx.out, &widths, &cells)?;
            }
            ctx.out.flush()?;
            let waiting = list.waiting();
            writeln!(
                ctx.err,
                "{} to call back; {} registered in the new system or not required. Mark one registered with `cutover done REF`.",
                waiting,
                callbacks.len() - waiting
            )?;
            if list.unsaid > 0 {
                writeln!(ctx.err, "{}", unsaid(list.unsaid))?;
            }
        }
        CallbackFormat::Csv => {
            let mut csv = csv::Writer::from_writer(ctx.out.csv()?);
            let io = |e: csv::Error| match e.into_kind() {
                csv::ErrorKind::Io(io) => Error::Output(io),
                other => Error::Csv(format!("{other:?}")),
            };
            csv.write_record(CALLBACK_CSV).map_err(io)?;
            for c in callbacks {
                let cells = [
                    c.reference.clone(),
                    time::format_iso_local(c.occurred_at),
                    c.family_name.clone(),
                    c.given_name.clone(),
                    c.date_of_birth.clone().unwrap_or_default(),
                    c.phone.clone().unwrap_or_default(),
                    c.address.clone().unwrap_or_default(),
                    c.postcode.clone().unwrap_or_default(),
                    registered(c).to_string(),
                    c.status_changed_at
                        .filter(|_| registered(c) != "no")
                        .map(time::format_iso_local)
                        .unwrap_or_default(),
                    c.status_by.clone().filter(|_| registered(c) != "no").unwrap_or_default(),
                ];
                csv.write_record(cells.iter().map(|v| spreadsheet_safe(v).into_owned())).map_err(io)?;
            }
            csv.flush()?;
            if list.unsaid > 0 {
                writeln!(ctx.err, "{}", unsaid(list.unsaid))?;
            }
        }
    }
    Ok(ExitCode::SUCCESS)
}
