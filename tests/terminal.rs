//! Text typed or imported never drives the terminal (issue 11, item 6): a control character, a
//! bidirectional override or a zero-width character in a CSV header or cell, an id given to `show`,
//! `--as`, a summary, a staff or patient name, a file's name, reaches stdout and stderr escaped,
//! through every message and every output for people. Data formats keep the data: JSON in its own
//! `\uXXXX` escapes, CSV as stored when it goes to a file or a pipe.

mod common;

use common::{Practice, stderr_of, stdout_of};

/// What a file from elsewhere might hold: set the window's title, clear the screen (in 7-bit and
/// in 8-bit form), ring the bell, turn the text around, and hide letters that take no room.
const HOSTILE: &str = "\u{1b}]0;PWNED\u{7}\u{1b}[2J\u{9b}31m\u{7f}\u{202e}Evil\u{2066}\u{200e}\u{61c}\u{200b}J\u{200d}S\u{200c}\u{2060}\u{feff}\u{8}End";

/// Escapes that show some of them: proof that the text reached the output at all. (clap leaves
/// out the escape sequences it recognises, and a table's cell may be cut short.)
const SHOWN: [&str; 2] = ["\\u{1b}]0;PWNED", "\\u{202e}Evil"];

/// Every character that must not reach a terminal raw, by this test's own list (not the
/// program's): C0 controls but the line end, DEL, C1, bidi controls and marks, zero-width.
fn raw_characters(text: &str) -> Vec<char> {
    text.chars()
        .filter(|&c| {
            (c.is_control() && c != '\n')
                || matches!(
                    c,
                    '\u{202a}'..='\u{202e}'
                        | '\u{2066}'..='\u{2069}'
                        | '\u{200e}'
                        | '\u{200f}'
                        | '\u{61c}'
                        | '\u{200b}'..='\u{200d}'
                        | '\u{2060}'
                        | '\u{feff}'
                )
        })
        .collect()
}

/// Both streams of a finished command hold nothing raw; `shown` says the hostile text reached them.
fn assert_safe(what: &str, assert: &assert_cmd::assert::Assert, shown: bool) {
    let (out, err) = (stdout_of(assert), stderr_of(assert));
    for (stream, text) in [("stdout", &out), ("stderr", &err)] {
        let raw = raw_characters(text);
        assert!(raw.is_empty(), "{what}: {stream} holds {raw:?} raw:\n{text}");
    }
    if shown {
        let seen = SHOWN.iter().any(|s| out.contains(s) || err.contains(s));
        assert!(seen, "{what}: the text is not shown at all:\n{out}\n{err}");
    }
}

#[cfg(unix)]
fn file(p: &Practice, name: &str, text: &str) -> String {
    let path = p.dir.path().join(name);
    std::fs::write(&path, text).unwrap();
    path.to_string_lossy().into_owned()
}

/// A practice whose log holds the hostile text everywhere a person can put text: the practice's
/// name, a member of staff's name, a patient's names, an entry's summary, field and void reason,
/// and a queue item's note.
fn hostile_practice() -> (Practice, String) {
    let p = Practice::new();
    p.run_as("JS", &["init", "--practice", HOSTILE, "--go-live", "23/11/2026 08:00"]).success();
    p.run_as("JS", &["staff", "add", "KL", "--name", HOSTILE, "--role", "admin"]).success();
    let id = p.log(&[
        "referral",
        "--family",
        HOSTILE,
        "--given",
        HOSTILE,
        "--dob",
        "03/04/1950",
        "--summary",
        HOSTILE,
        "--set",
        &format!("specialty={HOSTILE}"),
        "--set",
        "urgency=routine",
    ]);
    p.run_as("KL", &["amend", &id, "--set", "summary=Referral", "--reason", HOSTILE]).success();
    p.run_as("KL", &["amend", &id, "--set", &format!("summary={HOSTILE}"), "--reason", "again"]).success();
    // The same name and date of birth with an NHS number: a possible duplicate of the first.
    p.log(&[
        "note",
        "--patient",
        "9434765919",
        "--family",
        HOSTILE,
        "--given",
        HOSTILE,
        "--dob",
        "03/04/1950",
        "--summary",
        HOSTILE,
        "--confirm",
    ]);
    let voided = p.log(&["note", "--patient", "9992345675", "--summary", "Logged in error"]);
    p.run_as("JS", &["void", &voided, "--reason", HOSTILE]).success();
    let queried = p.log(&["note", "--patient", "9992345675", "--summary", "Needs a clinician"]);
    p.run_as("KL", &["query", &queried, "--note", HOSTILE]).success();
    (p, id)
}

#[test]
fn what_the_log_holds_is_shown_escaped_by_every_command_for_people() {
    let (p, id) = hostile_practice();
    let commands: &[&[&str]] = &[
        &["list"],
        &["list", "--limit", "1"],
        &["show", &id],
        &["info"],
        &["staff", "list"],
        &["queue"],
        &["queue", "--explain", "--status", "all"],
        &["queue", "--format", "html"],
        &["report"],
        &["report", "--format", "html"],
        &["patients", "duplicates"],
        &[],
    ];
    for args in commands {
        let done = p.run_as("JS", args);
        assert_safe(&format!("cutover {}", args.join(" ")), &done, true);
    }
}

#[test]
fn what_a_command_is_given_is_escaped_in_every_message_about_it() {
    let (p, id) = hostile_practice();
    let missing = p.dir.path().join(format!("{HOSTILE}.cutover"));
    let missing = missing.to_string_lossy().into_owned();
    let out = |name: &str| p.dir.path().join(format!("{HOSTILE}{name}")).to_string_lossy().into_owned();
    let cases: Vec<(&str, Vec<String>, bool)> = vec![
        ("show an id", vec!["show".into(), HOSTILE.into()], true),
        ("a carriage return", vec!["show".into(), "\u{202e}Evil\rR2-0001".into()], true),
        ("--as an id", vec!["--as".into(), HOSTILE.into(), "claim".into(), id.clone()], true),
        ("claim an id", vec!["claim".into(), HOSTILE.into()], true),
        ("amend a field", vec!["amend".into(), id.clone(), "--set".into(), format!("{HOSTILE}=1")], true),
        (
            "--set without =",
            vec!["log".into(), "note".into(), "--summary".into(), "x".into(), "--set".into(), HOSTILE.into()],
            true,
        ),
        (
            "a role",
            vec![
                "staff".into(),
                "add".into(),
                "XY".into(),
                "--name".into(),
                "X".into(),
                "--role".into(),
                HOSTILE.into(),
            ],
            true,
        ),
        ("merge a missing file", vec!["merge".into(), missing], true),
        ("--db", vec!["--db".into(), out(".db"), "list".into()], true),
        ("a clap error", vec!["list".into(), "--format".into(), HOSTILE.into()], true),
        ("an unknown option", vec!["list".into(), format!("--{HOSTILE}")], true),
        ("a workstation prefix", vec!["init".into(), "--prefix".into(), HOSTILE.into()], true),
        ("--map", vec!["import".into(), "patients".into(), "x.csv".into(), "--map".into(), HOSTILE.into()], true),
        ("export --out", vec!["export".into(), "--out".into(), out(".cutover")], true),
        ("backup --out", vec!["backup".into(), "--out".into(), out(".db")], true),
        ("report --out", vec!["report".into(), "--out".into(), out(".txt")], true),
        ("queue --out", vec!["queue".into(), "--format".into(), "csv".into(), "--out".into(), out(".csv")], true),
        ("a note too long", vec!["query".into(), id.clone(), "--note".into(), HOSTILE.repeat(100)], false),
        (
            "join by a record id",
            vec!["patients".into(), "join".into(), HOSTILE.into(), HOSTILE.into(), "--reason".into(), "x".into()],
            true,
        ),
    ];
    for (what, args, shown) in cases {
        let done = p.cmd().env("CUTOVER_USER", "JS").args(&args).assert();
        assert_safe(what, &done, shown);
    }
}

// Unix only: the files' own names carry the hostile text, and Windows refuses such names.
#[cfg(unix)]
#[test]
fn a_hostile_file_is_escaped_in_everything_said_about_it() {
    let p = Practice::new();
    let header = file(
        &p,
        "header.csv",
        &format!(
            "kind,occurred_at,summary,nhs_number,recorded_by,{HOSTILE}\nnote,21/11/2026 10:00,Called,9992345675,JS,x\n"
        ),
    );
    // A cell is quoted back when its letters look garbled by a spreadsheet ("SiÃ¢n").
    let cell = file(
        &p,
        "cell.csv",
        &format!(
            "kind,occurred_at,summary,nhs_number,recorded_by\nnote,21/11/2026 10:00,\"SiÃ¢n {HOSTILE}\",9992345675,JS\n"
        ),
    );
    let patients = file(
        &p,
        "patients.csv",
        &format!("NHS Number,Surname,Forename,DOB,{HOSTILE}\n9992345675,\"{HOSTILE}\",\"{HOSTILE}\",03/04/1950,x\n"),
    );
    let named = file(&p, &format!("{HOSTILE}.csv"), "kind,occurred_at,summary,nhs_number,recorded_by\n");
    let cases: Vec<(&str, Vec<&str>)> = vec![
        ("an import's header", vec!["import", "entries", &header]),
        ("an import's cell", vec!["import", "entries", &cell]),
        ("a patient list's unused column", vec!["import", "patients", &patients]),
        ("a file's name", vec!["import", "entries", &named]),
    ];
    for (what, args) in cases {
        let done = p.run_as("JS", &args);
        assert_safe(what, &done, true);
    }
    // The patient list's names went in as they were, and come out escaped.
    assert_safe("the list after import", &p.run(&["patients", "duplicates"]), false);
    let held: String = p.sqlite().query_row("SELECT family_name FROM patient", [], |r| r.get(0)).unwrap();
    assert_eq!(held, HOSTILE.trim_end_matches('\r'), "stored as it was in the file, but the line end");
}

// Unix only: the files' own names carry the hostile text, and Windows refuses such names.
#[cfg(unix)]
#[test]
fn merging_a_file_with_a_hostile_name_and_staff_says_both_escaped() {
    let there = Practice::empty();
    there.run(&["init", "--practice", "Riverside Surgery", "--prefix", "R3"]).success();
    there.run(&["staff", "add", "JS", "--name", HOSTILE, "--role", "manager"]).success();
    there.log(&["note", "--patient", "9992345675", "--summary", HOSTILE]);
    let export = there.dir.path().join(format!("{HOSTILE}.cutover"));
    there.run_as("JS", &["export", "--out", &export.to_string_lossy()]).success();
    let here = Practice::new();
    let done = here.run_as("JS", &["merge", &export.to_string_lossy()]);
    assert_safe("merge", &done.success(), true);
}

#[test]
fn json_keeps_the_text_exactly_and_shows_nothing_raw() {
    let (p, id) = hostile_practice();
    for args in [&["list", "--format", "json"][..], &["show", &id, "--format", "json"], &["queue", "--format", "json"]]
    {
        let done = p.run(args).success();
        assert_safe(&args.join(" "), &done, false);
        let value: serde_json::Value = serde_json::from_slice(&done.get_output().stdout).unwrap();
        assert!(value.to_string().contains("PWNED"), "{value}");
        let summaries = match &value {
            serde_json::Value::Array(items) => items.iter().map(|i| i["summary"].clone()).collect(),
            one => vec![one["summary"].clone()],
        };
        assert!(summaries.contains(&serde_json::Value::from(HOSTILE)), "{args:?}: {summaries:?}");
    }
}

#[test]
fn csv_to_a_file_or_a_pipe_keeps_the_text_as_stored() {
    let (p, id) = hostile_practice();
    for args in [&["list", "--format", "csv"][..], &["show", &id, "--format", "csv"], &["queue", "--format", "csv"]] {
        let done = p.run(args).success();
        let mut csv = csv::Reader::from_reader(done.get_output().stdout.as_slice());
        let found = csv.records().any(|r| r.unwrap().iter().any(|cell| cell == HOSTILE));
        assert!(found, "{args:?}: the summary is not in the CSV as stored:\n{}", stdout_of(&done));
    }
    let queue_file = p.dir.path().join("queue.csv");
    p.run(&["queue", "--format", "csv", "--out", &queue_file.to_string_lossy()]).success();
    assert!(std::fs::read_to_string(&queue_file).unwrap().contains(HOSTILE));
}

#[test]
fn the_welsh_flag_a_family_and_persian_are_shown_as_they_are() {
    let p = Practice::new();
    // Each keeps the joiners and tag characters it is made of: they join, they hide nothing.
    let family = "\u{1F468}\u{200D}\u{1F469}\u{200D}\u{1F467}";
    let welsh_flag = "\u{1F3F4}\u{E0067}\u{E0062}\u{E0077}\u{E006C}\u{E0073}\u{E007F}";
    let persian = "\u{645}\u{6CC}\u{200C}\u{62E}\u{648}\u{627}\u{647}\u{645}";
    let summary = format!("Siân Llŷr {family} {welsh_flag} {persian}");
    let id = p.log(&["note", "--patient", "9992345675", "--summary", &summary]);
    let shown = stdout_of(&p.run(&["show", &id]).success());
    assert!(shown.contains(&summary), "{shown}");
    let table = stdout_of(&p.run(&["list"]).success());
    assert!(table.contains(family) && table.contains(persian), "{table}");
}

/// A value that would break a message over lines, or line its words up somewhere else: a line
/// break, a tab and a colour change.
const BREAKING: &str = "Kim\nLee\tX\u{1b}[31m";

/// What a person sees of it: every character on the line it was quoted on.
const BREAKING_SHOWN: &str = "Kim\\nLee\\tX\\u{1b}[31m";

/// `err` is `lines` messages, each on its own line, and shows the value.
fn assert_lines(what: &str, err: &str, lines: usize) {
    assert_eq!(err.lines().count(), lines, "{what}: a message was broken over lines:\n{err}");
    assert!(err.contains(BREAKING_SHOWN), "{what}: the value is not shown:\n{err}");
    assert!(raw_characters(err).is_empty(), "{what}: raw characters:\n{err}");
}

/// A line break or tab inside a value a message quotes (a name typed or held, an id, a reference,
/// a role, a setting, a service, a checklist item, a column's header, a file's name) is shown
/// escaped on the message's own line: stderr keeps one line per message, as a person or a script
/// reading it expects. The output layer keeps a message's own line breaks, so the value must not
/// bring any.
#[test]
fn a_line_break_in_a_quoted_value_keeps_each_message_on_its_own_line() {
    let p = Practice::new();
    let entry = p.log(&["note", "--patient", "9992345675", "--summary", "Called back"]);
    // A name typed, said back when it is saved, and held: said again when a query goes to them.
    let added = p.run_as("JS", &["staff", "add", "KL", "--name", BREAKING, "--role", "clinician"]).success();
    assert_lines("a staff name added", &stderr_of(&added), 1);
    p.run(&["init", "--go-live", "23/11/2026 08:00"]).success();
    let asked = p.run_as("JS", &["query", &entry, "--note", "Which dose?", "--to", "KL"]).success();
    assert_lines("a staff name held", &stderr_of(&asked), 1);
    // What is refused, with a setting in the environment where it is one.
    type Case<'a> = (&'a str, Vec<&'a str>, Option<(&'a str, &'a str)>);
    let typed: Vec<Case> = vec![
        ("an id given to show", vec!["show", BREAKING], None),
        ("--as", vec!["claim", &entry], Some(("CUTOVER_USER", BREAKING))),
        ("a role", vec!["staff", "add", "XY", "--name", "X", "--role", BREAKING], None),
        ("--set without =", vec!["log", "note", "--summary", "x", "--set", BREAKING], None),
        ("a service", vec!["services", "set", BREAKING, "--note", "x"], None),
        ("a checklist item", vec!["checklist", "tick", BREAKING], None),
        ("a checklist role", vec!["checklist", "--role", BREAKING], None),
        ("CUTOVER_NOW", vec!["list"], Some(("CUTOVER_NOW", BREAKING))),
        ("a record id", vec!["patients", "join", BREAKING, "x", "--reason", "x"], None),
    ];
    for (what, args, env) in typed {
        let mut cmd = p.cmd();
        cmd.env("CUTOVER_USER", "JS");
        if let Some((key, value)) = env {
            cmd.env(key, value);
        }
        let done = cmd.args(&args).assert().failure();
        assert_lines(what, &stderr_of(&done), 1);
    }
}

/// The same for what a file holds and a file's own name.
// Unix only: a file's name with a line break in it, which Windows refuses.
#[cfg(unix)]
#[test]
fn a_line_break_in_a_files_name_or_header_keeps_each_message_on_its_own_line() {
    let p = Practice::new();
    let header = file(
        &p,
        "header.csv",
        &format!(
            "kind,occurred_at,summary,nhs_number,recorded_by,\"{BREAKING}\"\nnote,21/11/2026 10:00,Called,9992345675,JS,x\n"
        ),
    );
    let done = p.run_as("JS", &["import", "entries", &header]).code(2);
    assert_lines("an import's header", &stderr_of(&done), 1);
    let named = file(&p, &format!("{BREAKING}.csv"), "kind,occurred_at,summary,nhs_number,recorded_by\n");
    let done = p.run_as("JS", &["import", "entries", &named]).code(2);
    assert_lines("a file's name", &stderr_of(&done), 1);
    let out = p.dir.path().join(format!("{BREAKING}.db"));
    let done = p.run(&["backup", "--out", &out.to_string_lossy()]).success();
    assert_lines("a backup's name", &stderr_of(&done), 1);
}
