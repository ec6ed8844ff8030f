//! The re-entry queue screen's state and keys: a page of the queue at a time, read afresh every
//! few seconds and after each change, its filters and search, and the questions a change asks (a
//! reference, a reason) before it is made. Nothing here touches the database: `App` sends effects.

use chrono::{DateTime, Duration, Utc};
use ratatui::crossterm::event::{KeyCode, KeyEvent};
use ratatui_textarea::TextArea;

use super::app::{App, Effect, EntryDetail, Overlay, Screen, Tone};
use super::keys::{self, Command};
use crate::domain::fields::Kind;
use crate::domain::nhs::NhsNumber;
use crate::queue::{ItemStatus, Progress, Queue, QueueQuery, ReentryItem, Request, StatusFilter, Tier};
use crate::store::Role;

/// How many items the screen reads at a time: a page, more than fit, so moving within it needs no
/// reading; ↓ past its last item reads the next page.
pub const QUEUE_PAGE: usize = 50;
/// How often the screen reads the queue again by itself, so that another admin's claim shows.
pub const REFRESH_EVERY: Duration = Duration::seconds(3);

/// Which items the screen lists, by where they stand.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum QueueView {
    /// Everything still to do: open, claimed, blocked and waiting for a clinician.
    #[default]
    Open,
    /// For a clinician: the queries waiting for them (theirs, and those for any clinician).
    ForMe,
    Claimed,
    Blocked,
    Query,
    Done,
    NotRequired,
}

impl QueueView {
    pub const ALL: [QueueView; 7] = [
        QueueView::ForMe,
        QueueView::Open,
        QueueView::Claimed,
        QueueView::Blocked,
        QueueView::Query,
        QueueView::Done,
        QueueView::NotRequired,
    ];

    /// As the screen's title says it: "12 of 340 still to do".
    pub fn label(self) -> &'static str {
        match self {
            QueueView::Open => "still to do",
            QueueView::ForMe => "queries for you",
            QueueView::Claimed => "claimed",
            QueueView::Blocked => "blocked",
            QueueView::Query => "waiting for a clinician",
            QueueView::Done => "done",
            QueueView::NotRequired => "set aside as not required",
        }
    }

    fn status(self) -> StatusFilter {
        match self {
            QueueView::Open => StatusFilter::Open,
            QueueView::Claimed => StatusFilter::Only(ItemStatus::Claimed),
            QueueView::Blocked => StatusFilter::Only(ItemStatus::Blocked),
            QueueView::Query | QueueView::ForMe => StatusFilter::Only(ItemStatus::Query),
            QueueView::Done => StatusFilter::Only(ItemStatus::Done),
            QueueView::NotRequired => StatusFilter::Only(ItemStatus::NotRequired),
        }
    }

    /// The view `s` goes on to; the queries for a clinician are a view for clinicians only.
    fn next(self, clinician: bool) -> QueueView {
        let views: Vec<QueueView> =
            QueueView::ALL.into_iter().filter(|v| clinician || *v != QueueView::ForMe).collect();
        let at = views.iter().position(|v| *v == self).unwrap_or(0);
        views[(at + 1) % views.len()]
    }
}

/// What the screen is narrowed to.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct QueueFilter {
    pub view: QueueView,
    pub kind: Option<Kind>,
    pub tier: Option<Tier>,
    pub mine: bool,
    /// Words each item must hold: in its reference, its patient's name or NHS number, or its summary.
    pub search: String,
}

/// The re-entry queue as the screen shows it: one page of it in order, the one selected (whole),
/// progress by tier, and a change being asked about, if any.
#[derive(Debug, Clone, Default)]
pub struct QueueScreen {
    pub items: Vec<ReentryItem>,
    /// How many items of this view come before the page.
    pub offset: usize,
    pub matched: usize,
    pub overdue: usize,
    pub selected: usize,
    pub filter: QueueFilter,
    /// The search being typed (`/`), until Enter.
    pub searching: Option<TextArea<'static>>,
    pub progress: Option<Progress>,
    pub detail: Option<Box<EntryDetail>>,
    /// How many lines of the item's details are scrolled past.
    pub scroll: u16,
    pub prompt: Option<QueuePrompt>,
    /// When the page was last read from the database.
    pub loaded_at: Option<DateTime<Utc>>,
    /// Opened from the runbook's call-back list to mark a registration done: Esc goes back there.
    pub from_callbacks: bool,
}

impl QueueScreen {
    /// The screen as it opens: a clinician sees the queries waiting for them first.
    pub fn opening(clinician: bool) -> QueueScreen {
        let view = if clinician { QueueView::ForMe } else { QueueView::Open };
        QueueScreen { filter: QueueFilter { view, ..Default::default() }, ..Default::default() }
    }

    pub fn selected_item(&self) -> Option<&ReentryItem> {
        self.items.get(self.selected)
    }
}

/// A change to an item that asks something first.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Change {
    Done,
    Query,
    /// A clinician's answer to a query.
    Answer,
    NotRequired,
    Waive,
    TakeOver,
}

/// One thing a change asks for.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Ask {
    /// The item's reference in the new system.
    Reference,
    /// The NHS number the new system traced, for a registration with none.
    NhsNumber,
    /// Why a registration is done with no NHS number.
    WaiverReason,
    Question,
    /// The clinician a question is for (optional).
    QueryFor,
    /// A clinician's answer.
    Answer,
    /// Why the item need not be keyed.
    NotRequiredReason,
    /// Why an item may be keyed without the patient's NHS number.
    WaiveReason,
}

impl Ask {
    /// The answer's name, once given: "Reference: SYS-4471".
    pub fn name(self) -> &'static str {
        match self {
            Ask::Reference => "Reference:",
            Ask::NhsNumber => "NHS number traced:",
            Ask::WaiverReason => "No NHS number, because:",
            Ask::Question => "Question:",
            Ask::QueryFor => "For:",
            Ask::Answer => "Answer:",
            Ask::NotRequiredReason | Ask::WaiveReason => "Reason:",
        }
    }

    pub fn question(self, reference_optional: bool) -> &'static str {
        match (self, reference_optional) {
            (Ask::Reference, false) => "Its reference in the new system:",
            (Ask::Reference, true) => "Its reference in the new system (if it gave one):",
            (Ask::NhsNumber, _) => "The NHS number the new system traced (leave empty if it found none):",
            (Ask::WaiverReason, _) => "No NHS number: why may the patient be registered without one?",
            (Ask::Question, _) => "The question for a clinician:",
            (Ask::QueryFor, _) => {
                "For which clinician? Their initials, or leave empty: whoever logged it if a clinician, else any clinician."
            }
            (Ask::Answer, _) => "Your answer (the item then goes back to the admin staff):",
            (Ask::NotRequiredReason, _) => "Why it need not be keyed:",
            (Ask::WaiveReason, _) => "Why it may be keyed without the patient's NHS number:",
        }
    }
}

#[derive(Debug, Clone)]
pub struct Answer {
    pub ask: Ask,
    pub text: TextArea<'static>,
}

impl Answer {
    fn new(ask: Ask) -> Answer {
        Answer { ask, text: TextArea::default() }
    }

    pub fn value(&self) -> String {
        self.text.lines().join(" ").trim().to_string()
    }
}

/// A change being asked about: its questions, answered one after the other, then (for the changes
/// that take an item out of the queue) a yes. Kept whole until the database has taken the change:
/// a refusal leaves every word typed in place.
#[derive(Debug, Clone)]
pub struct QueuePrompt {
    pub change: Change,
    pub entry_id: String,
    pub reference: String,
    pub answers: Vec<Answer>,
    /// The question being answered.
    pub at: usize,
    /// Every question answered: waiting for a yes.
    pub confirming: bool,
    /// What the database asked about before making the change (an NHS number already on another
    /// record): a yes to these is sent with the change.
    pub warnings: Vec<String>,
    /// Sent: waiting to hear that the change was made.
    pub sent: bool,
}

impl QueuePrompt {
    pub fn new(change: Change, entry_id: String, reference: String, needs_nhs: bool) -> QueuePrompt {
        let asks: &[Ask] = match (change, needs_nhs) {
            (Change::Done, false) => &[Ask::Reference],
            (Change::Done, true) => &[Ask::Reference, Ask::NhsNumber],
            (Change::Query, _) => &[Ask::Question, Ask::QueryFor],
            (Change::Answer, _) => &[Ask::Answer],
            (Change::NotRequired, _) => &[Ask::NotRequiredReason],
            (Change::Waive, _) => &[Ask::WaiveReason],
            (Change::TakeOver, _) => &[],
        };
        let answers: Vec<Answer> = asks.iter().map(|a| Answer::new(*a)).collect();
        let confirming = answers.is_empty();
        QueuePrompt { change, entry_id, reference, answers, at: 0, confirming, warnings: Vec::new(), sent: false }
    }

    pub fn current(&mut self) -> Option<&mut Answer> {
        if self.confirming { None } else { self.answers.get_mut(self.at) }
    }

    fn answer(&self, ask: Ask) -> Option<String> {
        self.answers.iter().find(|a| a.ask == ask).map(Answer::value).filter(|v| !v.is_empty())
    }

    /// The change asked for is made only after a yes: it takes the item out of the queue.
    fn needs_yes(&self) -> bool {
        matches!(self.change, Change::Done | Change::NotRequired | Change::TakeOver)
    }

    /// What is about to be done, for the yes: "Mark R2-0002 done, keyed as SYS-4471?"
    pub fn confirmation(&self) -> Vec<String> {
        let r = &self.reference;
        let mut lines = match self.change {
            Change::Done => {
                let mut line = match self.answer(Ask::Reference) {
                    Some(reference) => format!("Mark {r} done: keyed into the new system as {reference}."),
                    None => format!("Mark {r} done: keyed into the new system, with no reference."),
                };
                if let Some(nhs) = self.answer(Ask::NhsNumber) {
                    let shown = NhsNumber::parse(&nhs).map(|n| n.to_string()).unwrap_or(nhs);
                    line.push_str(&format!(" The NHS number it traced, {shown}, goes on the patient's items."));
                } else if let Some(why) = self.answer(Ask::WaiverReason) {
                    line.push_str(&format!(" Registered without an NHS number: {why}."));
                }
                vec![line]
            }
            Change::NotRequired => {
                vec![format!(
                    "Set {r} aside as not required: {}.",
                    self.answer(Ask::NotRequiredReason).unwrap_or_default()
                )]
            }
            Change::TakeOver => vec![format!("Take {r} over? Whoever claimed it will find it is yours: tell them.")],
            Change::Query | Change::Answer | Change::Waive => Vec::new(),
        };
        lines.extend(self.warnings.iter().cloned());
        lines
    }

    /// The change, from the answers given.
    fn request(&self) -> Request {
        match self.change {
            Change::Done => Request::Done {
                new_system_ref: self.answer(Ask::Reference),
                note: None,
                nhs_number: self.answer(Ask::NhsNumber).and_then(|n| NhsNumber::parse(&n).ok()),
                waive_nhs: self.answer(Ask::WaiverReason),
                take_over: false,
            },
            Change::Query => Request::Query {
                note: self.answer(Ask::Question).unwrap_or_default(),
                to: self.answer(Ask::QueryFor).map(|who| who.to_uppercase()),
            },
            Change::Answer => Request::Answer { note: self.answer(Ask::Answer).unwrap_or_default() },
            Change::NotRequired => {
                Request::NotRequired { reason: self.answer(Ask::NotRequiredReason).unwrap_or_default() }
            }
            Change::Waive => Request::WaiveNhs { reason: self.answer(Ask::WaiveReason).unwrap_or_default() },
            Change::TakeOver => Request::Claim { take_over: true },
        }
    }
}

/// Whether `selected` is still where it was among `items`: the page was read again.
fn position_of(items: &[ReentryItem], entry_id: &str) -> Option<usize> {
    items.iter().position(|i| i.entry_id == entry_id)
}

impl App {
    fn queue_screen(&mut self) -> Option<&mut QueueScreen> {
        match &mut self.screen {
            Screen::Queue(screen) => Some(screen),
            _ => None,
        }
    }

    /// Reads the page being shown again, as the filter and the page say, with the progress by tier
    /// (which only a change, here or elsewhere, moves).
    pub(super) fn reload_queue(&mut self) -> Vec<Effect> {
        self.load_queue(true)
    }

    /// Reads another page, view or search: the progress by tier stays as last read.
    fn turn_queue(&mut self) -> Vec<Effect> {
        self.load_queue(false)
    }

    fn load_queue(&mut self, progress: bool) -> Vec<Effect> {
        let user = self.user.as_ref().map(|u| u.id.clone());
        let Some(screen) = self.queue_screen() else { return Vec::new() };
        let f = &screen.filter;
        let query = QueueQuery {
            status: f.view.status(),
            kind: f.kind,
            tier: f.tier,
            assignee: if f.mine { user.clone() } else { None },
            waiting_for: if f.view == QueueView::ForMe { user } else { None },
            search: Some(f.search.clone()).filter(|s| !s.trim().is_empty()),
            offset: screen.offset,
            limit: Some(QUEUE_PAGE),
        };
        vec![Effect::LoadQueue { query, progress }]
    }

    /// The page read: the item selected stays selected if it is still there, else the one that
    /// took its place.
    pub(super) fn queue_loaded(&mut self, queue: Queue, progress: Option<Progress>) -> Vec<Effect> {
        let now = self.now;
        let Some(screen) = self.queue_screen() else { return Vec::new() };
        let before = screen.selected_item().map(|i| i.entry_id.clone());
        screen.matched = queue.matched;
        screen.overdue = queue.overdue;
        screen.items = queue.items;
        if progress.is_some() {
            screen.progress = progress;
        }
        screen.loaded_at = Some(now);
        if screen.items.is_empty() && screen.offset > 0 {
            // The last page emptied (its items were finished): show the one before it.
            screen.offset = screen.offset.saturating_sub(QUEUE_PAGE);
            return self.turn_queue();
        }
        let kept = before.as_deref().and_then(|id| position_of(&screen.items, id));
        screen.selected = kept.unwrap_or(screen.selected).min(screen.items.len().saturating_sub(1));
        let now_selected = screen.selected_item().map(|i| i.entry_id.clone());
        if now_selected != before {
            screen.scroll = 0;
        }
        now_selected.map(Effect::OpenQueueItem).into_iter().collect()
    }

    /// Reads the queue again every few seconds while it is on the screen.
    pub(super) fn queue_tick(&mut self) -> Vec<Effect> {
        let now = self.now;
        let Some(screen) = self.queue_screen() else { return Vec::new() };
        if screen.loaded_at.is_some_and(|at| now - at < REFRESH_EVERY) {
            return Vec::new();
        }
        screen.loaded_at = Some(now);
        self.reload_queue()
    }

    /// The database's answer to "may I?" for a change that asks something first: the questions
    /// open only now, so that a refusal comes before anything is typed.
    pub(super) fn queue_checked(&mut self, change: Change, entry_id: String, reference: String, needs_nhs: bool) {
        let Some(screen) = self.queue_screen() else { return };
        if screen.prompt.is_none() {
            screen.prompt = Some(QueuePrompt::new(change, entry_id, reference, needs_nhs));
        }
    }

    /// The change was not made: the prompt stays, with what was typed, to be put right or left.
    pub(super) fn queue_refused(&mut self, text: String) {
        if let Some(screen) = self.queue_screen()
            && let Some(prompt) = &mut screen.prompt
        {
            if prompt.answers.is_empty() {
                screen.prompt = None;
            } else {
                // Back at the first question, every answer as typed, to send again or change.
                prompt.sent = false;
                prompt.confirming = false;
                prompt.warnings.clear();
                prompt.at = 0;
            }
        }
        self.say(text, Tone::Problem);
    }

    /// The database asks before making the change (an NHS number already on another record).
    pub(super) fn queue_questions(&mut self, warnings: Vec<String>) {
        if let Some(prompt) = self.queue_screen().and_then(|s| s.prompt.as_mut()) {
            prompt.sent = false;
            prompt.confirming = true;
            prompt.warnings = warnings;
        }
    }

    pub(super) fn queue_acted(&mut self, text: String) -> Vec<Effect> {
        if let Some(screen) = self.queue_screen() {
            screen.prompt = None;
        }
        self.say(text, Tone::Success);
        self.reload_queue()
    }

    /// Answering the change's questions: Enter goes on to the next (or to the yes), Esc back to
    /// the one before (or leaves the change).
    fn on_queue_prompt_key(&mut self, key: KeyEvent) -> Vec<Effect> {
        let reference_optional = self.cutover.done_without_reference;
        let clinicians: Vec<String> =
            self.staff.iter().filter(|s| s.role == Role::Clinician).map(|s| s.id.clone()).collect();
        let not_a_clinician = format!(
            "Not a clinician on the staff list: type one of {}, or leave it empty.",
            if clinicians.is_empty() { "(none yet)".to_string() } else { clinicians.join(", ") }
        );
        let Some(screen) = self.queue_screen() else { return Vec::new() };
        let Some(prompt) = &mut screen.prompt else { return Vec::new() };
        if prompt.sent {
            return Vec::new();
        }
        if prompt.confirming {
            return match key.code {
                KeyCode::Char('y' | 'Y') => {
                    prompt.sent = true;
                    let confirmed = !prompt.warnings.is_empty();
                    vec![Effect::Act { entry_id: prompt.entry_id.clone(), request: prompt.request(), confirmed }]
                }
                _ if prompt.answers.is_empty() => {
                    screen.prompt = None;
                    Vec::new()
                }
                _ => {
                    // Back to the last answer, as typed.
                    prompt.confirming = false;
                    prompt.warnings.clear();
                    Vec::new()
                }
            };
        }
        match key.code {
            KeyCode::Esc if prompt.at > 0 => prompt.at -= 1,
            KeyCode::Esc => screen.prompt = None,
            KeyCode::Enter => {
                let Some(answer) = prompt.answers.get(prompt.at) else { return Vec::new() };
                let value = answer.value();
                let problem = match answer.ask {
                    Ask::Reference if value.is_empty() && !reference_optional => Some(
                        "Type its reference in the new system: the practice's settings ask for one, so that it can be found there again.",
                    ),
                    Ask::NhsNumber if !value.is_empty() && NhsNumber::parse(&value).is_err() => Some(
                        "That is not a valid NHS number (10 digits, the last a check digit): type it again as the new system shows it, or leave it empty.",
                    ),
                    Ask::QueryFor
                        if !value.is_empty() && !clinicians.iter().any(|c| c.eq_ignore_ascii_case(&value)) =>
                    {
                        Some(not_a_clinician.as_str())
                    }
                    Ask::Question | Ask::Answer | Ask::NotRequiredReason | Ask::WaiveReason | Ask::WaiverReason
                        if value.is_empty() =>
                    {
                        Some("An answer is needed here (Esc to leave it).")
                    }
                    _ => None,
                };
                if let Some(problem) = problem {
                    self.say(problem, Tone::Problem);
                    return Vec::new();
                }
                // A registration done without a traced number asks why instead.
                if answer.ask == Ask::NhsNumber {
                    let asks_why = prompt.answers.iter().any(|a| a.ask == Ask::WaiverReason);
                    if value.is_empty() && !asks_why {
                        prompt.answers.push(Answer::new(Ask::WaiverReason));
                    } else if !value.is_empty() && asks_why {
                        prompt.answers.retain(|a| a.ask != Ask::WaiverReason);
                    }
                }
                if prompt.at + 1 < prompt.answers.len() {
                    prompt.at += 1;
                } else if prompt.needs_yes() {
                    prompt.confirming = true;
                } else {
                    prompt.sent = true;
                    return vec![Effect::Act {
                        entry_id: prompt.entry_id.clone(),
                        request: prompt.request(),
                        confirmed: false,
                    }];
                }
            }
            _ => {
                if let Some(answer) = prompt.current() {
                    answer.text.input(key);
                }
            }
        }
        Vec::new()
    }

    /// Typing a search: Enter reads the queue for it, Esc leaves the search as it was.
    fn on_queue_search_key(&mut self, key: KeyEvent) -> Vec<Effect> {
        let Some(screen) = self.queue_screen() else { return Vec::new() };
        let Some(search) = &mut screen.searching else { return Vec::new() };
        match key.code {
            KeyCode::Enter => {
                screen.filter.search = search.lines().join(" ").trim().to_string();
                screen.searching = None;
                screen.offset = 0;
                screen.selected = 0;
                self.turn_queue()
            }
            KeyCode::Esc => {
                screen.searching = None;
                Vec::new()
            }
            _ => {
                search.input(key);
                Vec::new()
            }
        }
    }

    pub(super) fn on_queue_key(&mut self, key: KeyEvent) -> Vec<Effect> {
        let clinician = self.user.as_ref().is_some_and(|u| u.role == Role::Clinician);
        let Some(screen) = self.queue_screen() else { return Vec::new() };
        if screen.prompt.is_some() {
            return self.on_queue_prompt_key(key);
        }
        if screen.searching.is_some() {
            return self.on_queue_search_key(key);
        }
        let selected = screen.selected_item().map(|i| (i.entry_id.clone(), i.reference.clone()));
        let check =
            |change| selected.clone().map(|(entry_id, reference)| Effect::CheckChange { change, entry_id, reference });
        let act = |request: Request| {
            selected.clone().map(|(entry_id, _)| Effect::Act { entry_id, request, confirmed: false })
        };
        let mut reload = false;
        let command = keys::command(keys::QUEUE, &key);
        match (key.code, command) {
            (KeyCode::Down, _) => {
                if screen.selected + 1 < screen.items.len() {
                    screen.selected += 1;
                } else if screen.offset + screen.items.len() < screen.matched {
                    screen.offset += screen.items.len();
                    screen.items.clear();
                    screen.selected = 0;
                    return self.turn_queue();
                }
                return self.queue_selection_moved();
            }
            (KeyCode::Up, _) => {
                if screen.selected > 0 {
                    screen.selected -= 1;
                } else if screen.offset > 0 {
                    screen.offset = screen.offset.saturating_sub(QUEUE_PAGE);
                    screen.items.clear();
                    screen.selected = QUEUE_PAGE - 1;
                    return self.turn_queue();
                }
                return self.queue_selection_moved();
            }
            (_, Some(Command::NextPage)) => {
                if screen.offset + screen.items.len() < screen.matched {
                    screen.offset += screen.items.len();
                    screen.items.clear();
                    screen.selected = 0;
                    return self.turn_queue();
                }
                screen.selected = screen.items.len().saturating_sub(1);
                return self.queue_selection_moved();
            }
            (_, Some(Command::PreviousPage)) => {
                if screen.offset > 0 {
                    screen.offset = screen.offset.saturating_sub(QUEUE_PAGE);
                    screen.items.clear();
                    screen.selected = 0;
                    return self.turn_queue();
                }
                screen.selected = 0;
                return self.queue_selection_moved();
            }
            (_, Some(Command::ScrollDown)) => {
                let most = super::queue_view::detail_line_count(screen).saturating_sub(1) as u16;
                screen.scroll = screen.scroll.saturating_add(5).min(most);
            }
            (_, Some(Command::ScrollUp)) => screen.scroll = screen.scroll.saturating_sub(5),
            (_, Some(Command::Claim)) => return act(Request::Claim { take_over: false }).into_iter().collect(),
            (_, Some(Command::Release)) => return act(Request::Release).into_iter().collect(),
            (_, Some(Command::Reopen)) => return act(Request::Reopen { note: None }).into_iter().collect(),
            (_, Some(Command::Done)) => return check(Change::Done).into_iter().collect(),
            (_, Some(Command::Query)) => return check(Change::Query).into_iter().collect(),
            (_, Some(Command::Answer)) => return check(Change::Answer).into_iter().collect(),
            (_, Some(Command::NotRequired)) => return check(Change::NotRequired).into_iter().collect(),
            (_, Some(Command::Waive)) => return check(Change::Waive).into_iter().collect(),
            (_, Some(Command::TakeOver)) => return check(Change::TakeOver).into_iter().collect(),
            (_, Some(Command::Copy)) => {
                if let Some(detail) = &screen.detail {
                    let text =
                        super::view::rekey_text(detail, screen.selected_item().and_then(|i| i.nhs_number.as_deref()));
                    self.say("Copied to the clipboard, where this terminal allows it.", Tone::Info);
                    return vec![Effect::Copy(text)];
                }
            }
            (_, Some(Command::Search)) => {
                screen.searching = Some(TextArea::new(vec![screen.filter.search.clone()]));
                if let Some(search) = &mut screen.searching {
                    search.move_cursor(ratatui_textarea::CursorMove::End);
                }
            }
            (_, Some(Command::CycleStatus)) => {
                screen.filter.view = screen.filter.view.next(clinician);
                reload = true;
            }
            (_, Some(Command::ToggleMine)) => {
                screen.filter.mine = !screen.filter.mine;
                reload = true;
            }
            (_, Some(Command::CycleKind)) => {
                screen.filter.kind = super::app::next_of(&Kind::ALL, screen.filter.kind);
                reload = true;
            }
            (_, Some(Command::CycleTier)) => {
                screen.filter.tier = super::app::next_of(&Tier::ALL, screen.filter.tier);
                reload = true;
            }
            (_, Some(Command::Refresh)) => return self.reload_queue(),
            (_, Some(Command::Back)) if screen.from_callbacks => {
                self.screen =
                    Screen::Runbook(Box::new(super::runbook::RunbookScreen::on(super::runbook::Tab::Callbacks)));
                return vec![Effect::LoadRunbook];
            }
            // Esc first clears a search, then leaves.
            (_, Some(Command::Back)) if !screen.filter.search.is_empty() => {
                screen.filter.search.clear();
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
            if let Some(screen) = self.queue_screen() {
                screen.offset = 0;
                screen.selected = 0;
            }
            return self.turn_queue();
        }
        Vec::new()
    }

    /// Another item selected on the page: its details are read.
    fn queue_selection_moved(&mut self) -> Vec<Effect> {
        let Some(screen) = self.queue_screen() else { return Vec::new() };
        let Some(item) = screen.selected_item() else { return Vec::new() };
        if screen.detail.as_ref().is_some_and(|d| d.row.header.id == item.entry_id) {
            return Vec::new();
        }
        let id = item.entry_id.clone();
        screen.detail = None;
        screen.scroll = 0;
        vec![Effect::OpenQueueItem(id)]
    }
}
