//! The append-only audit trail: who did what, when, on which workstation. The schema's triggers
//! refuse any change to a row once written.

use rusqlite::params;
use serde_json::Value;

use super::{Actor, Store, Tx};
use crate::domain::time;
use crate::error::Result;

#[derive(Debug, Clone, PartialEq)]
pub struct AuditEvent {
    pub at: String,
    pub staff_id: Option<String>,
    pub workstation_id: String,
    pub action: String,
    pub subject: Option<String>,
    pub detail: Value,
}

impl Tx<'_> {
    pub fn audit(&self, actor: &Actor, action: &str, subject: Option<&str>, detail: Value) -> Result<()> {
        self.exec(
            "INSERT INTO audit (id, at, staff_id, workstation_id, action, subject, detail)
             VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7)",
            params![
                self.new_id(),
                time::to_storage(self.now()),
                actor.staff_id,
                actor.workstation_id,
                action,
                subject,
                detail.to_string()
            ],
        )?;
        Ok(())
    }
}

impl Store {
    /// Every audit event about one subject (an entry's id, a staff id…), oldest first.
    pub fn audit_of(&self, subject: &str) -> Result<Vec<AuditEvent>> {
        self.read(|c| {
            let mut stmt = c.prepare(
                "SELECT at, staff_id, workstation_id, action, subject, detail FROM audit WHERE subject = ?1 ORDER BY seq",
            )?;
            let rows = stmt.query_map([subject], |r| {
                let detail: String = r.get(5)?;
                Ok(AuditEvent {
                    at: r.get(0)?,
                    staff_id: r.get(1)?,
                    workstation_id: r.get(2)?,
                    action: r.get(3)?,
                    subject: r.get(4)?,
                    detail: serde_json::from_str(&detail).unwrap_or(Value::Null),
                })
            })?;
            Ok(rows.collect::<rusqlite::Result<Vec<_>>>()?)
        })
    }
}
