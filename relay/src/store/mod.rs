//! Storage: SQLite in a data folder (one relay process), or PostgreSQL (several stateless relay
//! processes). Both keep the same tables and answer the same operations with the same outcomes;
//! [`Store`] dispatches to one of them. Every write is one transaction, committed before the
//! caller answers.

pub mod postgres;
pub mod sqlite;

use crate::error::StoreError;
use crate::proto::MailboxId;
use crate::waiters::Waiters;
use std::sync::Arc;

/// A stored item as a fetch returns it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Item {
    /// Message id (envelope) or notice id (relay-made).
    pub id: [u8; 16],
    /// When the relay stored it.
    pub received_at: i64,
    /// What it is.
    pub body: ItemBody,
}

/// The content of an item.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum ItemBody {
    /// A sealed envelope (opaque bytes).
    Envelope(Vec<u8>),
    /// A relay-made notice, as its JSON object.
    Notice(String),
}

/// An envelope to store in a mailbox.
#[derive(Debug, Clone)]
pub struct NewEnvelope {
    /// The recipient mailbox.
    pub mailbox: MailboxId,
    /// The message id.
    pub id: [u8; 16],
    /// The whole envelope.
    pub envelope: Vec<u8>,
    /// Expiry, Unix seconds.
    pub expires_at: i64,
}

/// What a post did.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum PostOutcome {
    /// Stored now.
    Created,
    /// This id was already accepted with the same bytes (pending or acknowledged).
    Duplicate,
    /// This id was already accepted with other bytes.
    Conflict,
    /// The recipient mailbox does not exist.
    MailboxNotFound,
    /// The recipient mailbox is full.
    MailboxFull,
    /// The request's nonce was used before (only from [`Store::post_signed`]).
    Replayed,
}

/// What a fetch found.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Fetched {
    /// The pending items (maybe none).
    Items(Vec<Item>),
    /// The mailbox does not exist.
    NoMailbox,
    /// The request's nonce was used before.
    Replayed,
}

/// A signed request's nonce, to record (and refuse if seen) together with the request's own
/// statement where the store can do both in one round trip.
#[derive(Debug, Clone, Copy)]
pub struct Nonce {
    /// The signer's key.
    pub key: [u8; 32],
    /// The nonce.
    pub nonce: [u8; 16],
    /// Remember it until then.
    pub until: i64,
    /// Now.
    pub now: i64,
}

/// An envelope to hold until its release time.
#[derive(Debug, Clone)]
pub struct Hold {
    /// The envelope and its recipient.
    pub env: NewEnvelope,
    /// The sender (signer) mailbox: a deleted sender takes its held envelopes with it.
    pub sender: MailboxId,
    /// `SHA-256("thecal/v1/cancel" || token)`.
    pub cancel_hash: [u8; 32],
    /// When to release, Unix seconds.
    pub release_at: i64,
}

/// What holding an escalation did.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum HoldOutcome {
    /// Held now.
    Held,
    /// Held (or released) already with the same bytes.
    Duplicate,
    /// Its cancel token was used already: not held.
    Cancelled,
    /// This id was used with other bytes.
    Conflict,
    /// The recipient mailbox does not exist.
    MailboxNotFound,
}

/// A declared check-in schedule.
#[derive(Debug, Clone)]
pub struct Heartbeat {
    /// Expected check-in interval, seconds.
    pub interval_s: i64,
    /// Extra time before the notice, seconds.
    pub grace_s: i64,
    /// Mailboxes to notify.
    pub watchers: Vec<MailboxId>,
}

/// What registering an invitation did.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum InvitePut {
    /// Stored now.
    Created,
    /// The same invitation was stored already.
    Same,
    /// The id is taken by another invitation.
    Conflict,
}

/// What claiming an invitation did.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum ClaimOutcome {
    /// Claimed: the creator's sealed bundle; the hello was stored.
    Claimed(Vec<u8>),
    /// No such invitation.
    NotFound,
    /// Claimed before.
    Used,
    /// Expired.
    Expired,
    /// The hello is not addressed to the invitation's creator.
    WrongRecipient,
    /// The creator's mailbox is gone or full.
    MailboxUnavailable,
}

/// What looking up an invitation found.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum InviteLookup {
    /// Open: the creator's sealed bundle.
    Open(Vec<u8>),
    /// No such invitation.
    NotFound,
    /// Claimed already.
    Used,
    /// Expired.
    Expired,
}

/// What deleting an invitation did.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum InviteDelete {
    /// Deleted.
    Deleted,
    /// No such invitation.
    NotFound,
    /// Someone else created it.
    Forbidden,
}

/// A push to send: the recipient's target and what to carry.
#[derive(Debug, Clone)]
pub struct PushJob {
    /// The job's id (to finish it).
    pub job_id: i64,
    /// The recipient mailbox.
    pub mailbox: MailboxId,
    /// The push target, as registered (JSON).
    pub target: String,
    /// The envelope to carry, if the item is a still-pending envelope.
    pub envelope: Option<Vec<u8>>,
    /// The notice type, if the item is a notice.
    pub notice: Option<String>,
    /// Attempts so far.
    pub attempts: i64,
}

/// How a push attempt ended.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum PushResult {
    /// Sent (or nothing to send any more): forget the job.
    Done,
    /// Failed for now: try again at this time.
    RetryAt(i64),
    /// The target is dead: forget the job and remove the target.
    TargetGone,
}

/// What a sweep deleted.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct Swept {
    /// Pending items deleted unread because they expired.
    pub expired_unread: u64,
    /// All rows deleted (items, tombstones, held envelopes, nonces, invitations...).
    pub rows: u64,
}

/// The relay's store.
#[derive(Clone)]
pub enum Store {
    /// SQLite in a data folder.
    Sqlite(Arc<sqlite::SqliteStore>),
    /// PostgreSQL.
    Postgres(Arc<postgres::PgStore>),
}

macro_rules! dispatch {
    ($self:ident, $s:ident => $e:expr) => {
        match $self {
            Store::Sqlite($s) => $e,
            Store::Postgres($s) => $e,
        }
    };
}

impl Store {
    /// The store's name for `/health` and `/metrics`.
    #[must_use]
    pub fn kind(&self) -> &'static str {
        match self {
            Self::Sqlite(_) => "sqlite",
            Self::Postgres(_) => "postgres",
        }
    }

    /// The waiters woken when items land in a mailbox.
    #[must_use]
    pub fn waiters(&self) -> &Arc<Waiters> {
        dispatch!(self, s => &s.waiters)
    }

    /// Is the store reachable?
    pub async fn health(&self) -> Result<(), StoreError> {
        dispatch!(self, s => s.health().await)
    }

    /// Records a nonce; `false` if it was seen already (a replay).
    pub async fn check_nonce(
        &self,
        key: [u8; 32],
        nonce: [u8; 16],
        until: i64,
        now: i64,
    ) -> Result<bool, StoreError> {
        dispatch!(self, s => s.check_nonce(key, nonce, until, now).await)
    }

    /// Opens a mailbox; `true` if it was created now.
    pub async fn open_mailbox(&self, mbx: MailboxId, now: i64) -> Result<bool, StoreError> {
        dispatch!(self, s => s.open_mailbox(mbx, now).await)
    }

    /// Does the mailbox exist?
    pub async fn mailbox_exists(&self, mbx: MailboxId) -> Result<bool, StoreError> {
        dispatch!(self, s => s.mailbox_exists(mbx).await)
    }

    /// Deletes a mailbox and everything held for or by its device.
    pub async fn delete_mailbox(&self, mbx: MailboxId) -> Result<(), StoreError> {
        dispatch!(self, s => s.delete_mailbox(mbx).await)
    }

    /// Stores an envelope (idempotent by message id).
    pub async fn post(
        &self,
        env: NewEnvelope,
        now: i64,
        depth: u32,
    ) -> Result<PostOutcome, StoreError> {
        dispatch!(self, s => s.post(env, now, depth).await)
    }

    /// [`Store::post`] for a signed request: records its nonce in the same statement.
    pub async fn post_signed(
        &self,
        env: NewEnvelope,
        now: i64,
        depth: u32,
        nonce: Nonce,
    ) -> Result<PostOutcome, StoreError> {
        match self {
            Store::Sqlite(s) => {
                if !s
                    .check_nonce(nonce.key, nonce.nonce, nonce.until, nonce.now)
                    .await?
                {
                    return Ok(PostOutcome::Replayed);
                }
                s.post(env, now, depth).await
            }
            Store::Postgres(s) => s.post_signed(env, now, depth, nonce).await,
        }
    }

    /// Pending items, or that the mailbox does not exist, in one statement where the store can;
    /// records the nonce of a signed request first.
    pub async fn fetch_checked(
        &self,
        mbx: MailboxId,
        now: i64,
        limit: u32,
        nonce: Option<Nonce>,
    ) -> Result<Fetched, StoreError> {
        match self {
            Store::Sqlite(s) => {
                if let Some(n) = nonce
                    && !s.check_nonce(n.key, n.nonce, n.until, n.now).await?
                {
                    return Ok(Fetched::Replayed);
                }
                let items = s.fetch(mbx, now, limit).await?;
                if items.is_empty() && !s.mailbox_exists(mbx).await? {
                    return Ok(Fetched::NoMailbox);
                }
                Ok(Fetched::Items(items))
            }
            Store::Postgres(s) => s.fetch_checked(mbx, now, limit, nonce).await,
        }
    }

    /// [`Store::ack`] for a signed request; `None` if its nonce was used before.
    pub async fn ack_signed(
        &self,
        mbx: MailboxId,
        ids: Vec<[u8; 16]>,
        nonce: Nonce,
    ) -> Result<Option<u64>, StoreError> {
        match self {
            Store::Sqlite(s) => {
                if !s
                    .check_nonce(nonce.key, nonce.nonce, nonce.until, nonce.now)
                    .await?
                {
                    return Ok(None);
                }
                s.ack(mbx, ids).await.map(Some)
            }
            Store::Postgres(s) => s.ack_signed(mbx, ids, nonce).await,
        }
    }

    /// The oldest pending, unexpired items.
    pub async fn fetch(
        &self,
        mbx: MailboxId,
        now: i64,
        limit: u32,
    ) -> Result<Vec<Item>, StoreError> {
        dispatch!(self, s => s.fetch(mbx, now, limit).await)
    }

    /// Acknowledges (deletes) items; returns how many were pending.
    pub async fn ack(&self, mbx: MailboxId, ids: Vec<[u8; 16]>) -> Result<u64, StoreError> {
        dispatch!(self, s => s.ack(mbx, ids).await)
    }

    /// Sets (or with `None` removes) the push target; `false` if the mailbox does not exist.
    pub async fn set_push(
        &self,
        mbx: MailboxId,
        target: Option<String>,
    ) -> Result<bool, StoreError> {
        dispatch!(self, s => s.set_push(mbx, target).await)
    }

    /// Declares a heartbeat (also a check-in); `None` if the mailbox does not exist.
    pub async fn set_heartbeat(
        &self,
        mbx: MailboxId,
        hb: Heartbeat,
        now: i64,
        notice_ttl: i64,
    ) -> Result<Option<i64>, StoreError> {
        dispatch!(self, s => s.set_heartbeat(mbx, hb, now, notice_ttl).await)
    }

    /// A check-in; `None` if no heartbeat is declared.
    pub async fn checkin(
        &self,
        mbx: MailboxId,
        now: i64,
        notice_ttl: i64,
    ) -> Result<Option<i64>, StoreError> {
        dispatch!(self, s => s.checkin(mbx, now, notice_ttl).await)
    }

    /// Stops the heartbeat.
    pub async fn delete_heartbeat(&self, mbx: MailboxId) -> Result<(), StoreError> {
        dispatch!(self, s => s.delete_heartbeat(mbx).await)
    }

    /// Holds an escalation envelope.
    pub async fn hold(&self, hold: Hold) -> Result<HoldOutcome, StoreError> {
        dispatch!(self, s => s.hold(hold).await)
    }

    /// Cancels every held envelope with this hash and remembers the hash until `until`.
    pub async fn cancel(&self, hash: [u8; 32], until: i64) -> Result<u64, StoreError> {
        dispatch!(self, s => s.cancel(hash, until).await)
    }

    /// Registers an invitation.
    pub async fn put_invitation(
        &self,
        id: [u8; 16],
        creator: MailboxId,
        sealed: Vec<u8>,
        expires_at: i64,
    ) -> Result<InvitePut, StoreError> {
        dispatch!(self, s => s.put_invitation(id, creator, sealed, expires_at).await)
    }

    /// The sealed bundle of an open invitation (the claimer seals its hello to the bundle inside).
    pub async fn get_invitation(&self, id: [u8; 16], now: i64) -> Result<InviteLookup, StoreError> {
        dispatch!(self, s => s.get_invitation(id, now).await)
    }

    /// Claims an invitation, storing the hello in the creator's mailbox.
    pub async fn claim_invitation(
        &self,
        id: [u8; 16],
        hello: NewEnvelope,
        now: i64,
        depth: u32,
    ) -> Result<ClaimOutcome, StoreError> {
        dispatch!(self, s => s.claim_invitation(id, hello, now, depth).await)
    }

    /// Withdraws an invitation.
    pub async fn delete_invitation(
        &self,
        id: [u8; 16],
        requester: MailboxId,
    ) -> Result<InviteDelete, StoreError> {
        dispatch!(self, s => s.delete_invitation(id, requester).await)
    }

    /// Releases held escalations that are due; returns how many.
    pub async fn release_due(&self, now: i64, depth: u32, limit: u32) -> Result<u64, StoreError> {
        dispatch!(self, s => s.release_due(now, depth, limit).await)
    }

    /// Makes phone-silent notices for overdue heartbeats; returns how many notices.
    pub async fn heartbeats_due(
        &self,
        now: i64,
        notice_ttl: i64,
        limit: u32,
    ) -> Result<u64, StoreError> {
        dispatch!(self, s => s.heartbeats_due(now, notice_ttl, limit).await)
    }

    /// Leases push jobs that are due (no other process gets them until the lease ends).
    pub async fn claim_push_jobs(
        &self,
        now: i64,
        lease_s: i64,
        limit: u32,
    ) -> Result<Vec<PushJob>, StoreError> {
        dispatch!(self, s => s.claim_push_jobs(now, lease_s, limit).await)
    }

    /// Ends a push job.
    pub async fn finish_push(&self, job: &PushJob, result: PushResult) -> Result<(), StoreError> {
        dispatch!(self, s => s.finish_push(job, result).await)
    }

    /// Deletes expired rows, at most `batch` per table.
    pub async fn sweep(&self, now: i64, batch: u32) -> Result<Swept, StoreError> {
        dispatch!(self, s => s.sweep(now, batch).await)
    }

    /// Finishes pending writes and closes.
    pub async fn close(&self) {
        dispatch!(self, s => s.close().await);
    }
}

/// 16 random bytes (notice ids).
#[must_use]
pub fn random16() -> [u8; 16] {
    use ring::rand::SecureRandom as _;
    let mut b = [0u8; 16];
    // The system RNG does not fail on Linux; fall back to fastrand rather than panic.
    if ring::rand::SystemRandom::new().fill(&mut b).is_err() {
        for x in &mut b {
            *x = fastrand::u8(..);
        }
    }
    b
}

/// The JSON of a phone-silent notice.
#[must_use]
pub fn silent_notice(patient: MailboxId, last_seen_at: i64, due_at: i64) -> String {
    serde_json::json!({"type": "phone_silent", "mailbox": patient.to_string(), "last_seen_at": last_seen_at, "due_at": due_at}).to_string()
}

/// The JSON of a phone-back notice.
#[must_use]
pub fn back_notice(patient: MailboxId, last_seen_at: i64) -> String {
    serde_json::json!({"type": "phone_back", "mailbox": patient.to_string(), "last_seen_at": last_seen_at}).to_string()
}

/// Watchers as stored: concatenated 16-byte ids.
fn watchers_to_bytes(w: &[MailboxId]) -> Vec<u8> {
    w.iter().flat_map(|m| m.0).collect()
}

/// Watchers from their stored form.
fn watchers_from_bytes(b: &[u8]) -> Vec<MailboxId> {
    b.chunks_exact(16)
        .filter_map(|c| c.try_into().ok().map(MailboxId))
        .collect()
}

/// SHA-256 of an envelope: kept after acknowledgement to tell a retry from a conflicting id.
/// What an invitation row (sealed bundle, expiry, claim time) means at `now`.
fn invite_lookup(row: Option<(Vec<u8>, i64, Option<i64>)>, now: i64) -> InviteLookup {
    match row {
        None => InviteLookup::NotFound,
        Some((_, _, Some(_))) => InviteLookup::Used,
        Some((_, expires_at, None)) if expires_at <= now => InviteLookup::Expired,
        Some((sealed, _, None)) => InviteLookup::Open(sealed),
    }
}

fn digest(envelope: &[u8]) -> Vec<u8> {
    crate::proto::sha256(&[envelope]).to_vec()
}
