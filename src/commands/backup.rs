//! `backup --out FILE`, and the rolling backups every writing command keeps beside the database.

use std::process::ExitCode;

use super::Context;
use crate::cli::{BackupArgs, Command};
use crate::error::Result;
use crate::store::OpenMode;

pub fn backup(args: BackupArgs, ctx: &mut Context) -> Result<ExitCode> {
    super::check_out_path(&args.out)?;
    let store = ctx.open(OpenMode::Existing)?;
    store.copy_to(&args.out)?;
    writeln!(
        ctx.err,
        "Backed up {} to {}. To restore it, see \"Restoring a backup\" in docs/practice-manager.md.",
        store.path().display(),
        args.out.display()
    )?;
    Ok(ExitCode::SUCCESS)
}

/// Commands that only read, and so need no backup after them. Anything else (including commands
/// added later) is treated as writing: an extra backup costs little, a missing one could cost a lot.
pub fn only_reads(command: &Option<Command>) -> bool {
    matches!(
        command,
        None | Some(
            Command::List(_)
                | Command::Show(_)
                | Command::Check
                | Command::Info
                | Command::Report(_)
                | Command::Export(_)
                | Command::Backup(_)
                | Command::Patients(crate::cli::PatientsCommand::Duplicates { .. })
        )
    )
}

/// After a command that wrote has finished: this hour's rolling backup, if there is none yet.
/// A failure is said, not returned: the command's own work has already been saved.
pub fn after_write(ctx: &mut Context) {
    if !ctx.location.path.exists() {
        return;
    }
    if let Err(e) = crate::backup::keep_rolling(&ctx.location.path, ctx.now) {
        let _ = writeln!(ctx.err, "Note: the hourly backup could not be made: {e}");
    }
}
