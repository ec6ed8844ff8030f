//! The re-entry queue's rows and state: compact rows for ordering (one indexed scan of `entry`,
//! no notes, no history), the details of the few rows shown, and each change to an item as an
//! append-only event with the entry's current-state copy updated in the same transaction.

use std::collections::HashMap;

use chrono::{DateTime, Utc};
use rusqlite::{Connection, OptionalExtension, Row, params};
use serde_json::json;

use super::entries::EntryHeader;
use super::{Actor, Store, Tx};
use crate::domain::fields::{Flag, Kind};
use crate::domain::time;
use crate::error::Result;

/// Where an item stands in re-entry, as stored. "Blocked" and an expired claim are worked out
/// when the queue is read, since they depend on other items and on the time.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum ReentryStatus {
    Open,
    Claimed,
    Done,
    Query,
    NotRequired,
}

impl ReentryStatus {
    pub const ALL: [ReentryStatus; 5] = [
        ReentryStatus::Open,
        ReentryStatus::Claimed,
        ReentryStatus::Done,
        ReentryStatus::Query,
        ReentryStatus::NotRequired,
    ];

    pub fn name(self) -> &'static str {
        match self {
            ReentryStatus::Open => "open",
            ReentryStatus::Claimed => "claimed",
            ReentryStatus::Done => "done",
            ReentryStatus::Query => "query",
            ReentryStatus::NotRequired => "not_required",
        }
    }

    pub fn parse(s: &str) -> Option<ReentryStatus> {
        ReentryStatus::ALL.into_iter().find(|st| st.name() == s)
    }

    /// Still needs work: in the open queue.
    pub fn is_open(self) -> bool {
        matches!(self, ReentryStatus::Open | ReentryStatus::Claimed | ReentryStatus::Query)
    }
}

/// One kind of change to an item, as stored in `reentry_event.action`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ReentryAction {
    Claim,
    Release,
    Done,
    Query,
    NotRequired,
    Reopen,
    WaiveNhs,
    /// A clinician's answer to a query (schema 9): the item goes back to the open queue.
    Answer,
}

impl ReentryAction {
    pub fn name(self) -> &'static str {
        match self {
            ReentryAction::Claim => "claim",
            ReentryAction::Release => "release",
            ReentryAction::Done => "done",
            ReentryAction::Query => "query",
            ReentryAction::NotRequired => "not_required",
            ReentryAction::Reopen => "reopen",
            ReentryAction::WaiveNhs => "waive_nhs",
            ReentryAction::Answer => "answer",
        }
    }

    fn parse(s: &str) -> Option<ReentryAction> {
        [
            ReentryAction::Claim,
            ReentryAction::Release,
            ReentryAction::Done,
            ReentryAction::Query,
            ReentryAction::NotRequired,
            ReentryAction::Reopen,
            ReentryAction::WaiveNhs,
            ReentryAction::Answer,
        ]
        .into_iter()
        .find(|a| a.name() == s)
    }
}

/// What the priority policy reads about one item: small, and enough to place it.
#[derive(Debug, Clone, PartialEq, Default)]
pub struct QueueRow {
    /// The entry's row number in this file: a cheap handle for fetching details; not stable across files.
    pub rowid: i64,
    pub entry_id: String,
    pub kind: Option<Kind>,
    pub occurred_at: DateTime<Utc>,
    pub flags: Vec<Flag>,
    pub voided: bool,
    pub status: Option<ReentryStatus>,
    pub assignee: Option<String>,
    pub claimed_until: Option<DateTime<Utc>>,
    /// The patient's id, for finding their registration; `None` for stock with no patient.
    pub patient: Option<String>,
    /// The patient has an NHS number, on their record or traced when their registration was keyed.
    pub nhs_known: bool,
    pub nhs_waived: bool,
    pub facts: ItemFacts,
    /// Where the policy last placed it, as kept on the entry row; `None` while not placed.
    pub placement: Option<Placement>,
}

/// Where the policy placed an item, kept on its entry row (schema 5) so that the queue can be read
/// in order from an index. A cache of the policy, cleared whenever what it depends on changes.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Placement {
    /// 1 to 4.
    pub tier: u8,
    pub score: i64,
    pub due: DateTime<Utc>,
    /// A future booking's own time.
    pub booked_for: Option<DateTime<Utc>>,
}

impl QueueRow {
    pub fn kind(&self) -> Kind {
        self.kind.unwrap_or(Kind::Note)
    }

    pub fn status(&self) -> ReentryStatus {
        self.status.unwrap_or(ReentryStatus::Open)
    }
}

/// The few kind-specific fields that decide an item's place (stored names, as in the data dictionary).
#[derive(Debug, Clone, PartialEq, Default)]
pub struct ItemFacts {
    pub rx_status: Option<String>,
    pub abnormal: Option<bool>,
    /// A pathology result with an action written against it.
    pub action_given: bool,
    pub urgency: Option<String>,
    pub source: Option<String>,
    pub action_required: Option<bool>,
    pub appointment_at: Option<DateTime<Utc>>,
    pub appointment_status: Option<String>,
    pub expected_electronically: Option<bool>,
    /// A consultation or home visit with history, examination, assessment, plan or follow-up written.
    pub clinical_content: bool,
}

/// An open registration for a patient: it blocks their other items.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct OpenRegistration {
    pub rowid: i64,
    pub entry_id: String,
    pub reference: String,
}

/// Which items to read. Every other filter is applied after the policy has run, because an item's
/// place can depend on others (a registration inherits the urgency of what waits for it).
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct QueueScope {
    /// Done, not required and voided items too.
    pub include_closed: bool,
}

/// What the queue shows of an item besides its place: read only for the rows shown.
#[derive(Debug, Clone, PartialEq, Default)]
pub struct QueueDetail {
    pub reference: String,
    pub summary: String,
    pub nhs_number: Option<String>,
    pub family_name: Option<String>,
    pub given_name: Option<String>,
    pub date_of_birth: Option<String>,
    pub new_system_ref: Option<String>,
    /// The latest question put to a clinician about the item, and its answer once given.
    pub query: Option<QueryThread>,
}

/// Something said about an item in its history: the words, who said them and when.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Remark {
    pub text: String,
    /// The staff member's short id.
    pub by: String,
    pub at: DateTime<Utc>,
}

/// A query and its answer: the latest question asked about an item, the clinician it is for
/// (`None`: any clinician), and the answer given after it, if one has been.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct QueryThread {
    pub question: Remark,
    pub asked_for: Option<String>,
    pub answer: Option<Remark>,
}

impl QueryThread {
    /// The thread an item's query and answer events make, oldest first: the latest question, and
    /// the first answer after it. A question with no text is still a question (asked elsewhere).
    pub fn from_events<'a>(events: impl IntoIterator<Item = &'a ReentryEvent>) -> Option<QueryThread> {
        let mut thread: Option<QueryThread> = None;
        for e in events {
            let remark = || Remark { text: e.note.clone().unwrap_or_default(), by: e.staff_id.clone(), at: e.at };
            match e.action {
                Some(ReentryAction::Query) => {
                    thread = Some(QueryThread { question: remark(), asked_for: e.for_staff.clone(), answer: None })
                }
                Some(ReentryAction::Answer) => {
                    if let Some(t) = thread.as_mut().filter(|t| t.answer.is_none()) {
                        t.answer = Some(remark());
                    }
                }
                _ => {}
            }
        }
        thread
    }
}

/// Every column from `entry` alone: its copy of the deciding fields is kept by the schema's
/// triggers, and the few patients without an NHS number are looked up apart, so there is no join.
const ROW_COLUMNS: &str =
    "e.rowid, e.id, e.kind, e.occurred_at, e.flags, e.voided, e.reentry_status, e.reentry_assignee,
    e.reentry_claimed_until, e.patient_id, e.nhs_waived,
    e.fact_rx_status, e.fact_abnormal, e.fact_action_given, e.fact_urgency, e.fact_source, e.fact_action_required,
    e.fact_appointment_at, e.fact_appointment_status, e.fact_expected_electronically, e.fact_clinical_content,
    e.queue_tier, e.queue_score, e.queue_due, e.queue_booked";

fn when(s: Option<String>) -> Option<DateTime<Utc>> {
    s.as_deref().and_then(time::from_storage)
}

/// The flags column by exact stored name: read for every row of the queue, so no lenient parsing.
fn stored_flags(column: &str) -> Vec<Flag> {
    let mut flags: Vec<Flag> =
        column.split_whitespace().filter_map(|name| Flag::ALL.into_iter().find(|f| f.name() == name)).collect();
    flags.sort();
    flags
}

/// A stored yes/no: 1 or 0; anything else is "not said".
fn yes_no(r: &Row, at: usize) -> rusqlite::Result<Option<bool>> {
    Ok(match r.get::<_, rusqlite::types::Value>(at)? {
        rusqlite::types::Value::Integer(n) => Some(n != 0),
        _ => None,
    })
}

fn queue_row(r: &Row) -> rusqlite::Result<QueueRow> {
    // Borrowed, not copied: this runs for every item in the queue.
    let text = |at: usize| -> rusqlite::Result<&str> { Ok(r.get_ref(at)?.as_str().unwrap_or_default()) };
    let kind = text(2)?;
    let occurred = text(3)?;
    let flags = text(4)?;
    let status = text(6)?;
    Ok(QueueRow {
        rowid: r.get(0)?,
        entry_id: r.get(1)?,
        kind: Kind::ALL.into_iter().find(|k| k.name() == kind),
        occurred_at: time::from_storage(occurred).unwrap_or_default(),
        flags: if flags.is_empty() { Vec::new() } else { stored_flags(flags) },
        voided: r.get(5)?,
        status: ReentryStatus::parse(status),
        assignee: r.get(7)?,
        claimed_until: when(r.get(8)?),
        patient: r.get(9)?,
        // Settled by `queue_rows`, which knows the patients without a number.
        nhs_known: true,
        nhs_waived: r.get(10)?,
        facts: ItemFacts {
            rx_status: r.get(11)?,
            abnormal: yes_no(r, 12)?,
            action_given: r.get(13)?,
            urgency: r.get(14)?,
            source: r.get(15)?,
            action_required: yes_no(r, 16)?,
            appointment_at: when(r.get(17)?),
            appointment_status: r.get(18)?,
            expected_electronically: yes_no(r, 19)?,
            clinical_content: r.get(20)?,
        },
        placement: placement(r, 21)?,
    })
}

/// The placement kept in four columns from `at`: tier, score, due, booked.
fn placement(r: &Row, at: usize) -> rusqlite::Result<Option<Placement>> {
    let Some(tier) = r.get::<_, Option<u8>>(at)? else { return Ok(None) };
    let (Some(score), Some(due)) = (r.get::<_, Option<i64>>(at + 1)?, when(r.get(at + 2)?)) else { return Ok(None) };
    Ok(Some(Placement { tier, score, due, booked_for: when(r.get(at + 3)?) }))
}

const DETAIL_COLUMNS: &str = "e.rowid, e.ref, e.summary, e.reentry_ref, p.nhs_number, p.family_name, p.given_name,
    p.date_of_birth";

fn detail(r: &Row) -> rusqlite::Result<(i64, QueueDetail)> {
    Ok((
        r.get(0)?,
        QueueDetail {
            reference: r.get(1)?,
            summary: r.get(2)?,
            new_system_ref: r.get(3)?,
            nhs_number: r.get(4)?,
            family_name: r.get(5)?,
            given_name: r.get(6)?,
            date_of_birth: r.get(7)?,
            query: None,
        },
    ))
}

/// The queue reads much of the file at once: map it rather than copy it page by page.
fn map_the_file(c: &Connection) -> rusqlite::Result<()> {
    c.pragma_update(None, "mmap_size", QUEUE_MMAP_BYTES)
}

/// How much of the file the queue maps into memory (SQLite's `mmap_size`; 0 would turn it off).
const QUEUE_MMAP_BYTES: i64 = 256 * 1024 * 1024;

/// Past this many rows, one scan beats a look-up each.
const DETAIL_SCAN_THRESHOLD: usize = 2_000;

impl Store {
    /// Every item in scope as a compact row, read by one scan of `entry` (with its current revision's
    /// fields and its patient's row), in no particular order: the policy orders them.
    pub fn queue_rows(&self, scope: &QueueScope) -> Result<Vec<QueueRow>> {
        self.read(|c| {
            map_the_file(c)?;
            let rows = queue_rows(c, scope)?;
            let untraced = patients_without_nhs_number(c)?;
            Ok(rows
                .into_iter()
                .map(|mut row| {
                    row.nhs_known = row.patient.as_ref().is_none_or(|p| !untraced.contains(p));
                    row
                })
                .collect())
        })
    }

    /// Each patient's earliest registration still to be keyed, by the patient's id.
    pub fn open_registrations(&self) -> Result<HashMap<String, OpenRegistration>> {
        self.read(|c| Ok(open_registrations(c, None)?))
    }

    /// The items of the next batch of patients (see `QueueBatch`), without mapping the file into
    /// memory: for going through the whole queue a batch at a time (`cutover check`).
    pub fn queue_batch(&self, after: Option<&str>, patients: usize) -> Result<QueueBatch> {
        self.read(|c| Ok(queue_batch(c, after, patients)?))
    }

    /// Items in queue order, as placed (schema 5), from the order index: those `select` asks for,
    /// a page of them if it says so. The caller has checked that every item is placed
    /// (`queue_placed_for`). The facts are not read: the policy already used them.
    pub fn placed_queue_rows(&self, select: &PlacedSelect) -> Result<Vec<QueueRow>> {
        self.read(|c| {
            map_the_file(c)?;
            let mut args: Vec<Box<dyn rusqlite::ToSql>> = Vec::new();
            let wanted = select.condition(&mut args);
            args.push(Box::new(select.limit.map_or(-1, |n| i64::try_from(n).unwrap_or(i64::MAX))));
            args.push(Box::new(i64::try_from(select.offset).unwrap_or(i64::MAX)));
            let (limit, offset) = (args.len() - 1, args.len());
            let mut stmt = c.prepare_cached(&format!(
                "{} WHERE {wanted} {PLACED_ORDER} LIMIT ?{limit} OFFSET ?{offset}",
                select.rows()
            ))?;
            let mut rows = stmt
                .query_map(rusqlite::params_from_iter(args.iter()), placed_row)?
                .collect::<rusqlite::Result<Vec<_>>>()?;
            if rows.len() <= FEW_ROWS {
                let mut known = c.prepare_cached(NHS_NUMBER_KNOWN)?;
                for row in &mut rows {
                    if let Some(patient) = &row.patient {
                        row.nhs_known = known.query_row([patient], |r| r.get(0)).optional()?.unwrap_or(true);
                    }
                }
            } else {
                let untraced = patients_without_nhs_number(c)?;
                for row in &mut rows {
                    row.nhs_known = row.patient.as_ref().is_none_or(|p| !untraced.contains(p));
                }
            }
            Ok(rows)
        })
    }

    /// How many items `select` asks for (its page aside), and how many of them still to do were
    /// due before `now`: one walk of the order index.
    pub fn placed_queue_count(&self, select: &PlacedSelect, now: DateTime<Utc>) -> Result<(usize, usize)> {
        self.read(|c| {
            let mut args: Vec<Box<dyn rusqlite::ToSql>> = Vec::new();
            let wanted = select.condition(&mut args);
            args.push(Box::new(time::to_storage(now)));
            let due = args.len();
            let mut stmt = c.prepare_cached(&format!(
                "SELECT count(*), total(e.queue_due < ?{due} AND e.reentry_status IN ('open', 'claimed', 'query'))
                 FROM entry e INDEXED BY entry_in_queue_order WHERE {wanted}"
            ))?;
            let (count, overdue): (i64, f64) =
                stmt.query_row(rusqlite::params_from_iter(args.iter()), |r| Ok((r.get(0)?, r.get(1)?)))?;
            Ok((count.max(0) as usize, overdue.max(0.0) as usize))
        })
    }

    /// The row numbers of every item holding each word of `words` (see `entries::words_matched`),
    /// whatever its state.
    pub fn queue_search(&self, words: &str) -> Result<std::collections::HashSet<i64>> {
        self.read(|c| {
            let mut args: Vec<Box<dyn rusqlite::ToSql>> = Vec::new();
            let Some(found) = super::entries::words_found(words, &mut args) else { return Ok(Default::default()) };
            let mut stmt = c.prepare_cached(&found)?;
            let rows = stmt.query_map(rusqlite::params_from_iter(args.iter()), |r| r.get(0))?;
            Ok(rows.collect::<rusqlite::Result<_>>()?)
        })
    }

    /// These open items (by entry id) as placed, in no particular order: for a short list such as
    /// the queries waiting for one clinician. `None` when one of them is not placed.
    pub fn placed_rows_of(&self, entry_ids: &[&str]) -> Result<Option<Vec<QueueRow>>> {
        self.read(|c| {
            let mut stmt =
                c.prepare_cached(&format!("{PLACED_COLUMNS} FROM entry e WHERE e.id = ?1 AND e.voided = 0"))?;
            let mut known = c.prepare_cached(NHS_NUMBER_KNOWN)?;
            let mut rows = Vec::with_capacity(entry_ids.len());
            for id in entry_ids {
                let Some(mut row) = stmt.query_row([id], placed_row).optional()? else { continue };
                if row.placement.is_none() {
                    return Ok(None);
                }
                if let Some(patient) = &row.patient {
                    row.nhs_known = known.query_row([patient], |r| r.get(0)).optional()?.unwrap_or(true);
                }
                rows.push(row);
            }
            Ok(Some(rows))
        })
    }

    /// The earliest open registration of each of these patients (at least): a look-up each when
    /// they are few, otherwise every patient's.
    pub fn open_registrations_of(&self, patients: &[&str]) -> Result<HashMap<String, OpenRegistration>> {
        if patients.len() > FEW_ROWS {
            return self.open_registrations();
        }
        let distinct: std::collections::BTreeSet<&str> = patients.iter().copied().collect();
        self.read(|c| {
            let mut map = HashMap::new();
            for patient in distinct {
                map.extend(open_registrations(c, Some(patient))?);
            }
            Ok(map)
        })
    }

    /// The full rows (facts and flags) of these items, by row number.
    pub fn queue_rows_by_rowid(&self, rowids: &[i64]) -> Result<HashMap<i64, QueueRow>> {
        self.read(|c| {
            if rowids.len() > DETAIL_SCAN_THRESHOLD {
                let wanted: std::collections::HashSet<i64> = rowids.iter().copied().collect();
                let rows = queue_rows(c, &QueueScope { include_closed: false })?;
                return Ok(rows.into_iter().filter(|r| wanted.contains(&r.rowid)).map(|r| (r.rowid, r)).collect());
            }
            let mut stmt = c.prepare_cached(&format!("SELECT {ROW_COLUMNS} FROM entry e WHERE e.rowid = ?1"))?;
            let mut map = HashMap::with_capacity(rowids.len());
            for rowid in rowids {
                if let Some(row) = stmt.query_row([rowid], queue_row).optional()? {
                    map.insert(row.rowid, row);
                }
            }
            Ok(map)
        })
    }

    /// How many open items of `patient` wait for their registration `rowid`, and the soonest tier
    /// among them, as placed; `None` when none wait.
    pub fn waiting_for_registration(&self, patient: &str, rowid: i64) -> Result<Option<(i64, u8)>> {
        self.read(|c| {
            let (count, tier): (i64, Option<u8>) = c.query_row(
                "SELECT count(*), min(queue_tier) FROM entry
                 WHERE patient_id = ?1 AND rowid <> ?2 AND voided = 0 AND reentry_status IN ('open', 'claimed', 'query')",
                params![patient, rowid],
                |r| Ok((r.get(0)?, r.get(1)?)),
            )?;
            Ok(tier.filter(|_| count > 0).map(|t| (count, t)))
        })
    }

    /// Whether every item is placed, against this go-live time by this version of the policy:
    /// then the order index is the queue.
    pub fn queue_placed_for(&self, go_live: DateTime<Utc>, policy: &str) -> Result<bool> {
        self.read(|c| {
            if queue_basis(c)? != Some((go_live, policy.to_string())) {
                return Ok(false);
            }
            Ok(!c.query_row(UNPLACED_EXISTS, [], |r| r.get::<_, bool>(0))?)
        })
    }

    /// Items counted by tier as placed, open ones due before `now` apart; voided ones left out.
    pub fn placed_counts(&self, now: DateTime<Utc>) -> Result<Vec<PlacedCount>> {
        self.read(|c| {
            map_the_file(c)?;
            let mut stmt = c.prepare_cached(COUNTS_BY_TIER)?;
            let mut by_tier: Vec<PlacedCount> = Vec::new();
            let mut rows = stmt.query([time::to_storage(now)])?;
            while let Some(r) = rows.next()? {
                let tier: u8 = r.get(0)?;
                let open = ReentryStatus::parse(r.get_ref(1)?.as_str().unwrap_or_default()).is_none_or(|s| s.is_open());
                let (items, due) = (r.get::<_, i64>(2)?.max(0) as usize, r.get::<_, i64>(3)?.max(0) as usize);
                if by_tier.last().is_none_or(|c| c.tier != tier) {
                    by_tier.push(PlacedCount { tier, open: 0, overdue: 0, finished: 0 });
                }
                let Some(count) = by_tier.last_mut() else { continue };
                if open {
                    count.open += items;
                    count.overdue += due;
                } else {
                    count.finished += items;
                }
            }
            Ok(by_tier)
        })
    }

    /// The details shown for these rows (by `QueueRow::rowid`).
    pub fn queue_details(&self, rowids: &[i64]) -> Result<HashMap<i64, QueueDetail>> {
        self.read(|c| {
            let mut map = HashMap::with_capacity(rowids.len());
            if rowids.len() > DETAIL_SCAN_THRESHOLD {
                let wanted: std::collections::HashSet<i64> = rowids.iter().copied().collect();
                let mut stmt = c.prepare_cached(&format!(
                    "SELECT {DETAIL_COLUMNS} FROM entry e LEFT JOIN patient p ON p.id = e.patient_id"
                ))?;
                for row in stmt.query_map([], detail)? {
                    let (rowid, d) = row?;
                    if wanted.contains(&rowid) {
                        map.insert(rowid, d);
                    }
                }
            } else {
                let mut stmt = c.prepare_cached(&format!(
                    "SELECT {DETAIL_COLUMNS} FROM entry e LEFT JOIN patient p ON p.id = e.patient_id WHERE e.rowid = ?1"
                ))?;
                for rowid in rowids {
                    if let Some((rowid, d)) = stmt.query_row([rowid], detail).optional()? {
                        map.insert(rowid, d);
                    }
                }
            }
            for (rowid, thread) in query_threads(c, rowids)? {
                if let Some(d) = map.get_mut(&rowid) {
                    d.query = Some(thread);
                }
            }
            let traced = traced_patients_by_entry(c, rowids)?;
            for (rowid, nhs) in traced {
                if let Some(d) = map.get_mut(&rowid)
                    && d.nhs_number.is_none()
                {
                    d.nhs_number = Some(nhs);
                }
            }
            Ok(map)
        })
    }

    /// An item's re-entry history, oldest first.
    pub fn reentry_history(&self, entry_id: &str) -> Result<Vec<ReentryEvent>> {
        self.read(|c| Ok(history(c, entry_id)?))
    }

    /// The items waiting for a clinician (status `query`, not voided), each with the clinician its
    /// latest question is for (`None`: any clinician): few, so read whole.
    pub fn queries_waiting(&self) -> Result<HashMap<String, Option<String>>> {
        self.read(|c| {
            let mut stmt = c.prepare_cached(QUERIES_WAITING)?;
            let rows = stmt.query_map([], |r| Ok((r.get::<_, String>(0)?, r.get::<_, Option<String>>(1)?)))?;
            Ok(rows.collect::<rusqlite::Result<HashMap<_, _>>>()?)
        })
    }
}

/// Each of these items' query thread, for those that were ever queried: a look-up each when they
/// are few, otherwise one pass over every question and answer.
fn query_threads(c: &Connection, rowids: &[i64]) -> rusqlite::Result<Vec<(i64, QueryThread)>> {
    const COLUMNS: &str = "v.id, v.at, v.staff_id, v.workstation_id, v.action, v.note, v.new_system_ref,
        v.nhs_number, v.claimed_until, v.taken_from, v.for_staff";
    let mut by_rowid: HashMap<i64, Vec<ReentryEvent>> = HashMap::new();
    if rowids.len() > DETAIL_SCAN_THRESHOLD {
        let wanted: std::collections::HashSet<i64> = rowids.iter().copied().collect();
        let mut stmt = c.prepare_cached(&format!(
            "SELECT e.rowid, {COLUMNS} FROM reentry_event v INDEXED BY reentry_event_asked JOIN entry e ON e.id = v.entry_id
             WHERE v.action IN ('query', 'answer') ORDER BY v.entry_id, v.at, v.id"
        ))?;
        let rows = stmt.query_map([], |r| Ok((r.get::<_, i64>(0)?, reentry_event(r, 1)?)))?;
        for row in rows {
            let (rowid, event) = row?;
            if wanted.contains(&rowid) {
                by_rowid.entry(rowid).or_default().push(event);
            }
        }
    } else {
        let mut stmt = c.prepare_cached(&format!(
            "SELECT {COLUMNS} FROM reentry_event v INDEXED BY reentry_event_asked
             WHERE v.entry_id = (SELECT id FROM entry WHERE rowid = ?1) AND v.action IN ('query', 'answer')
             ORDER BY v.at, v.id"
        ))?;
        for rowid in rowids {
            let events = stmt.query_map([rowid], |r| reentry_event(r, 0))?.collect::<rusqlite::Result<Vec<_>>>()?;
            if !events.is_empty() {
                by_rowid.insert(*rowid, events);
            }
        }
    }
    Ok(by_rowid.into_iter().filter_map(|(rowid, events)| Some((rowid, QueryThread::from_events(&events)?))).collect())
}

/// What the kept placements were worked out against: go-live and the policy's version.
fn queue_basis(c: &Connection) -> rusqlite::Result<Option<(DateTime<Utc>, String)>> {
    let basis: Option<(String, String)> = c
        .query_row("SELECT reference, policy FROM queue_basis WHERE id = 1", [], |r| Ok((r.get(0)?, r.get(1)?)))
        .optional()?;
    Ok(basis.and_then(|(reference, policy)| Some((time::from_storage(&reference)?, policy))))
}

/// Placed items, from the order index of schema 5: followed by a WHERE that names
/// `PLACED_WHERE`'s columns, then `PLACED_ORDER`. Every column is in the index (`voided` is not
/// selected: it holds only unvoided entries), so without a search the table is never read.
const PLACED_ROWS: &str = "SELECT e.rowid, e.id, e.kind, e.occurred_at, e.reentry_status, e.reentry_assignee,
        e.reentry_claimed_until, e.patient_id, e.nhs_waived, e.queue_tier, e.queue_score, e.queue_due, e.queue_booked
    FROM entry e INDEXED BY entry_in_queue_order";

/// `PLACED_ROWS` for a few items found otherwise (by a search, say), each looked up by its row.
const PLACED_ROWS_LOOKED_UP: &str = "SELECT e.rowid, e.id, e.kind, e.occurred_at, e.reentry_status, e.reentry_assignee,
        e.reentry_claimed_until, e.patient_id, e.nhs_waived, e.queue_tier, e.queue_score, e.queue_due, e.queue_booked
    FROM entry e";

/// The queue's order: the order index's own, so nothing is sorted.
const PLACED_ORDER: &str = "ORDER BY e.queue_tier, e.queue_score DESC, e.queue_due, e.queue_booked IS NULL, e.queue_booked, e.occurred_at, e.id";

/// Which placed items to read, in the columns of the order index (a search reads the table too).
#[derive(Debug, Clone, Default)]
pub struct PlacedSelect<'a> {
    /// As stored; none means every status.
    pub statuses: &'a [ReentryStatus],
    pub kind: Option<Kind>,
    /// 1 to 4.
    pub tier: Option<u8>,
    /// Whose items, any case: claimed by them, or finished by them. Whether a claim has lapsed is
    /// left to the caller.
    pub assignee: Option<&'a str>,
    /// Words to search for (see `entries::words_matched`).
    pub search: Option<&'a str>,
    /// Only items that may be blocked: their patient has no NHS number on record, or has a
    /// registration still to key. Whether each one is blocked is left to the caller.
    pub may_be_blocked: bool,
    pub offset: usize,
    pub limit: Option<usize>,
}

impl PlacedSelect<'_> {
    /// Whether every placed item still to do is wanted (its statuses aside).
    pub fn narrows_nothing(&self) -> bool {
        self.kind.is_none()
            && self.tier.is_none()
            && self.assignee.is_none()
            && self.search.is_none()
            && !self.may_be_blocked
    }

    /// The SELECT of the placed rows: from the order index, walked in order, unless a search or
    /// the patients that may be blocked name a few items, which are then looked up and sorted.
    fn rows(&self) -> &'static str {
        if self.search.is_some() || self.may_be_blocked { PLACED_ROWS_LOOKED_UP } else { PLACED_ROWS }
    }

    /// The WHERE condition, its values added to `args`.
    fn condition(&self, args: &mut Vec<Box<dyn rusqlite::ToSql>>) -> String {
        let mut sql = String::from("e.voided = 0 AND e.queue_tier IS NOT NULL");
        if !self.statuses.is_empty() {
            let names: Vec<String> = self.statuses.iter().map(|s| format!("'{}'", s.name())).collect();
            sql.push_str(&format!(" AND e.reentry_status IN ({})", names.join(", ")));
        }
        if let Some(kind) = self.kind {
            args.push(Box::new(kind.name()));
            sql.push_str(&format!(" AND e.kind = ?{}", args.len()));
        }
        if let Some(tier) = self.tier {
            args.push(Box::new(tier));
            sql.push_str(&format!(" AND e.queue_tier = ?{}", args.len()));
        }
        if let Some(who) = self.assignee {
            args.push(Box::new(who.to_string()));
            sql.push_str(&format!(" AND e.reentry_assignee = ?{} COLLATE NOCASE", args.len()));
        }
        if let Some(words) = self.search {
            sql.push_str(&super::entries::words_matched(words, args));
        }
        if self.may_be_blocked {
            sql.push_str(
                " AND e.patient_id IN (SELECT id FROM patient WHERE nhs_number IS NULL
                     UNION SELECT patient_id FROM entry INDEXED BY entry_by_kind
                           WHERE kind = 'registration' AND voided = 0 AND reentry_status IN ('open', 'claimed', 'query'))",
            );
        }
        sql
    }
}

/// The columns `placed_row` reads (those of `PLACED_ROWS`), for a look-up by id.
const PLACED_COLUMNS: &str = "SELECT e.rowid, e.id, e.kind, e.occurred_at, e.reentry_status, e.reentry_assignee,
        e.reentry_claimed_until, e.patient_id, e.nhs_waived, e.queue_tier, e.queue_score, e.queue_due, e.queue_booked";

/// Items by tier and status, and how many were due before ?1: grouped in the narrow index's own
/// order, so that SQLite counts in one walk of the index, unsorted.
const COUNTS_BY_TIER: &str = "SELECT queue_tier, reentry_status, count(*), sum(queue_due < ?1)
    FROM entry INDEXED BY entry_by_queue_tier WHERE voided = 0 AND queue_tier IS NOT NULL
    GROUP BY queue_tier, reentry_status";

/// The items waiting for a clinician, with whom their latest question is for: from the small
/// index of queried items (schema 9), never a scan of every entry.
const QUERIES_WAITING: &str = "SELECT e.id, (SELECT v.for_staff FROM reentry_event v
        WHERE v.entry_id = e.id AND v.action = 'query' ORDER BY v.at DESC, v.id DESC LIMIT 1)
    FROM entry e INDEXED BY entry_waiting_for_clinician WHERE e.reentry_status = 'query' AND e.voided = 0";

/// Up to this many rows, a look-up each beats reading a whole set.
const FEW_ROWS: usize = 500;

/// Whether a patient has an NHS number, on their record or traced when their registration was keyed.
const NHS_NUMBER_KNOWN: &str = "SELECT p.nhs_number IS NOT NULL OR EXISTS (
        SELECT 1 FROM entry r WHERE r.patient_id = p.id AND r.kind = 'registration' AND r.voided = 0
            AND r.reentry_status = 'done' AND r.reentry_nhs_number IS NOT NULL)
    FROM patient p WHERE p.id = ?1";

/// Whether any item still waits to be placed (unplaced tiers come first in the order index).
const UNPLACED_EXISTS: &str =
    "SELECT EXISTS (SELECT 1 FROM entry INDEXED BY entry_by_queue_tier WHERE voided = 0 AND queue_tier IS NULL)";

/// How many items of one tier are open (and of those, overdue) and finished.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct PlacedCount {
    pub tier: u8,
    pub open: usize,
    pub overdue: usize,
    /// Done or not required.
    pub finished: usize,
}

fn placed_row(r: &Row) -> rusqlite::Result<QueueRow> {
    let text = |at: usize| -> rusqlite::Result<&str> { Ok(r.get_ref(at)?.as_str().unwrap_or_default()) };
    let kind = text(2)?;
    let occurred = text(3)?;
    let status = text(4)?;
    Ok(QueueRow {
        rowid: r.get(0)?,
        entry_id: r.get(1)?,
        kind: Kind::ALL.into_iter().find(|k| k.name() == kind),
        occurred_at: time::from_storage(occurred).unwrap_or_default(),
        voided: false,
        status: ReentryStatus::parse(status),
        assignee: r.get(5)?,
        claimed_until: when(r.get(6)?),
        patient: r.get(7)?,
        nhs_known: true,
        nhs_waived: r.get(8)?,
        placement: placement(r, 9)?,
        ..Default::default()
    })
}

/// Every item in scope as a compact row, in no particular order.
fn queue_rows(c: &Connection, scope: &QueueScope) -> rusqlite::Result<Vec<QueueRow>> {
    let mut sql = format!("SELECT {ROW_COLUMNS} FROM entry e WHERE 1 = 1");
    if !scope.include_closed {
        sql.push_str(" AND e.voided = 0 AND e.reentry_status IN ('open', 'claimed', 'query')");
    }
    let mut stmt = c.prepare_cached(&sql)?;
    stmt.query_map([], queue_row)?.collect()
}

/// Every item of a run of patients, whole, with those patients' open registrations: what placing
/// the queue a batch at a time reads (a patient's items are placed together, since a registration
/// inherits the urgency of what waits for it). See `queue_batch`.
#[derive(Debug, Default)]
pub struct QueueBatch {
    pub rows: Vec<QueueRow>,
    pub registrations: HashMap<String, OpenRegistration>,
    /// Where the next batch starts: the last patient read; `None` when this was the last batch.
    pub next: Option<String>,
}

/// The batch after patient `after` (`None`: the first batch, the items about no patient): up to
/// `patients` patients' items, closed and voided ones too, in patient order, from the patient index.
fn queue_batch(c: &Connection, after: Option<&str>, patients: usize) -> rusqlite::Result<QueueBatch> {
    let Some(after) = after else {
        // Items about no patient (dispensary stock) depend on nothing: one batch of them all.
        let mut stmt = c.prepare_cached(&format!("SELECT {ROW_COLUMNS} FROM entry e WHERE e.patient_id IS NULL"))?;
        let rows = stmt.query_map([], queue_row)?.collect::<rusqlite::Result<Vec<_>>>()?;
        return Ok(QueueBatch { rows, registrations: HashMap::new(), next: Some(String::new()) });
    };
    let offset = i64::try_from(patients.max(1) - 1).unwrap_or(0);
    let upto: Option<String> = c
        .prepare_cached(
            "SELECT patient_id FROM entry WHERE patient_id > ?1 GROUP BY patient_id ORDER BY patient_id
             LIMIT 1 OFFSET ?2",
        )?
        .query_row(params![after, offset], |r| r.get(0))
        .optional()?;
    let (last, more) = match upto {
        Some(upto) => (Some(upto), true),
        None => (c.query_row("SELECT max(patient_id) FROM entry WHERE patient_id > ?1", [after], |r| r.get(0))?, false),
    };
    let Some(last) = last else { return Ok(QueueBatch::default()) };
    let mut stmt = c.prepare_cached(&format!(
        "SELECT {ROW_COLUMNS} FROM entry e INDEXED BY entry_by_patient WHERE e.patient_id > ?1 AND e.patient_id <= ?2"
    ))?;
    let rows = stmt.query_map([after, last.as_str()], queue_row)?.collect::<rusqlite::Result<Vec<_>>>()?;
    let mut registrations = HashMap::new();
    let mut stmt = c.prepare_cached(
        "SELECT e.patient_id, e.rowid, e.id, e.ref FROM entry e INDEXED BY entry_registration_by_patient
         WHERE e.kind = 'registration' AND e.patient_id > ?1 AND e.patient_id <= ?2 AND e.voided = 0
           AND e.reentry_status IN ('open', 'claimed', 'query')
         ORDER BY e.occurred_at DESC, e.id DESC",
    )?;
    let found = stmt.query_map([after, last.as_str()], |r| {
        Ok((r.get::<_, String>(0)?, OpenRegistration { rowid: r.get(1)?, entry_id: r.get(2)?, reference: r.get(3)? }))
    })?;
    // Newest first, so the earliest is the one left in the map (as `open_registrations`).
    for row in found {
        let (patient, registration) = row?;
        registrations.insert(patient, registration);
    }
    Ok(QueueBatch { rows, registrations, next: more.then_some(last) })
}

/// Each patient's earliest registration still to be keyed (only `patient`'s, if given).
fn open_registrations(c: &Connection, patient: Option<&str>) -> rusqlite::Result<HashMap<String, OpenRegistration>> {
    // For one patient, their registrations alone: not every entry of theirs (`entry_by_patient`).
    let (index, condition) = match patient {
        Some(_) => ("INDEXED BY entry_registration_by_patient", "AND e.patient_id = ?1"),
        None => ("", ""),
    };
    let sql = format!(
        "SELECT e.patient_id, e.rowid, e.id, e.ref FROM entry e {index}
         WHERE e.kind = 'registration' AND e.patient_id IS NOT NULL AND e.voided = 0
           AND e.reentry_status IN ('open', 'claimed', 'query') {condition}
         ORDER BY e.occurred_at DESC, e.id DESC"
    );
    let mut stmt = c.prepare_cached(&sql)?;
    let mut map = HashMap::new();
    let params: Vec<&str> = patient.into_iter().collect();
    let rows = stmt.query_map(rusqlite::params_from_iter(params), |r| {
        Ok((r.get::<_, String>(0)?, OpenRegistration { rowid: r.get(1)?, entry_id: r.get(2)?, reference: r.get(3)? }))
    })?;
    // Newest first, so the earliest is the one left in the map.
    for row in rows {
        let (patient, registration) = row?;
        map.insert(patient, registration);
    }
    Ok(map)
}

/// An item's re-entry events in the order the schema keeps them: by time, then id.
fn history(c: &Connection, entry_id: &str) -> rusqlite::Result<Vec<ReentryEvent>> {
    let mut stmt = c.prepare_cached(
        "SELECT id, at, staff_id, workstation_id, action, note, new_system_ref, nhs_number, claimed_until, taken_from,
                for_staff
         FROM reentry_event WHERE entry_id = ?1 ORDER BY at, id",
    )?;
    let rows = stmt.query_map([entry_id], |r| reentry_event(r, 0))?;
    rows.collect()
}

/// One event from the eleven columns of `reentry_event` starting at `at`, in the table's order.
fn reentry_event(r: &Row, at: usize) -> rusqlite::Result<ReentryEvent> {
    let action: String = r.get(at + 4)?;
    Ok(ReentryEvent {
        id: r.get(at)?,
        at: when(r.get(at + 1)?).unwrap_or_default(),
        staff_id: r.get(at + 2)?,
        workstation_id: r.get(at + 3)?,
        action: ReentryAction::parse(&action),
        note: r.get(at + 5)?,
        new_system_ref: r.get(at + 6)?,
        nhs_number: r.get(at + 7)?,
        claimed_until: when(r.get(at + 8)?),
        taken_from: r.get(at + 9)?,
        for_staff: r.get(at + 10)?,
    })
}

/// Each time a live item left the open queue (-1: done or not required) or came back to it (+1:
/// reopened, or changed elsewhere after it was finished), in time order: every item's events
/// replayed through `CurrentState::after`, so the counts agree with where items stand.
pub(crate) fn open_count_changes(c: &Connection) -> rusqlite::Result<Vec<(DateTime<Utc>, i64)>> {
    let mut stmt = c.prepare(
        "SELECT v.entry_id, v.at, v.staff_id, v.action, v.new_system_ref, v.nhs_number, v.claimed_until
         FROM reentry_event v JOIN entry e ON e.id = v.entry_id WHERE e.voided = 0 ORDER BY v.entry_id, v.at, v.id",
    )?;
    let mut rows = stmt.query([])?;
    let mut changes = Vec::new();
    let mut item: Option<String> = None;
    let mut state = CurrentState::initial();
    while let Some(r) = rows.next()? {
        let entry_id: String = r.get(0)?;
        if item.as_deref() != Some(entry_id.as_str()) {
            item = Some(entry_id);
            state = CurrentState::initial();
        }
        let action: String = r.get(3)?;
        let (Some(at), Some(action)) = (when(r.get(1)?), ReentryAction::parse(&action)) else { continue };
        let change = NewReentryEvent {
            action,
            note: None,
            new_system_ref: r.get(4)?,
            nhs_number: r.get(5)?,
            claimed_until: when(r.get(6)?),
            taken_from: None,
            for_staff: None,
        };
        let staff: String = r.get(2)?;
        let next = state.after(&change, &staff);
        match (state.status.is_open(), next.status.is_open()) {
            (true, false) => changes.push((at, -1)),
            (false, true) => changes.push((at, 1)),
            _ => {}
        }
        state = next;
    }
    changes.sort();
    Ok(changes)
}

/// Patients whose registration was keyed with the NHS number the new system traced: patient id → number.
fn traced_patients(c: &Connection) -> rusqlite::Result<HashMap<String, String>> {
    let mut stmt = c.prepare_cached(
        "SELECT e.patient_id, e.reentry_nhs_number FROM entry e
         WHERE e.kind = 'registration' AND e.patient_id IS NOT NULL AND e.voided = 0 AND e.reentry_status = 'done'
           AND e.reentry_nhs_number IS NOT NULL
         ORDER BY e.reentry_changed_at DESC, e.id DESC",
    )?;
    let mut map = HashMap::new();
    for row in stmt.query_map([], |r| Ok((r.get::<_, String>(0)?, r.get::<_, String>(1)?)))? {
        let (patient, nhs) = row?;
        map.entry(patient).or_insert(nhs);
    }
    Ok(map)
}

/// Patients with no NHS number, on their record or traced at registration: few, so one set.
fn patients_without_nhs_number(c: &Connection) -> rusqlite::Result<std::collections::HashSet<String>> {
    let traced = traced_patients(c)?;
    let mut stmt = c.prepare_cached("SELECT id FROM patient WHERE nhs_number IS NULL")?;
    let ids = stmt.query_map([], |r| r.get::<_, String>(0))?;
    let mut set = std::collections::HashSet::new();
    for id in ids {
        let id = id?;
        if !traced.contains_key(&id) {
            set.insert(id);
        }
    }
    Ok(set)
}

/// For entries whose patient has no NHS number on record but was traced at registration: entry row → number.
fn traced_patients_by_entry(c: &Connection, rowids: &[i64]) -> rusqlite::Result<Vec<(i64, String)>> {
    let traced = traced_patients(c)?;
    if traced.is_empty() {
        return Ok(Vec::new());
    }
    let mut stmt = c.prepare_cached(
        "SELECT p.id FROM entry e JOIN patient p ON p.id = e.patient_id WHERE e.rowid = ?1 AND p.nhs_number IS NULL",
    )?;
    let mut out = Vec::new();
    for rowid in rowids {
        if let Some(patient) = stmt.query_row([rowid], |r| r.get::<_, String>(0)).optional()?
            && let Some(nhs) = traced.get(&patient)
        {
            out.push((*rowid, nhs.clone()));
        }
    }
    Ok(out)
}

/// One recorded change to an item.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ReentryEvent {
    pub id: String,
    pub at: DateTime<Utc>,
    pub staff_id: String,
    pub workstation_id: String,
    /// `None` for an action this version does not know (written by a newer one).
    pub action: Option<ReentryAction>,
    pub note: Option<String>,
    pub new_system_ref: Option<String>,
    pub nhs_number: Option<String>,
    pub claimed_until: Option<DateTime<Utc>>,
    pub taken_from: Option<String>,
    /// A query: the clinician it is for; `None`: any clinician.
    pub for_staff: Option<String>,
}

/// Where an item stands, read inside the write transaction that will change it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ReentryState {
    pub entry_id: String,
    pub reference: String,
    pub kind: Kind,
    pub voided: bool,
    pub current: CurrentState,
    pub changed_at: Option<DateTime<Utc>>,
    pub has_patient: bool,
    /// On the patient's record, or traced when their registration was keyed.
    pub nhs_known: bool,
    /// The patient's earliest other registration still to be keyed.
    pub open_registration: Option<OpenRegistration>,
}

/// The copy of an item's state that the entry row carries.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct CurrentState {
    pub status: ReentryStatus,
    pub assignee: Option<String>,
    pub claimed_until: Option<DateTime<Utc>>,
    pub new_system_ref: Option<String>,
    pub nhs_number: Option<String>,
    pub nhs_waived: bool,
}

impl CurrentState {
    /// Where an item stands before anything has been done to it: the schema's defaults.
    pub fn initial() -> CurrentState {
        CurrentState {
            status: ReentryStatus::Open,
            assignee: None,
            claimed_until: None,
            new_system_ref: None,
            nhs_number: None,
            nhs_waived: false,
        }
    }

    /// Where an item stands after `event`, made by `staff`: the one rule both for recording a change
    /// (`queue::workflow::decide`) and for rebuilding the copy from an item's history (`replay`).
    pub fn after(&self, event: &NewReentryEvent, staff: &str) -> CurrentState {
        let staff = Some(staff.to_string());
        match event.action {
            ReentryAction::Claim => CurrentState {
                status: ReentryStatus::Claimed,
                assignee: staff,
                claimed_until: event.claimed_until,
                ..self.clone()
            },
            ReentryAction::Release => {
                CurrentState { status: ReentryStatus::Open, assignee: None, claimed_until: None, ..self.clone() }
            }
            ReentryAction::Done => CurrentState {
                status: ReentryStatus::Done,
                assignee: staff,
                claimed_until: None,
                new_system_ref: event.new_system_ref.clone(),
                nhs_number: event.nhs_number.clone(),
                nhs_waived: self.nhs_waived,
            },
            ReentryAction::Query => {
                CurrentState { status: ReentryStatus::Query, assignee: None, claimed_until: None, ..self.clone() }
            }
            ReentryAction::NotRequired => CurrentState {
                status: ReentryStatus::NotRequired,
                assignee: staff,
                claimed_until: None,
                ..self.clone()
            },
            ReentryAction::Reopen => CurrentState {
                status: ReentryStatus::Open,
                assignee: None,
                claimed_until: None,
                new_system_ref: None,
                nhs_number: None,
                nhs_waived: self.nhs_waived,
            },
            ReentryAction::WaiveNhs => CurrentState { nhs_waived: true, ..self.clone() },
            // Back to the open queue, for whoever works it next.
            ReentryAction::Answer => {
                CurrentState { status: ReentryStatus::Open, assignee: None, claimed_until: None, ..self.clone() }
            }
        }
    }
}

/// A change to record: the event's own details beyond who, when and where.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct NewReentryEvent {
    pub action: ReentryAction,
    pub note: Option<String>,
    pub new_system_ref: Option<String>,
    pub nhs_number: Option<String>,
    pub claimed_until: Option<DateTime<Utc>>,
    pub taken_from: Option<String>,
    /// A query: the clinician it is for; `None`: any clinician.
    pub for_staff: Option<String>,
}

/// Keeping each item's placement (schema 5): the queue's policy reads and writes through these.
impl Tx<'_> {
    /// The go-live time and the policy version the placements were worked out against.
    pub fn queue_basis(&self) -> Result<Option<(DateTime<Utc>, String)>> {
        Ok(queue_basis(self.conn())?)
    }

    /// Clears every placement, to be worked out again against a new basis (`None`: go-live not set,
    /// nothing is placed).
    pub fn rebase_queue(&self, basis: Option<(DateTime<Utc>, &str)>) -> Result<()> {
        self.exec("UPDATE entry SET queue_tier = NULL WHERE queue_tier IS NOT NULL", [])?;
        match basis {
            Some((go_live, policy)) => self.exec(
                "INSERT INTO queue_basis (id, reference, policy) VALUES (1, ?1, ?2)
                 ON CONFLICT (id) DO UPDATE SET reference = excluded.reference, policy = excluded.policy",
                params![time::to_storage(go_live), policy],
            )?,
            None => self.exec("DELETE FROM queue_basis", [])?,
        };
        Ok(())
    }

    /// Items waiting to be placed, with their patient.
    pub fn unplaced_items(&self) -> Result<Vec<(i64, Option<String>)>> {
        let mut stmt = self.conn().prepare_cached(
            "SELECT rowid, patient_id FROM entry INDEXED BY entry_by_queue_tier WHERE voided = 0 AND queue_tier IS NULL",
        )?;
        let rows = stmt.query_map([], |r| Ok((r.get(0)?, r.get(1)?)))?;
        Ok(rows.collect::<rusqlite::Result<Vec<_>>>()?)
    }

    /// The items of the next batch of patients (see `QueueBatch`), read inside the transaction.
    pub fn queue_batch(&self, after: Option<&str>, patients: usize) -> Result<QueueBatch> {
        Ok(queue_batch(self.conn(), after, patients)?)
    }

    /// One item as a compact row (none if there is no such row).
    pub fn queue_row(&self, rowid: i64) -> Result<Vec<QueueRow>> {
        let mut stmt = self.conn().prepare_cached(&format!("SELECT {ROW_COLUMNS} FROM entry e WHERE e.rowid = ?1"))?;
        Ok(stmt.query_map([rowid], queue_row)?.collect::<rusqlite::Result<Vec<_>>>()?)
    }

    /// Every item of one patient as compact rows.
    pub fn queue_rows_of_patient(&self, patient: &str) -> Result<Vec<QueueRow>> {
        let mut stmt =
            self.conn().prepare_cached(&format!("SELECT {ROW_COLUMNS} FROM entry e WHERE e.patient_id = ?1"))?;
        Ok(stmt.query_map([patient], queue_row)?.collect::<rusqlite::Result<Vec<_>>>()?)
    }

    /// Each patient's earliest registration still to be keyed (only `patient`'s, if given).
    pub fn open_registrations(&self, patient: Option<&str>) -> Result<HashMap<String, OpenRegistration>> {
        Ok(open_registrations(self.conn(), patient)?)
    }

    /// Keeps where the policy placed an item.
    pub fn set_placement(&self, rowid: i64, placement: &Placement) -> Result<()> {
        self.exec(
            "UPDATE entry SET queue_tier = ?2, queue_score = ?3, queue_due = ?4, queue_booked = ?5 WHERE rowid = ?1",
            params![
                rowid,
                placement.tier,
                placement.score,
                time::to_storage(placement.due),
                placement.booked_for.map(time::to_storage)
            ],
        )?;
        Ok(())
    }
}

impl ReentryEvent {
    /// The change this event recorded; `None` for an action this version does not know.
    fn change(&self) -> Option<NewReentryEvent> {
        Some(NewReentryEvent {
            action: self.action?,
            note: self.note.clone(),
            new_system_ref: self.new_system_ref.clone(),
            nhs_number: self.nhs_number.clone(),
            claimed_until: self.claimed_until,
            taken_from: self.taken_from.clone(),
            for_staff: self.for_staff.clone(),
        })
    }
}

/// An item's whole history replayed: where it stands, since when, and where two workstations
/// changed it without knowing of each other.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Replayed {
    pub state: CurrentState,
    /// When the last event that counted was recorded; `None` for an item never changed.
    pub changed_at: Option<DateTime<Utc>>,
    /// Pairs of event ids: an item finished (done or not required) on one workstation, then changed
    /// on another without being reopened first, which the queue never allows on one database.
    pub clashes: Vec<(String, String)>,
    /// Pairs of event ids: marked done on one workstation and done again on another with no reopening
    /// between: possibly keyed into the new system twice.
    pub done_twice: Vec<(String, String)>,
    /// Pairs of event ids (the claim that stands, the claim that lost): two claims made while neither
    /// knew of the other, on different PCs. One rule decides, the same on every PC and whatever
    /// their clocks say: the claim by the staff id first in the alphabet (then the workstation's id,
    /// then the event's) stands.
    pub lost_claims: Vec<(String, String)>,
}

/// Replays an item's events in the order the schema keeps them (`at`, then `id`), each through
/// `CurrentState::after`. Every event counts, so when two workstations disagree the later one wins.
pub fn replay(events: &[ReentryEvent]) -> Replayed {
    let mut ordered: Vec<&ReentryEvent> = events.iter().collect();
    ordered.sort_by(|a, b| (a.at, &a.id).cmp(&(b.at, &b.id)));
    let mut out = Replayed {
        state: CurrentState::initial(),
        changed_at: None,
        clashes: Vec::new(),
        done_twice: Vec::new(),
        lost_claims: Vec::new(),
    };
    // The event that finished the item, while it stays finished.
    let mut finished_by: Option<&ReentryEvent> = None;
    // The last "done", until the item is reopened.
    let mut done_by: Option<&ReentryEvent> = None;
    // The claim the item stands claimed by, while it does.
    let mut claimed_by: Option<&ReentryEvent> = None;
    for event in ordered {
        let Some(change) = event.change() else { continue };
        // A claim on an item someone else holds is refused on any one PC unless taken over (which
        // records whose claim it took): one without is a claim made elsewhere by someone who did not
        // know of the other. Not the time (PC clocks differ) but a fixed rule decides which stands.
        if change.action == ReentryAction::Claim
            && change.taken_from.is_none()
            && let Some(holder) = claimed_by
            && !holder.staff_id.eq_ignore_ascii_case(&event.staff_id)
            && out.state.claimed_until.is_some_and(|until| until > event.at)
        {
            let key = |e: &ReentryEvent| (e.staff_id.to_ascii_uppercase(), e.workstation_id.clone(), e.id.clone());
            if key(holder) < key(event) {
                out.lost_claims.push((holder.id.clone(), event.id.clone()));
                continue;
            }
            out.lost_claims.push((event.id.clone(), holder.id.clone()));
        }
        if change.action == ReentryAction::Done
            && let Some(earlier) = done_by
            && earlier.workstation_id != event.workstation_id
        {
            out.done_twice.push((earlier.id.clone(), event.id.clone()));
        }
        if let Some(finisher) = finished_by
            && change.action != ReentryAction::Reopen
            && finisher.workstation_id != event.workstation_id
        {
            out.clashes.push((finisher.id.clone(), event.id.clone()));
        }
        out.state = out.state.after(&change, &event.staff_id);
        out.changed_at = Some(event.at);
        claimed_by = match (out.state.status, change.action) {
            (ReentryStatus::Claimed, ReentryAction::Claim) => Some(event),
            (ReentryStatus::Claimed, _) => claimed_by,
            _ => None,
        };
        match change.action {
            ReentryAction::Done => done_by = Some(event),
            ReentryAction::Reopen => done_by = None,
            _ => {}
        }
        if out.state.status.is_open() {
            finished_by = None;
        } else if matches!(change.action, ReentryAction::Done | ReentryAction::NotRequired) {
            finished_by = Some(event);
        }
    }
    out
}

impl Tx<'_> {
    /// Where the item stands now, with what decides whether it is blocked.
    pub fn reentry_state(&self, entry: &EntryHeader) -> Result<ReentryState> {
        let c = self.conn();
        let (current, changed_at, patient_id): (CurrentState, Option<String>, Option<String>) = c.query_row(
            "SELECT e.reentry_status, e.reentry_assignee, e.reentry_claimed_until, e.reentry_ref,
                        e.reentry_nhs_number, e.nhs_waived, e.reentry_changed_at, e.patient_id
                 FROM entry e WHERE e.id = ?1",
            [&entry.id],
            |r| {
                let status: String = r.get(0)?;
                Ok((
                    CurrentState {
                        status: ReentryStatus::parse(&status).unwrap_or(ReentryStatus::Open),
                        assignee: r.get(1)?,
                        claimed_until: when(r.get(2)?),
                        new_system_ref: r.get(3)?,
                        nhs_number: r.get(4)?,
                        nhs_waived: r.get(5)?,
                    },
                    r.get(6)?,
                    r.get(7)?,
                ))
            },
        )?;
        let (nhs_known, open_registration) = match &patient_id {
            None => (false, None),
            Some(patient) => {
                let known: bool = c.query_row(NHS_NUMBER_KNOWN, [patient], |r| r.get(0)).optional()?.unwrap_or(false);
                let open = c
                    .query_row(
                        "SELECT rowid, id, ref FROM entry
                         WHERE patient_id = ?1 AND kind = 'registration' AND voided = 0 AND id <> ?2
                           AND reentry_status IN ('open', 'claimed', 'query')
                         ORDER BY occurred_at, id LIMIT 1",
                        [patient, &entry.id],
                        |r| Ok(OpenRegistration { rowid: r.get(0)?, entry_id: r.get(1)?, reference: r.get(2)? }),
                    )
                    .optional()?;
                (known, open)
            }
        };
        // A later registration of the same patient is blocked by an earlier one, not the other way round.
        let open_registration = match open_registration {
            Some(other) if entry.kind == Kind::Registration && !self.registered_before(&other, entry)? => None,
            other => other,
        };
        Ok(ReentryState {
            entry_id: entry.id.clone(),
            reference: entry.reference.clone(),
            kind: entry.kind,
            voided: entry.voided,
            current,
            changed_at: when(changed_at),
            has_patient: patient_id.is_some(),
            nhs_known,
            open_registration,
        })
    }

    /// Whether `other` comes before `entry` in the order the queue keeps registrations (time, then id).
    fn registered_before(&self, other: &OpenRegistration, entry: &EntryHeader) -> Result<bool> {
        Ok(self.conn().query_row(
            "SELECT (o.occurred_at, o.id) < (e.occurred_at, e.id) FROM entry o, entry e WHERE o.id = ?1 AND e.id = ?2",
            [&other.entry_id, &entry.id],
            |r| r.get(0),
        )?)
    }

    /// Rebuilds each entry's current-state copy from all of its events, as `replay` reads them: for
    /// an entry that gained events from elsewhere (a merge). Returns each entry's history and replay.
    pub fn rebuild_reentry_copies(&self, entry_ids: &[String]) -> Result<Vec<(Vec<ReentryEvent>, Replayed)>> {
        let mut out = Vec::with_capacity(entry_ids.len());
        for entry_id in entry_ids {
            let events = history(self.conn(), entry_id)?;
            let replayed = replay(&events);
            let s = &replayed.state;
            self.exec(
                "UPDATE entry SET reentry_status = ?2, reentry_assignee = ?3, reentry_claimed_until = ?4,
                                  reentry_ref = ?5, reentry_nhs_number = ?6, nhs_waived = ?7, reentry_changed_at = ?8
                 WHERE id = ?1",
                params![
                    entry_id,
                    s.status.name(),
                    s.assignee,
                    s.claimed_until.map(time::to_storage),
                    s.new_system_ref,
                    s.nhs_number,
                    s.nhs_waived,
                    replayed.changed_at.map(time::to_storage),
                ],
            )?;
            out.push((events, replayed));
        }
        Ok(out)
    }

    /// Records one change: the event, the entry's current-state copy and the audit row, together.
    pub fn record_reentry(
        &self,
        actor: &Actor,
        before: &ReentryState,
        event: &NewReentryEvent,
        next: &CurrentState,
    ) -> Result<String> {
        let id = self.new_id();
        // An item's history reads in the order it was recorded here (replay orders by time), even
        // when this computer's clock has stepped back, or stood still, since its last change.
        let last: Option<String> = self.conn().query_row(
            "SELECT max(at) FROM reentry_event WHERE entry_id = ?1",
            [&before.entry_id],
            |r| r.get(0),
        )?;
        // Compared as stored, to the millisecond.
        let stored_now = time::to_storage(self.now());
        let now = match last.as_deref().and_then(time::from_storage) {
            Some(last) if time::to_storage(last) >= stored_now => {
                time::to_storage(last + chrono::Duration::milliseconds(1))
            }
            _ => stored_now,
        };
        let staff = actor.staff_id.as_deref().unwrap_or_default();
        self.exec(
            "INSERT INTO reentry_event (id, entry_id, at, staff_id, workstation_id, action, note, new_system_ref,
                                        nhs_number, claimed_until, taken_from, for_staff)
             VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11, ?12)",
            params![
                id,
                before.entry_id,
                now,
                staff,
                actor.workstation_id,
                event.action.name(),
                event.note,
                event.new_system_ref,
                event.nhs_number,
                event.claimed_until.map(time::to_storage),
                event.taken_from,
                event.for_staff,
            ],
        )?;
        self.exec(
            "UPDATE entry SET reentry_status = ?2, reentry_assignee = ?3, reentry_claimed_until = ?4,
                              reentry_ref = ?5, reentry_nhs_number = ?6, nhs_waived = ?7, reentry_changed_at = ?8
             WHERE id = ?1",
            params![
                before.entry_id,
                next.status.name(),
                next.assignee,
                next.claimed_until.map(time::to_storage),
                next.new_system_ref,
                next.nhs_number,
                next.nhs_waived,
                now,
            ],
        )?;
        self.audit(
            actor,
            &format!("reentry_{}", event.action.name()),
            Some(&before.entry_id),
            json!({
                "event": id,
                "from": before.current.status.name(),
                "to": next.status.name(),
                "assignee": next.assignee,
                "taken_from": event.taken_from,
            }),
        )?;
        Ok(id)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn plan(c: &Connection, sql: &str) -> String {
        let mut stmt = c.prepare(&format!("EXPLAIN QUERY PLAN {sql}")).unwrap();
        let unbound = vec![rusqlite::types::Null; stmt.parameter_count()];
        let details = stmt.query_map(rusqlite::params_from_iter(unbound), |r| r.get::<_, String>(3)).unwrap();
        details.map(|d| d.unwrap()).collect::<Vec<_>>().join("\n")
    }

    #[test]
    fn placements_made_by_another_version_of_the_policy_are_not_trusted_and_are_made_again() {
        use crate::queue::policy::POLICY_VERSION;
        let store = Store::open_in_memory().unwrap();
        crate::demo::generate(&store, 300, 2).unwrap();
        let go_live = store.settings().unwrap().go_live().unwrap();
        assert!(store.queue_placed_for(go_live, POLICY_VERSION).unwrap());
        // As a database placed by an older program would be.
        store.read(|c| Ok(c.execute("UPDATE queue_basis SET policy = 'an older policy'", [])?)).unwrap();
        assert!(!store.queue_placed_for(go_live, POLICY_VERSION).unwrap());
        store.write(|_| Ok(())).unwrap();
        assert!(store.queue_placed_for(go_live, POLICY_VERSION).unwrap());
    }

    #[test]
    fn the_queue_is_read_in_order_from_its_index_without_sorting() {
        let store = Store::open_in_memory().unwrap();
        store
            .read(|c| {
                let open = [ReentryStatus::Open, ReentryStatus::Claimed, ReentryStatus::Query];
                let page = PlacedSelect { statuses: &open, ..Default::default() };
                let wanted = page.condition(&mut Vec::new());
                let ordered = plan(c, &format!("{PLACED_ROWS} WHERE {wanted} {PLACED_ORDER} LIMIT 50 OFFSET 100"));
                assert!(
                    ordered.contains("COVERING INDEX entry_in_queue_order"),
                    "read from the index alone: {ordered}"
                );
                assert!(!ordered.contains("TEMP B-TREE"), "the order must come from the index: {ordered}");
                let unplaced = plan(c, UNPLACED_EXISTS);
                assert!(unplaced.contains("COVERING INDEX entry_by_queue_tier (queue_tier=?)"), "{unplaced}");
                let waiting = plan(c, QUERIES_WAITING);
                assert!(waiting.contains("USING INDEX entry_waiting_for_clinician"), "{waiting}");
                assert!(!waiting.contains("SCAN e\n") && !waiting.ends_with("SCAN e"), "{waiting}");
                let counted = plan(c, COUNTS_BY_TIER);
                assert!(counted.contains("COVERING INDEX") && !counted.contains("TEMP B-TREE"), "{counted}");
                Ok(())
            })
            .unwrap();
    }

    /// Issue 12, item 4: a search reads the summaries and references from their narrow index and
    /// the patients from theirs, never the entry or patient table whole (a name of three letters
    /// or more; the NHS numbers, digits alone, are read for a word with a digit).
    #[test]
    fn a_search_reads_indexes_not_the_tables() {
        let store = Store::open_in_memory().unwrap();
        store
            .read(|c| {
                let mut args = Vec::new();
                let found = super::super::entries::words_found("Siân chest-pain jo", &mut args).unwrap();
                let plan = plan(c, &found);
                assert!(plan.contains("SCAN entry USING COVERING INDEX entry_words"), "{plan}");
                assert!(plan.contains("patient_name_search VIRTUAL TABLE"), "{plan}");
                // The renumberings (entries logged on a copied PC before it took its own identity)
                // are few, and read whole: a paper form may carry a reference an entry had before.
                assert!(plan.contains("SCAN entry_renumbered"), "{plan}");
                for line in plan.lines().filter(|l| *l != "SCAN entry_renumbered") {
                    let scan = line.starts_with("SCAN entry")
                        || line.starts_with("SCAN patient")
                        || line.starts_with("SCAN p");
                    let narrow = line.contains("COVERING INDEX") || line.contains("VIRTUAL TABLE");
                    // "jo", two letters, is looked for in the folded names (no trigram has it).
                    assert!(!scan || narrow || line == "SCAN patient", "{line}\n{plan}");
                }
                assert_eq!(plan.lines().filter(|l| *l == "SCAN patient").count(), 1, "{plan}");
                Ok(())
            })
            .unwrap();
    }

    fn at(minute: u32) -> DateTime<Utc> {
        time::from_storage(&format!("2026-11-23T10:{minute:02}:00.000Z")).unwrap()
    }

    fn ev(id: &str, minute: u32, workstation: &str, staff: &str, action: ReentryAction) -> ReentryEvent {
        ReentryEvent {
            id: id.into(),
            at: at(minute),
            staff_id: staff.into(),
            workstation_id: workstation.into(),
            action: Some(action),
            note: None,
            new_system_ref: (action == ReentryAction::Done).then(|| format!("S1-{id}")),
            nhs_number: None,
            claimed_until: (action == ReentryAction::Claim).then(|| at(minute + 30)),
            taken_from: None,
            for_staff: None,
        }
    }

    #[test]
    fn replay_follows_time_then_id_whatever_order_the_events_arrive_in() {
        use ReentryAction::*;
        let events = [ev("b", 5, "R1", "KL", Done), ev("a", 1, "R1", "KL", Claim), ev("c", 5, "R1", "JS", WaiveNhs)];
        let r = replay(&events);
        assert_eq!(r.state.status, ReentryStatus::Done);
        assert_eq!(r.state.assignee.as_deref(), Some("KL"));
        assert_eq!(r.state.new_system_ref.as_deref(), Some("S1-b"));
        assert!(r.state.nhs_waived);
        assert_eq!(r.state.claimed_until, None);
        assert_eq!(r.changed_at, Some(at(5)));
        assert!(r.clashes.is_empty());
        assert_eq!(replay(&[]).state, CurrentState::initial());
    }

    #[test]
    fn a_change_on_another_workstation_to_a_finished_item_is_a_clash_unless_reopened_first() {
        use ReentryAction::*;
        let clash = replay(&[ev("a", 1, "R1", "KL", Done), ev("b", 2, "C1", "JS", NotRequired)]);
        assert_eq!(clash.clashes, [("a".to_string(), "b".to_string())]);
        assert_eq!(clash.state.status, ReentryStatus::NotRequired, "the later counts");
        let reopened =
            replay(&[ev("a", 1, "R1", "KL", Done), ev("b", 2, "C1", "JS", Reopen), ev("c", 3, "C1", "KL", Done)]);
        assert!(reopened.clashes.is_empty());
        assert_eq!(reopened.state.new_system_ref.as_deref(), Some("S1-c"));
        // Claimed on the other workstation after it was done there, then done again: one clash, at the
        // first change that the queue would have refused.
        let twice =
            replay(&[ev("a", 1, "R1", "KL", Done), ev("b", 2, "C1", "KL", Claim), ev("c", 3, "C1", "KL", Done)]);
        assert_eq!(twice.clashes, [("a".to_string(), "b".to_string())]);
        assert_eq!(twice.state.new_system_ref.as_deref(), Some("S1-c"));
        let same_pc = replay(&[ev("a", 1, "R1", "KL", Done), ev("b", 2, "R1", "JS", NotRequired)]);
        assert!(same_pc.clashes.is_empty(), "one database's own history is never a clash");
    }

    #[test]
    fn two_claims_made_apart_leave_one_holder_by_a_fixed_rule_whatever_the_clocks_say() {
        use ReentryAction::*;
        // KL claims on R1 and JS on C1, neither knowing: JS's stands (J before K), in either time order.
        for (kl_at, js_at) in [(1, 2), (2, 1)] {
            let r = replay(&[ev("k", kl_at, "R1", "KL", Claim), ev("j", js_at, "C1", "JS", Claim)]);
            assert_eq!(r.state.assignee.as_deref(), Some("JS"), "KL at {kl_at}, JS at {js_at}");
            assert_eq!(r.state.status, ReentryStatus::Claimed);
            assert_eq!(r.lost_claims, [("j".to_string(), "k".to_string())]);
        }
        // A claim taken over knowingly is no clash, and it stands.
        let mut taken = ev("k", 2, "R1", "KL", Claim);
        taken.taken_from = Some("JS".into());
        let r = replay(&[ev("j", 1, "C1", "JS", Claim), taken]);
        assert_eq!((r.state.assignee.as_deref(), r.lost_claims.len()), (Some("KL"), 0));
        // Nor is a claim made after the other had lapsed.
        let mut short = ev("j", 1, "C1", "JS", Claim);
        short.claimed_until = Some(at(5));
        let r = replay(&[short, ev("k", 10, "R1", "KL", Claim)]);
        assert_eq!((r.state.assignee.as_deref(), r.lost_claims.len()), (Some("KL"), 0));
    }

    #[test]
    fn done_on_two_workstations_with_no_reopening_between_is_possibly_keyed_twice() {
        use ReentryAction::*;
        let r = replay(&[ev("a", 1, "R1", "KL", Done), ev("b", 2, "C1", "KL", Claim), ev("c", 3, "C1", "KL", Done)]);
        assert_eq!(r.done_twice, [("a".to_string(), "c".to_string())]);
        let reopened =
            replay(&[ev("a", 1, "R1", "KL", Done), ev("b", 2, "C1", "JS", Reopen), ev("c", 3, "C1", "KL", Done)]);
        assert!(reopened.done_twice.is_empty());
    }
}
