package emit

import (
	"fmt"
	"strconv"
	"unicode/utf16"
	"unicode/utf8"

	"github.com/webnn-graph/webnn-graph/graph"
)

// jsonReader is a small strict JSON reader for the graph form: member order
// is kept, keys are case-sensitive (as serde reads them), numbers keep their
// text, and every error has a line:col. encoding/json is 5–10× slower on
// option-heavy graphs because of its reflection and map[string]any boxing.
type jsonReader struct {
	src   []byte
	i     int
	depth int
}

const maxJSONDepth = 512

func (r *jsonReader) errAt(pos int, format string, args ...any) error {
	for pos < len(r.src) && (r.src[pos] == ' ' || r.src[pos] == '\t' || r.src[pos] == '\n' || r.src[pos] == '\r') {
		pos++ // point at the value, not the space before it
	}
	line, col := lineCol(r.src, pos)
	return &SyntaxError{Line: line, Col: col, Msg: fmt.Sprintf(format, args...)}
}

func (r *jsonReader) ws() {
	for r.i < len(r.src) {
		switch r.src[r.i] {
		case ' ', '\t', '\n', '\r':
			r.i++
		default:
			return
		}
	}
}

// peek returns the next non-space byte (0 at the end).
func (r *jsonReader) peek() byte {
	r.ws()
	if r.i >= len(r.src) {
		return 0
	}
	return r.src[r.i]
}

func (r *jsonReader) describeNext() string {
	c := r.peek()
	switch {
	case r.i >= len(r.src):
		return "end of input"
	case c == '"':
		return "a string"
	case c == '{':
		return "an object"
	case c == '[':
		return "an array"
	case c == 't' || c == 'f':
		return "a boolean"
	case c == 'n':
		return "null"
	case c == '-' || c >= '0' && c <= '9':
		return "a number"
	}
	return fmt.Sprintf("%q", rune(c))
}

func (r *jsonReader) expectByte(c byte, what string) error {
	if r.peek() != c {
		return r.errAt(r.i, "expected %s, got %s", what, r.describeNext())
	}
	r.i++
	return nil
}

// isNull consumes a null literal if one is next.
func (r *jsonReader) isNull() bool {
	if r.peek() == 'n' && r.i+4 <= len(r.src) && string(r.src[r.i:r.i+4]) == "null" {
		r.i += 4
		return true
	}
	return false
}

// object calls fn for each member; fn must consume the value.
func (r *jsonReader) object(what func() string, fn func(key string, keyPos int) error) error {
	if r.peek() != '{' {
		return r.errAt(r.i, "expected an object for %s, got %s", what(), r.describeNext())
	}
	if err := r.expectByte('{', "'{'"); err != nil {
		return err
	}
	r.depth++
	if r.depth > maxJSONDepth {
		return r.errAt(r.i, "nesting deeper than %d", maxJSONDepth)
	}
	defer func() { r.depth-- }()
	if r.peek() == '}' {
		r.i++
		return nil
	}
	// A member given twice is refused at every level, known or not: which
	// one counts differs between readers (serde refuses a struct field
	// twice and keeps the last map entry), so a graph could mean one thing
	// here and another in the loader.
	seen := map[string]bool{}
	for {
		if r.peek() != '"' {
			return r.errAt(r.i, "expected a member name string, got %s", r.describeNext())
		}
		pos := r.i
		key, err := r.str()
		if err != nil {
			return err
		}
		if seen[key] {
			return r.errAt(pos, "duplicate member %q in %s", key, what())
		}
		seen[key] = true
		if err := r.expectByte(':', "':' after member name"); err != nil {
			return err
		}
		if err := fn(key, pos); err != nil {
			return err
		}
		switch r.peek() {
		case ',':
			r.i++
		case '}':
			r.i++
			return nil
		default:
			return r.errAt(r.i, "expected ',' or '}' in %s, got %s", what(), r.describeNext())
		}
	}
}

// array calls fn for each element; fn must consume the value.
func (r *jsonReader) array(what func() string, fn func(i int) error) error {
	if r.peek() != '[' {
		return r.errAt(r.i, "expected an array for %s, got %s", what(), r.describeNext())
	}
	if err := r.expectByte('[', "'['"); err != nil {
		return err
	}
	r.depth++
	if r.depth > maxJSONDepth {
		return r.errAt(r.i, "nesting deeper than %d", maxJSONDepth)
	}
	defer func() { r.depth-- }()
	if r.peek() == ']' {
		r.i++
		return nil
	}
	for n := 0; ; n++ {
		if err := fn(n); err != nil {
			return err
		}
		switch r.peek() {
		case ',':
			r.i++
		case ']':
			r.i++
			return nil
		default:
			return r.errAt(r.i, "expected ',' or ']' in %s, got %s", what(), r.describeNext())
		}
	}
}

// str reads a JSON string (full escapes; invalid UTF-8 is an error).
func (r *jsonReader) str() (string, error) {
	if r.peek() != '"' {
		return "", r.errAt(r.i, "expected a string, got %s", r.describeNext())
	}
	start := r.i
	r.i++
	plain := r.i
	for r.i < len(r.src) {
		c := r.src[r.i]
		if c == '"' {
			s := string(r.src[plain:r.i])
			r.i++
			return s, nil
		}
		if c == '\\' || c < 0x20 || c >= utf8.RuneSelf {
			break
		}
		r.i++
	}
	// Slow path: escapes, control characters, non-ASCII.
	b := append([]byte(nil), r.src[plain:r.i]...)
	for {
		if r.i >= len(r.src) {
			return "", r.errAt(start, "unterminated string")
		}
		c := r.src[r.i]
		switch {
		case c == '"':
			r.i++
			return string(b), nil
		case c < 0x20:
			return "", r.errAt(r.i, "control character %q in string", rune(c))
		case c >= utf8.RuneSelf:
			ru, n := utf8.DecodeRune(r.src[r.i:])
			if ru == utf8.RuneError && n <= 1 {
				return "", r.errAt(r.i, "invalid UTF-8 byte 0x%02x in string", c)
			}
			b = append(b, r.src[r.i:r.i+n]...)
			r.i += n
		case c == '\\':
			if r.i+1 >= len(r.src) {
				return "", r.errAt(start, "unterminated string")
			}
			e := r.src[r.i+1]
			r.i += 2
			switch e {
			case '"', '\\', '/':
				b = append(b, e)
			case 'b':
				b = append(b, '\b')
			case 'f':
				b = append(b, '\f')
			case 'n':
				b = append(b, '\n')
			case 'r':
				b = append(b, '\r')
			case 't':
				b = append(b, '\t')
			case 'u':
				ru, ok := r.hex4()
				if !ok {
					return "", r.errAt(r.i-2, "invalid \\u escape")
				}
				if utf16.IsSurrogate(ru) {
					lo := rune(-1)
					if r.i+1 < len(r.src) && r.src[r.i] == '\\' && r.src[r.i+1] == 'u' {
						r.i += 2
						if l, ok := r.hex4(); ok {
							lo = l
						}
					}
					ru = utf16.DecodeRune(ru, lo)
				}
				b = utf8.AppendRune(b, ru)
			default:
				return "", r.errAt(r.i-2, "invalid escape \\%c in string", e)
			}
		default:
			b = append(b, c)
			r.i++
		}
	}
}

func (r *jsonReader) hex4() (rune, bool) {
	if r.i+4 > len(r.src) {
		return 0, false
	}
	v, err := strconv.ParseUint(string(r.src[r.i:r.i+4]), 16, 32)
	if err != nil {
		return 0, false
	}
	r.i += 4
	return rune(v), true
}

// number reads a JSON number and returns its text.
func (r *jsonReader) number() (string, error) {
	r.ws()
	st := r.i
	s := r.src
	i := r.i
	if i < len(s) && s[i] == '-' {
		i++
	}
	switch {
	case i < len(s) && s[i] == '0':
		i++
	case i < len(s) && s[i] >= '1' && s[i] <= '9':
		for i < len(s) && s[i] >= '0' && s[i] <= '9' {
			i++
		}
	default:
		return "", r.errAt(st, "expected a number, got %s", r.describeNext())
	}
	if i < len(s) && s[i] == '.' {
		i++
		d := i
		for i < len(s) && s[i] >= '0' && s[i] <= '9' {
			i++
		}
		if i == d {
			return "", r.errAt(i, "invalid number: digits expected after '.'")
		}
	}
	if i < len(s) && (s[i] == 'e' || s[i] == 'E') {
		i++
		if i < len(s) && (s[i] == '+' || s[i] == '-') {
			i++
		}
		d := i
		for i < len(s) && s[i] >= '0' && s[i] <= '9' {
			i++
		}
		if i == d {
			return "", r.errAt(i, "invalid number: digits expected in the exponent")
		}
	}
	r.i = i
	return string(s[st:i]), nil
}

func (r *jsonReader) literal(word string) bool {
	if r.i+len(word) <= len(r.src) && string(r.src[r.i:r.i+len(word)]) == word {
		r.i += len(word)
		return true
	}
	return false
}

// value reads any JSON value as an option value: numbers as graph.Number.
func (r *jsonReader) value() (any, error) {
	switch c := r.peek(); {
	case c == '"':
		return r.str()
	case c == '{':
		m := map[string]any{}
		err := r.object(func() string { return "object" }, func(k string, _ int) error {
			v, err := r.value()
			m[k] = v
			return err
		})
		return m, err
	case c == '[':
		a := make([]any, 0, 4)
		err := r.array(func() string { return "array" }, func(int) error {
			v, err := r.value()
			a = append(a, v)
			return err
		})
		return a, err
	case c == 't' && r.literal("true"):
		return true, nil
	case c == 'f' && r.literal("false"):
		return false, nil
	case c == 'n' && r.literal("null"):
		return nil, nil
	case c == '-' || c >= '0' && c <= '9':
		n, err := r.number()
		return graph.Number(n), err
	}
	return nil, r.errAt(r.i, "expected a JSON value, got %s", r.describeNext())
}

// skip consumes one value.
func (r *jsonReader) skip() error {
	_, err := r.value()
	return err
}

func (r *jsonReader) boolean() (bool, error) {
	r.ws()
	if r.literal("true") {
		return true, nil
	}
	if r.literal("false") {
		return false, nil
	}
	return false, r.errAt(r.i, "expected true or false, got %s", r.describeNext())
}

// strOf reads a string, naming what it is in the error.
func (r *jsonReader) strOf(what func() string) (string, error) {
	if r.peek() != '"' {
		return "", r.errAt(r.i, "%s: expected a string, got %s", what(), r.describeNext())
	}
	return r.str()
}

// strings reads an array of strings (null → nil).
func (r *jsonReader) strings(what func() string) ([]string, error) {
	if r.isNull() {
		return nil, nil
	}
	out := make([]string, 0, 2)
	err := r.array(what, func(i int) error {
		s, err := r.strOf(func() string { return fmt.Sprintf("%s[%d]", what(), i) })
		out = append(out, s)
		return err
	})
	return out, err
}

// end checks that only whitespace follows.
func (r *jsonReader) end() error {
	if r.peek() != 0 || r.i < len(r.src) {
		return r.errAt(r.i, "trailing data after the JSON value")
	}
	return nil
}
