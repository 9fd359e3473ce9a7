//! Reservoir: how much is left, and when it will really run low and empty.
//!
//! The pump counts what it was programmed to deliver; what really leaves the reservoir differs
//! by a few percent (a per-pump bias, and scatter from one refill interval to the next). At each
//! refill the clinic measures what is left ([`ResidualCheck`]), which tells how far this pump's
//! delivery was from its count. The forecast learns the pump's bias from those refills (a
//! normal prior for pumps of its class, updated by each measured interval), and gives the date the
//! reservoir really reaches the low threshold and empty, with an 80 % range that widens with the
//! volume the pump has to deliver until then and with what the refills could not pin down.
//!
//! Since the last refill, the volume really left is `fill − (1 + g) · counted` where `counted`
//! is what the pump counted as delivered and `g` the share it delivers beyond its count this
//! interval. The reservoir reaches a level `v` when the pump has counted `(fill − v) / (1 + g)`,
//! at the counting rate `r`: `days(v, g) = ((fill − v) / (1 + g) − counted) / r`.

use chrono::Duration;

use super::forecast::{DateRange, Z_80};
use super::residual::ResidualCheck;
use crate::model::{InfusionMode, StatusReading, UtcDateTime, Volume};

/// Where a forecast's rate comes from.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, serde::Serialize)]
#[cfg_attr(feature = "uniffi", derive(uniffi::Enum))]
pub enum ForecastBasis {
    /// The programmed daily dose and concentration (the pump's count), corrected by what past
    /// refills measured.
    Programmed,
    /// The pump is not infusing: nothing is used, no dates.
    NotInfusing,
    /// The concentration is unknown (0): no dates can be computed.
    Unknown,
}

/// What the refill forecast assumes about pumps of a class before it has seen a pump's refills,
/// and the spread of the things no reading shows. Tuned on simulated patients that the
/// backtests do not score (`thecal forecast tune`; docs/decisions/0005-forecasts.md).
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct DeliveryPrior {
    /// The average share a pump delivers beyond its count (a published +1 % for the reference
    /// class, Wesemann et al. 2014).
    pub mean: f64,
    /// How much that share varies from pump to pump (standard deviation).
    pub pump_sd: f64,
    /// How much it varies from one refill interval to the next for the same pump.
    pub interval_sd: f64,
    /// The spread of a measured residual (syringe reading, fluid left in the pump), µL.
    pub residual_sd_ul: f64,
    /// The spread of the volume really filled against the volume entered, µL.
    pub fill_sd_ul: f64,
    /// Spread of the day's boluses (flex schedule, patient boluses) in days.
    pub schedule_sd_days: f64,
    /// The most recent refills learned from (older ones may describe a different catheter).
    pub refills_used: usize,
}

/// The prior of the implanted reference class (tuned: see [`DeliveryPrior`]).
pub const IMPLANTED_DELIVERY: DeliveryPrior = DeliveryPrior {
    mean: 0.0094,
    pump_sd: 0.0150,
    interval_sd: 0.0194,
    residual_sd_ul: 278.0,
    fill_sd_ul: 150.0,
    schedule_sd_days: 0.3,
    refills_used: 8,
};

/// The prior of external pumps (cassette pumps are specified at ±6 % with 90/90 tolerance:
/// about 3.6 % standard deviation, no bias).
pub const EXTERNAL_DELIVERY: DeliveryPrior = DeliveryPrior {
    mean: 0.0,
    pump_sd: 0.01,
    interval_sd: 0.036,
    residual_sd_ul: 1_000.0,
    fill_sd_ul: 500.0,
    schedule_sd_days: 0.3,
    refills_used: 8,
};

/// What the reservoir holds and when it runs low and empty.
#[derive(Debug, Clone, PartialEq, serde::Serialize)]
#[cfg_attr(feature = "uniffi", derive(uniffi::Record))]
pub struct ReservoirForecast {
    /// When the reading behind the forecast was taken.
    pub as_of: UtcDateTime,
    /// Volume left, as the pump counts it.
    pub volume: Volume,
    /// Volume when full.
    pub capacity: Volume,
    /// Fill, 0–100 %, as the pump counts it.
    pub percent: f64,
    /// Volume used per day at the programmed dose (`None` when not computable).
    pub daily_volume: Option<Volume>,
    /// The pump's low-reservoir threshold.
    pub low_threshold: Volume,
    /// Whether the pump's count is at or below the threshold now.
    pub is_low: bool,
    /// When the reservoir will really be down to the low threshold: book the refill before.
    pub low: Option<DateRange>,
    /// When the reservoir will really be empty (the drug stops reaching the patient).
    pub empty: Option<DateRange>,
    /// When the pump's own count reaches the threshold and it raises "reservoir low" (it counts
    /// what it was programmed to deliver, not what left the reservoir).
    pub pump_alarm_at: Option<UtcDateTime>,
    /// What the refills so far say this pump delivers beyond its count, in percent (the class's
    /// average until refills have been measured).
    pub delivery_excess_percent: f64,
    /// How many measured refills that is learned from.
    pub refills_learned_from: u32,
    /// Where the rate comes from.
    pub basis: ForecastBasis,
}

/// What the reservoir forecast is computed from.
#[derive(Debug, Clone, Copy)]
pub struct ReservoirInputs<'a> {
    /// The newest reading.
    pub latest: &'a StatusReading,
    /// The first reading after the last refill, to see the pump's counting rate (boluses
    /// included) when the dose has not changed since.
    pub since_refill: Option<&'a StatusReading>,
    /// What the last refill filled the reservoir to.
    pub last_fill: Option<Volume>,
    /// The measured refills of this pump, newest first.
    pub checks: &'a [ResidualCheck],
    /// The pump's low-reservoir threshold.
    pub low_threshold: Volume,
}

/// The learned delivery share `g` for the current interval: mean and standard deviation, and
/// how many refills it came from.
#[must_use]
pub fn learned_delivery(prior: &DeliveryPrior, checks: &[ResidualCheck]) -> (f64, f64, u32) {
    let tau2 = prior.pump_sd.powi(2);
    let (mut precision, mut weighted) = (1.0 / tau2, prior.mean / tau2);
    let mut used = 0;
    for c in checks
        .iter()
        .filter(|c| c.programmed.microliters >= 1_000)
        .take(prior.refills_used)
    {
        let p = f64::from(c.programmed.microliters);
        let var = prior.interval_sd.powi(2) + (prior.residual_sd_ul / p).powi(2);
        // A residual far outside the pump's accuracy says more about that interval (a blocked
        // catheter, a dosing error) than about the pump: it counts, clipped.
        let x = c.delivery_excess().clamp(-0.25, 0.25);
        precision += 1.0 / var;
        weighted += x / var;
        used += 1;
    }
    let mean = weighted / precision;
    let sd = (1.0 / precision + prior.interval_sd.powi(2)).sqrt();
    (mean, sd, used)
}

/// Forecasts the reservoir from what the store holds, with `prior` for the pump's class.
#[must_use]
pub fn forecast_reservoir(
    inputs: &ReservoirInputs<'_>,
    prior: &DeliveryPrior,
) -> ReservoirForecast {
    let latest = inputs.latest;
    let volume = latest.reservoir_volume;
    let low_threshold = inputs.low_threshold;
    let is_low = volume <= low_threshold;
    let (g, g_sd, used) = learned_delivery(prior, inputs.checks);
    let mut f = ReservoirForecast {
        as_of: latest.taken_at,
        volume,
        capacity: latest.reservoir_capacity,
        percent: latest.reservoir_percent(),
        daily_volume: latest.concentration.volume_for(latest.daily_dose),
        low_threshold,
        is_low,
        low: None,
        empty: None,
        pump_alarm_at: None,
        delivery_excess_percent: (g * 1000.0).round() / 10.0,
        refills_learned_from: used,
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
    let rate = counting_rate(latest, inputs.since_refill);
    let now = latest.taken_at;
    let left = f64::from(volume.microliters);
    let at =
        |days: f64| now + Duration::milliseconds((days.clamp(0.0, 3650.0) * 86_400_000.0) as i64);
    let low_ul = f64::from(low_threshold.microliters);
    if !is_low {
        f.pump_alarm_at = Some(at((left - low_ul) / rate));
    }
    let fill = inputs
        .last_fill
        .map_or(left, |v| f64::from(v.microliters))
        .max(left);
    let counted = fill - left;
    let schedule_sd = if latest.mode == InfusionMode::Continuous {
        0.0
    } else {
        prior.schedule_sd_days
    };
    let range = |level: f64| {
        let days = |g: f64| ((fill - level) / (1.0 + g) - counted) / rate;
        let d = days(g);
        // The spread in days: from g (the derivative of `days`), from the fill, from the day's
        // boluses.
        let from_g = (fill - level) / ((1.0 + g).powi(2) * rate) * g_sd;
        let from_fill = prior.fill_sd_ul / ((1.0 + g) * rate);
        let sd = (from_g.powi(2) + from_fill.powi(2) + schedule_sd.powi(2)).sqrt();
        DateRange::new(now, at(d), at(d - Z_80 * sd), at(d + Z_80 * sd))
    };
    f.low = Some(range(low_ul));
    f.empty = Some(range(0.0));
    f
}

/// µL per day the pump counts: the programmed rate, or the rate its count fell at since the
/// last refill when the dose has not changed since (it includes patient boluses).
fn counting_rate(latest: &StatusReading, since_refill: Option<&StatusReading>) -> f64 {
    let programmed = f64::from(latest.daily_dose.micrograms_per_day) * 1000.0
        / f64::from(latest.concentration.micrograms_per_milliliter);
    let Some(first) = since_refill
        .filter(|r| r.daily_dose == latest.daily_dose && r.concentration == latest.concentration)
    else {
        return programmed;
    };
    let days = (latest.taken_at - first.taken_at).num_seconds() as f64 / 86_400.0;
    let used = f64::from(first.reservoir_volume.microliters)
        - f64::from(latest.reservoir_volume.microliters);
    if days < 3.0 || used <= 0.0 {
        return programmed;
    }
    // Never below the programmed rate: the pump only counts more (boluses), never less.
    (used / days).max(programmed)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::model::{Concentration, DailyDose, test_reading};
    use crate::therapy::ForecastConfidence;
    use chrono::TimeZone;

    fn t0() -> UtcDateTime {
        chrono::Utc.with_ymd_and_hms(2026, 1, 10, 9, 0, 0).unwrap()
    }

    fn inputs<'a>(r: &'a StatusReading, checks: &'a [ResidualCheck]) -> ReservoirInputs<'a> {
        ReservoirInputs {
            latest: r,
            since_refill: None,
            last_fill: Some(Volume::from_milliliters(40)),
            checks,
            low_threshold: Volume::from_milliliters(2),
        }
    }

    fn days(a: UtcDateTime, b: UtcDateTime) -> f64 {
        (b - a).num_seconds() as f64 / 86_400.0
    }

    #[test]
    fn a_pump_that_counts_right_gives_its_own_dates_with_a_range() {
        // 18.5 mL of 25 mg/mL at 5 mg/day = 0.2 mL/day: the pump's alarm in 82.5 days.
        let r = test_reading(t0());
        let exact = DeliveryPrior {
            mean: 0.0,
            pump_sd: 1e-9,
            interval_sd: 1e-9,
            fill_sd_ul: 0.0,
            ..IMPLANTED_DELIVERY
        };
        let f = forecast_reservoir(&inputs(&r, &[]), &exact);
        assert_eq!(f.daily_volume, Some(Volume::from_microliters(200)));
        assert_eq!(
            f.pump_alarm_at,
            Some(t0() + chrono::Duration::hours(82 * 24 + 12))
        );
        let low = f.low.unwrap();
        assert!((days(t0(), low.expected) - 82.5).abs() < 0.01);
        assert!(
            (days(low.earliest, low.latest)).abs() < 0.01,
            "nothing uncertain"
        );
        assert!((days(t0(), f.empty.unwrap().expected) - 92.5).abs() < 0.01);
    }

    #[test]
    fn a_pump_that_delivered_more_at_past_refills_is_expected_to_run_low_sooner() {
        let r = test_reading(t0());
        let f0 = forecast_reservoir(&inputs(&r, &[]), &IMPLANTED_DELIVERY);
        // Six refills that each found 2 mL less than expected of 36 mL programmed: +5.6 %.
        let check = ResidualCheck::new(
            Volume::from_milliliters(4),
            Volume::from_milliliters(2),
            Volume::from_milliliters(36),
            None,
        )
        .unwrap();
        let checks = [check; 6];
        let f = forecast_reservoir(&inputs(&r, &checks), &IMPLANTED_DELIVERY);
        assert_eq!(f.refills_learned_from, 6);
        assert!(
            f.delivery_excess_percent > 4.0,
            "{}",
            f.delivery_excess_percent
        );
        let (a, b) = (f0.low.unwrap(), f.low.unwrap());
        assert!(b.expected < a.expected);
        // Learned from refills, the range is narrower than the class's alone.
        assert!(b.latest - b.earliest < a.latest - a.earliest);
        // The pump's own alarm does not move: it counts what it was programmed to deliver.
        assert_eq!(f.pump_alarm_at, f0.pump_alarm_at);
    }

    #[test]
    fn the_range_holds_the_whole_interval_not_only_the_days_left() {
        // Two pumps filled to 24 mL with 4 mL left: one at 0.2 mL/day (filled 100 days ago), one
        // at 1 mL/day (20 days ago). The range covers what the pump may have delivered beyond its
        // count since the fill, so the slow one's is wider, not only by its days left.
        let mut long = test_reading(t0());
        long.reservoir_volume = Volume::from_milliliters(4);
        let mut short = long.clone();
        short.daily_dose = DailyDose {
            micrograms_per_day: 25_000,
        };
        let mut a = inputs(&long, &[]);
        a.last_fill = Some(Volume::from_milliliters(24));
        let mut b = inputs(&short, &[]);
        b.last_fill = Some(Volume::from_milliliters(24));
        let fa = forecast_reservoir(&a, &IMPLANTED_DELIVERY).low.unwrap();
        let fb = forecast_reservoir(&b, &IMPLANTED_DELIVERY).low.unwrap();
        assert!(fa.latest - fa.earliest > (fb.latest - fb.earliest) * 3);
        assert_eq!(fb.confidence, ForecastConfidence::High);
    }

    #[test]
    fn low_stopped_and_unknown() {
        let mut r = test_reading(t0());
        r.reservoir_volume = Volume::from_milliliters(1);
        let f = forecast_reservoir(&inputs(&r, &[]), &IMPLANTED_DELIVERY);
        assert!(f.is_low);
        assert_eq!(f.pump_alarm_at, None);
        // 39 mL counted since the 40 mL fill; at the class's g ≈ +1 %, about 0.4 mL more has
        // already left: about 0.6 mL really left, 3 days at 0.2 mL/day (the pump's count says 5).
        let empty = f.empty.unwrap();
        let g = IMPLANTED_DELIVERY.mean;
        let really_left_ml = 40.0 / (1.0 + g) - 39.0;
        assert!((days(t0(), empty.expected) - really_left_ml / 0.2).abs() < 0.01);
        assert!((2.5..4.0).contains(&days(t0(), empty.expected)));
        r.mode = InfusionMode::Stopped;
        let f = forecast_reservoir(&inputs(&r, &[]), &IMPLANTED_DELIVERY);
        assert_eq!((f.basis, f.empty), (ForecastBasis::NotInfusing, None));
        let mut r = test_reading(t0());
        r.concentration = Concentration {
            micrograms_per_milliliter: 0,
        };
        let f = forecast_reservoir(&inputs(&r, &[]), &IMPLANTED_DELIVERY);
        assert_eq!(
            (f.basis, f.empty, f.daily_volume),
            (ForecastBasis::Unknown, None, None)
        );
    }

    #[test]
    fn patient_boluses_speed_up_the_count() {
        let mut first = test_reading(t0());
        first.reservoir_volume = Volume::from_milliliters(38);
        let mut latest = test_reading(t0() + chrono::Duration::days(10));
        // 38 → 35 mL in 10 days: 0.3 mL/day counted against 0.2 programmed.
        latest.reservoir_volume = Volume::from_milliliters(35);
        let mut i = inputs(&latest, &[]);
        i.since_refill = Some(&first);
        let f = forecast_reservoir(&i, &IMPLANTED_DELIVERY);
        let alarm = days(latest.taken_at, f.pump_alarm_at.unwrap());
        assert!((alarm - 110.0).abs() < 0.01, "{alarm}");
    }
}
