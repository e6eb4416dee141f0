package main

import (
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"

	"github.com/webnn-graph/webnn-graph/internal/testenv"
	"github.com/webnn-graph/webnn-graph/tensor"
)

// pywebnnScript loads a converted graph with pywebnn (the reference loader
// of the format: rustnn's parser, weights resolver and validator), runs it
// on the given inputs and saves its outputs.
const pywebnnScript = `
import re, sys
import numpy as np
import webnn

graph_path, inputs_path, out_path = sys.argv[1:4]
d = graph_path.rsplit("/", 1)[0]
g = webnn.MLGraph.load(graph_path, manifest_path=d + "/manifest.json", weights_path=d + "/model.weights")
given = dict(np.load(inputs_path))
ident = lambda s: re.sub(r"[^A-Za-z0-9_]", "_", s)
feeds = {}
for name in g.get_input_names():
    for k, v in given.items():
        base = k[3:] if k.startswith("in.") else k
        if base == name or ident(base) == name:
            feeds[name] = v
ctx = webnn.ML().create_context()
res = ctx.compute(g, feeds)
np.savez(out_path, **{k: np.asarray(v) for k, v in res.items()})
`

// TestPywebnnLoadsConvertedGraphs converts models, loads each result with
// pywebnn and compares its outputs with the included WebNN runtime's. It
// skips when pywebnn is not installed (pip install pywebnn builds it from
// source with cargo).
func TestPywebnnLoadsConvertedGraphs(t *testing.T) {
	if testing.Short() {
		t.Skip("skipping pywebnn integration in -short mode")
	}
	if out, err := exec.Command("python3", "-c", "import webnn, numpy").CombinedOutput(); err != nil {
		t.Skipf("skipping: pywebnn is not installed (python3 -c 'import webnn' failed: %s)", strings.TrimSpace(string(out)))
	}
	// tol is the tolerance of pywebnn against our runtime and against the
	// case's reference outputs (out.* keys, ONNX Runtime on the original
	// model): float16 models round differently in every engine.
	type model struct {
		name, path, inputs string
		tol                float64
	}
	models := []model{{"tiny_cnn", exampleModel(t), filepath.Join(testenv.RepoRoot(), "testdata", "example", "input.npz"), 1e-4}}
	if testenv.SharedDir() != "" {
		for _, z := range []struct {
			name string
			tol  float64
		}{
			{"bert-tiny", 1e-4}, {"bert-tiny-fp16", 2e-2}, {"bert-tiny-qdq", 1e-3}, {"gpt2-tiny", 1e-4},
			{"smollm-tiny", 1e-4}, {"smollm-135m", 1e-3}, {"mobilenet_v2", 1e-4},
		} {
			dir := testenv.ZooModel(t, z.name)
			cases, _ := filepath.Glob(filepath.Join(dir, "cases", "*.npz"))
			for _, cs := range cases[:min(2, len(cases))] { // two cases each keep the test under a minute
				models = append(models, model{z.name + "/" + strings.TrimSuffix(filepath.Base(cs), ".npz"), filepath.Join(dir, "model.onnx"), cs, z.tol})
			}
		}
	}
	script := filepath.Join(t.TempDir(), "run_pywebnn.py")
	if err := os.WriteFile(script, []byte(pywebnnScript), 0o644); err != nil {
		t.Fatal(err)
	}
	passed, failed := 0, 0
	defer func() { testenv.Report("pywebnn: %d passed, %d failed, 0 skipped", passed, failed) }()
	for _, m := range models {
		ok := t.Run(m.name, func(t *testing.T) {
			dir := filepath.Join(t.TempDir(), "graph")
			if status, _, stderr := cli(t, "convert", m.path, "-o", dir, "-q"); status != 0 {
				t.Fatalf("convert: %s", stderr)
			}
			graphPath := filepath.Join(dir, "model.webnn")
			ours := filepath.Join(t.TempDir(), "ours.npz")
			if status, _, stderr := cli(t, "run", graphPath, "--inputs", m.inputs, "-o", ours); status != 0 {
				t.Fatalf("run: %s", stderr)
			}
			theirs := filepath.Join(t.TempDir(), "pywebnn.npz")
			cmd := exec.Command("python3", script, graphPath, m.inputs, theirs)
			if out, err := cmd.CombinedOutput(); err != nil {
				t.Fatalf("pywebnn could not load or run the converted graph: %v\n%s", err, out)
			}
			a, _, err := tensor.ReadNPZ(ours)
			if err != nil {
				t.Fatal(err)
			}
			b, _, err := tensor.ReadNPZ(theirs)
			if err != nil {
				t.Fatal(err)
			}
			ref, _, err := tensor.ReadNPZ(m.inputs)
			if err != nil {
				t.Fatal(err)
			}
			refOf := map[string]*tensor.Tensor{}
			for k, v := range ref {
				if name, ok := strings.CutPrefix(k, "out."); ok {
					refOf[pyIdent(name)] = v
				}
			}
			for name, want := range a {
				got := b[name]
				c := compareTensors(name, "pywebnn vs ours", got, want, m.tol, m.tol, false)
				if !c.Pass {
					t.Errorf("%s", describeFailure(&c))
				}
				line := fmt.Sprintf("pywebnn %s %s: max abs vs ours %.3g", m.name, name, c.MaxAbs)
				if r := refOf[name]; r != nil {
					c := compareTensors(name, "pywebnn vs reference", got, r, m.tol, m.tol, false)
					if !c.Pass {
						t.Errorf("%s", describeFailure(&c))
					}
					line += fmt.Sprintf(", vs reference %.3g", c.MaxAbs)
				}
				t.Log(line)
			}
		})
		if ok {
			passed++
		} else {
			failed++
		}
	}
}

// pyIdent is the script's ident(): ONNX names with every character outside
// [A-Za-z0-9_] replaced by '_'.
func pyIdent(s string) string {
	b := []byte(s)
	for i, ch := range b {
		if !(ch == '_' || ch >= '0' && ch <= '9' || ch >= 'a' && ch <= 'z' || ch >= 'A' && ch <= 'Z') {
			b[i] = '_'
		}
	}
	return string(b)
}
