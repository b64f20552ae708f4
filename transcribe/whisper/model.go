package whisper

import (
	"bytes"
	"context"
	"encoding/binary"
	"errors"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"strings"
	"sync"

	wb "github.com/ggerganov/whisper.cpp/bindings/go"

	"greffier/domain"
	"greffier/transcribe"
)

// ggmlMagic starts every whisper.cpp ggml model file.
const ggmlMagic = 0x67676d6c

// Model is a whisper.cpp model loaded once and shared: calls are serialised, since a
// whisper context holds one decoding state. Each call starts without the previous
// call's text context, so one encounter never leaks into the next.
type Model struct {
	mu           sync.Mutex
	ctx          *wb.Context
	path         string
	multilingual bool
	// tinydiarize: the model was fine-tuned to emit speaker-turn tokens. Upstream
	// names such models *-tdrz.bin; whisper needs to be told to decode them.
	tinydiarize bool
}

// Load loads a ggml whisper model file.
func Load(path string) (*Model, error) {
	if err := checkModelFile(path); err != nil {
		return nil, err
	}
	loadBackends()
	ctx := wb.Whisper_init(path)
	if ctx == nil {
		return nil, domain.Errorf(domain.EInvalid, "whisper could not load the model %s (damaged or not a whisper model)", path)
	}
	return &Model{
		ctx: ctx, path: path,
		multilingual: ctx.Whisper_is_multilingual() != 0,
		tinydiarize:  strings.Contains(filepath.Base(path), "tdrz"),
	}, nil
}

// checkModelFile gives a clear error before whisper.cpp sees a file it cannot load.
func checkModelFile(path string) error {
	f, err := os.Open(path)
	if err != nil {
		if errors.Is(err, os.ErrNotExist) {
			return domain.Wrap(domain.ENotFound, err, "whisper model %s not found", path)
		}
		return domain.Wrap(domain.EInvalid, err, "open whisper model %s", path)
	}
	defer f.Close()
	var magic uint32
	if err := binary.Read(f, binary.LittleEndian, &magic); err != nil {
		if errors.Is(err, io.EOF) || errors.Is(err, io.ErrUnexpectedEOF) {
			return domain.Errorf(domain.EInvalid, "whisper model %s is empty or truncated", path)
		}
		return domain.Wrap(domain.EInvalid, err, "read whisper model %s", path)
	}
	if magic != ggmlMagic {
		return domain.Errorf(domain.EInvalid, "%s is not a whisper.cpp ggml model (bad magic %#x)", path, magic)
	}
	return nil
}

// Path is the model file this engine was loaded from.
func (w *Model) Path() string { return w.path }

// Multilingual reports whether the model handles languages other than English.
func (w *Model) Multilingual() bool { return w.multilingual }

// Close frees the model. The engine must not be used afterwards.
func (w *Model) Close() error {
	w.mu.Lock()
	defer w.mu.Unlock()
	if w.ctx != nil {
		w.ctx.Whisper_free()
		w.ctx = nil
	}
	return nil
}

// Transcribe implements Engine.
func (w *Model) Transcribe(ctx context.Context, samples []float32, opts transcribe.Options) ([]domain.Segment, error) {
	if err := ctx.Err(); err != nil {
		return nil, err
	}
	if len(samples) == 0 {
		return nil, nil
	}
	w.mu.Lock()
	defer w.mu.Unlock()
	if w.ctx == nil {
		return nil, domain.Errorf(domain.EUnavailable, "whisper model %s is closed", w.path)
	}
	params, err := w.params(opts)
	if err != nil {
		return nil, err
	}

	flag := newAbortFlag()
	defer flag.free()
	done := make(chan struct{})
	watcherDone := make(chan struct{})
	go func() { // owned here: ends when the call returns
		defer close(watcherDone)
		select {
		case <-ctx.Done():
			flag.set()
		case <-done:
		}
	}()
	ok := fullRun(w.ctx, &params, samples, flag, trimPrompt(opts.InitialPrompt), w.tinydiarize)
	close(done)
	<-watcherDone
	if err := ctx.Err(); err != nil {
		return nil, err
	}
	if !ok {
		return nil, domain.Errorf(domain.EInternal, "whisper failed to transcribe %.1f s of audio", float64(len(samples))/transcribe.SampleRate)
	}
	return w.segments(), nil
}

func (w *Model) params(opts transcribe.Options) (wb.Params, error) {
	p := w.ctx.Whisper_full_default_params(wb.SAMPLING_GREEDY)
	p.SetPrintProgress(false)
	p.SetPrintRealtime(false)
	p.SetPrintTimestamps(false)
	p.SetPrintSpecial(false)
	p.SetNoContext(true)
	p.SetTranslate(false)
	threads := opts.Threads
	if threads <= 0 {
		threads = transcribe.DefaultThreads()
	}
	p.SetThreads(threads)
	lang := strings.ToLower(strings.TrimSpace(opts.Language))
	switch {
	case lang == "" || lang == "auto":
		if w.multilingual {
			if err := p.SetLanguage(-1); err != nil {
				return p, domain.Wrap(domain.EInvalid, err, "language auto")
			}
		} else if err := p.SetLanguage(w.ctx.Whisper_lang_id("en")); err != nil {
			return p, domain.Wrap(domain.EInvalid, err, "language en")
		}
	case !w.multilingual && lang != "en":
		return p, domain.Errorf(domain.EInvalid, "the model %s is English-only; choose a multilingual model for language %q", w.path, lang)
	default:
		id := w.ctx.Whisper_lang_id(lang)
		if id < 0 {
			return p, domain.Errorf(domain.EInvalid, "unknown language %q (use en, fr or auto)", lang)
		}
		if err := p.SetLanguage(id); err != nil {
			return p, domain.Wrap(domain.EInvalid, err, "language %q", lang)
		}
	}
	return p, nil
}

// segments reads the result of the last whisper_full call. whisper times are in
// centiseconds.
func (w *Model) segments() []domain.Segment {
	n := w.ctx.Whisper_full_n_segments()
	eot := w.ctx.Whisper_token_eot()
	out := make([]domain.Segment, 0, n)
	turn := 0
	for i := 0; i < n; i++ {
		seg := domain.Segment{
			ID:           i,
			StartMS:      w.ctx.Whisper_full_get_segment_t0(i) * 10,
			EndMS:        w.ctx.Whisper_full_get_segment_t1(i) * 10,
			Text:         strings.TrimSpace(w.ctx.Whisper_full_get_segment_text(i)),
			Turn:         turn,
			NoSpeechProb: segmentNoSpeechProb(w.ctx, i),
		}
		var sum float64
		count := 0
		seg.MinTokenProb = 1
		for t := 0; t < w.ctx.Whisper_full_n_tokens(i); t++ {
			if w.ctx.Whisper_full_get_token_id(i, t) >= eot { // special and timestamp tokens
				continue
			}
			p := w.ctx.Whisper_full_get_token_p(i, t)
			sum += float64(p)
			count++
			seg.MinTokenProb = min(seg.MinTokenProb, p)
		}
		if count > 0 {
			seg.TokenProb = float32(sum / float64(count))
		} else {
			seg.MinTokenProb = 0
		}
		out = append(out, seg)
		if segmentSpeakerTurnNext(w.ctx, i) {
			turn++
		}
	}
	return out
}

// maxPromptBytes keeps the initial prompt within whisper's limit of half the text
// context (224 tokens): at worst one token per byte, so 224 bytes always fit. Longer
// prompts keep their end, the most recent words.
const maxPromptBytes = 224

func trimPrompt(p string) string {
	p = strings.TrimSpace(p)
	if len(p) <= maxPromptBytes {
		return p
	}
	p = p[len(p)-maxPromptBytes:]
	// Do not start inside a UTF-8 sequence or a word.
	p = strings.ToValidUTF8(p, "")
	if i := strings.IndexByte(p, ' '); i >= 0 && i < len(p)-1 {
		p = p[i+1:]
	}
	return string(bytes.TrimSpace([]byte(p)))
}

// String is for logs: the model file, never audio or text.
func (w *Model) String() string { return fmt.Sprintf("whisper(%s)", w.path) }
