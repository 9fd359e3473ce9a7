//! Pump alarms (annunciations): what the pump raised, how urgent it is, and what became of it.
//!
//! Every alarm event carries the pump's own event **sequence number**: it grows by one for each
//! event the pump records (alarms, refills, therapy changes…) and never repeats for one pump, so
//! "same pump + same sequence = same event". Replays after a reconnect are deduplicated on it.

use serde::{Deserialize, Serialize};

use super::UtcDateTime;

/// The pump's event sequence number: per pump, starts at 1, grows by one per recorded event.
pub type EventSequence = u32;

/// What the alarm is about.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[cfg_attr(feature = "uniffi", derive(uniffi::Enum))]
pub enum AlarmKind {
    /// The reservoir is below the pump's low-reservoir threshold: book a refill.
    ReservoirLow,
    /// The reservoir is empty: infusion has stopped or is about to; contact the clinic now.
    ReservoirEmpty,
    /// The battery reached its elective replacement indicator: plan the replacement.
    BatteryElectiveReplacement,
    /// The battery reached end of service: infusion has stopped.
    BatteryEndOfService,
    /// The catheter seems blocked or disconnected (flow does not match the pump's model).
    CatheterOcclusion,
    /// The pump motor stalled: infusion may have stopped.
    MotorStall,
    /// The pump's clock was lost or is wrong: dose timing may be off until it is set.
    ClockError,
    /// The pump's self-test found an internal fault.
    PumpFault,
    /// A code this version of Thecal does not know (a newer pump, or a maker-specific alarm).
    /// It is kept and shown with the priority the pump gave it, never dropped.
    Unrecognised {
        /// The pump's alarm code.
        code: u16,
    },
}

impl AlarmKind {
    /// The profile's wire code for this kind (see `docs/gatt-profile.md`).
    #[must_use]
    pub fn code(self) -> u16 {
        match self {
            Self::ReservoirLow => 0x0001,
            Self::ReservoirEmpty => 0x0002,
            Self::BatteryElectiveReplacement => 0x0003,
            Self::BatteryEndOfService => 0x0004,
            Self::CatheterOcclusion => 0x0005,
            Self::MotorStall => 0x0006,
            Self::ClockError => 0x0007,
            Self::PumpFault => 0x0008,
            Self::Unrecognised { code } => code,
        }
    }

    /// The kind for a wire code; unknown codes become [`AlarmKind::Unrecognised`].
    #[must_use]
    pub fn from_code(code: u16) -> Self {
        match code {
            0x0001 => Self::ReservoirLow,
            0x0002 => Self::ReservoirEmpty,
            0x0003 => Self::BatteryElectiveReplacement,
            0x0004 => Self::BatteryEndOfService,
            0x0005 => Self::CatheterOcclusion,
            0x0006 => Self::MotorStall,
            0x0007 => Self::ClockError,
            0x0008 => Self::PumpFault,
            code => Self::Unrecognised { code },
        }
    }

    /// The priority a pump following the profile gives this kind.
    #[must_use]
    pub fn usual_priority(self) -> AlarmPriority {
        match self {
            Self::ReservoirEmpty
            | Self::BatteryEndOfService
            | Self::CatheterOcclusion
            | Self::MotorStall
            | Self::PumpFault
            | Self::Unrecognised { .. } => AlarmPriority::High,
            Self::ReservoirLow | Self::BatteryElectiveReplacement => AlarmPriority::Medium,
            Self::ClockError => AlarmPriority::Low,
        }
    }

    /// A stable text code for storage and exports (`reservoir_low`, `unrecognised:32769`).
    #[must_use]
    pub fn text_code(self) -> String {
        match self {
            Self::ReservoirLow => "reservoir_low".into(),
            Self::ReservoirEmpty => "reservoir_empty".into(),
            Self::BatteryElectiveReplacement => "battery_eri".into(),
            Self::BatteryEndOfService => "battery_eos".into(),
            Self::CatheterOcclusion => "catheter_occlusion".into(),
            Self::MotorStall => "motor_stall".into(),
            Self::ClockError => "clock_error".into(),
            Self::PumpFault => "pump_fault".into(),
            Self::Unrecognised { code } => format!("unrecognised:{code}"),
        }
    }

    /// Parses [`AlarmKind::text_code`].
    #[must_use]
    pub fn from_text_code(text: &str) -> Option<Self> {
        if let Some(code) = text.strip_prefix("unrecognised:") {
            return code.parse().ok().map(|code| Self::Unrecognised { code });
        }
        (1..=8).map(Self::from_code).find(|k| k.text_code() == text)
    }
}

/// How urgent an alarm is (IEC 60601-1-8 style: high needs action now).
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
#[cfg_attr(feature = "uniffi", derive(uniffi::Enum))]
pub enum AlarmPriority {
    /// Can wait for the next convenient moment.
    Low,
    /// Needs action soon (days).
    Medium,
    /// Needs action now.
    High,
}

impl AlarmPriority {
    /// The stable text code used in storage.
    #[must_use]
    pub fn code(self) -> &'static str {
        match self {
            Self::Low => "low",
            Self::Medium => "medium",
            Self::High => "high",
        }
    }

    /// Parses [`AlarmPriority::code`].
    #[must_use]
    pub fn from_code(code: &str) -> Option<Self> {
        [Self::Low, Self::Medium, Self::High]
            .into_iter()
            .find(|p| p.code() == code)
    }
}

/// What happened to the alarm in this event.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[cfg_attr(feature = "uniffi", derive(uniffi::Enum))]
pub enum AlarmState {
    /// The pump raised the alarm (it is sounding).
    Raised,
    /// The condition is over (e.g. the pump was refilled).
    Cleared,
    /// Someone silenced it at the pump (clinician programmer or the external pump's button);
    /// the condition may still be there.
    Acknowledged,
}

impl AlarmState {
    /// The stable text code used in storage.
    #[must_use]
    pub fn code(self) -> &'static str {
        match self {
            Self::Raised => "raised",
            Self::Cleared => "cleared",
            Self::Acknowledged => "acknowledged",
        }
    }

    /// Parses [`AlarmState::code`].
    #[must_use]
    pub fn from_code(code: &str) -> Option<Self> {
        [Self::Raised, Self::Cleared, Self::Acknowledged]
            .into_iter()
            .find(|s| s.code() == code)
    }
}

/// One alarm event from the pump, live (annunciation) or replayed from its history.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[cfg_attr(feature = "uniffi", derive(uniffi::Record))]
pub struct PumpAlarm {
    /// The pump's event sequence number: the same pump never reuses it, so it deduplicates replays.
    pub sequence: EventSequence,
    /// When it happened, by the pump's clock.
    pub pump_time: UtcDateTime,
    /// What the alarm is about.
    pub kind: AlarmKind,
    /// How urgent it is, as the pump says.
    pub priority: AlarmPriority,
    /// Raised, cleared or acknowledged.
    pub state: AlarmState,
    /// The sequence of the event that raised this alarm: equal to `sequence` for
    /// [`AlarmState::Raised`], earlier for a clear or an acknowledgement. Links the three.
    pub raised_sequence: EventSequence,
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn codes_round_trip_and_unknown_codes_are_kept() {
        for code in 0..=0x0010_u16 {
            assert_eq!(AlarmKind::from_code(code).code(), code);
            let k = AlarmKind::from_code(code);
            assert_eq!(AlarmKind::from_text_code(&k.text_code()), Some(k));
        }
        assert_eq!(
            AlarmKind::from_code(0x8001),
            AlarmKind::Unrecognised { code: 0x8001 }
        );
        assert_eq!(AlarmKind::from_text_code("nonsense"), None);
        for p in [
            AlarmPriority::Low,
            AlarmPriority::Medium,
            AlarmPriority::High,
        ] {
            assert_eq!(AlarmPriority::from_code(p.code()), Some(p));
        }
        for s in [
            AlarmState::Raised,
            AlarmState::Cleared,
            AlarmState::Acknowledged,
        ] {
            assert_eq!(AlarmState::from_code(s.code()), Some(s));
        }
    }

    #[test]
    fn priorities_order_by_urgency() {
        assert!(AlarmPriority::High > AlarmPriority::Medium);
        assert!(AlarmPriority::Medium > AlarmPriority::Low);
        assert_eq!(AlarmKind::MotorStall.usual_priority(), AlarmPriority::High);
        assert_eq!(
            AlarmKind::ReservoirLow.usual_priority(),
            AlarmPriority::Medium
        );
    }
}
