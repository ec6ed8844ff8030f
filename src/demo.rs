//! Realistic, clearly fictitious cutover data: the same seed always makes the same database.
//!
//! An invented practice's 63 hours between the final data production (Friday 20/11/2026 17:00)
//! and go-live on the new system (Monday 23/11/2026 08:00): its staff and workstations, about one
//! patient for every two entries (NHS numbers from the 999 test range), and entries of every kind,
//! busiest while the practice is open. Each entry is built from typed values by `build_content`,
//! as `cutover log` builds it, so demo data passes the same validation as real data.
//!
//! Everything follows from the seed: one random stream chooses the content, and the store's seeded
//! ids (`Tx::use_seeded_ids`) name the rows, so one seed makes the same database, ids included.

use std::collections::{HashMap, HashSet};

use chrono::{DateTime, Datelike, NaiveDate, TimeDelta, Timelike, Utc, Weekday};
use rand::{Rng, SeedableRng};
use rand_chacha::ChaCha8Rng;

use crate::domain::Problem;
use crate::domain::fields::{self, EntryContent, FieldProblem, Flag, Kind, PatientInput};
use crate::domain::nhs::{self, NhsNumber};
use crate::domain::text::fold;
use crate::domain::time::{self, UK};
use crate::error::{Error, Result};
use crate::store::{Actor, Role, SavedEntry, StaffMember, Store, Tx, Workstation, settings_key};

pub struct Made {
    pub entries: u32,
    pub patients: u32,
}

const PRACTICE: &str = "Riverside Demo Surgery (fictitious)";
const ODS: &str = "Y99999";
const OLD_SYSTEM: &str = "EMIS Web";
const NEW_SYSTEM: &str = "SystmOne";
/// UK local times: the practice manager sets up on the Wednesday before.
const SET_UP_AT: &str = "18/11/2026 14:30";
const FDP_AT: &str = "20/11/2026 17:00";
const GO_LIVE_AT: &str = "23/11/2026 08:00";

/// Fills `store` (an empty database) with `entries` entries of a fictitious practice's cutover, in
/// one transaction. The same seed always makes the same content, ids included.
pub fn generate(store: &Store, entries: u32, seed: u64) -> Result<Made> {
    let set_up_at = uk_time("set_up_at", SET_UP_AT)?;
    let fdp = uk_time(settings_key::FDP, FDP_AT)?;
    let go_live = uk_time(settings_key::GO_LIVE, GO_LIVE_AT)?;
    // The whole cutover is one transaction: a page cache big enough for most of it, and statement
    // journals in memory, keep it from writing and re-reading pages before it commits.
    store.with_bulk_cache(BULK_CACHE_MIB, || {
        store.write_at(set_up_at, |tx| {
            tx.use_seeded_ids(seed);
            // A stream of its own, so the content never repeats the bytes the store's ids are made from.
            let mut rng = ChaCha8Rng::seed_from_u64(seed);
            rng.set_stream(1);
            let workstations = set_up_practice(store, tx, &mut rng, fdp, go_live)?;
            let mut demo = Demo::new(tx, rng, workstations, fdp, go_live, entries);
            demo.run()?;
            Ok(Made { entries: demo.logged, patients: u32::try_from(demo.patients.len()).unwrap_or(u32::MAX) })
        })
    })
}

/// MiB of page cache while generating: most of the gain of keeping 100,000 entries in memory.
const BULK_CACHE_MIB: i64 = 64;

fn uk_time(field: &str, text: &str) -> Result<DateTime<Utc>> {
    time::parse_uk_datetime(text, DateTime::<Utc>::UNIX_EPOCH).map_err(|p| refused(field, p))
}

/// A value made here that the domain refused: a bug in this generator, reported, never a panic.
fn refused(field: &str, problem: Problem) -> Error {
    Error::Invalid(vec![FieldProblem::new(field, problem)])
}

// ---------------------------------------------------------------------------------------------
// The practice: staff and workstations.

/// Workstations by index; the first is this file's own.
const PM: usize = 0;
const R1: usize = 1;
const R2: usize = 2;
const C1: usize = 3;
const C2: usize = 4;
const C3: usize = 5;

const WORKSTATIONS: [(&str, &str); 6] = [
    ("PM", "Practice manager"),
    ("R1", "Reception 1"),
    ("R2", "Reception 2"),
    ("C1", "Consulting room 1"),
    ("C2", "Consulting room 2"),
    ("C3", "Consulting room 3 (nurse and pharmacist)"),
];

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Job {
    Manager,
    Reception,
    Gp,
    Nurse,
    Pharmacist,
    Admin,
}

struct Person {
    id: &'static str,
    name: &'static str,
    /// As a form's clinician or "handled by" field names them.
    known_as: &'static str,
    role: Role,
    job: Job,
    desk: usize,
}

/// Staff by index: the first (the practice manager) adds the others.
const HP: usize = 0;
const GE: usize = 1;
const TB: usize = 2;
const JO: usize = 3;
const MW: usize = 4;
const SN: usize = 5;
const RD: usize = 6;
const KL: usize = 7;

const STAFF: [Person; 8] = [
    Person {
        id: "HP",
        name: "Helen Pryce",
        known_as: "Helen Pryce (practice manager)",
        role: Role::Manager,
        job: Job::Manager,
        desk: PM,
    },
    Person {
        id: "GE",
        name: "Gwen Ellis",
        known_as: "Gwen Ellis (reception)",
        role: Role::Reception,
        job: Job::Reception,
        desk: R1,
    },
    Person {
        id: "TB",
        name: "Tariq Bashir",
        known_as: "Tariq Bashir (reception)",
        role: Role::Reception,
        job: Job::Reception,
        desk: R2,
    },
    Person { id: "JO", name: "Dr Joanna Okafor", known_as: "Dr Okafor", role: Role::Clinician, job: Job::Gp, desk: C1 },
    Person {
        id: "MW",
        name: "Dr Marek Wiśniewski",
        known_as: "Dr Wiśniewski",
        role: Role::Clinician,
        job: Job::Gp,
        desk: C2,
    },
    Person {
        id: "SN",
        name: "Siân Norris",
        known_as: "Nurse Norris",
        role: Role::Clinician,
        job: Job::Nurse,
        desk: C3,
    },
    Person {
        id: "RD",
        name: "Ravi Desai",
        known_as: "Ravi Desai (pharmacist)",
        role: Role::Clinician,
        job: Job::Pharmacist,
        desk: C3,
    },
    Person {
        id: "KL",
        name: "Kasia Lewandowska",
        known_as: "Kasia Lewandowska (admin)",
        role: Role::Admin,
        job: Job::Admin,
        desk: PM,
    },
];

fn staff_actor(staff: usize, workstation_id: &str) -> Actor {
    Actor { staff_id: Some(STAFF[staff].id.to_string()), workstation_id: workstation_id.to_string() }
}

/// Settings, staff and workstations; returns the workstations' ids by index.
fn set_up_practice(
    store: &Store,
    tx: &Tx,
    rng: &mut ChaCha8Rng,
    fdp: DateTime<Utc>,
    go_live: DateTime<Utc>,
) -> Result<Vec<String>> {
    let local = tx.reseed_local_workstation()?;
    let (prefix, name) = WORKSTATIONS[PM];
    tx.set_local_workstation(Some(name), Some(prefix))?;
    // The first member of staff adds themselves, as `staff add` does on a new database.
    let mut actor = Actor { staff_id: None, workstation_id: local.clone() };
    for person in &STAFF {
        if store.staff_member(person.id)?.is_none() {
            tx.add_staff(
                &actor,
                &StaffMember { id: person.id.to_string(), name: person.name.to_string(), role: person.role },
            )?;
        }
        if actor.staff_id.is_none() {
            actor = staff_actor(HP, &local);
        }
    }
    tx.set_settings(
        &actor,
        &[
            (settings_key::PRACTICE, PRACTICE.to_string()),
            (settings_key::ODS, ODS.to_string()),
            (settings_key::OLD_SYSTEM, OLD_SYSTEM.to_string()),
            (settings_key::NEW_SYSTEM, NEW_SYSTEM.to_string()),
            (settings_key::FDP, time::to_storage(fdp)),
            (settings_key::GO_LIVE, time::to_storage(go_live)),
            (settings_key::DEMO, "yes".to_string()),
        ],
    )?;
    let mut ids = vec![local];
    for (prefix, name) in &WORKSTATIONS[1..] {
        let mut bytes = [0u8; 16];
        rng.fill(&mut bytes);
        let id = uuid::Builder::from_random_bytes(bytes).into_uuid().to_string();
        tx.add_workstation(&Workstation { id: id.clone(), prefix: (*prefix).to_string(), name: (*name).to_string() })?;
        ids.push(id);
    }
    Ok(ids)
}

// ---------------------------------------------------------------------------------------------
// When things happen.

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Period {
    /// Opening hours: Friday until 18:30, the Saturday morning clinic.
    Open,
    /// Daytime while closed: a few staff in, catching up.
    Quiet,
    Night,
}

struct Slot {
    start: DateTime<Utc>,
    period: Period,
    weight: u64,
}

const SLOT_MINUTES: i64 = 15;

/// The cutover in quarter hours, each weighted by how busy the practice is then.
fn slots(fdp: DateTime<Utc>, go_live: DateTime<Utc>) -> Vec<Slot> {
    let mut out = Vec::new();
    let mut start = fdp;
    while start < go_live {
        let local = start.with_timezone(&UK);
        let minute = local.hour() * 60 + local.minute();
        let weekend = matches!(local.weekday(), Weekday::Sat | Weekday::Sun);
        let (period, weight) = if !weekend && (8 * 60..18 * 60 + 30).contains(&minute) {
            (Period::Open, 100)
        } else if local.weekday() == Weekday::Sat && (8 * 60 + 30..12 * 60 + 30).contains(&minute) {
            (Period::Open, 70)
        } else if (7 * 60..22 * 60).contains(&minute) {
            (Period::Quiet, 10)
        } else {
            (Period::Night, 1)
        };
        out.push(Slot { start, period, weight });
        start += TimeDelta::minutes(SLOT_MINUTES);
    }
    out
}

const OPEN_KINDS: &[(Kind, u32)] = &[
    (Kind::Telephone, 200),
    (Kind::Appointment, 200),
    (Kind::Consultation, 185),
    (Kind::Prescription, 115),
    (Kind::Pathology, 55),
    (Kind::Correspondence, 45),
    (Kind::Note, 35),
    (Kind::Document, 35),
    (Kind::Referral, 35),
    (Kind::Registration, 25),
    (Kind::HomeVisit, 20),
    (Kind::DispensaryStock, 10),
    (Kind::Screening, 8),
    (Kind::Summarisation, 5),
];

const QUIET_KINDS: &[(Kind, u32)] = &[
    (Kind::Telephone, 230),
    (Kind::Correspondence, 200),
    (Kind::Prescription, 90),
    (Kind::Appointment, 80),
    (Kind::Note, 80),
    (Kind::Document, 80),
    (Kind::Pathology, 60),
    (Kind::Consultation, 50),
    (Kind::HomeVisit, 40),
    (Kind::DispensaryStock, 25),
    (Kind::Referral, 20),
    (Kind::Screening, 15),
    (Kind::Summarisation, 15),
    (Kind::Registration, 10),
];

const NIGHT_KINDS: &[(Kind, u32)] = &[
    (Kind::Correspondence, 400),
    (Kind::Telephone, 300),
    (Kind::Note, 150),
    (Kind::HomeVisit, 80),
    (Kind::Prescription, 70),
];

/// Who types each kind, by staff index: their usual desk follows.
fn loggers(kind: Kind) -> &'static [(usize, u32)] {
    match kind {
        Kind::Appointment => &[(GE, 45), (TB, 45), (JO, 4), (MW, 4), (SN, 2)],
        Kind::Consultation => &[(JO, 36), (MW, 36), (SN, 18), (RD, 10)],
        Kind::HomeVisit => &[(GE, 20), (TB, 20), (JO, 30), (MW, 30)],
        Kind::Telephone => &[(GE, 35), (TB, 35), (JO, 10), (MW, 10), (RD, 4), (HP, 6)],
        Kind::Prescription => &[(JO, 34), (MW, 34), (RD, 20), (GE, 6), (TB, 6)],
        Kind::Registration => &[(GE, 50), (TB, 50)],
        Kind::Pathology => &[(JO, 35), (MW, 35), (SN, 10), (GE, 10), (TB, 10)],
        Kind::Referral => &[(JO, 40), (MW, 40), (KL, 20)],
        Kind::Correspondence => &[(KL, 60), (JO, 20), (MW, 20)],
        Kind::Document => &[(KL, 70), (GE, 15), (TB, 15)],
        Kind::Screening => &[(KL, 70), (SN, 30)],
        Kind::Summarisation => &[(KL, 80), (HP, 20)],
        Kind::DispensaryStock => &[(RD, 70), (HP, 30)],
        Kind::Note => &[(GE, 15), (TB, 15), (JO, 15), (MW, 15), (SN, 10), (RD, 5), (KL, 15), (HP, 10)],
    }
}

// ---------------------------------------------------------------------------------------------
// Patients.

const FAMILY_NAMES: &[&str] = &[
    "Smith",
    "Jones",
    "Williams",
    "Taylor",
    "Brown",
    "Davies",
    "Evans",
    "Wilson",
    "Thomas",
    "Roberts",
    "Johnson",
    "Lewis",
    "Walker",
    "Robinson",
    "Wood",
    "Thompson",
    "White",
    "Watson",
    "Jackson",
    "Wright",
    "Green",
    "Harris",
    "Cooper",
    "King",
    "Clarke",
    "Morgan",
    "Hughes",
    "Edwards",
    "Hill",
    "Moore",
    "Harrison",
    "Scott",
    "Young",
    "Hall",
    "Turner",
    "Carter",
    "Phillips",
    "Mitchell",
    "Ashworth-Bell",
    "Fairbrother",
    "Pritchard",
    "Llewellyn",
    "Parry",
    "Rees",
    "Price",
    "Griffiths",
    "Jenkins",
    "Owen",
    "Bowen",
    "ap Rhys",
    "Patel",
    "Khan",
    "Ahmed",
    "Ali",
    "Hussain",
    "Begum",
    "Shah",
    "Singh",
    "Kaur",
    "Sharma",
    "Chowdhury",
    "Rahman",
    "Islam",
    "Gill",
    "Sandhu",
    "Nowak",
    "Kowalski",
    "Wiśniewska",
    "Wójcik",
    "Kamiński",
    "Lewandowski",
    "Zieliński",
    "Szymańska",
    "O'Brien",
    "O'Connor",
    "Murphy",
    "Kelly",
    "McCarthy",
    "Ní Bhriain",
    "Okafor",
    "Adeyemi",
    "Mensah",
    "Osei",
    "Nguyen",
    "Chen",
    "Wong",
    "Silva",
    "Santos",
    "Ferreira",
    "Popescu",
    "Horváth",
    "Müller",
    "García",
    "Rossi",
    "Yılmaz",
    "Öztürk",
    "Lefèvre",
    "Smith-Jones",
];

const GIVEN_FEMALE: &[&str] = &[
    "Olivia",
    "Amelia",
    "Isla",
    "Ava",
    "Mia",
    "Sophie",
    "Grace",
    "Emily",
    "Ruby",
    "Ella",
    "Margaret",
    "Patricia",
    "Susan",
    "Jean",
    "Joan",
    "Dorothy",
    "Sarah",
    "Karen",
    "Helen",
    "Claire",
    "Siân",
    "Zoë",
    "Chloë",
    "Renée",
    "Niamh",
    "Aoife",
    "Saoirse",
    "Cerys",
    "Ffion",
    "Rhiannon",
    "Eleri",
    "Aisha",
    "Fatima",
    "Priya",
    "Ananya",
    "Nusrat",
    "Zainab",
    "Harpreet",
    "Simran",
    "Agnieszka",
    "Małgorzata",
    "Katarzyna",
    "Zofia",
    "Ewa",
    "Maria",
    "Inês",
    "Adaeze",
    "Abena",
    "Mei",
    "Linh",
    "Elif",
    "Anne-Marie",
];

const GIVEN_MALE: &[&str] = &[
    "Oliver",
    "George",
    "Harry",
    "Noah",
    "Jack",
    "Leo",
    "Arthur",
    "Muhammad",
    "Oscar",
    "Charlie",
    "David",
    "John",
    "Michael",
    "Peter",
    "Robert",
    "James",
    "William",
    "Thomas",
    "Stephen",
    "Gareth",
    "Dafydd",
    "Rhys",
    "Owain",
    "Iwan",
    "Emyr",
    "Llŷr",
    "Seán",
    "Ciarán",
    "Pádraig",
    "Rohan",
    "Arjun",
    "Imran",
    "Bilal",
    "Tariq",
    "Sanjay",
    "Gurpreet",
    "Łukasz",
    "Piotr",
    "Krzysztof",
    "Tomasz",
    "Wojciech",
    "Jakub",
    "João",
    "José",
    "Chinedu",
    "Kwame",
    "Kofi",
    "Wei",
    "Minh",
    "Mehmet",
    "Emre",
    "François",
    "Jean-Luc",
];

const STREETS: &[&str] = &[
    "Mill Lane",
    "Church Street",
    "Station Road",
    "Heol y Felin",
    "Victoria Terrace",
    "Orchard Close",
    "Canal Side",
    "Brook Street",
    "Willow Crescent",
    "Ferry Road",
    "Riverside Walk",
    "Chapel Row",
];

/// Letters a postcode's inward code may use.
const INWARD_LETTERS: &[u8] = b"ABDEFGHJLNPQRSTUWXYZ";

/// A patient as made here: who they are, and their record once it exists.
struct DemoPatient {
    id: String,
    nhs: Option<NhsNumber>,
    family: &'static str,
    given: &'static str,
    dob: NaiveDate,
    dob_text: String,
    sex: &'static str,
    postcode: String,
    /// At the start of the cutover.
    age: i32,
}

fn days_in_month(year: i32, month: u32) -> u32 {
    match month {
        2 if (year % 4 == 0 && year % 100 != 0) || year % 400 == 0 => 29,
        2 => 28,
        4 | 6 | 9 | 11 => 30,
        _ => 31,
    }
}

// ---------------------------------------------------------------------------------------------
// What is said: kind-specific content tables.

/// Who a clinical template suits.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Who {
    Anyone,
    Child,
    Adult,
    Older,
    Woman,
}

impl Who {
    fn suits(self, p: &DemoPatient) -> bool {
        match self {
            Who::Anyone => true,
            Who::Child => p.age < 16,
            Who::Adult => p.age >= 18,
            Who::Older => p.age >= 65,
            Who::Woman => p.sex == "female" && (16..=60).contains(&p.age),
        }
    }
}

struct Presentation {
    who: Who,
    summary: &'static str,
    history: &'static str,
    examination: &'static str,
    assessment: &'static str,
    plan: &'static str,
    follow_up: &'static str,
    code: Option<&'static str>,
    /// Each flag with its chance in percent.
    flags: &'static [(Flag, u32)],
}

const GP_PRESENTATIONS: &[Presentation] = &[
    Presentation {
        who: Who::Anyone,
        summary: "Cough and cold 5 days: viral URTI, self-care advice",
        history: "Cough and runny nose for 5 days. Eating and drinking normally. No breathlessness.",
        examination: "T 37.6. Chest clear, no increased work of breathing. Throat mildly red.",
        assessment: "Viral upper respiratory tract infection.",
        plan: "Self-care, paracetamol as needed. Safety-netting advice given.",
        follow_up: "If not improving in 7 days or any breathlessness",
        code: None,
        flags: &[],
    },
    Presentation {
        who: Who::Woman,
        summary: "Dysuria 2 days: lower UTI, nitrofurantoin 3 days",
        history: "Dysuria and frequency for 2 days. No fever, no loin pain. Not pregnant.",
        examination: "Afebrile. Abdomen soft, no renal angle tenderness. Urine dip nitrite and leucocytes positive.",
        assessment: "Uncomplicated lower urinary tract infection.",
        plan: "Nitrofurantoin 100mg MR twice a day for 3 days. Urine sent for culture.",
        follow_up: "If symptoms persist after 48 hours",
        code: None,
        flags: &[],
    },
    Presentation {
        who: Who::Adult,
        summary: "Hypertension not at target: amlodipine started",
        history: "Home BP readings average 152/94 over 7 days. No headache or chest pain.",
        examination: "Clinic BP 156/96, pulse 72 regular. Heart sounds normal.",
        assessment: "Hypertension, not at target.",
        plan: "Start amlodipine 5mg once a day. U&E and repeat BP in 4 weeks.",
        follow_up: "4 weeks with the practice nurse",
        code: Some("38341003 |Hypertensive disorder|"),
        flags: &[(Flag::MedicationChange, 80), (Flag::NewDiagnosis, 30)],
    },
    Presentation {
        who: Who::Anyone,
        summary: "Asthma exacerbation: oral steroids, action plan updated",
        history: "Wheeze and night cough for 3 days after a cold. Using reliever 6 times a day.",
        examination: "Speaking full sentences. Sats 96% on air. PEF 65% of best. Scattered wheeze.",
        assessment: "Moderate asthma exacerbation.",
        plan: "Prednisolone 40mg once a day for 5 days. Inhaler technique checked. Asthma action plan updated.",
        follow_up: "Review in 48 hours; 999 if worse",
        code: Some("195967001 |Asthma|"),
        flags: &[(Flag::Urgent, 25), (Flag::MedicationChange, 60)],
    },
    Presentation {
        who: Who::Adult,
        summary: "New type 2 diabetes: metformin started, education referral",
        history: "Thirst and tiredness for 2 months. HbA1c 62 mmol/mol last month.",
        examination: "BMI 31. Feet: pulses present, sensation normal.",
        assessment: "Type 2 diabetes, new diagnosis.",
        plan: "Diagnosis explained. Metformin 500mg once a day, increasing. Structured education and retinal screening referrals.",
        follow_up: "Nurse review in 3 months",
        code: Some("73211009 |Diabetes mellitus|"),
        flags: &[(Flag::NewDiagnosis, 95), (Flag::MedicationChange, 70)],
    },
    Presentation {
        who: Who::Adult,
        summary: "Central chest pain: suspected MI, 999 ambulance called",
        history: "Central crushing chest pain for 40 minutes, radiating to the left arm, sweaty.",
        examination: "Pale and clammy. BP 100/60, pulse 104.",
        assessment: "Suspected acute coronary syndrome.",
        plan: "999 ambulance called. Aspirin 300mg given. Handed over to paramedics.",
        follow_up: "Await discharge summary",
        code: Some("22298006 |Myocardial infarction|"),
        flags: &[(Flag::Urgent, 100)],
    },
    Presentation {
        who: Who::Adult,
        summary: "Low back pain 2 weeks: no red flags, physio self-referral",
        history: "Low back pain for 2 weeks after lifting. No leg weakness, no bladder or bowel change.",
        examination: "Paraspinal tenderness. Straight leg raise normal. Neurology normal.",
        assessment: "Mechanical low back pain.",
        plan: "Keep active, ibuprofen if needed. Physiotherapy self-referral details given.",
        follow_up: "If new numbness, weakness or bladder symptoms: same day",
        code: None,
        flags: &[],
    },
    Presentation {
        who: Who::Adult,
        summary: "Low mood 2 months: talking therapies, sertraline started",
        history: "Low mood and poor sleep for 2 months. No thoughts of self-harm. Partner supportive.",
        examination: "Appears low, good eye contact, no psychotic features.",
        assessment: "Moderate depression.",
        plan: "Self-referral to talking therapies. Sertraline 50mg once a day started, side effects discussed.",
        follow_up: "2 weeks",
        code: None,
        flags: &[(Flag::MedicationChange, 60), (Flag::NewDiagnosis, 40)],
    },
    Presentation {
        who: Who::Child,
        summary: "Ear pain and fever: acute otitis media, delayed antibiotic",
        history: "Ear pain and fever for 2 days. Drinking well.",
        examination: "T 38.2. Left tympanic membrane red and bulging. Chest clear.",
        assessment: "Acute otitis media.",
        plan: "Paracetamol and ibuprofen. Delayed antibiotic prescription, to use if no better in 3 days.",
        follow_up: "If not better in 3 days",
        code: None,
        flags: &[],
    },
    Presentation {
        who: Who::Child,
        summary: "Fever 24 hours: viral illness, no red flags, safety-netted",
        history: "Fever to 39 for 24 hours, drinking less than usual. Wet nappies normal.",
        examination: "Alert and interactive. Capillary refill under 2 seconds. No rash. Throat red.",
        assessment: "Viral illness; traffic light green.",
        plan: "Fluids and antipyretics. Safety-netting advice given verbally and in writing.",
        follow_up: "If any amber or red features",
        code: None,
        flags: &[(Flag::Urgent, 10)],
    },
    Presentation {
        who: Who::Older,
        summary: "Medication review: dizzy on standing, doxazosin stopped",
        history: "Annual review of 9 regular medicines. Dizzy on standing for a month. One fall, no injury.",
        examination: "Lying BP 138/80, standing 112/68.",
        assessment: "Postural hypotension, probably doxazosin.",
        plan: "Doxazosin stopped. Repeat list to be updated. Falls advice given.",
        follow_up: "Phone review in 2 weeks",
        code: None,
        flags: &[(Flag::MedicationChange, 100)],
    },
    Presentation {
        who: Who::Anyone,
        summary: "Rash after amoxicillin: penicillin allergy recorded",
        history: "Itchy widespread rash 2 days after starting amoxicillin for a chest infection.",
        examination: "Urticarial rash on trunk and arms. No angioedema, no wheeze.",
        assessment: "Probable penicillin allergy.",
        plan: "Amoxicillin stopped, doxycycline instead. Cetirizine. Penicillin allergy to be recorded.",
        follow_up: "",
        code: None,
        flags: &[(Flag::NewAllergy, 100), (Flag::MedicationChange, 70)],
    },
    Presentation {
        who: Who::Woman,
        summary: "Contraceptive pill check: continue, 12 months issued",
        history: "Combined pill, no problems. Non-smoker. No migraine with aura.",
        examination: "BP 118/74. BMI 24.",
        assessment: "Suitable to continue combined oral contraception.",
        plan: "12 months supply issued.",
        follow_up: "12 months",
        code: None,
        flags: &[],
    },
    Presentation {
        who: Who::Adult,
        summary: "Headaches 3 weeks: tension-type, no red flags",
        history: "Band-like headaches for 3 weeks, worse with stress at work. No visual symptoms, no vomiting.",
        examination: "BP 124/78. Fundi normal. Neurology normal.",
        assessment: "Tension-type headache.",
        plan: "Reassured. Regular meals, sleep and fluids. Avoid daily painkillers.",
        follow_up: "If new features or not settling in 4 weeks",
        code: None,
        flags: &[],
    },
    Presentation {
        who: Who::Adult,
        summary: "Fit note after knee surgery: 4 weeks, amended duties",
        history: "Arthroscopy 10 days ago. Desk job, cannot drive yet.",
        examination: "Knee healing well, mild effusion.",
        assessment: "Recovering after knee arthroscopy.",
        plan: "Fit note for 4 weeks, may be fit with amended duties. Paper fit note issued.",
        follow_up: "",
        code: None,
        flags: &[],
    },
];

const NURSE_PRESENTATIONS: &[Presentation] = &[
    Presentation {
        who: Who::Older,
        summary: "Leg ulcer dressing changed: healing",
        history: "Venous leg ulcer, right gaiter area, dressed twice weekly.",
        examination: "Ulcer 3 x 2 cm, less exudate, granulating. No signs of infection.",
        assessment: "Healing venous leg ulcer.",
        plan: "Dressing changed, compression bandage reapplied.",
        follow_up: "3 days",
        code: None,
        flags: &[],
    },
    Presentation {
        who: Who::Anyone,
        summary: "Asthma review: well controlled, inhaler technique good",
        history: "No night symptoms, reliever twice a week. No attacks this year.",
        examination: "PEF 92% of predicted. Inhaler technique good.",
        assessment: "Asthma well controlled.",
        plan: "Continue current inhalers. Action plan reviewed.",
        follow_up: "12 months",
        code: Some("195967001 |Asthma|"),
        flags: &[],
    },
    Presentation {
        who: Who::Adult,
        summary: "Diabetes review: HbA1c 58, foot check low risk",
        history: "Type 2 diabetes on metformin. No hypos. Walking daily.",
        examination: "BP 132/80. Foot check: low risk. Weight down 2 kg.",
        assessment: "Diabetes, improving control.",
        plan: "Continue metformin. Bloods and retinal screening up to date.",
        follow_up: "6 months",
        code: Some("73211009 |Diabetes mellitus|"),
        flags: &[],
    },
    Presentation {
        who: Who::Adult,
        summary: "BP check: 136/84 on ramipril",
        history: "Hypertension, on ramipril 5mg. No side effects.",
        examination: "BP 136/84, repeat 134/82.",
        assessment: "Hypertension, at target.",
        plan: "No change.",
        follow_up: "12 months",
        code: Some("38341003 |Hypertensive disorder|"),
        flags: &[],
    },
    Presentation {
        who: Who::Older,
        summary: "Flu vaccine given",
        history: "No previous reaction to vaccines. Not unwell today.",
        examination: "",
        assessment: "",
        plan: "Seasonal influenza vaccine, left deltoid. Batch on the paper vaccination log.",
        follow_up: "",
        code: None,
        flags: &[],
    },
    Presentation {
        who: Who::Child,
        summary: "Childhood immunisations given",
        history: "Due scheduled immunisations. Well, no contraindications.",
        examination: "",
        assessment: "",
        plan: "Vaccines given as scheduled. Batch numbers on the paper vaccination log. Red book updated.",
        follow_up: "Next immunisations as scheduled",
        code: None,
        flags: &[],
    },
    Presentation {
        who: Who::Adult,
        summary: "B12 injection given (3-monthly)",
        history: "Pernicious anaemia, 3-monthly hydroxocobalamin.",
        examination: "",
        assessment: "",
        plan: "Hydroxocobalamin 1mg intramuscular, right deltoid.",
        follow_up: "3 months",
        code: None,
        flags: &[],
    },
    Presentation {
        who: Who::Adult,
        summary: "Sutures removed: wound healed",
        history: "Minor surgery to the forearm 10 days ago.",
        examination: "Wound healed, no signs of infection.",
        assessment: "Healed wound.",
        plan: "Sutures removed.",
        follow_up: "",
        code: None,
        flags: &[],
    },
];

const PHARMACIST_PRESENTATIONS: &[Presentation] = &[
    Presentation {
        who: Who::Older,
        summary: "Structured medication review: 2 medicines stopped",
        history: "Takes 11 regular medicines. Struggling with tablet burden.",
        examination: "",
        assessment: "Polypharmacy; aspirin and omeprazole no longer indicated.",
        plan: "Aspirin and omeprazole stopped with patient's agreement. Repeat list to update.",
        follow_up: "Phone review in 4 weeks",
        code: None,
        flags: &[(Flag::MedicationChange, 100)],
    },
    Presentation {
        who: Who::Adult,
        summary: "Post-discharge medicines reconciliation: 3 changes",
        history: "Discharged after admission with heart failure. Discharge letter lists furosemide started.",
        examination: "",
        assessment: "Discharge medicines reconciled: furosemide started, ramipril reduced, amlodipine stopped.",
        plan: "Repeat list to update in the new system. Patient and carer informed.",
        follow_up: "U&E in 1 week",
        code: None,
        flags: &[(Flag::MedicationChange, 100)],
    },
    Presentation {
        who: Who::Adult,
        summary: "Hypertension review: ramipril increased to 5mg",
        history: "On ramipril 2.5mg. Home BP average 146/90.",
        examination: "Clinic BP 148/92.",
        assessment: "Hypertension, not at target.",
        plan: "Ramipril increased to 5mg once a day. U&E in 2 weeks.",
        follow_up: "2 weeks",
        code: Some("38341003 |Hypertensive disorder|"),
        flags: &[(Flag::MedicationChange, 100)],
    },
    Presentation {
        who: Who::Anyone,
        summary: "Inhaler review: switched to a spacer, technique improved",
        history: "Asthma, using reliever most days. Poor technique with the metered-dose inhaler.",
        examination: "Technique improved with a spacer.",
        assessment: "Asthma, suboptimal control due to technique.",
        plan: "Spacer issued. Preventer adherence discussed.",
        follow_up: "4 weeks",
        code: Some("195967001 |Asthma|"),
        flags: &[],
    },
];

struct Visit {
    weight: u32,
    reason: &'static str,
    history: &'static str,
    examination: &'static str,
    assessment: &'static str,
    plan: &'static str,
    follow_up: &'static str,
    flags: &'static [(Flag, u32)],
}

const VISITS: &[Visit] = &[
    Visit {
        weight: 30,
        reason: "Housebound, more breathless with COPD",
        history: "COPD. More breathless for 3 days, more sputum, now green.",
        examination: "RR 24, sats 91% on air, coarse crackles right base. Alert.",
        assessment: "Infective exacerbation of COPD.",
        plan: "Rescue pack started (amoxicillin and prednisolone).",
        follow_up: "Phone tomorrow; 999 if worse",
        flags: &[(Flag::Urgent, 30), (Flag::MedicationChange, 50)],
    },
    Visit {
        weight: 25,
        reason: "Care home resident with new confusion",
        history: "Willow Court Care Home. More confused for 2 days, off food, smelly urine.",
        examination: "T 37.9, pulse 96, BP 128/70. No focal neurology. Suprapubic tenderness.",
        assessment: "Delirium, probably urinary tract infection.",
        plan: "Antibiotic started. Fluids encouraged. Care home to monitor.",
        follow_up: "Review in 48 hours",
        flags: &[(Flag::Urgent, 20)],
    },
    Visit {
        weight: 20,
        reason: "Palliative care: pain at night",
        history: "Known lung cancer, at home with family. More pain at night despite regular morphine.",
        examination: "Comfortable at rest, pain on movement. Not distressed.",
        assessment: "Escalating cancer pain; end of life care.",
        plan: "Modified-release morphine increased. Anticipatory medicines prescribed. DNACPR form in the house.",
        follow_up: "District nurses daily; GP review Monday",
        flags: &[(Flag::MedicationChange, 90), (Flag::Urgent, 30)],
    },
    Visit {
        weight: 20,
        reason: "Fall at home, now up, daughter worried",
        history: "Tripped on a rug, unable to get up for an hour. No head injury. Lives alone.",
        examination: "Bruised left hip, walks with frame. No bony tenderness.",
        assessment: "Mechanical fall, no fracture suspected.",
        plan: "Falls team referral. Pendant alarm discussed.",
        follow_up: "Phone review in 1 week",
        flags: &[],
    },
    Visit {
        weight: 3,
        reason: "Verification of expected death",
        history: "Expected death at home, known to the palliative care team.",
        examination: "No signs of life; death verified.",
        assessment: "Expected death.",
        plan: "Family supported. Medical certificate of cause of death to be completed after go-live.",
        follow_up: "",
        flags: &[(Flag::Deceased, 100)],
    },
];

struct Call {
    weight: u32,
    incoming: bool,
    caller: &'static str,
    reason: &'static str,
    outcome: &'static str,
    flags: &'static [(Flag, u32)],
}

const CALLS: &[Call] = &[
    Call {
        weight: 30,
        incoming: true,
        caller: "Patient",
        reason: "Requesting repeat prescription",
        outcome: "Request passed to the duty doctor",
        flags: &[],
    },
    Call {
        weight: 30,
        incoming: true,
        caller: "Patient",
        reason: "Wants an appointment: cough for 3 weeks",
        outcome: "Booked with GP",
        flags: &[],
    },
    Call {
        weight: 15,
        incoming: true,
        caller: "Patient",
        reason: "Asking for blood test results",
        outcome: "Results normal, told by phone",
        flags: &[],
    },
    Call {
        weight: 10,
        incoming: true,
        caller: "Daughter",
        reason: "Father more confused since yesterday",
        outcome: "Duty doctor call-back arranged",
        flags: &[(Flag::Urgent, 25)],
    },
    Call {
        weight: 10,
        incoming: true,
        caller: "Community pharmacy",
        reason: "Query about the dose on a paper prescription",
        outcome: "Dose confirmed with the prescriber",
        flags: &[],
    },
    Call {
        weight: 6,
        incoming: true,
        caller: "Hospital ward",
        reason: "Discharge medication query",
        outcome: "Passed to the practice pharmacist",
        flags: &[(Flag::MedicationChange, 40)],
    },
    Call {
        weight: 6,
        incoming: true,
        caller: "Care home",
        reason: "Resident has a fever and is drowsy",
        outcome: "Home visit requested",
        flags: &[(Flag::Urgent, 40)],
    },
    Call {
        weight: 6,
        incoming: true,
        caller: "District nurses",
        reason: "Needs a prescription for dressings",
        outcome: "Prescription request logged",
        flags: &[],
    },
    Call {
        weight: 8,
        incoming: true,
        caller: "Patient's husband",
        reason: "Cancelling next week's appointment",
        outcome: "Appointment cancelled",
        flags: &[],
    },
    Call {
        weight: 6,
        incoming: true,
        caller: "Patient",
        reason: "Fit note needed for work",
        outcome: "Passed to GP",
        flags: &[],
    },
    Call {
        weight: 3,
        incoming: true,
        caller: "Patient",
        reason: "Chest pain now",
        outcome: "Advised to call 999 straight away",
        flags: &[(Flag::Urgent, 100)],
    },
    Call {
        weight: 4,
        incoming: true,
        caller: "NHS 111",
        reason: "Patient needs a GP call-back within 2 hours",
        outcome: "Duty GP called back",
        flags: &[(Flag::Urgent, 70)],
    },
    Call {
        weight: 2,
        incoming: true,
        caller: "School nurse",
        reason: "Safeguarding concern about a child",
        outcome: "Discussed with the safeguarding lead GP",
        flags: &[(Flag::Safeguarding, 100), (Flag::Confidential, 80)],
    },
    Call {
        weight: 3,
        incoming: true,
        caller: "Patient",
        reason: "Rash since starting a new antibiotic",
        outcome: "Advised to stop it; GP to review allergy",
        flags: &[(Flag::NewAllergy, 90)],
    },
    Call {
        weight: 1,
        incoming: true,
        caller: "Son",
        reason: "Mother died at home this morning",
        outcome: "Verification of death arranged",
        flags: &[(Flag::Deceased, 100)],
    },
    Call {
        weight: 8,
        incoming: false,
        caller: "Patient",
        reason: "Call-back about blood results",
        outcome: "Repeat test booked",
        flags: &[],
    },
    Call {
        weight: 4,
        incoming: false,
        caller: "Hospital switchboard",
        reason: "Chasing a discharge letter",
        outcome: "Letter to be emailed",
        flags: &[],
    },
    Call {
        weight: 4,
        incoming: false,
        caller: "Patient",
        reason: "Medication review by phone",
        outcome: "Repeat medication continued",
        flags: &[],
    },
];

/// Drug, dose, quantity, unit, usual type, controlled drug.
type Drug = (&'static str, &'static str, u32, &'static str, &'static str, bool);

const DRUGS: &[Drug] = &[
    ("Amoxicillin 500mg capsules", "One capsule three times a day for 5 days", 15, "capsule", "acute", false),
    ("Ramipril 5mg capsules", "One capsule once a day", 28, "capsule", "repeat", false),
    ("Amlodipine 5mg tablets", "One tablet once a day", 28, "tablet", "repeat", false),
    ("Atorvastatin 20mg tablets", "One tablet at night", 28, "tablet", "repeat", false),
    ("Metformin 500mg tablets", "One tablet twice a day with food", 56, "tablet", "repeat", false),
    ("Salbutamol 100micrograms/dose inhaler", "Two puffs when required", 1, "inhaler", "repeat", false),
    ("Beclometasone 100micrograms/dose inhaler", "Two puffs twice a day", 1, "inhaler", "repeat", false),
    ("Sertraline 50mg tablets", "One tablet once a day", 28, "tablet", "repeat", false),
    ("Levothyroxine 100micrograms tablets", "One tablet each morning", 28, "tablet", "repeat", false),
    ("Omeprazole 20mg gastro-resistant capsules", "One capsule once a day", 28, "capsule", "repeat", false),
    ("Apixaban 5mg tablets", "One tablet twice a day", 56, "tablet", "repeat", false),
    (
        "Nitrofurantoin 100mg modified-release capsules",
        "One capsule twice a day for 3 days",
        6,
        "capsule",
        "acute",
        false,
    ),
    ("Phenoxymethylpenicillin 250mg tablets", "Two tablets four times a day for 5 days", 40, "tablet", "acute", false),
    ("Doxycycline 100mg capsules", "Two capsules on day 1, then one capsule a day", 6, "capsule", "acute", false),
    ("Prednisolone 5mg tablets", "Eight tablets once a day for 5 days", 40, "tablet", "acute", false),
    ("Paracetamol 500mg tablets", "Two tablets up to four times a day", 32, "tablet", "acute", false),
    ("Co-codamol 30mg/500mg tablets", "One or two tablets up to four times a day", 30, "tablet", "acute", true),
    ("Morphine sulfate 10mg/5ml oral solution", "2.5ml to 5ml every 4 hours when required", 100, "ml", "acute", true),
    ("Zomorph 10mg modified-release capsules", "One capsule twice a day", 56, "capsule", "repeat", true),
    ("Cetirizine 10mg tablets", "One tablet once a day", 30, "tablet", "acute", false),
];

/// Test, normal result, abnormal result, action when abnormal, urgent when abnormal.
type Test = (&'static str, &'static str, &'static str, &'static str, bool);

const TESTS: &[Test] = &[
    (
        "Full blood count",
        "Hb 138 g/L, WCC 6.2, platelets 250: normal",
        "Hb 84 g/L (low), MCV 71",
        "Ferritin and coeliac screen requested; GP appointment booked",
        false,
    ),
    (
        "Urea and electrolytes",
        "Na 139, K 4.3, creatinine 78, eGFR over 90",
        "K 6.4 mmol/L (high), creatinine 212",
        "Patient phoned and sent to the medical assessment unit",
        true,
    ),
    ("HbA1c", "41 mmol/mol", "68 mmol/mol (high)", "Diabetes review booked", false),
    (
        "Lipid profile",
        "Total cholesterol 4.6, LDL 2.4",
        "Total cholesterol 7.8, LDL 5.6",
        "Statin to be discussed at review",
        false,
    ),
    (
        "Thyroid function",
        "TSH 2.1 mU/L",
        "TSH 11.4 mU/L, free T4 9 pmol/L",
        "Levothyroxine 25 micrograms started",
        false,
    ),
    (
        "Liver function tests",
        "ALT 22, bilirubin 9, ALP 80",
        "ALT 210 (high)",
        "Repeat in 2 weeks with a liver screen",
        false,
    ),
    ("CRP", "CRP 3 mg/L", "CRP 180 mg/L", "Patient phoned: same-day assessment", true),
    (
        "Urine culture",
        "No significant growth",
        "E. coli, resistant to trimethoprim, sensitive to nitrofurantoin",
        "Antibiotic changed to nitrofurantoin",
        false,
    ),
    ("INR", "INR 2.5 (target 2.5)", "INR 5.8", "Warfarin withheld for 2 days, dose reduced, repeat INR Tuesday", true),
    ("PSA", "PSA 1.2 ng/mL", "PSA 14.6 ng/mL", "Two-week-wait urology referral", false),
    ("Ferritin", "Ferritin 85 micrograms/L", "Ferritin 6 micrograms/L (low)", "Ferrous fumarate started", false),
    (
        "Vitamin D",
        "25-OH vitamin D 72 nmol/L",
        "25-OH vitamin D 18 nmol/L (deficient)",
        "Loading dose of colecalciferol prescribed",
        false,
    ),
];

/// Specialty, reason, suspected cancer (two-week wait possible).
const SPECIALTIES: &[(&str, &str, bool)] = &[
    ("Colorectal surgery", "Change in bowel habit and positive FIT", true),
    ("Breast surgery", "New breast lump", true),
    ("Urology", "Raised PSA", true),
    ("Dermatology", "Changing pigmented lesion on the back", true),
    ("Respiratory medicine", "Persistent cough and weight loss", true),
    ("Gynaecology", "Postmenopausal bleeding", true),
    ("Gastroenterology", "Iron deficiency anaemia", true),
    ("Cardiology", "Exertional chest pain and a new murmur", false),
    ("Orthopaedics", "Knee osteoarthritis not helped by physiotherapy", false),
    ("ENT", "Recurrent tonsillitis", false),
    ("Paediatrics", "Faltering growth", false),
    ("Ophthalmology", "Cataract affecting driving", false),
    ("Talking therapies", "Low mood and anxiety affecting work", false),
    ("Physiotherapy", "Shoulder pain for 3 months", false),
    ("Memory clinic", "Progressive memory problems", false),
];

const SERVICES: &[&str] =
    &["Riverside General Hospital", "Northbank University Hospital", "Riverside Community Services"];

/// Source, weight, summary, action required, action, flags.
type Letter = (&'static str, u32, &'static str, bool, &'static str, &'static [(Flag, u32)]);

const LETTERS: &[Letter] = &[
    ("nhs_111", 25, "NHS 111: sore throat and fever, advised to see own GP if no better", false, "", &[]),
    (
        "nhs_111",
        15,
        "NHS 111: abdominal pain, sent to the urgent treatment centre",
        true,
        "GP to check the outcome on Monday",
        &[],
    ),
    (
        "out_of_hours",
        25,
        "Out of hours: seen for chest infection, antibiotics given",
        false,
        "",
        &[(Flag::MedicationChange, 30)],
    ),
    (
        "out_of_hours",
        10,
        "Out of hours: home visit for palliative patient, syringe driver started",
        true,
        "Update medication list; district nurses informed",
        &[(Flag::MedicationChange, 90), (Flag::Urgent, 30)],
    ),
    (
        "out_of_hours",
        2,
        "Out of hours: verification of death at home",
        true,
        "Death to be recorded; medical certificate of cause of death",
        &[(Flag::Deceased, 100)],
    ),
    (
        "discharge",
        25,
        "Discharge summary: admitted with pneumonia, antibiotics completed",
        true,
        "Follow-up chest X-ray in 6 weeks",
        &[(Flag::MedicationChange, 30)],
    ),
    (
        "discharge",
        15,
        "Discharge summary: new atrial fibrillation, apixaban started",
        true,
        "Add apixaban to repeats; review in 2 weeks",
        &[(Flag::MedicationChange, 100), (Flag::NewDiagnosis, 80)],
    ),
    (
        "discharge",
        5,
        "Discharge summary: allergic reaction to co-amoxiclav",
        true,
        "Record allergy",
        &[(Flag::NewAllergy, 100)],
    ),
    ("a_and_e", 20, "A&E: wrist fracture, plaster applied, fracture clinic booked", false, "", &[]),
    (
        "a_and_e",
        6,
        "A&E: attendance after an overdose, mental health team involved",
        true,
        "GP review within 1 week",
        &[(Flag::Urgent, 60), (Flag::Confidential, 50)],
    ),
    (
        "a_and_e",
        3,
        "A&E: injuries in a young child, safeguarding referral made",
        true,
        "Safeguarding lead to review",
        &[(Flag::Safeguarding, 100), (Flag::Confidential, 70)],
    ),
    (
        "outpatient",
        20,
        "Cardiology clinic letter: ramipril to be increased",
        true,
        "Change ramipril dose on repeat",
        &[(Flag::MedicationChange, 100)],
    ),
    ("outpatient", 15, "Dermatology clinic letter: benign lesion, discharged", false, "", &[]),
    (
        "outpatient",
        10,
        "Diabetes clinic letter: insulin dose adjusted",
        true,
        "Update insulin on repeat",
        &[(Flag::MedicationChange, 100)],
    ),
    (
        "other",
        8,
        "Letter from the community mental health team: care plan review",
        false,
        "",
        &[(Flag::Confidential, 30)],
    ),
];

/// Document type, sender, the sender in a sentence, pages up to.
const DOCUMENTS: &[(&str, &str, &str, u32)] = &[
    ("Hospital letter", "Riverside General Hospital", "Riverside General Hospital", 4),
    ("Insurance report request", "Insurance company", "an insurance company", 6),
    ("Care home medication chart", "Willow Court Care Home", "Willow Court Care Home", 3),
    ("Home blood pressure readings", "Patient", "the patient", 2),
    ("Completed registration form", "Patient", "the patient", 4),
    ("Solicitor's request for records", "Solicitors", "solicitors", 3),
    ("Lasting power of attorney", "Patient's family", "the patient's family", 12),
    ("Vaccination record from abroad", "Patient", "the patient", 2),
    ("Physiotherapy discharge letter", "Riverside Community Services", "Riverside Community Services", 2),
    ("Optician's letter", "High Street opticians", "the High Street opticians", 1),
];

const RECORD_TYPES: &[&str] =
    &["Paper Lloyd George notes", "GP2GP record from the previous practice", "Hospital letters since the last summary"];

/// Stock item and pack size.
const STOCK: &[(&str, u32)] = &[
    ("Amoxicillin 500mg capsules", 21),
    ("Paracetamol 500mg tablets", 32),
    ("Ramipril 5mg capsules", 28),
    ("Omeprazole 20mg gastro-resistant capsules", 28),
    ("Salbutamol 100micrograms/dose inhaler", 1),
    ("Amlodipine 5mg tablets", 28),
    ("Co-codamol 30mg/500mg tablets", 30),
    ("Flucloxacillin 500mg capsules", 28),
];

const MOVEMENTS: &[(&str, u32)] = &[("count", 40), ("received", 25), ("dispensed", 30), ("returned", 5)];

/// Summary, notes, flags.
type NoteText = (&'static str, &'static str, &'static [(Flag, u32)]);

const NOTES: &[NoteText] = &[
    ("Change of address given", "Moved within the practice area; new address on the paper form.", &[]),
    ("Lasting power of attorney (health and welfare) seen", "Copy taken for scanning after go-live.", &[]),
    ("Interpreter needed for appointments", "Prefers a female interpreter.", &[]),
    ("Main carer is the patient's daughter", "Daughter's phone number on the paper form.", &[]),
    ("Husband may collect prescriptions", "Patient's consent given in person.", &[]),
    ("Reasonable adjustment: needs longer appointments", "Hearing impaired; prefers text messages to calls.", &[]),
    (
        "Safeguarding concern raised by the health visitor",
        "Discussed with the safeguarding lead GP. Do not discuss with the partner.",
        &[(Flag::Safeguarding, 100), (Flag::Confidential, 100)],
    ),
    ("Reports allergy to plasters (rash)", "", &[(Flag::NewAllergy, 100)]),
    (
        "Death notified by family: died in hospital",
        "Hospital to send the notification after go-live.",
        &[(Flag::Deceased, 100)],
    ),
    ("Moving away: will register elsewhere", "", &[]),
];

const APPOINTMENT_REASONS: &[&str] = &[
    "cough",
    "BP check",
    "medication review",
    "back pain",
    "rash",
    "diabetes review",
    "asthma review",
    "blood test",
    "dressing",
    "follow-up after hospital",
    "ear pain",
    "contraception",
    "low mood",
    "knee pain",
];

const VOID_REASONS: &[&str] = &[
    "Logged against the wrong patient; logged again correctly",
    "Duplicate of an entry made at the other desk",
    "Entered in error",
];

const AMEND_REASONS: &[&str] =
    &["Detail added after speaking to the patient", "Typing error corrected", "Detail added on review"];

// ---------------------------------------------------------------------------------------------
// The generator.

/// Typed values for one entry, as `--set NAME=VALUE` pairs.
#[derive(Default)]
struct Sets(Vec<(String, String)>);

impl Sets {
    fn set(&mut self, name: &str, value: impl Into<String>) {
        self.0.push((name.to_string(), value.into()));
    }

    fn set_if(&mut self, name: &str, value: &str) {
        if !value.is_empty() {
            self.set(name, value);
        }
    }
}

/// For the middle of a sentence: "Hospital ward" becomes "hospital ward", "NHS 111" and "ENT" stay.
fn lower_first(s: &str) -> String {
    let mut chars = s.chars();
    match (chars.next(), chars.next()) {
        (Some(first), Some(second)) if !second.is_uppercase() && !second.is_ascii_digit() => {
            first.to_lowercase().chain(s.chars().skip(1)).collect()
        }
        _ => s.to_string(),
    }
}

/// At most `max` characters.
fn clip(s: String, max: usize) -> String {
    if s.chars().count() <= max { s } else { s.chars().take(max).collect() }
}

struct Planned {
    kind: Kind,
    occurred: DateTime<Utc>,
    recorded: DateTime<Utc>,
}

/// One entry being made.
struct Ctx {
    kind: Kind,
    logger: usize,
    occurred: DateTime<Utc>,
    patient: Option<usize>,
    movement: Option<&'static str>,
}

struct Demo<'t, 'c> {
    tx: &'t Tx<'c>,
    rng: ChaCha8Rng,
    workstations: Vec<String>,
    fdp: DateTime<Utc>,
    go_live: DateTime<Utc>,
    total: u64,
    target_patients: usize,
    patients: Vec<DemoPatient>,
    /// Patients who may have more entries (not those whose death was notified), oldest first.
    reusable: Vec<usize>,
    nhs_used: HashSet<u32>,
    local_names: HashSet<(String, String, NaiveDate)>,
    /// Entries planned so far.
    index: u64,
    logged: u32,
}

impl<'t, 'c> Demo<'t, 'c> {
    fn new(
        tx: &'t Tx<'c>,
        rng: ChaCha8Rng,
        workstations: Vec<String>,
        fdp: DateTime<Utc>,
        go_live: DateTime<Utc>,
        entries: u32,
    ) -> Self {
        let target = usize::try_from(entries / 2).unwrap_or(usize::MAX).max(1);
        Demo {
            tx,
            rng,
            workstations,
            fdp,
            go_live,
            total: u64::from(entries),
            target_patients: target,
            patients: Vec::new(),
            reusable: Vec::new(),
            nhs_used: HashSet::new(),
            local_names: HashSet::new(),
            index: 0,
            logged: 0,
        }
    }

    fn chance(&mut self, percent: u32) -> bool {
        self.rng.random_range(0..100) < percent
    }

    fn pick<T: Copy>(&mut self, xs: &[T]) -> T {
        xs[self.rng.random_range(0..xs.len())]
    }

    fn weighted<T: Copy>(&mut self, xs: &[(T, u32)]) -> T {
        let total: u32 = xs.iter().map(|(_, w)| w).sum();
        let mut roll = self.rng.random_range(0..total.max(1));
        for &(x, w) in xs {
            if roll < w {
                return x;
            }
            roll -= w;
        }
        xs[xs.len() - 1].0
    }

    fn flags_from(&mut self, table: &[(Flag, u32)], flags: &mut Vec<Flag>) {
        for &(flag, percent) in table {
            if self.chance(percent) {
                flags.push(flag);
            }
        }
    }

    /// Entries spread over the cutover's quarter hours by how busy each is, made in the order they
    /// were typed. Every kind appears at least once when there are 14 entries or more.
    fn run(&mut self) -> Result<()> {
        let slots = slots(self.fdp, self.go_live);
        let total_weight: u64 = slots.iter().map(|s| s.weight).sum::<u64>().max(1);
        let forced = self.forced_kinds();
        let latest = self.go_live - TimeDelta::seconds(1);
        let mut planned = 0u64;
        let mut cumulative = 0u64;
        for slot in &slots {
            cumulative += slot.weight;
            let upto = self.total * cumulative / total_weight;
            let mut batch = Vec::new();
            for i in planned..upto {
                let occurred = slot.start + TimeDelta::minutes(self.rng.random_range(0..SLOT_MINUTES));
                let delay = TimeDelta::seconds(self.rng.random_range(40..900));
                let recorded = (occurred + delay).min(latest).max(occurred);
                let kind = match forced.get(&i) {
                    Some(kind) => *kind,
                    None => self.weighted(match slot.period {
                        Period::Open => OPEN_KINDS,
                        Period::Quiet => QUIET_KINDS,
                        Period::Night => NIGHT_KINDS,
                    }),
                };
                batch.push(Planned { kind, occurred, recorded });
            }
            batch.sort_by_key(|p| p.recorded);
            for p in batch {
                self.entry(p)?;
            }
            planned = upto;
        }
        Ok(())
    }

    fn forced_kinds(&mut self) -> HashMap<u64, Kind> {
        let mut forced = HashMap::new();
        if self.total < Kind::ALL.len() as u64 {
            return forced;
        }
        for kind in Kind::ALL {
            loop {
                let i = self.rng.random_range(0..self.total);
                if let std::collections::hash_map::Entry::Vacant(v) = forced.entry(i) {
                    v.insert(kind);
                    break;
                }
            }
        }
        forced
    }

    fn entry(&mut self, p: Planned) -> Result<()> {
        let kind = p.kind;
        let logger = self.weighted(loggers(kind));
        let desk = match STAFF[logger].job {
            Job::Reception if self.chance(15) => {
                if STAFF[logger].desk == R1 {
                    R2
                } else {
                    R1
                }
            }
            _ => STAFF[logger].desk,
        };
        let actor = staff_actor(logger, &self.workstations[desk]);
        self.tx.set_now(p.recorded);
        let movement = (kind == Kind::DispensaryStock).then(|| self.weighted(MOVEMENTS));
        let patient = if kind != Kind::DispensaryStock || movement == Some("dispensed") {
            Some(self.patient_for(&actor, kind == Kind::Registration)?)
        } else {
            None
        };
        let ctx = Ctx { kind, logger, occurred: p.occurred, patient, movement };
        let mut sets = Sets::default();
        let mut flags = Vec::new();
        self.fill(&ctx, &mut sets, &mut flags)?;
        sets.set("occurred_at", time::format_uk(p.occurred));
        let mut content = fields::build_content(kind, None, &sets.0, p.recorded).map_err(Error::Invalid)?;
        for flag in flags {
            content.add_flag(flag);
        }
        let patient_id = patient.and_then(|i| self.patients.get(i)).map(|p| p.id.clone());
        let saved = self.tx.log_entry(&actor, &content, patient_id.as_deref())?;
        self.index += 1;
        self.logged += 1;
        if let Some(i) = patient.filter(|_| content.has_flag(Flag::Deceased)) {
            self.reusable.retain(|&r| r != i);
        }
        self.maybe_revise(&actor, &saved, &content, patient_id.as_deref())
    }

    /// About 2% of entries amended once, about 0.5% voided.
    fn maybe_revise(
        &mut self,
        actor: &Actor,
        saved: &SavedEntry,
        content: &EntryContent,
        patient_id: Option<&str>,
    ) -> Result<()> {
        let roll = self.rng.random_range(0..1000);
        if roll >= 25 {
            return Ok(());
        }
        let header = self.tx.find_entry(&saved.id)?;
        let later = self.tx.now() + TimeDelta::seconds(self.rng.random_range(300..4 * 3600));
        self.tx.set_now(later);
        if roll < 5 {
            let reason = self.pick(VOID_REASONS);
            self.tx.revise_entry(actor, &header, content, patient_id, Some(reason), true)?;
            return Ok(());
        }
        let mut sets = Sets::default();
        let mut reason = self.pick(AMEND_REASONS);
        match content.kind {
            Kind::Appointment if content.field_str("appointment_status") == Some("booked") => {
                let moved = self.future_slot();
                sets.set("appointment_at", time::format_uk(moved));
                sets.set(
                    "summary",
                    clip(format!("{} (moved to {})", content.summary, time::format_uk_day(moved)), fields::SUMMARY_MAX),
                );
                reason = "Moved at the patient's request";
            }
            Kind::Prescription if content.fields.contains_key("quantity") => {
                sets.set("quantity", "56");
                reason = "Quantity corrected";
            }
            _ => {
                let added = "Added later: patient called back to confirm the details.";
                let notes = match &content.notes {
                    Some(n) => format!("{n}\n{added}"),
                    None => added.to_string(),
                };
                sets.set("notes", notes);
            }
        }
        let mut amended = fields::build_content(content.kind, Some(content), &sets.0, later).map_err(Error::Invalid)?;
        if self.chance(10) {
            amended.add_flag(Flag::Urgent);
        }
        self.tx.revise_entry(actor, &header, &amended, patient_id, Some(reason), false)?;
        Ok(())
    }

    // --- patients ---

    /// The patient an entry is about: a new one (making their record) or one seen before, so that
    /// about `target_patients` are made in all.
    fn patient_for(&mut self, actor: &Actor, registering: bool) -> Result<usize> {
        let remaining_entries = self.total.saturating_sub(self.index).max(1);
        let remaining_new = self.target_patients.saturating_sub(self.patients.len()) as u64;
        let make_new = self.reusable.is_empty()
            || registering
            || (remaining_new > 0 && self.rng.random_range(0..remaining_entries) < remaining_new);
        if !make_new {
            let n = self.reusable.len();
            // Often someone seen recently: a call, then an appointment, then a prescription.
            let at =
                if self.chance(50) { n - 1 - self.rng.random_range(0..n.min(40)) } else { self.rng.random_range(0..n) };
            return Ok(self.reusable[at]);
        }
        let mut patient = self.new_patient(registering)?;
        let input = PatientInput {
            nhs_number: patient.nhs.clone(),
            family_name: Some(patient.family.to_string()),
            given_name: Some(patient.given.to_string()),
            date_of_birth: Some(patient.dob),
            sex: Some(patient.sex.to_string()),
            postcode: Some(patient.postcode.clone()),
        };
        let check = crate::store::PatientCheck { registering: false, confirmed: true };
        patient.id = self.tx.resolve_patient(actor, &input, check)?.id;
        let index = self.patients.len();
        self.patients.push(patient);
        self.reusable.push(index);
        Ok(index)
    }

    fn new_patient(&mut self, registering: bool) -> Result<DemoPatient> {
        let sex = self.weighted(&[("female", 505), ("male", 490), ("not_known", 3), ("indeterminate", 2)]);
        let family = self.pick(FAMILY_NAMES);
        // New registrations often come before their NHS number is known; few others lack one.
        let traced = !self.chance(if registering { 40 } else { 1 });
        let nhs = if traced { self.fresh_nhs_number() } else { None };
        let mut tries = 0;
        loop {
            let given = match sex {
                "female" => self.pick(GIVEN_FEMALE),
                "male" => self.pick(GIVEN_MALE),
                _ if self.chance(50) => self.pick(GIVEN_FEMALE),
                _ => self.pick(GIVEN_MALE),
            };
            let (dob, dob_text, age) = self.date_of_birth()?;
            tries += 1;
            if nhs.is_none() {
                // Local records are told apart by name and date of birth: keep them distinct.
                let key = (fold(family), fold(given), dob);
                if self.local_names.contains(&key) && tries < 50 {
                    continue;
                }
                self.local_names.insert(key);
            }
            let postcode = self.postcode();
            return Ok(DemoPatient { id: String::new(), nhs, family, given, dob, dob_text, sex, postcode, age });
        }
    }

    /// A valid NHS number from the 999 test range not used before; None if none is found quickly.
    fn fresh_nhs_number(&mut self) -> Option<NhsNumber> {
        for _ in 0..1000 {
            let n: u32 = self.rng.random_range(0..1_000_000);
            if self.nhs_used.contains(&n) {
                continue;
            }
            if let Some(number) = nhs::with_check_digit(&format!("999{n:06}")) {
                self.nhs_used.insert(n);
                return Some(number);
            }
        }
        None
    }

    /// Born 1925–2025: a fifth children, a quarter 65 or over.
    fn date_of_birth(&mut self) -> Result<(NaiveDate, String, i32)> {
        let years = self.weighted(&[((2009, 2025), 20), ((1962, 2008), 52), ((1925, 1961), 28)]);
        let year: i32 = self.rng.random_range(years.0..=years.1);
        let month: u32 = self.rng.random_range(1..=12);
        let day: u32 = self.rng.random_range(1..=days_in_month(year, month));
        let text = format!("{day:02}/{month:02}/{year}");
        let date =
            time::parse_date_of_birth(&text, DateTime::<Utc>::UNIX_EPOCH).map_err(|p| refused("date_of_birth", p))?;
        let birthday_to_come = (month, day) > (11, 20);
        let age = 2026 - year - i32::from(birthday_to_come);
        Ok((date, text, age))
    }

    /// An invented "RV" (Riverside) postcode: valid in form, in no real area.
    fn postcode(&mut self) -> String {
        let district: u32 = self.rng.random_range(1..=12);
        let sector: u32 = self.rng.random_range(1..=9);
        let a = char::from(self.pick(INWARD_LETTERS));
        let b = char::from(self.pick(INWARD_LETTERS));
        format!("RV{district} {sector}{a}{b}")
    }

    fn patient(&self, ctx: &Ctx) -> Option<&DemoPatient> {
        ctx.patient.and_then(|i| self.patients.get(i))
    }

    /// A slot in the new system's appointment book: a weekday in the three weeks after go-live,
    /// busiest at the start.
    fn future_slot(&mut self) -> DateTime<Utc> {
        let days = self.rng.random_range(0..21i64).min(self.rng.random_range(0..21i64));
        // Days on the calendar, so a booking keeps its clock time across a change of the clocks.
        let at = time::add_days_local(self.go_live, days) + TimeDelta::minutes(10 * self.rng.random_range(0..60i64));
        match at.with_timezone(&UK).weekday() {
            Weekday::Sat => time::add_days_local(at, 2),
            Weekday::Sun => time::add_days_local(at, 1),
            _ => at,
        }
    }

    fn gp(&mut self) -> usize {
        if self.chance(50) { JO } else { MW }
    }

    /// The logger if they are a GP, otherwise one of the GPs.
    fn gp_or(&mut self, logger: usize) -> usize {
        if STAFF[logger].job == Job::Gp { logger } else { self.gp() }
    }

    // --- content, kind by kind ---

    fn fill(&mut self, ctx: &Ctx, sets: &mut Sets, flags: &mut Vec<Flag>) -> Result<()> {
        match ctx.kind {
            Kind::Appointment => self.appointment(ctx, sets),
            Kind::Consultation => self.consultation(ctx, sets, flags),
            Kind::HomeVisit => self.home_visit(ctx, sets, flags),
            Kind::Telephone => self.telephone(ctx, sets, flags),
            Kind::Prescription => self.prescription(ctx, sets, flags),
            Kind::Registration => self.registration(ctx, sets)?,
            Kind::Pathology => self.pathology(ctx, sets, flags),
            Kind::Referral => self.referral(ctx, sets, flags),
            Kind::Correspondence => self.correspondence(ctx, sets, flags),
            Kind::Document => self.document(ctx, sets),
            Kind::Screening => self.screening(ctx, sets),
            Kind::Summarisation => self.summarisation(sets),
            Kind::DispensaryStock => self.dispensary_stock(ctx, sets)?,
            Kind::Note => self.note(sets, flags),
        }
        // A few more marked urgent by whoever typed them.
        let clinical =
            !matches!(ctx.kind, Kind::Summarisation | Kind::DispensaryStock | Kind::Document | Kind::Registration);
        if clinical && self.chance(1) {
            flags.push(Flag::Urgent);
        }
        Ok(())
    }

    fn appointment(&mut self, ctx: &Ctx, sets: &mut Sets) {
        let clinician = self.weighted(&[(JO, 35), (MW, 35), (SN, 20), (RD, 10)]);
        let person = &STAFF[clinician];
        let reason = self.pick(APPOINTMENT_REASONS);
        let (at, status) = if self.chance(75) {
            let status = if self.chance(88) { "booked" } else { "cancelled" };
            (self.future_slot(), status)
        } else {
            let status = self.weighted(&[("attended", 65), ("did_not_attend", 15), ("cancelled", 20)]);
            (ctx.occurred, status)
        };
        let slot = self.weighted(&[("face_to_face", 62), ("telephone", 28), ("video", 6), ("home_visit", 4)]);
        let minutes = match person.job {
            Job::Nurse => self.pick(&[15, 20, 30]),
            Job::Pharmacist => self.pick(&[20, 30]),
            _ => self.pick(&[10, 10, 15, 15, 20]),
        };
        let how = match slot {
            "telephone" => "telephone appointment",
            "video" => "video appointment",
            "home_visit" => "home visit",
            _ => "appointment",
        };
        let when = time::format_uk_day(at);
        let summary = match status {
            "booked" => format!("Booked {how} with {} {when}: {reason}", person.known_as),
            "cancelled" => format!("Cancelled {how} with {} {when} ({reason})", person.known_as),
            "attended" => format!("Attended {how} with {} {when}: {reason}", person.known_as),
            _ => format!("Did not attend {how} with {} {when}", person.known_as),
        };
        sets.set("summary", clip(summary, fields::SUMMARY_MAX));
        sets.set("appointment_at", time::format_uk(at));
        sets.set("clinician", person.known_as);
        sets.set("slot_type", slot);
        sets.set("duration_min", minutes.to_string());
        sets.set("appointment_status", status);
        match slot {
            "home_visit" => sets.set("location", "Patient's home"),
            "face_to_face" => {
                let place = self.weighted(&[("Main surgery", 80), ("Hillside branch surgery", 20)]);
                sets.set("location", place);
            }
            _ => {}
        }
        if self.chance(12) {
            let note = self.pick(&[
                "Prefers a morning slot.",
                "Needs step-free access.",
                "Interpreter (Polish) to be booked.",
                "Please text a reminder.",
            ]);
            sets.set("notes", note);
        }
    }

    fn presentation(&mut self, ctx: &Ctx, job: Job) -> &'static Presentation {
        let table = match job {
            Job::Nurse => NURSE_PRESENTATIONS,
            Job::Pharmacist => PHARMACIST_PRESENTATIONS,
            _ => GP_PRESENTATIONS,
        };
        let mut chosen = &table[self.rng.random_range(0..table.len())];
        for _ in 0..6 {
            let suits = self.patient(ctx).is_none_or(|p| chosen.who.suits(p));
            if suits {
                break;
            }
            chosen = &table[self.rng.random_range(0..table.len())];
        }
        chosen
    }

    fn consultation(&mut self, ctx: &Ctx, sets: &mut Sets, flags: &mut Vec<Flag>) {
        let clinician = if STAFF[ctx.logger].role == Role::Clinician { ctx.logger } else { self.gp() };
        let person = &STAFF[clinician];
        let p = self.presentation(ctx, person.job);
        let mode = self.weighted(&[("face_to_face", 75), ("telephone", 20), ("video", 5)]);
        sets.set("summary", p.summary);
        sets.set("clinician", person.known_as);
        sets.set("mode", mode);
        sets.set_if("history", p.history);
        if mode == "face_to_face" {
            sets.set_if("examination", p.examination);
        }
        sets.set_if("assessment", p.assessment);
        sets.set_if("plan", p.plan);
        sets.set_if("follow_up", p.follow_up);
        if let Some(code) = p.code.filter(|_| self.chance(60)) {
            sets.set("codes", code);
        }
        self.flags_from(p.flags, flags);
    }

    fn home_visit(&mut self, ctx: &Ctx, sets: &mut Sets, flags: &mut Vec<Flag>) {
        let weights: Vec<(usize, u32)> = VISITS.iter().enumerate().map(|(i, v)| (i, v.weight)).collect();
        let v = &VISITS[self.weighted(&weights)];
        let clinician = self.gp_or(ctx.logger);
        let requested_at = ctx.occurred - TimeDelta::minutes(self.rng.random_range(20..240));
        let requested_at = requested_at.max(self.fdp);
        let status = if STAFF[ctx.logger].job == Job::Reception {
            if self.chance(85) { "requested" } else { "cancelled" }
        } else if self.chance(92) {
            "done"
        } else {
            "cancelled"
        };
        let summary = match status {
            "requested" => format!("Home visit requested: {}", v.reason),
            "cancelled" => format!("Home visit cancelled (admitted to hospital): {}", v.reason),
            _ => format!("Home visit by {}: {}", STAFF[clinician].known_as, v.assessment),
        };
        sets.set("summary", clip(summary, fields::SUMMARY_MAX));
        sets.set("requested_at", time::format_uk(requested_at));
        sets.set("reason", v.reason);
        sets.set("clinician", STAFF[clinician].known_as);
        sets.set("visit_status", status);
        if status == "done" {
            sets.set_if("history", v.history);
            sets.set_if("examination", v.examination);
            sets.set_if("assessment", v.assessment);
            sets.set_if("plan", v.plan);
            sets.set_if("follow_up", v.follow_up);
            self.flags_from(v.flags, flags);
        } else if status == "requested" && self.chance(15) {
            flags.push(Flag::Urgent);
        }
    }

    fn telephone(&mut self, ctx: &Ctx, sets: &mut Sets, flags: &mut Vec<Flag>) {
        let weights: Vec<(usize, u32)> = CALLS.iter().enumerate().map(|(i, c)| (i, c.weight)).collect();
        let call = &CALLS[self.weighted(&weights)];
        let summary = if call.incoming {
            format!("Call from {}: {}. {}", lower_first(call.caller), lower_first(call.reason), call.outcome)
        } else {
            format!("Call to {}: {}. {}", lower_first(call.caller), lower_first(call.reason), call.outcome)
        };
        sets.set("summary", clip(summary, fields::SUMMARY_MAX));
        sets.set("direction", if call.incoming { "incoming" } else { "outgoing" });
        sets.set("caller", call.caller);
        sets.set("reason", call.reason);
        sets.set("outcome", call.outcome);
        sets.set("handled_by", STAFF[ctx.logger].known_as);
        if call.outcome.contains("duty doctor") || call.outcome.contains("GP") {
            let gp = self.gp_or(ctx.logger);
            sets.set("author", STAFF[gp].id);
        }
        self.flags_from(call.flags, flags);
    }

    fn prescription(&mut self, ctx: &Ctx, sets: &mut Sets, flags: &mut Vec<Flag>) {
        let (drug, dose, quantity, unit, usual, controlled) = self.pick(DRUGS);
        let by_reception = STAFF[ctx.logger].job == Job::Reception;
        let prescriber = if STAFF[ctx.logger].role == Role::Clinician { ctx.logger } else { self.gp() };
        let rx_type = if usual == "repeat" && self.chance(10) { "repeat_dispensing" } else { usual };
        let status = if by_reception {
            "requested"
        } else {
            self.weighted(&[
                ("issued", 80),
                ("requested", 5),
                ("declined", 5),
                ("cancelled_on_spine", 4),
                ("awaiting_reissue", 6),
            ])
        };
        let route = self.weighted(&[("fp10_paper", 70), ("eps", 20), ("dispensed", 10)]);
        let channel = self.weighted(&[
            ("Phone", 30),
            ("Community pharmacy", 20),
            ("Paper repeat slip", 20),
            ("In person", 15),
            ("Online request", 15),
        ]);
        let summary = match status {
            "issued" => format!("Issued {drug} x{quantity} ({})", rx_type.replace('_', " ")),
            "requested" => format!("Request: {drug} x{quantity} ({channel})"),
            "declined" => format!("Declined {drug}: review needed first"),
            "cancelled_on_spine" => format!("{drug}: cancelled on the Spine, reissue on paper"),
            _ => format!("{drug}: awaiting reissue after go-live"),
        };
        sets.set("summary", clip(summary, fields::SUMMARY_MAX));
        sets.set("drug", drug);
        sets.set("dose", dose);
        sets.set("quantity", quantity.to_string());
        sets.set("quantity_unit", unit);
        sets.set("rx_type", rx_type);
        sets.set("route", route);
        sets.set("rx_status", status);
        sets.set("prescriber", STAFF[prescriber].known_as);
        sets.set("request_channel", channel);
        sets.set("controlled_drug", if controlled { "yes" } else { "no" });
        if by_reception {
            sets.set("author", STAFF[prescriber].id);
        }
        if usual == "acute" && self.chance(8) {
            flags.push(Flag::MedicationChange);
        }
        if rx_type == "repeat" && self.chance(4) {
            flags.push(Flag::MedicationChange);
            sets.set("notes", "Dose changed: update the repeat template in the new system.");
        }
        if drug.starts_with("Amoxicillin") && self.chance(3) {
            flags.push(Flag::NewAllergy);
            sets.set("notes", "Rash after the first doses: record penicillin allergy.");
        }
    }

    fn registration(&mut self, ctx: &Ctx, sets: &mut Sets) -> Result<()> {
        let Some(p) = self.patient(ctx) else {
            return Err(refused("patient", Problem::Required));
        };
        let (family, given, dob_text, sex, postcode) =
            (p.family, p.given, p.dob_text.clone(), p.sex, p.postcode.clone());
        let traced = p.nhs.is_some();
        let number: u32 = self.rng.random_range(1..=120);
        let street = self.pick(STREETS);
        let phone = format!("07700 900{:03}", self.rng.random_range(0..1000));
        let from = self.pick(&[
            "Hillside Medical Centre, Leeds",
            "Harbour Street Surgery, Bristol",
            "Canal View Practice, Cardiff",
            "Abroad (first registration in the UK)",
            "Northbank Health Centre",
        ]);
        let registration_type = self.weighted(&[("permanent", 80), ("temporary", 15), ("immediately_necessary", 5)]);
        let why = match registration_type {
            "temporary" => "temporary resident",
            "immediately_necessary" => "immediately necessary treatment",
            _ => "new patient",
        };
        let unknown = if traced { "" } else { ", NHS number not known" };
        sets.set("summary", clip(format!("New registration ({why}): {given} {family}{unknown}"), fields::SUMMARY_MAX));
        sets.set("family_name", family);
        sets.set("given_name", given);
        sets.set("date_of_birth", dob_text);
        sets.set("sex", sex);
        sets.set("address", format!("{number} {street}, Riverside"));
        sets.set("postcode", postcode);
        sets.set("phone", phone);
        sets.set("previous_practice", from);
        sets.set("registration_type", registration_type);
        sets.set("form_received", if self.chance(80) { "yes" } else { "no" });
        // A new permanent patient cannot finish registering until go-live: they are asked back.
        sets.set("asked_to_come_back", if registration_type == "permanent" { "yes" } else { "no" });
        Ok(())
    }

    fn pathology(&mut self, ctx: &Ctx, sets: &mut Sets, flags: &mut Vec<Flag>) {
        let (test, normal, abnormal_result, action, urgent) = self.pick(TESTS);
        let abnormal = self.chance(22);
        let reviewer = self.gp_or(ctx.logger);
        let via =
            if abnormal && urgent { "phone" } else { self.weighted(&[("paper", 70), ("phone", 20), ("other", 10)]) };
        let summary = if abnormal { format!("{test}: {abnormal_result}. {action}") } else { format!("{test}: normal") };
        sets.set("summary", clip(summary, fields::SUMMARY_MAX));
        sets.set("test", test);
        sets.set("result", if abnormal { abnormal_result } else { normal });
        sets.set("abnormal", if abnormal { "yes" } else { "no" });
        sets.set("received_via", via);
        let lab = self.pick(&["Riverside General Hospital laboratory", "Northbank Pathology"]);
        sets.set("lab", lab);
        if STAFF[ctx.logger].role == Role::Clinician || self.chance(50) {
            sets.set("reviewed_by", STAFF[reviewer].known_as);
        }
        sets.set("action", if abnormal { action } else { "No action" });
        sets.set("expected_electronically", if self.chance(75) { "yes" } else { "no" });
        if abnormal && urgent {
            flags.push(Flag::Urgent);
        }
        if abnormal && test == "INR" {
            flags.push(Flag::MedicationChange);
        }
    }

    fn referral(&mut self, ctx: &Ctx, sets: &mut Sets, flags: &mut Vec<Flag>) {
        let (specialty, reason, cancer) = self.pick(SPECIALTIES);
        let urgency = if cancer && self.chance(70) {
            "two_week_wait"
        } else if self.chance(25) {
            "urgent"
        } else {
            "routine"
        };
        let method = self.weighted(&[("ers", 70), ("paper", 20), ("email", 10)]);
        let sent = self.chance(80);
        let heading = match urgency {
            "two_week_wait" => "2WW referral",
            "urgent" => "Urgent referral",
            _ => "Referral",
        };
        let unsent = if sent { "" } else { " (not sent yet)" };
        sets.set(
            "summary",
            clip(format!("{heading} to {}: {reason}{unsent}", lower_first(specialty)), fields::SUMMARY_MAX),
        );
        sets.set("specialty", specialty);
        sets.set("urgency", urgency);
        let service = self.pick(SERVICES);
        sets.set("service", service);
        sets.set("method", method);
        if method == "ers" && sent {
            let ubrn =
                format!("{}{:011}", self.rng.random_range(1..10u64), self.rng.random_range(0..100_000_000_000u64));
            sets.set("ubrn", ubrn);
        }
        sets.set("sent", if sent { "yes" } else { "no" });
        sets.set("reason", reason);
        if STAFF[ctx.logger].job == Job::Admin {
            let gp = self.gp();
            sets.set("author", STAFF[gp].id);
        }
        if urgency == "two_week_wait" && (!sent || self.chance(20)) {
            flags.push(Flag::Urgent);
        }
    }

    fn correspondence(&mut self, ctx: &Ctx, sets: &mut Sets, flags: &mut Vec<Flag>) {
        let weights: Vec<(usize, u32)> = LETTERS.iter().enumerate().map(|(i, l)| (i, l.1)).collect();
        let (source, _, summary, action_required, action, table) = LETTERS[self.weighted(&weights)];
        let received = ctx.occurred - TimeDelta::minutes(self.rng.random_range(0..180));
        sets.set("summary", summary);
        sets.set("source", source);
        sets.set("received_at", time::format_uk(received));
        sets.set("action_required", if action_required { "yes" } else { "no" });
        sets.set_if("action", action);
        let reviewer = self.gp_or(ctx.logger);
        if STAFF[ctx.logger].job == Job::Gp || self.chance(60) {
            sets.set("reviewed_by", STAFF[reviewer].known_as);
        }
        if STAFF[ctx.logger].job == Job::Admin && action_required {
            sets.set("author", STAFF[reviewer].id);
        }
        self.flags_from(table, flags);
    }

    fn document(&mut self, ctx: &Ctx, sets: &mut Sets) {
        let (kind, sender, from, most) = self.pick(DOCUMENTS);
        let pages: u32 = self.rng.random_range(1..=most);
        let received = ctx.occurred - TimeDelta::minutes(self.rng.random_range(0..120));
        let plural = if pages == 1 { "" } else { "s" };
        sets.set(
            "summary",
            clip(format!("To scan: {} from {from} ({pages} page{plural})", lower_first(kind)), fields::SUMMARY_MAX),
        );
        sets.set("document_type", kind);
        sets.set("received_at", time::format_uk(received.max(self.fdp)));
        sets.set("sender", sender);
        sets.set("pages", pages.to_string());
    }

    fn screening(&mut self, ctx: &Ctx, sets: &mut Sets) {
        let (age, female) = self.patient(ctx).map_or((50, true), |p| (p.age, p.sex == "female"));
        let mut eligible: Vec<&'static str> = Vec::new();
        if (50..=74).contains(&age) {
            eligible.push("bowel");
        }
        if female && (50..=71).contains(&age) {
            eligible.push("breast");
        }
        if female && (25..=64).contains(&age) {
            eligible.push("cervical");
        }
        if !female && (65..=75).contains(&age) {
            eligible.push("aaa");
        }
        if age >= 12 {
            eligible.push("diabetic_eye");
        }
        let programme = if eligible.is_empty() { "other" } else { self.pick(&eligible) };
        let event = self.weighted(&[("result", 60), ("invite", 20), ("kit", 10), ("other", 10)]);
        let abnormal = event == "result" && self.chance(12);
        let result = match (programme, event, abnormal) {
            ("bowel", "result", false) => "FIT negative: routine recall",
            ("bowel", "result", true) => "FIT positive: colonoscopy arranged by the screening hub",
            ("bowel", "kit", _) => "Test kit spoiled: replacement sent",
            ("breast", "result", false) => "Normal: routine recall in 3 years",
            ("breast", "result", true) => "Recalled for further assessment",
            ("cervical", "result", false) => "HPV negative: recall in 5 years",
            ("cervical", "result", true) => "HPV positive, low-grade changes: colposcopy referral",
            ("aaa", "result", false) => "Aorta normal: discharged from the programme",
            ("aaa", "result", true) => "Small aneurysm 3.4 cm: annual surveillance",
            ("diabetic_eye", "result", false) => "No retinopathy: annual recall",
            ("diabetic_eye", "result", true) => "Referable retinopathy: referred to eye clinic",
            ("other", "result", _) => "Newborn blood spot: normal",
            (_, "invite", _) => "Invitation sent",
            (_, "kit", _) => "Kit sent",
            _ => "Did not attend: programme will re-invite",
        };
        let label = match programme {
            "bowel" => "Bowel screening",
            "breast" => "Breast screening",
            "cervical" => "Cervical screening",
            "aaa" => "AAA screening",
            "diabetic_eye" => "Diabetic eye screening",
            _ => "Screening",
        };
        sets.set("summary", format!("{label}: {result}"));
        sets.set("programme", programme);
        sets.set("event", event);
        sets.set("result", result);
        if event == "result" {
            sets.set("abnormal", if abnormal { "yes" } else { "no" });
        }
    }

    fn summarisation(&mut self, sets: &mut Sets) {
        let record_type = self.pick(RECORD_TYPES);
        let items: u32 = self.rng.random_range(3..=40);
        sets.set("summary", format!("Summarised {} ({items} items)", lower_first(record_type)));
        sets.set("record_type", record_type);
        sets.set("items", items.to_string());
        if self.chance(50) {
            sets.set("notes", "Done in a quiet spell. Check against the record in the new system after go-live.");
        }
    }

    fn dispensary_stock(&mut self, ctx: &Ctx, sets: &mut Sets) -> Result<()> {
        let (item, pack) = self.pick(STOCK);
        let movement = ctx.movement.unwrap_or("count");
        let packs: u32 = match movement {
            "count" => self.rng.random_range(0..=40),
            "received" => self.rng.random_range(1..=20),
            "dispensed" => self.rng.random_range(1..=2),
            _ => self.rng.random_range(1..=3),
        };
        let plural = if packs == 1 { "" } else { "s" };
        let summary = match movement {
            "count" => format!("Stock count: {item}, {packs} pack{plural}"),
            "received" => format!("Received {packs} pack{plural} of {item}"),
            "dispensed" => format!("Dispensed {packs} pack{plural} of {item}"),
            _ => format!("Returned {packs} pack{plural} of {item} to the wholesaler"),
        };
        let letters = [char::from(self.pick(INWARD_LETTERS)), char::from(self.pick(INWARD_LETTERS))];
        let batch = format!("{}{}{:05}", letters[0], letters[1], self.rng.random_range(0..100_000));
        let year: i32 = self.rng.random_range(2027..=2029);
        let month: u32 = self.rng.random_range(1..=12);
        let expiry = format!("{:02}/{month:02}/{year}", days_in_month(year, month));
        // Checked here too, so a bad date is this generator's error, named as such.
        time::parse_date(&expiry, DateTime::<Utc>::UNIX_EPOCH).map_err(|p| refused("expiry", p))?;
        sets.set("summary", clip(summary, fields::SUMMARY_MAX));
        sets.set("item", item);
        sets.set("pack_size", pack.to_string());
        sets.set("quantity", packs.to_string());
        sets.set("movement", movement);
        sets.set("batch", batch);
        sets.set("expiry", expiry);
        Ok(())
    }

    fn note(&mut self, sets: &mut Sets, flags: &mut Vec<Flag>) {
        let weights: Vec<(usize, u32)> = NOTES
            .iter()
            .enumerate()
            .map(|(i, n)| {
                let weight = match n.2 {
                    [] => 10,
                    flags if flags.iter().any(|(f, _)| *f == Flag::Deceased) => 1,
                    _ => 3,
                };
                (i, weight)
            })
            .collect();
        let (summary, notes, table) = NOTES[self.weighted(&weights)];
        sets.set("summary", summary);
        sets.set_if("notes", notes);
        self.flags_from(table, flags);
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::store::{EntryRow, ListFilter};

    fn made(entries: u32, seed: u64) -> (Store, Made) {
        let store = Store::open_in_memory().unwrap();
        let made = generate(&store, entries, seed).unwrap();
        (store, made)
    }

    fn rows(store: &Store) -> Vec<EntryRow> {
        let mut rows = Vec::new();
        store
            .each_entry(&ListFilter::default(), |r| {
                rows.push(r);
                Ok(())
            })
            .unwrap();
        rows
    }

    fn count(store: &Store, name: &str) -> i64 {
        store.counts().unwrap().into_iter().find(|(n, _)| *n == name).map(|(_, n)| n).unwrap()
    }

    #[test]
    fn demo_makes_every_kind_in_2000_entries() {
        let (store, made) = made(2000, 1);
        assert_eq!(made.entries, 2000);
        let rows = rows(&store);
        assert_eq!(rows.len(), 2000);
        for kind in Kind::ALL {
            assert!(rows.iter().any(|r| r.header.kind == kind), "no {kind} entry");
        }
        let share = |k: Kind| rows.iter().filter(|r| r.header.kind == k).count();
        assert!(share(Kind::Telephone) > share(Kind::Screening) * 5);
        assert!(share(Kind::Consultation) > share(Kind::Summarisation) * 5);
    }

    #[test]
    fn demo_makes_about_one_patient_per_two_entries() {
        let (store, made) = made(2000, 3);
        let patients = count(&store, "patients");
        assert_eq!(i64::from(made.patients), patients);
        assert!((950..=1010).contains(&patients), "{patients} patients");
        let local = count(&store, "patients without an NHS number");
        assert!((5..=80).contains(&local), "{local} without an NHS number");
    }

    #[test]
    fn demo_nhs_numbers_are_valid_and_in_the_test_range() {
        let (store, _) = made(1000, 5);
        let mut seen = HashSet::new();
        for row in rows(&store) {
            if let Some(nhs) = row.patient.and_then(|p| p.nhs_number) {
                assert!(nhs.starts_with("999"), "{nhs}");
                assert!(NhsNumber::parse(&nhs).is_ok(), "{nhs}");
                seen.insert(nhs);
            }
        }
        assert!(seen.len() > 300);
    }

    #[test]
    fn demo_same_seed_same_data_other_seed_other_data() {
        let (a, _) = made(600, 42);
        let (b, _) = made(600, 42);
        let (c, _) = made(600, 43);
        let (a, b, c) = (rows(&a), rows(&b), rows(&c));
        assert_eq!(a, b);
        let key = |rows: &[EntryRow]| -> Vec<(String, String, String)> {
            rows.iter().map(|r| (r.header.id.clone(), r.header.reference.clone(), r.content.summary.clone())).collect()
        };
        assert_ne!(key(&a), key(&c));
    }

    #[test]
    fn demo_database_passes_its_check() {
        let (store, _) = made(3000, 9);
        assert_eq!(store.check().unwrap(), Vec::new());
        assert!(count(&store, "revisions") > 3000);
        assert!(count(&store, "voided entries") >= 1);
        let settings = store.settings().unwrap();
        assert!(settings.is_demo());
        assert_eq!(settings.practice(), Some(PRACTICE));
        assert_eq!(store.local_workstation().unwrap().prefix, "PM");
        assert_eq!(count(&store, "workstations"), 6);
        assert_eq!(count(&store, "staff"), 8);
    }

    #[test]
    fn demo_times_fall_in_the_cutover() {
        let (store, _) = made(1500, 11);
        let settings = store.settings().unwrap();
        let (fdp, go_live) = (settings.fdp().unwrap(), settings.go_live().unwrap());
        for row in rows(&store) {
            let occurred = row.content.occurred_at;
            assert!(occurred >= fdp && occurred < go_live);
            assert!(row.header.recorded_at >= occurred);
            if let Some(at) = row.content.fields.get("appointment_at") {
                let at = time::from_storage(at.as_str().unwrap()).unwrap();
                if row.content.field_str("appointment_status") == Some("booked") {
                    assert!(at >= go_live && at < go_live + TimeDelta::days(24));
                }
            }
        }
    }

    #[test]
    fn demo_fills_a_database_already_set_up_with_no_entries() {
        let store = Store::open_in_memory().unwrap();
        let here = store.local_workstation().unwrap().id;
        let actor = store.setup_actor(None).unwrap();
        store
            .write(|tx| {
                tx.set_settings(&actor, &[(settings_key::PRACTICE, "Somewhere".to_string())])?;
                let kasia = StaffMember { id: "KL".into(), name: "K L".into(), role: Role::Admin };
                tx.add_staff(&actor, &kasia)
            })
            .unwrap();
        let made = generate(&store, 300, 4).unwrap();
        assert_eq!(made.entries, 300);
        assert_eq!(store.local_workstation().unwrap().id, here, "rows refer to it: kept");
        assert_eq!(store.check().unwrap(), Vec::new());
        assert_eq!(store.settings().unwrap().practice(), Some(PRACTICE));
    }

    #[test]
    fn demo_lower_first_keeps_acronyms() {
        assert_eq!(lower_first("Hospital ward"), "hospital ward");
        assert_eq!(lower_first("Paper Lloyd George notes"), "paper Lloyd George notes");
        assert_eq!(lower_first("NHS 111"), "NHS 111");
        assert_eq!(lower_first("ENT"), "ENT");
        assert_eq!(lower_first("GP2GP record"), "GP2GP record");
    }

    #[test]
    fn demo_handles_tiny_sizes() {
        for entries in [0, 1, 2, 13, 14] {
            let (store, made) = made(entries, 2);
            assert_eq!(made.entries, entries);
            assert_eq!(rows(&store).len(), entries as usize);
            assert_eq!(store.check().unwrap(), Vec::new());
        }
    }
}
