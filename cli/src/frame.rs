//! `thecal frame decode --hex HEX`: decodes one frame of the Thecal Pump Profile and prints its
//! fields, or the typed error (exit code 1).

use chrono::Utc;
use thecal_core::model::UtcDateTime;
use thecal_core::pump::{self, FrameError, PumpDriver};
use thecal_sim::describe;

/// `thecal frame …`
#[derive(Debug, clap::Args)]
pub struct Args {
    #[command(subcommand)]
    command: Command,
}

#[derive(Debug, clap::Subcommand)]
enum Command {
    /// Decode one frame given in hex (spaces and colons allowed).
    Decode(DecodeArgs),
}

/// Which decoder to use.
#[derive(Debug, Clone, Copy, PartialEq, Eq, clap::ValueEnum)]
enum Characteristic {
    /// Any pump-service frame, by its kind byte.
    Any,
    /// Status.
    Status,
    /// Annunciation.
    Annunciation,
    /// History Record.
    HistoryRecord,
    /// History Control Point (request or response, by the kind byte).
    HistoryControlPoint,
    /// Features.
    Features,
    /// Battery Level (one byte).
    BatteryLevel,
}

/// Which driver's checks to apply to a Status frame.
#[derive(Debug, Clone, Copy, PartialEq, Eq, clap::ValueEnum)]
enum Driver {
    /// The implanted pump driver.
    Implanted,
    /// The external pump driver.
    External,
}

#[derive(Debug, clap::Args)]
struct DecodeArgs {
    /// The frame's bytes in hex, e.g. 0101019007...
    #[arg(long)]
    hex: String,
    /// The characteristic it came from (default: any pump-service frame, by its kind byte).
    #[arg(long, value_enum, default_value = "any")]
    characteristic: Characteristic,
    /// Also apply this pump driver's checks.
    #[arg(long, value_enum)]
    driver: Option<Driver>,
    /// When the frame was received (RFC 3339; default now): a status reading's time.
    #[arg(long)]
    received_at: Option<UtcDateTime>,
}

/// Runs the command.
pub fn run(args: &Args) -> Result<(), String> {
    match &args.command {
        Command::Decode(a) => decode(a),
    }
}

fn decode(args: &DecodeArgs) -> Result<(), String> {
    let cleaned: String = args
        .hex
        .chars()
        .filter(|c| !c.is_whitespace() && *c != ':')
        .collect();
    let cleaned = cleaned.strip_prefix("0x").unwrap_or(&cleaned);
    let bytes = parse_hex(cleaned)?;
    let at = args.received_at.unwrap_or_else(Utc::now);
    match decode_bytes(args, &bytes, at) {
        Ok(value) => {
            println!("{value:#}");
            Ok(())
        }
        Err(e) => {
            let detail = serde_json::to_string(&e).unwrap_or_default();
            Err(format!("{e}\n  error: {detail}"))
        }
    }
}

fn decode_bytes(
    args: &DecodeArgs,
    bytes: &[u8],
    at: UtcDateTime,
) -> Result<serde_json::Value, FrameError> {
    let driver: Option<&dyn PumpDriver> = match args.driver {
        Some(Driver::Implanted) => Some(&pump::ImplantedDriver),
        Some(Driver::External) => Some(&pump::ExternalDriver),
        None => None,
    };
    let frame = match args.characteristic {
        Characteristic::Any => {
            let frame = pump::decode_frame(bytes, at)?;
            if let (Some(d), pump::DecodedFrame::Status { frame }) = (driver, &frame) {
                d.check_status(&frame.reading)?;
            }
            frame
        }
        Characteristic::Status => pump::DecodedFrame::Status {
            frame: match driver {
                Some(d) => d.decode_status(bytes, at)?,
                None => pump::decode_status(bytes, at)?,
            },
        },
        Characteristic::Annunciation => pump::DecodedFrame::Annunciation {
            frame: pump::decode_annunciation(bytes)?,
        },
        Characteristic::HistoryRecord => pump::DecodedFrame::HistoryRecord {
            frame: pump::decode_history_record(bytes)?,
        },
        Characteristic::HistoryControlPoint if bytes.get(1) == Some(&0x04) => {
            pump::DecodedFrame::HistoryRequest {
                frame: pump::decode_history_request(bytes)?,
            }
        }
        Characteristic::HistoryControlPoint => pump::DecodedFrame::HistoryResponse {
            frame: pump::decode_history_response(bytes)?,
        },
        Characteristic::Features => pump::DecodedFrame::Features {
            frame: pump::decode_features(bytes)?,
        },
        Characteristic::BatteryLevel => {
            return Ok(serde_json::json!({
                "battery_percent": pump::decode_battery_level(bytes)?
            }));
        }
    };
    Ok(describe::describe(&frame))
}

fn parse_hex(s: &str) -> Result<Vec<u8>, String> {
    if s.len() % 2 != 0 {
        return Err("the hex text has an odd number of digits; give two digits per byte".into());
    }
    if s.len() > 2 * 4096 {
        return Err("the hex text is too long for a frame (at most 4096 bytes)".into());
    }
    (0..s.len())
        .step_by(2)
        .map(|i| {
            s.get(i..i + 2)
                .and_then(|pair| u8::from_str_radix(pair, 16).ok())
                .ok_or_else(|| {
                    format!(
                        "'{}' is not hex (use 0-9 and a-f)",
                        s.get(i..i + 2).unwrap_or("?")
                    )
                })
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn args(hex: &str) -> DecodeArgs {
        DecodeArgs {
            hex: hex.into(),
            characteristic: Characteristic::Any,
            driver: None,
            received_at: None,
        }
    }

    #[test]
    fn a_vector_decodes_and_a_damaged_one_is_a_typed_error() {
        let ok = "01 01 01 90 7d 5b 69 44 48 00 00 40 9c 00 00 01 88 13 00 00 a8 61 00 00 57 00 01 4d 98";
        assert!(decode(&args(ok)).is_ok());
        let bad = "01:01:01:90:7d:5b:69:44:48:00:00:40:9c:00:00:01:88:13:00:00:a8:61:00:00:57:00:01:4d:99";
        let err = decode(&args(bad)).unwrap_err();
        assert!(err.contains("\"code\":\"bad_crc\""), "{err}");
        assert!(decode(&args("0g")).unwrap_err().contains("not hex"));
        assert!(decode(&args("010")).unwrap_err().contains("odd"));
    }
}
