//! The dashboard as a live value: a listener gets it at once, then again whenever anything it
//! shows changes (a write of the app, an event of the link) and at least once a minute while it
//! changes by itself (the age of the newest reading, staleness). Only a changed dashboard is
//! sent.

use std::sync::{Arc, Mutex, PoisonError};
use std::time::Duration;

use tokio::sync::{Notify, watch as signal};

use super::{Dashboard, build};
use crate::l10n::LanguageSetting;
use crate::link::{FreshnessConfig, Link, ListenerError, Subscription};
use crate::model::{Clock, Zone};
use crate::store::Store;

/// How often the dashboard is computed again with nothing changed (ages and staleness move).
const TICK: Duration = Duration::from_secs(60);

/// Receives the dashboard. Implemented by the app (wrapped as a Kotlin `Flow`, a Swift
/// `AsyncSequence`).
/// A callback interface, as [`crate::link::LinkListener`].
#[cfg_attr(feature = "uniffi", uniffi::export(callback_interface))]
pub trait DashboardListener: Send + Sync + std::fmt::Debug {
    /// Called with the dashboard, first at once, then each time it changes; in order, on a
    /// background thread.
    ///
    /// # Errors
    /// Any error is logged and delivery continues.
    fn on_dashboard(&self, dashboard: Dashboard) -> Result<(), ListenerError>;
}

/// What the watch needs to compute the dashboard.
#[derive(Debug, Clone)]
pub struct Watch {
    /// The store.
    pub store: Arc<Store>,
    /// The link (its in-memory state).
    pub link: Arc<Link>,
    /// The clock.
    pub clock: Arc<dyn Clock>,
    /// The patient's zone.
    pub zone: Zone,
    /// The staleness thresholds.
    pub freshness: FreshnessConfig,
    /// The language the app shows now.
    pub language: Arc<LanguageSetting>,
    /// Bumped by every write of the app and every event of the link.
    pub changes: signal::Receiver<u64>,
}

impl Watch {
    fn dashboard(&self) -> Option<Dashboard> {
        let link = self.link.status_snapshot();
        let (now, zone, freshness) = (self.clock.now(), self.zone, self.freshness);
        let language = self.language.get();
        match self
            .store
            .read(|c| build(c, &link, now, zone, freshness, language))
        {
            Ok(d) => Some(d),
            Err(e) => {
                tracing::warn!(error = %e, "could not build the dashboard for a watcher");
                None
            }
        }
    }
}

/// The same dashboard but for when it was computed.
fn same(a: &Dashboard, b: &Dashboard) -> bool {
    Dashboard {
        generated_at: b.generated_at,
        ..a.clone()
    } == *b
}

/// Starts keeping `listener` up to date on `rt`. Cancelling (or dropping) the returned handle
/// stops it: once `cancel` returns the listener is released and never called again.
#[must_use]
pub fn watch(
    rt: &tokio::runtime::Handle,
    mut w: Watch,
    listener: Arc<dyn DashboardListener>,
) -> Arc<Subscription> {
    let slot: Arc<Mutex<Option<Arc<dyn DashboardListener>>>> = Arc::new(Mutex::new(Some(listener)));
    let stop = Arc::new(Notify::new());
    let task_slot = Arc::clone(&slot);
    let task_stop = Arc::clone(&stop);
    rt.spawn(async move {
        let mut last: Option<Dashboard> = None;
        loop {
            let computed = {
                let w = w.clone();
                tokio::task::spawn_blocking(move || w.dashboard())
                    .await
                    .ok()
                    .flatten()
            };
            if let Some(d) = computed
                && !last.as_ref().is_some_and(|l| same(l, &d))
            {
                let slot = Arc::clone(&task_slot);
                let sent = d.clone();
                let delivered = tokio::task::spawn_blocking(move || {
                    let guard = slot.lock().unwrap_or_else(PoisonError::into_inner);
                    match guard.as_ref() {
                        Some(l) => {
                            if let Err(e) = l.on_dashboard(sent) {
                                tracing::warn!(error = %e, "a dashboard listener failed");
                            }
                            true
                        }
                        None => false,
                    }
                })
                .await
                .unwrap_or(false);
                if !delivered {
                    break;
                }
                last = Some(d);
            }
            tokio::select! {
                changed = w.changes.changed() => if changed.is_err() { break },
                () = tokio::time::sleep(TICK) => {},
                () = task_stop.notified() => break,
            }
        }
    });
    Subscription::new(move || {
        slot.lock().unwrap_or_else(PoisonError::into_inner).take();
        stop.notify_one();
    })
}
