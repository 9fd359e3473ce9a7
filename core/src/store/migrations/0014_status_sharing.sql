-- 0014: status sharing (docs/alerts-protocol.md §5, `status`). On the patient's phone: each
-- consent the patient gave a caregiver, one row per grant (a withdrawal ends the row, a new grant
-- is a new row, so the history is kept), with what was last sent under it; and how often a
-- snapshot goes when nothing changes. On a caregiver's phone: the latest status of each patient.
CREATE TABLE status_consents (
    id              INTEGER PRIMARY KEY,
    peer_id         INTEGER NOT NULL REFERENCES alert_peers (id) ON DELETE CASCADE,
    what            TEXT    NOT NULL CHECK (what IN ('status')),    -- what is shared
    granted_at_ms   INTEGER NOT NULL,
    withdrawn_at_ms INTEGER,                                        -- when it ended
    ended_by        TEXT    CHECK (ended_by IN ('patient', 'revoked')),
    last_sent_at_ms INTEGER,  -- when the last snapshot under it was queued
    last_shown      TEXT,     -- what that snapshot showed, time fields left out (to compare)
    CHECK ((withdrawn_at_ms IS NULL) = (ended_by IS NULL))
) STRICT;
CREATE UNIQUE INDEX status_consents_open ON status_consents (peer_id)
    WHERE withdrawn_at_ms IS NULL;

CREATE TABLE status_sharing (
    id            INTEGER PRIMARY KEY CHECK (id = 1),
    every_minutes INTEGER NOT NULL CHECK (every_minutes BETWEEN 5 AND 1440)
) STRICT;

CREATE TABLE shared_status (
    peer_id        INTEGER PRIMARY KEY REFERENCES alert_peers (id) ON DELETE CASCADE,
    made_at_ms     INTEGER NOT NULL,
    seq            INTEGER NOT NULL,  -- the envelope's sequence number (orders two of one second)
    sharing        INTEGER NOT NULL CHECK (sharing IN (0, 1)), -- 0: the patient stopped sharing
    message        TEXT    NOT NULL,  -- the status plaintext as received (JSON)
    received_at_ms INTEGER NOT NULL
) STRICT;
