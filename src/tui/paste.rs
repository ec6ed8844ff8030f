//! Pasted text: telling a paste from typing when the terminal does not mark it, and shaping it for
//! the box it lands in. A paste is only ever text: it never moves focus, saves, or runs a command.
//!
//! Most terminals mark a paste (bracketed paste) and it arrives as one `Event::Paste`. Where they do
//! not (the Windows console, older terminals, some remote sessions) the pasted text arrives as keys,
//! one per character, with Enter for each line break and Tab for each tab: the keys that move focus,
//! save a form, or run a command on the home screen. What gives such a paste away is that its keys
//! all arrive at once, so the loop reads every event already waiting and [`Bursts::sort`] turns a
//! run of text keys read together into one `Msg::Paste`.

use std::time::Duration;

use ratatui::crossterm::event::{Event, KeyCode, KeyEvent, KeyEventKind, KeyModifiers};
use ratatui_textarea::TextArea;

use super::app::Msg;

/// How many characters (besides line breaks and tabs) a run of text keys read together needs to be
/// a paste.
///
/// The loop reads whatever is waiting as soon as it has drawn the screen, a few milliseconds after
/// the last key. A person's keys are tens of milliseconds apart even at full speed (two keys rolled
/// together, 20–30 ms; a fast typist's average, 80 ms), so two of them can be read together only
/// when the screen was busy, and three only when it was busy for two of those gaps in a row (a save
/// on a slow disk). A pasted burst is read together whatever its length, because the terminal
/// writes it all at once. So three characters make a paste, and Enter and Tab, which go with them,
/// do not count towards the three: "c" then Enter, or "al" then Tab at the end of a word, typed
/// fast on a busy screen stay keys and still move on, save, or open a form as the person meant.
/// Two characters read together with nothing else are a paste too ([`PASTE_PAIR`]).
pub const PASTE_MIN_CHARS: usize = 3;

/// Two characters read together, with no Enter or Tab among them, are a paste: a two-letter paste
/// such as "yy" at "Is this the right patient?" must never answer the question (it once saved
/// entries on another person's record). In a text box a paste of two letters is the same text as
/// typing them; elsewhere they are ignored with a word, and the person presses the key again.
pub const PASTE_PAIR: usize = 2;

/// A long paste may reach the program in more than one read (the terminal writes it in pieces, or
/// the loop stops reading at [`MAX_BATCH`] to draw). The keys that arrive this soon after a paste,
/// before anything else, are the rest of it, however few: no person reacts to a paste this fast.
pub const PASTE_TAIL: Duration = Duration::from_millis(30);

/// The most events read before the screen is drawn again, so a very long paste shows its progress
/// rather than freezing the screen until it is all in.
pub const MAX_BATCH: usize = 4096;

/// Remembers whether the last batch ended in the middle of a paste.
#[derive(Debug, Default)]
pub struct Bursts {
    pasting: bool,
}

impl Bursts {
    /// Turns the events read together into messages, in order: each run of text keys with enough
    /// characters to be a paste (or continuing one) becomes one `Msg::Paste`; every other key stays
    /// a key.
    /// `waited` is how long the loop waited for the first of them after it was last ready.
    ///
    /// This is the one place keys are read: only a key pressed counts. Windows also reports each key
    /// let go (crossterm's `Release`), which would type every key twice; those are dropped here,
    /// and a batch of nothing else is no news, so a paste under way goes on past it. A key held
    /// down (`Repeat`, or the presses Windows repeats) counts each time, as a held Backspace or
    /// arrow should; held long enough to come in a burst, it is a paste, and does no more than one.
    pub fn sort(&mut self, events: Vec<Event>, waited: Duration) -> Vec<Msg> {
        if events.iter().all(|e| matches!(e, Event::Key(key) if key.kind == KeyEventKind::Release)) {
            return Vec::new();
        }
        let mut sorted = Sorting { msgs: Vec::new(), run: Vec::new(), continuing: self.pasting && waited < PASTE_TAIL };
        for event in events {
            match event {
                Event::Key(key) if key.kind == KeyEventKind::Release => {}
                Event::Key(key) => match text_of(&key) {
                    Some(c) => sorted.run.push((key, c)),
                    None => {
                        sorted.end_run();
                        sorted.msgs.push(Msg::Key(key));
                    }
                },
                Event::Paste(text) => {
                    sorted.end_run();
                    sorted.msgs.push(Msg::Paste(text));
                }
                // A resize is drawn at the top of the loop; focus and mouse changes mean nothing here.
                _ => {}
            }
        }
        self.pasting = sorted.end_run();
        sorted.msgs
    }
}

struct Sorting {
    msgs: Vec<Msg>,
    run: Vec<(KeyEvent, char)>,
    /// The first run of this batch continues a paste from the batch before.
    continuing: bool,
}

impl Sorting {
    /// Ends the current run of text keys; true if it was a paste.
    fn end_run(&mut self) -> bool {
        let run = std::mem::take(&mut self.run);
        let continuing = std::mem::replace(&mut self.continuing, false) && self.msgs.is_empty();
        if run.is_empty() {
            return false;
        }
        let chars = run.iter().filter(|(_, c)| !matches!(c, '\n' | '\t')).count();
        let a_pair_alone = chars == PASTE_PAIR && run.len() == PASTE_PAIR;
        if chars >= PASTE_MIN_CHARS || a_pair_alone || continuing {
            self.msgs.push(Msg::Paste(text_of_run(&run)));
            true
        } else {
            self.msgs.extend(run.into_iter().map(|(key, _)| Msg::Key(key)));
            false
        }
    }
}

/// The text of a run of keys. A Windows line end (`\r\n`) typed out by a terminal arrives as Enter
/// then Ctrl-J: one line break, not two (it once doubled every blank line of a pasted letter).
fn text_of_run(run: &[(KeyEvent, char)]) -> String {
    let is_line_feed = |key: &KeyEvent| key.code == KeyCode::Char('j') && key.modifiers == KeyModifiers::CONTROL;
    let mut text = String::new();
    for (i, (key, c)) in run.iter().enumerate() {
        let after_enter = i > 0 && run[i - 1].0.code == KeyCode::Enter;
        if !(is_line_feed(key) && after_enter) {
            text.push(*c);
        }
    }
    text
}

/// The text a key stands for when a terminal types a paste: a character, a line break or a tab.
fn text_of(key: &KeyEvent) -> Option<char> {
    let m = key.modifiers;
    let plain = m.difference(KeyModifiers::SHIFT).is_empty();
    match key.code {
        // Ctrl and Alt together is AltGr on Windows: '@', '€', '{' on many keyboards.
        KeyCode::Char(c) if plain || m.contains(KeyModifiers::CONTROL | KeyModifiers::ALT) => Some(c),
        // A line feed passed through to a program in raw mode reads as Ctrl-J.
        KeyCode::Char('j') if m == KeyModifiers::CONTROL => Some('\n'),
        // Some Windows terminals add Ctrl to the Enter of a pasted line break (crossterm #962).
        KeyCode::Enter if !m.contains(KeyModifiers::ALT) => Some('\n'),
        KeyCode::Tab if m.is_empty() => Some('\t'),
        _ => None,
    }
}

/// Line breaks as `\n`, whichever the terminal or the clipboard used (`\r\n`, `\r`), and a space for
/// each tab: Tab cannot be typed into a field (it moves on), and a tab drawn in a field vanishes,
/// running together the words either side of it (cells copied from a spreadsheet).
pub fn with_newlines(text: &str) -> String {
    text.replace("\r\n", "\n").replace('\r', "\n").replace('\t', " ")
}

/// The text for a box that holds one line: each line break becomes `separator` (blank lines add
/// none). Nothing else is dropped: a value too long is reported, never cut.
pub fn on_one_line(text: &str, separator: &str) -> String {
    with_newlines(text).split('\n').filter(|line| !line.is_empty()).collect::<Vec<_>>().join(separator)
}

/// Pastes into a one-line box (a search, a prompt, a filter) at its cursor. True if it changed.
pub fn into_line(area: &mut TextArea<'static>, text: &str) -> bool {
    area.insert_str(on_one_line(text, " "))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn key(code: KeyCode) -> Event {
        Event::Key(KeyEvent::new(code, KeyModifiers::NONE))
    }

    /// The keys a terminal without bracketed paste sends for `text`.
    fn typed(text: &str) -> Vec<Event> {
        text.chars()
            .map(|c| match c {
                '\r' | '\n' => key(KeyCode::Enter),
                '\t' => key(KeyCode::Tab),
                c => key(KeyCode::Char(c)),
            })
            .collect()
    }

    /// The messages, written short: a paste as `paste(…)`, a key as its character or name.
    fn shown(msgs: &[Msg]) -> Vec<String> {
        msgs.iter()
            .map(|m| match m {
                Msg::Paste(text) => format!("paste({text:?})"),
                Msg::Key(k) => match k.code {
                    KeyCode::Char(c) if k.modifiers.contains(KeyModifiers::CONTROL) => format!("ctrl-{c}"),
                    KeyCode::Char(c) => c.to_string(),
                    other => format!("{other:?}"),
                },
                other => format!("{other:?}"),
            })
            .collect()
    }

    fn sort(events: Vec<Event>) -> Vec<String> {
        shown(&Bursts::default().sort(events, Duration::from_secs(1)))
    }

    #[test]
    fn keys_read_one_at_a_time_stay_keys() {
        let mut bursts = Bursts::default();
        for event in typed("c\rq") {
            let msgs = bursts.sort(vec![event], Duration::from_millis(150));
            assert!(matches!(msgs.as_slice(), [Msg::Key(_)]), "{:?}", shown(&msgs));
        }
    }

    #[test]
    fn a_windows_line_end_typed_out_is_one_line_break() {
        let mut events = Vec::new();
        for c in "R1\r\n\r\nR2".chars() {
            events.push(match c {
                '\r' => key(KeyCode::Enter),
                '\n' => Event::Key(KeyEvent::new(KeyCode::Char('j'), KeyModifiers::CONTROL)),
                c => key(KeyCode::Char(c)),
            });
        }
        assert_eq!(sort(events), [r#"paste("R1\n\nR2")"#]);
    }

    #[test]
    fn a_key_and_enter_read_together_are_still_keys() {
        // A person who typed "c" then Enter while the screen was busy.
        assert_eq!(sort(typed("c\r")), ["c", "Enter"]);
        assert_eq!(sort(typed("\t\tD")), ["Tab", "Tab", "D"]);
        // The end of a word and Tab on to the next field, read together on a busy screen.
        assert_eq!(sort(typed("al\t")), ["a", "l", "Tab"]);
    }

    #[test]
    fn two_characters_read_together_are_a_paste_and_answer_no_question() {
        // "yy" pasted at a yes/no question, or "vv" on an entry: never keys.
        assert_eq!(sort(typed("yy")), [r#"paste("yy")"#]);
        assert_eq!(sort(typed("yo")), [r#"paste("yo")"#]);
    }

    #[test]
    fn a_burst_of_text_keys_is_one_paste() {
        assert_eq!(sort(typed("line one\rline two\rline three")), [r#"paste("line one\nline two\nline three")"#]);
        assert_eq!(sort(typed("cnx\rq")), [r#"paste("cnx\nq")"#]);
        assert_eq!(sort(typed("ab\tc")), [r#"paste("ab\tc")"#]);
        assert_eq!(sort(typed("abc")), [r#"paste("abc")"#]);
    }

    #[test]
    fn line_breaks_and_tabs_typed_fast_do_not_make_a_paste() {
        // Tab, Tab, then the start of a name, typed while the screen was busy saving.
        assert_eq!(sort(typed("\t\tD")), ["Tab", "Tab", "D"]);
        assert_eq!(sort(typed("x\r\r")), ["x", "Enter", "Enter"]);
    }

    #[test]
    fn a_line_feed_read_as_ctrl_j_is_a_line_break_in_a_paste_and_a_key_alone() {
        let ctrl_j = || Event::Key(KeyEvent::new(KeyCode::Char('j'), KeyModifiers::CONTROL));
        let mut events = typed("one");
        events.push(ctrl_j());
        events.extend(typed("two"));
        assert_eq!(sort(events), [r#"paste("one\ntwo")"#]);
        assert_eq!(sort(vec![ctrl_j()]), ["ctrl-j"]);
    }

    #[test]
    fn capitals_and_altgr_characters_belong_to_the_paste() {
        let shifted = Event::Key(KeyEvent::new(KeyCode::Char('A'), KeyModifiers::SHIFT));
        let altgr = Event::Key(KeyEvent::new(KeyCode::Char('@'), KeyModifiers::CONTROL | KeyModifiers::ALT));
        assert_eq!(sort(vec![shifted, altgr, key(KeyCode::Char('b'))]), [r#"paste("A@b")"#]);
    }

    #[test]
    fn a_pasted_line_break_with_ctrl_added_is_still_a_line_break() {
        let ctrl_enter = Event::Key(KeyEvent::new(KeyCode::Enter, KeyModifiers::CONTROL));
        let mut events = typed("ab");
        events.push(ctrl_enter);
        events.extend(typed("c"));
        assert_eq!(sort(events), [r#"paste("ab\nc")"#]);
    }

    #[test]
    fn other_keys_in_a_batch_stay_keys_in_their_place() {
        let ctrl_s = Event::Key(KeyEvent::new(KeyCode::Char('s'), KeyModifiers::CONTROL));
        let mut events = typed("pasted text");
        events.push(ctrl_s);
        events.push(key(KeyCode::Down));
        events.extend(typed("x\r"));
        assert_eq!(sort(events), [r#"paste("pasted text")"#, "ctrl-s", "Down", "x", "Enter"]);
    }

    #[test]
    fn key_releases_and_resizes_do_not_break_a_paste() {
        // Windows reports each key twice, pressed and released.
        let mut events = Vec::new();
        for event in typed("ab\rc") {
            let Event::Key(press) = event else { unreachable!() };
            events.push(event);
            events.push(Event::Key(KeyEvent { kind: KeyEventKind::Release, ..press }));
        }
        events.insert(2, Event::Resize(80, 24));
        assert_eq!(sort(events), [r#"paste("ab\nc")"#]);
    }

    #[test]
    fn a_release_read_alone_in_the_middle_of_a_paste_does_not_end_it() {
        let mut bursts = Bursts::default();
        let first = bursts.sort(typed("line one\rline tw"), Duration::from_secs(2));
        assert_eq!(shown(&first), [r#"paste("line one\nline tw")"#]);
        let release = KeyEvent { kind: KeyEventKind::Release, ..KeyEvent::new(KeyCode::Char('w'), KeyModifiers::NONE) };
        assert!(bursts.sort(vec![Event::Key(release)], Duration::from_millis(2)).is_empty());
        let tail = bursts.sort(typed("o\r"), Duration::from_millis(2));
        assert_eq!(shown(&tail), [r#"paste("o\n")"#], "the Enter at the end of the paste is text, not a key");
    }

    #[test]
    fn a_key_held_down_counts_each_time_it_repeats() {
        let repeat = KeyEvent { kind: KeyEventKind::Repeat, ..KeyEvent::new(KeyCode::Backspace, KeyModifiers::NONE) };
        let mut bursts = Bursts::default();
        for _ in 0..3 {
            let msgs = bursts.sort(vec![Event::Key(repeat)], Duration::from_millis(40));
            assert!(matches!(msgs.as_slice(), [Msg::Key(k)] if k.code == KeyCode::Backspace), "{:?}", shown(&msgs));
        }
        let pressed_then_let_go = vec![
            key(KeyCode::Enter),
            Event::Key(KeyEvent { kind: KeyEventKind::Release, ..KeyEvent::new(KeyCode::Enter, KeyModifiers::NONE) }),
        ];
        assert_eq!(sort(pressed_then_let_go), ["Enter"], "let go, it is not pressed again");
    }

    #[test]
    fn a_bracketed_paste_passes_through_whole() {
        let events = vec![key(KeyCode::Char('x')), Event::Paste("one\r\ntwo".into()), key(KeyCode::Enter)];
        assert_eq!(sort(events), ["x", r#"paste("one\r\ntwo")"#, "Enter"]);
    }

    #[test]
    fn the_tail_of_a_paste_read_a_moment_later_is_still_the_paste() {
        let mut bursts = Bursts::default();
        let first = bursts.sort(typed("line one\rline tw"), Duration::from_secs(2));
        assert_eq!(shown(&first), [r#"paste("line one\nline tw")"#]);
        let tail = bursts.sort(typed("o\r"), Duration::from_millis(2));
        assert_eq!(shown(&tail), [r#"paste("o\n")"#]);
        // Once the paste is over, a key a person presses afterwards is a key.
        let later = bursts.sort(typed("\r"), Duration::from_millis(200));
        assert_eq!(shown(&later), ["Enter"]);
    }

    #[test]
    fn keys_pressed_well_after_a_paste_are_keys() {
        let mut bursts = Bursts::default();
        bursts.sort(typed("pasted\r"), Duration::from_secs(2));
        let next = bursts.sort(typed("\r"), Duration::from_millis(400));
        assert_eq!(shown(&next), ["Enter"]);
    }

    #[test]
    fn a_run_after_another_key_does_not_continue_the_last_batchs_paste() {
        let mut bursts = Bursts::default();
        bursts.sort(typed("pasted"), Duration::from_secs(2));
        let mut events = vec![key(KeyCode::Esc)];
        events.extend(typed("y"));
        assert_eq!(shown(&bursts.sort(events, Duration::ZERO)), ["Esc", "y"]);
    }

    #[test]
    fn one_line_text_has_spaces_or_the_separator_for_line_breaks() {
        assert_eq!(on_one_line("line one\nline two\r\nline three\r", " "), "line one line two line three");
        assert_eq!(on_one_line("a\n\n\tb\n", " "), "a  b");
        assert_eq!(on_one_line("22298006\n38341003 |Hypertension|\n", "; "), "22298006; 38341003 |Hypertension|");
        assert_eq!(with_newlines("a\r\nb\rc\n"), "a\nb\nc\n");
        assert_eq!(with_newlines("Hb\t120\tg/L\nnext"), "Hb 120 g/L\nnext");
    }

    #[test]
    fn nothing_is_cut_from_a_long_line() {
        let long = "x".repeat(5000);
        assert_eq!(on_one_line(&long, " ").len(), 5000);
    }
}
