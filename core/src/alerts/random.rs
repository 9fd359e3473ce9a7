//! Randomness for HPKE: the bytes come from the operating system through `getrandom` (a failure
//! is a typed error, never a panic) and are handed to the HPKE crate as a one-shot generator.

use rand_core::{CryptoRng, RngCore};

use super::AlertsError;

/// `N` random bytes from the operating system.
pub(crate) fn bytes<const N: usize>() -> Result<[u8; N], AlertsError> {
    let mut out = [0u8; N];
    getrandom::getrandom(&mut out).map_err(|_| AlertsError::NoRandomness)?;
    Ok(out)
}

/// Gives HPKE the 32 bytes of key material it asks for to make its ephemeral key (RFC 9180
/// `DeriveKeyPair(ikm)`): fresh randomness in the app, the worked examples' `ikm` in tests.
/// Anything more it asked for would come from a ChaCha20 stream keyed by those bytes (HPKE 0.13
/// asks for exactly one key's worth).
pub(crate) struct EphemeralIkm {
    ikm: Option<[u8; 32]>,
    rest: rand_chacha::ChaCha20Rng,
}

impl EphemeralIkm {
    /// A generator that yields `ikm` first.
    pub(crate) fn new(ikm: [u8; 32]) -> Self {
        use rand_core::SeedableRng as _;
        Self {
            ikm: Some(ikm),
            rest: rand_chacha::ChaCha20Rng::from_seed(ikm),
        }
    }

    /// A generator with fresh randomness.
    pub(crate) fn fresh() -> Result<Self, AlertsError> {
        Ok(Self::new(bytes()?))
    }
}

impl RngCore for EphemeralIkm {
    fn next_u32(&mut self) -> u32 {
        self.rest.next_u32()
    }

    fn next_u64(&mut self) -> u64 {
        self.rest.next_u64()
    }

    fn fill_bytes(&mut self, dest: &mut [u8]) {
        match self.ikm.take() {
            Some(ikm) if dest.len() == ikm.len() => dest.copy_from_slice(&ikm),
            _ => self.rest.fill_bytes(dest),
        }
    }
}

impl CryptoRng for EphemeralIkm {}
