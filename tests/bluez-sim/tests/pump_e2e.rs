//! End to end: the core's link manager over the real btleplug stack, against the simulated BlueZ
//! with the simulated pump behind it. Discover → connect → read → live notifications → link
//! dropped → alarms raised while away → reconnect → each alarm stored exactly once, and the pump
//! received only the writes the profile allows.
//!
//! One test in this file: libdbus reads the bus address once per process.

#![allow(clippy::unwrap_used)] // Test code: a failed unwrap is a failed test.

use std::collections::{BTreeSet, HashMap};
use std::sync::Arc;
use std::time::Duration;

use chrono::TimeZone;
use thecal_bluez_sim::{BluezSim, PrivateBus, PumpPeripheral, WriteOp};
use thecal_core::link::{
    BackoffConfig, BtleplugTransport, LinkConfig, LinkEvent, LinkListener, LinkState, ListenerError,
};
use thecal_core::model::{AlarmKind, ManualClock, PumpKind, UtcDateTime};
use thecal_core::pump::profile;
use thecal_core::therapy::db as store;
use thecal_core::{Thecal, ThecalConfig};
use thecal_sim::InProcessPump;
use tokio::sync::mpsc;

const DEADLINE: Duration = Duration::from_secs(30);

#[derive(Debug)]
struct Forward(mpsc::UnboundedSender<LinkEvent>);

impl LinkListener for Forward {
    fn on_event(&self, event: LinkEvent) -> Result<(), ListenerError> {
        let _ = self.0.send(event);
        Ok(())
    }
}

struct Events {
    rx: mpsc::UnboundedReceiver<LinkEvent>,
    all: Vec<LinkEvent>,
}

impl Events {
    async fn until(&mut self, what: &str, mut done: impl FnMut(&LinkEvent) -> bool) {
        loop {
            let e = tokio::time::timeout(DEADLINE, self.rx.recv())
                .await
                .unwrap_or_else(|_| panic!("timed out waiting for {what}"))
                .expect("the link keeps publishing");
            let stop = done(&e);
            self.all.push(e);
            if stop {
                return;
            }
        }
    }
}

#[test]
fn pump_over_btleplug_and_simulated_bluez_loses_no_alarm() {
    let bus = PrivateBus::start().expect("a private D-Bus bus");
    // SAFETY: first thing in this process's only test; no other thread exists yet.
    unsafe {
        bus.export_as_system_bus()
            .expect("the bus address is exported")
    };
    let rt = tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()
        .expect("a runtime");
    rt.block_on(run(&bus));
}

async fn run(bus: &PrivateBus) {
    let start: UtcDateTime = chrono::Utc.with_ymd_and_hms(2026, 10, 1, 9, 0, 0).unwrap();
    let sim = BluezSim::start(bus.address())
        .await
        .expect("the simulated BlueZ");
    let pump = InProcessPump::new(11, PumpKind::Implanted, start);
    let peripheral = PumpPeripheral::new(pump.clone(), "C0:FF:EE:00:00:11".parse().unwrap());
    let address = peripheral.address();
    sim.add_device(peripheral.clone())
        .await
        .expect("the pump is in range");

    let dir = tempfile::tempdir().unwrap();
    let clock = Arc::new(ManualClock::new(start));
    let thecal = Thecal::open_with_clock(
        dir.path(),
        &ThecalConfig::default(),
        clock.clone(),
        thecal_sim::fixtures::MemorySecretStore::new(),
    )
    .unwrap();
    let transport = Arc::new(
        BtleplugTransport::new()
            .await
            .expect("btleplug finds the adapter"),
    );
    let (tx, rx) = mpsc::unbounded_channel();
    let mut events = Events {
        rx,
        all: Vec::new(),
    };
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
    transport.set_pairing_passkey(Some(thecal_bluez_sim::SIM_PASSKEY));
    thecal.link().start_with(transport, config).await.unwrap();
    // Pair it, as the patient does: pick it from the list, confirm its serial (the pump asks
    // for its pairing code through the transport's agent).
    let device = thecal
        .link()
        .discover(3000)
        .await
        .unwrap()
        .into_iter()
        .next()
        .expect("the pump advertises");
    let paired = thecal
        .link()
        .pair(device, pump.serial())
        .await
        .expect("paired over btleplug and the simulated BlueZ");
    assert!(paired.bonded);
    assert_eq!(paired.ble_identity, "C0:FF:EE:00:00:11");
    assert!(sim.is_paired(address).unwrap());

    // Discover, connect, identify, read.
    events
        .until("Connected", |e| {
            matches!(
                e,
                LinkEvent::StateChanged {
                    state: LinkState::Connected
                }
            )
        })
        .await;
    let snap = thecal.link().snapshot().await.unwrap();
    let serial = snap.pump.expect("identified").serial;
    assert_eq!(serial, pump.serial());
    assert_eq!(snap.transport.as_deref(), Some("btleplug over BlueZ"));

    // At least ten live notifications, each stored before it is published.
    let mut t = start;
    for _ in 0..12 {
        t += chrono::Duration::minutes(5);
        clock.set(t);
        peripheral.advance_to(t).await;
        events
            .until(
                "a live reading",
                |e| matches!(e, LinkEvent::Reading { reading } if reading.taken_at == t),
            )
            .await;
        let stored = thecal
            .store()
            .read(|c| store::latest_reading(c, &serial))
            .unwrap()
            .unwrap();
        assert_eq!(stored.taken_at, t);
    }

    // The link drops (out of range); the pump raises alarms while the phone is away.
    sim.set_reachable(address, false).await.unwrap();
    events
        .until("LinkLost", |e| matches!(e, LinkEvent::LinkLost { .. }))
        .await;
    t += chrono::Duration::minutes(30);
    clock.set(t);
    peripheral.advance_to(t).await;
    peripheral.raise_alarm(AlarmKind::CatheterOcclusion).await;
    peripheral.raise_alarm(AlarmKind::MotorStall).await;
    let expected: BTreeSet<u32> = pump.history_sequences().into_iter().collect();
    let newest = *expected.last().expect("the pump recorded the alarms");

    // Back in range: reconnect on its own, replay the history.
    sim.set_reachable(address, true).await.unwrap();
    events
        .until(
            "the history replayed",
            |e| matches!(e, LinkEvent::HistorySynced { through, .. } if *through >= newest),
        )
        .await;
    let stored: Vec<u32> = thecal
        .store()
        .read(|c| store::events_after(c, &serial, 0))
        .unwrap()
        .into_iter()
        .map(|e| e.sequence)
        .collect();
    assert_eq!(
        stored.iter().copied().collect::<BTreeSet<_>>(),
        expected,
        "every pump event is stored"
    );
    assert_eq!(stored.len(), expected.len(), "each exactly once");
    let mut published: HashMap<u32, usize> = HashMap::new();
    for e in &events.all {
        if let LinkEvent::Alarm { alarm } = e {
            *published.entry(alarm.sequence).or_default() += 1;
        }
    }
    assert!(published.values().all(|n| *n == 1), "{published:?}");
    let open: Vec<AlarmKind> = thecal
        .store()
        .read(|c| store::open_alarms(c, &serial))
        .unwrap()
        .into_iter()
        .map(|a| a.kind)
        .collect();
    assert!(
        open.contains(&AlarmKind::MotorStall) && open.contains(&AlarmKind::CatheterOcclusion),
        "{open:?}"
    );
    assert!(thecal.link().snapshot().await.unwrap().reconnects >= 1);

    // Read-only toward the pump: after the whole session, only allow-listed writes reached it.
    let log = sim.write_log();
    assert!(
        log.iter().any(|w| w.op == WriteOp::Write),
        "the history request was written"
    );
    for w in &log {
        match w.op {
            WriteOp::Write | WriteOp::WriteWithoutResponse => {
                assert!(profile::phone_may_write(w.characteristic), "{w:?}");
            }
            WriteOp::StartNotify | WriteOp::StopNotify => {
                assert!(profile::phone_may_subscribe(w.characteristic), "{w:?}");
            }
            WriteOp::DescriptorWrite(_) => panic!("no descriptor is written: {w:?}"),
        }
    }

    thecal.link().stop().await;
    drop(thecal);
    sim.stop().await.unwrap();
}
