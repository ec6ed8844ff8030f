//! The runbook as every face shows it (commands, screens, report): each category, item, service
//! and re-check subject with where it stands, built from the store's rows by `current`.

use chrono::{DateTime, Utc};

use super::current;
use super::guide::{Category, Item, Phase, Role, guide};
use super::recheck::{RecheckState, SignoffHold};
use super::services::ServiceState;
use crate::domain::nhs::NhsNumber;
use crate::domain::text::fold;
use crate::domain::text::{escape_inline, quoted};
use crate::domain::time;
use crate::store::{PlanVersion, RecheckSample, RunbookEvent, RunbookRows, Signoff};

#[derive(Debug, Clone)]
pub struct PlanLine {
    pub category: &'static Category,
    /// The version that shows; `None`: no plan yet.
    pub current: Option<PlanVersion>,
    pub versions: usize,
    /// Other versions made from the same one as the current (changed on two workstations apart).
    pub made_apart: Vec<PlanVersion>,
}

#[derive(Debug, Clone)]
pub struct ItemLine {
    pub item: &'static Item,
    pub role: &'static Role,
    pub phase: &'static Phase,
    /// The tick it stands on, if ticked.
    pub ticked: Option<RunbookEvent>,
    /// Every note given with it (ticks, notes, unticks), oldest first.
    pub notes: Vec<RunbookEvent>,
}

impl ItemLine {
    /// Who ticked it and every note given with it (an untick's reason among them), as the
    /// checklist shows them under the item on the command line and the screen.
    pub fn history(&self) -> Vec<String> {
        let mut out: Vec<String> = self.ticked.iter().map(|tick| format!("Ticked by {}.", by_on(tick))).collect();
        for note in &self.notes {
            let said = match note.what.as_deref() {
                Some("untick") => "Unticked",
                _ => "Note",
            };
            out.push(format!("{said} ({}): {}", by_on(note), note.note.as_deref().unwrap_or_default()));
        }
        out
    }
}

/// "JS on 20/11/2026 09:14": who made a change, and when.
pub fn by_on(e: &RunbookEvent) -> String {
    format!("{} on {}", escape_inline(&e.staff_id), time::format_uk(e.at))
}

/// What `plan` and the screen say of another version of a plan set on another workstation at the
/// same time as the one that shows (see `current::set_apart`), each value on its line.
pub fn set_apart_words(other: &PlanVersion) -> String {
    format!(
        "Also set on another workstation at the same time (both kept; check which is right): {} (lead {}, by {} on {}).",
        quoted(&other.how),
        escape_inline(&other.lead),
        escape_inline(&other.recorded_by),
        time::format_uk(other.recorded_at)
    )
}

/// A role's items of one phase: how many are ticked.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PhaseProgress {
    pub role: &'static Role,
    pub phase: &'static Phase,
    pub ticked: usize,
    pub items: usize,
}

#[derive(Debug, Clone)]
pub struct ServiceLine {
    pub key: String,
    pub name: String,
    /// On every practice's list (from the guide), rather than added here.
    pub seeded: bool,
    pub state: ServiceState,
    /// The change that set the state (none while it has not moved from "to switch off").
    pub changed: Option<RunbookEvent>,
    /// Notes given, oldest first (chase notes and notes with a change).
    pub notes: Vec<RunbookEvent>,
}

#[derive(Debug, Clone)]
pub struct RecheckLine {
    /// As stored: an NHS number, or `report:ID`.
    pub subject: String,
    /// As shown: "943 476 5919", or the report's name.
    pub label: String,
    /// "tested at IDP", "sample", "report".
    pub why: &'static str,
    pub state: RecheckState,
    pub history: Vec<RunbookEvent>,
}

impl RecheckLine {
    /// The issue's text: the note of the last "issue" mark.
    pub fn issue(&self) -> Option<&str> {
        self.history.iter().rev().find(|e| e.what.as_deref() == Some("issue")).and_then(|e| e.note.as_deref())
    }

    pub fn last(&self) -> Option<&RunbookEvent> {
        self.history.last()
    }

    /// It has had an issue at some time: it belongs in the issue log.
    pub fn had_issue(&self) -> bool {
        self.history.iter().any(|e| e.what.as_deref() == Some("issue"))
    }
}

#[derive(Debug, Clone, Default)]
pub struct RecheckView {
    pub lines: Vec<RecheckLine>,
    pub samples: Vec<RecheckSample>,
    pub signoffs: Vec<Signoff>,
    pub hold: SignoffHold,
}

impl RecheckView {
    /// The sign-off that counts: the latest.
    pub fn signed_off(&self) -> Option<&Signoff> {
        self.signoffs.last()
    }

    /// "12 patients and 5 reports: 9 match, 1 issue open, 7 not checked yet", as the command and
    /// the screen both say it.
    pub fn summary(&self) -> String {
        let patients = self.lines.iter().filter(|l| l.why != "report").count();
        let matching = self.lines.iter().filter(|l| l.state == RecheckState::Matches).count();
        format!(
            "{} and {}: {} match, {} open, {} not checked yet",
            plural(patients, "patient", "patients"),
            plural(self.lines.len() - patients, "report", "reports"),
            matching,
            plural(self.hold.open_issues, "issue", "issues"),
            self.hold.unchecked
        )
    }
}

/// "1 issue", "2 issues".
pub fn plural(n: usize, one: &str, many: &str) -> String {
    format!("{n} {}", if n == 1 { one } else { many })
}

#[derive(Debug, Clone, Default)]
pub struct Overview {
    pub plan: Vec<PlanLine>,
    pub checklist: Vec<ItemLine>,
    pub services: Vec<ServiceLine>,
    pub recheck: RecheckView,
}

impl Overview {
    pub fn unplanned(&self) -> impl Iterator<Item = &PlanLine> {
        self.plan.iter().filter(|l| l.current.is_none())
    }

    /// Ticked against all, for each role's phases in the guide's order (phases with no items left out).
    pub fn progress(&self) -> Vec<PhaseProgress> {
        let g = guide();
        let mut out = Vec::new();
        for role in &g.roles {
            for phase in &g.phases {
                let lines: Vec<&ItemLine> =
                    self.checklist.iter().filter(|l| l.role.id == role.id && l.phase.id == phase.id).collect();
                if !lines.is_empty() {
                    let ticked = lines.iter().filter(|l| l.ticked.is_some()).count();
                    out.push(PhaseProgress { role, phase, ticked, items: lines.len() });
                }
            }
        }
        out
    }

    /// Once the practice is live, the services not yet confirmed back on (nor marked not used).
    /// Before go-live, none: they are meant to be off.
    pub fn awaiting_back_on(&self, go_live: Option<DateTime<Utc>>, now: DateTime<Utc>) -> Vec<&ServiceLine> {
        if go_live.is_none_or(|g| g > now) {
            return Vec::new();
        }
        self.services.iter().filter(|s| s.state.awaits_back_on()).collect()
    }
}

fn with_note(e: &&RunbookEvent) -> bool {
    e.note.is_some()
}

/// The runbook as it stands, from its rows.
pub fn overview(rows: &RunbookRows) -> Overview {
    let g = guide();
    let plan = g
        .categories
        .iter()
        .map(|category| {
            let versions: Vec<PlanVersion> = rows.plan.iter().filter(|v| v.category == category.id).cloned().collect();
            let current = current::plan_version(&versions).cloned();
            let made_apart = match &current {
                Some(c) => current::set_apart(&versions, c).cloned().collect(),
                None => Vec::new(),
            };
            PlanLine { category, versions: versions.len(), current, made_apart }
        })
        .collect();
    let checklist = g
        .items
        .iter()
        .filter_map(|item| {
            let (role, phase) = g.placed(item)?;
            let history = current::history_of(&rows.checklist, &item.id);
            let ticked = current::tick(&history).cloned();
            let notes = history.iter().filter(with_note).cloned().collect();
            Some(ItemLine { item, role, phase, ticked, notes })
        })
        .collect();
    let seeded = g.services.iter().map(|s| (fold(&s.name), s.name.clone(), true));
    let added = rows.added_services.iter().map(|s| (s.key.clone(), s.name.clone(), false));
    let services = seeded
        .chain(added)
        .map(|(key, name, seeded)| {
            let history = current::history_of(&rows.service_events, &key);
            let (state, changed) = match current::last_state(&history) {
                Some((state, e)) => (state, Some(e.clone())),
                None => (ServiceState::ToSwitchOff, None),
            };
            let notes = history.iter().filter(with_note).cloned().collect();
            ServiceLine { key, name, seeded, state, changed, notes }
        })
        .collect();
    let patients = rows.recheck_patients.iter().map(|p| {
        let label = NhsNumber::parse_held(&p.nhs_number).map_or_else(|_| p.nhs_number.clone(), |n| n.to_string());
        (p.nhs_number.clone(), label, if p.why == "idp" { "tested at IDP" } else { "sample" })
    });
    let reports = g.report_checks.iter().map(|r| (format!("report:{}", r.id), r.name.clone(), "report"));
    let lines = patients
        .chain(reports)
        .map(|(subject, label, why)| {
            let history = current::history_of(&rows.recheck_events, &subject);
            RecheckLine { state: current::recheck_state(&history), subject, label, why, history }
        })
        .collect();
    let recheck = RecheckView {
        lines,
        samples: rows.samples.clone(),
        signoffs: rows.signoffs.clone(),
        hold: current::signoff_hold(rows),
    };
    Overview { plan, checklist, services, recheck }
}
