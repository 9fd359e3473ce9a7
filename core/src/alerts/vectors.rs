//! The alerts code against the protocol's worked examples (`tests/vectors/alerts/`, written by an
//! independent Python implementation over pyhpke) and HPKE's own test vectors for this suite
//! (RFC 9180 Appendix A.2, `tests/vectors/hpke/`).

use hpke::aead::ChaCha20Poly1305;
use hpke::kdf::HkdfSha256;
use hpke::kem::{Kem as _, X25519HkdfSha256};
use hpke::{Deserializable as _, OpModeR, OpModeS, PskBundle, Serializable as _};
use serde_json::Value;
use thecal_proto::{EnvelopeHeader, b64u, from_b64u};

use super::envelope::{self, Kind};
use super::random::EphemeralIkm;
use super::{AlertsError, Bundle, DeviceKeys, PairingCode, safety_number, signing};

fn protocol() -> Value {
    serde_json::from_str(include_str!(
        "../../../tests/vectors/alerts/alerts-protocol-v1.json"
    ))
    .expect("the protocol's vectors are JSON")
}

fn rfc9180() -> Value {
    serde_json::from_str(include_str!(
        "../../../tests/vectors/hpke/rfc9180-a2-x25519-sha256-chacha20poly1305.json"
    ))
    .expect("the RFC's vectors are JSON")
}

fn hex32(v: &Value) -> [u8; 32] {
    hex::decode(v.as_str().expect("a hex string"))
        .expect("hex")
        .try_into()
        .expect("32 bytes")
}

fn hexv(v: &Value) -> Vec<u8> {
    hex::decode(v.as_str().expect("a hex string")).expect("hex")
}

fn b64(v: &Value) -> Vec<u8> {
    from_b64u(v.as_str().expect("a b64u string")).expect("b64u")
}

fn device(v: &Value, name: &str) -> DeviceKeys {
    let d = &v["devices"][name];
    DeviceKeys::derive(
        hex32(&d["ed25519_seed_hex"]),
        &hexv(&d["x25519_derive_ikm_hex"]),
    )
    .expect("the example's keys")
}

#[test]
fn device_keys_bundles_and_mailboxes_match_the_worked_examples() {
    let v = protocol();
    for name in ["patient", "caregiver1", "caregiver2"] {
        let keys = device(&v, name);
        let d = &v["devices"][name];
        assert_eq!(b64u(&keys.bundle().signing), d["ed25519_public_b64u"]);
        assert_eq!(b64u(&keys.bundle().hpke), d["x25519_public_b64u"]);
        assert_eq!(keys.bundle().to_b64u(), d["bundle_b64u"]);
        assert_eq!(keys.mailbox().to_string(), d["mailbox_id_b64u"]);
        assert_eq!(
            keys.to_secret()[33..].to_vec(),
            hexv(&d["x25519_private_hex"])
        );
        let back = DeviceKeys::from_secret(&keys.to_secret()).unwrap();
        assert_eq!(back.bundle(), keys.bundle());
    }
}

#[test]
fn the_safety_number_matches_and_is_the_same_from_both_sides() {
    let v = protocol();
    let (p, c) = (device(&v, "patient"), device(&v, "caregiver1"));
    let n = safety_number(&p.bundle(), &c.bundle());
    assert_eq!(n, v["safety_number"]["value"]);
    assert_eq!(safety_number(&c.bundle(), &p.bundle()), n);
    let other = safety_number(&p.bundle(), &device(&v, "caregiver2").bundle());
    assert_ne!(other, n);
}

#[test]
fn the_alert_envelope_is_sealed_byte_for_byte_and_opens() {
    let v = protocol();
    let e = &v["envelope"];
    let (patient, carer) = (device(&v, "patient"), device(&v, "caregiver1"));
    let expected = b64(&e["envelope_b64u"]);
    let header = EnvelopeHeader::parse(&expected).unwrap();
    assert_eq!(hex::encode(header.to_bytes()), e["header_hex"]);
    assert_eq!(header.kind, Kind::Alert as u8);
    assert_eq!(header.seq, 42);
    let pt = e["plaintext_utf8"].as_str().unwrap().as_bytes();
    let sealed = envelope::seal(
        &patient,
        &carer.bundle(),
        &header,
        pt,
        Some(hex32(&e["ephemeral_derive_ikm_hex"])),
    )
    .unwrap();
    assert_eq!(
        sealed, expected,
        "the same bytes as the independent implementation"
    );
    let now = header.expires_at - 1;
    let opened = envelope::open(&carer, &patient.bundle(), &expected, now).unwrap();
    assert_eq!(opened.plaintext, pt);
    assert_eq!(opened.header, header);
}

#[test]
fn a_tampered_expired_misaddressed_or_foreign_envelope_is_refused() {
    let v = protocol();
    let e = &v["envelope"];
    let (patient, carer, other) = (
        device(&v, "patient"),
        device(&v, "caregiver1"),
        device(&v, "caregiver2"),
    );
    let good = b64(&e["envelope_b64u"]);
    let now = EnvelopeHeader::parse(&good).unwrap().expires_at - 1;
    let tampered = b64(&e["tampered_seq_must_fail_b64u"]);
    assert_eq!(
        envelope::open(&carer, &patient.bundle(), &tampered, now),
        Err(AlertsError::Tampered)
    );
    for i in [1, 40, 70, 120, good.len() - 1] {
        let mut bad = good.clone();
        bad[i] ^= 0x01;
        assert!(
            envelope::open(&carer, &patient.bundle(), &bad, now).is_err(),
            "byte {i} altered"
        );
    }
    assert_eq!(
        envelope::open(&carer, &patient.bundle(), &good, now + 1),
        Err(AlertsError::Expired)
    );
    assert_eq!(
        envelope::open(&other, &patient.bundle(), &good, now),
        Err(AlertsError::NotForThisDevice)
    );
    assert_eq!(
        envelope::open(&carer, &other.bundle(), &good, now),
        Err(AlertsError::UnknownSender)
    );
    let mut newer = good.clone();
    newer[0] = 2;
    assert_eq!(
        envelope::open(&carer, &patient.bundle(), &newer, now),
        Err(AlertsError::NewerVersion { version: 2 })
    );
    assert!(matches!(
        envelope::open(&carer, &patient.bundle(), &good[..100], now),
        Err(AlertsError::Malformed { .. })
    ));
}

#[test]
fn receipts_and_escalations_of_the_examples_open() {
    let v = protocol();
    let (patient, carer1, carer2) = (
        device(&v, "patient"),
        device(&v, "caregiver1"),
        device(&v, "caregiver2"),
    );
    let receipt = b64(&v["receipt"]["envelope_b64u"]);
    let h = EnvelopeHeader::parse(&receipt).unwrap();
    let opened = envelope::open(&patient, &carer1.bundle(), &receipt, h.expires_at - 1).unwrap();
    assert_eq!(
        opened.plaintext,
        v["receipt"]["plaintext_utf8"].as_str().unwrap().as_bytes()
    );
    let escalation = b64(&v["escalation"]["envelope_b64u"]);
    let h = EnvelopeHeader::parse(&escalation).unwrap();
    let opened = envelope::open(&carer2, &patient.bundle(), &escalation, h.expires_at - 1).unwrap();
    let alert: Value = serde_json::from_slice(&opened.plaintext).unwrap();
    assert_eq!(alert["cancel_token"], v["escalation"]["cancel_token_b64u"]);
    let token = b64(&v["escalation"]["cancel_token_b64u"]);
    assert_eq!(
        b64u(&thecal_proto::cancel_hash(&token)),
        v["escalation"]["cancel_hash_b64u"]
    );
}

#[test]
fn the_pairing_derivations_bundle_and_hello_match() {
    let v = protocol();
    let p = &v["pairing"];
    let (patient, carer) = (device(&v, "patient"), device(&v, "caregiver1"));
    let code = PairingCode::parse(p["code_shown"].as_str().unwrap()).unwrap();
    assert_eq!(code.as_str(), p["code_normalized"]);
    let s = code.secrets();
    assert_eq!(b64u(&s.invite_id), p["invite_id_b64u"]);
    assert_eq!(hex::encode(s.bundle_key), p["bundle_key_hex"]);
    assert_eq!(hex::encode(s.psk), p["psk_hex"]);
    assert_eq!(
        b64u(&s.seal_bundle(&patient.bundle())),
        p["sealed_bundle_b64u"]
    );
    assert_eq!(
        s.open_bundle_b64u(p["sealed_bundle_b64u"].as_str().unwrap()),
        Ok(patient.bundle())
    );
    assert_eq!(code.qr_text("relay.example.org"), p["qr_text"]);
    let hello = b64(&p["hello_envelope_b64u"]);
    let h = EnvelopeHeader::parse(&hello).unwrap();
    assert_eq!(h.kind, Kind::PairingHello as u8);
    let opened =
        envelope::open_hello(&patient, &hello, &s.psk, &s.invite_id, h.expires_at - 1).unwrap();
    assert_eq!(
        opened.plaintext,
        p["hello_plaintext_utf8"].as_str().unwrap().as_bytes()
    );
    let said: Value = serde_json::from_slice(&opened.plaintext).unwrap();
    assert_eq!(
        Bundle::parse_b64u(said["bundle"].as_str().unwrap()),
        Ok(carer.bundle())
    );
    // Another code's PSK does not open it.
    let wrong = PairingCode::parse("7KD3MX9Q2Q").unwrap().secrets();
    assert_eq!(
        envelope::open_hello(
            &patient,
            &hello,
            &wrong.psk,
            &wrong.invite_id,
            h.expires_at - 1
        ),
        Err(AlertsError::Tampered)
    );
    // Our own hello opens on the other side.
    let sealed = envelope::seal_hello(
        &patient.bundle(),
        &h,
        &opened.plaintext,
        &s.psk,
        &s.invite_id,
        None,
    )
    .unwrap();
    assert_eq!(
        envelope::open_hello(&patient, &sealed, &s.psk, &s.invite_id, h.expires_at - 1)
            .unwrap()
            .plaintext,
        opened.plaintext
    );
}

#[test]
fn both_signed_requests_match_the_examples_and_verify() {
    let v = protocol();
    for (name, body) in [
        ("signed_request", b64(&v["envelope"]["envelope_b64u"])),
        ("signed_get", Vec::new()),
    ] {
        let r = &v[name];
        let keys = device(&v, r["signer"].as_str().unwrap());
        let nonce: [u8; 16] = b64(&r["nonce"]).try_into().unwrap();
        let signed = signing::sign_with_nonce(
            &keys,
            r["method"].as_str().unwrap(),
            r["target"].as_str().unwrap(),
            &body,
            r["timestamp"].as_i64().unwrap(),
            &nonce,
        );
        assert_eq!(signed.signature, r["signature_b64u"], "{name}");
        assert_eq!(signed.key, r["key"]);
        let canonical = r["canonical"].as_str().unwrap();
        assert!(
            keys.bundle()
                .verifies(canonical.as_bytes(), &b64(&r["signature_b64u"]))
        );
    }
}

/// RFC 9180 A.2: every mode of this suite, key derivation, the sequence of encryptions of a
/// context, and single-shot opening by the receiver.
#[test]
fn the_hpke_crate_passes_rfc_9180s_vectors_for_this_suite() {
    let v = rfc9180();
    let vectors = v["vectors"].as_array().unwrap();
    assert_eq!(vectors.len(), 4, "base, psk, auth, auth_psk");
    for t in vectors {
        assert_eq!(
            (
                t["kem_id"].as_u64(),
                t["kdf_id"].as_u64(),
                t["aead_id"].as_u64()
            ),
            (Some(32), Some(1), Some(3))
        );
        let mode = t["mode"].as_u64().unwrap();
        let (sk_r, pk_r) = X25519HkdfSha256::derive_keypair(&hexv(&t["ikmR"]));
        assert_eq!(hex::encode(sk_r.to_bytes()), t["skRm"]);
        assert_eq!(hex::encode(pk_r.to_bytes()), t["pkRm"]);
        let sender = (mode >= 2).then(|| X25519HkdfSha256::derive_keypair(&hexv(&t["ikmS"])));
        if let Some((sk, pk)) = &sender {
            assert_eq!(hex::encode(sk.to_bytes()), t["skSm"]);
            assert_eq!(hex::encode(pk.to_bytes()), t["pkSm"]);
        }
        let (psk, psk_id) = (
            t.get("psk").map(hexv).unwrap_or_default(),
            t.get("psk_id").map(hexv).unwrap_or_default(),
        );
        let bundle = || PskBundle::new(&psk, &psk_id).unwrap();
        let mode_s = match (mode, &sender) {
            (0, _) => OpModeS::Base,
            (1, _) => OpModeS::Psk(bundle()),
            (2, Some(s)) => OpModeS::Auth(s.clone()),
            (3, Some(s)) => OpModeS::AuthPsk(s.clone(), bundle()),
            _ => unreachable!("modes 0 to 3"),
        };
        let info = hexv(&t["info"]);
        let mut rng = EphemeralIkm::new(hex32(&t["ikmE"]));
        let (enc, mut ctx) =
            hpke::setup_sender::<ChaCha20Poly1305, HkdfSha256, X25519HkdfSha256, _>(
                &mode_s, &pk_r, &info, &mut rng,
            )
            .unwrap();
        assert_eq!(hex::encode(enc.to_bytes()), t["enc"], "mode {mode}");
        let mut seq = 0;
        for e in t["encryptions"].as_array().unwrap() {
            // The context counts its own sequence; the listed ones skip some numbers.
            while seq < e["seq"].as_u64().unwrap() {
                ctx.seal(b"", b"").unwrap();
                seq += 1;
            }
            let ct = ctx.seal(&hexv(&e["pt"]), &hexv(&e["aad"])).unwrap();
            assert_eq!(hex::encode(&ct), e["ct"], "mode {mode} seq {seq}");
            seq += 1;
        }
        let first = &t["encryptions"][0];
        let mode_r = match (mode, &sender) {
            (0, _) => OpModeR::Base,
            (1, _) => OpModeR::Psk(bundle()),
            (2, Some((_, pk))) => OpModeR::Auth(pk.clone()),
            (3, Some((_, pk))) => OpModeR::AuthPsk(pk.clone(), bundle()),
            _ => unreachable!("modes 0 to 3"),
        };
        let opened = hpke::single_shot_open::<ChaCha20Poly1305, HkdfSha256, X25519HkdfSha256>(
            &mode_r,
            &sk_r,
            &<X25519HkdfSha256 as hpke::Kem>::EncappedKey::from_bytes(&hexv(&t["enc"])).unwrap(),
            &info,
            &hexv(&first["ct"]),
            &hexv(&first["aad"]),
        )
        .unwrap();
        assert_eq!(opened, hexv(&first["pt"]));
    }
}
