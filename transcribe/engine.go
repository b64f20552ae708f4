// Package transcribe turns 16 kHz mono audio into transcript segments with
// whisper.cpp. cgo is confined to this package's whisper files.
package transcribe

import (
	"context"
	"runtime"

	"greffier/domain"
)

// SampleRate is the only rate engines accept: 16 kHz mono float32 in [-1, 1].
const SampleRate = 16000

// Options tune one transcription call.
type Options struct {
	// Language is "en", "fr" or "auto" (also when empty).
	Language string
	// Threads for the compute; 0 picks a sensible default for this machine.
	Threads int
	// InitialPrompt biases the decoder (glossary, previous text). Engines trim it to
	// their prompt limit.
	InitialPrompt string
}

// Engine transcribes audio. Implementations are safe for concurrent use (they may
// serialise calls). Cancelling ctx stops the work as soon as the engine can.
type Engine interface {
	// Transcribe returns segments whose StartMS/EndMS are relative to samples[0], IDs
	// numbered from 0, Turn incremented where the engine detects a speaker change.
	Transcribe(ctx context.Context, samples []float32, opts Options) ([]domain.Segment, error)
}

// DefaultThreads is the compute threads used when Options.Threads is 0.
func DefaultThreads() int { return min(max(runtime.NumCPU(), 1), 8) }
