//! The HTTP API (docs/alerts-protocol.md §7, docs/openapi/relay.yaml): routes, request
//! authentication, validation, and the mapping of store outcomes to statuses.

use crate::clock::Clock;
use crate::error::ApiError;
use crate::metrics::Metrics;
use crate::proto::{self, EnvelopeHeader, MailboxId, b64u, from_b64u, from_b64u_array, parse_id16};
use crate::store::{
    ClaimOutcome, Fetched, Heartbeat, Hold, HoldOutcome, InviteDelete, InviteLookup, InvitePut,
    ItemBody, NewEnvelope, Nonce, PostOutcome, Store,
};
use crate::{Limits, push};
use axum::body::Bytes;
use axum::extract::{DefaultBodyLimit, Path, Request, State};
use axum::http::{HeaderMap, Method, StatusCode, Uri, header};
use axum::middleware::{self, Next};
use axum::response::{IntoResponse, Response};
use axum::routing::{get, post, put};
use axum::{Json, Router};
use serde::Deserialize;
use serde_json::{Value, json};
use std::collections::HashMap;
use std::sync::{Arc, Mutex, PoisonError};
use std::time::{Duration, Instant};
use tokio::sync::Notify;

/// What every handler shares.
#[derive(Clone)]
pub struct AppState {
    /// The store.
    pub store: Store,
    /// The injected clock.
    pub clock: Arc<dyn Clock>,
    /// Limits.
    pub limits: Limits,
    /// Counters.
    pub metrics: Arc<Metrics>,
    /// Per-device rate limiter.
    pub rate: Arc<RateLimiter>,
    /// Wakes this process's push worker.
    pub push_nudge: Arc<Notify>,
    /// Whether UnifiedPush endpoints may be plain `http://` (tests only).
    pub unifiedpush_allow_http: bool,
}

/// The verified signer of a request.
#[derive(Debug, Clone, Copy)]
pub struct Signer {
    /// The Ed25519 public key.
    pub key: [u8; 32],
    /// Its mailbox.
    pub mailbox: MailboxId,
}

/// Token buckets per device key (per process).
#[derive(Debug)]
pub struct RateLimiter {
    per_s: f64,
    burst: f64,
    buckets: Mutex<HashMap<[u8; 32], (f64, Instant)>>,
}

impl RateLimiter {
    /// `per_s` requests a second sustained, bursts of `burst`.
    #[must_use]
    pub fn new(per_s: f64, burst: f64) -> Self {
        Self {
            per_s,
            burst,
            buckets: Mutex::new(HashMap::new()),
        }
    }

    /// Takes a token, or says how many seconds to wait.
    pub fn take(&self, key: [u8; 32]) -> Result<(), u64> {
        let now = Instant::now();
        let mut map = self.buckets.lock().unwrap_or_else(PoisonError::into_inner);
        if map.len() > 100_000 {
            let burst = self.burst;
            let per_s = self.per_s;
            map.retain(|_, (t, at)| *t + now.duration_since(*at).as_secs_f64() * per_s < burst);
        }
        let (tokens, at) = map.entry(key).or_insert((self.burst, now));
        *tokens = (*tokens + now.duration_since(*at).as_secs_f64() * self.per_s).min(self.burst);
        *at = now;
        if *tokens >= 1.0 {
            *tokens -= 1.0;
            Ok(())
        } else {
            // Whole seconds, at least one.
            #[allow(clippy::cast_possible_truncation, clippy::cast_sign_loss)]
            let wait = ((1.0 - *tokens) / self.per_s).ceil().max(1.0) as u64;
            Err(wait)
        }
    }
}

/// The router with every route, the fallback and the error/metrics middleware.
pub fn router(state: AppState) -> Router {
    let max_body = state.limits.max_body;
    Router::new()
        .route("/health", get(health))
        .route("/metrics", get(metrics))
        .route(
            "/v1/mailboxes/{mbx}",
            put(open_mailbox).delete(delete_mailbox),
        )
        .route(
            "/v1/mailboxes/{mbx}/messages",
            post(post_message).get(fetch),
        )
        .route("/v1/mailboxes/{mbx}/ack", post(ack))
        .route(
            "/v1/mailboxes/{mbx}/push",
            put(put_push).delete(delete_push),
        )
        .route(
            "/v1/mailboxes/{mbx}/heartbeat",
            put(put_heartbeat).post(checkin).delete(delete_heartbeat),
        )
        .route("/v1/escalations", post(hold_escalation))
        .route("/v1/escalations/cancel", post(cancel_escalations))
        .route(
            "/v1/invitations/{id}",
            get(get_invitation)
                .put(put_invitation)
                .delete(delete_invitation),
        )
        .route("/v1/invitations/{id}/claim", post(claim_invitation))
        .fallback(|| async { ApiError::NoRoute })
        .layer(DefaultBodyLimit::max(max_body))
        .layer(middleware::from_fn_with_state(state.clone(), observe))
        .with_state(state)
}

/// Records latency and refusals, and gives every error response (including axum's own
/// rejections: 405, 413, malformed paths) the JSON error shape.
async fn observe(State(s): State<AppState>, req: Request, next: Next) -> Response {
    let start = Instant::now();
    let resp = next.run(req).await;
    s.metrics.observe_latency(start.elapsed().as_secs_f64());
    let status = resp.status();
    if status.is_client_error() || status.is_server_error() {
        Metrics::add(&s.metrics.requests_refused, 1);
        let is_json = resp
            .headers()
            .get(header::CONTENT_TYPE)
            .is_some_and(|v| v.as_bytes().starts_with(b"application/json"));
        if !is_json {
            let (status, code) = match status {
                StatusCode::METHOD_NOT_ALLOWED => (status, "method_not_allowed"),
                StatusCode::PAYLOAD_TOO_LARGE => (status, "payload_too_large"),
                StatusCode::UNSUPPORTED_MEDIA_TYPE => (status, "unsupported_media_type"),
                StatusCode::NOT_FOUND => (status, "not_found"),
                s if s.is_server_error() => (StatusCode::SERVICE_UNAVAILABLE, "store_unavailable"),
                _ => (StatusCode::BAD_REQUEST, "bad_request"),
            };
            let message = match code {
                "payload_too_large" => format!(
                    "the request body is larger than {} bytes",
                    s.limits.max_body
                ),
                "method_not_allowed" => "this endpoint does not take this method".to_owned(),
                _ => "the request could not be read; see docs/openapi/relay.yaml".to_owned(),
            };
            let mut resp =
                (status, Json(json!({"error": code, "message": message}))).into_response();
            if status == StatusCode::PAYLOAD_TOO_LARGE {
                // The rest of the body was not read: tell the client not to reuse the connection.
                resp.headers_mut().insert(
                    header::CONNECTION,
                    axum::http::HeaderValue::from_static("close"),
                );
            }
            return resp;
        }
    }
    resp
}

fn header_str<'a>(headers: &'a HeaderMap, name: &str) -> Result<&'a str, ApiError> {
    headers
        .get(name)
        .ok_or_else(|| {
            ApiError::Unauthenticated(format!("missing {name} header; sign every /v1 request"))
        })?
        .to_str()
        .map_err(|_| ApiError::Unauthenticated(format!("{name} is not ASCII")))
}

/// Verifies a request's signature, timestamp, rate and nonce (docs/alerts-protocol.md §6).
pub async fn authenticate(
    s: &AppState,
    method: &Method,
    uri: &Uri,
    headers: &HeaderMap,
    body: &[u8],
) -> Result<Signer, ApiError> {
    let (signer, n) = verify(s, method, uri, headers, body)?;
    if !s.store.check_nonce(n.key, n.nonce, n.until, n.now).await? {
        return Err(ApiError::ReplayedNonce);
    }
    Ok(signer)
}

/// Verifies signature, timestamp and rate; the caller records the nonce (with its own statement
/// where the store can, see [`Store::post_signed`]) and refuses a replay.
pub fn verify(
    s: &AppState,
    method: &Method,
    uri: &Uri,
    headers: &HeaderMap,
    body: &[u8],
) -> Result<(Signer, Nonce), ApiError> {
    let key_s = header_str(headers, "thecal-key")?;
    let ts_s = header_str(headers, "thecal-timestamp")?;
    let nonce_s = header_str(headers, "thecal-nonce")?;
    let sig_s = header_str(headers, "thecal-signature")?;
    let key: [u8; 32] = from_b64u_array(key_s).ok_or_else(|| {
        ApiError::Unauthenticated("Thecal-Key is not 32 bytes of base64url".into())
    })?;
    let ts: i64 = (!ts_s.is_empty()
        && ts_s.len() <= 12
        && ts_s.bytes().all(|b| b.is_ascii_digit()))
    .then(|| ts_s.parse().ok())
    .flatten()
    .ok_or_else(|| ApiError::Unauthenticated("Thecal-Timestamp is not Unix seconds".into()))?;
    let nonce: [u8; 16] = from_b64u_array(nonce_s).ok_or_else(|| {
        ApiError::Unauthenticated("Thecal-Nonce is not 16 bytes of base64url".into())
    })?;
    let sig: [u8; 64] = from_b64u_array(sig_s).ok_or_else(|| {
        ApiError::Unauthenticated("Thecal-Signature is not 64 bytes of base64url".into())
    })?;
    let target = uri
        .path_and_query()
        .map_or_else(|| uri.path(), |p| p.as_str());
    let canonical = proto::canonical_request(method.as_str(), target, body, ts, nonce_s, key_s);
    ring::signature::UnparsedPublicKey::new(&ring::signature::ED25519, &key)
        .verify(canonical.as_bytes(), &sig)
        .map_err(|_| ApiError::BadSignature)?;
    s.rate.take(key).map_err(ApiError::RateLimited)?;
    let now = s.clock.now();
    if (ts - now).abs() > s.limits.clock_skew_s {
        return Err(ApiError::StaleTimestamp {
            relay_time: now,
            skew_s: s.limits.clock_skew_s,
        });
    }
    let n = Nonce {
        key,
        nonce,
        until: now + s.limits.nonce_ttl_s,
        now,
    };
    Ok((
        Signer {
            key,
            mailbox: MailboxId::of_key(&key),
        },
        n,
    ))
}

fn parse_mailbox(text: &str) -> Result<MailboxId, ApiError> {
    MailboxId::parse(text).ok_or_else(|| {
        ApiError::BadRequest("a mailbox id is 16 bytes in base64url (22 characters)".into())
    })
}

fn owner(signer: &Signer, mbx: MailboxId) -> Result<(), ApiError> {
    if signer.mailbox == mbx {
        Ok(())
    } else {
        Err(ApiError::Forbidden(
            "only the mailbox's own device may do this".into(),
        ))
    }
}

fn json_body<T: for<'de> Deserialize<'de>>(
    headers: &HeaderMap,
    body: &[u8],
) -> Result<T, ApiError> {
    if let Some(ct) = headers.get(header::CONTENT_TYPE)
        && !ct.as_bytes().starts_with(b"application/json")
    {
        return Err(ApiError::UnsupportedMediaType(
            "send application/json".into(),
        ));
    }
    serde_json::from_slice(body)
        .map_err(|e| ApiError::BadRequest(format!("invalid JSON body: {e}")))
}

/// Reads and checks an envelope for a mailbox post, a held escalation or a pairing hello.
fn check_envelope(
    s: &AppState,
    signer: &Signer,
    envelope: &[u8],
) -> Result<EnvelopeHeader, ApiError> {
    if envelope.len() > s.limits.max_envelope {
        return Err(ApiError::PayloadTooLarge(s.limits.max_envelope));
    }
    let h =
        EnvelopeHeader::parse(envelope).map_err(|e| ApiError::InvalidEnvelope(e.to_string()))?;
    if h.sender != signer.mailbox {
        return Err(ApiError::InvalidEnvelope(
            "the envelope's sender must be the signing device's mailbox".into(),
        ));
    }
    let now = s.clock.now();
    let expires = i64::try_from(h.expires_at).unwrap_or(i64::MAX);
    if expires <= now {
        return Err(ApiError::Expired("expires_at"));
    }
    if expires > now + s.limits.max_ttl_s {
        return Err(ApiError::TtlTooLong {
            what: "expires_at",
            max_s: s.limits.max_ttl_s,
        });
    }
    Ok(h)
}

fn status_json(status: StatusCode, body: Value) -> Response {
    (status, Json(body)).into_response()
}

async fn health(State(s): State<AppState>) -> Response {
    match s.store.health().await {
        Ok(()) => status_json(
            StatusCode::OK,
            json!({"status": "ok", "store": s.store.kind()}),
        ),
        Err(e) => {
            tracing::warn!(error = %e, "health: store unreachable");
            status_json(
                StatusCode::SERVICE_UNAVAILABLE,
                json!({"status": "unavailable", "store": s.store.kind()}),
            )
        }
    }
}

async fn metrics(State(s): State<AppState>) -> Response {
    (
        [(
            header::CONTENT_TYPE,
            "text/plain; version=0.0.4; charset=utf-8",
        )],
        s.metrics.render(s.store.kind()),
    )
        .into_response()
}

async fn open_mailbox(
    State(s): State<AppState>,
    Path(mbx): Path<String>,
    method: Method,
    uri: Uri,
    headers: HeaderMap,
    body: Bytes,
) -> Result<Response, ApiError> {
    let mbx = parse_mailbox(&mbx)?;
    let signer = authenticate(&s, &method, &uri, &headers, &body).await?;
    owner(&signer, mbx)?;
    let created = s.store.open_mailbox(mbx, s.clock.now()).await?;
    let status = if created {
        StatusCode::CREATED
    } else {
        StatusCode::OK
    };
    Ok(status_json(status, json!({"mailbox": mbx.to_string()})))
}

async fn delete_mailbox(
    State(s): State<AppState>,
    Path(mbx): Path<String>,
    method: Method,
    uri: Uri,
    headers: HeaderMap,
    body: Bytes,
) -> Result<Response, ApiError> {
    let mbx = parse_mailbox(&mbx)?;
    let signer = authenticate(&s, &method, &uri, &headers, &body).await?;
    owner(&signer, mbx)?;
    s.store.delete_mailbox(mbx).await?;
    tracing::info!(mailbox = %mbx, "mailbox deleted");
    Ok(StatusCode::NO_CONTENT.into_response())
}

async fn post_message(
    State(s): State<AppState>,
    Path(mbx): Path<String>,
    method: Method,
    uri: Uri,
    headers: HeaderMap,
    body: Bytes,
) -> Result<Response, ApiError> {
    let mbx = parse_mailbox(&mbx)?;
    let (signer, nonce) = verify(&s, &method, &uri, &headers, &body)?;
    if let Some(ct) = headers.get(header::CONTENT_TYPE)
        && ct.as_bytes() != b"application/octet-stream"
    {
        return Err(ApiError::UnsupportedMediaType(
            "post the envelope as application/octet-stream".into(),
        ));
    }
    let h = check_envelope(&s, &signer, &body)?;
    if h.recipient != mbx {
        return Err(ApiError::InvalidEnvelope(
            "the envelope's recipient is not this mailbox".into(),
        ));
    }
    let expires_at = i64::try_from(h.expires_at).unwrap_or(i64::MAX);
    let env = NewEnvelope {
        mailbox: mbx,
        id: h.message_id,
        envelope: body.to_vec(),
        expires_at,
    };
    let out = s
        .store
        .post_signed(env, s.clock.now(), s.limits.mailbox_depth, nonce)
        .await?;
    let reply = json!({"id": b64u(&h.message_id), "expires_at": expires_at});
    match out {
        PostOutcome::Created => {
            Metrics::add(&s.metrics.envelopes_accepted, 1);
            s.push_nudge.notify_one();
            Ok(status_json(StatusCode::CREATED, reply))
        }
        PostOutcome::Duplicate => Ok(status_json(StatusCode::OK, reply)),
        PostOutcome::Conflict => Err(ApiError::MessageIdConflict),
        PostOutcome::MailboxNotFound => Err(ApiError::MailboxNotFound),
        PostOutcome::MailboxFull => Err(ApiError::MailboxFull(s.limits.mailbox_depth)),
        PostOutcome::Replayed => Err(ApiError::ReplayedNonce),
    }
}

fn query_u32(uri: &Uri, name: &str, default: u32, max: u32, min: u32) -> Result<u32, ApiError> {
    let Some(q) = uri.query() else {
        return Ok(default);
    };
    let mut value = default;
    for pair in q.split('&').filter(|p| !p.is_empty()) {
        let (k, v) = pair.split_once('=').unwrap_or((pair, ""));
        if k == name {
            value = (!v.is_empty() && v.len() <= 6 && v.bytes().all(|b| b.is_ascii_digit()))
                .then(|| v.parse::<u32>().ok())
                .flatten()
                .filter(|n| (min..=max).contains(n))
                .ok_or_else(|| {
                    ApiError::BadRequest(format!("{name} must be an integer from {min} to {max}"))
                })?;
        }
    }
    Ok(value)
}

async fn fetch(
    State(s): State<AppState>,
    Path(mbx): Path<String>,
    method: Method,
    uri: Uri,
    headers: HeaderMap,
    body: Bytes,
) -> Result<Response, ApiError> {
    let mbx = parse_mailbox(&mbx)?;
    let wait = query_u32(&uri, "wait", 0, s.limits.max_wait_s, 0)?;
    let limit = query_u32(&uri, "limit", 100, 100, 1)?;
    let (signer, nonce) = verify(&s, &method, &uri, &headers, &body)?;
    owner(&signer, mbx)?;
    let items = long_poll(&s, mbx, wait, limit, Some(nonce)).await?;
    Ok(status_json(
        StatusCode::OK,
        json!({"messages": items_json(&s, items)}),
    ))
}

/// The oldest pending items; if none, waits up to `wait` seconds for one (or for shutdown).
/// The first look records the request's nonce when one is given.
async fn long_poll(
    s: &AppState,
    mbx: MailboxId,
    wait: u32,
    limit: u32,
    nonce: Option<Nonce>,
) -> Result<Vec<crate::store::Item>, ApiError> {
    let deadline = tokio::time::Instant::now() + Duration::from_secs(u64::from(wait));
    let waiters = Arc::clone(s.store.waiters());
    let handle = waiters.handle(mbx);
    let result = async {
        let mut first = nonce;
        loop {
            let notified = handle.notified();
            tokio::pin!(notified);
            notified.as_mut().enable();
            let any = waiters.any();
            tokio::pin!(any);
            any.as_mut().enable();
            let items = match s
                .store
                .fetch_checked(mbx, s.clock.now(), limit, first.take())
                .await?
            {
                Fetched::Items(items) => items,
                Fetched::NoMailbox => return Err(ApiError::MailboxNotFound),
                Fetched::Replayed => return Err(ApiError::ReplayedNonce),
            };
            if !items.is_empty()
                || waiters.is_shutting_down()
                || tokio::time::Instant::now() >= deadline
            {
                return Ok(items);
            }
            tokio::select! {
                () = &mut notified => {}
                () = &mut any => {}
                () = tokio::time::sleep_until(deadline) => {}
            }
        }
    }
    .await;
    waiters.release(mbx, handle);
    result
}

fn items_json(s: &AppState, items: Vec<crate::store::Item>) -> Vec<Value> {
    Metrics::add(&s.metrics.envelopes_delivered, items.len() as u64);
    items
        .into_iter()
        .map(|i| match i.body {
            ItemBody::Envelope(e) => {
                json!({"id": b64u(&i.id), "received_at": i.received_at, "envelope": b64u(&e)})
            }
            ItemBody::Notice(n) => {
                let notice: Value = serde_json::from_str(&n).unwrap_or(Value::Null);
                json!({"id": b64u(&i.id), "received_at": i.received_at, "notice": notice})
            }
        })
        .collect()
}

#[derive(Deserialize)]
struct AckBody {
    ids: Vec<String>,
    /// Fetch again in the same request (saves a round trip per delivery).
    next: Option<NextBody>,
}

#[derive(Deserialize)]
struct NextBody {
    #[serde(default)]
    wait: u32,
    #[serde(default = "hundred")]
    limit: u32,
}

fn hundred() -> u32 {
    100
}

async fn ack(
    State(s): State<AppState>,
    Path(mbx): Path<String>,
    method: Method,
    uri: Uri,
    headers: HeaderMap,
    body: Bytes,
) -> Result<Response, ApiError> {
    let mbx = parse_mailbox(&mbx)?;
    let (signer, nonce) = verify(&s, &method, &uri, &headers, &body)?;
    owner(&signer, mbx)?;
    let b: AckBody = json_body(&headers, &body)?;
    if b.ids.is_empty() || b.ids.len() > 100 {
        return Err(ApiError::BadRequest("ids holds 1 to 100 ids".into()));
    }
    let ids = b
        .ids
        .iter()
        .map(|i| {
            parse_id16(i)
                .ok_or_else(|| ApiError::BadRequest("an id is 16 bytes in base64url".into()))
        })
        .collect::<Result<Vec<_>, _>>()?;
    if let Some(next) = &b.next
        && (next.wait > s.limits.max_wait_s || !(1..=100).contains(&next.limit))
    {
        return Err(ApiError::BadRequest(format!(
            "next.wait is 0 to {} and next.limit 1 to 100",
            s.limits.max_wait_s
        )));
    }
    let n = s
        .store
        .ack_signed(mbx, ids, nonce)
        .await?
        .ok_or(ApiError::ReplayedNonce)?;
    Metrics::add(&s.metrics.envelopes_acknowledged, n);
    let Some(next) = b.next else {
        return Ok(status_json(StatusCode::OK, json!({"deleted": n})));
    };
    let items = long_poll(&s, mbx, next.wait, next.limit, None).await?;
    Ok(status_json(
        StatusCode::OK,
        json!({"deleted": n, "messages": items_json(&s, items)}),
    ))
}

async fn put_push(
    State(s): State<AppState>,
    Path(mbx): Path<String>,
    method: Method,
    uri: Uri,
    headers: HeaderMap,
    body: Bytes,
) -> Result<Response, ApiError> {
    let mbx = parse_mailbox(&mbx)?;
    let signer = authenticate(&s, &method, &uri, &headers, &body).await?;
    owner(&signer, mbx)?;
    let target: push::Target = json_body(&headers, &body)?;
    target
        .validate(s.unifiedpush_allow_http)
        .map_err(ApiError::BadRequest)?;
    let text = serde_json::to_string(&target).map_err(|e| ApiError::BadRequest(e.to_string()))?;
    if !s.store.set_push(mbx, Some(text)).await? {
        return Err(ApiError::MailboxNotFound);
    }
    Ok(status_json(
        StatusCode::OK,
        json!({"provider": target.provider()}),
    ))
}

async fn delete_push(
    State(s): State<AppState>,
    Path(mbx): Path<String>,
    method: Method,
    uri: Uri,
    headers: HeaderMap,
    body: Bytes,
) -> Result<Response, ApiError> {
    let mbx = parse_mailbox(&mbx)?;
    let signer = authenticate(&s, &method, &uri, &headers, &body).await?;
    owner(&signer, mbx)?;
    if !s.store.set_push(mbx, None).await? {
        return Err(ApiError::MailboxNotFound);
    }
    Ok(StatusCode::NO_CONTENT.into_response())
}

#[derive(Deserialize)]
struct HeartbeatBody {
    interval_s: i64,
    #[serde(default)]
    grace_s: i64,
    #[serde(default)]
    watchers: Vec<String>,
}

async fn put_heartbeat(
    State(s): State<AppState>,
    Path(mbx): Path<String>,
    method: Method,
    uri: Uri,
    headers: HeaderMap,
    body: Bytes,
) -> Result<Response, ApiError> {
    let mbx = parse_mailbox(&mbx)?;
    let signer = authenticate(&s, &method, &uri, &headers, &body).await?;
    owner(&signer, mbx)?;
    let b: HeartbeatBody = json_body(&headers, &body)?;
    if !(60..=604_800).contains(&b.interval_s) {
        return Err(ApiError::BadRequest(
            "interval_s must be from 60 to 604800".into(),
        ));
    }
    if !(0..=86_400).contains(&b.grace_s) {
        return Err(ApiError::BadRequest(
            "grace_s must be from 0 to 86400".into(),
        ));
    }
    if b.watchers.len() > 16 {
        return Err(ApiError::BadRequest("at most 16 watchers".into()));
    }
    let watchers = b
        .watchers
        .iter()
        .map(|w| parse_mailbox(w))
        .collect::<Result<Vec<_>, _>>()?;
    let hb = Heartbeat {
        interval_s: b.interval_s,
        grace_s: b.grace_s,
        watchers,
    };
    let due = s
        .store
        .set_heartbeat(mbx, hb, s.clock.now(), s.limits.max_ttl_s)
        .await?
        .ok_or(ApiError::MailboxNotFound)?;
    s.push_nudge.notify_one();
    Ok(status_json(StatusCode::OK, json!({"due_at": due})))
}

async fn checkin(
    State(s): State<AppState>,
    Path(mbx): Path<String>,
    method: Method,
    uri: Uri,
    headers: HeaderMap,
    body: Bytes,
) -> Result<Response, ApiError> {
    let mbx = parse_mailbox(&mbx)?;
    let signer = authenticate(&s, &method, &uri, &headers, &body).await?;
    owner(&signer, mbx)?;
    let due = s
        .store
        .checkin(mbx, s.clock.now(), s.limits.max_ttl_s)
        .await?
        .ok_or_else(|| {
            ApiError::NotFound("no heartbeat is declared for this mailbox; PUT one first".into())
        })?;
    s.push_nudge.notify_one();
    Ok(status_json(StatusCode::OK, json!({"due_at": due})))
}

async fn delete_heartbeat(
    State(s): State<AppState>,
    Path(mbx): Path<String>,
    method: Method,
    uri: Uri,
    headers: HeaderMap,
    body: Bytes,
) -> Result<Response, ApiError> {
    let mbx = parse_mailbox(&mbx)?;
    let signer = authenticate(&s, &method, &uri, &headers, &body).await?;
    owner(&signer, mbx)?;
    s.store.delete_heartbeat(mbx).await?;
    Ok(StatusCode::NO_CONTENT.into_response())
}

#[derive(Deserialize)]
struct HoldBody {
    release_at: i64,
    cancel_hash: String,
    envelope: String,
}

async fn hold_escalation(
    State(s): State<AppState>,
    method: Method,
    uri: Uri,
    headers: HeaderMap,
    body: Bytes,
) -> Result<Response, ApiError> {
    let signer = authenticate(&s, &method, &uri, &headers, &body).await?;
    let b: HoldBody = json_body(&headers, &body)?;
    let cancel_hash: [u8; 32] = from_b64u_array(&b.cancel_hash)
        .ok_or_else(|| ApiError::BadRequest("cancel_hash is 32 bytes in base64url".into()))?;
    let envelope = from_b64u(&b.envelope)
        .ok_or_else(|| ApiError::BadRequest("envelope is base64url without padding".into()))?;
    let h = check_envelope(&s, &signer, &envelope)?;
    let now = s.clock.now();
    if b.release_at <= now {
        return Err(ApiError::Expired("release_at"));
    }
    if b.release_at > now + s.limits.max_release_ahead_s {
        return Err(ApiError::TtlTooLong {
            what: "release_at",
            max_s: s.limits.max_release_ahead_s,
        });
    }
    let expires_at = i64::try_from(h.expires_at).unwrap_or(i64::MAX);
    if b.release_at >= expires_at {
        return Err(ApiError::BadRequest(
            "release_at must be before the envelope's expires_at".into(),
        ));
    }
    let hold = Hold {
        env: NewEnvelope {
            mailbox: h.recipient,
            id: h.message_id,
            envelope,
            expires_at,
        },
        sender: signer.mailbox,
        cancel_hash,
        release_at: b.release_at,
    };
    let id = b64u(&h.message_id);
    match s.store.hold(hold).await? {
        HoldOutcome::Held => Ok(status_json(
            StatusCode::CREATED,
            json!({"id": id, "state": "held"}),
        )),
        HoldOutcome::Duplicate => Ok(status_json(
            StatusCode::OK,
            json!({"id": id, "state": "held"}),
        )),
        HoldOutcome::Cancelled => Ok(status_json(
            StatusCode::OK,
            json!({"id": id, "state": "cancelled"}),
        )),
        HoldOutcome::Conflict => Err(ApiError::MessageIdConflict),
        HoldOutcome::MailboxNotFound => Err(ApiError::MailboxNotFound),
    }
}

#[derive(Deserialize)]
struct CancelBody {
    token: String,
}

async fn cancel_escalations(
    State(s): State<AppState>,
    method: Method,
    uri: Uri,
    headers: HeaderMap,
    body: Bytes,
) -> Result<Response, ApiError> {
    authenticate(&s, &method, &uri, &headers, &body).await?;
    let b: CancelBody = json_body(&headers, &body)?;
    let token = from_b64u(&b.token)
        .filter(|t| (16..=64).contains(&t.len()))
        .ok_or_else(|| ApiError::BadRequest("token is 16 to 64 bytes in base64url".into()))?;
    let n = s
        .store
        .cancel(
            proto::cancel_hash(&token),
            s.clock.now() + s.limits.max_ttl_s,
        )
        .await?;
    Metrics::add(&s.metrics.escalations_cancelled, n);
    Ok(status_json(StatusCode::OK, json!({"cancelled": n})))
}

fn parse_invite(text: &str) -> Result<[u8; 16], ApiError> {
    parse_id16(text).ok_or_else(|| {
        ApiError::BadRequest("an invitation id is 16 bytes in base64url (22 characters)".into())
    })
}

#[derive(Deserialize)]
struct InviteBody {
    sealed_bundle: String,
    expires_at: i64,
}

async fn put_invitation(
    State(s): State<AppState>,
    Path(id): Path<String>,
    method: Method,
    uri: Uri,
    headers: HeaderMap,
    body: Bytes,
) -> Result<Response, ApiError> {
    let id = parse_invite(&id)?;
    let signer = authenticate(&s, &method, &uri, &headers, &body).await?;
    let b: InviteBody = json_body(&headers, &body)?;
    let sealed = from_b64u(&b.sealed_bundle)
        .filter(|v| !v.is_empty() && v.len() <= 1024)
        .ok_or_else(|| {
            ApiError::BadRequest("sealed_bundle is 1 to 1024 bytes in base64url".into())
        })?;
    let now = s.clock.now();
    if b.expires_at <= now {
        return Err(ApiError::Expired("expires_at"));
    }
    if b.expires_at > now + s.limits.max_invitation_s {
        return Err(ApiError::TtlTooLong {
            what: "expires_at",
            max_s: s.limits.max_invitation_s,
        });
    }
    if !s.store.mailbox_exists(signer.mailbox).await? {
        return Err(ApiError::MailboxNotFound);
    }
    let reply = json!({"id": b64u(&id), "expires_at": b.expires_at});
    match s
        .store
        .put_invitation(id, signer.mailbox, sealed, b.expires_at)
        .await?
    {
        InvitePut::Created => Ok(status_json(StatusCode::CREATED, reply)),
        InvitePut::Same => Ok(status_json(StatusCode::OK, reply)),
        InvitePut::Conflict => Err(ApiError::InvitationConflict),
    }
}

#[derive(Deserialize)]
struct ClaimBody {
    hello: String,
}

async fn get_invitation(
    State(s): State<AppState>,
    Path(id): Path<String>,
    method: Method,
    uri: Uri,
    headers: HeaderMap,
    body: Bytes,
) -> Result<Response, ApiError> {
    let id = parse_invite(&id)?;
    authenticate(&s, &method, &uri, &headers, &body).await?;
    match s.store.get_invitation(id, s.clock.now()).await? {
        InviteLookup::Open(sealed) => Ok(status_json(
            StatusCode::OK,
            json!({"sealed_bundle": b64u(&sealed)}),
        )),
        InviteLookup::NotFound => Err(ApiError::NotFound(
            "no such invitation; check the pairing code".into(),
        )),
        InviteLookup::Used => Err(ApiError::InvitationUsed),
        InviteLookup::Expired => Err(ApiError::InvitationExpired),
    }
}

async fn claim_invitation(
    State(s): State<AppState>,
    Path(id): Path<String>,
    method: Method,
    uri: Uri,
    headers: HeaderMap,
    body: Bytes,
) -> Result<Response, ApiError> {
    let id = parse_invite(&id)?;
    let signer = authenticate(&s, &method, &uri, &headers, &body).await?;
    let b: ClaimBody = json_body(&headers, &body)?;
    let hello = from_b64u(&b.hello)
        .ok_or_else(|| ApiError::BadRequest("hello is base64url without padding".into()))?;
    let h = check_envelope(&s, &signer, &hello)?;
    let expires_at = i64::try_from(h.expires_at).unwrap_or(i64::MAX);
    let env = NewEnvelope {
        mailbox: h.recipient,
        id: h.message_id,
        envelope: hello,
        expires_at,
    };
    match s
        .store
        .claim_invitation(id, env, s.clock.now(), s.limits.mailbox_depth)
        .await?
    {
        ClaimOutcome::Claimed(sealed) => {
            Metrics::add(&s.metrics.envelopes_accepted, 1);
            s.push_nudge.notify_one();
            Ok(status_json(
                StatusCode::OK,
                json!({"sealed_bundle": b64u(&sealed)}),
            ))
        }
        ClaimOutcome::NotFound => Err(ApiError::NotFound(
            "no such invitation; check the pairing code".into(),
        )),
        ClaimOutcome::Used => Err(ApiError::InvitationUsed),
        ClaimOutcome::Expired => Err(ApiError::InvitationExpired),
        ClaimOutcome::WrongRecipient => Err(ApiError::InvalidEnvelope(
            "the hello must be addressed to the invitation's creator".into(),
        )),
        ClaimOutcome::MailboxUnavailable => Err(ApiError::MailboxFull(s.limits.mailbox_depth)),
    }
}

async fn delete_invitation(
    State(s): State<AppState>,
    Path(id): Path<String>,
    method: Method,
    uri: Uri,
    headers: HeaderMap,
    body: Bytes,
) -> Result<Response, ApiError> {
    let id = parse_invite(&id)?;
    let signer = authenticate(&s, &method, &uri, &headers, &body).await?;
    match s.store.delete_invitation(id, signer.mailbox).await? {
        InviteDelete::Deleted => Ok(StatusCode::NO_CONTENT.into_response()),
        InviteDelete::NotFound => Err(ApiError::NotFound("no such invitation".into())),
        InviteDelete::Forbidden => Err(ApiError::Forbidden(
            "only the invitation's creator may withdraw it".into(),
        )),
    }
}
