//! Logging, amending, voiding, listing and showing entries with the real binary on a real file.

mod common;

use common::{Practice, stderr_of, stdout_of};
use predicates::str::contains;
use serde_json::Value;

fn only_entry(p: &Practice) -> Value {
    let list = p.list_json();
    assert_eq!(list.as_array().map(Vec::len), Some(1), "{list}");
    list[0].clone()
}

#[test]
fn a_logged_consultation_is_listed_with_every_field() {
    let p = Practice::new();
    let id = p.log(&[
        "consultation",
        "--patient",
        "943 476 5919",
        "--at",
        "21/11/2026 10:15",
        "--summary",
        "Chest pain, ECG normal",
        "--set",
        "clinician=Dr Bevan",
        "--set",
        "mode=face to face",
        "--set",
        "codes=22298006 |Myocardial infarction|",
        "--flag",
        "urgent",
    ]);
    assert_eq!(id.len(), 36, "log prints the new entry's id: {id}");
    let entry = only_entry(&p);
    assert_eq!(entry["id"], id.as_str());
    assert_eq!(entry["ref"], "R2-0001");
    assert_eq!(entry["kind"], "consultation");
    assert_eq!(entry["occurred_at"], "2026-11-21T10:15:00+00:00");
    assert_eq!(entry["recorded_by"], "JS");
    assert_eq!(entry["patient"]["nhs_number"], "9434765919");
    assert_eq!(entry["fields"]["clinician"], "Dr Bevan");
    assert_eq!(entry["fields"]["mode"], "face_to_face");
    assert_eq!(entry["codes"][0]["id"], "22298006");
    assert_eq!(entry["flags"], serde_json::json!(["urgent"]));
    assert_eq!(entry["voided"], false);
}

#[test]
fn saving_says_the_reference_to_write_on_paper() {
    let p = Practice::new();
    p.run_as("JS", &["log", "telephone", "--patient", "9992345675", "--summary", "Asked for results"])
        .success()
        .stderr(contains("Saved R2-0001"));
    p.run_as("JS", &["log", "telephone", "--patient", "9992345675", "--summary", "Called back"])
        .success()
        .stderr(contains("Saved R2-0002"));
}

#[test]
fn writing_needs_a_known_member_of_staff() {
    let p = Practice::new();
    let args = ["log", "note", "--patient", "9992345675", "--summary", "x"];
    let nobody = p.run(&args).code(2);
    assert!(stderr_of(&nobody).contains("--as"), "{}", stderr_of(&nobody));
    p.run_as("ZZ", &args).code(2).stderr(contains("no member of staff with the id \"ZZ\"")).stderr(contains("AB, JS"));
    p.cmd().args(["--as", "ab"]).args(args).assert().success();
}

#[test]
fn an_entry_about_someone_without_an_nhs_number_links_to_one_local_patient() {
    let p = Practice::new();
    let who = ["--family", "Llŷr", "--given", "Siân", "--dob", "03/04/1950"];
    p.run_as("JS", &[&["log", "note", "--summary", "first"], &who[..]].concat())
        .success()
        .stderr(contains("no NHS number yet"));
    p.run_as("JS", &[&["log", "note", "--summary", "second", "--family", "LLŶR"], &who[2..]].concat()).success();
    let list = p.list_json();
    let patients: Vec<&Value> = list.as_array().unwrap().iter().map(|e| &e["patient"]).collect();
    assert_eq!(patients[0], patients[1]);
    assert_eq!(patients[0]["nhs_number"], Value::Null);
    assert_eq!(patients[0]["date_of_birth"], "1950-04-03");
}

#[test]
fn a_registration_takes_the_new_patients_details() {
    let p = Practice::new();
    p.log(&[
        "registration",
        "--family",
        "Kowalski",
        "--given",
        "Łukasz",
        "--dob",
        "1988-07-14",
        "--summary",
        "New patient, temporary resident",
        "--set",
        "registration_type=temporary",
        "--set",
        "postcode=ls1 4ap",
    ]);
    let entry = only_entry(&p);
    assert_eq!(entry["fields"]["family_name"], "Kowalski");
    assert_eq!(entry["fields"]["date_of_birth"], "1988-07-14");
    assert_eq!(entry["fields"]["postcode"], "LS1 4AP");
    assert_eq!(entry["patient"]["given_name"], "Łukasz");
}

#[test]
fn a_registrations_own_fields_decide_who_the_patient_is() {
    let p = Practice::new();
    p.log(&[
        "registration",
        "--family",
        "Nowak",
        "--given",
        "Ewa",
        "--dob",
        "01/02/1990",
        "--set",
        "family_name=Novak",
        "--summary",
        "New patient",
    ]);
    let entry = only_entry(&p);
    assert_eq!(entry["fields"]["family_name"], "Novak");
    assert_eq!(entry["patient"]["family_name"], "Novak");
}

#[test]
fn names_given_later_complete_a_patient_known_only_by_number() {
    let p = Practice::new();
    p.log(&["telephone", "--patient", "9994691341", "--summary", "first call"]);
    p.log(&[
        "telephone",
        "--patient",
        "9994691341",
        "--family",
        "Evans",
        "--given",
        "Rhys",
        "--dob",
        "05/06/1970",
        "--summary",
        "second call",
    ]);
    let list = p.list_json();
    for entry in list.as_array().unwrap() {
        assert_eq!(entry["patient"]["family_name"], "Evans");
    }
    let table = stdout_of(&p.run(&["list"]).success());
    assert!(table.contains("999 469 1341") && table.contains("EVANS, Rhys (05/06/1970)"), "{table}");
}

#[test]
fn the_repeated_autumn_hour_is_told_apart_in_the_table() {
    let p = Practice::new();
    for at in ["25/10/2026 01:30", "25/10/2026 01:30 GMT"] {
        p.log(&["note", "--patient", "9992345675", "--summary", "x", "--at", at, "--confirm"]);
    }
    let table = stdout_of(&p.run(&["list"]).success());
    assert!(table.contains("25/10/2026 01:30 BST") && table.contains("25/10/2026 01:30 GMT"), "{table}");
}

#[test]
fn stock_counts_need_no_patient_but_dispensing_does() {
    let p = Practice::new();
    p.log(&[
        "dispensary_stock",
        "--summary",
        "Count",
        "--set",
        "item=Paracetamol 500mg tablets",
        "--set",
        "quantity=320",
    ]);
    p.run_as(
        "JS",
        &[
            "log",
            "dispensary_stock",
            "--summary",
            "Given",
            "--set",
            "item=Paracetamol",
            "--set",
            "quantity=32",
            "--set",
            "movement=dispensed",
        ],
    )
    .code(2)
    .stderr(contains("patient: is required"));
}

#[test]
fn amending_keeps_the_earlier_version_and_says_what_changed() {
    let p = Practice::new();
    let id = p.log(&[
        "prescription",
        "--patient",
        "9994691341",
        "--summary",
        "Amoxicillin",
        "--set",
        "drug=Amoxicillin 500mg capsules",
        "--set",
        "dose=1 three times a day",
    ]);
    p.run_as(
        "AB",
        &[
            "amend",
            "R2-0001",
            "--set",
            "quantity=21",
            "--set",
            "dose=",
            "--flag",
            "medication_change",
            "--reason",
            "Quantity missed",
        ],
    )
    .success()
    .stderr(contains("earlier version is kept"));
    let entry = only_entry(&p);
    assert_eq!(entry["revisions"], 2);
    assert_eq!(entry["fields"]["quantity"], 21);
    assert_eq!(entry["fields"].get("dose"), None);
    assert_eq!(entry["flags"], serde_json::json!(["medication_change"]));

    let shown: Value =
        serde_json::from_slice(&p.run(&["show", &id, "--format", "json"]).success().get_output().stdout).unwrap();
    let history = shown["history"].as_array().unwrap();
    assert_eq!(history.len(), 2);
    assert_eq!(history[0]["action"], "logged");
    assert_eq!(history[0]["fields"]["dose"], "1 three times a day");
    assert_eq!(history[1]["action"], "amended");
    assert_eq!(history[1]["recorded_by"], "AB");
    assert_eq!(history[1]["reason"], "Quantity missed");
    assert_eq!(history[1]["changed"], serde_json::json!(["dose", "quantity", "flags"]));
}

#[test]
fn an_amendment_that_changes_nothing_writes_nothing() {
    let p = Practice::new();
    p.log(&["note", "--patient", "9992345675", "--summary", "Same"]);
    let before = p.bytes();
    p.run_as("JS", &["amend", "R2-0001", "--set", "summary=Same"]).success().stderr(contains("Nothing changed"));
    assert_eq!(only_entry(&p)["revisions"], 1);
    assert_eq!(before, p.bytes());
}

#[test]
fn a_voided_entry_stays_in_the_history_and_cannot_be_amended() {
    let p = Practice::new();
    let id = p.log(&["note", "--patient", "9992345675", "--summary", "Wrong patient"]);
    p.run_as("JS", &["void", &id, "--reason", "Logged against the wrong patient"]).success();
    let entry = only_entry(&p);
    assert_eq!(entry["voided"], true);
    assert_eq!(entry["revisions"], 2);
    p.run_as("JS", &["amend", &id, "--set", "summary=x"]).code(2).stderr(contains("was voided"));
    p.run_as("JS", &["void", &id, "--reason", "again"]).code(2);
    let table = p.run(&["show", "R2-0001"]).success();
    assert!(stdout_of(&table).contains("VOIDED (logged in error): Logged against the wrong patient"));
}

#[test]
fn entries_are_found_by_reference_or_id_prefix() {
    let p = Practice::new();
    let id = p.log(&["note", "--patient", "9992345675", "--summary", "Findable"]);
    p.run(&["show", "r2-0001"]).success().stdout(contains("Findable"));
    p.run(&["show", &id[..8]]).success().stdout(contains("Findable"));
    p.run(&["show", "R2-9999"]).code(2).stderr(contains("No entry matches \"R2-9999\""));
}

#[test]
fn list_filters_by_kind_patient_and_time_and_limits_only_when_asked() {
    let p = Practice::new();
    for (kind, nhs, at) in [
        ("telephone", "9992345675", "21/11/2026 09:00"),
        ("note", "9992345675", "21/11/2026 10:00"),
        ("telephone", "9994691341", "21/11/2026 11:00"),
    ] {
        p.log(&[kind, "--patient", nhs, "--at", at, "--summary", "x"]);
    }
    let count = |args: &[&str]| -> usize {
        let out = p.run(&[&["list", "--format", "json"], args].concat()).success().get_output().stdout.clone();
        serde_json::from_slice::<Value>(&out).unwrap().as_array().unwrap().len()
    };
    assert_eq!(count(&[]), 3);
    assert_eq!(count(&["--kind", "telephone"]), 2);
    assert_eq!(count(&["--patient", "999 234 5675"]), 2);
    assert_eq!(count(&["--since", "21/11/2026 10:00"]), 2);
    assert_eq!(count(&["--limit", "1"]), 1);
    let csv = stdout_of(&p.run(&["list", "--format", "csv"]).success());
    assert_eq!(csv.lines().count(), 4);
    assert!(csv.starts_with("id,ref,kind,occurred_at,"));
}

#[test]
fn text_is_stored_faithfully_and_never_reaches_the_terminal_raw() {
    let p = Practice::new();
    let summary = "Siân Llŷr — Zoë 😀 مرحبا \u{1b}[31mred\u{1b}[0m";
    p.log(&["note", "--patient", "9992345675", "--summary", summary]);
    assert_eq!(only_entry(&p)["summary"], summary);
    let table = p.run(&["list"]).success();
    let out = stdout_of(&table);
    assert!(!out.contains('\u{1b}'), "raw escape in table output");
    assert!(out.contains("\\u{1b}[31mred"));
    assert!(out.contains("Siân Llŷr"));
    let shown = stdout_of(&p.run(&["show", "R2-0001"]).success());
    assert!(!shown.contains('\u{1b}'));
}

/// A Windows command line holds at most 32,767 characters, so there the notes are as long as one
/// can carry; everywhere else, over a hundred kilobytes.
#[test]
fn a_hundred_kilobytes_of_notes_are_kept_whole() {
    let p = Practice::new();
    let lines = if cfg!(windows) { 700 } else { 2400 };
    let notes: String = "Line of history with accents: café, naïve.\n".repeat(lines);
    assert!(notes.len() > if cfg!(windows) { 30_000 } else { 100_000 });
    p.log(&[
        "consultation",
        "--patient",
        "9992345675",
        "--summary",
        "Long",
        "--set",
        "clinician=AB",
        "--set",
        &format!("notes={notes}"),
    ]);
    assert_eq!(only_entry(&p)["notes"], notes.as_str());
}

#[test]
fn a_summarisation_is_saved_with_a_warning() {
    let p = Practice::new();
    p.run_as("JS", &["log", "summarisation", "--patient", "9992345675", "--summary", "Summarised notes"])
        .success()
        .stderr(contains("pause summarisation"));
}

#[test]
fn times_in_the_future_or_before_fdp_need_confirming() {
    let p = Practice::new();
    let before_fdp = ["log", "note", "--patient", "9992345675", "--summary", "x", "--at", "19/11/2026 09:00"];
    let refused = p.run_as("JS", &before_fdp).code(2);
    assert!(stderr_of(&refused).contains("before the final data production (20/11/2026 17:00)"));
    assert!(p.list_json().as_array().unwrap().is_empty());
    p.run_as("JS", &[&before_fdp[..], &["--confirm"]].concat()).success();

    let future = ["log", "note", "--patient", "9992345675", "--summary", "x", "--at", "01/01/2099 09:00"];
    p.run_as("JS", &future).code(2).stderr(contains("is in the future"));
}

#[test]
fn a_time_skipped_when_the_clocks_go_forward_is_refused_in_words() {
    let p = Practice::new();
    p.run_as(
        "JS",
        &["log", "note", "--patient", "9992345675", "--summary", "x", "--at", "29/03/2026 01:30", "--confirm"],
    )
    .code(2)
    .stderr(contains("did not happen in the UK"));
}

#[test]
fn info_and_the_bare_command_describe_the_database() {
    let p = Practice::new();
    p.log(&["note", "--patient", "9992345675", "--summary", "x"]);
    let info = stdout_of(&p.run(&["info"]).success());
    assert!(info.contains("Practice:        Riverside Surgery"), "{info}");
    assert!(info.contains("Schema version:"));
    assert!(info.contains("Entries:"));
    let welcome = stdout_of(&p.run(&[]).success());
    assert!(welcome.contains("Next steps"));
}

#[test]
fn after_go_live_info_gives_the_cutovers_length_not_time_since_fdp() {
    let p = Practice::new(); // FDP 20/11/2026 17:00
    p.run(&["init", "--go-live", "23/11/2026 08:00"]).success();
    let info_at = |now: &str| stdout_of(&p.cmd().env("CUTOVER_NOW", now).arg("info").assert().success());
    let during = info_at("2026-11-21T05:00:00Z");
    assert!(during.contains("Since FDP:       12.0 hours (target: under 72 hours)"), "{during}");
    let after = info_at("2026-11-30T15:00:00Z");
    assert!(after.contains("FDP to go-live:  63.0 hours (target: under 72 hours)"), "{after}");
    assert!(!after.contains("Since FDP"), "{after}");
    let before_fdp = info_at("2026-11-20T12:00:00Z");
    assert!(!before_fdp.contains("Since FDP") && !before_fdp.contains("FDP to go-live:"), "{before_fdp}");
}

#[test]
fn init_changes_settings_never_data() {
    let p = Practice::new();
    p.log(&["note", "--patient", "9992345675", "--summary", "kept"]);
    p.run(&["init", "--go-live", "23/11/2026 08:00", "--new-system", "SystmOne"]).success();
    assert_eq!(p.list_json().as_array().unwrap().len(), 1);
    let info = stdout_of(&p.run(&["info"]).success());
    assert!(info.contains("Go-live:         23/11/2026 08:00"));
    assert!(info.contains("New system:      SystmOne"));
    p.run(&["init", "--go-live", "19/11/2026 08:00"]).code(2).stderr(contains("go-live must come after"));
}

#[test]
fn a_fresh_init_needs_a_practice_name() {
    let p = Practice::empty();
    p.run(&["init"]).code(2).stderr(contains("--practice"));
}

#[test]
fn bad_usage_exits_with_two() {
    let p = Practice::new();
    p.run(&["log"]).code(2);
    p.run(&["list", "--format", "xml"]).code(2);
    p.run_as("JS", &["log", "note", "--patient", "9992345675", "--summary", "x", "--set", "notes"])
        .code(2)
        .stderr(contains("FIELD=VALUE"));
}

#[test]
fn check_reports_a_healthy_database() {
    let p = Practice::new();
    p.log(&["note", "--patient", "9992345675", "--summary", "x"]);
    p.run(&["check"]).success().stdout(contains("The database is healthy"));
}

#[test]
fn cutover_now_fixes_the_clock_for_tests() {
    let p = Practice::new();
    p.cmd()
        .env("CUTOVER_NOW", "2026-11-21T09:00:00Z")
        .env("CUTOVER_USER", "JS")
        .args(["log", "note", "--patient", "9992345675", "--summary", "Clock check"])
        .assert()
        .success();
    let entry = only_entry(&p);
    let at = entry["occurred_at"].as_str().unwrap();
    assert!(at.starts_with("2026-11-21T09:00"), "{at}");
}

/// Issue 10, item 7: one rule for every time field. A future "requested at" needs --confirm, as a
/// future "when it happened" does; an appointment's time may be ahead.
#[test]
fn every_time_that_records_the_past_is_questioned_when_in_the_future() {
    let p = Practice::new();
    let at = |args: &[&str]| {
        let mut cmd = p.cmd();
        cmd.env("CUTOVER_NOW", "2026-11-21T10:00:00Z").env("CUTOVER_USER", "JS").args(args);
        cmd.assert()
    };
    let visit = [
        "log",
        "home_visit",
        "--patient",
        "9992345675",
        "--summary",
        "Visit",
        "--set",
        "requested_at=22/11/2026 09:00",
    ];
    at(&visit).code(2).stderr(contains("\"Requested at\", 22/11/2026 09:00, is in the future"));
    let letter = [
        "log",
        "correspondence",
        "--patient",
        "9992345675",
        "--summary",
        "Letter",
        "--set",
        "source=nhs_111",
        "--set",
        "received_at=23/11/2026 09:00",
    ];
    at(&letter).code(2).stderr(contains("\"Received at\", 23/11/2026 09:00, is in the future"));
    assert_eq!(p.list_json().as_array().unwrap().len(), 0);
    at(&[&visit[..], &["--confirm"]].concat()).success();
    let booked = [
        "log",
        "appointment",
        "--patient",
        "9992345675",
        "--summary",
        "Booked",
        "--set",
        "appointment_at=30/11/2026 09:00",
    ];
    at(&booked).success();
}

/// Saturday 21/11/2026 16:00 in the UK (GMT): the clock for the tests of times as people write them.
const SATURDAY_TEA_TIME: &str = "2026-11-21T16:00:00Z";

fn log_at(p: &Practice, at: &str) -> assert_cmd::assert::Assert {
    p.cmd()
        .env("CUTOVER_NOW", SATURDAY_TEA_TIME)
        .env("CUTOVER_USER", "JS")
        .args(["log", "note", "--patient", "9992345675", "--summary", at, "--at", at, "--confirm"])
        .assert()
}

#[test]
fn times_are_taken_as_people_write_them() {
    let p = Practice::new();
    let cases = [
        ("2.30pm", "2026-11-21T14:30:00+00:00"),
        ("14.30", "2026-11-21T14:30:00+00:00"),
        ("1430", "2026-11-21T14:30:00+00:00"),
        ("9am", "2026-11-21T09:00:00+00:00"),
        ("today 9.15am", "2026-11-21T09:15:00+00:00"),
        ("yesterday 14:30", "2026-11-20T14:30:00+00:00"),
        ("20/11 17:30", "2026-11-20T17:30:00+00:00"),
        ("21-11-26 10:00", "2026-11-21T10:00:00+00:00"),
        ("21.11.2026 2pm", "2026-11-21T14:00:00+00:00"),
    ];
    for (at, _) in cases {
        log_at(&p, at).success();
    }
    let list = p.list_json();
    for (at, want) in cases {
        let entry = list.as_array().unwrap().iter().find(|e| e["summary"] == at).expect(at);
        assert_eq!(entry["occurred_at"], want, "{at}");
    }
}

#[test]
fn a_time_cutover_cannot_read_is_answered_with_examples_on_one_line() {
    let p = Practice::new();
    let err = stderr_of(&log_at(&p, "half two").code(2));
    assert!(err.contains("occurred_at: is not a time: try 14:30, 2.30pm or 29/11 9am"), "{err}");
    assert!(err.lines().all(|l| l.chars().count() <= 80), "{err}");
}

#[test]
fn a_two_digit_year_of_birth_is_in_the_past() {
    let p = Practice::new();
    p.cmd()
        .env("CUTOVER_NOW", SATURDAY_TEA_TIME)
        .env("CUTOVER_USER", "JS")
        .args(["log", "note", "--summary", "x", "--family", "Evans", "--given", "Megan", "--dob", "30.01.41"])
        .assert()
        .success();
    assert_eq!(only_entry(&p)["patient"]["date_of_birth"], "1941-01-30");
}

#[test]
fn a_placeholder_nhs_number_is_refused_as_one() {
    let p = Practice::new();
    for placeholder in ["9999999999", "000 000 0000", "0123456789"] {
        let out = p.run_as("JS", &["log", "note", "--patient", placeholder, "--summary", "x"]).code(2);
        let err = stderr_of(&out);
        assert!(err.contains("this is a placeholder, not a real NHS number"), "{placeholder}: {err}");
    }
    // The test range stays valid, right up to the placeholder at its top.
    p.log(&["note", "--patient", "999 999 9980", "--summary", "x"]);
    assert_eq!(p.sqlite().query_row("SELECT count(*) FROM patient", [], |r| r.get::<_, i64>(0)).unwrap(), 1);
}

#[test]
fn free_text_may_begin_with_a_minus_sign() {
    let p = Practice::new();
    let id = p.log(&["note", "--patient", "9992345675", "--summary", "-ve pregnancy test"]);
    p.run_as("JS", &["amend", &id, "--set", "notes=-ve, repeat in 2 weeks", "--reason", "-ve result added"]).success();
    let entry = only_entry(&p);
    assert_eq!(entry["summary"], "-ve pregnancy test");
    assert_eq!(entry["notes"], "-ve, repeat in 2 weeks");
    // Text left out before another option is refused rather than saved as the text.
    let out = p.run_as("JS", &["void", &id, "--reason", "--confirm"]).code(2);
    assert!(stderr_of(&out).contains("looks like an option"), "{}", stderr_of(&out));
}

#[test]
fn a_phone_number_that_lost_its_leading_zero_is_refused() {
    let p = Practice::new();
    let args = ["registration", "--family", "Jones", "--given", "Ann", "--dob", "01/01/1990", "--summary", "New"];
    let out = p.run_as("JS", &[&["log"][..], &args, &["--set", "phone=7700900123"]].concat()).code(2);
    assert!(stderr_of(&out).contains("a UK number starts with 0: did a spreadsheet drop it?"), "{}", stderr_of(&out));
    p.log(&[&args[..], &["--set", "phone=07700 900123"]].concat());
}

#[test]
fn a_placeholder_saved_before_they_were_refused_can_be_found_and_is_reported_by_check() {
    let p = Practice::new();
    p.log(&["note", "--patient", "9992345675", "--summary", "first person"]);
    p.log(&["note", "--patient", "9992345675", "--summary", "second person"]);
    // As an older version left it: two people's entries under 999 999 9999.
    p.sqlite().execute("UPDATE patient SET nhs_number = '9999999999' WHERE nhs_number = '9992345675'", []).unwrap();
    let table = stdout_of(&p.run(&["list", "--patient", "999 999 9999"]).success());
    assert!(
        table.contains("999 999 9999") && table.contains("first person") && table.contains("second person"),
        "{table}"
    );
    let out = p.run(&["check"]).code(1);
    let text = format!("{}{}", stdout_of(&out), stderr_of(&out));
    assert!(text.contains("is a placeholder such as 999 999 9999"), "{text}");
}

/// Issue 11: `check > report.txt` holds what check found: the findings are its output, on stdout,
/// with exit code 1; stderr is for a check that could not run.
#[test]
fn check_writes_what_it_finds_to_stdout_and_still_ends_with_one() {
    let p = Practice::new();
    p.log(&["note", "--patient", "9992345675", "--summary", "first person"]);
    p.sqlite().execute("UPDATE patient SET nhs_number = '9999999999'", []).unwrap();
    let found = p.run(&["check"]).code(1);
    let report = stdout_of(&found);
    assert!(report.starts_with("The database has problems:\n  - patients with an NHS number"), "{report}");
    assert!(report.contains("restore the latest backup"), "{report}");
    assert_eq!(stderr_of(&found), "", "nothing failed to run");
    assert!(p.diagnostic_log().contains("check found problems: 1"), "{}", p.diagnostic_log());
}

/// Patient records in the database: (family name, given name, NHS number), oldest first.
fn patient_rows(p: &Practice) -> Vec<(String, String, Option<String>)> {
    let db = p.sqlite();
    let mut stmt =
        db.prepare("SELECT family_name, given_name, nhs_number FROM patient ORDER BY created_at, rowid").unwrap();
    stmt.query_map([], |r| Ok((r.get(0)?, r.get(1)?, r.get(2)?))).unwrap().map(Result::unwrap).collect()
}

fn entry_count(p: &Practice) -> i64 {
    p.sqlite().query_row("SELECT count(*) FROM entry", [], |r| r.get(0)).unwrap()
}

const ANNE: &[&str] = &["--patient", "9992345675", "--family", "Smith", "--given", "Anne", "--dob", "01/01/1960"];

#[test]
fn an_nhs_number_that_is_someone_elses_is_refused_until_confirmed() {
    let p = Practice::new();
    p.log(&[&["note", "--summary", "first"], ANNE].concat());
    let other = [
        "note",
        "--summary",
        "x",
        "--patient",
        "9992345675",
        "--family",
        "Other",
        "--given",
        "Person",
        "--dob",
        "01/01/1990",
    ];
    let refused = p.run_as("JS", &[&["log"], &other[..]].concat()).code(2);
    let said = stderr_of(&refused);
    assert!(said.contains("NHS number 999 234 5675 belongs to SMITH, Anne (01/01/1960)"), "{said}");
    assert!(said.contains("OTHER, Person (01/01/1990)"), "{said}");
    assert!(said.contains("--confirm"), "{said}");
    assert_eq!(entry_count(&p), 1, "nothing saved");
    assert_eq!(patient_rows(&p).len(), 1);

    // Confirmed: the number decides; the record keeps its details; the difference is audited.
    let id = p.log(&[&other[..], &["--confirm"]].concat());
    let list = p.list_json();
    let entry = list.as_array().unwrap().iter().find(|e| e["id"] == id.as_str()).unwrap();
    assert_eq!(entry["patient"]["family_name"], "Smith");
    assert_eq!(patient_rows(&p), [("Smith".to_string(), "Anne".to_string(), Some("9992345675".to_string()))]);
    let detail: String = p
        .sqlite()
        .query_row("SELECT detail FROM audit WHERE action = 'patient_details_differed'", [], |r| r.get(0))
        .unwrap();
    assert!(detail.contains("family_name") && detail.contains("date_of_birth"), "{detail}");
    assert!(!detail.contains("Other"), "no patient details in the audit trail: {detail}");
}

#[test]
fn registering_someone_already_held_is_refused_until_confirmed() {
    let p = Practice::new();
    let morag = ["--family", "Reid", "--given", "Morag", "--dob", "30/01/1941"];
    p.log(&[&["note", "--summary", "called"], &morag[..]].concat());
    let again =
        ["registration", "--summary", "New patient", "--family", "REID", "--given", "morag", "--dob", "30/01/1941"];
    let refused = p.run_as("JS", &[&["log"], &again[..]].concat()).code(2);
    let said = stderr_of(&refused);
    assert!(said.contains("REID, Morag (30/01/1941) no NHS number"), "{said}");
    assert!(said.contains("already in cutover") && said.contains("--confirm"), "{said}");
    assert_eq!(entry_count(&p), 1);

    p.log(&[&again[..], &["--confirm"]].concat());
    assert_eq!(patient_rows(&p).len(), 1, "confirmed: the registration goes with her record");
    assert_eq!(entry_count(&p), 2);
}

#[test]
fn a_new_local_record_with_a_traced_patients_details_is_refused_until_confirmed() {
    let p = Practice::new();
    p.log(&[&["note", "--summary", "first"], ANNE].concat());
    let unnamed = ["note", "--summary", "x", "--family", "smith", "--given", "ANNE", "--dob", "1960-01-01"];
    let refused = p.run_as("JS", &[&["log"], &unnamed[..]].concat()).code(2);
    let said = stderr_of(&refused);
    assert!(said.contains("SMITH, Anne (01/01/1960) 999 234 5675 has the same name and date of birth"), "{said}");
    assert_eq!(patient_rows(&p).len(), 1);
    assert_eq!(entry_count(&p), 1);

    // A different person with the same details: a separate record, pointed out as a possible duplicate.
    let confirmed = p.run_as("JS", &[&["log"], &unnamed[..], &["--confirm"]].concat()).success();
    let said = stderr_of(&confirmed);
    assert!(said.contains("may be the same person as SMITH, Anne"), "{said}");
    assert!(!said.contains("give their NHS number"), "answered, so not asked again: {said}");
    assert_eq!(patient_rows(&p).len(), 2);
}

#[test]
fn a_name_differing_only_in_accents_is_the_same_record_with_a_note() {
    let p = Practice::new();
    p.log(&["note", "--summary", "first", "--family", "Jones", "--given", "Siân", "--dob", "03/04/1950"]);
    p.run_as(
        "JS",
        &["log", "note", "--summary", "second", "--family", "Jones", "--given", "Sian", "--dob", "03/04/1950"],
    )
    .success()
    .stderr(contains("\"Sian Jones\", differs from the record's, \"Siân Jones\", only in its accents"));
    assert_eq!(patient_rows(&p), [("Jones".to_string(), "Siân".to_string(), None)]);
}

/// A traced and a local record for JONES, Siân (03/04/1950), each with one entry; their ids.
fn two_records_for_one_person(p: &Practice) -> (String, String) {
    p.log(&[
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
    p.log(&["note", "--summary", "local", "--family", "Jones", "--given", "Sian", "--dob", "03/04/1950", "--confirm"]);
    let db = p.sqlite();
    let id = |sql: &str| -> String { db.query_row(sql, [], |r| r.get(0)).unwrap() };
    (id("SELECT id FROM patient WHERE nhs_number IS NOT NULL"), id("SELECT id FROM patient WHERE nhs_number IS NULL"))
}

#[test]
fn amend_refuses_details_matching_two_records_and_takes_a_record_id() {
    let p = Practice::new();
    let (traced, local) = two_records_for_one_person(&p);
    let wrong =
        p.log(&["note", "--summary", "wrong patient", "--family", "Reid", "--given", "Morag", "--dob", "30/01/1941"]);
    let refused = p
        .run_as(
            "JS",
            &["amend", &wrong, "--family", "Jones", "--given", "Siân", "--dob", "03/04/1950", "--reason", "x"],
        )
        .code(2);
    let said = stderr_of(&refused);
    assert!(said.contains("match 2 patient records"), "{said}");
    assert!(said.contains(&traced) && said.contains(&local), "both records, with their ids: {said}");
    assert!(said.contains("--patient-id"), "{said}");
    let patient_of = |id: &str| -> String {
        p.sqlite().query_row("SELECT patient_id FROM entry WHERE id = ?1", [id], |r| r.get(0)).unwrap()
    };
    assert_ne!(patient_of(&wrong), local, "nothing changed");

    p.run_as("JS", &["amend", &wrong, "--patient-id", &local, "--reason", "wrong patient"]).success();
    assert_eq!(patient_of(&wrong), local);
    p.run_as("JS", &["amend", &wrong, "--patient-id", "no-such-record", "--reason", "x"])
        .code(2)
        .stderr(contains("No patient record has the id \"no-such-record\""));

    // Logging takes the record id too; it cannot be given with other details of the patient.
    let logged = p.log(&["note", "--summary", "for the local record", "--patient-id", &local]);
    assert_eq!(patient_of(&logged), local);
    p.run_as("JS", &["log", "note", "--summary", "x", "--patient-id", &local, "--patient", "9434765919"]).code(2);
}

#[test]
fn possible_duplicates_are_listed_in_pairs_and_joined_only_when_asked() {
    let p = Practice::new();
    let (traced, local) = two_records_for_one_person(&p);
    let out = p.run(&["patients", "duplicates", "--format", "json"]).success().get_output().stdout.clone();
    let pairs: Value = serde_json::from_slice(&out).unwrap();
    assert_eq!(pairs.as_array().map(Vec::len), Some(1), "{pairs}");
    let pair = &pairs[0];
    let mut sides = [(&pair["first"], &pair["first_entries"]), (&pair["second"], &pair["second_entries"])];
    sides.sort_by_key(|(p, _)| p["nhs_number"].is_null());
    assert_eq!(sides[0].0["id"], traced.as_str());
    assert_eq!(sides[0].0["nhs_number"], "9434765919");
    assert_eq!(sides[1].0["id"], local.as_str());
    assert_eq!(sides[1].0["given_name"], "Sian");
    assert_eq!((sides[0].1, sides[1].1), (&Value::from(1), &Value::from(1)));
    let table = p.run(&["patients", "duplicates"]).success();
    let shown = stdout_of(&table);
    assert!(
        shown.contains("JONES, Siân") && shown.contains("JONES, Sian") && shown.contains("943 476 5919"),
        "{shown}"
    );
    assert!(stderr_of(&table).contains("1 possible duplicate pair"));
    let lines: Vec<&str> = shown.lines().collect();
    assert_eq!(lines.len(), 3, "a header, then the pair's two records on two lines: {shown}");
    assert!(lines[1].starts_with("1 ") && lines[2].starts_with("1 "), "{shown}");
    let csv = p.run(&["patients", "duplicates", "--format", "csv"]).success();
    let csv = stdout_of(&csv);
    assert!(
        csv.starts_with("first_id,first_name,first_date_of_birth,first_nhs_number,first_entries,second_id,"),
        "{csv}"
    );
    assert_eq!(csv.lines().count(), 2, "one row a pair: {csv}");

    // The record with the NHS number is the one kept; a reason is needed.
    p.run_as("JS", &["patients", "join", &local, &traced, "--reason", "same person"])
        .code(2)
        .stderr(contains("keep that one"));
    p.run_as("JS", &["patients", "join", &traced, &local, "--reason", " "]).code(2).stderr(contains("--reason"));
    assert_eq!(entry_count(&p), 2);
    p.run_as("JS", &["patients", "join", &traced, &local, "--reason", "Same person: confirmed by phone"])
        .success()
        .stderr(contains("Joined JONES, Sian (03/04/1950) no NHS number into JONES, Siân (03/04/1950) 943 476 5919"));

    let list = p.list_json();
    assert!(list.as_array().unwrap().iter().all(|e| e["patient"]["nhs_number"] == "9434765919"), "{list}");
    let db = p.sqlite();
    let count = |sql: &str| -> i64 { db.query_row(sql, [], |r| r.get(0)).unwrap() };
    assert_eq!(count("SELECT count(*) FROM revision"), 3, "the moved entry has a new revision; none was changed");
    assert_eq!(count("SELECT count(*) FROM patient"), 2, "the joined record is kept");
    p.run(&["check"]).success().stdout(contains("patients: 1, patients without an NHS number: 0"));
    let audit: String =
        db.query_row("SELECT detail FROM audit WHERE action = 'patient_join'", [], |r| r.get(0)).unwrap();
    assert!(audit.contains("confirmed by phone") && audit.contains(&traced), "{audit}");
    let out = p.run(&["patients", "duplicates", "--format", "json"]).success().get_output().stdout.clone();
    assert_eq!(serde_json::from_slice::<Value>(&out).unwrap(), serde_json::json!([]));
    // Joined once: joining again is refused.
    p.run_as("JS", &["patients", "join", &traced, &local, "--reason", "again"])
        .code(2)
        .stderr(contains("already joined"));
}

#[test]
fn records_with_different_nhs_numbers_are_never_joined() {
    let p = Practice::new();
    let (traced, _) = two_records_for_one_person(&p);
    p.log(&[&["note", "--summary", "x"], ANNE].concat());
    let anne: String =
        p.sqlite().query_row("SELECT id FROM patient WHERE nhs_number = '9992345675'", [], |r| r.get(0)).unwrap();
    p.run_as("JS", &["patients", "join", &traced, &anne, "--reason", "same"])
        .code(2)
        .stderr(contains("different NHS numbers (943 476 5919 and 999 234 5675)"));
}

#[test]
fn correcting_a_registrations_name_corrects_the_patient_record_not_a_second_one() {
    let p = Practice::new();
    let id =
        p.log(&["registration", "--family", "Lis", "--given", "Anna", "--dob", "30.01.41", "--summary", "New patient"]);
    let amended = p.run_as("JS", &["amend", "R2-0001", "--set", "family_name=Liss", "--reason", "typo"]).success();
    let said = stderr_of(&amended);
    assert!(said.contains("the patient record now reads LISS, Anna (30/01/1941)"), "{said}");

    let shown: Value =
        serde_json::from_slice(&p.run(&["show", &id, "--format", "json"]).success().get_output().stdout).unwrap();
    assert_eq!(shown["patient"]["family_name"], "Liss", "{shown}");
    assert_eq!(shown["fields"]["family_name"], "Liss", "{shown}");
    let table = stdout_of(&p.run(&["show", "R2-0001"]).success());
    assert!(table.contains("LISS, Anna (30/01/1941)"), "{table}");

    let noted = p
        .run_as(
            "JS",
            &["log", "note", "--summary", "Called", "--family", "Liss", "--given", "Anna", "--dob", "30/01/1941"],
        )
        .success();
    assert!(!stderr_of(&noted).contains("may be the same person"), "{}", stderr_of(&noted));
    assert_eq!(patient_rows(&p), [("Liss".to_string(), "Anna".to_string(), None)], "one record");
    let linked: i64 = p.sqlite().query_row("SELECT count(DISTINCT patient_id) FROM entry", [], |r| r.get(0)).unwrap();
    assert_eq!((entry_count(&p), linked), (2, 1), "the note links to the registration's record");
    let duplicates = p.run(&["patients", "duplicates", "--format", "json"]).success();
    assert_eq!(serde_json::from_slice::<Value>(&duplicates.get_output().stdout).unwrap(), serde_json::json!([]));
}
