//! One module a group of commands: each takes its arguments and a `Context`, and writes its output.

mod backup;
mod check;
mod demo;
mod encryption;
mod export;
mod import;
mod listing;
mod logging;
mod merge;
mod patient_args;
mod patients;
mod queue;
mod report;
mod runbook;
mod setup;
mod sync;

use std::io::Write;
use std::process::ExitCode;

use chrono::{DateTime, Utc};

use crate::cli::{Command, ImportCommand, PatientsCommand, StaffCommand};
use crate::config::DatabaseLocation;
use crate::error::{Result, Warning};
use crate::output::{Out, Text};
use crate::store::{OpenMode, Store};

pub use backup::only_reads;

/// What every command gets: where the database is, who is acting, the time, and where to write.
pub struct Context<'a> {
    pub location: DatabaseLocation,
    pub as_staff: Option<String>,
    pub now: DateTime<Utc>,
    /// Standard output: text for people (escaped for the terminal), or data.
    pub out: Out<'a>,
    /// Standard error: messages, escaped for the terminal.
    pub err: Text<'a>,
    /// The command only reads (`only_reads`, the one list): whatever it asks for, it opens the
    /// database only to read, and no rolling backup follows it.
    pub only_reads: bool,
}

impl Context<'_> {
    /// The database, opened as `mode` says, or only to read for a command that only reads.
    pub fn open(&self, mode: OpenMode) -> Result<Store> {
        let mode = match mode {
            OpenMode::Create | OpenMode::Existing if self.only_reads => OpenMode::Read,
            mode => mode,
        };
        Store::open(&self.location, mode)
    }

    /// Warnings go to stderr, so that stdout stays data a script can read.
    pub fn warn(&mut self, warnings: &[Warning]) -> Result<()> {
        for w in warnings {
            writeln!(self.err, "Note: {w}")?;
        }
        Ok(())
    }
}

/// What needs saying about the workstations this database knows: this one a copy of another PC's,
/// or two sharing a reference prefix.
/// Said by `init`, `info`, `merge` and `sync`, on stderr.
pub(super) fn workstation_warnings(store: &Store, err: &mut dyn Write) -> Result<()> {
    use crate::domain::text::{escape_inline, quoted};
    if let Some(moved) = store.moved_from()? {
        let copied = crate::error::Sharing::Copied { home: moved.home.describe(), now: moved.now.describe() };
        writeln!(err, "Check: {copied}")?;
    }
    for group in store.workstations_sharing_a_prefix()? {
        let names: Vec<String> = group
            .iter()
            .map(|(w, here)| if *here { "this workstation".to_string() } else { quoted(&w.name) })
            .collect();
        let prefix = escape_inline(&group[0].0.prefix);
        writeln!(
            err,
            "Check: {} use the same prefix {prefix}, so a paper reference such as {prefix}-0001 could mean an entry of either. Give each its own prefix: on all but one of them run `cutover init --prefix NEW` (new entries take the new prefix; references already written stay as they are).",
            names.join(" and ")
        )?;
    }
    Ok(())
}

/// One staff id with two names: entries keep the id, so a person must say whether it is one person.
pub(super) fn staff_clash_warning(err: &mut dyn Write, id: &str, here: &str, there: &str, source: &str) -> Result<()> {
    use crate::domain::text::{escape_inline, quoted};
    let (id, here, there, source) = (escape_inline(id), quoted(here), quoted(there), escape_inline(source));
    writeln!(
        err,
        "Check: staff id {id} is {here} here but {there} in {source}. If they are one person, nothing needs doing. If they are two people, what each logs would look like the other's: on the PC where {id} is {there}, add them under a new id (`cutover staff add NEWID --name {there} --role ROLE`) and have them use it from now on; entries already logged keep showing {id}."
    )?;
    Ok(())
}

/// Checks an `--out` file before anything is built: never the database in use or one of its
/// journal files, and never a file that is already there unless `force` (a corrected `to-fix.csv`
/// was once lost to a report written over it). Exit 2 either way, nothing written.
pub(super) fn check_out(out: &std::path::Path, database: &std::path::Path, force: bool) -> Result<()> {
    use crate::error::{Error, Exchange};
    check_out_path(out)?;
    let with = |suffix: &str| {
        let mut name = database.as_os_str().to_owned();
        name.push(suffix);
        std::path::PathBuf::from(name)
    };
    let database_files = [database.to_path_buf(), with("-wal"), with("-shm"), with("-journal")];
    if database_files.iter().any(|f| crate::files::same_file(out, f)) {
        return Err(Error::Exchange(Exchange::OutputIsDatabase(out.to_path_buf())));
    }
    if !force && (out.exists() || out.is_symlink()) {
        return Err(Error::Exchange(Exchange::OutputExists(out.to_path_buf())));
    }
    Ok(())
}

/// A file cutover is to write can be written where it is asked for: on Windows, a path short
/// enough for SQLite and the names added beside it.
pub(super) fn check_out_path(out: &std::path::Path) -> Result<()> {
    if crate::platform::path_too_long(out) {
        return Err(crate::error::Error::path_too_long(out));
    }
    Ok(())
}

/// One line of a fixed-width table for people: each cell escaped, cut to its width and padded,
/// widths in terminal columns so that CJK, emoji and accents line up. Fixed widths let a table
/// stream row by row, never holding the whole list.
fn write_table_row(out: &mut dyn Write, widths: &[usize], cells: &[String]) -> Result<()> {
    use crate::domain::text::{escape_inline, fit};
    let mut line = String::new();
    for (width, cell) in widths.iter().zip(cells) {
        line.push_str(&fit(&escape_inline(cell), *width));
        line.push_str("  ");
    }
    writeln!(out, "{}", line.trim_end())?;
    Ok(())
}

pub fn dispatch(command: Option<Command>, ctx: &mut Context) -> Result<ExitCode> {
    // The screens keep their own rolling backups as they save.
    let screens = command.is_none();
    let result = match command {
        None => setup::welcome(ctx),
        Some(Command::Init(args)) => setup::init(args, ctx),
        Some(Command::Staff(StaffCommand::Add { id, name, role })) => setup::staff_add(&id, &name, &role, ctx),
        Some(Command::Staff(StaffCommand::List)) => setup::staff_list(ctx),
        Some(Command::Info) => setup::info(ctx),
        Some(Command::Log(args)) => logging::log(args, ctx),
        Some(Command::Amend(args)) => logging::amend(args, ctx),
        Some(Command::Void(args)) => logging::void(args, ctx),
        Some(Command::List(args)) => listing::list(args, ctx),
        Some(Command::Show(args)) => listing::show(args, ctx),
        Some(Command::Check) => check::check(ctx),
        Some(Command::Demo(args)) => demo::demo(args, ctx),
        Some(Command::Queue(args)) => queue::queue(args, ctx),
        Some(Command::Claim(args)) => queue::claim(args, ctx),
        Some(Command::Release(args)) => queue::release(args, ctx),
        Some(Command::Done(args)) => queue::done(args, ctx),
        Some(Command::Query(args)) => queue::query(args, ctx),
        Some(Command::Answer(args)) => queue::answer(args, ctx),
        Some(Command::Skip(args)) => queue::skip(args, ctx),
        Some(Command::Reopen(args)) => queue::reopen(args, ctx),
        Some(Command::Waive(args)) => queue::waive(args, ctx),
        Some(Command::Import(ImportCommand::Patients(args))) => import::patients(args, ctx),
        Some(Command::Import(ImportCommand::Entries(args))) => import::entries(args, ctx),
        Some(Command::Export(args)) => export::export(args, ctx),
        Some(Command::Merge(args)) => merge::merge(args, ctx),
        Some(Command::Sync(args)) => sync::sync(args, ctx),
        Some(Command::Report(args)) => report::report(args, ctx),
        Some(Command::Backup(args)) => backup::backup(args, ctx),
        Some(Command::Encrypt) => encryption::encrypt(ctx),
        Some(Command::Rekey(args)) => encryption::rekey(args, ctx),
        Some(Command::Patients(PatientsCommand::Duplicates { format })) => patients::duplicates(format, ctx),
        Some(Command::Patients(PatientsCommand::Join { keep, other, reason })) => {
            patients::join(&keep, &other, &reason, ctx)
        }
        Some(Command::Plan(args)) => runbook::plan(args, ctx),
        Some(Command::Checklist(args)) => runbook::checklist(args, ctx),
        Some(Command::Services(args)) => runbook::services(args, ctx),
        Some(Command::Recheck(args)) => runbook::recheck(args, ctx),
        Some(Command::Callbacks { format }) => runbook::callbacks(format, ctx),
    };
    if !ctx.only_reads && !screens && result.is_ok() {
        backup::after_write(ctx);
    }
    result
}

#[cfg(test)]
mod tests {
    use super::write_table_row;
    use crate::domain::text::width;

    #[test]
    fn table_cells_are_cut_and_padded_to_the_same_display_column() {
        let rows = [
            ["Jones, Siân", "Asked for blood results", "JS"],
            ["王, 秀英", "王秀英王秀英王秀英王秀英", "JS"],
            ["Dupont, Rene\u{301}e", "\u{1F469}\u{200D}\u{2695}\u{FE0F} nurse 🩺 call\u{200B}back", "JS"],
        ];
        let mut out = Vec::new();
        for row in rows {
            write_table_row(&mut out, &[14, 16, 2], &row.map(String::from)).unwrap();
        }
        let table = String::from_utf8(out).unwrap();
        for line in table.lines() {
            let by = line.rfind("JS").unwrap();
            assert_eq!(width(&line[..by]), 14 + 2 + 16 + 2, "{table}");
        }
        assert!(table.contains("王秀英王秀英王… "), "cut before a wide character that would not fit: {table}");
    }
}
