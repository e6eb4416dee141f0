package main

import (
	"encoding/json"
	"errors"
	"fmt"
	"path/filepath"
	"sort"
	"strings"

	"github.com/webnn-graph/webnn-graph/internal/bytesize"
	"github.com/webnn-graph/webnn-graph/internal/textsafe"

	"github.com/spf13/cobra"

	"github.com/webnn-graph/webnn-graph/emit"
	"github.com/webnn-graph/webnn-graph/graph"
	"github.com/webnn-graph/webnn-graph/internal/checked"
	"github.com/webnn-graph/webnn-graph/onnxpb"
	"github.com/webnn-graph/webnn-graph/target"
	"github.com/webnn-graph/webnn-graph/tensor"
)

func (a *app) validateCommand() *cobra.Command {
	var weightsPath, manifestPath, targetName string
	cmd := &cobra.Command{
		Use:   "validate GRAPH.webnn|GRAPH.json",
		Short: "Check a WebNN graph: syntax, names, op arity, const sizes against its weights",
		Long: `Parse a graph (text or JSON form) and check it: every operand defined before use, unique
names, known WebNN op names with their input counts, dynamic dimensions only on inputs, and
every @weights constant present in the manifest with the byte size its shape and type need,
inside the weights file. The weights are found beside the graph (model.weights and
manifest.json, or <stem>.weights and <stem>.manifest.json) unless given.

These are the rules of the format, the ones 'run' applies too. --target NAME also checks
what that loader reads (` + strings.Join(target.Names(), ", ") + `): its op set, the dynamic size
expressions it evaluates (rustnn-0.5: NAME, NAME + K, NAME - K), its data types.`,
		Args: exactArgs(1, "one graph path"),
		RunE: func(cmd *cobra.Command, args []string) error {
			var tg *target.Target
			if targetName != "" {
				var err error
				if tg, err = target.Lookup(targetName); err != nil {
					return usagef("--target: %v", err)
				}
			}
			l, err := a.loadGraph(args[0], weightsPath, manifestPath, true)
			if err != nil {
				return err
			}
			defer l.Close()
			g, store := l.g, l.store
			var sizes graph.WeightSizes
			if store != nil {
				sizes = store
			}
			if err := graph.Validate(g, sizes); err != nil {
				var ve *graph.ValidationError
				if errors.As(err, &ve) && len(ve.Problems) > 1 {
					for _, p := range ve.Problems {
						a.log.Error(textsafe.Text(p))
					}
				}
				return err
			}
			if tg != nil {
				if problems := tg.Check(g); len(problems) > 0 {
					for _, p := range problems[1:] {
						a.log.Error(textsafe.Text(p))
					}
					more := ""
					if len(problems) > 1 {
						more = fmt.Sprintf(" (and %d more problems)", len(problems)-1)
					}
					return fmt.Errorf("validate --target %s: %s%s", tg.Name, problems[0], more)
				}
			}
			if !a.quiet {
				w := "no weights needed"
				if store != nil {
					w = "weights checked"
				}
				if tg != nil {
					w += "; target " + tg.Name
				}
				fmt.Fprintf(a.stdout, "%s: ok (%d inputs, %d consts, %d nodes, %d outputs; %s)\n",
					args[0], len(g.Inputs), len(g.Consts), len(g.Nodes), len(g.Outputs), w)
			}
			return nil
		},
	}
	cmd.Flags().StringVar(&weightsPath, "weights", "", "weights file (default: found beside the graph)")
	cmd.Flags().StringVar(&manifestPath, "manifest", "", "manifest file (default: found beside the graph)")
	cmd.Flags().StringVar(&targetName, "target", "", "also check what this loader reads: "+strings.Join(target.Names(), ", "))
	return cmd
}

func hasWeightRefs(g *graph.Graph) bool {
	for _, c := range g.Consts {
		if c.Kind == graph.ConstWeights {
			return true
		}
	}
	return false
}

type inspectReport struct {
	Path        string           `json:"path"`
	Kind        string           `json:"kind"` // "onnx" or "webnn"
	IRVersion   int64            `json:"irVersion,omitempty"`
	Opsets      map[string]int64 `json:"opsets,omitempty"`
	Producer    string           `json:"producer,omitempty"`
	Inputs      []ioReport       `json:"inputs"`
	Outputs     []ioReport       `json:"outputs"`
	Nodes       int              `json:"nodes"`
	Ops         map[string]int   `json:"ops"`
	Weights     int              `json:"weights"`
	WeightBytes int64            `json:"weightBytes"`
	External    bool             `json:"externalData,omitempty"`
}

type ioReport struct {
	Name  string   `json:"name"`
	DType string   `json:"dataType"`
	Shape []string `json:"shape"`
}

func (a *app) inspectCommand() *cobra.Command {
	var jsonOut bool
	cmd := &cobra.Command{
		Use:   "inspect MODEL.onnx|GRAPH.webnn|GRAPH.json",
		Short: "Show inputs, outputs, op histogram, weight bytes and opsets of a model or graph",
		Long: `Show a model's or graph's inputs and outputs with their dimensions, the histogram of its
operators, the number and size of its weights and (ONNX) its IR version and opsets. Weights are
never read, so inspecting a large model with external data is fast.`,
		Args: exactArgs(1, "one model or graph path"),
		RunE: func(cmd *cobra.Command, args []string) error {
			var rep *inspectReport
			var err error
			if strings.EqualFold(filepath.Ext(args[0]), ".onnx") {
				rep, err = inspectONNX(args[0])
			} else {
				rep, err = inspectGraph(args[0])
			}
			if err != nil {
				return err
			}
			if jsonOut {
				enc := json.NewEncoder(a.stdout)
				enc.SetIndent("", "  ")
				return enc.Encode(rep)
			}
			a.printInspect(rep)
			return nil
		},
	}
	cmd.Flags().BoolVar(&jsonOut, "json", false, "print JSON")
	return cmd
}

func inspectONNX(path string) (*inspectReport, error) {
	m, err := onnxpb.Load(path)
	if err != nil {
		return nil, err
	}
	defer m.Close()
	g := m.Graph()
	rep := &inspectReport{Path: path, Kind: "onnx", IRVersion: m.Proto.GetIrVersion(), Opsets: m.Opsets,
		Producer: strings.TrimSpace(m.Proto.GetProducerName() + " " + m.Proto.GetProducerVersion()),
		Nodes:    len(g.GetNode()), Ops: map[string]int{}}
	inits := map[string]bool{}
	for _, t := range g.GetInitializer() {
		inits[t.GetName()] = true
		rep.Weights++
		n, ok := checked.Product(t.GetDims())
		for _, d := range t.GetDims() {
			ok = ok && d >= 0
		}
		dt := tensor.DType(t.GetDataType())
		b, okb := n/2+n%2, true
		if dt != tensor.Int4 && dt != tensor.Uint4 {
			b, okb = checked.Mul(n, int64(dt.Size()))
		}
		if ok = ok && okb; ok {
			rep.WeightBytes, ok = checked.Add(rep.WeightBytes, b)
		}
		if !ok {
			return nil, fmt.Errorf("onnx: %s: initializer %q: shape %v: its byte size overflows int64 or is negative", path, t.GetName(), t.GetDims())
		}
		if t.GetDataLocation() == onnxpb.TensorProto_EXTERNAL {
			rep.External = true
		}
	}
	for _, n := range g.GetNode() {
		op := n.GetOpType()
		if d := n.GetDomain(); d != "" && d != "ai.onnx" {
			op = d + "." + op
		}
		rep.Ops[op]++
	}
	vi := func(v *onnxpb.ValueInfoProto) ioReport {
		r := ioReport{Name: v.GetName()}
		dt, dims, ok := onnxpb.ValueType(v)
		if !ok {
			r.DType = "?"
			return r
		}
		r.DType = dt.String()
		for _, d := range dims {
			switch {
			case d.Param != "":
				r.Shape = append(r.Shape, d.Param)
			case d.Known:
				r.Shape = append(r.Shape, fmt.Sprint(d.Value))
			default:
				r.Shape = append(r.Shape, "?")
			}
		}
		return r
	}
	for _, in := range g.GetInput() {
		if !inits[in.GetName()] {
			rep.Inputs = append(rep.Inputs, vi(in))
		}
	}
	for _, o := range g.GetOutput() {
		rep.Outputs = append(rep.Outputs, vi(o))
	}
	return rep, nil
}

func inspectGraph(arg string) (*inspectReport, error) {
	path, src, err := readGraphArg(arg)
	if err != nil {
		return nil, err
	}
	g, err := emit.ParseGraphFile(path, src)
	if err != nil {
		return nil, err
	}
	rep := &inspectReport{Path: path, Kind: "webnn", Nodes: len(g.Nodes), Ops: opHistogram(g)}
	for _, c := range g.Consts {
		rep.Weights++
		b := c.Desc.ByteLength()
		ok := b >= 0
		if ok {
			rep.WeightBytes, ok = checked.Add(rep.WeightBytes, b)
		}
		if !ok {
			return nil, fmt.Errorf("%s: const %q: shape %s: its byte size overflows int64", path, c.Name, c.Desc)
		}
	}
	for _, in := range g.Inputs {
		r := ioReport{Name: in.Name, DType: in.Desc.DType.String()}
		for _, d := range in.Desc.Shape {
			if d.IsDynamic() {
				r.Shape = append(r.Shape, fmt.Sprintf("%s≤%d", d.Name, d.MaxSize))
			} else {
				r.Shape = append(r.Shape, fmt.Sprint(d.Size))
			}
		}
		rep.Inputs = append(rep.Inputs, r)
	}
	for _, o := range g.Outputs {
		rep.Outputs = append(rep.Outputs, ioReport{Name: o.Name})
	}
	return rep, nil
}

func (a *app) printInspect(r *inspectReport) {
	w := a.stdout
	fmt.Fprintf(w, "%s (%s)\n", r.Path, r.Kind)
	if r.Kind == "onnx" {
		var ops []string
		for d, v := range r.Opsets {
			if d == "" {
				d = "ai.onnx"
			}
			ops = append(ops, fmt.Sprintf("%s %d", d, v))
		}
		sort.Strings(ops)
		fmt.Fprintf(w, "IR version %d, opsets: %s", r.IRVersion, strings.Join(ops, ", "))
		if r.Producer != "" {
			fmt.Fprintf(w, ", producer: %s", r.Producer)
		}
		fmt.Fprintln(w)
	}
	fmt.Fprintf(w, "inputs:\n")
	for _, in := range r.Inputs {
		fmt.Fprintf(w, "  %s: %s[%s]\n", in.Name, in.DType, strings.Join(in.Shape, ", "))
	}
	fmt.Fprintf(w, "outputs:\n")
	for _, o := range r.Outputs {
		if o.DType != "" {
			fmt.Fprintf(w, "  %s: %s[%s]\n", o.Name, o.DType, strings.Join(o.Shape, ", "))
		} else {
			fmt.Fprintf(w, "  %s\n", o.Name)
		}
	}
	ext := ""
	if r.External {
		ext = " (external data)"
	}
	fmt.Fprintf(w, "%d nodes, %d weights, %s%s\n", r.Nodes, r.Weights, bytesize.Format(r.WeightBytes), ext)
	fmt.Fprintf(w, "ops: %s\n", formatHistogram(r.Ops))
}
