//! The priority policy: an item's tier, due time, score and the reasons for them, from what was
//! logged and the go-live time alone. Pure: no I/O, and the time is passed in.

use chrono::{DateTime, Datelike, Duration, Utc, Weekday};

use super::weights::{WEIGHTS, Weights};
use crate::domain::fields::{Flag, Kind};
use crate::domain::time::{self, UK};
use crate::store::{ItemFacts, QueueRow};

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

/// Gathers the tier rules that apply and the points; the soonest tier claimed wins.
struct Scoring<'w> {
    weights: &'w Weights,
    claims: Vec<(Tier, String)>,
    terms: Vec<Term>,
}

impl<'w> Scoring<'w> {
    fn new(weights: &'w Weights, kind: Kind) -> Scoring<'w> {
        let mut s = Scoring { weights, claims: Vec::new(), terms: Vec::new() };
        s.points(weights.kind_points(kind), format!("kind: {}", kind.label().to_lowercase()));
        s
    }

    fn points(&mut self, points: i64, what: impl Into<String>) {
        self.terms.push(Term { points, what: what.into() });
    }

    /// A rule that places the item in `tier` for `reason`.
    fn claim(&mut self, tier: Tier, reason: impl Into<String>) {
        self.claims.push((tier, reason.into()));
    }

    /// The tier, and the reasons with the one that set it first.
    fn settle(self, kind: Kind, urgent: bool) -> (Tier, Vec<String>, Vec<Term>) {
        let soonest = self.claims.iter().map(|(t, _)| *t).min();
        let (mut tier, mut reasons) = match soonest {
            None => (Tier::FirstWeek, vec![format!("{}: keyed for completeness", kind.label().to_lowercase())]),
            Some(tier) => {
                let first = self.claims.iter().position(|(t, _)| *t == tier).unwrap_or(0);
                let mut reasons = Vec::with_capacity(self.claims.len());
                reasons.extend(self.claims.get(first).map(|(_, r)| r.clone()));
                reasons.extend(self.claims.iter().enumerate().filter(|(i, _)| *i != first).map(|(_, (_, r))| r.clone()));
                (tier, reasons)
            }
        };
        if urgent {
            let sooner = tier.sooner();
            if sooner < tier {
                tier = sooner;
                reasons.insert(0, "flagged urgent by staff: one tier sooner".to_string());
            } else {
                reasons.push("flagged urgent by staff".to_string());
            }
        }
        (tier, reasons, self.terms)
    }
}

/// Tier, due time, score and reasons for one item.
pub fn assess(row: &QueueRow, ctx: &PolicyContext) -> Assessment {
    assess_with(row, ctx, &WEIGHTS)
}

pub fn assess_with(row: &QueueRow, ctx: &PolicyContext, w: &Weights) -> Assessment {
    let kind = row.kind();
    let mut s = Scoring::new(w, kind);
    let mut appointment_due = None;
    by_kind(&mut s, kind, &row.facts, ctx, &mut appointment_due);
    let urgent = by_flags(&mut s, &row.flags);
    let (tier, mut reasons, terms) = s.settle(kind, urgent);
    let mut due = ctx.reference + w.tier_allowance[tier.index()];
    if let Some((at, lead)) = appointment_due
        && at - lead < due
    {
        due = at - lead;
        reasons.push(format!("due before the appointment on {}", time::format_uk_day(at)));
    }
    let score = terms.iter().map(|t| t.points).sum();
    Assessment { tier, score, due, reasons, terms }
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
    let days = (at - ctx.reference).num_days();
    let nearness = (w.appointment_horizon_days - days).max(0) * w.appointment_points_per_day;
    if nearness > 0 {
        s.points(nearness, format!("appointment {days} days after go-live"));
    }
    let window_end = add_working_days(ctx.reference, w.appointment_soon_working_days);
    if at < window_end {
        s.claim(
            Tier::GoLiveDay,
            format!("appointment on {}: it must be in the new appointment book", time::format_uk_day(at)),
        );
    } else {
        s.claim(Tier::FirstWeek, format!("future appointment on {}", time::format_uk_day(at)));
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

/// `from` plus `days` working days (Monday to Friday, in UK local time), at the same time of day.
pub fn add_working_days(from: DateTime<Utc>, days: u32) -> DateTime<Utc> {
    let mut at = from;
    let mut left = days;
    while left > 0 {
        at += Duration::days(1);
        let weekday = at.with_timezone(&UK).weekday();
        if weekday != Weekday::Sat && weekday != Weekday::Sun {
            left -= 1;
        }
    }
    at
}
