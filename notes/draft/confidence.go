package draft

import (
	"fmt"

	"greffier/domain"
	"greffier/notes/schema"
)

// LowConfidence is the mean token probability under which a cited segment is flagged:
// whisper probably misheard part of it.
const LowConfidence = 0.5

// FlagLowConfidence adds a low_confidence warning to each section sentence that cites
// a segment whisper transcribed with a mean token probability under LowConfidence
// (segments without a probability, such as typed dialogues, are never flagged).
func FlagLowConfidence(note *schema.Note, segs []domain.Segment) int {
	low := map[int]float32{}
	for _, s := range segs {
		if s.TokenProb > 0 && s.TokenProb < LowConfidence {
			low[s.ID] = s.TokenProb
		}
	}
	if len(low) == 0 {
		return 0
	}
	warned := map[string]bool{}
	for _, w := range note.Warnings {
		warned[w.Kind+" "+w.Path] = true
	}
	n := 0
	for i, sec := range note.Sections {
		for j, x := range sec.Sentences {
			for _, id := range x.Evidence {
				p, ok := low[id]
				if !ok {
					continue
				}
				path := fmt.Sprintf("/sections/%d/sentences/%d", i, j)
				if !warned[schema.WarnLowConfidence+" "+path] {
					warned[schema.WarnLowConfidence+" "+path] = true
					note.AddWarning(schema.WarnLowConfidence, path, fmt.Sprintf("segment %d was transcribed with low confidence (%.2f): check the recording", id, p))
					n++
				}
				break
			}
		}
	}
	return n
}
