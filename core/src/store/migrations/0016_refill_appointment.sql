-- 0016: the next refill appointment, as the patient enters it from the clinic's letter or call:
-- a wall-clock date and time in the clinic's zone (kept as entered, so that a change of the
-- zone's rules or a trip abroad never moves it), with the instant it falls at, and the place.
-- One row: entering a new appointment replaces it.
CREATE TABLE refill_appointment (
    id             INTEGER PRIMARY KEY CHECK (id = 1),
    local_day      INTEGER NOT NULL,  -- days since 1970-01-01 in `zone`
    minute_of_day  INTEGER NOT NULL CHECK (minute_of_day BETWEEN 0 AND 1439),
    zone           TEXT    NOT NULL,  -- IANA name
    at_ms          INTEGER NOT NULL,  -- the instant, UTC milliseconds
    place          TEXT,
    set_at_ms      INTEGER NOT NULL
) STRICT;
