package portaudio

import (
	"errors"
	"sync"

	pa "github.com/gordonklaus/portaudio"

	"greffier/audio"
	"greffier/domain"
)

// DeviceOptions chooses how a device is opened. Zero values mean the device's own
// default rate and channel count (the native format: conversion to 16 kHz mono is
// ours, not the driver's).
type DeviceOptions struct {
	Name       string // "" for the default input
	SampleRate int
	Channels   int
}

// PortAudioSource is a running PortAudio input stream. It holds a PortAudio
// initialisation until Close.
type PortAudioSource struct {
	stream   *pa.Stream
	raw      []int16
	buf      []float32
	rate     int
	channels int
	sel      Selection

	mu     sync.Mutex
	closed bool
	// Overflows counts reads where the driver dropped input because we were late.
	Overflows int
}

// framesPerRead is how much audio one Read from PortAudio brings: 20 ms at 48 kHz.
const framesPerRead = 960

// OpenDevice starts capturing from the named input (falling back to the default
// input when it is gone; Selection says so). Close it when done.
func OpenDevice(o DeviceOptions) (*PortAudioSource, error) {
	quietAudioLibs()
	if err := pa.Initialize(); err != nil {
		return nil, domain.Wrap(domain.EUnavailable, err, "cannot start PortAudio")
	}
	s, err := openDevice(o)
	if err != nil {
		pa.Terminate()
		return nil, err
	}
	return s, nil
}

func openDevice(o DeviceOptions) (*PortAudioSource, error) {
	dev, sel, err := pickDevice(o.Name)
	if err != nil {
		return nil, err
	}
	rate := o.SampleRate
	if rate == 0 {
		rate = int(dev.DefaultSampleRate + 0.5)
	}
	if rate < audio.MinRate || rate > audio.MaxRate {
		return nil, domain.Errorf(domain.EInvalid, "audio input %q: unsupported sample rate %d Hz", dev.Name, rate)
	}
	ch := o.Channels
	if ch == 0 {
		// A microphone's own channels (1 or 2). Devices that claim more are
		// sound-server or plugin devices that mix down themselves: ask for mono.
		ch = dev.MaxInputChannels
		if ch > 2 {
			ch = 1
		}
	}
	if ch < 1 || ch > dev.MaxInputChannels {
		return nil, domain.Errorf(domain.EInvalid, "audio input %q has %d channels, %d asked", dev.Name, dev.MaxInputChannels, ch)
	}
	frames := framesPerRead * rate / 48000
	// 16-bit capture: every input device offers it, speech needs no more, and
	// ALSA then hands the samples through untouched (with float32, its plug
	// converter and the file device used in tests lose samples).
	s := &PortAudioSource{raw: make([]int16, frames*ch), buf: make([]float32, frames*ch), rate: rate, channels: ch, sel: sel}
	p := pa.StreamParameters{
		Input: pa.StreamDeviceParameters{
			Device:   dev,
			Channels: ch,
			Latency:  dev.DefaultHighInputLatency,
		},
		SampleRate:      float64(rate),
		FramesPerBuffer: frames,
		Flags:           pa.ClipOff | pa.DitherOff,
	}
	stream, err := pa.OpenStream(p, s.raw)
	if err != nil {
		return nil, domain.Wrap(domain.EUnavailable, err, "cannot open audio input %q at %d Hz, %d channels", dev.Name, rate, ch)
	}
	if err := stream.Start(); err != nil {
		stream.Close()
		return nil, domain.Wrap(domain.EUnavailable, err, "cannot start audio input %q", dev.Name)
	}
	s.stream = stream
	return s, nil
}

// Selection tells which device is used and whether it is a fallback.
func (s *PortAudioSource) Selection() Selection { return s.sel }

func (s *PortAudioSource) Rate() int     { return s.rate }
func (s *PortAudioSource) Channels() int { return s.channels }

// Read captures the next buffer of interleaved frames. A driver overflow (input
// dropped because the reader was late) is counted, not fatal.
func (s *PortAudioSource) Read() ([]float32, error) {
	err := s.stream.Read()
	if errors.Is(err, pa.InputOverflowed) {
		s.Overflows++
	} else if err != nil {
		return nil, domain.Wrap(domain.EUnavailable, err, "audio input %q failed", s.sel.Device.Name)
	}
	for i, v := range s.raw {
		s.buf[i] = float32(v) / 32768
	}
	return s.buf, nil
}

// Close stops the stream and releases PortAudio. Safe to call twice.
func (s *PortAudioSource) Close() error {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.closed {
		return nil
	}
	s.closed = true
	err := s.stream.Stop()
	if cerr := s.stream.Close(); err == nil {
		err = cerr
	}
	pa.Terminate()
	return err
}
