//! UK local time: entered and shown in Europe/London, stored as UTC.

use chrono::offset::LocalResult;
use chrono::{
    DateTime, Datelike, Duration, NaiveDate, NaiveDateTime, NaiveTime, SecondsFormat, TimeZone, Timelike, Utc,
};
use chrono_tz::{OffsetName, Tz};

use super::Problem;

pub use chrono_tz::Europe::London as UK;

const YEARS: std::ops::RangeInclusive<i32> = 1900..=2100;

/// A date typed without a year ("29/11") is the most recent one, unless the next one is at most
/// this many days ahead (typed in December, "04/01" is next January).
const NO_YEAR_AHEAD_DAYS: i64 = 92;

/// Parses a UK local date and time and returns the instant in UTC.
///
/// Accepted, in either order and in any case:
/// - a time: "14:30", "14.30", "1430", "9:05", "2.30pm", "2:30 pm", "2pm", "12am" (midnight);
///   seconds are optional ("14:30:05");
/// - a date: "27/11/2026", "27-11-2026", "27.11.2026", "2026-11-27", "27/11/26" (a two-digit
///   year is in this century), "29/11" (no year: see `NO_YEAR_AHEAD_DAYS`), "today", "yesterday",
///   "tomorrow";
/// - a time alone is today (UK date, relative to `now`); a date alone is its midnight;
/// - "2026-11-27T14:30"; "now".
///
/// Surrounding whitespace is ignored and single-digit day, month and hour are allowed
/// ("1/2/2026 9:05"). Years must be 1900–2100.
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
    let lowered = input.to_lowercase();
    let mut tokens = joined_am_pm(&lowered);
    let suffix = take_zone_suffix(&mut tokens);
    let today = now.with_timezone(&UK).date_naive();
    let day = |token: &str| parse_day(token, today);
    let local = match (tokens.as_slice(), suffix) {
        ([word], None) if word == "now" => return Ok(now),
        ([single], _) => match (parse_iso_date_time(single), parse_clock(single)) {
            (Some(iso), _) => iso?,
            (None, Some(clock)) => today.and_time(clock),
            (None, None) => day(single)?.and_time(NaiveTime::MIN),
        },
        ([first, second], _) => match parse_clock(first) {
            Some(clock) => day(second)?.and_time(clock),
            None => day(first)?.and_time(parse_clock(second).ok_or(Problem::TimeFormat)?),
        },
        _ => return Err(Problem::TimeFormat),
    };
    resolve_local(local, suffix)
}

/// A date: "30/01/1941", "30-01-1941", "30.01.1941", "1941-01-30" or "30/06/28" (a two-digit
/// year is in this century, as for event times). Single-digit day and month allowed. For dates of
/// birth use `parse_date_of_birth`.
pub fn parse_date(input: &str, now: DateTime<Utc>) -> Result<NaiveDate, Problem> {
    let century = now.with_timezone(&UK).year().div_euclid(100) * 100;
    parse_calendar_date(input.trim(), &|yy| century + yy, None, Problem::DateFormat)
}

/// A date of birth, in the forms of `parse_date`, except that a two-digit year is the latest such
/// year not after this one: in 2026, "30/01/41" is 1941 and "1/1/26" is 2026.
pub fn parse_date_of_birth(input: &str, now: DateTime<Utc>) -> Result<NaiveDate, Problem> {
    let this_year = now.with_timezone(&UK).year();
    let short_year = |yy: i32| {
        let century = this_year.div_euclid(100) * 100;
        if century + yy <= this_year { century + yy } else { century - 100 + yy }
    };
    let date = parse_calendar_date(input.trim(), &short_year, None, Problem::DateFormat)?;
    // A two-digit year whose date this century is still to come was last century's: "01/12/26"
    // typed on 30/11/2026 is 1926. (Parsed with the century before: a different date means the
    // year was written with two digits.)
    if date > now.with_timezone(&UK).date_naive() {
        let century_before = |yy: i32| short_year(yy) - 100;
        if let Ok(earlier) = parse_calendar_date(input.trim(), &century_before, None, Problem::DateFormat)
            && earlier != date
        {
            return Ok(earlier);
        }
    }
    Ok(date)
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

/// UK local time in any `chrono` pattern ("%d/%m %H:%M" for a narrow column, "%a %d/%m %H:00" for
/// an hour of a chart); like `format_uk` it names the zone in the repeated hour, so that the two
/// 01:00s of the night the clocks go back read differently.
pub fn format_uk_as(t: DateTime<Utc>, pattern: &str) -> String {
    with_zone_if_repeated(t, pattern)
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

/// `t` plus `days` days on the UK calendar, at the same time on the clock: go-live at 08:00 plus 7
/// days is 08:00 even when the clocks change in between (which is 167 or 169 hours, not 168).
/// Every "N days later" in the program goes through here; hour-based limits (the 72-hour target,
/// a 4-hour claim) are absolute hours and do not.
///
/// A time the clocks skip on the day reached reads an hour later (01:30 becomes 02:30); a time
/// repeated on that day is its first occurrence (BST).
pub fn add_days_local(t: DateTime<Utc>, days: i64) -> DateTime<Utc> {
    let local = t.with_timezone(&UK);
    let Some(date) = local.date_naive().checked_add_signed(Duration::days(days)) else {
        return t + Duration::days(days);
    };
    let wanted = date.and_time(local.time());
    UK.from_local_datetime(&wanted)
        .earliest()
        .or_else(|| UK.from_local_datetime(&(wanted + Duration::hours(1))).earliest())
        .map_or(t + Duration::days(days), |found| found.with_timezone(&Utc))
}

/// Whole days on the UK calendar from `from` to `to` (not before `from`), counted the way
/// `add_days_local` adds them: 08:00 on Saturday to 08:00 the next Saturday is 7 days across a
/// change of the clocks, although it is 167 or 169 hours.
pub fn whole_days_between(from: DateTime<Utc>, to: DateTime<Utc>) -> i64 {
    let days = (to.with_timezone(&UK).date_naive() - from.with_timezone(&UK).date_naive()).num_days();
    if days > 0 && add_days_local(from, days) > to { days - 1 } else { days.max(0) }
}

/// A length of time as the practice counts it: hours on a stopwatch, or days on the calendar.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Span {
    /// Absolute hours, the same length across a change of the clocks (due in 10 hours).
    Hours(i64),
    /// Days on the UK calendar, the same time on the clock (due in 7 days).
    Days(i64),
}

impl Span {
    /// The time this long after `t`.
    pub fn after(self, t: DateTime<Utc>) -> DateTime<Utc> {
        match self {
            Span::Hours(h) => t + Duration::hours(h),
            Span::Days(d) => add_days_local(t, d),
        }
    }

    /// About how many hours: for comparing spans, not for adding them.
    pub fn nominal_hours(self) -> i64 {
        match self {
            Span::Hours(h) => h,
            Span::Days(d) => d * 24,
        }
    }
}

/// How long the cutover has lasted against its target.
#[derive(Debug, Clone, Copy, PartialEq)]
pub enum CutoverClock {
    /// FDP is still to come.
    NotStarted,
    /// FDP has happened and go-live has not (or is not set): hours since FDP, still counting.
    Running { hours: f64 },
    /// Go-live has happened: FDP to go-live, the cutover's length, fixed from then on.
    Finished { hours: f64 },
}

/// When the new system went live, once it has: go-live set and reached. The one rule for "the new
/// system is live" (the header, the report, the entry forms' notice).
pub fn live_since(go_live: Option<DateTime<Utc>>, now: DateTime<Utc>) -> Option<DateTime<Utc>> {
    go_live.filter(|g| *g <= now)
}

/// The one reading of the cutover's length that every screen, command and report shows; `None`
/// until FDP is set.
pub fn cutover_clock(
    fdp: Option<DateTime<Utc>>,
    go_live: Option<DateTime<Utc>>,
    now: DateTime<Utc>,
) -> Option<CutoverClock> {
    let fdp = fdp?;
    let hours = |end: DateTime<Utc>| (end - fdp).num_minutes() as f64 / 60.0;
    Some(match live_since(go_live, now) {
        Some(g) => CutoverClock::Finished { hours: hours(g) },
        _ if now < fdp => CutoverClock::NotStarted,
        _ => CutoverClock::Running { hours: hours(now) },
    })
}

impl CutoverClock {
    pub fn hours(self) -> Option<f64> {
        match self {
            CutoverClock::NotStarted => None,
            CutoverClock::Running { hours } | CutoverClock::Finished { hours } => Some(hours),
        }
    }
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

/// The words of the input, with a separate "am" or "pm" joined to the time before it ("2 pm").
fn joined_am_pm(lowered: &str) -> Vec<String> {
    let mut tokens: Vec<String> = Vec::new();
    for word in lowered.split_whitespace() {
        match (tokens.last_mut(), word) {
            (Some(last), "am" | "pm" | "a.m." | "p.m.") => last.push_str(word),
            _ => tokens.push(word.to_string()),
        }
    }
    tokens
}

/// Removes a trailing "bst"/"gmt" token (only when something precedes it).
fn take_zone_suffix(tokens: &mut Vec<String>) -> Option<Zone> {
    let zone = match tokens.as_slice() {
        [_, .., last] if last == "bst" => Zone::Bst,
        [_, .., last] if last == "gmt" => Zone::Gmt,
        _ => return None,
    };
    tokens.pop();
    Some(zone)
}

/// "2026-11-27t14:30" (lower-cased); `None` when the token is not of that shape at all.
fn parse_iso_date_time(token: &str) -> Option<Result<NaiveDateTime, Problem>> {
    let (date, time) = token.split_once('t')?;
    if !date.starts_with(|c: char| c.is_ascii_digit()) {
        return None;
    }
    Some((|| {
        let date = parse_iso_date(date).ok_or(Problem::TimeFormat)?;
        let clock = parse_clock(time).filter(|_| time.contains(':')).ok_or(Problem::TimeFormat)?;
        Ok(checked_date(date, Problem::TimeFormat)?.and_time(clock))
    })())
}

/// A day of an event: "today", "yesterday", "tomorrow", or a date (two-digit years in this
/// century; no year, the nearest sensible one).
fn parse_day(token: &str, today: NaiveDate) -> Result<NaiveDate, Problem> {
    let offset = match token {
        "today" => Some(0),
        "yesterday" => Some(-1),
        "tomorrow" => Some(1),
        _ => None,
    };
    if let Some(days) = offset {
        return today.checked_add_signed(Duration::days(days)).ok_or(Problem::TimeFormat);
    }
    let century = today.year().div_euclid(100) * 100;
    parse_calendar_date(token, &|yy| century + yy, Some(today), Problem::TimeFormat)
}

/// "D/M/YYYY", "D-M-YYYY", "D.M.YYYY" (one separator throughout), the same with a two-digit year
/// (read by `short_year`), "YYYY-M-D" (or with / or .), and, when `today` is given, "D/M" without a
/// year. `format_error` for a bad shape.
fn parse_calendar_date(
    text: &str,
    short_year: &dyn Fn(i32) -> i32,
    today: Option<NaiveDate>,
    format_error: Problem,
) -> Result<NaiveDate, Problem> {
    let bad = || format_error.clone();
    let separator = text.chars().find(|c| matches!(c, '/' | '-' | '.')).ok_or_else(bad)?;
    let parts: Vec<&str> = text.split(separator).collect();
    let year = |y: &str| -> Option<i32> {
        match y.len() {
            4 => i32::try_from(number(y, 4, 4)?).ok(),
            2 => Some(short_year(i32::try_from(number(y, 2, 2)?).ok()?)),
            _ => None,
        }
    };
    let ymd = match parts.as_slice() {
        [y, m, d] if y.len() == 4 => (year(y), number(m, 1, 2), number(d, 1, 2)),
        [d, m, y] => (year(y), number(m, 1, 2), number(d, 1, 2)),
        [d, m] if separator == '/' && today.is_some() => {
            let (Some(month), Some(day), Some(today)) = (number(m, 1, 2), number(d, 1, 2), today) else {
                return Err(bad());
            };
            return nearest_without_year(day, month, today, format_error);
        }
        _ => return Err(bad()),
    };
    let (Some(y), Some(m), Some(d)) = ymd else { return Err(bad()) };
    checked_date((y, m, d), format_error)
}

/// "29/11": the most recent 29 November, or the next one if it is at most `NO_YEAR_AHEAD_DAYS`
/// away.
fn nearest_without_year(day: u32, month: u32, today: NaiveDate, format_error: Problem) -> Result<NaiveDate, Problem> {
    let year = today.year();
    let mut found = None;
    for y in [year + 1, year, year - 1] {
        match checked_date((y, month, day), format_error.clone()) {
            Ok(d) if (d - today).num_days() <= NO_YEAR_AHEAD_DAYS => {
                found = Some(d);
                break;
            }
            Ok(_) | Err(Problem::DateDoesNotExist { .. }) => {}
            Err(e) => return Err(e),
        }
    }
    found.ok_or(Problem::DateDoesNotExist { day, month, year })
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

/// A time of day as people write it (lower-cased): "14:30", "14:30:05", "14.30", "1430", "2.30pm",
/// "2pm", "1130am", "2p.m.". With am or pm the hour is 1 to 12 (12am is midnight, 12pm noon).
fn parse_clock(text: &str) -> Option<NaiveTime> {
    let (body, pm) = [("a.m.", false), ("p.m.", true), ("am", false), ("pm", true)]
        .iter()
        .find_map(|(suffix, pm)| text.strip_suffix(suffix).map(|body| (body, Some(*pm))))
        .unwrap_or((text, None));
    let (hour, minute, second) = if body.contains(':') {
        let parts: Vec<&str> = body.split(':').collect();
        match parts.as_slice() {
            [h, m] => (number(h, 1, 2)?, number(m, 2, 2)?, 0),
            [h, m, s] => (number(h, 1, 2)?, number(m, 2, 2)?, number(s, 2, 2)?),
            _ => return None,
        }
    } else if let Some((h, m)) = body.split_once('.') {
        (number(h, 1, 2)?, number(m, 2, 2)?, 0)
    } else {
        let digits = number(body, 1, 4)?;
        match (body.len(), pm) {
            (1 | 2, Some(_)) => (digits, 0, 0),
            (3 | 4, Some(_)) | (4, None) => (digits / 100, digits % 100, 0),
            _ => return None,
        }
    };
    let hour = match pm {
        None => hour,
        Some(_) if !(1..=12).contains(&hour) => return None,
        Some(pm) => hour % 12 + if pm { 12 } else { 0 },
    };
    NaiveTime::from_hms_opt(hour, minute, second)
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

    fn parse_dob(input: &str) -> Result<NaiveDate, Problem> {
        parse_date_of_birth(input, winter_now())
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
    fn accepts_times_as_people_write_them() {
        // winter_now() is Friday 27/11/2026 10:00.
        let cases = [
            ("14.30", "2026-11-27T14:30:00Z"),
            ("9.05", "2026-11-27T09:05:00Z"),
            ("1430", "2026-11-27T14:30:00Z"),
            ("0905", "2026-11-27T09:05:00Z"),
            ("2.30pm", "2026-11-27T14:30:00Z"),
            ("2:30pm", "2026-11-27T14:30:00Z"),
            ("2.30 PM", "2026-11-27T14:30:00Z"),
            ("2pm", "2026-11-27T14:00:00Z"),
            ("2 pm", "2026-11-27T14:00:00Z"),
            ("230pm", "2026-11-27T14:30:00Z"),
            ("9am", "2026-11-27T09:00:00Z"),
            ("11.45a.m.", "2026-11-27T11:45:00Z"),
            ("12am", "2026-11-27T00:00:00Z"),
            ("12pm", "2026-11-27T12:00:00Z"),
            ("12.15am", "2026-11-27T00:15:00Z"),
            ("today 9am", "2026-11-27T09:00:00Z"),
            ("Today", "2026-11-27T00:00:00Z"),
            ("yesterday 14:30", "2026-11-26T14:30:00Z"),
            ("Yesterday 2.30pm", "2026-11-26T14:30:00Z"),
            ("2.30pm yesterday", "2026-11-26T14:30:00Z"),
            ("yesterday", "2026-11-26T00:00:00Z"),
            ("tomorrow 8am", "2026-11-28T08:00:00Z"),
            ("26/11 14:30", "2026-11-26T14:30:00Z"),
            ("29/11 14:30", "2026-11-29T14:30:00Z"),
            ("1/11 9am", "2026-11-01T09:00:00Z"),
            ("27-11-2026 14:30", "2026-11-27T14:30:00Z"),
            ("27.11.2026 14.30", "2026-11-27T14:30:00Z"),
            ("27/11/26 14:30", "2026-11-27T14:30:00Z"),
            ("27/11/2026 1430", "2026-11-27T14:30:00Z"),
            ("2026/11/27 2pm", "2026-11-27T14:00:00Z"),
            ("14:30 27/11/2026", "2026-11-27T14:30:00Z"),
            ("yesterday 14:30 GMT", "2026-11-26T14:30:00Z"),
        ];
        for (input, expected) in cases {
            assert_eq!(parse(input), Ok(utc(expected)), "{input:?}");
        }
    }

    #[test]
    fn a_date_without_a_year_is_the_last_one_or_one_soon() {
        let on = |now: &str, input: &str| parse_uk_datetime(input, utc(now));
        let end_of_november = "2026-11-30T12:00:00Z";
        assert_eq!(on(end_of_november, "29/11 09:00"), Ok(utc("2026-11-29T09:00:00Z")));
        assert_eq!(on(end_of_november, "30/11 09:00"), Ok(utc("2026-11-30T09:00:00Z")));
        assert_eq!(on(end_of_november, "24/12 09:00"), Ok(utc("2026-12-24T09:00:00Z")), "next month");
        assert_eq!(on(end_of_november, "05/01 08:00"), Ok(utc("2027-01-05T08:00:00Z")), "soon, next year");
        assert_eq!(on(end_of_november, "01/06 09:00"), Ok(utc("2026-06-01T08:00:00Z")), "far ahead: the past one");
        assert_eq!(on("2027-01-02T10:00:00Z", "29/12 14:30"), Ok(utc("2026-12-29T14:30:00Z")));
        assert_eq!(
            on(end_of_november, "29/02 09:00"),
            Err(Problem::DateDoesNotExist { day: 29, month: 2, year: 2026 })
        );
        assert_eq!(on("2028-01-10T10:00:00Z", "29/02 09:00"), Ok(utc("2028-02-29T09:00:00Z")));
        assert_eq!(on(end_of_november, "31/13 09:00"), Err(Problem::TimeFormat));
    }

    #[test]
    fn two_digit_years_are_this_century_for_events_and_past_for_births() {
        assert_eq!(parse("30/01/41 10:00"), Ok(utc("2041-01-30T10:00:00Z")));
        assert_eq!(parse("1/2/00"), Ok(utc("2000-02-01T00:00:00Z")));
        assert_eq!(parse_dob("30/01/41"), Ok(date(1941, 1, 30)));
        assert_eq!(parse_dob("30.01.41"), Ok(date(1941, 1, 30)));
        assert_eq!(parse_dob("1/1/26"), Ok(date(2026, 1, 1)), "this year is not after this year");
        assert_eq!(parse_dob("1/1/27"), Ok(date(1927, 1, 1)));
        // A date this century still to come was last century's: typed on 30/11/2026.
        let today = utc("2026-11-30T09:00:00Z");
        assert_eq!(parse_date_of_birth("01/12/26", today), Ok(date(1926, 12, 1)));
        assert_eq!(parse_date_of_birth("30/11/26", today), Ok(date(2026, 11, 30)), "born today");
        assert_eq!(parse_date_of_birth("01/12/2026", today), Ok(date(2026, 12, 1)), "four digits are as written");
        assert_eq!(parse_dob("5/5/00"), Ok(date(2000, 5, 5)));
        assert_eq!(parse_dob("30-01-1941"), Ok(date(1941, 1, 30)));
        assert_eq!(parse_dob("30.01.1941"), Ok(date(1941, 1, 30)));
        assert_eq!(parse_dob("1941-01-30"), Ok(date(1941, 1, 30)));
        assert_eq!(parse_dob("29/02/27"), Err(Problem::DateDoesNotExist { day: 29, month: 2, year: 1927 }));
        assert_eq!(parse_date("30/06/28", winter_now()), Ok(date(2028, 6, 30)), "an expiry date");
        assert_eq!(parse_date("30.06.2028", winter_now()), Ok(date(2028, 6, 30)));
    }

    #[test]
    fn new_forms_keep_the_clock_change_rules() {
        assert_eq!(parse("29/03/26 1.30am"), Err(Problem::SkippedByClockChange { local: "29/03/2026 01:30".into() }));
        assert_eq!(parse("25/10/2026 1.30am"), Ok(utc("2026-10-25T00:30:00Z")));
        assert_eq!(parse("25/10/2026 1.30am gmt"), Ok(utc("2026-10-25T01:30:00Z")));
        let day_after = utc("2026-10-26T09:00:00Z");
        assert_eq!(parse_uk_datetime("yesterday 1:30 GMT", day_after), Ok(utc("2026-10-25T01:30:00Z")));
    }

    /// Every day-based sum in the program, across both clock changes of 2026: go-live plus N days
    /// keeps its clock time.
    #[test]
    fn adding_days_keeps_the_clock_time_across_the_changes() {
        let cases = [
            // spring: clocks forward 29/03/2026 01:00 UTC
            ("27/03/2026 08:00", 7, "03/04/2026 08:00"),
            ("28/03/2026 08:00", 1, "29/03/2026 08:00"),
            ("29/03/2026 08:00", -1, "28/03/2026 08:00"),
            ("28/03/2026 01:30", 1, "29/03/2026 02:30"), // no 01:30 that day: as the clock reads, an hour on
            // autumn: clocks back 25/10/2026 01:00 UTC
            ("23/10/2026 08:00", 7, "30/10/2026 08:00"),
            ("24/10/2026 08:00", 1, "25/10/2026 08:00"),
            ("24/10/2026 01:30", 1, "25/10/2026 01:30 BST"),
            ("25/10/2026 01:30 GMT", 1, "26/10/2026 01:30"),
            ("23/10/2026 08:00", 28, "20/11/2026 08:00"),
        ];
        for (from, days, want) in cases {
            assert_eq!(add_days_local(parse(from).unwrap(), days), parse(want).unwrap(), "{from} + {days}");
        }
        let hours = |from: &str, to: &str| (parse(to).unwrap() - parse(from).unwrap()).num_hours();
        assert_eq!(hours("27/03/2026 08:00", "03/04/2026 08:00"), 167, "a week over the spring change");
        assert_eq!(hours("23/10/2026 08:00", "30/10/2026 08:00"), 169, "a week over the autumn change");
    }

    #[test]
    fn whole_days_are_counted_on_the_calendar() {
        let days = |from: &str, to: &str| whole_days_between(parse(from).unwrap(), parse(to).unwrap());
        assert_eq!(days("27/03/2026 08:00", "03/04/2026 08:00"), 7);
        assert_eq!(days("27/03/2026 08:00", "03/04/2026 07:59"), 6);
        assert_eq!(days("23/10/2026 08:00", "30/10/2026 08:00"), 7);
        assert_eq!(days("23/10/2026 08:00", "30/10/2026 08:30"), 7);
        assert_eq!(days("23/11/2026 08:00", "23/11/2026 17:00"), 0);
        assert_eq!(days("23/11/2026 08:00", "24/11/2026 07:00"), 0);
        assert_eq!(days("23/11/2026 08:00", "22/11/2026 08:00"), 0);
    }

    #[test]
    fn spans_add_hours_absolutely_and_days_on_the_calendar() {
        let go_live = parse("24/10/2026 08:00").unwrap();
        assert_eq!(Span::Hours(24).after(go_live), parse("25/10/2026 07:00").unwrap());
        assert_eq!(Span::Days(1).after(go_live), parse("25/10/2026 08:00").unwrap());
        assert_eq!(Span::Days(7).nominal_hours(), 168);
    }

    #[test]
    fn the_cutover_clock_stops_at_go_live() {
        let fdp = Some(utc("2026-11-20T17:00:00Z"));
        let go_live = Some(utc("2026-11-23T08:00:00Z"));
        let clock = |now: &str| cutover_clock(fdp, go_live, utc(now));
        assert_eq!(cutover_clock(None, go_live, winter_now()), None);
        assert_eq!(clock("2026-11-20T12:00:00Z"), Some(CutoverClock::NotStarted));
        assert_eq!(clock("2026-11-21T05:00:00Z"), Some(CutoverClock::Running { hours: 12.0 }));
        assert_eq!(clock("2026-11-23T08:00:00Z"), Some(CutoverClock::Finished { hours: 63.0 }));
        assert_eq!(clock("2026-11-30T08:00:00Z"), Some(CutoverClock::Finished { hours: 63.0 }));
        assert_eq!(cutover_clock(fdp, None, utc("2026-11-30T08:00:00Z")), Some(CutoverClock::Running { hours: 231.0 }));
    }

    #[test]
    fn format_uk_as_names_the_zone_in_the_repeated_hour() {
        assert_eq!(format_uk_as(utc("2026-10-25T00:00:00Z"), "%a %d/%m %H:00"), "Sun 25/10 01:00 BST");
        assert_eq!(format_uk_as(utc("2026-10-25T01:00:00Z"), "%a %d/%m %H:00"), "Sun 25/10 01:00 GMT");
        assert_eq!(format_uk_as(utc("2026-10-25T02:00:00Z"), "%a %d/%m %H:00"), "Sun 25/10 02:00");
        assert_eq!(format_uk_as(utc("2026-11-27T14:30:00Z"), "%d/%m %H:%M"), "27/11 14:30");
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
            "next tuesday",
            "27/11/2026 14",
            "14.3",
            "14:30pm",
            "13pm",
            "0am",
            "1430pm",
            "143",
            "14.30.05",
            "yesterday 14",
            "2pm 3pm",
            "27/11-2026",
            "27/11/2026/1 14:30",
            "27/11/202 14:30",
            "29.11 14:30",
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
        assert_eq!(parse_dob("27/11/2026"), Ok(date(2026, 11, 27)));
        assert_eq!(parse_dob(" 2026-11-27 "), Ok(date(2026, 11, 27)));
        assert_eq!(parse_dob("1/2/1950"), Ok(date(1950, 2, 1)));
    }

    #[test]
    fn parse_date_errors() {
        for input in [
            "",
            "27/11/2026 14:30",
            "13/13/2026",
            "1/1/1899",
            "now",
            "today",
            "29/11",
            "27/11/202",
            "27.11/2026",
            "1941",
        ] {
            assert_eq!(parse_dob(input), Err(Problem::DateFormat), "{input:?}");
        }
        assert_eq!(parse_dob("29/02/2027"), Err(Problem::DateDoesNotExist { day: 29, month: 2, year: 2027 }));
        assert_eq!(parse_dob("2026-04-31"), Err(Problem::DateDoesNotExist { day: 31, month: 4, year: 2026 }));
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
            let _ = parse_date(&input, now);
            let _ = parse_date_of_birth(&input, now);
            let _ = from_storage(&input);
        }

        #[test]
        fn parse_date_agrees_with_chrono(y in 1900i32..=2100, m in 1u32..=12, d in 1u32..=31) {
            let expected = NaiveDate::from_ymd_opt(y, m, d)
                .ok_or(Problem::DateDoesNotExist { day: d, month: m, year: y });
            let now = DateTime::from_timestamp(1_800_000_000, 0).unwrap();
            prop_assert_eq!(parse_date(&format!("{d}/{m}/{y}"), now), expected.clone());
            prop_assert_eq!(parse_date(&format!("{d}.{m}.{y}"), now), expected.clone());
            prop_assert_eq!(parse_date(&format!("{d:02}-{m:02}-{y}"), now), expected.clone());
            prop_assert_eq!(parse_date(&format!("{y}-{m:02}-{d:02}"), now), expected);
        }
    }
}
