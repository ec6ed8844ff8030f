//! The practice manager's runbook on the real binary (issue 16): the cutover plan, checklists,
//! third-party services, the go-live re-check and sign-off, call-backs; refusals that change
//! nothing; and the runbook merging between workstations like entries do.

mod common;

use std::path::{Path, PathBuf};

use common::{Practice, stderr_of, stdout_of};
use predicates::str::contains;

/// The runbook's tables, every column of every row, sorted: what a refusal must leave as it was
/// and a second merge must not change.
const TABLES: [&str; 9] = [
    "plan_revision",
    "checklist_event",
    "service",
    "service_event",
    "recheck_sample",
    "recheck_patient",
    "recheck_event",
    "recheck_signoff",
    "audit",
];

fn dump(p: &Practice) -> Vec<String> {
    let c = p.sqlite();
    let mut out = Vec::new();
    for table in TABLES {
        let mut s = c.prepare(&format!("SELECT * FROM {table}")).unwrap();
        let columns: Vec<String> = s.column_names().map(String::from).collect();
        let mut rows: Vec<String> = s
            .query_map([], |r| {
                Ok((0..columns.len())
                    .map(|i| format!("{}={:?}", columns[i], r.get::<_, rusqlite::types::Value>(i).unwrap()))
                    .collect::<Vec<_>>()
                    .join(" "))
            })
            .unwrap()
            .map(Result::unwrap)
            .collect();
        rows.sort();
        out.extend(rows.into_iter().map(|r| format!("{table}: {r}")));
    }
    out
}

fn count(p: &Practice, sql: &str) -> i64 {
    p.sqlite().query_row(sql, [], |r| r.get(0)).unwrap()
}

/// A command refused with `code`, saying `message`, leaving the runbook and its audit as they were.
fn refused(p: &Practice, args: &[&str], code: i32, message: &str) {
    let before = dump(p);
    let run = p.run_as("JS", args).code(code);
    let said = stderr_of(&run);
    assert!(said.contains(message), "{args:?} said: {said}");
    assert!(!said.contains("Error") && !said.contains("panicked"), "{said}");
    assert_eq!(before, dump(p), "{args:?} changed something");
}

#[test]
fn the_plan_lists_every_kind_of_work_and_shows_those_with_no_plan() {
    let p = Practice::new();
    let plan = stdout_of(&p.run(&["plan"]).success());
    assert!(plan.starts_with("Cutover plan: 0 of 13 kinds of work have a plan; 13 have none yet."), "{plan}");
    assert_eq!(plan.matches("NO PLAN YET").count(), 13, "{plan}");

    p.run_as(
        "JS",
        &["plan", "set", "Home visits", "--how", "Paper form in the visit bag, logged on return", "--lead", "ab"],
    )
    .success()
    .stderr(contains("Plan for Home visits saved; lead Dr Aled Bevan (AB)."));
    p.run_as(
        "JS",
        &["plan", "set", "home-visits", "--how", "Paper form in the visit bag, logged on return", "--lead", "AB"],
    )
    .success()
    .stderr(contains("Nothing changed"));
    p.run_as("JS", &["plan", "set", "home visits", "--how", "Logged in cutover on the laptop", "--lead", "JS"])
        .success();
    let plan = stdout_of(&p.run(&["plan"]).success());
    assert!(plan.contains("1 of 13 kinds of work have a plan; 12 have none yet."), "{plan}");
    assert!(plan.contains("Home visits: lead Jo Smith (JS)\n  Logged in cutover on the laptop\n"), "{plan}");
    assert!(plan.contains("1 earlier versions kept"), "{plan}");
    assert!(plan.contains("Appointments\n  NO PLAN YET: cutover plan set appointments"), "{plan}");
    // Every version is kept and audited, the second naming the first.
    assert_eq!(count(&p, "SELECT count(*) FROM plan_revision"), 2);
    assert_eq!(count(&p, "SELECT count(*) FROM plan_revision WHERE parent_id IS NOT NULL"), 1);
    assert_eq!(count(&p, "SELECT count(*) FROM audit WHERE action = 'plan_set'"), 2);

    refused(
        &p,
        &["plan", "set", "holidays", "--how", "x", "--lead", "JS"],
        2,
        "is not one of the cutover plan's categories",
    );
    refused(&p, &["plan", "set", "scanning", "--how", "x", "--lead", "ZZ"], 2, "no member of staff with the id \"ZZ\"");
    refused(&p, &["plan", "set", "scanning", "--how", "   ", "--lead", "JS"], 2, "--how cannot be empty");
    let nobody = p.run(&["plan", "set", "scanning", "--how", "x", "--lead", "JS"]).code(2);
    assert!(stderr_of(&nobody).contains("Say who you are"));
}

#[test]
fn checklist_items_are_ticked_with_who_and_when_and_progress_shows_by_phase() {
    let p = Practice::new();
    let all = stdout_of(&p.run(&["checklist"]).success());
    assert!(all.contains("Practice manager and staff: Early phases"), "{all}");
    assert!(all.contains("Commissioning body (ICB): Early phases"), "{all}");
    assert!(all.contains("[ ] PM-P10  At the time of the final data extract"), "{all}");

    p.run_as("JS", &["checklist", "tick", "pm-p10", "--note", "Everyone logged off at 17:02"])
        .success()
        .stderr(contains("Ticked PM-P10"))
        .stderr(contains("Planning for the cutover (Practice manager and staff): 1 of 16 ticked."));
    p.run_as("AB", &["checklist", "tick", "PM-P10"]).success().stderr(contains("was already ticked by JS on"));
    p.run_as("AB", &["checklist", "tick", "PM-P10", "--note", "Checked the log-off list"])
        .success()
        .stderr(contains("Added the note"));
    let planning = stdout_of(&p.run(&["checklist", "--role", "PM", "--phase", "planning"]).success());
    assert!(planning.starts_with("Checklists: 1 of 16 ticked."), "{planning}");
    assert!(!planning.contains("PM-E1"), "only the planning phase: {planning}");
    assert!(planning.contains("[x] PM-P10"), "{planning}");
    assert!(planning.contains("Ticked by JS on 30/11/2026"), "{planning}");
    assert!(planning.contains("Note (AB on 30/11/2026"), "{planning}");
    assert!(planning.contains("Everyone logged off at 17:02"), "{planning}");

    p.run_as("JS", &["checklist", "untick", "PM-P10", "--reason", "Two PCs were still logged on"]).success();
    let planning = stdout_of(&p.run(&["checklist", "--role", "practice", "--phase", "P"]).success());
    assert!(planning.contains("[ ] PM-P10") && planning.contains("Unticked (JS on"), "{planning}");
    assert_eq!(count(&p, "SELECT count(*) FROM checklist_event"), 3, "tick, note, untick: nothing overwritten");

    refused(&p, &["checklist", "tick", "PM-Z9"], 2, "There is no checklist item \"PM-Z9\"");
    refused(&p, &["checklist", "untick", "PM-P10", "--reason", "again"], 2, "PM-P10 is not ticked");
    let role = p.run(&["checklist", "--role", "caretaker"]).code(2);
    assert!(stderr_of(&role).contains("The roles are: practice, project, commissioner."), "{}", stderr_of(&role));
    let phase = p.run(&["checklist", "--phase", "someday"]).code(2);
    assert!(stderr_of(&phase).contains("The phases are: early, idp, planning, cutover, after."));

    // The project manager and the commissioner have their own questions after go-live too.
    let icb = stdout_of(&p.run(&["checklist", "--role", "commissioner", "--phase", "after"]).success());
    assert!(icb.contains("Commissioning body (ICB): After go-live (0 of 3 ticked)"), "{icb}");
    assert!(icb.contains("[ ] CB-A1   Has the practice signed off Go Live Data"), "{icb}");
    p.run_as("JS", &["checklist", "tick", "PJ-A7", "--note", "EPS and pathology chased"])
        .success()
        .stderr(contains("After go-live (Project manager and GP IT delivery partner): 1 of 8 ticked."));
}

#[test]
fn services_are_switched_off_and_back_on_step_by_step_and_those_not_back_on_show_after_go_live() {
    let p = Practice::new();
    // Before go-live nothing is awaited: services are meant to be off.
    let list = stdout_of(&p.run(&["services"]).success());
    assert!(list.contains("Electronic Prescription Service (EPS)") && list.contains("MESH address change"), "{list}");
    assert!(!list.contains("not confirmed back on yet"), "{list}");

    refused(
        &p,
        &["services", "set", "EPS", "--state", "confirmed-on"],
        2,
        "Steps are not skipped; the next one is \"confirmed off\"",
    );
    refused(&p, &["services", "set", "EPS", "--state", "sideways"], 2, "is not a service state");
    refused(&p, &["services", "set", "Carrier pigeons", "--note", "x"], 2, "There is no service \"Carrier pigeons\"");
    refused(&p, &["services", "add", "eps"], 2, "is already on the services list");
    p.run_as("JS", &["services", "set", "eps", "--state", "off", "--note", "Helpdesk confirmed, ref 4411"])
        .success()
        .stderr(contains("Electronic Prescription Service (EPS): confirmed off."));
    p.run_as("JS", &["services", "set", "EPS", "--note", "Rang again: back on after go-live"])
        .success()
        .stderr(contains("it is still confirmed off"));
    p.run_as("JS", &["services", "add", "Local hospice link"]).success();
    refused(&p, &["services", "add", "LOCAL HOSPICE-LINK"], 2, "already on the services list");
    p.run_as("JS", &["services", "set", "dispensing", "--state", "not-used"]).success();

    p.run_as("JS", &["init", "--go-live", "23/11/2026 08:00"]).success();
    for state in ["to-switch-on", "confirmed-on"] {
        p.run_as("JS", &["services", "set", "EPS", "--state", state]).success();
    }
    let list = stdout_of(&p.run(&["services"]).success());
    assert!(list.contains("After go-live, 13 services are not confirmed back on yet"), "{list}");
    let eps = list.lines().find(|l| l.starts_with("Electronic Prescription")).unwrap();
    assert!(eps.contains("confirmed back on") && eps.contains("JS"), "{eps}");
    assert!(list.contains("Helpdesk confirmed, ref 4411") && list.contains("Rang again"), "chase notes kept: {list}");
    assert!(list.lines().any(|l| l.starts_with("Local hospice link") && l.contains("to switch off")), "{list}");
    assert!(list.lines().any(|l| l.starts_with("Dispensing system") && l.contains("not used here")), "{list}");
    assert_eq!(count(&p, "SELECT count(*) FROM service_event"), 5);
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

fn merge(p: &Practice, file: &Path) -> assert_cmd::assert::Assert {
    p.run_as("JS", &["merge", file.to_str().unwrap()]).success()
}

#[test]
fn two_workstations_runbook_work_merges_once_and_merging_again_changes_nothing() {
    let office = workstation("M1");
    let desk = workstation("R1");
    office.run_as("JS", &["plan", "set", "appointments", "--how", "Paper book at the desk", "--lead", "JS"]).success();
    office.run_as("JS", &["checklist", "tick", "PM-E1", "--note", "23/11 agreed"]).success();
    office.run_as("JS", &["services", "set", "EPS", "--state", "confirmed-off"]).success();
    office.run_as("JS", &["services", "add", "Local hospice link"]).success();
    office.run_as("JS", &["recheck", "add", "9434765919"]).success();
    desk.run_as("AB", &["plan", "set", "appointments", "--how", "Logged in cutover as booked", "--lead", "AB"])
        .success();
    desk.run_as("AB", &["checklist", "tick", "PM-E2"]).success();
    desk.run_as("AB", &["services", "set", "EPS", "--note", "Pharmacy rang about EPS"]).success();
    desk.run_as("AB", &["services", "add", "local hospice LINK"]).success();
    desk.run_as("AB", &["recheck", "add", "943 476 5919"]).success();
    desk.run_as("AB", &["recheck", "mark", "9434765919", "--issue", "Penicillin allergy missing"]).success();

    let from_desk = export(&desk, "desk.cutover");
    merge(&office, &from_desk).stderr(contains("runbook changes"));
    let from_office = export(&office, "office.cutover");
    merge(&desk, &from_office);

    // Both now hold the same runbook, row for row (the audit trails differ only by each merge's own row).
    let runbook_only = |p: &Practice| dump(p).into_iter().filter(|r| !r.starts_with("audit:")).collect::<Vec<_>>();
    assert_eq!(runbook_only(&office), runbook_only(&desk));
    // The same service, and the same re-checked patient, added on both apart: both rows kept, one
    // service and one patient shown, under what was added first.
    assert_eq!(count(&office, "SELECT count(*) FROM service"), 2);
    assert_eq!(count(&office, "SELECT count(*) FROM recheck_patient"), 2);
    let checklist = stdout_of(&office.run(&["checklist", "--role", "practice", "--phase", "early"]).success());
    assert!(checklist.contains("[x] PM-E1") && checklist.contains("[x] PM-E2"), "{checklist}");
    let services = stdout_of(&office.run(&["services"]).success());
    assert!(services.contains("Pharmacy rang about EPS"), "{services}");
    assert_eq!(services.matches("Local hospice link").count(), 1, "{services}");
    assert!(!services.contains("local hospice LINK"), "{services}");
    // The plan set on both from nothing: both versions kept, the later shows, the other is pointed out.
    let plan = stdout_of(&office.run(&["plan"]).success());
    assert!(plan.contains("Appointments: lead Dr Aled Bevan (AB)\n  Logged in cutover as booked"), "{plan}");
    assert!(plan.contains("Also set on another workstation at the same time"), "{plan}");
    assert!(plan.contains("\"Paper book at the desk\""), "{plan}");
    let recheck = stdout_of(&office.run(&["recheck"]).success());
    assert!(recheck.starts_with("Go-live re-check: 1 patient and 5 reports"), "{recheck}");
    assert!(recheck.contains("Penicillin allergy missing"), "{recheck}");

    // Merging again, either way, changes nothing at all.
    let (office_before, desk_before) = (dump(&office), dump(&desk));
    merge(&office, &from_desk).stderr(contains("nothing new"));
    merge(&desk, &from_office).stderr(contains("nothing new"));
    assert_eq!(office_before, dump(&office));
    assert_eq!(desk_before, dump(&desk));
    office.run(&["check"]).success();
}

/// Issue 16's "done means": the runbook travels between PCs by `sync` through the shared folder as
/// it does by export and merge, the re-check's issue and sign-off included, and a second round
/// changes nothing.
#[test]
fn the_runbook_is_shared_between_pcs_by_sync_like_entries() {
    let shared = tempfile::tempdir().unwrap();
    let folder = shared.path().to_str().unwrap();
    let office = workstation("M1");
    let desk = workstation("R1");
    office
        .run_as("JS", &["plan", "set", "scanning", "--how", "Held in the tray, scanned after go-live", "--lead", "JS"])
        .success();
    office.run_as("JS", &["checklist", "tick", "CB-C1", "--note", "ICB told of the dates"]).success();
    office.run_as("JS", &["recheck", "add", "9434765919"]).success();
    desk.run_as("AB", &["services", "set", "EPS", "--state", "confirmed-off"]).success();
    desk.run_as("AB", &["checklist", "tick", "PJ-C5"]).success();
    for _ in 0..2 {
        for pc in [&office, &desk] {
            pc.run_as("JS", &["sync", "--folder", folder]).success();
        }
    }
    desk.run_as("AB", &["recheck", "mark", "9434765919", "--issue", "Allergy missing"]).success();
    desk.run_as("AB", &["recheck", "signoff", "--reason", "Supplier fixing it"]).success();
    for _ in 0..2 {
        for pc in [&desk, &office] {
            pc.run_as("JS", &["sync", "--folder", folder]).success();
        }
    }
    let runbook_only = |p: &Practice| dump(p).into_iter().filter(|r| !r.starts_with("audit:")).collect::<Vec<_>>();
    assert_eq!(runbook_only(&office), runbook_only(&desk));
    let recheck = stdout_of(&office.run(&["recheck"]).success());
    assert!(recheck.contains("Allergy missing") && recheck.contains("signed off by AB"), "{recheck}");
    let checklist = stdout_of(&office.run(&["checklist", "--phase", "cutover"]).success());
    assert!(checklist.contains("[x] CB-C1") && checklist.contains("[x] PJ-C5"), "{checklist}");
    let before = dump(&office);
    office.run_as("JS", &["sync", "--folder", folder]).success();
    assert_eq!(before, dump(&office), "a round with nothing new changes nothing");
    office.run(&["check"]).success();
}

/// The NHS number with `first_nine` and its modulus 11 check digit, if it has one: an oracle
/// written apart from the program's own.
fn nhs(first_nine: u32) -> Option<String> {
    let digits: Vec<u32> = format!("{first_nine:09}").chars().map(|c| c.to_digit(10).unwrap()).collect();
    let sum: u32 = digits.iter().zip((2..=10).rev()).map(|(d, w)| d * w).sum();
    match 11 - sum % 11 {
        10 => None,
        11 => Some(format!("{first_nine:09}0")),
        check => Some(format!("{first_nine:09}{check}")),
    }
}

/// A patient list of `n` fictitious patients (NHS numbers from the 999 range), written into `p`'s folder.
fn patient_list(p: &Practice, n: usize) -> (PathBuf, Vec<String>) {
    let numbers: Vec<String> = (0..).filter_map(|i| nhs(999_100_000 + i * 37)).take(n).collect();
    let mut csv = String::from("NHS Number,Surname,Forename,DOB\n");
    for (i, number) in numbers.iter().enumerate() {
        csv.push_str(&format!("{number},Testpatient,Person{i},01/01/19{:02}\n", 30 + i % 60));
    }
    let file = p.dir.path().join("list.csv");
    std::fs::write(&file, csv).unwrap();
    (file, numbers)
}

fn lines(s: &str) -> Vec<String> {
    s.lines().map(|l| l.replace(' ', "")).collect()
}

#[test]
fn a_sample_of_the_patient_list_is_drawn_again_the_same_from_its_recorded_seed() {
    let p = Practice::new();
    refused(&p, &["recheck", "sample", "--size", "5", "--seed", "2026"], 2, "There is no patient list");
    let (list, numbers) = patient_list(&p, 30);
    p.run_as("JS", &["import", "patients", list.to_str().unwrap()]).success();
    let drawn = p.run_as("JS", &["recheck", "sample", "--size", "5", "--seed", "2026"]).success();
    assert!(stderr_of(&drawn).contains("Drew 5 patients of the 30 patients on the patient list with seed 2026"));
    let sample = lines(&stdout_of(&drawn));
    assert_eq!(sample.len(), 5);
    assert!(sample.iter().all(|n| numbers.contains(n)), "{sample:?}");

    // Anyone with the same list draws the same patients from the recorded seed.
    let other = Practice::new();
    let (list, _) = patient_list(&other, 30);
    other.run_as("JS", &["import", "patients", list.to_str().unwrap()]).success();
    let again = other.run_as("JS", &["recheck", "sample", "--size", "5", "--seed", "2026"]).success();
    assert_eq!(lines(&stdout_of(&again)), sample);
    let different = other.run_as("JS", &["recheck", "sample", "--size", "5", "--seed", "2027"]).success();
    assert_ne!(lines(&stdout_of(&different)), sample);

    let shown = stdout_of(&p.run(&["recheck"]).success());
    assert!(shown.contains("Sample: 5 of 30 on the patient list, seed 2026, drawn by JS on 30/11/2026"), "{shown}");
    assert!(
        shown.starts_with("Go-live re-check: 5 patients and 5 reports: 0 match, 0 issues open, 10 not checked yet."),
        "{shown}"
    );
    // A seed not given is made up and printed, so the sample can still be drawn again.
    let unseeded = p.run_as("JS", &["recheck", "sample", "--size", "2"]).success();
    assert!(stderr_of(&unseeded).contains("--seed "), "{}", stderr_of(&unseeded));
    assert_eq!(count(&p, "SELECT count(*) FROM recheck_sample"), 2);
}

#[test]
fn go_live_data_is_signed_off_only_once_every_issue_is_fixed_or_accepted_unless_a_reason_is_given() {
    let p = Practice::new();
    p.run_as("JS", &["recheck", "add", "943 476 5919"])
        .success()
        .stderr(contains("Added 943 476 5919 to the go-live re-check"));
    p.run_as("JS", &["recheck", "add", "9434765919"]).success().stderr(contains("already in the go-live re-check"));
    refused(&p, &["recheck", "add", "9434765918"], 2, "NHS number");
    refused(&p, &["recheck", "mark", "9992345675", "--matches"], 2, "is not in the go-live re-check");
    refused(
        &p,
        &["recheck", "mark", "bingo", "--matches"],
        2,
        "is neither an NHS number nor one of the re-check's reports",
    );
    refused(&p, &["recheck", "issue", "9434765919", "--state", "fixed"], 2, "has no open issue");
    refused(&p, &["recheck", "signoff"], 2, "6 re-check items are not checked yet");

    p.run_as("JS", &["recheck", "mark", "9434765919", "--issue", "Penicillin allergy not migrated"])
        .success()
        .stderr(contains("Recorded an issue for 943 476 5919"));
    for report in ["qof", "cytology", "immunisation", "capitation", "local codes"] {
        p.run_as("AB", &["recheck", "mark", report, "--matches"]).success();
    }
    refused(&p, &["recheck", "signoff"], 2, "1 issue is still open");
    refused(&p, &["recheck", "issue", "9434765919", "--state", "sideways"], 2, "is not an issue's state");
    p.run_as("JS", &["recheck", "issue", "9434765919", "--state", "reported", "--note", "Supplier ticket 4411"])
        .success()
        .stderr(contains("943 476 5919: issue, reported to the supplier."));
    refused(&p, &["recheck", "signoff"], 2, "1 issue is still open");

    // Signing off with the issue still open needs the reason, and records it.
    p.run_as("JS", &["recheck", "signoff", "--reason", "Allergy re-keyed by hand; supplier fixing the mapping"])
        .success()
        .stderr(contains("Go Live Data signed off by JS on 30/11/2026"))
        .stderr(contains("with 1 issue open and 0 items not checked; the reason is recorded"));
    let shown = stdout_of(&p.run(&["recheck"]).success());
    assert!(shown.contains("Issue log\n  943 476 5919: issue, reported to the supplier\n"), "{shown}");
    assert!(shown.contains("Penicillin allergy not migrated") && shown.contains("Supplier ticket 4411"), "{shown}");
    assert!(shown.contains("Go Live Data signed off by JS on 30/11/2026"), "{shown}");
    assert!(shown.contains("Allergy re-keyed by hand"), "{shown}");

    p.run_as("JS", &["recheck", "issue", "9434765919", "--state", "fixed"]).success();
    p.run_as("JS", &["recheck", "signoff"]).success().stderr(contains("Confirm it to the new supplier."));
    assert_eq!(count(&p, "SELECT count(*) FROM recheck_signoff"), 2);
    assert_eq!(count(&p, "SELECT count(*) FROM recheck_signoff WHERE reason IS NULL AND open_issues = 0"), 1);
    assert_eq!(count(&p, "SELECT count(*) FROM audit WHERE action = 'recheck_signoff'"), 2);
    // The audit trail names no patient: the re-check's own rows hold the number.
    assert_eq!(count(&p, "SELECT count(*) FROM audit WHERE detail LIKE '%9434765919%' OR subject = '9434765919'"), 0);
}

#[test]
fn new_patients_asked_to_come_back_are_listed_with_their_details_until_registered() {
    let p = Practice::new();
    let reference = |id: &str| -> String {
        p.sqlite().query_row("SELECT ref FROM entry WHERE id = ?1", [id], |r| r.get(0)).unwrap()
    };
    let registration = |family: &str, given: &str, at: &str, asked: Option<&str>| -> String {
        let mut args = vec![
            "registration",
            "--family",
            family,
            "--given",
            given,
            "--dob",
            "03/04/1990",
            "--summary",
            "New patient at the desk",
            "--at",
            at,
        ];
        let set = asked.map(|a| format!("asked_to_come_back={a}"));
        if let Some(set) = &set {
            args.extend(["--set", set.as_str()]);
        }
        reference(&p.log(&args))
    };
    let zofia = reference(&p.log(&[
        "registration",
        "--family",
        "Nowak",
        "--given",
        "Zofia",
        "--dob",
        "03/04/1990",
        "--set",
        "phone=07700 900123",
        "--set",
        "postcode=LS1 4AP",
        "--set",
        "asked_to_come_back=yes",
        "--summary",
        "New patient, asked to come back",
        "--at",
        "21/11/2026 10:00",
    ]));
    // Registered on paper at the desk: not asked to come back, so not on the call-back list.
    let paper = registration("Okafor", "Chidi", "21/11/2026 11:30", Some("no"));
    // Logged without saying: not listed either, but counted so that someone asks.
    let unsaid = registration("Hughes", "Megan", "21/11/2026 11:45", None);
    p.log(&["note", "--patient", "9992345675", "--summary", "Not a registration", "--at", "21/11/2026 12:00"]);
    let table = p.run(&["callbacks"]).success();
    let out = stdout_of(&table);
    assert_eq!(out.lines().count(), 2, "a header and the one patient asked to come back: {out}");
    assert!(out.contains("NOWAK, Zofia") && out.contains("03/04/1990") && out.contains("07700 900123"), "{out}");
    assert!(out.contains(&format!("no: cutover done {zofia}")), "{out}");
    assert!(!out.contains(&paper) && !out.contains(&unsaid), "{out}");
    let said = stderr_of(&table);
    assert!(said.contains("1 to call back"), "{said}");
    assert!(
        said.contains("1 other new registration does not say whether the patient was asked to come back"),
        "{said}"
    );

    // Amended to say they were asked: listed from then on.
    p.run_as("JS", &["amend", &unsaid, "--set", "asked_to_come_back=yes", "--reason", "Asked at the desk"]).success();
    let out = stdout_of(&p.run(&["callbacks"]).success());
    assert_eq!(out.lines().count(), 3, "{out}");
    assert!(out.contains("HUGHES, Megan"), "{out}");
    // A value that is not yes or no is refused by name, and nothing is logged.
    let before = count(&p, "SELECT count(*) FROM entry");
    let wrong = p
        .run_as(
            "JS",
            &[
                "log",
                "registration",
                "--family",
                "Ward",
                "--given",
                "Tom",
                "--dob",
                "01/01/1980",
                "--summary",
                "x",
                "--set",
                "asked_to_come_back=maybe",
            ],
        )
        .code(2);
    assert!(stderr_of(&wrong).contains("asked_to_come_back"), "{}", stderr_of(&wrong));
    assert_eq!(count(&p, "SELECT count(*) FROM entry"), before);

    p.run_as("JS", &["init", "--go-live", "23/11/2026 08:00"]).success();
    p.run_as("JS", &["done", &zofia, "--ref", "EMIS-77", "--nhs-number", "9434765919"]).success();
    let out = stdout_of(&p.run(&["callbacks"]).success());
    let line = out.lines().find(|l| l.starts_with(&zofia)).unwrap();
    assert!(line.ends_with("yes, 30/11/2026"), "{line}");
    let csv = stdout_of(&p.run(&["callbacks", "--format", "csv"]).success());
    let mut rows = csv.lines();
    assert_eq!(
        rows.next(),
        Some(
            "ref,seen_at,family_name,given_name,date_of_birth,phone,address,postcode,registered,registered_at,registered_by"
        )
    );
    let first = rows.next().unwrap();
    assert!(
        first.starts_with(&format!(
            "{zofia},2026-11-21T10:00:00+00:00,Nowak,Zofia,1990-04-03,07700 900123,,LS1 4AP,yes,2026-11-30T"
        )),
        "{first}"
    );
    assert!(first.ends_with(",JS"), "{first}");
    assert!(rows.next().unwrap().starts_with(&format!("{unsaid},")), "{csv}");
    assert_eq!(rows.next(), None, "{csv}");
}

/// The same field from paper forms: an entries CSV with an `asked_to_come_back` column.
#[test]
fn registrations_imported_from_paper_say_whether_the_patient_was_asked_to_come_back() {
    let p = Practice::new();
    let file = p.dir.path().join("desk.csv");
    std::fs::write(
        &file,
        "kind,occurred_at,summary,recorded_by,family_name,given_name,date_of_birth,phone,asked_to_come_back\n\
         registration,21/11/2026 10:00,New patient,JS,Jones,Ann,01/01/1990,07700 900123,yes\n\
         registration,21/11/2026 10:30,New patient,JS,Evans,Bethan,05/06/2001,07700 900124,no\n\
         registration,21/11/2026 11:00,New patient,JS,Price,Huw,07/08/1975,07700 900125,\n",
    )
    .unwrap();
    p.run_as("JS", &["import", "entries", file.to_str().unwrap()]).success();
    let table = p.run(&["callbacks"]).success();
    let out = stdout_of(&table);
    assert_eq!(out.lines().count(), 2, "{out}");
    assert!(out.contains("JONES, Ann") && out.contains("07700 900123"), "{out}");
    assert!(stderr_of(&table).contains("1 other new registration does not say"), "{}", stderr_of(&table));
    let held: Vec<Option<bool>> = {
        let c = p.sqlite();
        let mut s = c
            .prepare(
                "SELECT r.fields ->> '$.asked_to_come_back' FROM entry e JOIN revision r ON r.id = e.current_revision_id
                 ORDER BY e.occurred_at",
            )
            .unwrap();
        s.query_map([], |r| r.get(0)).unwrap().map(Result::unwrap).collect()
    };
    assert_eq!(held, [Some(true), Some(false), None]);

    // A cell that is not yes or no stops the file, naming its line and column; nothing loads.
    let bad = p.dir.path().join("bad.csv");
    std::fs::write(
        &bad,
        "kind,occurred_at,summary,recorded_by,family_name,given_name,date_of_birth,asked_to_come_back\n\
         registration,21/11/2026 12:00,New patient,JS,Ward,Tom,01/01/1980,perhaps\n",
    )
    .unwrap();
    let refused = p.run_as("JS", &["import", "entries", bad.to_str().unwrap()]).code(2);
    let said = stderr_of(&refused);
    assert!(said.contains("line 2") && said.contains("asked_to_come_back"), "{said}");
    assert_eq!(count(&p, "SELECT count(*) FROM entry"), 3);
}

#[test]
fn the_report_records_the_runbook_and_names_services_not_back_on_after_go_live() {
    let p = Practice::new();
    p.run_as("JS", &["plan", "set", "referrals", "--how", "<b>Faxed</b> & logged", "--lead", "AB"]).success();
    p.run_as("JS", &["checklist", "tick", "PM-E1"]).success();
    p.run_as("JS", &["services", "set", "EPS", "--state", "confirmed-off"]).success();
    p.run_as("JS", &["services", "set", "pathology", "--state", "not-used"]).success();
    p.run_as("JS", &["recheck", "add", "9434765919"]).success();
    p.run_as("JS", &["recheck", "mark", "9434765919", "--issue", "Allergy missing"]).success();

    // Before go-live, services are meant to be off: nothing is called out.
    let text = report(&p, "text");
    assert!(text.contains("Cutover plan: 1 of 13 kinds of work planned"), "{text}");
    assert!(text.contains("  Referrals: <b>Faxed</b> & logged (lead AB)"), "{text}");
    assert!(text.contains("  Appointments: NO PLAN"), "{text}");
    assert!(text.contains("Early phases: decision to migrate, pre-migration tasks    1 of 7"), "{text}");
    assert!(!text.contains("NOT CONFIRMED BACK ON"), "{text}");
    assert!(text.contains("Go-live re-check: 1 patient and 5 reports: 0 match, 1 issue open, 5 not checked"), "{text}");
    assert!(text.contains("  Issue: 943 476 5919: Allergy missing (issue, open)"), "{text}");
    assert!(text.contains("Go Live Data: NOT SIGNED OFF"), "{text}");

    p.run_as("JS", &["init", "--go-live", "23/11/2026 08:00"]).success();
    p.run_as("JS", &["recheck", "signoff", "--reason", "Allergy re-keyed by hand"]).success();
    let text = report(&p, "text");
    assert!(
        text.contains(
            "NOT CONFIRMED BACK ON SINCE GO-LIVE (13): Electronic Prescription Service (EPS), Community pharmacies"
        ),
        "{text}"
    );
    assert!(text.contains("Go Live Data: signed off by JS on 30/11/2026"), "{text}");
    assert!(text.contains("with 1 issue open and 5 not checked: Allergy re-keyed by hand"), "{text}");
    let csv = report(&p, "csv");
    for line in [
        "plan,planned,1\n",
        "plan_lead,referrals,AB\n",
        "checklist_ticked,practice:early,1\n",
        "checklist_items,practice:early,7\n",
        "service,Electronic Prescription Service (EPS),confirmed_off\n",
        "service,Pathology labs,not_used\n",
        "services,not_back_on_after_go_live,13\n",
        "recheck,open_issues,1\n",
        "signoff,by,JS\n",
        "signoff,reason,Allergy re-keyed by hand\n",
    ] {
        assert!(csv.contains(line), "{line:?} in\n{csv}");
    }
    let html = report(&p, "html");
    assert!(html.contains("<td>&lt;b&gt;Faxed&lt;/b&gt; &amp; logged</td>"), "stored text is escaped");
    assert!(html.contains("<p class=\"over\">13 not confirmed back on since go-live"), "{html}");
    assert!(html.contains("<h2>Issue log</h2>") && html.contains("Allergy missing"));
    assert!(html.contains("<h2>Sign-off of Go Live Data</h2>\n<p>Signed off by JS on 30/11/2026"), "{html}");
    assert!(html.contains("(issues still open: 1; not checked: 5): Allergy re-keyed by hand"), "{html}");
}

fn report(p: &Practice, format: &str) -> String {
    stdout_of(&p.run(&["report", "--format", format]).success())
}

#[test]
fn the_hazard_log_names_only_tests_that_exist() {
    let root = Path::new(env!("CARGO_MANIFEST_DIR"));
    let log = std::fs::read_to_string(root.join("docs/clinical-safety.md")).unwrap();
    let mut named = 0;
    for quoted in log.split('`').skip(1).step_by(2) {
        let Some((file, test)) = quoted.split_once("::") else { continue };
        if !(file.starts_with("tests/") || file.starts_with("src/")) {
            continue;
        }
        let source =
            std::fs::read_to_string(root.join(file)).unwrap_or_else(|_| panic!("{file} named in the hazard log"));
        assert!(source.contains(&format!("fn {test}(")), "the hazard log names {file}::{test}, which does not exist");
        named += 1;
    }
    assert!(named >= 40, "the hazard log names its tests: {named} found");
}
