//! `merge FILE...`: other workstations' exports brought into this database, with what needs a
//! person's eye (conflicting amendments, possible duplicate patients) listed on stdout.

use std::io::Write;
use std::process::ExitCode;

use super::Context;
use crate::cli::MergeArgs;
use crate::domain::fields::Kind;
use crate::domain::text::{escape_inline, quoted};
use crate::domain::time;
use crate::error::Result;
use crate::queue::workflow::{action_words, status_words};
use crate::store::OpenMode;

pub fn merge(args: MergeArgs, ctx: &mut Context) -> Result<ExitCode> {
    let store = ctx.open(OpenMode::Existing)?;
    let actor = store.actor(ctx.as_staff.as_deref())?;
    let merged = crate::merge::merge_files(&store, &args.files, &actor, ctx.now)?;
    for m in &merged {
        let o = &m.outcome;
        let file_name = escape_inline(&m.source.file_name);
        if o.added_anything() {
            writeln!(
                ctx.err,
                "Merged {file_name}: {} new entries, {} new revisions, {} new patients, {} re-entry changes, {} audit events, {} staff, {} workstations.",
                o.entries, o.revisions, o.patients, o.reentry_events, o.audit, o.staff, o.workstations
            )?;
            if o.runbook > 0 {
                writeln!(ctx.err, "  and {} runbook changes (plan, checklists, services, re-check).", o.runbook)?;
            }
        } else {
            writeln!(ctx.err, "Merged {file_name}: nothing new (it had been merged already).")?;
        }
        for (id, here, there) in &o.staff_clashes {
            super::staff_clash_warning(&mut ctx.err, id, here, there, &m.source.file_name)?;
        }
        for (key, here, there) in &o.setting_differences {
            writeln!(
                ctx.err,
                "Note: setting {} is {} here and {} in {file_name}; this database's value is kept (change it with `cutover init`).",
                escape_inline(key),
                quoted(here),
                quoted(there)
            )?;
        }
        for (table, rows) in &o.not_merged {
            writeln!(
                ctx.err,
                "Note: {file_name} holds {rows} rows of {}, which merge does not bring across.",
                escape_inline(table)
            )?;
        }
    }
    super::workstation_warnings(&store, &mut ctx.err)?;
    report(&store, &merged, None, ctx)?;
    Ok(ExitCode::SUCCESS)
}

/// What needs a person's eye after files were merged, on stdout: what these files brought (voids
/// standing, queue items changed on two PCs), and conflicting amendments and possible duplicates:
/// in the whole log (`merge`), or among what was added after `since` (a sharing round, whose cost
/// must follow what it brought, not the size of the log; duplicate patients are left to `merge`
/// and `patients duplicates`).
pub(super) fn report(
    store: &crate::store::Store,
    merged: &[crate::merge::Merged],
    since: Option<&crate::store::Marks>,
    ctx: &mut Context,
) -> Result<()> {
    let mark = |table: &str| since.map(|m| m.get(table).copied().unwrap_or(0));
    let lost: Vec<_> = merged.iter().flat_map(|m| &m.outcome.lost_claims).collect();
    if !lost.is_empty() {
        writeln!(
            ctx.out,
            "Queue items claimed on two workstations at once (neither knew of the other; one claim stands, the same on every PC: the other person should leave the item to its holder):"
        )?;
        for c in lost {
            let line = format!(
                "  {}  claimed by {} on workstation {} and by {} on workstation {}: it is {}'s",
                c.reference,
                c.later.staff_id,
                c.later.workstation,
                c.earlier.staff_id,
                c.earlier.workstation,
                c.earlier.staff_id
            );
            writeln!(ctx.out, "{}", escape_inline(&line))?;
        }
    }
    let twice: Vec<_> = merged.iter().flat_map(|m| &m.outcome.done_twice).collect();
    if !twice.is_empty() {
        writeln!(
            ctx.out,
            "Queue items possibly keyed into the new system twice (marked done on two workstations; check the new system and remove the copy there):"
        )?;
        let new_ref = |r: &Option<String>| {
            r.as_deref().map_or_else(|| "no reference given".to_string(), |r| format!("new system reference {r}"))
        };
        for c in twice {
            let line = format!(
                "  {}  done by {} on workstation {} ({}) and by {} on workstation {} ({})",
                c.reference,
                c.earlier.staff_id,
                c.earlier.workstation,
                new_ref(&c.earlier.new_system_ref),
                c.later.staff_id,
                c.later.workstation,
                new_ref(&c.later.new_system_ref),
            );
            writeln!(ctx.out, "{}", escape_inline(&line))?;
        }
    }
    let clashes: Vec<_> = merged.iter().flat_map(|m| &m.outcome.reentry_clashes).collect();
    if !clashes.is_empty() {
        writeln!(
            ctx.out,
            "Queue items finished on one workstation and changed on another (both changes are kept; the later one counts; check what was keyed into the new system):"
        )?;
        for c in clashes {
            let line = format!(
                "  {}  {} by {} on workstation {} at {}, then {} by {} on workstation {} at {}; it is now {}",
                c.reference,
                action_words(c.earlier.action),
                c.earlier.staff_id,
                c.earlier.workstation,
                time::format_uk(c.earlier.at),
                action_words(c.later.action),
                c.later.staff_id,
                c.later.workstation,
                time::format_uk(c.later.at),
                status_words(c.now),
            );
            writeln!(ctx.out, "{}", escape_inline(&line))?;
        }
    }
    let voids: Vec<_> = merged.iter().flat_map(|m| &m.outcome.voids_standing).collect();
    if !voids.is_empty() {
        writeln!(
            ctx.out,
            "Entries voided on one workstation and amended on another that did not know (the void stands; the amendment is kept in the history; check each with `cutover show REF` and log it again if it is still needed):"
        )?;
        for v in voids {
            let line = format!(
                "  {}  voided on workstation {}, amended on workstation {}",
                v.reference, v.voided_on, v.amended_on
            );
            writeln!(ctx.out, "{}", escape_inline(&line))?;
        }
    }
    let conflicts = match mark("revision") {
        Some(since) => store.conflicts_since(since)?,
        None => store.conflicts()?,
    };
    if !conflicts.is_empty() {
        writeln!(
            ctx.out,
            "Entries amended on two workstations from the same version (both versions are kept; the later one shows; check each with `cutover show REF`):"
        )?;
        for c in &conflicts {
            let line = format!("  {}  {} versions made from one earlier version", c.reference, c.revisions);
            writeln!(ctx.out, "{}", escape_inline(&line))?;
        }
    }
    let twice = match mark("entry") {
        Some(since) => store.possible_duplicate_entries_since(since)?,
        None => store.possible_duplicate_entries()?,
    };
    if !twice.is_empty() {
        writeln!(
            ctx.out,
            "Possible duplicate entries (the same kind, patient, time and summary on two workstations; both are kept: check each pair and void the copy with `cutover void REF --reason \"logged twice\"`):"
        )?;
        for d in &twice {
            let kind = Kind::parse(&d.kind).map_or_else(|_| d.kind.clone(), |k| k.label().to_string());
            let at = time::from_storage(&d.occurred_at).map_or_else(|| d.occurred_at.clone(), time::format_uk);
            writeln!(ctx.out, "{}", escape_inline(&format!("  {} and {}  {kind}, {at}", d.first, d.second)))?;
        }
    }
    let duplicates = if since.is_some() { Vec::new() } else { store.possible_duplicates()? };
    if !duplicates.is_empty() {
        writeln!(
            ctx.out,
            "Possible duplicate patients (same name and date of birth; records are never joined automatically):"
        )?;
        for group in &duplicates {
            let described: Vec<String> = group.iter().map(|p| p.describe()).collect();
            writeln!(ctx.out, "  {}", escape_inline(&described.join("  |  ")))?;
        }
    }
    Ok(())
}
