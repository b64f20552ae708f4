package store

import (
	"context"
	"crypto/aes"
	"crypto/cipher"
	"crypto/hkdf"
	"crypto/rand"
	"crypto/sha256"
	"database/sql"
	"errors"
	"fmt"

	"greffier/domain"
	"greffier/store/crypt"
)

// FileKey is the key one audio file (a spool, a kept recording) is encrypted
// under: its own random master key, from which crypt derives the file cipher. It is
// stored sealed under the database's key; DestroyFileKey erases it, and every copy
// of the file with it.
type FileKey struct {
	ID   int64
	Keys *crypt.Keys // for whole files: EncryptFile, NewWriter, NewReader
	// Spool seals the blocks of a recording's spool (audio.Options.Seal).
	Spool cipher.AEAD
}

// fileKey derives the ciphers of a file key from its raw bytes.
func fileKey(id int64, raw []byte) (FileKey, error) {
	keys, err := crypt.New(raw)
	if err != nil {
		return FileKey{}, err
	}
	sk, err := hkdf.Key(sha256.New, raw, nil, "greffier spool aes-256-gcm", 32)
	if err != nil {
		return FileKey{}, fmt.Errorf("derive spool key: %w", err)
	}
	b, err := aes.NewCipher(sk)
	if err != nil {
		return FileKey{}, err
	}
	g, err := cipher.NewGCM(b)
	if err != nil {
		return FileKey{}, err
	}
	return FileKey{ID: id, Keys: keys, Spool: g}, nil
}

func fileKeyAAD(id int64) string { return fmt.Sprintf("filekey/%d", id) }

// NewFileKey makes a key for a new audio file of the encounter.
func (db *DB) NewFileKey(ctx context.Context, encID int64) (FileKey, error) {
	raw := make([]byte, crypt.KeySize)
	if _, err := rand.Read(raw); err != nil {
		return FileKey{}, fmt.Errorf("new file key: %w", err)
	}
	var id int64
	err := db.write(ctx, "new file key", func(tx *sql.Tx) error {
		res, err := tx.ExecContext(ctx, `INSERT INTO file_keys (encounter_id, created_at) VALUES (?, ?)`, nullID(encID), ms(db.now()))
		if err != nil {
			return fmt.Errorf("new file key: %w", err)
		}
		if id, err = res.LastInsertId(); err != nil {
			return err
		}
		// Sealed with its own id as associated data: a key cannot be swapped for
		// another file's.
		_, err = tx.ExecContext(ctx, `UPDATE file_keys SET key_enc = ? WHERE id = ?`, db.keys.Seal(raw, []byte(fileKeyAAD(id))), id)
		return err
	})
	if err != nil {
		return FileKey{}, err
	}
	return fileKey(id, raw)
}

// GetFileKey returns a file's key; ENotFound if it never existed or was destroyed
// (the audio was deleted).
func (db *DB) GetFileKey(ctx context.Context, id int64) (FileKey, error) {
	var sealed []byte
	err := db.db.QueryRowContext(ctx, `SELECT key_enc FROM file_keys WHERE id = ?`, id).Scan(&sealed)
	if errors.Is(err, sql.ErrNoRows) || (err == nil && sealed == nil) {
		return FileKey{}, domain.Errorf(domain.ENotFound, "audio key %d was destroyed with its audio (or never existed)", id)
	}
	if err != nil {
		return FileKey{}, fmt.Errorf("load file key %d: %w", id, err)
	}
	raw, err := db.keys.Open(sealed, []byte(fileKeyAAD(id)))
	if err != nil {
		return FileKey{}, fmt.Errorf("file key %d: %w", id, err)
	}
	return fileKey(id, raw)
}

// DestroyFileKey erases a file's key (first overwritten, then removed): whatever
// copies of the file remain can no longer be decrypted.
func (db *DB) DestroyFileKey(ctx context.Context, id int64) error {
	return db.write(ctx, "destroy file key", func(tx *sql.Tx) error {
		return db.destroyFileKeyTx(ctx, tx, id)
	})
}

func (db *DB) destroyFileKeyTx(ctx context.Context, tx *sql.Tx, id int64) error {
	// Overwrite in place before clearing, so the page no longer holds the sealed key
	// (secure_delete, set at open, zeroes what is freed).
	if _, err := tx.ExecContext(ctx, `UPDATE file_keys SET key_enc = zeroblob(length(key_enc)) WHERE id = ? AND key_enc IS NOT NULL`, id); err != nil {
		return fmt.Errorf("destroy file key %d: %w", id, err)
	}
	if _, err := tx.ExecContext(ctx, `UPDATE file_keys SET key_enc = NULL, destroyed_at = coalesce(destroyed_at, ?) WHERE id = ?`, ms(db.now()), id); err != nil {
		return fmt.Errorf("destroy file key %d: %w", id, err)
	}
	return nil
}

// SaveKeyedRecording registers an audio file encrypted under file key keyID (see
// SaveRecording); retention destroys the key with the file.
func (db *DB) SaveKeyedRecording(ctx context.Context, encID int64, path string, keyID int64) (Recording, error) {
	return db.saveRecording(ctx, encID, path, true, keyID)
}

// RecordingKey returns the key a kept recording is encrypted under: its own file
// key, or the database's file key for recordings kept before per-file keys.
func (db *DB) RecordingKey(ctx context.Context, recID int64) (*crypt.Keys, error) {
	var keyID sql.NullInt64
	var deleted sql.NullInt64
	err := db.db.QueryRowContext(ctx, `SELECT key_id, deleted_at FROM recordings WHERE id = ?`, recID).Scan(&keyID, &deleted)
	if errors.Is(err, sql.ErrNoRows) {
		return nil, domain.Errorf(domain.ENotFound, "no recording %d", recID)
	}
	if err != nil {
		return nil, fmt.Errorf("load recording %d: %w", recID, err)
	}
	if deleted.Valid {
		return nil, domain.Errorf(domain.ENotFound, "recording %d was deleted (retention)", recID)
	}
	if !keyID.Valid {
		return db.keys, nil
	}
	k, err := db.GetFileKey(ctx, keyID.Int64)
	return k.Keys, err
}
