package lower

import (
	"errors"
	"fmt"
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

// foldedAttention is eager attention that folds 2 heads into the batch
// (view [B, S, H, D] → transpose → view [B·H, S, D], 3-D MatMul, view
// back), as Whisper, BART and Marian export it. outFolded makes the
// folded scores a graph output as well.
func foldedAttention(t *testing.T, outFolded bool) *onnxpb.Model {
	const S, H, D = 5, 2, 4
	rng := newRand()
	b := newModel(17).
		input("x", tensor.Float32, "batch_size", S, H*D).
		init("wq", randF32(rng, H*D, H*D)).init("wk", randF32(rng, H*D, H*D)).init("wv", randF32(rng, H*D, H*D)).
		init("zero", i64(0)).init("heads", i64(H)).
		init("bshd_tail", i64(-1, H, D)).init("folded_tail", i64(-1, D)).init("unfold_tail", i64(H, -1, D)).init("merge_tail", i64(-1, H*D)).
		node("Shape", "/Shape", strs("x"), strs("xs")).
		node("Gather", "/Gather", strs("xs", "zero"), strs("bsz"), aInt("axis", 0)).
		node("Mul", "/Mul_heads", strs("bsz", "heads"), strs("bh")).
		node("Concat", "/Concat_bshd", strs("bsz", "bshd_tail"), strs("shape_bshd"), aInt("axis", 0)).
		node("Concat", "/Concat_folded", strs("bh", "folded_tail"), strs("shape_folded"), aInt("axis", 0)).
		node("Concat", "/Concat_unfold", strs("bsz", "unfold_tail"), strs("shape_unfold"), aInt("axis", 0)).
		node("Concat", "/Concat_merge", strs("bsz", "merge_tail"), strs("shape_merge"), aInt("axis", 0))
	for _, p := range []string{"q", "k", "v"} {
		b = b.node("MatMul", "/"+p+"_proj", strs("x", "w"+p), strs(p)).
			node("Reshape", "/"+p+"_bshd", strs(p, "shape_bshd"), strs(p+"_bshd")).
			node("Transpose", "/"+p+"_bhsd", strs(p+"_bshd"), strs(p+"_bhsd"), aInts("perm", 0, 2, 1, 3)).
			node("Reshape", "/"+p+"_fold", strs(p+"_bhsd", "shape_folded"), strs(p+"_f"))
	}
	b = b.node("Transpose", "/kT", strs("k_f"), strs("kT"), aInts("perm", 0, 2, 1)).
		node("MatMul", "/scores", strs("q_f", "kT"), strs("scores")).
		node("Softmax", "/softmax", strs("scores"), strs("probs"), aInt("axis", -1)).
		node("MatMul", "/ctx", strs("probs", "v_f"), strs("ctx_f")).
		node("Reshape", "/unfold", strs("ctx_f", "shape_unfold"), strs("ctx_bhsd")).
		node("Transpose", "/ctx_bshd", strs("ctx_bhsd"), strs("ctx_bshd"), aInts("perm", 0, 2, 1, 3)).
		node("Reshape", "/merge", strs("ctx_bshd", "shape_merge"), strs("y")).
		output("y", tensor.Float32, "batch_size", S, H*D)
	if outFolded {
		b = b.output("scores", tensor.Float32, "folded", S, S)
	}
	return b.build(t)
}

// TestFoldedAxesStaySplit: for rustnn-0.5 the folded size 2·batch_size is
// never written; the attention becomes 4-D matmuls over [B, H, …], and
// the graph matches runtime/onnx at batch 1 and 3.
func TestFoldedAxesStaySplit(t *testing.T) {
	m := foldedAttention(t, false)
	res, err := Convert(m, Options{})
	if err != nil {
		t.Fatal(err)
	}
	text, err := emit.PrintText(res.Graph)
	if err != nil {
		t.Fatal(err)
	}
	if strings.Contains(string(text), "*") {
		t.Errorf("a product size is still written:\n%s", text)
	}
	for _, d := range []string{"permutation=[0, 1, 3, 2]", "softmax(", "axis=3"} {
		if !strings.Contains(string(text), d) {
			t.Errorf("graph lacks %q (attention kept as 4-D):\n%s", d, text)
		}
	}
	prog, err := webnn.Compile(res.Graph, weightSource(res))
	if err != nil {
		t.Fatal(err)
	}
	ref, err := onnxrt.Compile(m)
	if err != nil {
		t.Fatal(err)
	}
	rng := newRand()
	for _, batch := range []int{1, 3} {
		in := map[string]*tensor.Tensor{"x": randF32(rng, batch, 5, 8)}
		want, err := ref.Run(in)
		if err != nil {
			t.Fatal(err)
		}
		got, err := prog.Run(graphInputs(res, in))
		if err != nil {
			t.Fatalf("batch %d: %v", batch, err)
		}
		if _, scaled, err := compareOutputs(got["y"], want["y"]); err != nil || scaled > 1e-5 {
			t.Errorf("batch %d: scaled error %g, %v", batch, scaled, err)
		}
	}
	// The webnn target reads any size: the plain 3-D form is kept.
	res, err = Convert(m, Options{Target: target.WebNN})
	if err != nil {
		t.Fatal(err)
	}
	if text, _ := emit.PrintText(res.Graph); !strings.Contains(string(text), "2 * batch_size") {
		t.Errorf("webnn target: folded size not written:\n%s", text)
	}
}

// TestFoldedValueNeededIsRefused: a folded value a consumer needs as such
// (here a graph output of shape [2·batch_size, 5, 5]) cannot stay split:
// rustnn-0.5 refuses it, naming the node, the expression and the flag.
func TestFoldedValueNeededIsRefused(t *testing.T) {
	_, err := Convert(foldedAttention(t, true), Options{})
	if err == nil {
		t.Fatal("converted; want a refusal")
	}
	for _, want := range []string{`"/scores" (MatMul`, `size expression "2 * batch_size"`, "--freeze batch_size=N", "--target webnn"} {
		if !strings.Contains(err.Error(), want) {
			t.Errorf("refusal %q lacks %q", err, want)
		}
	}
	if !errors.Is(err, ErrUnsupported) {
		t.Errorf("refusal does not unwrap to ErrUnsupported: %v", err)
	}
}

func TestAlignReshape(t *testing.T) {
	e := func(ss ...string) []shapeinfer.Expr {
		var out []shapeinfer.Expr
		for _, s := range ss {
			x, err := shapeinfer.ParseExpr(s)
			if err != nil {
				t.Fatal(err)
			}
			out = append(out, x)
		}
		return out
	}
	for _, tc := range []struct {
		in, out []shapeinfer.Expr
		runs    string // "" = not alignable
	}{
		{e("b", "4", "s", "16"), e("4 * b", "s", "16"), "[[0 2] [2 3] [3 4]]"},
		{e("b", "4", "s", "16"), e("b", "4", "s", "16"), "[[0 1] [1 2] [2 3] [3 4]]"},
		{e("b", "s", "64"), e("b", "s", "4", "16"), "[[0 1] [1 2] [2 3] [2 3]]"},
		{e("b", "s", "4", "16"), e("b", "s", "64"), "[[0 1] [1 2] [2 4]]"},
		{e("b", "s", "16"), e("b", "1", "s", "16"), "[[0 1] [1 1] [1 2] [2 3]]"},
		{e("b", "4", "s", "16"), e("s", "4 * b", "16"), ""},
	} {
		runs, ok := alignReshape(tc.in, tc.out)
		got := ""
		if ok {
			got = fmt.Sprint(runs)
		}
		if got != tc.runs {
			t.Errorf("alignReshape(%v, %v) = %s, want %s", tc.in, tc.out, got, tc.runs)
		}
	}
}
