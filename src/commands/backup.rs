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
    let store = ctx.open(OpenMode::Existing)?;
    store.copy_to(&args.out).map_err(|e| crate::backup::point_to_newest(e, store.path(), store.passphrase()))?;
    writeln!(
        ctx.err,
        "Backed up {} to {} (checked as `cutover check` checks). To restore it, see \"Backups and restoring one\" in docs/practice-manager.md.",
        path_inline(store.path()),
        path_inline(&args.out)
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
