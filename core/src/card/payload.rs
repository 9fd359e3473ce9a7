//! The signed, QR-friendly card payload, in the spirit of the EU digital COVID certificate:
//!
//! `THECAL1:` + base45( CBOR array [ body: bstr, signature: bstr(64) ] )
//!
//! where `body` is the CBOR map { 1: version, 2: issuer key id (8 bytes), 3: issued (Unix
//! seconds), 4: expires (Unix seconds), 5: card } and the signature is Ed25519 by the issuing
//! clinic's key over `THECAL-CARD-1\0` followed by the body bytes. Keys are small integers and
//! the MRI figures whole numbers, so a full card fits a QR code a phone camera reads easily.
//! Decoding is strict: unknown keys, wrong types, trailing bytes are all rejected.

use std::collections::BTreeMap;

use ciborium::Value;
use ed25519_dalek::{Signature, Signer as _, SigningKey, Verifier as _, VerifyingKey};

use super::Error;
use super::data::{
    CardClinic, CardContact, CardData, CardDevice, CardDrug, CardMri, MriConditions, MriStatus,
    MriStep,
};
use super::keys::{KeyId, key_id_of};
use crate::model::{Concentration, PumpKind, UtcDateTime};

/// The text every card payload starts with (upper case: QR alphanumeric mode).
pub const PREFIX: &str = "THECAL1:";
/// The payload format version.
const VERSION: u64 = 1;
/// Signed before the body, so a signature made for anything else never verifies as a card.
const DOMAIN: &[u8] = b"THECAL-CARD-1\0";
/// No card payload is larger than this (bytes after base45 decoding): a QR code holds less.
const MAX_BYTES: usize = 3_000;

/// What checking a card payload found.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
#[cfg_attr(feature = "uniffi", derive(uniffi::Enum))]
pub enum VerifyStatus {
    /// Signed by a trusted clinic, unchanged, not expired.
    Valid,
    /// Signed by a trusted clinic and unchanged, but past its expiry date.
    Expired,
    /// Signed by a clinic key this device does not trust: nothing on it can be vouched for.
    UnknownIssuer,
    /// Changed after signing, or damaged: do not rely on it.
    Tampered,
    /// Not a Thecal card payload at all.
    NotACard,
}

/// The result of checking a card payload.
#[derive(Debug, Clone, PartialEq, Eq)]
#[cfg_attr(feature = "uniffi", derive(uniffi::Record))]
pub struct VerifyResult {
    /// The verdict.
    pub status: VerifyStatus,
    /// The card, only when the signature checked out ([`VerifyStatus::Valid`] or
    /// [`VerifyStatus::Expired`]).
    pub card: Option<CardData>,
    /// The issuer's key id (hex), when the payload could be read that far.
    pub key_id: Option<String>,
    /// The trusted issuer's name, when known.
    pub issuer_name: Option<String>,
    /// When it was issued, when the signature checked out.
    pub issued_at: Option<UtcDateTime>,
    /// When it expires, when the signature checked out.
    pub expires_at: Option<UtcDateTime>,
}

impl VerifyResult {
    fn bare(status: VerifyStatus, key_id: Option<&KeyId>) -> Self {
        Self {
            status,
            card: None,
            key_id: key_id.map(KeyId::to_hex),
            issuer_name: None,
            issued_at: None,
            expires_at: None,
        }
    }
}

/// A trusted issuer's public key, as a lookup returns it.
#[derive(Debug, Clone)]
pub struct Issuer {
    /// The clinic's name.
    pub name: String,
    /// Its Ed25519 public key.
    pub public_key: [u8; 32],
}

/// Signs `card` with the clinic key `pkcs8` and encodes it as QR text.
///
/// # Errors
/// [`Error::Invalid`] for a card that does not validate or dates out of order;
/// [`Error::Internal`] for a damaged key.
pub fn sign(
    card: &CardData,
    pkcs8: &[u8],
    issued: UtcDateTime,
    expires: UtcDateTime,
) -> Result<String, Error> {
    let pair = super::keys::signing_key_of(pkcs8).map_err(|_| Error::Internal {
        context: "reading the clinic key".into(),
    })?;
    sign_with(card, &pair, issued, expires)
}

/// [`sign`] with a key pair already loaded.
fn sign_with(
    card: &CardData,
    pair: &SigningKey,
    issued: UtcDateTime,
    expires: UtcDateTime,
) -> Result<String, Error> {
    card.validate_shape()?;
    if expires <= issued {
        return Err(Error::invalid("expires_at", "is not after the issue date"));
    }
    let kid = key_id_of(pair.verifying_key().as_bytes());
    let body = Value::Map(vec![
        (int(1), int(VERSION)),
        (int(2), Value::Bytes(kid.0.to_vec())),
        (int(3), Value::Integer(issued.timestamp().into())),
        (int(4), Value::Integer(expires.timestamp().into())),
        (int(5), encode_card(card)),
    ]);
    let body = to_cbor(&body)?;
    let sig = pair.sign(&signed_message(&body));
    let envelope = to_cbor(&Value::Array(vec![
        Value::Bytes(body),
        Value::Bytes(sig.to_bytes().to_vec()),
    ]))?;
    Ok(format!("{PREFIX}{}", base45::encode(&envelope)))
}

/// Checks a card payload offline: `issuers` looks up a trusted issuer by key id, `now` decides
/// expiry. Never panics, whatever the text.
pub fn verify(
    text: &str,
    mut issuers: impl FnMut(&KeyId) -> Option<Issuer>,
    now: UtcDateTime,
) -> VerifyResult {
    let Some((body, sig)) = envelope(text) else {
        return VerifyResult::bare(VerifyStatus::NotACard, None);
    };
    let Ok(mut fields) = from_cbor(&body).and_then(int_map) else {
        return VerifyResult::bare(VerifyStatus::Tampered, None);
    };
    let Some(kid) = fields
        .get(&2)
        .and_then(Value::as_bytes)
        .and_then(|b| <[u8; 8]>::try_from(b.as_slice()).ok())
        .map(KeyId)
    else {
        return VerifyResult::bare(VerifyStatus::Tampered, None);
    };
    let Some(issuer) = issuers(&kid) else {
        return VerifyResult::bare(VerifyStatus::UnknownIssuer, Some(&kid));
    };
    if key_id_of(&issuer.public_key) != kid
        || !verifies(&issuer.public_key, &signed_message(&body), &sig)
    {
        return VerifyResult::bare(VerifyStatus::Tampered, Some(&kid));
    }
    // Signed by a trusted key: anything unreadable now is a bug or a bad issuer, never a card.
    let Some((issued, expires, card)) = decode_body(&mut fields) else {
        return VerifyResult::bare(VerifyStatus::Tampered, Some(&kid));
    };
    VerifyResult {
        status: if now >= expires {
            VerifyStatus::Expired
        } else {
            VerifyStatus::Valid
        },
        card: Some(card),
        key_id: Some(kid.to_hex()),
        issuer_name: Some(issuer.name),
        issued_at: Some(issued),
        expires_at: Some(expires),
    }
}

/// Decodes the payload's structure and card WITHOUT checking the signature (fuzzing, tests,
/// and showing what an unverifiable card claims). `None` for anything malformed.
#[must_use]
pub fn decode_unverified(text: &str) -> Option<(KeyId, UtcDateTime, UtcDateTime, CardData)> {
    let (body, _) = envelope(text)?;
    let mut fields = from_cbor(&body).and_then(int_map).ok()?;
    let kid = fields
        .get(&2)
        .and_then(Value::as_bytes)
        .and_then(|b| <[u8; 8]>::try_from(b.as_slice()).ok())
        .map(KeyId)?;
    let (issued, expires, card) = decode_body(&mut fields)?;
    Some((kid, issued, expires, card))
}

/// Whether `signature` is `public_key`'s Ed25519 signature of `message` (RFC 8032).
fn verifies(public_key: &[u8; 32], message: &[u8], signature: &[u8]) -> bool {
    let Ok(key) = VerifyingKey::from_bytes(public_key) else {
        return false;
    };
    Signature::from_slice(signature).is_ok_and(|s| key.verify(message, &s).is_ok())
}

fn signed_message(body: &[u8]) -> Vec<u8> {
    let mut m = Vec::with_capacity(DOMAIN.len() + body.len());
    m.extend_from_slice(DOMAIN);
    m.extend_from_slice(body);
    m
}

/// Prefix, base45 and the envelope array: `(body bytes, signature bytes)`.
fn envelope(text: &str) -> Option<(Vec<u8>, Vec<u8>)> {
    let b45 = text.strip_prefix(PREFIX)?;
    if b45.len() > MAX_BYTES * 3 / 2 + 3 {
        return None;
    }
    let bytes = base45::decode(b45).ok()?;
    let Value::Array(items) = from_cbor(&bytes).ok()? else {
        return None;
    };
    let [Value::Bytes(body), Value::Bytes(sig)] = <[Value; 2]>::try_from(items).ok()? else {
        return None;
    };
    (sig.len() == 64).then_some((body, sig))
}

fn decode_body(fields: &mut BTreeMap<u64, Value>) -> Option<(UtcDateTime, UtcDateTime, CardData)> {
    if uint(fields.remove(&1)?)? != VERSION {
        return None;
    }
    fields.remove(&2)?;
    let issued = time(fields.remove(&3)?)?;
    let expires = time(fields.remove(&4)?)?;
    let card = decode_card(fields.remove(&5)?)?;
    if !fields.is_empty() || expires <= issued || card.validate_shape().is_err() {
        return None;
    }
    Some((issued, expires, card))
}

fn encode_card(c: &CardData) -> Value {
    let mut m = vec![
        (int(1), txt(&c.patient_name)),
        (int(2), encode_device(&c.device)),
        (int(3), txt(&c.implant_date)),
        (
            int(4),
            Value::Array(vec![
                txt(&c.clinic.name),
                txt(&c.clinic.physician),
                txt(&c.clinic.phone),
            ]),
        ),
        (
            int(5),
            Value::Array(
                c.drugs
                    .iter()
                    .map(|d| {
                        Value::Array(vec![
                            txt(&d.name),
                            int(u64::from(d.concentration.micrograms_per_milliliter)),
                        ])
                    })
                    .collect(),
            ),
        ),
    ];
    if let Some(cat) = &c.catheter {
        m.push((int(6), txt(cat)));
    }
    if let Some(e) = &c.emergency_contact {
        m.push((int(7), Value::Array(vec![txt(&e.name), txt(&e.phone)])));
    }
    m.push((int(8), encode_mri(&c.mri)));
    Value::Map(m)
}

fn encode_device(d: &CardDevice) -> Value {
    let mut m = vec![
        (int(1), txt(&d.name)),
        (
            int(2),
            int(match d.kind {
                PumpKind::Implanted => 0,
                PumpKind::External => 1,
            }),
        ),
        (int(3), txt(&d.manufacturer)),
        (int(4), txt(&d.model)),
        (int(5), txt(&d.serial)),
    ];
    if let Some(lot) = &d.lot {
        m.push((int(6), txt(lot)));
    }
    if let Some(udi) = &d.udi {
        m.push((int(7), txt(udi)));
    }
    Value::Map(m)
}

fn encode_mri(mri: &CardMri) -> Value {
    let mut m = vec![];
    match &mri.status {
        MriStatus::Safe => m.push((int(1), int(0))),
        MriStatus::Conditional { conditions: c } => {
            m.push((int(1), int(1)));
            m.push((
                int(2),
                Value::Array(
                    c.static_field_mt
                        .iter()
                        .map(|&f| int(u64::from(f)))
                        .collect(),
                ),
            ));
            m.push((int(3), int(u64::from(c.max_spatial_gradient_mt_per_m))));
            m.push((int(4), int(u64::from(c.max_whole_body_sar_mw_per_kg))));
        }
        MriStatus::Unsafe => m.push((int(1), int(2))),
    }
    if !mri.steps.is_empty() {
        m.push((
            int(5),
            Value::Array(mri.steps.iter().map(|s| int(u64::from(s.code()))).collect()),
        ));
    }
    if let Some(p) = &mri.protocol_source {
        m.push((int(6), txt(p)));
    }
    Value::Map(m)
}

fn decode_card(v: Value) -> Option<CardData> {
    let mut m = int_map(v).ok()?;
    let patient_name = string(m.remove(&1)?)?;
    let device = decode_device(m.remove(&2)?)?;
    let implant_date = string(m.remove(&3)?)?;
    let [name, physician, phone] = <[Value; 3]>::try_from(array(m.remove(&4)?)?).ok()?;
    let clinic = CardClinic {
        name: string(name)?,
        physician: string(physician)?,
        phone: string(phone)?,
    };
    let drugs = array(m.remove(&5)?)?
        .into_iter()
        .map(|d| {
            let [name, c] = <[Value; 2]>::try_from(array(d)?).ok()?;
            Some(CardDrug {
                name: string(name)?,
                concentration: Concentration {
                    micrograms_per_milliliter: u32::try_from(uint(c)?).ok()?,
                },
            })
        })
        .collect::<Option<Vec<_>>>()?;
    let catheter = m
        .remove(&6)
        .map(string)
        .map_or(Some(None), |s| s.map(Some))?;
    let emergency_contact = match m.remove(&7) {
        None => None,
        Some(v) => {
            let [name, phone] = <[Value; 2]>::try_from(array(v)?).ok()?;
            Some(CardContact {
                name: string(name)?,
                phone: string(phone)?,
            })
        }
    };
    let mri = decode_mri(m.remove(&8)?)?;
    m.is_empty().then_some(CardData {
        patient_name,
        device,
        implant_date,
        clinic,
        drugs,
        catheter,
        emergency_contact,
        mri,
    })
}

fn decode_device(v: Value) -> Option<CardDevice> {
    let mut m = int_map(v).ok()?;
    let d = CardDevice {
        name: string(m.remove(&1)?)?,
        kind: match uint(m.remove(&2)?)? {
            0 => PumpKind::Implanted,
            1 => PumpKind::External,
            _ => return None,
        },
        manufacturer: string(m.remove(&3)?)?,
        model: string(m.remove(&4)?)?,
        serial: string(m.remove(&5)?)?,
        lot: m
            .remove(&6)
            .map(string)
            .map_or(Some(None), |s| s.map(Some))?,
        udi: m
            .remove(&7)
            .map(string)
            .map_or(Some(None), |s| s.map(Some))?,
    };
    m.is_empty().then_some(d)
}

fn decode_mri(v: Value) -> Option<CardMri> {
    let mut m = int_map(v).ok()?;
    let status = match uint(m.remove(&1)?)? {
        0 => MriStatus::Safe,
        1 => MriStatus::Conditional {
            conditions: MriConditions {
                static_field_mt: array(m.remove(&2)?)?
                    .into_iter()
                    .map(|f| u32::try_from(uint(f)?).ok())
                    .collect::<Option<_>>()?,
                max_spatial_gradient_mt_per_m: u32::try_from(uint(m.remove(&3)?)?).ok()?,
                max_whole_body_sar_mw_per_kg: u32::try_from(uint(m.remove(&4)?)?).ok()?,
            },
        },
        2 => MriStatus::Unsafe,
        _ => return None,
    };
    let steps = match m.remove(&5) {
        None => vec![],
        Some(v) => array(v)?
            .into_iter()
            .map(|s| MriStep::from_code(uint(s)?))
            .collect::<Option<_>>()?,
    };
    let protocol_source = m
        .remove(&6)
        .map(string)
        .map_or(Some(None), |s| s.map(Some))?;
    m.is_empty().then_some(CardMri {
        status,
        steps,
        protocol_source,
    })
}

fn int(n: u64) -> Value {
    Value::Integer(n.into())
}

fn txt(s: &str) -> Value {
    Value::Text(s.to_owned())
}

fn uint(v: Value) -> Option<u64> {
    match v {
        Value::Integer(i) => u64::try_from(i).ok(),
        _ => None,
    }
}

fn string(v: Value) -> Option<String> {
    match v {
        Value::Text(s) => Some(s),
        _ => None,
    }
}

fn array(v: Value) -> Option<Vec<Value>> {
    match v {
        Value::Array(a) => Some(a),
        _ => None,
    }
}

fn time(v: Value) -> Option<UtcDateTime> {
    let secs = match v {
        Value::Integer(i) => i64::try_from(i).ok()?,
        _ => return None,
    };
    chrono::DateTime::from_timestamp(secs, 0)
}

/// A map with unsigned integer keys, each once.
fn int_map(v: Value) -> Result<BTreeMap<u64, Value>, ()> {
    let Value::Map(entries) = v else {
        return Err(());
    };
    let mut out = BTreeMap::new();
    for (k, v) in entries {
        let k = uint(k).ok_or(())?;
        if out.insert(k, v).is_some() {
            return Err(());
        }
    }
    Ok(out)
}

fn to_cbor(v: &Value) -> Result<Vec<u8>, Error> {
    let mut out = Vec::new();
    ciborium::ser::into_writer(v, &mut out).map_err(|_| Error::Internal {
        context: "encoding the card payload".into(),
    })?;
    Ok(out)
}

/// One CBOR item filling `bytes` exactly (trailing bytes are an error).
fn from_cbor(bytes: &[u8]) -> Result<Value, ()> {
    if bytes.len() > MAX_BYTES {
        return Err(());
    }
    let mut rest = bytes;
    let v: Value = ciborium::de::from_reader_with_recursion_limit(&mut rest, 16).map_err(|_| ())?;
    if rest.is_empty() { Ok(v) } else { Err(()) }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::card::data::tests::sample;
    use crate::card::keys::generate_pkcs8;
    use chrono::{Duration, TimeZone, Utc};
    use proptest::prelude::*;

    fn t0() -> UtcDateTime {
        Utc.with_ymd_and_hms(2026, 11, 25, 9, 0, 0).unwrap()
    }

    fn key() -> (Vec<u8>, Issuer) {
        let pkcs8 = generate_pkcs8().unwrap();
        let public_key = crate::card::keys::public_key_of(&pkcs8).unwrap();
        (
            pkcs8,
            Issuer {
                name: "Hôpital Saint-Roch".into(),
                public_key,
            },
        )
    }

    fn lookup(issuer: &Issuer) -> impl Fn(&KeyId) -> Option<Issuer> + '_ {
        move |kid| (key_id_of(&issuer.public_key) == *kid).then(|| issuer.clone())
    }

    #[test]
    fn a_signed_card_verifies_and_round_trips() {
        let (pkcs8, issuer) = key();
        let text = sign(&sample(), &pkcs8, t0(), t0() + Duration::days(365)).unwrap();
        assert!(text.starts_with(PREFIX));
        assert!(
            text.chars()
                .all(|c| "0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZ $%*+-./:".contains(c)),
            "QR alphanumeric characters only"
        );
        let r = verify(&text, lookup(&issuer), t0() + Duration::days(1));
        assert_eq!(r.status, VerifyStatus::Valid);
        assert_eq!(r.card, Some(sample()));
        assert_eq!(r.issuer_name.as_deref(), Some("Hôpital Saint-Roch"));
        assert_eq!(r.issued_at, Some(t0()));
        assert_eq!(r.expires_at, Some(t0() + Duration::days(365)));
        assert_eq!(r.key_id, Some(key_id_of(&issuer.public_key).to_hex()));
    }

    #[test]
    fn expired_unknown_issuer_and_not_a_card() {
        let (pkcs8, issuer) = key();
        let text = sign(&sample(), &pkcs8, t0(), t0() + Duration::days(30)).unwrap();
        let r = verify(&text, lookup(&issuer), t0() + Duration::days(30));
        assert_eq!(r.status, VerifyStatus::Expired);
        assert_eq!(
            r.card,
            Some(sample()),
            "an expired card still shows what it says"
        );
        let (_, other) = key();
        let r = verify(&text, lookup(&other), t0());
        assert_eq!(r.status, VerifyStatus::UnknownIssuer);
        assert_eq!(r.card, None);
        assert_eq!(r.key_id, Some(key_id_of(&issuer.public_key).to_hex()));
        for junk in [
            "",
            "THECAL1:",
            "hello",
            "HC1:6BFOXN%TS3DH0YOJ58S",
            "THECAL1:zz",
        ] {
            assert_eq!(
                verify(junk, lookup(&issuer), t0()).status,
                VerifyStatus::NotACard
            );
        }
    }

    #[test]
    fn a_key_swapped_in_under_a_trusted_id_is_tampering() {
        let (pkcs8, issuer) = key();
        let (_, other) = key();
        let text = sign(&sample(), &pkcs8, t0(), t0() + Duration::days(30)).unwrap();
        // A lookup that wrongly returns another key for this id.
        let r = verify(&text, |_| Some(other.clone()), t0());
        assert_eq!(r.status, VerifyStatus::Tampered);
        assert_eq!(
            verify(&text, lookup(&issuer), t0()).status,
            VerifyStatus::Valid
        );
    }

    #[test]
    fn every_card_shape_round_trips() {
        let (pkcs8, issuer) = key();
        let mut c = sample();
        c.catheter = None;
        c.emergency_contact = None;
        c.device.lot = None;
        c.device.udi = None;
        c.device.kind = PumpKind::External;
        c.mri = CardMri {
            status: MriStatus::Unsafe,
            steps: vec![],
            protocol_source: None,
        };
        for card in [c.clone(), {
            c.mri.status = MriStatus::Safe;
            c
        }] {
            let text = sign(&card, &pkcs8, t0(), t0() + Duration::days(1)).unwrap();
            assert_eq!(verify(&text, lookup(&issuer), t0()).card, Some(card));
        }
    }

    #[test]
    fn an_invalid_card_or_dates_out_of_order_are_refused_before_signing() {
        let (pkcs8, _) = key();
        let mut c = sample();
        c.clinic.phone = "x".into();
        assert!(matches!(
            sign(&c, &pkcs8, t0(), t0() + Duration::days(1)),
            Err(Error::Invalid(e)) if e.field == "clinic.phone"
        ));
        assert!(matches!(
            sign(&sample(), &pkcs8, t0(), t0()),
            Err(Error::Invalid(e)) if e.field == "expires_at"
        ));
    }

    /// The wire format, pinned: a change here breaks every card already printed.
    #[test]
    fn payload_snapshot() {
        let pair = SigningKey::from_bytes(&[7; 32]);
        let text = sign_with(&sample(), &pair, t0(), t0() + Duration::days(365)).unwrap();
        let envelope = base45::decode(&text[PREFIX.len()..]).unwrap();
        let Value::Array(items) = from_cbor(&envelope).unwrap() else {
            panic!("not an array")
        };
        let body = items[0].as_bytes().unwrap();
        insta::assert_snapshot!(format!(
            "text ({} characters):\n{text}\n\nbody ({} bytes):\n{}\n",
            text.len(),
            body.len(),
            crate::card::to_hex(body)
        ));
    }

    #[test]
    fn the_payload_fits_an_easily_read_qr_code() {
        let (pkcs8, _) = key();
        let text = sign(&sample(), &pkcs8, t0(), t0() + Duration::days(365)).unwrap();
        assert!(text.len() < 900, "payload is {} characters", text.len());
    }

    /// Flipping any bit of any byte of the decoded payload never gives a valid card.
    #[test]
    fn every_flipped_byte_is_detected() {
        let (pkcs8, issuer) = key();
        let text = sign(&sample(), &pkcs8, t0(), t0() + Duration::days(365)).unwrap();
        let bytes = base45::decode(&text[PREFIX.len()..]).unwrap();
        for i in 0..bytes.len() {
            for bit in [0x01, 0x80] {
                let mut b = bytes.clone();
                b[i] ^= bit;
                let t = format!("{PREFIX}{}", base45::encode(&b));
                let r = verify(&t, lookup(&issuer), t0());
                assert!(
                    !matches!(r.status, VerifyStatus::Valid | VerifyStatus::Expired)
                        && r.card.is_none(),
                    "byte {i} bit {bit:#x}: {:?}",
                    r.status
                );
            }
        }
        // Appending a byte is detected too.
        let mut b = bytes.clone();
        b.push(0);
        let t = format!("{PREFIX}{}", base45::encode(&b));
        assert_ne!(
            verify(&t, lookup(&issuer), t0()).status,
            VerifyStatus::Valid
        );
    }

    proptest! {
        #![proptest_config(ProptestConfig::with_cases(64))]
        /// Changing any character of the text never gives a valid card.
        #[test]
        fn every_changed_character_is_detected(pos in 0usize..2000, c in proptest::sample::select(
            "0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZ $%*+-./:a".chars().collect::<Vec<_>>())) {
            let (pkcs8, issuer) = key();
            let text = sign(&sample(), &pkcs8, t0(), t0() + Duration::days(365)).unwrap();
            let pos = pos % text.len();
            let mut chars: Vec<char> = text.chars().collect();
            prop_assume!(chars[pos] != c);
            chars[pos] = c;
            let t: String = chars.into_iter().collect();
            prop_assert_ne!(verify(&t, lookup(&issuer), t0()).status, VerifyStatus::Valid);
        }

        /// Any text at all: no panic, and never valid.
        #[test]
        fn arbitrary_text_never_panics(s in ".{0,400}", b in proptest::collection::vec(any::<u8>(), 0..400)) {
            let (_, issuer) = key();
            prop_assert_ne!(verify(&s, lookup(&issuer), t0()).status, VerifyStatus::Valid);
            let t = format!("{PREFIX}{}", base45::encode(&b));
            prop_assert_ne!(verify(&t, lookup(&issuer), t0()).status, VerifyStatus::Valid);
            let _ = decode_unverified(&t);
        }

        /// Any valid card survives signing, encoding and verifying unchanged.
        #[test]
        fn every_valid_card_round_trips(
            name in "[A-Za-zÀ-ÿ\u{0621}-\u{064A}][A-Za-zÀ-ÿ\u{0621}-\u{064A}' .-]{0,40}[A-Za-z]",
            serial in "[A-Z0-9][A-Z0-9-]{0,30}",
            lot in proptest::option::of("[A-Z0-9]{1,20}"),
            drugs in proptest::collection::vec(("[A-Za-z][a-z]{0,20}", 1u32..=100_000), 1..=4),
            status in 0u8..3,
            fields in proptest::collection::vec(1u32..=12_000, 1..=4),
            gradient in 1u32..=1_000_000,
            sar in 1u32..=4_000,
            days in 1i64..=3650,
        ) {
            let (pkcs8, issuer) = key();
            let mut card = sample();
            card.patient_name = name;
            card.device.serial = serial;
            card.device.lot = lot;
            card.drugs = drugs
                .into_iter()
                .map(|(name, c)| CardDrug {
                    name,
                    concentration: Concentration { micrograms_per_milliliter: c },
                })
                .collect();
            card.mri.status = match status {
                0 => MriStatus::Safe,
                1 => MriStatus::Unsafe,
                _ => MriStatus::Conditional {
                    conditions: MriConditions {
                        static_field_mt: fields,
                        max_spatial_gradient_mt_per_m: gradient,
                        max_whole_body_sar_mw_per_kg: sar,
                    },
                },
            };
            if status < 2 {
                card.mri.steps.clear();
            }
            prop_assume!(card.validate_shape().is_ok());
            let text = sign(&card, &pkcs8, t0(), t0() + Duration::days(days)).unwrap();
            let r = verify(&text, lookup(&issuer), t0());
            prop_assert_eq!(r.status, VerifyStatus::Valid);
            prop_assert_eq!(r.card, Some(card));
        }
    }
}
