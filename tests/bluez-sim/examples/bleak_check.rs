//! Runs a client nobody here wrote against the simulated BlueZ: starts a private bus, the
//! simulator with the simulated pump (its service encrypted, pairing code `SIM_PASSKEY`) and a
//! device that is not a pump, runs the command given (the `bleak` script, see `bleak/`) with
//! `DBUS_SYSTEM_BUS_ADDRESS` pointing at the bus, and the pump's time moving (so Status
//! notifications flow). Then checks, from the simulator's side, what the client left behind:
//! connections to the pump only, no write (notify sessions aside), no discovery or notify session outliving it.
//!
//! ```sh
//! cargo run -p thecal-bluez-sim --example bleak_check -- python3 tests/bluez-sim/bleak/check.py
//! ```
//!
//! Exits non-zero when the command fails or a check does not hold.

#![allow(clippy::print_stdout, clippy::print_stderr)]

use std::process::ExitCode;
use std::sync::Arc;
use std::time::Duration;

use chrono::TimeZone;
use thecal_bluez_sim::{
    Advertisement, AttError, BdAddr, BluezSim, Peripheral, PrivateBus, PumpPeripheral, SIM_PASSKEY,
    SYSTEM_BUS_ENV, ServiceDef, SimConfig, Uuid, WriteKind, WriteOp,
};
use thecal_core::model::PumpKind;
use thecal_core::pump::profile;
use thecal_sim::InProcessPump;

/// A heart-rate strap nearby: not a pump, for the scan without and with the service filter.
struct Strap(BdAddr);

#[thecal_bluez_sim::async_trait]
impl Peripheral for Strap {
    fn advertisement(&self) -> Advertisement {
        let mut adv = Advertisement::new(self.0, Some("HR strap"));
        adv.service_uuids = vec![profile::sig_uuid(0x180D)];
        adv.rssi = -70;
        adv
    }

    fn gatt_table(&self) -> Vec<ServiceDef> {
        Vec::new()
    }

    async fn read(&self, _: Uuid) -> Result<Vec<u8>, AttError> {
        Err(AttError::ReadNotPermitted)
    }

    async fn write(&self, _: Uuid, _: &[u8], _: WriteKind) -> Result<(), AttError> {
        Err(AttError::WriteNotPermitted)
    }
}

fn main() -> ExitCode {
    let command: Vec<String> = std::env::args().skip(1).collect();
    if command.is_empty() {
        eprintln!("usage: bleak_check COMMAND [ARGS...]");
        return ExitCode::from(2);
    }
    match run(&command) {
        Ok(()) => ExitCode::SUCCESS,
        Err(e) => {
            eprintln!("bleak check failed: {e}");
            ExitCode::FAILURE
        }
    }
}

fn run(command: &[String]) -> Result<(), String> {
    let bus = PrivateBus::start().map_err(|e| e.to_string())?;
    let rt = tokio::runtime::Builder::new_multi_thread()
        .worker_threads(2)
        .enable_all()
        .build()
        .map_err(|e| e.to_string())?;
    let result = rt.block_on(check(&bus, command));
    drop(rt);
    drop(bus);
    result
}

async fn check(bus: &PrivateBus, command: &[String]) -> Result<(), String> {
    let config = SimConfig {
        advertising_interval: Duration::from_millis(50),
        ..SimConfig::default()
    };
    let sim = BluezSim::start_with(bus.address(), config)
        .await
        .map_err(|e| e.to_string())?;
    let start = chrono::Utc
        .with_ymd_and_hms(2026, 10, 1, 9, 0, 0)
        .single()
        .ok_or("start time")?;
    let pump = PumpPeripheral::new(
        InProcessPump::new(42, PumpKind::Implanted, start),
        "C0:FF:EE:00:00:42".parse().map_err(|_| "address")?,
    );
    let strap: BdAddr = "C0:FF:EE:00:0B:01".parse().map_err(|_| "address")?;
    sim.add_device(pump.clone())
        .await
        .map_err(|e| e.to_string())?;
    sim.add_device(Arc::new(Strap(strap)))
        .await
        .map_err(|e| e.to_string())?;

    // The pump's time runs (five minutes every 100 ms): Status notifications while subscribed.
    let ticker = {
        let pump = pump.clone();
        tokio::spawn(async move {
            let mut t = start;
            let mut tick = tokio::time::interval(Duration::from_millis(100));
            loop {
                tick.tick().await;
                t += chrono::Duration::minutes(5);
                pump.advance_to(t).await;
            }
        })
    };
    let child = {
        let mut c = std::process::Command::new(&command[0]);
        c.args(&command[1..])
            .env(SYSTEM_BUS_ENV, bus.address())
            .env("THECAL_PUMP_ADDRESS", pump.address().to_string())
            .env("THECAL_PUMP_SERIAL", pump.pump().serial())
            .env("THECAL_PUMP_PASSKEY", SIM_PASSKEY.to_string())
            .env("THECAL_OTHER_ADDRESS", strap.to_string())
            .env("THECAL_PUMP_SERVICE", profile::PUMP_SERVICE.to_string())
            .env("THECAL_STATUS", profile::STATUS.to_string())
            .env("THECAL_FEATURES", profile::FEATURES.to_string())
            .env("THECAL_SERIAL_NUMBER", profile::SERIAL_NUMBER.to_string());
        c
    };
    let name = command[0].clone();
    let status = tokio::task::spawn_blocking(move || {
        let mut child = child;
        child.status()
    })
    .await
    .map_err(|e| e.to_string())?
    .map_err(|e| format!("cannot run {name}: {e}"))?;
    ticker.abort();
    if !status.success() {
        return Err(format!("{} exited with {status}", command[0]));
    }

    // What the client left behind, as the simulator saw it.
    let mut failures = Vec::new();
    let log = sim.connect_log();
    if log.is_empty() || log.iter().any(|a| *a != pump.address()) {
        failures.push(format!(
            "connections: {log:?} (the pump only, at least once)"
        ));
    }
    let writes: Vec<_> = sim
        .write_log()
        .into_iter()
        .filter(|e| !matches!(e.op, WriteOp::StartNotify | WriteOp::StopNotify))
        .collect();
    if !writes.is_empty() {
        failures.push(format!("the client wrote to the pump: {writes:?}"));
    }
    // The client has left the bus: its discovery and notify sessions are over.
    let deadline = tokio::time::Instant::now() + Duration::from_secs(10);
    while (sim.is_discovering() || notifying(&sim, pump.address()))
        && tokio::time::Instant::now() < deadline
    {
        tokio::time::sleep(Duration::from_millis(20)).await;
    }
    if sim.is_discovering() {
        failures.push("a discovery outlived the client".to_owned());
    }
    if notifying(&sim, pump.address()) {
        failures.push("a notify session outlived the client".to_owned());
    }
    if !sim.is_paired(pump.address()).unwrap_or(false) {
        failures.push("the pump is not paired".to_owned());
    }
    sim.stop().await.map_err(|e| e.to_string())?;
    if failures.is_empty() {
        println!("simulator side: 4 passed, 0 failed");
        Ok(())
    } else {
        Err(failures.join("; "))
    }
}

fn notifying(sim: &BluezSim, pump: BdAddr) -> bool {
    sim.is_notifying(pump, profile::STATUS).unwrap_or(false)
}
