//! "Delete all my data": everything Thecal keeps for this person, on the relay and on this phone.
//!
//! In order: the caregiver alerts first, while this phone still has the keys that let it speak to
//! the relay (every paired device is told the pairing ended, then the relay deletes this phone's
//! mailbox and all it holds: [`Session::delete_everything`]); then the private keys in the
//! platform's key store (the alerts' device keys, the clinic's card-signing keys); then the data
//! files ([`Store::delete_files`]). A relay that cannot be reached does not stop the rest: the
//! report says so, and what stays there. A key store that cannot be used (a locked phone) stops
//! everything before anything is deleted (it is read first), so that trying again later can
//! finish the job. A file that cannot be removed stops the call with an error after the relay's
//! part and the keys are done; trying again removes what is left and reports all of it.

use std::sync::{Arc, Mutex, PoisonError};

use crate::alerts::Session;
use crate::alerts::http::HttpClient;
use crate::alerts::session::Error as SessionError;
use crate::alerts::{AlertsError, db as alerts_db, keys as alerts_keys};
use crate::card::{db as card_db, keys as card_keys};
use crate::model::Clock;
use crate::store::{SecretStore, SecretStoreError, Store, StoreError};

/// What "delete all my data" did.
#[derive(Debug, Clone, PartialEq, Eq)]
#[cfg_attr(feature = "uniffi", derive(uniffi::Record))]
pub struct DeletionReport {
    /// How many files were removed from the app's data folder (the database, its journal files,
    /// files kept aside as damaged).
    pub files_deleted: u32,
    /// How many private keys were removed from the phone's key store.
    pub keys_deleted: u32,
    /// What happened on the caregiver relay.
    pub relay: RelayDeletion,
}

/// The caregiver relay's part of a deletion.
#[derive(Debug, Clone, PartialEq, Eq)]
#[cfg_attr(feature = "uniffi", derive(uniffi::Enum))]
pub enum RelayDeletion {
    /// No caregiver was ever paired: the relay holds nothing for this phone.
    NotUsed,
    /// Every paired device was told the pairing ended, and the relay deleted this phone's
    /// mailbox with everything it held.
    Deleted {
        /// The relay's address.
        relay: String,
    },
    /// The relay could not be reached (or refused), so what it holds for this phone stays there:
    /// encrypted messages it cannot read, deleted when they expire (within 14 days), and the
    /// mailbox itself (a random id and this phone's public key). The paired devices were not
    /// told: the person should tell their caregivers, who may otherwise get "no news from the
    /// patient's phone" notices.
    NotReached {
        /// The relay's address.
        relay: String,
        /// Why, in words a person can read (never data).
        reason: String,
    },
}

/// What one app object's deletion has done so far, kept for as long as the object lives: a try
/// after a file could not be removed reports the relay's part and the keys of the try before.
#[derive(Debug, Default)]
pub struct Progress(Mutex<Option<DeletionReport>>);

impl Progress {
    fn get(&self) -> Option<DeletionReport> {
        self.0
            .lock()
            .unwrap_or_else(PoisonError::into_inner)
            .clone()
    }

    fn set(&self, report: &DeletionReport) {
        *self.0.lock().unwrap_or_else(PoisonError::into_inner) = Some(report.clone());
    }
}

/// Why a deletion stopped part-way: a locked key store before anything on this phone went; a
/// storage error, or a file that could not be removed, possibly after the relay's part and the
/// keys. Trying again goes on from there.
#[derive(Debug, thiserror::Error)]
pub enum Error {
    /// The key store cannot be used now.
    #[error("{0}")]
    KeyStore(#[from] SecretStoreError),
    /// A storage error, or a file that could not be removed.
    #[error("{0}")]
    Store(#[from] StoreError),
}

/// Deletes everything Thecal keeps for this person (see the module's documentation). `http` is
/// the app's HTTP stack, to reach the relay; without it the relay is reported as not reached.
/// `progress` is the app object's: a call after one that failed part-way goes on from where it
/// stopped (the relay is asked once), and the report tells what both did.
///
/// # Errors
/// [`Error::KeyStore`] (nothing on this phone deleted by this call), [`Error::Store`].
pub async fn delete_all(
    store: Arc<Store>,
    secrets: Arc<dyn SecretStore>,
    http: Option<Arc<dyn HttpClient>>,
    clock: Arc<dyn Clock>,
    progress: &Progress,
) -> Result<DeletionReport, Error> {
    let before = progress.get();
    let mut report = before.clone().unwrap_or(DeletionReport {
        files_deleted: 0,
        keys_deleted: 0,
        relay: RelayDeletion::NotUsed,
    });
    // Once the files are being deleted the store reads nothing more: the relay and the keys
    // were done by the call before.
    if !store.is_deleted() {
        // The keys there are, read first: a locked key store stops everything before anything
        // goes.
        let mut names = vec![alerts_keys::SECRET_NAME.to_owned()];
        for kid in store.read(card_db::own_key_ids)? {
            names.push(card_keys::secret_name(&kid));
        }
        let mut present = Vec::new();
        for name in names {
            if secrets.load(name.clone())?.is_some() {
                present.push(name);
            }
        }
        if before.is_none() {
            report.relay = delete_on_relay(&store, &secrets, http, clock).await?;
            progress.set(&report);
        }
        // Deleting a key that is gone already (the relay's part deletes the alerts' keys) does
        // nothing.
        for name in present {
            secrets.delete(name)?;
            report.keys_deleted += 1;
            progress.set(&report);
        }
    }
    let removed = store.delete_files(&mut report.files_deleted);
    progress.set(&report);
    removed?;
    Ok(report)
}

/// The relay's part: every paired device told, then this phone's mailbox deleted.
async fn delete_on_relay(
    store: &Arc<Store>,
    secrets: &Arc<dyn SecretStore>,
    http: Option<Arc<dyn HttpClient>>,
    clock: Arc<dyn Clock>,
) -> Result<RelayDeletion, Error> {
    Ok(match (store.read(alerts_db::relay)?, http) {
        (None, _) => RelayDeletion::NotUsed,
        (Some(relay), None) => RelayDeletion::NotReached {
            relay,
            reason: "the app gave no network access".into(),
        },
        (Some(relay), Some(http)) => {
            let session = Session::new(Arc::clone(store), Arc::clone(secrets), http, clock);
            match session.delete_everything().await {
                Ok(()) => RelayDeletion::Deleted { relay },
                Err(SessionError::Alerts(AlertsError::KeyStore(e))) => return Err(e.into()),
                Err(SessionError::Store(e)) => return Err(e.into()),
                Err(e) => {
                    tracing::warn!(error = %e, "the relay could not delete this phone's mailbox");
                    RelayDeletion::NotReached {
                        relay,
                        reason: e.to_string(),
                    }
                }
            }
        }
    })
}
