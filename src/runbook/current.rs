//! Where each part of the runbook stands, worked out from its rows in time order: the one replay
//! that the store uses inside a write and every screen, command and report uses to show it. Rows
//! merged from another workstation take their place by their time, as if typed here.

use super::guide::guide;
use super::recheck::{RecheckState, SignoffHold};
use super::services::ServiceState;
use crate::store::{PlanVersion, RunbookEvent, RunbookRows};

/// The version of a category's plan that shows: the newest (by time recorded, then id).
/// `versions` are one category's, oldest first.
pub fn plan_version(versions: &[PlanVersion]) -> Option<&PlanVersion> {
    versions.iter().max_by(|a, b| (a.recorded_at, &a.id).cmp(&(b.recorded_at, &b.id)))
}

/// The other versions made from the same one as `current` (or, for a first version, the other
/// first versions): the plan set on two workstations apart, before their logs met. Shown beside
/// the current one until a version made from it settles them.
pub fn set_apart<'a>(versions: &'a [PlanVersion], current: &'a PlanVersion) -> impl Iterator<Item = &'a PlanVersion> {
    versions.iter().filter(move |v| v.parent_id == current.parent_id && v.id != current.id)
}

/// Two or more versions made from the same one (or two first versions): the plan was changed on
/// two workstations apart. Both are kept; a person should look.
pub fn plan_changed_apart(versions: &[PlanVersion]) -> bool {
    let mut parents: Vec<Option<&str>> = versions.iter().map(|v| v.parent_id.as_deref()).collect();
    parents.sort();
    parents.windows(2).any(|w| w[0] == w[1])
}

/// The tick an item stands on, if it is ticked: the last tick not undone by a later untick.
/// `history` is one item's events, oldest first.
pub fn tick(history: &[RunbookEvent]) -> Option<&RunbookEvent> {
    let last = history.iter().rev().find(|e| matches!(e.what.as_deref(), Some("tick" | "untick")))?;
    (last.what.as_deref() == Some("tick")).then_some(last)
}

/// A service's state: its last change, or "to switch off" if it has none yet.
pub fn service_state(history: &[RunbookEvent]) -> ServiceState {
    last_state(history).map_or(ServiceState::ToSwitchOff, |(s, _)| s)
}

/// A service's state and the change that set it, if any.
pub fn last_state(history: &[RunbookEvent]) -> Option<(ServiceState, &RunbookEvent)> {
    history.iter().rev().find_map(|e| e.what.as_deref().and_then(ServiceState::from_name).map(|s| (s, e)))
}

/// A re-check subject's state: its last mark, or "not checked yet".
pub fn recheck_state(history: &[RunbookEvent]) -> RecheckState {
    history
        .iter()
        .rev()
        .find_map(|e| e.what.as_deref().and_then(RecheckState::from_name))
        .unwrap_or(RecheckState::Unchecked)
}

/// Everything the re-check covers: its patients' NHS numbers, then the guide's reports (`report:ID`).
pub fn recheck_subjects(rows: &RunbookRows) -> Vec<String> {
    rows.recheck_patients
        .iter()
        .map(|p| p.nhs_number.clone())
        .chain(guide().report_checks.iter().map(|r| format!("report:{}", r.id)))
        .collect()
}

/// One subject's events, oldest first.
pub fn history_of(events: &[RunbookEvent], subject: &str) -> Vec<RunbookEvent> {
    let mut out: Vec<RunbookEvent> = events.iter().filter(|e| e.subject == subject).cloned().collect();
    out.sort_by(|a, b| (a.at, &a.id).cmp(&(b.at, &b.id)));
    out
}

/// What holds up the sign-off of Go Live Data.
pub fn signoff_hold(rows: &RunbookRows) -> SignoffHold {
    let mut hold = SignoffHold::default();
    for subject in recheck_subjects(rows) {
        match recheck_state(&history_of(&rows.recheck_events, &subject)) {
            RecheckState::Unchecked => hold.unchecked += 1,
            s if s.is_open_issue() => hold.open_issues += 1,
            _ => {}
        }
    }
    hold
}
