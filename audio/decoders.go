package audio

import (
	"bufio"
	"bytes"
	"encoding/binary"
	"errors"
	"fmt"
	"io"

	"github.com/hajimehoshi/go-mp3"
	"github.com/jfreymuth/oggvorbis"
	"github.com/mewkiz/flac"
)

// Compressed formats go through pure-Go decoders (no cgo, fuzzed by their authors):
//   FLAC:       github.com/mewkiz/flac
//   MP3:        github.com/hajimehoshi/go-mp3 (the decoder behind Ebitengine's audio)
//   Ogg Vorbis: github.com/jfreymuth/oggvorbis
// Ogg Opus is the exception: no maintained pure-Go Opus decoder exists, so it goes
// through libopusfile by cgo (opus.go).
// A third-party decoder could still panic on a hostile file: each runs under
// recover, and a panic becomes a "corrupt file" error.

// maxDecodedSeconds bounds what one file may decode to: a few bytes of a compressed
// format can claim hours of silence.
const maxDecodedSeconds = 6 * 3600

// sink collects decoded interleaved samples, downmixes and resamples them, and stops
// the decode when the file claims too much audio.
type sink struct {
	rs       *Resampler
	rate     int
	channels int
	out      []float32
	mono     []float32
	frames   int64
}

func newSink(rate, channels int, size int64, bytesPerOut float64) (*sink, error) {
	if channels < 1 || channels > maxChannels {
		return nil, badf("bad channel count %d", channels)
	}
	rs, err := NewResampler(rate, TargetRate)
	if err != nil {
		return nil, badf("unsupported sample rate %d Hz", rate)
	}
	return &sink{rs: rs, rate: rate, channels: channels, out: make([]float32, 0, capHint(size, bytesPerOut))}, nil
}

func (s *sink) write(interleaved []float32) error {
	s.frames += int64(len(interleaved) / s.channels)
	if s.frames > int64(s.rate)*maxDecodedSeconds {
		return badf("decodes to more than %d hours of audio", maxDecodedSeconds/3600)
	}
	s.mono = toMono(s.mono[:0], interleaved, s.channels)
	s.out = s.rs.Process(s.out, s.mono)
	return nil
}

func (s *sink) finish(what string) ([]float32, error) {
	if s.frames == 0 {
		return nil, badf("%s stream holds no audio samples", what)
	}
	return s.rs.Flush(s.out), nil
}

// guard turns a panic inside a third-party decoder into a bad-file error.
func guard(what string, err *error) {
	if p := recover(); p != nil {
		*err = badf("corrupt %s stream (decoder failed: %v)", what, p)
	}
}

func decodeFLAC(r io.Reader, size int64) (out []float32, err error) {
	defer guard("FLAC", &err)
	st, err := flac.New(r)
	if err != nil {
		return nil, badf("corrupt FLAC header: %v", err)
	}
	info := st.Info
	if info.BitsPerSample < 4 || info.BitsPerSample > 32 {
		return nil, badf("unsupported FLAC sample size %d bits", info.BitsPerSample)
	}
	s, err := newSink(int(info.SampleRate), int(info.NChannels), size, 2)
	if err != nil {
		return nil, err
	}
	var buf []float32
	for {
		fr, err := st.ParseNext()
		if errors.Is(err, io.EOF) {
			break
		}
		if err != nil {
			if errors.Is(err, io.ErrUnexpectedEOF) {
				return nil, badf("truncated FLAC stream")
			}
			return nil, badf("corrupt FLAC frame: %v", err)
		}
		nch := fr.Channels.Count()
		if nch != s.channels || len(fr.Subframes) != nch || fr.SampleRate != 0 && int(fr.SampleRate) != s.rate {
			return nil, badf("corrupt FLAC frame: format changes mid-stream")
		}
		bits := fr.BitsPerSample
		if bits < 4 || bits > 32 {
			return nil, badf("corrupt FLAC frame: %d bits per sample", bits)
		}
		scale := 1 / float32(int64(1)<<(bits-1))
		n := int(fr.BlockSize)
		buf = buf[:0]
		for i := 0; i < n; i++ {
			for _, sub := range fr.Subframes {
				if i >= len(sub.Samples) {
					return nil, badf("corrupt FLAC frame: short subframe")
				}
				buf = append(buf, float32(sub.Samples[i])*scale)
			}
		}
		if err := s.write(buf); err != nil {
			return nil, err
		}
	}
	return s.finish("FLAC")
}

func decodeMP3(r io.Reader, size int64) (out []float32, err error) {
	defer guard("MP3", &err)
	d, err := mp3.NewDecoder(r)
	if err != nil {
		return nil, badf("corrupt MP3 stream: %v", err)
	}
	// go-mp3 decodes MPEG-2/2.5 Layer III (rates below 32 kHz) to garbled audio
	// without an error (hajimehoshi/go-mp3 issue 39; we measured it on a 22.05 kHz
	// file): refuse rather than import noise.
	if d.SampleRate() < 32000 {
		return nil, badf("MP3 at %d Hz (MPEG-2/2.5) is not supported; convert it first: ffmpeg -i in.mp3 out.wav", d.SampleRate())
	}
	// go-mp3 always yields 16-bit little-endian stereo.
	s, err := newSink(d.SampleRate(), 2, size, 1)
	if err != nil {
		return nil, err
	}
	raw := make([]byte, 4*4096)
	buf := make([]float32, 0, 2*4096)
	for {
		n, err := io.ReadFull(d, raw)
		n -= n % 4
		buf = buf[:0]
		for i := 0; i < n; i += 2 {
			buf = append(buf, float32(int16(binary.LittleEndian.Uint16(raw[i:])))/32768)
		}
		if werr := s.write(buf); werr != nil {
			return nil, werr
		}
		if errors.Is(err, io.EOF) || errors.Is(err, io.ErrUnexpectedEOF) {
			break
		}
		if err != nil {
			return nil, badf("corrupt MP3 frame: %v", err)
		}
	}
	return s.finish("MP3")
}

func (im Importer) decodeOgg(r *bufio.Reader, size int64) (out []float32, err error) {
	defer guard("Ogg", &err)
	switch oggCodec(r) {
	case "vorbis":
	case "opus":
		return im.decodeOpus(r, size)
	default:
		return nil, badf("unsupported or corrupt Ogg stream (only Vorbis and Opus audio are read)")
	}
	d, err := oggvorbis.NewReader(r)
	if err != nil {
		return nil, badf("corrupt Ogg Vorbis header: %v", err)
	}
	s, err := newSink(d.SampleRate(), d.Channels(), size, 1)
	if err != nil {
		return nil, err
	}
	buf := make([]float32, 4096*d.Channels())
	for {
		n, err := d.Read(buf)
		if werr := s.write(buf[:n]); werr != nil {
			return nil, werr
		}
		if errors.Is(err, io.EOF) {
			break
		}
		if err != nil {
			if errors.Is(err, io.ErrUnexpectedEOF) {
				return nil, badf("truncated Ogg Vorbis stream")
			}
			return nil, badf("corrupt Ogg Vorbis stream: %v", err)
		}
	}
	return s.finish("Ogg Vorbis")
}

// oggCodec peeks at the first packet of the first Ogg page.
func oggCodec(r *bufio.Reader) string {
	b, _ := r.Peek(27 + 255 + 8)
	if len(b) < 28 {
		return ""
	}
	nseg := int(b[26])
	if len(b) < 27+nseg+8 {
		return ""
	}
	p := b[27+nseg:]
	switch {
	case bytes.HasPrefix(p, []byte("\x01vorbis")):
		return "vorbis"
	case bytes.HasPrefix(p, []byte("OpusHead")):
		return "opus"
	}
	return fmt.Sprintf("%q", p[:8])
}
