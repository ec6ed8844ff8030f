//! `queue`, and the commands that work it: `claim`, `release`, `done`, `query`, `answer`, `skip`,
//! `reopen`, `waive`. The order and the rules live in `crate::queue`; this module reads arguments and writes
//! output. Table and HTML output escape control characters so stored text cannot drive a terminal.

use std::io::Write;
use std::process::ExitCode;

use serde_json::{Value, json};

use super::Context;
use crate::cli::{
    AnswerArgs, ClaimArgs, DoneArgs, ItemArgs, QueryArgs, QueueArgs, QueueFormat, ReopenArgs, SkipArgs, WaiveArgs,
};
use crate::domain::Problem;
use crate::domain::fields::{FieldProblem, Kind};
use crate::domain::nhs::NhsNumber;
use crate::domain::text::{escape_inline, path_inline, spreadsheet_safe};
use crate::domain::time;
use crate::error::{Error, Result};
use crate::output::Out;
use crate::queue::{
    self, ItemStatus, Outcome, QueryThread, Queue, QueueQuery, ReentryItem, Request, StatusFilter, Tier,
};
use crate::store::{OpenMode, Store};

/// The CSV header of `cli.md`: a contract with spreadsheets and scripts. The query's columns
/// (issue 12) come after the original thirteen, so that scripts reading those by position still work.
pub const CSV_HEADER: [&str; 20] = [
    "rank",
    "id",
    "tier",
    "score",
    "due",
    "kind",
    "occurred_at",
    "nhs_number",
    "patient",
    "summary",
    "status",
    "assignee",
    "reasons",
    "question",
    "asked_by",
    "asked_at",
    "asked_for",
    "answer",
    "answered_by",
    "answered_at",
];

const TABLE_COLUMNS: [(&str, usize); 9] = [
    ("RANK", 5),
    ("REF", 9),
    ("TIER", 4),
    ("DUE", 17),
    ("KIND", 16),
    ("PATIENT", 30),
    ("SUMMARY", 40),
    ("STATUS", 12),
    ("WHO", 5),
];

/// Longest note, question or reason, in characters.
const NOTE_MAX: usize = 2_000;
/// Longest reference in the new system, in characters.
const REF_MAX: usize = 100;

fn invalid(field: &str, problem: Problem) -> Error {
    Error::InvalidOption(FieldProblem::new(field, problem))
}

fn status_filter(given: &str) -> Result<StatusFilter> {
    match given.trim().to_ascii_lowercase().as_str() {
        "open" => Ok(StatusFilter::Open),
        "all" => Ok(StatusFilter::All),
        other => ItemStatus::parse(other).map(StatusFilter::Only).ok_or_else(|| {
            let mut allowed = vec!["open", "all"];
            allowed.extend(ItemStatus::ALL.iter().map(|s| s.name()).filter(|n| *n != "open"));
            invalid("status", Problem::NotInList { allowed })
        }),
    }
}

pub fn queue(args: QueueArgs, ctx: &mut Context) -> Result<ExitCode> {
    if let Some(out) = &args.out {
        super::check_out(out, &ctx.location.path, args.force)?;
    }
    let status = status_filter(&args.status)?;
    let kind = args.kind.as_deref().map(Kind::parse).transpose().map_err(|p| invalid("kind", p))?;
    let tier = match args.tier {
        Some(n) => Some(Tier::from_number(n).ok_or_else(|| invalid("tier", Problem::OutOfRange { min: 1, max: 4 }))?),
        None => None,
    };
    if args.for_staff.is_some() && !matches!(status, StatusFilter::Open | StatusFilter::Only(ItemStatus::Query)) {
        return Err(Error::Usage(crate::error::Usage::ForNeedsQueries(args.status.trim().to_string())));
    }
    let store = ctx.open(OpenMode::Existing)?;
    let assignee = if args.mine {
        store.actor(ctx.as_staff.as_deref())?.staff_id
    } else {
        args.assignee.map(|a| a.trim().to_ascii_uppercase())
    };
    let waiting_for = args.for_staff.as_deref().map(|given| clinician(&store, "for", given)).transpose()?;
    let query = QueueQuery {
        status,
        kind,
        tier,
        assignee: assignee.clone(),
        limit: args.limit,
        waiting_for,
        ..Default::default()
    };
    let built = queue::build(&store, &query, ctx.now)?;
    let practice = store.settings()?.practice().unwrap_or_default().to_string();

    let heading = Heading { practice: &practice, assignee: assignee.as_deref(), query: &query, now: ctx.now };
    let to_file = args.out.is_some();
    match &args.out {
        Some(path) => {
            // A file gets what standard output would, were it not a terminal.
            let mut buffer = Vec::new();
            write_queue(&mut Out::new(&mut buffer, false), args.format, &built, args.explain, &heading)?;
            crate::files::write_private(path, &buffer)?;
            writeln!(ctx.err, "Wrote {} to {}.", items_words(built.items.len()), path_inline(path))?;
        }
        None => write_queue(&mut ctx.out, args.format, &built, args.explain, &heading)?,
    }
    if args.format == QueueFormat::Table || to_file {
        let mut summary = format!("{} in this queue", items_words(built.matched));
        if built.items.len() < built.matched {
            summary.push_str(&format!(", the first {} shown", built.items.len()));
        }
        if built.overdue > 0 {
            summary.push_str(&format!("; {} overdue (due time marked !)", built.overdue));
        }
        summary.push('.');
        if !built.go_live_set {
            summary.push_str(
                " Go-live is not set, so due times count from now: set it with `cutover init --go-live TIME`.",
            );
        }
        // The table first, then the summary, in that order on screen and in a file of both.
        ctx.out.flush()?;
        writeln!(ctx.err, "{summary}")?;
    }
    Ok(ExitCode::SUCCESS)
}

fn write_queue(out: &mut Out, format: QueueFormat, built: &Queue, explain: bool, heading: &Heading) -> Result<()> {
    match format {
        QueueFormat::Table => write_table(out, built, explain),
        QueueFormat::Csv => write_csv(out.csv()?, built),
        QueueFormat::Json => write_json(out, built, explain),
        QueueFormat::Html => write_html(out, built, heading),
    }
}

fn items_words(n: usize) -> String {
    if n == 1 { "1 item".to_string() } else { format!("{n} items") }
}

fn status_cell(item: &ReentryItem) -> &'static str {
    item.status.name()
}

fn due_cell(item: &ReentryItem) -> String {
    let mut due = time::format_uk(item.due);
    if item.overdue {
        due.push('!');
    }
    due
}

fn write_table(out: &mut dyn Write, queue: &Queue, explain: bool) -> Result<()> {
    write_table_row(out, TABLE_COLUMNS.map(|(name, _)| name.to_string()))?;
    for item in &queue.items {
        write_table_row(
            out,
            [
                item.rank.to_string(),
                item.reference.clone(),
                item.tier.number().to_string(),
                due_cell(item),
                item.kind.label().to_string(),
                item.patient.clone(),
                item.summary.clone(),
                status_cell(item).to_string(),
                item.assignee.clone().unwrap_or_default(),
            ],
        )?;
        if let Some(thread) = &item.query {
            for line in conversation(thread) {
                writeln!(out, "      {}", escape_inline(&line))?;
            }
        }
        if explain {
            for line in explanation(item) {
                writeln!(out, "      {}", escape_inline(&line))?;
            }
        }
    }
    Ok(())
}

/// A query and its answer, one line each, under the item it is about.
fn conversation(thread: &QueryThread) -> Vec<String> {
    queue::conversation(thread)
}

fn write_table_row(out: &mut dyn Write, cells: [String; 9]) -> Result<()> {
    super::write_table_row(out, &TABLE_COLUMNS.map(|(_, width)| width), &cells)
}

/// The term-by-term account of an item's place, in plain words.
fn explanation(item: &ReentryItem) -> Vec<String> {
    let mut lines = vec![format!("tier {} ({})", item.tier.number(), item.tier.label())];
    for reason in &item.reasons {
        lines.push(format!("- {reason}"));
    }
    let terms: Vec<String> = item.terms.iter().map(|t| format!("{:+} {}", t.points, t.what)).collect();
    lines.push(format!("score {} = {}", item.score, terms.join(", ")));
    let overdue = if item.overdue { ", overdue" } else { "" };
    lines.push(format!("due {}{overdue}", time::format_uk_day(item.due)));
    lines
}

fn csv_error(e: csv::Error) -> Error {
    match e.into_kind() {
        csv::ErrorKind::Io(io) => Error::Output(io),
        other => Error::Csv(format!("{other:?}")),
    }
}

/// The query's seven cells, in the order of the header: question, asked_by, asked_at, asked_for,
/// answer, answered_by, answered_at; all empty for an item never queried. `asked_for` is empty for
/// a question for any clinician.
fn query_cells(thread: Option<&QueryThread>) -> [String; 7] {
    let Some(t) = thread else { return Default::default() };
    let q = &t.question;
    let a = t.answer.as_ref();
    [
        q.text.clone(),
        q.by.clone(),
        time::format_iso_local(q.at),
        t.asked_for.clone().unwrap_or_default(),
        a.map(|a| a.text.clone()).unwrap_or_default(),
        a.map(|a| a.by.clone()).unwrap_or_default(),
        a.map(|a| time::format_iso_local(a.at)).unwrap_or_default(),
    ]
}

fn csv_cells(item: &ReentryItem) -> [String; 20] {
    let [question, asked_by, asked_at, asked_for, answer, answered_by, answered_at] = query_cells(item.query.as_ref());
    [
        item.rank.to_string(),
        item.entry_id.clone(),
        item.tier.number().to_string(),
        item.score.to_string(),
        time::format_iso_local(item.due),
        item.kind.name().to_string(),
        time::format_iso_local(item.occurred_at),
        item.nhs_number.clone().unwrap_or_default(),
        item.patient.clone(),
        item.summary.clone(),
        status_cell(item).to_string(),
        item.assignee.clone().unwrap_or_default(),
        item.reasons.join("; "),
        question,
        asked_by,
        asked_at,
        asked_for,
        answer,
        answered_by,
        answered_at,
    ]
}

fn write_csv(out: &mut dyn Write, queue: &Queue) -> Result<()> {
    let mut csv = csv::Writer::from_writer(out);
    csv.write_record(CSV_HEADER).map_err(csv_error)?;
    for item in &queue.items {
        csv.write_record(csv_cells(item).map(|c| spreadsheet_safe(&c).into_owned())).map_err(csv_error)?;
    }
    csv.flush()?;
    Ok(())
}

fn item_json(item: &ReentryItem, explain: bool) -> Value {
    let mut value = json!({
        "rank": item.rank,
        "id": item.entry_id,
        "tier": item.tier.number(),
        "score": item.score,
        "due": time::format_iso_local(item.due),
        "kind": item.kind.name(),
        "occurred_at": time::format_iso_local(item.occurred_at),
        "nhs_number": item.nhs_number,
        "patient": item.patient,
        "summary": item.summary,
        "status": status_cell(item),
        "assignee": item.assignee,
        "reasons": item.reasons,
    });
    let thread = item.query.as_ref();
    let answer = thread.and_then(|t| t.answer.as_ref());
    value["question"] = json!(thread.map(|t| &t.question.text));
    value["asked_by"] = json!(thread.map(|t| &t.question.by));
    value["asked_at"] = json!(thread.map(|t| time::format_iso_local(t.question.at)));
    value["asked_for"] = json!(thread.and_then(|t| t.asked_for.as_ref()));
    value["answer"] = json!(answer.map(|a| &a.text));
    value["answered_by"] = json!(answer.map(|a| &a.by));
    value["answered_at"] = json!(answer.map(|a| time::format_iso_local(a.at)));
    if explain {
        value["explain"] = json!({
            "ref": item.reference,
            "tier_label": item.tier.label(),
            "overdue": item.overdue,
            "blocked": item.blocker.as_ref().map(|b| b.describe()),
            "terms": item.terms.iter().map(|t| json!({ "points": t.points, "what": t.what })).collect::<Vec<_>>(),
        });
    }
    value
}

fn write_json(out: &mut Out, queue: &Queue, explain: bool) -> Result<()> {
    out.json("[")?;
    for (i, item) in queue.items.iter().enumerate() {
        out.json(if i == 0 { "\n" } else { ",\n" })?;
        out.json(&item_json(item, explain).to_string())?;
    }
    out.json("\n]\n")?;
    Ok(())
}

struct Heading<'a> {
    practice: &'a str,
    assignee: Option<&'a str>,
    query: &'a QueueQuery,
    now: chrono::DateTime<chrono::Utc>,
}

fn html(s: &str) -> String {
    crate::report::html::escape(s)
}

/// A printable worklist: one table in queue order, with a box to tick and space for the new
/// system's reference, headed with who it is for and when it was printed.
fn write_html(out: &mut dyn Write, queue: &Queue, heading: &Heading) -> Result<()> {
    let for_whom = match heading.assignee {
        Some(who) => format!("Worklist for {}", html(who)),
        None => "Re-entry worklist".to_string(),
    };
    let mut filters = Vec::new();
    if let Some(kind) = heading.query.kind {
        filters.push(format!("kind: {}", kind.label()));
    }
    if let Some(tier) = heading.query.tier {
        filters.push(format!("tier {}", tier.number()));
    }
    writeln!(
        out,
        "<!DOCTYPE html>\n<html lang=\"en-GB\">\n<head>\n<meta charset=\"utf-8\">\n<title>{for_whom}</title>\n<style>\n\
         body {{ font-family: sans-serif; font-size: 10pt; }}\n\
         table {{ border-collapse: collapse; width: 100%; }}\n\
         th, td {{ border: 1px solid #888; padding: 3px 5px; vertical-align: top; text-align: left; }}\n\
         tr {{ page-break-inside: avoid; }}\n\
         .tier1 td:first-child {{ border-left: 4px solid #000; }}\n\
         .why {{ font-size: 8pt; color: #333; }}\n\
         .box {{ width: 1.5em; }}\n\
         </style>\n</head>\n<body>"
    )?;
    writeln!(out, "<h1>{for_whom}</h1>")?;
    writeln!(
        out,
        "<p>{} &middot; printed {} &middot; {}{}{}</p>",
        html(heading.practice),
        html(&time::format_uk(heading.now)),
        items_words(queue.items.len()),
        if queue.overdue > 0 { format!(", {} overdue (!)", queue.overdue) } else { String::new() },
        if filters.is_empty() { String::new() } else { format!(" &middot; {}", html(&filters.join(", "))) },
    )?;
    writeln!(
        out,
        "<table>\n<thead><tr><th>#</th><th>Ref</th><th>Tier</th><th>Due</th><th>Kind</th><th>Patient</th>\
         <th>NHS number</th><th>Summary and why</th><th>Status</th><th class=\"box\">Done</th><th>New system ref</th></tr></thead>\n<tbody>"
    )?;
    for item in &queue.items {
        let nhs = item
            .nhs_number
            .as_deref()
            .map(|n| NhsNumber::parse(n).map(|n| n.to_string()).unwrap_or_else(|_| n.to_string()))
            .unwrap_or_default();
        let status = match &item.assignee {
            Some(who) => format!("{} ({who})", status_cell(item)),
            None => status_cell(item).to_string(),
        };
        let mut why = html(&item.reasons.join("; "));
        for line in item.query.as_ref().map(conversation).unwrap_or_default() {
            why.push_str(&format!("<br>{}", html(&line)));
        }
        writeln!(
            out,
            "<tr class=\"tier{}\"><td>{}</td><td>{}</td><td>{}</td><td>{}</td><td>{}</td><td>{}</td><td>{}</td>\
             <td>{}<div class=\"why\">{}</div></td><td>{}</td><td class=\"box\">&#9744;</td><td></td></tr>",
            item.tier.number(),
            item.rank,
            html(&item.reference),
            item.tier.number(),
            html(&due_cell(item)),
            html(item.kind.label()),
            html(&item.patient),
            html(&nhs),
            html(&item.summary),
            why,
            html(&status),
        )?;
    }
    writeln!(out, "</tbody>\n</table>\n</body>\n</html>")?;
    Ok(())
}

fn text(field: &str, given: &str, max: usize) -> Result<String> {
    let trimmed = given.trim();
    if trimmed.is_empty() {
        return Err(Error::Invalid(vec![FieldProblem::new(field, Problem::Required)]));
    }
    let actual = trimmed.chars().count();
    if actual > max {
        return Err(Error::Invalid(vec![FieldProblem::new(field, Problem::TooLong { max, actual })]));
    }
    Ok(trimmed.to_string())
}

fn optional_text(field: &str, given: Option<&str>, max: usize) -> Result<Option<String>> {
    match given.map(str::trim).filter(|s| !s.is_empty()) {
        Some(s) => text(field, s, max).map(Some),
        None => Ok(None),
    }
}

/// Runs one change as the member of staff given with --as.
fn change(ctx: &mut Context, given: &str, request: Request) -> Result<Outcome> {
    change_confirmed(ctx, given, request, false)
}

fn change_confirmed(ctx: &mut Context, given: &str, request: Request, confirmed: bool) -> Result<Outcome> {
    let store = ctx.open(OpenMode::Existing)?;
    let actor = store.actor(ctx.as_staff.as_deref())?;
    queue::act_confirmed(&store, &actor, given, &request, ctx.now, confirmed)
}

pub fn claim(args: ClaimArgs, ctx: &mut Context) -> Result<ExitCode> {
    let outcome = change(ctx, &args.id, Request::Claim { take_over: args.take_over })?;
    let until = outcome.claimed_until.map(time::format_uk).unwrap_or_default();
    match &outcome.taken_from {
        Some(from) => writeln!(
            ctx.err,
            "Took over {} from {}; it is yours until {until}.",
            escape_inline(&outcome.reference),
            escape_inline(from)
        )?,
        None => writeln!(
            ctx.err,
            "Claimed {} until {until}. Nobody else can claim it meanwhile.",
            escape_inline(&outcome.reference)
        )?,
    }
    Ok(ExitCode::SUCCESS)
}

pub fn release(args: ItemArgs, ctx: &mut Context) -> Result<ExitCode> {
    let outcome = change(ctx, &args.id, Request::Release)?;
    writeln!(ctx.err, "Released {}; it is back in the open queue.", escape_inline(&outcome.reference))?;
    Ok(ExitCode::SUCCESS)
}

pub fn done(args: DoneArgs, ctx: &mut Context) -> Result<ExitCode> {
    let nhs_number = args
        .nhs_number
        .as_deref()
        .map(NhsNumber::parse)
        .transpose()
        .map_err(|p| Error::Invalid(vec![FieldProblem::new("nhs-number", p)]))?;
    let request = Request::Done {
        new_system_ref: optional_text("ref", args.new_system_ref.as_deref(), REF_MAX)?,
        note: optional_text("note", args.note.as_deref(), NOTE_MAX)?,
        nhs_number,
        waive_nhs: optional_text("waive-nhs", args.waive_nhs.as_deref(), NOTE_MAX)?,
        take_over: args.take_over,
    };
    let outcome = change_confirmed(ctx, &args.id, request, args.confirm)?;
    let mut message = format!("Marked {} done", escape_inline(&outcome.reference));
    if let Some(from) = &outcome.taken_from {
        message.push_str(&format!(" (it was claimed by {})", escape_inline(from)));
    }
    writeln!(ctx.err, "{message}.")?;
    Ok(ExitCode::SUCCESS)
}

/// The clinician `given` names for `--option`: on the staff list, with the role clinician.
fn clinician(store: &Store, option: &'static str, given: &str) -> Result<String> {
    match store.staff_member(given.trim())? {
        Some(member) => {
            queue::workflow::must_be_clinician(option, &member)?;
            Ok(member.id)
        }
        None => {
            let known = store.staff()?.into_iter().map(|s| s.id).collect();
            Err(Error::UnknownStaff { id: given.trim().to_string(), known })
        }
    }
}

pub fn query(args: QueryArgs, ctx: &mut Context) -> Result<ExitCode> {
    let note = text("note", &args.note, NOTE_MAX)?;
    let to = match &args.to {
        Some(given) => Some(clinician(&ctx.open(OpenMode::Existing)?, "to", given)?),
        None => None,
    };
    let outcome = change(ctx, &args.id, Request::Query { note, to })?;
    // Whom it went to, as the query recorded it (named, or worked out from who logged the entry).
    let store = ctx.open(OpenMode::Existing)?;
    let asked_for = store.reentry_history(&outcome.entry_id)?.pop().and_then(|e| e.for_staff);
    let whom = match asked_for.as_deref().map(|id| store.staff_member(id)).transpose()?.flatten() {
        Some(member) => escape_inline(&format!("{} ({})", member.id, member.name)).into_owned(),
        None => "any clinician".to_string(),
    };
    let list = escape_inline(asked_for.as_deref().unwrap_or("YOUR_ID"));
    writeln!(
        ctx.err,
        "{} is waiting for {whom}; it stays in the queue as a query. Clinicians see it with `cutover queue --status query --for {list}`.",
        escape_inline(&outcome.reference)
    )?;
    Ok(ExitCode::SUCCESS)
}

pub fn answer(args: AnswerArgs, ctx: &mut Context) -> Result<ExitCode> {
    let note = text("note", &args.note, NOTE_MAX)?;
    let outcome = change(ctx, &args.id, Request::Answer { note })?;
    writeln!(
        ctx.err,
        "Recorded your answer to {}; it is back in the open queue, with your answer, for whoever keys it.",
        escape_inline(&outcome.reference)
    )?;
    Ok(ExitCode::SUCCESS)
}

pub fn skip(args: SkipArgs, ctx: &mut Context) -> Result<ExitCode> {
    let reason = text("reason", &args.reason, NOTE_MAX)?;
    let outcome = change(ctx, &args.id, Request::NotRequired { reason })?;
    writeln!(
        ctx.err,
        "Set {} aside as not required. `cutover reopen` brings it back.",
        escape_inline(&outcome.reference)
    )?;
    Ok(ExitCode::SUCCESS)
}

pub fn reopen(args: ReopenArgs, ctx: &mut Context) -> Result<ExitCode> {
    let note = optional_text("note", args.note.as_deref(), NOTE_MAX)?;
    let outcome = change(ctx, &args.id, Request::Reopen { note })?;
    writeln!(ctx.err, "Reopened {}; it is back in the open queue.", escape_inline(&outcome.reference))?;
    Ok(ExitCode::SUCCESS)
}

pub fn waive(args: WaiveArgs, ctx: &mut Context) -> Result<ExitCode> {
    let reason = text("reason", &args.reason, NOTE_MAX)?;
    let outcome = change(ctx, &args.id, Request::WaiveNhs { reason })?;
    writeln!(
        ctx.err,
        "Recorded an NHS-number waiver for {}; it can now be marked done.",
        escape_inline(&outcome.reference)
    )?;
    Ok(ExitCode::SUCCESS)
}
