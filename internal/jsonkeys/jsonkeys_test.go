package jsonkeys

import "testing"

func TestUnique(t *testing.T) {
	for _, c := range []struct{ in, want string }{
		{`{"a": 1, "b": {"a": 2}, "c": [{"a": 1}, {"a": 2}]}`, ""},
		{`{"a": 1, "a": 2}`, `member "a" is given twice`},
		{`{"t": {"w": {"x": 1}, "w": {"x": 2}}}`, `member "w" of t is given twice`},
		{`{"t": {"w": {"x": 1, "x": 2}}}`, `member "x" of t.w is given twice`},
		{`{"l": [1, {"k": [{"z": 0, "z": 0}]}]}`, `member "z" of l.k is given twice`},
		{`[{"a": 1}, {"a": 1}]`, ""},
		{`{"a": {}, "b": [], "c": "a", "a2": null}`, ""},
		{`not json`, ""},
	} {
		got := ""
		if err := Unique([]byte(c.in)); err != nil {
			got = err.Error()
		}
		if got != c.want {
			t.Errorf("Unique(%s) = %q, want %q", c.in, got, c.want)
		}
	}
}
