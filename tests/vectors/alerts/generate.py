#!/usr/bin/env python3
"""Writes alerts-protocol-v1.json: the worked examples of docs/alerts-protocol.md.

An implementation of the Thecal Alerts Protocol v1 written from the document alone, with pyhpke
(RFC 9180) and pyca/cryptography, so that the relay (Rust), the phone core and anyone else can
check themselves against the same bytes. Everything comes from fixed seeds: running it twice
writes the same file. Run it with the pinned packages (see requirements.txt):

    bash tests/vectors/alerts/run.sh          # venv in /var/cache/thecal/relay-venv, then this
    bash tests/vectors/alerts/run.sh --check  # regenerate into a temp file and compare (CI)

The JSON file is the single source of truth; the relay's tests read it
(`relay/tests/vectors.rs`) and check that the document quotes the same values.
"""
import base64
import hashlib
import hmac
import json
import struct
import sys

from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey
from cryptography.hazmat.primitives.ciphers.aead import ChaCha20Poly1305
from cryptography.hazmat.primitives import serialization
from pyhpke import AEADId, CipherSuite, KDFId, KEMId

SUITE = CipherSuite.new(KEMId.DHKEM_X25519_HKDF_SHA256, KDFId.HKDF_SHA256, AEADId.CHACHA20_POLY1305)
HPKE_INFO = b"thecal/v1/envelope"
ENVELOPE_VERSION = 1
KINDS = {"alert": 1, "receipt": 2, "status": 3, "pairing_hello": 4, "revocation": 5}
HEADER_LEN = 66
CROCKFORD = "0123456789ABCDEFGHJKMNPQRSTVWXYZ"


def b64u(b: bytes) -> str:
    return base64.urlsafe_b64encode(b).rstrip(b"=").decode()


def sha256(*parts: bytes) -> bytes:
    h = hashlib.sha256()
    for p in parts:
        h.update(p)
    return h.digest()


def seed(label: str, n: int = 32) -> bytes:
    """Fixed test seeds: SHA-256 of a label, truncated. Never use such seeds for real keys."""
    return sha256(b"thecal test seed: " + label.encode())[:n]


def hkdf_extract(salt: bytes, ikm: bytes) -> bytes:
    return hmac.new(salt, ikm, hashlib.sha256).digest()


def hkdf_expand(prk: bytes, info: bytes, n: int) -> bytes:
    out, t, i = b"", b"", 1
    while len(out) < n:
        t = hmac.new(prk, t + info + bytes([i]), hashlib.sha256).digest()
        out += t
        i += 1
    return out[:n]


def mailbox_id(ed25519_pub: bytes) -> bytes:
    return sha256(b"thecal/v1/mailbox", ed25519_pub)[:16]


class Device:
    def __init__(self, name: str):
        self.name = name
        self.ed_seed = seed(name + "/ed25519")
        self.ed = Ed25519PrivateKey.from_private_bytes(self.ed_seed)
        self.ed_pub = self.ed.public_key().public_bytes(serialization.Encoding.Raw, serialization.PublicFormat.Raw)
        self.x_ikm = seed(name + "/x25519")
        kp = SUITE.kem.derive_key_pair(self.x_ikm)
        self.x_sk, self.x_pk = kp.private_key, kp.public_key
        self.x_sk_bytes = self.x_sk.to_private_bytes()
        self.x_pk_bytes = self.x_pk.to_public_bytes()
        self.bundle = bytes([1]) + self.ed_pub + self.x_pk_bytes
        self.mailbox = mailbox_id(self.ed_pub)

    def json(self) -> dict:
        return {
            "ed25519_seed_hex": self.ed_seed.hex(),
            "ed25519_public_b64u": b64u(self.ed_pub),
            "x25519_derive_ikm_hex": self.x_ikm.hex(),
            "x25519_private_hex": self.x_sk_bytes.hex(),
            "x25519_public_b64u": b64u(self.x_pk_bytes),
            "bundle_b64u": b64u(self.bundle),
            "mailbox_id_b64u": b64u(self.mailbox),
        }


def safety_number(a: bytes, b: bytes) -> str:
    lo, hi = sorted([a, b])
    d = sha256(b"thecal/v1/safety", lo, hi)
    groups = [struct.unpack(">I", d[4 * i:4 * i + 4])[0] % 10000 for i in range(6)]
    return " ".join(f"{g:04d}" for g in groups)


def header(kind: str, recipient: bytes, sender: bytes, message_id: bytes, seq: int, expires_at: int) -> bytes:
    h = bytes([ENVELOPE_VERSION, KINDS[kind]]) + recipient + sender + message_id
    h += struct.pack(">QQ", seq, expires_at)
    assert len(h) == HEADER_LEN
    return h


def seal(hdr: bytes, recipient_pk, plaintext: bytes, eph_ikm: bytes, sender_sk=None, psk=b"", psk_id=b""):
    eks = SUITE.kem.derive_key_pair(eph_ikm)
    enc, ctx = SUITE.create_sender_context(recipient_pk, info=HPKE_INFO, sks=sender_sk, psk=psk, psk_id=psk_id, eks=eks)
    ct = ctx.seal(plaintext, aad=hdr)
    return eks, enc, ct


def open_envelope(env: bytes, recipient_sk, sender_pk=None, psk=b"", psk_id=b"") -> bytes:
    hdr, enc, ct = env[:HEADER_LEN], env[HEADER_LEN:HEADER_LEN + 32], env[HEADER_LEN + 32:]
    ctx = SUITE.create_recipient_context(enc, recipient_sk, info=HPKE_INFO, pks=sender_pk, psk=psk, psk_id=psk_id)
    return ctx.open(ct, aad=hdr)


def canonical_request(method: str, target: str, body: bytes, timestamp: int, nonce: str, key: str) -> str:
    return "\n".join(["THECAL-RELAY-V1", method, target, b64u(sha256(body)), str(timestamp), nonce, key])


def normalize_code(code: str) -> str:
    out = []
    for ch in code.upper():
        if ch in "- ":
            continue
        ch = {"I": "1", "L": "1", "O": "0"}.get(ch, ch)
        if ch not in CROCKFORD:
            raise ValueError(f"not a Crockford base32 symbol: {ch}")
        out.append(ch)
    if len(out) != 10:
        raise ValueError("a pairing code has 10 symbols")
    return "".join(out)


def compact(obj) -> bytes:
    return json.dumps(obj, separators=(",", ":"), sort_keys=True).encode()


def main() -> None:
    patient = Device("patient phone")
    carer1 = Device("caregiver 1 phone")
    carer2 = Device("caregiver 2 phone")
    now = 1_795_000_000  # 2026-11-18T11:06:40Z

    # --- an alert from the patient to caregiver 1 (HPKE Auth mode) -------------------------------
    cancel_token = seed("cancel token", 16)
    cancel_hash = sha256(b"thecal/v1/cancel", cancel_token)
    alert_plain = compact({
        "v": 1, "type": "alert", "alert_id": "a7", "category": "pump_alarm", "priority": "high",
        "raised_at": now - 30, "sent_at": now, "title": "Pump alarm", "body": "Motor stall reported by the pump.",
        "cancel_token": b64u(cancel_token),
    })
    msg_id = seed("message 1", 16)
    hdr = header("alert", carer1.mailbox, patient.mailbox, msg_id, 42, now + 7 * 86400)
    eph_ikm = seed("ephemeral 1")
    eks, enc, ct = seal(hdr, carer1.x_pk, alert_plain, eph_ikm, sender_sk=patient.x_sk)
    envelope = hdr + enc + ct
    assert open_envelope(envelope, carer1.x_sk, sender_pk=patient.x_pk) == alert_plain
    # Tampering with any header byte must fail.
    tampered = bytearray(envelope)
    tampered[57] ^= 1  # the sequence number's last byte
    opened = True
    try:
        open_envelope(bytes(tampered), carer1.x_sk, sender_pk=patient.x_pk)
    except Exception:  # pyhpke raises OpenError
        opened = False
    assert not opened, "a tampered envelope must not open"

    # --- the time-released escalation for caregiver 2 -------------------------------------------
    esc_plain = compact({
        "v": 1, "type": "alert", "alert_id": "a7", "category": "pump_alarm", "priority": "high",
        "raised_at": now - 30, "sent_at": now, "title": "Pump alarm", "body": "Motor stall reported by the pump.",
        "cancel_token": b64u(cancel_token), "escalation": {"step": 1, "after_minutes": 10},
    })
    esc_id = seed("message 2", 16)
    esc_hdr = header("alert", carer2.mailbox, patient.mailbox, esc_id, 17, now + 7 * 86400)
    _, esc_enc, esc_ct = seal(esc_hdr, carer2.x_pk, esc_plain, seed("ephemeral 2"), sender_sk=patient.x_sk)
    esc_envelope = esc_hdr + esc_enc + esc_ct
    esc_body = compact({"release_at": now + 600, "cancel_hash": b64u(cancel_hash), "envelope": b64u(esc_envelope)})

    # --- a receipt from caregiver 1 back to the patient -----------------------------------------
    receipt_plain = compact({"v": 1, "type": "receipt", "for": [b64u(msg_id)], "state": "acknowledged", "at": now + 60})
    rc_id = seed("message 3", 16)
    rc_hdr = header("receipt", patient.mailbox, carer1.mailbox, rc_id, 5, now + 7 * 86400)
    _, rc_enc, rc_ct = seal(rc_hdr, patient.x_pk, receipt_plain, seed("ephemeral 3"), sender_sk=carer1.x_sk)
    receipt_envelope = rc_hdr + rc_enc + rc_ct
    assert open_envelope(receipt_envelope, patient.x_sk, sender_pk=carer1.x_pk) == receipt_plain

    # --- a status snapshot for caregiver 1 (opt-in), then the status that ends the sharing -------
    status_plain = compact({
        "v": 1, "type": "status", "made_at": now, "sharing": "on", "time_zone": "Europe/Paris",
        "read_at": now - 120, "link": "connected",
        "reservoir": {"volume_ul": 12340, "capacity_ul": 20000, "percent": 61.7, "is_low": False,
                      "low": {"expected": now + 20 * 86400, "earliest": now + 18 * 86400, "latest": now + 22 * 86400},
                      "empty": {"expected": now + 60 * 86400, "earliest": now + 55 * 86400, "latest": now + 65 * 86400}},
        "battery": {"percent": 80, "indicator": "normal",
                    "eri": {"expected": now + 900 * 86400, "earliest": now + 800 * 86400, "latest": now + 1000 * 86400}},
        "alarms": [{"kind": "catheter_occlusion", "priority": "high", "raised_at": now - 30, "text": "Catheter occlusion"}],
    })
    st_id = seed("message 6", 16)
    st_hdr = header("status", carer1.mailbox, patient.mailbox, st_id, 43, now + 3600)
    _, st_enc, st_ct = seal(st_hdr, carer1.x_pk, status_plain, seed("ephemeral 6"), sender_sk=patient.x_sk)
    status_envelope = st_hdr + st_enc + st_ct
    assert open_envelope(status_envelope, carer1.x_sk, sender_pk=patient.x_pk) == status_plain
    ended_plain = compact({"v": 1, "type": "status", "made_at": now + 600, "sharing": "ended"})

    # --- a signed request: the patient posting the alert to caregiver 1 -------------------------
    target = f"/v1/mailboxes/{b64u(carer1.mailbox)}/messages"
    ts = now
    nonce = b64u(seed("nonce 1", 16))
    key = b64u(patient.ed_pub)
    canon = canonical_request("POST", target, envelope, ts, nonce, key)
    sig = patient.ed.sign(canon.encode())
    # A signed GET with a query and an empty body (caregiver 1 long-polling its mailbox).
    get_target = f"/v1/mailboxes/{b64u(carer1.mailbox)}/messages?wait=25&limit=50"
    get_nonce = b64u(seed("nonce 2", 16))
    get_canon = canonical_request("GET", get_target, b"", ts + 5, get_nonce, b64u(carer1.ed_pub))
    get_sig = carer1.ed.sign(get_canon.encode())

    # --- pairing: code -> invitation id and keys; sealed bundle; the caregiver's hello ----------
    code_shown = "7KD3M-X9Q2P"
    code = normalize_code(code_shown)
    assert normalize_code("7kd3m x9q2p") == code
    prk = hkdf_extract(b"thecal/v1/invite", code.encode())
    invite_id = hkdf_expand(prk, b"id", 16)
    bundle_key = hkdf_expand(prk, b"bundle", 32)
    psk = hkdf_expand(prk, b"psk", 32)
    sealed_bundle = ChaCha20Poly1305(bundle_key).encrypt(bytes(12), patient.bundle, invite_id)
    hello_plain = compact({"v": 1, "type": "pairing_hello", "bundle": b64u(carer1.bundle)})
    hello_id = seed("message 4", 16)
    hello_hdr = header("pairing_hello", patient.mailbox, carer1.mailbox, hello_id, 1, now + 3600)
    _, h_enc, h_ct = seal(hello_hdr, patient.x_pk, hello_plain, seed("ephemeral 4"), psk=psk, psk_id=invite_id)
    hello_envelope = hello_hdr + h_enc + h_ct
    assert open_envelope(hello_envelope, patient.x_sk, psk=psk, psk_id=invite_id) == hello_plain

    # --- push payloads ----------------------------------------------------------------------------
    thecal_obj = {"v": 1, "mbx": b64u(carer1.mailbox), "env": b64u(envelope)}
    apns = {"aps": {"alert": {"title": "Thecal", "body": "New message"}, "mutable-content": 1, "sound": "default"},
            "thecal": thecal_obj}
    fcm = {"message": {"token": "fcm-registration-token", "data": {"v": "1", "mbx": b64u(carer1.mailbox), "env": b64u(envelope)},
                       "android": {"priority": "HIGH", "ttl": "604800s"}}}

    out = {
        "protocol": "Thecal Alerts Protocol v1 (docs/alerts-protocol.md)",
        "generator": "tests/vectors/alerts/generate.py (pyhpke, cryptography)",
        "encoding": "binary values are base64url without padding (_b64u) or lowercase hex (_hex); times are Unix seconds UTC",
        "hpke": {"mode_alerts": "auth (0x02)", "mode_pairing_hello": "psk (0x01)", "kem": "DHKEM(X25519, HKDF-SHA256) 0x0020",
                 "kdf": "HKDF-SHA256 0x0001", "aead": "ChaCha20Poly1305 0x0003", "info": HPKE_INFO.decode()},
        "devices": {"patient": patient.json(), "caregiver1": carer1.json(), "caregiver2": carer2.json()},
        "safety_number": {"a": "patient", "b": "caregiver1",
                          "value": safety_number(patient.bundle, carer1.bundle)},
        "envelope": {
            "kind": "alert", "recipient": "caregiver1", "sender": "patient",
            "message_id_b64u": b64u(msg_id), "seq": 42, "expires_at": now + 7 * 86400,
            "header_hex": hdr.hex(),
            "plaintext_utf8": alert_plain.decode(),
            "ephemeral_derive_ikm_hex": eph_ikm.hex(),
            "ephemeral_private_hex": eks.private_key.to_private_bytes().hex(),
            "enc_hex": enc.hex(),
            "ciphertext_hex": ct.hex(),
            "envelope_b64u": b64u(envelope),
            "envelope_len": len(envelope),
            "tampered_seq_must_fail_b64u": b64u(bytes(tampered)),
        },
        "escalation": {
            "cancel_token_b64u": b64u(cancel_token),
            "cancel_hash_b64u": b64u(cancel_hash),
            "release_at": now + 600,
            "envelope_b64u": b64u(esc_envelope),
            "request_body_utf8": esc_body.decode(),
            "cancel_body_utf8": compact({"token": b64u(cancel_token)}).decode(),
        },
        "receipt": {"plaintext_utf8": receipt_plain.decode(), "envelope_b64u": b64u(receipt_envelope)},
        "status": {"plaintext_utf8": status_plain.decode(), "seq": 43, "expires_at": now + 3600,
                   "envelope_b64u": b64u(status_envelope), "ended_plaintext_utf8": ended_plain.decode()},
        "signed_request": {
            "signer": "patient", "method": "POST", "target": target, "body": "envelope.envelope_b64u (raw bytes)",
            "timestamp": ts, "nonce": nonce, "key": key,
            "body_sha256_b64u": b64u(sha256(envelope)),
            "canonical": canon,
            "signature_b64u": b64u(sig),
        },
        "signed_get": {
            "signer": "caregiver1", "method": "GET", "target": get_target, "timestamp": ts + 5,
            "nonce": get_nonce, "key": b64u(carer1.ed_pub),
            "canonical": get_canon, "signature_b64u": b64u(get_sig),
        },
        "pairing": {
            "code_shown": code_shown, "code_normalized": code,
            "invite_id_b64u": b64u(invite_id), "bundle_key_hex": bundle_key.hex(), "psk_hex": psk.hex(),
            "sealed_bundle_b64u": b64u(sealed_bundle),
            "hello_plaintext_utf8": hello_plain.decode(),
            "hello_envelope_b64u": b64u(hello_envelope),
            "qr_text": f"thecal:pair?v=1&relay=relay.example.org&code={code}",
        },
        "push": {"apns_body": apns, "fcm_body": fcm,
                 "apns_body_len": len(compact(apns)), "limit": 4096},
    }
    out_path = sys.argv[sys.argv.index("--out") + 1] if "--out" in sys.argv else "alerts-protocol-v1.json"
    with open(out_path, "w") as f:
        json.dump(out, f, indent=2, sort_keys=False)
        f.write("\n")
    if "--markdown" in sys.argv:
        print(json.dumps(out["signed_request"], indent=2))


if __name__ == "__main__":
    main()
