//! Trends: daily and weekly aggregates of pain scores and medication doses, in the patient's
//! local days. The store does the aggregation in SQL (indexed by local day); this module turns
//! its rows into buckets covering the whole range, with empty buckets kept so charts show gaps.
//!
//! A local day is the calendar day in the zone where the entry was made: an evening dose logged
//! in New York counts for that New York evening, even after the patient flies home.

use chrono::{Datelike, NaiveDate};

use super::DoseUnit;
use super::db::{Grouping, MedicationAggregate, PainAggregate};
use crate::model::{CalendarDate, InvalidInput, date_of_day, day_number};

/// The longest range a trend may cover, in days (about 30 years).
pub const MAX_TREND_DAYS: i64 = 11_000;

/// How a trend groups days.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
#[cfg_attr(feature = "uniffi", derive(uniffi::Enum))]
pub enum TrendPeriod {
    /// One bucket per local day.
    Day,
    /// One bucket per week, Monday to Sunday (the first and last may be partial).
    Week,
}

impl TrendPeriod {
    pub(crate) fn grouping(self) -> Grouping {
        match self {
            Self::Day => Grouping::Day,
            Self::Week => Grouping::Week,
        }
    }
}

/// Pain scores in a bucket.
#[derive(Debug, Clone, PartialEq, serde::Serialize)]
#[cfg_attr(feature = "uniffi", derive(uniffi::Record))]
pub struct PainStats {
    /// Mean of the 0–10 scores.
    pub mean: f64,
    /// Lowest score.
    pub min: u8,
    /// Highest score.
    pub max: u8,
    /// Number of entries.
    pub count: u32,
}

/// The doses of one drug (in one unit) in a bucket. Names that differ only in case or spaces
/// count as the same drug.
#[derive(Debug, Clone, PartialEq, serde::Serialize)]
#[cfg_attr(feature = "uniffi", derive(uniffi::Record))]
pub struct DrugTotal {
    /// The drug's name.
    pub drug: String,
    /// The unit of `total`.
    pub unit: DoseUnit,
    /// Sum of the doses.
    pub total: f64,
    /// Number of doses.
    pub doses: u32,
    /// How many of them were breakthrough doses.
    pub breakthrough_doses: u32,
}

/// One day, one week, or a whole range.
#[derive(Debug, Clone, PartialEq, serde::Serialize)]
#[cfg_attr(feature = "uniffi", derive(uniffi::Record))]
pub struct TrendBucket {
    /// First local day of the bucket (inside the asked range).
    pub first_day: CalendarDate,
    /// Last local day of the bucket (inside the asked range).
    pub last_day: CalendarDate,
    /// Pain scores, `None` when no score was entered.
    pub pain: Option<PainStats>,
    /// Breakthrough doses of any drug.
    pub breakthrough_doses: u32,
    /// Doses per drug and unit (every route in the log: oral, patch, spray…), by name.
    pub medication: Vec<DrugTotal>,
}

/// A trend over a range.
#[derive(Debug, Clone, PartialEq)]
#[cfg_attr(feature = "uniffi", derive(uniffi::Record))]
pub struct Trend {
    /// How days are grouped.
    pub period: TrendPeriod,
    /// Every bucket of the range, oldest first (empty ones included).
    pub buckets: Vec<TrendBucket>,
}

/// The same range length before and after a date (the implant, a refill with a new dose).
#[derive(Debug, Clone, PartialEq)]
#[cfg_attr(feature = "uniffi", derive(uniffi::Record))]
pub struct TrendComparison {
    /// The days before the chosen date.
    pub before: TrendBucket,
    /// The chosen date and the days after it.
    pub after: TrendBucket,
}

/// Checks a range and turns it into day numbers.
///
/// # Errors
/// [`InvalidInput`] on `from`/`to` for a date that does not exist, `to` before `from`, or a
/// range longer than [`MAX_TREND_DAYS`].
pub fn range_days(from: CalendarDate, to: CalendarDate) -> Result<(i64, i64), InvalidInput> {
    let first = day_number(from.to_naive("from")?);
    let last = day_number(to.to_naive("to")?);
    if last < first {
        return Err(InvalidInput::new("to", "is before the start of the range"));
    }
    if last - first >= MAX_TREND_DAYS {
        return Err(InvalidInput::new(
            "to",
            format!("makes the range longer than {MAX_TREND_DAYS} days"),
        ));
    }
    Ok((first, last))
}

fn date(day: i64) -> CalendarDate {
    CalendarDate::from_naive(date_of_day(day).unwrap_or(NaiveDate::MIN))
}

fn week_start(day: i64) -> i64 {
    day - (day + 3).rem_euclid(7)
}

/// Builds the buckets of days `first..=last` from the store's aggregates (which must use the
/// same grouping and range).
#[must_use]
pub fn assemble(
    first: i64,
    last: i64,
    grouping: Grouping,
    pain: &[PainAggregate],
    medication: &[MedicationAggregate],
) -> Vec<TrendBucket> {
    let starts: Vec<i64> = match grouping {
        Grouping::Day => (first..=last).collect(),
        Grouping::Week => (week_start(first)..=last).step_by(7).collect(),
        Grouping::Whole => vec![first],
    };
    let mut buckets: Vec<TrendBucket> = starts
        .iter()
        .map(|&s| {
            let end = match grouping {
                Grouping::Day => s,
                Grouping::Week => (s + 6).min(last),
                Grouping::Whole => last,
            };
            TrendBucket {
                first_day: date(s.max(first)),
                last_day: date(end),
                pain: None,
                breakthrough_doses: 0,
                medication: Vec::new(),
            }
        })
        .collect();
    let index = |bucket: i64| starts.binary_search(&bucket).ok();
    for p in pain {
        if let Some(i) = index(p.bucket) {
            buckets[i].pain = Some(PainStats {
                mean: p.mean,
                min: p.min,
                max: p.max,
                count: p.count,
            });
        }
    }
    for m in medication {
        if let Some(i) = index(m.bucket) {
            let b = &mut buckets[i];
            b.breakthrough_doses += m.breakthrough_doses;
            b.medication.push(DrugTotal {
                drug: m.drug.clone(),
                unit: m.unit,
                total: m.total,
                doses: m.doses,
                breakthrough_doses: m.breakthrough_doses,
            });
        }
    }
    buckets
}

/// The weekday of a calendar date (Monday = 0), for tests and callers that label weeks.
#[must_use]
pub fn weekday_from_monday(d: NaiveDate) -> u32 {
    d.weekday().num_days_from_monday()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn cd(year: i32, month: u8, day: u8) -> CalendarDate {
        CalendarDate { year, month, day }
    }

    #[test]
    fn weeks_start_on_monday() {
        for d in [
            NaiveDate::from_ymd_opt(2026, 11, 23).unwrap(), // a Monday
            NaiveDate::from_ymd_opt(1969, 12, 29).unwrap(), // a Monday before 1970
        ] {
            let n = day_number(d);
            for k in 0..7 {
                assert_eq!(week_start(n + k), n, "{d} + {k}");
            }
            assert_eq!(
                weekday_from_monday(date_of_day(week_start(n + 3)).unwrap()),
                0
            );
        }
    }

    #[test]
    fn empty_buckets_are_kept_and_partial_weeks_are_clipped() {
        // Wednesday 2026-11-25 to Tuesday 2026-12-08: three weeks, the first and last partial.
        let (first, last) = range_days(cd(2026, 11, 25), cd(2026, 12, 8)).unwrap();
        let pain = vec![PainAggregate {
            bucket: week_start(first) + 7,
            mean: 4.5,
            min: 3,
            max: 6,
            count: 2,
        }];
        let b = assemble(first, last, Grouping::Week, &pain, &[]);
        assert_eq!(b.len(), 3);
        assert_eq!(b[0].first_day, cd(2026, 11, 25));
        assert_eq!(b[0].last_day, cd(2026, 11, 29));
        assert_eq!(b[1].first_day, cd(2026, 11, 30));
        assert_eq!(b[1].pain.as_ref().map(|p| p.count), Some(2));
        assert_eq!(b[2].last_day, cd(2026, 12, 8));
        assert!(b[0].pain.is_none() && b[2].pain.is_none());
        assert_eq!(assemble(first, last, Grouping::Day, &[], &[]).len(), 14);
    }

    #[test]
    fn bad_ranges_name_the_field() {
        assert_eq!(
            range_days(cd(2026, 12, 1), cd(2026, 11, 1))
                .unwrap_err()
                .field,
            "to"
        );
        assert_eq!(
            range_days(cd(2026, 2, 30), cd(2026, 11, 1))
                .unwrap_err()
                .field,
            "from"
        );
        assert_eq!(
            range_days(cd(1990, 1, 1), cd(2026, 11, 1))
                .unwrap_err()
                .field,
            "to"
        );
    }
}
