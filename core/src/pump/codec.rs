//! Encode and decode every characteristic of the profile (layouts in `docs/gatt-profile.md`).
//!
//! Decoding never panics, never allocates more than [`MAX_FRAME_LEN`] bytes, and checks in a
//! fixed order: the envelope (length bounds → version → CRC → frame kind), then the fields as
//! they are read (a missing byte is `truncated`; an enumeration code that decides the layout is
//! checked as it is read), then leftover bytes (`too_long`), then value ranges and cross-field
//! rules (`out_of_range`).

use serde::Serialize;

use super::error::FrameError;
use super::profile::{FrameKind, MAX_FRAME_LEN, MIN_FRAME_LEN, PROFILE_VERSION};
use crate::model::{
    AlarmKind, AlarmPriority, AlarmState, BatteryIndicator, BatteryStatus, Concentration,
    DailyDose, Drug, EventSequence, HistoryDetail, HistoryEvent, InfusionMode, MAX_RESERVOIR,
    MAX_TEXT, PumpAlarm, PumpKind, Refill, ReservoirKind, StatusReading, UtcDateTime, Volume,
};

// ---------------------------------------------------------------------------------------------
// CRC and the frame envelope
// ---------------------------------------------------------------------------------------------

/// CRC-16/CCITT-FALSE (polynomial 0x1021, initial value 0xFFFF, no reflection, no final XOR):
/// the E2E CRC of every pump-service frame. `crc16(b"123456789") == 0x29B1`.
#[must_use]
pub fn crc16(bytes: &[u8]) -> u16 {
    let mut crc: u16 = 0xFFFF;
    for &b in bytes {
        crc ^= u16::from(b) << 8;
        for _ in 0..8 {
            crc = if crc & 0x8000 == 0 {
                crc << 1
            } else {
                (crc << 1) ^ 0x1021
            };
        }
    }
    crc
}

/// Builds frames: header first, fields appended little-endian, CRC last.
struct Writer(Vec<u8>);

impl Writer {
    fn new(kind: FrameKind, counter: u8) -> Self {
        let mut v = Vec::with_capacity(32);
        v.extend_from_slice(&[PROFILE_VERSION, kind as u8, counter]);
        Self(v)
    }
    fn u8(&mut self, v: u8) -> &mut Self {
        self.0.push(v);
        self
    }
    fn u16(&mut self, v: u16) -> &mut Self {
        self.0.extend_from_slice(&v.to_le_bytes());
        self
    }
    fn u32(&mut self, v: u32) -> &mut Self {
        self.0.extend_from_slice(&v.to_le_bytes());
        self
    }
    fn bytes(&mut self, b: &[u8]) -> &mut Self {
        self.0.extend_from_slice(b);
        self
    }
    fn finish(mut self) -> Vec<u8> {
        let crc = crc16(&self.0);
        self.0.extend_from_slice(&crc.to_le_bytes());
        self.0
    }
}

/// Reads a frame's payload (between the header and the CRC) field by field.
struct Reader<'a> {
    buf: &'a [u8],
    pos: usize,
    /// Total frame length, for error messages.
    frame_len: usize,
}

impl<'a> Reader<'a> {
    fn take(&mut self, n: usize) -> Result<&'a [u8], FrameError> {
        let end = self.pos.saturating_add(n);
        match self.buf.get(self.pos..end) {
            Some(s) => {
                self.pos = end;
                Ok(s)
            }
            None => Err(FrameError::Truncated {
                needed: len_u32(self.frame_len - self.buf.len() + end),
                got: len_u32(self.frame_len),
            }),
        }
    }
    fn u8(&mut self) -> Result<u8, FrameError> {
        Ok(self.take(1)?[0])
    }
    fn u16(&mut self) -> Result<u16, FrameError> {
        let b = self.take(2)?;
        Ok(u16::from_le_bytes([b[0], b[1]]))
    }
    fn u32(&mut self) -> Result<u32, FrameError> {
        let b = self.take(4)?;
        Ok(u32::from_le_bytes([b[0], b[1], b[2], b[3]]))
    }
    /// Fails if payload bytes are left over.
    fn end(&self) -> Result<(), FrameError> {
        if self.pos == self.buf.len() {
            Ok(())
        } else {
            Err(FrameError::TooLong {
                allowed: len_u32(self.frame_len - (self.buf.len() - self.pos)),
                got: len_u32(self.frame_len),
            })
        }
    }
}

fn len_u32(n: usize) -> u32 {
    u32::try_from(n).unwrap_or(u32::MAX)
}

/// A checked frame: its kind, E2E counter and payload.
struct Envelope<'a> {
    kind: FrameKind,
    counter: u8,
    payload: Reader<'a>,
}

/// Checks bounds, version and CRC, and the kind byte against `expected` (if any).
fn open(bytes: &[u8], expected: Option<FrameKind>) -> Result<Envelope<'_>, FrameError> {
    if bytes.len() > MAX_FRAME_LEN {
        return Err(FrameError::TooLong {
            allowed: len_u32(MAX_FRAME_LEN),
            got: len_u32(bytes.len()),
        });
    }
    let Some(&version) = bytes.first() else {
        return Err(FrameError::Truncated {
            needed: len_u32(MIN_FRAME_LEN),
            got: 0,
        });
    };
    if version != PROFILE_VERSION {
        return Err(FrameError::UnsupportedVersion {
            version,
            supported: PROFILE_VERSION,
        });
    }
    if bytes.len() < MIN_FRAME_LEN {
        return Err(FrameError::Truncated {
            needed: len_u32(MIN_FRAME_LEN),
            got: len_u32(bytes.len()),
        });
    }
    let (body, crc) = bytes.split_at(bytes.len() - 2);
    let carried = u16::from_le_bytes([crc[0], crc[1]]);
    let computed = crc16(body);
    if carried != computed {
        return Err(FrameError::BadCrc { carried, computed });
    }
    let kind_byte = body[1];
    let kind =
        FrameKind::from_byte(kind_byte).ok_or(FrameError::UnknownFrameKind { kind: kind_byte })?;
    if let Some(expected) = expected
        && expected != kind
    {
        return Err(FrameError::WrongFrameKind {
            expected: expected as u8,
            found: kind_byte,
        });
    }
    Ok(Envelope {
        kind,
        counter: body[2],
        payload: Reader {
            buf: &body[3..],
            pos: 0,
            frame_len: bytes.len(),
        },
    })
}

// ---------------------------------------------------------------------------------------------
// Field codes
// ---------------------------------------------------------------------------------------------

/// Seconds since the Unix epoch (u32, until 2106) → UTC.
fn time_from_wire(secs: u32) -> UtcDateTime {
    chrono::DateTime::from_timestamp(i64::from(secs), 0).unwrap_or_default()
}

fn time_to_wire(field: &str, t: UtcDateTime) -> Result<u32, FrameError> {
    u32::try_from(t.timestamp())
        .map_err(|_| FrameError::out_of_range(field, "must be between 1970 and 2106"))
}

fn mode_from_wire(b: u8) -> Result<InfusionMode, FrameError> {
    Ok(match b {
        0x00 => InfusionMode::Stopped,
        0x01 => InfusionMode::Continuous,
        0x02 => InfusionMode::Flex,
        0x03 => InfusionMode::Bolus,
        other => return Err(FrameError::unknown("mode", other)),
    })
}

fn mode_to_wire(m: InfusionMode) -> u8 {
    match m {
        InfusionMode::Stopped => 0x00,
        InfusionMode::Continuous => 0x01,
        InfusionMode::Flex => 0x02,
        InfusionMode::Bolus => 0x03,
    }
}

fn indicator_from_wire(b: u8) -> Result<BatteryIndicator, FrameError> {
    Ok(match b {
        0x00 => BatteryIndicator::Normal,
        0x01 => BatteryIndicator::ElectiveReplacement,
        0x02 => BatteryIndicator::EndOfService,
        other => return Err(FrameError::unknown("battery_indicator", other)),
    })
}

fn indicator_to_wire(i: BatteryIndicator) -> u8 {
    match i {
        BatteryIndicator::Normal => 0x00,
        BatteryIndicator::ElectiveReplacement => 0x01,
        BatteryIndicator::EndOfService => 0x02,
    }
}

const DRUG_OTHER: u8 = 0xFF;

fn drug_to_wire(d: &Drug) -> u8 {
    match d {
        Drug::Morphine => 0x01,
        Drug::Hydromorphone => 0x02,
        Drug::Fentanyl => 0x03,
        Drug::Sufentanil => 0x04,
        Drug::Baclofen => 0x05,
        Drug::Ziconotide => 0x06,
        Drug::Bupivacaine => 0x07,
        Drug::Clonidine => 0x08,
        Drug::Other { .. } => DRUG_OTHER,
    }
}

/// Reads the drug code and, for "other", its length-prefixed name.
fn read_drug(r: &mut Reader<'_>) -> Result<Drug, FrameError> {
    Ok(match r.u8()? {
        0x01 => Drug::Morphine,
        0x02 => Drug::Hydromorphone,
        0x03 => Drug::Fentanyl,
        0x04 => Drug::Sufentanil,
        0x05 => Drug::Baclofen,
        0x06 => Drug::Ziconotide,
        0x07 => Drug::Bupivacaine,
        0x08 => Drug::Clonidine,
        DRUG_OTHER => {
            let len = r.u8()?;
            if len == 0 || usize::from(len) > MAX_TEXT {
                return Err(FrameError::out_of_range(
                    "drug_name_length",
                    "must be 1 to 64 bytes",
                ));
            }
            let name = text_from_wire("drug_name", r.take(usize::from(len))?)?;
            if name.trim().is_empty() {
                return Err(FrameError::InvalidText {
                    field: "drug_name".into(),
                    reason: "is blank".into(),
                });
            }
            Drug::Other { name }
        }
        other => return Err(FrameError::unknown("drug", other)),
    })
}

fn write_drug(w: &mut Writer, d: &Drug) -> Result<(), FrameError> {
    w.u8(drug_to_wire(d));
    if let Drug::Other { name } = d {
        let bytes = name.as_bytes();
        if bytes.is_empty() || bytes.len() > MAX_TEXT || name.trim().is_empty() {
            return Err(FrameError::out_of_range(
                "drug_name_length",
                "must be 1 to 64 bytes",
            ));
        }
        check_text("drug_name", name)?;
        w.u8(u8::try_from(bytes.len()).unwrap_or(u8::MAX))
            .bytes(bytes);
    }
    Ok(())
}

fn priority_from_wire(b: u8) -> Result<AlarmPriority, FrameError> {
    Ok(match b {
        0x01 => AlarmPriority::High,
        0x02 => AlarmPriority::Medium,
        0x03 => AlarmPriority::Low,
        other => return Err(FrameError::unknown("priority", other)),
    })
}

fn priority_to_wire(p: AlarmPriority) -> u8 {
    match p {
        AlarmPriority::High => 0x01,
        AlarmPriority::Medium => 0x02,
        AlarmPriority::Low => 0x03,
    }
}

fn state_from_wire(b: u8) -> Result<AlarmState, FrameError> {
    Ok(match b {
        0x01 => AlarmState::Raised,
        0x02 => AlarmState::Cleared,
        0x03 => AlarmState::Acknowledged,
        other => return Err(FrameError::unknown("state", other)),
    })
}

fn state_to_wire(s: AlarmState) -> u8 {
    match s {
        AlarmState::Raised => 0x01,
        AlarmState::Cleared => 0x02,
        AlarmState::Acknowledged => 0x03,
    }
}

fn pump_kind_from_wire(b: u8) -> Result<PumpKind, FrameError> {
    Ok(match b {
        0x01 => PumpKind::Implanted,
        0x02 => PumpKind::External,
        other => return Err(FrameError::unknown("pump_kind", other)),
    })
}

/// The wire code of a pump kind (features and advertisement).
#[must_use]
pub fn pump_kind_to_wire(k: PumpKind) -> u8 {
    match k {
        PumpKind::Implanted => 0x01,
        PumpKind::External => 0x02,
    }
}

fn reservoir_kind_from_wire(b: u8) -> Result<ReservoirKind, FrameError> {
    Ok(match b {
        0x01 => ReservoirKind::ImplantedChamber,
        0x02 => ReservoirKind::Cassette,
        0x03 => ReservoirKind::Bag,
        other => return Err(FrameError::unknown("reservoir_kind", other)),
    })
}

fn reservoir_kind_to_wire(k: ReservoirKind) -> u8 {
    match k {
        ReservoirKind::ImplantedChamber => 0x01,
        ReservoirKind::Cassette => 0x02,
        ReservoirKind::Bag => 0x03,
    }
}

fn capacity_checked(field: &str, ul: u32) -> Result<Volume, FrameError> {
    if ul == 0 || ul > MAX_RESERVOIR.microliters {
        return Err(FrameError::out_of_range(
            field,
            "must be 1 to 1,000,000 microlitres",
        ));
    }
    Ok(Volume::from_microliters(ul))
}

fn volume_checked(field: &str, ul: u32) -> Result<Volume, FrameError> {
    if ul > MAX_RESERVOIR.microliters {
        return Err(FrameError::out_of_range(
            field,
            "must be at most 1,000,000 microlitres",
        ));
    }
    Ok(Volume::from_microliters(ul))
}

fn percent_checked(field: &str, p: u8) -> Result<u8, FrameError> {
    if p > 100 {
        return Err(FrameError::out_of_range(field, "must be 0 to 100"));
    }
    Ok(p)
}

fn check_text(field: &str, s: &str) -> Result<(), FrameError> {
    if s.chars().any(char::is_control) {
        return Err(FrameError::InvalidText {
            field: field.into(),
            reason: "has control characters".into(),
        });
    }
    Ok(())
}

fn text_from_wire(field: &str, bytes: &[u8]) -> Result<String, FrameError> {
    let s = std::str::from_utf8(bytes).map_err(|_| FrameError::InvalidText {
        field: field.into(),
        reason: "is not UTF-8".into(),
    })?;
    check_text(field, s)?;
    Ok(s.to_owned())
}

// ---------------------------------------------------------------------------------------------
// Status
// ---------------------------------------------------------------------------------------------

/// A decoded Status frame.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[cfg_attr(feature = "uniffi", derive(uniffi::Record))]
pub struct StatusFrame {
    /// The frame's E2E counter.
    pub counter: u8,
    /// The reading it carries (`taken_at` is the time the phone received it).
    pub reading: StatusReading,
}

/// Encodes a Status frame. `reading.taken_at` is not sent; `pump_clock` is sent in whole seconds.
///
/// # Errors
/// [`FrameError::OutOfRange`] / [`FrameError::InvalidText`] for a value the layout cannot carry.
pub fn encode_status(counter: u8, reading: &StatusReading) -> Result<Vec<u8>, FrameError> {
    check_status(reading)?;
    let mut w = Writer::new(FrameKind::Status, counter);
    w.u32(time_to_wire("pump_time", reading.pump_clock)?)
        .u32(reading.reservoir_volume.microliters)
        .u32(reading.reservoir_capacity.microliters)
        .u8(mode_to_wire(reading.mode))
        .u32(reading.daily_dose.micrograms_per_day)
        .u32(reading.concentration.micrograms_per_milliliter)
        .u8(reading.battery.percent)
        .u8(indicator_to_wire(reading.battery.indicator));
    write_drug(&mut w, &reading.drug)?;
    Ok(w.finish())
}

fn check_status(r: &StatusReading) -> Result<(), FrameError> {
    // In field order: volume, capacity, then the rule between them.
    volume_checked("reservoir_volume", r.reservoir_volume.microliters)?;
    let capacity = capacity_checked("reservoir_capacity", r.reservoir_capacity.microliters)?;
    if r.reservoir_volume > capacity {
        return Err(FrameError::out_of_range(
            "reservoir_volume",
            "must not exceed the reservoir capacity",
        ));
    }
    percent_checked("battery_percent", r.battery.percent)?;
    Ok(())
}

/// Decodes a Status frame received at `received_at`.
///
/// # Errors
/// A [`FrameError`] saying what is wrong; nothing of a failed frame is used.
pub fn decode_status(bytes: &[u8], received_at: UtcDateTime) -> Result<StatusFrame, FrameError> {
    let mut env = open(bytes, Some(FrameKind::Status))?;
    let r = &mut env.payload;
    let pump_clock = time_from_wire(r.u32()?);
    let reservoir_volume = Volume::from_microliters(r.u32()?);
    let reservoir_capacity = Volume::from_microliters(r.u32()?);
    let mode = mode_from_wire(r.u8()?)?;
    let daily_dose = DailyDose {
        micrograms_per_day: r.u32()?,
    };
    let concentration = Concentration {
        micrograms_per_milliliter: r.u32()?,
    };
    let percent = r.u8()?;
    let indicator = indicator_from_wire(r.u8()?)?;
    let drug = read_drug(r)?;
    r.end()?;
    let reading = StatusReading {
        taken_at: received_at,
        pump_clock,
        reservoir_volume,
        reservoir_capacity,
        mode,
        daily_dose,
        drug,
        concentration,
        battery: BatteryStatus { percent, indicator },
    };
    check_status(&reading)?;
    Ok(StatusFrame {
        counter: env.counter,
        reading,
    })
}

// ---------------------------------------------------------------------------------------------
// Annunciation (and the alarm body shared with history records)
// ---------------------------------------------------------------------------------------------

/// A decoded Annunciation frame: one alarm event, live.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[cfg_attr(feature = "uniffi", derive(uniffi::Record))]
pub struct AnnunciationFrame {
    /// The frame's E2E counter.
    pub counter: u8,
    /// The alarm event.
    pub alarm: PumpAlarm,
}

fn check_sequence(seq: EventSequence) -> Result<(), FrameError> {
    if seq == 0 {
        return Err(FrameError::out_of_range("sequence", "must be 1 or more"));
    }
    Ok(())
}

fn check_alarm_link(
    seq: EventSequence,
    state: AlarmState,
    raised: EventSequence,
) -> Result<(), FrameError> {
    let ok = match state {
        AlarmState::Raised => raised == seq,
        AlarmState::Cleared | AlarmState::Acknowledged => raised >= 1 && raised < seq,
    };
    if ok {
        Ok(())
    } else {
        Err(FrameError::out_of_range(
            "raised_sequence",
            "must equal the sequence for a raise, and be an earlier sequence for a clear or an acknowledgement",
        ))
    }
}

/// Range and link checks of an alarm event (after its frame length is known to be right).
fn check_alarm_values(a: &PumpAlarm) -> Result<(), FrameError> {
    check_sequence(a.sequence)?;
    if a.kind.code() == 0 {
        return Err(FrameError::out_of_range("alarm_code", "must not be 0"));
    }
    check_alarm_link(a.sequence, a.state, a.raised_sequence)
}

fn write_alarm_body(w: &mut Writer, a: &PumpAlarm) -> Result<(), FrameError> {
    check_alarm_values(a)?;
    w.u16(a.kind.code())
        .u8(priority_to_wire(a.priority))
        .u8(state_to_wire(a.state))
        .u32(a.raised_sequence);
    Ok(())
}

fn read_alarm_body(
    r: &mut Reader<'_>,
    sequence: EventSequence,
    pump_time: UtcDateTime,
) -> Result<PumpAlarm, FrameError> {
    let kind = AlarmKind::from_code(r.u16()?);
    let priority = priority_from_wire(r.u8()?)?;
    let state = state_from_wire(r.u8()?)?;
    let raised_sequence = r.u32()?;
    Ok(PumpAlarm {
        sequence,
        pump_time,
        kind,
        priority,
        state,
        raised_sequence,
    })
}

/// Encodes an Annunciation frame.
///
/// # Errors
/// [`FrameError::OutOfRange`] for a sequence of 0, a bad `raised_sequence` link, alarm code 0,
/// or a time the layout cannot carry.
pub fn encode_annunciation(counter: u8, alarm: &PumpAlarm) -> Result<Vec<u8>, FrameError> {
    check_alarm_values(alarm)?;
    let mut w = Writer::new(FrameKind::Annunciation, counter);
    w.u32(alarm.sequence)
        .u32(time_to_wire("pump_time", alarm.pump_time)?);
    write_alarm_body(&mut w, alarm)?;
    Ok(w.finish())
}

/// Decodes an Annunciation frame.
///
/// # Errors
/// A [`FrameError`] saying what is wrong.
pub fn decode_annunciation(bytes: &[u8]) -> Result<AnnunciationFrame, FrameError> {
    let mut env = open(bytes, Some(FrameKind::Annunciation))?;
    let r = &mut env.payload;
    let sequence = r.u32()?;
    let pump_time = time_from_wire(r.u32()?);
    let alarm = read_alarm_body(r, sequence, pump_time)?;
    r.end()?;
    check_alarm_values(&alarm)?;
    Ok(AnnunciationFrame {
        counter: env.counter,
        alarm,
    })
}

// ---------------------------------------------------------------------------------------------
// History record
// ---------------------------------------------------------------------------------------------

/// A decoded History Record frame.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[cfg_attr(feature = "uniffi", derive(uniffi::Record))]
pub struct HistoryRecordFrame {
    /// The frame's E2E counter.
    pub counter: u8,
    /// The event.
    pub event: HistoryEvent,
}

const EVENT_ALARM: u8 = 0x01;
const EVENT_REFILL: u8 = 0x02;
const EVENT_THERAPY: u8 = 0x03;
const EVENT_BATTERY: u8 = 0x04;
const EVENT_CLOCK: u8 = 0x05;

/// Range and link checks of a history event.
fn check_event_values(e: &HistoryEvent) -> Result<(), FrameError> {
    check_sequence(e.sequence)?;
    match &e.detail {
        HistoryDetail::Alarm { .. } => {
            if let Some(a) = e.as_alarm() {
                check_alarm_values(&a)?;
            }
        }
        HistoryDetail::Refill { refill } => {
            volume_checked("volume_before", refill.volume_before.microliters)?;
            volume_checked("volume_after", refill.volume_after.microliters)?;
        }
        HistoryDetail::BatteryReplaced { percent } => {
            percent_checked("battery_percent", *percent)?;
        }
        HistoryDetail::TherapyChanged { .. } | HistoryDetail::ClockSet { .. } => {}
    }
    Ok(())
}

/// Encodes a History Record frame.
///
/// # Errors
/// [`FrameError::OutOfRange`] / [`FrameError::InvalidText`] for a value the layout cannot carry.
pub fn encode_history_record(counter: u8, event: &HistoryEvent) -> Result<Vec<u8>, FrameError> {
    check_event_values(event)?;
    let mut w = Writer::new(FrameKind::HistoryRecord, counter);
    w.u32(event.sequence)
        .u32(time_to_wire("pump_time", event.pump_time)?);
    match &event.detail {
        HistoryDetail::Alarm { .. } => {
            let alarm = event
                .as_alarm()
                .ok_or_else(|| FrameError::out_of_range("event_type", "is not an alarm"))?;
            w.u8(EVENT_ALARM);
            write_alarm_body(&mut w, &alarm)?;
        }
        HistoryDetail::Refill { refill } => {
            w.u8(EVENT_REFILL)
                .u32(refill.volume_before.microliters)
                .u32(refill.volume_after.microliters)
                .u32(refill.concentration.micrograms_per_milliliter)
                .u32(refill.daily_dose.micrograms_per_day);
            write_drug(&mut w, &refill.drug)?;
        }
        HistoryDetail::TherapyChanged { mode, daily_dose } => {
            w.u8(EVENT_THERAPY)
                .u8(mode_to_wire(*mode))
                .u32(daily_dose.micrograms_per_day);
        }
        HistoryDetail::BatteryReplaced { percent } => {
            w.u8(EVENT_BATTERY).u8(*percent);
        }
        HistoryDetail::ClockSet { previous } => {
            w.u8(EVENT_CLOCK)
                .u32(time_to_wire("previous_time", *previous)?);
        }
    }
    Ok(w.finish())
}

/// Decodes a History Record frame.
///
/// # Errors
/// A [`FrameError`] saying what is wrong.
pub fn decode_history_record(bytes: &[u8]) -> Result<HistoryRecordFrame, FrameError> {
    let mut env = open(bytes, Some(FrameKind::HistoryRecord))?;
    let r = &mut env.payload;
    let sequence = r.u32()?;
    let pump_time = time_from_wire(r.u32()?);
    let detail = match r.u8()? {
        EVENT_ALARM => HistoryEvent::from(read_alarm_body(r, sequence, pump_time)?).detail,
        EVENT_REFILL => {
            let volume_before = Volume::from_microliters(r.u32()?);
            let volume_after = Volume::from_microliters(r.u32()?);
            let concentration = Concentration {
                micrograms_per_milliliter: r.u32()?,
            };
            let daily_dose = DailyDose {
                micrograms_per_day: r.u32()?,
            };
            let drug = read_drug(r)?;
            HistoryDetail::Refill {
                refill: Refill {
                    volume_before,
                    volume_after,
                    drug,
                    concentration,
                    daily_dose,
                },
            }
        }
        EVENT_THERAPY => HistoryDetail::TherapyChanged {
            mode: mode_from_wire(r.u8()?)?,
            daily_dose: DailyDose {
                micrograms_per_day: r.u32()?,
            },
        },
        EVENT_BATTERY => HistoryDetail::BatteryReplaced { percent: r.u8()? },
        EVENT_CLOCK => HistoryDetail::ClockSet {
            previous: time_from_wire(r.u32()?),
        },
        other => return Err(FrameError::unknown("event_type", other)),
    };
    r.end()?;
    let event = HistoryEvent {
        sequence,
        pump_time,
        detail,
    };
    check_event_values(&event)?;
    Ok(HistoryRecordFrame {
        counter: env.counter,
        event,
    })
}

// ---------------------------------------------------------------------------------------------
// History Control Point
// ---------------------------------------------------------------------------------------------

/// What the phone asks of the History Control Point.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize)]
#[cfg_attr(feature = "uniffi", derive(uniffi::Enum))]
#[serde(tag = "op", rename_all = "snake_case")]
pub enum HistoryOp {
    /// Send every stored record whose sequence is greater than `after` (0 = all), oldest first.
    RecordsSince {
        /// The newest sequence the phone already has (0 for none).
        after: EventSequence,
    },
    /// Stop a transfer in progress.
    Abort,
}

const OP_RECORDS_SINCE: u8 = 0x01;
const OP_ABORT: u8 = 0x02;

impl HistoryOp {
    /// The opcode byte.
    #[must_use]
    pub fn opcode(self) -> u8 {
        match self {
            Self::RecordsSince { .. } => OP_RECORDS_SINCE,
            Self::Abort => OP_ABORT,
        }
    }
}

/// A decoded History Control Point request (what the pump side reads).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[cfg_attr(feature = "uniffi", derive(uniffi::Record))]
pub struct HistoryRequest {
    /// The frame's E2E counter.
    pub counter: u8,
    /// The operation.
    pub op: HistoryOp,
}

/// Encodes a History Control Point request: the one frame the phone writes.
#[must_use]
pub fn encode_history_request(counter: u8, op: HistoryOp) -> Vec<u8> {
    let mut w = Writer::new(FrameKind::HistoryRequest, counter);
    w.u8(op.opcode());
    if let HistoryOp::RecordsSince { after } = op {
        w.u32(after);
    }
    w.finish()
}

/// Encodes "send me every record after sequence `after`".
#[must_use]
pub fn encode_records_since(counter: u8, after: EventSequence) -> Vec<u8> {
    encode_history_request(counter, HistoryOp::RecordsSince { after })
}

/// Decodes a History Control Point request (pump side).
///
/// # Errors
/// A [`FrameError`]; an unknown opcode is [`FrameError::UnknownValue`] with field `opcode`
/// (a pump answers it with [`HistoryResult::OpcodeNotSupported`]).
pub fn decode_history_request(bytes: &[u8]) -> Result<HistoryRequest, FrameError> {
    let mut env = open(bytes, Some(FrameKind::HistoryRequest))?;
    let r = &mut env.payload;
    let op = match r.u8()? {
        OP_RECORDS_SINCE => HistoryOp::RecordsSince { after: r.u32()? },
        OP_ABORT => HistoryOp::Abort,
        other => return Err(FrameError::unknown("opcode", other)),
    };
    r.end()?;
    Ok(HistoryRequest {
        counter: env.counter,
        op,
    })
}

/// How the pump answered a History Control Point request.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize)]
#[cfg_attr(feature = "uniffi", derive(uniffi::Enum))]
#[serde(rename_all = "snake_case")]
pub enum HistoryResult {
    /// Done: `records_sent` records were indicated before this response.
    Success,
    /// Nothing newer than the requested sequence.
    NoRecords,
    /// The opcode is not one the pump knows.
    OpcodeNotSupported,
    /// The operand is invalid (e.g. a sequence newer than the newest stored).
    InvalidOperand,
    /// A transfer is already running; try again after its response.
    Busy,
    /// The transfer was aborted at the phone's request.
    Aborted,
}

impl HistoryResult {
    fn to_wire(self) -> u8 {
        match self {
            Self::Success => 0x00,
            Self::NoRecords => 0x01,
            Self::OpcodeNotSupported => 0x02,
            Self::InvalidOperand => 0x03,
            Self::Busy => 0x04,
            Self::Aborted => 0x05,
        }
    }

    fn from_wire(b: u8) -> Result<Self, FrameError> {
        Ok(match b {
            0x00 => Self::Success,
            0x01 => Self::NoRecords,
            0x02 => Self::OpcodeNotSupported,
            0x03 => Self::InvalidOperand,
            0x04 => Self::Busy,
            0x05 => Self::Aborted,
            other => return Err(FrameError::unknown("result", other)),
        })
    }
}

/// A decoded History Control Point response.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[cfg_attr(feature = "uniffi", derive(uniffi::Record))]
pub struct HistoryResponse {
    /// The frame's E2E counter.
    pub counter: u8,
    /// The opcode of the request answered (as received, even if unknown).
    pub request_opcode: u8,
    /// The outcome.
    pub result: HistoryResult,
    /// How many History Record indications were sent for this request.
    pub records_sent: u32,
    /// The oldest sequence the pump still stores (0 if none). If it is more than one above the
    /// phone's `after`, records between were overwritten in the pump and are lost.
    pub oldest_sequence: EventSequence,
    /// The newest sequence the pump has recorded (0 if none).
    pub newest_sequence: EventSequence,
}

impl HistoryResponse {
    /// The sequences that the pump overwrote before the phone fetched them, for a request of
    /// records after `after`: `Some((first, last))` inclusive, or `None` if nothing was lost.
    #[must_use]
    pub fn lost_after(&self, after: EventSequence) -> Option<(EventSequence, EventSequence)> {
        (self.oldest_sequence > after.saturating_add(1))
            .then(|| (after.saturating_add(1), self.oldest_sequence - 1))
    }
}

/// Encodes a History Control Point response (pump side).
///
/// # Errors
/// [`FrameError::OutOfRange`] if `oldest_sequence` is after `newest_sequence`.
pub fn encode_history_response(resp: &HistoryResponse) -> Result<Vec<u8>, FrameError> {
    check_response(resp)?;
    let mut w = Writer::new(FrameKind::HistoryResponse, resp.counter);
    w.u8(resp.request_opcode)
        .u8(resp.result.to_wire())
        .u32(resp.records_sent)
        .u32(resp.oldest_sequence)
        .u32(resp.newest_sequence);
    Ok(w.finish())
}

fn check_response(resp: &HistoryResponse) -> Result<(), FrameError> {
    if resp.oldest_sequence > resp.newest_sequence
        || (resp.oldest_sequence == 0) != (resp.newest_sequence == 0)
    {
        return Err(FrameError::out_of_range(
            "oldest_sequence",
            "must be 0 with newest 0 (empty history), or between 1 and the newest sequence",
        ));
    }
    Ok(())
}

/// Decodes a History Control Point response.
///
/// # Errors
/// A [`FrameError`] saying what is wrong.
pub fn decode_history_response(bytes: &[u8]) -> Result<HistoryResponse, FrameError> {
    let mut env = open(bytes, Some(FrameKind::HistoryResponse))?;
    let r = &mut env.payload;
    let resp = HistoryResponse {
        counter: env.counter,
        request_opcode: r.u8()?,
        result: HistoryResult::from_wire(r.u8()?)?,
        records_sent: r.u32()?,
        oldest_sequence: r.u32()?,
        newest_sequence: r.u32()?,
    };
    r.end()?;
    check_response(&resp)?;
    Ok(resp)
}

// ---------------------------------------------------------------------------------------------
// Features
// ---------------------------------------------------------------------------------------------

/// What the pump says it is and can do (Features characteristic).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize)]
#[cfg_attr(feature = "uniffi", derive(uniffi::Record))]
pub struct PumpFeatures {
    /// Implanted or external.
    pub pump_kind: PumpKind,
    /// What holds the drug.
    pub reservoir_kind: ReservoirKind,
    /// The reservoir's capacity.
    pub reservoir_capacity: Volume,
    /// Flag bit 0: the pump can run a flex schedule (rate varying over the day).
    pub flex_schedule: bool,
    /// Flag bit 1: the pump can give clinician-programmed boluses.
    pub bolus: bool,
    /// Flag bit 2: the battery can be replaced (external pumps).
    pub battery_replaceable: bool,
    /// How many history records the pump keeps (older ones are overwritten).
    pub history_capacity: u16,
    /// Days the pump keeps infusing after ERI before EOS (0 = the pump does not say).
    pub eri_to_eos_days: u16,
    /// The reservoir volume at which the pump raises "reservoir low".
    pub low_reservoir_threshold: Volume,
}

/// A decoded Features frame.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[cfg_attr(feature = "uniffi", derive(uniffi::Record))]
pub struct FeaturesFrame {
    /// The frame's E2E counter.
    pub counter: u8,
    /// The features.
    pub features: PumpFeatures,
}

const FLAG_FLEX: u16 = 1 << 0;
const FLAG_BOLUS: u16 = 1 << 1;
const FLAG_BATTERY_REPLACEABLE: u16 = 1 << 2;

fn check_features(f: &PumpFeatures) -> Result<(), FrameError> {
    capacity_checked("reservoir_capacity", f.reservoir_capacity.microliters)?;
    if f.low_reservoir_threshold > f.reservoir_capacity {
        return Err(FrameError::out_of_range(
            "low_reservoir_threshold",
            "must not exceed the reservoir capacity",
        ));
    }
    if f.history_capacity == 0 {
        return Err(FrameError::out_of_range(
            "history_capacity",
            "must be at least 1",
        ));
    }
    Ok(())
}

/// Encodes a Features frame.
///
/// # Errors
/// [`FrameError::OutOfRange`] for an impossible capacity, threshold or history size.
pub fn encode_features(counter: u8, f: &PumpFeatures) -> Result<Vec<u8>, FrameError> {
    check_features(f)?;
    let mut flags = 0;
    for (on, bit) in [
        (f.flex_schedule, FLAG_FLEX),
        (f.bolus, FLAG_BOLUS),
        (f.battery_replaceable, FLAG_BATTERY_REPLACEABLE),
    ] {
        if on {
            flags |= bit;
        }
    }
    let mut w = Writer::new(FrameKind::Features, counter);
    w.u8(pump_kind_to_wire(f.pump_kind))
        .u8(reservoir_kind_to_wire(f.reservoir_kind))
        .u32(f.reservoir_capacity.microliters)
        .u16(flags)
        .u16(f.history_capacity)
        .u16(f.eri_to_eos_days)
        .u32(f.low_reservoir_threshold.microliters);
    Ok(w.finish())
}

/// Decodes a Features frame. Flag bits this version does not know are ignored.
///
/// # Errors
/// A [`FrameError`] saying what is wrong.
pub fn decode_features(bytes: &[u8]) -> Result<FeaturesFrame, FrameError> {
    let mut env = open(bytes, Some(FrameKind::Features))?;
    let r = &mut env.payload;
    let pump_kind = pump_kind_from_wire(r.u8()?)?;
    let reservoir_kind = reservoir_kind_from_wire(r.u8()?)?;
    let reservoir_capacity = Volume::from_microliters(r.u32()?);
    let flags = r.u16()?;
    let history_capacity = r.u16()?;
    let eri_to_eos_days = r.u16()?;
    let low_reservoir_threshold = Volume::from_microliters(r.u32()?);
    r.end()?;
    let features = PumpFeatures {
        pump_kind,
        reservoir_kind,
        reservoir_capacity,
        flex_schedule: flags & FLAG_FLEX != 0,
        bolus: flags & FLAG_BOLUS != 0,
        battery_replaceable: flags & FLAG_BATTERY_REPLACEABLE != 0,
        history_capacity,
        eri_to_eos_days,
        low_reservoir_threshold,
    };
    check_features(&features)?;
    Ok(FeaturesFrame {
        counter: env.counter,
        features,
    })
}

// ---------------------------------------------------------------------------------------------
// Standard characteristics: Battery Level, Device Information strings, advertisement data
// ---------------------------------------------------------------------------------------------

/// Decodes a Battery Level value (SIG 0x2A19): one byte, 0–100 %.
///
/// # Errors
/// [`FrameError::Truncated`], [`FrameError::TooLong`] or [`FrameError::OutOfRange`].
pub fn decode_battery_level(bytes: &[u8]) -> Result<u8, FrameError> {
    match bytes {
        [] => Err(FrameError::Truncated { needed: 1, got: 0 }),
        [p] => percent_checked("battery_level", *p),
        _ => Err(FrameError::TooLong {
            allowed: 1,
            got: len_u32(bytes.len()),
        }),
    }
}

/// Encodes a Battery Level value.
///
/// # Errors
/// [`FrameError::OutOfRange`] above 100 %.
pub fn encode_battery_level(percent: u8) -> Result<Vec<u8>, FrameError> {
    Ok(vec![percent_checked("battery_level", percent)?])
}

/// Decodes a Device Information string (manufacturer, model, serial, revisions): UTF-8, at most
/// 64 bytes, no control characters; trailing NUL bytes (some stacks pad) are dropped.
///
/// # Errors
/// [`FrameError::TooLong`] or [`FrameError::InvalidText`] naming `field`.
pub fn decode_dis_text(field: &str, bytes: &[u8]) -> Result<String, FrameError> {
    if bytes.len() > MAX_TEXT {
        return Err(FrameError::TooLong {
            allowed: len_u32(MAX_TEXT),
            got: len_u32(bytes.len()),
        });
    }
    let end = bytes.iter().rposition(|&b| b != 0).map_or(0, |i| i + 1);
    text_from_wire(field, &bytes[..end])
}

/// The pump service's advertisement data (Service Data for [`super::profile::PUMP_SERVICE`]):
/// profile version, pump kind.
#[must_use]
pub fn encode_advertisement_data(kind: PumpKind) -> [u8; 2] {
    [PROFILE_VERSION, pump_kind_to_wire(kind)]
}

/// Decodes the pump service's advertisement data into the pump kind.
///
/// # Errors
/// [`FrameError::Truncated`], [`FrameError::UnsupportedVersion`] or [`FrameError::UnknownValue`].
/// Extra bytes are ignored (room for later versions in a scan).
pub fn decode_advertisement_data(bytes: &[u8]) -> Result<PumpKind, FrameError> {
    match bytes {
        [PROFILE_VERSION, kind, ..] => pump_kind_from_wire(*kind),
        [version, _, ..] => Err(FrameError::UnsupportedVersion {
            version: *version,
            supported: PROFILE_VERSION,
        }),
        _ => Err(FrameError::Truncated {
            needed: 2,
            got: len_u32(bytes.len()),
        }),
    }
}

// ---------------------------------------------------------------------------------------------
// Any frame
// ---------------------------------------------------------------------------------------------

/// Any pump-service frame, decoded by its kind byte (for tools and the test vectors; the link
/// uses the decoder of the characteristic it listens on).
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[cfg_attr(feature = "uniffi", derive(uniffi::Enum))]
#[serde(tag = "type", rename_all = "snake_case")]
pub enum DecodedFrame {
    /// A Status frame.
    Status {
        /// The frame.
        frame: StatusFrame,
    },
    /// An Annunciation frame.
    Annunciation {
        /// The frame.
        frame: AnnunciationFrame,
    },
    /// A History Record frame.
    HistoryRecord {
        /// The frame.
        frame: HistoryRecordFrame,
    },
    /// A History Control Point request.
    HistoryRequest {
        /// The frame.
        frame: HistoryRequest,
    },
    /// A History Control Point response.
    HistoryResponse {
        /// The frame.
        frame: HistoryResponse,
    },
    /// A Features frame.
    Features {
        /// The frame.
        frame: FeaturesFrame,
    },
}

impl DecodedFrame {
    /// The frame's kind.
    #[must_use]
    pub fn kind(&self) -> FrameKind {
        match self {
            Self::Status { .. } => FrameKind::Status,
            Self::Annunciation { .. } => FrameKind::Annunciation,
            Self::HistoryRecord { .. } => FrameKind::HistoryRecord,
            Self::HistoryRequest { .. } => FrameKind::HistoryRequest,
            Self::HistoryResponse { .. } => FrameKind::HistoryResponse,
            Self::Features { .. } => FrameKind::Features,
        }
    }

    /// The frame's E2E counter.
    #[must_use]
    pub fn counter(&self) -> u8 {
        match self {
            Self::Status { frame } => frame.counter,
            Self::Annunciation { frame } => frame.counter,
            Self::HistoryRecord { frame } => frame.counter,
            Self::HistoryRequest { frame } => frame.counter,
            Self::HistoryResponse { frame } => frame.counter,
            Self::Features { frame } => frame.counter,
        }
    }

    /// Encodes the frame again (byte-identical to a valid input).
    ///
    /// # Errors
    /// As the kind's encoder.
    pub fn encode(&self) -> Result<Vec<u8>, FrameError> {
        match self {
            Self::Status { frame } => encode_status(frame.counter, &frame.reading),
            Self::Annunciation { frame } => encode_annunciation(frame.counter, &frame.alarm),
            Self::HistoryRecord { frame } => encode_history_record(frame.counter, &frame.event),
            Self::HistoryRequest { frame } => Ok(encode_history_request(frame.counter, frame.op)),
            Self::HistoryResponse { frame } => encode_history_response(frame),
            Self::Features { frame } => encode_features(frame.counter, &frame.features),
        }
    }
}

/// Decodes any pump-service frame by its kind byte; Status readings get `received_at`.
///
/// # Errors
/// A [`FrameError`] saying what is wrong.
pub fn decode_frame(bytes: &[u8], received_at: UtcDateTime) -> Result<DecodedFrame, FrameError> {
    let env = open(bytes, None)?;
    Ok(match env.kind {
        FrameKind::Status => DecodedFrame::Status {
            frame: decode_status(bytes, received_at)?,
        },
        FrameKind::Annunciation => DecodedFrame::Annunciation {
            frame: decode_annunciation(bytes)?,
        },
        FrameKind::HistoryRecord => DecodedFrame::HistoryRecord {
            frame: decode_history_record(bytes)?,
        },
        FrameKind::HistoryRequest => DecodedFrame::HistoryRequest {
            frame: decode_history_request(bytes)?,
        },
        FrameKind::HistoryResponse => DecodedFrame::HistoryResponse {
            frame: decode_history_response(bytes)?,
        },
        FrameKind::Features => DecodedFrame::Features {
            frame: decode_features(bytes)?,
        },
    })
}

// ---------------------------------------------------------------------------------------------
// The E2E counter
// ---------------------------------------------------------------------------------------------

/// What the E2E counter of an accepted frame says about the frames before it.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum CounterStatus {
    /// The first frame on this characteristic since the connection started.
    First,
    /// The frame that was expected next.
    InOrder,
    /// `missed` frames were lost in between. On the Annunciation characteristic, replay the
    /// history to recover them; on Status, the new reading replaces what was lost.
    Skipped {
        /// How many counters were skipped (1–254).
        missed: u8,
    },
}

/// Tracks one characteristic's E2E counter (the sender adds 1, modulo 256, per frame). Create
/// one per characteristic per connection; feed it only frames that decoded without error.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct CounterTracker {
    last: Option<u8>,
}

impl CounterTracker {
    /// A tracker that has seen nothing yet.
    #[must_use]
    pub fn new() -> Self {
        Self::default()
    }

    /// A tracker whose last accepted counter was `last` (tests, resumed state).
    #[must_use]
    pub fn after(last: u8) -> Self {
        Self { last: Some(last) }
    }

    /// Checks and records `counter`.
    ///
    /// # Errors
    /// [`FrameError::CounterRepeated`] if it equals the last accepted counter: drop the frame
    /// (a duplicate). The tracker is unchanged then.
    pub fn check(&mut self, counter: u8) -> Result<CounterStatus, FrameError> {
        let status = match self.last {
            None => CounterStatus::First,
            Some(last) if last == counter => {
                return Err(FrameError::CounterRepeated { counter });
            }
            Some(last) if last.wrapping_add(1) == counter => CounterStatus::InOrder,
            Some(last) => CounterStatus::Skipped {
                missed: counter.wrapping_sub(last).wrapping_sub(1),
            },
        };
        self.last = Some(counter);
        Ok(status)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use chrono::TimeZone;

    fn t(s: i64) -> UtcDateTime {
        chrono::Utc.timestamp_opt(s, 0).unwrap()
    }

    #[test]
    fn crc_check_value() {
        assert_eq!(crc16(b"123456789"), 0x29B1);
        assert_eq!(crc16(b""), 0xFFFF);
    }

    #[test]
    fn counter_tracker_in_order_skipped_repeated_and_wrapping() {
        let mut c = CounterTracker::new();
        assert_eq!(c.check(254), Ok(CounterStatus::First));
        assert_eq!(c.check(255), Ok(CounterStatus::InOrder));
        assert_eq!(c.check(0), Ok(CounterStatus::InOrder));
        assert_eq!(c.check(0), Err(FrameError::CounterRepeated { counter: 0 }));
        assert_eq!(c.check(3), Ok(CounterStatus::Skipped { missed: 2 }));
        assert_eq!(c.check(2), Ok(CounterStatus::Skipped { missed: 254 }));
    }

    #[test]
    fn every_truncation_of_a_status_frame_is_an_error() {
        let r = crate::model::test_reading(t(1_790_000_000));
        let bytes = encode_status(9, &r).unwrap();
        assert_eq!(decode_status(&bytes, r.taken_at).unwrap().reading, r);
        for n in 0..bytes.len() {
            assert!(decode_status(&bytes[..n], r.taken_at).is_err(), "len {n}");
        }
    }

    #[test]
    fn a_short_frame_with_a_valid_crc_is_truncated() {
        let mut w = Writer::new(FrameKind::Annunciation, 1);
        w.u32(5);
        let bytes = w.finish();
        assert_eq!(
            decode_annunciation(&bytes),
            Err(FrameError::Truncated { needed: 13, got: 9 })
        );
    }

    #[test]
    fn lost_history_is_reported() {
        let resp = HistoryResponse {
            counter: 0,
            request_opcode: 1,
            result: HistoryResult::Success,
            records_sent: 3,
            oldest_sequence: 10,
            newest_sequence: 12,
        };
        assert_eq!(resp.lost_after(4), Some((5, 9)));
        assert_eq!(resp.lost_after(9), None);
        assert_eq!(resp.lost_after(11), None);
    }

    #[test]
    fn dis_text_drops_padding_and_refuses_bad_text() {
        assert_eq!(decode_dis_text("serial", b"SIM-1\0\0").unwrap(), "SIM-1");
        assert_eq!(
            decode_dis_text("serial", &[0xff]).unwrap_err().code(),
            "invalid_text"
        );
        assert_eq!(
            decode_dis_text("serial", b"a\nb").unwrap_err().code(),
            "invalid_text"
        );
        assert_eq!(
            decode_dis_text("serial", &[b'a'; 65]).unwrap_err().code(),
            "too_long"
        );
    }

    #[test]
    fn advertisement_data() {
        let d = encode_advertisement_data(PumpKind::External);
        assert_eq!(decode_advertisement_data(&d), Ok(PumpKind::External));
        assert_eq!(
            decode_advertisement_data(&[2, 1]).unwrap_err().code(),
            "unsupported_version"
        );
        assert_eq!(
            decode_advertisement_data(&[1]).unwrap_err().code(),
            "truncated"
        );
    }
}
