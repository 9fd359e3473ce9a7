-- 0007_card: the implanted-device ID card, clinic keys, trusted issuers and logged MRI scans.

-- The patient's one card (JSON of thecal_core::card::CardData) and its latest signed payload;
-- saving different data clears the signature, which no longer matches it.
CREATE TABLE card (
    id              INTEGER PRIMARY KEY CHECK (id = 1),
    data            TEXT    NOT NULL,
    updated_at_ms   INTEGER NOT NULL,
    signed_text     TEXT,
    signed_key_id   BLOB,
    issued_at_ms    INTEGER,
    expires_at_ms   INTEGER,
    CHECK ((signed_text IS NULL) = (issued_at_ms IS NULL))
) STRICT;

-- Clinic key pairs made on this device (the clinic-side tool). On a phone a private key
-- belongs in the Android Keystore / iOS Keychain, never in this file.
CREATE TABLE clinic_keys (
    key_id          BLOB    PRIMARY KEY CHECK (length(key_id) = 8),
    name            TEXT    NOT NULL,
    public_key      BLOB    NOT NULL CHECK (length(public_key) = 32),
    private_pkcs8   BLOB    NOT NULL,
    created_at_ms   INTEGER NOT NULL
) STRICT;

-- Clinics whose cards this device accepts (their public keys), including its own keys.
CREATE TABLE trusted_issuers (
    key_id          BLOB    PRIMARY KEY CHECK (length(key_id) = 8),
    name            TEXT    NOT NULL,
    public_key      BLOB    NOT NULL CHECK (length(public_key) = 32),
    added_at_ms     INTEGER NOT NULL
) STRICT;

-- MRI scans the patient logged, and the pump check the card asks for afterwards.
CREATE TABLE mri_scans (
    id                  INTEGER PRIMARY KEY,
    scanned_at_ms       INTEGER NOT NULL,
    logged_at_ms        INTEGER NOT NULL,
    follow_up           TEXT CHECK (follow_up IN ('interrogate', 'check')),
    pump_checked_at_ms  INTEGER
) STRICT;
CREATE INDEX mri_scans_pending ON mri_scans (scanned_at_ms) WHERE follow_up IS NOT NULL AND pump_checked_at_ms IS NULL;
