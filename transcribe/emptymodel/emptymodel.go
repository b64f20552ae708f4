// Package emptymodel writes whisper.cpp ggml model files that hold the
// hyper-parameters, mel filter bank and a vocabulary of a given model size, but no
// tensors. whisper.cpp loads such a file ("assuming empty model for testing") and runs
// the full encoder and decoder compute with zero weights, so tests and benchmarks can
// exercise and time the real engine on this machine, where no weights can be fetched.
// The text such a model produces is meaningless.
package emptymodel

import (
	"bufio"
	"encoding/binary"
	"fmt"
	"greffier/atomicfile"
	"io"
	"math"
	"sort"
	"strings"
)

// Magic is the ggml file magic whisper.cpp checks ("ggml", little-endian).
const Magic = 0x67676d6c

// Hyper are a whisper model's hyper-parameters, in the order the file stores them.
type Hyper struct {
	NVocab      int32
	NAudioCtx   int32
	NAudioState int32
	NAudioHead  int32
	NAudioLayer int32
	NTextCtx    int32
	NTextState  int32
	NTextHead   int32
	NTextLayer  int32
	NMels       int32
	FType       int32
}

// Vocabulary sizes: English-only models have 51864 token ids, multilingual 51865.
// The file lists the 50257 ordinary tokens; whisper.cpp derives the special ones.
const (
	vocabEnglish      = 51864
	vocabMultilingual = 51865
	vocabOrdinary     = 50257
)

// sizes holds the encoder/decoder shapes of the models we can write.
var sizes = map[string][3]int32{ // state, heads, layers
	"tiny":   {384, 6, 4},
	"base":   {512, 8, 6},
	"small":  {768, 12, 12},
	"medium": {1024, 16, 24},
}

// Kinds lists the model kinds Write accepts, sorted.
func Kinds() []string {
	var out []string
	for k := range sizes {
		out = append(out, k, k+".en")
	}
	sort.Strings(out)
	return out
}

// HyperFor returns the hyper-parameters of a model kind such as "tiny.en" or "base".
func HyperFor(kind string) (Hyper, error) {
	name, english := strings.CutSuffix(kind, ".en")
	s, ok := sizes[name]
	if !ok {
		return Hyper{}, fmt.Errorf("unknown whisper model kind %q (known: %s)", kind, strings.Join(Kinds(), ", "))
	}
	h := Hyper{
		NVocab: vocabMultilingual, NAudioCtx: 1500, NAudioState: s[0], NAudioHead: s[1], NAudioLayer: s[2],
		NTextCtx: 448, NTextState: s[0], NTextHead: s[1], NTextLayer: s[2], NMels: 80, FType: 1,
	}
	if english {
		h.NVocab = vocabEnglish
	}
	return h, nil
}

// Write creates an empty model of the given kind at path, atomically (a temporary file
// renamed into place), so a reader never sees half a model.
func Write(path, kind string) error {
	h, err := HyperFor(kind)
	if err != nil {
		return err
	}
	err = atomicfile.Write(path, 0o644, func(f io.Writer) error {
		w := bufio.NewWriter(f)
		if err := encode(w, h); err != nil {
			return err
		}
		return w.Flush()
	})
	if err != nil {
		return fmt.Errorf("write empty model %s: %w", path, err)
	}
	return nil
}

func encode(w *bufio.Writer, h Hyper) error {
	le := binary.LittleEndian
	if err := binary.Write(w, le, uint32(Magic)); err != nil {
		return err
	}
	if err := binary.Write(w, le, h); err != nil {
		return err
	}
	filters := MelFilters(int(h.NMels), 400, 16000)
	if err := binary.Write(w, le, [2]int32{h.NMels, 201}); err != nil {
		return err
	}
	if err := binary.Write(w, le, filters); err != nil {
		return err
	}
	if err := binary.Write(w, le, int32(vocabOrdinary)); err != nil {
		return err
	}
	for i := 0; i < vocabOrdinary; i++ {
		tok := Token(i)
		if err := binary.Write(w, le, uint32(len(tok))); err != nil {
			return err
		}
		if _, err := w.WriteString(tok); err != nil {
			return err
		}
	}
	return nil
}

// Token is the text of ordinary token i in our synthetic vocabulary: the 256 single
// bytes first (as byte-level BPE vocabularies start), then stand-in words. Without
// weights the decoder's choices carry no meaning, so the vocabulary need only have the
// right size and valid entries; real models bring their own.
func Token(i int) string {
	if i < 256 {
		return string([]byte{byte(i)})
	}
	return fmt.Sprintf(" w%d", i)
}

// MelFilters returns the Slaney-style mel filter bank whisper uses (librosa's
// filters.mel with norm="slaney", fmin 0, fmax sr/2), row-major nMels × (nFFT/2+1).
func MelFilters(nMels, nFFT, sampleRate int) []float32 {
	nBins := nFFT/2 + 1
	fftFreqs := make([]float64, nBins)
	for k := range fftFreqs {
		fftFreqs[k] = float64(k) * float64(sampleRate) / float64(nFFT)
	}
	lo, hi := hzToMel(0), hzToMel(float64(sampleRate)/2)
	melF := make([]float64, nMels+2)
	for i := range melF {
		melF[i] = melToHz(lo + (hi-lo)*float64(i)/float64(nMels+1))
	}
	out := make([]float32, nMels*nBins)
	for m := 0; m < nMels; m++ {
		enorm := 2 / (melF[m+2] - melF[m])
		for k, f := range fftFreqs {
			lower := (f - melF[m]) / (melF[m+1] - melF[m])
			upper := (melF[m+2] - f) / (melF[m+2] - melF[m+1])
			out[m*nBins+k] = float32(math.Max(0, math.Min(lower, upper)) * enorm)
		}
	}
	return out
}

// The Slaney mel scale: linear below 1 kHz, logarithmic above.
const (
	melFSp      = 200.0 / 3
	melMinLogHz = 1000.0
	melMinLog   = melMinLogHz / melFSp
)

// melLogStep is ln(6.4)/27, written out so it can be a constant.
const melLogStep = 0.06875177742094912

func hzToMel(f float64) float64 {
	if f < melMinLogHz {
		return f / melFSp
	}
	return melMinLog + math.Log(f/melMinLogHz)/melLogStep
}

func melToHz(m float64) float64 {
	if m < melMinLog {
		return m * melFSp
	}
	return melMinLogHz * math.Exp(melLogStep*(m-melMinLog))
}
