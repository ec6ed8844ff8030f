//! `report` in each format, checked against a database built for the test.

mod common;

use chrono::Utc;
use common::{Practice, stdout_of};

fn practice() -> Practice {
    let p = Practice::new();
    p.run(&["init", "--go-live", "23/11/2026 08:00", "--read-only-days", "45"]).success();
    p.log(&["note", "--patient", "9992345675", "--at", "21/11/2026 10:05", "--summary", "one"]);
    p.log(&["note", "--patient", "9434765919", "--at", "21/11/2026 10:20", "--summary", "two"]);
    p.log(&[
        "prescription",
        "--patient",
        "9434765919",
        "--at",
        "21/11/2026 10:59",
        "--summary",
        "Rx",
        "--set",
        "drug=Amoxicillin 500mg capsules",
    ]);
    let call = [
        "log",
        "telephone",
        "--family",
        "Jones",
        "--given",
        "Ann",
        "--dob",
        "01/01/1950",
        "--at",
        "21/11/2026 12:00",
        "--summary",
        "call",
    ];
    p.run_as("AB", &call).success();
    let voided = p.log(&["note", "--patient", "9992345675", "--at", "21/11/2026 12:30", "--summary", "mistake"]);
    p.run_as("JS", &["void", &voided, "--reason", "wrong patient"]).success();
    let list = p.dir.path().join("list.csv");
    std::fs::write(&list, "NHS Number,Surname,Forename,DOB\n9997037014,Jones,Ann,01/01/1950\n").unwrap();
    p.run_as("JS", &["import", "patients", list.to_str().unwrap()]).success();
    p
}

/// Days from the test clock's today (UK) to go-live's date plus 45 days.
fn days_left() -> i64 {
    let today = common::now().with_timezone(&chrono_tz::Europe::London).date_naive();
    let end = chrono::NaiveDate::from_ymd_opt(2026, 11, 23).unwrap() + chrono::Duration::days(45);
    (end - today).num_days().max(0)
}

fn report(p: &Practice, format: &str) -> String {
    stdout_of(&p.run(&["report", "--format", format]).success())
}

#[test]
fn the_csv_report_has_every_number() {
    let p = practice();
    let csv = report(&p, "csv");
    let days = days_left().to_string();
    for (section, item, value) in [
        ("cutover", "hours_fdp_to_go_live", "63.0"),
        ("cutover", "target_hours", "72"),
        ("cutover", "within_target", "yes"),
        ("cutover", "read_only_days_left", days.as_str()),
        ("entries", "total", "4"),
        ("entries", "voided", "1"),
        ("entries", "without_nhs_number", "1"),
        ("patients", "possible_duplicates", "1"),
        ("by_kind", "Note", "2"),
        ("by_kind", "Prescription", "1"),
        ("by_kind", "Telephone call", "1"),
        ("by_staff", "JS", "3"),
        ("by_staff", "AB", "1"),
        ("by_hour", "2026-11-21T10:00:00+00:00", "3"),
        ("by_hour", "2026-11-21T11:00:00+00:00", "0"),
        ("by_hour", "2026-11-21T12:00:00+00:00", "1"),
    ] {
        let line = format!("{section},{item},{value}\n");
        assert!(csv.contains(&line), "{line:?} in\n{csv}");
    }
    // Re-entry has not started: every live entry is open, spread over the queue's tiers.
    assert!(csv.contains("reentry,open,4\n"), "{csv}");
    let tier_total: i64 = csv
        .lines()
        .filter(|l| l.starts_with("reentry_tier_") && l.contains(",total,"))
        .map(|l| l.rsplit(',').next().unwrap().parse::<i64>().unwrap())
        .sum();
    assert_eq!(tier_total, 4);
}

#[test]
fn the_text_report_says_the_same() {
    let p = practice();
    let text = report(&p, "text");
    for expected in [
        "FDP to go-live:               63.0 hours (target: under 72 hours) within target",
        "Entries:                      4 (1 voided, not counted below)",
        "Entries without NHS number:   1",
        "Possible duplicate patients:  1",
        "Read-only old system:         ",
        "  Note                              2",
        "  Jo Smith (JS)                     3",
        "  Sat 21/11 10:00                   3",
        "  Sat 21/11 11:00                   0",
        "JONES, Ann (01/01/1950) 999 703 7014",
    ] {
        assert!(text.contains(expected), "{expected:?} in\n{text}");
    }
    assert!(text.contains(&format!("{} days left", days_left())), "{text}");
}

#[test]
fn the_html_report_is_one_self_contained_printable_page() {
    let p = practice();
    p.log(&["note", "--patient", "9992345675", "--at", "21/11/2026 12:40", "--summary", "<script>alert(1)</script>"]);
    let out = p.dir.path().join("report.html");
    p.run(&["report", "--format", "html", "--out", out.to_str().unwrap()]).success();
    let html = std::fs::read_to_string(out).unwrap();
    assert!(html.starts_with("<!DOCTYPE html>"));
    assert!(html.contains("@page { size: A4"));
    assert!(html.contains("<svg"));
    assert!(html.contains("63.0 hours against a target of 72 hours: <span class=\"ok\">within target</span>"));
    assert!(html.contains("<tr><th>Entries still without an NHS number</th><td>1</td></tr>"));
    assert!(html.contains("Sat 21/11 10:00: 3"), "hourly chart bar for 10:00");
    for external in ["http://", "https://", "<script", "<link", "src="] {
        let allowed = external == "http://"
            && html.matches(external).count() == html.matches("xmlns=\"http://www.w3.org/2000/svg\"").count();
        assert!(allowed || !html.contains(external), "{external} in the report");
    }
}

#[test]
fn the_cutovers_length_counts_until_go_live_and_then_stops() {
    let p = practice(); // FDP 20/11/2026 17:00, go-live 23/11/2026 08:00
    let text_at = |now: &str| stdout_of(&p.cmd().env("CUTOVER_NOW", now).args(["report"]).assert().success());
    let during = text_at("2026-11-21T05:00:00Z");
    assert!(
        during.contains("FDP to go-live:               12.0 hours so far (target: under 72 hours) within target"),
        "{during}"
    );
    for after in ["2026-11-23T08:00:00Z", "2026-11-30T15:00:00Z"] {
        let text = text_at(after);
        assert!(text.contains("FDP to go-live:               63.0 hours (target: under 72 hours)"), "{text}");
    }
    let before = text_at("2026-11-20T12:00:00Z");
    assert!(before.contains("FDP to go-live:               not started: FDP is still to come"), "{before}");
}

#[test]
fn the_two_hours_the_clocks_go_back_are_counted_and_named_apart() {
    let p = Practice::new();
    p.run(&["init", "--fdp", "24/10/2026 18:00", "--go-live", "26/10/2026 08:00"]).success();
    for at in ["25/10/2026 01:30", "25/10/2026 01:10 GMT", "25/10/2026 01:50 GMT", "25/10/2026 02:05"] {
        p.log(&["note", "--patient", "9992345675", "--at", at, "--summary", "night call"]);
    }
    let text = stdout_of(&p.cmd().env("CUTOVER_NOW", "2026-10-27T12:00:00Z").arg("report").assert().success());
    for row in ["Sun 25/10 01:00 BST", "Sun 25/10 01:00 GMT", "Sun 25/10 02:00"] {
        assert_eq!(text.matches(row).count(), 1, "{row} once in\n{text}");
    }
    assert!(text.contains(&format!("  {:<28}{:>7}", "Sun 25/10 01:00 BST", 1)), "{text}");
    assert!(text.contains(&format!("  {:<28}{:>7}", "Sun 25/10 01:00 GMT", 2)), "{text}");
    let csv = stdout_of(
        &p.cmd().env("CUTOVER_NOW", "2026-10-27T12:00:00Z").args(["report", "--format", "csv"]).assert().success(),
    );
    assert!(csv.contains("by_hour,2026-10-25T01:00:00+01:00,1\n"), "{csv}");
    assert!(csv.contains("by_hour,2026-10-25T01:00:00+00:00,2\n"), "{csv}");
    let html = stdout_of(
        &p.cmd().env("CUTOVER_NOW", "2026-10-27T12:00:00Z").args(["report", "--format", "html"]).assert().success(),
    );
    assert!(html.contains("Sun 25/10 01:00 BST") && html.contains("Sun 25/10 01:00 GMT"), "{html}");
}

#[test]
fn a_cutover_over_72_hours_says_so() {
    let p = Practice::new();
    p.run(&["init", "--go-live", "24/11/2026 18:00"]).success();
    let csv = report(&p, "csv");
    assert!(csv.contains("cutover,hours_fdp_to_go_live,97.0\n"), "{csv}");
    assert!(csv.contains("cutover,within_target,no\n"));
    assert!(report(&p, "text").contains("OVER TARGET"));
}

/// "23/11/2026 08:00" in UK time, as `init` and `log` take it.
fn uk(t: chrono::DateTime<Utc>) -> String {
    t.with_timezone(&chrono_tz::Europe::London).format("%d/%m/%Y %H:%M").to_string()
}

#[test]
fn the_burn_down_follows_items_out_of_the_queue_and_back_in() {
    use cutover::queue::{Request, act};
    use cutover::store::{OpenMode, Store};

    // Go-live 30 hours ago, on the minute: the chart has a point an hour from then until now.
    let now = common::now();
    let go_live = chrono::DateTime::parse_from_rfc3339(&format!(
        "{}:00Z",
        (now - chrono::Duration::hours(30)).format("%Y-%m-%dT%H:%M")
    ))
    .unwrap()
    .with_timezone(&Utc);
    let p = Practice::new();
    let fdp = go_live - chrono::Duration::hours(10);
    p.run(&["init", "--fdp", &uk(fdp), "--go-live", &uk(go_live)]).success();
    let during = uk(fdp + chrono::Duration::hours(1));
    let ids: Vec<String> = ["a", "b", "c", "d"]
        .iter()
        .map(|s| p.log(&["note", "--patient", "9992345675", "--at", &during, "--summary", s]))
        .collect();
    let voided = p.log(&["note", "--patient", "9992345675", "--at", &during, "--summary", "mistake"]);
    p.run_as("JS", &["void", &voided, "--reason", "wrong patient"]).success();

    // Work the queue at chosen times, through the queue's own rules.
    let store = Store::open(&cutover::config::DatabaseLocation::at(p.db.clone()), OpenMode::Existing).unwrap();
    let actor = store.actor(Some("JS")).unwrap();
    let after = |minutes: i64| go_live + chrono::Duration::minutes(minutes);
    let done = || Request::Done {
        new_system_ref: Some("S1-1".into()),
        note: None,
        nhs_number: None,
        waive_nhs: None,
        take_over: false,
    };
    act(&store, &actor, &ids[0], &done(), after(90)).unwrap();
    act(&store, &actor, &ids[1], &Request::NotRequired { reason: "duplicate".into() }, after(130)).unwrap();
    act(&store, &actor, &ids[2], &done(), after(180)).unwrap();
    act(&store, &actor, &ids[0], &Request::Reopen { note: None }, after(300)).unwrap();
    act(&store, &actor, &ids[3], &Request::Query { note: "which dose?".into(), to: None }, after(360)).unwrap();
    drop(store);

    let csv = report(&p, "csv");
    let points: Vec<(String, i64)> = csv
        .lines()
        .filter_map(|l| l.strip_prefix("burn_down,"))
        .map(|l| {
            let (t, n) = l.rsplit_once(',').unwrap();
            (t.to_string(), n.parse().unwrap())
        })
        .collect();
    let counts: Vec<i64> = points.iter().map(|(_, n)| *n).collect();
    // Four live items at go-live (the voided one is not an item); one finished by 02:00, two more
    // by 03:00 (on the hour counts), one back at 05:00; a query is still open.
    assert_eq!(counts[..7], [4, 4, 3, 1, 1, 2, 2], "{csv}");
    assert!(counts[7..].iter().all(|n| *n == 2), "{counts:?}");
    assert!(points.len() >= 31, "a point an hour for 30 hours, and now: {}", points.len());
    let go_live_iso = go_live.with_timezone(&chrono_tz::Europe::London).format("%Y-%m-%dT%H:%M:%S%:z").to_string();
    assert_eq!(points[0].0, go_live_iso);
    // The same count as the re-entry statuses say now.
    for row in ["reentry,open,1\n", "reentry,query,1\n", "reentry,done,1\n", "reentry,not_required,1\n"] {
        assert!(csv.contains(row), "{row:?} in\n{csv}");
    }

    let label = go_live.with_timezone(&chrono_tz::Europe::London).format("%a %d/%m %H:%M").to_string();
    let text = report(&p, "text");
    assert!(text.contains("Re-entry burn-down: items still open (UK time)"), "{text}");
    assert!(text.contains(&format!("  {label:<28}{:>7}", 4)), "{text}");
    let html = report(&p, "html");
    assert!(html.contains("<polyline"), "{html}");
    assert!(html.contains(&format!("<title>{label}: 4 open</title>")), "{html}");
    assert!(html.contains("4 open at go-live"), "{html}");
    assert!(html.contains("; 2 open now."), "{html}");
}

#[test]
fn before_go_live_the_report_says_when_the_burn_down_starts() {
    let p = Practice::new();
    let go_live = uk(common::now() + chrono::Duration::days(2));
    p.run(&["init", "--go-live", &go_live]).success();
    p.log(&["note", "--patient", "9992345675", "--summary", "one"]);
    let starts = format!("The burn-down starts at go-live, {go_live}.");
    assert!(report(&p, "text").contains(&format!("Re-entry burn-down: {starts}")), "{}", report(&p, "text"));
    assert!(report(&p, "html").contains(&format!("<p>{starts}</p>")));
    assert!(!report(&p, "csv").contains("burn_down,"));
}

/// Text a spreadsheet would run as a formula, in every place a person can type it.
const FORMULA: &str = "=HYPERLINK(\"http://example.invalid\",\"click\")";

/// Every cell of a CSV text, parsed as a spreadsheet would.
fn cells(text: &str) -> Vec<String> {
    let mut reader = csv::ReaderBuilder::new().has_headers(false).flexible(true).from_reader(text.as_bytes());
    reader.records().flat_map(|r| r.unwrap().iter().map(str::to_string).collect::<Vec<_>>()).collect()
}

#[test]
fn no_csv_cutover_writes_has_a_cell_a_spreadsheet_would_run() {
    let p = Practice::new();
    p.run(&["init", "--practice", "@SUM(1+1)*cmd|' /C calc'!A0", "--go-live", "23/11/2026 08:00"]).success();
    let logged = [
        ("note", "-ve pregnancy test"),
        ("note", FORMULA),
        ("note", "+44 7700 900123 rang"),
        ("note", "@SUM(A1:A9)"),
        ("note", "\t=1+1"),
        ("note", "\r=1+1"),
    ];
    let mut ids = Vec::new();
    for (i, (kind, summary)) in logged.iter().enumerate() {
        let at = format!("21/11/2026 10:{:02}", i);
        ids.push(p.log(&[
            kind,
            "--family",
            "=Jones",
            "--given",
            "@Ann",
            "--dob",
            "01/01/1950",
            "--at",
            &at,
            "--summary",
            summary,
        ]));
    }
    p.run_as("JS", &["amend", &ids[0], "--set", "summary=-ve, repeat", "--reason", "=1+1"]).success();
    let bad = p.dir.path().join("paper.csv");
    std::fs::write(
        &bad,
        format!(
            "kind,occurred_at,summary,recorded_by,nhs_number\nnote,21/11/2026 10:00,\"{}\",JS,999 123 4560\nnote,21/11/2026 10:01,\"\t=2+2\",JS,\"\r=3+3\"\n",
            FORMULA.replace('"', "\"\"")
        ),
    )
    .unwrap();
    let rejects = p.dir.path().join("rejects.csv");
    p.run_as(
        "JS",
        &["import", "entries", bad.to_str().unwrap(), "--skip-invalid", "--rejects", rejects.to_str().unwrap()],
    )
    .success();

    let outputs: Vec<(&str, String)> = vec![
        ("list", stdout_of(&p.run(&["list", "--format", "csv"]).success())),
        ("show", stdout_of(&p.run(&["show", &ids[0], "--format", "csv"]).success())),
        ("queue", stdout_of(&p.run(&["queue", "--status", "all", "--format", "csv"]).success())),
        ("report", stdout_of(&p.run(&["report", "--format", "csv"]).success())),
        ("rejects", std::fs::read_to_string(&rejects).unwrap()),
    ];
    for (what, text) in &outputs {
        let all = cells(text);
        assert!(all.len() > 3, "{what}: {text}");
        for cell in &all {
            let runs = cell.starts_with(['=', '+', '-', '@', '\t', '\r'])
                && !(cell.starts_with('-') && cell[1..].parse::<f64>().is_ok());
            assert!(!runs, "{what} writes {cell:?} raw:\n{text}");
        }
    }
    // Each output carries the typed text, made safe, not dropped.
    let list = &outputs[0].1;
    assert!(list.contains("'=HYPERLINK") && list.contains("'+44 7700") && list.contains("'@SUM(A1"), "{list}");
    assert!(outputs[1].1.contains("'=1+1") && outputs[1].1.contains("'-ve, repeat"), "{}", outputs[1].1);
    assert!(outputs[2].1.contains("'=JONES, @Ann"), "{}", outputs[2].1);
    assert!(list.contains(",'=Jones,'@Ann,"), "{list}");
    assert!(outputs[3].1.contains("'@SUM(1+1)"), "{}", outputs[3].1);
    assert!(outputs[4].1.contains("'=HYPERLINK") && outputs[4].1.contains("'\t=2+2"), "{}", outputs[4].1);
    assert!(outputs[4].1.contains("'\r=3+3"), "{}", outputs[4].1);
    // JSON stays faithful: what was typed, unchanged.
    let json = p.list_json();
    let summaries: Vec<&str> = json.as_array().unwrap().iter().map(|e| e["summary"].as_str().unwrap()).collect();
    assert!(summaries.contains(&FORMULA) && summaries.contains(&"+44 7700 900123 rang"), "{summaries:?}");
}

/// Issue 16, item 6: the call-back list in the report: how many new patients were asked to come
/// back after go-live, how many are not registered in the new system yet, and how many
/// registrations do not say; in text, HTML and CSV alike.
#[test]
fn the_report_counts_new_patients_asked_to_come_back_and_those_not_registered_yet() {
    let p = practice();
    let register = |family: &str, asked: Option<&str>| -> String {
        let set = asked.map(|a| format!("asked_to_come_back={a}"));
        let mut args = vec!["registration", "--family", family, "--given", "Ann", "--dob", "03/04/1990"];
        args.extend(["--summary", "New patient at the desk", "--at", "21/11/2026 10:30"]);
        if let Some(set) = &set {
            args.extend(["--set", set.as_str()]);
        }
        let id = p.log(&args);
        p.sqlite().query_row("SELECT ref FROM entry WHERE id = ?1", [&id], |r| r.get(0)).unwrap()
    };
    let registered = register("Nowak", Some("yes"));
    register("Okafor", Some("yes"));
    register("Price", Some("yes"));
    register("Evans", Some("no"));
    register("Hughes", None);
    p.run_as("JS", &["done", &registered, "--ref", "EMIS-77", "--nhs-number", "9994691341"]).success();

    let text = report(&p, "text");
    assert!(
        text.contains(
            "Call-backs: 3 new patients asked to come back after go-live; 1 registered in the new system or not required, 2 NOT REGISTERED YET"
        ),
        "{text}"
    );
    assert!(
        text.contains("  1 other new registration does not say whether the patient was asked to come back"),
        "{text}"
    );
    let csv = report(&p, "csv");
    for line in
        ["callbacks,asked,3\n", "callbacks,registered,1\n", "callbacks,not_registered,2\n", "callbacks,unsaid,1\n"]
    {
        assert!(csv.contains(line), "{line:?} in\n{csv}");
    }
    let html = report(&p, "html");
    assert!(html.contains("<h2>New patients asked to come back after go-live</h2>"), "{html}");
    assert!(html.contains("<tr><th>Asked to come back</th><td>3</td></tr>"), "{html}");
    assert!(
        html.contains("<tr><th>Not registered in the new system yet</th><td><span class=\"over\">2</span></td></tr>"),
        "{html}"
    );
    assert!(html.contains("<tr><th>New registrations that do not say</th><td>1</td></tr>"), "{html}");
    // No names: the report counts them; `cutover callbacks` lists them.
    assert!(!text.contains("OKAFOR") && !text.contains("Okafor") && !html.contains("Okafor"), "{text}");
}
