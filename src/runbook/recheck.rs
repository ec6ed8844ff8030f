//! The go-live re-check: each patient tested at the initial data production, a random sample of the
//! patient list and the guide's reports, looked at in the new system and found to match or not; an
//! issue's progress; and when Go Live Data may be signed off.

use rand::SeedableRng;

use crate::domain::text::fold;

/// Where one re-checked patient or report stands.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum RecheckState {
    Unchecked,
    Matches,
    /// An issue found, not yet reported to the supplier.
    Issue,
    Reported,
    Fixed,
    /// Accepted as it is (with the reason in its note).
    Accepted,
}

/// Why a re-check mark was refused.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum MarkRefused {
    /// Reported, fixed or accepted need an issue to be about.
    NoIssue,
    Already(RecheckState),
}

impl RecheckState {
    pub const MARKS: [RecheckState; 5] = [
        RecheckState::Matches,
        RecheckState::Issue,
        RecheckState::Reported,
        RecheckState::Fixed,
        RecheckState::Accepted,
    ];

    /// As stored (`Unchecked` never is: it is having no rows).
    pub fn name(self) -> &'static str {
        match self {
            RecheckState::Unchecked => "unchecked",
            RecheckState::Matches => "matches",
            RecheckState::Issue => "issue",
            RecheckState::Reported => "reported",
            RecheckState::Fixed => "fixed",
            RecheckState::Accepted => "accepted",
        }
    }

    pub fn words(self) -> &'static str {
        match self {
            RecheckState::Unchecked => "not checked yet",
            RecheckState::Matches => "matches",
            RecheckState::Issue => "issue, open",
            RecheckState::Reported => "issue, reported to the supplier",
            RecheckState::Fixed => "issue, fixed",
            RecheckState::Accepted => "issue, accepted",
        }
    }

    pub fn from_name(stored: &str) -> Option<RecheckState> {
        RecheckState::MARKS.into_iter().find(|s| s.name() == stored)
    }

    /// An issue's next state as typed: reported, fixed or accepted.
    pub fn parse_progress(typed: &str) -> Option<RecheckState> {
        let wanted = fold(typed);
        [RecheckState::Reported, RecheckState::Fixed, RecheckState::Accepted]
            .into_iter()
            .find(|s| fold(s.name()) == wanted || (wanted == "reportedtosupplier" && *s == RecheckState::Reported))
    }

    /// An issue not yet fixed or accepted: it holds up the sign-off.
    pub fn is_open_issue(self) -> bool {
        matches!(self, RecheckState::Issue | RecheckState::Reported)
    }

    /// Whether `to` may follow: "matches" or a new issue at any time (a second look); an issue's
    /// progress only while there is an open issue.
    pub fn mark(self, to: RecheckState) -> Result<(), MarkRefused> {
        match to {
            RecheckState::Matches | RecheckState::Issue => Ok(()),
            _ if self == to => Err(MarkRefused::Already(to)),
            _ if self.is_open_issue() => Ok(()),
            _ => Err(MarkRefused::NoIssue),
        }
    }
}

/// Whether Go Live Data may be signed off as things stand, and what holds it up.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub struct SignoffHold {
    pub open_issues: usize,
    pub unchecked: usize,
}

impl SignoffHold {
    pub fn is_clear(self) -> bool {
        self.open_issues == 0 && self.unchecked == 0
    }
}

/// The most patients one sample may draw.
pub const SAMPLE_MAX: u32 = 10_000;

/// A seed for a sample drawn without one: short, so it is easy to read out to someone who wants
/// to draw the same sample again.
pub fn new_seed() -> u64 {
    u64::from_le_bytes(uuid::Uuid::new_v4().as_bytes()[..8].try_into().unwrap_or_default()) % 1_000_000
}

/// Draws `size` of `population` (NHS numbers, in the order given: sort them first) with `seed`:
/// the same list, size and seed always give the same patients, in the same order.
pub fn draw_sample(population: &[String], size: usize, seed: u64) -> Vec<String> {
    let mut rng = rand_chacha::ChaCha8Rng::seed_from_u64(seed);
    let size = size.min(population.len());
    rand::seq::index::sample(&mut rng, population.len(), size).into_iter().map(|i| population[i].clone()).collect()
}

#[cfg(test)]
mod tests {
    use super::RecheckState::*;
    use super::*;

    #[test]
    fn an_issue_is_reported_then_fixed_or_accepted_and_only_then_stops_the_sign_off_waiting() {
        assert_eq!(Unchecked.mark(Matches), Ok(()));
        assert_eq!(Unchecked.mark(Reported), Err(MarkRefused::NoIssue));
        assert_eq!(Matches.mark(Fixed), Err(MarkRefused::NoIssue));
        assert_eq!(Issue.mark(Reported), Ok(()));
        assert_eq!(Reported.mark(Reported), Err(MarkRefused::Already(Reported)));
        assert_eq!(Reported.mark(Fixed), Ok(()));
        assert_eq!(Issue.mark(Accepted), Ok(()));
        assert_eq!(Fixed.mark(Issue), Ok(()), "found again on a second look");
        let open: Vec<_> = RecheckState::MARKS.into_iter().filter(|s| s.is_open_issue()).collect();
        assert_eq!(open, [Issue, Reported]);
    }

    #[test]
    fn the_same_list_size_and_seed_draw_the_same_sample() {
        let list: Vec<String> = (0..500).map(|n| format!("{n:010}")).collect();
        let a = draw_sample(&list, 20, 4021);
        assert_eq!(a, draw_sample(&list, 20, 4021));
        assert_ne!(a, draw_sample(&list, 20, 4022));
        let distinct: std::collections::HashSet<_> = a.iter().collect();
        assert_eq!(distinct.len(), 20);
        assert_eq!(draw_sample(&list[..5], 20, 1).len(), 5, "never more than the list");
        // Pinned: a change of library that would draw another sample from a recorded seed shows here.
        assert_eq!(draw_sample(&list, 3, 7), ["0000000069", "0000000078", "0000000091"]);
    }
}
