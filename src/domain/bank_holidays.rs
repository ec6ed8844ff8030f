//! Bank holidays in England, by the regular rules: New Year's Day, Good Friday, Easter Monday,
//! the early May and spring bank holidays, the summer bank holiday, Christmas Day and Boxing Day,
//! each moved to the next weekday when it falls at a weekend. One-off holidays proclaimed for a
//! single year (a coronation, say) are not known.

use chrono::{Datelike, Duration, NaiveDate, Weekday};

/// Whether `date` is a bank holiday in England.
pub fn is_bank_holiday(date: NaiveDate) -> bool {
    holidays(date.year()).contains(&date)
}

/// The year's bank holidays in England.
fn holidays(year: i32) -> Vec<NaiveDate> {
    let Some(easter) = easter_sunday(year) else { return Vec::new() };
    let day = |month, day| NaiveDate::from_ymd_opt(year, month, day);
    let mut out = vec![easter - Duration::days(2), easter + Duration::days(1)];
    out.extend(day(1, 1).map(next_weekday));
    out.extend(first_monday(year, 5));
    out.extend(last_monday(year, 5));
    out.extend(last_monday(year, 8));
    if let (Some(christmas), Some(boxing)) = (day(12, 25), day(12, 26)) {
        let christmas = next_weekday(christmas);
        let mut boxing = next_weekday(boxing);
        if boxing <= christmas {
            boxing = next_weekday(christmas + Duration::days(1));
        }
        out.extend([christmas, boxing]);
    }
    out
}

/// The date itself on a weekday; the Monday after on a Saturday or Sunday.
fn next_weekday(date: NaiveDate) -> NaiveDate {
    match date.weekday() {
        Weekday::Sat => date + Duration::days(2),
        Weekday::Sun => date + Duration::days(1),
        _ => date,
    }
}

fn first_monday(year: i32, month: u32) -> Option<NaiveDate> {
    NaiveDate::from_weekday_of_month_opt(year, month, Weekday::Mon, 1)
}

fn last_monday(year: i32, month: u32) -> Option<NaiveDate> {
    let next_month = if month == 12 {
        NaiveDate::from_ymd_opt(year + 1, 1, 1)
    } else {
        NaiveDate::from_ymd_opt(year, month + 1, 1)
    }?;
    let last = next_month - Duration::days(1);
    let back = last.weekday().num_days_from_monday();
    Some(last - Duration::days(i64::from(back)))
}

/// Easter Sunday in the Gregorian calendar (the anonymous Gregorian algorithm, "Meeus/Jones/Butcher").
fn easter_sunday(year: i32) -> Option<NaiveDate> {
    let a = year % 19;
    let b = year / 100;
    let c = year % 100;
    let d = b / 4;
    let e = b % 4;
    let f = (b + 8) / 25;
    let g = (b - f + 1) / 3;
    let h = (19 * a + b - d - g + 15) % 30;
    let i = c / 4;
    let k = c % 4;
    let l = (32 + 2 * e + 2 * i - h - k) % 7;
    let m = (a + 11 * h + 22 * l) / 451;
    let month = (h + l - 7 * m + 114) / 31;
    let day = (h + l - 7 * m + 114) % 31 + 1;
    NaiveDate::from_ymd_opt(year, u32::try_from(month).ok()?, u32::try_from(day).ok()?)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn d(s: &str) -> NaiveDate {
        NaiveDate::parse_from_str(s, "%Y-%m-%d").unwrap()
    }

    /// As published on gov.uk for England and Wales.
    const PUBLISHED: &[(i32, [&str; 8])] = &[
        (
            2025,
            [
                "2025-01-01",
                "2025-04-18",
                "2025-04-21",
                "2025-05-05",
                "2025-05-26",
                "2025-08-25",
                "2025-12-25",
                "2025-12-26",
            ],
        ),
        (
            2026,
            [
                "2026-01-01",
                "2026-04-03",
                "2026-04-06",
                "2026-05-04",
                "2026-05-25",
                "2026-08-31",
                "2026-12-25",
                "2026-12-28",
            ],
        ),
        (
            2027,
            [
                "2027-01-01",
                "2027-03-26",
                "2027-03-29",
                "2027-05-03",
                "2027-05-31",
                "2027-08-30",
                "2027-12-27",
                "2027-12-28",
            ],
        ),
    ];

    #[test]
    fn the_rules_give_the_published_dates() {
        for (year, dates) in PUBLISHED {
            let mut expected: Vec<NaiveDate> = dates.iter().map(|s| d(s)).collect();
            let mut found = holidays(*year);
            expected.sort();
            found.sort();
            assert_eq!(found, expected, "{year}");
        }
    }

    #[test]
    fn weekends_move_the_holiday_to_the_next_weekday() {
        // 1 January 2028 is a Saturday; Christmas 2032 is a Saturday, Boxing Day a Sunday.
        assert!(is_bank_holiday(d("2028-01-03")) && !is_bank_holiday(d("2028-01-01")));
        assert!(is_bank_holiday(d("2032-12-27")) && is_bank_holiday(d("2032-12-28")));
        assert!(!is_bank_holiday(d("2026-11-23")));
    }

    #[test]
    fn easter_is_found_for_years_far_apart() {
        assert_eq!(easter_sunday(2026), Some(d("2026-04-05")));
        assert_eq!(easter_sunday(2038), Some(d("2038-04-25")));
        assert_eq!(easter_sunday(2285), Some(d("2285-03-22")));
    }
}
