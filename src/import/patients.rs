//! The practice's patient list, exported from the old system before FDP: each row checked, every
//! problem reported by line and column, so that the list loads whole or not at all.

use std::collections::HashMap;
use std::path::Path;

use chrono::{DateTime, Utc};

use super::csv_file::{Table, looks_mis_encoded};
use super::headers::{Known, match_columns};
use crate::domain::Problem;
use crate::domain::fields::{SEXES, parse_choice, parse_postcode};
use crate::domain::nhs::NhsNumber;
use crate::error::{Error, Exchange, Result, RowProblem, RowReason};
use crate::store::ListPatient;

/// The columns of a patient list and the headers EMIS Web, SystmOne and Vision reports give them.
pub const COLUMNS: &[Known] = &[
    Known { field: "nhs_number", aliases: &["NHS Number", "NHS No", "NHS", "NHSNumber"] },
    Known { field: "family_name", aliases: &["Surname", "Last Name", "Family Name", "Lastname"] },
    Known { field: "given_name", aliases: &["Forename", "First Name", "Given Name", "Forenames", "Firstname"] },
    Known { field: "date_of_birth", aliases: &["DOB", "Date of Birth", "Birth Date", "Birthdate"] },
    Known { field: "sex", aliases: &["Gender"] },
    Known { field: "postcode", aliases: &["Post Code", "Postal Code"] },
    Known { field: "usual_gp", aliases: &["Usual GP", "Registered GP", "Usual GP Name"] },
];

const REQUIRED: [&str; 4] = ["nhs_number", "family_name", "given_name", "date_of_birth"];

/// Longest name accepted, as for `log --family`.
const NAME_MAX: usize = 100;

/// A checked list, and the columns that were not used (an export often has more than cutover needs).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PatientList {
    pub patients: Vec<ListPatient>,
    pub ignored_columns: Vec<String>,
}

/// Checks every row of `table`; any problem refuses the whole list, every problem reported.
pub fn check(path: &Path, table: &Table, maps: &[(String, &'static str)], now: DateTime<Utc>) -> Result<PatientList> {
    let fields = match_columns(path, &table.header, COLUMNS, maps)?;
    let missing: Vec<&'static str> = REQUIRED.into_iter().filter(|r| !fields.contains(&Some(*r))).collect();
    if !missing.is_empty() {
        return Err(Error::Exchange(Exchange::MissingColumns {
            path: path.to_path_buf(),
            missing,
            found: table.header.clone(),
        }));
    }
    let ignored_columns =
        table.header.iter().zip(&fields).filter(|(_, f)| f.is_none()).map(|(h, _)| h.clone()).collect();
    let column_of = |field: &str| {
        fields.iter().position(|f| *f == Some(field)).map_or_else(|| field.to_string(), |i| table.header[i].clone())
    };

    let mut problems = Vec::new();
    let mut patients = Vec::with_capacity(table.rows.len());
    let mut first_line: HashMap<String, u64> = HashMap::with_capacity(table.rows.len());
    for row in &table.rows {
        if row.values.len() != table.header.len() {
            problems.push(RowProblem {
                line: row.line,
                column: "(whole row)".into(),
                reason: RowReason::WrongLength { found: row.values.len(), expected: table.header.len() },
            });
            continue;
        }
        for (i, v) in row.values.iter().enumerate().filter(|(_, v)| looks_mis_encoded(v)) {
            let column = table.header[i].clone();
            problems.push(RowProblem { line: row.line, column, reason: RowReason::MisEncoded { value: v.clone() } });
        }
        let value = |field: &str| -> Option<&str> {
            fields.iter().position(|f| *f == Some(field)).map(|i| row.values[i].trim()).filter(|v| !v.is_empty())
        };
        let mut bad = |field: &str, problem: Problem| {
            problems.push(RowProblem { line: row.line, column: column_of(field), reason: RowReason::Field(problem) })
        };
        let nhs = match value("nhs_number").map(NhsNumber::parse) {
            None => {
                bad("nhs_number", Problem::Required);
                None
            }
            Some(Err(p)) => {
                bad("nhs_number", p);
                None
            }
            Some(Ok(n)) => Some(n),
        };
        let mut name = |field: &str| match value(field) {
            None => {
                bad(field, Problem::Required);
                None
            }
            Some(v) if v.chars().count() > NAME_MAX => {
                bad(field, Problem::TooLong { max: NAME_MAX, actual: v.chars().count() });
                None
            }
            Some(v) => Some(v.to_string()),
        };
        let family = name("family_name");
        let given = name("given_name");
        let usual_gp = match value("usual_gp") {
            Some(v) if v.chars().count() > NAME_MAX => {
                bad("usual_gp", Problem::TooLong { max: NAME_MAX, actual: v.chars().count() });
                None
            }
            other => other.map(str::to_string),
        };
        // The one date-of-birth rule, as for `log --dob` and the screens.
        let dob = match value("date_of_birth").map(|d| crate::entries::check_date_of_birth(d, now)) {
            None => {
                bad("date_of_birth", Problem::Required);
                None
            }
            Some(Err(p)) => {
                bad("date_of_birth", p);
                None
            }
            Some(Ok(d)) => Some(d.format("%Y-%m-%d").to_string()),
        };
        let sex = value("sex")
            .and_then(|v| parse_choice(SEXES, v).map(|c| c.name.to_string()).map_err(|p| bad("sex", p)).ok());
        let postcode = value("postcode").and_then(|v| parse_postcode(v).map_err(|p| bad("postcode", p)).ok());
        if let Some(n) = &nhs {
            let first = *first_line.entry(n.digits().to_string()).or_insert(row.line);
            if first != row.line {
                problems.push(RowProblem {
                    line: row.line,
                    column: column_of("nhs_number"),
                    reason: RowReason::RepeatedNhsNumber { first_line: first },
                });
                continue;
            }
        }
        if let (Some(nhs), Some(family_name), Some(given_name), Some(date_of_birth)) = (nhs, family, given, dob) {
            patients.push(ListPatient {
                line: row.line,
                nhs_number: nhs.digits().to_string(),
                family_name,
                given_name,
                date_of_birth,
                sex,
                postcode,
                usual_gp,
            });
        }
    }
    if !problems.is_empty() {
        return Err(Error::Exchange(Exchange::Rows {
            path: path.to_path_buf(),
            rows: problems,
            rows_total: table.rows.len() as u64,
            can_skip: false,
        }));
    }
    Ok(PatientList { patients, ignored_columns })
}
