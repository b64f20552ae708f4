// Package audio is Greffier's sound front end: it lists and opens PortAudio inputs,
// records consultations into a crash-safe spool, imports audio files, and hands
// every other package 16 kHz mono float32 samples.
//
//   - LoadFile / Decode read WAV (PCM 8/16/24/32, float 32/64, EXTENSIBLE, RF64),
//     FLAC, MP3 (MPEG-1 Layer III), Ogg Vorbis and Ogg Opus (libopusfile, cgo);
//     anything else or anything broken is a *domain.Error EInvalid naming the
//     file and the problem.
//   - Resampler is a Kaiser-windowed sinc polyphase converter (stop band ≥ 80 dB
//     from the lower Nyquist frequency).
//   - InputDevices, OpenDevice (PortAudio; only devices.go and capture_pa.go see it).
//   - Recorder turns a Source into a recording: level, clipping and no-signal
//     events, pause/resume, bookmarks, a consent record it cannot run without, a
//     spool on disk (SPOOL.md) synced every 500 ms, and Recover for the spools of
//     recordings a crash interrupted.
//   - WriteWAV writes 16-bit mono WAV atomically.
package audio
