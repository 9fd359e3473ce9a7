//! `thecal status`: the pump's current status, read back from the store.

use std::path::PathBuf;
use std::sync::Arc;

use chrono::Utc;
use thecal_core::model::{
    BatteryIndicator, BatteryStatus, Concentration, DailyDose, DeviceInfo, Drug, InfusionMode,
    PumpKind, ReservoirKind, StatusReading, Volume,
};
use thecal_core::{Thecal, ThecalConfig};

/// Options of `thecal status`.
#[derive(Debug, clap::Args)]
pub struct Args {
    /// Record a reading from the in-process simulated pump first (into a throwaway store unless
    /// --db is given).
    #[arg(long)]
    demo: bool,
    /// The data folder (default: a temporary folder, deleted on exit).
    #[arg(long)]
    db: Option<PathBuf>,
    /// The patient's time zone for display.
    #[arg(long, default_value = "UTC")]
    tz: String,
    /// Print JSON instead of text.
    #[arg(long)]
    json: bool,
}

/// Runs the command.
pub fn run(args: &Args) -> Result<(), String> {
    let tmp = tempfile::tempdir().map_err(|e| format!("cannot create a temporary folder: {e}"))?;
    let dir = args.db.clone().unwrap_or_else(|| tmp.path().to_owned());
    let thecal = Thecal::open(
        dir.to_string_lossy().into_owned(),
        ThecalConfig {
            time_zone: args.tz.clone(),
            ..ThecalConfig::default()
        },
    )
    .map_err(|e| e.to_string())?;
    let pumps = thecal.pumps();
    if args.demo {
        record_demo_reading(&thecal)?;
    }
    let list = pumps.list().map_err(|e| e.to_string())?;
    let Some(pump) = list.first() else {
        return Err("no pump is paired yet (try --demo)".into());
    };
    let reading = pumps
        .latest_reading(pump.serial.clone())
        .map_err(|e| e.to_string())?;
    let tz: chrono_tz::Tz = args
        .tz
        .parse()
        .map_err(|_| "unknown time zone".to_string())?;
    if args.json {
        let out = serde_json::json!({ "pump": pump, "reading": reading });
        println!("{out:#}");
        return Ok(());
    }
    println!(
        "{} {} (serial {})",
        pump.manufacturer, pump.model, pump.serial
    );
    match reading {
        None => println!("No reading yet."),
        Some(r) => {
            let age = r.age(Utc::now()).as_secs();
            println!(
                "  Reading taken  {} ({age} s ago)",
                r.taken_at.with_timezone(&tz).format("%Y-%m-%d %H:%M %Z")
            );
            println!(
                "  Reservoir      {:.1} of {:.0} mL ({:.0} %)",
                r.reservoir_volume.milliliters(),
                r.reservoir_capacity.milliliters(),
                r.reservoir_percent()
            );
            println!(
                "  Therapy        {:?} {:.2} mg/mL, {:.2} mg/day ({:?})",
                r.drug,
                r.concentration.milligrams_per_milliliter(),
                r.daily_dose.milligrams_per_day(),
                r.mode
            );
            println!(
                "  Battery        {} % ({:?})",
                r.battery.percent, r.battery.indicator
            );
        }
    }
    Ok(())
}

fn record_demo_reading(thecal: &Arc<Thecal>) -> Result<(), String> {
    let device = DeviceInfo {
        manufacturer: "Thecal Simulated Pumps".into(),
        model: "SIM-IT40".into(),
        serial: "SIM-0001".into(),
        firmware_revision: "1.0.0".into(),
        hardware_revision: None,
        kind: PumpKind::Implanted,
        reservoir_kind: ReservoirKind::ImplantedChamber,
        reservoir_capacity: Volume::from_milliliters(40),
    };
    let now = Utc::now();
    let reading = StatusReading {
        taken_at: now,
        pump_clock: now,
        reservoir_volume: Volume::from_microliters(23_400),
        reservoir_capacity: device.reservoir_capacity,
        mode: InfusionMode::Continuous,
        daily_dose: DailyDose {
            micrograms_per_day: 4_000,
        },
        drug: Drug::Morphine,
        concentration: Concentration::from_mg_per_ml(25),
        battery: BatteryStatus {
            percent: 78,
            indicator: BatteryIndicator::Normal,
        },
    };
    let pumps = thecal.pumps();
    pumps.register(device).map_err(|e| e.to_string())?;
    let rt = tokio::runtime::Builder::new_current_thread()
        .build()
        .map_err(|e| format!("cannot start: {e}"))?;
    rt.block_on(pumps.record_reading("SIM-0001".into(), reading))
        .map_err(|e| e.to_string())?;
    Ok(())
}
