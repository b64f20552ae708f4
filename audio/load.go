package audio

import (
	"bufio"
	"bytes"
	"errors"

	"io"
	"os"

	"greffier/domain"
)

// TargetRate is the rate of everything the audio package hands on: 16 kHz mono.
const TargetRate = 16000

// PCMStream is a compressed stream opened by a decoder that lives in a C library's
// subpackage: interleaved float32 frames at 48 kHz (Opus's only rate) until io.EOF.
type PCMStream interface {
	ReadFloat32(buf []float32) (int, error)
	Close() error
}

// Importer reads audio files. The decoders written in Go are always there; the ones
// over C libraries are given by the caller (audio/opus), so this package builds
// without cgo. A nil Opus refuses Ogg Opus files with a clear error.
type Importer struct {
	Opus func(r io.Reader) (PCMStream, error)
}

// LoadFile reads an audio file (WAV, FLAC, MP3, Ogg Vorbis, Ogg Opus) and returns its samples
// as 16 kHz mono float32 in [-1, 1]. A file it cannot read — corrupt, truncated,
// empty, not audio, an unsupported encoding — gives a *domain.Error with code
// EInvalid whose message names the file and the problem.
func (im Importer) LoadFile(path string) ([]float32, error) {
	f, err := os.Open(path)
	if err != nil {
		if errors.Is(err, os.ErrNotExist) {
			return nil, domain.Wrap(domain.ENotFound, err, "audio file %s not found", path)
		}
		return nil, domain.Wrap(domain.EInvalid, err, "cannot open audio file %s", path)
	}
	defer f.Close()
	st, err := f.Stat()
	if err != nil {
		return nil, domain.Wrap(domain.EInvalid, err, "cannot read audio file %s", path)
	}
	if st.IsDir() {
		return nil, domain.Errorf(domain.EInvalid, "audio file %s: is a directory", path)
	}
	samples, err := im.decode(f, st.Size())
	if err != nil {
		var bad *badFile
		if errors.As(err, &bad) {
			return nil, domain.Errorf(domain.EInvalid, "audio file %s: %s", path, bad.msg)
		}
		return nil, domain.Wrap(domain.EInvalid, err, "cannot read audio file %s", path)
	}
	return samples, nil
}

// Decode reads a whole audio stream of the given size (the size bounds every
// allocation) and returns 16 kHz mono samples. Errors caused by the content are
// reported as *domain.Error EInvalid without a file name.
func (im Importer) Decode(r io.Reader, size int64) ([]float32, error) {
	s, err := im.decode(r, size)
	var bad *badFile
	if errors.As(err, &bad) {
		return nil, domain.Errorf(domain.EInvalid, "%s", bad.msg)
	}
	return s, err
}

// format names what the first bytes of a file say it is.
type format string

const (
	fmtWAV     format = "WAV"
	fmtFLAC    format = "FLAC"
	fmtMP3     format = "MP3"
	fmtOgg     format = "Ogg"
	fmtMP4     format = "M4A/MP4"
	fmtAAC     format = "AAC"
	fmtUnknown format = ""
)

func sniff(b []byte) format {
	switch {
	case len(b) >= 12 && (string(b[0:4]) == "RIFF" || string(b[0:4]) == "RF64") && string(b[8:12]) == "WAVE":
		return fmtWAV
	case bytes.HasPrefix(b, []byte("fLaC")):
		return fmtFLAC
	case bytes.HasPrefix(b, []byte("OggS")):
		return fmtOgg
	case len(b) >= 8 && string(b[4:8]) == "ftyp":
		return fmtMP4
	case bytes.HasPrefix(b, []byte("ID3")):
		return fmtMP3
	case len(b) >= 2 && b[0] == 0xFF && b[1]&0xF6 == 0xF0:
		return fmtAAC // ADTS: sync word, layer 00
	case len(b) >= 2 && b[0] == 0xFF && b[1]&0xE0 == 0xE0 && b[1]&0x06 != 0:
		return fmtMP3 // MPEG audio frame sync with a layer
	}
	return fmtUnknown
}

func (im Importer) decode(r io.Reader, size int64) ([]float32, error) {
	if size == 0 {
		return nil, badf("empty file (0 bytes)")
	}
	br := bufio.NewReaderSize(r, 64<<10)
	head, _ := br.Peek(12)
	switch sniff(head) {
	case fmtWAV:
		return decodeWAV(br, size)
	case fmtFLAC:
		return decodeFLAC(br, size)
	case fmtMP3:
		return decodeMP3(br, size)
	case fmtOgg:
		return im.decodeOgg(br, size)
	case fmtMP4, fmtAAC:
		return nil, badf("M4A/AAC audio is not supported; convert it first: ffmpeg -i in.m4a out.wav")
	}
	if len(head) < 12 {
		return nil, badf("too short to be audio (%d bytes)", size)
	}
	return nil, badf("not a recognised audio file (expected WAV, FLAC, MP3, Ogg Vorbis or Ogg Opus)")
}

// toMono averages interleaved channels into dst.
func toMono(dst, in []float32, channels int) []float32 {
	if channels == 1 {
		return append(dst, in...)
	}
	inv := 1 / float32(channels)
	for len(in) >= channels {
		var s float32
		for _, v := range in[:channels] {
			s += v
		}
		dst = append(dst, s*inv)
		in = in[channels:]
	}
	return dst
}

// maxPreallocSamples bounds what a decoder reserves for its output before it has
// decoded anything (10 minutes at 16 kHz, 38 MB): beyond it, the output grows as
// audio actually arrives, so a header or a size that lies costs no memory.
const maxPreallocSamples = TargetRate * 600

// capHint is a decoder's first output capacity: what size bytes could hold at the
// given compression (bytes per 16 kHz output sample, a generous lower bound), at
// most maxPreallocSamples.
func capHint(size int64, bytesPerSample float64) int {
	return int(min(float64(size)/bytesPerSample, maxPreallocSamples))
}

// reserve makes room in out for need more samples, of at most limit in all: it grows
// to twice its capacity (not append's 1.25 on large slices, which copies an hour-long
// recording a dozen times) and never past limit, what the header promised.
func reserve(out []float32, need, limit int) []float32 {
	if cap(out)-len(out) >= need {
		return out
	}
	n := max(len(out)+need, min(2*cap(out), limit))
	grown := make([]float32, len(out), n)
	copy(grown, out)
	return grown
}
