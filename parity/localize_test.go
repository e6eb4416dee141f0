package parity_test

import (
	"fmt"
	"path/filepath"
	"strings"
	"testing"

	"github.com/webnn-graph/webnn-graph/internal/testenv"
	"github.com/webnn-graph/webnn-graph/lower"
	"github.com/webnn-graph/webnn-graph/onnxpb"
	"github.com/webnn-graph/webnn-graph/parity"
	onnxrt "github.com/webnn-graph/webnn-graph/runtime/onnx"
	"github.com/webnn-graph/webnn-graph/tensor"
)

// weightMap serves a conversion's weights to the WebNN runtime.
type weightMap map[string]lower.Weight

func (w weightMap) WeightBytes(ref string) ([]byte, error) {
	x, ok := w[ref]
	if !ok {
		return nil, fmt.Errorf("weight %q not found", ref)
	}
	return x.Data()
}

// localizeZoo converts a zoo model in memory and localises one case.
func localizeZoo(t *testing.T, model, caseName string, opts lower.Options) *parity.Localization {
	return localizeZooBudget(t, model, caseName, opts, 0)
}

func localizeZooBudget(t *testing.T, model, caseName string, opts lower.Options, budget int64) *parity.Localization {
	t.Helper()
	dir := testenv.ZooModel(t, model)
	m, err := onnxpb.Load(filepath.Join(dir, "model.onnx"))
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { m.Close() })
	prog, err := onnxrt.Compile(m)
	if err != nil {
		t.Fatal(err)
	}
	res, err := lower.Convert(m, opts)
	if err != nil {
		t.Fatal(err)
	}
	all, _, err := tensor.ReadNPZ(filepath.Join(dir, "cases", caseName+".npz"))
	if err != nil {
		t.Fatal(err)
	}
	in := map[string]*tensor.Tensor{}
	for k, v := range all {
		if name, ok := strings.CutPrefix(k, "in."); ok {
			in[name] = v
		}
	}
	win := map[string]*tensor.Tensor{}
	for _, gi := range res.Graph.Inputs {
		win[gi.Name] = in[res.Names[gi.Name]]
	}
	ws := weightMap{}
	for _, w := range res.Weights {
		ws[w.Key] = w
	}
	tol := parity.DefaultTolerance(parity.ModelPrecision(m))
	if opts.Precision == "float16" {
		tol = parity.DefaultTolerance("float16")
	}
	l := &parity.Localizer{Model: m, ONNX: prog, Graph: res.Graph, Weights: ws, Map: res, ONNXInputs: in, WebNNInputs: win, Tol: tol, Budget: budget}
	loc, err := l.Run()
	if err != nil {
		t.Fatal(err)
	}
	return loc
}

// TestLocalizeZooAgrees checks that localisation finds nothing on correct
// conversions: every intermediate the two runtimes compute agrees, so a
// node named on a failing model is a real difference, not noise.
func TestLocalizeZooAgrees(t *testing.T) {
	cases := []struct {
		model, caseName string
		opts            lower.Options
	}{
		{"bert-tiny", "b3_len12_padded", lower.Options{}},
		{"bert-tiny-fp16", "b1_len7", lower.Options{}},
		{"bert-tiny-qdq", "b1_len7", lower.Options{}},
		{"bert-tiny", "b1_len7", lower.Options{Precision: "float16"}},
		{"gpt2-tiny", "step01", lower.Options{}},
		{"smollm-tiny", "prefill_b2_leftpad", lower.Options{}},
		{"smollm-tiny", "step02", lower.Options{}},
		{"mobilenet_v2", "b1", lower.Options{}},
		{"smollm-135m", "step00", lower.Options{}},
	}
	passed, failed, skipped := 0, 0, 0
	for _, c := range cases {
		name := c.model + "/" + c.caseName
		if c.opts.Precision != "" {
			name += "/" + c.opts.Precision
		}
		if c.model == "smollm-135m" && testing.Short() {
			t.Logf("skipping %s in -short mode", name)
			skipped++
			continue
		}
		ok := t.Run(name, func(t *testing.T) {
			loc := localizeZoo(t, c.model, c.caseName, c.opts)
			if loc.Found {
				t.Errorf("a correct conversion localised a difference: %s", loc.Summary)
			}
			if loc.Compared == 0 || loc.Agree != loc.Compared {
				t.Errorf("compared %d values, %d agree", loc.Compared, loc.Agree)
			}
			t.Logf("%s: %d nodes, %d values compared, %d folded, %d fused, peak kept %d bytes", name, loc.Nodes, loc.Compared, loc.Folded, loc.Fused, loc.PeakKeptBytes)
		})
		if ok {
			passed++
		} else {
			failed++
		}
	}
	testenv.Report("parity localize (zoo, no false positives): %d passed, %d failed, %d skipped", passed, failed, skipped)
}

// TestLocalizeWrongLowering swaps one node's lowering for a subtly wrong
// one (lower.OverrideForTest) and checks that exactly that node is named.
func TestLocalizeWrongLowering(t *testing.T) {
	cases := []struct {
		model, caseName string
		op              string
		node            string // the ONNX node made wrong
		mutate          func(e *lower.Emitted)
	}{
		{
			// A layer norm with the wrong epsilon (1e-3 instead of 1e-12):
			// plausible, and off by about 0.1%.
			model: "bert-tiny", caseName: "b1_len7", op: "LayerNormalization",
			node: "/encoder.1/attention/output/LayerNorm/LayerNormalization",
			mutate: func(e *lower.Emitted) {
				reduced := map[string]bool{}
				for _, n := range e.Nodes {
					if n.Op == "reduceMean" {
						reduced[n.ID] = true
					}
					if n.Op == "add" && reduced[n.Inputs[0]] {
						n.Inputs[1] = e.AddScalar(tensor.Float32, 1e-3)
					}
				}
			},
		},
		{
			// A softmax over the wrong axis, in the second layer only.
			model: "gpt2-tiny", caseName: "step02", op: "Softmax",
			node: "/transformer/h.1/attn/Softmax",
			mutate: func(e *lower.Emitted) {
				for _, n := range e.Nodes {
					if n.Op == "softmax" {
						n.Options["axis"] = int64(2)
					}
				}
			},
		},
	}
	for _, c := range cases {
		t.Run(c.model+"/"+c.op, func(t *testing.T) {
			restore, err := lower.OverrideForTest("", c.op, func(e *lower.Emitted) {
				if e.Node == c.node {
					c.mutate(e)
				}
			})
			if err != nil {
				t.Fatal(err)
			}
			defer restore()
			loc := localizeZoo(t, c.model, c.caseName, lower.Options{})
			if !loc.Found {
				t.Fatalf("nothing localised: %s", loc.Summary)
			}
			if loc.Node.Name != c.node || loc.Node.OpType != c.op {
				t.Fatalf("named %q (%s), want %q (%s)", loc.Node.Name, loc.Node.OpType, c.node, c.op)
			}
			for _, in := range loc.Node.Inputs {
				if in.Cmp != nil && !in.Cmp.Pass {
					t.Errorf("input %q reported as differing: %+v", in.Name, in.Cmp)
				}
			}
			t.Log(loc.Summary)
		})
	}
}

// TestLocalizeBudget checks that a small memory budget compares the graph
// in windows of the topological order with the same result: every value
// compared once, the same node named, and no more held than the budget
// (or one node's values, when they alone exceed it).
func TestLocalizeBudget(t *testing.T) {
	restore, err := lower.OverrideForTest("", "Softmax", func(e *lower.Emitted) {
		if e.Node == "/model/layers.1/self_attn/Softmax" {
			for _, n := range e.Nodes {
				n.Options["axis"] = int64(2)
			}
		}
	})
	if err != nil {
		t.Fatal(err)
	}
	defer restore()
	whole := localizeZoo(t, "smollm-tiny", "prefill_b2_leftpad", lower.Options{})
	const budget = 64 << 10
	windowed := localizeZooBudget(t, "smollm-tiny", "prefill_b2_leftpad", lower.Options{}, budget)
	if !whole.Found || !windowed.Found || whole.Node.Name != "/model/layers.1/self_attn/Softmax" || windowed.Node.Name != whole.Node.Name {
		t.Fatalf("whole: %s\nwindowed: %s", whole.Summary, windowed.Summary)
	}
	if whole.Passes != 1 || windowed.Passes < 3 || windowed.PeakKeptBytes > max(budget, 4*2*4*7*7*4) {
		t.Errorf("whole: %d pass(es), peak %d; windowed: %d passes, peak %d", whole.Passes, whole.PeakKeptBytes, windowed.Passes, windowed.PeakKeptBytes)
	}
	if windowed.Position != whole.Position || windowed.Node.Outputs[0].Cmp.MaxAbs != whole.Node.Outputs[0].Cmp.MaxAbs {
		t.Errorf("windowed localisation differs: %s vs %s", windowed.Summary, whole.Summary)
	}
	agrees := localizeZooBudget(t, "gpt2-tiny", "step03", lower.Options{}, 16<<10)
	if agrees.Found || agrees.Passes < 3 || agrees.Compared != localizeZoo(t, "gpt2-tiny", "step03", lower.Options{}).Compared {
		t.Errorf("windowed on a correct conversion: %s, %d passes, %d compared", agrees.Summary, agrees.Passes, agrees.Compared)
	}
	t.Logf("%d passes, peak %d bytes (whole: peak %d)", windowed.Passes, windowed.PeakKeptBytes, whole.PeakKeptBytes)
}
