use super::*;
use crate::domain::time;
use crate::store::{Role, StaffMember, Store};

fn now() -> DateTime<Utc> {
    time::parse_uk_datetime("21/11/2026 10:00", Utc::now()).unwrap()
}

fn store() -> (Store, Actor) {
    let store = Store::open_in_memory().unwrap();
    let setup = store.setup_actor(None).unwrap();
    let member = StaffMember { id: "JS".into(), name: "Jo Smith".into(), role: Role::Reception };
    store.write_at(now(), |tx| tx.add_staff(&setup, &member)).unwrap();
    let actor = store.actor(Some("JS")).unwrap();
    (store, actor)
}

fn values(pairs: &[(&str, &str)]) -> Vec<(String, String)> {
    pairs.iter().map(|(k, v)| (k.to_string(), v.to_string())).collect()
}

fn call(reason: &str) -> NewEntry {
    NewEntry {
        kind: Kind::Telephone,
        values: values(&[("summary", "Asked for results"), ("reason", reason)]),
        flags: vec!["urgent".into()],
        patient: PatientGiven::Typed(TypedPatient { nhs_number: Some("999 234 5675".into()), ..Default::default() }),
    }
}

#[test]
fn an_amendment_changes_only_the_fields_it_names() {
    let (store, actor) = store();
    let saved = store.write_at(now(), |tx| log(tx, &actor, &call("Blood results"), false)).unwrap();
    let amendment = Amendment {
        entry: saved.reference.clone(),
        values: values(&[("outcome", "Told to ring back")]),
        reason: Some("Outcome added".into()),
        ..Default::default()
    };
    store.write_at(now(), |tx| amend(tx, &actor, &amendment, false)).unwrap();
    let entry = store.find_entry(&saved.reference).unwrap();
    let current = store.current_revision(&entry).unwrap();
    assert_eq!(current.content.field_str("reason"), Some("Blood results"));
    assert_eq!(current.content.field_str("outcome"), Some("Told to ring back"));
    assert_eq!(current.content.flags, [Flag::Urgent]);
    assert_eq!(current.content.occurred_at, now());
    assert_eq!(current.reason.as_deref(), Some("Outcome added"));
}

#[test]
fn a_voided_entry_takes_no_amendment_and_no_second_void() {
    let (store, actor) = store();
    let saved = store.write_at(now(), |tx| log(tx, &actor, &call("x"), false)).unwrap();
    store.write_at(now(), |tx| void(tx, &actor, &saved.reference, "Logged in error")).unwrap();
    let amendment =
        Amendment { entry: saved.reference.clone(), values: values(&[("outcome", "y")]), ..Default::default() };
    let refused = store.write_at(now(), |tx| amend(tx, &actor, &amendment, false)).unwrap_err();
    assert!(matches!(refused, Error::EntryVoided { .. }), "{refused:?}");
    let again = store.write_at(now(), |tx| void(tx, &actor, &saved.reference, "Again")).unwrap_err();
    assert!(matches!(again, Error::EntryVoided { .. }), "{again:?}");
}

#[test]
fn a_registration_is_about_the_person_in_its_own_fields() {
    let entry = NewEntry {
        kind: Kind::Registration,
        values: values(&[("summary", "New patient"), ("family_name", "Nowak"), ("given_name", "Zofia")]),
        flags: Vec::new(),
        patient: PatientGiven::Typed(TypedPatient { date_of_birth: Some("14/07/1988".into()), ..Default::default() }),
    };
    let checked = check_new(&entry, &|_| true, now()).unwrap();
    let CheckedPatient::New(person) = checked.patient else { panic!("a new patient") };
    assert_eq!(person.family_name.as_deref(), Some("Nowak"));
    assert_eq!(checked.content.field_str("date_of_birth"), Some("1988-07-14"));
}

#[test]
fn stock_not_dispensed_is_about_nobody_whichever_way_the_patient_is_given() {
    let stock = |patient| NewEntry {
        kind: Kind::DispensaryStock,
        values: values(&[("summary", "Count"), ("item", "Amoxicillin"), ("quantity", "84"), ("movement", "count")]),
        flags: Vec::new(),
        patient,
    };
    for patient in [
        PatientGiven::Existing("p1".into()),
        PatientGiven::Typed(TypedPatient { nhs_number: Some("9992345675".into()), ..Default::default() }),
    ] {
        let problems = check_new(&stock(patient), &|_| true, now()).unwrap_err();
        assert_eq!(problems, [FieldProblem::new("patient", Problem::PatientNotWanted)]);
    }
    assert!(check_new(&stock(PatientGiven::default()), &|_| true, now()).is_ok());
}
