// Package opus opens Ogg Opus streams with libopusfile (through
// github.com/hraban/opus) for audio.Importer. It is the only audio code that needs
// cgo for Opus; the Ogg framing checks stay in package audio.
package opus

import (
	"errors"
	"fmt"
	"io"

	"github.com/hraban/opus"

	"greffier/audio"
)

// Open starts decoding the Ogg Opus stream r: 48 kHz interleaved float32 frames.
// Errors carry a readable description of libopusfile's code.
func Open(r io.Reader) (audio.PCMStream, error) {
	st, err := opus.NewStream(r)
	if err != nil {
		return nil, describe(err)
	}
	return stream{st}, nil
}

type stream struct{ st *opus.Stream }

func (s stream) ReadFloat32(buf []float32) (int, error) {
	n, err := s.st.ReadFloat32(buf)
	if err != nil && !errors.Is(err, io.EOF) {
		err = describe(err)
	}
	return n, err
}

func (s stream) Close() error { return s.st.Close() }

// describe replaces libopusfile's error with words (the binding's own text for
// unknown codes is an unformatted template).
func describe(err error) error {
	return errors.New(errText(err))
}

func errText(err error) string {
	var se opus.StreamError
	if !errors.As(err, &se) {
		return err.Error()
	}
	switch se {
	case opus.ErrStreamHole:
		return "a page is missing or damaged"
	case opus.ErrStreamRead:
		return "read error"
	case opus.ErrStreamNotFormat:
		return "not an Opus stream"
	case opus.ErrStreamBadHeader:
		return "bad header"
	case opus.ErrStreamVersion:
		return "unsupported Opus version"
	case opus.ErrStreamBadPacked:
		return "bad packet"
	case opus.ErrStreamBadLink:
		return "bad link"
	case opus.ErrStreamBadTimestamp:
		return "bad timestamp"
	case opus.ErrStreamImpl:
		return "unsupported feature"
	case opus.ErrStreamFault:
		return "decoder fault"
	}
	return fmt.Sprintf("libopusfile error %d", int(se))
}
