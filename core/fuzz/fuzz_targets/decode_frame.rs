//! Every decoder of pump input, on arbitrary bytes: none may panic, and a frame that decodes
//! must re-encode to the same bytes.
//!
//! The first byte picks how the rest is used: even → as raw bytes on every decoder; odd → as
//! kind, counter and payload of a frame sealed with a valid version and CRC, so that the field
//! decoders are reached (random bytes almost never carry a valid CRC).
#![no_main]

use libfuzzer_sys::fuzz_target;
use thecal_core::model::from_millis;
use thecal_core::pump::{self, DecodedFrame, crc16};

fuzz_target!(|data: &[u8]| {
    let Some((&mode, rest)) = data.split_first() else {
        return;
    };
    let at = from_millis(1_767_603_600_000).expect("a valid time");
    if mode % 2 == 0 {
        check(rest, at);
        let _ = pump::decode_status(rest, at);
        let _ = pump::decode_annunciation(rest);
        let _ = pump::decode_history_record(rest);
        let _ = pump::decode_history_request(rest);
        let _ = pump::decode_history_response(rest);
        let _ = pump::decode_features(rest);
        let _ = pump::decode_battery_level(rest);
        let _ = pump::decode_dis_text("text", rest);
        let _ = pump::codec::decode_advertisement_data(rest);
    } else if let [kind, counter, payload @ ..] = rest {
        let mut frame = vec![pump::profile::PROFILE_VERSION, kind % 8, *counter];
        frame.extend_from_slice(payload);
        let crc = crc16(&frame);
        frame.extend_from_slice(&crc.to_le_bytes());
        check(&frame, at);
    }
});

fn check(bytes: &[u8], at: thecal_core::model::UtcDateTime) {
    if let Ok(frame) = pump::decode_frame(bytes, at) {
        // Unknown feature flag bits are dropped on decode; every other frame re-encodes exactly.
        if !matches!(frame, DecodedFrame::Features { .. }) {
            assert_eq!(frame.encode().expect("a decoded frame encodes"), bytes);
        }
    }
}
