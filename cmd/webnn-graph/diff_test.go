package main

import (
	"encoding/json"
	"os"
	"path/filepath"
	"sort"
	"strings"
	"testing"

	"github.com/webnn-graph/webnn-graph/graphdiff"
	"github.com/webnn-graph/webnn-graph/internal/testenv"
)

// convertTo converts model into dir with extra flags and returns the
// bounds convert reports (dim → max).
func convertTo(t *testing.T, model, dir string, flags ...string) map[string]int64 {
	t.Helper()
	status, stdout, stderr := cli(t, append([]string{"convert", model, "-o", dir, "--json"}, flags...)...)
	if status != 0 {
		t.Fatalf("convert %v: %s", flags, stderr)
	}
	var rep struct {
		Dims []struct {
			Name string `json:"name"`
			Max  int64  `json:"max"`
		} `json:"dims"`
	}
	if err := json.Unmarshal([]byte(stdout), &rep); err != nil {
		t.Fatalf("convert --json: %v", err)
	}
	out := map[string]int64{}
	for _, d := range rep.Dims {
		out[d.Name] = d.Max
	}
	return out
}

// TestDiffConversions diffs conversions of zoo models: the same model
// twice (identical, exit 0), with different --dim bounds (exactly the dims
// whose bounds convert reports as different, nothing else), and with one
// weight byte changed on disk (exactly that constant, with its difference).
func TestDiffConversions(t *testing.T) {
	cases := []struct {
		model  string
		boundA []string
		boundB []string
		weight string
	}{
		{"smollm-tiny", nil, []string{"--dim", "sequence_length=512", "--dim", "batch_size=4"}, "onnx__MatMul_758"},
		{"gpt2-tiny", []string{"--dim", "past_sequence_length=100"}, []string{"--dim", "past_sequence_length=300"}, "transformer_h_0_ln_1_bias"},
		{"bert-tiny", nil, []string{"--dim", "sequence_length=128"}, "encoder_1_output_dense_bias"},
	}
	for _, c := range cases {
		t.Run(c.model, func(t *testing.T) {
			model := filepath.Join(testenv.ZooModel(t, c.model), "model.onnx")
			tmp := t.TempDir()
			a, a2, b := filepath.Join(tmp, "a"), filepath.Join(tmp, "a2"), filepath.Join(tmp, "b")
			boundsA := convertTo(t, model, a, c.boundA...)
			convertTo(t, model, a2, c.boundA...)
			boundsB := convertTo(t, model, b, c.boundB...)

			if status, stdout, stderr := cli(t, "diff", a, a2); status != 0 || !strings.Contains(stdout, "identical") {
				t.Fatalf("two identical conversions: exit %d\n%s\n%s", status, stdout, stderr)
			}

			status, stdout, stderr := cli(t, "diff", a, b)
			if status != 1 {
				t.Fatalf("different bounds: exit %d, want 1\n%s\n%s", status, stdout, stderr)
			}
			var want []string
			for name, max := range boundsA {
				if boundsB[name] != max {
					want = append(want, name)
				}
			}
			sort.Strings(want)
			status, js, _ := cli(t, "diff", a, b, "--json")
			var d graphdiff.Diff
			if err := json.Unmarshal([]byte(js), &d); status != 1 || err != nil {
				t.Fatalf("diff --json: exit %d, %v", status, err)
			}
			var got []string
			for _, dc := range d.Dims {
				got = append(got, dc.Name)
				if dc.A != boundsA[dc.Name] || dc.B != boundsB[dc.Name] {
					t.Errorf("dim %s: %d → %d, convert reported %d → %d", dc.Name, dc.A, dc.B, boundsA[dc.Name], boundsB[dc.Name])
				}
			}
			if strings.Join(got, ",") != strings.Join(want, ",") || d.Changes != len(want) {
				t.Errorf("changed dims %v (%d changes), want exactly %v\n%s", got, d.Changes, want, stdout)
			}
			for _, section := range []string{"nodes:", "consts:", "inputs:", "outputs:", "graph "} {
				if strings.Contains(stdout, section) {
					t.Errorf("a bounds-only change lists %q:\n%s", section, stdout)
				}
			}

			corruptWeight(t, a2, c.weight)
			status, stdout, _ = cli(t, "diff", a, a2)
			if status != 1 || !strings.Contains(stdout, "~ "+c.weight+":") || !strings.Contains(stdout, "1 of ") || !strings.Contains(stdout, "1 difference(s)") {
				t.Errorf("one changed weight byte: exit %d\n%s", status, stdout)
			}
		})
	}
}

// TestDiffUnreadable checks that a missing graph is an error (exit 1 with
// a message), not "identical".
func TestDiffUnreadable(t *testing.T) {
	dir := t.TempDir()
	status, _, stderr := cli(t, "diff", filepath.Join(dir, "nope"), exampleModel(t))
	if status != 1 || !strings.Contains(stderr, "nope") {
		t.Fatalf("exit %d: %s", status, stderr)
	}
	os.WriteFile(filepath.Join(dir, "g.webnn"), []byte("webnn_graph \"g\" v1 {\n inputs { x: f32[2]; }\n nodes { y = relu(x); }\n outputs { y; }\n}\n"), 0o644)
	if status, stdout, stderr := cli(t, "diff", filepath.Join(dir, "g.webnn"), filepath.Join(dir, "g.webnn")); status != 0 {
		t.Fatalf("a graph against itself: exit %d\n%s%s", status, stdout, stderr)
	}
}
