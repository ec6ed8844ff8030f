//! The re-entry queue: the priority policy (pure, `now` injected, weights in one table), the
//! order it gives, and the changes staff make while working through it.
//!
//! For a screen: `build(store, &QueueQuery { limit: Some(50), .. }, now)` gives the first rows in
//! order, with their details, from one scan of compact rows; `act` makes one change in one
//! transaction; `progress` counts what is done by tier.

pub mod policy;
pub mod weights;
pub mod workflow;

use std::cmp::Ordering;
use std::collections::HashMap;

use chrono::{DateTime, Duration, Utc};

pub use policy::{Assessment, Blocker, PolicyContext, Term, Tier, assess};
pub use workflow::Request;

use crate::config::DEFAULT_CLAIM_HOURS;
use crate::domain::fields::Kind;
use crate::error::Result;
use crate::store::{Actor, OpenRegistration, Patient, QueueRow, QueueScope, ReentryStatus, Store};

/// Where an item stands as the queue shows it: the stored status, with an expired claim shown as
/// open and an item that cannot be done yet shown as blocked.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum ItemStatus {
    Open,
    Claimed,
    Blocked,
    Query,
    Done,
    NotRequired,
    Voided,
}

impl ItemStatus {
    pub const ALL: [ItemStatus; 7] = [
        ItemStatus::Open,
        ItemStatus::Claimed,
        ItemStatus::Blocked,
        ItemStatus::Query,
        ItemStatus::Done,
        ItemStatus::NotRequired,
        ItemStatus::Voided,
    ];

    pub fn name(self) -> &'static str {
        match self {
            ItemStatus::Open => "open",
            ItemStatus::Claimed => "claimed",
            ItemStatus::Blocked => "blocked",
            ItemStatus::Query => "query",
            ItemStatus::Done => "done",
            ItemStatus::NotRequired => "not_required",
            ItemStatus::Voided => "voided",
        }
    }

    pub fn parse(s: &str) -> Option<ItemStatus> {
        let wanted = s.trim().to_ascii_lowercase().replace(['-', ' '], "_");
        ItemStatus::ALL.into_iter().find(|st| st.name() == wanted)
    }

    /// Still needs work.
    pub fn is_open(self) -> bool {
        matches!(self, ItemStatus::Open | ItemStatus::Claimed | ItemStatus::Blocked | ItemStatus::Query)
    }
}

/// Which items a queue shows.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum StatusFilter {
    /// Everything that still needs work (open, claimed, blocked, query).
    #[default]
    Open,
    /// Everything, done, not required and voided included.
    All,
    Only(ItemStatus),
}

#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct QueueQuery {
    pub status: StatusFilter,
    pub kind: Option<Kind>,
    pub tier: Option<Tier>,
    /// Claimed by, or finished by, this member of staff (short id, any case).
    pub assignee: Option<String>,
    /// Only the first this many, in order: what a screen asks for.
    pub limit: Option<usize>,
}

/// One item as the queue shows it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ReentryItem {
    /// 1 for the first item of this queue.
    pub rank: usize,
    pub entry_id: String,
    pub reference: String,
    pub kind: Kind,
    pub tier: Tier,
    pub score: i64,
    pub due: DateTime<Utc>,
    pub overdue: bool,
    pub occurred_at: DateTime<Utc>,
    /// Ten digits, from the patient's record or traced at registration.
    pub nhs_number: Option<String>,
    /// "JONES, Siân (03/04/1950)", or empty for an item about no patient.
    pub patient: String,
    pub summary: String,
    pub status: ItemStatus,
    pub assignee: Option<String>,
    pub claimed_until: Option<DateTime<Utc>>,
    pub blocker: Option<Blocker>,
    pub new_system_ref: Option<String>,
    pub reasons: Vec<String>,
    pub terms: Vec<Term>,
}

/// A built queue: the items asked for, in order, and counts over all that matched.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Queue {
    pub items: Vec<ReentryItem>,
    /// How many items matched before `limit`.
    pub matched: usize,
    /// How many of those are open and past their due time.
    pub overdue: usize,
    /// Go-live, or now while it is not set: what due times count from.
    pub reference: DateTime<Utc>,
    pub go_live_set: bool,
}

/// An item placed by the policy, before its details are read. Its assessment holds numbers only;
/// the words are written for the rows shown.
struct Placed {
    row: QueueRow,
    assessment: Assessment,
    status: ItemStatus,
    blocker: Option<Blocker>,
    overdue: bool,
    /// For a registration others wait for: the soonest tier waiting, how many, and the points added.
    inherited: Option<(Tier, i64, i64)>,
}

/// A future booking's time, sooner first; items that are not bookings after them.
fn booked(p: &Placed) -> (bool, Option<DateTime<Utc>>) {
    (p.assessment.booked_for.is_none(), p.assessment.booked_for)
}

/// The order of the queue: tier, then score (higher first), then due, then a booking's own time,
/// then when it happened (older first), then id.
fn order(a: &Placed, b: &Placed) -> Ordering {
    a.assessment
        .tier
        .cmp(&b.assessment.tier)
        .then_with(|| b.assessment.score.cmp(&a.assessment.score))
        .then_with(|| a.assessment.due.cmp(&b.assessment.due))
        .then_with(|| booked(a).cmp(&booked(b)))
        .then_with(|| a.row.occurred_at.cmp(&b.row.occurred_at))
        .then_with(|| a.row.entry_id.cmp(&b.row.entry_id))
}

fn item_status(row: &QueueRow, blocked: bool, now: DateTime<Utc>) -> ItemStatus {
    if row.voided {
        return ItemStatus::Voided;
    }
    match row.status() {
        ReentryStatus::Done => ItemStatus::Done,
        ReentryStatus::NotRequired => ItemStatus::NotRequired,
        ReentryStatus::Query => ItemStatus::Query,
        _ if blocked => ItemStatus::Blocked,
        ReentryStatus::Claimed if row.claimed_until.is_some_and(|t| t > now) => ItemStatus::Claimed,
        _ => ItemStatus::Open,
    }
}

/// Places every row: the policy, the dependencies, and a registration's urgency inherited from
/// the most urgent item waiting for it (no care can be keyed for a patient not yet registered).
fn place(rows: Vec<QueueRow>, registrations: &HashMap<String, OpenRegistration>, ctx: &PolicyContext) -> Vec<Placed> {
    let mut placed: Vec<Placed> = rows
        .into_iter()
        .map(|row| {
            let assessment = policy::place(&row, ctx);
            let open = !row.voided && row.status().is_open();
            let registration = row
                .patient
                .as_ref()
                .and_then(|p| registrations.get(p))
                .filter(|r| r.rowid != row.rowid)
                .map(|r| (r.entry_id.as_str(), r.reference.as_str()));
            let blocker = if open {
                policy::blocker(row.kind(), row.patient.is_some(), row.nhs_known, row.nhs_waived, registration)
            } else {
                None
            };
            let status = item_status(&row, blocker.is_some(), ctx.now);
            let overdue = open && assessment.due < ctx.now;
            Placed { row, assessment, status, blocker, overdue, inherited: None }
        })
        .collect();

    // What each open registration is holding up: (soonest tier, highest score, how many items).
    let mut waiting: HashMap<String, (Tier, i64, i64)> = HashMap::new();
    for p in &placed {
        if let Some(Blocker::Registration { entry_id, .. }) = &p.blocker {
            let slot = waiting.entry(entry_id.clone()).or_insert((p.assessment.tier, p.assessment.score, 0));
            slot.0 = slot.0.min(p.assessment.tier);
            slot.1 = slot.1.max(p.assessment.score);
            slot.2 += 1;
        }
    }
    for p in &mut placed {
        if p.row.kind() != Kind::Registration || !p.status.is_open() {
            continue;
        }
        let Some((tier, score, count)) = waiting.get(&p.row.entry_id) else { continue };
        // Ahead of everything waiting for it: the registration has to be keyed first.
        let points = (score - p.assessment.score).max(0) + count * weights::WEIGHTS.registration_per_dependent;
        p.assessment.score += points;
        p.inherited = Some((*tier, *count, points));
        if *tier < p.assessment.tier {
            p.assessment.tier = *tier;
            p.assessment.due = ctx.reference + weights::WEIGHTS.tier_allowance[tier.number() as usize - 1];
            p.overdue = p.assessment.due < ctx.now;
        }
    }
    placed
}

/// The words for one placed item: the policy's reasons and terms, and what it inherited.
fn explain(p: &Placed, ctx: &PolicyContext) -> Assessment {
    let mut a = assess(&p.row, ctx);
    if let Some((tier, count, points)) = p.inherited {
        let items = if count == 1 { "1 other item waits".to_string() } else { format!("{count} other items wait") };
        a.terms.push(Term { points, what: format!("{items} for this registration") });
        let reason = format!("{items} for this registration, the most urgent in tier {}", tier.number());
        if tier < a.tier {
            a.reasons.insert(0, reason);
        } else {
            a.reasons.push(reason);
        }
    }
    a
}

fn wanted(p: &Placed, q: &QueueQuery) -> bool {
    let status_ok = match q.status {
        StatusFilter::Open => p.status.is_open(),
        StatusFilter::All => true,
        StatusFilter::Only(s) => p.status == s,
    };
    status_ok
        && q.kind.is_none_or(|k| p.row.kind() == k)
        && q.tier.is_none_or(|t| p.assessment.tier == t)
        && q.assignee.as_deref().is_none_or(|who| shown_assignee(p).is_some_and(|a| a.eq_ignore_ascii_case(who)))
}

/// A lapsed claim is nobody's.
fn shown_assignee(p: &Placed) -> Option<&str> {
    match p.status {
        ItemStatus::Open => None,
        _ => p.row.assignee.as_deref(),
    }
}

/// The queue in order, as `query` asks, as it stands at `now`.
pub fn build(store: &Store, query: &QueueQuery, now: DateTime<Utc>) -> Result<Queue> {
    let ctx = PolicyContext::new(store.settings()?.go_live(), now);
    let include_closed =
        !matches!(query.status, StatusFilter::Open) && !matches!(query.status, StatusFilter::Only(s) if s.is_open());
    let rows = store.queue_rows(&QueueScope { include_closed })?;
    let registrations = store.open_registrations()?;
    let mut placed: Vec<Placed> = place(rows, &registrations, &ctx).into_iter().filter(|p| wanted(p, query)).collect();
    let matched = placed.len();
    let overdue = placed.iter().filter(|p| p.overdue).count();
    match query.limit {
        Some(n) if n < placed.len() => {
            if n > 0 {
                placed.select_nth_unstable_by(n - 1, order);
            }
            placed.truncate(n);
            placed.sort_unstable_by(order);
        }
        _ => placed.sort_unstable_by(order),
    }
    let rowids: Vec<i64> = placed.iter().map(|p| p.row.rowid).collect();
    let mut details = store.queue_details(&rowids)?;
    let items = placed
        .into_iter()
        .enumerate()
        .map(|(i, p)| {
            let d = details.remove(&p.row.rowid).unwrap_or_default();
            let patient = if p.row.patient.is_some() {
                Patient {
                    id: String::new(),
                    nhs_number: None,
                    family_name: d.family_name,
                    given_name: d.given_name,
                    date_of_birth: d.date_of_birth,
                    sex: None,
                    postcode: None,
                }
                .name_and_birth()
            } else {
                String::new()
            };
            let assignee = shown_assignee(&p).map(str::to_string);
            let explained = explain(&p, &ctx);
            let mut reasons = explained.reasons;
            if let Some(b) = &p.blocker {
                reasons.insert(0, b.describe());
            }
            if p.overdue {
                reasons.push(format!("overdue: it was due {}", crate::domain::time::format_uk_day(p.assessment.due)));
            }
            if p.row.status() == ReentryStatus::Claimed
                && p.status == ItemStatus::Open
                && let (Some(who), Some(until)) = (&p.row.assignee, p.row.claimed_until)
            {
                reasons.push(format!("claim by {who} lapsed {}", crate::domain::time::format_uk_day(until)));
            }
            ReentryItem {
                rank: i + 1,
                entry_id: p.row.entry_id,
                reference: d.reference,
                kind: p.row.kind.unwrap_or(Kind::Note),
                tier: p.assessment.tier,
                score: p.assessment.score,
                due: p.assessment.due,
                overdue: p.overdue,
                occurred_at: p.row.occurred_at,
                nhs_number: d.nhs_number,
                patient,
                summary: d.summary,
                status: p.status,
                claimed_until: if p.status == ItemStatus::Claimed { p.row.claimed_until } else { None },
                assignee,
                blocker: p.blocker,
                new_system_ref: d.new_system_ref,
                reasons,
                terms: explained.terms,
            }
        })
        .collect();
    Ok(Queue { items, matched, overdue, reference: ctx.reference, go_live_set: ctx.go_live_set })
}

/// Done and still to do, for one tier.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct TierProgress {
    /// Done or set aside as not required.
    pub finished: usize,
    pub total: usize,
    pub overdue: usize,
}

/// How far re-entry has got: by tier (index 0 is tier 1), voided entries left out.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct Progress {
    pub by_tier: [TierProgress; 4],
}

pub fn progress(store: &Store, now: DateTime<Utc>) -> Result<Progress> {
    let ctx = PolicyContext::new(store.settings()?.go_live(), now);
    let rows = store.queue_rows(&QueueScope { include_closed: true })?;
    let registrations = store.open_registrations()?;
    let mut out = Progress::default();
    for p in place(rows, &registrations, &ctx) {
        if p.status == ItemStatus::Voided {
            continue;
        }
        let slot = &mut out.by_tier[p.assessment.tier.number() as usize - 1];
        slot.total += 1;
        if !p.status.is_open() {
            slot.finished += 1;
        }
        if p.overdue {
            slot.overdue += 1;
        }
    }
    Ok(out)
}

/// What a change did, for the message to the person who made it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Outcome {
    pub entry_id: String,
    pub reference: String,
    pub status: ReentryStatus,
    pub claimed_until: Option<DateTime<Utc>>,
    /// Whose live claim was taken over, if any.
    pub taken_from: Option<String>,
    /// The events recorded, oldest first.
    pub events: Vec<String>,
}

/// Makes one change to the item `given` (id or reference), checked and recorded in one write
/// transaction: two admins asking at once are served one after the other, and the second sees the
/// first's claim.
pub fn act(store: &Store, actor: &Actor, given: &str, request: &Request, now: DateTime<Utc>) -> Result<Outcome> {
    let staff = actor.staff_id.clone().unwrap_or_default();
    store.write_at(now, |tx| {
        let entry = tx.find_entry(given)?;
        let state = tx.reentry_state(&entry)?;
        let steps = workflow::decide(&state, request, &staff, now, Duration::hours(DEFAULT_CLAIM_HOURS))?;
        let mut before = state;
        let mut events = Vec::with_capacity(steps.len());
        let mut taken_from = None;
        for step in &steps {
            events.push(tx.record_reentry(actor, &before, &step.event, &step.next)?);
            taken_from = taken_from.or(step.event.taken_from.clone());
            before.current = step.next.clone();
        }
        Ok(Outcome {
            entry_id: entry.id,
            reference: entry.reference,
            status: before.current.status,
            claimed_until: before.current.claimed_until,
            taken_from,
            events,
        })
    })
}
