//! `cutover`: an offline logger for the hours a GP practice has no clinical system, and the
//! prioritised re-entry of what was logged once the new system is live.

pub mod backup;
pub mod clashes;
pub mod cli;
pub mod commands;
pub mod config;
pub mod demo;
pub mod diagnostics;
pub mod domain;
pub mod encryption;
pub mod entries;
pub mod error;
pub mod files;
pub mod fnv;
pub mod import;
pub mod merge;
pub mod notices;
pub mod output;
pub mod platform;
pub mod queue;
pub mod report;
pub mod runbook;
pub mod store;
pub mod sync;
pub mod tui;

use std::io::Write;
use std::process::ExitCode;

pub use error::{Error, Result};

/// Runs one command line. Data goes to `out`; messages and warnings to `err`, both made safe for a
/// terminal on the way (see `output`); what happened, in words free of patient data, to the
/// diagnostic log.
pub fn run<'a>(cli: cli::Cli, out: output::Out<'a>, mut err: output::Text<'a>) -> Result<ExitCode> {
    for note in config::check_environment()? {
        writeln!(err, "Note: {note}")?;
    }
    let mut location = config::database_location(cli.db);
    location.passphrase = cli.passphrase_file.as_deref().map(store::Passphrase::from_file).transpose()?;
    // Only for a database that already exists: a mistyped --db leaves no log folder behind; nor
    // does a command that only reads (a backup looked into stays as it was, with nothing beside it).
    let only_reads = commands::only_reads(&cli.command);
    diagnostics::start(&location.path, !only_reads);
    let command = cli::command_name(cli.command.as_ref());
    tracing::info!(version = env!("CARGO_PKG_VERSION"), command, database = %location.path.display(), "started");
    let started = std::time::Instant::now();
    let mut ctx = commands::Context { location, as_staff: cli.as_staff, now: config::now(), out, err, only_reads };
    let result = commands::dispatch(cli.command, &mut ctx);
    let ms = started.elapsed().as_millis();
    match &result {
        Ok(_) => tracing::info!(command, ms, "finished"),
        Err(e) => tracing::warn!(command, ms, "failed: {}", e.for_the_log()),
    }
    result
}
