//! A small signing client for the relay's API: what a device does (docs/alerts-protocol.md §6),
//! used by the tests, the load driver and the schemathesis hook's cross-check. The phones use
//! their own HTTP stack and the core's signing; this one is for Rust tools.

use crate::clock::Clock;
use crate::proto::{self, EnvelopeHeader, MailboxId, b64u};
use ring::rand::SecureRandom as _;
use ring::signature::{Ed25519KeyPair, KeyPair as _};
use std::sync::Arc;

/// A device's Ed25519 identity.
pub struct Device {
    key: Ed25519KeyPair,
    /// The public key.
    pub public: [u8; 32],
    /// Its mailbox.
    pub mailbox: MailboxId,
}

impl Device {
    /// The device with this Ed25519 seed.
    #[must_use]
    pub fn from_seed(seed: &[u8; 32]) -> Self {
        // A 32-byte seed is always a valid Ed25519 private key.
        #[allow(clippy::expect_used)]
        let key = Ed25519KeyPair::from_seed_unchecked(seed).expect("32-byte seed");
        let mut public = [0u8; 32];
        public.copy_from_slice(key.public_key().as_ref());
        Self {
            key,
            public,
            mailbox: MailboxId::of_key(&public),
        }
    }

    /// A device with a fresh random key.
    #[must_use]
    pub fn random() -> Self {
        let mut seed = [0u8; 32];
        if ring::rand::SystemRandom::new().fill(&mut seed).is_err() {
            seed.iter_mut().for_each(|b| *b = fastrand::u8(..));
        }
        Self::from_seed(&seed)
    }

    /// The four signature headers for a request.
    #[must_use]
    pub fn sign(
        &self,
        method: &str,
        target: &str,
        body: &[u8],
        timestamp: i64,
    ) -> Vec<(&'static str, String)> {
        let nonce = b64u(&crate::store::random16());
        let key = b64u(&self.public);
        let canonical = proto::canonical_request(method, target, body, timestamp, &nonce, &key);
        let sig = self.key.sign(canonical.as_bytes());
        vec![
            ("thecal-key", key),
            ("thecal-timestamp", timestamp.to_string()),
            ("thecal-nonce", nonce),
            ("thecal-signature", b64u(sig.as_ref())),
        ]
    }
}

/// A test envelope: a real header, and random bytes where the HPKE `enc` and ciphertext would be
/// (the relay never looks past the header). `payload` lands right after `enc`.
#[must_use]
pub fn fake_envelope(h: &EnvelopeHeader, payload: &[u8]) -> Vec<u8> {
    let mut v = h.to_bytes().to_vec();
    v.extend_from_slice(&[0x5a; proto::ENC_LEN]);
    v.extend_from_slice(payload);
    v.extend_from_slice(&[0xa5; proto::TAG_LEN]);
    v
}

/// An HTTP response: status and body.
#[derive(Debug, Clone)]
pub struct Reply {
    /// The status code.
    pub status: u16,
    /// The body.
    pub body: Vec<u8>,
}

impl Reply {
    /// The body as JSON (`Null` if it is not JSON).
    #[must_use]
    pub fn json(&self) -> serde_json::Value {
        serde_json::from_slice(&self.body).unwrap_or(serde_json::Value::Null)
    }
}

/// A device talking to one relay.
pub struct Client {
    http: reqwest::Client,
    base: String,
    /// The device.
    pub device: Device,
    clock: Arc<dyn Clock>,
}

impl Client {
    /// A client for `base` (e.g. `http://127.0.0.1:8484`) signing as `device` with `clock`'s time.
    #[must_use]
    pub fn new(http: reqwest::Client, base: &str, device: Device, clock: Arc<dyn Clock>) -> Self {
        Self {
            http,
            base: base.trim_end_matches('/').to_owned(),
            device,
            clock,
        }
    }

    /// Points the client at another relay (same device).
    pub fn set_base(&mut self, base: &str) {
        base.trim_end_matches('/').clone_into(&mut self.base);
    }

    /// Sends a signed request.
    pub async fn request(
        &self,
        method: &str,
        target: &str,
        body: Vec<u8>,
        content_type: Option<&str>,
    ) -> Result<Reply, reqwest::Error> {
        let headers = self.device.sign(method, target, &body, self.clock.now());
        let m = reqwest::Method::from_bytes(method.as_bytes()).unwrap_or(reqwest::Method::GET);
        let mut req = self
            .http
            .request(m, format!("{}{target}", self.base))
            .body(body);
        for (k, v) in headers {
            req = req.header(k, v);
        }
        if let Some(ct) = content_type {
            req = req.header("content-type", ct);
        }
        let resp = req.send().await?;
        let status = resp.status().as_u16();
        let body = resp.bytes().await?.to_vec();
        Ok(Reply { status, body })
    }

    /// Sends a signed JSON request.
    pub async fn json(
        &self,
        method: &str,
        target: &str,
        body: &serde_json::Value,
    ) -> Result<Reply, reqwest::Error> {
        self.request(
            method,
            target,
            body.to_string().into_bytes(),
            Some("application/json"),
        )
        .await
    }

    /// Opens the device's own mailbox.
    pub async fn open(&self) -> Result<Reply, reqwest::Error> {
        self.request(
            "PUT",
            &format!("/v1/mailboxes/{}", self.device.mailbox),
            Vec::new(),
            None,
        )
        .await
    }

    /// Posts an envelope to its recipient's mailbox.
    pub async fn post(&self, envelope: &[u8]) -> Result<Reply, reqwest::Error> {
        let to = EnvelopeHeader::parse(envelope).map_or(MailboxId([0; 16]), |h| h.recipient);
        self.request(
            "POST",
            &format!("/v1/mailboxes/{to}/messages"),
            envelope.to_vec(),
            Some("application/octet-stream"),
        )
        .await
    }

    /// Fetches the device's own mailbox.
    pub async fn fetch(&self, wait: u32, limit: u32) -> Result<Reply, reqwest::Error> {
        let target = format!(
            "/v1/mailboxes/{}/messages?wait={wait}&limit={limit}",
            self.device.mailbox
        );
        self.request("GET", &target, Vec::new(), None).await
    }

    /// Acknowledges items and fetches the next ones (long-polling up to `wait` s) in one request.
    pub async fn ack_next(
        &self,
        ids: &[String],
        wait: u32,
        limit: u32,
    ) -> Result<Reply, reqwest::Error> {
        let target = format!("/v1/mailboxes/{}/ack", self.device.mailbox);
        let body = serde_json::json!({ "ids": ids, "next": { "wait": wait, "limit": limit } });
        self.json("POST", &target, &body).await
    }

    /// Acknowledges items of the device's own mailbox.
    pub async fn ack(&self, ids: &[String]) -> Result<Reply, reqwest::Error> {
        let target = format!("/v1/mailboxes/{}/ack", self.device.mailbox);
        self.json("POST", &target, &serde_json::json!({ "ids": ids }))
            .await
    }
}
