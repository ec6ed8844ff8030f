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
    let start = Utc.with_ymd_and_hms(2026, 11, 30, 17, 0, 0).unwrap();
    for hour in 0..30 {
        log_at(&p, start + Duration::hours(hour), &format!("hour {hour}"));
    }
    let kept = cutover::backup::list(&cutover::backup::folder_for(&p.db)).unwrap();
    assert_eq!(kept.len(), cutover::backup::KEEP);
    let newest = kept.last().unwrap().file_name().unwrap().to_string_lossy().into_owned();
    assert_eq!(newest, "cutover-2026-12-01-22.db");
    // Its turn again in the same hour, with nothing saved since: nothing new.
    let again = cutover::backup::keep_rolling(&p.db, None, start + Duration::hours(29)).unwrap();
    assert_eq!(again, cutover::backup::Rolling::NotDue);
    // Nor in the next hour: a copy of the same would push a different one out.
    let next_hour = cutover::backup::keep_rolling(&p.db, None, start + Duration::hours(30)).unwrap();
    assert_eq!(next_hour, cutover::backup::Rolling::NotDue);
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
    assert!(matches!(cutover::backup::keep_rolling(&p.db, None, later).unwrap(), cutover::backup::Rolling::Made(_)));
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

// --- Issue 11, item 2: a copy never carries damage over the last good copy ---

/// Damage that `cutover check` finds in a database that still opens and still takes saves.
#[derive(Debug, Clone, Copy)]
enum Damage {
    /// An index that no longer matches its table: SQLite's quick check does not see it, the full
    /// integrity check that `cutover check` makes does (the fault-injection campaign's case).
    Index,
    /// A page of a table scribbled over (here the drafts', which saving from the command line
    /// does not read).
    Page,
    /// An entry's headline changed behind the program's back (another tool, say): the product's
    /// own rules, which `check` also asks.
    Headline,
}

const DAMAGES: [Damage; 3] = [Damage::Index, Damage::Page, Damage::Headline];

fn damage(p: &Practice, how: Damage) {
    let c = p.sqlite();
    match how {
        Damage::Index => c
            .execute_batch(
                "PRAGMA writable_schema = ON;
                 UPDATE sqlite_schema SET sql = 'CREATE INDEX entry_by_kind ON entry (summary, occurred_at)'
                  WHERE name = 'entry_by_kind';",
            )
            .unwrap(),
        Damage::Headline => {
            c.execute("UPDATE entry SET summary = 'changed behind its back' WHERE rowid = 1", []).unwrap();
        }
        Damage::Page => {
            let root: i64 =
                c.query_row("SELECT rootpage FROM sqlite_schema WHERE name = 'draft'", [], |r| r.get(0)).unwrap();
            let page: i64 = c.query_row("PRAGMA page_size", [], |r| r.get(0)).unwrap();
            c.query_row("PRAGMA wal_checkpoint(TRUNCATE)", [], |_| Ok(())).unwrap();
            drop(c);
            use std::io::{Seek, SeekFrom, Write};
            let mut file = std::fs::File::options().write(true).open(&p.db).unwrap();
            file.seek(SeekFrom::Start(((root - 1) * page) as u64)).unwrap();
            file.write_all(&[0xA5; 8]).unwrap();
            return;
        }
    }
    c.query_row("PRAGMA wal_checkpoint(TRUNCATE)", [], |_| Ok(())).unwrap();
}

/// A practice with two entries, damaged as `how` says, that `cutover check` calls damaged.
fn damaged_practice(how: Damage) -> Practice {
    let p = Practice::new();
    p.log(&["note", "--patient", "9992345675", "--summary", "first"]);
    p.log(&["note", "--patient", "9434765919", "--summary", "second"]);
    damage(&p, how);
    p.run(&["check"]).code(1);
    p
}

/// Every file in `dir` whose name starts with `name`: the file itself and any partial copy of it.
fn files_named(dir: &std::path::Path, name: &str) -> Vec<String> {
    std::fs::read_dir(dir)
        .unwrap()
        .map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
        .filter(|n| n.starts_with(name))
        .collect()
}

/// The rolling backups beside the database, each with what it holds.
fn rolling_backups(p: &Practice) -> Vec<(String, Vec<u8>)> {
    cutover::backup::list(&cutover::backup::folder_for(&p.db))
        .unwrap()
        .iter()
        .map(|b| (b.file_name().unwrap().to_string_lossy().into_owned(), std::fs::read(b).unwrap()))
        .collect()
}

fn audit_rows(p: &Practice) -> i64 {
    count(&p.db, "SELECT count(*) FROM audit")
}

fn assert_plain(stderr: &str) {
    for leak in ["Os {", "code:", "SqliteFailure", "panicked", "Error {", ".partial-"] {
        assert!(!stderr.contains(leak), "technical text {leak:?} in: {stderr}");
    }
}

#[test]
fn a_backup_or_export_of_a_damaged_database_is_refused_and_nothing_is_written() {
    for how in DAMAGES {
        let p = damaged_practice(how);
        let dir = p.dir.path();
        let newest = rolling_backups(&p).last().unwrap().0.clone();
        let (before, audit_before) = (p.bytes(), audit_rows(&p));

        let copy = dir.join("copy.db");
        let refused = p.run(&["backup", "--out", copy.to_str().unwrap()]).code(1);
        let stderr = common::stderr_of(&refused);
        assert!(stderr.contains("is damaged, so no backup was made"), "{how:?}: {stderr}");
        assert!(stderr.contains(&format!("Nothing was written to {}", copy.display())), "{how:?}: {stderr}");
        assert!(stderr.contains(&newest) && stderr.contains("check"), "names the backup to restore: {stderr}");
        assert_plain(&stderr);
        assert!(files_named(dir, "copy.db").is_empty(), "{how:?}: {:?}", files_named(dir, "copy.db"));

        let export = dir.join("this-pc.cutover");
        let refused = p.run_as("JS", &["export", "--out", export.to_str().unwrap()]).code(1);
        let stderr = common::stderr_of(&refused);
        assert!(stderr.contains("is damaged, so it was not exported"), "{how:?}: {stderr}");
        assert_plain(&stderr);
        assert!(files_named(dir, "this-pc.cutover").is_empty(), "{how:?}");

        assert_eq!(audit_rows(&p), audit_before, "{how:?}: nothing is recorded in a damaged database");
        assert_eq!(p.bytes(), before, "{how:?}: the database is left as it was");
    }
}

/// `log` as JS at a time of its own.
fn log_at(p: &Practice, at: chrono::DateTime<Utc>, summary: &str) -> assert_cmd::assert::Assert {
    p.cmd()
        .env("CUTOVER_USER", "JS")
        .env("CUTOVER_NOW", at.to_rfc3339())
        .args(["log", "note", "--patient", "9992345675", "--summary", summary])
        .assert()
        .success()
}

#[test]
fn rolling_backups_are_neither_made_nor_rotated_from_a_damaged_database() {
    for how in [Damage::Index, Damage::Headline] {
        let p = damaged_practice(how);
        let good = rolling_backups(&p);
        assert!(!good.is_empty());
        // A day and more of saves, each in an hour of its own: before, each made a backup from the
        // damaged file, and the 24 kept pushed the last good one out.
        for hour in 1..=cutover::backup::KEEP as i64 + 6 {
            let said = log_at(&p, common::now() + Duration::hours(hour), &format!("hour {hour}"));
            let stderr = common::stderr_of(&said);
            assert!(stderr.contains("is damaged, so no rolling backup was made"), "{how:?}: {stderr}");
            assert!(stderr.contains("What you just did is saved"), "{stderr}");
            assert!(stderr.contains(&good.last().unwrap().0), "names the last good backup: {stderr}");
            assert_plain(&stderr);
        }
        assert_eq!(rolling_backups(&p), good, "{how:?}: the good backups are kept as they were");
        assert_eq!(count(&p.db, "SELECT count(*) FROM entry"), 2 + cutover::backup::KEEP as i64 + 6);
        let folder = cutover::backup::folder_for(&p.db);
        assert_eq!(std::fs::read_dir(&folder).unwrap().count(), good.len(), "no partial copy left behind");
    }
}

fn entries_in(db: &std::path::Path) -> i64 {
    count(db, "SELECT count(*) FROM entry")
}

fn newest_backup(p: &Practice) -> std::path::PathBuf {
    cutover::backup::list(&cutover::backup::folder_for(&p.db)).unwrap().pop().unwrap()
}

#[test]
fn the_newest_rolling_backup_is_refreshed_after_a_number_of_saves_within_the_hour() {
    let p = Practice::new();
    // Each save records at least one change.
    let saves = cutover::backup::REFRESH_AFTER_CHANGES as i64;
    let start = common::now() + Duration::minutes(1);
    for i in 0..saves + 2 {
        log_at(&p, start + Duration::seconds(i), &format!("save {i}"));
        let missing = entries_in(&p.db) - entries_in(&newest_backup(&p));
        assert!(missing < saves, "after save {i} the newest backup misses {missing} entries");
    }
    assert_eq!(rolling_backups(&p).len(), 1, "one backup for the hour, refreshed");
    assert!(entries_in(&newest_backup(&p)) > saves / 2, "taken again within the hour");
}

#[test]
fn an_import_of_many_entries_is_in_the_newest_rolling_backup_at_once() {
    let p = Practice::new();
    let rows = cutover::backup::REFRESH_AFTER_CHANGES as i64 + 5;
    let paper = p.dir.path().join("paper.csv");
    let mut csv = String::from("kind,occurred_at,summary,recorded_by,nhs_number\n");
    for i in 0..rows {
        csv.push_str(&format!("note,21/11/2026 10:{:02},paper form {i},JS,999 234 5675\n", i % 60));
    }
    std::fs::write(&paper, csv).unwrap();
    p.run_as("JS", &["import", "entries", paper.to_str().unwrap()]).success();
    // One command, one transaction: counted by the changes it made, not as one save.
    assert_eq!(entries_in(&newest_backup(&p)), rows);
}

#[test]
fn the_newest_rolling_backup_is_refreshed_when_a_save_not_in_it_is_minutes_old() {
    let p = Practice::new();
    let minutes = cutover::backup::REFRESH_AFTER_MINUTES;
    let first = common::now() + Duration::minutes(1);
    log_at(&p, first, "first");
    assert_eq!(entries_in(&newest_backup(&p)), 0, "one save is not yet worth a copy");
    log_at(&p, first + Duration::minutes(minutes), "a while later");
    assert_eq!(entries_in(&newest_backup(&p)), 2, "the first save is {minutes} minutes old: refreshed");
    log_at(&p, first + Duration::minutes(minutes + 1), "soon after");
    assert_eq!(entries_in(&newest_backup(&p)), 2);
    assert_eq!(rolling_backups(&p).len(), 1);
    // The refreshed copy is a whole, healthy database.
    let restored = Practice::empty();
    std::fs::copy(newest_backup(&p), &restored.db).unwrap();
    restored.run(&["check"]).success();
}

/// A small, full disk (a tmpfs of a few KB) mounted over a folder while this lives. `None` where
/// this computer does not let the tests mount: the test then says so and passes.
struct FullDisk(std::path::PathBuf);

impl FullDisk {
    fn over(dir: &std::path::Path) -> Option<FullDisk> {
        std::fs::create_dir_all(dir).unwrap();
        let mounted = std::process::Command::new("mount")
            .args(["-t", "tmpfs", "-o", "size=16k,mode=0700", "tmpfs"])
            .arg(dir)
            .output()
            .is_ok_and(|o| o.status.success());
        if !mounted {
            eprintln!("skipped: this computer does not let the tests mount a small disk");
            return None;
        }
        Some(FullDisk(dir.to_path_buf()))
    }
}

impl Drop for FullDisk {
    fn drop(&mut self) {
        let _ = std::process::Command::new("umount").arg(&self.0).output();
    }
}

#[test]
fn a_backup_that_cannot_be_made_after_a_save_says_the_save_is_safe() {
    let p = Practice::new();
    let folder = cutover::backup::folder_for(&p.db);
    let Some(_full) = FullDisk::over(&folder) else { return };
    let said = log_at(&p, common::now() + Duration::hours(1), "saved on a full backup disk");
    let stderr = common::stderr_of(&said);
    assert!(stderr.starts_with("Saved R2-0001"), "{stderr}");
    assert!(stderr.contains("What you just did is saved in the database"), "{stderr}");
    assert!(stderr.contains(&format!("the disk holding {} is full", folder.display())), "{stderr}");
    for contradiction in ["did not happen", "Nothing was saved", "Nothing was changed"] {
        assert!(!stderr.contains(contradiction), "{contradiction:?} after a save that stands: {stderr}");
    }
    assert_plain(&stderr);
    assert_eq!(entries_in(&p.db), 1);

    // A backup or an export to the full disk: the file is not written, and nothing is blamed on
    // the database.
    for args in [["backup", "--out", "copy.db"], ["export", "--out", "this-pc.cutover"]] {
        let out = folder.join(args[2]);
        let refused = p.run_as("JS", &[args[0], args[1], out.to_str().unwrap()]).code(1);
        let stderr = common::stderr_of(&refused);
        assert!(
            stderr.contains(&format!("The disk holding {} is full, so the file was not written", out.display())),
            "{stderr}"
        );
        assert!(!stderr.contains("did not happen") && !stderr.contains("last save"), "{stderr}");
        assert!(files_named(&folder, args[2]).is_empty());
    }
}

/// Every command that only reads, as someone might run it on a copy to see what it holds.
fn reading_commands(entry: &str) -> Vec<Vec<String>> {
    let commands: &[&[&str]] = &[
        &["check"],
        &["info"],
        &["list"],
        &["show", entry],
        &["queue"],
        &["queue", "--mine"],
        &["report"],
        &["patients", "duplicates"],
        &["staff", "list"],
        &["callbacks"],
        &["plan"],
        &["checklist"],
        &["services"],
        &["recheck"],
    ];
    commands.iter().map(|args| args.iter().map(|a| a.to_string()).collect()).collect()
}

/// The names in a folder, each with its length and a hash of its bytes (a folder's are empty).
fn folder_contents(folder: &std::path::Path) -> Vec<(String, usize, u64)> {
    use std::hash::{Hash, Hasher};
    let mut files: Vec<_> = std::fs::read_dir(folder)
        .unwrap()
        .map(|f| {
            let path = f.unwrap().path();
            let bytes = if path.is_file() { std::fs::read(&path).unwrap() } else { Vec::new() };
            let mut hash = std::collections::hash_map::DefaultHasher::new();
            bytes.hash(&mut hash);
            (path.file_name().unwrap().to_string_lossy().into_owned(), bytes.len(), hash.finish())
        })
        .collect();
    files.sort();
    files
}

/// A backup or an export that has been checked must still be the copy that was taken. Opening one
/// with a command that only reads (`check`, `info`, `list`, `show`, `queue`, `report`…) once
/// switched it to the live database's journal (WAL), wrote this PC's rows into it and made a log
/// folder beside it. Now not a byte of it changes and nothing appears beside it, for an encrypted
/// practice as for a plain one; a command that writes to it works as before.
#[test]
fn reading_a_backup_or_an_export_changes_no_byte_of_it_and_leaves_nothing_beside_it() {
    for encrypted in [false, true] {
        let p = if encrypted {
            Practice::empty_encrypted("Riverside kettle 42 lamplight").set_up("R2")
        } else {
            Practice::new()
        };
        p.run_as("JS", &["init", "--go-live", "23/11/2026 08:00"]).success();
        let entry = p.log(common::ROUTINE_REFERRAL);
        let copies = p.dir.path().join("copies");
        std::fs::create_dir(&copies).unwrap();
        let (backup, export) = (copies.join("backup.db"), copies.join("this-pc.cutover"));
        p.run(&["backup", "--out", backup.to_str().unwrap()]).success();
        p.run_as("JS", &["export", "--out", export.to_str().unwrap()]).success();
        let before = folder_contents(&copies);
        for file in [&backup, &export] {
            for args in reading_commands(&entry) {
                let done = p.cmd().env("CUTOVER_DB", file).env("CUTOVER_USER", "JS").args(&args).assert();
                let out = done.get_output();
                assert!(
                    out.status.success(),
                    "encrypted {encrypted}: cutover {} on {}:\n{}",
                    args.join(" "),
                    file.display(),
                    String::from_utf8_lossy(&out.stderr)
                );
                assert_eq!(
                    folder_contents(&copies),
                    before,
                    "encrypted {encrypted}: cutover {} changed {} or left something beside it",
                    args.join(" "),
                    file.display()
                );
            }
        }
        // A command that writes to a copy is not refused: it saves there, as it always did.
        p.cmd()
            .env("CUTOVER_DB", &backup)
            .env("CUTOVER_USER", "JS")
            .args(["log", "note", "--patient", "9992345675", "--summary", "Typed into the copy"])
            .assert()
            .success();
        p.cmd().env("CUTOVER_DB", &backup).args(["list"]).assert().success().stdout(contains("Typed into the copy"));
        let backup_now = folder_contents(&copies).into_iter().find(|(n, ..)| n == "backup.db");
        assert_ne!(backup_now.as_ref(), before.iter().find(|(n, ..)| n == "backup.db"));
    }
}

/// A backup made before cutover was updated has an older format. Reading commands do not bring it
/// up to date (that would change it): `check` and `backup` take it as it is; a command whose reads
/// need the current format says what to do, and changes nothing. A command that writes brings it
/// up to date, as before.
#[test]
fn a_backup_of_an_older_format_is_checked_as_it_is_and_other_reads_say_what_to_do() {
    let p = Practice::new();
    let entry = p.log(common::ROUTINE_REFERRAL);
    let copies = p.dir.path().join("copies");
    std::fs::create_dir(&copies).unwrap();
    let old = copies.join("old.db");
    p.run(&["backup", "--out", old.to_str().unwrap()]).success();
    // As cutover left it before the format's twelfth version (sharing through a shared folder).
    let c = rusqlite::Connection::open(&old).unwrap();
    c.execute_batch(
        "DROP TRIGGER entry_reference_changes_only_as_recorded;
         DROP TABLE entry_renumbered; DROP TABLE share_source; DROP TABLE share_published;
         DROP TABLE local_setting; PRAGMA user_version = 11;",
    )
    .unwrap();
    drop(c);
    let before = folder_contents(&copies);
    let on_old = |args: &[&str]| p.cmd().env("CUTOVER_DB", &old).env("CUTOVER_USER", "JS").args(args).assert();
    on_old(&["check"]).success().stdout(contains("The database is healthy"));
    let copy = copies.join("copy-of-old.db");
    on_old(&["backup", "--out", copy.to_str().unwrap()]).success();
    std::fs::remove_file(&copy).unwrap();
    for args in [&["list"][..], &["info"], &["show", &entry], &["queue"], &["report"]] {
        let refused = on_old(args).code(1);
        let said = common::stderr_of(&refused);
        assert!(said.contains("older version of cutover") && said.contains("Nothing was changed"), "{args:?}: {said}");
        assert_eq!(said.lines().count(), 1, "{said}");
    }
    assert_eq!(folder_contents(&copies), before, "nothing changed, nothing left beside it");
    on_old(&["log", "note", "--patient", "9992345675", "--summary", "Typed into the old copy"]).success();
    assert_eq!(count(&old, "PRAGMA user_version"), 12, "a writing command brings it up to date");
    on_old(&["list"]).success().stdout(contains("Typed into the old copy"));
}
