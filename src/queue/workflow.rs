//! Working the queue: which changes an item allows from where it stands, and what each records.
//! Pure: the caller reads the state and records the steps inside one write transaction, so the
//! check and the change cannot be separated by another admin's claim.

use chrono::{DateTime, Duration, Utc};

use super::policy::{Blocker, blocker};
use crate::domain::fields::Kind;
use crate::domain::nhs::NhsNumber;
use crate::domain::time;
use crate::error::{Error, Reentry};
use crate::store::{CurrentState, NewReentryEvent, ReentryAction, ReentryState, ReentryStatus};

/// What a member of staff asks to do with an item.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Request {
    Claim {
        take_over: bool,
    },
    Release,
    Done {
        new_system_ref: Option<String>,
        note: Option<String>,
        nhs_number: Option<NhsNumber>,
        waive_nhs: Option<String>,
        take_over: bool,
    },
    Query {
        note: String,
    },
    NotRequired {
        reason: String,
    },
    Reopen {
        note: Option<String>,
    },
    WaiveNhs {
        reason: String,
    },
}

/// One change to record, and the state it leaves.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Step {
    pub event: NewReentryEvent,
    pub next: CurrentState,
}

/// A live claim by someone: its holder and when it lapses.
pub fn live_claim(state: &CurrentState, now: DateTime<Utc>) -> Option<(&str, DateTime<Utc>)> {
    match (state.status, &state.assignee, state.claimed_until) {
        (ReentryStatus::Claimed, Some(who), Some(until)) if until > now => Some((who.as_str(), until)),
        _ => None,
    }
}

/// What blocks this item from being done, from the state read in the transaction.
pub fn blocker_of(state: &ReentryState) -> Option<Blocker> {
    blocker(
        state.kind,
        state.has_patient,
        state.nhs_known,
        state.current.nhs_waived,
        state.open_registration.as_ref().map(|r| (r.entry_id.as_str(), r.reference.as_str())),
    )
}

fn event(action: ReentryAction) -> NewReentryEvent {
    NewReentryEvent {
        action,
        note: None,
        new_system_ref: None,
        nhs_number: None,
        claimed_until: None,
        taken_from: None,
    }
}

/// The event and the state it leaves, by the store's one rule (`CurrentState::after`), so that a
/// merge replaying the events arrives where the change left the item.
fn step(current: &CurrentState, event: NewReentryEvent, staff: &str) -> Step {
    let next = current.after(&event, staff);
    Step { event, next }
}

fn refuse(r: Reentry) -> Error {
    Error::Reentry(r)
}

/// Refuses any change to a voided item, or to one finished unless reopening.
fn still_to_do(state: &ReentryState) -> Result<(), Error> {
    if state.voided {
        return Err(Error::EntryVoided { reference: state.reference.clone() });
    }
    if !state.current.status.is_open() {
        return Err(refuse(Reentry::Finished {
            reference: state.reference.clone(),
            status: status_words(state.current.status),
            by: state.current.assignee.clone(),
            at: state.changed_at.map(time::format_uk),
        }));
    }
    Ok(())
}

/// Where an item stands, in the words of a sentence: "it is …".
pub fn status_words(status: ReentryStatus) -> &'static str {
    match status {
        ReentryStatus::Open => "open",
        ReentryStatus::Claimed => "claimed",
        ReentryStatus::Done => "done",
        ReentryStatus::Query => "waiting for a clinician",
        ReentryStatus::NotRequired => "set aside as not required",
    }
}

/// What a change did, in the words of a sentence: "it was … by KL".
pub fn action_words(action: ReentryAction) -> &'static str {
    match action {
        ReentryAction::Claim => "claimed",
        ReentryAction::Release => "released",
        ReentryAction::Done => "marked done",
        ReentryAction::Query => "sent to a clinician with a question",
        ReentryAction::NotRequired => "set aside as not required",
        ReentryAction::Reopen => "reopened",
        ReentryAction::WaiveNhs => "given a waiver for its missing NHS number",
    }
}

/// Someone else's live claim stops the change unless it is taken over; returns whose it was.
fn respect_claim(
    state: &ReentryState,
    staff: &str,
    now: DateTime<Utc>,
    take_over: bool,
) -> Result<Option<String>, Error> {
    match live_claim(&state.current, now) {
        Some((holder, until)) if !holder.eq_ignore_ascii_case(staff) => {
            if take_over {
                Ok(Some(holder.to_string()))
            } else {
                Err(refuse(Reentry::ClaimedBy {
                    reference: state.reference.clone(),
                    staff: holder.to_string(),
                    until: time::format_uk(until),
                }))
            }
        }
        _ => Ok(None),
    }
}

/// A done with no reference from the new system is refused unless the practice allows it
/// (`Settings::done_without_reference`): the reference is how a keyed item is found again.
pub fn reference_given(state: &ReentryState, request: &Request, allowed_without: bool) -> Result<(), Error> {
    match request {
        Request::Done { new_system_ref, .. }
            if !allowed_without && new_system_ref.as_deref().is_none_or(|r| r.trim().is_empty()) =>
        {
            Err(refuse(Reentry::ReferenceNeeded { reference: state.reference.clone() }))
        }
        _ => Ok(()),
    }
}

/// The steps `request` by `staff` makes, or why it is refused.
pub fn decide(
    state: &ReentryState,
    request: &Request,
    staff: &str,
    now: DateTime<Utc>,
    claim_for: Duration,
) -> Result<Vec<Step>, Error> {
    let reference = || state.reference.clone();
    let current = &state.current;
    match request {
        Request::Claim { take_over } => {
            still_to_do(state)?;
            let taken_from = respect_claim(state, staff, now, *take_over)?;
            let until = now + claim_for;
            let mut e = event(ReentryAction::Claim);
            e.claimed_until = Some(until);
            e.taken_from = taken_from;
            Ok(vec![step(current, e, staff)])
        }
        Request::Release => {
            if state.voided {
                return Err(Error::EntryVoided { reference: reference() });
            }
            match live_claim(current, now) {
                None => Err(refuse(Reentry::NotClaimed { reference: reference() })),
                Some((holder, _)) if !holder.eq_ignore_ascii_case(staff) => {
                    Err(refuse(Reentry::NotClaimedByYou { reference: reference(), staff: holder.to_string() }))
                }
                Some(_) => Ok(vec![step(current, event(ReentryAction::Release), staff)]),
            }
        }
        Request::Done { new_system_ref, note, nhs_number, waive_nhs, take_over } => {
            still_to_do(state)?;
            let taken_from = respect_claim(state, staff, now, *take_over)?;
            if nhs_number.is_some() && state.kind != Kind::Registration {
                return Err(refuse(Reentry::NhsNumberOnlyForRegistration { reference: reference() }));
            }
            let mut steps = Vec::new();
            let mut working = state.clone();
            if let Some(reason) = waive_nhs
                && !state.nhs_known
                && !current.nhs_waived
                && nhs_number.is_none()
            {
                let mut e = event(ReentryAction::WaiveNhs);
                e.note = Some(reason.clone());
                let waived = step(&working.current, e, staff);
                working.current = waived.next.clone();
                steps.push(waived);
            }
            if let Some(b) = blocker_of(&working) {
                let registration = match b {
                    Blocker::Registration { reference, .. } => Some(reference),
                    Blocker::NhsNumber => None,
                };
                return Err(refuse(Reentry::Blocked { reference: reference(), registration }));
            }
            let untraced = !state.nhs_known && !working.current.nhs_waived && nhs_number.is_none();
            if state.kind == Kind::Registration && state.has_patient && untraced {
                return Err(refuse(Reentry::RegistrationNeedsNhsNumber { reference: reference() }));
            }
            let mut e = event(ReentryAction::Done);
            e.note = note.clone();
            e.new_system_ref = new_system_ref.clone();
            e.nhs_number = nhs_number.as_ref().map(|n| n.digits().to_string());
            e.taken_from = taken_from;
            steps.push(step(&working.current, e, staff));
            Ok(steps)
        }
        Request::Query { note } => {
            still_to_do(state)?;
            respect_claim(state, staff, now, false)?;
            let mut e = event(ReentryAction::Query);
            e.note = Some(note.clone());
            Ok(vec![step(current, e, staff)])
        }
        Request::NotRequired { reason } => {
            still_to_do(state)?;
            respect_claim(state, staff, now, false)?;
            let mut e = event(ReentryAction::NotRequired);
            e.note = Some(reason.clone());
            Ok(vec![step(current, e, staff)])
        }
        Request::Reopen { note } => {
            if state.voided {
                return Err(Error::EntryVoided { reference: reference() });
            }
            if matches!(current.status, ReentryStatus::Open | ReentryStatus::Claimed) {
                return Err(refuse(Reentry::StillOpen { reference: reference() }));
            }
            let mut e = event(ReentryAction::Reopen);
            e.note = note.clone();
            Ok(vec![step(current, e, staff)])
        }
        Request::WaiveNhs { reason } => {
            still_to_do(state)?;
            if state.nhs_known || !state.has_patient {
                return Err(refuse(Reentry::NhsNumberKnown { reference: reference() }));
            }
            if current.nhs_waived {
                return Err(refuse(Reentry::AlreadyWaived { reference: reference() }));
            }
            let mut e = event(ReentryAction::WaiveNhs);
            e.note = Some(reason.clone());
            Ok(vec![step(current, e, staff)])
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::store::OpenRegistration;

    fn t(s: &str) -> DateTime<Utc> {
        time::parse_uk_datetime(s, DateTime::<Utc>::UNIX_EPOCH).unwrap()
    }

    fn state(status: ReentryStatus, assignee: Option<&str>, until: Option<&str>) -> ReentryState {
        ReentryState {
            entry_id: "e".into(),
            reference: "R2-0001".into(),
            kind: Kind::Prescription,
            voided: false,
            current: CurrentState {
                status,
                assignee: assignee.map(String::from),
                claimed_until: until.map(t),
                new_system_ref: None,
                nhs_number: None,
                nhs_waived: false,
            },
            changed_at: None,
            has_patient: true,
            nhs_known: true,
            open_registration: None,
        }
    }

    const NOW: &str = "23/11/2026 10:00";

    fn run(s: &ReentryState, r: Request, staff: &str) -> Result<Vec<Step>, Error> {
        decide(s, &r, staff, t(NOW), Duration::hours(4))
    }

    #[test]
    fn a_claim_holds_for_four_hours_and_refuses_others_until_it_lapses() {
        let steps = run(&state(ReentryStatus::Open, None, None), Request::Claim { take_over: false }, "AB").unwrap();
        assert_eq!(steps[0].next.status, ReentryStatus::Claimed);
        assert_eq!(steps[0].next.claimed_until, Some(t("23/11/2026 14:00")));
        let held = state(ReentryStatus::Claimed, Some("AB"), Some("23/11/2026 14:00"));
        let refused = run(&held, Request::Claim { take_over: false }, "JS").unwrap_err();
        assert!(matches!(&refused, Error::Reentry(Reentry::ClaimedBy { staff, .. }) if staff == "AB"), "{refused:?}");
        assert!(refused.to_string().contains("claimed by AB until 23/11/2026 14:00"));
        let taken = run(&held, Request::Claim { take_over: true }, "JS").unwrap();
        assert_eq!(taken[0].event.taken_from.as_deref(), Some("AB"));
        assert_eq!(taken[0].next.assignee.as_deref(), Some("JS"));
        let lapsed = state(ReentryStatus::Claimed, Some("AB"), Some("23/11/2026 09:59"));
        let claimed = run(&lapsed, Request::Claim { take_over: false }, "JS").unwrap();
        assert_eq!(claimed[0].event.taken_from, None, "a lapsed claim is nobody's");
    }

    #[test]
    fn done_is_refused_while_blocked_and_a_waiver_on_done_unblocks_it() {
        let mut blocked = state(ReentryStatus::Open, None, None);
        blocked.nhs_known = false;
        let done = |waive: Option<&str>| Request::Done {
            new_system_ref: None,
            note: None,
            nhs_number: None,
            waive_nhs: waive.map(String::from),
            take_over: false,
        };
        let e = run(&blocked, done(None), "AB").unwrap_err();
        assert!(matches!(e, Error::Reentry(Reentry::Blocked { registration: None, .. })));
        let steps = run(&blocked, done(Some("temporary resident, trace failed")), "AB").unwrap();
        let actions: Vec<_> = steps.iter().map(|s| s.event.action).collect();
        assert_eq!(actions, [ReentryAction::WaiveNhs, ReentryAction::Done]);
        blocked.open_registration =
            Some(OpenRegistration { rowid: 1, entry_id: "r".into(), reference: "R2-0012".into() });
        let e = run(&blocked, done(Some("x")), "AB").unwrap_err();
        assert!(e.to_string().contains("blocked by registration R2-0012"), "{e}");
    }

    #[test]
    fn finished_items_must_be_reopened_and_voided_ones_are_left_alone() {
        let done = state(ReentryStatus::Done, Some("AB"), None);
        assert!(matches!(
            run(&done, Request::Claim { take_over: true }, "JS"),
            Err(Error::Reentry(Reentry::Finished { .. }))
        ));
        let reopened = run(&done, Request::Reopen { note: None }, "JS").unwrap();
        assert_eq!(reopened[0].next.status, ReentryStatus::Open);
        assert!(matches!(
            run(&state(ReentryStatus::Open, None, None), Request::Reopen { note: None }, "JS"),
            Err(Error::Reentry(Reentry::StillOpen { .. }))
        ));
        let mut voided = state(ReentryStatus::Open, None, None);
        voided.voided = true;
        assert!(matches!(run(&voided, Request::Claim { take_over: false }, "JS"), Err(Error::EntryVoided { .. })));
    }

    #[test]
    fn replaying_the_recorded_events_arrives_where_the_changes_left_the_item() {
        use crate::store::{ReentryEvent, replay};
        let mut s = state(ReentryStatus::Open, None, None);
        s.nhs_known = false;
        let requests = [
            (Request::Claim { take_over: false }, "AB"),
            (
                Request::Done {
                    new_system_ref: Some("S1-1".into()),
                    note: None,
                    nhs_number: None,
                    waive_nhs: Some("untraceable".into()),
                    take_over: true,
                },
                "JS",
            ),
            (Request::Reopen { note: None }, "JS"),
            (Request::Query { note: "dose?".into() }, "JS"),
            (Request::NotRequired { reason: "duplicate".into() }, "AB"),
        ];
        let mut events = Vec::new();
        for (minute, (request, staff)) in requests.iter().enumerate() {
            let now = t(NOW) + Duration::minutes(minute as i64);
            for step in decide(&s, request, staff, now, Duration::hours(4)).unwrap() {
                events.push(ReentryEvent {
                    id: format!("{:02}", events.len()),
                    at: now,
                    staff_id: staff.to_string(),
                    workstation_id: "R1".into(),
                    action: Some(step.event.action),
                    note: step.event.note.clone(),
                    new_system_ref: step.event.new_system_ref.clone(),
                    nhs_number: step.event.nhs_number.clone(),
                    claimed_until: step.event.claimed_until,
                    taken_from: step.event.taken_from.clone(),
                });
                s.current = step.next;
                let replayed = replay(&events);
                assert_eq!(replayed.state, s.current, "after {:?}", step.event.action);
                assert!(replayed.clashes.is_empty());
            }
        }
        assert_eq!(events.len(), 6, "the waiver is its own event");
        assert_eq!(s.current.status, ReentryStatus::NotRequired);
        assert!(s.current.nhs_waived);
    }

    #[test]
    fn only_the_holder_releases_a_claim() {
        let held = state(ReentryStatus::Claimed, Some("AB"), Some("23/11/2026 14:00"));
        assert!(matches!(run(&held, Request::Release, "JS"), Err(Error::Reentry(Reentry::NotClaimedByYou { .. }))));
        assert_eq!(run(&held, Request::Release, "ab").unwrap()[0].next.status, ReentryStatus::Open);
    }
}
