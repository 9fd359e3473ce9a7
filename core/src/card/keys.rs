//! Clinic signing keys (Ed25519, via ring) and their short ids.
//!
//! A clinic key pair is made once by the clinic's tool; its public key is handed to every app
//! that should trust the clinic's cards (as 64 hex characters). Its private key lives in the
//! platform's key store ([`SecretStore`]: Android Keystore, iOS Keychain, the CLI's key files),
//! under [`secret_name`], never in the database.

use ring::rand::SystemRandom;
use ring::signature::{Ed25519KeyPair, KeyPair};

use super::Error;
use crate::store::{SecretStore, Store};

/// The short id of a clinic key: the first 8 bytes of SHA-256 of its public key.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub struct KeyId(pub [u8; 8]);

impl KeyId {
    /// Lower-case hex, as shown and passed in the API.
    #[must_use]
    pub fn to_hex(&self) -> String {
        to_hex(&self.0)
    }

    /// Parses 16 hex characters.
    ///
    /// # Errors
    /// [`Error::Invalid`] naming `key_id`.
    pub fn from_hex(s: &str) -> Result<Self, Error> {
        from_hex(s)
            .and_then(|b| <[u8; 8]>::try_from(b.as_slice()).ok())
            .map(Self)
            .ok_or_else(|| Error::invalid("key_id", "is not 16 hexadecimal characters"))
    }
}

/// The id of `public_key`.
#[must_use]
pub fn key_id_of(public_key: &[u8]) -> KeyId {
    let digest = ring::digest::digest(&ring::digest::SHA256, public_key);
    let mut id = [0; 8];
    id.copy_from_slice(&digest.as_ref()[..8]);
    KeyId(id)
}

/// A new clinic key pair, as PKCS#8 bytes.
///
/// # Errors
/// [`Error::Internal`] if the system's random source fails.
pub fn generate_pkcs8() -> Result<Vec<u8>, Error> {
    Ed25519KeyPair::generate_pkcs8(&SystemRandom::new())
        .map(|d| d.as_ref().to_vec())
        .map_err(|_| Error::Internal {
            context: "making a clinic key".into(),
        })
}

/// The public key of the PKCS#8 key pair `pkcs8`.
///
/// # Errors
/// [`Error::Internal`] for damaged key bytes.
pub fn public_key_of(pkcs8: &[u8]) -> Result<[u8; 32], Error> {
    Ed25519KeyPair::from_pkcs8_maybe_unchecked(pkcs8)
        .ok()
        .and_then(|p| <[u8; 32]>::try_from(p.public_key().as_ref()).ok())
        .ok_or_else(|| Error::Internal {
            context: "reading a clinic key".into(),
        })
}

/// Parses a public key given as 64 hex characters.
///
/// # Errors
/// [`Error::Invalid`] naming `public_key`.
pub fn public_key_from_hex(s: &str) -> Result<[u8; 32], Error> {
    from_hex(s.trim())
        .and_then(|b| <[u8; 32]>::try_from(b.as_slice()).ok())
        .ok_or_else(|| Error::invalid("public_key", "is not 64 hexadecimal characters"))
}

/// The name of the private key of `kid` in the key store.
#[must_use]
pub fn secret_name(kid: &KeyId) -> String {
    format!("thecal.card.clinic-key.{}", kid.to_hex())
}

/// Moves the private keys an older version kept in the database into `secrets`, then erases them
/// from the file (overwritten, and the WAL checkpointed and emptied so no old page keeps a
/// copy). Each key is read back from the key store before anything is erased. Returns how many
/// keys were moved; 0 when there is nothing to move (every open after the first).
///
/// # Errors
/// [`Error::Store`], or [`Error::KeyStore`] (nothing is erased then; the next open tries again).
pub fn move_legacy_private_keys(store: &Store, secrets: &dyn SecretStore) -> Result<u32, Error> {
    let legacy = store.read(super::db::legacy_private_keys)?;
    if legacy.is_empty() {
        return Ok(0);
    }
    for (kid, pkcs8) in &legacy {
        let name = secret_name(kid);
        secrets.save(name.clone(), pkcs8.clone())?;
        if secrets.load(name)?.as_deref() != Some(pkcs8.as_slice()) {
            return Err(Error::KeyStore {
                reason: "a saved key did not read back the same".into(),
            });
        }
    }
    store.write(super::db::erase_legacy_private_keys)?;
    store.checkpoint()?;
    tracing::info!(
        keys = legacy.len(),
        "clinic keys moved to the platform key store"
    );
    Ok(u32::try_from(legacy.len()).unwrap_or(u32::MAX))
}

/// Lower-case hex.
#[must_use]
pub fn to_hex(bytes: &[u8]) -> String {
    use std::fmt::Write;
    bytes.iter().fold(String::new(), |mut s, b| {
        let _ = write!(s, "{b:02x}");
        s
    })
}

fn from_hex(s: &str) -> Option<Vec<u8>> {
    // Hex digits only: `from_str_radix` alone would also take a sign ("+a" as 0x0a).
    if s.len() % 2 != 0 || !s.bytes().all(|b| b.is_ascii_hexdigit()) {
        return None;
    }
    (0..s.len())
        .step_by(2)
        .map(|i| u8::from_str_radix(&s[i..i + 2], 16).ok())
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn ids_and_hex_round_trip() {
        let pkcs8 = generate_pkcs8().unwrap();
        let pk = public_key_of(&pkcs8).unwrap();
        let id = key_id_of(&pk);
        assert_eq!(KeyId::from_hex(&id.to_hex()).unwrap(), id);
        assert_eq!(public_key_from_hex(&to_hex(&pk)).unwrap(), pk);
        assert!(KeyId::from_hex("xyz").is_err());
        assert!(public_key_from_hex("ab").is_err());
        assert!(public_key_from_hex("é").is_err());
        // A sign is not a hex digit (found by the card_payload fuzz target).
        assert!(public_key_from_hex(&"+a".repeat(32)).is_err());
        assert!(KeyId::from_hex("+a+a+a+a+a+a+a+a").is_err());
        assert!(public_key_of(b"not a key").is_err());
        // SHA-256("") starts e3b0c442 98fc1c14.
        assert_eq!(key_id_of(b"").to_hex(), "e3b0c44298fc1c14");
    }
}
