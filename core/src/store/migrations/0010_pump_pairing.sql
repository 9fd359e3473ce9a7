-- 0010: pairing as a deliberate act. The pump this app follows is the one the patient paired,
-- identified by its serial, its model and the BLE identity the phone's Bluetooth stack reported
-- for it (for a bonded device, its identity address); the link verifies all three on every
-- connection before storing anything. One pairing is current (ended_at_ms IS NULL); a pump
-- unpaired or replaced (a new pump after replacement surgery) keeps its row, marked ended, and
-- its readings, alarms and refills stay under its own pump row.
-- Pumps stored before this version have no pairing: the app asks the patient to pair once.
CREATE TABLE pump_pairings (
    id INTEGER PRIMARY KEY,
    pump_id INTEGER NOT NULL REFERENCES pumps (id),
    serial TEXT NOT NULL CHECK (length(serial) > 0),
    model TEXT NOT NULL CHECK (length(model) > 0),
    ble_identity TEXT NOT NULL CHECK (length(ble_identity) > 0),
    bonded INTEGER NOT NULL CHECK (bonded IN (0, 1)),
    transport TEXT NOT NULL,
    paired_at_ms INTEGER NOT NULL,
    ended_at_ms INTEGER,
    end_reason TEXT CHECK (end_reason IN ('unpaired', 'replaced')),
    CHECK ((ended_at_ms IS NULL) = (end_reason IS NULL))
) STRICT;
-- At most one current pairing.
CREATE UNIQUE INDEX pump_pairings_one_current ON pump_pairings ((ended_at_ms IS NULL))
    WHERE ended_at_ms IS NULL;
CREATE INDEX pump_pairings_by_pump ON pump_pairings (pump_id);
