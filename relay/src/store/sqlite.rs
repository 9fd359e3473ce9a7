//! SQLite store: one data folder, one relay process (the folder is locked).
//!
//! WAL, `synchronous=FULL`, versioned migrations. One writer thread applies writes in batches:
//! each request's write runs in its own savepoint inside a shared transaction, and every caller
//! gets its answer only after that transaction committed (group commit: one fsync for many
//! requests). Reads use a few reader connections. Nonces are checked in memory (this process is
//! the only one serving the folder) and written with the next batch, so a restart still knows the
//! recent ones.

use super::{
    ClaimOutcome, Heartbeat, Hold, HoldOutcome, InviteDelete, InviteLookup, InvitePut, Item,
    ItemBody, NewEnvelope, PostOutcome, PushJob, PushResult, Swept, back_notice, digest,
    invite_lookup, random16, silent_notice, watchers_from_bytes, watchers_to_bytes,
};
use crate::error::StoreError;
use crate::proto::MailboxId;
use crate::waiters::Waiters;
use rusqlite::{Connection, OptionalExtension, Transaction, params};
use rusqlite_migration::{M, Migrations};
use std::collections::HashMap;
use std::fs::File;
use std::path::Path;
use std::sync::mpsc;
use std::sync::{Arc, Mutex, PoisonError};
use std::thread::JoinHandle;
use tokio::sync::oneshot;

const SCHEMA_V1: &str = "
CREATE TABLE mailboxes (
  id BLOB PRIMARY KEY,
  created_at INTEGER NOT NULL,
  push TEXT
) WITHOUT ROWID;
CREATE TABLE messages (
  seq INTEGER PRIMARY KEY AUTOINCREMENT,
  mailbox BLOB NOT NULL,
  id BLOB NOT NULL,
  received_at INTEGER NOT NULL,
  expires_at INTEGER NOT NULL,
  envelope BLOB,
  notice TEXT,
  digest BLOB,
  acked INTEGER NOT NULL DEFAULT 0,
  UNIQUE (mailbox, id)
);
CREATE INDEX messages_pending ON messages (mailbox, acked, seq);
CREATE INDEX messages_expiry ON messages (expires_at);
CREATE TABLE held (
  mailbox BLOB NOT NULL,
  id BLOB NOT NULL,
  sender BLOB NOT NULL,
  cancel_hash BLOB NOT NULL,
  release_at INTEGER NOT NULL,
  expires_at INTEGER NOT NULL,
  envelope BLOB NOT NULL,
  digest BLOB NOT NULL,
  PRIMARY KEY (mailbox, id)
) WITHOUT ROWID;
CREATE INDEX held_release ON held (release_at);
CREATE INDEX held_cancel ON held (cancel_hash);
CREATE INDEX held_sender ON held (sender);
CREATE INDEX held_expiry ON held (expires_at);
CREATE TABLE cancelled (hash BLOB PRIMARY KEY, until INTEGER NOT NULL) WITHOUT ROWID;
CREATE INDEX cancelled_until ON cancelled (until);
CREATE TABLE heartbeats (
  mailbox BLOB PRIMARY KEY,
  interval_s INTEGER NOT NULL,
  grace_s INTEGER NOT NULL,
  watchers BLOB NOT NULL,
  last_seen_at INTEGER NOT NULL,
  due_at INTEGER NOT NULL,
  notified INTEGER NOT NULL DEFAULT 0
) WITHOUT ROWID;
CREATE INDEX heartbeats_due ON heartbeats (notified, due_at);
CREATE TABLE invitations (
  id BLOB PRIMARY KEY,
  creator BLOB NOT NULL,
  sealed BLOB NOT NULL,
  expires_at INTEGER NOT NULL,
  claimed_at INTEGER
) WITHOUT ROWID;
CREATE INDEX invitations_expiry ON invitations (expires_at);
CREATE TABLE push_jobs (
  id INTEGER PRIMARY KEY AUTOINCREMENT,
  mailbox BLOB NOT NULL,
  item BLOB NOT NULL,
  attempts INTEGER NOT NULL DEFAULT 0,
  not_before INTEGER NOT NULL,
  lease_until INTEGER NOT NULL DEFAULT 0
);
CREATE INDEX push_jobs_due ON push_jobs (not_before);
CREATE TABLE nonces (key BLOB NOT NULL, nonce BLOB NOT NULL, until INTEGER NOT NULL, PRIMARY KEY (key, nonce)) WITHOUT ROWID;
CREATE INDEX nonces_until ON nonces (until);
";

fn migrations() -> Migrations<'static> {
    Migrations::new(vec![M::up(SCHEMA_V1)])
}

type Deliver = Box<dyn FnOnce(bool) + Send>;
type NonceMap = HashMap<([u8; 32], [u8; 16]), i64>;
/// creator, sealed bundle, expires_at, claimed_at
type InviteRow = (Vec<u8>, Vec<u8>, i64, Option<i64>);
/// mailbox, id, expires_at, envelope
type HeldRow = (Vec<u8>, Vec<u8>, i64, Vec<u8>);
/// job id, mailbox, push target, envelope, notice type, attempts
type JobRow = (
    i64,
    Vec<u8>,
    Option<String>,
    Option<Vec<u8>>,
    Option<String>,
    i64,
);
type Job = Box<dyn FnOnce(&Transaction<'_>) -> Deliver + Send>;

enum Msg {
    Job(Job),
    Stop,
}

/// The SQLite store.
pub struct SqliteStore {
    /// Long-poll waiters of this process.
    pub waiters: Arc<Waiters>,
    tx: Mutex<Option<mpsc::Sender<Msg>>>,
    writer: Mutex<Option<JoinHandle<()>>>,
    readers: Arc<Vec<Mutex<Connection>>>,
    nonces: Mutex<NonceMap>,
    _lock: File,
}

fn open_conn(path: &Path) -> Result<Connection, rusqlite::Error> {
    let conn = Connection::open(path)?;
    conn.busy_timeout(std::time::Duration::from_secs(10))?;
    conn.pragma_update(None, "journal_mode", "WAL")?;
    conn.pragma_update(None, "synchronous", "FULL")?;
    conn.pragma_update(None, "foreign_keys", "ON")?;
    Ok(conn)
}

impl SqliteStore {
    /// Opens (or creates) the store in `dir`, migrating it, and locks the folder.
    pub fn open(dir: &Path, waiters: Arc<Waiters>) -> Result<Self, StoreError> {
        std::fs::create_dir_all(dir)?;
        let lock = File::create(dir.join("relay.lock"))?;
        if lock.try_lock().is_err() {
            return Err(StoreError::Locked(dir.display().to_string()));
        }
        let path = dir.join("relay.sqlite3");
        let mut conn = open_conn(&path)?;
        migrations().to_latest(&mut conn)?;
        let mut nonces = HashMap::new();
        {
            let mut stmt = conn.prepare("SELECT key, nonce, until FROM nonces")?;
            let rows = stmt.query_map([], |r| {
                Ok((
                    r.get::<_, Vec<u8>>(0)?,
                    r.get::<_, Vec<u8>>(1)?,
                    r.get::<_, i64>(2)?,
                ))
            })?;
            for row in rows {
                let (k, n, until) = row?;
                if let (Ok(k), Ok(n)) = (k.try_into(), n.try_into()) {
                    nonces.insert((k, n), until);
                }
            }
        }
        let readers = (0..4)
            .map(|_| open_conn(&path).map(Mutex::new))
            .collect::<Result<Vec<_>, _>>()?;
        let (tx, rx) = mpsc::channel::<Msg>();
        let writer = std::thread::Builder::new()
            .name("relay-sqlite-writer".into())
            .spawn(move || writer_loop(conn, &rx))?;
        Ok(Self {
            waiters,
            tx: Mutex::new(Some(tx)),
            writer: Mutex::new(Some(writer)),
            readers: Arc::new(readers),
            nonces: Mutex::new(nonces),
            _lock: lock,
        })
    }

    async fn write<R, F>(&self, f: F) -> Result<R, StoreError>
    where
        R: Send + 'static,
        F: FnOnce(&Transaction<'_>) -> Result<R, rusqlite::Error> + Send + 'static,
    {
        let (tx, rx) = oneshot::channel::<Result<R, StoreError>>();
        let job: Job = Box::new(move |t: &Transaction<'_>| {
            let result = in_savepoint(t, f);
            Box::new(move |committed: bool| {
                let r = match result {
                    Ok(v) if committed => Ok(v),
                    Ok(_) => Err(StoreError::WriterGone),
                    Err(e) => Err(StoreError::Sqlite(e)),
                };
                let _ = tx.send(r);
            })
        });
        self.send(Msg::Job(job))?;
        rx.await.map_err(|_| StoreError::WriterGone)?
    }

    fn send(&self, msg: Msg) -> Result<(), StoreError> {
        let guard = self.tx.lock().unwrap_or_else(PoisonError::into_inner);
        guard
            .as_ref()
            .ok_or(StoreError::WriterGone)?
            .send(msg)
            .map_err(|_| StoreError::WriterGone)
    }

    async fn read<R, F>(&self, f: F) -> Result<R, StoreError>
    where
        R: Send + 'static,
        F: FnOnce(&Connection) -> Result<R, rusqlite::Error> + Send + 'static,
    {
        let readers = Arc::clone(&self.readers);
        tokio::task::spawn_blocking(move || {
            let start = fastrand::usize(..readers.len());
            for i in 0..readers.len() {
                let idx = (start + i) % readers.len();
                if let Ok(conn) = readers[idx].try_lock() {
                    return f(&conn).map_err(StoreError::from);
                }
            }
            let conn = readers[start]
                .lock()
                .unwrap_or_else(PoisonError::into_inner);
            f(&conn).map_err(StoreError::from)
        })
        .await
        .map_err(|e| StoreError::Join(e.to_string()))?
    }

    pub(crate) async fn health(&self) -> Result<(), StoreError> {
        self.read(|c| c.query_row("SELECT 1", [], |_| Ok(()))).await
    }

    pub(crate) async fn check_nonce(
        &self,
        key: [u8; 32],
        nonce: [u8; 16],
        until: i64,
        now: i64,
    ) -> Result<bool, StoreError> {
        {
            let mut map = self.nonces.lock().unwrap_or_else(PoisonError::into_inner);
            if map.len() > 100_000 {
                map.retain(|_, u| *u > now);
            }
            if map.get(&(key, nonce)).is_some_and(|u| *u > now) {
                return Ok(false);
            }
            map.insert((key, nonce), until);
        }
        // Persisted with the next batch; nobody waits for it.
        let job: Job = Box::new(move |t: &Transaction<'_>| {
            let _ = t.execute(
                "INSERT OR REPLACE INTO nonces (key, nonce, until) VALUES (?1, ?2, ?3)",
                params![&key[..], &nonce[..], until],
            );
            Box::new(|_| {})
        });
        self.send(Msg::Job(job))?;
        Ok(true)
    }

    pub(crate) async fn open_mailbox(&self, mbx: MailboxId, now: i64) -> Result<bool, StoreError> {
        self.write(move |t| {
            let n = t.execute(
                "INSERT OR IGNORE INTO mailboxes (id, created_at) VALUES (?1, ?2)",
                params![&mbx.0[..], now],
            )?;
            Ok(n == 1)
        })
        .await
    }

    pub(crate) async fn mailbox_exists(&self, mbx: MailboxId) -> Result<bool, StoreError> {
        self.read(move |c| exists(c, mbx)).await
    }

    pub(crate) async fn delete_mailbox(&self, mbx: MailboxId) -> Result<(), StoreError> {
        self.write(move |t| {
            let id = &mbx.0[..];
            t.execute("DELETE FROM messages WHERE mailbox = ?1", [id])?;
            t.execute("DELETE FROM held WHERE mailbox = ?1 OR sender = ?1", [id])?;
            t.execute("DELETE FROM heartbeats WHERE mailbox = ?1", [id])?;
            t.execute("DELETE FROM invitations WHERE creator = ?1", [id])?;
            t.execute("DELETE FROM push_jobs WHERE mailbox = ?1", [id])?;
            t.execute("DELETE FROM mailboxes WHERE id = ?1", [id])?;
            Ok(())
        })
        .await?;
        self.waiters.wake(mbx);
        Ok(())
    }

    pub(crate) async fn post(
        &self,
        env: NewEnvelope,
        now: i64,
        depth: u32,
    ) -> Result<PostOutcome, StoreError> {
        let mbx = env.mailbox;
        let out = self
            .write(move |t| insert_envelope(t, &env, now, depth))
            .await?;
        if out == PostOutcome::Created {
            self.waiters.wake(mbx);
        }
        Ok(out)
    }

    pub(crate) async fn fetch(
        &self,
        mbx: MailboxId,
        now: i64,
        limit: u32,
    ) -> Result<Vec<Item>, StoreError> {
        self.read(move |c| {
            let mut stmt = c.prepare_cached(
                "SELECT id, received_at, envelope, notice FROM messages
                 WHERE mailbox = ?1 AND acked = 0 AND expires_at > ?2 ORDER BY seq LIMIT ?3",
            )?;
            let rows = stmt.query_map(params![&mbx.0[..], now, limit], |r| {
                let id: Vec<u8> = r.get(0)?;
                let received_at: i64 = r.get(1)?;
                let envelope: Option<Vec<u8>> = r.get(2)?;
                let notice: Option<String> = r.get(3)?;
                Ok((id, received_at, envelope, notice))
            })?;
            let mut items = Vec::new();
            for row in rows {
                let (id, received_at, envelope, notice) = row?;
                let Ok(id) = <[u8; 16]>::try_from(id) else {
                    continue;
                };
                let body = match (envelope, notice) {
                    (Some(e), _) => ItemBody::Envelope(e),
                    (None, Some(n)) => ItemBody::Notice(n),
                    (None, None) => continue,
                };
                items.push(Item {
                    id,
                    received_at,
                    body,
                });
            }
            Ok(items)
        })
        .await
    }

    pub(crate) async fn ack(&self, mbx: MailboxId, ids: Vec<[u8; 16]>) -> Result<u64, StoreError> {
        self.write(move |t| {
            let mut n = 0u64;
            for id in &ids {
                n += t.execute(
                    "UPDATE messages SET acked = 1, envelope = NULL
                     WHERE mailbox = ?1 AND id = ?2 AND acked = 0 AND notice IS NULL",
                    params![&mbx.0[..], &id[..]],
                )? as u64;
                n += t.execute(
                    "DELETE FROM messages WHERE mailbox = ?1 AND id = ?2 AND notice IS NOT NULL",
                    params![&mbx.0[..], &id[..]],
                )? as u64;
            }
            Ok(n)
        })
        .await
    }

    pub(crate) async fn set_push(
        &self,
        mbx: MailboxId,
        target: Option<String>,
    ) -> Result<bool, StoreError> {
        self.write(move |t| {
            let n = t.execute(
                "UPDATE mailboxes SET push = ?2 WHERE id = ?1",
                params![&mbx.0[..], target],
            )?;
            Ok(n == 1)
        })
        .await
    }

    pub(crate) async fn set_heartbeat(
        &self,
        mbx: MailboxId,
        hb: Heartbeat,
        now: i64,
        notice_ttl: i64,
    ) -> Result<Option<i64>, StoreError> {
        let (due, woken) = self
            .write(move |t| {
                if !exists(t, mbx)? {
                    return Ok((None, Vec::new()));
                }
                let was_silent = was_notified(t, mbx)?;
                let due = now + hb.interval_s + hb.grace_s;
                t.execute(
                    "INSERT INTO heartbeats (mailbox, interval_s, grace_s, watchers, last_seen_at, due_at, notified)
                     VALUES (?1, ?2, ?3, ?4, ?5, ?6, 0)
                     ON CONFLICT (mailbox) DO UPDATE SET interval_s = ?2, grace_s = ?3, watchers = ?4,
                       last_seen_at = ?5, due_at = ?6, notified = 0",
                    params![&mbx.0[..], hb.interval_s, hb.grace_s, watchers_to_bytes(&hb.watchers), now, due],
                )?;
                let woken = if was_silent {
                    notify_watchers(t, &hb.watchers, &back_notice(mbx, now), now, now + notice_ttl)?
                } else {
                    Vec::new()
                };
                Ok((Some(due), woken))
            })
            .await?;
        for w in woken {
            self.waiters.wake(w);
        }
        Ok(due)
    }

    pub(crate) async fn checkin(
        &self,
        mbx: MailboxId,
        now: i64,
        notice_ttl: i64,
    ) -> Result<Option<i64>, StoreError> {
        let (due, woken) = self
            .write(move |t| {
                let row: Option<(i64, i64, Vec<u8>, i64)> = t
                    .query_row(
                        "SELECT interval_s, grace_s, watchers, notified FROM heartbeats WHERE mailbox = ?1",
                        [&mbx.0[..]],
                        |r| Ok((r.get(0)?, r.get(1)?, r.get(2)?, r.get(3)?)),
                    )
                    .optional()?;
                let Some((interval, grace, watchers, notified)) = row else {
                    return Ok((None, Vec::new()));
                };
                let due = now + interval + grace;
                t.execute(
                    "UPDATE heartbeats SET last_seen_at = ?2, due_at = ?3, notified = 0 WHERE mailbox = ?1",
                    params![&mbx.0[..], now, due],
                )?;
                let woken = if notified == 1 {
                    let w = watchers_from_bytes(&watchers);
                    notify_watchers(t, &w, &back_notice(mbx, now), now, now + notice_ttl)?
                } else {
                    Vec::new()
                };
                Ok((Some(due), woken))
            })
            .await?;
        for w in woken {
            self.waiters.wake(w);
        }
        Ok(due)
    }

    pub(crate) async fn delete_heartbeat(&self, mbx: MailboxId) -> Result<(), StoreError> {
        self.write(move |t| {
            t.execute("DELETE FROM heartbeats WHERE mailbox = ?1", [&mbx.0[..]])?;
            Ok(())
        })
        .await
    }

    pub(crate) async fn hold(&self, hold: Hold) -> Result<HoldOutcome, StoreError> {
        self.write(move |t| {
            let cancelled: bool = t
                .query_row("SELECT 1 FROM cancelled WHERE hash = ?1", [&hold.cancel_hash[..]], |_| Ok(()))
                .optional()?
                .is_some();
            if cancelled {
                return Ok(HoldOutcome::Cancelled);
            }
            let d = digest(&hold.env.envelope);
            let prior: Option<Vec<u8>> = t
                .query_row(
                    "SELECT digest FROM held WHERE mailbox = ?1 AND id = ?2
                     UNION ALL SELECT digest FROM messages WHERE mailbox = ?1 AND id = ?2",
                    params![&hold.env.mailbox.0[..], &hold.env.id[..]],
                    |r| r.get(0),
                )
                .optional()?;
            if let Some(p) = prior {
                return Ok(if p == d { HoldOutcome::Duplicate } else { HoldOutcome::Conflict });
            }
            if !exists(t, hold.env.mailbox)? {
                return Ok(HoldOutcome::MailboxNotFound);
            }
            t.execute(
                "INSERT INTO held (mailbox, id, sender, cancel_hash, release_at, expires_at, envelope, digest)
                 VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8)",
                params![
                    &hold.env.mailbox.0[..],
                    &hold.env.id[..],
                    &hold.sender.0[..],
                    &hold.cancel_hash[..],
                    hold.release_at,
                    hold.env.expires_at,
                    hold.env.envelope,
                    d
                ],
            )?;
            Ok(HoldOutcome::Held)
        })
        .await
    }

    pub(crate) async fn cancel(&self, hash: [u8; 32], until: i64) -> Result<u64, StoreError> {
        self.write(move |t| {
            let n = t.execute("DELETE FROM held WHERE cancel_hash = ?1", [&hash[..]])?;
            t.execute(
                "INSERT INTO cancelled (hash, until) VALUES (?1, ?2)
                 ON CONFLICT (hash) DO UPDATE SET until = max(until, ?2)",
                params![&hash[..], until],
            )?;
            Ok(n as u64)
        })
        .await
    }

    pub(crate) async fn put_invitation(
        &self,
        id: [u8; 16],
        creator: MailboxId,
        sealed: Vec<u8>,
        expires_at: i64,
    ) -> Result<InvitePut, StoreError> {
        self.write(move |t| {
            let prior: Option<(Vec<u8>, Vec<u8>)> = t
                .query_row(
                    "SELECT creator, sealed FROM invitations WHERE id = ?1",
                    [&id[..]],
                    |r| Ok((r.get(0)?, r.get(1)?)),
                )
                .optional()?;
            if let Some((c, s)) = prior {
                return Ok(if c == creator.0 && s == sealed {
                    InvitePut::Same
                } else {
                    InvitePut::Conflict
                });
            }
            t.execute(
                "INSERT INTO invitations (id, creator, sealed, expires_at) VALUES (?1, ?2, ?3, ?4)",
                params![&id[..], &creator.0[..], sealed, expires_at],
            )?;
            Ok(InvitePut::Created)
        })
        .await
    }

    pub(crate) async fn get_invitation(
        &self,
        id: [u8; 16],
        now: i64,
    ) -> Result<InviteLookup, StoreError> {
        self.read(move |c| {
            let row: Option<(Vec<u8>, i64, Option<i64>)> = c
                .query_row(
                    "SELECT sealed, expires_at, claimed_at FROM invitations WHERE id = ?1",
                    [&id[..]],
                    |r| Ok((r.get(0)?, r.get(1)?, r.get(2)?)),
                )
                .optional()?;
            Ok(invite_lookup(row, now))
        })
        .await
    }

    pub(crate) async fn claim_invitation(
        &self,
        id: [u8; 16],
        hello: NewEnvelope,
        now: i64,
        depth: u32,
    ) -> Result<ClaimOutcome, StoreError> {
        let mbx = hello.mailbox;
        let out = self
            .write(move |t| {
                let row: Option<InviteRow> = t
                    .query_row(
                        "SELECT creator, sealed, expires_at, claimed_at FROM invitations WHERE id = ?1",
                        [&id[..]],
                        |r| Ok((r.get(0)?, r.get(1)?, r.get(2)?, r.get(3)?)),
                    )
                    .optional()?;
                let Some((creator, sealed, expires_at, claimed_at)) = row else {
                    return Ok(ClaimOutcome::NotFound);
                };
                if claimed_at.is_some() {
                    return Ok(ClaimOutcome::Used);
                }
                if expires_at <= now {
                    return Ok(ClaimOutcome::Expired);
                }
                if creator != hello.mailbox.0 {
                    return Ok(ClaimOutcome::WrongRecipient);
                }
                match insert_envelope(t, &hello, now, depth)? {
                    PostOutcome::Created | PostOutcome::Duplicate => {}
                    _ => return Ok(ClaimOutcome::MailboxUnavailable),
                }
                t.execute("UPDATE invitations SET claimed_at = ?2 WHERE id = ?1", params![&id[..], now])?;
                Ok(ClaimOutcome::Claimed(sealed))
            })
            .await?;
        if matches!(out, ClaimOutcome::Claimed(_)) {
            self.waiters.wake(mbx);
        }
        Ok(out)
    }

    pub(crate) async fn delete_invitation(
        &self,
        id: [u8; 16],
        requester: MailboxId,
    ) -> Result<InviteDelete, StoreError> {
        self.write(move |t| {
            let creator: Option<Vec<u8>> = t
                .query_row(
                    "SELECT creator FROM invitations WHERE id = ?1",
                    [&id[..]],
                    |r| r.get(0),
                )
                .optional()?;
            match creator {
                None => Ok(InviteDelete::NotFound),
                Some(c) if c != requester.0 => Ok(InviteDelete::Forbidden),
                Some(_) => {
                    t.execute("DELETE FROM invitations WHERE id = ?1", [&id[..]])?;
                    Ok(InviteDelete::Deleted)
                }
            }
        })
        .await
    }

    pub(crate) async fn release_due(
        &self,
        now: i64,
        depth: u32,
        limit: u32,
    ) -> Result<u64, StoreError> {
        let woken = self
            .write(move |t| {
                let due: Vec<HeldRow> = {
                    let mut stmt = t.prepare_cached(
                        "SELECT mailbox, id, expires_at, envelope FROM held WHERE release_at <= ?1
                         ORDER BY release_at LIMIT ?2",
                    )?;
                    stmt.query_map(params![now, limit], |r| {
                        Ok((r.get(0)?, r.get(1)?, r.get(2)?, r.get(3)?))
                    })?
                    .collect::<Result<_, _>>()?
                };
                let mut woken = Vec::new();
                for (mbx, id, expires_at, envelope) in due {
                    t.execute(
                        "DELETE FROM held WHERE mailbox = ?1 AND id = ?2",
                        params![&mbx, &id],
                    )?;
                    let (Ok(mbx), Ok(id)) = (<[u8; 16]>::try_from(mbx), <[u8; 16]>::try_from(id))
                    else {
                        continue;
                    };
                    let env = NewEnvelope {
                        mailbox: MailboxId(mbx),
                        id,
                        envelope,
                        expires_at,
                    };
                    if expires_at > now
                        && insert_envelope(t, &env, now, depth)? == PostOutcome::Created
                    {
                        woken.push(env.mailbox);
                    }
                }
                Ok(woken)
            })
            .await?;
        for w in &woken {
            self.waiters.wake(*w);
        }
        Ok(woken.len() as u64)
    }

    pub(crate) async fn heartbeats_due(
        &self,
        now: i64,
        notice_ttl: i64,
        limit: u32,
    ) -> Result<u64, StoreError> {
        let woken = self
            .write(move |t| {
                let due: Vec<(Vec<u8>, Vec<u8>, i64, i64)> = {
                    let mut stmt = t.prepare_cached(
                        "SELECT mailbox, watchers, last_seen_at, due_at FROM heartbeats
                         WHERE notified = 0 AND due_at <= ?1 LIMIT ?2",
                    )?;
                    stmt.query_map(params![now, limit], |r| {
                        Ok((r.get(0)?, r.get(1)?, r.get(2)?, r.get(3)?))
                    })?
                    .collect::<Result<_, _>>()?
                };
                let mut woken = Vec::new();
                for (mbx, watchers, last_seen, due_at) in due {
                    t.execute(
                        "UPDATE heartbeats SET notified = 1 WHERE mailbox = ?1",
                        [&mbx],
                    )?;
                    let Ok(mbx) = <[u8; 16]>::try_from(mbx) else {
                        continue;
                    };
                    let w = watchers_from_bytes(&watchers);
                    let notice = silent_notice(MailboxId(mbx), last_seen, due_at);
                    woken.extend(notify_watchers(t, &w, &notice, now, now + notice_ttl)?);
                }
                Ok(woken)
            })
            .await?;
        for w in &woken {
            self.waiters.wake(*w);
        }
        Ok(woken.len() as u64)
    }

    pub(crate) async fn claim_push_jobs(
        &self,
        now: i64,
        lease_s: i64,
        limit: u32,
    ) -> Result<Vec<PushJob>, StoreError> {
        self.write(move |t| {
            let rows: Vec<JobRow> = {
                let mut stmt = t.prepare_cached(
                    "SELECT j.id, j.mailbox, b.push, m.envelope, m.notice, j.attempts
                     FROM push_jobs j
                     LEFT JOIN mailboxes b ON b.id = j.mailbox
                     LEFT JOIN messages m ON m.mailbox = j.mailbox AND m.id = j.item AND m.acked = 0
                     WHERE j.not_before <= ?1 AND j.lease_until <= ?1 ORDER BY j.id LIMIT ?2",
                )?;
                stmt.query_map(params![now, limit], |r| {
                    Ok((r.get(0)?, r.get(1)?, r.get(2)?, r.get(3)?, r.get(4)?, r.get(5)?))
                })?
                .collect::<Result<_, _>>()?
            };
            let mut jobs = Vec::new();
            for (job_id, mbx, target, envelope, notice, attempts) in rows {
                let notice = notice.as_deref().and_then(notice_type);
                let pending = envelope.is_some() || notice.is_some();
                match (target, <[u8; 16]>::try_from(mbx), pending) {
                    (Some(target), Ok(mbx), true) => {
                        t.execute(
                            "UPDATE push_jobs SET lease_until = ?2, attempts = attempts + 1 WHERE id = ?1",
                            params![job_id, now + lease_s],
                        )?;
                        jobs.push(PushJob { job_id, mailbox: MailboxId(mbx), target, envelope, notice, attempts });
                    }
                    // No target any more, or the item was acknowledged or expired: nothing to wake.
                    _ => {
                        t.execute("DELETE FROM push_jobs WHERE id = ?1", [job_id])?;
                    }
                }
            }
            Ok(jobs)
        })
        .await
    }

    pub(crate) async fn finish_push(
        &self,
        job: &PushJob,
        result: PushResult,
    ) -> Result<(), StoreError> {
        let (job_id, mbx) = (job.job_id, job.mailbox);
        self.write(move |t| {
            match result {
                PushResult::Done => {
                    t.execute("DELETE FROM push_jobs WHERE id = ?1", [job_id])?;
                }
                PushResult::RetryAt(at) => {
                    t.execute(
                        "UPDATE push_jobs SET not_before = ?2, lease_until = 0 WHERE id = ?1",
                        params![job_id, at],
                    )?;
                }
                PushResult::TargetGone => {
                    t.execute("DELETE FROM push_jobs WHERE mailbox = ?1", [&mbx.0[..]])?;
                    t.execute(
                        "UPDATE mailboxes SET push = NULL WHERE id = ?1",
                        [&mbx.0[..]],
                    )?;
                }
            }
            Ok(())
        })
        .await
    }

    pub(crate) async fn sweep(&self, now: i64, batch: u32) -> Result<Swept, StoreError> {
        self.write(move |t| {
            let mut swept = Swept::default();
            {
                let mut stmt = t.prepare_cached(
                    "DELETE FROM messages WHERE seq IN
                       (SELECT seq FROM messages WHERE expires_at <= ?1 LIMIT ?2) RETURNING acked",
                )?;
                let acked: Vec<i64> = stmt.query_map(params![now, batch], |r| r.get(0))?.collect::<Result<_, _>>()?;
                swept.expired_unread = acked.iter().filter(|a| **a == 0).count() as u64;
                swept.rows += acked.len() as u64;
            }
            for sql in [
                "DELETE FROM held WHERE (mailbox, id) IN (SELECT mailbox, id FROM held WHERE expires_at <= ?1 LIMIT ?2)",
                "DELETE FROM cancelled WHERE hash IN (SELECT hash FROM cancelled WHERE until <= ?1 LIMIT ?2)",
                "DELETE FROM nonces WHERE (key, nonce) IN (SELECT key, nonce FROM nonces WHERE until <= ?1 LIMIT ?2)",
                "DELETE FROM invitations WHERE id IN (SELECT id FROM invitations WHERE expires_at <= ?1 LIMIT ?2)",
            ] {
                swept.rows += t.execute(sql, params![now, batch])? as u64;
            }
            Ok(swept)
        })
        .await
    }

    pub(crate) async fn close(&self) {
        let _ = self.send(Msg::Stop);
        let handle = self
            .writer
            .lock()
            .unwrap_or_else(PoisonError::into_inner)
            .take();
        self.tx
            .lock()
            .unwrap_or_else(PoisonError::into_inner)
            .take();
        if let Some(h) = handle {
            let _ = tokio::task::spawn_blocking(move || h.join()).await;
        }
    }
}

/// Runs `f` in a savepoint: an error undoes only this request's writes.
fn in_savepoint<R>(
    t: &Transaction<'_>,
    f: impl FnOnce(&Transaction<'_>) -> Result<R, rusqlite::Error>,
) -> Result<R, rusqlite::Error> {
    t.execute_batch("SAVEPOINT op")?;
    match f(t) {
        Ok(v) => {
            t.execute_batch("RELEASE op")?;
            Ok(v)
        }
        Err(e) => {
            let _ = t.execute_batch("ROLLBACK TO op; RELEASE op");
            Err(e)
        }
    }
}

fn writer_loop(mut conn: Connection, rx: &mpsc::Receiver<Msg>) {
    const MAX_BATCH: usize = 512;
    let mut stop = false;
    while !stop {
        let Ok(first) = rx.recv() else { break };
        let mut jobs = Vec::new();
        match first {
            Msg::Job(j) => jobs.push(j),
            Msg::Stop => break,
        }
        while jobs.len() < MAX_BATCH {
            match rx.try_recv() {
                Ok(Msg::Job(j)) => jobs.push(j),
                Ok(Msg::Stop) => {
                    stop = true;
                    break;
                }
                Err(_) => break,
            }
        }
        let mut delivers = Vec::with_capacity(jobs.len());
        let committed = match conn.transaction() {
            Ok(t) => {
                for job in jobs {
                    delivers.push(job(&t));
                }
                match t.commit() {
                    Ok(()) => true,
                    Err(e) => {
                        tracing::error!(error = %e, "sqlite commit failed");
                        false
                    }
                }
            }
            Err(e) => {
                tracing::error!(error = %e, "sqlite begin failed");
                // The jobs are dropped: their callers see the writer as gone for this request.
                false
            }
        };
        for d in delivers {
            d(committed);
        }
    }
}

fn exists(c: &Connection, mbx: MailboxId) -> Result<bool, rusqlite::Error> {
    Ok(c.query_row(
        "SELECT 1 FROM mailboxes WHERE id = ?1",
        [&mbx.0[..]],
        |_| Ok(()),
    )
    .optional()?
    .is_some())
}

fn was_notified(c: &Connection, mbx: MailboxId) -> Result<bool, rusqlite::Error> {
    Ok(c.query_row(
        "SELECT notified FROM heartbeats WHERE mailbox = ?1",
        [&mbx.0[..]],
        |r| r.get::<_, i64>(0),
    )
    .optional()?
        == Some(1))
}

/// Stores an envelope in its mailbox and queues a push if the device has a target.
fn insert_envelope(
    t: &Transaction<'_>,
    env: &NewEnvelope,
    now: i64,
    depth: u32,
) -> Result<PostOutcome, rusqlite::Error> {
    let mbx = &env.mailbox.0[..];
    let d = digest(&env.envelope);
    let prior: Option<Option<Vec<u8>>> = t
        .query_row(
            "SELECT digest FROM messages WHERE mailbox = ?1 AND id = ?2",
            params![mbx, &env.id[..]],
            |r| r.get(0),
        )
        .optional()?;
    if let Some(p) = prior {
        return Ok(if p.as_deref() == Some(&d[..]) {
            PostOutcome::Duplicate
        } else {
            PostOutcome::Conflict
        });
    }
    let push: Option<Option<String>> = t
        .query_row("SELECT push FROM mailboxes WHERE id = ?1", [mbx], |r| {
            r.get(0)
        })
        .optional()?;
    let Some(push) = push else {
        return Ok(PostOutcome::MailboxNotFound);
    };
    let pending: i64 = t.query_row(
        "SELECT count(*) FROM messages WHERE mailbox = ?1 AND acked = 0",
        [mbx],
        |r| r.get(0),
    )?;
    if pending >= i64::from(depth) {
        return Ok(PostOutcome::MailboxFull);
    }
    t.execute(
        "INSERT INTO messages (mailbox, id, received_at, expires_at, envelope, digest) VALUES (?1, ?2, ?3, ?4, ?5, ?6)",
        params![mbx, &env.id[..], now, env.expires_at, env.envelope, d],
    )?;
    if push.is_some() {
        t.execute(
            "INSERT INTO push_jobs (mailbox, item, not_before) VALUES (?1, ?2, ?3)",
            params![mbx, &env.id[..], now],
        )?;
    }
    Ok(PostOutcome::Created)
}

/// The `type` of a stored notice (JSON the relay wrote itself). Read here rather than with
/// SQLite's `json_extract`: the phone library's SQLite is built without JSON (decision 0006),
/// and the workspace builds one SQLite.
fn notice_type(notice: &str) -> Option<String> {
    let value: serde_json::Value = serde_json::from_str(notice).ok()?;
    value.get("type")?.as_str().map(str::to_owned)
}

/// Puts a notice into each existing watcher mailbox (and queues pushes); returns them.
fn notify_watchers(
    t: &Transaction<'_>,
    watchers: &[MailboxId],
    notice: &str,
    now: i64,
    expires_at: i64,
) -> Result<Vec<MailboxId>, rusqlite::Error> {
    let mut woken = Vec::new();
    for w in watchers {
        let push: Option<Option<String>> = t
            .query_row(
                "SELECT push FROM mailboxes WHERE id = ?1",
                [&w.0[..]],
                |r| r.get(0),
            )
            .optional()?;
        let Some(push) = push else { continue };
        let id = random16();
        t.execute(
            "INSERT INTO messages (mailbox, id, received_at, expires_at, notice) VALUES (?1, ?2, ?3, ?4, ?5)",
            params![&w.0[..], &id[..], now, expires_at, notice],
        )?;
        if push.is_some() {
            t.execute(
                "INSERT INTO push_jobs (mailbox, item, not_before) VALUES (?1, ?2, ?3)",
                params![&w.0[..], &id[..], now],
            )?;
        }
        woken.push(*w);
    }
    Ok(woken)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn env(mbx: MailboxId, id: u8, expires_at: i64) -> NewEnvelope {
        NewEnvelope {
            mailbox: mbx,
            id: [id; 16],
            envelope: vec![id; 120],
            expires_at,
        }
    }

    fn open(dir: &Path) -> SqliteStore {
        SqliteStore::open(dir, Arc::new(Waiters::default())).unwrap()
    }

    #[tokio::test]
    async fn posts_are_idempotent_and_tombstones_outlive_acknowledgement() {
        let dir = tempfile::tempdir().unwrap();
        let s = open(dir.path());
        let m = MailboxId([1; 16]);
        assert_eq!(
            s.post(env(m, 1, 100), 10, 5).await.unwrap(),
            PostOutcome::MailboxNotFound
        );
        assert!(s.open_mailbox(m, 10).await.unwrap());
        assert!(!s.open_mailbox(m, 11).await.unwrap());
        assert_eq!(
            s.post(env(m, 1, 100), 10, 5).await.unwrap(),
            PostOutcome::Created
        );
        assert_eq!(
            s.post(env(m, 1, 100), 10, 5).await.unwrap(),
            PostOutcome::Duplicate
        );
        let mut other = env(m, 1, 100);
        other.envelope[0] ^= 1;
        assert_eq!(
            s.post(other.clone(), 10, 5).await.unwrap(),
            PostOutcome::Conflict
        );
        assert_eq!(s.ack(m, vec![[1; 16]]).await.unwrap(), 1);
        assert_eq!(
            s.post(env(m, 1, 100), 10, 5).await.unwrap(),
            PostOutcome::Duplicate
        );
        assert_eq!(s.post(other, 10, 5).await.unwrap(), PostOutcome::Conflict);
        assert!(s.fetch(m, 10, 10).await.unwrap().is_empty());
        // The tombstone goes at expiry; the sweep counts only unread items as expired.
        assert_eq!(
            s.post(env(m, 2, 50), 10, 5).await.unwrap(),
            PostOutcome::Created
        );
        let swept = s.sweep(100, 1000).await.unwrap();
        assert_eq!(
            swept,
            Swept {
                expired_unread: 1,
                rows: 2
            }
        );
        s.close().await;
    }

    #[tokio::test]
    async fn depth_limit_and_order() {
        let dir = tempfile::tempdir().unwrap();
        let s = open(dir.path());
        let m = MailboxId([2; 16]);
        s.open_mailbox(m, 0).await.unwrap();
        for i in 1..=3 {
            assert_eq!(
                s.post(env(m, i, 100), 0, 3).await.unwrap(),
                PostOutcome::Created
            );
        }
        assert_eq!(
            s.post(env(m, 4, 100), 0, 3).await.unwrap(),
            PostOutcome::MailboxFull
        );
        let ids: Vec<u8> = s
            .fetch(m, 0, 10)
            .await
            .unwrap()
            .iter()
            .map(|i| i.id[0])
            .collect();
        assert_eq!(ids, vec![1, 2, 3]);
        assert_eq!(s.fetch(m, 0, 2).await.unwrap().len(), 2);
    }

    #[tokio::test]
    async fn nonces_survive_a_restart_and_the_folder_is_locked() {
        let dir = tempfile::tempdir().unwrap();
        let s = open(dir.path());
        assert!(matches!(
            SqliteStore::open(dir.path(), Arc::new(Waiters::default())),
            Err(StoreError::Locked(_))
        ));
        assert!(s.check_nonce([1; 32], [2; 16], 600, 0).await.unwrap());
        assert!(!s.check_nonce([1; 32], [2; 16], 600, 1).await.unwrap());
        // A write after the nonce commits in the same or a later batch.
        s.open_mailbox(MailboxId([3; 16]), 0).await.unwrap();
        s.close().await;
        drop(s);
        let s = open(dir.path());
        assert!(
            !s.check_nonce([1; 32], [2; 16], 600, 2).await.unwrap(),
            "remembered across a restart"
        );
        assert!(
            s.check_nonce([1; 32], [2; 16], 1200, 601).await.unwrap(),
            "forgotten after its window"
        );
    }

    #[tokio::test]
    async fn escalations_release_once_and_cancel_for_good() {
        let dir = tempfile::tempdir().unwrap();
        let s = open(dir.path());
        let (p, c) = (MailboxId([4; 16]), MailboxId([5; 16]));
        s.open_mailbox(c, 0).await.unwrap();
        let hold = |id: u8, hash: u8, at: i64| Hold {
            env: env(c, id, 1000),
            sender: p,
            cancel_hash: [hash; 32],
            release_at: at,
        };
        assert_eq!(s.hold(hold(1, 1, 100)).await.unwrap(), HoldOutcome::Held);
        assert_eq!(
            s.hold(hold(1, 1, 100)).await.unwrap(),
            HoldOutcome::Duplicate
        );
        assert_eq!(s.hold(hold(2, 2, 100)).await.unwrap(), HoldOutcome::Held);
        assert_eq!(s.cancel([2; 32], 1000).await.unwrap(), 1);
        assert_eq!(
            s.hold(hold(2, 2, 100)).await.unwrap(),
            HoldOutcome::Cancelled
        );
        assert_eq!(s.release_due(99, 10, 10).await.unwrap(), 0);
        assert_eq!(s.release_due(100, 10, 10).await.unwrap(), 1);
        assert_eq!(s.release_due(101, 10, 10).await.unwrap(), 0);
        let got = s.fetch(c, 101, 10).await.unwrap();
        assert_eq!(got.len(), 1);
        assert_eq!(got[0].id, [1; 16]);
    }
}
