package whisper

/*
#cgo LDFLAGS: -lwhisper
#include <stdlib.h>
#include <whisper.h>

static struct whisper_vad_context *greffier_vad_open(const char *path, int threads) {
	struct whisper_vad_context_params p = whisper_vad_default_context_params();
	p.n_threads = threads;
	p.use_gpu = false;
	return whisper_vad_init_from_file_with_params(path, p);
}
*/
import "C"

import (
	"errors"
	"os"
	"unsafe"

	"greffier/domain"
)

// sileroChunk is the Silero v5 VAD's input step at 16 kHz (32 ms).
const sileroChunk = 512

// SileroVAD is whisper.cpp's Silero voice activity detector (a small neural
// network; the user downloads ggml-silero-v5.1.2.bin, which no package ships). It
// follows speech better than EnergyVAD in noisy rooms. It implements VAD for one
// recording: the network keeps state across calls, so make one per Streamer and
// Close it after. Its decision for a 30 ms frame uses the probability of the latest
// whole 32 ms chunk, so it lags by at most one chunk; hysteresis and a hangover
// smooth it like EnergyVAD's.
type SileroVAD struct {
	OnProb     float32 // enter speech at this probability (default 0.5)
	OffProb    float32 // leave speech below this (default 0.35)
	HangFrames int     // frames speech lasts after the probability falls (default 8)

	ctx    *C.struct_whisper_vad_context
	buf    []float32
	prob   float32
	speech bool
	hang   int
}

// LoadSileroVAD loads a Silero VAD ggml model file.
func LoadSileroVAD(path string, threads int) (*SileroVAD, error) {
	if _, err := os.Stat(path); err != nil {
		if errors.Is(err, os.ErrNotExist) {
			return nil, domain.Wrap(domain.ENotFound, err, "Silero VAD model %s not found", path)
		}
		return nil, domain.Wrap(domain.EInvalid, err, "Silero VAD model %s", path)
	}
	if threads <= 0 {
		threads = 1
	}
	loadBackends()
	cpath := C.CString(path)
	defer C.free(unsafe.Pointer(cpath))
	ctx := C.greffier_vad_open(cpath, C.int(threads))
	if ctx == nil {
		return nil, domain.Errorf(domain.EInvalid, "whisper could not load %s as a Silero VAD model", path)
	}
	return &SileroVAD{OnProb: 0.5, OffProb: 0.35, HangFrames: 8, ctx: ctx}, nil
}

// IsSpeech implements VAD.
func (v *SileroVAD) IsSpeech(frame []float32) bool {
	if v.ctx == nil {
		return true // closed: never lose audio for want of a detector
	}
	v.buf = append(v.buf, frame...)
	n := len(v.buf) / sileroChunk * sileroChunk
	if n > 0 {
		ok := C.whisper_vad_detect_speech_no_reset(v.ctx, (*C.float)(unsafe.Pointer(&v.buf[0])), C.int(n))
		if ok && C.whisper_vad_n_probs(v.ctx) > 0 {
			np := int(C.whisper_vad_n_probs(v.ctx))
			probs := unsafe.Slice((*float32)(unsafe.Pointer(C.whisper_vad_probs(v.ctx))), np)
			v.prob = probs[np-1]
		}
		v.buf = append(v.buf[:0], v.buf[n:]...)
	}
	switch {
	case !v.speech && v.prob >= v.OnProb:
		v.speech, v.hang = true, v.HangFrames
	case v.speech && v.prob >= v.OffProb:
		v.hang = v.HangFrames
	case v.speech && v.hang > 0:
		v.hang--
	case v.speech:
		v.speech = false
	}
	return v.speech
}

// Close frees the network.
func (v *SileroVAD) Close() {
	if v.ctx != nil {
		C.whisper_vad_free(v.ctx)
		v.ctx = nil
	}
}
