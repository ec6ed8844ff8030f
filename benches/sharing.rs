//! Benchmarks for sharing through the practice's folder (quality-bar.md, "Added 30/11/2026"): a
//! round with one new entry, at 5,000 and at 100,000 entries per PC. One PC logs an entry (not
//! timed); timed: its round (publishing the entry) and the other PC's round (taking it), which is
//! what stands between a save on one PC and the entry showing on another, besides the wait for
//! each PC's next round. Each runs the real command path (`cutover::run`) on real files.
//!
//! Also measured live: how long until an entry saved on one PC shows on another, each PC running
//! a round every 2 seconds on its own clock (the "with a 2-second round").
//!
//! `cargo bench --bench sharing`.

use std::path::Path;
use std::time::Duration;

use clap::Parser;
use criterion::{BatchSize, Criterion, criterion_group, criterion_main};
use cutover::config::DatabaseLocation;
use cutover::output::{Out, Text};
use cutover::store::{OpenMode, Store};

fn run(db: &Path, staff: &str, args: &[&str]) {
    let mut argv = vec!["cutover", "--db", db.to_str().unwrap(), "--as", staff];
    argv.extend_from_slice(args);
    let cli = cutover::cli::Cli::parse_from(argv);
    let (mut out, mut err) = (Vec::new(), Vec::new());
    cutover::run(cli, Out::new(&mut out, false), Text::new(&mut err)).unwrap_or_else(|e| panic!("{args:?}: {e}"));
}

fn one_new_entry(c: &mut Criterion) {
    let mut group = c.benchmark_group("sharing");
    group.sample_size(20).measurement_time(Duration::from_secs(20));
    for entries in [5_000u32, 100_000] {
        let dir = tempfile::tempdir().unwrap();
        let share = dir.path().join("share");
        std::fs::create_dir(&share).unwrap();
        let folder = share.to_str().unwrap().to_string();
        // A PC with its log, and another that has taken it all: both hold `entries`.
        let front = dir.path().join("front.db");
        let store = Store::open(&DatabaseLocation::at(front.clone()), OpenMode::Create).unwrap();
        cutover::demo::generate(&store, entries, 7).unwrap();
        drop(store);
        let room = dir.path().join("room.db");
        run_as_setup(&room, &["init", "--practice", "Bench Surgery", "--fdp", "20/11/2026 17:00", "--prefix", "X1"]);
        run_as_setup(&room, &["staff", "add", "JS", "--name", "Jo Smith", "--role", "manager"]);
        run(&front, "HP", &["sync", "--folder", &folder]);
        run(&room, "JS", &["sync", "--folder", &folder]);
        group.bench_function(format!("a round with one new entry, {entries} entries per PC: publish and take"), |b| {
            b.iter_batched(
                || run(&front, "HP", &["log", "note", "--patient", "9992345675", "--summary", "one more"]),
                |()| {
                    run(&front, "HP", &["sync", "--folder", &folder]);
                    run(&room, "JS", &["sync", "--folder", &folder]);
                },
                BatchSize::PerIteration,
            )
        });
    }
    group.finish();
}

/// Two PCs, each running a round every `ROUND` on a clock of its own (a random phase); an entry is
/// saved on the first at a random moment, and the time until the second's database holds it is
/// measured, live: what a receptionist waits for a colleague's call to appear on her screen.
fn until_it_shows_on_another_pc(c: &mut Criterion) {
    use std::sync::atomic::{AtomicBool, Ordering};
    use std::sync::{Arc, Mutex};
    use std::time::Instant;
    const ROUND: Duration = Duration::from_secs(2);
    let dir = tempfile::tempdir().unwrap();
    let share = dir.path().join("share");
    std::fs::create_dir(&share).unwrap();
    let folder = share.to_str().unwrap().to_string();
    let front = dir.path().join("front.db");
    let store = Store::open(&DatabaseLocation::at(front.clone()), OpenMode::Create).unwrap();
    cutover::demo::generate(&store, 5_000, 7).unwrap();
    drop(store);
    let room = dir.path().join("room.db");
    run_as_setup(&room, &["init", "--practice", "Bench Surgery", "--fdp", "20/11/2026 17:00", "--prefix", "X1"]);
    run_as_setup(&room, &["staff", "add", "JS", "--name", "Jo Smith", "--role", "manager"]);
    run(&front, "HP", &["sync", "--folder", &folder]);
    run(&room, "JS", &["sync", "--folder", &folder]);

    let mut group = c.benchmark_group("sharing");
    group.sample_size(10).sampling_mode(criterion::SamplingMode::Flat).measurement_time(Duration::from_secs(30));
    group.bench_function("an entry saved on one PC shows on another, rounds every 2 s", |b| {
        b.iter_custom(|iters| {
            let mut waited = Duration::ZERO;
            for i in 0..iters {
                let stop = Arc::new(AtomicBool::new(false));
                let before = entries_in(&room);
                let saved_at: Arc<Mutex<Option<Instant>>> = Arc::new(Mutex::new(None));
                let shown_at: Arc<Mutex<Option<Instant>>> = Arc::new(Mutex::new(None));
                let rounds = |db: std::path::PathBuf, staff: &'static str, phase: Duration, watch: bool| {
                    let (stop, folder, shown_at) = (stop.clone(), folder.clone(), shown_at.clone());
                    std::thread::spawn(move || {
                        std::thread::sleep(phase);
                        while !stop.load(Ordering::SeqCst) {
                            let next = Instant::now() + ROUND;
                            run(&db, staff, &["sync", "--folder", &folder]);
                            if watch && entries_in(&db) > before {
                                *shown_at.lock().unwrap() = Some(Instant::now());
                                stop.store(true, Ordering::SeqCst);
                            }
                            std::thread::sleep(next.saturating_duration_since(Instant::now()));
                        }
                    })
                };
                // Phases and the moment of the save spread over a round, differently each time.
                let spread = |k: u64| ROUND.mul_f64(((i * 7919 + k * 104_729) % 1000) as f64 / 1000.0);
                let a = rounds(front.clone(), "HP", spread(1), false);
                let b = rounds(room.clone(), "JS", spread(2), true);
                std::thread::sleep(spread(3));
                run(&front, "HP", &["log", "note", "--patient", "9992345675", "--summary", "Call back, please"]);
                *saved_at.lock().unwrap() = Some(Instant::now());
                a.join().unwrap_or(());
                b.join().unwrap_or(());
                let (saved, shown) = (saved_at.lock().unwrap().unwrap(), shown_at.lock().unwrap().unwrap());
                waited += shown.saturating_duration_since(saved);
            }
            waited
        })
    });
    group.finish();
}

fn entries_in(db: &Path) -> i64 {
    rusqlite::Connection::open(db).unwrap().query_row("SELECT count(*) FROM entry", [], |r| r.get(0)).unwrap()
}

fn run_as_setup(db: &Path, args: &[&str]) {
    let mut argv = vec!["cutover", "--db", db.to_str().unwrap()];
    argv.extend_from_slice(args);
    cutover::run(cutover::cli::Cli::parse_from(argv), Out::new(&mut Vec::new(), false), Text::new(&mut Vec::new()))
        .unwrap();
}

criterion_group!(benches, one_new_entry, until_it_shows_on_another_pc);
criterion_main!(benches);
