//! Clashes between PCs found by a merge or a sharing round, kept on this PC until someone here
//! looks at the entry: one row of `local_setting` an entry (`clash:<entry id>`, the clashes' names
//! as a JSON array), so that they are never shared, and the home screen can count them.

use rusqlite::params;

use super::{Store, Tx};
use crate::domain::clash::{Clash, simplified};
use crate::error::Result;

/// Where the clashes of an entry are kept: `clash:` and its id. Keys from `clash:` up to the next
/// character (`;`) are read as one range of the primary key.
const KEY: &str = "clash:";
const KEYS_END: &str = "clash;";

/// An entry with clashes no one here has looked at yet.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct NotedClash {
    pub entry_id: String,
    /// Its reference now (after any renumbering).
    pub reference: String,
    pub clashes: Vec<Clash>,
}

fn names(value: &str) -> Vec<Clash> {
    serde_json::from_str::<Vec<String>>(value).unwrap_or_default().iter().filter_map(|n| Clash::parse(n)).collect()
}

impl Tx<'_> {
    /// Notes that `clash` was found for the entry, for someone here to look at.
    pub fn note_clash(&self, entry_id: &str, clash: Clash) -> Result<()> {
        let key = format!("{KEY}{entry_id}");
        let before = self.local_setting(&key)?.map(|v| names(&v)).unwrap_or_default();
        let after = simplified(before.iter().copied().chain([clash]));
        if after != before {
            let value = serde_json::Value::from(after.iter().map(|c| c.name()).collect::<Vec<_>>()).to_string();
            self.set_local_setting(&key, &value)?;
        }
        Ok(())
    }
}

impl Store {
    /// The entries with clashes found here that no one here has looked at, in reference order.
    pub fn clashes_to_look_at(&self) -> Result<Vec<NotedClash>> {
        self.read(|c| {
            let mut stmt = c.prepare_cached(
                "SELECT e.id, e.ref, s.value FROM local_setting s JOIN entry e ON e.id = substr(s.key, 7)
                 WHERE s.key >= ?1 AND s.key < ?2 ORDER BY e.ref",
            )?;
            let rows = stmt.query_map(params![KEY, KEYS_END], |r| {
                Ok(NotedClash { entry_id: r.get(0)?, reference: r.get(1)?, clashes: names(&r.get::<_, String>(2)?) })
            })?;
            Ok(rows.collect::<rusqlite::Result<Vec<_>>>()?.into_iter().filter(|n| !n.clashes.is_empty()).collect())
        })
    }

    /// Someone here has looked at the entry (opened it on a screen): its clashes are no longer
    /// counted. Writes only when there were any; says whether there were.
    pub fn looked_at(&self, entry_id: &str) -> Result<bool> {
        let key = format!("{KEY}{entry_id}");
        if self.read_only.is_some() || self.local_setting(&key)?.is_none() {
            return Ok(false);
        }
        self.write(|tx| tx.clear_local_setting(&key))?;
        Ok(true)
    }

    /// The other entries that look like this one logged again on another PC: the same kind,
    /// patient, time and summary, neither voided (as `possible_duplicate_entries` finds them).
    pub fn possible_duplicates_of(&self, entry_id: &str) -> Result<Vec<String>> {
        self.read(|c| {
            let mut stmt = c.prepare_cached(
                "SELECT o.ref FROM entry n JOIN entry o ON o.patient_id = n.patient_id AND o.occurred_at = n.occurred_at
                 WHERE n.id = ?1 AND o.id <> n.id AND o.kind = n.kind AND o.summary = n.summary
                   AND o.workstation_id <> n.workstation_id AND n.voided = 0 AND o.voided = 0
                 ORDER BY o.ref",
            )?;
            let rows = stmt.query_map([entry_id], |r| r.get(0))?;
            Ok(rows.collect::<rusqlite::Result<Vec<_>>>()?)
        })
    }
}
