package audio

import (
	"bufio"
	"encoding/binary"
	"fmt"
	"greffier/atomicfile"
	"io"
	"math"
)

// WriteWAV writes samples as a 16-bit PCM mono WAV at the given rate. The file
// appears whole or not at all: it is written to a temporary file in the same folder,
// synced, renamed over path, and the folder is synced.
func WriteWAV(path string, samples []float32, rate int) error {
	if rate < MinRate || rate > MaxRate {
		return fmt.Errorf("write %s: sample rate %d Hz out of range", path, rate)
	}
	if int64(len(samples))*2 > math.MaxUint32-36 {
		return fmt.Errorf("write %s: %d samples exceed the 4 GB WAV limit", path, len(samples))
	}
	return writeAtomic(path, func(w io.Writer) error { return EncodeWAV(w, samples, rate) })
}

// EncodeWAV writes samples to w as a 16-bit PCM mono WAV (for a writer that
// encrypts, so that no clear copy touches the disk).
func EncodeWAV(w io.Writer, samples []float32, rate int) error {
	if int64(len(samples))*2 > math.MaxUint32-36 {
		return fmt.Errorf("encode WAV: %d samples exceed the 4 GB WAV limit", len(samples))
	}
	bw := bufio.NewWriterSize(w, 64<<10)
	if _, err := bw.Write(wavHeader16(rate, 1, uint32(len(samples)*2))); err != nil {
		return err
	}
	var b [2]byte
	for _, s := range samples {
		binary.LittleEndian.PutUint16(b[:], uint16(floatToPCM16(s)))
		if _, err := bw.Write(b[:]); err != nil {
			return err
		}
	}
	return bw.Flush()
}

// wavHeader16 is the 44-byte header of a 16-bit PCM WAV with dataLen bytes of data.
func wavHeader16(rate, channels int, dataLen uint32) []byte {
	h := make([]byte, 44)
	copy(h[0:], "RIFF")
	binary.LittleEndian.PutUint32(h[4:], 36+dataLen)
	copy(h[8:], "WAVEfmt ")
	binary.LittleEndian.PutUint32(h[16:], 16)
	binary.LittleEndian.PutUint16(h[20:], wavFormatPCM)
	binary.LittleEndian.PutUint16(h[22:], uint16(channels))
	binary.LittleEndian.PutUint32(h[24:], uint32(rate))
	binary.LittleEndian.PutUint32(h[28:], uint32(rate*channels*2))
	binary.LittleEndian.PutUint16(h[32:], uint16(channels*2))
	binary.LittleEndian.PutUint16(h[34:], 16)
	copy(h[36:], "data")
	binary.LittleEndian.PutUint32(h[40:], dataLen)
	return h
}

// floatToPCM16 rounds and clamps a [-1, 1] sample to int16. The scale (32768) is
// the one 16-bit input is read with, so 16-bit audio passes through unchanged.
func floatToPCM16(s float32) int16 {
	v := math.Round(float64(s) * 32768)
	switch {
	case v > 32767:
		return 32767
	case v < -32768:
		return -32768
	case v != v: // NaN
		return 0
	}
	return int16(v)
}

// writeAtomic writes a file through fill, atomically; recordings are the user's only.
func writeAtomic(path string, fill func(io.Writer) error) error {
	return atomicfile.Write(path, 0o600, fill)
}

// syncDir makes a folder's entries (a created or removed file) durable.
func syncDir(dir string) error { return atomicfile.SyncDir(dir) }
