//! Encryption at rest (issue 15): every database file an encrypted practice writes holds nothing
//! readable without the passphrase; a wrong or missing passphrase changes nothing; `encrypt` and
//! `rekey` keep every row, even when killed part-way.

mod common;

use std::path::{Path, PathBuf};

use common::{Practice, dump, stderr_of};

const PASSPHRASE: &str = "Riverside kettle 42 lamplight";

/// Words of a patient's record that must never be readable in an encrypted practice's files.
const SECRETS: [&str; 4] = ["Quillfeather", "Zebedee", "9990000026", "wheezy since Tuesday"];

fn log_patient(p: &Practice) {
    p.log(&[
        "registration",
        "--family",
        "Quillfeather",
        "--given",
        "Zebedee",
        "--dob",
        "14/07/1988",
        "--summary",
        "New patient",
    ]);
    p.log(&[
        "consultation",
        "--patient",
        "9990000026",
        "--summary",
        "Cough, wheezy since Tuesday",
        "--set",
        "clinician=AB",
    ]);
}

/// Every file under `dir`, with its bytes.
fn files_under(dir: &Path) -> Vec<(PathBuf, Vec<u8>)> {
    let mut out = Vec::new();
    for entry in std::fs::read_dir(dir).unwrap().flatten() {
        let path = entry.path();
        if path.is_dir() {
            out.extend(files_under(&path));
        } else {
            out.push((path.clone(), std::fs::read(&path).unwrap()));
        }
    }
    out
}

fn readable_secrets(bytes: &[u8]) -> Vec<&'static str> {
    SECRETS.into_iter().filter(|s| bytes.windows(s.len()).any(|w| w == s.as_bytes())).collect()
}

/// The files of the database, its copies and the shared folder that hold patient data, after a
/// practice logged a patient, backed up, exported and synced with a second PC; the WAL is caught
/// while another connection keeps it (SQLite removes it when the last one closes).
fn files_with_patient_data(encrypted: bool) -> Vec<(PathBuf, Vec<u8>)> {
    let make = |prefix| {
        let p = if encrypted { Practice::empty_encrypted(PASSPHRASE) } else { Practice::empty() };
        p.set_up(prefix)
    };
    let (p, other) = (make("R1"), make("R2"));
    let shared = tempfile::tempdir().unwrap();
    for pc in [&p, &other] {
        pc.run(&["init", "--share-folder", shared.path().to_str().unwrap()]).success();
    }
    let holder = p.sqlite();
    holder.query_row("SELECT count(*) FROM entry", [], |r| r.get::<_, i64>(0)).unwrap();
    log_patient(&p);
    let mut wal = p.db.as_os_str().to_owned();
    wal.push("-wal");
    let wal = PathBuf::from(wal);
    let mut files = vec![(wal.clone(), std::fs::read(&wal).expect("the WAL, kept by the open connection"))];
    drop(holder);

    let backup = p.dir.path().join("copy.db");
    let export = p.dir.path().join("desk1.cutover");
    p.run(&["backup", "--out", backup.to_str().unwrap()]).success();
    p.run_as("JS", &["export", "--out", export.to_str().unwrap()]).success();
    // The rolling backup of this hour is taken again after the changes.
    cutover::backup::keep_rolling_within(&p.db, passphrase_of(&p).as_ref(), common::clock_now(), 1, 0).unwrap();
    p.run_as("JS", &["sync"]).success();
    other.run_as("JS", &["sync"]).success();
    assert_eq!(other.list_json().as_array().unwrap().len(), 2, "the entries reached the other PC");
    other.run_as("JS", &["sync"]).success();

    files.push((p.db.clone(), p.bytes()));
    files.push((other.db.clone(), other.bytes()));
    files.extend([backup, export].map(|f| (f.clone(), std::fs::read(f).unwrap())));
    files.extend(files_under(&cutover::backup::folder_for(&p.db)));
    files.extend(files_under(shared.path()).into_iter().filter(|(f, _)| f.extension().is_some_and(|e| e == "cutover")));
    assert!(files.len() >= 8, "{:?}", files.iter().map(|f| &f.0).collect::<Vec<_>>());
    files
}

fn passphrase_of(p: &Practice) -> Option<cutover::store::Passphrase> {
    p.passphrase().and_then(|text| cutover::store::Passphrase::new(&text))
}

#[test]
fn no_name_nhs_number_or_summary_is_readable_in_any_file_of_an_encrypted_practice() {
    // The same steps without a passphrase leave the words readable in every file: the test can fail.
    let plain = files_with_patient_data(false);
    let is_piece = |f: &Path| f.extension().is_some_and(|e| e == "cutover") && f.parent() != plain[0].0.parent();
    for (path, bytes) in plain.iter().filter(|(f, _)| !is_piece(f)) {
        assert!(!readable_secrets(bytes).is_empty(), "a plain file holds the words: {}", path.display());
    }
    assert!(plain.iter().any(|(f, b)| is_piece(f) && !readable_secrets(b).is_empty()), "a plain piece holds them");
    for (path, bytes) in files_with_patient_data(true) {
        assert_eq!(readable_secrets(&bytes), Vec::<&str>::new(), "{}", path.display());
        assert_ne!(&bytes[..16], b"SQLite format 3\0", "{} is plain SQLite", path.display());
    }
}

/// The database's files: the file and any journal beside it.
fn database_files(p: &Practice) -> Vec<(PathBuf, Vec<u8>)> {
    files_under(p.dir.path())
        .into_iter()
        .filter(|(f, _)| f.starts_with(&p.db) || f.to_string_lossy().starts_with(&*p.db.to_string_lossy()))
        .collect()
}

#[test]
fn a_wrong_or_missing_passphrase_is_refused_in_words_and_changes_no_byte() {
    let p = Practice::empty_encrypted(PASSPHRASE).set_up("R1");
    log_patient(&p);
    let before = database_files(&p);
    let wrong = p.dir.path().join("wrong.txt");
    std::fs::write(&wrong, "Riverside kettle 43 lamplight\n").unwrap();
    for args in [&["list"][..], &["info"], &["check"], &["log", "note", "--patient", "9992345675", "--summary", "x"]] {
        let refused =
            p.cmd().env("CUTOVER_USER", "JS").env("CUTOVER_PASSPHRASE_FILE", &wrong).args(args).assert().code(1);
        let said = stderr_of(&refused);
        assert!(said.contains("The passphrase is not right for this database"), "{args:?}: {said}");
        assert!(said.contains("Nothing was changed"), "{said}");
        assert!(!said.contains("hmac") && !said.contains("ERROR CORE"), "SQLCipher's own words: {said}");

        let missing =
            p.cmd().env("CUTOVER_USER", "JS").env_remove("CUTOVER_PASSPHRASE_FILE").args(args).assert().code(1);
        let said = stderr_of(&missing);
        assert!(said.contains("is encrypted") && said.contains("--passphrase-file"), "{args:?}: {said}");
        assert_eq!(database_files(&p), before, "{args:?} changed the database's files");
    }
    // A passphrase file that cannot be used is said as such.
    let empty = p.dir.path().join("empty.txt");
    std::fs::write(&empty, "\n").unwrap();
    let said = stderr_of(&p.cmd().env("CUTOVER_PASSPHRASE_FILE", &empty).arg("list").assert().code(1));
    assert!(said.contains("has nothing on its first line"), "{said}");
    let said =
        stderr_of(&p.cmd().env("CUTOVER_PASSPHRASE_FILE", p.dir.path().join("nope.txt")).arg("list").assert().code(1));
    assert!(said.contains("could not be read"), "{said}");
    assert_eq!(database_files(&p), before);
}

#[test]
fn a_file_under_another_passphrase_or_none_is_refused_by_merge_and_changes_nothing() {
    let ours = Practice::empty_encrypted(PASSPHRASE).set_up("R1");
    let theirs = Practice::empty_encrypted("another practice's passphrase").set_up("R2");
    let plain_pc = Practice::new();
    log_patient(&theirs);
    let export = theirs.dir.path().join("theirs.cutover");
    theirs.run_as("JS", &["export", "--out", export.to_str().unwrap()]).success();

    for (pc, words) in [(&ours, "encrypted with another passphrase"), (&plain_pc, "and this database is not")] {
        let before = database_files(pc);
        let said = stderr_of(&pc.run_as("JS", &["merge", export.to_str().unwrap()]).code(1));
        assert!(said.contains(words) && said.contains("Nothing was changed"), "{said}");
        assert_eq!(database_files(pc), before);
    }
    // A plain file merges into an encrypted practice: reading it exposes nothing new.
    let plain_export = plain_pc.dir.path().join("plain.cutover");
    plain_pc.log(&["note", "--patient", "9992345675", "--summary", "From the plain PC"]);
    plain_pc.run_as("JS", &["export", "--out", plain_export.to_str().unwrap()]).success();
    ours.run_as("JS", &["merge", plain_export.to_str().unwrap()]).success();
    assert_eq!(ours.list_json().as_array().unwrap().len(), 1);
}

#[test]
fn sync_skips_a_pc_under_another_passphrase_with_a_sentence_and_takes_the_rest() {
    let shared = tempfile::tempdir().unwrap();
    let a = Practice::empty_encrypted(PASSPHRASE).set_up("R1");
    let b = Practice::empty_encrypted(PASSPHRASE).set_up("R2");
    let stranger = Practice::empty_encrypted("not ours").set_up("X9");
    for pc in [&a, &b, &stranger] {
        pc.run(&["init", "--share-folder", shared.path().to_str().unwrap()]).success();
        pc.log(&["note", "--patient", "9992345675", "--summary", "Logged here"]);
        pc.run_as("JS", &["sync"]).success();
    }
    let round = a.run_as("JS", &["sync"]).success();
    let said = format!("{}{}", common::stdout_of(&round), stderr_of(&round));
    assert!(said.contains("another passphrase"), "{said}");
    assert_eq!(a.list_json().as_array().unwrap().len(), 2, "its own and R2's, not the stranger's");
}

/// Fails with the rows one dump has and the other lacks (a few of each), not both dumps whole.
fn assert_same_rows(after: Vec<String>, before: &[String], what: &str) {
    let gone: Vec<&String> = before.iter().filter(|r| !after.contains(r)).take(5).collect();
    let new: Vec<&String> = after.iter().filter(|r| !before.contains(r)).take(5).collect();
    assert!(
        gone.is_empty() && new.is_empty() && after.len() == before.len(),
        "{what}: lost {gone:#?}\ngained {new:#?}"
    );
}

/// `dump` without what `encrypt`/`rekey` add (their audit rows, and the audit's counter) and this
/// PC's own bookkeeping (`local_setting`: its sealing, and where the file was last seen, which a
/// test's copy of a file changes).
fn without_resealing(rows: Vec<String>) -> Vec<String> {
    rows.into_iter()
        .filter(|r| !(r.starts_with("audit: ") && (r.contains("\"encrypt\"") || r.contains("\"rekey\""))))
        .filter(|r| !r.starts_with("sqlite_sequence: ") && !r.starts_with("local_setting: "))
        .collect()
}

fn with_passphrase(p: &mut Practice, passphrase: &str) {
    let file = p.dir.path().join(format!("passphrase-{}.txt", passphrase.len()));
    std::fs::write(&file, format!("{passphrase}\r\n")).unwrap();
    p.passphrase_file = Some(file);
}

#[test]
fn encrypt_then_rekey_keep_every_entry_revision_and_audit_row() {
    let mut p = Practice::new();
    p.run(&["demo", "--entries", "150", "--seed", "3"]).success();
    log_patient(&p);
    let before = without_resealing(dump(&p));
    assert!(before.iter().filter(|r| r.starts_with("audit: ")).count() > 150);

    with_passphrase(&mut p, PASSPHRASE);
    // Another window holding the database open: said at once, in words, and nothing changed.
    let window = p.sqlite();
    window.query_row("SELECT count(*) FROM entry", [], |r| r.get::<_, i64>(0)).unwrap();
    let unchanged = p.bytes();
    let busy = stderr_of(&p.run_as("JS", &["encrypt"]).code(1));
    assert!(busy.contains("is open in another cutover window") && busy.contains("Nothing was changed"), "{busy}");
    assert_eq!(p.bytes(), unchanged);
    drop(window);
    p.run_as("JS", &["encrypt"]).success();
    assert_ne!(&p.bytes()[..16], b"SQLite format 3\0");
    assert_same_rows(without_resealing(dump(&p)), &before, "encrypt");
    let encrypted = dump(&p);
    assert!(encrypted.iter().any(|r| r.starts_with("audit: ") && r.contains("\"encrypt\"")), "audited");
    for backup in cutover::backup::list(&cutover::backup::folder_for(&p.db)).unwrap() {
        assert_eq!(readable_secrets(&std::fs::read(&backup).unwrap()), Vec::<&str>::new(), "{}", backup.display());
    }
    let again = stderr_of(&p.run_as("JS", &["encrypt"]).code(2));
    assert!(again.contains("already encrypted") && again.contains("rekey"), "{again}");

    let new_file = p.dir.path().join("new.txt");
    std::fs::write(&new_file, "A brand new passphrase\n").unwrap();
    p.run_as("JS", &["rekey", "--new-passphrase-file", new_file.to_str().unwrap()]).success();
    // The old passphrase opens nothing now; the new one opens everything as it was.
    let old = stderr_of(&p.run(&["list"]).code(1));
    assert!(old.contains("The passphrase is not right"), "{old}");
    p.passphrase_file = Some(new_file.clone());
    assert_same_rows(without_resealing(dump(&p)), &before, "rekey");
    p.run(&["check"]).success();
    for backup in cutover::backup::list(&cutover::backup::folder_for(&p.db)).unwrap() {
        let c = rusqlite::Connection::open(&backup).unwrap();
        c.pragma_update(None, "key", "A brand new passphrase").unwrap();
        c.query_row("SELECT count(*) FROM entry", [], |r| r.get::<_, i64>(0))
            .expect("a backup opens with the new passphrase");
    }
    let same = stderr_of(&p.run_as("JS", &["rekey", "--new-passphrase-file", new_file.to_str().unwrap()]).code(2));
    assert!(same.contains("the same as the current one"), "{same}");
}

#[test]
fn after_encrypt_the_shared_folder_holds_no_plain_piece() {
    let shared = tempfile::tempdir().unwrap();
    let mut p = Practice::new();
    p.run(&["init", "--share-folder", shared.path().to_str().unwrap()]).success();
    log_patient(&p);
    p.run_as("JS", &["sync"]).success();
    let plain = files_under(shared.path());
    assert!(plain.iter().any(|(_, b)| !readable_secrets(b).is_empty()), "the plain piece holds the words");

    with_passphrase(&mut p, PASSPHRASE);
    p.run_as("JS", &["encrypt"]).success();
    p.run_as("JS", &["sync"]).success();
    for (path, bytes) in files_under(shared.path()) {
        assert_eq!(readable_secrets(&bytes), Vec::<&str>::new(), "{}", path.display());
    }
    // Another PC with the passphrase takes it all from the new series.
    let other = Practice::empty_encrypted(PASSPHRASE).set_up("R7");
    other.run(&["init", "--share-folder", shared.path().to_str().unwrap()]).success();
    other.run_as("JS", &["sync"]).success();
    assert_eq!(other.list_json().as_array().unwrap().len(), 2);
}

/// Kill -9 at moments through `encrypt` and `rekey`: each time the database opens, under the old
/// key or the new, with every row, and passes its check.
#[cfg(unix)]
#[test]
fn killed_at_any_moment_encrypt_and_rekey_lose_nothing() {
    let template = Practice::new();
    template.run(&["demo", "--entries", "1500", "--seed", "5"]).success();
    let before = without_resealing(dump(&template));
    let second = template.dir.path().join("second.txt");
    std::fs::write(&second, "Second passphrase\n").unwrap();

    // A copy of the template given the passphrase; encrypted with it first for `rekey`.
    let copy = |encrypted: bool| {
        let mut p = Practice::empty();
        std::fs::copy(&template.db, &p.db).unwrap();
        with_passphrase(&mut p, PASSPHRASE);
        if encrypted {
            p.run_as("JS", &["encrypt"]).success();
        }
        p
    };
    for (step, encrypted) in [("encrypt", false), ("rekey", true)] {
        let args: &[&str] =
            if encrypted { &["rekey", "--new-passphrase-file", second.to_str().unwrap()] } else { &["encrypt"] };
        let started = std::time::Instant::now();
        copy(encrypted).run_as("JS", args).success();
        let whole = started.elapsed();
        let mut switched = 0;
        for tenth in 0..8u32 {
            let mut p = copy(encrypted);
            let mut child =
                common::spawn(p.std_cmd().env("CUTOVER_USER", "JS").args(args).stderr(std::process::Stdio::null()));
            std::thread::sleep(whole * tenth / 8);
            let _ = child.kill();
            let _ = child.wait();
            // `encrypt`'s passphrase opens the file plain or encrypted; `rekey`'s old one or new one.
            if p.run(&["check"]).try_success().is_err() {
                assert!(encrypted, "{step}: the database no longer opens, killed at {tenth}/8 of {whole:?}");
                p.passphrase_file = Some(second.clone());
                p.run(&["check"]).success();
                switched += 1;
            } else if !encrypted && p.bytes()[..16] != *b"SQLite format 3\0" {
                switched += 1;
            }
            assert_same_rows(
                without_resealing(dump(&p)),
                &before,
                &format!("{step}, killed at {tenth}/8 of {whole:?}"),
            );
        }
        eprintln!("{step}: killed 8 times over {whole:?}; {switched} times after the new file took its place");
    }
}
