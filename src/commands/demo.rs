//! `cutover demo`: fill an empty database with fictitious data, for trying the product and benchmarks.

use std::io::Write;
use std::process::ExitCode;

use super::Context;
use crate::cli::DemoArgs;
use crate::error::{Error, Result, Usage};
use crate::store::OpenMode;

pub fn demo(args: DemoArgs, ctx: &mut Context) -> Result<ExitCode> {
    let store = ctx.open(OpenMode::Create)?;
    let existing = store.counts()?.iter().find(|(n, _)| *n == "entries").map_or(0, |(_, n)| *n);
    if existing > 0 {
        return Err(Error::Usage(Usage::DemoNeedsEmptyDatabase { entries: existing }));
    }
    let made = crate::demo::generate(&store, args.entries, args.seed)?;
    writeln!(
        ctx.err,
        "Made {} entries for {} fictitious patients (seed {}). Every NHS number is in the 999 test range.",
        made.entries, made.patients, args.seed
    )?;
    Ok(ExitCode::SUCCESS)
}
