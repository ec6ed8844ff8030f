//! Every fault and bad input of quality-bar.md: a clear message, the right exit code, and the file untouched.

mod common;

use std::fs;
use std::time::Duration;

use common::{Practice, stderr_of};
use predicates::str::contains;

const LOG_NOTE: [&str; 6] = ["log", "note", "--patient", "9992345675", "--summary", "x"];

/// A message for people: no Rust debug text, no panic.
fn assert_plain(stderr: &str) {
    for leak in ["Os {", "code:", "SqliteFailure", "panicked", "Error {", "RUST_BACKTRACE"] {
        assert!(!stderr.contains(leak), "technical text {leak:?} in: {stderr}");
    }
    assert!(!stderr.trim().is_empty());
}

/// Runs `args` as JS, expects `code` and `message`, and checks the database file did not change.
fn refused_unchanged(p: &Practice, args: &[&str], code: i32, message: &str) {
    let before = p.bytes();
    let result = p.run_as("JS", args).code(code);
    let stderr = stderr_of(&result);
    assert!(stderr.contains(message), "expected {message:?} in: {stderr}");
    assert_plain(&stderr);
    assert_eq!(before, p.bytes(), "the database file changed");
}

#[test]
fn an_invalid_nhs_number_is_refused_and_nothing_is_written() {
    let p = Practice::new();
    refused_unchanged(&p, &["log", "note", "--patient", "999 123 4560", "--summary", "x"], 2, "not a valid NHS number");
    refused_unchanged(
        &p,
        &["log", "note", "--patient", "999 234 567", "--summary", "x"],
        2,
        "has 10 digits; this has 9",
    );
}

#[test]
fn a_date_that_does_not_exist_is_refused() {
    let p = Practice::new();
    refused_unchanged(&p, &[&LOG_NOTE[..], &["--at", "31/02/2026"]].concat(), 2, "31/02/2026 is not a real date");
    refused_unchanged(
        &p,
        &["log", "note", "--family", "Jones", "--given", "Ann", "--dob", "30/02/1950", "--summary", "x"],
        2,
        "date_of_birth: 30/02/1950 is not a real date",
    );
}

#[test]
fn an_empty_summary_is_refused() {
    let p = Practice::new();
    refused_unchanged(&p, &["log", "note", "--patient", "9992345675", "--summary", "  "], 2, "summary: is required");
    refused_unchanged(&p, &["log", "note", "--patient", "9992345675"], 2, "summary: is required");
}

#[test]
fn a_summary_over_200_characters_is_refused() {
    let p = Practice::new();
    let long = "ŵ".repeat(201);
    refused_unchanged(
        &p,
        &["log", "note", "--patient", "9992345675", "--summary", &long],
        2,
        "201 characters long; at most 200",
    );
}

#[test]
fn a_file_that_is_not_a_database_is_refused_untouched() {
    let p = Practice::empty();
    fs::write(&p.db, "NHS number,Surname\n9434765919,Jones\n".repeat(200)).unwrap();
    refused_unchanged(&p, &LOG_NOTE, 1, "is not a cutover database");
    refused_unchanged(&p, &["list"], 1, "is not a cutover database");
    refused_unchanged(&p, &["init", "--practice", "X"], 1, "is not a cutover database");
}

#[test]
fn another_programs_sqlite_database_is_refused_untouched() {
    let p = Practice::empty();
    let conn = rusqlite::Connection::open(&p.db).unwrap();
    conn.execute_batch("CREATE TABLE moz_places (id INTEGER PRIMARY KEY, url TEXT);").unwrap();
    drop(conn);
    refused_unchanged(&p, &["init", "--practice", "X"], 1, "belongs to another program");
}

#[test]
fn a_damaged_database_is_refused_untouched() {
    let p = Practice::new();
    p.log(&["note", "--patient", "9992345675", "--summary", "x"]);
    let mut bytes = p.bytes();
    // Page 1 holds the schema: scribble over it, leaving the 100-byte file header intact.
    for b in &mut bytes[100..4000] {
        *b = 0xA5;
    }
    fs::write(&p.db, &bytes).unwrap();
    refused_unchanged(&p, &["list"], 1, "is damaged");
    refused_unchanged(&p, &LOG_NOTE, 1, "is damaged");
    refused_unchanged(&p, &["check"], 1, "is damaged");
}

#[test]
fn a_database_from_a_newer_version_is_refused_untouched() {
    let p = Practice::new();
    p.sqlite().pragma_update(None, "user_version", 99).unwrap();
    refused_unchanged(&p, &LOG_NOTE, 1, "made by a newer version of cutover");
    refused_unchanged(&p, &["list"], 1, "format is version 99");
}

#[test]
fn a_read_only_file_can_be_read_but_not_written() {
    let p = Practice::new();
    p.log(&["note", "--patient", "9992345675", "--summary", "kept"]);
    common::mark_read_only(&p.db, true);
    refused_unchanged(&p, &LOG_NOTE, 1, "is read-only");
    refused_unchanged(&p, &["init", "--practice", "Other"], 1, "is read-only");
    p.run(&["list"]).success().stdout(contains("kept"));
    let journals = ["cutover.db-wal", "cutover.db-shm"].map(|f| p.dir.path().join(f));
    assert!(journals.iter().all(|j| !j.exists()), "reading a read-only database left journal files");
    common::mark_read_only(&p.db, false);
    p.run_as("JS", &LOG_NOTE).success();
}

/// Unix only: Windows takes no notice of a read-only folder.
#[cfg(unix)]
#[test]
fn a_read_only_folder_is_refused_with_a_message() {
    use std::os::unix::fs::PermissionsExt;
    let p = Practice::new();
    let folder = p.dir.path();
    fs::set_permissions(folder, fs::Permissions::from_mode(0o555)).unwrap();
    let before = p.bytes();
    let result = p.run_as("JS", &LOG_NOTE).code(1);
    let other_db = folder.join("new.db");
    let create = p.cmd().env("CUTOVER_DB", &other_db).args(["init", "--practice", "X"]).assert().code(1);
    fs::set_permissions(folder, fs::Permissions::from_mode(0o755)).unwrap();
    assert!(stderr_of(&result).contains("folder"), "{}", stderr_of(&result));
    assert!(stderr_of(&create).contains("is read-only"), "{}", stderr_of(&create));
    assert!(!other_db.exists());
    assert_eq!(before, p.bytes());
}

#[test]
fn a_missing_folder_is_not_created_for_a_given_path() {
    let p = Practice::empty();
    let nowhere = p.dir.path().join("usb-stick").join("cutover.db");
    let result = p.cmd().env("CUTOVER_DB", &nowhere).args(["init", "--practice", "X"]).assert().code(1);
    assert!(stderr_of(&result).contains("does not exist"));
    assert_plain(&stderr_of(&result));
    assert!(!nowhere.parent().unwrap().exists());
}

#[test]
fn a_missing_database_is_reported_not_created() {
    let p = Practice::empty();
    p.run(&["list"]).code(1).stderr(contains("There is no cutover database"));
    p.run_as("JS", &LOG_NOTE).code(1).stderr(contains("cutover init"));
    p.run(&["staff", "add", "JS", "--name", "Jo Smith", "--role", "manager"]).code(1);
    p.run(&[]).code(1).stderr(contains("There is no cutover database"));
    p.run(&["init", "--ods", "Y12345"]).code(2).stderr(contains("--practice"));
    assert!(!p.db.exists());
}

#[test]
fn a_mistyped_nhs_number_is_reported_once_with_every_other_gap() {
    let p = Practice::new();
    let result = p.run_as("JS", &["log", "referral", "--patient", "999 123 456X", "--summary", "x"]).code(2);
    let stderr = stderr_of(&result);
    assert!(stderr.contains("nhs_number:"), "{stderr}");
    assert!(!stderr.contains("patient: is required"), "{stderr}");
    assert!(stderr.contains("specialty: is required") && stderr.contains("urgency: is required"), "{stderr}");
    let nameless = p.run_as("JS", &["log", "referral", "--family", "Jones", "--summary", "x"]).code(2);
    let stderr = stderr_of(&nameless);
    for gap in ["given_name: is required", "date_of_birth: is required", "specialty: is required"] {
        assert!(stderr.contains(gap), "{gap} missing from: {stderr}");
    }
}

#[test]
fn an_author_must_be_on_the_staff_list() {
    let p = Practice::new();
    refused_unchanged(
        &p,
        &[&LOG_NOTE[..], &["--set", "author=ZZ"]].concat(),
        2,
        "no member of staff with the id \"ZZ\"",
    );
    p.run_as("JS", &[&LOG_NOTE[..], &["--set", "author=ab"]].concat()).success();
}

#[test]
fn stock_cannot_be_amended_into_dispensing_without_a_patient() {
    let p = Practice::new();
    let id = p.log(&["dispensary_stock", "--summary", "Count", "--set", "item=Paracetamol", "--set", "quantity=3"]);
    refused_unchanged(&p, &["amend", &id, "--set", "movement=dispensed"], 2, "patient: is required");
    refused_unchanged(
        &p,
        &[
            "log",
            "dispensary_stock",
            "--summary",
            "x",
            "--set",
            "item=P",
            "--set",
            "quantity=1",
            "--patient",
            "9992345675",
        ],
        2,
        "only when it records stock dispensed",
    );
}

#[test]
fn a_writer_held_past_the_timeout_gets_a_message_and_nothing_changes() {
    let p = Practice::new();
    let holder = p.sqlite();
    holder.execute_batch("BEGIN IMMEDIATE").unwrap();
    let before = p.bytes();
    let result =
        p.cmd().env("CUTOVER_USER", "JS").env("CUTOVER_BUSY_TIMEOUT_MS", "300").args(LOG_NOTE).assert().code(1);
    assert!(stderr_of(&result).contains("is busy"), "{}", stderr_of(&result));
    assert_plain(&stderr_of(&result));
    holder.execute_batch("ROLLBACK").unwrap();
    drop(holder);
    assert_eq!(before, p.bytes());
    assert!(p.list_json().as_array().unwrap().is_empty());
}

/// Issue 11: the wait is said in words that fit it, whatever CUTOVER_BUSY_TIMEOUT_MS says (a short
/// one was "0.0 seconds").
#[test]
fn the_busy_message_says_how_long_it_waited_in_words_that_fit() {
    let p = Practice::new();
    let holder = p.sqlite();
    holder.execute_batch("BEGIN IMMEDIATE").unwrap();
    for (ms, said) in [
        ("0", "another cutover window or program is writing to it. Nothing was changed."),
        ("1", "for more than 1 millisecond."),
        ("40", "for more than 40 milliseconds."),
        ("1000", "for more than 1 second."),
        ("1500", "for more than 1.5 seconds."),
        ("2049", "for more than 2 seconds."),
    ] {
        let busy = p.cmd().env("CUTOVER_USER", "JS").env("CUTOVER_BUSY_TIMEOUT_MS", ms).args(LOG_NOTE).assert().code(1);
        let message = stderr_of(&busy);
        assert!(message.contains(said), "{ms} ms: {message}");
        assert!(!message.contains("0.0"), "{message}");
    }
    holder.execute_batch("ROLLBACK").unwrap();
}

/// Issue 11: every setting cutover reads from the environment is checked. A clock for rehearsals
/// that is not a time, or a database path that is empty, is refused (exit 2, nothing done); a wait,
/// a log level or a log folder that cannot be used is said and the usual one used; an empty
/// CUTOVER_USER is said. None is ignored without a word.
#[test]
fn a_setting_in_the_environment_that_cannot_be_used_is_said() {
    let p = Practice::new();
    let missing_parent = p.dir.path().join("no-such-folder").join("logs");
    let a_file = p.dir.path().join("cutover.db");
    let cases: Vec<(&str, std::ffi::OsString, Option<i32>, &str)> = vec![
        (
            "CUTOVER_BUSY_TIMEOUT_MS",
            "10s".into(),
            None,
            "CUTOVER_BUSY_TIMEOUT_MS is \"10s\", which is not a number of milliseconds",
        ),
        ("CUTOVER_BUSY_TIMEOUT_MS", "-5".into(), None, "waits the usual 10 seconds"),
        ("CUTOVER_BUSY_TIMEOUT_MS", "99999999999".into(), None, "not a number of milliseconds"),
        ("CUTOVER_NOW", "yesterday-ish".into(), Some(2), "CUTOVER_NOW is \"yesterday-ish\", which is not a time"),
        ("CUTOVER_NOW", "31/02/2026 10:00".into(), Some(2), "which is not a time"),
        (
            "CUTOVER_LOG",
            "verbose".into(),
            None,
            "CUTOVER_LOG is \"verbose\", which is not one of off, error, warn, info or debug",
        ),
        ("CUTOVER_LOG_DIR", missing_parent.clone().into(), None, "no diagnostic log is kept"),
        ("CUTOVER_LOG_DIR", a_file.clone().into(), None, "is a file, not a folder"),
        ("CUTOVER_USER", " ".into(), Some(2), "CUTOVER_USER is set but empty"),
        ("CUTOVER_DB", "".into(), Some(2), "an empty path names no database file. If CUTOVER_DB is set"),
    ];
    for (name, value, code, said) in cases {
        let before = p.bytes();
        let mut cmd = p.cmd();
        cmd.env(name, &value);
        if name != "CUTOVER_USER" {
            cmd.env("CUTOVER_USER", "JS");
        }
        let done = cmd.args(LOG_NOTE).assert();
        let message = stderr_of(&done);
        assert!(message.contains(said), "{name}={value:?}: {message}");
        assert_plain(&message);
        match code {
            Some(code) => {
                done.code(code);
                assert_eq!(before, p.bytes(), "{name}={value:?} changed the database");
            }
            None => {
                done.success();
            }
        }
    }
    assert!(!missing_parent.exists());
    let logged: i64 = p.sqlite().query_row("SELECT count(*) FROM entry", [], |r| r.get(0)).unwrap();
    assert_eq!(logged, 6, "each command that only had a note still saved its entry");
}

#[test]
fn a_second_writer_waits_for_the_first_rather_than_failing() {
    let p = Practice::new();
    let holder = p.sqlite();
    holder.execute_batch("BEGIN IMMEDIATE").unwrap();
    let release = std::thread::spawn(move || {
        std::thread::sleep(Duration::from_millis(700));
        holder.execute_batch("COMMIT").unwrap();
    });
    p.run_as("JS", &LOG_NOTE).success();
    release.join().unwrap();
    assert_eq!(p.list_json().as_array().unwrap().len(), 1);
}

/// A folder mounted read-only while this lives: a read-only disk, which (unlike a file's
/// permissions) the superuser cannot write either. `None` where this computer does not let the
/// tests mount (not root, or a container that forbids it): the test then says so and passes.
struct ReadOnlyMount(std::path::PathBuf);

impl ReadOnlyMount {
    fn over(dir: &std::path::Path) -> Option<ReadOnlyMount> {
        let mount = |args: &[&str]| {
            std::process::Command::new("mount").args(args).arg(dir).output().is_ok_and(|o| o.status.success())
        };
        if !mount(&["--bind", dir.to_str().unwrap()]) {
            eprintln!("skipped: this computer does not let the tests mount a read-only folder");
            return None;
        }
        let guard = ReadOnlyMount(dir.to_path_buf());
        if !mount(&["-o", "remount,ro,bind"]) {
            eprintln!("skipped: this computer does not let the tests make a mount read-only");
            return None;
        }
        Some(guard)
    }
}

impl Drop for ReadOnlyMount {
    fn drop(&mut self) {
        let _ = std::process::Command::new("umount").arg(&self.0).output();
    }
}

fn cannot_save_to(path: &std::path::Path) -> String {
    format!("cutover cannot save to {}: the disk or folder is read-only", path.display())
}

#[test]
fn a_database_on_a_read_only_disk_is_read_but_not_written() {
    let p = Practice::new();
    p.log(&["note", "--patient", "9992345675", "--summary", "kept"]);
    let Some(_read_only) = ReadOnlyMount::over(p.dir.path()) else { return };
    for args in [&LOG_NOTE[..], &["init", "--practice", "Other"]] {
        let result = p.run_as("JS", args).code(1);
        let stderr = stderr_of(&result);
        assert!(stderr.contains(&cannot_save_to(&p.db)), "{stderr}");
        assert!(stderr.contains("Nothing was saved."), "{stderr}");
        assert_plain(&stderr);
    }
    p.run(&["list"]).success().stdout(contains("kept"));
    let other = p.dir.path().join("new.db");
    let create = p.cmd().env("CUTOVER_DB", &other).args(["init", "--practice", "X"]).assert().code(1);
    assert!(stderr_of(&create).contains(&cannot_save_to(&other)), "{}", stderr_of(&create));
    assert!(!other.exists());
}

#[test]
fn a_file_written_to_a_read_only_disk_is_refused_in_plain_words() {
    let p = Practice::new();
    p.log(&["note", "--patient", "9992345675", "--summary", "kept"]);
    let bad_rows = p.dir.path().join("paper.csv");
    fs::write(&bad_rows, "kind,occurred_at,summary,recorded_by,nhs_number\nnote,21/11/2026 10:00,x,JS,999 123 4560\n")
        .unwrap();
    let usb = p.dir.path().join("usb");
    fs::create_dir(&usb).unwrap();
    let Some(_read_only) = ReadOnlyMount::over(&usb) else { return };
    let out = |name: &str| usb.join(name).to_str().unwrap().to_string();
    let rejects = ["import", "entries", bad_rows.to_str().unwrap(), "--skip-invalid", "--rejects"];
    let commands: [(&[&str], String); 6] = [
        (&["report", "--out"], out("report.txt")),
        (&["report", "--format", "html", "--out"], out("report.html")),
        (&["export", "--out"], out("export.cutover")),
        (&["backup", "--out"], out("backup.db")),
        (&["queue", "--format", "csv", "--out"], out("queue.csv")),
        (&rejects, out("rejects.csv")),
    ];
    for (args, file) in commands {
        let result = p.run_as("JS", &[args, &[file.as_str()]].concat()).code(1);
        let stderr = stderr_of(&result);
        assert!(stderr.contains(&cannot_save_to(std::path::Path::new(&file))), "{args:?}: {stderr}");
        assert_plain(&stderr);
    }
}

/// Issue 11, item 1: a file that is empty or holds a byte or two (a copy cut short, a full disk) is
/// never taken as a new database by any command — not filled in, not called healthy — and not a
/// byte of it changes. Only `init`, where no file is, makes a database.
#[test]
fn an_empty_or_tiny_file_is_refused_by_every_command_and_left_as_it_was() {
    let p = Practice::empty();
    let other = p.dir.path().join("other.cutover");
    let commands: Vec<Vec<&str>> = vec![
        vec!["check"],
        vec!["info"],
        vec!["list"],
        vec!["show", "R2-0001"],
        LOG_NOTE.to_vec(),
        vec!["amend", "R2-0001", "--set", "summary=y"],
        vec!["void", "R2-0001", "--reason", "x"],
        vec!["queue"],
        vec!["claim", "R2-0001"],
        vec!["report"],
        vec!["export", "--out", other.to_str().unwrap()],
        vec!["backup", "--out", other.to_str().unwrap()],
        vec!["staff", "list"],
        vec!["staff", "add", "KL", "--name", "Kim Lee", "--role", "admin"],
        vec!["patients", "duplicates"],
        vec!["init", "--practice", "Riverside Surgery"],
        vec![],
    ];
    for content in [&b""[..], b"x", b"S", b"\n"] {
        for args in &commands {
            fs::write(&p.db, content).unwrap();
            let out = p.run_as("JS", args).code(1);
            let said = stderr_of(&out);
            let expected = if content.is_empty() { "is empty (0 bytes)" } else { "is not a cutover database" };
            assert!(said.contains(expected), "{args:?} on {content:?}: {said}");
            assert_plain(&said);
            assert_eq!(fs::read(&p.db).unwrap(), content, "{args:?} changed the file");
            for journal in ["-wal", "-shm"] {
                let mut name = p.db.clone().into_os_string();
                name.push(journal);
                assert!(!std::path::Path::new(&name).exists(), "{args:?} left {journal} beside it");
            }
            assert!(!other.exists(), "{args:?} wrote a copy of it");
        }
    }
}

/// Issue 11, item 7: no `--out` ever writes over the database in use or its journal files, and no
/// existing file is replaced unless asked (`--force`).
#[test]
fn an_out_file_never_replaces_the_database_and_an_existing_file_only_with_force() {
    let p = Practice::new();
    p.run_as("JS", &LOG_NOTE).success();
    let db = p.db.to_str().unwrap().to_string();
    let mut wal = p.db.clone().into_os_string();
    wal.push("-wal");
    let wal = wal.into_string().unwrap();
    for args in [
        vec!["report", "--format", "html", "--out", db.as_str()],
        vec!["report", "--format", "html", "--force", "--out", db.as_str()],
        vec!["queue", "--format", "csv", "--force", "--out", db.as_str()],
        vec!["report", "--force", "--out", wal.as_str()],
    ] {
        let before = p.bytes();
        let out = p.run_as("JS", &args).code(2);
        let said = stderr_of(&out);
        assert!(said.contains("is this database itself"), "{args:?}: {said}");
        assert_plain(&said);
        assert_eq!(before, p.bytes(), "{args:?} changed the database");
    }
    p.run(&["check"]).success();
    let fixed = p.dir.path().join("to-fix.csv");
    fs::write(&fixed, "corrected rows").unwrap();
    let path = fixed.to_str().unwrap();
    for args in [vec!["report", "--out", path], vec!["queue", "--format", "csv", "--out", path]] {
        let out = p.run_as("JS", &args).code(2);
        assert!(stderr_of(&out).contains("already exists, and cutover never overwrites a file"), "{args:?}");
        assert_eq!(fs::read_to_string(&fixed).unwrap(), "corrected rows", "{args:?} replaced it");
    }
    p.run_as("JS", &["report", "--force", "--out", path]).success();
    assert_ne!(fs::read_to_string(&fixed).unwrap(), "corrected rows", "--force replaces it");
}

/// Windows: a file another program holds shared with nobody (antivirus, backup software, a
/// spreadsheet) is waited for as long as another writer would be, then refused in words.
#[cfg(windows)]
#[test]
fn a_file_held_by_another_program_is_waited_for_then_refused_untouched() {
    use std::os::windows::fs::OpenOptionsExt;
    let hold = |path: &std::path::Path| fs::OpenOptions::new().read(true).share_mode(0).open(path).unwrap();
    let p = Practice::new();
    let before = p.bytes();
    let held = hold(&p.db);
    let result =
        p.cmd().env("CUTOVER_USER", "JS").env("CUTOVER_BUSY_TIMEOUT_MS", "300").args(LOG_NOTE).assert().code(1);
    let stderr = stderr_of(&result);
    assert!(stderr.contains("is open in another program") && stderr.contains("within 300 milliseconds"), "{stderr}");
    assert_plain(&stderr);
    // Let go while cutover waits: the save goes ahead.
    let letting_go = std::thread::spawn(move || {
        std::thread::sleep(Duration::from_millis(500));
        drop(held);
    });
    p.cmd().env("CUTOVER_USER", "JS").env("CUTOVER_BUSY_TIMEOUT_MS", "20000").args(LOG_NOTE).assert().success();
    letting_go.join().unwrap();
    assert_ne!(before, p.bytes());

    // A report written over a file a spreadsheet has open.
    let report = p.dir.path().join("report.csv");
    fs::write(&report, "kept").unwrap();
    let held = hold(&report);
    let out = report.to_str().unwrap();
    let result = p.run(&["report", "--format", "csv", "--force", "--out", out]).code(1);
    drop(held);
    assert!(stderr_of(&result).contains("is open in another program"), "{}", stderr_of(&result));
    assert_plain(&stderr_of(&result));
    assert_eq!(fs::read_to_string(&report).unwrap(), "kept");
}

/// Windows: SQLite's locks do not hold across a network, so a live database on a shared folder is
/// refused before anything is touched, with what to do instead.
#[cfg(windows)]
#[test]
fn a_database_on_a_shared_folder_is_refused_with_what_to_do() {
    let p = Practice::empty();
    for db in [r"\\server\share\cutover.db", r"\\?\UNC\server\share\practice\cutover.db"] {
        for args in [&["init", "--practice", "X"][..], &["list"], &LOG_NOTE] {
            let result = p.cmd().env("CUTOVER_DB", db).env("CUTOVER_USER", "JS").args(args).assert().code(1);
            let stderr = stderr_of(&result);
            assert!(stderr.contains("is on a network drive or shared folder"), "{stderr}");
            assert!(stderr.contains("never for the database in use"), "{stderr}");
            assert_plain(&stderr);
        }
    }
}

/// Windows: a path longer than SQLite can open there is refused in words, for the database and
/// for a file written with --out, and nothing is made.
#[cfg(windows)]
#[test]
fn a_path_too_long_for_windows_is_refused_with_what_to_do() {
    let p = Practice::new();
    let deep = p.dir.path().join("x".repeat(100)).join("y".repeat(100));
    fs::create_dir_all(&deep).unwrap();
    let db = deep.join("cutover.db");
    let result = p.cmd().env("CUTOVER_DB", &db).args(["init", "--practice", "X"]).assert().code(1);
    let stderr = stderr_of(&result);
    assert!(stderr.contains("is too long for Windows") && stderr.contains("such as C:\\cutover"), "{stderr}");
    assert_plain(&stderr);
    assert!(!db.exists());
    for command in ["backup", "export"] {
        let copy = deep.join(format!("{command}.db"));
        let result = p.run_as("JS", &[command, "--out", copy.to_str().unwrap()]).code(1);
        assert!(stderr_of(&result).contains("is too long for Windows"), "{}", stderr_of(&result));
    }
    let report = deep.join("report.html");
    let result = p.run(&["report", "--format", "html", "--out", report.to_str().unwrap()]).code(1);
    assert!(stderr_of(&result).contains("is too long for Windows"), "{}", stderr_of(&result));
    assert_eq!(fs::read_dir(&deep).unwrap().count(), 0, "nothing is left in the folder");
}
