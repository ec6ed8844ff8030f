//! NHS numbers: ten digits whose last is a modulus 11 check digit.

use std::fmt;

use super::Problem;

/// A valid NHS number: exactly 10 ASCII digits with a correct check digit.
#[derive(Debug, Clone, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct NhsNumber(String);

impl NhsNumber {
    /// Accepts 10 digits with any spaces or dashes between them (also leading/trailing whitespace),
    /// with a correct check digit, that are not a placeholder (see [`is_placeholder`]).
    pub fn parse(input: &str) -> Result<NhsNumber, Problem> {
        let all_ten = ten_digits(input)?;
        if is_placeholder(&all_ten) {
            return Err(Problem::NhsNumberPlaceholder);
        }
        Self::checked(all_ten)
    }

    /// As [`NhsNumber::parse`], but a placeholder that passes the check digit is accepted: only for
    /// finding and showing records saved before placeholders were refused (so that the entries
    /// several people share under one can be found and moved), never for saving a new number.
    pub fn parse_held(input: &str) -> Result<NhsNumber, Problem> {
        Self::checked(ten_digits(input)?)
    }

    fn checked(all_ten: [u8; 10]) -> Result<NhsNumber, Problem> {
        let (first_nine, last) = split_check(&all_ten);
        let expected = Self::check_digit(&first_nine).ok_or(Problem::NhsNumberImpossible)?;
        if expected != last {
            return Err(Problem::NhsNumberCheckDigit);
        }
        Ok(NhsNumber(to_text(&all_ten)))
    }

    /// The ten digits with no separators, e.g. "9434765919".
    pub fn digits(&self) -> &str {
        &self.0
    }

    /// The modulus 11 check digit for digit values 0–9 (not ASCII bytes).
    /// None when the check gives 10 (no valid number starts this way) or a value is not 0–9.
    pub fn check_digit(first_nine: &[u8; 9]) -> Option<u8> {
        if first_nine.iter().any(|&d| d > 9) {
            return None;
        }
        let sum: u32 = first_nine.iter().zip((2..=10u32).rev()).map(|(&d, weight)| u32::from(d) * weight).sum();
        match 11 - sum % 11 {
            11 => Some(0),
            10 => None,
            check => u8::try_from(check).ok(),
        }
    }
}

/// Completes nine ASCII digits with their check digit; None if the input is not nine digits,
/// no check digit is possible, or the number made is a placeholder.
pub fn with_check_digit(first_nine: &str) -> Option<NhsNumber> {
    let values: Vec<u8> = first_nine.bytes().map(|b| b.is_ascii_digit().then(|| b - b'0')).collect::<Option<_>>()?;
    let first_nine = <[u8; 9]>::try_from(values.as_slice()).ok()?;
    let check = NhsNumber::check_digit(&first_nine)?;
    let mut all_ten = [0u8; 10];
    all_ten[..9].copy_from_slice(&first_nine);
    all_ten[9] = check;
    (!is_placeholder(&all_ten)).then(|| NhsNumber(to_text(&all_ten)))
}

/// Numbers that are never issued but that practices and spreadsheets type when the real one is
/// not to hand, so that different people would share one record:
///
/// - **one digit ten times** (`000 000 0000` … `999 999 9999`). Every one of them passes the
///   modulus 11 check (the weights 10…2 sum to 54 ≡ 10 (mod 11), so the check digit of `ddddddddd`
///   is `d`), which is why the check alone lets them through. Validation routines used across the
///   NHS refuse them for this reason (for example the NHS-R community's NHS number validation and
///   the T-SQL `fnNHSvalidation` it was built from: "ensure NHS number digits are not all equal").
/// - **digits running up or down by one** (`012 345 6789`, `987 654 3210`, `123 456 7890`, and the
///   same starting from any digit, 9 wrapping to 0). Of these only `0123456789` and `9876543210`
///   pass the check, but every one is a keyboard run, not a number someone read off a letter, and
///   the message "placeholder" helps more than "a digit is mistyped".
///
/// Deliberately nothing more: no rule on the first digits. The ranges issued differ by country and
/// over time (400–499 and 600–708 in England and Wales, for instance, with Scotland's CHI and
/// Northern Ireland's H&C numbers reaching practices too), and the 999 range is the test range and
/// must stay valid; a rule on ranges would risk refusing a real patient's number.
/// Source of the rule: issue 10 item 8 (placeholders on a practice's list) and the routines above.
pub fn is_placeholder(all_ten: &[u8; 10]) -> bool {
    let steps = |step: u8| all_ten.windows(2).all(|w| w[1] == (w[0] + step) % 10);
    steps(0) || steps(1) || steps(9)
}

impl fmt::Display for NhsNumber {
    /// The 3-3-4 grouping used on NHS documents: "943 476 5919".
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let d = &self.0;
        match (d.get(0..3), d.get(3..6), d.get(6..)) {
            (Some(a), Some(b), Some(c)) => write!(f, "{a} {b} {c}"),
            _ => f.write_str(d),
        }
    }
}

/// Exactly ten digits, skipping spaces and dashes (and whitespace around them).
fn ten_digits(input: &str) -> Result<[u8; 10], Problem> {
    let digits = digit_values(input.trim())?;
    <[u8; 10]>::try_from(digits.as_slice()).map_err(|_| Problem::NhsNumberLength { digits: digits.len() })
}

/// Digit values of the input, skipping spaces and dashes.
fn digit_values(input: &str) -> Result<Vec<u8>, Problem> {
    input
        .chars()
        .filter(|c| !matches!(c, ' ' | '-'))
        .map(|c| match u8::try_from(c) {
            Ok(b) if b.is_ascii_digit() => Ok(b - b'0'),
            _ => Err(Problem::NhsNumberNotDigits),
        })
        .collect()
}

fn split_check(all_ten: &[u8; 10]) -> ([u8; 9], u8) {
    let mut first_nine = [0u8; 9];
    first_nine.copy_from_slice(&all_ten[..9]);
    (first_nine, all_ten[9])
}

fn to_text(values: &[u8]) -> String {
    values.iter().map(|&d| char::from(b'0' + d)).collect()
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    const VALID: [&str; 4] = ["999 234 5675", "999 469 1341", "999 703 7014", "943 476 5919"];

    #[test]
    fn known_valid_numbers_parse_and_display() {
        for text in VALID {
            let n = NhsNumber::parse(text).expect(text);
            assert_eq!(n.to_string(), text);
            assert_eq!(n.digits(), text.replace(' ', ""));
        }
    }

    #[test]
    fn separators_and_surrounding_whitespace_are_ignored() {
        let expected = NhsNumber::parse("9434765919").unwrap();
        for text in ["943-476-5919", "  943 476 5919\t", "9 4 3 4-7-6 5919", "\n9434765919 "] {
            assert_eq!(NhsNumber::parse(text), Ok(expected.clone()), "{text:?}");
        }
    }

    #[test]
    fn check_digit_of_ten_is_impossible() {
        assert_eq!(NhsNumber::parse("999 123 4560"), Err(Problem::NhsNumberImpossible));
        // 9·10 + 9·9 + 9·8 = 243 ≡ 1 (mod 11), so whatever the last digit, no number starts 999 000 000.
        assert_eq!(NhsNumber::parse("999 000 0001"), Err(Problem::NhsNumberImpossible));
        assert_eq!(NhsNumber::check_digit(&[9, 9, 9, 1, 2, 3, 4, 5, 6]), None);
    }

    #[test]
    fn wrong_last_digit_is_a_check_digit_error() {
        assert_eq!(NhsNumber::parse("943 476 5918"), Err(Problem::NhsNumberCheckDigit));
        assert_eq!(NhsNumber::parse("999 234 5670"), Err(Problem::NhsNumberCheckDigit));
    }

    #[test]
    fn check_digit_eleven_means_zero() {
        // Sum 0 → 11 - 0 = 11, which is written as 0 (so 000 000 0000 passes the check: see below).
        assert_eq!(NhsNumber::check_digit(&[0; 9]), Some(0));
        assert_eq!(NhsNumber::check_digit(&[0, 0, 0, 0, 0, 0, 0, 1, 0]), Some(8));
    }

    #[test]
    fn one_digit_ten_times_passes_the_check_but_is_a_placeholder() {
        for d in 0..=9u8 {
            assert_eq!(NhsNumber::check_digit(&[d; 9]), Some(d), "the check alone lets {d}×10 through");
            let text: String = std::iter::repeat_n(char::from(b'0' + d), 10).collect();
            assert_eq!(NhsNumber::parse(&text), Err(Problem::NhsNumberPlaceholder), "{text}");
        }
        assert_eq!(NhsNumber::parse("999 999 9999"), Err(Problem::NhsNumberPlaceholder));
        assert_eq!(NhsNumber::parse("000-000-0000"), Err(Problem::NhsNumberPlaceholder));
        assert_eq!(with_check_digit("999999999"), None);
        assert_eq!(with_check_digit("000000000"), None);
    }

    #[test]
    fn a_placeholder_already_held_can_still_be_looked_up() {
        assert_eq!(NhsNumber::parse_held("999 999 9999").map(|n| n.to_string()), Ok("999 999 9999".into()));
        assert_eq!(NhsNumber::parse_held("9434765919"), NhsNumber::parse("9434765919"));
        assert_eq!(NhsNumber::parse_held("1234567890"), Err(Problem::NhsNumberImpossible));
        assert_eq!(NhsNumber::parse_held("943 476 5918"), Err(Problem::NhsNumberCheckDigit));
    }

    #[test]
    fn keyboard_runs_are_placeholders() {
        for text in ["0123456789", "9876543210", "1234567890", "0987654321", "4567890123", "3210987654"] {
            assert_eq!(NhsNumber::parse(text), Err(Problem::NhsNumberPlaceholder), "{text}");
        }
    }

    #[test]
    fn numbers_near_placeholders_are_not_placeholders() {
        // The test range (up to 999 999 9980), and numbers in the ranges issued, are not placeholders.
        for text in ["9999999980", "9992345675", "9434765919", "4010232137", "6000000014"] {
            let digits: Vec<u8> = text.bytes().map(|b| b - b'0').collect();
            let all: [u8; 10] = digits.try_into().unwrap();
            assert!(!is_placeholder(&all), "{text}");
        }
        for text in VALID {
            assert!(NhsNumber::parse(text).is_ok(), "{text}");
        }
    }

    #[test]
    fn check_digit_rejects_values_above_nine() {
        assert_eq!(NhsNumber::check_digit(&[b'9', 9, 9, 2, 3, 4, 5, 6, 7]), None);
    }

    #[test]
    fn wrong_digit_count_reports_the_count() {
        assert_eq!(NhsNumber::parse("943 476 591"), Err(Problem::NhsNumberLength { digits: 9 }));
        assert_eq!(NhsNumber::parse("943 476 59190"), Err(Problem::NhsNumberLength { digits: 11 }));
        assert_eq!(NhsNumber::parse("   "), Err(Problem::NhsNumberLength { digits: 0 }));
    }

    #[test]
    fn other_characters_are_not_digits() {
        for text in ["943.476.5919", "943 476 591O", "９４３4765919", "943\t476 5919", "+449434765919"] {
            assert_eq!(NhsNumber::parse(text), Err(Problem::NhsNumberNotDigits), "{text:?}");
        }
    }

    #[test]
    fn with_check_digit_completes_known_numbers() {
        assert_eq!(with_check_digit("999234567").map(|n| n.to_string()), Some("999 234 5675".into()));
        assert_eq!(with_check_digit("943476591").map(|n| n.to_string()), Some("943 476 5919".into()));
        assert_eq!(with_check_digit("999123456"), None);
        assert_eq!(with_check_digit("99923456"), None);
        assert_eq!(with_check_digit("9992345670"), None);
        assert_eq!(with_check_digit("99923456x"), None);
    }

    /// A deliberately different formulation: weight = 10 - position, via a fold.
    fn naive_is_valid(digits: &[u32; 10]) -> bool {
        let sum = (0..9).fold(0, |acc, i| acc + digits[i] * (10 - i as u32));
        let remainder = sum % 11;
        let expected = if remainder == 0 { 0 } else { 11 - remainder };
        expected != 10 && expected == digits[9]
    }

    proptest! {
        #[test]
        fn parse_agrees_with_naive_check(
            digits in proptest::array::uniform10(0u32..10),
            separators in proptest::collection::vec(prop_oneof![Just(""), Just(" "), Just("-")], 10),
        ) {
            let text: String = digits
                .iter()
                .zip(&separators)
                .map(|(d, sep)| format!("{d}{sep}"))
                .collect();
            let parsed = NhsNumber::parse(&text);
            let values: Vec<u8> = digits.iter().map(|&d| d as u8).collect();
            let placeholder = is_placeholder(&<[u8; 10]>::try_from(values.as_slice()).unwrap());
            prop_assert_eq!(parsed.is_ok(), naive_is_valid(&digits) && !placeholder);
            if let Ok(n) = parsed {
                prop_assert_eq!(NhsNumber::parse(&n.to_string()), Ok(n.clone()));
                let plain: String = digits.iter().map(|d| d.to_string()).collect();
                prop_assert_eq!(n.digits(), plain.as_str());
            }
        }

        #[test]
        fn with_check_digit_always_gives_a_valid_number(first in proptest::array::uniform9(0u32..10)) {
            let text: String = first.iter().map(|d| d.to_string()).collect();
            let possible = (0..10).any(|last| {
                let mut all = [0; 10];
                all[..9].copy_from_slice(&first);
                all[9] = last;
                naive_is_valid(&all)
            });
            match with_check_digit(&text) {
                Some(n) => {
                    prop_assert!(possible);
                    prop_assert!(NhsNumber::parse(n.digits()).is_ok());
                    prop_assert_eq!(NhsNumber::parse(n.digits()), Ok(n.clone()));
                    prop_assert!(n.digits().starts_with(&text));
                }
                None => prop_assert!(!possible || first.iter().all(|&d| d == first[0]) || text == "012345678" || text == "987654321"),
            }
        }

        #[test]
        fn parse_never_panics(input in "\\PC{0,30}") {
            let _ = NhsNumber::parse(&input);
        }
    }
}
