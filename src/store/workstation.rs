//! This database's own workstation, whose counter numbers the human references of entries made here.

use rusqlite::{OptionalExtension, params};

use super::{Store, Tx};
use crate::domain::time;
use crate::error::Result;

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Workstation {
    pub id: String,
    pub prefix: String,
    pub name: String,
}

/// Letters and digits that cannot be mistaken for each other when written by hand.
const PREFIX_ALPHABET: &[u8] = b"ABCDEFGHJKLMNPQRSTUVWXYZ23456789";

/// A default prefix drawn from the workstation's id: short, and unlikely to repeat across a practice.
fn default_prefix(id: &uuid::Uuid) -> String {
    id.as_bytes()[..3].iter().map(|b| PREFIX_ALPHABET[(*b as usize) % PREFIX_ALPHABET.len()] as char).collect()
}

impl Store {
    pub fn local_workstation_id(&self) -> Result<Option<String>> {
        self.read(|c| Ok(c.query_row("SELECT id FROM workstation WHERE is_local = 1", [], |r| r.get(0)).optional()?))
    }

    /// The reference prefix of any workstation this database knows (its own or a merged one's).
    pub fn workstation_prefix(&self, id: &str) -> Result<Option<String>> {
        self.read(|c| Ok(c.query_row("SELECT prefix FROM workstation WHERE id = ?1", [id], |r| r.get(0)).optional()?))
    }

    pub fn local_workstation(&self) -> Result<Workstation> {
        self.read(|c| {
            Ok(c.query_row("SELECT id, prefix, name FROM workstation WHERE is_local = 1", [], |r| {
                Ok(Workstation { id: r.get(0)?, prefix: r.get(1)?, name: r.get(2)? })
            })?)
        })
    }

    /// Workstations known here that share a reference prefix (compared without regard to case, as
    /// references are looked up), in groups, this one first in its group: their paper references
    /// are ambiguous.
    pub fn workstations_sharing_a_prefix(&self) -> Result<Vec<Vec<(Workstation, bool)>>> {
        self.read(|c| {
            let mut stmt = c.prepare(
                "SELECT id, prefix, name, is_local FROM workstation
                 WHERE upper(prefix) IN (SELECT upper(prefix) FROM workstation GROUP BY upper(prefix) HAVING count(*) > 1)
                 ORDER BY upper(prefix), is_local DESC, name, id",
            )?;
            let rows = stmt.query_map([], |r| {
                Ok((Workstation { id: r.get(0)?, prefix: r.get(1)?, name: r.get(2)? }, r.get::<_, bool>(3)?))
            })?;
            let mut groups: Vec<Vec<(Workstation, bool)>> = Vec::new();
            for row in rows {
                let row = row?;
                match groups.last_mut() {
                    Some(group) if group[0].0.prefix.eq_ignore_ascii_case(&row.0.prefix) => group.push(row),
                    _ => groups.push(vec![row]),
                }
            }
            Ok(groups)
        })
    }
}

impl Tx<'_> {
    /// This file's workstation, made on first use with a fresh id and a default name and prefix.
    pub fn ensure_local_workstation(&self) -> Result<String> {
        let existing: Option<String> =
            self.conn().query_row("SELECT id FROM workstation WHERE is_local = 1", [], |r| r.get(0)).optional()?;
        if let Some(id) = existing {
            return Ok(id);
        }
        let id = self.new_random_id();
        let name = std::env::var("HOSTNAME").ok().filter(|h| !h.is_empty()).unwrap_or_else(|| "this computer".into());
        self.exec(
            "INSERT INTO workstation (id, prefix, name, is_local, created_at) VALUES (?1, ?2, ?3, 1, ?4)",
            params![id.to_string(), default_prefix(&id), name, time::to_storage(self.now())],
        )?;
        Ok(id.to_string())
    }

    /// Renames this workstation or changes the prefix of references made from now on.
    pub fn set_local_workstation(&self, name: Option<&str>, prefix: Option<&str>) -> Result<()> {
        if let Some(name) = name {
            self.exec("UPDATE workstation SET name = ?1 WHERE is_local = 1", [name])?;
        }
        if let Some(prefix) = prefix {
            self.exec("UPDATE workstation SET prefix = ?1 WHERE is_local = 1", [prefix])?;
        }
        Ok(())
    }

    /// Records another workstation, as merged logs and demo data bring them.
    pub fn add_workstation(&self, workstation: &Workstation) -> Result<()> {
        self.exec(
            "INSERT INTO workstation (id, prefix, name, is_local, created_at) VALUES (?1, ?2, ?3, 0, ?4)",
            params![workstation.id, workstation.prefix, workstation.name, time::to_storage(self.now())],
        )?;
        Ok(())
    }

    /// The next human reference for an entry made on a workstation, such as "R2-0147". Never reused.
    pub(super) fn next_reference(&self, workstation_id: &str) -> Result<String> {
        let (prefix, n): (String, i64) = self
            .tx
            .prepare_cached(
                "UPDATE workstation SET next_ref = next_ref + 1 WHERE id = ?1 RETURNING prefix, next_ref - 1",
            )?
            .query_row([workstation_id], |r| Ok((r.get(0)?, r.get(1)?)))?;
        Ok(format!("{prefix}-{n:04}"))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn references_count_up_and_follow_the_prefix() {
        let store = Store::open_in_memory().unwrap();
        store.write(|tx| tx.set_local_workstation(Some("Reception 2"), Some("R2"))).unwrap();
        let here = store.local_workstation().unwrap().id;
        let refs: Vec<String> = (0..2).map(|_| store.write(|tx| tx.next_reference(&here)).unwrap()).collect();
        assert_eq!(refs, ["R2-0001", "R2-0002"]);
        assert_eq!(store.local_workstation().unwrap().name, "Reception 2");
    }

    #[test]
    fn a_workstation_id_is_random_so_workstations_set_up_together_get_different_prefixes() {
        // Row ids start with the time they were made; a workstation's prefix comes from the start
        // of its id, so its id must be random throughout (version 4).
        let prefixes: std::collections::HashSet<String> = (0..20)
            .map(|_| {
                let store = Store::open_in_memory().unwrap();
                let id = store.local_workstation().unwrap().id;
                assert_eq!(uuid::Uuid::parse_str(&id).unwrap().get_version_num(), 4, "{id}");
                store.local_workstation().unwrap().prefix
            })
            .collect();
        assert!(prefixes.len() > 15, "{prefixes:?}");
    }

    #[test]
    fn default_prefixes_use_unambiguous_characters() {
        let p = default_prefix(&uuid::Uuid::new_v4());
        assert_eq!(p.len(), 3);
        assert!(p.bytes().all(|b| PREFIX_ALPHABET.contains(&b)));
    }
}
