// Package textsafe makes strings from a model (node, value and graph
// names are arbitrary bytes in ONNX) safe to write where a person or a
// parser will read them: a .webnn comment, an SVG title, an HTML page.
//
// A C0 control other than tab and newline (NUL, ESC, CR), DEL, a C1
// control (U+0080–U+009F, which some terminals read as an escape), a
// Unicode line or paragraph separator (a JavaScript line break) and an
// invalid UTF-8 byte all become U+FFFD: `cat model.webnn` would otherwise
// run the name's terminal escapes, a CR would hide the rest of a comment
// line, and a NUL makes an HTML page or SVG malformed.
package textsafe

import "strings"

// Replacement is what an unsafe character becomes.
const Replacement = '\uFFFD'

// Unsafe reports whether r is replaced by Text.
func Unsafe(r rune) bool {
	switch {
	case r == '\n' || r == '\t':
		return false
	case r < 0x20 || r == 0x7f || (r >= 0x80 && r <= 0x9f):
		return true
	case r == '\u2028' || r == '\u2029' || r == Replacement:
		return true
	}
	return false
}

// Text returns s with every unsafe character (see the package comment)
// replaced by U+FFFD; s itself when it has none.
func Text(s string) string {
	clean := true
	for _, r := range s {
		if Unsafe(r) {
			clean = false
			break
		}
	}
	if clean {
		return s
	}
	return strings.Map(func(r rune) rune {
		if Unsafe(r) {
			return Replacement
		}
		return r
	}, s)
}
