-- 0006: the post-implant recovery plan: the plan itself (one at a time), which checklist items
-- are done, reminders at local wall-clock times, which reminder occurrences have fired, and the
-- symptom log (soft delete and history as in 0005).
CREATE TABLE recovery_plan (
    id             INTEGER PRIMARY KEY CHECK (id = 1),
    implant_day    INTEGER NOT NULL,   -- local calendar day of the implant, days since 1970-01-01
    zone           TEXT    NOT NULL,   -- the patient's zone when the plan was made
    drug           TEXT    NOT NULL,   -- the drug in the pump (model::Drug code)
    created_at_ms  INTEGER NOT NULL
) STRICT;

CREATE TABLE recovery_checklist (
    item           TEXT    PRIMARY KEY,   -- the key of the item in recovery/guidance.json
    done_at_ms     INTEGER NOT NULL,
    author         TEXT    NOT NULL CHECK (author IN ('patient', 'caregiver', 'clinician'))
) STRICT, WITHOUT ROWID;

-- A reminder fires once per local date in [first_day, last_day] at `minute_of_day` local time,
-- in the device's current zone (`zone` NULL) or in a fixed zone.
CREATE TABLE reminders (
    id             INTEGER PRIMARY KEY,
    title          TEXT    NOT NULL CHECK (length(trim(title)) > 0),
    item           TEXT,
    minute_of_day  INTEGER NOT NULL CHECK (minute_of_day BETWEEN 0 AND 1439),
    first_day      INTEGER NOT NULL,
    last_day       INTEGER NOT NULL CHECK (last_day >= first_day),
    zone           TEXT,
    created_at_ms  INTEGER NOT NULL
) STRICT;

CREATE TABLE reminder_fired (
    reminder_id    INTEGER NOT NULL REFERENCES reminders (id) ON DELETE CASCADE,
    local_day      INTEGER NOT NULL,
    fired_at_ms    INTEGER NOT NULL,
    PRIMARY KEY (reminder_id, local_day)
) STRICT, WITHOUT ROWID;

CREATE TABLE reminder_check (
    id               INTEGER PRIMARY KEY CHECK (id = 1),
    last_checked_ms  INTEGER NOT NULL
) STRICT;

CREATE TABLE symptom_entries (
    id             INTEGER PRIMARY KEY,
    at_ms          INTEGER NOT NULL,
    zone           TEXT    NOT NULL,
    symptom        TEXT    NOT NULL,
    severity       TEXT    NOT NULL CHECK (severity IN ('mild', 'moderate', 'severe')),
    note           TEXT,
    created_at_ms  INTEGER NOT NULL,
    updated_at_ms  INTEGER NOT NULL,
    deleted_at_ms  INTEGER
) STRICT;
CREATE INDEX symptom_live_by_time ON symptom_entries (at_ms) WHERE deleted_at_ms IS NULL;
