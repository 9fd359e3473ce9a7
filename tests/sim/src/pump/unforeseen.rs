//! The unforeseen scenario U1, a partial catheter occlusion (decision 0003 §11). Off unless a
//! backtest enables it; the forecasters are not built for it.

use super::streams::{Draws, Stream};

/// The scenarios the record defines (§11). Only for backtests that say so.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
#[non_exhaustive]
pub enum Unforeseen {
    /// U1: the catheter slowly clogs from a random day; less drug leaves the reservoir than the
    /// pump believes, no alarm sounds, residuals come back large; the clinic raises the dose and,
    /// after two discrepant refills, revises the catheter.
    CatheterOcclusion,
}

/// U1's parameters (UNFORESEEN stream 0, in order).
#[derive(Debug, Clone, Copy, PartialEq)]
pub(crate) struct Occlusion {
    /// Onset day `d_on`.
    pub(crate) onset_day: i64,
    /// Ramp length `R_o`, days.
    pub(crate) ramp_days: i64,
    /// Floor `o_min`.
    pub(crate) floor: f64,
    /// Delay from the second discrepant refill to the revision, days.
    pub(crate) revision_delay_days: f64,
    /// Dose cut at the revision (fraction).
    pub(crate) dose_cut: f64,
}

impl Occlusion {
    /// The parameters of pump `seed`.
    #[allow(clippy::cast_possible_truncation)]
    pub(crate) fn draw(seed: u64) -> Self {
        let mut d = Draws::new(seed, Stream::Unforeseen, 0);
        Self {
            onset_day: d.uniform_in(365.0, 1_461.0).floor() as i64,
            ramp_days: d.uniform_in(30.0, 90.0).floor() as i64,
            floor: d.uniform_in(0.55, 0.85),
            revision_delay_days: d.uniform_in(14.0, 42.0),
            dose_cut: d.uniform_in(0.20, 0.30),
        }
    }

    /// `o_d` on day `d` (before any revision).
    #[allow(clippy::cast_precision_loss)]
    pub(crate) fn factor(&self, d: i64) -> f64 {
        if d < self.onset_day {
            return 1.0;
        }
        let ramp = ((d - self.onset_day + 1) as f64 / self.ramp_days.max(1) as f64).min(1.0);
        1.0 - (1.0 - self.floor) * ramp
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_occlusion_ramps_to_its_floor() {
        let o = Occlusion {
            onset_day: 400,
            ramp_days: 50,
            floor: 0.6,
            revision_delay_days: 20.0,
            dose_cut: 0.25,
        };
        assert!((o.factor(399) - 1.0).abs() < f64::EPSILON);
        assert!((o.factor(400) - (1.0 - 0.4 / 50.0)).abs() < 1e-12);
        assert!((o.factor(449) - 0.6).abs() < 1e-12);
        assert!((o.factor(2_000) - 0.6).abs() < 1e-12);
        let drawn = Occlusion::draw(3);
        assert!((365..1_461).contains(&drawn.onset_day));
        assert!((30..90).contains(&drawn.ramp_days));
    }
}
