//! Errors: what the store can fail with, and every refusal the API answers, each with its HTTP
//! status and a JSON body `{"error": "<code>", "message": "<what to do>"}`.

use axum::Json;
use axum::http::{HeaderValue, StatusCode, header};
use axum::response::{IntoResponse, Response};

/// A failure of the storage layer (SQLite or PostgreSQL).
#[derive(Debug, thiserror::Error)]
pub enum StoreError {
    /// SQLite said no.
    #[error("sqlite: {0}")]
    Sqlite(#[from] rusqlite::Error),
    /// A migration failed.
    #[error("migration: {0}")]
    Migration(#[from] rusqlite_migration::Error),
    /// PostgreSQL said no.
    #[error("postgres: {}", pg_detail(.0))]
    Postgres(#[from] tokio_postgres::Error),
    /// No PostgreSQL connection could be had from the pool.
    #[error("postgres pool: {0}")]
    Pool(String),
    /// The SQLite writer thread is gone (shutting down, or it died).
    #[error("the store's writer is not running")]
    WriterGone,
    /// Another relay process holds the SQLite data folder.
    #[error("the data folder {0} is in use by another relay process")]
    Locked(String),
    /// Blocking work could not be run.
    #[error("blocking task failed: {0}")]
    Join(String),
    /// A file or folder could not be used.
    #[error("i/o: {0}")]
    Io(#[from] std::io::Error),
}

/// The server's message when there is one ("db error" alone says nothing).
fn pg_detail(e: &tokio_postgres::Error) -> String {
    e.as_db_error().map_or_else(
        || e.to_string(),
        |d| format!("{}: {}", d.code().code(), d.message()),
    )
}

impl From<deadpool_postgres::PoolError> for StoreError {
    fn from(e: deadpool_postgres::PoolError) -> Self {
        Self::Pool(e.to_string())
    }
}

/// Every refusal of the HTTP API (docs/alerts-protocol.md §7).
#[derive(Debug, thiserror::Error)]
pub enum ApiError {
    /// Malformed JSON, query, id or header.
    #[error("{0}")]
    BadRequest(String),
    /// The envelope's outer header is wrong.
    #[error("{0}")]
    InvalidEnvelope(String),
    /// `expires_at` (or `release_at`) is not in the future.
    #[error("{0} is not in the future")]
    Expired(&'static str),
    /// `expires_at` is further ahead than the relay keeps anything.
    #[error("{what} is more than {max_s} s ahead; this relay keeps nothing longer")]
    TtlTooLong {
        /// Which field.
        what: &'static str,
        /// The limit, seconds.
        max_s: i64,
    },
    /// Signature headers missing or malformed.
    #[error("{0}")]
    Unauthenticated(String),
    /// The signature does not verify.
    #[error(
        "the request signature does not verify; sign the canonical string of docs/alerts-protocol.md §6"
    )]
    BadSignature,
    /// The timestamp is too far from the relay's clock.
    #[error(
        "Thecal-Timestamp is more than {skew_s} s from the relay's time ({relay_time}); correct the device clock offset"
    )]
    StaleTimestamp {
        /// The relay's time.
        relay_time: i64,
        /// The allowed skew.
        skew_s: i64,
    },
    /// The nonce was already used with this key.
    #[error("this nonce was already used; draw a fresh one for every request")]
    ReplayedNonce,
    /// Signed by someone who may not do this.
    #[error("{0}")]
    Forbidden(String),
    /// No such mailbox.
    #[error("no mailbox with this id; its owner must open it first (PUT /v1/mailboxes/{{id}})")]
    MailboxNotFound,
    /// No such thing.
    #[error("{0}")]
    NotFound(String),
    /// The message id was used before with other bytes.
    #[error("this message id was already used with different bytes; draw a new id")]
    MessageIdConflict,
    /// The mailbox holds its maximum of pending items.
    #[error("the mailbox holds {0} pending items, its maximum; retry later")]
    MailboxFull(u32),
    /// The invitation id is taken with another content.
    #[error("this invitation id is taken; draw a new pairing code")]
    InvitationConflict,
    /// The invitation was claimed already.
    #[error("this invitation was already used; ask for a new pairing code")]
    InvitationUsed,
    /// The invitation expired.
    #[error("this invitation has expired; ask for a new pairing code")]
    InvitationExpired,
    /// The body is too large.
    #[error("the request body is larger than {0} bytes")]
    PayloadTooLarge(usize),
    /// Wrong content type.
    #[error("{0}")]
    UnsupportedMediaType(String),
    /// Too many requests from this device.
    #[error("too many requests from this device; retry in {0} s")]
    RateLimited(u64),
    /// The store cannot be reached.
    #[error("the relay's store is unavailable; retry with backoff")]
    StoreUnavailable,
    /// No such route.
    #[error("no such endpoint")]
    NoRoute,
    /// Wrong method for this route.
    #[error("this endpoint does not take this method")]
    MethodNotAllowed,
}

impl ApiError {
    /// The HTTP status of this refusal.
    #[must_use]
    pub fn status(&self) -> StatusCode {
        match self {
            Self::BadRequest(_)
            | Self::InvalidEnvelope(_)
            | Self::Expired(_)
            | Self::TtlTooLong { .. } => StatusCode::BAD_REQUEST,
            Self::Unauthenticated(_)
            | Self::BadSignature
            | Self::StaleTimestamp { .. }
            | Self::ReplayedNonce => StatusCode::UNAUTHORIZED,
            Self::Forbidden(_) => StatusCode::FORBIDDEN,
            Self::MailboxNotFound | Self::NotFound(_) | Self::NoRoute => StatusCode::NOT_FOUND,
            Self::MethodNotAllowed => StatusCode::METHOD_NOT_ALLOWED,
            Self::MessageIdConflict | Self::MailboxFull(_) | Self::InvitationConflict => {
                StatusCode::CONFLICT
            }
            Self::InvitationUsed | Self::InvitationExpired => StatusCode::GONE,
            Self::PayloadTooLarge(_) => StatusCode::PAYLOAD_TOO_LARGE,
            Self::UnsupportedMediaType(_) => StatusCode::UNSUPPORTED_MEDIA_TYPE,
            Self::RateLimited(_) => StatusCode::TOO_MANY_REQUESTS,
            Self::StoreUnavailable => StatusCode::SERVICE_UNAVAILABLE,
        }
    }

    /// The stable machine-readable code.
    #[must_use]
    pub fn code(&self) -> &'static str {
        match self {
            Self::BadRequest(_) => "bad_request",
            Self::InvalidEnvelope(_) => "invalid_envelope",
            Self::Expired(_) => "expired",
            Self::TtlTooLong { .. } => "ttl_too_long",
            Self::Unauthenticated(_) => "unauthenticated",
            Self::BadSignature => "bad_signature",
            Self::StaleTimestamp { .. } => "stale_timestamp",
            Self::ReplayedNonce => "replayed_nonce",
            Self::Forbidden(_) => "forbidden",
            Self::MailboxNotFound => "mailbox_not_found",
            Self::NotFound(_) | Self::NoRoute => "not_found",
            Self::MethodNotAllowed => "method_not_allowed",
            Self::MessageIdConflict => "message_id_conflict",
            Self::MailboxFull(_) => "mailbox_full",
            Self::InvitationConflict => "invitation_conflict",
            Self::InvitationUsed => "invitation_used",
            Self::InvitationExpired => "invitation_expired",
            Self::PayloadTooLarge(_) => "payload_too_large",
            Self::UnsupportedMediaType(_) => "unsupported_media_type",
            Self::RateLimited(_) => "rate_limited",
            Self::StoreUnavailable => "store_unavailable",
        }
    }
}

impl From<StoreError> for ApiError {
    fn from(e: StoreError) -> Self {
        tracing::warn!(error = %e, "store error");
        Self::StoreUnavailable
    }
}

impl IntoResponse for ApiError {
    fn into_response(self) -> Response {
        let status = self.status();
        let body = serde_json::json!({ "error": self.code(), "message": self.to_string() });
        let mut resp = (status, Json(body)).into_response();
        if let Self::RateLimited(s) = self
            && let Ok(v) = HeaderValue::from_str(&s.to_string())
        {
            resp.headers_mut().insert(header::RETRY_AFTER, v);
        }
        resp
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_refusal_has_a_client_status_except_the_store() {
        let all = [
            ApiError::BadRequest(String::new()),
            ApiError::Expired("expires_at"),
            ApiError::ReplayedNonce,
            ApiError::MailboxFull(3),
            ApiError::InvitationUsed,
            ApiError::RateLimited(1),
            ApiError::NoRoute,
        ];
        for e in all {
            assert!(e.status().is_client_error(), "{e:?}");
        }
        assert_eq!(
            ApiError::StoreUnavailable.status(),
            StatusCode::SERVICE_UNAVAILABLE
        );
    }
}
