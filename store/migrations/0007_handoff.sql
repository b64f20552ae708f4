-- Hand-off (issue 11): a laptop sends an encounter to the clinic server, which then
-- owns it. Each encounter gets a UUID (given when it is first queued), the key of an
-- idempotent import on the server.

ALTER TABLE encounters ADD COLUMN uuid TEXT;
CREATE UNIQUE INDEX encounters_uuid ON encounters (uuid) WHERE uuid IS NOT NULL;

-- Laptop: the paired server (one), its pinned certificate fingerprint, and this
-- device's credential, sealed under the master key.
CREATE TABLE handoff_server (
    id          INTEGER PRIMARY KEY CHECK (id = 1),
    url         TEXT    NOT NULL,
    fingerprint TEXT    NOT NULL,
    device_id   INTEGER NOT NULL,
    cred_enc    BLOB    NOT NULL,
    paired_at   INTEGER NOT NULL,
    paired_by   INTEGER REFERENCES users(id)
);

-- Laptop: the queue. The bundle is built and sealed when the encounter is queued, so
-- a resumed upload sends the same bytes; from then on the encounter is read-only
-- here (triggers below). acked_at: the server imported it and owns it.
CREATE TABLE handoff_sent (
    encounter_id        INTEGER PRIMARY KEY REFERENCES encounters(id),
    uuid                TEXT    NOT NULL UNIQUE,
    bundle_enc          BLOB,              -- NULL once acknowledged
    queued_at           INTEGER NOT NULL,
    queued_by           INTEGER REFERENCES users(id),
    attempts            INTEGER NOT NULL DEFAULT 0,
    last_error          TEXT    NOT NULL DEFAULT '',
    acked_at            INTEGER,
    server_encounter_id INTEGER
);

-- A queued or handed-off encounter changes only on the server.
CREATE TRIGGER handoff_readonly_draft BEFORE INSERT ON draft_versions
WHEN EXISTS (SELECT 1 FROM handoff_sent WHERE encounter_id = NEW.encounter_id)
BEGIN SELECT RAISE(ABORT, 'handed_off: the encounter belongs to the clinic server'); END;
CREATE TRIGGER handoff_readonly_codes_insert BEFORE INSERT ON codes
WHEN EXISTS (SELECT 1 FROM handoff_sent WHERE encounter_id = NEW.encounter_id)
BEGIN SELECT RAISE(ABORT, 'handed_off: the encounter belongs to the clinic server'); END;
CREATE TRIGGER handoff_readonly_codes_update BEFORE UPDATE ON codes
WHEN EXISTS (SELECT 1 FROM handoff_sent WHERE encounter_id = NEW.encounter_id)
BEGIN SELECT RAISE(ABORT, 'handed_off: the encounter belongs to the clinic server'); END;
CREATE TRIGGER handoff_readonly_segments BEFORE INSERT ON segments
WHEN EXISTS (SELECT 1 FROM handoff_sent WHERE encounter_id = NEW.encounter_id)
BEGIN SELECT RAISE(ABORT, 'handed_off: the encounter belongs to the clinic server'); END;
CREATE TRIGGER handoff_readonly_encounter BEFORE UPDATE OF state, patient_id, consent_kind, approved_version ON encounters
WHEN EXISTS (SELECT 1 FROM handoff_sent WHERE encounter_id = NEW.id)
BEGIN SELECT RAISE(ABORT, 'handed_off: the encounter belongs to the clinic server'); END;

-- Server: one-time pairing codes, made by an admin. The master key is wrapped under
-- a key derived from the code (100 random bits), so a pairing works while the server
-- is locked; the row is deleted when used or found expired.
CREATE TABLE handoff_pair_codes (
    code_hash  BLOB    PRIMARY KEY,
    wrapped    BLOB    NOT NULL,
    created_by INTEGER NOT NULL REFERENCES users(id),
    created_at INTEGER NOT NULL,
    expires_at INTEGER NOT NULL
);

-- Server: paired laptops. The credential is kept only as a hash, and as the key that
-- wraps the master key (so a laptop's upload can unlock a restarted server).
CREATE TABLE handoff_devices (
    id         INTEGER PRIMARY KEY,
    name       TEXT    NOT NULL,
    cred_hash  BLOB    NOT NULL UNIQUE,
    wrapped    BLOB    NOT NULL,
    paired_by  INTEGER REFERENCES users(id),
    created_at INTEGER NOT NULL,
    revoked_at INTEGER
);

-- Server: what was imported, by UUID (the idempotence key), with the laptop's own
-- audit entries for the encounter (sealed: their details may name a code).
CREATE TABLE handoff_received (
    uuid         TEXT    PRIMARY KEY,
    encounter_id INTEGER NOT NULL REFERENCES encounters(id),
    device_id    INTEGER NOT NULL REFERENCES handoff_devices(id),
    sha256       TEXT    NOT NULL,
    received_at  INTEGER NOT NULL,
    audit_enc    BLOB
);
