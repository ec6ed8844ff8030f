//! Nothing is lost: saves survive SIGKILL, history cannot be rewritten, and files are private.
//! Unix only: it kills a process group with SIGKILL and reads permission bits.
#![cfg(unix)]

mod common;

use std::collections::HashSet;
use std::io::{BufRead, BufReader};
use std::os::unix::fs::PermissionsExt;
use std::os::unix::process::CommandExt;
use std::process::{Command, Stdio};
use std::sync::mpsc;
use std::time::Duration;

use common::Practice;

fn is_uuid(s: &str) -> bool {
    s.len() == 36 && s.chars().all(|c| c.is_ascii_hexdigit() || c == '-')
}

#[test]
fn every_entry_reported_saved_survives_sigkill() {
    let p = Practice::new();
    let bin = assert_cmd::cargo::cargo_bin!("cutover");
    // A real logging burst: one process after another, as fast as they go, each printing the id it saved.
    let script = format!(
        "while true; do '{}' log telephone --patient 9992345675 --summary 'Call in burst' || exit 1; done",
        bin.display()
    );
    let mut child = Command::new("sh")
        .args(["-c", &script])
        .env("CUTOVER_DB", &p.db)
        .env("CUTOVER_NOW", common::clock())
        .env("CUTOVER_USER", "JS")
        .stdout(Stdio::piped())
        .stderr(Stdio::null())
        .process_group(0)
        .spawn()
        .expect("start the burst");
    let stdout = child.stdout.take().unwrap();
    let (tx, rx) = mpsc::channel();
    let reader = std::thread::spawn(move || {
        for line in BufReader::new(stdout).lines().map_while(Result::ok) {
            let _ = tx.send(line);
        }
    });
    let mut reported = Vec::new();
    while reported.len() < 25 {
        match rx.recv_timeout(Duration::from_secs(60)) {
            Ok(line) => reported.push(line),
            Err(_) => break,
        }
    }
    // Kill the whole group (the shell and the cutover mid-save) without warning. The group is the
    // shell's own (process_group(0) above); never signal anything wider.
    let group = i32::try_from(child.id()).expect("a process id");
    assert!(group > 1);
    // SAFETY: kill(2) with a negative pid signals exactly that process group.
    let killed = unsafe { libc::kill(-group, libc::SIGKILL) };
    assert_eq!(killed, 0, "could not kill the burst");
    let _ = child.wait();
    reader.join().unwrap();
    reported.extend(rx.try_iter());
    let reported: Vec<String> = reported.into_iter().filter(|l| is_uuid(l)).collect();
    assert!(reported.len() >= 25, "the burst saved too little to test: {}", reported.len());

    let conn = p.sqlite();
    let integrity: String = conn.query_row("PRAGMA integrity_check", [], |r| r.get(0)).unwrap();
    assert_eq!(integrity, "ok");
    let mut stmt = conn.prepare("SELECT id FROM entry").unwrap();
    let stored: HashSet<String> = stmt.query_map([], |r| r.get(0)).unwrap().map(Result::unwrap).collect();
    for id in &reported {
        assert!(stored.contains(id), "entry {id} was reported saved but is missing");
    }
    drop(stmt);
    drop(conn);
    p.run(&["check"]).success();
}

#[test]
fn the_audit_trail_refuses_update_and_delete() {
    let p = Practice::new();
    p.log(&["note", "--patient", "9992345675", "--summary", "x"]);
    let conn = p.sqlite();
    let before: i64 = conn.query_row("SELECT count(*) FROM audit", [], |r| r.get(0)).unwrap();
    assert!(before > 0);
    let update = conn.execute("UPDATE audit SET staff_id = 'ZZ'", []);
    assert!(update.unwrap_err().to_string().contains("append-only"));
    let delete = conn.execute("DELETE FROM audit", []);
    assert!(delete.unwrap_err().to_string().contains("append-only"));
    let after: i64 = conn.query_row("SELECT count(*) FROM audit", [], |r| r.get(0)).unwrap();
    assert_eq!(before, after);
}

#[test]
fn revisions_and_entries_cannot_be_rewritten_or_deleted() {
    let p = Practice::new();
    p.log(&["note", "--patient", "9992345675", "--summary", "original"]);
    let conn = p.sqlite();
    assert!(conn.execute("UPDATE revision SET summary = 'changed'", []).is_err());
    assert!(conn.execute("DELETE FROM revision", []).is_err());
    assert!(conn.execute("DELETE FROM entry", []).is_err());
    assert!(conn.execute("UPDATE entry SET kind = 'telephone'", []).is_err());
    assert!(conn.execute("UPDATE entry SET current_revision_id = 'not-one-of-its-own'", []).is_err());
    let summary: String = conn.query_row("SELECT summary FROM revision", [], |r| r.get(0)).unwrap();
    assert_eq!(summary, "original");
}

#[test]
fn every_change_is_audited_with_who_and_where() {
    let p = Practice::new();
    let id = p.log(&["note", "--patient", "9992345675", "--summary", "x"]);
    p.run_as("AB", &["amend", &id, "--set", "summary=y", "--reason", "clearer"]).success();
    p.run_as("JS", &["void", &id, "--reason", "duplicate"]).success();
    let conn = p.sqlite();
    let mut stmt =
        conn.prepare("SELECT action, staff_id, workstation_id FROM audit WHERE subject = ?1 ORDER BY seq").unwrap();
    let rows: Vec<(String, String, String)> =
        stmt.query_map([&id], |r| Ok((r.get(0)?, r.get(1)?, r.get(2)?))).unwrap().map(Result::unwrap).collect();
    let actions: Vec<(&str, &str)> = rows.iter().map(|(a, s, _)| (a.as_str(), s.as_str())).collect();
    assert_eq!(actions, [("log", "JS"), ("amend", "AB"), ("void", "JS")]);
    let local: String = conn.query_row("SELECT id FROM workstation WHERE is_local = 1", [], |r| r.get(0)).unwrap();
    assert!(rows.iter().all(|(_, _, w)| *w == local));
}

#[test]
fn the_default_database_is_private_to_its_owner() {
    let p = Practice::empty();
    // No --db: the per-user data folder (XDG_DATA_HOME here) is used and created.
    p.cmd().env_remove("CUTOVER_DB").args(["init", "--practice", "Riverside Surgery"]).assert().success();
    let folder = p.dir.path().join("xdg").join("cutover");
    let db = folder.join("cutover.db");
    let mode = |path: &std::path::Path| std::fs::metadata(path).unwrap().permissions().mode() & 0o777;
    assert_eq!(mode(&folder), 0o700);
    assert_eq!(mode(&db), 0o600);
}

#[test]
fn a_database_made_with_a_given_path_is_private_too() {
    let p = Practice::new();
    let mode = std::fs::metadata(&p.db).unwrap().permissions().mode() & 0o777;
    assert_eq!(mode, 0o600);
}

#[test]
fn the_database_is_in_wal_mode() {
    let p = Practice::new();
    let journal: String = p.sqlite().query_row("PRAGMA journal_mode", [], |r| r.get(0)).unwrap();
    assert_eq!(journal, "wal");
}
