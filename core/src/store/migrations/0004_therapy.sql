-- 0004: therapy. The battery level per day, kept up to date on every reading so that forecasts
-- read a few hundred rows rather than years of readings; the refill log (from the pump's
-- history or entered by hand); and what the pump model says about itself.
CREATE TABLE battery_daily (
    pump_id    INTEGER NOT NULL REFERENCES pumps (id) ON DELETE RESTRICT,
    day        INTEGER NOT NULL,   -- whole UTC days since the Unix epoch
    at_ms      INTEGER NOT NULL,   -- the time of the day's newest reading
    percent    INTEGER NOT NULL CHECK (percent BETWEEN 0 AND 100),
    indicator  TEXT    NOT NULL,
    PRIMARY KEY (pump_id, day)
) STRICT, WITHOUT ROWID;

INSERT INTO battery_daily (pump_id, day, at_ms, percent, indicator)
SELECT r.pump_id, r.taken_at_ms / 86400000, r.taken_at_ms, r.battery_percent, r.battery_indicator
FROM readings r
WHERE r.taken_at_ms = (
    SELECT MAX(n.taken_at_ms) FROM readings n
    WHERE n.pump_id = r.pump_id AND n.taken_at_ms / 86400000 = r.taken_at_ms / 86400000);

CREATE TABLE refills (
    id                   INTEGER PRIMARY KEY,
    pump_id              INTEGER NOT NULL REFERENCES pumps (id) ON DELETE RESTRICT,
    at_ms                INTEGER NOT NULL,
    volume_before_ul     INTEGER CHECK (volume_before_ul >= 0),
    volume_after_ul      INTEGER NOT NULL CHECK (volume_after_ul >= 0),
    drug                 TEXT    NOT NULL,
    concentration_ug_ml  INTEGER NOT NULL CHECK (concentration_ug_ml >= 0),
    daily_dose_ug        INTEGER NOT NULL CHECK (daily_dose_ug >= 0),
    place                TEXT    CHECK (place IN ('clinic', 'home')),
    source               TEXT    NOT NULL CHECK (source IN ('pump', 'manual')),
    pump_sequence        INTEGER,
    UNIQUE (pump_id, pump_sequence)
) STRICT;

CREATE INDEX refills_by_time ON refills (pump_id, at_ms);

ALTER TABLE pumps ADD COLUMN low_reservoir_threshold_ul INTEGER;
ALTER TABLE pumps ADD COLUMN eri_to_eos_days INTEGER;
ALTER TABLE pumps ADD COLUMN eri_battery_percent INTEGER;
