//! The UI's screens on ratatui's TestBackend: keys in, the drawn screen out (snapshots), with the
//! real store underneath (in memory) and the clock fixed.

use chrono::{DateTime, Utc};
use std::collections::BTreeMap;
use unicode_segmentation::UnicodeSegmentation;

use cutover::domain::fields::{COMMON_FIELDS, FieldSpec, FieldType, Kind, PatientInput, build_content, input_form};
use cutover::domain::nhs::NhsNumber;
use cutover::domain::time;
use cutover::entries::{self, Amendment};
use cutover::store::{PatientCheck, Role, StaffMember, Store, settings_key};
use cutover::tui::{App, Msg, Theme, dispatch, load_start, view};
use ratatui::Terminal;
use ratatui::backend::TestBackend;
use ratatui::crossterm::event::{KeyCode, KeyEvent, KeyModifiers};

fn now() -> DateTime<Utc> {
    time::parse_uk_datetime("21/11/2026 10:30", Utc::now()).unwrap()
}

/// A practice set up as on the CLI: settings, two staff, this workstation called R2.
fn practice() -> Store {
    set_up(Store::open_in_memory().unwrap())
}

/// `practice()` in a file on disk: rolling backups are kept only beside a file.
fn practice_on_disk(db: &std::path::Path) -> Store {
    let location = cutover::config::DatabaseLocation::at(db.to_path_buf());
    set_up(Store::open(&location, cutover::store::OpenMode::Create).unwrap())
}

fn set_up(store: Store) -> Store {
    let actor = store.setup_actor(None).unwrap();
    store
        .write_at(now(), |tx| {
            tx.set_local_workstation(Some("Reception 2"), Some("R2"))?;
            tx.set_settings(
                &actor,
                &[
                    (settings_key::PRACTICE, "Riverside Surgery".into()),
                    (settings_key::FDP, time::to_storage(time::parse_uk_datetime("20/11/2026 17:00", now()).unwrap())),
                ],
            )?;
            tx.add_staff(&actor, &StaffMember { id: "JS".into(), name: "Jo Smith".into(), role: Role::Reception })?;
            tx.add_staff(&actor, &StaffMember { id: "AB".into(), name: "Dr Aled Bevan".into(), role: Role::Clinician })
        })
        .unwrap();
    store
}

/// Logs an entry as JS; each one a minute after the one before, so their order is known.
fn log(store: &Store, kind: Kind, nhs: &str, family: &str, given: &str, summary: &str) {
    log_by(store, "JS", kind, nhs, family, given, summary);
}

/// Logs an entry as `staff`, a minute after the one before.
fn log_by(store: &Store, staff: &str, kind: Kind, nhs: &str, family: &str, given: &str, summary: &str) {
    let actor = store.actor(Some(staff)).unwrap();
    let earlier = store.counts().unwrap().iter().find(|(n, _)| *n == "entries").map_or(0, |(_, n)| *n);
    let at = time::format_uk(now() - chrono::Duration::minutes(30 - earlier));
    let mut sets = vec![("summary".to_string(), summary.to_string()), ("occurred_at".to_string(), at)];
    if kind == Kind::Telephone {
        sets.push(("direction".into(), "incoming".into()));
    }
    let content = build_content(kind, None, &sets, now()).unwrap();
    let input = PatientInput {
        nhs_number: NhsNumber::parse(nhs).ok(),
        family_name: Some(family.into()),
        given_name: Some(given.into()),
        date_of_birth: chrono::NaiveDate::from_ymd_opt(1950, 4, 3),
        ..Default::default()
    };
    store
        .write_at(now(), |tx| {
            let p = tx.resolve_patient(&actor, &input, PatientCheck::default())?;
            tx.log_entry(&actor, &content, Some(&p.id))
        })
        .unwrap();
}

/// The line of a form that shows the field labelled `label`: the whole label, focused or not,
/// followed by its " *" when required or by padding, never a longer label that merely starts with
/// it ("Sent" is not "Sent by").
fn field_line<'s>(screen: &'s str, label: &str) -> Option<&'s str> {
    screen.lines().find(|l| {
        let Some(text) = l.strip_prefix('│') else { return false };
        let Some(rest) = text.strip_prefix("▶ ").or_else(|| text.strip_prefix("  ")) else { return false };
        rest.strip_prefix(label).is_some_and(|after| after.starts_with(" * ") || after.starts_with("  "))
    })
}

/// Whether the form shows `label` marked as required (" *").
fn marked_required(screen: &str, label: &str) -> bool {
    field_line(screen, label).is_some_and(|l| l.contains(&format!("{label} * ")))
}

struct Ui {
    store: Store,
    app: App,
    terminal: Terminal<TestBackend>,
}

impl Ui {
    fn start(store: Store) -> Ui {
        Ui::sized(store, 80, 24)
    }

    fn sized(store: Store, width: u16, height: u16) -> Ui {
        let app = App::new(load_start(&store, now()).unwrap(), now());
        Ui { store, app, terminal: Terminal::new(TestBackend::new(width, height)).unwrap() }
    }

    /// Past "who is working", as Jo Smith.
    fn signed_in(store: Store) -> Ui {
        let mut ui = Ui::start(store);
        ui.keys("jo");
        ui.key(KeyCode::Enter);
        ui
    }

    fn send(&mut self, key: KeyEvent) {
        dispatch(&self.store, &mut self.app, Msg::Key(key));
    }

    fn key(&mut self, code: KeyCode) {
        self.send(KeyEvent::new(code, KeyModifiers::NONE));
    }

    fn ctrl(&mut self, c: char) {
        self.send(KeyEvent::new(KeyCode::Char(c), KeyModifiers::CONTROL));
    }

    fn keys(&mut self, text: &str) {
        for c in text.chars() {
            self.key(KeyCode::Char(c));
        }
    }

    fn tab(&mut self, times: usize) {
        for _ in 0..times {
            self.key(KeyCode::Tab);
        }
    }

    fn screen(&mut self) -> String {
        let theme = Theme::plain();
        self.terminal.draw(|f| view(&self.app, &theme, f)).unwrap();
        let buffer = self.terminal.backend().buffer();
        let mut out = String::new();
        for y in 0..buffer.area.height {
            let line: String = (0..buffer.area.width).map(|x| buffer[(x, y)].symbol()).collect();
            out.push_str(line.trim_end());
            out.push('\n');
        }
        out
    }
}

#[test]
fn first_run_asks_for_the_practice_and_the_first_person() {
    let store = Store::open_in_memory().unwrap();
    // A new database makes up a prefix of its own at random: this one is fixed, for the snapshot.
    store.write_at(now(), |tx| tx.set_local_workstation(None, Some("K7Q"))).unwrap();
    let mut ui = Ui::start(store);
    let screen = ui.screen();
    insta::assert_snapshot!("first_run", screen);
    assert!(!screen.contains("Three questions"), "the words count the lines on the screen: {screen}");
    ui.keys("Riverside Surgery");
    ui.tab(3);
    ui.keys("Jo Smith");
    ui.tab(1);
    ui.keys("js");
    ui.ctrl('s');
    let screen = ui.screen();
    assert!(screen.contains("Jo Smith (JS)"), "{screen}");
    assert!(screen.contains("New entry: press a key"), "{screen}");
    assert_eq!(ui.store.staff().unwrap().len(), 1);
    assert_eq!(ui.store.settings().unwrap().practice(), Some("Riverside Surgery"));
}

#[test]
fn first_run_sets_this_computers_reference_prefix_by_the_rule_init_uses() {
    let mut ui = Ui::start(Store::open_in_memory().unwrap());
    let made_up = ui.store.local_workstation().unwrap().prefix;
    assert!(ui.screen().contains(&made_up), "the prefix cutover made up is offered: {}", ui.screen());
    ui.keys("Riverside Surgery");
    ui.tab(2);
    ui.keys("R-2");
    ui.tab(1);
    let screen = ui.screen();
    assert!(screen.contains("1 to 4 letters or digits"), "{screen}");
    ui.key(KeyCode::BackTab);
    for _ in 0..3 {
        ui.key(KeyCode::Backspace);
    }
    ui.keys("r2");
    ui.tab(1);
    ui.keys("Jo Smith");
    ui.tab(1);
    ui.keys("js");
    ui.ctrl('s');
    assert_eq!(ui.store.local_workstation().unwrap().prefix, "R2");
    assert!(ui.screen().contains("Jo Smith (JS)"));
}

#[test]
fn esc_on_the_first_run_screen_leaves_having_saved_nothing() {
    let mut ui = Ui::start(Store::open_in_memory().unwrap());
    assert!(ui.screen().contains("Esc"), "the footer offers Esc: {}", ui.screen());
    ui.key(KeyCode::Esc);
    assert!(ui.app.quit, "Esc on an untouched first-run screen leaves");
    assert_eq!(ui.store.settings().unwrap().practice(), None);
    assert!(ui.store.staff().unwrap().is_empty());
}

#[test]
fn esc_after_typing_on_the_first_run_screen_asks_before_leaving() {
    let mut ui = Ui::start(Store::open_in_memory().unwrap());
    ui.keys("Riverside");
    ui.key(KeyCode::Esc);
    assert!(!ui.app.quit);
    let screen = ui.screen();
    assert!(screen.contains("Leave without setting up?"), "{screen}");
    ui.key(KeyCode::Char('n'));
    assert!(!ui.app.quit);
    ui.keys(" Surgery");
    assert!(ui.screen().contains("Riverside Surgery"), "{}", ui.screen());
    ui.key(KeyCode::Esc);
    ui.key(KeyCode::Char('y'));
    assert!(ui.app.quit);
    assert_eq!(ui.store.settings().unwrap().practice(), None);
    assert!(ui.store.staff().unwrap().is_empty());
}

#[test]
fn esc_on_add_staff_goes_back_to_who_is_working() {
    let mut ui = Ui::start(practice());
    ui.ctrl('n');
    let screen = ui.screen();
    assert!(screen.contains("Add yourself to the staff list"), "{screen}");
    assert!(screen.contains("Esc Back"), "{screen}");
    ui.key(KeyCode::Esc);
    assert!(ui.screen().contains("Who is working?"), "{}", ui.screen());
    assert!(!ui.app.quit);
}

#[test]
fn who_is_working_filters_as_you_type() {
    let mut ui = Ui::start(practice());
    insta::assert_snapshot!("choose_user", ui.screen());
    ui.keys("bev");
    let screen = ui.screen();
    assert!(screen.contains("Dr Aled Bevan") && !screen.contains("Jo Smith"), "{screen}");
}

#[test]
fn after_go_live_the_header_gives_the_cutovers_length_not_time_since_fdp() {
    let store = practice();
    let mut ui = Ui::signed_in(store);
    assert!(ui.screen().lines().next().unwrap().contains("FDP +18h of 72h"), "before go-live: time since FDP");

    let store = practice();
    let actor = store.setup_actor(None).unwrap();
    let go_live = time::parse_uk_datetime("21/11/2026 08:00", now()).unwrap();
    store.write_at(now(), |tx| tx.set_settings(&actor, &[(settings_key::GO_LIVE, time::to_storage(go_live))])).unwrap();
    let mut ui = Ui::signed_in(store);
    let header = ui.screen().lines().next().unwrap().to_string();
    assert!(header.contains("FDP to go-live 15h of 72h"), "{header}");
    assert!(!header.contains("FDP +"), "{header}");
}

#[test]
fn the_home_screen_shows_the_cutover_at_a_glance() {
    let store = practice();
    log(&store, Kind::Telephone, "943 476 5919", "Jones", "Siân", "Asked for blood results");
    log(&store, Kind::Telephone, "999 234 5675", "Evans", "Rhys", "Repeat prescription request");
    log(&store, Kind::Note, "999 469 1341", "Kowalski", "Łukasz", "Change of address");
    let mut ui = Ui::signed_in(store);
    insta::assert_snapshot!("home", ui.screen());
}

#[test]
fn every_kind_has_its_own_form() {
    for (key, kind, title) in [
        ('a', Kind::Appointment, "New appointment"),
        ('c', Kind::Consultation, "New consultation"),
        ('h', Kind::HomeVisit, "New home visit"),
        ('t', Kind::Telephone, "New telephone call"),
        ('p', Kind::Prescription, "New prescription"),
        ('r', Kind::Registration, "New registration"),
        ('l', Kind::Pathology, "New pathology result"),
        ('f', Kind::Referral, "New referral"),
        ('m', Kind::Correspondence, "New correspondence"),
        ('d', Kind::Document, "New document"),
        ('s', Kind::Screening, "New screening"),
        ('u', Kind::Summarisation, "New summarisation"),
        ('k', Kind::DispensaryStock, "New dispensary stock"),
        ('n', Kind::Note, "New note"),
    ] {
        let mut ui = Ui::sized(practice(), 100, 40);
        ui.keys("jo");
        ui.key(KeyCode::Enter);
        ui.key(KeyCode::Char(key));
        let screen = ui.screen();
        let top = screen.lines().nth(1).unwrap_or_default();
        assert!(top.starts_with(&format!("┌ {title} ─")), "{kind}: the title should be exactly {title:?}\n{screen}");
        for spec in COMMON_FIELDS.iter().chain(kind.fields()) {
            assert!(field_line(&screen, spec.label).is_some(), "{kind}: {} missing from\n{screen}", spec.label);
            assert_eq!(
                marked_required(&screen, spec.label),
                spec.required,
                "{kind}: {} should be marked required only if it is\n{screen}",
                spec.label
            );
        }
        insta::assert_snapshot!(format!("form_{}", kind.name()), screen);
    }
}

/// At the smallest size the UI draws in, the flags row grows to show every flag, each with its
/// number beside its name: the last flags were cut off, and a number could sit at the end of one
/// line with its name on the next.
#[test]
fn every_flag_is_shown_whole_on_a_form_at_80_by_24() {
    use cutover::domain::fields::Flag;
    let mut ui = Ui::signed_in(practice());
    ui.key(KeyCode::Char('t'));
    let screen = ui.screen();
    for (i, flag) in Flag::ALL.iter().enumerate() {
        let shown = format!("{}□ {}", i + 1, flag.label());
        assert!(screen.contains(&shown), "{shown} missing\n{screen}");
    }
}

#[test]
fn saving_an_empty_form_marks_every_gap_and_keeps_the_form() {
    let mut ui = Ui::signed_in(practice());
    ui.key(KeyCode::Char('p'));
    ui.ctrl('s');
    let screen = ui.screen();
    insta::assert_snapshot!("prescription_errors", screen);
    assert!(screen.contains("Not saved: please check summary, drug, patient."), "{screen}");
    assert!(ui.store.counts().unwrap().iter().any(|(n, c)| *n == "entries" && *c == 0));
}

#[test]
fn a_bad_value_is_pointed_out_as_the_field_is_left_and_stays_to_be_corrected() {
    let mut ui = Ui::signed_in(practice());
    ui.key(KeyCode::Char('a'));
    ui.tab(3); // patient, summary, when → appointment time
    ui.keys("31/02/2026 09:00");
    ui.tab(1);
    let screen = ui.screen();
    assert!(screen.contains("31/02/2026 is not a real date"), "{screen}");
    assert!(screen.contains("31/02/2026 09:00"), "what was typed must stay: {screen}");
}

#[test]
fn the_patient_look_up_finds_by_name_and_shows_who_they_are() {
    let store = practice();
    log(&store, Kind::Note, "943 476 5919", "Jones", "Siân", "x");
    log(&store, Kind::Note, "999 234 5675", "Jonas", "Peter", "x");
    log(&store, Kind::Note, "999 469 1341", "Evans", "Rhys", "x");
    let mut ui = Ui::signed_in(store);
    ui.key(KeyCode::Char('t'));
    ui.keys("jon");
    let screen = ui.screen();
    insta::assert_snapshot!("lookup", screen);
    assert!(screen.contains("JONES, Siân (03/04/1950) 943 476 5919"), "{screen}");
    assert!(!screen.contains("EVANS"), "{screen}");
    // JONAS is listed first; Down and Enter choose JONES.
    ui.key(KeyCode::Down);
    ui.key(KeyCode::Enter);
    let screen = ui.screen();
    assert!(!screen.contains("Patients found"), "the look-up closes once someone is chosen\n{screen}");
    let patient = field_line(&screen, "Patient").unwrap_or_default();
    assert!(patient.contains("JONES, Siân (03/04/1950) 943 476 5919"), "{patient}\n{screen}");
    ui.keys("Asked for blood results");
    ui.ctrl('s');
    let screen = ui.screen();
    assert!(screen.contains("Saved R2-0004"), "{screen}");
    let entry = ui.store.find_entry("R2-0004").unwrap();
    let chosen = ui.store.patient_of(&ui.store.current_revision(&entry).unwrap()).unwrap().expect("a patient");
    assert_eq!(chosen.nhs_number.as_deref(), Some("9434765919"));
    assert_eq!((chosen.family_name.as_deref(), chosen.given_name.as_deref()), (Some("Jones"), Some("Siân")));
}

#[test]
fn a_paste_is_drawn_in_the_field_it_went_into_and_nothing_moves() {
    let store = practice();
    log(&store, Kind::Note, "999 234 5675", "Evans", "Rhys", "x");
    let mut ui = Ui::sized(store, 100, 30);
    ui.keys("jo");
    ui.key(KeyCode::Enter);
    ui.key(KeyCode::Char('n'));
    dispatch(&ui.store, &mut ui.app, Msg::Paste("999 234 5675\n".into()));
    ui.key(KeyCode::Enter); // picks the one patient found
    dispatch(&ui.store, &mut ui.app, Msg::Paste("Letter from\r\nthe hospital\r\n".into()));
    ui.tab(3); // when, responsible → notes
    dispatch(
        &ui.store,
        &mut ui.app,
        Msg::Paste("Discharged on 19/11.\nReview in 2 weeks.\nNo change to medication.".into()),
    );
    ui.tab(2); // flags → codes
    dispatch(&ui.store, &mut ui.app, Msg::Paste("22298006\n38341003\n".into()));
    let screen = ui.screen();
    insta::assert_snapshot!("form_after_pastes", screen);
    assert!(screen.contains("▶ SNOMED CT codes"), "{screen}");
    assert!(ui.store.counts().unwrap().iter().any(|(n, c)| *n == "entries" && *c == 1), "nothing saved");
    ui.ctrl('s');
    let row = ui.store.find_entry("R2-0002").unwrap();
    let current = ui.store.current_revision(&row).unwrap();
    assert_eq!(current.content.summary, "Letter from the hospital");
    assert_eq!(
        current.content.notes.as_deref(),
        Some("Discharged on 19/11.\nReview in 2 weeks.\nNo change to medication.")
    );
    assert_eq!(current.content.codes.len(), 2);
}

#[test]
fn a_consultation_is_saved_and_its_reference_shown() {
    let store = practice();
    log(&store, Kind::Note, "943 476 5919", "Jones", "Siân", "x");
    let mut ui = Ui::signed_in(store);
    ui.key(KeyCode::Char('c'));
    ui.keys("943 476");
    ui.key(KeyCode::Enter); // picks the one patient found
    ui.keys("Chest pain, ECG normal");
    ui.tab(2); // when → clinician
    ui.keys("Dr Bevan");
    ui.ctrl('s');
    let screen = ui.screen();
    assert!(screen.contains("Saved R2-0002 (Consultation). Write R2-0002 on any paper copy."), "{screen}");
    let row = ui.store.find_entry("R2-0002").unwrap();
    let current = ui.store.current_revision(&row).unwrap();
    assert_eq!(current.content.summary, "Chest pain, ECG normal");
    assert_eq!(current.content.field_str("clinician"), Some("Dr Bevan"));
    assert_eq!(current.content.occurred_at, now());
    assert!(ui.store.drafts().unwrap().is_empty(), "the draft goes once the entry is saved");
}

#[test]
fn typing_over_the_suggested_time_replaces_it() {
    let store = practice();
    log(&store, Kind::Note, "943 476 5919", "Jones", "Siân", "x");
    let mut ui = Ui::signed_in(store);
    ui.key(KeyCode::Char('c'));
    ui.keys("943 476");
    ui.key(KeyCode::Enter);
    ui.keys("Chest pain, ECG normal");
    ui.tab(1); // → when it happened, holding now
    ui.keys("9.15am");
    ui.tab(1);
    ui.keys("Dr Bevan");
    ui.ctrl('s');
    let screen = ui.screen();
    assert!(screen.contains("Saved R2-0002"), "{screen}");
    let row = ui.store.find_entry("R2-0002").unwrap();
    let current = ui.store.current_revision(&row).unwrap();
    assert_eq!(current.content.occurred_at, time::parse_uk_datetime("21/11/2026 09:15", now()).unwrap());
}

#[test]
fn a_time_not_understood_is_answered_with_examples_that_fit_the_screen() {
    let mut ui = Ui::signed_in(practice());
    ui.key(KeyCode::Char('c'));
    ui.tab(2); // patient, summary → when it happened
    ui.keys("half two");
    ui.tab(1);
    let screen = ui.screen();
    assert!(screen.contains("is not a time: try 14:30, 2.30pm or 29/11 9am"), "{screen}");
}

#[test]
fn a_time_before_fdp_is_saved_only_after_a_yes() {
    let mut ui = Ui::signed_in(practice());
    ui.key(KeyCode::Char('n'));
    ui.ctrl('n');
    ui.keys("Nowak");
    ui.tab(1);
    ui.keys("Ewa");
    ui.tab(1);
    ui.keys("01/02/1990");
    ui.tab(3); // sex, postcode → summary
    ui.keys("Letter from hospital");
    ui.tab(1);
    for _ in 0..16 {
        ui.key(KeyCode::Backspace);
    }
    ui.keys("19/11/2026 09:00");
    ui.ctrl('s');
    let screen = ui.screen();
    assert!(screen.contains("Is the time right?"), "{screen}");
    assert!(
        screen.contains("is before the final data") && screen.contains("production (20/11/2026 17:00)"),
        "{screen}"
    );
    ui.key(KeyCode::Char('y'));
    assert!(ui.screen().contains("Saved R2-0001"));
}

#[test]
fn help_lists_every_key_of_the_screen() {
    let mut ui = Ui::signed_in(practice());
    ui.key(KeyCode::Char('?'));
    let screen = ui.screen();
    insta::assert_snapshot!("help_home", screen);
    for word in ["Consultation", "Prescription", "Find and correct entries", "Switch user", "Quit", "Ctrl-C"] {
        assert!(screen.contains(word), "{word} missing from help:\n{screen}");
    }
}

#[test]
fn a_terminal_too_small_gets_a_message_not_a_crash() {
    let mut ui = Ui::sized(practice(), 60, 15);
    let screen = ui.screen();
    assert!(screen.contains("This window is too small for cutover."), "{screen}");
    assert!(screen.contains("at least 80 × 24 (it is 60 × 15)"), "{screen}");
}

#[test]
fn entries_are_listed_newest_first_and_the_newest_opens_with_its_history() {
    let store = practice();
    log(&store, Kind::Telephone, "943 476 5919", "Jones", "Siân", "Asked for blood results");
    log(&store, Kind::Note, "999 234 5675", "Evans", "Rhys", "Change of address");
    let mut ui = Ui::signed_in(store);
    ui.key(KeyCode::Char('e'));
    let screen = ui.screen();
    insta::assert_snapshot!("entries", screen);
    let newer = screen.find("R2-0002").expect("R2-0002 is listed");
    let older = screen.find("R2-0001").expect("R2-0001 is listed");
    assert!(newer < older, "the newest is listed first\n{screen}");
    ui.key(KeyCode::Enter);
    let detail = ui.screen();
    let title = detail.lines().nth(1).unwrap_or_default();
    assert!(title.starts_with("┌ Note R2-0002 ─"), "Enter opens the newest, the selected first row\n{detail}");
    assert!(detail.contains("Change of address") && !detail.contains("Asked for blood results"), "{detail}");
    assert!(detail.contains("History") && detail.contains("logged by JS on R2"), "{detail}");
}

#[test]
fn an_entry_is_amended_with_a_reason_and_voided_with_one() {
    let store = practice();
    log(&store, Kind::Note, "943 476 5919", "Jones", "Siân", "Change of adress");
    let mut ui = Ui::signed_in(store);
    ui.key(KeyCode::Char('e'));
    ui.key(KeyCode::Enter);
    ui.key(KeyCode::Char('a'));
    ui.keys("Spelling");
    ui.tab(2); // reason → patient → summary
    for _ in 0..5 {
        ui.key(KeyCode::Backspace);
    }
    ui.keys("ddress");
    ui.ctrl('s');
    assert!(ui.screen().contains("Amended R2-0001"));
    let entry = ui.store.find_entry("R2-0001").unwrap();
    let history = ui.store.revisions(&entry).unwrap();
    assert_eq!(history.len(), 2);
    assert_eq!(history[1].content.summary, "Change of address");
    assert_eq!(history[1].reason.as_deref(), Some("Spelling"));

    ui.key(KeyCode::Char('e'));
    ui.key(KeyCode::Enter);
    ui.key(KeyCode::Char('v'));
    ui.keys("Duplicate of a paper form");
    ui.key(KeyCode::Enter);
    assert!(ui.screen().contains("Voided R2-0001"));
    assert!(ui.store.find_entry("R2-0001").unwrap().voided);
}

#[test]
fn text_with_escape_sequences_is_drawn_escaped() {
    let store = practice();
    log(&store, Kind::Note, "943 476 5919", "Jones", "Siân", "Pasted \u{1b}[2J\u{1b}[31mred");
    let mut ui = Ui::start(store);
    ui.terminal = Terminal::new(TestBackend::new(140, 30)).unwrap();
    ui.keys("jo");
    ui.key(KeyCode::Enter);
    let screen = ui.screen();
    assert!(!screen.contains('\u{1b}'));
    assert!(screen.contains("Pasted \\u{1b}[2J"), "{screen}");
}

/// Every character that must not reach a terminal raw, by this test's own list: control
/// characters, bidi controls and marks, zero-width characters.
fn raw_in(buffer: &ratatui::buffer::Buffer) -> Vec<(u16, u16, String)> {
    let refused = |c: char| {
        c.is_control()
            || matches!(c, '\u{202a}'..='\u{202e}' | '\u{2066}'..='\u{2069}' | '\u{200e}' | '\u{200f}' | '\u{61c}')
            || matches!(c, '\u{200b}'..='\u{200d}' | '\u{2060}' | '\u{feff}')
    };
    let area = buffer.area;
    (area.top()..area.bottom())
        .flat_map(|y| (area.left()..area.right()).map(move |x| (x, y)))
        .filter(|&(x, y)| buffer[(x, y)].symbol().chars().any(refused))
        .map(|(x, y)| (x, y, buffer[(x, y)].symbol().to_string()))
        .collect()
}

/// Issue 11, item 6: what was imported, logged or pasted is drawn without one raw control, bidi or
/// zero-width character on any screen that shows it, typing included.
#[test]
fn no_screen_draws_a_control_bidi_or_zero_width_character_raw() {
    const HOSTILE: &str = "\u{1b}]0;PWNED\u{7}\u{9b}2J\u{202e}Evil\u{2066}\u{200e}\u{200b}J\u{200d}S\u{2060}\u{feff}";
    let store = practice();
    let actor = store.actor(Some("JS")).unwrap();
    store
        .write_at(now(), |tx| {
            tx.set_settings(&actor, &[(settings_key::PRACTICE, HOSTILE.into())])?;
            tx.add_staff(&actor, &StaffMember { id: "KL".into(), name: HOSTILE.into(), role: Role::Admin })
        })
        .unwrap();
    log(&store, Kind::Note, "943 476 5919", HOSTILE, HOSTILE, HOSTILE);
    let mut ui = Ui::start(store);
    ui.terminal = Terminal::new(TestBackend::new(140, 30)).unwrap();
    let mut seen = Vec::new();
    let mut look = |ui: &mut Ui, what: &str| {
        let screen = ui.screen();
        let raw = raw_in(ui.terminal.backend().buffer());
        assert!(raw.is_empty(), "{what}: drawn raw at {raw:?}:\n{screen}");
        seen.push(screen);
    };
    look(&mut ui, "who is working");
    ui.keys("jo");
    ui.key(KeyCode::Enter);
    look(&mut ui, "home");
    ui.key(KeyCode::Char('e'));
    look(&mut ui, "entries");
    ui.key(KeyCode::Enter);
    look(&mut ui, "an entry");
    ui.key(KeyCode::Esc);
    ui.key(KeyCode::Esc);
    ui.key(KeyCode::Char('g'));
    look(&mut ui, "the queue");
    ui.key(KeyCode::Esc);
    ui.key(KeyCode::Char('n'));
    ui.tab(1);
    dispatch(&ui.store, &mut ui.app, Msg::Paste(HOSTILE.into()));
    look(&mut ui, "a summary pasted into the form");
    ui.tab(3);
    ui.keys("\u{202e}typed\u{200b}");
    look(&mut ui, "a field typed with no control character in it");
    assert!(seen.last().unwrap().contains("\\u{202e}typed\\u{200b}"), "shown, not hidden: {}", seen.last().unwrap());
    let all = seen.join("\n");
    assert!(all.contains("\\u{202e}Evil"), "the text is shown escaped somewhere: {all}");
}

#[test]
fn a_half_typed_form_is_kept_as_a_draft_and_offered_back() {
    let store = practice();
    let mut ui = Ui::signed_in(store);
    ui.key(KeyCode::Char('p'));
    ui.tab(1);
    ui.keys("Amoxicillin for Mrs Jones");
    ui.tab(2); // leaving a field saves the draft
    ui.keys("Amoxicillin 500mg capsules");
    ui.ctrl('c'); // leaving keeps the draft
    assert!(ui.app.quit);
    let drafts = ui.store.drafts().unwrap();
    assert_eq!(drafts.len(), 1);

    let mut again = Ui::signed_in(ui.store);
    let screen = again.screen();
    insta::assert_snapshot!("drafts_offered", screen);
    again.key(KeyCode::Enter);
    let form = again.screen();
    assert!(form.contains("Amoxicillin for Mrs Jones") && form.contains("Amoxicillin 500mg capsules"), "{form}");
}

/// Windows may end the program as its console window closes, and at logoff, without waiting for
/// it: what is typed must already be on disk, never kept for the way out. Typed into one field,
/// not left, in a window still open, it is among the drafts at the next tick of the clock (half a
/// second), however recently the last draft was saved.
#[test]
fn what_is_typed_is_on_disk_at_the_next_tick_without_leaving_the_field_or_the_window() {
    let mut ui = Ui::signed_in(practice());
    ui.key(KeyCode::Char('p'));
    ui.tab(1);
    ui.keys("Amoxicillin for Mrs Jones");
    let on_disk = |ui: &Ui| {
        let drafts = ui.store.drafts_free_at(now() + chrono::Duration::hours(1)).unwrap();
        drafts.iter().any(|d| d.body.contains("Amoxicillin for Mrs Jones"))
    };
    dispatch(&ui.store, &mut ui.app, Msg::Tick(now() + chrono::Duration::milliseconds(500)));
    assert!(on_disk(&ui), "not on disk while the field is being typed in");
    assert!(!ui.app.quit && matches!(ui.app.screen, cutover::tui::Screen::Form(_)));
}

#[test]
fn problems_are_red_in_colour_and_still_marked_without_it() {
    use ratatui::style::{Color, Modifier};
    let mut ui = Ui::signed_in(practice());
    ui.key(KeyCode::Char('p'));
    ui.ctrl('s');
    // The status line is above the footer (two lines at 80 columns).
    let status_row = ui.screen().lines().position(|l| l.starts_with("Not saved")).expect("the status line") as u16;
    for (theme, colour) in [(Theme { colour: true }, Some(Color::Red)), (Theme::plain(), None)] {
        ui.terminal.draw(|f| view(&ui.app, &theme, f)).unwrap();
        let cell = &ui.terminal.backend().buffer()[(0, status_row)];
        assert_eq!(cell.symbol(), "N", "the status line starts 'Not saved'");
        assert_eq!(cell.fg != Color::Reset, colour.is_some());
        if let Some(c) = colour {
            assert_eq!(cell.fg, c);
        }
        assert!(cell.modifier.contains(Modifier::BOLD), "bold either way, so it stands out without colour");
    }
}

#[test]
fn amending_an_entry_does_not_question_a_time_it_already_had() {
    let store = practice();
    let actor = store.actor(Some("JS")).unwrap();
    let sets = [("summary", "Letter dated before FDP"), ("occurred_at", "19/11/2026 09:00")]
        .map(|(k, v)| (k.to_string(), v.to_string()));
    let content = build_content(Kind::Note, None, &sets, now()).unwrap();
    let patient = PatientInput { nhs_number: NhsNumber::parse("943 476 5919").ok(), ..Default::default() };
    store
        .write_at(now(), |tx| {
            let p = tx.resolve_patient(&actor, &patient, PatientCheck::default())?;
            tx.log_entry(&actor, &content, Some(&p.id))
        })
        .unwrap();
    let mut ui = Ui::signed_in(store);
    ui.key(KeyCode::Char('e'));
    ui.key(KeyCode::Enter);
    ui.key(KeyCode::Char('a'));
    ui.tab(2);
    ui.keys(" (scanned)");
    ui.ctrl('s');
    let screen = ui.screen();
    assert!(screen.contains("Amended R2-0001"), "{screen}");
}

fn log_with(store: &Store, kind: Kind, nhs: &str, sets: &[(&str, &str)]) {
    let actor = store.actor(Some("JS")).unwrap();
    let sets: Vec<(String, String)> = sets.iter().map(|(k, v)| (k.to_string(), v.to_string())).collect();
    let content = build_content(kind, None, &sets, now()).unwrap();
    let patient = PatientInput { nhs_number: NhsNumber::parse(nhs).ok(), ..Default::default() };
    store
        .write_at(now(), |tx| {
            let p = tx.resolve_patient(&actor, &patient, PatientCheck::default())?;
            tx.log_entry(&actor, &content, Some(&p.id))
        })
        .unwrap();
}

#[test]
fn the_queue_screen_shows_the_safest_order_and_is_worked_through() {
    let store = practice();
    log_with(
        &store,
        Kind::Telephone,
        "999 234 5675",
        &[("summary", "Asked about a sick note"), ("occurred_at", "21/11/2026 09:00")],
    );
    log_with(
        &store,
        Kind::Prescription,
        "943 476 5919",
        &[
            ("summary", "Amoxicillin issued on FP10"),
            ("drug", "Amoxicillin 500mg capsules"),
            ("rx_status", "issued"),
            ("occurred_at", "21/11/2026 09:30"),
        ],
    );
    let mut ui = Ui::sized(store, 100, 30);
    ui.keys("jo");
    ui.key(KeyCode::Enter);
    ui.key(KeyCode::Char('g'));
    let screen = ui.screen();
    insta::assert_snapshot!("queue", screen);
    let prescription = screen.find("Amoxicillin issued on FP").expect("the prescription is listed");
    let call = screen.find("Asked about a sick note").expect("the call is listed");
    assert!(prescription < call, "an issued prescription comes before a phone call:\n{screen}");
    assert!(screen.contains("Drug, strength and form: Amoxicillin 500mg capsules"), "ready to key in:\n{screen}");

    ui.key(KeyCode::Char('c'));
    let screen = ui.screen();
    assert!(screen.contains("R2-0002 is yours until"), "{screen}");
    assert!(screen.contains("claimed JS"), "{screen}");

    ui.key(KeyCode::Char('d'));
    ui.keys("SYS-4471");
    ui.key(KeyCode::Enter);
    assert!(ui.screen().contains("Mark R2-0002 done: keyed into the new system as SYS-4471."), "{}", ui.screen());
    ui.key(KeyCode::Char('y'));
    let screen = ui.screen();
    assert!(screen.contains("R2-0002 done: it is in the new system."), "{screen}");
    assert!(!screen.contains("Amoxicillin issued on FP10"), "a done item leaves the open queue:\n{screen}");
    assert!(screen.contains("Tier 1: 1/1 done"), "{screen}");
}

#[test]
fn mine_lists_only_what_i_logged_and_stays_on_when_an_entry_is_closed() {
    let store = practice();
    log_by(&store, "JS", Kind::Telephone, "943 476 5919", "Jones", "Siân", "Asked for blood results");
    log_by(&store, "AB", Kind::Note, "999 234 5675", "Evans", "Rhys", "Seen by Dr Bevan");
    let mut ui = Ui::signed_in(store);
    ui.key(KeyCode::Char('e'));
    let screen = ui.screen();
    assert!(screen.contains("Asked for b…") && screen.contains("Seen by Dr …"), "all to begin with\n{screen}");
    ui.key(KeyCode::Char('m'));
    let screen = ui.screen();
    assert!(screen.contains("Entries, newest first: all kinds · mine"), "{screen}");
    assert!(screen.contains("R2-0001") && screen.contains("Asked for b…"), "Jo's own entry\n{screen}");
    assert!(!screen.contains("R2-0002") && !screen.contains("Seen by Dr …"), "not Dr Bevan's\n{screen}");
    ui.key(KeyCode::Enter);
    assert!(ui.screen().lines().nth(1).unwrap_or_default().starts_with("┌ Telephone call R2-0001 ─"));
    ui.key(KeyCode::Esc);
    let screen = ui.screen();
    assert!(screen.contains("Entries, newest first: all kinds · mine"), "{screen}");
    assert!(screen.contains("R2-0001") && !screen.contains("R2-0002"), "still only mine\n{screen}");
}

/// A value for `spec` as a person would type it: valid, and different for each field (`n`), so that
/// a value saved into the wrong field would show. Times lie between FDP and now, except an
/// appointment's, which may be ahead.
fn typed_sample(kind: Kind, spec: &FieldSpec, n: usize) -> String {
    match spec.ty {
        FieldType::Text(max) => format!("{} typed {n}", spec.label).chars().take(max).collect(),
        FieldType::LongText => format!("{} line one {n}\nline two", spec.label),
        FieldType::Pick(choices) if kind == Kind::DispensaryStock && spec.name == "movement" => {
            choices.iter().position(|c| c.name == "dispensed").unwrap().to_string()
        }
        FieldType::Pick(choices) => (choices.len() - 1).to_string(),
        FieldType::YesNo => "yes".into(),
        FieldType::DateTime if spec.name == "appointment_at" => format!("23/11/2026 09:{:02}", n % 60),
        FieldType::DateTime => format!("21/11/2026 0{}:{:02}", n % 9, n % 60),
        FieldType::DateOfBirth => "03/04/1950".into(),
        FieldType::Date => "31/12/2027".into(),
        FieldType::WholeNumber { min, max } => (min + 1 + n as i64).min(max).to_string(),
        FieldType::Quantity => format!("{}.5", n + 1),
        FieldType::ConceptId => "22298006".into(),
        FieldType::Codes => "22298006 |Myocardial infarction|".into(),
        FieldType::Ubrn => "123456789012".into(),
        FieldType::Postcode => "LS1 4AP".into(),
        FieldType::Phone => format!("0113 496 00{:02}", n % 100),
        FieldType::StaffId => "AB".into(),
    }
}

/// What the form stores for a typed sample: a pick is chosen by its position, the rest as typed.
fn stored_sample(spec: &FieldSpec, typed: &str) -> String {
    match spec.ty {
        FieldType::Pick(choices) => choices[typed.parse::<usize>().unwrap()].name.to_string(),
        _ => typed.to_string(),
    }
}

impl Ui {
    /// Moves to the field labelled `label` (from the top of the form) and replaces what it holds.
    fn fill(&mut self, spec: &FieldSpec, typed: &str) {
        for _ in 0..60 {
            let screen = self.screen();
            let (required, optional) = (format!("▶ {} *", spec.label), format!("▶ {}  ", spec.label));
            if screen.lines().any(|l| l.contains(&required) || l.contains(&optional)) {
                break;
            }
            self.key(KeyCode::Tab);
        }
        match spec.ty {
            FieldType::Pick(_) => {
                self.key(KeyCode::Backspace);
                for _ in 0..=typed.parse::<usize>().unwrap() {
                    self.key(KeyCode::Right);
                }
            }
            FieldType::YesNo => self.key(KeyCode::Char(typed.chars().next().unwrap())),
            _ => {
                self.send(KeyEvent::new(KeyCode::Char('a'), KeyModifiers::CONTROL));
                for _ in 0..300 {
                    self.key(KeyCode::Delete);
                    self.key(KeyCode::Backspace);
                }
                for c in typed.chars() {
                    self.key(if c == '\n' { KeyCode::Enter } else { KeyCode::Char(c) });
                }
            }
        }
    }

    /// Back to the top of the form.
    fn top(&mut self) {
        for _ in 0..60 {
            self.key(KeyCode::BackTab);
        }
    }
}

/// Issue 10, item 1: every field every form shows reaches the record as typed, for every kind;
/// and item 2: amending one field through the form changes that field and nothing else.
#[test]
fn every_field_of_every_kind_typed_in_the_form_is_saved_and_amend_changes_only_what_was_changed() {
    for kind in Kind::ALL {
        let store = practice();
        log(&store, Kind::Note, "943 476 5919", "Jones", "Siân", "Registered list");
        let mut ui = Ui::sized(store, 120, 60);
        ui.keys("jo");
        ui.key(KeyCode::Enter);
        ui.key(KeyCode::Char(keys_for(kind)));
        if kind != Kind::Registration {
            ui.keys("943 476");
            ui.key(KeyCode::Enter);
        }
        let specs: Vec<FieldSpec> = COMMON_FIELDS.iter().chain(kind.fields()).copied().collect();
        let mut expected = BTreeMap::new();
        for (n, spec) in specs.iter().enumerate() {
            let typed = typed_sample(kind, spec, n);
            ui.top();
            ui.fill(spec, &typed);
            expected.insert(spec.name.to_string(), stored_sample(spec, &typed));
        }
        ui.ctrl('s');
        let screen = ui.screen();
        assert!(screen.contains("Saved R2-"), "{kind}: not saved\n{screen}");
        let reference = screen.split("Saved R2-").nth(1).and_then(|r| r.split_whitespace().next()).unwrap();
        let reference = format!("R2-{reference}");
        let (_, saved, _) = newest_values_of(&ui.store, &reference);
        for spec in &specs {
            let want = kind.field(spec.name).map(|s| {
                let v = cutover::domain::fields::parse_value(s, &expected[spec.name], now()).unwrap();
                input_form(s, &v)
            });
            assert_eq!(saved.get(spec.name), want.as_ref(), "{kind}: field {} as saved through the form", spec.name);
        }

        // Amend one field at a time; every other field keeps what it held, to the second.
        for (n, spec) in specs.iter().enumerate() {
            let typed = match spec.ty {
                FieldType::Pick(_) if spec.name == "movement" => continue,
                FieldType::Pick(_) => "0".to_string(),
                FieldType::YesNo => "no".to_string(),
                _ => typed_sample(kind, spec, n + 40),
            };
            with_seconds_in_its_time(&ui.store, &reference);
            let (_, before, before_at) = newest_values_of(&ui.store, &reference);
            ui.key(KeyCode::Esc);
            ui.key(KeyCode::Esc);
            ui.key(KeyCode::Char('e'));
            ui.keys("/");
            ui.keys(&reference);
            ui.key(KeyCode::Enter);
            ui.key(KeyCode::Enter);
            ui.key(KeyCode::Char('a'));
            let screen = ui.screen();
            assert!(screen.contains("Reason for the change"), "{kind}: no amend form\n{screen}");
            ui.top();
            ui.fill(spec, &typed);
            ui.top();
            ui.keys("Typing slip");
            ui.ctrl('s');
            if ui.screen().contains("Is this right") || ui.screen().contains("(y/n)") {
                ui.key(KeyCode::Char('y'));
            }
            let screen = ui.screen();
            let (_, after, after_at) = newest_values_of(&ui.store, &reference);
            let stored = stored_sample(spec, &typed);
            let want =
                cutover::domain::fields::parse_value(spec, &stored, now()).map(|v| input_form(spec, &v)).unwrap();
            if before.get(spec.name) == Some(&want) {
                continue;
            }
            assert!(screen.contains("Amended"), "{kind}/{}: not amended\n{screen}", spec.name);
            assert_eq!(after.get(spec.name), Some(&want), "{kind}: amended field {}", spec.name);
            for other in specs.iter().filter(|o| o.name != spec.name) {
                assert_eq!(
                    after.get(other.name),
                    before.get(other.name),
                    "{kind}: amending {} changed {}",
                    spec.name,
                    other.name
                );
            }
            if spec.name != "occurred_at" {
                assert_eq!(after_at, before_at, "{kind}: amending {} moved the time", spec.name);
            }
        }
    }
}

/// Gives the entry a time with seconds (as one logged with "now" has), which the form cannot show.
fn with_seconds_in_its_time(store: &Store, reference: &str) {
    let actor = store.actor(Some("JS")).unwrap();
    let amendment = Amendment {
        entry: reference.to_string(),
        values: vec![("occurred_at".into(), "now".into())],
        ..Default::default()
    };
    let at = time::parse_uk_datetime("21/11/2026 08:59", now()).unwrap() + chrono::Duration::seconds(17);
    store.write_at(at, |tx| entries::amend(tx, &actor, &amendment, true)).unwrap();
}

/// An entry's current values, by field name, in the form `--set` takes, and its time to the second.
fn newest_values_of(store: &Store, reference: &str) -> (String, BTreeMap<String, String>, String) {
    let header = store.find_entry(reference).unwrap();
    let current = store.current_revision(&header).unwrap();
    let values = current
        .content
        .filled_fields()
        .into_iter()
        .map(|(spec, value)| (spec.name.to_string(), input_form(spec, &value)))
        .collect();
    (reference.to_string(), values, time::to_storage(current.content.occurred_at))
}

fn keys_for(kind: Kind) -> char {
    match kind {
        Kind::Appointment => 'a',
        Kind::Consultation => 'c',
        Kind::HomeVisit => 'h',
        Kind::Telephone => 't',
        Kind::Prescription => 'p',
        Kind::Registration => 'r',
        Kind::Pathology => 'l',
        Kind::Referral => 'f',
        Kind::Correspondence => 'm',
        Kind::Document => 'd',
        Kind::Screening => 's',
        Kind::Summarisation => 'u',
        Kind::DispensaryStock => 'k',
        Kind::Note => 'n',
    }
}

/// Issue 10, item 13: an amendment typed while another window voids the entry is refused, and the
/// entry stays voided (it used to be un-voided by the amendment).
#[test]
fn an_amendment_of_an_entry_voided_meanwhile_is_refused_and_the_entry_stays_voided() {
    let store = practice();
    log(&store, Kind::Note, "943 476 5919", "Jones", "Siân", "Change of address");
    let mut ui = Ui::signed_in(store);
    ui.key(KeyCode::Char('e'));
    ui.key(KeyCode::Enter);
    ui.key(KeyCode::Char('a'));
    ui.tab(2);
    ui.keys(" (amended)");
    // Another window voids it while this one is typing.
    let actor = ui.store.actor(Some("AB")).unwrap();
    ui.store.write_at(now(), |tx| entries::void(tx, &actor, "R2-0001", "Logged in error")).unwrap();
    ui.ctrl('s');
    let screen = ui.screen();
    assert!(screen.contains("R2-0001 was voided"), "{screen}");
    let entry = ui.store.find_entry("R2-0001").unwrap();
    assert!(entry.voided);
    let history = ui.store.revisions(&entry).unwrap();
    assert_eq!(history.len(), 2, "the amendment added no revision");
    assert!(history.iter().all(|r| r.content.summary == "Change of address"));
}

/// Issue 10, item 13: a stock count is about nobody, in the form as on the command line.
#[test]
fn a_stock_count_with_a_patient_is_not_saved_from_the_form() {
    let store = practice();
    log(&store, Kind::Note, "943 476 5919", "Jones", "Siân", "Registered list");
    let mut ui = Ui::sized(store, 120, 50);
    ui.keys("jo");
    ui.key(KeyCode::Enter);
    ui.key(KeyCode::Char('k'));
    ui.keys("943 476");
    ui.key(KeyCode::Enter);
    let summary = COMMON_FIELDS[0];
    ui.fill(&summary, "Weekly count");
    ui.top();
    ui.fill(Kind::DispensaryStock.field("item").unwrap(), "Amoxicillin 500mg capsules");
    ui.top();
    ui.fill(Kind::DispensaryStock.field("quantity").unwrap(), "84");
    ui.ctrl('s');
    let screen = ui.screen();
    assert!(screen.contains("Not saved: please check patient."), "{screen}");
    assert!(screen.contains("only when it records stock dispensed"), "{screen}");
    assert_eq!(ui.store.counts().unwrap().iter().find(|(n, _)| *n == "entries").map(|(_, n)| *n), Some(1));
}

/// Issue 10, item 7: every time that records something already done is questioned when it is in
/// the future, not only "when it happened"; answering "no" puts the cursor on that time.
#[test]
fn a_future_requested_at_is_questioned_and_no_goes_back_to_it() {
    let store = practice();
    log(&store, Kind::Note, "943 476 5919", "Jones", "Siân", "Registered list");
    let mut ui = Ui::sized(store, 120, 50);
    ui.keys("jo");
    ui.key(KeyCode::Enter);
    ui.key(KeyCode::Char('h'));
    ui.keys("943 476");
    ui.key(KeyCode::Enter);
    ui.fill(&COMMON_FIELDS[0], "Visit for Mrs Jones");
    ui.top();
    let requested_at = Kind::HomeVisit.field("requested_at").unwrap();
    ui.fill(requested_at, "22/11/2026 09:00");
    ui.ctrl('s');
    let screen = ui.screen();
    assert!(screen.contains("\"Requested at\", 22/11/2026 09:00, is in the future"), "{screen}");
    ui.key(KeyCode::Char('n'));
    let screen = ui.screen();
    assert!(screen.contains("▶ Requested at"), "the cursor is on the time in question\n{screen}");
    // Typed over at once: the first key replaces the time in question.
    for c in "21/11/2026 09:00".chars() {
        ui.key(KeyCode::Char(c));
    }
    let line = ui.screen().lines().find(|l| l.contains("▶ Requested at")).unwrap_or_default().to_string();
    assert!(line.contains("21/11/2026 09:00") && !line.contains("22/11/2026"), "{line}");
    assert_eq!(ui.store.counts().unwrap().iter().find(|(n, _)| *n == "entries").map(|(_, n)| *n), Some(1));
    ui.ctrl('s');
    assert!(ui.screen().contains("Saved R2-"), "corrected, it needs no question\n{}", ui.screen());
}

/// Issue 10, item 4: a look-up that matches nobody says so and offers Ctrl-N; Ctrl-N works from
/// another field, and what was typed lands in the right details of the new patient.
#[test]
fn a_patient_not_on_the_list_is_added_from_what_was_typed() {
    let store = practice();
    log(&store, Kind::Note, "943 476 5919", "Jones", "Siân", "Registered list");
    let mut ui = Ui::sized(store, 100, 40);
    ui.keys("jo");
    ui.key(KeyCode::Enter);
    ui.key(KeyCode::Char('n'));
    ui.keys("Zofia NOWAK 14/07/1988");
    let screen = ui.screen();
    assert!(screen.contains("No one found for \"Zofia NOWAK 14/07/1988\""), "{screen}");
    assert!(screen.contains("Ctrl-N adds a new patient"), "{screen}");
    ui.key(KeyCode::Tab);
    let screen = ui.screen();
    assert!(screen.contains("Zofia NOWAK 14/07/1988 — not chosen yet"), "what was typed stays\n{screen}");
    ui.keys("Walked in to register");
    ui.ctrl('n');
    let screen = ui.screen();
    for (label, value) in [("Family name", "NOWAK"), ("Given name", "Zofia"), ("Date of birth", "14/07/1988")] {
        let line = field_line(&screen, label).unwrap_or_default();
        assert!(line.contains(value), "{label} should hold {value}: {line}\n{screen}");
    }
    ui.ctrl('s');
    assert!(ui.screen().contains("Saved R2-0002"), "{}", ui.screen());
    let entry = ui.store.find_entry("R2-0002").unwrap();
    let patient = ui.store.patient_of(&ui.store.current_revision(&entry).unwrap()).unwrap().unwrap();
    assert_eq!(patient.family_name.as_deref(), Some("NOWAK"));
    assert_eq!(patient.given_name.as_deref(), Some("Zofia"));
    assert_eq!(patient.date_of_birth.as_deref(), Some("1988-07-14"));
}

/// Issue 10, item 4: ten digits that are not a valid NHS number go to the NHS number, pointed out
/// there, never into the family name.
#[test]
fn a_wrong_nhs_number_typed_in_the_look_up_is_pointed_out_not_taken_for_a_name() {
    let mut ui = Ui::sized(practice(), 100, 40);
    ui.keys("jo");
    ui.key(KeyCode::Enter);
    ui.key(KeyCode::Char('n'));
    ui.keys("943 476 5918");
    ui.ctrl('n');
    let screen = ui.screen();
    let nhs = field_line(&screen, "NHS number (if known)").unwrap_or_default();
    assert!(nhs.contains("943 476 5918"), "{screen}");
    assert!(screen.contains("check digit does not match"), "{screen}");
    let family = field_line(&screen, "Family name").expect("the family name is shown");
    assert!(!family.contains("943"), "{screen}");
}

/// Issue 10, item 4: Tab takes the one patient the look-up found.
#[test]
fn tab_takes_the_only_patient_found() {
    let store = practice();
    log(&store, Kind::Note, "943 476 5919", "Jones", "Siân", "Registered list");
    let mut ui = Ui::signed_in(store);
    ui.key(KeyCode::Char('n'));
    ui.keys("943 476");
    ui.key(KeyCode::Tab);
    let screen = ui.screen();
    assert!(screen.contains("JONES, Siân (03/04/1950) 943 476 5919"), "{screen}");
    assert!(!screen.contains("not chosen"), "{screen}");
}

fn window(store: &Store, at: DateTime<Utc>, user: &str) -> App {
    let mut app = App::new(load_start(store, at).unwrap(), at);
    for c in user.chars() {
        dispatch(store, &mut app, Msg::Key(KeyEvent::new(KeyCode::Char(c), KeyModifiers::NONE)));
    }
    dispatch(store, &mut app, Msg::Key(KeyEvent::new(KeyCode::Enter, KeyModifiers::NONE)));
    app
}

fn press(store: &Store, app: &mut App, code: KeyCode) {
    dispatch(store, app, Msg::Key(KeyEvent::new(code, KeyModifiers::NONE)));
}

fn draft_offered(app: &App) -> bool {
    app.drafts.iter().any(|d| d.kind == "prescription")
}

/// Issue 10, item 18: a draft belongs to the window typing it. A second window is not offered it;
/// once the first window has gone, it is offered to the person who typed it (and only them); two
/// windows cannot both carry on with it.
#[test]
fn a_draft_is_offered_only_when_no_window_is_editing_it_and_only_to_who_typed_it() {
    let store = practice();
    let mut first = window(&store, now(), "jo");
    press(&store, &mut first, KeyCode::Char('p'));
    press(&store, &mut first, KeyCode::Tab);
    for c in "Amoxicillin for Mrs Jones".chars() {
        press(&store, &mut first, KeyCode::Char(c));
    }
    press(&store, &mut first, KeyCode::Tab); // leaving a field keeps the draft
    assert_eq!(store.drafts_free_at(now() + chrono::Duration::minutes(5)).unwrap().len(), 1);

    let second = window(&store, now() + chrono::Duration::seconds(20), "jo");
    assert!(!draft_offered(&second), "the first window is still typing it");

    // The first window dies without closing (no release): its hold lapses.
    let later = now() + chrono::Duration::minutes(5);
    let other_person = window(&store, later, "bev");
    assert!(!draft_offered(&other_person), "offered only to who typed it");
    let mut third = window(&store, later, "jo");
    let mut fourth = window(&store, later, "jo");
    assert!(draft_offered(&third) && draft_offered(&fourth));
    press(&store, &mut third, KeyCode::Enter);
    press(&store, &mut fourth, KeyCode::Enter);
    assert!(matches!(third.screen, cutover::tui::Screen::Form(_)));
    assert!(matches!(fourth.screen, cutover::tui::Screen::Home), "only one window carries on with it");
    assert!(fourth.status.as_ref().is_some_and(|s| s.text.contains("open in another window")));
}

/// Issue 10, item 18: discarding a draft from the list asks first.
#[test]
fn discarding_a_draft_asks_first() {
    let store = practice();
    let mut first = window(&store, now(), "jo");
    press(&store, &mut first, KeyCode::Char('p'));
    press(&store, &mut first, KeyCode::Tab);
    press(&store, &mut first, KeyCode::Char('A'));
    press(&store, &mut first, KeyCode::Tab);
    dispatch(&store, &mut first, Msg::Key(KeyEvent::new(KeyCode::Char('c'), KeyModifiers::CONTROL)));
    let mut again = window(&store, now(), "jo");
    assert!(draft_offered(&again), "let go as its window closed");
    press(&store, &mut again, KeyCode::Char('x'));
    assert_eq!(store.drafts_free_at(now()).unwrap().len(), 1, "not discarded without a yes");
    press(&store, &mut again, KeyCode::Char('n'));
    assert_eq!(store.drafts_free_at(now()).unwrap().len(), 1);
    press(&store, &mut again, KeyCode::Char('x'));
    press(&store, &mut again, KeyCode::Char('y'));
    assert!(store.drafts_free_at(now()).unwrap().is_empty());
}

/// Issue 10, item 5: a new patient typed with an NHS number that is someone else's stops at a
/// question the person cannot miss; nothing is saved until they say yes.
#[test]
fn a_new_patient_with_someone_elses_nhs_number_is_asked_about_before_saving() {
    let store = practice();
    log(&store, Kind::Note, "943 476 5919", "Jones", "Siân", "Registered list");
    let mut ui = Ui::sized(store, 120, 50);
    ui.keys("jo");
    ui.key(KeyCode::Enter);
    ui.key(KeyCode::Char('n'));
    ui.keys("Anne Smith 01/01/1960");
    ui.ctrl('n');
    ui.top();
    ui.fill(
        &FieldSpec { name: "new_nhs_number", label: "NHS number (if known)", ty: FieldType::Text(20), required: false },
        "943 476 5919",
    );
    ui.top();
    ui.fill(&COMMON_FIELDS[0], "Phoned about results");
    ui.ctrl('s');
    let screen = ui.screen();
    assert!(screen.contains("Is this the right patient?"), "{screen}");
    assert!(screen.contains("JONES, Siân"), "the record that holds the number is named\n{screen}");
    ui.key(KeyCode::Char('n'));
    let entries = |ui: &Ui| ui.store.counts().unwrap().iter().find(|(n, _)| *n == "entries").map(|(_, n)| *n);
    assert_eq!(entries(&ui), Some(1), "nothing saved on a no");
    assert!(ui.screen().contains("Not saved yet: correct the patient"), "{}", ui.screen());
    ui.ctrl('s');
    ui.key(KeyCode::Char('y'));
    assert!(ui.screen().contains("Saved R2-0002"), "{}", ui.screen());
    assert_eq!(entries(&ui), Some(2));
}

impl Ui {
    /// The screen as terminal cells, one symbol a column: the column under the second half of a
    /// wide character holds a blank, and an accent shares its letter's cell.
    fn cells(&mut self) -> Vec<Vec<String>> {
        let theme = Theme::plain();
        self.terminal.draw(|f| view(&self.app, &theme, f)).unwrap();
        let buffer = self.terminal.backend().buffer();
        (0..buffer.area.height)
            .map(|y| (0..buffer.area.width).map(|x| buffer[(x, y)].symbol().to_string()).collect())
            .collect()
    }
}

/// The terminal column where the ASCII `text` starts on a row of cells.
fn column_of(row: &[String], text: &str) -> Option<usize> {
    row.windows(text.chars().count()).position(|cells| cells.concat() == text)
}

/// The rows of cells holding `marker` (one per entry listed), with the column `header` starts at.
fn column_under<'a>(screen: &'a [Vec<String>], header: &str, marker: &str) -> (usize, Vec<&'a Vec<String>>) {
    let heading = screen.iter().find(|r| column_of(r, header).is_some()).expect("the list's header");
    let x = column_of(heading, header).unwrap();
    (x, screen.iter().filter(|r| column_of(r, marker).is_some()).collect())
}

/// Issue 10, item 15: lists and the header are laid out by display width. Each entry's patient and
/// summary start under their headings whatever the script before them, and the clock stays at
/// the right edge with a practice name in CJK.
#[test]
fn lists_and_header_line_up_by_display_width_with_cjk_emoji_and_accents() {
    let store = practice();
    let actor = store.setup_actor(None).unwrap();
    store
        .write_at(now(), |tx| tx.set_settings(&actor, &[(settings_key::PRACTICE, "河畔診療所 🩺 Surgery".into())]))
        .unwrap();
    let nurse = "\u{1F469}\u{200D}\u{2695}\u{FE0F}";
    let entries = [
        ("王", "秀英", "王秀英 asked for a home visit".to_string()),
        ("Dupont", "Rene\u{301}e", "Rene\u{301}e: combining accent".to_string()),
        ("Nakamura", "Yui", format!("{nurse} nurse visit 🩺 call\u{200B}back")),
        ("Jones", "Siân", "Asked for blood results".to_string()),
    ];
    for (family, given, summary) in &entries {
        log(&store, Kind::Telephone, "", family, given, summary);
    }
    let first_grapheme = |s: &str| s.graphemes(true).next().unwrap_or_default().to_string();
    let mut ui = Ui::signed_in(store);

    let home = ui.cells();
    let header: String = home[0].concat();
    assert!(header.trim_end().ends_with("21/11/2026 10:30"), "the clock at the right edge: {header:?}");
    assert_eq!(home[0][home[0].len() - 2], "0", "one space after the clock: {header:?}");
    let (patient, rows) = column_under(&home, "Patient", "R2-0");
    let (summary, _) = column_under(&home, "Summary", "R2-0");
    assert_eq!(rows.len(), entries.len(), "every entry in the recent list");
    for row in rows {
        let shown = row.concat();
        let (family, _, text) = entries.iter().find(|e| shown.contains(&e.0.to_uppercase())).expect("an entry");
        assert_eq!(row[patient], first_grapheme(&family.to_uppercase()), "Patient at {patient} in {shown:?}");
        assert_eq!(row[summary], first_grapheme(text), "Summary at {summary} in {shown:?}");
    }

    ui.key(KeyCode::Char('e'));
    let list = ui.cells();
    let (x, rows) = column_under(&list, "By", "R2-0");
    assert_eq!(rows.len(), entries.len());
    for row in rows {
        assert_eq!(row[x..x + 2].concat(), "JS", "By column at {x} in {:?}", row.concat());
    }
}

/// Issue 10, item 15: "who is working" pads names by display width, so roles line up.
#[test]
fn who_is_working_lines_up_roles_after_a_name_in_cjk() {
    let store = practice();
    let actor = store.setup_actor(None).unwrap();
    store
        .write_at(now(), |tx| {
            tx.add_staff(&actor, &StaffMember { id: "WX".into(), name: "王秀英 🩺".into(), role: Role::Clinician })
        })
        .unwrap();
    let mut ui = Ui::start(store);
    let screen = ui.cells();
    let roles: Vec<usize> = screen
        .iter()
        .filter_map(|row| ["clinician", "reception", "manager", "admin"].iter().find_map(|role| column_of(row, role)))
        .collect();
    assert_eq!(roles.len(), 3, "{screen:?}");
    assert!(roles.iter().all(|&x| x == roles[0]), "roles start at {roles:?}");
}

/// An amendment typed over what the screen showed is refused if someone changed that same field
/// meanwhile, rather than written over their change; a change to another field is kept as well.
#[test]
fn an_amendment_of_a_field_someone_changed_meanwhile_is_refused_not_written_over() {
    let store = practice();
    log_with(
        &store,
        Kind::Referral,
        "943 476 5919",
        &[("summary", "Referral to orthopaedics"), ("specialty", "Orthopaedics"), ("urgency", "urgent")],
    );
    let mut ui = Ui::sized(store, 120, 50);
    ui.keys("jo");
    ui.key(KeyCode::Enter);
    ui.key(KeyCode::Char('e'));
    ui.key(KeyCode::Enter);
    ui.key(KeyCode::Char('a'));
    ui.top();
    let urgency = Kind::Referral.field("urgency").unwrap();
    ui.fill(urgency, "0"); // Two-week wait
    // Meanwhile, on another PC, Dr Bevan sets the urgency to routine.
    let actor = ui.store.actor(Some("AB")).unwrap();
    let theirs =
        Amendment { entry: "R2-0001".into(), values: vec![("urgency".into(), "routine".into())], ..Default::default() };
    ui.store.write_at(now(), |tx| entries::amend(tx, &actor, &theirs, false)).unwrap();
    ui.ctrl('s');
    let screen = ui.screen();
    assert!(screen.contains("someone changed R2-0001 while you were typing (Urgency)"), "{screen}");
    let entry = ui.store.find_entry("R2-0001").unwrap();
    let current = ui.store.current_revision(&entry).unwrap();
    assert_eq!(current.content.field_str("urgency"), Some("routine"), "their change stands");
    assert_eq!(ui.store.revisions(&entry).unwrap().len(), 2);
}

/// The screen amend goes through the same entry service as `cutover amend`: correcting a
/// registration's family name corrects the patient record it made, and says so.
#[test]
fn correcting_a_registrations_name_in_the_form_corrects_the_patient_record() {
    let store = practice();
    let actor = store.actor(Some("JS")).unwrap();
    let registration = entries::NewEntry {
        kind: Kind::Registration,
        values: [
            ("summary", "New patient"),
            ("family_name", "Lis"),
            ("given_name", "Anna"),
            ("date_of_birth", "30.01.41"),
        ]
        .map(|(k, v)| (k.to_string(), v.to_string()))
        .to_vec(),
        flags: Vec::new(),
        patient: entries::PatientGiven::default(),
    };
    let saved = store.write_at(now(), |tx| entries::log(tx, &actor, &registration, false)).unwrap();
    let mut ui = Ui::sized(store, 200, 60);
    ui.keys("jo");
    ui.key(KeyCode::Enter);
    ui.key(KeyCode::Char('e'));
    ui.keys("/");
    ui.keys(&saved.reference);
    ui.key(KeyCode::Enter);
    ui.key(KeyCode::Enter);
    ui.key(KeyCode::Char('a'));
    ui.top();
    ui.fill(Kind::Registration.field("family_name").unwrap(), "Liss");
    ui.top();
    ui.keys("Typing slip");
    ui.ctrl('s');
    let screen = ui.screen();
    assert!(screen.contains("Amended") && screen.contains("now reads LISS, Anna (30/01/1941)"), "{screen}");
    let header = ui.store.find_entry(&saved.reference).unwrap();
    let record = ui.store.current_revision(&header).unwrap().patient_id.unwrap();
    assert_eq!(ui.store.patient(&record).unwrap().unwrap().family_name.as_deref(), Some("Liss"));
}

/// The registration form's "NHS number (if known)" box.
fn nhs_box() -> FieldSpec {
    FieldSpec { name: "new_nhs_number", label: "NHS number (if known)", ty: FieldType::Text(20), required: false }
}

impl Ui {
    /// Types a registration for Siân Jones (03/04/1950) with `nhs` in the NHS number box, and saves it.
    fn register_sian_jones(&mut self, nhs: &str) {
        self.key(KeyCode::Char('r'));
        let fields = [
            (COMMON_FIELDS[0], "Registered at the desk"),
            (*Kind::Registration.field("family_name").unwrap(), "Jones"),
            (*Kind::Registration.field("given_name").unwrap(), "Siân"),
            (*Kind::Registration.field("date_of_birth").unwrap(), "03/04/1950"),
            (nhs_box(), nhs),
        ];
        for (spec, typed) in fields {
            self.top();
            self.fill(&spec, typed);
        }
        self.ctrl('s');
    }

    /// The patient record the entry `reference` is saved against.
    fn patient_of(&self, reference: &str) -> Option<String> {
        let header = self.store.find_entry(reference).unwrap();
        self.store.current_revision(&header).unwrap().patient_id
    }
}

/// Tester's fault A: the registration form asks for the NHS number, if known, so the question
/// "is this them?" about someone already held can be answered on screen, in words without the
/// command line's options; the registration saved goes with that number's record.
#[test]
fn a_registration_typed_with_an_nhs_number_already_held_links_to_that_record() {
    let store = practice();
    log(&store, Kind::Note, "943 476 5919", "Jones", "Siân", "Registered list");
    let held = store.patient_by_nhs(&NhsNumber::parse("943 476 5919").unwrap()).unwrap().unwrap().id;
    let mut ui = Ui::sized(store, 120, 50);
    ui.keys("jo");
    ui.key(KeyCode::Enter);
    ui.key(KeyCode::Char('r'));
    let form = ui.screen();
    let lines: Vec<&str> = form.lines().collect();
    let at = |label: &str| lines.iter().position(|l| field_line(l, label).is_some()).unwrap_or(usize::MAX);
    assert!(at("NHS number (if known)") < lines.len(), "the box is shown\n{form}");
    assert!(at("Date of birth") < at("NHS number (if known)"), "after the date of birth\n{form}");
    ui.key(KeyCode::Esc);

    ui.register_sian_jones("943 476 5919");
    let screen = ui.screen();
    assert!(screen.contains("already in cutover"), "asked whether the registration is theirs\n{screen}");
    assert!(!screen.contains("--"), "no command-line options on screen\n{screen}");
    ui.key(KeyCode::Char('y'));
    let screen = ui.screen();
    assert!(screen.contains("Saved R2-0002"), "{screen}");
    assert_eq!(ui.patient_of("R2-0002"), Some(held), "linked to the record holding the number");
}

/// Tester's fault A: a new person registered with their NHS number gets a record holding it.
#[test]
fn a_registration_typed_with_a_new_nhs_number_makes_a_record_holding_it() {
    let mut ui = Ui::sized(practice(), 120, 50);
    ui.keys("jo");
    ui.key(KeyCode::Enter);
    ui.register_sian_jones("999 234 5675");
    let screen = ui.screen();
    assert!(screen.contains("Saved R2-0001"), "{screen}");
    let record = ui.store.patient_by_nhs(&NhsNumber::parse("999 234 5675").unwrap()).unwrap();
    assert_eq!(ui.patient_of("R2-0001"), record.map(|p| p.id), "{screen}");
}

/// Tester's fault B: the notes after a save are shown whole on the smallest screen, the status
/// line wrapping onto as many lines as they need (they used to be cut off at the edge).
#[test]
fn the_notes_after_a_save_are_shown_whole_on_an_80_by_24_screen() {
    let mut ui = Ui::signed_in(practice());
    ui.key(KeyCode::Char('n'));
    ui.keys("Anne Smith 01/01/1960");
    ui.ctrl('n');
    ui.top();
    ui.fill(&COMMON_FIELDS[0], "Phoned about results");
    ui.ctrl('s');
    let screen = ui.screen();
    let status = ui.app.status.as_ref().map(|s| s.text.clone()).unwrap_or_default();
    assert!(status.contains("Note: this patient has no NHS number yet."), "{status}");
    assert!(status.len() > 160, "long enough to need more than two lines at 80 columns: {status}");
    let words_shown: Vec<&str> = screen.split_whitespace().collect();
    let words_said: Vec<&str> = status.split_whitespace().collect();
    assert!(
        words_shown.windows(words_said.len()).any(|w| w == words_said.as_slice()),
        "every word of the note is on screen, in order\n{status}\n{screen}"
    );
    let last = screen.lines().last().unwrap_or_default();
    assert!(!last.contains("marked done"), "the footer keeps its own line\n{screen}");
}

/// Tester's fault C: searching the entries list finds a patient's name typed without its accents,
/// as the patient look-up does, and with them; someone else's entries are left out.
#[test]
fn searching_the_entries_list_finds_names_typed_without_their_accents() {
    let store = practice();
    log(&store, Kind::Note, "943 476 5919", "Jones", "Siân", "Registered list");
    log(&store, Kind::Note, "", "Kowalski", "Łukasz", "Asked for a repeat");
    let mut ui = Ui::signed_in(store);
    ui.key(KeyCode::Char('e'));
    for (typed, found, left_out) in [
        ("sian", "JONES, Siân", "KOWALSKI"),
        ("SIÂN jones", "JONES, Siân", "KOWALSKI"),
        ("lukasz", "KOWALSKI, Ł…", "JONES"),
        ("Łukasz", "KOWALSKI, Ł…", "JONES"),
        ("kowal", "KOWALSKI, Ł…", "JONES"),
    ] {
        ui.key(KeyCode::Char('/'));
        ui.send(KeyEvent::new(KeyCode::Char('a'), KeyModifiers::CONTROL));
        for _ in 0..20 {
            ui.key(KeyCode::Delete);
        }
        ui.keys(typed);
        ui.key(KeyCode::Enter);
        let screen = ui.screen();
        assert!(screen.contains(found), "{typed:?} finds {found}\n{screen}");
        assert!(!screen.contains(left_out), "{typed:?} leaves out {left_out}\n{screen}");
    }
}

/// Tester's fault D: a draft left by a window that crashed after this one opened is offered on
/// `o`, which asks the store again (the list used to be read only at start); only to who typed it.
#[test]
fn o_offers_a_draft_left_by_a_window_that_crashed_after_this_one_opened() {
    let store = practice();
    let mut open_all_along = window(&store, now(), "jo");
    let mut someone_else = window(&store, now(), "bev");
    press(&store, &mut open_all_along, KeyCode::Char('o'));
    assert!(matches!(open_all_along.screen, cutover::tui::Screen::Home));
    assert!(open_all_along.status.as_ref().is_some_and(|s| s.text == "There are no unsaved drafts."));

    // Another window types a prescription and dies without closing.
    let mut crashed = window(&store, now(), "jo");
    press(&store, &mut crashed, KeyCode::Char('p'));
    press(&store, &mut crashed, KeyCode::Tab);
    for c in "Amoxicillin for Mrs Jones".chars() {
        press(&store, &mut crashed, KeyCode::Char(c));
    }
    press(&store, &mut crashed, KeyCode::Tab);

    // Once its hold has lapsed, the window open all along offers it.
    let later = now() + chrono::Duration::minutes(5);
    for app in [&mut open_all_along, &mut someone_else] {
        dispatch(&store, app, Msg::Tick(later));
    }
    press(&store, &mut open_all_along, KeyCode::Char('o'));
    assert!(matches!(open_all_along.screen, cutover::tui::Screen::Drafts { .. }), "the drafts list opens");
    assert!(draft_offered(&open_all_along));
    press(&store, &mut open_all_along, KeyCode::Enter);
    assert!(matches!(open_all_along.screen, cutover::tui::Screen::Form(_)), "carried on with");

    press(&store, &mut someone_else, KeyCode::Char('o'));
    assert!(!draft_offered(&someone_else), "offered only to who typed it");
    assert!(matches!(someone_else.screen, cutover::tui::Screen::Home));
}

/// The practice of `practice()`, with go-live at `at` (UK time).
fn practice_live_at(at: &str) -> Store {
    let store = practice();
    let actor = store.setup_actor(None).unwrap();
    let go_live = time::parse_uk_datetime(at, now()).unwrap();
    store.write_at(now(), |tx| tx.set_settings(&actor, &[(settings_key::GO_LIVE, time::to_storage(go_live))])).unwrap();
    store
}

/// Issue 12, item 9: once the new system is live, every new-entry form says so, with when, and
/// still saves (late paper still turns up); before go-live, and on a date set ahead, it says nothing.
#[test]
fn after_go_live_the_entry_form_says_the_new_system_is_live_and_still_saves() {
    for (width, height) in [(80, 24), (110, 32)] {
        let mut ui = Ui::sized(practice_live_at("21/11/2026 08:00"), width, height);
        ui.keys("jo");
        ui.key(KeyCode::Enter);
        ui.key(KeyCode::Char('t'));
        let screen = ui.screen();
        insta::assert_snapshot!(format!("form_after_go_live_{width}x{height}"), screen);
        assert!(screen.contains("The new system has been live since 21/11/2026 08:00"), "{screen}");
        ui.key(KeyCode::Esc);
        ui.key(KeyCode::Char('y'));
        for kind in Kind::ALL {
            ui.key(KeyCode::Char(keys_for(kind)));
            let screen = ui.screen();
            assert!(screen.contains("The new system has been live"), "{kind:?}\n{screen}");
            ui.key(KeyCode::Esc);
            if ui.screen().contains("Discard this entry?") {
                ui.key(KeyCode::Char('y'));
            }
            assert!(ui.screen().contains("New entry: press a key"), "{kind:?}: back home\n{}", ui.screen());
        }
    }
    for store in [practice(), practice_live_at("23/11/2026 08:00")] {
        let mut ui = Ui::signed_in(store);
        ui.key(KeyCode::Char('t'));
        assert!(!ui.screen().contains("new system has been live"), "not live yet\n{}", ui.screen());
    }

    let mut ui = Ui::sized(practice_live_at("21/11/2026 08:00"), 120, 50);
    ui.keys("jo");
    ui.key(KeyCode::Enter);
    ui.key(KeyCode::Char('n'));
    ui.keys("Anne Smith 01/01/1960");
    ui.ctrl('n');
    ui.top();
    ui.fill(&COMMON_FIELDS[0], "Late paper: phoned about results");
    ui.ctrl('s');
    let screen = ui.screen();
    assert!(screen.contains("Saved R2-0001"), "late paper is still logged\n{screen}");
}

/// Issue 12, item 2: a registration typed with the NHS number the patient knows is traced as far
/// as the queue is concerned: its item carries the number and is marked done without one, while a
/// registration typed without it still needs the traced number (or a waiver).
#[test]
fn a_registration_typed_with_its_nhs_number_is_not_untraced_in_the_queue() {
    use cutover::queue::{self, QueueQuery, Request};
    let mut ui = Ui::sized(practice_live_at("21/11/2026 08:00"), 120, 50);
    ui.keys("jo");
    ui.key(KeyCode::Enter);
    ui.register_sian_jones("999 234 5675");
    assert!(ui.screen().contains("Saved R2-0001"), "{}", ui.screen());
    ui.key(KeyCode::Char('r'));
    for (spec, typed) in [
        (COMMON_FIELDS[0], "Registered at the desk"),
        (*Kind::Registration.field("family_name").unwrap(), "Evans"),
        (*Kind::Registration.field("given_name").unwrap(), "Rhys"),
        (*Kind::Registration.field("date_of_birth").unwrap(), "05/06/1970"),
    ] {
        ui.top();
        ui.fill(&spec, typed);
    }
    ui.ctrl('s');
    assert!(ui.screen().contains("Saved R2-0002"), "{}", ui.screen());

    let items = queue::build(&ui.store, &QueueQuery::default(), now()).unwrap().items;
    let item = |reference: &str| items.iter().find(|i| i.reference == reference).unwrap().clone();
    assert_eq!(item("R2-0001").nhs_number.as_deref(), Some("9992345675"));
    assert_eq!(item("R2-0002").nhs_number, None);
    let actor = ui.store.actor(Some("JS")).unwrap();
    let done = Request::Done {
        new_system_ref: Some("S1-REG".into()),
        note: None,
        nhs_number: None,
        waive_nhs: None,
        take_over: false,
    };
    queue::act(&ui.store, &actor, "R2-0001", &done, now()).expect("the number typed is the traced number");
    let refused = queue::act(&ui.store, &actor, "R2-0002", &done, now()).unwrap_err();
    assert!(refused.to_string().contains("no NHS number"), "{refused}");
}

/// Issue 12, item 2: a mistyped NHS number on the registration form is refused by the modulus 11
/// check, the same rule as `log` and import, and nothing is saved.
#[test]
fn a_mistyped_nhs_number_on_the_registration_form_is_refused_and_nothing_is_saved() {
    let mut ui = Ui::signed_in(practice());
    ui.register_sian_jones("999 234 5676");
    let screen = ui.screen();
    insta::assert_snapshot!("registration_mistyped_nhs_number", screen);
    assert!(
        screen.contains("this is not a valid NHS number") && screen.contains("name and date of birth"),
        "said whole\n{screen}"
    );
    assert!(screen.contains("Not saved: please check NHS number."), "{screen}");
    assert_eq!(ui.store.counts().unwrap().iter().find(|(n, _)| *n == "entries").map(|(_, n)| *n), Some(0));
}

/// Issue 11, item 2: a save into a damaged database stands, but no rolling backup is made from it,
/// and every screen says so at once, loudly, until the window closes: stop, tell the practice
/// manager, and which backup to restore. The last good backup is kept as it was.
#[test]
fn a_damaged_database_gets_no_backup_and_every_screen_says_so() {
    let dir = tempfile::tempdir().unwrap();
    let db = dir.path().join("cutover.db");
    let store = practice_on_disk(&db);
    log(&store, Kind::Note, "943 476 5919", "Jones", "Siân", "x");
    drop(store);
    let earlier = now() - chrono::Duration::hours(1);
    cutover::backup::keep_rolling(&db, None, earlier).unwrap();
    let backups = || -> Vec<(std::path::PathBuf, Vec<u8>)> {
        let listed = cutover::backup::list(&cutover::backup::folder_for(&db)).unwrap();
        listed.into_iter().map(|p| (p.clone(), std::fs::read(&p).unwrap())).collect()
    };
    let good = backups();
    assert_eq!(good.len(), 1);
    // An index that no longer matches its table: the database opens and saves, `check` fails.
    rusqlite::Connection::open(&db)
        .unwrap()
        .execute_batch(
            "PRAGMA writable_schema = ON;
             UPDATE sqlite_schema SET sql = 'CREATE INDEX entry_by_kind ON entry (summary, occurred_at)'
              WHERE name = 'entry_by_kind';",
        )
        .unwrap();
    let location = cutover::config::DatabaseLocation::at(db.clone());
    let mut ui = Ui::signed_in(Store::open(&location, cutover::store::OpenMode::Existing).unwrap());

    ui.key(KeyCode::Char('c'));
    ui.keys("943 476");
    ui.key(KeyCode::Enter);
    ui.keys("Chest pain, ECG normal");
    ui.tab(2);
    ui.keys("Dr Bevan");
    ui.ctrl('s');
    cutover::tui::finish_backups(&ui.store, &mut ui.app);
    insta::assert_snapshot!("backup_refused_damaged", ui.screen());
    assert!(ui.store.find_entry("R2-0002").is_ok(), "the save stands");

    // Nothing the person does makes it go away.
    for key in [KeyCode::Char('e'), KeyCode::Down, KeyCode::Esc, KeyCode::Char('c'), KeyCode::Esc, KeyCode::Char('y')] {
        ui.key(key);
        let screen = ui.screen();
        assert!(screen.contains("STOP: this database is damaged"), "after {key:?}:\n{screen}");
    }
    assert_eq!(backups(), good, "the last good backup is kept as it was");
}

/// A backup that could not be made (a full disk, say) is said on every screen until one is made;
/// it never hides the news that the database is damaged.
#[test]
fn a_backup_not_made_stays_on_screen_until_one_is_made() {
    use cutover::tui::BackupAlert;
    let mut ui = Ui::signed_in(practice());
    let full = "What you saved is safe in the database; only the rolling backup could not be made: the disk is full.";
    dispatch(&ui.store, &mut ui.app, Msg::BackupNotMade(BackupAlert { text: full.into(), damaged: false }));
    ui.key(KeyCode::Char('e'));
    ui.key(KeyCode::Esc);
    assert!(ui.screen().contains("What you saved is safe in the database"), "{}", ui.screen());
    dispatch(&ui.store, &mut ui.app, Msg::BackupMade);
    assert!(!ui.screen().contains("What you saved is safe"), "{}", ui.screen());

    let damaged = BackupAlert { text: "STOP: this database is damaged.".into(), damaged: true };
    dispatch(&ui.store, &mut ui.app, Msg::BackupNotMade(damaged));
    dispatch(&ui.store, &mut ui.app, Msg::BackupNotMade(BackupAlert { text: full.into(), damaged: false }));
    assert!(ui.screen().contains("STOP: this database is damaged."), "{}", ui.screen());
}

/// Issue 11, smaller point: a full disk where the rolling backups are kept. The save stands, and
/// the screen says so, and that only the backup failed, with what to do; never that a save was lost.
#[test]
fn a_backup_not_made_after_a_save_on_a_full_disk_says_the_save_is_safe() {
    let dir = tempfile::tempdir().unwrap();
    let db = dir.path().join("cutover.db");
    let store = practice_on_disk(&db);
    let folder = cutover::backup::folder_for(&db);
    std::fs::create_dir_all(&folder).unwrap();
    let mounted = std::process::Command::new("mount")
        .args(["-t", "tmpfs", "-o", "size=16k,mode=0700", "tmpfs"])
        .arg(&folder)
        .output()
        .is_ok_and(|o| o.status.success());
    if !mounted {
        eprintln!("skipped: this computer does not let the tests mount a small disk");
        return;
    }
    struct Unmount(std::path::PathBuf);
    impl Drop for Unmount {
        fn drop(&mut self) {
            let _ = std::process::Command::new("umount").arg(&self.0).output();
        }
    }
    let _unmount = Unmount(folder.clone());
    log(&store, Kind::Note, "943 476 5919", "Jones", "Siân", "x");
    let mut ui = Ui::signed_in(store);
    ui.key(KeyCode::Char('c'));
    ui.keys("943 476");
    ui.key(KeyCode::Enter);
    ui.keys("Chest pain, ECG normal");
    ui.tab(2);
    ui.keys("Dr Bevan");
    ui.ctrl('s');
    cutover::tui::finish_backups(&ui.store, &mut ui.app);
    let screen = ui.screen();
    let flat = screen.split_whitespace().collect::<Vec<_>>().join(" ");
    assert!(
        flat.contains(
            "What you saved is safe in the database; only the rolling backup could not be made: the disk holding"
        ),
        "{screen}"
    );
    assert!(flat.contains("is full. Free some space on that disk"), "{screen}");
    assert!(flat.contains("Saved R2-0002 (Consultation)"), "{screen}");
    for lost in ["did not happen", "Nothing was saved", "not saved"] {
        assert!(!flat.contains(lost), "{lost:?}: {screen}");
    }
    assert!(ui.store.find_entry("R2-0002").is_ok());
}

/// Everything the help shows on this screen, scrolled through from top to bottom, then closed.
fn whole_help(ui: &mut Ui) -> String {
    ui.key(KeyCode::F(1));
    let mut seen = ui.screen();
    for _ in 0..30 {
        ui.key(KeyCode::Down);
        seen.push_str(&ui.screen());
    }
    ui.key(KeyCode::Char('z'));
    seen
}

/// The last lines of the screen: the footer (one or two lines).
fn footer(screen: &str) -> String {
    let lines: Vec<&str> = screen.lines().collect();
    lines[lines.len().saturating_sub(2)..].join("\n")
}

/// Issue 12, item 6: at 80×24, every key of every screen is in its footer or, when the footer
/// cannot hold them all and says "F1 more", in its help; F1 opens the help on every screen.
#[test]
fn every_key_of_every_screen_can_be_found_on_it_at_80_by_24() {
    let store = practice();
    log(&store, Kind::Telephone, "943 476 5919", "Jones", "Siân", "Asked for blood results");
    let actor = store.actor(Some("JS")).unwrap();
    store
        .write_at(now(), |tx| {
            tx.set_settings(&actor, &[(settings_key::GO_LIVE, time::to_storage(now() - chrono::Duration::hours(2)))])
        })
        .unwrap();
    let mut ui = Ui::start(store);
    let mut screens = 0;
    let mut check = |ui: &mut Ui, what: &str| {
        let screen = ui.screen();
        let foot = footer(&screen);
        let bindings: Vec<(String, &str, &str)> =
            ui.app.bindings().iter().map(|b| (b.label(), b.short, b.does)).collect();
        let help = whole_help(ui);
        assert!(help.contains("Keys on this screen"), "{what}: F1 opens the help\n{help}");
        for (label, short, does) in bindings {
            let in_footer = !short.is_empty() && foot.contains(&format!("{label} {short}"));
            let in_help = help.lines().any(|l| l.contains(&label) && l.contains(does));
            assert!(in_footer || in_help, "{what}: {label} ({does}) cannot be found\n{screen}\n{help}");
            if !in_footer && !short.is_empty() {
                assert!(foot.ends_with("F1 more"), "{what}: the footer should say there is more\n{foot}");
            }
        }
        screens += 1;
    };
    check(&mut ui, "who is working");
    ui.keys("jo");
    ui.key(KeyCode::Enter);
    check(&mut ui, "home");
    ui.key(KeyCode::Char('e'));
    check(&mut ui, "entries");
    ui.key(KeyCode::Enter);
    check(&mut ui, "an entry");
    ui.key(KeyCode::Esc);
    ui.key(KeyCode::Esc);
    ui.key(KeyCode::Char('g'));
    check(&mut ui, "queue");
    ui.key(KeyCode::Esc);
    ui.key(KeyCode::Char('c'));
    check(&mut ui, "form");
    assert_eq!(screens, 6);
}

/// Issue 12, item 6: at 80×24 the home footer shows drafts, switch user and help.
#[test]
fn the_home_footer_at_80_by_24_shows_drafts_switch_user_and_help() {
    let mut ui = Ui::signed_in(practice());
    let foot = footer(&ui.screen());
    for wanted in ["o Drafts", "w Switch user", "F1 Help", "e Entries", "g Queue", "q Quit"] {
        assert!(foot.contains(wanted), "{wanted} missing from the footer:\n{foot}");
    }
}

/// Issue 12, item 6: on every form at 80×24, the flags line, once it has focus, shows every flag
/// (7 too), and a flag set shows as set: nothing is toggled out of sight.
#[test]
fn every_flag_of_every_form_is_in_sight_when_it_is_set_at_80_by_24() {
    use cutover::domain::fields::Flag;
    for (key, kind) in [
        ('c', "consultation"),
        ('t', "telephone"),
        ('p', "prescription"),
        ('r', "registration"),
        ('l', "pathology"),
        ('m', "correspondence"),
        ('a', "appointment"),
        ('h', "home visit"),
        ('f', "referral"),
        ('d', "document"),
        ('s', "screening"),
        ('u', "summarisation"),
        ('k', "stock"),
        ('n', "note"),
    ] {
        let mut ui = Ui::signed_in(practice());
        ui.key(KeyCode::Char(key));
        let mut tabs = 0;
        while !ui.screen().contains("▶ Flags") {
            ui.key(KeyCode::Tab);
            tabs += 1;
            assert!(tabs < 40, "{kind}: the flags line is never reached");
        }
        ui.key(KeyCode::Char('7'));
        let screen = ui.screen();
        for (i, flag) in Flag::ALL.iter().enumerate() {
            let mark = if i == 6 { "■" } else { "□" };
            let shown = format!("{}{mark} {}", i + 1, flag.label());
            assert!(screen.contains(&shown), "{kind}: {shown} not in sight\n{screen}");
        }
    }
}

/// Issue 12, item 7: an entry shown whole scrolls to its last line and says there is more.
#[test]
fn a_long_entry_shown_whole_scrolls_to_its_end() {
    let store = practice();
    let notes: Vec<String> = (1..=40).map(|n| format!("Line {n} of the notes")).collect();
    log_with(&store, Kind::Note, "943 476 5919", &[("summary", "Long note"), ("notes", &notes.join("\n"))]);
    let mut ui = Ui::signed_in(store);
    ui.key(KeyCode::Char('e'));
    ui.key(KeyCode::Enter);
    let screen = ui.screen();
    assert!(screen.contains("▼ more below: ↓ scrolls") && !screen.contains("Line 40 of the notes"), "{screen}");
    for _ in 0..6 {
        ui.key(KeyCode::PageDown);
    }
    let screen = ui.screen();
    assert!(screen.contains("Line 40 of the notes") && screen.contains("History"), "{screen}");
    assert!(screen.contains("▲ more above: ↑ scrolls"), "{screen}");
}

#[test]
fn the_home_screen_says_when_the_log_was_last_shared_how_many_pcs_and_which_is_quiet() {
    use cutover::tui::SharingStatus;
    let store = practice();
    let mut ui = Ui::sized(store, 160, 30);
    ui.keys("jo");
    ui.key(KeyCode::Enter);
    assert!(!ui.screen().contains("Shared"), "no line while this PC does not share");
    let minutes_ago = |m| now() - chrono::Duration::minutes(m);
    let shared = SharingStatus {
        round: 1,
        last_shared: Some(minutes_ago(1)),
        pcs: 3,
        quiet: vec![("C1".into(), "Consulting room".into(), Some(minutes_ago(20)))],
        ..Default::default()
    };
    dispatch(&ui.store, &mut ui.app, Msg::Shared(shared.clone()));
    let screen = ui.screen();
    assert!(
        screen.contains("Shared at 10:29 with 3 PCs. Not heard from: Consulting room (C1) since 10:10."),
        "{screen}"
    );
    // The folder goes away: said plainly, and logging goes on.
    let away = SharingStatus { round: 2, unreachable_since: Some(minutes_ago(5)), ..shared.clone() };
    dispatch(&ui.store, &mut ui.app, Msg::Shared(away));
    let screen = ui.screen();
    assert!(screen.contains("The shared folder cannot be reached (since 10:25): logging goes on here"), "{screen}");
    assert!(screen.contains("New entry: press a key"), "{screen}");
    // Entries taken from other PCs show in today's counts straight away.
    log(&ui.store, Kind::Note, "9434765919", "Jones", "Ann", "from another PC");
    assert!(ui.screen().contains("Today: 0 entries"), "{}", ui.screen());
    dispatch(&ui.store, &mut ui.app, Msg::Shared(SharingStatus { round: 3, took: 1, ..shared }));
    assert!(ui.screen().contains("Today: 1 entries"), "{}", ui.screen());
}

// Encryption at rest (issue 15): the passphrase screens before the log, and the home screen's line.

const PASSPHRASE: &str = "Quartz lantern 42";

fn keyed(db: &std::path::Path, passphrase: Option<&str>) -> cutover::config::DatabaseLocation {
    let location = cutover::config::DatabaseLocation::at(db.to_path_buf());
    cutover::config::DatabaseLocation { passphrase: passphrase.and_then(cutover::store::Passphrase::new), ..location }
}

/// `practice()` in a file encrypted with `PASSPHRASE`, with one entry logged.
fn encrypted_practice(db: &std::path::Path) -> Store {
    let store = set_up(Store::open(&keyed(db, Some(PASSPHRASE)), cutover::store::OpenMode::Create).unwrap());
    log(&store, Kind::Telephone, "943 476 5919", "Jones", "Siân", "Asked for blood results");
    store
}

/// A passphrase screen in a terminal of 80 × 24, driven as the runner drives it.
struct GateUi {
    gate: cutover::tui::Gate,
    location: cutover::config::DatabaseLocation,
    terminal: Terminal<TestBackend>,
}

impl GateUi {
    /// The screen the UI opens with on `location`: it must be a passphrase screen.
    fn start(location: cutover::config::DatabaseLocation) -> GateUi {
        let gate = match cutover::tui::opening(&location).unwrap() {
            cutover::tui::Opening::Gate(gate) => gate,
            cutover::tui::Opening::Open(_) => panic!("the database opened without a passphrase screen"),
        };
        GateUi { gate, location, terminal: Terminal::new(TestBackend::new(80, 24)).unwrap() }
    }

    fn send(&mut self, msg: Msg) -> cutover::tui::Passed {
        cutover::tui::pass(&mut self.gate, &self.location, msg).unwrap()
    }

    fn key(&mut self, code: KeyCode) -> cutover::tui::Passed {
        self.send(Msg::Key(KeyEvent::new(code, KeyModifiers::NONE)))
    }

    fn keys(&mut self, text: &str) {
        for c in text.chars() {
            assert!(matches!(self.key(KeyCode::Char(c)), cutover::tui::Passed::Stay));
        }
    }

    /// Enter, which must open the database.
    fn opened(&mut self) -> Store {
        match self.key(KeyCode::Enter) {
            cutover::tui::Passed::Open(store) => *store,
            _ => panic!("not opened; the screen shows:\n{}", self.screen()),
        }
    }

    fn screen(&mut self) -> String {
        let theme = Theme::plain();
        self.terminal.draw(|f| cutover::tui::view_gate(&self.gate, now(), &theme, f)).unwrap();
        let buffer = self.terminal.backend().buffer();
        (0..buffer.area.height)
            .map(|y| {
                let line: String = (0..buffer.area.width).map(|x| buffer[(x, y)].symbol()).collect();
                format!("{}\n", line.trim_end())
            })
            .collect()
    }
}

/// Every byte of the database and of SQLite's files beside it.
fn files_of(db: &std::path::Path) -> Vec<Option<Vec<u8>>> {
    ["", "-wal", "-shm"]
        .iter()
        .map(|suffix| {
            let mut name = db.as_os_str().to_owned();
            name.push(suffix);
            std::fs::read(std::path::PathBuf::from(name)).ok()
        })
        .collect()
}

#[test]
fn an_encrypted_database_asks_for_its_passphrase_and_shows_nothing_from_the_log_first() {
    let dir = tempfile::tempdir().unwrap();
    let db = dir.path().join("cutover.db");
    drop(encrypted_practice(&db));
    let mut ui = GateUi::start(keyed(&db, None));
    let screen = ui.screen();
    insta::assert_snapshot!("passphrase_prompt", screen);
    for secret in ["Riverside", "JONES", "Jones", "Siân", "blood", "Jo Smith", "R2-"] {
        assert!(!screen.contains(secret), "{secret} is shown before the passphrase: {screen}");
    }
    ui.keys(PASSPHRASE);
    let screen = ui.screen();
    assert!(!screen.contains("Quartz") && !screen.contains("lantern"), "the passphrase is drawn: {screen}");
    assert!(screen.contains(&"•".repeat(PASSPHRASE.chars().count())), "a dot for each character: {screen}");
    let store = ui.opened();
    assert!(store.is_encrypted());
    let mut ui = Ui::start(store);
    ui.keys("jo");
    ui.key(KeyCode::Enter);
    assert!(ui.screen().contains("JONES, Siân"), "{}", ui.screen());
}

#[test]
fn a_wrong_passphrase_is_said_plainly_changes_no_byte_and_the_right_one_then_opens() {
    let dir = tempfile::tempdir().unwrap();
    let db = dir.path().join("cutover.db");
    drop(encrypted_practice(&db));
    let before = files_of(&db);
    let mut ui = GateUi::start(keyed(&db, None));
    ui.keys("Quartz lantern 24");
    assert!(matches!(ui.key(KeyCode::Enter), cutover::tui::Passed::Stay));
    insta::assert_snapshot!("passphrase_wrong", ui.screen());
    assert_eq!(files_of(&db), before, "a wrong passphrase changed the database's files");
    // Pasted, as from a password manager, with the line break it brought along.
    assert!(matches!(ui.send(Msg::Paste(format!("{PASSPHRASE}\r\n"))), cutover::tui::Passed::Stay));
    assert!(ui.opened().is_encrypted());
}

#[test]
fn esc_on_the_passphrase_screen_leaves_having_changed_nothing() {
    let dir = tempfile::tempdir().unwrap();
    let db = dir.path().join("cutover.db");
    drop(encrypted_practice(&db));
    let before = files_of(&db);
    let mut ui = GateUi::start(keyed(&db, None));
    ui.keys("half typed");
    assert!(matches!(ui.key(KeyCode::Esc), cutover::tui::Passed::Leave));
    assert_eq!(files_of(&db), before);
}

#[test]
fn first_run_chooses_a_passphrase_typed_twice_and_makes_the_database_encrypted_with_it() {
    let dir = tempfile::tempdir().unwrap();
    let db = dir.path().join("cutover.db");
    let mut ui = GateUi::start(keyed(&db, None));
    insta::assert_snapshot!("first_run_passphrase", ui.screen());
    assert!(!db.exists(), "nothing is made before the passphrase is chosen");
    ui.keys(PASSPHRASE);
    ui.key(KeyCode::Enter);
    ui.keys("Quartz lantern 43");
    assert!(matches!(ui.key(KeyCode::Enter), cutover::tui::Passed::Stay));
    let screen = ui.screen();
    assert!(screen.contains("The two were not the same"), "{screen}");
    assert!(!db.exists());
    ui.keys(PASSPHRASE);
    ui.key(KeyCode::Tab);
    ui.keys(PASSPHRASE);
    let store = ui.opened();
    assert!(store.is_encrypted());
    assert_ne!(&std::fs::read(&db).unwrap()[..16], b"SQLite format 3\0");
    // Then the practice is set up as on any first run, in the encrypted database.
    let mut ui = Ui::start(store);
    assert!(ui.screen().contains("Set up cutover on this computer"), "{}", ui.screen());
    ui.keys("Riverside Surgery");
    ui.tab(3);
    ui.keys("Jo Smith");
    ui.tab(1);
    ui.keys("js");
    ui.ctrl('s');
    assert!(ui.screen().contains("Encrypted: the log cannot be read without the practice's passphrase."));
    drop(ui);
    let reopened = Store::open(&keyed(&db, Some(PASSPHRASE)), cutover::store::OpenMode::Existing).unwrap();
    assert_eq!(reopened.settings().unwrap().practice(), Some("Riverside Surgery"));
    let without = Store::open(&keyed(&db, None), cutover::store::OpenMode::Existing);
    assert!(matches!(without, Err(cutover::Error::PassphraseNeeded(_))), "{:?}", without.err());
}

#[test]
fn first_run_goes_on_without_a_passphrase_only_after_the_warning() {
    let dir = tempfile::tempdir().unwrap();
    let db = dir.path().join("cutover.db");
    let mut ui = GateUi::start(keyed(&db, None));
    assert!(matches!(ui.key(KeyCode::Enter), cutover::tui::Passed::Stay), "nothing typed is no choice");
    assert!(ui.screen().contains("Type a passphrase, or press Ctrl-N to go on without one."), "{}", ui.screen());
    ui.send(Msg::Key(KeyEvent::new(KeyCode::Char('n'), KeyModifiers::CONTROL)));
    insta::assert_snapshot!("first_run_no_passphrase_warning", ui.screen());
    assert!(matches!(ui.key(KeyCode::Char('x')), cutover::tui::Passed::Stay), "any other key goes back");
    assert!(!ui.screen().contains("Go on without a passphrase?"));
    assert!(!db.exists());
    ui.send(Msg::Key(KeyEvent::new(KeyCode::Char('n'), KeyModifiers::CONTROL)));
    let store = match ui.key(KeyCode::Char('y')) {
        cutover::tui::Passed::Open(store) => store,
        _ => panic!("not opened: {}", ui.screen()),
    };
    assert!(!store.is_encrypted());
    assert_eq!(&std::fs::read(&db).unwrap()[..16], b"SQLite format 3\0");
}

#[test]
fn a_plain_database_nobody_set_up_is_encrypted_by_the_first_run_screen() {
    let dir = tempfile::tempdir().unwrap();
    let db = dir.path().join("cutover.db");
    // Made by a command, or left by a first run that was left: plain, nothing set up.
    let store = Store::open(&keyed(&db, None), cutover::store::OpenMode::Create).unwrap();
    let workstation = store.local_workstation().unwrap();
    drop(store);
    let mut ui = GateUi::start(keyed(&db, None));
    ui.keys(PASSPHRASE);
    ui.key(KeyCode::Tab);
    ui.keys(PASSPHRASE);
    let store = ui.opened();
    assert!(store.is_encrypted());
    assert_eq!(store.local_workstation().unwrap().prefix, workstation.prefix, "what it held is kept");
    assert_ne!(&std::fs::read(&db).unwrap()[..16], b"SQLite format 3\0");
    drop(store);
    // Set up since, or given a passphrase: it opens as it is.
    let plain_set_up = dir.path().join("plain.db");
    drop(practice_on_disk(&plain_set_up));
    assert!(matches!(cutover::tui::opening(&keyed(&plain_set_up, None)).unwrap(), cutover::tui::Opening::Open(_)));
    assert!(matches!(cutover::tui::opening(&keyed(&db, Some(PASSPHRASE))).unwrap(), cutover::tui::Opening::Open(_)));
}

#[test]
fn the_home_screen_says_whether_the_log_is_encrypted_and_warns_when_it_is_not() {
    let dir = tempfile::tempdir().unwrap();
    let mut ui = Ui::signed_in(encrypted_practice(&dir.path().join("cutover.db")));
    let screen = ui.screen();
    insta::assert_snapshot!("home_encrypted", screen);
    assert!(!screen.contains("Not encrypted"), "{screen}");

    // Unencrypted, holding the practice's entries: a warning, with what to do.
    let store = practice();
    let mut ui = Ui::signed_in(store);
    let warning = "Not encrypted: anyone who copies this file can read every patient in it.";
    assert!(!ui.screen().contains(warning), "no entries yet: {}", ui.screen());
    assert!(ui.screen().contains("Not encrypted yet: cutover encrypt --passphrase-file FILE"), "{}", ui.screen());
    log(&ui.store, Kind::Note, "943 476 5919", "Jones", "Siân", "Change of address");
    dispatch(&ui.store, &mut ui.app, Msg::Key(KeyEvent::new(KeyCode::Char('e'), KeyModifiers::NONE)));
    dispatch(&ui.store, &mut ui.app, Msg::Key(KeyEvent::new(KeyCode::Esc, KeyModifiers::NONE)));
    let screen = ui.screen();
    insta::assert_snapshot!("home_unencrypted_warning", screen);
    assert!(screen.contains(warning) && screen.contains("cutover encrypt --passphrase-file FILE"), "{screen}");

    // A demo's patients are fictitious: said, not warned about.
    let store = practice();
    let actor = store.setup_actor(None).unwrap();
    store.write_at(now(), |tx| tx.set_settings(&actor, &[(settings_key::DEMO, "yes".into())])).unwrap();
    log(&store, Kind::Note, "943 476 5919", "Jones", "Siân", "Change of address");
    let screen = Ui::signed_in(store).screen();
    assert!(!screen.contains(warning), "{screen}");
    assert!(screen.contains("Not encrypted: demo data (fictitious patients)."), "{screen}");
}
