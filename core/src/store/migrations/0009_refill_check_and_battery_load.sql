-- 0009: the refill check and the battery load clock.
-- What the pump expected to be left at each refill (from the pump's count, or the clinic's
-- printout), what it was programmed to deliver since the refill before, and when the patient
-- marked a flagged refill as discussed with the clinic. Refills stored
-- before this version have no expected volume and are not checked.
ALTER TABLE refills ADD COLUMN expected_before_ul INTEGER CHECK (expected_before_ul >= 0);
ALTER TABLE refills ADD COLUMN programmed_ul INTEGER CHECK (programmed_ul >= 0);
ALTER TABLE refills ADD COLUMN discussed_at_ms INTEGER;
-- The battery forecast runs on the volume pumped as well as the days: each day's battery summary
-- keeps the volume programmed per day at its reading (0 when stopped), filled in from the stored
-- readings; and a pump model's service life (the longest it runs to ERI), from its driver.
ALTER TABLE battery_daily ADD COLUMN daily_volume_ul INTEGER CHECK (daily_volume_ul >= 0);
UPDATE battery_daily SET daily_volume_ul = (
    SELECT CASE WHEN r.mode = 'stopped' OR r.concentration_ug_ml = 0 THEN 0
                ELSE (r.daily_dose_ug * 1000 + r.concentration_ug_ml / 2) / r.concentration_ug_ml END
    FROM readings r WHERE r.pump_id = battery_daily.pump_id AND r.taken_at_ms = battery_daily.at_ms);
ALTER TABLE pumps ADD COLUMN service_life_days INTEGER CHECK (service_life_days > 0);
