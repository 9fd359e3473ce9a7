//! The link manager against the in-process simulated pump: live data, link loss, replay,
//! bad frames, read-only, and many drops at random moments.

use crate::block_on;
use std::collections::{BTreeSet, HashMap};
use std::sync::Arc;
use std::sync::mpsc::Receiver;
use std::time::Duration;

use chrono::TimeZone;

use thecal_core::link::*;
use thecal_core::model::{AlarmKind, ManualClock, UtcDateTime};
use thecal_core::pump::profile;
use thecal_core::therapy::db as store;
use thecal_core::{LinkError, Thecal, ThecalConfig};
use thecal_sim::fixtures::collector;
use thecal_sim::{InProcessPump, InProcessTransport, SimConfig};

const DEADLINE: Duration = Duration::from_secs(20);

struct Rig {
    _dir: tempfile::TempDir,
    thecal: Arc<Thecal>,
    clock: Arc<ManualClock>,
    transport: Arc<InProcessTransport>,
    events: Receiver<LinkEvent>,
    seen: std::cell::RefCell<Vec<LinkEvent>>,
    _sub: Arc<Subscription>,
}

fn start() -> UtcDateTime {
    chrono::Utc.with_ymd_and_hms(2026, 3, 1, 8, 0, 0).unwrap()
}

pub(crate) fn fast() -> LinkConfig {
    LinkConfig {
        backoff: BackoffConfig {
            initial: Duration::from_millis(1),
            max: Duration::from_millis(8),
        },
        scan_timeout: Duration::from_millis(50),
        away_backoff: None,
    }
}

/// Pairs the transport's pump (the patient's), as the patient would: discover, pick it, confirm
/// its serial.
pub(crate) fn pair_own_pump(thecal: &Thecal, transport: &InProcessTransport) {
    let serial = transport.pump().serial();
    let id = transport.pump().device_id();
    let found = block_on(thecal.link().discover(200)).unwrap();
    let device = found
        .into_iter()
        .find(|d| d.device_id == id)
        .expect("the patient's pump is listed");
    let paired = block_on(thecal.link().pair(device, serial.clone())).unwrap();
    assert_eq!(paired.serial, serial);
}

fn rig(seed: u64) -> Rig {
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
    pair_own_pump(&thecal, &transport);
    Rig {
        _dir: dir,
        thecal,
        clock,
        transport,
        events,
        seen: std::cell::RefCell::default(),
        _sub: sub,
    }
}

impl Rig {
    /// Events until `done` says stop (returns all of them, the matching one last).
    fn until(&self, what: &str, mut done: impl FnMut(&LinkEvent) -> bool) -> Vec<LinkEvent> {
        let mut seen = Vec::new();
        let deadline = std::time::Instant::now() + DEADLINE;
        loop {
            assert!(
                std::time::Instant::now() < deadline,
                "timed out waiting for {what}"
            );
            let e = self
                .events
                .recv_timeout(DEADLINE)
                .unwrap_or_else(|_| panic!("timed out waiting for {what}; saw {seen:#?}"));
            let stop = done(&e);
            self.seen.borrow_mut().push(e.clone());
            seen.push(e);
            if stop {
                return seen;
            }
        }
    }

    /// Waits (on events, with a deadline) until `cond` holds; checks it first.
    fn eventually(&self, what: &str, cond: impl Fn() -> bool) {
        if cond() {
            return;
        }
        self.until(what, |_| cond());
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

    fn advance(&self, minutes: i64) {
        let t = self.clock_now() + chrono::Duration::minutes(minutes);
        self.clock.set(t);
        self.transport.advance_to(t);
    }

    fn clock_now(&self) -> UtcDateTime {
        thecal_core::model::Clock::now(self.clock.as_ref())
    }

    fn serial(&self) -> String {
        self.transport.pump().serial()
    }

    /// How often each pump event (by sequence) was published, over the whole test.
    fn published(&self) -> HashMap<u32, usize> {
        let mut counts = HashMap::new();
        for e in self.seen.borrow().iter() {
            match e {
                LinkEvent::Alarm { alarm } => *counts.entry(alarm.sequence).or_default() += 1,
                LinkEvent::History { event } => *counts.entry(event.sequence).or_default() += 1,
                _ => {}
            }
        }
        counts
    }

    fn stored_sequences(&self) -> Vec<u32> {
        self.thecal
            .store()
            .read(|c| store::events_after(c, &self.serial(), 0))
            .unwrap()
            .into_iter()
            .map(|e| e.sequence)
            .collect()
    }
}

#[test]
fn snapshot_first_then_connect_identify_and_live_readings_in_order() {
    let rig = rig(1);
    let first = rig.events.recv_timeout(DEADLINE).unwrap();
    assert!(matches!(first, LinkEvent::Snapshot { ref snapshot } if snapshot.latest.is_none()));
    let setup = rig.connected();
    assert!(
        setup.iter().any(
            |e| matches!(e, LinkEvent::PumpIdentified { info } if info.serial == rig.serial())
        )
    );
    assert!(
        setup.iter().any(|e| matches!(e, LinkEvent::Reading { .. })),
        "the first status is read on connect"
    );
    let mut times = Vec::new();
    for _ in 0..12 {
        rig.advance(5);
        let events = rig.until("a reading", |e| matches!(e, LinkEvent::Reading { .. }));
        let Some(LinkEvent::Reading { reading }) = events.last() else {
            unreachable!()
        };
        assert_eq!(reading.taken_at, rig.clock_now());
        times.push(reading.taken_at);
    }
    let stored = rig
        .thecal
        .store()
        .read(|c| {
            store::readings_between(
                c,
                &rig.serial(),
                start(),
                rig.clock_now() + chrono::Duration::seconds(1),
            )
        })
        .unwrap();
    assert_eq!(
        stored.len(),
        13,
        "the connect read and twelve notifications"
    );
    assert_eq!(
        stored
            .iter()
            .skip(1)
            .map(|r| r.taken_at)
            .collect::<Vec<_>>(),
        times
    );
    let snap = block_on(rig.thecal.link().snapshot()).unwrap();
    assert_eq!(snap.state, LinkState::Connected);
    assert_eq!(snap.latest.map(|r| r.taken_at), times.last().copied());
    assert_eq!(snap.transport.as_deref(), Some("in-process simulated pump"));
}

#[test]
fn alarms_raised_while_disconnected_are_replayed_and_stored_once() {
    let rig = rig(2);
    rig.connected();
    // The patient walks away: out of range, the link drops and cannot come back yet.
    rig.transport.set_in_range(false);
    rig.until("LinkLost", |e| matches!(e, LinkEvent::LinkLost { .. }));
    // While the phone is away: the pump keeps running and raises two alarms.
    rig.advance(30);
    rig.transport.raise_alarm(AlarmKind::CatheterOcclusion);
    rig.advance(30);
    rig.transport.raise_alarm(AlarmKind::MotorStall);
    let missed: BTreeSet<u32> = rig
        .transport
        .pump()
        .history_sequences()
        .into_iter()
        .collect();
    rig.transport.set_in_range(true);
    let mut kinds_seen = BTreeSet::new();
    let after = rig.until("both replayed alarms", |e| {
        if let LinkEvent::Alarm { alarm } = e {
            kinds_seen.insert(alarm.kind.text_code());
        }
        kinds_seen.len() >= 2
    });
    rig.eventually("both stored", || {
        let stored: BTreeSet<u32> = rig.stored_sequences().into_iter().collect();
        missed.is_subset(&stored)
    });
    let alarms: Vec<AlarmKind> = after
        .iter()
        .filter_map(|e| match e {
            LinkEvent::Alarm { alarm } => Some(alarm.kind),
            _ => None,
        })
        .collect();
    assert!(
        alarms.contains(&AlarmKind::CatheterOcclusion) && alarms.contains(&AlarmKind::MotorStall),
        "{alarms:?}"
    );
    let stored = rig.stored_sequences();
    let unique: BTreeSet<u32> = stored.iter().copied().collect();
    assert_eq!(stored.len(), unique.len(), "no event stored twice");
    let open = rig
        .thecal
        .store()
        .read(|c| store::open_alarms(c, &rig.serial()))
        .unwrap();
    assert_eq!(
        open[0].kind,
        AlarmKind::MotorStall,
        "most urgent and newest first"
    );
    let snap = block_on(rig.thecal.link().snapshot()).unwrap();
    assert!(snap.last_link_lost.is_some());
    assert!(snap.reconnects >= 1);
}

#[test]
fn a_corrupted_frame_is_counted_not_stored_and_the_link_goes_on() {
    let rig = rig(3);
    rig.connected();
    let before = rig
        .thecal
        .store()
        .read(|c| store::latest_reading(c, &rig.serial()))
        .unwrap();
    rig.transport.pump().corrupt_next_frame();
    rig.advance(5);
    let events = rig.until("FrameRejected", |e| {
        matches!(e, LinkEvent::FrameRejected { .. })
    });
    let Some(LinkEvent::FrameRejected {
        characteristic,
        reason,
    }) = events.last()
    else {
        unreachable!()
    };
    assert_eq!(characteristic, &profile::STATUS.to_string());
    assert!(!reason.is_empty());
    assert_eq!(
        rig.thecal
            .store()
            .read(|c| store::latest_reading(c, &rig.serial()))
            .unwrap(),
        before
    );
    rig.advance(5);
    rig.until("the next good reading", |e| {
        matches!(e, LinkEvent::Reading { .. })
    });
    let snap = block_on(rig.thecal.link().snapshot()).unwrap();
    assert_eq!(snap.frames_rejected, 1);
    assert_eq!(snap.state, LinkState::Connected);
}

#[test]
fn a_hundred_drops_at_random_moments_lose_nothing_and_duplicate_nothing() {
    let rig = rig(4);
    rig.connected();
    let mut rng = fastrand::Rng::with_seed(100);
    let kinds = [
        AlarmKind::CatheterOcclusion,
        AlarmKind::MotorStall,
        AlarmKind::ClockError,
        AlarmKind::PumpFault,
    ];
    for _ in 0..100 {
        match rng.u8(0..5) {
            0 => rig.advance(i64::from(rng.u8(1..120))),
            1 => rig.transport.raise_alarm(kinds[rng.usize(0..kinds.len())]),
            2 => {
                rig.transport
                    .pump()
                    .clear_alarm(kinds[rng.usize(0..kinds.len())]);
            }
            3 => rig.transport.pump().corrupt_next_frame(),
            _ => {}
        }
        rig.transport.drop_link();
        if rng.bool() {
            // Sometimes wait for the link to come back; otherwise drop it again at once, in the
            // middle of reconnecting or replaying.
            rig.until("reconnected", |e| {
                matches!(
                    e,
                    LinkEvent::StateChanged {
                        state: LinkState::Connected
                    }
                )
            });
        }
    }
    let expected: BTreeSet<u32> = rig
        .transport
        .pump()
        .history_sequences()
        .into_iter()
        .collect();
    assert!(
        expected.len() > 10,
        "the run produced history to check ({})",
        expected.len()
    );
    // Come back for good, and let the last replay finish.
    rig.eventually("every pump event stored", || {
        let stored: BTreeSet<u32> = rig.stored_sequences().into_iter().collect();
        expected.is_subset(&stored)
    });
    let published = rig.published();
    let stored = rig.stored_sequences();
    assert_eq!(
        stored.iter().copied().collect::<BTreeSet<_>>(),
        expected,
        "exactly the pump's history"
    );
    assert_eq!(stored.len(), expected.len(), "each event stored once");
    assert!(
        published.values().all(|n| *n == 1),
        "each event published once: {published:?}"
    );
    // Read-only: after the whole run the pump received only allow-listed writes.
    for w in rig.transport.pump().received_writes() {
        let uuid = uuid::Uuid::parse_str(&w.characteristic).unwrap();
        if w.subscription {
            assert!(profile::phone_may_subscribe(uuid), "{w:?}");
        } else {
            assert_eq!(uuid, profile::HISTORY_CONTROL_POINT, "{w:?}");
        }
    }
}

#[test]
fn an_alarm_lost_on_the_air_is_recovered_from_the_pump_history() {
    let rig = rig(7);
    rig.connected();
    // The first alarm's indication is damaged in transit; the second arrives intact. Its
    // counter shows one frame missing, so the link asks the history for what it lacks.
    rig.transport.pump().corrupt_next_frame();
    rig.transport.raise_alarm(AlarmKind::CatheterOcclusion);
    rig.transport.raise_alarm(AlarmKind::MotorStall);
    let expected: BTreeSet<u32> = rig
        .transport
        .pump()
        .history_sequences()
        .into_iter()
        .collect();
    rig.eventually("both alarms stored", || {
        expected.is_subset(&rig.stored_sequences().into_iter().collect())
    });
    let kinds: BTreeSet<String> = rig
        .thecal
        .store()
        .read(|c| store::open_alarms(c, &rig.serial()))
        .unwrap()
        .into_iter()
        .map(|a| a.kind.text_code())
        .collect();
    assert!(
        kinds.contains("catheter_occlusion") && kinds.contains("motor_stall"),
        "{kinds:?}"
    );
    assert_eq!(
        block_on(rig.thecal.link().snapshot())
            .unwrap()
            .frames_rejected,
        1
    );
    assert!(
        rig.published().values().all(|n| *n == 1),
        "{:?}",
        rig.published()
    );
}

#[test]
fn a_history_record_damaged_during_replay_is_fetched_again_and_published_once() {
    let rig = rig(8);
    rig.connected();
    rig.transport.set_in_range(false);
    for kind in [
        AlarmKind::ClockError,
        AlarmKind::CatheterOcclusion,
        AlarmKind::MotorStall,
    ] {
        rig.advance(10);
        rig.transport.raise_alarm(kind);
    }
    let newest = *rig.transport.pump().history_sequences().last().unwrap();
    // The first replayed record is damaged on the air; the ones after it arrive intact.
    rig.transport
        .pump()
        .corrupt_next_on_air(profile::HISTORY_RECORD.to_string())
        .unwrap();
    rig.transport.set_in_range(true);
    rig.until(
        "history synced to the newest event",
        |e| matches!(e, LinkEvent::HistorySynced { through, .. } if *through >= newest),
    );
    let stored: BTreeSet<u32> = rig.stored_sequences().into_iter().collect();
    assert_eq!(
        stored,
        rig.transport
            .pump()
            .history_sequences()
            .into_iter()
            .collect()
    );
    assert!(
        rig.published().values().all(|n| *n == 1),
        "{:?}",
        rig.published()
    );
    assert_eq!(rig.published().len(), stored.len());
}

#[test]
fn stop_disconnects_and_start_again_works() {
    let rig = rig(5);
    rig.connected();
    let link = rig.thecal.link();
    assert_eq!(
        block_on(link.start(rig.transport.clone())),
        Err(LinkError::AlreadyRunning)
    );
    futures_block_on(link.stop());
    rig.until("Stopped", |e| {
        matches!(
            e,
            LinkEvent::StateChanged {
                state: LinkState::Stopped
            }
        )
    });
    assert!(!rig.transport.pump().is_connected());
    assert_eq!(block_on(link.drop_link()), Err(LinkError::NotRunning));
    block_on(link.start_with(rig.transport.clone(), fast())).unwrap();
    rig.connected();
}

#[test]
fn freshness_follows_the_newest_reading() {
    let rig = rig(6);
    let link = rig.thecal.link();
    rig.connected();
    assert_eq!(block_on(link.freshness()).unwrap(), Freshness::Fresh);
    rig.transport.set_in_range(false);
    rig.clock.advance(chrono::Duration::minutes(45));
    assert_eq!(block_on(link.freshness()).unwrap(), Freshness::Stale);
    rig.clock.advance(chrono::Duration::minutes(30));
    assert_eq!(block_on(link.freshness()).unwrap(), Freshness::VeryStale);
}

fn futures_block_on<F: std::future::Future>(f: F) -> F::Output {
    tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .unwrap()
        .block_on(f)
}

#[test]
fn distinct_readings_received_within_one_millisecond_are_all_kept() {
    let rig = rig(9);
    rig.connected();
    // The phone's clock moves less than a millisecond while the pump sends three distinct
    // Status frames (times are stored to the millisecond).
    let mut pump_time = rig.clock_now();
    let mut got = Vec::new();
    for _ in 0..3 {
        rig.clock.advance(chrono::Duration::microseconds(300));
        pump_time += chrono::Duration::minutes(5);
        rig.transport.advance_to(pump_time);
        let events = rig.until("a reading", |e| matches!(e, LinkEvent::Reading { .. }));
        let Some(LinkEvent::Reading { reading }) = events.last() else {
            unreachable!()
        };
        got.push(reading.taken_at);
    }
    assert!(
        got.windows(2).all(|w| w[0] < w[1]),
        "strictly increasing: {got:?}"
    );
    let stored = rig
        .thecal
        .store()
        .read(|c| {
            store::readings_between(
                c,
                &rig.serial(),
                start(),
                start() + chrono::Duration::hours(1),
            )
        })
        .unwrap();
    assert_eq!(stored.len(), 4, "the connect read and three notifications");
}
