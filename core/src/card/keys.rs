//! Clinic signing keys (Ed25519, via ed25519-dalek) and their short ids.
//!
//! A clinic key pair is made once by the clinic's tool; its public key is handed to every app
//! that should trust the clinic's cards (as 64 hex characters). Its private key lives in the
//! platform's key store ([`SecretStore`]: Android Keystore, iOS Keychain, the CLI's key files),
//! under [`secret_name`], never in the database.

use ed25519_dalek::SigningKey;
use sha2::{Digest as _, Sha256};

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
    let digest = Sha256::digest(public_key);
    let mut id = [0; 8];
    id.copy_from_slice(&digest[..8]);
    KeyId(id)
}

/// The DER of an Ed25519 private key in PKCS#8 v2 (RFC 5958 `OneAsymmetricKey`, RFC 8410's
/// algorithm id), as the clinic's tool has always written it (ring's layout): this prefix, the
/// 32-byte seed, [`PKCS8_V2_MIDDLE`], the 32-byte public key.
const PKCS8_V2_PREFIX: [u8; 16] = [
    0x30, 0x51, // SEQUENCE, 81 bytes
    0x02, 0x01, 0x01, // version 1 (v2: with the public key)
    0x30, 0x05, 0x06, 0x03, 0x2b, 0x65, 0x70, // AlgorithmIdentifier { id-Ed25519 }
    0x04, 0x22, 0x04, 0x20, // privateKey: OCTET STRING { OCTET STRING, 32 bytes }
];
/// Between the seed and the public key in PKCS#8 v2: `publicKey [1] IMPLICIT BIT STRING`, 33
/// bytes, the first saying no bits are unused.
const PKCS8_V2_MIDDLE: [u8; 3] = [0x81, 0x21, 0x00];
/// PKCS#8 v1 (no public key): this prefix and the 32-byte seed.
const PKCS8_V1_PREFIX: [u8; 16] = [
    0x30, 0x2e, 0x02, 0x01, 0x00, 0x30, 0x05, 0x06, 0x03, 0x2b, 0x65, 0x70, 0x04, 0x22, 0x04, 0x20,
];

/// A new clinic key pair, as PKCS#8 (v2) bytes.
///
/// # Errors
/// [`Error::Internal`] if the system's random source fails.
pub fn generate_pkcs8() -> Result<Vec<u8>, Error> {
    let mut seed = [0u8; 32];
    getrandom::getrandom(&mut seed).map_err(|_| Error::Internal {
        context: "making a clinic key".into(),
    })?;
    Ok(pkcs8_of_seed(&seed))
}

/// The PKCS#8 v2 bytes of the key pair with `seed`.
#[must_use]
pub fn pkcs8_of_seed(seed: &[u8; 32]) -> Vec<u8> {
    let public = SigningKey::from_bytes(seed).verifying_key().to_bytes();
    [&PKCS8_V2_PREFIX[..], seed, &PKCS8_V2_MIDDLE, &public].concat()
}

/// The key pair of the PKCS#8 bytes `pkcs8`: v2 (with the public key, which must match the
/// seed) or v1.
///
/// # Errors
/// [`Error::Internal`] for damaged key bytes.
pub(crate) fn signing_key_of(pkcs8: &[u8]) -> Result<SigningKey, Error> {
    let damaged = || Error::Internal {
        context: "reading a clinic key".into(),
    };
    let (prefix, rest) = pkcs8.split_at_checked(16).ok_or_else(damaged)?;
    let (seed, rest) = rest.split_at_checked(32).ok_or_else(damaged)?;
    let seed = <[u8; 32]>::try_from(seed).map_err(|_| damaged())?;
    let key = SigningKey::from_bytes(&seed);
    let fits = if prefix == PKCS8_V2_PREFIX {
        rest.strip_prefix(&PKCS8_V2_MIDDLE[..])
            .is_some_and(|public| public == key.verifying_key().as_bytes())
    } else {
        prefix == PKCS8_V1_PREFIX && rest.is_empty()
    };
    if fits { Ok(key) } else { Err(damaged()) }
}

/// The public key of the PKCS#8 key pair `pkcs8`.
///
/// # Errors
/// [`Error::Internal`] for damaged key bytes.
pub fn public_key_of(pkcs8: &[u8]) -> Result<[u8; 32], Error> {
    signing_key_of(pkcs8).map(|k| k.verifying_key().to_bytes())
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

    /// RFC 8032 §7.1, test 1: the seed's public key and its signature of the empty message.
    #[test]
    fn rfc_8032_test_1() {
        use ed25519_dalek::Signer as _;
        let seed = hex::decode("9d61b19deffd5a60ba844af492ec2cc44449c5697b326919703bac031cae7f60")
            .unwrap();
        let key = signing_key_of(&pkcs8_of_seed(&seed.try_into().unwrap())).unwrap();
        assert_eq!(
            to_hex(key.verifying_key().as_bytes()),
            "d75a980182b10ab7d54bfed3c964073a0ee172f3daa62325af021a68f707511a"
        );
        assert_eq!(
            to_hex(&key.sign(b"").to_bytes()),
            "e5564300c360ac729086e2cc806e828a84877f1eb8e5d974d873e065224901555fb8821590a33bacc61e39701cf9b46bd25bf5f0595bbe24655141438e7a100b"
        );
    }

    /// Keys saved by earlier versions (made by ring: PKCS#8 v2, and v1 in old databases) still
    /// load, ring reads the keys made now, and both sign alike.
    #[test]
    fn pkcs8_as_ring_reads_and_writes_it() {
        use ed25519_dalek::Signer as _;
        use ring::signature::{Ed25519KeyPair, KeyPair as _};
        let theirs = Ed25519KeyPair::generate_pkcs8(&ring::rand::SystemRandom::new()).unwrap();
        let pair = Ed25519KeyPair::from_pkcs8(theirs.as_ref()).unwrap();
        assert_eq!(
            public_key_of(theirs.as_ref()).unwrap().as_slice(),
            pair.public_key().as_ref()
        );
        let key = signing_key_of(theirs.as_ref()).unwrap();
        assert_eq!(
            key.sign(b"card").to_bytes().as_slice(),
            pair.sign(b"card").as_ref()
        );

        let ours = generate_pkcs8().unwrap();
        let pair = Ed25519KeyPair::from_pkcs8(&ours).unwrap();
        assert_eq!(
            pair.public_key().as_ref(),
            public_key_of(&ours).unwrap().as_slice()
        );

        // v1: the seed alone (the legacy rows of the schema 7 fixture).
        let v1 = [&PKCS8_V1_PREFIX[..], &[7; 32]].concat();
        let pair = Ed25519KeyPair::from_pkcs8_maybe_unchecked(&v1).unwrap();
        assert_eq!(
            pair.public_key().as_ref(),
            public_key_of(&v1).unwrap().as_slice()
        );
        assert_eq!(
            public_key_of(&v1).unwrap(),
            public_key_of(&pkcs8_of_seed(&[7; 32])).unwrap()
        );

        // Damaged: a public key that is not the seed's, a byte short, a byte too many.
        let mut wrong = pkcs8_of_seed(&[7; 32]);
        *wrong.last_mut().unwrap() ^= 1;
        assert!(public_key_of(&wrong).is_err());
        assert!(public_key_of(&ours[..ours.len() - 1]).is_err());
        assert!(public_key_of(&[&ours[..], &[0]].concat()).is_err());
        assert!(public_key_of(&v1[..47]).is_err());
    }
}
