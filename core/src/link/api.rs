//! `PumpLink`: the object the apps hold to run the link and watch it live.

use std::sync::{Arc, Mutex, PoisonError};

use super::{
    BleTransport, Freshness, FreshnessConfig, LinkConfig, LinkEvent, LinkListener, LinkShared,
    LinkSnapshot, PumpLinkError, Running, Subscription, freshness,
};
use crate::app::FromPanic;

/// The pump link of one app. Get it from `Thecal::link()`.
#[derive(Debug)]
#[cfg_attr(feature = "uniffi", derive(uniffi::Object))]
pub struct PumpLink {
    shared: Arc<LinkShared>,
    runtime: Arc<crate::app::LazyRuntime>,
    freshness: FreshnessConfig,
    running: Mutex<Option<Running>>,
}

impl PumpLink {
    /// The link's in-memory state (no store reads).
    pub(crate) fn status_snapshot(&self) -> LinkSnapshot {
        self.shared.status_snapshot()
    }

    pub(crate) fn new(
        shared: Arc<LinkShared>,
        runtime: Arc<crate::app::LazyRuntime>,
        freshness: FreshnessConfig,
    ) -> Self {
        Self {
            shared,
            runtime,
            freshness,
            running: Mutex::new(None),
        }
    }

    fn running(&self) -> std::sync::MutexGuard<'_, Option<Running>> {
        self.running.lock().unwrap_or_else(PoisonError::into_inner)
    }
}

#[cfg_attr(feature = "uniffi", uniffi::export)]
impl PumpLink {
    /// Starts finding, connecting to and following the pump through `transport`, with the
    /// default settings. It reconnects on its own until [`PumpLink::stop`].
    ///
    /// # Errors
    /// [`PumpLinkError::AlreadyRunning`], or the transport's error when it cannot take events.
    pub fn start(&self, transport: Arc<dyn BleTransport>) -> Result<(), PumpLinkError> {
        self.start_with(transport, LinkConfig::default())
    }

    /// As [`PumpLink::start`], with `config` (reconnect timing, scan length, jitter seed).
    ///
    /// # Errors
    /// As [`PumpLink::start`].
    pub fn start_with(
        &self,
        transport: Arc<dyn BleTransport>,
        config: LinkConfig,
    ) -> Result<(), PumpLinkError> {
        crate::app::guard("starting the pump link", || {
            let mut running = self.running();
            if running.as_ref().is_some_and(Running::is_running) {
                return Err(PumpLinkError::AlreadyRunning);
            }
            *running = Some(Running::start(
                &self.runtime.handle(),
                Arc::clone(&self.shared),
                transport,
                config,
            )?);
            Ok(())
        })
    }

    /// Stops the link and disconnects from the pump. Stopping a stopped link does nothing.
    pub async fn stop(&self) {
        let running = self.running().take();
        if let Some(r) = running {
            r.stop().await;
        }
    }

    /// Drops the current connection, as if the pump went out of range; the link reconnects on
    /// its own (for demos and for "reconnect now" buttons).
    ///
    /// # Errors
    /// [`PumpLinkError::NotRunning`].
    pub fn drop_link(&self) -> Result<(), PumpLinkError> {
        self.running()
            .as_ref()
            .ok_or(PumpLinkError::NotRunning)?
            .drop_link()
    }

    /// Everything needed to draw the pump's live state now.
    ///
    /// # Errors
    /// A storage error (as [`PumpLinkError::Store`]).
    pub fn snapshot(&self) -> Result<LinkSnapshot, PumpLinkError> {
        crate::app::guard("reading the link state", || Ok(self.shared.snapshot()?))
    }

    /// How fresh the newest reading is now, by the app's staleness thresholds.
    ///
    /// # Errors
    /// A storage error (as [`PumpLinkError::Store`]).
    pub fn freshness(&self) -> Result<Freshness, PumpLinkError> {
        let snap = self.snapshot()?;
        Ok(freshness(
            snap.latest.map(|r| r.taken_at),
            self.shared.clock.now(),
            self.freshness,
            snap.first_attempt_done,
        ))
    }

    /// Subscribes `listener` to live updates: it receives [`LinkEvent::Snapshot`] first, then every
    /// change, in order. Keep the returned handle; dropping or cancelling it stops delivery.
    pub fn subscribe(&self, listener: Arc<dyn LinkListener>) -> Arc<Subscription> {
        let shared = Arc::clone(&self.shared);
        self.shared.publisher.subscribe(listener, move || match shared.snapshot() {
            Ok(snapshot) => LinkEvent::Snapshot { snapshot },
            Err(e) => {
                tracing::error!(error = %e, "could not read the current state for a new subscriber");
                LinkEvent::FrameRejected { characteristic: String::new(), reason: PumpLinkError::from_panic("snapshot").to_string() }
            }
        })
    }
}
