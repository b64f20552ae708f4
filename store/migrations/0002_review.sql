-- The review workflow: users, patients, consent, recordings, transcript segments,
-- immutable draft versions, codes, the hash-chained audit log, settings, and what
-- identifies the encryption key. Patient text is stored sealed (AES-256-GCM, *_enc
-- columns); see package crypt.

CREATE TABLE crypto_meta (
    id        INTEGER PRIMARY KEY CHECK (id = 1),
    kind      TEXT    NOT NULL CHECK (kind IN ('keyfile', 'passphrase')),
    salt      BLOB,
    key_check BLOB    NOT NULL
);

CREATE TABLE users (
    id         INTEGER PRIMARY KEY,
    name       TEXT    NOT NULL UNIQUE COLLATE NOCASE,
    role       TEXT    NOT NULL CHECK (role IN ('physician', 'secretary', 'admin')),
    created_at INTEGER NOT NULL
);

-- Every field is optional until export. local_id is the clinic's own (pseudonymous)
-- identifier and stays plain; the MRN is sealed, with a keyed hash for lookups.
CREATE TABLE patients (
    id             INTEGER PRIMARY KEY,
    local_id       TEXT UNIQUE,
    mrn_mac        BLOB UNIQUE,
    mrn_enc        BLOB,
    name_enc       BLOB,
    birth_date_enc BLOB,
    created_at     INTEGER NOT NULL
);

ALTER TABLE encounters ADD COLUMN patient_id INTEGER REFERENCES patients(id);
ALTER TABLE encounters ADD COLUMN started_at INTEGER NOT NULL DEFAULT 0;
ALTER TABLE encounters ADD COLUMN language TEXT NOT NULL DEFAULT '';
ALTER TABLE encounters ADD COLUMN template TEXT NOT NULL DEFAULT '';
ALTER TABLE encounters ADD COLUMN consent_kind TEXT;
ALTER TABLE encounters ADD COLUMN consent_by INTEGER REFERENCES users(id);
ALTER TABLE encounters ADD COLUMN consent_at INTEGER;
ALTER TABLE encounters ADD COLUMN approved_version INTEGER;
ALTER TABLE encounters ADD COLUMN approved_by INTEGER REFERENCES users(id);
ALTER TABLE encounters ADD COLUMN approved_at INTEGER;
ALTER TABLE encounters ADD COLUMN exported_at INTEGER;
CREATE INDEX encounters_started ON encounters (started_at);
CREATE INDEX encounters_patient ON encounters (patient_id, started_at);
CREATE INDEX encounters_approved ON encounters (approved_at) WHERE approved_at IS NOT NULL;

CREATE TABLE recordings (
    id           INTEGER PRIMARY KEY,
    encounter_id INTEGER NOT NULL REFERENCES encounters(id),
    path_enc     BLOB    NOT NULL,             -- sealed: file names may name the patient
    sha256       TEXT    NOT NULL,
    size         INTEGER NOT NULL,
    encrypted    INTEGER NOT NULL DEFAULT 0,
    created_at   INTEGER NOT NULL,
    deleted_at   INTEGER
);
CREATE INDEX recordings_encounter ON recordings (encounter_id);

CREATE TABLE segments (
    encounter_id   INTEGER NOT NULL REFERENCES encounters(id),
    idx            INTEGER NOT NULL,
    start_ms       INTEGER NOT NULL,
    end_ms         INTEGER NOT NULL,
    turn           INTEGER NOT NULL DEFAULT 0,
    role           TEXT    NOT NULL DEFAULT '',
    token_prob     REAL    NOT NULL DEFAULT 0,
    min_token_prob REAL    NOT NULL DEFAULT 0,
    no_speech_prob REAL    NOT NULL DEFAULT 0,
    text_enc       BLOB    NOT NULL,
    PRIMARY KEY (encounter_id, idx)
) WITHOUT ROWID;

-- Every save is a new row; rows never change (triggers below).
CREATE TABLE draft_versions (
    id           INTEGER PRIMARY KEY,
    encounter_id INTEGER NOT NULL REFERENCES encounters(id),
    version      INTEGER NOT NULL,
    author_id    INTEGER REFERENCES users(id), -- NULL: drafted by Greffier
    created_at   INTEGER NOT NULL,
    body_enc     BLOB    NOT NULL,             -- the note JSON
    text_enc     BLOB    NOT NULL,             -- its rendered text (diffs, search snippets)
    UNIQUE (encounter_id, version)
);
CREATE TRIGGER draft_versions_no_update BEFORE UPDATE ON draft_versions
BEGIN SELECT RAISE(ABORT, 'draft versions are immutable'); END;
CREATE TRIGGER draft_versions_no_delete BEFORE DELETE ON draft_versions
BEGIN SELECT RAISE(ABORT, 'draft versions are immutable'); END;

CREATE TABLE codes (
    id           INTEGER PRIMARY KEY,
    encounter_id INTEGER NOT NULL REFERENCES encounters(id),
    system       TEXT    NOT NULL DEFAULT 'icd-10-cm',
    code         TEXT    NOT NULL,
    display      TEXT    NOT NULL DEFAULT '',
    evidence_enc BLOB,
    status       TEXT    NOT NULL DEFAULT 'suggested' CHECK (status IN ('suggested', 'accepted', 'rejected')),
    decided_by   INTEGER REFERENCES users(id),
    decided_at   INTEGER,
    created_at   INTEGER NOT NULL,
    UNIQUE (encounter_id, system, code)
);

-- Append-only: each row's hash is HMAC(prev_hash || row); Verify recomputes the chain.
-- No foreign keys, so the log outlives what it talks about. detail holds no patient text.
CREATE TABLE audit_log (
    id           INTEGER PRIMARY KEY,
    at           INTEGER NOT NULL,
    user_id      INTEGER,
    actor        TEXT    NOT NULL,
    action       TEXT    NOT NULL,
    encounter_id INTEGER,
    detail       TEXT    NOT NULL DEFAULT '',
    prev_hash    BLOB    NOT NULL,
    hash         BLOB    NOT NULL
);
CREATE INDEX audit_log_encounter ON audit_log (encounter_id);
CREATE TRIGGER audit_log_no_update BEFORE UPDATE ON audit_log
BEGIN SELECT RAISE(ABORT, 'the audit log is append-only'); END;
CREATE TRIGGER audit_log_no_delete BEFORE DELETE ON audit_log
BEGIN SELECT RAISE(ABORT, 'the audit log is append-only'); END;

CREATE TABLE settings (
    key        TEXT PRIMARY KEY,
    value      TEXT    NOT NULL,
    updated_at INTEGER NOT NULL
);
