package webnn

import (
	"fmt"
	"math"
	"strings"
	"testing"

	"github.com/webnn-graph/webnn-graph/graph"
	"github.com/webnn-graph/webnn-graph/runtime/kernel"
	"github.com/webnn-graph/webnn-graph/tensor"
)

// Table-driven tests with hand-computed expectations for the ops the WPT
// copy lacks (or covers thinly).

func ft(shape []int, v ...float32) *tensor.Tensor {
	return &tensor.Tensor{DType: tensor.Float32, Shape: shape, Data: v}
}
func i32t(shape []int, v ...int32) *tensor.Tensor {
	return &tensor.Tensor{DType: tensor.Int32, Shape: shape, Data: v}
}
func i64t(shape []int, v ...int64) *tensor.Tensor {
	return &tensor.Tensor{DType: tensor.Int64, Shape: shape, Data: v}
}
func u8t(shape []int, v ...uint8) *tensor.Tensor {
	return &tensor.Tensor{DType: tensor.Uint8, Shape: shape, Data: v}
}
func i8t(shape []int, v ...int8) *tensor.Tensor {
	return &tensor.Tensor{DType: tensor.Int8, Shape: shape, Data: v}
}
func f16t(shape []int, v ...float32) *tensor.Tensor {
	h := make([]uint16, len(v))
	kernel.F32ToF16(h, v)
	return &tensor.Tensor{DType: tensor.Float16, Shape: shape, Data: h}
}

func descOf(t *tensor.Tensor) graph.Desc {
	d := graph.Desc{DType: t.DType}
	for _, s := range t.Shape {
		d.Shape = append(d.Shape, graph.Static(int64(s)))
	}
	return d
}

// runOp builds a one-node graph: operands in0, in1, … are graph inputs (a
// nil entry is skipped, so options can name later operands), outputs
// out0 … out{nout-1}.
func runOp(op string, opts map[string]any, nout int, ins ...*tensor.Tensor) ([]*tensor.Tensor, error) {
	g := &graph.Graph{Name: "t"}
	feeds := map[string]*tensor.Tensor{}
	node := graph.Node{ID: "out0", Op: op, Options: opts}
	positional := true
	for i, t := range ins {
		name := fmt.Sprintf("in%d", i)
		if t == nil {
			positional = false
			continue
		}
		g.Inputs = append(g.Inputs, graph.Input{Name: name, Desc: descOf(t)})
		feeds[name] = t
		if positional {
			node.Inputs = append(node.Inputs, name)
		}
	}
	if nout > 1 {
		for i := 0; i < nout; i++ {
			node.Outputs = append(node.Outputs, fmt.Sprintf("out%d", i))
		}
	}
	g.Nodes = []graph.Node{node}
	for i := 0; i < nout; i++ {
		n := fmt.Sprintf("out%d", i)
		g.Outputs = append(g.Outputs, graph.Output{Name: n, Operand: n})
	}
	p, err := Compile(g, nil)
	if err != nil {
		return nil, err
	}
	res, err := p.Run(feeds)
	if err != nil {
		return nil, err
	}
	out := make([]*tensor.Tensor, nout)
	for i := range out {
		out[i] = res[fmt.Sprintf("out%d", i)]
	}
	return out, nil
}

// sameTensor compares dtype, shape and values (floats within 1e-6 relative).
func sameTensor(got, want *tensor.Tensor) error {
	if got.DType != want.DType {
		return fmt.Errorf("dtype %v, want %v", got.DType, want.DType)
	}
	if !sameShape(got.Shape, want.Shape) && !(len(got.Shape) == 0 && len(want.Shape) == 0) {
		return fmt.Errorf("shape %v, want %v", got.Shape, want.Shape)
	}
	switch g := got.Data.(type) {
	case []float32:
		w := want.Data.([]float32)
		for i := range w {
			if math.Abs(float64(g[i]-w[i])) > 1e-6*math.Max(1, math.Abs(float64(w[i]))) {
				return fmt.Errorf("element %d = %v, want %v (all %v)", i, g[i], w[i], g)
			}
		}
	case []uint16:
		w := want.Data.([]uint16)
		for i := range w {
			if g[i] != w[i] {
				return fmt.Errorf("element %d = %v, want %v", i, kernel.Float16To32(g[i]), kernel.Float16To32(w[i]))
			}
		}
	default:
		if fmt.Sprint(got.Data) != fmt.Sprint(want.Data) {
			return fmt.Errorf("data %v, want %v", got.Data, want.Data)
		}
	}
	return nil
}

func sig(v float64) float64 { return 1 / (1 + math.Exp(-v)) }

func TestOps(t *testing.T) {
	s1, t1 := sig(1), math.Tanh(1)
	gruH1 := (1 - s1) * t1
	gruH2 := (1-s1)*t1 + s1*gruH1
	lstmC := s1 * t1
	lstmH := s1 * math.Tanh(lstmC)
	ones := func(shape ...int) *tensor.Tensor {
		d := make([]float32, tensor.NumElements(shape))
		for i := range d {
			d[i] = 1
		}
		return ft(shape, d...)
	}
	zeros := func(shape ...int) *tensor.Tensor { return ft(shape, make([]float32, tensor.NumElements(shape))...) }
	grid := ft([]int{1, 1, 3, 3}, 1, 2, 3, 4, 5, 6, 7, 8, 9)
	m22 := ft([]int{2, 2}, 1, 2, 3, 4)
	cases := []struct {
		name string
		op   string
		opts map[string]any
		ins  []*tensor.Tensor
		want []*tensor.Tensor
	}{
		{"argMax axis1 ties first", "argMax", map[string]any{"axis": int64(1)}, []*tensor.Tensor{ft([]int{2, 3}, 1, 5, 3, 7, 2, 7)}, []*tensor.Tensor{i32t([]int{2}, 1, 0)}},
		{"argMin axis0", "argMin", map[string]any{"axis": int64(0)}, []*tensor.Tensor{ft([]int{2, 3}, 1, 5, 3, 7, 2, 7)}, []*tensor.Tensor{i32t([]int{3}, 0, 1, 0)}},
		{"argMax keep int64", "argMax", map[string]any{"axis": int64(1), "keepDimensions": true, "outputDataType": "int64"}, []*tensor.Tensor{ft([]int{2, 3}, 1, 5, 3, 7, 2, 7)}, []*tensor.Tensor{i64t([]int{2, 1}, 1, 0)}},
		{"argMax int32 input", "argMax", map[string]any{"axis": int64(0)}, []*tensor.Tensor{i32t([]int{3}, -5, 9, 2)}, []*tensor.Tensor{i32t([]int{}, 1)}},
		{"gemm plain", "gemm", nil, []*tensor.Tensor{m22, ft([]int{2, 2}, 5, 6, 7, 8)}, []*tensor.Tensor{ft([]int{2, 2}, 19, 22, 43, 50)}},
		{"gemm alpha beta c option", "gemm", map[string]any{"alpha": 2.0, "beta": 3.0, "c": "in3"}, []*tensor.Tensor{m22, ft([]int{2, 2}, 5, 6, 7, 8), nil, ft([]int{2}, 1, 1)}, []*tensor.Tensor{ft([]int{2, 2}, 41, 47, 89, 103)}},
		{"gemm aTranspose", "gemm", map[string]any{"aTranspose": true}, []*tensor.Tensor{m22, ft([]int{2, 2}, 5, 6, 7, 8)}, []*tensor.Tensor{ft([]int{2, 2}, 26, 30, 38, 44)}},
		{"gemm bTranspose c positional", "gemm", map[string]any{"bTranspose": true}, []*tensor.Tensor{m22, ft([]int{2, 2}, 5, 6, 7, 8), ft([]int{}, 1)}, []*tensor.Tensor{ft([]int{2, 2}, 18, 24, 40, 54)}},
		{"matmul batched broadcast", "matmul", nil, []*tensor.Tensor{ft([]int{2, 1, 2}, 1, 2, 3, 4), ft([]int{2, 1}, 10, 1)}, []*tensor.Tensor{ft([]int{2, 1, 1}, 12, 34)}},
		{"prelu", "prelu", nil, []*tensor.Tensor{ft([]int{4}, -2, -1, 0, 3), ft([]int{1}, 0.5)}, []*tensor.Tensor{ft([]int{4}, -1, -0.5, 0, 3)}},
		{"prelu broadcast slope", "prelu", nil, []*tensor.Tensor{ft([]int{2, 2}, -2, -2, 4, -4), ft([]int{2}, 0.5, 0.25)}, []*tensor.Tensor{ft([]int{2, 2}, -1, -0.5, 4, -1)}},
		{"softplus", "softplus", nil, []*tensor.Tensor{ft([]int{2}, 0, 100)}, []*tensor.Tensor{ft([]int{2}, float32(math.Ln2), 100)}},
		{"softsign", "softsign", nil, []*tensor.Tensor{ft([]int{2}, 1, -3)}, []*tensor.Tensor{ft([]int{2}, 0.5, -0.75)}},
		{"softsign float16", "softsign", nil, []*tensor.Tensor{f16t([]int{2}, 1, -3)}, []*tensor.Tensor{f16t([]int{2}, 0.5, -0.75)}},
		{"triangular upper", "triangular", nil, []*tensor.Tensor{ft([]int{3, 3}, 1, 2, 3, 4, 5, 6, 7, 8, 9)}, []*tensor.Tensor{ft([]int{3, 3}, 1, 2, 3, 0, 5, 6, 0, 0, 9)}},
		{"triangular lower diag -1", "triangular", map[string]any{"upper": false, "diagonal": int64(-1)}, []*tensor.Tensor{ft([]int{3, 3}, 1, 2, 3, 4, 5, 6, 7, 8, 9)}, []*tensor.Tensor{ft([]int{3, 3}, 0, 0, 0, 4, 0, 0, 7, 8, 0)}},
		{"triangular upper diag 1", "triangular", map[string]any{"diagonal": int64(1)}, []*tensor.Tensor{ft([]int{2, 2}, 1, 2, 3, 4)}, []*tensor.Tensor{ft([]int{2, 2}, 0, 2, 0, 0)}},
		{"quantizeLinear uint8 ties to even and saturation", "quantizeLinear", nil, []*tensor.Tensor{ft([]int{5}, 0, 1, 2.5, -1, 300), ft([]int{1}, 1), u8t([]int{1}, 0)}, []*tensor.Tensor{u8t([]int{5}, 0, 1, 2, 0, 255)}},
		{"quantizeLinear int8 zero point", "quantizeLinear", nil, []*tensor.Tensor{ft([]int{3}, -1, 0.5, 100), ft([]int{1}, 0.5), i8t([]int{1}, 10)}, []*tensor.Tensor{i8t([]int{3}, 8, 11, 127)}},
		{"dequantizeLinear int8", "dequantizeLinear", nil, []*tensor.Tensor{i8t([]int{2}, -3, 4), ft([]int{1}, 0.5), i8t([]int{1}, 1)}, []*tensor.Tensor{ft([]int{2}, -2, 1.5)}},
		{"dequantizeLinear blockwise", "dequantizeLinear", nil, []*tensor.Tensor{u8t([]int{4}, 1, 2, 3, 4), ft([]int{2}, 1, 10), u8t([]int{2}, 0, 1)}, []*tensor.Tensor{ft([]int{4}, 1, 2, 20, 30)}},
		{"dequantizeLinear int4", "dequantizeLinear", nil, []*tensor.Tensor{{DType: tensor.Int4, Shape: []int{2}, Data: []int8{-8, 7}}, ft([]int{1}, 2), {DType: tensor.Int4, Shape: []int{1}, Data: []int8{-1}}}, []*tensor.Tensor{ft([]int{2}, -14, 16)}},
		{"pad constant", "pad", map[string]any{"beginningPadding": []any{int64(2)}, "endingPadding": []any{int64(1)}, "value": 9.0}, []*tensor.Tensor{ft([]int{3}, 1, 2, 3)}, []*tensor.Tensor{ft([]int{6}, 9, 9, 1, 2, 3, 9)}},
		{"pad edge", "pad", map[string]any{"beginningPadding": []any{int64(2)}, "endingPadding": []any{int64(1)}, "mode": "edge"}, []*tensor.Tensor{ft([]int{3}, 1, 2, 3)}, []*tensor.Tensor{ft([]int{6}, 1, 1, 1, 2, 3, 3)}},
		{"pad reflection", "pad", map[string]any{"beginningPadding": []any{int64(2)}, "endingPadding": []any{int64(1)}, "mode": "reflection"}, []*tensor.Tensor{ft([]int{3}, 1, 2, 3)}, []*tensor.Tensor{ft([]int{6}, 3, 2, 1, 2, 3, 2)}},
		{"pad symmetric", "pad", map[string]any{"beginningPadding": []any{int64(2)}, "endingPadding": []any{int64(1)}, "mode": "symmetric"}, []*tensor.Tensor{ft([]int{3}, 1, 2, 3)}, []*tensor.Tensor{ft([]int{6}, 2, 1, 1, 2, 3, 3)}},
		{"pad 2d int32", "pad", map[string]any{"beginningPadding": []any{int64(1), int64(0)}, "endingPadding": []any{int64(0), int64(1)}}, []*tensor.Tensor{i32t([]int{1, 2}, 5, 6)}, []*tensor.Tensor{i32t([]int{2, 3}, 0, 0, 0, 5, 6, 0)}},
		{"gather negative index", "gather", nil, []*tensor.Tensor{ft([]int{3}, 10, 20, 30), i32t([]int{3}, 2, -1, 0)}, []*tensor.Tensor{ft([]int{3}, 30, 30, 10)}},
		{"gather axis1 int64", "gather", map[string]any{"axis": int64(1)}, []*tensor.Tensor{m22, i64t([]int{1}, 1)}, []*tensor.Tensor{ft([]int{2, 1}, 2, 4)}},
		{"gatherElements", "gatherElements", map[string]any{"axis": int64(1)}, []*tensor.Tensor{m22, i32t([]int{2, 2}, 0, 0, 1, 0)}, []*tensor.Tensor{ft([]int{2, 2}, 1, 1, 4, 3)}},
		{"gatherND elements", "gatherND", nil, []*tensor.Tensor{m22, i32t([]int{2, 2}, 1, 0, 0, 1)}, []*tensor.Tensor{ft([]int{2}, 3, 2)}},
		{"gatherND rows", "gatherND", nil, []*tensor.Tensor{m22, i32t([]int{1, 1}, 1)}, []*tensor.Tensor{ft([]int{1, 2}, 3, 4)}},
		{"scatterElements 1d", "scatterElements", nil, []*tensor.Tensor{ft([]int{3}, 0, 0, 0), i32t([]int{1}, 1), ft([]int{1}, 5)}, []*tensor.Tensor{ft([]int{3}, 0, 5, 0)}},
		{"scatterElements axis1", "scatterElements", map[string]any{"axis": int64(1)}, []*tensor.Tensor{m22, i32t([]int{2, 1}, 1, 0), ft([]int{2, 1}, 9, 8)}, []*tensor.Tensor{ft([]int{2, 2}, 1, 9, 8, 4)}},
		{"scatterND", "scatterND", nil, []*tensor.Tensor{ft([]int{4}, 1, 2, 3, 4), i32t([]int{2, 1}, 3, 1), ft([]int{2}, 10, 20)}, []*tensor.Tensor{ft([]int{4}, 1, 20, 3, 10)}},
		{"scatterND rows", "scatterND", nil, []*tensor.Tensor{m22, i32t([]int{1, 1}, 0), ft([]int{1, 2}, 7, 8)}, []*tensor.Tensor{ft([]int{2, 2}, 7, 8, 3, 4)}},
		{"tile 1d", "tile", map[string]any{"repetitions": []any{int64(2)}}, []*tensor.Tensor{ft([]int{2}, 1, 2)}, []*tensor.Tensor{ft([]int{4}, 1, 2, 1, 2)}},
		{"tile 2d", "tile", map[string]any{"repetitions": []any{int64(1), int64(2)}}, []*tensor.Tensor{ft([]int{2, 1}, 1, 2)}, []*tensor.Tensor{ft([]int{2, 2}, 1, 1, 2, 2)}},
		{"where broadcast", "where", nil, []*tensor.Tensor{u8t([]int{3}, 1, 0, 1), ft([]int{3}, 1, 2, 3), ft([]int{1}, 7)}, []*tensor.Tensor{ft([]int{3}, 1, 7, 3)}},
		{"where int32 2d", "where", nil, []*tensor.Tensor{u8t([]int{2, 1}, 0, 1), i32t([]int{2}, 1, 2), i32t([]int{2}, 3, 4)}, []*tensor.Tensor{i32t([]int{2, 2}, 3, 4, 1, 2)}},
		{"reverse axis1", "reverse", map[string]any{"axes": []any{int64(1)}}, []*tensor.Tensor{m22}, []*tensor.Tensor{ft([]int{2, 2}, 2, 1, 4, 3)}},
		{"reverse all", "reverse", nil, []*tensor.Tensor{m22}, []*tensor.Tensor{ft([]int{2, 2}, 4, 3, 2, 1)}},
		{"maxPool2d 2x2", "maxPool2d", map[string]any{"windowDimensions": []any{int64(2), int64(2)}}, []*tensor.Tensor{grid}, []*tensor.Tensor{ft([]int{1, 1, 2, 2}, 5, 6, 8, 9)}},
		{"averagePool2d 2x2", "averagePool2d", map[string]any{"windowDimensions": []any{int64(2), int64(2)}}, []*tensor.Tensor{grid}, []*tensor.Tensor{ft([]int{1, 1, 2, 2}, 3, 4, 6, 7)}},
		{"averagePool2d padding excluded", "averagePool2d", map[string]any{"windowDimensions": []any{int64(3), int64(3)}, "padding": []any{int64(1), int64(1), int64(1), int64(1)}, "strides": []any{int64(2), int64(2)}}, []*tensor.Tensor{grid}, []*tensor.Tensor{ft([]int{1, 1, 2, 2}, 3, 4, 6, 7)}},
		{"averagePool2d default window", "averagePool2d", nil, []*tensor.Tensor{grid}, []*tensor.Tensor{ft([]int{1, 1, 1, 1}, 5)}},
		{"l2Pool2d", "l2Pool2d", nil, []*tensor.Tensor{ft([]int{1, 1, 2, 2}, 1, 2, 3, 4)}, []*tensor.Tensor{ft([]int{1, 1, 1, 1}, float32(math.Sqrt(30)))}},
		{"maxPool2d floor", "maxPool2d", map[string]any{"windowDimensions": []any{int64(2), int64(2)}, "strides": []any{int64(2), int64(2)}}, []*tensor.Tensor{grid}, []*tensor.Tensor{ft([]int{1, 1, 1, 1}, 5)}},
		{"maxPool2d ceil", "maxPool2d", map[string]any{"windowDimensions": []any{int64(2), int64(2)}, "strides": []any{int64(2), int64(2)}, "outputShapeRounding": "ceil"}, []*tensor.Tensor{grid}, []*tensor.Tensor{ft([]int{1, 1, 2, 2}, 5, 6, 8, 9)}},
		{"maxPool2d nhwc", "maxPool2d", map[string]any{"windowDimensions": []any{int64(2), int64(2)}, "layout": "nhwc"}, []*tensor.Tensor{ft([]int{1, 2, 2, 2}, 1, -1, 2, -2, 3, -3, 4, -4)}, []*tensor.Tensor{ft([]int{1, 1, 1, 2}, 4, -1)}},
		{"maxPool2d uint8", "maxPool2d", map[string]any{"windowDimensions": []any{int64(2), int64(2)}, "padding": []any{int64(0), int64(1), int64(0), int64(1)}}, []*tensor.Tensor{u8t([]int{1, 1, 2, 2}, 1, 200, 3, 4)}, []*tensor.Tensor{u8t([]int{1, 1, 2, 2}, 200, 200, 4, 4)}},
		{"globalAveragePool", "globalAveragePool", nil, []*tensor.Tensor{grid}, []*tensor.Tensor{ft([]int{1, 1, 1, 1}, 5)}},
		{"gruCell", "gruCell", map[string]any{"hiddenSize": int64(1)}, []*tensor.Tensor{ones(1, 1), ones(3, 1), zeros(3, 1), zeros(1, 1)}, []*tensor.Tensor{ft([]int{1, 1}, float32(gruH1))}},
		{"gru two steps with sequence", "gru", map[string]any{"steps": int64(2), "hiddenSize": int64(1), "returnSequence": true}, []*tensor.Tensor{ones(2, 1, 1), ones(1, 3, 1), zeros(1, 3, 1)}, []*tensor.Tensor{ft([]int{1, 1, 1}, float32(gruH2)), ft([]int{2, 1, 1, 1}, float32(gruH1), float32(gruH2))}},
		{"lstmCell", "lstmCell", map[string]any{"hiddenSize": int64(1)}, []*tensor.Tensor{ones(1, 1), ones(4, 1), zeros(4, 1), zeros(1, 1), zeros(1, 1)}, []*tensor.Tensor{ft([]int{1, 1}, float32(lstmH)), ft([]int{1, 1}, float32(lstmC))}},
		{"lstm one step", "lstm", map[string]any{"steps": int64(1), "hiddenSize": int64(1)}, []*tensor.Tensor{ones(1, 1, 1), ones(1, 4, 1), zeros(1, 4, 1)}, []*tensor.Tensor{ft([]int{1, 1, 1}, float32(lstmH)), ft([]int{1, 1, 1}, float32(lstmC))}},
		{"lstm bias option drives gates", "lstm", map[string]any{"steps": int64(1), "hiddenSize": int64(1), "bias": "in4"}, []*tensor.Tensor{zeros(1, 1, 1), ones(1, 4, 1), zeros(1, 4, 1), nil, ones(1, 4)}, []*tensor.Tensor{ft([]int{1, 1, 1}, float32(lstmH)), ft([]int{1, 1, 1}, float32(lstmC))}},
		{"logicalAnd", "logicalAnd", nil, []*tensor.Tensor{u8t([]int{4}, 0, 1, 2, 0), u8t([]int{4}, 0, 0, 3, 5)}, []*tensor.Tensor{u8t([]int{4}, 0, 0, 1, 0)}},
		{"logicalXor", "logicalXor", nil, []*tensor.Tensor{u8t([]int{4}, 0, 1, 2, 0), u8t([]int{4}, 0, 0, 3, 5)}, []*tensor.Tensor{u8t([]int{4}, 0, 1, 0, 1)}},
		{"isNaN", "isNaN", nil, []*tensor.Tensor{ft([]int{3}, float32(math.NaN()), 1, float32(math.Inf(1)))}, []*tensor.Tensor{u8t([]int{3}, 1, 0, 0)}},
		{"sign int32", "sign", nil, []*tensor.Tensor{i32t([]int{3}, -7, 0, 3)}, []*tensor.Tensor{i32t([]int{3}, -1, 0, 1)}},
		{"roundEven", "roundEven", nil, []*tensor.Tensor{ft([]int{4}, 0.5, 1.5, 2.5, -0.5)}, []*tensor.Tensor{ft([]int{4}, 0, 2, 2, 0)}},
		{"reciprocal", "reciprocal", nil, []*tensor.Tensor{ft([]int{2}, 4, -0.5)}, []*tensor.Tensor{ft([]int{2}, 0.25, -2)}},
		{"div int32 truncates toward zero", "div", nil, []*tensor.Tensor{i32t([]int{3}, 7, -7, 5), i32t([]int{3}, 2, 2, 0)}, []*tensor.Tensor{i32t([]int{3}, 3, -3, 0)}},
		{"cast float to int8 saturates", "cast", map[string]any{"to": "int8"}, []*tensor.Tensor{ft([]int{4}, 300, -300, -1.9, float32(math.NaN()))}, []*tensor.Tensor{i8t([]int{4}, 127, -128, -1, 0)}},
		{"cast int32 to uint8 wraps", "cast", map[string]any{"dataType": "uint8"}, []*tensor.Tensor{i32t([]int{2}, 257, -1)}, []*tensor.Tensor{u8t([]int{2}, 1, 255)}},
		{"squeeze", "squeeze", map[string]any{"axes": []any{int64(0)}}, []*tensor.Tensor{ft([]int{1, 2}, 1, 2)}, []*tensor.Tensor{ft([]int{2}, 1, 2)}},
		{"unsqueeze", "unsqueeze", map[string]any{"axes": []any{int64(1)}}, []*tensor.Tensor{ft([]int{2}, 1, 2)}, []*tensor.Tensor{ft([]int{2, 1}, 1, 2)}},
		{"cumulativeSum exclusive reversed", "cumulativeSum", map[string]any{"axis": int64(0), "exclusive": true, "reversed": true}, []*tensor.Tensor{i32t([]int{3}, 1, 2, 3)}, []*tensor.Tensor{i32t([]int{3}, 5, 3, 0)}},
		{"resample2d nearest uint8", "resample2d", map[string]any{"scales": []any{1.0, 2.0}}, []*tensor.Tensor{u8t([]int{1, 1, 1, 2}, 7, 9)}, []*tensor.Tensor{u8t([]int{1, 1, 1, 4}, 7, 7, 9, 9)}},
		{"resample2d linear", "resample2d", map[string]any{"mode": "linear", "sizes": []any{int64(1), int64(4)}}, []*tensor.Tensor{ft([]int{1, 1, 1, 2}, 0, 4)}, []*tensor.Tensor{ft([]int{1, 1, 1, 4}, 0, 1, 3, 4)}},
		{"layerNormalization positional scale bias", "layerNormalization", map[string]any{"axes": []any{int64(1)}, "epsilon": 0.0}, []*tensor.Tensor{ft([]int{1, 2}, 1, 3), ft([]int{2}, 2, 2), ft([]int{2}, 1, 1)}, []*tensor.Tensor{ft([]int{1, 2}, -1, 3)}},
		{"split sizes", "split", map[string]any{"splits": []any{int64(1), int64(2)}}, []*tensor.Tensor{ft([]int{3}, 1, 2, 3)}, []*tensor.Tensor{ft([]int{1}, 1), ft([]int{2}, 2, 3)}},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			got, err := runOp(c.op, c.opts, len(c.want), c.ins...)
			if err != nil {
				t.Fatal(err)
			}
			for i, w := range c.want {
				if err := sameTensor(got[i], w); err != nil {
					t.Errorf("output %d: %v", i, err)
				}
			}
		})
	}
}

func TestOpErrors(t *testing.T) {
	cases := []struct {
		name    string
		op      string
		opts    map[string]any
		ins     []*tensor.Tensor
		wantErr string
	}{
		{"gather out of range", "gather", nil, []*tensor.Tensor{ft([]int{3}, 1, 2, 3), i32t([]int{1}, 3)}, "index 3 (at position 0) out of range for axis 0 of size 3"},
		{"gatherND out of range", "gatherND", nil, []*tensor.Tensor{ft([]int{2}, 1, 2), i32t([]int{1, 1}, -3)}, "out of range"},
		{"scatterElements out of range", "scatterElements", nil, []*tensor.Tensor{ft([]int{2}, 1, 2), i32t([]int{1}, 5), ft([]int{1}, 0)}, "out of range"},
		{"add mismatched shapes", "add", nil, []*tensor.Tensor{ft([]int{2}, 1, 2), ft([]int{3}, 1, 2, 3)}, "not broadcastable"},
		{"add mixed types", "add", nil, []*tensor.Tensor{ft([]int{1}, 1), i32t([]int{1}, 1)}, "data types differ"},
		{"matmul inner mismatch", "matmul", nil, []*tensor.Tensor{ft([]int{1, 2}, 1, 2), ft([]int{3, 1}, 1, 2, 3)}, "inner dimensions differ"},
		{"reshape wrong count", "reshape", map[string]any{"newShape": []any{int64(3)}}, []*tensor.Tensor{ft([]int{2}, 1, 2)}, "cannot reshape"},
		{"unknown op", "frobnicate", nil, []*tensor.Tensor{ft([]int{1}, 1)}, `unknown WebNN op "frobnicate"`},
		{"arity", "add", nil, []*tensor.Tensor{ft([]int{1}, 1)}, "takes 2 operand inputs, got 1"},
		{"slice out of bounds", "slice", map[string]any{"starts": []any{int64(1)}, "sizes": []any{int64(2)}}, []*tensor.Tensor{ft([]int{2}, 1, 2)}, "exceeds axis 0"},
		{"cast bad type", "cast", map[string]any{"to": "float64"}, []*tensor.Tensor{ft([]int{1}, 1)}, "unknown data type"},
		{"expand beyond the tensor limit", "expand", map[string]any{"newShape": []any{int64(1 << 20), int64(1 << 20)}}, []*tensor.Tensor{ft([]int{1}, 1)}, "needs 4398046511104 bytes (4.0 TiB), over the per-tensor memory budget"},
		{"pad reflection too wide", "pad", map[string]any{"beginningPadding": []any{int64(3)}, "endingPadding": []any{int64(0)}, "mode": "reflection"}, []*tensor.Tensor{ft([]int{2}, 1, 2)}, "reflection padding"},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			_, err := runOp(c.op, c.opts, 1, c.ins...)
			if err == nil || !strings.Contains(err.Error(), c.wantErr) {
				t.Fatalf("error %v, want one containing %q", err, c.wantErr)
			}
			if !strings.Contains(err.Error(), "node \"out0\"") {
				t.Errorf("error %q does not name the node", err)
			}
		})
	}
}
