//! `thecal`: the command-line shell over the Thecal core: the same `Thecal` object the apps use.

mod backup;
mod card;
mod card_png;
mod caregiver;
mod demo;
mod export;
mod forecast;
mod frame;
mod keys;
mod sim;
mod status;

use std::path::Path;
use std::process::ExitCode;
use std::sync::Arc;

use clap::{Parser, Subcommand};
use thecal_core::{Thecal, ThecalConfig};

/// Thecal: a companion for people with an intrathecal drug pump.
#[derive(Debug, Parser)]
#[command(name = "thecal", version, about)]
struct Cli {
    #[command(subcommand)]
    command: Command,
}

#[derive(Debug, Subcommand)]
enum Command {
    /// The live dashboard against the simulated pump, through the real BLE stack and a
    /// simulated BlueZ.
    Demo(demo::Args),
    /// Print the current pump status.
    Status(status::Args),
    /// The implanted-device ID card: init, render, verify, keys, mri-scan.
    Card(card::Args),
    /// Decode frames of the Thecal Pump Profile.
    Frame(frame::Args),
    /// The simulated pump.
    Sim(sim::Args),
    /// Forecast backtests against simulated patients, and their tuning.
    Forecast(forecast::Args),
    /// Caregiver alerts through a relay: `thecal caregiver demo --relay URL [--once --json]`.
    Caregiver(caregiver::Args),
    /// The FHIR R4 export of a store and its import into a new one; the clinician report.
    Export(export::Args),
    /// Encrypted backups of a store (age format, passphrase) and their restore.
    Backup(backup::Args),
}

fn main() -> ExitCode {
    tracing_subscriber::fmt()
        .with_env_filter(tracing_subscriber::EnvFilter::from_env("THECAL_LOG"))
        .with_writer(std::io::stderr)
        .init();
    let cli = Cli::parse();
    let result = match cli.command {
        Command::Demo(args) => run_demo(&args),
        Command::Status(args) => status::run(&args),
        Command::Card(args) => card::run(&args),
        Command::Frame(args) => frame::run(&args),
        Command::Sim(args) => sim::run(&args),
        Command::Forecast(args) => forecast::run(&args),
        Command::Caregiver(args) => caregiver::run(&args),
        Command::Export(args) => export::run(&args),
        Command::Backup(args) => backup::run(&args),
    };
    match result {
        Ok(()) => ExitCode::SUCCESS,
        Err(message) => {
            eprintln!("thecal: {message}");
            ExitCode::FAILURE
        }
    }
}

/// Starts the private bus and points the BLE stack at it before any other thread exists (the
/// D-Bus library reads the address once per process), then runs the demo.
fn run_demo(args: &demo::Args) -> Result<(), String> {
    let bus = thecal_bluez_sim::PrivateBus::start()
        .map_err(|e| format!("cannot start the private D-Bus bus: {e}"))?;
    // SAFETY: no other thread exists yet: the runtime and the BLE stack start after this.
    unsafe { bus.export_as_system_bus() }.map_err(|e| e.to_string())?;
    demo::run(args, &bus)
}

/// Opens the app's data in `dir` for a patient in `tz`, as the apps do, with the CLI's key
/// store (`dir/keys/`).
fn open(dir: &Path, tz: &str) -> Result<Arc<Thecal>, String> {
    block_on(Thecal::open(
        dir.to_string_lossy().into_owned(),
        ThecalConfig {
            time_zone: tz.to_owned(),
            ..ThecalConfig::default()
        },
        Box::new(keys::FileSecretStore::in_data_dir(dir)),
    ))
    .map_err(|e| e.to_string())
}

/// As [`open`], for a store that must exist already (a typo in `--db` is not a new empty
/// store).
fn open_existing(dir: &Path) -> Result<Arc<Thecal>, String> {
    if !dir.join(thecal_core::store::DB_FILE).is_file() {
        return Err(format!("no Thecal data in {}", dir.display()));
    }
    open(dir, "UTC")
}

/// Runs one of the API's async calls to completion (the CLI does one thing at a time).
fn block_on<F: std::future::Future>(f: F) -> F::Output {
    match tokio::runtime::Builder::new_current_thread().build() {
        Ok(rt) => rt.block_on(f),
        Err(e) => panic!("cannot start the command's runtime: {e}"),
    }
}
