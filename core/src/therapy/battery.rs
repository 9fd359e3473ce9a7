//! Battery: when the elective replacement indicator (ERI) and end of service (EOS) will come.
//!
//! A least-squares line through the battery level history (one point a day, since the battery
//! was new), extrapolated to the model's ERI level, with a range from the fit's own scatter: not
//! a line through two points, and it says how sure it is. Once the pump shows ERI, the forecast
//! becomes a countdown to EOS over the model's ERI-to-EOS period.

use std::time::Duration;

use crate::model::{BatteryIndicator, UtcDateTime};

/// What a pump model's battery does, from its driver.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
#[cfg_attr(feature = "uniffi", derive(uniffi::Record))]
pub struct BatteryModel {
    /// The battery level at which the pump raises ERI.
    pub eri_percent: u8,
    /// How long the pump keeps infusing after ERI (e.g. 90 days), if the model states it.
    pub eri_to_eos: Option<Duration>,
    /// Whether the battery is changed (external) rather than the pump replaced (implanted).
    pub replaceable: bool,
}

/// One point of the battery history (the last reading of a day).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
#[cfg_attr(feature = "uniffi", derive(uniffi::Record))]
pub struct BatteryPoint {
    /// When.
    pub at: UtcDateTime,
    /// Level, 0–100 %.
    pub percent: u8,
}

/// How sure a battery forecast is.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, serde::Serialize)]
#[cfg_attr(feature = "uniffi", derive(uniffi::Enum))]
pub enum ForecastConfidence {
    /// Not enough history (or no discharge seen yet): no date is given.
    Insufficient,
    /// The range is wider than three months either way.
    Low,
    /// The range is within three months either way.
    Medium,
    /// The range is within a month either way.
    High,
}

/// What to tell the patient about the battery.
#[derive(Debug, Clone, PartialEq, serde::Serialize)]
#[cfg_attr(feature = "uniffi", derive(uniffi::Record))]
pub struct BatteryForecast {
    /// Level now, 0–100 %.
    pub percent: u8,
    /// The pump's indicator now.
    pub indicator: BatteryIndicator,
    /// Whether the battery itself is changed (external pump): "replace battery" rather than
    /// "plan pump replacement".
    pub replaceable: bool,
    /// Expected ERI (for a replaceable battery: when to change it), if forecast.
    pub eri_at: Option<UtcDateTime>,
    /// Earliest likely ERI.
    pub eri_earliest: Option<UtcDateTime>,
    /// Latest likely ERI.
    pub eri_latest: Option<UtcDateTime>,
    /// Expected EOS (infusion stops), if forecast.
    pub eos_at: Option<UtcDateTime>,
    /// When ERI was first seen, once it has been.
    pub eri_seen_at: Option<UtcDateTime>,
    /// Whole days left until EOS, once ERI has been seen (0 on the day itself; negative after).
    pub days_to_eos: Option<i64>,
    /// How sure the ERI date is.
    pub confidence: ForecastConfidence,
}

/// The fewest days of history a trend is drawn from.
pub const MIN_HISTORY_DAYS: f64 = 14.0;

/// Forecasts from the daily history since the battery was new (`points`, any order), the state
/// now, and when ERI was first seen (if it has been).
#[must_use]
pub fn forecast_battery(
    points: &[BatteryPoint],
    percent: u8,
    indicator: BatteryIndicator,
    eri_seen_at: Option<UtcDateTime>,
    model: BatteryModel,
    now: UtcDateTime,
) -> BatteryForecast {
    let mut f = BatteryForecast {
        percent,
        indicator,
        replaceable: model.replaceable,
        eri_at: None,
        eri_earliest: None,
        eri_latest: None,
        eos_at: None,
        eri_seen_at,
        days_to_eos: None,
        confidence: ForecastConfidence::Insufficient,
    };
    let to_eos = model
        .eri_to_eos
        .and_then(|d| chrono::Duration::from_std(d).ok());
    if let Some(seen) = eri_seen_at.filter(|_| indicator != BatteryIndicator::Normal) {
        f.eri_at = Some(seen);
        f.eri_earliest = Some(seen);
        f.eri_latest = Some(seen);
        f.confidence = ForecastConfidence::High;
        if let Some(to_eos) = to_eos {
            let eos = seen + to_eos;
            f.eos_at = Some(eos);
            f.days_to_eos = Some((eos - now).num_days());
        }
        return f;
    }
    let Some(fit) = Fit::of(points) else { return f };
    if fit.span_days < MIN_HISTORY_DAYS || fit.slope >= 0.0 {
        return f;
    }
    let x = (f64::from(model.eri_percent) - fit.intercept) / fit.slope;
    // Standard error of the crossing (delta method), and a ±2σ range.
    let se = (fit.residual_sd / fit.slope.abs())
        * (1.0 / fit.n + (x - fit.mean_x).powi(2) / fit.sxx).sqrt();
    let half = 2.0 * se;
    let day =
        |d: f64| fit.origin + chrono::Duration::seconds((d * 86_400.0).clamp(-1e11, 1e11) as i64);
    f.eri_at = Some(day(x));
    f.eri_earliest = Some(day(x - half));
    f.eri_latest = Some(day(x + half));
    f.eos_at = to_eos.map(|d| day(x) + d);
    f.confidence = if half <= 30.0 {
        ForecastConfidence::High
    } else if half <= 91.0 {
        ForecastConfidence::Medium
    } else {
        ForecastConfidence::Low
    };
    f
}

/// A least-squares line: percent = intercept + slope × days since `origin`.
struct Fit {
    origin: UtcDateTime,
    n: f64,
    slope: f64,
    intercept: f64,
    mean_x: f64,
    sxx: f64,
    residual_sd: f64,
    span_days: f64,
}

impl Fit {
    fn of(points: &[BatteryPoint]) -> Option<Self> {
        let origin = points.iter().map(|p| p.at).min()?;
        let xy: Vec<(f64, f64)> = points
            .iter()
            .map(|p| {
                (
                    (p.at - origin).num_seconds() as f64 / 86_400.0,
                    f64::from(p.percent),
                )
            })
            .collect();
        let n = xy.len() as f64;
        if n < 3.0 {
            return None;
        }
        let mean_x = xy.iter().map(|p| p.0).sum::<f64>() / n;
        let mean_y = xy.iter().map(|p| p.1).sum::<f64>() / n;
        let sxx: f64 = xy.iter().map(|p| (p.0 - mean_x).powi(2)).sum();
        let sxy: f64 = xy.iter().map(|p| (p.0 - mean_x) * (p.1 - mean_y)).sum();
        if sxx <= 0.0 {
            return None;
        }
        let slope = sxy / sxx;
        let intercept = mean_y - slope * mean_x;
        let sse: f64 = xy
            .iter()
            .map(|p| (p.1 - intercept - slope * p.0).powi(2))
            .sum();
        // Levels are whole percents: never claim less scatter than rounding gives.
        let residual_sd = (sse / (n - 2.0)).sqrt().max(1.0 / 12f64.sqrt());
        let span_days = xy.iter().map(|p| p.0).fold(0.0, f64::max);
        Some(Self {
            origin,
            n,
            slope,
            intercept,
            mean_x,
            sxx,
            residual_sd,
            span_days,
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use chrono::TimeZone;

    fn t0() -> UtcDateTime {
        chrono::Utc.with_ymd_and_hms(2024, 5, 1, 12, 0, 0).unwrap()
    }

    fn model() -> BatteryModel {
        BatteryModel {
            eri_percent: 8,
            eri_to_eos: Some(Duration::from_secs(90 * 86_400)),
            replaceable: false,
        }
    }

    /// A straight discharge from 100 % to `eri` % over `life` days, sampled daily for `days`.
    fn line(days: i64, life: f64) -> Vec<BatteryPoint> {
        (0..days)
            .map(|d| BatteryPoint {
                at: t0() + chrono::Duration::days(d),
                percent: (100.0 - 92.0 * d as f64 / life).round() as u8,
            })
            .collect()
    }

    #[test]
    fn a_long_straight_history_gives_a_tight_eri_and_eos() {
        let pts = line(900, 1200.0);
        let f = forecast_battery(
            &pts,
            pts[899].percent,
            BatteryIndicator::Normal,
            None,
            model(),
            pts[899].at,
        );
        let eri = f.eri_at.unwrap();
        let expected = t0() + chrono::Duration::days(1200);
        assert!(
            (eri - expected).num_days().abs() <= 2,
            "{eri} vs {expected}"
        );
        assert_eq!(f.eos_at, Some(eri + chrono::Duration::days(90)));
        assert_eq!(f.confidence, ForecastConfidence::High);
        assert!(f.eri_earliest.unwrap() <= eri && eri <= f.eri_latest.unwrap());
    }

    #[test]
    fn too_little_history_or_no_discharge_gives_no_date() {
        let pts = line(10, 1200.0);
        let f = forecast_battery(&pts, 99, BatteryIndicator::Normal, None, model(), t0());
        assert_eq!(
            (f.eri_at, f.confidence),
            (None, ForecastConfidence::Insufficient)
        );
        let flat: Vec<_> = (0..60)
            .map(|d| BatteryPoint {
                at: t0() + chrono::Duration::days(d),
                percent: 100,
            })
            .collect();
        let f = forecast_battery(&flat, 100, BatteryIndicator::Normal, None, model(), t0());
        assert_eq!(f.eri_at, None);
    }

    #[test]
    fn scatter_widens_the_range_and_lowers_confidence() {
        let mut pts = line(120, 1200.0);
        for (i, p) in pts.iter_mut().enumerate() {
            p.percent = p
                .percent
                .saturating_add(if i % 2 == 0 { 4 } else { 0 })
                .min(100);
        }
        let f = forecast_battery(
            &pts,
            90,
            BatteryIndicator::Normal,
            None,
            model(),
            pts[119].at,
        );
        assert!(
            f.confidence < ForecastConfidence::High,
            "{:?}",
            f.confidence
        );
        let width = f.eri_latest.unwrap() - f.eri_earliest.unwrap();
        assert!(width > chrono::Duration::days(60), "{width}");
    }

    #[test]
    fn after_eri_a_countdown_to_eos() {
        let seen = t0() + chrono::Duration::days(1000);
        let now = seen + chrono::Duration::days(30);
        let f = forecast_battery(
            &[],
            7,
            BatteryIndicator::ElectiveReplacement,
            Some(seen),
            model(),
            now,
        );
        assert_eq!(f.eos_at, Some(seen + chrono::Duration::days(90)));
        assert_eq!(f.days_to_eos, Some(60));
        assert_eq!(f.eri_at, Some(seen));
    }
}
