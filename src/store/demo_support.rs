//! What only the demo generator needs from the store.

use rusqlite::params;

use super::{Store, Tx};
use crate::domain::time;
use crate::error::Result;

impl Tx<'_> {
    /// In a file that holds nothing yet but its own workstation, gives that workstation an id from
    /// the seeded ids (`use_seeded_ids`) and the transaction's time as its creation time, so that one
    /// seed makes the same database, ids included, in every file. In a file that already holds
    /// anything (staff, settings, patients, entries, drafts, audit…), rows may refer to the current
    /// id, so it is left as it is. Returns the local workstation's id, new or not.
    pub fn reseed_local_workstation(&self) -> Result<String> {
        let current: String =
            self.conn().query_row("SELECT id FROM workstation WHERE is_local = 1", [], |r| r.get(0))?;
        // Every table that refers to a workstation, whatever later migrations add, and those that
        // say the file has been set up.
        let mut tables: Vec<String> = self
            .conn()
            .prepare(
                "SELECT DISTINCT m.name FROM sqlite_master m, pragma_foreign_key_list(m.name) f
                 WHERE m.type = 'table' AND f.\"table\" = 'workstation'",
            )?
            .query_map([], |r| r.get(0))?
            .collect::<rusqlite::Result<_>>()?;
        tables.extend(["entry", "revision", "staff", "setting", "audit"].map(String::from));
        let mut in_use: bool =
            self.conn().query_row("SELECT EXISTS (SELECT 1 FROM workstation WHERE is_local = 0)", [], |r| r.get(0))?;
        for table in &tables {
            let sql = format!("SELECT EXISTS (SELECT 1 FROM \"{}\")", table.replace('"', "\"\""));
            in_use = in_use || self.conn().query_row(&sql, [], |r| r.get::<_, bool>(0))?;
        }
        if in_use {
            return Ok(current);
        }
        let id = self.new_random_id().to_string();
        self.exec(
            "UPDATE workstation SET id = ?1, created_at = ?2 WHERE is_local = 1",
            params![id, time::to_storage(self.now())],
        )?;
        Ok(id)
    }
}

impl Store {
    /// Runs `f` with SQLite's page cache raised to `mib` MiB and its temporary files (statement
    /// journals) kept in memory, then puts both back. One transaction that writes far more than the
    /// default 2 MiB cache (the demo's 100,000 entries) would otherwise spill pages to the WAL and read
    /// them back, and every statement in it would copy the pages it changes to a journal on disk.
    pub fn with_bulk_cache<T>(&self, mib: i64, f: impl FnOnce() -> Result<T>) -> Result<T> {
        let (cache, temp_store): (i64, i64) = self.read(|c| {
            let cache = c.query_row("PRAGMA cache_size", [], |r| r.get(0))?;
            let temp_store = c.query_row("PRAGMA temp_store", [], |r| r.get(0))?;
            Ok((cache, temp_store))
        })?;
        self.read(|c| {
            c.pragma_update(None, "cache_size", -mib.saturating_mul(1024))?;
            c.pragma_update(None, "temp_store", "MEMORY")?;
            Ok(())
        })?;
        let result = f();
        let restored = self.read(|c| {
            c.pragma_update(None, "cache_size", cache)?;
            c.pragma_update(None, "temp_store", temp_store)?;
            Ok(())
        });
        let value = result?;
        restored?;
        Ok(value)
    }
}
