-- Documents drafted from the note (issue 13): patient instructions and referral
-- letters. Every save is a new immutable version, numbered per encounter and kind,
-- its JSON sealed (AAD bound to encounter, kind and version). A signature is a row of
-- its own, also immutable, whose sealed body repeats what the plain columns say:
-- without the key a signature cannot be made or moved to another version.

CREATE TABLE document_versions (
    id           INTEGER PRIMARY KEY,
    encounter_id INTEGER NOT NULL REFERENCES encounters(id),
    kind         TEXT    NOT NULL CHECK (kind IN ('instructions', 'referral')),
    version      INTEGER NOT NULL,
    author_id    INTEGER REFERENCES users(id), -- NULL: drafted by Greffier
    created_at   INTEGER NOT NULL,
    body_enc     BLOB    NOT NULL,
    UNIQUE (encounter_id, kind, version)
);
CREATE TRIGGER document_versions_no_update BEFORE UPDATE ON document_versions
BEGIN SELECT RAISE(ABORT, 'document versions are immutable'); END;
CREATE TRIGGER document_versions_no_delete BEFORE DELETE ON document_versions
BEGIN SELECT RAISE(ABORT, 'document versions are immutable'); END;

CREATE TABLE document_signatures (
    id           INTEGER PRIMARY KEY,
    encounter_id INTEGER NOT NULL,
    kind         TEXT    NOT NULL,
    version      INTEGER NOT NULL,
    signer_id    INTEGER NOT NULL REFERENCES users(id),
    signed_at    INTEGER NOT NULL,
    sig_enc      BLOB    NOT NULL,
    UNIQUE (encounter_id, kind, version),
    FOREIGN KEY (encounter_id, kind, version) REFERENCES document_versions (encounter_id, kind, version)
);
CREATE TRIGGER document_signatures_no_update BEFORE UPDATE ON document_signatures
BEGIN SELECT RAISE(ABORT, 'document signatures are immutable'); END;
CREATE TRIGGER document_signatures_no_delete BEFORE DELETE ON document_signatures
BEGIN SELECT RAISE(ABORT, 'document signatures are immutable'); END;
