package lower

import (
	"slices"
	"testing"

	"github.com/webnn-graph/webnn-graph/graph"
)

// TestRegistryTable checks the table itself: every entry emits, opset
// ranges of one op do not overlap, and every WebNN op it names is one the
// loaders know.
func TestRegistryTable(t *testing.T) {
	type key struct{ domain, op string }
	ranges := map[key][]*lowering{}
	for _, l := range table() {
		if l.emit == nil {
			t.Errorf("%s: no emitter", qualifiedOp(l.domain, l.op))
		}
		if l.until != 0 && l.until < l.since {
			t.Errorf("%s: empty opset range %s", qualifiedOp(l.domain, l.op), l.opsetRange())
		}
		for _, w := range l.webnn {
			if _, ok := graph.Ops[w]; !ok {
				t.Errorf("%s: WebNN op %q is not in graph.Ops", qualifiedOp(l.domain, l.op), w)
			}
		}
		k := key{l.domain, l.op}
		for _, o := range ranges[k] {
			lo, hi := max(l.since, o.since), min(orMax(l.until), orMax(o.until))
			if lo <= hi {
				t.Errorf("%s: opset ranges %s and %s overlap", qualifiedOp(l.domain, l.op), l.opsetRange(), o.opsetRange())
			}
		}
		ranges[k] = append(ranges[k], l)
	}
	if got := len(Registry()); got != len(table()) {
		t.Errorf("Registry() has %d entries, table %d", got, len(table()))
	}
}

func orMax(v int64) int64 {
	if v == 0 {
		return 1 << 62
	}
	return v
}

// TestLookup checks opset selection.
func TestLookup(t *testing.T) {
	tests := []struct {
		domain, op string
		opset      int64
		found      bool
	}{
		{"", "Relu", 14, true},
		{"", "Relu", 5, false},
		{"", "LayerNormalization", 17, true},
		{"", "LayerNormalization", 16, false},
		{msDomain, "MatMulNBits", 1, true},
		{"", "MatMulNBits", 17, false},
		{"", "RotaryEmbedding", 23, true},
		{"", "RotaryEmbedding", 22, false},
		{"", "NoSuchOp", 17, false},
	}
	for _, tc := range tests {
		if got := lookup(tc.domain, tc.op, tc.opset) != nil; got != tc.found {
			t.Errorf("lookup(%q, %q, %d) found = %v, want %v", tc.domain, tc.op, tc.opset, got, tc.found)
		}
	}
}

// TestRegistryVersions: every ai.onnx entry starts at a version the ONNX
// changelog (onnxOpVersions) lists for its operator, so the versions
// column of docs/ops.md says exactly which operator versions it covers,
// and the newest opset of the table selects a covered version of every
// operator whose entries are open-ended.
func TestRegistryVersions(t *testing.T) {
	for _, e := range Registry() {
		if e.Domain != "" {
			continue
		}
		vs, ok := onnxOpVersions[e.OpType]
		if !ok {
			if e.OpType != "SimplifiedLayerNormalization" { // ORT's, registered in the ai.onnx domain
				t.Errorf("%s: not in the ONNX operator table", e.OpType)
			}
			continue
		}
		if !slices.Contains(vs, e.Since) {
			t.Errorf("%s: since %d is not one of its versions %v", e.OpType, e.Since, vs)
		}
		if e.Until == 0 && lookup("", e.OpType, onnxOpsetMax) == nil {
			t.Errorf("%s: opset %d selects no entry", e.OpType, onnxOpsetMax)
		}
	}
	if v, _, ok := onnxOpVersion("Add", 28); !ok || v != 14 {
		t.Errorf("Add at opset 28 is version %d (ok %v), want 14", v, ok)
	}
	if _, _, ok := onnxOpVersion("Add", onnxOpsetMax+1); ok {
		t.Errorf("an opset newer than the table selects a version")
	}
}
