//! What two PCs did to one entry apart, each not knowing of the other, that a person should look
//! at: the kinds a merge or a sharing round finds, and their names in a few words.

/// One kind of clash between PCs, as found for an entry.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum Clash {
    /// Claimed on two PCs at once: one claim stands by a fixed rule, the other was lost.
    ClaimedTwice,
    /// Marked done on two PCs with no reopening between: possibly keyed into the new system twice.
    DoneTwice,
    /// Finished on one PC, then changed on another that did not know.
    ChangedWhenFinished,
    /// Voided on one PC and amended on another that did not know: the void stands.
    VoidOverAmendment,
    /// Amended on two PCs from the same version: both kept, the later shows.
    AmendedApart,
    /// The same kind, patient, time and summary logged on two PCs.
    LoggedTwice,
}

impl Clash {
    pub const ALL: [Clash; 6] = [
        Clash::ClaimedTwice,
        Clash::DoneTwice,
        Clash::ChangedWhenFinished,
        Clash::VoidOverAmendment,
        Clash::AmendedApart,
        Clash::LoggedTwice,
    ];

    /// The name it is kept under.
    pub fn name(self) -> &'static str {
        match self {
            Clash::ClaimedTwice => "claimed_twice",
            Clash::DoneTwice => "done_twice",
            Clash::ChangedWhenFinished => "changed_when_finished",
            Clash::VoidOverAmendment => "void_over_amendment",
            Clash::AmendedApart => "amended_apart",
            Clash::LoggedTwice => "logged_twice",
        }
    }

    pub fn parse(name: &str) -> Option<Clash> {
        Clash::ALL.into_iter().find(|c| c.name() == name)
    }

    /// A few words for a list: "R1-0003 (claimed on two PCs)".
    pub fn words(self) -> &'static str {
        match self {
            Clash::ClaimedTwice => "claimed on two PCs",
            Clash::DoneTwice => "possibly keyed twice",
            Clash::ChangedWhenFinished => "changed after it was finished",
            Clash::VoidOverAmendment => "voided while amended on another PC",
            Clash::AmendedApart => "amended on two PCs",
            Clash::LoggedTwice => "possibly logged twice",
        }
    }

    /// Whether `self` is already said by `other` for the same entry: an item done on two PCs was
    /// also changed when finished, and an entry voided while amended elsewhere was amended apart.
    fn said_by(self, other: Clash) -> bool {
        matches!(
            (self, other),
            (Clash::ChangedWhenFinished, Clash::DoneTwice) | (Clash::AmendedApart, Clash::VoidOverAmendment)
        )
    }
}

/// The clashes of one entry, each once, in order, leaving out what another of them already says.
pub fn simplified(clashes: impl IntoIterator<Item = Clash>) -> Vec<Clash> {
    let mut all: Vec<Clash> = clashes.into_iter().collect();
    all.sort();
    all.dedup();
    let kept: Vec<Clash> = all.iter().copied().filter(|c| !all.iter().any(|o| c.said_by(*o))).collect();
    kept
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_clash_is_kept_under_a_name_it_is_read_back_by() {
        for clash in Clash::ALL {
            assert_eq!(Clash::parse(clash.name()), Some(clash));
        }
        assert_eq!(Clash::parse("something newer"), None);
    }

    #[test]
    fn a_clash_another_one_already_says_is_left_out() {
        use Clash::*;
        assert_eq!(simplified([ChangedWhenFinished, DoneTwice, DoneTwice]), [DoneTwice]);
        assert_eq!(simplified([AmendedApart, VoidOverAmendment, ClaimedTwice]), [ClaimedTwice, VoidOverAmendment]);
        assert_eq!(simplified([AmendedApart, ChangedWhenFinished]), [ChangedWhenFinished, AmendedApart]);
    }
}
