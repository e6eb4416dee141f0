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

// TestDecodersVerifyBatches: every decoder (the dims fixtures with
// optimum's expression dim and genai's kv_cache_dim, smollm-tiny in
// optimum's form, and the exporter fixtures of testdata/exporters:
// optimum, ORT-quantized, torch dynamo, onnxruntime-genai) converts once
// and verifies at batch 1, 2 and 3 with left padding, at prefill and at
// decode, with the default target (rustnn-0.5, whose sizes are NAME ± K
// only: the padding mask's flattened lookup and dynamo's mask length are
// rewritten for it) and, for the exporter fixtures, with --target webnn
// too (key suffix " [webnn]"). Known failures are listed in
// testdata/decoder-batches-expected.txt.
func TestDecodersVerifyBatches(t *testing.T) {
	type model struct{ name, path, target string }
	models := []model{
		{"optimum_decoder", dimsFixture("optimum_decoder"), ""},
		{"genai_decoder", dimsFixture("genai_decoder"), ""},
	}
	if p := optimumSmolLM(t); p != "" {
		models = append(models, model{"smollm-tiny-optimum", p, ""})
	}
	exporters := filepath.Join(testenv.RepoRoot(), "testdata", "exporters")
	for _, name := range []string{"optimum-llama", "optimum-qwen2", "optimum-qwen3", "optimum-phi3", "optimum-mistral", "optimum-gemma3",
		"ortquant-dynamic-llama", "ortquant-nbits-llama", "dynamo-llama", "genai-llama-fp32", "genai-llama-int4"} {
		if p := filepath.Join(exporters, name, "model.onnx"); fileExists(p) {
			models = append(models, model{name, p, ""}, model{name + " [webnn]", p, "webnn"})
		}
	}
	expected := readExpected(t, filepath.Join("testdata", "decoder-batches-expected.txt"))
	pass, fail, listed := 0, 0, 0
	for _, m := range models {
		for _, b := range []int{1, 2, 3} {
			for _, step := range []struct{ past, seq int }{{0, 6}, {5, 1}} {
				name, suffix, _ := strings.Cut(m.name, " ")
				key := strings.TrimSpace(fmt.Sprintf("%s b%d p%d s%d %s", name, b, step.past, step.seq, suffix))
				args := []string{"verify", m.path, "--json", "--dim", fmt.Sprintf("batch_size=%d", b),
					"--dim", fmt.Sprintf("past_sequence_length=%d", step.past), "--dim", fmt.Sprintf("sequence_length=%d", step.seq)}
				if m.target != "" {
					args = append(args, "--target", m.target)
				}
				status, out, stderr := cli(t, args...)
				why, isListed := expected[key]
				if status != 0 {
					if isListed {
						listed++
						t.Logf("%s: fails as listed (%s)", key, why)
						continue
					}
					fail++
					t.Errorf("%s: status %d: %s%s", key, status, stderr, lastLine(out))
					continue
				}
				if isListed {
					t.Errorf("%s: now passes (listed as %q): remove it from testdata/decoder-batches-expected.txt", key, why)
				}
				var rep verifyReport
				if err := json.Unmarshal([]byte(out), &rep); err != nil {
					t.Fatal(err)
				}
				mask := rep.Inputs["attention_mask"]
				if len(mask) != 2 || mask[0] != b || mask[1] != step.past+step.seq {
					t.Errorf("%s: attention_mask %v, want [%d %d]", key, mask, b, step.past+step.seq)
				}
				pass++
			}
		}
	}
	testenv.Report("decoder-batches: %d passed, %d failed, %d listed (%d decoder conversions, batch 1-3, left padding, prefill and decode)", pass, fail, listed, len(models))
}

// readExpected reads "key  # reason" lines.
func readExpected(t *testing.T, path string) map[string]string {
	b, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	out := map[string]string{}
	for _, line := range strings.Split(string(b), "\n") {
		line = strings.TrimSpace(line)
		if line == "" || strings.HasPrefix(line, "#") {
			continue
		}
		key, why, _ := strings.Cut(line, "#")
		out[strings.TrimSpace(key)] = strings.TrimSpace(why)
	}
	return out
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
		// N ≥ 48 only the graph states (reflect pad, then a 128-tap
		// strided Conv): the generated waveform has the minimum length.
		{"stft_conv", []string{"--target", "webnn"}, `"waveforms":[1,48]`},
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
		{"stft_conv", []string{"--target", "webnn"}, []string{
			`48 ≤ N ≤ 65535   (minimum required by the graph; set with --dim N=MIN..MAX)`,
			`N ≥ 48 (required by node "stft" (Conv): the input size N + 80 must be at least the kernel extent 128)`, "48 ≤ N ≤ 65535",
		}},
		{"stft_conv", []string{"--target", "webnn", "--dim", "N=16..16000"}, []string{`48 ≤ N ≤ 16000   (--dim)`}},
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
	// A user bound below the graph's minimum is refused, naming the --dim
	// that works (the minimum of every node, not the first found).
	status, _, stderr := cli(t, "convert", dimsFixture("stft_conv"), "-o", filepath.Join(dir, "low"), "--target", "webnn", "--dim", "N=1..20")
	if status == 0 || !strings.Contains(stderr, `node "stft" (Conv): the input size N + 80 must be at least the kernel extent 128, so dim N must be at least 48, but --dim bounds it to 1..20: use --dim N=48..65535`) {
		t.Errorf("bound below the minimum: status %d, %s", status, stderr)
	}
	status, _, stderr = cli(t, "convert", dimsFixture("paddle_cls"), "-o", filepath.Join(dir, "bad"), "--dims-file", writeJSON(t, dir, `{"x_dim2": "big"}`))
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
