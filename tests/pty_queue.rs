//! The re-entry queue screen end to end (issue 12): the real binary in real pseudo-terminals,
//! keys in, screen text out, and afterwards what the database holds. Unix only: it needs a Unix
//! pseudo-terminal (the Windows console's keys and close are tested in the platform module and
//! the Windows scenario).
#![cfg(unix)]

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

/// Types `text` into the queue's search (clearing what it held), and waits for it to be read.
fn search(ui: &mut Session, text: &str) {
    ui.send("/");
    ui.wait_for("Search:");
    for _ in 0..12 {
        ui.send("\x7f");
    }
    ui.typed(text);
    ui.send(ENTER);
    ui.wait_for(&format!("\"{text}\""));
}

/// Marks the item found by `reference` done with the new system's `new_ref` (after a yes).
fn done(ui: &mut Session, reference: &str, new_ref: &str) {
    search(ui, reference);
    ui.send("d");
    ui.wait_for("Its reference in the new system:");
    ui.typed(new_ref);
    ui.send(ENTER);
    ui.wait_for(&format!("Mark {reference} done"));
    ui.send("y");
    ui.wait_for(&format!("{reference} done: it is in the new system."));
}

fn leave(ui: &mut Session) {
    ui.send("\x1b");
    ui.send("\x1b");
    ui.wait_for("New entry: press a key");
    ui.send("q");
    ui.wait_exit();
}

/// Each item's re-entry events, in order, as "action by note/ref".
fn history(p: &Practice, reference: &str) -> Vec<String> {
    let db = p.sqlite();
    let mut stmt = db
        .prepare(
            "SELECT v.action, v.staff_id, coalesce(v.note, ''), coalesce(v.new_system_ref, '')
             FROM reentry_event v JOIN entry e ON e.id = v.entry_id WHERE e.ref = ?1 ORDER BY v.rowid",
        )
        .unwrap();
    let rows = stmt
        .query_map([reference], |r| {
            let (action, by, note, new_ref): (String, String, String, String) =
                (r.get(0)?, r.get(1)?, r.get(2)?, r.get(3)?);
            Ok(format!("{action} {by} {note}{new_ref}").trim().to_string())
        })
        .unwrap();
    rows.map(Result::unwrap).collect()
}

/// Issue 12: a small queue worked to the end in the screens alone, by an admin and a clinician:
/// claims, done with references, a registration finished with the NHS number the new system traced
/// (which unblocks the prescription waiting for it), an item set aside and reopened, and a query
/// asked, answered and then keyed. Then what the database holds.
#[test]
fn a_small_queue_is_worked_to_the_end_in_the_screens_alone() {
    let p = practice();
    let new_patient = ["--family", "Pryce", "--given", "Megan", "--dob", "12/09/1988"];
    p.log(&[&["registration", "--at", "22/11/2026 09:00", "--summary", "New patient"][..], &new_patient].concat());
    p.log(
        &[
            &["prescription", "--at", "22/11/2026 09:30", "--summary", "Inhaler issued"][..],
            &["--set", "drug=Salbutamol 100mcg inhaler"],
            &new_patient,
        ]
        .concat(),
    );
    p.log(&[
        "prescription",
        "--patient",
        "9434765919",
        "--at",
        "22/11/2026 10:00",
        "--summary",
        "Amoxicillin issued",
        "--set",
        "drug=Amoxicillin 500mg capsules",
    ]);
    p.log(&[
        "telephone",
        "--patient",
        "9992345675",
        "--at",
        "22/11/2026 10:30",
        "--summary",
        "Asked about a sick note",
    ]);
    p.log(&["note", "--patient", "9994691341", "--at", "22/11/2026 11:00", "--summary", "Letter about a rash"]);

    let mut jo = at_the_queue(&p, "jo");
    jo.wait_for("still to do, 1–5 of 5");
    // The registration first: claimed, then done with the number the new system traced.
    search(&mut jo, "R2-0001");
    jo.send("c");
    jo.wait_for("R2-0001 is yours until");
    jo.send("d");
    jo.wait_for("Its reference in the new system:");
    jo.typed("EMIS-1001");
    jo.send(ENTER);
    jo.wait_for("The NHS number the new system traced");
    jo.typed("999 703 7014");
    jo.send(ENTER);
    jo.wait_for("Mark R2-0001 done");
    jo.send("y");
    jo.wait_for("R2-0001 done: it is in the new system.");
    // What waited for it is unblocked, with the number.
    search(&mut jo, "R2-0002");
    jo.wait_for("999 703 7014");
    assert!(!jo.text().contains("blocked"), "still blocked:\n{}", jo.text());
    jo.send("c");
    jo.wait_for("R2-0002 is yours until");
    done(&mut jo, "R2-0002", "EMIS-1002");
    done(&mut jo, "R2-0003", "EMIS-1003");
    // Set aside, then reopened from the list of items set aside, then done.
    search(&mut jo, "R2-0004");
    jo.send("n");
    jo.wait_for("Why it need not be keyed:");
    jo.typed("Sick note already on the new system");
    jo.send(ENTER);
    jo.wait_for("Set R2-0004 aside as not required");
    jo.send("y");
    jo.wait_for("R2-0004 set aside as not required.");
    for _ in 0..5 {
        jo.send("s");
    }
    jo.wait_for("Re-entry queue: set aside as not required, 1–1 of 1");
    jo.send("r");
    jo.wait_for("R2-0004 is open again.");
    jo.send("s");
    jo.wait_for("Re-entry queue: still to do, 1–1 of 1");
    done(&mut jo, "R2-0004", "EMIS-1004");
    // A query for any clinician.
    search(&mut jo, "R2-0005");
    jo.send("x");
    jo.wait_for("The question for a clinician:");
    jo.typed("Was the rash seen by the GP?");
    jo.send(ENTER);
    jo.wait_for("For which clinician?");
    jo.send(ENTER);
    jo.wait_for("R2-0005 is waiting for a clinician.");
    leave(&mut jo);

    let mut bevan = at_the_queue(&p, "ab");
    bevan.wait_for("Re-entry queue: queries for you, 1–1 of 1");
    bevan.wait_for("Was the rash seen by the GP?");
    bevan.send("a");
    bevan.wait_for("Your answer");
    bevan.typed("Yes, on 21/11: eczema, emollient advised");
    bevan.send(ENTER);
    bevan.wait_for("R2-0005 answered: it is back in the queue for the admin staff.");
    leave(&mut bevan);

    let mut jo = at_the_queue(&p, "jo");
    jo.wait_for("still to do, 1–1 of 1");
    jo.wait_for("Answer from AB");
    done(&mut jo, "R2-0005", "EMIS-1005");
    jo.send("\x1b");
    jo.wait_for("Nothing left to key in for this view.");
    jo.wait_for("still to do, 0 of 0");
    leave(&mut jo);

    let db = p.sqlite();
    let mut stmt = db.prepare("SELECT ref, reentry_status, reentry_ref FROM entry ORDER BY ref").unwrap();
    let states: Vec<(String, String, String)> =
        stmt.query_map([], |r| Ok((r.get(0)?, r.get(1)?, r.get(2)?))).unwrap().map(Result::unwrap).collect();
    let expected: Vec<(String, String, String)> =
        (1..=5).map(|n| (format!("R2-000{n}"), "done".to_string(), format!("EMIS-100{n}"))).collect();
    assert_eq!(states, expected);
    let traced: String =
        db.query_row("SELECT reentry_nhs_number FROM entry WHERE ref = 'R2-0001'", [], |r| r.get(0)).unwrap();
    assert_eq!(traced, "9997037014");
    assert_eq!(history(&p, "R2-0001"), ["claim JS", "done JS EMIS-1001"]);
    assert_eq!(history(&p, "R2-0002"), ["claim JS", "done JS EMIS-1002"]);
    assert_eq!(history(&p, "R2-0003"), ["done JS EMIS-1003"]);
    assert_eq!(
        history(&p, "R2-0004"),
        ["not_required JS Sick note already on the new system", "reopen JS", "done JS EMIS-1004"]
    );
    assert_eq!(
        history(&p, "R2-0005"),
        [
            "query JS Was the rash seen by the GP?",
            "answer AB Yes, on 21/11: eczema, emollient advised",
            "done JS EMIS-1005"
        ]
    );
    let json = |args: &[&str]| -> serde_json::Value {
        serde_json::from_slice(
            &p.run(&[&["queue", "--format", "json"][..], args].concat()).success().get_output().stdout,
        )
        .unwrap()
    };
    assert_eq!(json(&[]).as_array().map(Vec::len), Some(0), "nothing left in the open queue");
    let all = json(&["--status", "all"]);
    let inhaler = all.as_array().unwrap().iter().find(|i| i["summary"] == "Inhaler issued").expect("the prescription");
    assert_eq!(inhaler["nhs_number"], "9997037014", "it carries the number traced at registration");
}
