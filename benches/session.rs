//! The real binary, in a real pseudo-terminal, on a 100,000-entry demo database: how long until the
//! first screen is drawn (process start included), and the peak memory of a session that pages
//! through the entry list and looks patients up. Prints medians; run with `cargo bench --bench session`.

use std::io::{Read, Write};
use std::sync::mpsc::{self, Receiver};
use std::time::{Duration, Instant};

use cutover::config::DatabaseLocation;
use cutover::store::{OpenMode, Store};
use portable_pty::{Child, CommandBuilder, MasterPty, PtySize, native_pty_system};

struct Session {
    child: Box<dyn Child + Send + Sync>,
    writer: Box<dyn Write + Send>,
    output: Receiver<Vec<u8>>,
    screen: vt100::Parser,
    _master: Box<dyn MasterPty + Send>,
}

fn size(n: u16) -> std::num::NonZeroU16 {
    std::num::NonZeroU16::new(n).expect("a size")
}

impl Session {
    fn start(db: &std::path::Path) -> Session {
        let pair =
            native_pty_system().openpty(PtySize { rows: 24, cols: 80, pixel_width: 0, pixel_height: 0 }).unwrap();
        let mut cmd = CommandBuilder::new(env!("CARGO_BIN_EXE_cutover"));
        cmd.env("CUTOVER_DB", db);
        cmd.env("TERM", "xterm-256color");
        let child = pair.slave.spawn_command(cmd).unwrap();
        drop(pair.slave);
        let mut reader = pair.master.try_clone_reader().unwrap();
        let writer = pair.master.take_writer().unwrap();
        let (tx, output) = mpsc::channel();
        std::thread::spawn(move || {
            let mut buf = [0u8; 8192];
            while let Ok(n) = reader.read(&mut buf) {
                if n == 0 || tx.send(buf[..n].to_vec()).is_err() {
                    break;
                }
            }
        });
        Session { child, writer, output, screen: vt100::Parser::new(size(24), size(80), 0), _master: pair.master }
    }

    fn wait_for(&mut self, wanted: &str) {
        let deadline = Instant::now() + Duration::from_secs(60);
        while !self.screen.screen().contents().contains(wanted) {
            assert!(Instant::now() < deadline, "no {wanted:?} on:\n{}", self.screen.screen().contents());
            if let Ok(bytes) = self.output.recv_timeout(Duration::from_millis(20)) {
                self.screen.process(&bytes);
            }
        }
    }

    fn send(&mut self, bytes: &str) {
        self.writer.write_all(bytes.as_bytes()).unwrap();
        self.writer.flush().unwrap();
        std::thread::sleep(Duration::from_millis(5));
    }

    fn peak_memory_kib(&self) -> u64 {
        let pid = self.child.process_id().unwrap();
        let status = std::fs::read_to_string(format!("/proc/{pid}/status")).unwrap_or_default();
        status
            .lines()
            .find(|l| l.starts_with("VmHWM:"))
            .and_then(|l| l.split_whitespace().nth(1))
            .and_then(|v| v.parse().ok())
            .unwrap_or(0)
    }

    fn quit(mut self) {
        self.send("\x03");
        let deadline = Instant::now() + Duration::from_secs(10);
        while self.child.try_wait().unwrap().is_none() && Instant::now() < deadline {
            std::thread::sleep(Duration::from_millis(20));
        }
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
    let store = Store::open(&DatabaseLocation { path: db.clone(), is_default: false }, OpenMode::Create).unwrap();
    cutover::demo::generate(&store, entries, 1).unwrap();
    drop(store);

    let mut starts = Vec::new();
    for _ in 0..11 {
        let began = Instant::now();
        let mut s = Session::start(&db);
        s.wait_for("Who is working?");
        starts.push(began.elapsed());
        s.quit();
    }
    println!("start-up to first frame, real process in a PTY, {entries} entries: median {:?}", median(starts));

    let mut s = Session::start(&db);
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
    println!("peak memory of a session (home, 600 rows of the list, a look-up): {} KiB", s.peak_memory_kib());
    s.quit();
}
