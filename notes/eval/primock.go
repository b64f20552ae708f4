package eval

import (
	"bufio"
	"encoding/json"
	"fmt"
	"os"
	"path/filepath"
	"regexp"
	"sort"
	"strconv"
	"strings"

	"greffier/domain"
)

// LoadPriMock57 reads PriMock57's consultations (dir: the primock57 folder): the two
// TextGrid transcripts of each, joined by time into a "[doctor] ..." / "[patient] ..."
// dialogue, and the clinician's note as the reference. None of Greffier's rules or
// models was written on or trained on these consultations.
func LoadPriMock57(dir string) ([]Example, error) {
	notes, err := filepath.Glob(filepath.Join(dir, "notes", "day*.json"))
	if err != nil {
		return nil, err
	}
	if len(notes) == 0 {
		return nil, domain.Errorf(domain.ENotFound, "no PriMock57 notes in %s", dir)
	}
	sort.Strings(notes)
	var out []Example
	for _, path := range notes {
		id := strings.TrimSuffix(filepath.Base(path), ".json")
		raw, err := os.ReadFile(path)
		if err != nil {
			return nil, err
		}
		var n struct {
			Note string `json:"note"`
		}
		if err := json.Unmarshal(raw, &n); err != nil {
			return nil, domain.Wrap(domain.EInvalid, err, "PriMock57 note %s", id)
		}
		type turn struct {
			at   float64
			line string
		}
		var turns []turn
		for _, who := range []string{"doctor", "patient"} {
			ivs, err := readTextGrid(filepath.Join(dir, "transcripts", id+"_"+who+".TextGrid"))
			if err != nil {
				return nil, err
			}
			for _, iv := range ivs {
				turns = append(turns, turn{iv.at, "[" + who + "] " + iv.text})
			}
		}
		sort.SliceStable(turns, func(i, j int) bool { return turns[i].at < turns[j].at })
		lines := make([]string, len(turns))
		for i, t := range turns {
			lines[i] = t.line
		}
		out = append(out, Example{ID: "primock57/" + id, Dialogue: strings.Join(lines, "\n"), Reference: n.Note})
	}
	return out, nil
}

type interval struct {
	at   float64
	text string
}

var (
	tgXmin = regexp.MustCompile(`^\s*xmin = ([0-9.]+)`)
	tgText = regexp.MustCompile(`^\s*text = "(.*)"\s*$`)
	tgTag  = regexp.MustCompile(`</?[A-Za-z_]+/?>`)
)

// readTextGrid returns the non-empty intervals of a Praat TextGrid (long text
// format), without PriMock57's inline tags (<UNSURE>, <UNIN/>).
func readTextGrid(path string) ([]interval, error) {
	f, err := os.Open(path)
	if err != nil {
		return nil, domain.Wrap(domain.ENotFound, err, "PriMock57 transcript %s", filepath.Base(path))
	}
	defer f.Close()
	var out []interval
	at := -1.0
	sc := bufio.NewScanner(f)
	sc.Buffer(make([]byte, 1<<20), 1<<20)
	for sc.Scan() {
		line := strings.TrimRight(sc.Text(), "\r")
		if m := tgXmin.FindStringSubmatch(line); m != nil {
			at, _ = strconv.ParseFloat(m[1], 64)
			continue
		}
		m := tgText.FindStringSubmatch(line)
		if m == nil {
			continue
		}
		text := strings.Join(strings.Fields(tgTag.ReplaceAllString(strings.ReplaceAll(m[1], `""`, `"`), " ")), " ")
		if text != "" && at >= 0 {
			out = append(out, interval{at, text})
		}
	}
	if err := sc.Err(); err != nil {
		return nil, fmt.Errorf("read %s: %w", filepath.Base(path), err)
	}
	return out, nil
}

// impressionHead starts a PriMock57 note's impression ("Imp:", "Impression:");
// planHead ends it.
var (
	impressionHead = regexp.MustCompile(`(?i)^\s*(?:imp|impression|diagnosis|dx|ddx|assessment)\b\s*[:\-]?\s*`)
	planHead       = regexp.MustCompile(`(?i)^\s*(?:plans?|pln|mx|management|ix|investigations?|ice|safety ?net\w*)\b`)
	// doubtMark: "?LRTI" is the clinician's "possible LRTI".
	doubtMark = regexp.MustCompile(`\?\s*`)
)

// impressionOf returns a PriMock57 note's impression, the part a coder codes from,
// with "?X" written "possible X"; a note without one is coded from its plan.
func impressionOf(note string) string {
	var b strings.Builder
	in := false
	lines := strings.Split(note, "\n")
	for _, line := range lines {
		if loc := impressionHead.FindStringIndex(line); loc != nil {
			in = true
			line = line[loc[1]:]
		} else if in && planHead.MatchString(line) {
			in = false
		}
		if in {
			b.WriteString(doubtMark.ReplaceAllString(line, " possible ") + "\n")
		}
	}
	if strings.TrimSpace(b.String()) != "" {
		return b.String()
	}
	for _, line := range lines {
		in = in || planHead.MatchString(line) && strings.HasPrefix(strings.ToLower(strings.TrimSpace(line)), "pl")
		if in {
			b.WriteString(doubtMark.ReplaceAllString(line, " possible ") + "\n")
		}
	}
	return b.String()
}
