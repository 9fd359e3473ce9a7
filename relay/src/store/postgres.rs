//! PostgreSQL store: several stateless relay processes share one database.
//!
//! A connection pool (deadpool-postgres over tokio-postgres) that replaces broken connections by
//! itself, so a restarted server is picked up again without a relay restart. Long-polls wake across
//! processes through `LISTEN/NOTIFY` (channel `thecal_mailbox`, payload the mailbox id): the
//! notification is sent by the same statement or transaction that stores the item, so it arrives
//! only after the commit. Background work (escalation release, heartbeat notices, push jobs,
//! sweeps) takes rows with `FOR UPDATE SKIP LOCKED`, so two processes never take the same row.

use super::{
    ClaimOutcome, Heartbeat, Hold, HoldOutcome, InviteDelete, InviteLookup, InvitePut, Item,
    ItemBody, NewEnvelope, PostOutcome, PushJob, PushResult, Swept, back_notice, digest,
    invite_lookup, random16, silent_notice, watchers_from_bytes, watchers_to_bytes,
};
use crate::error::StoreError;
use crate::proto::MailboxId;
use crate::waiters::Waiters;
use deadpool_postgres::GenericClient;
use deadpool_postgres::{Manager, ManagerConfig, Pool, RecyclingMethod, Runtime};
use futures::StreamExt as _;
use std::sync::Arc;
use std::time::Duration;
use tokio_postgres::{AsyncMessage, NoTls};

const CHANNEL: &str = "thecal_mailbox";

const SCHEMA_V1: &str = "
CREATE TABLE mailboxes (id bytea PRIMARY KEY, created_at bigint NOT NULL, push text);
CREATE TABLE messages (
  seq bigserial PRIMARY KEY,
  mailbox bytea NOT NULL,
  id bytea NOT NULL,
  received_at bigint NOT NULL,
  expires_at bigint NOT NULL,
  envelope bytea,
  notice text,
  digest bytea,
  acked boolean NOT NULL DEFAULT false,
  UNIQUE (mailbox, id)
);
CREATE INDEX messages_pending ON messages (mailbox, seq) WHERE NOT acked;
CREATE INDEX messages_expiry ON messages (expires_at);
CREATE TABLE held (
  mailbox bytea NOT NULL,
  id bytea NOT NULL,
  sender bytea NOT NULL,
  cancel_hash bytea NOT NULL,
  release_at bigint NOT NULL,
  expires_at bigint NOT NULL,
  envelope bytea NOT NULL,
  digest bytea NOT NULL,
  PRIMARY KEY (mailbox, id)
);
CREATE INDEX held_release ON held (release_at);
CREATE INDEX held_cancel ON held (cancel_hash);
CREATE INDEX held_sender ON held (sender);
CREATE INDEX held_expiry ON held (expires_at);
CREATE TABLE cancelled (hash bytea PRIMARY KEY, until bigint NOT NULL);
CREATE INDEX cancelled_until ON cancelled (until);
CREATE TABLE heartbeats (
  mailbox bytea PRIMARY KEY,
  interval_s bigint NOT NULL,
  grace_s bigint NOT NULL,
  watchers bytea NOT NULL,
  last_seen_at bigint NOT NULL,
  due_at bigint NOT NULL,
  notified boolean NOT NULL DEFAULT false
);
CREATE INDEX heartbeats_due ON heartbeats (due_at) WHERE NOT notified;
CREATE TABLE invitations (
  id bytea PRIMARY KEY,
  creator bytea NOT NULL,
  sealed bytea NOT NULL,
  expires_at bigint NOT NULL,
  claimed_at bigint
);
CREATE INDEX invitations_expiry ON invitations (expires_at);
CREATE TABLE push_jobs (
  id bigserial PRIMARY KEY,
  mailbox bytea NOT NULL,
  item bytea NOT NULL,
  attempts bigint NOT NULL DEFAULT 0,
  not_before bigint NOT NULL,
  lease_until bigint NOT NULL DEFAULT 0
);
CREATE INDEX push_jobs_due ON push_jobs (not_before);
CREATE TABLE nonces (key bytea NOT NULL, nonce bytea NOT NULL, until bigint NOT NULL, PRIMARY KEY (key, nonce));
CREATE INDEX nonces_until ON nonces (until);
";

/// Numbered migrations; never edit one that has shipped, add the next.
const MIGRATIONS: &[&str] = &[SCHEMA_V1];

/// One statement that stores an envelope (if new, the mailbox exists and is not full), queues a
/// push when the mailbox has a target, and notifies listeners; and says what it found.
const INSERT_ENVELOPE: &str = "
WITH mb AS (SELECT push FROM mailboxes WHERE id = $1),
prior AS (SELECT digest FROM messages WHERE mailbox = $1 AND id = $2),
cnt AS (SELECT count(*) AS n FROM messages WHERE mailbox = $1 AND NOT acked),
ins AS (
  INSERT INTO messages (mailbox, id, received_at, expires_at, envelope, digest)
  SELECT $1, $2, $3, $4, $5, $6 FROM mb, cnt
  WHERE NOT EXISTS (SELECT 1 FROM prior) AND cnt.n < $7
  ON CONFLICT (mailbox, id) DO NOTHING
  RETURNING 1),
job AS (
  INSERT INTO push_jobs (mailbox, item, not_before)
  SELECT $1, $2, $3 FROM ins, mb WHERE mb.push IS NOT NULL
  RETURNING 1),
note AS (SELECT pg_notify('thecal_mailbox', $8) FROM ins)
SELECT (SELECT count(*) FROM ins) AS inserted,
       (SELECT digest FROM prior) AS prior,
       (SELECT count(*) FROM mb) AS mb,
       (SELECT count(*) FROM job) + (SELECT count(*) FROM note) AS side";

/// [`INSERT_ENVELOPE`] that also records the request's nonce (`$8..$10`) and stores nothing if
/// the nonce was seen: one statement, one commit for a signed post. It sends no NOTIFY: a
/// transaction that notifies holds PostgreSQL's notify lock through its commit's WAL flush, which
/// would serialize every post behind one fsync; the notifier task sends the wake-ups just after,
/// in batches, on a connection that does not wait for the flush.
const INSERT_ENVELOPE_SIGNED: &str = "
WITH nn AS (INSERT INTO nonces (key, nonce, until) VALUES ($8, $9, $10) ON CONFLICT DO NOTHING RETURNING 1),
mb AS (SELECT push FROM mailboxes WHERE id = $1),
prior AS (SELECT digest FROM messages WHERE mailbox = $1 AND id = $2),
cnt AS (SELECT count(*) AS n FROM messages WHERE mailbox = $1 AND NOT acked),
ins AS (
  INSERT INTO messages (mailbox, id, received_at, expires_at, envelope, digest)
  SELECT $1, $2, $3, $4, $5, $6 FROM mb, cnt, nn
  WHERE NOT EXISTS (SELECT 1 FROM prior) AND cnt.n < $7
  ON CONFLICT (mailbox, id) DO NOTHING
  RETURNING 1),
job AS (
  INSERT INTO push_jobs (mailbox, item, not_before)
  SELECT $1, $2, $3 FROM ins, mb WHERE mb.push IS NOT NULL
  RETURNING 1)
SELECT (SELECT count(*) FROM ins) AS inserted,
       (SELECT digest FROM prior) AS prior,
       (SELECT count(*) FROM mb) AS mb,
       (SELECT count(*) FROM job) AS side,
       (SELECT count(*) FROM nn) AS fresh";

const INSERT_NONCE: &str =
    "INSERT INTO nonces (key, nonce, until) VALUES ($1, $2, $3) ON CONFLICT DO NOTHING";
const FETCH: &str = "SELECT id, received_at, envelope, notice FROM messages
                     WHERE mailbox = $1 AND NOT acked AND expires_at > $2 ORDER BY seq LIMIT $3";
/// Pending items of a mailbox, and a row of NULLs when it exists but is empty: no row at all
/// means there is no such mailbox (one statement instead of two).
const FETCH_CHECKED: &str = "SELECT m.id, m.received_at, m.envelope, m.notice
    FROM mailboxes b
    LEFT JOIN LATERAL (SELECT id, received_at, envelope, notice, seq FROM messages
        WHERE mailbox = b.id AND NOT acked AND expires_at > $2 ORDER BY seq LIMIT $3) m ON true
    WHERE b.id = $1
    ORDER BY m.seq";
const ACK: &str = "WITH u AS (UPDATE messages SET acked = true, envelope = NULL
                     WHERE mailbox = $1 AND id = ANY($2) AND NOT acked AND notice IS NULL RETURNING 1),
                   d AS (DELETE FROM messages WHERE mailbox = $1 AND id = ANY($2) AND notice IS NOT NULL RETURNING 1)
                   SELECT (SELECT count(*) FROM u) + (SELECT count(*) FROM d)";

/// The PostgreSQL store.
pub struct PgStore {
    /// Long-poll waiters of this process.
    pub waiters: Arc<Waiters>,
    pool: Pool,
    /// Connections with `synchronous_commit = off`, for writes whose loss in a server crash
    /// costs nothing a client can see: nonces (a replay window of well under a second after a
    /// PostgreSQL crash) and acknowledgements (an item delivered again, dropped by message id).
    fast: Pool,
    listener: tokio::task::JoinHandle<()>,
    notifier: tokio::task::JoinHandle<()>,
    notify_tx: tokio::sync::mpsc::UnboundedSender<MailboxId>,
}

fn pool_err(e: impl std::fmt::Display) -> StoreError {
    StoreError::Pool(e.to_string())
}

impl PgStore {
    /// Connects (the server must be up), migrates, and starts the LISTEN connection.
    pub async fn open(
        url: &str,
        pool_size: usize,
        waiters: Arc<Waiters>,
    ) -> Result<Self, StoreError> {
        let mut cfg: tokio_postgres::Config = url.parse()?;
        cfg.connect_timeout(Duration::from_secs(5));
        if cfg.get_application_name().is_none() {
            cfg.application_name("thecal-relay");
        }
        let make_pool = |cfg: tokio_postgres::Config, size: usize| {
            let mgr = Manager::from_config(
                cfg,
                NoTls,
                ManagerConfig {
                    recycling_method: RecyclingMethod::Fast,
                },
            );
            Pool::builder(mgr)
                .max_size(size)
                .runtime(Runtime::Tokio1)
                .wait_timeout(Some(Duration::from_secs(10)))
                .create_timeout(Some(Duration::from_secs(5)))
                .recycle_timeout(Some(Duration::from_secs(5)))
                .build()
                .map_err(pool_err)
        };
        let pool = make_pool(cfg.clone(), pool_size)?;
        let mut fast_cfg = cfg.clone();
        let options = format!(
            "{} -c synchronous_commit=off",
            cfg.get_options().unwrap_or("")
        );
        fast_cfg.options(options.trim());
        let fast = make_pool(fast_cfg, pool_size)?;
        {
            let mut client = pool.get().await?;
            let t = client.transaction().await?;
            // Two relays starting at once: one migrates, the other waits and finds it done.
            t.execute("SELECT pg_advisory_xact_lock(7272740001)", &[])
                .await?;
            t.batch_execute("CREATE TABLE IF NOT EXISTS relay_schema (version integer NOT NULL)")
                .await?;
            let row = t.query_opt("SELECT version FROM relay_schema", &[]).await?;
            let mut version: usize =
                row.map_or(0, |r| usize::try_from(r.get::<_, i32>(0)).unwrap_or(0));
            if version == 0 {
                t.execute("INSERT INTO relay_schema (version) VALUES (0)", &[])
                    .await?;
            }
            while version < MIGRATIONS.len() {
                t.batch_execute(MIGRATIONS[version]).await?;
                version += 1;
                let v = i32::try_from(version).unwrap_or(i32::MAX);
                t.execute("UPDATE relay_schema SET version = $1", &[&v])
                    .await?;
            }
            t.commit().await?;
        }
        let listener = tokio::spawn(listen_loop(cfg, Arc::clone(&waiters)));
        let (notify_tx, notify_rx) = tokio::sync::mpsc::unbounded_channel();
        let notifier = tokio::spawn(notify_loop(fast.clone(), notify_rx));
        Ok(Self {
            waiters,
            pool,
            fast,
            listener,
            notifier,
            notify_tx,
        })
    }

    async fn client(&self) -> Result<deadpool_postgres::Object, StoreError> {
        Ok(self.pool.get().await?)
    }

    async fn fast_client(&self) -> Result<deadpool_postgres::Object, StoreError> {
        Ok(self.fast.get().await?)
    }

    pub(crate) async fn health(&self) -> Result<(), StoreError> {
        self.client().await?.query_one("SELECT 1", &[]).await?;
        Ok(())
    }

    pub(crate) async fn check_nonce(
        &self,
        key: [u8; 32],
        nonce: [u8; 16],
        until: i64,
        _now: i64,
    ) -> Result<bool, StoreError> {
        let client = self.fast_client().await?;
        let stmt = client.prepare_cached(INSERT_NONCE).await?;
        let n = client
            .execute(&stmt, &[&&key[..], &&nonce[..], &until])
            .await?;
        Ok(n == 1)
    }

    pub(crate) async fn open_mailbox(&self, mbx: MailboxId, now: i64) -> Result<bool, StoreError> {
        let n = self
            .client()
            .await?
            .execute(
                "INSERT INTO mailboxes (id, created_at) VALUES ($1, $2) ON CONFLICT DO NOTHING",
                &[&&mbx.0[..], &now],
            )
            .await?;
        Ok(n == 1)
    }

    pub(crate) async fn mailbox_exists(&self, mbx: MailboxId) -> Result<bool, StoreError> {
        let client = self.fast_client().await?;
        let stmt = client
            .prepare_cached("SELECT 1 FROM mailboxes WHERE id = $1")
            .await?;
        Ok(client.query_opt(&stmt, &[&&mbx.0[..]]).await?.is_some())
    }

    pub(crate) async fn delete_mailbox(&self, mbx: MailboxId) -> Result<(), StoreError> {
        let mut client = self.client().await?;
        let t = client.transaction().await?;
        let id = &mbx.0[..];
        t.execute("DELETE FROM messages WHERE mailbox = $1", &[&id])
            .await?;
        t.execute("DELETE FROM held WHERE mailbox = $1 OR sender = $1", &[&id])
            .await?;
        t.execute("DELETE FROM heartbeats WHERE mailbox = $1", &[&id])
            .await?;
        t.execute("DELETE FROM invitations WHERE creator = $1", &[&id])
            .await?;
        t.execute("DELETE FROM push_jobs WHERE mailbox = $1", &[&id])
            .await?;
        t.execute("DELETE FROM mailboxes WHERE id = $1", &[&id])
            .await?;
        t.execute("SELECT pg_notify($1, $2)", &[&CHANNEL, &mbx.to_string()])
            .await?;
        t.commit().await?;
        Ok(())
    }

    pub(crate) async fn post(
        &self,
        env: NewEnvelope,
        now: i64,
        depth: u32,
    ) -> Result<PostOutcome, StoreError> {
        let client = self.client().await?;
        insert_envelope(&client, &env, now, depth, None).await
    }

    pub(crate) async fn post_signed(
        &self,
        env: NewEnvelope,
        now: i64,
        depth: u32,
        nonce: super::Nonce,
    ) -> Result<PostOutcome, StoreError> {
        let mbx = env.mailbox;
        let client = self.client().await?;
        let out = insert_envelope(&client, &env, now, depth, Some(nonce)).await?;
        if out == PostOutcome::Created {
            // Committed: wake this process's long-polls now, and the other processes' soon.
            self.waiters.wake(mbx);
            let _ = self.notify_tx.send(mbx);
        }
        Ok(out)
    }

    pub(crate) async fn fetch(
        &self,
        mbx: MailboxId,
        now: i64,
        limit: u32,
    ) -> Result<Vec<Item>, StoreError> {
        let client = self.fast_client().await?;
        let stmt = client.prepare_cached(FETCH).await?;
        let rows = client
            .query(&stmt, &[&&mbx.0[..], &now, &i64::from(limit)])
            .await?;
        Ok(items_of(rows))
    }

    pub(crate) async fn fetch_checked(
        &self,
        mbx: MailboxId,
        now: i64,
        limit: u32,
        nonce: Option<super::Nonce>,
    ) -> Result<super::Fetched, StoreError> {
        let client = self.fast_client().await?;
        let fs = client.prepare_cached(FETCH_CHECKED).await?;
        let lim = i64::from(limit);
        let fp: [&(dyn tokio_postgres::types::ToSql + Sync); 3] = [&&mbx.0[..], &now, &lim];
        let rows = match nonce {
            None => client.query(&fs, &fp).await?,
            Some(n) => {
                let ns = client.prepare_cached(INSERT_NONCE).await?;
                let (key, nv) = (&n.key[..], &n.nonce[..]);
                let np: [&(dyn tokio_postgres::types::ToSql + Sync); 3] = [&key, &nv, &n.until];
                // Pipelined on one connection: one round trip for both.
                let (fresh, rows) =
                    tokio::try_join!(client.execute(&ns, &np), client.query(&fs, &fp))?;
                if fresh != 1 {
                    return Ok(super::Fetched::Replayed);
                }
                rows
            }
        };
        if rows.is_empty() {
            return Ok(super::Fetched::NoMailbox);
        }
        let rows: Vec<_> = rows
            .into_iter()
            .filter(|r| r.get::<_, Option<Vec<u8>>>(0).is_some())
            .collect();
        Ok(super::Fetched::Items(items_of(rows)))
    }

    pub(crate) async fn ack(&self, mbx: MailboxId, ids: Vec<[u8; 16]>) -> Result<u64, StoreError> {
        let ids: Vec<Vec<u8>> = ids.iter().map(|i| i.to_vec()).collect();
        let client = self.fast_client().await?;
        let stmt = client.prepare_cached(ACK).await?;
        let row = client.query_one(&stmt, &[&&mbx.0[..], &ids]).await?;
        Ok(u64::try_from(row.get::<_, i64>(0)).unwrap_or(0))
    }

    pub(crate) async fn ack_signed(
        &self,
        mbx: MailboxId,
        ids: Vec<[u8; 16]>,
        nonce: super::Nonce,
    ) -> Result<Option<u64>, StoreError> {
        let ids: Vec<Vec<u8>> = ids.iter().map(|i| i.to_vec()).collect();
        let client = self.fast_client().await?;
        let (ns, st) = tokio::try_join!(
            client.prepare_cached(INSERT_NONCE),
            client.prepare_cached(ACK)
        )?;
        // Pipelined; acknowledging is idempotent, so a replay changes nothing before it is refused.
        let (key, nv) = (&nonce.key[..], &nonce.nonce[..]);
        let np: [&(dyn tokio_postgres::types::ToSql + Sync); 3] = [&key, &nv, &nonce.until];
        let ap: [&(dyn tokio_postgres::types::ToSql + Sync); 2] = [&&mbx.0[..], &ids];
        let (fresh, row) = tokio::try_join!(client.execute(&ns, &np), client.query_one(&st, &ap))?;
        Ok((fresh == 1).then(|| u64::try_from(row.get::<_, i64>(0)).unwrap_or(0)))
    }

    pub(crate) async fn set_push(
        &self,
        mbx: MailboxId,
        target: Option<String>,
    ) -> Result<bool, StoreError> {
        let n = self
            .client()
            .await?
            .execute(
                "UPDATE mailboxes SET push = $2 WHERE id = $1",
                &[&&mbx.0[..], &target],
            )
            .await?;
        Ok(n == 1)
    }

    pub(crate) async fn set_heartbeat(
        &self,
        mbx: MailboxId,
        hb: Heartbeat,
        now: i64,
        notice_ttl: i64,
    ) -> Result<Option<i64>, StoreError> {
        let mut client = self.client().await?;
        let t = client.transaction().await?;
        let id = &mbx.0[..];
        if t.query_opt("SELECT 1 FROM mailboxes WHERE id = $1", &[&id])
            .await?
            .is_none()
        {
            return Ok(None);
        }
        let was_silent = t
            .query_opt(
                "SELECT notified FROM heartbeats WHERE mailbox = $1 FOR UPDATE",
                &[&id],
            )
            .await?
            .is_some_and(|r| r.get::<_, bool>(0));
        let due = now + hb.interval_s + hb.grace_s;
        t.execute(
            "INSERT INTO heartbeats (mailbox, interval_s, grace_s, watchers, last_seen_at, due_at, notified)
             VALUES ($1, $2, $3, $4, $5, $6, false)
             ON CONFLICT (mailbox) DO UPDATE SET interval_s = $2, grace_s = $3, watchers = $4,
               last_seen_at = $5, due_at = $6, notified = false",
            &[&id, &hb.interval_s, &hb.grace_s, &watchers_to_bytes(&hb.watchers), &now, &due],
        )
        .await?;
        if was_silent {
            notify_watchers(
                &t,
                &hb.watchers,
                &back_notice(mbx, now),
                now,
                now + notice_ttl,
            )
            .await?;
        }
        t.commit().await?;
        Ok(Some(due))
    }

    pub(crate) async fn checkin(
        &self,
        mbx: MailboxId,
        now: i64,
        notice_ttl: i64,
    ) -> Result<Option<i64>, StoreError> {
        let mut client = self.client().await?;
        let t = client.transaction().await?;
        let id = &mbx.0[..];
        let Some(row) = t
            .query_opt(
                "SELECT interval_s, grace_s, watchers, notified FROM heartbeats WHERE mailbox = $1 FOR UPDATE",
                &[&id],
            )
            .await?
        else {
            return Ok(None);
        };
        let (interval, grace): (i64, i64) = (row.get(0), row.get(1));
        let due = now + interval + grace;
        t.execute(
            "UPDATE heartbeats SET last_seen_at = $2, due_at = $3, notified = false WHERE mailbox = $1",
            &[&id, &now, &due],
        )
        .await?;
        if row.get::<_, bool>(3) {
            let w = watchers_from_bytes(&row.get::<_, Vec<u8>>(2));
            notify_watchers(&t, &w, &back_notice(mbx, now), now, now + notice_ttl).await?;
        }
        t.commit().await?;
        Ok(Some(due))
    }

    pub(crate) async fn delete_heartbeat(&self, mbx: MailboxId) -> Result<(), StoreError> {
        self.client()
            .await?
            .execute("DELETE FROM heartbeats WHERE mailbox = $1", &[&&mbx.0[..]])
            .await?;
        Ok(())
    }

    pub(crate) async fn hold(&self, hold: Hold) -> Result<HoldOutcome, StoreError> {
        let mut client = self.client().await?;
        let t = client.transaction().await?;
        let (mbx, id) = (&hold.env.mailbox.0[..], &hold.env.id[..]);
        if t.query_opt(
            "SELECT 1 FROM cancelled WHERE hash = $1",
            &[&&hold.cancel_hash[..]],
        )
        .await?
        .is_some()
        {
            return Ok(HoldOutcome::Cancelled);
        }
        let d = digest(&hold.env.envelope);
        let prior = t
            .query_opt(
                "SELECT digest FROM held WHERE mailbox = $1 AND id = $2
                 UNION ALL SELECT digest FROM messages WHERE mailbox = $1 AND id = $2 LIMIT 1",
                &[&mbx, &id],
            )
            .await?;
        if let Some(p) = prior {
            let p: Option<Vec<u8>> = p.get(0);
            return Ok(if p.as_deref() == Some(&d[..]) {
                HoldOutcome::Duplicate
            } else {
                HoldOutcome::Conflict
            });
        }
        if t.query_opt("SELECT 1 FROM mailboxes WHERE id = $1", &[&mbx])
            .await?
            .is_none()
        {
            return Ok(HoldOutcome::MailboxNotFound);
        }
        let n = t
            .execute(
                "INSERT INTO held (mailbox, id, sender, cancel_hash, release_at, expires_at, envelope, digest)
                 VALUES ($1, $2, $3, $4, $5, $6, $7, $8) ON CONFLICT DO NOTHING",
                &[
                    &mbx,
                    &id,
                    &&hold.sender.0[..],
                    &&hold.cancel_hash[..],
                    &hold.release_at,
                    &hold.env.expires_at,
                    &hold.env.envelope,
                    &d,
                ],
            )
            .await?;
        t.commit().await?;
        Ok(if n == 1 {
            HoldOutcome::Held
        } else {
            HoldOutcome::Duplicate
        })
    }

    pub(crate) async fn cancel(&self, hash: [u8; 32], until: i64) -> Result<u64, StoreError> {
        let mut client = self.client().await?;
        let t = client.transaction().await?;
        // Remember the hash first: a hold racing with this cancel either sees it or is deleted.
        t.execute(
            "INSERT INTO cancelled (hash, until) VALUES ($1, $2)
             ON CONFLICT (hash) DO UPDATE SET until = greatest(cancelled.until, $2)",
            &[&&hash[..], &until],
        )
        .await?;
        let n = t
            .execute("DELETE FROM held WHERE cancel_hash = $1", &[&&hash[..]])
            .await?;
        t.commit().await?;
        Ok(n)
    }

    pub(crate) async fn put_invitation(
        &self,
        id: [u8; 16],
        creator: MailboxId,
        sealed: Vec<u8>,
        expires_at: i64,
    ) -> Result<InvitePut, StoreError> {
        let client = self.client().await?;
        let n = client
            .execute(
                "INSERT INTO invitations (id, creator, sealed, expires_at) VALUES ($1, $2, $3, $4)
                 ON CONFLICT DO NOTHING",
                &[&&id[..], &&creator.0[..], &sealed, &expires_at],
            )
            .await?;
        if n == 1 {
            return Ok(InvitePut::Created);
        }
        let row = client
            .query_opt(
                "SELECT creator, sealed FROM invitations WHERE id = $1",
                &[&&id[..]],
            )
            .await?;
        Ok(match row {
            Some(r) if r.get::<_, Vec<u8>>(0) == creator.0 && r.get::<_, Vec<u8>>(1) == sealed => {
                InvitePut::Same
            }
            _ => InvitePut::Conflict,
        })
    }

    pub(crate) async fn get_invitation(
        &self,
        id: [u8; 16],
        now: i64,
    ) -> Result<InviteLookup, StoreError> {
        let row = self
            .client()
            .await?
            .query_opt(
                "SELECT sealed, expires_at, claimed_at FROM invitations WHERE id = $1",
                &[&&id[..]],
            )
            .await?;
        Ok(invite_lookup(
            row.map(|r| (r.get(0), r.get(1), r.get(2))),
            now,
        ))
    }

    pub(crate) async fn claim_invitation(
        &self,
        id: [u8; 16],
        hello: NewEnvelope,
        now: i64,
        depth: u32,
    ) -> Result<ClaimOutcome, StoreError> {
        let mut client = self.client().await?;
        let t = client.transaction().await?;
        let Some(row) = t
            .query_opt(
                "SELECT creator, sealed, expires_at, claimed_at FROM invitations WHERE id = $1 FOR UPDATE",
                &[&&id[..]],
            )
            .await?
        else {
            return Ok(ClaimOutcome::NotFound);
        };
        if row.get::<_, Option<i64>>(3).is_some() {
            return Ok(ClaimOutcome::Used);
        }
        if row.get::<_, i64>(2) <= now {
            return Ok(ClaimOutcome::Expired);
        }
        if row.get::<_, Vec<u8>>(0) != hello.mailbox.0 {
            return Ok(ClaimOutcome::WrongRecipient);
        }
        match insert_envelope(&t, &hello, now, depth, None).await? {
            PostOutcome::Created | PostOutcome::Duplicate => {}
            _ => return Ok(ClaimOutcome::MailboxUnavailable),
        }
        t.execute(
            "UPDATE invitations SET claimed_at = $2 WHERE id = $1",
            &[&&id[..], &now],
        )
        .await?;
        t.commit().await?;
        Ok(ClaimOutcome::Claimed(row.get(1)))
    }

    pub(crate) async fn delete_invitation(
        &self,
        id: [u8; 16],
        requester: MailboxId,
    ) -> Result<InviteDelete, StoreError> {
        let client = self.client().await?;
        let n = client
            .execute(
                "DELETE FROM invitations WHERE id = $1 AND creator = $2",
                &[&&id[..], &&requester.0[..]],
            )
            .await?;
        if n == 1 {
            return Ok(InviteDelete::Deleted);
        }
        let exists = client
            .query_opt("SELECT 1 FROM invitations WHERE id = $1", &[&&id[..]])
            .await?;
        Ok(if exists.is_some() {
            InviteDelete::Forbidden
        } else {
            InviteDelete::NotFound
        })
    }

    pub(crate) async fn release_due(
        &self,
        now: i64,
        depth: u32,
        limit: u32,
    ) -> Result<u64, StoreError> {
        let mut client = self.client().await?;
        let t = client.transaction().await?;
        let rows = t
            .query(
                "DELETE FROM held WHERE (mailbox, id) IN (
                   SELECT mailbox, id FROM held WHERE release_at <= $1 ORDER BY release_at LIMIT $2
                   FOR UPDATE SKIP LOCKED)
                 RETURNING mailbox, id, expires_at, envelope",
                &[&now, &i64::from(limit)],
            )
            .await?;
        let mut released = 0;
        for r in rows {
            let (Ok(mbx), Ok(id)) = (
                <[u8; 16]>::try_from(r.get::<_, Vec<u8>>(0)),
                <[u8; 16]>::try_from(r.get::<_, Vec<u8>>(1)),
            ) else {
                continue;
            };
            let env = NewEnvelope {
                mailbox: MailboxId(mbx),
                id,
                expires_at: r.get(2),
                envelope: r.get(3),
            };
            if env.expires_at > now
                && insert_envelope(&t, &env, now, depth, None).await? == PostOutcome::Created
            {
                released += 1;
            }
        }
        t.commit().await?;
        Ok(released)
    }

    pub(crate) async fn heartbeats_due(
        &self,
        now: i64,
        notice_ttl: i64,
        limit: u32,
    ) -> Result<u64, StoreError> {
        let mut client = self.client().await?;
        let t = client.transaction().await?;
        let rows = t
            .query(
                "UPDATE heartbeats SET notified = true WHERE mailbox IN (
                   SELECT mailbox FROM heartbeats WHERE NOT notified AND due_at <= $1 LIMIT $2
                   FOR UPDATE SKIP LOCKED)
                 RETURNING mailbox, watchers, last_seen_at, due_at",
                &[&now, &i64::from(limit)],
            )
            .await?;
        let mut n = 0;
        for r in rows {
            let Ok(mbx) = <[u8; 16]>::try_from(r.get::<_, Vec<u8>>(0)) else {
                continue;
            };
            let w = watchers_from_bytes(&r.get::<_, Vec<u8>>(1));
            let notice = silent_notice(MailboxId(mbx), r.get(2), r.get(3));
            n += notify_watchers(&t, &w, &notice, now, now + notice_ttl).await?;
        }
        t.commit().await?;
        Ok(n)
    }

    pub(crate) async fn claim_push_jobs(
        &self,
        now: i64,
        lease_s: i64,
        limit: u32,
    ) -> Result<Vec<PushJob>, StoreError> {
        let mut client = self.client().await?;
        let t = client.transaction().await?;
        let rows = t
            .query(
                "WITH j AS (
                   SELECT id FROM push_jobs WHERE not_before <= $1 AND lease_until <= $1
                   ORDER BY id LIMIT $2 FOR UPDATE SKIP LOCKED),
                 u AS (
                   UPDATE push_jobs p SET lease_until = $1 + $3, attempts = p.attempts + 1
                   FROM j WHERE p.id = j.id RETURNING p.id, p.mailbox, p.item, p.attempts - 1 AS attempts)
                 SELECT u.id, u.mailbox, b.push, m.envelope, m.notice::json->>'type', u.attempts
                 FROM u
                 LEFT JOIN mailboxes b ON b.id = u.mailbox
                 LEFT JOIN messages m ON m.mailbox = u.mailbox AND m.id = u.item AND NOT m.acked
                 ORDER BY u.id",
                &[&now, &i64::from(limit), &lease_s],
            )
            .await?;
        let mut jobs = Vec::new();
        let mut dead: Vec<i64> = Vec::new();
        for r in rows {
            let job_id: i64 = r.get(0);
            let target: Option<String> = r.get(2);
            let envelope: Option<Vec<u8>> = r.get(3);
            let notice: Option<String> = r.get(4);
            match (target, <[u8; 16]>::try_from(r.get::<_, Vec<u8>>(1))) {
                (Some(target), Ok(mbx)) if envelope.is_some() || notice.is_some() => {
                    jobs.push(PushJob {
                        job_id,
                        mailbox: MailboxId(mbx),
                        target,
                        envelope,
                        notice,
                        attempts: r.get(5),
                    })
                }
                _ => dead.push(job_id),
            }
        }
        if !dead.is_empty() {
            t.execute("DELETE FROM push_jobs WHERE id = ANY($1)", &[&dead])
                .await?;
        }
        t.commit().await?;
        Ok(jobs)
    }

    pub(crate) async fn finish_push(
        &self,
        job: &PushJob,
        result: PushResult,
    ) -> Result<(), StoreError> {
        let client = self.client().await?;
        match result {
            PushResult::Done => {
                client
                    .execute("DELETE FROM push_jobs WHERE id = $1", &[&job.job_id])
                    .await?;
            }
            PushResult::RetryAt(at) => {
                client
                    .execute(
                        "UPDATE push_jobs SET not_before = $2, lease_until = 0 WHERE id = $1",
                        &[&job.job_id, &at],
                    )
                    .await?;
            }
            PushResult::TargetGone => {
                let id = &job.mailbox.0[..];
                client
                    .execute(
                        "WITH d AS (DELETE FROM push_jobs WHERE mailbox = $1 RETURNING 1)
                         UPDATE mailboxes SET push = NULL WHERE id = $1",
                        &[&id],
                    )
                    .await?;
            }
        }
        Ok(())
    }

    pub(crate) async fn sweep(&self, now: i64, batch: u32) -> Result<Swept, StoreError> {
        let client = self.client().await?;
        let b = i64::from(batch);
        let rows = client
            .query(
                "DELETE FROM messages WHERE seq IN (
                   SELECT seq FROM messages WHERE expires_at <= $1 LIMIT $2 FOR UPDATE SKIP LOCKED)
                 RETURNING acked",
                &[&now, &b],
            )
            .await?;
        let mut swept = Swept {
            expired_unread: rows.iter().filter(|r| !r.get::<_, bool>(0)).count() as u64,
            rows: rows.len() as u64,
        };
        for (table, col, key) in [
            ("held", "expires_at", "mailbox, id"),
            ("cancelled", "until", "hash"),
            ("nonces", "until", "key, nonce"),
            ("invitations", "expires_at", "id"),
        ] {
            let sql = format!(
                "DELETE FROM {table} WHERE ({key}) IN (SELECT {key} FROM {table} WHERE {col} <= $1 LIMIT $2 FOR UPDATE SKIP LOCKED)"
            );
            swept.rows += client.execute(&sql, &[&now, &b]).await?;
        }
        Ok(swept)
    }

    pub(crate) async fn close(&self) {
        self.listener.abort();
        self.notifier.abort();
        self.pool.close();
        self.fast.close();
    }
}

async fn insert_envelope(
    c: &impl GenericClient,
    env: &NewEnvelope,
    now: i64,
    depth: u32,
    nonce: Option<super::Nonce>,
) -> Result<PostOutcome, StoreError> {
    let d = digest(&env.envelope);
    let (mbx, id, depth, note) = (
        &env.mailbox.0[..],
        &env.id[..],
        i64::from(depth),
        env.mailbox.to_string(),
    );
    let row = match &nonce {
        None => {
            let stmt = c.prepare_cached(INSERT_ENVELOPE).await?;
            c.query_one(
                &stmt,
                &[
                    &mbx,
                    &id,
                    &now,
                    &env.expires_at,
                    &env.envelope,
                    &d,
                    &depth,
                    &note,
                ],
            )
            .await?
        }
        Some(n) => {
            let stmt = c.prepare_cached(INSERT_ENVELOPE_SIGNED).await?;
            let params: [&(dyn tokio_postgres::types::ToSql + Sync); 10] = [
                &mbx,
                &id,
                &now,
                &env.expires_at,
                &env.envelope,
                &d,
                &depth,
                &&n.key[..],
                &&n.nonce[..],
                &n.until,
            ];
            let row = c.query_one(&stmt, &params).await?;
            if row.get::<_, i64>(4) == 0 {
                return Ok(PostOutcome::Replayed);
            }
            row
        }
    };
    let inserted: i64 = row.get(0);
    let prior: Option<Vec<u8>> = row.get(1);
    let mb: i64 = row.get(2);
    if inserted == 1 {
        return Ok(PostOutcome::Created);
    }
    if let Some(p) = prior {
        return Ok(if p == d {
            PostOutcome::Duplicate
        } else {
            PostOutcome::Conflict
        });
    }
    if mb == 0 {
        return Ok(PostOutcome::MailboxNotFound);
    }
    // Either full, or a concurrent post of the same id won the race: look again.
    let again = c
        .query_opt(
            "SELECT digest FROM messages WHERE mailbox = $1 AND id = $2",
            &[&&env.mailbox.0[..], &&env.id[..]],
        )
        .await?;
    Ok(match again {
        Some(r) if r.get::<_, Option<Vec<u8>>>(0).as_deref() == Some(&d[..]) => {
            PostOutcome::Duplicate
        }
        Some(_) => PostOutcome::Conflict,
        None => PostOutcome::MailboxFull,
    })
}

async fn notify_watchers(
    t: &impl GenericClient,
    watchers: &[MailboxId],
    notice: &str,
    now: i64,
    expires_at: i64,
) -> Result<u64, StoreError> {
    let mut n = 0;
    for w in watchers {
        let id = random16();
        let row = t
            .query_one(
                "WITH mb AS (SELECT push FROM mailboxes WHERE id = $1),
                 ins AS (INSERT INTO messages (mailbox, id, received_at, expires_at, notice)
                         SELECT $1, $2, $3, $4, $5 FROM mb RETURNING 1),
                 job AS (INSERT INTO push_jobs (mailbox, item, not_before)
                         SELECT $1, $2, $3 FROM ins, mb WHERE mb.push IS NOT NULL RETURNING 1),
                 note AS (SELECT pg_notify('thecal_mailbox', $6) FROM ins)
                 SELECT (SELECT count(*) FROM ins), (SELECT count(*) FROM job) + (SELECT count(*) FROM note)",
                &[&&w.0[..], &&id[..], &now, &expires_at, &notice, &w.to_string()],
            )
            .await?;
        n += u64::try_from(row.get::<_, i64>(0)).unwrap_or(0);
    }
    Ok(n)
}

/// Keeps one connection listening on the channel; reconnects with backoff when it is lost, and
/// then wakes every waiter (notifications sent meanwhile were missed).
async fn listen_loop(cfg: tokio_postgres::Config, waiters: Arc<Waiters>) {
    let mut backoff = Duration::from_millis(100);
    loop {
        match cfg.connect(NoTls).await {
            Ok((client, mut conn)) => {
                let (tx, mut rx) = tokio::sync::mpsc::unbounded_channel::<String>();
                let drive = tokio::spawn(async move {
                    let mut stream = futures::stream::poll_fn(move |cx| conn.poll_message(cx));
                    while let Some(m) = stream.next().await {
                        match m {
                            Ok(AsyncMessage::Notification(n)) => {
                                if tx.send(n.payload().to_owned()).is_err() {
                                    break;
                                }
                            }
                            Ok(_) => {}
                            Err(e) => {
                                tracing::warn!(error = %e, "postgres listener connection lost");
                                break;
                            }
                        }
                    }
                });
                match client.batch_execute(&format!("LISTEN {CHANNEL}")).await {
                    Ok(()) => {
                        tracing::info!("listening for mailbox notifications");
                        backoff = Duration::from_millis(100);
                        waiters.wake_all();
                        while let Some(p) = rx.recv().await {
                            if let Some(m) = MailboxId::parse(&p) {
                                waiters.wake(m);
                            }
                        }
                    }
                    Err(e) => tracing::warn!(error = %e, "LISTEN failed"),
                }
                drive.abort();
                drop(client);
                waiters.wake_all();
            }
            Err(e) => tracing::warn!(error = %e, "postgres listener cannot connect; retrying"),
        }
        tokio::time::sleep(backoff).await;
        backoff = (backoff * 2).min(Duration::from_secs(5));
    }
}

fn items_of(rows: Vec<tokio_postgres::Row>) -> Vec<Item> {
    let mut items = Vec::with_capacity(rows.len());
    for r in rows {
        let Ok(id) = <[u8; 16]>::try_from(r.get::<_, Vec<u8>>(0)) else {
            continue;
        };
        let body = match (
            r.get::<_, Option<Vec<u8>>>(2),
            r.get::<_, Option<String>>(3),
        ) {
            (Some(e), _) => ItemBody::Envelope(e),
            (None, Some(n)) => ItemBody::Notice(n),
            (None, None) => continue,
        };
        items.push(Item {
            id,
            received_at: r.get(1),
            body,
        });
    }
    items
}

/// Sends the wake-ups of committed posts in batches (one statement for many mailboxes). A
/// wake-up lost in a crash only delays a delivery until the receiver's long-poll times out.
async fn notify_loop(fast: Pool, mut rx: tokio::sync::mpsc::UnboundedReceiver<MailboxId>) {
    const SQL: &str = "SELECT pg_notify('thecal_mailbox', m) FROM unnest($1::text[]) AS m";
    while let Some(first) = rx.recv().await {
        let mut batch = vec![first];
        while batch.len() < 1_000 {
            match rx.try_recv() {
                Ok(m) => batch.push(m),
                Err(_) => break,
            }
        }
        batch.sort_unstable();
        batch.dedup();
        let names: Vec<String> = batch.iter().map(ToString::to_string).collect();
        let sent = async {
            let client = fast.get().await.map_err(pool_err)?;
            let stmt = client.prepare_cached(SQL).await?;
            client.query(&stmt, &[&names]).await?;
            Ok::<(), StoreError>(())
        }
        .await;
        if let Err(e) = sent {
            tracing::warn!(error = %e, "could not send wake-ups; receivers find the items at their next poll");
        }
    }
}
