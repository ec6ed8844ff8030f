//! The re-entry queue screen end to end (issue 12): the real binary in real pseudo-terminals,
//! keys in, screen text out, and afterwards what the database holds.

mod common;

#[path = "support/pty_session.rs"]
mod pty_session;

use common::Practice;
use portable_pty::CommandBuilder;
use pty_session::PtySession as Session;

const ROWS: u16 = 30;
const COLS: u16 = 100;
const ENTER: &str = "\r";

/// A practice a week after go-live, with KL (admin) besides JS and AB.
fn practice() -> Practice {
    let p = Practice::new();
    p.run_as("JS", &["init", "--go-live", "23/11/2026 08:00"]).success();
    p.run_as("JS", &["staff", "add", "KL", "--name", "Kim Lee", "--role", "admin"]).success();
    p
}

/// The UI on this practice's database, on the test clock, without colour.
fn start(p: &Practice) -> Session {
    let mut cmd = CommandBuilder::new(assert_cmd::cargo::cargo_bin!("cutover"));
    cmd.env("CUTOVER_NOW", common::clock());
    cmd.env("CUTOVER_DB", &p.db);
    cmd.env("TERM", "xterm-256color");
    cmd.env("NO_COLOR", "1");
    cmd.env("HOME", p.dir.path());
    cmd.env_remove("CUTOVER_USER");
    Session::start(cmd, ROWS, COLS)
}

/// Signed in as whoever `typed` finds, on the queue screen.
fn at_the_queue(p: &Practice, typed: &str) -> Session {
    let mut ui = start(p);
    ui.wait_for("Who is working?");
    ui.typed(typed);
    ui.send(ENTER);
    ui.wait_for("New entry: press a key");
    ui.send("g");
    ui.wait_for("Re-entry queue");
    ui
}

/// An item's stored status and who holds it.
fn state(p: &Practice, reference: &str) -> (String, Option<String>) {
    p.sqlite()
        .query_row("SELECT reentry_status, reentry_assignee FROM entry WHERE ref = ?1", [reference], |r| {
            Ok((r.get(0)?, r.get(1)?))
        })
        .expect("the item")
}

/// Issue 12, item 5: two admins on one database. Kim's claim shows on Jo's screen within seconds
/// without a key pressed; Jo's `d` on it is refused before anything is typed; once Kim releases
/// it, Jo's screen shows it free again and Jo's question is sent whole.
#[test]
fn two_admins_see_each_others_claims_and_are_refused_before_typing() {
    let p = practice();
    p.log(&[
        "prescription",
        "--patient",
        "9994691341",
        "--at",
        "22/11/2026 10:00",
        "--summary",
        "Amoxicillin issued",
        "--set",
        "drug=Amoxicillin 500mg capsules",
    ]);
    let mut jo = at_the_queue(&p, "jo");
    let mut kim = at_the_queue(&p, "kl");
    jo.wait_for("Amoxicillin issued");
    kim.send("c");
    kim.wait_for("R2-0001 is yours until");
    // No key pressed at Jo's desk: the screen reads the queue again by itself.
    jo.wait_for("claimed KL");
    assert_eq!(state(&p, "R2-0001"), ("claimed".into(), Some("KL".into())));

    jo.send("d");
    jo.wait_for("R2-0001 is claimed by KL until");
    assert!(!jo.text().contains("Its reference in the new system"), "asked for a reference:\n{}", jo.text());

    kim.send("u");
    kim.wait_for("R2-0001 released");
    jo.wait_for("1 overdue");
    jo.wait_for(" open ");
    jo.send("x");
    jo.wait_for("The question for a clinician:");
    jo.typed("Which strength?");
    jo.send(ENTER);
    jo.wait_for("For which clinician?");
    jo.send(ENTER);
    jo.wait_for("R2-0001 is waiting for a clinician.");
    for ui in [&mut jo, &mut kim] {
        ui.send("\x1b");
        ui.wait_for("New entry: press a key");
        ui.send("q");
        ui.wait_exit();
    }
    assert_eq!(state(&p, "R2-0001"), ("query".into(), None));
    let asked: String = p
        .sqlite()
        .query_row("SELECT note FROM reentry_event WHERE action = 'query'", [], |r| r.get(0))
        .expect("the question");
    assert_eq!(asked, "Which strength?");
}
