//! Helpers for running the real `cutover` binary on a database in a temporary folder.
#![allow(dead_code)]

use std::path::{Path, PathBuf};

use assert_cmd::Command;
use tempfile::TempDir;

/// `log` arguments for a routine referral of the NHS number 9992345675 (queue tier 3, until amended
/// to two-week wait).
pub const ROUTINE_REFERRAL: &[&str] = &[
    "referral",
    "--patient",
    "9992345675",
    "--summary",
    "Referral to dermatology",
    "--set",
    "specialty=Dermatology",
    "--set",
    "urgency=routine",
];

/// Where the clock of every command starts unless a test says otherwise: a week after go-live
/// (23/11/2026 08:00 in the queue's practices), after every time a test logs with `--at`, and after
/// the final data production that `Practice::new` sets (20/11/2026 17:00). So what a test logs
/// "now", what is overdue and which tier is due lie where they would on the day the tests were
/// written, whatever day they run. A test needing another time sets `CUTOVER_NOW` on `cmd()`.
pub const NOW: &str = "2026-11-30T09:00:00Z";

/// `NOW` as a time.
pub fn now() -> chrono::DateTime<chrono::Utc> {
    chrono::DateTime::parse_from_rfc3339(NOW).expect("NOW is RFC 3339").to_utc()
}

/// The test clock: `NOW` plus the real time since this test program first asked. Each command's
/// clock starts where the last one's left off, so commands run one after another keep their order
/// (claimed, then done; amended here, then there), as on a real day. (A clock fixed at `NOW` for
/// every command would give them all one time, to the millisecond.)
pub fn clock_now() -> chrono::DateTime<chrono::Utc> {
    static START: std::sync::OnceLock<std::time::Instant> = std::sync::OnceLock::new();
    let elapsed = START.get_or_init(std::time::Instant::now).elapsed();
    now() + chrono::Duration::from_std(elapsed).expect("a test runs for less than a lifetime")
}

/// `clock_now` as `CUTOVER_NOW` takes it.
pub fn clock() -> String {
    clock_now().to_rfc3339_opts(chrono::SecondsFormat::Micros, true)
}

/// A temporary folder holding one database, removed when dropped.
pub struct Practice {
    pub dir: TempDir,
    pub db: PathBuf,
    /// The file holding the practice's passphrase, for an encrypted practice: given to every
    /// command (`CUTOVER_PASSPHRASE_FILE`) and to `sqlite()`.
    pub passphrase_file: Option<PathBuf>,
}

impl Practice {
    /// An empty folder: no database yet.
    pub fn empty() -> Practice {
        let dir = tempfile::tempdir().expect("temp dir");
        let db = dir.path().join("cutover.db");
        Practice { dir, db, passphrase_file: None }
    }

    /// A database set up as a practice would: settings, a manager and a clinician.
    pub fn new() -> Practice {
        Practice::empty().set_up("R2")
    }

    /// This folder's database made and set up as `new` does, its references starting `prefix`.
    pub fn set_up(self, prefix: &str) -> Practice {
        self.run(&["init", "--practice", "Riverside Surgery", "--fdp", "20/11/2026 17:00", "--prefix", prefix])
            .success();
        self.run(&["staff", "add", "JS", "--name", "Jo Smith", "--role", "manager"]).success();
        self.run_as("JS", &["staff", "add", "AB", "--name", "Dr Aled Bevan", "--role", "clinician"]).success();
        self
    }

    /// An empty folder whose database, once made, is encrypted with `passphrase`.
    pub fn empty_encrypted(passphrase: &str) -> Practice {
        let mut p = Practice::empty();
        let file = p.dir.path().join("passphrase.txt");
        std::fs::write(&file, format!("{passphrase}\n")).expect("passphrase file");
        p.passphrase_file = Some(file);
        p
    }

    /// The passphrase, as the file gives it.
    pub fn passphrase(&self) -> Option<String> {
        let file = self.passphrase_file.as_ref()?;
        Some(std::fs::read_to_string(file).expect("passphrase file").lines().next().unwrap_or("").to_string())
    }

    /// The binary, pointed at this database, with no user, no inherited settings and the test
    /// clock (see `clock`).
    pub fn cmd(&self) -> Command {
        Command::from_std(self.std_cmd())
    }

    /// `cmd` as a standard library command: for a test that starts it and waits (or kills it).
    pub fn std_cmd(&self) -> std::process::Command {
        let mut cmd = std::process::Command::new(assert_cmd::cargo::cargo_bin!("cutover"));
        cmd.env("CUTOVER_DB", &self.db)
            .env_remove("CUTOVER_USER")
            .env_remove("CUTOVER_BUSY_TIMEOUT_MS")
            .env_remove("CUTOVER_LOG")
            .env_remove("CUTOVER_LOG_DIR")
            .env_remove("CUTOVER_PASSPHRASE_FILE")
            .env("CUTOVER_NOW", clock())
            .env("XDG_DATA_HOME", self.dir.path().join("xdg"))
            .env("HOME", self.dir.path());
        if let Some(file) = &self.passphrase_file {
            cmd.env("CUTOVER_PASSPHRASE_FILE", file);
        }
        cmd
    }

    pub fn run(&self, args: &[&str]) -> assert_cmd::assert::Assert {
        self.cmd().args(args).assert()
    }

    pub fn run_as(&self, staff: &str, args: &[&str]) -> assert_cmd::assert::Assert {
        self.cmd().env("CUTOVER_USER", staff).args(args).assert()
    }

    /// Logs an entry as JS and returns its id.
    pub fn log(&self, args: &[&str]) -> String {
        let out = self.run_as("JS", &[&["log"], args].concat()).success().get_output().stdout.clone();
        String::from_utf8(out).expect("utf-8").trim().to_string()
    }

    /// Everything in the diagnostic log files beside the database.
    pub fn diagnostic_log(&self) -> String {
        let Ok(files) = std::fs::read_dir(self.dir.path().join("cutover-logs")) else { return String::new() };
        let mut names: Vec<PathBuf> = files.map(|f| f.expect("a log file").path()).collect();
        names.sort();
        names.iter().map(|f| std::fs::read_to_string(f).expect("a readable log")).collect()
    }

    pub fn list_json(&self) -> serde_json::Value {
        let out = self.run(&["list", "--format", "json"]).success().get_output().stdout.clone();
        serde_json::from_slice(&out).expect("list --format json gives JSON")
    }

    pub fn bytes(&self) -> Vec<u8> {
        std::fs::read(&self.db).expect("database file")
    }

    /// The database, opened directly (with the passphrase, for an encrypted practice).
    pub fn sqlite(&self) -> rusqlite::Connection {
        let c = rusqlite::Connection::open(&self.db).expect("open database");
        let plain = std::fs::read(&self.db).is_ok_and(|b| b.is_empty() || b.starts_with(b"SQLite format 3\0"));
        if let Some(passphrase) = self.passphrase().filter(|_| !plain) {
            c.pragma_update(None, "key", passphrase).expect("key");
        }
        c
    }
}

pub fn stderr_of(assert: &assert_cmd::assert::Assert) -> String {
    String::from_utf8_lossy(&assert.get_output().stderr).into_owned()
}

pub fn stdout_of(assert: &assert_cmd::assert::Assert) -> String {
    String::from_utf8_lossy(&assert.get_output().stdout).into_owned()
}

/// Marks a file read-only (no write bits on Unix, the read-only attribute on Windows), or writable
/// by its owner again.
pub fn mark_read_only(path: &Path, read_only: bool) {
    #[cfg(unix)]
    let permissions = {
        use std::os::unix::fs::PermissionsExt;
        std::fs::Permissions::from_mode(if read_only { 0o444 } else { 0o644 })
    };
    #[cfg(not(unix))]
    let permissions = {
        let mut permissions = std::fs::metadata(path).expect("metadata").permissions();
        #[allow(clippy::permissions_set_readonly_false)] // Windows: the attribute, not the world's write bit
        permissions.set_readonly(read_only);
        permissions
    };
    std::fs::set_permissions(path, permissions).expect("permissions changed");
}

pub fn exists(path: &Path) -> bool {
    path.exists()
}

/// Starts a process, trying again a few times if the system cannot start it. Wine sometimes fails
/// to start two processes at the same moment ("Internal error", Windows error 1359); that is the
/// test machine's fault, not the program's, and a test of what the program does must not fail on it.
pub fn spawn(command: &mut std::process::Command) -> std::process::Child {
    let mut tries = 0;
    loop {
        match command.spawn() {
            Ok(child) => return child,
            Err(e) if tries < 5 => {
                tries += 1;
                eprintln!("could not start the program ({e}); trying again");
                std::thread::sleep(std::time::Duration::from_millis(100 * tries));
            }
            Err(e) => panic!("start cutover: {e}"),
        }
    }
}

/// Every column of every row `sql` returns, one line a row as `column=value`: a column added to the
/// schema is compared without anyone remembering to list it.
pub fn rows(c: &rusqlite::Connection, sql: &str) -> Vec<String> {
    let mut s = c.prepare(sql).unwrap();
    let names: Vec<String> = s.column_names().map(String::from).collect();
    s.query_map([], |r| {
        let cells: Vec<String> = names
            .iter()
            .enumerate()
            .map(|(i, name)| format!("{name}={:?}", r.get::<_, rusqlite::types::Value>(i).unwrap()))
            .collect();
        Ok(cells.join(" "))
    })
    .unwrap()
    .map(Result::unwrap)
    .collect()
}

/// Everything the database holds: every column of every row of every table (entries, revisions
/// with their fields, notes, codes and flags, patients, the audit trail, ...), table by table.
pub fn dump(p: &Practice) -> Vec<String> {
    let c = p.sqlite();
    let mut tables: Vec<String> = c
        .prepare("SELECT name FROM sqlite_master WHERE type = 'table' ORDER BY name")
        .unwrap()
        .query_map([], |r| r.get(0))
        .unwrap()
        .map(Result::unwrap)
        .collect();
    tables.retain(|t| t != "sqlite_stat1");
    assert!(["entry", "revision", "patient", "audit"].iter().all(|t| tables.iter().any(|n| n == t)), "{tables:?}");
    let mut out = Vec::new();
    for table in tables {
        let mut table_rows = rows(&c, &format!("SELECT * FROM \"{table}\""));
        table_rows.sort();
        out.extend(table_rows.into_iter().map(|r| format!("{table}: {r}")));
    }
    out
}
