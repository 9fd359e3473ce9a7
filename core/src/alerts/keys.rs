//! The device's keys (protocol §3): an Ed25519 key that signs relay requests and an X25519 key
//! that opens and authenticates envelopes. The private halves live in the platform's key store
//! ([`SecretStore`]); the database only ever holds public bundles.

use ed25519_dalek::{Signature, Signer as _, SigningKey, Verifier as _, VerifyingKey};
use hpke::kem::{Kem as _, X25519HkdfSha256};
use hpke::{Deserializable as _, Serializable as _};
use thecal_proto::{MailboxId, b64u, from_b64u, sha256};

use super::{AlertsError, random};
use crate::store::SecretStore;

/// The bundle's format version (its first byte).
pub const BUNDLE_VERSION: u8 = 1;
/// A bundle's length: version, Ed25519 public key, X25519 public key.
pub const BUNDLE_LEN: usize = 65;
/// Where the device's private keys are kept in the platform's key store.
pub const SECRET_NAME: &str = "thecal.alerts.device-keys";
/// The format version of the blob kept under [`SECRET_NAME`].
const SECRET_VERSION: u8 = 1;

type PrivateKey = <X25519HkdfSha256 as hpke::Kem>::PrivateKey;
type PublicKey = <X25519HkdfSha256 as hpke::Kem>::PublicKey;

/// A device's public identity, as two paired devices exchange it.
#[derive(Clone, Copy, PartialEq, Eq, Hash)]
pub struct Bundle {
    /// The Ed25519 public key (signs relay requests; names the mailbox).
    pub signing: [u8; 32],
    /// The X25519 public key (envelopes are sealed to it and authenticated by it).
    pub hpke: [u8; 32],
}

impl Bundle {
    /// The 65 bytes: `0x01 || ed25519_public || x25519_public`.
    #[must_use]
    pub fn to_bytes(&self) -> [u8; BUNDLE_LEN] {
        let mut b = [0u8; BUNDLE_LEN];
        b[0] = BUNDLE_VERSION;
        b[1..33].copy_from_slice(&self.signing);
        b[33..].copy_from_slice(&self.hpke);
        b
    }

    /// Reads a bundle.
    ///
    /// # Errors
    /// [`AlertsError::Malformed`] (wrong length, not a valid X25519 key) or
    /// [`AlertsError::NewerVersion`].
    pub fn parse(bytes: &[u8]) -> Result<Self, AlertsError> {
        let malformed = |reason: &str| AlertsError::Malformed {
            what: "key bundle",
            reason: reason.into(),
        };
        if bytes.len() != BUNDLE_LEN {
            return Err(malformed("it must be 65 bytes"));
        }
        if bytes[0] != BUNDLE_VERSION {
            return Err(AlertsError::NewerVersion { version: bytes[0] });
        }
        let mut signing = [0u8; 32];
        let mut hpke = [0u8; 32];
        signing.copy_from_slice(&bytes[1..33]);
        hpke.copy_from_slice(&bytes[33..]);
        PublicKey::from_bytes(&hpke).map_err(|_| malformed("not an X25519 key"))?;
        Ok(Self { signing, hpke })
    }

    /// Reads the base64url form.
    ///
    /// # Errors
    /// As [`Bundle::parse`].
    pub fn parse_b64u(text: &str) -> Result<Self, AlertsError> {
        let bytes = from_b64u(text).ok_or_else(|| AlertsError::Malformed {
            what: "key bundle",
            reason: "not base64url".into(),
        })?;
        Self::parse(&bytes)
    }

    /// The base64url form.
    #[must_use]
    pub fn to_b64u(&self) -> String {
        b64u(&self.to_bytes())
    }

    /// The device's mailbox on the relay.
    #[must_use]
    pub fn mailbox(&self) -> MailboxId {
        MailboxId::of_key(&self.signing)
    }

    /// Checks a signature made by this device's Ed25519 key.
    #[must_use]
    pub fn verifies(&self, message: &[u8], signature: &[u8]) -> bool {
        let Ok(key) = VerifyingKey::from_bytes(&self.signing) else {
            return false;
        };
        Signature::from_slice(signature).is_ok_and(|s| key.verify(message, &s).is_ok())
    }

    pub(crate) fn hpke_key(&self) -> Result<PublicKey, AlertsError> {
        PublicKey::from_bytes(&self.hpke).map_err(|_| AlertsError::Malformed {
            what: "key bundle",
            reason: "not an X25519 key".into(),
        })
    }
}

impl std::fmt::Debug for Bundle {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "Bundle(mailbox {})", self.mailbox())
    }
}

/// The safety number of two bundles (§3): six groups of four digits, the same whichever side
/// computes it, for the two people to compare.
#[must_use]
pub fn safety_number(a: &Bundle, b: &Bundle) -> String {
    let (a, b) = (a.to_bytes(), b.to_bytes());
    let (lo, hi) = if a <= b { (a, b) } else { (b, a) };
    let d = sha256(&[b"thecal/v1/safety", &lo, &hi]);
    (0..6)
        .map(|i| {
            let n = u32::from_be_bytes([d[4 * i], d[4 * i + 1], d[4 * i + 2], d[4 * i + 3]]);
            format!("{:04}", n % 10_000)
        })
        .collect::<Vec<_>>()
        .join(" ")
}

/// A device's private keys, loaded from the platform's key store.
pub struct DeviceKeys {
    seed: [u8; 32],
    signing: SigningKey,
    hpke_private: PrivateKey,
    bundle: Bundle,
}

impl DeviceKeys {
    /// The keys from an Ed25519 seed and an X25519 private key.
    ///
    /// # Errors
    /// [`AlertsError::Malformed`] if either is not a usable key.
    pub fn from_parts(
        ed25519_seed: [u8; 32],
        x25519_private: [u8; 32],
    ) -> Result<Self, AlertsError> {
        let malformed = |reason: &str| AlertsError::Malformed {
            what: "device key",
            reason: reason.into(),
        };
        // Every 32 bytes are an Ed25519 seed (RFC 8032 §5.1.5).
        let signing = SigningKey::from_bytes(&ed25519_seed);
        let hpke_private =
            PrivateKey::from_bytes(&x25519_private).map_err(|_| malformed("not an X25519 key"))?;
        let hpke_public = X25519HkdfSha256::sk_to_pk(&hpke_private);
        let public = signing.verifying_key().to_bytes();
        let mut hpke = [0u8; 32];
        hpke.copy_from_slice(&hpke_public.to_bytes());
        Ok(Self {
            seed: ed25519_seed,
            signing,
            hpke_private,
            bundle: Bundle {
                signing: public,
                hpke,
            },
        })
    }

    /// The keys from an Ed25519 seed and the key material of HPKE's `DeriveKeyPair` (how the
    /// protocol's worked examples make theirs).
    ///
    /// # Errors
    /// As [`DeviceKeys::from_parts`].
    pub fn derive(ed25519_seed: [u8; 32], x25519_ikm: &[u8]) -> Result<Self, AlertsError> {
        let (sk, _) = X25519HkdfSha256::derive_keypair(x25519_ikm);
        let mut private = [0u8; 32];
        private.copy_from_slice(&sk.to_bytes());
        Self::from_parts(ed25519_seed, private)
    }

    /// New keys from the operating system's randomness.
    ///
    /// # Errors
    /// [`AlertsError::NoRandomness`].
    pub fn generate() -> Result<Self, AlertsError> {
        let seed = random::bytes::<32>()?;
        let ikm = random::bytes::<32>()?;
        Self::derive(seed, &ikm)
    }

    /// The device's keys from the key store, made and stored there on first use.
    ///
    /// # Errors
    /// [`AlertsError::KeyStore`] (the store cannot be used now: a locked phone), or
    /// [`AlertsError::Malformed`] for a damaged entry (left as it is).
    pub fn load_or_create(secrets: &dyn SecretStore) -> Result<Self, AlertsError> {
        if let Some(blob) = secrets.load(SECRET_NAME.into())? {
            return Self::from_secret(&blob);
        }
        let keys = Self::generate()?;
        secrets.save(SECRET_NAME.into(), keys.to_secret())?;
        Ok(keys)
    }

    /// What is kept in the key store: version, Ed25519 seed, X25519 private key.
    #[must_use]
    pub fn to_secret(&self) -> Vec<u8> {
        let mut v = Vec::with_capacity(65);
        v.push(SECRET_VERSION);
        v.extend_from_slice(&self.seed);
        v.extend_from_slice(&self.hpke_private.to_bytes());
        v
    }

    /// Reads what [`DeviceKeys::to_secret`] wrote.
    ///
    /// # Errors
    /// [`AlertsError::Malformed`].
    pub fn from_secret(blob: &[u8]) -> Result<Self, AlertsError> {
        if blob.len() != 65 || blob[0] != SECRET_VERSION {
            return Err(AlertsError::Malformed {
                what: "device key",
                reason: "the key store's entry is not in the expected format".into(),
            });
        }
        let mut seed = [0u8; 32];
        let mut private = [0u8; 32];
        seed.copy_from_slice(&blob[1..33]);
        private.copy_from_slice(&blob[33..]);
        Self::from_parts(seed, private)
    }

    /// The public bundle.
    #[must_use]
    pub fn bundle(&self) -> Bundle {
        self.bundle
    }

    /// The device's mailbox.
    #[must_use]
    pub fn mailbox(&self) -> MailboxId {
        self.bundle.mailbox()
    }

    /// Signs `message` with the Ed25519 key.
    #[must_use]
    pub fn sign(&self, message: &[u8]) -> [u8; 64] {
        self.signing.sign(message).to_bytes()
    }

    pub(crate) fn hpke_private(&self) -> &PrivateKey {
        &self.hpke_private
    }

    pub(crate) fn hpke_public(&self) -> Result<PublicKey, AlertsError> {
        self.bundle.hpke_key()
    }
}

impl std::fmt::Debug for DeviceKeys {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "DeviceKeys(mailbox {})", self.mailbox())
    }
}
