-- Diagnosis codes are patient data: a code reveals a diagnosis. The code column now
-- holds a keyed lookup token (HMAC of encounter, system and code), which keeps the
-- uniqueness constraint and exact lookups; the code and its display are sealed.
-- Rows written before are converted by Greffier at the first unlock (the key is
-- needed), see sealCodes.
ALTER TABLE codes ADD COLUMN code_enc BLOB;
ALTER TABLE codes ADD COLUMN display_enc BLOB;
