package models

import (
	"bufio"
	"os"
	"runtime"
	"strconv"
	"strings"
)

// Suggestion is the model we advise for a machine, and why.
type Suggestion struct {
	Name   string
	Reason string
}

// Suggest picks a catalogue model for a machine with ramBytes of memory and cores
// CPU cores (0: unknown, assume little). Streaming must keep up with speech: on 2
// threads the encoder of base takes about 3.5 s per 30 s window (measured here with
// whisper-bench), small about three times that, so small needs 4 cores and the large
// models 8 with room in memory. englishOnly picks the .en variant, which is more
// accurate in English at the same size.
func Suggest(ramBytes uint64, cores int, englishOnly bool) Suggestion {
	const gib = 1 << 30
	var s Suggestion
	switch {
	case ramBytes > 0 && ramBytes < 2*gib:
		s = Suggestion{"tiny", "less than 2 GiB of memory"}
	case cores >= 8 && ramBytes >= 8*gib:
		s = Suggestion{"large-v3-turbo-q5_0", "8 or more cores and 8 GiB or more of memory"}
	case cores >= 4 && ramBytes >= 4*gib:
		s = Suggestion{"small", "4 or more cores and 4 GiB or more of memory"}
	default:
		s = Suggestion{"base", "fewer than 4 cores: a larger model could not keep up with speech"}
	}
	if englishOnly && !strings.HasPrefix(s.Name, "large") {
		s.Name += ".en"
	}
	return s
}

// SuggestHere is Suggest for this machine.
func SuggestHere(englishOnly bool) Suggestion {
	return Suggest(SystemRAM(), runtime.NumCPU(), englishOnly)
}

// SystemRAM returns the machine's memory in bytes (Linux /proc/meminfo), 0 if unknown.
func SystemRAM() uint64 {
	f, err := os.Open("/proc/meminfo")
	if err != nil {
		return 0
	}
	defer f.Close()
	sc := bufio.NewScanner(f)
	for sc.Scan() {
		fields := strings.Fields(sc.Text())
		if len(fields) >= 2 && fields[0] == "MemTotal:" {
			kb, err := strconv.ParseUint(fields[1], 10, 64)
			if err != nil {
				return 0
			}
			return kb * 1024
		}
	}
	return 0
}
