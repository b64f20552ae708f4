-- Per-file keys for audio: each recording (and each spool, from its first block) is
-- encrypted under its own random key, kept here sealed under the master key.
-- Deleting the audio destroys its key, so no copy of the file (a backup, a
-- leftover) can be decrypted again, even with the master key.
CREATE TABLE file_keys (
    id           INTEGER PRIMARY KEY,
    encounter_id INTEGER REFERENCES encounters(id),
    key_enc      BLOB,              -- NULL once destroyed
    created_at   INTEGER NOT NULL,
    destroyed_at INTEGER
);
CREATE INDEX file_keys_encounter ON file_keys (encounter_id);

ALTER TABLE recordings ADD COLUMN key_id INTEGER REFERENCES file_keys(id);
