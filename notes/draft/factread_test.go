package draft_test

import (
	"strings"
	"testing"

	"greffier/notes/draft"
)

// checkFactCases runs statement/evidence pairs through the checker: want is ""
// when the statement is supported, else a word of what it reports.
func checkFactCases(t *testing.T, cases [][3]string) {
	t.Helper()
	for _, tc := range cases {
		statement, evidence, want := tc[0], tc[1], tc[2]
		got, err := draft.UnsupportedFacts(statement, evidence)
		if err != nil {
			t.Fatal(err)
		}
		joined := strings.Join(got, "; ")
		switch {
		case want == "" && len(got) > 0:
			t.Errorf("%q vs %q: flagged %s", statement, evidence, joined)
		case want != "" && !strings.Contains(joined, want):
			t.Errorf("%q vs %q: got %q, want %q", statement, evidence, joined, want)
		}
	}
}

// TestSpokenQuestionsEnd: a question inside a long unpunctuated turn asks to the
// next opener ("okay", "so", "alors"), and a copula asks only where a clause
// opens; the findings read out after it are said, and their negations count.
func TestSpokenQuestionsEnd(t *testing.T) {
	exam := "your oxygen is you re satting fine at ninety nine percent on your heart exam i do not appreciate any murmurs rubs or gallops"
	asked := "have you had any fever or chills okay on your heart exam i do not appreciate any murmurs"
	fr := "avez vous eu de la fièvre alors à l examen je n entends pas de souffle"
	checkFactCases(t, [][3]string{
		{"No murmurs, rubs or gallops.", exam, ""},
		{"Murmurs, rubs or gallops.", exam, "negation of murmur dropped"},
		{"Murmurs on exam.", asked, "negation of murmur dropped"},
		{"No murmurs on exam.", asked, ""},
		{"Souffle à l'examen.", fr, "negation of souffle dropped"},
		{"Pas de souffle à l'examen.", fr, ""},
		// A question still asks: "tell me is there any family history of X", answered no.
		{"No family history of seizures.", "tell me is there any family history of seizures\nno", ""},
	})
}

// TestNotThatIKnow: "not that I can recall", "pas que je sache" answer no.
func TestNotThatIKnow(t *testing.T) {
	checkFactCases(t, [][3]string{
		{"Denies fever or weight loss.", "any joint pain fever weight loss\nnot that i can recall i've been pretty good", ""},
		{"Reports fever or weight loss.", "any joint pain fever weight loss\nnot that i can recall i've been pretty good", "negation of fever dropped"},
		{"Allergies médicamenteuses.", "avez vous des allergies médicamenteuses ?\npas que je sache.", "negation of allergie dropped"},
		{"Pas d'allergies médicamenteuses.", "avez vous des allergies médicamenteuses ?\npas que je sache.", ""},
	})
}

// TestDoubtStopsAtNewClause: a hedge does not reach past "so" or "parce que".
func TestDoubtStopsAtNewClause(t *testing.T) {
	en := "maybe less of a dose so i do not feel the side effects as much"
	fr := "peut-être moins de comprimés parce que je ne supporte pas les effets secondaires"
	checkFactCases(t, [][3]string{
		{"Does not feel the side effects as much.", en, ""},
		{"Does feel the side effects as much.", en, "negation of effect dropped"},
		{"Ne supporte pas les effets secondaires.", fr, ""},
		{"Supporte les effets secondaires.", fr, "dropped"},
	})
}

// TestSideWithOtherNouns: a side goes with the word it qualifies also when that
// word is no body site of the lexicon ("left base", "foyer gauche").
func TestSideWithOtherNouns(t *testing.T) {
	en := "on your heart exam there is a three out of six systolic ejection murmur heard at the left base, that's right"
	fr := "à l'auscultation, souffle systolique au foyer gauche, c'est bien ça"
	checkFactCases(t, [][3]string{
		{"3/6 systolic ejection murmur heard at the left base.", en, ""},
		{"3/6 systolic ejection murmur heard at the right base.", en, "side right"},
		{"Tenderness of the left paraspinal area.", "tenderness on the left paraspinal muscles, right where i press", ""},
		{"Tenderness of the right paraspinal area.", "tenderness on the left paraspinal muscles, right where i press", "side right"},
		{"Souffle systolique au foyer gauche.", fr, ""},
		{"Souffle systolique au foyer droit.", fr, "side right"},
	})
}

// TestRepliesInsideATurn: a turn that asks and is answered no within itself, and
// a list question answered by naming one item (the others are denied).
func TestRepliesInsideATurn(t *testing.T) {
	inline := "okay and any chest pain or shortness of breath or anything like that no no nothing"
	inlineFR := "d accord avez vous eu de la fièvre ou des frissons ou quelque chose comme ça non rien"
	list := "anything else, fever, chills, any nasal congestion, sore throat, cough?\ni've had a little nasal congestion with the seasons changing."
	listFR := "de la fièvre, des frissons, le nez bouché, mal à la gorge, de la toux ?\nj'ai eu le nez un peu bouché avec le changement de saison."
	checkFactCases(t, [][3]string{
		{"Denies chest pain or shortness of breath.", inline, ""},
		{"Reports chest pain or shortness of breath.", inline, "negation of pain dropped"},
		{"Pas de frissons.", inlineFR, ""},
		{"Frissons.", inlineFR, "negation of frisson dropped"},
		{"Denies fever, chills, sore throat or cough.", list, ""},
		{"Reports fever, chills, sore throat or cough.", list, "negation of fever dropped"},
		{"Nasal congestion with the seasons.", list, ""},
		{"Frissons et toux.", listFR, "negation of frisson dropped"},
		{"Pas de fièvre ni de toux.", listFR, ""},
		{"Nez bouché avec le changement de saison.", listFR, ""},
		// Three items or fewer list nothing: "what happened" is not denied by a reply naming the back.
		{"This happened 5 days ago.", "so, bryan, what happened to your back\ni felt something in my back 5 days ago", ""},
	})
}

// TestFindingWithItsSite: a word is compared for negation with the site said with
// it ("no chest pain" does not deny "knee pain").
func TestFindingWithItsSite(t *testing.T) {
	ev := "any chest pain, shortness of breath, or belly pain?\nshortness of breath.\nmy knees hurt from running up and down stairs"
	checkFactCases(t, [][3]string{
		{"Knee pain from running up and down stairs.", ev, ""},
		{"Chest pain.", ev, "negation of pain dropped"},
		{"Genou douloureux.", "pas de ventre douloureux. le genou me fait mal", ""},
		{"Ventre douloureux.", "pas de ventre douloureux. le genou me fait mal", "negation of douloureux dropped"},
		{"Douleur du genou.", "pas de douleur thoracique. j'ai une douleur du genou en montant les escaliers", ""},
		{"Douleur thoracique.", "pas de douleur thoracique. j'ai une douleur du genou en montant les escaliers", "negation of douleur dropped"},
	})
}

// TestNotConsistentWith: "not consistent with X" denies X; the preposition links
// the diagnosis, it does not place it.
func TestNotConsistentWith(t *testing.T) {
	en := "your exam and your ekg are consistent with coronary artery disease"
	fr := "l'examen est compatible avec une insuffisance cardiaque"
	checkFactCases(t, [][3]string{
		{"The exam is consistent with coronary artery disease.", en, ""},
		{"The exam is not consistent with coronary artery disease.", en, "negation of coronary added"},
		{"L'examen est compatible avec une insuffisance cardiaque.", fr, ""},
		{"L'examen n'est pas compatible avec une insuffisance cardiaque.", fr, "negation of insuffisance added"},
	})
}

// TestSideAlternatives: a question offering both sides says neither.
func TestSideAlternatives(t *testing.T) {
	en := "i twisted my knee\nokay is it your left or your right knee\nit's my right"
	fr := "je me suis tordu le genou\nle genou gauche ou le droit ?\nle droit"
	checkFactCases(t, [][3]string{
		{"Twisted her right knee.", en, ""},
		{"Twisted her left knee.", en, "side left"},
		{"Is it your right or your right knee?", "is it your left or your right knee", "side right"},
		{"Torsion du genou droit.", fr, ""},
		{"Torsion du genou gauche.", fr, "side left"},
	})
}

// TestNegatedListClosed: dictation closes a negated list with "present" or
// "noted"; what follows is said.
func TestNegatedListClosed(t *testing.T) {
	en := "there are no obvious ulcers or evidence of thrush present tonsils are midline"
	fr := "pas d'ulcère ni de muguet présent amygdales normales"
	checkFactCases(t, [][3]string{
		{"Tonsils are midline.", en, ""},
		{"No tonsils.", en, "negation of tonsil added"},
		{"Thrush.", en, "negation of thrush dropped"},
		{"Amygdales normales.", fr, ""},
		{"Muguet.", fr, "negation of muguet dropped"},
	})
}
