package main

import (
	"encoding/json"
	"fmt"
	"math"
	"path/filepath"
	"sort"
	"strings"
	"time"

	"github.com/spf13/cobra"

	"github.com/webnn-graph/webnn-graph/graph"
	"github.com/webnn-graph/webnn-graph/internal/atomicdir"
	"github.com/webnn-graph/webnn-graph/internal/confine"
	"github.com/webnn-graph/webnn-graph/lower"
	"github.com/webnn-graph/webnn-graph/manifest"
	"github.com/webnn-graph/webnn-graph/onnxpb"
	onnxrt "github.com/webnn-graph/webnn-graph/runtime/onnx"
	"github.com/webnn-graph/webnn-graph/runtime/webnn"
	"github.com/webnn-graph/webnn-graph/shapeinfer"
	"github.com/webnn-graph/webnn-graph/tensor"
	"github.com/webnn-graph/webnn-graph/weights"
)

// ioSpec describes one input of a runnable model or graph.
type ioSpec struct {
	Name  string // the identifier Run's input map is keyed by
	Key   string // the name users know it by (the ONNX name, when known)
	Exact bool   // Key is recorded (an ONNX model, a graph with a name map)
	DType tensor.DType
	Dims  []dimSpec
}

// dimSpec is a static size (Name == "") or a named dynamic dimension.
type dimSpec struct {
	Size int64
	Name string
	Max  int64 // 0 when unknown
}

// runner is a loaded model (ONNX interpreter) or graph (WebNN runtime).
type runner interface {
	Kind() string
	Inputs() []ioSpec
	Outputs() []string // identifiers, the keys of Run's result
	// Key is the name users know an input or output identifier by: the
	// ONNX name a converted graph records for it, else the identifier.
	Key(id string) string
	Run(map[string]*tensor.Tensor) (map[string]*tensor.Tensor, error)
	Close()
}

type webnnRunner struct {
	g     *graph.Graph
	prog  *webnn.Program
	store *weights.Store
	ws    graph.WeightSource // the weights prog was compiled with (verify --localize compiles again)
	keys  map[string]string  // identifier → ONNX name of inputs and outputs, when known
	types map[string]string  // identifier → ONNX type ("bool") the graph could not keep
}

// keysOf merges a name map's inputs and outputs (identifiers are unique
// across both).
func keysOf(nm *manifest.NameMap) map[string]string {
	if nm == nil {
		return nil
	}
	keys := map[string]string{}
	for id, n := range nm.Inputs {
		keys[id] = n
	}
	for id, n := range nm.Outputs {
		keys[id] = n
	}
	return keys
}

func (r *webnnRunner) Key(id string) string {
	if k, ok := r.keys[id]; ok {
		return k
	}
	return id
}

func (r *webnnRunner) Kind() string { return "webnn" }
func (r *webnnRunner) Inputs() []ioSpec {
	var out []ioSpec
	for _, in := range r.g.Inputs {
		_, named := r.keys[in.Name]
		s := ioSpec{Name: in.Name, Key: r.Key(in.Name), Exact: named, DType: in.Desc.DType}
		for _, d := range in.Desc.Shape {
			s.Dims = append(s.Dims, dimSpec{Size: d.Size, Name: d.Name, Max: d.MaxSize})
		}
		out = append(out, s)
	}
	return out
}
func (r *webnnRunner) Outputs() []string {
	var out []string
	for _, o := range r.g.Outputs {
		out = append(out, o.Name)
	}
	return out
}

// Run runs the graph; outputs that are bool in the ONNX model (uint8 in
// WebNN) come back as bool.
func (r *webnnRunner) Run(in map[string]*tensor.Tensor) (map[string]*tensor.Tensor, error) {
	out, err := r.prog.Run(in)
	if err != nil || len(r.types) == 0 {
		return out, err
	}
	for id, t := range out {
		if r.types[id] == "bool" && t != nil && t.DType == tensor.Uint8 {
			b := tensor.New(tensor.Bool, t.Shape)
			dst := b.Data.([]bool)
			for i, v := range t.Data.([]uint8) {
				dst[i] = v != 0
			}
			out[id] = b
		}
	}
	return out, nil
}
func (r *webnnRunner) Close() {
	if r.store != nil {
		r.store.Close()
	}
}

type onnxRunner struct {
	m    *onnxpb.Model
	prog *onnxrt.Program
}

func (r *onnxRunner) Kind() string         { return "onnx" }
func (r *onnxRunner) Key(id string) string { return id }
func (r *onnxRunner) Inputs() []ioSpec {
	var out []ioSpec
	for _, in := range r.prog.Inputs() {
		s := ioSpec{Name: in.Name, Key: in.Name, Exact: true, DType: in.DType}
		for _, d := range in.Dims {
			s.Dims = append(s.Dims, dimSpec{Size: d.Value, Name: d.Param})
		}
		out = append(out, s)
	}
	return out
}
func (r *onnxRunner) Outputs() []string {
	var out []string
	for _, o := range r.prog.Outputs() {
		out = append(out, o.Name)
	}
	return out
}
func (r *onnxRunner) Run(in map[string]*tensor.Tensor) (map[string]*tensor.Tensor, error) {
	return r.prog.Run(in)
}
func (r *onnxRunner) Close() { r.m.Close() }

// openRunner loads MODEL.onnx into the ONNX interpreter, or a .webnn /
// .json graph (with the weights beside it) into the WebNN runtime.
func (a *app) openRunner(path string) (runner, error) {
	if strings.EqualFold(filepath.Ext(path), ".onnx") {
		m, err := a.loadONNX(path)
		if err != nil {
			return nil, err
		}
		p, err := onnxrt.Compile(m)
		if err != nil {
			m.Close()
			return nil, err
		}
		return &onnxRunner{m: m, prog: p}, nil
	}
	l, err := a.loadGraph(path, "", "", false)
	if err != nil {
		return nil, err
	}
	var ws graph.WeightSource
	if l.store != nil {
		ws = l.store
	}
	p, err := webnn.Compile(l.g, ws)
	if err != nil {
		l.Close()
		return nil, err
	}
	return &webnnRunner{g: l.g, prog: p, store: l.store, ws: ws, keys: keysOf(l.names), types: l.types}, nil
}

// loweredRunner runs an in-memory conversion on the WebNN runtime, its
// weights read straight from the ONNX model (no files written).
func loweredRunner(m *onnxpb.Model, res *lower.Result) (runner, error) {
	ws := lowerWeights{}
	for _, w := range res.Weights {
		ws[w.Key] = w
	}
	p, err := webnn.Compile(res.Graph, ws)
	if err != nil {
		return nil, err
	}
	return &webnnRunner{g: res.Graph, prog: p, ws: ws, keys: res.Names, types: onnxTypes(m, res.Graph, res.Names)}, nil
}

// lowerWeights serves lower.Result weights as a graph.WeightSource.
type lowerWeights map[string]lower.Weight

func (l lowerWeights) WeightBytes(ref string) ([]byte, error) {
	w, ok := l[ref]
	if !ok {
		return nil, fmt.Errorf("weight %q not found", ref)
	}
	return w.Data()
}

// narrowInt64 converts an int64 tensor to int32, refusing values that do
// not fit.
func narrowInt64(t *tensor.Tensor) (*tensor.Tensor, error) {
	src := t.Data.([]int64)
	out := tensor.New(tensor.Int32, t.Shape)
	dst := out.Data.([]int32)
	for i, v := range src {
		if v < math.MinInt32 || v > math.MaxInt32 {
			return nil, fmt.Errorf("element %d is %d, outside int32", i, v)
		}
		dst[i] = int32(v)
	}
	return out, nil
}

// checkInputShapes reports a mis-shaped or mis-typed input with the
// expected and actual shapes before any runtime sees it.
func checkInputShapes(specs []ioSpec, in map[string]*tensor.Tensor) error {
	bound := map[string]int{}
	for _, s := range specs {
		t := in[s.Name]
		if t == nil {
			continue
		}
		if t.DType != s.DType {
			return fmt.Errorf("input %q: data type %v, the model wants %v", s.Name, t.DType, s.DType)
		}
		if len(s.Dims) > 0 && len(t.Shape) != len(s.Dims) || len(s.Dims) == 0 && len(t.Shape) != 0 && s.Dims != nil {
			return fmt.Errorf("input %q: shape %v has rank %d, the model wants rank %d (%s)", s.Name, t.Shape, len(t.Shape), len(s.Dims), describeDims(s.Dims))
		}
		for i, d := range s.Dims {
			if i >= len(t.Shape) {
				break
			}
			got := t.Shape[i]
			switch {
			case d.Name == "" && d.Size > 0 && int64(got) != d.Size:
				return fmt.Errorf("input %q: dimension %d is %d, the model wants %d (shape %v, wanted %s)", s.Name, i, got, d.Size, t.Shape, describeDims(s.Dims))
			case d.Name != "":
				if d.Max > 0 && int64(got) > d.Max {
					return fmt.Errorf("input %q: dimension %d (%s) is %d, above its bound %d", s.Name, i, d.Name, got, d.Max)
				}
				if shapeinfer.IsAnonymousDimParam(d.Name) {
					// "?", "unk__3": each is a dim of its own.
					continue
				}
				if prev, ok := bound[d.Name]; ok && prev != got {
					return fmt.Errorf("input %q: dimension %s is %d here but %d in another input", s.Name, d.Name, got, prev)
				}
				bound[d.Name] = got
			}
		}
	}
	return nil
}

func describeDims(ds []dimSpec) string {
	parts := make([]string, len(ds))
	for i, d := range ds {
		if d.Name != "" {
			parts[i] = d.Name
		} else {
			parts[i] = fmt.Sprint(d.Size)
		}
	}
	return "[" + strings.Join(parts, ", ") + "]"
}

type runFlags struct {
	inputs  string
	input   []string
	out     string
	jsonOut bool
	repeat  int
}

func (a *app) runCommand() *cobra.Command {
	f := &runFlags{}
	cmd := &cobra.Command{
		Use:   "run GRAPH.webnn|GRAPH.json|MODEL.onnx --inputs IN.npz",
		Short: "Run a WebNN graph (WebNN runtime) or an ONNX model (ONNX interpreter) on inputs",
		Long: `Run a converted WebNN graph on the included WebNN CPU runtime, or an ONNX model on the
included ONNX interpreter, with inputs from an .npz file (keys "name" or "in.name"; ONNX names
such as past_key_values.0.key also match their converted identifiers) and/or .npy files.
Prints each output's shape, data type and min/max/mean; -o writes them to an .npz keyed by
output name. --repeat N runs N times and prints the median time per run.`,
		Args: exactArgs(1, "one graph or model path"),
		RunE: func(cmd *cobra.Command, args []string) error { return a.run(args[0], f) },
	}
	cmd.Flags().StringVar(&f.inputs, "inputs", "", "inputs .npz (keys name or in.name)")
	cmd.Flags().StringArrayVar(&f.input, "input", nil, "one input: name=file.npy (repeatable)")
	cmd.Flags().StringVarP(&f.out, "out", "o", "", "write outputs to this .npz")
	cmd.Flags().BoolVar(&f.jsonOut, "json", false, "print a JSON summary")
	cmd.Flags().IntVar(&f.repeat, "repeat", 1, "run N times, report the median time")
	return cmd
}

func readInputs(npz string, npys []string) (map[string]*tensor.Tensor, error) {
	given := map[string]*tensor.Tensor{}
	if npz != "" {
		ts, _, err := tensor.ReadNPZ(npz)
		if err != nil {
			return nil, err
		}
		for k, v := range ts {
			given[k] = v
		}
	}
	for _, f := range npys {
		name, path, ok := strings.Cut(f, "=")
		if !ok || name == "" || path == "" {
			return nil, usagef("--input %q: want name=file.npy", f)
		}
		fh, err := confine.OpenRegular(path)
		if err != nil {
			return nil, err
		}
		t, err := tensor.ReadNPY(fh)
		fh.Close()
		if err != nil {
			return nil, fmt.Errorf("%s: %w", path, err)
		}
		given[name] = t
	}
	return given, nil
}

type outputSummary struct {
	Name  string  `json:"name"`
	DType string  `json:"dataType"`
	Shape []int   `json:"shape"`
	Min   float64 `json:"min"`
	Max   float64 `json:"max"`
	Mean  float64 `json:"mean"`
}

func (a *app) run(path string, f *runFlags) error {
	if f.inputs == "" && len(f.input) == 0 {
		return usagef("run needs --inputs IN.npz or --input name=file.npy")
	}
	if f.repeat < 1 {
		return usagef("--repeat must be at least 1")
	}
	if f.out != "" {
		// An -o that cannot take the outputs fails before the run.
		if err := atomicdir.CheckFilePath(f.out); err != nil {
			return fmt.Errorf("run -o: %w", err)
		}
	}
	r, err := a.openRunner(path)
	if err != nil {
		return err
	}
	defer r.Close()
	given, err := readInputs(f.inputs, f.input)
	if err != nil {
		return err
	}
	in, err := matchInputs(r.Inputs(), given, "inputs")
	if err != nil {
		return err
	}
	if err := checkInputShapes(r.Inputs(), in); err != nil {
		return err
	}
	var times []float64
	var out map[string]*tensor.Tensor
	for i := 0; i < f.repeat; i++ {
		t0 := time.Now()
		out, err = r.Run(in)
		if err != nil {
			return err
		}
		times = append(times, time.Since(t0).Seconds())
	}
	sort.Float64s(times)
	median := times[len(times)/2]
	// Outputs are written and shown under their ONNX names.
	ids := r.Outputs()
	keys := make([]string, len(ids))
	byKey := map[string]*tensor.Tensor{}
	for i, id := range ids {
		keys[i] = r.Key(id)
		byKey[keys[i]] = out[id]
	}
	if f.out != "" {
		if err := tensor.WriteNPZ(f.out, keys, byKey); err != nil {
			return err
		}
	}
	var sums []outputSummary
	for _, k := range keys {
		sums = append(sums, summarize(k, byKey[k]))
	}
	if f.jsonOut {
		enc := json.NewEncoder(a.stdout)
		enc.SetIndent("", "  ")
		return enc.Encode(map[string]any{"runtime": r.Kind(), "outputs": sums, "medianSeconds": median, "runs": f.repeat})
	}
	for _, s := range sums {
		fmt.Fprintf(a.stdout, "%s: %s%v min %.6g max %.6g mean %.6g\n", s.Name, s.DType, s.Shape, s.Min, s.Max, s.Mean)
	}
	if f.repeat > 1 {
		fmt.Fprintf(a.stdout, "median %.3f ms per run over %d runs (%s runtime)\n", median*1e3, f.repeat, r.Kind())
	}
	if f.out != "" && !a.quiet {
		fmt.Fprintf(a.stdout, "wrote %s\n", f.out)
	}
	return nil
}

func summarize(name string, t *tensor.Tensor) outputSummary {
	s := outputSummary{Name: name}
	if t == nil {
		return s
	}
	s.DType = t.DType.String()
	s.Shape = t.Shape
	if f, ok := t.Data.([]float32); ok && len(f) > 0 && t.DType == tensor.Float32 {
		// In place: a long prefill's logits are hundreds of MB, and a
		// float64 copy would double them.
		s.Min, s.Max = math.Inf(1), math.Inf(-1)
		sum := 0.0
		for _, v32 := range f {
			v := float64(v32)
			s.Min = math.Min(s.Min, v)
			s.Max = math.Max(s.Max, v)
			sum += v
		}
		s.Mean = sum / float64(len(f))
		return s
	}
	vals, ok := asFloat64s(t)
	if !ok || len(vals) == 0 {
		return s
	}
	s.Min, s.Max = math.Inf(1), math.Inf(-1)
	sum := 0.0
	for _, v := range vals {
		s.Min = math.Min(s.Min, v)
		s.Max = math.Max(s.Max, v)
		sum += v
	}
	s.Mean = sum / float64(len(vals))
	return s
}
