package hl7_test

import (
	"strings"
	"testing"

	"greffier/export/hl7"
)

func TestEscape(t *testing.T) {
	d := hl7.Standard()
	cases := []struct {
		name, in, ft, tx string
	}{
		{"plain", "Patiente vue pour toux", "Patiente vue pour toux", "Patiente vue pour toux"},
		{"field separator", "TA 135/85 | FC 98", `TA 135/85 \F\ FC 98`, `TA 135/85 \F\ FC 98`},
		{"component", "a^b", `a\S\b`, `a\S\b`},
		{"subcomponent", "sel & poivre", `sel \T\ poivre`, `sel \T\ poivre`},
		{"repetition", "~38 °C", `\R\38 °C`, `\R\38 °C`},
		{"escape character", `C:\notes`, `C:\E\notes`, `C:\E\notes`},
		{"escape looks like a sequence", `\F\`, `\E\F\E\`, `\E\F\E\`},
		{"all delimiters", `|^~\&`, `\F\\S\\R\\E\\T\`, `\F\\S\\R\\E\\T\`},
		{"newline", "ligne 1\nligne 2", `ligne 1\.br\ligne 2`, `ligne 1\X0A\ligne 2`},
		{"crlf is one break", "a\r\nb", `a\.br\b`, `a\X0A\b`},
		{"lone cr never ends the segment", "a\rb", `a\.br\b`, `a\X0A\b`},
		{"other control characters", "a\tb\x01", `a\X09\b\X01\`, `a\X09\b\X01\`},
		{"accents pass through", "Hélène « été » ½", "Hélène « été » ½", "Hélène « été » ½"},
		{"empty", "", "", ""},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			if got := d.Escape(c.in, true); got != c.ft {
				t.Errorf("Escape(%q, FT) = %q, want %q", c.in, got, c.ft)
			}
			if got := d.Escape(c.in, false); got != c.tx {
				t.Errorf("Escape(%q, TX) = %q, want %q", c.in, got, c.tx)
			}
			want := normalizeBreaks(c.in)
			for _, esc := range []string{c.ft, c.tx} {
				if got := d.Unescape(esc); got != want {
					t.Errorf("Unescape(%q) = %q, want %q", esc, got, want)
				}
				if strings.ContainsAny(esc, "|^~&\r\n") {
					t.Errorf("escaped %q still holds a delimiter or a line break", esc)
				}
			}
		})
	}
}

func TestUnescapeReceived(t *testing.T) {
	d := hl7.Standard()
	cases := []struct{ name, in, want string }{
		{"highlight dropped", `\H\urgent\N\ now`, "urgent now"},
		{"formatting commands dropped", `a\.sp\b\.in+4\c`, "abc"},
		{"hex bytes", `caf\XC3A9\`, "café"},
		{"unknown sequence kept", `\Z99\`, `\Z99\`},
		{"unterminated kept", `a\F`, `a\F`},
		{"bad hex kept", `\XZZ\`, `\XZZ\`},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			if got := d.Unescape(c.in); got != c.want {
				t.Errorf("Unescape(%q) = %q, want %q", c.in, got, c.want)
			}
		})
	}
}

// A receiver using other delimiters (allowed by MSH-1/MSH-2) is escaped with its own.
func TestEscapeOtherDelimiters(t *testing.T) {
	d := hl7.Delimiters{Field: '#', Component: '!', Repetition: '*', Esc: '$', Subcomponent: '%'}
	in := "50 % # 3 ! ok * $ | ^"
	got := d.Escape(in, true)
	if want := `50 $T$ $F$ 3 $S$ ok $R$ $E$ | ^`; got != want {
		t.Fatalf("Escape = %q, want %q", got, want)
	}
	if back := d.Unescape(got); back != in {
		t.Fatalf("round trip = %q, want %q", back, in)
	}
}

func FuzzEscapeRoundTrip(f *testing.F) {
	for _, s := range []string{"", `|^~\&`, "a\r\nb\rc\n", `\.br\`, "é\x00\x7f", `\X0A\`} {
		f.Add(s, true)
		f.Add(s, false)
	}
	d := hl7.Standard()
	f.Fuzz(func(t *testing.T, s string, ft bool) {
		esc := d.Escape(s, ft)
		if strings.ContainsAny(esc, "|^~&\r\n") {
			t.Fatalf("Escape(%q) = %q holds a delimiter", s, esc)
		}
		if got, want := d.Unescape(esc), normalizeBreaks(s); got != want {
			t.Fatalf("Unescape(Escape(%q)) = %q, want %q", s, got, want)
		}
	})
}

func normalizeBreaks(s string) string {
	s = strings.ReplaceAll(s, "\r\n", "\n")
	return strings.ReplaceAll(s, "\r", "\n")
}
