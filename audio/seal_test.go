package audio

import (
	"bytes"
	"crypto/aes"
	"crypto/cipher"
	"crypto/rand"
	"encoding/binary"
	"errors"
	"os"
	"path/filepath"
	"testing"
	"time"
)

func testAEAD(t *testing.T) cipher.AEAD {
	t.Helper()
	key := make([]byte, 32)
	rand.Read(key)
	b, err := aes.NewCipher(key)
	if err != nil {
		t.Fatal(err)
	}
	g, err := cipher.NewGCM(b)
	if err != nil {
		t.Fatal(err)
	}
	return g
}

// A sealed spool holds no clear audio, reads back whole with its key, is refused
// without it, stops at the first block that does not authenticate with another
// key, and keeps every whole block when a crash cuts the last one.
func TestSealedSpool(t *testing.T) {
	path := filepath.Join(t.TempDir(), "rec"+spoolExt)
	aead := testAEAD(t)
	w, err := createSpool(path, SpoolHeader{Version: 1, Rate: TargetRate, KeyID: 7}, aead, time.Hour, time.Now)
	if err != nil {
		t.Fatal(err)
	}
	block := make([]float32, blockSamples)
	for i := range block {
		block[i] = 0.25 // a constant, easy to look for in the file
	}
	for i := 0; i < 3; i++ {
		if err := w.audio(int64(i*blockSamples), block); err != nil {
			t.Fatal(err)
		}
	}
	if err := w.block(kindBookmark, 3*blockSamples, mustJSON(Bookmark{AtMS: 300, Label: "chest pain"})); err != nil {
		t.Fatal(err)
	}
	if err := w.finish(3 * blockSamples); err != nil {
		t.Fatal(err)
	}
	w.release()
	raw, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	var pcm [2]byte
	binary.LittleEndian.PutUint16(pcm[:], uint16(floatToPCM16(0.25)))
	if bytes.Contains(raw, bytes.Repeat(pcm[:], 8)) || bytes.Contains(raw, []byte("chest pain")) {
		t.Fatal("clear audio or bookmark text in the sealed spool")
	}
	key := func(h SpoolHeader) (cipher.AEAD, error) {
		if h.KeyID != 7 || !h.Sealed {
			t.Errorf("header %+v", h)
		}
		return aead, nil
	}
	sp, err := ReadSpoolWith(path, key)
	if err != nil || !sp.Clean || len(sp.Samples) != 3*blockSamples || len(sp.Bookmarks) != 1 || sp.Bookmarks[0].Label != "chest pain" {
		t.Fatalf("read back: %v, %+v", err, sp)
	}
	if sp.Samples[0] != float32(floatToPCM16(0.25))/32768 {
		t.Errorf("sample %v", sp.Samples[0])
	}
	if _, err := ReadSpool(path); !errors.Is(err, ErrSealed) {
		t.Errorf("read without the key: %v", err)
	}
	other := testAEAD(t)
	sp, err = ReadSpoolWith(path, func(SpoolHeader) (cipher.AEAD, error) { return other, nil })
	if err != nil || len(sp.Samples) != 0 || sp.Damaged == "" {
		t.Errorf("read with another key: %v, %d samples, damage %q", err, len(sp.Samples), sp.Damaged)
	}
	// A crash in the middle of the third audio block.
	cut := filepath.Join(t.TempDir(), "cut"+spoolExt)
	blockLen := blockHdrSize + 2*blockSamples + aead.Overhead()
	headLen := len(raw) - 3*blockLen - (blockHdrSize + len(mustJSON(Bookmark{AtMS: 300, Label: "chest pain"})) + aead.Overhead()) - blockHdrSize
	if err := os.WriteFile(cut, raw[:headLen+2*blockLen+100], 0o600); err != nil {
		t.Fatal(err)
	}
	sp, err = ReadSpoolWith(cut, key)
	if err != nil || len(sp.Samples) != 2*blockSamples || sp.Clean {
		t.Errorf("cut spool: %v, %d samples", err, len(sp.Samples))
	}
	// Recover, the CLI's, leaves a sealed spool to the app.
	if recs, err := Recover(filepath.Dir(path)); err != nil || len(recs) != 0 {
		t.Errorf("Recover on a sealed spool: %+v, %v", recs, err)
	}
	if _, err := os.Stat(path); err != nil {
		t.Errorf("the sealed spool is gone: %v", err)
	}
}
