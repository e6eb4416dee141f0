package main

import (
	"bytes"
	"encoding/json"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"testing"

	"github.com/webnn-graph/webnn-graph/internal/testenv"
	"github.com/webnn-graph/webnn-graph/tensor"
)

// cli runs the command in-process and returns exit status, stdout, stderr.
func cli(t *testing.T, args ...string) (int, string, string) {
	t.Helper()
	var out, errb bytes.Buffer
	status := execute(args, &out, &errb)
	return status, out.String(), errb.String()
}

func exampleModel(t *testing.T) string {
	p := filepath.Join(testenv.RepoRoot(), "testdata", "example", "tiny_cnn.onnx")
	if _, err := os.Stat(p); err != nil {
		t.Fatalf("example model missing (go run ./testdata/gen): %v", err)
	}
	return p
}

func TestExitStatus(t *testing.T) {
	dir := t.TempDir()
	garbage := filepath.Join(dir, "garbage.onnx")
	os.WriteFile(garbage, []byte("this is not an ONNX model\x00\xff\xfe"), 0o644)
	truncated := filepath.Join(dir, "truncated.onnx")
	b, _ := os.ReadFile(exampleModel(t))
	os.WriteFile(truncated, b[:len(b)/2], 0o644)
	badGraph := filepath.Join(dir, "bad.webnn")
	os.WriteFile(badGraph, []byte("webnn_graph \"g\" v1 {\n inputs { x: f32[2]; }\n nodes { y = relu(z); }\n outputs { y; }\n}\n"), 0o644)

	cases := []struct {
		name      string
		args      []string
		status    int
		stderrHas string
		noOutDir  string
	}{
		{"no command args", []string{"convert"}, 2, "expects one ONNX model path", ""},
		{"unknown flag", []string{"convert", "--nope", "x.onnx"}, 2, "unknown flag", ""},
		{"unknown command", []string{"frobnicate"}, 2, "unknown command", ""},
		{"bad --dim", []string{"convert", exampleModel(t), "--dim", "batch_size"}, 2, "--dim", ""},
		{"missing file", []string{"convert", filepath.Join(dir, "nope.onnx"), "-o", filepath.Join(dir, "o1")}, 1, "nope.onnx", filepath.Join(dir, "o1")},
		{"garbage", []string{"convert", garbage, "-o", filepath.Join(dir, "o2")}, 1, "garbage.onnx", filepath.Join(dir, "o2")},
		{"truncated", []string{"convert", truncated, "-o", filepath.Join(dir, "o3")}, 1, "truncated.onnx", filepath.Join(dir, "o3")},
		{"validate undefined operand", []string{"validate", badGraph}, 1, "z", ""},
		{"run without inputs", []string{"run", badGraph}, 2, "--inputs", ""},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			status, _, stderr := cli(t, c.args...)
			if status != c.status {
				t.Fatalf("exit status %d, want %d; stderr:\n%s", status, c.status, stderr)
			}
			if !strings.Contains(stderr, c.stderrHas) {
				t.Errorf("stderr %q does not mention %q", stderr, c.stderrHas)
			}
			if c.status == 1 && strings.Count(strings.TrimSpace(stderr), "\n") != 0 {
				t.Errorf("error is not one line:\n%s", stderr)
			}
			if strings.Contains(stderr, "goroutine ") || strings.Contains(stderr, "panic") {
				t.Errorf("stderr shows a panic:\n%s", stderr)
			}
			if c.noOutDir != "" {
				if _, err := os.Stat(c.noOutDir); !os.IsNotExist(err) {
					t.Errorf("failed run left %s behind", c.noOutDir)
				}
			}
		})
	}
}

func TestConvertValidateRunVerifyExample(t *testing.T) {
	model := exampleModel(t)
	out := filepath.Join(t.TempDir(), "tiny")
	status, stdout, stderr := cli(t, "convert", model, "-o", out, "--dim", "batch_size=4")
	if status != 0 {
		t.Fatalf("convert: %d\n%s", status, stderr)
	}
	for _, f := range []string{"model.webnn", "model.weights", "manifest.json"} {
		if _, err := os.Stat(filepath.Join(out, f)); err != nil {
			t.Fatalf("convert did not write %s: %v", f, err)
		}
	}
	if !strings.Contains(stdout, "batch_size ≤ 4") {
		t.Errorf("report does not print the bound:\n%s", stdout)
	}
	entries, _ := os.ReadDir(out)
	for _, e := range entries {
		if strings.Contains(e.Name(), ".tmp-") {
			t.Errorf("temporary file left: %s", e.Name())
		}
	}
	text, _ := os.ReadFile(filepath.Join(out, "model.webnn"))
	if !strings.Contains(string(text), `dyn("batch_size", 4)`) {
		t.Errorf("model.webnn lacks the dynamic batch dim:\n%s", text)
	}
	if status, _, stderr := cli(t, "validate", filepath.Join(out, "model.webnn")); status != 0 {
		t.Fatalf("validate: %d\n%s", status, stderr)
	}
	inputs := filepath.Join(testenv.RepoRoot(), "testdata", "example", "input.npz")
	outNPZ := filepath.Join(t.TempDir(), "out.npz")
	if status, _, stderr := cli(t, "run", filepath.Join(out, "model.webnn"), "--inputs", inputs, "-o", outNPZ); status != 0 {
		t.Fatalf("run: %d\n%s", status, stderr)
	}
	got, _, err := tensor.ReadNPZ(outNPZ)
	if err != nil || got["probs"] == nil {
		t.Fatalf("run output: %v %v", err, got)
	}
	if status, stdout, stderr := cli(t, "verify", model, "--graph", out, "--inputs", inputs); status != 0 {
		t.Fatalf("verify: %d\n%s\n%s", status, stdout, stderr)
	}
	if status, stdout, stderr := cli(t, "verify", model); status != 0 {
		t.Fatalf("verify with generated inputs: %d\n%s\n%s", status, stdout, stderr)
	}
}

// TestVerifyReference checks that verify passes against the zoo's ONNX
// Runtime reference for mobilenet_v2 and fails, naming the output, when
// that reference is perturbed.
func TestVerifyReference(t *testing.T) {
	dir := testenv.ZooModel(t, "mobilenet_v2")
	model := filepath.Join(dir, "model.onnx")
	cases, _ := filepath.Glob(filepath.Join(dir, "cases", "*.npz"))
	if len(cases) == 0 {
		t.Skip("mobilenet_v2 has no cases")
	}
	status, stdout, stderr := cli(t, "verify", model, "--inputs", cases[0], "--reference", cases[0])
	if status != 0 {
		t.Fatalf("verify: %d\n%s\n%s", status, stdout, stderr)
	}
	ts, names, err := tensor.ReadNPZ(cases[0])
	if err != nil {
		t.Fatal(err)
	}
	var outKey string
	for _, k := range names {
		if strings.HasPrefix(k, "out.") {
			outKey = k
		}
	}
	d := ts[outKey].Data.([]float32)
	d[len(d)/3] += 0.5
	bad := filepath.Join(t.TempDir(), "perturbed.npz")
	if err := tensor.WriteNPZ(bad, names, ts); err != nil {
		t.Fatal(err)
	}
	status, stdout, stderr = cli(t, "verify", model, "--inputs", cases[0], "--reference", bad)
	if status != 1 {
		t.Fatalf("verify against a perturbed reference: exit %d, want 1\n%s", status, stdout)
	}
	out := strings.TrimPrefix(outKey, "out.")
	if !strings.Contains(stderr, out) || !strings.Contains(stderr, "reference") {
		t.Errorf("failure line does not name %s vs reference: %s", out, stderr)
	}
}

func TestInspectExternalData(t *testing.T) {
	dir := testenv.ZooModel(t, "smollm-135m")
	status, stdout, stderr := cli(t, "inspect", filepath.Join(dir, "model.onnx"), "--json")
	if status != 0 {
		t.Fatalf("inspect: %d\n%s", status, stderr)
	}
	for _, want := range []string{`"past_key_values.0.key"`, `"externalData": true`, `"MatMul"`} {
		if !strings.Contains(stdout, want) {
			t.Errorf("inspect output lacks %s", want)
		}
	}
}

// TestGenerateReproducesGreedyTokens decodes smollm-tiny from its ONNX
// model (converted in memory, run on the WebNN runtime) and checks the
// greedy tokens recorded in its meta.json; a wrong reference token must
// fail naming the step.
func TestGenerateReproducesGreedyTokens(t *testing.T) {
	dir := testenv.Shared(t, "zoo/smollm-tiny")
	var meta struct {
		PromptIDs    []int64 `json:"prompt_ids"`
		GreedyTokens []int64 `json:"greedy_tokens"`
	}
	b, err := os.ReadFile(filepath.Join(dir, "meta.json"))
	if err != nil {
		t.Fatal(err)
	}
	if err := json.Unmarshal(b, &meta); err != nil || len(meta.GreedyTokens) == 0 {
		t.Fatalf("meta.json: %v", err)
	}
	join := func(v []int64) string {
		s := make([]string, len(v))
		for i, x := range v {
			s[i] = strconv.FormatInt(x, 10)
		}
		return strings.Join(s, ",")
	}
	model := filepath.Join(dir, "model.onnx")
	steps := strconv.Itoa(len(meta.GreedyTokens))
	status, stdout, stderr := cli(t, "generate", model, "--prompt-ids", join(meta.PromptIDs), "--steps", steps,
		"--reference-tokens", join(meta.GreedyTokens), "--json")
	if status != 0 {
		t.Fatalf("generate: exit %d\n%s\n%s", status, stdout, stderr)
	}
	var rep generateReport
	if err := json.Unmarshal([]byte(stdout), &rep); err != nil {
		t.Fatalf("generate --json output: %v\n%s", err, stdout)
	}
	if join(rep.Tokens) != join(meta.GreedyTokens) {
		t.Fatalf("tokens %v, want %v", rep.Tokens, meta.GreedyTokens)
	}
	wrong := append([]int64{}, meta.GreedyTokens...)
	wrong[2]++
	status, _, stderr = cli(t, "generate", model, "--prompt-ids", join(meta.PromptIDs), "--steps", steps, "--reference-tokens", join(wrong))
	if status != 1 || !strings.Contains(stderr, "step 2") {
		t.Fatalf("a wrong reference token: exit %d, stderr %q; want exit 1 naming step 2", status, stderr)
	}
}
