package conformance

import (
	"bytes"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"regexp"
	"runtime/debug"
	"slices"
	"sort"
	"strings"
	"testing"
	"time"

	"google.golang.org/protobuf/proto"

	"github.com/webnn-graph/webnn-graph/emit"
	"github.com/webnn-graph/webnn-graph/graph"
	"github.com/webnn-graph/webnn-graph/internal/testenv"
	"github.com/webnn-graph/webnn-graph/lower"
	"github.com/webnn-graph/webnn-graph/onnxpb"
	"github.com/webnn-graph/webnn-graph/runtime/webnn"
	"github.com/webnn-graph/webnn-graph/shapeinfer"
	"github.com/webnn-graph/webnn-graph/tensor"
)

const (
	expectedFailuresFile = "testdata/onnx-node-lowered-expected.txt"
	expectedRefusedFile  = "testdata/onnx-node-lowered-refused.txt"

	// caseTimeout bounds one test (convert, print, parse, compile, run
	// every data set), so a hang in the runtime cannot stall the suite.
	caseTimeout = 10 * time.Second
)

// nodeSuites are the libonnx-testdata directories run, each reported on
// its own line. Expectation keys are the test name for "node" and
// "suite/test name" for the others.
var nodeSuites = []struct{ dir, label string }{
	{"node", "onnx-node-lowered"},
	{"pytorch-converted", "onnx-pytorch-converted-lowered"},
	{"pytorch-operator", "onnx-pytorch-operator-lowered"},
	{"simple", "onnx-simple-lowered"},
}

type outcome int

const (
	passed outcome = iota
	failed
	refused
	skipped
)

func (o outcome) String() string {
	return [...]string{"passed", "failed", "refused", "skipped"}[o]
}

// caseResult is how one ONNX test ended.
type caseResult struct {
	outcome outcome
	reason  string   // first line of the failure, refusal or skip
	panic   bool     // a panic (recovered here or by the runtime) or a hang
	asConst []string // graph inputs turned into initializers to convert
	sets    int      // data sets compared
}

// needsConstant matches refusals that name an input WebNN needs at
// conversion time. ONNX tests feed such inputs (Reshape's shape, Slice's
// starts, Tile's repeats, …) as data; like tract's test harness we then
// retry with them turned into initializers holding test_data_set_0's values.
var needsConstant = regexp.MustCompile(`not constant|not a constant|not (a )?known|must be constant|needs? (a )?constant|unknown|not static|dynamic`)

// onnxTest is one backend test directory, loaded.
type onnxTest struct {
	dir     string
	model   []byte
	inputs  []string // graph inputs that are not initializers, in order
	sets    []dataSet
	dynamic bool // make the input dims symbolic (see makeDynamic)
}

type dataSet struct {
	name    string
	inputs  map[string]*tensor.Tensor
	protos  map[string]*onnxpb.TensorProto
	outputs []*tensor.Tensor // by graph output position
}

// loadTest reads model.onnx and every data set. A non-nil caseResult means
// the test cannot run (skipped).
func loadTest(dir string) (*onnxTest, *caseResult) {
	skip := func(format string, args ...any) (*onnxTest, *caseResult) {
		return nil, &caseResult{outcome: skipped, reason: fmt.Sprintf(format, args...)}
	}
	data, err := os.ReadFile(filepath.Join(dir, "model.onnx"))
	if err != nil {
		return skip("read model: %v", err)
	}
	m, err := onnxpb.Parse(data, dir)
	if err != nil {
		return skip("load model: %s", firstLine(err.Error(), 200))
	}
	g := m.Graph()
	for _, vi := range append(slices.Clone(g.GetInput()), g.GetOutput()...) {
		if vi.GetType().GetTensorType() == nil {
			return skip("value %q is not a tensor (sequence, optional or map)", vi.GetName())
		}
	}
	inits := map[string]bool{}
	for _, in := range g.GetInitializer() {
		inits[in.GetName()] = true
	}
	ot := &onnxTest{dir: dir, model: data}
	for _, vi := range g.GetInput() {
		if !inits[vi.GetName()] {
			ot.inputs = append(ot.inputs, vi.GetName())
		}
	}
	setDirs, _ := filepath.Glob(filepath.Join(dir, "test_data_set_*"))
	sort.Strings(setDirs)
	if len(setDirs) == 0 {
		return skip("no test_data_set_*")
	}
	for _, sd := range setDirs {
		ds := dataSet{name: filepath.Base(sd), inputs: map[string]*tensor.Tensor{}, protos: map[string]*onnxpb.TensorProto{}}
		files, _ := filepath.Glob(filepath.Join(sd, "input_*.pb"))
		if len(files) > len(ot.inputs) {
			return skip("%s has %d inputs, the graph %d", ds.name, len(files), len(ot.inputs))
		}
		for i := range files {
			p := filepath.Join(sd, fmt.Sprintf("input_%d.pb", i))
			tp, err := onnxpb.ReadTensorFile(p)
			if err != nil {
				return skip("%s/input_%d.pb: %s", ds.name, i, firstLine(err.Error(), 200))
			}
			t, err := onnxpb.DecodeTensor(tp, sd)
			if err != nil {
				return skip("%s/input_%d.pb: %s", ds.name, i, firstLine(err.Error(), 200))
			}
			name := ot.inputs[i]
			if n := tp.GetName(); n != "" && slices.Contains(ot.inputs, n) {
				name = n
			}
			ds.inputs[name] = t
			ds.protos[name] = tp
		}
		for i := range g.GetOutput() {
			p := filepath.Join(sd, fmt.Sprintf("output_%d.pb", i))
			tp, err := onnxpb.ReadTensorFile(p)
			if err != nil {
				return skip("%s/output_%d.pb: %s", ds.name, i, firstLine(err.Error(), 200))
			}
			t, err := onnxpb.DecodeTensor(tp, sd)
			if err != nil {
				return skip("%s/output_%d.pb: %s", ds.name, i, firstLine(err.Error(), 200))
			}
			ds.outputs = append(ds.outputs, t)
		}
		ot.sets = append(ot.sets, ds)
	}
	return ot, nil
}

// parseModel parses a fresh copy of the model, with the inputs in asConst
// turned into initializers holding test_data_set_0's values.
func (ot *onnxTest) parseModel(asConst []string) (*onnxpb.Model, error) {
	m, err := onnxpb.Parse(ot.model, ot.dir)
	if err != nil {
		return nil, err
	}
	if ot.dynamic {
		makeDynamic(m.Proto.GetGraph(), asConst)
	}
	if len(asConst) == 0 {
		return m, nil
	}
	g := m.Proto.GetGraph()
	var keep []*onnxpb.ValueInfoProto
	for _, vi := range g.Input {
		if slices.Contains(asConst, vi.GetName()) {
			continue
		}
		keep = append(keep, vi)
	}
	g.Input = keep
	for _, name := range asConst {
		tp := ot.sets[0].protos[name]
		if tp == nil {
			return nil, fmt.Errorf("no value for input %q in %s", name, ot.sets[0].name)
		}
		init := proto.Clone(tp).(*onnxpb.TensorProto)
		init.Name = name
		g.Initializer = append(g.Initializer, init)
	}
	return m, nil
}

// makeDynamic turns every input dim of size v >= 2 into the symbol "d<v>"
// (equal sizes share a symbol, so broadcasting stays provable; size 1 stays
// static as it decides broadcasting) and drops the declared shapes of
// outputs and intermediate values, which were inferred for static inputs.
func makeDynamic(g *onnxpb.GraphProto, asConst []string) {
	for _, vi := range g.GetInput() {
		if slices.Contains(asConst, vi.GetName()) {
			continue
		}
		for _, d := range vi.GetType().GetTensorType().GetShape().GetDim() {
			if v, ok := d.GetValue().(*onnxpb.TensorShapeProto_Dimension_DimValue); ok && v.DimValue >= 2 {
				d.Value = &onnxpb.TensorShapeProto_Dimension_DimParam{DimParam: fmt.Sprintf("d%d", v.DimValue)}
			}
		}
	}
	for _, vi := range g.GetOutput() {
		if tt := vi.GetType().GetTensorType(); tt != nil {
			tt.Shape = nil
		}
	}
	g.ValueInfo = nil
}

// convertOptions freezes the dim_params of a static run to test_data_set_0's
// sizes; a dynamic run bounds every "d<v>" symbol to [2, 2v].
func (ot *onnxTest) convertOptions(m *onnxpb.Model) lower.Options {
	if !ot.dynamic {
		return lower.Options{Freeze: ot.freezeDims(m)}
	}
	return lower.Options{Dims: dynamicBounds(m)}
}

// dynamicBounds bounds every "d<v>" input dim symbol of m to [2, 2v].
func dynamicBounds(m *onnxpb.Model) shapeinfer.Bounds {
	dims := shapeinfer.Bounds{}
	for _, vi := range m.Graph().GetInput() {
		for _, d := range vi.GetType().GetTensorType().GetShape().GetDim() {
			var v int64
			if p := d.GetDimParam(); p != "" {
				if _, err := fmt.Sscanf(p, "d%d", &v); err == nil {
					dims[p] = shapeinfer.Bound{Min: 2, Max: 2 * v}
				}
			}
		}
	}
	return dims
}

// freezeDims maps every dim_param of the inputs kept to the size it has in
// test_data_set_0.
func (ot *onnxTest) freezeDims(m *onnxpb.Model) map[string]int64 {
	freeze := map[string]int64{}
	for _, vi := range m.Graph().GetInput() {
		t := ot.sets[0].inputs[vi.GetName()]
		if t == nil {
			continue
		}
		_, dims, ok := onnxpb.ValueType(vi)
		if !ok || len(dims) != len(t.Shape) {
			continue
		}
		for i, d := range dims {
			if d.Param == "" {
				continue
			}
			if _, seen := freeze[d.Param]; !seen {
				freeze[d.Param] = int64(t.Shape[i])
			}
		}
	}
	if len(freeze) == 0 {
		return nil
	}
	return freeze
}

// convert runs lower.Convert, recovering a panic into an error.
func convert(m *onnxpb.Model, opts lower.Options) (res *lower.Result, err error, panicked bool) {
	defer func() {
		if r := recover(); r != nil {
			err = fmt.Errorf("lower.Convert panicked: %v\n%s", r, debug.Stack())
			panicked = true
		}
	}()
	res, err = lower.Convert(m, opts)
	return res, err, false
}

// runONNXTest is one test end to end.
func runONNXTest(dir string, dynamic bool) caseResult {
	ot, skip := loadTest(dir)
	if skip != nil {
		return *skip
	}
	ot.dynamic = dynamic
	fail := func(format string, args ...any) caseResult {
		return caseResult{outcome: failed, reason: fmt.Sprintf(format, args...)}
	}
	m, err := ot.parseModel(nil)
	if err != nil {
		return caseResult{outcome: skipped, reason: "load model: " + firstLine(err.Error(), 200)}
	}
	res, err, panicked := convert(m, ot.convertOptions(m))
	var asConst []string
	var retryErr error
	if err != nil && !panicked && errors.Is(err, lower.ErrUnsupported) && needsConstant.MatchString(err.Error()) && len(ot.inputs) > 1 {
		// Retry the tract way: first the integer inputs after the first
		// (shapes, axes, pads, repeats), then every input after the first.
		var ints, rest []string
		for _, name := range ot.inputs[1:] {
			t := ot.sets[0].inputs[name]
			if t == nil {
				continue
			}
			if t.DType.IsInt() {
				ints = append(ints, name)
			}
			rest = append(rest, name)
		}
		for _, try := range [][]string{ints, rest} {
			if len(try) == 0 || (len(asConst) > 0 && slices.Equal(try, asConst)) {
				continue
			}
			m2, err2 := ot.parseModel(try)
			if err2 != nil {
				continue
			}
			res2, err2, p2 := convert(m2, ot.convertOptions(m2))
			if p2 {
				return caseResult{outcome: failed, panic: true, reason: "convert (inputs " + strings.Join(try, ",") + " constant): " + firstLine(err2.Error(), 300), asConst: try}
			}
			asConst = try
			if err2 == nil {
				res, err, m = res2, nil, m2
				break
			}
			retryErr = err2
		}
	}
	if err != nil && retryErr != nil && errors.Is(retryErr, lower.ErrUnsupported) {
		// Report why it is refused even with the constant inputs.
		err = fmt.Errorf("%s (with inputs %s constant)", firstLine(retryErr.Error(), 300), strings.Join(asConst, ","))
		err = errors.Join(err, lower.ErrUnsupported)
	}
	if err != nil {
		if panicked {
			return caseResult{outcome: failed, panic: true, reason: "convert: " + firstLine(err.Error(), 300)}
		}
		if isRefusal(err) {
			return caseResult{outcome: refused, reason: firstLine(err.Error(), 300)}
		}
		return caseResult{outcome: failed, panic: isInternal(err), reason: "convert: " + firstLine(err.Error(), 300)}
	}
	if err := graph.Validate(res.Graph, nil); err != nil {
		return fail("validate: %s", firstLine(err.Error(), 300))
	}
	text, err := emit.PrintText(res.Graph)
	if err != nil {
		return fail("print text: %s", firstLine(err.Error(), 300))
	}
	parsed, err := emit.ParseText(text)
	if err != nil {
		return fail("parse text: %s", firstLine(err.Error(), 300))
	}
	// The JSON form must carry the same graph: text → JSON → text is a
	// fixed point.
	js, err := emit.PrintJSON(parsed)
	if err != nil {
		return fail("print JSON: %s", firstLine(err.Error(), 300))
	}
	fromJSON, err := emit.ParseJSON(js)
	if err != nil {
		return fail("parse JSON: %s", firstLine(err.Error(), 300))
	}
	if text2, err := emit.PrintText(fromJSON); err != nil || !bytes.Equal(text, text2) {
		if err != nil {
			return fail("print text after JSON: %s", firstLine(err.Error(), 300))
		}
		return fail("text → JSON → text differs: %s", firstDiffLine(text, text2))
	}
	prog, err := webnn.Compile(parsed, newResultWeights(res.Weights))
	if err != nil {
		return fail("compile: %s", firstLine(err.Error(), 300))
	}
	byONNX := map[string]string{}
	for id, name := range res.Names {
		byONNX[name] = id
	}
	r := caseResult{outcome: passed, asConst: asConst}
	for si, ds := range ot.sets {
		if si > 0 && !sameConstInputs(ds, ot.sets[0], asConst) {
			continue // the constant inputs hold set 0's values only
		}
		feeds := map[string]*tensor.Tensor{}
		for name, t := range ds.inputs {
			if slices.Contains(asConst, name) {
				continue
			}
			id, ok := byONNX[name]
			if !ok {
				continue // an input the graph does not use
			}
			feeds[id] = boolToUint8(t)
		}
		outs, err := prog.Run(feeds)
		if err != nil {
			return caseResult{outcome: failed, panic: strings.Contains(err.Error(), "internal error"), asConst: asConst,
				reason: fmt.Sprintf("run %s: %s", ds.name, firstLine(err.Error(), 300))}
		}
		for i, o := range m.Graph().GetOutput() {
			id, ok := byONNX[o.GetName()]
			got := outs[id]
			if !ok || got == nil {
				return fail("%s: no graph output for ONNX output %q", ds.name, o.GetName())
			}
			want := ds.outputs[i]
			if diff := compareTensors(got, want, onnxTolerance(want.DType)); diff != "" {
				return caseResult{outcome: failed, asConst: asConst,
					reason: fmt.Sprintf("%s output %q: %s", ds.name, o.GetName(), diff)}
			}
		}
		r.sets++
	}
	return r
}

func sameConstInputs(a, b dataSet, names []string) bool {
	for _, n := range names {
		x, y := a.inputs[n], b.inputs[n]
		if x == nil || y == nil || x.DType != y.DType || !slices.Equal(x.Shape, y.Shape) || compareTensors(x, y, tolerance{}) != "" {
			return false
		}
	}
	return true
}

// isRefusal reports whether a conversion error is a precise refusal
// (lower.ErrUnsupported). A recovered panic ("internal error") is a bug even
// when it arrives wrapped as a refusal.
func isRefusal(err error) bool {
	return errors.Is(err, lower.ErrUnsupported) && !isInternal(err)
}

func isInternal(err error) bool {
	return strings.Contains(err.Error(), "internal error") || strings.Contains(err.Error(), "panic")
}

// runWithTimeout runs one test in its own goroutine: a panic is recovered
// into a failure and a hang is abandoned after caseTimeout.
func runWithTimeout(dir string, dynamic bool) caseResult {
	return guarded(caseTimeout, func() caseResult { return runONNXTest(dir, dynamic) })
}

// guarded runs fn in its own goroutine, turning a panic into a failure and
// giving up after limit (the goroutine is abandoned: a hung kernel cannot
// be stopped, but the suite goes on).
func guarded(limit time.Duration, fn func() caseResult) caseResult {
	done := make(chan caseResult, 1)
	go func() {
		defer func() {
			if r := recover(); r != nil {
				done <- caseResult{outcome: failed, panic: true, reason: fmt.Sprintf("panic: %v", r)}
			}
		}()
		done <- fn()
	}()
	timer := time.NewTimer(limit)
	defer timer.Stop()
	select {
	case r := <-done:
		return r
	case <-timer.C:
		return caseResult{outcome: failed, panic: true, reason: fmt.Sprintf("timed out after %v (hang?)", limit)}
	}
}

// TestONNXNodeLowered runs the ONNX backend tests through convert, text
// round trip and runtime/webnn. An unlisted failure fails the test, as does
// a test listed as refused that now fails, or a new refusal; listed ones
// that now pass are logged so the lists can shrink.
func TestONNXNodeLowered(t *testing.T) {
	root := filepath.Dir(testenv.ONNXNodeTests(t))
	expected, err := readExpectations(expectedFailuresFile)
	if err != nil {
		t.Fatal(err)
	}
	refusedList, err := readExpectations(expectedRefusedFile)
	if err != nil {
		t.Fatal(err)
	}
	newFailures, newRefusals := expectations{}, expectations{}
	ranSuites := map[string]bool{}
	start := time.Now()
	for _, suite := range nodeSuites {
		dirs, _ := filepath.Glob(filepath.Join(root, suite.dir, "test_*"))
		if len(dirs) == 0 {
			continue
		}
		sort.Strings(dirs)
		ranSuites[suite.dir] = true
		var counts [4]int
		var panics []string
		suiteStart := time.Now()
		for _, dir := range dirs {
			key := filepath.Base(dir)
			if suite.dir != "node" {
				key = suite.dir + "/" + key
			}
			r := runWithTimeout(dir, false)
			counts[r.outcome]++
			why := strings.ReplaceAll(r.reason, "\n", " ")
			if r.panic {
				panics = append(panics, key+": "+why)
			}
			_, isExpected := expected[key]
			_, wasRefused := refusedList[key]
			switch r.outcome {
			case failed:
				newFailures[key] = why
				switch {
				case wasRefused:
					t.Errorf("%s: listed as refused in %s, now fails: %s", key, expectedRefusedFile, why)
				case !isExpected:
					t.Errorf("%s: %s", key, why)
				}
			case refused:
				newRefusals[key] = why
				switch {
				case isExpected:
					t.Logf("%s: listed as failing, now refused: %s", key, why)
				case !wasRefused:
					t.Errorf("%s: newly refused (not in %s): %s", key, expectedRefusedFile, why)
				}
			case passed:
				if isExpected {
					t.Logf("%s passes now; remove it from %s", key, expectedFailuresFile)
				}
				if wasRefused {
					t.Logf("%s passes now (was refused); remove it from %s", key, expectedRefusedFile)
				}
				if len(r.asConst) > 0 {
					t.Logf("%s: passed with inputs %v as constants", key, r.asConst)
				}
			case skipped:
				t.Logf("%s: skipped: %s", key, why)
			}
		}
		for _, p := range panics {
			t.Logf("PANIC/HANG %s", p)
		}
		testenv.Report("%s: %d passed, %d failed, %d refused, %d skipped (%d panics/hangs, %.1fs)",
			suite.label, counts[passed], counts[failed], counts[refused], counts[skipped], len(panics), time.Since(suiteStart).Seconds())
	}
	if d := time.Since(start); d > 3*time.Minute {
		t.Errorf("the suites took %v, budget 3m", d)
	}
	if updating() {
		merge := func(old, cur expectations) expectations {
			out := expectations{}
			for k, v := range old {
				suite := "node"
				if s, _, ok := strings.Cut(k, "/"); ok {
					suite = s
				}
				if !ranSuites[suite] {
					out[k] = v
				}
			}
			for k, v := range cur {
				out[k] = v
			}
			return out
		}
		if err := writeExpectations(expectedFailuresFile, failuresHeader, merge(expected, newFailures)); err != nil {
			t.Fatal(err)
		}
		if err := writeExpectations(expectedRefusedFile, refusedHeader, merge(refusedList, newRefusals)); err != nil {
			t.Fatal(err)
		}
	}
}

const failuresHeader = `ONNX backend tests (libonnx-testdata) that currently FAIL through
lower.Convert + text round trip + runtime/webnn: wrong numbers, wrong shape,
runtime/validation/format errors, panics, hangs. Each is a bug.
TestONNXNodeLowered fails on a failure not listed here and logs listed
tests that pass now. Keys: the test name for node/, "suite/test" otherwise.
Regenerate: CONFORMANCE_UPDATE=1 go test ./conformance -run TestONNXNodeLowered`

const refusedHeader = `ONNX backend tests (libonnx-testdata) that lower.Convert REFUSES
(errors.Is(err, lower.ErrUnsupported): not expressible in WebNN, not
implemented in webnn-graph, or a limit of the target loader), with the
first line of the refusal. A test listed here that fails with wrong numbers,
or a refusal not listed here, fails TestONNXNodeLowered.
Regenerate: CONFORMANCE_UPDATE=1 go test ./conformance -run TestONNXNodeLowered`
