//! Notification latency on the bus: from the simulated device sending a notification
//! (`Notifier::notify`) to btleplug's notification stream yielding it.
//!
//! `cargo bench -p thecal-bluez-sim --bench notify_latency`
//!
//! Prints its own median/p99 over many single samples first, then runs a criterion measurement of
//! the same round.

#![allow(clippy::unwrap_used, clippy::expect_used)] // A bench binary: a failure is a panic.

use std::sync::Arc;
use std::time::{Duration, Instant};

use btleplug::api::{Central, CentralEvent, Manager as _, Peripheral as _, ScanFilter};
use btleplug::platform::Manager;
use criterion::{Criterion, criterion_group, criterion_main};
use futures::StreamExt;
use thecal_bluez_sim::{
    Advertisement, AttError, BdAddr, BluezSim, CharFlags, CharacteristicDef, Notifier, Peripheral,
    PrivateBus, ServiceDef, Uuid, WriteKind,
};

const SERVICE: Uuid = Uuid::from_u128(0x7e1c_be00_0000_4000_8000_00c0_ffee_0001);
const STATUS: Uuid = Uuid::from_u128(0x7e1c_be01_0000_4000_8000_00c0_ffee_0001);
const SAMPLES: usize = 2_000;

struct BenchDevice;

#[thecal_bluez_sim::async_trait]
impl Peripheral for BenchDevice {
    fn advertisement(&self) -> Advertisement {
        let mut a = Advertisement::new(BdAddr([0xBE, 0, 0, 0, 0, 1]), Some("bench"));
        a.service_uuids = vec![SERVICE];
        a
    }
    fn gatt_table(&self) -> Vec<ServiceDef> {
        vec![ServiceDef {
            uuid: SERVICE,
            primary: true,
            characteristics: vec![CharacteristicDef::new(STATUS, CharFlags::READ_NOTIFY)],
        }]
    }
    async fn read(&self, _: Uuid) -> Result<Vec<u8>, AttError> {
        Ok(vec![0])
    }
    async fn write(&self, _: Uuid, _: &[u8], _: WriteKind) -> Result<(), AttError> {
        Err(AttError::WriteNotPermitted)
    }
}

type Stream =
    std::pin::Pin<Box<dyn futures::Stream<Item = btleplug::api::ValueNotification> + Send>>;

struct Rig {
    _sim: BluezSim,
    notifier: Notifier,
    stream: Stream,
    _peripheral: btleplug::platform::Peripheral,
}

async fn rig(bus: &PrivateBus) -> Rig {
    let sim = BluezSim::start(bus.address()).await.unwrap();
    let notifier = sim
        .add_device(Arc::new(BenchDevice))
        .await
        .unwrap()
        .notifier();
    let manager = Manager::new().await.unwrap();
    let adapter = manager.adapters().await.unwrap().remove(0);
    let mut events = adapter.events().await.unwrap();
    adapter
        .start_scan(ScanFilter {
            services: vec![SERVICE],
        })
        .await
        .unwrap();
    let id = loop {
        if let Some(CentralEvent::DeviceDiscovered(id)) = events.next().await {
            break id;
        }
    };
    adapter.stop_scan().await.unwrap();
    let p = adapter.peripheral(&id).await.unwrap();
    p.connect().await.unwrap();
    p.discover_services().await.unwrap();
    let c = p
        .characteristics()
        .into_iter()
        .find(|c| c.uuid == STATUS)
        .unwrap();
    let stream = p.notifications().await.unwrap();
    p.subscribe(&c).await.unwrap();
    Rig {
        _sim: sim,
        notifier,
        stream,
        _peripheral: p,
    }
}

async fn one_round(rig: &mut Rig, i: u32) -> Duration {
    let value = i.to_le_bytes();
    let t0 = Instant::now();
    rig.notifier.notify(STATUS, &value).await.unwrap();
    let n = rig.stream.next().await.unwrap();
    let dt = t0.elapsed();
    assert_eq!(n.value, value, "notifications arrive in order");
    dt
}

fn percentile(sorted: &[Duration], p: f64) -> Duration {
    let idx = ((sorted.len() as f64 - 1.0) * p).round() as usize;
    sorted[idx]
}

fn bench(c: &mut Criterion) {
    let bus = PrivateBus::start().expect("dbus-daemon");
    // SAFETY: set before any thread of this bench reads the environment.
    unsafe { bus.export_as_system_bus() }.unwrap();
    let rt = tokio::runtime::Builder::new_multi_thread()
        .worker_threads(2)
        .enable_all()
        .build()
        .unwrap();
    let mut rig = rt.block_on(rig(&bus));

    let mut samples: Vec<Duration> = rt.block_on(async {
        for i in 0..100 {
            one_round(&mut rig, i).await; // warm-up
        }
        let mut v = Vec::with_capacity(SAMPLES);
        for i in 0..SAMPLES {
            v.push(one_round(&mut rig, i as u32).await);
        }
        v
    });
    samples.sort();
    println!(
        "notify → btleplug stream, {SAMPLES} samples: median {:?}, p99 {:?}, max {:?}",
        percentile(&samples, 0.5),
        percentile(&samples, 0.99),
        samples[samples.len() - 1]
    );

    let mut i = 0u32;
    c.bench_function("notify_to_btleplug_stream", |b| {
        b.iter_custom(|iters| {
            rt.block_on(async {
                let mut total = Duration::ZERO;
                for _ in 0..iters {
                    i = i.wrapping_add(1);
                    total += one_round(&mut rig, i).await;
                }
                total
            })
        });
    });
    {
        // bluez-async removes its D-Bus match when the stream drops, which needs the runtime.
        let _in_runtime = rt.enter();
        drop(rig);
    }
    drop(rt);
    drop(bus);
}

criterion_group! {
    name = benches;
    config = Criterion::default().sample_size(50).measurement_time(Duration::from_secs(5));
    targets = bench
}
criterion_main!(benches);
