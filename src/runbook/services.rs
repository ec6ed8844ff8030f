//! A third-party service's way through the cutover: switched off before FDP, switched back on after
//! go-live, each step confirmed by someone. One state at a time, one step at a time.

use crate::domain::text::fold;

#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum ServiceState {
    ToSwitchOff,
    ConfirmedOff,
    ToSwitchOn,
    ConfirmedOn,
    /// The practice does not use it: nothing to switch off or on.
    NotUsed,
}

/// Why a service cannot go to the state asked.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum StepRefused {
    Already(ServiceState),
    /// Steps cannot be skipped: this is the one that comes next.
    Skips {
        next: ServiceState,
    },
}

impl ServiceState {
    pub const ALL: [ServiceState; 5] = [
        ServiceState::ToSwitchOff,
        ServiceState::ConfirmedOff,
        ServiceState::ToSwitchOn,
        ServiceState::ConfirmedOn,
        ServiceState::NotUsed,
    ];

    /// The order of the way through; `NotUsed` stands aside.
    const WAY: [ServiceState; 4] =
        [ServiceState::ToSwitchOff, ServiceState::ConfirmedOff, ServiceState::ToSwitchOn, ServiceState::ConfirmedOn];

    /// As stored.
    pub fn name(self) -> &'static str {
        match self {
            ServiceState::ToSwitchOff => "to_switch_off",
            ServiceState::ConfirmedOff => "confirmed_off",
            ServiceState::ToSwitchOn => "to_switch_on",
            ServiceState::ConfirmedOn => "confirmed_on",
            ServiceState::NotUsed => "not_used",
        }
    }

    /// As typed on the command line.
    pub fn option(self) -> &'static str {
        match self {
            ServiceState::ToSwitchOff => "to-switch-off",
            ServiceState::ConfirmedOff => "confirmed-off",
            ServiceState::ToSwitchOn => "to-switch-on",
            ServiceState::ConfirmedOn => "confirmed-on",
            ServiceState::NotUsed => "not-used",
        }
    }

    /// As people read it.
    pub fn words(self) -> &'static str {
        match self {
            ServiceState::ToSwitchOff => "to switch off",
            ServiceState::ConfirmedOff => "confirmed off",
            ServiceState::ToSwitchOn => "to switch on",
            ServiceState::ConfirmedOn => "confirmed back on",
            ServiceState::NotUsed => "not used here",
        }
    }

    pub fn from_name(stored: &str) -> Option<ServiceState> {
        ServiceState::ALL.into_iter().find(|s| s.name() == stored)
    }

    /// What a person may type: the option, the words, or "off" and "on" for the confirmations.
    pub fn parse(typed: &str) -> Option<ServiceState> {
        let wanted = fold(typed);
        match wanted.as_str() {
            "off" => return Some(ServiceState::ConfirmedOff),
            "on" | "backon" => return Some(ServiceState::ConfirmedOn),
            _ => {}
        }
        ServiceState::ALL.into_iter().find(|s| [s.name(), s.option(), s.words()].iter().any(|n| fold(n) == wanted))
    }

    /// Whether a service in this state still has to come back on once the practice is live.
    pub fn awaits_back_on(self) -> bool {
        !matches!(self, ServiceState::ConfirmedOn | ServiceState::NotUsed)
    }

    /// Whether the state may move to `to`: one step along the way, or one back to correct a
    /// mistake (or because a service went off again); into or out of "not used" from anywhere.
    pub fn step_to(self, to: ServiceState) -> Result<(), StepRefused> {
        if self == to {
            return Err(StepRefused::Already(self));
        }
        if self == ServiceState::NotUsed || to == ServiceState::NotUsed {
            return Ok(());
        }
        let at = |s| ServiceState::WAY.iter().position(|w| *w == s).unwrap_or(0);
        let (from, wanted) = (at(self), at(to));
        if from.abs_diff(wanted) == 1 {
            return Ok(());
        }
        let next = ServiceState::WAY[(from + 1).min(ServiceState::WAY.len() - 1)];
        Err(StepRefused::Skips { next })
    }
}

#[cfg(test)]
mod tests {
    use super::ServiceState::*;
    use super::*;

    #[test]
    fn a_service_goes_off_and_back_on_one_step_at_a_time() {
        assert_eq!(ToSwitchOff.step_to(ConfirmedOff), Ok(()));
        assert_eq!(ConfirmedOff.step_to(ToSwitchOn), Ok(()));
        assert_eq!(ToSwitchOn.step_to(ConfirmedOn), Ok(()));
        assert_eq!(ConfirmedOn.step_to(ToSwitchOn), Ok(()), "it went off again");
        assert_eq!(ConfirmedOff.step_to(ToSwitchOff), Ok(()), "confirmed in error");
        assert_eq!(ToSwitchOff.step_to(ConfirmedOn), Err(StepRefused::Skips { next: ConfirmedOff }));
        assert_eq!(ToSwitchOff.step_to(ToSwitchOn), Err(StepRefused::Skips { next: ConfirmedOff }));
        assert_eq!(ConfirmedOn.step_to(ToSwitchOff), Err(StepRefused::Skips { next: ConfirmedOn }));
        assert_eq!(ConfirmedOff.step_to(ConfirmedOff), Err(StepRefused::Already(ConfirmedOff)));
        for s in ServiceState::ALL.into_iter().filter(|s| *s != NotUsed) {
            assert_eq!(s.step_to(NotUsed), Ok(()));
            assert_eq!(NotUsed.step_to(s), Ok(()));
        }
    }

    #[test]
    fn only_a_service_back_on_or_not_used_is_no_longer_awaited() {
        let awaited: Vec<_> = ServiceState::ALL.into_iter().filter(|s| s.awaits_back_on()).collect();
        assert_eq!(awaited, [ToSwitchOff, ConfirmedOff, ToSwitchOn]);
    }

    #[test]
    fn states_are_read_as_people_type_them() {
        for s in ServiceState::ALL {
            assert_eq!(ServiceState::parse(s.option()), Some(s));
            assert_eq!(ServiceState::parse(s.words()), Some(s));
            assert_eq!(ServiceState::from_name(s.name()), Some(s));
        }
        assert_eq!(ServiceState::parse("OFF"), Some(ConfirmedOff));
        assert_eq!(ServiceState::parse("back on"), Some(ConfirmedOn));
        assert_eq!(ServiceState::parse("sideways"), None);
    }
}
