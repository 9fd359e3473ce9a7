//! `thecal sim …`: the simulated pump. `sim history` writes a realistic history into a store:
//! a reading every 5 minutes and every pump event, through the same frames and driver a real
//! connection uses, one transaction per simulated day.

use std::path::PathBuf;
use std::time::Instant;

use chrono::{Duration, DurationRound, Utc};
use thecal_core::model::{HistoryDetail, PumpKind, UtcDateTime};
use thecal_core::pump::{self, PumpDriver, codec, driver_for_features, profile};
use thecal_core::store::Store;
use thecal_core::therapy::{PumpSettings, db};
use thecal_sim::{SimConfig, SimPump};

/// `thecal sim …`
#[derive(Debug, clap::Args)]
pub struct Args {
    #[command(subcommand)]
    command: Command,
}

#[derive(Debug, clap::Subcommand)]
enum Command {
    /// Write a simulated pump's history (readings every 5 minutes, refills, alarms) into a store.
    History(HistoryArgs),
}

/// Which pump to simulate.
#[derive(Debug, Clone, Copy, PartialEq, Eq, clap::ValueEnum)]
enum Kind {
    /// An implanted pump (20 or 40 mL, refilled every 1–3 months).
    Implanted,
    /// An external trial pump (cassette, replaceable battery).
    External,
}

#[derive(Debug, clap::Args)]
struct HistoryArgs {
    /// How many days to simulate.
    #[arg(long, default_value_t = 90, value_parser = clap::value_parser!(u32).range(1..=7300))]
    days: u32,
    /// The simulation's seed: the same seed gives the same history.
    #[arg(long, default_value_t = 1)]
    seed: u64,
    /// The data folder of the store (created if needed).
    #[arg(long)]
    db: PathBuf,
    /// Implanted or external.
    #[arg(long, value_enum, default_value = "implanted")]
    kind: Kind,
    /// When the simulation starts (RFC 3339; default: `days` before now, so it ends now).
    #[arg(long)]
    start: Option<UtcDateTime>,
    /// Also write a patient's diary over the same days (the benchmarks' rates: about five pain
    /// scores and 1.6 medication doses a day, in Europe/Paris).
    #[arg(long)]
    diary: bool,
}

/// Runs the command.
pub fn run(args: &Args) -> Result<(), String> {
    match &args.command {
        Command::History(a) => history(a),
    }
}

/// What `sim history` wrote.
#[derive(Debug, Default, PartialEq, Eq)]
pub(crate) struct Summary {
    readings: u64,
    events: u64,
    refills: u64,
    alarms: u64,
}

fn history(args: &HistoryArgs) -> Result<(), String> {
    let started = Instant::now();
    let store = Store::open_in_dir(&args.db).map_err(|e| e.to_string())?;
    let start = match args.start {
        Some(t) => t,
        None => (Utc::now() - Duration::days(i64::from(args.days)))
            .duration_trunc(Duration::minutes(5))
            .map_err(|e| format!("cannot pick a start time: {e}"))?,
    };
    let kind = match args.kind {
        Kind::Implanted => PumpKind::Implanted,
        Kind::External => PumpKind::External,
    };
    let (pump, summary) = write_history(&store, kind, args.seed, start, args.days)?;
    if args.diary {
        let days = i64::from(args.days);
        let diary = thecal_sim::fixtures::DiaryYears {
            start,
            days,
            zone: "Europe/Paris"
                .parse()
                .map_err(|_| "no Europe/Paris time zone here")?,
            pain_entries: u32::try_from(days * 9_000 / 1_826).unwrap_or(u32::MAX),
            medication_entries: u32::try_from(days * 3_000 / 1_826).unwrap_or(u32::MAX),
        };
        thecal_sim::fixtures::seed_diary(&store, diary, start + Duration::days(days))
            .map_err(|e| e.to_string())?;
        println!(
            "  diary: {} pain scores, {} medication doses",
            diary.pain_entries, diary.medication_entries
        );
    }
    let last = pump.status_reading();
    let info = pump.device_info();
    println!(
        "{} {} (serial {}): {} days from {} written to {}",
        info.manufacturer,
        info.model,
        info.serial,
        args.days,
        start.format("%Y-%m-%d %H:%M UTC"),
        store.path().display()
    );
    println!(
        "  {} readings, {} pump events ({} refills, {} alarm events) in {} ms",
        summary.readings,
        summary.events,
        summary.refills,
        summary.alarms,
        started.elapsed().as_millis()
    );
    println!(
        "  now: reservoir {:.1} of {:.0} mL, {:?} {}, battery {} % ({:?})",
        last.reservoir_volume.milliliters(),
        last.reservoir_capacity.milliliters(),
        last.drug,
        last.daily_dose,
        last.battery.percent,
        last.battery.indicator
    );
    Ok(())
}

/// Simulates `days` days and stores them; returns the pump at the end and what was written.
pub(crate) fn write_history(
    store: &Store,
    kind: PumpKind,
    seed: u64,
    start: UtcDateTime,
    days: u32,
) -> Result<(SimPump, Summary), String> {
    let config = match kind {
        PumpKind::Implanted => SimConfig::implanted(seed, start),
        PumpKind::External => SimConfig::external(seed, start),
    };
    let mut pump = SimPump::new(config);
    pump.set_subscribed(false);
    // Pair as the link would: Features → driver → device information.
    let features = pump
        .read(profile::FEATURES)
        .map_err(|e| e.to_string())
        .and_then(|b| codec::decode_features(&b).map_err(|e| e.to_string()))?
        .features;
    let driver = driver_for_features(&features).ok_or("no driver for the simulated pump")?;
    let info = driver
        .device_info(&pump.device_info_bytes(), &features)
        .map_err(|e| e.to_string())?;
    let serial = info.serial.clone();
    let caps = driver.capabilities(&features);
    let settings = PumpSettings::from_capabilities(&caps);
    store
        .write(|tx| {
            db::upsert_pump(tx, &info, start)?;
            db::set_pump_settings(tx, &serial, &settings)
        })
        .map_err(|e| e.to_string())?;

    let mut summary = Summary::default();
    let mut last_sequence = 0;
    let step = Duration::minutes(5);
    let mut t = start;
    for day in 1..=i64::from(days) {
        let day_end = start + Duration::days(day);
        let mut readings = Vec::with_capacity(288);
        while t < day_end {
            pump.advance_to(t);
            // Through the exact frame a phone would receive, and the driver's decoder.
            let bytes = pump.read(profile::STATUS).map_err(|e| e.to_string())?;
            let frame = driver.decode_status(&bytes, t).map_err(|e| e.to_string())?;
            readings.push(frame.reading);
            t += step;
        }
        pump.advance_to(t);
        let events = new_events(&mut pump, driver, last_sequence)?;
        store
            .write(|tx| {
                for r in &readings {
                    db::insert_reading_deferring_fit(tx, &serial, r)?;
                }
                db::refresh_battery_fit(tx, &serial)?;
                for e in &events {
                    db::insert_event(tx, &serial, e, t)?;
                }
                db::extend_history_sync(tx, &serial, None)?;
                Ok::<_, thecal_core::therapy::Error>(())
            })
            .map_err(|e| e.to_string())?;
        summary.readings += readings.len() as u64;
        for e in &events {
            summary.events += 1;
            match e.detail {
                HistoryDetail::Refill { .. } => summary.refills += 1,
                HistoryDetail::Alarm { .. } => summary.alarms += 1,
                _ => {}
            }
            last_sequence = e.sequence;
        }
    }
    Ok((pump, summary))
}

/// The pump's events after `after`, fetched as a phone does: a History Control Point request,
/// answered by indications.
fn new_events(
    pump: &mut SimPump,
    driver: &dyn PumpDriver,
    after: u32,
) -> Result<Vec<thecal_core::model::HistoryEvent>, String> {
    let request = driver.history_request_since(0, after);
    let out = pump
        .write(profile::HISTORY_CONTROL_POINT, &request)
        .map_err(|e| e.to_string())?;
    let mut events = Vec::new();
    for o in out {
        if o.characteristic == profile::HISTORY_RECORD {
            events.push(
                driver
                    .decode_history_record(&o.bytes)
                    .map_err(|e| e.to_string())?
                    .event,
            );
        } else {
            let resp = driver
                .decode_history_response(&o.bytes)
                .map_err(|e| e.to_string())?;
            if let Some((first, last)) = resp.lost_after(after) {
                return Err(format!(
                    "the simulated pump overwrote events {first}–{last} before they were fetched"
                ));
            }
            if resp.result != pump::HistoryResult::Success
                && resp.result != pump::HistoryResult::NoRecords
            {
                return Err(format!("history request failed: {:?}", resp.result));
            }
        }
    }
    Ok(events)
}

#[cfg(test)]
mod tests {
    use super::*;
    use chrono::TimeZone;

    #[test]
    fn a_year_is_written_with_readings_every_five_minutes_and_its_refills() {
        let dir = tempfile::tempdir().unwrap();
        let store = Store::open_in_dir(dir.path()).unwrap();
        let start = Utc.with_ymd_and_hms(2026, 1, 1, 0, 0, 0).unwrap();
        let (pump, summary) = write_history(&store, PumpKind::Implanted, 3, start, 365).unwrap();
        assert_eq!(summary.readings, 365 * 288);
        assert!(summary.refills >= 4, "{summary:?}");
        let serial = pump.device_info().serial;
        let latest = store
            .read(|c| db::latest_reading(c, &serial))
            .unwrap()
            .unwrap();
        assert_eq!(
            latest.taken_at,
            start + Duration::days(365) - Duration::minutes(5)
        );
        let synced = store
            .read(|c| db::history_synced_through(c, &serial))
            .unwrap();
        assert_eq!(u64::from(synced), summary.events);
        // Deterministic: the same seed writes the same history.
        let dir2 = tempfile::tempdir().unwrap();
        let store2 = Store::open_in_dir(dir2.path()).unwrap();
        let (_, again) = write_history(&store2, PumpKind::Implanted, 3, start, 365).unwrap();
        assert_eq!(again, summary);
    }
}
