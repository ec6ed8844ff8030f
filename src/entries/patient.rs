//! Who an entry is about, as typed — NHS number, names, date of birth, sex, postcode — checked by one
//! rule for the terminal UI, the command line and paper-form import alike.

use chrono::{DateTime, Utc};

use crate::domain::Problem;
use crate::domain::fields::{FieldProblem, PatientInput, SEXES, parse_choice, parse_postcode};
use crate::domain::nhs::NhsNumber;
use crate::domain::time;

/// The oldest date of birth accepted: anything older is surely a typing slip.
const OLDEST_AGE_YEARS: u32 = 130;
/// Longest family or given name, in characters.
const NAME_MAX: usize = 100;

/// A patient's details exactly as typed; empty or missing parts are simply not given.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct TypedPatient {
    pub nhs_number: Option<String>,
    pub family_name: Option<String>,
    pub given_name: Option<String>,
    pub date_of_birth: Option<String>,
    pub sex: Option<String>,
    pub postcode: Option<String>,
}

fn given(value: &Option<String>) -> Option<&str> {
    value.as_deref().map(str::trim).filter(|s| !s.is_empty())
}

impl TypedPatient {
    /// Whether anything that identifies a person was typed (sex and postcode alone do not).
    pub fn identifies_anyone(&self) -> bool {
        [&self.nhs_number, &self.family_name, &self.given_name, &self.date_of_birth]
            .into_iter()
            .any(|v| given(v).is_some())
    }

    /// What was typed into the patient look-up, split into the details it holds, for a new
    /// patient's form: a date goes to the date of birth; a run of digits to the NHS number (even a
    /// wrong one, so that it is pointed out there rather than taken for a name); words to the
    /// names — "NOWAK, Zofia" (family name first, before a comma), "Zofia NOWAK" (the family name
    /// in capitals, as letters write it) or "Zofia Nowak" (given names first, as people say them).
    pub fn from_look_up(typed: &str, now: DateTime<Utc>) -> TypedPatient {
        let mut out = TypedPatient::default();
        let mut digits: Vec<&str> = Vec::new();
        let mut words: Vec<&str> = Vec::new();
        let (before_comma, after_comma) = match typed.split_once(',') {
            Some((family, given)) => (family, Some(given)),
            None => (typed, None),
        };
        for token in before_comma.split_whitespace() {
            // A date first: "30-01-1941" and "1941-01-30" are dates of birth, not NHS numbers.
            if time::parse_date_of_birth(token, now).is_ok() {
                out.date_of_birth = Some(token.to_string());
            } else if token.chars().all(|c| c.is_ascii_digit() || c == '-') && token.chars().any(|c| c.is_ascii_digit())
            {
                digits.push(token);
            } else {
                words.push(token);
            }
        }
        if !digits.is_empty() {
            out.nhs_number = Some(digits.join(" "));
        }
        let joined = |ws: &[&str]| Some(ws.join(" ")).filter(|s| !s.is_empty());
        if let Some(given) = after_comma {
            out.family_name = joined(&words);
            let mut given_words = Vec::new();
            for token in given.split_whitespace() {
                if time::parse_date_of_birth(token, now).is_ok() && out.date_of_birth.is_none() {
                    out.date_of_birth = Some(token.to_string());
                } else {
                    given_words.push(token);
                }
            }
            out.given_name = joined(&given_words);
            return out;
        }
        let shouted = |w: &str| {
            w.chars().count() > 1 && w.chars().all(|c| !c.is_lowercase()) && w.chars().any(char::is_uppercase)
        };
        let (family, given): (Vec<&str>, Vec<&str>) = words.iter().partition(|w| shouted(w));
        match words.len() {
            0 => {}
            1 => out.family_name = joined(&words),
            _ if family.len() == 1 && !given.is_empty() => {
                out.family_name = joined(&family);
                out.given_name = joined(&given);
            }
            n => {
                out.given_name = joined(&words[..n - 1]);
                out.family_name = joined(&words[n - 1..]);
            }
        }
        out
    }

    /// Checks every part given. Each problem is added to `problems` under the field's name
    /// (`nhs_number`, `family_name`, `given_name`, `date_of_birth`, `sex`, `postcode`), so that
    /// they are reported together with the entry's own.
    pub fn check(&self, now: DateTime<Utc>, problems: &mut Vec<FieldProblem>) -> PatientInput {
        let mut report = |field: &str, p: Problem| problems.push(FieldProblem::new(field, p));
        let nhs_number =
            given(&self.nhs_number).and_then(|s| NhsNumber::parse(s).map_err(|p| report("nhs_number", p)).ok());
        let date_of_birth = given(&self.date_of_birth)
            .and_then(|s| check_date_of_birth(s, now).map_err(|p| report("date_of_birth", p)).ok());
        let sex = given(&self.sex)
            .and_then(|s| parse_choice(SEXES, s).map(|c| c.name.to_string()).map_err(|p| report("sex", p)).ok());
        let postcode = given(&self.postcode).and_then(|s| parse_postcode(s).map_err(|p| report("postcode", p)).ok());
        let mut name = |value: &Option<String>, field: &str| {
            let trimmed = given(value)?;
            let actual = trimmed.chars().count();
            if actual > NAME_MAX {
                report(field, Problem::TooLong { max: NAME_MAX, actual });
                return None;
            }
            Some(trimmed.to_string())
        };
        let family_name = name(&self.family_name, "family_name");
        let given_name = name(&self.given_name, "given_name");
        PatientInput { nhs_number, family_name, given_name, date_of_birth, sex, postcode }
    }
}

/// A date of birth: a date `time::parse_date_of_birth` reads (a two-digit year is in the past),
/// not in the future, and not over 130 years ago.
pub fn check_date_of_birth(input: &str, now: DateTime<Utc>) -> Result<chrono::NaiveDate, Problem> {
    let d = time::parse_date_of_birth(input, now)?;
    let today = now.with_timezone(&time::UK).date_naive();
    if d > today {
        return Err(Problem::DateOfBirthInFuture);
    }
    if today.years_since(d).unwrap_or(0) > OLDEST_AGE_YEARS {
        return Err(Problem::DateOfBirthTooOld);
    }
    Ok(d)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn now() -> DateTime<Utc> {
        time::parse_uk_datetime("21/11/2026 10:00", Utc::now()).unwrap()
    }

    #[test]
    fn every_problem_is_named_by_its_field() {
        let typed = TypedPatient {
            nhs_number: Some("123".into()),
            family_name: Some("x".repeat(101)),
            date_of_birth: Some("01/01/2027".into()),
            sex: Some("q".into()),
            postcode: Some("nope".into()),
            ..Default::default()
        };
        let mut problems = Vec::new();
        let input = typed.check(now(), &mut problems);
        let fields: Vec<&str> = problems.iter().map(|p| p.field.as_str()).collect();
        assert_eq!(fields, ["nhs_number", "date_of_birth", "sex", "postcode", "family_name"]);
        assert!(input.is_empty());
    }

    #[test]
    fn dates_of_birth_are_neither_future_nor_impossibly_old() {
        assert_eq!(check_date_of_birth("22/11/2026", now()), Err(Problem::DateOfBirthInFuture));
        let later = time::parse_uk_datetime("21/11/2040 10:00", Utc::now()).unwrap();
        assert_eq!(check_date_of_birth("20/11/1909", later), Err(Problem::DateOfBirthTooOld));
        assert!(check_date_of_birth("22/11/1910", later).is_ok());
    }

    fn split(typed: &str) -> (Option<String>, Option<String>, Option<String>, Option<String>) {
        let t = TypedPatient::from_look_up(typed, now());
        (t.nhs_number, t.family_name, t.given_name, t.date_of_birth)
    }

    #[test]
    fn what_was_typed_in_the_look_up_lands_in_the_right_detail() {
        let s = |v: &str| Some(v.to_string());
        assert_eq!(split("NOWAK, Zofia"), (None, s("NOWAK"), s("Zofia"), None));
        assert_eq!(split("Zofia Nowak"), (None, s("Nowak"), s("Zofia"), None));
        assert_eq!(split("Zofia NOWAK"), (None, s("NOWAK"), s("Zofia"), None));
        assert_eq!(split("Mary Ann Reid"), (None, s("Reid"), s("Mary Ann"), None));
        assert_eq!(split("reid 30/01/1941"), (None, s("reid"), None, s("30/01/1941")));
        assert_eq!(split("30/01/1941"), (None, None, None, s("30/01/1941")));
        for date in ["30-01-1941", "1941-01-30", "30.01.1941", "30/01/41"] {
            assert_eq!(split(&format!("Anna Lis {date}")), (None, s("Lis"), s("Anna"), s(date)), "{date}");
        }
        assert_eq!(split("943 476 5919"), (s("943 476 5919"), None, None, None));
        // Not a valid NHS number: still the NHS number, where it is pointed out, never a name.
        assert_eq!(split("123 456 7890"), (s("123 456 7890"), None, None, None));
        assert_eq!(split("Reid, Mary 30/01/1941"), (None, s("Reid"), s("Mary"), s("30/01/1941")));
    }

    #[test]
    fn sex_and_postcode_alone_identify_nobody() {
        let typed = TypedPatient { sex: Some("f".into()), postcode: Some("LS1 4AP".into()), ..Default::default() };
        assert!(!typed.identifies_anyone());
        assert!(TypedPatient { family_name: Some(" Reid ".into()), ..Default::default() }.identifies_anyone());
    }
}
