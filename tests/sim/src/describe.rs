//! Decoded frames as flat, language-neutral JSON: the `decoded` objects of the test vectors and
//! the output of `thecal frame decode`. Integers in the profile's units (µL, µg/day, µg/mL),
//! times as RFC 3339 UTC, enumerations as snake_case codes.

use serde_json::{Map, Value, json};

use thecal_core::model::{
    AlarmKind, AlarmPriority, AlarmState, HistoryDetail, PumpKind, ReservoirKind, UtcDateTime,
};
use thecal_core::pump::codec::{DecodedFrame, HistoryOp, HistoryResult};

/// A time as the vectors write it (`2026-01-05T09:00:00Z`).
#[must_use]
pub fn time_text(t: UtcDateTime) -> String {
    t.to_rfc3339_opts(chrono::SecondsFormat::Secs, true)
}

/// The pump kind's code (`implanted`, `external`).
#[must_use]
pub fn pump_kind_text(k: PumpKind) -> &'static str {
    match k {
        PumpKind::Implanted => "implanted",
        PumpKind::External => "external",
    }
}

fn reservoir_text(k: ReservoirKind) -> &'static str {
    match k {
        ReservoirKind::ImplantedChamber => "chamber",
        ReservoirKind::Cassette => "cassette",
        ReservoirKind::Bag => "bag",
    }
}

fn result_text(r: HistoryResult) -> &'static str {
    match r {
        HistoryResult::Success => "success",
        HistoryResult::NoRecords => "no_records",
        HistoryResult::OpcodeNotSupported => "opcode_not_supported",
        HistoryResult::InvalidOperand => "invalid_operand",
        HistoryResult::Busy => "busy",
        HistoryResult::Aborted => "aborted",
    }
}

fn alarm_fields(
    m: &mut Map<String, Value>,
    kind: AlarmKind,
    priority: AlarmPriority,
    state: AlarmState,
    raised_sequence: u32,
) {
    m.insert("alarm_code".into(), json!(kind.code()));
    m.insert("alarm".into(), json!(kind.text_code()));
    m.insert("priority".into(), json!(priority.code()));
    m.insert("state".into(), json!(state.code()));
    m.insert("raised_sequence".into(), json!(raised_sequence));
}

/// The frame as flat JSON (see the module doc).
#[must_use]
pub fn describe(frame: &DecodedFrame) -> Value {
    let mut m = Map::new();
    m.insert("frame".into(), json!(frame.kind().name()));
    m.insert("counter".into(), json!(frame.counter()));
    match frame {
        DecodedFrame::Status { frame } => {
            let r = &frame.reading;
            m.insert("pump_time".into(), json!(time_text(r.pump_clock)));
            m.insert(
                "reservoir_volume_ul".into(),
                json!(r.reservoir_volume.microliters),
            );
            m.insert(
                "reservoir_capacity_ul".into(),
                json!(r.reservoir_capacity.microliters),
            );
            m.insert("mode".into(), json!(r.mode.code()));
            m.insert(
                "daily_dose_ug_per_day".into(),
                json!(r.daily_dose.micrograms_per_day),
            );
            m.insert(
                "concentration_ug_per_ml".into(),
                json!(r.concentration.micrograms_per_milliliter),
            );
            m.insert("battery_percent".into(), json!(r.battery.percent));
            m.insert(
                "battery_indicator".into(),
                json!(r.battery.indicator.code()),
            );
            m.insert("drug".into(), json!(r.drug.code()));
        }
        DecodedFrame::Annunciation { frame } => {
            let a = &frame.alarm;
            m.insert("sequence".into(), json!(a.sequence));
            m.insert("pump_time".into(), json!(time_text(a.pump_time)));
            alarm_fields(&mut m, a.kind, a.priority, a.state, a.raised_sequence);
        }
        DecodedFrame::HistoryRecord { frame } => {
            let e = &frame.event;
            m.insert("sequence".into(), json!(e.sequence));
            m.insert("pump_time".into(), json!(time_text(e.pump_time)));
            m.insert("event".into(), json!(e.type_code()));
            match &e.detail {
                HistoryDetail::Alarm {
                    kind,
                    priority,
                    state,
                    raised_sequence,
                } => alarm_fields(&mut m, *kind, *priority, *state, *raised_sequence),
                HistoryDetail::Refill { refill } => {
                    m.insert(
                        "volume_before_ul".into(),
                        json!(refill.volume_before.microliters),
                    );
                    m.insert(
                        "volume_after_ul".into(),
                        json!(refill.volume_after.microliters),
                    );
                    m.insert("drug".into(), json!(refill.drug.code()));
                    m.insert(
                        "concentration_ug_per_ml".into(),
                        json!(refill.concentration.micrograms_per_milliliter),
                    );
                    m.insert(
                        "daily_dose_ug_per_day".into(),
                        json!(refill.daily_dose.micrograms_per_day),
                    );
                }
                HistoryDetail::TherapyChanged { mode, daily_dose } => {
                    m.insert("mode".into(), json!(mode.code()));
                    m.insert(
                        "daily_dose_ug_per_day".into(),
                        json!(daily_dose.micrograms_per_day),
                    );
                }
                HistoryDetail::BatteryReplaced { percent } => {
                    m.insert("battery_percent".into(), json!(percent));
                }
                HistoryDetail::ClockSet { previous } => {
                    m.insert("previous_time".into(), json!(time_text(*previous)));
                }
            }
        }
        DecodedFrame::HistoryRequest { frame } => match frame.op {
            HistoryOp::RecordsSince { after } => {
                m.insert("opcode".into(), json!("records_since"));
                m.insert("after_sequence".into(), json!(after));
            }
            HistoryOp::Abort => {
                m.insert("opcode".into(), json!("abort"));
            }
        },
        DecodedFrame::HistoryResponse { frame } => {
            m.insert("request_opcode".into(), json!(frame.request_opcode));
            m.insert("result".into(), json!(result_text(frame.result)));
            m.insert("records_sent".into(), json!(frame.records_sent));
            m.insert("oldest_sequence".into(), json!(frame.oldest_sequence));
            m.insert("newest_sequence".into(), json!(frame.newest_sequence));
        }
        DecodedFrame::Features { frame } => {
            let f = &frame.features;
            m.insert("pump_kind".into(), json!(pump_kind_text(f.pump_kind)));
            m.insert(
                "reservoir_kind".into(),
                json!(reservoir_text(f.reservoir_kind)),
            );
            m.insert(
                "reservoir_capacity_ul".into(),
                json!(f.reservoir_capacity.microliters),
            );
            m.insert("flex_schedule".into(), json!(f.flex_schedule));
            m.insert("bolus".into(), json!(f.bolus));
            m.insert("battery_replaceable".into(), json!(f.battery_replaceable));
            m.insert("history_capacity".into(), json!(f.history_capacity));
            m.insert("eri_to_eos_days".into(), json!(f.eri_to_eos_days));
            m.insert(
                "low_reservoir_threshold_ul".into(),
                json!(f.low_reservoir_threshold.microliters),
            );
        }
    }
    Value::Object(m)
}
