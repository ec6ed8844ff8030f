//! `cutover check`: is the database whole, and does it keep the product's rules?

use std::io::Write;
use std::process::ExitCode;

use super::Context;
use crate::error::{Result, check_findings};
use crate::store::OpenMode;

pub fn check(ctx: &mut Context) -> Result<ExitCode> {
    // Checked as it is, whatever its format: a backup made before cutover was updated too.
    let store = ctx.open(OpenMode::ReadAsItIs)?;
    let findings = store.check()?;
    if !findings.is_empty() {
        // The findings are what check was asked for: its output, so that `check > report.txt`
        // keeps them. Exit code 1 still says there is something to read; stderr stays for a check
        // that could not run at all.
        writeln!(ctx.out, "{}", check_findings(&findings))?;
        tracing::warn!("check found problems: {}", findings.len());
        return Ok(ExitCode::from(1));
    }
    let counts = store.counts()?;
    let summary: Vec<String> = counts.iter().map(|(name, n)| format!("{name}: {n}")).collect();
    writeln!(ctx.out, "The database is healthy ({}).", summary.join(", "))?;
    Ok(ExitCode::SUCCESS)
}
