//! Benchmarks for the re-entry queue's figures of quality-bar.md: the whole open queue built in
//! under 150 ms and the first screenful (50 rows) in under 30 ms, on 100,000 demo entries. Also
//! measured: the whole queue with every item's details and reasons, as `queue --format csv` writes it.
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
    // Any write places what is not placed yet (a database made by an older version, say).
    store.write(|_| Ok(())).expect("place the queue");
    let now = Utc::now();
    let whole = QueueQuery::default();
    let screen = QueueQuery { limit: Some(50), ..Default::default() };
    let order = queue::order(&store, &whole, now).expect("queue");
    eprintln!("open queue: {} items", order.matched);

    let mut group = c.benchmark_group("re-entry queue");
    group.sample_size(30).measurement_time(Duration::from_secs(15));
    group.bench_function("whole open queue, in order", |b| {
        b.iter(|| black_box(queue::order(&store, &whole, now).expect("queue").len()))
    });
    group.bench_function("first screenful (50 rows) with details, reasons and progress", |b| {
        b.iter(|| black_box(queue::build_with_progress(&store, &screen, now).expect("queue").0.items.len()))
    });
    group.bench_function("whole open queue with details and reasons (csv)", |b| {
        b.iter(|| black_box(queue::build(&store, &whole, now).expect("queue").items.len()))
    });
    group.finish();
}

criterion_group!(benches, build_queue);
criterion_main!(benches);
