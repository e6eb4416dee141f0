package conformance

import (
	"fmt"
	"math"
	"math/rand/v2"
	"strings"
	"testing"
	"time"

	"github.com/x448/float16"
	"google.golang.org/protobuf/proto"

	"github.com/webnn-graph/webnn-graph/emit"
	"github.com/webnn-graph/webnn-graph/internal/testenv"
	"github.com/webnn-graph/webnn-graph/lower"
	"github.com/webnn-graph/webnn-graph/onnxpb"
	onnxrt "github.com/webnn-graph/webnn-graph/runtime/onnx"
	"github.com/webnn-graph/webnn-graph/runtime/webnn"
	"github.com/webnn-graph/webnn-graph/tensor"
)

const differentialExpectedFile = "testdata/differential-expected.txt"

// diffInput is one input of a generated single-node model: a graph input,
// or an initializer when init is set (attributes that became inputs).
type diffInput struct {
	name  string
	value *tensor.Tensor
	init  bool
}

// diffCase is one generated single-node ONNX model.
type diffCase struct {
	name    string
	op      string
	opset   int64
	attrs   []*onnxpb.AttributeProto
	inputs  []diffInput // "" name for an omitted optional input
	outputs []tensor.DType
	noGrow  bool                // random grown inputs would leave the op's defined domain
	nodes   []*onnxpb.NodeProto // a multi-node graph instead of one op node; outputs y0, y1, …
	tol     *tolerance          // instead of onnxTolerance
	domain  string              // the op's domain (com.microsoft), imported at version 1
}

func (c *diffCase) tolerance(dt tensor.DType) tolerance {
	if c.tol != nil {
		return *c.tol
	}
	return onnxTolerance(dt)
}

func attrI(name string, v int64) *onnxpb.AttributeProto {
	return &onnxpb.AttributeProto{Name: name, Type: onnxpb.AttributeProto_INT, I: v}
}
func attrF(name string, v float32) *onnxpb.AttributeProto {
	return &onnxpb.AttributeProto{Name: name, Type: onnxpb.AttributeProto_FLOAT, F: v}
}
func attrS(name, v string) *onnxpb.AttributeProto {
	return &onnxpb.AttributeProto{Name: name, Type: onnxpb.AttributeProto_STRING, S: []byte(v)}
}
func attrInts(name string, v ...int64) *onnxpb.AttributeProto {
	return &onnxpb.AttributeProto{Name: name, Type: onnxpb.AttributeProto_INTS, Ints: v}
}

func tensorProto(name string, t *tensor.Tensor) *onnxpb.TensorProto {
	dims := make([]int64, len(t.Shape))
	for i, d := range t.Shape {
		dims[i] = int64(d)
	}
	return &onnxpb.TensorProto{Name: name, DataType: int32(t.DType), Dims: dims, RawData: t.Bytes()}
}

func valueInfo(name string, dt tensor.DType, shape []int) *onnxpb.ValueInfoProto {
	tt := &onnxpb.TypeProto_Tensor{ElemType: int32(dt)}
	if shape != nil {
		tt.Shape = &onnxpb.TensorShapeProto{}
		for _, d := range shape {
			tt.Shape.Dim = append(tt.Shape.Dim, &onnxpb.TensorShapeProto_Dimension{Value: &onnxpb.TensorShapeProto_Dimension_DimValue{DimValue: int64(d)}})
		}
	}
	return &onnxpb.ValueInfoProto{Name: name, Type: &onnxpb.TypeProto{Value: &onnxpb.TypeProto_TensorType{TensorType: tt}}}
}

// model builds the ONNX model bytes of c.
func (c *diffCase) model() ([]byte, error) {
	g := &onnxpb.GraphProto{Name: c.name}
	node := &onnxpb.NodeProto{Name: "n", OpType: c.op, Attribute: c.attrs, Domain: c.domain}
	for _, in := range c.inputs {
		node.Input = append(node.Input, in.name)
		if in.name == "" {
			continue
		}
		if in.init {
			g.Initializer = append(g.Initializer, tensorProto(in.name, in.value))
		} else {
			g.Input = append(g.Input, valueInfo(in.name, in.value.DType, in.value.Shape))
		}
	}
	for i, dt := range c.outputs {
		name := fmt.Sprintf("y%d", i)
		node.Output = append(node.Output, name)
		g.Output = append(g.Output, valueInfo(name, dt, nil))
	}
	g.Node = []*onnxpb.NodeProto{node}
	if c.nodes != nil {
		g.Node = c.nodes
	}
	m := &onnxpb.ModelProto{IrVersion: 8, OpsetImport: []*onnxpb.OperatorSetIdProto{{Domain: "", Version: c.opset}}, Graph: g}
	if c.domain != "" {
		m.OpsetImport = append(m.OpsetImport, &onnxpb.OperatorSetIdProto{Domain: c.domain, Version: 1})
	}
	return proto.Marshal(m)
}

// runDiffCase runs c on runtime/onnx (the reference) and through
// Convert → text → runtime/webnn, and compares.
func runDiffCase(c *diffCase, dynamic bool) (res caseResult) {
	defer func() {
		if r := recover(); r != nil {
			res = caseResult{outcome: failed, panic: true, reason: fmt.Sprintf("panic: %v", r)}
		}
	}()
	data, err := c.model()
	if err != nil {
		return caseResult{outcome: skipped, reason: err.Error()}
	}
	m, err := onnxpb.Parse(data, "")
	if err != nil {
		return caseResult{outcome: skipped, reason: err.Error()}
	}
	feeds := map[string]*tensor.Tensor{}
	for _, in := range c.inputs {
		if in.name != "" && !in.init {
			feeds[in.name] = in.value
		}
	}
	refProg, err := onnxrt.Compile(m)
	if err != nil {
		return caseResult{outcome: skipped, reason: "runtime/onnx: " + firstLine(err.Error(), 200)}
	}
	want, err := refProg.Run(feeds)
	if err != nil {
		return caseResult{outcome: skipped, reason: "runtime/onnx: " + firstLine(err.Error(), 200)}
	}
	m2, _ := onnxpb.Parse(data, "")
	opts := lower.Options{}
	if dynamic {
		makeDynamic(m2.Graph(), nil)
		opts.Dims = dynamicBounds(m2)
	}
	lr, err, panicked := convert(m2, opts)
	if err != nil {
		if panicked || !isRefusal(err) {
			return caseResult{outcome: failed, panic: panicked || isInternal(err), reason: "convert: " + firstLine(err.Error(), 300)}
		}
		return caseResult{outcome: refused, reason: firstLine(err.Error(), 300)}
	}
	text, err := emit.PrintText(lr.Graph)
	if err != nil {
		return caseResult{outcome: failed, reason: "print: " + err.Error()}
	}
	parsed, err := emit.ParseText(text)
	if err != nil {
		return caseResult{outcome: failed, reason: "parse: " + firstLine(err.Error(), 300)}
	}
	prog, err := webnn.Compile(parsed, newResultWeights(lr.Weights))
	if err != nil {
		return caseResult{outcome: failed, reason: "compile: " + firstLine(err.Error(), 300)}
	}
	byONNX := map[string]string{}
	for id, n := range lr.Names {
		byONNX[n] = id
	}
	wf := map[string]*tensor.Tensor{}
	for n, t := range feeds {
		if id, ok := byONNX[n]; ok {
			wf[id] = boolToUint8(t)
		}
	}
	got, err := prog.Run(wf)
	if err != nil {
		return caseResult{outcome: failed, panic: strings.Contains(err.Error(), "internal error"), reason: "run: " + firstLine(err.Error(), 300)}
	}
	for i := range c.outputs {
		name := fmt.Sprintf("y%d", i)
		g, w := got[byONNX[name]], want[name]
		if g == nil || w == nil {
			return caseResult{outcome: failed, reason: "missing output " + name}
		}
		if d := compareTensors(g, w, c.tolerance(w.DType)); d != "" {
			return caseResult{outcome: failed, reason: fmt.Sprintf("output %s: %s (webnn vs runtime/onnx)", name, d)}
		}
	}
	if dynamic {
		if why := checkGrown(c, data, prog, byONNX); why != "" {
			return caseResult{outcome: failed, reason: why}
		}
	}
	return caseResult{outcome: passed}
}

// checkGrown runs a dynamic graph again with every dynamic dim one larger
// than the size it was named after (new data), against runtime/onnx on the
// same dynamic model: the graph must not have baked in the traced sizes.
// Cases whose inputs are not all float32 (indices, masks) or whose ONNX
// model does not accept the larger sizes are not checked.
func checkGrown(c *diffCase, data []byte, prog *webnn.Program, byONNX map[string]string) string {
	if c.noGrow {
		return ""
	}
	r := rand.New(rand.NewPCG(7, uint64(len(c.name))))
	feeds := map[string]*tensor.Tensor{}
	for _, in := range c.inputs {
		if in.name == "" || in.init {
			continue
		}
		if in.value.DType != tensor.Float32 {
			return ""
		}
		shape := make([]int, len(in.value.Shape))
		for i, d := range in.value.Shape {
			shape[i] = d
			if d >= 2 {
				shape[i] = d + 1
			}
		}
		feeds[in.name] = randF32(r, shape...)
	}
	m, err := onnxpb.Parse(data, "")
	if err != nil {
		return ""
	}
	makeDynamic(m.Graph(), nil)
	ref, err := onnxrt.Compile(m)
	if err != nil {
		return ""
	}
	want, err := ref.Run(feeds)
	if err != nil {
		return "" // the ONNX model itself does not take these sizes
	}
	wf := map[string]*tensor.Tensor{}
	for n, t := range feeds {
		if id, ok := byONNX[n]; ok {
			wf[id] = t
		}
	}
	got, err := prog.Run(wf)
	if err != nil {
		return "grown inputs (each dim +1): run: " + firstLine(err.Error(), 300)
	}
	for i := range c.outputs {
		name := fmt.Sprintf("y%d", i)
		g, w := got[byONNX[name]], want[name]
		if g == nil || w == nil {
			return "grown inputs: missing output " + name
		}
		if d := compareTensors(g, w, c.tolerance(w.DType)); d != "" {
			return fmt.Sprintf("grown inputs (each dim +1): output %s: %s (webnn vs runtime/onnx)", name, d)
		}
	}
	return ""
}

// Generators of inputs.

func randF32(r *rand.Rand, shape ...int) *tensor.Tensor {
	t := tensor.New(tensor.Float32, shape)
	for i := range t.Data.([]float32) {
		t.Data.([]float32)[i] = float32(math.Round((r.Float64()*6-3)*64) / 64)
	}
	return t
}

func i64s(v ...int64) *tensor.Tensor {
	return &tensor.Tensor{DType: tensor.Int64, Shape: []int{len(v)}, Data: v}
}

func f32s(v ...float32) *tensor.Tensor {
	return &tensor.Tensor{DType: tensor.Float32, Shape: []int{len(v)}, Data: v}
}

func f32(dt tensor.DType) []tensor.DType { return []tensor.DType{dt} }

// diffCases generates the sweep: attribute combinations of the ops whose
// lowering rewrites semantics (coordinate transforms, padding arithmetic,
// index normalisation, rounding) and is therefore easy to get subtly wrong.
func diffCases() []*diffCase {
	r := rand.New(rand.NewPCG(1, 2))
	var cs []*diffCase
	add := func(c *diffCase) { cs = append(cs, c) }
	out := f32(tensor.Float32)

	// Resize: scales that are not out/in (ONNX maps coordinates with the
	// given scale, WebNN resample2d with out/in), sizes, both modes.
	for _, hw := range [][2]int{{2, 4}, {3, 7}, {4, 4}, {5, 3}} {
		for _, sc := range []float32{0.5, 0.6, 0.75, 1.5, 1.7, 2, 3} {
			for _, mode := range []string{"nearest", "linear"} {
				add(&diffCase{name: fmt.Sprintf("resize_%s_%dx%d_scale%g", mode, hw[0], hw[1], sc), op: "Resize", opset: 13,
					attrs: []*onnxpb.AttributeProto{attrS("mode", mode)},
					inputs: []diffInput{{name: "x", value: randF32(r, 1, 2, hw[0], hw[1])}, {name: ""},
						{name: "scales", value: f32s(1, 1, sc, sc), init: true}}, outputs: out})
			}
		}
		for _, sz := range [][2]int64{{1, 3}, {3, 5}, {7, 9}, {2, 2}} {
			for _, mode := range []string{"nearest", "linear"} {
				add(&diffCase{name: fmt.Sprintf("resize_%s_%dx%d_sizes%dx%d", mode, hw[0], hw[1], sz[0], sz[1]), op: "Resize", opset: 13,
					attrs: []*onnxpb.AttributeProto{attrS("mode", mode)},
					inputs: []diffInput{{name: "x", value: randF32(r, 1, 2, hw[0], hw[1])}, {name: ""}, {name: ""},
						{name: "sizes", value: i64s(1, 2, sz[0], sz[1]), init: true}}, outputs: out})
			}
		}
	}
	// Pooling: kernel, strides, pads, ceil_mode, dilations, count_include_pad.
	for _, op := range []string{"MaxPool", "AveragePool"} {
		for _, k := range []int64{2, 3} {
			for _, s := range []int64{1, 2} {
				for _, pads := range [][]int64{{0, 0, 0, 0}, {1, 1, 1, 1}, {0, 1, 1, 0}} {
					if pads[0] >= k || pads[1] >= k {
						continue
					}
					for _, ceil := range []int64{0, 1} {
						for _, dil := range []int64{1, 2} {
							for _, cip := range []int64{0, 1} {
								if op == "MaxPool" && cip == 1 {
									continue
								}
								attrs := []*onnxpb.AttributeProto{attrInts("kernel_shape", k, k), attrInts("strides", s, s),
									attrInts("pads", pads...), attrI("ceil_mode", ceil), attrInts("dilations", dil, dil)}
								if op == "AveragePool" {
									attrs = append(attrs, attrI("count_include_pad", cip))
								}
								add(&diffCase{name: fmt.Sprintf("%s_k%d_s%d_p%v_ceil%d_d%d_cip%d", strings.ToLower(op), k, s, pads, ceil, dil, cip),
									op: op, opset: 19, attrs: attrs,
									inputs: []diffInput{{name: "x", value: randF32(r, 1, 2, 7, 8)}}, outputs: out})
							}
						}
					}
				}
			}
		}
		for _, ap := range []string{"SAME_UPPER", "SAME_LOWER", "VALID"} {
			for _, s := range []int64{1, 2, 3} {
				add(&diffCase{name: fmt.Sprintf("%s_autopad_%s_s%d", strings.ToLower(op), ap, s), op: op, opset: 19,
					attrs:  []*onnxpb.AttributeProto{attrInts("kernel_shape", 3, 2), attrInts("strides", s, s), attrS("auto_pad", ap)},
					inputs: []diffInput{{name: "x", value: randF32(r, 1, 2, 7, 8)}}, outputs: out})
			}
		}
	}
	// Conv / ConvTranspose padding arithmetic.
	for _, ap := range []string{"NOTSET", "SAME_UPPER", "SAME_LOWER", "VALID"} {
		for _, s := range []int64{1, 2} {
			for _, d := range []int64{1, 2} {
				for _, grp := range []int64{1, 2} {
					attrs := []*onnxpb.AttributeProto{attrS("auto_pad", ap), attrInts("strides", s, s), attrInts("dilations", d, d), attrI("group", grp)}
					if ap == "NOTSET" {
						attrs = append(attrs, attrInts("pads", 1, 0, 2, 1))
					}
					add(&diffCase{name: fmt.Sprintf("conv_%s_s%d_d%d_g%d", ap, s, d, grp), op: "Conv", opset: 11, attrs: attrs,
						inputs: []diffInput{{name: "x", value: randF32(r, 1, 4, 7, 6)}, {name: "w", value: randF32(r, 6, 4/int(grp), 3, 3), init: true},
							{name: "b", value: randF32(r, 6), init: true}}, outputs: out})
					tattrs := []*onnxpb.AttributeProto{attrS("auto_pad", ap), attrInts("strides", s, s), attrInts("dilations", d, d), attrI("group", grp)}
					if ap == "NOTSET" {
						tattrs = append(tattrs, attrInts("pads", 1, 0, 0, 1), attrInts("output_padding", s-1, 0))
					}
					add(&diffCase{name: fmt.Sprintf("convtranspose_%s_s%d_d%d_g%d", ap, s, d, grp), op: "ConvTranspose", opset: 11, attrs: tattrs,
						inputs:  []diffInput{{name: "x", value: randF32(r, 1, 4, 3, 4)}, {name: "w", value: randF32(r, 4, 6/int(grp), 3, 3), init: true}},
						outputs: out})
				}
			}
		}
	}
	add(&diffCase{name: "convtranspose_output_shape", op: "ConvTranspose", opset: 11,
		attrs:  []*onnxpb.AttributeProto{attrInts("strides", 2, 2), attrInts("output_shape", 8, 10)},
		inputs: []diffInput{{name: "x", value: randF32(r, 1, 2, 3, 4)}, {name: "w", value: randF32(r, 2, 3, 3, 3), init: true}}, outputs: out})
	// Slice: negative and out-of-range starts/ends, negative steps.
	for i, sl := range [][4][]int64{
		{{0}, {100}, {1}, {2}},
		{{-1}, {-100}, {1}, {-1}},
		{{5}, {1}, {0}, {-2}},
		{{-3, 1}, {100, -1}, {0, 1}, {1, 3}},
		{{100}, {0}, {1}, {-3}},
		{{2}, {2}, {1}, {1}},
		{{-100}, {100}, {-1}, {4}},
	} {
		add(&diffCase{name: fmt.Sprintf("slice_%d", i), op: "Slice", opset: 13,
			inputs: []diffInput{{name: "x", value: randF32(r, 6, 7)}, {name: "starts", value: i64s(sl[0]...), init: true},
				{name: "ends", value: i64s(sl[1]...), init: true}, {name: "axes", value: i64s(sl[2]...), init: true},
				{name: "steps", value: i64s(sl[3]...), init: true}}, outputs: out})
	}
	// Gather / GatherElements with negative indices.
	for axis := int64(-2); axis < 2; axis++ {
		add(&diffCase{name: fmt.Sprintf("gather_neg_axis%d", axis), op: "Gather", opset: 13, attrs: []*onnxpb.AttributeProto{attrI("axis", axis)},
			inputs:  []diffInput{{name: "x", value: randF32(r, 4, 5)}, {name: "i", value: &tensor.Tensor{DType: tensor.Int64, Shape: []int{2, 2}, Data: []int64{-1, 0, 3, -4}}}},
			outputs: out})
		add(&diffCase{name: fmt.Sprintf("gatherelements_neg_axis%d", axis), op: "GatherElements", opset: 13, attrs: []*onnxpb.AttributeProto{attrI("axis", axis)},
			inputs:  []diffInput{{name: "x", value: randF32(r, 4, 4)}, {name: "i", value: &tensor.Tensor{DType: tensor.Int64, Shape: []int{2, 4}, Data: []int64{-1, 0, 3, -4, 1, -2, 2, 0}}}},
			outputs: out})
	}
	// Pad modes with negative pads (cropping).
	for _, mode := range []string{"constant", "reflect", "edge"} {
		for i, pads := range [][]int64{{1, 2, 2, 1}, {0, -1, 1, 0}, {-1, 2, 0, -2}} {
			add(&diffCase{name: fmt.Sprintf("pad_%s_%d", mode, i), op: "Pad", opset: 13, attrs: []*onnxpb.AttributeProto{attrS("mode", mode)},
				inputs: []diffInput{{name: "x", value: randF32(r, 4, 5)}, {name: "pads", value: i64s(pads...), init: true}}, outputs: out})
		}
	}
	// Integer arithmetic: division and modulo signs, casts of fractions.
	ints := &tensor.Tensor{DType: tensor.Int32, Shape: []int{8}, Data: []int32{7, -7, 7, -7, 0, 9, -9, 5}}
	dens := &tensor.Tensor{DType: tensor.Int32, Shape: []int{8}, Data: []int32{2, 2, -2, -2, 3, 4, 4, -3}}
	add(&diffCase{name: "div_int32", op: "Div", opset: 14, inputs: []diffInput{{name: "a", value: ints}, {name: "b", value: dens}}, outputs: f32(tensor.Int32)})
	add(&diffCase{name: "mod_int32", op: "Mod", opset: 13, inputs: []diffInput{{name: "a", value: ints}, {name: "b", value: dens}}, outputs: f32(tensor.Int32)})
	add(&diffCase{name: "mod_int32_fmod", op: "Mod", opset: 13, attrs: []*onnxpb.AttributeProto{attrI("fmod", 1)},
		inputs: []diffInput{{name: "a", value: ints}, {name: "b", value: dens}}, outputs: f32(tensor.Int32)})
	fr := f32s(-2.5, -1.5, -0.5, 0.5, 1.5, 2.5, -1.7, 1.7, 3.49, -3.51)
	for _, dt := range []tensor.DType{tensor.Int32, tensor.Int64, tensor.Int8, tensor.Uint8} {
		x := fr
		if dt == tensor.Uint8 {
			x = f32s(0.5, 1.5, 2.5, 1.7, 3.49, 200.9)
		}
		// Negative floats cast to uint8 are undefined in ONNX (and
		// implementation-defined in WebNN): grown random inputs would hit them.
		add(&diffCase{name: "cast_f32_to_" + dt.String(), op: "Cast", opset: 13, attrs: []*onnxpb.AttributeProto{attrI("to", int64(dt))},
			inputs: []diffInput{{name: "x", value: x}}, outputs: f32(dt), noGrow: dt == tensor.Uint8})
	}
	add(&diffCase{name: "round_half_even", op: "Round", opset: 11, inputs: []diffInput{{name: "x", value: fr}}, outputs: out})
	// Softmax family before opset 13 coerce to 2-D at axis.
	for _, op := range []string{"Softmax", "LogSoftmax", "Hardmax"} {
		for _, opset := range []int64{11, 13} {
			for _, axis := range []int64{0, 1, -1} {
				add(&diffCase{name: fmt.Sprintf("%s_opset%d_axis%d", strings.ToLower(op), opset, axis), op: op, opset: opset,
					attrs: []*onnxpb.AttributeProto{attrI("axis", axis)}, inputs: []diffInput{{name: "x", value: randF32(r, 2, 3, 4)}}, outputs: out})
			}
		}
	}
	// Reductions: keepdims, empty axes, noop_with_empty_axes.
	for _, op := range []string{"ReduceSum", "ReduceMean", "ReduceMax", "ReduceProd", "ReduceL1", "ReduceL2", "ReduceLogSumExp", "ReduceSumSquare"} {
		opset := int64(18)
		for _, keep := range []int64{0, 1} {
			for i, axes := range [][]int64{nil, {-1}, {0, 2}} {
				in := []diffInput{{name: "x", value: randF32(r, 2, 3, 4)}}
				if axes != nil {
					in = append(in, diffInput{name: "axes", value: i64s(axes...), init: true})
				}
				add(&diffCase{name: fmt.Sprintf("%s_keep%d_axes%d", strings.ToLower(op), keep, i), op: op, opset: opset,
					attrs: []*onnxpb.AttributeProto{attrI("keepdims", keep)}, inputs: in, outputs: out})
			}
		}
		add(&diffCase{name: strings.ToLower(op) + "_noop_empty_axes", op: op, opset: opset,
			attrs:  []*onnxpb.AttributeProto{attrI("noop_with_empty_axes", 1)},
			inputs: []diffInput{{name: "x", value: randF32(r, 2, 3)}, {name: "axes", value: i64s(), init: true}}, outputs: out})
	}
	// ArgMax/ArgMin with ties, select_last_index.
	ties := &tensor.Tensor{DType: tensor.Float32, Shape: []int{3, 4}, Data: []float32{1, 3, 3, 0, 2, 2, 2, 2, -1, 5, -1, 5}}
	for _, op := range []string{"ArgMax", "ArgMin"} {
		for _, last := range []int64{0, 1} {
			for _, axis := range []int64{0, 1} {
				add(&diffCase{name: fmt.Sprintf("%s_ties_last%d_axis%d", strings.ToLower(op), last, axis), op: op, opset: 13,
					attrs:  []*onnxpb.AttributeProto{attrI("axis", axis), attrI("select_last_index", last), attrI("keepdims", 0)},
					inputs: []diffInput{{name: "x", value: ties}}, outputs: f32(tensor.Int64)})
			}
		}
	}
	// CumSum exclusive/reverse.
	for _, ex := range []int64{0, 1} {
		for _, rev := range []int64{0, 1} {
			add(&diffCase{name: fmt.Sprintf("cumsum_ex%d_rev%d", ex, rev), op: "CumSum", opset: 14,
				attrs:   []*onnxpb.AttributeProto{attrI("exclusive", ex), attrI("reverse", rev)},
				inputs:  []diffInput{{name: "x", value: randF32(r, 3, 4)}, {name: "axis", value: &tensor.Tensor{DType: tensor.Int64, Shape: []int{}, Data: []int64{1}}, init: true}},
				outputs: out})
		}
	}
	// Gemm transposes and C broadcasting.
	for _, ta := range []int64{0, 1} {
		for _, tb := range []int64{0, 1} {
			for ci, cshape := range [][]int{{5}, {3, 1}, {1}, {3, 5}} {
				a := randF32(r, 3, 4)
				if ta == 1 {
					a = randF32(r, 4, 3)
				}
				b := randF32(r, 4, 5)
				if tb == 1 {
					b = randF32(r, 5, 4)
				}
				add(&diffCase{name: fmt.Sprintf("gemm_ta%d_tb%d_c%d", ta, tb, ci), op: "Gemm", opset: 13,
					attrs:   []*onnxpb.AttributeProto{attrI("transA", ta), attrI("transB", tb), attrF("alpha", 0.5), attrF("beta", 2)},
					inputs:  []diffInput{{name: "a", value: a}, {name: "b", value: b, init: true}, {name: "c", value: randF32(r, cshape...), init: true}},
					outputs: out})
			}
		}
	}
	// Einsum equations the lowering decomposes.
	for i, eq := range []struct {
		eq     string
		shapes [][]int
	}{
		{"ij,jk->ik", [][]int{{2, 3}, {3, 4}}},
		{"bij,bjk->bik", [][]int{{2, 2, 3}, {2, 3, 4}}},
		{"ij->ji", [][]int{{2, 3}}},
		{"ii->i", [][]int{{3, 3}}},
		{"ij->", [][]int{{2, 3}}},
		{"i,i->", [][]int{{4}, {4}}},
		{"i,j->ij", [][]int{{3}, {4}}},
		{"bhqd,bhkd->bhqk", [][]int{{1, 2, 3, 4}, {1, 2, 5, 4}}},
		{"...ij,...jk->...ik", [][]int{{2, 2, 3}, {2, 3, 2}}},
		{"ij,ij->ij", [][]int{{2, 3}, {2, 3}}},
	} {
		var in []diffInput
		for k, s := range eq.shapes {
			in = append(in, diffInput{name: fmt.Sprintf("x%d", k), value: randF32(r, s...)})
		}
		add(&diffCase{name: fmt.Sprintf("einsum_%d", i), op: "Einsum", opset: 12, attrs: []*onnxpb.AttributeProto{attrS("equation", eq.eq)}, inputs: in, outputs: out})
	}
	// DepthToSpace / SpaceToDepth, Trilu.
	for _, mode := range []string{"DCR", "CRD"} {
		add(&diffCase{name: "depthtospace_" + mode, op: "DepthToSpace", opset: 13, attrs: []*onnxpb.AttributeProto{attrI("blocksize", 2), attrS("mode", mode)},
			inputs: []diffInput{{name: "x", value: randF32(r, 1, 8, 2, 3)}}, outputs: out})
	}
	add(&diffCase{name: "spacetodepth", op: "SpaceToDepth", opset: 13, attrs: []*onnxpb.AttributeProto{attrI("blocksize", 2)},
		inputs: []diffInput{{name: "x", value: randF32(r, 1, 2, 4, 6)}}, outputs: out})
	for _, up := range []int64{0, 1} {
		for _, k := range []int64{-2, 0, 1, 5} {
			add(&diffCase{name: fmt.Sprintf("trilu_up%d_k%d", up, k), op: "Trilu", opset: 14, attrs: []*onnxpb.AttributeProto{attrI("upper", up)},
				inputs:  []diffInput{{name: "x", value: randF32(r, 2, 4, 5)}, {name: "k", value: &tensor.Tensor{DType: tensor.Int64, Shape: []int{}, Data: []int64{k}}, init: true}},
				outputs: out})
		}
	}
	// Normalizations over different axes.
	for _, axis := range []int64{-1, -2, 1} {
		add(&diffCase{name: fmt.Sprintf("layernorm_axis%d", axis), op: "LayerNormalization", opset: 17, attrs: []*onnxpb.AttributeProto{attrI("axis", axis), attrF("epsilon", 1e-3)},
			inputs:  []diffInput{{name: "x", value: randF32(r, 2, 3, 4)}, {name: "s", value: randF32(r, lnShape(axis)...), init: true}, {name: "b", value: randF32(r, lnShape(axis)...), init: true}},
			outputs: out})
	}
	add(&diffCase{name: "groupnorm", op: "GroupNormalization", opset: 21, attrs: []*onnxpb.AttributeProto{attrI("num_groups", 2)},
		inputs: []diffInput{{name: "x", value: randF32(r, 2, 4, 3, 3)}, {name: "s", value: randF32(r, 4), init: true}, {name: "b", value: randF32(r, 4), init: true}}, outputs: out})
	add(&diffCase{name: "instancenorm", op: "InstanceNormalization", opset: 6,
		inputs: []diffInput{{name: "x", value: randF32(r, 2, 3, 4, 5)}, {name: "s", value: randF32(r, 3), init: true}, {name: "b", value: randF32(r, 3), init: true}}, outputs: out})
	add(&diffCase{name: "lrn", op: "LRN", opset: 13, attrs: []*onnxpb.AttributeProto{attrI("size", 3), attrF("alpha", 0.001), attrF("beta", 0.75), attrF("bias", 2)},
		inputs: []diffInput{{name: "x", value: randF32(r, 1, 5, 3, 3)}}, outputs: out})
	// Split with uneven num_outputs, Upsample.
	add(&diffCase{name: "split_uneven", op: "Split", opset: 18, attrs: []*onnxpb.AttributeProto{attrI("num_outputs", 3), attrI("axis", 1)},
		inputs: []diffInput{{name: "x", value: randF32(r, 2, 7)}}, outputs: []tensor.DType{tensor.Float32, tensor.Float32, tensor.Float32}})
	for _, sc := range []float32{2, 1.5, 3} {
		add(&diffCase{name: fmt.Sprintf("upsample_nearest_%g", sc), op: "Upsample", opset: 9,
			inputs: []diffInput{{name: "x", value: randF32(r, 1, 1, 3, 3)}, {name: "scales", value: f32s(1, 1, sc, sc), init: true}}, outputs: out})
	}
	return cs
}

func lnShape(axis int64) []int {
	full := []int{2, 3, 4}
	if axis < 0 {
		axis += 3
	}
	return full[axis:]
}

// TestLoweredVsONNXRuntime is a differential sweep: generated single-node
// models over attribute combinations are run by runtime/onnx (the ONNX
// semantics, independently implemented) and through Convert → text →
// runtime/webnn. Refusals are fine; a disagreement must be listed in
// testdata/differential-expected.txt.
func TestLoweredVsONNXRuntime(t *testing.T) {
	expected, err := readExpectations(differentialExpectedFile)
	if err != nil {
		t.Fatal(err)
	}
	current := expectations{}
	var counts, dynCounts [4]int
	start := time.Now()
	for _, c := range allDiffCases() {
		r := runDiffCase(c, false)
		counts[r.outcome]++
		why := strings.ReplaceAll(r.reason, "\n", " ")
		_, listed := expected[c.name]
		if r.outcome == passed {
			// The same model with its input dims made dynamic.
			d := runDiffCase(c, true)
			dynCounts[d.outcome]++
			key := c.name + "/dynamic"
			_, dynListed := expected[key]
			switch d.outcome {
			case failed:
				current[key] = strings.ReplaceAll(d.reason, "\n", " ")
				if !dynListed {
					t.Errorf("%s: %s", key, d.reason)
				}
			case passed:
				if dynListed {
					t.Logf("%s passes now; remove it from %s", key, differentialExpectedFile)
				}
			default:
				t.Logf("%s: %v: %s", key, d.outcome, d.reason)
			}
		}
		switch r.outcome {
		case failed:
			current[c.name] = why
			if !listed {
				t.Errorf("%s: %s", c.name, why)
			}
		case passed:
			if listed {
				t.Logf("%s passes now; remove it from %s", c.name, differentialExpectedFile)
			}
		default:
			t.Logf("%s: %v: %s", c.name, r.outcome, why)
		}
	}
	testenv.Report("lowered-vs-onnxrt: %d passed, %d failed, %d refused, %d skipped; with dynamic dims %d passed, %d failed, %d refused (%.1fs)",
		counts[passed], counts[failed], counts[refused], counts[skipped], dynCounts[passed], dynCounts[failed], dynCounts[refused], time.Since(start).Seconds())
	if updating() {
		if err := writeExpectations(differentialExpectedFile, differentialHeader, current); err != nil {
			t.Fatal(err)
		}
	}
}

const differentialHeader = `Generated single-node models (differential_test.go) where
Convert → text → runtime/webnn disagrees with runtime/onnx. Each is a bug
of the lowering, of runtime/webnn or of runtime/onnx (see the report).
Regenerate: CONFORMANCE_UPDATE=1 go test ./conformance -run TestLoweredVsONNXRuntime`

func allDiffCases() []*diffCase {
	cs := append(append(append(diffCases(), diffCases2()...), diffCases3()...), append(append(diffCases4(), diffCases5()...), diffCases6()...)...)
	return append(cs, float16Cases(cs)...)
}

// float16Tolerance: the reference computes each op in float32 and rounds
// once; the lowering may split an op into several WebNN ops, each rounding
// to half, so a few half ulps more than a single op (as the zoo's 1e-2).
var float16Tolerance = tolerance{rtol: 1e-2, atol: 1e-3}

// float16Cases clones every single-node case whose tensors are all
// float32 into a float16 model (fp16 exports: every float input,
// initializer and output in half precision).
func float16Cases(cs []*diffCase) []*diffCase {
	var out []*diffCase
	for _, c := range cs {
		if c.nodes != nil || c.op == "Cast" {
			continue
		}
		ok := true
		for _, dt := range c.outputs {
			ok = ok && dt == tensor.Float32
		}
		hasFloat := false
		for _, in := range c.inputs {
			if in.name != "" && in.value.DType == tensor.Float32 {
				hasFloat = true
			}
		}
		if !ok || !hasFloat {
			continue
		}
		h := *c
		h.name = c.name + "/f16"
		h.tol = &float16Tolerance
		h.inputs = make([]diffInput, len(c.inputs))
		for i, in := range c.inputs {
			h.inputs[i] = in
			if in.name != "" && in.value.DType == tensor.Float32 && !(c.op == "Resize" || c.op == "Upsample") {
				h.inputs[i].value = toFloat16(in.value)
			} else if in.name != "" && in.value.DType == tensor.Float32 && i == 0 {
				h.inputs[i].value = toFloat16(in.value) // Resize scales stay float32
			}
		}
		h.outputs = make([]tensor.DType, len(c.outputs))
		for i := range h.outputs {
			h.outputs[i] = tensor.Float16
		}
		out = append(out, &h)
	}
	return out
}

func toFloat16(t *tensor.Tensor) *tensor.Tensor {
	h := tensor.New(tensor.Float16, t.Shape)
	copy(h.Data.([]uint16), kernelF32ToF16(t.Data.([]float32)))
	return h
}

func kernelF32ToF16(v []float32) []uint16 {
	out := make([]uint16, len(v))
	for i, x := range v {
		out[i] = float16.Fromfloat32(x).Bits()
	}
	return out
}
