//! The pump's own history: every event it recorded (alarms, refills, therapy changes…), each with
//! the pump's event sequence number, so events that happened while the phone was away are
//! replayed on reconnect and stored once.

use serde::{Deserialize, Serialize};

use super::{
    AlarmKind, AlarmPriority, AlarmState, Concentration, DailyDose, Drug, EventSequence,
    InfusionMode, PumpAlarm, UtcDateTime, Volume,
};

/// A refill (implanted pump, by needle) or a new cassette/bag (external pump).
#[derive(Debug, Clone, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[cfg_attr(feature = "uniffi", derive(uniffi::Record))]
pub struct Refill {
    /// Volume left just before (what was withdrawn or discarded).
    pub volume_before: Volume,
    /// Volume after the refill.
    pub volume_after: Volume,
    /// The drug now in the reservoir.
    pub drug: Drug,
    /// Its concentration.
    pub concentration: Concentration,
    /// The daily dose programmed at the refill.
    pub daily_dose: DailyDose,
}

/// What a history event records.
#[derive(Debug, Clone, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[cfg_attr(feature = "uniffi", derive(uniffi::Enum))]
pub enum HistoryDetail {
    /// An alarm was raised, cleared or acknowledged.
    Alarm {
        /// What the alarm is about.
        kind: AlarmKind,
        /// How urgent it is.
        priority: AlarmPriority,
        /// What happened to it.
        state: AlarmState,
        /// The sequence of the event that raised it (equal to the event's own for a raise).
        raised_sequence: EventSequence,
    },
    /// The reservoir was refilled (or a cassette/bag changed).
    Refill {
        /// What the refill did.
        refill: Refill,
    },
    /// The clinic reprogrammed the therapy (mode or daily dose) without a refill.
    TherapyChanged {
        /// The new mode.
        mode: InfusionMode,
        /// The new daily dose.
        daily_dose: DailyDose,
    },
    /// An external pump's battery was changed.
    BatteryReplaced {
        /// Charge of the new battery, 0–100 %.
        percent: u8,
    },
    /// The pump's clock was set (by the clinician programmer); the event's time is the new time.
    ClockSet {
        /// The pump's time just before it was set.
        previous: UtcDateTime,
    },
}

/// One event from the pump's history.
#[derive(Debug, Clone, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[cfg_attr(feature = "uniffi", derive(uniffi::Record))]
pub struct HistoryEvent {
    /// The pump's event sequence number: same pump + same sequence = same event.
    pub sequence: EventSequence,
    /// When it happened, by the pump's clock.
    pub pump_time: UtcDateTime,
    /// What happened.
    pub detail: HistoryDetail,
}

impl HistoryEvent {
    /// The alarm this event records, if it is an alarm event.
    #[must_use]
    pub fn as_alarm(&self) -> Option<PumpAlarm> {
        match self.detail {
            HistoryDetail::Alarm {
                kind,
                priority,
                state,
                raised_sequence,
            } => Some(PumpAlarm {
                sequence: self.sequence,
                pump_time: self.pump_time,
                kind,
                priority,
                state,
                raised_sequence,
            }),
            _ => None,
        }
    }

    /// A stable text code of the event's type for storage (`alarm`, `refill`, …).
    #[must_use]
    pub fn type_code(&self) -> &'static str {
        match self.detail {
            HistoryDetail::Alarm { .. } => "alarm",
            HistoryDetail::Refill { .. } => "refill",
            HistoryDetail::TherapyChanged { .. } => "therapy_changed",
            HistoryDetail::BatteryReplaced { .. } => "battery_replaced",
            HistoryDetail::ClockSet { .. } => "clock_set",
        }
    }
}

impl From<PumpAlarm> for HistoryEvent {
    fn from(a: PumpAlarm) -> Self {
        Self {
            sequence: a.sequence,
            pump_time: a.pump_time,
            detail: HistoryDetail::Alarm {
                kind: a.kind,
                priority: a.priority,
                state: a.state,
                raised_sequence: a.raised_sequence,
            },
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use chrono::TimeZone;

    #[test]
    fn an_alarm_survives_the_trip_through_history() {
        let alarm = PumpAlarm {
            sequence: 42,
            pump_time: chrono::Utc.with_ymd_and_hms(2026, 1, 2, 3, 4, 5).unwrap(),
            kind: AlarmKind::MotorStall,
            priority: AlarmPriority::High,
            state: AlarmState::Raised,
            raised_sequence: 42,
        };
        let event = HistoryEvent::from(alarm);
        assert_eq!(event.type_code(), "alarm");
        assert_eq!(event.as_alarm(), Some(alarm));
        let refill = HistoryEvent {
            sequence: 43,
            pump_time: alarm.pump_time,
            detail: HistoryDetail::BatteryReplaced { percent: 100 },
        };
        assert_eq!(refill.as_alarm(), None);
    }
}
