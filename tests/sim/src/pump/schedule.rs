//! The delivery schedule (decision 0003 §6.5): the programmed rate `R` in nL/day from the
//! therapy, the flex schedule's boluses and the patient-activated (PTM) boluses; and when each
//! bolus starts and ends.
//!
//! Times are UTC milliseconds since 1970; "local" is UTC plus the pump's fixed offset `z`.

use super::streams::Draws;

/// One day in milliseconds.
pub(crate) const DAY_MS: i64 = 86_400_000;
/// One hour in milliseconds.
pub(crate) const HOUR_MS: i64 = 3_600_000;
/// One minute in milliseconds.
pub(crate) const MINUTE_MS: i64 = 60_000;

/// A PTM bolus lasts 10 minutes (P37).
pub(crate) const PTM_BOLUS_MS: i64 = 10 * MINUTE_MS;
/// At most this many PTM boluses a day (P37).
pub(crate) const PTM_MAX_PER_DAY: u32 = 4;
/// A PTM bolus less than this after the previous kept one is refused (P37).
pub(crate) const PTM_LOCKOUT_MS: i64 = 2 * HOUR_MS;

/// The flex schedule's shape (§6.1 items 9–11).
#[derive(Debug, Clone, Copy, PartialEq)]
pub(crate) struct FlexShape {
    /// Basal share φ.
    pub(crate) basal_share: f64,
    /// Boluses per day `n_b` (2, 3 or 4).
    pub(crate) boluses_per_day: i64,
    /// Bolus duration `τ_b`, minutes.
    pub(crate) bolus_minutes: i64,
}

impl FlexShape {
    fn period_ms(&self) -> i64 {
        DAY_MS / self.boluses_per_day.max(1)
    }

    /// The phase of the first bolus start in UTC: local 08:00 and every `24/n_b` hours after.
    fn phase_ms(&self, offset_ms: i64) -> i64 {
        (8 * HOUR_MS - offset_ms).rem_euclid(self.period_ms())
    }

    fn bolus_ms(&self) -> i64 {
        self.bolus_minutes * MINUTE_MS
    }

    /// Whether a programmed bolus runs at `t` (its start included, its end excluded).
    pub(crate) fn bolus_running(&self, t: i64, offset_ms: i64) -> bool {
        (t - self.phase_ms(offset_ms)).rem_euclid(self.period_ms()) < self.bolus_ms()
    }

    /// The first bolus start or end strictly after `t`.
    pub(crate) fn next_boundary(&self, t: i64, offset_ms: i64) -> i64 {
        let period = self.period_ms();
        let into = (t - self.phase_ms(offset_ms)).rem_euclid(period);
        let start = t - into;
        if into < self.bolus_ms() {
            start + self.bolus_ms()
        } else {
            start + period
        }
    }
}

/// What the motor is programmed to do.
#[derive(Debug, Clone, Copy, PartialEq)]
pub(crate) struct Program {
    /// Daily dose D, µg/day.
    pub(crate) dose: u32,
    /// Concentration c, µg/mL.
    pub(crate) concentration: u32,
    /// The flex shape when the flex schedule runs.
    pub(crate) flex: Option<FlexShape>,
    /// PTM bolus size ρ as a share of D.
    pub(crate) ptm_share: f64,
}

impl Program {
    /// The programmed daily flow `D/c` in nL/day (as f64).
    pub(crate) fn daily_nl(&self) -> f64 {
        f64::from(self.dose) * 1e6 / f64::from(self.concentration.max(1))
    }

    /// The programmed rate `R` in nL/day at a moment when `flex_bolus` tells whether a flex
    /// bolus runs and `ptm_boluses` PTM boluses run: integers, each part rounded at its start.
    #[allow(clippy::cast_possible_truncation, clippy::cast_sign_loss)]
    pub(crate) fn rate_nl_per_day(&self, flex_bolus: bool, ptm_boluses: u32) -> u64 {
        let daily = self.daily_nl();
        let mut rate = match self.flex {
            None => daily.round() as u64,
            Some(shape) => {
                let basal = (shape.basal_share * daily).round() as u64;
                if flex_bolus {
                    #[allow(clippy::cast_precision_loss)]
                    let per_bolus =
                        (1.0 - shape.basal_share) * daily / shape.boluses_per_day as f64;
                    #[allow(clippy::cast_precision_loss)]
                    let extra = per_bolus * 1_440.0 / shape.bolus_minutes as f64;
                    basal + extra.round() as u64
                } else {
                    basal
                }
            }
        };
        if ptm_boluses > 0 {
            let extra = (self.ptm_share * daily * 144.0).round() as u64;
            rate += extra * u64::from(ptm_boluses);
        }
        rate
    }
}

/// The PTM draws of day mark `day_mark` (§6.5, after η): `n = min(4, poisson(λ))` then `n`
/// uniforms over local 07:00–23:00 of the day that starts at the day mark (0003a §3): each
/// local clock time is placed at its first occurrence at or after the day mark. Returns the
/// start times, sorted; the caller applies the lockout.
#[allow(clippy::cast_possible_truncation)]
pub(crate) fn ptm_starts(
    draws: &mut Draws,
    rate_per_day: f64,
    day_mark: i64,
    offset_ms: i64,
) -> Vec<i64> {
    let n = draws.poisson(rate_per_day).min(PTM_MAX_PER_DAY);
    let local_at_mark = (day_mark + offset_ms).rem_euclid(DAY_MS);
    let mut starts: Vec<i64> = (0..n)
        .map(|_| {
            let local = 7 * HOUR_MS + (draws.uniform() * (16 * HOUR_MS) as f64) as i64;
            day_mark + (local - local_at_mark).rem_euclid(DAY_MS)
        })
        .collect();
    starts.sort_unstable();
    starts
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn flex_boluses_start_at_local_eight_and_every_period() {
        // Local = UTC + 2 h; 4 boluses of 30 minutes: local 08, 14, 20, 02 → UTC 06, 12, 18, 00.
        let shape = FlexShape {
            basal_share: 0.6,
            boluses_per_day: 4,
            bolus_minutes: 30,
        };
        let z = 2 * HOUR_MS;
        let day = 20_000 * DAY_MS;
        assert!(shape.bolus_running(day + 6 * HOUR_MS, z));
        assert!(shape.bolus_running(day, z));
        assert!(!shape.bolus_running(day + 6 * HOUR_MS + 30 * MINUTE_MS, z));
        assert!(!shape.bolus_running(day + 5 * HOUR_MS, z));
        assert_eq!(shape.next_boundary(day + HOUR_MS, z), day + 6 * HOUR_MS);
        assert_eq!(
            shape.next_boundary(day + 6 * HOUR_MS, z),
            day + 6 * HOUR_MS + 30 * MINUTE_MS
        );
    }

    #[test]
    fn a_flex_day_delivers_the_daily_dose() {
        let shape = FlexShape {
            basal_share: 0.5,
            boluses_per_day: 3,
            bolus_minutes: 15,
        };
        let p = Program {
            dose: 3_000,
            concentration: 10_000,
            flex: Some(shape),
            ptm_share: 0.05,
        };
        let basal = p.rate_nl_per_day(false, 0);
        let during = p.rate_nl_per_day(true, 0);
        // 0.3 mL/day: basal 150 µL/day, three boluses of 50 µL over 15 minutes.
        assert_eq!(basal, 150_000);
        let per_day = basal + (during - basal) * 3 * 15 / 1_440;
        assert_eq!(per_day, 300_000);
        // A PTM bolus of 5 % of 3 mg at 10 mg/mL is 15 µL over 10 minutes.
        assert_eq!(p.rate_nl_per_day(false, 1) - basal, 15_000 * 144);
    }
}
