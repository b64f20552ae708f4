package audio

import (
	"bytes"
	"encoding/binary"
	"errors"
	"fmt"
	"io"
	"math"
)

// WAV reading. We parse RIFF ourselves rather than use a library: the reader has to
// reject header lies before allocating anything, stream hour-long files without
// holding them twice, and cover PCM 8/16/24/32, float 32/64, WAVE_FORMAT_EXTENSIBLE
// and RF64 with one code path.

const (
	wavFormatPCM        = 0x0001
	wavFormatFloat      = 0x0003
	wavFormatExtensible = 0xFFFE
	maxChannels         = 64
)

// KSDATAFORMAT_SUBTYPE_* GUIDs share these last 14 bytes after the format tag.
var ksSubtypeTail = []byte{0x00, 0x00, 0x00, 0x00, 0x10, 0x00, 0x80, 0x00, 0x00, 0xAA, 0x00, 0x38, 0x9B, 0x71}

// wavFormat is what a WAV's fmt chunk says, checked for consistency.
type wavFormat struct {
	float    bool
	channels int
	rate     int
	bits     int // container bits per sample
	dataLen  int64
}

// errBadFile marks a decode failure caused by the file's content (not by I/O on a
// good file); LoadFile turns it into EInvalid.
type badFile struct{ msg string }

func (e *badFile) Error() string { return e.msg }

func badf(format string, args ...any) error { return &badFile{fmt.Sprintf(format, args...)} }

// readWAVHeader reads the RIFF/RF64 header and chunks up to the start of the data
// chunk. size is the file's size: every length is checked against it.
func readWAVHeader(r io.Reader, size int64) (wavFormat, error) {
	var f wavFormat
	var hdr [12]byte
	if _, err := io.ReadFull(r, hdr[:]); err != nil {
		return f, badf("too short for a WAV header")
	}
	rf64 := string(hdr[0:4]) == "RF64"
	if (string(hdr[0:4]) != "RIFF" && !rf64) || string(hdr[8:12]) != "WAVE" {
		return f, badf("not a WAV file (no RIFF/WAVE header)")
	}
	off := int64(12)
	var ds64Data int64 = -1
	haveFmt := false
	for {
		var ch [8]byte
		if _, err := io.ReadFull(r, ch[:]); err != nil {
			if !haveFmt {
				return f, badf("no fmt chunk before end of file")
			}
			return f, badf("no data chunk before end of file")
		}
		off += 8
		id := string(ch[0:4])
		n := int64(binary.LittleEndian.Uint32(ch[4:8]))
		switch id {
		case "ds64":
			if !rf64 || n < 24 || n > 1<<16 || off+n > size {
				return f, badf("bad ds64 chunk")
			}
			b := make([]byte, n)
			if _, err := io.ReadFull(r, b); err != nil {
				return f, badf("truncated ds64 chunk")
			}
			ds64Data = int64(binary.LittleEndian.Uint64(b[8:16]))
		case "fmt ":
			if n < 16 || n > 1<<16 || off+n > size {
				return f, badf("bad fmt chunk length %d", n)
			}
			b := make([]byte, n)
			if _, err := io.ReadFull(r, b); err != nil {
				return f, badf("truncated fmt chunk")
			}
			var err error
			if f, err = parseFmt(b); err != nil {
				return f, err
			}
			haveFmt = true
		case "data":
			if !haveFmt {
				return f, badf("data chunk before fmt chunk")
			}
			if rf64 && n == 0xFFFFFFFF {
				if ds64Data < 0 {
					return f, badf("RF64 file without ds64 chunk")
				}
				n = ds64Data
			}
			if !rf64 && n == 0xFFFFFFFF {
				// Streaming writers that cannot seek back mark the length unknown:
				// the data runs to the end of the file.
				n = size - off
			}
			if n > size-off {
				return f, badf("truncated: data chunk declares %d bytes but only %d remain", n, size-off)
			}
			if n == 0 {
				return f, badf("no audio samples (empty data chunk)")
			}
			block := int64(f.channels * f.bits / 8)
			if n%block != 0 {
				// A partial last frame is a truncated write; keep the whole frames.
				n -= n % block
				if n == 0 {
					return f, badf("data chunk smaller than one sample frame")
				}
			}
			f.dataLen = n
			return f, nil
		default:
			if n > size-off {
				return f, badf("truncated: %q chunk declares %d bytes but only %d remain", id, n, size-off)
			}
		}
		if id != "fmt " && id != "ds64" {
			if _, err := io.CopyN(io.Discard, r, n); err != nil {
				return f, badf("truncated %q chunk", id)
			}
		}
		off += n
		if n%2 == 1 { // chunks are padded to even length
			if _, err := io.CopyN(io.Discard, r, 1); err != nil {
				return f, badf("no data chunk before end of file")
			}
			off++
		}
	}
}

func parseFmt(b []byte) (wavFormat, error) {
	var f wavFormat
	tag := binary.LittleEndian.Uint16(b[0:2])
	f.channels = int(binary.LittleEndian.Uint16(b[2:4]))
	rate := binary.LittleEndian.Uint32(b[4:8])
	byteRate := binary.LittleEndian.Uint32(b[8:12])
	blockAlign := int(binary.LittleEndian.Uint16(b[12:14]))
	f.bits = int(binary.LittleEndian.Uint16(b[14:16]))
	if tag == wavFormatExtensible {
		if len(b) < 40 || binary.LittleEndian.Uint16(b[16:18]) < 22 {
			return f, badf("WAVE_FORMAT_EXTENSIBLE with a short fmt chunk")
		}
		valid := int(binary.LittleEndian.Uint16(b[18:20]))
		if valid > f.bits {
			return f, badf("valid bits %d exceed container bits %d", valid, f.bits)
		}
		if !bytes.Equal(b[26:40], ksSubtypeTail) {
			return f, badf("unsupported WAVE_FORMAT_EXTENSIBLE sub-format")
		}
		tag = binary.LittleEndian.Uint16(b[24:26])
	}
	switch tag {
	case wavFormatPCM:
		if f.bits != 8 && f.bits != 16 && f.bits != 24 && f.bits != 32 {
			return f, badf("unsupported PCM sample size %d bits", f.bits)
		}
	case wavFormatFloat:
		if f.bits != 32 && f.bits != 64 {
			return f, badf("unsupported float sample size %d bits", f.bits)
		}
		f.float = true
	default:
		return f, badf("unsupported WAV encoding (format tag 0x%04x); only PCM and IEEE float are read", tag)
	}
	if f.channels < 1 || f.channels > maxChannels {
		return f, badf("bad channel count %d", f.channels)
	}
	if rate < MinRate || rate > MaxRate {
		return f, badf("unsupported sample rate %d Hz", rate)
	}
	f.rate = int(rate)
	if blockAlign != f.channels*f.bits/8 {
		return f, badf("inconsistent header: block align %d for %d channels of %d bits", blockAlign, f.channels, f.bits)
	}
	if byteRate != uint32(blockAlign)*rate {
		return f, badf("inconsistent header: byte rate %d for %d Hz × %d bytes", byteRate, rate, blockAlign)
	}
	return f, nil
}

// wavSamples decodes whole frames from b into mono floats (channels averaged),
// appending to dst.
func wavSamples(dst []float32, b []byte, f wavFormat) []float32 {
	bps := f.bits / 8
	frame := bps * f.channels
	inv := 1 / float32(f.channels)
	for len(b) >= frame {
		var sum float32
		for c := 0; c < f.channels; c++ {
			sum += wavSample(b[c*bps:], f)
		}
		if f.channels > 1 {
			sum *= inv
		}
		dst = append(dst, sum)
		b = b[frame:]
	}
	return dst
}

func wavSample(b []byte, f wavFormat) float32 {
	if f.float {
		var v float64
		if f.bits == 32 {
			v = float64(math.Float32frombits(binary.LittleEndian.Uint32(b)))
		} else {
			v = math.Float64frombits(binary.LittleEndian.Uint64(b))
		}
		// NaN/Inf in a file would poison every later sample through the filter.
		if math.IsNaN(v) || math.IsInf(v, 0) {
			return 0
		}
		// Full scale is ±1; louder float samples are clipped, as any conversion to
		// PCM does. Unclipped, a huge float64 becomes ±Inf as float32, and large
		// values overflow when channels are summed.
		return float32(max(-1, min(1, v)))
	}
	switch f.bits {
	case 8:
		return (float32(b[0]) - 128) / 128
	case 16:
		return float32(int16(binary.LittleEndian.Uint16(b))) / 32768
	case 24:
		v := int32(uint32(b[0])<<8|uint32(b[1])<<16|uint32(b[2])<<24) >> 8
		return float32(v) / 8388608
	default:
		return float32(int32(binary.LittleEndian.Uint32(b))) / 2147483648
	}
}

// decodeWAV reads a WAV stream of the given total size and returns 16 kHz mono.
func decodeWAV(r io.Reader, size int64) ([]float32, error) {
	f, err := readWAVHeader(r, size)
	if err != nil {
		return nil, err
	}
	frames := f.dataLen / int64(f.channels*f.bits/8)
	if frames > int64(f.rate)*maxDecodedSeconds {
		return nil, badf("decodes to more than %d hours of audio", maxDecodedSeconds/3600)
	}
	rs, err := NewResampler(f.rate, TargetRate)
	if err != nil {
		return nil, badf("%v", err)
	}
	// The output the header promises, within the duration cap; at first only up to
	// maxPreallocSamples of it is reserved: a low-rate file (8-bit at 1 kHz gives 64
	// output bytes per input byte) grows as its data is read, not on its header's word.
	total := int(frames*TargetRate/int64(f.rate)) + 1
	out := make([]float32, 0, min(total, maxPreallocSamples))
	frame := f.channels * f.bits / 8
	chunk := make([]byte, min(int64(frame*4096), f.dataLen))
	mono := make([]float32, 0, len(chunk)/frame)
	left := f.dataLen
	for left > 0 {
		n := min(int64(len(chunk)), left)
		if _, err := io.ReadFull(r, chunk[:n]); err != nil {
			if errors.Is(err, io.ErrUnexpectedEOF) || errors.Is(err, io.EOF) {
				return nil, badf("truncated data chunk")
			}
			return nil, err
		}
		left -= n
		mono = wavSamples(mono[:0], chunk[:n], f)
		out = reserve(out, len(mono)*TargetRate/f.rate+2, total)
		out = rs.Process(out, mono)
	}
	return rs.Flush(reserve(out, total-len(out), total)), nil
}
