//! `import patients` and `import entries` on the real binary: formats as the old systems write
//! them, every bad row reported by line and column, all or nothing, and rejects that lose no row.

mod common;

use std::fs;

use common::{Practice, stderr_of};
use predicates::str::contains;
use proptest::prelude::*;

fn count(p: &Practice, sql: &str) -> i64 {
    p.sqlite().query_row(sql, [], |r| r.get(0)).unwrap()
}

fn write(p: &Practice, name: &str, bytes: &[u8]) -> String {
    let path = p.dir.path().join(name);
    fs::write(&path, bytes).unwrap();
    path.to_string_lossy().into_owned()
}

/// As EMIS Web's patient reports save it from Excel: a BOM, CRLF, another order, quoted commas, extra columns.
const EMIS_LIST: &str = "\u{feff}Forename,Surname,NHS Number,Date of Birth,Sex,Postcode,Usual GP,Age\r\n\
\"Siân\",\"Jones, née Pryce\",943 476 5919,03/04/1950,Female,ls14ap,\"Bevan, Aled (Dr)\",76\r\n\
Tom,Smith,999-234-5675,1980-01-02,M,,,46\r\n";

#[test]
fn an_emis_patient_list_loads_without_editing() {
    let p = Practice::new();
    let file = write(&p, "list.csv", EMIS_LIST.as_bytes());
    p.run_as("JS", &["import", "patients", &file]).success().stderr(contains("2 new")).stderr(contains("Age"));
    let (family, gp, source, postcode): (String, String, String, String) = p
        .sqlite()
        .query_row(
            "SELECT family_name, usual_gp, source, postcode FROM patient WHERE nhs_number = '9434765919'",
            [],
            |r| Ok((r.get(0)?, r.get(1)?, r.get(2)?, r.get(3)?)),
        )
        .unwrap();
    assert_eq!(
        (family.as_str(), gp.as_str(), source.as_str(), postcode.as_str()),
        ("Jones, née Pryce", "Bevan, Aled (Dr)", "list", "LS1 4AP")
    );
    assert_eq!(count(&p, "SELECT count(*) FROM patient WHERE source = 'list'"), 2);
    assert_eq!(count(&p, "SELECT count(*) FROM audit WHERE action = 'import_patients'"), 1);
}

#[test]
fn systmone_headers_and_a_map_for_anything_else() {
    let p = Practice::new();
    let file = write(
        &p,
        "s1.csv",
        b"NHS No.,Last Name,First Name,DOB,Gender,Patient Postcode\n9992345675,Smith,Tom,02/01/1980,Male,LS1 4AP\n",
    );
    p.run_as("JS", &["import", "patients", &file, "--map", "Patient Postcode=postcode"]).success();
    assert_eq!(count(&p, "SELECT count(*) FROM patient WHERE postcode = 'LS1 4AP' AND sex = 'male'"), 1);
}

#[test]
fn reimporting_updates_by_nhs_number_and_never_deletes() {
    let p = Practice::new();
    let first = write(
        &p,
        "old.csv",
        b"NHS Number,Surname,Forename,DOB\n9434765919,Jones,Sian,03/04/1950\n9992345675,Smith,Tom,02/01/1980\n",
    );
    p.run_as("JS", &["import", "patients", &first]).success();
    p.log(&["note", "--patient", "9434765919", "--summary", "seen"]);
    let newer = write(
        &p,
        "new.csv",
        b"NHS Number,Surname,Forename,DOB\n9992345675,Smith-Jones,Tom,02/01/1980\n9997037014,Evans,Bethan,05/06/2001\n",
    );
    p.run_as("JS", &["import", "patients", &newer])
        .success()
        .stderr(contains("1 new, 1 updated"))
        .stderr(contains("1 patients from an earlier list are not on this one"));
    assert_eq!(count(&p, "SELECT count(*) FROM patient"), 3);
    assert_eq!(count(&p, "SELECT count(*) FROM patient WHERE family_name = 'Smith-Jones'"), 1);
    assert_eq!(count(&p, "SELECT count(*) FROM patient WHERE nhs_number = '9434765919'"), 1);
}

#[test]
fn bad_patient_rows_are_reported_by_line_and_column_and_nothing_loads() {
    let p = Practice::new();
    let file = write(
        &p,
        "bad.csv",
        // Windows line ends, as Excel saves: line numbers must still be right.
        b"NHS Number,Surname,Forename,Date of Birth\r\n9434765919,Jones,Sian,03/04/1950\r\n999 123 4560,Bad,Number,01/01/1990\r\n9992345675,Smith,Tom,31/02/1980\r\n",
    );
    let out = p.run_as("JS", &["import", "patients", &file]).code(2);
    let err = stderr_of(&out);
    assert!(err.contains("line 3, column NHS Number: this is not a valid NHS number"), "{err}");
    assert!(err.contains("line 4, column Date of Birth: 31/02/1980 is not a real date"), "{err}");
    assert_eq!(count(&p, "SELECT count(*) FROM patient"), 0);
}

#[test]
fn a_missing_column_is_named_and_a_wrong_delimiter_is_explained() {
    let p = Practice::new();
    let no_dob = write(&p, "nodob.csv", b"NHS Number,Surname,Forename\n9434765919,Jones,Sian\n");
    p.run_as("JS", &["import", "patients", &no_dob])
        .code(2)
        .stderr(contains("no column for date_of_birth"))
        .stderr(contains("--map"));
    let semicolons = write(&p, "semi.csv", b"NHS Number;Surname;Forename;DOB\n9434765919;Jones;Sian;03/04/1950\n");
    p.run_as("JS", &["import", "patients", &semicolons]).code(2).stderr(contains("semicolons, not commas"));
    assert_eq!(count(&p, "SELECT count(*) FROM patient"), 0);
}

#[test]
fn a_windows_1252_file_is_refused_with_how_to_save_it_as_utf8() {
    let p = Practice::new();
    let file = write(&p, "ansi.csv", b"NHS Number,Surname,Forename,DOB\n9434765919,Jones,Si\xE2n,03/04/1950\n");
    p.run_as("JS", &["import", "patients", &file])
        .code(2)
        .stderr(contains("not saved as UTF-8"))
        .stderr(contains("line 2"))
        .stderr(contains("CSV UTF-8"));
    assert_eq!(count(&p, "SELECT count(*) FROM patient"), 0);
}

#[test]
fn a_ten_megabyte_field_is_refused_politely() {
    let p = Practice::new();
    let mut bytes = b"NHS Number,Surname,Forename,DOB\n9434765919,".to_vec();
    bytes.extend(std::iter::repeat_n(b'x', 10 * 1024 * 1024));
    bytes.extend(b",Sian,03/04/1950\n");
    let file = write(&p, "huge.csv", &bytes);
    let out = p.run_as("JS", &["import", "patients", &file]).code(2);
    let err = stderr_of(&out);
    assert!(
        err.contains("line 2, column Surname: is 10485760 characters long; at most 100"),
        "{}",
        &err[..err.len().min(400)]
    );
    assert!(err.len() < 2000, "the field itself is not echoed back");

    let mut entries =
        b"kind,occurred_at,summary,recorded_by,nhs_number,notes\nnote,21/11/2026 10:00,Big,JS,9434765919,".to_vec();
    entries.extend(std::iter::repeat_n(b'y', 10 * 1024 * 1024));
    entries.push(b'\n');
    let file = write(&p, "huge-entries.csv", &entries);
    p.run_as("JS", &["import", "entries", &file])
        .code(2)
        .stderr(contains("line 2, column notes: is 10485760 characters long"));
    assert_eq!(count(&p, "SELECT count(*) FROM entry"), 0);
}

const ENTRIES: &str = "kind,occurred_at,summary,recorded_by,nhs_number,family_name,given_name,date_of_birth,drug,clinician,flags\n\
prescription,21/11/2026 10:00,Amoxicillin issued on FP10,JS,943 476 5919,,,,Amoxicillin 500mg capsules,,urgent\n\
consultation,21/11/2026 11:30,\"Chest pain, settled\",AB,,Llŷr,Siân,03/04/1950,,Dr Bevan,\n";

#[test]
fn entries_from_paper_load_with_their_file_and_line() {
    let p = Practice::new();
    let file = write(&p, "paper.csv", ENTRIES.as_bytes());
    p.run_as("JS", &["import", "entries", &file]).success().stderr(contains("Imported 2 entries"));
    let list = p.list_json();
    let entries = list.as_array().unwrap();
    assert_eq!(entries.len(), 2);
    assert_eq!(entries[0]["summary"], "Amoxicillin issued on FP10");
    assert_eq!(entries[1]["recorded_by"], "AB");
    let lines: Vec<i64> = {
        let c = p.sqlite();
        let mut s = c.prepare("SELECT s.line FROM entry_source s JOIN import_file f ON f.id = s.import_id WHERE f.file_name = 'paper.csv' ORDER BY s.line").unwrap();
        s.query_map([], |r| r.get(0)).unwrap().map(Result::unwrap).collect()
    };
    assert_eq!(lines, [2, 3]);
    assert_eq!(count(&p, "SELECT count(*) FROM audit WHERE action = 'import' AND staff_id = 'JS'"), 2);
    p.run(&["check"]).success();
}

#[test]
fn the_same_entries_file_is_never_imported_twice() {
    let p = Practice::new();
    let file = write(&p, "paper.csv", ENTRIES.as_bytes());
    p.run_as("JS", &["import", "entries", &file]).success();
    p.run_as("JS", &["import", "entries", &file]).code(2).stderr(contains("was imported already"));
    assert_eq!(count(&p, "SELECT count(*) FROM entry"), 2);
}

const WITH_BAD_ROWS: &str = "kind,occurred_at,summary,recorded_by,nhs_number,clinician\n\
note,21/11/2026 10:00,Fine,JS,9434765919,\n\
note,21/11/2026 10:05,Bad number,JS,999 123 4560,\n\
consultation,21/11/2026 10:10,No clinician,JS,9992345675,\n\
note,31/02/2026 10:00,Impossible date,JS,9992345675,\n";

#[test]
fn one_bad_row_stops_the_whole_file_and_every_problem_is_named() {
    let p = Practice::new();
    let file = write(&p, "bad.csv", WITH_BAD_ROWS.as_bytes());
    let out = p.run_as("JS", &["import", "entries", &file]).code(2);
    let err = stderr_of(&out);
    for expected in [
        "3 of its 4 rows have problems",
        "line 3, column nhs_number: this is not a valid NHS number",
        "line 4, column clinician: is required",
        "line 5, column occurred_at: 31/02/2026 is not a real date",
        "--skip-invalid",
    ] {
        assert!(err.contains(expected), "{expected:?} in {err}");
    }
    assert_eq!(count(&p, "SELECT count(*) FROM entry"), 0);
}

#[test]
fn skip_invalid_loads_the_good_rows_and_keeps_the_rest_for_correction() {
    let p = Practice::new();
    let file = write(&p, "bad.csv", WITH_BAD_ROWS.as_bytes());
    let rejects = p.dir.path().join("rejects.csv");
    p.run_as("JS", &["import", "entries", &file, "--skip-invalid", "--rejects", rejects.to_str().unwrap()])
        .success()
        .stderr(contains("Imported 1 entry"))
        .stderr(contains("3 rows were not imported"));
    assert_eq!(count(&p, "SELECT count(*) FROM entry"), 1);
    let text = fs::read_to_string(&rejects).unwrap();
    let mut reader = csv::Reader::from_reader(text.as_bytes());
    assert_eq!(reader.headers().unwrap().iter().next_back(), Some("reason"));
    let rows: Vec<csv::StringRecord> = reader.records().map(Result::unwrap).collect();
    assert_eq!(rows.len(), 3);
    assert_eq!(
        rows[0].iter().take(5).collect::<Vec<_>>().join(","),
        "note,21/11/2026 10:05,Bad number,JS,999 123 4560"
    );
    assert!(rows[1][6].contains("clinician: is required"));
    // Corrected in place, reason column and all, the rejects import.
    let fixed = text
        .replace("999 123 4560", "9997037014")
        .replace("10:10,No clinician,JS,9992345675,", "10:10,No clinician,JS,9992345675,Dr Bevan")
        .replace("31/02/2026", "21/11/2026");
    let fixed_file = write(&p, "fixed.csv", fixed.as_bytes());
    p.run_as("JS", &["import", "entries", &fixed_file]).success().stderr(contains("Imported 3 entries"));
    assert_eq!(count(&p, "SELECT count(*) FROM entry"), 4);
}

#[test]
fn an_unknown_or_missing_column_is_named() {
    let p = Practice::new();
    let unknown = write(
        &p,
        "u.csv",
        b"kind,occurred_at,summary,recorded_by,nhs_number,colour\nnote,21/11/2026 10:00,x,JS,9434765919,red\n",
    );
    p.run_as("JS", &["import", "entries", &unknown])
        .code(2)
        .stderr(contains("a column cutover does not know: \"colour\""));
    let missing = write(&p, "m.csv", b"kind,summary,recorded_by,nhs_number\nnote,x,JS,9434765919\n");
    p.run_as("JS", &["import", "entries", &missing]).code(2).stderr(contains("no column for occurred_at"));
    let tabs = write(&p, "t.csv", b"kind\toccurred_at\tsummary\nnote\tx\ty\n");
    p.run_as("JS", &["import", "entries", &tabs]).code(2).stderr(contains("separates its columns with tabs"));
}

#[test]
fn imports_need_a_member_of_staff() {
    let p = Practice::new();
    let file = write(&p, "list.csv", EMIS_LIST.as_bytes());
    p.run(&["import", "patients", &file]).code(2).stderr(contains("--as"));
}

#[test]
fn a_placeholder_nhs_number_on_the_patient_list_is_refused() {
    let p = Practice::new();
    let file = write(
        &p,
        "list.csv",
        b"NHS Number,Surname,Forename,DOB\n9434765919,Jones,Sian,03/04/1950\n0000000000,Unknown,Baby,01/11/2026\n999 999 9999,Smith,Tom,02/01/1980\n",
    );
    let err = stderr_of(&p.run_as("JS", &["import", "patients", &file]).code(2));
    assert!(err.contains("line 3, column NHS Number: this is a placeholder, not a real NHS number"), "{err}");
    assert!(err.contains("line 4, column NHS Number: this is a placeholder"), "{err}");
    assert_eq!(count(&p, "SELECT count(*) FROM patient"), 0);
}

#[test]
fn a_newer_list_never_moves_entries_to_a_different_person() {
    let p = Practice::new();
    let first = write(
        &p,
        "old.csv",
        b"NHS Number,Surname,Forename,DOB\n9434765919,Jones,Sian,03/04/1950\n9992345675,Smith,Tom,02/01/1980\n9997037014,Evans,Bethan,05/06/2001\n",
    );
    p.run_as("JS", &["import", "patients", &first]).success();
    p.log(&["note", "--patient", "9434765919", "--summary", "seen"]);
    p.log(&["note", "--patient", "9434765919", "--summary", "seen again"]);
    p.log(&["note", "--patient", "9997037014", "--summary", "called"]);
    p.log(&["note", "--patient", "9994691341", "--summary", "walk-in, name not taken"]);
    // Line 2 names another person under Sian Jones's number; line 3 only spells Bethan's name as
    // the old system does (same person); line 4 changes Tom Smith, who has no entries; line 5 gives
    // the name of a patient logged by number alone.
    let newer = write(
        &p,
        "new.csv",
        "NHS Number,Surname,Forename,DOB\n9434765919,Williams,Gareth,07/08/1961\n9997037014,EVANS,Béthan,05/06/2001\n9992345675,Smith-Jones,Tom,02/01/1980\n9994691341,Hughes,Megan,02/09/1961\n"
            .as_bytes(),
    );
    let out = p.run_as("JS", &["import", "patients", &newer]).success();
    let err = stderr_of(&out);
    assert!(err.contains("3 updated"), "{err}");
    assert!(err.contains("1 not updated"), "{err}");
    assert!(
        err.contains("line 2: NHS number 943 476 5919 is held here for Jones, Sian, born 03/04/1950 (2 entries are about them); the list says Williams, Gareth, born 07/08/1961. Not updated."),
        "{err}"
    );
    let held = |nhs: &str| -> String {
        p.sqlite()
            .query_row("SELECT family_name || ' ' || given_name FROM patient WHERE nhs_number = ?1", [nhs], |r| {
                r.get(0)
            })
            .unwrap()
    };
    assert_eq!(held("9434765919"), "Jones Sian");
    assert_eq!(held("9997037014"), "EVANS Béthan");
    assert_eq!(held("9992345675"), "Smith-Jones Tom");
    assert_eq!(held("9994691341"), "Hughes Megan");
    assert_eq!(count(&p, "SELECT count(*) FROM audit WHERE action = 'import_patients_conflict'"), 1);
}

#[test]
fn the_same_paper_rows_imported_again_are_held_back_and_named() {
    let p = Practice::new();
    let file = write(&p, "paper.csv", ENTRIES.as_bytes());
    p.run_as("JS", &["import", "entries", &file]).success();
    // Re-saved on another PC with Windows line ends: the same file.
    let crlf = write(&p, "paper-copy.csv", ENTRIES.replace('\n', "\r\n").as_bytes());
    p.run_as("JS", &["import", "entries", &crlf]).code(2).stderr(contains("was imported already"));
    assert_eq!(count(&p, "SELECT count(*) FROM entry"), 2);
    // The same rows with one more (and that one typed twice): only the new row loads.
    let more = format!(
        "{ENTRIES}note,21/11/2026 12:00,Phoned back,JS,999 234 5675,,,,,,\nnote,21/11/2026 12:00,Phoned back,JS,999 234 5675,,,,,,\n"
    );
    let more = write(&p, "more.csv", more.as_bytes());
    let out = p.run_as("JS", &["import", "entries", &more]).success();
    let err = stderr_of(&out);
    for expected in [
        "Imported 1 entry",
        "3 rows were not imported because the same entry",
        "line 2: already held as R2-0001",
        "line 3: already held as R2-0002",
        "line 5: the same as line 4 of this file",
        "--allow-duplicates",
    ] {
        assert!(err.contains(expected), "{expected:?} in {err}");
    }
    assert_eq!(count(&p, "SELECT count(*) FROM entry"), 3);
    assert_eq!(count(&p, "SELECT count(*) FROM entry WHERE kind = 'prescription'"), 1);
    assert_eq!(count(&p, "SELECT rows_loaded FROM import_file WHERE file_name = 'more.csv'"), 1);
    // Two identical prescriptions really issued: the practice says so.
    p.run_as("JS", &["import", "entries", &crlf, "--allow-duplicates"])
        .success()
        .stderr(contains("Imported 2 entries"));
    assert_eq!(count(&p, "SELECT count(*) FROM entry WHERE kind = 'prescription'"), 2);
}

#[test]
fn text_garbled_by_a_spreadsheet_is_flagged_by_line() {
    let p = Practice::new();
    // "Siân" and "Llŷr" as Excel leaves them after opening UTF-8 as Windows text and saving.
    let garbled = ENTRIES.replace("Siân", "SiÃ¢n").replace("Llŷr", "LlÅ·r");
    let file = write(&p, "paper.csv", garbled.as_bytes());
    let err = stderr_of(&p.run_as("JS", &["import", "entries", &file]).code(2));
    assert!(err.contains("line 3, column family_name: \"LlÅ·r\" has garbled letters"), "{err}");
    assert!(err.contains("line 3, column given_name: \"SiÃ¢n\""), "{err}");
    assert!(err.contains("save as \"CSV UTF-8"), "{err}");
    assert_eq!(count(&p, "SELECT count(*) FROM entry"), 0);

    let list = write(&p, "list.csv", "NHS Number,Surname,Forename,DOB\n9434765919,Jones,SiÃ¢n,03/04/1950\n".as_bytes());
    let err = stderr_of(&p.run_as("JS", &["import", "patients", &list]).code(2));
    assert!(err.contains("line 2, column Forename: \"SiÃ¢n\" has garbled letters"), "{err}");
    assert_eq!(count(&p, "SELECT count(*) FROM patient"), 0);
}

#[test]
fn a_phone_number_that_lost_its_leading_zero_is_flagged_by_line() {
    let p = Practice::new();
    let file = write(
        &p,
        "reg.csv",
        b"kind,occurred_at,summary,recorded_by,family_name,given_name,date_of_birth,phone\n\
registration,21/11/2026 10:00,New patient,JS,Jones,Ann,01/01/1990,07700 900123\n\
registration,21/11/2026 10:30,New patient,JS,Evans,Bethan,05/06/2001,7700900123\n",
    );
    let err = stderr_of(&p.run_as("JS", &["import", "entries", &file]).code(2));
    assert!(err.contains("line 3, column phone: a UK number starts with 0: did a spreadsheet drop it?"), "{err}");
    assert!(!err.contains("line 2"), "{err}");
}

#[test]
fn a_rejects_file_is_safe_in_a_spreadsheet_and_imports_as_typed() {
    let p = Practice::new();
    let file = write(
        &p,
        "paper.csv",
        b"kind,occurred_at,summary,recorded_by,nhs_number\nnote,21/11/2026 10:00,-ve pregnancy test,JS,999 123 4560\nnote,21/11/2026 10:05,=HYPERLINK(\"http://x\"),JS,999 123 4560\n",
    );
    let rejects = p.dir.path().join("rejects.csv");
    p.run_as("JS", &["import", "entries", &file, "--skip-invalid", "--rejects", rejects.to_str().unwrap()]).success();
    let text = fs::read_to_string(&rejects).unwrap();
    assert!(text.contains("'-ve pregnancy test"), "{text}");
    assert!(text.contains("'=HYPERLINK"), "{text}");
    let fixed = write(&p, "fixed.csv", text.replace("999 123 4560", "9997037014").as_bytes());
    p.run_as("JS", &["import", "entries", &fixed]).success().stderr(contains("Imported 2 entries"));
    let list = p.list_json();
    let summaries: Vec<&str> = list.as_array().unwrap().iter().map(|e| e["summary"].as_str().unwrap()).collect();
    assert_eq!(summaries, ["-ve pregnancy test", "=HYPERLINK(\"http://x\")"]);
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 256, ..ProptestConfig::default() })]

    /// Whatever the bytes, reading and checking never panics: it loads, or says why not.
    #[test]
    fn the_csv_importers_never_panic(
        bytes in proptest::collection::vec(any::<u8>(), 0..400),
        header in proptest::sample::subsequence(
            vec!["NHS Number", "Surname", "Forename", "DOB", "kind", "occurred_at", "summary", "recorded_by", "drug", "\"q,x\"", "", "reason"], 0..8),
        cells in proptest::collection::vec("[ -~\\n\",éŵ]{0,12}", 0..30),
    ) {
        use cutover::import::{csv_file, entries::Columns, entries::drop_rejects_reason, patients};
        let path = std::path::Path::new("fuzz.csv");
        let now = chrono::Utc::now();
        let mut texts = vec![];
        if let Ok(text) = csv_file::text(path, &bytes) { texts.push(text); }
        let mut made = header.join(",");
        for (i, cell) in cells.iter().enumerate() {
            made.push(if i % 4 == 0 { '\n' } else { ',' });
            made.push_str(cell);
        }
        texts.push(made);
        for text in texts {
            if let Ok(mut table) = csv_file::parse(path, &text) {
                let _ = patients::check(path, &table, &[], now);
                drop_rejects_reason(&mut table);
                if let Ok(columns) = Columns::from_header(path, &table.header) {
                    for row in &table.rows {
                        let _ = columns.input(row);
                        let _ = columns.column_for("patient");
                    }
                }
            }
        }
    }
}

/// Issue 10, item 5, for paper forms: a row whose NHS number is already someone else's (other name
/// and date of birth) stops the import with the question, as `log` asks it; `--confirm` loads it.
#[test]
fn a_paper_row_with_someone_elses_nhs_number_is_asked_about_not_linked_silently() {
    let p = Practice::new();
    p.log(&[
        "note",
        "--patient",
        "9992345675",
        "--family",
        "Smith",
        "--given",
        "Anne",
        "--dob",
        "01/01/1960",
        "--summary",
        "x",
    ]);
    let rows = "kind,occurred_at,summary,recorded_by,nhs_number,family_name,given_name,date_of_birth\n\
note,21/11/2026 10:00,Phoned about results,JS,999 234 5675,Reid,Mary,30/01/1941\n";
    let file = write(&p, "paper.csv", rows.as_bytes());
    let out = p.run_as("JS", &["import", "entries", &file]).code(2);
    let said = stderr_of(&out);
    assert!(said.contains("line 2") && said.contains("SMITH, Anne"), "{said}");
    assert!(said.contains("import again with --confirm"), "how to say yes on the command line: {said}");
    assert_eq!(count(&p, "SELECT count(*) FROM entry"), 1, "nothing imported");
    assert_eq!(count(&p, "SELECT count(*) FROM import_file"), 0, "not recorded as imported");
    p.run_as("JS", &["import", "entries", &file, "--confirm"]).success();
    assert_eq!(count(&p, "SELECT count(*) FROM entry"), 2);
}

/// Issue 11, item 4: a second import naming the same --rejects file is refused before anything is
/// imported, so the first import's rejected rows (in no other place) are never overwritten.
#[test]
fn an_existing_rejects_file_is_never_overwritten() {
    let p = Practice::new();
    let first = write(&p, "bad.csv", WITH_BAD_ROWS.as_bytes());
    let rejects = p.dir.path().join("to-fix.csv");
    let rejects_arg = rejects.to_str().unwrap();
    p.run_as("JS", &["import", "entries", &first, "--skip-invalid", "--rejects", rejects_arg]).success();
    let kept = fs::read(&rejects).unwrap();
    let second = write(&p, "more.csv", WITH_BAD_ROWS.replace("10:05", "11:05").as_bytes());
    let out = p.run_as("JS", &["import", "entries", &second, "--skip-invalid", "--rejects", rejects_arg]).code(2);
    assert!(stderr_of(&out).contains("already exists, and cutover never overwrites a file"), "{}", stderr_of(&out));
    assert_eq!(fs::read(&rejects).unwrap(), kept, "the first import's rejected rows are as they were");
    assert_eq!(count(&p, "SELECT count(*) FROM entry"), 1, "nothing more imported");
    assert_eq!(count(&p, "SELECT count(*) FROM import_file"), 1, "the second file is not recorded as imported");
}

// Issue 11, item 5: a file that is not CSV text as cutover reads it (UTF-16, NUL bytes), or that
// holds no rows, is refused by both imports with a sentence saying what it is, the database byte
// for byte as it was and the file not recorded as imported, so that the corrected file imports.

const PATIENTS_CSV: &str = "NHS Number,Surname,Forename,DOB\n9434765919,Jones,Siân,03/04/1950\n";
const ENTRIES_CSV: &str =
    "kind,occurred_at,summary,recorded_by,nhs_number\nnote,21/11/2026 10:00,Rang about results,JS,9434765919\n";

/// The same text as the four UTF-16 files Windows programs save: little- and big-endian, each
/// with and without a byte-order mark.
fn utf16_forms(text: &str) -> Vec<(&'static str, Vec<u8>)> {
    let units: Vec<u16> = text.encode_utf16().collect();
    let le: Vec<u8> = units.iter().flat_map(|u| u.to_le_bytes()).collect();
    let be: Vec<u8> = units.iter().flat_map(|u| u.to_be_bytes()).collect();
    vec![
        ("le.csv", le.clone()),
        ("le-bom.csv", [&[0xFF, 0xFE][..], &le].concat()),
        ("be.csv", be.clone()),
        ("be-bom.csv", [&[0xFE, 0xFF][..], &be].concat()),
    ]
}

/// Imports `bytes` as `what` ("entries" with --skip-invalid and --rejects, so that nothing could
/// be half loaded); it must be refused with exit 2 and each of `expected`, writing nothing.
fn refused_import(p: &Practice, what: &str, name: &str, bytes: &[u8], expected: &[&str]) -> String {
    let file = write(p, name, bytes);
    let rejects = p.dir.path().join(format!("rejects-{name}"));
    let mut args = vec!["import", what, file.as_str()];
    if what == "entries" {
        args.extend(["--skip-invalid", "--rejects", rejects.to_str().unwrap()]);
    }
    let (before, imports) = (p.bytes(), count(p, "SELECT count(*) FROM import_file"));
    let out = p.run_as("JS", &args).code(2);
    let err = stderr_of(&out);
    for e in expected {
        assert!(err.contains(e), "{name}: {e:?} in {err}");
    }
    assert!(!err.contains('\0'), "{name}: {err:?}");
    assert_eq!(p.bytes(), before, "{name}: the database changed");
    assert!(!rejects.exists(), "{name}: a rejects file was written");
    assert_eq!(count(p, "SELECT count(*) FROM import_file"), imports, "{name}: recorded as imported");
    err
}

#[test]
fn utf16_files_are_named_as_such_and_the_utf8_file_then_imports() {
    let p = Practice::new();
    for (what, text) in [("patients", PATIENTS_CSV), ("entries", ENTRIES_CSV)] {
        for (name, bytes) in utf16_forms(text) {
            let err = refused_import(
                &p,
                what,
                &format!("{what}-{name}"),
                &bytes,
                &["is saved as UTF-16", "Nothing was imported", "CSV UTF-8 (Comma delimited)"],
            );
            assert!(!err.contains("Windows-1252"), "{err}");
        }
        // Saved again as UTF-8, under the same name, it imports.
        let file = write(&p, &format!("{what}-le.csv"), text.as_bytes());
        p.run_as("JS", &["import", what, &file]).success();
    }
    assert_eq!(count(&p, "SELECT count(*) FROM patient WHERE given_name = 'Siân'"), 1);
    assert_eq!(count(&p, "SELECT count(*) FROM entry WHERE summary = 'Rang about results'"), 1);
}

#[test]
fn a_workbook_given_instead_of_its_csv_is_named_as_such() {
    let p = Practice::new();
    // The first bytes of an .xlsx (a zip file) and of an old .xls.
    let xlsx = b"PK\x03\x04\x14\x00\x06\x00\x08\x00\x00\x00!\x00[Content_Types].xml";
    let xls = b"\xD0\xCF\x11\xE0\xA1\xB1\x1A\xE1\x00\x00\x00\x00\x00\x00\x00\x00";
    for what in ["patients", "entries"] {
        for (name, bytes) in [("forms.xlsx", &xlsx[..]), ("forms.xls", &xls[..])] {
            let err =
                refused_import(&p, what, &format!("{what}-{name}"), bytes, &["is an Excel workbook, not a CSV file"]);
            assert!(!err.contains("Windows-1252"), "{err}");
        }
    }
}

#[test]
fn a_nul_byte_is_refused_by_its_line_and_column() {
    let p = Practice::new();
    let patients = PATIENTS_CSV.replace("Jones", "Jo\0nes");
    refused_import(&p, "patients", "nul-list.csv", patients.as_bytes(), &["line 2", "column 2 (Surname)", "NUL"]);
    let entries = format!("{ENTRIES_CSV}note,21/11/2026 10:05,Second\0 call,JS,9434765919\n");
    refused_import(&p, "entries", "nul-entries.csv", entries.as_bytes(), &["line 3", "column 3 (summary)", "NUL"]);
    let in_header = ENTRIES_CSV.replacen("kind", "ki\0nd", 1);
    refused_import(&p, "entries", "nul-header.csv", in_header.as_bytes(), &["line 1", "column 1", "NUL"]);
    // Corrected, they import.
    let file = write(&p, "nul-list.csv", PATIENTS_CSV.as_bytes());
    p.run_as("JS", &["import", "patients", &file]).success();
    let file = write(&p, "nul-entries.csv", entries.replace('\0', "").as_bytes());
    p.run_as("JS", &["import", "entries", &file]).success().stderr(contains("Imported 2 entries"));
}

#[test]
fn an_empty_or_header_only_file_imports_nothing_and_is_not_recorded() {
    let p = Practice::new();
    for what in ["patients", "entries"] {
        for (name, bytes) in [("empty", &b""[..]), ("bom-only", b"\xEF\xBB\xBF"), ("blank-lines", b"\r\n\r\n,,\r\n")] {
            refused_import(&p, what, &format!("{what}-{name}.csv"), bytes, &["is empty", "Nothing was imported"]);
        }
        let text = if what == "patients" { PATIENTS_CSV } else { ENTRIES_CSV };
        let header = format!("{}\r\n\r\n", text.lines().next().unwrap());
        let name = format!("{what}-header.csv");
        refused_import(&p, what, &name, header.as_bytes(), &["has a header row but no rows", "Nothing was imported"]);
        // Once the rows are typed in, the same file imports.
        let file = write(&p, &name, text.as_bytes());
        p.run_as("JS", &["import", what, &file]).success();
    }
    assert_eq!(count(&p, "SELECT count(*) FROM entry"), 1);
}
