package parity

import (
	"github.com/webnn-graph/webnn-graph/emit"
	"github.com/webnn-graph/webnn-graph/graph"
	"github.com/webnn-graph/webnn-graph/lower"
	"github.com/webnn-graph/webnn-graph/onnxpb"
	"github.com/webnn-graph/webnn-graph/shapeinfer"
	"github.com/webnn-graph/webnn-graph/tensor"
)

// OptionsFromGraph recovers the conversion options a graph on disk was
// made with, so converting m again in memory reproduces its operand
// names: the bound of every dynamic input dim (maxSize), the dims made
// static (an ONNX dim_param the graph declares with a fixed size) and the
// float16 precision pass (its casts are commented "float16 precision").
func OptionsFromGraph(m *onnxpb.Model, g *graph.Graph) lower.Options {
	opts := lower.Options{Dims: shapeinfer.Bounds{}, Freeze: map[string]int64{}, Name: g.Name}
	byName := map[string]graph.Input{}
	for _, in := range g.Inputs {
		byName[in.Name] = in
		for _, d := range in.Desc.Shape {
			if d.IsDynamic() {
				b := shapeinfer.Bounds{}.Of(d.Name)
				b.Max = d.MaxSize
				b.Min = min(b.Min, b.Max)
				opts.Dims[d.Name] = b
			}
		}
	}
	for _, vi := range m.Graph().GetInput() {
		in, ok := byName[emit.Sanitize(vi.GetName())]
		if !ok {
			continue
		}
		_, dims, ok := onnxpb.ValueType(vi)
		if !ok || len(dims) != len(in.Desc.Shape) {
			continue
		}
		for i, d := range dims {
			if d.Param != "" && !in.Desc.Shape[i].IsDynamic() {
				opts.Freeze[d.Param] = in.Desc.Shape[i].Size
			}
		}
	}
	for i := range g.Nodes {
		if n := &g.Nodes[i]; n.Op == "cast" && n.Comment == "float16 precision" {
			opts.Precision = "float16"
			break
		}
	}
	if opts.Precision == "" {
		for _, k := range g.Consts {
			if k.Desc.DType == tensor.Float16 && modelHasNoHalf(m) {
				opts.Precision = "float16"
				break
			}
		}
	}
	return opts
}

func modelHasNoHalf(m *onnxpb.Model) bool {
	for _, t := range m.Graph().GetInitializer() {
		if tensor.DType(t.GetDataType()) == tensor.Float16 {
			return false
		}
	}
	return true
}

// ModelPrecision classifies a model for default tolerances: "quantized"
// (QuantizeLinear/DequantizeLinear, MatMulNBits, MatMulInteger …),
// "float16" (half initializers or inputs) or "float32".
func ModelPrecision(m *onnxpb.Model) string {
	for _, n := range m.Graph().GetNode() {
		switch n.GetOpType() {
		case "DequantizeLinear", "QuantizeLinear", "DynamicQuantizeLinear", "MatMulNBits", "MatMulInteger", "ConvInteger", "QLinearMatMul", "QLinearConv":
			return "quantized"
		}
	}
	if !modelHasNoHalf(m) {
		return "float16"
	}
	for _, in := range m.Graph().GetInput() {
		if dt, _, ok := onnxpb.ValueType(in); ok && dt == tensor.Float16 {
			return "float16"
		}
	}
	return "float32"
}

// DefaultTolerance is verify's default atol = rtol for a precision class:
// 1e-4 for float32, 1e-2 for float16, 2e-2 for quantized models.
func DefaultTolerance(precision string) Tolerance {
	v := map[string]float64{"float32": 1e-4, "float16": 1e-2, "quantized": 2e-2}[precision]
	if v == 0 {
		v = 1e-4
	}
	return Tolerance{Atol: v, Rtol: v}
}
