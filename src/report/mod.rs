//! The cutover in numbers, for the practice manager and as the cutover's sign-off document:
//! built once from the store (`build`), then written as text, HTML or CSV.

pub mod csv;
pub mod html;
pub mod text;

use chrono::{DateTime, Duration, NaiveDate, TimeZone, Utc};

use crate::domain::fields::Kind;
use crate::domain::time::{self, Span, UK};
use crate::error::Result;
use crate::queue::TierProgress;
use crate::store::{Patient, ReportCounts, Store};

/// The longest run of hours the hourly chart fills in with empty hours (two weeks).
const MAX_CHART_HOURS: i64 = 24 * 14;

/// The burn-down's points are an hour apart while go-live is under four days ago, a day apart after
/// that and a week apart past half a year (one spacing for the whole chart): enough to see the
/// shape, few enough to read.
const BURN_DOWN_HOURLY_UP_TO: i64 = 4 * 24;
const BURN_DOWN_DAILY_UP_TO: i64 = 183 * 24;

#[derive(Debug, Clone)]
pub struct Report {
    pub practice: String,
    pub generated_at: DateTime<Utc>,
    pub fdp: Option<DateTime<Utc>>,
    pub go_live: Option<DateTime<Utc>>,
    pub sla_hours: i64,
    /// FDP to go-live once go-live has passed; FDP to now before (`live` says which); `None`
    /// until FDP is set and has happened.
    pub cutover_hours: Option<f64>,
    pub live: bool,
    pub read_only_ends: Option<NaiveDate>,
    pub read_only_days_left: Option<i64>,
    pub entries: i64,
    pub voided: i64,
    /// (kind's label, entries), most first.
    pub by_kind: Vec<(String, i64)>,
    /// (start of the hour, entries), every hour from the first entry's to the last's.
    pub by_hour: Vec<(DateTime<Utc>, i64)>,
    /// (staff id, name, entries), most first.
    pub by_staff: Vec<(String, String, i64)>,
    /// Every PC whose entries this log holds, this one first, with when it was last heard from.
    pub pcs: Vec<crate::store::PcInLog>,
    pub without_nhs_number: i64,
    pub imported: i64,
    pub workstations: i64,
    pub merged_files: i64,
    pub conflicts: Vec<String>,
    pub possible_duplicates: Vec<Vec<Patient>>,
    pub reentry_by_status: Option<Vec<(String, i64)>>,
    /// Re-entry progress by tier (index 0 is tier 1), from the queue's own policy.
    pub reentry_by_tier: Option<[TierProgress; 4]>,
    /// Items still to re-enter over time: at go-live, at each step after it, and now. `None`
    /// until go-live.
    pub burn_down: Option<Vec<(DateTime<Utc>, i64)>>,
    /// The practice manager's runbook: plan, checklists, services, re-check and sign-off.
    pub runbook: crate::runbook::Overview,
    pub callbacks: CallbackCounts,
}

/// The call-back list in numbers (no names: `cutover callbacks` lists them).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct CallbackCounts {
    /// New patients asked to come back after go-live.
    pub asked: usize,
    /// Of those, the ones not yet registered in the new system (nor set aside).
    pub waiting: usize,
    /// Other new registrations that do not say whether the patient was asked.
    pub unsaid: usize,
}

impl Report {
    pub fn within_target(&self) -> Option<bool> {
        self.cutover_hours.map(|h| h <= self.sla_hours as f64)
    }

    /// After go-live, the third-party services not yet confirmed back on.
    pub fn services_awaiting(&self) -> Vec<&crate::runbook::view::ServiceLine> {
        self.runbook.awaiting_back_on(self.go_live, self.generated_at)
    }
}

pub fn build(store: &Store, now: DateTime<Utc>) -> Result<Report> {
    let settings = store.settings()?;
    let counts: ReportCounts = store.report_counts()?;
    let fdp = settings.fdp();
    let go_live = settings.go_live();
    let live = time::live_since(go_live, now).is_some();
    let cutover_hours = time::cutover_clock(fdp, go_live, now).and_then(time::CutoverClock::hours);
    let read_only_ends =
        go_live.map(|g| g.with_timezone(&UK).date_naive() + Duration::days(settings.read_only_access_days()));
    let today = now.with_timezone(&UK).date_naive();
    let read_only_days_left = read_only_ends.map(|end| (end - today).num_days().max(0));
    let by_kind = counts
        .by_kind
        .iter()
        .map(|(k, n)| (Kind::parse(k).map(|k| k.label().to_string()).unwrap_or_else(|_| k.clone()), *n))
        .collect();
    Ok(Report {
        practice: settings.practice().unwrap_or("(practice name not set)").to_string(),
        generated_at: now,
        fdp,
        go_live,
        sla_hours: settings.sla_hours(),
        cutover_hours,
        live,
        read_only_ends,
        read_only_days_left,
        entries: counts.entries,
        voided: counts.voided,
        by_kind,
        by_hour: hours(&counts.by_utc_hour),
        by_staff: counts.by_staff,
        pcs: store.pcs_in_log()?,
        without_nhs_number: counts.without_nhs_number,
        imported: counts.imported,
        workstations: counts.workstations,
        merged_files: counts.merged_files,
        conflicts: store.conflicts()?.into_iter().map(|c| c.reference).collect(),
        possible_duplicates: store.possible_duplicates()?,
        reentry_by_tier: match counts.reentry_by_status {
            Some(_) => Some(crate::queue::progress(store, now)?.by_tier),
            None => None,
        },
        reentry_by_status: counts.reentry_by_status,
        burn_down: go_live
            .filter(|g| *g <= now)
            .map(|g| burn_down(g, now, counts.entries, &counts.reentry_open_changes)),
        runbook: crate::runbook::load(store)?,
        callbacks: {
            let list = store.callbacks()?;
            CallbackCounts { asked: list.asked.len(), waiting: list.waiting(), unsaid: list.unsaid }
        },
    })
}

/// Open items at go-live and after: every live entry is an item from go-live (those typed in or
/// merged later too, so the line shows all the work there is), less those finished by then. `changes`
/// are (when, -1) as an item is done or set aside and (when, +1) as one is reopened, in time order.
fn burn_down(
    go_live: DateTime<Utc>,
    now: DateTime<Utc>,
    items: i64,
    changes: &[(DateTime<Utc>, i64)],
) -> Vec<(DateTime<Utc>, i64)> {
    let span = (now - go_live).num_hours();
    // Hourly points are an hour apart on a stopwatch; daily and weekly ones keep go-live's clock
    // time across a change of the clocks (each counted from go-live, so a skipped hour does not
    // shift the rest).
    let step = if span <= BURN_DOWN_HOURLY_UP_TO {
        Span::Hours(1)
    } else if span <= BURN_DOWN_DAILY_UP_TO {
        Span::Days(1)
    } else {
        Span::Days(7)
    };
    let nth = |n: i64| match step {
        Span::Hours(h) => Span::Hours(h * n).after(go_live),
        Span::Days(d) => Span::Days(d * n).after(go_live),
    };
    let open_at = |t: DateTime<Utc>| items + changes.iter().take_while(|(at, _)| *at <= t).map(|(_, d)| d).sum::<i64>();
    let mut points = Vec::new();
    let mut n = 0;
    let mut t = go_live;
    while t < now {
        points.push((t, open_at(t)));
        n += 1;
        t = nth(n);
    }
    points.push((now, open_at(now)));
    points
}

/// UTC hours ("2026-11-20T17") as times, with the empty hours between them filled in (UK hours
/// are whole UTC hours, so each bucket is exactly one UK hour).
fn hours(by_utc_hour: &[(String, i64)]) -> Vec<(DateTime<Utc>, i64)> {
    let parsed: Vec<(DateTime<Utc>, i64)> = by_utc_hour
        .iter()
        .filter_map(|(h, n)| {
            let t = chrono::NaiveDateTime::parse_from_str(&format!("{h}:00"), "%Y-%m-%dT%H:%M").ok()?;
            Some((Utc.from_utc_datetime(&t), *n))
        })
        .collect();
    let (Some(first), Some(last)) = (parsed.first(), parsed.last()) else { return parsed };
    if (last.0 - first.0).num_hours() > MAX_CHART_HOURS {
        return parsed;
    }
    let mut out = Vec::new();
    let mut at = first.0;
    let mut given = parsed.iter().peekable();
    while at <= last.0 {
        let n = match given.peek() {
            Some((t, n)) if *t == at => {
                given.next();
                *n
            }
            _ => 0,
        };
        out.push((at, n));
        at += Duration::hours(1);
    }
    out
}

/// "Fri 20/11 17:00": an hour of the chart, in UK time ("Sun 25/10 01:00 BST" and "... GMT" for
/// the two hours the clocks go back).
pub fn hour_label(t: DateTime<Utc>) -> String {
    time::format_uk_as(t, "%a %d/%m %H:00")
}

/// "Mon 23/11 08:00": a point of the burn-down, in UK time (naming the zone as `hour_label` does).
pub fn point_label(t: DateTime<Utc>) -> String {
    time::format_uk_as(t, "%a %d/%m %H:%M")
}

/// Why there is no burn-down yet.
pub fn burn_down_not_yet(r: &Report) -> String {
    match r.go_live {
        Some(g) => format!("The burn-down starts at go-live, {}.", time::format_uk(g)),
        None => "The burn-down starts at go-live, which is not set yet (`cutover init --go-live`).".to_string(),
    }
}

/// "63.0 hours".
pub fn hours_text(h: f64) -> String {
    format!("{h:.1} hours")
}

pub fn when(t: Option<DateTime<Utc>>) -> String {
    t.map_or_else(|| "not set".to_string(), time::format_uk)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn at(s: &str) -> DateTime<Utc> {
        time::parse_uk_datetime(s, DateTime::<Utc>::UNIX_EPOCH).unwrap()
    }

    #[test]
    fn the_burn_down_counts_items_out_as_they_are_finished_and_back_in_as_they_are_reopened() {
        let changes = [
            (at("22/11/2026 07:30"), -1), // finished before go-live: not open at go-live
            (at("23/11/2026 08:00"), -1), // at go-live itself
            (at("23/11/2026 09:15"), -1),
            (at("23/11/2026 09:40"), 1),
            (at("23/11/2026 10:59"), -1),
        ];
        let got = burn_down(at("23/11/2026 08:00"), at("23/11/2026 11:30"), 10, &changes);
        let want = [
            (at("23/11/2026 08:00"), 8),
            (at("23/11/2026 09:00"), 8),
            (at("23/11/2026 10:00"), 8),
            (at("23/11/2026 11:00"), 7),
            (at("23/11/2026 11:30"), 7),
        ];
        assert_eq!(got, want);
    }

    #[test]
    fn a_long_burn_down_has_a_point_a_day_then_a_week() {
        let daily = burn_down(at("23/11/2026 08:00"), at("03/12/2026 12:00"), 5, &[]);
        assert_eq!(daily.len(), 12, "ten days and a few hours: 11 days from go-live, and now");
        assert_eq!(daily[1].0, at("24/11/2026 08:00"));
        assert!(daily.iter().all(|(_, n)| *n == 5));
        let weekly = burn_down(at("23/11/2026 08:00"), at("23/11/2027 08:00"), 5, &[]);
        assert_eq!(weekly[1].0 - weekly[0].0, Duration::weeks(1));
    }

    #[test]
    fn daily_and_weekly_points_keep_go_lives_clock_time_across_the_clock_changes() {
        let autumn = burn_down(at("20/10/2026 08:00"), at("30/10/2026 12:00"), 1, &[]);
        let times: Vec<String> = autumn.iter().map(|(t, _)| time::format_uk(*t)).collect();
        assert!(times[..11].iter().all(|t| t.ends_with(" 08:00")), "{times:?}");
        assert_eq!(times[6], "26/10/2026 08:00");
        let spring = burn_down(at("01/10/2025 08:00"), at("01/05/2026 08:00"), 1, &[]);
        assert!(spring.iter().take(spring.len() - 1).all(|(t, _)| time::format_uk(*t).ends_with(" 08:00")));
        assert_eq!(spring[1].0, at("08/10/2025 08:00"), "a point a week");
        let hourly = burn_down(at("25/10/2026 00:00"), at("25/10/2026 03:00"), 1, &[]);
        let labels: Vec<String> = hourly.iter().map(|(t, _)| point_label(*t)).collect();
        assert_eq!(
            labels,
            ["Sun 25/10 00:00", "Sun 25/10 01:00 BST", "Sun 25/10 01:00 GMT", "Sun 25/10 02:00", "Sun 25/10 03:00"]
        );
    }

    #[test]
    fn empty_hours_between_entries_are_filled_in() {
        let got = hours(&[("2026-11-20T17".into(), 3), ("2026-11-20T20".into(), 1)]);
        let counts: Vec<i64> = got.iter().map(|(_, n)| *n).collect();
        assert_eq!(counts, [3, 0, 0, 1]);
        assert_eq!(hour_label(got[0].0), "Fri 20/11 17:00");
    }

    #[test]
    fn the_two_hours_the_clocks_go_back_are_two_buckets_told_apart() {
        let got = hours(&[("2026-10-25T00".into(), 2), ("2026-10-25T02".into(), 1)]);
        let labels: Vec<(String, i64)> = got.iter().map(|(t, n)| (hour_label(*t), *n)).collect();
        assert_eq!(
            labels,
            [
                ("Sun 25/10 01:00 BST".to_string(), 2),
                ("Sun 25/10 01:00 GMT".to_string(), 0),
                ("Sun 25/10 02:00".to_string(), 1)
            ]
        );
        assert_eq!(point_label(at("25/10/2026 01:30 GMT")), "Sun 25/10 01:30 GMT");
    }
}
