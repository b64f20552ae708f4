-- Identity (issue 10): users get a password (argon2id verifier with its salt and
-- parameters), a status (disabled, never deleted: the audit names them), and a
-- persisted login backoff. The master key is no longer a file: key_slots hold it
-- wrapped once per user (by a key derived from the password) and once by the
-- recovery key. crypto_meta gains kind 'slots' and the audit chain's head, MACed
-- with the master key so that cutting entries off the end is detected.

ALTER TABLE users ADD COLUMN status TEXT NOT NULL DEFAULT 'active' CHECK (status IN ('active', 'disabled'));
ALTER TABLE users ADD COLUMN pw_kdf TEXT;
ALTER TABLE users ADD COLUMN pw_salt BLOB;
ALTER TABLE users ADD COLUMN pw_verifier BLOB;
ALTER TABLE users ADD COLUMN failed_logins INTEGER NOT NULL DEFAULT 0;
ALTER TABLE users ADD COLUMN next_login_at INTEGER NOT NULL DEFAULT 0;

CREATE TABLE key_slots (
    id         INTEGER PRIMARY KEY,
    user_id    INTEGER UNIQUE REFERENCES users(id), -- NULL: the recovery slot
    kind       TEXT    NOT NULL CHECK (kind IN ('password', 'recovery')),
    wrapped    BLOB    NOT NULL,
    created_at INTEGER NOT NULL
);
CREATE UNIQUE INDEX key_slots_one_recovery ON key_slots (kind) WHERE kind = 'recovery';

CREATE TABLE crypto_meta_new (
    id          INTEGER PRIMARY KEY CHECK (id = 1),
    kind        TEXT    NOT NULL CHECK (kind IN ('keyfile', 'passphrase', 'slots')),
    salt        BLOB,
    key_check   BLOB    NOT NULL,
    audit_count INTEGER NOT NULL DEFAULT 0,
    audit_last  BLOB,
    audit_mac   BLOB
);
INSERT INTO crypto_meta_new (id, kind, salt, key_check) SELECT id, kind, salt, key_check FROM crypto_meta;
DROP TABLE crypto_meta;
ALTER TABLE crypto_meta_new RENAME TO crypto_meta;

-- Failed logins on a locked database cannot be written to the audit chain (its MAC
-- needs the key): they wait here and join the chain at the next unlock.
CREATE TABLE pending_audit (
    id      INTEGER PRIMARY KEY,
    at      INTEGER NOT NULL,
    user_id INTEGER,
    actor   TEXT    NOT NULL,
    action  TEXT    NOT NULL,
    encounter_id INTEGER,
    detail  TEXT    NOT NULL DEFAULT ''
);

-- Authority MACs (see store/mac.go, which also creates the triggers that keep them).
ALTER TABLE encounters ADD COLUMN mac BLOB;
ALTER TABLE users ADD COLUMN mac BLOB;
ALTER TABLE codes ADD COLUMN mac BLOB;
ALTER TABLE settings ADD COLUMN mac BLOB;

-- Audit details are sealed (they may name a diagnosis code); older entries stay plain.
ALTER TABLE audit_log ADD COLUMN detail_enc BLOB;
