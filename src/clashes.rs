//! What two PCs did to one entry apart, each not knowing of the other, told in sentences wherever
//! the entry is shown (the queue screen, the entry's own screen, `cutover show`): worked out from the
//! entry's own history, so every PC says the same, whenever it is asked. The kinds are
//! `domain::clash::Clash`; a merge or a sharing round also notes them for the home screen
//! (`Store::clashes_to_look_at`).

use std::collections::HashMap;

use crate::domain::clash::{Clash, simplified};
use crate::domain::time;
use crate::error::Result;
use crate::queue::workflow::action_words;
use crate::store::{EntryHeader, ReentryEvent, Revision, Store, replay};

/// One clash of an entry, and what happened, in a sentence for the person looking at it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Told {
    pub clash: Clash,
    pub text: String,
}

/// Every clash of `entry` (whose revisions are given, as shown), read from its history.
pub fn of_entry(store: &Store, entry: &EntryHeader, revisions: &[Revision]) -> Result<Vec<Told>> {
    let events = store.reentry_history(&entry.id)?;
    let mut prefixes: HashMap<String, String> = HashMap::new();
    for e in &events {
        if !prefixes.contains_key(&e.workstation_id) {
            let prefix = store.workstation_prefix(&e.workstation_id)?.unwrap_or_else(|| e.workstation_id.clone());
            prefixes.insert(e.workstation_id.clone(), prefix);
        }
    }
    let duplicates = store.possible_duplicates_of(&entry.id)?;
    Ok(told(entry.voided, revisions, &events, &prefixes, &duplicates))
}

/// The sentences, from the entry's revisions, its re-entry events (with their workstations'
/// prefixes) and the references of the entries that look like it logged again elsewhere.
pub fn told(
    voided: bool,
    revisions: &[Revision],
    events: &[ReentryEvent],
    prefixes: &HashMap<String, String>,
    duplicates: &[String],
) -> Vec<Told> {
    let mut out: Vec<Told> = Vec::new();
    let by_id = |id: &str| events.iter().find(|e| e.id == id);
    let place = |e: &ReentryEvent| prefixes.get(&e.workstation_id).cloned().unwrap_or_else(|| e.workstation_id.clone());
    let replayed = replay(events);
    for (stood, lost) in &replayed.lost_claims {
        let (Some(stood), Some(lost)) = (by_id(stood), by_id(lost)) else { continue };
        let (winner, loser) = (&stood.staff_id, &lost.staff_id);
        out.push(Told {
            clash: Clash::ClaimedTwice,
            text: format!(
                "Claimed on two PCs at once, neither knowing of the other: {loser} on {} and {winner} on {}. It is {winner}'s on every PC: {loser}, leave it to {winner}.",
                place(lost),
                place(stood)
            ),
        });
    }
    let new_ref = |e: &ReentryEvent| {
        e.new_system_ref.as_deref().map_or_else(|| "no reference given".to_string(), |r| format!("reference {r}"))
    };
    for (earlier, later) in &replayed.done_twice {
        let (Some(a), Some(b)) = (by_id(earlier), by_id(later)) else { continue };
        out.push(Told {
            clash: Clash::DoneTwice,
            text: format!(
                "Possibly keyed into the new system twice: marked done by {} on {} ({}) and by {} on {} ({}). Check the new system and remove the copy there.",
                a.staff_id,
                place(a),
                new_ref(a),
                b.staff_id,
                place(b),
                new_ref(b)
            ),
        });
    }
    for pair in &replayed.clashes {
        if replayed.done_twice.contains(pair) {
            continue;
        }
        let (Some(a), Some(b)) = (by_id(&pair.0), by_id(&pair.1)) else { continue };
        let words = |e: &ReentryEvent| e.action.map_or("changed", action_words);
        out.push(Told {
            clash: Clash::ChangedWhenFinished,
            text: format!(
                "Finished on one PC and changed on another that did not know: {} by {} on {} at {}, then {} by {} on {} at {}, without being reopened. Both are kept and the later counts: check what was keyed into the new system.",
                words(a),
                a.staff_id,
                place(a),
                time::format_uk(a.at),
                words(b),
                b.staff_id,
                place(b),
                time::format_uk(b.at)
            ),
        });
    }
    out.extend(told_of_revisions(voided, revisions));
    for other in duplicates {
        out.push(Told {
            clash: Clash::LoggedTwice,
            text: format!(
                "Possibly logged twice: {other}, from another PC, has the same kind, patient, time and summary. Check both, and void the copy if they are one."
            ),
        });
    }
    let kept = simplified(out.iter().map(|t| t.clash));
    out.retain(|t| kept.contains(&t.clash));
    out
}

/// From the revisions alone: a void that stands over an amendment made apart from it, and
/// amendments made on two PCs from one version.
fn told_of_revisions(voided: bool, revisions: &[Revision]) -> Vec<Told> {
    let mut out = Vec::new();
    let children = |id: &str| revisions.iter().filter(|r| r.parent_id.as_deref() == Some(id)).collect::<Vec<_>>();
    // An amendment nothing came after, on a voided entry, was made not knowing of the void.
    let void = revisions.iter().rev().find(|r| r.voided);
    let apart: Vec<&Revision> = revisions
        .iter()
        .filter(|r| voided && !r.voided && r.parent_id.is_some() && children(&r.id).is_empty())
        .collect();
    if let (Some(void), false) = (void, apart.is_empty()) {
        let amended: Vec<&str> = apart.iter().map(|r| r.workstation_prefix.as_str()).collect();
        out.push(Told {
            clash: Clash::VoidOverAmendment,
            text: format!(
                "Voided on {} while it was amended on {} by someone who did not know: the void stands, and the amendment is kept in the history. Log it again if it is still needed.",
                void.workstation_prefix,
                amended.join(" and ")
            ),
        });
    }
    for r in revisions {
        let made = children(&r.id);
        if made.len() > 1 {
            let mut places: Vec<&str> = made.iter().map(|c| c.workstation_prefix.as_str()).collect();
            places.dedup();
            out.push(Told {
                clash: Clash::AmendedApart,
                text: format!(
                    "Amended on {} from the same version, apart: both are kept and the later one shows. Check the history.",
                    if places.len() > 1 { format!("two PCs ({})", places.join(" and ")) } else { places.join("") }
                ),
            });
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::store::ReentryAction;
    use chrono::TimeZone;

    fn event(id: &str, minute: u32, staff: &str, workstation: &str, action: ReentryAction) -> ReentryEvent {
        let at = chrono::Utc.with_ymd_and_hms(2026, 11, 23, 9, minute, 0).unwrap();
        ReentryEvent {
            id: id.into(),
            at,
            staff_id: staff.into(),
            workstation_id: workstation.into(),
            action: Some(action),
            note: None,
            new_system_ref: (action == ReentryAction::Done).then(|| format!("S-{id}")),
            nhs_number: None,
            claimed_until: (action == ReentryAction::Claim).then(|| at + chrono::Duration::hours(4)),
            taken_from: None,
            for_staff: None,
        }
    }

    fn prefixes() -> HashMap<String, String> {
        [("w1", "R1"), ("w2", "C1")].map(|(id, p)| (id.to_string(), p.to_string())).into()
    }

    #[test]
    fn a_lost_claim_names_who_holds_the_item_and_tells_the_other_to_leave_it() {
        let events = [event("a", 0, "KL", "w1", ReentryAction::Claim), event("b", 1, "JS", "w2", ReentryAction::Claim)];
        let told = told(false, &[], &events, &prefixes(), &[]);
        assert_eq!(told.len(), 1, "{told:?}");
        assert_eq!(told[0].clash, Clash::ClaimedTwice);
        assert!(
            told[0].text.contains("KL on R1 and JS on C1. It is JS's on every PC: KL, leave it to JS."),
            "{told:?}"
        );
    }

    #[test]
    fn an_item_done_on_two_pcs_is_told_once_with_both_references() {
        let events = [event("a", 0, "KL", "w1", ReentryAction::Done), event("b", 1, "JS", "w2", ReentryAction::Done)];
        let told = told(false, &[], &events, &prefixes(), &[]);
        assert_eq!(told.iter().map(|t| t.clash).collect::<Vec<_>>(), [Clash::DoneTwice], "{told:?}");
        assert!(told[0].text.contains("by KL on R1 (reference S-a) and by JS on C1 (reference S-b)"), "{told:?}");
    }

    #[test]
    fn an_item_set_aside_after_it_was_done_elsewhere_says_what_was_done_where_and_when() {
        let events =
            [event("a", 0, "KL", "w1", ReentryAction::Done), event("b", 1, "JS", "w2", ReentryAction::NotRequired)];
        let told = told(false, &[], &events, &prefixes(), &["C1-0002".to_string()]);
        let clashes: Vec<Clash> = told.iter().map(|t| t.clash).collect();
        assert_eq!(clashes, [Clash::ChangedWhenFinished, Clash::LoggedTwice], "{told:?}");
        assert!(told[0].text.contains("marked done by KL on R1 at 23/11/2026 09:00"), "{told:?}");
        assert!(told[0].text.contains("then set aside as not required by JS on C1 at 23/11/2026 09:01"), "{told:?}");
        assert!(told[1].text.contains("C1-0002"), "{told:?}");
    }

    #[test]
    fn one_pcs_own_changes_are_no_clash() {
        let events = [
            event("a", 0, "KL", "w1", ReentryAction::Claim),
            event("b", 1, "KL", "w1", ReentryAction::Done),
            event("c", 2, "JS", "w2", ReentryAction::Reopen),
            event("d", 3, "JS", "w2", ReentryAction::Done),
        ];
        assert_eq!(told(false, &[], &events, &prefixes(), &[]), []);
    }
}
