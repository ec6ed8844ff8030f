//! `cutover check`: is the database whole, and does it keep the product's rules?

use std::io::Write;
use std::process::ExitCode;

use super::Context;
use crate::error::{Error, Result};
use crate::store::OpenMode;

pub fn check(ctx: &mut Context) -> Result<ExitCode> {
    let store = ctx.open(OpenMode::Existing)?;
    let findings = store.check()?;
    if !findings.is_empty() {
        return Err(Error::CheckFailed(findings));
    }
    let counts = store.counts()?;
    let summary: Vec<String> = counts.iter().map(|(name, n)| format!("{name}: {n}")).collect();
    writeln!(ctx.out, "The database is healthy ({}).", summary.join(", "))?;
    Ok(ExitCode::SUCCESS)
}
