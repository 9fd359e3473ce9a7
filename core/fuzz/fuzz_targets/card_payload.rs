//! The ID card's QR payload parser, on arbitrary input: `verify` and `decode_unverified` may
//! never panic, a card is returned only with a good signature, and nothing unsigned is valid.
//! The same text is also parsed as a clinic's public key (`trust_issuer`'s hex key text).
//!
//! The first byte picks how the rest is used:
//! - 0 mod 3: as the QR text itself (UTF-8, lossy);
//! - 1 mod 3: as the bytes inside `THECAL1:` + base45, so the CBOR envelope parser is reached;
//! - 2 mod 3: as the signed body, sealed in an envelope with a valid signature by a trusted test
//!   key, so the body and card decoders (which run only after the signature checks out) are
//!   reached too.
#![no_main]

use ciborium::Value;
use libfuzzer_sys::fuzz_target;
use ring::signature::{Ed25519KeyPair, KeyPair};
use thecal_core::card::{Issuer, PREFIX, VerifyStatus, key_id_of, payload, verify};
use thecal_core::model::from_millis;

fuzz_target!(|data: &[u8]| {
    let Some((&mode, rest)) = data.split_first() else {
        return;
    };
    let pair = Ed25519KeyPair::from_seed_unchecked(&[7; 32]).expect("a valid seed");
    let public_key: [u8; 32] = pair.public_key().as_ref().try_into().expect("32 bytes");
    let kid = key_id_of(&public_key);
    let issuers = |k: &thecal_core::card::KeyId| {
        (*k == kid).then(|| Issuer {
            name: "fuzz clinic".into(),
            public_key,
        })
    };
    let now = from_millis(1_795_597_200_000).expect("a valid time");
    let text = match mode % 3 {
        0 => {
            let text = String::from_utf8_lossy(rest).into_owned();
            // A clinic's public key as pasted by the patient: 64 hex characters or an error.
            if let Ok(key) = thecal_core::card::keys::public_key_from_hex(&text) {
                assert_eq!(thecal_core::card::to_hex(&key), text.trim().to_ascii_lowercase());
            }
            text
        }
        1 => format!("{PREFIX}{}", base45::encode(rest)),
        _ => {
            let mut message = b"THECAL-CARD-1\0".to_vec();
            message.extend_from_slice(rest);
            let sig = pair.sign(&message);
            let mut envelope = vec![];
            ciborium::ser::into_writer(
                &Value::Array(vec![
                    Value::Bytes(rest.to_vec()),
                    Value::Bytes(sig.as_ref().to_vec()),
                ]),
                &mut envelope,
            )
            .expect("writing to a Vec");
            format!("{PREFIX}{}", base45::encode(&envelope))
        }
    };
    let r = verify(&text, issuers, now);
    let signed = matches!(r.status, VerifyStatus::Valid | VerifyStatus::Expired);
    assert_eq!(r.card.is_some(), signed, "a card only with a good signature");
    if mode % 3 != 2 {
        assert!(!signed, "nothing unsigned verifies");
    }
    if let Some(card) = &r.card {
        assert!(card.validate_shape().is_ok(), "a verified card is a valid card");
    }
    let _ = payload::decode_unverified(&text);
});
