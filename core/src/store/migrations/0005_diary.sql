-- 0005: the pain diary and the breakthrough / oral medication log, and the edit history of every
-- diary and recovery entry. Times are UTC ms; `zone` is the patient's IANA zone when the entry
-- was made and `local_day` the entry's local calendar day in that zone (whole days since
-- 1970-01-01), so that daily and weekly trends are plain indexed SQL aggregates.
-- A deleted entry keeps its row with `deleted_at_ms` set (restorable for 30 days, then purged).
CREATE TABLE pain_entries (
    id                INTEGER PRIMARY KEY,
    at_ms             INTEGER NOT NULL,
    zone              TEXT    NOT NULL,
    local_day         INTEGER NOT NULL,
    score             INTEGER NOT NULL CHECK (score BETWEEN 0 AND 10),
    worst             INTEGER CHECK (worst BETWEEN 0 AND 10),
    least             INTEGER CHECK (least BETWEEN 0 AND 10),
    average           INTEGER CHECK (average BETWEEN 0 AND 10),
    now               INTEGER CHECK (now BETWEEN 0 AND 10),
    general_activity  INTEGER CHECK (general_activity BETWEEN 0 AND 10),
    mood              INTEGER CHECK (mood BETWEEN 0 AND 10),
    walking           INTEGER CHECK (walking BETWEEN 0 AND 10),
    normal_work       INTEGER CHECK (normal_work BETWEEN 0 AND 10),
    relations         INTEGER CHECK (relations BETWEEN 0 AND 10),
    sleep             INTEGER CHECK (sleep BETWEEN 0 AND 10),
    enjoyment         INTEGER CHECK (enjoyment BETWEEN 0 AND 10),
    location          TEXT,
    note              TEXT,
    created_at_ms     INTEGER NOT NULL,
    updated_at_ms     INTEGER NOT NULL,
    deleted_at_ms     INTEGER
) STRICT;
-- The trend indexes hold every column the trend queries read (deleted_at_ms included, so SQLite
-- never reads the table): a 5-year trend is an index scan.
CREATE INDEX pain_live_by_day ON pain_entries (local_day, score, deleted_at_ms)
    WHERE deleted_at_ms IS NULL;
CREATE INDEX pain_live_by_time ON pain_entries (at_ms) WHERE deleted_at_ms IS NULL;
CREATE INDEX pain_deleted ON pain_entries (deleted_at_ms) WHERE deleted_at_ms IS NOT NULL;

CREATE TABLE medication_entries (
    id                INTEGER PRIMARY KEY,
    at_ms             INTEGER NOT NULL,
    zone              TEXT    NOT NULL,
    local_day         INTEGER NOT NULL,
    drug              TEXT    NOT NULL CHECK (length(trim(drug)) > 0),
    drug_key          TEXT    NOT NULL,   -- the drug's name trimmed and lower-cased: trends group by it
    dose              REAL    NOT NULL CHECK (dose > 0),
    unit              TEXT    NOT NULL,
    route             TEXT    NOT NULL,
    breakthrough      INTEGER NOT NULL CHECK (breakthrough IN (0, 1)),
    reason            TEXT,
    created_at_ms     INTEGER NOT NULL,
    updated_at_ms     INTEGER NOT NULL,
    deleted_at_ms     INTEGER
) STRICT;
CREATE INDEX medication_live_by_day
    ON medication_entries (local_day, drug_key, unit, drug, dose, breakthrough, deleted_at_ms)
    WHERE deleted_at_ms IS NULL;
CREATE INDEX medication_live_by_time ON medication_entries (at_ms) WHERE deleted_at_ms IS NULL;
CREATE INDEX medication_deleted ON medication_entries (deleted_at_ms) WHERE deleted_at_ms IS NOT NULL;

-- Every change to a diary or recovery entry: who (patient, caregiver, clinician), when, what it
-- was (created, edited, deleted, restored) and the entry's values after it, as JSON.
CREATE TABLE entry_history (
    id             INTEGER PRIMARY KEY,
    kind           TEXT    NOT NULL CHECK (kind IN ('pain', 'medication', 'symptom')),
    entry_id       INTEGER NOT NULL,
    changed_at_ms  INTEGER NOT NULL,
    author         TEXT    NOT NULL CHECK (author IN ('patient', 'caregiver', 'clinician')),
    action         TEXT    NOT NULL CHECK (action IN ('created', 'edited', 'deleted', 'restored')),
    snapshot       TEXT    NOT NULL
) STRICT;
CREATE INDEX entry_history_by_entry ON entry_history (kind, entry_id, id);
