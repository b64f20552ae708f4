-- Full-text search over keyed-hash tokens (package crypt): the index holds no plain
-- words. One row per encounter and kind: rowid = encounter_id * 2 + kind, kind 0 the
-- transcript, 1 the latest note. detail=none keeps only which rows hold a token, the
-- smallest index; queries are AND/OR of tokens, results ordered by date.
CREATE VIRTUAL TABLE search_fts USING fts5(
    tokens,
    content = '',
    contentless_delete = 1,
    tokenize = 'ascii',
    detail = none
);
