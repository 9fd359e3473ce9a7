//! Insta snapshots of one frame of each layout of the pump profile, described as the vectors
//! describe them, so that any change to a layout is seen.

use chrono::TimeZone;
use thecal_core::model::*;
use thecal_core::pump::codec::*;

/// A valid reading: 40 mL pump, 18.5 mL left, morphine 25 mg/mL at 5 mg/day.
fn reading(at: UtcDateTime) -> StatusReading {
    StatusReading {
        taken_at: at,
        pump_clock: at,
        reservoir_volume: Volume::from_microliters(18_500),
        reservoir_capacity: Volume::from_milliliters(40),
        mode: InfusionMode::Continuous,
        daily_dose: DailyDose {
            micrograms_per_day: 5_000,
        },
        drug: Drug::Morphine,
        concentration: Concentration::from_mg_per_ml(25),
        battery: BatteryStatus {
            percent: 87,
            indicator: BatteryIndicator::Normal,
        },
    }
}

#[test]
fn frame_layouts_snapshot() {
    let t = chrono::Utc.with_ymd_and_hms(2026, 1, 5, 9, 0, 0).unwrap();
    let reading = reading(t);
    let alarm = PumpAlarm {
        sequence: 41,
        pump_time: t,
        kind: AlarmKind::ReservoirLow,
        priority: AlarmPriority::Medium,
        state: AlarmState::Raised,
        raised_sequence: 41,
    };
    let refill = HistoryEvent {
        sequence: 42,
        pump_time: t,
        detail: HistoryDetail::Refill {
            refill: Refill {
                volume_before: Volume::from_microliters(1_850),
                volume_after: Volume::from_milliliters(40),
                drug: Drug::Morphine,
                concentration: Concentration::from_mg_per_ml(25),
                daily_dose: DailyDose {
                    micrograms_per_day: 5_500,
                },
            },
        },
    };
    let features = PumpFeatures {
        pump_kind: PumpKind::Implanted,
        reservoir_kind: ReservoirKind::ImplantedChamber,
        reservoir_capacity: Volume::from_milliliters(40),
        flex_schedule: true,
        bolus: true,
        battery_replaceable: false,
        history_capacity: 1024,
        eri_to_eos_days: 90,
        low_reservoir_threshold: Volume::from_milliliters(2),
    };
    let response = HistoryResponse {
        counter: 4,
        request_opcode: 1,
        result: HistoryResult::Success,
        records_sent: 2,
        oldest_sequence: 1,
        newest_sequence: 42,
    };
    let frames = [
        ("status", encode_status(1, &reading).unwrap()),
        ("annunciation", encode_annunciation(2, &alarm).unwrap()),
        (
            "history_record_refill",
            encode_history_record(3, &refill).unwrap(),
        ),
        ("history_request", encode_records_since(5, 40)),
        (
            "history_response",
            encode_history_response(&response).unwrap(),
        ),
        ("features", encode_features(6, &features).unwrap()),
    ];
    let text: String = frames
        .iter()
        .map(|(name, bytes)| {
            let fields = thecal_sim::describe::describe(&decode_frame(bytes, t).unwrap());
            format!(
                "{name} ({} bytes)\n  {}\n  {fields}\n",
                bytes.len(),
                hex_spaced(bytes)
            )
        })
        .collect();
    insta::assert_snapshot!(text);
}

fn hex_spaced(bytes: &[u8]) -> String {
    bytes
        .iter()
        .map(|b| format!("{b:02x}"))
        .collect::<Vec<_>>()
        .join(" ")
}
