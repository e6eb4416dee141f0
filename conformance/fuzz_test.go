package conformance

import (
	"flag"
	"fmt"
	"strings"
	"testing"
	"time"

	"google.golang.org/protobuf/proto"

	"github.com/webnn-graph/webnn-graph/emit"
	"github.com/webnn-graph/webnn-graph/graph"
	"github.com/webnn-graph/webnn-graph/internal/fuzzgraph"
	"github.com/webnn-graph/webnn-graph/internal/membudget"
	"github.com/webnn-graph/webnn-graph/internal/testenv"
	"github.com/webnn-graph/webnn-graph/lower"
	"github.com/webnn-graph/webnn-graph/onnxpb"
	onnxrt "github.com/webnn-graph/webnn-graph/runtime/onnx"
	"github.com/webnn-graph/webnn-graph/runtime/webnn"
	"github.com/webnn-graph/webnn-graph/tensor"
)

// Fuzz targets that reach past the parsers (issue 10 item 9): random small
// graphs from internal/fuzzgraph through convert and both runtimes under a
// 64 MiB memory budget. `make test` runs the committed seed corpora
// (testdata/fuzz/) and TestFuzzGraphsShort; `make fuzz` runs each target
// for FUZZTIME.

// fuzzBudget is the memory budget the fuzzed graphs run under.
const fuzzBudget = 64 << 20

// fuzzDeadline bounds one graph: a hang is a failure.
const fuzzDeadline = 10 * time.Second

var fuzzShort = flag.Int("fuzz-short", 300, "generated graphs of each kind TestFuzzGraphsShort runs")

func withFuzzBudget(t testing.TB) {
	_, total := membudget.Limits()
	membudget.SetTotal(fuzzBudget)
	t.Cleanup(func() { membudget.SetTotal(total) })
}

// FuzzConvertRun: a generated ONNX model is converted and run by
// runtime/onnx and, converted, by runtime/webnn. Neither may panic, hang,
// allocate past the budget or answer with an internal error; a converted
// graph that fails to run where the ONNX model runs is a lowering bug, and
// where both runtimes answer, they agree (tolerance rtol 1e-3, atol 1e-4).
func FuzzConvertRun(f *testing.F) {
	for _, s := range [][]byte{nil, {1}, {7, 0, 3, 0, 1, 0}, []byte("webnn-graph fuzz seed")} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, data []byte) {
		withFuzzBudget(t)
		if why, _ := checkONNXGraph(fuzzgraph.ONNX(data)); why != "" {
			t.Fatal(why)
		}
	})
}

// FuzzWebNNGraph: a generated WebNN graph is printed, parsed back,
// validated and run by runtime/webnn: no panic, hang, internal error or
// allocation past the budget, and printing round-trips.
func FuzzWebNNGraph(f *testing.F) {
	for _, s := range [][]byte{nil, {1}, {9, 0, 2, 0}, []byte("webnn-graph fuzz seed")} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, data []byte) {
		withFuzzBudget(t)
		if why := checkWebNNGraph(fuzzgraph.WebNN(data)); why != "" {
			t.Fatal(why)
		}
	})
}

// TestFuzzGraphsShort runs a few hundred generated graphs of each kind
// (deterministic inputs), the brief run of the fuzz targets in `make test`.
func TestFuzzGraphsShort(t *testing.T) {
	withFuzzBudget(t)
	var webnnRan, failed int
	outcomes := map[string]int{}
	for i := 0; i < *fuzzShort; i++ {
		seed := []byte(fmt.Sprintf("short-%d", i))
		why, outcome := checkONNXGraph(fuzzgraph.ONNX(seed))
		if why != "" {
			failed++
			t.Errorf("ONNX graph %q: %s", seed, why)
		}
		outcomes[outcome]++
		if why := checkWebNNGraph(fuzzgraph.WebNN(seed)); why != "" {
			failed++
			t.Errorf("WebNN graph %q: %s", seed, why)
		}
		webnnRan++
	}
	testenv.Report("fuzz-short: %d ONNX graphs (%d compared, %d ill-conditioned, %d refused by convert, %d failed in runtime/onnx), %d WebNN graphs, %d failed",
		*fuzzShort, outcomes["compared"], outcomes["ill-conditioned"], outcomes["refused"], outcomes["onnx failed"], webnnRan, failed)
}

// withDeadline runs f, reporting a hang.
func withDeadline(f func() string) string {
	done := make(chan string, 1)
	go func() {
		defer func() {
			if r := recover(); r != nil {
				done <- fmt.Sprintf("panic: %v", r)
			}
		}()
		done <- f()
	}()
	select {
	case why := <-done:
		return why
	case <-time.After(fuzzDeadline):
		return fmt.Sprintf("no answer within %v", fuzzDeadline)
	}
}

func internal(err error) bool {
	return err != nil && strings.Contains(err.Error(), "internal error")
}

func checkONNXGraph(fg *fuzzgraph.ONNXGraph) (why, outcome string) {
	why = withDeadline(func() string {
		b, err := proto.Marshal(fg.Model)
		if err != nil {
			return ""
		}
		m, err := onnxpb.Parse(b, "")
		if err != nil {
			return ""
		}
		var want map[string]*tensor.Tensor
		ref, err := onnxrt.Compile(m)
		if err == nil {
			want, err = ref.Run(fg.Inputs)
		}
		if internal(err) {
			return "runtime/onnx: " + err.Error()
		}
		if err != nil {
			outcome = "onnx failed"
		}
		m2, _ := onnxpb.Parse(b, "")
		res, err := lower.Convert(m2, lower.Options{})
		if internal(err) {
			return "convert: " + err.Error()
		}
		if err != nil {
			if outcome == "" {
				outcome = "refused"
			}
			return "" // refused: nothing to compare
		}
		prog, err := webnn.Compile(res.Graph, newResultWeights(res.Weights))
		if err != nil {
			return "the converted graph does not compile: " + err.Error()
		}
		// inputs and outputs by identifier (an ONNX name may be both an
		// input and an output, with two identifiers)
		feeds := map[string]*tensor.Tensor{}
		for _, in := range res.Graph.Inputs {
			if v, ok := fg.Inputs[res.Names[in.Name]]; ok {
				feeds[in.Name] = v
			}
		}
		outOf := map[string]string{}
		for _, o := range res.Graph.Outputs {
			outOf[res.Names[o.Name]] = o.Name
		}
		got, err := prog.Run(feeds)
		switch {
		case internal(err):
			return "runtime/webnn: " + err.Error()
		case err != nil && want != nil:
			return "the converted graph fails where the ONNX model runs: " + err.Error()
		case err != nil || want == nil:
			return ""
		}
		if discontinuousOnComputed(fg.Model.Graph) {
			// Floor(ReduceSum(Softmax(x))) is 0 or 1 as the sum rounds
			// to 0.99999994 or 1: both runtimes are right, and the values
			// cannot be compared (the run above still checked for panics,
			// internal errors and a graph failing where the model runs).
			outcome = "ill-conditioned"
			return ""
		}
		outcome = "compared"
		for _, o := range fg.Model.Graph.Output {
			g, w := got[outOf[o.Name]], want[o.Name]
			if g == nil || w == nil {
				return "output " + o.Name + " missing"
			}
			if d := compareTensors(g, w, tolerance{rtol: 1e-3, atol: 1e-4}); d != "" {
				return fmt.Sprintf("output %s: %s (runtime/webnn vs runtime/onnx)", o.Name, d)
			}
		}
		return ""
	})
	if why != "" {
		return why + "\n" + fg.Desc, outcome
	}
	return "", outcome
}

// discontinuousOnComputed reports whether g applies a step function
// (Floor, Ceil, Round, Sign, a comparison) to a computed value: one ulp of
// difference upstream, within any tolerance, becomes a whole step there.
// Applied to graph inputs and constants (the same bits in both runtimes)
// they stay compared exactly, ties and all.
func discontinuousOnComputed(g *onnxpb.GraphProto) bool {
	given := map[string]bool{}
	for _, vi := range g.GetInput() {
		given[vi.GetName()] = true
	}
	for _, t := range g.GetInitializer() {
		given[t.GetName()] = true
	}
	for _, n := range g.GetNode() {
		switch n.GetOpType() {
		case "Floor", "Ceil", "Round", "Sign", "Greater", "Less", "Equal", "GreaterOrEqual", "LessOrEqual", "ArgMax", "ArgMin":
			for _, in := range n.GetInput() {
				if in != "" && !given[in] {
					return true
				}
			}
		case "Constant":
			for _, o := range n.GetOutput() {
				given[o] = true
			}
		}
	}
	return false
}

func checkWebNNGraph(wg *fuzzgraph.WebNNGraph) string {
	return withDeadline(func() string {
		text, err := emit.PrintText(wg.Graph)
		if err != nil {
			return "" // not printable: the generator made something the text form refuses
		}
		g, err := emit.ParseText(text)
		if err != nil {
			return fmt.Sprintf("the printed graph does not parse: %v\n%s", err, text)
		}
		if err := graph.Validate(g, nil); err != nil {
			return ""
		}
		prog, err := webnn.Compile(g, nil)
		if internal(err) {
			return fmt.Sprintf("compile: %v\n%s", err, text)
		}
		if err != nil {
			return ""
		}
		if _, err := prog.Run(wg.Inputs); internal(err) {
			return fmt.Sprintf("run: %v\n%s", err, text)
		}
		return ""
	})
}
