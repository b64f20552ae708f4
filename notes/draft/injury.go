package draft

import (
	"strings"

	"greffier/domain"
)

// injurySite is a body site whose sprains (or strains) the drafter codes. Codes have
// the 7th character 'A' (initial encounter); subsequent care replaces it by 'D'.
type injurySite struct {
	words             []string // site words, English and French
	en, fr            string
	right, left, none string // codes by side ("" when the site has no side)
	strain            bool   // a strain of this site is coded too ("pulled my back")
}

var injurySites = []injurySite{
	{words: []string{"wrist", "poignet"}, en: "wrist", fr: "poignet", right: "S63.501A", left: "S63.502A", none: "S63.509A"},
	{words: []string{"ankle", "cheville"}, en: "ankle", fr: "cheville", right: "S93.401A", left: "S93.402A", none: "S93.409A"},
	{words: []string{"knee", "genou"}, en: "knee", fr: "genou", right: "S83.91XA", left: "S83.92XA", none: "S83.90XA"},
	{words: []string{"thumb", "pouce"}, en: "thumb", fr: "pouce", right: "S63.601A", left: "S63.602A", none: "S63.609A"},
	{words: []string{"finger", "fingers", "doigt", "doigts"}, en: "finger", fr: "doigt", none: "S63.619A"},
	{words: []string{"shoulder", "épaule"}, en: "shoulder", fr: "épaule", right: "S43.401A", left: "S43.402A", none: "S43.409A"},
	{words: []string{"elbow", "coude"}, en: "elbow", fr: "coude", right: "S53.401A", left: "S53.402A", none: "S53.409A"},
	{words: []string{"hip", "hanche"}, en: "hip", fr: "hanche", right: "S73.101A", left: "S73.102A", none: "S73.109A"},
	{words: []string{"foot", "pied"}, en: "foot", fr: "pied", right: "S93.601A", left: "S93.602A", none: "S93.609A"},
	{words: []string{"hand", "main"}, en: "hand", fr: "main", right: "S63.91XA", left: "S63.92XA", none: "S63.90XA"},
	{words: []string{"neck", "cou", "cervical"}, en: "neck", fr: "cou", none: "S13.4XXA", strain: true},
	{words: []string{"back", "lumbar", "dos", "lombaire"}, en: "lower back", fr: "bas du dos", none: "S33.5XXA", strain: true},
}

// strainCodes are the codes of a strain (muscle) of the sites that have one.
var strainCodes = map[string]string{"neck": "S16.1XXA", "lower back": "S39.012A"}

// fingerCodes: S63.61- by finger and side (right, left).
var fingerCodes = map[string][2]string{
	"index": {"S63.610A", "S63.611A"}, "pointer": {"S63.610A", "S63.611A"}, "middle": {"S63.612A", "S63.613A"}, "majeur": {"S63.612A", "S63.613A"},
	"ring": {"S63.614A", "S63.615A"}, "annulaire": {"S63.614A", "S63.615A"},
	"little": {"S63.616A", "S63.617A"}, "pinky": {"S63.616A", "S63.617A"}, "pinkie": {"S63.616A", "S63.617A"}, "auriculaire": {"S63.616A", "S63.617A"},
}

var (
	sprainWords = map[string]bool{"sprain": true, "sprained": true, "sprains": true, "spraining": true, "twisted": true,
		"entorse": true, "foulure": true, "foulé": true, "foulée": true, "tordu": true, "tordue": true}
	strainWords = map[string]bool{"strain": true, "strained": true, "pulled": true, "élongation": true}
	// subsequentCues: the visit follows up an injury already treated (7th character D).
	subsequentCues = cues([]string{"healing well", "healing nicely", "has healed", "follow up on your", "following up on your", "here for a follow up", "since we saw you for",
		"cicatrise", "consolide", "contrôle de votre entorse"})
)

// injuryNear is one injury word found near a site in a sentence.
type injuryNear struct {
	site   *injurySite
	strain bool
	side   int    // +1 right, -1 left, 0 unknown
	finger string // for fingers: which one
	at     int    // index of the injury word
}

// findInjuries reads sprains (and back or neck strains) by site and side, affirmed
// in the transcript, as problems with their injury codes.
func findInjuries(units []unit, zones visitZones) []*finding {
	var out []*finding
	bySite := map[string]*finding{}
	sideSeen := map[string][2]int{} // site → mentions of (right, left) anywhere
	subsequent := false
	for _, u := range units {
		if !u.question && u.answer >= 0 && u.role == domain.RoleClinician && anyCue(subsequentCues, u.norm) {
			subsequent = true
		}
		for _, s := range sentenceSplit.Split(u.text, -1) {
			words := strings.Fields(normalize(s))
			for i, w := range words {
				for si := range injurySites {
					if !slicesContains(injurySites[si].words, w) {
						continue
					}
					c := sideSeen[injurySites[si].en]
					switch side(words, i) {
					case 1:
						c[0]++
					case -1:
						c[1]++
					}
					sideSeen[injurySites[si].en] = c
				}
			}
		}
	}
	for ui, u := range units {
		if !u.affirmed() {
			continue
		}
		all := unitWords(u.text)
		offset := 0
		for _, s := range sentenceSplit.Split(u.text, -1) {
			s = answerPrefix.ReplaceAllString(s, "")
			words := spokenWords(s)
			base := offset
			offset += len(words)
			for _, inj := range injuriesIn(words) {
				key := inj.site.en
				if inj.strain {
					key += " strain"
				}
				f := bySite[key]
				if f == nil {
					f = &finding{first: ui, named: true}
					bySite[key] = f
					out = append(out, f)
				}
				clin := u.role == domain.RoleClinician
				f.add(u, clin, zones.assessing(ui, all, base+inj.at, base+inj.at+1, clin, len(u.evidence) < 2), true, inj.side)
				if inj.finger != "" {
					f.titleFR = inj.finger // remembered until the code is chosen below
				}
			}
		}
	}
	for key, f := range bySite {
		site, strain := siteOf(key)
		if f.right == 0 && f.left == 0 {
			c := sideSeen[site.en]
			f.right, f.left = c[0], c[1]
		}
		f.code, f.titleEN, f.titleFR = injuryCode(site, strain, f.titleFR, f.right, f.left)
		if subsequent && strings.HasSuffix(f.code, "A") {
			f.code = strings.TrimSuffix(f.code, "A") + "D"
		}
	}
	return out
}

func siteOf(key string) (*injurySite, bool) {
	name, strain := strings.CutSuffix(key, " strain")
	for i := range injurySites {
		if injurySites[i].en == name {
			return &injurySites[i], strain
		}
	}
	return &injurySites[0], strain
}

// injuryCode chooses the code and titles for an injury of site with the sides seen.
func injuryCode(site *injurySite, strain bool, finger string, right, left int) (code, en, fr string) {
	sideEN, sideFR, k := "", "", 0
	switch {
	case right > 0 && left == 0:
		sideEN, sideFR, k = "right ", " droit(e)", 1
	case left > 0 && right == 0:
		sideEN, sideFR, k = "left ", " gauche", 2
	}
	kind, kindFR := "Sprain", "Entorse"
	if strain {
		kind, kindFR = "Strain", "Élongation"
	}
	en = kind + " of " + sideEN + site.en
	fr = kindFR + " (" + site.fr + sideFR + ")"
	switch {
	case strain:
		code = strainCodes[site.en]
	case site.en == "finger":
		code = site.none
		if fc, ok := fingerCodes[finger]; ok && k > 0 {
			code = fc[k-1]
		}
	case k == 1 && site.right != "":
		code = site.right
	case k == 2 && site.left != "":
		code = site.left
	default:
		code = site.none
	}
	return code, en, fr
}

// injuriesIn finds a sprain (or strain) word with a site within four words of it,
// affirmed (not "no sprain", "to rule out a sprain").
func injuriesIn(words []string) []injuryNear {
	var out []injuryNear
	for i, w := range words {
		strain := strainWords[w]
		if !sprainWords[w] && !strain {
			continue
		}
		for j := max(0, i-4); j < min(len(words), i+5); j++ {
			var site *injurySite
			for si := range injurySites {
				if slicesContains(injurySites[si].words, words[j]) {
					site = &injurySites[si]
				}
			}
			if site == nil || strain && !site.strain {
				continue
			}
			lo, hi := min(i, j), max(i, j)+1
			if assertionAt(words, lo, hi) != Affirmed {
				break
			}
			inj := injuryNear{site: site, strain: strain, side: side(words, j), at: lo}
			for k := max(0, j-3); k < j; k++ {
				if _, ok := fingerCodes[words[k]]; ok {
					inj.finger = words[k]
				}
			}
			out = append(out, inj)
			break
		}
	}
	return out
}

// side reads "right"/"left" within three words before the site word at i, or
// "droit"/"gauche" just after it.
func side(words []string, i int) int {
	for k := max(0, i-3); k < min(len(words), i+3); k++ {
		switch words[k] {
		case "right", "droit", "droite":
			if k < i || words[k] != "right" {
				return 1
			}
		case "left", "gauche":
			if k < i || words[k] != "left" {
				return -1
			}
		}
	}
	return 0
}

func slicesContains(ss []string, w string) bool {
	for _, s := range ss {
		if s == w {
			return true
		}
	}
	return false
}
