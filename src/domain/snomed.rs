//! SNOMED CT and dm+d identifiers (Verhoeff-checked) and lists of coded entries.

use serde::{Deserialize, Serialize};

use super::Problem;

const MIN_LEN: usize = 6;
const MAX_LEN: usize = 18;

/// Verhoeff multiplication table (the dihedral group D5).
const D: [[u8; 10]; 10] = [
    [0, 1, 2, 3, 4, 5, 6, 7, 8, 9],
    [1, 2, 3, 4, 0, 6, 7, 8, 9, 5],
    [2, 3, 4, 0, 1, 7, 8, 9, 5, 6],
    [3, 4, 0, 1, 2, 8, 9, 5, 6, 7],
    [4, 0, 1, 2, 3, 9, 5, 6, 7, 8],
    [5, 9, 8, 7, 6, 0, 4, 3, 2, 1],
    [6, 5, 9, 8, 7, 1, 0, 4, 3, 2],
    [7, 6, 5, 9, 8, 2, 1, 0, 4, 3],
    [8, 7, 6, 5, 9, 3, 2, 1, 0, 4],
    [9, 8, 7, 6, 5, 4, 3, 2, 1, 0],
];

/// Verhoeff permutation table: row i applies to the digit i places from the right; row i is row 1
/// applied i times.
const P: [[u8; 10]; 8] = [
    [0, 1, 2, 3, 4, 5, 6, 7, 8, 9],
    [1, 5, 7, 6, 2, 8, 3, 0, 9, 4],
    [5, 8, 0, 3, 7, 9, 6, 1, 4, 2],
    [8, 9, 1, 6, 0, 4, 3, 5, 2, 7],
    [9, 4, 5, 3, 1, 2, 6, 8, 7, 0],
    [4, 2, 8, 6, 5, 7, 3, 9, 0, 1],
    [2, 7, 9, 3, 8, 0, 6, 4, 1, 5],
    [7, 0, 4, 6, 9, 1, 3, 2, 5, 8],
];

const INV: [u8; 10] = [0, 4, 3, 2, 1, 5, 6, 7, 8, 9];

/// The Verhoeff running value over `digits`, where the rightmost digit sits at position `first_position`.
fn verhoeff_fold(digits: &str, first_position: usize) -> Option<u8> {
    digits.bytes().rev().enumerate().try_fold(0u8, |c, (i, b)| {
        let d = b.is_ascii_digit().then(|| b - b'0')?;
        let permuted = P[(i + first_position) % 8][usize::from(d)];
        Some(D[usize::from(c)][usize::from(permuted)])
    })
}

/// The Verhoeff check digit to append; None if the input contains a non-digit.
pub fn verhoeff_check_digit(digits_without_check: &str) -> Option<u8> {
    verhoeff_fold(digits_without_check, 1).map(|c| INV[usize::from(c)])
}

/// Whether the last digit is the correct Verhoeff check digit for the rest. False for empty or non-digit input.
pub fn verhoeff_valid(digits: &str) -> bool {
    !digits.is_empty() && verhoeff_fold(digits, 0) == Some(0)
}

/// An id alone, e.g. "22298006" (surrounding whitespace trimmed).
/// Errors: `SnomedFormat` (not 6–18 digits, or a leading zero), `SnomedCheckDigit { id }`.
pub fn parse_sctid(input: &str) -> Result<String, Problem> {
    let id = input.trim();
    let well_formed =
        (MIN_LEN..=MAX_LEN).contains(&id.len()) && id.bytes().all(|b| b.is_ascii_digit()) && !id.starts_with('0');
    if !well_formed {
        return Err(Problem::SnomedFormat);
    }
    if !verhoeff_valid(id) {
        return Err(Problem::SnomedCheckDigit { id: id.to_owned() });
    }
    Ok(id.to_owned())
}

/// A concept (or dm+d) id with the term the user gave for it, if any.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Code {
    pub id: String,
    #[serde(skip_serializing_if = "Option::is_none", default)]
    pub term: Option<String>,
}

/// Several codes separated by ';', each "ID", "ID TERM", "ID |TERM|" or "ID|TERM" (the SNOMED
/// expression style). Empty input (or empty pieces between ';') gives no codes. Terms are trimmed;
/// an empty term is None. A term cannot contain ';'.
pub fn parse_codes(input: &str) -> Result<Vec<Code>, Problem> {
    input.split(';').map(str::trim).filter(|piece| !piece.is_empty()).map(parse_code).collect()
}

fn parse_code(piece: &str) -> Result<Code, Problem> {
    let split_at = piece.find(|c: char| c == '|' || c.is_whitespace()).unwrap_or(piece.len());
    let (id, rest) = piece.split_at(split_at);
    Ok(Code { id: parse_sctid(id)?, term: parse_term(rest) })
}

/// Strips the optional pipes around a term (only the outer ones; a term may contain '|').
fn parse_term(rest: &str) -> Option<String> {
    let rest = rest.trim();
    let rest = rest.strip_prefix('|').unwrap_or(rest);
    let rest = rest.strip_suffix('|').unwrap_or(rest);
    let term = rest.trim();
    (!term.is_empty()).then(|| term.to_owned())
}

/// The inverse of `parse_codes`, for showing and editing: "22298006 |Myocardial infarction|; 38341003".
pub fn format_codes(codes: &[Code]) -> String {
    codes.iter().map(format_code).collect::<Vec<_>>().join("; ")
}

fn format_code(code: &Code) -> String {
    match &code.term {
        Some(term) => format!("{} |{}|", code.id, term),
        None => code.id.clone(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    const VALID: [&str; 5] = ["22298006", "38341003", "195967001", "73211009", "1240751000000100"];

    fn code(id: &str, term: Option<&str>) -> Code {
        Code { id: id.into(), term: term.map(Into::into) }
    }

    #[test]
    fn known_ids_are_valid() {
        for id in VALID {
            assert!(verhoeff_valid(id), "{id}");
            assert_eq!(parse_sctid(id), Ok(id.to_owned()));
        }
    }

    #[test]
    fn check_digit_matches_known_ids() {
        for id in VALID {
            let (body, check) = id.split_at(id.len() - 1);
            assert_eq!(verhoeff_check_digit(body).map(|d| d.to_string()), Some(check.to_owned()), "{id}");
        }
    }

    #[test]
    fn permutation_rows_are_powers_of_row_one() {
        for i in 1..8 {
            for j in 0..10 {
                assert_eq!(P[i][j], P[1][usize::from(P[i - 1][j])], "row {i} column {j}");
            }
        }
    }

    #[test]
    fn inverse_table_undoes_multiplication() {
        for j in 0..10 {
            assert_eq!(D[j][usize::from(INV[j])], 0, "{j}");
        }
    }

    #[test]
    fn textbook_verhoeff_example() {
        // The standard worked example: 236 → check digit 3.
        assert_eq!(verhoeff_check_digit("236"), Some(3));
        assert!(verhoeff_valid("2363"));
        assert!(!verhoeff_valid("2364"));
    }

    #[test]
    fn non_digits_have_no_check_digit() {
        assert_eq!(verhoeff_check_digit("2229800a"), None);
        assert!(!verhoeff_valid("2229800a6"));
        assert!(!verhoeff_valid(""));
    }

    #[test]
    fn any_single_digit_change_is_detected() {
        for id in VALID {
            for pos in 0..id.len() {
                for replacement in b'0'..=b'9' {
                    let mut bytes = id.as_bytes().to_vec();
                    if bytes[pos] == replacement {
                        continue;
                    }
                    bytes[pos] = replacement;
                    let changed = String::from_utf8(bytes).unwrap();
                    assert!(!verhoeff_valid(&changed), "{id} -> {changed}");
                }
            }
        }
    }

    #[test]
    fn adjacent_transpositions_are_detected() {
        let mut swaps_checked = 0;
        for id in VALID {
            for pos in 0..id.len() - 1 {
                let mut bytes = id.as_bytes().to_vec();
                if bytes[pos] == bytes[pos + 1] {
                    continue;
                }
                bytes.swap(pos, pos + 1);
                let swapped = String::from_utf8(bytes).unwrap();
                assert!(!verhoeff_valid(&swapped), "{id} -> {swapped}");
                swaps_checked += 1;
            }
        }
        assert!(swaps_checked > 20);
    }

    #[test]
    fn parse_sctid_trims_whitespace() {
        assert_eq!(parse_sctid("  22298006\n"), Ok("22298006".into()));
    }

    #[test]
    fn parse_sctid_rejects_bad_shapes() {
        for input in ["", "12345", "1234567890123456789", "022298006", "22298 006", "2229800x", "-22298006"] {
            assert_eq!(parse_sctid(input), Err(Problem::SnomedFormat), "{input:?}");
        }
    }

    #[test]
    fn parse_sctid_accepts_length_limits() {
        for body in ["10000", "10000000000000000"] {
            let id = format!("{body}{}", verhoeff_check_digit(body).unwrap());
            assert_eq!(parse_sctid(&id), Ok(id.clone()));
        }
    }

    #[test]
    fn parse_sctid_reports_the_failing_id() {
        assert_eq!(parse_sctid(" 22298007 "), Err(Problem::SnomedCheckDigit { id: "22298007".into() }));
    }

    #[test]
    fn parse_codes_accepts_each_form() {
        let parsed =
            parse_codes("22298006; 38341003 Hypertension ;195967001 |Asthma|;73211009|Diabetes mellitus").unwrap();
        assert_eq!(
            parsed,
            vec![
                code("22298006", None),
                code("38341003", Some("Hypertension")),
                code("195967001", Some("Asthma")),
                code("73211009", Some("Diabetes mellitus")),
            ]
        );
    }

    #[test]
    fn parse_codes_handles_trailing_pipe_and_empty_terms() {
        assert_eq!(parse_codes("73211009|Diabetes mellitus|"), Ok(vec![code("73211009", Some("Diabetes mellitus"))]));
        assert_eq!(parse_codes("22298006 |  |"), Ok(vec![code("22298006", None)]));
        assert_eq!(parse_codes("22298006|"), Ok(vec![code("22298006", None)]));
        assert_eq!(parse_codes("22298006\tMI"), Ok(vec![code("22298006", Some("MI"))]));
    }

    #[test]
    fn parse_codes_of_nothing_is_empty() {
        assert_eq!(parse_codes(""), Ok(vec![]));
        assert_eq!(parse_codes("  ; ;"), Ok(vec![]));
    }

    #[test]
    fn parse_codes_reports_bad_ids() {
        assert_eq!(
            parse_codes("22298006; 38341004 |Hypertension|"),
            Err(Problem::SnomedCheckDigit { id: "38341004".into() })
        );
        assert_eq!(parse_codes("|Asthma|"), Err(Problem::SnomedFormat));
        assert_eq!(parse_codes("Asthma 195967001"), Err(Problem::SnomedFormat));
    }

    #[test]
    fn format_codes_writes_the_expression_style() {
        let codes = [code("22298006", Some("Myocardial infarction")), code("38341003", None)];
        assert_eq!(format_codes(&codes), "22298006 |Myocardial infarction|; 38341003");
        assert_eq!(format_codes(&[]), "");
    }

    #[test]
    fn code_serialises_without_a_missing_term() {
        let json = serde_json::to_string(&code("38341003", None)).unwrap();
        assert_eq!(json, r#"{"id":"38341003"}"#);
        let back: Code = serde_json::from_str(&json).unwrap();
        assert_eq!(back, code("38341003", None));
    }

    proptest! {
        #[test]
        fn appended_check_digit_is_always_valid(body in "[1-9][0-9]{4,16}") {
            let check = verhoeff_check_digit(&body).unwrap();
            let id = format!("{body}{check}");
            prop_assert!(verhoeff_valid(&id));
            prop_assert_eq!(parse_sctid(&id), Ok(id.clone()));
            for other in (0..10u8).filter(|&d| d != check) {
                let altered = format!("{body}{other}");
                prop_assert!(!verhoeff_valid(&altered));
            }
        }

        #[test]
        fn format_then_parse_round_trips(
            entries in proptest::collection::vec(
                ("[1-9][0-9]{4,16}", proptest::option::of("[A-Za-z][A-Za-z0-9 ()|-]{0,20}[A-Za-z)]")),
                0..5,
            )
        ) {
            let codes: Vec<Code> = entries
                .into_iter()
                .map(|(body, term)| {
                    let id = format!("{body}{}", verhoeff_check_digit(&body).unwrap());
                    Code { id, term }
                })
                .collect();
            prop_assert_eq!(parse_codes(&format_codes(&codes)), Ok(codes));
        }

        #[test]
        fn parsers_never_panic(input in "\\PC{0,40}") {
            let _ = parse_sctid(&input);
            let _ = parse_codes(&input);
            let _ = verhoeff_check_digit(&input);
            let _ = verhoeff_valid(&input);
        }
    }
}
