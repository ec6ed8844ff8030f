//! The report as plain text, for the terminal or a quick email.

use std::io::Write;

use super::{Report, burn_down_not_yet, hour_label, hours_text, point_label, when};
use crate::domain::text::{escape_inline, pad};
use crate::domain::time;
use crate::runbook::services::ServiceState;

pub fn write(r: &Report, out: &mut dyn Write) -> std::io::Result<()> {
    writeln!(out, "Cutover report: {}", r.practice)?;
    writeln!(out, "Made {}", time::format_uk(r.generated_at))?;
    writeln!(out)?;
    writeln!(out, "FDP:                          {}", when(r.fdp))?;
    writeln!(out, "Go-live:                      {}", when(r.go_live))?;
    match (r.cutover_hours, r.within_target()) {
        (Some(h), Some(ok)) => writeln!(
            out,
            "FDP to go-live:               {}{} (target: under {} hours) {}",
            hours_text(h),
            if r.live { "" } else { " so far" },
            r.sla_hours,
            if ok { "within target" } else { "OVER TARGET" }
        )?,
        _ if r.fdp.is_some() => writeln!(out, "FDP to go-live:               not started: FDP is still to come")?,
        _ => writeln!(out, "FDP to go-live:               unknown (set FDP with `cutover init --fdp`)")?,
    }
    match (r.read_only_ends, r.read_only_days_left) {
        (Some(end), Some(left)) => {
            writeln!(out, "Read-only old system:         {left} days left (until {})", time::format_uk_date(end))?
        }
        _ => writeln!(out, "Read-only old system:         unknown until go-live is set")?,
    }
    writeln!(out)?;
    writeln!(out, "Entries:                      {} ({} voided, not counted below)", r.entries, r.voided)?;
    writeln!(out, "Entries without NHS number:   {}", r.without_nhs_number)?;
    writeln!(out, "Typed in from paper:          {}", r.imported)?;
    writeln!(out, "Workstations:                 {} ({} merged in)", r.workstations, r.merged_files)?;
    writeln!(out, "Conflicting amendments:       {}", r.conflicts.len())?;
    writeln!(out, "Possible duplicate patients:  {}", r.possible_duplicates.len())?;
    writeln!(out)?;
    writeln!(out, "By kind")?;
    for (kind, n) in &r.by_kind {
        writeln!(out, "  {}{n:>7}", pad(kind, 28))?;
    }
    writeln!(out)?;
    writeln!(out, "By staff member")?;
    for (id, name, n) in &r.by_staff {
        writeln!(out, "  {}{n:>7}", pad(&escape_inline(&format!("{name} ({id})")), 28))?;
    }
    writeln!(out)?;
    writeln!(out, "By PC")?;
    for pc in &r.pcs {
        let heard = match (pc.this_pc, pc.heard_at) {
            (true, _) => "  this PC".to_string(),
            (false, Some(at)) => format!("  last heard from {}", time::format_uk(at)),
            (false, None) => String::new(),
        };
        writeln!(
            out,
            "  {}{:>7}{heard}",
            pad(&escape_inline(&format!("{} ({})", pc.name, pc.prefix)), 28),
            pc.entries
        )?;
    }
    writeln!(out)?;
    writeln!(out, "By hour (UK time)")?;
    for (hour, n) in &r.by_hour {
        writeln!(out, "  {}{n:>7}", pad(&hour_label(*hour), 28))?;
    }
    writeln!(out)?;
    match &r.reentry_by_status {
        Some(statuses) => {
            writeln!(out, "Re-entry by status")?;
            for (status, n) in statuses {
                writeln!(out, "  {}{n:>7}", pad(status, 28))?;
            }
        }
        None => writeln!(out, "Re-entry: not started ({} entries to re-enter)", r.entries)?,
    }
    if let Some(tiers) = &r.reentry_by_tier {
        writeln!(out)?;
        writeln!(out, "Re-entry by tier            total   finished   still open   overdue")?;
        for (i, t) in tiers.iter().enumerate() {
            writeln!(
                out,
                "  Tier {}                  {:>7}    {:>7}      {:>7}   {:>7}",
                i + 1,
                t.total,
                t.finished,
                t.still_open(),
                t.overdue
            )?;
        }
    }
    writeln!(out)?;
    match &r.burn_down {
        Some(points) => {
            writeln!(out, "Re-entry burn-down: items still open (UK time)")?;
            for (t, n) in points {
                writeln!(out, "  {}{n:>7}", pad(&point_label(*t), 28))?;
            }
        }
        None => writeln!(out, "Re-entry burn-down: {}", burn_down_not_yet(r))?,
    }
    runbook(r, out)?;
    if !r.conflicts.is_empty() {
        writeln!(out)?;
        writeln!(
            out,
            "Entries with conflicting amendments (check with `cutover show REF`): {}",
            r.conflicts.join(", ")
        )?;
    }
    if !r.possible_duplicates.is_empty() {
        writeln!(out)?;
        writeln!(out, "Possible duplicate patients (never joined automatically)")?;
        for group in &r.possible_duplicates {
            let described: Vec<String> = group.iter().map(|p| p.describe()).collect();
            writeln!(out, "  {}", escape_inline(&described.join("  |  ")))?;
        }
    }
    Ok(())
}

/// The runbook: the plan, checklist progress, services, the re-check and the sign-off.
fn runbook(r: &Report, out: &mut dyn Write) -> std::io::Result<()> {
    let rb = &r.runbook;
    let unplanned = rb.unplanned().count();
    writeln!(out)?;
    writeln!(out, "Cutover plan: {} of {} kinds of work planned", rb.plan.len() - unplanned, rb.plan.len())?;
    for line in &rb.plan {
        match &line.current {
            Some(v) => writeln!(out, "  {}: {} (lead {})", line.category.name, escape_inline(&v.how), v.lead)?,
            None => writeln!(out, "  {}: NO PLAN", line.category.name)?,
        }
    }
    writeln!(out)?;
    writeln!(out, "Checklists: items ticked")?;
    let mut role = "";
    for p in rb.progress() {
        if p.role.id != role {
            role = &p.role.id;
            writeln!(out, "  {}", p.role.name)?;
        }
        writeln!(out, "    {}{:>3} of {}", pad(&p.phase.name, 56), p.ticked, p.items)?;
    }
    writeln!(out)?;
    let on = rb.services.iter().filter(|s| s.state == ServiceState::ConfirmedOn).count();
    writeln!(out, "Third-party services: {on} of {} confirmed back on", rb.services.len())?;
    let awaiting = r.services_awaiting();
    if !awaiting.is_empty() {
        let names: Vec<&str> = awaiting.iter().map(|s| s.name.as_str()).collect();
        writeln!(
            out,
            "  NOT CONFIRMED BACK ON SINCE GO-LIVE ({}): {}",
            awaiting.len(),
            escape_inline(&names.join(", "))
        )?;
    }
    for s in &rb.services {
        let by =
            s.changed.as_ref().map(|e| format!(" ({}, {})", e.staff_id, time::format_uk(e.at))).unwrap_or_default();
        writeln!(out, "  {}{}{by}", pad(&escape_inline(&s.name), 46), s.state.words())?;
    }
    writeln!(out)?;
    let rc = &rb.recheck;
    writeln!(out, "Go-live re-check: {}", rc.summary())?;
    for sample in &rc.samples {
        writeln!(
            out,
            "  Random sample: {} of {} patients, seed {} (drawn by {} on {})",
            sample.size,
            sample.population,
            sample.seed,
            sample.staff_id,
            time::format_uk(sample.drawn_at)
        )?;
    }
    for line in rc.lines.iter().filter(|l| l.had_issue()) {
        writeln!(
            out,
            "  Issue: {}: {} ({})",
            line.label,
            escape_inline(line.issue().unwrap_or_default()),
            line.state.words()
        )?;
    }
    match rc.signed_off() {
        Some(s) => {
            write!(out, "Go Live Data: signed off by {} on {}", s.staff_id, time::format_uk(s.at))?;
            match &s.reason {
                Some(reason) => writeln!(
                    out,
                    " with {} open and {} not checked: {}",
                    plural(s.open_issues, "issue"),
                    s.unchecked,
                    escape_inline(reason)
                )?,
                None => writeln!(out)?,
            }
        }
        None => writeln!(out, "Go Live Data: NOT SIGNED OFF")?,
    }
    let cb = r.callbacks;
    writeln!(out)?;
    write!(
        out,
        "Call-backs: {} asked to come back after go-live; {} registered in the new system or not required, ",
        plural(cb.asked, "new patient"),
        cb.asked - cb.waiting
    )?;
    match cb.waiting {
        0 => writeln!(out, "none still to register")?,
        n => writeln!(out, "{n} NOT REGISTERED YET")?,
    }
    if cb.unsaid > 0 {
        writeln!(
            out,
            "  {} not say whether the patient was asked to come back",
            if cb.unsaid == 1 {
                "1 other new registration does".to_string()
            } else {
                format!("{} other new registrations do", cb.unsaid)
            }
        )?;
    }
    Ok(())
}

/// "1 patient", "2 patients".
fn plural(n: usize, one: &str) -> String {
    format!("{n} {one}{}", if n == 1 { "" } else { "s" })
}
