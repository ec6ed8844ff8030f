//! The re-entry queue screen (issue 12) on ratatui's TestBackend: keys in, the drawn screen out
//! (snapshots at 80×24 and 110×32), the real store underneath (in memory), the clock fixed, and
//! after each change what the database holds.

use chrono::{DateTime, Duration, Utc};

use cutover::domain::fields::Kind;
use cutover::domain::time;
use cutover::entries::{self, NewEntry, PatientGiven, TypedPatient};
use cutover::queue::{self, Request};
use cutover::store::{Role, StaffMember, Store, settings_key};
use cutover::tui::{App, Msg, Theme, dispatch, load_start, view};
use ratatui::Terminal;
use ratatui::backend::TestBackend;
use ratatui::crossterm::event::{KeyCode, KeyEvent, KeyModifiers};

fn at(s: &str) -> DateTime<Utc> {
    time::parse_uk_datetime(s, Utc::now()).unwrap()
}

/// Two hours and a half after go-live (Monday 23/11/2026 08:00).
fn now() -> DateTime<Utc> {
    at("23/11/2026 10:30")
}

/// A practice after go-live: JS and KL work the queue, AB is a clinician.
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
                    (settings_key::FDP, time::to_storage(at("20/11/2026 17:00"))),
                    (settings_key::GO_LIVE, time::to_storage(at("23/11/2026 08:00"))),
                ],
            )?;
            tx.add_staff(&actor, &StaffMember { id: "JS".into(), name: "Jo Smith".into(), role: Role::Admin })?;
            tx.add_staff(&actor, &StaffMember { id: "KL".into(), name: "Kim Lowe".into(), role: Role::Admin })?;
            tx.add_staff(&actor, &StaffMember { id: "AB".into(), name: "Dr Aled Bevan".into(), role: Role::Clinician })
        })
        .unwrap();
    store
}

/// Logs an entry through the entry service, as JS, during the cutover; returns its reference.
fn log(store: &Store, kind: Kind, patient: TypedPatient, values: &[(&str, &str)]) -> String {
    let actor = store.actor(Some("JS")).unwrap();
    let mut values: Vec<(String, String)> = values.iter().map(|(k, v)| (k.to_string(), v.to_string())).collect();
    if !values.iter().any(|(k, _)| k == "occurred_at") {
        values.push(("occurred_at".into(), "22/11/2026 10:00".into()));
    }
    let entry = NewEntry { kind, values, flags: Vec::new(), patient: PatientGiven::Typed(patient) };
    store.write_at(now(), |tx| entries::log(tx, &actor, &entry, true)).unwrap().reference
}

fn nhs(number: &str) -> TypedPatient {
    TypedPatient { nhs_number: Some(number.into()), ..Default::default() }
}

fn prescription(store: &Store, number: &str, summary: &str) -> String {
    log(
        store,
        Kind::Prescription,
        nhs(number),
        &[("summary", summary), ("drug", "Amoxicillin 500mg capsules"), ("rx_status", "issued")],
    )
}

fn call(store: &Store, number: &str, summary: &str) -> String {
    log(store, Kind::Telephone, nhs(number), &[("summary", summary), ("direction", "incoming")])
}

/// Where an item stands in the database, its reference in the new system, and who last changed it.
fn stored(store: &Store, reference: &str) -> (String, Option<String>, Option<String>) {
    let items =
        queue::build(store, &queue::QueueQuery { status: queue::StatusFilter::All, ..Default::default() }, now())
            .unwrap()
            .items;
    let item = items.iter().find(|i| i.reference == reference).expect("the item");
    (item.status.name().to_string(), item.new_system_ref.clone(), item.assignee.clone())
}

/// One window of the program at a desk: its own App on the shared database.
struct Desk {
    app: App,
    terminal: Terminal<TestBackend>,
}

impl Desk {
    /// Signed in as `who` (typed into "who is working"), on the queue screen.
    fn at_queue(store: &Store, who: &str, width: u16, height: u16) -> Desk {
        let mut desk = Desk {
            app: App::new(load_start(store, now()).unwrap(), now()),
            terminal: Terminal::new(TestBackend::new(width, height)).unwrap(),
        };
        desk.keys(store, who);
        desk.key(store, KeyCode::Enter);
        desk.keys(store, "g");
        desk
    }

    fn key(&mut self, store: &Store, code: KeyCode) {
        dispatch(store, &mut self.app, Msg::Key(KeyEvent::new(code, KeyModifiers::NONE)));
    }

    fn keys(&mut self, store: &Store, text: &str) {
        for c in text.chars() {
            self.key(store, KeyCode::Char(c));
        }
    }

    /// The clock moves on by `seconds` (the screen reads the queue again by itself).
    fn wait(&mut self, store: &Store, seconds: i64) {
        let later = self.app.now + Duration::seconds(seconds);
        dispatch(store, &mut self.app, Msg::Tick(later));
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

/// Both sizes the issue asks for: the smallest the program draws in, and a common larger one.
const SIZES: [(u16, u16); 2] = [(80, 24), (110, 32)];

/// Issue 12, item 3: `d` asks for the reference, then for a yes showing it; nothing is changed until
/// the yes, and an empty reference is refused while the practice's settings ask for one.
#[test]
fn done_asks_for_the_reference_then_a_yes_showing_it() {
    for (width, height) in SIZES {
        let store = practice();
        let rx = prescription(&store, "943 476 5919", "Amoxicillin issued on FP10");
        let mut desk = Desk::at_queue(&store, "jo", width, height);
        desk.keys(&store, "d");
        let screen = desk.screen();
        assert!(screen.contains(&format!("Done: {rx}")), "{screen}");
        assert!(screen.contains("Its reference in the new system:"), "{screen}");
        desk.key(&store, KeyCode::Enter);
        let screen = desk.screen();
        assert!(screen.contains("Type its reference in the new system"), "an empty reference is refused:\n{screen}");
        assert_eq!(stored(&store, &rx).0, "open");

        desk.keys(&store, "SYS-4471");
        desk.key(&store, KeyCode::Enter);
        let screen = desk.screen();
        insta::assert_snapshot!(format!("done_confirm_{width}x{height}"), screen);
        assert!(screen.contains(&format!("Mark {rx} done: keyed into the new system as SYS-4471.")), "{screen}");
        assert_eq!(stored(&store, &rx).0, "open", "nothing is changed before the yes");

        // Any other key goes back to the reference, as typed.
        desk.key(&store, KeyCode::Esc);
        let screen = desk.screen();
        assert!(screen.contains("> SYS-4471"), "the reference typed is kept:\n{screen}");
        assert_eq!(stored(&store, &rx).0, "open");
        desk.keys(&store, "A");
        desk.key(&store, KeyCode::Enter);
        desk.keys(&store, "y");
        let screen = desk.screen();
        assert!(screen.contains(&format!("{rx} done: it is in the new system.")), "{screen}");
        assert_eq!(stored(&store, &rx), ("done".into(), Some("SYS-4471A".into()), Some("JS".into())));
    }
}

/// Issue 12, item 3: a practice that keys without references says so in its settings; the yes then
/// says that there is none.
#[test]
fn done_with_no_reference_only_where_the_practice_allows_it() {
    let store = practice();
    let rx = prescription(&store, "943 476 5919", "Amoxicillin issued on FP10");
    let actor = store.actor(Some("JS")).unwrap();
    store.write_at(now(), |tx| tx.set_settings(&actor, &[(settings_key::DONE_WITHOUT_REF, "yes".into())])).unwrap();
    let mut desk = Desk::at_queue(&store, "jo", 80, 24);
    desk.keys(&store, "d");
    let screen = desk.screen();
    assert!(screen.contains("Its reference in the new system (if it gave one):"), "{screen}");
    desk.key(&store, KeyCode::Enter);
    let screen = desk.screen();
    assert!(screen.contains(&format!("Mark {rx} done: keyed into the new system, with no reference.")), "{screen}");
    desk.keys(&store, "y");
    assert_eq!(stored(&store, &rx), ("done".into(), None, Some("JS".into())));
}

/// Issue 12, item 3: done and set-aside items are seen on the screen (`s`), and reopened there.
#[test]
fn done_and_set_aside_items_are_listed_and_reopened_from_the_screen() {
    for (width, height) in SIZES {
        let store = practice();
        let rx = prescription(&store, "943 476 5919", "Amoxicillin issued on FP10");
        let phone = call(&store, "999 234 5675", "Asked about a sick note");
        let kl = store.actor(Some("KL")).unwrap();
        let done = Request::Done {
            new_system_ref: Some("SYS-1".into()),
            note: None,
            nhs_number: None,
            waive_nhs: None,
            take_over: false,
        };
        queue::act(&store, &kl, &rx, &done, now()).unwrap();
        queue::act(&store, &kl, &phone, &Request::NotRequired { reason: "Duplicate of R2-0001".into() }, now())
            .unwrap();

        let mut desk = Desk::at_queue(&store, "jo", width, height);
        assert!(desk.screen().contains("Nothing left to key in for this view."), "{}", desk.screen());
        // Still to do, claimed, blocked, queries, then done.
        desk.keys(&store, "ssss");
        let screen = desk.screen();
        insta::assert_snapshot!(format!("done_view_{width}x{height}"), screen);
        assert!(screen.contains("Re-entry queue: done, 1–1 of 1"), "{screen}");
        assert!(screen.contains("done KL"), "{screen}");
        assert!(screen.contains("Done by KL, its reference SYS-1. r reopens it."), "{screen}");
        desk.keys(&store, "s");
        let screen = desk.screen();
        assert!(screen.contains("set aside KL") && screen.contains("Asked about a sick"), "{screen}");
        desk.keys(&store, "r");
        assert!(desk.screen().contains(&format!("{phone} is open again.")), "{}", desk.screen());
        assert_eq!(stored(&store, &phone).0, "open");
        desk.keys(&store, "s");
        let screen = desk.screen();
        assert!(
            screen.contains("Re-entry queue: still to do, 1–1 of 1") && screen.contains("Asked about a sick"),
            "{screen}"
        );
    }
}

/// Issue 12, item 5: another admin's claim shows within seconds, with no key pressed.
#[test]
fn another_admins_claim_shows_without_leaving_the_screen() {
    let store = practice();
    let rx = prescription(&store, "943 476 5919", "Amoxicillin issued on FP10");
    let mut jo = Desk::at_queue(&store, "jo", 80, 24);
    let mut kim = Desk::at_queue(&store, "kl", 80, 24);
    kim.keys(&store, "c");
    assert!(kim.screen().contains(&format!("{rx} is yours until")), "{}", kim.screen());
    assert!(!jo.screen().contains("claimed KL"), "not read again yet:\n{}", jo.screen());
    jo.wait(&store, 1);
    assert!(!jo.screen().contains("claimed KL"), "read every few seconds, not on every tick");
    jo.wait(&store, 3);
    let screen = jo.screen();
    assert!(screen.contains("claimed KL"), "{screen}");
    assert!(screen.contains("Claimed by KL until 23/11/2026 14:30."), "{screen}");
}

/// Issue 12, item 5: a change someone else's claim stops is refused before anything is typed.
#[test]
fn a_refusal_comes_before_the_reference_or_question_is_typed() {
    let store = practice();
    let rx = prescription(&store, "943 476 5919", "Amoxicillin issued on FP10");
    let mut jo = Desk::at_queue(&store, "jo", 80, 24);
    queue::act(&store, &store.actor(Some("KL")).unwrap(), &rx, &Request::Claim { take_over: false }, now()).unwrap();
    for key in ["d", "x", "n"] {
        jo.keys(&store, key);
        let screen = jo.screen();
        assert!(screen.contains(&format!("{rx} is claimed by KL until 23/11/2026 14:30")), "{key}: {screen}");
        assert!(screen.contains("press t to take it over"), "{key}: {screen}");
        assert!(
            jo.app.status.is_some() && !screen.contains("Its reference") && !screen.contains("question"),
            "{screen}"
        );
        // The next key is a key again: no question is waiting for it.
        jo.keys(&store, "q");
        assert!(!jo.screen().contains("> q"), "{}", jo.screen());
    }
    assert_eq!(stored(&store, &rx), ("claimed".into(), None, Some("KL".into())));
    // Taking it over asks for a yes, then the item is Jo's.
    jo.keys(&store, "t");
    let screen = jo.screen();
    assert!(screen.contains(&format!("Take {rx} over?")), "{screen}");
    jo.keys(&store, "y");
    assert!(jo.screen().contains(&format!("{rx} taken over from KL")), "{}", jo.screen());
    assert_eq!(stored(&store, &rx), ("claimed".into(), None, Some("JS".into())));
}

/// Issue 12, item 5: when the refusal can only come after typing (someone claimed the item
/// meanwhile), what was typed stays, to be sent again or left.
#[test]
fn nothing_typed_is_lost_when_a_change_is_refused_after_typing() {
    for (width, height) in SIZES {
        let store = practice();
        let rx = prescription(&store, "943 476 5919", "Amoxicillin issued on FP10");
        let mut jo = Desk::at_queue(&store, "jo", width, height);
        jo.keys(&store, "x");
        jo.keys(&store, "Which strength: 250 or 500?");
        queue::act(&store, &store.actor(Some("KL")).unwrap(), &rx, &Request::Claim { take_over: false }, now())
            .unwrap();
        // The screen reads the queue again meanwhile: the question stays.
        jo.wait(&store, 5);
        assert!(jo.screen().contains("> Which strength: 250 or 500?"), "{}", jo.screen());
        jo.key(&store, KeyCode::Enter);
        // For whom: left empty (whoever logged it if a clinician, else any clinician).
        jo.key(&store, KeyCode::Enter);
        let screen = jo.screen();
        insta::assert_snapshot!(format!("refused_after_typing_{width}x{height}"), screen);
        assert!(screen.contains("is claimed by KL"), "{screen}");
        assert!(screen.contains("> Which strength: 250 or 500?"), "back at the question, as typed:\n{screen}");
        assert_eq!(stored(&store, &rx).0, "claimed");
        // KL lets it go: the same question is sent as typed.
        queue::act(&store, &store.actor(Some("KL")).unwrap(), &rx, &Request::Release, now()).unwrap();
        jo.key(&store, KeyCode::Enter);
        jo.key(&store, KeyCode::Enter);
        assert!(jo.screen().contains(&format!("{rx} is waiting for a clinician.")), "{}", jo.screen());
        assert_eq!(stored(&store, &rx).0, "query");
        let asked = store.reentry_history(&store_id(&store, &rx)).unwrap().last().unwrap().note.clone();
        assert_eq!(asked.as_deref(), Some("Which strength: 250 or 500?"));
    }
}

fn store_id(store: &Store, reference: &str) -> String {
    store.find_entry(reference).unwrap().id
}

fn named(family: &str, given: &str, dob: &str, number: &str) -> TypedPatient {
    TypedPatient {
        nhs_number: Some(number.into()),
        family_name: Some(family.into()),
        given_name: Some(given.into()),
        date_of_birth: Some(dob.into()),
        ..Default::default()
    }
}

/// 120 telephone calls for Rhys Evans (tier 3), a prescription for Siân Jones (tier 1) and a
/// summarisation (tier 4): more than two pages.
fn long_queue() -> Store {
    let store = practice();
    prescription(&store, "943 476 5919", "Amoxicillin issued on FP10");
    log(
        &store,
        Kind::Prescription,
        named("Jones", "Siân", "03/04/1950", "943 476 5919"),
        &[
            ("summary", "Second prescription"),
            ("drug", "Paracetamol 500mg tablets"),
            ("rx_status", "issued"),
            ("occurred_at", "22/11/2026 10:05"),
        ],
    );
    for n in 1..=120 {
        let minute = format!("22/11/2026 {:02}:{:02}", 8 + n / 60, n % 60);
        log(
            &store,
            Kind::Telephone,
            named("Evans", "Rhys", "05/06/1970", "999 234 5675"),
            &[
                ("summary", &format!("Call number {n} about results")),
                ("direction", "incoming"),
                ("occurred_at", &minute),
            ],
        );
    }
    log(&store, Kind::Summarisation, nhs("999 469 1341"), &[("summary", "Summarised notes")]);
    store
}

/// Issue 12, item 4: the whole queue is reachable, a page at a time: PgDn/PgUp, and ↓/↑ past the
/// end or start of a page.
#[test]
fn the_whole_queue_is_reached_a_page_at_a_time() {
    for (width, height) in SIZES {
        let store = long_queue();
        let mut desk = Desk::at_queue(&store, "jo", width, height);
        assert!(desk.screen().contains("Re-entry queue: still to do, 1–50 of 123"), "{}", desk.screen());
        desk.key(&store, KeyCode::PageDown);
        let screen = desk.screen();
        insta::assert_snapshot!(format!("second_page_{width}x{height}"), screen);
        assert!(screen.contains("still to do, 51–100 of 123"), "{screen}");
        assert!(screen.lines().any(|l| l.starts_with("│51 ")), "rank 51 first:\n{screen}");
        // ↓ past the page's last item goes on to the next page.
        for _ in 0..50 {
            desk.key(&store, KeyCode::Down);
        }
        assert!(desk.screen().contains("still to do, 101–123 of 123"), "{}", desk.screen());
        for _ in 0..30 {
            desk.key(&store, KeyCode::Down);
        }
        let screen = desk.screen();
        assert!(
            screen.contains("Summarised notes") && screen.lines().any(|l| l.starts_with("│123 ")),
            "the last item is reached:\n{screen}"
        );
        desk.key(&store, KeyCode::PageDown);
        assert!(desk.screen().contains("101–123 of 123"), "no page after the last");
        // ↑ past the page's first item goes back, to the last of the page before.
        for _ in 0..23 {
            desk.key(&store, KeyCode::Up);
        }
        let screen = desk.screen();
        assert!(screen.contains("51–100 of 123") && screen.lines().any(|l| l.starts_with("│100 ")), "{screen}");
        desk.key(&store, KeyCode::PageUp);
        desk.key(&store, KeyCode::PageUp);
        assert!(desk.screen().contains("still to do, 1–50 of 123"), "{}", desk.screen());
    }
}

/// Issue 12, item 4: `/` searches by reference, patient (accents or none) or words of the summary;
/// Esc clears the search before it leaves.
#[test]
fn search_finds_by_reference_patient_or_words() {
    for (width, height) in SIZES {
        let store = long_queue();
        let mut desk = Desk::at_queue(&store, "jo", width, height);
        desk.keys(&store, "/r2-0077");
        let screen = desk.screen();
        insta::assert_snapshot!(format!("search_typing_{width}x{height}"), screen);
        assert!(screen.contains("Search: r2-0077▏"), "{screen}");
        desk.key(&store, KeyCode::Enter);
        let screen = desk.screen();
        assert!(screen.contains("1–1 of 1 · all kinds · \"r2-0077\""), "{screen}");
        assert!(screen.contains("Call number 75 about results") || screen.contains("Call number 75"), "{screen}");
        desk.key(&store, KeyCode::Esc);
        assert!(desk.screen().contains("1–50 of 123"), "Esc clears the search:\n{}", desk.screen());

        for (typed, count) in [("sian", "1–2 of 2"), ("jones second", "1–1 of 1"), ("results evans", "1–50 of 120")]
        {
            desk.keys(&store, "/");
            for _ in 0..20 {
                desk.key(&store, KeyCode::Backspace);
            }
            desk.keys(&store, typed);
            desk.key(&store, KeyCode::Enter);
            let screen = desk.screen();
            assert!(screen.contains(count), "{typed}: {screen}");
        }
        let screen = desk.screen();
        insta::assert_snapshot!(format!("search_found_{width}x{height}"), screen);
        desk.keys(&store, "/");
        for _ in 0..20 {
            desk.key(&store, KeyCode::Backspace);
        }
        desk.keys(&store, "nobody at all");
        desk.key(&store, KeyCode::Enter);
        assert!(desk.screen().contains("Nothing matches. Esc clears the search"), "{}", desk.screen());
        desk.key(&store, KeyCode::Esc);
        desk.key(&store, KeyCode::Esc);
        assert!(desk.screen().contains("New entry: press a key"), "{}", desk.screen());
    }
}

/// Issue 12, item 4: filters by tier (`i`), kind (`k`), status (`s`) and "mine" (`m`).
#[test]
fn the_queue_is_filtered_by_tier_kind_status_and_mine() {
    let store = long_queue();
    let kl = store.actor(Some("KL")).unwrap();
    let js = store.actor(Some("JS")).unwrap();
    queue::act(&store, &js, "R2-0003", &Request::Claim { take_over: false }, now()).unwrap();
    queue::act(&store, &kl, "R2-0004", &Request::Claim { take_over: false }, now()).unwrap();
    let mut desk = Desk::at_queue(&store, "jo", 80, 24);
    desk.keys(&store, "i");
    let screen = desk.screen();
    assert!(screen.contains("1–2 of 2 · all kinds · tier 1") && screen.contains("Amoxicillin"), "{screen}");
    desk.keys(&store, "iii");
    assert!(desk.screen().contains("1–1 of 1 · all kinds · tier 4"), "{}", desk.screen());
    desk.keys(&store, "i");
    assert!(desk.screen().contains("1–50 of 123 · all kinds"), "{}", desk.screen());
    // Kinds in the order of the list: appointment, consultation, home visit, telephone call.
    desk.keys(&store, "kkkk");
    assert!(desk.screen().contains("1–50 of 120 · Telephone call"), "{}", desk.screen());
    desk.keys(&store, "m");
    let screen = desk.screen();
    assert!(screen.contains("1–1 of 1 · Telephone call · mine") && screen.contains("claimed JS"), "{screen}");
    desk.keys(&store, "m");
    desk.keys(&store, "s");
    let screen = desk.screen();
    assert!(screen.contains("Re-entry queue: claimed, 1–2 of 2 · Telephone call"), "{screen}");
    assert!(screen.contains("claimed KL") && screen.contains("claimed JS"), "{screen}");
}

/// Issue 12, item 7: in every list (home, entries, queue) at 80×24, a cell too long for its column
/// ends in "…", a date of birth is never cut, and neither is a kind.
#[test]
fn lists_cut_with_an_ellipsis_and_never_cut_a_date_of_birth_or_a_kind() {
    let store = practice();
    let patient = named("Kowalska-Wiśniewska", "Łucja Bożena", "16/04/1987", "999 469 1341");
    let letter = log(
        &store,
        Kind::Correspondence,
        patient,
        &[
            ("summary", "Discharge summary from the Royal Infirmary with a change of medication"),
            ("source", "discharge"),
        ],
    );
    let mut desk = Desk::at_queue(&store, "jo", 80, 24);
    let queue = desk.screen();
    desk.key(&store, KeyCode::Esc);
    let home = desk.screen();
    desk.keys(&store, "e");
    let entries = desk.screen();
    for (list, screen) in [("queue", &queue), ("home", &home), ("entries", &entries)] {
        let row = screen
            .lines()
            .find(|l| l.contains("Correspondence") && l.contains("Discharge"))
            .unwrap_or_else(|| panic!("{list}: the kind is cut\n{screen}"));
        assert!(row.contains("(16/04/1987)"), "{list}: the date of birth is cut\n{screen}");
        assert!(row.contains("KOWAL") && row.contains('…'), "{list}: a cut without a sign\n{screen}");
        assert!(row.contains("Discharge"), "{list}\n{screen}");
    }
    assert!(entries.contains(&letter) && home.contains(&letter));
}

/// Issue 12, item 7: the item's details scroll: a long consultation is read to its last line.
#[test]
fn the_details_of_a_long_consultation_scroll_to_the_end() {
    for (width, height) in SIZES {
        let store = practice();
        let notes: Vec<String> = (1..=40).map(|n| format!("Line {n} of the history")).collect();
        log(
            &store,
            Kind::Consultation,
            nhs("943 476 5919"),
            &[("summary", "Long consultation"), ("clinician", "Dr Bevan"), ("history", &notes.join("\n"))],
        );
        let mut desk = Desk::at_queue(&store, "jo", width, height);
        let screen = desk.screen();
        assert!(screen.contains("▼ more below: ] scrolls down"), "{screen}");
        assert!(!screen.contains("Line 40 of the history"), "{screen}");
        for _ in 0..12 {
            desk.keys(&store, "]");
        }
        let screen = desk.screen();
        insta::assert_snapshot!(format!("details_scrolled_{width}x{height}"), screen);
        assert!(screen.contains("Line 40 of the history"), "{screen}");
        assert!(screen.contains("▲ more above: [ scrolls up"), "{screen}");
        desk.keys(&store, "[[[[[[[[[[[[");
        assert!(desk.screen().contains("Why here:"), "{}", desk.screen());
    }
}

/// A patient not traced yet: a new registration, and a prescription that waits for it.
fn new_patient(store: &Store) -> (String, String) {
    let patient = TypedPatient {
        family_name: Some("Pryce".into()),
        given_name: Some("Megan".into()),
        date_of_birth: Some("12/09/1988".into()),
        ..Default::default()
    };
    let registration = log(
        store,
        Kind::Registration,
        patient.clone(),
        &[("summary", "New patient"), ("occurred_at", "22/11/2026 09:00")],
    );
    let rx = log(
        store,
        Kind::Prescription,
        patient,
        &[
            ("summary", "Inhaler issued"),
            ("drug", "Salbutamol 100mcg inhaler"),
            ("rx_status", "issued"),
            ("occurred_at", "22/11/2026 09:30"),
        ],
    );
    (registration, rx)
}

fn item(store: &Store, reference: &str) -> queue::ReentryItem {
    let all = queue::QueueQuery { status: queue::StatusFilter::All, ..Default::default() };
    queue::build(store, &all, now()).unwrap().items.into_iter().find(|i| i.reference == reference).unwrap()
}

/// Issue 12, item 2: finishing a registration on the screen asks, right there, for the NHS number
/// the new system traced; once it is done, what waited for it is unblocked and carries the number.
#[test]
fn finishing_a_registration_asks_for_the_traced_nhs_number_and_unblocks_what_waits() {
    for (width, height) in SIZES {
        let store = practice();
        let (registration, rx) = new_patient(&store);
        assert_eq!(item(&store, &rx).status.name(), "blocked");
        let mut desk = Desk::at_queue(&store, "jo", width, height);
        assert!(desk.screen().contains(&format!("New registration {registration}")), "first:\n{}", desk.screen());
        // Done on what waits is refused before anything is typed, with the reason.
        desk.key(&store, KeyCode::Down);
        desk.keys(&store, "d");
        assert!(desk.screen().contains(&format!("waits for registration {registration}")), "{}", desk.screen());
        desk.key(&store, KeyCode::Up);
        desk.keys(&store, "d");
        desk.keys(&store, "EMIS-88120");
        desk.key(&store, KeyCode::Enter);
        let screen = desk.screen();
        assert!(screen.contains("The NHS number the new system traced"), "{screen}");
        desk.keys(&store, "999 703 7015");
        desk.key(&store, KeyCode::Enter);
        assert!(desk.screen().contains("That is not a valid NHS number"), "{}", desk.screen());
        desk.key(&store, KeyCode::Backspace);
        desk.keys(&store, "4");
        desk.key(&store, KeyCode::Enter);
        let screen = desk.screen();
        insta::assert_snapshot!(format!("registration_confirm_{width}x{height}"), screen);
        assert!(screen.contains("NHS number traced: 999 703 7014"), "{screen}");
        assert!(screen.contains("it traced, 999 703 7014,") && screen.contains("on the patient's items."), "{screen}");
        desk.keys(&store, "y");
        assert!(desk.screen().contains(&format!("{registration} done")), "{}", desk.screen());
        assert_eq!(stored(&store, &registration), ("done".into(), Some("EMIS-88120".into()), Some("JS".into())));
        let waited = item(&store, &rx);
        assert_eq!((waited.status.name(), waited.nhs_number.as_deref()), ("open", Some("9997037014")));
        let screen = desk.screen();
        assert!(screen.contains("Inhaler issued") && !screen.contains("blocked"), "unblocked:\n{screen}");
        assert!(
            screen.contains("Patient: PRYCE, Megan (12/09/1988) 999 703 7014 (traced at registration)"),
            "what to key it with:\n{screen}"
        );
    }
}

/// Issue 12, item 2: a registration the new system could not trace is finished with the reason,
/// which the yes repeats; the number it traced may already be another record's, and is asked about.
#[test]
fn a_registration_is_finished_with_a_waiver_or_a_number_held_elsewhere_after_a_yes() {
    let store = practice();
    let (registration, rx) = new_patient(&store);
    let mut desk = Desk::at_queue(&store, "jo", 80, 24);
    desk.keys(&store, "d");
    desk.keys(&store, "EMIS-1");
    desk.key(&store, KeyCode::Enter);
    desk.key(&store, KeyCode::Enter);
    assert!(desk.screen().contains("why may the patient be registered without one?"), "{}", desk.screen());
    desk.key(&store, KeyCode::Enter);
    assert!(desk.screen().contains("An answer is needed here"), "{}", desk.screen());
    desk.keys(&store, "Temporary resident, trace failed");
    desk.key(&store, KeyCode::Enter);
    let screen = desk.screen();
    assert!(screen.contains("without an NHS number: Temporary resident, trace failed."), "{screen}");
    desk.keys(&store, "y");
    assert_eq!(stored(&store, &registration).0, "done");
    assert_eq!(item(&store, &rx).status.name(), "blocked", "its prescription still needs a number or a waiver");

    // Another new patient, whose traced number is already Siân Jones's.
    let store = practice();
    log(&store, Kind::Note, named("Jones", "Siân", "03/04/1950", "943 476 5919"), &[("summary", "On the list")]);
    let (registration, _) = new_patient(&store);
    let mut desk = Desk::at_queue(&store, "jo", 80, 24);
    let row = desk.screen().lines().position(|l| l.contains("Registration")).unwrap();
    let first = desk.screen().lines().position(|l| l.starts_with("│1 ")).unwrap();
    for _ in first..row {
        desk.key(&store, KeyCode::Down);
    }
    desk.keys(&store, "d");
    desk.keys(&store, "EMIS-2");
    desk.key(&store, KeyCode::Enter);
    desk.keys(&store, "9434765919");
    desk.key(&store, KeyCode::Enter);
    desk.keys(&store, "y");
    let screen = desk.screen();
    assert!(screen.contains("already belongs to JONES, Siân"), "the database asks first:\n{screen}");
    assert_eq!(stored(&store, &registration).0, "open");
    desk.keys(&store, "y");
    assert_eq!(stored(&store, &registration).0, "done");
}

/// Issue 12, item 1: a query asked on the screen for a clinician, seen and answered by them in
/// their "queries for you", and back in the admin's queue with the answer on it.
#[test]
fn a_query_is_asked_answered_by_its_clinician_and_comes_back_with_the_answer() {
    for (width, height) in SIZES {
        let store = practice();
        let rx = prescription(&store, "943 476 5919", "Amoxicillin issued on FP10");
        let mut jo = Desk::at_queue(&store, "jo", width, height);
        jo.keys(&store, "a");
        assert!(jo.screen().contains("Only a clinician can answer a query"), "{}", jo.screen());
        jo.keys(&store, "x");
        jo.keys(&store, "Which strength: 250 or 500?");
        jo.key(&store, KeyCode::Enter);
        jo.keys(&store, "kl");
        jo.key(&store, KeyCode::Enter);
        assert!(jo.screen().contains("Not a clinician on the staff list: type one of AB"), "{}", jo.screen());
        for _ in 0..2 {
            jo.key(&store, KeyCode::Backspace);
        }
        jo.keys(&store, "ab");
        jo.key(&store, KeyCode::Enter);
        let screen = jo.screen();
        assert!(screen.contains(&format!("{rx} is waiting for a clinician.")), "{screen}");
        assert!(screen.contains("query for AB"), "{screen}");
        assert!(
            screen.contains("Question from JS on 23/11/2026 10:30, for AB: Which strength: 250 or 500?"),
            "{screen}"
        );

        let mut bevan = Desk::at_queue(&store, "bev", width, height);
        let screen = bevan.screen();
        insta::assert_snapshot!(format!("queries_for_a_clinician_{width}x{height}"), screen);
        assert!(screen.contains("Re-entry queue: queries for you, 1–1 of 1"), "{screen}");
        bevan.keys(&store, "a");
        bevan.keys(&store, "500 mg three times a day");
        bevan.key(&store, KeyCode::Enter);
        let screen = bevan.screen();
        assert!(screen.contains(&format!("{rx} answered: it is back in the queue for the admin staff.")), "{screen}");
        assert!(screen.contains("queries for you, 0 of 0"), "{screen}");

        jo.wait(&store, 5);
        let screen = jo.screen();
        insta::assert_snapshot!(format!("answered_{width}x{height}"), screen);
        assert!(screen.contains("answered"), "{screen}");
        assert!(screen.contains("Answer from AB on 23/11/2026 10:30: 500 mg three times a day"), "{screen}");
        assert_eq!(stored(&store, &rx).0, "open");
    }
}

// ----- Issue 14: what two PCs did apart reaches the screens where staff work -----

/// A PC of the practice: its own database file, set up as `practice` sets one up.
fn pc(dir: &std::path::Path, name: &str, prefix: &str) -> Store {
    let location = cutover::config::DatabaseLocation::at(dir.join(format!("{prefix}.db")));
    let store = Store::open(&location, cutover::store::OpenMode::Create).unwrap();
    let actor = store.setup_actor(None).unwrap();
    store
        .write_at(now(), |tx| {
            tx.set_local_workstation(Some(name), Some(prefix))?;
            tx.set_settings(
                &actor,
                &[
                    (settings_key::PRACTICE, "Riverside Surgery".into()),
                    (settings_key::FDP, time::to_storage(at("20/11/2026 17:00"))),
                    (settings_key::GO_LIVE, time::to_storage(at("23/11/2026 08:00"))),
                ],
            )?;
            tx.add_staff(&actor, &StaffMember { id: "JS".into(), name: "Jo Smith".into(), role: Role::Admin })?;
            tx.add_staff(&actor, &StaffMember { id: "KL".into(), name: "Kim Lowe".into(), role: Role::Admin })
        })
        .unwrap();
    store
}

/// One sharing round on each PC in turn, through `folder`, at `when`.
fn rounds(folder: &std::path::Path, pcs: &[&Store], when: DateTime<Utc>) {
    for store in pcs {
        let actor = store.actor(Some("JS")).unwrap();
        cutover::sync::round(store, folder, &actor, when).unwrap();
    }
}

/// Issue 14, item 4 on the screens: two admins claim one item on two PCs before either has seen the
/// other's claim. The sharing rounds settle it (JS's claim stands); the admin whose claim was lost
/// (KL, at the front desk) is told on the home screen and on the item itself, not only by a claim
/// that vanished; once the item has been looked at, the home screen no longer counts it.
#[test]
fn a_claim_lost_to_another_pc_is_shown_on_the_home_screen_and_on_the_item() {
    let dir = tempfile::tempdir().unwrap();
    let folder = dir.path().join("share");
    std::fs::create_dir(&folder).unwrap();
    let front = pc(dir.path(), "Reception 1", "R1");
    let room = pc(dir.path(), "Consulting room 1", "C1");
    let rx = prescription(&front, "943 476 5919", "Amoxicillin issued on FP10");
    rounds(&folder, &[&front, &room], now());
    let claim = Request::Claim { take_over: false };
    queue::act(&front, &front.actor(Some("KL")).unwrap(), &rx, &claim, now()).unwrap();
    queue::act(&room, &room.actor(Some("JS")).unwrap(), &rx, &claim, now() + Duration::minutes(1)).unwrap();
    let signed_in = |store: &Store, who: &str, (width, height): (u16, u16)| {
        let mut desk = Desk {
            app: App::new(load_start(store, now()).unwrap(), now()),
            terminal: Terminal::new(TestBackend::new(width, height)).unwrap(),
        };
        desk.keys(store, who);
        desk.key(store, KeyCode::Enter);
        desk
    };
    let flat = |screen: &str| screen.replace('│', " ").split_whitespace().collect::<Vec<_>>().join(" ");
    // Kim is at the front desk's home screen while the PCs share, by themselves, in the background.
    let mut kim = signed_in(&front, "kl", SIZES[0]);
    rounds(&folder, &[&front, &room], now() + Duration::minutes(2));
    let later = now() + Duration::minutes(3);
    let status = cutover::tui::sharing_round(&front, &folder, Some("KL"), later, Default::default());
    dispatch(&front, &mut kim.app, Msg::Shared(status));
    assert_eq!(stored(&front, &rx).2.as_deref(), Some("JS"), "JS's claim stands on every PC");
    let screen = kim.screen();
    insta::assert_snapshot!("clash_home_80x24", screen);
    assert!(screen.contains(&format!("1 clash between PCs to look at: {rx} (claimed on two PCs)")), "{screen}");
    kim.keys(&front, "g");
    let told = "Claimed on two PCs at once, neither knowing of the other: KL on R1 and JS on C1. It is JS's on every PC: KL, leave it to JS.";
    assert!(flat(&kim.screen()).contains(told), "{}", kim.screen());
    kim.key(&front, KeyCode::Esc);
    let screen = kim.screen();
    assert!(!screen.contains("clash"), "looked at: no longer counted\n{screen}");
    // The item still says so, whenever it is opened, at any size.
    for size in SIZES {
        let mut kim = signed_in(&front, "kl", size);
        kim.keys(&front, "g");
        let screen = kim.screen();
        insta::assert_snapshot!(format!("clash_on_the_item_{}x{}", size.0, size.1), screen);
        assert!(flat(&screen).contains(told), "{screen}");
    }
    // The other PC counts it too, until someone there looks at the entry: from the entries list too.
    let mut jo = signed_in(&room, "jo", SIZES[1]);
    let screen = jo.screen();
    assert!(screen.contains(&format!("1 clash between PCs to look at: {rx} (claimed on two PCs)")), "{screen}");
    jo.keys(&room, "e");
    jo.key(&room, KeyCode::Enter);
    assert!(flat(&jo.screen()).contains(told), "{}", jo.screen());
    jo.key(&room, KeyCode::Esc);
    jo.key(&room, KeyCode::Esc);
    let screen = jo.screen();
    assert!(screen.contains("New entry: press a key") && !screen.contains("clash"), "{screen}");
}

/// Issue 14: a PC set up by copying another's database takes its own identity, and the entries
/// logged on it since the copy take new references. Their paper forms carry the old ones: the
/// searches of the entries list and of the queue find them by it, and the entry says it was renumbered.
#[test]
fn an_entry_renumbered_when_its_pc_took_its_own_identity_is_found_by_its_old_reference() {
    let dir = tempfile::tempdir().unwrap();
    let original = pc(dir.path(), "Reception 2", "R2");
    prescription(&original, "943 476 5919", "Before the copy");
    let path = original.path().to_path_buf();
    drop(original);
    let copied = dir.path().join("copied");
    std::fs::create_dir(&copied).unwrap();
    std::fs::copy(&path, copied.join("R2.db")).unwrap();
    let location = cutover::config::DatabaseLocation::at(copied.join("R2.db"));
    let copy = Store::open(&location, cutover::store::OpenMode::Existing).unwrap();
    let on_copy = prescription(&copy, "999 234 5675", "Logged on the copy");
    assert_eq!(on_copy, "R2-0002");
    let moved = copy.moved_from().unwrap().expect("the copy knows it is one");
    let actor = copy.setup_actor(Some("JS")).unwrap();
    copy.write_at(now(), |tx| tx.take_new_identity(&actor, &moved, Some("Desk 3"), Some("D3"))).unwrap();
    let told = "This entry was renumbered from R2-0002 to D3-0001";
    let flat = |screen: &str| screen.replace('│', " ").split_whitespace().collect::<Vec<_>>().join(" ");

    let mut jo = Desk {
        app: App::new(load_start(&copy, now()).unwrap(), now()),
        terminal: Terminal::new(TestBackend::new(80, 24)).unwrap(),
    };
    jo.keys(&copy, "jo");
    jo.key(&copy, KeyCode::Enter);
    jo.keys(&copy, "e/r2-0002");
    jo.key(&copy, KeyCode::Enter);
    let screen = jo.screen();
    assert!(screen.contains("D3-0001") && !screen.contains("Before the copy"), "{screen}");
    jo.key(&copy, KeyCode::Enter);
    assert!(flat(&jo.screen()).contains(told), "{}", jo.screen());
    jo.key(&copy, KeyCode::Esc);
    jo.key(&copy, KeyCode::Esc);
    jo.key(&copy, KeyCode::Esc);
    jo.keys(&copy, "g/R2-0002");
    jo.key(&copy, KeyCode::Enter);
    let screen = jo.screen();
    insta::assert_snapshot!("renumbered_found_by_its_old_reference_80x24", screen);
    assert!(screen.contains("1–1 of 1") && screen.contains("Logged on the copy"), "{screen}");
    assert!(flat(&screen).contains(told), "{screen}");
}
