-- The encounter: one consultation, from recording to export. Later migrations add
-- the columns and tables of the review workflow. Times are Unix milliseconds (UTC).
CREATE TABLE encounters (
    id         INTEGER PRIMARY KEY,
    state      TEXT    NOT NULL DEFAULT 'recording'
               CHECK (state IN ('recording', 'transcribed', 'drafted', 'in_review', 'approved', 'exported')),
    created_at INTEGER NOT NULL,
    updated_at INTEGER NOT NULL
);
