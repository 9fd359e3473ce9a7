-- 0002: the pump's own history (every event, once, keyed by the pump's sequence number) and the
-- lifecycle of each alarm (raised / cleared / acknowledged at the pump / acknowledged in the app).
CREATE TABLE pump_events (
    id              INTEGER PRIMARY KEY,
    pump_id         INTEGER NOT NULL REFERENCES pumps (id) ON DELETE RESTRICT,
    sequence        INTEGER NOT NULL CHECK (sequence >= 0),
    pump_time_ms    INTEGER NOT NULL,
    received_at_ms  INTEGER NOT NULL,
    type            TEXT    NOT NULL,
    detail          TEXT    NOT NULL,  -- JSON of model::HistoryDetail
    UNIQUE (pump_id, sequence)
) STRICT;

CREATE TABLE alarms (
    id                       INTEGER PRIMARY KEY,
    pump_id                  INTEGER NOT NULL REFERENCES pumps (id) ON DELETE RESTRICT,
    raised_sequence          INTEGER NOT NULL,
    kind                     TEXT    NOT NULL,
    priority                 TEXT    NOT NULL CHECK (priority IN ('low', 'medium', 'high')),
    raised_at_ms             INTEGER,          -- NULL until the raise itself is seen (replay order)
    cleared_at_ms            INTEGER,
    pump_acknowledged_at_ms  INTEGER,
    app_acknowledged_at_ms   INTEGER,
    UNIQUE (pump_id, raised_sequence)
) STRICT;

CREATE INDEX alarms_open ON alarms (pump_id, cleared_at_ms, priority);
