package main

import (
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/webnn-graph/webnn-graph/internal/testenv"
	"github.com/webnn-graph/webnn-graph/tensor"
)

// TestSafetensorsSet: a --weights-format safetensors conversion keeps what
// its manifest.json records besides the weights: the ONNX names (run -o
// wrote the identifiers, present_0_key for present.0.key, because the
// manifest's size-only pin did not parse and was dropped silently) and
// the pins (a sidecar of another conversion or a corrupted one is refused;
// a whole-file SHA-256 is checked where the file is read whole).
func TestSafetensorsSet(t *testing.T) {
	model := filepath.Join(testenv.ZooModel(t, "gpt2-tiny"), "model.onnx")
	inputs := filepath.Join(filepath.Dir(model), "cases", "step00.npz")
	root := t.TempDir()
	dir := filepath.Join(root, "st")
	if status, _, stderr := cli(t, "convert", "-q", model, "-o", dir, "--weights-format", "safetensors"); status != 0 {
		t.Fatalf("convert: %s", stderr)
	}
	out := filepath.Join(root, "o.npz")
	if status, _, stderr := cli(t, "run", "-q", dir, "--inputs", inputs, "-o", out); status != 0 {
		t.Fatalf("run: %s", stderr)
	}
	ts, _, err := tensor.ReadNPZ(out)
	if err != nil {
		t.Fatal(err)
	}
	if ts["present.0.key"] == nil || ts["logits"] == nil {
		t.Errorf("run -o keys are not the ONNX output names: %v", keys(ts))
	}

	// A corrupted sidecar (same size): validate, verify --graph and
	// emit-js read it whole and refuse it.
	bad := filepath.Join(root, "bad")
	os.CopyFS(bad, os.DirFS(dir))
	p := filepath.Join(bad, "model.safetensors")
	b, _ := os.ReadFile(p)
	b[len(b)-3] ^= 1
	os.WriteFile(p, b, 0o644)
	for _, args := range [][]string{
		{"validate", bad},
		{"verify", model, "--graph", bad},
		{"emit-js", bad, "-o", filepath.Join(root, "js")},
	} {
		status, _, stderr := cli(t, append([]string{"-q"}, args...)...)
		if status != 1 || !strings.Contains(stderr, "content SHA-256") {
			t.Errorf("%s of a corrupted sidecar: exit %d: %s", args[0], status, stderr)
		}
	}

	// An unreadable manifest beside the sidecar is an error, not ignored.
	os.WriteFile(filepath.Join(bad, "manifest.json"), []byte(`{"files": {"model.safetensors": {"byteLength": "x"}}}`), 0o644)
	if status, _, stderr := cli(t, "-q", "run", bad, "--inputs", inputs); status != 1 || !strings.Contains(stderr, "manifest beside") {
		t.Errorf("run with a broken manifest beside the sidecar: exit %d: %s", status, stderr)
	}

	// Sets written before the pin had a SHA-256 (empty: by size) still load.
	m, _ := os.ReadFile(filepath.Join(dir, "manifest.json"))
	old := string(m)
	i := strings.Index(old, `"model.safetensors"`)
	j := i + strings.Index(old[i:], `"sha256": "`) + len(`"sha256": "`)
	old = old[:j] + old[j+64:]
	os.WriteFile(filepath.Join(dir, "manifest.json"), []byte(old), 0o644)
	if status, _, stderr := cli(t, "-q", "run", dir, "--inputs", inputs); status != 0 {
		t.Errorf("run of a set pinned by size only: exit %d: %s", status, stderr)
	}
}

func keys[V any](m map[string]V) []string {
	var out []string
	for k := range m {
		out = append(out, k)
	}
	return out
}
