//! The real binary, in a real pseudo-terminal, on a 100,000-entry demo database: how long until the
//! first screen is drawn (process start included), and the peak memory of a session that pages
//! through the entry list and looks patients up. Prints medians; run with `cargo bench --bench session`.

use std::time::{Duration, Instant};

use cutover::config::DatabaseLocation;
use cutover::store::{OpenMode, Store};
use portable_pty::CommandBuilder;

#[path = "../tests/support/pty_session.rs"]
mod pty_session;
use pty_session::PtySession;

/// The UI on `db` in an 80 × 24 terminal, typed into quickly.
fn start(db: &std::path::Path) -> PtySession {
    let mut cmd = CommandBuilder::new(env!("CARGO_BIN_EXE_cutover"));
    cmd.env("CUTOVER_DB", db);
    cmd.env("TERM", "xterm-256color");
    let mut session = PtySession::start(cmd, 24, 80);
    session.key_pause = Duration::from_millis(5);
    session
}

/// The most memory the program has held (VmHWM), in KiB.
fn peak_memory_kib(session: &PtySession) -> u64 {
    let status = std::fs::read_to_string(format!("/proc/{}/status", session.process_id())).unwrap_or_default();
    status
        .lines()
        .find(|l| l.starts_with("VmHWM:"))
        .and_then(|l| l.split_whitespace().nth(1))
        .and_then(|v| v.parse().ok())
        .unwrap_or(0)
}

/// Ctrl-C, then waits (at most ten seconds) for the program to end.
fn quit(mut session: PtySession) {
    session.send("\x03");
    let deadline = Instant::now() + Duration::from_secs(10);
    while !session.has_exited() && Instant::now() < deadline {
        std::thread::sleep(Duration::from_millis(20));
    }
}

fn median(mut xs: Vec<Duration>) -> Duration {
    xs.sort();
    xs[xs.len() / 2]
}

fn main() {
    if std::env::args().any(|a| a == "--list") {
        return; // `cargo test --benches` asks for the list of benchmarks; this file has no criterion ones
    }
    let entries: u32 = std::env::var("CUTOVER_BENCH_ENTRIES").ok().and_then(|v| v.parse().ok()).unwrap_or(100_000);
    let dir = tempfile::tempdir().unwrap();
    let db = dir.path().join("demo.db");
    let store = Store::open(&DatabaseLocation::at(db.clone()), OpenMode::Create).unwrap();
    cutover::demo::generate(&store, entries, 1).unwrap();
    drop(store);

    let mut starts = Vec::new();
    for _ in 0..11 {
        let began = Instant::now();
        let mut s = start(&db);
        s.wait_for("Who is working?");
        starts.push(began.elapsed());
        quit(s);
    }
    println!("start-up to first frame, real process in a PTY, {entries} entries: median {:?}", median(starts));

    let mut s = start(&db);
    s.wait_for("Who is working?");
    s.send("\r");
    s.wait_for("New entry: press a key");
    s.send("e");
    s.wait_for("Entries, newest first");
    for _ in 0..600 {
        s.send("\x1b[B"); // Down: pages through three pages of the list
    }
    s.send("\x1b");
    std::thread::sleep(Duration::from_millis(200)); // a lone Esc is told from an escape sequence by a pause
    s.wait_for("New entry: press a key");
    s.send("c");
    s.wait_for("New consultation");
    for c in "jones".chars() {
        s.send(&c.to_string());
    }
    s.wait_for("Patients found");
    println!("peak memory of a session (home, 600 rows of the list, a look-up): {} KiB", peak_memory_kib(&s));
    quit(s);
}
