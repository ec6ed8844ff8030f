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

fn status_words(status: ReentryStatus) -> &'static str {
    match status {
        ReentryStatus::Open => "open",
        ReentryStatus::Claimed => "claimed",
        ReentryStatus::Done => "done",
        ReentryStatus::Query => "waiting for a clinician",
        ReentryStatus::NotRequired => "set aside as not required",
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
    let staff_id = Some(staff.to_string());
    match request {
        Request::Claim { take_over } => {
            still_to_do(state)?;
            let taken_from = respect_claim(state, staff, now, *take_over)?;
            let until = now + claim_for;
            let mut e = event(ReentryAction::Claim);
            e.claimed_until = Some(until);
            e.taken_from = taken_from;
            let next = CurrentState {
                status: ReentryStatus::Claimed,
                assignee: staff_id,
                claimed_until: Some(until),
                ..current.clone()
            };
            Ok(vec![Step { event: e, next }])
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
                Some(_) => Ok(vec![Step {
                    event: event(ReentryAction::Release),
                    next: CurrentState {
                        status: ReentryStatus::Open,
                        assignee: None,
                        claimed_until: None,
                        ..current.clone()
                    },
                }]),
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
                working.current.nhs_waived = true;
                steps.push(Step { event: e, next: working.current.clone() });
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
            let next = CurrentState {
                status: ReentryStatus::Done,
                assignee: staff_id,
                claimed_until: None,
                new_system_ref: new_system_ref.clone(),
                nhs_number: e.nhs_number.clone(),
                nhs_waived: working.current.nhs_waived,
            };
            steps.push(Step { event: e, next });
            Ok(steps)
        }
        Request::Query { note } => {
            still_to_do(state)?;
            respect_claim(state, staff, now, false)?;
            let mut e = event(ReentryAction::Query);
            e.note = Some(note.clone());
            let next =
                CurrentState { status: ReentryStatus::Query, assignee: None, claimed_until: None, ..current.clone() };
            Ok(vec![Step { event: e, next }])
        }
        Request::NotRequired { reason } => {
            still_to_do(state)?;
            respect_claim(state, staff, now, false)?;
            let mut e = event(ReentryAction::NotRequired);
            e.note = Some(reason.clone());
            let next = CurrentState {
                status: ReentryStatus::NotRequired,
                assignee: staff_id,
                claimed_until: None,
                ..current.clone()
            };
            Ok(vec![Step { event: e, next }])
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
            let next = CurrentState {
                status: ReentryStatus::Open,
                assignee: None,
                claimed_until: None,
                new_system_ref: None,
                nhs_number: None,
                nhs_waived: current.nhs_waived,
            };
            Ok(vec![Step { event: e, next }])
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
            Ok(vec![Step { event: e, next: CurrentState { nhs_waived: true, ..current.clone() } }])
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
    fn only_the_holder_releases_a_claim() {
        let held = state(ReentryStatus::Claimed, Some("AB"), Some("23/11/2026 14:00"));
        assert!(matches!(run(&held, Request::Release, "JS"), Err(Error::Reentry(Reentry::NotClaimedByYou { .. }))));
        assert_eq!(run(&held, Request::Release, "ab").unwrap()[0].next.status, ReentryStatus::Open);
    }
}
