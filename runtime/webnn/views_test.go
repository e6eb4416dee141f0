package webnn

import (
	"math/rand"
	"testing"

	"github.com/webnn-graph/webnn-graph/graph"
	"github.com/webnn-graph/webnn-graph/tensor"
)

func randT(r *rand.Rand, shape ...int) *tensor.Tensor {
	v := make([]float32, tensor.NumElements(shape))
	for i := range v {
		v[i] = float32(r.NormFloat64())
	}
	return ft(shape, v...)
}

func ints(v ...int) []any {
	out := make([]any, len(v))
	for i, x := range v {
		out[i] = int64(x)
	}
	return out
}

// compileBoth compiles g twice: as planned (views) and as written (an
// Observe hook turns plan-time rewrites off).
func compileBoth(t *testing.T, g *graph.Graph) (planned, written *Program) {
	t.Helper()
	var err error
	if planned, err = Compile(g, nil); err != nil {
		t.Fatal(err)
	}
	if written, err = CompileWith(g, nil, Options{Observe: func(*graph.Node, []*tensor.Tensor) error { return nil }}); err != nil {
		t.Fatal(err)
	}
	return planned, written
}

func sameRuns(t *testing.T, planned, written *Program, in map[string]*tensor.Tensor) {
	t.Helper()
	for run := 0; run < 2; run++ {
		got, err := planned.Run(in)
		if err != nil {
			t.Fatal(err)
		}
		want, err := written.Run(in)
		if err != nil {
			t.Fatal(err)
		}
		for name, w := range want {
			if err := sameTensor(got[name], w); err != nil {
				t.Errorf("run %d, output %s: %v", run, name, err)
			}
		}
	}
}

// Grouped-query attention's key and value chains (reshape, expand the
// kv heads, reshape, transpose) run as views read in place by matmul, and
// give the values of the copying plan.
func TestViewsGQAChain(t *testing.T) {
	r := rand.New(rand.NewSource(1))
	const b, hkv, g, l, d, tq = 1, 3, 3, 7, 8, 2
	k := randT(r, b, hkv, l, d)
	q := randT(r, b, hkv*g, tq, d)
	gr := &graph.Graph{
		Inputs: []graph.Input{{Name: "k", Desc: descOf(k)}, {Name: "q", Desc: descOf(q)}},
		Nodes: []graph.Node{
			{ID: "k1", Op: "reshape", Inputs: []string{"k"}, Options: map[string]any{"newShape": ints(b, hkv, 1, l, d)}},
			{ID: "k2", Op: "expand", Inputs: []string{"k1"}, Options: map[string]any{"newShape": ints(b, hkv, g, l, d)}},
			{ID: "k3", Op: "reshape", Inputs: []string{"k2"}, Options: map[string]any{"newShape": ints(b, hkv*g, l, d)}},
			{ID: "kt", Op: "transpose", Inputs: []string{"k3"}, Options: map[string]any{"permutation": ints(0, 1, 3, 2)}},
			{ID: "s", Op: "matmul", Inputs: []string{"q", "kt"}},
			{ID: "o", Op: "matmul", Inputs: []string{"s", "k3"}},
		},
		Outputs: []graph.Output{{Name: "s", Operand: "s"}, {Name: "o", Operand: "o"}},
	}
	planned, written := compileBoth(t, gr)
	var views int
	for _, st := range planned.steps {
		if st.viewMode {
			views++
		}
	}
	if views != 4 {
		t.Errorf("%d steps run as views, want 4 (reshape, expand, reshape, transpose)", views)
	}
	sameRuns(t, planned, written, map[string]*tensor.Tensor{"k": k, "q": q})
}

// Views that cannot stay views (a reshape splitting a broadcast axis
// unevenly, a reader that needs dense data, a graph output) are
// materialised with the right values.
func TestViewsMaterialized(t *testing.T) {
	r := rand.New(rand.NewSource(2))
	x := randT(r, 2, 1, 3)
	w := randT(r, 4, 5)
	gr := &graph.Graph{
		Inputs: []graph.Input{{Name: "x", Desc: descOf(x)}, {Name: "w", Desc: descOf(w)}},
		Nodes: []graph.Node{
			{ID: "e", Op: "expand", Inputs: []string{"x"}, Options: map[string]any{"newShape": ints(2, 2, 3)}},
			{ID: "t", Op: "transpose", Inputs: []string{"e"}, Options: map[string]any{"permutation": ints(2, 0, 1)}},
			{ID: "rs", Op: "reshape", Inputs: []string{"t"}, Options: map[string]any{"newShape": ints(3, 4)}}, // [3,2,2] strides (1,3,0) → [3,4]: merges 2×2 (3,0)
			{ID: "m", Op: "matmul", Inputs: []string{"rs", "w"}},
			{ID: "r2", Op: "reshape", Inputs: []string{"t"}, Options: map[string]any{"newShape": ints(2, 6)}}, // splits the 3 of stride 1 unevenly
			{ID: "m2", Op: "matmul", Inputs: []string{"r2", "r2t"}},
			{ID: "r2t", Op: "transpose", Inputs: []string{"r2"}},
			{ID: "sum", Op: "add", Inputs: []string{"t", "t"}},
		},
		Outputs: []graph.Output{{Name: "m", Operand: "m"}, {Name: "sum", Operand: "sum"}, {Name: "e", Operand: "e"}},
	}
	// m2 reads r2t before it is defined in this node order: fix the order.
	gr.Nodes[5], gr.Nodes[6] = gr.Nodes[6], gr.Nodes[5]
	gr.Outputs = append(gr.Outputs, graph.Output{Name: "m2", Operand: "m2"})
	planned, written := compileBoth(t, gr)
	sameRuns(t, planned, written, map[string]*tensor.Tensor{"x": x, "w": w})
}

func TestStridedViewReshape(t *testing.T) {
	base := make([]float32, 24)
	for i := range base {
		base[i] = float32(i)
	}
	v := denseView(ft([]int{2, 3, 4}, base...))
	tv := v.transposed([]int{2, 0, 1}) // [4,2,3] strides 1,12,4
	for _, tc := range []struct {
		shape []int
		ok    bool
	}{
		{[]int{4, 6}, true},    // 2×3 merge: 12 = 3·4
		{[]int{2, 2, 6}, true}, // splits the 4 of stride 1
		{[]int{8, 3}, true},    // 4·2 with strides 1, 12: one axis of two dims
		{[]int{4, 2, 3}, true}, // unchanged
		{[]int{24}, true},      // every dim in one axis
		{[]int{3, 8}, false},   // 3 does not divide 4
		{[]int{1, 4, 1, 6, 1}, true},
	} {
		nv, ok := tv.reshaped(tc.shape)
		if ok != tc.ok {
			t.Errorf("reshape %v: ok = %v, want %v", tc.shape, ok, tc.ok)
			continue
		}
		if !ok {
			continue
		}
		got := &tensor.Tensor{DType: tensor.Float32, Shape: tc.shape, Data: make([]float32, 24)}
		nv.materialize(got)
		want := &tensor.Tensor{DType: tensor.Float32, Shape: []int{4, 2, 3}, Data: make([]float32, 24)}
		tv.materialize(want)
		if err := sameTensor(got, &tensor.Tensor{DType: tensor.Float32, Shape: tc.shape, Data: want.Data}); err != nil {
			t.Errorf("reshape %v: %v", tc.shape, err)
		}
	}
}
