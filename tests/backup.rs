//! `backup --out`, and the rolling backups kept beside the database after each writing command.

mod common;

use chrono::{Duration, TimeZone, Utc};
use common::Practice;
use predicates::str::contains;

fn count(path: &std::path::Path, sql: &str) -> i64 {
    rusqlite::Connection::open(path).unwrap().query_row(sql, [], |r| r.get(0)).unwrap()
}

#[test]
fn a_backup_taken_while_another_process_writes_is_whole_and_usable() {
    let p = Practice::new();
    p.log(&["note", "--patient", "9992345675", "--summary", "before"]);
    let db = p.db.clone();
    let home = p.dir.path().to_path_buf();
    let writer = std::thread::spawn(move || {
        for i in 0..15 {
            let mut cmd = assert_cmd::Command::new(assert_cmd::cargo::cargo_bin!("cutover"));
            cmd.env("CUTOVER_DB", &db)
                .env("CUTOVER_NOW", common::clock())
                .env("CUTOVER_USER", "JS")
                .env("HOME", &home)
                .env("XDG_DATA_HOME", home.join("xdg"));
            cmd.args(["log", "note", "--patient", "9434765919", "--summary", &format!("during {i}")])
                .assert()
                .success();
        }
    });
    let copies: Vec<_> = (0..5).map(|i| p.dir.path().join(format!("copy-{i}.db"))).collect();
    for copy in &copies {
        p.run(&["backup", "--out", copy.to_str().unwrap()]).success().stderr(contains("Backed up"));
    }
    writer.join().unwrap();
    for copy in &copies {
        let c = rusqlite::Connection::open(copy).unwrap();
        let ok: String = c.query_row("PRAGMA integrity_check", [], |r| r.get(0)).unwrap();
        assert_eq!(ok, "ok");
        assert!(count(copy, "SELECT count(*) FROM entry WHERE summary = 'before'") == 1);
        // A backup is a cutover database: it opens and passes cutover's own check.
        let restored = Practice::empty();
        std::fs::copy(copy, &restored.db).unwrap();
        restored.run(&["check"]).success();
    }
    p.run(&["backup", "--out", copies[0].to_str().unwrap()]).code(2).stderr(contains("never overwrites"));
}

#[test]
fn a_writing_command_keeps_an_hourly_backup_beside_the_database() {
    let p = Practice::new();
    let folder = cutover::backup::folder_for(&p.db);
    let made = cutover::backup::list(&folder).unwrap();
    assert_eq!(made.len(), 1, "one backup for this hour: {made:?}");
    p.log(&["note", "--patient", "9992345675", "--summary", "another save this hour"]);
    assert_eq!(cutover::backup::list(&folder).unwrap().len(), 1);
    // Reading commands make none.
    std::fs::remove_dir_all(&folder).unwrap();
    p.run(&["list"]).success();
    assert!(!folder.exists());
}

#[test]
fn only_the_newest_24_rolling_backups_are_kept() {
    let p = Practice::new();
    std::fs::remove_dir_all(cutover::backup::folder_for(&p.db)).unwrap();
    let start = Utc.with_ymd_and_hms(2026, 11, 20, 17, 0, 0).unwrap();
    for hour in 0..30 {
        cutover::backup::keep_rolling(&p.db, start + Duration::hours(hour)).unwrap();
    }
    let kept = cutover::backup::list(&cutover::backup::folder_for(&p.db)).unwrap();
    assert_eq!(kept.len(), cutover::backup::KEEP);
    let newest = kept.last().unwrap().file_name().unwrap().to_string_lossy().into_owned();
    assert_eq!(newest, "cutover-2026-11-21-22.db");
    // Taken in the same hour again: nothing new.
    assert!(cutover::backup::keep_rolling(&p.db, start + Duration::hours(29)).unwrap().is_none());
}

/// The id of a process that has just ended.
fn ended_process() -> u32 {
    let mut child = if cfg!(windows) {
        std::process::Command::new("cmd").args(["/C", "exit"]).spawn().unwrap()
    } else {
        std::process::Command::new("true").spawn().unwrap()
    };
    let pid = child.id();
    child.wait().unwrap();
    pid
}

/// A leftover partial copy: an SQLite file named `NAME.partial-PID`, last changed `minutes` ago.
fn leftover(folder: &std::path::Path, name: &str, pid: u32, minutes: u64) -> std::path::PathBuf {
    let path = folder.join(format!("{name}.partial-{pid}"));
    rusqlite::Connection::open(&path).unwrap().execute_batch("CREATE TABLE half (x);").unwrap();
    let then = std::time::SystemTime::now() - std::time::Duration::from_secs(minutes * 60);
    std::fs::File::options().write(true).open(&path).unwrap().set_modified(then).unwrap();
    path
}

#[test]
fn a_backup_removes_copies_left_by_a_backup_killed_part_way_but_never_a_live_ones() {
    let p = Practice::new();
    let dir = p.dir.path();
    let gone = ended_process();
    let alive = std::process::id();
    let stale = leftover(dir, "copy.db", gone, 60);
    let live = leftover(dir, "copy.db", alive, 60);
    let just_written = leftover(dir, "copy.db", ended_process(), 1);
    let other_name = leftover(dir, "other.db", gone, 60);
    let not_ours = dir.join(format!("copy.db.partial-{gone}-notes"));
    std::fs::write(&not_ours, "not a partial copy").unwrap();
    let text = dir.join(format!("copy.db.partial-{}", ended_process()));
    std::fs::write(&text, "some text, not a database").unwrap();
    let then = std::time::SystemTime::now() - std::time::Duration::from_secs(3600);
    std::fs::File::options().write(true).open(&text).unwrap().set_modified(then).unwrap();

    let copy = dir.join("copy.db");
    p.run(&["backup", "--out", copy.to_str().unwrap()]).success();
    assert!(copy.exists());
    assert!(!stale.exists(), "the killed backup's copy is removed");
    assert!(live.exists(), "a copy whose process is running is never removed");
    assert!(just_written.exists(), "a copy changed in the last ten minutes may be another computer's, being written");
    assert!(
        other_name.exists() && not_ours.exists() && text.exists(),
        "only this copy's leftovers, and only databases"
    );

    // Rolling backups: a leftover of any hour in their folder goes when the next one is taken.
    let folder = cutover::backup::folder_for(&p.db);
    let rolling = leftover(&folder, "cutover-2026-11-20-17.db", gone, 60);
    let rolling_live = leftover(&folder, "cutover-2026-11-20-18.db", alive, 60);
    let later = Utc.with_ymd_and_hms(2026, 11, 25, 9, 0, 0).unwrap();
    assert!(cutover::backup::keep_rolling(&p.db, later).unwrap().is_some());
    assert!(!rolling.exists());
    assert!(rolling_live.exists());
}

#[cfg(unix)]
fn mode(path: &std::path::Path) -> u32 {
    use std::os::unix::fs::PermissionsExt;
    std::fs::metadata(path).unwrap_or_else(|e| panic!("{}: {e}", path.display())).permissions().mode() & 0o777
}

/// Unix only: Windows has no permission bits; a file there takes its folder's access list.
#[cfg(unix)]
#[test]
fn every_file_holding_patient_details_is_readable_by_its_owner_only() {
    let p = Practice::new();
    p.log(&["note", "--patient", "9992345675", "--summary", "private"]);
    let paper = p.dir.path().join("paper.csv");
    std::fs::write(
        &paper,
        "kind,occurred_at,summary,recorded_by,nhs_number\nnote,21/11/2026 10:00,x,JS,999 123 4560\n",
    )
    .unwrap();
    let out = |name: &str| p.dir.path().join(name);
    // A file that was already there, open to everyone, is replaced by one that is not.
    std::fs::write(out("report.csv"), "old").unwrap();
    use std::os::unix::fs::PermissionsExt;
    std::fs::set_permissions(out("report.csv"), std::fs::Permissions::from_mode(0o644)).unwrap();
    let s = |path: std::path::PathBuf| path.to_str().unwrap().to_string();
    let rejects = s(out("rejects.csv"));
    let commands: Vec<Vec<String>> = vec![
        vec!["report".into(), "--out".into(), s(out("report.txt"))],
        vec!["report".into(), "--format".into(), "html".into(), "--out".into(), s(out("report.html"))],
        vec!["report".into(), "--format".into(), "csv".into(), "--force".into(), "--out".into(), s(out("report.csv"))],
        vec!["export".into(), "--out".into(), s(out("export.cutover"))],
        vec!["backup".into(), "--out".into(), s(out("backup.db"))],
        vec!["queue".into(), "--format".into(), "csv".into(), "--out".into(), s(out("queue.csv"))],
        vec!["queue".into(), "--format".into(), "html".into(), "--out".into(), s(out("queue.html"))],
        vec!["import".into(), "entries".into(), s(paper), "--skip-invalid".into(), "--rejects".into(), rejects],
    ];
    for args in &commands {
        let args: Vec<&str> = args.iter().map(String::as_str).collect();
        p.run_as("JS", &args).success();
        let file = args.last().unwrap();
        assert_eq!(mode(std::path::Path::new(file)), 0o600, "{args:?}");
    }
    assert_eq!(mode(&p.db), 0o600);
    for backup in cutover::backup::list(&cutover::backup::folder_for(&p.db)).unwrap() {
        assert_eq!(mode(&backup), 0o600, "{}", backup.display());
    }
}
