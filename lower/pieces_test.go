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
	"github.com/webnn-graph/webnn-graph/shapeinfer"
	"github.com/webnn-graph/webnn-graph/target"
	"github.com/webnn-graph/webnn-graph/tensor"
)

// causalMaskModel builds the causal mask a decoder without an
// attention-mask input computes (optimum Whisper's decoder_with_past):
// k = Range(0, past + seq) as [1, 1, 1, past + seq], q = Range(past,
// past + seq) as [1, 1, seq, 1], mask = Expand(k <= q, [B, 1, seq, past +
// seq]), out = scores + Where(mask, 0, -1e9), the scores a concat of
// [B, 1, seq, past] and [B, 1, seq, seq] (no input declares their
// length past + seq). product makes the length
// past · seq instead, which no split into input dims gives.
func causalMaskModel(t *testing.T, product bool) *onnxpb.Model {
	b := newModel(17).
		input("old", tensor.Float32, "batch_size", 1, "seq", "past_len").
		input("new", tensor.Float32, "batch_size", 1, "seq", "seq").
		input("x", tensor.Float32, "batch_size", "seq").
		init("zero", i64Scalar(0)).init("one", i64Scalar(1)).init("three", i64Scalar(3)).init("ax1", i64(1)).
		init("ax_lead", i64(0, 1, 2)).init("ax_01", i64(0, 1)).init("ax_3", i64(3)).init("unit", i64(1)).
		init("fzero", f32(nil, 0)).init("neg", f32(nil, -1e9)).
		node("Concat", "/scores", strs("old", "new"), strs("scores"), aInt("axis", 3)).
		node("Shape", "/shape_p", strs("old"), strs("ps")).
		node("Gather", "/P", strs("ps", "three"), strs("P"), aInt("axis", 0)).
		node("Shape", "/shape_x", strs("x"), strs("xs")).
		node("Gather", "/S", strs("xs", "one"), strs("S"), aInt("axis", 0))
	if product {
		b = b.node("Mul", "/total", strs("P", "S"), strs("T"))
	} else {
		b = b.node("Add", "/total", strs("P", "S"), strs("T"))
	}
	b = b.node("Range", "/Range_k", strs("zero", "T", "one"), strs("k")).
		node("Unsqueeze", "/k4", strs("k", "ax_lead"), strs("k4")).
		node("Range", "/Range_q", strs("P", "T", "one"), strs("q")).
		node("Unsqueeze", "/q4", strs("q", "ax_01"), strs("q3")).
		node("Unsqueeze", "/q4b", strs("q3", "ax_3"), strs("q4")).
		node("LessOrEqual", "/le", strs("k4", "q4"), strs("le")).
		node("Shape", "/shape_s", strs("scores"), strs("ss")).
		node("Expand", "/expand", strs("le", "ss"), strs("mask")).
		node("Where", "/where", strs("mask", "fzero", "neg"), strs("bias")).
		node("Add", "/add", strs("scores", "bias"), strs("out"))
	return b.output("out", tensor.Float32).build(t)
}

// TestLengthSumHeldInPieces: the causal mask over past + seq positions
// converts for rustnn-0.5 without the sum as a size (the Range, the
// unsqueeze and the expand work on a piece per summed dim, joined by a
// concat) and matches runtime/onnx at random sizes; a length no split
// into input dims gives (past · seq) stays refused.
func TestLengthSumHeldInPieces(t *testing.T) {
	m := causalMaskModel(t, false)
	res, err := Convert(m, Options{})
	if err != nil {
		t.Fatal(err)
	}
	text, err := emit.PrintText(res.Graph)
	if err != nil {
		t.Fatal(err)
	}
	for _, name := range res.Sizes {
		if !target.RustnnV05.EvaluatesSize(name.Text, map[string]bool{"batch_size": true, "seq": true, "past_len": true}) {
			t.Errorf("size %q written:\n%s", name.Text, text)
		}
	}
	if !strings.Contains(string(text), "_join = concat(") {
		t.Errorf("no concat of pieces:\n%s", text)
	}
	prog, err := webnn.Compile(res.Graph, weightSource(res))
	if err != nil {
		t.Fatal(err)
	}
	ref, err := onnxrt.Compile(m)
	if err != nil {
		t.Fatal(err)
	}
	rng := rand.New(rand.NewSource(3))
	for range 8 {
		B, P, S := 1+rng.Intn(3), rng.Intn(6), 1+rng.Intn(5)
		in := map[string]*tensor.Tensor{"old": randF32(rng, B, 1, S, P), "new": randF32(rng, B, 1, S, S), "x": randF32(rng, B, S)}
		want, err := ref.Run(in)
		if err != nil {
			t.Fatalf("B=%d P=%d S=%d: onnx: %v", B, P, S, err)
		}
		got, err := prog.Run(graphInputs(res, in))
		if err != nil {
			t.Fatalf("B=%d P=%d S=%d: webnn: %v", B, P, S, err)
		}
		if fmt.Sprint(got["out"].Shape) != fmt.Sprint(want["out"].Shape) {
			t.Fatalf("B=%d P=%d S=%d: shape %v, want %v", B, P, S, got["out"].Shape, want["out"].Shape)
		}
		if abs, _, err := compareOutputs(got["out"], want["out"]); err != nil || abs != 0 {
			t.Errorf("B=%d P=%d S=%d: max abs error %g, %v", B, P, S, abs, err)
		}
	}
	// webnn reads the sum itself: no pieces.
	if res, err := Convert(m, Options{Target: target.WebNN}); err != nil {
		t.Errorf("webnn target: %v", err)
	} else if text, _ := emit.PrintText(res.Graph); strings.Contains(string(text), "_join") {
		t.Errorf("webnn target holds pieces:\n%s", text)
	}
	_, err = Convert(causalMaskModel(t, true), Options{Dims: shapeinfer.Bounds{"seq": {Min: 1, Max: 16}, "past_len": {Min: 0, Max: 16}}})
	if err == nil || !strings.Contains(err.Error(), "past_len * seq") || !errors.Is(err, ErrTargetLimit) || !OnlyTargetLimits(err) {
		t.Errorf("past · seq: want the size refused, got %v", err)
	}
}
