//! The one table of the re-entry policy's numbers: tier allowances, points and the appointment
//! window. `docs/reentry-policy.md` explains each in words; change them here and nowhere else.

use chrono::Duration;

use crate::domain::fields::Kind;
use crate::domain::time::Span;

/// Every number the policy uses. Points add up to an item's score, which orders items within a tier
/// (higher first); tiers always come first, so points never lift an item out of its tier.
pub struct Weights {
    /// How long after go-live an item of each tier is due (tier 1 first): hours on the clock for
    /// the go-live-day tiers, days on the calendar (the same clock time) for the others.
    pub tier_allowance: [Span; 4],
    /// A future booking must be in the new appointment book this long before the patient arrives.
    pub appointment_lead: Duration,
    /// Future bookings within this many working days of go-live are go-live-day work (tier 2).
    pub appointment_soon_working_days: u32,
    /// Appointments within this many days of go-live earn points for nearness ...
    pub appointment_horizon_days: i64,
    /// ... this many a day nearer.
    pub appointment_points_per_day: i64,

    /// Points for the kind of entry: what is lost if it waits.
    pub kind: [(Kind, i64); 14],

    pub prescription_issued: i64,
    pub prescription_requested: i64,
    pub prescription_not_issued: i64,
    pub result_abnormal: i64,
    pub result_needs_action: i64,
    pub result_expected_electronically: i64,
    pub referral_two_week_wait: i64,
    pub referral_urgent: i64,
    pub new_allergy: i64,
    pub medication_change: i64,
    pub safeguarding: i64,
    pub death_notified: i64,
    pub new_diagnosis: i64,
    pub flagged_urgent: i64,
    pub clinical_content: i64,
    pub correspondence_needs_action: i64,
    pub correspondence_from_urgent_care: i64,
    pub appointment_cancelled: i64,
    /// A registration inherits urgency from what it blocks: this much for each item waiting on it.
    pub registration_per_dependent: i64,
}

pub const WEIGHTS: Weights = Weights {
    tier_allowance: [Span::Hours(2), Span::Hours(10), Span::Days(7), Span::Days(28)],
    appointment_lead: Duration::hours(1),
    appointment_soon_working_days: 2,
    appointment_horizon_days: 14,
    appointment_points_per_day: 2,

    kind: [
        (Kind::Prescription, 40),
        (Kind::Registration, 35),
        (Kind::Pathology, 30),
        (Kind::Referral, 30),
        (Kind::Correspondence, 25),
        (Kind::Consultation, 20),
        (Kind::HomeVisit, 20),
        (Kind::Appointment, 15),
        (Kind::Screening, 15),
        (Kind::Telephone, 10),
        (Kind::Note, 10),
        (Kind::Document, 5),
        (Kind::DispensaryStock, 5),
        (Kind::Summarisation, 0),
    ],

    prescription_issued: 20,
    prescription_requested: 10,
    prescription_not_issued: -10,
    result_abnormal: 30,
    result_needs_action: 15,
    result_expected_electronically: -10,
    referral_two_week_wait: 40,
    referral_urgent: 25,
    new_allergy: 30,
    medication_change: 25,
    safeguarding: 30,
    death_notified: 35,
    new_diagnosis: 10,
    flagged_urgent: 20,
    clinical_content: 10,
    correspondence_needs_action: 15,
    correspondence_from_urgent_care: 10,
    appointment_cancelled: -5,
    registration_per_dependent: 5,
};

impl Weights {
    pub fn kind_points(&self, kind: Kind) -> i64 {
        self.kind.iter().find(|(k, _)| *k == kind).map_or(0, |(_, p)| *p)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_kind_has_points_once() {
        for kind in Kind::ALL {
            assert_eq!(WEIGHTS.kind.iter().filter(|(k, _)| *k == kind).count(), 1, "{kind}");
        }
    }

    #[test]
    fn allowances_grow_with_the_tier() {
        assert!(WEIGHTS.tier_allowance.windows(2).all(|w| w[0].nominal_hours() < w[1].nominal_hours()));
    }
}
