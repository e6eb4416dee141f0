package lower

import (
	"errors"
	"fmt"
	"math/rand"
	"strings"
	"testing"

	"github.com/webnn-graph/webnn-graph/emit"
	"github.com/webnn-graph/webnn-graph/onnxpb"
	onnxrt "github.com/webnn-graph/webnn-graph/runtime/onnx"
	"github.com/webnn-graph/webnn-graph/runtime/webnn"
	"github.com/webnn-graph/webnn-graph/target"
	"github.com/webnn-graph/webnn-graph/tensor"
)

// linearGather is a lookup x[i, j] written through the flattened x, as
// transformers' padding mask is exported: Gather(Flatten(x), i·T' + j)
// with i = Range(0, B) and j = Range(jStart, T + jExtra) laid along two
// axes of a rank-4 index, T' the dim of a tensor ("stride") that is x's
// dim 1 unless strideOther. x is [B, T, K] flattened at axis 2, or [B, T]
// reshaped to [-1] when flat1D.
type linearGather struct {
	name        string
	flat1D      bool
	jStart      int64
	jExtra      int64 // > 0 reads past the end of axis 1
	swap        bool  // i along the last index axis, j along the first
	strideOther bool  // the stride is another input's dim (not provably T)
	wantGathers int   // gather ops in the converted graph (-1: refused)
}

const linearK = 3

func (lg linearGather) model(t *testing.T) *onnxpb.Model {
	b := newModel(17).
		init("zero", i64Scalar(0)).init("one", i64Scalar(1)).init("jstart", i64Scalar(lg.jStart)).init("jextra", i64Scalar(lg.jExtra)).
		init("ax0", i64(0)).init("ax1", i64(1)).init("ax_lead", i64(0, 1, 2)).init("ax_tail", i64(1, 2, 3)).init("flat", i64(-1))
	xDims := []any{"batch_size", "total"}
	if !lg.flat1D {
		xDims = append(xDims, linearK)
	}
	b = b.input("x", tensor.Float32, xDims...)
	strideSrc := "x"
	if lg.strideOther {
		b = b.input("y", tensor.Float32, "batch_size", "other")
		strideSrc = "y"
	}
	b = b.node("Shape", "/shape_x", strs("x"), strs("xs")).
		node("Gather", "/B", strs("xs", "zero"), strs("B"), aInt("axis", 0)).
		node("Gather", "/T", strs("xs", "one"), strs("T"), aInt("axis", 0)).
		node("Shape", "/shape_s", strs(strideSrc), strs("ss")).
		node("Gather", "/stride", strs("ss", "ax1"), strs("stride"), aInt("axis", 0)).
		node("Add", "/jlimit", strs("T", "jextra"), strs("jlimit")).
		node("Range", "/Range_i", strs("zero", "B", "one"), strs("i")).
		node("Range", "/Range_j", strs("jstart", "jlimit", "one"), strs("j"))
	iAxes, jAxes := "ax_tail", "ax_lead"
	if lg.swap {
		iAxes, jAxes = jAxes, iAxes
	}
	b = b.node("Unsqueeze", "/ui", strs("i", iAxes), strs("iu")).
		node("Unsqueeze", "/uj", strs("j", jAxes), strs("ju")).
		node("Mul", "/rows", strs("iu", "stride"), strs("rows")).
		node("Add", "/idx", strs("rows", "ju"), strs("idx"))
	if lg.flat1D {
		b = b.node("Reshape", "/flatten", strs("x", "flat"), strs("xf"))
	} else {
		b = b.node("Flatten", "/flatten", strs("x"), strs("xf"), aInt("axis", 2))
	}
	b = b.node("Gather", "/lookup", strs("xf", "idx"), strs("g"), aInt("axis", 0)).
		node("Relu", "/relu", strs("g"), strs("out"))
	n := "total"
	switch {
	case lg.jStart != 0 || lg.jExtra != 0:
		n = "jn"
	}
	outDims := []any{"batch_size", 1, 1, n}
	if lg.swap {
		outDims = []any{n, 1, 1, "batch_size"}
	}
	if !lg.flat1D {
		outDims = append(outDims, linearK)
	}
	return b.output("out", tensor.Float32, outDims...).build(t)
}

// TestGatherOfFlattenedReadsUnflattened: the lookup converts for
// rustnn-0.5 without the product size batch_size · total (a gather per
// axis whose index is not the whole axis, none for whole aranges) and
// matches runtime/onnx at random sizes; where the index is not provably
// i·T + j with j inside axis 1 the flattened size is refused as before.
func TestGatherOfFlattenedReadsUnflattened(t *testing.T) {
	rng := rand.New(rand.NewSource(7))
	for _, lg := range []linearGather{
		{name: "whole_aranges", wantGathers: 0},
		{name: "whole_aranges_1d", flat1D: true, wantGathers: 0},
		{name: "j_from_1", jStart: 1, wantGathers: 1},
		{name: "swapped_axes", swap: true, wantGathers: 0},
		{name: "swapped_j_from_1_1d", swap: true, jStart: 1, flat1D: true, wantGathers: 1},
		{name: "j_past_the_end", jExtra: 1, wantGathers: -1},
		{name: "stride_of_another_tensor", strideOther: true, wantGathers: -1},
	} {
		t.Run(lg.name, func(t *testing.T) {
			m := lg.model(t)
			res, err := Convert(m, Options{})
			if lg.wantGathers < 0 {
				if err == nil {
					t.Fatal("converted; want the flattened size refused")
				}
				for _, want := range []string{`"/flatten"`, `batch_size * total`, "--target webnn"} {
					if !strings.Contains(err.Error(), want) {
						t.Errorf("refusal %q lacks %q", err, want)
					}
				}
				if !errors.Is(err, ErrTargetLimit) {
					t.Errorf("refusal is not a target limit: %v", err)
				}
				// The webnn target reads the product and converts as written.
				if _, err := Convert(m, Options{Target: target.WebNN}); err != nil {
					t.Errorf("webnn target: %v", err)
				}
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			text, err := emit.PrintText(res.Graph)
			if err != nil {
				t.Fatal(err)
			}
			if strings.Contains(string(text), "*") {
				t.Errorf("a product size is written:\n%s", text)
			}
			if got := strings.Count(string(text), "= gather("); got != lg.wantGathers {
				t.Errorf("%d gathers, want %d:\n%s", got, lg.wantGathers, text)
			}
			prog, err := webnn.Compile(res.Graph, weightSource(res))
			if err != nil {
				t.Fatal(err)
			}
			ref, err := onnxrt.Compile(m)
			if err != nil {
				t.Fatal(err)
			}
			for range 6 {
				B, T := 1+rng.Intn(3), 2+rng.Intn(6)
				shape := []int{B, T}
				if !lg.flat1D {
					shape = append(shape, linearK)
				}
				in := map[string]*tensor.Tensor{"x": randF32(rng, shape...)}
				want, err := ref.Run(in)
				if err != nil {
					t.Fatalf("B=%d T=%d: onnx: %v", B, T, err)
				}
				got, err := prog.Run(graphInputs(res, in))
				if err != nil {
					t.Fatalf("B=%d T=%d: webnn: %v", B, T, err)
				}
				if fmt.Sprint(got["out"].Shape) != fmt.Sprint(want["out"].Shape) {
					t.Fatalf("B=%d T=%d: shape %v, want %v", B, T, got["out"].Shape, want["out"].Shape)
				}
				if abs, _, err := compareOutputs(got["out"], want["out"]); err != nil || abs != 0 {
					t.Errorf("B=%d T=%d: max abs error %g, %v (a gather must be exact)", B, T, abs, err)
				}
			}
		})
	}
}

// TestIndexFormSharedPaths: an index that adds a value to itself 40 times
// (each value reached along 2^k paths) is analysed once per value and its
// terms capped, so the conversion ends at once (refusing the flattened
// size, since 2^40·i is no stride).
func TestIndexFormSharedPaths(t *testing.T) {
	b := newModel(17).
		input("x", tensor.Float32, "batch_size", "total").
		init("zero", i64Scalar(0)).init("one", i64Scalar(1)).init("flat", i64(-1)).
		node("Shape", "/shape", strs("x"), strs("xs")).
		node("Gather", "/B", strs("xs", "zero"), strs("B"), aInt("axis", 0)).
		node("Range", "/Range", strs("zero", "B", "one"), strs("v0"))
	for k := range 40 {
		b = b.node("Add", fmt.Sprintf("/double_%d", k), strs(fmt.Sprintf("v%d", k), fmt.Sprintf("v%d", k)), strs(fmt.Sprintf("v%d", k+1)))
	}
	m := b.node("Reshape", "/flatten", strs("x", "flat"), strs("xf")).
		node("Gather", "/lookup", strs("xf", "v40"), strs("out"), aInt("axis", 0)).
		output("out", tensor.Float32, "batch_size").build(t)
	_, err := Convert(m, Options{})
	if err == nil || !strings.Contains(err.Error(), "batch_size * total") {
		t.Errorf("want the flattened size refused, got %v", err)
	}
}
