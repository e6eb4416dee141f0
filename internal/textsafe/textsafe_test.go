package textsafe

import (
	"testing"
	"unicode/utf8"
)

func TestText(t *testing.T) {
	for _, c := range []struct{ in, want string }{
		{"plain name/with.dots", "plain name/with.dots"},
		{"tab\tand\nnewline", "tab\tand\nnewline"},
		{"nul\x00esc\x1b[31mcr\rdel\x7f", "nul\uFFFDesc\uFFFD[31mcr\uFFFDdel\uFFFD"},
		{"c1\u0085\u009b", "c1\uFFFD\uFFFD"},
		{"ls\u2028ps\u2029", "ls\uFFFDps\uFFFD"},
		{"bad\xff\xfeutf8", "bad\uFFFD\uFFFDutf8"},
		{"é 中 🙂", "é 中 🙂"},
	} {
		got := Text(c.in)
		if got != c.want {
			t.Errorf("Text(%q) = %q, want %q", c.in, got, c.want)
		}
		if !utf8.ValidString(got) {
			t.Errorf("Text(%q) = %q is not valid UTF-8", c.in, got)
		}
	}
}
