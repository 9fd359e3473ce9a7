//! The pump's therapy records as the apps see them: alarms and their lifecycle, the refill log,
//! and what a pump model says about itself.

use super::ResidualCheck;
use crate::model::{
    AlarmKind, AlarmPriority, Concentration, DailyDose, DeviceInfo, Drug, EventSequence,
    FUTURE_TOLERANCE, InvalidInput, MAX_TEXT, UtcDateTime, Volume,
};

/// One alarm and what became of it. `raised_at` is `None` while only a later event of the alarm
/// (a clear replayed before its raise) has been seen.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize)]
#[cfg_attr(feature = "uniffi", derive(uniffi::Record))]
pub struct AlarmRecord {
    /// The store's id for the alarm (for acknowledging it in the app).
    pub id: i64,
    /// The pump's sequence number of the raise.
    pub raised_sequence: EventSequence,
    /// What the alarm is about.
    pub kind: AlarmKind,
    /// How urgent it is.
    pub priority: AlarmPriority,
    /// When the pump raised it (pump clock).
    pub raised_at: Option<UtcDateTime>,
    /// When the condition ended (pump clock), if it has.
    pub cleared_at: Option<UtcDateTime>,
    /// When it was silenced at the pump, if it was.
    pub pump_acknowledged_at: Option<UtcDateTime>,
    /// When the patient acknowledged it in the app (never sent to the pump).
    pub app_acknowledged_at: Option<UtcDateTime>,
}

/// Where a refill was done.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, serde::Serialize)]
#[cfg_attr(feature = "uniffi", derive(uniffi::Enum))]
pub enum RefillPlace {
    /// At the clinic.
    Clinic,
    /// At home (by a visiting nurse).
    Home,
}

/// Where a refill record came from.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, serde::Serialize)]
#[cfg_attr(feature = "uniffi", derive(uniffi::Enum))]
pub enum RefillSource {
    /// The pump's own history.
    Pump,
    /// Entered by hand in the app.
    Manual,
}

/// A refill entered by hand (e.g. a clinic visit the phone did not see).
#[derive(Debug, Clone, PartialEq, Eq)]
#[cfg_attr(feature = "uniffi", derive(uniffi::Record))]
pub struct RefillEntry {
    /// When.
    pub at: UtcDateTime,
    /// Volume withdrawn and measured just before (the residual on the clinic's printout), if
    /// known.
    pub volume_before: Option<Volume>,
    /// Volume after the refill.
    pub volume_after: Volume,
    /// The drug now in the reservoir.
    pub drug: Drug,
    /// Its concentration.
    pub concentration: Concentration,
    /// The daily dose programmed at the refill.
    pub daily_dose: DailyDose,
    /// Where it was done, if known.
    pub place: Option<RefillPlace>,
    /// The volume the pump expected to be left (also on the printout), if known; when not
    /// given, the app works it out from the pump's readings.
    #[cfg_attr(feature = "uniffi", uniffi(default))]
    pub expected_before: Option<Volume>,
}

/// One refill in the log, with what changed since the refill before it.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize)]
#[cfg_attr(feature = "uniffi", derive(uniffi::Record))]
pub struct RefillRecord {
    /// The store's id.
    pub id: i64,
    /// When.
    pub at: UtcDateTime,
    /// Volume left just before, if known.
    pub volume_before: Option<Volume>,
    /// Volume after.
    pub volume_after: Volume,
    /// Volume added, if the volume before is known.
    pub volume_added: Option<Volume>,
    /// The drug now in the reservoir.
    pub drug: Drug,
    /// Its concentration.
    pub concentration: Concentration,
    /// The daily dose after the refill.
    pub daily_dose: DailyDose,
    /// Where it was done, if known.
    pub place: Option<RefillPlace>,
    /// Pump history or entered by hand.
    pub source: RefillSource,
    /// The drug differs from the refill before: flagged for the patient and clinician.
    pub drug_changed: bool,
    /// The concentration differs from the refill before: flagged.
    pub concentration_changed: bool,
    /// The daily dose differs from the refill before.
    pub dose_changed: bool,
    /// The measured residual against the expected one, when both are known (refills stored
    /// before this check existed have none).
    pub residual_check: Option<ResidualCheck>,
}

/// What the pump model says about itself (from its driver), as far as stored.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub struct PumpSettings {
    /// The volume at which the pump raises "reservoir low".
    pub low_reservoir_threshold: Option<Volume>,
    /// Days from ERI to EOS.
    pub eri_to_eos_days: Option<u16>,
    /// The battery level at which the pump raises ERI.
    pub eri_battery_percent: Option<u8>,
    /// The longest the model runs from implant to ERI, in days.
    pub service_life_days: Option<u16>,
}

impl PumpSettings {
    /// What a driver's capabilities say about the model.
    #[must_use]
    pub fn from_capabilities(caps: &crate::pump::Capabilities) -> Self {
        Self {
            low_reservoir_threshold: Some(caps.low_reservoir_threshold),
            eri_to_eos_days: caps.eri_to_eos_days,
            eri_battery_percent: Some(caps.eri_battery_percent),
            service_life_days: caps.service_life_days,
        }
    }
}

impl RefillEntry {
    /// Checks the entry against the pump it is for and the time `now`.
    ///
    /// # Errors
    /// [`InvalidInput`] naming the first wrong field.
    pub fn validate(&self, pump: &DeviceInfo, now: UtcDateTime) -> Result<(), InvalidInput> {
        if self.at > now + FUTURE_TOLERANCE {
            return Err(InvalidInput::new("at", "is in the future"));
        }
        if self.volume_after > pump.reservoir_capacity {
            return Err(InvalidInput::new(
                "volume_after",
                "is more than the reservoir holds",
            ));
        }
        if self
            .volume_before
            .is_some_and(|v| v > pump.reservoir_capacity)
        {
            return Err(InvalidInput::new(
                "volume_before",
                "is more than the reservoir holds",
            ));
        }
        if self
            .expected_before
            .is_some_and(|v| v > pump.reservoir_capacity)
        {
            return Err(InvalidInput::new(
                "expected_before",
                "is more than the reservoir holds",
            ));
        }
        if self.concentration.micrograms_per_milliliter == 0 {
            return Err(InvalidInput::new("concentration", "must be more than 0"));
        }
        if let Drug::Other { name } = &self.drug
            && (name.trim().is_empty() || name.chars().count() > MAX_TEXT)
        {
            return Err(InvalidInput::new(
                "drug",
                "needs a name of 1 to 64 characters",
            ));
        }
        Ok(())
    }
}
