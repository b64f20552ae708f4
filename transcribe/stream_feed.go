package transcribe

import (
	"context"
	"time"
)

// Feed writes samples to w in chunks at speed times real time (speed <= 0: as fast
// as possible), as a microphone would deliver them. It returns ctx's error if ctx
// ends first.
func Feed(ctx context.Context, w interface{ Write([]float32) error }, samples []float32, speed float64, chunk time.Duration) error {
	if chunk <= 0 {
		chunk = 100 * time.Millisecond
	}
	n := int(chunk.Seconds() * SampleRate)
	start := time.Now()
	for off := 0; off < len(samples); off += n {
		end := min(off+n, len(samples))
		if speed > 0 {
			due := start.Add(time.Duration(float64(end) / SampleRate / speed * float64(time.Second)))
			if d := time.Until(due); d > 0 {
				t := time.NewTimer(d)
				select {
				case <-t.C:
				case <-ctx.Done():
					t.Stop()
					return ctx.Err()
				}
			}
		} else if err := ctx.Err(); err != nil {
			return err
		}
		if err := w.Write(samples[off:end]); err != nil {
			return err
		}
	}
	return nil
}
