//! Benchmarks for sharing through the practice's folder (quality-bar.md, "Added 30/11/2026"): a
//! round with one new entry, at 5,000 and at 100,000 entries per PC. One PC logs an entry (not
//! timed); timed: its round (publishing the entry) and the other PC's round (taking it), which is
//! what stands between a save on one PC and the entry showing on another, besides the wait for
//! each PC's next round. Each runs the real command path (`cutover::run`) on real files.
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
        let setup = |args: &[&str]| {
            let mut argv = vec!["cutover", "--db", room.to_str().unwrap()];
            argv.extend_from_slice(args);
            cutover::run(
                cutover::cli::Cli::parse_from(argv),
                Out::new(&mut Vec::new(), false),
                Text::new(&mut Vec::new()),
            )
            .unwrap();
        };
        setup(&["init", "--practice", "Bench Surgery", "--fdp", "20/11/2026 17:00", "--prefix", "X1"]);
        setup(&["staff", "add", "JS", "--name", "Jo Smith", "--role", "manager"]);
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

criterion_group!(benches, one_new_entry);
criterion_main!(benches);
