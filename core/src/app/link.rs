//! `PumpLink`: the pump link as the apps reach it.

use std::sync::Arc;

use super::guard::guard;
use super::{Inner, LinkError};
use crate::link::{
    BleTransport, DiscoveredPump, Freshness, LinkConfig, LinkListener, LinkSnapshot, PairedPump,
    PairingRecord, RadioUsage, Subscription,
};

/// The pump link of one app. Get it from `Thecal::link()`; every handle reaches the same link.
#[derive(Debug)]
#[cfg_attr(feature = "uniffi", derive(uniffi::Object))]
pub struct PumpLink {
    inner: Arc<Inner>,
}

impl PumpLink {
    pub(super) fn new(inner: Arc<Inner>) -> Self {
        Self { inner }
    }
}

#[cfg_attr(feature = "uniffi", uniffi::export)]
impl PumpLink {
    /// Starts following the paired pump through `transport`, with the default settings (the
    /// battery-conscious schedule). It reconnects on its own until [`PumpLink::stop`]. With no
    /// pump paired it connects to nothing: pair one with [`PumpLink::discover`] and
    /// [`PumpLink::pair`].
    ///
    /// # Errors
    /// [`LinkError::AlreadyRunning`], or the transport's error when it cannot take events.
    pub async fn start(&self, transport: Arc<dyn BleTransport>) -> Result<(), LinkError> {
        self.start_with(transport, LinkConfig::default()).await
    }

    /// As [`PumpLink::start`], with `config` (reconnect timing, scan length).
    ///
    /// # Errors
    /// As [`PumpLink::start`].
    pub async fn start_with(
        &self,
        transport: Arc<dyn BleTransport>,
        config: LinkConfig,
    ) -> Result<(), LinkError> {
        let i = &self.inner;
        guard("starting the pump link", || {
            Ok(i.link.start(&i.runtime.handle(), transport, config)?)
        })
    }

    /// Stops the link and disconnects from the pump. Stopping a stopped link does nothing.
    pub async fn stop(&self) {
        self.inner.link.stop().await;
    }

    /// Lists the pumps advertising nearby, strongest first, from their advertisements alone
    /// (connecting to none), scanning for `timeout_ms`. Needs a started link (its transport).
    ///
    /// # Errors
    /// [`LinkError::NotRunning`] before `start`, or the transport's error.
    pub async fn discover(&self, timeout_ms: u32) -> Result<Vec<DiscoveredPump>, LinkError> {
        let link = Arc::clone(&self.inner.link);
        self.inner
            .run_async("looking for pumps", async move {
                link.discover(timeout_ms).await
            })
            .await
    }

    /// Pairs the pump `device` (from [`PumpLink::discover`]) after checking that it reports
    /// `expected_serial` (from the clinic's printout or the ID card): connects to it alone,
    /// bonds, reads its Device Information, stores its identity. The link then follows it and
    /// no other.
    ///
    /// # Errors
    /// [`LinkError::PumpMismatch`] for another serial (nothing stored),
    /// [`LinkError::AlreadyPaired`], [`LinkError::NotAPump`], [`LinkError::NotRunning`],
    /// `Transport(PairingRefused)`, or a storage error.
    pub async fn pair(
        &self,
        device: DiscoveredPump,
        expected_serial: String,
    ) -> Result<PairedPump, LinkError> {
        let link = Arc::clone(&self.inner.link);
        self.inner
            .run_async("pairing the pump", async move {
                link.pair(device, expected_serial).await
            })
            .await
    }

    /// Pairs a new pump after replacement surgery: as [`PumpLink::pair`]; the old pump's
    /// history is kept, its pairing marked as ended (replaced), and the new one starts its own.
    ///
    /// # Errors
    /// As [`PumpLink::pair`]; [`LinkError::NotPaired`] when no pump was paired.
    pub async fn replace_pump(
        &self,
        device: DiscoveredPump,
        expected_serial: String,
    ) -> Result<PairedPump, LinkError> {
        let link = Arc::clone(&self.inner.link);
        self.inner
            .run_async("replacing the pump", async move {
                link.replace_pump(device, expected_serial).await
            })
            .await
    }

    /// Unpairs the pump: the link stops following it; its history stays, its pairing marked as
    /// ended. Does nothing when no pump is paired.
    ///
    /// # Errors
    /// A storage error.
    pub async fn unpair(&self) -> Result<(), LinkError> {
        let link = Arc::clone(&self.inner.link);
        self.inner
            .run_async("unpairing the pump", async move { link.unpair().await })
            .await
    }

    /// The paired pump, if any.
    ///
    /// # Errors
    /// [`LinkError::Internal`] only.
    pub async fn paired_pump(&self) -> Result<Option<PairedPump>, LinkError> {
        self.inner
            .run_blocking("reading the paired pump", |i| Ok(i.link.paired_pump()))
            .await
    }

    /// Every pairing, newest first: the current one, then the pumps unpaired or replaced (each
    /// with when and why it ended).
    ///
    /// # Errors
    /// A storage error.
    pub async fn pairings(&self) -> Result<Vec<PairingRecord>, LinkError> {
        self.inner
            .run_blocking("reading the pairings", |i| Ok(i.link.pairings()?))
            .await
    }

    /// The radio time the link has used since it started, with its per-hour estimate.
    ///
    /// # Errors
    /// [`LinkError::Internal`] only.
    pub async fn radio_usage(&self) -> Result<RadioUsage, LinkError> {
        self.inner
            .run_blocking("reading the radio usage", |i| {
                Ok(i.link.status_snapshot().radio)
            })
            .await
    }

    /// Drops the current connection, as if the pump went out of range; the link reconnects on
    /// its own (for demos and for "reconnect now" buttons).
    ///
    /// # Errors
    /// [`LinkError::NotRunning`].
    pub async fn drop_link(&self) -> Result<(), LinkError> {
        guard("dropping the link", || Ok(self.inner.link.drop_link()?))
    }

    /// Everything needed to draw the pump's live state now.
    ///
    /// # Errors
    /// A storage error.
    pub async fn snapshot(&self) -> Result<LinkSnapshot, LinkError> {
        self.inner
            .run_blocking("reading the link state", |i| Ok(i.link.snapshot()?))
            .await
    }

    /// How fresh the newest reading is now, by the app's staleness thresholds.
    ///
    /// # Errors
    /// A storage error.
    pub async fn freshness(&self) -> Result<Freshness, LinkError> {
        self.inner
            .run_blocking("reading the data age", |i| {
                Ok(i.link.freshness(i.freshness)?)
            })
            .await
    }

    /// Subscribes `listener` to live updates: it receives `LinkEvent::Snapshot` first (read from
    /// the store, off the caller's thread), then every change, in order. Keep the returned
    /// handle; dropping or cancelling it stops delivery.
    ///
    /// # Errors
    /// [`LinkError::Internal`] if the core cannot start delivering.
    pub async fn subscribe(
        &self,
        listener: Box<dyn LinkListener>,
    ) -> Result<Arc<Subscription>, LinkError> {
        self.inner
            .run_blocking("subscribing to the link", move |i| {
                Ok(i.link.subscribe(&i.runtime.handle(), Arc::from(listener)))
            })
            .await
    }

    /// How many listeners are subscribed now (a cancelled or dropped subscription no longer
    /// counts): for the apps' tests and leak checks.
    #[must_use]
    pub fn subscriber_count(&self) -> u32 {
        self.inner.link.subscriber_count()
    }
}
