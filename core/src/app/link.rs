//! `PumpLink`: the pump link as the apps reach it.

use std::sync::Arc;

use super::guard::guard;
use super::{Inner, LinkError};
use crate::link::{BleTransport, Freshness, LinkConfig, LinkListener, LinkSnapshot, Subscription};

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
    /// Starts finding, connecting to and following the pump through `transport`, with the
    /// default settings. It reconnects on its own until [`PumpLink::stop`].
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
        listener: Arc<dyn LinkListener>,
    ) -> Result<Arc<Subscription>, LinkError> {
        self.inner
            .run_blocking("subscribing to the link", move |i| {
                Ok(i.link.subscribe(listener))
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
