//! The practice's staff: who may log, and whose name goes on every change.

use rusqlite::{OptionalExtension, params};
use serde_json::json;

use super::{Actor, Store, Tx};
use crate::domain::time;
use crate::error::{Error, Result};

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Role {
    Reception,
    Clinician,
    Admin,
    Manager,
}

impl Role {
    pub const ALL: [Role; 4] = [Role::Reception, Role::Clinician, Role::Admin, Role::Manager];

    pub fn name(self) -> &'static str {
        match self {
            Role::Reception => "reception",
            Role::Clinician => "clinician",
            Role::Admin => "admin",
            Role::Manager => "manager",
        }
    }

    pub fn parse(s: &str) -> Option<Role> {
        Role::ALL.into_iter().find(|r| r.name().eq_ignore_ascii_case(s.trim()))
    }
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct StaffMember {
    pub id: String,
    pub name: String,
    pub role: Role,
}

fn member(r: &rusqlite::Row) -> rusqlite::Result<StaffMember> {
    let role: String = r.get(2)?;
    Ok(StaffMember { id: r.get(0)?, name: r.get(1)?, role: Role::parse(&role).unwrap_or(Role::Reception) })
}

impl Store {
    pub fn staff(&self) -> Result<Vec<StaffMember>> {
        self.read(|c| {
            let mut stmt = c.prepare("SELECT id, name, role FROM staff ORDER BY id")?;
            let rows = stmt.query_map([], member)?;
            Ok(rows.collect::<rusqlite::Result<Vec<_>>>()?)
        })
    }

    pub fn staff_member(&self, id: &str) -> Result<Option<StaffMember>> {
        self.read(|c| {
            Ok(c.query_row("SELECT id, name, role FROM staff WHERE id = ?1", [id.to_ascii_uppercase()], member)
                .optional()?)
        })
    }

    /// The actor for a command run as `staff_id`: they must be on the staff list.
    pub fn actor(&self, staff_id: Option<&str>) -> Result<Actor> {
        let known = || -> Result<Vec<String>> { Ok(self.staff()?.into_iter().map(|s| s.id).collect()) };
        let Some(given) = staff_id.map(str::trim).filter(|s| !s.is_empty()) else {
            return Err(Error::NoStaffGiven { known: known()? });
        };
        let Some(member) = self.staff_member(given)? else {
            return Err(Error::UnknownStaff { id: given.to_string(), known: known()? });
        };
        let workstation_id = self.local_workstation()?.id;
        Ok(Actor { staff_id: Some(member.id), workstation_id })
    }

    /// The actor for setting up: a staff member if one was named, otherwise just this workstation.
    pub fn setup_actor(&self, staff_id: Option<&str>) -> Result<Actor> {
        match staff_id.map(str::trim).filter(|s| !s.is_empty()) {
            Some(id) => self.actor(Some(id)),
            None => Ok(Actor { staff_id: None, workstation_id: self.local_workstation()?.id }),
        }
    }
}

impl Tx<'_> {
    pub fn add_staff(&self, actor: &Actor, member: &StaffMember) -> Result<()> {
        let existing: Option<String> =
            self.conn().query_row("SELECT name FROM staff WHERE id = ?1", [&member.id], |r| r.get(0)).optional()?;
        if let Some(name) = existing {
            return Err(Error::StaffExists { id: member.id.clone(), name });
        }
        self.exec(
            "INSERT INTO staff (id, name, role, created_at) VALUES (?1, ?2, ?3, ?4)",
            params![member.id, member.name, member.role.name(), time::to_storage(self.now())],
        )?;
        self.audit(actor, "staff_add", Some(&member.id), json!({ "name": member.name, "role": member.role.name() }))
    }

    /// A staff member by short id (any case), read in this transaction.
    pub fn staff_member(&self, id: &str) -> Result<Option<StaffMember>> {
        Ok(self
            .conn()
            .query_row("SELECT id, name, role FROM staff WHERE id = ?1", [id.trim().to_ascii_uppercase()], member)
            .optional()?)
    }

    pub fn staff_count(&self) -> Result<i64> {
        Ok(self.conn().query_row("SELECT count(*) FROM staff", [], |r| r.get(0))?)
    }
}
