//! The runbook's refusals, in words for the practice manager: each says what was left unchanged and
//! what to type instead.

use std::fmt::{self, Display, Formatter};

use super::recheck::RecheckState;
use super::services::{ServiceState, StepRefused};
use crate::domain::text::{escape_inline, escape_list, quoted};

#[derive(Debug)]
pub enum Refusal {
    UnknownCategory { given: String, known: Vec<String> },
    UnknownItem(String),
    UnknownRole { given: String, known: Vec<String> },
    UnknownPhase { given: String, known: Vec<String> },
    UnknownService(String),
    ServiceExists(String),
    UnknownServiceState(String),
    ServiceAlready { service: String, state: ServiceState },
    ServiceSkips { service: String, from: ServiceState, to: ServiceState, next: ServiceState },
    NothingToRecord,
    NotTicked(String),
    EmptyText(&'static str),
    NoPatientList,
    NothingLeftToSample { population: usize },
    UnknownSubject(String),
    NotInRecheck(String),
    NoIssue { subject: String, state: RecheckState },
    IssueAlready { subject: String, state: RecheckState },
    UnknownIssueState(String),
    SignoffHeld { open_issues: usize, unchecked: usize },
}

impl Refusal {
    /// Always 2: what was asked is refused as things stand (the rule in the user guide's exit
    /// codes; 1 is kept for a file, disk or database that fails).
    pub fn exit_code(&self) -> u8 {
        2
    }

    /// What the diagnostic log may say: the kind of refusal, never what was typed (a name, a number).
    pub fn for_the_log(&self) -> String {
        let what = match self {
            Refusal::UnknownCategory { .. } => "unknown plan category",
            Refusal::UnknownItem(_) => "unknown checklist item",
            Refusal::UnknownRole { .. } => "unknown checklist role",
            Refusal::UnknownPhase { .. } => "unknown checklist phase",
            Refusal::UnknownService(_) => "unknown service",
            Refusal::ServiceExists(_) => "service already listed",
            Refusal::UnknownServiceState(_) => "unknown service state",
            Refusal::ServiceAlready { .. } => "service already in that state",
            Refusal::ServiceSkips { .. } => "service state skips a step",
            Refusal::NothingToRecord => "nothing to record",
            Refusal::NotTicked(_) => "checklist item not ticked",
            Refusal::EmptyText(_) => "empty text",
            Refusal::NoPatientList => "no patient list to sample",
            Refusal::NothingLeftToSample { .. } => "no patients left to sample",
            Refusal::UnknownSubject(_) => "unknown re-check subject",
            Refusal::NotInRecheck(_) => "patient not in the re-check",
            Refusal::NoIssue { .. } => "no open re-check issue",
            Refusal::IssueAlready { .. } => "re-check issue already in that state",
            Refusal::UnknownIssueState(_) => "unknown re-check issue state",
            Refusal::SignoffHeld { .. } => "sign-off held: open issues or unchecked items",
        };
        format!("runbook left as it was: {what} (exit code {})", self.exit_code())
    }
}

impl Display for Refusal {
    fn fmt(&self, f: &mut Formatter<'_>) -> fmt::Result {
        match self {
            Refusal::UnknownCategory { given, known } => write!(
                f,
                "{} is not one of the cutover plan's categories, so nothing was changed. They are: {}.",
                quoted(given),
                escape_list(known)
            ),
            Refusal::UnknownItem(given) => write!(
                f,
                "There is no checklist item {}, so nothing was changed. `cutover checklist` lists the items with their ids (such as PM-E1).",
                quoted(given)
            ),
            Refusal::UnknownRole { given, known } => {
                write!(f, "{} is not a checklist role. The roles are: {}.", quoted(given), escape_list(known))
            }
            Refusal::UnknownPhase { given, known } => {
                write!(f, "{} is not a checklist phase. The phases are: {}.", quoted(given), escape_list(known))
            }
            Refusal::UnknownService(given) => write!(
                f,
                "There is no service {} on the list, so nothing was changed. `cutover services` lists them; add one with `cutover services add NAME`.",
                quoted(given)
            ),
            Refusal::ServiceExists(name) => {
                write!(f, "{} is already on the services list, so nothing was added.", quoted(name))
            }
            Refusal::UnknownServiceState(given) => write!(
                f,
                "--state: {} is not a service state. Use one of: {}.",
                quoted(given),
                ServiceState::ALL.iter().map(|s| s.option()).collect::<Vec<_>>().join(", ")
            ),
            Refusal::ServiceAlready { service, state } => {
                write!(f, "{} is already at \"{}\", so nothing was changed.", escape_inline(service), state.words())
            }
            Refusal::ServiceSkips { service, from, to, next } => write!(
                f,
                "{} is at \"{}\", so it cannot go to \"{}\" yet: nothing was changed. Steps are not skipped; the next one is \"{}\" (--state {}).",
                escape_inline(service),
                from.words(),
                to.words(),
                next.words(),
                next.option()
            ),
            Refusal::NothingToRecord => f.write_str("Give --state, --note or both: nothing was changed."),
            Refusal::NotTicked(item) => {
                write!(f, "{} is not ticked, so there is nothing to untick.", escape_inline(item))
            }
            Refusal::EmptyText(what) => write!(f, "{what} cannot be empty: nothing was changed."),
            Refusal::NoPatientList => f.write_str(
                "There is no patient list to draw a sample from: nothing was drawn. Load the practice's list first with `cutover import patients FILE.csv`.",
            ),
            Refusal::NothingLeftToSample { population } => write!(
                f,
                "All {population} patients on the list with an NHS number are already in the re-check, so there is no one left to draw: nothing was changed."
            ),
            Refusal::UnknownSubject(given) => write!(
                f,
                "{} is neither an NHS number nor one of the re-check's reports (qof, cytology, immunisation, capitation, local-codes): nothing was changed.",
                quoted(given)
            ),
            Refusal::NotInRecheck(nhs) => {
                let nhs = escape_inline(nhs);
                write!(
                f,
                "{nhs} is not in the go-live re-check, so nothing was marked. Add the patient first with `cutover recheck add {nhs}`."
            )
            }
            Refusal::NoIssue { subject, state } => {
                let subject = escape_inline(subject);
                write!(
                f,
                "{subject} has no open issue ({}), so nothing was changed. Record an issue first with `cutover recheck mark {subject} --issue TEXT`.",
                state.words()
            )
            }
            Refusal::IssueAlready { subject, state } => {
                write!(f, "{} is already marked {}, so nothing was changed.", escape_inline(subject), state.words())
            }
            Refusal::UnknownIssueState(given) => write!(
                f,
                "--state: {} is not an issue's state. Use reported (to the supplier), fixed or accepted.",
                quoted(given)
            ),
            Refusal::SignoffHeld { open_issues, unchecked } => write!(
                f,
                "{} See them with `cutover recheck`. To sign off all the same, give the reason: cutover recheck signoff --reason TEXT.",
                signoff_held(*open_issues, *unchecked)
            ),
        }
    }
}

/// "Go Live Data was not signed off: 1 issue is still open and 5 re-check items are not checked
/// yet.": the refusal as the command line and the screen both say it.
pub fn signoff_held(open_issues: usize, unchecked: usize) -> String {
    let mut held = Vec::new();
    if open_issues > 0 {
        held.push(format!("{open_issues} issue{} still open", if open_issues == 1 { " is" } else { "s are" }));
    }
    if unchecked > 0 {
        held.push(format!("{unchecked} re-check item{} not checked yet", if unchecked == 1 { " is" } else { "s are" }));
    }
    format!("Go Live Data was not signed off: {}.", held.join(" and "))
}

/// Whether `service`, at `from`, may go to `to` (`ServiceState::step_to`), refused in the words
/// above: the store's check before it writes, and the screen's before it asks for a note.
pub fn service_step(service: &str, from: ServiceState, to: ServiceState) -> Result<(), Refusal> {
    from.step_to(to).map_err(|refused| match refused {
        StepRefused::Already(state) => Refusal::ServiceAlready { service: service.to_string(), state },
        StepRefused::Skips { next } => Refusal::ServiceSkips { service: service.to_string(), from, to, next },
    })
}
