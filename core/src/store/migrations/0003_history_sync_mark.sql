-- 0003: how far the phone has the pump's history with no gap. Replays ask for every record after
-- this mark; it only moves over contiguous stored events or past records the pump overwrote.
ALTER TABLE pumps ADD COLUMN history_synced_through INTEGER NOT NULL DEFAULT 0
    CHECK (history_synced_through >= 0);
