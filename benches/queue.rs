//! Benchmarks for the re-entry queue's figures of quality-bar.md: the whole open queue built in
//! under 150 ms and the first screenful (50 rows) in under 30 ms, on 100,000 demo entries.
//!
//! `cargo bench --bench queue`. `CUTOVER_BENCH_DB=FILE` uses an existing database (for example one
//! made by `cutover demo --entries 100000`) instead of making one; `CUTOVER_BENCH_ENTRIES` changes
//! the size of the one made (default 100000).

use std::hint::black_box;
use std::path::PathBuf;
use std::time::Duration;

use chrono::Utc;
use criterion::{Criterion, criterion_group, criterion_main};
use cutover::config::DatabaseLocation;
use cutover::queue::{self, QueueQuery};
use cutover::store::{OpenMode, Store};

fn entries() -> u32 {
    std::env::var("CUTOVER_BENCH_ENTRIES").ok().and_then(|v| v.parse().ok()).unwrap_or(100_000)
}

/// The database to measure, and the folder that holds it if it was made here.
fn database() -> (Store, Option<tempfile::TempDir>) {
    if let Ok(path) = std::env::var("CUTOVER_BENCH_DB") {
        let location = DatabaseLocation { path: PathBuf::from(path), is_default: false };
        return (Store::open(&location, OpenMode::Existing).expect("open CUTOVER_BENCH_DB"), None);
    }
    let dir = tempfile::tempdir().expect("temp dir");
    let location = DatabaseLocation { path: dir.path().join("cutover.db"), is_default: false };
    let store = Store::open(&location, OpenMode::Create).expect("create the benchmark database");
    cutover::demo::generate(&store, entries(), 1).expect("demo data");
    (store, Some(dir))
}

fn build_queue(c: &mut Criterion) {
    let (store, _dir) = database();
    let now = Utc::now();
    let whole = QueueQuery::default();
    let screen = QueueQuery { limit: Some(50), ..Default::default() };
    let built = queue::build(&store, &whole, now).expect("queue");
    eprintln!("open queue: {} items", built.matched);

    let mut group = c.benchmark_group("re-entry queue");
    group.sample_size(30).measurement_time(Duration::from_secs(15));
    group.bench_function("whole open queue, in order, with details", |b| {
        b.iter(|| black_box(queue::build(&store, &whole, now).expect("queue").items.len()))
    });
    group.bench_function("first screenful (50 rows)", |b| {
        b.iter(|| black_box(queue::build(&store, &screen, now).expect("queue").items.len()))
    });
    group.bench_function("compact rows only (the SQL scan)", |b| {
        b.iter(|| {
            black_box(store.queue_rows(&cutover::store::QueueScope { include_closed: false }).expect("rows").len())
        })
    });
    group.finish();
}

criterion_group!(benches, build_queue);
criterion_main!(benches);
