//! `PushReader`: a push payload opened by the core alone, for the apps' notification extensions.
//!
//! An iOS Notification Service Extension is its own process with little memory and about 30
//! seconds; an Android FCM receiver may run with no activity and the app object not open. Neither
//! needs the whole app: no pump link, no runtime of the link, no relay, no HTTP stack. So the
//! extension opens this object over the app's data folder (shared through an App Group on iOS)
//! and the platform key store: it opens the store alone (one SQLite connection; a newer schema is
//! migrated as the app would) and reads the device's keys from the key store; the one blocking
//! thread it uses starts with the first call. An app already open calls
//! `Caregivers::open_push` instead, on the same store.

use std::path::Path;
use std::sync::Arc;

use super::CaregiverError;
use super::guard::{guard, guard_blocking};
use super::runtime::LazyRuntime;
use crate::alerts::push::{self, PushContent};
use crate::alerts::{AlertsError, DeviceKeys};
use crate::model::{Clock, SystemClock, UtcDateTime};
use crate::store::{SecretStore, Store};

/// Opens push payloads with the device's keys and the paired devices in the store.
#[derive(Debug)]
#[cfg_attr(feature = "uniffi", derive(uniffi::Object))]
pub struct PushReader {
    store: Arc<Store>,
    secrets: Arc<dyn SecretStore>,
    clock: Arc<dyn Clock>,
    runtime: LazyRuntime,
}

#[cfg_attr(feature = "uniffi", uniffi::export)]
impl PushReader {
    /// Opens the store in the app's data folder `dir` (the same as `Thecal::open`'s) with the
    /// platform key store `secrets`, and nothing else. Off the caller's thread.
    ///
    /// # Errors
    /// A storage error (the folder cannot be used now).
    #[cfg_attr(feature = "uniffi", uniffi::constructor)]
    pub async fn open(
        dir: String,
        secrets: Box<dyn SecretStore>,
    ) -> Result<Arc<Self>, CaregiverError> {
        let secrets: Arc<dyn SecretStore> = Arc::from(secrets);
        let runtime = LazyRuntime::default();
        let rt = guard("opening the store for a push", || {
            Ok::<_, CaregiverError>(runtime.handle())
        })?;
        let store = guard_blocking(&rt, "opening the store for a push", move || {
            Store::open_in_dir(Path::new(&dir)).map_err(CaregiverError::from)
        })
        .await?;
        Ok(Arc::new(Self::with_clock(
            Arc::new(store),
            secrets,
            Arc::new(SystemClock),
            runtime,
        )))
    }

    /// Opens the push's `thecal` object `payload` (the JSON `{"v":1,"mbx":…,"env":…}`, FCM's
    /// `data` map as JSON, or a UnifiedPush body), stores what it says exactly as reading the
    /// mailbox would (the later read finds it a duplicate; the receipt it owes waits in the
    /// outbox for the app), and says what to show: the alert (title, text, priority, the
    /// patient's name), nothing (a receipt), or "read the mailbox" when the push carries no
    /// envelope (too big, a relay notice).
    ///
    /// # Errors
    /// [`CaregiverError::BadPushPayload`], [`CaregiverError::NotForThisDevice`],
    /// [`CaregiverError::UnknownSender`], [`CaregiverError::Tampered`],
    /// [`CaregiverError::MessageRefused`] (expired, replayed), [`CaregiverError::UpdateNeeded`],
    /// [`CaregiverError::KeyStoreUnavailable`], storage errors.
    pub async fn read(&self, payload: String) -> Result<PushContent, CaregiverError> {
        let (store, secrets, now) = (
            Arc::clone(&self.store),
            Arc::clone(&self.secrets),
            self.clock.now(),
        );
        guard_blocking(&self.runtime.handle(), "opening a push", move || {
            open_push(&store, secrets.as_ref(), &payload, now)
        })
        .await
    }
}

impl PushReader {
    /// A reader over the data folder `dir` with an injected clock (the Rust tests).
    ///
    /// # Errors
    /// As [`PushReader::open`].
    pub fn open_with_clock(
        dir: &Path,
        secrets: Arc<dyn SecretStore>,
        clock: Arc<dyn Clock>,
    ) -> Result<Arc<Self>, CaregiverError> {
        let store = Store::open_in_dir(dir).map_err(CaregiverError::from)?;
        Ok(Arc::new(Self::with_clock(
            Arc::new(store),
            secrets,
            clock,
            LazyRuntime::default(),
        )))
    }

    fn with_clock(
        store: Arc<Store>,
        secrets: Arc<dyn SecretStore>,
        clock: Arc<dyn Clock>,
        runtime: LazyRuntime,
    ) -> Self {
        Self {
            store,
            secrets,
            clock,
            runtime,
        }
    }
}

/// The device's keys (never made here: a phone with no keys has nothing paired) and the open.
pub(super) fn open_push(
    store: &Store,
    secrets: &dyn SecretStore,
    payload: &str,
    now: UtcDateTime,
) -> Result<PushContent, CaregiverError> {
    let keys_error = |e: AlertsError| CaregiverError::from(crate::alerts::session::Error::from(e));
    let blob = secrets
        .load(crate::alerts::keys::SECRET_NAME.into())
        .map_err(|e| keys_error(e.into()))?
        .ok_or(CaregiverError::NotForThisDevice)?;
    let keys = DeviceKeys::from_secret(&blob).map_err(keys_error)?;
    push::open(store, &keys, payload, now).map_err(CaregiverError::from)
}
