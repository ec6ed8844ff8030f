//! What only the demo generator needs from the store.

use rusqlite::params;

use super::Tx;
use crate::domain::time;
use crate::error::Result;

impl Tx<'_> {
    /// In a file that holds nothing yet but its own workstation, gives that workstation an id from
    /// the seeded ids (`use_seeded_ids`) and the transaction's time as its creation time, so that one
    /// seed makes the same database, ids included, in every file. In a file that already holds
    /// anything (staff, settings, patients, entries, audit), rows may refer to the current id, so it
    /// is left as it is. Returns the local workstation's id, new or not.
    pub fn reseed_local_workstation(&self) -> Result<String> {
        let current: String =
            self.conn().query_row("SELECT id FROM workstation WHERE is_local = 1", [], |r| r.get(0))?;
        let in_use: bool = self.conn().query_row(
            "SELECT EXISTS (SELECT 1 FROM entry) OR EXISTS (SELECT 1 FROM revision)
                 OR EXISTS (SELECT 1 FROM patient) OR EXISTS (SELECT 1 FROM staff)
                 OR EXISTS (SELECT 1 FROM setting) OR EXISTS (SELECT 1 FROM audit)
                 OR EXISTS (SELECT 1 FROM workstation WHERE is_local = 0)",
            [],
            |r| r.get(0),
        )?;
        if in_use {
            return Ok(current);
        }
        let id = self.new_id();
        self.exec(
            "UPDATE workstation SET id = ?1, created_at = ?2 WHERE is_local = 1",
            params![id, time::to_storage(self.now())],
        )?;
        Ok(id)
    }
}
