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
    Runbook,
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
    /// The runbook: the next list, or the one before.
    NextList,
    PreviousList,
    /// The runbook: plan a kind of work, tick an item, move a service on a step.
    Step,
    Chase,
    Role,
    Matches,
    Issue,
    IssueProgress,
    AddPatient,
    Sample,
    Signoff,
    Registered,
    /// The runbook: take back a tick made in error, with the reason.
    Untick,
    /// The runbook: set a service to any state the command offers, with a note.
    ServiceState,
    AddService,
}

/// One key: how it is written in the footer and help, and what it does.
#[derive(Debug, Clone, Copy)]
pub struct Binding {
    pub code: KeyCode,
    pub ctrl: bool,
    pub label: &'static str,
    /// In the help: what the key does, whole.
    pub does: &'static str,
    /// In the footer: the same in a word or two. Empty: shown in the help only (a second key for
    /// something the footer already shows, such as ? beside F1).
    pub short: &'static str,
    pub command: Option<Command>,
}

const fn key(c: char, short: &'static str, does: &'static str, command: Command) -> Binding {
    Binding { code: KeyCode::Char(c), ctrl: false, label: "", does, short, command: Some(command) }
}

const fn named(
    code: KeyCode,
    label: &'static str,
    short: &'static str,
    does: &'static str,
    command: Option<Command>,
) -> Binding {
    Binding { code, ctrl: false, label, does, short, command }
}

const fn ctrl(
    c: char,
    label: &'static str,
    short: &'static str,
    does: &'static str,
    command: Option<Command>,
) -> Binding {
    Binding { code: KeyCode::Char(c), ctrl: true, label, does, short, command }
}

/// Help is F1 on every screen (a box for typing takes ?), and also ? where nothing is typed.
const HELP: Binding = named(KeyCode::F(1), "F1", "Help", "Help: every key of this screen", Some(Command::Help));
const ALSO_HELP: Binding = key('?', "", "Help, as F1", Command::Help);

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

// In each table the keys that matter most come first: a footer too narrow for all of them shows
// the first ones, and ends with "F1 more".
pub const HOME: &[Binding] = &[
    key('e', "Entries", "Find and correct entries", Command::Entries),
    key('g', "Queue", "Re-entry queue (after go-live)", Command::Queue),
    key('o', "Drafts", "Open unsaved drafts", Command::Drafts),
    key('b', "Runbook", "Runbook: plan to sign-off, call-backs", Command::Runbook),
    key('w', "Switch user", "Switch user", Command::SwitchUser),
    key('q', "Quit", "Quit", Command::Quit),
    HELP,
    ALSO_HELP,
];

pub const FORM: &[Binding] = &[
    named(KeyCode::Tab, "Tab", "Next field", "Next field", None),
    named(KeyCode::BackTab, "Shift-Tab", "Back", "Back a field", None),
    ctrl('s', "Ctrl-S", "Save", "Save", None),
    ctrl('n', "Ctrl-N", "New patient", "New patient: the patient is not found, type their details", None),
    named(KeyCode::Esc, "Esc", "Cancel", "Cancel (asks first)", None),
    HELP,
    named(KeyCode::Left, "←/→ Space", "Choose", "Change a choice or yes/no", None),
    named(KeyCode::Char('1'), "1-7", "Flags", "On the flags line: set or clear a flag", None),
    named(KeyCode::Down, "↑/↓", "Pick patient", "Pick from the patients found", None),
    named(KeyCode::Enter, "Enter", "", "Next field; on the last field, save", None),
];

pub const ENTRIES: &[Binding] = &[
    named(KeyCode::Enter, "Enter", "Open", "Open the entry", Some(Command::Open)),
    key('/', "Search", "Search", Command::Search),
    key('k', "Kind", "Kind: next", Command::CycleKind),
    key('t', "Today", "Today only", Command::ToggleToday),
    key('m', "Mine", "Mine only", Command::ToggleMine),
    named(KeyCode::Esc, "Esc", "Back", "Back", Some(Command::Back)),
    HELP,
    ALSO_HELP,
];

pub const QUEUE: &[Binding] = &[
    key('c', "Claim", "Claim (so nobody else keys it)", Command::Claim),
    key('d', "Done", "Done: keyed into the new system (asks its reference)", Command::Done),
    key('x', "Query", "Query: send it to a clinician with a question", Command::Query),
    key('a', "Answer", "Answer a query (clinicians): the item goes back to the admin staff", Command::Answer),
    key('n', "Not needed", "Not required: set it aside (say why)", Command::NotRequired),
    key('r', "Reopen", "Reopen a done, set-aside or queried item", Command::Reopen),
    key('/', "Search", "Search: reference, patient or words", Command::Search),
    key('s', "Show", "Show: still to do, claimed, blocked, queries, done, set aside", Command::CycleStatus),
    named(KeyCode::PageDown, "PgDn/PgUp", "Pages", "Next page (PgUp: the page before)", Some(Command::NextPage)),
    named(KeyCode::PageUp, "PgUp", "", "Previous page", Some(Command::PreviousPage)),
    key('t', "Take over", "Take over someone else's claim (tell them)", Command::TakeOver),
    key('u', "Release", "Release your claim", Command::Release),
    key('w', "Waive NHS", "Waive the NHS number (say why it is not needed)", Command::Waive),
    key('k', "Kind", "Kind: next", Command::CycleKind),
    key('i', "Tier", "Tier: next", Command::CycleTier),
    key('m', "Mine", "Mine only", Command::ToggleMine),
    key(']', "Scroll", "Scroll the details down ([ scrolls up)", Command::ScrollDown),
    key('[', "", "Scroll the details up", Command::ScrollUp),
    named(KeyCode::F(5), "F5", "Refresh", "Refresh now (it refreshes every few seconds)", Some(Command::Refresh)),
    key('y', "Copy", "Copy the entry to the clipboard", Command::Copy),
    named(KeyCode::Esc, "Esc", "Back", "Back (first clears a search)", Some(Command::Back)),
    HELP,
    ALSO_HELP,
];

/// The runbook's keys, one table per list: what each list's keys do, its footer and its help.
const NEXT_LIST: Binding =
    named(KeyCode::Tab, "Tab", "Next list", "Next list (Shift-Tab, ← or →: the others)", Some(Command::NextList));
const RUNBOOK_MOVES: [Binding; 6] = [
    named(KeyCode::BackTab, "Shift-Tab", "", "The list before", Some(Command::PreviousList)),
    named(KeyCode::Right, "→", "", "Next list", Some(Command::NextList)),
    named(KeyCode::Left, "←", "", "The list before", Some(Command::PreviousList)),
    named(KeyCode::Down, "↑/↓", "Choose", "Choose a row", None),
    named(KeyCode::Esc, "Esc", "Back", "Back", Some(Command::Back)),
    HELP,
];

pub const RUNBOOK_PLAN: &[Binding] = &[
    named(KeyCode::Enter, "Enter", "Plan", "Plan this kind of work: how, and who leads it", Some(Command::Step)),
    NEXT_LIST,
    RUNBOOK_MOVES[0],
    RUNBOOK_MOVES[1],
    RUNBOOK_MOVES[2],
    RUNBOOK_MOVES[3],
    RUNBOOK_MOVES[4],
    RUNBOOK_MOVES[5],
    ALSO_HELP,
];

pub const RUNBOOK_CHECKLISTS: &[Binding] = &[
    named(KeyCode::Enter, "Enter", "Tick", "Tick the item, with a note if you type one", Some(Command::Step)),
    key('u', "Untick", "Untick an item ticked in error, giving the reason", Command::Untick),
    key('r', "Role", "Another role's checklist", Command::Role),
    NEXT_LIST,
    RUNBOOK_MOVES[0],
    RUNBOOK_MOVES[1],
    RUNBOOK_MOVES[2],
    RUNBOOK_MOVES[3],
    RUNBOOK_MOVES[4],
    RUNBOOK_MOVES[5],
    ALSO_HELP,
];

pub const RUNBOOK_SERVICES: &[Binding] = &[
    named(KeyCode::Enter, "Enter", "Next step", "Move the service on one step", Some(Command::Step)),
    key('s', "State", "Set any state, such as a step back or not used, with a note", Command::ServiceState),
    key('c', "Chase note", "Chase note: who you spoke to, what they said", Command::Chase),
    key('a', "Add service", "Add a service the practice uses that is not on the list", Command::AddService),
    NEXT_LIST,
    RUNBOOK_MOVES[0],
    RUNBOOK_MOVES[1],
    RUNBOOK_MOVES[2],
    RUNBOOK_MOVES[3],
    RUNBOOK_MOVES[4],
    RUNBOOK_MOVES[5],
    ALSO_HELP,
];

pub const RUNBOOK_RECHECK: &[Binding] = &[
    key('m', "Matches", "Matches: it is the same in the new system", Command::Matches),
    key('i', "Issue", "Issue: record what is wrong (it holds up the sign-off)", Command::Issue),
    key('p', "Progress", "An issue's progress: reported (to the supplier), fixed or accepted", Command::IssueProgress),
    key('s', "Sign off", "Sign off Go Live Data", Command::Signoff),
    key('a', "Add patient", "Add a patient tested at the initial data production", Command::AddPatient),
    key('n', "Sample", "Draw a random sample of the patient list", Command::Sample),
    NEXT_LIST,
    RUNBOOK_MOVES[0],
    RUNBOOK_MOVES[1],
    RUNBOOK_MOVES[2],
    RUNBOOK_MOVES[3],
    RUNBOOK_MOVES[4],
    RUNBOOK_MOVES[5],
    ALSO_HELP,
];

pub const RUNBOOK_CALLBACKS: &[Binding] = &[
    key(
        'd',
        "Registered",
        "Registered in the new system: mark their registration done in the re-entry queue",
        Command::Registered,
    ),
    NEXT_LIST,
    RUNBOOK_MOVES[0],
    RUNBOOK_MOVES[1],
    RUNBOOK_MOVES[2],
    RUNBOOK_MOVES[3],
    RUNBOOK_MOVES[4],
    RUNBOOK_MOVES[5],
    ALSO_HELP,
];

pub const DETAIL: &[Binding] = &[
    key('a', "Amend", "Amend", Command::Amend),
    key('v', "Void", "Void (logged in error)", Command::Void),
    named(KeyCode::Down, "↑/↓ PgDn/PgUp", "Scroll", "Scroll", Some(Command::ScrollDown)),
    named(KeyCode::Up, "↑", "", "Scroll up", Some(Command::ScrollUp)),
    named(KeyCode::PageDown, "PgDn", "", "Scroll down a page", Some(Command::NextPage)),
    named(KeyCode::PageUp, "PgUp", "", "Scroll up a page", Some(Command::PreviousPage)),
    named(KeyCode::Esc, "Esc", "Back", "Back", Some(Command::Back)),
    HELP,
    ALSO_HELP,
];

pub const DRAFTS: &[Binding] = &[
    named(KeyCode::Enter, "Enter", "Carry on", "Carry on with this draft", Some(Command::Resume)),
    key('x', "Discard", "Discard this draft", Command::Discard),
    named(KeyCode::Esc, "Esc", "Later", "Leave them for later", Some(Command::Back)),
    HELP,
    ALSO_HELP,
];

pub const CHOOSE_USER: &[Binding] = &[
    named(KeyCode::Enter, "Enter", "That's me", "That's me", Some(Command::Open)),
    ctrl('n', "Ctrl-N", "Add me", "I'm not on the list: add me", Some(Command::AddStaff)),
    HELP,
];

pub const FIRST_RUN: &[Binding] = &[
    named(KeyCode::Tab, "Tab", "Next field", "Next field", None),
    ctrl('s', "Ctrl-S", "Finish", "Finish", None),
    named(KeyCode::Esc, "Esc", "Leave", "Leave (asks first if anything was typed)", None),
    HELP,
    named(KeyCode::Enter, "Enter", "", "Next field; on the last, finish", None),
];

pub const ADD_STAFF: &[Binding] = &[
    named(KeyCode::Tab, "Tab", "Next field", "Next field", None),
    ctrl('s', "Ctrl-S", "Finish", "Finish", None),
    named(KeyCode::Esc, "Esc", "Back", "Back", None),
    HELP,
    named(KeyCode::Enter, "Enter", "", "Next field; on the last, finish", None),
];

/// The passphrase of an encrypted database, asked before anything from it is shown. Only keys
/// that cannot be part of a passphrase: every character typed goes into it.
pub const UNLOCK: &[Binding] = &[
    named(KeyCode::Enter, "Enter", "Open", "Open the log with the passphrase typed", None),
    named(KeyCode::Esc, "Esc", "Leave", "Leave without opening the log", None),
];

/// Choosing the practice's passphrase on first run.
pub const CHOOSE_PASSPHRASE: &[Binding] = &[
    named(KeyCode::Tab, "Tab", "Next box", "Next box", None),
    named(KeyCode::Enter, "Enter", "Next / done", "Next box; on the second, done", None),
    ctrl('n', "Ctrl-N", "No passphrase", "Go on without a passphrase (asks first)", None),
    named(KeyCode::Esc, "Esc", "Leave", "Leave: nothing is set up", None),
];

/// Everywhere: Ctrl-C leaves, keeping any half-typed form as a draft. In the help only.
pub const EVERYWHERE: &[Binding] = &[ctrl('c', "Ctrl-C", "", "Quit (a half-typed form is kept as a draft)", None)];

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
    fn no_key_means_two_things_on_any_of_the_runbooks_lists() {
        for table in [RUNBOOK_PLAN, RUNBOOK_CHECKLISTS, RUNBOOK_SERVICES, RUNBOOK_RECHECK, RUNBOOK_CALLBACKS] {
            let mut keys: Vec<String> = table.iter().map(|b| format!("{:?}{}", b.code, b.ctrl)).collect();
            let count = keys.len();
            keys.sort();
            keys.dedup();
            assert_eq!(keys.len(), count, "{keys:?}");
            assert!(
                table.iter().any(|b| b.command == Some(Command::Back)) && table.iter().any(|b| b.code == KeyCode::F(1))
            );
        }
    }

    #[test]
    fn every_kind_has_a_key() {
        for kind in Kind::ALL {
            assert!(KIND_KEYS.iter().any(|(_, k)| *k == kind), "{kind} has no key");
        }
    }
}
