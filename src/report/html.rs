//! The report as one self-contained HTML page: no scripts, no network, inline SVG charts, laid out
//! to print on A4. Every piece of stored text passes through `escape` on its way in.

use std::fmt::Write as _;
use std::io::Write;

use super::{Report, burn_down_not_yet, hour_label, hours_text, point_label, when};
use crate::domain::time;

/// Text made safe to place in HTML, in element content or a quoted attribute: markup characters
/// as entities, and what `domain::text`'s rule refuses (control, bidi and zero-width characters)
/// shown escaped, as on a terminal, so that a printed page neither hides nor reorders text.
pub fn escape(s: &str) -> String {
    let mut out = String::with_capacity(s.len());
    for c in crate::domain::text::escape_multiline(s).chars() {
        match c {
            '&' => out.push_str("&amp;"),
            '<' => out.push_str("&lt;"),
            '>' => out.push_str("&gt;"),
            '"' => out.push_str("&quot;"),
            '\'' => out.push_str("&#39;"),
            c => out.push(c),
        }
    }
    out
}

const STYLE: &str = "
@page { size: A4; margin: 15mm; }
body { font-family: Arial, Helvetica, sans-serif; font-size: 11pt; color: #212b32; max-width: 180mm; margin: 0 auto; }
h1 { font-size: 18pt; margin-bottom: 0; } h2 { font-size: 13pt; border-bottom: 2px solid #005eb8; margin-top: 18pt; }
.made { color: #4c6272; margin-top: 2pt; }
table { border-collapse: collapse; width: 100%; page-break-inside: avoid; }
th, td { text-align: left; padding: 3pt 6pt; border-bottom: 1px solid #d8dde0; } td.n { text-align: right; }
.over { color: #d5281b; font-weight: bold; } .ok { color: #007f3b; font-weight: bold; }
svg { width: 100%; height: auto; page-break-inside: avoid; }
.sign { margin-top: 24pt; } .sign td { height: 28pt; vertical-align: bottom; }
";

pub fn write(r: &Report, out: &mut dyn Write) -> std::io::Result<()> {
    let mut h = String::new();
    // Writing to a String cannot fail.
    let _ = page(r, &mut h);
    out.write_all(h.as_bytes())
}

fn row(h: &mut String, label: &str, value: &str) -> std::fmt::Result {
    writeln!(h, "<tr><th>{}</th><td>{}</td></tr>", escape(label), value)
}

fn page(r: &Report, h: &mut String) -> std::fmt::Result {
    writeln!(h, "<!DOCTYPE html>\n<html lang=\"en-GB\"><head><meta charset=\"utf-8\">")?;
    writeln!(h, "<title>Cutover report: {}</title><style>{STYLE}</style></head><body>", escape(&r.practice))?;
    writeln!(h, "<h1>Cutover report: {}</h1>", escape(&r.practice))?;
    writeln!(h, "<p class=\"made\">Made {}</p>", escape(&time::format_uk(r.generated_at)))?;

    writeln!(h, "<h2>The cutover</h2><table>")?;
    row(h, "Final data production (FDP)", &escape(&when(r.fdp)))?;
    row(h, "Go-live", &escape(&when(r.go_live)))?;
    let target = match (r.cutover_hours, r.within_target()) {
        (Some(hours), Some(ok)) => format!(
            "{}{} against a target of {} hours: <span class=\"{}\">{}</span>",
            hours_text(hours),
            if r.live { "" } else { " so far" },
            r.sla_hours,
            if ok { "ok" } else { "over" },
            if ok { "within target" } else { "over target" }
        ),
        _ if r.fdp.is_some() => "not started: FDP is still to come".to_string(),
        _ => "unknown: FDP is not set".to_string(),
    };
    row(h, "FDP to go-live", &target)?;
    let read_only = match (r.read_only_ends, r.read_only_days_left) {
        (Some(end), Some(left)) => format!("{left} days left (until {})", escape(&time::format_uk_date(end))),
        _ => "unknown until go-live is set".to_string(),
    };
    row(h, "Read-only access to the old system", &read_only)?;
    writeln!(h, "</table>")?;

    writeln!(h, "<h2>Entries</h2><table>")?;
    row(h, "Entries logged", &format!("{} <small>({} voided, not counted)</small>", r.entries, r.voided))?;
    row(h, "Entries still without an NHS number", &r.without_nhs_number.to_string())?;
    row(h, "Typed in from paper forms", &r.imported.to_string())?;
    row(h, "Workstations", &format!("{} ({} merged in)", r.workstations, r.merged_files))?;
    row(h, "Entries with conflicting amendments", &r.conflicts.len().to_string())?;
    row(h, "Possible duplicate patients", &r.possible_duplicates.len().to_string())?;
    writeln!(h, "</table>")?;

    writeln!(h, "<h2>Entries per hour during cutover (UK time)</h2>")?;
    hour_chart(r, h)?;

    writeln!(h, "<h2>By kind</h2>")?;
    bars(h, &r.by_kind.iter().map(|(k, n)| (k.clone(), *n)).collect::<Vec<_>>())?;
    writeln!(h, "<h2>By member of staff</h2><table><tr><th>Staff</th><th>Entries</th></tr>")?;
    for (id, name, n) in &r.by_staff {
        writeln!(h, "<tr><td>{} ({})</td><td class=\"n\">{n}</td></tr>", escape(name), escape(id))?;
    }
    writeln!(h, "</table>")?;
    writeln!(h, "<h2>By PC</h2><table><tr><th>PC</th><th>Entries</th><th>Last heard from</th></tr>")?;
    for pc in &r.pcs {
        let heard = match (pc.this_pc, pc.heard_at) {
            (true, _) => "this PC".to_string(),
            (false, Some(at)) => time::format_uk(at),
            (false, None) => String::new(),
        };
        writeln!(
            h,
            "<tr><td>{} ({})</td><td class=\"n\">{}</td><td>{}</td></tr>",
            escape(&pc.name),
            escape(&pc.prefix),
            pc.entries,
            escape(&heard)
        )?;
    }
    writeln!(h, "</table>")?;

    writeln!(h, "<h2>Re-entry progress</h2>")?;
    match &r.reentry_by_status {
        Some(statuses) => bars(h, statuses)?,
        None => writeln!(h, "<p>Not started: {} entries to re-enter into the new system.</p>", r.entries)?,
    }
    if let Some(tiers) = &r.reentry_by_tier {
        writeln!(h, "<table><tr><th>Tier</th><th>Total</th><th>Finished</th><th>Still open</th><th>Overdue</th></tr>")?;
        for (i, t) in tiers.iter().enumerate() {
            writeln!(
                h,
                "<tr><td>Tier {}</td><td class=\"n\">{}</td><td class=\"n\">{}</td><td class=\"n\">{}</td><td class=\"n\">{}</td></tr>",
                i + 1,
                t.total,
                t.finished,
                t.still_open(),
                t.overdue
            )?;
        }
        writeln!(h, "</table>")?;
    }

    writeln!(h, "<h2>Re-entry burn-down: items still open since go-live (UK time)</h2>")?;
    match &r.burn_down {
        Some(points) => burn_down_chart(points, h)?,
        None => writeln!(h, "<p>{}</p>", escape(&burn_down_not_yet(r)))?,
    }

    if !r.conflicts.is_empty() {
        writeln!(
            h,
            "<h2>Conflicting amendments</h2><p>Amended on two workstations from the same version; both versions are kept. Check each with <code>cutover show REF</code>: {}</p>",
            escape(&r.conflicts.join(", "))
        )?;
    }
    if !r.possible_duplicates.is_empty() {
        writeln!(
            h,
            "<h2>Possible duplicate patients</h2><p>Same name and date of birth; never joined automatically.</p><table>"
        )?;
        for group in &r.possible_duplicates {
            let described: Vec<String> = group.iter().map(|p| escape(&p.describe())).collect();
            writeln!(h, "<tr><td>{}</td></tr>", described.join("<br>"))?;
        }
        writeln!(h, "</table>")?;
    }
    runbook(r, h)?;
    writeln!(
        h,
        "<table class=\"sign\"><tr><th>Signed off by (practice manager)</th><td></td></tr><tr><th>Date</th><td></td></tr></table>"
    )?;
    writeln!(h, "</body></html>")
}

/// Columns, one an hour: how busy the cutover was, and when.
fn hour_chart(r: &Report, h: &mut String) -> std::fmt::Result {
    if r.by_hour.is_empty() {
        return writeln!(h, "<p>No entries yet.</p>");
    }
    let max = r.by_hour.iter().map(|(_, n)| *n).max().unwrap_or(1).max(1);
    let (width, height, left, bottom) = (680.0, 200.0, 40.0, 40.0);
    let plot = width - left - 10.0;
    let step = plot / r.by_hour.len() as f64;
    writeln!(
        h,
        "<svg viewBox=\"0 0 {width} {height}\" role=\"img\" aria-label=\"Entries per hour\" xmlns=\"http://www.w3.org/2000/svg\">"
    )?;
    writeln!(
        h,
        "<text x=\"0\" y=\"12\" font-size=\"10\">{max}</text><text x=\"0\" y=\"{}\" font-size=\"10\">0</text>",
        height - bottom
    )?;
    for (i, (hour, n)) in r.by_hour.iter().enumerate() {
        let bar = (height - bottom - 10.0) * (*n as f64) / (max as f64);
        let x = left + i as f64 * step;
        writeln!(
            h,
            "<rect x=\"{x:.1}\" y=\"{:.1}\" width=\"{:.1}\" height=\"{bar:.1}\" fill=\"#005eb8\"><title>{}: {n}</title></rect>",
            height - bottom - bar,
            (step * 0.85).max(0.5),
            escape(&hour_label(*hour))
        )?;
    }
    let labels = r.by_hour.iter().enumerate().map(|(i, (hour, _))| (left + i as f64 * step, hour_label(*hour)));
    time_labels(h, labels, height - bottom + 14.0, width)?;
    writeln!(h, "</svg>")
}

/// Time labels under a chart, each starting at its point ("Sat 21/11 20:00" is about 80 units wide
/// at this size): each clear of the one before, and none so near the edge that it would be cut off.
fn time_labels(h: &mut String, labels: impl Iterator<Item = (f64, String)>, y: f64, width: f64) -> std::fmt::Result {
    const LABEL_WIDTH: f64 = 90.0;
    let mut free_from = 0.0;
    for (x, label) in labels {
        if x >= free_from && x + LABEL_WIDTH <= width {
            writeln!(h, "<text x=\"{x:.1}\" y=\"{y:.1}\" font-size=\"9\">{}</text>", escape(&label))?;
            free_from = x + LABEL_WIDTH;
        }
    }
    Ok(())
}

/// A line falling as items are finished (and rising when one is reopened), from go-live to now,
/// with each point's count on hover and the counts at go-live and now written at the ends.
fn burn_down_chart(points: &[(chrono::DateTime<chrono::Utc>, i64)], h: &mut String) -> std::fmt::Result {
    let (Some(first), Some(last)) = (points.first(), points.last()) else { return Ok(()) };
    let max = points.iter().map(|(_, n)| *n).max().unwrap_or(1).max(1);
    let (width, height, left, right, top, bottom) = (680.0, 200.0, 40.0, 50.0, 10.0, 40.0);
    let plot_w = width - left - right;
    let plot_h = height - top - bottom;
    let span = (last.0 - first.0).num_seconds().max(1) as f64;
    let x = |t: chrono::DateTime<chrono::Utc>| left + plot_w * (t - first.0).num_seconds() as f64 / span;
    let y = |n: i64| top + plot_h * (1.0 - n as f64 / max as f64);
    writeln!(
        h,
        "<svg viewBox=\"0 0 {width} {height}\" role=\"img\" aria-label=\"Items still open since go-live\" xmlns=\"http://www.w3.org/2000/svg\">"
    )?;
    writeln!(
        h,
        "<text x=\"0\" y=\"{:.1}\" font-size=\"10\">{max}</text><text x=\"0\" y=\"{:.1}\" font-size=\"10\">0</text>",
        top + 4.0,
        top + plot_h
    )?;
    writeln!(
        h,
        "<line x1=\"{left}\" y1=\"{:.1}\" x2=\"{:.1}\" y2=\"{:.1}\" stroke=\"#d8dde0\"/>",
        top + plot_h,
        left + plot_w,
        top + plot_h
    )?;
    // Each count holds until the next point: a step, so that nothing looks finished before it was.
    let mut path = Vec::with_capacity(points.len() * 2);
    for (i, (t, n)) in points.iter().enumerate() {
        if i > 0 && points[i - 1].1 != *n {
            path.push(format!("{:.1},{:.1}", x(*t), y(points[i - 1].1)));
        }
        path.push(format!("{:.1},{:.1}", x(*t), y(*n)));
    }
    writeln!(h, "<polyline points=\"{}\" fill=\"none\" stroke=\"#005eb8\" stroke-width=\"2\"/>", path.join(" "))?;
    for (t, n) in points {
        writeln!(
            h,
            "<circle cx=\"{:.1}\" cy=\"{:.1}\" r=\"2\" fill=\"#005eb8\"><title>{}: {n} open</title></circle>",
            x(*t),
            y(*n),
            escape(&point_label(*t))
        )?;
    }
    writeln!(h, "<text x=\"{:.1}\" y=\"{:.1}\" font-size=\"10\">{}</text>", x(last.0) + 4.0, y(last.1) + 4.0, last.1)?;
    time_labels(h, points.iter().map(|(t, _)| (x(*t), point_label(*t))), top + plot_h + 14.0, width)?;
    writeln!(
        h,
        "<text x=\"{:.1}\" y=\"{:.1}\" font-size=\"9\" text-anchor=\"end\">now</text>",
        x(last.0),
        top + plot_h + 28.0
    )?;
    writeln!(h, "</svg>")?;
    writeln!(h, "<p>{} open at go-live ({}); {} open now.</p>", first.1, escape(&point_label(first.0)), last.1)
}

/// Horizontal bars with their numbers: kinds, or re-entry statuses.
fn bars(h: &mut String, items: &[(String, i64)]) -> std::fmt::Result {
    let max = items.iter().map(|(_, n)| *n).max().unwrap_or(1).max(1);
    let line = 18.0;
    let height = line * items.len() as f64 + 4.0;
    writeln!(h, "<svg viewBox=\"0 0 680 {height}\" xmlns=\"http://www.w3.org/2000/svg\">")?;
    for (i, (label, n)) in items.iter().enumerate() {
        let y = i as f64 * line;
        let w = 420.0 * (*n as f64) / (max as f64);
        writeln!(
            h,
            "<text x=\"0\" y=\"{:.1}\" font-size=\"11\">{}</text><rect x=\"190\" y=\"{:.1}\" width=\"{w:.1}\" height=\"{:.1}\" fill=\"#005eb8\"/><text x=\"{:.1}\" y=\"{:.1}\" font-size=\"11\">{n}</text>",
            y + 13.0,
            escape(label),
            y + 3.0,
            line - 5.0,
            195.0 + w,
            y + 13.0
        )?;
    }
    writeln!(h, "</svg>")
}

/// The practice manager's runbook: plan, checklists, services, the re-check and the sign-off.
fn runbook(r: &Report, h: &mut String) -> std::fmt::Result {
    use crate::runbook::recheck::RecheckState;
    let rb = &r.runbook;
    writeln!(h, "<h2>Cutover plan</h2><table><tr><th>Kind of work</th><th>Lead</th><th>How it is handled</th></tr>")?;
    for line in &rb.plan {
        match &line.current {
            Some(v) => writeln!(
                h,
                "<tr><td>{}</td><td>{}</td><td>{}</td></tr>",
                escape(&line.category.name),
                escape(&v.lead),
                escape(&v.how)
            )?,
            None => writeln!(
                h,
                "<tr><td>{}</td><td></td><td class=\"over\">No plan</td></tr>",
                escape(&line.category.name)
            )?,
        }
    }
    writeln!(h, "</table>")?;
    writeln!(h, "<h2>Checklists</h2><table><tr><th>Role</th><th>Phase</th><th>Ticked</th></tr>")?;
    for p in rb.progress() {
        writeln!(
            h,
            "<tr><td>{}</td><td>{}</td><td class=\"n\">{} of {}</td></tr>",
            escape(&p.role.name),
            escape(&p.phase.name),
            p.ticked,
            p.items
        )?;
    }
    writeln!(h, "</table>")?;
    let awaiting = r.services_awaiting();
    writeln!(h, "<h2>Third-party services</h2>")?;
    if !awaiting.is_empty() {
        writeln!(
            h,
            "<p class=\"over\">{} not confirmed back on since go-live: notify and chase them.</p>",
            awaiting.len()
        )?;
    }
    writeln!(h, "<table><tr><th>Service</th><th>State</th><th>Confirmed by</th></tr>")?;
    for s in &rb.services {
        let class = if awaiting.iter().any(|a| a.key == s.key) { " class=\"over\"" } else { "" };
        let by = s.changed.as_ref().map(|e| format!("{}, {}", e.staff_id, time::format_uk(e.at))).unwrap_or_default();
        writeln!(
            h,
            "<tr><td>{}</td><td{class}>{}</td><td>{}</td></tr>",
            escape(&s.name),
            escape(s.state.words()),
            escape(&by)
        )?;
    }
    writeln!(h, "</table>")?;
    let rc = &rb.recheck;
    let matching = rc.lines.iter().filter(|l| l.state == RecheckState::Matches).count();
    writeln!(h, "<h2>Go-live re-check</h2><table>")?;
    row(h, "Patients and reports re-checked", &format!("{} ({} match)", rc.lines.len(), matching))?;
    row(h, "Issues still open", &rc.hold.open_issues.to_string())?;
    row(h, "Not checked yet", &rc.hold.unchecked.to_string())?;
    for sample in &rc.samples {
        row(
            h,
            "Random sample",
            &escape(&format!(
                "{} of {} patients, seed {}, drawn by {} on {}",
                sample.size,
                sample.population,
                sample.seed,
                sample.staff_id,
                time::format_uk(sample.drawn_at)
            )),
        )?;
    }
    writeln!(h, "</table>")?;
    let issues: Vec<_> = rc.lines.iter().filter(|l| l.had_issue()).collect();
    if !issues.is_empty() {
        writeln!(h, "<h2>Issue log</h2><table><tr><th>Patient or report</th><th>Issue</th><th>State</th></tr>")?;
        for line in issues {
            writeln!(
                h,
                "<tr><td>{}</td><td>{}</td><td>{}</td></tr>",
                escape(&line.label),
                escape(line.issue().unwrap_or_default()),
                escape(line.state.words())
            )?;
        }
        writeln!(h, "</table>")?;
    }
    writeln!(h, "<h2>Sign-off of Go Live Data</h2>")?;
    match rc.signed_off() {
        Some(s) => {
            let reason = match &s.reason {
                Some(reason) => {
                    format!(" (issues still open: {}; not checked: {}): {}", s.open_issues, s.unchecked, escape(reason))
                }
                None => String::new(),
            };
            writeln!(h, "<p>Signed off by {} on {}{reason}.</p>", escape(&s.staff_id), escape(&time::format_uk(s.at)))?
        }
        None => writeln!(h, "<p class=\"over\">Not signed off yet.</p>")?,
    }
    let cb = r.callbacks;
    writeln!(h, "<h2>New patients asked to come back after go-live</h2><table>")?;
    row(h, "Asked to come back", &cb.asked.to_string())?;
    row(h, "Registered in the new system, or not required", &(cb.asked - cb.waiting).to_string())?;
    let waiting = match cb.waiting {
        0 => "0".to_string(),
        n => format!("<span class=\"over\">{n}</span>"),
    };
    row(h, "Not registered in the new system yet", &waiting)?;
    if cb.unsaid > 0 {
        row(h, "New registrations that do not say", &cb.unsaid.to_string())?;
    }
    writeln!(h, "</table>")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn markup_in_stored_text_is_escaped() {
        assert_eq!(
            escape("<script>\"x\" & 'y'</script>"),
            "&lt;script&gt;&quot;x&quot; &amp; &#39;y&#39;&lt;/script&gt;"
        );
        assert_eq!(escape("a\u{1b}b\u{202e}<"), "a\\u{1b}b\\u{202e}&lt;");
    }
}
