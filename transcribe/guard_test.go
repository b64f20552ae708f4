package transcribe_test

import (
	"path/filepath"
	"reflect"
	"testing"

	"greffier/domain"
	"greffier/transcribe"
)

func seg(start, end int64, text string) domain.Segment {
	return domain.Segment{StartMS: start, EndMS: end, Text: text, TokenProb: 0.8, MinTokenProb: 0.4, NoSpeechProb: 0.05}
}

func texts(segs []domain.Segment) []string {
	out := []string{}
	for _, s := range segs {
		out = append(out, s.Text)
	}
	return out
}

func TestGuardFilter(t *testing.T) {
	g, err := transcribe.NewGuard()
	if err != nil {
		t.Fatal(err)
	}
	silent := func(start, end int64) float64 { return 0 }
	loud := func(start, end int64) float64 { return 1 }
	unsure := seg(0, 1000, "Bonjour docteur.")
	unsure.NoSpeechProb, unsure.TokenProb = 0.9, 0.3
	sure := seg(0, 1000, "Bonjour docteur.")
	sure.NoSpeechProb = 0.9 // whisper unsure of speech but sure of the words
	cases := []struct {
		name   string
		segs   []domain.Segment
		prev   []string
		speech transcribe.SpeechFunc
		want   []string
		stats  transcribe.GuardStats
	}{
		{"clean speech kept", []domain.Segment{seg(0, 2000, "I have a headache."), seg(2000, 4000, "Since Monday.")}, nil, loud,
			[]string{"I have a headache.", "Since Monday."}, transcribe.GuardStats{}},
		{"high no-speech on silence dropped", []domain.Segment{func() domain.Segment { s := sure; return s }()}, nil, silent,
			[]string{}, transcribe.GuardStats{NoSpeech: 1}},
		{"high no-speech on speech kept when tokens are sure", []domain.Segment{sure}, nil, loud,
			[]string{"Bonjour docteur."}, transcribe.GuardStats{}},
		{"high no-speech and unsure tokens dropped without VAD", []domain.Segment{unsure}, nil, nil,
			[]string{}, transcribe.GuardStats{NoSpeech: 1}},
		{"english outro dropped", []domain.Segment{seg(0, 1000, "Take it twice a day."), seg(1000, 3000, " Thanks for watching!")}, nil, loud,
			[]string{"Take it twice a day."}, transcribe.GuardStats{Hallucination: 1}},
		{"french subtitle credit dropped by prefix", []domain.Segment{seg(0, 3000, "Sous-titres réalisés par la communauté d'Amara.org")}, nil, loud,
			[]string{}, transcribe.GuardStats{Hallucination: 1}},
		{"french outro without accents dropped", []domain.Segment{seg(0, 3000, "MERCI D'AVOIR REGARDE.")}, nil, loud,
			[]string{}, transcribe.GuardStats{Hallucination: 1}},
		{"subtitles by prefix dropped", []domain.Segment{seg(0, 3000, "Subtitles by the Amara.org community")}, nil, loud,
			[]string{}, transcribe.GuardStats{Hallucination: 1}},
		{"phrase inside real speech kept", []domain.Segment{seg(0, 3000, "My son said thanks for watching the kids.")}, nil, loud,
			[]string{"My son said thanks for watching the kids."}, transcribe.GuardStats{}},
		{"word loop collapsed", []domain.Segment{seg(0, 3000, "No no no no no pain.")}, nil, loud,
			[]string{"No pain."}, transcribe.GuardStats{Collapsed: 1}},
		{"phrase loop collapsed", []domain.Segment{seg(0, 3000, "take one pill take one pill take one pill take one pill daily")}, nil, loud,
			[]string{"take one pill daily"}, transcribe.GuardStats{Collapsed: 1}},
		{"two repeats are speech", []domain.Segment{seg(0, 3000, "no no, it hurts")}, nil, loud,
			[]string{"no no, it hurts"}, transcribe.GuardStats{}},
		{"repeated segments dropped after two", []domain.Segment{seg(0, 1000, "Okay."), seg(1000, 2000, "Okay."), seg(2000, 3000, "okay"), seg(3000, 4000, "Okay.")}, nil, loud,
			[]string{"Okay.", "Okay."}, transcribe.GuardStats{Repetition: 2}},
		{"repeat across windows caught with history", []domain.Segment{seg(0, 1000, "The pain is here.")}, []string{"the pain is here", "the pain is here"}, loud,
			[]string{}, transcribe.GuardStats{Repetition: 1}},
		{"empty segments are not counted", []domain.Segment{seg(0, 1000, ""), seg(1000, 2000, " ")}, nil, loud,
			[]string{}, transcribe.GuardStats{}},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			got, st := g.Filter(tc.segs, tc.prev, tc.speech)
			if !reflect.DeepEqual(texts(got), tc.want) {
				t.Errorf("kept %q, want %q", texts(got), tc.want)
			}
			if st != tc.stats {
				t.Errorf("stats %+v, want %+v", st, tc.stats)
			}
		})
	}
}

func TestGuardCompressionRatio(t *testing.T) {
	g, err := transcribe.NewGuard()
	if err != nil {
		t.Fatal(err)
	}
	// A loop whose period is too long for the phrase collapse (more than 8 words),
	// but that whisper's compression-ratio check catches.
	loop := ""
	for range 6 {
		loop += "the patient reports that the pain started on the left side after lunch "
	}
	got, st := g.Filter([]domain.Segment{seg(0, 30000, loop)}, nil, nil)
	if len(got) != 0 || st.Repetition != 1 {
		t.Fatalf("kept %d segments, stats %+v; want the loop dropped as repetition", len(got), st)
	}
	real := "The patient reports that the pain started on the left side after lunch, then spread to the back and got worse at night."
	if got, _ := g.Filter([]domain.Segment{seg(0, 9000, real)}, nil, nil); len(got) != 1 {
		t.Fatal("ordinary long sentence dropped")
	}
}

func TestGuardUserPhrases(t *testing.T) {
	g, err := transcribe.NewGuard(filepath.Join("testdata", "phrases.txt"))
	if err != nil {
		t.Fatal(err)
	}
	in := []domain.Segment{seg(0, 1000, "[Musique]"), seg(1000, 3000, "Radio santé, votre compagnon du matin"), seg(3000, 4000, "J'ai mal au dos.")}
	got, st := g.Filter(in, nil, nil)
	if want := []string{"J'ai mal au dos."}; !reflect.DeepEqual(texts(got), want) {
		t.Fatalf("kept %q, want %q", texts(got), want)
	}
	if st.Hallucination != 2 {
		t.Fatalf("hallucination count %d, want 2", st.Hallucination)
	}
	if _, err := transcribe.NewGuard(filepath.Join(t.TempDir(), "missing.txt")); domain.ErrorCode(err) != domain.EInvalid {
		t.Fatalf("missing phrase file: error %v, want EInvalid", err)
	}
}
