package conformance

import (
	"bytes"
	"encoding/json"
	"fmt"
	"os"
	"path/filepath"
	"runtime/debug"
	"sort"
	"strings"
	"testing"
	"time"

	"github.com/webnn-graph/webnn-graph/emit"
	"github.com/webnn-graph/webnn-graph/graph"
	"github.com/webnn-graph/webnn-graph/internal/testenv"
	"github.com/webnn-graph/webnn-graph/lower"
	"github.com/webnn-graph/webnn-graph/onnxpb"
	"github.com/webnn-graph/webnn-graph/runtime/webnn"
	"github.com/webnn-graph/webnn-graph/tensor"
)

const zooExpectedFailuresFile = "testdata/zoo-expected-failures.txt"

// zooCases are the ../shared/zoo models with the largest output difference
// accepted against their reference (relative to max(1, |want|)): float32
// 1e-4 (smollm-135m 1e-3: 30 layers of float32 accumulation), float16
// weights 1e-2, Q/DQ int8 2e-2.
var zooCases = []struct {
	name string
	tol  float64
}{
	{"mobilenet_v2", 1e-4},
	{"bert-tiny", 1e-4},
	{"gpt2-tiny", 1e-4},
	{"smollm-tiny", 1e-4},
	{"bert-tiny-fp16", 1e-2},
	{"bert-tiny-qdq", 2e-2},
	{"smollm-135m", 1e-3},
}

// firstZooCase returns the path of the model's first reference case: the
// first of meta.json's cases, else the first npz by name.
func firstZooCase(dir string) (string, error) {
	var meta struct {
		Cases []json.RawMessage `json:"cases"`
	}
	if b, err := os.ReadFile(filepath.Join(dir, "meta.json")); err == nil && json.Unmarshal(b, &meta) == nil && len(meta.Cases) > 0 {
		var name string
		var obj struct {
			Name string `json:"name"`
		}
		if json.Unmarshal(meta.Cases[0], &name) != nil {
			if json.Unmarshal(meta.Cases[0], &obj) == nil {
				name = obj.Name
			}
		}
		if name != "" {
			p := filepath.Join(dir, "cases", name+".npz")
			if _, err := os.Stat(p); err == nil {
				return p, nil
			}
		}
	}
	files, _ := filepath.Glob(filepath.Join(dir, "cases", "*.npz"))
	sort.Strings(files)
	if len(files) == 0 {
		return "", fmt.Errorf("no cases/*.npz in %s", dir)
	}
	return files[0], nil
}

// zooRoundTrip converts one model, sends it through text and JSON, runs
// the parsed graph on the first case and returns the worst output
// difference with a description.
func zooRoundTrip(dir, name, precision string, tol float64) (worst float64, summary string, err error) {
	defer func() {
		if r := recover(); r != nil {
			err = fmt.Errorf("PANIC: %v\n%s", r, debug.Stack())
		}
	}()
	m, err := onnxpb.Load(filepath.Join(dir, "model.onnx"))
	if err != nil {
		return 0, "", fmt.Errorf("load: %w", err)
	}
	defer m.Close()
	t0 := time.Now()
	res, err := lower.Convert(m, lower.Options{Name: name, Precision: precision})
	if err != nil {
		return 0, "", fmt.Errorf("convert: %s", firstLine(err.Error(), 300))
	}
	tConvert := time.Since(t0)
	if err := graph.Validate(res.Graph, nil); err != nil {
		return 0, "", fmt.Errorf("validate converted: %w", err)
	}
	text, err := emit.PrintText(res.Graph)
	if err != nil {
		return 0, "", fmt.Errorf("print text: %w", err)
	}
	fromText, err := emit.ParseText(text)
	if err != nil {
		return 0, "", fmt.Errorf("parse text: %s", firstLine(err.Error(), 300))
	}
	js, err := emit.PrintJSON(fromText)
	if err != nil {
		return 0, "", fmt.Errorf("print JSON of the parsed text: %w", err)
	}
	fromJSON, err := emit.ParseJSON(js)
	if err != nil {
		return 0, "", fmt.Errorf("parse JSON: %s", firstLine(err.Error(), 300))
	}
	if err := graph.Validate(fromJSON, nil); err != nil {
		return 0, "", fmt.Errorf("validate after text+JSON round trip: %s", firstLine(err.Error(), 300))
	}
	// text → JSON → text must be a fixed point: whatever JSON loses, the
	// runtime never sees it twice differently.
	text2, err := emit.PrintText(fromJSON)
	if err != nil {
		return 0, "", fmt.Errorf("print text after JSON: %w", err)
	}
	if !bytes.Equal(text, text2) {
		return 0, "", fmt.Errorf("text → JSON → text differs: %s", firstDiffLine(text, text2))
	}
	prog, err := webnn.Compile(fromJSON, newResultWeights(res.Weights))
	if err != nil {
		return 0, "", fmt.Errorf("compile: %s", firstLine(err.Error(), 300))
	}
	casePath, err := firstZooCase(dir)
	if err != nil {
		return 0, "", err
	}
	arrays, _, err := tensor.ReadNPZ(casePath)
	if err != nil {
		return 0, "", fmt.Errorf("read %s: %w", casePath, err)
	}
	byONNX := map[string]string{}
	for id, n := range res.Names {
		byONNX[n] = id
	}
	feeds := map[string]*tensor.Tensor{}
	for key, a := range arrays {
		in, ok := strings.CutPrefix(key, "in.")
		if !ok {
			continue
		}
		id, ok := byONNX[in]
		if !ok {
			return 0, "", fmt.Errorf("case input %q is no graph input (names %v)", in, res.Names)
		}
		feeds[id] = boolToUint8(a)
	}
	t1 := time.Now()
	outs, err := prog.Run(feeds)
	if err != nil {
		return 0, "", fmt.Errorf("run %s: %s", filepath.Base(casePath), firstLine(err.Error(), 300))
	}
	tRun := time.Since(t1)
	var worstName string
	nOut := 0
	for key, want := range arrays {
		out, ok := strings.CutPrefix(key, "out.")
		if !ok {
			continue
		}
		nOut++
		got := outs[byONNX[out]]
		if got == nil {
			return 0, "", fmt.Errorf("case output %q: the graph has no such output", out)
		}
		d, bad := maxScaledDiff(got, boolToUint8(want))
		if bad != "" {
			return 0, "", fmt.Errorf("output %q: %s", out, bad)
		}
		if d >= worst {
			worst, worstName = d, out
		}
	}
	if nOut == 0 {
		return 0, "", fmt.Errorf("%s has no out.* arrays", casePath)
	}
	summary = fmt.Sprintf("%s: %d nodes, case %s, %d outputs, max diff %.3g (%s), tolerance %g; convert %v, run %v",
		name, len(fromJSON.Nodes), filepath.Base(casePath), nOut, worst, worstName, tol, tConvert.Round(time.Millisecond), tRun.Round(time.Millisecond))
	if worst > tol {
		return worst, summary, fmt.Errorf("output %q differs by %.3g > %g", worstName, worst, tol)
	}
	return worst, summary, nil
}

// firstDiffLine describes the first differing line of two texts.
func firstDiffLine(a, b []byte) string {
	la, lb := strings.Split(string(a), "\n"), strings.Split(string(b), "\n")
	for i := 0; i < len(la) || i < len(lb); i++ {
		var x, y string
		if i < len(la) {
			x = la[i]
		}
		if i < len(lb) {
			y = lb[i]
		}
		if x != y {
			return fmt.Sprintf("line %d: %q vs %q", i+1, firstLine(x, 160), firstLine(y, 160))
		}
	}
	return "no line differs"
}

// TestZooLoweredRoundTrip converts every zoo model (dims kept dynamic),
// round trips the graph through text and JSON and checks the parsed graph
// on runtime/webnn against the first reference case. A model that fails
// must be listed in testdata/zoo-expected-failures.txt with the reason.
func TestZooLoweredRoundTrip(t *testing.T) {
	testenv.Shared(t, "zoo")
	expected, err := readExpectations(zooExpectedFailuresFile)
	if err != nil {
		t.Fatal(err)
	}
	var nPass, nFail, nSkip int
	run := func(key, name, precision string, tol float64) {
		t.Run(key, func(t *testing.T) {
			if testing.Short() && name == "smollm-135m" {
				nSkip++
				t.Skip("skipping the 135M-parameter model in -short mode")
			}
			dir := testenv.ZooModel(t, name)
			_, summary, err := zooRoundTrip(dir, name, precision, tol)
			if summary != "" {
				t.Log(summary)
			}
			reason, listed := expected[key]
			switch {
			case err == nil:
				nPass++
				if listed {
					t.Logf("%s passes now; remove it from %s", key, zooExpectedFailuresFile)
				}
			case listed:
				nFail++
				t.Logf("%s fails as listed (%s): %v", key, reason, err)
			default:
				nFail++
				t.Errorf("%s: %v", key, err)
			}
		})
	}
	for _, zc := range zooCases {
		run(zc.name, zc.name, "", zc.tol)
	}
	// --precision float16 on the float32 models: the whole graph computes
	// in half precision, so the float16 tolerance applies.
	for _, zc := range zooCases {
		if zc.tol <= 1e-3 {
			run(zc.name+"/float16", zc.name, "float16", 1e-2)
		}
	}
	testenv.Report("zoo-lowered: %d passed, %d failed, %d skipped", nPass, nFail, nSkip)
}
