//! What can be wrong with one typed value. The wording lives in `crate::error`.

/// Something worth saying that does not stop the work, or that needs a yes before it goes ahead.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Warning {
    /// A time that records something already done is ahead of now. `field` is the field's name
    /// (so a screen can take the person to it), `label` its words.
    InFuture {
        field: &'static str,
        label: &'static str,
        when: String,
    },
    BeforeFdp {
        field: &'static str,
        when: String,
        fdp: String,
    },
    SummarisationDuringCutover,
    NoNhsNumber,
    PossibleDuplicate {
        existing: String,
    },
    PatientDetailsDiffer {
        nhs_number: String,
    },
    /// The NHS number typed is already another person's record: `held` is what that record says
    /// ("SMITH, Anne (01/01/1960)"), `typed` what was typed with the number.
    NhsNumberHeldByOther {
        nhs_number: String,
        held: String,
        typed: String,
    },
    /// No NHS number typed, and the name and date of birth are those of a record that has one:
    /// saying yes makes a second, local record for a different person with the same details.
    SameDetailsAsTraced {
        existing: String,
    },
    /// A registration for someone cutover already holds. Saying yes links it to that record, or,
    /// when the registration brings a new NHS number (`kept_apart`), makes that number's record.
    AlreadyHeld {
        existing: String,
        kept_apart: bool,
    },
    /// The name typed matches the record only once accents are ignored ("Sian" for "Siân").
    NameDiffersOnlyByAccents {
        typed: String,
        held: String,
    },
    /// A registration's details were corrected, and so was the record of the person it registers:
    /// `record` is what that record now says ("LISS, Anna (30/01/1941)").
    PatientRecordCorrected {
        record: String,
    },
    /// The NHS number the new system traced for a registration is another patient's.
    TracedNumberHeldByOther {
        nhs_number: String,
        holder: String,
    },
}

impl Warning {
    /// Some warnings are questions: the entry is saved only once someone says yes.
    pub fn needs_confirmation(&self) -> bool {
        matches!(
            self,
            Warning::InFuture { .. }
                | Warning::BeforeFdp { .. }
                | Warning::NhsNumberHeldByOther { .. }
                | Warning::SameDetailsAsTraced { .. }
                | Warning::AlreadyHeld { .. }
                | Warning::TracedNumberHeldByOther { .. }
        )
    }

    /// A question about which patient is meant, rather than about the time.
    pub fn is_about_the_patient(&self) -> bool {
        self.needs_confirmation() && !matches!(self, Warning::InFuture { .. } | Warning::BeforeFdp { .. })
    }

    /// The field a question is about, if it is about one.
    pub fn field(&self) -> Option<&'static str> {
        match self {
            Warning::InFuture { field, .. } | Warning::BeforeFdp { field, .. } => Some(field),
            _ => None,
        }
    }
}

/// A problem with one value a person typed; the field it belongs to is named by the caller.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Problem {
    Required,
    TooLong {
        max: usize,
        actual: usize,
    },
    NotInList {
        allowed: Vec<&'static str>,
    },
    NotYesNo,
    NotAWholeNumber,
    NotANumber,
    OutOfRange {
        min: i64,
        max: i64,
    },
    NhsNumberLength {
        digits: usize,
    },
    NhsNumberNotDigits,
    /// The modulus 11 check gives 10: no NHS number can end this way.
    NhsNumberImpossible,
    /// The last digit is not the one the modulus 11 check expects.
    NhsNumberCheckDigit,
    /// One digit ten times, or a run like 0123456789: passes the check but is never issued.
    NhsNumberPlaceholder,
    SnomedFormat,
    SnomedCheckDigit {
        id: String,
    },
    UbrnFormat,
    DateFormat,
    TimeFormat,
    DateDoesNotExist {
        day: u32,
        month: u32,
        year: i32,
    },
    /// A local time that never happened because the clocks went forward (`local` as typed, UK form).
    SkippedByClockChange {
        local: String,
    },
    /// GMT/BST was written after a time that is not in that zone.
    WrongZoneSuffix {
        local: String,
        suffix: String,
    },
    GoLiveBeforeFdp {
        fdp: String,
    },
    DateOfBirthInFuture,
    /// A patient was given for dispensary stock that was not dispensed to anyone.
    PatientNotWanted,
    DateOfBirthTooOld,
    PostcodeFormat,
    PhoneFormat,
    /// Ten digits starting 1–9 and no `+`: a UK number that lost its leading 0 in a spreadsheet.
    PhoneLostLeadingZero,
    StaffIdFormat,
    PrefixFormat,
    StaffIdTaken {
        id: String,
    },
    NotOnStaffList {
        id: String,
    },
    UnknownField {
        kind: &'static str,
        allowed: Vec<&'static str>,
    },
    UnknownKind {
        allowed: Vec<&'static str>,
    },
    UnknownFlag {
        allowed: Vec<&'static str>,
    },
}
