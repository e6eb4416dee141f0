package target

import (
	"strings"
	"testing"

	"github.com/webnn-graph/webnn-graph/graph"
	"github.com/webnn-graph/webnn-graph/tensor"
)

// TestOffsetForm: the forms rustnn 0.5.12 evaluates, as measured with
// pywebnn (a reshape whose size it cannot read asks for maxSize).
func TestOffsetForm(t *testing.T) {
	dims := map[string]bool{"b": true, "s": true, "a": true}
	for _, tc := range []struct {
		expr string
		ok   bool
	}{
		{"b", true}, {" b ", true}, {"b + 0", true}, {"b+0", true}, {"s - 1", true}, {"s-1", true},
		{"s + -1", true}, {"s - 0", true},
		{"4 * b", false}, {"b * 4", false}, {"a + b - 1", false}, {"1 + s", false}, {"s - 1 + 1", false},
		{"(s)", false}, {"s + 1.0", false}, {"zz", false}, {"min(16, s)", false},
	} {
		if got := RustnnV05.EvaluatesSize(tc.expr, dims); got != tc.ok {
			t.Errorf("rustnn-0.5 evaluates %q = %v, want %v", tc.expr, got, tc.ok)
		}
		wantAny := tc.expr != "zz" && tc.expr != "s + 1.0"
		if got := WebNN.EvaluatesSize(tc.expr, dims); got != wantAny {
			t.Errorf("webnn evaluates %q = %v, want %v", tc.expr, got, wantAny)
		}
	}
}

func TestCheck(t *testing.T) {
	g := &graph.Graph{
		Version: 2,
		Inputs:  []graph.Input{{Name: "x", Desc: graph.Desc{DType: tensor.Int64, Shape: []graph.Dim{graph.Dynamic("batch_size", 8), graph.Static(4)}}}},
		Nodes: []graph.Node{
			{ID: "r", Op: "reshape", Inputs: []string{"x"}, Options: map[string]any{"newShape": []any{map[string]any{"name": "4 * batch_size", "maxSize": int64(32)}}}},
			{ID: "q", Op: "squeeze", Inputs: []string{"r"}},
		},
	}
	want := map[*Target][]string{
		RustnnV05: {`size expression "4 * batch_size" is not one target rustnn-0.5 evaluates`},
		WebNN:     {`input "x" is int64`, "op squeeze is a rustnn extra"},
	}
	for tg, subs := range want {
		got := strings.Join(tg.Check(g), "\n")
		for _, s := range subs {
			if !strings.Contains(got, s) {
				t.Errorf("%s: Check = %q, want %q", tg.Name, got, s)
			}
		}
	}
	if _, err := Lookup("browser"); err == nil {
		t.Error("Lookup of an unknown target succeeded")
	}
	if tg, _ := Lookup(""); tg != Default || Default != RustnnV05 {
		t.Error("default target is not rustnn-0.5")
	}
}
