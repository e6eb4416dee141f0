package shapeinfer

import (
	"fmt"
	"strings"
	"testing"
)

func mustParse(t *testing.T, s string) Expr {
	t.Helper()
	e, err := ParseExpr(s)
	if err != nil {
		t.Fatalf("parse %q: %v", s, err)
	}
	return e
}

func TestOffsetForm(t *testing.T) {
	for _, tc := range []struct {
		in   string
		name string
		k    int64
		ok   bool
	}{
		{"s", "s", 0, true},
		{"s + 3", "s", 3, true},
		{"s - 1", "s", -1, true},
		{"2 * s", "", 0, false},
		{"a + b", "", 0, false},
		{"min(4, s)", "", 0, false},
		{"7", "", 0, false},
	} {
		name, k, ok := mustParse(t, tc.in).OffsetForm()
		if name != tc.name || k != tc.k || ok != tc.ok {
			t.Errorf("OffsetForm(%s) = %q, %d, %v; want %q, %d, %v", tc.in, name, k, ok, tc.name, tc.k, tc.ok)
		}
	}
}

func TestSolveFor(t *testing.T) {
	l, r, ok := ParseConstraint("past_sequence_length + sequence_length == total_sequence_length")
	if !ok {
		t.Fatal("ParseConstraint failed")
	}
	for sym, want := range map[string]string{
		"past_sequence_length":  "total_sequence_length - sequence_length",
		"sequence_length":       "total_sequence_length - past_sequence_length",
		"total_sequence_length": "past_sequence_length + sequence_length",
	} {
		got, ok := SolveFor(l, r, sym)
		if !ok || got.String() != want {
			t.Errorf("SolveFor(%s) = %s, %v; want %s", sym, got, ok, want)
		}
	}
	if _, ok := SolveFor(mustParse(t, "2 * a"), mustParse(t, "b"), "a"); ok {
		t.Error("SolveFor solved 2·a = b for a over the integers")
	}
	if _, _, ok := ParseConstraint("a = b"); ok {
		t.Error("ParseConstraint accepted a malformed constraint")
	}
}

func TestCapsAndSubstB(t *testing.T) {
	e := mustParse(t, "max(0, min(256, p + s) - min(256, p))")
	var caps []string
	for _, c := range e.Caps() {
		caps = append(caps, fmt.Sprintf("%d:%s", c.K, c.Of))
	}
	if got := strings.Join(caps, " "); got != "256:p + s 256:p" && got != "256:p 256:p + s" {
		t.Errorf("Caps = %s", got)
	}
	b := Bounds{"p": {Min: 0, Max: 255}, "s": {Min: 1, Max: 256}, "t": {Min: 1, Max: 256}}
	got := e.SubstB(map[string]Expr{"p": mustParse(t, "t - s")}, b)
	if got.String() != "s" {
		t.Errorf("SubstB = %s, want s", got)
	}
	if got := mustParse(t, "min(512, s)").SubstB(nil, Bounds{"s": {Min: 1, Max: 512}}); got.String() != "s" {
		t.Errorf("SubstB under bounds = %s, want s", got)
	}
}
