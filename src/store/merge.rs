//! SQL for merging another workstation's export (or database) into this one. Rows are keyed by
//! their UUIDs and only ever added, so merging the same file twice adds nothing; every revision
//! from every workstation is kept, each touched entry's headline follows its newest revision, and
//! each item that gains re-entry events stands where its whole history of events leaves it.

use std::collections::HashSet;
use std::path::{Path, PathBuf};

use chrono::{DateTime, Utc};
use rusqlite::limits::Limit;
use rusqlite::{Connection, OpenFlags, OptionalExtension, params};
use serde_json::json;

use super::cipher::{self, Passphrase};
use super::entries::CURRENT_REVISION_FIRST;
use super::migrate::{APPLICATION_ID, LATEST_VERSION, user_version};
use super::patients::{self, Patient};
use super::queue::{ReentryAction, ReentryStatus};
use super::{Actor, Store, Tx};
use crate::domain::time;
use crate::error::{Error, Exchange, Result};

/// The name the file being merged is attached under, for the length of one merge.
const SOURCE: &str = "cutover_merge_source";

/// Tables the merge brings across, or leaves on purpose (drafts belong to the PC they were typed on;
/// the search index is rebuilt by triggers; the export's own description is not data).
const HANDLED: &[&str] = &[
    "setting",
    "workstation",
    "staff",
    "patient",
    "entry",
    "entry_renumbered",
    "revision",
    "audit",
    "import_file",
    "entry_source",
    "merge_file",
    "draft",
    "queue_basis",
    "reentry_event",
    "export_info",
    "plan_revision",
    "checklist_event",
    "service",
    "service_event",
    "recheck_sample",
    "recheck_patient",
    "recheck_event",
    "recheck_signoff",
    "local_setting",
    "share_published",
    "share_source",
    "sqlite_sequence",
    "sqlite_stat1",
];

/// The page cache while merging, in KiB as `PRAGMA cache_size` takes it when negative: 16 MiB, and
/// temporary data on disk (SQLite's default), not in memory. All the files go in one transaction,
/// so a small cache writes dirty pages to the journal before the commit; measured on 07/12/2026
/// (release build, ten exports of 10,000 entries into a new database, three runs): 256 MiB of cache
/// with temporary data in memory peaked at 422 MB in 5.5 s; 16 MiB with temporary data on disk at
/// 144 MB in 4.8 to 5.7 s. Most of what is left is the queue placing every new item at the commit.
const MERGE_CACHE_KIB: i64 = -16_384;

/// The number at the end of an entry `e`'s reference ("R2-0147" → 147).
pub(super) const REFERENCE_NUMBER: &str = "CAST(substr(e.ref, length(rtrim(e.ref, '0123456789')) + 1) AS INTEGER)";

/// Entries with two or more revisions amended from one: amendments are few, so they are found from
/// the parent index alone rather than by reading every revision.
const CONFLICTS: &str = "
    SELECT r.entry_id, e.ref, r.parent_id, count(*) FROM revision r JOIN entry e ON e.id = r.entry_id
    WHERE r.parent_id IN (SELECT parent_id FROM revision WHERE parent_id IS NOT NULL
                          GROUP BY parent_id HAVING count(*) > 1)
    GROUP BY r.entry_id, r.parent_id HAVING count(*) > 1 ORDER BY e.ref";

/// `CONFLICTS` among revisions added after row ?1 only: what a sharing round brought.
const CONFLICTS_SINCE: &str = "
    SELECT r.entry_id, e.ref, r.parent_id, count(*) FROM revision r JOIN entry e ON e.id = r.entry_id
    WHERE r.parent_id IN (SELECT parent_id FROM revision WHERE rowid > ?1 AND parent_id IS NOT NULL)
    GROUP BY r.entry_id, r.parent_id HAVING count(*) > 1 ORDER BY e.ref";

/// `POSSIBLE_DUPLICATE_ENTRIES` with one of the pair added after row ?1: from the new entries (CROSS
/// JOIN keeps that order), each looked up in the patient index.
const POSSIBLE_DUPLICATE_ENTRIES_SINCE: &str = "
    SELECT min(n.ref, o.ref), max(n.ref, o.ref), n.kind, n.occurred_at,
           iif(n.ref <= o.ref, n.id, o.id), iif(n.ref <= o.ref, o.id, n.id) FROM entry n
    CROSS JOIN entry o ON o.patient_id = n.patient_id AND o.occurred_at = n.occurred_at AND o.id <> n.id
    WHERE n.rowid > ?1 AND n.patient_id IS NOT NULL AND o.kind = n.kind AND o.summary = n.summary
      AND o.workstation_id <> n.workstation_id AND n.voided = 0 AND o.voided = 0
    GROUP BY 1, 2 ORDER BY 1, 2";

/// Patients sharing a name and date of birth, one of them at least without an NHS number. The shared
/// names are found from the name index alone; only those patients' records are read. A record
/// already joined into another (`cutover patients join`) is no longer a duplicate.
const POSSIBLE_DUPLICATES: &str = "
    SELECT group_concat(id, ' ') FROM patient
    WHERE (family_fold, given_fold, date_of_birth) IN (
        SELECT family_fold, given_fold, date_of_birth FROM patient
        WHERE family_fold <> '' AND given_fold <> '' AND date_of_birth IS NOT NULL
        GROUP BY family_fold, given_fold, date_of_birth HAVING count(*) > 1)
      AND joined_into IS NULL
    GROUP BY family_fold, given_fold, date_of_birth HAVING sum(nhs_number IS NULL) > 0
    ORDER BY family_fold, given_fold, date_of_birth";

/// Entries from two workstations with the same patient, time, kind and summary: the same paper form
/// or call logged on both (or imported on both). Pairs sharing a patient and a time are found from
/// the patient index alone; only those entries are read.
const POSSIBLE_DUPLICATE_ENTRIES: &str = "
    SELECT a.ref, b.ref, a.kind, a.occurred_at, a.id, b.id FROM entry a
    JOIN entry b ON b.patient_id = a.patient_id AND b.occurred_at = a.occurred_at AND b.id <> a.id
    WHERE (a.patient_id, a.occurred_at) IN (
        SELECT patient_id, occurred_at FROM entry WHERE patient_id IS NOT NULL
        GROUP BY patient_id, occurred_at HAVING count(*) > 1)
      AND b.kind = a.kind AND b.summary = a.summary AND b.workstation_id <> a.workstation_id
      AND a.voided = 0 AND b.voided = 0 AND a.ref < b.ref
    ORDER BY a.ref, b.ref";

/// Two entries that look like one interaction logged twice, by their references.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct DuplicateEntries {
    pub first: String,
    pub second: String,
    pub kind: String,
    pub occurred_at: String,
    /// The two entries' ids, in the order of their references.
    pub first_id: String,
    pub second_id: String,
}

/// A file that has passed the checks and can be merged.
#[derive(Debug, Clone)]
pub struct MergeSource {
    pub path: PathBuf,
    pub file_name: String,
    pub workstation_id: Option<String>,
    /// The passphrase the file opens with: `None` for a plain file.
    key: Option<Passphrase>,
}

/// What merging one file added, and what a person should look at.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct MergeOutcome {
    pub workstations: u64,
    pub staff: u64,
    pub settings: u64,
    pub patients: u64,
    pub entries: u64,
    pub revisions: u64,
    pub audit: u64,
    /// Re-entry changes (claims, done, queries…) made on the other workstation.
    pub reentry_events: u64,
    /// The runbook's rows (plan versions, checklist ticks, services and their changes, the re-check
    /// and sign-offs) made on the other workstation.
    pub runbook: u64,
    /// Items finished on one workstation and changed on another without being reopened: both kept,
    /// the later counts. A person should check what was keyed into the new system.
    pub reentry_clashes: Vec<ReentryClash>,
    /// The same staff id with a different name there: entries keep the id, so a person must check.
    pub staff_clashes: Vec<(String, String, String)>,
    /// Settings that differ there (this database's value is kept).
    pub setting_differences: Vec<(String, String, String)>,
    /// Tables of the file that hold rows this version of merge does not bring across.
    pub not_merged: Vec<(String, i64)>,
    /// Entries voided on one workstation and amended on another that did not know: the void stands.
    pub voids_standing: Vec<VoidStanding>,
    /// Items marked done on two workstations with no reopening between: possibly keyed twice
    /// (`earlier` and `later` are the two "done"s, with the new system's references).
    pub done_twice: Vec<ReentryClash>,
    /// Items claimed on two workstations by people who did not know of each other: `earlier` is the
    /// claim that stands, `later` the one that lost.
    pub lost_claims: Vec<ReentryClash>,
}

/// What re-entry events a file brought, and what a person should hear of them.
#[derive(Debug, Default)]
struct ReentryNews {
    added: u64,
    clashes: Vec<ReentryClash>,
    done_twice: Vec<ReentryClash>,
    lost_claims: Vec<ReentryClash>,
}

/// An entry voided on one workstation and amended on another from a version before the void: the
/// void stands, and the amendment is kept in its history for a person to look at.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct VoidStanding {
    pub entry_id: String,
    pub reference: String,
    /// Reference prefixes (or ids, if not known here) of the workstations that voided and amended it.
    pub voided_on: String,
    pub amended_on: String,
}

impl MergeOutcome {
    /// Whether it brought anything a person logged or changed (not only other PCs' audit rows, such
    /// as their own records of merging): what a sharing round records, so that two PCs taking each
    /// other's records of taking never go on writing new ones.
    pub fn brought_news(&self) -> bool {
        self.workstations
            + self.staff
            + self.settings
            + self.patients
            + self.entries
            + self.revisions
            + self.reentry_events
            > 0
    }

    pub fn added_anything(&self) -> bool {
        self.workstations
            + self.staff
            + self.settings
            + self.patients
            + self.entries
            + self.revisions
            + self.audit
            + self.reentry_events
            + self.runbook
            > 0
    }
}

/// One re-entry change, as a person checking a clash needs to see it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ReentryChange {
    pub action: ReentryAction,
    pub staff_id: String,
    /// The workstation's reference prefix ("R1"), or its id if it is not known here.
    pub workstation: String,
    pub at: DateTime<Utc>,
    /// A "done": the record's reference in the new system, as typed.
    pub new_system_ref: Option<String>,
}

/// An item finished on one workstation and then changed on another that did not know: both events
/// are kept, and the later one decides where the item now stands.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ReentryClash {
    pub entry_id: String,
    pub reference: String,
    pub earlier: ReentryChange,
    pub later: ReentryChange,
    /// Where the item stands after the merge, and who holds it.
    pub now: ReentryStatus,
    pub holder: Option<String>,
}

/// Two or more revisions of one entry made from the same version: amendments made apart.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Conflict {
    pub entry_id: String,
    pub reference: String,
    pub parent_id: String,
    pub revisions: i64,
}

/// `file:` URI opening a file read-only.
fn read_only_uri(path: &Path) -> String {
    super::open::file_uri(path, "mode=ro")
}

/// Opens a file to be merged, read-only, with `key` (`None` for a plain file); an error means it is
/// no SQLite file this program can read.
fn open_source(path: &Path, key: Option<&Passphrase>) -> Result<Connection> {
    let conn = Connection::open_with_flags(
        read_only_uri(path),
        OpenFlags::SQLITE_OPEN_READ_ONLY | OpenFlags::SQLITE_OPEN_URI | OpenFlags::SQLITE_OPEN_NO_MUTEX,
    )
    .map_err(|e| refused(path, key, e))?;
    cipher::unlock(&conn, key).map_err(|e| refused(path, key, e))?;
    Ok(conn)
}

/// The key a file to be merged is read with: this database's passphrase for an encrypted file,
/// none for a plain one. An encrypted file is refused when this database has no passphrase.
fn key_of_source(path: &Path, ours: Option<&Passphrase>) -> Result<Option<Passphrase>> {
    cipher::key_for(path, ours).map_err(|e| match e {
        Error::PassphraseNeeded(_) => Error::Exchange(Exchange::MergeEncrypted(path.to_path_buf())),
        other => other,
    })
}

/// Why a file to be merged (read with `key`) could not be read.
fn refused(path: &Path, key: Option<&Passphrase>, e: rusqlite::Error) -> Error {
    let detail = e.to_string();
    match e.sqlite_error_code() {
        Some(rusqlite::ErrorCode::DatabaseCorrupt) => {
            Error::Exchange(Exchange::MergeCorrupt { path: path.to_path_buf(), detail })
        }
        Some(rusqlite::ErrorCode::NotADatabase) if key.is_some() => {
            Error::Exchange(Exchange::MergeOtherPassphrase(path.to_path_buf()))
        }
        _ => Error::Exchange(Exchange::MergeNotSqlite(path.to_path_buf())),
    }
}

/// Reads only, and only the start of the file: is `path` a cutover file this program can merge?
/// Whether it is damaged is `check_for_damage`'s question, which reads the whole file.
/// An encrypted file is read with `passphrase`, this database's.
pub fn inspect(this: &Path, passphrase: Option<&Passphrase>, path: &Path) -> Result<MergeSource> {
    if !path.is_file() {
        return Err(Error::Exchange(Exchange::MergeMissing(path.to_path_buf())));
    }
    if crate::files::same_file(this, path) {
        return Err(Error::Exchange(Exchange::MergeSelf(path.to_path_buf())));
    }
    let key = key_of_source(path, passphrase)?;
    let conn = open_source(path, key.as_ref())?;
    let refused = |e| refused(path, key.as_ref(), e);
    let application_id: i64 = conn.query_row("PRAGMA application_id", [], |r| r.get(0)).map_err(refused)?;
    if application_id != APPLICATION_ID {
        return Err(Error::Exchange(Exchange::MergeForeign(path.to_path_buf())));
    }
    let found = user_version(&conn).map_err(refused)?;
    if found > LATEST_VERSION {
        return Err(Error::Exchange(Exchange::MergeNewer { path: path.to_path_buf(), found, known: LATEST_VERSION }));
    }
    let has_entries: bool = conn
        .query_row("SELECT EXISTS (SELECT 1 FROM sqlite_master WHERE type = 'table' AND name = 'entry')", [], |r| {
            r.get(0)
        })
        .map_err(refused)?;
    if !has_entries {
        return Err(Error::Exchange(Exchange::MergeForeign(path.to_path_buf())));
    }
    let workstation_id = conn
        .query_row("SELECT id FROM workstation WHERE is_local = 1", [], |r| r.get(0))
        .optional()
        .map_err(refused)?;
    let file_name = path.file_name().map_or_else(|| path.display().to_string(), |n| n.to_string_lossy().into_owned());
    Ok(MergeSource { path: path.to_path_buf(), file_name, workstation_id, key })
}

/// Reads the whole file for damage: every check `cutover check` makes of a file (see
/// `check_other_file`). After `inspect`, this is what any file from another workstation passes
/// before anything of it is taken in.
pub fn check_for_damage(source: &MergeSource) -> Result<()> {
    let started = std::time::Instant::now();
    let path = &source.path;
    let conn = open_source(path, source.key.as_ref())?;
    let findings = super::check::check_other_file(&conn, path).map_err(|e| refused(path, source.key.as_ref(), e))?;
    tracing::debug!(ms = started.elapsed().as_millis(), findings = findings.len(), "merge: checked a file for damage");
    if findings.is_empty() {
        return Ok(());
    }
    let detail = findings.into_iter().take(3).map(|f| f.0).collect::<Vec<_>>().join("; ");
    Err(Error::Exchange(Exchange::MergeCorrupt { path: path.to_path_buf(), detail }))
}

impl Store {
    /// Whether this database can take a merge of `files` files: it can be written, and each file
    /// stays attached until the merge's transaction ends (SQLite cannot detach a file a
    /// transaction has read), and SQLite attaches only so many at once.
    pub fn can_merge(&self, files: usize) -> Result<()> {
        self.check_writable()?;
        let most = self.conn.limit(Limit::SQLITE_LIMIT_ATTACHED).unwrap_or(10).max(1) as usize;
        if files > most {
            return Err(Error::Exchange(Exchange::MergeTooMany { given: files, most }));
        }
        Ok(())
    }

    /// Merges inspected files (after `can_merge`), all in one write transaction: every file or none, one commit and one
    /// checkpoint however many files. Each file's outcome is its own. Nothing is recorded for a file
    /// that brought nothing new, so merging files again changes nothing at all. `before_commit` runs
    /// once every file is merged; an error from it leaves this database as it was.
    pub fn merge(
        &self,
        sources: &[MergeSource],
        actor: &Actor,
        now: DateTime<Utc>,
        before_commit: impl FnOnce() -> Result<()>,
    ) -> Result<Vec<MergeOutcome>> {
        self.merge_with(sources, actor, now, true, |_, _| before_commit())
    }

    /// `merge`, recording each file that brought anything (`record_each`: a `merge_file` row and an
    /// audit row) or not (a sharing round records what it took its own way), and with
    /// `before_commit` given the transaction and each file's outcome, to record alongside.
    pub fn merge_with(
        &self,
        sources: &[MergeSource],
        actor: &Actor,
        now: DateTime<Utc>,
        record_each: bool,
        before_commit: impl FnOnce(&Tx, &[MergeOutcome]) -> Result<()>,
    ) -> Result<Vec<MergeOutcome>> {
        // `can_merge` was asked before the files were read; a file too many would still be refused
        // by SQLite's ATTACH, with nothing merged.
        // A merge reads and writes tens of megabytes in one transaction: with SQLite's default 2 MB
        // cache it would read pages back from disk again and again.
        let cache: i64 =
            self.conn.query_row("PRAGMA cache_size", [], |r| r.get(0)).map_err(|e| Error::Sqlite(e).at(&self.path))?;
        let _ = self.conn.pragma_update(None, "cache_size", MERGE_CACHE_KIB);
        let outcome = self.write_at(now, |tx| {
            // Foreign keys are checked once, at the commit, instead of row by row: revisions come
            // across before their entries. SQLite turns this off again when the transaction ends.
            tx.conn().pragma_update(None, "defer_foreign_keys", true)?;
            let last_row = |table: &str| -> Result<i64> {
                Ok(tx
                    .conn()
                    .query_row(&format!("SELECT coalesce(max(rowid), 0) FROM main.{table}"), [], |r| r.get(0))?)
            };
            let (revisions_before, entries_before) = (last_row("revision")?, last_row("entry")?);
            let mut outcomes = Vec::with_capacity(sources.len());
            for (n, source) in sources.iter().enumerate() {
                let merging = Merging { tx, schema: format!("{SOURCE}_{n}"), source, record: record_each };
                // A database error is told with the file being merged when it happened.
                outcomes.push(merging.attach().and_then(|()| merging.merge(actor)).map_err(|e| match e {
                    Error::Sqlite(_) => Error::Exchange(Exchange::MergeFailed {
                        path: source.path.clone(),
                        cause: Box::new(e.at(&self.path)),
                    }),
                    other => other,
                })?);
            }
            note_clashes(tx, &outcomes, revisions_before, entries_before)?;
            before_commit(tx, &outcomes)?;
            Ok(outcomes)
        });
        let _ = self.conn.pragma_update(None, "cache_size", cache);
        let detached = self.detach_sources();
        let outcome = outcome.map_err(|e| match e {
            // A reference to a patient, member of staff, workstation or earlier revision that none
            // of the files holds is found only at the commit, which cannot say which file it was.
            Error::Refused { code: Some(rusqlite::ffi::SQLITE_CONSTRAINT_FOREIGNKEY), .. } => {
                Error::Exchange(Exchange::MergeDangling(sources.iter().map(|s| s.path.clone()).collect()))
            }
            other => other,
        })?;
        detached.map_err(|e| Error::Sqlite(e).at(&self.path))?;
        Ok(outcome)
    }

    /// Detaches every file a merge attached, once its transaction has ended.
    fn detach_sources(&self) -> rusqlite::Result<()> {
        let mut stmt = self.conn.prepare("SELECT name FROM pragma_database_list WHERE name LIKE ?1")?;
        let names: Vec<String> =
            stmt.query_map([format!("{SOURCE}_%")], |r| r.get(0))?.collect::<rusqlite::Result<_>>()?;
        for name in names {
            self.conn.execute(&format!("DETACH DATABASE \"{name}\""), [])?;
        }
        Ok(())
    }

    /// Every entry with conflicting amendments, in reference order.
    pub fn conflicts(&self) -> Result<Vec<Conflict>> {
        self.read(|c| {
            let mut stmt = c.prepare(CONFLICTS)?;
            let rows = stmt.query_map([], conflict_of_row)?;
            Ok(rows.collect::<rusqlite::Result<Vec<_>>>()?)
        })
    }

    /// `conflicts`, among revisions added after row `since` only.
    pub fn conflicts_since(&self, since: i64) -> Result<Vec<Conflict>> {
        self.read(|c| Ok(conflicts_since(c, since)?))
    }

    /// `possible_duplicate_entries`, with at least one of each pair added after row `since`.
    pub fn possible_duplicate_entries_since(&self, since: i64) -> Result<Vec<DuplicateEntries>> {
        self.read(|c| Ok(possible_duplicate_entries_since(c, since)?))
    }

    /// Pairs of entries (not voided) made on different workstations with the same patient, time,
    /// kind and summary, by reference: likely one interaction logged twice. Pointed out, never voided.
    pub fn possible_duplicate_entries(&self) -> Result<Vec<DuplicateEntries>> {
        self.read(|c| {
            let mut stmt = c.prepare(POSSIBLE_DUPLICATE_ENTRIES)?;
            let rows = stmt.query_map([], duplicates_of_row)?;
            Ok(rows.collect::<rusqlite::Result<Vec<_>>>()?)
        })
    }

    /// Groups of patient records with the same name and date of birth, at least one of them without
    /// an NHS number: possibly one person recorded twice. Pointed out, never joined.
    pub fn possible_duplicates(&self) -> Result<Vec<Vec<Patient>>> {
        self.read(|c| {
            let mut stmt = c.prepare(POSSIBLE_DUPLICATES)?;
            let groups: Vec<String> = stmt.query_map([], |r| r.get(0))?.collect::<rusqlite::Result<_>>()?;
            let mut out = Vec::with_capacity(groups.len());
            for group in groups {
                let mut people = Vec::new();
                for id in group.split(' ') {
                    if let Some(p) = patients::by_id(c, id)? {
                        people.push(p);
                    }
                }
                out.push(people);
            }
            Ok(out)
        })
    }
}

/// One file being merged: attached under its own name within the merge's transaction.
struct Merging<'t, 'c> {
    tx: &'t Tx<'c>,
    schema: String,
    source: &'t MergeSource,
    /// Whether a file that brought anything is recorded (`merge_file` and an audit row).
    record: bool,
}

impl Merging<'_, '_> {
    fn attach(&self) -> Result<()> {
        let path = &self.source.path;
        cipher::attach(self.tx.conn(), &read_only_uri(path), &self.schema, self.source.key.as_ref()).map_err(|e| {
            match e.sqlite_error_code() {
                Some(rusqlite::ErrorCode::DatabaseCorrupt) => {
                    Error::Exchange(Exchange::MergeCorrupt { path: path.clone(), detail: e.to_string() })
                }
                _ => Error::Sqlite(e),
            }
        })?;
        Ok(())
    }

    fn conn(&self) -> &Connection {
        self.tx.conn()
    }

    fn source_has(&self, table: &str) -> Result<bool> {
        let schema = &self.schema;
        Ok(self.conn().query_row(
            &format!("SELECT EXISTS (SELECT 1 FROM {schema}.sqlite_master WHERE type = 'table' AND name = ?1)"),
            [table],
            |r| r.get(0),
        )?)
    }

    fn source_column(&self, table: &str, column: &str) -> Result<bool> {
        let schema = &self.schema;
        Ok(self.conn().query_row(
            &format!("SELECT EXISTS (SELECT 1 FROM pragma_table_info(?1, '{schema}') WHERE name = ?2)"),
            [table, column],
            |r| r.get(0),
        )?)
    }

    fn run(&self, sql: &str, args: impl rusqlite::Params) -> Result<u64> {
        let started = std::time::Instant::now();
        let rows = self.conn().execute(&sql.replace("src.", &format!("{}.", self.schema)), args)? as u64;
        // The statement's opening words and its time, for finding where a slow merge goes (`CUTOVER_LOG=debug`).
        let statement: String = sql.split_whitespace().take(4).collect::<Vec<_>>().join(" ");
        tracing::debug!(rows, ms = started.elapsed().as_millis(), "merge: {statement}");
        Ok(rows)
    }

    fn merge(&self, actor: &Actor) -> Result<MergeOutcome> {
        let source = self.source;
        let schema = &self.schema;
        // A copy given its own identity renumbered its entries: an entry held here under its old
        // reference takes the new one first, so it is not taken for a clash.
        if self.source_has("entry_renumbered")? {
            self.merge_renumberings()?;
        }
        // Two files started from one copied database share a workstation: their references clash.
        let shared: i64 = self.conn().query_row(
            &format!(
                "SELECT count(*) FROM {schema}.entry s JOIN main.entry m
                 ON m.workstation_id = s.workstation_id AND m.ref = s.ref AND m.id <> s.id"
            ),
            [],
            |r| r.get(0),
        )?;
        if shared > 0 {
            return Err(Error::Exchange(Exchange::MergeSharedWorkstation {
                path: source.path.clone(),
                entries: shared,
            }));
        }
        let workstations = self.run(
            "INSERT INTO main.workstation (id, prefix, name, is_local, next_ref, created_at)
             SELECT s.id, s.prefix, s.name, 0, s.next_ref, s.created_at FROM src.workstation s
             WHERE NOT EXISTS (SELECT 1 FROM main.workstation m WHERE m.id = s.id)",
            [],
        )?;
        let mut out = MergeOutcome { workstations, ..MergeOutcome::default() };
        out.staff_clashes = self.pairs_differing("staff", "id", "name")?;
        out.staff = self.run(
            "INSERT INTO main.staff (id, name, role, created_at) SELECT s.id, s.name, s.role, s.created_at
             FROM src.staff s WHERE NOT EXISTS (SELECT 1 FROM main.staff m WHERE m.id = s.id)",
            [],
        )?;
        out.setting_differences = self.pairs_differing("setting", "key", "value")?;
        out.settings = self.run(
            "INSERT INTO main.setting (key, value, changed_at) SELECT s.key, s.value, s.changed_at FROM src.setting s
             WHERE NOT EXISTS (SELECT 1 FROM main.setting m WHERE m.key = s.key)",
            [],
        )?;
        out.patients = self.merge_patients()?;
        // Revisions come before their entries, so that each new entry is written once, with the
        // facts of its current revision already in it (foreign keys wait for the commit: see `Store::merge`).
        let revisions_before: i64 =
            self.conn().query_row("SELECT coalesce(max(rowid), 0) FROM main.revision", [], |r| r.get(0))?;
        out.revisions = self.run(
            "INSERT INTO main.revision (id, entry_id, parent_id, recorded_at, recorded_by, workstation_id, reason,
                                        patient_id, occurred_at, summary, author, notes, codes, flags,
                                        also_in_old_system, fields, voided)
             SELECT s.id, s.entry_id, s.parent_id, s.recorded_at, s.recorded_by, s.workstation_id, s.reason,
                    coalesce((SELECT p.dst_id FROM temp.merge_patient_map p WHERE p.src_id = s.patient_id), s.patient_id),
                    s.occurred_at, s.summary, s.author, s.notes, s.codes, s.flags, s.also_in_old_system, s.fields,
                    s.voided
             FROM src.revision s WHERE true ON CONFLICT (id) DO NOTHING",
            [],
        )?;
        let entries_before: i64 =
            self.conn().query_row("SELECT coalesce(max(rowid), 0) FROM main.entry", [], |r| r.get(0))?;
        out.entries = self.run(
            "INSERT INTO main.entry (id, ref, kind, workstation_id, recorded_at, recorded_by, current_revision_id,
                                     current_recorded_at, patient_id, occurred_at, summary, flags, voided,
                                     fact_rx_status, fact_abnormal, fact_action_given, fact_urgency, fact_source,
                                     fact_action_required, fact_appointment_at, fact_appointment_status,
                                     fact_expected_electronically, fact_clinical_content)
             SELECT s.id, s.ref, s.kind, s.workstation_id, s.recorded_at, s.recorded_by, s.current_revision_id,
                    s.current_recorded_at,
                    coalesce((SELECT p.dst_id FROM temp.merge_patient_map p WHERE p.src_id = s.patient_id), s.patient_id),
                    s.occurred_at, s.summary, s.flags, s.voided,
                    f.fact_rx_status, f.fact_abnormal, coalesce(f.fact_action_given, 0), f.fact_urgency, f.fact_source,
                    f.fact_action_required, f.fact_appointment_at, f.fact_appointment_status,
                    f.fact_expected_electronically, coalesce(f.fact_clinical_content, 0)
             FROM src.entry s LEFT JOIN main.revision_facts f ON f.id = s.current_revision_id
             WHERE true ON CONFLICT (id) DO NOTHING",
            [],
        )?;
        // A workstation's counter continues after the highest reference its entries hold, whatever
        // arrived: this database's own entries, restored from a backup and merged back, included.
        self.run(
            &format!(
                "UPDATE main.workstation SET next_ref = max(next_ref, coalesce((
                     SELECT max({REFERENCE_NUMBER}) + 1 FROM main.entry e
                     WHERE e.workstation_id = workstation.id AND e.rowid > ?1), 0))
                 WHERE id IN (SELECT workstation_id FROM main.entry WHERE rowid > ?1)"
            ),
            [entries_before],
        )?;
        // One pass over the revisions this file brought. Each must belong to an entry that is here
        // now: one whose entry is in no file, or only in a file merged after this one, is refused, as
        // it was when foreign keys were checked row by row (the entry would keep the other file's
        // headline). An entry that was here before and gained revisions may move its headline; an
        // entry new here arrives with its headline already on its newest revision.
        let entries_of_revisions: Vec<(String, bool)> = {
            let mut stmt = self.conn().prepare(
                "SELECT r.entry_id, m.rowid IS NULL FROM main.revision r LEFT JOIN main.entry m ON m.id = r.entry_id
                 WHERE r.rowid > ?1 AND (m.rowid IS NULL OR m.rowid <= ?2)",
            )?;
            let rows = stmt.query_map(params![revisions_before, entries_before], |r| Ok((r.get(0)?, r.get(1)?)))?;
            rows.collect::<rusqlite::Result<_>>()?
        };
        if entries_of_revisions.iter().any(|(_, missing)| *missing) {
            return Err(Error::Exchange(Exchange::MergeDangling(vec![source.path.clone()])));
        }
        self.run("CREATE TEMP TABLE IF NOT EXISTS merge_touched (entry_id TEXT PRIMARY KEY)", [])?;
        self.run("DELETE FROM temp.merge_touched", [])?;
        for (entry_id, _) in &entries_of_revisions {
            self.conn().execute("INSERT OR IGNORE INTO temp.merge_touched (entry_id) VALUES (?1)", [entry_id])?;
        }
        // Each touched entry shows its current revision by the one rule (`CURRENT_REVISION_FIRST`).
        self.run(
            &format!(
                "UPDATE main.entry SET (current_revision_id, current_recorded_at, patient_id, occurred_at, summary,
                                        flags, voided) =
                     (SELECT r.id, r.recorded_at, r.patient_id, r.occurred_at, r.summary, r.flags, r.voided
                      FROM main.revision r WHERE r.entry_id = entry.id ORDER BY {CURRENT_REVISION_FIRST} LIMIT 1)
                 WHERE id IN (SELECT entry_id FROM temp.merge_touched)"
            ),
            [],
        )?;
        out.voids_standing = self.voids_standing(revisions_before)?;
        if self.source_has("reentry_event")? {
            let news = self.merge_reentry_events()?;
            (out.reentry_events, out.reentry_clashes) = (news.added, news.clashes);
            (out.done_twice, out.lost_claims) = (news.done_twice, news.lost_claims);
        }
        let merged_from =
            if self.source_column("audit", "merged_from")? { "coalesce(s.merged_from, ?1)" } else { "?1" };
        // Not `ON CONFLICT DO NOTHING`: audit's AUTOINCREMENT counter would advance for every row
        // skipped, so merging a file again would write to the database.
        out.audit = self.run(
            &format!(
                "INSERT INTO main.audit (id, at, staff_id, workstation_id, action, subject, detail, merged_from)
                 SELECT s.id, s.at, s.staff_id, s.workstation_id, s.action, s.subject, s.detail, {merged_from}
                 FROM src.audit s WHERE NOT EXISTS (SELECT 1 FROM main.audit m WHERE m.id = s.id) ORDER BY s.seq"
            ),
            [&source.file_name],
        )?;
        self.merge_provenance()?;
        out.runbook = self.merge_runbook()?;
        out.not_merged = self.unmerged_tables()?;
        self.run("DROP TABLE IF EXISTS temp.merge_touched", [])?;
        self.run("DROP TABLE IF EXISTS temp.merge_patient_map", [])?;
        if self.record && out.added_anything() {
            self.record_merge(actor, &out)?;
        }
        Ok(out)
    }

    /// Renumberings made on a copied database given its own identity (`init --new-identity`): each
    /// comes across, and an entry held here under its old reference takes the new one, as there.
    fn merge_renumberings(&self) -> Result<u64> {
        self.run(
            "INSERT INTO main.entry_renumbered (id, entry_id, old_workstation_id, old_ref, new_workstation_id, new_ref,
                                                at, staff_id, workstation_id)
             SELECT s.id, s.entry_id, s.old_workstation_id, s.old_ref, s.new_workstation_id, s.new_ref, s.at,
                    s.staff_id, s.workstation_id
             FROM src.entry_renumbered s WHERE NOT EXISTS (SELECT 1 FROM main.entry_renumbered m WHERE m.id = s.id)",
            [],
        )?;
        self.run(
            "UPDATE main.entry SET (ref, workstation_id) = (
                 SELECT n.new_ref, n.new_workstation_id FROM main.entry_renumbered n
                 WHERE n.entry_id = entry.id AND n.old_ref = entry.ref AND n.old_workstation_id = entry.workstation_id)
             WHERE id IN (SELECT entry_id FROM src.entry_renumbered)
               AND EXISTS (SELECT 1 FROM main.entry_renumbered n WHERE n.entry_id = entry.id AND n.old_ref = entry.ref
                           AND n.old_workstation_id = entry.workstation_id)",
            [],
        )
    }

    /// Touched entries that are voided yet hold an amendment nothing came after (made apart from the
    /// void), where the void or the amendment is new in this merge: each is reported once.
    fn voids_standing(&self, revisions_before: i64) -> Result<Vec<VoidStanding>> {
        let mut stmt = self.conn().prepare(
            // CROSS JOIN keeps this order: from the few entries touched, never from every revision.
            "SELECT e.ref, coalesce(wv.prefix, v.workstation_id), coalesce(wa.prefix, a.workstation_id), e.id
             FROM temp.merge_touched t CROSS JOIN main.entry e ON e.id = t.entry_id
             CROSS JOIN main.revision v ON v.id = e.current_revision_id
             CROSS JOIN main.revision a ON a.entry_id = e.id AND a.voided = 0
             LEFT JOIN main.workstation wv ON wv.id = v.workstation_id
             LEFT JOIN main.workstation wa ON wa.id = a.workstation_id
             WHERE e.voided = 1 AND (v.rowid > ?1 OR a.rowid > ?1)
               AND NOT EXISTS (SELECT 1 FROM main.revision c WHERE c.parent_id = a.id)
             GROUP BY e.id ORDER BY e.ref",
        )?;
        let rows = stmt.query_map([revisions_before], |r| {
            Ok(VoidStanding { entry_id: r.get(3)?, reference: r.get(0)?, voided_on: r.get(1)?, amended_on: r.get(2)? })
        })?;
        Ok(rows.collect::<rusqlite::Result<Vec<_>>>()?)
    }

    /// Rows with the same key here and there whose `column` differs: (key, here, there).
    fn pairs_differing(&self, table: &str, key: &str, column: &str) -> Result<Vec<(String, String, String)>> {
        let schema = &self.schema;
        let mut stmt = self.conn().prepare(&format!(
            "SELECT m.{key}, m.{column}, s.{column} FROM main.{table} m JOIN {schema}.{table} s ON s.{key} = m.{key}
             WHERE m.{column} IS NOT s.{column} ORDER BY m.{key}"
        ))?;
        let rows = stmt.query_map([], |r| Ok((r.get(0)?, r.get(1)?, r.get(2)?)))?;
        Ok(rows.collect::<rusqlite::Result<Vec<_>>>()?)
    }

    /// Patients by id; one whose NHS number is already here under another id is that record, so
    /// their entries point there (the map holds only those). Patients without an NHS number are
    /// never joined, only pointed out.
    fn merge_patients(&self) -> Result<u64> {
        self.run(
            "CREATE TEMP TABLE IF NOT EXISTS merge_patient_map (src_id TEXT PRIMARY KEY, dst_id TEXT NOT NULL)",
            [],
        )?;
        self.run("DELETE FROM temp.merge_patient_map", [])?;
        self.run(
            "INSERT INTO temp.merge_patient_map (src_id, dst_id)
             SELECT s.id, m.id FROM src.patient s JOIN main.patient m ON m.nhs_number = s.nhs_number
             WHERE m.id <> s.id AND NOT EXISTS (SELECT 1 FROM main.patient x WHERE x.id = s.id)",
            [],
        )?;
        self.run(
            "INSERT INTO main.patient (id, nhs_number, family_name, given_name, date_of_birth, sex, postcode, usual_gp,
                                       family_fold, given_fold, source, created_at, workstation_id)
             SELECT s.id, s.nhs_number, s.family_name, s.given_name, s.date_of_birth, s.sex, s.postcode, s.usual_gp,
                    s.family_fold, s.given_fold, s.source, s.created_at, s.workstation_id
             FROM src.patient s WHERE NOT EXISTS (SELECT 1 FROM temp.merge_patient_map p WHERE p.src_id = s.id)
             ON CONFLICT (id) DO NOTHING",
            [],
        )
        .and_then(|added| self.merge_patient_joins().map(|_| added))
    }

    /// A join made on the other workstation (schema 7) holds here too: its entries arrive moved, by
    /// their revisions; the joined record is marked so it is not offered again. A join is never undone.
    fn merge_patient_joins(&self) -> Result<u64> {
        if !self.source_column("patient", "joined_into")? {
            return Ok(0);
        }
        self.run(
            "UPDATE main.patient AS m SET joined_into = (
                 SELECT coalesce((SELECT p.dst_id FROM temp.merge_patient_map p WHERE p.src_id = s.joined_into),
                                 s.joined_into)
                 FROM src.patient s WHERE s.id = m.id)
             WHERE m.joined_into IS NULL
               AND m.id IN (SELECT id FROM src.patient WHERE joined_into IS NOT NULL)",
            [],
        )
    }

    /// Re-entry events by id, for entries that are here now; then every entry that gained one has
    /// its current state rebuilt from all its events, from every workstation, in order.
    fn merge_reentry_events(&self) -> Result<ReentryNews> {
        self.run("CREATE TEMP TABLE IF NOT EXISTS merge_reentry (id TEXT PRIMARY KEY, entry_id TEXT NOT NULL)", [])?;
        self.run("DELETE FROM temp.merge_reentry", [])?;
        let added = self.run(
            "INSERT INTO temp.merge_reentry (id, entry_id) SELECT s.id, s.entry_id FROM src.reentry_event s
             WHERE NOT EXISTS (SELECT 1 FROM main.reentry_event m WHERE m.id = s.id)
               AND EXISTS (SELECT 1 FROM main.entry m WHERE m.id = s.entry_id)",
            [],
        )?;
        if added == 0 {
            return Ok(ReentryNews::default());
        }
        // A query's addressee, from a workstation on schema 9 or later.
        let for_staff = if self.source_column("reentry_event", "for_staff")? { "s.for_staff" } else { "NULL" };
        self.run(
            &format!(
                "INSERT INTO main.reentry_event (id, entry_id, at, staff_id, workstation_id, action, note, new_system_ref,
                                                 nhs_number, claimed_until, taken_from, for_staff)
                 SELECT s.id, s.entry_id, s.at, s.staff_id, s.workstation_id, s.action, s.note, s.new_system_ref,
                        s.nhs_number, s.claimed_until, s.taken_from, {for_staff}
                 FROM src.reentry_event s JOIN temp.merge_reentry n ON n.id = s.id"
            ),
            [],
        )?;
        let (entries, new_events) = {
            let mut stmt = self.conn().prepare("SELECT id, entry_id FROM temp.merge_reentry ORDER BY entry_id")?;
            let rows: Vec<(String, String)> =
                stmt.query_map([], |r| Ok((r.get(0)?, r.get(1)?)))?.collect::<rusqlite::Result<_>>()?;
            let mut entries: Vec<String> = rows.iter().map(|(_, e)| e.clone()).collect();
            entries.dedup();
            let new_events: HashSet<String> = rows.into_iter().map(|(id, _)| id).collect();
            (entries, new_events)
        };
        let mut clashes = Vec::new();
        let mut done_twice = Vec::new();
        let mut lost_claims = Vec::new();
        for (entry_id, (events, replayed)) in entries.iter().zip(self.tx.rebuild_reentry_copies(&entries)?) {
            let change = |id: &str| -> Result<Option<ReentryChange>> {
                let Some(e) = events.iter().find(|e| e.id == id) else { return Ok(None) };
                let Some(action) = e.action else { return Ok(None) };
                let workstation = self
                    .conn()
                    .query_row("SELECT prefix FROM main.workstation WHERE id = ?1", [&e.workstation_id], |r| r.get(0))
                    .optional()?
                    .unwrap_or_else(|| e.workstation_id.clone());
                Ok(Some(ReentryChange {
                    action,
                    staff_id: e.staff_id.clone(),
                    workstation,
                    at: e.at,
                    new_system_ref: e.new_system_ref.clone(),
                }))
            };
            // Each pair once: reported by the merge that brings it together, not again.
            for (pairs, into) in [
                (&replayed.clashes, &mut clashes),
                (&replayed.done_twice, &mut done_twice),
                (&replayed.lost_claims, &mut lost_claims),
            ] {
                for (earlier, later) in pairs {
                    if !new_events.contains(earlier) && !new_events.contains(later) {
                        continue;
                    }
                    if let (Some(earlier), Some(later)) = (change(earlier)?, change(later)?) {
                        let reference: String =
                            self.conn()
                                .query_row("SELECT ref FROM main.entry WHERE id = ?1", [entry_id], |r| r.get(0))?;
                        into.push(ReentryClash {
                            entry_id: entry_id.clone(),
                            reference,
                            earlier,
                            later,
                            now: replayed.state.status,
                            holder: replayed.state.assignee.clone(),
                        });
                    }
                }
            }
        }
        for list in [&mut clashes, &mut done_twice, &mut lost_claims] {
            list.sort_by(|a, b| a.reference.cmp(&b.reference));
        }
        self.run("DROP TABLE IF EXISTS temp.merge_reentry", [])?;
        Ok(ReentryNews { added, clashes, done_twice, lost_claims })
    }

    /// Imported files, imported entries' lines and earlier merges, where the file has them.
    fn merge_provenance(&self) -> Result<()> {
        if self.source_has("import_file")? {
            self.run(
                "INSERT INTO main.import_file SELECT s.id, s.what, s.file_name, s.fingerprint, s.rows_loaded,
                        s.rows_rejected, s.imported_at, s.imported_by, s.workstation_id
                 FROM src.import_file s WHERE NOT EXISTS (SELECT 1 FROM main.import_file m WHERE m.id = s.id)",
                [],
            )?;
        }
        if self.source_has("entry_source")? {
            self.run(
                "INSERT INTO main.entry_source (entry_id, import_id, line) SELECT s.entry_id, s.import_id, s.line
                 FROM src.entry_source s WHERE NOT EXISTS (SELECT 1 FROM main.entry_source m WHERE m.entry_id = s.entry_id)",
                [],
            )?;
        }
        if self.source_has("merge_file")? {
            self.run(
                "INSERT INTO main.merge_file (id, file_name, source_workstation_id, merged_at, merged_by, workstation_id,
                                              detail)
                 SELECT s.id, s.file_name, s.source_workstation_id, s.merged_at, s.merged_by, s.workstation_id, s.detail
                 FROM src.merge_file s WHERE NOT EXISTS (SELECT 1 FROM main.merge_file m WHERE m.id = s.id)",
                [],
            )?;
        }
        Ok(())
    }

    /// The runbook's rows (schema 10), by id, so both workstations end up with the same rows. Where each
    /// part stands is worked out from all its rows in time order (`crate::runbook::current`; the same
    /// service or re-checked patient added on both is one), so nothing is rebuilt here.
    fn merge_runbook(&self) -> Result<u64> {
        const TABLES: &[(&str, &str, &str)] = &[
            ("plan_revision", "id", "id, category, parent_id, how, lead, recorded_at, recorded_by, workstation_id"),
            ("checklist_event", "id", "id, item, action, note, at, staff_id, workstation_id"),
            ("service", "id", "id, key, name, added_at, added_by, workstation_id"),
            ("service_event", "id", "id, service, state, note, at, staff_id, workstation_id"),
            ("recheck_sample", "id", "id, seed, size, population, drawn_at, staff_id, workstation_id"),
            ("recheck_patient", "id", "id, nhs_number, why, sample_id, added_at, staff_id, workstation_id"),
            ("recheck_event", "id", "id, subject, state, note, at, staff_id, workstation_id"),
            ("recheck_signoff", "id", "id, at, staff_id, workstation_id, open_issues, unchecked, reason"),
        ];
        let mut added = 0;
        for (table, key, columns) in TABLES {
            if !self.source_has(table)? {
                continue;
            }
            let from: Vec<String> = columns.split(", ").map(|c| format!("s.{c}")).collect();
            added += self.run(
                &format!(
                    "INSERT INTO main.{table} ({columns}) SELECT {} FROM src.{table} s
                     WHERE NOT EXISTS (SELECT 1 FROM main.{table} m WHERE m.{key} = s.{key}) ORDER BY s.rowid",
                    from.join(", ")
                ),
                [],
            )?;
        }
        Ok(added)
    }

    /// Tables of the file with rows this merge does not bring across (from a newer schema, say).
    fn unmerged_tables(&self) -> Result<Vec<(String, i64)>> {
        let schema = &self.schema;
        let mut stmt = self.conn().prepare(&format!(
            "SELECT name FROM {schema}.sqlite_master WHERE type = 'table' AND name NOT LIKE 'sqlite_%'
             AND name NOT LIKE 'patient_name_search%' ORDER BY name"
        ))?;
        let names: Vec<String> = stmt.query_map([], |r| r.get(0))?.collect::<rusqlite::Result<_>>()?;
        let mut out = Vec::new();
        for name in names.into_iter().filter(|n| !HANDLED.contains(&n.as_str())) {
            let quoted = name.replace('"', "\"\"");
            let rows: i64 =
                self.conn().query_row(&format!("SELECT count(*) FROM {schema}.\"{quoted}\""), [], |r| r.get(0))?;
            if rows > 0 {
                out.push((name, rows));
            }
        }
        Ok(out)
    }

    fn record_merge(&self, actor: &Actor, out: &MergeOutcome) -> Result<()> {
        let source = self.source;
        let id = self.tx.new_id();
        let detail = json!({
            "file": source.file_name, "workstations": out.workstations, "staff": out.staff,
            "settings": out.settings, "patients": out.patients, "entries": out.entries,
            "revisions": out.revisions, "audit": out.audit, "reentry_events": out.reentry_events,
            "runbook": out.runbook,
            "reentry_clashes": out.reentry_clashes.iter().map(|c| &c.reference).collect::<Vec<_>>(),
        });
        self.tx.exec(
            "INSERT INTO merge_file (id, file_name, source_workstation_id, merged_at, merged_by, workstation_id, detail)
             VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7)",
            params![
                id,
                source.file_name,
                source.workstation_id,
                time::to_storage(self.tx.now()),
                actor.staff_id,
                actor.workstation_id,
                detail.to_string()
            ],
        )?;
        self.tx.audit(actor, "merge", Some(&id), detail)
    }
}

/// One row of `CONFLICTS` or `CONFLICTS_SINCE`.
fn conflict_of_row(r: &rusqlite::Row) -> rusqlite::Result<Conflict> {
    Ok(Conflict { entry_id: r.get(0)?, reference: r.get(1)?, parent_id: r.get(2)?, revisions: r.get(3)? })
}

/// `CONFLICTS_SINCE`: for `Store::conflicts_since`, and inside a merge's transaction.
fn conflicts_since(c: &Connection, since: i64) -> rusqlite::Result<Vec<Conflict>> {
    let mut stmt = c.prepare_cached(CONFLICTS_SINCE)?;
    let rows = stmt.query_map([since], conflict_of_row)?;
    rows.collect()
}

/// One row of `POSSIBLE_DUPLICATE_ENTRIES` or `POSSIBLE_DUPLICATE_ENTRIES_SINCE`.
fn duplicates_of_row(r: &rusqlite::Row) -> rusqlite::Result<DuplicateEntries> {
    Ok(DuplicateEntries {
        first: r.get(0)?,
        second: r.get(1)?,
        kind: r.get(2)?,
        occurred_at: r.get(3)?,
        first_id: r.get(4)?,
        second_id: r.get(5)?,
    })
}

/// `POSSIBLE_DUPLICATE_ENTRIES_SINCE`: for the store's reader, and inside a merge's transaction.
fn possible_duplicate_entries_since(c: &Connection, since: i64) -> rusqlite::Result<Vec<DuplicateEntries>> {
    let mut stmt = c.prepare_cached(POSSIBLE_DUPLICATE_ENTRIES_SINCE)?;
    let rows = stmt.query_map([since], duplicates_of_row)?;
    rows.collect()
}

/// Notes, for someone on this PC to look at (`Store::clashes_to_look_at`), every clash a merge
/// brought: what each file's merge found, and the conflicting amendments and likely duplicate
/// entries among the rows added after `revisions_before` and `entries_before`, from the same
/// readers `sync` and `merge` print them with.
fn note_clashes(tx: &Tx, outcomes: &[MergeOutcome], revisions_before: i64, entries_before: i64) -> Result<()> {
    use crate::domain::clash::Clash;
    let mut found: Vec<(String, Clash)> = Vec::new();
    for o in outcomes {
        found.extend(o.lost_claims.iter().map(|c| (c.entry_id.clone(), Clash::ClaimedTwice)));
        found.extend(o.done_twice.iter().map(|c| (c.entry_id.clone(), Clash::DoneTwice)));
        found.extend(o.reentry_clashes.iter().map(|c| (c.entry_id.clone(), Clash::ChangedWhenFinished)));
        found.extend(o.voids_standing.iter().map(|v| (v.entry_id.clone(), Clash::VoidOverAmendment)));
    }
    if outcomes.iter().any(|o| o.revisions > 0) {
        found.extend(
            conflicts_since(tx.conn(), revisions_before)?.into_iter().map(|c| (c.entry_id, Clash::AmendedApart)),
        );
    }
    if outcomes.iter().any(|o| o.entries > 0) {
        for d in possible_duplicate_entries_since(tx.conn(), entries_before)? {
            found.push((d.first_id, Clash::LoggedTwice));
            found.push((d.second_id, Clash::LoggedTwice));
        }
    }
    for (entry_id, clash) in found {
        tx.note_clash(&entry_id, clash)?;
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn plan(store: &Store, sql: &str) -> String {
        store
            .read(|c| {
                let mut stmt = c.prepare(&format!("EXPLAIN QUERY PLAN {sql}"))?;
                let details = stmt.query_map([], |r| r.get::<_, String>(3))?;
                Ok(details.collect::<rusqlite::Result<Vec<_>>>()?.join("\n"))
            })
            .unwrap()
    }

    #[test]
    fn conflicts_and_possible_duplicates_are_found_from_indexes_without_reading_every_row() {
        let store = Store::open_in_memory().unwrap();
        crate::demo::generate(&store, 300, 2).unwrap();
        let conflicts = plan(&store, CONFLICTS);
        assert!(conflicts.contains("COVERING INDEX revision_by_parent"), "{conflicts}");
        assert!(!conflicts.lines().any(|l| l.starts_with("SCAN r")), "{conflicts}");
        let duplicates = plan(&store, POSSIBLE_DUPLICATES);
        assert!(duplicates.contains("COVERING INDEX patient_by_name"), "{duplicates}");
        assert!(duplicates.contains("SEARCH patient USING INDEX patient_by_name"), "{duplicates}");
        let since = plan(&store, &CONFLICTS_SINCE.replace("?1", "0"));
        assert!(since.contains("SEARCH revision USING INTEGER PRIMARY KEY (rowid>?)"), "{since}");
        let since = plan(&store, &POSSIBLE_DUPLICATE_ENTRIES_SINCE.replace("?1", "0"));
        assert!(since.contains("SEARCH n USING INTEGER PRIMARY KEY (rowid>?)"), "{since}");
        assert!(since.contains("SEARCH o USING INDEX entry_by_patient"), "{since}");
        let entries = plan(&store, POSSIBLE_DUPLICATE_ENTRIES);
        assert!(entries.contains("COVERING INDEX entry_by_patient"), "{entries}");
        assert!(!entries.lines().any(|l| l.starts_with("SCAN a") || l.starts_with("SCAN b")), "{entries}");
    }

    #[test]
    fn a_conflict_is_two_amendments_of_one_entry_from_one_version() {
        let store = Store::open_in_memory().unwrap();
        crate::demo::generate(&store, 50, 3).unwrap();
        assert_eq!(store.conflicts().unwrap(), vec![]);
        let (entry, other, parent): (String, String, String) = store
            .read(|c| {
                Ok(c.query_row(
                    "SELECT a.id, b.id, a.current_revision_id FROM entry a JOIN entry b ON b.id > a.id LIMIT 1",
                    [],
                    |r| Ok((r.get(0)?, r.get(1)?, r.get(2)?)),
                )?)
            })
            .unwrap();
        let amend = |id: &str, entry_id: &str| {
            store
                .read(|c| {
                    Ok(c.execute(
                        "INSERT INTO revision (id, entry_id, parent_id, recorded_at, recorded_by, workstation_id,
                                               occurred_at, summary)
                         SELECT ?1, ?2, r.id, r.recorded_at, r.recorded_by, r.workstation_id, r.occurred_at, 'x'
                         FROM revision r WHERE r.id = ?3",
                        [id, entry_id, &parent],
                    )?)
                })
                .unwrap()
        };
        // A revision of another entry naming this one's revision as its parent (only a damaged
        // file could hold one) is no conflict: each entry has one amendment of that version.
        amend("not-a-conflict", &other);
        assert_eq!(store.conflicts().unwrap(), vec![]);
        // One entry amended twice from the same version, apart: that is a conflict.
        amend("first-amendment", &entry);
        amend("second-amendment", &entry);
        let conflicts = store.conflicts().unwrap();
        assert_eq!(conflicts.len(), 1, "{conflicts:?}");
        assert_eq!((conflicts[0].entry_id.as_str(), conflicts[0].revisions), (entry.as_str(), 2));
    }
}
