package lower

import (
	"fmt"
	"math"
	"math/rand"
	"testing"

	"github.com/webnn-graph/webnn-graph/onnxpb"
	onnxrt "github.com/webnn-graph/webnn-graph/runtime/onnx"
	"github.com/webnn-graph/webnn-graph/runtime/webnn"
	"github.com/webnn-graph/webnn-graph/tensor"
)

// crossCheck converts m, runs it on runtime/webnn and the source on
// runtime/onnx; see crossCheckPair.
func crossCheck(t *testing.T, m *onnxpb.Model, inputs map[string]*tensor.Tensor, tol float64) {
	t.Helper()
	crossCheckPair(t, m, m, inputs, tol)
}

// crossCheckPair converts m, runs it on runtime/webnn and the source on
// runtime/onnx with the same inputs, and compares every output.
// The reference runs ref (the same model, or a standard-op equivalent of
// a com.microsoft op runtime/onnx lacks) on runtime/onnx.
func crossCheckPair(t *testing.T, m, refModel *onnxpb.Model, inputs map[string]*tensor.Tensor, tol float64) {
	t.Helper()
	res, err := Convert(m, Options{Target: anySizes})
	if err != nil {
		t.Fatalf("convert: %v", err)
	}
	prog, err := webnn.Compile(res.Graph, weightSource(res))
	if err != nil {
		t.Skipf("runtime/webnn cannot compile it yet: %v", err)
	}
	ref, err := onnxrt.Compile(refModel)
	if err != nil {
		t.Skipf("runtime/onnx cannot compile it yet: %v", err)
	}
	want, err := ref.Run(inputs)
	if err != nil {
		t.Fatalf("runtime/onnx: %v", err)
	}
	in := graphInputs(res, inputs)
	got, err := prog.Run(in)
	if err != nil {
		t.Fatalf("runtime/webnn: %v", err)
	}
	for _, o := range res.Graph.Outputs {
		_, scaled, err := compareOutputs(got[o.Name], want[res.Names[o.Name]])
		if err != nil {
			t.Errorf("output %s: %v", res.Names[o.Name], err)
		} else if scaled > tol {
			t.Errorf("output %s: scaled error %.3g > %g", res.Names[o.Name], scaled, tol)
		}
	}
}

func randF32(rng *rand.Rand, shape ...int) *tensor.Tensor {
	x := tensor.New(tensor.Float32, shape)
	for i := range x.Data.([]float32) {
		x.Data.([]float32)[i] = float32(rng.NormFloat64())
	}
	return x
}

// TestCrossCheck runs decompositions that the ONNX backend tests do not
// reach (float64-only tests, dynamic dims) against runtime/onnx.
func TestCrossCheck(t *testing.T) {
	rng := rand.New(rand.NewSource(7))
	type tc struct {
		name   string
		model  func(t *testing.T) *onnxpb.Model
		inputs map[string]*tensor.Tensor
	}
	var cases []tc
	for _, eq := range []struct {
		eq     string
		a, b   []int
		out    []any
		single bool
	}{
		{"ij,jk->ik", []int{3, 4}, []int{4, 5}, []any{3, 5}, false},
		{"bhid,bhjd->bhij", []int{2, 3, 4, 5}, []int{2, 3, 6, 5}, []any{2, 3, 4, 6}, false},
		{"bij,bjk->bik", []int{2, 3, 4}, []int{2, 4, 5}, []any{2, 3, 5}, false},
		{"i,i", []int{5}, []int{5}, []any{}, false},
		{"ij->ji", []int{3, 4}, nil, []any{4, 3}, true},
		{"ijk->i", []int{3, 4, 2}, nil, []any{3}, true},
		{"abc,cd->abd", []int{2, 3, 4}, []int{4, 5}, []any{2, 3, 5}, false},
		{"ab,cd->abcd", []int{2, 3}, []int{4, 5}, []any{2, 3, 4, 5}, false},
	} {
		eq := eq
		cases = append(cases, tc{"einsum " + eq.eq, func(t *testing.T) *onnxpb.Model {
			b := newModel(17).input("a", tensor.Float32, anyInts(eq.a)...)
			ins := strs("a")
			if !eq.single {
				b.input("b", tensor.Float32, anyInts(eq.b)...)
				ins = strs("a", "b")
			}
			return b.node("Einsum", "einsum", ins, strs("y"), aString("equation", eq.eq)).
				output("y", tensor.Float32, eq.out...).build(t)
		}, einsumInputs(rng, eq.a, eq.b)})
	}
	for _, opset := range []int64{18, 21} {
		opset := opset
		ch := 2
		if opset == 21 {
			ch = 6
		}
		cases = append(cases, tc{fmt.Sprintf("group norm opset %d", opset), func(t *testing.T) *onnxpb.Model {
			return newModel(opset).input("x", tensor.Float32, "batch_size", 6, 3, 3).
				init("scale", f32([]int{ch}, 0.5, 2, -1, 1.5, 3, 0.25)).init("bias", f32([]int{ch}, 0.1, -0.2, 0.3)).
				node("GroupNormalization", "gn", strs("x", "scale", "bias"), strs("y"), aInt("num_groups", 2), aFloat("epsilon", 1e-5)).
				output("y", tensor.Float32, "batch_size", 6, 3, 3).build(t)
		}, map[string]*tensor.Tensor{"x": randF32(rng, 2, 6, 3, 3)}})
	}
	cases = append(cases,
		tc{"softmax opset 11 axis 1", func(t *testing.T) *onnxpb.Model {
			return newModel(11).input("x", tensor.Float32, 2, 3, 4).
				node("Softmax", "sm", strs("x"), strs("y"), aInt("axis", 1)).
				output("y", tensor.Float32, 2, 3, 4).build(t)
		}, map[string]*tensor.Tensor{"x": randF32(rng, 2, 3, 4)}},
		tc{"slice negative step and dynamic end", func(t *testing.T) *onnxpb.Model {
			return newModel(17).input("x", tensor.Float32, "n", 6).
				node("Constant", "s", nil, strs("starts"), aTensor("value", i64(-1, 5))).
				node("Constant", "e", nil, strs("ends"), aTensor("value", i64(-1000, 0))).
				node("Constant", "a", nil, strs("axes"), aTensor("value", i64(0, 1))).
				node("Constant", "st", nil, strs("steps"), aTensor("value", i64(-2, -2))).
				node("Slice", "slice", strs("x", "starts", "ends", "axes", "steps"), strs("y")).
				output("y", tensor.Float32, "m", 3).build(t)
		}, map[string]*tensor.Tensor{"x": randF32(rng, 7, 6)}},
		tc{"slice from the end of a dynamic axis", func(t *testing.T) *onnxpb.Model {
			return newModel(17).input("x", tensor.Float32, "n", 6).
				node("Constant", "s", nil, strs("starts"), aTensor("value", i64(-3))).
				node("Constant", "e", nil, strs("ends"), aTensor("value", i64(1<<62))).
				node("Constant", "a", nil, strs("axes"), aTensor("value", i64(0))).
				node("Slice", "slice", strs("x", "starts", "ends", "axes"), strs("y")).
				output("y", tensor.Float32, "m", 6).build(t)
		}, map[string]*tensor.Tensor{"x": randF32(rng, 5, 6)}},
		// Kaldi's snip_edges=false front: x[:, 119::-1] is min(120, N)
		// samples mirrored, sliced forward then reversed.
		tc{"negative-step slice from a static start of a dynamic axis, shorter", kaldiMirror, map[string]*tensor.Tensor{"x": randF32(rng, 2, 7)}},
		tc{"negative-step slice from a static start of a dynamic axis, longer", kaldiMirror, map[string]*tensor.Tensor{"x": randF32(rng, 1, 9)}},
		// Kaldi's pre-emphasis: pads [0, 1, 0, -1] with mode=edge shift
		// by one sample repeating the first.
		tc{"edge pad with a crop of the other side", func(t *testing.T) *onnxpb.Model {
			return newModel(17).input("x", tensor.Float32, "b", "samples").
				node("Constant", "p", nil, strs("pads"), aTensor("value", i64(0, 1, 0, -1))).
				node("Pad", "pad", strs("x", "pads"), strs("y"), aString("mode", "edge")).
				output("y", tensor.Float32, "b", "samples").build(t)
		}, map[string]*tensor.Tensor{"x": randF32(rng, 2, 6)}},
		tc{"reflect pad with a crop of the other side", func(t *testing.T) *onnxpb.Model {
			return newModel(17).input("x", tensor.Float32, 2, 7).
				node("Constant", "p", nil, strs("pads"), aTensor("value", i64(0, -2, 0, 3))).
				node("Pad", "pad", strs("x", "pads"), strs("y"), aString("mode", "reflect")).
				output("y", tensor.Float32, 2, 8).build(t)
		}, map[string]*tensor.Tensor{"x": randF32(rng, 2, 7)}},
		tc{"dims used as data", dimsAsData, map[string]*tensor.Tensor{"x": randF32(rng, 2, 5), "past": randF32(rng, 2, 3)}},
		tc{"dims used as data, past length 0", dimsAsData, map[string]*tensor.Tensor{"x": randF32(rng, 1, 4), "past": randF32(rng, 1, 0)}},
	)
	cases = append(cases,
		tc{"decomposed layer norm pattern", decomposedLayerNorm, map[string]*tensor.Tensor{"x": randF32(rng, 2, 3, 8)}},
		tc{"erf gelu pattern", erfGelu, map[string]*tensor.Tensor{"x": randF32(rng, 3, 8)}},
	)
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			crossCheck(t, c.model(t), c.inputs, 1e-5)
		})
	}
}

func kaldiMirror(t *testing.T) *onnxpb.Model {
	return newModel(17).input("x", tensor.Float32, "b", "samples").
		node("Constant", "s", nil, strs("starts"), aTensor("value", i64(7))).
		node("Constant", "e", nil, strs("ends"), aTensor("value", i64(math.MinInt64))).
		node("Constant", "a", nil, strs("axes"), aTensor("value", i64(1))).
		node("Constant", "st", nil, strs("steps"), aTensor("value", i64(-1))).
		node("Slice", "slice", strs("x", "starts", "ends", "axes", "steps"), strs("y")).
		output("y", tensor.Float32, "b", "m").build(t)
}

func anyInts(xs []int) []any {
	out := make([]any, len(xs))
	for i, x := range xs {
		out[i] = x
	}
	return out
}

func einsumInputs(rng *rand.Rand, a, b []int) map[string]*tensor.Tensor {
	in := map[string]*tensor.Tensor{"a": randF32(rng, a...)}
	if b != nil {
		in["b"] = randF32(rng, b...)
	}
	return in
}

// dimsAsData uses dims as tensor data: y = x · seq_len, positions =
// range(past, past + seq) (a dynamic Range with a dynamic start) and a
// dynamic ConstantOfShape.
func dimsAsData(t *testing.T) *onnxpb.Model {
	// y = x * seq_len (a dim rebuilt as a tensor), positions =
	// range(past, past + seq) as a dynamic Range with a dynamic start.
	return newModel(17).input("x", tensor.Float32, "batch_size", "sequence_length").
		input("past", tensor.Float32, "batch_size", "past_sequence_length").
		node("Shape", "shx", strs("x"), strs("sx")).
		node("Shape", "shp", strs("past"), strs("sp")).
		node("Constant", "c1", nil, strs("one"), aTensor("value", i64Scalar(1))).
		node("Gather", "gs", strs("sx", "one"), strs("seq"), aInt("axis", 0)).
		node("Gather", "gp", strs("sp", "one"), strs("plen"), aInt("axis", 0)).
		node("Cast", "cast", strs("seq"), strs("seqf"), aInt("to", 1)).
		node("Mul", "mul", strs("x", "seqf"), strs("y")).
		node("Add", "add", strs("plen", "seq"), strs("total")).
		node("Range", "range", strs("plen", "total", "one"), strs("positions")).
		node("ConstantOfShape", "cos", strs("sx"), strs("zeros"), aTensor("value", &tensor.Tensor{DType: tensor.Float32, Shape: []int{1}, Data: []float32{2.5}})).
		output("y", tensor.Float32, "batch_size", "sequence_length").
		output("positions", tensor.Int64, "sequence_length").
		output("zeros", tensor.Float32, "batch_size", "sequence_length").build(t)
}

// TestContribOps checks com.microsoft fusions against their standard-op
// equivalents run on runtime/onnx.
func TestContribOps(t *testing.T) {
	rng := rand.New(rand.NewSource(11))
	x, skip := randF32(rng, 2, 3, 8), randF32(rng, 2, 3, 8)
	gamma, beta, bias := f32([]int{8}, 0.5, 1.5, -1, 2), f32([]int{8}, 0.1, -0.3), f32([]int{8}, 0.2, -0.1, 0.05)
	withInits := func(b *modelBuilder) *modelBuilder {
		return b.input("x", tensor.Float32, "batch_size", "sequence_length", 8).
			input("skip", tensor.Float32, "batch_size", "sequence_length", 8).
			init("gamma", gamma).init("beta", beta).init("bias", bias)
	}
	in := map[string]*tensor.Tensor{"x": x, "skip": skip}
	t.Run("SkipLayerNormalization", func(t *testing.T) {
		m := withInits(newModel(17).domain("com.microsoft", 1)).
			msNode("SkipLayerNormalization", "sln", strs("x", "skip", "gamma", "beta", "bias"), strs("y", "", "", "sum"), aFloat("epsilon", 1e-5)).
			output("y", tensor.Float32, "batch_size", "sequence_length", 8).output("sum", tensor.Float32, "batch_size", "sequence_length", 8).build(t)
		ref := withInits(newModel(17)).
			node("Add", "a0", strs("x", "skip"), strs("s0")).node("Add", "a1", strs("s0", "bias"), strs("sum")).
			node("LayerNormalization", "ln", strs("sum", "gamma", "beta"), strs("y"), aFloat("epsilon", 1e-5)).
			output("y", tensor.Float32, "batch_size", "sequence_length", 8).output("sum", tensor.Float32, "batch_size", "sequence_length", 8).build(t)
		crossCheckPair(t, m, ref, in, 1e-5)
	})
	t.Run("SkipSimplifiedLayerNormalization", func(t *testing.T) {
		m := withInits(newModel(17).domain("com.microsoft", 1)).
			msNode("SkipSimplifiedLayerNormalization", "srms", strs("x", "skip", "gamma"), strs("y"), aFloat("epsilon", 1e-6)).
			output("y", tensor.Float32, "batch_size", "sequence_length", 8).build(t)
		ref := withInits(newModel(17)).
			node("Add", "a0", strs("x", "skip"), strs("s")).
			node("Mul", "sq", strs("s", "s"), strs("s2")).
			node("ReduceMean", "mean", strs("s2"), strs("ms"), aInts("axes", -1)).
			node("Constant", "e", nil, strs("eps"), aTensor("value", &tensor.Tensor{DType: tensor.Float32, Shape: []int{}, Data: []float32{1e-6}})).
			node("Add", "a1", strs("ms", "eps"), strs("mse")).
			node("Sqrt", "rt", strs("mse"), strs("r")).
			node("Div", "d", strs("s", "r"), strs("n")).
			node("Mul", "g", strs("n", "gamma"), strs("y")).
			output("y", tensor.Float32, "batch_size", "sequence_length", 8).build(t)
		crossCheckPair(t, m, ref, in, 1e-5)
	})
	t.Run("FastGelu", func(t *testing.T) {
		m := withInits(newModel(17).domain("com.microsoft", 1)).
			msNode("FastGelu", "fg", strs("x", "bias"), strs("y")).
			output("y", tensor.Float32, "batch_size", "sequence_length", 8).build(t)
		ref := withInits(newModel(20)).
			node("Add", "a", strs("x", "bias"), strs("xb")).
			node("Gelu", "g", strs("xb"), strs("y"), aString("approximate", "tanh")).
			output("y", tensor.Float32, "batch_size", "sequence_length", 8).build(t)
		crossCheckPair(t, m, ref, in, 1e-5)
	})
	t.Run("BiasGelu", func(t *testing.T) {
		m := withInits(newModel(17).domain("com.microsoft", 1)).
			msNode("BiasGelu", "bg", strs("x", "bias"), strs("y")).
			output("y", tensor.Float32, "batch_size", "sequence_length", 8).build(t)
		ref := withInits(newModel(20)).
			node("Add", "a", strs("x", "bias"), strs("xb")).
			node("Gelu", "g", strs("xb"), strs("y")).
			output("y", tensor.Float32, "batch_size", "sequence_length", 8).build(t)
		crossCheckPair(t, m, ref, in, 1e-5)
	})
}

// decomposedLayerNorm is layer normalisation written with ReduceMean/Sub/Pow/Sqrt/Div (pre-opset-17 exports).
func decomposedLayerNorm(t *testing.T) *onnxpb.Model {
	return newModel(13).input("x", tensor.Float32, "batch_size", "sequence_length", 8).
		init("gamma", f32([]int{8}, 0.5, 2, -1)).
		node("ReduceMean", "m", strs("x"), strs("mean"), aInts("axes", -1)).
		node("Sub", "d", strs("x", "mean"), strs("diff")).
		node("Constant", "two", nil, strs("p2"), aTensor("value", &tensor.Tensor{DType: tensor.Float32, Shape: []int{}, Data: []float32{2}})).
		node("Pow", "sq", strs("diff", "p2"), strs("sq")).
		node("ReduceMean", "v", strs("sq"), strs("var"), aInts("axes", -1)).
		node("Constant", "eps", nil, strs("eps"), aTensor("value", &tensor.Tensor{DType: tensor.Float32, Shape: []int{}, Data: []float32{1e-5}})).
		node("Add", "ve", strs("var", "eps"), strs("ve")).
		node("Sqrt", "sd", strs("ve"), strs("sd")).
		node("Div", "norm", strs("diff", "sd"), strs("n")).
		node("Mul", "scale", strs("n", "gamma"), strs("y")).
		output("y", tensor.Float32, "batch_size", "sequence_length", 8).build(t)
}

// erfGelu is exact GELU written with Div/Erf/Add/Mul (BERT exports).
func erfGelu(t *testing.T) *onnxpb.Model {
	return newModel(17).input("x", tensor.Float32, "n", 8).
		node("Constant", "c0", nil, strs("sqrt2"), aTensor("value", &tensor.Tensor{DType: tensor.Float32, Shape: []int{}, Data: []float32{1.4142135}})).
		node("Constant", "c1", nil, strs("one"), aTensor("value", &tensor.Tensor{DType: tensor.Float32, Shape: []int{}, Data: []float32{1}})).
		node("Constant", "c2", nil, strs("half"), aTensor("value", &tensor.Tensor{DType: tensor.Float32, Shape: []int{}, Data: []float32{0.5}})).
		node("Div", "div", strs("x", "sqrt2"), strs("d")).
		node("Erf", "erf", strs("d"), strs("e")).
		node("Add", "add", strs("e", "one"), strs("p")).
		node("Mul", "mul", strs("x", "p"), strs("m")).
		node("Mul", "mul_1", strs("m", "half"), strs("y")).
		output("y", tensor.Float32, "n", 8).build(t)
}

// TestPatterns checks that recognised patterns become the native op and
// their inner ops disappear.
func TestPatterns(t *testing.T) {
	for _, tc := range []struct {
		name   string
		model  func(t *testing.T) *onnxpb.Model
		want   string
		absent []string
	}{
		// A recognised layer norm is re-emitted in the canonical
		// decomposition (norm.go layerNorm: rustnn cannot load chained
		// layerNormalization ops): pow becomes mul, one sqrt, one div.
		{"layer norm", decomposedLayerNorm, "sqrt", []string{"pow", "layerNormalization"}},
		{"erf gelu", erfGelu, "gelu", []string{"erf", "div"}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			res, err := Convert(tc.model(t), Options{})
			if err != nil {
				t.Fatal(err)
			}
			ops := map[string]int{}
			for _, n := range res.Graph.Nodes {
				ops[n.Op]++
			}
			if ops[tc.want] != 1 {
				t.Errorf("ops %v: want one %s", ops, tc.want)
			}
			for _, a := range tc.absent {
				if ops[a] != 0 {
					t.Errorf("ops %v: %s should be gone", ops, a)
				}
			}
		})
	}
}

func newRand() *rand.Rand { return rand.New(rand.NewSource(1)) }

// graphInputs keys ONNX-named inputs by graph input identifier.
func graphInputs(res *Result, byONNX map[string]*tensor.Tensor) map[string]*tensor.Tensor {
	in := map[string]*tensor.Tensor{}
	for _, gi := range res.Graph.Inputs {
		if x, ok := byONNX[res.Names[gi.Name]]; ok {
			in[gi.Name] = x
		}
	}
	return in
}
