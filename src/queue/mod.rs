//! The re-entry queue: the priority policy (pure, `now` injected, weights in one table), the
//! order it gives, and the changes staff make while working through it.
//!
//! For a screen: `build(store, &QueueQuery { limit: Some(50), .. }, now)` gives the first rows in
//! order, with their details, from one scan of compact rows; `act` makes one change in one
//! transaction; `progress` counts what is done by tier.

pub mod placement;
pub mod policy;
pub mod weights;
pub mod workflow;

use std::cmp::Ordering;
use std::collections::{HashMap, HashSet};

use chrono::{DateTime, Duration, Utc};

pub use crate::store::{QueryThread, Remark};
pub use policy::{Assessment, Blocker, PolicyContext, Term, Tier, assess};
pub use workflow::{People, Request};

use crate::config::DEFAULT_CLAIM_HOURS;
use crate::domain::fields::Kind;
use crate::error::Result;
use crate::store::{
    Actor, OpenRegistration, Patient, PlacedCount, PlacedSelect, Placement, QueueRow, QueueScope, ReentryStatus, Store,
};

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
    /// Words each item must hold, any case, in any order: in its reference, its patient's name
    /// (accents or none) or NHS number, or its summary. As the entries list searches.
    pub search: Option<String>,
    /// Only the queries waiting for this clinician (short id, any case): those whose question is
    /// for them, and those for any clinician.
    pub waiting_for: Option<String>,
    /// Leave out this many items from the start of the order: a screen's later pages.
    pub offset: usize,
    /// Only the first this many (after `offset`), in order: what a screen asks for.
    pub limit: Option<usize>,
}

impl QueueQuery {
    /// The search's words, if it has any.
    fn words(&self) -> Option<&str> {
        self.search.as_deref().map(str::trim).filter(|s| !s.is_empty())
    }
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
    /// The latest question put to a clinician about this item (who asked, when, for whom) and the
    /// answer, once given. Kept after the item is answered, done or reopened: it is its history.
    pub query: Option<QueryThread>,
    pub reasons: Vec<String>,
    pub terms: Vec<Term>,
}

/// A built queue: the items asked for, in order, and counts over all that matched.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Queue {
    pub items: Vec<ReentryItem>,
    /// How many items matched before `offset` and `limit`.
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
fn in_queue_order(a: &Placed, b: &Placed) -> Ordering {
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

/// An item with its assessment, and where it stands as the queue shows it at `ctx.now`: blocked
/// or not (the dependency rule), its status, overdue or not.
fn situate(
    row: QueueRow,
    assessment: Assessment,
    registrations: &HashMap<String, OpenRegistration>,
    ctx: &PolicyContext,
) -> Placed {
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
}

/// Places every row: the policy, the dependencies, and a registration's urgency inherited from
/// the most urgent item waiting for it (no care can be keyed for a patient not yet registered).
fn place(rows: Vec<QueueRow>, registrations: &HashMap<String, OpenRegistration>, ctx: &PolicyContext) -> Vec<Placed> {
    let mut placed: Vec<Placed> = rows
        .into_iter()
        .map(|row| {
            let assessment = policy::place(&row, ctx);
            situate(row, assessment, registrations, ctx)
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
            p.assessment.due = weights::WEIGHTS.tier_allowance[tier.number() as usize - 1].after(ctx.reference);
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

/// The queries waiting for the clinician a query asks about (`QueueQuery::waiting_for`): entry id →
/// the clinician each is for (`None`: any clinician). Read only when asked for.
type Waiting = Option<HashMap<String, Option<String>>>;

fn waiting_for(store: &Store, query: &QueueQuery) -> Result<Waiting> {
    Ok(match query.waiting_for {
        Some(_) => Some(store.queries_waiting()?),
        None => None,
    })
}

/// Whether the query wants this item. `found`: the items its search found, when it has one;
/// `waiting`: the queries waiting for the clinician it asks about, when it does.
fn wanted(p: &Placed, q: &QueueQuery, found: Option<&HashSet<i64>>, waiting: &Waiting) -> bool {
    let for_them = match (&q.waiting_for, waiting) {
        (Some(who), Some(waiting)) => {
            p.status == ItemStatus::Query
                && waiting
                    .get(&p.row.entry_id)
                    .is_some_and(|for_staff| for_staff.as_deref().is_none_or(|f| f.eq_ignore_ascii_case(who)))
        }
        _ => true,
    };
    let status_ok = match q.status {
        StatusFilter::Open => p.status.is_open(),
        StatusFilter::All => true,
        StatusFilter::Only(s) => p.status == s,
    };
    status_ok
        && found.is_none_or(|f| f.contains(&p.row.rowid))
        && q.kind.is_none_or(|k| p.row.kind() == k)
        && q.tier.is_none_or(|t| p.assessment.tier == t)
        && q.assignee.as_deref().is_none_or(|who| shown_assignee(p).is_some_and(|a| a.eq_ignore_ascii_case(who)))
        && for_them
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
    Ok(store.snapshot(|| screen(store, query, now, false))?.0)
}

/// What the queue screen shows: the queue as `build` gives it, and how far re-entry has got
/// (counted once for both where the kept placements allow).
pub fn build_with_progress(store: &Store, query: &QueueQuery, now: DateTime<Utc>) -> Result<(Queue, Progress)> {
    let (queue, progress) = store.snapshot(|| screen(store, query, now, true))?;
    Ok((queue, progress.unwrap_or_default()))
}

fn screen(
    store: &Store,
    query: &QueueQuery,
    now: DateTime<Utc>,
    with_progress: bool,
) -> Result<(Queue, Option<Progress>)> {
    let ctx = PolicyContext::new(store.settings()?.go_live(), now);
    // Every item described needs its facts and details read from the table anyway: one pass over
    // it beats reading the order index first and then the table.
    // (A clinician's queries are few whatever the limit: read those alone.)
    let found = match (query.limit, &query.waiting_for) {
        (None, None) => work_out(store, query, &ctx)?,
        _ => find(store, query, &ctx)?,
    };
    let progress = match (&found.counts, with_progress) {
        (_, false) => None,
        (Some(counts), true) => Some(progress_from(counts)),
        (None, true) => Some(progress(store, now)?),
    };
    let items = describe(store, found.placed, found.facts_read, &ctx, query.offset)?;
    let queue = Queue {
        items,
        matched: found.matched,
        overdue: found.overdue,
        reference: ctx.reference,
        go_live_set: ctx.go_live_set,
    };
    Ok((queue, progress))
}

/// The queue's order alone: every item `query` asks for, placed, in order, with no words. What
/// `build` starts from; for counting and for measuring.
pub fn order(store: &Store, query: &QueueQuery, now: DateTime<Utc>) -> Result<Order> {
    store.snapshot(|| {
        let ctx = PolicyContext::new(store.settings()?.go_live(), now);
        let found = find(store, query, &ctx)?;
        Ok(Order { items: found.placed, matched: found.matched, overdue: found.overdue })
    })
}

/// Items in queue order, placed but not yet described.
pub struct Order {
    items: Vec<Placed>,
    pub matched: usize,
    pub overdue: usize,
}

impl Order {
    pub fn len(&self) -> usize {
        self.items.len()
    }

    pub fn is_empty(&self) -> bool {
        self.items.is_empty()
    }

    /// Each item's id, tier and status, in order.
    pub fn iter(&self) -> impl Iterator<Item = (&str, Tier, ItemStatus)> {
        self.items.iter().map(|p| (p.row.entry_id.as_str(), p.assessment.tier, p.status))
    }
}

/// The items a query wants, in order, with counts over all it matched.
struct Found {
    placed: Vec<Placed>,
    matched: usize,
    overdue: usize,
    /// Whether the rows carry their facts (what the reasons are written from).
    facts_read: bool,
    /// The counts by tier, when they were read from the kept placements.
    counts: Option<Vec<PlacedCount>>,
}

fn find(store: &Store, query: &QueueQuery, ctx: &PolicyContext) -> Result<Found> {
    match read_in_order(store, query, ctx)? {
        Some(found) => Ok(found),
        None => work_out(store, query, ctx),
    }
}

/// Works the policy out for every item, then filters and orders: right whatever the store keeps.
fn work_out(store: &Store, query: &QueueQuery, ctx: &PolicyContext) -> Result<Found> {
    let include_closed =
        !matches!(query.status, StatusFilter::Open) && !matches!(query.status, StatusFilter::Only(s) if s.is_open());
    let rows = store.queue_rows(&QueueScope { include_closed })?;
    let registrations = store.open_registrations()?;
    let found = query.words().map(|words| store.queue_search(words)).transpose()?;
    let waiting = waiting_for(store, query)?;
    let mut placed: Vec<Placed> =
        place(rows, &registrations, ctx).into_iter().filter(|p| wanted(p, query, found.as_ref(), &waiting)).collect();
    let matched = placed.len();
    let overdue = placed.iter().filter(|p| p.overdue).count();
    match query.limit.map(|n| n + query.offset) {
        Some(n) if n < placed.len() => {
            if n > 0 {
                placed.select_nth_unstable_by(n - 1, in_queue_order);
            }
            placed.truncate(n);
            placed.sort_unstable_by(in_queue_order);
        }
        _ => placed.sort_unstable_by(in_queue_order),
    }
    placed.drain(..query.offset.min(placed.len()));
    Ok(Found { placed, matched, overdue, facts_read: true, counts: None })
}

/// Reads the queue in order from the placements the store keeps (see `placement`): a page is a
/// run of rows of one index. `None` when they cannot be used: voided items asked for, go-live not
/// set, or an item not placed for this go-live.
fn read_in_order(store: &Store, query: &QueueQuery, ctx: &PolicyContext) -> Result<Option<Found>> {
    let statuses: &[ReentryStatus] = match query.status {
        StatusFilter::Open => &[ReentryStatus::Open, ReentryStatus::Claimed, ReentryStatus::Query],
        StatusFilter::Only(ItemStatus::Open | ItemStatus::Blocked) => &[ReentryStatus::Open, ReentryStatus::Claimed],
        StatusFilter::Only(ItemStatus::Claimed) => &[ReentryStatus::Claimed],
        StatusFilter::Only(ItemStatus::Query) => &[ReentryStatus::Query],
        StatusFilter::Only(ItemStatus::Done) => &[ReentryStatus::Done],
        StatusFilter::Only(ItemStatus::NotRequired) => &[ReentryStatus::NotRequired],
        StatusFilter::All | StatusFilter::Only(ItemStatus::Voided) => return Ok(None),
    };
    if !ctx.go_live_set || !store.queue_placed_for(ctx.reference, policy::POLICY_VERSION)? {
        return Ok(None);
    }
    let mut select = PlacedSelect {
        statuses,
        kind: query.kind,
        tier: query.tier.map(Tier::number),
        assignee: query.assignee.as_deref(),
        search: query.words(),
        may_be_blocked: query.status == StatusFilter::Only(ItemStatus::Blocked),
        offset: 0,
        limit: None,
    };
    // What the index says settles the item's status only for these (whether an item is blocked,
    // or its claim lapsed, is found for each row read), and a search's items are few and sorted
    // once read: then a page is cut from the rows read.
    let exact = matches!(
        query.status,
        StatusFilter::Open | StatusFilter::Only(ItemStatus::Query | ItemStatus::Done | ItemStatus::NotRequired)
    ) && query.assignee.is_none()
        && query.waiting_for.is_none()
        && query.words().is_none();
    let waiting = waiting_for(store, query)?;
    let rows = match &waiting {
        // A clinician's queries: those few items alone, searched below.
        Some(waiting) => {
            let ids: Vec<&str> = waiting.keys().map(String::as_str).collect();
            match store.placed_rows_of(&ids)? {
                Some(rows) => rows,
                None => return Ok(None),
            }
        }
        None => {
            if exact {
                select.offset = query.offset;
                select.limit = query.limit;
            }
            store.placed_queue_rows(&select)?
        }
    };
    let found = match (&waiting, query.words()) {
        (Some(_), Some(words)) => Some(store.queue_search(words)?),
        _ => None,
    };
    let patients: Vec<&str> = rows.iter().filter_map(|r| r.patient.as_deref()).collect();
    let registrations = store.open_registrations_of(&patients)?;
    let mut placed = Vec::with_capacity(rows.len());
    for row in rows {
        let Some(kept) = row.placement.and_then(as_assessment) else { return Ok(None) };
        let p = situate(row, kept, &registrations, ctx);
        if wanted(&p, query, found.as_ref(), &waiting) {
            placed.push(p);
        }
    }
    if waiting.is_some() {
        placed.sort_unstable_by(in_queue_order);
    }
    let everything = exact && query.status == StatusFilter::Open && select.narrows_nothing();
    let counts = if everything { Some(store.placed_counts(ctx.now)?) } else { None };
    let (matched, overdue) = match (&counts, exact) {
        (Some(counts), _) => counts.iter().fold((0, 0), |(open, overdue), c| (open + c.open, overdue + c.overdue)),
        (None, true) => store.placed_queue_count(&select, ctx.now)?,
        (None, false) => (placed.len(), placed.iter().filter(|p| p.overdue).count()),
    };
    if !exact {
        placed.drain(..query.offset.min(placed.len()));
        if let Some(n) = query.limit {
            placed.truncate(n);
        }
    }
    Ok(Some(Found { placed, matched, overdue, facts_read: false, counts }))
}

/// A kept placement as the policy's assessment, without its words.
fn as_assessment(kept: Placement) -> Option<Assessment> {
    Some(Assessment {
        tier: Tier::from_number(kept.tier)?,
        score: kept.score,
        due: kept.due,
        booked_for: kept.booked_for,
        reasons: Vec::new(),
        terms: Vec::new(),
    })
}

/// For items read in order from their kept placements: their facts (for the reasons), and what an
/// open registration inherited from the items waiting for it.
fn read_facts(store: &Store, placed: &mut [Placed], ctx: &PolicyContext) -> Result<()> {
    let rowids: Vec<i64> = placed.iter().map(|p| p.row.rowid).collect();
    let mut full = store.queue_rows_by_rowid(&rowids)?;
    for p in placed.iter_mut() {
        let Some(row) = full.remove(&p.row.rowid) else { continue };
        p.row.flags = row.flags;
        p.row.facts = row.facts;
        if p.row.kind() != Kind::Registration || !p.status.is_open() {
            continue;
        }
        let own = policy::place(&p.row, ctx);
        if (own.tier, own.score) == (p.assessment.tier, p.assessment.score) {
            continue;
        }
        if let Some(patient) = &p.row.patient
            && let Some((count, tier)) = store.waiting_for_registration(patient, p.row.rowid)?
            && let Some(tier) = Tier::from_number(tier)
        {
            p.inherited = Some((tier, count, p.assessment.score - own.score));
        }
    }
    Ok(())
}

/// The items as the queue shows them: details, reasons, and the words for their state.
/// The words for each item placed; the first is `before + 1` in its queue.
fn describe(
    store: &Store,
    mut placed: Vec<Placed>,
    facts_read: bool,
    ctx: &PolicyContext,
    before: usize,
) -> Result<Vec<ReentryItem>> {
    if !facts_read {
        read_facts(store, &mut placed, ctx)?;
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
            let explained = explain(&p, ctx);
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
                rank: before + i + 1,
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
                query: d.query,
                reasons,
                terms: explained.terms,
            }
        })
        .collect();
    Ok(items)
}

/// Whom a question is for, in words: a clinician's id, or "any clinician".
pub fn asked_for_words(thread: &QueryThread) -> String {
    match &thread.asked_for {
        Some(who) => who.clone(),
        None => "any clinician".to_string(),
    }
}

/// A query and its answer, one line each, as the queue (table, screen, `show`) gives them.
pub fn conversation(thread: &QueryThread) -> Vec<String> {
    let q = &thread.question;
    let mut lines = vec![format!(
        "Question from {} on {}, for {}: {}",
        q.by,
        crate::domain::time::format_uk(q.at),
        asked_for_words(thread),
        q.text
    )];
    if let Some(a) = &thread.answer {
        lines.push(format!("Answer from {} on {}: {}", a.by, crate::domain::time::format_uk(a.at), a.text));
    }
    lines
}

/// Done and still to do, for one tier.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct TierProgress {
    /// Done or set aside as not required.
    pub finished: usize,
    pub total: usize,
    pub overdue: usize,
}

impl TierProgress {
    pub fn still_open(&self) -> usize {
        self.total - self.finished
    }
}

/// How far re-entry has got: by tier (index 0 is tier 1), voided entries left out.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct Progress {
    pub by_tier: [TierProgress; 4],
}

/// Progress counted from the kept placements.
fn progress_from(counts: &[PlacedCount]) -> Progress {
    let mut out = Progress::default();
    for count in counts {
        let Some(slot) = out.by_tier.get_mut(usize::from(count.tier).wrapping_sub(1)) else { continue };
        slot.total += count.open + count.finished;
        slot.finished += count.finished;
        slot.overdue += count.overdue;
    }
    out
}

pub fn progress(store: &Store, now: DateTime<Utc>) -> Result<Progress> {
    store.snapshot(|| progress_now(store, now))
}

fn progress_now(store: &Store, now: DateTime<Utc>) -> Result<Progress> {
    let ctx = PolicyContext::new(store.settings()?.go_live(), now);
    if ctx.go_live_set && store.queue_placed_for(ctx.reference, policy::POLICY_VERSION)? {
        return Ok(progress_from(&store.placed_counts(now)?));
    }
    let mut out = Progress::default();
    let rows = store.queue_rows(&QueueScope { include_closed: true })?;
    let registrations = store.open_registrations()?;
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

/// Whether `request` would be allowed now, asked before the person types what it needs (a
/// reference, a question, a reason), so that a refusal that does not depend on those words
/// ("claimed by KL") comes before they are typed. The same reads and rules as `act`; nothing is
/// recorded, and what is typed later is checked again when it is sent.
pub fn check(store: &Store, actor: &Actor, given: &str, request: &Request, now: DateTime<Utc>) -> Result<()> {
    let staff = actor.staff_id.clone().unwrap_or_default();
    store.trial(now, |tx| {
        let entry = tx.find_entry(given)?;
        let state = tx.reentry_state(&entry)?;
        let people = people(tx, &entry, request, &staff)?;
        workflow::decide(&state, request, &staff, &people, now, Duration::hours(DEFAULT_CLAIM_HOURS))?;
        Ok(())
    })
}

/// The staff `request` by `staff` involves, as this transaction reads them.
fn people(tx: &crate::store::Tx, entry: &crate::store::EntryHeader, request: &Request, staff: &str) -> Result<People> {
    let named = match request {
        Request::Query { to: Some(to), .. } => Some(
            tx.staff_member(to)?
                .ok_or_else(|| crate::error::Error::UnknownStaff { id: to.trim().to_string(), known: Vec::new() })?,
        ),
        _ => None,
    };
    Ok(People { acting: tx.staff_member(staff)?, logged_by: tx.staff_member(&entry.recorded_by)?, named })
}

/// Makes one change to the item `given` (id or reference), checked and recorded in one write
/// transaction: two admins asking at once are served one after the other, and the second sees the
/// first's claim.
pub fn act(store: &Store, actor: &Actor, given: &str, request: &Request, now: DateTime<Utc>) -> Result<Outcome> {
    act_confirmed(store, actor, given, request, now, false)
}

/// As `act`; `confirmed` is the person's yes to its questions. Marking a registration done with an
/// NHS number that already belongs to another patient record is one (`Error::NeedsConfirmation`).
pub fn act_confirmed(
    store: &Store,
    actor: &Actor,
    given: &str,
    request: &Request,
    now: DateTime<Utc>,
    confirmed: bool,
) -> Result<Outcome> {
    let staff = actor.staff_id.clone().unwrap_or_default();
    store.write_at(now, |tx| {
        let entry = tx.find_entry(given)?;
        let state = tx.reentry_state(&entry)?;
        let people = people(tx, &entry, request, &staff)?;
        let steps = workflow::decide(&state, request, &staff, &people, now, Duration::hours(DEFAULT_CLAIM_HOURS))?;
        workflow::reference_given(&state, request, tx.done_without_reference()?)?;
        if let Request::Done { nhs_number: Some(nhs), .. } = request
            && !confirmed
        {
            let patient_id = tx.current_revision(&entry)?.patient_id;
            let questions = tx.traced_number_questions(patient_id.as_deref(), nhs)?;
            if !questions.is_empty() {
                return Err(crate::error::Error::NeedsConfirmation(questions));
            }
        }
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

#[cfg(test)]
mod tests {
    use super::*;
    use crate::domain::time;

    fn t(s: &str) -> DateTime<Utc> {
        time::parse_uk_datetime(s, DateTime::<Utc>::UNIX_EPOCH).unwrap()
    }

    /// A demo practice (go-live Monday 23/11/2026 08:00), with some items worked: claimed, done,
    /// queried, set aside, and registrations done so that what waited for them is unblocked.
    fn worked_practice() -> Store {
        let store = Store::open_in_memory().unwrap();
        crate::demo::generate(&store, 1_500, 7).unwrap();
        let staff = store.staff().unwrap().into_iter().next().unwrap().id;
        let actor = store.actor(Some(&staff)).unwrap();
        let now = t("23/11/2026 09:00");
        let first = build(&store, &QueueQuery { limit: Some(40), ..Default::default() }, now).unwrap();
        for (i, item) in first.items.iter().enumerate() {
            let request = match i % 4 {
                0 => Request::Claim { take_over: false },
                1 => Request::Query { note: "Which dose?".into(), to: None },
                2 => Request::NotRequired { reason: "Already on the new system".into() },
                _ => Request::Done {
                    new_system_ref: Some(format!("S1-{i}")),
                    note: None,
                    nhs_number: None,
                    waive_nhs: Some("Temporary resident".into()),
                    take_over: false,
                },
            };
            let _ = act(&store, &actor, &item.entry_id, &request, now);
        }
        let registrations = QueueQuery { kind: Some(Kind::Registration), limit: Some(10), ..Default::default() };
        for item in build(&store, &registrations, now).unwrap().items {
            let done = Request::Done {
                new_system_ref: Some("R1".into()),
                note: None,
                nhs_number: None,
                waive_nhs: Some("Not traced yet".into()),
                take_over: false,
            };
            act(&store, &actor, &item.entry_id, &done, now).unwrap();
        }
        store
    }

    /// The queue read in order from the kept placements, and worked out afresh from the entries.
    fn both_ways(store: &Store, query: &QueueQuery, now: DateTime<Utc>) -> (Vec<ReentryItem>, Vec<ReentryItem>) {
        let ctx = PolicyContext::new(store.settings().unwrap().go_live(), now);
        let kept = read_in_order(store, query, &ctx).unwrap().expect("every item is placed");
        let fresh = work_out(store, query, &ctx).unwrap();
        assert_eq!((kept.matched, kept.overdue), (fresh.matched, fresh.overdue), "{query:?}");
        (
            describe(store, kept.placed, kept.facts_read, &ctx, query.offset).unwrap(),
            describe(store, fresh.placed, fresh.facts_read, &ctx, query.offset).unwrap(),
        )
    }

    #[test]
    fn the_kept_order_is_the_order_the_policy_works_out() {
        let store = worked_practice();
        let queries = [
            QueueQuery::default(),
            QueueQuery { limit: Some(50), ..Default::default() },
            QueueQuery { kind: Some(Kind::Registration), ..Default::default() },
            QueueQuery { tier: Some(Tier::GoLiveDay), limit: Some(20), ..Default::default() },
            QueueQuery { status: StatusFilter::Only(ItemStatus::Blocked), ..Default::default() },
            QueueQuery { status: StatusFilter::Only(ItemStatus::Query), ..Default::default() },
            QueueQuery { waiting_for: Some("JO".into()), ..Default::default() },
            QueueQuery { waiting_for: Some("mw".into()), limit: Some(3), ..Default::default() },
        ];
        for now in [t("22/11/2026 12:00"), t("23/11/2026 09:00"), t("30/11/2026 09:00")] {
            for query in &queries {
                let (kept, fresh) = both_ways(&store, query, now);
                assert!(!kept.is_empty(), "{query:?}");
                assert_eq!(kept, fresh, "{query:?} at {now}");
            }
        }
        let inherited = both_ways(&store, &QueueQuery::default(), t("23/11/2026 09:00")).0;
        assert!(
            inherited.iter().any(|i| i.terms.iter().any(|t| t.what.contains("for this registration"))),
            "the practice has a registration that others wait for"
        );
    }

    /// Issue 12, item 4: a page of the queue (at an offset, narrowed by a filter or a search) is
    /// the same run of items, with the same ranks and counts, as the whole queue worked out.
    #[test]
    fn every_page_and_search_is_the_run_of_the_whole_queue_it_says() {
        let store = worked_practice();
        let now = t("23/11/2026 09:00");
        let whole = build(&store, &QueueQuery::default(), now).unwrap().items;
        let third = &whole[100];
        let word = third.summary.split_whitespace().max_by_key(|w| w.len()).unwrap().to_lowercase();
        let family = third.patient.split(',').next().unwrap().to_lowercase();
        let page = |offset, limit| QueueQuery { offset, limit: Some(limit), ..Default::default() };
        let queries = [
            page(0, 50),
            page(50, 50),
            page(1_000, 50),
            page(whole.len() - 3, 50),
            page(whole.len() + 10, 50),
            QueueQuery { kind: Some(Kind::Consultation), offset: 30, limit: Some(10), ..Default::default() },
            QueueQuery { tier: Some(Tier::FirstWeek), offset: 20, limit: Some(20), ..Default::default() },
            QueueQuery {
                status: StatusFilter::Only(ItemStatus::Done),
                offset: 1,
                limit: Some(5),
                ..Default::default()
            },
            QueueQuery { status: StatusFilter::Only(ItemStatus::NotRequired), ..Default::default() },
            QueueQuery {
                status: StatusFilter::Only(ItemStatus::Claimed),
                offset: 2,
                limit: Some(3),
                ..Default::default()
            },
            QueueQuery {
                status: StatusFilter::Only(ItemStatus::Blocked),
                offset: 1,
                limit: Some(2),
                ..Default::default()
            },
            QueueQuery { search: Some(third.reference.to_lowercase()), ..Default::default() },
            QueueQuery { search: Some(word.clone()), offset: 2, limit: Some(10), ..Default::default() },
            QueueQuery { search: Some(format!("{family} {word}")), ..Default::default() },
            QueueQuery { search: Some(family.to_uppercase()), kind: Some(third.kind), ..Default::default() },
            QueueQuery {
                search: Some(word.clone()),
                status: StatusFilter::Only(ItemStatus::Done),
                ..Default::default()
            },
        ];
        for query in &queries {
            let (kept, fresh) = both_ways(&store, query, now);
            assert_eq!(kept, fresh, "{query:?}");
            let all = QueueQuery { offset: 0, limit: None, ..query.clone() };
            let everything = build(&store, &all, now).unwrap();
            let expected: Vec<&str> = everything
                .items
                .iter()
                .skip(query.offset)
                .take(query.limit.unwrap_or(usize::MAX))
                .map(|i| i.entry_id.as_str())
                .collect();
            let shown = build(&store, query, now).unwrap();
            let got: Vec<&str> = shown.items.iter().map(|i| i.entry_id.as_str()).collect();
            assert_eq!(got, expected, "{query:?}");
            assert_eq!(shown.matched, everything.matched, "{query:?}");
            assert!(shown.items.iter().enumerate().all(|(i, item)| item.rank == query.offset + i + 1), "{query:?}");
        }
        let by_reference = build(&store, &queries[11], now).unwrap().items;
        assert_eq!(by_reference.iter().map(|i| &i.reference).collect::<Vec<_>>(), [&third.reference]);
        let by_name_and_word = build(&store, &queries[13], now).unwrap().items;
        assert!(by_name_and_word.iter().any(|i| i.entry_id == third.entry_id));
        assert!(
            by_name_and_word
                .iter()
                .all(|i| i.patient.to_lowercase().contains(&family) || i.summary.to_lowercase().contains(&family))
        );
    }

    #[test]
    fn progress_counted_from_the_placements_matches_the_policy() {
        let store = worked_practice();
        let now = t("24/11/2026 12:00");
        let kept = progress(&store, now).unwrap();
        let ctx = PolicyContext::new(store.settings().unwrap().go_live(), now);
        let rows = store.queue_rows(&QueueScope { include_closed: true }).unwrap();
        let mut fresh = Progress::default();
        for p in place(rows, &store.open_registrations().unwrap(), &ctx) {
            if p.status == ItemStatus::Voided {
                continue;
            }
            let slot = &mut fresh.by_tier[p.assessment.tier.number() as usize - 1];
            slot.total += 1;
            slot.finished += usize::from(!p.status.is_open());
            slot.overdue += usize::from(p.overdue);
        }
        assert_eq!(kept, fresh);
        assert!(kept.by_tier.iter().map(|t| t.finished).sum::<usize>() > 0);
    }

    #[test]
    fn moving_go_live_places_every_item_again() {
        let store = worked_practice();
        let staff = store.staff().unwrap().into_iter().next().unwrap().id;
        let actor = store.actor(Some(&staff)).unwrap();
        let before = both_ways(&store, &QueueQuery::default(), t("23/11/2026 09:00")).0;
        store
            .write(|tx| {
                tx.set_settings(
                    &actor,
                    &[(crate::store::settings_key::GO_LIVE, time::to_storage(t("30/11/2026 08:00")))],
                )
            })
            .unwrap();
        assert!(store.queue_placed_for(t("30/11/2026 08:00"), policy::POLICY_VERSION).unwrap());
        let (kept, fresh) = both_ways(&store, &QueueQuery::default(), t("30/11/2026 09:00"));
        assert_eq!(kept, fresh);
        assert_ne!(kept.iter().map(|i| i.due).collect::<Vec<_>>(), before.iter().map(|i| i.due).collect::<Vec<_>>());
    }

    #[test]
    fn a_registration_gives_up_what_it_inherited_when_nothing_waits_for_it_any_more() {
        let store = worked_practice();
        let now = t("23/11/2026 09:00");
        let staff = store.staff().unwrap().into_iter().next().unwrap().id;
        let actor = store.actor(Some(&staff)).unwrap();
        let inherits = |item: &ReentryItem| item.terms.iter().any(|t| t.what.contains("for this registration"));
        let everything = build(&store, &QueueQuery::default(), now).unwrap().items;
        let registration = everything.iter().find(|i| inherits(i)).expect("a registration others wait for").clone();
        let waiting: Vec<&ReentryItem> = everything
            .iter()
            .filter(|i| matches!(&i.blocker, Some(Blocker::Registration { entry_id, .. }) if *entry_id == registration.entry_id))
            .collect();
        let (first, rest) = waiting.split_first().expect("items waiting for it");
        for item in rest {
            let skip = Request::NotRequired { reason: "Keyed by the old practice".into() };
            act(&store, &actor, &item.entry_id, &skip, now).unwrap();
        }
        // The last one logged in error: voided, it leaves the queue without any change of status.
        store
            .write_at(now, |tx| {
                let entry = tx.find_entry(&first.entry_id)?;
                let current = tx.current_revision(&entry)?;
                tx.revise_entry(
                    &actor,
                    &entry,
                    &current.content,
                    current.patient_id.as_deref(),
                    Some("Wrong patient"),
                    true,
                )
            })
            .unwrap();
        let (kept, fresh) = both_ways(&store, &QueueQuery::default(), now);
        assert_eq!(kept, fresh);
        let after = kept.iter().find(|i| i.entry_id == registration.entry_id).unwrap();
        assert!(!inherits(after), "{:?}", after.terms);
        assert!(after.score < registration.score);
    }

    #[test]
    fn check_finds_an_item_kept_at_the_wrong_place() {
        let store = worked_practice();
        assert_eq!(placement::misplaced(&store).unwrap(), 0);
        let last = order(&store, &QueueQuery::default(), t("23/11/2026 09:00")).unwrap();
        let (id, _, _) = last.iter().last().unwrap();
        let rowid =
            store.queue_rows(&QueueScope::default()).unwrap().into_iter().find(|r| r.entry_id == id).unwrap().rowid;
        let first = Placement { tier: 1, score: 1_000, due: t("23/11/2026 08:00"), booked_for: None };
        store.write(|tx| tx.set_placement(rowid, &first)).unwrap();
        assert_eq!(placement::misplaced(&store).unwrap(), 1);
    }

    #[test]
    fn without_go_live_nothing_is_placed_and_the_queue_is_worked_out() {
        let store = Store::open_in_memory().unwrap();
        crate::demo::generate(&store, 200, 3).unwrap();
        let staff = store.staff().unwrap().into_iter().next().unwrap().id;
        let actor = store.actor(Some(&staff)).unwrap();
        store.write(|tx| tx.set_settings(&actor, &[(crate::store::settings_key::GO_LIVE, String::new())])).unwrap();
        let now = t("23/11/2026 09:00");
        let ctx = PolicyContext::new(store.settings().unwrap().go_live(), now);
        assert!(!ctx.go_live_set);
        let rows = store.queue_rows(&QueueScope { include_closed: true }).unwrap();
        assert!(rows.len() >= 200 && rows.iter().all(|r| r.placement.is_none()), "nothing placed without go-live");
        assert!(read_in_order(&store, &QueueQuery::default(), &ctx).unwrap().is_none());
        let queue = build(&store, &QueueQuery::default(), now).unwrap();
        assert_eq!(queue.matched, queue.items.len());
        assert!(queue.matched > 0);
    }

    #[test]
    fn a_query_shows_its_question_and_answer_and_waits_for_its_clinician_until_answered() {
        let store = Store::open_in_memory().unwrap();
        crate::demo::generate(&store, 200, 5).unwrap();
        let admin = store.actor(Some("KL")).unwrap();
        let now = t("23/11/2026 09:00");
        let first = build(&store, &QueueQuery { limit: Some(2), ..Default::default() }, now).unwrap().items;
        let (a, b) = (&first[0], &first[1]);
        let ask = |id: &str, to: Option<&str>, note: &str| {
            act(&store, &admin, id, &Request::Query { note: note.into(), to: to.map(String::from) }, now).unwrap()
        };
        ask(&a.entry_id, Some("jo"), "Which dose was given?");
        ask(&b.entry_id, Some("MW"), "Is this the right patient?");
        let for_jo = QueueQuery { waiting_for: Some("JO".into()), ..Default::default() };
        let waiting: Vec<String> = build(&store, &for_jo, now).unwrap().items.into_iter().map(|i| i.entry_id).collect();
        assert_eq!(waiting, std::slice::from_ref(&a.entry_id), "only the query for JO");
        let item = |id: &str| {
            let all = QueueQuery { status: StatusFilter::All, ..Default::default() };
            build(&store, &all, now).unwrap().items.into_iter().find(|i| i.entry_id == id).unwrap()
        };
        let thread = item(&a.entry_id).query.expect("the question is on the item");
        assert_eq!(
            (
                thread.question.text.as_str(),
                thread.question.by.as_str(),
                thread.question.at,
                thread.asked_for.as_deref()
            ),
            ("Which dose was given?", "KL", now, Some("JO"))
        );
        assert_eq!(thread.answer, None);

        let refused = act(&store, &admin, &a.entry_id, &Request::Answer { note: "5 mg".into() }, now).unwrap_err();
        assert!(matches!(refused, crate::error::Error::Reentry(crate::error::Reentry::AnswerNeedsClinician { .. })));
        let later = now + Duration::minutes(30);
        let jo = store.actor(Some("JO")).unwrap();
        let answered =
            act(&store, &jo, &a.entry_id, &Request::Answer { note: "5 mg once a day".into() }, later).unwrap();
        assert_eq!(answered.status, ReentryStatus::Open, "back in the admin's queue");
        let shown = item(&a.entry_id);
        assert_eq!(shown.status, ItemStatus::Open);
        let answer = shown.query.unwrap().answer.expect("the answer is on the item");
        assert_eq!((answer.text.as_str(), answer.by.as_str(), answer.at), ("5 mg once a day", "JO", later));
        assert!(build(&store, &for_jo, later).unwrap().items.is_empty(), "answered: no longer waiting for JO");
        let history = store.reentry_history(&a.entry_id).unwrap();
        assert_eq!(history.last().unwrap().action, Some(crate::store::ReentryAction::Answer));
        assert_eq!(history.last().unwrap().staff_id, "JO");
    }

    #[test]
    fn changes_recorded_at_one_instant_keep_the_order_they_were_made_in() {
        // A clock that stands still (as in the guides' examples) or steps back: the answer still
        // follows its question, and the item's state is where the last change left it.
        let store = Store::open_in_memory().unwrap();
        crate::demo::generate(&store, 50, 3).unwrap();
        let now = t("23/11/2026 09:00");
        let item = build(&store, &QueueQuery { limit: Some(1), ..Default::default() }, now).unwrap().items.remove(0);
        let (kl, jo) = (store.actor(Some("KL")).unwrap(), store.actor(Some("JO")).unwrap());
        for round in 0..20 {
            let ask = Request::Query { note: format!("Question {round}"), to: None };
            act(&store, &kl, &item.entry_id, &ask, now).unwrap();
            // The same millisecond as stored (a clock that runs on by microseconds), or earlier.
            let earlier = now - Duration::seconds(round) + Duration::microseconds(300);
            act(&store, &jo, &item.entry_id, &Request::Answer { note: format!("Answer {round}") }, earlier).unwrap();
        }
        let history = store.reentry_history(&item.entry_id).unwrap();
        let notes: Vec<&str> = history.iter().filter_map(|e| e.note.as_deref()).collect();
        let made: Vec<String> = (0..20).flat_map(|r| [format!("Question {r}"), format!("Answer {r}")]).collect();
        assert_eq!(notes, made);
        assert_eq!(crate::store::replay(&history).state.status, ReentryStatus::Open);
        let all = QueueQuery { status: StatusFilter::All, ..Default::default() };
        let shown = build(&store, &all, now).unwrap().items.into_iter().find(|i| i.entry_id == item.entry_id).unwrap();
        assert_eq!(shown.query.unwrap().answer.map(|a| a.text).as_deref(), Some("Answer 19"));
    }
}
