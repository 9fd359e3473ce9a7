//! What a pump is: its kind, reservoir and identity.

use serde::{Deserialize, Serialize};

use super::{InvalidInput, Volume};

/// The two kinds of intrathecal delivery the product supports.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[cfg_attr(feature = "uniffi", derive(uniffi::Enum))]
pub enum PumpKind {
    /// A pump in a pocket under the skin of the abdomen, refilled by needle. Its battery cannot be
    /// replaced: at end of service the whole pump is replaced by surgery.
    Implanted,
    /// A pump worn outside the body (often for a trial), with a cassette or bag and a battery
    /// that can be changed.
    External,
}

#[cfg_attr(feature = "uniffi", uniffi::export)]
impl PumpKind {
    /// Whether the battery can be changed (external) rather than the whole pump (implanted).
    #[must_use]
    pub fn battery_replaceable(&self) -> bool {
        matches!(self, Self::External)
    }

    /// Whether `reservoir` is a reservoir this kind of pump can have.
    #[must_use]
    pub fn accepts_reservoir(&self, reservoir: ReservoirKind) -> bool {
        match self {
            Self::Implanted => reservoir == ReservoirKind::ImplantedChamber,
            Self::External => matches!(reservoir, ReservoirKind::Cassette | ReservoirKind::Bag),
        }
    }
}

/// What holds the drug.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[cfg_attr(feature = "uniffi", derive(uniffi::Enum))]
pub enum ReservoirKind {
    /// The implanted pump's chamber, refilled through the skin by needle (commonly 20 or 40 mL).
    ImplantedChamber,
    /// An external pump's medication cassette.
    Cassette,
    /// An external pump's bag.
    Bag,
}

/// Who made the pump and which one it is, as the pump reports it (Device Information Service).
#[derive(Debug, Clone, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[cfg_attr(feature = "uniffi", derive(uniffi::Record))]
pub struct DeviceInfo {
    /// Manufacturer name.
    pub manufacturer: String,
    /// Model name or number.
    pub model: String,
    /// Serial number: the pump's identity in the store.
    pub serial: String,
    /// Firmware revision.
    pub firmware_revision: String,
    /// Hardware revision, when the pump reports one.
    pub hardware_revision: Option<String>,
    /// Implanted or external.
    pub kind: PumpKind,
    /// What holds the drug.
    pub reservoir_kind: ReservoirKind,
    /// How much the reservoir holds when full.
    pub reservoir_capacity: Volume,
}

/// The largest reservoir we accept (an external bag); anything larger is a bad value.
pub const MAX_RESERVOIR: Volume = Volume::from_milliliters(1_000);

/// The longest text field we accept from a pump or caller.
pub const MAX_TEXT: usize = 64;

impl DeviceInfo {
    /// Checks the fields a person or a pump could get wrong.
    ///
    /// # Errors
    /// [`InvalidInput`] naming the first field that is wrong.
    pub fn validate(&self) -> Result<(), InvalidInput> {
        for (field, value) in [
            ("manufacturer", &self.manufacturer),
            ("model", &self.model),
            ("serial", &self.serial),
            ("firmware_revision", &self.firmware_revision),
        ] {
            check_text(field, value, true)?;
        }
        if let Some(hw) = &self.hardware_revision {
            check_text("hardware_revision", hw, false)?;
        }
        if !self.kind.accepts_reservoir(self.reservoir_kind) {
            return Err(InvalidInput::new(
                "reservoir_kind",
                "does not match the pump kind (an implanted pump has a chamber; an external pump a cassette or bag)",
            ));
        }
        if self.reservoir_capacity.microliters == 0 || self.reservoir_capacity > MAX_RESERVOIR {
            return Err(InvalidInput::new(
                "reservoir_capacity",
                "must be more than 0 mL and at most 1000 mL",
            ));
        }
        Ok(())
    }
}

fn check_text(field: &'static str, value: &str, required: bool) -> Result<(), InvalidInput> {
    if required && value.trim().is_empty() {
        return Err(InvalidInput::new(field, "must not be empty"));
    }
    if value.chars().count() > MAX_TEXT {
        return Err(InvalidInput::new(field, "is longer than 64 characters"));
    }
    if value.chars().any(char::is_control) {
        return Err(InvalidInput::new(field, "contains control characters"));
    }
    Ok(())
}

#[cfg(test)]
pub(crate) mod tests {
    use super::*;

    /// A valid implanted pump for tests.
    pub(crate) fn implanted() -> DeviceInfo {
        DeviceInfo {
            manufacturer: "Thecal Sim".into(),
            model: "TS-40".into(),
            serial: "SIM0001".into(),
            firmware_revision: "1.0.0".into(),
            hardware_revision: None,
            kind: PumpKind::Implanted,
            reservoir_kind: ReservoirKind::ImplantedChamber,
            reservoir_capacity: Volume::from_milliliters(40),
        }
    }

    #[test]
    fn a_valid_device_passes() {
        assert_eq!(implanted().validate(), Ok(()));
    }

    #[test]
    fn each_bad_field_is_named() {
        let mut d = implanted();
        d.serial = "  ".into();
        assert_eq!(d.validate().unwrap_err().field, "serial");

        let mut d = implanted();
        d.reservoir_kind = ReservoirKind::Bag;
        assert_eq!(d.validate().unwrap_err().field, "reservoir_kind");

        let mut d = implanted();
        d.reservoir_capacity = Volume::from_microliters(0);
        assert_eq!(d.validate().unwrap_err().field, "reservoir_capacity");

        let mut d = implanted();
        d.model = "x".repeat(65);
        assert_eq!(d.validate().unwrap_err().field, "model");

        let mut d = implanted();
        d.hardware_revision = Some("a\u{0}b".into());
        assert_eq!(d.validate().unwrap_err().field, "hardware_revision");
    }

    #[test]
    fn only_external_batteries_are_replaceable() {
        assert!(PumpKind::External.battery_replaceable());
        assert!(!PumpKind::Implanted.battery_replaceable());
    }
}
