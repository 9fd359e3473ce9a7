//! The crash writer's plan: what step `i` does, as a pure function of `i`, so that the harness
//! can rebuild the simulated pump exactly as the writer left it (the pump lives in the writer's
//! memory and dies with it; a real pump would have gone on).

use std::sync::Arc;

use chrono::{Duration, TimeZone};
use thecal_core::model::{AlarmKind, UtcDateTime};
use thecal_sim::{InProcessPump, InProcessTransport, SimConfig};

/// The simulated pump's seed (its serial follows from it).
pub const PUMP_SEED: u64 = 19;

/// Simulated time between two steps.
#[must_use]
pub fn step_length() -> Duration {
    Duration::minutes(5)
}

/// When the writer's clock and pump start.
#[must_use]
pub fn start() -> UtcDateTime {
    chrono::Utc
        .with_ymd_and_hms(2026, 6, 1, 8, 0, 0)
        .single()
        .expect("a valid date")
}

/// The time of step `i`.
#[must_use]
pub fn time_of(step: u64) -> UtcDateTime {
    start() + step_length() * i32::try_from(step).unwrap_or(i32::MAX)
}

/// What the writer does at one step, in this order (the pump first, then the app's writes).
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct Step {
    /// The pump raises this alarm after moving to the step's time.
    pub pump_alarm: Option<AlarmKind>,
    /// A pain entry is added (every step).
    pub pain: bool,
    /// A medication dose is added.
    pub medication: bool,
    /// A refill is entered by hand.
    pub refill: bool,
    /// The ID card is saved with a changed emergency phone number.
    pub card: bool,
}

/// The plan of step `i`.
#[must_use]
pub fn step(i: u64) -> Step {
    const ALARMS: [AlarmKind; 3] = [
        AlarmKind::ReservoirLow,
        AlarmKind::MotorStall,
        AlarmKind::ClockError,
    ];
    Step {
        pump_alarm: (i % 7 == 3).then(|| ALARMS[usize::try_from(i / 7 % 3).unwrap_or(0)]),
        pain: true,
        medication: i % 3 == 0,
        refill: i % 13 == 6,
        card: i % 17 == 8,
    }
}

/// The simulated pump of the crash trials, with its transport, as it is before step 0.
#[must_use]
pub fn pump() -> Arc<InProcessTransport> {
    InProcessTransport::new(Arc::new(InProcessPump::from_config(SimConfig::implanted(
        PUMP_SEED,
        start(),
    ))))
}

/// Does the pump's part of step `i` (moves it to the step's time, raises the step's alarm).
pub fn pump_step(transport: &InProcessTransport, i: u64) {
    transport.advance_to(time_of(i));
    if let Some(kind) = step(i).pump_alarm {
        transport.raise_alarm(kind);
    }
}

/// The emergency phone number the card carries after the card edit of step `i`.
#[must_use]
pub fn card_phone(i: u64) -> String {
    format!(
        "+33 6 00 {:02} {:02} {:02}",
        i / 10_000 % 100,
        i / 100 % 100,
        i % 100
    )
}
