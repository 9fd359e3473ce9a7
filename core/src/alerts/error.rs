//! The alerts' errors: each says what happened and what the person can do, and none carries a
//! key, a plaintext or a health value.

/// Why an alerts operation failed.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum AlertsError {
    /// The data is not in the protocol's format (a damaged QR code, message or key).
    #[error("This {what} is damaged or not from Thecal ({reason}); nothing was changed.")]
    Malformed {
        /// What was being read ("envelope", "bundle", "pairing code").
        what: &'static str,
        /// What is wrong with it.
        reason: String,
    },
    /// A newer version of the protocol.
    #[error(
        "This message comes from a newer version of Thecal (format {version}). Update the app to read it."
    )]
    NewerVersion {
        /// The version byte found.
        version: u8,
    },
    /// Addressed to another device.
    #[error("This message is addressed to another phone; it was not opened.")]
    NotForThisDevice,
    /// The sender is not a paired device.
    #[error("This message comes from a phone that is not paired with this one; it was not opened.")]
    UnknownSender,
    /// The seal does not open: altered on the way, or not sealed by who it claims.
    #[error("This message was altered on the way or is not from who it claims; it was not shown.")]
    Tampered,
    /// Past its expiry.
    #[error("This message expired before it arrived; it was not shown.")]
    Expired,
    /// A new message id with a sequence number already used: a replay.
    #[error("This message repeats an earlier one (a replay); it was not shown.")]
    Replayed,
    /// The pairing code is not one Thecal could have shown.
    #[error(
        "This pairing code is not valid: it has 10 letters and digits, as shown on the patient's phone ({reason})."
    )]
    BadPairingCode {
        /// What is wrong with it.
        reason: String,
    },
    /// The phone's random number source failed.
    #[error("The phone could not make a secure random number. Restart the app and try again.")]
    NoRandomness,
    /// The platform's key store refused.
    #[error("{0}")]
    KeyStore(#[from] crate::store::SecretStoreError),
}
