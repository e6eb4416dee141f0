package main

import (
	"encoding/json"
	"errors"
	"fmt"
	"math"
	"math/rand/v2"
	"path/filepath"
	"sort"
	"strconv"
	"strings"
	"text/tabwriter"
	"time"

	"github.com/spf13/cobra"

	"github.com/webnn-graph/webnn-graph/lower"
	"github.com/webnn-graph/webnn-graph/onnxpb"
	"github.com/webnn-graph/webnn-graph/parity"
	"github.com/webnn-graph/webnn-graph/report"
	onnxrt "github.com/webnn-graph/webnn-graph/runtime/onnx"
	"github.com/webnn-graph/webnn-graph/shapeinfer"
	"github.com/webnn-graph/webnn-graph/target"
	"github.com/webnn-graph/webnn-graph/tensor"
)

// verifyFailed is returned when a comparison is out of tolerance; the
// table has been printed already.
type verifyFailed struct{ msg string }

func (e verifyFailed) Error() string { return e.msg }

type verifyFlags struct {
	graphPath string
	inputs    []string
	reference string
	dims      []string
	bounds    []string
	atol      float64
	rtol      float64
	seed      uint64
	precision string
	jsonOut   bool
	localize  bool
	reportDir string
	junit     string
	steps     int
	pins      []string
	dimsFile  string
	target    string
	padding   string
}

func (a *app) verifyCommand() *cobra.Command {
	f := &verifyFlags{}
	cmd := &cobra.Command{
		Use:   "verify MODEL.onnx",
		Short: "Convert (or take a converted graph) and prove the WebNN graph computes what the ONNX model computes",
		Long: `Run the ONNX model on the included ONNX interpreter and the converted WebNN graph on the
included WebNN runtime with the same inputs, and compare every output: max abs and max rel
error, the worst element, the 99th percentile of ULP distance and, for logits-like outputs,
argmax agreement. The graph is converted in memory unless --graph names a converted one.

Inputs come from --inputs (npz, keys "name" or "in.name"; repeatable, and a directory
stands for every *.npz in it, sorted: each file is one case), or are generated from --seed:
token ids below the embedding's row count, attention masks of ones, position ids counting
from the past length, floats uniform in [-1, 1). Dynamic dimensions of generated inputs are
set with --dim name=value (defaults: batch 1, past 4, sequence 7, others 7); dims the graph
relates are derived (attention_mask's past_sequence_length + sequence_length, a kv_cache_dim
the graph fixes to the head size), and dims an op needs to satisfy an equation (a ViT's
height × width patch count) are searched. With batch > 1 the attention mask is left-padded
(row b starts with b padding tokens; position ids count real tokens), unless --padding none.

Each runtime is also compared against a reference: the case's own "out.name" keys (as the
zoo's cases/*.npz hold), or --reference REF.npz (keys "name" or "out.name", e.g. dumped from
transformers or ONNX Runtime, see docs/verify.md; with several cases a directory holding a
reference of each case's file name).

The model is converted once and every case runs on both runtimes, one case at a time.

Passes when |got - want| ≤ atol + rtol·|want| everywhere. Defaults: atol 1e-4 and rtol 1e-4
for float32 models, 1e-2/1e-2 for float16 models, 2e-2/2e-2 for quantized ones.
Exit status 0 when every comparison of every case passes, 1 otherwise (the worst case and
output are named).`,
		Args: exactArgs(1, "one ONNX model path"),
		RunE: func(cmd *cobra.Command, args []string) error {
			if cmd.Flags().Changed("steps") && f.steps < 0 {
				return usagef("--steps %d: want 0 or more decode steps", f.steps)
			}
			return a.verify(args[0], f, cmd.Flags().Changed("atol"), cmd.Flags().Changed("rtol"))
		},
	}
	cmd.Flags().StringVar(&f.graphPath, "graph", "", "a converted graph (DIR or DIR/model.webnn) instead of converting in memory")
	cmd.Flags().StringArrayVar(&f.inputs, "inputs", nil, "a case: inputs .npz (keys name or in.name, out.name a reference), or a directory of them (repeatable)")
	cmd.Flags().StringVar(&f.reference, "reference", "", "reference outputs .npz (keys name or out.name), or a directory of one per case file name")
	cmd.Flags().StringArrayVar(&f.dims, "dim", nil, "value of a dynamic dimension for generated inputs: name=value (repeatable)")
	cmd.Flags().StringArrayVar(&f.bounds, "bound", nil, "conversion bound of a dynamic dimension: name=max (as convert --dim)")
	f.atol, f.rtol = 1e-4, 1e-4
	cmd.Flags().Var((*tolerance)(&f.atol), "atol", "absolute tolerance (a finite number ≥ 0)")
	cmd.Flags().Var((*tolerance)(&f.rtol), "rtol", "relative tolerance (a finite number ≥ 0)")
	cmd.Flags().Uint64Var(&f.seed, "seed", 1, "seed for generated inputs")
	cmd.Flags().Var((*precisionFlag)(&f.precision), "precision", "float16: convert to a float16 graph (tolerances default to 1e-2)")
	cmd.Flags().BoolVar(&f.jsonOut, "json", false, "print JSON")
	cmd.Flags().StringVar(&f.reportDir, "report", "", "write DIR/report.md (for a pull-request comment) and DIR/report.html (charts, self-contained)")
	cmd.Flags().StringVar(&f.junit, "junit", "", "write JUnit XML to FILE (a test suite per case, a test case per output and pair and per decode step)")
	cmd.Flags().IntVar(&f.steps, "steps", -1, "greedy decode steps compared on both runtimes for decoder models (default 8 with --report or --junit, else 0)")
	cmd.Flags().StringArrayVar(&f.pins, "freeze-input", nil, "as convert --freeze-input: the graph is converted with the input pinned, the ONNX model is fed the same value")
	cmd.Flags().BoolVar(&f.localize, "localize", false, "when the runtimes disagree, name the first ONNX node whose value differs (runs both again on the first such case, comparing every intermediate)")
	cmd.Flags().StringVar(&f.dimsFile, "dims-file", "", "conversion dim settings as JSON (see convert --dims-file)")
	cmd.Flags().StringVar(&f.target, "target", "", "loader the in-memory conversion is for (see convert --target)")
	cmd.Flags().StringVar(&f.padding, "padding", "left", "attention mask of generated inputs with batch > 1: left (row b starts with b padding tokens) or none")
	return cmd
}

// tolerance is a flag value that must be a finite, non-negative number: a
// NaN tolerance would make every comparison pass. A bad value is a flag
// error, so a usage error (exit 2).
// precisionFlag is --precision: float32 (the model's own) or float16; any
// other value is a usage error where the flag is parsed.
type precisionFlag string

func (p *precisionFlag) String() string { return string(*p) }
func (p *precisionFlag) Type() string   { return "precision" }
func (p *precisionFlag) Set(s string) error {
	if s != "float32" && s != "float16" {
		return fmt.Errorf("%q: want float32 or float16", s)
	}
	*p = precisionFlag(s)
	return nil
}

type tolerance float64

func (t *tolerance) String() string { return strconv.FormatFloat(float64(*t), 'g', -1, 64) }
func (t *tolerance) Type() string   { return "float" }
func (t *tolerance) Set(s string) error {
	v, err := strconv.ParseFloat(s, 64)
	if err != nil || math.IsNaN(v) || math.IsInf(v, 0) || v < 0 {
		return fmt.Errorf("%q is not a finite number ≥ 0", s)
	}
	*t = tolerance(v)
	return nil
}

type verifyReport struct {
	Model string `json:"model"`
	Graph string `json:"graph"`
	// Inputs and Comparisons are those of the only case when there is one.
	Inputs      map[string][]int   `json:"inputs,omitempty"`
	Comparisons []comparison       `json:"comparisons,omitempty"`
	Cases       []caseReport       `json:"cases"`
	Pass        bool               `json:"pass"`
	Worst       string             `json:"worst,omitempty"`
	WorstCase   string             `json:"worstCase,omitempty"`
	Seconds     map[string]float64 `json:"seconds"`

	// Localization names the first diverging node (--localize) of the
	// first case whose runtimes disagree.
	Localization  *parity.Localization `json:"localization,omitempty"`
	LocalizedCase string               `json:"localizedCase,omitempty"`
	// Decode compares a greedy decode step by step (decoders, --steps),
	// from the prompt of one case.
	Decode     *report.Decode `json:"decode,omitempty"`
	DecodeCase string         `json:"decodeCase,omitempty"`

	worst *comparison // the failing comparison furthest out of tolerance
}

func (a *app) verify(modelPath string, f *verifyFlags, atolSet, rtolSet bool) (err error) {
	// Mistakes in the command line stop verify before anything runs or
	// is written (a report is of a verification, not of a usage error);
	// so do output paths that cannot take the report.
	dimValues, err := parseAssignments("--dim", f.dims)
	if err != nil {
		return err
	}
	bounds, freeze, sources, err := dimSettings("--bound", f.bounds, nil, f.dimsFile)
	if err != nil {
		return err
	}
	pins, err := parseInputPins(f.pins)
	if err != nil {
		return err
	}
	tg, err := target.Lookup(f.target)
	if err != nil {
		return usagef("--target: %v", err)
	}
	if err := checkReportPaths(f); err != nil {
		return err
	}
	sink := newReportSink(a, f, modelPath)
	defer func() { err = sink.finish(err) }()
	cases, err := listCases(f.inputs, f.reference, f.seed)
	if err != nil {
		return err
	}
	secs := map[string]float64{}
	t0 := time.Now()
	m, err := a.loadONNX(modelPath)
	if err != nil {
		return err
	}
	defer m.Close()
	ort, err := onnxrt.Compile(m)
	if err != nil {
		return err
	}
	onnxR := &onnxRunner{m: m, prog: ort}
	// The ONNX model still takes a pinned input: it is fed the pinned
	// value whatever the generated or given inputs say.
	pinned := map[string]*tensor.Tensor{}
	for _, vi := range m.Graph().GetInput() {
		if text, ok := pins[vi.GetName()]; ok {
			t, err := lower.ParseInputValue(vi, text)
			if err != nil {
				return usagef("--freeze-input %s=%s: %v", vi.GetName(), text, err)
			}
			pinned[vi.GetName()] = t
		}
	}
	secs["load"] = time.Since(t0).Seconds()

	kind := parity.ModelPrecision(m)
	if f.precision == "float16" && kind == "float32" {
		kind = "float16"
	}
	if !atolSet {
		f.atol = parity.DefaultTolerance(kind).Atol
	}
	if !rtolSet {
		f.rtol = parity.DefaultTolerance(kind).Rtol
	}
	sink.v.Precision, sink.v.Tolerance = kind, parity.Tolerance{Atol: f.atol, Rtol: f.rtol}

	// The dims as conversion sees them (unified, model limits), so that
	// generated inputs respect every relation the graph pins.
	si, err := lower.InferDims(m, lower.Options{Dims: bounds, Freeze: freeze, Sources: sources})
	if err != nil {
		return err
	}
	var wr runner
	var digestErr error       // --graph: the weights file's content is not what its header says
	var lowered *lower.Result // the in-memory conversion, when there is one
	graphDesc := "converted in memory"
	t1 := time.Now()
	if f.graphPath != "" {
		gp := f.graphPath
		if wr, err = a.openRunner(gp); err != nil {
			return err
		}
		graphDesc = gp
		if w, ok := wr.(*webnnRunner); ok {
			sink.v.Conversion = graphSummary(w.g)
			if w.store != nil {
				// The whole weights file against its header's digest: a
				// corrupted file never passes, even where its values stay
				// within tolerance; the comparisons still run (and
				// --localize names the constants that differ).
				digestErr = w.store.VerifyDigest()
				if pin, ok := w.store.Manifest.Files[filepath.Base(w.store.WeightsPath)]; ok && digestErr == nil {
					digestErr = w.store.VerifyPin(pin)
				}
			}
		}
	} else {
		res, err := a.lowerModel(m, lower.Options{Dims: bounds, Freeze: freeze, Sources: sources, FreezeInputs: pins, Target: tg, AllowNewerOpset: a.allowNewerOpset}, modelPath, f.precision, f.target != "")
		if err != nil {
			return err
		}
		lowered = res
		sink.setConversion(res, bounds)
		if wr, err = loweredRunner(m, res); err != nil {
			return err
		}
	}
	defer wr.Close()
	secs["convert"] = time.Since(t1).Seconds()

	v := &verifier{f: f, m: m, si: si, onnxR: onnxR, wr: wr, pinned: pinned, dims: dimValues, tol: parity.Tolerance{Atol: f.atol, Rtol: f.rtol}}
	rep := &verifyReport{Model: modelPath, Graph: graphDesc, Pass: true, Seconds: secs}
	err = a.verifyCases(v, cases, rep, sink, modelPath, lowered)
	var vf verifyFailed
	switch {
	case digestErr == nil:
	case err == nil:
		err = fmt.Errorf("verify: the outputs are within tolerance, but %w", digestErr)
	case errors.As(err, &vf):
		err = verifyFailed{vf.msg + "; and " + digestErr.Error()}
	}
	return err
}

func describeDecode(d *report.Decode) string {
	for _, st := range d.Steps {
		if !st.Pass || !st.ArgmaxAgrees {
			return fmt.Sprintf("greedy decode step %d: logits max abs %.3g, onnx token %d, webnn token %d", st.Step, st.MaxAbs, st.ONNXToken, st.WebNNToken)
		}
	}
	return ""
}

func describeFailure(c *comparison) string {
	if c.Problem != "" {
		return fmt.Sprintf("%s (%s): %s", c.Output, c.Pair, c.Problem)
	}
	return fmt.Sprintf("%s (%s): max abs %.3g at %v (got %.7g, want %.7g) > atol %g + rtol %g·|want|",
		c.Output, c.Pair, c.MaxAbs, c.WorstIndex, c.Got, c.Want, c.Atol, c.Rtol)
}

// printVerifyResult prints the run as JSON (--json) or as text.
func (a *app) printVerifyResult(r verifyReport, jsonOut bool) error {
	if jsonOut {
		enc := json.NewEncoder(a.stdout)
		enc.SetIndent("", "  ")
		return enc.Encode(r)
	}
	a.printVerify(r)
	return nil
}

func (a *app) printVerify(r verifyReport) {
	fmt.Fprintf(a.stdout, "verify %s against %s\n", r.Model, r.Graph)
	if len(r.Cases) == 1 {
		var names []string
		for k := range r.Inputs {
			names = append(names, k)
		}
		sort.Strings(names)
		var parts []string
		for _, k := range names {
			parts = append(parts, fmt.Sprintf("%s%v", k, r.Inputs[k]))
		}
		fmt.Fprintf(a.stdout, "inputs: %s\n", strings.Join(parts, " "))
		a.printComparisons(r.Comparisons)
	} else {
		a.printCases(r)
	}
	if d := r.Decode; d != nil {
		agree := 0
		for _, st := range d.Steps {
			if st.ArgmaxAgrees && st.Pass {
				agree++
			}
		}
		from := ""
		if len(r.Cases) > 1 {
			from = " (case " + r.DecodeCase + ")"
		}
		fmt.Fprintf(a.stdout, "greedy decode%s: %d steps from a %d-token prompt, logits within tolerance with the same argmax at %d\n", from, len(d.Steps), len(d.Prompt), agree)
	}
	if r.Localization != nil && len(r.Cases) > 1 {
		fmt.Fprintf(a.stdout, "localize: case %s\n", r.LocalizedCase)
	}
	report.LocalizationText(a.stdout, r.Localization)
	s := r.Seconds
	fmt.Fprintf(a.stdout, "time: load %.2fs, convert %.2fs, onnx run %.2fs, webnn run %.2fs", s["load"], s["convert"], s["onnx"], s["webnn"])
	if t, ok := s["decode"]; ok {
		fmt.Fprintf(a.stdout, ", decode %.2fs", t)
	}
	if t, ok := s["localize"]; ok {
		fmt.Fprintf(a.stdout, ", localize %.2fs", t)
	}
	fmt.Fprintln(a.stdout)
	if r.Pass {
		n := 0
		for _, cr := range r.Cases {
			n += len(cr.Comparisons)
		}
		fmt.Fprintf(a.stdout, "PASS: %d comparisons", n)
		if len(r.Cases) > 1 {
			fmt.Fprintf(a.stdout, " in %d cases", len(r.Cases))
		}
		fmt.Fprintf(a.stdout, " within tolerance")
		if r.Decode != nil {
			fmt.Fprintf(a.stdout, ", %d greedy decode steps agree", len(r.Decode.Steps))
		}
		fmt.Fprintln(a.stdout)
	}
}

// printComparisons prints one row per output and pair.
func (a *app) printComparisons(cs []comparison) {
	w := tabwriter.NewWriter(a.stdout, 2, 4, 2, ' ', 0)
	fmt.Fprintln(w, "output\tcompared\tshape\tmax abs\tmax rel\tworst at\tULP p99\targmax\tresult")
	for _, c := range cs {
		status := "ok"
		if !c.Pass {
			status = "FAIL"
			if c.Problem != "" {
				status += ": " + c.Problem
			}
		}
		if c.Pass && c.NonFinite > 0 {
			// They agree there, but say so: an all-NaN output would
			// otherwise read as a clean pass with max abs 0.
			if c.NonFinite == c.Elements {
				status += fmt.Sprintf(" (all %d elements NaN/Inf in both: no number compared)", c.Elements)
			} else {
				status += fmt.Sprintf(" (%d of %d elements NaN/Inf in both)", c.NonFinite, c.Elements)
			}
		}
		am := "-"
		if c.Argmax != nil {
			am = fmt.Sprintf("%.0f%%", 100**c.Argmax)
		}
		fmt.Fprintf(w, "%s\t%s\t%v\t%.3g\t%.3g\t%v\t%.0f\t%s\t%s\n", c.Output, c.Pair, c.Shape, c.MaxAbs, c.MaxRel, c.WorstIndex, c.ULPp99, am, status)
	}
	w.Flush()
}

// bindDims chooses the dims of generated inputs: --dim values, then
// batch 1, past 4, anything else 7, with every relation the graph pins
// respected (see shapeinfer.Result.Bind).
//
// A total length the graph does not relate to past and sequence (torch
// dynamo's attention_mask indexes it by data) defaults to their sum.
func bindDims(si *shapeinfer.Result, values map[string]int64) (map[string]int64, error) {
	var pick func(sym string) int64
	pick = func(sym string) int64 {
		if v, ok := values[sym]; ok {
			return v
		}
		l := strings.ToLower(sym)
		switch {
		case strings.Contains(l, "batch") || si.IsBatchDim(sym):
			return 1
		case strings.Contains(l, "total") || strings.Contains(l, "attention"):
			return pick("past_sequence_length") + pick("sequence_length")
		case strings.Contains(l, "past"):
			return 4
		}
		return 7
	}
	return si.Bind(values, pick)
}

// randomInputs makes seeded inputs that respect dtypes, dims and index
// ranges, so that a model runs meaningfully without user data. Shapes come
// from the inferred input dims evaluated at env; an attention mask of a
// batch > 1 is left-padded (padding "left") and position ids count the
// real tokens, as transformers' generate() makes them.
func randomInputs(m *onnxpb.Model, si *shapeinfer.Result, specs []ioSpec, env map[string]int64, seed uint64, padding string) (map[string]*tensor.Tensor, error) {
	if padding != "left" && padding != "none" {
		return nil, usagef("--padding %q: want left or none", padding)
	}
	rng := rand.New(rand.NewPCG(seed, 0x5eed))
	out := map[string]*tensor.Tensor{}
	var mask []int64 // the attention mask as generated, row-major
	var maskShape []int
	var positions []ioSpec
	limitOf := indexLimits(m, si, env)
	for _, s := range specs {
		shape := make([]int, len(s.Dims))
		var dims []shapeinfer.Expr
		if info := si.Values[s.Name]; info != nil && len(info.Shape) == len(s.Dims) {
			dims = info.Shape
		}
		for i, d := range s.Dims {
			switch {
			case dims != nil:
				v, err := dims[i].Eval(env)
				if err != nil {
					return nil, fmt.Errorf("input %q dim %d: %w", s.Name, i, err)
				}
				shape[i] = int(v)
			case d.Size > 0:
				shape[i] = int(d.Size)
			default:
				shape[i] = 1
			}
		}
		t, err := tensor.Alloc(s.DType, shape)
		if err != nil {
			return nil, fmt.Errorf("input %q: %w", s.Name, err)
		}
		n := t.Len()
		lname := strings.ToLower(s.Name)
		switch {
		case s.DType.IsFloat():
			vals := make([]float32, n)
			for i := range vals {
				vals[i] = float32(rng.Float64()*2 - 1)
			}
			if err := fillFloat(t, vals); err != nil {
				return nil, fmt.Errorf("input %q: %w", s.Name, err)
			}
		case s.DType == tensor.Bool:
			// Masks all true (a false row can make attention NaN in both
			// runtimes, which compares nothing); other bools random.
			d := t.Data.([]bool)
			for i := range d {
				d[i] = strings.Contains(lname, "mask") || rng.IntN(2) == 1
			}
		case s.DType.IsInt():
			vals := make([]int64, n)
			switch {
			case strings.Contains(lname, "mask"):
				for i := range vals {
					vals[i] = 1
				}
				if padding == "left" && len(shape) == 2 && shape[0] > 1 && mask == nil {
					// Row b starts with b padding tokens (at least one real token stays).
					for b := 0; b < shape[0]; b++ {
						for j := 0; j < min(b, shape[1]-1); j++ {
							vals[b*shape[1]+j] = 0
						}
					}
				}
				if len(shape) == 2 && mask == nil {
					mask, maskShape = vals, shape
				}
			case strings.Contains(lname, "position"):
				positions = append(positions, s)
			case strings.Contains(lname, "token_type"):
			default:
				limit := limitOf(s.Name)
				for i := range vals {
					vals[i] = int64(rng.IntN(int(limit)))
				}
			}
			if err := fillInt(t, vals); err != nil {
				return nil, fmt.Errorf("input %q: %w", s.Name, err)
			}
		default:
			return nil, fmt.Errorf("input %q: cannot generate %v data; give --inputs", s.Name, s.DType)
		}
		out[s.Name] = t
	}
	// Position ids: the count of real tokens before each one (padding gets
	// 1, as transformers fills it), for the last S columns of the mask.
	for _, s := range positions {
		t := out[s.Name]
		shape := t.Shape
		vals := make([]int64, t.Len())
		last := 1
		if len(shape) > 0 {
			last = max(shape[len(shape)-1], 1)
		}
		past := env["past_sequence_length"]
		for i := range vals {
			vals[i] = past + int64(i%last)
		}
		if mask != nil && len(shape) == 2 && shape[0] == maskShape[0] && shape[1] <= maskShape[1] {
			T := maskShape[1]
			for b := 0; b < shape[0]; b++ {
				count := int64(0)
				for j := 0; j < T; j++ {
					pos := count
					if mask[b*T+j] != 0 {
						count++
					} else {
						pos = 1
					}
					if k := j - (T - shape[1]); k >= 0 {
						vals[b*shape[1]+k] = max(pos, 0)
					}
				}
			}
		}
		if err := fillInt(t, vals); err != nil {
			return nil, fmt.Errorf("input %q: %w", s.Name, err)
		}
	}
	return out, nil
}

// indexLimits returns how large each integer input may be: the size of
// the axis it indexes where an operator uses it as indices — Gather (the
// row count of an embedding), GatherElements, ScatterElements, and the
// class count of NegativeLogLikelihoodLoss / SoftmaxCrossEntropyLoss
// targets — also through the reshapes, casts and selects of a function's
// expansion; else 100. Sizes come from shape inference evaluated at the
// dims generated inputs get (env).
func indexLimits(m *onnxpb.Model, si *shapeinfer.Result, env map[string]int64) func(input string) int64 {
	dimOf := func(name string, axis int64) int64 {
		var shape []int64
		if si != nil {
			if info := si.Values[name]; info != nil && info.Shape != nil {
				for _, e := range info.Shape {
					v, err := e.Eval(env)
					if err != nil {
						v = 0
					}
					shape = append(shape, v)
				}
			}
		}
		if shape == nil {
			for _, t := range m.Graph().GetInitializer() {
				if t.GetName() == name {
					shape = t.GetDims()
				}
			}
		}
		if axis < 0 {
			axis += int64(len(shape))
		}
		if axis < 0 || int(axis) >= len(shape) {
			return 0
		}
		return shape[axis]
	}
	return func(input string) int64 {
		carried := map[string]bool{input: true}
		limit := int64(0)
		for _, n := range m.Graph().GetNode() {
			in := n.GetInput()
			if len(in) == 0 {
				continue
			}
			switch n.GetOpType() {
			case "Identity", "Cast", "Unsqueeze", "Squeeze", "Reshape", "Flatten", "Expand", "Transpose":
				if carried[in[0]] {
					for _, o := range n.GetOutput() {
						carried[o] = true
					}
				}
				continue
			case "Where":
				if len(in) == 3 && (carried[in[1]] || carried[in[2]]) {
					for _, o := range n.GetOutput() {
						carried[o] = true
					}
				}
				continue
			}
			if len(in) < 2 || !carried[in[1]] {
				continue
			}
			var d int64
			switch n.GetOpType() {
			case "Gather", "GatherElements", "ScatterElements", "Scatter":
				d = dimOf(in[0], onnxpb.AttrInt(n, "axis", 0))
			case "NegativeLogLikelihoodLoss", "SoftmaxCrossEntropyLoss":
				d = dimOf(in[0], 1)
			}
			if d > 0 && (limit == 0 || d < limit) {
				limit = d
			}
		}
		if limit == 0 {
			return 100
		}
		return limit
	}
}

func fillFloat(t *tensor.Tensor, vals []float32) error {
	switch d := t.Data.(type) {
	case []float32:
		copy(d, vals)
	case []float64:
		for i, v := range vals {
			d[i] = float64(v)
		}
	case []uint16:
		for i, v := range vals {
			if t.DType == tensor.BFloat16 {
				d[i] = uint16(math.Float32bits(v) >> 16)
			} else {
				d[i] = f32ToF16(v)
			}
		}
	default:
		return fmt.Errorf("unsupported float type %v", t.DType)
	}
	return nil
}

func fillInt(t *tensor.Tensor, vals []int64) error {
	switch d := t.Data.(type) {
	case []int64:
		copy(d, vals)
	case []int32:
		for i, v := range vals {
			d[i] = int32(v)
		}
	case []uint64:
		for i, v := range vals {
			d[i] = uint64(v)
		}
	case []uint32:
		for i, v := range vals {
			d[i] = uint32(v)
		}
	case []int8:
		for i, v := range vals {
			d[i] = int8(v)
		}
	case []uint8:
		for i, v := range vals {
			d[i] = uint8(v)
		}
	case []int16:
		for i, v := range vals {
			d[i] = int16(v)
		}
	case []uint16:
		for i, v := range vals {
			d[i] = uint16(v)
		}
	default:
		return fmt.Errorf("unsupported integer type %v", t.DType)
	}
	return nil
}
