package emit

import (
	"strconv"
	"strings"
)

// IsIdent reports whether s is an identifier every loader generation
// reads: [A-Za-z_][A-Za-z0-9_]* and not starting with true, false or null
// (the pest grammar lexes those prefixes as literals in value positions).
func IsIdent(s string) bool {
	if !isPlainIdent(s) {
		return false
	}
	return !hasLiteralPrefix(s)
}

func isPlainIdent(s string) bool {
	if s == "" {
		return false
	}
	for i := 0; i < len(s); i++ {
		c := s[i]
		if c == '_' || c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z' || i > 0 && c >= '0' && c <= '9' {
			continue
		}
		return false
	}
	return true
}

func hasLiteralPrefix(s string) bool {
	return strings.HasPrefix(s, "true") || strings.HasPrefix(s, "false") || strings.HasPrefix(s, "null")
}

// Namer turns arbitrary (ONNX) names into unique safe identifiers,
// deterministically: the same original always gets the same identifier,
// and the result depends only on the order of calls.
type Namer struct {
	byOrig map[string]string
	orig   map[string]string // ident → original
	taken  map[string]bool
}

// NewNamer returns an empty Namer.
func NewNamer() *Namer {
	return &Namer{byOrig: map[string]string{}, orig: map[string]string{}, taken: map[string]bool{}}
}

// Ident returns the identifier for original, creating it on first use:
// characters outside [A-Za-z0-9_] become '_' (leading ones are dropped, so
// "/model/layers.0/Add_1_output_0" → "model_layers_0_Add_1_output_0"), a
// leading digit or a true/false/null prefix gets a '_' prefix ("495" →
// "_495"), and a clash with an earlier identifier gets "_1", "_2", ….
func (n *Namer) Ident(original string) string {
	if id, ok := n.byOrig[original]; ok {
		return id
	}
	id := n.unique(Sanitize(original))
	n.byOrig[original] = id
	n.orig[id] = original
	return id
}

// Fresh returns a new unique identifier derived from base without
// remembering it as the name of an original (for operands the converter
// invents).
func (n *Namer) Fresh(base string) string {
	id := n.unique(Sanitize(base))
	n.orig[id] = base
	return id
}

// Reserve marks id as taken so that Ident and Fresh never return it.
func (n *Namer) Reserve(id string) { n.taken[id] = true }

// Original returns the name an identifier was made from.
func (n *Namer) Original(id string) (string, bool) {
	o, ok := n.orig[id]
	return o, ok
}

func (n *Namer) unique(base string) string {
	id := base
	for i := 1; n.taken[id]; i++ {
		id = base + "_" + strconv.Itoa(i)
	}
	n.taken[id] = true
	return id
}

// Sanitize maps a name to a safe identifier without uniqueness.
func Sanitize(s string) string {
	if IsIdent(s) {
		return s
	}
	b := make([]byte, 0, len(s)+1)
	lead := true // still dropping replaced leading characters
	for _, r := range s {
		ok := r == '_' || r >= 'a' && r <= 'z' || r >= 'A' && r <= 'Z' || r >= '0' && r <= '9'
		if !ok {
			if lead {
				continue
			}
			b = append(b, '_')
			continue
		}
		lead = false
		b = append(b, byte(r))
	}
	out := string(b)
	if out == "" {
		return "_"
	}
	if out[0] >= '0' && out[0] <= '9' || hasLiteralPrefix(out) {
		out = "_" + out
	}
	return out
}
