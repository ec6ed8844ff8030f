//! The kinds of entry, their fields and flags (`data-dictionary.md`), and how a typed value becomes a stored one.

use std::collections::BTreeMap;

use chrono::{DateTime, Utc};
use serde_json::Value;

use super::{Problem, nhs::NhsNumber, snomed, time};

/// Longest summary, in characters: one line a re-entry clerk reads first.
pub const SUMMARY_MAX: usize = 200;
/// Longest short text field, in characters.
pub const SHORT_TEXT_MAX: usize = 500;
/// Longest free-text field (notes, history…), in characters: generous, but not unbounded.
pub const LONG_TEXT_MAX: usize = 1_000_000;

/// One allowed value of a pick-list: its stored name, the words the UI shows, and other spellings accepted.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Choice {
    pub name: &'static str,
    pub label: &'static str,
    pub aliases: &'static [&'static str],
}

const fn c(name: &'static str, label: &'static str) -> Choice {
    Choice { name, label, aliases: &[] }
}

const fn ca(name: &'static str, label: &'static str, aliases: &'static [&'static str]) -> Choice {
    Choice { name, label, aliases }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum FieldType {
    /// One line of text, at most this many characters.
    Text(usize),
    /// Free text over several lines.
    LongText,
    Pick(&'static [Choice]),
    YesNo,
    DateTime,
    Date,
    /// A date of birth: like `Date`, but a two-digit year is in the past ("41" is 1941).
    DateOfBirth,
    WholeNumber {
        min: i64,
        max: i64,
    },
    /// A quantity: zero or more, fractions allowed.
    Quantity,
    /// A SNOMED CT or dm+d identifier.
    ConceptId,
    /// SNOMED CT concepts, with optional terms.
    Codes,
    /// An e-Referral Unique Booking Reference Number: 12 digits.
    Ubrn,
    Postcode,
    Phone,
    /// A member of staff, by their short id.
    StaffId,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct FieldSpec {
    pub name: &'static str,
    pub label: &'static str,
    pub ty: FieldType,
    pub required: bool,
}

const fn opt(name: &'static str, label: &'static str, ty: FieldType) -> FieldSpec {
    FieldSpec { name, label, ty, required: false }
}

const fn req(name: &'static str, label: &'static str, ty: FieldType) -> FieldSpec {
    FieldSpec { name, label, ty, required: true }
}

use FieldType::*;

const SHORT: FieldType = Text(SHORT_TEXT_MAX);
const NAME: FieldType = Text(100);

const SLOT_TYPES: &[Choice] = &[
    ca("face_to_face", "Face to face", &["f2f"]),
    c("telephone", "Telephone"),
    c("video", "Video"),
    c("home_visit", "Home visit"),
];
const MODES: &[Choice] =
    &[ca("face_to_face", "Face to face", &["f2f"]), c("telephone", "Telephone"), c("video", "Video")];
const APPOINTMENT_STATUSES: &[Choice] = &[
    c("booked", "Booked"),
    c("cancelled", "Cancelled"),
    c("attended", "Attended"),
    ca("did_not_attend", "Did not attend", &["dna"]),
];
const VISIT_STATUSES: &[Choice] = &[c("requested", "Requested"), c("done", "Done"), c("cancelled", "Cancelled")];
const DIRECTIONS: &[Choice] = &[c("incoming", "Incoming"), c("outgoing", "Outgoing")];
const RX_TYPES: &[Choice] =
    &[c("acute", "Acute"), c("repeat", "Repeat"), ca("repeat_dispensing", "Repeat dispensing", &["rd", "erd"])];
const RX_ROUTES: &[Choice] = &[
    ca("fp10_paper", "FP10 (paper)", &["fp10", "paper"]),
    ca("eps", "EPS (electronic)", &["electronic"]),
    c("dispensed", "Dispensed by the practice"),
];
const RX_STATUSES: &[Choice] = &[
    c("requested", "Requested"),
    c("issued", "Issued"),
    c("declined", "Declined"),
    ca("cancelled_on_spine", "Cancelled on the Spine", &["cancelled"]),
    ca("awaiting_reissue", "Awaiting re-issue", &["awaiting_re_issue"]),
];
const REGISTRATION_TYPES: &[Choice] = &[
    c("permanent", "Permanent"),
    c("temporary", "Temporary resident"),
    c("immediately_necessary", "Immediately necessary treatment"),
];
pub const SEXES: &[Choice] = &[
    ca("female", "Female", &["f"]),
    ca("male", "Male", &["m"]),
    ca("indeterminate", "Indeterminate", &["i"]),
    ca("not_known", "Not known", &["u", "unknown"]),
];
const RECEIVED_VIA: &[Choice] = &[c("paper", "On paper"), ca("phone", "By phone", &["telephone"]), c("other", "Other")];
const URGENCIES: &[Choice] = &[
    ca("two_week_wait", "Two-week wait", &["2ww", "twww", "suspected_cancer"]),
    c("urgent", "Urgent"),
    c("routine", "Routine"),
];
const REFERRAL_METHODS: &[Choice] =
    &[ca("ers", "e-Referral Service", &["e_rs", "ereferral"]), c("paper", "Paper"), c("email", "Email")];
const CORRESPONDENCE_SOURCES: &[Choice] = &[
    ca("nhs_111", "NHS 111", &["111"]),
    ca("out_of_hours", "Out of hours", &["ooh"]),
    c("discharge", "Discharge summary"),
    ca("a_and_e", "A&E", &["ae", "a_e", "emergency_department", "ed"]),
    c("outpatient", "Outpatient letter"),
    c("other", "Other"),
];
const SCREENING_PROGRAMMES: &[Choice] = &[
    c("bowel", "Bowel"),
    c("breast", "Breast"),
    ca("cervical", "Cervical", &["smear"]),
    ca("aaa", "AAA (abdominal aortic aneurysm)", &["abdominal_aortic_aneurysm"]),
    ca("diabetic_eye", "Diabetic eye", &["retinal"]),
    c("other", "Other"),
];
const SCREENING_EVENTS: &[Choice] =
    &[c("result", "Result"), c("invite", "Invitation"), c("kit", "Kit"), c("other", "Other")];
const STOCK_MOVEMENTS: &[Choice] = &[
    ca("count", "Stock count", &["stock_count"]),
    c("received", "Received"),
    c("dispensed", "Dispensed"),
    c("returned", "Returned"),
];

/// The clinical fields a consultation records; a home visit records them too.
macro_rules! clinical_fields {
    () => {
        [
            opt("history", "History", LongText),
            opt("examination", "Examination", LongText),
            opt("assessment", "Assessment", LongText),
            opt("plan", "Plan", LongText),
            opt("follow_up", "Follow-up", SHORT),
        ]
    };
}

const APPOINTMENT: &[FieldSpec] = &[
    req("appointment_at", "Appointment time", DateTime),
    opt("clinician", "Clinician", NAME),
    opt("slot_type", "Slot type", Pick(SLOT_TYPES)),
    opt("duration_min", "Length (minutes)", WholeNumber { min: 1, max: 600 }),
    opt("appointment_status", "Appointment status", Pick(APPOINTMENT_STATUSES)),
    opt("location", "Location", SHORT),
];

const CONSULTATION: &[FieldSpec] = &{
    let [h, e, a, p, f] = clinical_fields!();
    [req("clinician", "Clinician", NAME), opt("mode", "Mode", Pick(MODES)), h, e, a, p, f]
};

const HOME_VISIT: &[FieldSpec] = &{
    let [h, e, a, p, f] = clinical_fields!();
    [
        opt("requested_at", "Requested at", DateTime),
        opt("reason", "Reason", SHORT),
        opt("clinician", "Clinician", NAME),
        opt("visit_status", "Visit status", Pick(VISIT_STATUSES)),
        h,
        e,
        a,
        p,
        f,
    ]
};

const TELEPHONE: &[FieldSpec] = &[
    opt("direction", "Direction", Pick(DIRECTIONS)),
    opt("caller", "Caller", SHORT),
    opt("reason", "Reason", SHORT),
    opt("outcome", "Outcome", SHORT),
    opt("handled_by", "Handled by", NAME),
];

const PRESCRIPTION: &[FieldSpec] = &[
    req("drug", "Drug, strength and form", SHORT),
    opt("dmd_code", "dm+d code", ConceptId),
    opt("dose", "Dose", SHORT),
    opt("quantity", "Quantity", Quantity),
    opt("quantity_unit", "Quantity unit", NAME),
    opt("rx_type", "Prescription type", Pick(RX_TYPES)),
    opt("route", "Route", Pick(RX_ROUTES)),
    opt("rx_status", "Status", Pick(RX_STATUSES)),
    opt("prescriber", "Prescriber", NAME),
    opt("request_channel", "Requested by", SHORT),
    opt("controlled_drug", "Controlled drug", YesNo),
];

const REGISTRATION: &[FieldSpec] = &[
    req("family_name", "Family name", NAME),
    req("given_name", "Given name", NAME),
    req("date_of_birth", "Date of birth", DateOfBirth),
    opt("sex", "Sex", Pick(SEXES)),
    opt("address", "Address", SHORT),
    opt("postcode", "Postcode", Postcode),
    opt("phone", "Phone", Phone),
    opt("previous_practice", "Previous practice", SHORT),
    opt("registration_type", "Registration type", Pick(REGISTRATION_TYPES)),
    opt("form_received", "Registration form received", YesNo),
    // "New patients cannot complete registration until after the cut-off period so you will need
    // to ask them to come back after Go Live" (Cut-over and Go Live): the call-back list.
    opt("asked_to_come_back", "To come back after go-live", YesNo),
];

const PATHOLOGY: &[FieldSpec] = &[
    req("test", "Test", SHORT),
    opt("result", "Result", LongText),
    opt("abnormal", "Abnormal", YesNo),
    opt("received_via", "Received", Pick(RECEIVED_VIA)),
    opt("lab", "Laboratory", SHORT),
    opt("reviewed_by", "Reviewed by", NAME),
    opt("action", "Action", SHORT),
    opt("expected_electronically", "Lab will re-send it", YesNo),
];

const REFERRAL: &[FieldSpec] = &[
    req("specialty", "Specialty", SHORT),
    req("urgency", "Urgency", Pick(URGENCIES)),
    opt("service", "Service", SHORT),
    opt("method", "Sent by", Pick(REFERRAL_METHODS)),
    opt("ubrn", "UBRN", Ubrn),
    opt("sent", "Sent", YesNo),
    opt("reason", "Reason", SHORT),
];

const CORRESPONDENCE: &[FieldSpec] = &[
    req("source", "Source", Pick(CORRESPONDENCE_SOURCES)),
    opt("received_at", "Received at", DateTime),
    opt("action_required", "Action required", YesNo),
    opt("action", "Action", SHORT),
    opt("reviewed_by", "Reviewed by", NAME),
];

const DOCUMENT: &[FieldSpec] = &[
    opt("document_type", "Document type", SHORT),
    opt("received_at", "Received at", DateTime),
    opt("sender", "Sender", SHORT),
    opt("pages", "Pages", WholeNumber { min: 1, max: 10_000 }),
];

const SCREENING: &[FieldSpec] = &[
    req("programme", "Programme", Pick(SCREENING_PROGRAMMES)),
    opt("event", "Event", Pick(SCREENING_EVENTS)),
    opt("result", "Result", SHORT),
    opt("abnormal", "Abnormal", YesNo),
];

const SUMMARISATION: &[FieldSpec] =
    &[opt("record_type", "Record type", SHORT), opt("items", "Items", WholeNumber { min: 0, max: 100_000 })];

const DISPENSARY_STOCK: &[FieldSpec] = &[
    req("item", "Item", SHORT),
    opt("dmd_code", "dm+d code", ConceptId),
    opt("pack_size", "Pack size", WholeNumber { min: 1, max: 100_000 }),
    req("quantity", "Quantity", Quantity),
    opt("movement", "Movement", Pick(STOCK_MOVEMENTS)),
    opt("batch", "Batch", NAME),
    opt("expiry", "Expiry date", Date),
];

/// Fields every entry has besides its kind's own. `summary` and `occurred_at` are always present.
pub const COMMON_FIELDS: &[FieldSpec] = &[
    req("summary", "Summary", Text(SUMMARY_MAX)),
    req("occurred_at", "When it happened", DateTime),
    opt("author", "Responsible (if not you)", StaffId),
    opt("notes", "Notes", LongText),
    opt("codes", "SNOMED CT codes", Codes),
    opt("also_in_old_system", "Also in the old system", YesNo),
];

#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum Kind {
    Appointment,
    Consultation,
    HomeVisit,
    Telephone,
    Prescription,
    Registration,
    Pathology,
    Referral,
    Correspondence,
    Document,
    Screening,
    Summarisation,
    DispensaryStock,
    Note,
}

impl Kind {
    pub const ALL: [Kind; 14] = [
        Kind::Appointment,
        Kind::Consultation,
        Kind::HomeVisit,
        Kind::Telephone,
        Kind::Prescription,
        Kind::Registration,
        Kind::Pathology,
        Kind::Referral,
        Kind::Correspondence,
        Kind::Document,
        Kind::Screening,
        Kind::Summarisation,
        Kind::DispensaryStock,
        Kind::Note,
    ];

    pub fn name(self) -> &'static str {
        match self {
            Kind::Appointment => "appointment",
            Kind::Consultation => "consultation",
            Kind::HomeVisit => "home_visit",
            Kind::Telephone => "telephone",
            Kind::Prescription => "prescription",
            Kind::Registration => "registration",
            Kind::Pathology => "pathology",
            Kind::Referral => "referral",
            Kind::Correspondence => "correspondence",
            Kind::Document => "document",
            Kind::Screening => "screening",
            Kind::Summarisation => "summarisation",
            Kind::DispensaryStock => "dispensary_stock",
            Kind::Note => "note",
        }
    }

    pub fn label(self) -> &'static str {
        match self {
            Kind::Appointment => "Appointment",
            Kind::Consultation => "Consultation",
            Kind::HomeVisit => "Home visit",
            Kind::Telephone => "Telephone call",
            Kind::Prescription => "Prescription",
            Kind::Registration => "New registration",
            Kind::Pathology => "Pathology result",
            Kind::Referral => "Referral",
            Kind::Correspondence => "Correspondence",
            Kind::Document => "Document",
            Kind::Screening => "Screening",
            Kind::Summarisation => "Summarisation",
            Kind::DispensaryStock => "Dispensary stock",
            Kind::Note => "Note",
        }
    }

    pub fn names() -> Vec<&'static str> {
        Kind::ALL.iter().map(|k| k.name()).collect()
    }

    /// Accepts the stored name, the label, or either with other spacing and case ("Home visit", "home-visit").
    pub fn parse(input: &str) -> Result<Kind, Problem> {
        let wanted = normalise_word(input);
        Kind::ALL
            .into_iter()
            .find(|k| {
                normalise_word(k.name()) == wanted
                    || normalise_word(k.label()) == wanted
                    || (*k == Kind::Telephone && wanted == "call")
            })
            .ok_or_else(|| Problem::UnknownKind { allowed: Kind::names() })
    }

    /// The kind's own fields, in the order a form shows them.
    pub fn fields(self) -> &'static [FieldSpec] {
        match self {
            Kind::Appointment => APPOINTMENT,
            Kind::Consultation => CONSULTATION,
            Kind::HomeVisit => HOME_VISIT,
            Kind::Telephone => TELEPHONE,
            Kind::Prescription => PRESCRIPTION,
            Kind::Registration => REGISTRATION,
            Kind::Pathology => PATHOLOGY,
            Kind::Referral => REFERRAL,
            Kind::Correspondence => CORRESPONDENCE,
            Kind::Document => DOCUMENT,
            Kind::Screening => SCREENING,
            Kind::Summarisation => SUMMARISATION,
            Kind::DispensaryStock => DISPENSARY_STOCK,
            Kind::Note => &[],
        }
    }

    /// A field of this kind or one every entry has.
    pub fn field(self, name: &str) -> Option<&'static FieldSpec> {
        COMMON_FIELDS.iter().chain(self.fields()).find(|f| f.name == name)
    }

    fn field_names(self) -> Vec<&'static str> {
        COMMON_FIELDS.iter().chain(self.fields()).map(|f| f.name).collect()
    }
}

impl std::fmt::Display for Kind {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(self.name())
    }
}

/// Marks any entry may carry; they drive the re-entry order.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum Flag {
    Urgent,
    Safeguarding,
    NewAllergy,
    MedicationChange,
    NewDiagnosis,
    Deceased,
    Confidential,
}

impl Flag {
    pub const ALL: [Flag; 7] = [
        Flag::Urgent,
        Flag::Safeguarding,
        Flag::NewAllergy,
        Flag::MedicationChange,
        Flag::NewDiagnosis,
        Flag::Deceased,
        Flag::Confidential,
    ];

    pub fn name(self) -> &'static str {
        match self {
            Flag::Urgent => "urgent",
            Flag::Safeguarding => "safeguarding",
            Flag::NewAllergy => "new_allergy",
            Flag::MedicationChange => "medication_change",
            Flag::NewDiagnosis => "new_diagnosis",
            Flag::Deceased => "deceased",
            Flag::Confidential => "confidential",
        }
    }

    pub fn label(self) -> &'static str {
        match self {
            Flag::Urgent => "Urgent",
            Flag::Safeguarding => "Safeguarding",
            Flag::NewAllergy => "New allergy",
            Flag::MedicationChange => "Medication change",
            Flag::NewDiagnosis => "New diagnosis",
            Flag::Deceased => "Death notified",
            Flag::Confidential => "Confidential",
        }
    }

    pub fn parse(input: &str) -> Result<Flag, Problem> {
        let wanted = normalise_word(input);
        Flag::ALL
            .into_iter()
            .find(|f| normalise_word(f.name()) == wanted || normalise_word(f.label()) == wanted)
            .ok_or_else(|| Problem::UnknownFlag { allowed: Flag::ALL.iter().map(|f| f.name()).collect() })
    }
}

/// Lower case, with spaces, dashes and punctuation all treated alike: "Two-week wait" == "two_week_wait".
fn normalise_word(s: &str) -> String {
    let mut out = String::with_capacity(s.len());
    for ch in s.trim().chars() {
        if ch.is_alphanumeric() {
            out.extend(ch.to_lowercase());
        } else if ch == '&' {
            out.push_str("_and_");
        } else if !out.ends_with('_') {
            out.push('_');
        }
    }
    out.replace("__", "_").trim_matches('_').to_string()
}

/// The field a name refers to for this kind, or the problem naming the fields it has.
pub fn field_spec(kind: Kind, name: &str) -> Result<&'static FieldSpec, Problem> {
    kind.field(name.trim()).ok_or_else(|| Problem::UnknownField { kind: kind.name(), allowed: kind.field_names() })
}

/// Turns what was typed into the value stored. Empty input means "no value" (`Value::Null`).
pub fn parse_value(spec: &FieldSpec, input: &str, now: DateTime<Utc>) -> Result<Value, Problem> {
    let trimmed = input.trim();
    if trimmed.is_empty() {
        return Ok(Value::Null);
    }
    match spec.ty {
        // A one-line field stays one line however it was typed (a CSV cell with Alt+Enter, a shell
        // string with a newline): each line break becomes a space, as a paste into the form does.
        Text(max) => {
            let one_line = trimmed.replace("\r\n", " ").replace(['\r', '\n'], " ");
            within(&one_line, max).map(|s| Value::String(s.to_string()))
        }
        // Long text keeps its own layout, leading spaces and all.
        LongText => within(input, LONG_TEXT_MAX).map(|s| Value::String(s.to_string())),
        Pick(choices) => parse_choice(choices, trimmed).map(|c| Value::String(c.name.to_string())),
        YesNo => parse_yes_no(trimmed).map(Value::Bool),
        DateTime => time::parse_uk_datetime(trimmed, now).map(|t| Value::String(time::to_storage(t))),
        Date => time::parse_date(trimmed, now).map(|d| Value::String(d.format("%Y-%m-%d").to_string())),
        DateOfBirth => time::parse_date_of_birth(trimmed, now).map(|d| Value::String(d.format("%Y-%m-%d").to_string())),
        WholeNumber { min, max } => parse_whole(trimmed, min, max).map(Value::from),
        Quantity => parse_quantity(trimmed),
        ConceptId => snomed::parse_sctid(trimmed).map(Value::String),
        Codes => snomed::parse_codes(trimmed).map(|codes| serde_json::to_value(codes).unwrap_or(Value::Null)),
        Ubrn => parse_ubrn(trimmed).map(Value::String),
        Postcode => parse_postcode(trimmed).map(Value::String),
        Phone => parse_phone(trimmed).map(Value::String),
        StaffId => parse_staff_id(trimmed).map(Value::String),
    }
}

fn within(s: &str, max: usize) -> Result<&str, Problem> {
    let actual = s.chars().count();
    if actual > max { Err(Problem::TooLong { max, actual }) } else { Ok(s) }
}

pub fn parse_choice(choices: &'static [Choice], input: &str) -> Result<&'static Choice, Problem> {
    let wanted = normalise_word(input);
    choices
        .iter()
        .find(|c| {
            c.name == wanted
                || normalise_word(c.label) == wanted
                || c.aliases.iter().any(|a| normalise_word(a) == wanted)
        })
        .ok_or_else(|| Problem::NotInList { allowed: choices.iter().map(|c| c.name).collect() })
}

pub fn parse_yes_no(input: &str) -> Result<bool, Problem> {
    match input.trim().to_lowercase().as_str() {
        "yes" | "y" | "true" => Ok(true),
        "no" | "n" | "false" => Ok(false),
        _ => Err(Problem::NotYesNo),
    }
}

fn parse_whole(input: &str, min: i64, max: i64) -> Result<i64, Problem> {
    let n: i64 = input.replace(',', "").parse().map_err(|_| Problem::NotAWholeNumber)?;
    if n < min || n > max { Err(Problem::OutOfRange { min, max }) } else { Ok(n) }
}

fn parse_quantity(input: &str) -> Result<Value, Problem> {
    let cleaned = input.replace(',', "");
    if let Ok(n) = cleaned.parse::<i64>() {
        return if n < 0 { Err(Problem::OutOfRange { min: 0, max: i64::MAX }) } else { Ok(Value::from(n)) };
    }
    match cleaned.parse::<f64>() {
        Ok(x) if x.is_finite() && x >= 0.0 => Ok(Value::from(x)),
        Ok(_) => Err(Problem::OutOfRange { min: 0, max: i64::MAX }),
        Err(_) => Err(Problem::NotANumber),
    }
}

fn parse_ubrn(input: &str) -> Result<String, Problem> {
    let digits: String = input.chars().filter(|c| !matches!(c, ' ' | '-')).collect();
    if digits.len() == 12 && digits.bytes().all(|b| b.is_ascii_digit()) { Ok(digits) } else { Err(Problem::UbrnFormat) }
}

/// UK postcodes: an outward code of 2–4 characters starting with a letter, and an inward code of a
/// digit and two letters. Stored upper case with one space: "LS1 4AP".
pub fn parse_postcode(input: &str) -> Result<String, Problem> {
    let compact: String = input.chars().filter(|c| !c.is_whitespace()).flat_map(char::to_uppercase).collect();
    let chars: Vec<char> = compact.chars().collect();
    let ok = (5..=7).contains(&chars.len())
        && chars.iter().all(|c| c.is_ascii_alphanumeric())
        && chars[0].is_ascii_alphabetic()
        && chars[chars.len() - 3].is_ascii_digit()
        && chars[chars.len() - 2..].iter().all(|c| c.is_ascii_alphabetic());
    if !ok {
        return Err(Problem::PostcodeFormat);
    }
    let (outward, inward) = compact.split_at(compact.len() - 3);
    Ok(format!("{outward} {inward}"))
}

/// Digits with spaces, `+`, `-` or brackets. Ten digits starting 1–9 with no `+` is a UK number
/// whose leading 0 a spreadsheet dropped (`7700900123` for `07700 900123`): refused, as the call
/// back would fail.
fn parse_phone(input: &str) -> Result<String, Problem> {
    let allowed = |c: char| c.is_ascii_digit() || matches!(c, ' ' | '+' | '-' | '(' | ')');
    let digits: Vec<char> = input.chars().filter(char::is_ascii_digit).collect();
    if !input.chars().all(allowed) || !(6..=15).contains(&digits.len()) {
        Err(Problem::PhoneFormat)
    } else if digits.len() == 10 && digits[0] != '0' && !input.contains('+') {
        Err(Problem::PhoneLostLeadingZero)
    } else {
        Ok(input.to_string())
    }
}

#[cfg(test)]
mod phone_tests {
    use super::*;

    #[test]
    fn a_uk_number_that_lost_its_leading_zero_is_refused() {
        for lost in ["7700900123", "7700 900123", "1632 960001", "(7700) 900-123"] {
            assert_eq!(parse_phone(lost), Err(Problem::PhoneLostLeadingZero), "{lost}");
        }
        for fine in ["07700 900123", "07700900123", "+447700900123", "+44 7700 900123", "0113 496 0000", "01632960001"]
        {
            assert_eq!(parse_phone(fine).as_deref(), Ok(fine), "{fine}");
        }
        assert_eq!(parse_phone("12345"), Err(Problem::PhoneFormat));
    }
}

/// Staff ids are short: initials or a few letters and digits. Stored upper case.
pub fn parse_staff_id(input: &str) -> Result<String, Problem> {
    let id = input.trim();
    if (1..=12).contains(&id.len()) && id.chars().all(|c| c.is_ascii_alphanumeric() || c == '_' || c == '-') {
        Ok(id.to_ascii_uppercase())
    } else {
        Err(Problem::StaffIdFormat)
    }
}

/// A workstation's reference prefix ("R2" for R2-0147): 1 to 4 letters or digits, kept in capitals.
/// `init --prefix` and the first-run screen take it by this one rule.
pub fn parse_prefix(input: &str) -> Result<String, Problem> {
    let prefix = input.trim().to_ascii_uppercase();
    if (1..=4).contains(&prefix.len()) && prefix.chars().all(|c| c.is_ascii_alphanumeric()) {
        Ok(prefix)
    } else {
        Err(Problem::PrefixFormat)
    }
}

/// A stored value as the UI and tables show it: plain words, UK times.
pub fn display_value(spec: &FieldSpec, value: &Value) -> String {
    match (spec.ty, value) {
        (_, Value::Null) => String::new(),
        (Pick(choices), Value::String(s)) => {
            choices.iter().find(|c| c.name == s).map_or_else(|| s.clone(), |c| c.label.to_string())
        }
        (YesNo, Value::Bool(b)) => if *b { "Yes" } else { "No" }.to_string(),
        (DateTime, Value::String(s)) => time::from_storage(s).map_or_else(|| s.clone(), time::format_uk),
        (Date | DateOfBirth, Value::String(s)) => {
            chrono::NaiveDate::parse_from_str(s, "%Y-%m-%d").map_or_else(|_| s.clone(), time::format_uk_date)
        }
        (Codes, v) => serde_json::from_value::<Vec<snomed::Code>>(v.clone())
            .map_or_else(|_| v.to_string(), |codes| snomed::format_codes(&codes)),
        (_, Value::String(s)) => s.clone(),
        (_, other) => other.to_string(),
    }
}

/// A stored value as it would be typed back in: what `--set` and the entries CSV accept.
pub fn input_form(spec: &FieldSpec, value: &Value) -> String {
    match (spec.ty, value) {
        (_, Value::Null) => String::new(),
        (YesNo, Value::Bool(b)) => if *b { "yes" } else { "no" }.to_string(),
        (DateTime, Value::String(s)) => time::from_storage(s).map_or_else(|| s.clone(), time::format_uk),
        (Date | DateOfBirth, Value::String(s)) => {
            chrono::NaiveDate::parse_from_str(s, "%Y-%m-%d").map_or_else(|_| s.clone(), time::format_uk_date)
        }
        (Codes, v) => display_value(spec, v),
        (_, Value::String(s)) => s.clone(),
        (_, other) => other.to_string(),
    }
}

/// Who an entry is about, as typed: an NHS number, or a name and date of birth, or both.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct PatientInput {
    pub nhs_number: Option<NhsNumber>,
    pub family_name: Option<String>,
    pub given_name: Option<String>,
    pub date_of_birth: Option<chrono::NaiveDate>,
    pub sex: Option<String>,
    pub postcode: Option<String>,
}

impl PatientInput {
    pub fn is_empty(&self) -> bool {
        self.nhs_number.is_none()
            && self.family_name.is_none()
            && self.given_name.is_none()
            && self.date_of_birth.is_none()
    }
}

/// A field name and what is wrong with the value given for it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct FieldProblem {
    pub field: String,
    pub problem: Problem,
}

impl FieldProblem {
    pub fn new(field: impl Into<String>, problem: Problem) -> Self {
        FieldProblem { field: field.into(), problem }
    }
}

/// The content of one revision of an entry: everything typed, already checked.
#[derive(Debug, Clone, PartialEq)]
pub struct EntryContent {
    pub kind: Kind,
    pub occurred_at: DateTime<Utc>,
    pub summary: String,
    pub author: Option<String>,
    pub notes: Option<String>,
    pub codes: Vec<snomed::Code>,
    pub flags: Vec<Flag>,
    pub also_in_old_system: Option<bool>,
    /// The kind's own fields that have a value, by name.
    pub fields: BTreeMap<String, Value>,
}

/// Builds checked content from `--set`-style pairs. Every problem is reported, not just the first.
/// `base` is the content being amended, if any; an empty value clears an optional field.
pub fn build_content(
    kind: Kind,
    base: Option<&EntryContent>,
    sets: &[(String, String)],
    now: DateTime<Utc>,
) -> Result<EntryContent, Vec<FieldProblem>> {
    let mut problems = Vec::new();
    let mut values: BTreeMap<&'static str, Value> = base.map(content_values).unwrap_or_default();
    if base.is_none() {
        values.insert("occurred_at", Value::String(time::to_storage(now)));
    }
    for (name, raw) in sets {
        match field_spec(kind, name) {
            Err(problem) => problems.push(FieldProblem::new(name.trim(), problem)),
            Ok(spec) => match parse_value(spec, raw, now) {
                Ok(Value::Null) => {
                    values.remove(spec.name);
                }
                Ok(value) => {
                    values.insert(spec.name, value);
                }
                Err(problem) => problems.push(FieldProblem::new(spec.name, problem)),
            },
        }
    }
    for spec in COMMON_FIELDS.iter().chain(kind.fields()) {
        let reported = problems.iter().any(|p| p.field == spec.name);
        if spec.required && !values.contains_key(spec.name) && !reported {
            problems.push(FieldProblem::new(spec.name, Problem::Required));
        }
    }
    if !problems.is_empty() {
        return Err(problems);
    }
    let flags = base.map(|b| b.flags.clone()).unwrap_or_default();
    Ok(content_from_values(kind, values, flags))
}

/// Every field of the content that has a value, as stored values keyed by field name.
pub fn content_values(content: &EntryContent) -> BTreeMap<&'static str, Value> {
    let mut values = BTreeMap::new();
    values.insert("summary", Value::String(content.summary.clone()));
    values.insert("occurred_at", Value::String(time::to_storage(content.occurred_at)));
    if let Some(a) = &content.author {
        values.insert("author", Value::String(a.clone()));
    }
    if let Some(n) = &content.notes {
        values.insert("notes", Value::String(n.clone()));
    }
    if !content.codes.is_empty() {
        values.insert("codes", serde_json::to_value(&content.codes).unwrap_or(Value::Null));
    }
    if let Some(b) = content.also_in_old_system {
        values.insert("also_in_old_system", Value::Bool(b));
    }
    for spec in content.kind.fields() {
        if let Some(v) = content.fields.get(spec.name) {
            values.insert(spec.name, v.clone());
        }
    }
    values
}

fn content_from_values(kind: Kind, mut values: BTreeMap<&'static str, Value>, flags: Vec<Flag>) -> EntryContent {
    let mut take_string = |name: &str| match values.remove(name) {
        Some(Value::String(s)) => Some(s),
        _ => None,
    };
    let summary = take_string("summary").unwrap_or_default();
    let occurred_at = take_string("occurred_at").and_then(|s| time::from_storage(&s)).unwrap_or_default();
    let author = take_string("author");
    let notes = take_string("notes");
    let codes = values.remove("codes").and_then(|v| serde_json::from_value(v).ok()).unwrap_or_default();
    let also_in_old_system = values.remove("also_in_old_system").and_then(|v| v.as_bool());
    let fields = values.into_iter().map(|(k, v)| (k.to_string(), v)).collect();
    EntryContent { kind, occurred_at, summary, author, notes, codes, flags, also_in_old_system, fields }
}

impl EntryContent {
    pub fn has_flag(&self, flag: Flag) -> bool {
        self.flags.contains(&flag)
    }

    pub fn add_flag(&mut self, flag: Flag) {
        if !self.flags.contains(&flag) {
            self.flags.push(flag);
            self.flags.sort();
        }
    }

    pub fn remove_flag(&mut self, flag: Flag) {
        self.flags.retain(|f| *f != flag);
    }

    pub fn field_str(&self, name: &str) -> Option<&str> {
        self.fields.get(name).and_then(Value::as_str)
    }

    pub fn field_bool(&self, name: &str) -> Option<bool> {
        self.fields.get(name).and_then(Value::as_bool)
    }

    /// Every field with a value, common ones first, as `(spec, value)` in form order.
    pub fn filled_fields(&self) -> Vec<(&'static FieldSpec, Value)> {
        let values = content_values(self);
        COMMON_FIELDS
            .iter()
            .chain(self.kind.fields())
            .filter_map(|spec| values.get(spec.name).map(|v| (spec, v.clone())))
            .collect()
    }
}

/// The names of the fields that differ between two versions: what the audit trail says changed.
pub fn changed_fields(before: &EntryContent, after: &EntryContent, patient_changed: bool) -> Vec<String> {
    let a = content_values(before);
    let b = content_values(after);
    let mut changed: Vec<String> =
        a.keys().chain(b.keys()).filter(|k| a.get(*k) != b.get(*k)).map(|k| k.to_string()).collect();
    changed.sort();
    changed.dedup();
    if before.flags != after.flags {
        changed.push("flags".to_string());
    }
    if patient_changed {
        changed.push("patient".to_string());
    }
    changed
}

/// A clock a few minutes fast should not make "now" look like the future.
const FUTURE_TOLERANCE: chrono::Duration = chrono::Duration::minutes(5);

/// Whether a time field records something that has already happened (so a future value is
/// questioned). An appointment's time is the one that may lie ahead.
pub fn records_the_past(spec: &FieldSpec) -> bool {
    spec.ty == DateTime && spec.name != "appointment_at"
}

/// The times an entry is saved with only once someone confirms them — one rule for every time field:
/// a time that records something already done (when it happened, requested at, received at) may not
/// be in the future, and when it happened may not be before the final data production. A time that
/// `before` (the version being amended) already held is not questioned again.
pub fn time_warnings(
    content: &EntryContent,
    before: Option<&EntryContent>,
    fdp: Option<DateTime<Utc>>,
    now: DateTime<Utc>,
) -> Vec<super::Warning> {
    use super::Warning;
    let values = content_values(content);
    let earlier = before.map(content_values).unwrap_or_default();
    let mut warnings = Vec::new();
    for spec in COMMON_FIELDS.iter().chain(content.kind.fields()).filter(|s| s.ty == DateTime) {
        let Some(value) = values.get(spec.name) else { continue };
        if earlier.get(spec.name) == Some(value) {
            continue;
        }
        let Some(at) = value.as_str().and_then(time::from_storage) else { continue };
        if records_the_past(spec) && at > now + FUTURE_TOLERANCE {
            warnings.push(Warning::InFuture { field: spec.name, label: spec.label, when: time::format_uk(at) });
        }
        if spec.name == "occurred_at"
            && let Some(fdp) = fdp.filter(|fdp| at < *fdp)
        {
            warnings.push(Warning::BeforeFdp {
                field: spec.name,
                when: time::format_uk(at),
                fdp: time::format_uk(fdp),
            });
        }
    }
    warnings
}

/// Adds the patient rule's problems to those already found, each field once. A patient field already
/// reported (a mistyped NHS number) is not reported again as a missing patient.
pub fn add_patient_problems(
    kind: Kind,
    movement: Option<&str>,
    patient: &PatientInput,
    problems: &mut Vec<FieldProblem>,
) {
    let patient_fields = ["nhs_number", "family_name", "given_name", "date_of_birth"];
    let already = problems.iter().any(|p| patient_fields.contains(&p.field.as_str()));
    for p in patient_problems(kind, movement, patient) {
        let said = problems.iter().any(|q| q.field == p.field) || (already && p.field == "patient");
        if !said {
            problems.push(p);
        }
    }
}

/// Who an entry must be about: everyone is, by NHS number or by name and date of birth, except
/// dispensary stock, which is about a patient only when dispensed to one. Every gap is reported.
pub fn patient_problems(kind: Kind, movement: Option<&str>, patient: &PatientInput) -> Vec<FieldProblem> {
    if kind == Kind::DispensaryStock && movement != Some("dispensed") {
        return Vec::new();
    }
    if patient.is_empty() {
        return vec![FieldProblem::new("patient", Problem::Required)];
    }
    if patient.nhs_number.is_some() {
        return Vec::new();
    }
    [
        ("family_name", patient.family_name.is_none()),
        ("given_name", patient.given_name.is_none()),
        ("date_of_birth", patient.date_of_birth.is_none()),
    ]
    .into_iter()
    .filter(|(_, missing)| *missing)
    .map(|(field, _)| FieldProblem::new(field, Problem::Required))
    .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn now() -> DateTime<Utc> {
        time::parse_uk_datetime("22/11/2026 10:00", Utc::now()).unwrap()
    }

    fn sets(pairs: &[(&str, &str)]) -> Vec<(String, String)> {
        pairs.iter().map(|(k, v)| (k.to_string(), v.to_string())).collect()
    }

    #[test]
    fn every_kind_has_a_unique_name_and_parses_back() {
        for kind in Kind::ALL {
            assert_eq!(Kind::parse(kind.name()), Ok(kind));
            assert_eq!(Kind::parse(kind.label()), Ok(kind));
        }
        assert_eq!(Kind::parse("Home-Visit"), Ok(Kind::HomeVisit));
        assert!(matches!(Kind::parse("xray"), Err(Problem::UnknownKind { .. })));
    }

    #[test]
    fn field_names_are_unique_within_each_kind() {
        for kind in Kind::ALL {
            let mut names = kind.field_names();
            let count = names.len();
            names.sort();
            names.dedup();
            assert_eq!(names.len(), count, "{kind} repeats a field");
        }
    }

    #[test]
    fn required_fields_of_the_data_dictionary_are_required() {
        let required = |k: Kind| -> Vec<&str> { k.fields().iter().filter(|f| f.required).map(|f| f.name).collect() };
        assert_eq!(required(Kind::Appointment), ["appointment_at"]);
        assert_eq!(required(Kind::Consultation), ["clinician"]);
        assert_eq!(required(Kind::Prescription), ["drug"]);
        assert_eq!(required(Kind::Pathology), ["test"]);
        assert_eq!(required(Kind::Referral), ["specialty", "urgency"]);
        assert_eq!(required(Kind::Correspondence), ["source"]);
        assert_eq!(required(Kind::Screening), ["programme"]);
        assert_eq!(required(Kind::DispensaryStock), ["item", "quantity"]);
        assert!(required(Kind::Note).is_empty());
    }

    #[test]
    fn choices_accept_names_labels_and_aliases() {
        let spec = Kind::Referral.field("urgency").unwrap();
        for typed in ["two_week_wait", "Two-week wait", "2WW", "two week wait"] {
            assert_eq!(parse_value(spec, typed, now()), Ok(Value::from("two_week_wait")), "{typed}");
        }
        assert!(matches!(parse_value(spec, "soonish", now()), Err(Problem::NotInList { .. })));
        let source = Kind::Correspondence.field("source").unwrap();
        assert_eq!(parse_value(source, "A&E", now()), Ok(Value::from("a_and_e")));
    }

    #[test]
    fn yes_no_accepts_the_spec_spellings() {
        for (typed, want) in [("yes", true), ("Y", true), ("true", true), ("no", false), ("n", false), ("FALSE", false)]
        {
            assert_eq!(parse_yes_no(typed), Ok(want));
        }
        assert_eq!(parse_yes_no("maybe"), Err(Problem::NotYesNo));
    }

    #[test]
    fn a_one_line_field_typed_with_line_breaks_is_saved_as_one_line() {
        let content = build_content(Kind::Note, None, &sets(&[("summary", "Phoned\r\nabout results\nagain")]), now())
            .expect("a summary over three lines is accepted");
        assert_eq!(content.summary, "Phoned about results again");
    }

    #[test]
    fn summary_is_required_and_at_most_200_characters() {
        let err = build_content(Kind::Note, None, &sets(&[("summary", "   ")]), now()).unwrap_err();
        assert_eq!(err, vec![FieldProblem::new("summary", Problem::Required)]);
        let long = "é".repeat(201);
        let err = build_content(Kind::Note, None, &sets(&[("summary", &long)]), now()).unwrap_err();
        assert_eq!(err, vec![FieldProblem::new("summary", Problem::TooLong { max: 200, actual: 201 })]);
        assert!(build_content(Kind::Note, None, &sets(&[("summary", &"é".repeat(200))]), now()).is_ok());
    }

    #[test]
    fn every_problem_is_reported_at_once() {
        let err =
            build_content(Kind::Referral, None, &sets(&[("summary", "ok"), ("ubrn", "123"), ("colour", "red")]), now())
                .unwrap_err();
        let fields: Vec<&str> = err.iter().map(|p| p.field.as_str()).collect();
        assert_eq!(fields, ["ubrn", "colour", "specialty", "urgency"]);
    }

    #[test]
    fn amending_keeps_what_was_not_changed_and_clears_what_is_emptied() {
        let first = build_content(
            Kind::Prescription,
            None,
            &sets(&[("summary", "Amoxicillin"), ("drug", "Amoxicillin 500mg capsules"), ("dose", "1 tds")]),
            now(),
        )
        .unwrap();
        let second =
            build_content(Kind::Prescription, Some(&first), &sets(&[("dose", ""), ("quantity", "21")]), now()).unwrap();
        assert_eq!(second.field_str("drug"), Some("Amoxicillin 500mg capsules"));
        assert_eq!(second.fields.get("dose"), None);
        assert_eq!(second.fields.get("quantity"), Some(&Value::from(21)));
        assert_eq!(second.occurred_at, first.occurred_at);
        let err = build_content(Kind::Prescription, Some(&first), &sets(&[("drug", "")]), now()).unwrap_err();
        assert_eq!(err, vec![FieldProblem::new("drug", Problem::Required)]);
    }

    #[test]
    fn ubrn_is_twelve_digits() {
        let spec = Kind::Referral.field("ubrn").unwrap();
        assert_eq!(parse_value(spec, "1234 5678 9012", now()), Ok(Value::from("123456789012")));
        assert_eq!(parse_value(spec, "12345678901", now()), Err(Problem::UbrnFormat));
        assert_eq!(parse_value(spec, "12345678901a", now()), Err(Problem::UbrnFormat));
    }

    #[test]
    fn postcodes_are_checked_and_tidied() {
        assert_eq!(parse_postcode("ls14ap"), Ok("LS1 4AP".to_string()));
        assert_eq!(parse_postcode("SW1A 1AA"), Ok("SW1A 1AA".to_string()));
        assert_eq!(parse_postcode("12345"), Err(Problem::PostcodeFormat));
        assert_eq!(parse_postcode("LS1"), Err(Problem::PostcodeFormat));
    }

    #[test]
    fn quantities_are_non_negative_numbers() {
        let spec = Kind::Prescription.field("quantity").unwrap();
        assert_eq!(parse_value(spec, "28", now()), Ok(Value::from(28)));
        assert_eq!(parse_value(spec, "2.5", now()), Ok(Value::from(2.5)));
        assert!(parse_value(spec, "-1", now()).is_err());
        assert_eq!(parse_value(spec, "lots", now()), Err(Problem::NotANumber));
    }

    #[test]
    fn long_text_keeps_its_layout_and_allows_100_kb() {
        let notes = format!("  indented\n{}", "x".repeat(100_000));
        let spec = Kind::Note.field("notes").unwrap();
        assert_eq!(parse_value(spec, &notes, now()), Ok(Value::String(notes.clone())));
    }

    #[test]
    fn stored_values_display_in_plain_words() {
        let urgency = Kind::Referral.field("urgency").unwrap();
        assert_eq!(display_value(urgency, &Value::from("two_week_wait")), "Two-week wait");
        let abnormal = Kind::Pathology.field("abnormal").unwrap();
        assert_eq!(display_value(abnormal, &Value::Bool(true)), "Yes");
        let when = Kind::Appointment.field("appointment_at").unwrap();
        assert_eq!(display_value(when, &Value::from("2026-11-27T14:30:00.000Z")), "27/11/2026 14:30");
    }

    #[test]
    fn typed_values_round_trip_through_their_input_form() {
        let n = now();
        let cases = [
            (Kind::Appointment, "appointment_at", "27/11/2026 14:30"),
            (Kind::Registration, "date_of_birth", "03/04/1950"),
            (Kind::Pathology, "abnormal", "yes"),
            (Kind::Referral, "urgency", "two_week_wait"),
            (Kind::Note, "codes", "22298006 |Myocardial infarction|"),
        ];
        for (kind, name, typed) in cases {
            let spec = kind.field(name).unwrap();
            let stored = parse_value(spec, typed, n).unwrap();
            assert_eq!(parse_value(spec, &input_form(spec, &stored), n).unwrap(), stored, "{name}");
        }
    }

    #[test]
    fn patient_rules_follow_the_kind() {
        let nobody = PatientInput::default();
        let required = |field: &str| vec![FieldProblem::new(field, Problem::Required)];
        assert_eq!(patient_problems(Kind::Note, None, &nobody), required("patient"));
        let by_family_name = PatientInput { family_name: Some("Jones".into()), ..Default::default() };
        let gaps: Vec<String> =
            patient_problems(Kind::Note, None, &by_family_name).into_iter().map(|p| p.field).collect();
        assert_eq!(gaps, ["given_name", "date_of_birth"]);
        let by_number = PatientInput { nhs_number: NhsNumber::parse("9434765919").ok(), ..Default::default() };
        assert!(patient_problems(Kind::Note, None, &by_number).is_empty());
        assert!(patient_problems(Kind::DispensaryStock, Some("count"), &nobody).is_empty());
        assert!(patient_problems(Kind::DispensaryStock, None, &nobody).is_empty());
        assert_eq!(patient_problems(Kind::DispensaryStock, Some("dispensed"), &nobody), required("patient"));
    }

    #[test]
    fn flags_parse_by_name_or_label() {
        assert_eq!(Flag::parse("new allergy"), Ok(Flag::NewAllergy));
        assert_eq!(Flag::parse("Death notified"), Ok(Flag::Deceased));
        assert!(Flag::parse("vip").is_err());
    }
}
