//! Drafts: forms autosaved as they are typed, offered back after a crash or a closed terminal —
//! but never while another window is still editing one.

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

/// How long a window's hold on its draft lasts without being renewed. The window renews it well
/// within this while the form is open, so a hold lapses only when its window has gone; short, so
/// that after a crash the draft is offered back within seconds.
pub const DRAFT_HOLD: chrono::Duration = chrono::Duration::seconds(20);

impl Store {
    /// This workstation's drafts that no window is editing at `now`, most recently saved first.
    pub fn drafts(&self) -> Result<Vec<Draft>> {
        self.drafts_free_at(crate::config::now())
    }

    /// `drafts`, with the clock given.
    pub fn drafts_free_at(&self, now: chrono::DateTime<chrono::Utc>) -> Result<Vec<Draft>> {
        let workstation = self.local_workstation()?.id;
        self.read(|c| {
            let mut stmt = c.prepare(
                "SELECT id, staff_id, kind, body, saved_at FROM draft
                 WHERE workstation_id = ?1 AND (held_until IS NULL OR held_until < ?2)
                 ORDER BY saved_at DESC",
            )?;
            let rows = stmt.query_map(params![workstation, time::to_storage(now)], |r| {
                Ok(Draft { id: r.get(0)?, staff_id: r.get(1)?, kind: r.get(2)?, body: r.get(3)?, saved_at: r.get(4)? })
            })?;
            Ok(rows.collect::<rusqlite::Result<Vec<_>>>()?)
        })
    }
}

impl Tx<'_> {
    /// Saves (or replaces) a draft, held by `window` for `DRAFT_HOLD` (or let go, with `None`,
    /// as the window closes). Committed like any save, so it survives a crash.
    pub fn save_draft(
        &self,
        id: &str,
        staff_id: Option<&str>,
        kind: &str,
        body: &str,
        window: Option<&str>,
    ) -> Result<()> {
        let workstation: String =
            self.conn().query_row("SELECT id FROM workstation WHERE is_local = 1", [], |r| r.get(0))?;
        let now = time::to_storage(self.now());
        let held_until = window.map(|_| time::to_storage(self.now() + DRAFT_HOLD));
        self.exec(
            "INSERT INTO draft (id, workstation_id, staff_id, kind, body, started_at, saved_at, held_by, held_until)
             VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?6, ?7, ?8)
             ON CONFLICT (id) DO UPDATE SET staff_id = excluded.staff_id, kind = excluded.kind,
                                            body = excluded.body, saved_at = excluded.saved_at,
                                            held_by = excluded.held_by, held_until = excluded.held_until",
            params![id, workstation, staff_id, kind, body, now, window, held_until],
        )?;
        Ok(())
    }

    /// Takes a draft for `window` to carry on with, if no other window holds it now.
    /// `false`: another window is editing it (or it was saved or discarded meanwhile).
    pub fn take_draft(&self, id: &str, window: &str) -> Result<bool> {
        let now = self.now();
        let taken = self.conn().execute(
            "UPDATE draft SET held_by = ?2, held_until = ?3
             WHERE id = ?1 AND (held_until IS NULL OR held_until < ?4 OR held_by = ?2)",
            params![id, window, time::to_storage(now + DRAFT_HOLD), time::to_storage(now)],
        )?;
        Ok(taken == 1)
    }

    /// Whether a draft is still kept.
    pub fn draft_exists(&self, id: &str) -> Result<bool> {
        Ok(self.conn().query_row("SELECT 1 FROM draft WHERE id = ?1", [id], |_| Ok(())).optional()?.is_some())
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
        store.write(|tx| tx.save_draft("d1", None, "note", r#"{"summary":"half"}"#, None)).unwrap();
        store.write(|tx| tx.save_draft("d1", None, "note", r#"{"summary":"half typed"}"#, None)).unwrap();
        let drafts = store.drafts().unwrap();
        assert_eq!(drafts.len(), 1);
        assert_eq!(drafts[0].body, r#"{"summary":"half typed"}"#);
        assert!(store.write(|tx| tx.remove_draft("d1")).unwrap());
        assert!(store.drafts().unwrap().is_empty());
    }

    #[test]
    fn a_draft_held_by_a_window_is_not_offered_until_the_hold_lapses() {
        let store = Store::open_in_memory().unwrap();
        let at = time::parse_uk_datetime("21/11/2026 10:00", chrono::Utc::now()).unwrap();
        store.write_at(at, |tx| tx.save_draft("d1", None, "note", "{}", Some("window-1"))).unwrap();
        assert!(store.drafts_free_at(at).unwrap().is_empty(), "window 1 is still typing it");
        assert!(!store.write_at(at, |tx| tx.take_draft("d1", "window-2")).unwrap());
        let lapsed = at + DRAFT_HOLD + chrono::Duration::seconds(1);
        assert_eq!(store.drafts_free_at(lapsed).unwrap().len(), 1, "window 1 went away");
        assert!(store.write_at(lapsed, |tx| tx.take_draft("d1", "window-2")).unwrap());
        assert!(!store.write_at(lapsed, |tx| tx.take_draft("d1", "window-3")).unwrap());
        store.write_at(lapsed, |tx| tx.save_draft("d1", None, "note", "{}", None)).unwrap();
        assert_eq!(store.drafts_free_at(lapsed).unwrap().len(), 1, "let go as its window closed");
    }
}
