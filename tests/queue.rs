//! The re-entry queue with the real binary on a real file: output contracts, working items,
//! their audit trail, blocking, and two admins claiming at once.

mod common;

use std::process::{Command, Stdio};

use common::{Practice, stderr_of, stdout_of};
use serde_json::Value;

const HEADER: &str = "rank,id,tier,score,due,kind,occurred_at,nhs_number,patient,summary,status,assignee,reasons,\
question,asked_by,asked_at,asked_for,answer,answered_by,answered_at";

fn practice() -> Practice {
    let p = Practice::new();
    p.run_as("JS", &["init", "--go-live", "23/11/2026 08:00"]).success();
    p.run_as("JS", &["staff", "add", "KL", "--name", "Kim Lee", "--role", "admin"]).success();
    p
}

fn log_phone(p: &Practice, at: &str, summary: &str) -> String {
    p.log(&["telephone", "--patient", "9992345675", "--at", at, "--summary", summary])
}

fn log_prescription(p: &Practice) -> String {
    p.log(&[
        "prescription",
        "--patient",
        "9994691341",
        "--at",
        "21/11/2026 10:00",
        "--summary",
        "Amoxicillin issued on FP10",
        "--set",
        "drug=Amoxicillin 500mg capsules",
        "--set",
        "rx_status=issued",
    ])
}

fn queue_json(p: &Practice, extra: &[&str]) -> Vec<Value> {
    let out = p.run(&[&["queue", "--format", "json"], extra].concat()).success().get_output().stdout.clone();
    let v: Value = serde_json::from_slice(&out).expect("queue --format json gives JSON");
    v.as_array().expect("an array").clone()
}

fn csv_rows(p: &Practice, extra: &[&str]) -> Vec<csv::StringRecord> {
    let out = p.run(&[&["queue", "--format", "csv"], extra].concat()).success().get_output().stdout.clone();
    let mut reader = csv::Reader::from_reader(out.as_slice());
    let header = reader.headers().expect("header").clone();
    assert_eq!(header.iter().collect::<Vec<_>>().join(","), HEADER);
    reader.records().map(|r| r.expect("a CSV row")).collect()
}

fn ids(items: &[Value]) -> Vec<String> {
    items.iter().map(|i| i["id"].as_str().unwrap_or_default().to_string()).collect()
}

fn status_of(p: &Practice, id: &str) -> String {
    let all = queue_json(p, &["--status", "all"]);
    let item = all.iter().find(|i| i["id"] == id).unwrap_or_else(|| panic!("{id} not in --status all"));
    item["status"].as_str().unwrap_or_default().to_string()
}

/// Where every item stands (status, claim, who, until when, references, waiver) and how many events
/// and audit rows there are: what a refused command must leave exactly as it was.
fn work_state(p: &Practice) -> (Vec<String>, i64, i64) {
    let c = p.sqlite();
    let mut s = c
        .prepare(
            "SELECT id || '|' || reentry_status || '|' || ifnull(reentry_assignee, '-') || '|'
                    || ifnull(reentry_claimed_until, '-') || '|' || ifnull(reentry_changed_at, '-') || '|'
                    || ifnull(reentry_ref, '-') || '|' || ifnull(reentry_nhs_number, '-') || '|' || nhs_waived
             FROM entry ORDER BY id",
        )
        .unwrap();
    let items = s.query_map([], |r| r.get(0)).unwrap().collect::<Result<_, _>>().unwrap();
    let count = |sql: &str| c.query_row(sql, [], |r| r.get::<_, i64>(0)).unwrap();
    (items, count("SELECT count(*) FROM reentry_event"), count("SELECT count(*) FROM audit"))
}

/// Runs a command that must be refused: with `code`, saying `says`, and changing nothing.
fn refused(p: &Practice, staff: Option<&str>, args: &[&str], code: i32, says: &str) -> String {
    let before = work_state(p);
    let out = match staff {
        Some(s) => p.run_as(s, args),
        None => p.run(args),
    };
    let said = stderr_of(&out.code(code));
    assert!(said.contains(says), "{args:?} should say {says:?}: {said}");
    assert_eq!(work_state(p), before, "{args:?} was refused yet changed the queue");
    said
}

#[test]
fn csv_has_the_contract_header_and_one_row_per_item_in_order() {
    let p = practice();
    let call = log_phone(&p, "21/11/2026 09:00", "Asked for results");
    let rx = log_prescription(&p);
    let out = p.run(&["queue", "--format", "csv"]).success().get_output().stdout.clone();
    let text = String::from_utf8(out).unwrap();
    assert_eq!(text.lines().next(), Some(HEADER));
    let rows = csv_rows(&p, &[]);
    assert_eq!(rows.len(), 2);
    let first = &rows[0];
    assert_eq!(&first[0], "1");
    assert_eq!(&first[1], rx, "the prescription comes before the call");
    assert_eq!(&first[2], "1");
    assert_eq!(&first[4], "2026-11-23T10:00:00+00:00", "due: go-live plus two hours, ISO 8601 local");
    assert_eq!(&first[5], "prescription");
    assert_eq!(&first[6], "2026-11-21T10:00:00+00:00");
    assert_eq!(&first[7], "9994691341");
    assert_eq!(&first[9], "Amoxicillin issued on FP10");
    assert_eq!(&first[10], "open");
    assert_eq!(&first[11], "");
    assert!(first[12].starts_with("prescription issued"), "{}", &first[12]);
    assert_eq!(&rows[1][0], "2");
    assert_eq!(&rows[1][1], call);
    assert_eq!(&rows[1][2], "3");
}

#[test]
fn json_is_an_array_with_the_same_fields_and_reasons_as_a_list() {
    let p = practice();
    log_prescription(&p);
    let items = queue_json(&p, &[]);
    assert_eq!(items.len(), 1);
    let item = items[0].as_object().unwrap();
    let mut keys: Vec<&str> = item.keys().map(String::as_str).collect();
    keys.sort();
    let mut want: Vec<&str> = HEADER.split(',').collect();
    want.sort();
    assert_eq!(keys, want);
    assert_eq!(item["rank"], 1);
    assert_eq!(item["tier"], 1);
    assert!(item["score"].as_i64().unwrap() > 0);
    assert!(item["reasons"].as_array().unwrap().iter().all(Value::is_string));
    assert_eq!(item["assignee"], Value::Null);
}

#[test]
fn explain_shows_each_term_and_the_due_time() {
    let p = practice();
    log_prescription(&p);
    let out = stdout_of(&p.run(&["queue", "--explain"]).success());
    assert!(out.contains("tier 1 (before anything else)"), "{out}");
    assert!(out.contains("score 60 = +40 kind: prescription, +20 medication issued"), "{out}");
    assert!(out.contains("due Mon 23 Nov 10:00"), "{out}");
}

#[test]
fn claim_done_reopen_and_skip_are_each_recorded_and_audited() {
    let p = practice();
    let rx = log_prescription(&p);
    p.run_as("KL", &["claim", "R2-0001"]).success();
    assert_eq!(status_of(&p, &rx), "claimed");
    refused(&p, None, &["queue", "--mine"], 2, "Say who you are");
    let mine = p.cmd().env("CUTOVER_USER", "KL").args(["queue", "--format", "json", "--mine"]).assert().success();
    let mine: Value = serde_json::from_slice(&mine.get_output().stdout).unwrap();
    assert_eq!(mine.as_array().map(Vec::len), Some(1));
    assert_eq!(mine[0]["assignee"], "KL");

    p.run_as("KL", &["done", "R2-0001", "--ref", "S1-778", "--note", "keyed as acute"]).success();
    assert_eq!(status_of(&p, &rx), "done");
    assert!(queue_json(&p, &[]).is_empty(), "done leaves the open queue");
    p.run_as("JS", &["reopen", &rx]).success();
    assert_eq!(status_of(&p, &rx), "open");
    p.run_as("JS", &["query", &rx, "--note", "Dose unclear: 1 or 2 tds?"]).success();
    assert_eq!(status_of(&p, &rx), "query");
    assert_eq!(queue_json(&p, &[]).len(), 1, "a query still needs work");
    p.run_as("JS", &["skip", &rx, "--reason", "Issued twice in error; the other is keyed"]).success();
    assert_eq!(status_of(&p, &rx), "not_required");

    let db = p.sqlite();
    let actions: Vec<String> = db
        .prepare("SELECT action FROM audit WHERE subject = ?1 AND action LIKE 'reentry_%' ORDER BY seq")
        .unwrap()
        .query_map([&rx], |r| r.get(0))
        .unwrap()
        .collect::<Result<_, _>>()
        .unwrap();
    assert_eq!(actions, ["reentry_claim", "reentry_done", "reentry_reopen", "reentry_query", "reentry_not_required"]);
    let events: Vec<(String, String, Option<String>, Option<String>)> = db
        .prepare(
            "SELECT action, staff_id, note, new_system_ref FROM reentry_event WHERE entry_id = ?1 ORDER BY at, rowid",
        )
        .unwrap()
        .query_map([&rx], |r| Ok((r.get(0)?, r.get(1)?, r.get(2)?, r.get(3)?)))
        .unwrap()
        .collect::<Result<_, _>>()
        .unwrap();
    assert_eq!(events.len(), 5);
    assert_eq!(events[1], ("done".into(), "KL".into(), Some("keyed as acute".into()), Some("S1-778".into())));
    assert_eq!(events[3].2.as_deref(), Some("Dose unclear: 1 or 2 tds?"));
    // The history is append-only, enforced by the database.
    assert!(db.execute("DELETE FROM reentry_event", []).is_err());
    assert!(db.execute("UPDATE reentry_event SET note = 'x'", []).is_err());
}

/// A done with no reference from the new system cannot be found there again: refused unless the
/// practice's settings allow it (issue 12, item 3), by the same rule as the queue screen's.
#[test]
fn done_needs_a_reference_unless_the_practice_allows_none() {
    let p = practice();
    let rx = log_prescription(&p);
    let said = refused(&p, Some("KL"), &["done", &rx], 2, "give its reference in the new system with --ref");
    assert!(said.contains("cutover init --done-without-ref yes"), "{said}");
    refused(&p, Some("KL"), &["done", &rx, "--ref", "  "], 2, "--ref");
    p.run_as("JS", &["init", "--done-without-ref", "yes"]).success();
    p.run_as("KL", &["done", &rx]).success();
    assert_eq!(status_of(&p, &rx), "done");
    p.run_as("JS", &["init", "--done-without-ref", "maybe"]).code(2);
}

#[test]
fn changes_without_a_member_of_staff_or_a_note_asked_for_are_refused_and_change_nothing() {
    let p = practice();
    let rx = log_prescription(&p);
    refused(&p, None, &["claim", "R2-0001"], 2, "Say who you are");
    refused(&p, Some("KL"), &["query", "R2-0001", "--note", "  "], 2, "note: is required");
    refused(&p, Some("KL"), &["skip", "R2-0001", "--reason", ""], 2, "reason: is required");
    refused(&p, Some("KL"), &["claim", "R9-9999"], 2, "No entry matches \"R9-9999\"");
    refused(&p, None, &["queue", "--status", "finished"], 2, "status: must be one of");
    assert_eq!(status_of(&p, &rx), "open");
    assert_eq!(p.sqlite().query_row("SELECT count(*) FROM reentry_event", [], |r| r.get::<_, i64>(0)).unwrap(), 0);
}

#[test]
fn a_claim_by_someone_else_is_refused_with_who_and_until_when_unless_taken_over() {
    let p = practice();
    log_prescription(&p);
    p.run_as("KL", &["claim", "R2-0001"]).success();
    refused(&p, Some("JS"), &["claim", "R2-0001"], 2, "R2-0001 is claimed by KL until");
    refused(&p, Some("JS"), &["done", "R2-0001"], 2, "R2-0001 is claimed by KL until");
    assert_eq!(queue_json(&p, &[])[0]["assignee"], "KL", "still KL's");
    p.run_as("JS", &["claim", "R2-0001", "--take-over"]).success();
    let items = queue_json(&p, &[]);
    assert_eq!(items[0]["assignee"], "JS");
    let taken: String = p
        .sqlite()
        .query_row("SELECT taken_from FROM reentry_event WHERE action = 'claim' ORDER BY rowid DESC LIMIT 1", [], |r| {
            r.get(0)
        })
        .unwrap();
    assert_eq!(taken, "KL");
}

/// Issue 11: one rule for a change the item's state refuses. Exit code 1 is for faults (the file,
/// the disk, the database); a refused change is a refusal of what was asked, exit code 2, like a
/// voided entry or a mistyped reference: the message says what to do instead, and nothing changes.
#[test]
fn every_change_refused_by_where_the_item_stands_exits_with_two_and_changes_nothing() {
    let p = practice();
    let rx = log_prescription(&p);
    let no_number =
        p.log(&["note", "--family", "Jones", "--given", "Ann", "--dob", "01/02/1960", "--summary", "Letter"]);
    let who = ["--family", "Llŷr", "--given", "Siân", "--dob", "03/04/1950"];
    let reg = p.log(&[&["registration", "--at", "21/11/2026 11:00", "--summary", "New patient"], &who[..]].concat());
    let path = p.log(
        &[&["pathology", "--at", "21/11/2026 12:00", "--summary", "FBC", "--set", "test=FBC"][..], &who[..]].concat(),
    );
    let done = log_phone(&p, "21/11/2026 09:00", "Asked for results");
    p.run_as("KL", &["done", &done, "--ref", "EMIS-1"]).success();
    let voided = log_phone(&p, "21/11/2026 09:30", "Logged twice");
    p.run_as("JS", &["void", &voided, "--reason", "logged twice"]).success();
    let waived = p.log(&["note", "--family", "Evans", "--given", "Bo", "--dob", "01/02/1970", "--summary", "Letter"]);
    p.run_as("KL", &["waive", &waived, "--reason", "Temporary resident"]).success();

    refused(&p, Some("JS"), &["release", &rx], 2, "is not claimed by anyone, so there is nothing to release");
    p.run_as("KL", &["claim", &rx]).success();
    for action in [
        &["claim", rx.as_str()][..],
        &["done", &rx, "--ref", "EMIS-2"],
        &["query", &rx, "--note", "?"],
        &["skip", &rx, "--reason", "x"],
    ] {
        refused(&p, Some("JS"), action, 2, "is claimed by KL until");
    }
    refused(&p, Some("JS"), &["release", &rx], 2, "is claimed by KL, not by you");
    refused(&p, Some("KL"), &["done", &path, "--ref", "EMIS-3"], 2, "blocked by registration");
    refused(&p, Some("KL"), &["done", &no_number, "--ref", "EMIS-4"], 2, "the patient has no NHS number");
    refused(&p, Some("KL"), &["done", &reg, "--ref", "EMIS-5"], 2, "is for a patient with no NHS number");
    refused(
        &p,
        Some("KL"),
        &["done", &no_number, "--ref", "EMIS-4", "--nhs-number", "999 703 7014"],
        2,
        "is not a registration",
    );
    for action in [
        &["claim", done.as_str()][..],
        &["done", &done, "--ref", "EMIS-1"],
        &["query", &done, "--note", "?"],
        &["skip", &done, "--reason", "x"],
        &["waive", &done, "--reason", "x"],
    ] {
        refused(&p, Some("KL"), action, 2, "is already done");
    }
    refused(&p, Some("KL"), &["reopen", &no_number], 2, "is still open in the queue, so there is nothing to reopen");
    refused(&p, Some("KL"), &["waive", &rx, "--reason", "x"], 2, "already has an NHS number, so no waiver is needed");
    refused(&p, Some("KL"), &["waive", &waived, "--reason", "x"], 2, "already has an NHS-number waiver");
    for action in [&["claim", voided.as_str()][..], &["release", &voided], &["reopen", &voided]] {
        refused(&p, Some("KL"), action, 2, "was voided, so it cannot be changed");
    }
}

#[test]
fn done_is_refused_on_a_blocked_item_until_the_registration_is_done() {
    let p = practice();
    let who = ["--family", "Llŷr", "--given", "Siân", "--dob", "03/04/1950"];
    let reg = p.log(&[&["registration", "--at", "21/11/2026 11:00", "--summary", "New patient"], &who[..]].concat());
    let path = p.log(
        &[
            &[
                "pathology",
                "--at",
                "21/11/2026 12:00",
                "--summary",
                "FBC",
                "--set",
                "test=FBC",
                "--set",
                "abnormal=yes",
            ],
            &who[..],
        ]
        .concat(),
    );
    let items = queue_json(&p, &[]);
    let blocked = items.iter().find(|i| i["id"] == path.as_str()).unwrap();
    assert_eq!(blocked["status"], "blocked");
    assert_eq!(blocked["reasons"][0], "blocked by registration R2-0001");
    assert_eq!(ids(&items)[0], reg, "the registration is keyed first: what waits for it is urgent");

    refused(&p, Some("KL"), &["done", &path], 2, "blocked by registration R2-0001");
    assert_eq!(status_of(&p, &path), "blocked");

    // The registration itself needs the traced number (or a waiver) before it is done.
    refused(&p, Some("KL"), &["done", &reg], 2, "--nhs-number");
    assert_eq!(status_of(&p, &reg), "open");
    p.run_as("KL", &["done", &reg, "--nhs-number", "999 703 7014", "--ref", "S1-P1"]).success();
    let items = queue_json(&p, &[]);
    assert_eq!(items.len(), 1);
    assert_eq!(items[0]["status"], "open");
    assert_eq!(items[0]["nhs_number"], "9997037014", "the traced number is shown for the patient's items");
    p.run_as("KL", &["done", &path, "--ref", "S1-P2"]).success();
    assert!(queue_json(&p, &[]).is_empty());
}

#[test]
fn an_item_without_an_nhs_number_needs_a_waiver_to_be_done() {
    let p = practice();
    let note = p.log(&["note", "--family", "Jones", "--given", "Ann", "--dob", "01/02/1960", "--summary", "Letter"]);
    assert_eq!(queue_json(&p, &[])[0]["reasons"][0], "needs NHS number (trace) or a waiver");
    refused(&p, Some("KL"), &["done", &note], 2, "cannot be marked done yet: the patient has no NHS number");
    assert_eq!(status_of(&p, &note), "blocked", "waiting for a number or a waiver, not done");
    p.run_as("KL", &["waive", &note, "--reason", "Temporary resident; untraceable"]).success();
    assert_eq!(status_of(&p, &note), "open");
    p.run_as("KL", &["done", &note, "--ref", "S1-N1"]).success();
    let kept: String =
        p.sqlite().query_row("SELECT note FROM reentry_event WHERE action = 'waive_nhs'", [], |r| r.get(0)).unwrap();
    assert_eq!(kept, "Temporary resident; untraceable");
}

#[test]
fn voided_entries_are_never_in_the_open_queue_but_show_with_status_all() {
    let p = practice();
    let keep = log_phone(&p, "21/11/2026 09:00", "Keep");
    let gone = log_phone(&p, "21/11/2026 09:30", "Logged in error");
    p.run_as("JS", &["void", &gone, "--reason", "wrong patient"]).success();
    assert_eq!(ids(&queue_json(&p, &[])), vec![keep.clone()]);
    refused(&p, Some("KL"), &["claim", &gone], 2, "was voided, so it cannot be changed");
    let all = queue_json(&p, &["--status", "all"]);
    assert_eq!(all.len(), 2);
    assert_eq!(all.iter().find(|i| i["id"] == gone.as_str()).unwrap()["status"], "voided");
    assert_eq!(ids(&queue_json(&p, &["--status", "voided"])), [gone]);
}

#[test]
fn status_all_includes_done_and_filters_narrow_the_queue() {
    let p = practice();
    let call = log_phone(&p, "21/11/2026 09:00", "Call");
    let rx = log_prescription(&p);
    p.run_as("KL", &["done", &rx, "--ref", "S1-RX"]).success();
    assert_eq!(ids(&queue_json(&p, &[])), vec![call.clone()]);
    assert_eq!(queue_json(&p, &["--status", "all"]).len(), 2);
    assert_eq!(ids(&queue_json(&p, &["--status", "done"])), vec![rx.clone()]);
    assert_eq!(ids(&queue_json(&p, &["--status", "all", "--kind", "prescription"])), vec![rx.clone()]);
    assert_eq!(ids(&queue_json(&p, &["--status", "all", "--tier", "3"])), [call]);
    assert_eq!(ids(&queue_json(&p, &["--status", "all", "--assignee", "kl"])), [rx]);
}

#[test]
fn control_characters_never_reach_the_terminal_in_table_or_html_output() {
    let p = practice();
    p.log(&["telephone", "--patient", "9992345675", "--summary", "Mrs \u{1b}[2J <b>Jones</b>\u{7}"]);
    let table = stdout_of(&p.run(&["queue"]).success());
    assert!(!table.contains('\u{1b}') && !table.contains('\u{7}'), "{table:?}");
    assert!(table.contains("\\u{1b}[2J"), "{table}");
    let file = p.dir.path().join("worklist.html");
    p.run(&["queue", "--format", "html", "--out", file.to_str().unwrap()]).success();
    let html = std::fs::read_to_string(&file).unwrap();
    assert!(html.contains("&lt;b&gt;Jones&lt;/b&gt;"), "{html}");
    assert!(!html.contains('\u{1b}') && !html.contains("<b>Jones"));
    #[cfg(unix)]
    {
        use std::os::unix::fs::PermissionsExt;
        assert_eq!(std::fs::metadata(&file).unwrap().permissions().mode() & 0o777, 0o600);
    }
}

#[test]
fn the_same_content_gives_the_same_queue_in_two_databases_and_two_runs() {
    let a = Practice::empty();
    let b = Practice::empty();
    a.run(&["demo", "--entries", "300", "--seed", "7"]).success();
    b.run(&["demo", "--entries", "300", "--seed", "7"]).success();
    let csv = |p: &Practice| stdout_of(&p.run(&["queue", "--status", "all", "--format", "csv"]).success());
    let first = csv(&a);
    assert!(first.lines().count() > 250, "{}", first.lines().count());
    assert_eq!(first, csv(&a), "two runs");
    assert_eq!(first, csv(&b), "two databases");
}

#[test]
fn two_admins_claiming_one_item_at_once_never_both_win() {
    let p = practice();
    let items: Vec<String> = (0..12).map(|i| log_phone(&p, "21/11/2026 09:00", &format!("call {i}"))).collect();
    let bin = assert_cmd::cargo::cargo_bin!("cutover");
    for id in &items {
        let spawn = |who: &str| {
            common::spawn(
                Command::new(bin)
                    .env("CUTOVER_DB", &p.db)
                    .env("CUTOVER_NOW", common::clock())
                    .env("CUTOVER_USER", who)
                    .env("HOME", p.dir.path())
                    .env("XDG_DATA_HOME", p.dir.path().join("xdg"))
                    .args(["claim", id])
                    .stdout(Stdio::null())
                    .stderr(Stdio::piped()),
            )
        };
        let (one, two) = (spawn("JS"), spawn("KL"));
        let (one, two) = (one.wait_with_output().unwrap(), two.wait_with_output().unwrap());
        let won = [&one, &two].iter().filter(|o| o.status.success()).count();
        assert_eq!(won, 1, "exactly one claim wins: {one:?} {two:?}");
        let loser = if one.status.success() { &two } else { &one };
        assert_eq!(loser.status.code(), Some(2), "a refusal of what was asked, not a fault");
        assert!(String::from_utf8_lossy(&loser.stderr).contains("is claimed by"), "{loser:?}");
    }
    let claims: i64 =
        p.sqlite().query_row("SELECT count(*) FROM reentry_event WHERE action = 'claim'", [], |r| r.get(0)).unwrap();
    assert_eq!(claims, items.len() as i64);
}

#[test]
fn an_amendment_moves_the_item_to_where_its_new_content_belongs() {
    let p = practice();
    let referral = p.log(common::ROUTINE_REFERRAL);
    assert_eq!(queue_json(&p, &[])[0]["tier"], 3);
    p.run_as("JS", &["amend", &referral, "--set", "urgency=2ww", "--reason", "Suspected melanoma"]).success();
    let item = &queue_json(&p, &[])[0];
    assert_eq!(item["tier"], 1);
    assert_eq!(item["reasons"][0], "two-week-wait (suspected cancer) referral: it must be tracked");
}

#[test]
fn the_kept_order_follows_saves_and_check_finds_a_place_written_behind_its_back() {
    let p = practice();
    let phone = log_phone(&p, "21/11/2026 10:00", "Asked for a call back");
    let rx = log_prescription(&p);
    // The prescription (tier 1) is kept ahead of the call (tier 3), and the file says so.
    assert_eq!(ids(&queue_json(&p, &[])), vec![rx.clone(), phone.clone()]);
    let kept: Vec<(String, i64)> = {
        let c = p.sqlite();
        let mut stmt = c.prepare("SELECT id, queue_tier FROM entry ORDER BY queue_tier").unwrap();
        stmt.query_map([], |r| Ok((r.get(0)?, r.get(1)?))).unwrap().map(|r| r.unwrap()).collect()
    };
    assert_eq!(kept, vec![(rx.clone(), 1), (phone.clone(), 3)]);
    p.run(&["check"]).success();

    // A place written behind the program's back, not by the policy: `check` says so.
    p.sqlite().execute("UPDATE entry SET queue_score = 999 WHERE id = ?1", [&phone]).unwrap();
    let found = p.run(&["check"]).code(1);
    assert!(stdout_of(&found).contains("items kept at a place in the re-entry queue"), "{}", stdout_of(&found));
}

/// The first screen (read in order from the kept placements) agrees with the whole queue (worked
/// out afresh from the entries), and `check` finds every kept place where the policy puts it.
fn kept_order_agrees(p: &Practice) {
    p.run(&["check"]).success();
    let whole = ids(&queue_json(p, &[]));
    let first = ids(&queue_json(p, &["--limit", "50"]));
    assert_eq!(first, whole[..first.len()], "the kept order differs from the policy's");
    let (kept, fresh) = (queue_json(p, &["--limit", "50"]), queue_json(p, &[]));
    for (k, f) in kept.iter().zip(&fresh) {
        assert_eq!(
            (&k["tier"], &k["score"], &k["due"], &k["status"]),
            (&f["tier"], &f["score"], &f["due"], &f["status"])
        );
    }
}

#[test]
fn the_kept_order_follows_two_registrations_an_amended_time_and_a_moved_item() {
    let p = practice();
    let ann = ["--family", "Quennell", "--given", "Ann", "--dob", "03/04/1950"];
    let bob = ["--family", "Quennell", "--given", "Bob", "--dob", "05/06/1952"];
    let first_reg =
        p.log(&[&["registration", "--at", "21/11/2026 09:00", "--summary", "New patient"], &ann[..]].concat());
    // Registering someone already held is a question (issue 10 item 5): yes, she registered twice.
    let second_reg = p.log(
        &[&["registration", "--confirm", "--at", "21/11/2026 15:00", "--summary", "Re-registered"], &ann[..]].concat(),
    );
    let result = p.log(
        &[
            &[
                "pathology",
                "--at",
                "21/11/2026 12:00",
                "--summary",
                "U&E",
                "--set",
                "test=U&E",
                "--set",
                "abnormal=yes",
            ],
            &ann[..],
        ]
        .concat(),
    );
    p.log(&[&["registration", "--at", "21/11/2026 10:00", "--summary", "New patient"], &bob[..]].concat());
    let waits_for = |id: &str| {
        let items = queue_json(&p, &[]);
        let item = items.iter().find(|i| i["id"] == id).unwrap().clone();
        item["reasons"][0].as_str().unwrap_or_default().to_string()
    };
    kept_order_agrees(&p);
    assert_eq!(waits_for(&result), "blocked by registration R2-0001");

    // The second registration was really the first: amended to an earlier time, it is the one the
    // others wait for, and it inherits their urgency instead.
    p.run_as("JS", &["amend", &second_reg, "--set", "occurred_at=21/11/2026 08:00", "--reason", "Time mistyped"])
        .success();
    kept_order_agrees(&p);
    assert_eq!(waits_for(&result), "blocked by registration R2-0002");
    assert_eq!(waits_for(&first_reg), "blocked by registration R2-0002");

    // The abnormal result was Bob's: moved to him, it waits for his registration, and Ann's give up
    // what they inherited from it.
    p.run_as("JS", &[&["amend", &result, "--reason", "Wrong patient"], &bob[..]].concat()).success();
    kept_order_agrees(&p);
    assert_eq!(waits_for(&result), "blocked by registration R2-0004");
}

/// Due times count days on the calendar at go-live's clock time, across both clock changes of 2026;
/// a claim's four hours are four hours.
#[test]
fn due_times_keep_go_lives_clock_time_across_a_change_of_the_clocks() {
    let p = Practice::new();
    p.run(&["init", "--fdp", "26/03/2026 17:00", "--go-live", "27/03/2026 08:00"]).success();
    p.run_as("JS", &["staff", "add", "KL", "--name", "Kim Lee", "--role", "admin"]).success();
    let call = log_phone(&p, "26/03/2026 18:00", "call");
    let summary = p.log(&["summarisation", "--patient", "9434765919", "--at", "26/03/2026 18:10", "--summary", "sum"]);
    let booked = p.log(&[
        "appointment",
        "--patient",
        "9992345675",
        "--at",
        "26/03/2026 18:20",
        "--summary",
        "booked",
        "--set",
        "appointment_at=03/04/2026 08:00",
        "--set",
        "appointment_status=booked",
    ]);
    let spring = || {
        let mut cmd = p.cmd();
        cmd.env("CUTOVER_NOW", "2026-03-27T09:00:00Z");
        cmd
    };
    let out = spring().args(["queue", "--format", "json"]).assert().success().get_output().stdout.clone();
    let items: Vec<Value> = serde_json::from_slice(&out).unwrap();
    let due = |id: &str| items.iter().find(|i| i["id"] == id).map(|i| i["due"].as_str().unwrap().to_string());
    assert_eq!(due(&call).as_deref(), Some("2026-04-03T08:00:00+01:00"), "tier 3: 7 days");
    assert_eq!(due(&summary).as_deref(), Some("2026-04-24T08:00:00+01:00"), "tier 4: 28 days");
    assert_eq!(due(&booked).as_deref(), Some("2026-04-03T07:00:00+01:00"), "an hour before the patient");
    let explained = stdout_of(&spring().args(["queue", "--explain"]).assert().success());
    assert!(explained.contains("appointment 7 days after go-live"), "{explained}");

    // Claimed at 00:30 BST on the night the clocks go back: four hours later is 03:30 GMT.
    p.run(&["init", "--fdp", "23/10/2026 17:00", "--go-live", "24/10/2026 08:00"]).success();
    let claim = p
        .cmd()
        .env("CUTOVER_NOW", "2026-10-24T23:30:00Z")
        .env("CUTOVER_USER", "KL")
        .args(["claim", &call])
        .assert()
        .success();
    let said = format!("{}{}", stdout_of(&claim), stderr_of(&claim));
    assert!(said.contains("25/10/2026 03:30"), "{said}");
}

#[test]
fn done_refuses_a_traced_nhs_number_that_is_another_patients_until_confirmed() {
    let p = practice();
    p.log(&[
        "note",
        "--patient",
        "9992345675",
        "--family",
        "Smith",
        "--given",
        "Anne",
        "--dob",
        "01/01/1960",
        "--summary",
        "x",
    ]);
    let reg = p.log(&[
        "registration",
        "--at",
        "21/11/2026 11:00",
        "--summary",
        "New patient",
        "--family",
        "Llŷr",
        "--given",
        "Siân",
        "--dob",
        "03/04/1950",
    ]);
    let said = refused(
        &p,
        Some("KL"),
        &["done", &reg, "--nhs-number", "999 234 5675", "--ref", "S1-9"],
        2,
        "already belongs to",
    );
    assert!(said.contains("NHS number 999 234 5675 already belongs to SMITH, Anne (01/01/1960)"), "{said}");
    assert!(said.contains("--confirm"), "{said}");
    assert_eq!(status_of(&p, &reg), "open");
    let traced: Option<String> =
        p.sqlite().query_row("SELECT reentry_nhs_number FROM entry WHERE id = ?1", [&reg], |r| r.get(0)).unwrap();
    assert_eq!(traced, None, "nothing recorded");

    p.run_as("KL", &["done", &reg, "--nhs-number", "999 234 5675", "--ref", "S1-9", "--confirm"]).success();
    assert_eq!(status_of(&p, &reg), "done");
}

/// The table's column starts in display columns, read from its header (ASCII, columns two spaces
/// apart), and every row cut there. A cut must fall between graphemes, never inside a wide
/// character, and each cell must end in the two spaces that part the columns: that is every row
/// lining up with the header on a terminal.
fn cells_by_display_column(table: &str) -> Vec<Vec<String>> {
    use unicode_segmentation::UnicodeSegmentation;
    use unicode_width::UnicodeWidthStr;
    let mut lines = table.lines();
    let header = lines.next().expect("a header");
    let starts: Vec<usize> = (0..header.len())
        .filter(|&i| i == 0 || (i >= 2 && header[i - 2..].starts_with("  ") && !header[i..].starts_with(' ')))
        .collect();
    lines
        .map(|row| {
            let (mut cells, mut cell, mut column, mut next) = (Vec::new(), String::new(), 0, 1);
            for g in row.graphemes(true) {
                if next < starts.len() && column == starts[next] {
                    assert!(cell.ends_with("  "), "column {next} of {row:?} starts straight after text: {cell:?}");
                    cells.push(std::mem::take(&mut cell));
                    next += 1;
                }
                column += g.width();
                assert!(
                    next >= starts.len() || column <= starts[next],
                    "{g:?} in {row:?} reaches column {column}, past the start of column {next} at {}",
                    starts[next]
                );
                cell.push_str(g);
            }
            cells.push(cell);
            cells
        })
        .collect()
}

#[test]
fn list_and_queue_tables_line_up_by_display_width_with_cjk_emoji_and_accents() {
    let p = practice();
    let nurse = "\u{1F469}\u{200D}\u{2695}\u{FE0F}";
    let people: [(&str, &str, String); 5] = [
        ("Jones", "Siân", "Asked for blood results".to_string()),
        ("王", "秀英", "王秀英 asked for a home visit".to_string()),
        ("Dupont", "Rene\u{301}e", "Combining accent in the given name".to_string()),
        ("Nakamura", "Yui", format!("{nurse} nurse visit 🩺 booked, call\u{200B}back")),
        ("李", "小龍", "王秀英".repeat(10)),
    ];
    for (family, given, summary) in &people {
        let who = ["--family", family, "--given", given, "--dob", "03/04/1950"];
        p.log(&[&["telephone", "--summary", summary], &who[..]].concat());
    }

    let list = stdout_of(&p.run(&["list"]).success());
    let rows = cells_by_display_column(&list);
    assert_eq!(rows.len(), people.len(), "{list}");
    for row in &rows {
        assert_eq!(row.len(), 7, "every column up to BY, STATUS blank and trimmed: {row:?}\n{list}");
        assert_eq!(row[6], "JS", "{list}");
        assert!(people.iter().any(|(f, _, _)| row[4].starts_with(&f.to_uppercase())), "{row:?}\n{list}");
    }
    let cut = rows.iter().find(|r| r[4].starts_with("李")).expect("the long summary's row");
    assert!(cut[5].trim_end().ends_with('…'), "a cut is marked: {cut:?}");
    assert!(list.contains(nurse) && list.contains("Rene\u{301}e"), "nothing lost or split: {list}");

    let queue = stdout_of(&p.run(&["queue"]).success());
    let rows = cells_by_display_column(&queue);
    assert_eq!(rows.len(), people.len(), "{queue}");
    for row in &rows {
        assert_eq!(row.len(), 8, "every column up to STATUS, WHO blank and trimmed: {row:?}\n{queue}");
        assert!(["open", "blocked"].contains(&row[7].as_str()), "{row:?}\n{queue}");
    }
    let cut = rows.iter().find(|r| r[5].starts_with("李")).expect("the long summary's row");
    assert!(cut[6].trim_end().ends_with('…'), "a cut is marked: {cut:?}");
}

/// The practice with two clinicians, AB and CD, and a prescription logged by JS (a manager).
fn practice_with_clinicians() -> (Practice, String) {
    let p = practice();
    p.run_as("JS", &["staff", "add", "CD", "--name", "Dr Cara Dunn", "--role", "clinician"]).success();
    let rx = log_prescription(&p);
    (p, rx)
}

fn item_of(p: &Practice, id: &str) -> Value {
    let all = queue_json(p, &["--status", "all"]);
    all.into_iter().find(|i| i["id"] == id).unwrap_or_else(|| panic!("{id} not in --status all"))
}

fn waiting_for(p: &Practice, clinician: &str) -> Vec<String> {
    ids(&queue_json(p, &["--status", "query", "--for", clinician]))
}

#[test]
fn a_query_for_a_clinician_is_shown_everywhere_and_their_answer_sends_it_back_to_the_open_queue() {
    let (p, rx) = practice_with_clinicians();
    let asked = p.run_as("KL", &["query", "R2-0001", "--note", "Dose unclear: 1 or 2 tds?", "--to", "ab"]).success();
    assert!(stderr_of(&asked).contains("waiting for AB (Dr Aled Bevan)"), "{}", stderr_of(&asked));
    assert_eq!(waiting_for(&p, "AB"), [rx.as_str()]);
    assert!(waiting_for(&p, "CD").is_empty(), "the question was for AB");

    // The question, who asked, when and for whom: in JSON, CSV, the table, --explain and show.
    let item = item_of(&p, &rx);
    assert_eq!(item["question"], "Dose unclear: 1 or 2 tds?");
    assert_eq!(item["asked_by"], "KL");
    assert_eq!(item["asked_for"], "AB");
    let asked_at = item["asked_at"].as_str().expect("asked_at").to_string();
    assert!(asked_at.starts_with("2026-11-30T09:"), "{asked_at}");
    assert_eq!(item["answer"], Value::Null);
    let row = &csv_rows(&p, &["--status", "all"])[0];
    let cells = |row: &csv::StringRecord, from: usize, to: usize| -> Vec<String> {
        (from..to).map(|i| row[i].to_string()).collect()
    };
    assert_eq!(cells(row, 13, 17), ["Dose unclear: 1 or 2 tds?", "KL", asked_at.as_str(), "AB"]);
    assert_eq!(cells(row, 17, 20), ["", "", ""]);
    for args in [&["queue"][..], &["queue", "--explain"]] {
        let table = stdout_of(&p.run(args).success());
        assert!(table.contains("Question from KL on 30/11/2026 09:"), "{args:?}: {table}");
        assert!(table.contains("for AB: Dose unclear: 1 or 2 tds?"), "{args:?}: {table}");
    }
    let shown = stdout_of(&p.run(&["show", "R2-0001"]).success());
    assert!(shown.contains("Waiting for a clinician"), "{shown}");
    assert!(shown.contains("Question:") && shown.contains("Dose unclear: 1 or 2 tds? (KL, 30/11/2026 09:"), "{shown}");
    assert!(shown.contains("sent to a clinician with a question by KL"), "the re-entry history: {shown}");

    // Only a clinician answers; refused, nothing changes.
    refused(&p, Some("KL"), &["answer", "R2-0001", "--note", "2 tds"], 2, "Only a clinician can answer a query");
    refused(&p, Some("AB"), &["answer", "R2-0001", "--note", " "], 2, "note: is required");

    let answered = p.run_as("AB", &["answer", "R2-0001", "--note", "2 tds for 5 days"]).success();
    assert!(stderr_of(&answered).contains("back in the open queue"), "{}", stderr_of(&answered));
    let item = item_of(&p, &rx);
    assert_eq!(item["status"], "open", "back to the admins");
    assert_eq!(item["assignee"], Value::Null);
    assert_eq!(item["question"], "Dose unclear: 1 or 2 tds?", "the question stays with its answer");
    assert_eq!(item["answer"], "2 tds for 5 days");
    assert_eq!(item["answered_by"], "AB");
    assert!(item["answered_at"].as_str().is_some_and(|t| t >= asked_at.as_str()));
    assert!(waiting_for(&p, "AB").is_empty(), "answered: no longer waiting for AB");
    assert_eq!(ids(&queue_json(&p, &[])), [rx.as_str()], "in the open queue");
    let row = &csv_rows(&p, &[])[0];
    assert_eq!(cells(row, 17, 19), ["2 tds for 5 days", "AB"]);
    let table = stdout_of(&p.run(&["queue"]).success());
    assert!(table.contains("Answer from AB on 30/11/2026 09:") && table.contains(": 2 tds for 5 days"), "{table}");
    let shown = stdout_of(&p.run(&["show", "R2-0001"]).success());
    assert!(shown.contains("Answer:") && shown.contains("2 tds for 5 days (AB, 30/11/2026 09:"), "{shown}");
    assert!(shown.contains("answered by AB (Dr Aled Bevan)"), "{shown}");

    refused(&p, Some("AB"), &["answer", "R2-0001", "--note", "again"], 2, "not waiting for a clinician");
    let events: Vec<(String, String, Option<String>)> = p
        .sqlite()
        .prepare("SELECT action, staff_id, for_staff FROM reentry_event WHERE entry_id = ?1 ORDER BY at, rowid")
        .unwrap()
        .query_map([&rx], |r| Ok((r.get(0)?, r.get(1)?, r.get(2)?)))
        .unwrap()
        .collect::<Result<_, _>>()
        .unwrap();
    assert_eq!(events, [("query".into(), "KL".into(), Some("AB".into())), ("answer".into(), "AB".into(), None)]);
}

#[test]
fn a_query_naming_no_one_is_for_the_clinician_who_logged_it_or_else_for_any_clinician() {
    let (p, rx) = practice_with_clinicians();
    let by_cd = {
        let args = ["log", "telephone", "--patient", "9992345675", "--at", "21/11/2026 09:00", "--summary", "Rang"];
        stdout_of(&p.run_as("CD", &args).success()).trim().to_string()
    };
    p.run_as("KL", &["query", &by_cd, "--note", "Which result?"]).success();
    let anyone = p.run_as("KL", &["query", &rx, "--note", "Which dose?"]).success();
    assert!(stderr_of(&anyone).contains("waiting for any clinician"), "{}", stderr_of(&anyone));
    assert_eq!(waiting_for(&p, "CD").len(), 2, "CD logged one; the other is for anyone");
    assert_eq!(waiting_for(&p, "ab"), [rx.as_str()]);
    assert_eq!(item_of(&p, &by_cd)["asked_for"], "CD");
    assert_eq!(item_of(&p, &rx)["asked_for"], Value::Null);
    let table = stdout_of(&p.run(&["queue"]).success());
    assert!(table.contains("for any clinician: Which dose?"), "{table}");
    // Any clinician may answer, not only the one it is for.
    p.run_as("AB", &["answer", &by_cd, "--note", "The potassium"]).success();
    assert_eq!(item_of(&p, &by_cd)["answered_by"], "AB");
}

#[test]
fn a_query_for_or_a_list_for_someone_who_is_not_a_clinician_is_refused_and_changes_nothing() {
    let (p, _) = practice_with_clinicians();
    refused(
        &p,
        Some("KL"),
        &["query", "R2-0001", "--note", "Dose?", "--to", "KL"],
        2,
        "KL is on the staff list with the role admin",
    );
    refused(
        &p,
        Some("KL"),
        &["query", "R2-0001", "--note", "Dose?", "--to", "ZZ"],
        2,
        "no member of staff with the id \"ZZ\"",
    );
    refused(&p, None, &["queue", "--for", "KL"], 2, "KL is on the staff list with the role admin");
    refused(&p, None, &["queue", "--for", "ZZ"], 2, "no member of staff with the id \"ZZ\"");
    refused(&p, None, &["queue", "--for", "AB", "--status", "done"], 2, "--for");
}

/// Issue 12, item 8: go-live on Sunday at 08:00; a booking at 09:10 on Tuesday is within "2
/// working days" (Monday and Tuesday, as staff count them) and is go-live-day work, tier 2; one on
/// Wednesday is not. The explanation says which working day the window ends on.
#[test]
fn a_booking_on_the_second_working_day_after_go_live_is_go_live_day_work_whatever_its_time() {
    let p = Practice::new();
    p.run(&["init", "--go-live", "22/11/2026 08:00"]).success();
    let book = |when: &str| {
        let set = format!("appointment_at={when}");
        p.log(&[
            "appointment",
            "--patient",
            "9992345675",
            "--at",
            "21/11/2026 10:00",
            "--summary",
            "Booked at the desk",
            "--set",
            &set,
            "--set",
            "appointment_status=booked",
        ])
    };
    let tuesday = book("24/11/2026 09:10");
    let wednesday = book("25/11/2026 09:10");
    let items = queue_json(&p, &[]);
    let tier = |id: &str| items.iter().find(|i| i["id"] == id).map(|i| i["tier"].clone());
    assert_eq!(tier(&tuesday), Some(Value::from(2)), "the issue's example");
    assert_eq!(tier(&wednesday), Some(Value::from(3)));
    let explained = stdout_of(&p.run(&["queue", "--explain"]).success());
    assert!(explained.contains("within 2 working days of go-live (to the end of Tue 24 Nov)"), "{explained}");
}

/// Issue 12, item 2, on the command line and from paper forms: a registration logged or imported
/// with the new patient's NHS number is traced for the queue (it carries the number, is marked done
/// without a trace, and a prescription for the patient waits only for the registration, never
/// for a number); a mistyped number is refused by the same modulus 11 rule, and nothing is saved.
#[test]
fn a_registration_logged_or_imported_with_its_nhs_number_needs_no_trace() {
    let p = practice();
    let person = ["--set", "family_name=Kowalski", "--set", "given_name=Anna", "--set", "date_of_birth=14/02/1988"];
    let logged =
        p.log(&[&["registration", "--patient", "999 469 1341", "--summary", "New patient"], &person[..]].concat());
    let refused = p.run_as(
        "JS",
        &[&["log", "registration", "--patient", "999 469 1342", "--summary", "New patient"], &person[..]].concat(),
    );
    assert!(stderr_of(&refused.code(2)).contains("check digit"));
    let rx = log_prescription(&p);
    std::fs::write(
        p.dir.path().join("paper.csv"),
        "kind,occurred_at,summary,nhs_number,family_name,given_name,date_of_birth,recorded_by\n\
         registration,21/11/2026 10:00,Registered on paper,999 234 5675,Evans,Rhys,05/06/1970,JS\n",
    )
    .unwrap();
    p.run_as("JS", &["import", "entries", p.dir.path().join("paper.csv").to_str().unwrap()]).success();
    let imported = item_of_ref(&p, "Registered on paper");

    let items = queue_json(&p, &[]);
    assert_eq!(items.len(), 3, "nothing saved for the mistyped number");
    let of = |id: &str| items.iter().find(|i| i["id"] == id).unwrap().clone();
    assert_eq!(of(&logged)["nhs_number"], "9994691341");
    assert_eq!(of(&imported)["nhs_number"], "9992345675");
    // The prescription (for 999 469 1341) waits for the registration, not for a number.
    assert_eq!(of(&rx)["status"], "blocked");
    assert_eq!(of(&rx)["reasons"][0], "blocked by registration R2-0001");
    for id in [&logged, &imported] {
        p.run_as("KL", &["done", id, "--ref", "S1-1"]).success();
    }
    assert_eq!(status_of(&p, &rx), "open", "unblocked once its registration is done");
}

/// The id of the queue item whose summary is `summary`.
fn item_of_ref(p: &Practice, summary: &str) -> String {
    let items = queue_json(p, &[]);
    let item = items.iter().find(|i| i["summary"] == summary).unwrap_or_else(|| panic!("{summary} not in the queue"));
    item["id"].as_str().unwrap().to_string()
}
