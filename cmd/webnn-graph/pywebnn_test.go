package main

import (
	"bufio"
	"encoding/json"
	"errors"
	"fmt"
	"math/rand/v2"
	"os"
	"os/exec"
	"path/filepath"
	"sort"
	"strings"
	"testing"

	"github.com/webnn-graph/webnn-graph/emit"
	"github.com/webnn-graph/webnn-graph/internal/testenv"
	"github.com/webnn-graph/webnn-graph/lower"
	"github.com/webnn-graph/webnn-graph/onnxpb"
	"github.com/webnn-graph/webnn-graph/target"
	"github.com/webnn-graph/webnn-graph/tensor"
	"github.com/webnn-graph/webnn-graph/weights"
)

// The pywebnn integration: every model we can convert (the example, the
// ../shared zoo, the loader fixtures under testdata/, the real-model
// corpus) is converted for each target, and the graph runs in pywebnn
// 0.5.12 at several concrete sizes. Each run's outputs are compared with
// our WebNN runtime on the same graph and with a reference: the case's own
// outputs where the zoo gives them, else ONNX Runtime on the original
// model (the inputs for sizes no case covers are generated: batch 1 and 2,
// short and long sequences, past 0 and > 0). Failures must be listed in
// pywebnnExpectedFile with the rustnn bug each one hits; a new failure
// fails the test, a listed one that now matches is reported.

const pywebnnExpectedFile = "testdata/pywebnn-expected.txt"

// pySize is one set of inputs (keyed by ONNX input names) with, where the
// case has them, reference outputs (keyed by ONNX output names).
type pySize struct {
	name   string
	inputs map[string]*tensor.Tensor
	refs   map[string]*tensor.Tensor
}

type pyModel struct {
	name        string // zoo/bert-tiny, example/tiny_cnn, real/rapidocr-det-v4
	onnx        string
	convertArgs []string
	tol         float64
	sizes       func(t *testing.T, m *onnxpb.Model) []pySize
}

func TestPywebnnLoadsConvertedGraphs(t *testing.T) {
	if testing.Short() {
		t.Skip("skipping pywebnn integration in -short mode")
	}
	py := testenv.Python(t, "webnn", "numpy", "onnxruntime")
	expected, err := readPyExpected(pywebnnExpectedFile)
	if err != nil {
		t.Fatal(err)
	}
	models := pywebnnModels(t)
	script := filepath.Join(testenv.RepoRoot(), "cmd", "webnn-graph", "testdata", "pywebnn_run.py")
	type tally struct{ matched, failed, skipped, expectedFail int }
	perTarget := map[string]*tally{}
	var nowPass []string
	seen := map[string]bool{}
	for _, tg := range target.All() {
		tl := &tally{}
		perTarget[tg.Name] = tl
		for _, pm := range models {
			t.Run(tg.Name+"/"+pm.name, func(t *testing.T) {
				results := runPywebnnModel(t, py, script, tg, pm)
				for _, r := range results {
					key := tg.Name + " " + pm.name + "/" + r.size
					seen[key] = true
					switch {
					case r.skip != "":
						tl.skipped++
						t.Logf("%s: skipped: %s", key, r.skip)
					case r.problem == "":
						tl.matched++
						t.Logf("%s: matched (%s)", key, r.detail)
						if why, ok := expected[key]; ok {
							nowPass = append(nowPass, fmt.Sprintf("%s now matches (listed: %s)", key, why))
						}
					default:
						tl.failed++
						if why, ok := expected[key]; ok {
							tl.expectedFail++
							t.Logf("%s: expected failure (%s): %s", key, why, r.problem)
						} else {
							t.Errorf("%s: %s (not listed in %s)", key, r.problem, pywebnnExpectedFile)
						}
					}
				}
			})
		}
	}
	notRun := 0
	for key := range expected {
		if !seen[key] {
			notRun++
		}
	}
	if notRun > 0 {
		t.Logf("%d entries of %s were not run here (model absent or filtered by -run)", notRun, pywebnnExpectedFile)
	}
	sort.Strings(nowPass)
	for _, s := range nowPass {
		t.Logf("%s: remove it from %s", s, pywebnnExpectedFile)
		testenv.Report("pywebnn: %s", s)
	}
	var all tally
	for _, tg := range target.All() {
		tl := perTarget[tg.Name]
		testenv.Report("pywebnn %s: %d matched, %d failed (%d listed with their rustnn bug), %d skipped", tg.Name, tl.matched, tl.failed, tl.expectedFail, tl.skipped)
		all.matched += tl.matched
		all.failed += tl.failed
		all.skipped += tl.skipped
	}
	testenv.Report("pywebnn: %d matched, %d failed, %d skipped", all.matched, all.failed, all.skipped)
}

type pyResult struct {
	size    string
	problem string // "" when matched
	skip    string
	detail  string
}

// runPywebnnModel converts pm for tg, runs every size on our runtime and
// in pywebnn (one Python process for all sizes) and compares.
func runPywebnnModel(t *testing.T, py, script string, tg *target.Target, pm pyModel) []pyResult {
	m, err := onnxpb.Load(pm.onnx)
	if err != nil {
		t.Fatalf("load %s: %v", pm.onnx, err)
	}
	sizes := pm.sizes(t, m)
	m.Close()
	fail := func(msg string) []pyResult {
		out := make([]pyResult, len(sizes))
		for i, s := range sizes {
			out[i] = pyResult{size: s.name, problem: msg}
		}
		return out
	}
	work := t.TempDir()
	dir := filepath.Join(work, "graph")
	if tg == target.RustnnV05 || tg == target.WebNN {
		args := append([]string{"convert", pm.onnx, "-o", dir, "-q", "--target", tg.Name}, pm.convertArgs...)
		if status, _, stderr := cli(t, args...); status != 0 {
			return fail(fmt.Sprintf("convert exit %d: %s", status, firstLineOf(stderr)))
		}
	} else if err := convertInProcess(pm.onnx, dir, tg); err != nil {
		return fail("convert: " + firstLineOf(err.Error()))
	}
	graphPath := filepath.Join(dir, "model.webnn")
	ours, err := (&app{}).openRunner(graphPath)
	if err != nil {
		return fail("our runtime cannot load the graph: " + err.Error())
	}
	defer ours.Close()
	type runFiles struct {
		Name     string `json:"name"`
		Feeds    string `json:"feeds"`
		Out      string `json:"out"`
		OrtFeeds string `json:"ort_feeds,omitempty"`
		OrtOut   string `json:"ort_out,omitempty"`
	}
	var runs []runFiles
	oursOut := map[string]map[string]*tensor.Tensor{}
	early := map[string]string{}
	graphInputs := map[string]bool{}
	for _, in := range ours.Inputs() {
		graphInputs[identKey(in.Name)] = true
	}
	for i, s := range sizes {
		// ONNX Runtime gets every input; the graph the ones it kept (an
		// input frozen with --freeze-input is gone from it).
		kept := map[string]*tensor.Tensor{}
		for k, v := range s.inputs {
			if graphInputs[identKey(k)] {
				kept[k] = v
			}
		}
		feeds, err := matchInputs(ours.Inputs(), kept, s.name)
		if err == nil {
			err = checkInputShapes(ours.Inputs(), feeds)
		}
		if err != nil {
			early[s.name] = "inputs: " + err.Error()
			continue
		}
		out, err := ours.Run(feeds)
		if err != nil {
			early[s.name] = "our runtime: " + err.Error()
			continue
		}
		oursOut[s.name] = out
		rf := runFiles{Name: s.name, Feeds: filepath.Join(work, fmt.Sprintf("%d.feeds.npz", i)), Out: filepath.Join(work, fmt.Sprintf("%d.out.npz", i))}
		if err := tensor.WriteNPZ(rf.Feeds, sortedKeys(feeds), feeds); err != nil {
			t.Fatal(err)
		}
		if s.refs == nil {
			rf.OrtFeeds = filepath.Join(work, fmt.Sprintf("%d.ort-feeds.npz", i))
			rf.OrtOut = filepath.Join(work, fmt.Sprintf("%d.ort-out.npz", i))
			if err := tensor.WriteNPZ(rf.OrtFeeds, sortedKeys(s.inputs), s.inputs); err != nil {
				t.Fatal(err)
			}
		}
		runs = append(runs, rf)
	}
	pyErr := map[string]string{}
	if len(runs) > 0 {
		jobPath := filepath.Join(work, "job.json")
		job, _ := json.Marshal(map[string]any{"graph": graphPath, "onnx": pm.onnx, "runs": runs})
		if err := os.WriteFile(jobPath, job, 0o644); err != nil {
			t.Fatal(err)
		}
		out, err := exec.Command(py, script, jobPath).CombinedOutput()
		var exit *exec.ExitError
		if errors.As(err, &exit) && !exit.Exited() {
			// Killed by a signal (one bus error in pywebnn's process was
			// seen once on a machine loaded by other test runs, and not
			// again in 55 conversions and runs of the same graph): the
			// script is run once more; a second death is reported.
			t.Logf("pywebnn script died (%v); running it again", err)
			out, err = exec.Command(py, script, jobPath).CombinedOutput()
		}
		if err != nil {
			return fail(fmt.Sprintf("pywebnn script: %v: %s", err, lastLineOf(string(out))))
		}
		b, err := os.ReadFile(jobPath + ".result.json")
		if err == nil {
			err = json.Unmarshal(b, &pyErr)
		}
		if err != nil {
			return fail("pywebnn script wrote no result: " + err.Error())
		}
	}
	var results []pyResult
	for i, s := range sizes {
		r := pyResult{size: s.name}
		if e, ok := early[s.name]; ok {
			r.problem = e
			results = append(results, r)
			continue
		}
		if e := pyErr[s.name]; e != "" {
			r.problem = "pywebnn: " + e
			results = append(results, r)
			continue
		}
		theirs, _, err := tensor.ReadNPZ(filepath.Join(work, fmt.Sprintf("%d.out.npz", i)))
		if err != nil {
			r.problem = "pywebnn outputs: " + err.Error()
			results = append(results, r)
			continue
		}
		refs, refKind := s.refs, "case reference"
		if refs == nil {
			refKind = "onnxruntime"
			if e := pyErr[s.name+" (onnxruntime)"]; e != "" {
				r.detail = "no reference: onnxruntime failed: " + e
			} else if refs, _, err = tensor.ReadNPZ(filepath.Join(work, fmt.Sprintf("%d.ort-out.npz", i))); err != nil {
				r.detail = "no reference: " + err.Error()
			}
		}
		refOf := map[string]*tensor.Tensor{}
		for k, v := range refs {
			refOf[identKey(k)] = v
		}
		var worstOurs, worstRef float64
		var problems []string
		nRef := 0
		for name, want := range oursOut[s.name] {
			got := theirs[name]
			c := compareTensors(name, "pywebnn vs ours", got, want, pm.tol, pm.tol, false)
			if !c.Pass {
				problems = append(problems, describeFailure(&c))
			}
			worstOurs = max(worstOurs, c.MaxAbs)
			if ref := refOf[identKey(name)]; ref != nil {
				if got != nil && ref.DType != got.DType && got.DType == tensor.Int32 {
					ref = widenRefInt32(ref) // int64 outputs come back as int32 under target webnn
				}
				nRef++
				c := compareTensors(name, "pywebnn vs "+refKind, got, ref, pm.tol, pm.tol, false)
				if !c.Pass {
					problems = append(problems, describeFailure(&c))
				}
				worstRef = max(worstRef, c.MaxAbs)
			}
		}
		if len(problems) > 0 {
			r.problem = strings.Join(problems, "; ")
		} else if r.detail == "" {
			r.detail = fmt.Sprintf("max abs vs ours %.3g, vs %s %.3g (%d of %d outputs have a reference)", worstOurs, refKind, worstRef, nRef, len(oursOut[s.name]))
		}
		results = append(results, r)
	}
	return results
}

// convertInProcess converts with a target the CLI does not name (a
// built-in one with a workaround switched off) and writes the graph
// directory as convert does.
func convertInProcess(model, dir string, tg *target.Target) error {
	m, err := onnxpb.Load(model)
	if err != nil {
		return err
	}
	defer m.Close()
	res, err := lower.Convert(m, lower.Options{Target: tg})
	if err != nil {
		return err
	}
	text, err := emit.PrintText(res.Graph)
	if err != nil {
		return err
	}
	_, err = writeGraphDir(dir, []outFile{{name: "model.webnn", data: text}}, res.Names, onnxTypes(m, res.Graph, res.Names), res.Graph, func(w *weights.Writer) error {
		for _, wt := range res.Weights {
			data, err := wt.Data()
			if err == nil {
				err = w.Add(wt.Key, wt.Desc, data)
			}
			if err != nil {
				return err
			}
		}
		return nil
	})
	return err
}

// TestPywebnnWorkarounds holds each rustnn-0.5 workaround to its fixture
// (testdata/loaderbugs): converted for rustnn-0.5 the fixture runs and
// matches in pywebnn; converted with that one workaround switched off it
// does not — so removing a workaround fails this test, and a pywebnn that
// no longer has the bug shows up here too.
func TestPywebnnWorkarounds(t *testing.T) {
	if testing.Short() {
		t.Skip("skipping pywebnn integration in -short mode")
	}
	py := testenv.Python(t, "webnn", "numpy", "onnxruntime")
	root := testenv.RepoRoot()
	script := filepath.Join(root, "cmd", "webnn-graph", "testdata", "pywebnn_run.py")
	for _, tc := range []struct {
		fixture string
		off     func(w *target.Workarounds)
		bug     string // what pywebnn reports without the workaround
	}{
		{"resample_after_conv", func(w *target.Workarounds) { w.ResampleAfterConv = false }, "4 8 8], expected ["},
		{"split_after_conv", func(w *target.Workarounds) { w.SplitAfterConv = false }, "split axis 1 out of bounds for rank 0"},
		{"bidirectional_lstm", func(w *target.Workarounds) { w.BidirectionalLSTM = false }, "Input B must have shape {2,8*3}"},
		{"global_pool_dynamic", func(w *target.Workarounds) { w.GlobalPoolWindow = false }, "AveragePool"},
		{"int4_default_zero_point", func(w *target.Workarounds) { w.Int4Weights = false }, "int4/uint4 constants not supported"},
		{"shape_loss", func(w *target.Workarounds) { w.ShapeLoss = false }, "Gather operation: axis 1 is out of bounds for shape with 0 dimensions"},
		{"pad_after_pad", func(w *target.Workarounds) { w.ShapeLoss = false }, "24], expected ["},
	} {
		t.Run("rustnn-0.5/"+tc.fixture, func(t *testing.T) {
			pm := pyModel{name: "fixture/" + tc.fixture, onnx: filepath.Join(root, "testdata", "loaderbugs", tc.fixture+".onnx"), tol: 1e-4, sizes: casesAndGenerated("")}
			for _, r := range runPywebnnModel(t, py, script, target.RustnnV05, pm) {
				if r.problem != "" {
					t.Errorf("with the workaround, %s: %s", r.size, r.problem)
				} else {
					t.Logf("with the workaround, %s: matched (%s)", r.size, r.detail)
				}
			}
			off := *target.RustnnV05
			off.Name = "rustnn-0.5 without the workaround"
			tc.off(&off.Workarounds)
			for _, r := range runPywebnnModel(t, py, script, &off, pm) {
				if !strings.Contains(r.problem, tc.bug) {
					t.Errorf("without the workaround, %s: want the rustnn bug %q, got %q", r.size, tc.bug, r.problem)
				} else {
					t.Logf("without the workaround, %s: %s", r.size, r.problem)
				}
			}
		})
	}
}

// widenRefInt32 narrows an int64 reference for comparison with an int32
// output (values that do not fit compare unequal anyway).
func widenRefInt32(t *tensor.Tensor) *tensor.Tensor {
	if n, err := narrowInt64(t); err == nil {
		return n
	}
	return t
}

func firstLineOf(s string) string {
	s = strings.TrimSpace(s)
	if i := strings.IndexByte(s, '\n'); i >= 0 {
		s = s[:i]
	}
	if len(s) > 400 {
		s = s[:400] + "…"
	}
	return s
}

func lastLineOf(s string) string {
	lines := strings.Split(strings.TrimSpace(s), "\n")
	return lines[len(lines)-1]
}

// pywebnnModels lists what the test converts: the example, the zoo, the
// loader fixtures and the real-model corpus, each with its sizes.
func pywebnnModels(t *testing.T) []pyModel {
	root := testenv.RepoRoot()
	models := []pyModel{{name: "example/tiny_cnn", onnx: exampleModel(t), tol: 1e-4, sizes: casesAndGenerated(filepath.Join(root, "testdata", "example", "input.npz"))},
		// The same with --weights-format safetensors (pywebnn finds
		// model.safetensors beside the graph).
		{name: "example/tiny_cnn-safetensors", onnx: exampleModel(t), convertArgs: []string{"--weights-format", "safetensors"}, tol: 1e-4, sizes: casesAndGenerated(filepath.Join(root, "testdata", "example", "input.npz"))}}
	// Loader fixtures: small models that reproduce a size form or a loader
	// bug (testdata/loaderbugs/gen.py writes them).
	fixtures, _ := filepath.Glob(filepath.Join(root, "testdata", "loaderbugs", "*.onnx"))
	sort.Strings(fixtures)
	for _, f := range fixtures {
		models = append(models, pyModel{name: "fixture/" + strings.TrimSuffix(filepath.Base(f), ".onnx"), onnx: f, tol: 1e-4, sizes: casesAndGenerated("")})
	}
	if testenv.SharedDir() != "" {
		for _, z := range []struct {
			name string
			tol  float64
		}{
			{"bert-tiny", 1e-4}, {"bert-tiny-fp16", 2e-2}, {"bert-tiny-qdq", 1e-3}, {"gpt2-tiny", 1e-4},
			{"smollm-tiny", 1e-4}, {"smollm-135m", 1e-3}, {"mobilenet_v2", 1e-4},
		} {
			dir := testenv.ZooModel(t, z.name)
			cases, _ := filepath.Glob(filepath.Join(dir, "cases", "*.npz"))
			sort.Strings(cases)
			models = append(models, pyModel{name: "zoo/" + z.name, onnx: filepath.Join(dir, "model.onnx"), tol: z.tol, sizes: casesAndGeneratedN(z.name == "smollm-135m", cases[:min(2, len(cases))]...)})
			if z.name == "bert-tiny" || z.name == "gpt2-tiny" {
				models = append(models, pyModel{name: "zoo/" + z.name + "-safetensors", onnx: filepath.Join(dir, "model.onnx"), convertArgs: []string{"--weights-format", "safetensors"}, tol: z.tol, sizes: casesAndGenerated(cases[:1]...)})
			}
		}
	}
	models = append(models, exporterDecodersForPywebnn(t)...)
	return append(models, realModelsForPywebnn(t)...)
}

// exporterDecodersForPywebnn lists the decoders of the exporter fixtures
// (testdata/exporters: optimum, ORT-quantized, torch dynamo, genai) with
// their batch-1 and batch-2 cases (prefill and decode, batch 2 left
// padded), whose references are ONNX Runtime's; their tolerance is the
// exporter test's.
func exporterDecodersForPywebnn(t *testing.T) []pyModel {
	root := filepath.Join(testenv.RepoRoot(), "testdata", "exporters")
	metas, _ := filepath.Glob(filepath.Join(root, "*", "meta.json"))
	sort.Strings(metas)
	var out []pyModel
	for _, mp := range metas {
		var meta struct {
			Kind  string `json:"kind"`
			Cases []struct {
				Name  string `json:"name"`
				Model string `json:"model"`
			} `json:"cases"`
		}
		b, err := os.ReadFile(mp)
		if err == nil {
			err = json.Unmarshal(b, &meta)
		}
		if err != nil {
			t.Fatalf("%s: %v", mp, err)
		}
		if meta.Kind != "decoder" && meta.Kind != "encoder-decoder" {
			continue
		}
		dir := filepath.Dir(mp)
		fixture := filepath.Base(dir)
		// Each decoder model file with its batch-1 and batch-2 cases (a
		// merged decoder needs --freeze-input and is left out).
		var models []string
		casesOf := map[string][]string{}
		for _, c := range meta.Cases {
			if !strings.Contains(c.Model, "decoder") && meta.Kind != "decoder" || strings.Contains(c.Model, "merged") {
				continue
			}
			if strings.Contains(c.Name, "_b1") || strings.Contains(c.Name, "_b2") {
				if _, ok := casesOf[c.Model]; !ok {
					models = append(models, c.Model)
				}
				casesOf[c.Model] = append(casesOf[c.Model], filepath.Join(dir, "cases", c.Name+".npz"))
			}
		}
		tol := 1e-4
		switch {
		case strings.HasPrefix(fixture, "genai-") && strings.Contains(fixture, "int4"):
			tol = 3e-2
		case strings.Contains(fixture, "int4") || strings.Contains(fixture, "quant"):
			tol = 1e-3
		}
		for _, model := range models {
			name := "exporter/" + fixture
			if meta.Kind != "decoder" {
				name += "/" + strings.TrimSuffix(model, ".onnx")
			}
			out = append(out, pyModel{name: name, onnx: filepath.Join(dir, model), tol: tol, sizes: casesOnly(casesOf[model]...)})
		}
	}
	return out
}

// casesOnly returns the given npz cases as sizes, nothing generated.
func casesOnly(cases ...string) func(t *testing.T, m *onnxpb.Model) []pySize {
	return func(t *testing.T, _ *onnxpb.Model) []pySize { return readCases(t, cases) }
}

// casesAndGenerated returns the sizes of a model: the given npz cases
// (keys in.NAME / out.NAME, or plain input names), then generated inputs
// at the sizes the cases do not cover.
func casesAndGenerated(cases ...string) func(t *testing.T, m *onnxpb.Model) []pySize {
	return casesAndGeneratedN(false, cases...)
}

func casesAndGeneratedN(few bool, cases ...string) func(t *testing.T, m *onnxpb.Model) []pySize {
	return func(t *testing.T, m *onnxpb.Model) []pySize {
		return append(readCases(t, cases), generatedSizes(t, m, few)...)
	}
}

// readCases reads npz cases (keys in.NAME / out.NAME, or plain input
// names) as sizes.
func readCases(t *testing.T, cases []string) []pySize {
	var out []pySize
	for _, c := range cases {
		if c == "" {
			continue
		}
		arrays, _, err := tensor.ReadNPZ(c)
		if err != nil {
			t.Fatal(err)
		}
		s := pySize{name: strings.TrimSuffix(filepath.Base(c), ".npz"), inputs: map[string]*tensor.Tensor{}}
		for k, v := range arrays {
			if name, ok := strings.CutPrefix(k, "out."); ok {
				if s.refs == nil {
					s.refs = map[string]*tensor.Tensor{}
				}
				s.refs[name] = v
				continue
			}
			s.inputs[strings.TrimPrefix(k, "in.")] = v
		}
		out = append(out, s)
	}
	return out
}

// generatedSizes makes seeded inputs at batch 1 and 2, a short and a long
// sequence, and past 0 and > 0, for the dims the model has.
func generatedSizes(t *testing.T, m *onnxpb.Model, few bool) []pySize {
	specs, dims := onnxInputSpecs(m)
	has := func(sub string) bool {
		for d := range dims {
			if strings.Contains(strings.ToLower(d), sub) {
				return true
			}
		}
		return false
	}
	type set struct {
		name       string
		b, s, past int64
	}
	var sets []set
	switch {
	case has("past"):
		sets = []set{{"gen_b1_s3_p0", 1, 3, 0}, {"gen_b2_s17_p0", 2, 17, 0}, {"gen_b2_s1_p5", 2, 1, 5}, {"gen_b1_s4_p9", 1, 4, 9}}
	case len(dims) > 1 || len(dims) == 1 && !has("batch"):
		sets = []set{{"gen_b1_s3", 1, 3, 0}, {"gen_b2_s24", 2, 24, 0}}
	case len(dims) == 1:
		sets = []set{{"gen_b1", 1, 0, 0}, {"gen_b2", 2, 0, 0}}
	default: // static inputs: one run
		sets = []set{{"gen_static", 1, 0, 0}}
	}
	if few && len(sets) > 2 {
		sets = []set{sets[1], sets[2]} // a large model: batch 2 long prefill and a step with a past
	}
	var out []pySize
	for i, st := range sets {
		values := map[string]int64{}
		for d := range dims {
			l := strings.ToLower(d)
			switch {
			case strings.Contains(l, "batch"):
				values[d] = st.b
			case strings.Contains(l, "past"):
				values[d] = st.past
			case strings.Contains(l, "total"):
				values[d] = st.past + st.s
			default:
				values[d] = st.s
			}
		}
		si, err := lower.InferDims(m, lower.Options{})
		if err != nil {
			t.Fatalf("dims for %s: %v", st.name, err)
		}
		for d := range values {
			if _, ok := si.DimValue(d); !ok {
				delete(values, d) // an anonymous "?" names no dim
			}
		}
		env, err := bindDims(si, values)
		if err != nil {
			t.Fatalf("dims for %s: %v", st.name, err)
		}
		in, err := randomInputs(m, si, specs, env, uint64(1000+i), "none")
		if err != nil {
			t.Fatalf("inputs for %s: %v", st.name, err)
		}
		out = append(out, pySize{name: st.name, inputs: in})
	}
	return out
}

// onnxInputSpecs lists a model's graph inputs (not initializers) and its
// dynamic dim names.
func onnxInputSpecs(m *onnxpb.Model) ([]ioSpec, map[string]bool) {
	inits := map[string]bool{}
	for _, in := range m.Graph().GetInitializer() {
		inits[in.GetName()] = true
	}
	dims := map[string]bool{}
	var specs []ioSpec
	for _, vi := range m.Graph().GetInput() {
		if inits[vi.GetName()] {
			continue
		}
		dt, ds, _ := onnxpb.ValueType(vi)
		s := ioSpec{Name: vi.GetName(), DType: dt}
		for _, d := range ds {
			s.Dims = append(s.Dims, dimSpec{Size: d.Value, Name: d.Param})
			if d.Param != "" {
				dims[d.Param] = true
			}
		}
		specs = append(specs, s)
	}
	return specs, dims
}

// realModelsForPywebnn reads testdata/realmodels/models.json (the lead's
// real-model corpus, fetched outside the repository) and returns the
// models present in the cache, each with its cases' seeded inputs.
func realModelsForPywebnn(t *testing.T) []pyModel {
	root := testenv.RepoRoot()
	b, err := os.ReadFile(filepath.Join(root, "testdata", "realmodels", "models.json"))
	if err != nil {
		return nil
	}
	var spec struct {
		Wheels []struct {
			Package, Version string
			Models           []struct {
				Name, Path string
				Convert    []string
				Tolerance  float64
				Cases      []struct {
					Name   string
					Inputs map[string]struct {
						Shape   []int
						DType   string
						Uniform []float64
						Value   *float64
					}
				}
			}
		}
	}
	if err := json.Unmarshal(b, &spec); err != nil {
		t.Fatalf("models.json: %v", err)
	}
	cache := filepath.Join(testenv.CacheDir(), "realmodels")
	var out []pyModel
	for _, w := range spec.Wheels {
		for _, rm := range w.Models {
			path := filepath.Join(cache, w.Package+"-"+w.Version, rm.Path)
			if _, err := os.Stat(path); err != nil {
				continue
			}
			tol := rm.Tolerance
			if tol == 0 {
				tol = 1e-4
			}
			cases := rm.Cases
			name := rm.Name
			out = append(out, pyModel{name: "real/" + rm.Name, onnx: path, convertArgs: rm.Convert, tol: tol, sizes: func(t *testing.T, m *onnxpb.Model) []pySize {
				var sizes []pySize
				for ci, c := range cases {
					in := map[string]*tensor.Tensor{}
					rng := rand.New(rand.NewPCG(uint64(len(name)), uint64(ci)))
					for k, spec := range c.Inputs {
						dt := tensor.Float32
						switch spec.DType {
						case "":
						case "bool":
							dt = tensor.Bool
						default:
							var err error
							if dt, err = tensor.ParseWebNN(spec.DType); err != nil {
								t.Fatalf("%s: %v", name, err)
							}
						}
						x := tensor.New(dt, spec.Shape)
						vals := make([]float32, x.Len())
						for i := range vals {
							switch {
							case spec.Value != nil:
								vals[i] = float32(*spec.Value)
							case len(spec.Uniform) == 2:
								vals[i] = float32(spec.Uniform[0] + rng.Float64()*(spec.Uniform[1]-spec.Uniform[0]))
							}
						}
						if dt == tensor.Bool {
							d := x.Data.([]bool)
							for i, v := range vals {
								d[i] = int64(v) != 0
							}
						} else if dt.IsFloat() {
							if err := fillFloat(x, vals); err != nil {
								t.Fatal(err)
							}
						} else {
							ints := make([]int64, len(vals))
							for i, v := range vals {
								ints[i] = int64(v)
							}
							if err := fillInt(x, ints); err != nil {
								t.Fatal(err)
							}
						}
						in[k] = x
					}
					sizes = append(sizes, pySize{name: c.Name, inputs: in})
				}
				return sizes
			}})
		}
	}
	return out
}

// readPyExpected reads "TARGET MODEL/SIZE  # why" lines.
func readPyExpected(path string) (map[string]string, error) {
	f, err := os.Open(path)
	if err != nil {
		if os.IsNotExist(err) {
			return map[string]string{}, nil
		}
		return nil, err
	}
	defer f.Close()
	out := map[string]string{}
	sc := bufio.NewScanner(f)
	for sc.Scan() {
		line := strings.TrimSpace(sc.Text())
		if line == "" || strings.HasPrefix(line, "#") {
			continue
		}
		key, why, _ := strings.Cut(line, "#")
		key = strings.Join(strings.Fields(key), " ")
		if why = strings.TrimSpace(why); why == "" {
			return nil, fmt.Errorf("%s: %q names no rustnn bug (add  # why)", path, key)
		}
		out[key] = why
	}
	return out, sc.Err()
}
