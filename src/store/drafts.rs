//! Drafts: forms autosaved as they are typed, offered back after a crash or a closed terminal.

use rusqlite::{OptionalExtension, params};

use super::{Store, Tx};
use crate::domain::time;
use crate::error::Result;

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Draft {
    pub id: String,
    pub staff_id: Option<String>,
    pub kind: String,
    /// The form as typed, as the UI wrote it (JSON).
    pub body: String,
    pub saved_at: String,
}

impl Store {
    /// This workstation's drafts, most recently saved first.
    pub fn drafts(&self) -> Result<Vec<Draft>> {
        let workstation = self.local_workstation()?.id;
        self.read(|c| {
            let mut stmt = c.prepare(
                "SELECT id, staff_id, kind, body, saved_at FROM draft WHERE workstation_id = ?1 ORDER BY saved_at DESC",
            )?;
            let rows = stmt.query_map([workstation], |r| {
                Ok(Draft { id: r.get(0)?, staff_id: r.get(1)?, kind: r.get(2)?, body: r.get(3)?, saved_at: r.get(4)? })
            })?;
            Ok(rows.collect::<rusqlite::Result<Vec<_>>>()?)
        })
    }
}

impl Tx<'_> {
    /// Saves (or replaces) a draft. Committed like any save, so it survives a crash.
    pub fn save_draft(&self, id: &str, staff_id: Option<&str>, kind: &str, body: &str) -> Result<()> {
        let workstation: String =
            self.conn().query_row("SELECT id FROM workstation WHERE is_local = 1", [], |r| r.get(0))?;
        let now = time::to_storage(self.now());
        self.exec(
            "INSERT INTO draft (id, workstation_id, staff_id, kind, body, started_at, saved_at)
             VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?6)
             ON CONFLICT (id) DO UPDATE SET staff_id = excluded.staff_id, kind = excluded.kind,
                                            body = excluded.body, saved_at = excluded.saved_at",
            params![id, workstation, staff_id, kind, body, now],
        )?;
        Ok(())
    }

    /// Removes a draft once its entry is saved, or when someone chose to discard it.
    pub fn remove_draft(&self, id: &str) -> Result<bool> {
        let existed: Option<i64> =
            self.conn().query_row("SELECT 1 FROM draft WHERE id = ?1", [id], |r| r.get(0)).optional()?;
        self.exec("DELETE FROM draft WHERE id = ?1", [id])?;
        Ok(existed.is_some())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_draft_is_saved_replaced_and_removed() {
        let store = Store::open_in_memory().unwrap();
        store.write(|tx| tx.save_draft("d1", None, "note", r#"{"summary":"half"}"#)).unwrap();
        store.write(|tx| tx.save_draft("d1", None, "note", r#"{"summary":"half typed"}"#)).unwrap();
        let drafts = store.drafts().unwrap();
        assert_eq!(drafts.len(), 1);
        assert_eq!(drafts[0].body, r#"{"summary":"half typed"}"#);
        assert!(store.write(|tx| tx.remove_draft("d1")).unwrap());
        assert!(store.drafts().unwrap().is_empty());
    }
}
