//! The passphrase screens, shown before anything from the log is: asking for the practice's
//! passphrase when the database is encrypted and none was given, and choosing one when a new
//! practice is set up. What is typed is masked: drawn as dots, kept only in memory, never written
//! anywhere or logged. The runner (`tui::pass`) tries what they return on the database.

use std::fmt;

use ratatui::Frame;
use ratatui::crossterm::event::{KeyCode, KeyEvent, KeyModifiers};
use ratatui::layout::Rect;
use ratatui::text::{Line, Span};
use ratatui::widgets::{Block, Borders, Paragraph, Wrap};

use super::app::Msg;
use super::keys::{self, Binding};
use super::theme::Theme;
use crate::store::Passphrase;

/// Said when the passphrase typed does not open the log: `Error::WrongPassphrase` in the screen's
/// words (the file cannot be damaged by a try: nothing is written until the key is right).
const WRONG: &str = "That passphrase does not open this log. Nothing was changed. Check Caps Lock and type it again. If you are sure it is right, ask the practice manager: the file may be damaged.";

/// Text typed into a masked box. Its `Debug` says nothing of it.
#[derive(Clone, Default, PartialEq, Eq)]
struct Masked(String);

impl fmt::Debug for Masked {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("Masked(…)")
    }
}

impl Masked {
    /// A character typed goes in (AltGr's too: Ctrl and Alt together on Windows); Backspace takes
    /// the last one out. Every other key is the screen's.
    fn input(&mut self, key: &KeyEvent) {
        let m = key.modifiers;
        let typing =
            m.difference(KeyModifiers::SHIFT).is_empty() || m.contains(KeyModifiers::CONTROL | KeyModifiers::ALT);
        match key.code {
            KeyCode::Char(c) if typing => self.0.push(c),
            KeyCode::Backspace => {
                self.0.pop();
            }
            _ => {}
        }
    }

    /// A paste is the passphrase as the file holds it: its first line, without the line ending
    /// (a passphrase copied from a document often brings its line break with it).
    fn paste(&mut self, text: &str) {
        let first = text.split(['\r', '\n']).find(|line| !line.is_empty()).unwrap_or("");
        self.0.push_str(first);
    }

    fn is_empty(&self) -> bool {
        self.0.is_empty()
    }

    /// A dot for each character, up to `room`: how much has been typed, never what.
    fn dots(&self, room: usize) -> String {
        "•".repeat(self.0.chars().count().min(room))
    }

    fn take(&mut self) -> String {
        std::mem::take(&mut self.0)
    }
}

/// What a key on a passphrase screen leads to.
#[derive(Debug)]
pub enum Outcome {
    Nothing,
    /// Leave without opening anything.
    Leave,
    /// Try this passphrase on the encrypted database.
    Unlock(Passphrase),
    /// Make the new practice's database encrypted with this passphrase, or with none.
    Chosen(Option<Passphrase>),
}

/// The screen before the log: its passphrase asked for, or chosen.
#[derive(Debug, Clone)]
pub enum Gate {
    Unlock(Unlock),
    Choose(Choose),
}

/// The database is encrypted and no passphrase was given: it is asked for.
#[derive(Debug, Clone, Default)]
pub struct Unlock {
    typed: Masked,
    /// Why the last passphrase did not open the log.
    problem: Option<String>,
    /// A passphrase is being tried (deriving the key takes a moment).
    pub checking: bool,
}

/// A new practice: the manager chooses the passphrase, typed twice, or goes on without one after
/// a warning.
#[derive(Debug, Clone, Default)]
pub struct Choose {
    first: Masked,
    again: Masked,
    /// The second box has focus.
    on_again: bool,
    problem: Option<String>,
    /// "Go on without a passphrase?" is asked.
    asking_plain: bool,
    /// The database is being made.
    pub checking: bool,
}

impl Gate {
    pub fn unlock() -> Gate {
        Gate::Unlock(Unlock::default())
    }

    pub fn choose() -> Gate {
        Gate::Choose(Choose::default())
    }

    /// The keys the screen offers, for its footer.
    pub fn bindings(&self) -> &'static [Binding] {
        match self {
            Gate::Unlock(_) => keys::UNLOCK,
            Gate::Choose(_) => keys::CHOOSE_PASSPHRASE,
        }
    }

    /// A key, a paste or a stop in; what it leads to out. A passphrase to try (or to make the new
    /// database with) leaves the screen saying so until the runner is done with it.
    pub fn update(&mut self, msg: Msg) -> Outcome {
        let outcome = self.on_msg(msg);
        if matches!(outcome, Outcome::Unlock(_) | Outcome::Chosen(_)) {
            self.set_checking(true);
        }
        outcome
    }

    fn on_msg(&mut self, msg: Msg) -> Outcome {
        match msg {
            Msg::Stop => Outcome::Leave,
            Msg::Key(key) if key.code == KeyCode::Char('c') && key.modifiers.contains(KeyModifiers::CONTROL) => {
                Outcome::Leave
            }
            Msg::Key(key) => match self {
                Gate::Unlock(unlock) => unlock.on_key(&key),
                Gate::Choose(choose) => choose.on_key(&key),
            },
            // A paste is only ever text: it goes into the box, and never answers the question.
            Msg::Paste(text) => {
                match self {
                    Gate::Unlock(unlock) => unlock.typed.paste(&text),
                    Gate::Choose(choose) if !choose.asking_plain => choose.focused().paste(&text),
                    Gate::Choose(_) => {}
                }
                Outcome::Nothing
            }
            _ => Outcome::Nothing,
        }
    }

    fn set_checking(&mut self, checking: bool) {
        match self {
            Gate::Unlock(unlock) => unlock.checking = checking,
            Gate::Choose(choose) => choose.checking = checking,
        }
    }

    /// The passphrase tried did not open the log: said plainly, and the box is empty for another try.
    pub fn wrong(&mut self) {
        if let Gate::Unlock(unlock) = self {
            unlock.typed = Masked::default();
            unlock.problem = Some(WRONG.to_string());
            unlock.checking = false;
        }
    }

    pub fn draw(&self, theme: &Theme, frame: &mut Frame, area: Rect) {
        match self {
            Gate::Unlock(unlock) => unlock.draw(theme, frame, area),
            Gate::Choose(choose) => choose.draw(theme, frame, area),
        }
    }
}

impl Unlock {
    fn on_key(&mut self, key: &KeyEvent) -> Outcome {
        match key.code {
            KeyCode::Esc => Outcome::Leave,
            KeyCode::Enter => match Passphrase::new(&self.typed.take()) {
                Some(passphrase) => Outcome::Unlock(passphrase),
                None => {
                    self.problem = Some("Type the passphrase first, then press Enter.".into());
                    Outcome::Nothing
                }
            },
            _ => {
                self.typed.input(key);
                Outcome::Nothing
            }
        }
    }

    fn draw(&self, theme: &Theme, frame: &mut Frame, area: Rect) {
        let mut lines = vec![
            Line::raw(
                "The practice's log on this computer is encrypted. Type the practice's passphrase to open it: the practice manager has it.",
            ),
            Line::raw(""),
            masked_line("Passphrase", &self.typed, true, area.width, theme),
            Line::raw(""),
        ];
        if self.checking {
            lines.push(Line::styled("Checking the passphrase…", theme.label()));
        } else if let Some(problem) = &self.problem {
            lines.push(Line::styled(problem.clone(), theme.problem()));
        } else {
            lines.push(Line::styled("What you type is not shown.", theme.dim()));
        }
        boxed(" This log is encrypted ", lines, frame, area);
    }
}

impl Choose {
    fn focused(&mut self) -> &mut Masked {
        if self.on_again { &mut self.again } else { &mut self.first }
    }

    fn on_key(&mut self, key: &KeyEvent) -> Outcome {
        if self.asking_plain {
            self.asking_plain = false;
            return match key.code {
                KeyCode::Char('y' | 'Y') if key.modifiers.difference(KeyModifiers::SHIFT).is_empty() => {
                    Outcome::Chosen(None)
                }
                _ => Outcome::Nothing,
            };
        }
        let ctrl = key.modifiers.contains(KeyModifiers::CONTROL);
        match key.code {
            KeyCode::Esc => return Outcome::Leave,
            KeyCode::Char('n') if ctrl && !key.modifiers.contains(KeyModifiers::ALT) => self.asking_plain = true,
            KeyCode::Tab | KeyCode::Down => self.on_again = true,
            KeyCode::BackTab | KeyCode::Up => self.on_again = false,
            KeyCode::Enter if !self.on_again => match self.problem_with_first() {
                Some(problem) => self.problem = Some(problem.into()),
                None => {
                    self.problem = None;
                    self.on_again = true;
                }
            },
            KeyCode::Enter => return self.finish(),
            _ => self.focused().input(key),
        }
        Outcome::Nothing
    }

    fn problem_with_first(&self) -> Option<&'static str> {
        let first = &self.first.0;
        if first.is_empty() {
            Some("Type a passphrase, or press Ctrl-N to go on without one.")
        } else if first.trim() != first {
            // Spaces at either end are lost when a passphrase is written down or put in a file.
            Some("A passphrase cannot begin or end with a space: type it again without.")
        } else {
            None
        }
    }

    fn finish(&mut self) -> Outcome {
        if let Some(problem) = self.problem_with_first() {
            self.problem = Some(problem.into());
            self.first = Masked::default();
            self.again = Masked::default();
            self.on_again = false;
            return Outcome::Nothing;
        }
        if self.again.is_empty() {
            self.problem =
                Some("Type the passphrase again in the second box, to be sure it is the one you meant.".into());
            return Outcome::Nothing;
        }
        if self.first != self.again {
            self.problem = Some("The two were not the same. Type the passphrase again, twice.".into());
            self.first = Masked::default();
            self.again = Masked::default();
            self.on_again = false;
            return Outcome::Nothing;
        }
        self.problem = None;
        self.again = Masked::default();
        Outcome::Chosen(Passphrase::new(&self.first.take()))
    }

    fn draw(&self, theme: &Theme, frame: &mut Frame, area: Rect) {
        let mut lines = vec![
            Line::raw(
                "Welcome. First, choose the practice's passphrase. The log will hold patients' names, NHS numbers and notes: the passphrase encrypts it, so that the file, its backups and the copies in the shared folder cannot be read without it.",
            ),
            Line::raw(""),
            Line::styled(
                "If the passphrase is lost, nobody can read the log: not you, not IT support, not the makers of cutover. There is no way round it.",
                theme.label(),
            ),
            Line::raw(""),
            Line::raw(
                "Choose several words that are easy to type. Write it down and keep it where the practice keeps its other secrets. Every PC that shares this log needs the same one.",
            ),
            Line::raw(""),
            masked_line("Passphrase", &self.first, !self.on_again, area.width, theme),
            masked_line("Type it again", &self.again, self.on_again, area.width, theme),
            Line::raw(""),
        ];
        if self.checking {
            lines.push(Line::styled("Making the encrypted log…", theme.label()));
        } else if let Some(problem) = &self.problem {
            lines.push(Line::styled(problem.clone(), theme.problem()));
        } else {
            lines.push(Line::styled("What you type is not shown.", theme.dim()));
        }
        boxed(" Choose the practice's passphrase ", lines, frame, area);
        if self.asking_plain {
            super::view::popup(
                frame,
                area,
                "Go on without a passphrase?",
                vec![
                    Line::raw("The log will not be encrypted: anyone who copies the file, a backup or the"),
                    Line::raw("shared folder can read every patient's name, NHS number and notes in it."),
                    Line::raw("It can be encrypted later: cutover encrypt --passphrase-file FILE"),
                    Line::raw(""),
                    Line::raw("y  go on without one      any other key  choose a passphrase"),
                ],
            );
        }
    }
}

/// "▶ Passphrase      ••••▏": a dot for each character typed, and the cursor where it has focus.
fn masked_line(label: &str, typed: &Masked, focused: bool, width: u16, theme: &Theme) -> Line<'static> {
    const LABEL: usize = 18;
    let marker = if focused { "▶ " } else { "  " };
    let room = usize::from(width).saturating_sub(LABEL + 4);
    let style = if focused { theme.focused() } else { theme.label() };
    let dots = typed.dots(room);
    let value = if focused { format!("{dots}▏") } else { dots };
    Line::from(vec![Span::styled(format!("{marker}{label:<LABEL$}"), style), Span::raw(value)])
}

fn boxed(title: &str, lines: Vec<Line<'static>>, frame: &mut Frame, area: Rect) {
    let block = Block::default().borders(Borders::ALL).title(title.to_string());
    frame.render_widget(Paragraph::new(lines).wrap(Wrap { trim: false }).block(block), area);
}

#[cfg(test)]
mod tests {
    use super::*;

    fn key(code: KeyCode) -> Msg {
        Msg::Key(KeyEvent::new(code, KeyModifiers::NONE))
    }

    fn typed(gate: &mut Gate, text: &str) {
        for c in text.chars() {
            assert!(matches!(gate.update(key(KeyCode::Char(c))), Outcome::Nothing));
        }
    }

    #[test]
    fn the_passphrase_typed_is_what_is_tried_and_is_never_in_debug_output() {
        let mut gate = Gate::unlock();
        typed(&mut gate, "Blue kettle");
        gate.update(key(KeyCode::Backspace));
        typed(&mut gate, "e 9");
        let altgr = KeyEvent::new(KeyCode::Char('@'), KeyModifiers::CONTROL | KeyModifiers::ALT);
        gate.update(Msg::Key(altgr));
        assert!(!format!("{gate:?}").contains("kettl"), "{gate:?}");
        match gate.update(key(KeyCode::Enter)) {
            Outcome::Unlock(p) => assert_eq!(p, Passphrase::new("Blue kettle 9@").unwrap()),
            other => panic!("{other:?}"),
        }
    }

    #[test]
    fn a_pasted_passphrase_is_its_first_line_and_enter_is_still_needed() {
        let mut gate = Gate::unlock();
        assert!(matches!(gate.update(Msg::Paste("Blue kettle 9\r\n".into())), Outcome::Nothing));
        match gate.update(key(KeyCode::Enter)) {
            Outcome::Unlock(p) => assert_eq!(p, Passphrase::new("Blue kettle 9").unwrap()),
            other => panic!("{other:?}"),
        }
    }

    #[test]
    fn nothing_typed_is_not_tried_and_esc_ctrl_c_or_a_stop_leave() {
        let mut gate = Gate::unlock();
        assert!(matches!(gate.update(key(KeyCode::Enter)), Outcome::Nothing));
        assert!(matches!(gate.update(key(KeyCode::Esc)), Outcome::Leave));
        let ctrl_c = KeyEvent::new(KeyCode::Char('c'), KeyModifiers::CONTROL);
        assert!(matches!(Gate::unlock().update(Msg::Key(ctrl_c)), Outcome::Leave));
        assert!(matches!(Gate::choose().update(Msg::Key(ctrl_c)), Outcome::Leave));
        assert!(matches!(Gate::choose().update(Msg::Stop), Outcome::Leave));
    }

    #[test]
    fn a_passphrase_is_chosen_only_when_typed_the_same_twice() {
        let mut gate = Gate::choose();
        typed(&mut gate, "Blue kettle 9");
        gate.update(key(KeyCode::Enter));
        typed(&mut gate, "Blue kettle 8");
        assert!(matches!(gate.update(key(KeyCode::Enter)), Outcome::Nothing));
        let Gate::Choose(choose) = &gate else { unreachable!() };
        assert!(choose.problem.as_deref().unwrap().contains("not the same"));
        assert!(choose.first.is_empty() && choose.again.is_empty() && !choose.on_again);
        typed(&mut gate, "Blue kettle 9");
        gate.update(key(KeyCode::Tab));
        typed(&mut gate, "Blue kettle 9");
        match gate.update(key(KeyCode::Enter)) {
            Outcome::Chosen(Some(p)) => assert_eq!(p, Passphrase::new("Blue kettle 9").unwrap()),
            other => panic!("{other:?}"),
        }
    }

    #[test]
    fn no_passphrase_only_after_a_yes_to_the_warning_and_never_from_a_paste() {
        let mut gate = Gate::choose();
        assert!(matches!(gate.update(key(KeyCode::Enter)), Outcome::Nothing), "nothing typed: not chosen");
        let ctrl_n = Msg::Key(KeyEvent::new(KeyCode::Char('n'), KeyModifiers::CONTROL));
        gate.update(ctrl_n.clone());
        assert!(matches!(gate.update(Msg::Paste("yy".into())), Outcome::Nothing));
        assert!(matches!(gate.update(key(KeyCode::Char('n'))), Outcome::Nothing), "any other key: back");
        gate.update(ctrl_n);
        assert!(matches!(gate.update(key(KeyCode::Char('y'))), Outcome::Chosen(None)));
    }

    #[test]
    fn on_the_windows_console_each_key_counts_once_and_a_paste_of_keys_is_text() {
        use ratatui::crossterm::event::{Event, KeyEventKind};
        use std::time::Duration;
        let mut bursts = super::super::paste::Bursts::default();
        let mut gate = Gate::unlock();
        let mut feed = |events: Vec<Event>, gate: &mut Gate| -> Vec<Outcome> {
            bursts.sort(events, Duration::from_millis(200)).into_iter().map(|m| gate.update(m)).collect()
        };
        let event = |code, kind| Event::Key(KeyEvent::new_with_kind(code, KeyModifiers::NONE, kind));
        // Typed: each key pressed, then let go, read one at a time.
        for c in "Blue".chars() {
            for kind in [KeyEventKind::Press, KeyEventKind::Release] {
                feed(vec![event(KeyCode::Char(c), kind)], &mut gate);
            }
        }
        // Pasted: the console types it out, presses and releases, its line break with it.
        let pasted: Vec<Event> = " kettle 9\r"
            .chars()
            .flat_map(|c| {
                let code = if c == '\r' { KeyCode::Enter } else { KeyCode::Char(c) };
                [event(code, KeyEventKind::Press), event(code, KeyEventKind::Release)]
            })
            .collect();
        let outcomes = feed(pasted, &mut gate);
        assert!(
            outcomes.iter().all(|o| matches!(o, Outcome::Nothing)),
            "the paste's line break tried it: {outcomes:?}"
        );
        let outcomes = feed(vec![event(KeyCode::Enter, KeyEventKind::Press)], &mut gate);
        match outcomes.as_slice() {
            [Outcome::Unlock(p)] => assert_eq!(p, &Passphrase::new("Blue kettle 9").unwrap()),
            other => panic!("{other:?}"),
        }
    }

    #[test]
    fn a_passphrase_with_a_space_at_either_end_is_not_chosen() {
        let mut gate = Gate::choose();
        typed(&mut gate, "Blue kettle ");
        gate.update(key(KeyCode::Tab));
        typed(&mut gate, "Blue kettle ");
        assert!(matches!(gate.update(key(KeyCode::Enter)), Outcome::Nothing));
    }
}
