// Package store is Greffier's encounter store: SQLite (mattn/go-sqlite3, FTS5) with
// the review workflow, an audit log, search, retention, backup and encryption at rest.
//
// Opening. OpenLocked(ctx, path, opt) sets WAL, foreign keys, a busy timeout,
// synchronous=FULL and immediate write transactions; runs PRAGMA quick_check (a
// damaged file is an error that says how to restore a backup); applies the embedded
// migrations (migrations/NNNN_name.sql, each in a transaction, recorded in
// schema_migrations); and reads no patient data. The master key is in no file: it
// is wrapped once per user by a key derived from their password (argon2id, cost in
// Options.KDF) and once by a recovery key shown at setup. Locked.Setup creates the
// first user, an admin, on an empty database; Locked.Login unlocks with a user's
// password (persisted backoff after failures, audited) and verifies the audit chain
// against its MACed head and every row's authority MAC (mac.go); Locked.Recover
// uses the recovery key. Each returns the DB and a Session, the authenticated user
// that admin methods (AddUser, SetRole, Disable, ResetPassword, ChangePassword) and
// Sign (approval with the password given again) take.
//
// Open(ctx, path) is the older way, for a database still protected by a key file
// (KeyFile next to it, or Options.Passphrase): it refuses a database with
// passwords. Such a database moves to passwords at its first Login or Setup (the
// key file is removed once the slots are checked).
//
// Encryption. Patient text — transcript segments, draft JSON and text, patient
// name/MRN/birth date, code evidence — is sealed with AES-256-GCM (package crypt),
// bound to its row. The FTS5 index holds keyed hashes of normalised words, never the
// words. Audio files are encrypted in chunks, each file under a key of its own
// (NewFileKey: a sealed spool and the WAV kept from it; FileKey.Keys.EncryptFile /
// NewReader for files), which retention destroys with the audio (DestroyFileKey):
// no copy of a deleted recording can be decrypted again.
//
// Workflow (every method takes ctx first; by is a user id, System for Greffier):
//
//	AddUser, SetRole, Disable, ResetPassword,  users (admins), passwords; Authenticate
//	ChangePassword, ListUsers, UserByName      checks a password on an unlocked DB
//	CreatePatient, GetPatient,                patients (all fields optional); a label files
//	PatientByLocalID, FindPatient             under the exact local id only, never a row id
//	CreateEncounter, RecordConsent            state recording; consent who/when
//	SaveRecording, Recordings                 audio file path + sha256
//	SaveSegments, Segments                    transcript → state transcribed
//	SaveDraftVersion, GetLatestDraft,         immutable versions → drafted;
//	GetVersion, ListVersions, Diff            line diff of rendered text
//	SuggestCodes, SetCodeStatus, Codes        suggested / accepted / rejected, by whom
//	MarkReady                                 secretary or physician: drafted → in_review
//	Sign                                      physician with password: → approved (latest)
//	Approve                                   the same without password: key-file databases only
//	CanExport, MarkExported                   only approved notes export → exported
//	GetEncounter, ViewEncounter, ListEncounters
//	Audit, VerifyAudit                        hash-chained (HMAC) append-only log
//	Search                                    words AND, word* prefix, patient/date filters
//	Setting, SetSetting, RunRetentionWith     audio deleted N days (30) after approval, or
//	                                          after the last change of a note never approved;
//	                                          exports, recorder leftovers, orphaned spools
//	Backup                                    SQLite online backup to a new file
//
// Rules live here, not in the UI: admins do not edit notes; Greffier drafts only
// before review; editing (or recoding) an approved or exported note makes a new
// version and sends it back to in_review for a new signature. Errors users can act
// on are *domain.Error: EForbidden for a role, EConflict for a state, ENotFound,
// EInvalid.
package store
