//! The UI's screens on ratatui's TestBackend: keys in, the drawn screen out (snapshots), with the
//! real store underneath (in memory) and the clock fixed.

use chrono::{DateTime, Utc};
use cutover::domain::fields::{Kind, PatientInput, build_content};
use cutover::domain::nhs::NhsNumber;
use cutover::domain::time;
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
    let store = Store::open_in_memory().unwrap();
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
    let actor = store.actor(Some("JS")).unwrap();
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
    let mut ui = Ui::start(Store::open_in_memory().unwrap());
    insta::assert_snapshot!("first_run", ui.screen());
    ui.keys("Riverside Surgery");
    ui.tab(2);
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
fn who_is_working_filters_as_you_type() {
    let mut ui = Ui::start(practice());
    insta::assert_snapshot!("choose_user", ui.screen());
    ui.keys("bev");
    let screen = ui.screen();
    assert!(screen.contains("Dr Aled Bevan") && !screen.contains("Jo Smith"), "{screen}");
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
    for (key, kind) in [
        ('a', Kind::Appointment),
        ('c', Kind::Consultation),
        ('h', Kind::HomeVisit),
        ('t', Kind::Telephone),
        ('p', Kind::Prescription),
        ('r', Kind::Registration),
        ('l', Kind::Pathology),
        ('f', Kind::Referral),
        ('m', Kind::Correspondence),
        ('d', Kind::Document),
        ('s', Kind::Screening),
        ('u', Kind::Summarisation),
        ('k', Kind::DispensaryStock),
        ('n', Kind::Note),
    ] {
        let mut ui = Ui::sized(practice(), 100, 40);
        ui.keys("jo");
        ui.key(KeyCode::Enter);
        ui.key(KeyCode::Char(key));
        let screen = ui.screen();
        assert!(screen.contains(&format!("New {}", kind.label().to_lowercase())), "{screen}");
        for spec in kind.fields() {
            assert!(screen.contains(spec.label), "{kind}: {} missing from\n{screen}", spec.label);
        }
        insta::assert_snapshot!(format!("form_{}", kind.name()), screen);
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
    ui.key(KeyCode::Down);
    ui.key(KeyCode::Enter);
    assert!(ui.screen().contains("JONES, Siân (03/04/1950) 943 476 5919"));
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
fn entries_are_listed_newest_first_and_open_with_their_history() {
    let store = practice();
    log(&store, Kind::Telephone, "943 476 5919", "Jones", "Siân", "Asked for blood results");
    log(&store, Kind::Note, "999 234 5675", "Evans", "Rhys", "Change of address");
    let mut ui = Ui::signed_in(store);
    ui.key(KeyCode::Char('e'));
    let screen = ui.screen();
    insta::assert_snapshot!("entries", screen);
    ui.key(KeyCode::Enter);
    let detail = ui.screen();
    assert!(detail.contains("Note R2-0002") || detail.contains("Telephone call R2-0001"), "{detail}");
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

#[test]
fn problems_are_red_in_colour_and_still_marked_without_it() {
    use ratatui::style::{Color, Modifier};
    let mut ui = Ui::signed_in(practice());
    ui.key(KeyCode::Char('p'));
    ui.ctrl('s');
    let status_row = 22;
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
    let prescription = screen.find("Amoxicillin issued on FP10").expect("the prescription is listed");
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
    let screen = ui.screen();
    assert!(screen.contains("R2-0002 done: it is in the new system."), "{screen}");
    assert!(!screen.contains("Amoxicillin issued on FP10"), "a done item leaves the open queue:\n{screen}");
    assert!(screen.contains("Tier 1: 1/1 done"), "{screen}");
}

#[test]
fn the_entry_list_keeps_its_filter_when_an_entry_is_closed() {
    let store = practice();
    log(&store, Kind::Telephone, "943 476 5919", "Jones", "Siân", "Asked for blood results");
    let mut ui = Ui::signed_in(store);
    ui.key(KeyCode::Char('e'));
    ui.key(KeyCode::Char('m'));
    assert!(ui.screen().contains("Entries, newest first: all kinds · mine"));
    ui.key(KeyCode::Enter);
    ui.key(KeyCode::Esc);
    let screen = ui.screen();
    assert!(screen.contains("Entries, newest first: all kinds · mine"), "{screen}");
}
