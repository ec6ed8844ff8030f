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

fn registration(family: &str, given: &str, dob: &str) -> NewEntry {
    NewEntry {
        kind: Kind::Registration,
        values: values(&[("summary", "New patient"), ("family_name", family), ("given_name", given)]),
        flags: Vec::new(),
        patient: PatientGiven::Typed(TypedPatient { date_of_birth: Some(dob.into()), ..Default::default() }),
    }
}

fn patient_of(store: &Store, reference: &str) -> String {
    let entry = store.find_entry(reference).unwrap();
    store.current_revision(&entry).unwrap().patient_id.expect("a patient")
}

#[test]
fn correcting_a_registrations_details_corrects_its_patient_record() {
    let (store, actor) = store();
    let saved = store.write_at(now(), |tx| log(tx, &actor, &registration("Lis", "Anna", "30.01.41"), false)).unwrap();
    let record = patient_of(&store, &saved.reference);
    let amendment = Amendment {
        entry: saved.reference.clone(),
        values: values(&[("family_name", "Liss"), ("date_of_birth", "31/01/1941")]),
        reason: Some("typo".into()),
        ..Default::default()
    };
    let amended = store.write_at(now(), |tx| amend(tx, &actor, &amendment, false)).unwrap().expect("amended");
    assert!(
        amended.warnings.iter().any(|w| w.to_string().contains("the patient record now reads LISS, Anna (31/01/1941)")),
        "the person is told: {:?}",
        amended.warnings
    );
    assert_eq!(patient_of(&store, &saved.reference), record, "the same record, corrected");
    let patient = store.patient(&record).unwrap().unwrap();
    assert_eq!(patient.family_name.as_deref(), Some("Liss"));
    assert_eq!(patient.given_name.as_deref(), Some("Anna"));
    assert_eq!(patient.date_of_birth.as_deref(), Some("1941-01-31"));
    // The folded names and the name-search index follow.
    let found = store.find_patients("liss", 10, now()).unwrap();
    assert_eq!(found.patients.iter().map(|p| p.id.as_str()).collect::<Vec<_>>(), [record.as_str()]);
    assert!(store.find_patients("lis 30/01/1941", 10, now()).unwrap().patients.is_empty());
    // The corrected details now find the record, not a new one.
    let note = NewEntry {
        kind: Kind::Note,
        values: values(&[("summary", "Called")]),
        flags: Vec::new(),
        patient: PatientGiven::Typed(TypedPatient {
            family_name: Some("Liss".into()),
            given_name: Some("Anna".into()),
            date_of_birth: Some("31/01/1941".into()),
            ..Default::default()
        }),
    };
    let noted = store.write_at(now(), |tx| log(tx, &actor, &note, false)).unwrap();
    assert_eq!(patient_of(&store, &noted.reference), record);
    assert!(store.duplicate_pairs().unwrap().is_empty());
    // Audited by field name, with the entry, and no patient details.
    let audit = store.audit_of(&record).unwrap();
    let corrected = audit.iter().find(|a| a.action == "patient_corrected").expect("audited");
    assert_eq!(corrected.detail["corrected"], serde_json::json!(["family_name", "date_of_birth"]));
    assert_eq!(corrected.detail["reference"], saved.reference.as_str());
    let said = corrected.detail.to_string();
    assert!(!said.contains("Liss") && !said.contains("1941"), "no patient details in the audit trail: {said}");
}

#[test]
fn a_correction_that_matches_another_record_is_pointed_out_never_joined() {
    let (store, actor) = store();
    let liss = store.write_at(now(), |tx| log(tx, &actor, &registration("Liss", "Anna", "30/01/1941"), false)).unwrap();
    let lis = store.write_at(now(), |tx| log(tx, &actor, &registration("Lis", "Anna", "30/01/1941"), false)).unwrap();
    let amendment = Amendment {
        entry: lis.reference.clone(),
        values: values(&[("family_name", "Liss")]),
        reason: Some("typo".into()),
        ..Default::default()
    };
    let amended = store.write_at(now(), |tx| amend(tx, &actor, &amendment, false)).unwrap().expect("amended");
    assert!(
        amended
            .warnings
            .iter()
            .any(|w| matches!(w, Warning::PossibleDuplicate { existing } if existing.contains("LISS, Anna"))),
        "{:?}",
        amended.warnings
    );
    let (a, b) = (patient_of(&store, &liss.reference), patient_of(&store, &lis.reference));
    assert_ne!(a, b, "never joined silently");
    assert_eq!(store.patient(&b).unwrap().unwrap().family_name.as_deref(), Some("Liss"));
    assert_eq!(store.duplicate_pairs().unwrap().len(), 1, "for a person to decide on");
}

#[test]
fn amending_a_registration_without_touching_its_details_leaves_the_record_alone() {
    let (store, actor) = store();
    let saved = store.write_at(now(), |tx| log(tx, &actor, &registration("Lis", "Anna", "30/01/1941"), false)).unwrap();
    let amendment = Amendment {
        entry: saved.reference.clone(),
        values: values(&[("summary", "Moved here")]),
        ..Default::default()
    };
    let amended = store.write_at(now(), |tx| amend(tx, &actor, &amendment, false)).unwrap().expect("amended");
    assert!(amended.warnings.is_empty(), "{:?}", amended.warnings);
    let record = patient_of(&store, &saved.reference);
    assert!(store.audit_of(&record).unwrap().iter().all(|a| a.action != "patient_corrected"));
}

#[test]
fn a_field_seen_as_the_screen_shows_it_is_not_taken_for_a_change_by_someone_else() {
    let (store, actor) = store();
    let mut entry = call("Results");
    entry.values.push(("notes".into(), "First line\r\nSecond line\n".into()));
    let saved = store.write_at(now(), |tx| log(tx, &actor, &entry, false)).unwrap();
    let amendment = Amendment {
        entry: saved.reference.clone(),
        values: values(&[("notes", "First line\nSecond line, checked")]),
        seen: values(&[("notes", "First line\nSecond line")]),
        ..Default::default()
    };
    store.write_at(now(), |tx| amend(tx, &actor, &amendment, false)).unwrap().expect("amended");
    let stale = Amendment {
        entry: saved.reference,
        values: values(&[("notes", "Something else")]),
        seen: values(&[("notes", "First line\nSecond line")]),
        ..Default::default()
    };
    let refused = store.write_at(now(), |tx| amend(tx, &actor, &stale, false)).unwrap_err();
    assert!(matches!(refused, Error::ChangedMeanwhile { .. }), "{refused:?}");
}
