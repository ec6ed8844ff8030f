//! `import patients` and `import entries`: a CSV file checked row by row, then saved in one
//! transaction. Entries go through the same checks as `cutover log`.

use std::collections::HashMap;
use std::io::Write;
use std::path::Path;
use std::process::ExitCode;

use super::Context;
use super::patient_args::typed_patient;
use crate::cli::{ImportEntriesArgs, ImportPatientsArgs};
use crate::domain::Problem;
use crate::domain::fields::{EntryContent, Kind, PatientInput, parse_staff_id, time_warnings};
use crate::domain::text::{escape_inline, escape_list, path_inline, spreadsheet_safe};
use crate::domain::time;
use crate::entries::{self as entry_service, CheckedPatient, NewEntry, PatientGiven};
use crate::error::{Error, Exchange, Result, RowProblem, RowReason, Warning};
use crate::import::csv_file::{self, Row};
use crate::import::entries::{self, Columns};
use crate::import::{content_fingerprint, fingerprint, headers, patients};
use crate::store::{EarlierImport, ImportKind, ListConflict, OpenMode, Settings, Store};

/// The file's own name, as provenance records it (the folder is the importing PC's business).
fn file_name(path: &Path) -> String {
    path.file_name().map_or_else(|| path.display().to_string(), |n| n.to_string_lossy().into_owned())
}

pub fn patients(args: ImportPatientsArgs, ctx: &mut Context) -> Result<ExitCode> {
    let store = ctx.open(OpenMode::Existing)?;
    let actor = store.actor(ctx.as_staff.as_deref())?;
    let maps = headers::parse_maps(&args.maps, patients::COLUMNS)?;
    let bytes = csv_file::read_bytes(&args.file)?;
    let text = csv_file::text(&args.file, &bytes)?;
    let table = csv_file::parse(&args.file, &text)?;
    let list = patients::check(&args.file, &table, &maps, ctx.now)?;
    let name = file_name(&args.file);
    let print = content_fingerprint(&text);
    store.use_memory_for_temporary_data()?;
    let outcome = store.write_at(ctx.now, |tx| {
        let outcome = tx.import_list_patients(&actor, &list.patients)?;
        tx.record_import(&actor, ImportKind::Patients, &name, &print, list.patients.len() as u64, 0)?;
        Ok(outcome)
    })?;
    let not_updated = match outcome.conflicts.len() {
        0 => String::new(),
        n => format!(", {n} not updated"),
    };
    writeln!(
        ctx.err,
        "Imported the patient list {}: {} patients ({} new, {} updated, {} unchanged{not_updated}).",
        escape_inline(&name),
        list.patients.len(),
        outcome.added,
        outcome.updated,
        outcome.unchanged
    )?;
    for c in &outcome.conflicts {
        writeln!(ctx.err, "{}", list_conflict(c))?;
    }
    if !outcome.conflicts.is_empty() {
        writeln!(
            ctx.err,
            "These patients were kept as they were, so that no entry moves to a different person. Check each against the old system: if the list is wrong, correct it; if two people were sharing one NHS number, amend their entries (`cutover amend REF --family … --given … --dob …`)."
        )?;
    }
    if outcome.kept_not_on_list > 0 {
        writeln!(
            ctx.err,
            "Note: {} patients from an earlier list are not on this one. They are kept: patients are never removed.",
            outcome.kept_not_on_list
        )?;
    }
    if !list.ignored_columns.is_empty() {
        writeln!(ctx.err, "Note: these columns were not used: {}.", escape_list(&list.ignored_columns))?;
    }
    Ok(ExitCode::SUCCESS)
}

/// One list row not applied because its NHS number belongs to a patient with entries under other details.
fn list_conflict(c: &ListConflict) -> String {
    let who = |(family, given, dob): &(String, String, String)| {
        let dob = chrono::NaiveDate::parse_from_str(dob, "%Y-%m-%d").map_or_else(|_| dob.clone(), time::format_uk_date);
        escape_inline(&format!("{family}, {given}, born {dob}")).into_owned()
    };
    let nhs = crate::domain::nhs::NhsNumber::parse(&c.nhs_number)
        .map_or_else(|_| escape_inline(&c.nhs_number).into_owned(), |n| n.to_string());
    format!(
        "  - line {}: NHS number {nhs} is held here for {} ({} {}); the list says {}. Not updated.",
        c.line,
        who(&c.held),
        c.entries,
        if c.entries == 1 { "entry is about them" } else { "entries are about them" },
        who(&c.listed)
    )
}

/// What a row not imported again is the same as.
enum Repeats {
    /// An entry already held, by its reference.
    Held(String),
    /// An earlier line of the same file.
    Line(u64),
}

/// A row that passed every check, ready to save.
struct GoodRow {
    line: u64,
    recorded_by: String,
    content: EntryContent,
    patient: PatientInput,
}

/// A row that did not, with every reason.
struct BadRow<'a> {
    row: &'a Row,
    problems: Vec<RowProblem>,
}

pub fn entries(args: ImportEntriesArgs, ctx: &mut Context) -> Result<ExitCode> {
    let store = ctx.open(OpenMode::Existing)?;
    let actor = store.actor(ctx.as_staff.as_deref())?;
    let settings = store.settings()?;
    if let Some(rejects) = &args.rejects
        && crate::files::same_file(rejects, &args.file)
    {
        return Err(Error::Exchange(Exchange::RejectsIsInput(rejects.clone())));
    }
    // Before anything is imported: the rows an earlier import rejected may be in it, and they are in
    // no other place (issue 11). The file is made with "refuse if it exists" too, for a race.
    if let Some(rejects) = &args.rejects {
        super::check_out(rejects, &ctx.location.path, false)?;
    }
    let bytes = csv_file::read_bytes(&args.file)?;
    let text = csv_file::text(&args.file, &bytes)?;
    // The same rows re-saved with Windows line ends (or without a byte-order mark) are the same
    // file; files imported before this fingerprint existed are still found by their bytes' one.
    let print = content_fingerprint(&text);
    let prints = [print.clone(), fingerprint(&bytes)];
    if !args.allow_duplicates {
        refuse_if_imported(&store, &args.file, &prints)?;
    }
    let mut table = csv_file::parse(&args.file, &text)?;
    entries::drop_rejects_reason(&mut table);
    let columns = Columns::from_header(&args.file, &table.header)?;

    let mut good = Vec::new();
    let mut bad = Vec::new();
    for row in &table.rows {
        match check_row(&store, &columns, row, args.confirm, &settings, ctx.now)? {
            Ok(checked) => good.push(checked),
            Err(problems) => bad.push(BadRow { row, problems }),
        }
    }
    if !bad.is_empty() && !args.skip_invalid {
        return Err(Error::Exchange(Exchange::Rows {
            path: args.file.clone(),
            rows: bad.into_iter().flat_map(|b| b.problems).collect(),
            rows_total: table.rows.len() as u64,
            can_skip: true,
        }));
    }
    // The rejects are on disk before anything is saved, so that no row is ever only in memory.
    if let Some(rejects) = args.rejects.as_deref().filter(|_| !bad.is_empty()) {
        write_rejects(rejects, &table.header, &bad)?;
    }

    let name = file_name(&args.file);
    store.use_memory_for_temporary_data()?;
    let (loaded, no_nhs_number, duplicates) = store.write_at(ctx.now, |tx| {
        // Checked again inside the transaction: another PC may have imported it meanwhile.
        for print in prints.iter().filter(|_| !args.allow_duplicates) {
            if let Some(earlier) = tx.earlier_import(ImportKind::Entries, print)? {
                return Err(already_imported(&args.file, earlier));
            }
        }
        let mut no_nhs_number = 0u64;
        let mut to_save = Vec::with_capacity(good.len());
        // A row the same as one held, or as an earlier row of this file: (line, what it repeats).
        let mut duplicates: Vec<(u64, Repeats)> = Vec::new();
        let mut in_file: HashMap<(Option<String>, String, &str, &str), u64> = HashMap::new();
        // Rows whose patient needs a yes (an NHS number that is someone else's, someone already
        // registered), asked as `log` asks them: the import stops and names each, unless --confirm.
        let mut asked: Vec<RowProblem> = Vec::new();
        for g in &good {
            let patient_id = if g.patient.is_empty() {
                None
            } else {
                let registering = g.content.kind == Kind::Registration;
                let check = crate::store::PatientCheck { registering, confirmed: args.confirm };
                let resolved = match tx.resolve_patient(&actor, &g.patient, check) {
                    Err(Error::NeedsConfirmation(questions)) => {
                        let column = columns.column_for("nhs_number");
                        asked.extend(questions.into_iter().map(|w| RowProblem {
                            line: g.line,
                            column: column.clone(),
                            reason: RowReason::NeedsConfirmation(w),
                        }));
                        continue;
                    }
                    other => other?,
                };
                if resolved.warnings.contains(&Warning::NoNhsNumber) {
                    no_nhs_number += 1;
                }
                Some(resolved.id)
            };
            if !args.allow_duplicates {
                if let Some(reference) = tx.same_entry_held(&g.content, patient_id.as_deref())? {
                    duplicates.push((g.line, Repeats::Held(reference)));
                    continue;
                }
                let key = (
                    patient_id.clone(),
                    time::to_storage(g.content.occurred_at),
                    g.content.kind.name(),
                    g.content.summary.as_str(),
                );
                if let Some(first) = in_file.get(&key) {
                    duplicates.push((g.line, Repeats::Line(*first)));
                    continue;
                }
                in_file.insert(key, g.line);
            }
            to_save.push((g, patient_id));
        }
        if !asked.is_empty() {
            return Err(Error::Exchange(Exchange::Rows {
                path: args.file.clone(),
                rows: asked,
                rows_total: table.rows.len() as u64,
                can_skip: false,
            }));
        }
        let import_id =
            tx.record_import(&actor, ImportKind::Entries, &name, &print, to_save.len() as u64, bad.len() as u64)?;
        for (g, patient_id) in &to_save {
            tx.import_entry(&actor, &g.recorded_by, &g.content, patient_id.as_deref(), &import_id, g.line)?;
        }
        Ok((to_save.len(), no_nhs_number, duplicates))
    })?;
    writeln!(ctx.err, "Imported {} from {}.", counted(loaded, "entry", "entries"), escape_inline(&name))?;
    if !duplicates.is_empty() {
        writeln!(
            ctx.err,
            "{} not imported because the same entry (kind, patient, time and summary) is already held:",
            counted(duplicates.len(), "row was", "rows were")
        )?;
        for (line, repeats) in &duplicates {
            match repeats {
                Repeats::Held(reference) => {
                    writeln!(ctx.err, "  - line {line}: already held as {}", escape_inline(reference))?
                }
                Repeats::Line(first) => writeln!(ctx.err, "  - line {line}: the same as line {first} of this file")?,
            }
        }
        writeln!(
            ctx.err,
            "If they really are separate entries (two identical prescriptions, say), import the file again with --allow-duplicates."
        )?;
    }
    if let Some(rejects) = args.rejects.as_deref().filter(|_| !bad.is_empty()) {
        let (held, them) = if bad.len() == 1 { ("It is", "it") } else { ("They are", "them") };
        writeln!(
            ctx.err,
            "{} not imported. {held} in {}, unchanged, with the reason in the last column: correct {them} there and import that file.",
            counted(bad.len(), "row was", "rows were"),
            path_inline(rejects)
        )?;
    }
    if no_nhs_number > 0 {
        writeln!(
            ctx.err,
            "Note: {} with no NHS number yet; they need tracing before go-live work marks them done.",
            counted(no_nhs_number as usize, "entry is about a patient", "entries are about patients")
        )?;
    }
    Ok(ExitCode::SUCCESS)
}

/// Checks one row as `log` checks an entry. `Ok(Err(problems))` is a bad row; `Err` is a fault
/// (the database could not be read) that stops the import.
fn check_row(
    store: &Store,
    columns: &Columns,
    row: &Row,
    confirmed: bool,
    settings: &Settings,
    now: chrono::DateTime<chrono::Utc>,
) -> Result<std::result::Result<GoodRow, Vec<RowProblem>>> {
    let problem = |column: String, reason: RowReason| RowProblem { line: row.line, column, reason };
    if row.values.len() != columns.len() {
        let reason = RowReason::WrongLength { found: row.values.len(), expected: columns.len() };
        return Ok(Err(vec![problem("(whole row)".into(), reason)]));
    }
    let input = columns.input(row);
    let mut problems: Vec<RowProblem> = row
        .values
        .iter()
        .zip(columns.header())
        .filter(|(v, _)| csv_file::looks_mis_encoded(v))
        .map(|(v, h)| problem(h.clone(), RowReason::MisEncoded { value: v.clone() }))
        .collect();
    let recorded_by = match parse_staff_id(&input.recorded_by) {
        _ if input.recorded_by.trim().is_empty() => {
            problems.push(problem(columns.column_for("recorded_by"), RowReason::Field(Problem::Required)));
            None
        }
        Ok(id) if store.staff_member(&id)?.is_some() => Some(id),
        Ok(id) => {
            let reason = RowReason::Field(Problem::NotOnStaffList { id });
            problems.push(problem(columns.column_for("recorded_by"), reason));
            None
        }
        Err(p) => {
            problems.push(problem(columns.column_for("recorded_by"), RowReason::Field(p)));
            None
        }
    };
    let kind = match Kind::parse(&input.kind) {
        Ok(kind) => kind,
        Err(p) => {
            let p = if input.kind.trim().is_empty() { Problem::Required } else { p };
            problems.push(problem(columns.column_for("kind"), RowReason::Field(p)));
            return Ok(Err(problems));
        }
    };
    let entry = NewEntry {
        kind,
        values: input.sets,
        flags: input.flags,
        patient: PatientGiven::Typed(typed_patient(&input.patient)),
    };
    let is_staff = |id: &str| store.staff_member(id).ok().flatten().is_some();
    match entry_service::check_new(&entry, &is_staff, now) {
        Ok(checked) => {
            if !confirmed {
                for w in time_warnings(&checked.content, None, settings.fdp(), now) {
                    let column = columns.column_for(w.field().unwrap_or("occurred_at"));
                    problems.push(problem(column, RowReason::NeedsConfirmation(w)));
                }
            }
            let patient = match checked.patient {
                CheckedPatient::New(input) => input,
                CheckedPatient::Existing(_) | CheckedPatient::Nobody => PatientInput::default(),
            };
            match recorded_by {
                Some(recorded_by) if problems.is_empty() => {
                    Ok(Ok(GoodRow { line: row.line, recorded_by, content: checked.content, patient }))
                }
                _ => Ok(Err(problems)),
            }
        }
        Err(field_problems) => {
            for p in field_problems {
                problems.push(problem(columns.column_for(&p.field), RowReason::Field(p.problem)));
            }
            Ok(Err(problems))
        }
    }
}

/// The rejected rows as they were, with a `reason` column, so that they can be corrected and imported.
fn write_rejects(path: &Path, header: &[String], bad: &[BadRow]) -> Result<()> {
    let file_error = |source| Error::file(path, source);
    let file = crate::files::create_private(path, crate::files::Existing::Refuse).map_err(|e| match e.kind() {
        std::io::ErrorKind::AlreadyExists => Error::Exchange(Exchange::OutputExists(path.to_path_buf())),
        _ => file_error(e),
    })?;
    let mut csv = csv::WriterBuilder::new().flexible(true).from_writer(std::io::BufWriter::new(file));
    let csv_error = |e: csv::Error| match e.into_kind() {
        csv::ErrorKind::Io(source) => Error::file(path, source),
        _ => Error::File { path: path.to_path_buf(), source: std::io::Error::other("CSV") },
    };
    let mut first: Vec<&str> = header.iter().map(String::as_str).collect();
    first.push("reason");
    csv.write_record(first.into_iter().map(|c| spreadsheet_safe(c).into_owned())).map_err(csv_error)?;
    for b in bad {
        let reason: Vec<String> = b.problems.iter().map(|p| format!("{}: {}", p.column, p.reason)).collect();
        let mut record: Vec<String> = b.row.values.clone();
        record.push(reason.join("; "));
        csv.write_record(record.iter().map(|v| spreadsheet_safe(v).into_owned())).map_err(csv_error)?;
    }
    let buffered = csv.into_inner().map_err(|e| file_error(std::io::Error::other(e.to_string())))?;
    let file = buffered.into_inner().map_err(|e| file_error(std::io::Error::other(e.to_string())))?;
    file.sync_all().map_err(file_error)
}

fn refuse_if_imported(store: &Store, path: &Path, prints: &[String]) -> Result<()> {
    for print in prints {
        if let Some(earlier) = store.earlier_import(ImportKind::Entries, print)? {
            return Err(already_imported(path, earlier));
        }
    }
    Ok(())
}

fn already_imported(path: &Path, earlier: EarlierImport) -> Error {
    let at = time::from_storage(&earlier.imported_at).map_or(earlier.imported_at.clone(), time::format_uk);
    Error::Exchange(Exchange::AlreadyImported {
        path: path.to_path_buf(),
        earlier_file: earlier.file_name,
        at,
        by: earlier.imported_by,
        rows: earlier.rows_loaded,
    })
}

/// "1 entry", "2 entries": a count with the words that agree with it.
fn counted(n: usize, one: &str, many: &str) -> String {
    format!("{n} {}", if n == 1 { one } else { many })
}
