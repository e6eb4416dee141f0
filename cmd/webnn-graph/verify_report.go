package main

import (
	"errors"
	"fmt"
	"math"
	"os"
	"runtime/debug"
	"sort"
	"strings"
	"time"

	"github.com/webnn-graph/webnn-graph/graph"
	"github.com/webnn-graph/webnn-graph/internal/atomicdir"
	"github.com/webnn-graph/webnn-graph/lower"
	"github.com/webnn-graph/webnn-graph/parity"
	"github.com/webnn-graph/webnn-graph/report"
	"github.com/webnn-graph/webnn-graph/shapeinfer"
	"github.com/webnn-graph/webnn-graph/tensor"
)

// reportSink collects what verify --report/--junit show and writes the
// files once verify knows its outcome, whatever it is (a refused
// conversion and a runtime error are reported too).
type reportSink struct {
	a     *app
	dir   string // --report
	junit string // --junit
	start time.Time
	v     report.Verify
}

func newReportSink(a *app, f *verifyFlags, model string) *reportSink {
	return &reportSink{a: a, dir: f.reportDir, junit: f.junit, start: time.Now(), v: report.Verify{Model: model, Graph: "converted in memory"}}
}

// checkReportPaths refuses, before verify runs, a --report that is a
// file and a --junit that is a directory or lies in a missing directory.
func checkReportPaths(f *verifyFlags) error {
	if f.reportDir != "" {
		if st, err := os.Stat(f.reportDir); err == nil && !st.IsDir() {
			return fmt.Errorf("--report %s: exists and is not a directory", f.reportDir)
		}
	}
	if f.junit != "" {
		if err := atomicdir.CheckFilePath(f.junit); err != nil {
			return fmt.Errorf("--junit: %w", err)
		}
	}
	return nil
}

func (s *reportSink) enabled() bool { return s.dir != "" || s.junit != "" }

// finish sets the verdict from verify's result, writes the files and
// returns err (or the write error when verify itself succeeded).
func (s *reportSink) finish(err error) error {
	if !s.enabled() {
		return err
	}
	v := &s.v
	var ve verifyFailed
	var re *lower.RefusalError
	switch {
	case err == nil:
		v.Verdict = report.VerdictPass
	case errors.As(err, &ve):
		v.Verdict = report.VerdictFail
	case errors.As(err, &re):
		v.Verdict = report.VerdictRefused
		for _, ne := range re.Errs {
			v.Refusals = append(v.Refusals, ne.Error())
		}
	default:
		v.Verdict = report.VerdictError
		v.Error = err.Error()
	}
	if v.Seconds == nil {
		v.Seconds = map[string]float64{}
	}
	v.Seconds["total"] = time.Since(s.start).Seconds()
	v.Generated = time.Now().UTC().Format(time.RFC3339)
	v.Tool = "webnn-graph " + toolVersion()
	var written []string
	if s.dir != "" {
		files, werr := report.WriteFiles(s.dir, v)
		if werr != nil && err == nil {
			return werr
		}
		written = append(written, files...)
	}
	if s.junit != "" {
		if werr := report.WriteJUnitFile(s.junit, v); werr != nil {
			if err == nil {
				return werr
			}
		} else {
			written = append(written, s.junit)
		}
	}
	if len(written) > 0 && !s.a.quiet {
		fmt.Fprintf(s.a.stderr, "report: wrote %s\n", strings.Join(written, ", "))
	}
	return err
}

func toolVersion() string {
	if bi, ok := debug.ReadBuildInfo(); ok && bi.Main.Version != "" && bi.Main.Version != "(devel)" {
		return bi.Main.Version
	}
	return "devel"
}

// setRun records what every case shares; the seconds map is the run's,
// filled as it goes.
func (s *reportSink) setRun(rep *verifyReport, tol parity.Tolerance) {
	v := &s.v
	v.Graph, v.Tolerance, v.Seconds = rep.Graph, tol, rep.Seconds
}

// addCase records a case as soon as it has run (or failed to).
func (s *reportSink) addCase(c report.Case) { s.v.Cases = append(s.v.Cases, c) }

// setConversion summarises an in-memory conversion: inputs, dims with the
// source of each bound, ops, warnings.
func (s *reportSink) setConversion(res *lower.Result, given shapeinfer.Bounds) {
	cv := graphSummary(res.Graph)
	for i := range cv.Inputs {
		cv.Inputs[i].ONNX = res.Names[cv.Inputs[i].Name]
	}
	cv.Dims = nil
	dims, _ := dimReports(res)
	for _, d := range dims {
		reason := d.Reason
		if d.Value != "" {
			reason = "= " + d.Value
		}
		cv.Dims = append(cv.Dims, report.Dim{Name: d.Name, Min: d.Min, Max: d.Max, Source: d.Source, Reason: reason})
	}
	cv.WeightBytes = 0
	for _, w := range res.Weights {
		cv.WeightBytes += w.Desc.ByteLength()
	}
	cv.Warnings = res.Warnings
	s.v.Conversion = cv
}

// graphSummary describes a graph read from files: the bounds are those
// its inputs declare.
func graphSummary(g *graph.Graph) *report.Conversion {
	cv := &report.Conversion{Ops: map[string]int{}, Nodes: len(g.Nodes), Consts: len(g.Consts)}
	seen := map[string]bool{}
	for _, in := range g.Inputs {
		cv.Inputs = append(cv.Inputs, report.GraphInput{Name: in.Name, ONNX: in.Comment, Type: in.Desc.String()})
		for _, d := range in.Desc.Shape {
			if d.IsDynamic() && !seen[d.Name] {
				seen[d.Name] = true
				cv.Dims = append(cv.Dims, report.Dim{Name: d.Name, Max: d.MaxSize, Source: "graph file"})
			}
		}
	}
	sort.Slice(cv.Dims, func(i, j int) bool { return cv.Dims[i].Name < cv.Dims[j].Name })
	for _, o := range g.Outputs {
		cv.Outputs = append(cv.Outputs, o.Name)
	}
	for _, n := range g.Nodes {
		cv.Ops[n.Op]++
	}
	for _, k := range g.Consts {
		if k.Kind == graph.ConstWeights {
			cv.WeightBytes += k.Desc.ByteLength()
		}
	}
	return cv
}

// decodeCompare runs a greedy decode on both runtimes from the prompt,
// feeding the ONNX interpreter's token to both, and compares the last
// position's logits at every step.
func decodeCompare(onnxR, wr runner, prompt []int64, steps int, tol parity.Tolerance) (*report.Decode, error) {
	oio, err := findDecoderIO(onnxR)
	if err != nil {
		return nil, err
	}
	wio, err := findDecoderIO(wr)
	if err != nil {
		return nil, err
	}
	d := &report.Decode{Prompt: prompt}
	opast, wpast := oio.emptyPast(), wio.emptyPast()
	// The ONNX model may leave the head size symbolic (onnxruntime-genai's
	// kv_cache_dim), which the converted graph has resolved: the ONNX
	// interpreter's empty past takes the graph's shapes, layer by layer.
	if len(oio.past) == len(wio.past) {
		for i := range oio.past {
			for _, pair := range [][2]string{{oio.past[i].key, wio.past[i].key}, {oio.past[i].value, wio.past[i].value}} {
				o, w := opast[pair[0]], wpast[pair[1]]
				if o != nil && w != nil && len(o.Shape) == len(w.Shape) {
					opast[pair[0]] = tensor.New(o.DType, w.Shape)
				}
			}
		}
	}
	feed, pastLen := prompt, 0
	for step := 0; step < steps; step++ {
		oout, err := onnxR.Run(oio.stepInputs(opast, feed, pastLen))
		if err != nil {
			return nil, fmt.Errorf("generate step %d: ONNX interpreter: %w", step, err)
		}
		wout, err := wr.Run(wio.stepInputs(wpast, feed, pastLen))
		if err != nil {
			return nil, fmt.Errorf("generate step %d: WebNN runtime: %w", step, err)
		}
		ol, ok1 := lastLogits(oout[oio.logits])
		wl, ok2 := lastLogits(wout[wio.logits])
		if !ok1 || !ok2 || len(ol) != len(wl) {
			return nil, fmt.Errorf("generate step %d: logits missing or of different sizes", step)
		}
		st := report.Step{Step: step, Tokens: len(feed), ONNXToken: int64(argmax(ol)), WebNNToken: int64(argmax(wl)), Pass: true}
		st.ArgmaxAgrees = st.ONNXToken == st.WebNNToken
		for i := range ol {
			diff := math.Abs(wl[i] - ol[i])
			if math.IsNaN(diff) {
				diff = math.Inf(1)
			}
			st.MaxAbs = math.Max(st.MaxAbs, diff)
			if diff > 0 {
				st.MaxRel = math.Max(st.MaxRel, diff/math.Max(math.Abs(ol[i]), 1e-30))
			}
			if !(diff <= tol.Atol+tol.Rtol*math.Abs(ol[i])) {
				st.Pass = false
			}
		}
		d.Steps = append(d.Steps, st)
		oio.advance(opast, oout)
		wio.advance(wpast, wout)
		pastLen += len(feed)
		feed = []int64{st.ONNXToken}
	}
	return d, nil
}

func lastLogits(t *tensor.Tensor) ([]float64, bool) {
	v, ok := asFloat64s(t)
	if !ok || len(t.Shape) == 0 {
		return nil, false
	}
	vocab := t.Shape[len(t.Shape)-1]
	if vocab <= 0 || len(v) < vocab {
		return nil, false
	}
	return v[len(v)-vocab:], true
}

// promptOf is the first row of the case's input_ids, the prompt of the
// report's decode run.
func promptOf(in map[string]*tensor.Tensor) []int64 {
	for k, t := range in {
		if identKey(k) != "input_ids" || len(t.Shape) != 2 || t.Shape[0] == 0 || t.Shape[1] == 0 {
			continue
		}
		v, ok := asFloat64s(t)
		if !ok {
			return nil
		}
		out := make([]int64, t.Shape[1])
		for i := range out {
			out[i] = int64(v[i])
		}
		return out
	}
	return nil
}
