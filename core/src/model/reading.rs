//! A status reading: what the pump said about itself at one moment.

use std::time::Duration;

use serde::{Deserialize, Serialize};

use super::{Concentration, DailyDose, InvalidInput, UtcDateTime, Volume};

/// The drug in the reservoir.
#[derive(Debug, Clone, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[cfg_attr(feature = "uniffi", derive(uniffi::Enum))]
pub enum Drug {
    /// Morphine (the most common intrathecal opioid).
    Morphine,
    /// Hydromorphone.
    Hydromorphone,
    /// Fentanyl.
    Fentanyl,
    /// Sufentanil.
    Sufentanil,
    /// Baclofen (for spasticity).
    Baclofen,
    /// Ziconotide.
    Ziconotide,
    /// Bupivacaine (a local anaesthetic, often in a mixture).
    Bupivacaine,
    /// Clonidine.
    Clonidine,
    /// Any other drug, by the name the clinic gave it.
    Other {
        /// The drug's name.
        name: String,
    },
}

impl Drug {
    /// The stable text code used in storage and exports (`morphine`, `other:NAME`).
    #[must_use]
    pub fn code(&self) -> String {
        match self {
            Self::Morphine => "morphine".into(),
            Self::Hydromorphone => "hydromorphone".into(),
            Self::Fentanyl => "fentanyl".into(),
            Self::Sufentanil => "sufentanil".into(),
            Self::Baclofen => "baclofen".into(),
            Self::Ziconotide => "ziconotide".into(),
            Self::Bupivacaine => "bupivacaine".into(),
            Self::Clonidine => "clonidine".into(),
            Self::Other { name } => format!("other:{name}"),
        }
    }

    /// Parses a [`Drug::code`]; `None` for text that is not one.
    #[must_use]
    pub fn from_code(code: &str) -> Option<Self> {
        Some(match code {
            "morphine" => Self::Morphine,
            "hydromorphone" => Self::Hydromorphone,
            "fentanyl" => Self::Fentanyl,
            "sufentanil" => Self::Sufentanil,
            "baclofen" => Self::Baclofen,
            "ziconotide" => Self::Ziconotide,
            "bupivacaine" => Self::Bupivacaine,
            "clonidine" => Self::Clonidine,
            other => Self::Other {
                name: other.strip_prefix("other:")?.to_owned(),
            },
        })
    }
}

/// How the pump is infusing.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[cfg_attr(feature = "uniffi", derive(uniffi::Enum))]
pub enum InfusionMode {
    /// The same rate all day.
    Continuous,
    /// A programmed schedule whose rate changes over the day (with periodic boluses).
    Flex,
    /// A clinician-programmed bolus is running.
    Bolus,
    /// Not infusing (e.g. at end of service, during an MRI, or stopped by the clinic).
    Stopped,
}

impl InfusionMode {
    /// The stable text code used in storage.
    #[must_use]
    pub fn code(self) -> &'static str {
        match self {
            Self::Continuous => "continuous",
            Self::Flex => "flex",
            Self::Bolus => "bolus",
            Self::Stopped => "stopped",
        }
    }

    /// Parses [`InfusionMode::code`].
    #[must_use]
    pub fn from_code(code: &str) -> Option<Self> {
        [Self::Continuous, Self::Flex, Self::Bolus, Self::Stopped]
            .into_iter()
            .find(|m| m.code() == code)
    }
}

/// Where the battery is in its life.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[cfg_attr(feature = "uniffi", derive(uniffi::Enum))]
pub enum BatteryIndicator {
    /// Nothing to plan yet.
    Normal,
    /// Elective replacement indicator: plan the replacement (implanted) or change the battery
    /// (external); the pump keeps running for a limited time.
    ElectiveReplacement,
    /// End of service: infusion stops.
    EndOfService,
}

impl BatteryIndicator {
    /// The stable text code used in storage.
    #[must_use]
    pub fn code(self) -> &'static str {
        match self {
            Self::Normal => "normal",
            Self::ElectiveReplacement => "eri",
            Self::EndOfService => "eos",
        }
    }

    /// Parses [`BatteryIndicator::code`].
    #[must_use]
    pub fn from_code(code: &str) -> Option<Self> {
        [Self::Normal, Self::ElectiveReplacement, Self::EndOfService]
            .into_iter()
            .find(|m| m.code() == code)
    }
}

/// The battery as the pump reports it.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[cfg_attr(feature = "uniffi", derive(uniffi::Record))]
pub struct BatteryStatus {
    /// Remaining charge, 0–100 %.
    pub percent: u8,
    /// The pump's own replacement indicator.
    pub indicator: BatteryIndicator,
}

/// One status reading. Every reading carries the UTC time it was taken, so its age is always
/// known and stale data can be shown as stale.
#[derive(Debug, Clone, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[cfg_attr(feature = "uniffi", derive(uniffi::Record))]
pub struct StatusReading {
    /// When the phone received the reading (UTC): the reading's age is measured from here.
    pub taken_at: UtcDateTime,
    /// The pump's own clock at that moment (may drift; shown if it is far off).
    pub pump_clock: UtcDateTime,
    /// Volume left in the reservoir.
    pub reservoir_volume: Volume,
    /// Volume of the reservoir when full.
    pub reservoir_capacity: Volume,
    /// How the pump is infusing.
    pub mode: InfusionMode,
    /// The programmed dose over 24 hours, boluses included.
    pub daily_dose: DailyDose,
    /// The drug in the reservoir.
    pub drug: Drug,
    /// Its concentration.
    pub concentration: Concentration,
    /// The battery.
    pub battery: BatteryStatus,
}

#[cfg_attr(feature = "uniffi", uniffi::export)]
impl StatusReading {
    /// How old the reading is at `now` (zero if `now` is before it, as after a clock change).
    #[must_use]
    pub fn age(&self, now: UtcDateTime) -> Duration {
        (now - self.taken_at).to_std().unwrap_or(Duration::ZERO)
    }

    /// Reservoir fill in percent (0–100), for display.
    #[must_use]
    pub fn reservoir_percent(&self) -> f64 {
        if self.reservoir_capacity.microliters == 0 {
            return 0.0;
        }
        f64::from(self.reservoir_volume.microliters) * 100.0
            / f64::from(self.reservoir_capacity.microliters)
    }
}

impl StatusReading {
    /// Checks that the values are physically possible.
    ///
    /// # Errors
    /// [`InvalidInput`] naming the first impossible field.
    pub fn validate(&self) -> Result<(), InvalidInput> {
        if self.reservoir_capacity.microliters == 0
            || self.reservoir_capacity > super::MAX_RESERVOIR
        {
            return Err(InvalidInput::new(
                "reservoir_capacity",
                "must be more than 0 mL and at most 1000 mL",
            ));
        }
        if self.reservoir_volume > self.reservoir_capacity {
            return Err(InvalidInput::new(
                "reservoir_volume",
                "is more than the reservoir holds",
            ));
        }
        if self.battery.percent > 100 {
            return Err(InvalidInput::new(
                "battery.percent",
                "must be between 0 and 100",
            ));
        }
        if let Drug::Other { name } = &self.drug
            && (name.trim().is_empty() || name.chars().count() > super::MAX_TEXT)
        {
            return Err(InvalidInput::new(
                "drug",
                "needs a name of 1 to 64 characters",
            ));
        }
        Ok(())
    }
}

#[cfg(test)]
pub(crate) mod tests {
    use super::*;
    use chrono::TimeZone;

    /// A valid reading for tests: 40 mL pump, 18.5 mL left, morphine 25 mg/mL at 5 mg/day.
    pub(crate) fn reading(at: UtcDateTime) -> StatusReading {
        StatusReading {
            taken_at: at,
            pump_clock: at,
            reservoir_volume: Volume::from_microliters(18_500),
            reservoir_capacity: Volume::from_milliliters(40),
            mode: InfusionMode::Continuous,
            daily_dose: DailyDose {
                micrograms_per_day: 5_000,
            },
            drug: Drug::Morphine,
            concentration: Concentration::from_mg_per_ml(25),
            battery: BatteryStatus {
                percent: 87,
                indicator: BatteryIndicator::Normal,
            },
        }
    }

    fn t0() -> UtcDateTime {
        chrono::Utc.with_ymd_and_hms(2026, 11, 25, 9, 0, 0).unwrap()
    }

    #[test]
    fn age_is_measured_from_taken_at_and_never_negative() {
        let r = reading(t0());
        assert_eq!(
            r.age(t0() + chrono::Duration::minutes(31)),
            Duration::from_secs(31 * 60)
        );
        assert_eq!(r.age(t0() - chrono::Duration::minutes(5)), Duration::ZERO);
    }

    #[test]
    fn percent() {
        assert!((reading(t0()).reservoir_percent() - 46.25).abs() < 1e-9);
    }

    #[test]
    fn impossible_values_are_named() {
        let mut r = reading(t0());
        r.reservoir_volume = Volume::from_milliliters(41);
        assert_eq!(r.validate().unwrap_err().field, "reservoir_volume");
        let mut r = reading(t0());
        r.battery.percent = 101;
        assert_eq!(r.validate().unwrap_err().field, "battery.percent");
        let mut r = reading(t0());
        r.drug = Drug::Other {
            name: String::new(),
        };
        assert_eq!(r.validate().unwrap_err().field, "drug");
        assert_eq!(reading(t0()).validate(), Ok(()));
    }

    #[test]
    fn codes_round_trip() {
        for d in [
            Drug::Morphine,
            Drug::Ziconotide,
            Drug::Other {
                name: "mix A".into(),
            },
        ] {
            assert_eq!(Drug::from_code(&d.code()), Some(d));
        }
        assert_eq!(Drug::from_code("nonsense"), None);
        for m in [
            InfusionMode::Continuous,
            InfusionMode::Flex,
            InfusionMode::Bolus,
            InfusionMode::Stopped,
        ] {
            assert_eq!(InfusionMode::from_code(m.code()), Some(m));
        }
        for b in [
            BatteryIndicator::Normal,
            BatteryIndicator::ElectiveReplacement,
            BatteryIndicator::EndOfService,
        ] {
            assert_eq!(BatteryIndicator::from_code(b.code()), Some(b));
        }
    }
}
