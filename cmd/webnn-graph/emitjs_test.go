package main

import (
	"encoding/json"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"

	"github.com/webnn-graph/webnn-graph/internal/testenv"
)

// TestEmitJS converts the example model and writes its module: beside a
// copy (or hard link) of the weights, or fetching them from a given URL;
// a failure leaves no files.
func TestEmitJS(t *testing.T) {
	graphDir := filepath.Join(t.TempDir(), "tiny_cnn-webnn")
	if status, _, stderr := cli(t, "convert", exampleModel(t), "-o", graphDir, "-q"); status != 0 {
		t.Fatalf("convert: %s", stderr)
	}
	out := filepath.Join(t.TempDir(), "web")
	status, stdout, stderr := cli(t, "emit-js", graphDir, "-o", out)
	if status != 0 {
		t.Fatalf("emit-js: status %d: %s", status, stderr)
	}
	for _, f := range []string{"model.js", "model.weights", "manifest.json"} {
		if _, err := os.Stat(filepath.Join(out, f)); err != nil {
			t.Errorf("%s not written: %v", f, err)
		}
		if !strings.Contains(stdout, f) {
			t.Errorf("the report does not list %s:\n%s", f, stdout)
		}
	}
	js, _ := os.ReadFile(filepath.Join(out, "model.js"))
	if !strings.Contains(string(js), `const FILES = {weights: "model.weights", manifest: "manifest.json"};`) {
		t.Errorf("model.js does not fetch the copied weights")
	}
	if node, err := exec.LookPath("node"); err == nil {
		if b, err := exec.Command(node, "--check", filepath.Join(out, "model.js")).CombinedOutput(); err != nil {
			t.Errorf("node --check: %v\n%s", err, b)
		}
	}

	// --weights-base: only the module, fetching the weights from there.
	ref := filepath.Join(t.TempDir(), "ref")
	if status, _, stderr := cli(t, "emit-js", filepath.Join(graphDir, "model.webnn"), "-o", ref, "--weights-base", "../tiny_cnn-webnn", "-q"); status != 0 {
		t.Fatalf("emit-js --weights-base: %s", stderr)
	}
	entries, _ := os.ReadDir(ref)
	if len(entries) != 1 || entries[0].Name() != "model.js" {
		t.Errorf("--weights-base wrote %v, want only model.js", entries)
	}
	js, _ = os.ReadFile(filepath.Join(ref, "model.js"))
	if !strings.Contains(string(js), `weights: "../tiny_cnn-webnn/model.weights"`) {
		t.Errorf("model.js does not fetch ../tiny_cnn-webnn/model.weights")
	}

	// Into the graph's own directory: nothing copied.
	if status, _, stderr := cli(t, "emit-js", graphDir, "-o", graphDir, "-q"); status != 0 {
		t.Fatalf("emit-js into the graph directory: %s", stderr)
	}

	// emit-html: the page beside the module and the weights.
	page := filepath.Join(t.TempDir(), "page")
	if status, _, stderr := cli(t, "emit-html", graphDir, "-o", page, "-q"); status != 0 {
		t.Fatalf("emit-html: %s", stderr)
	}
	for _, f := range []string{"index.html", "model.js", "model.weights", "manifest.json"} {
		if _, err := os.Stat(filepath.Join(page, f)); err != nil {
			t.Errorf("emit-html did not write %s: %v", f, err)
		}
	}
	html, _ := os.ReadFile(filepath.Join(page, "index.html"))
	if !strings.Contains(string(html), `<svg id="graph-svg"`) || !strings.Contains(string(html), "tiny_cnn") {
		t.Errorf("index.html has no drawing or no model name")
	}

	// Errors: usage (2); a graph WebNN cannot express (1) leaves nothing.
	if status, _, _ := cli(t, "emit-js", graphDir); status != 2 {
		t.Errorf("emit-js without -o: status %d, want 2", status)
	}
	bad := filepath.Join(t.TempDir(), "bad.webnn")
	os.WriteFile(bad, []byte(`webnn_graph "g" v1 { inputs { x: f32[2]; } nodes { y = softmax(x, axis=0, temperature=2); } outputs { y; } }`), 0o644)
	badOut := filepath.Join(t.TempDir(), "bad-out")
	status, _, stderr = cli(t, "emit-js", bad, "-o", badOut)
	if status != 1 || !strings.Contains(stderr, `option "temperature" has no WebNN equivalent`) {
		t.Errorf("emit-js of an inexpressible graph: status %d, %s", status, stderr)
	}
	if _, err := os.Stat(badOut); !os.IsNotExist(err) {
		t.Errorf("a failed emit-js left %s behind", badOut)
	}
}

// TestEmitJSSafetensors: a graph whose weights are a SafeTensors sidecar
// gets a manifest written from the sidecar's index (the module reads
// manifests, not SafeTensors headers), in each of the three placements,
// and the module built in Node (the recording WebNN of emitjs/testdata)
// reads the same constants as from the default weights file.
func TestEmitJSSafetensors(t *testing.T) {
	root := t.TempDir()
	st, wg := filepath.Join(root, "st"), filepath.Join(root, "wg")
	if status, _, stderr := cli(t, "convert", "-q", exampleModel(t), "-o", st, "--weights-format", "safetensors"); status != 0 {
		t.Fatalf("convert: %s", stderr)
	}
	if status, _, stderr := cli(t, "convert", "-q", exampleModel(t), "-o", wg); status != 0 {
		t.Fatalf("convert: %s", stderr)
	}
	cases := []struct {
		name, graph, out string
		extra            []string
		files            string
	}{
		{"copied", st, filepath.Join(root, "copied"), nil, `{weights: "model.safetensors", manifest: "model.safetensors.manifest.json"}`},
		{"same-dir", st, st, nil, `{weights: "model.safetensors", manifest: "model.safetensors.manifest.json"}`},
		{"weights-base", st, filepath.Join(root, "based"), []string{"--weights-base", "../st"}, `{weights: "../st/model.safetensors", manifest: "model.safetensors.manifest.json"}`},
		{"default-weights", wg, filepath.Join(root, "wgjs"), nil, `{weights: "model.weights", manifest: "manifest.json"}`},
	}
	node, _ := exec.LookPath("node")
	var consts []string
	for _, c := range cases {
		if status, _, stderr := cli(t, append([]string{"emit-js", "-q", c.graph, "-o", c.out}, c.extra...)...); status != 0 {
			t.Fatalf("%s: emit-js: %s", c.name, stderr)
		}
		js, _ := os.ReadFile(filepath.Join(c.out, "model.js"))
		if want := "const FILES = " + c.files + ";"; !strings.Contains(string(js), want) {
			t.Errorf("%s: model.js lacks %s", c.name, want)
		}
		if node == "" || c.name == "weights-base" {
			continue // the mocked fetch serves the module's own directory only
		}
		rec := filepath.Join(t.TempDir(), "rec.json")
		script := filepath.Join(testenv.RepoRoot(), "emitjs", "testdata", "recorder.mjs")
		if b, err := exec.Command(node, script, filepath.Join(c.out, "model.js"), c.out, `{"batch_size":1}`, "all", "zeros", rec).CombinedOutput(); err != nil {
			t.Fatalf("%s: recorder.mjs: %v\n%s", c.name, err, b)
		}
		b, _ := os.ReadFile(rec)
		var r struct {
			Errors    []string
			Exception string
			Graph     struct{ Consts json.RawMessage }
		}
		if err := json.Unmarshal(b, &r); err != nil || len(r.Errors) > 0 || r.Exception != "" {
			t.Fatalf("%s: the module failed: %v %v %s", c.name, err, r.Errors, r.Exception)
		}
		consts = append(consts, string(r.Graph.Consts))
	}
	for i := 1; i < len(consts); i++ {
		if consts[i] != consts[0] {
			t.Errorf("the module reads other constants from the SafeTensors sidecar than from model.weights")
		}
	}
}
