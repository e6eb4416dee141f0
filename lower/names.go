// Identifiers of the emitted graph: ONNX names sanitised to the characters
// every .webnn loader reads, made unique.

package lower

import (
	"fmt"
	"strings"
)

// sanitize maps an ONNX name to [A-Za-z_][A-Za-z0-9_]*: other characters
// become '_', leading slashes are dropped ("/model/Add" → "model_Add"), and
// a name starting with a digit or with true/false/null (which the pest
// grammar reads as a literal) gets a leading '_'.
func sanitize(s string) string {
	s = strings.TrimLeft(s, "/")
	var b strings.Builder
	for i := 0; i < len(s); i++ {
		ch := s[i]
		switch {
		case ch >= 'a' && ch <= 'z', ch >= 'A' && ch <= 'Z', ch == '_', ch >= '0' && ch <= '9':
			b.WriteByte(ch)
		case ch == ':' && i+1 < len(s) && s[i+1] == ':':
			b.WriteString("__")
			i++
		default:
			b.WriteByte('_')
		}
	}
	out := b.String()
	if out == "" {
		return "_"
	}
	if out[0] >= '0' && out[0] <= '9' {
		out = "_" + out
	}
	for _, kw := range []string{"true", "false", "null"} {
		if strings.HasPrefix(out, kw) {
			out = "_" + out
		}
	}
	return out
}

// namer hands out unique identifiers.
type namer struct{ used map[string]bool }

func newNamer() *namer { return &namer{used: map[string]bool{}} }

// fresh returns want, or want_2, want_3 … when want is taken.
func (nm *namer) fresh(want string) string {
	if !nm.used[want] {
		nm.used[want] = true
		return want
	}
	for i := 2; ; i++ {
		c := fmt.Sprintf("%s_%d", want, i)
		if !nm.used[c] {
			nm.used[c] = true
			return c
		}
	}
}
