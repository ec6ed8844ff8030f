//! Benchmarks for the figures of quality-bar.md that the store answers for:
//! saving one entry durably (against a bare SQLite insert-and-commit with the same settings,
//! side by side), the rolling backups' turn after a save, taking a rolling backup again, and
//! making a 100,000-entry demo database.
//!
//! `cargo bench --bench store`; `CUTOVER_BENCH_ENTRIES` changes the database size (default 100000).

use std::hint::black_box;
use std::path::Path;
use std::time::Duration;

use chrono::Utc;
use criterion::{Criterion, criterion_group, criterion_main};
use cutover::config::DatabaseLocation;
use cutover::domain::fields::{Kind, PatientInput, build_content};
use cutover::domain::nhs::NhsNumber;
use cutover::entries::{self, NewEntry, PatientGiven, TypedPatient};
use cutover::store::{OpenMode, PatientCheck, Store};
use rusqlite::{Connection, params};

fn entries() -> u32 {
    std::env::var("CUTOVER_BENCH_ENTRIES").ok().and_then(|v| v.parse().ok()).unwrap_or(100_000)
}

fn open(path: &Path) -> Store {
    Store::open(&DatabaseLocation::at(path.to_path_buf()), OpenMode::Create).expect("open the benchmark database")
}

/// A bare table with the same durability settings as cutover: WAL and synchronous=FULL.
fn bare_sqlite(path: &Path) -> Connection {
    let conn = Connection::open(path).expect("open bare database");
    conn.pragma_update_and_check(None, "journal_mode", "WAL", |_| Ok(())).unwrap();
    conn.pragma_update(None, "synchronous", "FULL").unwrap();
    conn.execute_batch(
        "CREATE TABLE IF NOT EXISTS entry (id TEXT PRIMARY KEY, kind TEXT, occurred_at TEXT, summary TEXT, fields TEXT)",
    )
    .unwrap();
    conn
}

fn save_one_entry(c: &mut Criterion) {
    let dir = tempfile::tempdir().unwrap();
    let store = open(&dir.path().join("cutover.db"));
    cutover::demo::generate(&store, entries(), 1).expect("demo data");
    let staff = store.staff().unwrap()[0].id.clone();
    let actor = store.actor(Some(&staff)).unwrap();
    let sets = vec![
        ("summary".to_string(), "Amoxicillin issued on FP10".to_string()),
        ("drug".to_string(), "Amoxicillin 500mg capsules".to_string()),
        ("rx_status".to_string(), "issued".to_string()),
    ];
    let patient = PatientInput { nhs_number: NhsNumber::parse("999 234 5675").ok(), ..Default::default() };
    let bare = bare_sqlite(&dir.path().join("bare.db"));

    let mut group = c.benchmark_group("save one entry durably");
    group.sample_size(200).measurement_time(Duration::from_secs(10));
    group.bench_function("cutover (validate, patient, entry, revision, audit)", |b| {
        b.iter(|| {
            let content = build_content(Kind::Prescription, None, &sets, Utc::now()).unwrap();
            store
                .write(|tx| {
                    let p = tx.resolve_patient(&actor, &patient, PatientCheck::default())?;
                    tx.log_entry(&actor, &content, Some(&p.id))
                })
                .map(black_box)
                .unwrap()
        })
    });
    // What a save from the screens, `log` and import now is: the entry service checks the typed
    // values by every rule inside the write transaction, then the same store writes.
    let typed = NewEntry {
        kind: Kind::Prescription,
        values: sets.clone(),
        flags: Vec::new(),
        patient: PatientGiven::Typed(TypedPatient { nhs_number: Some("999 234 5675".into()), ..Default::default() }),
    };
    group.bench_function("cutover through the entry service (as typed)", |b| {
        b.iter(|| store.write(|tx| entries::log(tx, &actor, &typed, true)).map(black_box).unwrap())
    });
    // What a save from the screens or `cutover log` sets going after it: the rolling backups' turn,
    // as often as saves come (here back to back, so every 25th save takes the newest backup again).
    // On the screens it runs on a thread of its own; a command runs it before it ends.
    let db = dir.path().join("cutover.db");
    group.bench_function("through the entry service, then the rolling backups' turn", |b| {
        b.iter(|| {
            store.write(|tx| entries::log(tx, &actor, &typed, true)).map(black_box).unwrap();
            black_box(cutover::backup::keep_rolling(&db, None, Utc::now())).unwrap();
        })
    });
    group.bench_function("bare SQLite insert and commit", |b| {
        b.iter(|| {
            let tx = bare.unchecked_transaction().unwrap();
            tx.execute(
                "INSERT INTO entry VALUES (?1, 'prescription', ?2, 'Amoxicillin issued on FP10', '{\"drug\":\"Amoxicillin\"}')",
                params![uuid::Uuid::new_v4().to_string(), Utc::now().to_rfc3339()],
            )
            .unwrap();
            tx.commit().unwrap();
        })
    });
    group.finish();
}

/// A rolling backup taken again (issue 11, item 8) on the demo database: the copy, the check that
/// `cutover check` makes (which the copy must pass), and the check alone, to see which costs what.
fn rolling_backup(c: &mut Criterion) {
    let dir = tempfile::tempdir().unwrap();
    let db = dir.path().join("cutover.db");
    let store = open(&db);
    cutover::demo::generate(&store, entries(), 1).expect("demo data");
    let staff = store.staff().unwrap()[0].id.clone();
    let actor = store.actor(Some(&staff)).unwrap();
    let typed = NewEntry {
        kind: Kind::Note,
        values: vec![("summary".to_string(), "Asked for results".to_string())],
        flags: Vec::new(),
        patient: PatientGiven::Typed(TypedPatient { nhs_number: Some("999 234 5675".into()), ..Default::default() }),
    };
    let mut group = c.benchmark_group(format!("rolling backup of {} entries", entries()));
    group.sample_size(10).measurement_time(Duration::from_secs(30));
    group.bench_function("taken again after a save: copy, check, rename", |b| {
        b.iter_batched(
            || store.write(|tx| entries::log(tx, &actor, &typed, true)).unwrap(),
            |_| cutover::backup::keep_rolling_within(&db, None, Utc::now(), 1, 60).unwrap(),
            criterion::BatchSize::PerIteration,
        )
    });
    group.bench_function("the check alone (cutover check)", |b| b.iter(|| black_box(store.check().unwrap())));
    group.finish();
}

fn make_demo(c: &mut Criterion) {
    let n = entries();
    let mut group = c.benchmark_group("demo database");
    group.sample_size(10).measurement_time(Duration::from_secs(60));
    group.bench_function(format!("cutover demo --entries {n}"), |b| {
        b.iter_with_setup(
            || tempfile::tempdir().unwrap(),
            |dir| {
                let store = open(&dir.path().join("demo.db"));
                black_box(cutover::demo::generate(&store, n, 1).unwrap());
            },
        )
    });
    group.finish();
}

criterion_group!(benches, save_one_entry, rolling_backup, make_demo);
criterion_main!(benches);
