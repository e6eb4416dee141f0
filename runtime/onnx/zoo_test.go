package onnxrt

import (
	"fmt"
	"math"
	"os"
	"path/filepath"
	"sort"
	"strings"
	"testing"
	"time"

	"github.com/webnn-graph/webnn-graph/internal/testenv"
	"github.com/webnn-graph/webnn-graph/onnxpb"
	"github.com/webnn-graph/webnn-graph/tensor"
)

// zooTolerance is the max abs error allowed per model against its
// reference outputs (torch eager float32, or ONNX Runtime for the fp16 and
// quantized variants; see ../shared/zoo/*/meta.json).
var zooTolerance = map[string]float64{
	"bert-tiny":      1e-4,
	"bert-tiny-fp16": 1e-2,
	"bert-tiny-qdq":  2e-2,
	"gpt2-tiny":      1e-4,
	"mobilenet_v2":   1e-4,
	"smollm-135m":    1e-4,
	"smollm-tiny":    1e-4,
}

// maxAbsDiff compares two numeric tensors elementwise.
func maxAbsDiff(got, want *tensor.Tensor) (float64, error) {
	if got == nil {
		return 0, fmt.Errorf("missing output")
	}
	if !sameShape(got.Shape, want.Shape) {
		return 0, fmt.Errorf("shape %v, want %v", got.Shape, want.Shape)
	}
	g, err := floats(got)
	if err != nil {
		return 0, err
	}
	w, err := floats(want)
	if err != nil {
		return 0, err
	}
	worst := 0.0
	for i := range w {
		d := math.Abs(g[i] - w[i])
		if math.IsNaN(d) {
			if math.IsNaN(g[i]) && math.IsNaN(w[i]) {
				continue
			}
			return math.Inf(1), nil
		}
		worst = math.Max(worst, d)
	}
	return worst, nil
}

// loadCase splits a zoo npz into inputs and expected outputs.
func loadCase(path string) (in, out map[string]*tensor.Tensor, err error) {
	all, _, err := tensor.ReadNPZ(path)
	if err != nil {
		return nil, nil, err
	}
	in, out = map[string]*tensor.Tensor{}, map[string]*tensor.Tensor{}
	for k, v := range all {
		switch {
		case strings.HasPrefix(k, "in."):
			in[strings.TrimPrefix(k, "in.")] = v
		case strings.HasPrefix(k, "out."):
			out[strings.TrimPrefix(k, "out.")] = v
		}
	}
	return in, out, nil
}

func TestZoo(t *testing.T) {
	root := testenv.Shared(t, "zoo")
	entries, err := os.ReadDir(root)
	if err != nil {
		t.Fatal(err)
	}
	for _, e := range entries {
		if !e.IsDir() {
			continue
		}
		name := e.Name()
		t.Run(name, func(t *testing.T) {
			tol, ok := zooTolerance[name]
			if !ok {
				tol = 1e-4
			}
			dir := testenv.ZooModel(t, name)
			m, err := onnxpb.Load(filepath.Join(dir, "model.onnx"))
			if err != nil {
				t.Fatal(err)
			}
			defer m.Close()
			start := time.Now()
			p, err := Compile(m)
			if err != nil {
				t.Fatal(err)
			}
			compileTime := time.Since(start)
			cases, _ := filepath.Glob(filepath.Join(dir, "cases", "*.npz"))
			sort.Strings(cases)
			if len(cases) == 0 {
				t.Fatal("no cases")
			}
			worst := 0.0
			var runTime time.Duration
			var caseTimes []string
			for _, cpath := range cases {
				in, want, err := loadCase(cpath)
				if err != nil {
					t.Fatal(err)
				}
				start := time.Now()
				got, err := p.Run(in)
				el := time.Since(start)
				runTime += el
				caseTimes = append(caseTimes, fmt.Sprintf("%s %v", strings.TrimSuffix(filepath.Base(cpath), ".npz"), el.Round(time.Millisecond)))
				if err != nil {
					t.Fatalf("%s: %v", filepath.Base(cpath), err)
				}
				for k, w := range want {
					d, err := maxAbsDiff(got[k], w)
					if err != nil {
						t.Fatalf("%s output %q: %v", filepath.Base(cpath), k, err)
					}
					if d > tol {
						t.Errorf("%s output %q: max abs error %.3g > %.g", filepath.Base(cpath), k, d, tol)
					}
					worst = math.Max(worst, d)
				}
			}
			fmt.Printf("zoo %s: %d cases, max abs error %.3g (tolerance %.g), compile %v, run %v\n",
				name, len(cases), worst, tol, compileTime.Round(time.Millisecond), runTime.Round(time.Millisecond))
			t.Logf("per case: %s", strings.Join(caseTimes, ", "))
		})
	}
}

// TestSmolLMPrefillSpeed measures what `webnn-graph verify` pays on the
// ONNX side for smollm-135m: load + compile + the 6-token prefill (step00),
// cold (first run packs the weights) and warm.
func TestSmolLMPrefillSpeed(t *testing.T) {
	if testing.Short() {
		t.Skip("slow")
	}
	dir := testenv.ZooModel(t, "smollm-135m")
	start := time.Now()
	m, err := onnxpb.Load(filepath.Join(dir, "model.onnx"))
	if err != nil {
		t.Fatal(err)
	}
	defer m.Close()
	p, err := Compile(m)
	if err != nil {
		t.Fatal(err)
	}
	loaded := time.Since(start)
	in, want, err := loadCase(filepath.Join(dir, "cases", "step00.npz"))
	if err != nil {
		t.Fatal(err)
	}
	start = time.Now()
	got, err := p.Run(in)
	cold := time.Since(start)
	if err != nil {
		t.Fatal(err)
	}
	start = time.Now()
	if _, err := p.Run(in); err != nil {
		t.Fatal(err)
	}
	warm := time.Since(start)
	d, err := maxAbsDiff(got["logits"], want["logits"])
	if err != nil {
		t.Fatal(err)
	}
	fmt.Printf("smollm-135m prefill (6 tokens): load+compile %v, first run %v, warm run %v, logits max abs error %.3g\n",
		loaded.Round(time.Millisecond), cold.Round(time.Millisecond), warm.Round(time.Millisecond), d)
	if total := loaded + cold; total > 5*time.Second {
		t.Errorf("load + first prefill took %v, want under 5s", total)
	}
}
