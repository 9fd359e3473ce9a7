//! Property tests of the codec: encode → decode round trips, and arbitrary bytes never panic.

use chrono::TimeZone;
use proptest::prelude::*;

use super::codec::*;
use crate::model::*;

fn time() -> impl Strategy<Value = UtcDateTime> {
    (0_u32..=u32::MAX).prop_map(|s| chrono::Utc.timestamp_opt(i64::from(s), 0).unwrap())
}

fn drug() -> impl Strategy<Value = Drug> {
    prop_oneof![
        Just(Drug::Morphine),
        Just(Drug::Hydromorphone),
        Just(Drug::Fentanyl),
        Just(Drug::Sufentanil),
        Just(Drug::Baclofen),
        Just(Drug::Ziconotide),
        Just(Drug::Bupivacaine),
        Just(Drug::Clonidine),
        "[a-zA-Z0-9 +éµ-]{0,20}[a-zA-Z0-9]".prop_map(|name| Drug::Other { name }),
    ]
}

fn mode() -> impl Strategy<Value = InfusionMode> {
    prop_oneof![
        Just(InfusionMode::Continuous),
        Just(InfusionMode::Flex),
        Just(InfusionMode::Bolus),
        Just(InfusionMode::Stopped),
    ]
}

prop_compose! {
    fn reading()(
        taken_at in time(), pump_clock in time(), capacity in 1_u32..=1_000_000,
        fill in 0.0_f64..=1.0, mode in mode(), dose in any::<u32>(), drug in drug(),
        conc in any::<u32>(), percent in 0_u8..=100,
        indicator in prop_oneof![
            Just(BatteryIndicator::Normal),
            Just(BatteryIndicator::ElectiveReplacement),
            Just(BatteryIndicator::EndOfService),
        ],
    ) -> StatusReading {
        StatusReading {
            taken_at,
            pump_clock,
            reservoir_volume: Volume::from_microliters((f64::from(capacity) * fill) as u32),
            reservoir_capacity: Volume::from_microliters(capacity),
            mode,
            daily_dose: DailyDose { micrograms_per_day: dose },
            drug,
            concentration: Concentration { micrograms_per_milliliter: conc },
            battery: BatteryStatus { percent, indicator },
        }
    }
}

fn priority() -> impl Strategy<Value = AlarmPriority> {
    prop_oneof![
        Just(AlarmPriority::High),
        Just(AlarmPriority::Medium),
        Just(AlarmPriority::Low)
    ]
}

prop_compose! {
    fn alarm()(
        sequence in 2_u32..=u32::MAX, pump_time in time(), code in 1_u16..=u16::MAX,
        priority in priority(), state in 0_u8..3, back in any::<u32>(),
    ) -> PumpAlarm {
        let state = [AlarmState::Raised, AlarmState::Cleared, AlarmState::Acknowledged]
            [usize::from(state)];
        let raised_sequence = if state == AlarmState::Raised {
            sequence
        } else {
            1 + back % (sequence - 1)
        };
        PumpAlarm {
            sequence,
            pump_time,
            kind: AlarmKind::from_code(code),
            priority,
            state,
            raised_sequence,
        }
    }
}

fn event() -> impl Strategy<Value = HistoryEvent> {
    let detail = prop_oneof![
        (
            0_u32..=1_000_000,
            0_u32..=1_000_000,
            drug(),
            any::<u32>(),
            any::<u32>()
        )
            .prop_map(|(b, a, drug, c, d)| HistoryDetail::Refill {
                refill: Refill {
                    volume_before: Volume::from_microliters(b),
                    volume_after: Volume::from_microliters(a),
                    drug,
                    concentration: Concentration {
                        micrograms_per_milliliter: c
                    },
                    daily_dose: DailyDose {
                        micrograms_per_day: d
                    },
                },
            }),
        (mode(), any::<u32>()).prop_map(|(mode, d)| HistoryDetail::TherapyChanged {
            mode,
            daily_dose: DailyDose {
                micrograms_per_day: d
            },
        }),
        (0_u8..=100).prop_map(|percent| HistoryDetail::BatteryReplaced { percent }),
        time().prop_map(|previous| HistoryDetail::ClockSet { previous }),
    ];
    prop_oneof![
        alarm().prop_map(HistoryEvent::from),
        (1_u32..=u32::MAX, time(), detail).prop_map(|(sequence, pump_time, detail)| {
            HistoryEvent {
                sequence,
                pump_time,
                detail,
            }
        }),
    ]
}

prop_compose! {
    fn features()(
        implanted in any::<bool>(), reservoir in 0_u8..3, capacity in 1_u32..=1_000_000,
        low in 0.0_f64..=1.0, flex in any::<bool>(), bolus in any::<bool>(),
        replaceable in any::<bool>(), history in 1_u16..=u16::MAX, eri in any::<u16>(),
    ) -> PumpFeatures {
        PumpFeatures {
            pump_kind: if implanted { PumpKind::Implanted } else { PumpKind::External },
            reservoir_kind: [ReservoirKind::ImplantedChamber, ReservoirKind::Cassette, ReservoirKind::Bag]
                [usize::from(reservoir)],
            reservoir_capacity: Volume::from_microliters(capacity),
            flex_schedule: flex,
            bolus,
            battery_replaceable: replaceable,
            history_capacity: history,
            eri_to_eos_days: eri,
            low_reservoir_threshold: Volume::from_microliters((f64::from(capacity) * low) as u32),
        }
    }
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(512))]

    #[test]
    fn status_round_trips(counter in any::<u8>(), r in reading()) {
        let bytes = encode_status(counter, &r).unwrap();
        prop_assert!(bytes.len() <= super::profile::MAX_FRAME_LEN);
        let back = decode_status(&bytes, r.taken_at).unwrap();
        prop_assert_eq!(back.counter, counter);
        prop_assert_eq!(back.reading, r);
    }

    #[test]
    fn annunciation_round_trips(counter in any::<u8>(), a in alarm()) {
        let back = decode_annunciation(&encode_annunciation(counter, &a).unwrap()).unwrap();
        prop_assert_eq!(back, AnnunciationFrame { counter, alarm: a });
    }

    #[test]
    fn history_record_round_trips(counter in any::<u8>(), e in event()) {
        let bytes = encode_history_record(counter, &e).unwrap();
        prop_assert!(bytes.len() <= super::profile::MAX_FRAME_LEN);
        let back = decode_history_record(&bytes).unwrap();
        prop_assert_eq!(back, HistoryRecordFrame { counter, event: e });
    }

    #[test]
    fn history_request_round_trips(counter in any::<u8>(), after in any::<u32>(), abort in any::<bool>()) {
        let op = if abort { HistoryOp::Abort } else { HistoryOp::RecordsSince { after } };
        let back = decode_history_request(&encode_history_request(counter, op)).unwrap();
        prop_assert_eq!(back, HistoryRequest { counter, op });
    }

    #[test]
    fn history_response_round_trips(
        counter in any::<u8>(), request_opcode in any::<u8>(), result in 0_usize..6,
        records_sent in any::<u32>(), oldest in 1_u32..=u32::MAX, span in any::<u32>(), empty in any::<bool>(),
    ) {
        let (oldest_sequence, newest_sequence) =
            if empty { (0, 0) } else { (oldest, oldest.saturating_add(span)) };
        let resp = HistoryResponse {
            counter,
            request_opcode,
            result: [
                HistoryResult::Success, HistoryResult::NoRecords, HistoryResult::OpcodeNotSupported,
                HistoryResult::InvalidOperand, HistoryResult::Busy, HistoryResult::Aborted,
            ][result],
            records_sent,
            oldest_sequence,
            newest_sequence,
        };
        let back = decode_history_response(&encode_history_response(&resp).unwrap()).unwrap();
        prop_assert_eq!(back, resp);
    }

    #[test]
    fn features_round_trip(counter in any::<u8>(), f in features()) {
        let back = decode_features(&encode_features(counter, &f).unwrap()).unwrap();
        prop_assert_eq!(back, FeaturesFrame { counter, features: f });
    }

    #[test]
    fn arbitrary_bytes_never_panic(bytes in proptest::collection::vec(any::<u8>(), 0..160)) {
        let at = chrono::Utc.timestamp_opt(0, 0).unwrap();
        let _ = decode_frame(&bytes, at);
        let _ = decode_status(&bytes, at);
        let _ = decode_annunciation(&bytes);
        let _ = decode_history_record(&bytes);
        let _ = decode_history_request(&bytes);
        let _ = decode_history_response(&bytes);
        let _ = decode_features(&bytes);
        let _ = decode_battery_level(&bytes);
        let _ = decode_dis_text("text", &bytes);
        let _ = decode_advertisement_data(&bytes);
    }

    /// Random bytes with a valid envelope reach the field decoders (random bytes rarely pass
    /// the CRC): they must fail cleanly or decode to something that re-encodes identically.
    #[test]
    fn sealed_arbitrary_payloads_decode_or_fail_cleanly(
        kind in 1_u8..=6, counter in any::<u8>(), payload in proptest::collection::vec(any::<u8>(), 0..110),
    ) {
        let mut bytes = vec![1, kind, counter];
        bytes.extend_from_slice(&payload);
        let crc = crc16(&bytes);
        bytes.extend_from_slice(&crc.to_le_bytes());
        let at = chrono::Utc.timestamp_opt(0, 0).unwrap();
        if let Ok(frame) = decode_frame(&bytes, at) {
            // Unknown feature flag bits are dropped on decode, so only compare what survives.
            if !matches!(frame, DecodedFrame::Features { .. }) {
                prop_assert_eq!(frame.encode().unwrap(), bytes);
            }
        }
    }
}
