//! Units as explicit types: a volume is never a bare float in the API.
//!
//! Values are whole numbers of the smallest unit a pump reports (microlitres, micrograms), so
//! they compare exactly and store losslessly; the `*_ml`/`*_mg` helpers are for display.

use serde::{Deserialize, Serialize};

/// A volume of liquid, in microlitres (1 mL = 1,000 µL).
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
#[cfg_attr(feature = "uniffi", derive(uniffi::Record))]
pub struct Volume {
    /// Microlitres.
    pub microliters: u32,
}

impl Volume {
    /// A volume of `microliters` µL.
    #[must_use]
    pub const fn from_microliters(microliters: u32) -> Self {
        Self { microliters }
    }

    /// A volume of whole millilitres.
    #[must_use]
    pub const fn from_milliliters(milliliters: u32) -> Self {
        Self {
            microliters: milliliters.saturating_mul(1000),
        }
    }
}

#[cfg_attr(feature = "uniffi", uniffi::export)]
impl Volume {
    /// The volume in millilitres, for display.
    #[must_use]
    pub fn milliliters(&self) -> f64 {
        f64::from(self.microliters) / 1000.0
    }
}

/// A drug concentration, in micrograms per millilitre (25 mg/mL = 25,000 µg/mL).
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
#[cfg_attr(feature = "uniffi", derive(uniffi::Record))]
pub struct Concentration {
    /// Micrograms of drug in each millilitre.
    pub micrograms_per_milliliter: u32,
}

impl Concentration {
    /// Whole milligrams per millilitre.
    #[must_use]
    pub const fn from_mg_per_ml(mg: u32) -> Self {
        Self {
            micrograms_per_milliliter: mg.saturating_mul(1000),
        }
    }
}

#[cfg_attr(feature = "uniffi", uniffi::export)]
impl Concentration {
    /// mg/mL, for display.
    #[must_use]
    pub fn milligrams_per_milliliter(&self) -> f64 {
        f64::from(self.micrograms_per_milliliter) / 1000.0
    }

    /// The volume that carries `dose` at this concentration, rounded to the nearest µL;
    /// `None` for a zero concentration (nothing to infuse, or an unknown drug).
    #[must_use]
    pub fn volume_for(&self, dose: DailyDose) -> Option<Volume> {
        if self.micrograms_per_milliliter == 0 {
            return None;
        }
        let conc = u64::from(self.micrograms_per_milliliter);
        // µg ÷ (µg/mL) = mL; × 1000 = µL. Rounded half up.
        let ul = (u64::from(dose.micrograms_per_day) * 1000 + conc / 2) / conc;
        Some(Volume::from_microliters(
            u32::try_from(ul).unwrap_or(u32::MAX),
        ))
    }
}

/// A dose over one day, in micrograms per day (10 mg/day = 10,000 µg/day).
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
#[cfg_attr(feature = "uniffi", derive(uniffi::Record))]
pub struct DailyDose {
    /// Micrograms per 24 hours.
    pub micrograms_per_day: u32,
}

#[cfg_attr(feature = "uniffi", uniffi::export)]
impl DailyDose {
    /// mg/day, for display.
    #[must_use]
    pub fn milligrams_per_day(&self) -> f64 {
        f64::from(self.micrograms_per_day) / 1000.0
    }
}

/// Micrograms as a person reads them: below one milligram in µg ("25 µg"), else in mg with
/// at most two decimals and no trailing zeros ("1.25 mg", "25 mg").
fn micrograms_text(ug: u32) -> String {
    if ug < 1000 {
        return format!("{ug}\u{a0}µg");
    }
    let mg = format!("{:.2}", f64::from(ug) / 1000.0);
    let mg = mg.trim_end_matches('0').trim_end_matches('.');
    format!("{mg}\u{a0}mg")
}

/// "25 mg/mL", "2.5 mg/mL", "100 µg/mL" (ziconotide is measured in micrograms).
impl std::fmt::Display for Concentration {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "{}/mL", micrograms_text(self.micrograms_per_milliliter))
    }
}

/// "5 mg/day", "1.25 mg/day", "12 µg/day".
impl std::fmt::Display for DailyDose {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "{}/day", micrograms_text(self.micrograms_per_day))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn doses_and_strengths_read_in_the_unit_a_label_uses() {
        let c = |ug| Concentration {
            micrograms_per_milliliter: ug,
        };
        let d = |ug| DailyDose {
            micrograms_per_day: ug,
        };
        assert_eq!(c(25_000).to_string(), "25\u{a0}mg/mL");
        assert_eq!(c(2_500).to_string(), "2.5\u{a0}mg/mL");
        assert_eq!(c(100).to_string(), "100\u{a0}µg/mL");
        assert_eq!(d(1_250).to_string(), "1.25\u{a0}mg/day");
        assert_eq!(d(12).to_string(), "12\u{a0}µg/day");
        assert_eq!(
            d(10_004).to_string(),
            "10\u{a0}mg/day",
            "no false precision"
        );
    }

    #[test]
    fn volume_for_a_daily_dose() {
        // 5 mg/day of morphine at 25 mg/mL is 0.2 mL/day.
        let c = Concentration::from_mg_per_ml(25);
        let d = DailyDose {
            micrograms_per_day: 5_000,
        };
        assert_eq!(c.volume_for(d), Some(Volume::from_microliters(200)));
        // 1 µg/day at 3 µg/mL rounds to 333 µL.
        let c = Concentration {
            micrograms_per_milliliter: 3,
        };
        assert_eq!(
            c.volume_for(DailyDose {
                micrograms_per_day: 1
            }),
            Some(Volume::from_microliters(333))
        );
        assert_eq!(
            Concentration {
                micrograms_per_milliliter: 0
            }
            .volume_for(d),
            None
        );
    }

    #[test]
    fn display_helpers() {
        assert!((Volume::from_milliliters(20).milliliters() - 20.0).abs() < f64::EPSILON);
        assert!(
            (Concentration::from_mg_per_ml(10).milligrams_per_milliliter() - 10.0).abs() < 1e-9
        );
        assert!(
            (DailyDose {
                micrograms_per_day: 2_500
            }
            .milligrams_per_day()
                - 2.5)
                .abs()
                < 1e-9
        );
    }
}
