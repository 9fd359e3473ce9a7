//! Envelopes (protocol §5): one HPKE seal for one recipient device, the 66-byte header bound as
//! associated data. Between paired devices the seal uses HPKE's Auth mode (the sender's X25519 key
//! authenticates it); the pairing hello uses PSK mode with the invitation's key.

use hpke::aead::ChaCha20Poly1305;
use hpke::kdf::HkdfSha256;
use hpke::kem::X25519HkdfSha256;
use hpke::{Deserializable as _, OpModeR, OpModeS, PskBundle, Serializable as _};
use thecal_proto::{ENC_LEN, ENVELOPE_VERSION, EnvelopeHeader, HEADER_LEN, MIN_ENVELOPE_LEN};

use super::random::EphemeralIkm;
use super::{AlertsError, Bundle, DeviceKeys, ENVELOPE_INFO};

type EncappedKey = <X25519HkdfSha256 as hpke::Kem>::EncappedKey;

/// What an envelope carries (the header's second byte).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Kind {
    /// An alert for a caregiver.
    Alert = 1,
    /// A receipt back to the patient (delivered, seen, acknowledged).
    Receipt = 2,
    /// A status snapshot for a caregiver.
    Status = 3,
    /// The caregiver's hello when claiming an invitation.
    PairingHello = 4,
    /// The end of a pairing.
    Revocation = 5,
}

impl Kind {
    /// The kind with this code, if it is one this version knows.
    #[must_use]
    pub fn from_code(code: u8) -> Option<Self> {
        Some(match code {
            1 => Self::Alert,
            2 => Self::Receipt,
            3 => Self::Status,
            4 => Self::PairingHello,
            5 => Self::Revocation,
            _ => return None,
        })
    }
}

/// An opened envelope: its header and plaintext.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct OpenedEnvelope {
    /// The header, as bound into the seal.
    pub header: EnvelopeHeader,
    /// The plaintext (compact JSON).
    pub plaintext: Vec<u8>,
}

/// Seals `plaintext` for `to` in Auth mode with `from`'s keys. `header` must name `to` as the
/// recipient and `from` as the sender. `ikm` is the ephemeral key's material (fresh randomness;
/// fixed only to reproduce a worked example).
///
/// # Errors
/// [`AlertsError::Malformed`] for a header that does not match the keys, or an unusable key.
pub fn seal(
    from: &DeviceKeys,
    to: &Bundle,
    header: &EnvelopeHeader,
    plaintext: &[u8],
    ikm: Option<[u8; 32]>,
) -> Result<Vec<u8>, AlertsError> {
    check_addresses(header, from.bundle().mailbox(), to)?;
    let mode = OpModeS::Auth((from.hpke_private().clone(), from.hpke_public()?));
    seal_with(&mode, to, header, plaintext, ikm)
}

/// Seals the pairing hello for the invitation's creator `to`, in PSK mode with the invitation's
/// `psk` and `psk_id` (protocol §4).
///
/// # Errors
/// As [`seal`].
pub fn seal_hello(
    to: &Bundle,
    header: &EnvelopeHeader,
    plaintext: &[u8],
    psk: &[u8; 32],
    psk_id: &[u8; 16],
    ikm: Option<[u8; 32]>,
) -> Result<Vec<u8>, AlertsError> {
    if header.recipient != to.mailbox() {
        return Err(header_mismatch());
    }
    let bundle = PskBundle::new(psk, psk_id).map_err(|_| header_mismatch())?;
    seal_with(&OpModeS::Psk(bundle), to, header, plaintext, ikm)
}

fn seal_with(
    mode: &OpModeS<'_, X25519HkdfSha256>,
    to: &Bundle,
    header: &EnvelopeHeader,
    plaintext: &[u8],
    ikm: Option<[u8; 32]>,
) -> Result<Vec<u8>, AlertsError> {
    let aad = header.to_bytes();
    let mut rng = match ikm {
        Some(ikm) => EphemeralIkm::new(ikm),
        None => EphemeralIkm::fresh()?,
    };
    let (enc, ct) = hpke::single_shot_seal::<ChaCha20Poly1305, HkdfSha256, X25519HkdfSha256, _>(
        mode,
        &to.hpke_key()?,
        ENVELOPE_INFO,
        plaintext,
        &aad,
        &mut rng,
    )
    .map_err(|_| AlertsError::Malformed {
        what: "recipient's key",
        reason: "it cannot be sealed to".into(),
    })?;
    let mut out = Vec::with_capacity(HEADER_LEN + ENC_LEN + ct.len());
    out.extend_from_slice(&aad);
    out.extend_from_slice(&enc.to_bytes());
    out.extend_from_slice(&ct);
    Ok(out)
}

/// Reads an envelope's header without opening it, checking what any receiver checks first:
/// the format, the version, and that it is addressed to `me`.
///
/// # Errors
/// [`AlertsError::Malformed`], [`AlertsError::NewerVersion`], [`AlertsError::NotForThisDevice`].
pub fn header_for(me: &DeviceKeys, envelope: &[u8]) -> Result<EnvelopeHeader, AlertsError> {
    if envelope.len() < MIN_ENVELOPE_LEN {
        return Err(AlertsError::Malformed {
            what: "message",
            reason: format!("too short ({} bytes)", envelope.len()),
        });
    }
    if envelope[0] != ENVELOPE_VERSION {
        return Err(AlertsError::NewerVersion {
            version: envelope[0],
        });
    }
    let header = EnvelopeHeader::parse(envelope).map_err(|e| AlertsError::Malformed {
        what: "message",
        reason: e.to_string(),
    })?;
    if header.recipient != me.mailbox() {
        return Err(AlertsError::NotForThisDevice);
    }
    Ok(header)
}

/// Opens an envelope sealed in Auth mode by `from` for `me`, if it has not expired at `now`
/// (Unix seconds). Duplicates, replays and gaps are the receiver's [`super::SenderWindow`]'s
/// business, after this.
///
/// # Errors
/// As [`header_for`], and [`AlertsError::UnknownSender`] (not from `from`),
/// [`AlertsError::Expired`], [`AlertsError::Tampered`] (the seal does not open).
pub fn open(
    me: &DeviceKeys,
    from: &Bundle,
    envelope: &[u8],
    now: u64,
) -> Result<OpenedEnvelope, AlertsError> {
    let header = header_for(me, envelope)?;
    if header.sender != from.mailbox() {
        return Err(AlertsError::UnknownSender);
    }
    let mode = OpModeR::Auth(from.hpke_key()?);
    open_with(&mode, me, header, envelope, now)
}

/// Opens a pairing hello sealed in PSK mode for `me` with the invitation's `psk` and `psk_id`.
///
/// # Errors
/// As [`open`] (but any sender is accepted: knowing the code is the proof).
pub fn open_hello(
    me: &DeviceKeys,
    envelope: &[u8],
    psk: &[u8; 32],
    psk_id: &[u8; 16],
    now: u64,
) -> Result<OpenedEnvelope, AlertsError> {
    let header = header_for(me, envelope)?;
    let bundle = PskBundle::new(psk, psk_id).map_err(|_| AlertsError::Tampered)?;
    open_with(&OpModeR::Psk(bundle), me, header, envelope, now)
}

fn open_with(
    mode: &OpModeR<'_, X25519HkdfSha256>,
    me: &DeviceKeys,
    header: EnvelopeHeader,
    envelope: &[u8],
    now: u64,
) -> Result<OpenedEnvelope, AlertsError> {
    if header.expires_at <= now {
        return Err(AlertsError::Expired);
    }
    let enc = EncappedKey::from_bytes(&envelope[HEADER_LEN..HEADER_LEN + ENC_LEN])
        .map_err(|_| AlertsError::Tampered)?;
    let plaintext = hpke::single_shot_open::<ChaCha20Poly1305, HkdfSha256, X25519HkdfSha256>(
        mode,
        me.hpke_private(),
        &enc,
        ENVELOPE_INFO,
        &envelope[HEADER_LEN + ENC_LEN..],
        &envelope[..HEADER_LEN],
    )
    .map_err(|_| AlertsError::Tampered)?;
    Ok(OpenedEnvelope { header, plaintext })
}

fn check_addresses(
    header: &EnvelopeHeader,
    sender: thecal_proto::MailboxId,
    to: &Bundle,
) -> Result<(), AlertsError> {
    if header.sender == sender && header.recipient == to.mailbox() {
        Ok(())
    } else {
        Err(header_mismatch())
    }
}

fn header_mismatch() -> AlertsError {
    AlertsError::Malformed {
        what: "envelope header",
        reason: "its sender or recipient does not match the keys".into(),
    }
}
