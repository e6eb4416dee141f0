package main

import (
	"encoding/json"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/webnn-graph/webnn-graph/internal/testenv"
	"github.com/webnn-graph/webnn-graph/onnxpb"
	"google.golang.org/protobuf/proto"
)

func dimsFixture(name string) string {
	return filepath.Join(testenv.RepoRoot(), "testdata", "dims", name+".onnx")
}

// optimumSmolLM writes the zoo's smollm-tiny with its total_sequence_length
// renamed to optimum's "past_sequence_length + sequence_length" (what
// testdata/dims/gen_fixtures.py's rewrite_smollm does), or "" without the zoo.
func optimumSmolLM(t *testing.T) string {
	src := filepath.Join(testenv.SharedDir(), "zoo", "smollm-tiny", "model.onnx")
	if testenv.SharedDir() == "" || !fileExists(src) {
		return ""
	}
	m, err := onnxpb.Load(src)
	if err != nil {
		t.Fatal(err)
	}
	defer m.Close()
	g := m.Proto.GetGraph()
	for _, vi := range append(append([]*onnxpb.ValueInfoProto{}, g.GetInput()...), g.GetOutput()...) {
		for _, d := range vi.GetType().GetTensorType().GetShape().GetDim() {
			if p, ok := d.Value.(*onnxpb.TensorShapeProto_Dimension_DimParam); ok && p.DimParam == "total_sequence_length" {
				p.DimParam = "past_sequence_length + sequence_length"
			}
		}
	}
	b, err := proto.Marshal(m.Proto)
	if err != nil {
		t.Fatal(err)
	}
	p := filepath.Join(t.TempDir(), "smollm-tiny-optimum.onnx")
	if err := os.WriteFile(p, b, 0o644); err != nil {
		t.Fatal(err)
	}
	return p
}

func fileExists(p string) bool { _, err := os.Stat(p); return err == nil }

// TestDecodersVerifyBatches: every decoder fixture (optimum's expression
// dim, genai's kv_cache_dim) converts once and verifies at batch 1, 2 and
// 3 with left padding, at prefill and at decode.
func TestDecodersVerifyBatches(t *testing.T) {
	models := map[string]string{
		"optimum_decoder": dimsFixture("optimum_decoder"),
		"genai_decoder":   dimsFixture("genai_decoder"),
	}
	if p := optimumSmolLM(t); p != "" {
		models["smollm-tiny-optimum"] = p
	}
	pass, fail := 0, 0
	for _, name := range []string{"optimum_decoder", "genai_decoder", "smollm-tiny-optimum"} {
		path, ok := models[name]
		if !ok {
			continue
		}
		for _, b := range []int{1, 2, 3} {
			for _, step := range []struct{ past, seq int }{{0, 6}, {5, 1}, {3, 4}} {
				args := []string{"verify", path, "--json", "--dim", fmt.Sprintf("batch_size=%d", b),
					"--dim", fmt.Sprintf("past_sequence_length=%d", step.past), "--dim", fmt.Sprintf("sequence_length=%d", step.seq)}
				status, out, stderr := cli(t, args...)
				if status != 0 {
					fail++
					t.Errorf("%s batch %d past %d seq %d: status %d: %s%s", name, b, step.past, step.seq, status, stderr, lastLine(out))
					continue
				}
				var rep verifyReport
				if err := json.Unmarshal([]byte(out), &rep); err != nil {
					t.Fatal(err)
				}
				mask := rep.Inputs["attention_mask"]
				if len(mask) != 2 || mask[0] != b || mask[1] != step.past+step.seq {
					t.Errorf("%s: attention_mask %v, want [%d %d]", name, mask, b, step.past+step.seq)
				}
				pass++
			}
		}
	}
	testenv.Report("decoder-batches: %d passed, %d failed, 0 skipped (batch 1-3, left padding, prefill and decode)", pass, fail)
}

// TestFixturesVerify: the ViT fixture (height and width found by search
// for the patch count), the PaddlePaddle one (three anonymous dims, its
// 48×192 input) and the metadata one verify.
func TestFixturesVerify(t *testing.T) {
	cases := []struct {
		model string
		args  []string
		shape string
	}{
		{"vit_patch", []string{"--dim", "batch_size=2"}, `"pixel_values":[2,3,16,16]`},
		{"paddle_cls", []string{"--dim", "x_dim0=2", "--dim", "x_dim2=48", "--dim", "x_dim3=192"}, `"x":[2,3,48,192]`},
		{"meta_dims", nil, `"x":[1,3,24,7]`},
	}
	for _, c := range cases {
		status, out, stderr := cli(t, append([]string{"verify", dimsFixture(c.model), "--json"}, c.args...)...)
		if status != 0 {
			t.Errorf("%s: status %d: %s", c.model, status, stderr)
			continue
		}
		if !strings.Contains(strings.ReplaceAll(strings.ReplaceAll(out, " ", ""), "\n", ""), c.shape) {
			t.Errorf("%s: inputs are not %s:\n%s", c.model, c.shape, out)
		}
	}
}

// TestConvertReportsDims: the report names the dims the graph fixes, the
// derived ones, anonymous ones, and the bound a position table sets.
func TestConvertReportsDims(t *testing.T) {
	dir := t.TempDir()
	cases := []struct {
		model string
		args  []string
		want  []string
	}{
		{"genai_decoder", nil, []string{
			`kv_cache_dim = 8   (fixed by node "/model/layers.0/attn/Concat_k" (Concat))`,
			`total_sequence_length = past_sequence_length + sequence_length ≤ 48`,
			`past_sequence_length ≤ 47   (model limit`,
			`f32[dyn("batch_size", 8), 2, dyn("past_sequence_length", 47), 8]`,
		}},
		{"optimum_decoder", nil, []string{
			`attention_mask_dim1 = past_sequence_length + sequence_length ≤ 64`,
			`"wpe" has 64 rows, indexed by "position_ids"`,
		}},
		{"vit_patch", nil, []string{`num_channels = 3   (fixed by node "/vit/embeddings/patch_embeddings/projection/Conv" (Conv))`}},
		{"paddle_cls", nil, []string{`x_dim2 ≤ 65535   (default; set with --dim x_dim2=N)   anonymous "?" (input "x" dim 2)`, `x_dim0 ≤ 8`}},
		{"meta_dims", nil, []string{`x: f32[1, 3, 24, dyn("x_dim3", 65535)]`}},
		{"paddle_cls", []string{"--dims-file", writeJSON(t, dir, `{"freeDimensionOverrides": {"x_dim0": 1, "x_dim2": 48}}`)}, []string{`x: f32[1, 3, 48, dyn("x_dim3", 65535)]`}},
		{"paddle_cls", []string{"--dims-file", writeJSON(t, dir, `{"x_dim2": 48, "x_dim3": {"min": 32, "max": 320}}`), "--freeze", "x_dim2=32"}, []string{`x: f32[dyn("x_dim0", 8), 3, 32, dyn("x_dim3", 320)]`, `x_dim3 ≤ 320   (dims file)`}},
	}
	for i, c := range cases {
		status, out, stderr := cli(t, append([]string{"convert", dimsFixture(c.model), "-o", filepath.Join(dir, fmt.Sprint(i))}, c.args...)...)
		if status != 0 {
			t.Errorf("%s: status %d: %s", c.model, status, stderr)
			continue
		}
		for _, w := range c.want {
			if !strings.Contains(out, w) {
				t.Errorf("%s %v: report lacks %q:\n%s", c.model, c.args, w, out)
			}
		}
	}
	status, _, stderr := cli(t, "convert", dimsFixture("paddle_cls"), "-o", filepath.Join(dir, "bad"), "--dims-file", writeJSON(t, dir, `{"x_dim2": "big"}`))
	if status != 2 || !strings.Contains(stderr, `dim "x_dim2": want an integer or {"min": N, "max": M}`) {
		t.Errorf("bad dims file: status %d, %s", status, stderr)
	}
}

var jsonFiles int

func writeJSON(t *testing.T, dir, s string) string {
	jsonFiles++
	p := filepath.Join(dir, fmt.Sprintf("dims%d.json", jsonFiles))
	if err := os.WriteFile(p, []byte(s), 0o644); err != nil {
		t.Fatal(err)
	}
	return p
}

// TestGenerateGenai: generate feeds the genai decoder's past with the
// head size the graph fixes (kv_cache_dim = 8), not 1.
func TestGenerateGenai(t *testing.T) {
	for _, m := range []string{"genai_decoder", "optimum_decoder"} {
		status, out, stderr := cli(t, "generate", dimsFixture(m), "--prompt-ids", "1,2,3", "--steps", "4")
		if status != 0 || !strings.Contains(out, "tokens: ") {
			t.Errorf("%s: status %d: %s%s", m, status, stderr, out)
		}
	}
}
