//! Runs every test vector of `tests/vectors/pump-profile-v1.json` (the single source of truth).

use std::collections::BTreeSet;

use serde_json::{Value, json};

use thecal_core::model::UtcDateTime;
use thecal_core::pump::FrameError;
use thecal_core::pump::codec::{self, CounterTracker, DecodedFrame};
use thecal_core::pump::driver::{ExternalDriver, ImplantedDriver, PumpDriver};
use thecal_sim::describe::{describe, pump_kind_text};

const VECTORS: &str = include_str!(concat!(
    env!("CARGO_MANIFEST_DIR"),
    "/../vectors/pump-profile-v1.json"
));

fn doc() -> Value {
    serde_json::from_str(VECTORS).expect("the vectors file is JSON")
}

/// Decodes `bytes` as the vector's characteristic says; `Ok((description, frame))`.
fn decode(
    v: &Value,
    bytes: &[u8],
    at: UtcDateTime,
) -> Result<(Value, Option<DecodedFrame>), FrameError> {
    let driver: Option<&dyn PumpDriver> = match v["driver"].as_str() {
        Some("implanted") => Some(&ImplantedDriver),
        Some("external") => Some(&ExternalDriver),
        Some(other) => panic!("unknown driver {other}"),
        None => None,
    };
    let frame = match v["characteristic"].as_str().expect("characteristic") {
        "status" => DecodedFrame::Status {
            frame: match driver {
                Some(d) => d.decode_status(bytes, at)?,
                None => codec::decode_status(bytes, at)?,
            },
        },
        "annunciation" => DecodedFrame::Annunciation {
            frame: codec::decode_annunciation(bytes)?,
        },
        "history_record" => DecodedFrame::HistoryRecord {
            frame: codec::decode_history_record(bytes)?,
        },
        "history_control_point" if bytes.get(1) == Some(&0x04) => DecodedFrame::HistoryRequest {
            frame: codec::decode_history_request(bytes)?,
        },
        "history_control_point" => DecodedFrame::HistoryResponse {
            frame: codec::decode_history_response(bytes)?,
        },
        "features" => {
            let f = codec::decode_features(bytes)?;
            if let Some(d) = driver {
                assert!(d.matches_features(&f.features), "{}", v["name"]);
            }
            DecodedFrame::Features { frame: f }
        }
        "any" => codec::decode_frame(bytes, at)?,
        "battery_level" => {
            return Ok((
                json!({"battery_percent": codec::decode_battery_level(bytes)?}),
                None,
            ));
        }
        "dis_text" => {
            return Ok((
                json!({"text": codec::decode_dis_text("text", bytes)?}),
                None,
            ));
        }
        "advertisement_data" => {
            let kind = codec::decode_advertisement_data(bytes)?;
            return Ok((json!({"pump_kind": pump_kind_text(kind)}), None));
        }
        other => panic!("unknown characteristic {other}"),
    };
    if let Some(prev) = v["previous_counter"].as_u64() {
        let mut t = CounterTracker::after(u8::try_from(prev).expect("a counter is a byte"));
        t.check(frame.counter())?;
    }
    Ok((describe(&frame), Some(frame)))
}

#[test]
fn every_vector_decodes_as_written() {
    let doc = doc();
    assert_eq!(doc["version"], json!(1));
    let at: UtcDateTime = doc["received_at"]
        .as_str()
        .and_then(|s| s.parse().ok())
        .expect("received_at");
    let vectors = doc["vectors"].as_array().expect("vectors");
    assert!(vectors.len() > 50);
    for v in vectors {
        let name = v["name"].as_str().expect("name");
        let bytes = hex::decode(v["hex"].as_str().expect("hex")).expect("hex");
        match (decode(v, &bytes, at), v.get("decoded"), v.get("error")) {
            (Ok((described, frame)), Some(expected), None) => {
                assert_eq!(&described, expected, "{name}");
                if let Some(frame) = frame {
                    if let DecodedFrame::Status { frame } = &frame {
                        assert_eq!(frame.reading.taken_at, at, "{name}");
                    }
                    if v["reencodes"] != json!(false) {
                        assert_eq!(frame.encode().unwrap(), bytes, "{name}: re-encoding");
                    }
                }
            }
            (Err(e), None, Some(expected)) => {
                let actual = serde_json::to_value(&e).unwrap();
                for (key, want) in expected.as_object().expect("error object") {
                    assert_eq!(&actual[key], want, "{name}: error field {key} ({actual})");
                }
                assert!(!e.to_string().is_empty());
            }
            (got, _, _) => panic!("{name}: got {got:?}"),
        }
    }
}

#[test]
fn the_vectors_cover_every_error_and_every_frame() {
    let doc = doc();
    let vectors = doc["vectors"].as_array().expect("vectors");
    let errors: BTreeSet<&str> = vectors
        .iter()
        .filter_map(|v| v["error"]["code"].as_str())
        .collect();
    for code in [
        "truncated",
        "too_long",
        "unsupported_version",
        "bad_crc",
        "unknown_frame_kind",
        "wrong_frame_kind",
        "unknown_value",
        "out_of_range",
        "invalid_text",
        "counter_repeated",
        "not_for_this_pump",
    ] {
        assert!(errors.contains(code), "no vector for {code}");
    }
    let frames: BTreeSet<&str> = vectors
        .iter()
        .filter_map(|v| v["decoded"]["frame"].as_str())
        .collect();
    for kind in [
        "status",
        "annunciation",
        "history_record",
        "history_request",
        "history_response",
        "features",
    ] {
        assert!(frames.contains(kind), "no valid vector of {kind}");
    }
}
