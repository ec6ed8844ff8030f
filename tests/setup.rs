//! Setting up a new practice as the guides say, with the staff id already set in the terminal.

mod common;

use common::{Practice, stderr_of};
use predicates::str::contains;

#[test]
fn init_with_your_id_already_set_works_before_you_are_on_the_staff_list() {
    let p = Practice::empty();
    // The user guide has CUTOVER_USER set before anything else, as a practice manager would.
    let init = p
        .run_as("JS", &["init", "--practice", "Riverside Surgery", "--fdp", "20/11/2026 17:00", "--prefix", "R1"])
        .success();
    let stderr = stderr_of(&init);
    assert!(stderr.contains("Settings saved."), "{stderr}");
    assert!(stderr.contains("cutover staff add JS"), "says how to add yourself next: {stderr}");
    p.run_as("JS", &["staff", "add", "JS", "--name", "Jo Smith", "--role", "manager"])
        .success()
        .stderr(contains("Added JS (Jo Smith, manager)."));
    p.run_as("JS", &["staff", "add", "KO", "--name", "Kemi Okafor", "--role", "reception"]).success();
    let id = p.log(&["note", "--patient", "9992345675", "--summary", "First entry"]);
    p.run(&["show", &id]).success().stdout(contains("R1-0001"));
    // Once there is a staff list, init is done as someone on it.
    p.run_as("ZZ", &["init", "--ods", "Z99999"]).code(2).stderr(contains("no member of staff with the id \"ZZ\""));
    p.run_as("JS", &["init", "--ods", "Z99999"]).success();
}

#[test]
fn an_init_refused_on_a_new_folder_leaves_no_database_behind() {
    let p = Practice::empty();
    let result = p
        .run_as("JS", &["init", "--practice", "X", "--fdp", "20/11/2026 17:00", "--go-live", "19/11/2026 09:00"])
        .code(2);
    assert!(stderr_of(&result).contains("go-live"), "{}", stderr_of(&result));
    assert!(!p.db.exists(), "an empty database was left behind");
    p.run(&["init", "--practice", "X", "--prefix", "R-2"]).code(2).stderr(contains("cannot be a workstation prefix"));
    assert!(!p.db.exists());
}
