package app

import (
	"context"
	"crypto/cipher"
	"errors"
	"fmt"
	"log"
	"os"
	"path/filepath"
	"strconv"
	"strings"

	"greffier/audio"
	"greffier/domain"
	"greffier/store"
)

// RecoveredEvent tells the UI (a banner) that a recording interrupted by a crash or
// a kill was recovered at start and filed with its encounter.
type RecoveredEvent struct {
	EncounterID int64   `json:"encounter_id"`
	Seconds     float64 `json:"seconds"`
	Segments    int     `json:"segments"` // transcript windows saved before the interruption
	Damage      string  `json:"damage,omitempty"`
}

// keptSpool is what keeping a spool did.
type keptSpool struct {
	encID   int64
	samples int
	damage  string
}

// keepSpool turns a spool of the encounter (sealed under its own file key, or clear
// from an older version) into a WAV encrypted under that key, registers it with the
// encounter and removes the spool. Nothing clear is written: the WAV goes through
// the key's writer. If it cannot (disk full), the spool stays, still encrypted, and
// the next start keeps it. A spool kept before (crash after registering) is only
// removed.
func (s *Services) keepSpool(ctx context.Context, path string) (keptSpool, error) {
	release, err := audio.LockSpool(path)
	if err != nil {
		return keptSpool{}, err
	}
	defer release()
	var fk store.FileKey
	sp, err := audio.ReadSpoolWith(path, func(h audio.SpoolHeader) (cipher.AEAD, error) {
		var err error
		fk, err = s.db.GetFileKey(ctx, h.KeyID)
		return fk.Spool, err
	})
	if err != nil {
		return keptSpool{}, fmt.Errorf("read spool %s: %w", filepath.Base(path), err)
	}
	encID, err := strconv.ParseInt(sp.Header.Consent.Encounter, 10, 64)
	if err != nil {
		return keptSpool{}, fmt.Errorf("spool %s names no encounter", filepath.Base(path))
	}
	out := keptSpool{encID: encID, samples: len(sp.Samples), damage: sp.Damaged}
	if fk.ID != 0 {
		if _, done, err := s.db.RecordingByKey(ctx, fk.ID); err != nil || done {
			if err == nil {
				err = removeSynced(path)
			}
			return out, err
		}
	}
	if len(sp.Samples) == 0 {
		// Nothing was captured: no recording, and the key goes.
		if fk.ID != 0 {
			if err := s.db.DestroyFileKey(ctx, fk.ID); err != nil {
				return out, err
			}
		}
		return out, removeSynced(path)
	}
	if fk.ID == 0 {
		if fk, err = s.db.NewFileKey(ctx, encID); err != nil {
			return out, err
		}
	}
	dst := strings.TrimSuffix(path, audio.SpoolExt) + ".wav.enc"
	if err := writeSealedWAV(fk, dst, sp.Samples); err != nil {
		return out, domain.Wrap(domain.EUnavailable, err,
			"the recording of encounter %d could not be saved (is the disk full?); it stays encrypted in its spool and is saved at the next start", encID)
	}
	if _, err := s.db.SaveKeyedRecording(ctx, encID, dst, fk.ID); err != nil {
		return out, err
	}
	return out, removeSynced(path)
}

// writeSealedWAV writes samples as a WAV encrypted under the file key, atomically:
// a temporary file, synced, renamed, the folder synced.
func writeSealedWAV(fk store.FileKey, dst string, samples []float32) (err error) {
	tmp, err := os.CreateTemp(filepath.Dir(dst), "."+filepath.Base(dst)+".*.tmp")
	if err != nil {
		return err
	}
	defer func() {
		if err != nil {
			tmp.Close()
			os.Remove(tmp.Name())
		}
	}()
	w, err := fk.Keys.NewWriter(tmp)
	if err != nil {
		return err
	}
	if err := audio.EncodeWAV(w, samples, audio.TargetRate); err != nil {
		return err
	}
	if err := w.Close(); err != nil {
		return err
	}
	if err := tmp.Sync(); err != nil {
		return err
	}
	if err := tmp.Close(); err != nil {
		return err
	}
	if err := os.Rename(tmp.Name(), dst); err != nil {
		return err
	}
	return syncDir(filepath.Dir(dst))
}

func removeSynced(path string) error {
	if err := os.Remove(path); err != nil && !os.IsNotExist(err) {
		return fmt.Errorf("remove spool: %w", err)
	}
	return syncDir(filepath.Dir(path))
}

func syncDir(dir string) error {
	d, err := os.Open(dir)
	if err != nil {
		return err
	}
	defer d.Close()
	return d.Sync()
}

// recoverSpools keeps, at start, the spools that a crash, a kill or a power loss
// left in the recordings folder: each is filed with its encounter, the encounter's
// state repaired (the live transcript saved before the interruption becomes its
// transcript), and the user told ("recovered" event, and Recording.Recovered).
func (r *Recording) recoverSpools(ctx context.Context) {
	s := r.s
	paths, err := audio.FindSpools(s.cfg.Dirs.Recordings())
	if err != nil {
		log.Printf("recover recordings: %v", err)
		return
	}
	for _, p := range paths {
		if ctx.Err() != nil {
			return
		}
		k, err := s.keepSpool(ctx, p)
		if errors.Is(err, audio.ErrSpoolInUse) {
			continue
		}
		if err != nil {
			log.Printf("recover recording %s: %v", filepath.Base(p), err)
			s.emit("audio", map[string]string{"kind": "error", "message": s.fail(err).Error()})
			continue
		}
		if k.samples == 0 {
			continue
		}
		ev := RecoveredEvent{EncounterID: k.encID, Seconds: float64(k.samples) / audio.TargetRate, Damage: k.damage}
		if ev.Segments, err = r.repairState(ctx, k.encID); err != nil {
			log.Printf("recover recording of encounter %d: state: %v", k.encID, err)
		}
		r.mu.Lock()
		r.recovered = append(r.recovered, ev)
		r.mu.Unlock()
		s.emit("recovered", ev)
	}
}

// repairState moves an encounter left in recording by a crash to transcribed when
// its live transcript holds something; without one it stays to be transcribed (the
// audio is kept: Retranscribe).
func (r *Recording) repairState(ctx context.Context, encID int64) (int, error) {
	x, err := r.s.db.GetEncounter(ctx, encID)
	if err != nil || x.State != domain.StateRecording {
		return 0, err
	}
	segs, err := r.s.db.Segments(ctx, encID)
	if err != nil || len(segs) == 0 {
		return 0, err
	}
	return len(segs), r.s.db.SaveSegments(ctx, encID, segs)
}

// Recovered lists the recordings recovered at this start, for the banner of a UI
// that subscribed to events after they were sent.
func (r *Recording) Recovered() ([]RecoveredEvent, error) {
	if err := r.s.ready(); err != nil {
		return nil, err
	}
	r.mu.Lock()
	defer r.mu.Unlock()
	return append([]RecoveredEvent{}, r.recovered...), nil
}
