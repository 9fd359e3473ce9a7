//! What every forecast date is made of: a central date, the range the true date falls in with a
//! stated probability (80 %), how precisely it can be said, and how sure it is compared with the
//! time left. One wording for all of them ([`describe_range`]), used by the CLI, the dashboard
//! record and the apps, so a date weeks away is never shown to the minute.

use chrono::{Datelike, Duration, NaiveDate};

use crate::l10n::Texts;
use crate::model::{UtcDateTime, Zone};

/// The probability, in percent, that the true date falls inside a forecast's range.
pub const FORECAST_LEVEL_PERCENT: u8 = 80;

/// The standard normal quantile of 90 %: an 80 % central range is ±1.2816 standard deviations.
pub const Z_80: f64 = 1.281_551_565_545;

/// How precisely a forecast date can be said, from the width of its range.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, serde::Serialize)]
#[cfg_attr(feature = "uniffi", derive(uniffi::Enum))]
pub enum DatePrecision {
    /// To the day: the range is at most two weeks wide.
    Day,
    /// To the week: the range is at most ten weeks wide.
    Week,
    /// To the month: anything wider.
    Month,
}

/// How sure a forecast is.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, serde::Serialize)]
#[cfg_attr(feature = "uniffi", derive(uniffi::Enum))]
pub enum ForecastConfidence {
    /// Not enough history (or no change seen yet): no date is given.
    Insufficient,
    /// The range is wide compared with the time left (either side more than a quarter of it).
    Low,
    /// Either side of the range is within a quarter of the time left.
    Medium,
    /// Either side of the range is within a tenth of the time left (or a day).
    High,
}

/// A forecast date: the central date and the range the true date falls in with probability
/// [`level_percent`](Self::level_percent).
#[derive(Debug, Clone, Copy, PartialEq, Eq, serde::Serialize)]
#[cfg_attr(feature = "uniffi", derive(uniffi::Record))]
pub struct DateRange {
    /// The central (median) date.
    pub expected: UtcDateTime,
    /// The earliest likely date.
    pub earliest: UtcDateTime,
    /// The latest likely date.
    pub latest: UtcDateTime,
    /// The probability, in percent, that the true date is in `earliest..=latest`.
    pub level_percent: u8,
    /// How precisely the date can be said.
    pub precision: DatePrecision,
    /// How sure the forecast is compared with the time left.
    pub confidence: ForecastConfidence,
}

impl DateRange {
    /// A range at [`FORECAST_LEVEL_PERCENT`], its precision and confidence worked out from its
    /// width and the time left after `now`. The bounds are put in order around `expected`.
    #[must_use]
    pub fn new(
        now: UtcDateTime,
        expected: UtcDateTime,
        earliest: UtcDateTime,
        latest: UtcDateTime,
    ) -> Self {
        let earliest = earliest.min(expected);
        let latest = latest.max(expected);
        let width = latest - earliest;
        let precision = if width <= Duration::days(14) {
            DatePrecision::Day
        } else if width <= Duration::weeks(10) {
            DatePrecision::Week
        } else {
            DatePrecision::Month
        };
        let left = (expected - now).max(Duration::zero());
        let half = (expected - earliest).max(latest - expected);
        let confidence = if half <= (left / 10).max(Duration::days(1)) {
            ForecastConfidence::High
        } else if half <= left / 4 {
            ForecastConfidence::Medium
        } else {
            ForecastConfidence::Low
        };
        Self {
            expected,
            earliest,
            latest,
            level_percent: FORECAST_LEVEL_PERCENT,
            precision,
            confidence,
        }
    }

    /// A date known exactly (e.g. one the pump reported): a zero-width range.
    #[must_use]
    pub fn exact(at: UtcDateTime) -> Self {
        Self {
            expected: at,
            earliest: at,
            latest: at,
            level_percent: 100,
            precision: DatePrecision::Day,
            confidence: ForecastConfidence::High,
        }
    }

    /// Whether `t` is inside the range.
    #[must_use]
    pub fn contains(&self, t: UtcDateTime) -> bool {
        self.earliest <= t && t <= self.latest
    }

    /// The same range moved by `by` (e.g. ERI to EOS).
    #[must_use]
    pub fn shifted(&self, by: Duration) -> Self {
        Self {
            expected: self.expected + by,
            earliest: self.earliest + by,
            latest: self.latest + by,
            ..*self
        }
    }
}

/// "between 10 and 14 March", "between 28 February and 3 March", "between 30 December 2026 and
/// 3 January 2027", in the words of `t`.
fn day_span(t: &Texts, a: NaiveDate, b: NaiveDate) -> String {
    let from = if a.year() != b.year() {
        t.date(a)
    } else if a.month() != b.month() {
        t.day_month(a)
    } else {
        t.day(a)
    };
    let to = if a.year() != b.year() {
        t.date(b)
    } else {
        t.day_month(b)
    };
    between(t, "forecast-between", from, to)
}

/// "between January and May 2030", "between November 2029 and February 2030".
fn month_span(t: &Texts, a: NaiveDate, b: NaiveDate) -> String {
    let from = if a.year() == b.year() {
        t.month(a.month())
    } else {
        t.month_year(a)
    };
    between(t, "forecast-between-months", from, t.month_year(b))
}

fn between(t: &Texts, id: &str, from: String, to: String) -> String {
    t.format(id, &[("from", from.into()), ("to", to.into())])
}

/// The forecast in words, at the precision its range supports, in the patient's zone and
/// language (`t`, the dashboard's words): "on 12 March 2027", "around 12 March 2027 (between
/// 10 and 14 March)", "in the week of 8 March 2027 (between 1 and 22 March)", "around March
/// 2030 (between January and May 2030)"; "today" and "tomorrow" when the whole range is.
#[must_use]
pub fn describe_range(r: &DateRange, now: UtcDateTime, tz: Zone, t: &Texts) -> String {
    let local = |at: UtcDateTime| at.with_timezone(&tz).date_naive();
    let (today, expected, earliest, latest) = (
        local(now),
        local(r.expected),
        local(r.earliest),
        local(r.latest),
    );
    let around = |id: &str, date: String, span: String| {
        t.format(id, &[("date", date.into()), ("span", span.into())])
    };
    if earliest == latest {
        return match (latest - today).num_days() {
            0 => t.get("forecast-today"),
            1 => t.get("forecast-tomorrow"),
            _ => t.format("forecast-on", &[("date", t.date(expected).into())]),
        };
    }
    match r.precision {
        DatePrecision::Day => around(
            "forecast-around",
            t.date(expected),
            day_span(t, earliest, latest),
        ),
        DatePrecision::Week => {
            let monday =
                expected - chrono::Days::new(u64::from(expected.weekday().num_days_from_monday()));
            around(
                "forecast-week-of",
                t.date(monday),
                day_span(t, earliest, latest),
            )
        }
        DatePrecision::Month => {
            if (earliest.year(), earliest.month()) == (latest.year(), latest.month()) {
                t.format("forecast-in", &[("date", t.month_year(expected).into())])
            } else {
                around(
                    "forecast-around-month",
                    t.month_year(expected),
                    month_span(t, earliest, latest),
                )
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use chrono::TimeZone;

    use crate::l10n::{Domain, Language};

    fn en() -> Texts {
        Texts::or_english(Language::English, Domain::Dashboard)
    }

    fn at(y: i32, m: u32, d: u32, h: u32) -> UtcDateTime {
        chrono::Utc.with_ymd_and_hms(y, m, d, h, 0, 0).unwrap()
    }

    #[test]
    fn the_width_sets_the_precision_and_the_time_left_the_confidence() {
        let now = at(2027, 1, 1, 12);
        // ±2 days, 70 days away: to the day, high confidence.
        let r = DateRange::new(
            now,
            at(2027, 3, 12, 12),
            at(2027, 3, 10, 12),
            at(2027, 3, 14, 12),
        );
        assert_eq!(
            (r.precision, r.confidence),
            (DatePrecision::Day, ForecastConfidence::High)
        );
        assert_eq!(r.level_percent, 80);
        // ±3 weeks, 19 weeks away: to the week, medium.
        let r = DateRange::new(
            now,
            at(2027, 5, 12, 12),
            at(2027, 4, 21, 12),
            at(2027, 6, 2, 12),
        );
        assert_eq!(
            (r.precision, r.confidence),
            (DatePrecision::Week, ForecastConfidence::Medium)
        );
        // ±2 months, 3 years away: to the month, high.
        let r = DateRange::new(
            now,
            at(2030, 3, 15, 0),
            at(2030, 1, 14, 0),
            at(2030, 5, 15, 0),
        );
        assert_eq!(
            (r.precision, r.confidence),
            (DatePrecision::Month, ForecastConfidence::High)
        );
        // ±2 months, 4 months away: low.
        let r = DateRange::new(now, at(2027, 5, 1, 0), at(2027, 3, 1, 0), at(2027, 7, 1, 0));
        assert_eq!(r.confidence, ForecastConfidence::Low);
        // A day either side of tomorrow is still high: nothing is surer than a day.
        let r = DateRange::new(
            now,
            at(2027, 1, 2, 12),
            at(2027, 1, 1, 12),
            at(2027, 1, 3, 12),
        );
        assert_eq!(r.confidence, ForecastConfidence::High);
    }

    #[test]
    fn dates_are_said_at_the_precision_the_range_supports() {
        let now = at(2027, 1, 1, 12);
        let tz = Zone::get("Europe/London").unwrap();
        let say = |e, a, b| describe_range(&DateRange::new(now, e, a, b), now, tz, &en());
        assert_eq!(
            say(
                at(2027, 3, 12, 12),
                at(2027, 3, 10, 12),
                at(2027, 3, 14, 12)
            ),
            "around 12 March 2027 (between 10 and 14 March)"
        );
        assert_eq!(
            say(at(2027, 3, 1, 12), at(2027, 2, 27, 12), at(2027, 3, 3, 12)),
            "around 1 March 2027 (between 27 February and 3 March)"
        );
        assert_eq!(
            say(at(2027, 3, 12, 12), at(2027, 2, 19, 12), at(2027, 4, 2, 12)),
            "in the week of 8 March 2027 (between 19 February and 2 April)"
        );
        assert_eq!(
            say(at(2030, 3, 15, 0), at(2030, 1, 14, 0), at(2030, 5, 15, 0)),
            "around March 2030 (between January and May 2030)"
        );
        assert_eq!(
            say(at(2030, 1, 15, 0), at(2029, 11, 14, 0), at(2030, 3, 15, 0)),
            "around January 2030 (between November 2029 and March 2030)"
        );
        assert_eq!(
            describe_range(&DateRange::exact(at(2027, 1, 2, 9)), now, tz, &en()),
            "tomorrow"
        );
        assert_eq!(
            describe_range(&DateRange::exact(at(2027, 2, 2, 9)), now, tz, &en()),
            "on 2 February 2027"
        );
    }

    #[test]
    fn dates_are_said_in_the_readers_language() {
        let now = at(2027, 1, 1, 12);
        let tz = Zone::get("Europe/Paris").unwrap();
        let say = |lang, e, a, b| {
            let t = Texts::or_english(lang, Domain::Dashboard);
            describe_range(&DateRange::new(now, e, a, b), now, tz, &t)
        };
        let day = (
            at(2027, 3, 12, 12),
            at(2027, 3, 10, 12),
            at(2027, 3, 14, 12),
        );
        let month = (at(2030, 3, 15, 0), at(2030, 1, 14, 0), at(2030, 5, 15, 0));
        assert_eq!(
            say(Language::French, day.0, day.1, day.2),
            "vers le 12 mars 2027 (entre le 10 et le 14 mars)"
        );
        assert_eq!(
            say(Language::French, month.0, month.1, month.2),
            "vers mars 2030 (entre janvier et mai 2030)"
        );
        assert_eq!(
            say(Language::German, day.0, day.1, day.2),
            "um den 12. März 2027 (zwischen dem 10. und dem 14. März)"
        );
        assert_eq!(
            say(Language::Spanish, month.0, month.1, month.2),
            "hacia marzo de 2030 (entre enero y mayo de 2030)"
        );
        // Arabic: every date a bidi isolate, so its numbers keep their order.
        let ar = say(Language::Arabic, day.0, day.1, day.2);
        assert!(
            ar.contains("مارس") && ar.contains("\u{2068}2027\u{2069}"),
            "{ar}"
        );
        let t = Texts::or_english(Language::German, Domain::Dashboard);
        assert_eq!(
            describe_range(&DateRange::exact(at(2027, 1, 2, 9)), now, tz, &t),
            "morgen"
        );
    }

    #[test]
    fn the_day_is_the_patients_day() {
        // 23:30 UTC on 31 Dec is already 1 Jan in Paris, still 31 Dec in New York.
        let now = at(2026, 12, 20, 12);
        let e = at(2026, 12, 31, 23) + Duration::minutes(30);
        let r = DateRange::new(now, e, e - Duration::days(1), e + Duration::days(1));
        assert_eq!(
            describe_range(&r, now, Zone::get("Europe/Paris").unwrap(), &en()),
            "around 1 January 2027 (between 31 December 2026 and 2 January 2027)"
        );
        assert_eq!(
            describe_range(&r, now, Zone::get("America/New_York").unwrap(), &en()),
            "around 31 December 2026 (between 30 December 2026 and 1 January 2027)"
        );
    }
}
