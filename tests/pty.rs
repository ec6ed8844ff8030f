//! End to end: the real binary in a real pseudo-terminal, keystrokes in, screen text out.

mod common;

use std::io::{Read, Write};
use std::sync::mpsc::{self, Receiver};
use std::time::{Duration, Instant};

use common::Practice;
use portable_pty::{Child, CommandBuilder, MasterPty, PtySize, native_pty_system};

fn nz(n: u16) -> std::num::NonZeroU16 {
    std::num::NonZeroU16::new(n).expect("a size")
}

const ROWS: u16 = 30;
const COLS: u16 = 100;

/// The UI running in a pseudo-terminal, with what it has drawn so far.
struct Session {
    child: Box<dyn Child + Send + Sync>,
    writer: Box<dyn Write + Send>,
    output: Receiver<Vec<u8>>,
    screen: vt100::Parser,
    _master: Box<dyn MasterPty + Send>,
}

impl Session {
    fn start(p: &Practice) -> Session {
        let pair = native_pty_system()
            .openpty(PtySize { rows: ROWS, cols: COLS, pixel_width: 0, pixel_height: 0 })
            .expect("open a pseudo-terminal");
        let mut cmd = CommandBuilder::new(assert_cmd::cargo::cargo_bin!("cutover"));
        cmd.env("CUTOVER_DB", &p.db);
        cmd.env("TERM", "xterm-256color");
        cmd.env("NO_COLOR", "1");
        cmd.env("HOME", p.dir.path());
        cmd.env_remove("CUTOVER_USER");
        let child = pair.slave.spawn_command(cmd).expect("start cutover");
        drop(pair.slave);
        let mut reader = pair.master.try_clone_reader().expect("reader");
        let writer = pair.master.take_writer().expect("writer");
        let (tx, output) = mpsc::channel();
        std::thread::spawn(move || {
            let mut buf = [0u8; 8192];
            while let Ok(n) = reader.read(&mut buf) {
                if n == 0 || tx.send(buf[..n].to_vec()).is_err() {
                    break;
                }
            }
        });
        Session { child, writer, output, screen: vt100::Parser::new(nz(ROWS), nz(COLS), 0), _master: pair.master }
    }

    fn text(&self) -> String {
        self.screen.screen().contents()
    }

    /// Waits until the screen shows `wanted`, or fails the test with what it does show.
    fn wait_for(&mut self, wanted: &str) {
        let deadline = Instant::now() + Duration::from_secs(20);
        while !self.text().contains(wanted) {
            let left = deadline.saturating_duration_since(Instant::now());
            assert!(!left.is_zero(), "timed out waiting for {wanted:?}; the screen shows:\n{}", self.text());
            if let Ok(bytes) = self.output.recv_timeout(left.min(Duration::from_millis(100))) {
                self.screen.process(&bytes);
            }
        }
    }

    fn send(&mut self, bytes: &str) {
        self.writer.write_all(bytes.as_bytes()).expect("type into the terminal");
        self.writer.flush().expect("flush");
        // Let the UI read each key on its own, as a person types.
        std::thread::sleep(Duration::from_millis(30));
    }

    fn typed(&mut self, text: &str) {
        for c in text.chars() {
            self.send(&c.to_string());
        }
    }

    fn wait_exit(&mut self) {
        let deadline = Instant::now() + Duration::from_secs(20);
        while self.child.try_wait().expect("child status").is_none() {
            assert!(Instant::now() < deadline, "cutover did not exit; the screen shows:\n{}", self.text());
            while let Ok(bytes) = self.output.try_recv() {
                self.screen.process(&bytes);
            }
            std::thread::sleep(Duration::from_millis(50));
        }
        // What it wrote last (putting the terminal back) may still be on its way.
        while let Ok(bytes) = self.output.recv_timeout(Duration::from_millis(300)) {
            self.screen.process(&bytes);
        }
    }

    fn signal(&mut self, signal: i32) {
        let pid = self.child.process_id().expect("a process id") as i32;
        assert!(pid > 1);
        // SAFETY: kill(2) on this one child's own (positive) process id.
        assert_eq!(unsafe { libc::kill(pid, signal) }, 0);
    }
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
    let mut ui = Session::start(&p);
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
    let mut ui = Session::start(&p);
    sign_in(&mut ui);
    ui.send("n");
    ui.wait_for("New note");
    ui.send(TAB);
    ui.typed("Half typed when the power went");
    ui.send(TAB); // leaving the field saves the draft
    ui.wait_for("▶ When it happened");
    ui.signal(libc::SIGKILL);
    ui.wait_exit();

    let mut again = Session::start(&p);
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
    let mut ui = Session::start(&p);
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
    let mut ui = Session::start(&p);
    sign_in(&mut ui);
    ui._master.resize(PtySize { rows: 20, cols: 60, pixel_width: 0, pixel_height: 0 }).unwrap();
    ui.screen.screen_mut().set_size(nz(20), nz(60));
    ui.wait_for("This window is too small for cutover.");
    ui._master.resize(PtySize { rows: ROWS, cols: COLS, pixel_width: 0, pixel_height: 0 }).unwrap();
    ui.screen.screen_mut().set_size(nz(ROWS), nz(COLS));
    ui.wait_for("New entry: press a key");
    ui.send("q");
    ui.wait_exit();
}

#[test]
fn two_windows_on_one_database_both_save() {
    let p = practice_with_patients();
    let mut first = Session::start(&p);
    let mut second = Session::start(&p);
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
    let mut ui = Session::start(&p);
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
