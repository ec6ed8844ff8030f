//! SQL for the practice manager's runbook (schema 10): the cutover plan's versions, and the
//! checklist, services and re-check events. Rows are only ever added; where something stands is
//! worked out from them by `crate::runbook`, the same way here inside a write as on any screen.

use chrono::{DateTime, Utc};
use rusqlite::{Connection, OptionalExtension, params};
use serde_json::json;

use super::{Actor, Store, Tx};
use crate::domain::text::fold;
use crate::domain::time;
use crate::error::{Error, Result};
use crate::runbook::guide::{Category, Item, guide};
use crate::runbook::recheck::{MarkRefused, RecheckState, SignoffHold, draw_sample};
use crate::runbook::services::ServiceState;
use crate::runbook::{Refusal, current};

/// One version of how a kind of work is handled during cutover.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PlanVersion {
    pub id: String,
    pub category: String,
    pub parent_id: Option<String>,
    pub how: String,
    pub lead: String,
    pub recorded_at: DateTime<Utc>,
    pub recorded_by: String,
    pub workstation_id: String,
}

/// One change to a checklist item, a service or a re-check subject.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RunbookEvent {
    pub id: String,
    /// The checklist item, the service's key, or the re-check subject (an NHS number, `report:qof`).
    pub subject: String,
    /// tick / untick / note; a service's state (none for a chase note); a re-check mark.
    pub what: Option<String>,
    pub note: Option<String>,
    pub at: DateTime<Utc>,
    pub staff_id: String,
    pub workstation_id: String,
}

/// A service the practice added to the seeded list.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct AddedService {
    pub key: String,
    pub name: String,
    pub added_at: DateTime<Utc>,
    pub added_by: String,
}

/// A patient in the go-live re-check.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RecheckPatient {
    pub nhs_number: String,
    /// `idp` (tested at the initial data production) or `sample`.
    pub why: String,
    pub sample_id: Option<String>,
    pub added_at: DateTime<Utc>,
    pub staff_id: String,
}

/// A random sample drawn for the re-check, with what it takes to draw it again.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RecheckSample {
    pub id: String,
    pub seed: u64,
    pub size: usize,
    pub population: usize,
    pub drawn_at: DateTime<Utc>,
    pub staff_id: String,
}

/// Go Live Data signed off.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Signoff {
    pub id: String,
    pub at: DateTime<Utc>,
    pub staff_id: String,
    pub open_issues: usize,
    pub unchecked: usize,
    pub reason: Option<String>,
}

/// Everything the runbook's tables hold, read in one snapshot.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct RunbookRows {
    pub plan: Vec<PlanVersion>,
    pub checklist: Vec<RunbookEvent>,
    pub added_services: Vec<AddedService>,
    pub service_events: Vec<RunbookEvent>,
    pub samples: Vec<RecheckSample>,
    pub recheck_patients: Vec<RecheckPatient>,
    pub recheck_events: Vec<RunbookEvent>,
    pub signoffs: Vec<Signoff>,
}

/// What a checklist change did.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Ticked {
    Ticked,
    Unticked,
    /// Already ticked: the note was added to it.
    Noted,
    /// Already ticked, and there was no note to add: nothing written.
    AlreadyTicked {
        by: String,
        at: DateTime<Utc>,
    },
}

/// What drawing a sample did.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Drawn {
    pub sample: RecheckSample,
    /// The sample's patients, in the order drawn.
    pub drawn: Vec<String>,
    /// Of those, the ones already in the re-check (tested at IDP, or drawn before).
    pub already: Vec<String>,
}

fn at(stored: String) -> rusqlite::Result<DateTime<Utc>> {
    time::from_storage(&stored)
        .ok_or_else(|| rusqlite::Error::InvalidColumnType(0, stored, rusqlite::types::Type::Text))
}

fn event(r: &rusqlite::Row) -> rusqlite::Result<RunbookEvent> {
    Ok(RunbookEvent {
        id: r.get(0)?,
        subject: r.get(1)?,
        what: r.get(2)?,
        note: r.get(3)?,
        at: at(r.get(4)?)?,
        staff_id: r.get(5)?,
        workstation_id: r.get(6)?,
    })
}

/// The events of one table, optionally of one subject, oldest first (by time, then id: as replayed).
fn events(c: &Connection, table: Events, subject: Option<&str>) -> Result<Vec<RunbookEvent>> {
    let (name, key, what) = table.columns();
    let sql = format!(
        "SELECT id, {key}, {what}, note, at, staff_id, workstation_id FROM {name}
         WHERE ?1 IS NULL OR {key} = ?1 ORDER BY at, id"
    );
    let mut stmt = c.prepare_cached(&sql)?;
    let rows = stmt.query_map([subject], event)?;
    Ok(rows.collect::<rusqlite::Result<_>>()?)
}

#[derive(Debug, Clone, Copy)]
enum Events {
    Checklist,
    Service,
    Recheck,
}

impl Events {
    fn columns(self) -> (&'static str, &'static str, &'static str) {
        match self {
            Events::Checklist => ("checklist_event", "item", "action"),
            Events::Service => ("service_event", "service", "state"),
            Events::Recheck => ("recheck_event", "subject", "state"),
        }
    }
}

fn plan_versions(c: &Connection, category: Option<&str>) -> Result<Vec<PlanVersion>> {
    let mut stmt = c.prepare_cached(
        "SELECT id, category, parent_id, how, lead, recorded_at, recorded_by, workstation_id FROM plan_revision
         WHERE ?1 IS NULL OR category = ?1 ORDER BY category, recorded_at, id",
    )?;
    let rows = stmt.query_map([category], |r| {
        Ok(PlanVersion {
            id: r.get(0)?,
            category: r.get(1)?,
            parent_id: r.get(2)?,
            how: r.get(3)?,
            lead: r.get(4)?,
            recorded_at: at(r.get(5)?)?,
            recorded_by: r.get(6)?,
            workstation_id: r.get(7)?,
        })
    })?;
    Ok(rows.collect::<rusqlite::Result<_>>()?)
}

/// The same service added on two workstations apart is one: the first added.
const FIRST_OF_EACH_SERVICE: &str =
    "NOT EXISTS (SELECT 1 FROM service o WHERE o.key = s.key AND (o.added_at, o.id) < (s.added_at, s.id))";

fn added_services(c: &Connection) -> Result<Vec<AddedService>> {
    let mut stmt = c.prepare_cached(&format!(
        "SELECT key, name, added_at, added_by FROM service s WHERE {FIRST_OF_EACH_SERVICE} ORDER BY added_at, id"
    ))?;
    let rows = stmt.query_map([], |r| {
        Ok(AddedService { key: r.get(0)?, name: r.get(1)?, added_at: at(r.get(2)?)?, added_by: r.get(3)? })
    })?;
    Ok(rows.collect::<rusqlite::Result<_>>()?)
}

fn recheck_patients(c: &Connection) -> Result<Vec<RecheckPatient>> {
    // The same patient added on two workstations apart is re-checked once: the first added counts.
    let mut stmt = c.prepare_cached(
        "SELECT nhs_number, why, sample_id, added_at, staff_id FROM recheck_patient s
         WHERE NOT EXISTS (SELECT 1 FROM recheck_patient o
                           WHERE o.nhs_number = s.nhs_number AND (o.added_at, o.id) < (s.added_at, s.id))
         ORDER BY added_at, id",
    )?;
    let rows = stmt.query_map([], |r| {
        Ok(RecheckPatient {
            nhs_number: r.get(0)?,
            why: r.get(1)?,
            sample_id: r.get(2)?,
            added_at: at(r.get(3)?)?,
            staff_id: r.get(4)?,
        })
    })?;
    Ok(rows.collect::<rusqlite::Result<_>>()?)
}

fn samples(c: &Connection) -> Result<Vec<RecheckSample>> {
    let mut stmt = c.prepare_cached(
        "SELECT id, seed, size, population, drawn_at, staff_id FROM recheck_sample ORDER BY drawn_at, id",
    )?;
    let rows = stmt.query_map([], |r| {
        let seed: String = r.get(1)?;
        Ok(RecheckSample {
            id: r.get(0)?,
            seed: seed.parse().unwrap_or(0),
            size: r.get::<_, i64>(2)? as usize,
            population: r.get::<_, i64>(3)? as usize,
            drawn_at: at(r.get(4)?)?,
            staff_id: r.get(5)?,
        })
    })?;
    Ok(rows.collect::<rusqlite::Result<_>>()?)
}

fn signoffs(c: &Connection) -> Result<Vec<Signoff>> {
    let mut stmt = c.prepare_cached(
        "SELECT id, at, staff_id, open_issues, unchecked, reason FROM recheck_signoff ORDER BY at, id",
    )?;
    let rows = stmt.query_map([], |r| {
        Ok(Signoff {
            id: r.get(0)?,
            at: at(r.get(1)?)?,
            staff_id: r.get(2)?,
            open_issues: r.get::<_, i64>(3)? as usize,
            unchecked: r.get::<_, i64>(4)? as usize,
            reason: r.get(5)?,
        })
    })?;
    Ok(rows.collect::<rusqlite::Result<_>>()?)
}

fn read_all(c: &Connection) -> Result<RunbookRows> {
    Ok(RunbookRows {
        plan: plan_versions(c, None)?,
        checklist: events(c, Events::Checklist, None)?,
        added_services: added_services(c)?,
        service_events: events(c, Events::Service, None)?,
        samples: samples(c)?,
        recheck_patients: recheck_patients(c)?,
        recheck_events: events(c, Events::Recheck, None)?,
        signoffs: signoffs(c)?,
    })
}

/// Text given for a note or a plan: trimmed, and nothing if it is empty.
fn given(text: Option<&str>) -> Option<&str> {
    text.map(str::trim).filter(|t| !t.is_empty())
}

/// A new patient who presented during cutover (a registration entry) and was asked to come back
/// after go-live: their details as logged, and whether they have been registered in the new system
/// (the registration's re-entry marked done).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Callback {
    pub entry_id: String,
    pub reference: String,
    pub occurred_at: DateTime<Utc>,
    pub family_name: String,
    pub given_name: String,
    /// YYYY-MM-DD, as stored.
    pub date_of_birth: Option<String>,
    pub phone: Option<String>,
    pub address: Option<String>,
    pub postcode: Option<String>,
    /// The registration's re-entry status: `done` once registered in the new system.
    pub status: String,
    pub status_changed_at: Option<DateTime<Utc>>,
    pub status_by: Option<String>,
}

/// The call-back list: the new patients asked to come back, and how many other registrations
/// do not say whether they were (so that someone asks).
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Callbacks {
    pub asked: Vec<Callback>,
    pub unsaid: usize,
}

impl Callback {
    /// Off the list to call back: registered in the new system, or set aside as not required.
    pub fn settled(&self) -> bool {
        matches!(self.status.as_str(), "done" | "not_required")
    }
}

impl Callbacks {
    /// How many are still to call back: not yet registered in the new system, nor set aside.
    pub fn waiting(&self) -> usize {
        self.asked.iter().filter(|c| !c.settled()).count()
    }
}

impl Store {
    /// Every registration logged (not voided) whose patient was asked to come back after go-live,
    /// oldest first, with its contact details; and the count of those that do not say.
    pub fn callbacks(&self) -> Result<Callbacks> {
        self.snapshot(|| {
            self.read(|c| {
                let mut stmt = c.prepare(
                    "SELECT e.id, e.ref, e.occurred_at, coalesce(r.fields ->> '$.family_name', ''),
                            coalesce(r.fields ->> '$.given_name', ''), r.fields ->> '$.date_of_birth',
                            r.fields ->> '$.phone', r.fields ->> '$.address', r.fields ->> '$.postcode',
                            e.reentry_status, e.reentry_changed_at, e.reentry_assignee
                     FROM entry e JOIN revision r ON r.id = e.current_revision_id
                     WHERE e.kind = 'registration' AND e.voided = 0
                       AND r.fields ->> '$.asked_to_come_back' = 1
                     ORDER BY e.occurred_at, e.ref",
                )?;
                let rows = stmt.query_map([], |r| {
                    Ok(Callback {
                        entry_id: r.get(0)?,
                        reference: r.get(1)?,
                        occurred_at: at(r.get(2)?)?,
                        family_name: r.get(3)?,
                        given_name: r.get(4)?,
                        date_of_birth: r.get(5)?,
                        phone: r.get(6)?,
                        address: r.get(7)?,
                        postcode: r.get(8)?,
                        status: r.get(9)?,
                        status_changed_at: r.get::<_, Option<String>>(10)?.as_deref().and_then(time::from_storage),
                        status_by: r.get(11)?,
                    })
                })?;
                let asked = rows.collect::<rusqlite::Result<_>>()?;
                let unsaid: i64 = c.query_row(
                    "SELECT count(*) FROM entry e JOIN revision r ON r.id = e.current_revision_id
                     WHERE e.kind = 'registration' AND e.voided = 0 AND r.fields ->> '$.asked_to_come_back' IS NULL",
                    [],
                    |r| r.get(0),
                )?;
                Ok(Callbacks { asked, unsaid: unsaid as usize })
            })
        })
    }

    /// Everything the runbook holds, as one snapshot.
    pub fn runbook_rows(&self) -> Result<RunbookRows> {
        self.snapshot(|| self.read(read_all))
    }
}

impl Tx<'_> {
    /// Events are replayed by time, then id: an event written within the same millisecond as the
    /// subject's last (two quick changes) is stamped a millisecond after it, so it is replayed after
    /// it here and on every workstation it is merged into.
    fn next_at(&self, table: Events, subject: &str) -> Result<DateTime<Utc>> {
        let (name, key, _) = table.columns();
        let last: Option<String> =
            self.conn().query_row(&format!("SELECT max(at) FROM {name} WHERE {key} = ?1"), [subject], |r| r.get(0))?;
        let after = last.as_deref().and_then(time::from_storage).map(|t| t + chrono::Duration::milliseconds(1));
        Ok(after.map_or(self.now(), |after| after.max(self.now())))
    }

    /// A time for a new row of a list shown in the order rows were added (services added, patients
    /// in the re-check): at least a millisecond after the last, as `next_at` does for events, so rows
    /// added within one millisecond (a sample's patients) keep the order they were added in.
    fn next_added_at(&self, table: &str, column: &str) -> Result<DateTime<Utc>> {
        let last: Option<String> =
            self.conn().query_row(&format!("SELECT max({column}) FROM {table}"), [], |r| r.get(0))?;
        let after = last.as_deref().and_then(time::from_storage).map(|t| t + chrono::Duration::milliseconds(1));
        Ok(after.map_or(self.now(), |after| after.max(self.now())))
    }

    fn runbook_event(
        &self,
        actor: &Actor,
        table: Events,
        subject: &str,
        what: Option<&str>,
        note: Option<&str>,
    ) -> Result<String> {
        let (name, key, column) = table.columns();
        let id = self.new_id();
        let at = self.next_at(table, subject)?;
        self.exec(
            &format!(
                "INSERT INTO {name} (id, {key}, {column}, note, at, staff_id, workstation_id)
                 VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7)"
            ),
            params![id, subject, what, note, time::to_storage(at), actor.staff_id, actor.workstation_id],
        )?;
        Ok(id)
    }

    fn staff_id(actor: &Actor) -> Result<&str> {
        actor.staff_id.as_deref().ok_or(Error::NoStaffGiven { known: Vec::new() })
    }

    /// Records how `category` will be handled and who leads it: a new version, the one it replaces
    /// kept. `None` when it already says exactly that (nothing written).
    pub fn set_plan(&self, actor: &Actor, category: &Category, how: &str, lead: &str) -> Result<Option<PlanVersion>> {
        let recorded_by = Self::staff_id(actor)?.to_string();
        let how = given(Some(how)).ok_or(Error::Runbook(Refusal::EmptyText("--how")))?;
        let lead_id = lead.trim().to_ascii_uppercase();
        let known: Option<String> =
            self.conn().query_row("SELECT id FROM staff WHERE id = ?1", [&lead_id], |r| r.get(0)).optional()?;
        if known.is_none() {
            let mut stmt = self.conn().prepare("SELECT id FROM staff ORDER BY id")?;
            let known = stmt.query_map([], |r| r.get(0))?.collect::<rusqlite::Result<Vec<String>>>()?;
            return Err(Error::UnknownStaff { id: lead.trim().to_string(), known });
        }
        let versions = plan_versions(self.conn(), Some(&category.id))?;
        let parent = current::plan_version(&versions);
        // As for events (`next_at`): a new version always comes after the one it replaces.
        let recorded_at =
            parent.map_or(self.now(), |p| (p.recorded_at + chrono::Duration::milliseconds(1)).max(self.now()));
        // Saying it again settles a plan set on two workstations apart: the version saved replaces
        // both, so that neither is pointed out any more.
        let set_apart = parent.is_some_and(|p| current::set_apart(&versions, p).next().is_some());
        if parent.is_some_and(|p| p.how == how && p.lead == lead_id) && !set_apart {
            return Ok(None);
        }
        let version = PlanVersion {
            id: self.new_id(),
            category: category.id.clone(),
            parent_id: parent.map(|p| p.id.clone()),
            how: how.to_string(),
            lead: lead_id,
            recorded_at,
            recorded_by,
            workstation_id: actor.workstation_id.clone(),
        };
        self.exec(
            "INSERT INTO plan_revision (id, category, parent_id, how, lead, recorded_at, recorded_by, workstation_id)
             VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8)",
            params![
                version.id,
                version.category,
                version.parent_id,
                version.how,
                version.lead,
                time::to_storage(version.recorded_at),
                version.recorded_by,
                version.workstation_id
            ],
        )?;
        self.audit(
            actor,
            "plan_set",
            Some(&version.id),
            json!({ "category": version.category, "lead": version.lead, "replaces": version.parent_id }),
        )?;
        Ok(Some(version))
    }

    /// Ticks a checklist item (with a note, if given), or adds the note to an item already ticked.
    pub fn tick(&self, actor: &Actor, item: &Item, note: Option<&str>) -> Result<Ticked> {
        Self::staff_id(actor)?;
        let note = given(note);
        let history = events(self.conn(), Events::Checklist, Some(&item.id))?;
        let (action, outcome) = match current::tick(&history) {
            Some(ticked) => match note {
                Some(_) => ("note", Ticked::Noted),
                None => return Ok(Ticked::AlreadyTicked { by: ticked.staff_id.clone(), at: ticked.at }),
            },
            None => ("tick", Ticked::Ticked),
        };
        let id = self.runbook_event(actor, Events::Checklist, &item.id, Some(action), note)?;
        self.audit(actor, &format!("checklist_{action}"), Some(&id), json!({ "item": item.id }))?;
        Ok(outcome)
    }

    /// Unticks an item ticked in error, with the reason; the tick stays in its history.
    pub fn untick(&self, actor: &Actor, item: &Item, reason: &str) -> Result<Ticked> {
        Self::staff_id(actor)?;
        let reason = given(Some(reason)).ok_or(Error::Runbook(Refusal::EmptyText("--reason")))?;
        let history = events(self.conn(), Events::Checklist, Some(&item.id))?;
        if current::tick(&history).is_none() {
            return Err(Error::Runbook(Refusal::NotTicked(item.id.clone())));
        }
        let id = self.runbook_event(actor, Events::Checklist, &item.id, Some("untick"), Some(reason))?;
        self.audit(actor, "checklist_untick", Some(&id), json!({ "item": item.id }))?;
        Ok(Ticked::Unticked)
    }

    /// Adds a service to the list; its key is its folded name. One already listed (seeded or
    /// added, under its name or another it answers to) is refused.
    pub fn add_service(&self, actor: &Actor, name: &str) -> Result<String> {
        Self::staff_id(actor)?;
        let name = given(Some(name)).ok_or(Error::Runbook(Refusal::EmptyText("The service's name")))?;
        let key = fold(name);
        if key.is_empty() {
            return Err(Error::Runbook(Refusal::EmptyText("The service's name")));
        }
        let added: Option<String> = self
            .conn()
            .query_row("SELECT name FROM service WHERE key = ?1 ORDER BY added_at, id LIMIT 1", [&key], |r| r.get(0))
            .optional()?;
        if let Some(existing) = added.or_else(|| guide().seeded_service(name).map(|s| s.name.clone())) {
            return Err(Error::Runbook(Refusal::ServiceExists(existing)));
        }
        let id = self.new_id();
        self.exec(
            "INSERT INTO service (id, key, name, added_at, added_by, workstation_id) VALUES (?1, ?2, ?3, ?4, ?5, ?6)",
            params![
                id,
                key,
                name,
                time::to_storage(self.next_added_at("service", "added_at")?),
                actor.staff_id,
                actor.workstation_id
            ],
        )?;
        self.audit(actor, "service_add", Some(&id), json!({ "service": key }))?;
        Ok(key)
    }

    /// The service `given` names (a seeded one by its name or an alias, an added one by its
    /// name): its key and name.
    pub fn find_service(&self, given: &str) -> Result<(String, String)> {
        if let Some(seeded) = guide().seeded_service(given) {
            return Ok((fold(&seeded.name), seeded.name.clone()));
        }
        let key = fold(given);
        let added: Option<String> = self
            .conn()
            .query_row("SELECT name FROM service WHERE key = ?1 ORDER BY added_at, id LIMIT 1", [&key], |r| r.get(0))
            .optional()?;
        added.map(|name| (key, name)).ok_or_else(|| Error::Runbook(Refusal::UnknownService(given.trim().to_string())))
    }

    /// Moves a service to `state` (one step: see `ServiceState::step_to`), or adds a chase note.
    pub fn service_update(
        &self,
        actor: &Actor,
        service: &str,
        state: Option<ServiceState>,
        note: Option<&str>,
    ) -> Result<ServiceState> {
        Self::staff_id(actor)?;
        let (key, name) = self.find_service(service)?;
        let note = given(note);
        let history = events(self.conn(), Events::Service, Some(&key))?;
        let now_in = current::service_state(&history);
        match state {
            Some(to) => crate::runbook::refusal::service_step(&name, now_in, to).map_err(Error::Runbook)?,
            None if note.is_none() => return Err(Error::Runbook(Refusal::NothingToRecord)),
            None => {}
        }
        let id = self.runbook_event(actor, Events::Service, &key, state.map(ServiceState::name), note)?;
        let action = if state.is_some() { "service_state" } else { "service_note" };
        self.audit(actor, action, Some(&id), json!({ "service": key, "state": state.map(ServiceState::name) }))?;
        Ok(state.unwrap_or(now_in))
    }

    /// Adds a patient to the re-check (from a sample, or tested at IDP), unless they are in it already.
    fn add_recheck_patient(&self, actor: &Actor, nhs_number: &str, sample_id: Option<&str>) -> Result<bool> {
        let held: bool = self.conn().query_row(
            "SELECT EXISTS (SELECT 1 FROM recheck_patient WHERE nhs_number = ?1)",
            [nhs_number],
            |r| r.get(0),
        )?;
        if held {
            return Ok(false);
        }
        self.exec(
            "INSERT INTO recheck_patient (id, nhs_number, why, sample_id, added_at, staff_id, workstation_id)
             VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7)",
            params![
                self.new_id(),
                nhs_number,
                if sample_id.is_some() { "sample" } else { "idp" },
                sample_id,
                time::to_storage(self.next_added_at("recheck_patient", "added_at")?),
                actor.staff_id,
                actor.workstation_id
            ],
        )?;
        Ok(true)
    }

    /// Adds a patient tested at the initial data production to the go-live re-check. False if they
    /// were already in it.
    pub fn recheck_add(&self, actor: &Actor, nhs_number: &str) -> Result<bool> {
        Self::staff_id(actor)?;
        let added = self.add_recheck_patient(actor, nhs_number, None)?;
        if added {
            // The audit row names no patient: the re-check's own row holds the number.
            self.audit(actor, "recheck_add", None, json!({ "why": "idp" }))?;
        }
        Ok(added)
    }

    /// Draws `size` patients from the practice's patient list (those with an NHS number) with
    /// `seed`, records the sample and adds its patients to the re-check.
    pub fn recheck_sample(&self, actor: &Actor, size: usize, seed: u64) -> Result<Drawn> {
        let staff_id = Self::staff_id(actor)?.to_string();
        let population: Vec<String> = {
            let mut stmt = self.conn().prepare(
                "SELECT nhs_number FROM patient WHERE source = 'list' AND nhs_number IS NOT NULL
                 AND joined_into IS NULL ORDER BY nhs_number",
            )?;
            stmt.query_map([], |r| r.get(0))?.collect::<rusqlite::Result<_>>()?
        };
        if population.is_empty() {
            return Err(Error::Runbook(Refusal::NoPatientList));
        }
        let drawn = draw_sample(&population, size, seed);
        let sample = RecheckSample {
            id: self.new_id(),
            seed,
            size: drawn.len(),
            population: population.len(),
            drawn_at: self.now(),
            staff_id,
        };
        self.exec(
            "INSERT INTO recheck_sample (id, seed, size, population, drawn_at, staff_id, workstation_id)
             VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7)",
            params![
                sample.id,
                seed.to_string(),
                sample.size as i64,
                sample.population as i64,
                time::to_storage(sample.drawn_at),
                sample.staff_id,
                actor.workstation_id
            ],
        )?;
        let mut already = Vec::new();
        for nhs in &drawn {
            if !self.add_recheck_patient(actor, nhs, Some(&sample.id))? {
                already.push(nhs.clone());
            }
        }
        self.audit(
            actor,
            "recheck_sample",
            Some(&sample.id),
            json!({ "seed": seed.to_string(), "size": sample.size, "population": sample.population }),
        )?;
        Ok(Drawn { sample, drawn, already })
    }

    /// Records what the re-check found for `subject` (an NHS number in the re-check, or
    /// `report:ID`), or an issue's progress.
    pub fn recheck_mark(&self, actor: &Actor, subject: &str, state: RecheckState, note: Option<&str>) -> Result<()> {
        Self::staff_id(actor)?;
        let note = given(note);
        if state == RecheckState::Issue && note.is_none() {
            return Err(Error::Runbook(Refusal::EmptyText("--issue")));
        }
        let shown = subject.strip_prefix("report:").unwrap_or(subject).to_string();
        if !subject.starts_with("report:") {
            let held: bool = self.conn().query_row(
                "SELECT EXISTS (SELECT 1 FROM recheck_patient WHERE nhs_number = ?1)",
                [subject],
                |r| r.get(0),
            )?;
            if !held {
                return Err(Error::Runbook(Refusal::NotInRecheck(shown)));
            }
        }
        let history = events(self.conn(), Events::Recheck, Some(subject))?;
        let now_in = current::recheck_state(&history);
        now_in.mark(state).map_err(|refused| {
            Error::Runbook(match refused {
                MarkRefused::NoIssue => Refusal::NoIssue { subject: shown.clone(), state: now_in },
                MarkRefused::Already(state) => Refusal::IssueAlready { subject: shown.clone(), state },
            })
        })?;
        let id = self.runbook_event(actor, Events::Recheck, subject, Some(state.name()), note)?;
        let kind = if subject.starts_with("report:") { "report" } else { "patient" };
        self.audit(actor, "recheck_mark", Some(&id), json!({ "subject": kind, "state": state.name() }))?;
        Ok(())
    }

    /// What holds up the sign-off now: issues not fixed or accepted, and subjects not checked.
    pub fn signoff_hold(&self) -> Result<SignoffHold> {
        let rows = read_all(self.conn())?;
        Ok(current::signoff_hold(&rows))
    }

    /// Signs off Go Live Data. Refused while anything holds it up, unless a reason is given.
    pub fn signoff(&self, actor: &Actor, reason: Option<&str>) -> Result<Signoff> {
        let staff_id = Self::staff_id(actor)?.to_string();
        let reason = given(reason);
        let hold = self.signoff_hold()?;
        if !hold.is_clear() && reason.is_none() {
            return Err(Error::Runbook(Refusal::SignoffHeld {
                open_issues: hold.open_issues,
                unchecked: hold.unchecked,
            }));
        }
        let signoff = Signoff {
            id: self.new_id(),
            at: self.now(),
            staff_id,
            open_issues: hold.open_issues,
            unchecked: hold.unchecked,
            reason: reason.map(str::to_string),
        };
        self.exec(
            "INSERT INTO recheck_signoff (id, at, staff_id, workstation_id, open_issues, unchecked, reason)
             VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7)",
            params![
                signoff.id,
                time::to_storage(signoff.at),
                signoff.staff_id,
                actor.workstation_id,
                signoff.open_issues as i64,
                signoff.unchecked as i64,
                signoff.reason
            ],
        )?;
        self.audit(
            actor,
            "recheck_signoff",
            Some(&signoff.id),
            json!({ "open_issues": signoff.open_issues, "unchecked": signoff.unchecked, "with_reason": signoff.reason.is_some() }),
        )?;
        Ok(signoff)
    }
}

#[cfg(test)]
mod tests {
    use chrono::TimeZone;

    use super::*;
    use crate::store::{Role, StaffMember};

    fn practice() -> (Store, Actor) {
        let store = Store::open_in_memory().unwrap();
        let workstation_id = store.local_workstation().unwrap().id;
        let setup = Actor { staff_id: None, workstation_id: workstation_id.clone() };
        store
            .write(|tx| {
                for (id, name, role) in [("JS", "Jo Smith", Role::Manager), ("AB", "Dr Aled Bevan", Role::Clinician)] {
                    tx.add_staff(&setup, &StaffMember { id: id.into(), name: name.into(), role })?;
                }
                Ok(())
            })
            .unwrap();
        (store, Actor { staff_id: Some("JS".into()), workstation_id })
    }

    fn minute(m: u32) -> DateTime<Utc> {
        Utc.with_ymd_and_hms(2026, 11, 20, 9, m, 0).unwrap()
    }

    fn refusal(e: Error) -> Refusal {
        match e {
            Error::Runbook(r) => r,
            other => panic!("not a runbook refusal: {other}"),
        }
    }

    #[test]
    fn a_plan_keeps_every_version_and_setting_it_the_same_again_writes_nothing() {
        let (store, js) = practice();
        let visits = guide().category("home visits").unwrap();
        let first = store.write_at(minute(1), |tx| tx.set_plan(&js, visits, "Paper form, keyed by JS", "ab")).unwrap();
        let first = first.expect("a first version");
        assert_eq!((first.lead.as_str(), first.parent_id.as_deref()), ("AB", None));
        assert_eq!(
            store.write_at(minute(2), |tx| tx.set_plan(&js, visits, "Paper form, keyed by JS", "AB")).unwrap(),
            None
        );
        let second =
            store.write_at(minute(3), |tx| tx.set_plan(&js, visits, "Logged in cutover", "JS")).unwrap().unwrap();
        assert_eq!(second.parent_id.as_deref(), Some(first.id.as_str()));
        let rows = store.runbook_rows().unwrap();
        assert_eq!(rows.plan.len(), 2);
        assert_eq!(current::plan_version(&rows.plan).unwrap().how, "Logged in cutover");
        let unknown = store.write_at(minute(4), |tx| tx.set_plan(&js, visits, "x", "ZZ")).unwrap_err();
        assert!(matches!(unknown, Error::UnknownStaff { .. }), "{unknown}");
        let empty = store.write_at(minute(4), |tx| tx.set_plan(&js, visits, "  ", "JS")).unwrap_err();
        assert!(matches!(refusal(empty), Refusal::EmptyText(_)));
        assert_eq!(store.audit_of(&second.id).unwrap()[0].action, "plan_set");
    }

    /// Issue 16: two versions made apart (as a merge brings them) are both kept and pointed out
    /// until a version is saved over the one that shows; saying that one again settles it.
    #[test]
    fn a_plan_set_on_two_workstations_apart_is_settled_by_saying_the_one_that_shows_again() {
        let (store, js) = practice();
        let visits = guide().category("home visits").unwrap();
        let ours = store.write_at(minute(1), |tx| tx.set_plan(&js, visits, "Paper form", "JS")).unwrap().unwrap();
        // The other workstation's first version, as a merge adds it: made from nothing, like ours.
        store
            .write_at(minute(2), |tx| {
                tx.exec(
                    "INSERT INTO plan_revision (id, category, parent_id, how, lead, recorded_at, recorded_by, workstation_id)
                     VALUES ('ffffffff-0000-4000-8000-000000000000', ?1, NULL, 'Logged in cutover', 'JS', ?2, 'JS', ?3)",
                    params![visits.id, time::to_storage(minute(2)), ours.workstation_id],
                )?;
                Ok(())
            })
            .unwrap();
        let apart = |store: &Store| {
            crate::runbook::load(store).unwrap().plan.into_iter().find(|l| l.category.id == visits.id).unwrap()
        };
        let line = apart(&store);
        assert_eq!(line.current.as_ref().unwrap().how, "Logged in cutover");
        assert_eq!(line.made_apart.len(), 1, "ours is pointed out");
        let settled = store.write_at(minute(3), |tx| tx.set_plan(&js, visits, "Logged in cutover", "JS")).unwrap();
        assert!(settled.is_some(), "saying it again is a version, when it settles two made apart");
        let line = apart(&store);
        assert!(line.made_apart.is_empty());
        assert_eq!(line.versions, 3, "every version kept");
        assert_eq!(
            store.write_at(minute(4), |tx| tx.set_plan(&js, visits, "Logged in cutover", "JS")).unwrap(),
            None,
            "once settled, saying it again writes nothing"
        );
    }

    #[test]
    fn the_runbooks_rows_cannot_be_changed_or_deleted_by_any_program() {
        let (store, js) = practice();
        let item = guide().item("PM-E1").unwrap();
        store.write(|tx| tx.tick(&js, item, Some("Agreed with the ICB"))).unwrap();
        store.write(|tx| tx.set_plan(&js, guide().category("scanning").unwrap(), "Held", "JS")).unwrap();
        store.write(|tx| tx.service_update(&js, "EPS", Some(ServiceState::ConfirmedOff), None)).unwrap();
        store.write(|tx| tx.add_service(&js, "Local hospice link")).unwrap();
        store.write(|tx| tx.recheck_add(&js, "9434765919")).unwrap();
        store.write(|tx| tx.recheck_mark(&js, "9434765919", RecheckState::Matches, None)).unwrap();
        store.write(|tx| tx.signoff(&js, Some("Reports to follow"))).unwrap();
        for table in [
            "plan_revision",
            "checklist_event",
            "service",
            "service_event",
            "recheck_patient",
            "recheck_event",
            "recheck_signoff",
        ] {
            for sql in [format!("UPDATE {table} SET workstation_id = workstation_id"), format!("DELETE FROM {table}")] {
                let refused = store.read(|c| Ok(c.execute(&sql, [])?)).unwrap_err();
                assert!(matches!(refused, Error::Refused { .. }), "{sql}: {refused}");
            }
        }
    }

    #[test]
    fn a_tick_is_undone_only_by_an_untick_with_a_reason_and_a_second_tick_adds_its_note() {
        let (store, js) = practice();
        let item = guide().item("PM-P10").unwrap();
        assert_eq!(store.write_at(minute(1), |tx| tx.tick(&js, item, None)).unwrap(), Ticked::Ticked);
        assert_eq!(
            store.write_at(minute(2), |tx| tx.tick(&js, item, None)).unwrap(),
            Ticked::AlreadyTicked { by: "JS".into(), at: minute(1) }
        );
        assert_eq!(
            store.write_at(minute(3), |tx| tx.tick(&js, item, Some("All logged off at 17:02"))).unwrap(),
            Ticked::Noted
        );
        assert!(matches!(refusal(store.write(|tx| tx.untick(&js, item, " ")).unwrap_err()), Refusal::EmptyText(_)));
        store.write_at(minute(4), |tx| tx.untick(&js, item, "Ticked the wrong line")).unwrap();
        let rows = store.runbook_rows().unwrap();
        assert_eq!(rows.checklist.len(), 3, "nothing written for the repeated tick");
        assert!(current::tick(&rows.checklist).is_none());
        assert!(matches!(refusal(store.write(|tx| tx.untick(&js, item, "again")).unwrap_err()), Refusal::NotTicked(_)));
    }

    #[test]
    fn changes_made_within_one_millisecond_are_replayed_in_the_order_they_were_made() {
        let (store, js) = practice();
        let item = guide().item("PM-E2").unwrap();
        for _ in 0..20 {
            store.write_at(minute(5), |tx| tx.tick(&js, item, None)).unwrap();
            store.write_at(minute(5), |tx| tx.untick(&js, item, "again")).unwrap();
        }
        let rows = store.runbook_rows().unwrap();
        assert!(current::tick(&rows.checklist).is_none(), "the last change, an untick, counts");
        let mut times: Vec<_> = rows.checklist.iter().map(|e| e.at).collect();
        times.dedup();
        assert_eq!(times.len(), 40, "each a millisecond after the one before");
        let visits = guide().category("home visits").unwrap();
        for how in ["First", "Second", "Third"] {
            store.write_at(minute(5), |tx| tx.set_plan(&js, visits, how, "JS")).unwrap();
        }
        let rows = store.runbook_rows().unwrap();
        assert_eq!(current::plan_version(&rows.plan).unwrap().how, "Third");
    }

    #[test]
    fn a_service_moves_one_step_at_a_time_and_a_chase_note_leaves_its_state() {
        let (store, js) = practice();
        let skip = store.write(|tx| tx.service_update(&js, "eps", Some(ServiceState::ConfirmedOn), None)).unwrap_err();
        assert!(matches!(refusal(skip), Refusal::ServiceSkips { next: ServiceState::ConfirmedOff, .. }));
        let state =
            store.write_at(minute(1), |tx| tx.service_update(&js, "EPS", Some(ServiceState::ConfirmedOff), None));
        assert_eq!(state.unwrap(), ServiceState::ConfirmedOff);
        let note = store.write_at(minute(2), |tx| tx.service_update(&js, "EPS", None, Some("Rang the helpdesk")));
        assert_eq!(note.unwrap(), ServiceState::ConfirmedOff);
        let nothing = store.write(|tx| tx.service_update(&js, "EPS", None, None)).unwrap_err();
        assert!(matches!(refusal(nothing), Refusal::NothingToRecord));
        let unknown = store.write(|tx| tx.service_update(&js, "Carrier pigeons", None, Some("x"))).unwrap_err();
        assert!(matches!(refusal(unknown), Refusal::UnknownService(_)));
        assert!(matches!(
            refusal(store.write(|tx| tx.add_service(&js, "e.p.s")).unwrap_err()),
            Refusal::ServiceExists(_)
        ));
        store.write(|tx| tx.add_service(&js, "Carrier pigeons")).unwrap();
        assert!(matches!(
            refusal(store.write(|tx| tx.add_service(&js, "CARRIER-PIGEONS")).unwrap_err()),
            Refusal::ServiceExists(_)
        ));
        store.write(|tx| tx.service_update(&js, "carrier pigeons", Some(ServiceState::NotUsed), None)).unwrap();
        let rows = store.runbook_rows().unwrap();
        let (eps, _) = store.write(|tx| tx.find_service("EPS")).unwrap();
        assert_eq!(
            current::service_state(&current::history_of(&rows.service_events, &eps)),
            ServiceState::ConfirmedOff
        );
    }

    #[test]
    fn go_live_data_is_signed_off_only_when_nothing_is_open_or_with_a_reason() {
        let (store, js) = practice();
        store.write(|tx| tx.recheck_add(&js, "9434765919")).unwrap();
        assert!(!store.write(|tx| tx.recheck_add(&js, "9434765919")).unwrap(), "already in the re-check");
        let held = store.write(|tx| tx.signoff(&js, None)).unwrap_err();
        assert!(matches!(refusal(held), Refusal::SignoffHeld { open_issues: 0, unchecked: 6 }));
        let outside = store.write(|tx| tx.recheck_mark(&js, "9992345675", RecheckState::Matches, None)).unwrap_err();
        assert!(matches!(refusal(outside), Refusal::NotInRecheck(_)));
        store
            .write_at(minute(1), |tx| tx.recheck_mark(&js, "9434765919", RecheckState::Issue, Some("Allergy missing")))
            .unwrap();
        for report in &guide().report_checks {
            store
                .write_at(minute(1), |tx| {
                    tx.recheck_mark(&js, &format!("report:{}", report.id), RecheckState::Matches, None)
                })
                .unwrap();
        }
        let held = store.write(|tx| tx.signoff(&js, None)).unwrap_err();
        assert!(matches!(refusal(held), Refusal::SignoffHeld { open_issues: 1, unchecked: 0 }));
        store
            .write_at(minute(2), |tx| tx.recheck_mark(&js, "9434765919", RecheckState::Reported, Some("Ticket 4411")))
            .unwrap();
        let again = store.write(|tx| tx.recheck_mark(&js, "9434765919", RecheckState::Reported, None)).unwrap_err();
        assert!(matches!(refusal(again), Refusal::IssueAlready { .. }));
        store.write_at(minute(3), |tx| tx.recheck_mark(&js, "9434765919", RecheckState::Fixed, None)).unwrap();
        let signed = store.write_at(minute(4), |tx| tx.signoff(&js, None)).unwrap();
        assert_eq!((signed.open_issues, signed.unchecked, signed.reason), (0, 0, None));
    }

    #[test]
    fn a_sample_is_drawn_from_the_patient_list_and_the_same_seed_draws_the_same_patients() {
        let (store, js) = practice();
        assert!(matches!(refusal(store.write(|tx| tx.recheck_sample(&js, 3, 1)).unwrap_err()), Refusal::NoPatientList));
        let numbers: Vec<String> = (0..40)
            .filter_map(|n| crate::domain::nhs::with_check_digit(&format!("999{:06}", 100 + n * 7)))
            .map(|n| n.digits().to_string())
            .collect();
        store
            .read(|c| {
                for (i, nhs) in numbers.iter().enumerate() {
                    c.execute(
                        "INSERT INTO patient (id, nhs_number, family_name, given_name, family_fold, given_fold, source, created_at)
                         VALUES (?1, ?2, 'Test', 'Patient', 'test', 'patient', 'list', '2026-11-01T09:00:00.000Z')",
                        params![format!("p{i}"), nhs],
                    )?;
                }
                Ok(())
            })
            .unwrap();
        let first = store.write(|tx| tx.recheck_sample(&js, 5, 2026)).unwrap();
        assert_eq!(first.drawn.len(), 5);
        assert!(first.already.is_empty());
        assert_eq!(first.sample.population, numbers.len());
        let again = store.write(|tx| tx.recheck_sample(&js, 5, 2026)).unwrap();
        assert_eq!(again.drawn, first.drawn, "the same list, size and seed");
        assert_eq!(again.already, first.drawn, "each is re-checked once");
        assert_eq!(store.runbook_rows().unwrap().recheck_patients.len(), 5);
    }
}
