//! Peak memory of the real program (quality-bar.md, "Added 30/11/2026"): a `merge` of 10 exports of
//! 10,000 entries each, and a sharing round (`sync`) that takes a PC's whole log of 100,000
//! entries and one that takes a single new entry. Each is one process of the release binary; its
//! peak resident memory is what the kernel reports for it when it ends (`wait4`'s `ru_maxrss`).
//!
//! `cargo bench --bench memory` (Linux). Prints one line a figure; no timing.

#[cfg(unix)]
mod unix {
    use std::path::Path;
    use std::process::Command;

    fn cutover(db: &Path, args: &[&str]) -> Command {
        let mut cmd = Command::new(env!("CARGO_BIN_EXE_cutover"));
        cmd.env("CUTOVER_DB", db).env("CUTOVER_LOG", "off").args(args);
        cmd.stdout(std::process::Stdio::null()).stderr(std::process::Stdio::null());
        cmd
    }

    fn run(db: &Path, args: &[&str]) {
        let status = cutover(db, args).status().expect("run cutover");
        assert!(status.success(), "{args:?}");
    }

    /// Runs the command and returns its peak resident memory in MiB.
    // The child is reaped by `wait4`, which also gives its peak memory; `Child::wait` cannot.
    #[allow(clippy::zombie_processes)]
    fn peak_mib(db: &Path, args: &[&str]) -> f64 {
        let child = cutover(db, args).spawn().expect("start cutover");
        let pid = child.id() as libc::pid_t;
        let mut status = 0;
        // SAFETY: an all-zero rusage is a valid value for wait4 to fill in.
        let mut usage: libc::rusage = unsafe { std::mem::zeroed() };
        // SAFETY: wait4 on the id of the child just started, which nothing else waits for.
        let waited = unsafe { libc::wait4(pid, &mut status, 0, &mut usage) };
        assert_eq!(waited, pid, "wait for {args:?}");
        assert!(libc::WIFEXITED(status) && libc::WEXITSTATUS(status) == 0, "{args:?} failed");
        // Linux reports ru_maxrss in KiB.
        usage.ru_maxrss as f64 / 1024.0
    }

    fn practice(db: &Path, prefix: &str) {
        run(db, &["init", "--practice", "Bench Surgery", "--fdp", "20/11/2026 17:00", "--prefix", prefix]);
        run(db, &["staff", "add", "JS", "--name", "Jo Smith", "--role", "manager"]);
    }

    pub fn main() {
        let dir = tempfile::tempdir().unwrap();
        // Ten workstations' logs of 10,000 entries each, merged into a new database.
        let mut exports = Vec::new();
        for seed in 1..=10u32 {
            let db = dir.path().join(format!("ws-{seed}.db"));
            run(&db, &["demo", "--entries", "10000", "--seed", &seed.to_string()]);
            let out = dir.path().join(format!("ws-{seed}.cutover"));
            run(&db, &["--as", "HP", "export", "--out", out.to_str().unwrap()]);
            exports.push(out);
        }
        let merged = dir.path().join("merged.db");
        practice(&merged, "M1");
        let mut args = vec!["--as", "JS", "merge"];
        args.extend(exports.iter().map(|p| p.to_str().unwrap()));
        println!("peak memory, merge of 10 exports of 10,000 entries: {:.0} MiB", peak_mib(&merged, &args));

        // A PC of 100,000 entries shares its log; another PC's first round takes it all.
        let share = dir.path().join("share");
        std::fs::create_dir(&share).unwrap();
        let folder = share.to_str().unwrap();
        let big = dir.path().join("big.db");
        run(&big, &["demo", "--entries", "100000", "--seed", "42"]);
        println!(
            "peak memory, a round publishing a whole log of 100,000 entries: {:.0} MiB",
            peak_mib(&big, &["--as", "HP", "sync", "--folder", folder])
        );
        let other = dir.path().join("other.db");
        practice(&other, "X1");
        println!(
            "peak memory, a round taking a whole log of 100,000 entries: {:.0} MiB",
            peak_mib(&other, &["--as", "JS", "sync", "--folder", folder])
        );
        // Then one new entry, shared and taken.
        run(&big, &["--as", "HP", "log", "note", "--patient", "9992345675", "--summary", "one more"]);
        println!(
            "peak memory, a round publishing one new entry (100,000 held): {:.0} MiB",
            peak_mib(&big, &["--as", "HP", "sync", "--folder", folder])
        );
        println!(
            "peak memory, a round taking one new entry (100,000 held): {:.0} MiB",
            peak_mib(&other, &["--as", "JS", "sync", "--folder", folder])
        );
    }
}

fn main() {
    #[cfg(unix)]
    unix::main();
}
