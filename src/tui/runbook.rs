//! The practice manager's runbook screen (issue 16): the cutover plan, the checklists, the
//! third-party services, the go-live re-check with its sign-off, and the call-back list, one list at
//! a time. This module owns the screen's state, its keys and its drawing; what it asks to be saved
//! goes out as a `Change` for the runner to write, by the same store operations as the commands.

use chrono::{DateTime, Utc};
use ratatui::Frame;
use ratatui::crossterm::event::{KeyCode, KeyEvent};
use ratatui::layout::{Constraint, Layout, Rect};
use ratatui::style::Style;
use ratatui::text::{Line, Span};
use ratatui::widgets::{Block, Borders, Paragraph};
use ratatui_textarea::TextArea;

use super::keys::{self, Binding, Command};
use super::theme::Theme;
use crate::domain::nhs::NhsNumber;
use crate::domain::text::{escape_inline, fit, truncate, width};
use crate::domain::time;
use crate::runbook::guide::guide;
use crate::runbook::recheck::{RecheckState, SAMPLE_MAX, SignoffHold};
use crate::runbook::services::ServiceState;
use crate::runbook::view::{RecheckLine, by_on, plural, set_apart_words};
use crate::runbook::{Overview, Refusal, refusal};
use crate::store::{Callback, Callbacks};

#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum Tab {
    #[default]
    Plan,
    Checklists,
    Services,
    Recheck,
    Callbacks,
}

impl Tab {
    const ALL: [Tab; 5] = [Tab::Plan, Tab::Checklists, Tab::Services, Tab::Recheck, Tab::Callbacks];

    fn next(self, by: isize) -> Tab {
        let at = Tab::ALL.iter().position(|t| *t == self).unwrap_or(0) as isize;
        Tab::ALL[(at + by).rem_euclid(Tab::ALL.len() as isize) as usize]
    }
}

/// What the screen asks the runner to save.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Change {
    Plan {
        category: String,
        how: String,
        lead: String,
    },
    Tick {
        item: String,
        note: Option<String>,
    },
    /// A tick taken back, with the reason: the tick stays in the item's history.
    Untick {
        item: String,
        reason: String,
    },
    /// The practice's own service, added to the list.
    AddService {
        name: String,
    },
    Service {
        name: String,
        state: Option<ServiceState>,
        note: Option<String>,
    },
    /// What the re-check found for a subject (an NHS number's digits, or `report:ID`), or an
    /// issue's progress; `label` is how the screen names it.
    RecheckMark {
        subject: String,
        label: String,
        state: RecheckState,
        note: Option<String>,
    },
    /// A patient tested at the initial data production: their NHS number's digits.
    RecheckAdd {
        nhs_number: String,
    },
    RecheckSample {
        size: usize,
        seed: Option<u64>,
    },
    Signoff {
        reason: Option<String>,
    },
}

/// A question at the foot of the screen, waiting for Enter.
#[derive(Debug, Clone)]
pub struct Prompt {
    pub asks: Asks,
    pub question: String,
    pub answer: TextArea<'static>,
}

/// What a question asks. `NewState` is any state for a service, as `services set --state` takes
/// (`from`: where it stands), and `StateNote` the note that goes with it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Asks {
    PlanHow { category: String },
    PlanLead { category: String, how: String },
    TickNote { item: String },
    UntickReason { item: String },
    ChaseNote { service: String },
    NewState { service: String, from: ServiceState },
    StateNote { service: String, state: ServiceState },
    AddService,
    Issue { subject: String, label: String },
    Progress { subject: String, label: String },
    ProgressNote { subject: String, label: String, state: RecheckState },
    AddPatient,
    SampleSize,
    SampleSeed { size: usize },
    Signoff,
}

/// What a key did.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Outcome {
    Nothing,
    Back,
    Save(Change),
    /// Something to tell the person (a service already back on).
    Say(String),
    /// Something typed that cannot be taken: the question stays, with what was typed.
    Problem(String),
    /// A new patient on the call-back list is registered in the new system: their registration is
    /// marked done in the re-entry queue, by the queue's own questions.
    Registered {
        entry_id: String,
        reference: String,
    },
}

#[derive(Debug, Clone, Default)]
pub struct RunbookScreen {
    pub tab: Tab,
    pub selected: usize,
    /// The checklists' role shown: an index into the guide's roles.
    pub role: usize,
    pub overview: Option<Box<Overview>>,
    pub callbacks: Option<Callbacks>,
    pub go_live: Option<DateTime<Utc>>,
    /// The question being answered. It stays, with what was typed, while its change is being
    /// saved, and after a refusal, so that the answer can be corrected; `saved` closes it.
    pub prompt: Option<Prompt>,
    /// A service was just added: choose it (the last on the list) once the list is read again.
    choose_added: bool,
}

fn ask(asks: Asks, question: impl Into<String>, start: &str) -> Prompt {
    let mut answer = TextArea::default();
    answer.insert_str(start);
    Prompt { asks, question: question.into(), answer }
}

/// The re-check's "why", short enough for the list: its column is headed WHY.
fn why_short(line: &RecheckLine) -> &'static str {
    match line.why {
        "tested at IDP" => "IDP",
        "sample" => "sample",
        _ => "report",
    }
}

impl RunbookScreen {
    /// The screen opened on one of its lists.
    pub fn on(tab: Tab) -> RunbookScreen {
        RunbookScreen { tab, ..Default::default() }
    }

    /// The keys of the list shown: what they do, the footer and the help.
    pub fn bindings(&self) -> &'static [Binding] {
        match self.tab {
            Tab::Plan => keys::RUNBOOK_PLAN,
            Tab::Checklists => keys::RUNBOOK_CHECKLISTS,
            Tab::Services => keys::RUNBOOK_SERVICES,
            Tab::Recheck => keys::RUNBOOK_RECHECK,
            Tab::Callbacks => keys::RUNBOOK_CALLBACKS,
        }
    }

    /// How many rows the current list has.
    fn rows(&self) -> usize {
        match self.tab {
            Tab::Plan => self.overview.as_ref().map_or(0, |o| o.plan.len()),
            Tab::Checklists => self.items().count(),
            Tab::Services => self.overview.as_ref().map_or(0, |o| o.services.len()),
            Tab::Recheck => self.overview.as_ref().map_or(0, |o| o.recheck.lines.len()),
            Tab::Callbacks => self.callbacks.as_ref().map_or(0, |c| c.asked.len()),
        }
    }

    fn items(&self) -> impl Iterator<Item = &crate::runbook::view::ItemLine> {
        let role = guide().roles.get(self.role).map(|r| r.id.as_str()).unwrap_or_default();
        self.overview.iter().flat_map(|o| o.checklist.iter()).filter(move |l| l.role.id == role)
    }

    fn recheck_line(&self) -> Option<&RecheckLine> {
        self.overview.as_ref().and_then(|o| o.recheck.lines.get(self.selected))
    }

    fn callback(&self) -> Option<&Callback> {
        self.callbacks.as_ref().and_then(|c| c.asked.get(self.selected))
    }

    /// A fresh overview from the store: the selection stays where it was, if it still can.
    pub fn loaded(&mut self, overview: Overview, callbacks: Callbacks, go_live: Option<DateTime<Utc>>) {
        self.overview = Some(Box::new(overview));
        self.callbacks = Some(callbacks);
        self.go_live = go_live;
        if std::mem::take(&mut self.choose_added) && self.tab == Tab::Services {
            self.selected = self.rows().saturating_sub(1);
        }
        self.selected = self.selected.min(self.rows().saturating_sub(1));
    }

    /// The change asked for was saved: its question is answered.
    pub fn saved(&mut self) {
        if let Some(prompt) = self.prompt.take() {
            self.choose_added = prompt.asks == Asks::AddService;
        }
    }

    /// The store refused the sign-off: what holds it up, and the question that signs off all the
    /// same, with a reason. The rule is the store's (`Tx::signoff`); this only asks for the reason.
    pub fn signoff_held(&mut self, hold: SignoffHold) -> String {
        let held = crate::runbook::refusal::signoff_held(hold.open_issues, hold.unchecked);
        self.prompt =
            Some(ask(Asks::Signoff, "To sign off all the same, type the reason, then Enter (Esc to leave it):", ""));
        held
    }

    pub fn on_paste(&mut self, text: &str) -> bool {
        match &mut self.prompt {
            Some(prompt) => super::paste::into_line(&mut prompt.answer, text),
            None => false,
        }
    }

    pub fn on_key(&mut self, key: KeyEvent) -> Outcome {
        if self.prompt.is_some() {
            return self.on_prompt_key(key);
        }
        match key.code {
            KeyCode::Down => {
                self.selected = (self.selected + 1).min(self.rows().saturating_sub(1));
                return Outcome::Nothing;
            }
            KeyCode::Up => {
                self.selected = self.selected.saturating_sub(1);
                return Outcome::Nothing;
            }
            _ => {}
        }
        match keys::command(self.bindings(), &key) {
            Some(Command::Back) => return Outcome::Back,
            Some(Command::NextList) => self.switch(1),
            Some(Command::PreviousList) => self.switch(-1),
            Some(Command::Role) => {
                self.role = (self.role + 1) % guide().roles.len().max(1);
                self.selected = 0;
            }
            Some(Command::Chase) => {
                if let Some(s) = self.overview.as_ref().and_then(|o| o.services.get(self.selected)) {
                    let question = format!("Chase note for {} (who, what they said), then Enter:", s.name);
                    self.prompt = Some(ask(Asks::ChaseNote { service: s.name.clone() }, question, ""));
                }
            }
            Some(Command::Step) => return self.step(),
            Some(Command::Untick) => return self.untick(),
            Some(Command::ServiceState) => {
                if let Some(s) = self.overview.as_ref().and_then(|o| o.services.get(self.selected)) {
                    let question = format!("{} is {}. Set it to: {}? Then Enter:", s.name, s.state.words(), states());
                    self.prompt = Some(ask(Asks::NewState { service: s.name.clone(), from: s.state }, question, ""));
                }
            }
            Some(Command::AddService) => {
                let question = "The name of a service the practice uses that is not on the list, then Enter:";
                self.prompt = Some(ask(Asks::AddService, question, ""));
            }
            Some(command) if self.tab == Tab::Recheck => return self.recheck(command),
            Some(Command::Registered) => {
                if let Some(c) = self.callback() {
                    return Outcome::Registered { entry_id: c.entry_id.clone(), reference: c.reference.clone() };
                }
            }
            _ => {}
        }
        Outcome::Nothing
    }

    fn switch(&mut self, by: isize) {
        self.tab = self.tab.next(by);
        self.selected = 0;
    }

    /// Enter on a row: plan it, tick it, or move the service one step on.
    fn step(&mut self) -> Outcome {
        let Some(o) = &self.overview else { return Outcome::Nothing };
        match self.tab {
            Tab::Plan => {
                let Some(line) = o.plan.get(self.selected) else { return Outcome::Nothing };
                let how = line.current.as_ref().map(|v| v.how.as_str()).unwrap_or_default();
                let question = format!("How will {} be handled during cutover? Then Enter:", line.category.name);
                self.prompt = Some(ask(Asks::PlanHow { category: line.category.id.clone() }, question, how));
            }
            Tab::Checklists => {
                let Some(line) = self.items().nth(self.selected) else { return Outcome::Nothing };
                let question = if line.ticked.is_some() {
                    format!("{} is ticked. A note to add to it, then Enter:", line.item.id)
                } else {
                    format!("Tick {}: a note if you want one, then Enter:", line.item.id)
                };
                self.prompt = Some(ask(Asks::TickNote { item: line.item.id.clone() }, question, ""));
            }
            Tab::Services => {
                let Some(s) = o.services.get(self.selected) else { return Outcome::Nothing };
                let next = match s.state {
                    ServiceState::ToSwitchOff => ServiceState::ConfirmedOff,
                    ServiceState::ConfirmedOff => ServiceState::ToSwitchOn,
                    ServiceState::ToSwitchOn => ServiceState::ConfirmedOn,
                    ServiceState::NotUsed => ServiceState::ToSwitchOff,
                    ServiceState::ConfirmedOn => {
                        return Outcome::Say(format!("{} is confirmed back on: nothing more to do.", s.name));
                    }
                };
                return Outcome::Save(Change::Service { name: s.name.clone(), state: Some(next), note: None });
            }
            Tab::Recheck | Tab::Callbacks => {}
        }
        Outcome::Nothing
    }

    /// `u` on a checklist item: asks why it was ticked in error.
    fn untick(&mut self) -> Outcome {
        let Some(line) = self.items().nth(self.selected) else { return Outcome::Nothing };
        if line.ticked.is_none() {
            // The store refuses it too (`Tx::untick`); said here, in its words, before a reason is typed.
            return Outcome::Problem(Refusal::NotTicked(line.item.id.clone()).to_string());
        }
        let question = format!(
            "Untick {}: why was it ticked in error? The tick and your reason stay in its history. Then Enter:",
            line.item.id
        );
        self.prompt = Some(ask(Asks::UntickReason { item: line.item.id.clone() }, question, ""));
        Outcome::Nothing
    }

    /// A key of the re-check's list.
    fn recheck(&mut self, command: Command) -> Outcome {
        let subject = self.recheck_line().map(|l| (l.subject.clone(), l.label.clone()));
        match (command, subject) {
            (Command::Matches, Some((subject, label))) => {
                return Outcome::Save(Change::RecheckMark { subject, label, state: RecheckState::Matches, note: None });
            }
            (Command::Issue, Some((subject, label))) => {
                let question = format!("What is wrong with {label} in the new system? Then Enter:");
                self.prompt = Some(ask(Asks::Issue { subject, label }, question, ""));
            }
            (Command::IssueProgress, Some((subject, label))) => {
                // The store refuses it too (`RecheckState::mark`); asked here before anything is typed.
                if let Some(line) = self.recheck_line().filter(|l| !l.state.is_open_issue()) {
                    return Outcome::Problem(format!(
                        "{label} has no open issue ({}): record one first with i.",
                        line.state.words()
                    ));
                }
                let question = format!("{label}: the issue is now reported (to the supplier), fixed or accepted?");
                self.prompt = Some(ask(Asks::Progress { subject, label }, question, ""));
            }
            (Command::AddPatient, _) => {
                let question = "The NHS number of a patient tested at the initial data production, then Enter:";
                self.prompt = Some(ask(Asks::AddPatient, question, ""));
            }
            (Command::Sample, _) => {
                let question = "How many patients to draw at random from the patient list? Then Enter:";
                self.prompt = Some(ask(Asks::SampleSize, question, ""));
            }
            (Command::Signoff, _) => {
                let question = "Sign off Go Live Data in your name: Enter (type a note or reason first if you want one); Esc to leave it.";
                self.prompt = Some(ask(Asks::Signoff, question, ""));
            }
            _ => {}
        }
        Outcome::Nothing
    }

    fn on_prompt_key(&mut self, key: KeyEvent) -> Outcome {
        let Some(prompt) = &mut self.prompt else { return Outcome::Nothing };
        match key.code {
            KeyCode::Esc => self.prompt = None,
            KeyCode::Enter => {
                let answer = prompt.answer.lines().join(" ").trim().to_string();
                let asks = prompt.asks.clone();
                return self.answered(asks, answer);
            }
            _ => {
                prompt.answer.input(key);
            }
        }
        Outcome::Nothing
    }

    /// Enter on a question: the change it asks for, or the next question. An answer that cannot
    /// be taken leaves the question open with what was typed.
    fn answered(&mut self, asks: Asks, answer: String) -> Outcome {
        let needed = |what: &str| Outcome::Problem(format!("{what} is needed (Esc to leave it)."));
        let outcome = match asks {
            Asks::PlanHow { .. } if answer.is_empty() => return needed("How it will be handled"),
            Asks::PlanHow { category } => {
                let lead = self
                    .overview
                    .as_ref()
                    .and_then(|o| o.plan.iter().find(|l| l.category.id == category))
                    .and_then(|l| l.current.as_ref().map(|v| v.lead.clone()))
                    .unwrap_or_default();
                let question = "Who leads it? Their staff id, then Enter:";
                self.prompt = Some(ask(Asks::PlanLead { category, how: answer }, question, &lead));
                return Outcome::Nothing;
            }
            Asks::PlanLead { .. } if answer.is_empty() => return needed("A lead (their staff id)"),
            Asks::PlanLead { category, how } => Outcome::Save(Change::Plan { category, how, lead: answer }),
            Asks::TickNote { item } => {
                Outcome::Save(Change::Tick { item, note: Some(answer).filter(|a| !a.is_empty()) })
            }
            Asks::UntickReason { .. } if answer.is_empty() => return needed("The reason"),
            Asks::UntickReason { item } => Outcome::Save(Change::Untick { item, reason: answer }),
            Asks::AddService if answer.is_empty() => return needed("The service's name"),
            Asks::AddService => Outcome::Save(Change::AddService { name: answer }),
            Asks::NewState { service, from } => {
                let Some(state) = ServiceState::parse(&answer) else {
                    return Outcome::Problem(format!("Type one of: {} (Esc to leave it).", states()));
                };
                // The store's rule, checked again when it writes; asked here before the note is typed.
                if let Err(refused) = refusal::service_step(&service, from, state) {
                    return Outcome::Problem(refused.to_string());
                }
                let question = format!(
                    "{service}, {}: a note if you want one (who confirmed it, or why), then Enter:",
                    state.words()
                );
                self.prompt = Some(ask(Asks::StateNote { service, state }, question, ""));
                return Outcome::Nothing;
            }
            Asks::StateNote { service, state } => Outcome::Save(Change::Service {
                name: service,
                state: Some(state),
                note: Some(answer).filter(|a| !a.is_empty()),
            }),
            Asks::ChaseNote { .. } if answer.is_empty() => Outcome::Say("Nothing noted: the note was empty.".into()),
            Asks::ChaseNote { service } => {
                Outcome::Save(Change::Service { name: service, state: None, note: Some(answer) })
            }
            Asks::Issue { .. } if answer.is_empty() => return needed("What is wrong"),
            Asks::Issue { subject, label } => {
                Outcome::Save(Change::RecheckMark { subject, label, state: RecheckState::Issue, note: Some(answer) })
            }
            Asks::Progress { subject, label } => match RecheckState::parse_progress(&answer) {
                Some(state) => {
                    let question = format!(
                        "{label}, {}: a note (the supplier's reference, or why it is accepted), then Enter:",
                        state.words()
                    );
                    self.prompt = Some(ask(Asks::ProgressNote { subject, label, state }, question, ""));
                    return Outcome::Nothing;
                }
                None => return Outcome::Problem("Type reported, fixed or accepted (Esc to leave it).".into()),
            },
            Asks::ProgressNote { subject, label, state } => Outcome::Save(Change::RecheckMark {
                subject,
                label,
                state,
                note: Some(answer).filter(|a| !a.is_empty()),
            }),
            Asks::AddPatient => match NhsNumber::parse(&answer) {
                Ok(nhs) => Outcome::Save(Change::RecheckAdd { nhs_number: nhs.digits().to_string() }),
                Err(problem) => return Outcome::Problem(format!("NHS number: {problem}")),
            },
            Asks::SampleSize => match answer.parse::<u32>() {
                Ok(size) if (1..=SAMPLE_MAX).contains(&size) => {
                    let question = "The seed: leave it empty for a new one, or type a recorded seed to draw that sample again. Then Enter:";
                    self.prompt = Some(ask(Asks::SampleSeed { size: size as usize }, question, ""));
                    return Outcome::Nothing;
                }
                _ => return Outcome::Problem(format!("Type how many patients, from 1 to {SAMPLE_MAX}, such as 20.")),
            },
            Asks::SampleSeed { size } if answer.is_empty() => Outcome::Save(Change::RecheckSample { size, seed: None }),
            Asks::SampleSeed { size } => match answer.parse::<u64>() {
                Ok(seed) => Outcome::Save(Change::RecheckSample { size, seed: Some(seed) }),
                Err(_) => {
                    return Outcome::Problem("A seed is a whole number, such as 4021, or leave it empty.".into());
                }
            },
            Asks::Signoff => Outcome::Save(Change::Signoff { reason: Some(answer).filter(|a| !a.is_empty()) }),
        };
        // A change to save keeps its question until it is saved (`saved`): refused, it can be corrected.
        if !matches!(outcome, Outcome::Save(_)) {
            self.prompt = None;
        }
        outcome
    }

    pub fn draw(&self, theme: &Theme, frame: &mut Frame, area: Rect, now: DateTime<Utc>) {
        // A question too long for one line goes on two or three, so none of it is cut.
        let question = self.prompt.as_ref().map(|p| wrap(&p.question, area.width.saturating_sub(1) as usize));
        let prompt_rows = question.as_ref().map_or(0, |q| q.len() as u16 + 1);
        let [tabs, list, foot] =
            Layout::vertical([Constraint::Length(1), Constraint::Fill(1), Constraint::Length(prompt_rows)]).areas(area);
        let (Some(o), Some(callbacks)) = (&self.overview, &self.callbacks) else {
            frame.render_widget(Paragraph::new(Line::styled(" Reading the runbook…", theme.dim())), list);
            return;
        };
        let mut spans = vec![Span::raw(" ")];
        for tab in Tab::ALL {
            let title = match tab {
                Tab::Plan => format!(" Plan {}/{} ", o.plan.len() - o.unplanned().count(), o.plan.len()),
                Tab::Checklists => {
                    let ticked = o.checklist.iter().filter(|l| l.ticked.is_some()).count();
                    format!(" Checklists {ticked}/{} ", o.checklist.len())
                }
                Tab::Services => {
                    let on = o.services.iter().filter(|s| !s.state.awaits_back_on()).count();
                    format!(" Services {on}/{} ", o.services.len())
                }
                Tab::Recheck => {
                    let r = &o.recheck;
                    let settled = r.lines.len() - r.hold.open_issues - r.hold.unchecked;
                    format!(" Re-check {settled}/{} ", r.lines.len())
                }
                Tab::Callbacks => format!(" Call-backs {} ", callbacks.waiting()),
            };
            spans.push(Span::styled(title, if tab == self.tab { theme.focused() } else { theme.label() }));
            spans.push(Span::raw(" "));
        }
        frame.render_widget(Paragraph::new(Line::from(spans)), tabs);

        let width = list.width.saturating_sub(2) as usize;
        let (title, rows) = match self.tab {
            Tab::Plan => (
                " How each kind of work is handled during cutover: Enter to plan one ".to_string(),
                self.plan_rows(o, theme, width),
            ),
            Tab::Checklists => {
                let role = guide().roles.get(self.role).map(|r| r.name.as_str()).unwrap_or_default();
                (format!(" {role}: Enter to tick, u to untick, r another role "), self.checklist_rows(theme, width))
            }
            Tab::Services => (
                " Back on (or not used) after go-live · Enter next step · s state · a add ".to_string(),
                self.service_rows(o, theme, width, now),
            ),
            Tab::Recheck => (
                " Go-live re-check: m matches · i issue · p progress · s sign off ".to_string(),
                self.recheck_rows(o, theme, width),
            ),
            Tab::Callbacks => (
                " New patients asked to come back after go-live: d when registered ".to_string(),
                self.callback_rows(callbacks, theme, width),
            ),
        };
        // Scrolled so the selected row shows.
        let height = list.height.saturating_sub(2) as usize;
        let at = rows.iter().position(|(_, selectable)| *selectable == Some(self.selected)).unwrap_or(0);
        // The lines under the selected row (an issue's text) show with it.
        let last = rows.iter().skip(at + 1).take_while(|(_, selectable)| selectable.is_none()).count() + at;
        let skip = last.saturating_sub(height.saturating_sub(1)).min(at);
        let lines: Vec<Line> = rows.into_iter().skip(skip).take(height).map(|(l, _)| l).collect();
        frame.render_widget(Paragraph::new(lines).block(Block::default().borders(Borders::ALL).title(title)), list);

        if let (Some(prompt), Some(question)) = (&self.prompt, question) {
            let answer = escape_inline(&prompt.answer.lines().join(" ")).into_owned();
            let mut lines: Vec<Line> =
                question.into_iter().map(|q| Line::styled(format!(" {q}"), theme.label())).collect();
            lines.push(Line::styled(format!(" > {answer}▏"), theme.focused()));
            frame.render_widget(Paragraph::new(lines), foot);
        }
    }

    fn row<'a>(
        &self,
        index: usize,
        text: String,
        theme: &Theme,
        width: usize,
        style: Option<Style>,
    ) -> (Line<'a>, Option<usize>) {
        let mark = if index == self.selected { "›" } else { " " };
        let line = fit(&format!("{mark}{text}"), width);
        let style = if index == self.selected { theme.focused() } else { style.unwrap_or_default() };
        (Line::styled(line, style), Some(index))
    }

    /// Each kind of work with its lead and how; under one set on two PCs at the same time, the
    /// other version, in the words `cutover plan` uses.
    fn plan_rows<'a>(&self, o: &Overview, theme: &Theme, width: usize) -> Vec<(Line<'a>, Option<usize>)> {
        let mut out = Vec::new();
        for (i, line) in o.plan.iter().enumerate() {
            out.push(match &line.current {
                Some(v) => {
                    let text = format!("{} {:<4} {}", fit(&line.category.name, 28), v.lead, escape_inline(&v.how));
                    self.row(i, text, theme, width, None)
                }
                None => self.row(
                    i,
                    format!("{} NO PLAN YET", fit(&line.category.name, 28)),
                    theme,
                    width,
                    Some(theme.warning()),
                ),
            });
            for other in &line.made_apart {
                out.extend(under(&set_apart_words(other), width, theme.warning()));
            }
        }
        out
    }

    fn checklist_rows<'a>(&self, theme: &Theme, width: usize) -> Vec<(Line<'a>, Option<usize>)> {
        let mut out = Vec::new();
        let mut phase = "";
        for (i, line) in self.items().enumerate() {
            if line.phase.id != phase {
                phase = &line.phase.id;
                out.push((Line::styled(fit(&line.phase.name, width), theme.label()), None));
            }
            let mark = if line.ticked.is_some() { "[x]" } else { "[ ]" };
            out.push(self.row(i, format!("{mark} {:<7}{}", line.item.id, line.item.question), theme, width, None));
            // The chosen item's tick, notes and unticks, as `cutover checklist` shows them.
            if i == self.selected {
                for said in line.history() {
                    out.extend(under(&said, width, theme.dim()));
                }
            }
        }
        out
    }

    fn service_rows<'a>(
        &self,
        o: &Overview,
        theme: &Theme,
        width: usize,
        now: DateTime<Utc>,
    ) -> Vec<(Line<'a>, Option<usize>)> {
        let awaiting = o.awaiting_back_on(self.go_live, now);
        let mut out = Vec::new();
        for (i, s) in o.services.iter().enumerate() {
            let by = s
                .changed
                .as_ref()
                .map(|e| format!("{} {}", e.staff_id, time::format_uk_as(e.at, "%d/%m %H:%M")))
                .unwrap_or_default();
            let text = format!("{} {} {by}", fit(&escape_inline(&s.name), 40), fit(s.state.words(), 17));
            let late = awaiting.iter().any(|a| a.key == s.key);
            out.push(self.row(i, text, theme, width, late.then(|| theme.warning())));
            // The chosen service's notes (chases, and notes given with a state), as `cutover services` shows them.
            if i == self.selected {
                for note in &s.notes {
                    let said = format!("{}: {}", by_on(note), note.note.as_deref().unwrap_or_default());
                    out.extend(under(&said, width, theme.dim()));
                }
            }
        }
        out
    }

    /// Where the re-check stands, its samples and its sign-off; then each patient and report, an
    /// issue's text under it.
    fn recheck_rows<'a>(&self, o: &Overview, theme: &Theme, width: usize) -> Vec<(Line<'a>, Option<usize>)> {
        let r = &o.recheck;
        let said = |text: String, style: Style| (Line::styled(fit(&format!(" {text}"), width), style), None);
        let mut out = vec![said(format!("{}.", r.summary()), Style::default())];
        for s in &r.samples {
            out.push(said(
                format!(
                    "Sample: {} of {} on the patient list, seed {}, by {} on {}.",
                    s.size,
                    s.population,
                    s.seed,
                    s.staff_id,
                    time::format_uk(s.drawn_at)
                ),
                theme.dim(),
            ));
        }
        out.push(match r.signed_off() {
            Some(s) => {
                let with = match &s.reason {
                    Some(reason) => format!(
                        ", with {} open and {} not checked: {}",
                        plural(s.open_issues, "issue", "issues"),
                        plural(s.unchecked, "item", "items"),
                        escape_inline(reason)
                    ),
                    None => String::new(),
                };
                said(
                    format!("Go Live Data signed off by {} on {}{with}.", s.staff_id, time::format_uk(s.at)),
                    theme.success(),
                )
            }
            None => said("Go Live Data is not signed off yet: s to sign off.".into(), theme.warning()),
        });
        out.push(said(
            format!("{} {:<6} {} BY WHEN", fit("PATIENT OR REPORT", 22), "WHY", fit("STATE", 31)),
            theme.label(),
        ));
        for (i, line) in r.lines.iter().enumerate() {
            let by = line
                .last()
                .map(|e| format!("{} {}", e.staff_id, time::format_uk_as(e.at, "%d/%m %H:%M")))
                .unwrap_or_default();
            let text = format!("{} {:<6} {} {by}", fit(&line.label, 22), why_short(line), fit(line.state.words(), 31));
            let open = line.state.is_open_issue();
            out.push(self.row(i, text, theme, width, open.then(|| theme.warning())));
            if let Some(issue) = line.issue() {
                let mut text = format!("  ↳ {}", escape_inline(issue));
                if let Some(last) = line.last().filter(|e| e.what.as_deref() != Some("issue"))
                    && let (Some(state), Some(note)) =
                        (last.what.as_deref().and_then(RecheckState::from_name), last.note.as_deref())
                {
                    text.push_str(&format!(" · {}: {}", state.name(), escape_inline(note)));
                }
                out.push((Line::styled(fit(&text, width), theme.dim()), None));
            }
        }
        out
    }

    fn callback_rows<'a>(&self, callbacks: &Callbacks, theme: &Theme, width: usize) -> Vec<(Line<'a>, Option<usize>)> {
        let said = |text: String, style: Style| (Line::styled(fit(&format!(" {text}"), width), style), None);
        let waiting = callbacks.waiting();
        let mut out = vec![said(
            format!(
                "{waiting} to call back; {} registered in the new system or not required.",
                callbacks.asked.len() - waiting
            ),
            Style::default(),
        )];
        if callbacks.unsaid > 0 {
            out.push(said(
                format!(
                    "{} not say whether they were asked to come back:",
                    plural(callbacks.unsaid, "other new registration does", "other new registrations do")
                ),
                theme.warning(),
            ));
            out.push(said(
                "find them among the entries (e on the home screen) and amend them.".into(),
                theme.warning(),
            ));
        }
        out.push(said(
            format!("{:<8} {:<11} {} {:<10} {} REGISTERED", "REF", "SEEN", fit("NAME", 18), "BORN", fit("PHONE", 13)),
            theme.label(),
        ));
        for (i, c) in callbacks.asked.iter().enumerate() {
            let born = c
                .date_of_birth
                .as_deref()
                .and_then(|d| chrono::NaiveDate::parse_from_str(d, "%Y-%m-%d").ok())
                .map_or_else(String::new, time::format_uk_date);
            let registered = match (c.status.as_str(), c.status_changed_at) {
                ("done", Some(at)) => format!("yes, {}", time::format_uk_as(at, "%d/%m")),
                ("done", None) => "yes".to_string(),
                ("not_required", _) => "not required".to_string(),
                _ => "no".to_string(),
            };
            let name = escape_inline(&format!("{}, {}", c.family_name.to_uppercase(), c.given_name)).into_owned();
            let text = format!(
                "{:<8} {} {} {:<10} {} {registered}",
                c.reference,
                time::format_uk_as(c.occurred_at, "%d/%m %H:%M"),
                fit(&name, 18),
                born,
                fit(&escape_inline(c.phone.as_deref().unwrap_or_default()), 13)
            );
            out.push(self.row(i, text, theme, width, None));
        }
        out
    }
}

/// `text` in lines of at most `columns`, broken between words (a word longer than a line is cut),
/// at most three.
fn wrap(text: &str, columns: usize) -> Vec<String> {
    let mut lines: Vec<String> = vec![String::new()];
    for word in escape_inline(text).split(' ') {
        let Some(line) = lines.last_mut() else { break };
        if !line.is_empty() && width(line) + 1 + width(word) > columns {
            lines.push(word.to_string());
        } else {
            if !line.is_empty() {
                line.push(' ');
            }
            line.push_str(word);
        }
    }
    lines.truncate(3);
    lines.into_iter().map(|l| truncate(&l, columns).into_owned()).collect()
}

/// "to switch off, confirmed off, …, confirmed back on or not used here": every state a service
/// can be set to, as people read them.
fn states() -> String {
    let words: Vec<&str> = ServiceState::ALL.iter().map(|s| s.words()).collect();
    match words.split_last() {
        Some((last, rest)) => format!("{} or {last}", rest.join(", ")),
        None => String::new(),
    }
}

/// Text under a row, marked "↳" and broken between words (at most three lines, as `wrap`).
fn under<'a>(text: &str, width: usize, style: Style) -> Vec<(Line<'a>, Option<usize>)> {
    wrap(text, width.saturating_sub(4))
        .into_iter()
        .enumerate()
        .map(|(n, part)| {
            let mark = if n == 0 { "  ↳ " } else { "    " };
            (Line::styled(fit(&format!("{mark}{part}"), width), style), None)
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::wrap;

    #[test]
    fn a_long_question_is_broken_between_words_and_nothing_is_lost() {
        let question =
            "Sign off Go Live Data in your name: Enter (type a note or reason first if you want one); Esc to leave it.";
        let lines = wrap(question, 40);
        assert!(lines.iter().all(|l| l.chars().count() <= 40), "{lines:?}");
        assert_eq!(lines.join(" "), question);
        assert_eq!(wrap("short", 40), ["short"]);
        assert_eq!(wrap(&"word ".repeat(100), 10).len(), 3, "at most three lines");
    }
}
