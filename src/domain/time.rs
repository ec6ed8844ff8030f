//! UK local time: entered and shown in Europe/London, stored as UTC.

use chrono::offset::LocalResult;
use chrono::{DateTime, NaiveDate, NaiveDateTime, NaiveTime, SecondsFormat, TimeZone, Timelike, Utc};
use chrono_tz::{OffsetName, Tz};

use super::Problem;

pub use chrono_tz::Europe::London as UK;

const YEARS: std::ops::RangeInclusive<i32> = 1900..=2100;

/// Parses a UK local date and time and returns the instant in UTC.
///
/// Accepted: "27/11/2026 14:30", "27/11/2026" (00:00), "2026-11-27T14:30", "2026-11-27 14:30",
/// "2026-11-27", "14:30" (today in UK local time, relative to `now`), "now" (any case). Seconds are
/// optional ("14:30:05"), surrounding whitespace is ignored and single-digit day, month and hour
/// are allowed ("1/2/2026 9:05"). Years must be 1900–2100.
///
/// Clock changes:
/// - A time skipped when the clocks go forward (e.g. "29/03/2026 01:30") is
///   `SkippedByClockChange`.
/// - A time in the repeated autumn hour (e.g. "25/10/2026 01:30") means its FIRST occurrence
///   (BST, the earlier instant) unless followed by " GMT", which picks the second.
/// - An optional trailing " BST" or " GMT" (any case) is checked against the time: one naming a
///   zone the time is not in is `WrongZoneSuffix`; one naming the only possible zone is accepted.
///
/// Other errors: `TimeFormat` for any unrecognised shape, hour > 23, minute or second > 59, or a
/// year out of range; `DateDoesNotExist` for a day the month does not have (31/02, 29/02/2027).
pub fn parse_uk_datetime(input: &str, now: DateTime<Utc>) -> Result<DateTime<Utc>, Problem> {
    let mut tokens: Vec<&str> = input.split_whitespace().collect();
    let suffix = take_zone_suffix(&mut tokens);
    let local = match (tokens.as_slice(), suffix) {
        ([word], None) if word.eq_ignore_ascii_case("now") => return Ok(now),
        ([single], _) => parse_single_token(single, now)?,
        ([date, time], _) => parse_date_with(date, Problem::TimeFormat)?.and_time(parse_time(time)?),
        _ => return Err(Problem::TimeFormat),
    };
    resolve_local(local, suffix)
}

/// "DD/MM/YYYY" or "YYYY-MM-DD" (dates of birth, expiry dates); single-digit day and month allowed.
pub fn parse_date(input: &str) -> Result<NaiveDate, Problem> {
    parse_date_with(input.trim(), Problem::DateFormat)
}

/// "27/11/2026 14:30"; inside the repeated autumn hour " BST" or " GMT" is appended so the two
/// occurrences can be told apart.
pub fn format_uk(t: DateTime<Utc>) -> String {
    with_zone_if_repeated(t, "%d/%m/%Y %H:%M")
}

/// "27/11/2026".
pub fn format_uk_date(d: NaiveDate) -> String {
    d.format("%d/%m/%Y").to_string()
}

/// "Fri 27 Nov 14:30", for explanations; like `format_uk` it names the zone in the repeated hour.
pub fn format_uk_day(t: DateTime<Utc>) -> String {
    with_zone_if_repeated(t, "%a %-d %b %H:%M")
}

/// ISO 8601 in UK local time with its offset: "2026-11-27T14:30:00+00:00", "2026-07-01T09:10:00+01:00".
pub fn format_iso_local(t: DateTime<Utc>) -> String {
    t.with_timezone(&UK).format("%Y-%m-%dT%H:%M:%S%:z").to_string()
}

/// "2026-11-27T14:30:00.000Z": fixed width (for years 0–9999) so that text order is time order.
pub fn to_storage(t: DateTime<Utc>) -> String {
    t.to_rfc3339_opts(SecondsFormat::Millis, true)
}

/// The inverse of `to_storage`; accepts any RFC 3339 timestamp.
pub fn from_storage(s: &str) -> Option<DateTime<Utc>> {
    DateTime::parse_from_rfc3339(s).ok().map(|t| t.with_timezone(&Utc))
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Zone {
    Bst,
    Gmt,
}

impl Zone {
    fn name(self) -> &'static str {
        match self {
            Zone::Bst => "BST",
            Zone::Gmt => "GMT",
        }
    }
}

/// Removes a trailing "BST"/"GMT" token (only when something precedes it).
fn take_zone_suffix(tokens: &mut Vec<&str>) -> Option<Zone> {
    let zone = match tokens.as_slice() {
        [_, .., last] if last.eq_ignore_ascii_case("bst") => Zone::Bst,
        [_, .., last] if last.eq_ignore_ascii_case("gmt") => Zone::Gmt,
        _ => return None,
    };
    tokens.pop();
    Some(zone)
}

/// "2026-11-27T14:30", "14:30" (today) or a date alone (midnight).
fn parse_single_token(token: &str, now: DateTime<Utc>) -> Result<NaiveDateTime, Problem> {
    if let Some((date, time)) = token.split_once('T') {
        let date = parse_iso_date(date).ok_or(Problem::TimeFormat)?;
        return Ok(checked_date(date, Problem::TimeFormat)?.and_time(parse_time(time)?));
    }
    if token.contains(':') {
        let today = now.with_timezone(&UK).date_naive();
        return Ok(today.and_time(parse_time(token)?));
    }
    Ok(parse_date_with(token, Problem::TimeFormat)?.and_time(NaiveTime::MIN))
}

/// Turns a UK wall-clock time into an instant, applying the clock-change rules of `parse_uk_datetime`.
fn resolve_local(local: NaiveDateTime, suffix: Option<Zone>) -> Result<DateTime<Utc>, Problem> {
    let candidates = match UK.from_local_datetime(&local) {
        LocalResult::Single(t) => vec![t],
        // Earlier first, so that without a suffix the first occurrence wins.
        LocalResult::Ambiguous(a, b) => {
            let (first, second) = if a <= b { (a, b) } else { (b, a) };
            vec![first, second]
        }
        LocalResult::None => {
            return Err(Problem::SkippedByClockChange { local: typed_local(local) });
        }
    };
    let chosen = match suffix {
        None => candidates.first(),
        Some(zone) => candidates.iter().find(|t| zone_of(t) == Some(zone)),
    };
    match (chosen, suffix) {
        (Some(t), _) => Ok(t.with_timezone(&Utc)),
        (None, Some(zone)) => {
            Err(Problem::WrongZoneSuffix { local: typed_local(local), suffix: zone.name().to_owned() })
        }
        (None, None) => Err(Problem::TimeFormat),
    }
}

/// BST or GMT by abbreviation; None for historical zones such as double summer time (BDST).
fn zone_of(t: &DateTime<Tz>) -> Option<Zone> {
    match t.offset().abbreviation() {
        Some("BST") => Some(Zone::Bst),
        Some("GMT") => Some(Zone::Gmt),
        _ => None,
    }
}

/// The local time in UK form for error values; seconds only when they were given as non-zero.
fn typed_local(local: NaiveDateTime) -> String {
    let pattern = if local.second() == 0 { "%d/%m/%Y %H:%M" } else { "%d/%m/%Y %H:%M:%S" };
    local.format(pattern).to_string()
}

fn with_zone_if_repeated(t: DateTime<Utc>, pattern: &str) -> String {
    let local = t.with_timezone(&UK);
    let text = local.format(pattern).to_string();
    let repeated = matches!(UK.from_local_datetime(&local.naive_local()), LocalResult::Ambiguous(..));
    match local.offset().abbreviation() {
        Some(zone) if repeated => format!("{text} {zone}"),
        _ => text,
    }
}

/// A date in either UK ("27/11/2026") or ISO ("2026-11-27") form; `format_error` for a bad shape.
fn parse_date_with(text: &str, format_error: Problem) -> Result<NaiveDate, Problem> {
    let parts = parse_uk_date(text).or_else(|| parse_iso_date(text));
    checked_date(parts.ok_or_else(|| format_error.clone())?, format_error)
}

/// (year, month, day) from "D/M/YYYY".
fn parse_uk_date(text: &str) -> Option<(i32, u32, u32)> {
    let mut parts = text.split('/');
    let day = number(parts.next()?, 1, 2)?;
    let month = number(parts.next()?, 1, 2)?;
    let year = number(parts.next()?, 4, 4)?;
    parts.next().is_none().then_some((i32::try_from(year).ok()?, month, day))
}

/// (year, month, day) from "YYYY-M-D".
fn parse_iso_date(text: &str) -> Option<(i32, u32, u32)> {
    let mut parts = text.split('-');
    let year = number(parts.next()?, 4, 4)?;
    let month = number(parts.next()?, 1, 2)?;
    let day = number(parts.next()?, 1, 2)?;
    parts.next().is_none().then_some((i32::try_from(year).ok()?, month, day))
}

/// Month or day out of calendar range is treated as a typing slip (format error); an in-range day
/// that the month lacks is reported as a date that does not exist.
fn checked_date((year, month, day): (i32, u32, u32), format_error: Problem) -> Result<NaiveDate, Problem> {
    if !YEARS.contains(&year) || !(1..=12).contains(&month) || !(1..=31).contains(&day) {
        return Err(format_error);
    }
    NaiveDate::from_ymd_opt(year, month, day).ok_or(Problem::DateDoesNotExist { day, month, year })
}

/// "H:MM" or "H:MM:SS".
fn parse_time(text: &str) -> Result<NaiveTime, Problem> {
    let mut parts = text.split(':');
    let hour = parts.next().and_then(|h| number(h, 1, 2));
    let minute = parts.next().and_then(|m| number(m, 2, 2));
    let second = match parts.next() {
        None => Some(0),
        Some(s) => number(s, 2, 2),
    };
    let (Some(hour), Some(minute), Some(second), None) = (hour, minute, second, parts.next()) else {
        return Err(Problem::TimeFormat);
    };
    NaiveTime::from_hms_opt(hour, minute, second).ok_or(Problem::TimeFormat)
}

/// A run of `min..=max` ASCII digits as a number.
fn number(text: &str, min: usize, max: usize) -> Option<u32> {
    let well_formed = (min..=max).contains(&text.len()) && text.bytes().all(|b| b.is_ascii_digit());
    well_formed.then(|| text.parse().ok()).flatten()
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    fn utc(s: &str) -> DateTime<Utc> {
        from_storage(s).expect(s)
    }

    fn winter_now() -> DateTime<Utc> {
        utc("2026-11-27T10:00:00Z")
    }

    fn parse(input: &str) -> Result<DateTime<Utc>, Problem> {
        parse_uk_datetime(input, winter_now())
    }

    fn date(y: i32, m: u32, d: u32) -> NaiveDate {
        NaiveDate::from_ymd_opt(y, m, d).unwrap()
    }

    #[test]
    fn accepts_each_winter_form() {
        let cases = [
            ("27/11/2026 14:30", "2026-11-27T14:30:00Z"),
            ("27/11/2026", "2026-11-27T00:00:00Z"),
            ("2026-11-27T14:30", "2026-11-27T14:30:00Z"),
            ("2026-11-27 14:30", "2026-11-27T14:30:00Z"),
            ("2026-11-27", "2026-11-27T00:00:00Z"),
            ("14:30", "2026-11-27T14:30:00Z"),
            ("27/11/2026 14:30:05", "2026-11-27T14:30:05Z"),
            ("2026-11-27T14:30:05", "2026-11-27T14:30:05Z"),
            ("  27/11/2026   14:30 \n", "2026-11-27T14:30:00Z"),
            ("1/2/2026 9:05", "2026-02-01T09:05:00Z"),
            ("27/11/2026 14:30 GMT", "2026-11-27T14:30:00Z"),
            ("27/11/2026 14:30 gmt", "2026-11-27T14:30:00Z"),
        ];
        for (input, expected) in cases {
            assert_eq!(parse(input), Ok(utc(expected)), "{input:?}");
        }
    }

    #[test]
    fn summer_times_are_an_hour_ahead_of_utc() {
        assert_eq!(parse("01/07/2026 09:10"), Ok(utc("2026-07-01T08:10:00Z")));
        assert_eq!(parse("2026-07-01 09:10 BST"), Ok(utc("2026-07-01T08:10:00Z")));
        assert_eq!(parse("2026-07-01"), Ok(utc("2026-06-30T23:00:00Z")));
    }

    #[test]
    fn now_returns_the_injected_instant() {
        assert_eq!(parse("now"), Ok(winter_now()));
        assert_eq!(parse(" NoW "), Ok(winter_now()));
        assert_eq!(parse("now GMT"), Err(Problem::TimeFormat));
    }

    #[test]
    fn time_alone_uses_the_uk_date_not_the_utc_date() {
        let now = utc("2026-07-01T23:30:00Z"); // 00:30 on 2 July in the UK
        assert_eq!(parse_uk_datetime("14:30", now), Ok(utc("2026-07-02T13:30:00Z")));
    }

    #[test]
    fn unrecognised_shapes_are_format_errors() {
        for input in [
            "",
            "tomorrow",
            "27/11/26 14:30",
            "27-11-2026",
            "2026/11/27",
            "27/11/2026 14",
            "27/11/2026 1430",
            "27/11/2026 14:3",
            "27/11/2026 24:00",
            "27/11/2026 14:60",
            "27/11/2026 14:30:60",
            "27/11/2026T14:30",
            "27/11/2026 14:30 CET",
            "27/11/2026 14:30 GMT GMT",
            "GMT",
            "27/13/2026",
            "32/01/2026",
            "0/1/2026",
            "2026-11-27T14:30Z",
            "1/1/1899",
            "1/1/2101",
            "+2026-11-27",
            "27/11/2026 14:30:05:01",
            "１4:30",
        ] {
            assert_eq!(parse(input), Err(Problem::TimeFormat), "{input:?}");
        }
    }

    #[test]
    fn year_limits_are_inclusive() {
        assert_eq!(parse("1/1/1900 12:00"), Ok(utc("1900-01-01T12:00:00Z")));
        assert!(parse("31/12/2100 12:00").is_ok());
    }

    #[test]
    fn impossible_dates_do_not_exist() {
        assert_eq!(parse("31/02/2026 10:00"), Err(Problem::DateDoesNotExist { day: 31, month: 2, year: 2026 }));
        assert_eq!(parse("2027-02-29"), Err(Problem::DateDoesNotExist { day: 29, month: 2, year: 2027 }));
        assert_eq!(parse("29/02/2028"), Ok(utc("2028-02-29T00:00:00Z")));
    }

    #[test]
    fn spring_gap_is_skipped() {
        assert_eq!(parse("29/03/2026 01:30"), Err(Problem::SkippedByClockChange { local: "29/03/2026 01:30".into() }));
        assert_eq!(
            parse("2026-03-29T01:00:30 GMT"),
            Err(Problem::SkippedByClockChange { local: "29/03/2026 01:00:30".into() })
        );
        assert_eq!(parse("29/03/2026 00:59"), Ok(utc("2026-03-29T00:59:00Z")));
        assert_eq!(parse("29/03/2026 02:00"), Ok(utc("2026-03-29T01:00:00Z")));
    }

    #[test]
    fn autumn_repeat_takes_first_occurrence_unless_gmt() {
        assert_eq!(parse("25/10/2026 01:30"), Ok(utc("2026-10-25T00:30:00Z")));
        assert_eq!(parse("25/10/2026 01:30 BST"), Ok(utc("2026-10-25T00:30:00Z")));
        assert_eq!(parse("25/10/2026 01:30 GMT"), Ok(utc("2026-10-25T01:30:00Z")));
        assert_eq!(parse("25/10/2026 01:00 gmt"), Ok(utc("2026-10-25T01:00:00Z")));
        assert_eq!(parse("25/10/2026 02:00"), Ok(utc("2026-10-25T02:00:00Z")));
    }

    #[test]
    fn suffix_naming_the_wrong_zone_is_rejected() {
        assert_eq!(
            parse("27/11/2026 14:30 BST"),
            Err(Problem::WrongZoneSuffix { local: "27/11/2026 14:30".into(), suffix: "BST".into() })
        );
        assert_eq!(
            parse("2026-07-01 09:10 gmt"),
            Err(Problem::WrongZoneSuffix { local: "01/07/2026 09:10".into(), suffix: "GMT".into() })
        );
        assert_eq!(
            parse("25/10/2026 02:00 BST"),
            Err(Problem::WrongZoneSuffix { local: "25/10/2026 02:00".into(), suffix: "BST".into() })
        );
    }

    #[test]
    fn parse_date_accepts_both_forms() {
        assert_eq!(parse_date("27/11/2026"), Ok(date(2026, 11, 27)));
        assert_eq!(parse_date(" 2026-11-27 "), Ok(date(2026, 11, 27)));
        assert_eq!(parse_date("1/2/1950"), Ok(date(1950, 2, 1)));
    }

    #[test]
    fn parse_date_errors() {
        for input in ["", "27/11/26", "27.11.2026", "27/11/2026 14:30", "13/13/2026", "1/1/1899", "now"] {
            assert_eq!(parse_date(input), Err(Problem::DateFormat), "{input:?}");
        }
        assert_eq!(parse_date("29/02/2027"), Err(Problem::DateDoesNotExist { day: 29, month: 2, year: 2027 }));
        assert_eq!(parse_date("2026-04-31"), Err(Problem::DateDoesNotExist { day: 31, month: 4, year: 2026 }));
    }

    #[test]
    fn format_uk_names_the_zone_only_in_the_repeated_hour() {
        assert_eq!(format_uk(utc("2026-11-27T14:30:00Z")), "27/11/2026 14:30");
        assert_eq!(format_uk(utc("2026-07-01T08:10:00Z")), "01/07/2026 09:10");
        assert_eq!(format_uk(utc("2026-10-25T00:30:00Z")), "25/10/2026 01:30 BST");
        assert_eq!(format_uk(utc("2026-10-25T01:30:00Z")), "25/10/2026 01:30 GMT");
        assert_eq!(format_uk(utc("2026-10-24T23:59:00Z")), "25/10/2026 00:59");
        assert_eq!(format_uk(utc("2026-10-25T02:00:00Z")), "25/10/2026 02:00");
    }

    #[test]
    fn format_uk_date_pads_day_and_month() {
        assert_eq!(format_uk_date(date(2026, 2, 1)), "01/02/2026");
    }

    #[test]
    fn format_uk_day_is_short_and_local() {
        assert_eq!(format_uk_day(utc("2026-11-27T14:30:00Z")), "Fri 27 Nov 14:30");
        assert_eq!(format_uk_day(utc("2026-07-01T23:30:00Z")), "Thu 2 Jul 00:30");
        assert_eq!(format_uk_day(utc("2026-10-25T01:30:00Z")), "Sun 25 Oct 01:30 GMT");
    }

    #[test]
    fn format_iso_local_carries_the_offset() {
        assert_eq!(format_iso_local(utc("2026-11-27T14:30:00Z")), "2026-11-27T14:30:00+00:00");
        assert_eq!(format_iso_local(utc("2026-07-01T08:10:00Z")), "2026-07-01T09:10:00+01:00");
    }

    #[test]
    fn storage_form_is_fixed_width_utc() {
        let t = utc("2026-07-01T09:10:00+01:00");
        assert_eq!(to_storage(t), "2026-07-01T08:10:00.000Z");
        assert_eq!(from_storage("2026-07-01T08:10:00.000Z"), Some(t));
        assert_eq!(from_storage("2026-07-01 08:10"), None);
        assert_eq!(from_storage(""), None);
    }

    proptest! {
        #[test]
        fn storage_round_trips_and_sorts(a in 0i64..4_102_444_800_000, b in 0i64..4_102_444_800_000) {
            let ta = DateTime::from_timestamp_millis(a).unwrap();
            let tb = DateTime::from_timestamp_millis(b).unwrap();
            prop_assert_eq!(from_storage(&to_storage(ta)), Some(ta));
            prop_assert_eq!(to_storage(ta).len(), 24);
            prop_assert_eq!(to_storage(ta).cmp(&to_storage(tb)), ta.cmp(&tb));
        }

        #[test]
        fn format_uk_parses_back_to_the_same_minute(minutes in 0i64..(128 * 365 * 24 * 60)) {
            // 1972 onward: before that the UK had years of all-year BST and double summer time.
            let t = DateTime::from_timestamp(63_072_000 + minutes * 60, 0).unwrap();
            prop_assert_eq!(parse_uk_datetime(&format_uk(t), t), Ok(t));
            prop_assert_eq!(from_storage(&format_iso_local(t)), Some(t));
        }

        #[test]
        fn parsers_never_panic(input in "\\PC{0,30}", seconds in -4_000_000_000i64..5_000_000_000) {
            let now = DateTime::from_timestamp(seconds, 0).unwrap();
            let _ = parse_uk_datetime(&input, now);
            let _ = parse_date(&input);
            let _ = from_storage(&input);
        }

        #[test]
        fn parse_date_agrees_with_chrono(y in 1900i32..=2100, m in 1u32..=12, d in 1u32..=31) {
            let expected = NaiveDate::from_ymd_opt(y, m, d)
                .ok_or(Problem::DateDoesNotExist { day: d, month: m, year: y });
            prop_assert_eq!(parse_date(&format!("{d}/{m}/{y}")), expected.clone());
            prop_assert_eq!(parse_date(&format!("{y}-{m:02}-{d:02}")), expected);
        }
    }
}
