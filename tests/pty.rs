//! End to end: the real binary in a real pseudo-terminal, keystrokes in, screen text out.

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

/// `start`, with more of the program's environment set (`CUTOVER_NOW`, say).
fn start_with(p: &Practice, env: &[(&str, &str)]) -> Session {
    let mut cmd = CommandBuilder::new(assert_cmd::cargo::cargo_bin!("cutover"));
    for (k, v) in env {
        cmd.env(k, v);
    }
    cmd.env("CUTOVER_DB", &p.db);
    cmd.env("TERM", "xterm-256color");
    cmd.env("NO_COLOR", "1");
    cmd.env("HOME", p.dir.path());
    cmd.env_remove("CUTOVER_USER");
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
    let a_minute_on = (chrono::Utc::now() + chrono::Duration::minutes(1)).to_rfc3339();
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
