//! Secrets kept out of the database: the platform's key store behind one small trait.
//!
//! The apps implement [`SecretStore`] over the Android Keystore (blobs sealed with a
//! hardware-backed AES key, since the Keystore itself holds no Ed25519 or X25519 keys) and the iOS
//! Keychain; the CLI over files readable by its user only; tests in memory. The core keeps every
//! private key there (the clinic's card-signing key; later the caregiver link's keys) and never
//! writes one to its database.

/// Why the platform's key store refused (the device is locked, the store is damaged).
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[cfg_attr(feature = "uniffi", derive(uniffi::Error))]
#[cfg_attr(feature = "uniffi", uniffi::export(Display))]
#[non_exhaustive]
pub enum SecretStoreError {
    /// The key store cannot be used now.
    #[error(
        "The phone's secure key storage cannot be used now ({reason}). Unlock the phone and try again."
    )]
    Unavailable {
        /// The platform's reason (never a secret).
        reason: String,
    },
}

#[cfg(feature = "uniffi")]
impl From<uniffi::UnexpectedUniFFICallbackError> for SecretStoreError {
    fn from(e: uniffi::UnexpectedUniFFICallbackError) -> Self {
        Self::Unavailable { reason: e.reason }
    }
}

/// Where the app keeps the core's secrets: small blobs under names the core chooses
/// (`thecal.card.clinic-key.<key id>`), protected by the platform.
/// A callback interface: the apps implement it (nothing hands them a Rust one).
#[cfg_attr(feature = "uniffi", uniffi::export(callback_interface))]
pub trait SecretStore: Send + Sync + std::fmt::Debug {
    /// The secret stored under `name`, if any.
    ///
    /// # Errors
    /// [`SecretStoreError::Unavailable`].
    fn load(&self, name: String) -> Result<Option<Vec<u8>>, SecretStoreError>;

    /// Stores `secret` under `name`, replacing what was there.
    ///
    /// # Errors
    /// [`SecretStoreError::Unavailable`].
    fn save(&self, name: String, secret: Vec<u8>) -> Result<(), SecretStoreError>;

    /// Removes the secret under `name` (nothing happens if there is none).
    ///
    /// # Errors
    /// [`SecretStoreError::Unavailable`].
    fn delete(&self, name: String) -> Result<(), SecretStoreError>;
}

/// A shared key store is one too (the Rust tools keep a handle on theirs).
impl<T: SecretStore + ?Sized> SecretStore for std::sync::Arc<T> {
    fn load(&self, name: String) -> Result<Option<Vec<u8>>, SecretStoreError> {
        (**self).load(name)
    }

    fn save(&self, name: String, secret: Vec<u8>) -> Result<(), SecretStoreError> {
        (**self).save(name, secret)
    }

    fn delete(&self, name: String) -> Result<(), SecretStoreError> {
        (**self).delete(name)
    }
}
