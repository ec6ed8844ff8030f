//! Every key the UI offers, in one table per screen: the same table drives what a key does, the
//! footer and the `?` help, so the help can never drift from the real bindings.

use ratatui::crossterm::event::{KeyCode, KeyEvent, KeyModifiers};

use crate::domain::fields::Kind;

/// What a key on a command screen does.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Command {
    New(Kind),
    Entries,
    Drafts,
    SwitchUser,
    Help,
    Quit,
    Back,
    Open,
    Search,
    CycleKind,
    ToggleToday,
    ToggleMine,
    Amend,
    Void,
    Resume,
    Discard,
    AddStaff,
    Queue,
    Claim,
    Done,
    Query,
    NotRequired,
    Reopen,
    Copy,
    CycleTier,
    CycleStatus,
    Answer,
    TakeOver,
    Release,
    Waive,
    Refresh,
    NextPage,
    PreviousPage,
    ScrollDown,
    ScrollUp,
}

/// One key: how it is written in the footer and help, and what it does.
#[derive(Debug, Clone, Copy)]
pub struct Binding {
    pub code: KeyCode,
    pub ctrl: bool,
    pub label: &'static str,
    pub does: &'static str,
    pub command: Option<Command>,
}

const fn key(c: char, does: &'static str, command: Command) -> Binding {
    Binding { code: KeyCode::Char(c), ctrl: false, label: "", does, command: Some(command) }
}

const fn named(code: KeyCode, label: &'static str, does: &'static str, command: Option<Command>) -> Binding {
    Binding { code, ctrl: false, label, does, command }
}

const fn ctrl(c: char, label: &'static str, does: &'static str, command: Option<Command>) -> Binding {
    Binding { code: KeyCode::Char(c), ctrl: true, label, does, command }
}

/// One letter per kind of entry, chosen to be guessable: the kind's first letter where it is free.
pub const KIND_KEYS: [(char, Kind); 14] = [
    ('a', Kind::Appointment),
    ('c', Kind::Consultation),
    ('h', Kind::HomeVisit),
    ('t', Kind::Telephone),
    ('p', Kind::Prescription),
    ('r', Kind::Registration),
    ('l', Kind::Pathology),
    ('f', Kind::Referral),
    ('m', Kind::Correspondence),
    ('d', Kind::Document),
    ('s', Kind::Screening),
    ('u', Kind::Summarisation),
    ('k', Kind::DispensaryStock),
    ('n', Kind::Note),
];

pub const HOME: &[Binding] = &[
    key('e', "Find and correct entries", Command::Entries),
    key('g', "Re-entry queue (after go-live)", Command::Queue),
    key('o', "Open unsaved drafts", Command::Drafts),
    key('w', "Switch user", Command::SwitchUser),
    key('?', "Help", Command::Help),
    key('q', "Quit", Command::Quit),
];

// Short words, so that at 80 columns the footer still shows the keys that matter most.
pub const FORM: &[Binding] = &[
    named(KeyCode::Tab, "Tab", "Next field", None),
    named(KeyCode::BackTab, "Shift-Tab", "Back", None),
    ctrl('s', "Ctrl-S", "Save", None),
    ctrl('n', "Ctrl-N", "New patient", None),
    named(KeyCode::Esc, "Esc", "Cancel", None),
    named(KeyCode::F(1), "F1", "Help", Some(Command::Help)),
    named(KeyCode::Enter, "Enter", "Next field; on the last field, save", None),
    named(KeyCode::Left, "←/→ Space", "Change a choice or yes/no", None),
    named(KeyCode::Down, "↑/↓", "Pick from the patients found", None),
    named(KeyCode::Char('1'), "1-7", "On the flags line: set or clear a flag", None),
];

pub const ENTRIES: &[Binding] = &[
    named(KeyCode::Enter, "Enter", "Open the entry", Some(Command::Open)),
    key('/', "Search", Command::Search),
    key('k', "Kind: next", Command::CycleKind),
    key('t', "Today only", Command::ToggleToday),
    key('m', "Mine only", Command::ToggleMine),
    named(KeyCode::Esc, "Esc", "Back", Some(Command::Back)),
    key('?', "Help", Command::Help),
];

pub const QUEUE: &[Binding] = &[
    key('c', "Claim (so nobody else keys it)", Command::Claim),
    key('d', "Done: keyed into the new system (asks its reference)", Command::Done),
    key('x', "Query: send it to a clinician with a question", Command::Query),
    key('a', "Answer a query (clinicians): the item goes back to the admin staff", Command::Answer),
    key('n', "Not required: set it aside (say why)", Command::NotRequired),
    key('r', "Reopen a done, set-aside or queried item", Command::Reopen),
    key('t', "Take over someone else's claim (tell them)", Command::TakeOver),
    key('u', "Release your claim", Command::Release),
    key('w', "Waive the NHS number (say why it is not needed)", Command::Waive),
    key('/', "Search: reference, patient or words", Command::Search),
    key('s', "Show: still to do, claimed, blocked, queries, done, set aside", Command::CycleStatus),
    key('k', "Kind: next", Command::CycleKind),
    key('i', "Tier: next", Command::CycleTier),
    key('m', "Mine only", Command::ToggleMine),
    named(KeyCode::F(5), "F5", "Refresh now (it refreshes every few seconds)", Some(Command::Refresh)),
    named(KeyCode::PageDown, "PgDn", "Next page", Some(Command::NextPage)),
    named(KeyCode::PageUp, "PgUp", "Previous page", Some(Command::PreviousPage)),
    key(']', "Scroll the details down", Command::ScrollDown),
    key('[', "Scroll the details up", Command::ScrollUp),
    key('y', "Copy the entry to the clipboard", Command::Copy),
    named(KeyCode::Esc, "Esc", "Back (first clears a search)", Some(Command::Back)),
    key('?', "Help", Command::Help),
];

pub const DETAIL: &[Binding] = &[
    key('a', "Amend", Command::Amend),
    key('v', "Void (logged in error)", Command::Void),
    named(KeyCode::Esc, "Esc", "Back", Some(Command::Back)),
    key('?', "Help", Command::Help),
];

pub const DRAFTS: &[Binding] = &[
    named(KeyCode::Enter, "Enter", "Carry on with this draft", Some(Command::Resume)),
    key('x', "Discard this draft", Command::Discard),
    named(KeyCode::Esc, "Esc", "Leave them for later", Some(Command::Back)),
    key('?', "Help", Command::Help),
];

pub const CHOOSE_USER: &[Binding] = &[
    named(KeyCode::Enter, "Enter", "That's me", Some(Command::Open)),
    ctrl('n', "Ctrl-N", "I'm not on the list: add me", Some(Command::AddStaff)),
    named(KeyCode::F(1), "F1", "Help", Some(Command::Help)),
];

// Esc and help come before Enter's longer words, so that an 80-column footer shows them.
pub const FIRST_RUN: &[Binding] = &[
    named(KeyCode::Tab, "Tab", "Next field", None),
    ctrl('s', "Ctrl-S", "Finish", None),
    named(KeyCode::Esc, "Esc", "Leave", None),
    named(KeyCode::F(1), "F1", "Help", Some(Command::Help)),
    named(KeyCode::Enter, "Enter", "Next field; on the last, finish", None),
];

pub const ADD_STAFF: &[Binding] = &[
    named(KeyCode::Tab, "Tab", "Next field", None),
    ctrl('s', "Ctrl-S", "Finish", None),
    named(KeyCode::Esc, "Esc", "Back", None),
    named(KeyCode::F(1), "F1", "Help", Some(Command::Help)),
    named(KeyCode::Enter, "Enter", "Next field; on the last, finish", None),
];

/// Everywhere: Ctrl-C leaves, keeping any half-typed form as a draft.
pub const EVERYWHERE: &[Binding] = &[ctrl('c', "Ctrl-C", "Quit (a half-typed form is kept as a draft)", None)];

impl Binding {
    pub fn label(&self) -> String {
        if !self.label.is_empty() {
            return self.label.to_string();
        }
        match self.code {
            KeyCode::Char(c) => c.to_string(),
            other => format!("{other:?}"),
        }
    }

    fn matches(&self, key: &KeyEvent) -> bool {
        self.code == key.code && self.ctrl == key.modifiers.contains(KeyModifiers::CONTROL)
    }
}

/// The command a key means on a screen with this table, if any.
pub fn command(table: &[Binding], key: &KeyEvent) -> Option<Command> {
    table.iter().find(|b| b.matches(key)).and_then(|b| b.command)
}

/// The kind a key starts on the home screen.
pub fn kind_for(key: &KeyEvent) -> Option<Kind> {
    if key.modifiers.intersects(KeyModifiers::CONTROL | KeyModifiers::ALT) {
        return None;
    }
    match key.code {
        KeyCode::Char(c) => KIND_KEYS.iter().find(|(k, _)| *k == c).map(|(_, kind)| *kind),
        _ => None,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn no_key_means_two_things_on_the_home_screen() {
        let mut keys: Vec<char> = KIND_KEYS.iter().map(|(c, _)| *c).collect();
        keys.extend(HOME.iter().filter_map(|b| if let KeyCode::Char(c) = b.code { Some(c) } else { None }));
        let count = keys.len();
        keys.sort();
        keys.dedup();
        assert_eq!(keys.len(), count);
    }

    #[test]
    fn every_kind_has_a_key() {
        for kind in Kind::ALL {
            assert!(KIND_KEYS.iter().any(|(_, k)| *k == kind), "{kind} has no key");
        }
    }
}
