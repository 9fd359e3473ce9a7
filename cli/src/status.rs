//! `thecal status`: what a data folder holds about the pump: the paired pump, its newest
//! reading with its age, its open alarms and its last refill. Read only; nothing is made up.

use std::path::PathBuf;

use chrono::Utc;
use thecal_core::store::DB_FILE;

use crate::open;

/// Options of `thecal status`.
#[derive(Debug, clap::Args)]
#[command(group(clap::ArgGroup::new("source").required(true).args(["db", "demo"])))]
pub struct Args {
    /// The data folder to read (an app's, or one made by `thecal demo --db` or `thecal sim`).
    #[arg(long)]
    db: Option<PathBuf>,
    /// Read the data folder of the last `thecal demo` run (see `thecal demo --help`).
    #[arg(long)]
    demo: bool,
    /// The patient's time zone for display.
    #[arg(long, default_value = "UTC")]
    tz: String,
    /// Print JSON instead of text.
    #[arg(long)]
    json: bool,
}

/// Runs the command.
pub fn run(args: &Args) -> Result<(), String> {
    let dir = match (&args.db, args.demo) {
        (Some(db), _) => db.clone(),
        (None, _) => crate::demo::default_data_dir(),
    };
    if !dir.join(DB_FILE).is_file() {
        return Err(format!(
            "no Thecal data in {} (give the folder an app or `thecal demo --db` wrote)",
            dir.display()
        ));
    }
    let tz: thecal_core::model::Zone = args
        .tz
        .parse()
        .map_err(|_| format!("unknown time zone {}", args.tz))?;
    let thecal = open(&dir, &args.tz)?;
    let pumps = thecal.pumps();
    let list = crate::block_on(pumps.list()).map_err(|e| e.to_string())?;
    let Some(pump) = list.last() else {
        return Err(format!("no pump is paired in {}", dir.display()));
    };
    let serial = pump.serial.clone();
    let reading =
        crate::block_on(pumps.latest_reading(serial.clone())).map_err(|e| e.to_string())?;
    let alarms: Vec<_> = crate::block_on(pumps.alarm_history(serial.clone(), 1_000))
        .map_err(|e| e.to_string())?
        .into_iter()
        .filter(|a| a.cleared_at.is_none())
        .collect();
    let last_refill = crate::block_on(pumps.refill_log(serial, 1))
        .map_err(|e| e.to_string())?
        .into_iter()
        .next();
    if args.json {
        let out = serde_json::json!({
            "pump": pump,
            "reading": reading,
            "open_alarms": alarms,
            "last_refill": last_refill,
        });
        println!("{out:#}");
        return Ok(());
    }
    println!(
        "{} {} (serial {})",
        pump.manufacturer, pump.model, pump.serial
    );
    let when =
        |t: chrono::DateTime<Utc>| t.with_timezone(&tz).format("%Y-%m-%d %H:%M %Z").to_string();
    match reading {
        None => println!("  No reading stored yet."),
        Some(r) => {
            let now = Utc::now();
            let age = if r.taken_at <= now {
                let age = (now - r.taken_at).to_std().unwrap_or_default();
                format!("{} ago", crate::demo::human_age(age))
            } else {
                "ahead of this computer's clock: simulated time".to_owned()
            };
            println!("  Reading taken  {} ({age})", when(r.taken_at));
            println!(
                "  Reservoir      {:.1} of {:.0} mL ({:.0} %)",
                r.reservoir_volume.milliliters(),
                r.reservoir_capacity.milliliters(),
                r.reservoir_percent()
            );
            println!(
                "  Therapy        {:?} {}, {} ({:?})",
                r.drug, r.concentration, r.daily_dose, r.mode
            );
            println!(
                "  Battery        {} % ({:?})",
                r.battery.percent, r.battery.indicator
            );
        }
    }
    if alarms.is_empty() {
        println!("  Open alarms    none");
    }
    for a in &alarms {
        let raised = a.raised_at.map_or_else(|| "time unknown".to_owned(), when);
        println!(
            "  Open alarm     {:?} ({:?}), raised {raised}",
            a.kind, a.priority
        );
    }
    if let Some(r) = last_refill {
        println!(
            "  Last refill    {} ({:.1} mL, {:?})",
            when(r.at),
            r.volume_after.milliliters(),
            r.source
        );
    }
    Ok(())
}
