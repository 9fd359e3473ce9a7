//! Signed relay requests (protocol §6): four headers carrying the device's public key, the time,
//! a fresh nonce and the Ed25519 signature of the canonical string.

use thecal_proto::{b64u, canonical_request};

use super::{AlertsError, DeviceKeys, random};

/// The four signature headers of one request, in the order the protocol lists them.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SignedHeaders {
    /// `Thecal-Key`.
    pub key: String,
    /// `Thecal-Timestamp`.
    pub timestamp: String,
    /// `Thecal-Nonce`.
    pub nonce: String,
    /// `Thecal-Signature`.
    pub signature: String,
}

impl SignedHeaders {
    /// As (name, value) pairs.
    #[must_use]
    pub fn pairs(&self) -> [(&'static str, &str); 4] {
        [
            ("Thecal-Key", &self.key),
            ("Thecal-Timestamp", &self.timestamp),
            ("Thecal-Nonce", &self.nonce),
            ("Thecal-Signature", &self.signature),
        ]
    }
}

/// Signs a request: `method` (upper case), `target` (the path and query exactly as sent),
/// `body`, at `timestamp` (Unix seconds, the relay's clock as far as the phone knows it) with
/// `nonce` (16 bytes, never reused).
#[must_use]
pub fn sign_with_nonce(
    keys: &DeviceKeys,
    method: &str,
    target: &str,
    body: &[u8],
    timestamp: i64,
    nonce: &[u8; 16],
) -> SignedHeaders {
    let key = b64u(&keys.bundle().signing);
    let nonce = b64u(nonce);
    let canonical = canonical_request(method, target, body, timestamp, &nonce, &key);
    SignedHeaders {
        signature: b64u(&keys.sign(canonical.as_bytes())),
        key,
        timestamp: timestamp.to_string(),
        nonce,
    }
}

/// Signs a request with a fresh nonce.
///
/// # Errors
/// [`AlertsError::NoRandomness`].
pub fn sign(
    keys: &DeviceKeys,
    method: &str,
    target: &str,
    body: &[u8],
    timestamp: i64,
) -> Result<SignedHeaders, AlertsError> {
    Ok(sign_with_nonce(
        keys,
        method,
        target,
        body,
        timestamp,
        &random::bytes()?,
    ))
}
