//! The terminal UI: the event loop, and the runner that carries out what `App::update` asks for.
//! The loop, not the state, touches the database.

mod app;
mod field;
mod form;
mod keys;
mod setup;
mod theme;
mod view;

use std::collections::VecDeque;
use std::io::IsTerminal;
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, Ordering};
use std::time::{Duration, Instant};

use chrono::Utc;
use ratatui::crossterm::event::{self, Event, KeyEventKind};

pub use app::{App, Cutover, Effect, HomeData, Msg, Start};
pub use theme::Theme;
pub use view::view;

use crate::domain::time;
use crate::error::{Error, Result};
use crate::store::{EntryRow, ListFilter, Store, settings_key};
use form::PatientChoice;

/// The setting that remembers who last worked on this computer.
const LAST_USER: &str = "last_user";
/// How long the loop waits for a key before the clock moves on (and a draft may be saved).
const TICK: Duration = Duration::from_millis(500);

/// Reads what the first screen needs.
pub fn load_start(store: &Store, now: chrono::DateTime<Utc>) -> Result<Start> {
    let settings = store.settings()?;
    Ok(Start {
        cutover: Cutover {
            practice: settings.practice().map(String::from),
            fdp: settings.fdp(),
            sla_hours: settings.sla_hours(),
            demo: settings.is_demo(),
            workstation: store.local_workstation()?.prefix,
        },
        staff: store.staff()?,
        last_user: settings.get(LAST_USER).map(String::from),
        drafts: store.drafts()?,
        home: load_home(store, now)?,
    })
}

fn load_home(store: &Store, now: chrono::DateTime<Utc>) -> Result<HomeData> {
    Ok(HomeData { today: store.counts_by_kind_since(app::start_of_day(now))?, recent: store.recent_here(8)? })
}

/// Runs the UI on `store` until the user leaves or a signal asks it to stop.
pub fn run(store: Store) -> Result<()> {
    let stop = Arc::new(AtomicBool::new(false));
    for signal in [signal_hook::consts::SIGTERM, signal_hook::consts::SIGHUP] {
        signal_hook::flag::register(signal, Arc::clone(&stop)).map_err(Error::Output)?;
    }
    watch_for_hang_up(Arc::clone(&stop));
    let now = crate::config::now();
    let mut app = App::new(load_start(&store, now)?, now);
    let theme = Theme::from_env();
    // Installs a panic hook that puts the terminal back before any message is printed.
    let mut terminal = ratatui::init();
    let result = event_loop(&mut terminal, &store, &mut app, &theme, &stop);
    ratatui::restore();
    result
}

/// How long the loop has, once asked to stop, to keep its draft and leave by itself.
const STOP_GRACE: Duration = Duration::from_secs(3);

/// A closed window hangs the terminal up, and reading a hung-up terminal can trap the terminal
/// library in a loop that never returns. This thread notices (a signal, or the terminal gone), gives
/// the loop its chance to save the draft and leave, and otherwise ends the process: the form was
/// autosaved within the last couple of seconds, and a commit cut short is rolled back, never half-done.
fn watch_for_hang_up(stop: Arc<AtomicBool>) {
    std::thread::spawn(move || {
        loop {
            std::thread::sleep(TICK);
            if !std::io::stdin().is_terminal() {
                stop.store(true, Ordering::Relaxed);
            }
            if stop.load(Ordering::Relaxed) {
                std::thread::sleep(STOP_GRACE);
                tracing::warn!("the terminal went away and the window did not close by itself: ended");
                std::process::exit(0);
            }
        }
    });
}

fn event_loop(
    terminal: &mut ratatui::DefaultTerminal,
    store: &Store,
    app: &mut App,
    theme: &Theme,
    stop: &AtomicBool,
) -> Result<()> {
    let mut last_tick = Instant::now();
    while !app.quit {
        terminal.draw(|frame| view(app, theme, frame)).map_err(Error::Output)?;
        let msg = if stop.load(Ordering::Relaxed) {
            Msg::Stop
        } else if event::poll(TICK).map_err(Error::Output)? {
            // A closed window hangs the terminal up: reading it then would never return, so look first.
            if stop.load(Ordering::Relaxed) || !std::io::stdin().is_terminal() {
                dispatch(store, app, Msg::Stop);
                continue;
            }
            match event::read().map_err(Error::Output)? {
                Event::Key(key) if key.kind != KeyEventKind::Release => Msg::Key(key),
                _ => continue, // a resize redraws at the top of the loop
            }
        } else {
            Msg::Tick(crate::config::now())
        };
        if last_tick.elapsed() >= TICK && !matches!(msg, Msg::Tick(_)) {
            dispatch(store, app, Msg::Tick(crate::config::now()));
        }
        last_tick = Instant::now();
        dispatch(store, app, msg);
    }
    Ok(())
}

/// Feeds a message to the app and carries out every effect it leads to, in order.
pub fn dispatch(store: &Store, app: &mut App, msg: Msg) {
    let mut effects: VecDeque<Effect> = app.update(msg).into();
    while let Some(effect) = effects.pop_front() {
        if let Some(reply) = perform(store, app, effect) {
            effects.extend(app.update(reply));
        }
    }
}

/// Carries out one effect against the store; what comes back is fed to `update`.
fn perform(store: &Store, app: &App, effect: Effect) -> Option<Msg> {
    let now = app.now;
    let user = app.user.as_ref().map(|u| u.id.clone());
    let result: Result<Option<Msg>> = match effect {
        Effect::Quit => Ok(None),
        Effect::Setup { practice, fdp, member } => (|| {
            let actor = store.setup_actor(None)?;
            store.write_at(now, |tx| {
                tx.set_settings(
                    &actor,
                    &[(settings_key::PRACTICE, practice.clone()), (settings_key::FDP, time::to_storage(fdp))],
                )?;
                tx.add_staff(&actor, &member)
            })?;
            Ok(Some(Msg::SetupDone(Box::new(load_start(store, now)?))))
        })(),
        Effect::AddStaff(member) => (|| {
            let actor = store.setup_actor(user.as_deref())?;
            store.write_at(now, |tx| tx.add_staff(&actor, &member))?;
            Ok(Some(Msg::StaffAdded(member)))
        })(),
        Effect::RememberUser(id) => (|| {
            let actor = store.actor(Some(&id))?;
            store.write_at(now, |tx| tx.set_settings(&actor, &[(LAST_USER, id.clone())]))?;
            Ok(None)
        })(),
        Effect::LoadHome => load_home(store, now).map(|h| Some(Msg::Home(h))),
        Effect::LoadEntries { filter, offset, user } => (|| {
            let list_filter = ListFilter {
                kind: filter.kind,
                since: filter.today.then(|| app::start_of_day(now)),
                recorded_by: if filter.mine { user } else { None },
                text: Some(filter.text.clone()).filter(|t| !t.trim().is_empty()),
                newest_first: true,
                offset,
                limit: Some(app::ENTRIES_PAGE),
                ..Default::default()
            };
            let mut rows = Vec::new();
            store.each_entry(&list_filter, |row| {
                rows.push(row);
                Ok(())
            })?;
            Ok(Some(Msg::Entries { offset, rows }))
        })(),
        Effect::OpenEntry(id) => open_entry(store, &id).map(|d| Some(Msg::Opened(Box::new(d)))),
        Effect::SearchPatients(query) => store
            .find_patients(&query, form::LOOKUP_ROWS)
            .map(|found| Some(Msg::PatientsFound { query, results: found.patients })),
        Effect::SaveEntry(entry) => save_entry(store, user.as_deref(), &entry, now).map(|saved| {
            back_up_in_background(store, now);
            Some(saved)
        }),
        Effect::Void { entry_id, reason } => (|| {
            let actor = store.actor(user.as_deref())?;
            let reference = store.write_at(now, |tx| {
                let entry = tx.find_entry(&entry_id)?;
                let current = tx.current_revision(&entry)?;
                tx.revise_entry(&actor, &entry, &current.content, current.patient_id.as_deref(), Some(&reason), true)?;
                Ok(entry.reference)
            })?;
            Ok(Some(Msg::Voided { reference }))
        })(),
        Effect::LoadQueue { query } => (|| {
            let (queue, progress) = crate::queue::build_with_progress(store, &query, now)?;
            Ok(Some(Msg::Queue { queue, progress }))
        })(),
        Effect::OpenQueueItem(id) => open_entry(store, &id).map(|d| Some(Msg::QueueItem(Box::new(d)))),
        Effect::Act { entry_id, request } => (|| {
            let actor = store.actor(user.as_deref())?;
            let outcome = crate::queue::act(store, &actor, &entry_id, &request, now)?;
            Ok(Some(Msg::Acted { text: acted(&outcome) }))
        })(),
        Effect::Copy(text) => {
            copy_to_clipboard(&text);
            Ok(None)
        }
        Effect::SaveDraft { id, kind, body } => {
            store.write_at(now, |tx| tx.save_draft(&id, user.as_deref(), &kind, &body)).map(|_| None)
        }
        Effect::RemoveDraft(id) => store.write_at(now, |tx| tx.remove_draft(&id)).map(|_| None),
    };
    result.unwrap_or_else(|e| {
        tracing::warn!("a screen's request failed: {}", e.for_the_log());
        Some(Msg::Failed(e.to_string()))
    })
}

/// This hour's rolling backup beside the database, if it has none yet, made on a thread of its own
/// so that the screen never waits for it. A failure is logged nowhere and lost nothing: the next
/// save tries again, and `cutover backup` reports its own errors.
fn back_up_in_background(store: &Store, now: chrono::DateTime<Utc>) {
    let path = store.path().to_path_buf();
    if path.exists() {
        std::thread::spawn(move || match crate::backup::keep_rolling(&path, now) {
            Ok(Some(made)) => tracing::info!(backup = %made.display(), "rolling backup made"),
            Ok(None) => {}
            // The next save tries again; the person at the desk is not interrupted for it.
            Err(e) => tracing::warn!("rolling backup not made: {}", e.for_the_log()),
        });
    }
}

/// What a queue action did, in a sentence.
fn acted(outcome: &crate::queue::Outcome) -> String {
    use crate::store::ReentryStatus;
    let reference = &outcome.reference;
    match outcome.status {
        ReentryStatus::Claimed => match outcome.claimed_until {
            Some(until) => format!("{reference} is yours until {}.", time::format_uk(until)),
            None => format!("{reference} is yours."),
        },
        ReentryStatus::Done => format!("{reference} done: it is in the new system."),
        ReentryStatus::Query => format!("{reference} is waiting for a clinician."),
        ReentryStatus::NotRequired => format!("{reference} set aside as not required."),
        ReentryStatus::Open => format!("{reference} is open again."),
    }
}

/// Puts text on the clipboard through the terminal (OSC 52), when there is a terminal to ask.
/// Terminals that do not support it ignore the request; nothing else is written to the screen.
fn copy_to_clipboard(text: &str) {
    use base64::Engine;
    use std::io::{IsTerminal, Write};
    let mut out = std::io::stdout();
    if out.is_terminal() {
        let encoded = base64::engine::general_purpose::STANDARD.encode(text);
        let _ = write!(out, "\x1b]52;c;{encoded}\x07");
        let _ = out.flush();
    }
}

fn open_entry(store: &Store, id: &str) -> Result<app::EntryDetail> {
    let header = store.find_entry(id)?;
    let revisions = store.revisions(&header)?;
    let current = store.current_revision(&header)?;
    let patient = store.patient_of(&current)?;
    let prefix = revisions.first().map(|r| r.workstation_prefix.clone()).unwrap_or_default();
    let row = EntryRow {
        workstation_prefix: prefix,
        content: current.content.clone(),
        patient: patient.clone(),
        revisions: revisions.len() as i64,
        header,
    };
    Ok(app::EntryDetail { row, revisions, patient })
}

/// Saves a checked form in one transaction: the patient, the entry (or its new revision), and the
/// draft's removal, so a crash can leave either the draft or the entry, never both or neither.
fn save_entry(
    store: &Store,
    user: Option<&str>,
    entry: &form::CheckedEntry,
    now: chrono::DateTime<Utc>,
) -> Result<Msg> {
    let actor = store.actor(user)?;
    store.write_at(now, |tx| {
        let (patient_id, warnings) = match &entry.patient {
            PatientChoice::Existing(id) => (Some(id.clone()), Vec::new()),
            PatientChoice::New(input) => {
                let resolved = tx.resolve_patient(&actor, input, crate::store::PatientCheck::default())?;
                (Some(resolved.id), resolved.warnings)
            }
            PatientChoice::Nobody => (None, Vec::new()),
        };
        let (reference, amended) = match &entry.amending {
            Some(target) => {
                let header = tx.find_entry(&target.entry_id)?;
                tx.revise_entry(
                    &actor,
                    &header,
                    &entry.content,
                    patient_id.as_deref(),
                    entry.reason.as_deref(),
                    false,
                )?;
                (header.reference, true)
            }
            None => (tx.log_entry(&actor, &entry.content, patient_id.as_deref())?.reference, false),
        };
        tx.remove_draft(&entry.draft_id)?;
        Ok(Msg::Saved { reference, kind: entry.content.kind, warnings, amended })
    })
}
