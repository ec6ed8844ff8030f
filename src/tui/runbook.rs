//! The practice manager's runbook screen (issue 16): the cutover plan, the checklists and the
//! third-party services, one list at a time. This module owns the screen's state, its keys and its
//! drawing; what it asks to be saved goes out as a `Change` for the runner to write.

use chrono::{DateTime, Utc};
use ratatui::Frame;
use ratatui::crossterm::event::{KeyCode, KeyEvent};
use ratatui::layout::{Constraint, Layout, Rect};
use ratatui::text::{Line, Span};
use ratatui::widgets::{Block, Borders, Paragraph};
use ratatui_textarea::TextArea;

use super::theme::Theme;
use crate::domain::text::{escape_inline, fit};
use crate::domain::time;
use crate::runbook::Overview;
use crate::runbook::guide::guide;
use crate::runbook::services::ServiceState;

#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum Tab {
    #[default]
    Plan,
    Checklists,
    Services,
}

impl Tab {
    const ALL: [Tab; 3] = [Tab::Plan, Tab::Checklists, Tab::Services];

    fn next(self, by: isize) -> Tab {
        let at = Tab::ALL.iter().position(|t| *t == self).unwrap_or(0) as isize;
        Tab::ALL[(at + by).rem_euclid(Tab::ALL.len() as isize) as usize]
    }
}

/// What the screen asks the runner to save.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Change {
    Plan { category: String, how: String, lead: String },
    Tick { item: String, note: Option<String> },
    Service { name: String, state: Option<ServiceState>, note: Option<String> },
}

/// A question at the foot of the screen, waiting for Enter.
#[derive(Debug, Clone)]
pub struct Prompt {
    pub asks: Asks,
    pub question: String,
    pub answer: TextArea<'static>,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Asks {
    PlanHow { category: String },
    PlanLead { category: String, how: String },
    TickNote { item: String },
    ChaseNote { service: String },
}

/// What a key did.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Outcome {
    Nothing,
    Back,
    Save(Change),
    /// Something to tell the person (a gap in an answer, a service already back on).
    Say(String),
}

#[derive(Debug, Clone, Default)]
pub struct RunbookScreen {
    pub tab: Tab,
    pub selected: usize,
    /// The checklists' role shown: an index into the guide's roles.
    pub role: usize,
    pub overview: Option<Box<Overview>>,
    pub go_live: Option<DateTime<Utc>>,
    pub prompt: Option<Prompt>,
}

fn ask(asks: Asks, question: impl Into<String>, start: &str) -> Prompt {
    let mut answer = TextArea::default();
    answer.insert_str(start);
    Prompt { asks, question: question.into(), answer }
}

impl RunbookScreen {
    /// How many rows the current list has.
    fn rows(&self) -> usize {
        let Some(o) = &self.overview else { return 0 };
        match self.tab {
            Tab::Plan => o.plan.len(),
            Tab::Checklists => self.items().count(),
            Tab::Services => o.services.len(),
        }
    }

    fn items(&self) -> impl Iterator<Item = &crate::runbook::view::ItemLine> {
        let role = guide().roles.get(self.role).map(|r| r.id.as_str()).unwrap_or_default();
        self.overview.iter().flat_map(|o| o.checklist.iter()).filter(move |l| l.role.id == role)
    }

    /// A fresh overview from the store: the selection stays where it was, if it still can.
    pub fn loaded(&mut self, overview: Overview, go_live: Option<DateTime<Utc>>) {
        self.overview = Some(Box::new(overview));
        self.go_live = go_live;
        self.selected = self.selected.min(self.rows().saturating_sub(1));
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
            KeyCode::Esc => return Outcome::Back,
            KeyCode::Tab | KeyCode::Right => self.switch(1),
            KeyCode::BackTab | KeyCode::Left => self.switch(-1),
            KeyCode::Down => self.selected = (self.selected + 1).min(self.rows().saturating_sub(1)),
            KeyCode::Up => self.selected = self.selected.saturating_sub(1),
            KeyCode::Char('r') if self.tab == Tab::Checklists => {
                self.role = (self.role + 1) % guide().roles.len().max(1);
                self.selected = 0;
            }
            KeyCode::Char('c') if self.tab == Tab::Services => {
                if let Some(s) = self.overview.as_ref().and_then(|o| o.services.get(self.selected)) {
                    let question = format!("Chase note for {} (who, what they said), then Enter:", s.name);
                    self.prompt = Some(ask(Asks::ChaseNote { service: s.name.clone() }, question, ""));
                }
            }
            KeyCode::Enter => return self.act(),
            _ => {}
        }
        Outcome::Nothing
    }

    fn switch(&mut self, by: isize) {
        self.tab = self.tab.next(by);
        self.selected = 0;
    }

    /// Enter on a row: plan it, tick it, or move the service one step on.
    fn act(&mut self) -> Outcome {
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
                self.prompt = None;
                return match asks {
                    Asks::PlanHow { category } if answer.is_empty() => {
                        self.prompt = Some(ask(
                            Asks::PlanHow { category },
                            "How it will be handled is needed (Esc to leave it):",
                            "",
                        ));
                        Outcome::Nothing
                    }
                    Asks::PlanHow { category } => {
                        let lead = self
                            .overview
                            .as_ref()
                            .and_then(|o| o.plan.iter().find(|l| l.category.id == category))
                            .and_then(|l| l.current.as_ref().map(|v| v.lead.clone()))
                            .unwrap_or_default();
                        let question = "Who leads it? Their staff id, then Enter:";
                        self.prompt = Some(ask(Asks::PlanLead { category, how: answer }, question, &lead));
                        Outcome::Nothing
                    }
                    Asks::PlanLead { category, how } if answer.is_empty() => {
                        self.prompt = Some(ask(
                            Asks::PlanLead { category, how },
                            "A lead is needed: their staff id (Esc to leave it):",
                            "",
                        ));
                        Outcome::Nothing
                    }
                    Asks::PlanLead { category, how } => Outcome::Save(Change::Plan { category, how, lead: answer }),
                    Asks::TickNote { item } => {
                        Outcome::Save(Change::Tick { item, note: Some(answer).filter(|a| !a.is_empty()) })
                    }
                    Asks::ChaseNote { .. } if answer.is_empty() => {
                        Outcome::Say("Nothing noted: the note was empty.".into())
                    }
                    Asks::ChaseNote { service } => {
                        Outcome::Save(Change::Service { name: service, state: None, note: Some(answer) })
                    }
                };
            }
            _ => {
                prompt.answer.input(key);
            }
        }
        Outcome::Nothing
    }

    pub fn draw(&self, theme: &Theme, frame: &mut Frame, area: Rect, now: DateTime<Utc>) {
        let prompt_rows = if self.prompt.is_some() { 2 } else { 0 };
        let [tabs, list, foot] =
            Layout::vertical([Constraint::Length(1), Constraint::Fill(1), Constraint::Length(prompt_rows)]).areas(area);
        let Some(o) = &self.overview else {
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
                    format!(" Services {on}/{} back on or not used ", o.services.len())
                }
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
                (format!(" {role}: Enter to tick, r for another role "), self.checklist_rows(theme, width))
            }
            Tab::Services => {
                (" Enter: next step · c: chase note ".to_string(), self.service_rows(o, theme, width, now))
            }
        };
        // Scrolled so the selected row shows.
        let height = list.height.saturating_sub(2) as usize;
        let at = rows.iter().position(|(_, selectable)| *selectable == Some(self.selected)).unwrap_or(0);
        let skip = at.saturating_sub(height.saturating_sub(1));
        let lines: Vec<Line> = rows.into_iter().skip(skip).take(height).map(|(l, _)| l).collect();
        frame.render_widget(Paragraph::new(lines).block(Block::default().borders(Borders::ALL).title(title)), list);

        if let Some(prompt) = &self.prompt {
            let answer = escape_inline(&prompt.answer.lines().join(" ")).into_owned();
            let lines = vec![
                Line::styled(format!(" {}", prompt.question), theme.label()),
                Line::styled(format!(" > {answer}▏"), theme.focused()),
            ];
            frame.render_widget(Paragraph::new(lines), foot);
        }
    }

    fn row<'a>(
        &self,
        index: usize,
        text: String,
        theme: &Theme,
        width: usize,
        style: Option<ratatui::style::Style>,
    ) -> (Line<'a>, Option<usize>) {
        let mark = if index == self.selected { "›" } else { " " };
        let line = fit(&format!("{mark}{text}"), width);
        let style = if index == self.selected { theme.focused() } else { style.unwrap_or_default() };
        (Line::styled(line, style), Some(index))
    }

    fn plan_rows<'a>(&self, o: &Overview, theme: &Theme, width: usize) -> Vec<(Line<'a>, Option<usize>)> {
        o.plan
            .iter()
            .enumerate()
            .map(|(i, line)| match &line.current {
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
            })
            .collect()
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
        o.services
            .iter()
            .enumerate()
            .map(|(i, s)| {
                let by = s
                    .changed
                    .as_ref()
                    .map(|e| format!("{} {}", e.staff_id, time::format_uk_as(e.at, "%d/%m %H:%M")))
                    .unwrap_or_default();
                let text = format!("{} {} {by}", fit(&escape_inline(&s.name), 40), fit(s.state.words(), 17));
                let late = awaiting.iter().any(|a| a.key == s.key);
                self.row(i, text, theme, width, late.then(|| theme.warning()))
            })
            .collect()
    }
}
