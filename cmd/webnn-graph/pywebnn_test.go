package main

import (
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
	type model struct{ name, path, inputs string }
	models := []model{{"tiny_cnn", exampleModel(t), filepath.Join(testenv.RepoRoot(), "testdata", "example", "input.npz")}}
	if testenv.SharedDir() != "" {
		for _, z := range []string{"bert-tiny", "smollm-tiny", "mobilenet_v2"} {
			dir := testenv.ZooModel(t, z)
			cases, _ := filepath.Glob(filepath.Join(dir, "cases", "*.npz"))
			if len(cases) > 0 {
				models = append(models, model{z, filepath.Join(dir, "model.onnx"), cases[0]})
			}
		}
	}
	script := filepath.Join(t.TempDir(), "run_pywebnn.py")
	if err := os.WriteFile(script, []byte(pywebnnScript), 0o644); err != nil {
		t.Fatal(err)
	}
	for _, m := range models {
		t.Run(m.name, func(t *testing.T) {
			dir := filepath.Join(t.TempDir(), m.name)
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
			for name, want := range a {
				got := b[name]
				c := compareTensors(name, "pywebnn vs ours", got, want, 1e-4, 1e-4, false)
				if !c.Pass {
					t.Errorf("%s", describeFailure(&c))
				}
			}
		})
	}
}
