//! `patients duplicates` and `patients join`: records that may be one person, shown in pairs for a
//! person to decide on, and joined only when someone says so, with a reason.

use std::io::Write;
use std::process::ExitCode;

use super::{Context, write_table_row};
use crate::cli::Format;
use crate::domain::text::{escape_inline, escape_list};
use crate::error::{Error, Result};
use crate::store::{DuplicatePair, OpenMode, Patient};

/// The table for people: one line a record, the two records of a pair under each other, so the
/// names can be compared by eye. The record id is whole: `patients join` needs it.
const COLUMNS: [(&str, usize); 6] =
    [("PAIR", 4), ("RECORD", 36), ("NAME", 24), ("BORN", 10), ("NHS NUMBER", 12), ("ENTRIES", 7)];

const CSV_HEADER: [&str; 10] = [
    "first_id",
    "first_name",
    "first_date_of_birth",
    "first_nhs_number",
    "first_entries",
    "second_id",
    "second_name",
    "second_date_of_birth",
    "second_nhs_number",
    "second_entries",
];

fn name(p: &Patient) -> String {
    match (&p.family_name, &p.given_name) {
        (Some(f), Some(g)) => format!("{}, {g}", f.to_uppercase()),
        (Some(f), None) => f.to_uppercase(),
        (None, Some(g)) => g.clone(),
        (None, None) => String::new(),
    }
}

fn born(p: &Patient) -> String {
    p.date_of_birth
        .as_deref()
        .and_then(|d| chrono::NaiveDate::parse_from_str(d, "%Y-%m-%d").ok())
        .map(crate::domain::time::format_uk_date)
        .unwrap_or_default()
}

fn side(p: &Patient, entries: u64) -> [String; 5] {
    [p.id.clone(), name(p), born(p), p.nhs_display().unwrap_or_default(), entries.to_string()]
}

/// One CSV row a pair.
fn cells(pair: &DuplicatePair) -> [String; 10] {
    let [a, b, c, d, e] = side(&pair.first, pair.first_entries);
    let [f, g, h, i, j] = side(&pair.second, pair.second_entries);
    [a, b, c, d, e, f, g, h, i, j]
}

pub fn duplicates(format: Format, ctx: &mut Context) -> Result<ExitCode> {
    let store = ctx.open(OpenMode::Existing)?;
    let pairs = store.duplicate_pairs()?;
    match format {
        Format::Table => {
            let out = &mut ctx.out;
            write_table_row(out, &COLUMNS.map(|(_, w)| w), &COLUMNS.map(|(n, _)| n.to_string()))?;
            for (n, pair) in pairs.iter().enumerate() {
                for (record, entries) in [(&pair.first, pair.first_entries), (&pair.second, pair.second_entries)] {
                    let [a, b, c, d, e] = side(record, entries);
                    write_table_row(out, &COLUMNS.map(|(_, w)| w), &[(n + 1).to_string(), a, b, c, d, e])?;
                }
            }
        }
        Format::Csv => {
            let mut csv = csv::Writer::from_writer(ctx.out.csv()?);
            let io = |e: csv::Error| match e.into_kind() {
                csv::ErrorKind::Io(io) => Error::Output(io),
                other => Error::Csv(format!("{other:?}")),
            };
            csv.write_record(CSV_HEADER).map_err(io)?;
            for pair in &pairs {
                csv.write_record(cells(pair)).map_err(io)?;
            }
            csv.flush()?;
        }
        Format::Json => {
            let pretty = serde_json::to_string_pretty(&pairs).map_err(|e| Error::Output(e.into()))?;
            ctx.out.json(&format!("{pretty}\n"))?;
        }
    }
    // The table first, then the advice, in that order on screen and in a file of both.
    ctx.out.flush()?;
    match pairs.len() {
        0 => writeln!(ctx.err, "No possible duplicate patients.")?,
        n => writeln!(
            ctx.err,
            "{n} possible duplicate {}. Check each with the patient or the practice list; if two records are one \
             person, `cutover patients join KEEP OTHER --reason \"...\"` joins them. Nothing is joined automatically.",
            if n == 1 { "pair" } else { "pairs" }
        )?,
    }
    Ok(ExitCode::SUCCESS)
}

pub fn join(keep: &str, other: &str, reason: &str, ctx: &mut Context) -> Result<ExitCode> {
    let store = ctx.open(OpenMode::Existing)?;
    let actor = store.actor(ctx.as_staff.as_deref())?;
    let outcome = store.write_at(ctx.now, |tx| tx.join_patients(&actor, keep, other, reason))?;
    writeln!(ctx.out, "{}", outcome.kept.id)?;
    let moved = match outcome.moved.len() {
        0 => "it held no entries to move".to_string(),
        1 => format!("its entry {} now names the kept record", escape_inline(&outcome.moved[0])),
        n => format!("its {n} entries ({}) now name the kept record", escape_list(&outcome.moved)),
    };
    writeln!(
        ctx.err,
        "Joined {} into {}: {moved}. Each moved entry has a new version; the earlier ones, and the joined \
         record, are kept in the history.",
        escape_inline(&outcome.joined.describe()),
        escape_inline(&outcome.kept.describe())
    )?;
    Ok(ExitCode::SUCCESS)
}
