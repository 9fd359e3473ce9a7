//! Shared set-up for the tests of the core's link over btleplug and the simulated BlueZ: an app
//! with a manual clock, the btleplug transport (with the simulated pumps' pairing code), and its
//! link events.
//!
//! libdbus reads the bus address once per process: each test file holds one test, which calls
//! [`on_private_bus`] first.

#![allow(dead_code)] // Each test binary uses a different part of this module.
#![allow(clippy::unwrap_used)] // Test support: a failed unwrap is a failed test.

use std::future::Future;
use std::sync::Arc;
use std::time::Duration;

use chrono::TimeZone;
use thecal_bluez_sim::{BdAddr, PrivateBus, SIM_PASSKEY};
use thecal_core::link::{
    BtleplugTransport, DiscoveredPump, LinkConfig, LinkEvent, LinkFailure, LinkListener,
    LinkSnapshot, LinkState, ListenerError, Subscription,
};
use thecal_core::model::{ManualClock, UtcDateTime};
use thecal_core::therapy::db as store;
use thecal_core::{Thecal, ThecalConfig};
use tokio::sync::mpsc;

/// The deadline for anything a test waits for. Generous: the machine is shared.
pub const DEADLINE: Duration = Duration::from_secs(30);

/// Where the tests' simulated time starts.
pub fn start() -> UtcDateTime {
    chrono::Utc.with_ymd_and_hms(2026, 10, 1, 9, 0, 0).unwrap()
}

/// Starts a private bus, exports it as the system bus (before any thread exists), and runs
/// `test` with its address on a multi-threaded runtime.
pub fn on_private_bus<F, Fut>(test: F)
where
    F: FnOnce(String) -> Fut,
    Fut: Future<Output = ()>,
{
    let bus = PrivateBus::start().expect("a private D-Bus bus");
    // SAFETY: first thing in this process's only test; no other thread exists yet.
    unsafe { bus.export_as_system_bus() }.expect("the bus address is exported");
    let rt = tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()
        .expect("a runtime");
    rt.block_on(test(bus.address().to_owned()));
    drop(rt);
    drop(bus);
}

#[derive(Debug)]
struct Forward(mpsc::UnboundedSender<LinkEvent>);

impl LinkListener for Forward {
    fn on_event(&self, event: LinkEvent) -> Result<(), ListenerError> {
        let _ = self.0.send(event);
        Ok(())
    }
}

/// An app whose link runs over btleplug.
pub struct App {
    pub thecal: Arc<Thecal>,
    pub clock: Arc<ManualClock>,
    pub transport: Arc<BtleplugTransport>,
    events: mpsc::UnboundedReceiver<LinkEvent>,
    _sub: Arc<Subscription>,
    _dir: tempfile::TempDir,
}

impl App {
    /// Opens an app, subscribes to its link and starts the link with `config` (nothing paired).
    pub async fn start(config: LinkConfig) -> Self {
        let dir = tempfile::tempdir().unwrap();
        let clock = Arc::new(ManualClock::new(start()));
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
        transport.set_pairing_passkey(Some(SIM_PASSKEY));
        let (tx, events) = mpsc::unbounded_channel();
        let sub = thecal
            .link()
            .subscribe(Box::new(Forward(tx)))
            .await
            .unwrap();
        thecal
            .link()
            .start_with(transport.clone(), config)
            .await
            .unwrap();
        Self {
            thecal,
            clock,
            transport,
            events,
            _sub: sub,
            _dir: dir,
        }
    }

    /// Events until `done` holds (inclusive), within [`DEADLINE`] in all.
    pub async fn until(
        &mut self,
        what: &str,
        mut done: impl FnMut(&LinkEvent) -> bool,
    ) -> Vec<LinkEvent> {
        let mut seen = Vec::new();
        let until = tokio::time::Instant::now() + DEADLINE;
        loop {
            let e = tokio::time::timeout_at(until, self.events.recv())
                .await
                .unwrap_or_else(|_| {
                    let last = &seen[seen.len().saturating_sub(8)..];
                    panic!("timed out waiting for {what}; last events {last:#?}")
                })
                .expect("the link keeps publishing");
            let stop = done(&e);
            seen.push(e);
            if stop {
                return seen;
            }
        }
    }

    pub async fn connected(&mut self) -> Vec<LinkEvent> {
        self.until("Connected", |e| {
            matches!(
                e,
                LinkEvent::StateChanged {
                    state: LinkState::Connected
                }
            )
        })
        .await
    }

    /// Waits for a `Failed` event whose failure `want` accepts.
    pub async fn failed(&mut self, what: &str, want: impl Fn(&LinkFailure) -> bool) -> LinkFailure {
        let events = self
            .until(
                what,
                |e| matches!(e, LinkEvent::Failed { failure } if want(failure)),
            )
            .await;
        match events.last() {
            Some(LinkEvent::Failed { failure }) => failure.clone(),
            _ => unreachable!(),
        }
    }

    pub async fn snapshot(&self) -> LinkSnapshot {
        self.thecal.link().snapshot().await.unwrap()
    }

    /// Lists the pumps nearby and picks the one at `address`, as the patient does.
    pub async fn pick(&self, address: BdAddr) -> DiscoveredPump {
        let nearby = self.thecal.link().discover(2000).await.unwrap();
        let object = address.object_name();
        nearby
            .iter()
            .find(|d| d.device_id.ends_with(&object))
            .cloned()
            .unwrap_or_else(|| panic!("{address} listed among {nearby:?}"))
    }

    /// The serial numbers of every pump the store holds.
    pub fn serials_stored(&self) -> Vec<String> {
        self.thecal
            .store()
            .read(store::all_pumps)
            .unwrap()
            .into_iter()
            .map(|p| p.serial)
            .collect()
    }

    /// Polls the link's snapshot until `cond` holds (bounded by [`DEADLINE`]).
    pub async fn wait(&self, what: &str, cond: impl Fn(&LinkSnapshot) -> bool) -> LinkSnapshot {
        let until = tokio::time::Instant::now() + DEADLINE * 2;
        loop {
            let snap = self.snapshot().await;
            if cond(&snap) {
                return snap;
            }
            assert!(
                tokio::time::Instant::now() < until,
                "timed out: {what}; state {:?}",
                snap.state
            );
            tokio::time::sleep(Duration::from_millis(20)).await;
        }
    }
}
