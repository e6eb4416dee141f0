package main

import (
	"encoding/json"
	"fmt"
	"path/filepath"
	"sort"
	"strconv"
	"strings"
	"time"

	"github.com/webnn-graph/webnn-graph/internal/bytesize"
	"github.com/webnn-graph/webnn-graph/internal/textsafe"

	"github.com/spf13/cobra"

	"github.com/webnn-graph/webnn-graph/emit"
	"github.com/webnn-graph/webnn-graph/graph"
	"github.com/webnn-graph/webnn-graph/internal/crashpoint"
	"github.com/webnn-graph/webnn-graph/lower"
	"github.com/webnn-graph/webnn-graph/onnxpb"
	"github.com/webnn-graph/webnn-graph/shapeinfer"
	"github.com/webnn-graph/webnn-graph/target"
	"github.com/webnn-graph/webnn-graph/weights"
)

type convertFlags struct {
	out       string
	dims      []string
	freeze    []string
	name      string
	jsonOut   bool
	withJSON  bool
	wformat   string
	precision string
	target    string
	pins      []string
	dimsFile  string
}

func (a *app) convertCommand() *cobra.Command {
	f := &convertFlags{}
	cmd := &cobra.Command{
		Use:   "convert MODEL.onnx",
		Short: "Convert an ONNX model to model.webnn + model.weights + manifest.json",
		Long: `Convert an ONNX model into a WebNN graph directory:

  DIR/model.webnn    the graph in the webnn-graph text format
  DIR/model.weights  the constants (WGWT header, 64-byte aligned tensors)
  DIR/manifest.json  where each constant lies in model.weights

DIR defaults to ./<model stem>-webnn/. All files are written under temporary names and
renamed at the end, so a failed conversion leaves nothing behind.

Dynamic input dimensions (dim_param in the ONNX model, e.g. batch_size) stay dynamic with an
upper bound: --dim name=max sets it (or name=min..max); otherwise a default per common name
applies (see 'Dimension bounds' in README.md), and the report always prints the bounds used.
--freeze name=value makes a dimension static. --dims-file FILE gives both in JSON: name → value
(frozen) or name → {"min": N, "max": M}, or ONNX Runtime's {"freeDimensionOverrides": {…}};
flags win over the file, and the file over the model's own metadata_props ("webnn-graph:dims",
"freeDimensionOverrides"). A name is a dim_param as written ("encoder_sequence_length / 2"),
or <input>_dim<axis> — the name every anonymous dim ("?", "unk__3", none) gets.

Dims the graph pins (a kv_cache_dim that must equal the head size, a mask length that is
past_sequence_length + sequence_length) are not free: the report lists them with the node
that fixes them.

--target names the loader the graph is for. Without it, rustnn-0.5; a model refused for it
only because rustnn cannot evaluate a size expression is converted for webnn instead, with a
warning naming the expression and the --freeze that makes a graph both load. With it, no
fallback:
  rustnn-0.5  pywebnn / rustnn 0.5.12: normalisations decomposed, dynamic sizes only as
              NAME, NAME + K or NAME - K (others are refused with the --freeze that fixes
              them), loader bugs routed around
  webnn       the W3C WebNN API in browsers (through emit-js): layerNormalization and
              batchNormalization kept, int64 declared as int32, any size expression
See docs/formats.md, "Targets".`,
		Args: exactArgs(1, "one ONNX model path"),
		RunE: func(cmd *cobra.Command, args []string) error { return a.convert(args[0], f) },
	}
	cmd.Flags().StringVarP(&f.out, "out", "o", "", "output directory (default ./<model stem>-webnn)")
	cmd.Flags().StringArrayVar(&f.dims, "dim", nil, "bound a dynamic dimension: name=max or name=min..max (repeatable)")
	cmd.Flags().StringArrayVar(&f.freeze, "freeze", nil, "make a dynamic dimension static: name=value (repeatable)")
	cmd.Flags().StringVar(&f.name, "name", "", "graph name in the header (default: model stem)")
	cmd.Flags().BoolVar(&f.jsonOut, "json", false, "print the conversion report as JSON on stdout")
	cmd.Flags().BoolVar(&f.withJSON, "emit-json", false, "also write DIR/model.json (the webnn-graph-json form)")
	cmd.Flags().StringVar(&f.wformat, "weights-format", "webnn", "webnn: model.weights + manifest.json; safetensors: model.safetensors (rustnn's newer loaders, pywebnn)")
	cmd.Flags().Var((*precisionFlag)(&f.precision), "precision", "float16: compute a float32 model in float16 (inputs and outputs stay float32)")
	cmd.Flags().StringArrayVar(&f.pins, "freeze-input", nil, "pin a small graph input to a value and remove it: name=v or name=v1,v2,… (repeatable); what depends on it folds, If branches included")
	cmd.Flags().StringVar(&f.target, "target", "", "loader the graph is for: "+strings.Join(target.Names(), ", ")+" (default "+target.Default.Name+")")
	cmd.Flags().StringVar(&f.dimsFile, "dims-file", "", "dim settings as JSON: name → value or {\"min\":N,\"max\":M}, or {\"freeDimensionOverrides\": {…}}")
	return cmd
}

// parseBounds reads name=max / name=min..max bound flags; flag is the
// flag's name as the user wrote it (convert's --dim, verify's and
// generate's --bound), so a usage error names the flag given.
func parseBounds(flag string, flags []string) (shapeinfer.Bounds, error) {
	b := shapeinfer.Bounds{}
	for _, f := range flags {
		name, val, ok := strings.Cut(f, "=")
		if !ok || name == "" {
			return nil, usagef("%s %q: want name=max or name=min..max", flag, f)
		}
		lo, hi := int64(0), int64(0)
		var err error
		if l, h, isRange := strings.Cut(val, ".."); isRange {
			if lo, err = strconv.ParseInt(l, 10, 64); err == nil {
				hi, err = strconv.ParseInt(h, 10, 64)
			}
		} else {
			hi, err = strconv.ParseInt(val, 10, 64)
		}
		if err != nil || lo < 0 || hi < 1 || lo > hi {
			return nil, usagef("%s %q: bounds must be integers with 0 <= min <= max and max >= 1", flag, f)
		}
		if hi > graph.MaxDim {
			return nil, usagef("%s %q: %d is above WebNN's largest dimension %d", flag, f, hi, int64(graph.MaxDim))
		}
		if _, dup := b[name]; dup {
			return nil, usagef("%s %q: %s is given twice", flag, f, name) // which one was meant?
		}
		b[name] = shapeinfer.Bound{Min: lo, Max: hi}
	}
	return b, nil
}

// parseAssignments reads name=value flags (--freeze, verify's --dim).
func parseAssignments(flag string, flags []string) (map[string]int64, error) {
	m := map[string]int64{}
	for _, f := range flags {
		name, val, ok := strings.Cut(f, "=")
		v, err := strconv.ParseInt(val, 10, 64)
		if !ok || name == "" || err != nil || v < 0 {
			return nil, usagef("%s %q: want name=value with a non-negative integer value", flag, f)
		}
		if _, dup := m[name]; dup {
			return nil, usagef("%s %q: %s is given twice", flag, f, name)
		}
		m[name] = v
	}
	return m, nil
}

// parseInputPins reads --freeze-input name=value flags; the value is
// checked against the input's type and shape by the conversion.
func parseInputPins(flags []string) (map[string]string, error) {
	m := map[string]string{}
	for _, f := range flags {
		name, val, ok := strings.Cut(f, "=")
		if !ok || name == "" || strings.TrimSpace(val) == "" {
			return nil, usagef("--freeze-input %q: want name=value or name=v1,v2,…", f)
		}
		if _, dup := m[name]; dup {
			return nil, usagef("--freeze-input %q: %s is given twice", f, name)
		}
		m[name] = val
	}
	return m, nil
}

// convertReport is what convert prints (as text, or JSON with --json).
type convertReport struct {
	Model       string             `json:"model"`
	Target      string             `json:"target"`
	TargetNote  string             `json:"targetNote,omitempty"` // why Target is not the one asked for
	OutDir      string             `json:"outDir"`
	Files       []string           `json:"files"`
	Inputs      []operandReport    `json:"inputs"`
	Outputs     []string           `json:"outputs"`
	Dims        []dimReport        `json:"dims"`
	Fixed       []fixedDimReport   `json:"fixedDims,omitempty"`
	Needs       []fixedDimReport   `json:"dimConstraints,omitempty"`
	UnusedDims  []string           `json:"unusedDims,omitempty"`
	Nodes       int                `json:"nodes"`
	Ops         map[string]int     `json:"ops"`
	Consts      int                `json:"consts"`
	WeightBytes int64              `json:"weightBytes"`
	Seconds     float64            `json:"seconds"`
	Warnings    []string           `json:"warnings,omitempty"`
	Stages      map[string]float64 `json:"stageSeconds"`
}

type operandReport struct {
	Name string `json:"name"`
	ONNX string `json:"onnxName,omitempty"`
	Type string `json:"type"`
}

type dimReport struct {
	Name   string `json:"name"`
	Min    int64  `json:"min"`
	Max    int64  `json:"max"`
	Source string `json:"source"`           // "--dim" (verify/generate: "--bound"), "dims file", "model metadata", "default", "model limit" or "derived"
	Reason string `json:"reason,omitempty"` // why a default was lowered to a model limit
	// Required says which node requires the dim's minimum ("N ≥ 320
	// (required by node "stft" (Conv): …)"), when the graph does.
	Required string `json:"required,omitempty"`
	// Value is the expression over the free dims a derived dim stands for.
	Value string `json:"value,omitempty"`
	// Declared says how an input declares a dim without a plain name:
	// `anonymous "?" (input "x" dim 2)`, `label "encoder_sequence_length / 2"`.
	Declared string `json:"declared,omitempty"`
}

// fixedDimReport is a dim the graph (or a setting) makes static or
// relates to others.
type fixedDimReport struct {
	Name  string `json:"name"`
	Value string `json:"value"`
	By    string `json:"fixedBy"`
}

// convertModel loads and lowers an ONNX model in memory, timing both.
// chosen says --target was given (see lowerForTarget); the target used
// and why it differs from the one asked for come back in res's place.
func (a *app) convertModel(path string, opts lower.Options, chosen bool, stages map[string]float64) (*onnxpb.Model, *lower.Result, *target.Target, string, error) {
	t0 := time.Now()
	m, err := a.loadONNX(path)
	if err != nil {
		return nil, nil, nil, "", err
	}
	stages["load"] = time.Since(t0).Seconds()
	a.log.Debug("loaded", "model", path, "nodes", len(m.Graph().GetNode()), "seconds", stages["load"])
	if opts.Name == "" {
		opts.Name = strings.TrimSuffix(filepath.Base(path), filepath.Ext(path))
	}
	t1 := time.Now()
	res, tg, note, err := lowerForTarget(m, opts, chosen)
	if err != nil {
		m.Close()
		return nil, nil, nil, "", err
	}
	stages["lower"] = time.Since(t1).Seconds()
	a.log.Debug("lowered", "nodes", len(res.Graph.Nodes), "seconds", stages["lower"])
	return m, res, tg, note, nil
}

func (a *app) convert(path string, f *convertFlags) error {
	start := time.Now()
	bounds, freeze, sources, err := dimSettings("--dim", f.dims, f.freeze, f.dimsFile)
	if err != nil {
		return err
	}
	tg, err := target.Lookup(f.target)
	if err != nil {
		return usagef("--target: %v", err)
	}
	if f.wformat != "webnn" && f.wformat != "safetensors" && f.wformat != "" {
		return usagef("--weights-format %q: want webnn or safetensors", f.wformat)
	}
	pins, err := parseInputPins(f.pins)
	if err != nil {
		return err
	}
	stages := map[string]float64{}
	prog := newProgress(a, "convert")
	prog.stage("loading " + filepath.Base(path))
	m, res, tg, targetNote, err := a.convertModel(path, lower.Options{Dims: bounds, Freeze: freeze, Sources: sources, FreezeInputs: pins, Name: f.name, Precision: f.precision, Target: tg, AllowNewerOpset: a.allowNewerOpset}, f.target != "", stages)
	if err != nil {
		prog.done()
		return err
	}
	defer m.Close()

	sizes := weightSizes{}
	var total int64
	for _, w := range res.Weights {
		sizes[w.Key] = w.Desc.ByteLength()
		total += w.Desc.ByteLength()
	}
	t2 := time.Now()
	if err := graph.Validate(res.Graph, sizes); err != nil {
		prog.done()
		return fmt.Errorf("convert: the converted graph does not validate (a bug in webnn-graph): %w", err)
	}
	text, err := emit.PrintText(res.Graph)
	if err != nil {
		prog.done()
		return fmt.Errorf("convert: printing the graph: %w", err)
	}
	var jsonText []byte
	if f.withJSON {
		if jsonText, err = emit.PrintJSON(res.Graph); err != nil {
			prog.done()
			return fmt.Errorf("convert: printing the JSON graph: %w", err)
		}
	}
	stages["emit"] = time.Since(t2).Seconds()

	outDir := f.out
	if outDir == "" {
		outDir = strings.TrimSuffix(filepath.Base(path), filepath.Ext(path)) + "-webnn"
	}
	t3 := time.Now()
	files := []outFile{
		{name: "model.webnn", data: text},
	}
	if f.withJSON {
		files = append(files, outFile{name: "model.json", data: jsonText})
	}
	var written []string
	switch f.wformat {
	case "safetensors":
		ts := make([]weights.Tensor, len(res.Weights))
		for i, wt := range res.Weights {
			ts[i] = weights.Tensor{Key: wt.Key, Desc: wt.Desc, Data: wt.Data}
		}
		written, err = writeGraphDirSafetensors(outDir, files, res.Names, onnxTypes(m, res.Graph, res.Names), res.Graph, ts)
	case "webnn", "":
		written, err = writeGraphDir(outDir, files, res.Names, onnxTypes(m, res.Graph, res.Names), res.Graph, func(w *weights.Writer) error {
			// Weights stored unchanged in the model's files are copied
			// file to file by the kernel, as cp does.
			w.CopyFrom(m)
			var done int64
			for i, wt := range res.Weights {
				if i == len(res.Weights)/2 {
					crashpoint.At("weights-half")
				}
				data, err := wt.Data()
				if err != nil {
					return fmt.Errorf("convert: reading weight %q: %w", wt.Key, err)
				}
				// Pieces of the mapped source are dropped as soon as they
				// are written (and once more whole, for the pages the
				// pieces' edges split), so peak RSS stays near a few MiB of
				// weights instead of the largest tensor.
				if err := w.AddReleasing(wt.Key, wt.Desc, data, m.ReleasePages); err != nil {
					return fmt.Errorf("convert: writing weight %q: %w", wt.Key, err)
				}
				m.ReleasePages(data)
				done += int64(len(data))
				prog.bytes("writing weights", done, total)
			}
			return nil
		})
	}
	prog.done()
	if err != nil {
		return err
	}
	stages["write"] = time.Since(t3).Seconds()

	rep := convertReport{
		Model: path, Target: tg.Name, OutDir: outDir, Files: written,
		Nodes: len(res.Graph.Nodes), Ops: opHistogram(res.Graph), Consts: len(res.Graph.Consts),
		WeightBytes: total, Seconds: time.Since(start).Seconds(), Stages: stages,
	}
	for _, in := range res.Graph.Inputs {
		rep.Inputs = append(rep.Inputs, operandReport{Name: in.Name, ONNX: res.Names[in.Name], Type: in.Desc.String()})
	}
	for _, o := range res.Graph.Outputs {
		rep.Outputs = append(rep.Outputs, o.Name)
	}
	rep.Dims, rep.Fixed = dimReports(res)
	for _, e := range res.Constraints {
		rep.Needs = append(rep.Needs, fixedDimReport{Name: e.A.String(), Value: e.B.String(), By: fmt.Sprintf("node %q (%s)", e.Node, e.OpType)})
	}
	rep.UnusedDims = res.UnusedDims
	rep.Warnings = res.Warnings
	rep.TargetNote = targetNote // also the first of res.Warnings
	for _, u := range res.UnusedDims {
		rep.Warnings = append(rep.Warnings, fmt.Sprintf("%s %q names no dim of the model's inputs", sourceOf(res.Sources, u), u))
	}
	if f.jsonOut {
		enc := json.NewEncoder(a.stdout)
		enc.SetIndent("", "  ")
		return enc.Encode(rep)
	}
	a.printConvertReport(rep)
	return nil
}

func sourceOf(sources map[string]string, name string) string {
	if s, ok := sources[name]; ok {
		return s
	}
	return "--dim"
}

// dimReports lists the dynamic dims of the converted graph (free ones
// with their bounds, derived ones with their expression) and the dims
// made static or related by the graph or by a setting.
func dimReports(res *lower.Result) ([]dimReport, []fixedDimReport) {
	limits := map[string]lower.TightenedBound{}
	for _, t := range res.Tightened {
		limits[t.Name] = t
	}
	declared := map[string]string{}
	for _, in := range sortedNames(res.Inputs) {
		for i, d := range res.Inputs[in] {
			if _, seen := declared[d.Name]; seen || d.Name == "" {
				continue
			}
			switch d.Kind {
			case shapeinfer.DimAnonymous:
				if d.Param == "" {
					declared[d.Name] = fmt.Sprintf("anonymous (input %q dim %d)", in, i)
				} else {
					declared[d.Name] = fmt.Sprintf("anonymous %q (input %q dim %d)", d.Param, in, i)
				}
			case shapeinfer.DimOpaque:
				declared[d.Name] = fmt.Sprintf("label %q (input %q dim %d)", d.Param, in, i)
			case shapeinfer.DimExpression:
				declared[d.Name] = fmt.Sprintf("%q (input %q dim %d)", d.Param, in, i)
			}
		}
	}
	mins := map[string]shapeinfer.DerivedMin{}
	for _, d := range res.Minimums {
		mins[d.Name] = d
	}
	var out []dimReport
	for name, b := range res.Bounds {
		r := dimReport{Name: name, Min: b.Min, Max: b.Max, Source: "default", Declared: declared[name]}
		if d, ok := mins[name]; ok {
			r.Required = d.String()
		}
		if e, ok := res.Derived[name]; ok {
			r.Source, r.Value = "derived", e.String()
		} else if s, ok := res.Sources[name]; ok {
			r.Source = s
		} else if t, ok := limits[name]; ok {
			r.Source = "model limit"
			if !strings.HasPrefix(t.Reason, "model limit: ") {
				r.Source = "derived bound"
			}
			r.Reason = fmt.Sprintf("default %d lowered to it: %s", t.Was, strings.TrimPrefix(t.Reason, "model limit: "))
		}
		out = append(out, r)
	}
	sort.Slice(out, func(i, j int) bool { return out[i].Name < out[j].Name })
	var fixed []fixedDimReport
	for _, rel := range res.Relations {
		by := fmt.Sprintf("node %q (%s)", rel.Node, rel.OpType)
		if rel.OpType == "" {
			by = rel.Node
		}
		fixed = append(fixed, fixedDimReport{Name: rel.Name, Value: rel.Value.String(), By: by})
	}
	return out, fixed
}

func sortedNames[V any](m map[string]V) []string {
	out := make([]string, 0, len(m))
	for k := range m {
		out = append(out, k)
	}
	sort.Strings(out)
	return out
}

func (a *app) printConvertReport(r convertReport) {
	if a.quiet {
		return
	}
	w := a.stdout
	fmt.Fprintf(w, "converted %s → %s/ for %s in %.2fs\n", r.Model, r.OutDir, r.Target, r.Seconds)
	for _, f := range r.Files {
		fmt.Fprintf(w, "  wrote %s\n", f)
	}
	fmt.Fprintf(w, "inputs:\n")
	for _, in := range r.Inputs {
		if in.ONNX != "" && in.ONNX != in.Name {
			fmt.Fprintf(w, "  %s: %s   (ONNX %q)\n", in.Name, in.Type, in.ONNX)
		} else {
			fmt.Fprintf(w, "  %s: %s\n", in.Name, in.Type)
		}
	}
	fmt.Fprintf(w, "outputs: %s\n", strings.Join(r.Outputs, ", "))
	if len(r.Dims) > 0 {
		fmt.Fprintf(w, "dynamic dimensions:\n")
		for _, d := range r.Dims {
			hint := ""
			switch d.Source {
			case "default":
				hint = fmt.Sprintf("   (default; set with --dim %s=%s)", d.Name, map[bool]string{true: "MAX", false: "N"}[strings.EqualFold(d.Name, "N")])
				if d.Required != "" {
					hint = fmt.Sprintf("   (minimum required by the graph; set with --dim %s=MIN..MAX)", d.Name)
				}
			case "model limit", "derived bound":
				hint = fmt.Sprintf("   (%s; %s)", d.Source, d.Reason)
			case "derived":
			default:
				hint = fmt.Sprintf("   (%s)", d.Source)
			}
			if d.Declared != "" {
				hint += "   " + d.Declared
			}
			if d.Value != "" {
				fmt.Fprintf(w, "  %s = %s ≤ %d%s\n", d.Name, d.Value, d.Max, hint)
				continue
			}
			if d.Required != "" {
				fmt.Fprintf(w, "  %d ≤ %s ≤ %d%s\n      %s\n", d.Min, d.Name, d.Max, hint, d.Required)
				continue
			}
			fmt.Fprintf(w, "  %s ≤ %d%s\n", d.Name, d.Max, hint)
		}
	}
	if len(r.Needs) > 0 {
		fmt.Fprintf(w, "relations the inputs must satisfy:\n")
		for _, d := range r.Needs {
			fmt.Fprintf(w, "  %s == %s   (needed by %s)\n", d.Name, d.Value, d.By)
		}
	}
	if len(r.Fixed) > 0 {
		fmt.Fprintf(w, "dimensions the graph fixes:\n")
		for _, d := range r.Fixed {
			fmt.Fprintf(w, "  %s = %s   (fixed by %s)\n", d.Name, d.Value, d.By)
		}
	}
	fmt.Fprintf(w, "%d nodes, %d consts, %s of weights\n", r.Nodes, r.Consts, bytesize.Format(r.WeightBytes))
	fmt.Fprintf(w, "ops: %s\n", formatHistogram(r.Ops))
	for _, warn := range r.Warnings {
		a.log.Warn(textsafe.Text(warn))
	}
}

// weightSizes answers graph.WeightSizes from the lowering's weight list.
type weightSizes map[string]int64

func (s weightSizes) WeightLen(ref string) (int64, bool) {
	n, ok := s[ref]
	return n, ok
}

func opHistogram(g *graph.Graph) map[string]int {
	h := map[string]int{}
	for _, n := range g.Nodes {
		h[n.Op]++
	}
	return h
}

func formatHistogram(h map[string]int) string {
	type kv struct {
		k string
		v int
	}
	var kvs []kv
	for k, v := range h {
		kvs = append(kvs, kv{k, v})
	}
	sort.Slice(kvs, func(i, j int) bool {
		if kvs[i].v != kvs[j].v {
			return kvs[i].v > kvs[j].v
		}
		return kvs[i].k < kvs[j].k
	})
	parts := make([]string, len(kvs))
	for i, p := range kvs {
		parts[i] = fmt.Sprintf("%s×%d", p.k, p.v)
	}
	return strings.Join(parts, " ")
}
