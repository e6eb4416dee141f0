package graphdiff

import (
	"encoding/binary"
	"fmt"
	"math"
	"strings"
	"testing"

	"github.com/webnn-graph/webnn-graph/emit"
	"github.com/webnn-graph/webnn-graph/internal/testenv"
)

// base is the graph every case edits: a dynamic input, weights, a scalar,
// a reshape whose size follows the sequence_length bound, an iota sized by
// it.
const base = `webnn_graph "g" v2 {
  inputs {
    x: f32[dyn("batch_size", 8), dyn("sequence_length", 64), 4];
  }
  consts {
    w: f32[4, 4] @weights("w");
    b: f32[4] @weights("b");
    half: f32[] @scalar(0.5);
    iota: i64[64] @weights("iota");
  }
  nodes {
    mm = matmul(x, w);
    biased = add(mm, b);
    act = mul(biased, half);
    flat = reshape(act, newShape=[{"maxSize": 8, "name": "batch_size"}, {"maxSize": 256, "name": "sequence_length * 4"}]);
    pos = slice(iota, starts=[0], sizes=[{"maxSize": 64, "name": "sequence_length"}]);
    y = relu(flat);
  }
  outputs { y; pos; }
}
`

// weights maps refs to float32 (w, b) or int64 (iota) values.
type weights map[string][]byte

func (w weights) WeightBytes(ref string) ([]byte, error) {
	b, ok := w[ref]
	if !ok {
		return nil, fmt.Errorf("no weight %q", ref)
	}
	return b, nil
}

func f32s(v ...float32) []byte {
	b := make([]byte, 4*len(v))
	for i, x := range v {
		binary.LittleEndian.PutUint32(b[4*i:], math.Float32bits(x))
	}
	return b
}

func iota(n int) []byte {
	b := make([]byte, 8*n)
	for i := 0; i < n; i++ {
		binary.LittleEndian.PutUint64(b[8*i:], uint64(i))
	}
	return b
}

func baseWeights() weights {
	w := make([]float32, 16)
	for i := range w {
		w[i] = float32(i) / 16
	}
	return weights{"w": f32s(w...), "b": f32s(1, 2, 3, 4), "iota": iota(64)}
}

func side(t *testing.T, name, text string, ws weights) Side {
	t.Helper()
	g, err := emit.ParseText([]byte(text))
	if err != nil {
		t.Fatalf("%s: %v", name, err)
	}
	return Side{Path: name, Graph: g, Weights: ws}
}

func TestCompare(t *testing.T) {
	edit := func(pairs ...string) string {
		s := base
		for i := 0; i < len(pairs); i += 2 {
			if !strings.Contains(s, pairs[i]) {
				panic("test edit does not apply: " + pairs[i])
			}
			s = strings.ReplaceAll(s, pairs[i], pairs[i+1])
		}
		return s
	}
	bounds := edit(`dyn("sequence_length", 64)`, `dyn("sequence_length", 16)`,
		`{"maxSize": 256, "name": "sequence_length * 4"}`, `{"maxSize": 64, "name": "sequence_length * 4"}`,
		`{"maxSize": 64, "name": "sequence_length"}`, `{"maxSize": 16, "name": "sequence_length"}`,
		`iota: i64[64]`, `iota: i64[16]`)
	boundsW := baseWeights()
	boundsW["iota"] = iota(16)
	changedW := baseWeights()
	changedW["w"] = append([]byte(nil), changedW["w"]...)
	binary.LittleEndian.PutUint32(changedW["w"][4*5:], math.Float32bits(0.3125+0.25))

	cases := []struct {
		name      string
		b         string
		wb        weights
		identical bool
		changes   int
		want      []string // lines the text output must contain
		not       []string // and must not
	}{
		{name: "identical", b: base, identical: true, want: []string{"identical: 6 nodes and 4 consts the same"}},
		{name: "comments and number spelling only", b: edit("half: f32[] @scalar(0.5);", "# a comment\n    half: f32[] @scalar(5e-1);"), identical: true},
		{name: "dim bounds only", b: bounds, wb: boundsW, changes: 1,
			want: []string{"sequence_length: ≤ 64 → ≤ 16", "the maxSize of 2 node option(s)", "iota i64[64] → i64[16]"},
			not:  []string{"nodes:", "consts:", "inputs:"}},
		{name: "weight bytes", b: base, wb: changedW, changes: 1,
			want: []string{"~ w: f32[4, 4], sha256", "1 of 16 elements differ, max abs difference 0.25"}},
		{name: "scalar value", b: edit("@scalar(0.5)", "@scalar(0.25)"), changes: 1, want: []string{"~ half: f32[]"}},
		{name: "op changed", b: edit("y = relu(flat)", "y = sigmoid(flat)"), changes: 1, want: []string{"~ y (sigmoid):", "op: relu → sigmoid"}},
		{name: "option changed", b: edit("starts=[0]", "starts=[1]"), changes: 1, want: []string{"option starts: [0] → [1]"}},
		{name: "node added", b: edit("y = relu(flat);", "y0 = relu(flat);\n    y = neg(y0);"), changes: 3,
			want: []string{"~ y renamed y0 (relu", "+ y = neg(…)", "~ y operand: y (y0 in b) → y"}},
		{name: "renamed chain", b: edit("act = mul(biased, half)", "scaled = mul(biased, half)", "reshape(act,", "reshape(scaled,"), changes: 1,
			want: []string{"~ act renamed scaled (mul, same inputs and options)"}, not: []string{"+ scaled", "- act"}},
		{name: "const renamed", b: edit("b: f32[4] @weights(\"b\")", "bias: f32[4] @weights(\"bias\")", "add(mm, b)", "add(mm, bias)"),
			wb: weights{"w": baseWeights()["w"], "bias": baseWeights()["b"], "iota": iota(64)}, changes: 1,
			want: []string{"~ b renamed bias (f32[4], same bytes)"}, not: []string{"biased (add)"}},
		{name: "input dtype and dim", b: edit("x: f32[dyn(\"batch_size\", 8), dyn(\"sequence_length\", 64), 4]", "x: f16[dyn(\"batch_size\", 8), dyn(\"sequence_length\", 64), 8]"), changes: 1,
			want: []string{"~ x data type: float32 → float16", "~ x dim 2: 4 → 8"}},
		{name: "output removed", b: edit("outputs { y; pos; }", "outputs { y; }"), changes: 1,
			want: []string{"outputs:", "  - pos"}, not: []string{"nodes:"}},
	}
	passed, failed := 0, 0
	for _, c := range cases {
		ok := t.Run(c.name, func(t *testing.T) {
			wb := c.wb
			if wb == nil {
				wb = baseWeights()
			}
			d, err := Compare(side(t, "a.webnn", base, baseWeights()), side(t, "b.webnn", c.b, wb))
			if err != nil {
				t.Fatal(err)
			}
			var out strings.Builder
			WriteText(&out, d)
			text := out.String()
			if d.Identical != c.identical || !c.identical && d.Changes != c.changes {
				t.Errorf("identical %v with %d changes, want %v with %d\n%s", d.Identical, d.Changes, c.identical, c.changes, text)
			}
			for _, s := range c.want {
				if !strings.Contains(text, s) {
					t.Errorf("output lacks %q\n%s", s, text)
				}
			}
			for _, s := range c.not {
				if strings.Contains(text, s) {
					t.Errorf("output has %q\n%s", s, text)
				}
			}
		})
		if ok {
			passed++
		} else {
			failed++
		}
	}
	testenv.Report("graphdiff table: %d passed, %d failed, 0 skipped", passed, failed)
}

// TestCompareWithoutWeights compares constants by reference when the
// weights are not available, and says so.
func TestCompareWithoutWeights(t *testing.T) {
	d, err := Compare(side(t, "a", base, nil), side(t, "b", base, nil))
	if err != nil || !d.Identical {
		t.Fatalf("same graph without weights: identical %v, %v", d != nil && d.Identical, err)
	}
	d, err = Compare(side(t, "a", base, nil), side(t, "b", base, baseWeights()))
	if err != nil {
		t.Fatal(err)
	}
	if d.Identical || len(d.Consts.Changed) != 3 || !strings.Contains(d.Consts.Changed[0].Note, "not readable") {
		t.Errorf("one side without weights: %+v", d.Consts)
	}
}
