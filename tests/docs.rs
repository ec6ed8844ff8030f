//! The examples in README.md, docs/user-guide.md and docs/practice-manager.md, run as written.
//!
//! Every ```console block of those files is a list of `$ cutover ...` commands and the output
//! they print (stdout and stderr together, as on screen); `trycmd` runs them with the real binary
//! and compares. `[..]` in an expected line matches anything in that line (an entry's id), a line
//! of `...` any number of lines, and `? 2` after a command its exit code. Each file starts on a
//! new, empty database (`cutover.db` in a fresh folder that is the working directory) with the
//! clock fixed by `CUTOVER_NOW`, so the times shown are the times printed. The files an example
//! names (a patient list, paper forms) are copied into that folder first from
//! `tests/docs/NAME/`, NAME being the guide's file name without `.md`.
//!
//! The output of the last command of a block is followed by an empty line before the closing
//! fence: trycmd keeps the output's last line break only then.
//!
//! To rewrite the expected outputs after a deliberate change: `TRYCMD=overwrite cargo test --test
//! docs`, then read the diff.

use std::path::Path;

/// The guides' "now": the trial run they were copied from.
const NOW: &str = "2026-11-22T02:03:00Z";

fn run_examples(file: &str, user: Option<&str>) {
    let folder = tempfile::tempdir().expect("a temporary folder");
    // The database is named relative to the working directory, so `Database:` lines read
    // `cutover.db` as in the guides rather than a temporary path.
    std::env::set_current_dir(folder.path()).expect("enter the temporary folder");
    let stem = Path::new(file).file_stem().expect("a file name");
    let inputs = Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/docs").join(stem);
    if let Ok(found) = std::fs::read_dir(&inputs) {
        for input in found {
            let input = input.expect("an example file");
            std::fs::copy(input.path(), folder.path().join(input.file_name())).expect("copy an example file");
        }
    }
    let cases = trycmd::TestCases::new();
    cases
        .register_bin("cutover", trycmd::cargo::cargo_bin("cutover"))
        .env("CUTOVER_DB", "cutover.db")
        .env("CUTOVER_NOW", NOW)
        .env("CUTOVER_LOG", "off")
        .case(Path::new(env!("CARGO_MANIFEST_DIR")).join(file));
    if let Some(user) = user {
        cases.env("CUTOVER_USER", user);
    }
    cases.run();
}

// One test, the files in turn: each changes the working directory, which is the process's own.
#[test]
fn the_guides_examples_run_as_written() {
    run_examples("README.md", None);
    run_examples("docs/user-guide.md", Some("KO"));
    run_examples("docs/practice-manager.md", None);
}
