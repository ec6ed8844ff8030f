//! `export` and `merge` on the real binary: idempotent, keyed by UUID, every revision kept,
//! conflicts and possible duplicates reported, and bad files refused with this database unchanged.

mod common;

use std::path::{Path, PathBuf};

use common::{Practice, dump, rows, stderr_of, stdout_of};
use predicates::str::contains;

fn count(p: &Practice, sql: &str) -> i64 {
    p.sqlite().query_row(sql, [], |r| r.get(0)).unwrap()
}

/// A second workstation of the same practice: its own new database, the same staff ids.
fn workstation(prefix: &str) -> Practice {
    let p = Practice::empty();
    p.run(&["init", "--practice", "Riverside Surgery", "--fdp", "20/11/2026 17:00", "--prefix", prefix]).success();
    p.run(&["staff", "add", "JS", "--name", "Jo Smith", "--role", "manager"]).success();
    p.run_as("JS", &["staff", "add", "AB", "--name", "Dr Aled Bevan", "--role", "clinician"]).success();
    p
}

fn export(p: &Practice, name: &str) -> PathBuf {
    let out = p.dir.path().join(name);
    p.run_as("JS", &["export", "--out", out.to_str().unwrap()]).success();
    out
}

fn merge(p: &Practice, files: &[&Path]) -> assert_cmd::assert::Assert {
    let mut args = vec!["merge"];
    args.extend(files.iter().map(|f| f.to_str().unwrap()));
    p.run_as("JS", &args).success()
}

/// An entry and its revisions as merged must be as logged, column for column: the patient is
/// compared by who they are (the receiving database may know them by another id).
fn revisions_of(p: &Practice, entry_id: &str) -> Vec<String> {
    let c = p.sqlite();
    let who = "p.nhs_number AS patient_nhs, p.family_name AS patient_family, p.given_name AS patient_given,
               p.date_of_birth AS patient_dob";
    let entry =
        format!("SELECT e.*, {who} FROM entry e LEFT JOIN patient p ON p.id = e.patient_id WHERE e.id = '{entry_id}'");
    let revisions = format!(
        "SELECT r.*, {who} FROM revision r LEFT JOIN patient p ON p.id = r.patient_id
         WHERE r.entry_id = '{entry_id}' ORDER BY r.id"
    );
    rows(&c, &entry)
        .into_iter()
        .chain(rows(&c, &revisions))
        .map(|r| r.split(' ').filter(|cell| !cell.starts_with("patient_id=")).collect::<Vec<_>>().join(" "))
        .collect()
}

#[test]
fn two_workstations_merge_once_and_merging_again_changes_nothing() {
    let front = workstation("R1");
    let room = workstation("C1");
    let id = front.log(&["note", "--patient", "9992345675", "--summary", "from the front desk"]);
    room.log(&["note", "--patient", "9992345675", "--summary", "from the consulting room"]);
    room.log(&["note", "--family", "Jones", "--given", "Ann", "--dob", "01/01/1950", "--summary", "local"]);
    front.log(&["note", "--family", "JONES", "--given", "ann", "--dob", "01/01/1950", "--summary", "local too"]);

    // One entry with everything a revision can hold, amended once.
    let full = front.log(&[
        "consultation",
        "--patient",
        "9994691341",
        "--at",
        "21/11/2026 09:15",
        "--summary",
        "Chest pain, ECG normal",
        "--set",
        "clinician=Dr Bevan",
        "--set",
        "notes=Seen with chaperone.\nReview in 2 weeks.",
        "--set",
        "codes=22298006",
        "--flag",
        "urgent",
        "--flag",
        "new_diagnosis",
    ]);
    front.run_as("JS", &["amend", &full, "--set", "notes=Seen with chaperone.", "--reason", "Typing slip"]).success();
    let file = export(&front, "front.cutover");
    merge(&room, &[&file]).stderr(contains("3 new entries"));
    let logged = revisions_of(&front, &full);
    assert_eq!(logged.len(), 3, "the entry and its two revisions");
    for wanted in ["Chest pain, ECG normal", "Dr Bevan", "chaperone", "22298006", "urgent", "new_diagnosis"] {
        assert!(logged[1..].iter().all(|r| r.contains(wanted)), "{wanted} not in both revisions: {logged:?}");
    }
    assert_eq!(revisions_of(&room, &full), logged, "a merged revision is the revision as logged, every column");
    assert_eq!(count(&room, "SELECT count(*) FROM entry"), 5);
    // The same NHS number is one patient; the local records are pointed out, never joined.
    assert_eq!(count(&room, "SELECT count(*) FROM patient WHERE nhs_number = '9992345675'"), 1);
    assert_eq!(count(&room, "SELECT count(*) FROM patient WHERE nhs_number IS NULL"), 2);
    let report = merge(&room, &[&file]);
    assert!(stderr_of(&report).contains("nothing new"));
    assert!(stdout_of(&report).contains("Possible duplicate patients"));
    assert!(stdout_of(&report).contains("JONES, Ann (01/01/1950) no NHS number  |  JONES, ann (01/01/1950)"));

    // Merging again, and merging the front desk's database file itself, changes nothing at all.
    let before = dump(&room);
    merge(&room, &[&file, &front.db]);
    assert_eq!(before, dump(&room));

    // Entries are known by their UUID; their audit says which file it came from.
    let entry_id: String = room
        .sqlite()
        .query_row("SELECT id FROM entry WHERE summary = 'from the front desk'", [], |r| r.get(0))
        .unwrap();
    assert_eq!(entry_id, id);
    assert_eq!(
        count(&room, &format!("SELECT count(*) FROM audit WHERE subject = '{id}' AND merged_from = 'front.cutover'")),
        1
    );
    assert_eq!(count(&room, "SELECT count(*) FROM audit WHERE action = 'merge'"), 1);
    room.run(&["check"]).success();
}

/// Each entry's queue facts, as copied from its current revision: a merge writes them itself.
fn facts(p: &Practice) -> Vec<String> {
    let c = p.sqlite();
    let mut s = c
        .prepare(
            "SELECT id || ' ' || ifnull(fact_urgency, '-') || ' ' || ifnull(fact_abnormal, '-') || ' '
                    || fact_action_given || ' ' || fact_clinical_content FROM entry ORDER BY id",
        )
        .unwrap();
    s.query_map([], |r| r.get::<_, String>(0)).unwrap().map(Result::unwrap).collect()
}

#[test]
fn merged_entries_keep_the_facts_of_their_newest_revision() {
    let front = workstation("R1");
    let room = workstation("C1");
    let referral = front.log(common::ROUTINE_REFERRAL);
    front.log(&[
        "pathology",
        "--patient",
        "9992345675",
        "--summary",
        "FBC",
        "--set",
        "test=FBC",
        "--set",
        "abnormal=yes",
    ]);
    merge(&room, &[&export(&front, "first.cutover")]);
    assert_eq!(facts(&room), facts(&front));

    // Amended on the front desk after the first merge: the entry already here moves to the new facts.
    front.run_as("JS", &["amend", &referral, "--set", "urgency=2ww", "--reason", "Suspected melanoma"]).success();
    merge(&room, &[&export(&front, "second.cutover")]);
    assert_eq!(facts(&room), facts(&front));
    assert!(facts(&room).iter().any(|f| f.starts_with(&format!("{referral} two_week_wait"))), "{:?}", facts(&room));
    room.run(&["check"]).success();

    // Facts written behind the program's back, not from the revision: `check` says so.
    room.sqlite().execute("UPDATE entry SET fact_urgency = 'routine' WHERE id = ?1", [&referral]).unwrap();
    let found = room.run(&["check"]).code(1);
    assert!(stdout_of(&found).contains("queue facts"), "{}", stdout_of(&found));
}

#[test]
fn amendments_made_apart_are_all_kept_and_reported_as_a_conflict() {
    let front = workstation("R1");
    let room = workstation("C1");
    let id = front.log(&["note", "--patient", "9992345675", "--summary", "first"]);
    merge(&room, &[&export(&front, "one.cutover")]);
    front.run_as("JS", &["amend", &id, "--set", "summary=amended at the front desk"]).success();
    room.run_as("JS", &["amend", &id, "--set", "summary=amended in the consulting room"]).success();
    let out = merge(&room, &[&export(&front, "two.cutover")]);
    assert!(stdout_of(&out).contains("R1-0001  2 versions made from one earlier version"), "{}", stdout_of(&out));
    assert_eq!(count(&room, &format!("SELECT count(*) FROM revision WHERE entry_id = '{id}'")), 3);
    // The headline shows the newest revision of the three.
    let newest: String = room
        .sqlite()
        .query_row(
            &format!("SELECT id FROM revision WHERE entry_id = '{id}' ORDER BY recorded_at DESC, id DESC LIMIT 1"),
            [],
            |r| r.get(0),
        )
        .unwrap();
    assert_eq!(
        count(&room, &format!("SELECT count(*) FROM entry WHERE id = '{id}' AND current_revision_id = '{newest}'")),
        1
    );
    // And the other way round, the front desk ends with the same history.
    merge(&front, &[&export(&room, "room.cutover")]);
    assert_eq!(count(&front, &format!("SELECT count(*) FROM revision WHERE entry_id = '{id}'")), 3);
    let front_headline: String = front
        .sqlite()
        .query_row(&format!("SELECT current_revision_id FROM entry WHERE id = '{id}'"), [], |r| r.get(0))
        .unwrap();
    assert_eq!(front_headline, newest);
    room.run(&["check"]).success();
    front.run(&["check"]).success();
}

/// Runs merge on a bad file: refused with `code` and `message`, the database file unchanged.
fn refused(p: &Practice, file: &Path, code: i32, message: &str) {
    let before = p.bytes();
    let out = p.run_as("JS", &["merge", file.to_str().unwrap()]).code(code);
    let err = stderr_of(&out);
    assert!(err.contains(message), "{message:?} in {err}");
    assert!(!err.contains("panicked") && !err.contains("SqliteFailure"), "{err}");
    assert_eq!(before, p.bytes(), "the database changed");
}

#[test]
fn wrong_damaged_newer_and_own_files_are_refused_and_nothing_changes() {
    let front = workstation("R1");
    front.log(&["note", "--patient", "9992345675", "--summary", "x"]);
    let room = workstation("C1");
    room.log(&["note", "--patient", "9992345675", "--summary", "y"]);
    let dir = room.dir.path();

    refused(&room, &room.db, 2, "is this database itself");
    refused(&room, &dir.join("nowhere.cutover"), 1, "There is no file");

    let text = dir.join("notes.txt");
    std::fs::write(&text, "not a database at all, just some text that is long enough to look like something").unwrap();
    refused(&room, &text, 1, "not a cutover export or database");

    let other = dir.join("other.sqlite");
    rusqlite::Connection::open(&other).unwrap().execute_batch("CREATE TABLE t (x); INSERT INTO t VALUES (1);").unwrap();
    refused(&room, &other, 2, "not a cutover export or database");

    let newer = export(&front, "newer.cutover");
    rusqlite::Connection::open(&newer).unwrap().pragma_update(None, "user_version", 999).unwrap();
    refused(&room, &newer, 1, "newer version of cutover");

    let damaged = export(&front, "damaged.cutover");
    let mut bytes = std::fs::read(&damaged).unwrap();
    let half = bytes.len() / 2;
    for b in &mut bytes[4096..half] {
        *b = 0x5A;
    }
    std::fs::write(&damaged, &bytes).unwrap();
    refused(&room, &damaged, 1, "Nothing was changed");

    // Damaged near its end, where the merge may already be reading when the damage check finds it.
    let damaged_late = export(&front, "damaged-late.cutover");
    let mut bytes = std::fs::read(&damaged_late).unwrap();
    let end = bytes.len();
    for b in &mut bytes[end - 3 * 4096..end - 4096] {
        *b = 0x5A;
    }
    std::fs::write(&damaged_late, &bytes).unwrap();
    refused(&room, &damaged_late, 1, "damaged-late.cutover is damaged");

    // Edited after export so that its revisions belong to no entry: found by the check every file
    // passes before it is merged (it refers to what it does not hold, and differs from its digest).
    let edited = export(&front, "edited.cutover");
    let c = rusqlite::Connection::open(&edited).unwrap();
    c.execute_batch("PRAGMA foreign_keys = OFF; DROP TRIGGER entry_is_never_deleted; DELETE FROM entry;").unwrap();
    drop(c);
    refused(&room, &edited, 1, "edited.cutover is damaged");
    // Edited so that its entries' patients are nowhere.
    let no_patients = export(&front, "no-patients.cutover");
    let c = rusqlite::Connection::open(&no_patients).unwrap();
    c.execute_batch("PRAGMA foreign_keys = OFF; DELETE FROM patient;").unwrap();
    drop(c);
    refused(&room, &no_patients, 1, "no-patients.cutover is damaged");
    // Given before a whole file: refused too, and the file is named.
    let good = export(&front, "whole.cutover");
    let before = room.bytes();
    let out = room.run_as("JS", &["merge", edited.to_str().unwrap(), good.to_str().unwrap()]).code(1);
    assert!(stderr_of(&out).contains("edited.cutover is damaged"), "{}", stderr_of(&out));
    assert_eq!(before, room.bytes());

    // One bad file among good ones: nothing is merged, not even the good ones.
    let good = export(&front, "good.cutover");
    let before = room.bytes();
    room.run_as("JS", &["merge", good.to_str().unwrap(), text.to_str().unwrap()]).code(1);
    assert_eq!(before, room.bytes());
}

#[test]
fn a_copy_of_one_database_used_on_two_pcs_is_refused_not_half_merged() {
    let original = workstation("R1");
    let copy = Practice::empty();
    std::fs::copy(&original.db, &copy.db).unwrap();
    original.log(&["note", "--patient", "9992345675", "--summary", "on the original"]);
    copy.log(&["note", "--patient", "9992345675", "--summary", "on the copy"]);
    let file = export(&copy, "copy.cutover");
    refused(&original, &file, 1, "were copied from one database file");
}

#[test]
fn merging_while_another_process_writes_loses_nothing() {
    let front = workstation("R1");
    for i in 0..30 {
        front.log(&["note", "--patient", "9992345675", "--summary", &format!("front {i}")]);
    }
    let file = export(&front, "front.cutover");
    let room = workstation("C1");
    let db = room.db.clone();
    let home = room.dir.path().to_path_buf();
    let writer = std::thread::spawn(move || {
        for i in 0..15 {
            let mut cmd = assert_cmd::Command::new(assert_cmd::cargo::cargo_bin!("cutover"));
            cmd.env("CUTOVER_DB", &db)
                .env("CUTOVER_NOW", common::clock())
                .env("CUTOVER_USER", "AB")
                .env("HOME", &home)
                .env("XDG_DATA_HOME", home.join("xdg"));
            cmd.args(["log", "note", "--patient", "9434765919", "--summary", &format!("room {i}")]).assert().success();
        }
    });
    for _ in 0..3 {
        merge(&room, &[&file]);
    }
    writer.join().unwrap();
    assert_eq!(count(&room, "SELECT count(*) FROM entry WHERE summary LIKE 'front %'"), 30);
    assert_eq!(count(&room, "SELECT count(*) FROM entry WHERE summary LIKE 'room %'"), 15);
    room.run(&["check"]).success();
}

#[test]
fn an_export_describes_itself_and_is_never_written_over_an_existing_file() {
    let front = workstation("R1");
    front.log(&["note", "--patient", "9992345675", "--summary", "x"]);
    let file = export(&front, "front.cutover");
    let c = rusqlite::Connection::open(&file).unwrap();
    let format: String = c.query_row("SELECT value FROM export_info WHERE key = 'format'", [], |r| r.get(0)).unwrap();
    assert!(format.starts_with("cutover export"));
    let mode: String = c.query_row("PRAGMA journal_mode", [], |r| r.get(0)).unwrap();
    assert_eq!(mode, "delete");
    front.run_as("JS", &["export", "--out", file.to_str().unwrap()]).code(2).stderr(contains("never overwrites"));
}

/// Each entry's re-entry copy, by entry id: what the queue reads.
fn reentry_copies(p: &Practice) -> Vec<String> {
    let c = p.sqlite();
    let mut s = c
        .prepare(
            "SELECT id || ' ' || reentry_status || ' ' || ifnull(reentry_assignee, '-') || ' '
                    || ifnull(reentry_claimed_until, '-') || ' ' || ifnull(reentry_changed_at, '-') || ' '
                    || ifnull(reentry_ref, '-') || ' ' || ifnull(reentry_nhs_number, '-') || ' ' || nhs_waived
             FROM entry ORDER BY id",
        )
        .unwrap();
    s.query_map([], |r| r.get::<_, String>(0)).unwrap().map(Result::unwrap).collect()
}

fn reentry_copy(p: &Practice, id: &str) -> String {
    reentry_copies(p).into_iter().find(|c| c.starts_with(id)).expect("the entry is there")
}

#[test]
fn reentry_changes_made_apart_come_across_once_and_the_state_is_their_replay() {
    let front = workstation("R1");
    let room = workstation("C1");
    for p in [&front, &room] {
        p.run_as("JS", &["staff", "add", "KL", "--name", "Kim Lee", "--role", "admin"]).success();
    }
    let keyed_twice = front.log(&["note", "--patient", "9992345675", "--summary", "keyed on both"]);
    let keyed_here = front.log(&["note", "--patient", "9992345675", "--summary", "keyed at the front desk"]);
    let reopened = front.log(&["note", "--patient", "9992345675", "--summary", "reopened in the room"]);
    let claimed = room.log(&["note", "--patient", "9434765919", "--summary", "claimed in the room"]);
    merge(&room, &[&export(&front, "before.cutover")]);

    // The front desk works its queue, not knowing what the consulting room does.
    front.run_as("KL", &["claim", &keyed_twice]).success();
    front.run_as("KL", &["done", &keyed_twice, "--ref", "S1-100"]).success();
    front.run_as("KL", &["done", &keyed_here, "--ref", "S1-101"]).success();
    front.run_as("KL", &["done", &reopened, "--ref", "S1-102"]).success();
    let front_alone = reentry_copy(&front, &keyed_here);
    // Then the room: one item set aside that the front desk had keyed; one reopened and done again.
    room.run_as("JS", &["skip", &keyed_twice, "--reason", "Already on the new system"]).success();
    room.run_as("KL", &["claim", &claimed]).success();
    let room_alone = reentry_copy(&room, &claimed);

    let file = export(&front, "front.cutover");
    let out = merge(&room, &[&file]);
    assert!(stderr_of(&out).contains("4 re-entry changes"), "{}", stderr_of(&out));
    assert!(!stderr_of(&out).contains("reentry_event"), "no longer left behind: {}", stderr_of(&out));
    let said = stdout_of(&out);
    assert!(said.contains("Queue items finished on one workstation and changed on another"), "{said}");
    assert!(said.contains("R1-0001  marked done by KL on workstation R1 at"), "{said}");
    assert!(said.contains("then set aside as not required by JS on workstation C1 at"), "{said}");
    assert!(said.contains("it is now set aside as not required"), "{said}");
    assert!(!said.contains("R1-0002") && !said.contains("R1-0003"), "one clash only: {said}");

    // Both changes to the item keyed twice are kept; the later (the room's) counts.
    assert_eq!(count(&room, &format!("SELECT count(*) FROM reentry_event WHERE entry_id = '{keyed_twice}'")), 3);
    assert!(reentry_copy(&room, &keyed_twice).contains(" not_required JS "), "{}", reentry_copy(&room, &keyed_twice));
    // An item changed on one workstation only ends exactly as it stood there.
    assert_eq!(reentry_copy(&room, &keyed_here), front_alone);
    assert!(front_alone.contains(" done KL ") && front_alone.contains(" S1-101 "), "{front_alone}");
    assert_eq!(reentry_copy(&room, &claimed), room_alone);
    // The audit says which file each change came from.
    assert_eq!(
        count(&room, "SELECT count(*) FROM audit WHERE action LIKE 'reentry_%' AND merged_from = 'front.cutover'"),
        4
    );
    let detail: String = room
        .sqlite()
        .query_row("SELECT detail FROM audit WHERE action = 'merge' ORDER BY seq DESC LIMIT 1", [], |r| r.get(0))
        .unwrap();
    let detail: serde_json::Value = serde_json::from_str(&detail).unwrap();
    assert_eq!(detail["reentry_events"], 4);
    assert_eq!(detail["reentry_clashes"], serde_json::json!(["R1-0001"]));

    // Merging again adds nothing and reports nothing.
    let before = (dump(&room), reentry_copies(&room), count(&room, "SELECT count(*) FROM reentry_event"));
    let again = merge(&room, &[&file]);
    assert!(stderr_of(&again).contains("nothing new"), "{}", stderr_of(&again));
    assert!(!stdout_of(&again).contains("Queue items finished"), "{}", stdout_of(&again));
    assert_eq!(before, (dump(&room), reentry_copies(&room), count(&room, "SELECT count(*) FROM reentry_event")));

    // The room reopens and keys an item again; merged back, the front desk reaches the same state
    // for every item: both copies are a replay of the same events.
    room.run_as("JS", &["reopen", &reopened, "--note", "wrong template"]).success();
    room.run_as("KL", &["done", &reopened, "--ref", "S1-200"]).success();
    let back = merge(&front, &[&export(&room, "room.cutover")]);
    assert!(stdout_of(&back).contains("R1-0001  marked done by KL"), "{}", stdout_of(&back));
    assert!(!stdout_of(&back).contains("R1-0003"), "reopened first, so no clash: {}", stdout_of(&back));
    assert_eq!(reentry_copies(&front), reentry_copies(&room));
    assert!(
        reentry_copy(&front, &reopened).contains(" done KL ") && reentry_copy(&front, &reopened).contains(" S1-200 ")
    );
    front.run(&["check"]).success();
    room.run(&["check"]).success();
}

#[test]
fn all_files_of_one_merge_go_in_together_or_not_at_all() {
    let original = workstation("R1");
    let copy = Practice::empty();
    std::fs::copy(&original.db, &copy.db).unwrap();
    original.log(&["note", "--patient", "9992345675", "--summary", "on the original"]);
    copy.log(&["note", "--patient", "9992345675", "--summary", "on the copy"]);
    let room = workstation("C1");
    room.log(&["note", "--patient", "9992345675", "--summary", "in the room"]);
    let good = export(&room, "room.cutover");
    let bad = export(&copy, "copy.cutover");
    // The room's file passes every check and is merged first; the copy's is refused part-way
    // through the same transaction, so the room's entries do not stay either.
    let before = original.bytes();
    let out = original.run_as("JS", &["merge", good.to_str().unwrap(), bad.to_str().unwrap()]).code(1);
    assert!(stderr_of(&out).contains("copy.cutover and this database were copied from one database file"));
    assert!(!stderr_of(&out).contains("Merged room.cutover"), "{}", stderr_of(&out));
    assert_eq!(before, original.bytes());
    assert_eq!(count(&original, "SELECT count(*) FROM entry WHERE summary = 'in the room'"), 0);
    // Without the bad file the same command merges, with a line for each file.
    let out = merge(&original, &[&good]);
    assert!(stderr_of(&out).contains("Merged room.cutover: 1 new entries"), "{}", stderr_of(&out));
    assert_eq!(count(&original, "SELECT count(*) FROM entry WHERE summary = 'in the room'"), 1);
}

#[test]
fn one_merge_takes_as_many_files_as_sqlite_can_open_at_once_and_says_so_beyond() {
    let front = workstation("R1");
    front.log(&["note", "--patient", "9992345675", "--summary", "x"]);
    let room = workstation("C1");
    let file = export(&front, "front.cutover");
    let before = room.bytes();
    let eleven = [file.to_str().unwrap(); 11];
    let out = room.run_as("JS", &[&["merge"], &eleven[..]].concat()).code(2);
    assert!(stderr_of(&out).contains("11 files were given, but one merge takes at most 10"), "{}", stderr_of(&out));
    assert_eq!(before, room.bytes());
    let out = room.run_as("JS", &[&["merge"], &eleven[..10]].concat()).success();
    assert_eq!(stderr_of(&out).matches("nothing new").count(), 9, "{}", stderr_of(&out));
    assert_eq!(count(&room, "SELECT count(*) FROM entry"), 1);
    assert_eq!(count(&room, "SELECT count(*) FROM merge_file"), 1);
}

#[test]
fn merged_items_take_their_place_in_this_databases_queue() {
    let front = workstation("R1");
    let room = workstation("C1");
    // Each PC was told a different go-live: this database's (the front desk's) is the one that counts.
    front.run_as("JS", &["init", "--go-live", "23/11/2026 08:00"]).success();
    room.run_as("JS", &["init", "--go-live", "30/11/2026 08:00"]).success();
    front.log(&["telephone", "--patient", "9992345675", "--at", "21/11/2026 10:00", "--summary", "Asked for a call"]);
    room.log(&[
        "prescription",
        "--patient",
        "9994691341",
        "--at",
        "21/11/2026 11:00",
        "--summary",
        "Amoxicillin issued",
        "--set",
        "drug=Amoxicillin 500mg capsules",
        "--set",
        "rx_status=issued",
    ]);
    let file = export(&room, "room.cutover");
    merge(&front, &[&file]);

    // Every item is placed, against this database's go-live, and as the policy places it (`check`).
    assert_eq!(count(&front, "SELECT count(*) FROM entry WHERE queue_tier IS NULL"), 0);
    assert_eq!(
        count(&front, "SELECT count(*) FROM entry WHERE queue_due = '2026-11-23T10:00:00.000Z'"),
        1,
        "the prescription is due two hours after this database's go-live"
    );
    front.run(&["check"]).success();
    let queue = stdout_of(&front.run(&["queue", "--format", "csv"]).success());
    let kinds: Vec<&str> = queue.lines().skip(1).map(|l| l.split(',').nth(5).unwrap_or_default()).collect();
    assert_eq!(kinds, ["prescription", "telephone"]);
}

#[test]
fn the_same_interaction_logged_on_two_workstations_is_listed_by_both_references() {
    let front = workstation("R1");
    let room = workstation("C1");
    let rx = [
        "prescription",
        "--patient",
        "9994691341",
        "--at",
        "21/11/2026 11:00",
        "--summary",
        "Amoxicillin issued",
        "--set",
        "drug=Amoxicillin 500mg capsules",
    ];
    front.log(&rx);
    // The same paper form keyed on both PCs; and a different entry at the same time, not a duplicate.
    room.log(&["note", "--patient", "9992345675", "--summary", "unrelated"]);
    room.log(&rx);
    room.log(&["note", "--patient", "9994691341", "--at", "21/11/2026 11:00", "--summary", "Phoned pharmacy"]);
    let file = export(&room, "room.cutover");
    let out = merge(&front, &[&file]);
    let listing = stdout_of(&out);
    assert!(listing.contains("Possible duplicate entries"), "{listing}");
    assert!(listing.contains("  C1-0002 and R1-0001  Prescription, 21/11/2026 11:00"), "{listing}");
    let pairs = listing.lines().filter(|l| l.starts_with("  C1-") || l.starts_with("  R1-")).count();
    assert_eq!(pairs, 1, "{listing}");
    // Both are kept: the listing is for a person to decide.
    assert_eq!(count(&front, "SELECT count(*) FROM entry WHERE kind = 'prescription'"), 2);
}

#[test]
fn a_join_made_on_one_workstation_holds_after_merging() {
    let front = workstation("R1");
    let manager = workstation("M1");
    front.log(&[
        "note",
        "--summary",
        "traced",
        "--patient",
        "9434765919",
        "--family",
        "Jones",
        "--given",
        "Siân",
        "--dob",
        "03/04/1950",
    ]);
    front.log(&[
        "note",
        "--summary",
        "local",
        "--family",
        "Jones",
        "--given",
        "Sian",
        "--dob",
        "03/04/1950",
        "--confirm",
    ]);
    merge(&manager, &[&export(&front, "before.cutover")]);
    let pairs = |p: &Practice| -> usize {
        let out = p.run(&["patients", "duplicates", "--format", "json"]).success().get_output().stdout.clone();
        serde_json::from_slice::<serde_json::Value>(&out).unwrap().as_array().unwrap().len()
    };
    assert_eq!(pairs(&manager), 1);

    let id = |sql: &str| -> String { front.sqlite().query_row(sql, [], |r| r.get(0)).unwrap() };
    let traced = id("SELECT id FROM patient WHERE nhs_number IS NOT NULL");
    let local = id("SELECT id FROM patient WHERE nhs_number IS NULL");
    front.run_as("JS", &["patients", "join", &traced, &local, "--reason", "same person"]).success();
    merge(&manager, &[&export(&front, "after.cutover")]);
    assert_eq!(pairs(&manager), 0, "the joined record is not a duplicate here either");
    assert_eq!(
        count(
            &manager,
            "SELECT count(*) FROM entry WHERE patient_id = (SELECT id FROM patient WHERE nhs_number IS NULL)"
        ),
        0
    );
    assert_eq!(count(&manager, "SELECT count(*) FROM patient WHERE joined_into IS NOT NULL"), 1);
}

/// An export of a workstation with a few entries, and a second workstation to merge it into.
fn an_export_and_a_workstation() -> (Practice, PathBuf, Practice) {
    let front = workstation("R1");
    front.log(&["note", "--patient", "9992345675", "--summary", "Call back about results"]);
    front.log(&[
        "prescription",
        "--patient",
        "9434765919",
        "--summary",
        "Amoxicillin",
        "--set",
        "drug=Amoxicillin 500mg capsules",
    ]);
    let file = export(&front, "front.cutover");
    let room = workstation("C1");
    room.log(&["note", "--patient", "9992345675", "--summary", "in the room"]);
    (front, file, room)
}

/// What a merge brought, without what each run of merge makes anew (its own record and audit row)
/// and this PC's own notes (where the file is, which the copy made for each run notes afresh).
fn merged_content(p: &Practice) -> Vec<String> {
    dump(p)
        .into_iter()
        .filter(|row| !row.starts_with("merge_file:") && !row.starts_with("sqlite_sequence:"))
        .filter(|row| !row.starts_with("local_setting:"))
        .filter(|row| !(row.starts_with("audit:") && row.contains("action=Text(\"merge\")")))
        .collect()
}

/// Merges `file` into a fresh copy of `room`'s database: `Ok` with what it then holds, or `Err`
/// with the refusal, after checking that a refusal left the copy as it was.
fn merge_into_copy(room: &Practice, file: &Path) -> Result<Vec<String>, String> {
    let copy = Practice::empty();
    std::fs::copy(&room.db, &copy.db).unwrap();
    // A database opened away from where it was set up notes it (it may be a copy of another PC's):
    // once, on its first opening by a command that writes, before anything is compared.
    copy.run(&["init"]).success();
    let before = copy.bytes();
    let out = copy.run_as("JS", &["merge", file.to_str().unwrap()]);
    let output = out.get_output();
    let err = String::from_utf8_lossy(&output.stderr).into_owned();
    assert!(!err.contains("panicked") && !err.contains("SqliteFailure"), "{err}");
    if output.status.success() {
        return Ok(merged_content(&copy));
    }
    assert_eq!(output.status.code(), Some(1), "{err}");
    assert_eq!(before, copy.bytes(), "a refused merge changed the database: {err}");
    Err(err)
}

#[test]
fn an_export_cut_short_by_even_one_byte_is_refused_and_nothing_changes() {
    let (_front, file, room) = an_export_and_a_workstation();
    let whole = std::fs::read(&file).unwrap();
    let entries = count(&room, "SELECT count(*) FROM entry");
    for cut in [1, 10, 100, 4096, whole.len() / 2] {
        let short = room.dir.path().join(format!("cut-{cut}.cutover"));
        std::fs::write(&short, &whole[..whole.len() - cut]).unwrap();
        refused(&room, &short, 1, &format!("cut-{cut}.cutover is damaged"));
        let out = room.run_as("JS", &["merge", file.to_str().unwrap(), short.to_str().unwrap()]).code(1);
        let err = stderr_of(&out);
        for expected in [
            "Nothing was changed",
            "or of any other file given with it",
            "Make the export again on the workstation it came from",
        ] {
            assert!(err.contains(expected), "{expected:?} in {err}");
        }
        assert_eq!(count(&room, "SELECT count(*) FROM entry"), entries, "the whole file given with it was not merged");
    }
    // The file as it was made merges.
    merge(&room, &[&file]);
    assert_eq!(count(&room, "SELECT count(*) FROM entry"), entries + 2);
}

#[test]
fn a_byte_changed_in_any_page_is_refused_or_changes_nothing_merged() {
    let (_front, file, room) = an_export_and_a_workstation();
    let good = merge_into_copy(&room, &file).expect("the export as made merges");
    let whole = std::fs::read(&file).unwrap();
    let page = usize::from(u16::from_be_bytes([whole[16], whole[17]]));
    let (mut refused_count, mut missed_by_sqlite) = (0, 0);
    // The middle of each page, and near its end, where SQLite keeps the rows of a page not yet full.
    let places = (0..whole.len()).step_by(page).flat_map(|start| [start + page / 2, start + page - 64]);
    for at in places {
        let mut bytes = whole.clone();
        bytes[at] ^= 0xFF;
        // Under the export's own name, which merged audit rows keep.
        let changed = room.dir.path().join("changed").join("front.cutover");
        std::fs::create_dir_all(changed.parent().unwrap()).unwrap();
        std::fs::write(&changed, &bytes).unwrap();
        let sqlite_says_ok = rusqlite::Connection::open(&changed)
            .and_then(|c| c.query_row("PRAGMA integrity_check", [], |r| r.get::<_, String>(0)))
            .is_ok_and(|s| s == "ok");
        match merge_into_copy(&room, &changed) {
            // Accepted only when the byte lay where nothing is kept (the unused part of a page).
            Ok(merged) => {
                let differs: Vec<_> = merged.iter().filter(|r| !good.contains(r)).collect();
                assert!(differs.is_empty(), "byte {at}: a changed byte was merged: {differs:?}");
            }
            Err(err) => {
                assert!(err.contains("front.cutover"), "{err}");
                refused_count += 1;
                missed_by_sqlite += usize::from(sqlite_says_ok);
            }
        }
    }
    // Bytes inside rows that SQLite's own check cannot see were changed, and refused.
    assert!(
        missed_by_sqlite > 0 && refused_count > missed_by_sqlite,
        "{refused_count} refused, {missed_by_sqlite} of them passed SQLite's check"
    );
}

#[test]
fn a_letter_changed_in_an_entry_is_refused() {
    let (_front, file, room) = an_export_and_a_workstation();
    let whole = std::fs::read(&file).unwrap();
    let text = b"Call back about results";
    let places: Vec<usize> = whole.windows(text.len()).enumerate().filter(|(_, w)| w == text).map(|(i, _)| i).collect();
    assert!(places.len() >= 2, "the summary is in the entry and in its revision");
    for at in places {
        let mut bytes = whole.clone();
        bytes[at] = b'F'; // "Fall back about results"
        let changed = room.dir.path().join(format!("changed-{at}.cutover"));
        std::fs::write(&changed, &bytes).unwrap();
        let err = merge_into_copy(&room, &changed).expect_err("a changed summary is refused");
        // Caught by the export's digest, or by SQLite itself where the summary is also in an
        // index (schema 11's `entry_words`) that no longer matches its table.
        let caught = err.contains("changed after it was made") || err.contains("missing from index");
        assert!(err.contains("is damaged") && caught, "{err}");
    }
}
