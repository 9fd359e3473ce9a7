//! The pump's own history and alarm states (profile v1 §7): sequence numbers from 1, a bounded
//! store that overwrites the oldest, and the alarm lifecycle of §7.8.

use std::collections::VecDeque;

use thecal_core::model::{
    AlarmKind, AlarmState, EventSequence, HistoryDetail, HistoryEvent, UtcDateTime,
};

/// The history, the active alarms, and the alarm events not yet handed to the link.
#[derive(Debug, Clone)]
pub(crate) struct Log {
    events: VecDeque<HistoryEvent>,
    capacity: usize,
    next_sequence: EventSequence,
    active: Vec<(AlarmKind, EventSequence)>,
    /// Alarm events recorded while `announce` was set, for the Annunciation characteristic.
    fresh: Vec<HistoryEvent>,
    /// Whether alarm events are kept for annunciation (a phone is subscribed).
    pub(crate) announce: bool,
}

impl Log {
    /// An empty history keeping at least `capacity` events.
    pub(crate) fn new(capacity: u16) -> Self {
        Self {
            events: VecDeque::new(),
            capacity: usize::from(capacity.max(1)),
            next_sequence: 1,
            active: Vec::new(),
            fresh: Vec::new(),
            announce: true,
        }
    }

    /// The events kept, oldest first.
    pub(crate) fn events(&self) -> &VecDeque<HistoryEvent> {
        &self.events
    }

    /// The newest sequence recorded (0 if none).
    pub(crate) fn newest_sequence(&self) -> EventSequence {
        self.next_sequence - 1
    }

    /// The active alarms with the sequence that raised each.
    pub(crate) fn active(&self) -> &[(AlarmKind, EventSequence)] {
        &self.active
    }

    /// Whether `kind` is active.
    pub(crate) fn is_active(&self, kind: AlarmKind) -> bool {
        self.active.iter().any(|(k, _)| *k == kind)
    }

    /// Takes the alarm events recorded for annunciation since the last call.
    pub(crate) fn take_fresh(&mut self) -> Vec<HistoryEvent> {
        std::mem::take(&mut self.fresh)
    }

    /// Appends an event (overwriting the oldest when full).
    pub(crate) fn record(&mut self, detail: HistoryDetail, pump_time: UtcDateTime) {
        let event = HistoryEvent {
            sequence: self.next_sequence,
            pump_time,
            detail,
        };
        self.next_sequence += 1;
        if self.events.len() >= self.capacity {
            self.events.pop_front();
        }
        if self.announce && event.as_alarm().is_some() {
            self.fresh.push(event.clone());
        }
        self.events.push_back(event);
    }

    /// Raises `kind` unless it is active; returns whether it was raised.
    pub(crate) fn raise(&mut self, kind: AlarmKind, pump_time: UtcDateTime) -> bool {
        if self.is_active(kind) {
            return false;
        }
        let sequence = self.next_sequence;
        self.active.push((kind, sequence));
        self.record(
            HistoryDetail::Alarm {
                kind,
                priority: kind.usual_priority(),
                state: AlarmState::Raised,
                raised_sequence: sequence,
            },
            pump_time,
        );
        true
    }

    /// Clears `kind` if it is active; returns whether it was.
    pub(crate) fn clear(&mut self, kind: AlarmKind, pump_time: UtcDateTime) -> bool {
        let Some(i) = self.active.iter().position(|(k, _)| *k == kind) else {
            return false;
        };
        let (_, raised) = self.active.remove(i);
        self.record(
            HistoryDetail::Alarm {
                kind,
                priority: kind.usual_priority(),
                state: AlarmState::Cleared,
                raised_sequence: raised,
            },
            pump_time,
        );
        true
    }

    /// Records that `kind` was silenced at the pump, if it is active.
    pub(crate) fn acknowledge(&mut self, kind: AlarmKind, pump_time: UtcDateTime) {
        if let Some(&(_, raised)) = self.active.iter().find(|(k, _)| *k == kind) {
            self.record(
                HistoryDetail::Alarm {
                    kind,
                    priority: kind.usual_priority(),
                    state: AlarmState::Acknowledged,
                    raised_sequence: raised,
                },
                pump_time,
            );
        }
    }
}
