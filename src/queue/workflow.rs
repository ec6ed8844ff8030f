//! Working the queue: which changes an item allows from where it stands, and what each records.
//! Pure: the caller reads the state and records the steps inside one write transaction, so the
//! check and the change cannot be separated by another admin's claim.

use chrono::{DateTime, Duration, Utc};

use super::policy::{Blocker, blocker};
use crate::domain::fields::Kind;
use crate::domain::nhs::NhsNumber;
use crate::domain::time;
use crate::error::{Error, Reentry};
use crate::store::{CurrentState, NewReentryEvent, ReentryAction, ReentryState, ReentryStatus, Role, StaffMember};

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
    /// Sends the item to a clinician with a question. `to` names the clinician it is for (their
    /// short id); without it, it is for the clinician who logged the entry, or any clinician.
    Query {
        note: String,
        to: Option<String>,
    },
    /// A clinician's answer to the item's query: recorded, and the item goes back to the open queue.
    Answer {
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

/// The staff a request involves, read in the same transaction as the item.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct People {
    /// The one making the change.
    pub acting: Option<StaffMember>,
    /// Who logged the entry.
    pub logged_by: Option<StaffMember>,
    /// The staff member a query names (`to`), when on the staff list.
    pub named: Option<StaffMember>,
}

/// Queries are for clinicians: a query names (`to`), and a list of queries is for (`for`), only a
/// member of staff with the role clinician.
pub fn must_be_clinician(option: &'static str, member: &StaffMember) -> Result<(), Error> {
    if member.role == Role::Clinician {
        return Ok(());
    }
    Err(refuse(Reentry::NotAClinician { option, staff: member.id.clone(), role: member.role.name() }))
}

/// Whom a query is for: the clinician it names; if it names no one, the clinician who logged the
/// entry (they know what they meant); otherwise any clinician (`None`).
pub fn query_for(people: &People) -> Result<Option<String>, Error> {
    if let Some(named) = &people.named {
        must_be_clinician("to", named)?;
        return Ok(Some(named.id.clone()));
    }
    Ok(people.logged_by.as_ref().filter(|s| s.role == Role::Clinician).map(|s| s.id.clone()))
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
        for_staff: None,
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
        ReentryAction::Answer => "answered",
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

/// The steps `request` by `staff` makes, or why it is refused; `people` are the staff it involves.
pub fn decide(
    state: &ReentryState,
    request: &Request,
    staff: &str,
    people: &People,
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
        Request::Query { note, .. } => {
            still_to_do(state)?;
            respect_claim(state, staff, now, false)?;
            let mut e = event(ReentryAction::Query);
            e.note = Some(note.clone());
            e.for_staff = query_for(people)?;
            Ok(vec![step(current, e, staff)])
        }
        Request::Answer { note } => {
            if state.voided {
                return Err(Error::EntryVoided { reference: reference() });
            }
            if people.acting.as_ref().is_none_or(|s| s.role != Role::Clinician) {
                return Err(refuse(Reentry::AnswerNeedsClinician { staff: staff.to_string() }));
            }
            if current.status != ReentryStatus::Query {
                return Err(refuse(Reentry::NotAQuery {
                    reference: reference(),
                    status: status_words(current.status),
                }));
            }
            let mut e = event(ReentryAction::Answer);
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

    fn member(id: &str, role: Role) -> StaffMember {
        StaffMember { id: id.into(), name: format!("Staff {id}"), role }
    }

    /// `staff` acting; "JO" and "DR" are clinicians, everyone else an admin.
    fn people(staff: &str) -> People {
        let role = if ["JO", "DR"].contains(&staff) { Role::Clinician } else { Role::Admin };
        People { acting: Some(member(staff, role)), logged_by: None, named: None }
    }

    fn run(s: &ReentryState, r: Request, staff: &str) -> Result<Vec<Step>, Error> {
        decide(s, &r, staff, &people(staff), t(NOW), Duration::hours(4))
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
            (Request::Query { note: "dose?".into(), to: None }, "JS"),
            (Request::Answer { note: "5 mg".into() }, "JO"),
            (Request::NotRequired { reason: "duplicate".into() }, "AB"),
        ];
        let mut events = Vec::new();
        for (minute, (request, staff)) in requests.iter().enumerate() {
            let now = t(NOW) + Duration::minutes(minute as i64);
            for step in decide(&s, request, staff, &people(staff), now, Duration::hours(4)).unwrap() {
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
                    for_staff: step.event.for_staff.clone(),
                });
                s.current = step.next;
                let replayed = replay(&events);
                assert_eq!(replayed.state, s.current, "after {:?}", step.event.action);
                assert!(replayed.clashes.is_empty());
            }
        }
        assert_eq!(events.len(), 7, "the waiver is its own event");
        assert_eq!(s.current.status, ReentryStatus::NotRequired);
        assert!(s.current.nhs_waived);
    }

    #[test]
    fn only_the_holder_releases_a_claim() {
        let held = state(ReentryStatus::Claimed, Some("AB"), Some("23/11/2026 14:00"));
        assert!(matches!(run(&held, Request::Release, "JS"), Err(Error::Reentry(Reentry::NotClaimedByYou { .. }))));
        assert_eq!(run(&held, Request::Release, "ab").unwrap()[0].next.status, ReentryStatus::Open);
    }

    #[test]
    fn a_clinician_answers_a_query_and_the_item_goes_back_to_the_open_queue() {
        let open = state(ReentryStatus::Open, None, None);
        let asked = run(&open, Request::Query { note: "Which dose?".into(), to: None }, "KL").unwrap();
        assert_eq!(asked[0].next.status, ReentryStatus::Query);
        let queried = ReentryState { current: asked[0].next.clone(), ..open.clone() };
        let answer = || Request::Answer { note: "5 mg once a day".into() };
        let e = run(&queried, answer(), "KL").unwrap_err();
        assert!(matches!(e, Error::Reentry(Reentry::AnswerNeedsClinician { .. })), "{e:?}");
        let answered = run(&queried, answer(), "JO").unwrap();
        assert_eq!(answered[0].event.action, ReentryAction::Answer);
        assert_eq!(answered[0].event.note.as_deref(), Some("5 mg once a day"));
        assert_eq!(answered[0].next.status, ReentryStatus::Open);
        assert_eq!(answered[0].next.assignee, None);
        let e = run(&open, answer(), "JO").unwrap_err();
        assert!(e.to_string().contains("R2-0001 is open, not waiting for a clinician"), "{e}");
    }

    #[test]
    fn a_query_is_for_the_clinician_named_else_the_clinician_who_logged_it_else_anyone() {
        let jo = member("JO", Role::Clinician);
        let kl = member("KL", Role::Reception);
        let named = |n: Option<&StaffMember>, logged: Option<&StaffMember>| People {
            acting: None,
            named: n.cloned(),
            logged_by: logged.cloned(),
        };
        assert_eq!(query_for(&named(Some(&jo), Some(&kl))).unwrap().as_deref(), Some("JO"));
        assert_eq!(query_for(&named(None, Some(&jo))).unwrap().as_deref(), Some("JO"));
        assert_eq!(query_for(&named(None, Some(&kl))).unwrap(), None, "reception logged it: any clinician");
        let e = query_for(&named(Some(&kl), None)).unwrap_err();
        assert!(matches!(e, Error::Reentry(Reentry::NotAClinician { .. })), "{e:?}");
    }
}
