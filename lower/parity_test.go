package lower

import (
	"fmt"
	"math"
	"os"
	"path/filepath"
	"sort"
	"strings"
	"testing"

	"github.com/webnn-graph/webnn-graph/graph"
	"github.com/webnn-graph/webnn-graph/runtime/webnn"
	"github.com/webnn-graph/webnn-graph/tensor"
)

// parityTolerance is the largest allowed |got - want| / (1 + |want|) per
// zoo model (issue 7: float32 1e-4, smollm-135m 1e-3, fp16 1e-2,
// quantized 2e-2).
var parityTolerance = map[string]float64{
	"mobilenet_v2":   1e-4,
	"bert-tiny":      1e-4,
	"gpt2-tiny":      1e-4,
	"smollm-tiny":    1e-4,
	"smollm-135m":    1e-3,
	"bert-tiny-fp16": 1e-2,
	"bert-tiny-qdq":  2e-2,
}

// resultWeights serves a Result's weights to the runtime.
type resultWeights map[string]Weight

func (r resultWeights) WeightBytes(ref string) ([]byte, error) {
	w, ok := r[ref]
	if !ok {
		return nil, fmt.Errorf("unknown weight %q", ref)
	}
	return w.Data()
}

func weightSource(res *Result) graph.WeightSource {
	ws := resultWeights{}
	for _, w := range res.Weights {
		ws[w.Key] = w
	}
	return ws
}

// caseInputs maps an npz case's in.<onnx name> tensors to graph inputs.
func caseInputs(res *Result, npz map[string]*tensor.Tensor) (map[string]*tensor.Tensor, error) {
	in := map[string]*tensor.Tensor{}
	for _, gi := range res.Graph.Inputs {
		t, ok := npz["in."+res.Names[gi.Name]]
		if !ok {
			return nil, fmt.Errorf("case has no input %q", "in."+res.Names[gi.Name])
		}
		if t.DType == tensor.Bool {
			u := tensor.New(tensor.Uint8, t.Shape)
			for i, v := range t.Data.([]bool) {
				if v {
					u.Data.([]uint8)[i] = 1
				}
			}
			t = u
		}
		in[gi.Name] = t
	}
	return in, nil
}

func asFloat64(t *tensor.Tensor) ([]float64, error) {
	switch d := t.Data.(type) {
	case []float32:
		out := make([]float64, len(d))
		for i, v := range d {
			out[i] = float64(v)
		}
		return out, nil
	case []uint16:
		out := make([]float64, len(d))
		for i, v := range d {
			out[i] = float64(halfToFloat(v))
		}
		return out, nil
	}
	if f, ok := tensorFloats(t); ok {
		return f, nil
	}
	return nil, fmt.Errorf("cannot compare %v", t.DType)
}

// compareOutputs returns the largest absolute and scaled errors.
func compareOutputs(got, want *tensor.Tensor) (maxAbs, maxScaled float64, err error) {
	if fmt.Sprint(got.Shape) != fmt.Sprint(want.Shape) {
		return 0, 0, fmt.Errorf("shape %v, want %v", got.Shape, want.Shape)
	}
	g, err := asFloat64(got)
	if err != nil {
		return 0, 0, err
	}
	w, err := asFloat64(want)
	if err != nil {
		return 0, 0, err
	}
	for i := range w {
		d := math.Abs(g[i] - w[i])
		if math.IsNaN(g[i]) != math.IsNaN(w[i]) {
			d = math.Inf(1)
		}
		maxAbs = math.Max(maxAbs, d)
		maxScaled = math.Max(maxScaled, d/(1+math.Abs(w[i])))
	}
	return maxAbs, maxScaled, nil
}

// TestZooParityFloat16 converts float32 zoo models with Precision
// "float16" and compares with their float32 references (fp16 tolerance).
func TestZooParityFloat16(t *testing.T) {
	for _, name := range []string{"mobilenet_v2", "bert-tiny", "gpt2-tiny", "smollm-tiny"} {
		t.Run(name, func(t *testing.T) {
			runZooParity(t, name, Options{Name: name, Precision: "float16"}, 1e-2)
		})
	}
}

// TestZooParity converts each zoo model once (dims dynamic), runs every
// case through runtime/webnn and compares with the case's references.
func TestZooParity(t *testing.T) {
	for _, name := range zooModels {
		t.Run(name, func(t *testing.T) {
			if testing.Short() && name == "smollm-135m" {
				t.Skip("skipping the 135M model in -short mode")
			}
			runZooParity(t, name, Options{Name: name}, parityTolerance[name])
		})
	}
}

func runZooParity(t *testing.T, name string, opts Options, tol float64) {
	m, dir := loadZoo(t, name)
	res, err := Convert(m, opts)
	if err != nil {
		t.Fatalf("convert: %v", err)
	}
	prog, err := webnn.Compile(res.Graph, weightSource(res))
	if err != nil {
		if strings.Contains(err.Error(), "unsupported") || strings.Contains(err.Error(), "unknown WebNN op") {
			t.Skipf("runtime/webnn cannot compile it yet: %v", err)
		}
		t.Fatalf("compile: %v", err)
	}
	cases, _ := filepath.Glob(filepath.Join(dir, "cases", "*.npz"))
	if len(cases) == 0 {
		t.Skip("no cases")
	}
	sort.Strings(cases)
	worst := 0.0
	for _, cp := range cases {
		npz, _, err := tensor.ReadNPZ(cp)
		if err != nil {
			t.Fatalf("%s: %v", cp, err)
		}
		in, err := caseInputs(res, npz)
		if err != nil {
			t.Fatalf("%s: %v", filepath.Base(cp), err)
		}
		out, err := prog.Run(in)
		if err != nil {
			t.Errorf("%s: run: %v", filepath.Base(cp), err)
			continue
		}
		for _, o := range res.Graph.Outputs {
			onnxName := res.Names[o.Name]
			want, ok := npz["out."+onnxName]
			if !ok {
				continue
			}
			got := out[o.Name]
			if got == nil {
				t.Errorf("%s: output %s missing", filepath.Base(cp), o.Name)
				continue
			}
			abs, scaled, err := compareOutputs(got, want)
			if err != nil {
				t.Errorf("%s: output %s: %v", filepath.Base(cp), onnxName, err)
				continue
			}
			worst = math.Max(worst, abs)
			if scaled > tol {
				t.Errorf("%s: output %s: max abs error %.3g (scaled %.3g) > %g", filepath.Base(cp), onnxName, abs, scaled, tol)
			}
		}
	}
	label := name
	if opts.Precision != "" {
		label += " (" + opts.Precision + ")"
	}
	fmt.Fprintf(os.Stdout, "zoo-parity %s: %d cases, max abs error %.3g (tolerance %g)\n", label, len(cases), worst, tol)
}
