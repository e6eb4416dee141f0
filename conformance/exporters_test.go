package conformance

import (
	"encoding/json"
	"fmt"
	"os"
	"path/filepath"
	"sort"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/webnn-graph/webnn-graph/emit"
	"github.com/webnn-graph/webnn-graph/internal/testenv"
	"github.com/webnn-graph/webnn-graph/tensor"
)

// The exporter fixtures (testdata/exporters, made by make_fixtures.py):
// tiny seeded models from optimum, torch's dynamo exporter, the
// onnxruntime-genai builder, ORT's quantizers and optimizer, with cases
// whose references come from ONNX Runtime. Each model file is converted
// once with its dynamic dims kept; every case (batch 1–3, prefill and
// decode, left padding) runs on that one graph; decoders must also
// reproduce ONNX Runtime's greedy tokens through `webnn-graph generate`.
// Keys of the expected-failures list are "<fixture>/<model file>" for a
// conversion or case and "<fixture>/generate" for the greedy check.

const exportersExpectedFile = "testdata/exporters-expected.txt"

// exporterTargets: "" is the default target.
var exporterTargets = []string{"", "webnn"}

type exporterMeta struct {
	Tool  string `json:"tool"`
	Kind  string `json:"kind"`
	Cases []struct {
		Name  string `json:"name"`
		Model string `json:"model"`
	} `json:"cases"`
	Greedy *struct {
		Model  string `json:"model"`
		Prompt []int  `json:"prompt"`
		Tokens []int  `json:"tokens"`
	} `json:"greedy"`
}

// exporterTol bounds |ours - ORT| / max(1, |ORT|): float32 arithmetic in
// another order, 1e-4; models whose weights are int8/int4 quantized 1e-3
// (the same dequantized values, accumulated in another order and, for
// dynamic quantization, activations quantized by both with the same
// round-half-to-even rule). The genai builder's int4 models set
// MatMulNBits accuracy_level=4, which lets ONNX Runtime quantize the
// activations to int8 per block before multiplying; we compute those
// products in float32, so ORT is the less exact side there: 3e-2.
func exporterTol(fixture string) float64 {
	switch {
	case strings.HasPrefix(fixture, "genai-") && strings.Contains(fixture, "int4"):
		return 3e-2
	case strings.Contains(fixture, "fp16"):
		return 1e-2
	case strings.Contains(fixture, "int4") || strings.Contains(fixture, "quant"):
		return 1e-3
	}
	return 1e-4
}

func TestExporterFixtures(t *testing.T) {
	if testing.Short() {
		t.Skip("skipping the exporter fixtures in -short mode")
	}
	root := filepath.Join(testenv.RepoRoot(), "testdata", "exporters")
	metas, _ := filepath.Glob(filepath.Join(root, "*", "meta.json"))
	sort.Strings(metas)
	if len(metas) == 0 {
		t.Fatalf("no fixtures under %s", root)
	}
	expected, err := readExpectations(exportersExpectedFile)
	if err != nil {
		t.Fatal(err)
	}
	cli := buildCLI(t)
	got := expectations{}
	var matched, refused, failed, cases int
	check := func(key, status, reason string) {
		switch status {
		case "matched":
			matched++
			if e, ok := expected[key]; ok {
				t.Logf("%s: now matches (listed as %q): remove it from %s", key, e, exportersExpectedFile)
			}
			return
		case "refused":
			refused++
		default:
			failed++
		}
		line := status + ": " + reason
		got[key] = line
		if e, ok := expected[key]; !ok || !strings.HasPrefix(e, status+":") {
			t.Errorf("%s: %s (not listed in %s as such; listed: %q)", key, line, exportersExpectedFile, e)
		} else {
			t.Logf("%s: %s (listed)", key, line)
		}
	}
	for _, metaPath := range metas {
		dir := filepath.Dir(metaPath)
		fixture := filepath.Base(dir)
		var meta exporterMeta
		b, err := os.ReadFile(metaPath)
		if err == nil {
			err = json.Unmarshal(b, &meta)
		}
		if err != nil {
			t.Errorf("%s: %v", metaPath, err)
			continue
		}
		byModel := map[string][]string{}
		var models []string
		for _, c := range meta.Cases {
			if _, ok := byModel[c.Model]; !ok {
				models = append(models, c.Model)
			}
			byModel[c.Model] = append(byModel[c.Model], c.Name)
		}
		// A publisher's first command: verify with nothing but the model
		// (inputs generated within the default bounds, every relation
		// between dims respected).
		for _, model := range models {
			status, reason := bareVerify(cli, filepath.Join(dir, model))
			check(fixture+"/"+model+" [verify]", status, reason)
		}
		// Every model converts for the default target and for webnn (the
		// spec as browsers implement it, which takes every size expression).
		for _, tgt := range exporterTargets {
			suffix, args := "", []string(nil)
			if tgt != "" {
				suffix, args = " ["+tgt+"]", []string{"--target", tgt}
			}
			graphs := map[string]string{}
			for _, model := range models {
				key := fixture + "/" + model + suffix
				status, reason, detail, graphPath := runExporterModel(t, cli, dir, model, args, byModel[model], exporterTol(fixture))
				cases += len(byModel[model])
				if status == "matched" {
					t.Logf("%s: %s", key, detail)
					graphs[model] = graphPath
				}
				check(key, status, reason)
			}
			if g := meta.Greedy; g != nil {
				key := fixture + "/generate" + suffix
				graphPath, ok := graphs[g.Model]
				if !ok {
					check(key, "failed", "the model did not convert and match")
					continue
				}
				args := []string{"generate", graphPath, "--prompt-ids", joinInts(g.Prompt), "--steps", strconv.Itoa(len(g.Tokens)),
					"--reference-tokens", joinInts(g.Tokens), "-q"}
				if code, stderr := runCLI(cli, args...); code != 0 {
					check(key, "failed", fmt.Sprintf("generate exit %d: %s", code, firstLine(strings.TrimSpace(stderr), 240)))
				} else {
					t.Logf("%s: greedy tokens %v equal ONNX Runtime's", key, g.Tokens)
					check(key, "matched", "")
				}
			}
		}
	}
	if updating() {
		if err := writeExpectations(exportersExpectedFile, "Exporter fixtures (testdata/exporters): conversions, cases and greedy checks that are refused or fail, with the reason.\nA key listed here that matches is reported; one not listed that does not match fails the test.", got); err != nil {
			t.Fatal(err)
		}
	}
	testenv.Report("exporters: %d matched, %d refused, %d failed (%d fixtures, %d cases)", matched, refused, failed, len(metas), cases)
}

// runExporterModel converts one model file of a fixture once and runs every
// case of it on the converted graph.
func runExporterModel(t *testing.T, cli, dir, model string, convertArgs, caseNames []string, tol float64) (status, reason, detail, graphPath string) {
	work := t.TempDir()
	outDir := filepath.Join(work, "graph")
	t0 := time.Now()
	code, stderr := runCLI(cli, append([]string{"convert", filepath.Join(dir, model), "-o", outDir, "-q"}, convertArgs...)...)
	tConvert := time.Since(t0)
	if code == 1 {
		return "refused", firstLine(strings.TrimSpace(stderr), 240), "", ""
	}
	if code != 0 {
		return "failed", fmt.Sprintf("convert exit %d: %s", code, firstLine(strings.TrimSpace(stderr), 240)), "", ""
	}
	graphPath = filepath.Join(outDir, "model.webnn")
	graphInputs, err := graphInputNames(graphPath)
	if err != nil {
		return "failed", err.Error(), "", ""
	}
	var parts []string
	for _, name := range caseNames {
		arrays, keys, err := tensor.ReadNPZ(filepath.Join(dir, "cases", name+".npz"))
		if err != nil {
			return "failed", err.Error(), "", ""
		}
		ins := map[string]*tensor.Tensor{}
		want := map[string]*tensor.Tensor{}
		var inNames, wantNames []string
		for _, k := range keys {
			if in, ok := strings.CutPrefix(k, "in."); ok && graphInputs[emit.Sanitize(in)] {
				ins[in] = arrays[k]
				inNames = append(inNames, in)
			} else if out, ok := strings.CutPrefix(k, "out."); ok {
				want[out] = arrays[k]
				wantNames = append(wantNames, out)
			}
		}
		inPath := filepath.Join(work, name+".in.npz")
		if err := tensor.WriteNPZ(inPath, inNames, ins); err != nil {
			return "failed", err.Error(), "", ""
		}
		worst, worstName, took, err := runAndCompare(cli, graphPath, inPath, filepath.Join(work, name+".out.npz"), want, wantNames)
		if err != nil {
			return "failed", fmt.Sprintf("case %s: %v", name, err), "", ""
		}
		if worst > tol {
			return "failed", fmt.Sprintf("case %s: output %q differs from ONNX Runtime by %.3g > %g", name, worstName, worst, tol), "", ""
		}
		parts = append(parts, fmt.Sprintf("%s %.2g (%v)", name, worst, took.Round(time.Millisecond)))
	}
	return "matched", "", fmt.Sprintf("convert %v; max diff vs ONNX Runtime: %s", tConvert.Round(time.Millisecond), strings.Join(parts, ", ")), graphPath
}

func joinInts(xs []int) string {
	s := make([]string, len(xs))
	for i, x := range xs {
		s[i] = strconv.Itoa(x)
	}
	return strings.Join(s, ",")
}
