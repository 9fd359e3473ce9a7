//! A simulated pump that speaks profile v1 byte for byte: the demo, the tests and the benchmarks
//! use it in place of a real pump. Its model is decision record 0003 (with 0003a), implemented
//! exactly: one concept per module.
//!
//! Deterministic: everything follows from the seed, the times the caller advances it to and the
//! inputs it is given (no clock inside). The world changes only at events and is carried between
//! them in closed form, so the state at any time is the same whether it was reached in 5-minute
//! steps, daily steps, one jump or irregular steps (§3); alarms are raised at their exact
//! crossing times. Every random value comes from a stream keyed by (seed, stream, index), never
//! from the stepping order (§4).
//!
//! `advance_to(t)` moves the pump's world to `t` and returns the notifications and indications a
//! subscribed phone would receive; `read`/`write` answer GATT requests. Real time or accelerated
//! is the caller's choice of how fast it advances ([`sim_time`]). [`SimPump::truth`] is what the
//! simulation knows and the app never sees, for scoring forecasts.
//!
//! - `config`: [`SimConfig`], [`LinkProfile`];
//! - `streams`: the keyed random streams;
//! - `implant`: the pump at implant (the PUMP stream);
//! - `drugs`: drugs, concentration rule, titration;
//! - `schedule`: the programmed rate, flex and PTM boluses;
//! - `visits`: refill visits, residual measurement, booking;
//! - `battery`: drain, gauge, reading (and the external battery);
//! - `faults`, `unforeseen`: random faults, the U1 scenario;
//! - `history`: the pump's history and alarm states;
//! - `model`: the world, its events and closed forms;
//! - `truth`: the hidden state handed to backtests;
//! - this module: the GATT face (frames, counters, notifications, injected faults).

mod battery;
#[cfg(test)]
mod checks;
mod config;
mod drugs;
mod faults;
mod history;
mod implant;
mod model;
mod schedule;
mod streams;
mod truth;
mod unforeseen;
mod visits;

use chrono::Duration;
use uuid::Uuid;

use thecal_core::model::{
    AlarmKind, BatteryIndicator, Concentration, DailyDose, DeviceInfo, EventSequence, HistoryEvent,
    InfusionMode, PumpKind, ReservoirKind, StatusReading, UtcDateTime, Volume,
};
use thecal_core::pump::FrameError;
use thecal_core::pump::codec::{
    self, HistoryOp, HistoryResponse, HistoryResult, PumpFeatures, encode_advertisement_data,
};
use thecal_core::pump::driver::DeviceInfoBytes;
use thecal_core::pump::profile::{self, Delivery, FrameKind};
use thecal_core::pump::{Advertisement, ServiceData};

pub use config::{LinkProfile, SimConfig};
pub use truth::{RanOut, SimTruth, VisitKind, VisitTruth};
pub use unforeseen::Unforeseen;

use model::World;

/// The simulated time for an accelerated (or real-time, `factor = 1`) run: `sim_start` plus
/// `wall_elapsed × factor`.
#[must_use]
pub fn sim_time(
    sim_start: UtcDateTime,
    wall_elapsed: std::time::Duration,
    factor: u32,
) -> UtcDateTime {
    let ms = i64::try_from(wall_elapsed.as_millis())
        .unwrap_or(i64::MAX)
        .saturating_mul(i64::from(factor));
    sim_start + Duration::milliseconds(ms.min(Duration::MAX.num_milliseconds()))
}

/// A fault a test or demo injects.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum SimFault {
    /// Flip one bit of the next pump-service frame sent or read (its CRC then fails).
    CorruptNextFrame,
    /// Send the next pump-service frame with the previous frame's E2E counter.
    RepeatNextCounter,
    /// Raise an alarm now (e.g. [`AlarmKind::CatheterOcclusion`], [`AlarmKind::MotorStall`]).
    RaiseAlarm(AlarmKind),
    /// Clear an active alarm now.
    ClearAlarm(AlarmKind),
    /// The clinic reprograms the daily dose now (outside a refill visit; the model's own
    /// titration at visits goes on from the new dose).
    Reprogram(DailyDose),
}

/// One value the pump sends to a subscribed phone.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SimOutput {
    /// The characteristic it is sent on.
    pub characteristic: Uuid,
    /// Notification or indication.
    pub delivery: Delivery,
    /// The exact bytes.
    pub bytes: Vec<u8>,
}

/// Why the simulated pump refused a GATT request (what a real pump answers with an ATT error).
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum SimError {
    /// The pump has no such characteristic (ATT 0x0A, attribute not found).
    #[error("the simulated pump has no characteristic {uuid}")]
    UnknownCharacteristic {
        /// The UUID asked for.
        uuid: Uuid,
    },
    /// The characteristic cannot be read (ATT 0x02).
    #[error("characteristic {uuid} cannot be read")]
    ReadNotPermitted {
        /// The UUID asked for.
        uuid: Uuid,
    },
    /// The characteristic cannot be written (ATT 0x03): only the History Control Point can.
    #[error("characteristic {uuid} cannot be written; only the history control point can")]
    WriteNotPermitted {
        /// The UUID asked for.
        uuid: Uuid,
    },
    /// The written frame is invalid (ATT 0x80, the profile's application error).
    #[error("the written frame is invalid: {0}")]
    InvalidFrame(#[from] FrameError),
}

/// The simulated pump: its world ([`SimPump::truth`] shows the hidden part) behind the GATT face
/// of profile v1.
#[derive(Debug, Clone)]
pub struct SimPump {
    config: SimConfig,
    world: World,
    now: UtcDateTime,
    // The link side.
    subscribed: bool,
    counters: [u8; 8],
    corrupt_next: bool,
    repeat_next: bool,
    last_status_at: Option<UtcDateTime>,
    /// What the last Status notification said about therapy (a change is notified at once).
    last_notified: Option<(InfusionMode, u32, u32, BatteryIndicator)>,
    last_battery_percent: u8,
    outbox: Vec<SimOutput>,
}

impl SimPump {
    /// A full pump at `config.start`, with therapy, cell and lifetimes drawn from the seed
    /// (decision 0003 §6.1; the implant fill, visit 0, has run).
    #[must_use]
    pub fn new(config: SimConfig) -> Self {
        let world = World::new(&config);
        let now = config.start;
        let mut pump = Self {
            world,
            now,
            subscribed: true,
            counters: [0; 8],
            corrupt_next: false,
            repeat_next: false,
            last_status_at: None,
            last_notified: None,
            last_battery_percent: 100,
            outbox: Vec::new(),
            config,
        };
        // What the implant fill recorded is history, not news for a phone not yet connected.
        pump.world.log.take_fresh();
        pump.last_battery_percent = pump.world.battery_at(pump.now_ms()).percent;
        pump
    }

    fn now_ms(&self) -> i64 {
        self.now.timestamp_millis()
    }

    /// The pump's configuration.
    #[must_use]
    pub fn config(&self) -> &SimConfig {
        &self.config
    }

    /// The simulated time the pump has reached.
    #[must_use]
    pub fn now(&self) -> UtcDateTime {
        self.now
    }

    /// Whether a phone is subscribed: when not, [`SimPump::advance_to`] sends nothing (events
    /// still go to the history, to be replayed). The model does not depend on it.
    pub fn set_subscribed(&mut self, subscribed: bool) {
        self.subscribed = subscribed;
        self.world.log.announce = subscribed;
    }

    /// A phone connected (`true`) or disconnected now, with link profile
    /// [`LinkProfile::Caller`]: each connection costs the cell a session and a small current
    /// while held (decision 0003 §9.2). Ignored with the other profiles.
    pub fn set_link_connected(&mut self, connected: bool) {
        let now = self.now_ms();
        self.world.input_at(now, |w| w.set_link(connected));
    }

    /// What the pump reports about itself.
    #[must_use]
    pub fn device_info(&self) -> DeviceInfo {
        let capacity = self.capacity();
        let (manufacturer, model) = match self.config.kind {
            PumpKind::Implanted => (
                "Thecal Simulated Pumps",
                if capacity == Volume::from_milliliters(20) {
                    "SIM-IT20"
                } else {
                    "SIM-IT40"
                },
            ),
            PumpKind::External => ("Thecal Simulated Pumps", "SIM-EX100"),
        };
        DeviceInfo {
            manufacturer: manufacturer.into(),
            model: model.into(),
            serial: self.config.serial.clone(),
            firmware_revision: "1.0.0".into(),
            hardware_revision: Some("A".into()),
            kind: self.config.kind,
            reservoir_kind: self.reservoir_kind(),
            reservoir_capacity: capacity,
        }
    }

    fn capacity(&self) -> Volume {
        nl_to_volume(self.world.capacity_nl())
    }

    fn reservoir_kind(&self) -> ReservoirKind {
        match self.config.kind {
            PumpKind::Implanted => ReservoirKind::ImplantedChamber,
            PumpKind::External => ReservoirKind::Cassette,
        }
    }

    /// The Device Information strings as the pump serves them.
    #[must_use]
    pub fn device_info_bytes(&self) -> DeviceInfoBytes {
        let d = self.device_info();
        DeviceInfoBytes {
            manufacturer: d.manufacturer.into_bytes(),
            model: d.model.into_bytes(),
            serial: d.serial.into_bytes(),
            firmware_revision: d.firmware_revision.into_bytes(),
            hardware_revision: d.hardware_revision.map(String::into_bytes),
        }
    }

    /// The pump's Features.
    #[must_use]
    pub fn features(&self) -> PumpFeatures {
        PumpFeatures {
            pump_kind: self.config.kind,
            reservoir_kind: self.reservoir_kind(),
            reservoir_capacity: self.capacity(),
            flex_schedule: true,
            bolus: true,
            battery_replaceable: self.config.kind.battery_replaceable(),
            history_capacity: self.config.history_capacity.max(1),
            eri_to_eos_days: match self.config.kind {
                PumpKind::Implanted => 90,
                PumpKind::External => 0,
            },
            low_reservoir_threshold: nl_to_volume(self.world.low_nl()),
        }
    }

    /// What the pump advertises (the transport adds its own device id and signal strength).
    #[must_use]
    pub fn advertisement(&self) -> Advertisement {
        Advertisement {
            name: Some(format!("Thecal {}", self.device_info().model)),
            service_uuids: vec![profile::PUMP_SERVICE.to_string()],
            service_data: vec![ServiceData {
                uuid: profile::PUMP_SERVICE.to_string(),
                data: encode_advertisement_data(self.config.kind).to_vec(),
            }],
            ..Advertisement::default()
        }
    }

    /// The pump's clock now (true time plus its drift since it was last set).
    #[must_use]
    pub fn pump_clock(&self) -> UtcDateTime {
        self.world.pump_clock(self.now_ms())
    }

    /// The status as a reading taken now (what a Status frame carries).
    #[must_use]
    pub fn status_reading(&self) -> StatusReading {
        let t = self.now_ms();
        StatusReading {
            taken_at: self.now,
            pump_clock: self.world.pump_time(t),
            reservoir_volume: nl_to_volume(self.world.estimate_at(t)),
            reservoir_capacity: self.capacity(),
            mode: self.world.mode_at(t),
            daily_dose: DailyDose {
                micrograms_per_day: self.world.dose(),
            },
            drug: self.world.drug().clone(),
            concentration: Concentration {
                micrograms_per_milliliter: self.world.concentration(),
            },
            battery: self.world.battery_at(t),
        }
    }

    /// Every event still in the pump's history, oldest first.
    pub fn history(&self) -> impl Iterator<Item = &HistoryEvent> {
        self.world.log.events().iter()
    }

    /// The alarms raised and not cleared, with the sequence that raised each.
    #[must_use]
    pub fn active_alarms(&self) -> &[(AlarmKind, EventSequence)] {
        self.world.active_alarms()
    }

    /// What the simulation knows and the app never sees, now: the true reservoir, the pump's
    /// estimate, β, κ, the depth of discharge, the true ERI and EOS times, every interval in
    /// which the drug ran out and every visit. For scoring forecasts and checking the model
    /// only: **never reachable by the app** (nothing of it crosses the GATT profile).
    #[must_use]
    pub fn truth(&self) -> SimTruth {
        self.world.truth(self.now_ms())
    }

    /// A copy of this pump whose future has no clinic visits (refills, titration visits,
    /// revisions; an external pump's cassette changes) and no new faults, for counterfactual
    /// questions ("when would it have run out?"). Everything else (delivery, PTM boluses, the
    /// battery, alarms, faults already raised clearing) carries on.
    #[must_use]
    pub fn without_visits(&self) -> SimPump {
        let mut copy = self.clone();
        copy.world.no_visits = true;
        copy
    }

    /// The exact time at which, with no further visits and no new faults, the true reservoir
    /// first reaches `nl` nanolitres or less (now if it already has); `None` if not by `until`.
    #[must_use]
    pub fn when_true_volume_reaches(&self, nl: u64, until: UtcDateTime) -> Option<UtcDateTime> {
        self.world
            .first_at_or_below(self.now_ms(), until.timestamp_millis(), nl, true)
            .map(model::at_ms)
    }

    /// The exact time at which, with no further visits and no new faults, the pump's own
    /// estimate first reaches `nl` nanolitres or less (now if it already has); `None` if not by
    /// `until`.
    #[must_use]
    pub fn when_estimate_reaches(&self, nl: u64, until: UtcDateTime) -> Option<UtcDateTime> {
        self.world
            .first_at_or_below(self.now_ms(), until.timestamp_millis(), nl, false)
            .map(model::at_ms)
    }

    /// Moves the simulation to `t` (no-op if `t` is not after now) and returns what a subscribed
    /// phone receives: every annunciation in order, then at most one Status notification (when
    /// `status_interval` has passed since the last, or mode, dose, concentration or battery
    /// indicator changed) and one Battery Level notification (when the percent changed), with
    /// the state at `t`.
    pub fn advance_to(&mut self, t: UtcDateTime) -> Vec<SimOutput> {
        if t > self.now {
            self.now = t;
            self.world.run_to(t.timestamp_millis());
        }
        self.announce();
        if self.subscribed {
            let reading = self.status_reading();
            let therapy = Some((
                reading.mode,
                reading.daily_dose.micrograms_per_day,
                reading.concentration.micrograms_per_milliliter,
                reading.battery.indicator,
            ));
            let due = therapy != self.last_notified
                || self
                    .last_status_at
                    .is_none_or(|last| self.now - last >= self.config.status_interval);
            if due {
                self.last_status_at = Some(self.now);
                self.last_notified = therapy;
                if let Some(bytes) =
                    self.frame(FrameKind::Status, |c| codec::encode_status(c, &reading))
                {
                    self.send(profile::STATUS, Delivery::Notify, bytes);
                }
            }
            let percent = reading.battery.percent;
            if percent != self.last_battery_percent {
                self.last_battery_percent = percent;
                self.send(profile::BATTERY_LEVEL, Delivery::Notify, vec![percent]);
            }
        }
        std::mem::take(&mut self.outbox)
    }

    /// Injects a fault; returns what a subscribed phone receives because of it.
    pub fn inject(&mut self, fault: SimFault) -> Vec<SimOutput> {
        let now = self.now_ms();
        match fault {
            SimFault::CorruptNextFrame => self.corrupt_next = true,
            SimFault::RepeatNextCounter => self.repeat_next = true,
            SimFault::RaiseAlarm(kind) => self.world.input_at(now, |w| {
                w.raise(kind);
                if matches!(kind, AlarmKind::MotorStall | AlarmKind::PumpFault) {
                    w.stop_for_fault();
                }
            }),
            SimFault::ClearAlarm(kind) => self.world.input_at(now, |w| {
                w.clear(kind);
                w.resume_after_fault();
            }),
            SimFault::Reprogram(dose) => self
                .world
                .input_at(now, |w| w.reprogram(dose.micrograms_per_day)),
        }
        self.announce();
        std::mem::take(&mut self.outbox)
    }

    /// Indicates every alarm event recorded since the last call (while subscribed).
    fn announce(&mut self) {
        for event in self.world.log.take_fresh() {
            if let Some(alarm) = event.as_alarm()
                && let Some(bytes) = self.frame(FrameKind::Annunciation, |c| {
                    codec::encode_annunciation(c, &alarm)
                })
            {
                self.send(profile::ANNUNCIATION, Delivery::Indicate, bytes);
            }
        }
    }

    /// Answers a GATT read.
    ///
    /// # Errors
    /// [`SimError::UnknownCharacteristic`] or [`SimError::ReadNotPermitted`].
    pub fn read(&mut self, uuid: Uuid) -> Result<Vec<u8>, SimError> {
        let dis = self.device_info_bytes();
        let text = match uuid {
            u if u == profile::MANUFACTURER_NAME => Some(dis.manufacturer),
            u if u == profile::MODEL_NUMBER => Some(dis.model),
            u if u == profile::SERIAL_NUMBER => Some(dis.serial),
            u if u == profile::FIRMWARE_REVISION => Some(dis.firmware_revision),
            u if u == profile::HARDWARE_REVISION => dis.hardware_revision,
            _ => None,
        };
        if let Some(text) = text {
            return Ok(text);
        }
        match uuid {
            u if u == profile::BATTERY_LEVEL => Ok(vec![self.status_reading().battery.percent]),
            u if u == profile::STATUS => {
                let reading = self.status_reading();
                self.frame(FrameKind::Status, |c| codec::encode_status(c, &reading))
                    .ok_or(SimError::ReadNotPermitted { uuid })
            }
            u if u == profile::FEATURES => {
                let features = self.features();
                self.frame(FrameKind::Features, |c| {
                    codec::encode_features(c, &features)
                })
                .ok_or(SimError::ReadNotPermitted { uuid })
            }
            u if [
                profile::ANNUNCIATION,
                profile::HISTORY_RECORD,
                profile::HISTORY_CONTROL_POINT,
            ]
            .contains(&u) =>
            {
                Err(SimError::ReadNotPermitted { uuid })
            }
            _ => Err(SimError::UnknownCharacteristic { uuid }),
        }
    }

    /// Answers a GATT write; only the History Control Point accepts one. Returns the
    /// indications that follow (history records, then the control point's response).
    ///
    /// # Errors
    /// [`SimError::WriteNotPermitted`], [`SimError::UnknownCharacteristic`], or
    /// [`SimError::InvalidFrame`] for a damaged request.
    pub fn write(&mut self, uuid: Uuid, bytes: &[u8]) -> Result<Vec<SimOutput>, SimError> {
        if uuid != profile::HISTORY_CONTROL_POINT {
            return if profile::characteristic_name(uuid).is_some() {
                Err(SimError::WriteNotPermitted { uuid })
            } else {
                Err(SimError::UnknownCharacteristic { uuid })
            };
        }
        let (opcode, result, records) = match codec::decode_history_request(bytes) {
            Ok(req) => match req.op {
                HistoryOp::RecordsSince { after } => {
                    let newest = self.world.log.newest_sequence();
                    if after > newest {
                        (req.op.opcode(), HistoryResult::InvalidOperand, Vec::new())
                    } else {
                        let records: Vec<HistoryEvent> = self
                            .history()
                            .filter(|e| e.sequence > after)
                            .cloned()
                            .collect();
                        let result = if records.is_empty() {
                            HistoryResult::NoRecords
                        } else {
                            HistoryResult::Success
                        };
                        (req.op.opcode(), result, records)
                    }
                }
                HistoryOp::Abort => (req.op.opcode(), HistoryResult::Success, Vec::new()),
            },
            Err(FrameError::UnknownValue { field, .. }) if field == "opcode" => (
                bytes.get(3).copied().unwrap_or(0),
                HistoryResult::OpcodeNotSupported,
                Vec::new(),
            ),
            Err(e) => return Err(SimError::InvalidFrame(e)),
        };
        let mut sent = 0_u32;
        for event in &records {
            if let Some(bytes) = self.frame(FrameKind::HistoryRecord, |c| {
                codec::encode_history_record(c, event)
            }) {
                self.send(profile::HISTORY_RECORD, Delivery::Indicate, bytes);
                sent += 1;
            }
        }
        let events = self.world.log.events();
        let (oldest, newest) = match (events.front(), events.back()) {
            (Some(f), Some(b)) => (f.sequence, b.sequence),
            _ => (0, 0),
        };
        let resp = HistoryResponse {
            counter: 0,
            request_opcode: opcode,
            result,
            records_sent: sent,
            oldest_sequence: oldest,
            newest_sequence: newest,
        };
        if let Some(bytes) = self.frame(FrameKind::HistoryResponse, |c| {
            codec::encode_history_response(&HistoryResponse { counter: c, ..resp })
        }) {
            self.send(profile::HISTORY_CONTROL_POINT, Delivery::Indicate, bytes);
        }
        Ok(std::mem::take(&mut self.outbox))
    }

    // -----------------------------------------------------------------------------------------
    // Frames
    // -----------------------------------------------------------------------------------------

    /// Encodes a frame with the next E2E counter of its kind, applying injected faults. `None`
    /// only if the model produced a value the profile cannot carry (a bug; logged).
    fn frame(
        &mut self,
        kind: FrameKind,
        encode: impl FnOnce(u8) -> Result<Vec<u8>, FrameError>,
    ) -> Option<Vec<u8>> {
        let slot = &mut self.counters[kind as usize];
        let counter = if self.repeat_next {
            self.repeat_next = false;
            slot.wrapping_sub(1)
        } else {
            let c = *slot;
            *slot = slot.wrapping_add(1);
            c
        };
        match encode(counter) {
            Ok(mut bytes) => {
                if self.corrupt_next {
                    self.corrupt_next = false;
                    if let Some(b) = bytes.get_mut(3) {
                        *b ^= 0x01;
                    }
                }
                Some(bytes)
            }
            Err(e) => {
                tracing::error!(error = %e, "simulated pump produced a value the profile cannot carry");
                None
            }
        }
    }

    fn send(&mut self, characteristic: Uuid, delivery: Delivery, bytes: Vec<u8>) {
        self.outbox.push(SimOutput {
            characteristic,
            delivery,
            bytes,
        });
    }
}

/// Nanolitres as the whole microlitres the profile carries (rounded down).
fn nl_to_volume(nl: u64) -> Volume {
    Volume::from_microliters(u32::try_from(nl / 1000).unwrap_or(u32::MAX))
}
#[cfg(test)]
mod tests {
    use super::*;
    use chrono::TimeZone;
    use thecal_core::model::{AlarmState, HistoryDetail};
    use thecal_core::pump::{CounterTracker, ImplantedDriver, PumpDriver, driver_for_features};

    fn start() -> UtcDateTime {
        chrono::Utc.with_ymd_and_hms(2026, 1, 5, 9, 0, 0).unwrap()
    }

    fn refills(p: &SimPump) -> Vec<UtcDateTime> {
        p.history()
            .filter(|e| matches!(e.detail, HistoryDetail::Refill { .. }))
            .map(|e| e.pump_time)
            .collect()
    }

    #[test]
    fn the_same_seed_gives_the_same_bytes() {
        let run = |seed| {
            let mut p = SimPump::new(SimConfig::implanted(seed, start()));
            let mut out = Vec::new();
            for day in 1..=400 {
                out.extend(p.advance_to(start() + Duration::days(day)));
            }
            out
        };
        assert_eq!(run(7), run(7));
        assert_ne!(run(7), run(8));
    }

    #[test]
    fn history_sequences_have_no_gap_and_eos_passes_the_driver_check() {
        for seed in 0..4 {
            let mut config = SimConfig::implanted(seed, start());
            config.link = LinkProfile::None;
            let mut p = SimPump::new(config);
            p.set_subscribed(false);
            let cap = p.device_info().reservoir_capacity;
            assert!(cap == Volume::from_milliliters(20) || cap == Volume::from_milliliters(40));
            p.advance_to(start() + Duration::days(7 * 366));
            for (i, e) in p.history().enumerate() {
                assert_eq!(e.sequence as usize, i + 1, "seed {seed}");
            }
            assert!(refills(&p).len() >= 12, "seed {seed}");
            let s = p.status_reading();
            assert_eq!(s.mode, InfusionMode::Stopped);
            assert_eq!(s.battery.indicator, BatteryIndicator::EndOfService);
            assert_eq!(s.battery.percent, 0);
            assert_eq!(ImplantedDriver.check_status(&s), Ok(()));
        }
    }

    #[test]
    fn the_implant_fill_is_the_first_refill_and_residuals_are_read_to_100_microlitres() {
        let mut p = SimPump::new(SimConfig::implanted(9, start()));
        p.set_subscribed(false);
        let first = p.history().next().cloned().expect("the implant fill");
        let HistoryDetail::Refill { refill } = first.detail else {
            panic!("{first:?}")
        };
        assert_eq!(refill.volume_before, Volume::from_microliters(0));
        assert_eq!(refill.volume_after, p.device_info().reservoir_capacity);
        p.advance_to(start() + Duration::days(400));
        let truth = p.truth();
        let mut measured = 0;
        for e in p.history().skip(1) {
            if let HistoryDetail::Refill { refill } = &e.detail {
                assert_eq!(refill.volume_before.microliters % 100, 0);
                measured += 1;
            }
        }
        let visits: Vec<_> = truth
            .visits
            .iter()
            .filter(|v| v.kind == VisitKind::Refill)
            .collect();
        assert_eq!(measured, visits.len());
        assert!(measured >= 3);
        assert_eq!(truth.visits[0].kind, VisitKind::Implant);
    }

    #[test]
    fn a_counterfactual_copy_has_no_visits_and_finds_the_exact_crossing() {
        let mut p = SimPump::new(SimConfig::implanted(21, start()));
        p.set_subscribed(false);
        p.advance_to(start() + Duration::days(3));
        let until = start() + Duration::days(400);
        let low = p.features().low_reservoir_threshold.microliters;
        let at = p
            .when_estimate_reaches(u64::from(low) * 1000, until)
            .expect("the estimate reaches the threshold");
        let mut copy = p.without_visits();
        copy.advance_to(at - Duration::milliseconds(1));
        assert!(
            !copy
                .active_alarms()
                .iter()
                .any(|(k, _)| *k == AlarmKind::ReservoirLow)
        );
        copy.advance_to(at);
        assert!(
            copy.active_alarms()
                .iter()
                .any(|(k, _)| *k == AlarmKind::ReservoirLow)
        );
        assert!(copy.truth().estimate_nl <= u64::from(low) * 1000);
        // The true reservoir: its own exact time, and no refill ever comes.
        let empty = copy.when_true_volume_reaches(0, until).expect("runs out");
        copy.advance_to(empty);
        assert_eq!(copy.truth().true_reservoir_nl, 0);
        assert_eq!(copy.truth().visits.len(), p.truth().visits.len());
        assert_eq!(
            p.when_true_volume_reaches(0, start() + Duration::days(4)),
            None
        );
        // Already there: now.
        assert_eq!(
            copy.when_true_volume_reaches(u64::MAX, until),
            Some(copy.now())
        );
    }

    #[test]
    fn a_phone_link_costs_the_cell() {
        let mut a = SimPump::new(SimConfig::implanted(5, start()));
        let mut b = a.clone();
        a.set_subscribed(false);
        b.set_subscribed(false);
        for hour in 1..=(24 * 30) {
            let t = start() + Duration::hours(hour);
            b.advance_to(t);
            b.set_link_connected(true);
            a.advance_to(t + Duration::minutes(1));
            b.advance_to(t + Duration::minutes(1));
            b.set_link_connected(false);
        }
        let (ua, ub) = (a.truth().depth_of_discharge, b.truth().depth_of_discharge);
        // 720 sessions of 2 µAh plus 1 µA for 12 hours, of 2 000 mAh.
        let expected = (720.0 * 2.0 + 12.0) / 2_000_000.0 / a.truth().cell_factor;
        assert!(((ub - ua) - expected).abs() < 1e-9, "{ua} {ub}");
        // The reports do not depend on it (but for the rounding of each committed segment's
        // delivery to whole nanolitres).
        let (va, vb) = (a.truth().estimate_nl, b.truth().estimate_nl);
        assert!(va.abs_diff(vb) <= 2 * 720, "{va} {vb}");
        assert_eq!(a.status_reading().mode, b.status_reading().mode);
    }

    #[test]
    fn an_external_pump_gets_new_batteries_and_cassettes() {
        let mut p = SimPump::new(SimConfig::external(5, start()));
        p.set_subscribed(false);
        p.advance_to(start() + Duration::days(120));
        let batteries = p
            .history()
            .filter(|e| matches!(e.detail, HistoryDetail::BatteryReplaced { .. }))
            .count();
        assert!(
            (7..=13).contains(&batteries),
            "{batteries} batteries in 120 days"
        );
        assert!(refills(&p).len() >= 2);
        let acks = p
            .history()
            .filter_map(HistoryEvent::as_alarm)
            .filter(|a| a.state == AlarmState::Acknowledged)
            .count();
        assert!(acks > 0, "alarms are acknowledged at the pump's button");
    }

    #[test]
    fn every_frame_decodes_with_the_driver_and_counters_run_in_order() {
        let mut p = SimPump::new(SimConfig::implanted(11, start()));
        let features = codec::decode_features(&p.read(profile::FEATURES).unwrap()).unwrap();
        let driver = driver_for_features(&features.features).unwrap();
        assert_eq!(driver.id(), "thecal-v1-implanted");
        let info = driver
            .device_info(&p.device_info_bytes(), &features.features)
            .unwrap();
        assert_eq!(info, p.device_info());
        let mut status = CounterTracker::new();
        let mut ann = CounterTracker::new();
        let mut alarms = 0;
        for hour in 1..=(24 * 200) {
            for out in p.advance_to(start() + Duration::hours(hour)) {
                match out.characteristic {
                    u if u == profile::STATUS => {
                        let f = driver.decode_status(&out.bytes, p.now()).unwrap();
                        assert_eq!(f.reading, p.status_reading());
                        assert_ne!(
                            status.check(f.counter).unwrap(),
                            codec::CounterStatus::Skipped { missed: 1 }
                        );
                    }
                    u if u == profile::ANNUNCIATION => {
                        let f = driver.decode_annunciation(&out.bytes).unwrap();
                        assert!(matches!(
                            ann.check(f.counter).unwrap(),
                            codec::CounterStatus::First | codec::CounterStatus::InOrder
                        ));
                        alarms += 1;
                    }
                    u if u == profile::BATTERY_LEVEL => {
                        driver.decode_battery_level(&out.bytes).unwrap();
                    }
                    other => panic!("unexpected output on {other}"),
                }
            }
        }
        let in_history = p.history().filter(|e| e.as_alarm().is_some()).count();
        assert_eq!(alarms, in_history, "every alarm was indicated once");
    }

    #[test]
    fn history_is_replayed_after_a_disconnection() {
        let mut p = SimPump::new(SimConfig::implanted(2, start()));
        p.set_subscribed(false);
        p.advance_to(start() + Duration::days(200));
        p.set_subscribed(true);
        let newest = p.history().last().unwrap().sequence;
        assert!(newest > 4);
        let req = ImplantedDriver.history_request_since(0, 2);
        let out = p.write(profile::HISTORY_CONTROL_POINT, &req).unwrap();
        let (resp, records) = out.split_last().unwrap();
        let resp = ImplantedDriver
            .decode_history_response(&resp.bytes)
            .unwrap();
        assert_eq!(resp.result, HistoryResult::Success);
        assert_eq!(resp.records_sent as usize, records.len());
        assert_eq!(resp.newest_sequence, newest);
        assert_eq!(resp.lost_after(2), None);
        let replayed: Vec<_> = records
            .iter()
            .map(|o| {
                ImplantedDriver
                    .decode_history_record(&o.bytes)
                    .unwrap()
                    .event
            })
            .collect();
        let expected: Vec<_> = p.history().filter(|e| e.sequence > 2).cloned().collect();
        assert_eq!(replayed, expected);
        // Nothing newer: no records; a sequence from the future: invalid operand.
        let out = p
            .write(
                profile::HISTORY_CONTROL_POINT,
                &codec::encode_records_since(1, newest),
            )
            .unwrap();
        let r = codec::decode_history_response(&out[0].bytes).unwrap();
        assert_eq!((r.result, r.records_sent), (HistoryResult::NoRecords, 0));
        let out = p
            .write(
                profile::HISTORY_CONTROL_POINT,
                &codec::encode_records_since(2, newest + 5),
            )
            .unwrap();
        assert_eq!(
            codec::decode_history_response(&out[0].bytes)
                .unwrap()
                .result,
            HistoryResult::InvalidOperand
        );
    }

    #[test]
    fn an_overwritten_history_is_reported_as_lost() {
        let mut cfg = SimConfig::external(4, start());
        cfg.history_capacity = 8;
        let mut p = SimPump::new(cfg);
        p.set_subscribed(false);
        p.advance_to(start() + Duration::days(60));
        let out = p
            .write(
                profile::HISTORY_CONTROL_POINT,
                &codec::encode_records_since(0, 0),
            )
            .unwrap();
        assert_eq!(out.len(), 9);
        let r = codec::decode_history_response(&out[8].bytes).unwrap();
        assert_eq!(r.records_sent, 8);
        assert_eq!(r.newest_sequence - r.oldest_sequence, 7);
        assert_eq!(r.lost_after(0), Some((1, r.oldest_sequence - 1)));
    }

    #[test]
    fn faults_can_be_injected() {
        let mut p = SimPump::new(SimConfig::implanted(1, start()));
        p.advance_to(start() + Duration::hours(1));
        let out = p.inject(SimFault::RaiseAlarm(AlarmKind::MotorStall));
        let a = codec::decode_annunciation(&out[0].bytes).unwrap().alarm;
        assert_eq!(
            (a.kind, a.state),
            (AlarmKind::MotorStall, AlarmState::Raised)
        );
        assert_eq!(p.status_reading().mode, InfusionMode::Stopped);
        // The change of mode is notified at once, not at the next status interval.
        let out = p.advance_to(start() + Duration::hours(1) + Duration::seconds(1));
        let status = out
            .iter()
            .find(|o| o.characteristic == profile::STATUS)
            .expect("a status notification after the mode changed");
        assert_eq!(
            codec::decode_status(&status.bytes, p.now())
                .unwrap()
                .reading
                .mode,
            InfusionMode::Stopped
        );
        let vol = p.status_reading().reservoir_volume;
        p.advance_to(start() + Duration::days(2));
        assert_eq!(
            p.status_reading().reservoir_volume,
            vol,
            "a stalled motor delivers nothing"
        );
        let out = p.inject(SimFault::ClearAlarm(AlarmKind::MotorStall));
        let c = codec::decode_annunciation(&out[0].bytes).unwrap().alarm;
        assert_eq!(
            (c.state, c.raised_sequence),
            (AlarmState::Cleared, a.sequence)
        );
        assert_ne!(p.status_reading().mode, InfusionMode::Stopped);

        p.inject(SimFault::CorruptNextFrame);
        let bytes = p.read(profile::STATUS).unwrap();
        assert_eq!(
            codec::decode_status(&bytes, p.now()).unwrap_err().code(),
            "bad_crc"
        );
        assert!(codec::decode_status(&p.read(profile::STATUS).unwrap(), p.now()).is_ok());

        let first = codec::decode_status(&p.read(profile::STATUS).unwrap(), p.now()).unwrap();
        p.inject(SimFault::RepeatNextCounter);
        let again = codec::decode_status(&p.read(profile::STATUS).unwrap(), p.now()).unwrap();
        let mut t = CounterTracker::after(first.counter);
        assert_eq!(
            t.check(again.counter),
            Err(FrameError::CounterRepeated {
                counter: first.counter
            })
        );
    }

    #[test]
    fn only_the_control_point_is_writable() {
        let mut p = SimPump::new(SimConfig::implanted(1, start()));
        assert_eq!(
            p.write(profile::STATUS, &[1]),
            Err(SimError::WriteNotPermitted {
                uuid: profile::STATUS
            })
        );
        assert!(matches!(
            p.write(Uuid::nil(), &[1]),
            Err(SimError::UnknownCharacteristic { .. })
        ));
        assert!(matches!(
            p.write(profile::HISTORY_CONTROL_POINT, &[1, 4, 0, 0]),
            Err(SimError::InvalidFrame(_))
        ));
        // An unknown opcode is answered, not refused.
        let mut w = vec![1, 4, 0, 0x7f];
        let crc = codec::crc16(&w);
        w.extend_from_slice(&crc.to_le_bytes());
        let out = p.write(profile::HISTORY_CONTROL_POINT, &w).unwrap();
        let r = codec::decode_history_response(&out[0].bytes).unwrap();
        assert_eq!(
            (r.request_opcode, r.result),
            (0x7f, HistoryResult::OpcodeNotSupported)
        );
        assert!(matches!(
            p.read(profile::ANNUNCIATION),
            Err(SimError::ReadNotPermitted { .. })
        ));
        assert_eq!(p.read(profile::SERIAL_NUMBER).unwrap(), b"SIM-IT-000001");
    }

    #[test]
    fn accelerated_time() {
        assert_eq!(
            sim_time(start(), std::time::Duration::from_secs(2), 86_400),
            start() + Duration::days(2)
        );
    }
}
