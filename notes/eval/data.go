package eval

import (
	"encoding/csv"
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"regexp"
	"strings"

	"greffier/domain"
)

// Example is one dialogue with its reference text.
type Example struct {
	ID        string
	Dialogue  string
	Reference string
	// Section is the reference's section header for MTS-Dialog examples ("GENHX").
	Section string
}

// LoadACIBench reads ACI-Bench's train and valid splits (dialogue → full note) from
// dir (the aci-bench folder).
func LoadACIBench(dir string) ([]Example, error) {
	var out []Example
	for _, split := range []string{"train", "valid"} {
		rows, err := readCSV(filepath.Join(dir, split+".csv"), "encounter_id", "dialogue", "note")
		if err != nil {
			return nil, err
		}
		for _, r := range rows {
			out = append(out, Example{ID: split + "/" + r[0], Dialogue: r[1], Reference: r[2]})
		}
	}
	return out, nil
}

// LoadMTSDialog reads MTS-Dialog's training and validation sets (dialogue → one
// section) from dir (the mts-dialog folder).
func LoadMTSDialog(dir string) ([]Example, error) {
	var out []Example
	for _, split := range []string{"TrainingSet", "ValidationSet"} {
		rows, err := readCSV(filepath.Join(dir, "MTS-Dialog-"+split+".csv"), "ID", "section_header", "section_text", "dialogue")
		if err != nil {
			return nil, err
		}
		for _, r := range rows {
			out = append(out, Example{ID: split + "/" + r[0], Section: strings.ToUpper(strings.TrimSpace(r[1])), Reference: r[2], Dialogue: r[3]})
		}
	}
	return out, nil
}

// readCSV returns the named columns of every row.
func readCSV(path string, cols ...string) ([][]string, error) {
	f, err := os.Open(path)
	if err != nil {
		if errors.Is(err, fs.ErrNotExist) {
			return nil, domain.Wrap(domain.ENotFound, err, "data set file %s", path)
		}
		return nil, fmt.Errorf("open %s: %w", path, err)
	}
	defer f.Close()
	r := csv.NewReader(f)
	r.FieldsPerRecord = -1
	recs, err := r.ReadAll()
	if err != nil {
		return nil, domain.Wrap(domain.EInvalid, err, "read CSV %s", path)
	}
	if len(recs) == 0 {
		return nil, domain.Errorf(domain.EInvalid, "%s is empty", path)
	}
	idx := make([]int, len(cols))
	for i, c := range cols {
		idx[i] = -1
		for j, h := range recs[0] {
			if strings.TrimSpace(strings.TrimPrefix(h, "\ufeff")) == c {
				idx[i] = j
			}
		}
		if idx[i] < 0 {
			return nil, domain.Errorf(domain.EInvalid, "%s has no column %q", path, c)
		}
	}
	var out [][]string
	for n, rec := range recs[1:] {
		row := make([]string, len(cols))
		for i, j := range idx {
			if j >= len(rec) {
				return nil, domain.Errorf(domain.EInvalid, "%s row %d has %d fields", path, n+2, len(rec))
			}
			row[i] = rec[j]
		}
		out = append(out, row)
	}
	return out, nil
}

// noteHeader matches ACI-Bench's section headers: a line in capitals ("CHIEF
// COMPLAINT", "HPI:").
var noteHeader = regexp.MustCompile(`^[A-Z][A-Z &/,'-]{1,58}:?$`)

// aciSections maps ACI-Bench note headers to the keys of the hp template.
var aciSections = map[string]string{
	"CHIEF COMPLAINT": "chief_complaint", "CC": "chief_complaint",
	"HISTORY OF PRESENT ILLNESS": "hpi", "HPI": "hpi",
	"MEDICAL HISTORY": "past_history", "PAST HISTORY": "past_history", "PAST MEDICAL HISTORY": "past_history",
	"SURGICAL HISTORY": "past_history", "PAST SURGICAL HISTORY": "past_history", "SOCIAL HISTORY": "past_history",
	"FAMILY HISTORY": "past_history", "MEDICATIONS": "past_history", "CURRENT MEDICATIONS": "past_history",
	"ALLERGIES": "past_history", "BIRTH HISTORY": "past_history",
	"REVIEW OF SYSTEMS": "review_of_systems",
	"PHYSICAL EXAM":     "physical_exam", "PHYSICAL EXAMINATION": "physical_exam", "EXAM": "physical_exam",
	"VITALS": "physical_exam", "VITALS REVIEWED": "physical_exam",
	"RESULTS":             "results",
	"ASSESSMENT AND PLAN": "assessment_plan", "ASSESSMENT": "assessment_plan", "PLAN": "assessment_plan",
	"IMPRESSION": "assessment_plan", "INSTRUCTIONS": "assessment_plan", "PROCEDURE": "assessment_plan",
}

// referenceSections returns the hp section keys that an ACI-Bench note has.
func referenceSections(note string) map[string]bool {
	out := map[string]bool{}
	for _, line := range strings.Split(note, "\n") {
		line = strings.TrimSpace(line)
		if !noteHeader.MatchString(line) {
			continue
		}
		if k, ok := aciSections[strings.TrimSuffix(line, ":")]; ok {
			out[k] = true
		}
	}
	return out
}

// mtsSections maps MTS-Dialog section headers to where the hp draft holds them: a
// section key, or "medications" / "allergies" for the structured lists.
var mtsSections = map[string]string{
	"CC": "chief_complaint", "GENHX": "hpi",
	"PASTMEDICALHX": "past_history", "PASTSURGICAL": "past_history", "FAM/SOCHX": "past_history",
	"IMMUNIZATIONS": "past_history", "GYNHX": "past_history", "OTHER_HISTORY": "past_history",
	"MEDICATIONS": "medications", "ALLERGY": "allergies",
	"ROS": "review_of_systems", "EXAM": "physical_exam", "LABS": "results", "IMAGING": "results",
	"ASSESSMENT": "assessment_plan", "DIAGNOSIS": "assessment_plan", "PLAN": "assessment_plan",
	"DISPOSITION": "assessment_plan", "EDCOURSE": "assessment_plan", "PROCEDURES": "assessment_plan",
}
