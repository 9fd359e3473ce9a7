"""Schemathesis hooks: sign every request as a Thecal device would (docs/alerts-protocol.md §6),
and steer part of the generated cases at the device's own mailbox and at well-formed envelopes,
so that owner-only endpoints and envelope parsing are reached past the 403/400 gates. Every call
is logged (method, path template, status) for the per-endpoint 2xx share.

Environment: THECAL_RELAY_URL (the relay under test), THECAL_SCHEMATHESIS_LOG (JSON lines out).
"""
import base64
import hashlib
import json
import os
import random
import struct
import time

import requests
import schemathesis
from schemathesis.core.parameters import ParameterLocation
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey

URL = os.environ["THECAL_RELAY_URL"].rstrip("/")
LOG = os.environ.get("THECAL_SCHEMATHESIS_LOG")
KEY = Ed25519PrivateKey.from_private_bytes(hashlib.sha256(b"thecal schemathesis device").digest())
PUB = KEY.public_key().public_bytes(serialization.Encoding.Raw, serialization.PublicFormat.Raw)
MBX = hashlib.sha256(b"thecal/v1/mailbox" + PUB).digest()[:16]
STEER = float(os.environ.get("THECAL_SCHEMATHESIS_STEER", "0.6"))
state = {"deleted": False}


def b64u(b: bytes) -> str:
    return base64.urlsafe_b64encode(b).rstrip(b"=").decode()


def sign(method: str, target: str, body: bytes) -> dict:
    ts = str(int(time.time()))
    nonce = b64u(os.urandom(16))
    key = b64u(PUB)
    canonical = "\n".join(["THECAL-RELAY-V1", method, target, b64u(hashlib.sha256(body).digest()), ts, nonce, key])
    sig = KEY.sign(canonical.encode())
    return {"Thecal-Key": key, "Thecal-Timestamp": ts, "Thecal-Nonce": nonce, "Thecal-Signature": b64u(sig)}


SECURITY = ("Thecal-Key", "Thecal-Timestamp", "Thecal-Nonce", "Thecal-Signature")


class SignAuth(requests.auth.AuthBase):
    """Signs the prepared request: its final method, target and body bytes. Headers that
    schemathesis left out on purpose (to test that they are required) stay out."""

    def __init__(self, omit=()):
        self.omit = {h.lower() for h in omit}

    def __call__(self, r):
        body = r.body or b""
        if isinstance(body, str):
            body = body.encode()
        for name, value in sign(r.method, r.path_url, body).items():
            if name.lower() in self.omit:
                r.headers.pop(name, None)
            else:
                r.headers[name] = value
        return r


def signed(method: str, path: str, body: bytes = b"", content_type: str | None = None):
    headers = {"Content-Type": content_type} if content_type else {}
    return requests.request(method, URL + path, data=body, headers=headers, auth=SignAuth(), timeout=10)


def envelope(recipient: bytes, kind: int = 1) -> bytes:
    header = bytes([1, kind]) + recipient + MBX + os.urandom(16) + struct.pack(">QQ", random.randint(1, 10**6), int(time.time()) + 3600)
    return header + os.urandom(32) + os.urandom(random.randint(0, 300)) + os.urandom(16)


def ensure_open() -> None:
    if state["deleted"]:
        signed("PUT", f"/v1/mailboxes/{b64u(MBX)}")
        state["deleted"] = False


signed("PUT", f"/v1/mailboxes/{b64u(MBX)}")


@schemathesis.hook
def before_call(context, case, kwargs):
    op = case.operation
    path, method = op.path, op.method.upper()
    if not (path == "/v1/mailboxes/{mbx}" and method == "DELETE"):
        ensure_open()
    steer = random.random() < STEER
    params = case.path_parameters if case.path_parameters is not None else {}
    if "mbx" in params and steer:
        params["mbx"] = b64u(MBX)
    if path == "/v1/mailboxes/{mbx}/messages" and method == "GET":
        # Keep long-polls short: a run has a time budget.
        if case.query and isinstance(case.query.get("wait"), int) and case.query["wait"] > 1:
            case.query["wait"] = 1
    if path == "/v1/mailboxes/{mbx}/ack" and isinstance(case.body, dict) and isinstance(case.body.get("next"), dict):
        nxt = case.body["next"]
        if isinstance(nxt.get("wait"), int) and nxt["wait"] > 1:
            nxt["wait"] = 1
    if steer:
        now = int(time.time())
        if path == "/v1/mailboxes/{mbx}/messages" and method == "POST":
            target = base64.urlsafe_b64decode(params.get("mbx", b64u(MBX)) + "==") if len(params.get("mbx", "")) == 22 else MBX
            case.body = envelope(target[:16] if len(target) >= 16 else MBX)
        elif path == "/v1/escalations":
            case.body = {"release_at": now + 600, "cancel_hash": b64u(os.urandom(32)), "envelope": b64u(envelope(MBX))}
        elif path == "/v1/escalations/cancel":
            case.body = {"token": b64u(os.urandom(16))}
        elif path == "/v1/invitations/{id}" and method == "PUT":
            case.body = {"sealed_bundle": b64u(os.urandom(81)), "expires_at": now + 600}
        elif path == "/v1/invitations/{id}/claim":
            inv = params.get("id")
            if isinstance(inv, str):
                signed("PUT", f"/v1/invitations/{inv}", json.dumps({"sealed_bundle": b64u(os.urandom(81)), "expires_at": now + 600}).encode(), "application/json")
            case.body = {"hello": b64u(envelope(MBX, kind=4))}
        elif path == "/v1/mailboxes/{mbx}/ack":
            got = signed("GET", f"/v1/mailboxes/{b64u(MBX)}/messages?limit=5")
            ids = [m["id"] for m in got.json().get("messages", [])] if got.ok else []
            case.body = {"ids": ids or [b64u(os.urandom(16))]}
        elif path == "/v1/mailboxes/{mbx}/heartbeat" and method == "POST":
            signed("PUT", f"/v1/mailboxes/{b64u(MBX)}/heartbeat", b'{"interval_s": 3600}', "application/json")
        elif path == "/v1/mailboxes/{mbx}/push" and method == "PUT":
            case.body = random.choice([
                {"provider": "apns", "token": os.urandom(32).hex(), "topic": "org.thecal.app"},
                {"provider": "fcm", "token": b64u(os.urandom(60))},
                {"provider": "unifiedpush", "endpoint": "https://push.example.org/" + b64u(os.urandom(12))},
            ])
    present = {k.lower() for k in (case.headers or {})}
    generated = [h for h in SECURITY if h.lower() in present]
    omit = [h for h in SECURITY if h.lower() not in present] if generated else []
    meta = getattr(case, "_meta", None)
    if meta is not None and not generated and meta.is_negative_at(ParameterLocation.HEADER):
        # Negative headers without any of ours: schemathesis tests that they are required.
        omit = list(SECURITY)
    kwargs["auth"] = SignAuth(omit)


@schemathesis.hook
def after_call(context, case, response):
    op = case.operation
    if op.path == "/v1/mailboxes/{mbx}" and op.method.upper() == "DELETE" and response.status_code == 204:
        state["deleted"] = True
    if LOG:
        with open(LOG, "a") as f:
            code = None
            if response.status_code >= 400:
                try:
                    code = json.loads(response.content).get("error")
                except Exception:  # noqa: BLE001 - a non-JSON error body is itself worth seeing
                    code = "non-json"
            f.write(json.dumps({"method": op.method.upper(), "path": op.path, "status": response.status_code, "error": code}) + "\n")
