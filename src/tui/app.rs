//! The UI's state and `update`: a key or a result comes in, the state changes, and what should
//! happen next (save, load, search) goes out as effects. Nothing here touches the database.

use chrono::{DateTime, Duration, Utc};
use ratatui::crossterm::event::{KeyCode, KeyEvent, KeyModifiers};
use ratatui_textarea::TextArea;

use super::field::Editor;
use super::form::{Amending, DraftBody, EntryForm, FormOutcome, LOOKUP_ROWS, Row, SaveRequest};
use super::keys::{self, Command};
use super::queue_screen::{Change, QueueScreen};
use super::setup::{SetupForm, SetupOutcome};
use crate::domain::fields::{FieldProblem, Kind};
use crate::domain::text::fold;
use crate::domain::time;
use crate::error::Warning;
use crate::queue::{Progress, Queue, QueueQuery, Request};
use crate::store::{Draft, EntryRow, Patient, RecentEntry, Revision, StaffMember};

/// How often a form being typed is saved as a draft, at most, on the keys alone. The clock's tick
/// (every half second, and half a second after the last key) saves whatever is left unsaved.
pub const DRAFT_EVERY: Duration = Duration::seconds(2);
/// How often an open form renews its window's hold on its draft even when nothing is typed: well
/// within the store's `DRAFT_HOLD`, so another window never takes a form this one still has open.
pub const HOLD_RENEW_EVERY: Duration = Duration::seconds(5);
/// What a paste where nothing takes text is answered with.
pub const PASTE_IGNORED: &str = "Nothing was pasted: a paste goes only into a box for typing in.";
/// How many entries the list loads at a time.
pub const ENTRIES_PAGE: u64 = 200;

/// What the cutover is, as the header shows it.
#[derive(Debug, Clone, Default)]
pub struct Cutover {
    pub practice: Option<String>,
    pub fdp: Option<DateTime<Utc>>,
    pub go_live: Option<DateTime<Utc>>,
    pub sla_hours: i64,
    pub demo: bool,
    pub workstation: String,
    /// The practice lets an item be marked done with no reference from the new system.
    pub done_without_reference: bool,
    /// The database is encrypted with the practice's passphrase.
    pub encrypted: bool,
}

#[derive(Debug, Clone, Default)]
pub struct HomeData {
    pub today: Vec<(Kind, i64)>,
    pub recent: Vec<RecentEntry>,
    /// After go-live, the third-party services not yet confirmed back on (issue 16).
    pub services_awaiting: Vec<String>,
    /// Entries with clashes between PCs that no one here has looked at yet (issue 14).
    pub clashes: Vec<crate::store::NotedClash>,
    /// Any entry is logged in the database (an unencrypted one then warns: issue 15).
    pub holds_entries: bool,
}

/// Everything the UI needs at start, read by the runner.
#[derive(Debug, Clone, Default)]
pub struct Start {
    pub cutover: Cutover,
    pub staff: Vec<StaffMember>,
    pub last_user: Option<String>,
    pub drafts: Vec<Draft>,
    pub home: HomeData,
}

#[derive(Debug, Clone)]
pub struct UserPicker {
    pub filter: TextArea<'static>,
    pub selected: usize,
}

impl UserPicker {
    pub fn matching<'a>(&self, staff: &'a [StaffMember]) -> Vec<&'a StaffMember> {
        let wanted = fold(&self.filter.lines().join(" "));
        staff.iter().filter(|s| fold(&s.name).contains(&wanted) || fold(&s.id).contains(&wanted)).collect()
    }
}

#[derive(Debug, Clone, Default, PartialEq)]
pub struct EntriesFilter {
    pub kind: Option<Kind>,
    pub today: bool,
    pub mine: bool,
    pub text: String,
}

#[derive(Debug, Clone, Default)]
pub struct EntriesList {
    pub filter: EntriesFilter,
    pub rows: Vec<EntryRow>,
    pub offset: u64,
    pub selected: usize,
    pub searching: Option<TextArea<'static>>,
    pub loading: bool,
}

/// One entry opened whole, with its history.
#[derive(Debug, Clone)]
pub struct EntryDetail {
    pub row: EntryRow,
    pub revisions: Vec<Revision>,
    pub patient: Option<Patient>,
    /// How many lines of it are scrolled past, on the screen that shows it whole.
    pub scroll: u16,
    /// What a person must know before working on it: clashes between PCs, a reference it had before.
    pub notices: Vec<String>,
}

// One screen at a time, so the size of the largest variant costs nothing worth boxing for.
#[allow(clippy::large_enum_variant)]
#[derive(Debug, Clone)]
pub enum Screen {
    Setup(SetupForm),
    ChooseUser(UserPicker),
    AddStaff(SetupForm),
    Drafts { selected: usize },
    Home,
    Form(Box<EntryForm>),
    Entries(EntriesList),
    Detail(Box<EntryDetail>),
    Queue(Box<QueueScreen>),
    Runbook(Box<super::runbook::RunbookScreen>),
}

// At most one overlay is open; see `Screen`.
#[allow(clippy::large_enum_variant)]
#[derive(Debug, Clone)]
pub enum Overlay {
    /// The keys of the screen, scrolled this many lines.
    Help(u16),
    ConfirmDiscard,
    /// Esc on the first-run screen after something was typed: nothing is set up if they leave.
    ConfirmLeaveSetup,
    /// Discarding a draft from the drafts list asks first, as discarding a form does.
    ConfirmDiscardDraft {
        id: String,
    },
    /// A question the entry service asked (a time in the future, say): the entry waits here
    /// until it gets a yes.
    ConfirmTime {
        warnings: Vec<Warning>,
        request: Box<SaveRequest>,
    },
    VoidReason {
        entry_id: String,
        reference: String,
        reason: TextArea<'static>,
    },
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Tone {
    Info,
    Success,
    Problem,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Status {
    pub text: String,
    pub tone: Tone,
}

/// What the UI asks the runner to do.
#[derive(Debug, Clone, PartialEq)]
pub enum Effect {
    Setup {
        practice: String,
        fdp: DateTime<Utc>,
        /// This PC's reference prefix, such as R2.
        prefix: Option<String>,
        member: StaffMember,
    },
    AddStaff(StaffMember),
    RememberUser(String),
    LoadHome,
    LoadEntries {
        filter: EntriesFilter,
        offset: u64,
        user: Option<String>,
    },
    OpenEntry(String),
    SearchPatients(String),
    SaveEntry(Box<SaveRequest>),
    Void {
        entry_id: String,
        reason: String,
    },
    /// `progress`: the progress by tier read too.
    LoadQueue {
        query: QueueQuery,
        progress: bool,
    },
    OpenQueueItem(String),
    /// Asks whether a change would be allowed, before its questions are asked.
    CheckChange {
        change: Change,
        entry_id: String,
        reference: String,
    },
    /// `confirmed`: a yes to the questions the database asked about this change.
    Act {
        entry_id: String,
        request: Request,
        confirmed: bool,
    },
    Copy(String),
    /// Keeps the form as a draft; `release` lets this window's hold on it go (the window is closing).
    SaveDraft {
        id: String,
        kind: String,
        body: String,
        release: bool,
    },
    /// Takes a draft to carry on with, unless another window is editing it.
    TakeDraft(String),
    /// Reads the drafts free now: a window that crashed since this one opened leaves its draft.
    LoadDrafts,
    RemoveDraft(String),
    LoadRunbook,
    Runbook(super::runbook::Change),
    Quit,
}

/// What comes back in: keys, the clock, and the results of effects.
#[derive(Debug, Clone)]
pub enum Msg {
    Key(KeyEvent),
    /// Text pasted (marked by the terminal, or a burst of keys read together): it only ever goes
    /// into the box being typed in, and is never taken as keys.
    Paste(String),
    Tick(DateTime<Utc>),
    /// Asked to end from outside (SIGTERM, SIGHUP, the console window closed): keep any form as a
    /// draft and leave.
    Stop,
    SetupDone(Box<Start>),
    StaffAdded(StaffMember),
    Home(HomeData),
    /// A sharing round finished (on its own thread): what it found.
    Shared(super::sharing::SharingStatus),
    Entries {
        offset: u64,
        rows: Vec<EntryRow>,
    },
    Opened(Box<EntryDetail>),
    PatientsFound {
        query: String,
        results: Vec<Patient>,
        /// "and 12 more: type more to narrow", when there are more than shown.
        more: Option<String>,
    },
    Saved {
        reference: String,
        kind: Kind,
        warnings: Vec<Warning>,
        amended: bool,
    },
    /// The entry service asked a question before saving: the form waits for a yes.
    NeedsConfirmation {
        warnings: Vec<Warning>,
        request: Box<SaveRequest>,
    },
    /// An amendment that changed nothing: the entry already says that.
    Unchanged,
    /// The entry service found problems as it saved (another window changed something meanwhile).
    NotSaved(Vec<FieldProblem>),
    Voided {
        reference: String,
    },
    /// Another window is editing this draft (or has saved it): it was not taken.
    DraftTaken {
        id: String,
        taken: bool,
    },
    /// Every draft free now, whoever typed it.
    Drafts(Vec<Draft>),
    /// A page of the queue, and the progress by tier when it was asked for.
    Queue {
        queue: Queue,
        progress: Option<Progress>,
    },
    QueueItem(Box<EntryDetail>),
    /// The change may be made: its questions can be asked. `needs_nhs`: a registration with no
    /// NHS number, which asks for the number the new system traced.
    Checked {
        change: Change,
        entry_id: String,
        reference: String,
        needs_nhs: bool,
    },
    Acted {
        text: String,
    },
    Runbook {
        overview: Box<crate::runbook::Overview>,
        callbacks: crate::store::Callbacks,
        go_live: Option<DateTime<Utc>>,
    },
    RunbookSaved(String),
    /// The store refused to sign off Go Live Data: this holds it up.
    SignoffHeld(crate::runbook::recheck::SignoffHold),
    /// A change to a queue item was not made, and why, in the screen's words.
    NotActed(String),
    /// The database asks before making the change: these need a yes.
    ActQuestions(Vec<String>),
    Failed(String),
    /// A rolling backup was made: whatever kept it from being made before is over.
    BackupMade,
    /// A rolling backup was not made after a save (which stands).
    BackupNotMade(BackupAlert),
}

/// Why the rolling backups are not being made, shown on every screen until one is made.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct BackupAlert {
    pub text: String,
    /// The database itself is damaged: the person must stop, not only tell someone.
    pub damaged: bool,
}

pub struct App {
    pub now: DateTime<Utc>,
    pub cutover: Cutover,
    pub staff: Vec<StaffMember>,
    pub user: Option<StaffMember>,
    pub screen: Screen,
    pub overlay: Option<Overlay>,
    pub status: Option<Status>,
    /// Stays on every screen, whatever keys are pressed, until a rolling backup is made again.
    pub backup_alert: Option<BackupAlert>,
    pub home: HomeData,
    /// The drafts this window may offer: none held by another window, and only the signed-in
    /// person's own (so that an entry is always saved in the name of who typed it).
    pub drafts: Vec<Draft>,
    /// Every draft free when the drafts were last read (at start, and on `o`), whoever typed it.
    pub all_drafts: Vec<Draft>,
    pub last_draft_at: DateTime<Utc>,
    /// This window (one run of the program): the holder of the draft it is editing.
    pub window: String,
    /// The entry list's filter, kept while an entry from it is open.
    pub entries_filter: EntriesFilter,
    pub quit: bool,
    /// What the last sharing round found, when this PC shares through a folder.
    pub sharing: Option<super::sharing::SharingStatus>,
}

/// "Not saved: please check …", naming each field with a problem once, in the form's words.
fn not_saved(problems: &[FieldProblem]) -> String {
    let mut fields: Vec<String> = Vec::new();
    for p in problems {
        // Field names in words, the NHS's own capitals kept ("NHS number", not "nhs number").
        let words = p.field.trim_start_matches("new_").replace('_', " ").replace("nhs ", "NHS ");
        if !fields.contains(&words) {
            fields.push(words);
        }
    }
    format!("Not saved: please check {}.", fields.join(", "))
}

fn new_id() -> String {
    uuid::Uuid::new_v4().to_string()
}

impl App {
    /// The first screen: setting up a new database, else who is working (the last person preselected).
    pub fn new(start: Start, now: DateTime<Utc>) -> App {
        let screen = if start.cutover.practice.is_none() || start.staff.is_empty() {
            Screen::Setup(SetupForm::first_run(now, start.cutover.practice.as_deref(), &start.cutover.workstation))
        } else {
            let selected =
                start.last_user.as_ref().and_then(|id| start.staff.iter().position(|s| &s.id == id)).unwrap_or(0);
            Screen::ChooseUser(UserPicker { filter: TextArea::default(), selected })
        };
        App {
            now,
            cutover: start.cutover,
            staff: start.staff,
            user: None,
            screen,
            overlay: None,
            status: None,
            backup_alert: None,
            home: start.home,
            drafts: Vec::new(),
            all_drafts: start.drafts,
            last_draft_at: now,
            window: new_id(),
            entries_filter: EntriesFilter::default(),
            quit: false,
            sharing: None,
        }
    }

    pub(super) fn say(&mut self, text: impl Into<String>, tone: Tone) {
        self.status = Some(Status { text: text.into(), tone });
    }

    pub fn staff_ids(&self) -> Vec<String> {
        self.staff.iter().map(|s| s.id.clone()).collect()
    }

    /// The keys the current screen offers, for the footer and help.
    pub fn bindings(&self) -> &'static [keys::Binding] {
        match &self.screen {
            Screen::Setup(_) => keys::FIRST_RUN,
            Screen::AddStaff(_) => keys::ADD_STAFF,
            Screen::ChooseUser(_) => keys::CHOOSE_USER,
            Screen::Drafts { .. } => keys::DRAFTS,
            Screen::Home => keys::HOME,
            Screen::Form(_) => keys::FORM,
            Screen::Entries(_) => keys::ENTRIES,
            Screen::Detail(_) => keys::DETAIL,
            Screen::Queue(_) => keys::QUEUE,
            Screen::Runbook(screen) => screen.bindings(),
        }
    }

    pub fn update(&mut self, msg: Msg) -> Vec<Effect> {
        match msg {
            Msg::Key(key) => self.on_key(key),
            Msg::Paste(text) => self.on_paste(&text),
            Msg::Tick(now) => {
                self.now = now;
                // An open form renews its hold on its draft now and then, typed in or not.
                let renew = self.now - self.last_draft_at >= HOLD_RENEW_EVERY;
                if let (Screen::Form(form), true) = (&mut self.screen, renew) {
                    form.dirty = true;
                }
                // What was typed is on disk within a tick: Windows may end the program as its
                // window closes, or at logoff, without waiting for it to save.
                let mut effects = self.autosave(true);
                effects.extend(self.queue_tick());
                effects
            }
            Msg::Stop => self.leave(),
            Msg::SetupDone(start) => {
                let user = start.staff.first().cloned();
                self.cutover = start.cutover;
                self.staff = start.staff;
                self.home = start.home;
                self.choose_user(user)
            }
            Msg::StaffAdded(member) => {
                self.staff.push(member.clone());
                self.staff.sort_by(|a, b| a.id.cmp(&b.id));
                self.choose_user(Some(member))
            }
            Msg::Home(home) => {
                self.home = home;
                Vec::new()
            }
            Msg::Shared(status) => {
                // Entries or clashes from other PCs arrived: the home screen follows.
                let reload = (status.took > 0 || status.news) && matches!(self.screen, Screen::Home);
                self.sharing = Some(status);
                if reload { vec![Effect::LoadHome] } else { Vec::new() }
            }
            Msg::Entries { offset, rows } => {
                if let Screen::Entries(list) = &mut self.screen {
                    list.loading = false;
                    if offset == 0 {
                        list.rows = rows;
                        list.selected = 0;
                    } else {
                        list.rows.extend(rows);
                    }
                    list.offset = offset;
                }
                Vec::new()
            }
            Msg::Opened(detail) => {
                self.screen = Screen::Detail(detail);
                Vec::new()
            }
            Msg::PatientsFound { query, results, more } => {
                if let Screen::Form(form) = &mut self.screen {
                    form.show_results(&query, results, more);
                }
                Vec::new()
            }
            Msg::Saved { reference, kind, warnings, amended } => {
                let what = if amended { "Amended" } else { "Saved" };
                let mut text = format!("{what} {reference} ({}). Write {reference} on any paper copy.", kind.label());
                for w in &warnings {
                    text.push_str(&format!(" Note: {w}"));
                }
                self.say(text, Tone::Success);
                self.screen = Screen::Home;
                vec![Effect::LoadHome]
            }
            Msg::Unchanged => {
                self.say("Nothing changed: the entry already says that.", Tone::Info);
                self.screen = Screen::Home;
                vec![Effect::LoadHome]
            }
            Msg::NeedsConfirmation { warnings, request } => {
                self.overlay = Some(Overlay::ConfirmTime { warnings, request });
                Vec::new()
            }
            Msg::NotSaved(problems) => {
                if let Screen::Form(form) = &mut self.screen {
                    form.show_problems(&problems);
                    if let Some(first) = problems.first() {
                        form.focus_on(&first.field);
                    }
                }
                self.say(not_saved(&problems), Tone::Problem);
                Vec::new()
            }
            Msg::DraftTaken { id, taken } => {
                if !taken && matches!(&self.screen, Screen::Form(form) if form.draft_id == id) {
                    self.screen = Screen::Home;
                    self.say(
                        "That draft is open in another window (or was saved there): carry on there.",
                        Tone::Problem,
                    );
                    return vec![Effect::LoadHome];
                }
                Vec::new()
            }
            Msg::Voided { reference } => {
                self.say(format!("Voided {reference}. It stays in the history."), Tone::Success);
                self.screen = Screen::Home;
                vec![Effect::LoadHome]
            }
            Msg::Queue { queue, progress } => self.queue_loaded(queue, progress),
            Msg::QueueItem(detail) => {
                if let Screen::Queue(screen) = &mut self.screen
                    && screen.selected_item().is_some_and(|i| i.entry_id == detail.row.header.id)
                {
                    screen.detail = Some(detail);
                }
                Vec::new()
            }
            Msg::Checked { change, entry_id, reference, needs_nhs } => {
                self.queue_checked(change, entry_id, reference, needs_nhs);
                Vec::new()
            }
            Msg::Acted { text } => self.queue_acted(text),
            Msg::NotActed(text) => {
                self.queue_refused(text);
                Vec::new()
            }
            Msg::ActQuestions(warnings) => {
                self.queue_questions(warnings);
                Vec::new()
            }
            Msg::Drafts(drafts) => {
                self.all_drafts = drafts;
                self.drafts = self.own_drafts();
                // Only if the person is still where they asked from.
                if matches!(self.screen, Screen::Home) {
                    if self.drafts.is_empty() {
                        self.say("There are no unsaved drafts.", Tone::Info);
                    } else {
                        self.screen = Screen::Drafts { selected: 0 };
                    }
                }
                Vec::new()
            }
            Msg::Runbook { overview, callbacks, go_live } => {
                if let Screen::Runbook(screen) = &mut self.screen {
                    screen.loaded(*overview, callbacks, go_live);
                }
                Vec::new()
            }
            Msg::SignoffHeld(hold) => {
                if let Screen::Runbook(screen) = &mut self.screen {
                    let held = screen.signoff_held(hold);
                    self.say(held, Tone::Problem);
                }
                vec![Effect::LoadRunbook]
            }
            Msg::RunbookSaved(text) => {
                if let Screen::Runbook(screen) = &mut self.screen {
                    screen.saved();
                }
                self.say(text, Tone::Success);
                vec![Effect::LoadRunbook]
            }
            Msg::Failed(text) => {
                self.say(text, Tone::Problem);
                Vec::new()
            }
            Msg::BackupMade => {
                self.backup_alert = None;
                Vec::new()
            }
            Msg::BackupNotMade(alert) => {
                // A lesser trouble never hides the news that the database is damaged.
                if !self.backup_alert.as_ref().is_some_and(|shown| shown.damaged && !alert.damaged) {
                    self.backup_alert = Some(alert);
                }
                Vec::new()
            }
        }
    }

    /// The free drafts the signed-in person may carry on with: their own, and any typed before
    /// anyone signed in.
    fn own_drafts(&self) -> Vec<Draft> {
        let Some(user) = &self.user else { return Vec::new() };
        self.all_drafts.iter().filter(|d| d.staff_id.as_ref().is_none_or(|s| *s == user.id)).cloned().collect()
    }

    fn choose_user(&mut self, user: Option<StaffMember>) -> Vec<Effect> {
        let Some(user) = user else { return Vec::new() };
        self.say(format!("Working as {} ({}).", user.name, user.id), Tone::Info);
        let remember = Effect::RememberUser(user.id.clone());
        self.user = Some(user);
        self.drafts = self.own_drafts();
        self.screen = if self.drafts.is_empty() { Screen::Home } else { Screen::Drafts { selected: 0 } };
        vec![remember, Effect::LoadHome]
    }

    /// Saves the form being typed as a draft: when asked (`now_or_never`), or when it changed and
    /// the last draft is a couple of seconds old.
    fn autosave(&mut self, now_or_never: bool) -> Vec<Effect> {
        self.keep_draft(now_or_never, false)
    }

    /// `autosave`, letting go of the draft when `release` (the window is closing).
    fn keep_draft(&mut self, now_or_never: bool, release: bool) -> Vec<Effect> {
        let Screen::Form(form) = &mut self.screen else { return Vec::new() };
        let due = self.now - self.last_draft_at >= DRAFT_EVERY;
        if !form.dirty || !(due || now_or_never) {
            return Vec::new();
        }
        form.dirty = false;
        self.last_draft_at = self.now;
        let body = serde_json::to_string(&form.draft()).unwrap_or_default();
        vec![Effect::SaveDraft { id: form.draft_id.clone(), kind: form.kind.name().to_string(), body, release }]
    }

    /// Leaving: a form being typed is kept as a draft, to be offered back next time.
    fn leave(&mut self) -> Vec<Effect> {
        let mut effects = Vec::new();
        if let Screen::Form(form) = &mut self.screen {
            form.dirty = true;
            effects = self.keep_draft(true, true);
        }
        self.quit = true;
        effects.push(Effect::Quit);
        effects
    }

    fn on_key(&mut self, key: KeyEvent) -> Vec<Effect> {
        if key.code == KeyCode::Char('c') && key.modifiers.contains(KeyModifiers::CONTROL) {
            return self.leave();
        }
        if self.overlay.is_some() {
            return self.on_overlay_key(key);
        }
        let before = self.status.clone();
        let effects = match &self.screen {
            Screen::Setup(_) | Screen::AddStaff(_) => self.on_setup_key(key),
            Screen::ChooseUser(_) => self.on_choose_user_key(key),
            Screen::Drafts { .. } => self.on_drafts_key(key),
            Screen::Home => self.on_home_key(key),
            Screen::Form(_) => self.on_form_key(key),
            Screen::Entries(_) => self.on_entries_key(key),
            Screen::Detail(_) => self.on_detail_key(key),
            Screen::Queue(_) => self.on_queue_key(key),
            Screen::Runbook(_) => self.on_runbook_key(key),
        };
        // A message stays until the next key, so it is read before it goes.
        if self.status == before && !matches!(self.screen, Screen::Form(_)) {
            self.status = None;
        }
        effects
    }

    /// A paste goes into the box that has focus, whatever the screen, and nowhere else: it never
    /// moves focus, saves, answers a question or runs a command. Where nothing takes text, it is
    /// ignored, and the status line says so.
    fn on_paste(&mut self, text: &str) -> Vec<Effect> {
        use super::paste::into_line;
        let now = self.now;
        let taken = match (&mut self.overlay, &mut self.screen) {
            (Some(Overlay::VoidReason { reason, .. }), _) => {
                into_line(reason, text);
                true
            }
            (Some(_), _) => false,
            (None, Screen::Setup(form) | Screen::AddStaff(form)) => form.paste(text),
            (None, Screen::ChooseUser(picker)) => {
                if into_line(&mut picker.filter, text) {
                    picker.selected = 0;
                }
                true
            }
            (None, Screen::Form(form)) if !takes_text(form) => false,
            (None, Screen::Form(form)) => {
                return match form.paste(text, now) {
                    FormOutcome::Search(query) => vec![Effect::SearchPatients(query)],
                    // A paste is a lot of text at once: keep it as a draft straight away.
                    _ => self.autosave(true),
                };
            }
            (None, Screen::Entries(EntriesList { searching: Some(search), .. })) => {
                into_line(search, text);
                true
            }
            (None, Screen::Queue(screen)) => {
                match (screen.prompt.as_mut().and_then(|p| p.current()), &mut screen.searching) {
                    (Some(answer), _) => {
                        into_line(&mut answer.text, text);
                        true
                    }
                    (None, Some(search)) => {
                        into_line(search, text);
                        true
                    }
                    (None, None) => false,
                }
            }
            (None, Screen::Runbook(screen)) => screen.on_paste(text),
            (None, Screen::Drafts { .. } | Screen::Home | Screen::Entries(_) | Screen::Detail(_)) => false,
        };
        if !taken {
            self.say(PASTE_IGNORED, Tone::Info);
        }
        Vec::new()
    }

    fn on_overlay_key(&mut self, key: KeyEvent) -> Vec<Effect> {
        let Some(overlay) = self.overlay.take() else { return Vec::new() };
        match overlay {
            // ↑/↓ and the page keys scroll a help taller than the window; any other key closes it.
            Overlay::Help(scroll) => {
                let moved = match key.code {
                    KeyCode::Down => Some(scroll.saturating_add(1)),
                    KeyCode::PageDown => Some(scroll.saturating_add(10)),
                    KeyCode::Up => Some(scroll.saturating_sub(1)),
                    KeyCode::PageUp => Some(scroll.saturating_sub(10)),
                    _ => None,
                };
                self.overlay = moved.map(|s| Overlay::Help(s.min(60)));
                Vec::new()
            }
            Overlay::ConfirmDiscard => match key.code {
                KeyCode::Char('y' | 'Y') => {
                    let Screen::Form(form) = &self.screen else { return Vec::new() };
                    let id = form.draft_id.clone();
                    self.drafts.retain(|d| d.id != id);
                    self.screen = Screen::Home;
                    self.say("Discarded. Nothing was saved.", Tone::Info);
                    vec![Effect::RemoveDraft(id), Effect::LoadHome]
                }
                _ => Vec::new(),
            },
            Overlay::ConfirmLeaveSetup => match key.code {
                KeyCode::Char('y' | 'Y') => self.leave(),
                _ => Vec::new(),
            },
            Overlay::ConfirmDiscardDraft { id } => match key.code {
                KeyCode::Char('y' | 'Y') => {
                    self.drafts.retain(|d| d.id != id);
                    self.all_drafts.retain(|d| d.id != id);
                    if let Screen::Drafts { selected } = &mut self.screen {
                        *selected = (*selected).min(self.drafts.len().saturating_sub(1));
                    }
                    if self.drafts.is_empty() {
                        self.screen = Screen::Home;
                    }
                    self.say("Draft discarded.", Tone::Info);
                    vec![Effect::RemoveDraft(id)]
                }
                _ => Vec::new(),
            },
            Overlay::ConfirmTime { warnings, mut request } => match key.code {
                KeyCode::Char('y' | 'Y') => {
                    request.confirmed = true;
                    vec![Effect::SaveEntry(request)]
                }
                _ => {
                    // On to the time in question, so it can be put right.
                    let field = warnings
                        .iter()
                        .find_map(Warning::field)
                        .or_else(|| warnings.iter().any(Warning::is_about_the_patient).then_some("patient"));
                    if let (Screen::Form(form), Some(field)) = (&mut self.screen, field) {
                        form.focus_on(field);
                    }
                    let what =
                        if warnings.iter().any(Warning::is_about_the_patient) { "the patient" } else { "the time" };
                    self.say(format!("Not saved yet: correct {what}, then save again."), Tone::Info);
                    Vec::new()
                }
            },
            Overlay::VoidReason { entry_id, reference, mut reason } => match key.code {
                KeyCode::Esc => Vec::new(),
                KeyCode::Enter => {
                    let text = reason.lines().join(" ").trim().to_string();
                    if text.is_empty() {
                        self.say("A reason is needed to void an entry.", Tone::Problem);
                        self.overlay = Some(Overlay::VoidReason { entry_id, reference, reason });
                        return Vec::new();
                    }
                    vec![Effect::Void { entry_id, reason: text }]
                }
                _ => {
                    reason.input(key);
                    self.overlay = Some(Overlay::VoidReason { entry_id, reference, reason });
                    Vec::new()
                }
            },
        }
    }

    fn on_setup_key(&mut self, key: KeyEvent) -> Vec<Effect> {
        if key.code == KeyCode::F(1) {
            self.overlay = Some(Overlay::Help(0));
            return Vec::new();
        }
        let first_run = matches!(self.screen, Screen::Setup(_));
        let (Screen::Setup(form) | Screen::AddStaff(form)) = &mut self.screen else { return Vec::new() };
        match form.handle_key(key, self.now, &self.staff) {
            SetupOutcome::Nothing => Vec::new(),
            SetupOutcome::Cancel if !first_run => {
                self.screen = Screen::ChooseUser(UserPicker { filter: TextArea::default(), selected: 0 });
                Vec::new()
            }
            // Leaving the first-run screen sets nothing up; having typed, they are asked first.
            SetupOutcome::Cancel if form.touched() => {
                self.overlay = Some(Overlay::ConfirmLeaveSetup);
                Vec::new()
            }
            SetupOutcome::Cancel => self.leave(),
            SetupOutcome::Done { practice, fdp, prefix, member } => match practice {
                Some(practice) => vec![Effect::Setup { practice, fdp, prefix, member }],
                None => vec![Effect::AddStaff(member)],
            },
        }
    }

    fn on_choose_user_key(&mut self, key: KeyEvent) -> Vec<Effect> {
        let Screen::ChooseUser(picker) = &mut self.screen else { return Vec::new() };
        let matching: Vec<StaffMember> = picker.matching(&self.staff).into_iter().cloned().collect();
        match keys::command(keys::CHOOSE_USER, &key) {
            Some(Command::Open) => {
                let chosen = matching.get(picker.selected).cloned();
                if chosen.is_none() {
                    self.say("Nobody matches: press Ctrl-N to add yourself.", Tone::Problem);
                }
                return self.choose_user(chosen);
            }
            Some(Command::AddStaff) => {
                self.screen = Screen::AddStaff(SetupForm::add_staff());
                return Vec::new();
            }
            Some(Command::Help) => {
                self.overlay = Some(Overlay::Help(0));
                return Vec::new();
            }
            _ => {}
        }
        match key.code {
            KeyCode::Down => picker.selected = (picker.selected + 1).min(matching.len().saturating_sub(1)),
            KeyCode::Up => picker.selected = picker.selected.saturating_sub(1),
            KeyCode::Esc if self.user.is_some() => self.screen = Screen::Home,
            _ => {
                if picker.filter.input(key) {
                    picker.selected = 0;
                }
            }
        }
        Vec::new()
    }

    fn on_drafts_key(&mut self, key: KeyEvent) -> Vec<Effect> {
        let Screen::Drafts { selected } = &mut self.screen else { return Vec::new() };
        let n = self.drafts.len();
        match (key.code, keys::command(keys::DRAFTS, &key)) {
            (KeyCode::Down, _) => *selected = (*selected + 1).min(n.saturating_sub(1)),
            (KeyCode::Up, _) => *selected = selected.saturating_sub(1),
            (_, Some(Command::Resume)) => {
                let Some(draft) = self.drafts.get(*selected).cloned() else { return Vec::new() };
                let body: DraftBody = serde_json::from_str(&draft.body).unwrap_or_default();
                match EntryForm::from_draft(draft.id.clone(), &body, self.now) {
                    Some(form) => {
                        self.drafts.retain(|d| d.id != draft.id);
                        self.all_drafts.retain(|d| d.id != draft.id);
                        self.screen = Screen::Form(Box::new(form));
                        self.say("Draft restored: check it, then save with Ctrl-S.", Tone::Info);
                        return vec![Effect::TakeDraft(draft.id)];
                    }
                    None => self.say("This draft cannot be opened by this version of cutover.", Tone::Problem),
                }
            }
            (_, Some(Command::Discard)) => {
                if let Some(draft) = self.drafts.get(*selected) {
                    self.overlay = Some(Overlay::ConfirmDiscardDraft { id: draft.id.clone() });
                }
            }
            (_, Some(Command::Back)) => self.screen = Screen::Home,
            (_, Some(Command::Help)) => self.overlay = Some(Overlay::Help(0)),
            _ => {}
        }
        Vec::new()
    }

    fn on_home_key(&mut self, key: KeyEvent) -> Vec<Effect> {
        if let Some(kind) = keys::kind_for(&key) {
            self.screen = Screen::Form(Box::new(EntryForm::new(kind, new_id(), self.now)));
            self.last_draft_at = self.now;
            if kind == Kind::Summarisation {
                self.say(Warning::SummarisationDuringCutover.to_string(), Tone::Info);
            }
            return Vec::new();
        }
        match keys::command(keys::HOME, &key) {
            Some(Command::Queue) => {
                let clinician = self.user.as_ref().is_some_and(|u| u.role == crate::store::Role::Clinician);
                self.screen = Screen::Queue(Box::new(QueueScreen::opening(clinician)));
                self.reload_queue()
            }
            Some(Command::Runbook) => {
                self.screen = Screen::Runbook(Box::default());
                vec![Effect::LoadRunbook]
            }
            Some(Command::Entries) => {
                let list = EntriesList { loading: true, ..Default::default() };
                let filter = list.filter.clone();
                self.screen = Screen::Entries(list);
                vec![self.load_entries(filter, 0)]
            }
            // Asked afresh: another window may have closed (or crashed) since this one opened.
            Some(Command::Drafts) => vec![Effect::LoadDrafts],
            Some(Command::SwitchUser) => {
                let selected =
                    self.user.as_ref().and_then(|u| self.staff.iter().position(|s| s.id == u.id)).unwrap_or(0);
                self.screen = Screen::ChooseUser(UserPicker { filter: TextArea::default(), selected });
                Vec::new()
            }
            Some(Command::Help) => {
                self.overlay = Some(Overlay::Help(0));
                Vec::new()
            }
            Some(Command::Quit) => self.leave(),
            _ => Vec::new(),
        }
    }

    fn on_runbook_key(&mut self, key: KeyEvent) -> Vec<Effect> {
        use super::runbook::Outcome;
        let Screen::Runbook(screen) = &mut self.screen else { return Vec::new() };
        // F1 always (as on a form); ? only where it is not being typed into a question.
        if key.code == KeyCode::F(1) || (screen.prompt.is_none() && key.code == KeyCode::Char('?')) {
            self.overlay = Some(Overlay::Help(0));
            return Vec::new();
        }
        match screen.on_key(key) {
            Outcome::Nothing => Vec::new(),
            Outcome::Back => {
                self.screen = Screen::Home;
                vec![Effect::LoadHome]
            }
            Outcome::Save(change) => vec![Effect::Runbook(change)],
            Outcome::Say(text) => {
                self.say(text, Tone::Info);
                Vec::new()
            }
            Outcome::Problem(text) => {
                self.say(text, Tone::Problem);
                Vec::new()
            }
            // The queue's own questions (its reference in the new system, the NHS number traced)
            // mark the registration done; Esc there comes back to the call-backs.
            Outcome::Registered { entry_id, reference } => {
                let mut queue = QueueScreen::opening(false);
                queue.filter.search = reference.clone();
                queue.from_callbacks = true;
                self.screen = Screen::Queue(Box::new(queue));
                let mut effects = self.reload_queue();
                effects.push(Effect::CheckChange { change: Change::Done, entry_id, reference });
                effects
            }
        }
    }

    fn load_entries(&self, filter: EntriesFilter, offset: u64) -> Effect {
        Effect::LoadEntries { filter, offset, user: self.user.as_ref().map(|u| u.id.clone()) }
    }

    fn on_form_key(&mut self, key: KeyEvent) -> Vec<Effect> {
        if key.code == KeyCode::F(1) {
            self.overlay = Some(Overlay::Help(0));
            return Vec::new();
        }
        let now = self.now;
        let staff_ids = self.staff_ids();
        let Screen::Form(form) = &mut self.screen else { return Vec::new() };
        let focus_before = form.focus;
        match form.handle_key(key, now) {
            FormOutcome::Nothing => {
                let left_a_field = form.focus != focus_before;
                self.autosave(left_a_field)
            }
            FormOutcome::Search(query) => vec![Effect::SearchPatients(query)],
            FormOutcome::Cancel => {
                self.overlay = Some(Overlay::ConfirmDiscard);
                Vec::new()
            }
            FormOutcome::Save => match form.check(now, &staff_ids) {
                Err(problems) => {
                    self.say(not_saved(&problems), Tone::Problem);
                    Vec::new()
                }
                Ok(request) => vec![Effect::SaveEntry(Box::new(request))],
            },
        }
    }

    fn on_entries_key(&mut self, key: KeyEvent) -> Vec<Effect> {
        let today_start = start_of_day(self.now);
        let Screen::Entries(list) = &mut self.screen else { return Vec::new() };
        if let Some(search) = &mut list.searching {
            match key.code {
                KeyCode::Enter | KeyCode::Esc => {
                    if key.code == KeyCode::Enter {
                        list.filter.text = search.lines().join(" ");
                    }
                    list.searching = None;
                    let filter = list.filter.clone();
                    return vec![self.load_entries(filter, 0)];
                }
                _ => {
                    search.input(key);
                    return Vec::new();
                }
            }
        }
        let _ = today_start;
        let mut reload = false;
        match (key.code, keys::command(keys::ENTRIES, &key)) {
            (KeyCode::Down, _) => {
                list.selected = (list.selected + 1).min(list.rows.len().saturating_sub(1));
                let near_end = list.selected + 20 >= list.rows.len();
                let more = list.rows.len() as u64 == list.offset + ENTRIES_PAGE;
                if near_end && more && !list.loading {
                    list.loading = true;
                    let (filter, offset) = (list.filter.clone(), list.offset + ENTRIES_PAGE);
                    return vec![self.load_entries(filter, offset)];
                }
            }
            (KeyCode::Up, _) => list.selected = list.selected.saturating_sub(1),
            (KeyCode::PageDown, _) => list.selected = (list.selected + 15).min(list.rows.len().saturating_sub(1)),
            (KeyCode::PageUp, _) => list.selected = list.selected.saturating_sub(15),
            (_, Some(Command::Open)) => {
                if let Some(row) = list.rows.get(list.selected) {
                    let open = Effect::OpenEntry(row.header.id.clone());
                    self.entries_filter = list.filter.clone();
                    return vec![open];
                }
            }
            (_, Some(Command::Search)) => list.searching = Some(TextArea::new(vec![list.filter.text.clone()])),
            (_, Some(Command::CycleKind)) => {
                list.filter.kind = next_of(&Kind::ALL, list.filter.kind);
                reload = true;
            }
            (_, Some(Command::ToggleToday)) => {
                list.filter.today = !list.filter.today;
                reload = true;
            }
            (_, Some(Command::ToggleMine)) => {
                list.filter.mine = !list.filter.mine;
                reload = true;
            }
            (_, Some(Command::Back)) => {
                self.screen = Screen::Home;
                return vec![Effect::LoadHome];
            }
            (_, Some(Command::Help)) => self.overlay = Some(Overlay::Help(0)),
            _ => {}
        }
        if reload {
            let filter = list.filter.clone();
            return vec![self.load_entries(filter, 0)];
        }
        Vec::new()
    }

    fn on_detail_key(&mut self, key: KeyEvent) -> Vec<Effect> {
        let Screen::Detail(detail) = &mut self.screen else { return Vec::new() };
        let command = keys::command(keys::DETAIL, &key);
        // Scrolled as far as its lines go, at most: the view shows no more than fits.
        let most = super::view::detail_line_count(detail).saturating_sub(1) as u16;
        match command {
            Some(Command::ScrollDown) => detail.scroll = (detail.scroll + 1).min(most),
            Some(Command::ScrollUp) => detail.scroll = detail.scroll.saturating_sub(1),
            Some(Command::NextPage) => detail.scroll = (detail.scroll + 10).min(most),
            Some(Command::PreviousPage) => detail.scroll = detail.scroll.saturating_sub(10),
            _ => {}
        }
        let detail = &*detail;
        match command {
            Some(Command::Amend) | Some(Command::Void) if detail.row.header.voided => {
                self.say("This entry was voided; it cannot be changed.", Tone::Problem);
            }
            Some(Command::Amend) => {
                let amending = Amending {
                    entry_id: detail.row.header.id.clone(),
                    reference: detail.row.header.reference.clone(),
                    ..Default::default()
                };
                let form = EntryForm::amend(amending, &detail.row.content, detail.patient.clone(), new_id(), self.now);
                self.screen = Screen::Form(Box::new(form));
                self.last_draft_at = self.now;
            }
            Some(Command::Void) => {
                self.overlay = Some(Overlay::VoidReason {
                    entry_id: detail.row.header.id.clone(),
                    reference: detail.row.header.reference.clone(),
                    reason: TextArea::default(),
                });
            }
            Some(Command::Back) => {
                let filter = self.entries_filter.clone();
                let list = EntriesList { loading: true, filter: filter.clone(), ..Default::default() };
                self.screen = Screen::Entries(list);
                return vec![self.load_entries(filter, 0)];
            }
            Some(Command::Help) => self.overlay = Some(Overlay::Help(0)),
            _ => {}
        }
        Vec::new()
    }

    /// How many look-up results the form shows.
    pub fn lookup_rows() -> usize {
        LOOKUP_ROWS
    }
}

/// Whether the form's focus is on a box for text (a paste for a choice or a flag is ignored).
fn takes_text(form: &EntryForm) -> bool {
    match form.focused_row() {
        Row::Patient => true,
        Row::Flags => false,
        Row::Field(i) => matches!(form.fields[i].editor, Editor::Text { .. }),
    }
}

/// Stepping through a filter: nothing chosen, then each value in turn, then nothing again.
pub(super) fn next_of<T: Copy + PartialEq>(all: &[T], current: Option<T>) -> Option<T> {
    match current {
        None => all.first().copied(),
        Some(c) => all.iter().position(|x| *x == c).and_then(|i| all.get(i + 1)).copied(),
    }
}

/// Midnight, UK time, of the day `now` falls in.
pub fn start_of_day(now: DateTime<Utc>) -> DateTime<Utc> {
    let local = now.with_timezone(&time::UK).date_naive();
    time::parse_uk_datetime(&time::format_uk_date(local), now).unwrap_or(now)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::store::Role;
    use crate::tui::queue_screen::QueuePrompt;

    fn now() -> DateTime<Utc> {
        time::parse_uk_datetime("21/11/2026 10:00", Utc::now()).unwrap()
    }

    fn jo() -> StaffMember {
        StaffMember { id: "JS".into(), name: "Jo Smith".into(), role: Role::Reception }
    }

    /// Signed in as Jo Smith, on the home screen.
    fn signed_in() -> App {
        let start = Start {
            cutover: Cutover { practice: Some("Riverside Surgery".into()), ..Default::default() },
            staff: vec![jo()],
            ..Default::default()
        };
        let mut app = App::new(start, now());
        app.user = Some(jo());
        app.screen = Screen::Home;
        app
    }

    fn key(app: &mut App, code: KeyCode) -> Vec<Effect> {
        app.update(Msg::Key(KeyEvent::new(code, KeyModifiers::NONE)))
    }

    fn paste(app: &mut App, text: &str) -> Vec<Effect> {
        app.update(Msg::Paste(text.into()))
    }

    fn form(app: &App) -> &EntryForm {
        let Screen::Form(form) = &app.screen else { panic!("not on a form") };
        form
    }

    fn ignored(app: &App) -> bool {
        app.status.as_ref().is_some_and(|s| s.text == PASTE_IGNORED)
    }

    #[test]
    fn a_paste_on_the_home_screen_runs_no_command() {
        let mut app = signed_in();
        assert_eq!(paste(&mut app, "cnx\nq"), []);
        assert!(matches!(app.screen, Screen::Home));
        assert!(!app.quit);
        assert!(ignored(&app));
        // The message goes with the next key, which is a key again.
        key(&mut app, KeyCode::Char('n'));
        assert!(matches!(app.screen, Screen::Form(_)));
    }

    #[test]
    fn a_paste_in_a_form_stays_in_the_field_and_never_saves() {
        let mut app = signed_in();
        key(&mut app, KeyCode::Char('n'));
        key(&mut app, KeyCode::Tab);
        let focus = form(&app).focus;
        let effects = paste(&mut app, "line one\nline two\nline three\n");
        assert!(effects.iter().all(|e| matches!(e, Effect::SaveDraft { .. })), "{effects:?}");
        assert_eq!(form(&app).focus, focus);
        assert_eq!(form(&app).field("summary").unwrap().raw(), "line one line two line three");
        // Notes keep their line breaks.
        for _ in 0..3 {
            key(&mut app, KeyCode::Tab);
        }
        paste(&mut app, "line one\r\nline two");
        assert_eq!(form(&app).field("notes").unwrap().raw(), "line one\nline two");
        // On the last line, where Enter saves, a paste ending in a line break does not.
        for _ in 0..3 {
            key(&mut app, KeyCode::Tab);
        }
        let last = form(&app).focus;
        let effects = paste(&mut app, "yes\n");
        assert!(!effects.iter().any(|e| matches!(e, Effect::SaveEntry(_))), "{effects:?}");
        assert_eq!(form(&app).focus, last);
        assert!(ignored(&app), "a paste for a yes/no is said to be ignored");
        assert!(app.overlay.is_none());
    }

    #[test]
    fn a_paste_on_the_patient_line_searches() {
        let mut app = signed_in();
        key(&mut app, KeyCode::Char('t'));
        assert_eq!(paste(&mut app, "evans\n"), [Effect::SearchPatients("evans".into())]);
        assert_eq!(form(&app).patient.query_text(), "evans");
    }

    #[test]
    fn a_paste_in_the_entry_search_is_text_and_elsewhere_in_the_list_is_ignored() {
        let mut app = signed_in();
        key(&mut app, KeyCode::Char('e'));
        assert_eq!(paste(&mut app, "ktm"), []);
        let Screen::Entries(list) = &app.screen else { panic!("not on the list") };
        assert_eq!(list.filter, EntriesFilter::default());
        assert!(ignored(&app));
        key(&mut app, KeyCode::Char('/'));
        assert_eq!(paste(&mut app, "blood\nresults\n"), []);
        let Screen::Entries(list) = &app.screen else { panic!("not on the list") };
        assert_eq!(list.searching.as_ref().unwrap().lines(), ["blood results"]);
    }

    #[test]
    fn a_paste_in_the_queue_answers_nothing_by_itself() {
        let mut app = signed_in();
        app.screen = Screen::Queue(Box::default());
        assert_eq!(paste(&mut app, "cdxnr\n"), []);
        assert!(ignored(&app));
        let Screen::Queue(queue) = &mut app.screen else { panic!("not on the queue") };
        queue.prompt = Some(QueuePrompt::new(Change::Query, "e".into(), "R2-0001".into(), false));
        assert_eq!(paste(&mut app, "Which dose?\nUrgent.\n"), []);
        let Screen::Queue(queue) = &app.screen else { panic!("not on the queue") };
        assert_eq!(queue.prompt.as_ref().unwrap().answers[0].text.lines(), ["Which dose? Urgent."]);
    }

    #[test]
    fn a_paste_in_who_is_working_filters_and_chooses_nobody() {
        let mut app = signed_in();
        app.user = None;
        app.screen = Screen::ChooseUser(UserPicker { filter: TextArea::default(), selected: 0 });
        assert_eq!(paste(&mut app, "jo\n"), []);
        let Screen::ChooseUser(picker) = &app.screen else { panic!("not choosing") };
        assert_eq!(picker.filter.lines(), ["jo"]);
        assert!(app.user.is_none());
    }

    #[test]
    fn a_paste_in_setup_goes_into_the_field_with_focus() {
        let mut app = App::new(Start::default(), now());
        assert_eq!(paste(&mut app, "Riverside\nSurgery\n"), []);
        let Screen::Setup(setup) = &mut app.screen else { panic!("not setting up") };
        assert_eq!(setup.focus, 0);
        assert_eq!(setup.fields[0].raw(), "Riverside Surgery");
        // The role is a choice: a paste of a role's name does not pick it.
        setup.focus = 5;
        assert_eq!(paste(&mut app, "admin"), []);
        let Screen::Setup(setup) = &app.screen else { panic!("not setting up") };
        assert_eq!(setup.fields[5].raw(), "manager");
        assert!(ignored(&app));
    }

    #[test]
    fn a_paste_answers_no_question_in_an_overlay() {
        let mut app = signed_in();
        key(&mut app, KeyCode::Char('n'));
        key(&mut app, KeyCode::Esc);
        assert!(matches!(app.overlay, Some(Overlay::ConfirmDiscard)));
        assert_eq!(paste(&mut app, "y"), []);
        assert!(matches!(app.overlay, Some(Overlay::ConfirmDiscard)));
        assert!(matches!(app.screen, Screen::Form(_)));
        app.overlay = Some(Overlay::VoidReason {
            entry_id: "e".into(),
            reference: "R2-0001".into(),
            reason: TextArea::default(),
        });
        assert_eq!(paste(&mut app, "Logged twice\n"), []);
        let Some(Overlay::VoidReason { reason, .. }) = &app.overlay else { panic!("the reason went") };
        assert_eq!(reason.lines(), ["Logged twice"]);
    }

    /// Issue 12, item 7: a message too long for the lines the status gets is cut with a sign.
    #[test]
    fn a_status_message_longer_than_its_lines_ends_in_an_ellipsis() {
        use ratatui::{Terminal, backend::TestBackend};
        let mut app = signed_in();
        let words: Vec<String> = (1..=150).map(|n| format!("w{n}")).collect();
        app.status = Some(Status { text: words.join(" "), tone: Tone::Info });
        let mut terminal = Terminal::new(TestBackend::new(80, 24)).unwrap();
        terminal.draw(|f| super::super::view::view(&app, &super::super::Theme::plain(), f)).unwrap();
        let buffer = terminal.backend().buffer();
        let rows: Vec<String> = (0..24)
            .map(|y| (0..80).map(|x| buffer[(x, y)].symbol()).collect::<String>().trim_end().to_string())
            .filter(|l| l.starts_with("w"))
            .collect();
        assert_eq!(rows.len(), 4, "{rows:#?}");
        assert!(rows[3].ends_with(" …"), "{rows:#?}");
        let shown: Vec<&str> = rows.iter().flat_map(|r| r.split_whitespace()).filter(|w| *w != "…").collect();
        assert_eq!(shown, words[..shown.len()].iter().map(String::as_str).collect::<Vec<_>>());
        // A message that fits is shown whole, with no sign.
        app.status = Some(Status { text: words[..20].join(" "), tone: Tone::Info });
        terminal.draw(|f| super::super::view::view(&app, &super::super::Theme::plain(), f)).unwrap();
        let buffer = terminal.backend().buffer();
        let all: String = (0..24).flat_map(|y| (0..80).map(move |x| (x, y))).map(|p| buffer[p].symbol()).collect();
        assert!(all.contains("w20") && !all.contains('…'));
    }

    #[test]
    fn a_paste_on_drafts_or_an_entry_is_ignored() {
        let mut app = signed_in();
        app.screen = Screen::Drafts { selected: 0 };
        assert_eq!(paste(&mut app, "rd\n"), []);
        assert!(matches!(app.screen, Screen::Drafts { .. }));
        assert!(ignored(&app));
    }
}
