package main

import (
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
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
