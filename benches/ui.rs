//! Benchmarks for the UI figures of quality-bar.md, on a `cutover demo` database (100,000 entries,
//! 50,000 patients unless `CUTOVER_BENCH_ENTRIES` says otherwise):
//! start-up to the first drawn frame, redrawing after a keystroke, and patient look-up as you type.
//! Drawing is into ratatui's TestBackend at 80×24: the same work as a terminal, minus the write.

use std::hint::black_box;
use std::time::Duration;

use chrono::Utc;
use criterion::{Criterion, criterion_group, criterion_main};
use cutover::config::DatabaseLocation;
use cutover::store::{OpenMode, Store};
use cutover::tui::{App, Msg, Theme, dispatch, load_start, view};
use ratatui::Terminal;
use ratatui::backend::TestBackend;
use ratatui::crossterm::event::{KeyCode, KeyEvent, KeyModifiers};

fn entries() -> u32 {
    std::env::var("CUTOVER_BENCH_ENTRIES").ok().and_then(|v| v.parse().ok()).unwrap_or(100_000)
}

fn key(c: char) -> Msg {
    Msg::Key(KeyEvent::new(KeyCode::Char(c), KeyModifiers::NONE))
}

fn signed_in(store: &Store) -> App {
    let now = Utc::now();
    let mut app = App::new(load_start(store, now).unwrap(), now);
    dispatch(store, &mut app, Msg::Key(KeyEvent::new(KeyCode::Enter, KeyModifiers::NONE)));
    app
}

fn ui(c: &mut Criterion) {
    let dir = tempfile::tempdir().unwrap();
    let location = DatabaseLocation::at(dir.path().join("demo.db"));
    let store = Store::open(&location, OpenMode::Create).unwrap();
    cutover::demo::generate(&store, entries(), 1).unwrap();
    drop(store);
    let theme = Theme::plain();

    let mut group = c.benchmark_group("ui");
    group.measurement_time(Duration::from_secs(10));
    group.bench_function("start-up to first frame (open, read, draw)", |b| {
        b.iter(|| {
            let store = Store::open(&location, OpenMode::Existing).unwrap();
            let now = Utc::now();
            let app = App::new(load_start(&store, now).unwrap(), now);
            let mut terminal = Terminal::new(TestBackend::new(80, 24)).unwrap();
            terminal.draw(|f| view(&app, &theme, f)).unwrap();
            black_box(terminal);
        })
    });

    let store = Store::open(&location, OpenMode::Existing).unwrap();
    let mut terminal = Terminal::new(TestBackend::new(80, 24)).unwrap();
    let mut app = signed_in(&store);
    dispatch(&store, &mut app, key('c'));
    dispatch(&store, &mut app, Msg::Key(KeyEvent::new(KeyCode::Tab, KeyModifiers::NONE)));
    // Two keystrokes an iteration (a letter, then Backspace), so the summary stays the same length.
    group.bench_function("two keystrokes, each redrawn (typing in a form)", |b| {
        b.iter(|| {
            dispatch(&store, &mut app, key('x'));
            terminal.draw(|f| view(&app, &theme, f)).unwrap();
            dispatch(&store, &mut app, Msg::Key(KeyEvent::new(KeyCode::Backspace, KeyModifiers::NONE)));
            terminal.draw(|f| view(&app, &theme, f)).unwrap();
        })
    });

    for query in ["jon", "jones m", "999 12", "03/04/1950", "ow", "1950-04-03", "jones 03/04/1950", "łuk"] {
        group.bench_function(format!("patient look-up per keystroke: {query:?}"), |b| {
            b.iter(|| black_box(store.find_patients(query, 6, chrono::Utc::now()).unwrap()))
        });
    }
    group.finish();
}

criterion_group!(benches, ui);
criterion_main!(benches);
