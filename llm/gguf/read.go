package gguf

import (
	"bufio"
	"encoding/binary"
	"errors"
	"fmt"
	"io"
	"math"
	"os"
)

// Header is what a GGUF file says about its model, read without loading tensors.
type Header struct {
	Version      uint32
	Architecture string // general.architecture, e.g. "llama", "qwen2"
	Name         string // general.name, if any
	FileType     uint32 // general.file_type (llama_ftype), FileTypeUnknown if absent
	Context      int    // trained context length
	Embed        int
	Layers       int
	FF           int
	Heads        int
	KVHeads      int // = Heads when the file does not say
	HeadDim      int // key length per head (Embed/Heads unless the file says)
	Vocab        int
	Params       uint64 // sum of the tensors' elements
	TensorBytes  uint64 // the tensors' data, as stored
	Tensors      int
}

// FileTypeUnknown: the file does not declare general.file_type.
const FileTypeUnknown = math.MaxUint32

// ErrNotGGUF: the file does not start with the GGUF magic or is malformed.
var ErrNotGGUF = errors.New("not a GGUF model file")

// Quantization names a llama_ftype value as llama.cpp's tools do.
func (h Header) Quantization() string {
	names := map[uint32]string{0: "F32", 1: "F16", 2: "Q4_0", 3: "Q4_1", 7: "Q8_0", 8: "Q5_0", 9: "Q5_1",
		10: "Q2_K", 11: "Q3_K_S", 12: "Q3_K_M", 13: "Q3_K_L", 14: "Q4_K_S", 15: "Q4_K_M", 16: "Q5_K_S",
		17: "Q5_K_M", 18: "Q6_K", 19: "IQ2_XXS", 20: "IQ2_XS", 21: "Q2_K_S", 22: "IQ3_XS", 23: "IQ3_XXS",
		24: "IQ1_S", 25: "IQ4_NL", 26: "IQ3_S", 27: "IQ3_M", 28: "IQ2_S", 29: "IQ2_M", 30: "IQ4_XS",
		31: "IQ1_M", 32: "BF16", 36: "TQ1_0", 37: "TQ2_0", 38: "MXFP4"}
	if n, ok := names[h.FileType]; ok {
		return n
	}
	if h.FileType == FileTypeUnknown {
		return "unknown"
	}
	return fmt.Sprintf("ftype %d", h.FileType)
}

// ReadHeaderFile reads the header of the GGUF file at path.
func ReadHeaderFile(path string) (Header, error) {
	f, err := os.Open(path)
	if err != nil {
		return Header{}, fmt.Errorf("open gguf: %w", err)
	}
	defer f.Close()
	h, err := ReadHeader(f)
	if err != nil {
		return Header{}, fmt.Errorf("%s: %w", path, err)
	}
	return h, nil
}

// maxCount bounds counts read from a file, so that a corrupt one cannot make us
// allocate or loop without end.
const maxCount = 1 << 24

// ReadHeader reads the metadata and tensor table from r.
func ReadHeader(r io.Reader) (Header, error) {
	d := &dec{r: bufio.NewReaderSize(r, 1<<16)}
	var magic [4]byte
	d.read(magic[:])
	if d.err != nil || string(magic[:]) != "GGUF" {
		return Header{}, ErrNotGGUF
	}
	h := Header{Version: d.u32(), FileType: FileTypeUnknown}
	if h.Version < 2 || h.Version > 3 {
		return Header{}, fmt.Errorf("%w: version %d", ErrNotGGUF, h.Version)
	}
	nt, nkv := d.u64(), d.u64()
	if nt > maxCount || nkv > maxCount {
		return Header{}, fmt.Errorf("%w: %d tensors, %d keys", ErrNotGGUF, nt, nkv)
	}
	ints := map[string]uint64{}
	for i := uint64(0); i < nkv && d.err == nil; i++ {
		key := d.str()
		typ := d.u32()
		switch {
		case key == "general.architecture" && typ == tString:
			h.Architecture = d.str()
		case key == "general.name" && typ == tString:
			h.Name = d.str()
		case key == "tokenizer.ggml.tokens" && typ == tArray:
			et, n := d.u32(), d.u64()
			h.Vocab = int(n)
			d.skipArray(et, n)
		default:
			if v, ok := d.scalar(typ); ok {
				ints[key] = v
			}
		}
	}
	arch := h.Architecture
	get := func(k string) int { return int(ints[arch+"."+k]) }
	if ft, ok := ints["general.file_type"]; ok {
		h.FileType = uint32(ft)
	}
	h.Context, h.Embed, h.Layers, h.FF = get("context_length"), get("embedding_length"), get("block_count"), get("feed_forward_length")
	h.Heads, h.KVHeads, h.HeadDim = get("attention.head_count"), get("attention.head_count_kv"), get("attention.key_length")
	if h.KVHeads == 0 {
		h.KVHeads = h.Heads
	}
	if h.HeadDim == 0 && h.Heads > 0 {
		h.HeadDim = h.Embed / h.Heads
	}
	for i := uint64(0); i < nt && d.err == nil; i++ {
		d.str()
		nd := d.u32()
		if nd > 8 {
			return Header{}, fmt.Errorf("%w: tensor with %d dimensions", ErrNotGGUF, nd)
		}
		n := uint64(1)
		for j := uint32(0); j < nd; j++ {
			n *= d.u64()
		}
		typ := d.u32()
		d.u64() // offset
		h.Params += n
		h.TensorBytes += tensorBytes(typ, n)
		h.Tensors++
	}
	if d.err != nil {
		return Header{}, fmt.Errorf("%w: %v", ErrNotGGUF, d.err)
	}
	if h.Architecture == "" {
		return Header{}, fmt.Errorf("%w: no general.architecture", ErrNotGGUF)
	}
	return h, nil
}

// tensorBytes is the stored size of n elements of a ggml type (block size, bytes
// per block); unknown types count as one byte per element, which only skews
// estimates.
func tensorBytes(typ uint32, n uint64) uint64 {
	blocks := map[uint32][2]uint64{0: {1, 4}, 1: {1, 2}, 2: {32, 18}, 3: {32, 20}, 6: {32, 22}, 7: {32, 24},
		8: {32, 34}, 9: {32, 36}, 10: {256, 84}, 11: {256, 110}, 12: {256, 144}, 13: {256, 176},
		14: {256, 210}, 15: {256, 292}, 30: {1, 2}}
	b, ok := blocks[typ]
	if !ok {
		return n
	}
	return (n + b[0] - 1) / b[0] * b[1]
}

// dec reads little-endian GGUF primitives and remembers the first error.
type dec struct {
	r   *bufio.Reader
	err error
	buf [8]byte
}

func (d *dec) read(b []byte) {
	if d.err == nil {
		_, d.err = io.ReadFull(d.r, b)
	}
}

func (d *dec) u32() uint32 { d.read(d.buf[:4]); return binary.LittleEndian.Uint32(d.buf[:4]) }
func (d *dec) u64() uint64 { d.read(d.buf[:8]); return binary.LittleEndian.Uint64(d.buf[:8]) }

func (d *dec) str() string {
	n := d.u64()
	if d.err != nil {
		return ""
	}
	if n > 1<<20 {
		d.err = fmt.Errorf("string of %d bytes", n)
		return ""
	}
	b := make([]byte, n)
	d.read(b)
	return string(b)
}

func (d *dec) skip(n uint64) {
	if d.err == nil {
		_, d.err = io.CopyN(io.Discard, d.r, int64(n))
	}
}

// scalarSize is the byte size of the fixed-size GGUF value types.
var scalarSize = map[uint32]uint64{0: 1, 1: 1, 2: 2, 3: 2, 4: 4, 5: 4, 6: 4, 7: 1, 10: 8, 11: 8, 12: 8}

// scalar reads a value of type typ; integer values are returned, others skipped.
func (d *dec) scalar(typ uint32) (uint64, bool) {
	switch typ {
	case tString:
		d.str()
		return 0, false
	case tArray:
		et, n := d.u32(), d.u64()
		d.skipArray(et, n)
		return 0, false
	case 4: // uint32
		return uint64(d.u32()), true
	case 5: // int32
		return uint64(int32(d.u32())), true
	case 10, 11: // uint64, int64
		return d.u64(), true
	}
	size, ok := scalarSize[typ]
	if !ok {
		d.err = fmt.Errorf("unknown value type %d", typ)
		return 0, false
	}
	switch size {
	case 1:
		d.read(d.buf[:1])
		return uint64(d.buf[0]), true
	case 2:
		d.read(d.buf[:2])
		return uint64(binary.LittleEndian.Uint16(d.buf[:2])), true
	}
	d.skip(size)
	return 0, false
}

func (d *dec) skipArray(et uint32, n uint64) {
	if n > maxCount*4 {
		d.err = fmt.Errorf("array of %d values", n)
		return
	}
	if size, ok := scalarSize[et]; ok {
		d.skip(size * n)
		return
	}
	for i := uint64(0); i < n && d.err == nil; i++ {
		d.scalar(et)
	}
}
