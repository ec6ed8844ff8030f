//! `sync [--folder PATH]`: one round of sharing through the practice's shared folder. One line per
//! PC on stdout; what was skipped, and what needs checking, on stderr; then what the round brought
//! that needs a person's eye, as `merge` lists it.

use std::collections::BTreeSet;
use std::io::Write;
use std::process::ExitCode;

use super::Context;
use crate::cli::SyncArgs;
use crate::domain::text::escape_inline;
use crate::domain::time;
use crate::error::{Error, Result, Sharing};
use crate::store::OpenMode;

pub fn sync(args: SyncArgs, ctx: &mut Context) -> Result<ExitCode> {
    let store = ctx.open(OpenMode::Existing)?;
    let actor = store.actor(ctx.as_staff.as_deref())?;
    let Some(folder) = args.folder.map(Ok).or_else(|| crate::sync::folder_setting(&store).transpose()).transpose()?
    else {
        return Err(Error::Sharing(Sharing::NoFolder));
    };
    let round = crate::sync::round(&store, &folder, &actor, ctx.now)?;
    let this = &round.this;
    writeln!(
        ctx.out,
        "{}  {} (this PC): {}",
        escape_inline(&this.prefix),
        escape_inline(&this.name),
        if round.published { "its new entries and changes shared" } else { "nothing new to share" }
    )?;
    for pc in &round.others {
        let heard = pc.heard_at.map_or_else(|| "not yet".to_string(), time::format_uk);
        let left = if pc.skipped.is_some() { " (some left for the next round)" } else { "" };
        let taken = match pc.entries_taken {
            1 => "1 new entry".to_string(),
            n => format!("{n} new entries"),
        };
        let (prefix, name) = (escape_inline(&pc.prefix), escape_inline(&pc.name));
        writeln!(ctx.out, "{prefix}  {name}: {taken} taken{left}; last heard from {heard}")?;
    }
    for pc in &round.others {
        if let Some(why) = &pc.skipped {
            let (prefix, name, why) = (escape_inline(&pc.prefix), escape_inline(&pc.name), escape_inline(why));
            writeln!(ctx.err, "Skipped for now from {name} ({prefix}): {why}.")?;
        }
    }
    // Every piece carries every member of staff: say each clash once.
    let clashes: BTreeSet<_> = round.merged.iter().flat_map(|m| m.outcome.staff_clashes.iter().cloned()).collect();
    for (id, here, there) in &clashes {
        super::staff_clash_warning(&mut ctx.err, id, here, there, "another PC's log")?;
    }
    super::workstation_warnings(&store, &mut ctx.err)?;
    if round.merged.iter().any(|m| m.outcome.brought_news()) {
        super::merge::report(&store, &round.merged, Some(&round.before), ctx)?;
    }
    Ok(ExitCode::SUCCESS)
}
