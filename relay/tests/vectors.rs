//! The protocol's worked examples (tests/vectors/alerts/alerts-protocol-v1.json, written by the
//! independent Python generator) against the relay's code, and against the document's text, so
//! the relay, the generator and docs/alerts-protocol.md cannot drift apart.
#![allow(missing_docs, clippy::unwrap_used, clippy::expect_used)]

use ring::signature::{ED25519, Ed25519KeyPair, UnparsedPublicKey};
use serde_json::Value;
use thecal_relay::client::Device;
use thecal_relay::proto::{self, EnvelopeHeader, MailboxId, b64u, from_b64u};

fn root() -> std::path::PathBuf {
    std::path::PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("..")
}

fn vectors() -> Value {
    let text = std::fs::read_to_string(root().join("tests/vectors/alerts/alerts-protocol-v1.json"))
        .unwrap();
    serde_json::from_str(&text).unwrap()
}

fn seed(v: &Value) -> [u8; 32] {
    let mut s = [0u8; 32];
    let h = v["ed25519_seed_hex"].as_str().unwrap();
    for (i, b) in s.iter_mut().enumerate() {
        *b = u8::from_str_radix(&h[2 * i..2 * i + 2], 16).unwrap();
    }
    s
}

#[test]
fn device_keys_and_mailbox_ids() {
    let v = vectors();
    for name in ["patient", "caregiver1", "caregiver2"] {
        let d = &v["devices"][name];
        let dev = Device::from_seed(&seed(d));
        assert_eq!(
            b64u(&dev.public),
            d["ed25519_public_b64u"].as_str().unwrap(),
            "{name}"
        );
        assert_eq!(
            dev.mailbox.to_string(),
            d["mailbox_id_b64u"].as_str().unwrap(),
            "{name}"
        );
        let bundle = from_b64u(d["bundle_b64u"].as_str().unwrap()).unwrap();
        assert_eq!(bundle.len(), 65);
        assert_eq!(bundle[0], 1);
        assert_eq!(&bundle[1..33], &dev.public);
    }
}

#[test]
fn envelope_header_reads_as_the_generator_wrote_it() {
    let v = vectors();
    let e = &v["envelope"];
    let env = from_b64u(e["envelope_b64u"].as_str().unwrap()).unwrap();
    assert_eq!(env.len() as u64, e["envelope_len"].as_u64().unwrap());
    let h = EnvelopeHeader::parse(&env).unwrap();
    assert_eq!(h.kind, 1);
    assert_eq!(
        h.recipient.to_string(),
        v["devices"]["caregiver1"]["mailbox_id_b64u"]
            .as_str()
            .unwrap()
    );
    assert_eq!(
        h.sender.to_string(),
        v["devices"]["patient"]["mailbox_id_b64u"].as_str().unwrap()
    );
    assert_eq!(b64u(&h.message_id), e["message_id_b64u"].as_str().unwrap());
    assert_eq!(h.seq, e["seq"].as_u64().unwrap());
    assert_eq!(h.expires_at, e["expires_at"].as_u64().unwrap());
    let hex: String = h.to_bytes().iter().map(|b| format!("{b:02x}")).collect();
    assert_eq!(hex, e["header_hex"].as_str().unwrap());
    let tampered = from_b64u(e["tampered_seq_must_fail_b64u"].as_str().unwrap()).unwrap();
    assert_eq!(EnvelopeHeader::parse(&tampered).unwrap().seq, 43);
    let hello = from_b64u(v["pairing"]["hello_envelope_b64u"].as_str().unwrap()).unwrap();
    assert_eq!(EnvelopeHeader::parse(&hello).unwrap().kind, 4);
}

#[test]
fn signed_requests_verify_and_are_reproduced() {
    let v = vectors();
    let body = from_b64u(v["envelope"]["envelope_b64u"].as_str().unwrap()).unwrap();
    for (name, body, signer) in [
        ("signed_request", body, "patient"),
        ("signed_get", Vec::new(), "caregiver1"),
    ] {
        let r = &v[name];
        let canonical = proto::canonical_request(
            r["method"].as_str().unwrap(),
            r["target"].as_str().unwrap(),
            &body,
            r["timestamp"].as_i64().unwrap(),
            r["nonce"].as_str().unwrap(),
            r["key"].as_str().unwrap(),
        );
        assert_eq!(canonical, r["canonical"].as_str().unwrap(), "{name}");
        let key = from_b64u(r["key"].as_str().unwrap()).unwrap();
        let sig = from_b64u(r["signature_b64u"].as_str().unwrap()).unwrap();
        UnparsedPublicKey::new(&ED25519, &key)
            .verify(canonical.as_bytes(), &sig)
            .unwrap();
        // Ed25519 is deterministic: the same seed signs the same bytes.
        let kp = Ed25519KeyPair::from_seed_unchecked(&seed(&v["devices"][signer])).unwrap();
        assert_eq!(kp.sign(canonical.as_bytes()).as_ref(), &sig[..], "{name}");
    }
}

#[test]
fn cancel_hash() {
    let v = vectors();
    let e = &v["escalation"];
    let token = from_b64u(e["cancel_token_b64u"].as_str().unwrap()).unwrap();
    assert_eq!(
        b64u(&proto::cancel_hash(&token)),
        e["cancel_hash_b64u"].as_str().unwrap()
    );
}

#[test]
fn the_document_quotes_the_vectors() {
    let v = vectors();
    let doc = std::fs::read_to_string(root().join("docs/alerts-protocol.md")).unwrap();
    let mut quoted = vec![
        v["signed_request"]["signature_b64u"]
            .as_str()
            .unwrap()
            .to_owned(),
        v["signed_request"]["nonce"].as_str().unwrap().to_owned(),
        v["signed_request"]["body_sha256_b64u"]
            .as_str()
            .unwrap()
            .to_owned(),
        v["safety_number"]["value"].as_str().unwrap().to_owned(),
        v["escalation"]["cancel_hash_b64u"]
            .as_str()
            .unwrap()
            .to_owned(),
        v["escalation"]["cancel_token_b64u"]
            .as_str()
            .unwrap()
            .to_owned(),
        v["pairing"]["invite_id_b64u"].as_str().unwrap().to_owned(),
        v["envelope"]["enc_hex"].as_str().unwrap().to_owned(),
    ];
    for d in ["patient", "caregiver1", "caregiver2"] {
        for f in [
            "ed25519_public_b64u",
            "x25519_public_b64u",
            "mailbox_id_b64u",
        ] {
            quoted.push(v["devices"][d][f].as_str().unwrap().to_owned());
        }
    }
    for line in v["signed_request"]["canonical"].as_str().unwrap().lines() {
        quoted.push(line.to_owned());
    }
    // The envelope is quoted in 96-character lines.
    let env = v["envelope"]["envelope_b64u"].as_str().unwrap();
    for chunk in env.as_bytes().chunks(96) {
        quoted.push(String::from_utf8(chunk.to_vec()).unwrap());
    }
    for q in quoted {
        assert!(
            doc.contains(&q),
            "docs/alerts-protocol.md does not quote {q}"
        );
    }
    let _ = MailboxId([0; 16]);
}
