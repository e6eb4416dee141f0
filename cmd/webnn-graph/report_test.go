package main

import (
	"context"
	"encoding/xml"
	"fmt"
	"html"
	"image/png"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/webnn-graph/webnn-graph/internal/testenv"
	"github.com/webnn-graph/webnn-graph/manifest"
	"github.com/webnn-graph/webnn-graph/onnxpb"
	"github.com/webnn-graph/webnn-graph/tensor"
	"github.com/webnn-graph/webnn-graph/testdata/hostile"
)

// TestVerifyReport writes verify's report.md, report.html and JUnit XML
// for a CNN, an encoder, a decoder (with its greedy-decode chart), a
// decoder whose weights were corrupted on disk (with the localisation)
// and a refused conversion, parses the JUnit XML, and renders each page
// in headless Chromium (screenshot and DOM), checking the page's text.
func TestVerifyReport(t *testing.T) {
	chromium := chromiumPath()
	type row struct {
		name   string
		args   func(t *testing.T) []string // verify arguments before the report flags
		status int
		tests  int      // JUnit test cases
		text   []string // in report.md and on the rendered page
		page   []string // on the rendered page only (charts)
	}
	rows := []row{
		{"cnn/tiny_cnn", func(t *testing.T) []string {
			return []string{exampleModel(t), "--inputs", filepath.Join(testenv.RepoRoot(), "testdata", "example", "input.npz")}
		}, 0, 1, []string{"PASS", "probs", "conv2d", "batch_size"}, nil},
		{"cnn/mobilenet_v2", func(t *testing.T) []string {
			dir := testenv.ZooModel(t, "mobilenet_v2")
			return []string{filepath.Join(dir, "model.onnx"), "--inputs", filepath.Join(dir, "cases", "b1.npz"), "--reference", filepath.Join(dir, "cases", "b1.npz")}
		}, 0, 3, []string{"PASS", "onnx vs reference", "conv2d", "clamp"}, nil},
		{"encoder/bert-tiny", func(t *testing.T) []string {
			dir := testenv.ZooModel(t, "bert-tiny")
			c := filepath.Join(dir, "cases", "b3_len12_padded.npz")
			return []string{filepath.Join(dir, "model.onnx"), "--inputs", c, "--reference", c}
		}, 0, 6, []string{"PASS", "last_hidden_state", "pooler_output", "webnn vs reference", "sequence_length"}, nil},
		{"decoder/smollm-tiny", func(t *testing.T) []string {
			return []string{filepath.Join(testenv.ZooModel(t, "smollm-tiny"), "model.onnx"), "--steps", "6"}
		}, 0, 5 + 6, []string{"PASS", "Greedy decode", "model limit"}, []string{"argmax agrees at 6 of 6 steps", "logits max abs error per step"}},
		{"decoder/smollm-tiny all cases", func(t *testing.T) []string {
			dir := testenv.ZooModel(t, "smollm-tiny")
			return []string{filepath.Join(dir, "model.onnx"), "--inputs", filepath.Join(dir, "cases"), "--steps", "4"}
		}, 0, 18*15 + 4, []string{"PASS", "18 cases", "prefill_b2_leftpad", "step16", "Greedy decode"}, []string{"worst comparison of each case", "Other cases", "18 / 18 cases pass"}},
		{"decoder/gpt2-tiny corrupted weight", func(t *testing.T) []string {
			model := filepath.Join(testenv.ZooModel(t, "gpt2-tiny"), "model.onnx")
			dir := filepath.Join(t.TempDir(), "g")
			if status, _, stderr := cli(t, "convert", "-q", model, "-o", dir); status != 0 {
				t.Fatalf("convert: %s", stderr)
			}
			corruptWeight(t, dir, "transformer_h_0_attn_c_proj_weight")
			return []string{model, "--graph", dir, "--localize", "--steps", "4"}
		}, 1, 5 + 4, []string{"FAIL", "First diverging node", "/transformer/h.0/attn/c_proj/Gemm", "the graph's constant is not the model's initializer", "graph file"}, nil},
		{"refused", func(t *testing.T) []string {
			p := filepath.Join(t.TempDir(), "nonzero.onnx")
			g := &onnxpb.GraphProto{
				Node:   []*onnxpb.NodeProto{{OpType: "NonZero", Name: "where_nonzero", Input: []string{"x"}, Output: []string{"y"}}},
				Input:  []*onnxpb.ValueInfoProto{hostile.VI("x", tensor.Float32, 4)},
				Output: []*onnxpb.ValueInfoProto{hostile.VI("y", tensor.Int64, 1, "n")},
			}
			if err := hostile.WriteModel(p, g); err != nil {
				t.Fatal(err)
			}
			return []string{p}
		}, 1, 1, []string{"REFUSED", "where_nonzero", "NonZero"}, nil},
	}
	for _, r := range rows {
		t.Run(r.name, func(t *testing.T) {
			out := t.TempDir()
			junit := filepath.Join(out, "junit.xml")
			args := append(append([]string{"verify"}, r.args(t)...), "--report", out, "--junit", junit)
			status, stdout, stderr := cli(t, args...)
			if status != r.status {
				t.Fatalf("verify: exit %d, want %d\n%s\n%s", status, r.status, stdout, stderr)
			}
			if !strings.Contains(stderr, "report: wrote") {
				t.Errorf("verify does not say where the report is: %s", stderr)
			}
			md, err := os.ReadFile(filepath.Join(out, "report.md"))
			if err != nil {
				t.Fatal(err)
			}
			for _, s := range r.text {
				if !strings.Contains(string(md), s) {
					t.Errorf("report.md lacks %q", s)
				}
			}
			checkJUnit(t, junit, r.tests, r.status != 0)
			if chromium == "" {
				t.Log("skipping the rendering: chromium is not installed (apt-get install chromium)")
				return
			}
			text := renderPage(t, chromium, filepath.Join(out, "report.html"), filepath.Join(out, "report.png"))
			for _, s := range append(append(r.text, r.page...), "webnn-graph verify") {
				if !strings.Contains(text, s) {
					t.Errorf("the rendered page lacks %q", s)
				}
			}
		})
	}
}

// corruptWeight flips a high bit of one element of a weight in DIR/model.weights.
func corruptWeight(t *testing.T, dir, key string) {
	t.Helper()
	man, err := manifest.Read(filepath.Join(dir, "manifest.json"))
	if err != nil {
		t.Fatal(err)
	}
	e, ok := man.Tensors[key]
	if !ok {
		t.Fatalf("%s not in the manifest", key)
	}
	p := filepath.Join(dir, "model.weights")
	b, err := os.ReadFile(p)
	if err != nil {
		t.Fatal(err)
	}
	b[e.ByteOffset+3*4+3] ^= 0x40
	if err := os.WriteFile(p, b, 0o644); err != nil {
		t.Fatal(err)
	}
}

// checkJUnit parses the XML and checks its counts.
func checkJUnit(t *testing.T, path string, tests int, failing bool) {
	t.Helper()
	b, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	var doc struct {
		XMLName  xml.Name `xml:"testsuites"`
		Tests    int      `xml:"tests,attr"`
		Failures int      `xml:"failures,attr"`
		Suites   []struct {
			Tests int `xml:"tests,attr"`
			Cases []struct {
				Name    string    `xml:"name,attr"`
				Failure *struct{} `xml:"failure"`
			} `xml:"testcase"`
		} `xml:"testsuite"`
	}
	if err := xml.Unmarshal(b, &doc); err != nil {
		t.Fatalf("JUnit XML does not parse: %v\n%s", err, b)
	}
	n, failed := 0, 0
	for _, s := range doc.Suites {
		n += len(s.Cases)
		for _, c := range s.Cases {
			if c.Failure != nil {
				failed++
			}
		}
	}
	if n != tests || doc.Tests != tests {
		t.Errorf("JUnit: %d test cases (tests=%d), want %d", n, doc.Tests, tests)
	}
	if (failed > 0) != failing || doc.Failures != failed {
		t.Errorf("JUnit: %d failing test cases (failures=%d), failing run %v", failed, doc.Failures, failing)
	}
}

func chromiumPath() string {
	for _, name := range []string{"chromium", "chromium-browser"} {
		if p, err := exec.LookPath(name); err == nil {
			return p
		}
	}
	if _, err := os.Stat("/usr/bin/chromium"); err == nil {
		return "/usr/bin/chromium"
	}
	return ""
}

var tagRe = regexp.MustCompile(`<[^>]*>`)

// renderPage loads page in headless Chromium (fresh profile, no network
// services), writes a screenshot, checks it is a non-blank PNG and
// returns the text of the rendered DOM.
func renderPage(t *testing.T, chromium, page, shot string) string {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 90*time.Second)
	defer cancel()
	cmd := exec.CommandContext(ctx, chromium, "--headless", "--no-sandbox", "--disable-gpu", "--disable-quic",
		"--no-first-run", "--disable-background-networking", "--disable-component-update", "--disable-sync",
		"--user-data-dir="+t.TempDir(), "--hide-scrollbars", "--window-size=1000,1400",
		"--screenshot="+shot, "--dump-dom", "file://"+page)
	var stdout, stderr strings.Builder
	cmd.Stdout, cmd.Stderr = &stdout, &stderr
	if err := cmd.Run(); err != nil {
		t.Fatalf("chromium: %v\n%s", err, lastLines(stderr.String(), 5))
	}
	f, err := os.Open(shot)
	if err != nil {
		t.Fatalf("no screenshot: %v\n%s", err, lastLines(stderr.String(), 5))
	}
	defer f.Close()
	img, err := png.Decode(f)
	if err != nil {
		t.Fatalf("screenshot: %v", err)
	}
	b := img.Bounds()
	inked := 0
	for y := b.Min.Y; y < b.Max.Y; y += 4 {
		for x := b.Min.X; x < b.Max.X; x += 4 {
			r, g, bl, _ := img.At(x, y).RGBA()
			if r < 0xc000 || g < 0xc000 || bl < 0xc000 {
				inked++
			}
		}
	}
	if b.Dx() < 900 || inked < 500 {
		t.Errorf("screenshot %dx%d looks blank (%d dark samples)", b.Dx(), b.Dy(), inked)
	}
	text := html.UnescapeString(tagRe.ReplaceAllString(stdout.String(), " "))
	if !strings.Contains(text, "webnn-graph verify") {
		t.Fatalf("chromium's DOM has no report text:\n%s", lastLines(stdout.String(), 5))
	}
	return strings.Join(strings.Fields(text), " ")
}

func lastLines(s string, n int) string {
	lines := strings.Split(strings.TrimSpace(s), "\n")
	if len(lines) > n {
		lines = lines[len(lines)-n:]
	}
	return fmt.Sprint(strings.Join(lines, "\n"))
}

// TestVerifyDecodeSymbolicHeadSize: verify's greedy-decode comparison on
// an onnxruntime-genai export, whose past key/values leave the head size
// symbolic (kv_cache_dim): the ONNX interpreter's empty past was built
// [1 2 0 1] and every decode comparison (--steps, --report, --junit)
// failed with "past_key ... must be [1, 2, past, 16]".
func TestVerifyDecodeSymbolicHeadSize(t *testing.T) {
	model := filepath.Join(testenv.RepoRoot(), "testdata", "exporters", "genai-llama-fp32", "model.onnx")
	if _, err := os.Stat(model); err != nil {
		t.Skipf("skipping: %v", err)
	}
	status, stdout, stderr := cli(t, "verify", model, "--target", "webnn", "--steps", "2")
	if status != 0 || !strings.Contains(stdout, "2 greedy decode steps agree") {
		t.Errorf("exit %d\n%s%s", status, stdout, stderr)
	}
}
