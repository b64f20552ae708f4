package draft_test

import (
	"context"
	"testing"

	"greffier/domain"
	"greffier/notes/draft"
)

// BenchmarkExtractiveDraft drafts a consultation of about 600 segments (the English
// fixture repeated), the length of a long ACI-Bench visit.
func BenchmarkExtractiveDraft(b *testing.B) {
	base := mustTranscript(b, "dialogue_en.txt")
	var segs []domain.Segment
	for len(segs) < 600 {
		for _, s := range base {
			s.ID = len(segs)
			s.Turn += len(segs)
			segs = append(segs, s)
		}
	}
	tm := mustTemplate(b, "hp")
	req := draft.Request{Segments: segs, Template: tm, Language: "en"}
	for b.Loop() {
		if _, err := (draft.Extractive{}).Draft(context.Background(), req); err != nil {
			b.Fatal(err)
		}
	}
	b.ReportMetric(float64(len(segs))*float64(b.N)/b.Elapsed().Seconds(), "segments/s")
}
