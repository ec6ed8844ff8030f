//! Benchmarks for encryption at rest (issue 15), on `cutover demo` databases of 100,000 entries
//! (unless `CUTOVER_BENCH_ENTRIES` says otherwise), one encrypted with a passphrase and one plain:
//! - saving one entry through the entry service, side by side with a bare SQLCipher
//!   insert-and-commit of a comparable row with the same settings (WAL, `synchronous=FULL`, the
//!   same key, SQLCipher 4's format); the same two on plain files, for what encryption costs;
//! - start-up to the first frame including key derivation, in process (as `ui`'s start-up) and
//!   the real binary in a pseudo-terminal with `--passphrase-file` (as `session`'s).
//!
//! `cargo bench --bench encryption`.

use std::hint::black_box;
use std::path::{Path, PathBuf};
use std::time::{Duration, Instant};

use chrono::Utc;
use criterion::{Criterion, criterion_group, criterion_main};
use cutover::config::DatabaseLocation;
use cutover::domain::fields::Kind;
use cutover::entries::{self, NewEntry, PatientGiven, TypedPatient};
use cutover::store::{OpenMode, Passphrase, Store};
use cutover::tui::{App, Theme, load_start, view};
use portable_pty::CommandBuilder;
use ratatui::Terminal;
use ratatui::backend::TestBackend;
use rusqlite::{Connection, params};

#[path = "../tests/support/pty_session.rs"]
mod pty_session;
use pty_session::PtySession;

const PASSPHRASE: &str = "Quartz lantern 42";

fn entries() -> u32 {
    std::env::var("CUTOVER_BENCH_ENTRIES").ok().and_then(|v| v.parse().ok()).unwrap_or(100_000)
}

fn location(path: &Path, passphrase: Option<&str>) -> DatabaseLocation {
    DatabaseLocation { passphrase: passphrase.and_then(Passphrase::new), ..DatabaseLocation::at(path) }
}

/// A demo database at `path`, encrypted with `passphrase` if one is given.
fn demo(path: &Path, passphrase: Option<&str>) -> Store {
    let store = Store::open(&location(path, passphrase), OpenMode::Create).expect("open the benchmark database");
    cutover::demo::generate(&store, entries(), 1).expect("demo data");
    store
}

/// A bare table with the settings cutover gives its connections: the key first (SQLCipher 4's
/// format, as `store::cipher::unlock` pins it), then WAL and synchronous=FULL.
fn bare(path: &Path, passphrase: Option<&str>) -> Connection {
    let conn = Connection::open(path).expect("open bare database");
    if let Some(key) = passphrase {
        conn.pragma_update(None, "key", key).unwrap();
        conn.pragma_update(None, "cipher_compatibility", 4).unwrap();
    }
    conn.pragma_update_and_check(None, "journal_mode", "WAL", |_| Ok(())).unwrap();
    conn.pragma_update(None, "synchronous", "FULL").unwrap();
    conn.execute_batch(
        "CREATE TABLE IF NOT EXISTS entry (id TEXT PRIMARY KEY, kind TEXT, occurred_at TEXT, summary TEXT, fields TEXT)",
    )
    .unwrap();
    conn
}

fn bare_insert(conn: &Connection) {
    let tx = conn.unchecked_transaction().unwrap();
    tx.execute(
        "INSERT INTO entry VALUES (?1, 'prescription', ?2, 'Amoxicillin issued on FP10', '{\"drug\":\"Amoxicillin\"}')",
        params![uuid::Uuid::new_v4().to_string(), Utc::now().to_rfc3339()],
    )
    .unwrap();
    tx.commit().unwrap();
}

/// A prescription as typed on the screens, for a patient already in the demo.
fn prescription() -> NewEntry {
    NewEntry {
        kind: Kind::Prescription,
        values: vec![
            ("summary".to_string(), "Amoxicillin issued on FP10".to_string()),
            ("drug".to_string(), "Amoxicillin 500mg capsules".to_string()),
            ("rx_status".to_string(), "issued".to_string()),
        ],
        flags: Vec::new(),
        patient: PatientGiven::Typed(TypedPatient { nhs_number: Some("999 234 5675".into()), ..Default::default() }),
    }
}

fn save(store: &Store, typed: &NewEntry) {
    let staff = store.staff().unwrap()[0].id.clone();
    let actor = store.actor(Some(&staff)).unwrap();
    store.write(|tx| entries::log(tx, &actor, typed, true)).map(black_box).unwrap();
}

/// The UI started on `db` in an 80 × 24 pseudo-terminal, the passphrase given by a file: how long
/// until "Who is working?" is drawn. The program is ended (Ctrl-C) outside the time.
fn real_start_up(db: &Path, passphrase_file: &Path) -> Duration {
    let mut cmd = CommandBuilder::new(env!("CARGO_BIN_EXE_cutover"));
    cmd.env("CUTOVER_DB", db);
    cmd.env("CUTOVER_PASSPHRASE_FILE", passphrase_file);
    cmd.env("TERM", "xterm-256color");
    let began = Instant::now();
    let mut session = PtySession::start(cmd, 24, 80);
    session.wait_for("Who is working?");
    let took = began.elapsed();
    session.send("\x03");
    let deadline = Instant::now() + Duration::from_secs(10);
    while !session.has_exited() && Instant::now() < deadline {
        std::thread::sleep(Duration::from_millis(20));
    }
    took
}

fn encryption(c: &mut Criterion) {
    let dir = tempfile::tempdir().unwrap();
    let sealed_db = dir.path().join("encrypted.db");
    let plain_db = dir.path().join("plain.db");
    let sealed = demo(&sealed_db, Some(PASSPHRASE));
    let plain = demo(&plain_db, None);
    let bare_sealed = bare(&dir.path().join("bare-encrypted.db"), Some(PASSPHRASE));
    let bare_plain = bare(&dir.path().join("bare-plain.db"), None);
    let typed = prescription();

    let mut group = c.benchmark_group("save one entry durably");
    group.sample_size(200).measurement_time(Duration::from_secs(10));
    group.bench_function("encrypted: cutover through the entry service (as typed)", |b| {
        b.iter(|| save(&sealed, &typed))
    });
    group.bench_function("encrypted: bare SQLCipher insert and commit, same key", |b| {
        b.iter(|| bare_insert(&bare_sealed))
    });
    group.bench_function("plain: cutover through the entry service (as typed)", |b| b.iter(|| save(&plain, &typed)));
    group.bench_function("plain: bare insert and commit", |b| b.iter(|| bare_insert(&bare_plain)));
    group.finish();
    drop((sealed, plain, bare_sealed, bare_plain));

    let theme = Theme::plain();
    let first_frame = |db: &PathBuf, passphrase: Option<&str>| {
        let store = Store::open(&location(db, passphrase), OpenMode::Existing).unwrap();
        let now = Utc::now();
        let app = App::new(load_start(&store, now).unwrap(), now);
        let mut terminal = Terminal::new(TestBackend::new(80, 24)).unwrap();
        terminal.draw(|f| view(&app, &theme, f)).unwrap();
        black_box(terminal);
    };
    let mut group = c.benchmark_group("start-up to first frame");
    group.sample_size(20).measurement_time(Duration::from_secs(10));
    group.bench_function("encrypted: in process (key derivation, open, read, draw)", |b| {
        b.iter(|| first_frame(&sealed_db, Some(PASSPHRASE)))
    });
    group.bench_function("encrypted: key derivation and open alone", |b| {
        b.iter(|| black_box(Store::open(&location(&sealed_db, Some(PASSPHRASE)), OpenMode::Existing).unwrap()))
    });
    group.bench_function("plain: in process (open, read, draw)", |b| b.iter(|| first_frame(&plain_db, None)));
    let passphrase_file = dir.path().join("passphrase.txt");
    std::fs::write(&passphrase_file, format!("{PASSPHRASE}\n")).unwrap();
    group.sample_size(10);
    group.bench_function("encrypted: the real binary in a pseudo-terminal, --passphrase-file", |b| {
        b.iter_custom(|n| (0..n).map(|_| real_start_up(&sealed_db, &passphrase_file)).sum())
    });
    group.finish();
}

criterion_group!(benches, encryption);
criterion_main!(benches);
