//! The report as CSV for spreadsheets: one number a row, as `section,item,value`.

use std::io::Write;

use super::Report;
use crate::domain::text::spreadsheet_safe;
use crate::domain::time;

pub fn write(r: &Report, out: &mut dyn Write) -> std::io::Result<()> {
    let mut csv = csv::Writer::from_writer(out);
    let mut row = |section: &str, item: &str, value: String| {
        csv.write_record([section, item, value.as_str()].map(|c| spreadsheet_safe(c).into_owned()))
    };
    let io = |e: csv::Error| std::io::Error::other(e.to_string());
    row("section", "item", "value".into()).map_err(io)?;
    row("cutover", "practice", r.practice.clone()).map_err(io)?;
    row("cutover", "fdp", r.fdp.map(time::format_iso_local).unwrap_or_default()).map_err(io)?;
    row("cutover", "go_live", r.go_live.map(time::format_iso_local).unwrap_or_default()).map_err(io)?;
    row("cutover", "hours_fdp_to_go_live", r.cutover_hours.map(|h| format!("{h:.1}")).unwrap_or_default())
        .map_err(io)?;
    row("cutover", "target_hours", r.sla_hours.to_string()).map_err(io)?;
    let within = r.within_target().map(|ok| if ok { "yes" } else { "no" }).unwrap_or_default();
    row("cutover", "within_target", within.to_string()).map_err(io)?;
    row("cutover", "read_only_days_left", r.read_only_days_left.map(|d| d.to_string()).unwrap_or_default())
        .map_err(io)?;
    row("entries", "total", r.entries.to_string()).map_err(io)?;
    row("entries", "voided", r.voided.to_string()).map_err(io)?;
    row("entries", "without_nhs_number", r.without_nhs_number.to_string()).map_err(io)?;
    row("entries", "imported_from_paper", r.imported.to_string()).map_err(io)?;
    row("entries", "conflicting_amendments", r.conflicts.len().to_string()).map_err(io)?;
    row("patients", "possible_duplicates", r.possible_duplicates.len().to_string()).map_err(io)?;
    row("workstations", "total", r.workstations.to_string()).map_err(io)?;
    for (kind, n) in &r.by_kind {
        row("by_kind", kind, n.to_string()).map_err(io)?;
    }
    for (id, _, n) in &r.by_staff {
        row("by_staff", id, n.to_string()).map_err(io)?;
    }
    for pc in &r.pcs {
        row("by_pc", &pc.prefix, pc.entries.to_string()).map_err(io)?;
    }
    for (hour, n) in &r.by_hour {
        row("by_hour", &time::format_iso_local(*hour), n.to_string()).map_err(io)?;
    }
    if let Some(statuses) = &r.reentry_by_status {
        for (status, n) in statuses {
            row("reentry", status, n.to_string()).map_err(io)?;
        }
    }
    if let Some(tiers) = &r.reentry_by_tier {
        for (i, t) in tiers.iter().enumerate() {
            let section = format!("reentry_tier_{}", i + 1);
            row(&section, "total", t.total.to_string()).map_err(io)?;
            row(&section, "finished", t.finished.to_string()).map_err(io)?;
            row(&section, "open", t.still_open().to_string()).map_err(io)?;
            row(&section, "overdue", t.overdue.to_string()).map_err(io)?;
        }
    }
    for (t, n) in r.burn_down.iter().flatten() {
        row("burn_down", &time::format_iso_local(*t), n.to_string()).map_err(io)?;
    }
    let rb = &r.runbook;
    row("plan", "planned", (rb.plan.len() - rb.unplanned().count()).to_string()).map_err(io)?;
    for line in &rb.plan {
        row("plan_lead", &line.category.id, line.current.as_ref().map(|v| v.lead.clone()).unwrap_or_default())
            .map_err(io)?;
    }
    for p in rb.progress() {
        let item = format!("{}:{}", p.role.id, p.phase.id);
        row("checklist_ticked", &item, p.ticked.to_string()).map_err(io)?;
        row("checklist_items", &item, p.items.to_string()).map_err(io)?;
    }
    for s in &rb.services {
        row("service", &s.name, s.state.name().to_string()).map_err(io)?;
    }
    row("services", "not_back_on_after_go_live", r.services_awaiting().len().to_string()).map_err(io)?;
    let rc = &rb.recheck;
    let patients = rc.lines.iter().filter(|l| l.why != "report").count();
    row("recheck", "patients", patients.to_string()).map_err(io)?;
    row("recheck", "reports", (rc.lines.len() - patients).to_string()).map_err(io)?;
    let matching = rc.lines.iter().filter(|l| l.state == crate::runbook::recheck::RecheckState::Matches).count();
    row("recheck", "matches", matching.to_string()).map_err(io)?;
    row("recheck", "open_issues", rc.hold.open_issues.to_string()).map_err(io)?;
    row("recheck", "not_checked", rc.hold.unchecked.to_string()).map_err(io)?;
    for sample in &rc.samples {
        row("recheck_sample", &sample.seed.to_string(), sample.size.to_string()).map_err(io)?;
    }
    let signed = rc.signed_off();
    row("signoff", "at", signed.map(|s| time::format_iso_local(s.at)).unwrap_or_default()).map_err(io)?;
    row("signoff", "by", signed.map(|s| s.staff_id.clone()).unwrap_or_default()).map_err(io)?;
    row("signoff", "reason", signed.and_then(|s| s.reason.clone()).unwrap_or_default()).map_err(io)?;
    let cb = r.callbacks;
    row("callbacks", "asked", cb.asked.to_string()).map_err(io)?;
    row("callbacks", "registered", (cb.asked - cb.waiting).to_string()).map_err(io)?;
    row("callbacks", "not_registered", cb.waiting.to_string()).map_err(io)?;
    row("callbacks", "unsaid", cb.unsaid.to_string()).map_err(io)?;
    csv.flush()
}
