//! The invitation (protocol §4): a single-use code of 10 Crockford base32 symbols (50 bits), shown
//! as `XXXXX-XXXXX` and as a QR code; from it both phones derive the invitation's id, the key
//! that seals the patient's bundle, and the PSK of the caregiver's hello.

use chacha20poly1305::aead::{Aead as _, KeyInit as _, Payload};
use chacha20poly1305::{ChaCha20Poly1305, Key, Nonce};
use hkdf::Hkdf;
use sha2::Sha256;
use thecal_proto::{b64u, from_b64u};

use super::{AlertsError, Bundle, random};

/// Crockford's base32 alphabet (no I, L, O, U).
const ALPHABET: &[u8; 32] = b"0123456789ABCDEFGHJKMNPQRSTVWXYZ";
/// Symbols in a code.
pub const CODE_LEN: usize = 10;

/// A normalized pairing code.
#[derive(Clone, PartialEq, Eq)]
pub struct PairingCode(String);

impl PairingCode {
    /// A new random code.
    ///
    /// # Errors
    /// [`AlertsError::NoRandomness`].
    pub fn generate() -> Result<Self, AlertsError> {
        let bytes = random::bytes::<CODE_LEN>()?;
        Ok(Self(
            bytes
                .iter()
                .map(|b| char::from(ALPHABET[usize::from(b & 31)]))
                .collect(),
        ))
    }

    /// Reads a code as a person typed it: case is ignored, `-` and spaces dropped, `I` and `L`
    /// read as `1`, `O` as `0`.
    ///
    /// # Errors
    /// [`AlertsError::BadPairingCode`].
    pub fn parse(typed: &str) -> Result<Self, AlertsError> {
        let mut code = String::with_capacity(CODE_LEN);
        for c in typed.chars() {
            let c = match c.to_ascii_uppercase() {
                '-' | ' ' => continue,
                'I' | 'L' => '1',
                'O' => '0',
                c => c,
            };
            if !c.is_ascii() || !ALPHABET.contains(&(c as u8)) {
                return Err(AlertsError::BadPairingCode {
                    reason: "it has a character that is not a letter or digit of the code".into(),
                });
            }
            code.push(c);
        }
        if code.len() != CODE_LEN {
            return Err(AlertsError::BadPairingCode {
                reason: format!("{} symbols instead of {CODE_LEN}", code.len()),
            });
        }
        Ok(Self(code))
    }

    /// The normalized code (10 symbols).
    #[must_use]
    pub fn as_str(&self) -> &str {
        &self.0
    }

    /// As shown to the patient: `XXXXX-XXXXX`.
    #[must_use]
    pub fn shown(&self) -> String {
        format!("{}-{}", &self.0[..5], &self.0[5..])
    }

    /// The QR code's text: `thecal:pair?v=1&relay=HOST&code=CODE`.
    #[must_use]
    pub fn qr_text(&self, relay_host: &str) -> String {
        format!("thecal:pair?v=1&relay={relay_host}&code={}", self.0)
    }

    /// Reads a scanned QR text: the relay's host and the code.
    ///
    /// # Errors
    /// [`AlertsError::Malformed`] for a text that is not a Thecal invitation, or
    /// [`AlertsError::BadPairingCode`].
    pub fn parse_qr(text: &str) -> Result<(String, Self), AlertsError> {
        let malformed = |reason: &str| AlertsError::Malformed {
            what: "pairing QR code",
            reason: reason.into(),
        };
        let query = text
            .strip_prefix("thecal:pair?")
            .ok_or_else(|| malformed("it is not a Thecal invitation"))?;
        let (mut version, mut relay, mut code) = (None, None, None);
        for pair in query.split('&') {
            match pair.split_once('=') {
                Some(("v", v)) => version = Some(v),
                Some(("relay", r)) => relay = Some(r),
                Some(("code", c)) => code = Some(c),
                _ => {}
            }
        }
        if version != Some("1") {
            return Err(malformed("it is for another version of Thecal"));
        }
        let relay = relay
            .filter(|r| {
                !r.is_empty()
                    && r.chars()
                        .all(|c| c.is_ascii_alphanumeric() || ".-:[]".contains(c))
            })
            .ok_or_else(|| malformed("it names no relay"))?;
        let code = Self::parse(code.ok_or_else(|| malformed("it has no code"))?)?;
        Ok((relay.to_owned(), code))
    }

    /// What both phones derive from the code.
    #[must_use]
    pub fn secrets(&self) -> InviteSecrets {
        let hk = Hkdf::<Sha256>::new(Some(b"thecal/v1/invite"), self.0.as_bytes());
        let mut s = InviteSecrets {
            invite_id: [0; 16],
            bundle_key: [0; 32],
            psk: [0; 32],
        };
        // Lengths this small are always within HKDF-SHA256's limit (255 × 32 bytes).
        for (info, out) in [
            (&b"id"[..], &mut s.invite_id[..]),
            (&b"bundle"[..], &mut s.bundle_key[..]),
            (&b"psk"[..], &mut s.psk[..]),
        ] {
            if hk.expand(info, out).is_err() {
                out.fill(0);
            }
        }
        s
    }
}

impl std::fmt::Debug for PairingCode {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("PairingCode(…)")
    }
}

/// The values derived from a pairing code.
#[derive(Clone, PartialEq, Eq)]
pub struct InviteSecrets {
    /// The invitation's id on the relay.
    pub invite_id: [u8; 16],
    /// The key that seals the patient's bundle (used once).
    pub bundle_key: [u8; 32],
    /// The PSK of the caregiver's hello.
    pub psk: [u8; 32],
}

impl std::fmt::Debug for InviteSecrets {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "InviteSecrets(id {})", b64u(&self.invite_id))
    }
}

impl InviteSecrets {
    /// Seals the patient's bundle for the relay to hand to whoever claims the invitation
    /// (ChaCha20-Poly1305, the key used once, so a zero nonce).
    #[must_use]
    pub fn seal_bundle(&self, bundle: &Bundle) -> Vec<u8> {
        let cipher = ChaCha20Poly1305::new(Key::from_slice(&self.bundle_key));
        let payload = Payload {
            msg: &bundle.to_bytes(),
            aad: &self.invite_id,
        };
        // Sealing 65 bytes cannot fail; an empty result would simply not open on the other side.
        cipher
            .encrypt(Nonce::from_slice(&[0; 12]), payload)
            .unwrap_or_default()
    }

    /// Opens the sealed bundle the relay handed back.
    ///
    /// # Errors
    /// [`AlertsError::Tampered`] (wrong code or altered), or the bundle's own errors.
    pub fn open_bundle(&self, sealed: &[u8]) -> Result<Bundle, AlertsError> {
        let cipher = ChaCha20Poly1305::new(Key::from_slice(&self.bundle_key));
        let payload = Payload {
            msg: sealed,
            aad: &self.invite_id,
        };
        let plain = cipher
            .decrypt(Nonce::from_slice(&[0; 12]), payload)
            .map_err(|_| AlertsError::Tampered)?;
        Bundle::parse(&plain)
    }

    /// Opens the sealed bundle in its base64url form.
    ///
    /// # Errors
    /// As [`InviteSecrets::open_bundle`], and [`AlertsError::Malformed`].
    pub fn open_bundle_b64u(&self, sealed: &str) -> Result<Bundle, AlertsError> {
        let bytes = from_b64u(sealed).ok_or_else(|| AlertsError::Malformed {
            what: "sealed bundle",
            reason: "not base64url".into(),
        })?;
        self.open_bundle(&bytes)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn typed_codes_are_forgiving_and_wrong_ones_say_why() {
        let code = PairingCode::parse("7kd3m-x9q2p").unwrap();
        assert_eq!(code.as_str(), "7KD3MX9Q2P");
        assert_eq!(code.shown(), "7KD3M-X9Q2P");
        assert_eq!(PairingCode::parse("7KD3M X9Q2P").unwrap(), code);
        assert!(
            PairingCode::parse("o1l")
                .unwrap_err()
                .to_string()
                .contains("3 symbols")
        );
        assert_eq!(
            PairingCode::parse("IIIII-OOOOO").unwrap().as_str(),
            "1111100000"
        );
        assert!(matches!(
            PairingCode::parse("7KD3M-X9Q2U"),
            Err(AlertsError::BadPairingCode { .. })
        ));
        assert!(matches!(
            PairingCode::parse("7KD3M-X9Q2P-1"),
            Err(AlertsError::BadPairingCode { .. })
        ));
    }

    #[test]
    fn generated_codes_are_valid_and_differ() {
        let a = PairingCode::generate().unwrap();
        let b = PairingCode::generate().unwrap();
        assert_eq!(PairingCode::parse(&a.shown()).unwrap(), a);
        assert_ne!(a, b, "50 random bits twice the same");
    }

    #[test]
    fn the_qr_text_round_trips_and_strangers_are_refused() {
        let code = PairingCode::parse("7KD3MX9Q2P").unwrap();
        let text = code.qr_text("relay.example.org");
        assert_eq!(
            PairingCode::parse_qr(&text).unwrap(),
            ("relay.example.org".to_owned(), code)
        );
        for bad in [
            "https://example.org",
            "thecal:pair?v=2&relay=r&code=7KD3MX9Q2P",
            "thecal:pair?v=1&code=7KD3MX9Q2P",
            "thecal:pair?v=1&relay=a/b&code=7KD3MX9Q2P",
            "thecal:pair?v=1&relay=r&code=7KD3",
        ] {
            assert!(PairingCode::parse_qr(bad).is_err(), "{bad}");
        }
    }

    #[test]
    fn a_sealed_bundle_opens_only_with_its_code() {
        let keys = super::super::DeviceKeys::generate().unwrap();
        let right = PairingCode::parse("7KD3MX9Q2P").unwrap().secrets();
        let wrong = PairingCode::parse("7KD3MX9Q2Q").unwrap().secrets();
        let sealed = right.seal_bundle(&keys.bundle());
        assert_eq!(right.open_bundle(&sealed), Ok(keys.bundle()));
        assert_eq!(wrong.open_bundle(&sealed), Err(AlertsError::Tampered));
        let mut altered = sealed.clone();
        altered[3] ^= 1;
        assert_eq!(right.open_bundle(&altered), Err(AlertsError::Tampered));
    }
}
