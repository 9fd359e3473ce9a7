//! Notification latency, side by side, on one simulated BlueZ bus:
//! - **btleplug**: from the simulated pump sending a Status notification to btleplug's own
//!   notification stream yielding it;
//! - **core stream**: from the same kind of notification to the core's live stream delivering
//!   the decoded reading to an app listener: btleplug, then the driver's decode and counter
//!   check, the SQLite transaction (synchronous=FULL: stored before it is shown), and the
//!   listener's queue and thread.
//!
//! `cargo bench -p thecal-bluez-sim --bench link_latency`

#![allow(clippy::unwrap_used, clippy::expect_used)] // A bench binary: a failure is a panic.

use std::sync::Arc;
use std::time::{Duration, Instant};

use btleplug::api::{Central, CentralEvent, Manager as _, Peripheral as _, ScanFilter};
use btleplug::platform::Manager;
use chrono::TimeZone;
use futures::StreamExt;
use thecal_bluez_sim::{BluezSim, PrivateBus, PumpPeripheral};
use thecal_core::link::{
    BackoffConfig, BtleplugTransport, LinkConfig, LinkEvent, LinkListener, LinkState, ListenerError,
};
use thecal_core::model::{ManualClock, PumpKind, UtcDateTime};
use thecal_core::pump::profile;
use thecal_core::{Thecal, ThecalConfig};
use thecal_sim::InProcessPump;
use tokio::sync::mpsc;

const SAMPLES: usize = 500;
const DEADLINE: Duration = Duration::from_secs(30);

#[derive(Debug)]
struct Forward(mpsc::UnboundedSender<(Instant, LinkEvent)>);

impl LinkListener for Forward {
    fn on_event(&self, event: LinkEvent) -> Result<(), ListenerError> {
        let _ = self.0.send((Instant::now(), event));
        Ok(())
    }
}

fn stats(mut v: Vec<Duration>) -> (f64, f64) {
    v.sort();
    let us = |d: Duration| d.as_secs_f64() * 1e6;
    (us(v[v.len() / 2]), us(v[v.len() * 99 / 100]))
}

fn main() {
    let bus = PrivateBus::start().expect("a private bus");
    // SAFETY: no other thread exists yet.
    unsafe { bus.export_as_system_bus().expect("exported") };
    let rt = tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()
        .unwrap();
    rt.block_on(run(&bus));
}

async fn run(bus: &PrivateBus) {
    let start: UtcDateTime = chrono::Utc.with_ymd_and_hms(2026, 3, 1, 8, 0, 0).unwrap();
    let sim = BluezSim::start(bus.address()).await.unwrap();

    // Pump A, followed by the core's link manager over btleplug.
    let a = PumpPeripheral::new(
        InProcessPump::new(1, PumpKind::Implanted, start),
        "C0:FF:EE:00:00:0A".parse().unwrap(),
    );
    sim.add_device(a.clone()).await.unwrap();
    let dir = tempfile::tempdir().unwrap();
    let clock = Arc::new(ManualClock::new(start));
    let thecal = Thecal::open_with_clock(
        dir.path(),
        &ThecalConfig::default(),
        clock.clone(),
        thecal_sim::fixtures::MemorySecretStore::new(),
    )
    .unwrap();
    let (tx, mut rx) = mpsc::unbounded_channel();
    let _sub = thecal
        .link()
        .subscribe(Box::new(Forward(tx)))
        .await
        .unwrap();
    let config = LinkConfig {
        backoff: BackoffConfig {
            initial: Duration::from_millis(20),
            max: Duration::from_millis(200),
        },
        scan_timeout: Duration::from_secs(5),
        away_backoff: None,
    };
    let transport = BtleplugTransport::new().await.unwrap();
    transport.set_pairing_passkey(Some(thecal_bluez_sim::SIM_PASSKEY));
    thecal
        .link()
        .start_with(Arc::new(transport), config)
        .await
        .unwrap();
    let device = thecal
        .link()
        .discover(2000)
        .await
        .unwrap()
        .into_iter()
        .next()
        .expect("pump A advertises");
    thecal.link().pair(device, a.pump().serial()).await.unwrap();
    loop {
        let (_, e) = tokio::time::timeout(DEADLINE, rx.recv())
            .await
            .unwrap()
            .unwrap();
        if matches!(
            e,
            LinkEvent::StateChanged {
                state: LinkState::Connected
            }
        ) {
            break;
        }
    }

    // Pump B, read directly through btleplug's own API (its service open: no pairing).
    let b = PumpPeripheral::with(
        InProcessPump::new(2, PumpKind::Implanted, start),
        "C0:FF:EE:00:00:0B".parse().unwrap(),
        None,
        None,
    );
    sim.add_device(b.clone()).await.unwrap();
    let manager = Manager::new().await.unwrap();
    let central = manager
        .adapters()
        .await
        .unwrap()
        .into_iter()
        .next()
        .unwrap();
    let mut events = central.events().await.unwrap();
    central
        .start_scan(ScanFilter {
            services: vec![profile::PUMP_SERVICE],
        })
        .await
        .unwrap();
    let raw = loop {
        let event = tokio::time::timeout(DEADLINE, events.next())
            .await
            .unwrap()
            .unwrap();
        if let CentralEvent::DeviceDiscovered(id) | CentralEvent::DeviceUpdated(id) = event {
            let p = central.peripheral(&id).await.unwrap();
            if p.address().to_string() == "C0:FF:EE:00:00:0B" {
                break p;
            }
        }
    };
    central.stop_scan().await.unwrap();
    raw.connect().await.unwrap();
    raw.discover_services().await.unwrap();
    let status = raw
        .characteristics()
        .into_iter()
        .find(|c| c.uuid == profile::STATUS)
        .unwrap();
    raw.subscribe(&status).await.unwrap();
    let mut notes = raw.notifications().await.unwrap();

    let (mut via_btleplug, mut via_core) =
        (Vec::with_capacity(SAMPLES), Vec::with_capacity(SAMPLES));
    let mut t = start;
    for _ in 0..SAMPLES + 20 {
        // Status goes out at most once a simulated minute: step past it each sample.
        t += chrono::Duration::seconds(61);
        clock.set(t);

        let sent = Instant::now();
        b.advance_to(t).await;
        loop {
            let n = tokio::time::timeout(DEADLINE, notes.next())
                .await
                .unwrap()
                .unwrap();
            if n.uuid == profile::STATUS {
                via_btleplug.push(sent.elapsed());
                break;
            }
        }

        let sent = Instant::now();
        a.advance_to(t).await;
        loop {
            let (at, e) = tokio::time::timeout(DEADLINE, rx.recv())
                .await
                .unwrap()
                .unwrap();
            if matches!(e, LinkEvent::Reading { reading } if reading.taken_at == t) {
                via_core.push(at - sent);
                break;
            }
        }
    }
    let (bm, b99) = stats(via_btleplug.split_off(20));
    let (cm, c99) = stats(via_core.split_off(20));
    println!(
        "notification latency over the simulated BlueZ bus, {SAMPLES} samples each (interleaved):"
    );
    println!(
        "  btleplug's own stream:                        median {bm:>8.1} µs   p99 {b99:>8.1} µs"
    );
    println!(
        "  core stream (decode + store FULL + listener): median {cm:>8.1} µs   p99 {c99:>8.1} µs"
    );
    drop(notes);
    raw.disconnect().await.ok();
    thecal.link().stop().await;
    drop(thecal);
    sim.stop().await.unwrap();
}
