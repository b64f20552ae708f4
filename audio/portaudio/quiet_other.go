//go:build !linux

package portaudio

func quietAudioLibs() {}
