//! The priority policy: an item's tier, due time, score and the reasons for them, from what was
//! logged and the go-live time alone. Pure: no I/O, and the time is passed in.

use chrono::{DateTime, Datelike, Duration, NaiveDate, Utc, Weekday};

use super::weights::{WEIGHTS, Weights};
use crate::domain::bank_holidays;
use crate::domain::fields::{Flag, Kind};
use crate::domain::time::{self, UK};
use crate::store::{ItemFacts, QueueRow};

/// The version of this policy: of this file, `weights.rs` and the bank holidays it counts. Items
/// are kept placed by the policy that placed them (schema 5); change this whenever a change here
/// could move an item, so that every database places its items again on its next save.
pub const POLICY_VERSION: &str = "2026-11-30.1";

/// How soon an item must be keyed, 1 (before anything else) to 4 (when the rest is done).
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum Tier {
    BeforeAnythingElse = 1,
    GoLiveDay = 2,
    FirstWeek = 3,
    WhenTheRestIsDone = 4,
}

impl Tier {
    pub const ALL: [Tier; 4] = [Tier::BeforeAnythingElse, Tier::GoLiveDay, Tier::FirstWeek, Tier::WhenTheRestIsDone];

    pub fn number(self) -> u8 {
        self as u8
    }

    pub fn from_number(n: u8) -> Option<Tier> {
        Tier::ALL.into_iter().find(|t| t.number() == n)
    }

    pub fn label(self) -> &'static str {
        match self {
            Tier::BeforeAnythingElse => "before anything else",
            Tier::GoLiveDay => "on go-live day",
            Tier::FirstWeek => "within the first week",
            Tier::WhenTheRestIsDone => "when the rest is done",
        }
    }

    fn index(self) -> usize {
        self as usize - 1
    }

    /// One tier sooner (tier 1 stays tier 1).
    fn sooner(self) -> Tier {
        Tier::from_number(self.number().saturating_sub(1).max(1)).unwrap_or(self)
    }
}

/// The time the policy measures from: go-live, or now while go-live is not set.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct PolicyContext {
    pub reference: DateTime<Utc>,
    pub now: DateTime<Utc>,
    pub go_live_set: bool,
}

impl PolicyContext {
    pub fn new(go_live: Option<DateTime<Utc>>, now: DateTime<Utc>) -> PolicyContext {
        PolicyContext { reference: go_live.unwrap_or(now), now, go_live_set: go_live.is_some() }
    }
}

/// One contribution to the score, for `--explain`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Term {
    pub points: i64,
    pub what: String,
}

/// Where the policy places one item, and why.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Assessment {
    pub tier: Tier,
    pub score: i64,
    pub due: DateTime<Utc>,
    /// What breaks a tie in due time: a future booking's own time (sooner first), otherwise `None`,
    /// and then the time the item happened (older first).
    pub booked_for: Option<DateTime<Utc>>,
    /// Short reasons, the one that set the tier first.
    pub reasons: Vec<String>,
    pub terms: Vec<Term>,
}

/// What keeps an item from being marked done.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Blocker {
    /// The patient's registration has not been keyed yet.
    Registration { entry_id: String, reference: String },
    /// The patient has no NHS number, and no waiver was recorded for this item.
    NhsNumber,
}

impl Blocker {
    pub fn describe(&self) -> String {
        match self {
            Blocker::Registration { reference, .. } => format!("blocked by registration {reference}"),
            Blocker::NhsNumber => "needs NHS number (trace) or a waiver".to_string(),
        }
    }
}

/// The dependency rule: an item waits for its patient's registration, and for an NHS number (or a
/// waiver). A registration is itself how a patient is traced, so it never waits for the number.
pub fn blocker(
    kind: Kind,
    has_patient: bool,
    nhs_known: bool,
    nhs_waived: bool,
    open_registration: Option<(&str, &str)>,
) -> Option<Blocker> {
    if let Some((entry_id, reference)) = open_registration {
        return Some(Blocker::Registration { entry_id: entry_id.to_string(), reference: reference.to_string() });
    }
    if kind != Kind::Registration && has_patient && !nhs_known && !nhs_waived {
        return Some(Blocker::NhsNumber);
    }
    None
}

/// Gathers the tier rules that apply and the points; the soonest tier claimed wins. Words are
/// only written when `explain` is set: the whole queue is ordered on numbers alone, and only the
/// rows shown are explained.
struct Scoring<'w> {
    weights: &'w Weights,
    explain: bool,
    score: i64,
    soonest: Option<Tier>,
    claims: Vec<(Tier, String)>,
    terms: Vec<Term>,
}

impl<'w> Scoring<'w> {
    fn new(weights: &'w Weights, kind: Kind, explain: bool) -> Scoring<'w> {
        let mut s = Scoring { weights, explain, score: 0, soonest: None, claims: Vec::new(), terms: Vec::new() };
        s.points_with(weights.kind_points(kind), || format!("kind: {}", kind.label().to_lowercase()));
        s
    }

    fn points(&mut self, points: i64, what: &str) {
        self.points_with(points, || what.to_string());
    }

    fn points_with(&mut self, points: i64, what: impl FnOnce() -> String) {
        self.score += points;
        if self.explain {
            self.terms.push(Term { points, what: what() });
        }
    }

    /// A rule that places the item in `tier` for `reason`.
    fn claim(&mut self, tier: Tier, reason: &str) {
        self.claim_with(tier, || reason.to_string());
    }

    fn claim_with(&mut self, tier: Tier, reason: impl FnOnce() -> String) {
        self.soonest = Some(self.soonest.map_or(tier, |t| t.min(tier)));
        if self.explain {
            self.claims.push((tier, reason()));
        }
    }

    /// The tier, and the reasons with the one that set it first.
    fn settle(self, kind: Kind, urgent: bool) -> (Tier, i64, Vec<String>, Vec<Term>) {
        let mut tier = self.soonest.unwrap_or(Tier::FirstWeek);
        let mut reasons = Vec::new();
        if self.explain {
            match self.claims.iter().position(|(t, _)| *t == tier) {
                None => reasons.push(format!("{}: keyed for completeness", kind.label().to_lowercase())),
                Some(first) => {
                    reasons.push(self.claims[first].1.clone());
                    let rest = self.claims.iter().enumerate().filter(|(i, _)| *i != first);
                    reasons.extend(rest.map(|(_, (_, r))| r.clone()));
                }
            }
        }
        if urgent {
            let sooner = tier.sooner();
            if sooner < tier {
                tier = sooner;
                if self.explain {
                    reasons.insert(0, "flagged urgent by staff: one tier sooner".to_string());
                }
            } else if self.explain {
                reasons.push("flagged urgent by staff".to_string());
            }
        }
        (tier, self.score, reasons, self.terms)
    }
}

/// Tier, due time, score and reasons for one item.
pub fn assess(row: &QueueRow, ctx: &PolicyContext) -> Assessment {
    assess_with(row, ctx, &WEIGHTS, true)
}

/// Tier, due time and score alone (`reasons` and `terms` left empty): what ordering needs.
pub fn place(row: &QueueRow, ctx: &PolicyContext) -> Assessment {
    assess_with(row, ctx, &WEIGHTS, false)
}

pub fn assess_with(row: &QueueRow, ctx: &PolicyContext, w: &Weights, explain: bool) -> Assessment {
    let kind = row.kind();
    let mut s = Scoring::new(w, kind, explain);
    let mut appointment_due = None;
    by_kind(&mut s, kind, &row.facts, ctx, &mut appointment_due);
    let urgent = by_flags(&mut s, &row.flags);
    let explain = s.explain;
    let (tier, score, mut reasons, terms) = s.settle(kind, urgent);
    let mut due = w.tier_allowance[tier.index()].after(ctx.reference);
    if let Some((at, lead)) = appointment_due
        && at - lead < due
    {
        due = at - lead;
        if explain {
            reasons.push(format!("due before the appointment on {}", time::format_uk_day(at)));
        }
    }
    let booked_for = appointment_due.map(|(at, _)| at);
    Assessment { tier, score, due, booked_for, reasons, terms }
}

fn by_kind(
    s: &mut Scoring,
    kind: Kind,
    f: &ItemFacts,
    ctx: &PolicyContext,
    appointment_due: &mut Option<(DateTime<Utc>, Duration)>,
) {
    let w = s.weights;
    match kind {
        Kind::Prescription => match f.rx_status.as_deref() {
            Some("requested") | Some("awaiting_reissue") => {
                s.points(w.prescription_requested, "medication requested, not yet issued");
                s.claim(Tier::GoLiveDay, "medication requested and not yet issued: the patient is waiting for it");
            }
            Some("declined") | Some("cancelled_on_spine") => {
                s.points(w.prescription_not_issued, "prescription declined or cancelled");
                s.claim(Tier::FirstWeek, "prescription declined or cancelled: recorded for completeness");
            }
            // Issued, or not said: a missing status is taken as issued, the safer reading.
            _ => {
                s.points(w.prescription_issued, "medication issued");
                s.claim(
                    Tier::BeforeAnythingElse,
                    "prescription issued: the medication record must be complete before the next issue",
                );
            }
        },
        Kind::Pathology | Kind::Screening => {
            if f.abnormal == Some(true) {
                s.points(w.result_abnormal, "result flagged abnormal");
                s.claim(Tier::BeforeAnythingElse, "abnormal result: it must not sit unseen");
            }
            if kind == Kind::Pathology && f.action_given {
                s.points(w.result_needs_action, "result with an action to follow up");
                s.claim(Tier::BeforeAnythingElse, "result needing action");
            }
            if f.expected_electronically == Some(true) {
                s.points(w.result_expected_electronically, "the lab will re-send it electronically");
                s.claim(Tier::FirstWeek, "the lab will re-send it electronically: reconcile rather than re-key");
            }
        }
        Kind::Referral => match f.urgency.as_deref() {
            Some("two_week_wait") => {
                s.points(w.referral_two_week_wait, "two-week-wait referral");
                s.claim(Tier::BeforeAnythingElse, "two-week-wait (suspected cancer) referral: it must be tracked");
            }
            Some("urgent") => {
                s.points(w.referral_urgent, "urgent referral");
                s.claim(Tier::BeforeAnythingElse, "urgent referral: it must be tracked");
            }
            _ => s.claim(Tier::FirstWeek, "routine referral: recorded within the first week"),
        },
        Kind::Consultation | Kind::HomeVisit => {
            if f.clinical_content {
                s.points(w.clinical_content, "clinical content recorded");
                s.claim(Tier::GoLiveDay, "clinical content: care continues from it");
            }
        }
        Kind::Correspondence => {
            let urgent_care = matches!(f.source.as_deref(), Some("nhs_111" | "out_of_hours" | "discharge"));
            if urgent_care {
                s.points(w.correspondence_from_urgent_care, "from 111, out of hours or a discharge");
            }
            if f.action_required == Some(true) {
                s.points(w.correspondence_needs_action, "correspondence needing action");
                s.claim(Tier::GoLiveDay, "correspondence needing action");
            }
        }
        Kind::Registration => s.claim(
            Tier::GoLiveDay,
            "new registration: no care can be recorded against a patient who is not registered",
        ),
        Kind::Appointment => appointment(s, f, ctx, appointment_due),
        Kind::Summarisation => {
            s.claim(Tier::WhenTheRestIsDone, "summarisation: paused work, resumed when the rest is done")
        }
        Kind::Telephone | Kind::Document | Kind::DispensaryStock | Kind::Note => {}
    }
}

fn appointment(
    s: &mut Scoring,
    f: &ItemFacts,
    ctx: &PolicyContext,
    appointment_due: &mut Option<(DateTime<Utc>, Duration)>,
) {
    let w = s.weights;
    let Some(at) = f.appointment_at else { return };
    let cancelled = matches!(f.appointment_status.as_deref(), Some("cancelled"));
    if at < ctx.reference {
        // Already happened: placed by what happened in it (its flags), like any other record.
        s.claim(Tier::FirstWeek, "appointment before go-live: record what happened");
        return;
    }
    if cancelled {
        s.points(w.appointment_cancelled, "booking cancelled");
        s.claim(Tier::FirstWeek, "cancelled booking: recorded for completeness");
        return;
    }
    // Days on the calendar, at go-live's clock time: a change of the clocks between does not
    // make a week-ahead booking six days ahead.
    let days = time::whole_days_between(ctx.reference, at);
    let nearness = (w.appointment_horizon_days - days).max(0) * w.appointment_points_per_day;
    if nearness > 0 {
        s.points_with(nearness, || match days {
            0 => "appointment on go-live day".to_string(),
            1 => "appointment 1 day after go-live".to_string(),
            n => format!("appointment {n} days after go-live"),
        });
    }
    let last_day = last_working_day(ctx.reference, w.appointment_soon_working_days);
    let window = || {
        let n = w.appointment_soon_working_days;
        let days = if n == 1 { "1 working day".to_string() } else { format!("{n} working days") };
        (days, last_day.format("%a %-d %b").to_string())
    };
    if at.with_timezone(&UK).date_naive() <= last_day {
        s.claim_with(Tier::GoLiveDay, || {
            let (days, end) = window();
            format!(
                "appointment on {}, within {days} of go-live (to the end of {end}): it must be in the new appointment book",
                time::format_uk_day(at)
            )
        });
    } else {
        s.claim_with(Tier::FirstWeek, || {
            let (days, end) = window();
            format!(
                "future appointment on {}, after the {days} from go-live (to the end of {end})",
                time::format_uk_day(at)
            )
        });
    }
    *appointment_due = Some((at, w.appointment_lead));
}

/// Points and tiers for the flags; says whether the item was flagged urgent.
fn by_flags(s: &mut Scoring, flags: &[Flag]) -> bool {
    let w = s.weights;
    for flag in flags {
        match flag {
            Flag::NewAllergy => {
                s.points(w.new_allergy, "new allergy");
                s.claim(Tier::BeforeAnythingElse, "new allergy: it must be on record before the next prescription");
            }
            Flag::MedicationChange => {
                s.points(w.medication_change, "medication change");
                s.claim(Tier::BeforeAnythingElse, "medication change: the next prescriber must see it");
            }
            Flag::Safeguarding => {
                s.points(w.safeguarding, "safeguarding concern");
                s.claim(Tier::BeforeAnythingElse, "safeguarding concern");
            }
            Flag::Deceased => {
                s.points(w.death_notified, "death notified");
                s.claim(Tier::BeforeAnythingElse, "death notified: stop recalls, prescriptions and letters");
            }
            Flag::NewDiagnosis => {
                s.points(w.new_diagnosis, "new diagnosis");
                s.claim(Tier::GoLiveDay, "new diagnosis");
            }
            Flag::Urgent => s.points(w.flagged_urgent, "flagged urgent"),
            Flag::Confidential => {}
        }
    }
    flags.contains(&Flag::Urgent)
}

/// The last day of "within `days` working days of `from`", as staff count working days: the
/// `days`th working day after `from`'s date (Monday to Friday, not a bank holiday in England), all
/// of it, in UK dates. `from`'s own day is never one of them, whatever day and time it is: after a
/// go-live on Sunday at 08:00 the two working days are Monday and Tuesday, and a booking at 09:10
/// on Tuesday is within them. Whole dates, so a change of the clocks moves nothing.
pub fn last_working_day(from: DateTime<Utc>, days: u32) -> NaiveDate {
    let mut date = from.with_timezone(&UK).date_naive();
    let mut left = days;
    while left > 0 {
        let Some(next) = date.succ_opt() else { break };
        date = next;
        let weekend = matches!(date.weekday(), Weekday::Sat | Weekday::Sun);
        if !weekend && !bank_holidays::is_bank_holiday(date) {
            left -= 1;
        }
    }
    date
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::store::QueueRow;

    fn t(s: &str) -> DateTime<Utc> {
        time::parse_uk_datetime(s, DateTime::<Utc>::UNIX_EPOCH).unwrap()
    }

    /// Go-live Monday 23/11/2026 08:00; looked at that afternoon.
    fn ctx() -> PolicyContext {
        PolicyContext::new(Some(t("23/11/2026 08:00")), t("23/11/2026 14:00"))
    }

    fn row(kind: Kind) -> QueueRow {
        QueueRow {
            entry_id: format!("00000000-0000-4000-8000-{:012}", kind as u8),
            kind: Some(kind),
            occurred_at: t("21/11/2026 10:00"),
            patient: Some("p".into()),
            nhs_known: true,
            ..Default::default()
        }
    }

    fn with(kind: Kind, f: impl FnOnce(&mut QueueRow)) -> QueueRow {
        let mut r = row(kind);
        f(&mut r);
        r
    }

    fn appointment_at(when: &str) -> QueueRow {
        with(Kind::Appointment, |r| {
            r.facts.appointment_at = Some(t(when));
            r.facts.appointment_status = Some("booked".into());
        })
    }

    /// The queue's order for two items: does `a` come before `b`?
    fn above(a: &QueueRow, b: &QueueRow) -> bool {
        let (x, y) = (assess(a, &ctx()), assess(b, &ctx()));
        let key = |r: &QueueRow, s: &Assessment| {
            (s.tier, -s.score, s.due, s.booked_for.is_none(), s.booked_for, r.occurred_at, r.entry_id.clone())
        };
        key(a, &x) < key(b, &y)
    }

    fn assert_above(a: &QueueRow, b: &QueueRow) {
        assert!(above(a, b), "{a:?}\n  {:?}\nshould rank above\n{b:?}\n  {:?}", assess(a, &ctx()), assess(b, &ctx()));
        assert!(!above(b, a));
    }

    #[test]
    fn an_issued_prescription_ranks_above_calls_appointments_documents_summarising_and_stock() {
        let issued = with(Kind::Prescription, |r| r.facts.rx_status = Some("issued".into()));
        let unstated = row(Kind::Prescription);
        let others = [
            row(Kind::Telephone),
            appointment_at("23/11/2026 09:00"),
            appointment_at("20/11/2026 09:00"),
            row(Kind::Document),
            row(Kind::Summarisation),
            row(Kind::DispensaryStock),
        ];
        for other in &others {
            assert_above(&issued, other);
            assert_above(&unstated, other);
        }
        assert_eq!(assess(&issued, &ctx()).tier, Tier::BeforeAnythingElse);
    }

    #[test]
    fn an_abnormal_result_ranks_above_the_same_result_not_abnormal() {
        for kind in [Kind::Pathology, Kind::Screening] {
            let abnormal = with(kind, |r| r.facts.abnormal = Some(true));
            let normal = with(kind, |r| r.facts.abnormal = Some(false));
            assert_above(&abnormal, &normal);
            assert_above(&abnormal, &row(kind));
        }
    }

    #[test]
    fn two_week_wait_ranks_above_urgent_above_routine() {
        let referral = |u: &str| with(Kind::Referral, |r| r.facts.urgency = Some(u.into()));
        assert_above(&referral("two_week_wait"), &referral("urgent"));
        assert_above(&referral("urgent"), &referral("routine"));
        assert_above(&referral("two_week_wait"), &referral("routine"));
    }

    #[test]
    fn a_consultation_or_visit_with_an_allergy_medication_change_or_safeguarding_ranks_above_one_without() {
        for kind in [Kind::Consultation, Kind::HomeVisit] {
            for content in [false, true] {
                let plain = with(kind, |r| r.facts.clinical_content = content);
                for flag in [Flag::NewAllergy, Flag::MedicationChange, Flag::Safeguarding] {
                    let flagged = with(kind, |r| {
                        r.facts.clinical_content = content;
                        r.flags = vec![flag];
                    });
                    assert_above(&flagged, &plain);
                }
            }
        }
    }

    #[test]
    fn flagged_urgent_ranks_above_the_same_entry_unflagged() {
        let cases = [
            row(Kind::Telephone),
            row(Kind::Summarisation),
            row(Kind::Document),
            with(Kind::Prescription, |r| r.facts.rx_status = Some("issued".into())),
            with(Kind::Referral, |r| r.facts.urgency = Some("two_week_wait".into())),
            appointment_at("30/11/2026 10:00"),
        ];
        for plain in cases {
            let mut urgent = plain.clone();
            urgent.flags.push(Flag::Urgent);
            assert_above(&urgent, &plain);
        }
    }

    #[test]
    fn a_registration_ranks_above_routine_appointments_documents_and_summarising() {
        let registration = row(Kind::Registration);
        for other in [
            appointment_at("30/11/2026 10:00"),
            appointment_at("20/11/2026 10:00"),
            row(Kind::Document),
            row(Kind::Summarisation),
        ] {
            assert_above(&registration, &other);
        }
    }

    #[test]
    fn a_sooner_future_appointment_ranks_above_a_later_one() {
        let times = [
            "23/11/2026 08:30",
            "23/11/2026 11:00",
            "24/11/2026 09:10",
            "25/11/2026 16:00",
            "27/11/2026 09:00",
            "01/12/2026 09:10",
            "15/12/2026 09:10",
            "20/01/2027 09:10",
        ];
        for pair in times.windows(2) {
            assert_above(&appointment_at(pair[0]), &appointment_at(pair[1]));
        }
        let soon = assess(&appointment_at("24/11/2026 09:10"), &ctx());
        assert_eq!(soon.tier, Tier::GoLiveDay);
        assert_eq!(assess(&appointment_at("01/12/2026 09:10"), &ctx()).tier, Tier::FirstWeek);
        let very_soon = assess(&appointment_at("23/11/2026 08:30"), &ctx());
        assert_eq!(very_soon.due, t("23/11/2026 07:30"), "due an hour before the patient arrives");
        assert!(very_soon.reasons.iter().any(|r| r.contains("due before the appointment on Mon 23 Nov 08:30")));
    }

    /// The tier of a booking (`when`) for a go-live at `go_live`.
    fn tier_of_booking(go_live: &str, when: &str) -> Tier {
        let at_go_live = PolicyContext::new(Some(t(go_live)), t(go_live));
        assess(&appointment_at(when), &at_go_live).tier
    }

    /// Issue 12, item 8: "within 2 working days of go-live" ends at the end of the second working
    /// day after go-live's date, as staff count it, not at go-live's clock time that day.
    #[test]
    fn two_working_days_end_at_the_end_of_the_second_working_day_after_go_live() {
        // Go-live on Sunday: Monday and Tuesday are the two working days; all of Tuesday is in.
        let sunday = "22/11/2026 08:00";
        assert_eq!(tier_of_booking(sunday, "24/11/2026 09:10"), Tier::GoLiveDay, "the issue's example");
        assert_eq!(tier_of_booking(sunday, "24/11/2026 23:59"), Tier::GoLiveDay);
        assert_eq!(tier_of_booking(sunday, "25/11/2026 00:00"), Tier::FirstWeek);
        // Go-live on Friday: the weekend does not count; Monday and Tuesday do.
        let friday = "20/11/2026 08:00";
        assert_eq!(tier_of_booking(friday, "21/11/2026 10:00"), Tier::GoLiveDay, "a Saturday clinic in between");
        assert_eq!(tier_of_booking(friday, "24/11/2026 17:30"), Tier::GoLiveDay);
        assert_eq!(tier_of_booking(friday, "25/11/2026 09:00"), Tier::FirstWeek);
        // Go-live on a working day: that day is not one of the two.
        let monday = "23/11/2026 08:00";
        assert_eq!(tier_of_booking(monday, "25/11/2026 16:00"), Tier::GoLiveDay);
        assert_eq!(tier_of_booking(monday, "26/11/2026 08:00"), Tier::FirstWeek);
        // Go-live in the evening: the same.
        assert_eq!(tier_of_booking("23/11/2026 18:00", "25/11/2026 18:30"), Tier::GoLiveDay);
        assert_eq!(last_working_day(t(sunday), 2), chrono::NaiveDate::from_ymd_opt(2026, 11, 24).unwrap());
    }

    /// Issue 12, item 8, across the clock changes: the days are days on the calendar in UK time,
    /// so the last minute of the second working day is in whichever way the clocks went.
    #[test]
    fn two_working_days_end_at_local_midnight_across_a_change_of_the_clocks() {
        // Autumn: go-live Friday 23/10/2026 08:00 BST; the clocks go back on Sunday 25/10.
        let autumn = "23/10/2026 08:00";
        assert_eq!(tier_of_booking(autumn, "27/10/2026 23:59"), Tier::GoLiveDay);
        assert_eq!(tier_of_booking(autumn, "28/10/2026 00:00"), Tier::FirstWeek);
        // Spring: go-live Friday 27/03/2026 08:00 GMT; the clocks go forward on Sunday 29/03.
        // Midnight starting Wednesday 01/04 is 23:00 on Tuesday by UTC: it is Wednesday here.
        let spring = "27/03/2026 08:00";
        assert_eq!(tier_of_booking(spring, "31/03/2026 23:30"), Tier::GoLiveDay);
        assert_eq!(tier_of_booking(spring, "01/04/2026 00:00"), Tier::FirstWeek);
        // Go-live just after midnight on the night the clocks go back.
        assert_eq!(tier_of_booking("25/10/2026 00:30", "27/10/2026 12:00"), Tier::GoLiveDay);
        assert_eq!(tier_of_booking("25/10/2026 00:30", "28/10/2026 08:00"), Tier::FirstWeek);
    }

    /// Every sum of the queue's policy across the 2026 clock changes: days keep go-live's clock
    /// time, hours are hours.
    #[test]
    fn due_times_across_the_clock_changes() {
        let summarising = row(Kind::Summarisation);
        let telephone = row(Kind::Telephone);
        let death = with(Kind::Note, |r| r.flags = vec![Flag::Deceased]);
        let diagnosis = with(Kind::Note, |r| r.flags = vec![Flag::NewDiagnosis]);
        // (go-live, item, its tier, due)
        let cases = [
            // Spring: clocks forward at 01:00 on Sunday 29/03/2026.
            ("27/03/2026 08:00", &telephone, Tier::FirstWeek, "03/04/2026 08:00"),
            ("27/03/2026 08:00", &summarising, Tier::WhenTheRestIsDone, "24/04/2026 08:00"),
            ("28/03/2026 20:00", &death, Tier::BeforeAnythingElse, "28/03/2026 22:00"),
            ("28/03/2026 20:00", &diagnosis, Tier::GoLiveDay, "29/03/2026 07:00"), // 10 hours on the clock face is 9 here
            // Autumn: clocks back at 02:00 BST on Sunday 25/10/2026.
            ("23/10/2026 08:00", &telephone, Tier::FirstWeek, "30/10/2026 08:00"),
            ("23/10/2026 08:00", &summarising, Tier::WhenTheRestIsDone, "20/11/2026 08:00"),
            ("25/10/2026 00:30", &death, Tier::BeforeAnythingElse, "25/10/2026 01:30 GMT"),
            ("24/10/2026 20:00", &diagnosis, Tier::GoLiveDay, "25/10/2026 05:00"),
        ];
        for (go_live, item, tier, due) in cases {
            let at_go_live = PolicyContext::new(Some(t(go_live)), t(go_live));
            let a = assess(item, &at_go_live);
            assert_eq!((a.tier, a.due), (tier, t(due)), "go-live {go_live}, {:?}", item.kind);
        }
    }

    #[test]
    fn appointment_days_and_working_days_across_the_clock_changes() {
        let spring = PolicyContext::new(Some(t("27/03/2026 08:00")), t("27/03/2026 08:00"));
        let a_week_on = assess(&appointment_at("03/04/2026 08:00"), &spring);
        assert!(a_week_on.terms.iter().any(|t| t.what == "appointment 7 days after go-live"), "{:?}", a_week_on.terms);
        let autumn = PolicyContext::new(Some(t("23/10/2026 08:00")), t("23/10/2026 08:00"));
        let a_week_on = assess(&appointment_at("30/10/2026 08:00"), &autumn);
        assert!(a_week_on.terms.iter().any(|t| t.what == "appointment 7 days after go-live"), "{:?}", a_week_on.terms);
    }

    #[test]
    fn two_working_days_skip_bank_holidays_too() {
        // Go-live on Christmas Eve 2026: Christmas Day, the weekend and the Boxing Day holiday
        // (Monday 28th) are not working days, so all of Wednesday 30th is go-live-day work.
        let christmas_eve = "24/12/2026 08:00";
        assert_eq!(tier_of_booking(christmas_eve, "30/12/2026 17:00"), Tier::GoLiveDay);
        assert_eq!(tier_of_booking(christmas_eve, "31/12/2026 09:00"), Tier::FirstWeek);
        // Go-live on Thursday before Easter 2026: Good Friday (03/04) and Easter Monday (06/04) are
        // bank holidays, so the two working days are Tuesday 07/04 and Wednesday 08/04.
        let maundy_thursday = "02/04/2026 08:00";
        assert_eq!(tier_of_booking(maundy_thursday, "08/04/2026 16:00"), Tier::GoLiveDay);
        assert_eq!(tier_of_booking(maundy_thursday, "09/04/2026 09:00"), Tier::FirstWeek);
        // Go-live on the Saturday of the late May bank holiday weekend 2026 (Monday 25/05).
        assert_eq!(tier_of_booking("23/05/2026 08:00", "27/05/2026 12:00"), Tier::GoLiveDay);
        assert_eq!(tier_of_booking("23/05/2026 08:00", "28/05/2026 12:00"), Tier::FirstWeek);
    }

    #[test]
    fn a_past_appointment_ranks_by_what_happened_in_it() {
        let past = appointment_at("20/11/2026 10:00");
        let past_with_change = with(Kind::Appointment, |r| {
            r.facts = past.facts.clone();
            r.flags = vec![Flag::MedicationChange];
        });
        assert_eq!(assess(&past, &ctx()).tier, Tier::FirstWeek);
        assert_eq!(assess(&past_with_change, &ctx()).tier, Tier::BeforeAnythingElse);
        assert_above(&past_with_change, &appointment_at("23/11/2026 09:00"));
        // Nearness points are for appointments still to come.
        assert!(assess(&past, &ctx()).terms.iter().all(|t| !t.what.contains("after go-live")));
    }

    #[test]
    fn summarisation_comes_last() {
        let summarising = row(Kind::Summarisation);
        assert_eq!(assess(&summarising, &ctx()).tier, Tier::WhenTheRestIsDone);
        for kind in Kind::ALL.into_iter().filter(|k| *k != Kind::Summarisation) {
            let other = match kind {
                Kind::Appointment => appointment_at("20/01/2027 09:00"),
                _ => row(kind),
            };
            assert_above(&other, &summarising);
        }
    }

    #[test]
    fn among_otherwise_equal_items_the_older_comes_first() {
        for kind in Kind::ALL {
            let older = with(kind, |r| r.occurred_at = t("21/11/2026 09:00"));
            let newer = with(kind, |r| r.occurred_at = t("21/11/2026 09:01"));
            assert_above(&older, &newer);
        }
    }

    #[test]
    fn deaths_and_tier_one_rows_of_the_policy_are_tier_one() {
        let tier = |r: QueueRow| assess(&r, &ctx()).tier;
        assert_eq!(tier(with(Kind::Note, |r| r.flags = vec![Flag::Deceased])), Tier::BeforeAnythingElse);
        assert_eq!(tier(with(Kind::Pathology, |r| r.facts.action_given = true)), Tier::BeforeAnythingElse);
        assert_eq!(tier(with(Kind::Correspondence, |r| r.facts.action_required = Some(true))), Tier::GoLiveDay);
        assert_eq!(tier(with(Kind::Consultation, |r| r.facts.clinical_content = true)), Tier::GoLiveDay);
        assert_eq!(tier(row(Kind::Consultation)), Tier::FirstWeek);
        assert_eq!(tier(with(Kind::Prescription, |r| r.facts.rx_status = Some("requested".into()))), Tier::GoLiveDay);
        assert_eq!(tier(with(Kind::Prescription, |r| r.facts.rx_status = Some("declined".into()))), Tier::FirstWeek);
    }

    #[test]
    fn the_score_is_the_sum_of_its_terms_and_every_item_has_a_reason() {
        for kind in Kind::ALL {
            let r = with(kind, |r| r.flags = vec![Flag::Urgent, Flag::NewAllergy]);
            let a = assess(&r, &ctx());
            assert_eq!(a.score, a.terms.iter().map(|t| t.points).sum::<i64>());
            assert!(!a.reasons.is_empty());
            assert!(a.due > ctx().reference, "due after go-live: {a:?}");
        }
    }

    #[test]
    fn ordering_on_numbers_alone_places_items_exactly_as_the_explained_assessment() {
        let flag_sets =
            [vec![], vec![Flag::Urgent], vec![Flag::MedicationChange, Flag::Urgent], vec![Flag::NewDiagnosis]];
        for kind in Kind::ALL {
            for flags in &flag_sets {
                let mut r = appointment_at("24/11/2026 09:10");
                r.kind = Some(kind);
                r.flags = flags.clone();
                r.facts.abnormal = Some(true);
                let (full, quick) = (assess(&r, &ctx()), place(&r, &ctx()));
                assert_eq!(
                    (full.tier, full.score, full.due, full.booked_for),
                    (quick.tier, quick.score, quick.due, quick.booked_for)
                );
                assert!(quick.reasons.is_empty() && quick.terms.is_empty());
            }
        }
    }

    #[test]
    fn due_times_follow_the_tier_from_go_live_or_from_now_when_go_live_is_unset() {
        let a = assess(&row(Kind::Telephone), &ctx());
        assert_eq!(a.due, t("30/11/2026 08:00"));
        let unset = PolicyContext::new(None, t("25/11/2026 12:00"));
        assert!(!unset.go_live_set);
        assert_eq!(assess(&row(Kind::Telephone), &unset).due, t("02/12/2026 12:00"));
    }

    #[test]
    fn blocking_follows_registration_then_nhs_number() {
        let reg = Some(("id", "R2-0012"));
        assert_eq!(
            blocker(Kind::Prescription, true, true, false, reg).map(|b| b.describe()),
            Some("blocked by registration R2-0012".to_string())
        );
        assert_eq!(
            blocker(Kind::Prescription, true, false, false, None).map(|b| b.describe()),
            Some("needs NHS number (trace) or a waiver".to_string())
        );
        assert_eq!(blocker(Kind::Prescription, true, false, true, None), None, "waived");
        assert_eq!(blocker(Kind::Registration, true, false, false, None), None, "registering is the trace");
        assert_eq!(blocker(Kind::DispensaryStock, false, false, false, None), None, "no patient");
    }
}
