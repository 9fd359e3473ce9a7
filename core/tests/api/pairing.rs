//! Pairing as a deliberate act, only the paired pump verified on every connection, and every
//! failure typed in the link's state and events: over the in-process transport, with strangers'
//! pumps nearby (the waiting room) and injected faults.

use crate::block_on;
use crate::link::{fast, pair_own_pump};
use std::sync::Arc;
use std::sync::mpsc::Receiver;
use std::time::Duration;

use chrono::TimeZone;

use thecal_core::link::*;
use thecal_core::model::{AlarmKind, ManualClock, PumpKind, UtcDateTime};
use thecal_core::therapy::db as store;
use thecal_core::{LinkError, Thecal, ThecalConfig};
use thecal_sim::fixtures::collector;
use thecal_sim::{InProcessPump, InProcessTransport, SimConfig};

const DEADLINE: Duration = Duration::from_secs(20);

fn start() -> UtcDateTime {
    chrono::Utc.with_ymd_and_hms(2026, 6, 1, 8, 0, 0).unwrap()
}

struct Bed {
    _dir: tempfile::TempDir,
    thecal: Arc<Thecal>,
    clock: Arc<ManualClock>,
    transport: Arc<InProcessTransport>,
    events: Receiver<LinkEvent>,
    _sub: Arc<Subscription>,
}

/// An app with the link started (nothing paired yet) and the patient's pump in range.
fn bed(seed: u64) -> Bed {
    let dir = tempfile::tempdir().unwrap();
    let clock = Arc::new(ManualClock::new(start()));
    let thecal = Thecal::open_with_clock(
        dir.path(),
        &ThecalConfig::default(),
        clock.clone(),
        thecal_sim::fixtures::MemorySecretStore::new(),
    )
    .unwrap();
    let pump = Arc::new(InProcessPump::from_config(SimConfig::implanted(
        seed,
        start(),
    )));
    let transport = InProcessTransport::new(pump);
    let (listener, events) = collector();
    let sub = block_on(thecal.link().subscribe(listener)).unwrap();
    block_on(thecal.link().start_with(transport.clone(), fast())).unwrap();
    Bed {
        _dir: dir,
        thecal,
        clock,
        transport,
        events,
        _sub: sub,
    }
}

impl Bed {
    fn until(&self, what: &str, mut done: impl FnMut(&LinkEvent) -> bool) -> Vec<LinkEvent> {
        let mut seen = Vec::new();
        let deadline = std::time::Instant::now() + DEADLINE;
        loop {
            assert!(
                std::time::Instant::now() < deadline,
                "timed out waiting for {what}; last events {:#?}",
                &seen[seen.len().saturating_sub(5)..]
            );
            let e = self
                .events
                .recv_timeout(DEADLINE)
                .unwrap_or_else(|_| panic!("timed out waiting for {what}; saw {seen:#?}"));
            let stop = done(&e);
            seen.push(e);
            if stop {
                return seen;
            }
        }
    }

    fn connected(&self) -> Vec<LinkEvent> {
        self.until("Connected", |e| {
            matches!(
                e,
                LinkEvent::StateChanged {
                    state: LinkState::Connected
                }
            )
        })
    }

    fn failed(&self, what: &str, want: impl Fn(&LinkFailure) -> bool) -> LinkFailure {
        let events = self.until(
            what,
            |e| matches!(e, LinkEvent::Failed { failure } if want(failure)),
        );
        let Some(LinkEvent::Failed { failure }) = events.last() else {
            unreachable!()
        };
        failure.clone()
    }

    fn snapshot(&self) -> LinkSnapshot {
        block_on(self.thecal.link().snapshot()).unwrap()
    }

    fn own(&self) -> Arc<InProcessPump> {
        self.transport.pump()
    }

    fn discovered(&self, id: &str) -> DiscoveredPump {
        block_on(self.thecal.link().discover(200))
            .unwrap()
            .into_iter()
            .find(|d| d.device_id == id)
            .expect("listed")
    }

    fn serials_stored(&self) -> Vec<String> {
        self.thecal
            .store()
            .read(store::all_pumps)
            .unwrap()
            .into_iter()
            .map(|p| p.serial)
            .collect()
    }

    fn wait(&self, what: &str, cond: impl Fn() -> bool) {
        let deadline = std::time::Instant::now() + DEADLINE;
        while !cond() {
            assert!(std::time::Instant::now() < deadline, "timed out: {what}");
            std::thread::sleep(Duration::from_millis(5));
        }
    }
}

fn stranger(
    seed: u64,
    identity: &str,
    serial: Option<&str>,
    name: Option<&str>,
) -> Arc<InProcessPump> {
    InProcessPump::stranger(
        seed,
        PumpKind::Implanted,
        start(),
        identity.into(),
        serial.map(Into::into),
        name.map(Into::into),
    )
}

#[test]
fn with_no_pump_paired_the_link_connects_to_nothing() {
    let bed = bed(21);
    bed.transport
        .add_pump(stranger(90, "stranger-1", None, None));
    bed.until("NotPaired", |e| {
        matches!(
            e,
            LinkEvent::StateChanged {
                state: LinkState::NotPaired
            }
        )
    });
    std::thread::sleep(Duration::from_millis(300));
    assert!(bed.transport.connections().is_empty());
    assert_eq!(bed.snapshot().state, LinkState::NotPaired);
    assert!(bed.serials_stored().is_empty());
}

#[test]
fn discover_lists_pumps_from_advertisements_alone_and_pair_checks_the_serial() {
    let bed = bed(22);
    bed.transport
        .add_pump(stranger(91, "stranger-1", None, Some("Thecal X")));
    let found = block_on(bed.thecal.link().discover(200)).unwrap();
    assert_eq!(found.len(), 2);
    assert!(found.iter().all(|d| d.kind == Some(PumpKind::Implanted)));
    assert!(
        bed.transport.connections().is_empty(),
        "discovering connects to nothing"
    );

    // The patient picks their pump but mistypes the serial: refused, nothing stored.
    let own = bed.discovered(&bed.own().device_id());
    let err = block_on(bed.thecal.link().pair(own.clone(), "SIM-IT-999999".into())).unwrap_err();
    assert_eq!(
        err,
        LinkError::PumpMismatch {
            what: "serial".into()
        }
    );
    assert!(err.to_string().contains("does not match"), "{err}");
    assert!(bed.serials_stored().is_empty());
    assert_eq!(block_on(bed.thecal.link().paired_pump()).unwrap(), None);
    assert!(!bed.own().is_connected());

    // The right serial (typed in lower case, with spaces, from the printout): paired, bonded.
    let serial = bed.own().serial();
    let paired = block_on(
        bed.thecal
            .link()
            .pair(own, format!(" {} ", serial.to_lowercase())),
    )
    .unwrap();
    assert_eq!(paired.serial, serial);
    assert_eq!(paired.ble_identity, bed.own().device_id());
    assert!(paired.bonded && bed.own().is_bonded());
    bed.until("Paired", |e| matches!(e, LinkEvent::Paired { .. }));
    bed.connected();
    assert_eq!(bed.snapshot().paired, Some(paired));
    // Another pump cannot be paired over it.
    let other = bed.discovered("stranger-1");
    assert_eq!(
        block_on(bed.thecal.link().pair(other, "SIM-IT-000091".into())),
        Err(LinkError::AlreadyPaired)
    );
}

/// The waiting room: five strangers nearby, two advertising the paired pump's serial as (part
/// of) their name, one reporting the paired serial from another BLE identity. With the paired
/// pump away for 100 scan windows, the link connects to none of them and stores nothing of
/// theirs; when it is back, it is connected on the first scan after.
#[test]
fn waiting_room_the_link_never_adopts_a_strangers_pump() {
    let bed = bed(23);
    pair_own_pump(&bed.thecal, &bed.transport);
    bed.connected();
    let own_id = bed.own().device_id();
    let serial = bed.own().serial();
    for (i, (serial_reported, name)) in [
        (None, Some(serial.clone())), // name equals the paired serial
        (None, Some(format!("Pump {serial} (demo)"))), // name contains it
        (Some(serial.clone()), None), // DIS says the paired serial
        (None, None),
        (None, Some("Thecal IT-20".into())),
    ]
    .into_iter()
    .enumerate()
    {
        bed.transport.add_pump(stranger(
            100 + i as u64,
            &format!("stranger-{i}"),
            serial_reported.as_deref(),
            name.as_deref(),
        ));
    }
    let readings_before = bed
        .thecal
        .store()
        .read(|c| store::readings_between(c, &serial, start(), start() + chrono::Duration::days(9)))
        .unwrap()
        .len();

    bed.transport.set_in_range(false);
    let failure = bed.failed("PumpNotFound", |f| {
        matches!(f, LinkFailure::PumpNotFound { .. })
    });
    let LinkFailure::PumpNotFound { last_seen } = failure else {
        unreachable!()
    };
    assert_eq!(last_seen, Some(start()), "last seen when the link was lost");
    let scans_away = bed.snapshot().radio.scans;
    bed.wait("100 scan windows with the pump away", || {
        bed.snapshot().radio.scans >= scans_away + 100
    });
    assert!(matches!(
        bed.snapshot().state,
        LinkState::Scanning
            | LinkState::Failed {
                failure: LinkFailure::PumpNotFound { .. },
                ..
            }
    ));
    let connections = bed.transport.connections();
    assert!(
        connections.iter().all(|c| *c == own_id),
        "connected only to the paired pump: {connections:?}"
    );
    assert_eq!(bed.serials_stored(), vec![serial.clone()]);
    let readings_after = bed
        .thecal
        .store()
        .read(|c| store::readings_between(c, &serial, start(), start() + chrono::Duration::days(9)))
        .unwrap()
        .len();
    assert_eq!(readings_before, readings_after, "nothing stored while away");

    // Back in range: connected on the first scan window that starts after it is back.
    let scans_back = bed.snapshot().radio.scans;
    bed.transport.set_in_range(true);
    bed.connected();
    let scans_connected = bed.snapshot().radio.scans;
    assert!(
        scans_connected <= scans_back + 2,
        "back at scan {scans_back}, connected after scan {scans_connected}"
    );
    assert!(
        bed.transport.connections().iter().all(|c| *c == own_id),
        "{:?}",
        bed.transport.connections()
    );
}

#[test]
fn a_pump_answering_with_the_paired_identity_but_another_serial_is_a_mismatch() {
    let bed = bed(24);
    pair_own_pump(&bed.thecal, &bed.transport);
    bed.connected();
    let own_id = bed.own().device_id();
    // Away; a pump with the paired pump's BLE identity (an address collision, a spoofer) but
    // another serial answers. It is bonded with the phone (or it could not be read at all).
    bed.transport.set_in_range(false);
    let impostor = stranger(92, &own_id, Some("SIM-IT-666666"), None);
    bed.transport.add_pump(impostor.clone());
    impostor.connect().unwrap();
    impostor.bond().unwrap();
    impostor.disconnect();
    let failure = bed.failed("PumpMismatch", |f| {
        matches!(f, LinkFailure::PumpMismatch { .. })
    });
    assert_eq!(
        failure,
        LinkFailure::PumpMismatch {
            what: "serial".into()
        }
    );
    assert!(matches!(
        bed.snapshot().last_failure,
        Some(LinkFailure::PumpMismatch { .. })
    ));
    assert!(!bed.serials_stored().contains(&"SIM-IT-666666".to_owned()));
    // Each try with it ends in a disconnection (it may be mid-try now): once the link has
    // stopped, nothing is connected to it.
    block_on(bed.thecal.link().stop());
    assert!(!impostor.is_connected(), "disconnected after each try");
}

#[test]
fn a_full_disk_while_an_alarm_arrives_is_typed_and_the_alarm_is_stored_once_afterwards() {
    let bed = bed(25);
    pair_own_pump(&bed.thecal, &bed.transport);
    bed.connected();
    let serial = bed.own().serial();
    bed.thecal.store().simulate_full_disk(true);
    bed.transport.raise_alarm(AlarmKind::MotorStall);
    let failure = bed.failed("StorageFailed", |f| {
        matches!(f, LinkFailure::StorageFailed { .. })
    });
    assert!(matches!(
        failure,
        LinkFailure::StorageFailed { full: true, .. }
    ));
    assert!(matches!(
        bed.snapshot().state,
        LinkState::Failed {
            failure: LinkFailure::StorageFailed { .. },
            ..
        } | LinkState::Scanning
            | LinkState::Connecting
    ));
    let open = bed
        .thecal
        .store()
        .read(|c| store::open_alarms(c, &serial))
        .unwrap();
    assert!(open.is_empty(), "not stored while the disk is full");
    let d = block_on(bed.thecal.dashboard()).unwrap();
    assert_ne!(d.link_state, LinkState::Connected);

    // Storage comes back: the link reconnects by itself, the pump's history brings the alarm
    // again, and it is stored and published once.
    bed.thecal.store().simulate_full_disk(false);
    let events = bed.until("the alarm", |e| matches!(e, LinkEvent::Alarm { .. }));
    assert!(events.iter().any(|e| matches!(
        e,
        LinkEvent::StateChanged {
            state: LinkState::Connected
        }
    )));
    bed.wait("alarm stored", || {
        !bed.thecal
            .store()
            .read(|c| store::open_alarms(c, &serial))
            .unwrap()
            .is_empty()
    });
    let open = bed
        .thecal
        .store()
        .read(|c| store::open_alarms(c, &serial))
        .unwrap();
    assert_eq!(open.len(), 1);
    assert_eq!(open[0].kind, AlarmKind::MotorStall);
    // The rest of the replay that brought it: no second publication.
    let rest = bed.until("the replay done", |e| {
        matches!(e, LinkEvent::HistorySynced { .. })
    });
    assert!(
        !rest.iter().any(|e| matches!(e, LinkEvent::Alarm { .. })),
        "published once: {rest:?}"
    );
}

#[test]
fn refused_pairing_is_typed_and_stores_nothing() {
    let bed = bed(26);
    bed.own().refuse_pairing(true);
    let own = bed.discovered(&bed.own().device_id());
    let err = block_on(bed.thecal.link().pair(own.clone(), bed.own().serial())).unwrap_err();
    assert_eq!(err, LinkError::Transport(TransportError::PairingRefused));
    bed.failed("PairingRefused", |f| *f == LinkFailure::PairingRefused);
    assert!(bed.serials_stored().is_empty());
    assert_eq!(block_on(bed.thecal.link().paired_pump()).unwrap(), None);
    bed.own().refuse_pairing(false);
    block_on(bed.thecal.link().pair(own, bed.own().serial())).unwrap();
    bed.connected();
}

#[test]
fn bluetooth_off_then_on_is_typed_and_the_link_recovers_by_itself() {
    let bed = bed(27);
    pair_own_pump(&bed.thecal, &bed.transport);
    bed.connected();
    bed.transport.set_bluetooth_on(false);
    bed.failed("BluetoothOff", |f| *f == LinkFailure::BluetoothOff);
    assert!(matches!(
        bed.snapshot().state,
        LinkState::Failed {
            failure: LinkFailure::BluetoothOff,
            ..
        } | LinkState::Scanning
    ));
    bed.transport.set_bluetooth_on(true);
    bed.connected();
    assert_eq!(bed.snapshot().last_failure, None);
}

#[test]
fn a_panic_in_the_link_task_is_caught_reported_and_the_task_restarts() {
    let bed = bed(28);
    pair_own_pump(&bed.thecal, &bed.transport);
    bed.connected();
    bed.transport.panic_on_next_read();
    bed.transport.drop_link();
    let failure = bed.failed("Internal", |f| matches!(f, LinkFailure::Internal { .. }));
    assert!(
        failure.to_string().contains("restarts by itself"),
        "{failure}"
    );
    // Restarted with a backoff: connected again, by itself.
    bed.connected();
    assert_eq!(bed.snapshot().state, LinkState::Connected);
    // And it still works: a reading arrives.
    let t = start() + chrono::Duration::minutes(10);
    bed.clock.set(t);
    bed.transport.advance_to(t);
    bed.until("a reading", |e| matches!(e, LinkEvent::Reading { .. }));
}

#[test]
fn a_subscriber_whose_snapshot_cannot_be_read_gets_a_typed_error_first() {
    let bed = bed(29);
    pair_own_pump(&bed.thecal, &bed.transport);
    bed.connected();
    block_on(bed.thecal.link().stop());
    // Damage the newest reading (as a broken disk would).
    bed.thecal
        .store()
        .write(|tx| {
            tx.execute("UPDATE readings SET taken_at_ms = 9223372036854775807", [])
                .map_err(thecal_core::store::StoreError::from)
        })
        .unwrap();
    let (listener, events) = collector();
    let _sub = block_on(bed.thecal.link().subscribe(listener)).unwrap();
    let first = events.recv_timeout(DEADLINE).unwrap();
    assert!(
        matches!(
            first,
            LinkEvent::Failed {
                failure: LinkFailure::StorageFailed { full: false, .. }
            }
        ),
        "{first:?}"
    );
}

#[test]
fn replacing_the_pump_keeps_the_old_history_marked_ended_and_unpairing_stops_the_link() {
    let bed = bed(30);
    pair_own_pump(&bed.thecal, &bed.transport);
    bed.connected();
    let old_serial = bed.own().serial();
    // Replacement surgery: the old pump is gone, a new one is implanted.
    bed.transport.set_in_range(false);
    let new = stranger(31, "new-pump", None, None);
    bed.transport.add_pump(new.clone());
    let device = bed.discovered("new-pump");
    // `pair` refuses while the old one is paired; `replace_pump` is the call.
    assert_eq!(
        block_on(bed.thecal.link().pair(device.clone(), new.serial())),
        Err(LinkError::AlreadyPaired)
    );
    let paired = block_on(bed.thecal.link().replace_pump(device, new.serial())).unwrap();
    assert_eq!(paired.serial, new.serial());
    bed.until("Unpaired (replaced)", |e| {
        matches!(e, LinkEvent::Unpaired { reason: PairingEnd::Replaced, serial } if *serial == old_serial)
    });
    bed.connected();
    assert_eq!(bed.snapshot().pump.map(|p| p.serial), Some(new.serial()));
    let pairings = block_on(bed.thecal.link().pairings()).unwrap();
    assert_eq!(pairings.len(), 2);
    assert_eq!(pairings[0].pump.serial, new.serial());
    assert_eq!(pairings[0].ended_at, None);
    assert_eq!(pairings[1].pump.serial, old_serial);
    assert_eq!(pairings[1].end_reason, Some(PairingEnd::Replaced));
    // The old pump's readings are kept under its own serial.
    assert!(
        bed.thecal
            .store()
            .read(|c| store::latest_reading(c, &old_serial))
            .unwrap()
            .is_some()
    );

    block_on(bed.thecal.link().unpair()).unwrap();
    bed.until("NotPaired", |e| {
        matches!(
            e,
            LinkEvent::StateChanged {
                state: LinkState::NotPaired
            }
        )
    });
    assert!(!new.is_connected());
    let n = bed.transport.connections().len();
    std::thread::sleep(Duration::from_millis(200));
    assert_eq!(bed.transport.connections().len(), n, "connects to nothing");
    let pairings = block_on(bed.thecal.link().pairings()).unwrap();
    assert_eq!(pairings[0].end_reason, Some(PairingEnd::Unpaired));
}

/// The radio's cost with the default schedule, on a paused clock: an hour with the pump in
/// range, then an hour with it away. Prints the figures the README gives.
#[test]
fn radio_budget_of_the_default_schedule() {
    let rt = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .start_paused(true)
        .build()
        .unwrap();
    let dir = tempfile::tempdir().unwrap();
    let store = Arc::new(thecal_core::store::Store::open_in_dir(dir.path()).unwrap());
    let clock = Arc::new(ManualClock::new(start()));
    let link = Link::new(store, clock);
    let pump = Arc::new(InProcessPump::from_config(SimConfig::implanted(
        40,
        start(),
    )));
    let transport = InProcessTransport::new(pump.clone());
    rt.block_on(async {
        link.start(&rt.handle().clone(), transport.clone(), LinkConfig::default())
            .unwrap();
        let device = link.discover(4000).await.unwrap().remove(0);
        link.pair(device, pump.serial()).await.unwrap();
        tokio::time::sleep(Duration::from_secs(10)).await;
        assert_eq!(link.snapshot().unwrap().state, LinkState::Connected);
        let at = link.snapshot().unwrap().radio;
        tokio::time::sleep(Duration::from_secs(3600)).await;
        let in_range = link.snapshot().unwrap().radio;
        transport.set_in_range(false);
        tokio::time::sleep(Duration::from_secs(3600)).await;
        let away = link.snapshot().unwrap().radio;
        let per_hour = |a: RadioUsage, b: RadioUsage| {
            let on = |r: RadioUsage| r.scan_ms * 1000 + r.connected_ms * CONNECTED_RADIO_DUTY_PERMILLE;
            (on(b) - on(a)) / 1000
        };
        let in_range_ms = per_hour(at, in_range);
        let away_ms = per_hour(in_range, away);
        println!(
            "radio on per hour (default schedule): pump in range {:.1} s, pump away {:.1} s ({} scan windows)",
            in_range_ms as f64 / 1000.0,
            away_ms as f64 / 1000.0,
            away.scans - in_range.scans
        );
        assert!(in_range_ms <= 12_000, "{in_range_ms} ms");
        assert!(away_ms <= 120_000, "{away_ms} ms");
        assert!(away.scans - in_range.scans >= 20);
        link.stop().await;
    });
}

/// The phone's transport, with the app's Bluetooth permission revoked in the settings while the
/// link runs (every scan refused), then granted again.
#[derive(Debug)]
struct Revocable {
    inner: Arc<InProcessTransport>,
    denied: std::sync::atomic::AtomicBool,
}

impl Revocable {
    fn check(&self) -> Result<(), TransportError> {
        if self.denied.load(std::sync::atomic::Ordering::SeqCst) {
            Err(TransportError::PermissionDenied)
        } else {
            Ok(())
        }
    }
}

#[async_trait::async_trait]
impl BleTransport for Revocable {
    fn name(&self) -> String {
        self.inner.name()
    }
    fn set_events(&self, events: Arc<TransportEvents>) -> Result<(), TransportError> {
        self.inner.set_events(events)
    }
    async fn scan(&self, s: Vec<String>, t: u32) -> Result<Vec<Advertisement>, TransportError> {
        self.check()?;
        self.inner.scan(s, t).await
    }
    async fn connect(&self, d: String) -> Result<(), TransportError> {
        self.check()?;
        self.inner.connect(d).await
    }
    async fn bond(&self, d: String) -> Result<bool, TransportError> {
        self.inner.bond(d).await
    }
    async fn identity(&self, d: String) -> Result<String, TransportError> {
        self.inner.identity(d).await
    }
    async fn disconnect(&self, d: String) -> Result<(), TransportError> {
        self.inner.disconnect(d).await
    }
    async fn read(&self, d: String, c: String) -> Result<Vec<u8>, TransportError> {
        self.inner.read(d, c).await
    }
    async fn write(&self, d: String, c: String, v: Vec<u8>) -> Result<(), TransportError> {
        self.inner.write(d, c, v).await
    }
    async fn subscribe(&self, d: String, c: String) -> Result<(), TransportError> {
        self.inner.subscribe(d, c).await
    }
}

#[test]
fn bluetooth_permission_revoked_is_typed_and_the_link_recovers_once_it_is_granted() {
    let dir = tempfile::tempdir().unwrap();
    let thecal = Thecal::open_with_clock(
        dir.path(),
        &ThecalConfig::default(),
        Arc::new(ManualClock::new(start())),
        thecal_sim::fixtures::MemorySecretStore::new(),
    )
    .unwrap();
    let pump = Arc::new(InProcessPump::from_config(SimConfig::implanted(
        32,
        start(),
    )));
    let transport = Arc::new(Revocable {
        inner: InProcessTransport::new(pump.clone()),
        denied: std::sync::atomic::AtomicBool::new(false),
    });
    let (listener, events) = collector();
    let _sub = block_on(thecal.link().subscribe(listener)).unwrap();
    block_on(thecal.link().start_with(transport.clone(), fast())).unwrap();
    let device = block_on(thecal.link().discover(200)).unwrap().remove(0);
    block_on(thecal.link().pair(device, pump.serial())).unwrap();
    let wait = |what: &str, want: &dyn Fn(&LinkEvent) -> bool| {
        let deadline = std::time::Instant::now() + DEADLINE;
        loop {
            let left = deadline.saturating_duration_since(std::time::Instant::now());
            let e = events
                .recv_timeout(left)
                .unwrap_or_else(|_| panic!("timed out waiting for {what}"));
            if want(&e) {
                return;
            }
        }
    };
    let connected = |e: &LinkEvent| {
        matches!(
            e,
            LinkEvent::StateChanged {
                state: LinkState::Connected
            }
        )
    };
    wait("Connected", &connected);

    transport
        .denied
        .store(true, std::sync::atomic::Ordering::SeqCst);
    transport.inner.drop_link();
    wait("PermissionDenied", &|e| {
        matches!(
            e,
            LinkEvent::Failed {
                failure: LinkFailure::PermissionDenied
            }
        )
    });
    let snap = block_on(thecal.link().snapshot()).unwrap();
    assert_eq!(snap.last_failure, Some(LinkFailure::PermissionDenied));
    assert!(
        LinkFailure::PermissionDenied
            .to_string()
            .contains("Allow it in the phone's settings")
    );

    transport
        .denied
        .store(false, std::sync::atomic::Ordering::SeqCst);
    wait("Connected again", &connected);
    assert_eq!(
        block_on(thecal.link().snapshot()).unwrap().last_failure,
        None
    );
    block_on(thecal.link().stop());
}
