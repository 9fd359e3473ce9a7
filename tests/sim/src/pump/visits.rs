//! Clinic visits (decision 0003 §6.6, §8): the fourteen draws of visit k, the measured residual,
//! and when the next refill is booked; the external pump's cassette changes (0003a §4).

use super::schedule::{DAY_MS, HOUR_MS, MINUTE_MS};
use super::streams::{Draws, Stream};

/// The fourteen draws of VISIT stream k, in the record's order (all always drawn).
#[derive(Debug, Clone, Copy, PartialEq)]
pub(crate) struct VisitDraws {
    /// 1. ℓ, fluid not withdrawn, mL.
    pub(crate) left_ml: f64,
    /// 2. Syringe reading error, mL.
    pub(crate) read_error_ml: f64,
    /// 3. Titration x.
    pub(crate) titration_x: f64,
    /// 4. Titration step.
    pub(crate) titration_step: f64,
    /// 5. Fill error, mL.
    pub(crate) fill_error_ml: f64,
    /// 6. ε_k, the new interval's scatter.
    pub(crate) scatter: f64,
    /// 7. Whether the mode switches (continuous ↔ flex).
    pub(crate) mode_switch: bool,
    /// 8. Scheduling margin m, days.
    pub(crate) margin_days: f64,
    /// 9. Whether the next refill is late.
    pub(crate) late: bool,
    /// 10. How late, days.
    pub(crate) late_days: f64,
    /// 11. Visit minute after local 08:00 (0–480).
    pub(crate) minute: i64,
    /// 12. Whether a mid-interval titration visit happens.
    pub(crate) mid_visit: bool,
    /// 13. Its position in the planned interval.
    pub(crate) mid_position: f64,
    /// 14. Bridge bolus volume, mL.
    pub(crate) bridge_ml: f64,
}

impl VisitDraws {
    /// The draws of visit `k`; with `ideal` (§12.6's switch) ℓ, the reading and fill errors and
    /// ε are zero (they are still drawn).
    #[allow(clippy::cast_possible_truncation)]
    pub(crate) fn draw(seed: u64, k: u64, ideal: bool) -> Self {
        let mut d = Draws::new(seed, Stream::Visit, k);
        let mut v = Self {
            left_ml: d.exponential(0.1),
            read_error_ml: d.normal(0.0, 0.2),
            titration_x: d.uniform(),
            titration_step: d.uniform(),
            fill_error_ml: d.normal(0.0, 0.1),
            scatter: d.normal(0.0, 0.02),
            mode_switch: d.uniform() < 0.05,
            margin_days: d.uniform_in(3.0, 10.0),
            late: d.uniform() < 0.12,
            late_days: d.uniform_in(1.0, 10.0),
            minute: (481.0 * d.uniform()).floor() as i64,
            mid_visit: d.uniform() < 0.10,
            mid_position: d.uniform_in(0.3, 0.7),
            bridge_ml: d.uniform_in(0.15, 0.30),
        };
        if ideal {
            v.left_ml = 0.0;
            v.read_error_ml = 0.0;
            v.fill_error_ml = 0.0;
            v.scatter = 0.0;
        }
        v
    }
}

/// The two draws of TITRATION stream k (the mid-interval visit after visit k): x, step.
pub(crate) fn titration_draws(seed: u64, k: u64) -> (f64, f64) {
    let mut d = Draws::new(seed, Stream::Titration, k);
    let x = d.uniform();
    (x, d.uniform())
}

/// Millilitres to nanolitres, rounded (negative values give 0).
#[allow(clippy::cast_possible_truncation, clippy::cast_sign_loss)]
pub(crate) fn ml_to_nl(ml: f64) -> u64 {
    (ml * 1e6).round().max(0.0) as u64
}

/// The syringe reading `M = round_to_0.1 mL(max(0, V − ℓ' + e_read))`, in µL (a multiple of
/// 100).
#[allow(clippy::cast_possible_truncation, clippy::cast_sign_loss)]
pub(crate) fn measured_residual_ul(withdrawn_nl: u64, read_error_ml: f64) -> u32 {
    #[allow(clippy::cast_precision_loss)]
    let ml = (withdrawn_nl as f64 / 1e6 + read_error_ml).max(0.0);
    let tenths = (ml * 10.0).round();
    u32::try_from(tenths as u64 * 100).unwrap_or(u32::MAX)
}

/// Local date of `t` (days since 1970-01-01 in the pump's zone).
fn local_day(t: i64, offset_ms: i64) -> i64 {
    (t + offset_ms).div_euclid(DAY_MS)
}

/// `local_day` at local 08:00 plus `minute`, as UTC ms.
fn at_minute(day: i64, minute: i64, offset_ms: i64) -> i64 {
    day * DAY_MS + 8 * HOUR_MS + minute * MINUTE_MS - offset_ms
}

/// The appointment for a refill planned at `planned`: its local day moved off weekends
/// (Saturday → Friday, Sunday → Monday), at local 08:00 + `minute` (§6.6).
pub(crate) fn appointment(planned: i64, minute: i64, offset_ms: i64) -> i64 {
    let day = local_day(planned, offset_ms);
    // 1970-01-01 was a Thursday: Monday = 0 … Sunday = 6.
    let weekday = (day + 3).rem_euclid(7);
    let day = match weekday {
        5 => day - 1,
        6 => day + 1,
        _ => day,
    };
    at_minute(day, minute, offset_ms)
}

/// `t_target` on its own local day at the appointment's local time of day (the mid-interval
/// visit bringing a refill forward, §6.6).
pub(crate) fn same_minute_on_day_of(target: i64, appointment: i64, offset_ms: i64) -> i64 {
    let minute_of_day = (appointment + offset_ms).rem_euclid(DAY_MS);
    local_day(target, offset_ms) * DAY_MS + minute_of_day - offset_ms
}

/// The next refill planned at the end of a visit at `t` (§6.6): from the estimate `E`, the low
/// threshold and the programmed daily flow, `t_low = t + (E − E_low)/q`; `planned = t + min(t_low
/// − t − m, max interval)`, or if late `planned + m + late days`. Returns (planned, t_low) in
/// UTC ms, before the weekend and minute-of-day rule.
#[allow(clippy::cast_possible_truncation, clippy::cast_precision_loss)]
pub(crate) fn plan_next(
    t: i64,
    estimate_nl: u64,
    low_nl: u64,
    daily_nl: f64,
    max_interval_days: f64,
    draws: &VisitDraws,
) -> (i64, i64) {
    let to_low_days = estimate_nl.saturating_sub(low_nl) as f64 / daily_nl.max(1.0);
    let t_low = t + (to_low_days * DAY_MS as f64).round() as i64;
    // A guard that the concentration rule keeps from binding: at least one day ahead.
    let mut days = (to_low_days - draws.margin_days)
        .min(max_interval_days)
        .max(1.0);
    if draws.late {
        days += draws.margin_days + draws.late_days;
    }
    (t + (days * DAY_MS as f64).round() as i64, t_low)
}

/// The draws of an external pump's cassette change k (VISIT stream k, 0003a §4).
#[derive(Debug, Clone, Copy, PartialEq)]
pub(crate) struct CassetteDraws {
    /// 1. β_ext, this cassette's delivery error.
    pub(crate) scatter: f64,
    /// 2. Whether the next change is late.
    pub(crate) late: bool,
    /// 3. Delay after "reservoir low", ms: 1–24 h, or 1–5 days when late.
    pub(crate) delay_ms: i64,
    /// 4–5. Whether and when "reservoir low" is acknowledged at the pump.
    pub(crate) ack_low: Option<i64>,
    /// 6–7. Whether and when "reservoir empty" is acknowledged at the pump.
    pub(crate) ack_empty: Option<i64>,
}

impl CassetteDraws {
    /// The draws of cassette `k`; `ideal` zeroes the delivery error.
    #[allow(clippy::cast_possible_truncation)]
    pub(crate) fn draw(seed: u64, k: u64, ideal: bool) -> Self {
        let mut d = Draws::new(seed, Stream::Visit, k);
        let scatter = d.normal(0.0, 0.03);
        let late = d.uniform() < 0.125;
        let u = d.uniform();
        let hours = if late {
            24.0 + 96.0 * u
        } else {
            1.0 + 23.0 * u
        };
        let ack_low = ack(&mut d);
        let ack_empty = ack(&mut d);
        Self {
            scatter: if ideal { 0.0 } else { scatter },
            late,
            delay_ms: (hours * 3_600_000.0).round() as i64,
            ack_low,
            ack_empty,
        }
    }
}

/// The external pump's acknowledgement draws: with probability 0.7, after 5–60 minutes (two
/// values, both always drawn).
#[allow(clippy::cast_possible_truncation)]
pub(crate) fn ack(d: &mut Draws) -> Option<i64> {
    let acknowledged = d.uniform() < 0.7;
    let minutes = d.uniform_in(5.0, 60.0);
    acknowledged.then_some((minutes * 60_000.0).round() as i64)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn residuals_are_read_to_a_tenth_of_a_millilitre() {
        assert_eq!(measured_residual_ul(3_140_000, 0.0), 3_100);
        assert_eq!(measured_residual_ul(3_160_000, 0.0), 3_200);
        assert_eq!(measured_residual_ul(100_000, -0.5), 0);
        assert_eq!(measured_residual_ul(0, 0.26), 300);
    }

    #[test]
    fn appointments_avoid_weekends() {
        // 2026-01-10 is a Saturday, 2026-01-11 a Sunday (UTC, zone offset 0).
        let saturday = 20_463 * DAY_MS + 15 * HOUR_MS;
        assert_eq!((20_463 + 3) % 7, 5);
        assert_eq!(
            appointment(saturday, 30, 0),
            20_462 * DAY_MS + 8 * HOUR_MS + 30 * MINUTE_MS
        );
        assert_eq!(
            appointment(saturday + DAY_MS, 0, 0),
            20_465 * DAY_MS + 8 * HOUR_MS
        );
        // A weekday keeps its day; local time is UTC + offset.
        let monday = 20_458 * DAY_MS;
        assert_eq!(
            appointment(monday + 23 * HOUR_MS, 0, -5 * HOUR_MS),
            20_458 * DAY_MS + 13 * HOUR_MS
        );
    }

    #[test]
    fn the_next_refill_keeps_its_margin_or_the_maximum() {
        let mut d = VisitDraws::draw(1, 1, false);
        d.late = false;
        d.margin_days = 5.0;
        // 18 mL above the threshold at 0.3 mL/day: low in 60 days, refill at 55.
        let (planned, low) = plan_next(0, 20_000_000, 2_000_000, 300_000.0, 90.0, &d);
        assert_eq!(low, 60 * DAY_MS);
        assert_eq!(planned, 55 * DAY_MS);
        let (planned, _) = plan_next(0, 20_000_000, 2_000_000, 100_000.0, 90.0, &d);
        assert_eq!(planned, 90 * DAY_MS);
        d.late = true;
        d.late_days = 4.0;
        let (planned, _) = plan_next(0, 20_000_000, 2_000_000, 300_000.0, 90.0, &d);
        assert_eq!(planned, 64 * DAY_MS);
    }
}
