//! The caregiver alerts protocol's pure parts (docs/alerts-protocol.md): encodings, mailbox ids,
//! the envelope header, the canonical string of a signed request, cancel hashes. No I/O.

use base64::Engine as _;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use sha2::{Digest as _, Sha256};
use std::fmt;

/// Envelope format version (first byte of every envelope).
pub const ENVELOPE_VERSION: u8 = 1;
/// Length of the envelope header, which is also the HPKE associated data.
pub const HEADER_LEN: usize = 66;
/// Length of the HPKE encapsulated key (X25519).
pub const ENC_LEN: usize = 32;
/// AEAD tag length (ChaCha20-Poly1305).
pub const TAG_LEN: usize = 16;
/// The smallest possible envelope: header, `enc` and the tag of an empty plaintext.
pub const MIN_ENVELOPE_LEN: usize = HEADER_LEN + ENC_LEN + TAG_LEN;
/// First line of the canonical string of a signed request.
pub const CANONICAL_PREFIX: &str = "THECAL-RELAY-V1";

/// Encodes bytes as base64url without padding.
#[must_use]
pub fn b64u(bytes: &[u8]) -> String {
    URL_SAFE_NO_PAD.encode(bytes)
}

/// Decodes base64url without padding (padding and other alphabets are refused).
pub fn from_b64u(text: &str) -> Option<Vec<u8>> {
    URL_SAFE_NO_PAD.decode(text).ok()
}

/// Decodes base64url into exactly `N` bytes.
pub fn from_b64u_array<const N: usize>(text: &str) -> Option<[u8; N]> {
    from_b64u(text)?.try_into().ok()
}

/// SHA-256 of the concatenation of `parts`.
#[must_use]
pub fn sha256(parts: &[&[u8]]) -> [u8; 32] {
    let mut ctx = Sha256::new();
    for p in parts {
        ctx.update(p);
    }
    ctx.finalize().into()
}

/// A mailbox id: `SHA-256("thecal/v1/mailbox" || ed25519_public)[0..16]`.
#[derive(Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct MailboxId(pub [u8; 16]);

impl MailboxId {
    /// The mailbox of the device holding this Ed25519 public key.
    #[must_use]
    pub fn of_key(ed25519_public: &[u8; 32]) -> Self {
        let d = sha256(&[b"thecal/v1/mailbox", ed25519_public]);
        let mut id = [0u8; 16];
        id.copy_from_slice(&d[..16]);
        Self(id)
    }

    /// Parses the b64u form (22 characters).
    pub fn parse(text: &str) -> Option<Self> {
        if text.len() != 22 {
            return None;
        }
        from_b64u_array(text).map(Self)
    }
}

impl fmt::Display for MailboxId {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&b64u(&self.0))
    }
}

impl fmt::Debug for MailboxId {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "MailboxId({self})")
    }
}

/// Parses a 16-byte id (message id, notice id, invitation id) from its 22-character b64u form.
pub fn parse_id16(text: &str) -> Option<[u8; 16]> {
    if text.len() != 22 {
        return None;
    }
    from_b64u_array(text)
}

/// The fields of an envelope's header that the relay reads.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct EnvelopeHeader {
    /// Envelope kind (1 alert, 2 receipt, 3 status, 4 pairing hello, 5 revocation; not checked).
    pub kind: u8,
    /// The recipient's mailbox.
    pub recipient: MailboxId,
    /// The sender's mailbox.
    pub sender: MailboxId,
    /// The message id chosen by the sender.
    pub message_id: [u8; 16],
    /// Sequence number per (sender, recipient).
    pub seq: u64,
    /// Expiry, Unix seconds.
    pub expires_at: u64,
}

/// Why an envelope's outer header was refused.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum EnvelopeError {
    /// Shorter than header + enc + tag.
    #[error("an envelope has at least {MIN_ENVELOPE_LEN} bytes, this one has {0}")]
    TooShort(usize),
    /// Unknown version byte.
    #[error(
        "envelope version {0} is not supported (this version of Thecal speaks version 1: update it)"
    )]
    Version(u8),
}

impl EnvelopeHeader {
    /// Reads the header of an envelope (docs/alerts-protocol.md §5).
    pub fn parse(envelope: &[u8]) -> Result<Self, EnvelopeError> {
        if envelope.len() < MIN_ENVELOPE_LEN {
            return Err(EnvelopeError::TooShort(envelope.len()));
        }
        if envelope[0] != ENVELOPE_VERSION {
            return Err(EnvelopeError::Version(envelope[0]));
        }
        let take16 = |at: usize| {
            let mut a = [0u8; 16];
            a.copy_from_slice(&envelope[at..at + 16]);
            a
        };
        let take8 = |at: usize| {
            let mut a = [0u8; 8];
            a.copy_from_slice(&envelope[at..at + 8]);
            u64::from_be_bytes(a)
        };
        Ok(Self {
            kind: envelope[1],
            recipient: MailboxId(take16(2)),
            sender: MailboxId(take16(18)),
            message_id: take16(34),
            seq: take8(50),
            expires_at: take8(58),
        })
    }

    /// Writes the 66-byte header.
    #[must_use]
    pub fn to_bytes(&self) -> [u8; HEADER_LEN] {
        let mut h = [0u8; HEADER_LEN];
        h[0] = ENVELOPE_VERSION;
        h[1] = self.kind;
        h[2..18].copy_from_slice(&self.recipient.0);
        h[18..34].copy_from_slice(&self.sender.0);
        h[34..50].copy_from_slice(&self.message_id);
        h[50..58].copy_from_slice(&self.seq.to_be_bytes());
        h[58..66].copy_from_slice(&self.expires_at.to_be_bytes());
        h
    }
}

/// The canonical string a device signs (docs/alerts-protocol.md §6).
#[must_use]
pub fn canonical_request(
    method: &str,
    target: &str,
    body: &[u8],
    timestamp: i64,
    nonce: &str,
    key: &str,
) -> String {
    format!(
        "{CANONICAL_PREFIX}\n{method}\n{target}\n{}\n{timestamp}\n{nonce}\n{key}",
        b64u(&sha256(&[body]))
    )
}

/// `SHA-256("thecal/v1/cancel" || token)`: what the relay keeps for a held escalation.
#[must_use]
pub fn cancel_hash(token: &[u8]) -> [u8; 32] {
    sha256(&[b"thecal/v1/cancel", token])
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn b64u_refuses_padding_and_other_alphabets() {
        assert_eq!(from_b64u("AQID"), Some(vec![1, 2, 3]));
        assert_eq!(from_b64u("AQI="), None);
        assert_eq!(from_b64u("A+/_"), None);
        assert_eq!(b64u(&[0xfb, 0xff]), "-_8");
    }

    #[test]
    fn header_round_trips_and_short_or_foreign_envelopes_are_refused() {
        let h = EnvelopeHeader {
            kind: 1,
            recipient: MailboxId([1; 16]),
            sender: MailboxId([2; 16]),
            message_id: [3; 16],
            seq: 42,
            expires_at: 1_795_604_800,
        };
        let mut env = h.to_bytes().to_vec();
        env.extend_from_slice(&[0u8; ENC_LEN + TAG_LEN]);
        assert_eq!(EnvelopeHeader::parse(&env), Ok(h));
        assert_eq!(
            EnvelopeHeader::parse(&env[..113]),
            Err(EnvelopeError::TooShort(113))
        );
        env[0] = 2;
        assert_eq!(EnvelopeHeader::parse(&env), Err(EnvelopeError::Version(2)));
    }

    #[test]
    fn mailbox_ids_parse_only_22_characters() {
        let id = MailboxId([7; 16]);
        assert_eq!(MailboxId::parse(&id.to_string()), Some(id));
        assert_eq!(MailboxId::parse("short"), None);
        assert_eq!(MailboxId::parse(&format!("{id}A")), None);
    }
}
