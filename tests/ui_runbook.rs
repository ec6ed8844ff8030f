//! The practice manager's runbook on the terminal screens (issue 16), drawn on `TestBackend` at
//! 80×24 as a person sees it, with the database checked after keys are pressed.

use chrono::{DateTime, Utc};
use cutover::domain::time;
use cutover::runbook::services::ServiceState;
use cutover::store::{Role, StaffMember, Store, settings_key};
use cutover::tui::{App, Msg, Theme, dispatch, load_start, view};
use ratatui::Terminal;
use ratatui::backend::TestBackend;
use ratatui::crossterm::event::{KeyCode, KeyEvent, KeyModifiers};

fn at(s: &str) -> DateTime<Utc> {
    time::parse_uk_datetime(s, Utc::now()).unwrap()
}

/// The screens' clock: a day after go-live.
fn now() -> DateTime<Utc> {
    at("24/11/2026 09:30")
}

/// A practice with a manager, FDP and go-live set, as `cutover init` leaves it.
fn practice(go_live: &str) -> Store {
    let store = Store::open_in_memory().unwrap();
    let setup = store.setup_actor(None).unwrap();
    store
        .write_at(at("20/11/2026 09:00"), |tx| {
            tx.set_local_workstation(Some("Office"), Some("M1"))?;
            tx.set_settings(
                &setup,
                &[
                    (settings_key::PRACTICE, "Riverside Surgery".into()),
                    (settings_key::FDP, time::to_storage(at("20/11/2026 17:00"))),
                    (settings_key::GO_LIVE, time::to_storage(at(go_live))),
                ],
            )?;
            tx.add_staff(&setup, &StaffMember { id: "JS".into(), name: "Jo Smith".into(), role: Role::Manager })
        })
        .unwrap();
    store
}

fn js(store: &Store) -> cutover::store::Actor {
    store.actor(Some("JS")).unwrap()
}

struct Ui {
    store: Store,
    app: App,
    terminal: Terminal<TestBackend>,
}

impl Ui {
    /// Past "who is working", as Jo Smith.
    fn signed_in(store: Store) -> Ui {
        let app = App::new(load_start(&store, now()).unwrap(), now());
        let mut ui = Ui { store, app, terminal: Terminal::new(TestBackend::new(80, 24)).unwrap() };
        ui.keys("jo");
        ui.key(KeyCode::Enter);
        ui
    }

    fn key(&mut self, code: KeyCode) {
        dispatch(&self.store, &mut self.app, Msg::Key(KeyEvent::new(code, KeyModifiers::NONE)));
    }

    fn keys(&mut self, text: &str) {
        for c in text.chars() {
            self.key(KeyCode::Char(c));
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
fn after_go_live_the_home_screen_names_the_services_not_back_on() {
    let store = practice("23/11/2026 08:00");
    let actor = js(&store);
    for service in ["EPS", "pathology", "pharmacies", "docman", "dispensing", "screening", "111"] {
        store
            .write_at(at("21/11/2026 09:00"), |tx| {
                tx.service_update(&actor, service, Some(ServiceState::NotUsed), None)
            })
            .unwrap();
    }
    for service in ["ooh", "PCSE", "GP2GP", "SCR", "SMS", "NHS App"] {
        for state in [ServiceState::ConfirmedOff, ServiceState::ToSwitchOn, ServiceState::ConfirmedOn] {
            store.write_at(at("23/11/2026 09:00"), |tx| tx.service_update(&actor, service, Some(state), None)).unwrap();
        }
    }
    store
        .write_at(at("21/11/2026 09:00"), |tx| {
            tx.service_update(&actor, "MESH", Some(ServiceState::ConfirmedOff), None)
        })
        .unwrap();
    let mut ui = Ui::signed_in(store);
    let screen = ui.screen();
    assert!(
        screen.contains(" 1 third-party service not confirmed back on since go-live: MESH address change"),
        "{screen}"
    );
    insta::assert_snapshot!("home_with_a_service_not_back_on", screen);
}

#[test]
fn before_go_live_the_home_screen_says_nothing_of_services_meant_to_be_off() {
    let store = practice("30/11/2026 08:00");
    let mut ui = Ui::signed_in(store);
    let screen = ui.screen();
    assert!(!screen.contains("not confirmed back on"), "{screen}");
}

fn count(store: &Store, sql: &str) -> i64 {
    let rows = store.runbook_rows().unwrap();
    match sql {
        "plan" => rows.plan.len() as i64,
        "checklist" => rows.checklist.len() as i64,
        _ => rows.service_events.len() as i64,
    }
}

#[test]
fn the_manager_plans_ticks_and_moves_services_on_from_the_runbook_screen() {
    let store = practice("30/11/2026 08:00");
    let mut ui = Ui::signed_in(store);
    ui.key(KeyCode::Char('b'));
    let plan = ui.screen();
    assert!(plan.contains("Plan 0/13"), "{plan}");
    assert!(plan.contains("›Appointments") && plan.contains("NO PLAN YET"), "{plan}");
    insta::assert_snapshot!("runbook_plan", plan);

    // Enter on a kind of work asks how, then who leads it; the store then holds that plan.
    ui.key(KeyCode::Down);
    ui.key(KeyCode::Enter);
    ui.keys("Seen as usual; logged in cutover");
    ui.key(KeyCode::Enter);
    let asking = ui.screen();
    assert!(asking.contains("Who leads it? Their staff id, then Enter:"), "{asking}");
    ui.keys("js");
    ui.key(KeyCode::Enter);
    let rows = ui.store.runbook_rows().unwrap();
    assert_eq!(rows.plan.len(), 1);
    assert_eq!(
        (rows.plan[0].category.as_str(), rows.plan[0].how.as_str(), rows.plan[0].lead.as_str()),
        ("consultations", "Seen as usual; logged in cutover", "JS")
    );
    assert_eq!(rows.plan[0].recorded_by, "JS", "saved as the person signed in");
    let saved = ui.screen();
    assert!(saved.contains("Plan for Consultations saved; lead JS.") && saved.contains("Plan 1/13"), "{saved}");
    // A lead who is not on the staff list is refused, and nothing is written.
    ui.key(KeyCode::Up);
    ui.key(KeyCode::Enter);
    ui.keys("Paper book");
    ui.key(KeyCode::Enter);
    ui.keys("ZZ");
    ui.key(KeyCode::Enter);
    assert!(ui.screen().contains("no member of staff with the id \"ZZ\""), "{}", ui.screen());
    assert_eq!(count(&ui.store, "plan"), 1);

    ui.key(KeyCode::Tab);
    let checklists = ui.screen();
    assert!(checklists.contains("Practice manager and staff: Enter to tick"), "{checklists}");
    assert!(checklists.contains("›[ ] PM-E1"), "{checklists}");
    insta::assert_snapshot!("runbook_checklists", checklists);
    ui.key(KeyCode::Enter);
    ui.keys("Agreed with the ICB");
    ui.key(KeyCode::Enter);
    let rows = ui.store.runbook_rows().unwrap();
    assert_eq!(rows.checklist.len(), 1);
    assert_eq!((rows.checklist[0].subject.as_str(), rows.checklist[0].what.as_deref()), ("PM-E1", Some("tick")));
    assert_eq!(rows.checklist[0].note.as_deref(), Some("Agreed with the ICB"));
    assert!(ui.screen().contains("›[x] PM-E1"), "{}", ui.screen());

    ui.key(KeyCode::Tab);
    ui.key(KeyCode::Enter);
    let rows = ui.store.runbook_rows().unwrap();
    assert_eq!(rows.service_events.len(), 1);
    assert_eq!(rows.service_events[0].what.as_deref(), Some("confirmed_off"));
    ui.key(KeyCode::Char('c'));
    ui.keys("Helpdesk ref 4411");
    ui.key(KeyCode::Enter);
    assert_eq!(count(&ui.store, "services"), 2);
    let services = ui.screen();
    assert!(
        services.contains("Note added to Electronic Prescription Service (EPS); it is still confirmed off."),
        "{services}"
    );
    insta::assert_snapshot!("runbook_services", services);

    ui.key(KeyCode::Esc);
    assert!(ui.screen().contains("New entry: press a key"));
}
