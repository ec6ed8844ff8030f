//! `export --out FILE`: everything this database holds, in one SQLite file that `merge` reads.

use std::io::Write;
use std::process::ExitCode;

use super::Context;
use crate::cli::ExportArgs;
use crate::domain::text::{escape_inline, path_inline};
use crate::error::Result;
use crate::store::{ExportLabel, OpenMode};

pub fn export(args: ExportArgs, ctx: &mut Context) -> Result<ExitCode> {
    super::check_out_path(&args.out)?;
    let store = ctx.open(OpenMode::Existing)?;
    let actor = store.actor(ctx.as_staff.as_deref())?;
    let label = ExportLabel { exported_by: actor.staff_id.as_deref(), exported_at: ctx.now };
    store
        .export_to(&args.out, Some(&actor), &label)
        .map_err(|e| crate::backup::point_to_newest(e, store.path(), store.passphrase()))?;
    let counts = store.counts()?;
    let count = |name: &str| counts.iter().find(|(n, _)| *n == name).map_or(0, |(_, c)| *c);
    writeln!(
        ctx.err,
        "Exported {} entries ({} revisions), {} patients and {} audit events to {}. Take this file to the computer the logs are brought together on and run `cutover merge {}` there.",
        count("entries"),
        count("revisions"),
        count("patients"),
        count("audit events"),
        path_inline(&args.out),
        args.out.file_name().map(|n| escape_inline(&n.to_string_lossy()).into_owned()).unwrap_or_default()
    )?;
    Ok(ExitCode::SUCCESS)
}
