//! `report`: the cutover in numbers, as text, HTML or CSV, to the screen or a file.

use std::process::ExitCode;

use super::Context;
use crate::cli::{ReportArgs, ReportFormat};
use crate::error::Result;
use crate::report;
use crate::store::OpenMode;

pub fn report(args: ReportArgs, ctx: &mut Context) -> Result<ExitCode> {
    let store = ctx.open(OpenMode::Existing)?;
    if let Some(out) = &args.out {
        super::check_out(out, &ctx.location.path, args.force)?;
    }
    let built = report::build(&store, ctx.now)?;
    let mut buffer = Vec::new();
    match args.format {
        ReportFormat::Text => report::text::write(&built, &mut buffer)?,
        ReportFormat::Html => report::html::write(&built, &mut buffer)?,
        ReportFormat::Csv => report::csv::write(&built, &mut buffer)?,
    }
    match &args.out {
        Some(path) => {
            crate::files::write_private(path, &buffer)?;
            writeln!(ctx.err, "Report written to {}.", path.display())?;
        }
        None => ctx.out.write_all(&buffer)?,
    }
    Ok(ExitCode::SUCCESS)
}
