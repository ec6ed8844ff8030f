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
        let location = DatabaseLocation::at(PathBuf::from(path));
        return (Store::open(&location, OpenMode::Existing).expect("open CUTOVER_BENCH_DB"), None);
    }
    let dir = tempfile::tempdir().expect("temp dir");
    let location = DatabaseLocation::at(dir.path().join("cutover.db"));
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

/// The queue screen (issue 12, item 4): each page of 50 as the screen reads it (details and
/// reasons; the first, like every refresh, with the progress by tier too), from the first to the
/// last; the views its filters give; and its search. Targets: a page under 30 ms, a search under
/// 50 ms.
fn screen_pages(c: &mut Criterion) {
    let (store, _dir) = database();
    store.write(|_| Ok(())).expect("place the queue");
    let now = Utc::now();
    let open = queue::order(&store, &QueueQuery::default(), now).expect("queue").matched;
    let page = |offset: usize| QueueQuery { offset, limit: Some(50), ..Default::default() };
    let mut group = c.benchmark_group("queue screen");
    group.sample_size(20).measurement_time(Duration::from_secs(8));
    let last = open.saturating_sub(1) / 50 * 50;
    for (name, offset) in
        [("first", 0), ("second", 50), ("at item 1,001", 1_000), ("in the middle", open / 2 / 50 * 50), ("last", last)]
    {
        let query = page(offset);
        group.bench_function(format!("page of 50: {name}"), |b| {
            b.iter(|| black_box(queue::build(&store, &query, now).expect("page").items.len()))
        });
        if offset == 0 {
            group.bench_function("page of 50: first, with the progress by tier (opening, refreshing)", |b| {
                b.iter(|| black_box(queue::build_with_progress(&store, &query, now).expect("page").0.items.len()))
            });
        }
    }
    let staff = store.staff().expect("staff").into_iter().next().expect("someone").id;
    let views = [
        ("tier 2", QueueQuery { tier: Some(queue::Tier::GoLiveDay), ..page(0) }),
        (
            "consultations, second page",
            QueueQuery { kind: Some(cutover::domain::fields::Kind::Consultation), ..page(50) },
        ),
        ("mine", QueueQuery { assignee: Some(staff), ..page(0) }),
        ("done", QueueQuery { status: queue::StatusFilter::Only(queue::ItemStatus::Done), ..page(0) }),
        ("blocked", QueueQuery { status: queue::StatusFilter::Only(queue::ItemStatus::Blocked), ..page(0) }),
    ];
    for (name, query) in views {
        let found = queue::build(&store, &query, now).expect("view").matched;
        eprintln!("view {name}: {found} items");
        group.bench_function(format!("view: {name}"), |b| {
            b.iter(|| black_box(queue::build(&store, &query, now).expect("view").items.len()))
        });
    }
    // A reference, a family name, a name with accents left out, words of summaries, the start of
    // an NHS number, and a word found in most items.
    let reference = queue::build(&store, &page(open / 3), now).expect("page").items[0].reference.clone();
    for words in [reference.as_str(), "smith", "sian", "chest pain", "999 12", "issued", "smith issued"] {
        let query = QueueQuery { search: Some(words.to_string()), ..page(0) };
        let found = queue::build(&store, &query, now).expect("search").matched;
        eprintln!("search {words:?}: {found} items");
        group.bench_function(format!("search: {words:?}"), |b| {
            b.iter(|| black_box(queue::build(&store, &query, now).expect("search").items.len()))
        });
    }
    group.finish();
}

criterion_group!(benches, build_queue, screen_pages);
criterion_main!(benches);
