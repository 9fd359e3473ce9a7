-- 0013: each caregiver's alert settings on the patient's phone (which rules and thresholds, quiet
-- hours, on-call windows, reminders, rota position: alerts/policy.rs, as JSON whose fields added
-- later take their defaults), the snoozes caregivers asked for, escalations handed to the relay,
-- and the cancellations of escalations owed to it.
CREATE TABLE alert_caregiver_settings (
    peer_id  INTEGER PRIMARY KEY REFERENCES alert_peers (id) ON DELETE CASCADE,
    settings TEXT    NOT NULL
) STRICT;

-- Each copy of an alert: the first, a reminder, or an escalation step held by the relay until
-- its release; when it was queued.
ALTER TABLE alert_deliveries ADD COLUMN purpose TEXT NOT NULL DEFAULT 'alert'
    CHECK (purpose IN ('alert', 'reminder', 'escalation'));
ALTER TABLE alert_deliveries ADD COLUMN created_at_ms INTEGER;
CREATE INDEX alert_deliveries_by_peer ON alert_deliveries (peer_id, alert_id);

-- A caregiver's snooze of an alert: no reminder before until_ms; NULL: while it holds.
CREATE TABLE alert_snoozes (
    alert_id TEXT    NOT NULL REFERENCES alerts_raised (alert_id) ON DELETE CASCADE,
    peer_id  INTEGER NOT NULL REFERENCES alert_peers (id) ON DELETE CASCADE,
    until_ms INTEGER,
    at_ms    INTEGER NOT NULL,
    PRIMARY KEY (alert_id, peer_id)
) STRICT;

-- Escalation (protocol §8): the token that cancels an alert's held copies, on both sides; an
-- outbox row with release_at_ms goes to POST /v1/escalations instead of a mailbox.
ALTER TABLE alerts_raised ADD COLUMN cancel_token TEXT;
ALTER TABLE alert_outbox ADD COLUMN release_at_ms INTEGER;
ALTER TABLE alert_outbox ADD COLUMN cancel_hash TEXT;
ALTER TABLE alert_inbox ADD COLUMN cancel_token TEXT;
ALTER TABLE alert_inbox ADD COLUMN escalation_step INTEGER;
ALTER TABLE alert_inbox ADD COLUMN reminders INTEGER NOT NULL DEFAULT 0;
ALTER TABLE alert_inbox ADD COLUMN reminded_at_ms INTEGER;
ALTER TABLE alert_inbox ADD COLUMN snoozed_until_ms INTEGER;
ALTER TABLE alert_inbox ADD COLUMN snoozed_at_ms INTEGER;

-- Cancellations owed to the relay (an acknowledgement, a cleared condition), kept until sent.
CREATE TABLE alert_cancels (
    token              TEXT    PRIMARY KEY,
    created_at_ms      INTEGER NOT NULL,
    expires_at_ms      INTEGER NOT NULL,
    attempts           INTEGER NOT NULL DEFAULT 0,
    next_attempt_at_ms INTEGER NOT NULL,
    sent_at_ms         INTEGER
) STRICT;
