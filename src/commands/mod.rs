//! One module a group of commands: each takes its arguments and a `Context`, and writes its output.

mod check;
mod demo;
mod listing;
mod logging;
mod patient_args;
mod setup;

use std::io::Write;
use std::process::ExitCode;

use chrono::{DateTime, Utc};

use crate::cli::{Command, StaffCommand};
use crate::config::DatabaseLocation;
use crate::error::{Result, Warning};
use crate::store::{OpenMode, Store};

/// What every command gets: where the database is, who is acting, the time, and where to write.
pub struct Context<'a> {
    pub location: DatabaseLocation,
    pub as_staff: Option<String>,
    pub now: DateTime<Utc>,
    pub out: &'a mut dyn Write,
    pub err: &'a mut dyn Write,
}

impl Context<'_> {
    pub fn open(&self, mode: OpenMode) -> Result<Store> {
        Store::open(&self.location, mode)
    }

    /// Warnings go to stderr, so that stdout stays data a script can read.
    pub fn warn(&mut self, warnings: &[Warning]) -> Result<()> {
        for w in warnings {
            writeln!(self.err, "Note: {w}")?;
        }
        Ok(())
    }
}

pub fn dispatch(command: Option<Command>, ctx: &mut Context) -> Result<ExitCode> {
    match command {
        None => setup::welcome(ctx),
        Some(Command::Init(args)) => setup::init(args, ctx),
        Some(Command::Staff(StaffCommand::Add { id, name, role })) => setup::staff_add(&id, &name, &role, ctx),
        Some(Command::Staff(StaffCommand::List)) => setup::staff_list(ctx),
        Some(Command::Info) => setup::info(ctx),
        Some(Command::Log(args)) => logging::log(args, ctx),
        Some(Command::Amend(args)) => logging::amend(args, ctx),
        Some(Command::Void(args)) => logging::void(args, ctx),
        Some(Command::List(args)) => listing::list(args, ctx),
        Some(Command::Show(args)) => listing::show(args, ctx),
        Some(Command::Check) => check::check(ctx),
        Some(Command::Demo(args)) => demo::demo(args, ctx),
    }
}
