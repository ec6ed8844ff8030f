//! This database's own workstation, whose counter numbers the human references of entries made here.

use rusqlite::{OptionalExtension, params};

use super::{Actor, Store, Tx};
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

/// Where this database file is used: the computer's name and the file's full path. Recorded when
/// the file is made; a file found elsewhere was copied (or moved) there.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Home {
    pub computer: String,
    pub path: String,
}

impl Home {
    pub fn of(db: &std::path::Path) -> Home {
        let path = std::fs::canonicalize(db).unwrap_or_else(|_| db.to_path_buf());
        Home { computer: computer_name(), path: path.display().to_string() }
    }

    fn stored(&self) -> String {
        format!("{}\n{}", self.computer, self.path)
    }

    fn parse(stored: &str) -> Home {
        let (computer, path) = stored.split_once('\n').unwrap_or(("", stored));
        Home { computer: computer.to_string(), path: path.to_string() }
    }

    /// "/srv/cutover.db on RECEPTION-2"
    pub fn describe(&self) -> String {
        if self.computer.is_empty() { self.path.clone() } else { format!("{} on {}", self.path, self.computer) }
    }
}

/// This computer's name, as Windows and Unix shells give it; empty if none can be found.
fn computer_name() -> String {
    ["COMPUTERNAME", "HOSTNAME"]
        .iter()
        .find_map(|v| std::env::var(v).ok().filter(|n| !n.trim().is_empty()))
        .or_else(|| std::fs::read_to_string("/etc/hostname").ok())
        .map(|n| n.trim().to_string())
        .unwrap_or_default()
}

/// A database found away from where it was set up: where it was, and this workstation's next
/// reference number when it was first opened in its new place (entries from that number on were
/// logged here).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct MovedFrom {
    pub home: Home,
    pub now: Home,
    pub at_number: i64,
}

/// An entry given a new reference when the PC it was logged on took its own identity.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Renumbered {
    pub old_ref: String,
    pub new_ref: String,
    pub at: chrono::DateTime<chrono::Utc>,
}

/// A copy's new identity: its workstation, and each entry given a new reference (old, new).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct NewIdentity {
    pub workstation: Workstation,
    pub renumbered: Vec<(String, String)>,
}

const HOME: &str = "home";
const MOVED_FROM: &str = "moved_from";
const MOVED_AT_NUMBER: &str = "moved_at_number";

impl Store {
    /// This database was opened away from where it was set up, and no one has said why yet.
    pub fn moved_from(&self) -> Result<Option<MovedFrom>> {
        let now = Home::of(&self.path);
        if let (Some(home), Some(at)) = (self.local_setting(MOVED_FROM)?, self.local_setting(MOVED_AT_NUMBER)?) {
            return Ok(Some(MovedFrom { home: Home::parse(&home), now, at_number: at.parse().unwrap_or(1) }));
        }
        // Found away from its home but not noted yet: opened only to read (a command that writes
        // notes it as it opens the file), and said all the same.
        match self.local_setting(HOME)? {
            Some(home) if home != now.stored() && self.path.as_os_str() != ":memory:" => {
                let at_number = self.read(|c| {
                    Ok(c.query_row("SELECT next_ref FROM workstation WHERE is_local = 1", [], |r| r.get(0))?)
                })?;
                Ok(Some(MovedFrom { home: Home::parse(&home), now, at_number }))
            }
            _ => Ok(None),
        }
    }

    /// The references the entry had before, oldest first (`entry_renumbered`, by its index).
    pub fn renumbered(&self, entry_id: &str) -> Result<Vec<Renumbered>> {
        self.read(|c| {
            let mut stmt = c.prepare_cached(
                "SELECT old_ref, new_ref, at FROM entry_renumbered WHERE entry_id = ?1 ORDER BY at, id",
            )?;
            let rows = stmt.query_map([entry_id], |r| {
                let at: String = r.get(2)?;
                Ok(Renumbered {
                    old_ref: r.get(0)?,
                    new_ref: r.get(1)?,
                    at: time::from_storage(&at).unwrap_or_default(),
                })
            })?;
            Ok(rows.collect::<rusqlite::Result<Vec<_>>>()?)
        })
    }

    /// One of this PC's own settings (`local_setting`).
    pub fn local_setting(&self, key: &str) -> Result<Option<String>> {
        self.read(|c| {
            Ok(c.query_row("SELECT value FROM local_setting WHERE key = ?1", [key], |r| r.get(0)).optional()?)
        })
    }

    /// Notes where this file is used (on opening it writable): the first time, as its home; away
    /// from its home, when it was first found there. Writes only when something is new.
    pub(super) fn note_home(&self) -> Result<()> {
        if self.path.as_os_str() == ":memory:" {
            return Ok(());
        }
        let here = Home::of(&self.path);
        let stored = self.local_setting(HOME)?;
        let moved = self.local_setting(MOVED_FROM)?;
        match stored {
            Some(home) if home == here.stored() || moved.is_some() => Ok(()),
            Some(home) => self.write(|tx| {
                let next: i64 =
                    tx.conn().query_row("SELECT next_ref FROM workstation WHERE is_local = 1", [], |r| r.get(0))?;
                tx.set_local_setting(MOVED_FROM, &home)?;
                tx.set_local_setting(MOVED_AT_NUMBER, &next.to_string())
            }),
            None => self.write(|tx| tx.set_local_setting(HOME, &here.stored())),
        }
    }
}

impl Tx<'_> {
    /// One of this PC's own settings, read inside the transaction.
    pub fn local_setting(&self, key: &str) -> Result<Option<String>> {
        Ok(self.conn().query_row("SELECT value FROM local_setting WHERE key = ?1", [key], |r| r.get(0)).optional()?)
    }

    pub fn set_local_setting(&self, key: &str, value: &str) -> Result<()> {
        self.exec(
            "INSERT INTO local_setting (key, value, changed_at) VALUES (?1, ?2, ?3)
             ON CONFLICT (key) DO UPDATE SET value = excluded.value, changed_at = excluded.changed_at",
            params![key, value, time::to_storage(self.now())],
        )?;
        Ok(())
    }

    pub fn clear_local_setting(&self, key: &str) -> Result<()> {
        self.exec("DELETE FROM local_setting WHERE key = ?1", [key])?;
        Ok(())
    }

    /// `init --moved`: this file was moved here, not copied; here is its home now.
    pub fn confirm_moved(&self, actor: &Actor, here: &Home) -> Result<bool> {
        let was: Option<String> = self
            .conn()
            .query_row("SELECT value FROM local_setting WHERE key = ?1", [MOVED_FROM], |r| r.get(0))
            .optional()?;
        self.set_local_setting(HOME, &here.stored())?;
        self.clear_local_setting(MOVED_FROM)?;
        self.clear_local_setting(MOVED_AT_NUMBER)?;
        if was.is_some() {
            self.audit(actor, "workstation_moved", None, serde_json::json!({ "from": was, "to": here.stored() }))?;
        }
        Ok(was.is_some())
    }

    /// `init --new-identity`: this file is a copy of another PC's database. It becomes a workstation
    /// of its own (a new id, and `prefix` or a new default), and every entry logged here since it was
    /// copied takes the next reference of that workstation, each renumbering recorded
    /// (`entry_renumbered`). Entries from before the copy, and any that arrived by merge, keep theirs.
    pub fn take_new_identity(
        &self,
        actor: &Actor,
        moved: &MovedFrom,
        name: Option<&str>,
        prefix: Option<&str>,
    ) -> Result<NewIdentity> {
        let old = self.conn().query_row("SELECT id, prefix, name FROM workstation WHERE is_local = 1", [], |r| {
            Ok(Workstation { id: r.get(0)?, prefix: r.get(1)?, name: r.get(2)? })
        })?;
        let id = self.new_random_id();
        let workstation = Workstation {
            id: id.to_string(),
            prefix: prefix.map(str::to_string).unwrap_or_else(|| default_prefix(&id)),
            name: name.map(str::to_string).unwrap_or_else(computer_name).chars().take(100).collect(),
        };
        let workstation = Workstation {
            name: if workstation.name.is_empty() { "this computer".into() } else { workstation.name },
            ..workstation
        };
        self.exec("UPDATE workstation SET is_local = 0 WHERE is_local = 1", [])?;
        self.exec(
            "INSERT INTO workstation (id, prefix, name, is_local, created_at) VALUES (?1, ?2, ?3, 1, ?4)",
            params![workstation.id, workstation.prefix, workstation.name, time::to_storage(self.now())],
        )?;
        // Logged here (not merged in), on this workstation's old identity, since the copy.
        let logged_here: Vec<(String, String)> = {
            let mut stmt = self.conn().prepare(&format!(
                "SELECT e.id, e.ref FROM entry e WHERE e.workstation_id = ?1 AND {number} >= ?2
                   AND NOT EXISTS (SELECT 1 FROM audit a WHERE a.subject = e.id AND a.action IN ('log', 'import')
                                   AND a.merged_from IS NOT NULL)
                 ORDER BY {number}, e.ref",
                number = super::merge::REFERENCE_NUMBER
            ))?;
            let rows = stmt.query_map(params![old.id, moved.at_number], |r| Ok((r.get(0)?, r.get(1)?)))?;
            rows.collect::<rusqlite::Result<_>>()?
        };
        let mut renumbered = Vec::with_capacity(logged_here.len());
        for (entry_id, old_ref) in logged_here {
            let new_ref = self.next_reference(&workstation.id)?;
            self.exec(
                "INSERT INTO entry_renumbered (id, entry_id, old_workstation_id, old_ref, new_workstation_id, new_ref, at,
                                               staff_id, workstation_id)
                 VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?5)",
                params![
                    self.new_id(),
                    entry_id,
                    old.id,
                    old_ref,
                    workstation.id,
                    new_ref,
                    time::to_storage(self.now()),
                    actor.staff_id
                ],
            )?;
            self.exec(
                "UPDATE entry SET ref = ?2, workstation_id = ?3 WHERE id = ?1",
                params![entry_id, new_ref, workstation.id],
            )?;
            renumbered.push((old_ref, new_ref));
        }
        let here = Actor { workstation_id: workstation.id.clone(), ..actor.clone() };
        self.audit(
            &here,
            "workstation_new_identity",
            None,
            serde_json::json!({
                "was": old.id, "was_prefix": old.prefix, "copied_from": moved.home.stored(),
                "prefix": workstation.prefix, "name": workstation.name,
                "renumbered": renumbered.iter().map(|(o, n)| [o, n]).collect::<Vec<_>>(),
            }),
        )?;
        self.set_local_setting(HOME, &moved.now.stored())?;
        self.clear_local_setting(MOVED_FROM)?;
        self.clear_local_setting(MOVED_AT_NUMBER)?;
        Ok(NewIdentity { workstation, renumbered })
    }

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
