package emitjs

import (
	"bufio"
	"encoding/binary"
	"encoding/json"
	"fmt"
	"math"
	"os"
	"os/exec"
	"path/filepath"
	"sort"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/webnn-graph/webnn-graph/emit"
	"github.com/webnn-graph/webnn-graph/graph"
	"github.com/webnn-graph/webnn-graph/internal/testenv"
	"github.com/webnn-graph/webnn-graph/lower"
	"github.com/webnn-graph/webnn-graph/onnxpb"
	"github.com/webnn-graph/webnn-graph/runtime/kernel"
	webnnrt "github.com/webnn-graph/webnn-graph/runtime/webnn"
	"github.com/webnn-graph/webnn-graph/shapeinfer"
	"github.com/webnn-graph/webnn-graph/target"
	"github.com/webnn-graph/webnn-graph/tensor"
	"github.com/webnn-graph/webnn-graph/weights"
)

// needNode skips t when node (20 or newer) is not installed.
func needNode(t testing.TB) string {
	t.Helper()
	p, err := exec.LookPath("node")
	if err != nil {
		t.Skip("skipping: node is not installed (the emitted module's tests run it; CI has node 20)")
	}
	out, err := exec.Command(p, "--version").Output()
	if err != nil {
		t.Skipf("skipping: node --version: %v", err)
	}
	major, _ := strconv.Atoi(strings.TrimPrefix(strings.SplitN(strings.TrimSpace(string(out)), ".", 2)[0], "v"))
	if major < 20 {
		t.Skipf("skipping: node %s is older than 20", strings.TrimSpace(string(out)))
	}
	return p
}

// recorderCase is one graph built by the emitted module against the
// recording builder at one size set.
type recorderCase struct {
	name   string
	sizes  map[string]int64
	limits string // opSupportLimits of the mock context: "all" or "no-int64"
	feed   string // compute()'s inputs: "" (zeros of each type), "bigint", "bigint-overflow"
	// wantErr: build must fail with a message containing it.
	wantErr string
}

// graphDir is a graph with its weights directory (empty when it has none).
type graphDir struct {
	g   *graph.Graph
	dir string
}

// convertInto converts an ONNX model into dir (graph, weights, manifest),
// as `webnn-graph convert` does.
func convertInto(t *testing.T, onnxPath, dir string, tgt *target.Target) *graph.Graph {
	t.Helper()
	g, err := convertFor(onnxPath, dir, tgt)
	if err != nil {
		t.Fatal(err)
	}
	return g
}

func convertFor(onnxPath, dir string, tgt *target.Target) (*graph.Graph, error) {
	m, err := onnxpb.Load(onnxPath)
	if err != nil {
		return nil, fmt.Errorf("load %s: %w", onnxPath, err)
	}
	defer m.Close()
	res, err := lower.Convert(m, lower.Options{Name: filepath.Base(filepath.Dir(onnxPath)), Target: tgt})
	if err != nil {
		return nil, err
	}
	w, err := weights.NewWriter(filepath.Join(dir, "model.weights"))
	if err != nil {
		return nil, err
	}
	for _, wt := range res.Weights {
		data, err := wt.Data()
		if err == nil {
			err = w.Add(wt.Key, wt.Desc, data)
		}
		if err != nil {
			w.Abort()
			return nil, err
		}
	}
	man, err := w.Finish()
	if err != nil {
		return nil, err
	}
	return res.Graph, man.WriteFile(filepath.Join(dir, "manifest.json"))
}

// record is what recorder.mjs writes.
type record struct {
	Errors       []string `json:"errors"`
	Exception    string   `json:"exception"`
	Fetched      []string `json:"fetched"`
	Int64AsInt32 bool     `json:"int64AsInt32"`
	BuildMs      float64  `json:"buildMs"`
	Dispatches   int      `json:"dispatches"`
	Graph        struct {
		Inputs []struct {
			Name     string `json:"name"`
			DataType string `json:"dataType"`
			Shape    []int  `json:"shape"`
		} `json:"inputs"`
		Consts []struct {
			Ref        string `json:"ref"`
			DataType   string `json:"dataType"`
			Shape      []int  `json:"shape"`
			ByteLength int    `json:"byteLength"`
			Hash       uint32 `json:"hash"`
		} `json:"consts"`
		Nodes   []recNode         `json:"nodes"`
		Outputs map[string]string `json:"outputs"`
	} `json:"graph"`
	RunOutputs []struct {
		Name     string `json:"name"`
		DataType string `json:"dataType"`
		Shape    []int  `json:"shape"`
	} `json:"runOutputs"`
	Computed map[string]struct {
		Type   string `json:"type"`
		Length int    `json:"length"`
	} `json:"computed"`
}

type recNode struct {
	Op        string         `json:"op"`
	Label     string         `json:"label"`
	Operands  map[string]any `json:"operands"`
	Attrs     map[string]any `json:"attrs"`
	Outputs   []string       `json:"outputs"`
	OutShapes [][]int        `json:"outShapes"`
	OutTypes  []string       `json:"outTypes"`
}

// runRecorder emits gd's module, runs it under recorder.mjs and returns
// the record.
func runRecorder(t testing.TB, node string, gd graphDir, c recorderCase) *record {
	t.Helper()
	js, err := Module(gd.g, Options{})
	if err != nil {
		t.Fatalf("emit: %v", err)
	}
	dir := gd.dir
	if dir == "" {
		dir = t.TempDir()
	}
	mod := filepath.Join(dir, "model.js")
	if err := os.WriteFile(mod, js, 0o644); err != nil {
		t.Fatal(err)
	}
	if out, err := exec.Command(node, "--check", mod).CombinedOutput(); err != nil {
		t.Fatalf("node --check: %v\n%s", err, out)
	}
	sizes, _ := json.Marshal(c.sizes)
	out := filepath.Join(t.TempDir(), "record.json")
	abs, _ := filepath.Abs(filepath.Join("testdata", "recorder.mjs"))
	feed := c.feed
	if feed == "" {
		feed = "zeros"
	}
	cmd := exec.Command(node, abs, mod, dir, string(sizes), c.limits, feed, out)
	if b, err := cmd.CombinedOutput(); err != nil {
		t.Fatalf("recorder.mjs: %v\n%s", err, b)
	}
	b, err := os.ReadFile(out)
	if err != nil {
		t.Fatal(err)
	}
	var r record
	if err := json.Unmarshal(b, &r); err != nil {
		t.Fatalf("record: %v", err)
	}
	return &r
}

// zooCases lists the zoo models and the sizes they are built at: two size
// sets each (batch and sequence changed; decoders with a past of 1 and of
// 9 — WebNN has no empty tensors, so a prefill with past 0 cannot be built).
var zooCases = []struct {
	model string
	sizes []map[string]int64
}{
	{"bert-tiny", []map[string]int64{{"batch_size": 1, "sequence_length": 7}, {"batch_size": 3, "sequence_length": 12}}},
	{"bert-tiny-fp16", []map[string]int64{{"batch_size": 1, "sequence_length": 7}, {"batch_size": 3, "sequence_length": 12}}},
	{"bert-tiny-qdq", []map[string]int64{{"batch_size": 1, "sequence_length": 7}, {"batch_size": 3, "sequence_length": 12}}},
	{"gpt2-tiny", decoderSizes},
	{"smollm-tiny", decoderSizes},
	{"mobilenet_v2", []map[string]int64{{"batch_size": 1}, {"batch_size": 2}}},
	{"smollm-135m", decoderSizes[:1]},
}

var decoderSizes = []map[string]int64{
	{"batch_size": 1, "sequence_length": 7, "past_sequence_length": 1, "total_sequence_length": 8},
	{"batch_size": 2, "sequence_length": 1, "past_sequence_length": 9, "total_sequence_length": 10},
}

// TestRecordingBuilder runs the emitted module of every zoo graph, the
// example model and the synthetic graphs against the recording builder
// and compares the graph rebuilt from the calls with the source graph at
// the same sizes; the recorder's output shapes are checked against our
// WebNN runtime's.
func TestRecordingBuilder(t *testing.T) {
	node := needNode(t)
	expected := readExpectedFailures(t, filepath.Join("testdata", "recorder-expected-failures.txt"))
	passed, failed, skipped := 0, 0, 0
	defer func() {
		testenv.Report("emit-js recording builder: %d passed, %d failed, %d skipped", passed, failed, skipped)
	}()
	body := func(t testing.TB, label string, gd graphDir, c recorderCase, shapes bool) {
		start := time.Now()
		r := runRecorder(t, node, gd, c)
		if c.wantErr != "" {
			if !strings.Contains(r.Exception, c.wantErr) {
				t.Fatalf("build(%v) should fail with %q; got exception %q", c.sizes, c.wantErr, r.Exception)
			}
			return
		}
		compareRecord(t, gd, c, r, shapes)
		t.Logf("%s %v limits=%s: %d calls, %d constants, build %.0f ms, total %v", label, c.sizes, c.limits, len(r.Graph.Nodes), len(r.Graph.Consts), r.BuildMs, time.Since(start).Round(time.Millisecond))
	}
	check := func(label string, gd graphDir, c recorderCase, shapes bool) {
		if !expected[label] {
			if t.Run(label, func(t *testing.T) { body(t, label, gd, c, shapes) }) {
				passed++
			} else {
				failed++
			}
			return
		}
		// A listed case runs with its errors collected: it must still
		// fail (else the list is stale), and its failing does not fail
		// the build.
		t.Run(label, func(t *testing.T) {
			s := &softTB{TB: t}
			func() {
				defer func() {
					if r := recover(); r != nil && r != errSoftFatal {
						panic(r)
					}
				}()
				body(s, label, gd, c, shapes)
			}()
			if len(s.errs) == 0 {
				t.Errorf("%s passes but is listed in testdata/recorder-expected-failures.txt: remove it", label)
				failed++
				return
			}
			t.Logf("expected failure (listed): %s", firstLine(s.errs[0]))
			skipped++
		})
	}

	synth := func(name string) graphDir {
		g, err := emit.LoadGraphFile(filepath.Join("testdata", name+".webnn"))
		if err != nil {
			t.Fatal(err)
		}
		return graphDir{g: g}
	}
	ops := synth("ops")
	check("ops/n=1", ops, recorderCase{sizes: map[string]int64{"n": 1}, limits: "all"}, true)
	check("ops/n=3/no-int64", ops, recorderCase{sizes: map[string]int64{"n": 3}, limits: "no-int64"}, true)
	check("ops/no-float16", ops, recorderCase{sizes: map[string]int64{"n": 1}, limits: "no-float16",
		wantErr: `does not support float16 for a graph constant, needed by "hscale"`}, false)
	dyn := synth("dynamic")
	check("dynamic/b1-s3-p2", dyn, recorderCase{sizes: map[string]int64{"batch_size": 1, "sequence_length": 3, "past_sequence_length": 2}, limits: "all"}, true)
	check("dynamic/b3-s7-p5", dyn, recorderCase{sizes: map[string]int64{"batch_size": 3, "sequence_length": 7, "past_sequence_length": 5}, limits: "all"}, true)
	check("dynamic/past0", dyn, recorderCase{sizes: map[string]int64{"batch_size": 1, "sequence_length": 3, "past_sequence_length": 0}, limits: "all",
		wantErr: "WebNN has no zero-sized dimensions"}, false)
	check("dynamic/bound", dyn, recorderCase{sizes: map[string]int64{"batch_size": 5, "sequence_length": 3, "past_sequence_length": 1}, limits: "all",
		wantErr: "batch_size = 5: must be an integer from 1 to 4"}, false)

	wide := synth("int64range")
	check("int64range/all", wide, recorderCase{limits: "all"}, true)
	check("int64range/no-int64", wide, recorderCase{limits: "no-int64",
		wantErr: `constant "big" holds 9223372036854775807 at element 0, outside int32`}, false)

	example := t.TempDir()
	cnn := graphDir{g: convertInto(t, filepath.Join(testenv.RepoRoot(), "testdata", "example", "tiny_cnn.onnx"), example, nil), dir: example}
	check("tiny_cnn/b1", cnn, recorderCase{sizes: map[string]int64{"batch_size": 1}, limits: "all"}, true)
	check("tiny_cnn/b4", cnn, recorderCase{sizes: map[string]int64{"batch_size": 4}, limits: "all"}, true)

	// The exporter fixtures (testdata/exporters: optimum, dynamo,
	// onnxruntime-genai, ORT quantizer exports), converted for the webnn
	// target — the browser's — at the sizes of one of their cases.
	for _, ex := range exporterCases(t) {
		if ex.skip != "" {
			t.Logf("%s: skipped: %s", ex.name, ex.skip)
			skipped++
			continue
		}
		for i, sizes := range ex.sizes {
			check(ex.name+"/"+ex.cases[i], ex.gd, recorderCase{sizes: sizes, limits: "all", feed: "bigint"}, true)
		}
	}

	if testenv.SharedDir() == "" {
		t.Logf("skipping the zoo: ../shared is absent")
		skipped += len(zooCases)
		return
	}
	for _, z := range zooCases {
		if testing.Short() && z.model == "smollm-135m" {
			t.Logf("skipping smollm-135m in -short mode")
			skipped++
			continue
		}
		dir := t.TempDir()
		onnx := filepath.Join(testenv.ZooModel(t, z.model), "model.onnx")
		gd := graphDir{g: convertInto(t, onnx, dir, nil), dir: dir}
		if z.model != "smollm-135m" {
			// The webnn target's graph (native normalisations, int32 for int64).
			wdir := t.TempDir()
			check(z.model+"/target-webnn/"+sizeLabel(z.sizes[0]), graphDir{g: convertInto(t, onnx, wdir, target.WebNN), dir: wdir},
				recorderCase{sizes: z.sizes[0], limits: "all", feed: "bigint"}, true)
		}
		for i, s := range z.sizes {
			c := recorderCase{sizes: s, limits: "all"}
			// The decoders once more on a context without int64.
			if i == 0 && (z.model == "gpt2-tiny" || z.model == "bert-tiny") {
				check(fmt.Sprintf("%s/%s/no-int64", z.model, sizeLabel(s)), gd, recorderCase{sizes: s, limits: "no-int64", feed: "bigint"}, false)
			}
			if i == 0 && z.model == "bert-tiny" {
				check(fmt.Sprintf("%s/%s/no-int64/overflow", z.model, sizeLabel(s)), gd, recorderCase{sizes: s, limits: "no-int64", feed: "bigint-overflow",
					wantErr: `input "input_ids" (int64[1,7]) holds 1099511627776 at element 0, outside int32`}, false)
			}
			check(z.model+"/"+sizeLabel(s), gd, c, z.model != "smollm-135m") // 135M: smollm-tiny covers its shapes
		}
	}
}

// softTB collects a test's errors instead of failing it; Fatal panics
// with errSoftFatal, which the caller recovers.
type softTB struct {
	testing.TB
	errs []string
}

var errSoftFatal = &struct{ msg string }{"soft fatal"}

func (s *softTB) Errorf(format string, args ...any) {
	s.errs = append(s.errs, fmt.Sprintf(format, args...))
}
func (s *softTB) Error(args ...any)                 { s.errs = append(s.errs, fmt.Sprint(args...)) }
func (s *softTB) Fatalf(format string, args ...any) { s.Errorf(format, args...); panic(errSoftFatal) }
func (s *softTB) Fatal(args ...any)                 { s.Error(args...); panic(errSoftFatal) }

type exporterCase struct {
	name  string
	gd    graphDir
	cases []string // case names, with
	sizes []map[string]int64
	skip  string // why the fixture is not built (its conversion is refused, or no case WebNN can build)
}

// exporterCases converts each model of testdata/exporters for the webnn
// target and picks the sizes of two of its cases: decode cases (a past of
// at least one position, as WebNN has no empty tensors) first, the largest
// batch and batch 1.
func exporterCases(t *testing.T) []exporterCase {
	t.Helper()
	root := filepath.Join(testenv.RepoRoot(), "testdata", "exporters")
	models, _ := filepath.Glob(filepath.Join(root, "*", "*.onnx"))
	var out []exporterCase
	for _, onnx := range models {
		fixture := filepath.Base(filepath.Dir(onnx))
		stem := strings.TrimSuffix(filepath.Base(onnx), ".onnx")
		name := "exporters/" + fixture
		prefix := ""
		if stem != "model" {
			name += "/" + stem
			prefix = map[string]string{"encoder_model": "encoder_", "decoder_model": "decoder_b", "decoder_with_past_model": "decoder_with_past_", "decoder_model_merged": "merged_with_past_"}[stem]
			if prefix == "" {
				prefix = stem + "_"
			}
		}
		ex := exporterCase{name: name}
		dir := t.TempDir()
		g, err := convertFor(onnx, dir, target.WebNN)
		if err != nil {
			ex.skip = "conversion refused: " + firstLine(err.Error())
			out = append(out, ex)
			continue
		}
		ex.gd = graphDir{g: g, dir: dir}
		cases, _ := filepath.Glob(filepath.Join(filepath.Dir(onnx), "cases", prefix+"*.npz"))
		sort.Slice(cases, func(i, j int) bool { return caseRank(cases[i]) > caseRank(cases[j]) })
		for _, c := range cases {
			sizes, ok := caseSizes(t, g, c)
			if !ok || len(ex.sizes) == 2 || len(ex.sizes) == 1 && !strings.Contains(filepath.Base(c), "b1") {
				continue
			}
			ex.sizes = append(ex.sizes, sizes)
			ex.cases = append(ex.cases, strings.TrimSuffix(filepath.Base(c), ".npz"))
		}
		if ex.sizes == nil {
			ex.skip = fmt.Sprintf("no case (of %d) has every dimension ≥ 1", len(cases))
		}
		out = append(out, ex)
	}
	return out
}

// caseRank prefers decode cases with a larger batch.
func caseRank(path string) int {
	b := filepath.Base(path)
	r := 0
	if strings.Contains(b, "decode") || strings.Contains(b, "with_past") {
		r += 10
	}
	for i := 9; i > 0; i-- {
		if strings.Contains(b, fmt.Sprintf("b%d", i)) {
			return r + i
		}
	}
	return r
}

// caseSizes binds the graph's dynamic dims from a case's input shapes.
func caseSizes(t *testing.T, g *graph.Graph, path string) (map[string]int64, bool) {
	t.Helper()
	arrays, _, err := tensor.ReadNPZ(path)
	if err != nil {
		t.Fatalf("%s: %v", path, err)
	}
	sizes := map[string]int64{}
	for _, in := range g.Inputs {
		var a *tensor.Tensor
		for k, v := range arrays {
			name := strings.TrimPrefix(k, "in.")
			if name == in.Name || name == in.Comment || emit.Sanitize(name) == in.Name {
				a = v
			}
		}
		if a == nil || len(a.Shape) != len(in.Desc.Shape) {
			return nil, false
		}
		for i, d := range in.Desc.Shape {
			if d.IsDynamic() {
				if a.Shape[i] < 1 {
					return nil, false
				}
				sizes[d.Name] = int64(a.Shape[i])
			}
		}
	}
	return sizes, true
}

func firstLine(s string) string {
	s, _, _ = strings.Cut(s, "\n")
	if len(s) > 200 {
		s = s[:200] + "…"
	}
	return s
}

func sizeLabel(s map[string]int64) string {
	keys := make([]string, 0, len(s))
	for k := range s {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	parts := make([]string, len(keys))
	for i, k := range keys {
		short := map[string]string{"batch_size": "b", "sequence_length": "s", "past_sequence_length": "p", "total_sequence_length": "t"}[k]
		if short == "" {
			short = k
		}
		parts[i] = fmt.Sprintf("%s%d", short, s[k])
	}
	return strings.Join(parts, "-")
}

func readExpectedFailures(t *testing.T, path string) map[string]bool {
	t.Helper()
	f, err := os.Open(path)
	if err != nil {
		t.Fatalf("expected-failures list: %v", err)
	}
	defer f.Close()
	m := map[string]bool{}
	sc := bufio.NewScanner(f)
	for sc.Scan() {
		line := strings.TrimSpace(sc.Text())
		if line == "" || strings.HasPrefix(line, "#") {
			continue
		}
		m[strings.Fields(line)[0]] = true
	}
	return m
}

// irRoles names the IR's positional operand inputs of each op with their
// WebNN roles (parameters, then operand-valued options that webnn-graph
// writes positionally), from the IDL; the test's own table, so that the
// emitter's table is checked rather than trusted.
var irRoles = map[string][]string{
	"concat": {"inputs"}, "prelu": {"input", "slope"},
	"batchNormalization":    {"input", "mean", "variance", "scale", "bias"},
	"conv2d":                {"input", "filter", "bias"},
	"convTranspose2d":       {"input", "filter", "bias"},
	"dequantizeLinear":      {"input", "scale", "zeroPoint"},
	"quantizeLinear":        {"input", "scale", "zeroPoint"},
	"gather":                {"input", "indices"},
	"gatherElements":        {"input", "indices"},
	"gatherND":              {"input", "indices"},
	"gemm":                  {"a", "b", "c"},
	"gru":                   {"input", "weight", "recurrentWeight", "bias", "recurrentBias", "initialHiddenState"},
	"gruCell":               {"input", "weight", "recurrentWeight", "hiddenState", "bias", "recurrentBias"},
	"lstm":                  {"input", "weight", "recurrentWeight", "bias", "recurrentBias", "peepholeWeight", "initialHiddenState", "initialCellState"},
	"lstmCell":              {"input", "weight", "recurrentWeight", "hiddenState", "cellState", "bias", "recurrentBias", "peepholeWeight"},
	"instanceNormalization": {"input", "scale", "bias"},
	"layerNormalization":    {"input", "scale", "bias"},
	"scatterElements":       {"input", "indices", "updates"},
	"scatterND":             {"input", "indices", "updates"},
	"where":                 {"condition", "trueValue", "falseValue"},
	"matmul":                {"a", "b"},
}

// binaryOps take (a, b); logicalNot, isNaN, isInfinite take (a).
var binaryOps = "add sub mul div max min pow equal notEqual greater greaterOrEqual lesser lesserOrEqual logicalAnd logicalOr logicalXor"

func rolesOf(op string) []string {
	if r, ok := irRoles[op]; ok {
		return r
	}
	for _, b := range strings.Fields(binaryOps) {
		if op == b {
			return []string{"a", "b"}
		}
	}
	switch op {
	case "logicalNot", "isNaN", "isInfinite":
		return []string{"a"}
	}
	return []string{"input"}
}

// irAttr maps other writers' option spellings to the IDL's.
var irAttr = map[string]string{
	"to": "dataType", "type": "dataType", "data_type": "dataType", "new_shape": "newShape",
	"perm": "permutation", "keep_dimensions": "keepDimensions", "keepDims": "keepDimensions",
	"transA": "aTranspose", "transB": "bTranspose", "a_transpose": "aTranspose", "b_transpose": "bTranspose",
	"min": "minValue", "max": "maxValue", "min_value": "minValue", "max_value": "maxValue",
	"reverse": "reversed", "roundingType": "outputShapeRounding", "rounding_type": "outputShapeRounding",
	"hidden_size": "hiddenSize", "split": "splits",
}

// positionalDefaults are the IDL's required positional parameters that
// the IR may leave out, at our runtime's defaults.
var positionalDefaults = map[string]string{"concat": "axis", "argMin": "axis", "argMax": "axis", "cumulativeSum": "axis"}

// webnnMethod is the WebNN method a graph op is built with.
func webnnMethod(op string) string {
	switch op {
	case "squeeze", "unsqueeze":
		return "reshape"
	case "globalAveragePool":
		return "averagePool2d"
	case "globalMaxPool":
		return "maxPool2d"
	}
	return op
}

// compareRecord checks the record: no IDL violation, inputs with their
// shapes at c.sizes, every node one call with the same operands and
// options (sizes evaluated), constants with the same bytes, the same
// outputs, compute() returning every output.
func compareRecord(t testing.TB, gd graphDir, c recorderCase, r *record, checkShapes bool) {
	t.Helper()
	for _, e := range r.Errors {
		t.Errorf("WebNN IDL or shape violation: %s", e)
	}
	if r.Exception != "" {
		t.Fatalf("the module failed: %s", r.Exception)
	}
	g := gd.g
	demote := c.limits == "no-int64"
	if r.Int64AsInt32 != (demote && usesInt64(g)) {
		t.Errorf("int64AsInt32 = %v on limits %s", r.Int64AsInt32, c.limits)
	}
	typ := func(dt tensor.DType) string {
		if demote && dt == tensor.Int64 {
			return "int32"
		}
		return dt.String()
	}
	env := c.sizes
	evalDim := func(expr string) int64 {
		x, err := shapeinfer.ParseExpr(expr)
		if err != nil {
			t.Fatalf("size %q: %v", expr, err)
		}
		v, err := x.Eval(env)
		if err != nil {
			t.Fatalf("size %q: %v", expr, err)
		}
		return v
	}
	// Inputs.
	if len(r.Graph.Inputs) != len(g.Inputs) {
		t.Fatalf("%d inputs recorded, the graph has %d", len(r.Graph.Inputs), len(g.Inputs))
	}
	refOf := map[string]string{}
	for i, in := range g.Inputs {
		got := r.Graph.Inputs[i]
		want := make([]int, len(in.Desc.Shape))
		for j, d := range in.Desc.Shape {
			if d.IsDynamic() {
				want[j] = int(evalDim(d.Name))
			} else {
				want[j] = int(d.Size)
			}
		}
		if got.Name != in.Name || got.DataType != typ(in.Desc.DType) || fmt.Sprint(got.Shape) != fmt.Sprint(want) {
			t.Errorf("input %d: recorded %s %s%v, want %s %s%v", i, got.Name, got.DataType, got.Shape, in.Name, typ(in.Desc.DType), want)
		}
		refOf[in.Name] = "in:" + in.Name
	}
	// Constants, checked where a call uses them.
	var store *weights.Store
	if gd.dir != "" {
		var err error
		if store, err = weights.Open(filepath.Join(gd.dir, "model.weights"), filepath.Join(gd.dir, "manifest.json")); err != nil {
			t.Fatal(err)
		}
		defer store.Close()
	}
	constOf := map[string]*graph.Const{}
	for i := range g.Consts {
		constOf[g.Consts[i].Name] = &g.Consts[i]
	}
	recConst := map[string]int{}
	for i, rc := range r.Graph.Consts {
		recConst[rc.Ref] = i
	}
	checkedConst := map[string]string{}
	// shapeConst holds the expected bytes of shape nodes' results, which
	// the module builds as constants.
	shapeConst := map[string][]byte{}
	sameOperand := func(irName string, got any, where string) {
		ref, _ := got.(string)
		if want, ok := shapeConst[irName]; ok {
			i, ok := recConst[ref]
			if !ok || r.Graph.Consts[i].Hash != hash32(want) || r.Graph.Consts[i].ByteLength != len(want) || r.Graph.Consts[i].DataType != typ(tensor.Int64) {
				t.Errorf("%s: shape %q: recorded %v, want a %s constant of %d bytes", where, irName, got, typ(tensor.Int64), len(want))
			}
			return
		}
		if k := constOf[irName]; k != nil {
			if prev, ok := checkedConst[irName]; ok {
				if prev != ref {
					t.Errorf("%s: constant %q built twice (%s, %s)", where, irName, prev, ref)
				}
				return
			}
			checkedConst[irName] = ref
			i, ok := recConst[ref]
			if !ok {
				t.Errorf("%s: constant %q: the call's operand is %v, not a constant", where, irName, got)
				return
			}
			rc := r.Graph.Consts[i]
			want := constBytes(t, k, store, demote)
			shape, _ := k.Desc.StaticShape()
			if rc.DataType != typ(k.Desc.DType) || fmt.Sprint(rc.Shape) != fmt.Sprint(shape) || rc.ByteLength != len(want) || rc.Hash != hash32(want) {
				t.Errorf("%s: constant %q: recorded %s%v (%d bytes, hash %08x), want %s%v (%d bytes, hash %08x)",
					where, irName, rc.DataType, rc.Shape, rc.ByteLength, rc.Hash, typ(k.Desc.DType), shape, len(want), hash32(want))
			}
			return
		}
		if want, ok := refOf[irName]; !ok || want != ref {
			t.Errorf("%s: operand %q: recorded %v, want %s", where, irName, got, want)
		}
	}
	// Nodes: one call each, in order.
	recNodes := r.Graph.Nodes
	outShape := map[string][]int{}
	for _, in := range r.Graph.Inputs {
		outShape[in.Name] = in.Shape
	}
	for _, k := range g.Consts {
		s, _ := k.Desc.StaticShape()
		outShape[k.Name] = s
	}
	i := 0
	for ni := range g.Nodes {
		n := &g.Nodes[ni]
		where := fmt.Sprintf("node %q (%s)", n.ID, n.Op)
		if n.Op == "shape" {
			s := outShape[n.Inputs[0]]
			b := make([]byte, 0, 8*len(s))
			for _, d := range s {
				if demote {
					b = binary.LittleEndian.AppendUint32(b, uint32(d))
				} else {
					b = binary.LittleEndian.AppendUint64(b, uint64(d))
				}
			}
			shapeConst[n.ID] = b
			outShape[n.ID] = []int{len(s)}
			continue
		}
		i++
		i := i - 1
		if i >= len(recNodes) {
			t.Fatalf("%s: only %d calls recorded", where, len(recNodes))
		}
		rn := recNodes[i]
		if rn.Op != webnnMethod(n.Op) || rn.Label != n.ID {
			t.Fatalf("%s: call %d is %s(label %q)", where, i, rn.Op, rn.Label)
		}
		// Operands.
		roles := rolesOf(n.Op)
		wantRoles := map[string]bool{}
		if roles[0] == "inputs" {
			list, _ := rn.Operands["inputs"].([]any)
			if len(list) != len(n.Inputs) {
				t.Errorf("%s: %d inputs recorded, want %d", where, len(list), len(n.Inputs))
			}
			for j, in := range n.Inputs {
				if j < len(list) {
					sameOperand(in, list[j], where)
				}
			}
			wantRoles["inputs"] = true
		} else {
			for j, in := range n.Inputs {
				sameOperand(in, rn.Operands[roles[j]], fmt.Sprintf("%s operand %s", where, roles[j]))
				wantRoles[roles[j]] = true
			}
		}
		attrs := map[string]any{}
		for k, v := range n.Options {
			name := k
			if a, ok := irAttr[k]; ok {
				name = a
			}
			if s, isName := v.(string); isName && isRoleName(name) {
				sameOperand(s, rn.Operands[name], fmt.Sprintf("%s option %s", where, name))
				wantRoles[name] = true
				continue
			}
			if name == "batchDimensions" {
				continue // non-spec, 0 only: dropped
			}
			attrs[name] = v
		}
		if (n.Op == "quantizeLinear" || n.Op == "dequantizeLinear") && len(n.Inputs) == 2 {
			wantRoles["zeroPoint"] = true // the module's zero constant
		}
		for role := range rn.Operands {
			if !wantRoles[role] {
				t.Errorf("%s: operand %s recorded, the graph has none", where, role)
			}
		}
		// Options and positional parameters.
		switch n.Op {
		case "squeeze", "unsqueeze", "shape":
			// Written as reshape with a computed shape, or a constant: the
			// output shape check below covers them.
		default:
			if p, ok := positionalDefaults[n.Op]; ok && attrs[p] == nil {
				attrs[p] = int64(0)
			}
			if n.Op == "softmax" && attrs["axis"] == nil && len(rn.OutShapes) > 0 {
				attrs["axis"] = int64(len(rn.OutShapes[0]) - 1)
			}
			compareAttrs(t, where, attrs, rn.Attrs, evalDim, demote)
		}
		outs := n.OutputNames()
		if len(rn.Outputs) != len(outs) {
			t.Errorf("%s: %d results recorded, the graph names %d", where, len(rn.Outputs), len(outs))
		}
		for j, o := range outs {
			if j < len(rn.Outputs) {
				refOf[o] = rn.Outputs[j]
				outShape[o] = rn.OutShapes[j]
			}
		}
	}
	// Outputs (inputs and constants get an identity call of their own).
	extra := recNodes[min(i, len(recNodes)):]
	for _, o := range g.Outputs {
		got := r.Graph.Outputs[o.Name]
		if want, ok := refOf[o.Operand]; ok && strings.HasPrefix(want, "op:") {
			if got != want {
				t.Errorf("output %q: recorded %s, want %s", o.Name, got, want)
			}
			continue
		}
		found := false
		for _, rn := range extra {
			if rn.Label == "output:"+o.Name && rn.Op == "identity" && len(rn.Outputs) == 1 && rn.Outputs[0] == got {
				sameOperand(o.Operand, rn.Operands["input"], "output "+o.Name)
				found = true
				outShape[o.Operand] = rn.OutShapes[0]
			}
		}
		if !found {
			t.Errorf("output %q (operand %q, an input or constant) is not an identity call", o.Name, o.Operand)
		}
	}
	if len(r.Graph.Outputs) != len(g.Outputs) {
		t.Errorf("%d outputs recorded, want %d", len(r.Graph.Outputs), len(g.Outputs))
	}
	// compute() returned every output with its element count.
	for _, o := range r.RunOutputs {
		got, ok := r.Computed[o.Name]
		n := 1
		for _, d := range o.Shape {
			n *= d
		}
		if !ok || got.Length != n {
			t.Errorf("compute: output %q: %+v, want %d elements", o.Name, got, n)
		}
	}
	if r.Dispatches != 1 {
		t.Errorf("compute dispatched %d times, want 1", r.Dispatches)
	}
	if checkShapes {
		checkOutputShapes(t, gd, store, env, outShape)
	}
}

func isRoleName(name string) bool {
	switch name {
	case "bias", "recurrentBias", "initialHiddenState", "initialCellState", "peepholeWeight", "scale", "c", "zeroPoint":
		return true
	}
	return false
}

func usesInt64(g *graph.Graph) bool {
	for _, in := range g.Inputs {
		if in.Desc.DType == tensor.Int64 {
			return true
		}
	}
	for _, c := range g.Consts {
		if c.Desc.DType == tensor.Int64 {
			return true
		}
	}
	for _, n := range g.Nodes {
		if s, _ := n.Options["to"].(string); s == "int64" || n.Op == "shape" {
			return true
		}
		if s, _ := n.Options["outputDataType"].(string); s == "int64" {
			return true
		}
	}
	return false
}

// compareAttrs compares IR options (IDL names) with the recorded
// arguments and options of the call.
func compareAttrs(t testing.TB, where string, want, got map[string]any, evalDim func(string) int64, demote bool) {
	t.Helper()
	for k, v := range want {
		g, ok := got[k]
		if !ok {
			t.Errorf("%s: %s=%v not passed to WebNN", where, k, v)
			continue
		}
		w := normValue(v, evalDim)
		if demote && (k == "dataType" || k == "outputDataType") && w == "int64" {
			w = "int32"
		}
		if bi, ok := w.(bigInt); ok && demote {
			w = float64(max(min(bi.v, math.MaxInt32), math.MinInt32))
		}
		gv := normValue(g, evalDim)
		if list, isList := gv.([]any); isList {
			if _, wl := w.([]any); !wl {
				w = []any{w} // a single number stands for a one-element list
			}
			_ = list
		}
		if fmt.Sprint(w) != fmt.Sprint(gv) {
			t.Errorf("%s: %s: recorded %v, want %v", where, k, gv, w)
		}
	}
	for k, v := range got {
		if _, ok := want[k]; !ok {
			t.Errorf("%s: %s=%v passed to WebNN, the graph has no such option", where, k, v)
		}
	}
}

type bigInt struct{ v int64 }

func (b bigInt) String() string { return strconv.FormatInt(b.v, 10) + "n" }

// normValue turns IR and recorded values into comparable ones: numbers
// float64 (integers beyond 2^53 bigInt), dynamic sizes evaluated.
func normValue(v any, evalDim func(string) int64) any {
	switch x := v.(type) {
	case graph.Number:
		if x.IsInt() {
			if i, err := strconv.ParseInt(string(x), 10, 64); err == nil && (i > 1<<53 || i < -(1<<53)) {
				return bigInt{i}
			}
		}
		f, _ := x.Float64()
		return f
	case int64:
		return float64(x)
	case int:
		return float64(x)
	case float64:
		return x
	case graph.Dim:
		if x.IsDynamic() {
			return float64(evalDim(x.Name))
		}
		return float64(x.Size)
	case map[string]any:
		if s, ok := x["bigint"].(string); ok {
			i, _ := strconv.ParseInt(s, 10, 64)
			return bigInt{i}
		}
		if name, ok := x["name"].(string); ok {
			return float64(evalDim(name))
		}
	case []any:
		out := make([]any, len(x))
		for i, e := range x {
			out[i] = normValue(e, evalDim)
		}
		return out
	case []int64:
		out := make([]any, len(x))
		for i, e := range x {
			out[i] = float64(e)
		}
		return out
	}
	return v
}

// constBytes is what the module must hand WebNN for a constant: its
// weights, inline bytes or the repeated scalar, int64 narrowed to int32
// when carried so, int4 packed two per byte.
func constBytes(t testing.TB, k *graph.Const, store *weights.Store, demote bool) []byte {
	t.Helper()
	n := int(k.Desc.NumElements())
	var b []byte
	switch k.Kind {
	case graph.ConstWeights:
		var err error
		if b, err = store.WeightBytes(k.Ref); err != nil {
			t.Fatal(err)
		}
	case graph.ConstBytes:
		b = k.Bytes
	case graph.ConstScalar:
		one := scalarElement(t, k.Desc.DType, string(k.Scalar))
		b = make([]byte, 0, n*len(one))
		for i := 0; i < n; i++ {
			b = append(b, one...)
		}
	}
	if demote && k.Desc.DType == tensor.Int64 {
		out := make([]byte, 4*n)
		for i := 0; i < n; i++ {
			binary.LittleEndian.PutUint32(out[4*i:], uint32(int32(binary.LittleEndian.Uint64(b[8*i:]))))
		}
		return out
	}
	if (k.Desc.DType == tensor.Int4 || k.Desc.DType == tensor.Uint4) && len(b) == (n+1)/2 && n > 1 {
		return b // already packed two per byte (the webnn target's weights file)
	}
	if k.Desc.DType == tensor.Int4 || k.Desc.DType == tensor.Uint4 {
		out := make([]byte, (n+1)/2)
		for i := 0; i < n; i++ {
			out[i/2] |= (b[i] & 15) << (4 * (i % 2))
		}
		return out
	}
	return b
}

// scalarElement is the test's own reading of a @scalar literal (the small
// values the test graphs and the zoo use).
func scalarElement(t testing.TB, dt tensor.DType, text string) []byte {
	t.Helper()
	b := make([]byte, 8)
	f, _ := strconv.ParseFloat(text, 64)
	switch dt {
	case tensor.Float32:
		binary.LittleEndian.PutUint32(b, math.Float32bits(float32(f)))
		return b[:4]
	case tensor.Float16:
		binary.LittleEndian.PutUint16(b, kernel.Float32To16(float32(f)))
		return b[:2]
	}
	i, err := strconv.ParseInt(text, 10, 64)
	if err != nil {
		i = int64(f)
	}
	binary.LittleEndian.PutUint64(b, uint64(i))
	return b[:dt.Size()]
}

// hash32 is recorder.mjs's fnv1a.
func hash32(b []byte) uint32 {
	h := uint32(0x811c9dc5)
	for _, x := range b {
		h ^= uint32(x)
		h *= 0x01000193
	}
	return h
}

// checkOutputShapes runs the graph in our WebNN runtime at env (zero
// inputs) and compares its output shapes with the recorder's.
func checkOutputShapes(t testing.TB, gd graphDir, store *weights.Store, env map[string]int64, recorded map[string][]int) {
	t.Helper()
	var ws graph.WeightSource
	if store != nil {
		ws = store
	}
	p, err := webnnrt.Compile(gd.g, ws)
	if err != nil {
		t.Fatalf("runtime: %v", err)
	}
	inputs := map[string]*tensor.Tensor{}
	for _, in := range gd.g.Inputs {
		shape := make([]int, len(in.Desc.Shape))
		for i, d := range in.Desc.Shape {
			if d.IsDynamic() {
				shape[i] = int(env[d.Name])
			} else {
				shape[i] = int(d.Size)
			}
		}
		inputs[in.Name] = tensor.New(in.Desc.DType, shape)
	}
	outs, err := p.Run(inputs)
	if err != nil {
		t.Fatalf("runtime run: %v", err)
	}
	for _, o := range gd.g.Outputs {
		want := outs[o.Name]
		if got := recorded[o.Operand]; fmt.Sprint(got) != fmt.Sprint(want.Shape) {
			t.Errorf("output %q: the recorder's shape %v, our runtime's %v", o.Name, got, want.Shape)
		}
	}
}
