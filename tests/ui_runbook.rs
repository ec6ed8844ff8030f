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

mod common;

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
    // What was typed stays, to be corrected; Esc leaves it.
    assert!(ui.screen().contains("> ZZ"), "{}", ui.screen());
    ui.key(KeyCode::Esc);

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

/// The practice's patient list of three, for the re-check's sample.
fn patient_list(store: &Store) {
    use cutover::store::ListPatient;
    let actor = js(store);
    let patients: Vec<ListPatient> = [
        ("9434765919", "Jones", "Siân", "1950-04-03"),
        ("9992345675", "Evans", "Rhys", "1970-06-05"),
        ("9994691341", "Kowalski", "Anna", "1988-02-14"),
    ]
    .into_iter()
    .enumerate()
    .map(|(i, (nhs, family, given, dob))| ListPatient {
        line: i as u64 + 2,
        nhs_number: nhs.into(),
        family_name: family.into(),
        given_name: given.into(),
        date_of_birth: dob.into(),
        sex: None,
        postcode: None,
        usual_gp: None,
    })
    .collect();
    store.write_at(at("20/11/2026 10:00"), |tx| tx.import_list_patients(&actor, &patients)).unwrap();
}

/// Each re-check event: subject, state and note, by subject and then in the order made (the
/// screen's clock stands still, so events of two subjects share a time).
fn recheck_states(store: &Store) -> Vec<(String, String, Option<String>)> {
    let mut rows = store.runbook_rows().unwrap().recheck_events;
    rows.sort_by(|a, b| (&a.subject, a.at).cmp(&(&b.subject, b.at)));
    rows.into_iter().map(|e| (e.subject, e.what.unwrap_or_default(), e.note)).collect()
}

impl Ui {
    /// The runbook's list `n` (0: the plan), as Tab reaches it.
    fn runbook_list(&mut self, n: usize) {
        self.key(KeyCode::Char('b'));
        for _ in 0..n {
            self.key(KeyCode::Tab);
        }
    }

    fn answer(&mut self, text: &str) {
        self.keys(text);
        self.key(KeyCode::Enter);
    }
}

/// Issue 16, item 1: the whole go-live re-check on the screen: the patients tested at IDP and a
/// sample drawn with its seed, each marked matches or issue, the issues' progress, and the sign-off
/// refused while issues are open unless a reason is given, by the store's one rule.
#[test]
fn the_manager_rechecks_patients_and_reports_and_signs_off_go_live_data_on_the_screen() {
    let store = practice("23/11/2026 08:00");
    patient_list(&store);
    store.write_at(at("21/11/2026 09:00"), |tx| tx.recheck_add(&js(&store), "9434765919")).unwrap();
    let mut ui = Ui::signed_in(store);
    ui.runbook_list(3);
    let first = ui.screen();
    assert!(first.contains("Re-check 0/6"), "{first}");
    assert!(first.contains("1 patient and 5 reports: 0 match, 0 issues open, 6 not checked yet."), "{first}");
    assert!(first.contains("›943 476 5919"), "{first}");
    assert!(first.contains("Go Live Data is not signed off yet"), "{first}");

    // A sample of two, with a recorded seed: the store draws it as `recheck sample` does.
    ui.key(KeyCode::Char('n'));
    ui.answer("0");
    assert!(ui.screen().contains("Type how many patients, from 1 to 10000"), "{}", ui.screen());
    ui.key(KeyCode::Backspace);
    ui.answer("2");
    ui.answer("4021");
    let rows = ui.store.runbook_rows().unwrap();
    assert_eq!(rows.samples.len(), 1);
    assert_eq!((rows.samples[0].seed, rows.samples[0].size, rows.samples[0].population), (4021, 2, 3));
    let drawn = ui.screen();
    assert!(drawn.contains("Drew 2 patients of the 3 patients on the patient list with seed 4021"), "{drawn}");
    assert!(drawn.contains("Sample: 2 of 3 on the patient list, seed 4021, by JS on 24/11/2026 09:30."), "{drawn}");

    // An NHS number mistyped is refused before anything is written, the number kept to correct.
    ui.key(KeyCode::Char('a'));
    ui.answer("999 234 5676");
    assert!(ui.screen().contains("NHS number:"), "{}", ui.screen());
    assert_eq!(ui.store.runbook_rows().unwrap().recheck_patients.len(), rows.recheck_patients.len());
    ui.key(KeyCode::Esc);

    // The first matches; the next has an issue, which holds up the sign-off.
    ui.key(KeyCode::Char('m'));
    ui.key(KeyCode::Down);
    let (second, second_label) = {
        let rows = ui.store.runbook_rows().unwrap();
        let nhs = rows.recheck_patients[1].nhs_number.clone();
        let label = cutover::domain::nhs::NhsNumber::parse(&nhs).unwrap().to_string();
        (nhs, label)
    };
    ui.key(KeyCode::Char('i'));
    ui.key(KeyCode::Enter);
    assert!(ui.screen().contains("What is wrong is needed"), "{}", ui.screen());
    ui.answer("Penicillin allergy missing");
    assert_eq!(second, "9994691341", "the sample's other patient, drawn by the seed");
    assert_eq!(
        recheck_states(&ui.store),
        [
            ("9434765919".to_string(), "matches".to_string(), None),
            (second.clone(), "issue".to_string(), Some("Penicillin allergy missing".to_string()))
        ]
    );
    let marked = ui.screen();
    assert!(marked.contains(&format!("Recorded an issue for {second_label}")), "{marked}");
    assert!(marked.contains("↳ Penicillin allergy missing"), "{marked}");
    assert!(marked.contains("1 match, 1 issue open, 5 not checked yet"), "{marked}");
    insta::assert_snapshot!("runbook_recheck", marked);

    // Signing off is refused while anything is open, in the store's words, and nothing is written;
    // it asks for the reason, and signs off with it.
    ui.key(KeyCode::Char('s'));
    let asked = ui.screen();
    assert!(asked.contains("Sign off Go Live Data in your name") && asked.contains("Esc to leave it."), "{asked}");
    ui.key(KeyCode::Enter);
    let held = ui.screen();
    assert!(
        held.contains(
            "Go Live Data was not signed off: 1 issue is still open and 5 re-check items are\nnot checked yet."
        ),
        "{held}"
    );
    assert!(held.contains("To sign off all the same, type the reason"), "{held}");
    assert!(ui.store.runbook_rows().unwrap().signoffs.is_empty());
    ui.key(KeyCode::Enter);
    assert!(ui.store.runbook_rows().unwrap().signoffs.is_empty(), "an empty reason is no reason");
    ui.answer("Supplier fixing the allergy today; reports checked on Monday");
    let signoffs = ui.store.runbook_rows().unwrap().signoffs;
    assert_eq!(signoffs.len(), 1);
    assert_eq!((signoffs[0].open_issues, signoffs[0].unchecked, signoffs[0].staff_id.as_str()), (1, 5, "JS"));
    assert_eq!(signoffs[0].reason.as_deref(), Some("Supplier fixing the allergy today; reports checked on Monday"));
    assert!(ui.screen().contains("Go Live Data signed off by JS on 24/11/2026 09:30, with 1 issue open"));

    // The issue reported, then fixed: each with its note, as `recheck issue` records them.
    ui.key(KeyCode::Char('p'));
    ui.answer("mended");
    assert!(ui.screen().contains("Type reported, fixed or accepted"), "{}", ui.screen());
    for _ in 0.."mended".len() {
        ui.key(KeyCode::Backspace);
    }
    ui.answer("reported");
    ui.answer("Ticket 4411");
    ui.key(KeyCode::Char('p'));
    ui.answer("fixed");
    ui.answer("");
    let states = recheck_states(&ui.store);
    assert_eq!(states[2], (second.clone(), "reported".to_string(), Some("Ticket 4411".to_string())));
    assert_eq!(states[3], (second, "fixed".to_string(), None));
    // An issue fixed, or a patient who matches, has no issue to move on: refused, nothing asked.
    ui.key(KeyCode::Char('p'));
    assert!(ui.screen().contains("999 469 1341 has no open issue (issue, fixed): record one first with i."));
    ui.key(KeyCode::Up);
    ui.key(KeyCode::Char('p'));
    assert!(ui.screen().contains("943 476 5919 has no open issue (matches)"), "{}", ui.screen());
    assert_eq!(recheck_states(&ui.store).len(), 4);
}

/// Issue 16, items 1 and 2: the call-back list on the screen holds the new patients asked to come
/// back, and `d` marks one registered through the queue's own questions.
#[test]
fn the_call_back_list_shows_new_patients_asked_to_come_back_and_d_marks_one_registered() {
    use cutover::domain::fields::Kind;
    use cutover::entries;
    let store = practice("23/11/2026 08:00");
    let actor = js(&store);
    let register = |family: &str, given: &str, asked: Option<&str>| {
        let mut values = vec![
            ("summary", "New patient at the desk"),
            ("family_name", family),
            ("given_name", given),
            ("date_of_birth", "03/04/1990"),
            ("phone", "07700 900123"),
        ];
        if let Some(asked) = asked {
            values.push(("asked_to_come_back", asked));
        }
        let entry = entries::NewEntry {
            kind: Kind::Registration,
            values: values.into_iter().map(|(k, v)| (k.to_string(), v.to_string())).collect(),
            flags: Vec::new(),
            patient: entries::PatientGiven::default(),
        };
        store.write_at(at("21/11/2026 10:00"), |tx| entries::log(tx, &actor, &entry, false)).unwrap().reference
    };
    let zofia = register("Nowak", "Zofia", Some("yes"));
    register("Okafor", "Chidi", Some("no"));
    register("Hughes", "Megan", None);
    let mut ui = Ui::signed_in(store);
    ui.runbook_list(4);
    let list = ui.screen();
    assert!(list.contains("Call-backs 1"), "{list}");
    assert!(
        list.contains(&format!("›{zofia}")) && list.contains("NOWAK, Zofia") && list.contains("07700 900123"),
        "{list}"
    );
    assert!(!list.contains("OKAFOR") && !list.contains("HUGHES"), "{list}");
    assert!(list.contains("1 other new registration does not say whether they were asked to come back"), "{list}");
    insta::assert_snapshot!("runbook_callbacks", list);

    // d: the queue's questions for a registration done, then back to the list.
    ui.key(KeyCode::Char('d'));
    assert!(ui.screen().contains("Its reference in the new system"), "{}", ui.screen());
    ui.answer("EMIS-77");
    ui.answer("943 476 5919");
    ui.key(KeyCode::Char('y'));
    let done = ui.screen();
    assert!(done.contains(&format!("{zofia} done: it is in the new system.")), "{done}");
    let held = ui.store.callbacks().unwrap();
    assert_eq!((held.asked[0].reference.as_str(), held.asked[0].status.as_str()), (zofia.as_str(), "done"));
    assert_eq!(held.asked[0].status_by.as_deref(), Some("JS"));
    ui.key(KeyCode::Esc);
    let back = ui.screen();
    assert!(back.contains("0 to call back; 1 registered in the new system"), "{back}");
    assert!(back.contains("yes, 24/11"), "{back}");
}

/// A sample asked for with no patient list: the store's refusal, and nothing written.
#[test]
fn a_sample_with_no_patient_list_is_refused_on_the_screen_and_nothing_is_written() {
    let store = practice("23/11/2026 08:00");
    let mut ui = Ui::signed_in(store);
    ui.runbook_list(3);
    ui.key(KeyCode::Char('n'));
    ui.answer("5");
    ui.answer("");
    let screen = ui.screen();
    assert!(screen.contains("There is no patient list to draw a sample from: nothing was drawn."), "{screen}");
    let rows = ui.store.runbook_rows().unwrap();
    assert!(rows.samples.is_empty() && rows.recheck_patients.is_empty());
}

/// The screen's lines joined, for a sentence the screen breaks over lines.
fn flat(screen: &str) -> String {
    screen.lines().map(|l| l.trim_matches(|c| c == ' ' || c == '│')).collect::<Vec<_>>().join(" ")
}

/// A service event: the service's key, the state it went to, the note.
type ServiceEvent = (String, Option<String>, Option<String>);

/// The services list's rows as the store holds them: each added service's name and who added it,
/// and each event's service, state and note, in the order made.
fn services_held(store: &Store) -> (Vec<(String, String)>, Vec<ServiceEvent>) {
    let rows = store.runbook_rows().unwrap();
    let added = rows.added_services.into_iter().map(|s| (s.name, s.added_by)).collect();
    let mut events = rows.service_events;
    events.sort_by(|a, b| (a.at, &a.id).cmp(&(b.at, &b.id)));
    (added, events.into_iter().map(|e| (e.subject, e.what, e.note)).collect())
}

/// Issue 16, item 3: `cutover services add NAME` on the screen: `a` on the services list adds the
/// practice's own service by the store's one operation; one already listed (under its name or
/// another it answers to) or an empty name is refused, nothing is written, and what was typed
/// stays to be corrected.
#[test]
fn the_manager_adds_the_practices_own_service_on_the_screen() {
    let store = practice("30/11/2026 08:00");
    let mut ui = Ui::signed_in(store);
    ui.runbook_list(2);
    ui.key(KeyCode::Char('a'));
    let asked = ui.screen();
    assert!(asked.contains("The name of a service the practice uses that is not on the list"), "{asked}");
    ui.key(KeyCode::Enter);
    assert!(ui.screen().contains("The service's name is needed"), "{}", ui.screen());
    ui.answer("Local hospice link");
    let (added, events) = services_held(&ui.store);
    assert_eq!(added, [("Local hospice link".to_string(), "JS".to_string())]);
    assert!(events.is_empty());
    let shown = ui.screen();
    assert!(shown.contains("Added Local hospice link to the services list (to switch off)."), "{shown}");
    assert!(shown.contains("Services 0/15"), "{shown}");
    assert!(shown.contains("›Local hospice link"), "the new service is chosen: {shown}");
    insta::assert_snapshot!("runbook_service_added", shown);

    // Already on the list, seeded (by another name it answers to) or added: refused in the store's
    // words, nothing written, and the name typed stays on screen.
    for (typed, listed) in
        [("EPS", "Electronic Prescription Service (EPS)"), ("local HOSPICE link", "Local hospice link")]
    {
        ui.key(KeyCode::Char('a'));
        ui.answer(typed);
        let refused = ui.screen();
        assert!(
            flat(&refused).contains(&format!("\"{listed}\" is already on the services list, so nothing was added.")),
            "{refused}"
        );
        assert!(refused.contains(&format!("> {typed}")), "what was typed stays: {refused}");
        ui.key(KeyCode::Esc);
    }
    assert_eq!(services_held(&ui.store).0.len(), 1);

    // The new service goes through its steps like the seeded ones.
    ui.key(KeyCode::Enter);
    assert_eq!(services_held(&ui.store).1, [("localhospicelink".to_string(), Some("confirmed_off".to_string()), None)]);
}

/// Issue 16, item 2: `cutover checklist untick ITEM --reason TEXT` on the screen: `u` takes back a
/// tick made by mistake, with the reason; the tick stays in the item's history, both are audited,
/// and the screen shows that history under the item. An item not ticked, or no reason, is refused
/// and nothing is written.
#[test]
fn a_tick_made_by_mistake_is_taken_back_on_the_screen_with_the_reason_and_its_history_kept() {
    let store = practice("30/11/2026 08:00");
    let mut ui = Ui::signed_in(store);
    ui.runbook_list(1);
    ui.key(KeyCode::Down);
    ui.key(KeyCode::Char('u'));
    assert!(ui.screen().contains("PM-E2 is not ticked, so there is nothing to untick."), "{}", ui.screen());
    assert!(!ui.screen().contains("why was it ticked"), "nothing asked: {}", ui.screen());
    ui.key(KeyCode::Up);
    ui.key(KeyCode::Enter);
    ui.answer("Agreed with the ICB");
    assert!(ui.screen().contains("›[x] PM-E1"), "{}", ui.screen());

    ui.key(KeyCode::Char('u'));
    assert!(ui.screen().contains("Untick PM-E1: why was it ticked in error?"), "{}", ui.screen());
    ui.key(KeyCode::Enter);
    assert!(ui.screen().contains("The reason is needed"), "{}", ui.screen());
    assert_eq!(ui.store.runbook_rows().unwrap().checklist.len(), 1, "an empty reason writes nothing");
    ui.answer("Ticked for the wrong practice");
    let rows = ui.store.runbook_rows().unwrap();
    let held: Vec<(&str, Option<&str>, Option<&str>, &str)> = rows
        .checklist
        .iter()
        .map(|e| (e.subject.as_str(), e.what.as_deref(), e.note.as_deref(), e.staff_id.as_str()))
        .collect();
    assert_eq!(
        held,
        [
            ("PM-E1", Some("tick"), Some("Agreed with the ICB"), "JS"),
            ("PM-E1", Some("untick"), Some("Ticked for the wrong practice"), "JS")
        ]
    );
    let actions: Vec<String> =
        rows.checklist.iter().flat_map(|e| ui.store.audit_of(&e.id).unwrap()).map(|a| a.action).collect();
    assert_eq!(actions, ["checklist_tick", "checklist_untick"]);
    let shown = ui.screen();
    assert!(shown.contains("Unticked PM-E1; its tick and your reason stay in its history."), "{shown}");
    assert!(shown.contains("›[ ] PM-E1"), "{shown}");
    assert!(shown.contains("Note (JS on 24/11/2026 09:30): Agreed with the ICB"), "{shown}");
    assert!(shown.contains("Unticked (JS on 24/11/2026 09:30): Ticked for the wrong practice"), "{shown}");
    insta::assert_snapshot!("runbook_unticked", shown);

    // Unticked, it is not ticked: a second untick is refused without asking.
    ui.key(KeyCode::Char('u'));
    assert!(ui.screen().contains("PM-E1 is not ticked, so there is nothing to untick."), "{}", ui.screen());
    assert_eq!(ui.store.runbook_rows().unwrap().checklist.len(), 2);
}

/// Issue 16, item 3: `cutover services set NAME --state S [--note TEXT]` on the screen: `s` offers
/// every state the command takes (a step back, not used, and out of not used), with a note, and
/// refuses by the same rule and in the same words: a step skipped, the state it is already at.
/// A refusal writes nothing and keeps what was typed.
#[test]
fn every_service_state_the_command_offers_is_offered_on_the_screen_with_the_same_refusals() {
    let store = practice("23/11/2026 08:00");
    let mut ui = Ui::signed_in(store);
    ui.runbook_list(2);
    ui.key(KeyCode::Enter);
    ui.key(KeyCode::Char('s'));
    let asked = flat(&ui.screen());
    assert!(
        asked.contains("is confirmed off. Set it to: to switch off, confirmed off, to switch on, confirmed back on or not used here?"),
        "{asked}"
    );
    ui.answer("sideways");
    let said = flat(&ui.screen());
    assert!(said.contains("Type one of: to switch off, confirmed off, to switch on, confirmed back on or not used here (Esc to leave it)."), "{said}");
    ui.key(KeyCode::Esc);

    // Each refusal in the words `services set` uses, nothing written, the state typed kept.
    for (typed, said) in [
        (
            "confirmed-on",
            "Electronic Prescription Service (EPS) is at \"confirmed off\", so it cannot go to \"confirmed back on\" yet: nothing was changed.",
        ),
        ("off", "Electronic Prescription Service (EPS) is already at \"confirmed off\", so nothing was changed."),
    ] {
        ui.key(KeyCode::Char('s'));
        ui.answer(typed);
        let refused = ui.screen();
        assert!(flat(&refused).contains(said), "{typed}: {refused}");
        assert!(refused.contains(&format!("> {typed}")), "{refused}");
        ui.key(KeyCode::Esc);
    }
    assert_eq!(services_held(&ui.store).1.len(), 1);

    // A step back, with a note; then not used; then back from not used.
    ui.key(KeyCode::Char('s'));
    ui.answer("to switch off");
    assert!(ui.screen().contains("a note if you want one"), "{}", ui.screen());
    ui.answer("Confirmed in error: the helpdesk had the wrong practice");
    ui.key(KeyCode::Char('s'));
    ui.answer("not used");
    ui.answer("");
    let shown = ui.screen();
    assert!(shown.contains("Electronic Prescription Service (EPS): not used here."), "{shown}");
    assert!(shown.contains("JS on 24/11/2026 09:30: Confirmed in error"), "its notes show under it: {shown}");
    insta::assert_snapshot!("runbook_service_not_used", shown);
    ui.key(KeyCode::Char('s'));
    ui.answer("to-switch-on");
    ui.answer("Dispensing starts in January");
    let eps = "electronicprescriptionserviceeps".to_string();
    assert_eq!(
        services_held(&ui.store).1,
        [
            (eps.clone(), Some("confirmed_off".to_string()), None),
            (
                eps.clone(),
                Some("to_switch_off".to_string()),
                Some("Confirmed in error: the helpdesk had the wrong practice".to_string())
            ),
            (eps.clone(), Some("not_used".to_string()), None),
            (eps, Some("to_switch_on".to_string()), Some("Dispensing starts in January".to_string())),
        ]
    );
}

/// Issue 16, item 1: a plan set on two PCs at the same time (before their logs met) shows on the
/// screen as `cutover plan` shows it: both kept, the other pointed out in the same words. Setting
/// the plan again on the screen, even to the same words, settles it, on the screen and the command.
#[test]
fn a_plan_set_on_two_pcs_at_the_same_time_is_pointed_out_on_the_screen_as_by_the_command() {
    let workstation = |prefix: &str| {
        let p = common::Practice::empty();
        p.run(&["init", "--practice", "Riverside Surgery", "--fdp", "20/11/2026 17:00", "--prefix", prefix]).success();
        p.run(&["staff", "add", "JS", "--name", "Jo Smith", "--role", "manager"]).success();
        p.run_as("JS", &["staff", "add", "AB", "--name", "Dr Aled Bevan", "--role", "clinician"]).success();
        p
    };
    let office = workstation("M1");
    let desk = workstation("R1");
    office.run_as("JS", &["plan", "set", "appointments", "--how", "Paper book at the desk", "--lead", "JS"]).success();
    desk.run_as("AB", &["plan", "set", "appointments", "--how", "Logged in cutover as booked", "--lead", "AB"])
        .success();
    let file = desk.dir.path().join("desk.cutover");
    desk.run_as("AB", &["export", "--out", file.to_str().unwrap()]).success();
    office.run_as("JS", &["merge", file.to_str().unwrap()]).success();
    let said = common::stdout_of(&office.run(&["plan"]).success());
    let note = said.lines().find(|l| l.contains("at the same time")).expect("the command points it out").trim();

    let location = cutover::config::DatabaseLocation::at(office.db.clone());
    let store = Store::open(&location, cutover::store::OpenMode::Existing).unwrap();
    let mut ui = Ui::signed_in(store);
    ui.key(KeyCode::Char('b'));
    let shown = ui.screen();
    let on_screen: String = shown
        .lines()
        .skip_while(|l| !l.contains("↳"))
        .take_while(|l| !l.contains("Consultations"))
        .map(|l| l.trim_matches(|c| c == '│' || c == ' ').trim_start_matches("↳ "))
        .collect::<Vec<_>>()
        .join(" ");
    assert_eq!(on_screen, note, "{shown}");
    insta::assert_snapshot!("runbook_plan_set_apart", shown);

    // Enter, and the plan as it shows saved again: that settles it, here and on the command line.
    ui.key(KeyCode::Enter);
    ui.key(KeyCode::Enter);
    ui.key(KeyCode::Enter);
    let settled = ui.screen();
    assert!(settled.contains("Plan for Appointments saved; lead "), "{settled}");
    assert!(!settled.contains("at the same time"), "{settled}");
    assert_eq!(ui.store.runbook_rows().unwrap().plan.len(), 3, "every version kept");
    drop(ui);
    let said = common::stdout_of(&office.run(&["plan"]).success());
    assert!(!said.contains("at the same time") && said.contains("2 earlier versions kept"), "{said}");
}

/// The footer of every runbook list ends "F1 Help": F1 opens the help of that list, even while a
/// question is being answered (where ? is typed), and it names every key the list has, the new ones
/// included, from the same table that runs them.
#[test]
fn f1_opens_the_help_of_each_runbook_list_with_all_its_keys() {
    let store = practice("30/11/2026 08:00");
    let mut ui = Ui::signed_in(store);
    ui.key(KeyCode::Char('b'));
    for (list, keys) in [
        ("Plan", &["Plan this kind of work"][..]),
        ("Checklists", &["Untick an item ticked in error, giving the reason", "Another role's checklist"]),
        (
            "Services",
            &[
                "Set any state, such as a step back or not used, with a note",
                "Add a service the practice uses",
                "Chase note",
            ],
        ),
        ("Re-check", &["Matches: it is the same in the new system", "Draw a random sample"]),
        ("Call-backs", &["Registered in the new system"]),
    ] {
        ui.key(KeyCode::F(1));
        let help = ui.screen();
        assert!(help.contains("Keys on this screen"), "{list}: {help}");
        for does in keys {
            assert!(help.contains(does), "{list}: {does:?} in {help}");
        }
        if list == "Services" {
            insta::assert_snapshot!("runbook_services_help", help);
        }
        ui.key(KeyCode::Esc);
        ui.key(KeyCode::Tab);
    }
    // While a question is open, ? is typed into it and F1 still opens the help.
    ui.key(KeyCode::Tab);
    ui.key(KeyCode::Tab);
    ui.key(KeyCode::Char('a'));
    ui.key(KeyCode::Char('?'));
    assert!(ui.screen().contains("> ?"), "{}", ui.screen());
    ui.key(KeyCode::F(1));
    assert!(ui.screen().contains("Keys on this screen"), "{}", ui.screen());
    ui.key(KeyCode::Esc);
    assert!(ui.screen().contains("> ?"), "the question and its answer are still there: {}", ui.screen());
}
