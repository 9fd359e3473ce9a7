-- 0008: clinic private keys leave the database for the platform's key store (SecretStore).
-- clinic_keys keeps which keys were made on this device (name, public key); the old table is kept
-- as legacy_clinic_keys only until the app has moved its private keys into the key store on the
-- next open, then emptied (secure_delete, WAL checkpoint), so no copy stays in the file.
ALTER TABLE clinic_keys RENAME TO legacy_clinic_keys;
CREATE TABLE clinic_keys (
    key_id          BLOB    PRIMARY KEY CHECK (length(key_id) = 8),
    name            TEXT    NOT NULL,
    public_key      BLOB    NOT NULL CHECK (length(public_key) = 32),
    created_at_ms   INTEGER NOT NULL
) STRICT;
INSERT INTO clinic_keys (key_id, name, public_key, created_at_ms)
    SELECT key_id, name, public_key, created_at_ms FROM legacy_clinic_keys;
