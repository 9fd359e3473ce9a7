//! The refill check: at each refill the clinic withdraws what is left in the reservoir and
//! measures it. The pump only counts what it was programmed to deliver, so the volume it expects
//! to be left can differ from what is found. A difference beyond the pump's flow accuracy can
//! mean a pump or catheter problem or a dosing error, so the refill is flagged until the patient
//! marks it as discussed with the clinic.
//!
//! The tolerance is the pump's labelled flow-rate accuracy (±14.5 % of the programmed volume for
//! the reference implanted pump class: Medtronic defines over-infusion as more than 14.5 % above
//! the programmed rate, HK MDD safety alert of 18 March 2014), and never less than 1 mL, because
//! a residual read off a syringe, with fluid left in the pump, is only good to a few tenths of a
//! millilitre.

use crate::model::{UtcDateTime, Volume};

/// The pump's labelled flow-rate accuracy, as a fraction of the programmed volume.
pub const FLOW_ACCURACY: f64 = 0.145;

/// The smallest difference that is flagged, whatever the programmed volume.
pub const MIN_FLAGGED_DIFFERENCE: Volume = Volume::from_milliliters(1);

/// What the residual at a refill says.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, serde::Serialize)]
#[cfg_attr(feature = "uniffi", derive(uniffi::Enum))]
pub enum ResidualFinding {
    /// Within the pump's accuracy of what was expected.
    AsExpected,
    /// More was left than expected: less drug reached the patient than programmed (a blocked
    /// or leaking catheter, a pump that under-delivers, or a dosing error). Flagged.
    MoreLeftThanExpected,
    /// Less was left than expected: more left the reservoir than programmed (a pump that
    /// over-delivers, drug lost at a refill, or a dosing error). Flagged.
    LessLeftThanExpected,
}

/// The measured residual at a refill, against what the pump expected.
#[derive(Debug, Clone, Copy, PartialEq, Eq, serde::Serialize)]
#[cfg_attr(feature = "uniffi", derive(uniffi::Record))]
pub struct ResidualCheck {
    /// What the pump's count said was left just before the refill.
    pub expected: Volume,
    /// What the clinic withdrew and measured.
    pub measured: Volume,
    /// What the pump was programmed to deliver since the refill before.
    pub programmed: Volume,
    /// `(measured − expected) / programmed`, in percent, rounded to a whole percent: positive
    /// when more was left than expected.
    pub difference_percent: i32,
    /// What it means.
    pub finding: ResidualFinding,
    /// When the patient marked it as discussed with the clinic (a flagged refill shows on the
    /// dashboard until then).
    pub discussed_at: Option<UtcDateTime>,
}

impl ResidualCheck {
    /// Checks `measured` against `expected` for an interval in which `programmed` was to be
    /// delivered. `None` when nothing was programmed (no basis for a percentage).
    #[must_use]
    pub fn new(
        expected: Volume,
        measured: Volume,
        programmed: Volume,
        discussed_at: Option<UtcDateTime>,
    ) -> Option<Self> {
        if programmed.microliters == 0 {
            return None;
        }
        let diff = i64::from(measured.microliters) - i64::from(expected.microliters);
        let tolerance = (FLOW_ACCURACY * f64::from(programmed.microliters))
            .max(f64::from(MIN_FLAGGED_DIFFERENCE.microliters));
        let finding = if (diff.unsigned_abs() as f64) <= tolerance {
            ResidualFinding::AsExpected
        } else if diff > 0 {
            ResidualFinding::MoreLeftThanExpected
        } else {
            ResidualFinding::LessLeftThanExpected
        };
        let percent = (diff as f64 * 100.0 / f64::from(programmed.microliters)).round();
        Some(Self {
            expected,
            measured,
            programmed,
            difference_percent: percent.clamp(-10_000.0, 10_000.0) as i32,
            finding,
            discussed_at,
        })
    }

    /// Whether the refill is flagged: the residual is outside the pump's accuracy.
    #[must_use]
    pub fn is_flagged(&self) -> bool {
        self.finding != ResidualFinding::AsExpected
    }

    /// Whether it still needs the patient's attention: flagged and not yet discussed.
    #[must_use]
    pub fn needs_discussion(&self) -> bool {
        self.is_flagged() && self.discussed_at.is_none()
    }

    /// The share of the programmed volume that actually left the reservoir, minus one: positive
    /// when the pump delivered more than programmed. What the forecasts learn from.
    #[must_use]
    pub fn delivery_excess(&self) -> f64 {
        (f64::from(self.expected.microliters) - f64::from(self.measured.microliters))
            / f64::from(self.programmed.microliters)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn ml(x: f64) -> Volume {
        Volume::from_microliters((x * 1000.0) as u32)
    }

    #[test]
    fn within_the_pumps_accuracy_is_as_expected() {
        // 36 mL programmed: the tolerance is 14.5 % = 5.22 mL.
        let c = ResidualCheck::new(ml(4.0), ml(9.2), ml(36.0), None).unwrap();
        assert_eq!(c.finding, ResidualFinding::AsExpected);
        assert_eq!(c.difference_percent, 14);
        assert!(!c.needs_discussion());
        let c = ResidualCheck::new(ml(6.0), ml(0.7), ml(36.0), None).unwrap();
        assert_eq!(c.finding, ResidualFinding::LessLeftThanExpected);
        assert_eq!(c.difference_percent, -15);
        assert!(c.needs_discussion());
    }

    #[test]
    fn a_blocked_catheter_leaves_more_than_expected() {
        let c = ResidualCheck::new(ml(4.0), ml(12.0), ml(36.0), None).unwrap();
        assert_eq!(c.finding, ResidualFinding::MoreLeftThanExpected);
        assert_eq!(c.difference_percent, 22);
        assert!((c.delivery_excess() + 8.0 / 36.0).abs() < 1e-9);
    }

    #[test]
    fn small_intervals_are_not_flagged_for_a_syringe_reading() {
        // 14.5 % of 4 mL is 0.58 mL, but a residual is only good to a few tenths of a mL.
        let c = ResidualCheck::new(ml(2.0), ml(2.9), ml(4.0), None).unwrap();
        assert_eq!(c.finding, ResidualFinding::AsExpected);
        let c = ResidualCheck::new(ml(2.0), ml(3.1), ml(4.0), None).unwrap();
        assert_eq!(c.finding, ResidualFinding::MoreLeftThanExpected);
    }

    #[test]
    fn discussed_is_still_flagged_but_no_longer_needs_attention() {
        let at = chrono::DateTime::from_timestamp(1_800_000_000, 0).unwrap();
        let c = ResidualCheck::new(ml(4.0), ml(12.0), ml(36.0), Some(at)).unwrap();
        assert!(c.is_flagged() && !c.needs_discussion());
        assert!(ResidualCheck::new(ml(4.0), ml(12.0), ml(0.0), None).is_none());
    }
}
