//! Benchmarks for the figures of quality-bar.md that import and merge answer for: a 50,000-row
//! patient list imported, and 10 workstation exports of 10,000 entries each merged (then merged
//! again, which must add nothing). Each runs the real command path (`cutover::run`) on fresh files.
//!
//! `cargo bench --bench exchange`.

use std::path::{Path, PathBuf};
use std::time::Duration;

use clap::Parser;
use criterion::{BatchSize, Criterion, criterion_group, criterion_main};
use cutover::config::DatabaseLocation;
use cutover::domain::nhs;
use cutover::output::{Out, Text};
use cutover::store::{OpenMode, Store};

const PATIENTS: u32 = 50_000;
const EXPORTS: u64 = 10;
const ENTRIES_EACH: u32 = 10_000;

fn run(db: &Path, args: &[&str]) {
    let mut argv = vec!["cutover", "--db", db.to_str().unwrap(), "--as", "JS"];
    argv.extend_from_slice(args);
    let cli = cutover::cli::Cli::parse_from(argv);
    let (mut out, mut err) = (Vec::new(), Vec::new());
    cutover::run(cli, Out::new(&mut out, false), Text::new(&mut err)).unwrap_or_else(|e| panic!("{args:?}: {e}"));
}

/// A practice database with its manager, JS.
fn practice(db: &Path) {
    let mut argv = vec!["cutover", "--db", db.to_str().unwrap()];
    argv.extend_from_slice(&["init", "--practice", "Bench Surgery", "--fdp", "20/11/2026 17:00"]);
    cutover::run(cutover::cli::Cli::parse_from(argv), Out::new(&mut Vec::new(), false), Text::new(&mut Vec::new()))
        .unwrap();
    let mut argv = vec!["cutover", "--db", db.to_str().unwrap()];
    argv.extend_from_slice(&["staff", "add", "JS", "--name", "Jo Smith", "--role", "manager"]);
    cutover::run(cutover::cli::Cli::parse_from(argv), Out::new(&mut Vec::new(), false), Text::new(&mut Vec::new()))
        .unwrap();
}

/// As EMIS Web writes it: BOM, CRLF, its own header names, a quoted usual GP.
fn patient_list(path: &Path) {
    let mut text = String::from("\u{feff}NHS Number,Surname,Forename,Date of Birth,Sex,Postcode,Usual GP\r\n");
    let mut made = 0;
    for i in 0.. {
        if made == PATIENTS {
            break;
        }
        let Some(number) = nhs::with_check_digit(&format!("{:09}", 999_000_000 + i * 7)) else { continue };
        made += 1;
        text.push_str(&format!(
            "{},Surname{i},Given{},{:02}/{:02}/{},{},LS{} {}AB,\"Bevan, Aled\"\r\n",
            number.digits(),
            i % 977,
            1 + i % 28,
            1 + i % 12,
            1930 + i % 90,
            if i % 2 == 0 { "F" } else { "M" },
            1 + i % 20,
            i % 10
        ));
    }
    std::fs::write(path, text).unwrap();
}

fn import_patients(c: &mut Criterion) {
    let dir = tempfile::tempdir().unwrap();
    let list = dir.path().join("list.csv");
    patient_list(&list);
    let mut group = c.benchmark_group("import");
    group.sample_size(10).measurement_time(Duration::from_secs(30));
    let mut n = 0;
    group.bench_function("import patients: 50,000-row list into a new database", |b| {
        b.iter_batched(
            || {
                n += 1;
                let db = dir.path().join(format!("import-{n}.db"));
                practice(&db);
                db
            },
            |db| run(&db, &["import", "patients", list.to_str().unwrap()]),
            BatchSize::PerIteration,
        )
    });
    group.finish();
}

fn merge_exports(c: &mut Criterion) {
    let dir = tempfile::tempdir().unwrap();
    let exports: Vec<PathBuf> = (0..EXPORTS)
        .map(|seed| {
            let db = dir.path().join(format!("workstation-{seed}.db"));
            let store = Store::open(&DatabaseLocation::at(db.clone()), OpenMode::Create).unwrap();
            cutover::demo::generate(&store, ENTRIES_EACH, seed + 1).unwrap();
            let out = dir.path().join(format!("workstation-{seed}.cutover"));
            store.copy_to(&out).unwrap();
            out
        })
        .collect();
    let files: Vec<&str> = exports.iter().map(|p| p.to_str().unwrap()).collect();
    let mut group = c.benchmark_group("merge");
    group.sample_size(10).measurement_time(Duration::from_secs(60));
    let mut n = 0;
    let mut fresh = || {
        n += 1;
        let db = dir.path().join(format!("merged-{n}.db"));
        practice(&db);
        db
    };
    group.bench_function("merge 10 exports of 10,000 entries each", |b| {
        b.iter_batched(&mut fresh, |db| run(&db, &[&["merge"], &files[..]].concat()), BatchSize::PerIteration)
    });
    let merged = fresh();
    run(&merged, &[&["merge"], &files[..]].concat());
    group.bench_function("merge the same 10 exports again (adds nothing)", |b| {
        b.iter(|| run(&merged, &[&["merge"], &files[..]].concat()))
    });
    group.finish();
}

criterion_group!(benches, import_patients, merge_exports);
criterion_main!(benches);
