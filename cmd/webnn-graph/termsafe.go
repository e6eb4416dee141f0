package main

import (
	"bytes"
	"io"
)

// termSafe wraps the standard output so that names from a model (value,
// node, graph and producer names are arbitrary strings) cannot drive the
// terminal or a CI log viewer: C0 control characters other than newline
// and tab, DEL and the C1 controls (U+0080–U+009F, which some terminals
// read as ESC sequences) are written as U+FFFD. An escape sequence in an
// output name would otherwise clear the screen, retitle the window or
// hide what follows it ("\x1b[8m"), and a carriage return would overwrite
// a FAIL with a forged line. Nothing the CLI means to print uses them on
// stdout (progress and log colours go to stderr; --json escapes them).
func termSafe(w io.Writer) io.Writer { return &termSafeWriter{w: w} }

type termSafeWriter struct{ w io.Writer }

var replacement = []byte("\uFFFD")

func unsafeAt(p []byte, i int) (width int) {
	c := p[i]
	switch {
	case c == '\n' || c == '\t':
		return 0
	case c < 0x20 || c == 0x7f:
		return 1
	case c == 0xc2 && i+1 < len(p) && p[i+1] >= 0x80 && p[i+1] <= 0x9f:
		return 2
	}
	return 0
}

func (t *termSafeWriter) Write(p []byte) (int, error) {
	clean := true
	for i := range p {
		if unsafeAt(p, i) > 0 {
			clean = false
			break
		}
	}
	if clean {
		return t.w.Write(p)
	}
	var b bytes.Buffer
	for i := 0; i < len(p); {
		if n := unsafeAt(p, i); n > 0 {
			b.Write(replacement)
			i += n
			continue
		}
		b.WriteByte(p[i])
		i++
	}
	if _, err := t.w.Write(b.Bytes()); err != nil {
		return 0, err
	}
	return len(p), nil
}
