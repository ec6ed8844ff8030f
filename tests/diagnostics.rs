//! The diagnostic log, with the real binary: it is written beside the database, says what
//! happened, and never holds patient data or reaches the terminal.

mod common;

use common::{Practice, stderr_of};

const NHS: &str = "9992345675";
const NHS_SPACED: &str = "999 234 5675";

fn log_with_patient_details(p: &Practice) -> assert_cmd::assert::Assert {
    p.run_as(
        "JS",
        &[
            "log",
            "telephone",
            "--patient",
            NHS,
            "--family",
            "Quennell",
            "--given",
            "Ottoline",
            "--dob",
            "03/04/1950",
            "--at",
            "21/11/2026 10:00",
            "--summary",
            "Chest pain on exertion, GTN spray given",
        ],
    )
}

fn assert_free_of_patient_data(log: &str) {
    for secret in [NHS, NHS_SPACED, "Quennell", "QUENNELL", "Ottoline", "03/04/1950", "1950-04-03", "Chest pain", "GTN"]
    {
        assert!(!log.contains(secret), "the diagnostic log holds {secret:?}:\n{log}");
    }
}

#[test]
fn each_command_is_logged_beside_the_database_without_patient_data() {
    let p = Practice::new();
    let saved = log_with_patient_details(&p).success();
    // The log never reaches the terminal: stdout is the id alone, stderr the sentence for the user.
    assert_eq!(String::from_utf8_lossy(&saved.get_output().stdout).trim().len(), 36);
    assert_eq!(stderr_of(&saved), "Saved R2-0001 (Telephone call, 21/11/2026 10:00).\n");
    p.run(&["list"]).success();

    let log = p.diagnostic_log();
    assert!(log.contains("command=\"log\"") || log.contains("command=log"), "{log}");
    assert!(log.contains("started") && log.contains("finished"), "{log}");
    assert!(log.contains("command=\"list\"") || log.contains("command=list"), "{log}");
    assert_free_of_patient_data(&log);
}

#[test]
fn a_refused_command_is_logged_by_its_exit_code_not_its_message() {
    let p = Practice::new();
    // A date of birth in the future: the message quotes it, the log must not.
    let refused = p
        .run_as(
            "JS",
            &[
                "log",
                "telephone",
                "--family",
                "Quennell",
                "--given",
                "Ottoline",
                "--dob",
                "03/04/2090",
                "--summary",
                "x",
            ],
        )
        .failure();
    assert!(stderr_of(&refused).contains("date of birth"), "{}", stderr_of(&refused));
    let log = p.diagnostic_log();
    assert!(log.contains("failed: refused (exit code 2)"), "{log}");
    assert!(!log.contains("2090") && !log.contains("Quennell"), "{log}");
}

#[test]
fn cutover_log_off_writes_no_log_where_the_same_command_otherwise_would() {
    // `init` on a new file is never logged, so the check runs a command on a database that exists,
    // once with the log on (it writes: the command is one that logs, and one that may make the
    // log's folder, as a command that only reads does not) and once with it off.
    let p = Practice::new();
    let (on, off) = (p.dir.path().join("logs-on"), p.dir.path().join("logs-off"));
    p.cmd().env("CUTOVER_LOG", "info").env("CUTOVER_LOG_DIR", &on).arg("init").assert().success();
    let written: usize = std::fs::read_dir(&on).map_or(0, |files| {
        files.map(|f| std::fs::read_to_string(f.expect("a log file").path()).unwrap_or_default().len()).sum()
    });
    assert!(written > 0, "with the log on, `init` writes to it: otherwise this test proves nothing");
    p.cmd().env("CUTOVER_LOG", "off").env("CUTOVER_LOG_DIR", &off).arg("init").assert().success();
    assert!(!off.exists(), "CUTOVER_LOG=off writes no log, nor makes its folder");
}

#[test]
fn a_mistyped_database_folder_is_never_created() {
    let p = Practice::empty();
    let nowhere = p.dir.path().join("no-such-folder").join("cutover.db");
    p.cmd().env("CUTOVER_DB", &nowhere).arg("info").assert().failure();
    assert!(!p.dir.path().join("no-such-folder").exists(), "a mistyped --db leaves no folder behind");
}

#[test]
fn a_fault_is_logged_by_its_kind_never_by_a_file_name_someone_chose() {
    let p = Practice::new();
    // A file name can be a patient's name.
    let missing = p.dir.path().join("smith_john.csv");
    let failed = p
        .cmd()
        .env("CUTOVER_LOG", "debug")
        .env("CUTOVER_USER", "JS")
        .arg("import")
        .arg("patients")
        .arg(&missing)
        .assert()
        .failure();
    assert!(stderr_of(&failed).contains("smith_john.csv"), "the user is still told which file: {}", stderr_of(&failed));

    let log = p.diagnostic_log();
    assert!(log.contains("command=\"import patients\""), "{log}");
    assert!(log.contains("failed: could not use a file (NotFound)"), "{log}");
    assert!(!log.contains("smith_john"), "the diagnostic log holds the file's name:\n{log}");
}

#[test]
fn a_database_that_does_not_exist_leaves_no_log_folder_behind() {
    let p = Practice::empty();
    let typo = p.dir.path().join("typo.db");
    p.cmd().arg("--db").arg(&typo).arg("info").assert().failure();
    assert!(!typo.exists());
    assert!(!p.dir.path().join("cutover-logs").exists(), "a mistyped --db leaves a log folder behind");

    // The init that creates a database is not logged; the commands after it are. A command that
    // only reads makes no log folder (a backup looked into stays as it was, with nothing beside
    // it): it logs into the folder once a command that writes has made it.
    p.run(&["init", "--practice", "Riverside Surgery"]).success();
    assert!(!p.dir.path().join("cutover-logs").exists(), "the first init is not logged");
    p.run(&["info"]).success();
    assert!(!p.dir.path().join("cutover-logs").exists(), "a command that only reads makes no log folder");
    p.run(&["staff", "add", "JS", "--name", "Jo Smith", "--role", "manager"]).success();
    p.run(&["info"]).success();
    let log = p.diagnostic_log();
    assert!(log.contains("command=\"staff\"") && !log.contains("command=\"init\""), "{log}");
    assert!(log.contains("command=\"info\""), "a command that only reads logs into the folder there: {log}");
}

#[cfg(unix)]
#[test]
fn the_log_files_are_readable_by_their_owner_alone() {
    use std::os::unix::fs::PermissionsExt;

    let p = Practice::new();
    p.run(&["list"]).success();
    let folder = p.dir.path().join("cutover-logs");
    let mode = |path: &std::path::Path| std::fs::metadata(path).expect("metadata").permissions().mode() & 0o777;
    assert_eq!(mode(&folder), 0o700);
    let files: Vec<_> =
        std::fs::read_dir(&folder).expect("the log folder").map(|f| f.expect("a file").path()).collect();
    assert!(!files.is_empty());
    for file in files {
        let name = file.file_name().expect("a name").to_string_lossy().into_owned();
        assert!(
            name.starts_with("cutover.") && name.ends_with(".log") && name.len() == "cutover.2026-11-22.log".len(),
            "{name}"
        );
        assert_eq!(mode(&file), 0o600, "{name}");
    }
}
