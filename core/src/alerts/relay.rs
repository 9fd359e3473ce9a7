//! The relay's HTTP API (protocol §6–§7) as the phone calls it: every request signed with the
//! device's key, sent through the app's [`HttpClient`], each refusal read into a typed error. The
//! phone's clock may be wrong: a `stale_timestamp` refusal carries the relay's time in `Date`,
//! from which the client keeps an offset and signs again.

use std::sync::Arc;
use std::sync::atomic::{AtomicI64, Ordering};

use serde::Deserialize;
use serde_json::json;
use thecal_proto::{MailboxId, b64u, from_b64u};

use super::http::{HttpClient, HttpError, HttpHeader, HttpRequest, HttpResponse};
use super::{AlertsError, DeviceKeys, signing};
use crate::model::Clock;

/// How long a request may take, long polls aside.
const TIMEOUT_MS: u32 = 20_000;

/// Why a relay call failed.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum RelayError {
    /// No answer (offline, timeout, TLS): try again later.
    #[error(transparent)]
    Unreachable(#[from] HttpError),
    /// The relay refused, with its error code and message (protocol §7).
    #[error("The relay refused the request: {message} ({code}, {status}).")]
    Refused {
        /// The HTTP status.
        status: u16,
        /// The protocol's error code (`invitation_used`, `rate_limited`…).
        code: String,
        /// The relay's message.
        message: String,
        /// For `rate_limited` and `store_unavailable`: when to try again, seconds.
        retry_after_s: Option<u32>,
    },
    /// The answer was not what the protocol says.
    #[error("The relay's answer could not be read ({reason}). Check the relay's address.")]
    BadAnswer {
        /// What was wrong.
        reason: String,
    },
    /// Signing failed.
    #[error(transparent)]
    Alerts(#[from] AlertsError),
}

impl RelayError {
    /// The protocol's error code of a refusal.
    #[must_use]
    pub fn code(&self) -> Option<&str> {
        match self {
            Self::Refused { code, .. } => Some(code),
            _ => None,
        }
    }

    /// Whether trying the same request again later can succeed (no answer, a busy relay).
    #[must_use]
    pub fn is_transient(&self) -> bool {
        match self {
            Self::Unreachable(_) => true,
            Self::Refused { status, .. } => *status == 429 || *status >= 500,
            _ => false,
        }
    }
}

/// One item fetched from a mailbox.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Item {
    /// An envelope.
    Envelope {
        /// Its message id (b64u).
        id: String,
        /// When the relay stored it, Unix seconds.
        received_at: i64,
        /// The envelope's bytes.
        envelope: Vec<u8>,
    },
    /// A notice the relay made (protocol §9).
    Notice {
        /// Its id (b64u).
        id: String,
        /// When the relay made it, Unix seconds.
        received_at: i64,
        /// `phone_silent` or `phone_back`.
        kind: String,
        /// The patient's mailbox it is about.
        mailbox: MailboxId,
        /// When that phone last checked in, Unix seconds.
        last_seen_at: i64,
        /// When the check-in was due (a `phone_silent` notice), Unix seconds.
        due_at: Option<i64>,
    },
}

impl Item {
    /// Its id, for acknowledging it.
    #[must_use]
    pub fn id(&self) -> &str {
        match self {
            Self::Envelope { id, .. } | Self::Notice { id, .. } => id,
        }
    }
}

/// A relay, as one device talks to it.
#[derive(Debug, Clone)]
pub struct RelayClient {
    base: String,
    http: Arc<dyn HttpClient>,
    clock: Arc<dyn Clock>,
    /// The relay's clock minus the phone's, seconds.
    offset_s: Arc<AtomicI64>,
}

impl RelayClient {
    /// A client of the relay at `base` (`https://relay.example.org`, or `http://` on loopback).
    #[must_use]
    pub fn new(base: &str, http: Arc<dyn HttpClient>, clock: Arc<dyn Clock>) -> Self {
        Self {
            base: base.trim_end_matches('/').to_owned(),
            http,
            clock,
            offset_s: Arc::new(AtomicI64::new(0)),
        }
    }

    /// The relay's base URL for a relay named in an invitation (`host[:port]`): HTTPS, except on
    /// the loopback interface (demos and tests).
    #[must_use]
    pub fn base_for_host(host: &str) -> String {
        let name = host.rsplit_once(':').map_or(host, |(h, port)| {
            if port.chars().all(|c| c.is_ascii_digit()) {
                h
            } else {
                host
            }
        });
        let loopback = matches!(name, "localhost" | "127.0.0.1" | "[::1]");
        format!("{}://{host}", if loopback { "http" } else { "https" })
    }

    /// The relay's `host[:port]`, as an invitation names it.
    #[must_use]
    pub fn host(&self) -> &str {
        self.base
            .split_once("://")
            .map_or(self.base.as_str(), |(_, h)| h)
    }

    /// Opens (creates) the device's mailbox; idempotent.
    ///
    /// # Errors
    /// [`RelayError`].
    pub async fn open_mailbox(&self, keys: &DeviceKeys) -> Result<(), RelayError> {
        let path = format!("/v1/mailboxes/{}", keys.mailbox());
        self.call(keys, "PUT", &path, Vec::new(), None, &[200, 201])
            .await
            .map(drop)
    }

    /// Deletes the device's mailbox and everything the relay holds for it.
    ///
    /// # Errors
    /// [`RelayError`].
    pub async fn delete_mailbox(&self, keys: &DeviceKeys) -> Result<(), RelayError> {
        let path = format!("/v1/mailboxes/{}", keys.mailbox());
        self.call(keys, "DELETE", &path, Vec::new(), None, &[204])
            .await
            .map(drop)
    }

    /// Posts an envelope to its recipient's mailbox. `Ok(true)` when newly stored, `Ok(false)`
    /// when the relay had it already (a retry).
    ///
    /// # Errors
    /// [`RelayError`].
    pub async fn post(&self, keys: &DeviceKeys, envelope: &[u8]) -> Result<bool, RelayError> {
        let header =
            thecal_proto::EnvelopeHeader::parse(envelope).map_err(|e| RelayError::BadAnswer {
                reason: e.to_string(),
            })?;
        let path = format!("/v1/mailboxes/{}/messages", header.recipient);
        let r = self
            .call(
                keys,
                "POST",
                &path,
                envelope.to_vec(),
                Some("application/octet-stream"),
                &[200, 201],
            )
            .await?;
        Ok(r.status == 201)
    }

    /// Fetches up to `limit` pending items, waiting up to `wait_s` seconds for one.
    ///
    /// # Errors
    /// [`RelayError`].
    pub async fn fetch(
        &self,
        keys: &DeviceKeys,
        wait_s: u32,
        limit: u32,
    ) -> Result<Vec<Item>, RelayError> {
        let path = format!(
            "/v1/mailboxes/{}/messages?wait={wait_s}&limit={limit}",
            keys.mailbox()
        );
        let r = self
            .send(
                keys,
                Request {
                    method: "GET",
                    path: &path,
                    body: Vec::new(),
                    content_type: None,
                    ok: &[200],
                    wait_s,
                },
            )
            .await?;
        parse_items(&r.body)
    }

    /// Acknowledges items (deletes them from the mailbox); returns how many were deleted.
    ///
    /// # Errors
    /// [`RelayError`].
    pub async fn ack(&self, keys: &DeviceKeys, ids: &[String]) -> Result<u64, RelayError> {
        if ids.is_empty() {
            return Ok(0);
        }
        let path = format!("/v1/mailboxes/{}/ack", keys.mailbox());
        let body = json!({ "ids": ids }).to_string().into_bytes();
        let r = self
            .call(keys, "POST", &path, body, Some("application/json"), &[200])
            .await?;
        let v: serde_json::Value = read_json(&r.body)?;
        Ok(v["deleted"].as_u64().unwrap_or(0))
    }

    /// Hands the relay an escalation step to hold until `release_at` unless the token hashing to
    /// `cancel_hash` cancels it first (protocol §8). `Ok(true)` when held (or already held),
    /// `Ok(false)` when a cancellation came first.
    ///
    /// # Errors
    /// [`RelayError`].
    pub async fn hold_escalation(
        &self,
        keys: &DeviceKeys,
        envelope: &[u8],
        release_at: i64,
        cancel_hash: &str,
    ) -> Result<bool, RelayError> {
        let body = json!({
            "release_at": release_at,
            "cancel_hash": cancel_hash,
            "envelope": thecal_proto::b64u(envelope),
        })
        .to_string()
        .into_bytes();
        let r = self
            .call(
                keys,
                "POST",
                "/v1/escalations",
                body,
                Some("application/json"),
                &[200, 201],
            )
            .await?;
        let v: serde_json::Value = read_json(&r.body)?;
        Ok(v["state"] != "cancelled")
    }

    /// Cancels every held escalation step of the alert with this token (b64u); returns how
    /// many the relay still held.
    ///
    /// # Errors
    /// [`RelayError`].
    pub async fn cancel_escalations(
        &self,
        keys: &DeviceKeys,
        token: &str,
    ) -> Result<u64, RelayError> {
        let body = json!({ "token": token }).to_string().into_bytes();
        let r = self
            .call(
                keys,
                "POST",
                "/v1/escalations/cancel",
                body,
                Some("application/json"),
                &[200],
            )
            .await?;
        let v: serde_json::Value = read_json(&r.body)?;
        Ok(v["cancelled"].as_u64().unwrap_or(0))
    }

    /// Registers an invitation (the patient's sealed bundle) until `expires_at`.
    ///
    /// # Errors
    /// [`RelayError`].
    pub async fn put_invitation(
        &self,
        keys: &DeviceKeys,
        invite_id: &[u8; 16],
        sealed_bundle: &[u8],
        expires_at: i64,
    ) -> Result<(), RelayError> {
        let path = format!("/v1/invitations/{}", b64u(invite_id));
        let body = json!({"sealed_bundle": b64u(sealed_bundle), "expires_at": expires_at});
        self.call(
            keys,
            "PUT",
            &path,
            body.to_string().into_bytes(),
            Some("application/json"),
            &[200, 201],
        )
        .await
        .map(drop)
    }

    /// Reads an open invitation's sealed bundle.
    ///
    /// # Errors
    /// [`RelayError`] (`not_found`, `invitation_used`, `invitation_expired`).
    pub async fn get_invitation(
        &self,
        keys: &DeviceKeys,
        invite_id: &[u8; 16],
    ) -> Result<Vec<u8>, RelayError> {
        let path = format!("/v1/invitations/{}", b64u(invite_id));
        let r = self
            .call(keys, "GET", &path, Vec::new(), None, &[200])
            .await?;
        sealed_bundle(&r.body)
    }

    /// Claims an invitation with the hello; returns the sealed bundle again.
    ///
    /// # Errors
    /// [`RelayError`].
    pub async fn claim(
        &self,
        keys: &DeviceKeys,
        invite_id: &[u8; 16],
        hello: &[u8],
    ) -> Result<Vec<u8>, RelayError> {
        let path = format!("/v1/invitations/{}/claim", b64u(invite_id));
        let body = json!({ "hello": b64u(hello) }).to_string().into_bytes();
        let r = self
            .call(keys, "POST", &path, body, Some("application/json"), &[200])
            .await?;
        sealed_bundle(&r.body)
    }

    /// Withdraws an invitation.
    ///
    /// # Errors
    /// [`RelayError`].
    pub async fn delete_invitation(
        &self,
        keys: &DeviceKeys,
        invite_id: &[u8; 16],
    ) -> Result<(), RelayError> {
        let path = format!("/v1/invitations/{}", b64u(invite_id));
        self.call(keys, "DELETE", &path, Vec::new(), None, &[204])
            .await
            .map(drop)
    }

    /// The relay's time now as far as the phone knows it, Unix seconds.
    #[must_use]
    pub fn now(&self) -> i64 {
        self.clock.now().timestamp() + self.offset_s.load(Ordering::Relaxed)
    }

    async fn call(
        &self,
        keys: &DeviceKeys,
        method: &str,
        path: &str,
        body: Vec<u8>,
        content_type: Option<&str>,
        ok: &[u16],
    ) -> Result<HttpResponse, RelayError> {
        let request = Request {
            method,
            path,
            body,
            content_type,
            ok,
            wait_s: 0,
        };
        self.send(keys, request).await
    }

    /// Sends a signed request; a long poll (`wait_s` > 0) gets that much more time to answer.
    async fn send(&self, keys: &DeviceKeys, r: Request<'_>) -> Result<HttpResponse, RelayError> {
        let Request {
            method,
            path,
            body,
            content_type,
            ok,
            wait_s,
        } = r;
        let mut retried = false;
        loop {
            let signed = signing::sign(keys, method, path, &body, self.now())?;
            let mut headers: Vec<HttpHeader> = signed
                .pairs()
                .iter()
                .map(|(name, value)| HttpHeader {
                    name: (*name).to_owned(),
                    value: (*value).to_owned(),
                })
                .collect();
            if let Some(ct) = content_type {
                headers.push(HttpHeader {
                    name: "Content-Type".into(),
                    value: ct.into(),
                });
            }
            let response = self
                .http
                .send(HttpRequest {
                    method: method.into(),
                    url: format!("{}{path}", self.base),
                    headers,
                    body: body.clone(),
                    timeout_ms: TIMEOUT_MS + wait_s.saturating_mul(1000),
                })
                .await?;
            if ok.contains(&response.status) {
                return Ok(response);
            }
            let refused = refusal(&response);
            if !retried && refused.code() == Some("stale_timestamp") && self.learn_time(&response) {
                retried = true;
                continue;
            }
            return Err(refused);
        }
    }

    /// Keeps the relay's time from a `Date` header; false if there is none to read.
    fn learn_time(&self, response: &HttpResponse) -> bool {
        let Some(date) = response
            .header("Date")
            .and_then(|d| chrono::DateTime::parse_from_rfc2822(d).ok())
        else {
            return false;
        };
        let offset = date.timestamp() - self.clock.now().timestamp();
        self.offset_s.store(offset, Ordering::Relaxed);
        tracing::info!(offset_s = offset, "phone clock differs from the relay's");
        true
    }
}

// The heartbeat (protocol §9), on the patient's phone.
impl RelayClient {
    /// Declares the check-in schedule (also a check-in): `body` is the JSON of
    /// `{"interval_s","grace_s","watchers"}`. Returns the relay's `due_at`, Unix seconds.
    ///
    /// # Errors
    /// [`RelayError`].
    pub async fn put_heartbeat(&self, keys: &DeviceKeys, body: &str) -> Result<i64, RelayError> {
        let path = format!("/v1/mailboxes/{}/heartbeat", keys.mailbox());
        let r = self
            .call(
                keys,
                "PUT",
                &path,
                body.as_bytes().to_vec(),
                Some("application/json"),
                &[200],
            )
            .await?;
        due_at(&r.body)
    }

    /// Checks in. Returns the relay's `due_at`, Unix seconds.
    ///
    /// # Errors
    /// [`RelayError`]; `not_found` when no schedule is declared there.
    pub async fn check_in(&self, keys: &DeviceKeys) -> Result<i64, RelayError> {
        let path = format!("/v1/mailboxes/{}/heartbeat", keys.mailbox());
        let r = self
            .call(keys, "POST", &path, Vec::new(), None, &[200])
            .await?;
        due_at(&r.body)
    }

    /// Stops the relay watching this phone's check-ins.
    ///
    /// # Errors
    /// [`RelayError`].
    pub async fn delete_heartbeat(&self, keys: &DeviceKeys) -> Result<(), RelayError> {
        let path = format!("/v1/mailboxes/{}/heartbeat", keys.mailbox());
        self.call(keys, "DELETE", &path, Vec::new(), None, &[204])
            .await
            .map(drop)
    }
}

// The push target (protocol §10).
impl RelayClient {
    /// Registers the device's push target (`body`: the protocol's JSON for APNs, FCM or
    /// UnifiedPush), replacing any.
    ///
    /// # Errors
    /// [`RelayError`] (`bad_request` for a target the relay does not take).
    pub async fn put_push(&self, keys: &DeviceKeys, body: &str) -> Result<(), RelayError> {
        let path = format!("/v1/mailboxes/{}/push", keys.mailbox());
        self.call(
            keys,
            "PUT",
            &path,
            body.as_bytes().to_vec(),
            Some("application/json"),
            &[200],
        )
        .await
        .map(drop)
    }

    /// Removes the device's push target.
    ///
    /// # Errors
    /// [`RelayError`].
    pub async fn delete_push(&self, keys: &DeviceKeys) -> Result<(), RelayError> {
        let path = format!("/v1/mailboxes/{}/push", keys.mailbox());
        self.call(keys, "DELETE", &path, Vec::new(), None, &[204])
            .await
            .map(drop)
    }
}

fn due_at(body: &[u8]) -> Result<i64, RelayError> {
    #[derive(Deserialize)]
    struct Body {
        due_at: i64,
    }
    Ok(read_json::<Body>(body)?.due_at)
}

fn refusal(r: &HttpResponse) -> RelayError {
    #[derive(Deserialize)]
    struct Body {
        error: String,
        message: String,
    }
    let (code, message) = serde_json::from_slice::<Body>(&r.body)
        .map(|b| (b.error, b.message))
        .unwrap_or_else(|_| ("unknown".into(), format!("HTTP status {}", r.status)));
    RelayError::Refused {
        status: r.status,
        code,
        message,
        retry_after_s: r.header("Retry-After").and_then(|v| v.trim().parse().ok()),
    }
}

fn read_json<T: serde::de::DeserializeOwned>(body: &[u8]) -> Result<T, RelayError> {
    serde_json::from_slice(body).map_err(|e| RelayError::BadAnswer {
        reason: format!("not the expected JSON: {e}"),
    })
}

fn sealed_bundle(body: &[u8]) -> Result<Vec<u8>, RelayError> {
    #[derive(Deserialize)]
    struct Body {
        sealed_bundle: String,
    }
    let b: Body = read_json(body)?;
    from_b64u(&b.sealed_bundle).ok_or_else(|| RelayError::BadAnswer {
        reason: "sealed_bundle is not base64url".into(),
    })
}

fn parse_items(body: &[u8]) -> Result<Vec<Item>, RelayError> {
    #[derive(Deserialize)]
    struct Notice {
        #[serde(rename = "type")]
        kind: String,
        mailbox: String,
        last_seen_at: i64,
        due_at: Option<i64>,
    }
    #[derive(Deserialize)]
    struct Raw {
        id: String,
        received_at: i64,
        envelope: Option<String>,
        notice: Option<Notice>,
    }
    #[derive(Deserialize)]
    struct Body {
        messages: Vec<Raw>,
    }
    let bad = |reason: &str| RelayError::BadAnswer {
        reason: reason.into(),
    };
    let b: Body = read_json(body)?;
    b.messages
        .into_iter()
        .map(|m| match (m.envelope, m.notice) {
            (Some(e), _) => Ok(Item::Envelope {
                id: m.id,
                received_at: m.received_at,
                envelope: from_b64u(&e).ok_or_else(|| bad("an envelope is not base64url"))?,
            }),
            (None, Some(n)) => Ok(Item::Notice {
                id: m.id,
                received_at: m.received_at,
                kind: n.kind,
                mailbox: MailboxId::parse(&n.mailbox).ok_or_else(|| bad("a notice's mailbox"))?,
                last_seen_at: n.last_seen_at,
                due_at: n.due_at,
            }),
            (None, None) => Err(bad("an item with neither envelope nor notice")),
        })
        .collect()
}

/// One request to the relay, before it is signed.
struct Request<'a> {
    method: &'a str,
    path: &'a str,
    body: Vec<u8>,
    content_type: Option<&'a str>,
    /// The statuses that mean success.
    ok: &'a [u16],
    /// How long the relay may hold the request open (a long poll), seconds.
    wait_s: u32,
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_relay_named_in_an_invitation_is_https_except_on_loopback() {
        assert_eq!(
            RelayClient::base_for_host("relay.example.org"),
            "https://relay.example.org"
        );
        assert_eq!(
            RelayClient::base_for_host("127.0.0.1:8484"),
            "http://127.0.0.1:8484"
        );
        assert_eq!(RelayClient::base_for_host("localhost"), "http://localhost");
        assert_eq!(
            RelayClient::base_for_host("localhost.evil.org:443"),
            "https://localhost.evil.org:443"
        );
    }

    #[test]
    fn fetched_items_and_refusals_are_read() {
        let body =
            br#"{"messages":[{"id":"AAAAAAAAAAAAAAAAAAAAAA","received_at":5,"envelope":"AQI"},
            {"id":"BBBBBBBBBBBBBBBBBBBBBB","received_at":6,"notice":{"type":"phone_silent",
            "mailbox":"y9U6rCaeQnWe9K_-dAPGzQ","last_seen_at":1,"due_at":2}}]}"#;
        let items = parse_items(body).unwrap();
        assert_eq!(items.len(), 2);
        assert_eq!(
            items[0],
            Item::Envelope {
                id: "AAAAAAAAAAAAAAAAAAAAAA".into(),
                received_at: 5,
                envelope: vec![1, 2]
            }
        );
        assert!(
            matches!(&items[1], Item::Notice { kind, last_seen_at: 1, .. } if kind == "phone_silent")
        );
        assert!(parse_items(br#"{"messages":[{"id":"x","received_at":1}]}"#).is_err());
        let r = HttpResponse {
            status: 429,
            headers: vec![HttpHeader {
                name: "retry-after".into(),
                value: "3".into(),
            }],
            body: br#"{"error":"rate_limited","message":"slow down"}"#.to_vec(),
        };
        let e = refusal(&r);
        assert_eq!(e.code(), Some("rate_limited"));
        assert!(e.is_transient());
        assert!(matches!(
            e,
            RelayError::Refused {
                retry_after_s: Some(3),
                ..
            }
        ));
        let gone = refusal(&HttpResponse {
            status: 410,
            headers: vec![],
            body: br#"{"error":"invitation_used","message":"used"}"#.to_vec(),
        });
        assert!(!gone.is_transient());
    }
}
