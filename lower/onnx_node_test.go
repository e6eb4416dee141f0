package lower

import (
	"bufio"
	"errors"
	"fmt"
	"math"
	"os"
	"path/filepath"
	"sort"
	"strings"
	"testing"

	"github.com/webnn-graph/webnn-graph/internal/testenv"
	"github.com/webnn-graph/webnn-graph/onnxpb"
	"github.com/webnn-graph/webnn-graph/runtime/webnn"
	"github.com/webnn-graph/webnn-graph/tensor"
)

// nodeOutcome classifies one ONNX backend node test run through
// Convert + runtime/webnn.
type nodeOutcome int

const (
	nodePassed  nodeOutcome = iota
	nodeFailed              // wrong numbers, or a conversion error that is not a refusal
	nodeRefused             // Convert refused with ErrUnsupported ("not expressible in WebNN")
	nodeSkipped             // the runtime cannot run it yet, or the test needs what no converter has
)

const nodeExpectedFailuresFile = "testdata/onnx-node-expected-failures.txt"

// readExpected reads "name # reason" lines.
func readExpected(path string) map[string]string {
	out := map[string]string{}
	f, err := os.Open(path)
	if err != nil {
		return out
	}
	defer f.Close()
	sc := bufio.NewScanner(f)
	for sc.Scan() {
		line := strings.TrimSpace(sc.Text())
		if line == "" || strings.HasPrefix(line, "#") {
			continue
		}
		name, reason, _ := strings.Cut(line, "#")
		out[strings.TrimSpace(name)] = strings.TrimSpace(reason)
	}
	return out
}

// runNodeTest converts one test model and compares test_data_set_0.
func runNodeTest(dir string) (nodeOutcome, string) {
	m, err := onnxpb.Load(filepath.Join(dir, "model.onnx"))
	if err != nil {
		return nodeSkipped, "load: " + err.Error()
	}
	defer m.Close()
	res, err := convertSafely(m)
	if err != nil {
		if errors.Is(err, ErrUnsupported) {
			return nodeRefused, err.Error()
		}
		return nodeFailed, "convert: " + err.Error()
	}
	prog, err := webnn.Compile(res.Graph, weightSource(res))
	if err != nil {
		return nodeSkipped, "runtime compile: " + err.Error()
	}
	set := filepath.Join(dir, "test_data_set_0")
	inputs := map[string]*tensor.Tensor{}
	inputID, outputID := map[string]string{}, map[string]string{}
	for _, gi := range res.Graph.Inputs {
		inputID[res.Names[gi.Name]] = gi.Name
	}
	for _, o := range res.Graph.Outputs {
		outputID[res.Names[o.Name]] = o.Name
	}
	realInputs := []string{}
	for _, vi := range m.Graph().GetInput() {
		isInit := false
		for _, in := range m.Graph().GetInitializer() {
			if in.GetName() == vi.GetName() {
				isInit = true
			}
		}
		if !isInit {
			realInputs = append(realInputs, vi.GetName())
		}
	}
	for i, name := range realInputs {
		tp, err := onnxpb.ReadTensorFile(filepath.Join(set, fmt.Sprintf("input_%d.pb", i)))
		if err != nil {
			return nodeSkipped, err.Error()
		}
		t, err := onnxpb.DecodeTensor(tp, set)
		if err != nil {
			return nodeSkipped, err.Error()
		}
		if t.DType == tensor.Bool {
			t = boolToUint8(t)
		}
		if id, ok := inputID[name]; ok {
			inputs[id] = t
		}
	}
	out, err := safeRun(prog, inputs)
	if err != nil {
		return nodeFailed, "run: " + err.Error()
	}
	for i, o := range m.Graph().GetOutput() {
		tp, err := onnxpb.ReadTensorFile(filepath.Join(set, fmt.Sprintf("output_%d.pb", i)))
		if err != nil {
			return nodeSkipped, err.Error()
		}
		want, err := onnxpb.DecodeTensor(tp, set)
		if err != nil {
			return nodeSkipped, err.Error()
		}
		got := out[outputID[o.GetName()]]
		if got == nil {
			return nodeFailed, "missing output " + o.GetName()
		}
		if want.DType == tensor.Bool {
			want = boolToUint8(want)
		}
		if fmt.Sprint(got.Shape) != fmt.Sprint(want.Shape) {
			return nodeFailed, fmt.Sprintf("output %s: shape %v, want %v", o.GetName(), got.Shape, want.Shape)
		}
		g, err1 := asFloat64(got)
		w, err2 := asFloat64(want)
		if err1 != nil || err2 != nil {
			return nodeSkipped, fmt.Sprintf("output %s: cannot compare %v", o.GetName(), want.DType)
		}
		tol := 1e-4
		if want.DType == tensor.Float16 {
			tol = 1e-2
		}
		for k := range w {
			if math.IsNaN(w[k]) && math.IsNaN(g[k]) || g[k] == w[k] {
				continue
			}
			if d := math.Abs(g[k] - w[k]); !(d <= tol*(1+math.Abs(w[k]))) {
				return nodeFailed, fmt.Sprintf("output %s[%d] = %v, want %v", o.GetName(), k, g[k], w[k])
			}
		}
	}
	return nodePassed, ""
}

func boolToUint8(t *tensor.Tensor) *tensor.Tensor {
	u := tensor.New(tensor.Uint8, t.Shape)
	for i, v := range t.Data.([]bool) {
		if v {
			u.Data.([]uint8)[i] = 1
		}
	}
	return u
}

func convertSafely(m *onnxpb.Model) (res *Result, err error) {
	defer func() {
		if r := recover(); r != nil {
			err = fmt.Errorf("panic: %v", r)
		}
	}()
	return Convert(m, Options{})
}

func safeRun(p *webnn.Program, in map[string]*tensor.Tensor) (out map[string]*tensor.Tensor, err error) {
	defer func() {
		if r := recover(); r != nil {
			err = fmt.Errorf("panic: %v", r)
		}
	}()
	return p.Run(in)
}

// TestONNXNodeLowered runs the ONNX backend node tests through Convert and
// runtime/webnn. A failure (wrong numbers or a non-refusal error) not
// listed in testdata/onnx-node-expected-failures.txt fails the test;
// refusals are counted apart.
func TestONNXNodeLowered(t *testing.T) {
	root := testenv.ONNXNodeTests(t)
	dirs, _ := filepath.Glob(filepath.Join(root, "test_*"))
	sort.Strings(dirs)
	expected := readExpected(nodeExpectedFailuresFile)
	var counts [4]int
	verbose := os.Getenv("LOWER_NODE_VERBOSE") != ""
	for _, dir := range dirs {
		name := filepath.Base(dir)
		outcome, why := runNodeTest(dir)
		counts[outcome]++
		switch outcome {
		case nodeFailed:
			if _, ok := expected[name]; !ok {
				t.Errorf("%s: %s", name, firstLine(why))
			}
		case nodePassed:
			if _, ok := expected[name]; ok {
				t.Logf("%s passes now; remove it from %s", name, nodeExpectedFailuresFile)
			}
		}
		if verbose && outcome != nodePassed {
			fmt.Printf("%s\t%d\t%s\n", name, outcome, firstLine(why))
		}
	}
	fmt.Printf("onnx-node-lowered: %d passed, %d failed, %d refused, %d skipped\n", counts[nodePassed], counts[nodeFailed], counts[nodeRefused], counts[nodeSkipped])
}

func firstLine(s string) string {
	s, _, _ = strings.Cut(s, "\n")
	if len(s) > 300 {
		s = s[:300] + "…"
	}
	return s
}

// TestONNXOtherSuitesLowered runs the pytorch-converted, pytorch-operator
// and simple suites through Convert + runtime/webnn. It reports counts and
// fails only on a panic or a non-refusal conversion error; numeric
// mismatches are listed with -v.
func TestONNXOtherSuitesLowered(t *testing.T) {
	testenv.ONNXNodeTests(t)
	for _, suite := range []string{"pytorch-converted", "pytorch-operator", "simple"} {
		dirs, _ := filepath.Glob(filepath.Join(testenv.ONNXTestData, suite, "test_*"))
		sort.Strings(dirs)
		var counts [4]int
		for _, dir := range dirs {
			outcome, why := runNodeTest(dir)
			counts[outcome]++
			if outcome == nodeFailed {
				if strings.Contains(why, "panic") || strings.HasPrefix(why, "convert:") {
					t.Errorf("%s/%s: %s", suite, filepath.Base(dir), firstLine(why))
				} else {
					t.Logf("%s/%s: %s", suite, filepath.Base(dir), firstLine(why))
				}
			}
		}
		fmt.Printf("onnx-%s-lowered: %d passed, %d failed, %d refused, %d skipped\n", suite, counts[nodePassed], counts[nodeFailed], counts[nodeRefused], counts[nodeSkipped])
	}
}
