package draft

import "testing"

func TestZZAssert(t *testing.T) {
	for _, s := range []string{"or you develop a fever but i do n't think that this is a a sign of a stroke or any bleeding in your brain",
		"so that's what causing that cough as well as some of the shortness of breath i know you're not experiencing it much now"} {
		for _, p := range []string{"stroke", "fever", "shortness of breath"} {
			a, ok := AssertionOf(s, p)
			t.Log(p, a, ok, spokenWords(s))
		}
	}
}
