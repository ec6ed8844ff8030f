//! End to end: the real binary in a real pseudo-terminal, keystrokes in, screen text out.
//! Unix only: a pseudo-terminal and SIGHUP (the Windows console's close is tested in `platform`).
#![cfg(unix)]

mod common;

#[path = "support/pty_session.rs"]
mod pty_session;

use common::Practice;
use portable_pty::CommandBuilder;
use pty_session::PtySession as Session;

const ROWS: u16 = 30;
const COLS: u16 = 100;

/// The UI on this practice's database, in a terminal of ROWS × COLS, without colour.
fn start(p: &Practice) -> Session {
    start_with(p, &[])
}

/// `start`, with more of the program's environment set (`CUTOVER_NOW`, say). The clock is the
/// tests' clock (see `common::clock`) unless `env` sets another.
fn start_with(p: &Practice, env: &[(&str, &str)]) -> Session {
    let mut cmd = CommandBuilder::new(assert_cmd::cargo::cargo_bin!("cutover"));
    cmd.env("CUTOVER_NOW", common::clock());
    for (k, v) in env {
        cmd.env(k, v);
    }
    cmd.env("CUTOVER_DB", &p.db);
    cmd.env("TERM", "xterm-256color");
    cmd.env("NO_COLOR", "1");
    cmd.env("HOME", p.dir.path());
    cmd.env_remove("CUTOVER_USER");
    cmd.env_remove("CUTOVER_PASSPHRASE_FILE");
    Session::start(cmd, ROWS, COLS)
}

const TAB: &str = "\t";
const ENTER: &str = "\r";
const CTRL_S: &str = "\x13";

fn practice_with_patients() -> Practice {
    let p = Practice::new();
    p.log(&[
        "note",
        "--patient",
        "943 476 5919",
        "--family",
        "Jones",
        "--given",
        "Siân",
        "--dob",
        "03/04/1950",
        "--summary",
        "Registered list",
    ]);
    p.log(&[
        "note",
        "--patient",
        "999 234 5675",
        "--family",
        "Evans",
        "--given",
        "Rhys",
        "--dob",
        "05/06/1970",
        "--summary",
        "Registered list",
    ]);
    p
}

fn sign_in(ui: &mut Session) {
    ui.wait_for("Who is working?");
    ui.typed("jo");
    ui.send(ENTER);
    ui.wait_for("New entry: press a key");
}

#[test]
fn a_consultation_and_a_prescription_typed_in_the_ui_are_saved() {
    let p = practice_with_patients();
    let mut ui = start(&p);
    sign_in(&mut ui);

    ui.send("c");
    ui.wait_for("New consultation");
    ui.typed("943 476");
    ui.wait_for("JONES, Siân (03/04/1950) 943 476 5919");
    ui.send(ENTER);
    ui.typed("Chest pain, ECG normal");
    ui.send(TAB);
    ui.send(TAB);
    ui.typed("Dr Bevan");
    ui.send(CTRL_S);
    ui.wait_for("Saved R2-0003 (Consultation)");

    ui.send("p");
    ui.wait_for("New prescription");
    ui.typed("evans");
    ui.wait_for("EVANS, Rhys (05/06/1970) 999 234 5675");
    ui.send(ENTER);
    ui.typed("Amoxicillin issued on FP10");
    ui.send(TAB);
    ui.send(TAB);
    ui.typed("Amoxicillin 500mg capsules");
    ui.send(CTRL_S);
    ui.wait_for("Saved R2-0004 (Prescription)");
    ui.send("q");
    ui.wait_exit();

    let list = p.list_json();
    let entries = list.as_array().unwrap();
    let consultation = entries.iter().find(|e| e["kind"] == "consultation").expect("the consultation");
    assert_eq!(consultation["summary"], "Chest pain, ECG normal");
    assert_eq!(consultation["fields"]["clinician"], "Dr Bevan");
    assert_eq!(consultation["patient"]["nhs_number"], "9434765919");
    assert_eq!(consultation["recorded_by"], "JS");
    let prescription = entries.iter().find(|e| e["kind"] == "prescription").expect("the prescription");
    assert_eq!(prescription["fields"]["drug"], "Amoxicillin 500mg capsules");
    assert_eq!(prescription["patient"]["family_name"], "Evans");
}

#[test]
fn a_form_killed_mid_way_comes_back_as_a_draft() {
    let p = practice_with_patients();
    let mut ui = start(&p);
    sign_in(&mut ui);
    ui.send("n");
    ui.wait_for("New note");
    ui.send(TAB);
    ui.typed("Half typed when the power went");
    ui.send(TAB); // leaving the field saves the draft
    ui.wait_for("▶ When it happened");
    ui.signal(libc::SIGKILL);
    ui.wait_exit();

    // The killed window's hold on its draft lapses within seconds: start a minute on.
    let a_minute_on = (common::clock_now() + chrono::Duration::minutes(1)).to_rfc3339();
    let mut again = start_with(&p, &[("CUTOVER_NOW", &a_minute_on)]);
    again.wait_for("Who is working?");
    again.send(ENTER);
    again.wait_for("Unsaved drafts");
    again.wait_for("Half typed when the power went");
    again.send(ENTER);
    again.wait_for("New note");
    again.wait_for("Half typed when the power went");
}

#[test]
fn sigterm_keeps_the_form_as_a_draft_and_restores_the_terminal() {
    let p = practice_with_patients();
    let mut ui = start(&p);
    sign_in(&mut ui);
    ui.send("t");
    ui.wait_for("New telephone call");
    ui.send(TAB);
    ui.typed("Caller hung up");
    ui.signal(libc::SIGTERM);
    ui.wait_exit();
    assert!(!ui.screen.screen().alternate_screen(), "the terminal was left in the UI's screen");
    assert!(!ui.screen.screen().bracketed_paste(), "the terminal was left marking pastes");
    let body: String = p.sqlite().query_row("SELECT body FROM draft", [], |r| r.get(0)).expect("a draft");
    assert!(body.contains("Caller hung up"), "{body}");
}

#[test]
fn resizing_below_the_minimum_shows_a_message_and_back_redraws() {
    let p = practice_with_patients();
    let mut ui = start(&p);
    sign_in(&mut ui);
    ui.resize(20, 60);
    ui.wait_for("This window is too small for cutover.");
    ui.resize(ROWS, COLS);
    ui.wait_for("New entry: press a key");
    ui.send("q");
    ui.wait_exit();
}

#[test]
fn two_windows_on_one_database_both_save() {
    let p = practice_with_patients();
    let mut first = start(&p);
    let mut second = start(&p);
    for ui in [&mut first, &mut second] {
        sign_in(ui);
        ui.send("n");
        ui.wait_for("New note");
        ui.typed("evans");
        ui.wait_for("EVANS, Rhys");
        ui.send(ENTER);
    }
    first.typed("From the first window");
    second.typed("From the second window");
    first.send(CTRL_S);
    second.send(CTRL_S);
    first.wait_for("Saved R2-");
    second.wait_for("Saved R2-");
    for ui in [&mut first, &mut second] {
        ui.send("q");
        ui.wait_exit();
    }
    let list = p.list_json();
    let summaries: Vec<&str> = list.as_array().unwrap().iter().filter_map(|e| e["summary"].as_str()).collect();
    assert!(summaries.contains(&"From the first window") && summaries.contains(&"From the second window"));
}

#[test]
fn closing_the_window_keeps_the_form_as_a_draft() {
    let p = practice_with_patients();
    let mut ui = start(&p);
    sign_in(&mut ui);
    ui.send("m");
    ui.wait_for("New correspondence");
    ui.send(TAB);
    ui.typed("Discharge letter, no action");
    // A terminal window being closed sends SIGHUP.
    ui.signal(libc::SIGHUP);
    ui.wait_exit();
    let body: String = p.sqlite().query_row("SELECT body FROM draft", [], |r| r.get(0)).expect("a draft");
    assert!(body.contains("Discharge letter, no action"), "{body}");
}

/// What a terminal with bracketed paste sends when text is pasted into it.
fn bracketed(text: &str) -> String {
    format!("\x1b[200~{text}\x1b[201~")
}

/// Pastes `text`, waits until the screen shows `shows`, then pauses as a person would before the next
/// key: keys that follow a paste within a few milliseconds are taken as the rest of it.
fn paste(ui: &mut Session, text: &str, shows: &str) {
    ui.send(text);
    ui.wait_for(shows);
    std::thread::sleep(std::time::Duration::from_millis(200));
}

/// A note for Evans, open at its Summary: the patient is chosen, nothing typed yet.
fn note_at_summary(p: &Practice) -> Session {
    let mut ui = start_at(p, "2026-11-21T10:00:00Z");
    sign_in(&mut ui);
    ui.send("n");
    ui.wait_for("New note");
    ui.typed("evans");
    ui.wait_for("EVANS, Rhys");
    ui.send(ENTER);
    ui.wait_for("▶ Summary");
    ui
}

/// The UI with its clock fixed, so "when it happened" needs no confirming.
fn start_at(p: &Practice, now: &str) -> Session {
    let mut cmd = CommandBuilder::new(assert_cmd::cargo::cargo_bin!("cutover"));
    cmd.env("CUTOVER_DB", &p.db);
    cmd.env("TERM", "xterm-256color");
    cmd.env("NO_COLOR", "1");
    cmd.env("HOME", p.dir.path());
    cmd.env("CUTOVER_NOW", now);
    cmd.env_remove("CUTOVER_USER");
    Session::start(cmd, ROWS, COLS)
}

/// Pastes three lines into Summary, the same into Notes and three SNOMED codes into the codes line,
/// each with `paste`, then checks that focus never moved and nothing was saved until Ctrl-S, and that
/// the database holds the summary on one line, the notes on three, and all three codes.
fn paste_into_a_note(as_sent: impl Fn(&[&str]) -> String) {
    let p = practice_with_patients();
    let mut ui = note_at_summary(&p);
    paste(&mut ui, &as_sent(&["line one", "line two", "line three"]), "line one line two line three");
    assert!(ui.text().contains("▶ Summary"), "the paste moved focus:\n{}", ui.text());
    assert!(ui.text().contains("New note"), "{}", ui.text());

    ui.send(TAB); // when it happened
    ui.send(TAB); // responsible
    ui.send(TAB);
    ui.wait_for("▶ Notes");
    paste(&mut ui, &as_sent(&["first line", "second line", "third line"]), "third line");
    let screen = ui.text();
    assert!(screen.contains("▶ Notes"), "the paste moved focus:\n{screen}");
    let notes_row = screen.lines().position(|l| l.contains("▶ Notes")).expect("the notes row");
    let rows: Vec<&str> = screen.lines().skip(notes_row).take(3).collect();
    assert!(
        rows[0].contains("first line") && rows[1].contains("second line") && rows[2].contains("third line"),
        "the notes lost their line breaks:\n{screen}"
    );

    ui.send(TAB); // flags
    ui.send(TAB);
    ui.wait_for("▶ SNOMED CT codes");
    paste(&mut ui, &as_sent(&["22298006", "38341003", "195967001"]), "22298006; 38341003; 195967001");
    assert!(ui.text().contains("▶ SNOMED CT codes"), "the paste moved focus:\n{}", ui.text());
    assert!(!ui.text().contains("Saved R2-"), "the paste saved the entry:\n{}", ui.text());
    assert_eq!(p.list_json().as_array().unwrap().len(), 2, "the paste saved the entry");

    ui.send(CTRL_S);
    ui.wait_for("Saved R2-0003 (Note)");
    ui.send("q");
    ui.wait_exit();

    let list = p.list_json();
    let note = list.as_array().unwrap().iter().find(|e| e["ref"] == "R2-0003").expect("the note");
    assert_eq!(note["summary"], "line one line two line three");
    assert_eq!(note["notes"], "first line\nsecond line\nthird line");
    let codes: Vec<&str> = note["codes"].as_array().unwrap().iter().map(|c| c["id"].as_str().unwrap()).collect();
    assert_eq!(codes, ["22298006", "38341003", "195967001"]);
    assert_eq!(note["patient"]["family_name"], "Evans");
}

#[test]
fn bracketed_paste_stays_in_the_field_that_has_focus() {
    paste_into_a_note(|lines| bracketed(&lines.join("\n")));
}

#[test]
fn a_paste_without_bracketed_paste_stays_in_the_field_that_has_focus() {
    // Without bracketed paste, a terminal types the pasted text: a carriage return for each line
    // break, all of it in one write.
    paste_into_a_note(|lines| lines.join(ENTER));
}

#[test]
fn a_paste_with_bare_line_feeds_stays_in_the_field_that_has_focus() {
    // Some terminals pass a line feed through as it is: to a program in raw mode that is Ctrl-J.
    paste_into_a_note(|lines| lines.join("\n"));
}

#[test]
fn a_paste_on_the_home_screen_runs_no_command() {
    let p = practice_with_patients();
    let mut ui = start_at(&p, "2026-11-21T10:00:00Z");
    sign_in(&mut ui);
    assert!(ui.screen.screen().bracketed_paste(), "the terminal was not asked to mark pastes");
    for text in [bracketed("cnx\nq"), "cnx\rq".to_string()] {
        paste(&mut ui, &text, "Nothing was pasted");
        let screen = ui.text();
        assert!(screen.contains("New entry: press a key"), "the paste left the home screen:\n{screen}");
        assert!(!screen.contains("New consultation") && !screen.contains("New note"), "{screen}");
        assert!(!ui.has_exited(), "the paste quit the program");
        // The next key is a key again: the list of entries opens, and Esc comes back.
        ui.send("e");
        ui.wait_for("Entries, newest first");
        ui.send("\x1b");
        ui.wait_for("New entry: press a key");
    }
    ui.send("q");
    ui.wait_exit();
    assert!(!ui.screen.screen().bracketed_paste(), "the terminal was left marking pastes");
    let drafts: i64 = p.sqlite().query_row("SELECT count(*) FROM draft", [], |r| r.get(0)).unwrap();
    assert_eq!(drafts, 0, "a form was opened by the paste");
    assert_eq!(p.list_json().as_array().unwrap().len(), 2);
}

#[test]
fn a_long_paste_is_drawn_without_waiting_for_another_key() {
    let p = practice_with_patients();
    let mut ui = note_at_summary(&p);
    ui.typed("Discharge letter");
    ui.send(TAB);
    ui.send(TAB);
    ui.send(TAB);
    ui.wait_for("▶ Notes");
    let long: Vec<String> = (1..=300).map(|i| format!("Line {i} of a long discharge letter")).collect();
    paste(&mut ui, &long.join(ENTER), "Line 300 of a long discharge letter");
    assert!(ui.text().contains("▶ Notes"), "the paste moved focus:\n{}", ui.text());
    ui.send(CTRL_S);
    ui.wait_for("Saved R2-0003 (Note)");
    ui.send("q");
    ui.wait_exit();
    let list = p.list_json();
    let note = list.as_array().unwrap().iter().find(|e| e["ref"] == "R2-0003").expect("the note");
    assert_eq!(note["notes"], long.join("\n"));
}

/// A two-letter paste without bracketed paste ("yy", as a terminal types it out) at a yes/no
/// question answers nothing: it once saved an entry on another person's record.
#[test]
fn a_two_letter_paste_at_a_question_answers_nothing() {
    let p = practice_with_patients();
    let mut ui = note_at_summary(&p);
    ui.typed("Letter from the future");
    ui.send(TAB);
    ui.wait_for("▶ When it happened");
    ui.typed("25/12/2026 10:00");
    ui.send(CTRL_S);
    ui.wait_for("Is the time right?");
    paste(&mut ui, "yy", "Nothing was pasted");
    assert_eq!(p.list_json().as_array().unwrap().len(), 2, "the paste saved the entry");
    assert!(ui.text().contains("Is the time right?"), "the question went away:\n{}", ui.text());
    ui.send("y");
    ui.wait_for("Saved R2-");
    assert_eq!(p.list_json().as_array().unwrap().len(), 3);
}

/// Issue 12, item 2: a registration typed at the desk with the NHS number the new patient knows
/// is saved with it (a mistyped number first refused by its check digit, nothing saved), and the
/// queue after go-live has the number on the registration.
#[test]
fn a_registration_typed_with_its_nhs_number_is_saved_with_it() {
    let p = Practice::new();
    p.run_as("JS", &["init", "--go-live", "23/11/2026 08:00"]).success();
    let mut ui = start(&p);
    sign_in(&mut ui);
    ui.send("r");
    ui.wait_for("New registration");
    ui.typed("New patient registered at the desk");
    ui.send(TAB);
    for typed in ["Kowalski", "Anna", "14/02/1988", "999 469 1342"] {
        ui.send(TAB);
        ui.typed(typed);
    }
    ui.send(CTRL_S);
    ui.wait_for("Not saved: please check NHS number.");
    assert_eq!(p.list_json().as_array().map(Vec::len), Some(0), "nothing saved with a mistyped number");
    // Still on the NHS number: corrected, saved.
    ui.wait_for("▶ NHS number (if known)");
    ui.send(&"\x7f".repeat(12));
    ui.typed("999 469 1341");
    ui.send(CTRL_S);
    ui.wait_for("Saved R2-0001 (New registration");
    ui.send("q");
    ui.wait_exit();

    let held: (String, String, String) = p
        .sqlite()
        .query_row(
            "SELECT p.nhs_number, p.family_name, p.date_of_birth FROM entry e JOIN revision r ON r.id = e.current_revision_id
             JOIN patient p ON p.id = r.patient_id WHERE e.ref = 'R2-0001'",
            [],
            |r| Ok((r.get(0)?, r.get(1)?, r.get(2)?)),
        )
        .unwrap();
    assert_eq!(held, ("9994691341".into(), "Kowalski".into(), "1988-02-14".into()));
    let queue = common::stdout_of(&p.run(&["queue", "--format", "json"]).success());
    let items: serde_json::Value = serde_json::from_str(&queue).unwrap();
    assert_eq!(items[0]["nhs_number"], "9994691341", "{queue}");
}

/// Issue 16, item 2: a new patient asked at the desk to come back after go-live is typed on the
/// registration form with "To come back after go-live" set to yes; the database holds it on the
/// registration, and the call-back list has them, with their phone number.
#[test]
fn a_new_patient_asked_to_come_back_is_saved_so_from_the_registration_form() {
    let p = Practice::new();
    let mut ui = start(&p);
    sign_in(&mut ui);
    ui.send("r");
    ui.wait_for("New registration");
    ui.typed("New patient, to come back after go-live");
    ui.send(TAB);
    for typed in ["Nowak", "Zofia", "03/04/1990", "", "", "", "", "07700 900123", "", "", ""] {
        ui.send(TAB);
        ui.typed(typed);
    }
    ui.send(TAB);
    ui.wait_for("▶ To come back after go-live");
    ui.send("y");
    ui.wait_for("▶ To come back after go-live  ◀ Yes ▶");
    ui.send(CTRL_S);
    ui.wait_for("Saved R2-0001 (New registration");
    // On the runbook's call-back list at once.
    ui.send("b");
    ui.wait_for("Plan 0/13");
    ui.send(&TAB.repeat(4));
    ui.wait_for("›R2-0001  ");
    ui.wait_for("NOWAK, Zofia");
    ui.send("\x1b");
    ui.wait_for("New entry: press a key");
    ui.send("q");
    ui.wait_exit();

    let held: (Option<bool>, String) = p
        .sqlite()
        .query_row(
            "SELECT r.fields ->> '$.asked_to_come_back', r.fields ->> '$.phone' FROM entry e
             JOIN revision r ON r.id = e.current_revision_id WHERE e.ref = 'R2-0001'",
            [],
            |r| Ok((r.get(0)?, r.get(1)?)),
        )
        .unwrap();
    assert_eq!(held, (Some(true), "07700 900123".to_string()));
    let callbacks = common::stdout_of(&p.run(&["callbacks"]).success());
    assert!(callbacks.contains("R2-0001") && callbacks.contains("NOWAK, Zofia"), "{callbacks}");
}

/// Issue 16, item 1: the go-live re-check worked in the real binary: an issue recorded for a
/// patient tested at IDP, the sign-off refused while it is open and then given with a reason; the
/// database holds each, as `cutover recheck` shows them.
#[test]
fn a_recheck_issue_and_the_sign_off_typed_on_the_runbook_screen_are_saved() {
    let p = Practice::new();
    p.run_as("JS", &["init", "--go-live", "23/11/2026 08:00"]).success();
    p.run_as("JS", &["recheck", "add", "943 476 5919"]).success();
    let mut ui = start(&p);
    sign_in(&mut ui);
    ui.send("b");
    ui.wait_for("Plan 0/13");
    ui.send(&TAB.repeat(3));
    ui.wait_for("›943 476 5919");
    ui.send("i");
    ui.wait_for("What is wrong with 943 476 5919 in the new system?");
    ui.typed("Penicillin allergy missing");
    ui.send(ENTER);
    ui.wait_for("↳ Penicillin allergy missing");
    ui.send("s");
    ui.wait_for("Sign off Go Live Data in your name");
    ui.send(ENTER);
    ui.wait_for("To sign off all the same, type the reason");
    let none: i64 = p.sqlite().query_row("SELECT count(*) FROM recheck_signoff", [], |r| r.get(0)).unwrap();
    assert_eq!(none, 0, "refused while the issue is open");
    ui.typed("Supplier fixing it today");
    ui.send(ENTER);
    ui.wait_for("Go Live Data signed off by JS");
    ui.send("\x1b");
    ui.wait_for("New entry: press a key");
    ui.send("q");
    ui.wait_exit();

    let issue: (String, String, String) = p
        .sqlite()
        .query_row("SELECT subject, state, note FROM recheck_event", [], |r| Ok((r.get(0)?, r.get(1)?, r.get(2)?)))
        .unwrap();
    assert_eq!(issue, ("9434765919".into(), "issue".into(), "Penicillin allergy missing".into()));
    let signoff: (String, i64, i64, String) = p
        .sqlite()
        .query_row("SELECT staff_id, open_issues, unchecked, reason FROM recheck_signoff", [], |r| {
            Ok((r.get(0)?, r.get(1)?, r.get(2)?, r.get(3)?))
        })
        .unwrap();
    assert_eq!(signoff, ("JS".into(), 1, 5, "Supplier fixing it today".into()));
    let recheck = common::stdout_of(&p.run(&["recheck"]).success());
    assert!(recheck.contains("JS on 30/11/2026") && recheck.contains("Penicillin allergy missing"), "{recheck}");
    assert!(recheck.contains("with 1 issue open and 5 items not checked: Supplier fixing it today"), "{recheck}");
}

/// Issue 16, item 3, in the real binary: the practice's own service added on the runbook screen,
/// confirmed off, then set back a step with a note (the same store operations as `services add`
/// and `services set`); the database holds each, and `cutover services` shows them.
#[test]
fn a_service_added_and_set_back_a_step_on_the_runbook_screen_is_saved() {
    let p = Practice::new();
    let mut ui = start(&p);
    sign_in(&mut ui);
    ui.send("b");
    ui.wait_for("Plan 0/13");
    ui.send(&TAB.repeat(2));
    ui.wait_for("Services 0/14");
    ui.send("a");
    ui.wait_for("The name of a service the practice uses");
    ui.typed("Local hospice link");
    ui.send(ENTER);
    ui.wait_for("Added Local hospice link to the services list (to switch off).");
    ui.wait_for("›Local hospice link");
    ui.send(ENTER);
    ui.wait_for("Local hospice link: confirmed off.");
    ui.send("s");
    ui.wait_for("Set it to:");
    ui.typed("to switch off");
    ui.send(ENTER);
    ui.wait_for("a note if you want one");
    ui.typed("Confirmed in error");
    ui.send(ENTER);
    ui.wait_for("Local hospice link: to switch off.");
    ui.send("\x1b");
    ui.wait_for("New entry: press a key");
    ui.send("q");
    ui.wait_exit();

    let added: (String, String) =
        p.sqlite().query_row("SELECT name, added_by FROM service", [], |r| Ok((r.get(0)?, r.get(1)?))).unwrap();
    assert_eq!(added, ("Local hospice link".into(), "JS".into()));
    let events: Vec<(String, Option<String>, String)> = {
        let c = p.sqlite();
        let mut s = c.prepare("SELECT state, note, staff_id FROM service_event ORDER BY at, id").unwrap();
        s.query_map([], |r| Ok((r.get(0)?, r.get(1)?, r.get(2)?))).unwrap().map(Result::unwrap).collect()
    };
    assert_eq!(
        events,
        [
            ("confirmed_off".into(), None, "JS".into()),
            ("to_switch_off".into(), Some("Confirmed in error".into()), "JS".into())
        ]
    );
    let services = common::stdout_of(&p.run(&["services"]).success());
    let line = services.lines().find(|l| l.starts_with("Local hospice link")).expect("listed");
    assert!(line.contains("to switch off") && line.contains("JS"), "{services}");
    assert!(services.contains("Confirmed in error"), "{services}");
}

/// Issue 11, item 6: what the real binary writes to a real terminal, byte for byte.
mod terminal_safety {
    use super::*;

    /// Retitles the window, and turns text around or hides it: none of these bytes is one the
    /// program writes for itself (it clears the screen, but never sets the title).
    const HOSTILE: &str = "\u{1b}]0;PWNED\u{7}\u{9b}2J\u{202e}Evil\u{200b}J\u{200d}S";
    const RAW: [&[u8]; 5] =
        [b"\x1b]0;PWNED", "\u{9b}".as_bytes(), "\u{202e}".as_bytes(), "\u{200b}".as_bytes(), b"J\xe2\x80\x8dS"];

    fn assert_nothing_raw(written: &[u8]) {
        for raw in RAW {
            assert!(!written.windows(raw.len()).any(|w| w == raw), "{raw:?} reached the terminal");
        }
    }

    /// An entry imported from a CSV file, its summary and patient's name the hostile text.
    fn imported() -> Practice {
        let p = Practice::new();
        let file = p.dir.path().join("paper.csv");
        let csv = format!(
            "kind,occurred_at,summary,nhs_number,family_name,given_name,recorded_by\nnote,21/11/2026 10:00,\"{HOSTILE}\",9992345675,\"{HOSTILE}\",Jo,JS\n"
        );
        std::fs::write(&file, csv).unwrap();
        p.run_as("JS", &["import", "entries", &file.to_string_lossy()]).success();
        p
    }

    #[test]
    fn an_imported_escape_sequence_is_shown_escaped_in_the_ui_and_never_sent() {
        let p = imported();
        let mut ui = start(&p);
        sign_in(&mut ui);
        ui.send("e");
        ui.wait_for("Entries, newest first");
        ui.wait_for("\\u{1b}]0;PWNED");
        ui.send(ENTER);
        ui.wait_for("\\u{202e}Evil\\u{200b}J\\u{200d}S");
        ui.send("\x1b");
        ui.send("\x1b");
        ui.send("q");
        ui.wait_exit();
        assert_nothing_raw(&ui.written);
    }

    #[test]
    fn csv_printed_on_a_terminal_is_shown_escaped() {
        let p = imported();
        for args in
            [&["list", "--format", "csv"][..], &["list"], &["show", "R2-0001"], &["show", "\u{1b}]0;PWNED\u{7}"]]
        {
            let mut cmd = CommandBuilder::new(assert_cmd::cargo::cargo_bin!("cutover"));
            cmd.args(args);
            cmd.env("CUTOVER_DB", &p.db);
            cmd.env("CUTOVER_NOW", common::clock());
            cmd.env("HOME", p.dir.path());
            let mut run = Session::start(cmd, ROWS, 200);
            run.wait_for("\\u{1b}]0;PWNED");
            run.wait_exit();
            assert_nothing_raw(&run.written);
        }
    }
}

/// Issue 11, item 2, end to end: the real program saving into a damaged database (an index that
/// no longer matches its table, which opens and saves) keeps the save, makes no rolling backup from
/// it, leaves the last good one as it was, and says so on screen at once and on every screen after.
#[test]
fn saving_into_a_damaged_database_keeps_the_save_and_the_last_good_backup_and_says_stop() {
    let p = practice_with_patients();
    let folder = cutover::backup::folder_for(&p.db);
    let good: Vec<(std::path::PathBuf, Vec<u8>)> =
        cutover::backup::list(&folder).unwrap().into_iter().map(|b| (b.clone(), std::fs::read(&b).unwrap())).collect();
    assert!(!good.is_empty());
    p.sqlite()
        .execute_batch(
            "PRAGMA writable_schema = ON;
             UPDATE sqlite_schema SET sql = 'CREATE INDEX entry_by_kind ON entry (summary, occurred_at)'
              WHERE name = 'entry_by_kind';",
        )
        .unwrap();
    // An hour on, so this save is the first of its hour and a backup is due.
    let later = (common::now() + chrono::Duration::hours(1)).to_rfc3339();
    let mut ui = start_with(&p, &[("CUTOVER_NOW", &later)]);
    sign_in(&mut ui);
    ui.send("n");
    ui.wait_for("New note");
    ui.typed("943 476");
    ui.wait_for("JONES, Siân (03/04/1950) 943 476 5919");
    ui.send(ENTER);
    ui.typed("Saved into a damaged file");
    ui.send(CTRL_S);
    ui.wait_for("Saved R2-0003 (Note)");
    ui.wait_for("STOP: this database is damaged");
    ui.send("e");
    ui.wait_for("Entries, newest first");
    assert!(ui.text().contains("STOP: this database is damaged"), "{}", ui.text());
    ui.send("\x1b");
    std::thread::sleep(std::time::Duration::from_millis(200));
    ui.send("q");
    ui.wait_exit();

    let list = p.list_json();
    assert!(list.as_array().unwrap().iter().any(|e| e["summary"] == "Saved into a damaged file"));
    let now: Vec<(std::path::PathBuf, Vec<u8>)> =
        cutover::backup::list(&folder).unwrap().into_iter().map(|b| (b.clone(), std::fs::read(&b).unwrap())).collect();
    assert_eq!(now, good, "the last good backup is kept as it was");
}

#[test]
fn the_screens_share_the_log_by_themselves_after_a_save_and_the_home_screen_says_so() {
    let p = practice_with_patients();
    let shared = tempfile::tempdir().unwrap();
    p.run(&["init", "--share-folder", shared.path().to_str().unwrap()]).success();
    // Another PC of the practice, sharing through the same folder.
    let room = Practice::empty();
    room.run(&["init", "--practice", "Riverside Surgery", "--prefix", "C1", "--workstation", "Consulting room"])
        .success();
    room.run(&["staff", "add", "JS", "--name", "Jo Smith", "--role", "manager"]).success();
    room.run_as("JS", &["sync", "--folder", shared.path().to_str().unwrap()]).success();

    let mut ui = start(&p);
    sign_in(&mut ui);
    // The first round runs by itself as the screens open, and the home screen says so.
    ui.wait_for("with 2 PCs");
    ui.send("n");
    ui.wait_for("New note");
    ui.typed("evans");
    ui.wait_for("EVANS, Rhys");
    ui.send(ENTER);
    ui.typed("Shared by itself");
    ui.send(CTRL_S);
    ui.wait_for("Saved R2-0003 (Note)");
    // A round follows the save, without a key pressed: the other PC's next round takes the entry.
    let deadline = std::time::Instant::now() + std::time::Duration::from_secs(20);
    loop {
        room.run_as("JS", &["sync", "--folder", shared.path().to_str().unwrap()]).success();
        let found: i64 = room
            .sqlite()
            .query_row("SELECT count(*) FROM entry WHERE summary = 'Shared by itself'", [], |r| r.get(0))
            .unwrap();
        if found == 1 {
            break;
        }
        assert!(std::time::Instant::now() < deadline, "the entry never reached the other PC");
        std::thread::sleep(std::time::Duration::from_millis(300));
    }
    ui.send("q");
    ui.wait_exit();
}

#[test]
fn a_database_copied_from_another_pc_is_said_so_when_the_screens_start() {
    let original = practice_with_patients();
    let copy = Practice::empty();
    std::fs::copy(&original.db, &copy.db).unwrap();
    let mut ui = start(&copy);
    ui.wait_for("This database looks like a copy of another PC's");
    ui.send("\x1b");
    sign_in(&mut ui);
    ui.send("q");
    ui.wait_exit();
}

// Encryption at rest (issue 15): the passphrase typed at the start, and chosen on first run.

const PASSPHRASE: &str = "Quartz lantern 42";

/// A practice as `Practice::new` makes it, but encrypted with `PASSPHRASE` from the start
/// (`init --passphrase-file`), with one patient's note logged.
fn encrypted_practice() -> Practice {
    encrypted_practice_sharing(None)
}

/// `encrypted_practice`, sharing through `folder` when one is given.
fn encrypted_practice_sharing(folder: Option<&std::path::Path>) -> Practice {
    let p = Practice::empty();
    let file = p.dir.path().join("passphrase.txt");
    std::fs::write(&file, format!("{PASSPHRASE}\n")).unwrap();
    let run = |staff: Option<&str>, args: &[&str]| {
        let mut cmd = p.cmd();
        cmd.env("CUTOVER_PASSPHRASE_FILE", &file);
        if let Some(id) = staff {
            cmd.env("CUTOVER_USER", id);
        }
        cmd.args(args).assert().success();
    };
    run(None, &["init", "--practice", "Riverside Surgery", "--fdp", "20/11/2026 17:00", "--prefix", "R2"]);
    run(None, &["staff", "add", "JS", "--name", "Jo Smith", "--role", "manager"]);
    if let Some(folder) = folder {
        run(None, &["init", "--share-folder", folder.to_str().unwrap()]);
    }
    let jones = ["--patient", "943 476 5919", "--family", "Jones", "--given", "Siân", "--dob", "03/04/1950"];
    run(Some("JS"), &[&["log", "note"], &jones[..], &["--summary", "Registered list"]].concat());
    assert_ne!(&p.bytes()[..16], b"SQLite format 3\0", "the practice's database is encrypted");
    p
}

/// The database, opened as any SQLCipher program would, with this key.
fn keyed_sqlite(p: &Practice, passphrase: &str) -> rusqlite::Connection {
    let conn = p.sqlite();
    // SQLCipher writes its own complaint about a wrong key to stderr: the test says what it means.
    conn.query_row("PRAGMA cipher_log_level = NONE", [], |_| Ok(())).ok();
    conn.pragma_update(None, "key", passphrase).unwrap();
    conn
}

/// Whether the terminal was ever sent the passphrase, or a word of it.
fn shown_anywhere(ui: &Session) -> bool {
    let written = String::from_utf8_lossy(&ui.written);
    written.contains(PASSPHRASE) || written.contains("Quartz") || written.contains("lantern")
}

/// Starts the UI on the encrypted practice with no passphrase given, gets a wrong one refused,
/// gives the right one with `give`, logs a note for Jones and checks the database holds it.
fn unlock_and_log(give: impl Fn(&mut Session)) {
    let p = encrypted_practice();
    let mut ui = start(&p);
    ui.wait_for("This log is encrypted");
    assert!(!ui.text().contains("Riverside") && !ui.text().contains("JONES"), "{}", ui.text());
    ui.typed("Quartz lantern 24");
    ui.wait_for(&"•".repeat(17));
    let before = p.bytes();
    ui.send(ENTER);
    ui.wait_for("That passphrase does not open this log");
    assert_eq!(p.bytes(), before, "a wrong passphrase changed the database");
    give(&mut ui);
    ui.wait_for(&"•".repeat(PASSPHRASE.chars().count()));
    ui.send(ENTER);
    sign_in(&mut ui);
    ui.send("n");
    ui.wait_for("New note");
    ui.typed("943 476");
    ui.wait_for("JONES, Siân (03/04/1950) 943 476 5919");
    ui.send(ENTER);
    ui.wait_for("▶ Summary");
    ui.typed("Phoned about results");
    ui.send(CTRL_S);
    ui.wait_for("Saved R2-0002 (Note)");
    ui.wait_for("Encrypted: the log cannot be read without the practice's passphrase.");
    // The save's rolling backup, taken on a thread of its own with the same passphrase.
    let backups = p.dir.path().join("cutover.db.backups");
    let deadline = std::time::Instant::now() + std::time::Duration::from_secs(30);
    while files_under(&backups).is_empty() && std::time::Instant::now() < deadline {
        std::thread::sleep(std::time::Duration::from_millis(50));
    }
    assert_all_sealed(&files_under(&backups));
    ui.send("q");
    ui.wait_exit();
    assert!(!shown_anywhere(&ui), "the passphrase reached the screen");

    let db = keyed_sqlite(&p, PASSPHRASE);
    let (summary, recorded_by): (String, String) = db
        .query_row("SELECT summary, recorded_by FROM entry WHERE ref = 'R2-0002'", [], |r| Ok((r.get(0)?, r.get(1)?)))
        .expect("the note is in the database");
    assert_eq!((summary.as_str(), recorded_by.as_str()), ("Phoned about results", "JS"));
    assert!(p.sqlite().query_row("SELECT count(*) FROM entry", [], |r| r.get::<_, i64>(0)).is_err());
}

#[test]
fn an_encrypted_log_opens_with_the_passphrase_typed_and_what_is_logged_is_saved_in_it() {
    unlock_and_log(|ui| ui.typed(PASSPHRASE));
}

#[test]
fn an_encrypted_log_opens_with_the_passphrase_pasted() {
    unlock_and_log(|ui| paste(ui, &bracketed(PASSPHRASE), &"•".repeat(PASSPHRASE.chars().count())));
}

#[test]
fn an_encrypted_log_opens_with_the_passphrase_pasted_without_bracketed_paste() {
    // As the Windows console pastes: the characters typed out in one write, a line break with them.
    unlock_and_log(|ui| paste(ui, &format!("{PASSPHRASE}{ENTER}"), &"•".repeat(PASSPHRASE.chars().count())));
}

#[test]
fn esc_at_the_passphrase_leaves_and_changes_nothing() {
    let p = encrypted_practice();
    let before = p.bytes();
    let mut ui = start(&p);
    ui.wait_for("This log is encrypted");
    ui.typed("Quartz");
    ui.send("\x1b");
    ui.wait_exit();
    assert_eq!(p.bytes(), before);
}

#[test]
fn first_run_chooses_a_passphrase_and_the_database_is_made_encrypted_with_it() {
    let p = Practice::empty();
    let mut ui = start(&p);
    ui.wait_for("Choose the practice's passphrase");
    ui.wait_for("If the passphrase is lost, nobody can read the log");
    ui.typed(PASSPHRASE);
    ui.send(TAB);
    ui.typed("Quartz lantern 43");
    ui.send(ENTER);
    ui.wait_for("The two were not the same");
    assert!(!p.db.exists(), "a database was made before the passphrase was chosen");
    ui.typed(PASSPHRASE);
    ui.send(ENTER);
    ui.typed(PASSPHRASE);
    ui.send(ENTER);
    ui.wait_for("Set up cutover on this computer");
    ui.typed("Riverside Surgery");
    ui.send(TAB);
    ui.send(TAB);
    ui.send(TAB);
    ui.typed("Jo Smith");
    ui.send(TAB);
    ui.typed("js");
    ui.send(CTRL_S);
    ui.wait_for("New entry: press a key");
    ui.wait_for("Encrypted: the log cannot be read without the practice's passphrase.");
    ui.send("q");
    ui.wait_exit();
    assert!(!shown_anywhere(&ui), "the passphrase reached the screen");

    assert_ne!(&p.bytes()[..16], b"SQLite format 3\0", "the database is not encrypted");
    let practice: String = keyed_sqlite(&p, PASSPHRASE)
        .query_row("SELECT value FROM setting WHERE key = 'practice_name'", [], |r| r.get(0))
        .expect("opens with the passphrase chosen");
    assert_eq!(practice, "Riverside Surgery");
    let read = |conn: rusqlite::Connection| conn.query_row("SELECT count(*) FROM setting", [], |r| r.get::<_, i64>(0));
    assert!(read(p.sqlite()).is_err(), "opens without a passphrase");
    assert!(read(keyed_sqlite(&p, "Quartz lantern 43")).is_err(), "opens with another passphrase");
}

/// Every file under `dir`, however deep.
fn files_under(dir: &std::path::Path) -> Vec<std::path::PathBuf> {
    let Ok(entries) = std::fs::read_dir(dir) else { return Vec::new() };
    entries
        .flat_map(|e| {
            let path = e.unwrap().path();
            if path.is_dir() { files_under(&path) } else { vec![path] }
        })
        .collect()
}

/// At least one database file among `files`, and every one encrypted: no plain SQLite header, and
/// no patient's name in its bytes.
fn assert_all_sealed(files: &[std::path::PathBuf]) {
    let databases: Vec<_> = files.iter().filter(|f| std::fs::metadata(f).unwrap().len() >= 512).collect();
    assert!(!databases.is_empty(), "no database file among {files:?}");
    for file in databases {
        let bytes = std::fs::read(file).unwrap();
        assert_ne!(&bytes[..16], b"SQLite format 3\0", "{} is not encrypted", file.display());
        assert!(!bytes.windows(5).any(|w| w == b"Jones" || w == b"JONES"), "{} shows a name", file.display());
    }
}

#[test]
fn an_encrypted_log_is_shared_from_the_screens_encrypted() {
    // The sharing round runs on a thread with its own connection: it too must have the passphrase.
    let folder = tempfile::tempdir().unwrap();
    let p = encrypted_practice_sharing(Some(folder.path()));
    let mut ui = start(&p);
    ui.wait_for("This log is encrypted");
    ui.typed(PASSPHRASE);
    ui.send(ENTER);
    sign_in(&mut ui);
    ui.wait_for("Shared at ");
    assert!(!ui.text().contains("Not shared"), "{}", ui.text());
    ui.send("q");
    ui.wait_exit();
    assert_all_sealed(&files_under(folder.path()));
}
