package webnn

import (
	"fmt"
	"math/rand"
	"testing"

	"github.com/webnn-graph/webnn-graph/graph"
	"github.com/webnn-graph/webnn-graph/tensor"
)

// RMSNorm as exported (pow, reduceMean, add, sqrt, div, mul, mul): the
// chains around the reduction fuse, the per-row part at its own shape,
// and the values are those of the ops run one by one.
func TestFusionRMSNorm(t *testing.T) {
	r := rand.New(rand.NewSource(4))
	x := randT(r, 1, 3, 16)
	w := randT(r, 16)
	gr := &graph.Graph{
		Inputs: []graph.Input{{Name: "x", Desc: descOf(x)}},
		Consts: []graph.Const{
			{Name: "w", Desc: descOf(w), Kind: graph.ConstBytes, Bytes: w.Bytes()},
			{Name: "two", Desc: graph.Desc{DType: tensor.Float32}, Kind: graph.ConstScalar, Scalar: "2"},
			{Name: "one", Desc: graph.Desc{DType: tensor.Float32}, Kind: graph.ConstScalar, Scalar: "1"},
			{Name: "eps", Desc: graph.Desc{DType: tensor.Float32}, Kind: graph.ConstScalar, Scalar: "1e-5"},
		},
		Nodes: []graph.Node{
			{ID: "p", Op: "pow", Inputs: []string{"x", "two"}},
			{ID: "m", Op: "reduceMean", Inputs: []string{"p"}, Options: map[string]any{"axes": ints(2), "keepDimensions": true}},
			{ID: "a", Op: "add", Inputs: []string{"m", "eps"}},
			{ID: "s", Op: "sqrt", Inputs: []string{"a"}},
			{ID: "d", Op: "div", Inputs: []string{"one", "s"}},
			{ID: "y", Op: "mul", Inputs: []string{"x", "d"}},
			{ID: "z", Op: "mul", Inputs: []string{"w", "y"}},
		},
		Outputs: []graph.Output{{Name: "z", Operand: "z"}},
	}
	planned, written := compileBoth(t, gr)
	if n := len(planned.steps); n != 3 {
		t.Errorf("%d steps, want 3 (pow, reduceMean, one region)", n)
	}
	sameRuns(t, planned, written, map[string]*tensor.Tensor{"x": x})
}

// A region whose groups have as many elements but different ranks: the
// decomposed BatchNormalization (x − mean) / sqrt(var + eps) at batch 1,
// where the [4] group (add, sqrt) must run before the [1, 4] group that
// reads it (ordering by element count alone ran the div on an unwritten
// buffer: NaN and −Inf).
func TestFusionEqualSizeGroupsOfOtherRank(t *testing.T) {
	r := rand.New(rand.NewSource(6))
	x := randT(r, 1, 4)
	m, v := randT(r, 4), randT(r, 4)
	for i, f := range v.Data.([]float32) {
		v.Data.([]float32)[i] = 1 + f*f
	}
	gr := &graph.Graph{
		Inputs: []graph.Input{{Name: "x", Desc: descOf(x)}},
		Consts: []graph.Const{
			{Name: "m", Desc: descOf(m), Kind: graph.ConstBytes, Bytes: m.Bytes()},
			{Name: "v", Desc: descOf(v), Kind: graph.ConstBytes, Bytes: v.Bytes()},
			{Name: "eps", Desc: graph.Desc{DType: tensor.Float32}, Kind: graph.ConstScalar, Scalar: "1e-5"},
		},
		Nodes: []graph.Node{
			{ID: "a", Op: "sub", Inputs: []string{"x", "m"}},
			{ID: "b", Op: "add", Inputs: []string{"v", "eps"}},
			{ID: "c", Op: "sqrt", Inputs: []string{"b"}},
			{ID: "y", Op: "div", Inputs: []string{"a", "c"}},
		},
		Outputs: []graph.Output{{Name: "y", Operand: "y"}},
	}
	planned, written := compileBoth(t, gr)
	if n := len(planned.steps); n != 1 {
		t.Errorf("%d steps, want 1 region", n)
	}
	sameRuns(t, planned, written, map[string]*tensor.Tensor{"x": x})
}

// Random chains of elementwise ops over operands of broadcasting shapes
// (scalars, rows, columns, full, reshaped views of one input) give the
// values of the unfused plan, in float32, and fall back to the ops' own
// kernels for float16 and int32.
func TestFusionRandomChains(t *testing.T) {
	r := rand.New(rand.NewSource(5))
	unary := []string{"neg", "abs", "sqrt", "exp", "sigmoid", "tanh", "relu", "erf", "reciprocal"}
	binary := []string{"add", "sub", "mul", "div", "max", "min", "pow"}
	shapes := [][]int{{2, 3, 5}, {5}, {3, 1}, {2, 1, 1}, {}, {1, 3, 5}, {2, 3, 1}}
	for trial := 0; trial < 200; trial++ {
		dt := tensor.Float32
		switch trial % 5 {
		case 3:
			dt = tensor.Float16
		case 4:
			dt = tensor.Int32
		}
		g := &graph.Graph{}
		in := map[string]*tensor.Tensor{}
		var avail []string
		for i, sh := range shapes {
			if r.Intn(3) == 0 && i > 0 {
				continue
			}
			name := fmt.Sprintf("in%d", i)
			v := randT(r, sh...)
			for j, f := range v.Data.([]float32) { // keep pow/sqrt/log away from NaN mostly
				v.Data.([]float32)[j] = 0.5 + f*f/4
			}
			t0 := v
			switch dt {
			case tensor.Float16:
				t0 = f16t(sh, v.Data.([]float32)...)
			case tensor.Int32:
				iv := make([]int32, len(v.Data.([]float32)))
				for j, f := range v.Data.([]float32) {
					iv[j] = int32(f*4) + 1
				}
				t0 = i32t(sh, iv...)
			}
			in[name] = t0
			g.Inputs = append(g.Inputs, graph.Input{Name: name, Desc: descOf(t0)})
			avail = append(avail, name)
		}
		n := 2 + r.Intn(8)
		var outs []string
		for k := 0; k < n; k++ {
			id := fmt.Sprintf("n%d", k)
			pick := func() string {
				if len(outs) > 0 && r.Intn(3) > 0 {
					return outs[len(outs)-1-r.Intn(min(2, len(outs)))]
				}
				return avail[r.Intn(len(avail))]
			}
			if r.Intn(3) == 0 && dt != tensor.Int32 {
				g.Nodes = append(g.Nodes, graph.Node{ID: id, Op: unary[r.Intn(len(unary))], Inputs: []string{pick()}})
			} else {
				op := binary[r.Intn(len(binary))]
				if dt == tensor.Int32 && op == "pow" {
					op = "mul"
				}
				g.Nodes = append(g.Nodes, graph.Node{ID: id, Op: op, Inputs: []string{pick(), pick()}})
			}
			outs = append(outs, id)
		}
		g.Outputs = []graph.Output{{Name: outs[len(outs)-1], Operand: outs[len(outs)-1]}}
		if r.Intn(2) == 0 && len(outs) > 2 {
			g.Outputs = append(g.Outputs, graph.Output{Name: outs[1], Operand: outs[1]})
		}
		planned, err := Compile(g, nil)
		if err != nil {
			t.Fatal(err)
		}
		written, err := CompileWith(g, nil, Options{Observe: func(*graph.Node, []*tensor.Tensor) error { return nil }})
		if err != nil {
			t.Fatal(err)
		}
		want, werr := written.Run(in)
		got, gerr := planned.Run(in)
		if (werr == nil) != (gerr == nil) {
			t.Fatalf("trial %d: written err %v, planned err %v", trial, werr, gerr)
		}
		if werr != nil {
			continue // a shape mismatch, reported by both
		}
		for name, w := range want {
			if err := sameBits(got[name], w); err != nil {
				t.Fatalf("trial %d (%v, %d nodes), output %s: %v", trial, dt, n, name, err)
			}
		}
	}
}

// sameBits compares two results exactly (NaNs equal).
func sameBits(got, want *tensor.Tensor) error {
	if got.DType != want.DType || !sameShape(got.Shape, want.Shape) {
		return fmt.Errorf("%v %v, want %v %v", got.DType, got.Shape, want.DType, want.Shape)
	}
	gb, wb := rawBytes(got), rawBytes(want)
	for i := range wb {
		if gb[i] != wb[i] {
			return fmt.Errorf("byte %d differs: got %v, want %v", i, got.Data, want.Data)
		}
	}
	return nil
}

// A step repeating an earlier one (op, operands, options) is dropped and
// its readers read the earlier result; graph outputs are kept.
func TestCSE(t *testing.T) {
	r := rand.New(rand.NewSource(6))
	x := randT(r, 4, 6)
	gr := &graph.Graph{
		Inputs: []graph.Input{{Name: "x", Desc: descOf(x)}},
		Nodes: []graph.Node{
			{ID: "s1", Op: "slice", Inputs: []string{"x"}, Options: map[string]any{"starts": ints(1, 0), "sizes": ints(2, 6)}},
			{ID: "s2", Op: "slice", Inputs: []string{"x"}, Options: map[string]any{"starts": ints(1, 0), "sizes": ints(2, 6)}},
			{ID: "s3", Op: "slice", Inputs: []string{"x"}, Options: map[string]any{"starts": ints(0, 0), "sizes": ints(2, 6)}},
			{ID: "e1", Op: "exp", Inputs: []string{"s1"}},
			{ID: "e2", Op: "exp", Inputs: []string{"s2"}},
			{ID: "y", Op: "softmax", Inputs: []string{"e1"}, Options: map[string]any{"axis": int64(1)}},
			{ID: "z", Op: "softmax", Inputs: []string{"e2"}, Options: map[string]any{"axis": int64(1)}},
			{ID: "w", Op: "softmax", Inputs: []string{"s3"}, Options: map[string]any{"axis": int64(1)}},
		},
		Outputs: []graph.Output{{Name: "y", Operand: "y"}, {Name: "z", Operand: "z"}, {Name: "w", Operand: "w"}},
	}
	planned, written := compileBoth(t, gr)
	// s2 and e2 repeat s1 and e1; z repeats y but is an output.
	if n := len(planned.steps); n != 6 {
		t.Errorf("%d steps, want 6", n)
	}
	sameRuns(t, planned, written, map[string]*tensor.Tensor{"x": x})
}

// Results computed in place over an operand's buffer (a region over its
// leaf, softmax over the scores) equal the copying plan's, and a run's
// outputs are the caller's: a later run does not overwrite them.
func TestInPlaceAndHandOver(t *testing.T) {
	r := rand.New(rand.NewSource(7))
	q := randT(r, 1, 2, 3, 4)
	k := randT(r, 1, 2, 4, 5)
	mask := randT(r, 1, 1, 3, 5)
	gr := &graph.Graph{
		Inputs: []graph.Input{{Name: "q", Desc: descOf(q)}, {Name: "k", Desc: descOf(k)}, {Name: "mask", Desc: descOf(mask)}},
		Consts: []graph.Const{{Name: "scale", Desc: graph.Desc{DType: tensor.Float32}, Kind: graph.ConstScalar, Scalar: "0.5"}},
		Nodes: []graph.Node{
			{ID: "s", Op: "matmul", Inputs: []string{"q", "k"}},
			{ID: "d", Op: "mul", Inputs: []string{"s", "scale"}},
			{ID: "a", Op: "add", Inputs: []string{"d", "mask"}},
			{ID: "p", Op: "softmax", Inputs: []string{"a"}, Options: map[string]any{"axis": int64(3)}},
			{ID: "g", Op: "sigmoid", Inputs: []string{"p"}},
		},
		Outputs: []graph.Output{{Name: "g", Operand: "g"}},
	}
	planned, written := compileBoth(t, gr)
	in := map[string]*tensor.Tensor{"q": q, "k": k, "mask": mask}
	sameRuns(t, planned, written, in)
	first, err := planned.Run(in)
	if err != nil {
		t.Fatal(err)
	}
	keep := first["g"].Clone()
	in2 := map[string]*tensor.Tensor{"q": randT(r, 1, 2, 3, 4), "k": k, "mask": mask}
	if _, err := planned.Run(in2); err != nil {
		t.Fatal(err)
	}
	if err := sameBits(first["g"], keep); err != nil {
		t.Errorf("a later run changed an earlier run's output: %v", err)
	}
}

// Matmuls sharing their operand with constant weights run as one step
// (one pass over all the weights at one row) and give the same values, at
// one row and at several.
func TestSharedGemv(t *testing.T) {
	r := rand.New(rand.NewSource(8))
	wq, wk, wo := randT(r, 16, 24), randT(r, 16, 8), randT(r, 24, 16)
	gr := &graph.Graph{
		Inputs: []graph.Input{{Name: "x", Desc: graph.Desc{DType: tensor.Float32, Shape: []graph.Dim{graph.Static(1), graph.Dynamic("s", 8), graph.Static(16)}}}},
		Consts: []graph.Const{
			{Name: "wq", Desc: descOf(wq), Kind: graph.ConstBytes, Bytes: wq.Bytes()},
			{Name: "wk", Desc: descOf(wk), Kind: graph.ConstBytes, Bytes: wk.Bytes()},
			{Name: "wo", Desc: descOf(wo), Kind: graph.ConstBytes, Bytes: wo.Bytes()},
		},
		Nodes: []graph.Node{
			{ID: "q", Op: "matmul", Inputs: []string{"x", "wq"}},
			{ID: "o", Op: "matmul", Inputs: []string{"q", "wo"}},
			{ID: "k", Op: "matmul", Inputs: []string{"x", "wk"}},
		},
		Outputs: []graph.Output{{Name: "o", Operand: "o"}, {Name: "k", Operand: "k"}},
	}
	planned, written := compileBoth(t, gr)
	if n := len(planned.steps); n != 2 {
		t.Errorf("%d steps, want 2 (q and k together, then o)", n)
	}
	for _, s := range []int{1, 3} {
		sameRuns(t, planned, written, map[string]*tensor.Tensor{"x": randT(r, 1, s, 16)})
	}
}
