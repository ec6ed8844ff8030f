//! `backup --out FILE`, and the rolling backups every writing command keeps beside the database.

use std::io::Write;
use std::process::ExitCode;

use super::Context;
use crate::cli::{BackupArgs, Command};
use crate::domain::text::path_inline;
use crate::error::Result;
use crate::store::OpenMode;

pub fn backup(args: BackupArgs, ctx: &mut Context) -> Result<ExitCode> {
    super::check_out_path(&args.out)?;
    // A copy is of the file as it is, whatever its format.
    let store = ctx.open(OpenMode::ReadAsItIs)?;
    store.copy_to(&args.out).map_err(|e| crate::backup::point_to_newest(e, store.path(), store.passphrase()))?;
    writeln!(
        ctx.err,
        "Backed up {} to {} (checked as `cutover check` checks). To restore it, see \"Backups and restoring one\" in docs/practice-manager.md.",
        path_inline(store.path()),
        path_inline(&args.out)
    )?;
    Ok(ExitCode::SUCCESS)
}

/// Commands that only read the database. They open it only to read (`OpenMode::Read`: a backup or
/// an export checked or looked into stays byte for byte the copy that was taken), make no log
/// folder beside it, and need no backup after them. Anything else (including commands added later)
/// is treated as writing: an extra backup costs little, a missing one could cost a lot. `export`
/// writes: it records who exported what in the audit trail.
pub fn only_reads(command: &Option<Command>) -> bool {
    use crate::cli::{ChecklistArgs, PatientsCommand, PlanArgs, RecheckArgs, ServicesArgs, StaffCommand};
    matches!(
        command,
        Some(
            Command::List(_)
                | Command::Show(_)
                | Command::Check
                | Command::Info
                | Command::Queue(_)
                | Command::Report(_)
                | Command::Backup(_)
                | Command::Patients(PatientsCommand::Duplicates { .. })
                | Command::Staff(StaffCommand::List)
                | Command::Callbacks { .. }
                | Command::Plan(PlanArgs { action: None })
                | Command::Checklist(ChecklistArgs { action: None, .. })
                | Command::Services(ServicesArgs { action: None })
                | Command::Recheck(RecheckArgs { action: None })
        )
    )
}

/// After a command that wrote has finished: the rolling backups' turn (see `crate::backup`).
/// A failure is said, not returned: the command's own work has already been saved, and the
/// message says so.
pub fn after_write(ctx: &mut Context) {
    if !ctx.location.path.exists() {
        return;
    }
    match crate::backup::keep_rolling(&ctx.location.path, ctx.location.passphrase.as_ref(), ctx.now) {
        Ok(_) => {}
        Err(e) => {
            tracing::warn!("{}", e.for_the_log());
            let _ = writeln!(ctx.err, "{e}");
        }
    }
}
