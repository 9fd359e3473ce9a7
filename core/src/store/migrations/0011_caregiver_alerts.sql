-- 0011: caregiver alerts (docs/alerts-protocol.md). The relay this phone uses, the devices it is
-- paired with (their public bundles only: the private keys stay in the platform key store), the
-- invitations it has shown (their codes are in the key store too), and the outbox of sealed
-- envelopes, each stored before it is sent and kept until the relay has accepted it.
CREATE TABLE alert_relay (
    id           INTEGER PRIMARY KEY CHECK (id = 1),
    base_url     TEXT    NOT NULL,
    mailbox      TEXT    NOT NULL,      -- this device's own mailbox id (b64u)
    opened_at_ms INTEGER NOT NULL
) STRICT;

CREATE TABLE alert_peers (
    id              INTEGER PRIMARY KEY,
    mailbox         TEXT    NOT NULL UNIQUE,
    bundle          BLOB    NOT NULL CHECK (length(bundle) = 65),
    role            TEXT    NOT NULL CHECK (role IN ('caregiver', 'patient')), -- what the peer is
    name            TEXT    NOT NULL,
    state           TEXT    NOT NULL CHECK (state IN ('unconfirmed', 'confirmed', 'revoked')),
    paired_at_ms    INTEGER NOT NULL,
    confirmed_at_ms INTEGER,
    revoked_at_ms   INTEGER,
    next_seq        INTEGER NOT NULL DEFAULT 1 CHECK (next_seq >= 1), -- ours, to this peer
    window          TEXT    NOT NULL DEFAULT '{}'                     -- what we received from it
) STRICT;

CREATE TABLE alert_invitations (
    invite_id       TEXT    PRIMARY KEY,
    created_at_ms   INTEGER NOT NULL,
    expires_at_ms   INTEGER NOT NULL,
    claimed_by      INTEGER REFERENCES alert_peers (id) ON DELETE SET NULL,
    claimed_at_ms   INTEGER,
    withdrawn_at_ms INTEGER
) STRICT;

CREATE TABLE alert_outbox (
    message_id         TEXT    PRIMARY KEY,
    peer_id            INTEGER NOT NULL REFERENCES alert_peers (id) ON DELETE CASCADE,
    kind               INTEGER NOT NULL,
    envelope           BLOB    NOT NULL,
    created_at_ms      INTEGER NOT NULL,
    expires_at_ms      INTEGER NOT NULL,
    attempts           INTEGER NOT NULL DEFAULT 0,
    next_attempt_at_ms INTEGER NOT NULL,
    sent_at_ms         INTEGER,
    last_error         TEXT
) STRICT;
CREATE INDEX alert_outbox_due ON alert_outbox (next_attempt_at_ms) WHERE sent_at_ms IS NULL;

-- The patient's side: each alert raised, and its delivery to each caregiver as the receipts
-- tell it (delivered, seen, acknowledged).
CREATE TABLE alerts_raised (
    alert_id      TEXT    PRIMARY KEY,
    category      TEXT    NOT NULL,
    priority      TEXT    NOT NULL CHECK (priority IN ('high', 'medium', 'low')),
    raised_at_ms  INTEGER NOT NULL,
    title         TEXT    NOT NULL,
    body          TEXT    NOT NULL,
    condition     TEXT,              -- the rule's key while the condition holds (rules.rs)
    cleared_at_ms INTEGER
) STRICT;
CREATE UNIQUE INDEX alerts_raised_holding ON alerts_raised (condition)
    WHERE condition IS NOT NULL AND cleared_at_ms IS NULL;

CREATE TABLE alert_deliveries (
    message_id         TEXT    PRIMARY KEY,
    alert_id           TEXT    NOT NULL REFERENCES alerts_raised (alert_id) ON DELETE CASCADE,
    peer_id            INTEGER NOT NULL REFERENCES alert_peers (id) ON DELETE CASCADE,
    delivered_at_ms    INTEGER,
    seen_at_ms         INTEGER,
    acknowledged_at_ms INTEGER
) STRICT;
CREATE INDEX alert_deliveries_by_alert ON alert_deliveries (alert_id);

-- The caregiver's side: the alerts received, and what this caregiver did with them.
CREATE TABLE alert_inbox (
    message_id         TEXT    PRIMARY KEY,
    peer_id            INTEGER NOT NULL REFERENCES alert_peers (id) ON DELETE CASCADE,
    alert_id           TEXT    NOT NULL,
    category           TEXT    NOT NULL,
    priority           TEXT    NOT NULL CHECK (priority IN ('high', 'medium', 'low')),
    raised_at_ms       INTEGER NOT NULL,
    title              TEXT    NOT NULL,
    body               TEXT    NOT NULL,
    received_at_ms     INTEGER NOT NULL,
    seen_at_ms         INTEGER,
    acknowledged_at_ms INTEGER
) STRICT;
CREATE INDEX alert_inbox_by_time ON alert_inbox (received_at_ms);
