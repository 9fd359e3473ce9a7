//! Reservoir: how much is left, and when it will reach the low threshold and run empty.
//!
//! The rate is the programmed one (daily dose ÷ concentration, boluses included), which is exact
//! for a continuous schedule. When the pump has been observed long enough since the last refill,
//! the observed consumption is compared with it: the difference, and the daily swing of a flex
//! schedule, become the forecast's stated uncertainty.

use std::time::Duration;

use crate::model::{InfusionMode, StatusReading, UtcDateTime, Volume};

/// Where a forecast's rate comes from.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, serde::Serialize)]
#[cfg_attr(feature = "uniffi", derive(uniffi::Enum))]
pub enum ForecastBasis {
    /// The programmed daily dose and concentration.
    Programmed,
    /// The pump is not infusing: nothing is used, no dates.
    NotInfusing,
    /// The concentration is unknown (0): no dates can be computed.
    Unknown,
}

/// What the reservoir holds and when it runs low and empty.
#[derive(Debug, Clone, PartialEq, serde::Serialize)]
#[cfg_attr(feature = "uniffi", derive(uniffi::Record))]
pub struct ReservoirForecast {
    /// When the reading behind the forecast was taken.
    pub as_of: UtcDateTime,
    /// Volume left.
    pub volume: Volume,
    /// Volume when full.
    pub capacity: Volume,
    /// Fill, 0–100 %.
    pub percent: f64,
    /// Volume used per day at the programmed dose (`None` when not computable).
    pub daily_volume: Option<Volume>,
    /// The pump's low-reservoir threshold.
    pub low_threshold: Volume,
    /// Whether the reservoir is at or below the threshold now.
    pub is_low: bool,
    /// When it reaches the threshold (`None` if already low or not computable).
    pub low_at: Option<UtcDateTime>,
    /// When it runs empty (`None` if not computable).
    pub empty_at: Option<UtcDateTime>,
    /// How far either date may be off, either way.
    pub uncertainty: Duration,
    /// Where the rate comes from.
    pub basis: ForecastBasis,
}

const DAY_SECONDS: f64 = 86_400.0;

/// Forecasts from the newest reading and, if available, the first reading after the last refill
/// (to compare observed with programmed consumption).
#[must_use]
pub fn forecast_reservoir(
    latest: &StatusReading,
    since_refill: Option<&StatusReading>,
    low_threshold: Volume,
) -> ReservoirForecast {
    let volume = latest.reservoir_volume;
    let is_low = volume <= low_threshold;
    let mut f = ReservoirForecast {
        as_of: latest.taken_at,
        volume,
        capacity: latest.reservoir_capacity,
        percent: latest.reservoir_percent(),
        daily_volume: latest.concentration.volume_for(latest.daily_dose),
        low_threshold,
        is_low,
        low_at: None,
        empty_at: None,
        uncertainty: Duration::ZERO,
        basis: ForecastBasis::Programmed,
    };
    if latest.mode == InfusionMode::Stopped || latest.daily_dose.micrograms_per_day == 0 {
        f.basis = ForecastBasis::NotInfusing;
        return f;
    }
    if latest.concentration.micrograms_per_milliliter == 0 {
        f.basis = ForecastBasis::Unknown;
        f.daily_volume = None;
        return f;
    }
    // µL per day, unrounded.
    let rate = f64::from(latest.daily_dose.micrograms_per_day) * 1000.0
        / f64::from(latest.concentration.micrograms_per_milliliter);
    let at = |ul: f64| {
        latest.taken_at + chrono::Duration::milliseconds((ul / rate * DAY_SECONDS * 1000.0) as i64)
    };
    let v = f64::from(volume.microliters);
    f.empty_at = Some(at(v));
    if !is_low {
        f.low_at = Some(at(v - f64::from(low_threshold.microliters)));
    }
    // A flex schedule's boluses move the crossing within the day.
    let mut uncertainty = if latest.mode == InfusionMode::Continuous {
        0.0
    } else {
        0.5
    };
    if let Some(first) = since_refill {
        let days = (latest.taken_at - first.taken_at).num_seconds() as f64 / DAY_SECONDS;
        let used = f64::from(first.reservoir_volume.microliters) - v;
        if days >= 1.0 && used > 0.0 {
            let observed = used / days;
            // Days to empty at each rate: the difference is how far the date may be off.
            uncertainty += (v / observed - v / rate).abs();
        }
    }
    f.uncertainty = Duration::from_secs_f64((uncertainty * DAY_SECONDS).min(365.0 * DAY_SECONDS));
    f
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::model::{Concentration, DailyDose, test_reading};
    use chrono::TimeZone;

    fn t0() -> UtcDateTime {
        chrono::Utc.with_ymd_and_hms(2026, 1, 10, 9, 0, 0).unwrap()
    }

    #[test]
    fn continuous_schedule_gives_exact_dates() {
        // 18.5 mL of 25 mg/mL at 5 mg/day = 0.2 mL/day: low (2 mL) in 82.5 days, empty in 92.5.
        let r = test_reading(t0());
        let f = forecast_reservoir(&r, None, Volume::from_milliliters(2));
        assert_eq!(f.daily_volume, Some(Volume::from_microliters(200)));
        assert_eq!(f.low_at, Some(t0() + chrono::Duration::hours(82 * 24 + 12)));
        assert_eq!(
            f.empty_at,
            Some(t0() + chrono::Duration::hours(92 * 24 + 12))
        );
        assert_eq!(f.uncertainty, Duration::ZERO);
        assert!(!f.is_low);
        assert_eq!(f.basis, ForecastBasis::Programmed);
    }

    #[test]
    fn observed_consumption_that_differs_widens_the_uncertainty() {
        let mut first = test_reading(t0());
        first.reservoir_volume = Volume::from_milliliters(40);
        let mut latest = test_reading(t0() + chrono::Duration::days(10));
        // 40 → 37 mL in 10 days is 0.3 mL/day observed against 0.2 programmed.
        latest.reservoir_volume = Volume::from_milliliters(37);
        let f = forecast_reservoir(&latest, Some(&first), Volume::from_milliliters(2));
        // 37 mL: 185 days at 0.2, 123.3 at 0.3.
        let days = f.uncertainty.as_secs_f64() / DAY_SECONDS;
        assert!((days - 61.67).abs() < 0.1, "{days}");
        // Consumption as programmed: no added uncertainty.
        latest.reservoir_volume = Volume::from_milliliters(38);
        let f = forecast_reservoir(&latest, Some(&first), Volume::from_milliliters(2));
        assert!(f.uncertainty.as_secs_f64() < 1.0);
    }

    #[test]
    fn flex_schedule_is_honest_about_the_day() {
        let mut r = test_reading(t0());
        r.mode = InfusionMode::Flex;
        let f = forecast_reservoir(&r, None, Volume::from_milliliters(2));
        assert_eq!(f.uncertainty, Duration::from_secs(12 * 3600));
    }

    #[test]
    fn low_stopped_and_unknown() {
        let mut r = test_reading(t0());
        r.reservoir_volume = Volume::from_milliliters(1);
        let f = forecast_reservoir(&r, None, Volume::from_milliliters(2));
        assert!(f.is_low);
        assert_eq!(f.low_at, None);
        assert_eq!(f.empty_at, Some(t0() + chrono::Duration::days(5)));
        r.mode = InfusionMode::Stopped;
        let f = forecast_reservoir(&r, None, Volume::from_milliliters(2));
        assert_eq!((f.basis, f.empty_at), (ForecastBasis::NotInfusing, None));
        let mut r = test_reading(t0());
        r.concentration = Concentration {
            micrograms_per_milliliter: 0,
        };
        r.daily_dose = DailyDose {
            micrograms_per_day: 100,
        };
        let f = forecast_reservoir(&r, None, Volume::from_milliliters(2));
        assert_eq!(
            (f.basis, f.empty_at, f.daily_volume),
            (ForecastBasis::Unknown, None, None)
        );
    }
}
