package store

import (
	"bytes"
	"context"
	"crypto/rand"
	"crypto/sha256"
	"database/sql"
	"encoding/hex"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"strings"
	"time"

	"greffier/atomicfile"
	"greffier/domain"
	"greffier/store/crypt"
)

// MaxHandoffAudio caps the audio one hand-off carries (bytes, all recordings of the
// encounter): about an hour of 16 kHz mono WAV. Beyond it the note goes without its
// audio, which stays on the laptop under its retention, and the audit says so.
const MaxHandoffAudio = 128 << 20

// BundleAudio is a kept recording handed off with its encounter: the clinic's policy
// keeps audio (retention has not deleted it). Data is the audio decrypted from the
// laptop's file key: the bundle is sealed under the device credential and travels
// over the pinned TLS connection; the server encrypts it again under a key of its own.
type BundleAudio struct {
	Ext       string    `json:"ext"` // the recording's format: ".wav", ".mp3"…
	CreatedAt time.Time `json:"created_at"`
	SHA256    string    `json:"sha256"` // of Data: the server checks it before keeping it
	Data      []byte    `json:"data"`
}

// bundleAudio reads the encounter's recordings still kept, decrypted, for a bundle;
// skipped says why none was taken when the audio is over MaxHandoffAudio.
func (db *DB) bundleAudio(ctx context.Context, encID int64) (out []BundleAudio, skipped string, err error) {
	recs, err := db.Recordings(ctx, encID)
	if err != nil {
		return nil, "", err
	}
	var total int64
	for _, r := range recs {
		if r.DeletedAt == nil {
			total += r.Size
		}
	}
	if total > MaxHandoffAudio {
		return nil, fmt.Sprintf("audio of %d MiB is over the %d MiB a hand-off carries", total>>20, MaxHandoffAudio>>20), nil
	}
	for _, r := range recs {
		if r.DeletedAt != nil {
			continue
		}
		data, err := db.readRecording(ctx, r)
		if err != nil {
			return nil, "", err
		}
		sum := sha256.Sum256(data)
		out = append(out, BundleAudio{Ext: recordingExt(r.Path), CreatedAt: r.CreatedAt, SHA256: hex.EncodeToString(sum[:]), Data: data})
	}
	return out, "", nil
}

// OpenRecording opens a kept recording for reading, decrypted (under its file key,
// or the database's for recordings kept before per-file keys). Close it.
func (db *DB) OpenRecording(ctx context.Context, r Recording) (io.ReadCloser, error) {
	f, err := os.Open(r.Path)
	if err != nil {
		return nil, domain.Wrap(domain.EUnavailable, err, "recording %d of encounter %d cannot be read", r.ID, r.EncounterID)
	}
	if !r.Encrypted {
		return f, nil
	}
	k, err := db.RecordingKey(ctx, r.ID)
	if err != nil {
		f.Close()
		return nil, err
	}
	dec, err := k.NewReader(f)
	if err != nil {
		f.Close()
		return nil, domain.Wrap(domain.EInvalid, err, "recording %d of encounter %d does not decrypt", r.ID, r.EncounterID)
	}
	return struct {
		io.Reader
		io.Closer
	}{dec, f}, nil
}

// readRecording returns a kept recording's audio, decrypted, for a hand-off.
func (db *DB) readRecording(ctx context.Context, r Recording) ([]byte, error) {
	rc, err := db.OpenRecording(ctx, r)
	if err != nil {
		return nil, err
	}
	defer rc.Close()
	data, err := io.ReadAll(io.LimitReader(rc, MaxHandoffAudio+1))
	if err != nil {
		return nil, domain.Wrap(domain.EInvalid, err, "recording %d of encounter %d does not decrypt", r.ID, r.EncounterID)
	}
	return data, nil
}

// recordingExt is the audio format of a kept recording's file name
// ("encounter-3-17…wav.enc" → ".wav"); "" when it has none.
func recordingExt(path string) string {
	base := strings.TrimSuffix(filepath.Base(path), ".enc")
	ext := strings.ToLower(filepath.Ext(base))
	if len(ext) > 6 || strings.ContainsAny(ext, `/\`) {
		return ""
	}
	return ext
}

// receivedAudio is a handed-off recording written to the server's disk, encrypted
// under its new key, before the import's transaction records it.
type receivedAudio struct {
	path      string
	raw       []byte // the file key
	createdAt time.Time
}

// writeReceivedAudio checks each recording against its SHA-256 and writes it, under
// a new file key, in dir. The caller removes the files if the import does not commit.
func writeReceivedAudio(dir, uuid string, audio []BundleAudio) ([]receivedAudio, error) {
	var out []receivedAudio
	fail := func(err error) ([]receivedAudio, error) {
		removeReceivedAudio(out)
		return nil, err
	}
	if len(audio) > 0 {
		if dir == "" {
			return nil, domain.Errorf(domain.EUnavailable, "hand-off %s carries audio and this server has no recordings folder", uuid)
		}
		if err := os.MkdirAll(dir, 0o700); err != nil {
			return nil, domain.Wrap(domain.EUnavailable, err, "create the recordings folder %s", dir)
		}
	}
	for i, a := range audio {
		sum := sha256.Sum256(a.Data)
		if hex.EncodeToString(sum[:]) != a.SHA256 {
			return fail(domain.Errorf(domain.EInvalid, "hand-off %s: recording %d does not match its SHA-256", uuid, i+1))
		}
		ext := a.Ext
		if ext != recordingExt("x"+ext) {
			ext = ""
		}
		raw := make([]byte, crypt.KeySize)
		if _, err := rand.Read(raw); err != nil {
			return fail(fmt.Errorf("new file key: %w", err))
		}
		k, err := crypt.New(raw)
		if err != nil {
			return fail(err)
		}
		path := filepath.Join(dir, fmt.Sprintf("handoff-%s-%d%s.enc", uuid, i+1, ext))
		err = atomicfile.Write(path, 0o600, func(out io.Writer) error {
			w, err := k.NewWriter(out)
			if err != nil {
				return err
			}
			if _, err := io.Copy(w, bytes.NewReader(a.Data)); err != nil {
				return err
			}
			return w.Close()
		})
		if err != nil {
			return fail(domain.Wrap(domain.EUnavailable, err, "write the received recording %s", path))
		}
		out = append(out, receivedAudio{path: path, raw: raw, createdAt: a.CreatedAt})
	}
	return out, nil
}

func removeReceivedAudio(as []receivedAudio) {
	for _, a := range as {
		os.Remove(a.path)
	}
}

// recordReceivedAudioTx registers the written recordings with the imported
// encounter: each its own file key (sealed under the server's database key) and a
// recordings row, so the server's retention deletes them like its own.
func (db *DB) recordReceivedAudioTx(ctx context.Context, tx *sql.Tx, encID int64, as []receivedAudio) error {
	for _, a := range as {
		res, err := tx.ExecContext(ctx, `INSERT INTO file_keys (encounter_id, created_at) VALUES (?, ?)`, encID, ms(db.now()))
		if err != nil {
			return fmt.Errorf("import recording: %w", err)
		}
		keyID, err := res.LastInsertId()
		if err != nil {
			return err
		}
		if _, err := tx.ExecContext(ctx, `UPDATE file_keys SET key_enc = ? WHERE id = ?`, db.keys.Seal(a.raw, []byte(fileKeyAAD(keyID))), keyID); err != nil {
			return fmt.Errorf("import recording: %w", err)
		}
		sum, size, err := hashFile(a.path)
		if err != nil {
			return domain.Wrap(domain.EUnavailable, err, "received recording %s", a.path)
		}
		if _, err := tx.ExecContext(ctx, `INSERT INTO recordings (encounter_id, path_enc, sha256, size, encrypted, created_at, key_id) VALUES (?, ?, ?, ?, 1, ?, ?)`,
			encID, db.keys.SealString(a.path, recordingAAD(encID)), sum, size, ms(a.createdAt), keyID); err != nil {
			return fmt.Errorf("import recording: %w", err)
		}
	}
	return nil
}
