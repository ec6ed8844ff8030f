//! The pieces of this PC's log put in the practice's shared folder (see `crate::sync`), and what this
//! PC remembers of what it has published and taken. A piece is a cutover file like an export, holding
//! only the rows added since an earlier piece (by each table's row number) and whatever those rows
//! refer to, so that it passes the whole check any file from another PC must pass before it is
//! merged (`check_for_damage`), and merges with the one merge.

use std::collections::BTreeMap;
use std::path::Path;

use chrono::{DateTime, Utc};
use rusqlite::{Connection, OptionalExtension, params};

use super::{Store, Tx};
use crate::domain::time;
use crate::error::{Error, Result};

/// Tables a piece takes the new rows of, by row number (`rowid`; `audit.seq` is its rowid). Rows of
/// these tables are only ever added, or changed only in what a merge works out again.
pub const SHARED_BY_ROW: &[&str] = &[
    "entry",
    "revision",
    "audit",
    "reentry_event",
    "patient",
    "import_file",
    "entry_source",
    "merge_file",
    "entry_renumbered",
];

/// Tables never put in a piece: this PC's own (drafts, its settings and sharing state), worked out
/// again on each PC (the queue's basis, the name-search index), or SQLite's. Every other table not
/// in `SHARED_BY_ROW` is small and is put in every piece whole (settings, workstations, staff, and
/// any table a later version adds, so that nothing is left behind by default).
const NOT_SHARED: &[&str] = &[
    "draft",
    "queue_basis",
    "local_setting",
    "share_published",
    "share_source",
    "export_info",
    "sqlite_sequence",
    "sqlite_stat1",
];

/// The highest row number of each table in `SHARED_BY_ROW`: what a piece has reached.
pub type Marks = BTreeMap<String, i64>;

/// One piece this PC has published: pieces `first..=seq` of series `epoch`, up to `marks`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Published {
    pub epoch: String,
    pub seq: i64,
    pub first: i64,
    pub marks: Marks,
    /// The piece's length in bytes.
    pub bytes: u64,
}

/// What this PC has taken from another PC's pieces, and when it last heard from it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SourceState {
    pub workstation_id: String,
    pub epoch: String,
    pub seq: i64,
    pub name: String,
    pub prefix: String,
    pub heard_at: Option<DateTime<Utc>>,
    pub entries_taken: i64,
}

/// One PC whose entries this log holds: for `info`, the report and the screens.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PcInLog {
    pub workstation_id: String,
    pub name: String,
    pub prefix: String,
    pub this_pc: bool,
    pub entries: i64,
    /// When a round last found its file in the shared folder (its own clock's time).
    pub heard_at: Option<DateTime<Utc>>,
}

/// What a piece says about itself, in its `export_info`.
#[derive(Debug, Clone)]
pub struct PieceLabel<'a> {
    pub epoch: &'a str,
    pub first: i64,
    pub seq: i64,
    pub made_at: DateTime<Utc>,
}

fn marks_of(conn: &Connection, schema: &str) -> rusqlite::Result<Marks> {
    let mut marks = Marks::new();
    for table in SHARED_BY_ROW {
        let max: i64 =
            conn.query_row(&format!("SELECT coalesce(max(rowid), 0) FROM {schema}.{table}"), [], |r| r.get(0))?;
        marks.insert((*table).to_string(), max);
    }
    Ok(marks)
}

/// The columns of `table` as the piece has them, to name in a copy (never `*`: the live file and the
/// piece have one schema, but naming them keeps a copy right whatever order they were added in).
fn columns(conn: &Connection, table: &str) -> rusqlite::Result<String> {
    let mut stmt = conn.prepare("SELECT name FROM pragma_table_info(?1, 'main') ORDER BY cid")?;
    let names: Vec<String> = stmt.query_map([table], |r| r.get(0))?.collect::<rusqlite::Result<_>>()?;
    Ok(names.iter().map(|n| format!("\"{n}\"")).collect::<Vec<_>>().join(", "))
}

impl Store {
    /// Where each shared table has reached now.
    pub fn share_marks(&self) -> Result<Marks> {
        self.read(|c| Ok(marks_of(c, "main")?))
    }

    /// The newest piece this PC has published, if any.
    pub fn last_published(&self) -> Result<Option<Published>> {
        self.read(|c| {
            Ok(c.query_row(
                "SELECT epoch, seq, first_seq, marks, bytes FROM share_published ORDER BY rowid DESC LIMIT 1",
                [],
                published_row,
            )
            .optional()?)
        })
    }

    /// Every PC this log knows, this one first, then by prefix: its entries (from the index by
    /// workstation alone) and when it was last heard from through the shared folder.
    pub fn pcs_in_log(&self) -> Result<Vec<PcInLog>> {
        self.read(|c| {
            let mut stmt = c.prepare(
                "SELECT w.id, coalesce(s.name, w.name), coalesce(s.prefix, w.prefix), w.is_local,
                        (SELECT count(*) FROM entry e WHERE e.workstation_id = w.id), s.heard_at
                 FROM workstation w LEFT JOIN share_source s ON s.workstation_id = w.id
                 ORDER BY w.is_local DESC, upper(coalesce(s.prefix, w.prefix)), w.name",
            )?;
            let rows = stmt.query_map([], |r| {
                let heard: Option<String> = r.get(5)?;
                Ok(PcInLog {
                    workstation_id: r.get(0)?,
                    name: r.get(1)?,
                    prefix: r.get(2)?,
                    this_pc: r.get(3)?,
                    entries: r.get(4)?,
                    heard_at: heard.as_deref().and_then(time::from_storage),
                })
            })?;
            Ok(rows.collect::<rusqlite::Result<Vec<_>>>()?)
        })
    }

    /// One piece this PC published: pieces `first` to `seq` (`first == seq` for a piece of its own).
    pub fn published(&self, epoch: &str, first: i64, seq: i64) -> Result<Option<Published>> {
        self.read(|c| {
            Ok(c.query_row(
                "SELECT epoch, seq, first_seq, marks, bytes FROM share_published
                 WHERE epoch = ?1 AND first_seq = ?2 AND seq = ?3",
                params![epoch, first, seq],
                published_row,
            )
            .optional()?)
        })
    }

    /// What this PC has taken from each other PC.
    pub fn share_sources(&self) -> Result<Vec<SourceState>> {
        self.read(|c| {
            let mut stmt = c.prepare(
                "SELECT workstation_id, epoch, seq, name, prefix, heard_at, entries_taken FROM share_source
                 ORDER BY prefix, name",
            )?;
            let rows = stmt.query_map([], |r| {
                let heard: Option<String> = r.get(5)?;
                Ok(SourceState {
                    workstation_id: r.get(0)?,
                    epoch: r.get(1)?,
                    seq: r.get(2)?,
                    name: r.get(3)?,
                    prefix: r.get(4)?,
                    heard_at: heard.as_deref().and_then(time::from_storage),
                    entries_taken: r.get(6)?,
                })
            })?;
            Ok(rows.collect::<rusqlite::Result<Vec<_>>>()?)
        })
    }

    /// Writes a piece to `dest` (which must not exist): every row added after `from` up to now (or
    /// up to `upto`), with all it refers to, read in one snapshot of this database. Returns where
    /// it reached.
    /// The file is complete, checked by SQLite and on the disk when this returns.
    pub fn write_piece(&self, dest: &Path, label: &PieceLabel, from: &Marks, upto: Option<&Marks>) -> Result<Marks> {
        let at = |e: rusqlite::Error| Error::Sqlite(e).at(dest);
        crate::files::create_private(dest, crate::files::Existing::Refuse).map_err(|e| Error::file(dest, e))?;
        let mut conn = Connection::open(dest).map_err(at)?;
        super::cipher::unlock(&conn, self.key.as_ref()).map_err(at)?;
        if self.key.is_none() {
            // Small pages: a piece is mostly empty tables, each at least a page. (An encrypted
            // file keeps SQLCipher's page size, which every reader assumes.)
            conn.pragma_update(None, "page_size", 1024).map_err(at)?;
        }
        super::migrate::migrate(&mut conn).map_err(|e| e.at(dest))?;
        // What the rows refer to is checked whole when the piece is read, not row by row as it is made.
        conn.pragma_update(None, "foreign_keys", false).map_err(at)?;
        super::cipher::attach(&conn, &super::open::file_uri(&self.path, "mode=ro"), "live", self.key.as_ref())
            .map_err(|e| Error::Sqlite(e).at(&self.path))?;
        let marks = fill_piece(&conn, from, upto, label).map_err(at);
        let detached = conn.execute_batch("DETACH DATABASE live").map_err(at);
        let marks = marks?;
        detached?;
        let ok: String = conn.query_row("PRAGMA quick_check", [], |r| r.get(0)).map_err(at)?;
        if ok != "ok" {
            return Err(Error::Corrupt { path: dest.to_path_buf(), detail: ok });
        }
        conn.close().map_err(|(_, e)| at(e))?;
        crate::files::flush_to_disk(dest).map_err(|e| Error::file(dest, e))?;
        Ok(marks)
    }
}

fn published_row(r: &rusqlite::Row) -> rusqlite::Result<Published> {
    let marks: String = r.get(3)?;
    Ok(Published {
        epoch: r.get(0)?,
        seq: r.get(1)?,
        first: r.get(2)?,
        marks: serde_json::from_str(&marks).unwrap_or_default(),
        bytes: r.get::<_, i64>(4)?.try_into().unwrap_or(0),
    })
}

/// The piece's rows, in one read of the live database (attached as `live`).
fn fill_piece(conn: &Connection, from: &Marks, upto: Option<&Marks>, label: &PieceLabel) -> rusqlite::Result<Marks> {
    conn.execute_batch("BEGIN")?;
    let result = (|| {
        let to = match upto {
            Some(upto) => upto.clone(),
            None => marks_of(conn, "live")?,
        };
        let range = |table: &str| (from.get(table).copied().unwrap_or(0), to.get(table).copied().unwrap_or(0));
        let copy = |table: &str, filter: &str, args: &[i64]| -> rusqlite::Result<usize> {
            let cols = columns(conn, table)?;
            conn.execute(
                &format!("INSERT OR IGNORE INTO main.{table} ({cols}) SELECT {cols} FROM live.{table} WHERE {filter}"),
                rusqlite::params_from_iter(args),
            )
        };
        conn.execute_batch("CREATE TEMP TABLE piece_entry (id TEXT PRIMARY KEY)")?;
        // The entries the piece is about: new ones, and those with a new revision, re-entry change,
        // source line or renumbering.
        for (table, column) in [
            ("entry", "id"),
            ("revision", "entry_id"),
            ("reentry_event", "entry_id"),
            ("entry_source", "entry_id"),
            ("entry_renumbered", "entry_id"),
        ] {
            let (lo, hi) = range(table);
            conn.execute(
                &format!("INSERT OR IGNORE INTO temp.piece_entry SELECT {column} FROM live.{table} WHERE rowid > ?1 AND rowid <= ?2"),
                [lo, hi],
            )?;
        }
        // Each such entry whole: all its revisions (its current one and those it was amended
        // from) and its audit trail, which every revision must have.
        copy("revision", "entry_id IN (SELECT id FROM temp.piece_entry)", &[])?;
        copy("entry", "id IN (SELECT id FROM temp.piece_entry)", &[])?;
        // Each condition its own statement: an OR of a row range and a look-up reads the whole table.
        let (lo, hi) = range("audit");
        copy("audit", "rowid > ?1 AND rowid <= ?2", &[lo, hi])?;
        copy("audit", "subject IN (SELECT id FROM temp.piece_entry)", &[])?;
        for table in ["reentry_event", "entry_source", "merge_file", "entry_renumbered"] {
            let (lo, hi) = range(table);
            copy(table, "rowid > ?1 AND rowid <= ?2", &[lo, hi])?;
        }
        let (lo, hi) = range("import_file");
        copy("import_file", "rowid > ?1 AND rowid <= ?2", &[lo, hi])?;
        copy("import_file", "id IN (SELECT import_id FROM main.entry_source)", &[])?;
        // Patients: new ones, those the piece's rows are about (a change to a patient is audited
        // with the patient as its subject), and any they were joined into.
        let (lo, hi) = range("patient");
        copy("patient", "rowid > ?1 AND rowid <= ?2", &[lo, hi])?;
        copy(
            "patient",
            "id IN (SELECT patient_id FROM main.revision UNION SELECT patient_id FROM main.entry
                    UNION SELECT subject FROM main.audit)",
            &[],
        )?;
        while copy(
            "patient",
            "id IN (SELECT joined_into FROM main.patient) AND id NOT IN (SELECT id FROM main.patient)",
            &[],
        )? > 0
        {}
        // Small tables whole: settings, workstations, staff, and any table this code does not name.
        let whole: Vec<String> = {
            let mut stmt = conn.prepare(
                "SELECT name FROM main.sqlite_master WHERE type = 'table' AND name NOT LIKE 'sqlite_%'
                 AND name NOT LIKE 'patient_name_search%' ORDER BY name",
            )?;
            let names: Vec<String> = stmt.query_map([], |r| r.get(0))?.collect::<rusqlite::Result<_>>()?;
            names
                .into_iter()
                .filter(|n| !SHARED_BY_ROW.contains(&n.as_str()) && !NOT_SHARED.contains(&n.as_str()))
                .collect()
        };
        for table in whole {
            copy(&table, "true", &[])?;
        }
        conn.execute_batch("DROP TABLE temp.piece_entry")?;
        label_piece(conn, label)?;
        Ok(to)
    })();
    match result {
        Ok(to) => {
            conn.execute_batch("COMMIT")?;
            Ok(to)
        }
        Err(e) => {
            let _ = conn.execute_batch("ROLLBACK");
            Err(e)
        }
    }
}

/// What the piece is, for a person who finds it, and its digest over everything, last.
fn label_piece(conn: &Connection, label: &PieceLabel) -> rusqlite::Result<()> {
    conn.execute_batch("CREATE TABLE main.export_info (key TEXT PRIMARY KEY, value TEXT NOT NULL) STRICT;")?;
    let workstation: (String, String, String) =
        conn.query_row("SELECT id, name, prefix FROM main.workstation WHERE is_local = 1", [], |r| {
            Ok((r.get(0)?, r.get(1)?, r.get(2)?))
        })?;
    let rows: Vec<(&str, String)> = vec![
        (
            "format",
            "cutover shared piece: part of one PC's log in the practice's shared folder, read by `cutover sync`".into(),
        ),
        ("program_version", env!("CARGO_PKG_VERSION").into()),
        ("schema_version", super::LATEST_VERSION.to_string()),
        ("exported_at", time::to_storage(label.made_at)),
        ("workstation_id", workstation.0),
        ("workstation_name", workstation.1),
        ("workstation_prefix", workstation.2),
        ("share_epoch", label.epoch.to_string()),
        ("share_first", label.first.to_string()),
        ("share_seq", label.seq.to_string()),
    ];
    let mut stmt = conn.prepare("INSERT INTO main.export_info (key, value) VALUES (?1, ?2)")?;
    for (k, v) in rows {
        stmt.execute(params![k, v])?;
    }
    stmt.execute(params![super::digest::KEY, super::digest::content_digest(conn)?])?;
    Ok(())
}

impl Tx<'_> {
    /// Remembers a piece this PC has put in the shared folder.
    pub fn record_published(&self, piece: &Published) -> Result<()> {
        self.exec(
            "INSERT INTO share_published (epoch, seq, first_seq, marks, bytes, published_at) VALUES (?1, ?2, ?3, ?4, ?5, ?6)
             ON CONFLICT (epoch, first_seq, seq) DO UPDATE SET marks = excluded.marks, bytes = excluded.bytes,
                                                               published_at = excluded.published_at",
            params![
                piece.epoch,
                piece.seq,
                piece.first,
                serde_json::to_string(&piece.marks).unwrap_or_default(),
                i64::try_from(piece.bytes).unwrap_or(i64::MAX),
                time::to_storage(self.now())
            ],
        )?;
        // Earlier series are never continued: a new series starts from a piece holding everything.
        self.exec("DELETE FROM share_published WHERE epoch <> ?1", [&piece.epoch])?;
        Ok(())
    }

    /// Remembers what has been taken from another PC, in the transaction that took it.
    pub fn record_source(&self, state: &SourceState) -> Result<()> {
        self.exec(
            "INSERT INTO share_source (workstation_id, epoch, seq, name, prefix, heard_at, entries_taken)
             VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7)
             ON CONFLICT (workstation_id) DO UPDATE SET epoch = excluded.epoch, seq = excluded.seq, name = excluded.name,
                 prefix = excluded.prefix, heard_at = excluded.heard_at, entries_taken = excluded.entries_taken",
            params![
                state.workstation_id,
                state.epoch,
                state.seq,
                state.name,
                state.prefix,
                state.heard_at.map(time::to_storage),
                state.entries_taken
            ],
        )?;
        Ok(())
    }
}
