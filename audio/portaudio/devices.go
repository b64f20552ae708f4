// Package portaudio captures from microphones through PortAudio (cgo). It is the only
// audio code that needs PortAudio, ALSA or JACK; the recorder, spool and resampler in
// package audio take its Source.
package portaudio

import (
	"fmt"
	"strings"

	pa "github.com/gordonklaus/portaudio"

	"greffier/domain"
)

// Device is an audio input as PortAudio reports it.
type Device struct {
	Name              string  `json:"name"`
	HostAPI           string  `json:"host_api"`
	MaxInputChannels  int     `json:"max_input_channels"`
	DefaultSampleRate float64 `json:"default_sample_rate"`
	IsDefault         bool    `json:"is_default"`
}

// PortAudioVersion returns the PortAudio library's version text.
func PortAudioVersion() string { return pa.VersionText() }

// InputDevices lists the devices that can capture audio. It initialises and
// terminates PortAudio itself (PortAudio counts nested initialisations).
func InputDevices() ([]Device, error) {
	var out []Device
	err := withPortAudio(func() error {
		devs, err := pa.Devices()
		if err != nil {
			return fmt.Errorf("list audio devices: %w", err)
		}
		def, _ := pa.DefaultInputDevice() // none is not an error here
		for _, d := range devs {
			if d.MaxInputChannels < 1 {
				continue
			}
			out = append(out, toDevice(d, def))
		}
		return nil
	})
	return out, err
}

func toDevice(d, def *pa.DeviceInfo) Device {
	api := ""
	if d.HostApi != nil {
		api = d.HostApi.Name
	}
	return Device{
		Name:              d.Name,
		HostAPI:           api,
		MaxInputChannels:  d.MaxInputChannels,
		DefaultSampleRate: d.DefaultSampleRate,
		IsDefault:         def != nil && d.Index == def.Index,
	}
}

func withPortAudio(fn func() error) error {
	quietAudioLibs()
	if err := pa.Initialize(); err != nil {
		return domain.Wrap(domain.EUnavailable, err, "cannot start PortAudio")
	}
	defer pa.Terminate()
	return fn()
}

// Selection says which device a capture uses and why.
type Selection struct {
	Device Device
	// Fallback is set when the requested device was not found and the default
	// input is used instead; Notice explains it to the user.
	Fallback bool
	Notice   string
}

// pickDevice finds the input named name (exact, then case-insensitive substring
// when unambiguous) and falls back to the default input when it is gone. An empty
// name means the default input.
func pickDevice(name string) (*pa.DeviceInfo, Selection, error) {
	devs, err := pa.Devices()
	if err != nil {
		return nil, Selection{}, domain.Wrap(domain.EUnavailable, err, "cannot list audio devices")
	}
	def, _ := pa.DefaultInputDevice()
	if def != nil && def.MaxInputChannels < 1 {
		def = nil
	}
	var inputs []*pa.DeviceInfo
	for _, d := range devs {
		if d.MaxInputChannels > 0 {
			inputs = append(inputs, d)
		}
	}
	if name != "" {
		if d := matchDevice(inputs, name); d != nil {
			return d, Selection{Device: toDevice(d, def)}, nil
		}
	}
	if def == nil {
		if name != "" {
			return nil, Selection{}, domain.Errorf(domain.ENotFound, "audio input %q not found and there is no default input", name)
		}
		return nil, Selection{}, domain.Errorf(domain.EUnavailable, "no default audio input (is a microphone connected and allowed?)")
	}
	sel := Selection{Device: toDevice(def, def)}
	if name != "" {
		sel.Fallback = true
		sel.Notice = fmt.Sprintf("audio input %q not found; using the default input %q", name, def.Name)
	}
	return def, sel, nil
}

func matchDevice(inputs []*pa.DeviceInfo, name string) *pa.DeviceInfo {
	for _, d := range inputs {
		if d.Name == name {
			return d
		}
	}
	var found *pa.DeviceInfo
	low := strings.ToLower(name)
	for _, d := range inputs {
		if strings.Contains(strings.ToLower(d.Name), low) {
			if found != nil {
				return nil // ambiguous
			}
			found = d
		}
	}
	return found
}
