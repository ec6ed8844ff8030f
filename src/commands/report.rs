//! `report`: the cutover in numbers, as text, HTML or CSV, to the screen or a file.

use std::io::Write;
use std::process::ExitCode;

use super::Context;
use crate::cli::{ReportArgs, ReportFormat};
use crate::error::Result;
use crate::output::Out;
use crate::report;
use crate::store::OpenMode;

pub fn report(args: ReportArgs, ctx: &mut Context) -> Result<ExitCode> {
    let store = ctx.open(OpenMode::Existing)?;
    if let Some(out) = &args.out {
        super::check_out(out, &ctx.location.path, args.force)?;
    }
    let built = report::build(&store, ctx.now)?;
    let mut buffer = Vec::new();
    {
        // Text for people is escaped on its way, to the screen or to a file a person will read
        // with `type` or `cat`; CSV keeps its cells as stored.
        let mut out = Out::new(&mut buffer, false);
        match args.format {
            ReportFormat::Text => report::text::write(&built, &mut out)?,
            ReportFormat::Html => report::html::write(&built, &mut out)?,
            ReportFormat::Csv => report::csv::write(&built, out.csv()?)?,
        }
    }
    match &args.out {
        Some(path) => {
            crate::files::write_private(path, &buffer)?;
            writeln!(ctx.err, "Report written to {}.", crate::domain::text::path_inline(path))?;
        }
        None if args.format == ReportFormat::Csv => ctx.out.csv()?.write_all(&buffer)?,
        None => ctx.out.write_all(&buffer)?,
    }
    Ok(ExitCode::SUCCESS)
}
