//! Entries and their revisions. An entry is never changed in place: each amendment or void is a new
//! revision, and the entry row's headline columns follow the newest one.

use chrono::{DateTime, Utc};
use rusqlite::{Connection, OptionalExtension, Row, params};
use serde_json::json;

use super::patients::{self, Patient};
use super::{Actor, Store, Tx, flags_from_column, flags_to_column};
use crate::domain::fields::{EntryContent, Kind};
use crate::domain::text::fold;
use crate::domain::time;
use crate::error::{Error, Result};

/// What the person logging needs back: the id for scripts, the reference for paper.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SavedEntry {
    pub id: String,
    pub reference: String,
    pub revision_id: String,
}

/// An entry's identity and where its history stands.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct EntryHeader {
    pub id: String,
    pub reference: String,
    pub kind: Kind,
    pub recorded_at: DateTime<Utc>,
    pub recorded_by: String,
    pub workstation_id: String,
    pub current_revision_id: String,
    pub voided: bool,
}

/// One version of an entry.
#[derive(Debug, Clone, PartialEq)]
pub struct Revision {
    pub id: String,
    pub parent_id: Option<String>,
    pub recorded_at: DateTime<Utc>,
    pub recorded_by: String,
    pub workstation_prefix: String,
    pub reason: Option<String>,
    pub patient_id: Option<String>,
    pub voided: bool,
    pub content: EntryContent,
}

/// An entry as lists show it: its current revision and its patient.
#[derive(Debug, Clone, PartialEq)]
pub struct EntryRow {
    pub header: EntryHeader,
    pub workstation_prefix: String,
    pub content: EntryContent,
    pub patient: Option<Patient>,
    pub revisions: i64,
}

#[derive(Debug, Clone, Default)]
pub struct ListFilter {
    pub kind: Option<Kind>,
    pub patient_id: Option<String>,
    pub since: Option<DateTime<Utc>>,
    pub recorded_by: Option<String>,
    /// Words that must appear in the summary, the reference or the patient's names.
    pub text: Option<String>,
    pub newest_first: bool,
    pub offset: u64,
    pub limit: Option<u64>,
}

fn parse_time(s: String) -> DateTime<Utc> {
    time::from_storage(&s).unwrap_or_default()
}

fn kind_of(s: &str) -> Kind {
    // Stored kinds were checked when written; an unknown one (from a newer workstation) shows as a note.
    Kind::parse(s).unwrap_or(Kind::Note)
}

const HEADER_COLUMNS: &str =
    "e.id, e.ref, e.kind, e.recorded_at, e.recorded_by, e.workstation_id, e.current_revision_id, e.voided";

fn header(r: &Row, at: usize) -> rusqlite::Result<EntryHeader> {
    Ok(EntryHeader {
        id: r.get(at)?,
        reference: r.get(at + 1)?,
        kind: kind_of(&r.get::<_, String>(at + 2)?),
        recorded_at: parse_time(r.get(at + 3)?),
        recorded_by: r.get(at + 4)?,
        workstation_id: r.get(at + 5)?,
        current_revision_id: r.get(at + 6)?,
        voided: r.get(at + 7)?,
    })
}

const CONTENT_COLUMNS: &str =
    "r.occurred_at, r.summary, r.author, r.notes, r.codes, r.flags, r.also_in_old_system, r.fields";

fn content(kind: Kind, r: &Row, at: usize) -> rusqlite::Result<EntryContent> {
    let codes: String = r.get(at + 4)?;
    let flags: String = r.get(at + 5)?;
    let fields: String = r.get(at + 7)?;
    Ok(EntryContent {
        kind,
        occurred_at: parse_time(r.get(at)?),
        summary: r.get(at + 1)?,
        author: r.get(at + 2)?,
        notes: r.get(at + 3)?,
        codes: serde_json::from_str(&codes).unwrap_or_default(),
        flags: flags_from_column(&flags),
        also_in_old_system: r.get(at + 6)?,
        fields: serde_json::from_str(&fields).unwrap_or_default(),
    })
}

/// An entry by its id, its reference (any case) or, if unambiguous, the first 8 or more characters of
/// its id (ids begin with the time they were made, so entries saved close together need more of it).
fn find(c: &Connection, given: &str) -> Result<EntryHeader> {
    let given = given.trim();
    let sql = format!("SELECT {HEADER_COLUMNS} FROM entry e WHERE e.id = ?1");
    if let Some(h) = c.query_row(&sql, [given.to_ascii_lowercase()], |r| header(r, 0)).optional()? {
        return Ok(h);
    }
    let mut matches: Vec<EntryHeader> = Vec::new();
    let mut by_ref =
        c.prepare(&format!("SELECT {HEADER_COLUMNS} FROM entry e WHERE e.ref = ?1 COLLATE NOCASE LIMIT 5"))?;
    matches.extend(by_ref.query_map([given], |r| header(r, 0))?.collect::<rusqlite::Result<Vec<_>>>()?);
    // A reference an entry had before its PC took its own identity: still on its paper form.
    let mut by_old_ref = c.prepare(&format!(
        "SELECT {HEADER_COLUMNS} FROM entry e WHERE e.id IN
             (SELECT entry_id FROM entry_renumbered WHERE old_ref = ?1 COLLATE NOCASE) LIMIT 5"
    ))?;
    let renumbered: Vec<EntryHeader> = by_old_ref
        .query_map([given], |r| header(r, 0))?
        .collect::<rusqlite::Result<Vec<_>>>()?
        .into_iter()
        .filter(|h| !matches.iter().any(|m| m.id == h.id))
        .collect();
    if !renumbered.is_empty() {
        if matches.is_empty() && renumbered.len() == 1 {
            return Ok(renumbered.into_iter().next().expect("one entry"));
        }
        let was = |h: &EntryHeader| {
            format!("{}, which was {given} until the PC it was logged on took its own identity", h.reference)
        };
        let entries = matches.iter().map(|h| h.reference.clone()).chain(renumbered.iter().map(was)).collect();
        return Err(Error::ReferenceOfSeveral { given: given.to_string(), entries });
    }
    if matches.is_empty() && given.len() >= 8 {
        let mut by_prefix =
            c.prepare(&format!("SELECT {HEADER_COLUMNS} FROM entry e WHERE e.id >= ?1 AND e.id < ?1 || 'g' LIMIT 5"))?;
        let prefix = given.to_ascii_lowercase();
        matches.extend(by_prefix.query_map([prefix], |r| header(r, 0))?.collect::<rusqlite::Result<Vec<_>>>()?);
    }
    match matches.len() {
        0 => Err(Error::EntryNotFound(given.to_string())),
        1 => Ok(matches.remove(0)),
        _ => Err(Error::AmbiguousEntry {
            given: given.to_string(),
            matches: matches.into_iter().map(|h| h.id).collect(),
        }),
    }
}

fn revisions_of(c: &Connection, entry: &EntryHeader) -> rusqlite::Result<Vec<Revision>> {
    let mut stmt = c.prepare(&format!(
        "SELECT r.id, r.parent_id, r.recorded_at, r.recorded_by, w.prefix, r.reason, r.patient_id, r.voided, {CONTENT_COLUMNS}
         FROM revision r JOIN workstation w ON w.id = r.workstation_id
         WHERE r.entry_id = ?1 ORDER BY r.recorded_at, r.id"
    ))?;
    let rows = stmt.query_map([&entry.id], |r| {
        Ok(Revision {
            id: r.get(0)?,
            parent_id: r.get(1)?,
            recorded_at: parse_time(r.get(2)?),
            recorded_by: r.get(3)?,
            workstation_prefix: r.get(4)?,
            reason: r.get(5)?,
            patient_id: r.get(6)?,
            voided: r.get(7)?,
            content: content(entry.kind, r, 8)?,
        })
    })?;
    Ok(in_history_order(rows.collect::<rusqlite::Result<Vec<_>>>()?))
}

/// Oldest first, and never a revision before the one it amends, even when both carry the same time.
fn in_history_order(mut pending: Vec<Revision>) -> Vec<Revision> {
    let mut ordered: Vec<Revision> = Vec::with_capacity(pending.len());
    while !pending.is_empty() {
        let ready = pending
            .iter()
            .position(|r| {
                r.parent_id
                    .as_ref()
                    .is_none_or(|p| ordered.iter().any(|o| &o.id == p) || !pending.iter().any(|x| &x.id == p))
            })
            .unwrap_or(0);
        ordered.push(pending.remove(ready));
    }
    ordered
}

fn current(c: &Connection, entry: &EntryHeader) -> rusqlite::Result<Revision> {
    let all = revisions_of(c, entry)?;
    all.into_iter().find(|r| r.id == entry.current_revision_id).ok_or(rusqlite::Error::QueryReturnedNoRows)
}

impl Store {
    pub fn find_entry(&self, given: &str) -> Result<EntryHeader> {
        self.read(|c| find(c, given))
    }

    /// Every revision of an entry, oldest first.
    pub fn revisions(&self, entry: &EntryHeader) -> Result<Vec<Revision>> {
        self.read(|c| Ok(revisions_of(c, entry)?))
    }

    pub fn current_revision(&self, entry: &EntryHeader) -> Result<Revision> {
        self.read(|c| Ok(current(c, entry)?))
    }

    /// Streams the matching entries, oldest occurrence first, to `each`, one at a time: the list is
    /// never held in memory whole.
    pub fn each_entry(&self, filter: &ListFilter, mut each: impl FnMut(EntryRow) -> Result<()>) -> Result<()> {
        let mut sql = format!(
            "SELECT {HEADER_COLUMNS}, w.prefix,
                    (SELECT count(*) FROM revision x WHERE x.entry_id = e.id),
                    p.id, p.nhs_number, p.family_name, p.given_name, p.date_of_birth, p.sex, p.postcode,
                    {CONTENT_COLUMNS}
             FROM entry e
             JOIN revision r ON r.id = e.current_revision_id
             JOIN workstation w ON w.id = e.workstation_id
             LEFT JOIN patient p ON p.id = e.patient_id
             WHERE 1 = 1"
        );
        let mut args: Vec<Box<dyn rusqlite::ToSql>> = Vec::new();
        if let Some(kind) = filter.kind {
            args.push(Box::new(kind.name()));
            sql.push_str(&format!(" AND e.kind = ?{}", args.len()));
        }
        if let Some(patient) = &filter.patient_id {
            args.push(Box::new(patient.clone()));
            sql.push_str(&format!(" AND e.patient_id = ?{}", args.len()));
        }
        if let Some(since) = filter.since {
            args.push(Box::new(time::to_storage(since)));
            sql.push_str(&format!(" AND e.occurred_at >= ?{}", args.len()));
        }
        if let Some(staff) = &filter.recorded_by {
            args.push(Box::new(staff.clone()));
            sql.push_str(&format!(" AND e.recorded_by = ?{}", args.len()));
        }
        sql.push_str(&words_matched(filter.text.as_deref().unwrap_or_default(), &mut args));
        sql.push_str(if filter.newest_first {
            " ORDER BY e.occurred_at DESC, e.id DESC"
        } else {
            " ORDER BY e.occurred_at, e.id"
        });
        if filter.limit.is_some() || filter.offset > 0 {
            sql.push_str(&format!(" LIMIT {} OFFSET {}", filter.limit.map_or(-1, |l| l as i64), filter.offset));
        }
        self.read(|c| {
            let mut stmt = c.prepare(&sql)?;
            let mut rows = stmt.query(rusqlite::params_from_iter(args.iter()))?;
            while let Some(r) = rows.next()? {
                let header = header(r, 0)?;
                let patient_id: Option<String> = r.get(10)?;
                let patient = match patient_id {
                    Some(id) => Some(Patient {
                        id,
                        nhs_number: r.get(11)?,
                        family_name: r.get(12)?,
                        given_name: r.get(13)?,
                        date_of_birth: r.get(14)?,
                        sex: r.get(15)?,
                        postcode: r.get(16)?,
                    }),
                    None => None,
                };
                let row = EntryRow {
                    workstation_prefix: r.get(8)?,
                    revisions: r.get(9)?,
                    content: content(header.kind, r, 17)?,
                    header,
                    patient,
                };
                each(row)?;
            }
            Ok(())
        })
    }
}

/// Which of an entry's revisions it shows, as an `ORDER BY` over its revisions `r`: the one rule,
/// for a save here and for revisions arriving by merge. A void first: nothing is ever made from a
/// voided version, so another revision beside it was made apart from the void (on a PC that did not
/// know), and the void stands. Otherwise the newest. A revision is always recorded after its parent
/// (`insert_revision`), so an amendment shows over the version it amends whatever the PCs' clocks
/// say; only between amendments made apart from one version does the time recorded decide.
pub(super) const CURRENT_REVISION_FIRST: &str = "r.voided DESC, r.recorded_at DESC, r.id DESC";

/// The SQL (" AND e.rowid IN (…)") that keeps the entries `e` holding every word of `text`, any
/// case, in their summary, their reference, or their patient's NHS number or name: the one rule
/// by which the entries list and the re-entry queue search. Its values are added to `args`.
/// Empty when `text` has no words.
pub(crate) fn words_matched(text: &str, args: &mut Vec<Box<dyn rusqlite::ToSql>>) -> String {
    words_found(text, args).map(|found| format!(" AND e.rowid IN ({found})")).unwrap_or_default()
}

/// A SELECT of the row numbers of the entries `words_matched` keeps; `None` when `text` has no words.
/// The longest word (likely the rarest) finds the candidates through the indexes; each other word
/// is then checked on those few alone, rather than on every entry again.
pub(crate) fn words_found(text: &str, args: &mut Vec<Box<dyn rusqlite::ToSql>>) -> Option<String> {
    let mut words = search_words(text);
    let longest = (0..words.len()).max_by_key(|&i| words[i].chars().count())?;
    let first = words.remove(longest);
    let candidates = entries_holding(&first, args);
    if words.is_empty() {
        return Some(candidates);
    }
    let others: Vec<String> = words
        .iter()
        .map(|word| {
            let (n, patients) = word_values(word, args);
            let names = patients.map(|p| format!(" OR c.patient_id IN ({p})")).unwrap_or_default();
            format!("(c.summary LIKE ?{n} OR c.ref LIKE ?{n} OR c.id IN ({}){names})", renumbered_from(n))
        })
        .collect();
    Some(format!("SELECT c.rowid FROM entry c WHERE c.rowid IN ({candidates}) AND {}", others.join(" AND ")))
}
/// The words of a search; an NHS number typed in its groups, as it is shown ("943 476 5919", or
/// the start of one, "943 47"), is one word, since NHS numbers are kept as digits alone.
fn search_words(text: &str) -> Vec<String> {
    let words: Vec<&str> = text.split_whitespace().collect();
    let digits = |w: &str, most: usize| w.len() <= most && w.bytes().all(|b| b.is_ascii_digit());
    let mut out = Vec::new();
    let mut i = 0;
    while i < words.len() {
        let first = words[i];
        let second = words.get(i + 1).copied().unwrap_or_default();
        if first.len() == 3 && digits(first, 3) && !second.is_empty() && digits(second, 3) {
            let mut number = format!("{first}{second}");
            i += 2;
            if let Some(third) = words.get(i).filter(|w| second.len() == 3 && digits(w, 4)) {
                number.push_str(third);
                i += 1;
            }
            out.push(number);
        } else {
            out.push(first.to_string());
            i += 1;
        }
    }
    out
}

/// The row numbers of the entries holding `word` (see `words_matched`): the summaries and
/// references from their narrow index (schema 11), and the entries of the patients whose name or
/// NHS number holds it, each found by its own index, so that no search reads the whole table.
fn entries_holding(word: &str, args: &mut Vec<Box<dyn rusqlite::ToSql>>) -> String {
    let (n, patients) = word_values(word, args);
    let mut sql = format!(
        "SELECT rowid FROM entry INDEXED BY entry_words WHERE summary LIKE ?{n} OR ref LIKE ?{n}
         UNION SELECT rowid FROM entry WHERE id IN ({})",
        renumbered_from(n)
    );
    if let Some(patients) = patients {
        sql.push_str(&format!(
            " UNION SELECT rowid FROM entry INDEXED BY entry_by_patient WHERE patient_id IN ({patients})"
        ));
    }
    sql
}

/// The entries that had a reference holding the word `?n` before they were renumbered (`init
/// --new-identity`): a paper form carries the reference an entry had when it was written. Few rows.
fn renumbered_from(n: usize) -> String {
    format!("SELECT entry_id FROM entry_renumbered WHERE old_ref LIKE ?{n}")
}

/// Adds `word`'s values to `args`: the number of its `%word%` for the summary and reference, and
/// a SELECT of the patients whose NHS number or name holds it (`None` when none can).
fn word_values(word: &str, args: &mut Vec<Box<dyn rusqlite::ToSql>>) -> (usize, Option<String>) {
    args.push(Box::new(format!("%{}%", word.replace(['%', '_'], ""))));
    let n = args.len();
    let mut patients = Vec::new();
    // NHS numbers are kept as digits alone: a word without a digit is never in one.
    if word.chars().any(|c| c.is_ascii_digit()) {
        patients.push(format!("SELECT id FROM patient WHERE nhs_number LIKE ?{n}"));
    }
    // Names are matched folded on both sides, as the patient look-up does: "sian" finds Siân and
    // "lukasz" finds Łukasz. A word with no letters or digits folds to nothing and would match
    // every name, so it is looked for only as typed.
    let folded = fold(word);
    if folded.chars().count() >= 3 {
        // Any three letters of a name, from the look-up's own trigram index (schema 3).
        args.push(Box::new(format!("\"{folded}\"")));
        let f = args.len();
        patients.push(format!(
            "SELECT p.id FROM patient p WHERE p.rowid IN
                 (SELECT rowid FROM patient_name_search WHERE patient_name_search MATCH ?{f})"
        ));
    } else if !folded.is_empty() {
        args.push(Box::new(format!("%{folded}%")));
        let f = args.len();
        patients.push(format!("SELECT id FROM patient WHERE family_fold LIKE ?{f} OR given_fold LIKE ?{f}"));
    }
    (n, (!patients.is_empty()).then(|| patients.join(" UNION ")))
}

#[cfg(test)]
mod search_tests {
    use super::search_words;

    #[test]
    fn an_nhs_number_typed_in_its_groups_is_one_word_of_a_search() {
        assert_eq!(search_words("943 476 5919"), ["9434765919"]);
        assert_eq!(search_words("  jones 999 12 "), ["jones", "99912"]);
        assert_eq!(search_words("943 476 59"), ["94347659"]);
        assert_eq!(search_words("take 2 3 times"), ["take", "2", "3", "times"]);
        assert_eq!(search_words("100 mg 250 500"), ["100", "mg", "250500"]);
        assert!(search_words(" ").is_empty());
    }
}

impl Tx<'_> {
    /// Saves a new entry with its first revision, numbered with this workstation's next reference.
    pub fn log_entry(&self, actor: &Actor, content: &EntryContent, patient_id: Option<&str>) -> Result<SavedEntry> {
        let id = self.new_id();
        let revision_id = self.new_id();
        let reference = self.next_reference(&actor.workstation_id)?;
        self.insert_entry(&id, &reference, actor, content, &revision_id, patient_id)?;
        self.insert_revision(&revision_id, &id, None, actor, None, patient_id, content, false)?;
        self.audit(
            actor,
            "log",
            Some(&id),
            json!({ "revision": revision_id, "ref": reference, "kind": content.kind.name() }),
        )?;
        Ok(SavedEntry { id, reference, revision_id })
    }

    /// Records a new revision of an existing entry: an amendment, or (with `voided`) a void.
    /// A voided entry takes no further revision: `Error::EntryVoided`.
    pub fn revise_entry(
        &self,
        actor: &Actor,
        entry: &EntryHeader,
        content: &EntryContent,
        patient_id: Option<&str>,
        reason: Option<&str>,
        voided: bool,
    ) -> Result<String> {
        let before = current(self.conn(), entry)?;
        // Read inside this transaction: a window that voided the entry a moment ago is seen here.
        if before.voided {
            return Err(crate::error::Error::EntryVoided { reference: entry.reference.clone() });
        }
        let revision_id = self.new_id();
        self.insert_revision(&revision_id, &entry.id, Some(&before.id), actor, reason, patient_id, content, voided)?;
        let action = if voided { "void" } else { "amend" };
        let changed =
            crate::domain::fields::changed_fields(&before.content, content, before.patient_id.as_deref() != patient_id);
        self.audit(
            actor,
            action,
            Some(&entry.id),
            json!({ "revision": revision_id, "reason": reason, "changed": changed }),
        )?;
        Ok(revision_id)
    }

    /// Reads inside the transaction, so an amendment starts from what is current at that moment.
    pub fn find_entry(&self, given: &str) -> Result<EntryHeader> {
        find(self.conn(), given)
    }

    pub fn current_revision(&self, entry: &EntryHeader) -> Result<Revision> {
        Ok(current(self.conn(), entry)?)
    }

    /// A new entry, its headline already that of the first revision (saved next, with `patient_id`),
    /// so saving it takes no second pass over the entry's indexes.
    pub(super) fn insert_entry(
        &self,
        id: &str,
        reference: &str,
        actor: &Actor,
        content: &EntryContent,
        revision_id: &str,
        patient_id: Option<&str>,
    ) -> Result<()> {
        let now = time::to_storage(self.now());
        self.exec(
            "INSERT INTO entry (id, ref, kind, workstation_id, recorded_at, recorded_by, current_revision_id,
                                current_recorded_at, occurred_at, summary, patient_id, flags)
             VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?5, ?8, ?9, ?10, ?11)",
            params![
                id,
                reference,
                content.kind.name(),
                actor.workstation_id,
                now,
                actor.staff_id,
                revision_id,
                time::to_storage(content.occurred_at),
                content.summary,
                patient_id,
                flags_to_column(&content.flags),
            ],
        )?;
        Ok(())
    }

    #[allow(clippy::too_many_arguments)]
    pub(super) fn insert_revision(
        &self,
        revision_id: &str,
        entry_id: &str,
        parent_id: Option<&str>,
        actor: &Actor,
        reason: Option<&str>,
        patient_id: Option<&str>,
        content: &EntryContent,
        voided: bool,
    ) -> Result<()> {
        // Recorded after its parent, even when this PC's clock is behind the one that made the parent.
        let parent_at: Option<String> = match parent_id {
            Some(parent) => {
                self.conn().query_row("SELECT recorded_at FROM revision WHERE id = ?1", [parent], |r| r.get(0))?
            }
            None => None,
        };
        let now = match parent_at.as_deref().and_then(time::from_storage) {
            Some(at) if at >= self.now() => time::to_storage(at + chrono::Duration::milliseconds(1)),
            _ => time::to_storage(self.now()),
        };
        let flags = flags_to_column(&content.flags);
        self.exec(
            "INSERT INTO revision (id, entry_id, parent_id, recorded_at, recorded_by, workstation_id, reason, patient_id,
                                   occurred_at, summary, author, notes, codes, flags, also_in_old_system, fields, voided)
             VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11, ?12, ?13, ?14, ?15, ?16, ?17)",
            params![
                revision_id,
                entry_id,
                parent_id,
                now,
                actor.staff_id,
                actor.workstation_id,
                reason,
                patient_id,
                time::to_storage(content.occurred_at),
                content.summary,
                content.author,
                content.notes,
                serde_json::to_string(&content.codes).unwrap_or_else(|_| "[]".into()),
                flags,
                content.also_in_old_system,
                serde_json::to_string(&content.fields).unwrap_or_else(|_| "{}".into()),
                voided,
            ],
        )?;
        if parent_id.is_none() {
            // A first revision: `insert_entry` gave the entry its headline already.
            return Ok(());
        }
        // The headline follows a revision that amends the current one; between two branches (from
        // different workstations, by merge) the later one shows; a void stands (`CURRENT_REVISION_FIRST`).
        self.exec(
            "UPDATE entry SET current_revision_id = ?2, current_recorded_at = ?3, patient_id = ?4, occurred_at = ?5,
                              summary = ?6, flags = ?7, voided = ?8
             WHERE id = ?1 AND (voided = 0 OR ?8)
               AND (current_revision_id IS ?9 OR current_recorded_at < ?3
                    OR (current_recorded_at = ?3 AND current_revision_id <= ?2))",
            params![
                entry_id,
                revision_id,
                now,
                patient_id,
                time::to_storage(content.occurred_at),
                content.summary,
                flags,
                voided,
                parent_id,
            ],
        )?;
        Ok(())
    }
}

/// Exposed for `show`: the patient a revision was about.
impl Store {
    pub fn patient_of(&self, revision: &Revision) -> Result<Option<Patient>> {
        match &revision.patient_id {
            Some(id) => self.read(|c| Ok(patients::by_id(c, id)?)),
            None => Ok(None),
        }
    }
}

/// A line of the home screen: an entry saved here lately.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RecentEntry {
    pub reference: String,
    pub kind: Kind,
    pub recorded_at: DateTime<Utc>,
    pub summary: String,
    pub patient: Option<String>,
}

impl Store {
    /// Entries that happened at or after `since` (voided ones left out), counted by kind.
    pub fn counts_by_kind_since(&self, since: DateTime<Utc>) -> Result<Vec<(Kind, i64)>> {
        self.read(|c| {
            let mut stmt = c.prepare_cached(
                "SELECT kind, count(*) FROM entry WHERE occurred_at >= ?1 AND voided = 0 GROUP BY kind ORDER BY kind",
            )?;
            let rows =
                stmt.query_map([time::to_storage(since)], |r| Ok((kind_of(&r.get::<_, String>(0)?), r.get(1)?)))?;
            Ok(rows.collect::<rusqlite::Result<Vec<_>>>()?)
        })
    }

    /// Whether any entry has been logged in this database, on any PC.
    pub fn holds_entries(&self) -> Result<bool> {
        self.read(|c| Ok(c.query_row("SELECT EXISTS (SELECT 1 FROM entry)", [], |r| r.get(0))?))
    }

    /// The last entries saved on this workstation, newest first.
    pub fn recent_here(&self, limit: usize) -> Result<Vec<RecentEntry>> {
        self.read(|c| {
            let mut stmt = c.prepare_cached(
                "SELECT e.ref, e.kind, e.recorded_at, e.summary, p.family_name, p.given_name, p.nhs_number,
                        p.date_of_birth
                 FROM entry e LEFT JOIN patient p ON p.id = e.patient_id
                 WHERE e.workstation_id = (SELECT id FROM workstation WHERE is_local = 1)
                 ORDER BY e.recorded_at DESC LIMIT ?1",
            )?;
            let rows = stmt.query_map([limit as i64], |r| {
                let family: Option<String> = r.get(4)?;
                let given: Option<String> = r.get(5)?;
                // "JONES, Siân (03/04/1950)", as every list names a patient; the NHS number when
                // no name was given.
                let patient = match (family, given) {
                    (None, None) => r.get::<_, Option<String>>(6)?,
                    (family_name, given_name) => Some(
                        Patient { family_name, given_name, date_of_birth: r.get(7)?, ..Default::default() }
                            .name_and_birth(),
                    ),
                };
                Ok(RecentEntry {
                    reference: r.get(0)?,
                    kind: kind_of(&r.get::<_, String>(1)?),
                    recorded_at: parse_time(r.get(2)?),
                    summary: r.get(3)?,
                    patient,
                })
            })?;
            Ok(rows.collect::<rusqlite::Result<Vec<_>>>()?)
        })
    }
}
