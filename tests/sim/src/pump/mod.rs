//! A simulated pump that speaks profile v1 byte for byte: the demo, the tests and the benchmarks
//! use it in place of a real pump.
//!
//! Deterministic: everything follows from the seed and the times the caller advances it to (no
//! clock inside). `advance_to(t)` moves the pump's world to `t` and returns the notifications
//! and indications a subscribed phone would receive; `read`/`write` answer GATT requests.
//! Real time or accelerated is the caller's choice of how fast it advances ([`sim_time`]).
//!
//! The model:
//! - **Implanted** (20 or 40 mL chamber): morphine, hydromorphone or baclofen at a concentration
//!   chosen so a refill lasts 1–3 months; continuous or flex (4 boluses a day) delivery; the
//!   clinic refills at a planned date (sometimes late, so "reservoir low" sounds first), may
//!   titrate the dose and sets the drifting pump clock; the battery lasts 3–5.5 years to ERI,
//!   then EOS 90 days later, when infusion stops.
//! - **External** (100 mL cassette): a battery of 10–14 days that the patient changes after the
//!   low-battery indicator (sometimes too late); cassettes changed when low.
//! - Rare faults (catheter occlusion, motor stall, clock error, internal fault), raised and later
//!   cleared; the external pump's alarms are often acknowledged at its button.
//!
//! Time resolution of threshold alarms is [`STEP`] (10 minutes).

use std::collections::VecDeque;

use chrono::Duration;
use rand_chacha::ChaCha8Rng;
use rand_core::{RngCore, SeedableRng};
use uuid::Uuid;

use thecal_core::model::{
    AlarmKind, AlarmState, BatteryIndicator, BatteryStatus, Concentration, DailyDose, DeviceInfo,
    Drug, EventSequence, HistoryDetail, HistoryEvent, InfusionMode, PumpKind, Refill,
    ReservoirKind, StatusReading, UtcDateTime, Volume,
};
use thecal_core::pump::FrameError;
use thecal_core::pump::codec::{
    self, HistoryOp, HistoryResponse, HistoryResult, PumpFeatures, encode_advertisement_data,
};
use thecal_core::pump::driver::DeviceInfoBytes;
use thecal_core::pump::profile::{self, Delivery, FrameKind};
use thecal_core::pump::{Advertisement, ServiceData};

/// The simulation's time step: threshold alarms are raised within this much of the crossing.
pub const STEP: Duration = Duration::minutes(10);

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

/// How to build a simulated pump.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SimConfig {
    /// Everything random follows from this.
    pub seed: u64,
    /// Implanted or external.
    pub kind: PumpKind,
    /// The simulated time at which the pump is implanted / started, full.
    pub start: UtcDateTime,
    /// The serial number it reports.
    pub serial: String,
    /// How many history records it keeps (older ones are overwritten).
    pub history_capacity: u16,
    /// At most one Status notification per this much simulated time.
    pub status_interval: Duration,
}

impl SimConfig {
    /// An implanted pump started at `start`.
    #[must_use]
    pub fn implanted(seed: u64, start: UtcDateTime) -> Self {
        Self {
            seed,
            kind: PumpKind::Implanted,
            start,
            serial: format!("SIM-IT-{:06}", seed % 1_000_000),
            history_capacity: 1024,
            status_interval: Duration::seconds(60),
        }
    }

    /// An external pump started at `start`.
    #[must_use]
    pub fn external(seed: u64, start: UtcDateTime) -> Self {
        Self {
            kind: PumpKind::External,
            serial: format!("SIM-EX-{:06}", seed % 1_000_000),
            history_capacity: 512,
            ..Self::implanted(seed, start)
        }
    }
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

/// The clinic's choice of therapy.
#[derive(Debug, Clone, PartialEq, Eq)]
struct Therapy {
    drug: Drug,
    concentration: u32,
    daily_dose: u32,
    mode: InfusionMode,
    dose_range: (u32, u32),
}

/// Why the pump is not infusing.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Stop {
    Empty,
    EndOfService,
    Fault,
}

/// The simulated pump.
#[derive(Debug, Clone)]
pub struct SimPump {
    config: SimConfig,
    rng: ChaCha8Rng,
    now: UtcDateTime,
    capacity: Volume,
    reservoir_kind: ReservoirKind,
    low_threshold: Volume,
    volume_nl: u64,
    therapy: Therapy,
    stopped: Option<Stop>,
    // Battery.
    battery_start: UtcDateTime,
    eri_at: UtcDateTime,
    eos_at: UtcDateTime,
    battery_replace_at: Option<UtcDateTime>,
    // Pump clock: offset from true time, and its drift.
    clock_offset_ms: i64,
    drift_ppm: i64,
    // The clinic.
    next_refill_at: UtcDateTime,
    // Faults.
    next_fault_at: UtcDateTime,
    fault_clears: Vec<(UtcDateTime, AlarmKind)>,
    acks: Vec<(UtcDateTime, AlarmKind)>,
    // History.
    history: VecDeque<HistoryEvent>,
    next_sequence: EventSequence,
    active: Vec<(AlarmKind, EventSequence)>,
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

const NL_PER_UL: u64 = 1000;
const DAY_MS: i64 = 86_400_000;

impl SimPump {
    /// A full pump at `config.start`, with therapy and lifetimes drawn from the seed.
    #[must_use]
    pub fn new(config: SimConfig) -> Self {
        let mut rng = ChaCha8Rng::seed_from_u64(config.seed);
        let start = config.start;
        let (capacity, reservoir_kind, low_threshold) = match config.kind {
            PumpKind::Implanted => {
                let ml = if rng.next_u32() % 2 == 0 { 20 } else { 40 };
                (
                    Volume::from_milliliters(ml),
                    ReservoirKind::ImplantedChamber,
                    Volume::from_milliliters(2),
                )
            }
            PumpKind::External => (
                Volume::from_milliliters(100),
                ReservoirKind::Cassette,
                Volume::from_milliliters(10),
            ),
        };
        let therapy = choose_therapy(&mut rng, config.kind, capacity, low_threshold);
        let drift_ppm = i64::from(range(&mut rng, 0, 40)) - 20;
        let mut pump = Self {
            rng,
            now: start,
            capacity,
            reservoir_kind,
            low_threshold,
            volume_nl: u64::from(capacity.microliters) * NL_PER_UL,
            therapy,
            stopped: None,
            battery_start: start,
            eri_at: start,
            eos_at: start,
            battery_replace_at: None,
            clock_offset_ms: 0,
            drift_ppm,
            next_refill_at: start,
            next_fault_at: start,
            fault_clears: Vec::new(),
            acks: Vec::new(),
            history: VecDeque::new(),
            next_sequence: 1,
            active: Vec::new(),
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
        pump.new_battery(start);
        pump.schedule_refill();
        pump.schedule_fault();
        pump.last_battery_percent = pump.battery_percent();
        pump
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
    /// still go to the history, to be replayed).
    pub fn set_subscribed(&mut self, subscribed: bool) {
        self.subscribed = subscribed;
    }

    /// What the pump reports about itself.
    #[must_use]
    pub fn device_info(&self) -> DeviceInfo {
        let (manufacturer, model) = match self.config.kind {
            PumpKind::Implanted => (
                "Thecal Simulated Pumps",
                if self.capacity == Volume::from_milliliters(20) {
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
            reservoir_kind: self.reservoir_kind,
            reservoir_capacity: self.capacity,
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
            reservoir_kind: self.reservoir_kind,
            reservoir_capacity: self.capacity,
            flex_schedule: true,
            bolus: true,
            battery_replaceable: self.config.kind.battery_replaceable(),
            history_capacity: self.config.history_capacity.max(1),
            eri_to_eos_days: match self.config.kind {
                PumpKind::Implanted => 90,
                PumpKind::External => 0,
            },
            low_reservoir_threshold: self.low_threshold,
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
        self.now + Duration::milliseconds(self.clock_offset_ms)
    }

    /// The status as a reading taken now (what a Status frame carries).
    #[must_use]
    pub fn status_reading(&self) -> StatusReading {
        StatusReading {
            taken_at: self.now,
            pump_clock: whole_seconds(self.pump_clock()),
            reservoir_volume: self.volume(),
            reservoir_capacity: self.capacity,
            mode: self.mode(),
            daily_dose: DailyDose {
                micrograms_per_day: self.therapy.daily_dose,
            },
            drug: self.therapy.drug.clone(),
            concentration: Concentration {
                micrograms_per_milliliter: self.therapy.concentration,
            },
            battery: BatteryStatus {
                percent: self.battery_percent(),
                indicator: self.battery_indicator(),
            },
        }
    }

    /// Every event still in the pump's history, oldest first.
    pub fn history(&self) -> impl Iterator<Item = &HistoryEvent> {
        self.history.iter()
    }

    /// The alarms raised and not cleared, with the sequence that raised each.
    #[must_use]
    pub fn active_alarms(&self) -> &[(AlarmKind, EventSequence)] {
        &self.active
    }

    /// Moves the simulation to `t` (no-op if `t` is not after now) and returns what a subscribed
    /// phone receives: every annunciation in order, then at most one Status notification (when
    /// `status_interval` has passed since the last, or mode, dose, concentration or battery
    /// indicator changed) and one Battery Level notification (when the percent changed), with
    /// the state at `t`.
    pub fn advance_to(&mut self, t: UtcDateTime) -> Vec<SimOutput> {
        while self.now < t {
            let mut next = (self.now + STEP).min(t);
            for at in self.scheduled() {
                if at > self.now && at < next {
                    next = at;
                }
            }
            self.deliver(self.now, next);
            self.clock_offset_ms +=
                (next - self.now).num_milliseconds() * self.drift_ppm / 1_000_000;
            self.now = next;
            self.run_due();
        }
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
            let percent = self.battery_percent();
            if percent != self.last_battery_percent {
                self.last_battery_percent = percent;
                self.send(profile::BATTERY_LEVEL, Delivery::Notify, vec![percent]);
            }
        }
        std::mem::take(&mut self.outbox)
    }

    /// Injects a fault; returns what a subscribed phone receives because of it.
    pub fn inject(&mut self, fault: SimFault) -> Vec<SimOutput> {
        match fault {
            SimFault::CorruptNextFrame => self.corrupt_next = true,
            SimFault::RepeatNextCounter => self.repeat_next = true,
            SimFault::RaiseAlarm(kind) => {
                self.raise(kind);
                if matches!(kind, AlarmKind::MotorStall | AlarmKind::PumpFault) {
                    self.stopped.get_or_insert(Stop::Fault);
                }
            }
            SimFault::ClearAlarm(kind) => {
                self.clear(kind);
                self.resume_after_fault();
            }
        }
        std::mem::take(&mut self.outbox)
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
            u if u == profile::BATTERY_LEVEL => Ok(vec![self.battery_percent()]),
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
                    let newest = self.next_sequence - 1;
                    if after > newest {
                        (req.op.opcode(), HistoryResult::InvalidOperand, Vec::new())
                    } else {
                        let records: Vec<HistoryEvent> = self
                            .history
                            .iter()
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
        let (oldest, newest) = match (self.history.front(), self.history.back()) {
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
    // The model
    // -----------------------------------------------------------------------------------------

    fn volume(&self) -> Volume {
        Volume::from_microliters(u32::try_from(self.volume_nl / NL_PER_UL).unwrap_or(u32::MAX))
    }

    fn mode(&self) -> InfusionMode {
        if self.stopped.is_some() {
            return InfusionMode::Stopped;
        }
        if self.therapy.mode == InfusionMode::Flex {
            // A bolus runs for 15 minutes after each 6-hourly bolus time.
            let into = self.now.timestamp_millis().rem_euclid(BOLUS_EVERY_MS);
            if into < 15 * 60 * 1000 {
                return InfusionMode::Bolus;
            }
        }
        self.therapy.mode
    }

    fn battery_percent(&self) -> u8 {
        let now = self.now.min(self.eos_at);
        let total = (self.eos_at - self.battery_start).num_milliseconds().max(1) as f64;
        let to_eri = (self.eri_at - self.battery_start).num_milliseconds().max(1) as f64;
        let elapsed = (now - self.battery_start).num_milliseconds().max(0) as f64;
        // Lithium cells: a long flat stretch to ERI, then a short fall to EOS.
        let at_eri = f64::from(match self.config.kind {
            PumpKind::Implanted => thecal_core::pump::driver::IMPLANTED_ERI_PERCENT,
            PumpKind::External => thecal_core::pump::driver::EXTERNAL_ERI_PERCENT,
        });
        let p = if elapsed < to_eri {
            100.0 - (100.0 - at_eri) * elapsed / to_eri
        } else {
            at_eri * (1.0 - (elapsed - to_eri) / (total - to_eri).max(1.0))
        };
        p.round().clamp(0.0, 100.0) as u8
    }

    fn battery_indicator(&self) -> BatteryIndicator {
        if self.now >= self.eos_at {
            BatteryIndicator::EndOfService
        } else if self.now >= self.eri_at {
            BatteryIndicator::ElectiveReplacement
        } else {
            BatteryIndicator::Normal
        }
    }

    fn new_battery(&mut self, at: UtcDateTime) {
        self.battery_start = at;
        match self.config.kind {
            PumpKind::Implanted => {
                let days = range(&mut self.rng, 3 * 365, 2_008);
                self.eri_at = at + Duration::days(i64::from(days));
                self.eos_at = self.eri_at + Duration::days(90);
            }
            PumpKind::External => {
                let hours = i64::from(range(&mut self.rng, 240, 336));
                self.eos_at = at + Duration::hours(hours);
                self.eri_at = at + Duration::minutes(hours * 60 * 9 / 10);
            }
        }
        self.battery_replace_at = None;
    }

    /// Every scheduled time, for the stepping loop.
    fn scheduled(&self) -> Vec<UtcDateTime> {
        let mut v = vec![
            self.next_refill_at,
            self.eri_at,
            self.eos_at,
            self.next_fault_at,
        ];
        v.extend(self.battery_replace_at);
        v.extend(self.fault_clears.iter().map(|(t, _)| *t));
        v.extend(self.acks.iter().map(|(t, _)| *t));
        v
    }

    /// Drains the reservoir for the interval `[a, b)`.
    fn deliver(&mut self, a: UtcDateTime, b: UtcDateTime) {
        if self.stopped.is_some() || self.therapy.concentration == 0 {
            return;
        }
        let nl_per_day = u128::from(self.therapy.daily_dose) * 1_000_000
            / u128::from(self.therapy.concentration);
        let ms = u128::try_from((b - a).num_milliseconds()).unwrap_or(0);
        let delivered = if self.therapy.mode == InfusionMode::Flex {
            // 60 % spread evenly, 4 boluses of 10 % at 00, 06, 12 and 18 h UTC.
            let boluses = u128::try_from(
                b.timestamp_millis().div_euclid(BOLUS_EVERY_MS)
                    - a.timestamp_millis().div_euclid(BOLUS_EVERY_MS),
            )
            .unwrap_or(0);
            nl_per_day * 6 / 10 * ms / DAY_MS as u128 + nl_per_day / 10 * boluses
        } else {
            nl_per_day * ms / DAY_MS as u128
        };
        let delivered = u64::try_from(delivered).unwrap_or(u64::MAX);
        self.volume_nl = self.volume_nl.saturating_sub(delivered);
    }

    /// Runs everything due at `self.now`, in a fixed order.
    fn run_due(&mut self) {
        let now = self.now;
        // Thresholds first: they happened during the step that just ended.
        if self.volume() <= self.low_threshold {
            self.raise(AlarmKind::ReservoirLow);
        }
        if self.volume_nl == 0 && self.stopped.is_none() {
            self.raise(AlarmKind::ReservoirEmpty);
            self.stopped = Some(Stop::Empty);
        }
        if now >= self.eri_at {
            self.raise(AlarmKind::BatteryElectiveReplacement);
            if self.config.kind == PumpKind::External && self.battery_replace_at.is_none() {
                let hours = i64::from(range(&mut self.rng, 2, 30));
                self.battery_replace_at = Some(now + Duration::hours(hours));
            }
        }
        if now >= self.eos_at {
            self.raise(AlarmKind::BatteryEndOfService);
            self.stopped = Some(Stop::EndOfService);
        }
        if self.battery_replace_at.is_some_and(|t| now >= t) {
            self.new_battery(now);
            self.record(HistoryDetail::BatteryReplaced { percent: 100 });
            self.clear(AlarmKind::BatteryElectiveReplacement);
            self.clear(AlarmKind::BatteryEndOfService);
            if self.stopped == Some(Stop::EndOfService) {
                self.stopped = None;
            }
        }
        if now >= self.next_refill_at {
            self.refill();
        }
        if now >= self.next_fault_at {
            self.random_fault();
        }
        let (due, later): (Vec<_>, Vec<_>) = self.fault_clears.iter().partition(|(t, _)| *t <= now);
        self.fault_clears = later;
        for (_, kind) in due {
            self.clear(kind);
            self.resume_after_fault();
        }
        let (due, later): (Vec<_>, Vec<_>) = self.acks.iter().partition(|(t, _)| *t <= now);
        self.acks = later;
        for (_, kind) in due {
            self.acknowledge(kind);
        }
    }

    fn refill(&mut self) {
        if self.stopped == Some(Stop::EndOfService) && self.config.kind == PumpKind::Implanted {
            // An implanted pump at end of service is replaced, not refilled.
            self.next_refill_at = self.eos_at + Duration::days(36_500);
            return;
        }
        // The clinician programmer sets the clock first, if it drifted.
        if self.clock_offset_ms.abs() > 30_000 {
            let previous = whole_seconds(self.pump_clock());
            self.clock_offset_ms = 0;
            self.record(HistoryDetail::ClockSet { previous });
        }
        let before = self.volume();
        // Titration at about one refill in three: ±5–20 %, within the drug's usual range.
        if self.rng.next_u32() % 3 == 0 {
            let pct = i64::from(range(&mut self.rng, 5, 20));
            let sign = if self.rng.next_u32() % 2 == 0 { 1 } else { -1 };
            let (lo, hi) = self.therapy.dose_range;
            let dose = i64::from(self.therapy.daily_dose) * (100 + sign * pct) / 100;
            self.therapy.daily_dose = round_to(u32::try_from(dose).unwrap_or(lo), 10).clamp(lo, hi);
        }
        self.volume_nl = u64::from(self.capacity.microliters) * NL_PER_UL;
        self.record(HistoryDetail::Refill {
            refill: Refill {
                volume_before: before,
                volume_after: self.capacity,
                drug: self.therapy.drug.clone(),
                concentration: Concentration {
                    micrograms_per_milliliter: self.therapy.concentration,
                },
                daily_dose: DailyDose {
                    micrograms_per_day: self.therapy.daily_dose,
                },
            },
        });
        // Now and then the clinic switches between continuous and flex delivery.
        if self.rng.next_u32() % 10 == 0 {
            self.therapy.mode = if self.therapy.mode == InfusionMode::Flex {
                InfusionMode::Continuous
            } else {
                InfusionMode::Flex
            };
            self.record(HistoryDetail::TherapyChanged {
                mode: self.therapy.mode,
                daily_dose: DailyDose {
                    micrograms_per_day: self.therapy.daily_dose,
                },
            });
        }
        self.clear(AlarmKind::ReservoirLow);
        self.clear(AlarmKind::ReservoirEmpty);
        if self.stopped == Some(Stop::Empty) {
            self.stopped = None;
        }
        self.schedule_refill();
    }

    /// Plans the next refill: a few days before the low-reservoir threshold (at most 90 days,
    /// for drug stability), or in about one case in eight, a few days late.
    fn schedule_refill(&mut self) {
        let usable_ul = self
            .capacity
            .microliters
            .saturating_sub(self.low_threshold.microliters);
        let ul_per_day = Concentration {
            micrograms_per_milliliter: self.therapy.concentration,
        }
        .volume_for(DailyDose {
            micrograms_per_day: self.therapy.daily_dose,
        })
        .map_or(1, |v| v.microliters.max(1));
        let days_to_low = i64::from(usable_ul / ul_per_day);
        let late = self.rng.next_u32() % 8 == 0 && days_to_low <= 90;
        let days = if late {
            days_to_low + i64::from(range(&mut self.rng, 1, 5))
        } else {
            (days_to_low.min(90) - i64::from(range(&mut self.rng, 0, 7))).max(1)
        };
        let hour = i64::from(range(&mut self.rng, 8, 16));
        let day_start =
            self.now - Duration::milliseconds(self.now.timestamp_millis().rem_euclid(DAY_MS));
        self.next_refill_at = day_start + Duration::days(days) + Duration::hours(hour);
    }

    /// Draws the next random fault: about one every 2.5 years for an implanted pump (more often
    /// for an external one).
    fn schedule_fault(&mut self) {
        let mean_days = match self.config.kind {
            PumpKind::Implanted => 900.0,
            PumpKind::External => 120.0,
        };
        let u = (f64::from(self.rng.next_u32()) + 1.0) / (f64::from(u32::MAX) + 2.0);
        let minutes = (-u.ln() * mean_days * 1440.0).min(1e9) as i64;
        self.next_fault_at = self.now + Duration::minutes(minutes.max(1));
    }

    fn random_fault(&mut self) {
        let kind = match self.rng.next_u32() % 10 {
            0..=4 => AlarmKind::CatheterOcclusion,
            5 | 6 => AlarmKind::MotorStall,
            7 | 8 => AlarmKind::ClockError,
            _ => AlarmKind::PumpFault,
        };
        if self.stopped != Some(Stop::EndOfService) {
            self.raise(kind);
            if matches!(kind, AlarmKind::MotorStall | AlarmKind::PumpFault)
                && self.stopped.is_none()
            {
                self.stopped = Some(Stop::Fault);
            }
            let hours = i64::from(range(&mut self.rng, 20, 96));
            self.fault_clears
                .push((self.now + Duration::hours(hours), kind));
        }
        self.schedule_fault();
    }

    fn resume_after_fault(&mut self) {
        let still_faulty = self
            .active
            .iter()
            .any(|(k, _)| matches!(k, AlarmKind::MotorStall | AlarmKind::PumpFault));
        if self.stopped == Some(Stop::Fault) && !still_faulty {
            self.stopped = None;
        }
    }

    fn raise(&mut self, kind: AlarmKind) {
        if self.active.iter().any(|(k, _)| *k == kind) {
            return;
        }
        let seq = self.next_sequence;
        self.active.push((kind, seq));
        self.record(HistoryDetail::Alarm {
            kind,
            priority: kind.usual_priority(),
            state: AlarmState::Raised,
            raised_sequence: seq,
        });
        // On the external pump, the patient often silences the alarm at its button.
        if self.config.kind == PumpKind::External && self.rng.next_u32() % 10 < 7 {
            let minutes = i64::from(range(&mut self.rng, 5, 60));
            self.acks
                .push((self.now + Duration::minutes(minutes), kind));
        }
    }

    fn clear(&mut self, kind: AlarmKind) {
        let Some(i) = self.active.iter().position(|(k, _)| *k == kind) else {
            return;
        };
        let (_, raised) = self.active.remove(i);
        self.acks.retain(|(_, k)| *k != kind);
        self.record(HistoryDetail::Alarm {
            kind,
            priority: kind.usual_priority(),
            state: AlarmState::Cleared,
            raised_sequence: raised,
        });
    }

    fn acknowledge(&mut self, kind: AlarmKind) {
        if let Some(&(_, raised)) = self.active.iter().find(|(k, _)| *k == kind) {
            self.record(HistoryDetail::Alarm {
                kind,
                priority: kind.usual_priority(),
                state: AlarmState::Acknowledged,
                raised_sequence: raised,
            });
        }
    }

    /// Appends an event to the history (overwriting the oldest when full) and, for an alarm,
    /// indicates it on the Annunciation characteristic.
    fn record(&mut self, detail: HistoryDetail) {
        let event = HistoryEvent {
            sequence: self.next_sequence,
            pump_time: whole_seconds(self.pump_clock()),
            detail,
        };
        self.next_sequence += 1;
        if self.history.len() >= usize::from(self.config.history_capacity.max(1)) {
            self.history.pop_front();
        }
        if self.subscribed
            && let Some(alarm) = event.as_alarm()
            && let Some(bytes) = self.frame(FrameKind::Annunciation, |c| {
                codec::encode_annunciation(c, &alarm)
            })
        {
            self.send(profile::ANNUNCIATION, Delivery::Indicate, bytes);
        }
        self.history.push_back(event);
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

const BOLUS_EVERY_MS: i64 = 6 * 3_600_000;

fn whole_seconds(t: UtcDateTime) -> UtcDateTime {
    chrono::DateTime::from_timestamp(t.timestamp(), 0).unwrap_or(t)
}

/// A uniform integer in `lo..=hi`.
fn range(rng: &mut ChaCha8Rng, lo: u32, hi: u32) -> u32 {
    if hi <= lo {
        return lo;
    }
    lo + (rng.next_u32() % (hi - lo + 1))
}

fn round_to(v: u32, step: u32) -> u32 {
    (v + step / 2) / step * step
}

fn choose_therapy(rng: &mut ChaCha8Rng, kind: PumpKind, capacity: Volume, low: Volume) -> Therapy {
    // (drug, dose range µg/day, concentrations µg/mL)
    let (drug, dose_range, concs): (Drug, (u32, u32), &[u32]) = match kind {
        PumpKind::Implanted => match rng.next_u32() % 20 {
            0..=13 => (
                Drug::Morphine,
                (2_000, 10_000),
                &[10_000, 15_000, 20_000, 25_000],
            ),
            14..=16 => (Drug::Hydromorphone, (500, 4_000), &[2_000, 5_000, 10_000]),
            _ => (Drug::Baclofen, (100, 800), &[500, 1_000, 2_000]),
        },
        PumpKind::External => (Drug::Morphine, (2_000, 6_000), &[1_000, 2_000]),
    };
    let daily_dose = round_to(range(rng, dose_range.0, dose_range.1), 100);
    // The clinic picks the concentration that makes a refill last closest to ~60 days
    // (external: ~25 days).
    let target_days: u64 = match kind {
        PumpKind::Implanted => u64::from(range(rng, 40, 75)),
        PumpKind::External => 25,
    };
    let usable = u64::from(capacity.microliters.saturating_sub(low.microliters));
    let concentration = concs
        .iter()
        .copied()
        .min_by_key(|&c| {
            let days = usable * u64::from(c) / 1000 / u64::from(daily_dose.max(1));
            days.abs_diff(target_days)
        })
        .unwrap_or(concs[0]);
    let mode = if rng.next_u32() % 4 == 0 {
        InfusionMode::Flex
    } else {
        InfusionMode::Continuous
    };
    Therapy {
        drug,
        concentration,
        daily_dose,
        mode,
        dose_range,
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use chrono::TimeZone;
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
    fn an_implanted_pump_lives_a_realistic_life() {
        for seed in 0..12 {
            let mut p = SimPump::new(SimConfig::implanted(seed, start()));
            p.set_subscribed(false);
            let cap = p.device_info().reservoir_capacity;
            assert!(cap == Volume::from_milliliters(20) || cap == Volume::from_milliliters(40));
            p.advance_to(start() + Duration::days(6 * 365));
            let events: Vec<_> = p.history().cloned().collect();
            // Sequences are 1, 2, 3… with no gap.
            for (i, e) in events.iter().enumerate() {
                assert_eq!(e.sequence as usize, i + 1, "seed {seed}");
            }
            // Refills every 1–3 months while the pump runs.
            let r = refills(&p);
            assert!(r.len() >= 12, "seed {seed}: {} refills", r.len());
            for w in r.windows(2) {
                let days = (w[1] - w[0]).num_days();
                assert!(
                    (20..=95).contains(&days),
                    "seed {seed}: refill after {days} days"
                );
            }
            // ERI after 3–5.5 years, EOS 90 days later, and infusion stops.
            let raised = |k: AlarmKind| {
                events.iter().find_map(|e| {
                    e.as_alarm()
                        .filter(|a| a.kind == k && a.state == AlarmState::Raised)
                        .map(|a| a.pump_time)
                })
            };
            let eri = raised(AlarmKind::BatteryElectiveReplacement).expect("ERI within 6 years");
            let eos = raised(AlarmKind::BatteryEndOfService).expect("EOS within 6 years");
            let years = (eri - start()).num_days() as f64 / 365.0;
            assert!(
                (2.99..=5.6).contains(&years),
                "seed {seed}: ERI after {years} years"
            );
            assert!(((eos - eri).num_days() - 90).abs() <= 1, "seed {seed}");
            let s = p.status_reading();
            assert_eq!(s.mode, InfusionMode::Stopped);
            assert_eq!(s.battery.indicator, BatteryIndicator::EndOfService);
            assert_eq!(s.battery.percent, 0);
            assert_eq!(ImplantedDriver.check_status(&s), Ok(()));
        }
    }

    #[test]
    fn the_battery_falls_slowly_then_fast() {
        let mut p = SimPump::new(SimConfig::implanted(3, start()));
        p.advance_to(start() + Duration::days(365));
        let one_year = p.status_reading().battery.percent;
        assert!((65..=90).contains(&one_year), "{one_year} % after a year");
        let eri = p.eri_at;
        p.advance_to(eri - Duration::days(1));
        let before_eri = p.status_reading().battery;
        assert_eq!(before_eri.indicator, BatteryIndicator::Normal);
        assert!((8..=10).contains(&before_eri.percent));
        p.advance_to(eri + Duration::days(45));
        let after = p.status_reading().battery;
        assert_eq!(after.indicator, BatteryIndicator::ElectiveReplacement);
        assert_eq!(after.percent, 4);
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
        assert!(refills(&p).len() >= 3);
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
