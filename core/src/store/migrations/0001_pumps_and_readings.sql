-- 0001: pumps and their status readings. Times are UTC milliseconds since the Unix epoch.
CREATE TABLE pumps (
    id                   INTEGER PRIMARY KEY,
    serial               TEXT    NOT NULL UNIQUE,
    manufacturer         TEXT    NOT NULL,
    model                TEXT    NOT NULL,
    firmware_revision    TEXT    NOT NULL,
    hardware_revision    TEXT,
    kind                 TEXT    NOT NULL CHECK (kind IN ('implanted', 'external')),
    reservoir_kind       TEXT    NOT NULL CHECK (reservoir_kind IN ('chamber', 'cassette', 'bag')),
    reservoir_capacity_ul INTEGER NOT NULL CHECK (reservoir_capacity_ul > 0),
    registered_at_ms     INTEGER NOT NULL
) STRICT;

CREATE TABLE readings (
    id                   INTEGER PRIMARY KEY,
    pump_id              INTEGER NOT NULL REFERENCES pumps (id) ON DELETE RESTRICT,
    taken_at_ms          INTEGER NOT NULL,
    pump_clock_ms        INTEGER NOT NULL,
    reservoir_ul         INTEGER NOT NULL CHECK (reservoir_ul >= 0),
    capacity_ul          INTEGER NOT NULL CHECK (capacity_ul > 0),
    mode                 TEXT    NOT NULL,
    daily_dose_ug        INTEGER NOT NULL CHECK (daily_dose_ug >= 0),
    drug                 TEXT    NOT NULL,
    concentration_ug_ml  INTEGER NOT NULL CHECK (concentration_ug_ml >= 0),
    battery_percent      INTEGER NOT NULL CHECK (battery_percent BETWEEN 0 AND 100),
    battery_indicator    TEXT    NOT NULL,
    UNIQUE (pump_id, taken_at_ms)
) STRICT;
