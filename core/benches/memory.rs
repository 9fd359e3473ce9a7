//! Resident memory of the core with five years of data and a live link.
//!
//! In a process of its own (seeding, which needs far more memory, runs first in another), the
//! core opens the five years (`common`), starts the link to the in-process simulated pump, takes
//! readings and alarms live for a simulated day, and does what the apps do meanwhile: the
//! dashboard (once and watched), the diary's trends over the five years, the alarm history, the
//! refill log. Then the process reads its own peak resident set size (`VmHWM` in
//! `/proc/self/status`): everything the process ever held in memory at once, the test harness
//! and the simulated pump included.
//!
//! Run: `cargo bench -p thecal-core --bench memory` (budget: 20 MB; exits 1 above it)

mod common;

use std::sync::Arc;
use std::time::{Duration, Instant};

use thecal_core::dashboard::{Dashboard, DashboardListener};
use thecal_core::diary::TrendPeriod;
use thecal_core::link::{
    BackoffConfig, LinkConfig, LinkEvent, LinkListener, LinkState, ListenerError,
};
use thecal_core::model::{AlarmKind, CalendarDate, Clock, ManualClock};
use thecal_core::{Thecal, ThecalConfig};
use thecal_sim::{InProcessPump, InProcessTransport, SimConfig};

const BUDGET_KB: u64 = 20 * 1024;

/// Waits (up to a minute) until `done` says so.
fn wait_for(what: &str, done: impl Fn() -> bool) {
    let t0 = Instant::now();
    while !done() {
        assert!(
            t0.elapsed() < Duration::from_secs(60),
            "waited a minute for {what}"
        );
        std::thread::sleep(Duration::from_millis(5));
    }
}

fn kib(field: &str) -> u64 {
    let status = std::fs::read_to_string("/proc/self/status").expect("/proc/self/status");
    status
        .lines()
        .find_map(|l| l.strip_prefix(field))
        .and_then(|v| v.trim().trim_end_matches("kB").trim().parse().ok())
        .expect("the field")
}

#[derive(Debug)]
struct Quiet;

impl LinkListener for Quiet {
    fn on_event(&self, _: LinkEvent) -> Result<(), ListenerError> {
        Ok(())
    }
}

impl DashboardListener for Quiet {
    fn on_dashboard(&self, dashboard: Dashboard) -> Result<(), ListenerError> {
        std::hint::black_box(dashboard);
        Ok(())
    }
}

fn main() {
    let args: Vec<String> = std::env::args().collect();
    let Some(dir) = args
        .iter()
        .position(|a| a == "--measure")
        .and_then(|i| args.get(i + 1))
    else {
        // Seed (or find) the five years here, then measure in a fresh process, on a copy (the
        // live link writes).
        let five = common::five_years();
        println!(
            "data: {:?} in {}",
            common::counts(&five.dir),
            five.dir.display()
        );
        let copy = common::copy(&five);
        let exe = std::env::current_exe().expect("this program");
        let status = std::process::Command::new(exe)
            .arg("--measure")
            .arg(copy.path())
            .status()
            .expect("the measuring process");
        drop(copy);
        std::process::exit(status.code().unwrap_or(1));
    };
    let before = kib("VmRSS:");
    let five = common::five_years();
    let clock = Arc::new(ManualClock::new(five.end + chrono::Duration::minutes(2)));
    let config = ThecalConfig {
        time_zone: "Europe/Paris".into(),
        ..ThecalConfig::default()
    };
    let caller = tokio::runtime::Builder::new_current_thread()
        .build()
        .expect("runtime");
    let t0 = Instant::now();
    let thecal = Thecal::open_with_clock(
        std::path::Path::new(dir),
        &config,
        clock.clone(),
        thecal_sim::fixtures::MemorySecretStore::new(),
    )
    .expect("open");
    let dashboard = caller.block_on(thecal.dashboard()).expect("dashboard");
    assert!(dashboard.pump.is_some());
    let _watch = caller
        .block_on(thecal.watch_dashboard(Box::new(Quiet)))
        .expect("watching");

    // The live link: a pump of its own (the seeded one is the history), a simulated day.
    let pump = Arc::new(InProcessPump::from_config(SimConfig::implanted(
        77,
        clock.now(),
    )));
    let transport = InProcessTransport::new(pump);
    let _sub = caller
        .block_on(thecal.link().subscribe(Box::new(Quiet)))
        .expect("subscribing");
    let fast = LinkConfig {
        backoff: BackoffConfig {
            initial: Duration::from_millis(1),
            max: Duration::from_millis(8),
        },
        scan_timeout: Duration::from_millis(50),
        away_backoff: None,
    };
    caller
        .block_on(thecal.link().start_with(transport.clone(), fast))
        .expect("link");
    // Paired as the patient does: discover, pick the pump, confirm its serial.
    let id = transport.pump().device_id();
    let nearby = caller
        .block_on(thecal.link().discover(200))
        .expect("discovering");
    let device = nearby
        .into_iter()
        .find(|d| d.device_id == id)
        .expect("the pump is nearby");
    caller
        .block_on(thecal.link().pair(device, transport.pump().serial()))
        .expect("pairing");
    let connected = || {
        caller
            .block_on(thecal.link().snapshot())
            .is_ok_and(|s| s.state == LinkState::Connected)
    };
    wait_for("the link to connect", connected);
    let live_serial = transport.pump().serial();
    let live_start = clock.now();
    // Four alarms in the day, one every six hours.
    let alarms = [
        AlarmKind::MotorStall,
        AlarmKind::CatheterOcclusion,
        AlarmKind::ClockError,
        AlarmKind::PumpFault,
    ];
    let raised = alarms.len();
    for minute in 0..24 * 60 {
        clock.set(clock.now() + chrono::Duration::minutes(1));
        transport.advance_to(clock.now());
        if minute % 360 == 120 {
            transport.raise_alarm(alarms[minute / 360]);
        }
    }
    // The live day is stored: its readings up to the last quarter of an hour, and every alarm.
    let day_end = clock.now();
    wait_for("the live day's readings and alarms to be stored", || {
        let newest = caller
            .block_on(thecal.pumps().latest_reading(live_serial.clone()))
            .ok()
            .flatten()
            .map(|r| r.taken_at);
        let alarms = caller
            .block_on(thecal.pumps().alarm_history(live_serial.clone(), 1_000))
            .map_or(0, |a| a.len());
        newest.is_some_and(|t| t > live_start && day_end - t <= chrono::Duration::minutes(15))
            && alarms >= raised
    });
    // What the apps read meanwhile.
    let first = CalendarDate::from_naive(common::start().date_naive());
    let last = CalendarDate::from_naive(five.end.date_naive());
    let diary = thecal.diary();
    for period in [TrendPeriod::Week, TrendPeriod::Day] {
        std::hint::black_box(
            caller
                .block_on(diary.trend(first, last, period))
                .expect("trend"),
        );
    }
    std::hint::black_box(
        caller
            .block_on(thecal.pumps().alarm_history(five.serial.clone(), 1_000))
            .expect("alarms"),
    );
    std::hint::black_box(
        caller
            .block_on(thecal.pumps().refill_log(five.serial.clone(), 100))
            .expect("refills"),
    );
    std::hint::black_box(caller.block_on(thecal.dashboard()).expect("dashboard"));
    let peak = kib("VmHWM:");
    let now = kib("VmRSS:");
    caller.block_on(thecal.link().stop());
    println!(
        "resident memory: peak {:.1} MB, now {:.1} MB, at start {:.1} MB (budget {} MB), {:.1} s",
        peak as f64 / 1024.0,
        now as f64 / 1024.0,
        before as f64 / 1024.0,
        BUDGET_KB / 1024,
        t0.elapsed().as_secs_f64()
    );
    if peak > BUDGET_KB {
        eprintln!("over the budget");
        std::process::exit(1);
    }
}
