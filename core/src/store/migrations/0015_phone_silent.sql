-- 0015: the phone-silent alarm (docs/alerts-protocol.md §9). On the patient's phone, the check-in
-- schedule it declares to the relay and what it last told the relay; on a caregiver's phone, the
-- relay's content-free notices about the patient's phone (silent since …, back).
CREATE TABLE alert_heartbeat (
    id                INTEGER PRIMARY KEY CHECK (id = 1),
    interval_s        INTEGER NOT NULL CHECK (interval_s BETWEEN 60 AND 604800),
    grace_s           INTEGER NOT NULL CHECK (grace_s BETWEEN 0 AND 86400),
    declared          TEXT,     -- the PUT body the relay holds now (JSON); NULL: none declared
    last_check_in_ms  INTEGER,  -- when the relay last took a declaration or check-in
    due_at_ms         INTEGER,  -- the relay's due_at from its last answer
    stopped_at_ms     INTEGER   -- the patient stopped the watch (phone switched off on purpose)
) STRICT;

CREATE TABLE alert_notices (
    notice_id       TEXT    PRIMARY KEY,                -- the relay's item id (b64u)
    peer_id         INTEGER NOT NULL REFERENCES alert_peers (id) ON DELETE CASCADE, -- the patient
    kind            TEXT    NOT NULL CHECK (kind IN ('phone_silent', 'phone_back')),
    last_seen_at_ms INTEGER NOT NULL,
    due_at_ms       INTEGER,
    received_at_ms  INTEGER NOT NULL
) STRICT;

CREATE INDEX alert_notices_by_peer ON alert_notices (peer_id, received_at_ms);
