//! `list` and `show`: entries as a table for people, CSV for spreadsheets, JSON for scripts.
//! Table output escapes control characters so stored text can never drive the terminal.

use std::io::Write;
use std::process::ExitCode;

use serde_json::{Map, Value, json};

use super::Context;
use crate::cli::{Format, ListArgs, ShowArgs};
use crate::domain::fields::{EntryContent, FieldProblem, FieldType, Kind, changed_fields, display_value};
use crate::domain::nhs::NhsNumber;
use crate::domain::text::{escape_inline, escape_multiline, pad, spreadsheet_safe};
use crate::domain::time;
use crate::error::{Error, Result};
use crate::queue::workflow::{action_words, status_words};
use crate::store::{
    EntryHeader, EntryRow, ListFilter, OpenMode, Patient, QueryThread, ReentryEvent, ReentryStatus, Revision, Store,
    replay,
};

const TABLE_COLUMNS: [(&str, usize); 8] = [
    ("REF", 9),
    ("WHEN", 20),
    ("KIND", 16),
    ("NHS NUMBER", 12),
    ("PATIENT", 32),
    ("SUMMARY", 50),
    ("BY", 6),
    ("STATUS", 6),
];

const CSV_HEADER: [&str; 16] = [
    "id",
    "ref",
    "kind",
    "occurred_at",
    "recorded_at",
    "recorded_by",
    "workstation",
    "nhs_number",
    "family_name",
    "given_name",
    "date_of_birth",
    "summary",
    "flags",
    "status",
    "revisions",
    "author",
];

fn invalid(field: &str, problem: crate::domain::Problem) -> Error {
    Error::InvalidOption(FieldProblem::new(field, problem))
}

pub fn list(args: ListArgs, ctx: &mut Context) -> Result<ExitCode> {
    let store = ctx.open(OpenMode::Existing)?;
    let mut filter = ListFilter { limit: args.limit, ..Default::default() };
    if let Some(kind) = &args.kind {
        filter.kind = Some(Kind::parse(kind).map_err(|p| invalid("kind", p))?);
    }
    if let Some(nhs) = &args.patient {
        // A placeholder saved before they were refused can still be looked up, to find its entries.
        let nhs = NhsNumber::parse_held(nhs).map_err(|p| invalid("patient", p))?;
        let patient = store.patient_by_nhs(&nhs)?.ok_or_else(|| Error::PatientNotFound(nhs.to_string()))?;
        filter.patient_id = Some(patient.id);
    }
    if let Some(since) = &args.since {
        filter.since = Some(time::parse_uk_datetime(since, ctx.now).map_err(|p| invalid("since", p))?);
    }
    match args.format {
        Format::Table => {
            let out = &mut ctx.out;
            write_table_row(out, TABLE_COLUMNS.map(|(name, _)| name.to_string()))?;
            let mut count = 0u64;
            store.each_entry(&filter, |row| {
                count += 1;
                write_table_row(out, table_cells(&row))
            })?;
            // The table first, then the count, in that order on screen and in a file of both.
            out.flush()?;
            writeln!(ctx.err, "{count} {}.", if count == 1 { "entry" } else { "entries" })?;
        }
        Format::Csv => {
            let mut csv = csv::Writer::from_writer(ctx.out.csv()?);
            csv.write_record(CSV_HEADER).map_err(csv_error)?;
            store.each_entry(&filter, |row| {
                csv.write_record(csv_cells(&row).iter().map(|c| spreadsheet_safe(c).into_owned())).map_err(csv_error)
            })?;
            csv.flush()?;
        }
        Format::Json => {
            let out = &mut ctx.out;
            out.json("[")?;
            let mut first = true;
            store.each_entry(&filter, |row| {
                out.json(if first { "\n" } else { ",\n" })?;
                first = false;
                let value =
                    entry_json(&row.header, &row.workstation_prefix, &row.content, row.patient.as_ref(), row.revisions);
                out.json(&value.to_string())?;
                Ok(())
            })?;
            out.json("\n]\n")?;
        }
    }
    Ok(ExitCode::SUCCESS)
}

fn csv_error(e: csv::Error) -> Error {
    match e.into_kind() {
        csv::ErrorKind::Io(io) => Error::Output(io),
        other => Error::Csv(format!("{other:?}")),
    }
}

fn write_table_row(out: &mut dyn Write, cells: [String; 8]) -> Result<()> {
    super::write_table_row(out, &TABLE_COLUMNS.map(|(_, width)| width), &cells)
}

fn status(voided: bool) -> &'static str {
    if voided { "voided" } else { "" }
}

fn table_cells(row: &EntryRow) -> [String; 8] {
    [
        row.header.reference.clone(),
        time::format_uk(row.content.occurred_at),
        row.header.kind.label().to_string(),
        row.patient.as_ref().and_then(Patient::nhs_display).unwrap_or_default(),
        row.patient.as_ref().map(Patient::name_and_birth).unwrap_or_default(),
        row.content.summary.clone(),
        row.header.recorded_by.clone(),
        status(row.header.voided).to_string(),
    ]
}

fn csv_cells(row: &EntryRow) -> Vec<String> {
    let p = row.patient.as_ref();
    let flags: Vec<&str> = row.content.flags.iter().map(|f| f.name()).collect();
    vec![
        row.header.id.clone(),
        row.header.reference.clone(),
        row.header.kind.name().to_string(),
        time::format_iso_local(row.content.occurred_at),
        time::format_iso_local(row.header.recorded_at),
        row.header.recorded_by.clone(),
        row.workstation_prefix.clone(),
        p.and_then(|p| p.nhs_number.clone()).unwrap_or_default(),
        p.and_then(|p| p.family_name.clone()).unwrap_or_default(),
        p.and_then(|p| p.given_name.clone()).unwrap_or_default(),
        p.and_then(|p| p.date_of_birth.clone()).unwrap_or_default(),
        row.content.summary.clone(),
        flags.join(";"),
        if row.header.voided { "voided" } else { "current" }.to_string(),
        row.revisions.to_string(),
        row.content.author.clone().unwrap_or_default(),
    ]
}

/// The kind's own fields, machine-readable: times as ISO 8601 local, everything else as stored.
fn fields_json(content: &EntryContent) -> Value {
    let mut map = Map::new();
    for spec in content.kind.fields() {
        if let Some(value) = content.fields.get(spec.name) {
            let value = match (spec.ty, value) {
                (FieldType::DateTime, Value::String(s)) => {
                    time::from_storage(s).map(|t| Value::from(time::format_iso_local(t))).unwrap_or(value.clone())
                }
                _ => value.clone(),
            };
            map.insert(spec.name.to_string(), value);
        }
    }
    Value::Object(map)
}

fn patient_json(patient: Option<&Patient>) -> Value {
    match patient {
        Some(p) => json!({
            "nhs_number": p.nhs_number,
            "family_name": p.family_name,
            "given_name": p.given_name,
            "date_of_birth": p.date_of_birth,
            "sex": p.sex,
            "postcode": p.postcode,
        }),
        None => Value::Null,
    }
}

fn content_json(content: &EntryContent) -> Map<String, Value> {
    let mut map = Map::new();
    map.insert("occurred_at".into(), time::format_iso_local(content.occurred_at).into());
    map.insert("summary".into(), content.summary.clone().into());
    map.insert("author".into(), content.author.clone().into());
    map.insert("notes".into(), content.notes.clone().into());
    map.insert("codes".into(), serde_json::to_value(&content.codes).unwrap_or(Value::Null));
    map.insert("flags".into(), content.flags.iter().map(|f| f.name()).collect::<Vec<_>>().into());
    map.insert("also_in_old_system".into(), content.also_in_old_system.into());
    map.insert("fields".into(), fields_json(content));
    map
}

fn entry_json(
    header: &EntryHeader,
    prefix: &str,
    content: &EntryContent,
    patient: Option<&Patient>,
    revisions: i64,
) -> Value {
    let mut map = Map::new();
    map.insert("id".into(), header.id.clone().into());
    map.insert("ref".into(), header.reference.clone().into());
    map.insert("kind".into(), header.kind.name().into());
    map.insert("recorded_at".into(), time::format_iso_local(header.recorded_at).into());
    map.insert("recorded_by".into(), header.recorded_by.clone().into());
    map.insert("workstation".into(), prefix.into());
    map.insert("patient".into(), patient_json(patient));
    map.extend(content_json(content));
    map.insert("voided".into(), header.voided.into());
    map.insert("revisions".into(), revisions.into());
    Value::Object(map)
}

pub fn show(args: ShowArgs, ctx: &mut Context) -> Result<ExitCode> {
    let store = ctx.open(OpenMode::Existing)?;
    let entry = store.find_entry(&args.id)?;
    let revisions = store.revisions(&entry)?;
    let Some(current) = revisions.iter().find(|r| r.id == entry.current_revision_id) else {
        return Err(Error::EntryNotFound(args.id));
    };
    let patient = store.patient_of(current)?;
    let prefix = revisions.first().map(|r| r.workstation_prefix.clone()).unwrap_or_default();
    let reentry = store.reentry_history(&entry.id)?;
    let clashes = crate::clashes::of_entry(&store, &entry, &revisions)?;
    let renumbered = store.renumbered(&entry.id)?;
    match args.format {
        Format::Table => {
            show_text(&mut ctx.out, &store, &entry, current, patient.as_ref(), &revisions, &renumbered)?;
            if !clashes.is_empty() {
                writeln!(ctx.out, "\nBetween PCs")?;
                for told in &clashes {
                    writeln!(ctx.out, "  {}", escape_inline(&told.text))?;
                }
            }
            show_reentry(&mut ctx.out, &store, &reentry)?;
        }
        Format::Json => {
            let mut value = entry_json(&entry, &prefix, &current.content, patient.as_ref(), revisions.len() as i64);
            value["history"] = history(&revisions).into_iter().map(|h| h.json).collect::<Vec<_>>().into();
            value["reentry"] = reentry_json(&store, &reentry)?;
            value["renumbered_from"] = renumbered.iter().map(|r| r.old_ref.clone()).collect::<Vec<_>>().into();
            value["clashes"] =
                clashes.iter().map(|t| json!({ "clash": t.clash.name(), "told": t.text })).collect::<Vec<_>>().into();
            let pretty = serde_json::to_string_pretty(&value).map_err(|e| Error::Output(e.into()))?;
            ctx.out.json(&format!("{pretty}\n"))?;
        }
        Format::Csv => {
            let mut csv = csv::Writer::from_writer(ctx.out.csv()?);
            csv.write_record([
                "revision",
                "recorded_at",
                "recorded_by",
                "workstation",
                "action",
                "reason",
                "changed",
                "summary",
            ])
            .map_err(csv_error)?;
            for (revision, step) in revisions.iter().zip(history(&revisions)) {
                csv.write_record(
                    [
                        revision.id.as_str(),
                        &time::format_iso_local(revision.recorded_at),
                        &revision.recorded_by,
                        &revision.workstation_prefix,
                        step.action,
                        revision.reason.as_deref().unwrap_or(""),
                        &step.changed.join(";"),
                        &revision.content.summary,
                    ]
                    .map(|c| spreadsheet_safe(c).into_owned()),
                )
                .map_err(csv_error)?;
            }
            csv.flush()?;
        }
    }
    Ok(ExitCode::SUCCESS)
}

struct Step {
    action: &'static str,
    changed: Vec<String>,
    json: Value,
}

/// Each revision with what it changed from the one it amends.
fn history(revisions: &[Revision]) -> Vec<Step> {
    revisions
        .iter()
        .map(|r| {
            let parent = r.parent_id.as_ref().and_then(|p| revisions.iter().find(|x| &x.id == p));
            let (action, changed) = match parent {
                None => ("logged", Vec::new()),
                Some(_) if r.voided => ("voided", Vec::new()),
                Some(before) => {
                    ("amended", changed_fields(&before.content, &r.content, before.patient_id != r.patient_id))
                }
            };
            let mut json = Map::new();
            json.insert("revision".into(), r.id.clone().into());
            json.insert("parent".into(), r.parent_id.clone().into());
            json.insert("action".into(), action.into());
            json.insert("recorded_at".into(), time::format_iso_local(r.recorded_at).into());
            json.insert("recorded_by".into(), r.recorded_by.clone().into());
            json.insert("workstation".into(), r.workstation_prefix.clone().into());
            json.insert("reason".into(), r.reason.clone().into());
            json.insert("changed".into(), changed.clone().into());
            json.extend(content_json(&r.content));
            Step { action, changed, json: Value::Object(json) }
        })
        .collect()
}

fn show_text(
    out: &mut dyn Write,
    store: &Store,
    entry: &EntryHeader,
    current: &Revision,
    patient: Option<&Patient>,
    revisions: &[Revision],
    renumbered: &[crate::store::Renumbered],
) -> Result<()> {
    let line = |out: &mut dyn Write, label: &str, value: &str| -> Result<()> {
        if value.contains('\n') {
            writeln!(out, "{label}:")?;
            for l in escape_multiline(value).lines() {
                writeln!(out, "    {l}")?;
            }
        } else {
            writeln!(out, "{} {}", pad(&format!("{label}:"), 21), escape_inline(value))?;
        }
        Ok(())
    };
    let content = &current.content;
    writeln!(out, "{} {}  ({})", entry.kind.label(), escape_inline(&entry.reference), entry.id)?;
    if entry.voided {
        let reason = current.reason.as_deref().unwrap_or("");
        writeln!(out, "VOIDED (logged in error): {}", escape_inline(reason))?;
    }
    for r in renumbered {
        writeln!(out, "{}", escape_inline(&crate::notices::renumbered_words(r)))?;
    }
    line(out, "Patient", &patient.map(Patient::describe).unwrap_or_else(|| "(none)".into()))?;
    line(out, "When it happened", &time::format_uk(content.occurred_at))?;
    line(out, "Summary", &content.summary)?;
    for (spec, value) in content.filled_fields() {
        if matches!(spec.name, "summary" | "occurred_at") {
            continue;
        }
        line(out, spec.label, &display_value(spec, &value))?;
    }
    if !content.flags.is_empty() {
        let flags: Vec<&str> = content.flags.iter().map(|f| f.label()).collect();
        line(out, "Flags", &flags.join(", "))?;
    }
    writeln!(out, "\nHistory")?;
    for (i, (revision, step)) in revisions.iter().zip(history(revisions)).enumerate() {
        let who = store
            .staff_member(&revision.recorded_by)?
            .map(|s| format!("{} ({})", s.id, s.name))
            .unwrap_or_else(|| revision.recorded_by.clone());
        let mut text = format!(
            "  {}. {}  {}  by {} on {}",
            i + 1,
            time::format_uk(revision.recorded_at),
            step.action,
            who,
            revision.workstation_prefix
        );
        if !step.changed.is_empty() {
            text.push_str(&format!(": {}", step.changed.join(", ")));
        }
        if let Some(reason) = &revision.reason {
            text.push_str(&format!(" (reason: {reason})"));
        }
        writeln!(out, "{}", escape_inline(&text))?;
    }
    Ok(())
}

/// "KL (Kim Lee)", or the id alone for someone this database does not know.
fn who(store: &Store, staff_id: &str) -> Result<String> {
    Ok(store.staff_member(staff_id)?.map(|s| format!("{} ({})", s.id, s.name)).unwrap_or_else(|| staff_id.to_string()))
}

/// Where the item stands in re-entry, in a sentence's words: "Done by KL (new system: S1-778)".
fn reentry_words(events: &[ReentryEvent]) -> String {
    let state = replay(events).state;
    let mut words = status_words(state.status).to_string();
    if let Some(first) = words.get(..1) {
        words = format!("{}{}", first.to_uppercase(), &words[1..]);
    }
    match (state.status, &state.assignee) {
        (ReentryStatus::Claimed, Some(by)) => {
            words.push_str(&format!(" by {by}"));
            if let Some(until) = state.claimed_until {
                words.push_str(&format!(" until {}", time::format_uk(until)));
            }
        }
        (ReentryStatus::Done | ReentryStatus::NotRequired, Some(by)) => words.push_str(&format!(" by {by}")),
        _ => {}
    }
    if let Some(reference) = &state.new_system_ref {
        words.push_str(&format!(" (new system: {reference})"));
    }
    words
}

/// After go-live: where the item stands in the re-entry queue, its query and answer, and every
/// change made to it there. Nothing for an item never worked.
fn show_reentry(out: &mut dyn Write, store: &Store, events: &[ReentryEvent]) -> Result<()> {
    if events.is_empty() {
        return Ok(());
    }
    let line = |out: &mut dyn Write, label: &str, value: &str| -> Result<()> {
        writeln!(out, "{} {}", pad(&format!("{label}:"), 21), escape_inline(value))?;
        Ok(())
    };
    writeln!(out)?;
    line(out, "Re-entry", &reentry_words(events))?;
    if let Some(thread) = QueryThread::from_events(events) {
        let q = &thread.question;
        let whom = thread.asked_for.as_deref().unwrap_or("any clinician");
        line(out, "Question", &format!("{} ({}, {}, for {whom})", q.text, q.by, time::format_uk(q.at)))?;
        match &thread.answer {
            Some(a) => line(out, "Answer", &format!("{} ({}, {})", a.text, a.by, time::format_uk(a.at)))?,
            None => line(out, "Answer", "(not answered yet)")?,
        }
    }
    writeln!(out, "\nRe-entry history")?;
    for (i, e) in events.iter().enumerate() {
        let what = e.action.map(action_words).unwrap_or("changed by a newer version of cutover");
        let prefix = store.workstation_prefix(&e.workstation_id)?.unwrap_or_default();
        let mut text =
            format!("  {}. {}  {} by {} on {prefix}", i + 1, time::format_uk(e.at), what, who(store, &e.staff_id)?);
        if let Some(reference) = &e.new_system_ref {
            text.push_str(&format!(" (new system: {reference})"));
        }
        if let Some(nhs) = &e.nhs_number {
            text.push_str(&format!(" (traced NHS number: {nhs})"));
        }
        if let Some(from) = &e.taken_from {
            text.push_str(&format!(" (taken over from {from})"));
        }
        if let Some(to) = &e.for_staff {
            text.push_str(&format!(" (for {to})"));
        }
        if let Some(note) = e.note.as_deref().filter(|n| !n.is_empty()) {
            text.push_str(&format!(": {note}"));
        }
        writeln!(out, "{}", escape_inline(&text))?;
    }
    Ok(())
}

/// The re-entry state, query and changes of `show --format json`.
fn reentry_json(store: &Store, events: &[ReentryEvent]) -> Result<Value> {
    let state = replay(events).state;
    let thread = QueryThread::from_events(events);
    let answer = thread.as_ref().and_then(|t| t.answer.as_ref());
    let mut changes = Vec::with_capacity(events.len());
    for e in events {
        changes.push(json!({
            "at": time::format_iso_local(e.at),
            "action": e.action.map(|a| a.name()),
            "by": e.staff_id,
            "workstation": store.workstation_prefix(&e.workstation_id)?,
            "note": e.note,
            "new_system_ref": e.new_system_ref,
            "nhs_number": e.nhs_number,
            "taken_from": e.taken_from,
            "for": e.for_staff,
        }));
    }
    Ok(json!({
        "status": state.status.name(),
        "assignee": state.assignee,
        "new_system_ref": state.new_system_ref,
        "question": thread.as_ref().map(|t| &t.question.text),
        "asked_by": thread.as_ref().map(|t| &t.question.by),
        "asked_at": thread.as_ref().map(|t| time::format_iso_local(t.question.at)),
        "asked_for": thread.as_ref().and_then(|t| t.asked_for.as_ref()),
        "answer": answer.map(|a| &a.text),
        "answered_by": answer.map(|a| &a.by),
        "answered_at": answer.map(|a| time::format_iso_local(a.at)),
        "changes": changes,
    }))
}
