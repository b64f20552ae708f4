package llmdraft_test

import (
	"bufio"
	"fmt"
	"os"
	"path/filepath"
	"regexp"
	"sort"
	"strconv"
	"strings"

	"greffier/domain"
	"greffier/llm/benchmodel"
)

// PriMock57's manual transcripts (TextGrid, one file per speaker, real timings) make
// the benchmark's visits: consultations are joined until the visit lasts as long as
// asked, keeping each utterance's real start and end.

var (
	tgField = regexp.MustCompile(`^\s*(xmin|xmax|text) = (.*?)\s*$`)
	tgTag   = regexp.MustCompile(`</?[A-Z]+/?>`)
)

// readTextGrid returns the non-empty intervals of a Praat TextGrid.
func readTextGrid(path string, role domain.Role) ([]domain.Segment, error) {
	f, err := os.Open(path)
	if err != nil {
		return nil, err
	}
	defer f.Close()
	var out []domain.Segment
	var start, end float64
	sc := bufio.NewScanner(f)
	sc.Buffer(make([]byte, 1<<20), 1<<20)
	for sc.Scan() {
		m := tgField.FindStringSubmatch(sc.Text())
		if m == nil {
			continue
		}
		switch m[1] {
		case "xmin":
			start, _ = strconv.ParseFloat(m[2], 64)
		case "xmax":
			end, _ = strconv.ParseFloat(m[2], 64)
		case "text":
			text := strings.Trim(m[2], `"`)
			text = strings.Join(strings.Fields(tgTag.ReplaceAllString(text, " ")), " ")
			if text != "" {
				out = append(out, domain.Segment{Role: role, Text: benchmodel.ASCII(text), StartMS: int64(start * 1000), EndMS: int64(end * 1000)})
			}
		}
	}
	return out, sc.Err()
}

// primockVisit joins PriMock57 consultations into a visit of minutes minutes.
func primockVisit(dir string, minutes int) ([]domain.Segment, error) {
	doctors, err := filepath.Glob(filepath.Join(dir, "transcripts", "*_doctor.TextGrid"))
	if err != nil || len(doctors) == 0 {
		return nil, fmt.Errorf("no PriMock57 transcripts in %s", dir)
	}
	sort.Strings(doctors)
	limit := int64(minutes) * 60_000
	var visit []domain.Segment
	var offset int64
	for _, doc := range doctors {
		a, err := readTextGrid(doc, domain.RoleClinician)
		if err != nil {
			return nil, err
		}
		b, err := readTextGrid(strings.TrimSuffix(doc, "_doctor.TextGrid")+"_patient.TextGrid", domain.RolePatient)
		if err != nil {
			return nil, err
		}
		segs := append(a, b...)
		sort.Slice(segs, func(i, j int) bool { return segs[i].StartMS < segs[j].StartMS })
		var last int64
		for _, s := range segs {
			s.StartMS += offset
			s.EndMS += offset
			if s.EndMS > limit {
				return visit, nil
			}
			s.ID, s.Turn = len(visit), len(visit)
			visit = append(visit, s)
			last = s.EndMS
		}
		offset = last + 2000
	}
	return nil, fmt.Errorf("PriMock57 has less than %d minutes of consultations", minutes)
}

// windows groups a visit's segments by the 30-second stretch in which they end, as
// a streaming transcriber makes them final.
func windows(segs []domain.Segment) [][]domain.Segment {
	var out [][]domain.Segment
	for _, s := range segs {
		k := int(s.EndMS / 30_000)
		for len(out) <= k {
			out = append(out, nil)
		}
		out[k] = append(out[k], s)
	}
	return out
}
