-- 0009: the refill check. What the pump expected to be left at each refill (from the pump's
-- count, or the clinic's printout), what it was programmed to deliver since the refill before,
-- and when the patient marked a flagged refill as discussed with the clinic. Refills stored
-- before this version have no expected volume and are not checked.
ALTER TABLE refills ADD COLUMN expected_before_ul INTEGER CHECK (expected_before_ul >= 0);
ALTER TABLE refills ADD COLUMN programmed_ul INTEGER CHECK (programmed_ul >= 0);
ALTER TABLE refills ADD COLUMN discussed_at_ms INTEGER;
