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
