package lower

import (
	"errors"
	"slices"
	"strings"
	"testing"

	"github.com/webnn-graph/webnn-graph/emit"
	"github.com/webnn-graph/webnn-graph/onnxpb"
	"github.com/webnn-graph/webnn-graph/shapeinfer"
	"github.com/webnn-graph/webnn-graph/target"
	"github.com/webnn-graph/webnn-graph/tensor"
)

// positionSlice slices rows [0, sequence_length) of a 16-row position
// table, as BERT's embeddings do: the model itself caps sequence_length.
func positionSlice(t *testing.T) *onnxpb.Model {
	return newModel(17).
		input("x", tensor.Float32, "batch_size", "sequence_length", 4).
		init("table", f32([]int{16, 4})).
		node("Shape", "/Shape", strs("x"), strs("sx")).
		node("Slice", "/Slice_s", strs("sx", "i1", "i2"), strs("seq")).
		node("Constant", "/i0", nil, strs("i0"), aTensor("value", i64(0))).
		node("Constant", "/i1", nil, strs("i1"), aTensor("value", i64(1))).
		node("Constant", "/i2", nil, strs("i2"), aTensor("value", i64(2))).
		node("Slice", "/Slice_pos", strs("table", "i0", "seq", "i0"), strs("pos")).
		node("Add", "/Add", strs("x", "pos"), strs("y")).
		output("y", tensor.Float32, "batch_size", "sequence_length", 4).
		build(t)
}

func TestTightenedBounds(t *testing.T) {
	for _, tc := range []struct {
		name      string
		dims      shapeinfer.Bounds
		tightened []TightenedBound
		refusal   string // substring of the refusal; "" for none
		size      string // the slice size as emitted
		target    *target.Target
	}{
		{"defaulted bound tightened", nil, []TightenedBound{{Name: "sequence_length", Max: 16, Was: 4096}}, "", "sequence_length", nil},
		{"user bound kept", shapeinfer.Bounds{"sequence_length": {Min: 1, Max: 100}}, nil, `size expression "min(16, sequence_length)" is not one target rustnn-0.5 evaluates`, "", nil},
		{"user bound kept, webnn", shapeinfer.Bounds{"sequence_length": {Min: 1, Max: 100}}, nil, "", "min(16, sequence_length)", target.WebNN},
		{"user bound within the limit", shapeinfer.Bounds{"sequence_length": {Min: 1, Max: 10}}, nil, "", "sequence_length", nil},
	} {
		t.Run(tc.name, func(t *testing.T) {
			res, err := Convert(positionSlice(t), Options{Dims: tc.dims, Target: tc.target})
			if tc.refusal != "" {
				if err == nil || !strings.Contains(err.Error(), tc.refusal) || !strings.Contains(err.Error(), "--freeze sequence_length=N") {
					t.Fatalf("got %v, want a refusal containing %q and the --freeze flag", err, tc.refusal)
				}
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			var got []TightenedBound
			for _, b := range res.Tightened {
				if !strings.Contains(b.Reason, "model limit") {
					t.Errorf("reason %q does not say where the limit comes from", b.Reason)
				}
				b.Reason = ""
				got = append(got, b)
			}
			if !slices.Equal(got, tc.tightened) {
				t.Errorf("Tightened = %+v, want %+v", got, tc.tightened)
			}
			if len(res.Warnings) > 0 {
				t.Errorf("Warnings = %q", res.Warnings)
			}
			src, err := emit.PrintText(res.Graph)
			if err != nil {
				t.Fatal(err)
			}
			text := string(src)
			if !strings.Contains(text, `"name": "`+tc.size+`"`) {
				t.Errorf("size %q not emitted:\n%s", tc.size, text)
			}
			if tc.tightened != nil && res.Bounds["sequence_length"].Max != tc.tightened[0].Max {
				t.Errorf("Bounds[sequence_length] = %+v", res.Bounds["sequence_length"])
			}
		})
	}
}

func TestLoaderForm(t *testing.T) {
	syms := map[string]bool{"batch_size": true, "sequence_length": true, "past_sequence_length": true, "total_sequence_length": true}
	c := &ctx{
		inputSyms: syms,
		bounds: shapeinfer.Bounds{
			"batch_size": {Min: 1, Max: 8}, "sequence_length": {Min: 1, Max: 2048},
			"past_sequence_length": {Min: 0, Max: 2047}, "total_sequence_length": {Min: 1, Max: 2048},
		},
		dimSubs: solvedConstraints([]string{"past_sequence_length + sequence_length == total_sequence_length"}),
	}
	for _, tc := range []struct{ in, want string }{
		{"sequence_length", "sequence_length"},
		{"sequence_length - 1", "sequence_length - 1"},
		{"past_sequence_length + sequence_length", "total_sequence_length"},
		{"past_sequence_length + sequence_length + 3", "total_sequence_length + 3"},
		{"min(2048, past_sequence_length + sequence_length)", "total_sequence_length"},
		{"max(0, total_sequence_length - past_sequence_length)", "sequence_length"},
		{"batch_size * sequence_length", ""}, // refused for rustnn-0.5
		{"4 * batch_size", ""},
	} {
		e, err := shapeinfer.ParseExpr(tc.in)
		if err != nil {
			t.Fatal(err)
		}
		for _, tg := range target.All() {
			c.target = tg
			got, err := c.loaderForm(e)
			switch {
			case tc.want == "" && tg.Sizes == target.SizesOffset:
				if err == nil || !errors.Is(err, ErrUnsupported) || !strings.Contains(err.Error(), "--freeze") {
					t.Errorf("%s: loaderForm(%s) = %s, %v; want a refusal naming --freeze", tg.Name, tc.in, got, err)
				}
			case err != nil:
				t.Errorf("%s: loaderForm(%s): %v", tg.Name, tc.in, err)
			case tc.want != "" && got.String() != tc.want:
				t.Errorf("%s: loaderForm(%s) = %s, want %s", tg.Name, tc.in, got, tc.want)
			}
		}
	}
}

// flattenedGemmModel is GPT-2's Conv1D: [b, s, 4] → [b·s, 4] → Gemm →
// [b, s, 3].
func flattenedGemmModel(t *testing.T, transB int64) *onnxpb.Model {
	w := f32([]int{4, 3}, 1, -2, 3, 0.5, 0.25, -1, 2, 1, 0, -0.5, 1.5, 2)
	if transB != 0 {
		w = f32([]int{3, 4}, 1, 0.5, 2, -0.5, -2, 0.25, 1, 1.5, 3, -1, 0, 2)
	}
	return newModel(17).
		input("x", tensor.Float32, "batch_size", "sequence_length", 4).
		init("w", w).
		init("b", f32([]int{3}, 0.1, 0.2, 0.3)).
		init("flat", i64(-1, 4)).
		init("i0", i64(0)).
		init("i2", i64(2)).
		init("n", i64(3)).
		node("Reshape", "/Reshape", strs("x", "flat"), strs("x2")).
		node("Gemm", "/Gemm", strs("x2", "w", "b"), strs("y2"), aInt("transB", transB)).
		node("Shape", "/Shape", strs("x"), strs("sx")).
		node("Slice", "/Slice", strs("sx", "i0", "i2"), strs("bs")).
		node("Concat", "/Concat", strs("bs", "n"), strs("target"), aInt("axis", 0)).
		node("Reshape", "/Reshape_1", strs("y2", "target"), strs("y")).
		output("y", tensor.Float32, "batch_size", "sequence_length", 3).
		build(t)
}

func TestFlattenedGemm(t *testing.T) {
	for _, transB := range []int64{0, 1} {
		m := flattenedGemmModel(t, transB)
		res, err := Convert(m, Options{})
		if err != nil {
			t.Fatal(err)
		}
		src, err := emit.PrintText(res.Graph)
		if err != nil {
			t.Fatal(err)
		}
		text := string(src)
		if strings.Contains(text, "*") || strings.Contains(text, "reshape") || len(res.Warnings) > 0 {
			t.Errorf("transB=%d: flattened size still emitted (warnings %q):\n%s", transB, res.Warnings, text)
		}
		crossCheck(t, m, map[string]*tensor.Tensor{"x": randF32(newRand(), 2, 5, 4)}, 1e-5)
	}
}

// TestShuffledNodes converts models whose node lists are in reverse
// topological order: ONNX does not promise a sorted file.
func TestShuffledNodes(t *testing.T) {
	for _, gm := range goldenModels {
		t.Run(gm.name, func(t *testing.T) {
			sorted, err := Convert(gm.build(t), Options{Target: anySizes})
			if err != nil {
				t.Fatal(err)
			}
			m := gm.build(t)
			slices.Reverse(m.Proto.Graph.Node)
			res, err := Convert(m, Options{Target: anySizes})
			if err != nil {
				t.Fatalf("reversed node list: %v", err)
			}
			if len(res.Graph.Nodes) != len(sorted.Graph.Nodes) {
				t.Errorf("reversed node list emits %d ops, sorted %d", len(res.Graph.Nodes), len(sorted.Graph.Nodes))
			}
		})
	}
}

// TestVectorMatMul: a 1-D · 1-D MatMul is a scalar (shapeinfer used to
// panic on it), and an internal inference failure is never a refusal.
func TestVectorMatMul(t *testing.T) {
	m := newModel(17).
		input("a", tensor.Float32, 4).
		input("b", tensor.Float32, 4).
		node("MatMul", "/MatMul", strs("a", "b"), strs("y")).
		output("y", tensor.Float32).
		build(t)
	res, err := Convert(m, Options{})
	if errors.Is(err, ErrUnsupported) {
		t.Fatalf("refused: %v", err)
	}
	if err != nil {
		t.Fatal(err)
	}
	if out := res.Graph.Outputs[0]; out.Name == "" {
		t.Fatal("no output")
	}
	rng := newRand()
	crossCheck(t, m, map[string]*tensor.Tensor{"a": randF32(rng, 4), "b": randF32(rng, 4)}, 1e-5)
}
