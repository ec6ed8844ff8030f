//! What the queue screen says when a change is refused: the same reasons as the command line's,
//! in the screen's words (its keys, not commands to type).

use crate::error::{Error, Reentry};
use crate::queue::workflow::status_words;

/// The first letter in capitals.
pub fn capitalised(s: &str) -> String {
    let mut chars = s.chars();
    chars.next().map(|c| c.to_uppercase().chain(chars).collect()).unwrap_or_default()
}

/// Why a change to a queue item was not made, and what to do about it on this screen.
pub fn refusal(e: &Error) -> String {
    match e {
        Error::Reentry(r) => reentry(r),
        Error::EntryVoided { reference } => {
            format!("{reference} was voided (logged in error), so it cannot be changed.")
        }
        other => format!("Nothing was changed: {other}"),
    }
}

fn reentry(r: &Reentry) -> String {
    match r {
        Reentry::ClaimedBy { reference, staff, until } => format!(
            "{reference} is claimed by {staff} until {until}, so nothing was changed. Leave it to them; if they cannot finish it, press t to take it over (and tell them)."
        ),
        Reentry::Blocked { reference, registration: Some(registration) } => format!(
            "{reference} cannot be done yet: it waits for registration {registration}, which is still to be keyed. Key the registration first (it comes before this item in the queue); then this one is unblocked."
        ),
        Reentry::Blocked { reference, registration: None } => format!(
            "{reference} cannot be done yet: the patient has no NHS number. The number the new system traces is given when their registration is done; or press w to record why this item may be keyed without one."
        ),
        Reentry::Finished { reference, status, by, at } => {
            let mut said = format!("{reference} is already {status}");
            match (by, at) {
                (Some(by), Some(at)) => said.push_str(&format!(" ({by}, {at})")),
                (Some(by), None) => said.push_str(&format!(" ({by})")),
                (None, Some(at)) => said.push_str(&format!(" ({at})")),
                (None, None) => {}
            }
            said.push_str(", so nothing was changed. Press r to reopen it first.");
            said
        }
        Reentry::NotClaimed { reference } => {
            format!("{reference} is not claimed by anyone, so there is nothing to release.")
        }
        Reentry::NotClaimedByYou { reference, staff } => format!(
            "{reference} is claimed by {staff}, not by you, so nothing was changed. Press t to take it over if they cannot finish it (and tell them)."
        ),
        Reentry::StillOpen { reference } => {
            format!(
                "{reference} is still {}: there is nothing to reopen.",
                status_words(crate::store::ReentryStatus::Open)
            )
        }
        Reentry::RegistrationNeedsNhsNumber { reference } => format!(
            "Registration {reference} needs the NHS number the new system traced, or the reason there is none: press d to give them."
        ),
        Reentry::NhsNumberKnown { reference } => {
            format!(
                "The patient of {reference} already has an NHS number: no waiver is needed, so nothing was changed."
            )
        }
        Reentry::AlreadyWaived { reference } => {
            format!("{reference} already has a waiver for its missing NHS number; nothing was changed.")
        }
        Reentry::NhsNumberOnlyForRegistration { reference } => format!(
            "{reference} is not a registration: the NHS number a trace finds is given when the patient's registration is done."
        ),
        Reentry::NotAQuery { reference, status } => {
            format!("{reference} is {status}, not waiting for a clinician: there is no question to answer.")
        }
        Reentry::AnswerNeedsClinician { staff } => format!(
            "Only a clinician can answer a query, and {staff} is not on the staff list as a clinician: ask a clinician to answer it."
        ),
        Reentry::NotAClinician { staff, role, .. } => {
            format!("{staff} is on the staff list as {role}, not clinician: a query is for a clinician.")
        }
        Reentry::ReferenceNeeded { reference } => format!(
            "{reference} was not marked done: type its reference in the new system (the practice's settings ask for one, so that it can be found there again)."
        ),
    }
}
