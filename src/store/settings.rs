//! The cutover's settings: practice, systems, and the times that frame the cutover.

use std::collections::BTreeMap;

use chrono::{DateTime, Utc};
use rusqlite::params;
use serde_json::json;

use super::{Actor, Store, Tx};
use crate::config::{DEFAULT_READ_ONLY_ACCESS_DAYS, DEFAULT_SLA_HOURS};
use crate::domain::time;
use crate::error::Result;

/// Setting keys, as stored.
pub mod key {
    pub const PRACTICE: &str = "practice_name";
    pub const ODS: &str = "ods_code";
    pub const FDP: &str = "fdp_at";
    pub const GO_LIVE: &str = "go_live_at";
    pub const OLD_SYSTEM: &str = "old_system";
    pub const NEW_SYSTEM: &str = "new_system";
    pub const SLA_HOURS: &str = "sla_hours";
    pub const READ_ONLY_DAYS: &str = "read_only_access_days";
    pub const DEMO: &str = "demo";
    /// "yes": an item may be marked done without its reference in the new system.
    pub const DONE_WITHOUT_REF: &str = "done_without_reference";
}

#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Settings {
    pub values: BTreeMap<String, String>,
}

impl Settings {
    pub fn get(&self, key: &str) -> Option<&str> {
        self.values.get(key).map(String::as_str)
    }

    fn time(&self, key: &str) -> Option<DateTime<Utc>> {
        self.get(key).and_then(time::from_storage)
    }

    pub fn practice(&self) -> Option<&str> {
        self.get(key::PRACTICE)
    }

    pub fn fdp(&self) -> Option<DateTime<Utc>> {
        self.time(key::FDP)
    }

    pub fn go_live(&self) -> Option<DateTime<Utc>> {
        self.time(key::GO_LIVE)
    }

    pub fn sla_hours(&self) -> i64 {
        self.get(key::SLA_HOURS).and_then(|v| v.parse().ok()).unwrap_or(DEFAULT_SLA_HOURS)
    }

    pub fn read_only_access_days(&self) -> i64 {
        self.get(key::READ_ONLY_DAYS).and_then(|v| v.parse().ok()).unwrap_or(DEFAULT_READ_ONLY_ACCESS_DAYS)
    }

    pub fn is_demo(&self) -> bool {
        self.get(key::DEMO) == Some("yes")
    }

    /// Whether the practice lets an item be marked done with no reference from the new system.
    /// Not unless it says so: a reference is how a keyed item is found again.
    pub fn done_without_reference(&self) -> bool {
        self.get(key::DONE_WITHOUT_REF) == Some("yes")
    }
}

impl Store {
    pub fn settings(&self) -> Result<Settings> {
        self.read(|c| {
            let mut stmt = c.prepare("SELECT key, value FROM setting")?;
            let values = stmt
                .query_map([], |r| Ok((r.get(0)?, r.get(1)?)))?
                .collect::<rusqlite::Result<BTreeMap<String, String>>>()?;
            Ok(Settings { values })
        })
    }
}

impl Tx<'_> {
    /// The go-live time as this transaction sees it.
    pub fn go_live(&self) -> Result<Option<DateTime<Utc>>> {
        self.time_setting(key::GO_LIVE)
    }

    /// The final data production's time as this transaction sees it.
    pub fn fdp(&self) -> Result<Option<DateTime<Utc>>> {
        self.time_setting(key::FDP)
    }

    /// `Settings::done_without_reference` as this transaction sees it.
    pub fn done_without_reference(&self) -> Result<bool> {
        Ok(self.setting(key::DONE_WITHOUT_REF)?.as_deref() == Some("yes"))
    }

    fn time_setting(&self, name: &str) -> Result<Option<DateTime<Utc>>> {
        Ok(self.setting(name)?.as_deref().and_then(time::from_storage))
    }

    fn setting(&self, name: &str) -> Result<Option<String>> {
        // Cached: every save reads the FDP to question its times.
        let mut stmt = self.conn().prepare_cached("SELECT value FROM setting WHERE key = ?1")?;
        Ok(rusqlite::OptionalExtension::optional(stmt.query_row([name], |r| r.get(0)))?)
    }

    /// Sets each (key, value); an unchanged value writes nothing. Each change is audited with its old value.
    pub fn set_settings(&self, actor: &Actor, changes: &[(&str, String)]) -> Result<usize> {
        let mut changed = 0;
        for (key, value) in changes {
            let old: Option<String> = rusqlite::OptionalExtension::optional(self.conn().query_row(
                "SELECT value FROM setting WHERE key = ?1",
                [key],
                |r| r.get(0),
            ))?;
            if old.as_deref() == Some(value.as_str()) {
                continue;
            }
            self.exec(
                "INSERT INTO setting (key, value, changed_at) VALUES (?1, ?2, ?3)
                 ON CONFLICT (key) DO UPDATE SET value = excluded.value, changed_at = excluded.changed_at",
                params![key, value, time::to_storage(self.now())],
            )?;
            self.audit(actor, "setting", Some(key), json!({ "from": old, "to": value }))?;
            changed += 1;
        }
        Ok(changed)
    }
}
