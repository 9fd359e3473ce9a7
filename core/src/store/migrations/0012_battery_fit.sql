-- 0012: the battery forecast's fit, stored. The fit of an implanted pump's cell to its daily
-- battery history (therapy::BatteryFit) depends on that history only; it is stored when a day's
-- row is written, so showing the forecast projects it to the moment instead of reading years of
-- days and fitting them again. `tuning` names the fit and the class's constants that made it (a
-- fit made by other constants is not used). Any change to a pump's battery_daily rows removes its
-- stored fit (the triggers below), so a stored fit is always the fit of the rows as they are; a
-- missing one is computed from the rows when read.
CREATE TABLE battery_fit (
    pump_id        INTEGER PRIMARY KEY REFERENCES pumps (id) ON DELETE CASCADE,
    tuning         INTEGER NOT NULL,
    points         INTEGER NOT NULL CHECK (points >= 1),  -- how many daily rows
    first_at_ms    INTEGER NOT NULL,                      -- the oldest row's time and level
    first_percent  INTEGER NOT NULL CHECK (first_percent BETWEEN 0 AND 100),
    last_at_ms     INTEGER NOT NULL,                      -- the newest row's time
    last_load      REAL    NOT NULL,  -- the load clock there, load-days since the oldest row
    flow_ml        REAL    NOT NULL,  -- the programmed mL/day the clock runs on after it
    dose_at_ms     INTEGER,           -- the newest row with a volume above 0 (its time, level
    dose_percent   INTEGER CHECK (dose_percent BETWEEN 0 AND 100), -- and volume): the dose's
    dose_ul        INTEGER CHECK (dose_ul > 0),                    -- growth
    load_to_eri    REAL,              -- the cell's fit (NULL: too little history): the load to ERI,
    load_before    REAL,              -- the load used before the oldest row,
    var_ln_load    REAL,              -- the variance of ln(load to ERI)
    CHECK ((dose_at_ms IS NULL) = (dose_ul IS NULL) AND (dose_at_ms IS NULL) = (dose_percent IS NULL)),
    CHECK ((load_to_eri IS NULL) = (load_before IS NULL)
           AND (load_to_eri IS NULL) = (var_ln_load IS NULL))
) STRICT;

-- The first day a pump showed a battery indicator (ERI, EOS), found without reading every day.
CREATE INDEX battery_daily_indicator ON battery_daily (pump_id, indicator, day);

CREATE TRIGGER battery_fit_after_insert AFTER INSERT ON battery_daily BEGIN
    DELETE FROM battery_fit WHERE pump_id = NEW.pump_id;
END;
CREATE TRIGGER battery_fit_after_update AFTER UPDATE ON battery_daily BEGIN
    DELETE FROM battery_fit WHERE pump_id IN (OLD.pump_id, NEW.pump_id);
END;
CREATE TRIGGER battery_fit_after_delete AFTER DELETE ON battery_daily BEGIN
    DELETE FROM battery_fit WHERE pump_id = OLD.pump_id;
END;
