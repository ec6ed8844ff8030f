//! Turning `--patient`, `--family`, `--given`, `--dob`… into a checked `PatientInput`.

use chrono::{DateTime, Utc};

use crate::cli::PatientArgs;
use crate::domain::Problem;
use crate::domain::fields::{FieldProblem, PatientInput, SEXES, parse_choice, parse_postcode};
use crate::domain::nhs::NhsNumber;
use crate::domain::time;

/// The oldest date of birth accepted: anything older is surely a typing slip.
const OLDEST_AGE_YEARS: i32 = 130;

fn name(value: &Option<String>, field: &str, problems: &mut Vec<FieldProblem>) -> Option<String> {
    let trimmed = value.as_deref().map(str::trim).filter(|s| !s.is_empty())?;
    let length = trimmed.chars().count();
    if length > 100 {
        problems.push(FieldProblem::new(field, Problem::TooLong { max: 100, actual: length }));
        return None;
    }
    Some(trimmed.to_string())
}

/// Checks every part given; all problems are reported together with the entry's own.
pub fn patient_input(args: &PatientArgs, now: DateTime<Utc>, problems: &mut Vec<FieldProblem>) -> PatientInput {
    let nhs_number = args
        .patient
        .as_deref()
        .filter(|s| !s.trim().is_empty())
        .and_then(|s| NhsNumber::parse(s).map_err(|p| problems.push(FieldProblem::new("nhs_number", p))).ok());
    let date_of_birth =
        args.dob.as_deref().filter(|s| !s.trim().is_empty()).and_then(|s| match time::parse_date_of_birth(s, now) {
            Ok(d) if d > now.with_timezone(&time::UK).date_naive() => {
                problems.push(FieldProblem::new("date_of_birth", Problem::DateOfBirthInFuture));
                None
            }
            Ok(d)
                if now.with_timezone(&time::UK).date_naive().years_since(d).unwrap_or(0) > OLDEST_AGE_YEARS as u32 =>
            {
                problems.push(FieldProblem::new("date_of_birth", Problem::DateOfBirthTooOld));
                None
            }
            Ok(d) => Some(d),
            Err(p) => {
                problems.push(FieldProblem::new("date_of_birth", p));
                None
            }
        });
    let sex = args.sex.as_deref().filter(|s| !s.trim().is_empty()).and_then(|s| {
        parse_choice(SEXES, s).map(|c| c.name.to_string()).map_err(|p| problems.push(FieldProblem::new("sex", p))).ok()
    });
    let postcode = args
        .postcode
        .as_deref()
        .filter(|s| !s.trim().is_empty())
        .and_then(|s| parse_postcode(s).map_err(|p| problems.push(FieldProblem::new("postcode", p))).ok());
    PatientInput {
        nhs_number,
        family_name: name(&args.family, "family_name", problems),
        given_name: name(&args.given, "given_name", problems),
        date_of_birth,
        sex,
        postcode,
    }
}

pub fn given(args: &PatientArgs) -> bool {
    [&args.patient, &args.family, &args.given, &args.dob].iter().any(|a| a.is_some())
}
