//! The only module that speaks SQL: opening the database safely, and typed reads and writes.

mod audit;
mod backup;
mod check;
mod cipher;
mod clashes;
mod demo_support;
mod digest;
mod drafts;
mod entries;
mod import;
mod merge;
mod migrate;
mod open;
mod patients;
mod queue;
mod report;
mod runbook;
mod settings;
mod share;
mod staff;
mod workstation;

use std::path::{Path, PathBuf};

use chrono::{DateTime, Utc};
use rusqlite::{Connection, Transaction, TransactionBehavior};

use crate::config::DatabaseLocation;
use crate::error::{Error, Result};

pub use backup::{
    ExportLabel, LastChange, SinceCopy, copy_file, last_change_in, remove_stale_partials, reseal, since_copy,
};
pub use check::Finding;
pub use cipher::Passphrase;
pub use clashes::NotedClash;
pub use drafts::Draft;
pub use entries::{EntryHeader, EntryRow, ListFilter, RecentEntry, Revision, SavedEntry};
pub use import::{EarlierImport, ImportKind, ListConflict, ListOutcome, ListPatient};
pub use merge::{
    Conflict, DuplicateEntries, MergeOutcome, MergeSource, ReentryChange, ReentryClash, VoidStanding, check_for_damage,
    inspect as inspect_merge_source,
};
pub use migrate::{APPLICATION_ID, LATEST_VERSION};
pub use open::OpenMode;
pub use patients::{
    DuplicatePair, JoinOutcome, PATIENT_DETAILS, Patient, PatientCheck, PatientMatches, ResolvedPatient,
};
pub use queue::{
    CurrentState, ItemFacts, NewReentryEvent, OpenRegistration, PlacedCount, PlacedSelect, Placement, QueryThread,
    QueueBatch, QueueDetail, QueueRow, QueueScope, ReentryAction, ReentryEvent, ReentryState, ReentryStatus, Remark,
    Replayed, replay,
};
pub use report::ReportCounts;
pub use runbook::{
    AddedService, Callback, Callbacks, Drawn, PlanVersion, RecheckPatient, RecheckSample, RunbookEvent, RunbookRows,
    Signoff, Ticked,
};
pub use settings::{Settings, key as settings_key};
pub use share::{Marks, PcInLog, PieceLabel, Published, SourceState};
pub use staff::{Role, StaffMember};
pub use workstation::{Home, MovedFrom, NewIdentity, Renumbered, Workstation};

/// Who is writing, and on which machine: recorded with every change.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Actor {
    /// `None` only while setting up a database that has no staff yet.
    pub staff_id: Option<String>,
    pub workstation_id: String,
}

/// An open cutover database.
pub struct Store {
    conn: Connection,
    path: PathBuf,
    /// Set when the file or its folder cannot be written: writes are refused before they start.
    read_only: Option<Error>,
    /// The passphrase the file was opened with: `None` for a plain (unencrypted) database. Every
    /// copy made of it is encrypted with the same one.
    key: Option<Passphrase>,
}

impl Store {
    pub fn open(location: &DatabaseLocation, mode: OpenMode) -> Result<Store> {
        open::open(location, mode).map_err(|e| e.at(&location.path))
    }

    /// A private database for tests: same schema and rules, nothing on disk.
    pub fn open_in_memory() -> Result<Store> {
        let mut conn = Connection::open_in_memory()?;
        conn.pragma_update(None, "foreign_keys", true)?;
        migrate::migrate(&mut conn)?;
        let store = Store { conn, path: PathBuf::from(":memory:"), read_only: None, key: None };
        store.write_at(Utc::now(), |tx| tx.ensure_local_workstation().map(|_| ()))?;
        Ok(store)
    }

    pub fn path(&self) -> &Path {
        &self.path
    }

    /// Whether the file is encrypted with the practice's passphrase.
    pub fn is_encrypted(&self) -> bool {
        self.key.is_some()
    }

    /// The passphrase the file was opened with, for another connection to it (the rolling backups').
    pub fn passphrase(&self) -> Option<&Passphrase> {
        self.key.as_ref()
    }

    /// Runs `f` in one write transaction (begun IMMEDIATE, so a second writer waits rather than
    /// deadlocks). Committed only if `f` succeeds; dropped, it rolls back.
    pub fn write<T>(&self, f: impl FnOnce(&Tx) -> Result<T>) -> Result<T> {
        self.write_at(crate::config::now(), f)
    }

    /// `write` with the transaction's clock injected.
    pub fn write_at<T>(&self, now: DateTime<Utc>, f: impl FnOnce(&Tx) -> Result<T>) -> Result<T> {
        self.check_writable()?;
        let run = || -> Result<T> {
            let tx = Transaction::new_unchecked(&self.conn, TransactionBehavior::Immediate)?;
            let wrapped = Tx { tx, now: now.into(), seeded_ids: None.into() };
            let value = f(&wrapped)?;
            crate::queue::placement::keep_in_order(&wrapped)?;
            let committing = std::time::Instant::now();
            wrapped.tx.commit()?;
            tracing::debug!(ms = committing.elapsed().as_millis(), "committed");
            Ok(value)
        };
        run().map_err(|e| e.at(&self.path))
    }

    /// Runs `f` in a transaction that is always rolled back: to ask whether a change would be
    /// allowed, through the same reads the change makes, without making it. Takes no write lock.
    pub fn trial<T>(&self, now: DateTime<Utc>, f: impl FnOnce(&Tx) -> Result<T>) -> Result<T> {
        let run = || -> Result<T> {
            let tx = Transaction::new_unchecked(&self.conn, TransactionBehavior::Deferred)?;
            let wrapped = Tx { tx, now: now.into(), seeded_ids: None.into() };
            f(&wrapped)
        };
        run().map_err(|e| e.at(&self.path))
    }

    fn check_writable(&self) -> Result<()> {
        match &self.read_only {
            Some(refusal) => Err(refusal.read_only_again().unwrap_or_else(|| Error::ReadOnlyFile(self.path.clone()))),
            None => Ok(()),
        }
    }

    /// Reads with a raw error placed at this file.
    /// Runs `f`'s reads as one snapshot of the file: a write another window commits meanwhile is
    /// seen whole or not at all, never between two of the reads.
    pub fn snapshot<T>(&self, f: impl FnOnce() -> Result<T>) -> Result<T> {
        if !self.conn.is_autocommit() {
            return f();
        }
        self.conn.execute_batch("BEGIN DEFERRED").map_err(|e| Error::from(e).at(&self.path))?;
        let out = f();
        // Only reads were made: ending the transaction cannot lose anything.
        let _ = self.conn.execute_batch("COMMIT");
        out
    }

    fn read<T>(&self, f: impl FnOnce(&Connection) -> Result<T>) -> Result<T> {
        f(&self.conn).map_err(|e| e.at(&self.path))
    }
}

/// One write transaction. Every typed write lives on this type.
pub struct Tx<'a> {
    tx: Transaction<'a>,
    now: std::cell::Cell<DateTime<Utc>>,
    /// Set by the demo generator so that the same seed makes the same ids.
    seeded_ids: std::cell::RefCell<Option<rand_chacha::ChaCha8Rng>>,
}

impl Tx<'_> {
    pub fn now(&self) -> DateTime<Utc> {
        self.now.get()
    }

    /// Moves the transaction's clock: for generating data as if typed over time.
    pub fn set_now(&self, now: DateTime<Utc>) {
        self.now.set(now);
    }

    /// From now on, ids come from this seed rather than from the system's randomness.
    pub fn use_seeded_ids(&self, seed: u64) {
        use rand::SeedableRng;
        *self.seeded_ids.borrow_mut() = Some(rand_chacha::ChaCha8Rng::seed_from_u64(seed));
    }

    /// A new UUID for a row: time-ordered (version 7: the transaction's time to the millisecond,
    /// then 74 random bits), so that a new row goes at the end of each index keyed by id rather
    /// than anywhere in it, and a merge inserts each file's rows in runs instead of one by one.
    fn new_id(&self) -> String {
        let mut random = [0u8; 10];
        self.fill_random(&mut random);
        let millis = u64::try_from(self.now().timestamp_millis()).unwrap_or(0);
        uuid::Builder::from_unix_timestamp_millis(millis, &random).into_uuid().to_string()
    }

    /// A new random UUID (version 4): a workstation's, whose first bytes make its default prefix.
    fn new_random_id(&self) -> uuid::Uuid {
        let mut bytes = [0u8; 16];
        self.fill_random(&mut bytes);
        uuid::Builder::from_random_bytes(bytes).into_uuid()
    }

    fn fill_random(&self, bytes: &mut [u8]) {
        use rand::RngCore;
        match self.seeded_ids.borrow_mut().as_mut() {
            Some(rng) => rng.fill_bytes(bytes),
            None => {
                // The system's randomness, as `uuid` draws it: the bytes of a version 4 UUID that
                // hold neither its version nor its variant.
                for chunk in bytes.chunks_mut(13) {
                    let v4 = *uuid::Uuid::new_v4().as_bytes();
                    chunk.iter_mut().zip(v4[..6].iter().chain(&v4[9..])).for_each(|(b, random)| *b = *random);
                }
            }
        }
    }

    fn conn(&self) -> &Connection {
        &self.tx
    }

    /// Runs `f` so that if it fails, what it wrote is undone and the rest of the transaction stands.
    /// The error comes back either way; `is_open` then says whether the transaction survived it.
    pub fn undo_on_error<T>(&self, f: impl FnOnce(&Tx) -> Result<T>) -> Result<T> {
        self.conn().execute_batch("SAVEPOINT undo_on_error")?;
        match f(self) {
            Ok(value) => {
                self.conn().execute_batch("RELEASE undo_on_error")?;
                Ok(value)
            }
            Err(e) => {
                // After a full disk or an I/O error SQLite may have rolled the whole transaction back:
                // then there is no savepoint left to return to.
                if self.is_open() {
                    let _ = self.conn().execute_batch("ROLLBACK TO undo_on_error; RELEASE undo_on_error");
                }
                Err(e)
            }
        }
    }

    /// Whether the transaction is still open: SQLite ends it by itself after some failures.
    pub fn is_open(&self) -> bool {
        !self.conn().is_autocommit()
    }

    /// Runs one statement, prepared once per connection: saves repeat the same few statements.
    fn exec(&self, sql: &str, params: impl rusqlite::Params) -> rusqlite::Result<usize> {
        self.tx.prepare_cached(sql)?.execute(params)
    }
}

/// The flag names as the store keeps them: each between spaces, so one can be matched exactly.
fn flags_to_column(flags: &[crate::domain::fields::Flag]) -> String {
    if flags.is_empty() {
        return String::new();
    }
    let mut out = String::from(" ");
    for f in flags {
        out.push_str(f.name());
        out.push(' ');
    }
    out
}

fn flags_from_column(column: &str) -> Vec<crate::domain::fields::Flag> {
    let mut flags: Vec<_> =
        column.split_whitespace().filter_map(|name| crate::domain::fields::Flag::parse(name).ok()).collect();
    flags.sort();
    flags
}

#[cfg(test)]
mod tests {
    use super::*;
    use chrono::TimeZone;

    #[test]
    fn row_ids_follow_the_time_they_were_made_and_never_repeat() {
        let store = Store::open_in_memory().unwrap();
        let at = |minute| Utc.with_ymd_and_hms(2026, 11, 21, 9, minute, 0).unwrap();
        let earlier: Vec<String> = store.write_at(at(0), |tx| Ok((0..100).map(|_| tx.new_id()).collect())).unwrap();
        let later = store.write_at(at(1), |tx| Ok(tx.new_id())).unwrap();
        for id in &earlier {
            let parsed = uuid::Uuid::parse_str(id).unwrap();
            assert_eq!(parsed.get_version_num(), 7, "{id}");
            assert!(*id < later, "{id} is not before {later}");
        }
        let distinct: std::collections::HashSet<&String> = earlier.iter().collect();
        assert_eq!(distinct.len(), earlier.len());
        // The same time, to the millisecond: the first 12 hex digits.
        let millis = at(0).timestamp_millis() as u64;
        assert_eq!(earlier[0].replace('-', "")[..12], format!("{millis:012x}"));
    }
}
