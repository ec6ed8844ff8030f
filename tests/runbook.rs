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
