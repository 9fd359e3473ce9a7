//! [`Link`]: one app's pump link, as the core holds it: start it over a transport, pair and
//! unpair the pump, stop it, read its state, subscribe to it. The app object (`app::PumpLink`)
//! wraps it for the apps.

use std::sync::{Arc, Mutex, MutexGuard, PoisonError};

use super::manager::{failure_of, identify, same_serial};
use super::{
    BleTransport, DiscoveredPump, Error, Freshness, FreshnessConfig, LinkConfig, LinkEvent,
    LinkFailure, LinkListener, LinkShared, LinkSnapshot, LinkState, PairedPump, PairingEnd,
    PairingRecord, Running, Subscription, db, freshness,
};
use crate::model::Clock;
use crate::pump::profile;
use crate::store::Store;

/// The pump link of one app: its shared state, the transport it was started with and, while
/// started, its task.
#[derive(Debug)]
pub struct Link {
    shared: Arc<LinkShared>,
    running: Mutex<Option<Running>>,
    started: Mutex<Option<Started>>,
    /// Pairing calls one at a time (they stop and restart the task).
    pairing: tokio::sync::Mutex<()>,
}

/// What `start` was given, to restart the task after a pairing change.
#[derive(Debug, Clone)]
struct Started {
    rt: tokio::runtime::Handle,
    transport: Arc<dyn BleTransport>,
    config: LinkConfig,
}

impl Link {
    /// A stopped link over `store`, timed by `clock`.
    #[must_use]
    pub fn new(store: Arc<Store>, clock: Arc<dyn Clock>) -> Self {
        Self {
            shared: Arc::new(LinkShared::new(store, clock)),
            running: Mutex::new(None),
            started: Mutex::new(None),
            pairing: tokio::sync::Mutex::new(()),
        }
    }

    fn running(&self) -> MutexGuard<'_, Option<Running>> {
        self.running.lock().unwrap_or_else(PoisonError::into_inner)
    }

    fn started(&self) -> MutexGuard<'_, Option<Started>> {
        self.started.lock().unwrap_or_else(PoisonError::into_inner)
    }

    /// Starts following the paired pump through `transport`, on `rt`: it reconnects on its own
    /// until [`Link::stop`]. With no pump paired it connects to nothing (state
    /// [`LinkState::NotPaired`]) until one is paired with [`Link::pair`].
    ///
    /// # Errors
    /// [`Error::AlreadyRunning`], or the transport's error when it cannot take events.
    pub fn start(
        &self,
        rt: &tokio::runtime::Handle,
        transport: Arc<dyn BleTransport>,
        config: LinkConfig,
    ) -> Result<(), Error> {
        let mut running = self.running();
        if running.as_ref().is_some_and(Running::is_running) {
            return Err(Error::AlreadyRunning);
        }
        *running = Some(Running::start(
            rt,
            Arc::clone(&self.shared),
            Arc::clone(&transport),
            config.clone(),
        )?);
        *self.started() = Some(Started {
            rt: rt.clone(),
            transport,
            config,
        });
        Ok(())
    }

    /// Stops the link and disconnects from the pump. Stopping a stopped link does nothing.
    pub async fn stop(&self) {
        *self.started() = None;
        self.halt().await;
    }

    /// Stops the task, keeping what `start` was given.
    async fn halt(&self) {
        let running = self.running().take();
        if let Some(r) = running {
            r.stop().await;
        }
    }

    /// Starts the task again after a pairing change (if the link was started).
    fn resume(&self, started: &Started) -> Result<(), Error> {
        let mut running = self.running();
        if running.as_ref().is_some_and(Running::is_running) {
            return Ok(());
        }
        *running = Some(Running::start(
            &started.rt,
            Arc::clone(&self.shared),
            Arc::clone(&started.transport),
            started.config.clone(),
        )?);
        Ok(())
    }

    /// Drops the current connection, as if the pump went out of range; the link reconnects on
    /// its own.
    ///
    /// # Errors
    /// [`Error::NotRunning`].
    pub fn drop_link(&self) -> Result<(), Error> {
        self.running()
            .as_ref()
            .ok_or(Error::NotRunning)?
            .drop_link()
    }

    /// Lists the pumps advertising nearby, from their advertisements alone (connecting to none),
    /// strongest first, scanning for `timeout_ms`. The link's own scanning pauses meanwhile.
    ///
    /// # Errors
    /// [`Error::NotRunning`] before `start`, or the transport's error.
    pub async fn discover(&self, timeout_ms: u32) -> Result<Vec<DiscoveredPump>, Error> {
        let _one = self.pairing.lock().await;
        let started = self.started().clone().ok_or(Error::NotRunning)?;
        self.halt().await;
        let ads = started
            .transport
            .scan(vec![profile::PUMP_SERVICE.to_string()], timeout_ms)
            .await;
        self.resume(&started)?;
        let mut pumps: Vec<DiscoveredPump> = ads?
            .into_iter()
            .filter(crate::pump::Advertisement::has_pump_service)
            .map(|a| DiscoveredPump {
                kind: a.pump_kind(),
                device_id: a.device_id,
                name: a.name,
                rssi: a.rssi,
            })
            .collect();
        // Strongest first; ties by device id (unstable sorts only in the library: decision 0006).
        pumps.sort_unstable_by(|a, b| {
            b.rssi
                .unwrap_or(i16::MIN)
                .cmp(&a.rssi.unwrap_or(i16::MIN))
                .then_with(|| a.device_id.cmp(&b.device_id))
        });
        Ok(pumps)
    }

    /// Pairs the pump `device` (picked from [`Link::discover`]): connects to it alone, bonds
    /// where the transport supports it, reads its Device Information, checks its serial against
    /// `expected_serial` (which the patient confirms from the clinic's printout or the ID card),
    /// and stores its identity (serial, model, BLE identity). The link then follows it and no
    /// other. Pairing the paired pump again renews its identity (after a phone reset).
    ///
    /// # Errors
    /// [`Error::Mismatch`] (`serial`) for another serial: nothing is stored;
    /// [`Error::AlreadyPaired`] when another pump is paired (unpair it, or [`Link::replace_pump`]);
    /// [`Error::NotAPump`]; [`Error::NotRunning`] before `start`; the transport's error
    /// ([`TransportError::PairingRefused`]…); a storage error.
    pub async fn pair(
        &self,
        device: DiscoveredPump,
        expected_serial: String,
    ) -> Result<PairedPump, Error> {
        self.pair_as(device, expected_serial, false).await
    }

    /// Pairs a new pump in place of the paired one, after replacement surgery: as
    /// [`Link::pair`], and the old pump's pairing is ended as replaced; its readings, alarms and
    /// refills are kept under its own serial, and the new pump starts its own.
    ///
    /// # Errors
    /// As [`Link::pair`]; [`Error::NotPaired`] when no pump is paired (use `pair`).
    pub async fn replace_pump(
        &self,
        device: DiscoveredPump,
        expected_serial: String,
    ) -> Result<PairedPump, Error> {
        self.pair_as(device, expected_serial, true).await
    }

    async fn pair_as(
        &self,
        device: DiscoveredPump,
        expected_serial: String,
        replacing: bool,
    ) -> Result<PairedPump, Error> {
        let _one = self.pairing.lock().await;
        let started = self.started().clone().ok_or(Error::NotRunning)?;
        let current = self.shared.paired();
        match (&current, replacing) {
            (None, true) => return Err(Error::NotPaired),
            (Some(c), false) if !same_serial(&c.serial, &expected_serial) => {
                return Err(Error::AlreadyPaired);
            }
            _ => {}
        }
        self.halt().await;
        let t = Arc::clone(&started.transport);
        let id = device.device_id.clone();
        let result = self.bond_and_check(t.as_ref(), &id, &expected_serial).await;
        let _ = t.disconnect(id).await;
        let outcome = match result {
            Ok((info, bonded, ble_identity)) => {
                let pump = PairedPump {
                    serial: info.serial.clone(),
                    model: info.model.clone(),
                    ble_identity,
                    bonded,
                    transport: t.name(),
                    paired_at: self.shared.clock.now(),
                };
                let stored = self
                    .shared
                    .store
                    .write(|tx| db::pair(tx, &info, &pump, &t.name(), PairingEnd::Replaced));
                match stored {
                    Ok(()) => {
                        if let Some(old) = current.filter(|c| !same_serial(&c.serial, &pump.serial))
                        {
                            self.shared.publisher.publish(&LinkEvent::Unpaired {
                                serial: old.serial,
                                reason: PairingEnd::Replaced,
                            });
                        }
                        self.shared.set_paired(Some(pump.clone()), Some(info));
                        self.shared
                            .publisher
                            .publish(&LinkEvent::Paired { pump: pump.clone() });
                        Ok(pump)
                    }
                    Err(e) => Err(Error::from(e)),
                }
            }
            Err(e) => Err(e),
        };
        if let Err(e) = &outcome
            && let Some(failure) = failure_of(e).filter(|f| {
                matches!(
                    f,
                    LinkFailure::PairingRefused
                        | LinkFailure::BluetoothOff
                        | LinkFailure::PermissionDenied
                )
            })
        {
            self.shared
                .publisher
                .publish(&LinkEvent::Failed { failure });
        }
        self.resume(&started)?;
        outcome
    }

    /// Connects, bonds, checks the serial; returns what was read, whether bonded, and the BLE
    /// identity. Stores nothing.
    async fn bond_and_check(
        &self,
        t: &dyn BleTransport,
        id: &str,
        expected_serial: &str,
    ) -> Result<(crate::model::DeviceInfo, bool, String), Error> {
        t.connect(id.to_owned()).await?;
        let bonded = t.bond(id.to_owned()).await?;
        let (_, _, info) = identify(t, id, |_, _| Error::NotAPump).await?;
        if !same_serial(&info.serial, expected_serial) {
            return Err(Error::Mismatch {
                what: "serial".into(),
            });
        }
        let identity = t.identity(id.to_owned()).await?;
        Ok((info, bonded, identity))
    }

    /// Unpairs the pump: the link stops following it (and connects to nothing until another is
    /// paired); its history stays, its pairing marked as ended. Unpairing with nothing paired
    /// does nothing.
    ///
    /// # Errors
    /// A storage error.
    pub async fn unpair(&self) -> Result<(), Error> {
        let _one = self.pairing.lock().await;
        let Some(current) = self.shared.paired() else {
            return Ok(());
        };
        let started = self.started().clone();
        self.halt().await;
        let now = self.shared.clock.now();
        let ended = self
            .shared
            .store
            .write(|tx| db::end_current(tx, now, PairingEnd::Unpaired))
            .map_err(Error::from);
        if ended.is_ok() {
            self.shared.set_paired(None, None);
            self.shared.publisher.publish(&LinkEvent::Unpaired {
                serial: current.serial,
                reason: PairingEnd::Unpaired,
            });
        }
        if let Some(s) = started {
            self.resume(&s)?;
        }
        ended.map(|_| ())
    }

    /// The paired pump, if any.
    #[must_use]
    pub fn paired_pump(&self) -> Option<PairedPump> {
        self.shared.paired()
    }

    /// Every pairing, newest first: the current one, then the pumps unpaired or replaced.
    ///
    /// # Errors
    /// A storage error.
    pub fn pairings(&self) -> Result<Vec<PairingRecord>, Error> {
        Ok(self.shared.store.read(db::pairings)?)
    }

    /// Everything needed to draw the pump's live state now (from memory and the store). The
    /// state never says `Connected` (or scanning, connecting) while no link task runs.
    ///
    /// # Errors
    /// A storage error.
    pub fn snapshot(&self) -> Result<LinkSnapshot, Error> {
        let mut snap = self.shared.snapshot()?;
        self.honest_state(&mut snap);
        Ok(snap)
    }

    /// The link's in-memory state only (no reading, no alarms), for callers that read the
    /// store themselves (the dashboard).
    #[must_use]
    pub fn status_snapshot(&self) -> LinkSnapshot {
        let mut snap = self.shared.status_snapshot();
        self.honest_state(&mut snap);
        snap
    }

    fn honest_state(&self, snap: &mut LinkSnapshot) {
        let busy = matches!(
            snap.state,
            LinkState::Connected | LinkState::Scanning | LinkState::Connecting
        );
        let task_gone = !self.running().as_ref().is_some_and(Running::is_running);
        if busy && task_gone {
            let failure = LinkFailure::Internal {
                context: "the link task is not running".into(),
            };
            snap.state = LinkState::Failed {
                failure: failure.clone(),
                retry_in_ms: 0,
            };
            snap.last_failure = Some(failure);
        }
    }

    /// How fresh the newest reading is now, by `config`'s thresholds.
    ///
    /// # Errors
    /// A storage error.
    pub fn freshness(&self, config: FreshnessConfig) -> Result<Freshness, Error> {
        let snap = self.snapshot()?;
        Ok(freshness(
            snap.latest.map(|r| r.taken_at),
            self.shared.clock.now(),
            config,
            snap.first_attempt_done,
        ))
    }

    /// How many listeners are subscribed now.
    #[must_use]
    pub fn subscriber_count(&self) -> u32 {
        u32::try_from(self.shared.publisher.len()).unwrap_or(u32::MAX)
    }

    /// Subscribes `listener` to live updates: it receives [`LinkEvent::Snapshot`] first, then
    /// every change, in order, from a task on `rt`. If the current state cannot be read, the
    /// first event is [`LinkEvent::Failed`] with [`LinkFailure::StorageFailed`] instead, and
    /// changes follow. Dropping or cancelling the returned handle stops delivery.
    pub fn subscribe(
        &self,
        rt: &tokio::runtime::Handle,
        listener: Arc<dyn LinkListener>,
    ) -> Arc<Subscription> {
        let shared = Arc::clone(&self.shared);
        self.shared
            .publisher
            .subscribe(rt, listener, move || match shared.snapshot() {
                Ok(snapshot) => LinkEvent::Snapshot { snapshot },
                Err(e) => {
                    tracing::error!(error = %e, "could not read the current state for a new subscriber");
                    LinkEvent::Failed {
                        failure: LinkFailure::StorageFailed {
                            reason: e.to_string(),
                            full: matches!(e, crate::store::StoreError::Full),
                        },
                    }
                }
            })
    }
}
