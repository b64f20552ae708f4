package audio

import (
	"bufio"
	"encoding/binary"
	"errors"
	"fmt"
	"io"
)

// Ogg Opus is decoded by libopusfile through the audio/opus subpackage (Xiph's
// reference Ogg Opus reader; there is no maintained pure-Go Opus decoder), given to
// an Importer by its caller. libopusfile always decodes to 48 kHz; pre-skip and end trimming follow the granule positions,
// so the duration is the encoder's input duration.
//
// libopusfile reads the stream as unseekable and, at its end, cannot tell a
// truncated file from a complete one, nor does the binding say how many channels
// each chained link has. oggWatch follows the Ogg page framing of the bytes the
// decoder reads to answer both.

const opusRate = 48000

// opusMaxFrame is 120 ms at 48 kHz, the longest Opus packet: a buffer this long per
// channel lets libopusfile return whole packets.
const opusMaxFrame = 5760

func (im Importer) decodeOpus(r *bufio.Reader, size int64) (out []float32, err error) {
	defer guard("Ogg Opus", &err)
	if im.Opus == nil {
		return nil, badf("Ogg Opus import is not available in this build (it needs libopusfile)")
	}
	w := newOggWatch(r)
	st, err := im.Opus(w)
	if err != nil {
		return nil, w.explain(err, "header")
	}
	defer st.Close()
	if w.channels == 0 {
		return nil, badf("corrupt Ogg Opus header (no OpusHead packet)")
	}
	s, err := newSink(opusRate, w.channels, size, 1)
	if err != nil {
		return nil, err
	}
	buf := make([]float32, opusMaxFrame*s.channels)
	for {
		n, rerr := st.ReadFloat32(buf)
		if w.channelsChanged {
			return nil, badf("chained Ogg Opus stream whose channel count changes is not supported; convert it first: ffmpeg -i in.opus out.wav")
		}
		if n > 0 {
			if n*s.channels > len(buf) {
				return nil, badf("corrupt Ogg Opus stream (decoder returned %d frames)", n)
			}
			if werr := s.write(buf[:n*s.channels]); werr != nil {
				return nil, werr
			}
		}
		if errors.Is(rerr, io.EOF) {
			break
		}
		if rerr != nil {
			return nil, w.explain(rerr, "stream")
		}
	}
	if err := w.explain(nil, "stream"); err != nil {
		return nil, err
	}
	return s.finish("Ogg Opus")
}

// explain reads what libopusfile left of the input (it stops after the last page
// it can use, or at an error) so that the framing check sees the whole file, and
// returns the bad-file error the framing or the decoder error (nil at a clean
// end) calls for.
func (w *oggWatch) explain(decErr error, part string) error {
	if _, err := io.Copy(io.Discard, w); err != nil {
		return fmt.Errorf("read Ogg Opus %s: %w", part, err)
	}
	switch {
	case w.channelsChanged:
		return badf("chained Ogg Opus stream whose channel count changes is not supported; convert it first: ffmpeg -i in.opus out.wav")
	case w.badPages > 0:
		return badf("corrupt Ogg Opus %s (damaged pages, checksum mismatch: %d)", part, w.badPages)
	case w.lostSync && !w.junkAtEnd:
		return badf("corrupt Ogg Opus %s (damaged page framing)", part)
	case !w.lostSync && (!w.atBoundary || !w.lastEOS):
		return badf("truncated Ogg Opus stream (the file ends before its last page)")
	case decErr != nil:
		return badf("corrupt Ogg Opus %s (%v)", part, decErr)
	}
	return nil
}

// oggWatch passes reads through and follows the Ogg page framing: whether the
// stream ended right after a complete end-of-stream page, the channel count of the
// first OpusHead, and whether a later OpusHead (a chained link) has another.
type oggWatch struct {
	r io.Reader

	hdr  [27 + 255]byte // the page header being read
	have int            // bytes of hdr filled
	need int            // header length: 27, then 27 + segment count
	body int            // body bytes of the current page still to come

	bos      bool     // the current page begins a logical stream
	head     [10]byte // first body bytes of a BOS page
	headHave int

	pagesDone  bool // at least one page was complete
	atBoundary bool // the bytes so far end exactly at the end of a page
	lastEOS    bool // the last complete page had the end-of-stream flag
	lostSync   bool // bytes that are not an Ogg page where a page should start
	junkAtEnd  bool // lostSync came after a complete end-of-stream page

	crcTab   [256]uint32
	crc      uint32 // CRC of the current page so far
	crcWant  uint32 // the CRC its header states
	badPages int    // pages whose CRC did not match (libopusfile drops them)

	channels        int
	channelsChanged bool
}

func newOggWatch(r io.Reader) *oggWatch {
	w := &oggWatch{r: r, need: 27}
	// Ogg's CRC-32: polynomial 0x04c11db7, MSB first, initial value 0, computed
	// with the header's CRC field set to zero.
	for i := range w.crcTab {
		c := uint32(i) << 24
		for range 8 {
			if c&0x80000000 != 0 {
				c = c<<1 ^ 0x04c11db7
			} else {
				c <<= 1
			}
		}
		w.crcTab[i] = c
	}
	return w
}

func (w *oggWatch) crcAdd(p []byte) {
	c := w.crc
	for _, b := range p {
		c = c<<8 ^ w.crcTab[byte(c>>24)^b]
	}
	w.crc = c
}

func (w *oggWatch) Read(p []byte) (int, error) {
	n, err := w.r.Read(p)
	w.scan(p[:n])
	return n, err
}

func (w *oggWatch) scan(p []byte) {
	for len(p) > 0 && !w.lostSync {
		if w.body > 0 {
			k := min(w.body, len(p))
			if w.bos && w.headHave < len(w.head) {
				c := copy(w.head[w.headHave:], p[:k])
				w.headHave += c
				if w.headHave == len(w.head) {
					w.sawHead()
				}
			}
			w.crcAdd(p[:k])
			w.body -= k
			p = p[k:]
			if w.body == 0 {
				w.endPage()
			}
			continue
		}
		if w.have == 0 && w.atBoundary {
			w.atBoundary = false
		}
		k := copy(w.hdr[w.have:w.need], p)
		w.have += k
		p = p[k:]
		if w.have >= 4 && string(w.hdr[:4]) != "OggS" {
			w.lostSync = true
			// Junk after a complete end-of-stream page (a tag block appended to the
			// file) is ignored, as libopusfile ignores it.
			w.junkAtEnd = w.pagesDone && w.lastEOS
			return
		}
		if w.have == 27 && w.need == 27 {
			w.need = 27 + int(w.hdr[26])
		}
		if w.have < w.need {
			continue
		}
		body := 0
		for _, l := range w.hdr[27:w.need] {
			body += int(l)
		}
		w.crcWant = binary.LittleEndian.Uint32(w.hdr[22:26])
		clear(w.hdr[22:26])
		w.crc = 0
		w.crcAdd(w.hdr[:w.need])
		w.bos = w.hdr[5]&0x02 != 0
		w.lastEOS = w.hdr[5]&0x04 != 0
		w.headHave = 0
		w.have, w.need, w.body = 0, 27, body
		if body == 0 {
			w.endPage()
		}
	}
}

func (w *oggWatch) endPage() {
	w.atBoundary = true
	w.pagesDone = true
	if w.crc != w.crcWant {
		w.badPages++
	}
}

func (w *oggWatch) sawHead() {
	if string(w.head[:8]) != "OpusHead" {
		return
	}
	ch := int(w.head[9])
	switch {
	case w.channels == 0:
		w.channels = ch
	case ch != w.channels:
		w.channelsChanged = true
	}
}
