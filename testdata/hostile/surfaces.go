package hostile

import (
	"encoding/xml"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"regexp"
	"strings"

	"google.golang.org/protobuf/proto"

	"github.com/webnn-graph/webnn-graph/onnxpb"
	"github.com/webnn-graph/webnn-graph/tensor"
)

// Rows for the surfaces that landed after the first QA pass: control flow
// resolved at conversion time (If folding, Loop/Scan unrolling,
// --freeze-input), unrolled recurrences, dim settings (--dims-file, the
// model's metadata_props, dim_param expressions), the quantized contrib
// ops, and verify's reports. Each is a tiny file asking for a huge or
// inconsistent thing; the CLI must refuse it in one line naming the node
// or the setting, within the time and memory limits.

const (
	classUnroll = "10.3 arithmetic and memory: control flow unrolled at conversion"
	classDims   = "10.3/10.4 dim settings and dim_param expressions"
	classQuant  = "10.3/10.4 quantized contrib ops"
	classReport = "10.5 names in verify's reports"
)

// WriteModelProto writes m (opsets and graph name defaulted as WriteModel
// does) to path; for rows that need metadata_props or several domains.
func WriteModelProto(path string, m *onnxpb.ModelProto) error {
	if len(m.OpsetImport) == 0 {
		m.OpsetImport = []*onnxpb.OperatorSetIdProto{{Domain: "", Version: Opset}}
	}
	if m.IrVersion == 0 {
		m.IrVersion = 8
	}
	if m.Graph.Name == "" {
		m.Graph.Name = "hostile"
	}
	b, err := proto.Marshal(m)
	if err != nil {
		return err
	}
	return os.WriteFile(filepath.Join(path), b, 0o644)
}

func attrGraph(name string, g *onnxpb.GraphProto) *onnxpb.AttributeProto {
	return &onnxpb.AttributeProto{Name: name, Type: onnxpb.AttributeProto_GRAPH, G: g}
}

func attrString(name, v string) *onnxpb.AttributeProto {
	return &onnxpb.AttributeProto{Name: name, Type: onnxpb.AttributeProto_STRING, S: []byte(v)}
}

// scalarVI is a rank-0 value of type dt.
func scalarVI(name string, dt tensor.DType) *onnxpb.ValueInfoProto { return VI(name, dt) }

// loopBody is a Loop body carrying one float32[1] value v through n Add
// nodes (v + v each), or, when inner is set, through that node (which
// reads "v_in" and writes "v_out") instead.
func loopBody(n int, inner *onnxpb.NodeProto) *onnxpb.GraphProto {
	g := &onnxpb.GraphProto{
		Name:   "body",
		Input:  []*onnxpb.ValueInfoProto{scalarVI("i", tensor.Int64), scalarVI("c", tensor.Bool), VI("v_in", tensor.Float32, 1)},
		Output: []*onnxpb.ValueInfoProto{scalarVI("c_out", tensor.Bool), VI("v_out", tensor.Float32, 1)},
	}
	g.Node = append(g.Node, Node("Identity", []string{"c"}, []string{"c_out"}))
	if inner != nil {
		g.Node = append(g.Node, inner)
		return g
	}
	prev := "v_in"
	for k := 0; k < n; k++ {
		out := fmt.Sprintf("a%d", k)
		if k == n-1 {
			out = "v_out"
		}
		g.Node = append(g.Node, Node("Add", []string{prev, prev}, []string{out}))
		prev = out
	}
	return g
}

// loopNode is a Loop of trip count input "M" over body, carrying in → out.
func loopNode(name, in, out string, body *onnxpb.GraphProto) *onnxpb.NodeProto {
	n := Node("Loop", []string{"M", "", in}, []string{out}, attrGraph("body", body))
	n.Name = name
	return n
}

// loopModel writes dir/model.onnx: y = the loops given over x float32[1],
// with M (int64 scalar) = trips; the nodes read x and the last writes y.
func loopModel(dir string, trips int64, nodes ...*onnxpb.NodeProto) error {
	g := &onnxpb.GraphProto{
		Node:        nodes,
		Input:       []*onnxpb.ValueInfoProto{VI("x", tensor.Float32, 1)},
		Output:      []*onnxpb.ValueInfoProto{VI("y", tensor.Float32, 1)},
		Initializer: []*onnxpb.TensorProto{Int64s("M", nil, []int64{trips})},
	}
	if err := WriteModel(filepath.Join(dir, "model.onnx"), g); err != nil {
		return err
	}
	return InputsNPZ(dir, "in.npz", map[string][]int{"x": {1}})
}

// nestedLoops is depth Loops nested in each other's bodies, each of trips
// iterations (the inner ones read M from the enclosing scope), the
// innermost over a body of leaf Add nodes.
func nestedLoops(depth, leaf int) *onnxpb.NodeProto {
	var n *onnxpb.NodeProto
	for d := depth - 1; d >= 0; d-- {
		var body *onnxpb.GraphProto
		if n == nil {
			body = loopBody(leaf, nil)
		} else {
			body = loopBody(0, n)
		}
		in, out := "v_in", "v_out"
		if d == 0 {
			in, out = "x", "y"
		}
		n = loopNode(fmt.Sprintf("loop%d", d), in, out, body)
	}
	return n
}

// ifChain is depth Ifs nested in each other's then_branch, the condition a
// constant true in the main graph, the innermost branch y = x.
func ifChain(depth int) *onnxpb.NodeProto {
	var n *onnxpb.NodeProto
	for d := depth - 1; d >= 0; d-- {
		out := "r"
		if d == 0 {
			out = "y"
		}
		then := &onnxpb.GraphProto{Name: "then", Output: []*onnxpb.ValueInfoProto{VI("r", tensor.Float32, 1)}}
		if n == nil {
			then.Node = []*onnxpb.NodeProto{Node("Identity", []string{"x"}, []string{"r"})}
		} else {
			then.Node = []*onnxpb.NodeProto{n}
		}
		els := &onnxpb.GraphProto{Name: "else", Output: []*onnxpb.ValueInfoProto{VI("e", tensor.Float32, 1)},
			Node: []*onnxpb.NodeProto{Node("Neg", []string{"x"}, []string{"e"})}}
		n = Node("If", []string{"t"}, []string{out}, attrGraph("then_branch", then), attrGraph("else_branch", els))
		n.Name = fmt.Sprintf("if%d", d)
	}
	return n
}

// ifModel writes dir/model.onnx with the If node given (reading the
// constant condition t = true) defining y from x float32[1].
func ifModel(dir string, n *onnxpb.NodeProto, outType tensor.DType) error {
	g := &onnxpb.GraphProto{
		Node:        []*onnxpb.NodeProto{n},
		Input:       []*onnxpb.ValueInfoProto{VI("x", tensor.Float32, 1)},
		Output:      []*onnxpb.ValueInfoProto{VI("y", outType, 1)},
		Initializer: []*onnxpb.TensorProto{{Name: "t", DataType: int32(tensor.Bool), Int32Data: []int32{1}}},
	}
	if err := WriteModel(filepath.Join(dir, "model.onnx"), g); err != nil {
		return err
	}
	return InputsNPZ(dir, "in.npz", map[string][]int{"x": {1}})
}

// dimParamModel writes dir/model.onnx: y = Relu(x), x float32[param, 2].
func dimParamModel(param string, meta map[string]string) func(dir string) error {
	return func(dir string) error {
		g := &onnxpb.GraphProto{
			Node:   []*onnxpb.NodeProto{Node("Relu", []string{"x"}, []string{"y"})},
			Input:  []*onnxpb.ValueInfoProto{VI("x", tensor.Float32, param, 2)},
			Output: []*onnxpb.ValueInfoProto{AnyVI("y", tensor.Float32)},
		}
		m := &onnxpb.ModelProto{Graph: g}
		for k, v := range meta {
			m.MetadataProps = append(m.MetadataProps, &onnxpb.StringStringEntryProto{Key: k, Value: v})
		}
		return WriteModelProto(filepath.Join(dir, "model.onnx"), m)
	}
}

// twoInputDimModel writes dir/model.onnx: y = x + z with x float32[px]
// and z float32[pz] (so the dims unify).
func twoInputDimModel(px, pz any) func(dir string) error {
	return func(dir string) error {
		g := &onnxpb.GraphProto{
			Node:   []*onnxpb.NodeProto{Node("Add", []string{"x", "z"}, []string{"y"})},
			Input:  []*onnxpb.ValueInfoProto{VI("x", tensor.Float32, px), VI("z", tensor.Float32, pz)},
			Output: []*onnxpb.ValueInfoProto{AnyVI("y", tensor.Float32)},
		}
		return WriteModel(filepath.Join(dir, "model.onnx"), g)
	}
}

// longSum is "a0 + a1 + … + a(n-1)".
func longSum(n int) string {
	var b strings.Builder
	for i := 0; i < n; i++ {
		if i > 0 {
			b.WriteString(" + ")
		}
		fmt.Fprintf(&b, "a%d", i)
	}
	return b.String()
}

// eightDimModel writes dir/model.onnx: eight inputs a … h float32[NAME]
// (so each name is a dim) and z float32[param], y = their sum.
func eightDimModel(param string) func(dir string) error {
	return func(dir string) error {
		g := &onnxpb.GraphProto{Output: []*onnxpb.ValueInfoProto{AnyVI("y", tensor.Float32)}}
		prev := ""
		for _, n := range []string{"a", "b", "c", "d", "e", "f", "g", "h"} {
			g.Input = append(g.Input, VI(n, tensor.Float32, n))
			if prev == "" {
				prev = n
				continue
			}
			g.Node = append(g.Node, Node("Concat", []string{prev, n}, []string{"s" + n}, AttrInt("axis", 0)))
			prev = "s" + n
		}
		g.Input = append(g.Input, VI("z", tensor.Float32, param))
		g.Node = append(g.Node, Node("Concat", []string{prev, "z"}, []string{"y"}, AttrInt("axis", 0)))
		return WriteModel(filepath.Join(dir, "model.onnx"), g)
	}
}

// divChainModel writes dir/model.onnx: n = Shape(x)[0] (x float32[n]),
// then depth rounds of n = n / 3 + 1, y = ConstantOfShape(n).
func divChainModel(depth int) func(dir string) error {
	return func(dir string) error {
		g := &onnxpb.GraphProto{
			Input:       []*onnxpb.ValueInfoProto{VI("x", tensor.Float32, "n")},
			Output:      []*onnxpb.ValueInfoProto{AnyVI("y", tensor.Float32)},
			Initializer: []*onnxpb.TensorProto{Int64s("three", []int64{1}, []int64{3}), Int64s("one", []int64{1}, []int64{1})},
			Node:        []*onnxpb.NodeProto{Node("Shape", []string{"x"}, []string{"s0"})},
		}
		prev := "s0"
		for i := 0; i < depth; i++ {
			d, a := fmt.Sprintf("d%d", i), fmt.Sprintf("s%d", i+1)
			g.Node = append(g.Node, Node("Div", []string{prev, "three"}, []string{d}), Node("Add", []string{d, "one"}, []string{a}))
			prev = a
		}
		g.Node = append(g.Node, Node("ConstantOfShape", []string{prev}, []string{"c"}), Node("Add", []string{"c", "x"}, []string{"y"}))
		return WriteModel(filepath.Join(dir, "model.onnx"), g)
	}
}

func writeFile(name, content string, setup func(dir string) error) func(dir string) error {
	return func(dir string) error {
		if err := setup(dir); err != nil {
			return err
		}
		return os.WriteFile(filepath.Join(dir, name), []byte(content), 0o644)
	}
}

func init() {
	convert := []string{"convert", "{dir}/model.onnx", "-o", "{out}"}
	verify := []string{"verify", "{dir}/model.onnx"}
	with := func(base []string, more ...string) []string { return append(append([]string{}, base...), more...) }
	const unrollMsg = "unrolling limit"

	// Control flow: each Loop within the per-loop limit (256 iterations,
	// 16384 nodes), the graph they unroll to far past it.
	register(
		Case{Name: "cf-loop-nested-three-deep", Class: classUnroll,
			Setup: func(dir string) error { return loopModel(dir, 200, nestedLoops(3, 60)) },
			Args:  convert, Exit: 1, Msg: unrollMsg},
		Case{Name: "cf-loop-nested-three-deep-verify", Class: classUnroll,
			Setup: func(dir string) error { return loopModel(dir, 200, nestedLoops(3, 60)) },
			Args:  verify, Exit: 1, Msg: unrollMsg},
		Case{Name: "cf-loop-many-siblings", Class: classUnroll,
			Setup: func(dir string) error {
				var nodes []*onnxpb.NodeProto
				prev := "x"
				for k := 0; k < 300; k++ {
					out := fmt.Sprintf("l%d", k)
					if k == 299 {
						out = "y"
					}
					nodes = append(nodes, loopNode(fmt.Sprintf("loop%d", k), prev, out, loopBody(60, nil)))
					prev = out
				}
				return loopModel(dir, 250, nodes...)
			},
			Args: convert, Exit: 1, Msg: unrollMsg},
		Case{Name: "cf-loop-trip-int64-max", Class: classUnroll,
			Setup: func(dir string) error { return loopModel(dir, 1<<63-1, nestedLoops(1, 1)) },
			Args:  convert, Exit: 1, Msg: unrollMsg},
		Case{Name: "cf-loop-trip-from-frozen-dim", Class: classUnroll,
			Setup: func(dir string) error {
				g := &onnxpb.GraphProto{
					Node: []*onnxpb.NodeProto{
						Node("Shape", []string{"s"}, []string{"sh"}),
						Node("ReduceMax", []string{"sh"}, []string{"M"}, AttrInt("keepdims", 0)),
						loopNode("loop", "x", "y", loopBody(2, nil)),
					},
					Input:  []*onnxpb.ValueInfoProto{VI("x", tensor.Float32, 1), VI("s", tensor.Float32, "n")},
					Output: []*onnxpb.ValueInfoProto{VI("y", tensor.Float32, 1)},
				}
				return WriteModel(filepath.Join(dir, "model.onnx"), g)
			},
			Args: with(convert, "--freeze", "n=2147483647"), Exit: 1, Msg: unrollMsg},
		Case{Name: "cf-if-nested-deep", Class: classUnroll,
			Setup: func(dir string) error { return ifModel(dir, ifChain(3000), tensor.Float32) },
			Args:  convert, Exit: 1, Msg: "nested more than 32 deep"},
		Case{Name: "cf-if-nested-20-folds", Class: classUnroll,
			Setup: func(dir string) error { return ifModel(dir, ifChain(20), tensor.Float32) },
			Args:  convert, Exit: 0},
		Case{Name: "cf-if-branch-reads-missing-value", Class: classUnroll,
			Setup: func(dir string) error {
				then := &onnxpb.GraphProto{Name: "then", Output: []*onnxpb.ValueInfoProto{VI("r", tensor.Float32, 1)},
					Node: []*onnxpb.NodeProto{Node("Add", []string{"x", "ghost"}, []string{"r"})}}
				n := Node("If", []string{"t"}, []string{"y"}, attrGraph("then_branch", then), attrGraph("else_branch", then))
				return ifModel(dir, n, tensor.Float32)
			},
			Args: convert, Exit: 1, Msg: "ghost"},
		Case{Name: "cf-if-branch-type-differs", Class: classUnroll,
			Setup: func(dir string) error {
				then := &onnxpb.GraphProto{Name: "then", Output: []*onnxpb.ValueInfoProto{VI("r", tensor.Int64, 1)},
					Node: []*onnxpb.NodeProto{Node("Cast", []string{"x"}, []string{"r"}, AttrInt("to", int64(tensor.Int64)))}}
				els := &onnxpb.GraphProto{Name: "else", Output: []*onnxpb.ValueInfoProto{VI("e", tensor.Float32, 2)},
					Node: []*onnxpb.NodeProto{Node("Concat", []string{"x", "x"}, []string{"e"}, AttrInt("axis", 0))}}
				n := Node("If", []string{"t"}, []string{"y"}, attrGraph("then_branch", then), attrGraph("else_branch", els))
				return ifModel(dir, n, tensor.Float32)
			},
			Args: convert, Exit: 1, Msg: "then_branch and float32 in else_branch"},
		Case{Name: "graph-output-declared-type-differs", Class: classUnroll,
			Setup: func(dir string) error {
				return ifModel(dir, Node("Cast", []string{"x"}, []string{"y"}, AttrInt("to", int64(tensor.Int64))), tensor.Float32)
			},
			Args: convert, Exit: 1, Msg: "float32"},
		Case{Name: "cf-scan-long-sequence", Class: classUnroll,
			Setup: func(dir string) error {
				body := &onnxpb.GraphProto{Name: "body",
					Input:  []*onnxpb.ValueInfoProto{VI("s", tensor.Float32, 1), VI("e", tensor.Float32, 1)},
					Output: []*onnxpb.ValueInfoProto{VI("s2", tensor.Float32, 1)},
					Node:   []*onnxpb.NodeProto{Node("Add", []string{"s", "e"}, []string{"s2"})}}
				n := Node("Scan", []string{"x", "seq"}, []string{"y"}, attrGraph("body", body), AttrInt("num_scan_inputs", 1))
				g := &onnxpb.GraphProto{Node: []*onnxpb.NodeProto{n},
					Input:  []*onnxpb.ValueInfoProto{VI("x", tensor.Float32, 1), VI("seq", tensor.Float32, 1<<40, 1)},
					Output: []*onnxpb.ValueInfoProto{VI("y", tensor.Float32, 1)}}
				return WriteModel(filepath.Join(dir, "model.onnx"), g)
			},
			Args: convert, Exit: 1, Msg: "1099511627776"},
	)

	// --freeze-input: values the input's type or declared shape cannot take.
	wrapShape := func(dir string) error { // 7 × 7905747460161236407 wraps to 1 in int64
		g := &onnxpb.GraphProto{
			Node:   []*onnxpb.NodeProto{Node("Add", []string{"x", "p"}, []string{"y"})},
			Input:  []*onnxpb.ValueInfoProto{VI("x", tensor.Float32, 1), VI("p", tensor.Float32, 7, int64(7905747460161236407))},
			Output: []*onnxpb.ValueInfoProto{AnyVI("y", tensor.Float32)},
		}
		return WriteModel(filepath.Join(dir, "model.onnx"), g)
	}
	pinModel := func(dt tensor.DType, dims ...any) func(dir string) error {
		return func(dir string) error {
			g := &onnxpb.GraphProto{
				Node:   []*onnxpb.NodeProto{Node("Identity", []string{"p"}, []string{"y"})},
				Input:  []*onnxpb.ValueInfoProto{VI("p", dt, dims...)},
				Output: []*onnxpb.ValueInfoProto{AnyVI("y", dt)},
			}
			return WriteModel(filepath.Join(dir, "model.onnx"), g)
		}
	}
	register(
		Case{Name: "freeze-input-shape-product-wraps", Class: classBudget, Setup: wrapShape,
			Args: with(convert, "--freeze-input", "p=1"), Exit: 1, Msg: "overflow"},
		Case{Name: "freeze-input-shape-product-wraps-verify", Class: classBudget, Setup: wrapShape,
			Args: with(verify, "--freeze-input", "p=1"), Exit: 1, Msg: "overflow"},
		Case{Name: "static-input-shape-product-wraps-verify", Class: classBudget, Setup: wrapShape,
			Args: verify, Exit: 1, Msg: "overflow"},
		Case{Name: "static-input-shape-product-wraps-convert", Class: classBudget, Setup: wrapShape,
			Args: convert, Exit: 1, Msg: "overflow"},
		Case{Name: "freeze-input-int64-above-max", Class: classDims, Setup: pinModel(tensor.Int64, 1),
			Args: with(convert, "--freeze-input", "p=9223372036854775808"), Exit: 1, Msg: "is not an integer"},
		Case{Name: "freeze-input-float-out-of-range", Class: classDims, Setup: pinModel(tensor.Float32, 1),
			Args: with(convert, "--freeze-input", "p=1e400"), Exit: 1, Msg: "is not a number"},
		Case{Name: "freeze-input-absent-name", Class: classDims, Setup: pinModel(tensor.Float32, 1),
			Args: with(convert, "--freeze-input", "nosuch=1"), Exit: 1, Msg: "nosuch"},
		Case{Name: "freeze-input-too-many-values", Class: classDims, Setup: pinModel(tensor.Float32, "n"),
			Args: with(convert, "--freeze-input", "p="+strings.Repeat("1,", 5000)+"1"), Exit: 1, Msg: "at most"},
		Case{Name: "freeze-input-float16", Class: classDims, Setup: pinModel(tensor.Float16, 1),
			Args: with(convert, "--freeze-input", "p=1"), Exit: 1, Msg: "cannot be pinned"},
		Case{Name: "freeze-input-huge-static-shape", Class: classDims, Setup: pinModel(tensor.Float32, 1<<20, 1<<20),
			Args: with(convert, "--freeze-input", "p=1"), Exit: 1, Msg: "1 values for shape"},
	)

	// Dim settings: a dims file, metadata_props and dim_param expressions.
	dyn := DynamicModel
	register(
		Case{Name: "dims-file-deep-nesting", Class: classDims,
			Setup: writeFile("dims.json", `{"batch_size":`+strings.Repeat("[", 200000)+strings.Repeat("]", 200000)+`}`, dyn),
			Args:  with(convert, "--dims-file", "{dir}/dims.json"), Exit: 2, Msg: "--dims-file"},
		Case{Name: "dims-file-int64-max", Class: classDims,
			Setup: writeFile("dims.json", `{"batch_size": 9223372036854775807}`, dyn),
			Args:  with(convert, "--dims-file", "{dir}/dims.json"), Exit: 2, Msg: "not a size"},
		Case{Name: "dims-file-min-above-max", Class: classDims,
			Setup: writeFile("dims.json", `{"batch_size": {"min": 9, "max": 3}}`, dyn),
			Args:  with(convert, "--dims-file", "{dir}/dims.json"), Exit: 2, Msg: "min <= max"},
		Case{Name: "dims-file-too-large", Class: classDims,
			Setup: writeFile("dims.json", `{"batch_size": 1, "pad": "`+strings.Repeat("x", 3<<20)+`"}`, dyn),
			Args:  with(convert, "--dims-file", "{dir}/dims.json"), Exit: 2, Msg: "--dims-file"},
		Case{Name: "dims-file-largest-dim-verify", Class: classDims,
			Setup: writeFile("dims.json", `{"batch_size": 2147483647}`, dyn),
			Args:  with(verify, "--dims-file", "{dir}/dims.json"), Exit: 1, Msg: msgBudget},
		Case{Name: "dims-metadata-deep-nesting", Class: classDims,
			Setup: dimParamModel("batch", map[string]string{"webnn-graph:dims": `{"batch":` + strings.Repeat("[", 200000) + strings.Repeat("]", 200000) + `}`}),
			Args:  convert, Exit: 0, Msg: "(ignored)"},
		Case{Name: "dims-metadata-negative", Class: classDims,
			Setup: dimParamModel("batch", map[string]string{"freeDimensionOverrides": `{"batch": -5}`}),
			Args:  convert, Exit: 0, Msg: "(ignored)"},
		Case{Name: "dims-metadata-largest-verify", Class: classDims,
			Setup: dimParamModel("batch", map[string]string{"webnn-graph:dims": `{"batch": 2147483647}`}),
			Args:  verify, Exit: 1, Msg: msgBudget},
		Case{Name: "dim-param-deep-parentheses", Class: classDims,
			Setup: dimParamModel(strings.Repeat("(", 1<<20)+"batch"+strings.Repeat(")", 1<<20), nil),
			Args:  convert, Exit: 0},
		Case{Name: "dim-param-deep-parentheses-verify", Class: classDims,
			Setup: dimParamModel(strings.Repeat("(", 1<<20)+"batch"+strings.Repeat(")", 1<<20), nil),
			Args:  verify, Exit: 0},
		Case{Name: "dim-param-long-distinct-sum", Class: classDims,
			Setup: twoInputDimModel("n", longSum(100000)),
			Args:  convert, Exit: 0},
		Case{Name: "dim-param-long-product", Class: classDims,
			Setup: twoInputDimModel("n", strings.Repeat("n * ", 100000)+"n"),
			Args:  convert, Exit: 0},
		// short enough to be read as an expression, its normal form 10^8 terms
		Case{Name: "dim-param-product-blowup", Class: classDims,
			Setup: eightDimModel(strings.Repeat("(a+b+c+d+e+f+g+h)*", 40) + "a"),
			Args:  convert, Exit: 0},
		Case{Name: "dim-param-power-overflow", Class: classDims,
			Setup: twoInputDimModel("n", strings.Repeat("n * ", 40)+"n"),
			Args:  with(convert, "--freeze", "n=4"), Exit: 1, Msg: "overflow"},
		Case{Name: "dim-param-division-by-zero", Class: classDims,
			Setup: twoInputDimModel("n", "n // 0"),
			Args:  convert, Exit: 0},
		Case{Name: "dim-param-division-by-zero-verify", Class: classDims,
			Setup: twoInputDimModel("n", "n // 0"),
			Args:  verify, Exit: 0},
		Case{Name: "dim-param-self-reference", Class: classDims,
			Setup: twoInputDimModel("n", "n + 1"),
			Args:  convert, Exit: 1, Msg: "n"},
		Case{Name: "dim-param-freeze-expression-overflow", Class: classDims,
			Setup: twoInputDimModel("n", "n * n * n"),
			Args:  with(convert, "--freeze", "n=3000000"), Exit: 1, Msg: "overflow"},
		Case{Name: "dim-param-verify-expression-overflow", Class: classDims,
			Setup: twoInputDimModel("n", "n * n * n"),
			Args:  with(verify, "--dim", "n=3000000"), Exit: 1, Msg: "overflow"},
		// a shape value through a chain of floor divisions and additions:
		// each step nests the last (((n / 3 + 1) / 3 + 1) / 3 …)
		Case{Name: "shape-expr-deep-chain", Class: classDims, Setup: divChainModel(20000),
			Args: convert, Exit: 1, Msg: "too large"},
		Case{Name: "shape-expr-deep-chain-verify", Class: classDims, Setup: divChainModel(20000),
			Args: verify, Exit: 1, Msg: "too large"},
	)
}

// msModel writes dir/model.onnx importing com.microsoft opset 1 beside
// ai.onnx, with the graph given.
func msModel(dir string, g *onnxpb.GraphProto) error {
	return WriteModel(filepath.Join(dir, "model.onnx"), g,
		&onnxpb.OperatorSetIdProto{Domain: "", Version: Opset}, &onnxpb.OperatorSetIdProto{Domain: "com.microsoft", Version: 1})
}

func msNode(op string, in, out []string, attrs ...*onnxpb.AttributeProto) *onnxpb.NodeProto {
	n := Node(op, in, out, attrs...)
	n.Domain = "com.microsoft"
	return n
}

func uint8s(name string, dims []int64, n int) *onnxpb.TensorProto {
	return &onnxpb.TensorProto{Name: name, Dims: dims, DataType: int32(tensor.Uint8), RawData: make([]byte, n)}
}

// matMulNBits writes y = MatMulNBits(a, B) with a float32[1, k] and the
// attributes given; B is the tiny [bn, 1, 16] uint8 initializer, scales
// float32[bn].
func matMulNBits(k int64, bn int64, attrs ...*onnxpb.AttributeProto) func(dir string) error {
	return func(dir string) error {
		g := &onnxpb.GraphProto{
			Node:        []*onnxpb.NodeProto{msNode("MatMulNBits", []string{"a", "B", "scales"}, []string{"y"}, attrs...)},
			Input:       []*onnxpb.ValueInfoProto{VI("a", tensor.Float32, 1, k)},
			Output:      []*onnxpb.ValueInfoProto{AnyVI("y", tensor.Float32)},
			Initializer: []*onnxpb.TensorProto{uint8s("B", []int64{bn, 1, 16}, int(bn)*16), Floats("scales", []int64{bn}, make([]float32, bn))},
		}
		return msModel(dir, g)
	}
}

// gatherBlockQuantized writes y = GatherBlockQuantized(data, i, scales),
// data uint8[4, 16], i int64[1] (a graph input), scales float32[4, 1].
func gatherBlockQuantized(attrs ...*onnxpb.AttributeProto) func(dir string) error {
	return func(dir string) error {
		g := &onnxpb.GraphProto{
			Node:        []*onnxpb.NodeProto{msNode("GatherBlockQuantized", []string{"data", "i", "scales"}, []string{"y"}, attrs...)},
			Input:       []*onnxpb.ValueInfoProto{VI("i", tensor.Int64, 1)},
			Output:      []*onnxpb.ValueInfoProto{AnyVI("y", tensor.Float32)},
			Initializer: []*onnxpb.TensorProto{uint8s("data", []int64{4, 16}, 64), Floats("scales", []int64{4, 1}, []float32{1, 1, 1, 1})},
		}
		return msModel(dir, g)
	}
}

// qlinearAvgPool writes y = QLinearAveragePool(x uint8[1, 1, 2, 2]) with
// the attributes given.
func qlinearAvgPool(attrs ...*onnxpb.AttributeProto) func(dir string) error {
	return func(dir string) error {
		g := &onnxpb.GraphProto{
			Node:   []*onnxpb.NodeProto{msNode("QLinearAveragePool", []string{"x", "s", "z", "s", "z"}, []string{"y"}, attrs...)},
			Input:  []*onnxpb.ValueInfoProto{VI("x", tensor.Uint8, 1, 1, 2, 2)},
			Output: []*onnxpb.ValueInfoProto{AnyVI("y", tensor.Uint8)},
			Initializer: []*onnxpb.TensorProto{Floats("s", nil, []float32{0.5}),
				{Name: "z", DataType: int32(tensor.Uint8), RawData: []byte{3}}},
		}
		return msModel(dir, g)
	}
}

// lstmChain writes count LSTMs (clip set, so the recurrence is unrolled)
// chained over x float32[steps, 1, 1], hidden size 1.
func lstmChain(count int, steps int64) func(dir string) error {
	return func(dir string) error {
		g := &onnxpb.GraphProto{
			Input:  []*onnxpb.ValueInfoProto{VI("x", tensor.Float32, steps, 1, 1)},
			Output: []*onnxpb.ValueInfoProto{AnyVI("y", tensor.Float32)},
			Initializer: []*onnxpb.TensorProto{Floats("W", []int64{1, 4, 1}, []float32{1, 1, 1, 1}),
				Floats("R", []int64{1, 4, 1}, []float32{1, 1, 1, 1}), Int64s("ax", []int64{1}, []int64{1})},
		}
		prev := "x"
		for k := 0; k < count; k++ {
			yk, sk := fmt.Sprintf("y%d", k), fmt.Sprintf("s%d", k)
			if k == count-1 {
				sk = "y"
			}
			g.Node = append(g.Node, Node("LSTM", []string{prev, "W", "R"}, []string{yk}, AttrInt("hidden_size", 1), AttrFloat("clip", 5)),
				Node("Squeeze", []string{yk, "ax"}, []string{sk}))
			prev = sk
		}
		return WriteModel(filepath.Join(dir, "model.onnx"), g)
	}
}

func init() {
	convert := []string{"convert", "{dir}/model.onnx", "-o", "{out}"}
	verify := []string{"verify", "{dir}/model.onnx"}
	ai := func(name string, v int64) *onnxpb.AttributeProto { return AttrInt(name, v) }
	register(
		Case{Name: "mmnbits-attrs-past-b", Class: classQuant,
			Setup: matMulNBits(1<<20, 1, ai("K", 1<<20), ai("N", 1<<20), ai("bits", 4), ai("block_size", 32)),
			Args:  convert, Exit: 1, Msg: "MatMulNBits"},
		Case{Name: "mmnbits-attrs-past-b-verify", Class: classQuant,
			Setup: matMulNBits(1<<20, 1, ai("K", 1<<20), ai("N", 1<<20), ai("bits", 4), ai("block_size", 32)),
			Args:  verify, Exit: 1, Msg: "MatMulNBits"},
		// within the budget, B 16 bytes for a [64, 2, 16] weight
		Case{Name: "mmnbits-b-short", Class: classQuant,
			Setup: matMulNBits(64, 1, ai("K", 64), ai("N", 64), ai("bits", 4), ai("block_size", 32)),
			Args:  convert, Exit: 1, Msg: "MatMulNBits"},
		Case{Name: "mmnbits-b-short-verify", Class: classQuant,
			Setup: matMulNBits(64, 1, ai("K", 64), ai("N", 64), ai("bits", 4), ai("block_size", 32)),
			Args:  verify, Exit: 1, Msg: "MatMulNBits"},
		Case{Name: "gbq-block-size-zero-convert", Class: classQuant,
			Setup: gatherBlockQuantized(ai("block_size", 0), ai("bits", 4)),
			Args:  convert, Exit: 1, Msg: "block_size"},
		Case{Name: "gbq-block-size-huge-convert", Class: classQuant,
			Setup: gatherBlockQuantized(ai("block_size", 1<<62), ai("bits", 4)),
			Args:  convert, Exit: 1, Msg: "GatherBlockQuantized"},
		Case{Name: "gbq-block-size-huge-verify", Class: classQuant,
			Setup: gatherBlockQuantized(ai("block_size", 1<<62), ai("bits", 4)),
			Args:  verify, Exit: 1, Msg: "GatherBlockQuantized"},
		Case{Name: "mmnbits-block-size-zero", Class: classQuant,
			Setup: matMulNBits(32, 1, ai("K", 32), ai("N", 1), ai("bits", 4), ai("block_size", 0)),
			Args:  convert, Exit: 1, Msg: "block_size"},
		Case{Name: "mmnbits-block-size-zero-verify", Class: classQuant,
			Setup: matMulNBits(32, 1, ai("K", 32), ai("N", 1), ai("bits", 4), ai("block_size", 0)),
			Args:  verify, Exit: 1, Msg: "block_size"},
		Case{Name: "mmnbits-bits-3", Class: classQuant,
			Setup: matMulNBits(32, 1, ai("K", 32), ai("N", 1), ai("bits", 3), ai("block_size", 32)),
			Args:  verify, Exit: 1, Msg: "bits"},
		Case{Name: "mmnbits-block-size-overflow", Class: classQuant,
			Setup: matMulNBits(32, 1, ai("K", 1<<62), ai("N", 1), ai("bits", 4), ai("block_size", 1<<62)),
			Args:  verify, Exit: 1, Msg: "MatMulNBits"},
		Case{Name: "gbq-block-size-zero", Class: classQuant,
			Setup: gatherBlockQuantized(ai("block_size", 0), ai("bits", 4)),
			Args:  verify, Exit: 1, Msg: "block_size"},
		Case{Name: "gbq-bits-5", Class: classQuant,
			Setup: gatherBlockQuantized(ai("block_size", 32), ai("bits", 5)),
			Args:  verify, Exit: 1, Msg: "bits"},
		Case{Name: "qlinear-avgpool-kernel-product-wraps", Class: classQuant,
			Setup: qlinearAvgPool(AttrInts("kernel_shape", 1<<32, 1<<32), AttrInts("strides", 1<<32, 1<<32), AttrInts("pads", 1<<32, 1<<32, 1<<32, 1<<32)),
			Args:  convert, Exit: 1, Msg: "QLinearAveragePool"},
		Case{Name: "qlinear-avgpool-kernel-product-wraps-verify", Class: classQuant,
			Setup: qlinearAvgPool(AttrInts("kernel_shape", 1<<32, 1<<32), AttrInts("strides", 1<<32, 1<<32), AttrInts("pads", 1<<32, 1<<32, 1<<32, 1<<32)),
			Args:  verify, Exit: 1, Msg: "QLinearAveragePool"},
		Case{Name: "qlinear-avgpool-huge-kernel-verify", Class: classQuant,
			Setup: qlinearAvgPool(AttrInts("kernel_shape", 100000, 100000), AttrInts("pads", 99999, 99999, 99999, 99999)),
			Args:  verify, Exit: 1, Msg: "QLinearAveragePool"},
		Case{Name: "qlinear-avgpool-strides-zero", Class: classQuant,
			Setup: qlinearAvgPool(AttrInts("kernel_shape", 1, 1), AttrInts("strides", 0, 0)),
			Args:  verify, Exit: 1, Msg: "QLinearAveragePool"},
		Case{Name: "qlinear-avgpool-negative-kernel", Class: classQuant,
			Setup: qlinearAvgPool(AttrInts("kernel_shape", -1, -1)),
			Args:  verify, Exit: 1, Msg: "QLinearAveragePool"},

		// one recurrence at the per-node limit converts (within the time
		// and memory limits), forty of them are past the model's
		Case{Name: "rnn-unrolled-one-lstm-at-limit", Class: classUnroll, Setup: lstmChain(1, 2048),
			Args: convert, Exit: 0},
		Case{Name: "rnn-unrolled-many-lstms", Class: classUnroll, Setup: lstmChain(40, 2048),
			Args: convert, Exit: 1, Msg: "the emitted graph passes"},
		Case{Name: "rnn-unrolled-many-lstms-verify", Class: classUnroll, Setup: lstmChain(40, 2048),
			Args: verify, Exit: 1, Msg: "the emitted graph passes"},
		Case{Name: "rnn-hidden-size-past-weights", Class: classUnroll,
			Setup: func(dir string) error {
				g := &onnxpb.GraphProto{
					Node:   []*onnxpb.NodeProto{Node("LSTM", []string{"x", "W", "R"}, []string{"y"}, AttrInt("hidden_size", 1<<30), AttrFloat("clip", 5))},
					Input:  []*onnxpb.ValueInfoProto{VI("x", tensor.Float32, 4, 1, 1)},
					Output: []*onnxpb.ValueInfoProto{AnyVI("y", tensor.Float32)},
					Initializer: []*onnxpb.TensorProto{Floats("W", []int64{1, 4, 1}, []float32{1, 1, 1, 1}),
						Floats("R", []int64{1, 4, 1}, []float32{1, 1, 1, 1})},
				}
				return WriteModel(filepath.Join(dir, "model.onnx"), g)
			},
			Args: verify, Exit: 1, Msg: "LSTM"},
		Case{Name: "rnn-dqlstm-r-rank-1", Class: classUnroll,
			Setup: func(dir string) error {
				g := &onnxpb.GraphProto{
					Node:   []*onnxpb.NodeProto{msNode("DynamicQuantizeLSTM", []string{"x", "W", "R", "", "", "", "", "", "ws", "wz", "rs", "rz"}, []string{"y"})},
					Input:  []*onnxpb.ValueInfoProto{VI("x", tensor.Float32, 4, 1, 1)},
					Output: []*onnxpb.ValueInfoProto{AnyVI("y", tensor.Float32)},
					Initializer: []*onnxpb.TensorProto{
						{Name: "W", Dims: []int64{1, 1, 4}, DataType: int32(tensor.Int8), RawData: make([]byte, 4)},
						{Name: "R", Dims: []int64{4}, DataType: int32(tensor.Int8), RawData: make([]byte, 4)},
						Floats("ws", []int64{1}, []float32{1}), {Name: "wz", Dims: []int64{1}, DataType: int32(tensor.Int8), RawData: []byte{0}},
						Floats("rs", []int64{1}, []float32{1}), {Name: "rz", Dims: []int64{1}, DataType: int32(tensor.Int8), RawData: []byte{0}}},
				}
				return msModel(dir, g)
			},
			Args: verify, Exit: 1, Msg: "DynamicQuantizeLSTM"},
	)
}

// injectName is a value name that is HTML, Markdown and XML at once, and
// breaks a table row and a line.
const injectName = "<img src=x onerror=alert(1)>|**b**\n[x](javascript:alert(1))\x01]]>&amp;"

// injectModel writes dir/model.onnx: out = Relu(in) where both names are
// injectName variants, and dir/cases/<svg onload=alert(1)>.npz (a case
// whose name is HTML) feeding it.
func injectModel(dir string) error {
	in, out := "in"+injectName, "out"+injectName
	g := &onnxpb.GraphProto{
		Node:   []*onnxpb.NodeProto{Node("Relu", []string{in}, []string{out})},
		Input:  []*onnxpb.ValueInfoProto{VI(in, tensor.Float32, 4)},
		Output: []*onnxpb.ValueInfoProto{VI(out, tensor.Float32, 4)},
	}
	g.Node[0].Name = "node" + injectName
	if err := WriteModel(filepath.Join(dir, "model.onnx"), g); err != nil {
		return err
	}
	cases := filepath.Join(dir, "cases")
	if err := os.Mkdir(cases, 0o755); err != nil {
		return err
	}
	return InputsNPZ(cases, "<svg onload=alert(1)>.npz", map[string][]int{in: {4}})
}

// noMarkup checks that the report files in out hold none of the
// injected markup or control characters raw, and that no line of
// report.md starts with what followed the injected line break (a table row
// split in two, the rest rendered as Markdown).
func noMarkup(dir, out string) error {
	for _, f := range []string{"report.html", "report.md"} {
		b, err := os.ReadFile(filepath.Join(out, f))
		if err != nil {
			return err
		}
		text := string(b)
		if f == "report.md" {
			text = codeSpans.ReplaceAllString(text, "``") // literal text in Markdown
		}
		for _, bad := range []string{"<img", "<svg onload", "\x01"} {
			if strings.Contains(text, bad) {
				return fmt.Errorf("%s holds %q unescaped", f, bad)
			}
		}
		if f == "report.md" {
			for _, line := range strings.Split(text, "\n") {
				if strings.HasPrefix(line, "[x]") || strings.Contains(line, "](javascript") {
					return fmt.Errorf("report.md: a name split a line or makes a link: %q", line)
				}
			}
		}
	}
	return nil
}

var codeSpans = regexp.MustCompile("`[^`\n]*`")

// wellFormedXML checks that the file out parses as XML.
func wellFormedXML(dir, out string) error {
	b, err := os.ReadFile(out)
	if err != nil {
		return err
	}
	d := xml.NewDecoder(strings.NewReader(string(b)))
	for {
		_, err := d.Token()
		if err == io.EOF {
			return nil
		}
		if err != nil {
			return fmt.Errorf("junit XML is not well-formed: %v", err)
		}
	}
}

func init() {
	register(
		Case{Name: "verify-report-names-are-markup", Class: classReport, Setup: injectModel,
			Args: []string{"verify", "{dir}/model.onnx", "--inputs", "{dir}/cases", "--report", "{out}"},
			Exit: 0, Check: noMarkup},
		Case{Name: "verify-junit-names-are-markup", Class: classReport, Setup: injectModel,
			Args: []string{"verify", "{dir}/model.onnx", "--inputs", "{dir}/cases", "--junit", "{out}"},
			Exit: 0, Check: wellFormedXML},
	)
}

// flattenModel writes dir/model.onnx: x float32[b, s] flattened to [b·s]
// (Reshape to [-1]), then y = Gather(flat, Range(0, s)) + the Range as
// float: the size rewrites of rustnn-0.5 (a dim product, a Range over a
// dim, a gather from a flattened tensor).
func flattenModel(dir string) error {
	g := &onnxpb.GraphProto{
		Node: []*onnxpb.NodeProto{
			Node("Reshape", []string{"x", "m1"}, []string{"flat"}),
			Node("Shape", []string{"x"}, []string{"sh"}),
			Node("Gather", []string{"sh", "one"}, []string{"s"}, AttrInt("axis", 0)),
			Node("Gather", []string{"sh", "zero"}, []string{"b"}, AttrInt("axis", 0)),
			Node("Mul", []string{"b", "s"}, []string{"bs"}),
			Node("Range", []string{"zero", "bs", "one"}, []string{"r"}),
			Node("Gather", []string{"flat", "r"}, []string{"g"}, AttrInt("axis", 0)),
			Node("Cast", []string{"r"}, []string{"rf"}, AttrInt("to", int64(tensor.Float32))),
			Node("Add", []string{"g", "rf"}, []string{"y"}),
		},
		Input:  []*onnxpb.ValueInfoProto{VI("x", tensor.Float32, "b", "s")},
		Output: []*onnxpb.ValueInfoProto{AnyVI("y", tensor.Float32)},
		Initializer: []*onnxpb.TensorProto{Int64s("m1", []int64{1}, []int64{-1}),
			Int64s("one", nil, []int64{1}), Int64s("zero", nil, []int64{0})},
	}
	return WriteModel(filepath.Join(dir, "model.onnx"), g)
}

func init() {
	convert := []string{"convert", "{dir}/model.onnx", "-o", "{out}"}
	big := []string{"--dim", "b=4294967295", "--dim", "s=4294967295"}
	register(
		Case{Name: "sizes-flatten-bounds-overflow", Class: classDims, Setup: flattenModel,
			Args: append(append([]string{}, convert...), big...), Exit: 1, Msg: "b"},
		Case{Name: "sizes-flatten-bounds-overflow-webnn", Class: classDims, Setup: flattenModel,
			Args: append(append([]string{}, convert...), append(big, "--target", "webnn")...), Exit: 1, Msg: "b"},
		Case{Name: "sizes-flatten-verify-huge", Class: classDims, Setup: flattenModel,
			Args: []string{"verify", "{dir}/model.onnx", "--target", "rustnn-0.5", "--dim", "b=4294967295", "--dim", "s=4294967295"}, Exit: 1, Msg: "\"b * s\""},
	)
}

// escName drives a terminal: clear the screen, retitle the window, forge
// a line over the last one.
const escName = "\x1b[2J\x1b]0;pwned\x07\u009b31m\rPASS"

// escModel writes dir/model.onnx: y = x + w with every name (values,
// node, graph, producer) holding escName, and dir/in.npz feeding it.
func escModel(dir string) error {
	x, y, w := "x"+escName, "y"+escName, "w"+escName
	vals := make([]float32, WeightLen)
	g := &onnxpb.GraphProto{
		Name:        "g" + escName,
		Node:        []*onnxpb.NodeProto{Node("Add", []string{x, w}, []string{y})},
		Input:       []*onnxpb.ValueInfoProto{VI(x, tensor.Float32, WeightLen)},
		Output:      []*onnxpb.ValueInfoProto{VI(y, tensor.Float32, WeightLen)},
		Initializer: []*onnxpb.TensorProto{Floats(w, []int64{WeightLen}, vals)},
	}
	g.Node[0].Name = "n" + escName
	if err := WriteModelProto(filepath.Join(dir, "model.onnx"), &onnxpb.ModelProto{Graph: g, ProducerName: "p" + escName}); err != nil {
		return err
	}
	return InputsNPZ(dir, "in.npz", map[string][]int{x: {WeightLen}})
}

func init() {
	register(
		Case{Name: "names-terminal-escapes-inspect", Class: classReport, Setup: escModel,
			Args: []string{"inspect", "{dir}/model.onnx"}, Exit: 0},
		Case{Name: "names-terminal-escapes-verify", Class: classReport, Setup: escModel,
			Args: []string{"verify", "{dir}/model.onnx"}, Exit: 0},
		Case{Name: "names-terminal-escapes-run", Class: classReport, Setup: escModel,
			Args: []string{"run", "{dir}/model.onnx", "--inputs", "{dir}/in.npz"}, Exit: 0},
	)
}

// matMulIntegerModel writes y = MatMulInteger(a uint8[1, k], b uint8[k, 1]),
// both graph inputs: the lowering sums the dot product in chunks short
// enough to be exact in float32, k/chunk of them.
func matMulIntegerModel(k int64) func(dir string) error {
	return func(dir string) error {
		g := &onnxpb.GraphProto{
			Node:   []*onnxpb.NodeProto{Node("MatMulInteger", []string{"a", "b"}, []string{"y"})},
			Input:  []*onnxpb.ValueInfoProto{VI("a", tensor.Uint8, 1, k), VI("b", tensor.Uint8, k, 1)},
			Output: []*onnxpb.ValueInfoProto{AnyVI("y", tensor.Int32)},
		}
		return WriteModel(filepath.Join(dir, "model.onnx"), g)
	}
}

// unifyCycleModel writes y = (x + z) and w + v with x[n + 1], z[m],
// w[m + 1], v[n]: the first equation gives m = n + 1, the second n = m + 1.
func unifyCycleModel(dir string) error {
	g := &onnxpb.GraphProto{
		Node: []*onnxpb.NodeProto{Node("Add", []string{"x", "z"}, []string{"y"}), Node("Add", []string{"w", "v"}, []string{"y2"})},
		Input: []*onnxpb.ValueInfoProto{VI("x", tensor.Float32, "n + 1"), VI("z", tensor.Float32, "m"),
			VI("w", tensor.Float32, "m + 1"), VI("v", tensor.Float32, "n")},
		Output: []*onnxpb.ValueInfoProto{AnyVI("y", tensor.Float32), AnyVI("y2", tensor.Float32)},
	}
	return WriteModel(filepath.Join(dir, "model.onnx"), g)
}

func init() {
	register(
		Case{Name: "matmulinteger-long-dot-product", Class: classQuant, Setup: matMulIntegerModel(1 << 30),
			Args: []string{"convert", "{dir}/model.onnx", "-o", "{out}"}, Exit: 1, Msg: "MatMulInteger"},
		Case{Name: "matmulinteger-long-dot-product-verify", Class: classQuant, Setup: matMulIntegerModel(1 << 30),
			Args: []string{"verify", "{dir}/model.onnx"}, Exit: 1, Msg: "MatMulInteger"},
		Case{Name: "dim-unify-cycle", Class: classDims, Setup: unifyCycleModel,
			Args: []string{"convert", "{dir}/model.onnx", "-o", "{out}"}, Exit: 1, Msg: "cannot be equal"},
	)
}

func init() {
	// A body reading, from the enclosing scope, the node's own output: a
	// cycle once the body is inlined.
	selfLoop := func(dir string) error {
		body := loopBody(0, Node("Add", []string{"v_in", "y"}, []string{"v_out"}))
		return loopModel(dir, 3, loopNode("loop", "x", "y", body))
	}
	selfIf := func(dir string) error {
		then := &onnxpb.GraphProto{Name: "then", Output: []*onnxpb.ValueInfoProto{VI("r", tensor.Float32, 1)},
			Node: []*onnxpb.NodeProto{Node("Add", []string{"x", "y"}, []string{"r"})}}
		n := Node("If", []string{"t"}, []string{"y"}, attrGraph("then_branch", then), attrGraph("else_branch", then))
		return ifModel(dir, n, tensor.Float32)
	}
	for _, c := range []struct {
		name  string
		setup func(string) error
	}{{"cf-loop-body-reads-own-output", selfLoop}, {"cf-if-branch-reads-own-output", selfIf}} {
		register(
			Case{Name: c.name, Class: classUnroll, Setup: c.setup, Args: []string{"convert", "{dir}/model.onnx", "-o", "{out}"}, Exit: 1, Msg: "has a cycle"},
			Case{Name: c.name + "-run", Class: classUnroll, Setup: c.setup, Args: []string{"run", "{dir}/model.onnx", "--inputs", "{dir}/in.npz"}, Exit: 1, Msg: "input \"y\" has no value"},
			Case{Name: c.name + "-verify", Class: classUnroll, Setup: c.setup, Args: []string{"verify", "{dir}/model.onnx"}, Exit: 1, Msg: "has a cycle"},
		)
	}
}

func init() {
	// runtime/onnx runs Loops as written (run MODEL.onnx; verify's ONNX
	// side): a trip count from the file, or none at all.
	runONNX := []string{"run", "{dir}/model.onnx", "--inputs", "{dir}/in.npz"}
	whileTrue := func(dir string) error {
		n := Node("Loop", []string{"", "", "x"}, []string{"y"}, attrGraph("body", loopBody(1, nil)))
		n.Name = "loop"
		return loopModel(dir, 0, n)
	}
	register(
		Case{Name: "onnxrt-loop-trip-int64-max", Class: classUnroll,
			Setup: func(dir string) error { return loopModel(dir, 1<<63-1, nestedLoops(1, 1)) },
			Args:  runONNX, Exit: 1, Msg: "more than 262144 times"},
		// a negative trip count runs no iteration (ONNX Runtime; the
		// unrolled lowering): runtime/onnx read it as "no trip count"
		Case{Name: "onnxrt-loop-negative-trip-verify", Class: classUnroll,
			Setup: func(dir string) error { return loopModel(dir, -3, nestedLoops(1, 1)) },
			Args:  []string{"verify", "{dir}/model.onnx"}, Exit: 0},
		Case{Name: "onnxrt-loop-negative-trip-run", Class: classUnroll,
			Setup: func(dir string) error { return loopModel(dir, -3, nestedLoops(1, 1)) },
			Args:  runONNX, Exit: 0},
		Case{Name: "onnxrt-loop-while-true", Class: classUnroll, Setup: whileTrue,
			Args: runONNX, Exit: 1, Msg: "more than 262144 times"},
		Case{Name: "onnxrt-loop-nested-product", Class: classUnroll,
			Setup: func(dir string) error { return loopModel(dir, 2000, nestedLoops(3, 1)) },
			Args:  runONNX, Exit: 1, Msg: "more than 262144 times"},
	)
}

// letters writes i in base 26 with a–z.
func letters(i int) string {
	s := ""
	for {
		s = string(rune('a'+i%26)) + s
		if i /= 26; i == 0 {
			return s
		}
	}
}

// reluGraph writes path: n relu nodes named prefix0…, a chain from x, or
// each reading x.
func reluGraph(path, prefix string, n int, chain bool) error {
	var b strings.Builder
	b.WriteString("webnn_graph \"d\" v1 {\n  inputs { x: f32[1]; }\n  nodes {\n")
	prev := "x"
	for i := 0; i < n; i++ {
		in := "x"
		if chain {
			in = prev
		}
		id := prefix + letters(i) // no digits: the runner looks for the secret's size
		fmt.Fprintf(&b, "    %s = relu(%s);\n", id, in)
		prev = id
	}
	fmt.Fprintf(&b, "  }\n  outputs { %s; }\n}\n", prev)
	return os.WriteFile(path, []byte(b.String()), 0o644)
}

func init() {
	// 50000 same-op nodes on each side that match nothing: every node of
	// one compared with every node of the other took over a minute.
	register(Case{Name: "diff-many-unmatched-nodes", Class: classReport,
		Setup: func(dir string) error {
			if err := reluGraph(filepath.Join(dir, "a.webnn"), "a", 50000, true); err != nil {
				return err
			}
			return reluGraph(filepath.Join(dir, "b.webnn"), "b", 50000, false)
		},
		Args: []string{"diff", "{dir}/a.webnn", "{dir}/b.webnn"}, Exit: 1, Msg: "the graphs differ"})
}

// linearIndexModel writes y = flatten(x)[arange(B)[:, None]·k + arange(T)]
// with x float32[B, T]: the index arithmetic gather_unflatten reads as a
// gather from x itself; k is the row stride (T in a real model).
func linearIndexModel(k int64) func(dir string) error {
	return func(dir string) error {
		g := &onnxpb.GraphProto{
			Node: []*onnxpb.NodeProto{
				Node("Reshape", []string{"x", "m1"}, []string{"flat"}),
				Node("Shape", []string{"x"}, []string{"sh"}),
				Node("Gather", []string{"sh", "zero"}, []string{"B"}, AttrInt("axis", 0)),
				Node("Gather", []string{"sh", "one"}, []string{"T"}, AttrInt("axis", 0)),
				Node("Range", []string{"zero", "B", "one"}, []string{"rb"}),
				Node("Range", []string{"zero", "T", "one"}, []string{"rt"}),
				Node("Unsqueeze", []string{"rb", "ax1"}, []string{"rb2"}),
				Node("Mul", []string{"rb2", "k"}, []string{"m"}),
				Node("Add", []string{"m", "rt"}, []string{"idx"}),
				Node("Gather", []string{"flat", "idx"}, []string{"y"}, AttrInt("axis", 0)),
			},
			Input:  []*onnxpb.ValueInfoProto{VI("x", tensor.Float32, "B", "T")},
			Output: []*onnxpb.ValueInfoProto{AnyVI("y", tensor.Float32)},
			Initializer: []*onnxpb.TensorProto{Int64s("m1", []int64{1}, []int64{-1}), Int64s("one", nil, []int64{1}),
				Int64s("zero", nil, []int64{0}), Int64s("ax1", []int64{1}, []int64{1}), Int64s("k", nil, []int64{k})},
		}
		return WriteModel(filepath.Join(dir, "model.onnx"), g)
	}
}

func init() {
	register(
		Case{Name: "indexform-stride-overflow", Class: classDims, Setup: linearIndexModel(1 << 62),
			Args: []string{"convert", "{dir}/model.onnx", "-o", "{out}", "--target", "rustnn-0.5"}, Exit: 1, Msg: "\"B * T\""},
		// Without --target the default falls back to webnn (rustnn's
		// limit is only its size form), which refuses the stride.
		Case{Name: "indexform-stride-overflow-default", Class: classDims, Setup: linearIndexModel(1 << 62),
			Args: []string{"convert", "{dir}/model.onnx", "-o", "{out}"}, Exit: 1, Msg: "does not fit int32"},
		Case{Name: "indexform-stride-overflow-webnn-verify", Class: classDims, Setup: linearIndexModel(1 << 62),
			Args: []string{"verify", "{dir}/model.onnx", "--target", "webnn"}, Exit: 1, Msg: "does not fit int32"},
		Case{Name: "indexform-stride-overflow-run-onnx", Class: classDims, Setup: func(dir string) error {
			if err := linearIndexModel(1 << 62)(dir); err != nil {
				return err
			}
			return InputsNPZ(dir, "in.npz", map[string][]int{"x": {3, 2}})
		}, Args: []string{"run", "{dir}/model.onnx", "--inputs", "{dir}/in.npz"}, Exit: 1, Msg: "\"y\""},
	)
}
