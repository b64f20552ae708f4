package audio

import (
	"fmt"
	"math"
)

// Resampler converts a stream of mono float32 samples from one rate to another with a
// Kaiser-windowed sinc low-pass filter evaluated in polyphase form. The pass band ends
// at 87.5% of the lower Nyquist frequency and the stop band (at least 80 dB down)
// starts at the lower Nyquist frequency, so nothing above 8 kHz aliases into a 16 kHz
// output. The filter is symmetric around each output instant: there is no delay.
//
// A Resampler keeps state between calls; it is not safe for concurrent use.
type Resampler struct {
	inRate, outRate int
	up, down        int64 // output instant n sits at input time n*down/up

	half   int         // filter half-width in input samples
	phases int         // rows in the coefficient table
	table  [][]float32 // table[q][k]: weight of input i-half+1+k at fraction q/phases past i

	buf  []float32 // input samples; buf[0] is absolute input index base
	base int64
	// next output: centred on input index pos + rem/up
	pos int64
	rem int64
	fed int64 // input samples received
	out int64 // output samples produced
}

// maxTableFloats bounds the coefficient table (1 MB). Common rate pairs need far
// less (44.1 kHz: 160 phases × 222 taps); past it, phases are interpolated.
const maxTableFloats = 1 << 18

// Limits on rates we accept, from files and devices alike.
const (
	MinRate = 1000
	MaxRate = 768000
)

// NewResampler returns a resampler from inRate to outRate (both in Hz).
func NewResampler(inRate, outRate int) (*Resampler, error) {
	if inRate < MinRate || inRate > MaxRate || outRate < MinRate || outRate > MaxRate {
		return nil, fmt.Errorf("resample %d Hz to %d Hz: rate outside %d..%d Hz", inRate, outRate, MinRate, MaxRate)
	}
	g := gcd(inRate, outRate)
	r := &Resampler{inRate: inRate, outRate: outRate, up: int64(outRate / g), down: int64(inRate / g)}
	if inRate == outRate {
		return r, nil
	}
	const atten = 80.0 // stop-band attenuation, dB
	edge := float64(min(inRate, outRate)) / 2
	pass := 0.875 * edge
	cutoff := (pass + edge) / 2 / float64(inRate) // cycles per input sample
	width := 2 * math.Pi * (edge - pass) / float64(inRate)
	taps := (atten - 8) / (2.285 * width)
	r.half = int(math.Ceil(taps/2)) + 1
	beta := 0.1102 * (atten - 8.7)

	r.phases = int(r.up)
	if r.phases*2*r.half > maxTableFloats {
		r.phases = max(32, maxTableFloats/(2*r.half))
	}
	i0b := besselI0(beta)
	r.table = make([][]float32, r.phases+1)
	for q := range r.table {
		row := make([]float32, 2*r.half)
		frac := float64(q) / float64(r.phases)
		for k := range row {
			// distance from the output instant to input i-half+1+k
			t := frac - float64(k-r.half+1)
			x := t / float64(r.half)
			if x <= -1 || x >= 1 {
				continue
			}
			w := besselI0(beta*math.Sqrt(1-x*x)) / i0b
			row[k] = float32(2 * cutoff * sinc(2*cutoff*t) * w)
		}
		r.table[q] = row
	}
	// Samples before the start are silence.
	r.buf = make([]float32, r.half-1, 4096)
	r.base = -int64(r.half - 1)
	return r, nil
}

// Process appends to dst the output for the input samples in, and returns it.
// Output lags input by the filter's half-width until Flush.
func (r *Resampler) Process(dst, in []float32) []float32 {
	if r.inRate == r.outRate {
		r.fed += int64(len(in))
		r.out += int64(len(in))
		return append(dst, in...)
	}
	r.buf = append(r.buf, in...)
	r.fed += int64(len(in))
	dst = r.emit(dst, r.base+int64(len(r.buf)))
	r.compact()
	return dst
}

// Flush appends the remaining output, as if the input were followed by silence, so
// that the total output is ceil(inputs * outRate / inRate) samples. The resampler
// can be reused afterwards for a new stream only through Reset.
func (r *Resampler) Flush(dst []float32) []float32 {
	if r.inRate == r.outRate {
		return dst
	}
	want := (r.fed*r.up + r.down - 1) / r.down
	r.buf = append(r.buf, make([]float32, r.half+1)...)
	end := r.base + int64(len(r.buf))
	for r.out < want && r.pos+int64(r.half) < end {
		dst = r.one(dst)
	}
	r.compact()
	return dst
}

// Reset forgets all input, ready for a new stream.
func (r *Resampler) Reset() {
	if r.inRate == r.outRate {
		r.fed, r.out = 0, 0
		return
	}
	r.buf = r.buf[:r.half-1]
	clear(r.buf)
	r.base = -int64(r.half - 1)
	r.pos, r.rem, r.fed, r.out = 0, 0, 0, 0
}

// emit produces every output whose filter window ends before input index end.
func (r *Resampler) emit(dst []float32, end int64) []float32 {
	for r.pos+int64(r.half) < end {
		dst = r.one(dst)
	}
	return dst
}

func (r *Resampler) one(dst []float32) []float32 {
	start := int(r.pos - int64(r.half) + 1 - r.base)
	win := r.buf[start : start+2*r.half]
	var acc float32
	if int64(r.phases) == r.up {
		row := r.table[r.rem]
		for k, c := range row {
			acc += c * win[k]
		}
	} else {
		p := float64(r.rem) * float64(r.phases) / float64(r.up)
		q := int(p)
		f := float32(p - float64(q))
		a, b := r.table[q], r.table[q+1]
		for k := range a {
			acc += ((1-f)*a[k] + f*b[k]) * win[k]
		}
	}
	dst = append(dst, acc)
	r.out++
	r.rem += r.down
	r.pos += r.rem / r.up
	r.rem %= r.up
	return dst
}

// compact drops input samples no later output can need.
func (r *Resampler) compact() {
	keep := r.pos - int64(r.half) + 1 // first index the next output reads
	drop := int(keep - r.base)
	if drop <= 0 || drop < len(r.buf)/2 {
		return
	}
	if drop > len(r.buf) {
		drop = len(r.buf)
	}
	n := copy(r.buf, r.buf[drop:])
	r.buf = r.buf[:n]
	r.base += int64(drop)
}

func sinc(x float64) float64 {
	if x == 0 {
		return 1
	}
	return math.Sin(math.Pi*x) / (math.Pi * x)
}

// besselI0 is the modified Bessel function of the first kind, order 0 (power series).
func besselI0(x float64) float64 {
	sum, term := 1.0, 1.0
	for k := 1; k < 200; k++ {
		term *= (x / (2 * float64(k))) * (x / (2 * float64(k)))
		sum += term
		if term < sum*1e-16 {
			break
		}
	}
	return sum
}

func gcd(a, b int) int {
	for b != 0 {
		a, b = b, a%b
	}
	return a
}
