//! The terminal UI: the event loop, and the runner that carries out what `App::update` asks for.
//! The loop, not the state, touches the database.

mod app;
mod field;
mod form;
mod keys;
mod lists;
mod passphrase;
mod paste;
mod queue_screen;
mod queue_view;
mod queue_words;
mod runbook;
mod setup;
mod sharing;
mod theme;
mod view;

use std::collections::VecDeque;
use std::io::IsTerminal;
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, Ordering};
use std::time::{Duration, Instant};

use chrono::Utc;
use ratatui::crossterm::event::{self, Event};

pub use app::{App, BackupAlert, Cutover, Effect, HomeData, Msg, Screen, Start};
pub use passphrase::{Gate, Outcome};
use queue_screen::Change;
pub use sharing::{SharingStatus, round as sharing_round};
pub use theme::Theme;
pub use view::{view, view_gate};

use crate::config::DatabaseLocation;
use crate::domain::time;
use crate::error::{Error, Result};
use crate::store::{EntryRow, ListFilter, OpenMode, Passphrase, Store, settings_key};

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
            go_live: settings.go_live(),
            sla_hours: settings.sla_hours(),
            demo: settings.is_demo(),
            workstation: store.local_workstation()?.prefix,
            done_without_reference: settings.done_without_reference(),
            encrypted: store.is_encrypted(),
        },
        staff: store.staff()?,
        last_user: settings.get(LAST_USER).map(String::from),
        drafts: store.drafts_free_at(now)?,
        home: load_home(store, now)?,
    })
}

fn load_home(store: &Store, now: chrono::DateTime<Utc>) -> Result<HomeData> {
    let go_live = store.settings()?.go_live();
    let runbook = crate::runbook::load(store)?;
    Ok(HomeData {
        today: store.counts_by_kind_since(app::start_of_day(now))?,
        recent: store.recent_here(8)?,
        services_awaiting: runbook.awaiting_back_on(go_live, now).into_iter().map(|s| s.name.clone()).collect(),
        clashes: store.clashes_to_look_at()?,
        holds_entries: store.holds_entries()?,
    })
}

/// Runs the UI on the database at `location` until the user leaves or a signal asks it to stop:
/// first the passphrase screen when one is needed (see `opening`), then the log's screens.
pub fn run(location: DatabaseLocation) -> Result<()> {
    // Before the terminal is taken: a database that cannot be opened is said as by any command.
    let opening = opening(&location)?;
    let stop = Arc::new(AtomicBool::new(false));
    let left = crate::platform::on_termination(Arc::clone(&stop)).map_err(Error::Output)?;
    watch_for_hang_up(Arc::clone(&stop));
    let theme = Theme::from_env();
    // Installs a panic hook that puts the terminal back before any message is printed.
    let mut terminal = ratatui::init();
    marked_pastes(true);
    let store = match opening {
        Opening::Open(store) => Ok(Some(store)),
        Opening::Gate(gate) => through_the_gate(&mut terminal, gate, &location, &theme, &stop),
    };
    let result = match store {
        Ok(Some(store)) => session(&mut terminal, &store, &theme, &stop),
        Ok(None) => Ok(()),
        Err(e) => Err(e),
    };
    marked_pastes(false);
    ratatui::restore();
    drop(left);
    result
}

/// The log's screens on `store`, from "who is working?" (or setting up) until the user leaves.
fn session(terminal: &mut ratatui::DefaultTerminal, store: &Store, theme: &Theme, stop: &AtomicBool) -> Result<()> {
    let now = crate::config::now();
    let mut app = App::new(load_start(store, now)?, now);
    sharing::start(store);
    // A database copied from another PC is said so at start-up, whether or not it shares.
    if let Some(moved) = store.moved_from()? {
        let copied = crate::error::Sharing::Copied { home: moved.home.describe(), now: moved.now.describe() };
        dispatch(store, &mut app, Msg::Failed(copied.to_string()));
    }
    event_loop(terminal, store, &mut app, theme, stop)
}

/// How the screens open the database: straight away, or after a passphrase screen.
pub enum Opening {
    Open(Store),
    Gate(Gate),
}

/// How the UI opens the database at `location`. An encrypted database, and no passphrase given: its
/// passphrase is asked for, and nothing from it is shown until it opens. A new practice (no
/// database yet, or a plain one nobody has set up) with no passphrase given: the manager chooses
/// one, and the database is made encrypted with it. Otherwise the database opens as for any
/// command; a fault is returned as it would be there.
pub fn opening(location: &DatabaseLocation) -> Result<Opening> {
    if location.passphrase.is_none() && !location.path.exists() {
        return Ok(Opening::Gate(Gate::choose()));
    }
    match Store::open(location, OpenMode::Create) {
        Ok(store) if location.passphrase.is_none() && never_set_up_plain(&store)? => Ok(Opening::Gate(Gate::choose())),
        Ok(store) => Ok(Opening::Open(store)),
        Err(Error::PassphraseNeeded(_)) => Ok(Opening::Gate(Gate::unlock())),
        Err(e) => Err(e),
    }
}

/// A plain database that no practice has been set up in: one the first-run screen was left on
/// before, or that a command made.
fn never_set_up_plain(store: &Store) -> Result<bool> {
    let settings = store.settings()?;
    Ok(!store.is_encrypted() && settings.practice().is_none() && !settings.is_demo())
}

/// What a message on a passphrase screen led to.
pub enum Passed {
    Stay,
    Leave,
    Open(Box<Store>),
}

/// Feeds a message to a passphrase screen and carries out what it asks for (see `carry_out`).
pub fn pass(gate: &mut Gate, location: &DatabaseLocation, msg: Msg) -> Result<Passed> {
    let outcome = gate.update(msg);
    carry_out(gate, location, outcome)
}

/// A passphrase typed is tried on the database: a wrong one is said on the screen, which asks
/// again, and the file is not changed (nothing is written before the key is found right). A
/// passphrase chosen (or none) makes the new practice's database. Other faults are returned.
fn carry_out(gate: &mut Gate, location: &DatabaseLocation, outcome: Outcome) -> Result<Passed> {
    match outcome {
        Outcome::Nothing => Ok(Passed::Stay),
        Outcome::Leave => Ok(Passed::Leave),
        Outcome::Unlock(passphrase) => {
            let keyed = DatabaseLocation { passphrase: Some(passphrase), ..location.clone() };
            match Store::open(&keyed, OpenMode::Existing) {
                Ok(store) => Ok(Passed::Open(Box::new(store))),
                Err(Error::WrongPassphrase(_)) => {
                    gate.wrong();
                    Ok(Passed::Stay)
                }
                Err(e) => Err(e),
            }
        }
        Outcome::Chosen(passphrase) => new_practice(location, passphrase).map(|store| Passed::Open(Box::new(store))),
    }
}

/// The new practice's database, encrypted with the passphrase chosen (or plain, with none): made
/// now if there is none yet, so that no byte of it is ever written unencrypted; a plain one made
/// before anyone set it up is written again encrypted, as `cutover encrypt` does.
fn new_practice(location: &DatabaseLocation, passphrase: Option<Passphrase>) -> Result<Store> {
    if !location.path.exists() {
        return Store::open(&DatabaseLocation { passphrase, ..location.clone() }, OpenMode::Create);
    }
    let store = Store::open(location, OpenMode::Existing)?;
    let Some(new) = passphrase else { return Ok(store) };
    let actor = store.setup_actor(None)?;
    Ok(crate::encryption::reseal_all(store, location, None, &new, &actor, "encrypt")?.store)
}

/// The passphrase screen, until the database opens (`Some`) or the person leaves (`None`).
fn through_the_gate(
    terminal: &mut ratatui::DefaultTerminal,
    mut gate: Gate,
    location: &DatabaseLocation,
    theme: &Theme,
    stop: &AtomicBool,
) -> Result<Option<Store>> {
    let draw = |terminal: &mut ratatui::DefaultTerminal, gate: &Gate| {
        terminal.draw(|frame| view_gate(gate, crate::config::now(), theme, frame)).map(|_| ()).map_err(Error::Output)
    };
    let mut bursts = paste::Bursts::default();
    // As in `event_loop`: how soon keys follow the last drawing tells the rest of a paste.
    let mut ready = Instant::now();
    let mut after_keys = true;
    loop {
        draw(terminal, &gate)?;
        if after_keys {
            ready = Instant::now();
        }
        after_keys = false;
        let msgs = if stop.load(Ordering::Relaxed) {
            vec![Msg::Stop]
        } else if event::poll(TICK).map_err(Error::Output)? {
            if !std::io::stdin().is_terminal() {
                vec![Msg::Stop]
            } else {
                after_keys = true;
                bursts.sort(read_waiting()?, ready.elapsed())
            }
        } else {
            continue; // the clock in the header moves on
        };
        for msg in msgs {
            let outcome = gate.update(msg);
            if matches!(outcome, Outcome::Unlock(_) | Outcome::Chosen(_)) {
                // Deriving the key takes a moment: the screen says what is happening meanwhile.
                draw(terminal, &gate)?;
            }
            match carry_out(&mut gate, location, outcome)? {
                Passed::Stay => {}
                Passed::Leave => return Ok(None),
                Passed::Open(store) => return Ok(Some(*store)),
            }
        }
    }
}

/// Asks the terminal to mark pasted text (bracketed paste), so a paste arrives whole rather than as
/// keys; and, when leaving or on a panic, to stop, so the shell is not sent the marks afterwards.
/// A terminal that does not types pastes as keys, and `paste::Bursts` sorts them out. Not asked
/// where terminals cannot mark pastes for crossterm (`platform::TERMINAL_MARKS_PASTES`).
fn marked_pastes(on: bool) {
    if !crate::platform::TERMINAL_MARKS_PASTES {
        return;
    }
    use ratatui::crossterm::{event::DisableBracketedPaste, event::EnableBracketedPaste, execute};
    let mut out = std::io::stdout();
    let done = if on { execute!(out, EnableBracketedPaste) } else { execute!(out, DisableBracketedPaste) };
    if let Err(e) = done {
        tracing::info!("bracketed paste not available ({e}): pastes are told apart by their speed");
    }
    if on {
        let restore = std::panic::take_hook();
        std::panic::set_hook(Box::new(move |info| {
            let _ = execute!(std::io::stdout(), DisableBracketedPaste);
            restore(info);
        }));
    }
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
    let mut bursts = paste::Bursts::default();
    // When the screen was last drawn after keys: how soon the next keys follow tells whether they
    // are the rest of a paste. A tick leaves it alone, so a key after a tick is not "soon".
    let mut ready = Instant::now();
    let mut after_keys = true;
    while !app.quit {
        for news in backup_news() {
            dispatch(store, app, news);
        }
        terminal.draw(|frame| view(app, theme, frame)).map_err(Error::Output)?;
        if after_keys {
            ready = Instant::now();
        }
        after_keys = false;
        let msgs = if stop.load(Ordering::Relaxed) {
            vec![Msg::Stop]
        } else if event::poll(TICK).map_err(Error::Output)? {
            // A closed window hangs the terminal up: reading it then would never return, so look first.
            if stop.load(Ordering::Relaxed) || !std::io::stdin().is_terminal() {
                dispatch(store, app, Msg::Stop);
                continue;
            }
            let waited = ready.elapsed();
            after_keys = true;
            bursts.sort(read_waiting()?, waited)
        } else {
            vec![Msg::Tick(crate::config::now())]
        };
        let Some(first) = msgs.first() else { continue }; // a resize redraws at the top of the loop
        if last_tick.elapsed() >= TICK && !matches!(first, Msg::Tick(_)) {
            dispatch(store, app, Msg::Tick(crate::config::now()));
        }
        if let Some(shared) = sharing::newer_than(app.sharing.as_ref().map_or(0, |s| s.round)) {
            dispatch(store, app, Msg::Shared(shared));
        }
        last_tick = Instant::now();
        // The whole batch, then one drawing: a long paste is drawn once it is in, not key by key.
        for msg in msgs {
            if app.quit {
                break;
            }
            dispatch(store, app, msg);
        }
    }
    Ok(())
}

/// The event that is ready, and every one already waiting behind it (up to `paste::MAX_BATCH`):
/// keys that arrive together are a paste, which `paste::Bursts` tells from typing.
fn read_waiting() -> Result<Vec<Event>> {
    let mut events = vec![event::read().map_err(Error::Output)?];
    while events.len() < paste::MAX_BATCH && event::poll(Duration::ZERO).map_err(Error::Output)? {
        events.push(event::read().map_err(Error::Output)?);
    }
    // Also when the batch is full: crossterm may have just finished a chunk, and the rest waits.
    crate::platform::wake_reader_if_input_waits();
    Ok(events)
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
        Effect::Setup { practice, fdp, prefix, member } => (|| {
            let actor = store.setup_actor(None)?;
            store.write_at(now, |tx| {
                tx.set_settings(
                    &actor,
                    &[(settings_key::PRACTICE, practice.clone()), (settings_key::FDP, time::to_storage(fdp))],
                )?;
                if let Some(prefix) = &prefix {
                    // As `init --prefix` does.
                    tx.set_local_workstation(None, Some(prefix))?;
                    tx.audit(&actor, "workstation", None, serde_json::json!({ "name": null, "prefix": prefix }))?;
                }
                tx.add_staff(&actor, &member)
            })?;
            back_up_in_background(store, now);
            Ok(Some(Msg::SetupDone(Box::new(load_start(store, now)?))))
        })(),
        Effect::AddStaff(member) => (|| {
            let actor = store.setup_actor(user.as_deref())?;
            store.write_at(now, |tx| tx.add_staff(&actor, &member))?;
            back_up_in_background(store, now);
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
            .find_patients(&query, form::LOOKUP_ROWS, now)
            .map(|found| Some(Msg::PatientsFound { more: found.more_words(), query, results: found.patients })),
        Effect::SaveEntry(request) => match save_entry(store, user.as_deref(), &request, now) {
            Ok(saved) => {
                back_up_in_background(store, now);
                sharing::nudge(user.as_deref());
                Ok(Some(saved))
            }
            Err(Error::NeedsConfirmation(warnings)) => Ok(Some(Msg::NeedsConfirmation { warnings, request })),
            Err(Error::Invalid(problems)) => Ok(Some(Msg::NotSaved(problems))),
            Err(e) => Err(e),
        },
        Effect::Void { entry_id, reason } => (|| {
            let actor = store.actor(user.as_deref())?;
            let reference = store.write_at(now, |tx| crate::entries::void(tx, &actor, &entry_id, &reason))?;
            back_up_in_background(store, now);
            sharing::nudge(user.as_deref());
            Ok(Some(Msg::Voided { reference }))
        })(),
        Effect::LoadQueue { query, progress: true } => crate::queue::build_with_progress(store, &query, now)
            .map(|(queue, progress)| Some(Msg::Queue { queue, progress: Some(progress) })),
        Effect::LoadQueue { query, progress: false } => {
            crate::queue::build(store, &query, now).map(|queue| Some(Msg::Queue { queue, progress: None }))
        }
        Effect::OpenQueueItem(id) => open_entry(store, &id).map(|d| Some(Msg::QueueItem(Box::new(d)))),
        Effect::CheckChange { change, entry_id, reference } => {
            Ok(Some(check_change(store, user.as_deref(), change, entry_id, reference, now)))
        }
        Effect::Act { entry_id, request, confirmed } => {
            let made = store
                .actor(user.as_deref())
                .and_then(|actor| crate::queue::act_confirmed(store, &actor, &entry_id, &request, now, confirmed));
            Ok(Some(match made {
                Ok(outcome) => {
                    back_up_in_background(store, now);
                    sharing::nudge(user.as_deref());
                    Msg::Acted { text: acted(&outcome, &request) }
                }
                Err(Error::NeedsConfirmation(warnings)) => {
                    Msg::ActQuestions(warnings.iter().map(|w| queue_words::capitalised(&w.to_string())).collect())
                }
                Err(e) => Msg::NotActed(queue_words::refusal(&e)),
            }))
        }
        Effect::Copy(text) => {
            copy_to_clipboard(&text);
            Ok(None)
        }
        Effect::SaveDraft { id, kind, body, release } => {
            let window = (!release).then_some(app.window.as_str());
            store.write_at(now, |tx| tx.save_draft(&id, user.as_deref(), &kind, &body, window)).map(|_| None)
        }
        Effect::TakeDraft(id) => {
            store.write_at(now, |tx| tx.take_draft(&id, &app.window)).map(|taken| Some(Msg::DraftTaken { id, taken }))
        }
        Effect::RemoveDraft(id) => store.write_at(now, |tx| tx.remove_draft(&id)).map(|_| None),
        Effect::LoadDrafts => store.drafts_free_at(now).map(|drafts| Some(Msg::Drafts(drafts))),
        Effect::LoadRunbook => (|| {
            let go_live = store.settings()?.go_live();
            let overview = Box::new(crate::runbook::load(store)?);
            Ok(Some(Msg::Runbook { overview, callbacks: store.callbacks()?, go_live }))
        })(),
        Effect::Runbook(change) => (|| {
            let actor = store.actor(user.as_deref())?;
            match save_runbook(store, &actor, &change, now) {
                Ok(text) => {
                    back_up_in_background(store, now);
                    sharing::nudge(user.as_deref());
                    Ok(Some(Msg::RunbookSaved(text)))
                }
                Err(Error::Runbook(crate::runbook::Refusal::SignoffHeld { open_issues, unchecked })) => {
                    Ok(Some(Msg::SignoffHeld(crate::runbook::recheck::SignoffHold { open_issues, unchecked })))
                }
                Err(e) => Err(e),
            }
        })(),
    };
    result.unwrap_or_else(|e| {
        tracing::warn!("a screen's request failed: {}", e.for_the_log());
        Some(Msg::Failed(e.to_string()))
    })
}

/// Writes one change made on the runbook screen, by the same store operations as the commands, and
/// says what was done.
fn save_runbook(
    store: &Store,
    actor: &crate::store::Actor,
    change: &runbook::Change,
    now: chrono::DateTime<Utc>,
) -> Result<String> {
    use crate::error::Error;
    use crate::runbook::Refusal;
    use crate::runbook::recheck::RecheckState;
    let g = crate::runbook::guide();
    match change {
        runbook::Change::Plan { category, how, lead } => {
            let found = g.category(category).ok_or_else(|| {
                Error::Runbook(Refusal::UnknownCategory { given: category.clone(), known: Vec::new() })
            })?;
            Ok(match store.write_at(now, |tx| tx.set_plan(actor, found, how, lead))? {
                Some(v) => format!("Plan for {} saved; lead {}.", found.name, v.lead),
                None => format!("Nothing changed: the plan for {} already says that.", found.name),
            })
        }
        runbook::Change::Tick { item, note } => {
            let found = g.item(item).ok_or_else(|| Error::Runbook(Refusal::UnknownItem(item.clone())))?;
            Ok(match store.write_at(now, |tx| tx.tick(actor, found, note.as_deref()))? {
                crate::store::Ticked::AlreadyTicked { by, .. } => {
                    format!("{} was already ticked by {by}; give a note to add one.", found.id)
                }
                crate::store::Ticked::Noted => format!("Added the note to {}.", found.id),
                _ => format!("Ticked {}.", found.id),
            })
        }
        runbook::Change::Untick { item, reason } => {
            let found = g.item(item).ok_or_else(|| Error::Runbook(Refusal::UnknownItem(item.clone())))?;
            store.write_at(now, |tx| tx.untick(actor, found, reason))?;
            Ok(format!("Unticked {}; its tick and your reason stay in its history.", found.id))
        }
        runbook::Change::AddService { name } => {
            store.write_at(now, |tx| tx.add_service(actor, name))?;
            Ok(format!(
                "Added {} to the services list ({}).",
                name.trim(),
                crate::runbook::services::ServiceState::ToSwitchOff.words()
            ))
        }
        runbook::Change::Service { name, state, note } => {
            let now_in = store.write_at(now, |tx| tx.service_update(actor, name, *state, note.as_deref()))?;
            Ok(match state {
                Some(_) => format!("{name}: {}.", now_in.words()),
                None => format!("Note added to {name}; it is still {}.", now_in.words()),
            })
        }
        runbook::Change::RecheckMark { subject, label, state, note } => {
            store.write_at(now, |tx| tx.recheck_mark(actor, subject, *state, note.as_deref()))?;
            Ok(match state {
                RecheckState::Matches => format!("Marked {label}: matches."),
                RecheckState::Issue => {
                    format!(
                        "Recorded an issue for {label}. It holds up the sign-off until it is fixed or accepted (p)."
                    )
                }
                _ => format!("{label}: {}.", state.words()),
            })
        }
        runbook::Change::RecheckAdd { nhs_number } => {
            let shown = crate::domain::nhs::NhsNumber::parse_held(nhs_number)
                .map_or_else(|_| nhs_number.clone(), |n| n.to_string());
            Ok(if store.write_at(now, |tx| tx.recheck_add(actor, nhs_number))? {
                format!("Added {shown} to the go-live re-check (tested at the initial data production).")
            } else {
                format!("{shown} is already in the go-live re-check; nothing was changed.")
            })
        }
        runbook::Change::RecheckSample { size, seed } => {
            let seed = seed.unwrap_or_else(crate::runbook::recheck::new_seed);
            let drawn = store.write_at(now, |tx| tx.recheck_sample(actor, *size, seed))?;
            let already = if drawn.already.is_empty() {
                String::new()
            } else {
                format!(" {} already in the re-check.", drawn.already.len())
            };
            let patients = |n: usize| format!("{n} patient{}", if n == 1 { "" } else { "s" });
            Ok(format!(
                "Drew {} of the {} on the patient list with seed {seed}: the same seed draws the same sample again.{already}",
                patients(drawn.drawn.len()),
                patients(drawn.sample.population)
            ))
        }
        runbook::Change::Signoff { reason } => {
            let signed = store.write_at(now, |tx| tx.signoff(actor, reason.as_deref()))?;
            let with = if signed.open_issues + signed.unchecked > 0 { ", with the reason recorded" } else { "" };
            Ok(format!(
                "Go Live Data signed off by {} on {}{with}. Confirm it to the new supplier.",
                signed.staff_id,
                time::format_uk(signed.at)
            ))
        }
    }
}

/// The rolling backups' turn after a save (see `crate::backup`), taken on a thread of its own so
/// that the screen never waits for it, one at a time: a save made while one is being taken asks
/// for another turn once it ends. What each turn found comes back to the screen through
/// `backup_news`: a backup not made is shown, and stays shown, until one is made.
fn back_up_in_background(store: &Store, now: chrono::DateTime<Utc>) {
    let path = store.path().to_path_buf();
    let passphrase = store.passphrase().cloned();
    if !path.exists() {
        return;
    }
    {
        let mut backups = rolling_backups();
        if backups.running {
            backups.again = Some(now);
            return;
        }
        backups.running = true;
    }
    std::thread::spawn(move || {
        let mut now = now;
        loop {
            let news = match crate::backup::keep_rolling(&path, passphrase.as_ref(), now) {
                Ok(crate::backup::Rolling::NotDue) => None,
                Ok(crate::backup::Rolling::Made(made) | crate::backup::Rolling::Refreshed(made)) => {
                    tracing::info!(backup = %made.display(), "rolling backup made");
                    Some(Msg::BackupMade)
                }
                Err(e) => {
                    tracing::warn!("{}", e.for_the_log());
                    e.backup_alert().map(|text| Msg::BackupNotMade(app::BackupAlert { text, damaged: e.is_damage() }))
                }
            };
            let mut backups = rolling_backups();
            backups.news.extend(news);
            match backups.again.take() {
                Some(later) => now = later,
                None => {
                    backups.running = false;
                    return;
                }
            }
        }
    });
}

/// The rolling backups being taken in the background, and what they found that the screen has
/// not yet been told.
#[derive(Default)]
struct RollingBackups {
    running: bool,
    again: Option<chrono::DateTime<Utc>>,
    news: Vec<Msg>,
}

fn rolling_backups() -> std::sync::MutexGuard<'static, RollingBackups> {
    static BACKUPS: std::sync::Mutex<RollingBackups> =
        std::sync::Mutex::new(RollingBackups { running: false, again: None, news: Vec::new() });
    BACKUPS.lock().unwrap_or_else(std::sync::PoisonError::into_inner)
}

/// What the rolling backups taken in the background found since the screen was last told.
fn backup_news() -> Vec<Msg> {
    std::mem::take(&mut rolling_backups().news)
}

/// Waits for the rolling backups being taken in the background, then tells the screen what they
/// found, as the event loop does on its next turn.
pub fn finish_backups(store: &Store, app: &mut App) {
    while rolling_backups().running {
        std::thread::sleep(Duration::from_millis(10));
    }
    for msg in backup_news() {
        dispatch(store, app, msg);
    }
}

/// Whether a change to a queue item would be allowed now, asked before its questions: a done is
/// asked about with a stand-in reference, so that only what the reference cannot change refuses it.
fn check_change(
    store: &Store,
    user: Option<&str>,
    change: Change,
    entry_id: String,
    reference: String,
    now: chrono::DateTime<Utc>,
) -> Msg {
    use crate::error::Reentry;
    use crate::queue::Request;
    let request = match change {
        Change::Done => Request::Done {
            new_system_ref: Some("?".into()),
            note: None,
            nhs_number: None,
            waive_nhs: None,
            take_over: false,
        },
        Change::Query => Request::Query { note: "?".into(), to: None },
        Change::Answer => Request::Answer { note: "?".into() },
        Change::NotRequired => Request::NotRequired { reason: "?".into() },
        Change::Waive => Request::WaiveNhs { reason: "?".into() },
        Change::TakeOver => Request::Claim { take_over: true },
    };
    let checked = store.actor(user).and_then(|actor| crate::queue::check(store, &actor, &entry_id, &request, now));
    match checked {
        Ok(()) => Msg::Checked { change, entry_id, reference, needs_nhs: false },
        Err(Error::Reentry(Reentry::RegistrationNeedsNhsNumber { .. })) => {
            Msg::Checked { change, entry_id, reference, needs_nhs: true }
        }
        Err(e) => Msg::NotActed(queue_words::refusal(&e)),
    }
}

/// What a queue action did, in a sentence.
fn acted(outcome: &crate::queue::Outcome, request: &crate::queue::Request) -> String {
    use crate::queue::Request;
    use crate::store::ReentryStatus;
    let reference = &outcome.reference;
    match (request, outcome.status) {
        (Request::Release, _) => format!("{reference} released: it is back in the queue for anyone."),
        (Request::Answer { .. }, _) => format!("{reference} answered: it is back in the queue for the admin staff."),
        (Request::WaiveNhs { .. }, _) => {
            format!("{reference} may be keyed without an NHS number: the reason is recorded.")
        }
        (_, ReentryStatus::Claimed) => {
            let until = outcome.claimed_until.map(|u| format!(" until {}", time::format_uk(u))).unwrap_or_default();
            match &outcome.taken_from {
                Some(from) => format!("{reference} taken over from {from}: it is yours{until}. Tell {from}."),
                None => format!("{reference} is yours{until}."),
            }
        }
        (_, ReentryStatus::Done) => format!("{reference} done: it is in the new system."),
        (_, ReentryStatus::Query) => format!("{reference} is waiting for a clinician."),
        (_, ReentryStatus::NotRequired) => format!("{reference} set aside as not required."),
        (_, ReentryStatus::Open) => format!("{reference} is open again."),
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
    let notices = crate::notices::of_entry(store, &row.header, &revisions)?;
    // Shown now: no longer counted on the home screen as waiting to be looked at.
    if let Err(e) = store.looked_at(&row.header.id) {
        tracing::warn!("a clash looked at was not noted: {}", e.for_the_log());
    }
    Ok(app::EntryDetail { row, revisions, patient, scroll: 0, notices })
}

/// Saves a checked form through the entry service in one transaction, with the draft's removal,
/// so a crash can leave either the draft or the entry, never both or neither.
fn save_entry(
    store: &Store,
    user: Option<&str>,
    request: &form::SaveRequest,
    now: chrono::DateTime<Utc>,
) -> Result<Msg> {
    let actor = store.actor(user)?;
    store.write_at(now, |tx| {
        if request.resumed && !tx.draft_exists(&request.draft_id)? {
            return Err(Error::DraftGone);
        }
        let (saved, amended) = match &request.change {
            form::Change::New(entry) => (crate::entries::log(tx, &actor, entry, request.confirmed)?, false),
            form::Change::Amend(amendment) => match crate::entries::amend(tx, &actor, amendment, request.confirmed)? {
                Some(saved) => (saved, true),
                None => {
                    tx.remove_draft(&request.draft_id)?;
                    return Ok(Msg::Unchanged);
                }
            },
        };
        tx.remove_draft(&request.draft_id)?;
        Ok(Msg::Saved { reference: saved.reference, kind: saved.kind, warnings: saved.warnings, amended })
    })
}
