package llmdraft

import (
	"encoding/json"
	"fmt"
	"slices"
	"strconv"
	"strings"
)

// compactGrammar turns the answer's JSON Schema into a llama.cpp GBNF grammar for
// compact JSON: no whitespace between tokens. llama-server's own conversion of a
// json_schema allows up to 22 characters of whitespace at every separator, and a
// model spends tokens on it (on the 1B bench shape, 139 of a 265-character answer
// were whitespace): each is a step of generation after Stop. Only the schema
// features the answer uses are supported; anything else is an error, and the
// caller sends the schema instead.
func compactGrammar(schemaJSON []byte) (string, error) {
	var root map[string]any
	if err := json.Unmarshal(schemaJSON, &root); err != nil {
		return "", fmt.Errorf("grammar: %w", err)
	}
	g := &gbnf{defs: map[string]any{}, rules: map[string]string{}}
	if defs, ok := root["$defs"].(map[string]any); ok {
		g.defs = defs
	}
	body, err := g.value(root)
	if err != nil {
		return "", err
	}
	g.rules["root"] = body
	g.rules["char"] = `[^"\\\x7F\x00-\x1F] | "\\" (["\\/bfnrt] | "u" [0-9a-fA-F]{4})`
	names := make([]string, 0, len(g.rules))
	for n := range g.rules {
		names = append(names, n)
	}
	slices.Sort(names)
	var b strings.Builder
	for _, n := range names {
		fmt.Fprintf(&b, "%s ::= %s\n", n, g.rules[n])
	}
	return b.String(), nil
}

type gbnf struct {
	defs  map[string]any
	rules map[string]string
}

// lit is a GBNF literal for s.
func lit(s string) string {
	q, _ := json.Marshal(s) // escapes " and \ as GBNF wants
	return string(q)
}

// jsonLit is a GBNF literal for the JSON encoding of v.
func jsonLit(v any) string {
	b, _ := json.Marshal(v)
	return lit(string(b))
}

func (g *gbnf) value(n map[string]any) (string, error) {
	if ref, ok := n["$ref"].(string); ok {
		name, ok := strings.CutPrefix(ref, "#/$defs/")
		def, found := g.defs[name].(map[string]any)
		if !ok || !found {
			return "", fmt.Errorf("grammar: unsupported reference %q", ref)
		}
		rule := "def-" + strings.ReplaceAll(name, "_", "-")
		if _, done := g.rules[rule]; !done {
			g.rules[rule] = "" // recursion guard
			body, err := g.value(def)
			if err != nil {
				return "", err
			}
			g.rules[rule] = body
		}
		return rule, nil
	}
	if e, ok := n["enum"].([]any); ok {
		alts := make([]string, len(e))
		for i, v := range e {
			alts[i] = jsonLit(v)
		}
		return "(" + strings.Join(alts, " | ") + ")", nil
	}
	for _, k := range []string{"anyOf", "oneOf", "allOf", "not", "const", "patternProperties", "prefixItems"} {
		if _, ok := n[k]; ok {
			return "", fmt.Errorf("grammar: %s is not supported", k)
		}
	}
	switch t := n["type"].(type) {
	case string:
		return g.typed(t, n)
	case []any:
		var alts []string
		for _, x := range t {
			s, _ := x.(string)
			a, err := g.typed(s, n)
			if err != nil {
				return "", err
			}
			alts = append(alts, a)
		}
		return "(" + strings.Join(alts, " | ") + ")", nil
	}
	return "", fmt.Errorf("grammar: a schema without a type")
}

func (g *gbnf) typed(t string, n map[string]any) (string, error) {
	switch t {
	case "object":
		return g.object(n)
	case "array":
		return g.array(n)
	case "string":
		if p, ok := n["pattern"].(string); ok {
			body, err := patternGrammar(p)
			if err != nil {
				return "", err
			}
			return `"\"" ` + body + ` "\""`, nil
		}
		lo, hi := intOf(n["minLength"], 0), intOf(n["maxLength"], -1)
		if hi < 0 {
			return "", fmt.Errorf("grammar: an unbounded string")
		}
		return fmt.Sprintf(`"\"" char{%d,%d} "\""`, lo, hi), nil
	case "integer":
		lo, hi := intOf(n["minimum"], -1), intOf(n["maximum"], -1)
		if lo != 0 || hi < 0 {
			return `("-"? ([0-9] | [1-9] [0-9]{1,15}))`, nil
		}
		return "(" + upTo(hi) + ")", nil
	case "number":
		if intOf(n["minimum"], -1) == 0 && intOf(n["maximum"], -1) == 1 {
			return `("0" ("." [0-9]{1,4})? | "1" ("." "0"{1,4})?)`, nil
		}
		return `("-"? ([0-9] | [1-9] [0-9]{1,15}) ("." [0-9]{1,16})?)`, nil
	case "boolean":
		return `("true" | "false")`, nil
	case "null":
		return `"null"`, nil
	}
	return "", fmt.Errorf("grammar: type %q is not supported", t)
}

// object: required properties first, in the schema's key order, then optional ones.
func (g *gbnf) object(n map[string]any) (string, error) {
	props, _ := n["properties"].(map[string]any)
	var req []string
	for _, r := range asList(n["required"]) {
		req = append(req, r.(string))
	}
	if len(req) == 0 {
		return "", fmt.Errorf("grammar: an object without required properties")
	}
	keys := make([]string, 0, len(props))
	for k := range props {
		keys = append(keys, k)
	}
	slices.Sort(keys)
	var parts []string
	for i, k := range req {
		p, ok := props[k].(map[string]any)
		if !ok {
			return "", fmt.Errorf("grammar: required property %q has no schema", k)
		}
		v, err := g.value(p)
		if err != nil {
			return "", err
		}
		sep := `","`
		if i == 0 {
			sep = `"{"`
		}
		parts = append(parts, sep+" "+lit(strconv.Quote(k)+":")+" "+v)
	}
	for _, k := range keys {
		if slices.Contains(req, k) {
			continue
		}
		v, err := g.value(props[k].(map[string]any))
		if err != nil {
			return "", err
		}
		parts = append(parts, `("," `+lit(strconv.Quote(k)+":")+" "+v+")?")
	}
	return strings.Join(parts, " ") + ` "}"`, nil
}

func (g *gbnf) array(n map[string]any) (string, error) {
	items, ok := n["items"].(map[string]any)
	if !ok {
		return "", fmt.Errorf("grammar: an array without items")
	}
	hi := intOf(n["maxItems"], -1)
	lo := intOf(n["minItems"], 0)
	if hi < 1 || lo > 0 {
		return "", fmt.Errorf("grammar: array bounds %d..%d are not supported", lo, hi)
	}
	v, err := g.value(items)
	if err != nil {
		return "", err
	}
	return fmt.Sprintf(`"[" (%s ("," %s){0,%d})? "]"`, v, v, hi-1), nil
}

// upTo is a GBNF alternative matching the decimal integers 0..max exactly, with no
// leading zeros.
func upTo(max int) string {
	d := strconv.Itoa(max)
	alts := []string{"[0-9]"}
	for k := 2; k < len(d); k++ {
		alts = append(alts, fmt.Sprintf("[1-9] [0-9]{%d}", k-1))
	}
	if len(d) == 1 {
		return fmt.Sprintf("[0-%c]", d[0])
	}
	// Numbers with as many digits as max: a prefix of max, one smaller digit, any rest.
	for i := 0; i < len(d); i++ {
		low := byte('0')
		if i == 0 {
			low = '1'
		}
		if d[i] <= low {
			continue
		}
		alt := ""
		if i > 0 {
			alt = lit(d[:i]) + " "
		}
		alt += fmt.Sprintf("[%c-%c]", low, d[i]-1)
		if rest := len(d) - i - 1; rest > 0 {
			alt += fmt.Sprintf(" [0-9]{%d}", rest)
		}
		alts = append(alts, alt)
	}
	return strings.Join(append(alts, lit(d)), " | ")
}

// patternGrammar translates the small regular expressions the note schema uses
// (anchored; literal characters, escapes, classes, groups, ?, {m,n}) into GBNF.
func patternGrammar(p string) (string, error) {
	if !strings.HasPrefix(p, "^") || !strings.HasSuffix(p, "$") {
		return "", fmt.Errorf("grammar: pattern %q is not anchored", p)
	}
	out, rest, err := seq(p[1 : len(p)-1])
	if err != nil || rest != "" {
		return "", fmt.Errorf("grammar: pattern %q is not supported", p)
	}
	return out, nil
}

// seq translates a regex sequence up to an unmatched ")" or the end.
func seq(p string) (string, string, error) {
	var parts []string
	for len(p) > 0 && p[0] != ')' {
		var atom string
		switch c := p[0]; {
		case c == '[':
			end := strings.IndexByte(p, ']')
			if end < 0 {
				return "", "", fmt.Errorf("unclosed class")
			}
			atom, p = p[:end+1], p[end+1:]
		case c == '(':
			inner, rest, err := seq(p[1:])
			if err != nil || !strings.HasPrefix(rest, ")") {
				return "", "", fmt.Errorf("unclosed group")
			}
			atom, p = "("+inner+")", rest[1:]
		case c == '\\' && len(p) > 1:
			atom, p = lit(p[1:2]), p[2:]
		case strings.IndexByte("|*+.^$", c) >= 0:
			return "", "", fmt.Errorf("unsupported %q", c)
		default:
			atom, p = lit(p[:1]), p[1:]
		}
		switch {
		case strings.HasPrefix(p, "?"):
			atom, p = atom+"?", p[1:]
		case strings.HasPrefix(p, "{"):
			end := strings.IndexByte(p, '}')
			if end < 0 {
				return "", "", fmt.Errorf("unclosed repetition")
			}
			atom, p = atom+p[:end+1], p[end+1:]
		}
		parts = append(parts, atom)
	}
	return strings.Join(parts, " "), p, nil
}

func asList(v any) []any {
	l, _ := v.([]any)
	return l
}

func intOf(v any, def int) int {
	if f, ok := v.(float64); ok {
		return int(f)
	}
	return def
}
