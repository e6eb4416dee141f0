package onnxrt

import (
	"math"
	"sort"
	"strings"
	"testing"

	"google.golang.org/protobuf/proto"

	"github.com/webnn-graph/webnn-graph/onnxpb"
	"github.com/webnn-graph/webnn-graph/tensor"
)

// Table-driven tests of ops whose semantics are subtle (opset-dependent
// behaviour, special values), and of the error paths.

// testModel builds a one-graph model from nodes; inputs are fed by name,
// consts become initializers.
type testModel struct {
	opset   int64
	nodes   []*onnxpb.NodeProto
	inputs  map[string]*tensor.Tensor
	consts  map[string]*tensor.Tensor
	outputs []string
	// declared input dims (nil: rank-free); use to test input checking
	declared map[string][]onnxpb.DimProto
}

func tensorProto(name string, t *tensor.Tensor) *onnxpb.TensorProto {
	tp := &onnxpb.TensorProto{Name: name, DataType: int32(t.DType)}
	for _, d := range t.Shape {
		tp.Dims = append(tp.Dims, int64(d))
	}
	if s, ok := t.Data.([]string); ok {
		for _, x := range s {
			tp.StringData = append(tp.StringData, []byte(x))
		}
	} else {
		tp.RawData = t.Bytes()
	}
	return tp
}

func valueInfoProto(name string, dt tensor.DType, dims []onnxpb.DimProto) *onnxpb.ValueInfoProto {
	tt := &onnxpb.TypeProto_Tensor{ElemType: int32(dt)}
	if dims != nil {
		tt.Shape = &onnxpb.TensorShapeProto{}
		for _, d := range dims {
			dim := &onnxpb.TensorShapeProto_Dimension{}
			if d.Known {
				dim.Value = &onnxpb.TensorShapeProto_Dimension_DimValue{DimValue: d.Value}
			} else if d.Param != "" {
				dim.Value = &onnxpb.TensorShapeProto_Dimension_DimParam{DimParam: d.Param}
			}
			tt.Shape.Dim = append(tt.Shape.Dim, dim)
		}
	}
	return &onnxpb.ValueInfoProto{Name: name, Type: &onnxpb.TypeProto{Value: &onnxpb.TypeProto_TensorType{TensorType: tt}}}
}

func (tm testModel) compile(t *testing.T) (*Program, error) {
	t.Helper()
	return tm.compileWithOpsets(t, map[string]int64{"": tm.opset})
}

func (tm testModel) compileWithOpsets(t *testing.T, opsets map[string]int64) (*Program, error) {
	t.Helper()
	g := &onnxpb.GraphProto{Name: "test", Node: tm.nodes}
	names := make([]string, 0, len(tm.inputs))
	for name := range tm.inputs {
		names = append(names, name)
	}
	sort.Strings(names) // inputs in a fixed order, so error messages are stable
	for _, name := range names {
		g.Input = append(g.Input, valueInfoProto(name, tm.inputs[name].DType, tm.declared[name]))
	}
	for name, v := range tm.consts {
		g.Initializer = append(g.Initializer, tensorProto(name, v))
	}
	for _, o := range tm.outputs {
		g.Output = append(g.Output, &onnxpb.ValueInfoProto{Name: o})
	}
	mp := &onnxpb.ModelProto{IrVersion: 8, Graph: g}
	for d, v := range opsets {
		mp.OpsetImport = append(mp.OpsetImport, &onnxpb.OperatorSetIdProto{Domain: d, Version: v})
	}
	data, err := proto.Marshal(mp)
	if err != nil {
		t.Fatal(err)
	}
	m, err := onnxpb.Parse(data, "")
	if err != nil {
		t.Fatal(err)
	}
	return Compile(m)
}

func (tm testModel) run(t *testing.T) (map[string]*tensor.Tensor, error) {
	t.Helper()
	p, err := tm.compile(t)
	if err != nil {
		return nil, err
	}
	return p.Run(tm.inputs)
}

func nodeProto(op string, in, out []string, attrs ...*onnxpb.AttributeProto) *onnxpb.NodeProto {
	return &onnxpb.NodeProto{Name: op + "_0", OpType: op, Input: in, Output: out, Attribute: attrs}
}

func attrI(name string, v int64) *onnxpb.AttributeProto {
	return &onnxpb.AttributeProto{Name: name, Type: onnxpb.AttributeProto_INT, I: v}
}

func attrS(name, v string) *onnxpb.AttributeProto {
	return &onnxpb.AttributeProto{Name: name, Type: onnxpb.AttributeProto_STRING, S: []byte(v)}
}

func attrInts(name string, v ...int64) *onnxpb.AttributeProto {
	return &onnxpb.AttributeProto{Name: name, Type: onnxpb.AttributeProto_INTS, Ints: v}
}

func f32(shape []int, v ...float32) *tensor.Tensor { return f32Tensor(shape, v) }
func i64(shape []int, v ...int64) *tensor.Tensor   { return i64Tensor(shape, v) }

func assertClose(t *testing.T, got, want *tensor.Tensor) {
	t.Helper()
	if err := compareTensors(got, want, 1e-5, 1e-6); err != nil {
		t.Errorf("got %v %v, want %v %v: %v", got, got.Data, want, want.Data, err)
	}
}

func TestSoftmaxOpsetSemantics(t *testing.T) {
	x := f32([]int{2, 2}, 1, 2, 3, 4)
	e := func(v ...float64) []float32 {
		s := 0.0
		for _, a := range v {
			s += math.Exp(a)
		}
		out := make([]float32, len(v))
		for i, a := range v {
			out[i] = float32(math.Exp(a) / s)
		}
		return out
	}
	rowWise := append(e(1, 2), e(3, 4)...)                               // axis -1 (opset 13) or axis 1 (2-D)
	whole := e(1, 2, 3, 4)                                               // opset 11 axis 0: flattened to [1, 4]
	colWise := []float32{e(1, 3)[0], e(2, 4)[0], e(1, 3)[1], e(2, 4)[1]} // opset 13 axis 0
	cases := []struct {
		name  string
		opset int64
		attrs []*onnxpb.AttributeProto
		want  []float32
	}{
		{"opset11 default axis 1", 11, nil, rowWise},
		{"opset11 axis 0 flattens", 11, []*onnxpb.AttributeProto{attrI("axis", 0)}, whole},
		{"opset13 default axis -1", 13, nil, rowWise},
		{"opset13 axis 0 is per column", 13, []*onnxpb.AttributeProto{attrI("axis", 0)}, colWise},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			out, err := testModel{opset: tc.opset, nodes: []*onnxpb.NodeProto{nodeProto("Softmax", []string{"x"}, []string{"y"}, tc.attrs...)},
				inputs: map[string]*tensor.Tensor{"x": x}, outputs: []string{"y"}}.run(t)
			if err != nil {
				t.Fatal(err)
			}
			assertClose(t, out["y"], f32([]int{2, 2}, tc.want...))
		})
	}
}

func TestReshapeAllowzero(t *testing.T) {
	cases := []struct {
		name      string
		in        []int
		shape     []int64
		allowzero int64
		want      []int
		wantErr   string
	}{
		{"zero copies dim", []int{2, 3, 4}, []int64{0, -1}, 0, []int{2, 12}, ""},
		{"allowzero keeps zero", []int{0, 3}, []int64{3, 0}, 1, []int{3, 0}, ""},
		{"zero without allowzero copies", []int{0, 3}, []int64{3, 0}, 0, []int{3, 3}, "cannot reshape"},
		{"infer", []int{2, 3, 4}, []int64{-1, 4}, 0, []int{6, 4}, ""},
		{"two -1", []int{2, 3}, []int64{-1, -1}, 0, nil, "more than one -1"},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			x := tensor.New(tensor.Float32, tc.in)
			out, err := testModel{opset: 14, nodes: []*onnxpb.NodeProto{nodeProto("Reshape", []string{"x", "s"}, []string{"y"}, attrI("allowzero", tc.allowzero))},
				inputs: map[string]*tensor.Tensor{"x": x}, consts: map[string]*tensor.Tensor{"s": i64([]int{len(tc.shape)}, tc.shape...)}, outputs: []string{"y"}}.run(t)
			if tc.wantErr != "" {
				if err == nil || !strings.Contains(err.Error(), tc.wantErr) {
					t.Fatalf("error %v, want %q", err, tc.wantErr)
				}
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			if !sameShape(out["y"].Shape, tc.want) {
				t.Errorf("shape %v, want %v", out["y"].Shape, tc.want)
			}
		})
	}
}

func TestSliceSteps(t *testing.T) {
	x := f32([]int{6}, 0, 1, 2, 3, 4, 5)
	cases := []struct {
		name                     string
		starts, ends, axes, step []int64
		want                     []float32
	}{
		{"reverse all", []int64{-1}, []int64{math.MinInt64}, []int64{0}, []int64{-1}, []float32{5, 4, 3, 2, 1, 0}},
		{"reverse step 2", []int64{5}, []int64{0}, []int64{0}, []int64{-2}, []float32{5, 3, 1}},
		{"clamped ends", []int64{1}, []int64{1000}, []int64{0}, []int64{2}, []float32{1, 3, 5}},
		{"negative start", []int64{-3}, []int64{6}, []int64{0}, []int64{1}, []float32{3, 4, 5}},
		{"empty", []int64{4}, []int64{2}, []int64{0}, []int64{1}, []float32{}},
		{"negative axis", []int64{0}, []int64{2}, []int64{-1}, []int64{1}, []float32{0, 1}},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			consts := map[string]*tensor.Tensor{
				"st": i64([]int{1}, tc.starts...), "en": i64([]int{1}, tc.ends...),
				"ax": i64([]int{1}, tc.axes...), "sp": i64([]int{1}, tc.step...),
			}
			out, err := testModel{opset: 13, nodes: []*onnxpb.NodeProto{nodeProto("Slice", []string{"x", "st", "en", "ax", "sp"}, []string{"y"})},
				inputs: map[string]*tensor.Tensor{"x": x}, consts: consts, outputs: []string{"y"}}.run(t)
			if err != nil {
				t.Fatal(err)
			}
			assertClose(t, out["y"], f32([]int{len(tc.want)}, tc.want...))
		})
	}
}

func TestResizeModes(t *testing.T) {
	x := f32([]int{1, 1, 1, 2}, 1, 3)
	cases := []struct {
		name  string
		attrs []*onnxpb.AttributeProto
		want  []float32
	}{
		{"nearest asymmetric floor", []*onnxpb.AttributeProto{attrS("mode", "nearest"), attrS("coordinate_transformation_mode", "asymmetric"), attrS("nearest_mode", "floor")}, []float32{1, 1, 3, 3}},
		{"nearest half_pixel round_prefer_floor", []*onnxpb.AttributeProto{attrS("mode", "nearest")}, []float32{1, 1, 3, 3}},
		{"linear half_pixel", []*onnxpb.AttributeProto{attrS("mode", "linear")}, []float32{1, 1.5, 2.5, 3}},
		{"linear align_corners", []*onnxpb.AttributeProto{attrS("mode", "linear"), attrS("coordinate_transformation_mode", "align_corners")}, []float32{1, 1 + 2.0/3, 1 + 4.0/3, 3}},
		{"linear asymmetric", []*onnxpb.AttributeProto{attrS("mode", "linear"), attrS("coordinate_transformation_mode", "asymmetric")}, []float32{1, 2, 3, 3}},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			out, err := testModel{opset: 13, nodes: []*onnxpb.NodeProto{nodeProto("Resize", []string{"x", "", "sc"}, []string{"y"}, tc.attrs...)},
				inputs: map[string]*tensor.Tensor{"x": x}, consts: map[string]*tensor.Tensor{"sc": f32([]int{4}, 1, 1, 1, 2)}, outputs: []string{"y"}}.run(t)
			if err != nil {
				t.Fatal(err)
			}
			assertClose(t, out["y"], f32([]int{1, 1, 1, 4}, tc.want...))
		})
	}
}

func TestReduceAxesByOpset(t *testing.T) {
	x := f32([]int{2, 2}, 1, 2, 3, 4)
	cases := []struct {
		name   string
		opset  int64
		node   *onnxpb.NodeProto
		consts map[string]*tensor.Tensor
		want   *tensor.Tensor
	}{
		{"ReduceSum-11 attribute", 11, nodeProto("ReduceSum", []string{"x"}, []string{"y"}, attrInts("axes", 1), attrI("keepdims", 0)), nil, f32([]int{2}, 3, 7)},
		{"ReduceSum-13 input", 13, nodeProto("ReduceSum", []string{"x", "a"}, []string{"y"}, attrI("keepdims", 0)), map[string]*tensor.Tensor{"a": i64([]int{1}, 0)}, f32([]int{2}, 4, 6)},
		{"ReduceSum-13 noop", 13, nodeProto("ReduceSum", []string{"x", "a"}, []string{"y"}, attrI("noop_with_empty_axes", 1)), map[string]*tensor.Tensor{"a": i64([]int{0})}, x},
		{"ReduceMean-13 attribute", 13, nodeProto("ReduceMean", []string{"x"}, []string{"y"}, attrInts("axes", -1)), nil, f32([]int{2, 1}, 1.5, 3.5)},
		{"ReduceMax-18 input", 18, nodeProto("ReduceMax", []string{"x", "a"}, []string{"y"}, attrI("keepdims", 0)), map[string]*tensor.Tensor{"a": i64([]int{1}, 1)}, f32([]int{2}, 2, 4)},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			out, err := testModel{opset: tc.opset, nodes: []*onnxpb.NodeProto{tc.node},
				inputs: map[string]*tensor.Tensor{"x": x}, consts: tc.consts, outputs: []string{"y"}}.run(t)
			if err != nil {
				t.Fatal(err)
			}
			assertClose(t, out["y"], tc.want)
		})
	}
}

func TestBadInputs(t *testing.T) {
	dims := func(v ...any) []onnxpb.DimProto {
		var d []onnxpb.DimProto
		for _, x := range v {
			switch x := x.(type) {
			case int:
				d = append(d, onnxpb.DimProto{Value: int64(x), Known: true})
			case string:
				d = append(d, onnxpb.DimProto{Param: x})
			}
		}
		return d
	}
	add := []*onnxpb.NodeProto{nodeProto("Add", []string{"a", "b"}, []string{"y"})}
	cases := []struct {
		name    string
		model   testModel
		feed    map[string]*tensor.Tensor
		wantErr []string
	}{
		{
			name:    "missing input",
			model:   testModel{opset: 17, nodes: add, inputs: map[string]*tensor.Tensor{"a": f32([]int{2}, 1, 2), "b": f32([]int{2}, 1, 2)}, outputs: []string{"y"}, declared: map[string][]onnxpb.DimProto{"a": dims("n"), "b": dims("n")}},
			feed:    map[string]*tensor.Tensor{"a": f32([]int{2}, 1, 2)},
			wantErr: []string{`input "b" is missing`, "float32[n]"},
		},
		{
			name:    "wrong dims",
			model:   testModel{opset: 17, nodes: add, inputs: map[string]*tensor.Tensor{"a": f32([]int{2}, 1, 2), "b": f32([]int{2}, 1, 2)}, outputs: []string{"y"}, declared: map[string][]onnxpb.DimProto{"a": dims(3), "b": dims(2)}},
			feed:    map[string]*tensor.Tensor{"a": f32([]int{2}, 1, 2), "b": f32([]int{2}, 1, 2)},
			wantErr: []string{`input "a": expected dims [3], got [2]`},
		},
		{
			name:    "inconsistent symbolic dim",
			model:   testModel{opset: 17, nodes: add, inputs: map[string]*tensor.Tensor{"a": f32([]int{2}, 1, 2), "b": f32([]int{3}, 1, 2, 3)}, outputs: []string{"y"}, declared: map[string][]onnxpb.DimProto{"a": dims("n"), "b": dims("n")}},
			feed:    map[string]*tensor.Tensor{"a": f32([]int{2}, 1, 2), "b": f32([]int{3}, 1, 2, 3)},
			wantErr: []string{"(n) is 3", `input "a" has n = 2`},
		},
		{
			name:    "wrong dtype",
			model:   testModel{opset: 17, nodes: add, inputs: map[string]*tensor.Tensor{"a": f32([]int{2}, 1, 2), "b": f32([]int{2}, 1, 2)}, outputs: []string{"y"}},
			feed:    map[string]*tensor.Tensor{"a": i64([]int{2}, 1, 2), "b": f32([]int{2}, 1, 2)},
			wantErr: []string{`input "a": expected dtype float32, got int64`},
		},
		{
			name: "gather index out of range",
			model: testModel{opset: 17, nodes: []*onnxpb.NodeProto{nodeProto("Gather", []string{"a", "i"}, []string{"y"})},
				inputs: map[string]*tensor.Tensor{"a": f32([]int{2}, 1, 2), "i": i64([]int{1}, 5)}, outputs: []string{"y"}},
			feed:    map[string]*tensor.Tensor{"a": f32([]int{2}, 1, 2), "i": i64([]int{1}, 5)},
			wantErr: []string{`node "Gather_0" (Gather)`, "index 5 out of range for dim 2"},
		},
		{
			name: "broadcast mismatch",
			model: testModel{opset: 17, nodes: add,
				inputs: map[string]*tensor.Tensor{"a": f32([]int{2}, 1, 2), "b": f32([]int{3}, 1, 2, 3)}, outputs: []string{"y"}},
			feed:    map[string]*tensor.Tensor{"a": f32([]int{2}, 1, 2), "b": f32([]int{3}, 1, 2, 3)},
			wantErr: []string{`node "Add_0" (Add)`, "not broadcastable"},
		},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			p, err := tc.model.compile(t)
			if err != nil {
				t.Fatal(err)
			}
			_, err = p.Run(tc.feed)
			if err == nil {
				t.Fatal("no error")
			}
			for _, w := range tc.wantErr {
				if !strings.Contains(err.Error(), w) {
					t.Errorf("error %q does not mention %q", err, w)
				}
			}
		})
	}
}

func TestUnknownOpsReportedTogether(t *testing.T) {
	nodes := []*onnxpb.NodeProto{
		nodeProto("FancyOp", []string{"a"}, []string{"b"}),
		{Name: "ms", OpType: "MysteryAttention", Domain: "com.example", Input: []string{"b"}, Output: []string{"c"}},
		nodeProto("Relu", []string{"c"}, []string{"y"}),
	}
	_, err := testModel{opset: 17, nodes: nodes, inputs: map[string]*tensor.Tensor{"a": f32([]int{1}, 1)}, outputs: []string{"y"}}.compile(t)
	if err == nil {
		t.Fatal("no error")
	}
	// One line per op, each a problem of its own (none indented).
	for _, w := range []string{"onnxrt: unsupported op: node \"FancyOp_0\": op FancyOp (domain ai.onnx, opset 17)", "\nonnxrt: unsupported op: node \"ms\": op MysteryAttention (domain com.example, opset 1)"} {
		if !strings.Contains(err.Error(), w) {
			t.Errorf("error %q does not mention %q", err, w)
		}
	}
}

func TestIfSeesOuterScope(t *testing.T) {
	branch := func(op string) *onnxpb.GraphProto {
		return &onnxpb.GraphProto{Name: op, Node: []*onnxpb.NodeProto{nodeProto(op, []string{"a", "b"}, []string{"r"})},
			Output: []*onnxpb.ValueInfoProto{{Name: "r"}}}
	}
	ifNode := nodeProto("If", []string{"c"}, []string{"y"},
		&onnxpb.AttributeProto{Name: "then_branch", Type: onnxpb.AttributeProto_GRAPH, G: branch("Add")},
		&onnxpb.AttributeProto{Name: "else_branch", Type: onnxpb.AttributeProto_GRAPH, G: branch("Mul")})
	for _, tc := range []struct {
		cond bool
		want float32
	}{{true, 5}, {false, 6}} {
		out, err := testModel{opset: 17, nodes: []*onnxpb.NodeProto{ifNode},
			inputs:  map[string]*tensor.Tensor{"a": f32([]int{1}, 2), "b": f32([]int{1}, 3), "c": {DType: tensor.Bool, Data: []bool{tc.cond}}},
			outputs: []string{"y"}}.run(t)
		if err != nil {
			t.Fatal(err)
		}
		assertClose(t, out["y"], f32([]int{1}, tc.want))
	}
}

func TestRunWithIntermediates(t *testing.T) {
	nodes := []*onnxpb.NodeProto{
		nodeProto("Relu", []string{"x"}, []string{"h"}),
		nodeProto("Neg", []string{"h"}, []string{"y"}),
	}
	p, err := testModel{opset: 17, nodes: nodes, inputs: map[string]*tensor.Tensor{"x": f32([]int{2}, -1, 2)}, outputs: []string{"y"}}.compile(t)
	if err != nil {
		t.Fatal(err)
	}
	out, inter, err := p.RunWithIntermediates(map[string]*tensor.Tensor{"x": f32([]int{2}, -1, 2)}, []string{"h"})
	if err != nil {
		t.Fatal(err)
	}
	assertClose(t, inter["h"], f32([]int{2}, 0, 2))
	assertClose(t, out["y"], f32([]int{2}, 0, -2))
}

func TestFloat16ComputedInFloat32(t *testing.T) {
	h := func(v ...float32) *tensor.Tensor { return fromF32(f32([]int{len(v)}, v...), tensor.Float16) }
	out, err := testModel{opset: 17, nodes: []*onnxpb.NodeProto{nodeProto("Add", []string{"a", "b"}, []string{"y"})},
		inputs: map[string]*tensor.Tensor{"a": h(1, 2048), "b": h(0.5, 1)}, outputs: []string{"y"}}.run(t)
	if err != nil {
		t.Fatal(err)
	}
	// 2048 + 1 rounds to 2048 in float16 (spacing 2 there)
	if got := toF32(out["y"]).Data.([]float32); got[0] != 1.5 || got[1] != 2048 || out["y"].DType != tensor.Float16 {
		t.Errorf("got %v %v", out["y"].DType, got)
	}
}

func TestMatMulNBits(t *testing.T) {
	// K=5 in blocks of 4 (the last block padded), N=2, 4-bit, packed
	// uint8 zero points. Reference: w[k][n] = (q[n][k] - zp[n][k/4]) · s[n][k/4].
	const k, nn, block = 5, 2, 4
	q := [nn][8]uint8{{1, 2, 3, 4, 5, 0, 0, 0}, {15, 14, 13, 12, 11, 0, 0, 0}}
	zp := [nn][2]uint8{{8, 3}, {7, 9}}
	sc := [nn][2]float32{{0.5, 2}, {0.25, -1}}
	var packedB []uint8
	for col := 0; col < nn; col++ {
		for i := 0; i < 8; i += 2 {
			packedB = append(packedB, q[col][i]|q[col][i+1]<<4)
		}
	}
	var packedZP []uint8
	var scales []float32
	for col := 0; col < nn; col++ {
		packedZP = append(packedZP, zp[col][0]|zp[col][1]<<4)
		scales = append(scales, sc[col][0], sc[col][1])
	}
	a := f32([]int{1, k}, 1, -1, 2, 0.5, 3)
	want := make([]float32, nn)
	for col := 0; col < nn; col++ {
		for kk := 0; kk < k; kk++ {
			w := (float32(q[col][kk]) - float32(zp[col][kk/block])) * sc[col][kk/block]
			want[col] += a.Data.([]float32)[kk] * w
		}
	}
	node := &onnxpb.NodeProto{Name: "mm", OpType: "MatMulNBits", Domain: "com.microsoft", Input: []string{"a", "b", "s", "z"}, Output: []string{"y"},
		Attribute: []*onnxpb.AttributeProto{attrI("K", k), attrI("N", nn), attrI("bits", 4), attrI("block_size", block)}}
	tm := testModel{opset: 17, nodes: []*onnxpb.NodeProto{node}, inputs: map[string]*tensor.Tensor{"a": a},
		consts: map[string]*tensor.Tensor{
			"b": {DType: tensor.Uint8, Shape: []int{nn, 2, 2}, Data: packedB},
			"s": f32([]int{nn * 2}, scales...),
			"z": {DType: tensor.Uint8, Shape: []int{nn}, Data: packedZP},
		}, outputs: []string{"y"}}
	p, err := tm.compileWithOpsets(t, map[string]int64{"": 17, "com.microsoft": 1})
	if err != nil {
		t.Fatal(err)
	}
	for run := 0; run < 2; run++ { // second run uses the packed weights
		out, err := p.Run(tm.inputs)
		if err != nil {
			t.Fatal(err)
		}
		assertClose(t, out["y"], f32([]int{1, nn}, want...))
	}
}

func TestSkipLayerNormMatchesLayerNorm(t *testing.T) {
	x := f32([]int{2, 3}, 1, 2, 3, -1, 0, 4)
	skip := f32([]int{2, 3}, 0.5, 0.5, 0.5, 1, 1, 1)
	gamma := f32([]int{3}, 1, 2, 0.5)
	beta := f32([]int{3}, 0, 0.1, -0.1)
	bias := f32([]int{3}, 0.2, 0, 0)
	eps := &onnxpb.AttributeProto{Name: "epsilon", Type: onnxpb.AttributeProto_FLOAT, F: 1e-5}
	// reference: default-domain ops
	ref := testModel{opset: 17, nodes: []*onnxpb.NodeProto{
		nodeProto("Add", []string{"x", "skip"}, []string{"s1"}),
		nodeProto("Add", []string{"s1", "bias"}, []string{"s2"}),
		nodeProto("LayerNormalization", []string{"s2", "gamma", "beta"}, []string{"y"}, eps),
	}, inputs: map[string]*tensor.Tensor{"x": x, "skip": skip}, consts: map[string]*tensor.Tensor{"gamma": gamma, "beta": beta, "bias": bias}, outputs: []string{"y", "s2"}}
	want, err := ref.run(t)
	if err != nil {
		t.Fatal(err)
	}
	sln := ref
	sln.nodes = []*onnxpb.NodeProto{{Name: "sln", OpType: "SkipLayerNormalization", Domain: "com.microsoft",
		Input: []string{"x", "skip", "gamma", "beta", "bias"}, Output: []string{"y", "", "", "s2"}, Attribute: []*onnxpb.AttributeProto{eps}}}
	p, err := sln.compileWithOpsets(t, map[string]int64{"": 17, "com.microsoft": 1})
	if err != nil {
		t.Fatal(err)
	}
	got, err := p.Run(sln.inputs)
	if err != nil {
		t.Fatal(err)
	}
	assertClose(t, got["y"], want["y"])
	assertClose(t, got["s2"], want["s2"])
}

func TestRMSNormalization(t *testing.T) {
	x := f32([]int{2, 2}, 3, 4, 1, -1)
	out, err := testModel{opset: 23, nodes: []*onnxpb.NodeProto{nodeProto("RMSNormalization", []string{"x", "s"}, []string{"y"},
		&onnxpb.AttributeProto{Name: "epsilon", Type: onnxpb.AttributeProto_FLOAT, F: 0})},
		inputs: map[string]*tensor.Tensor{"x": x}, consts: map[string]*tensor.Tensor{"s": f32([]int{2}, 1, 2)}, outputs: []string{"y"}}.run(t)
	if err != nil {
		t.Fatal(err)
	}
	r1 := float32(math.Sqrt((9 + 16) / 2.0))
	assertClose(t, out["y"], f32([]int{2, 2}, 3/r1, 2*4/r1, 1, -2))
}

func TestRotaryEmbedding(t *testing.T) {
	// one head of size 4, two positions; cache rows for positions 0..2
	cosC := f32([]int{3, 2}, 1, 1, 0.5, 0.25, 0, -1)
	sinC := f32([]int{3, 2}, 0, 0, 0.5, 0.75, 1, 0)
	x4 := f32([]int{1, 1, 2, 4}, 1, 2, 3, 4, 5, 6, 7, 8)
	pos := i64([]int{1, 2}, 2, 1)
	rot := func(x1, x2, c, s float32) (float32, float32) { return c*x1 - s*x2, s*x1 + c*x2 }
	cases := []struct {
		name        string
		interleaved int64
		want        []float32
	}{
		{"halves", 0, func() []float32 {
			// position 2 (cos 0,-1; sin 1,0) then position 1 (cos .5,.25; sin .5,.75)
			a0, a2 := rot(1, 3, 0, 1)
			a1, a3 := rot(2, 4, -1, 0)
			b0, b2 := rot(5, 7, 0.5, 0.5)
			b1, b3 := rot(6, 8, 0.25, 0.75)
			return []float32{a0, a1, a2, a3, b0, b1, b2, b3}
		}()},
		{"interleaved", 1, func() []float32 {
			a0, a1 := rot(1, 2, 0, 1)
			a2, a3 := rot(3, 4, -1, 0)
			b0, b1 := rot(5, 6, 0.5, 0.5)
			b2, b3 := rot(7, 8, 0.25, 0.75)
			return []float32{a0, a1, a2, a3, b0, b1, b2, b3}
		}()},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			out, err := testModel{opset: 23, nodes: []*onnxpb.NodeProto{nodeProto("RotaryEmbedding", []string{"x", "c", "s", "p"}, []string{"y"}, attrI("interleaved", tc.interleaved))},
				inputs: map[string]*tensor.Tensor{"x": x4}, consts: map[string]*tensor.Tensor{"c": cosC, "s": sinC, "p": pos}, outputs: []string{"y"}}.run(t)
			if err != nil {
				t.Fatal(err)
			}
			assertClose(t, out["y"], f32([]int{1, 1, 2, 4}, tc.want...))
			// the 3-D layout [B, S, H·D] with num_heads gives the same numbers
			x3 := reshaped(x4, []int{1, 2, 4})
			out3, err := testModel{opset: 23, nodes: []*onnxpb.NodeProto{nodeProto("RotaryEmbedding", []string{"x", "c", "s", "p"}, []string{"y"}, attrI("interleaved", tc.interleaved), attrI("num_heads", 1))},
				inputs: map[string]*tensor.Tensor{"x": x3}, consts: map[string]*tensor.Tensor{"c": cosC, "s": sinC, "p": pos}, outputs: []string{"y"}}.run(t)
			if err != nil {
				t.Fatal(err)
			}
			assertClose(t, out3["y"], f32([]int{1, 2, 4}, tc.want...))
		})
	}
}

func TestModelLocalFunction(t *testing.T) {
	// ScaledLeaky(x) = LeakyRelu(x, alpha=@alpha) * 2, alpha defaulting to 0.5
	f := &onnxpb.FunctionProto{
		Name: "ScaledLeaky", Domain: "my.funcs", Input: []string{"x"}, Output: []string{"y"}, Attribute: nil,
		AttributeProto: []*onnxpb.AttributeProto{{Name: "alpha", Type: onnxpb.AttributeProto_FLOAT, F: 0.5}},
		Node: []*onnxpb.NodeProto{
			nodeProto("LeakyRelu", []string{"x"}, []string{"t"}, &onnxpb.AttributeProto{Name: "alpha", Type: onnxpb.AttributeProto_FLOAT, RefAttrName: "alpha"}),
			nodeProto("Add", []string{"t", "t"}, []string{"y"}),
		},
		OpsetImport: []*onnxpb.OperatorSetIdProto{{Domain: "", Version: 17}},
	}
	cases := []struct {
		name  string
		attrs []*onnxpb.AttributeProto
		want  float32
	}{
		{"default attribute", nil, -2 * 0.5 * 2},
		{"caller attribute", []*onnxpb.AttributeProto{{Name: "alpha", Type: onnxpb.AttributeProto_FLOAT, F: 0.25}}, -2 * 0.25 * 2},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			g := &onnxpb.GraphProto{Name: "g",
				Node:   []*onnxpb.NodeProto{{Name: "call", OpType: "ScaledLeaky", Domain: "my.funcs", Input: []string{"x"}, Output: []string{"y"}, Attribute: tc.attrs}},
				Input:  []*onnxpb.ValueInfoProto{valueInfoProto("x", tensor.Float32, nil)},
				Output: []*onnxpb.ValueInfoProto{{Name: "y"}}}
			mp := &onnxpb.ModelProto{IrVersion: 8, Graph: g, Functions: []*onnxpb.FunctionProto{f},
				OpsetImport: []*onnxpb.OperatorSetIdProto{{Domain: "", Version: 17}, {Domain: "my.funcs", Version: 1}}}
			data, err := proto.Marshal(mp)
			if err != nil {
				t.Fatal(err)
			}
			m, err := onnxpb.Parse(data, "")
			if err != nil {
				t.Fatal(err)
			}
			p, err := Compile(m)
			if err != nil {
				t.Fatal(err)
			}
			out, err := p.Run(map[string]*tensor.Tensor{"x": f32([]int{2}, -2, 3)})
			if err != nil {
				t.Fatal(err)
			}
			assertClose(t, out["y"], f32([]int{2}, tc.want, 6))
		})
	}
}

func TestAttention(t *testing.T) {
	// Q·K = 0 makes the softmax uniform over the allowed keys, so each
	// output row is the mean of the visible V rows.
	q := tensor.New(tensor.Float32, []int{1, 2, 2, 2}) // 2 query heads, 2 new positions
	k := tensor.New(tensor.Float32, []int{1, 1, 2, 2}) // 1 kv head (GQA)
	pastK := tensor.New(tensor.Float32, []int{1, 1, 1, 2})
	v := f32([]int{1, 1, 2, 1}, 10, 20)
	pastV := f32([]int{1, 1, 1, 1}, 4)
	run := func(attrs []*onnxpb.AttributeProto, mask *tensor.Tensor) map[string]*tensor.Tensor {
		t.Helper()
		ins := []string{"q", "k", "v", "", "pk", "pv"}
		consts := map[string]*tensor.Tensor{"pk": pastK, "pv": pastV}
		if mask != nil {
			ins[3] = "m"
			consts["m"] = mask
		}
		out, err := testModel{opset: 23, nodes: []*onnxpb.NodeProto{nodeProto("Attention", ins, []string{"y", "present_k", "present_v"}, attrs...)},
			inputs: map[string]*tensor.Tensor{"q": q, "k": k, "v": v}, consts: consts, outputs: []string{"y", "present_k", "present_v"}}.run(t)
		if err != nil {
			t.Fatal(err)
		}
		return out
	}
	// causal with a past of 1: query 0 sees keys 0..1, query 1 sees 0..2
	want := f32([]int{1, 2, 2, 1}, 7, 34.0/3, 7, 34.0/3)
	causal := run([]*onnxpb.AttributeProto{attrI("is_causal", 1)}, nil)
	assertClose(t, causal["y"], want)
	assertClose(t, causal["present_v"], f32([]int{1, 1, 3, 1}, 4, 10, 20))
	// the same visibility as an explicit boolean mask
	masked := run(nil, &tensor.Tensor{DType: tensor.Bool, Shape: []int{2, 3}, Data: []bool{true, true, false, true, true, true}})
	assertClose(t, masked["y"], want)
	// a short additive mask is padded with -inf: only key 0 is visible
	short := run(nil, f32([]int{1, 1}, 0))
	assertClose(t, short["y"], f32([]int{1, 2, 2, 1}, 4, 4, 4, 4))
}

func TestBroadcastKinds(t *testing.T) {
	cases := []struct {
		in, out []int
		kind    string
		block   int
	}{
		{[]int{576}, []int{1, 6, 576}, "tile", 0},
		{[]int{1, 1, 576}, []int{1, 6, 576}, "tile", 0},
		{[]int{1, 6, 1}, []int{1, 6, 576}, "spread", 576},
		{[]int{3, 1}, []int{3, 4}, "spread", 4},
		{[]int{}, []int{3, 4}, "tile", 0},
		{[]int{3, 4}, []int{3, 4}, "tile", 0},
		{[]int{6, 1}, []int{2, 6, 576}, "", 0},
	}
	for _, c := range cases {
		k, b := broadcastKind(c.in, c.out)
		if k != c.kind || b != c.block {
			t.Errorf("%v → %v: %q %d, want %q %d", c.in, c.out, k, b, c.kind, c.block)
		}
	}
	// every path of binTyped agrees with the index-based broadcast
	for _, c := range cases {
		a := filled(c.out)
		b := filled(c.in)
		got, err := arith("Sub", a, b)
		if err != nil {
			t.Fatal(err)
		}
		ib := broadcastIndex(c.in, c.out)
		want := make([]float32, len(ib))
		for i, j := range ib {
			want[i] = a.Data.([]float32)[i] - b.Data.([]float32)[j]
		}
		assertClose(t, got, f32(c.out, want...))
	}
}

// TestQuantParamsScalarAndOneElement: a [1] scale with a scalar zero point
// (and the reverse) is per-tensor, as ONNX Runtime takes it (onnx.quantize
// writes such pairs); shapes that differ otherwise are refused.
func TestQuantParamsScalarAndOneElement(t *testing.T) {
	u8 := func(shape []int, v ...uint8) *tensor.Tensor {
		return &tensor.Tensor{DType: tensor.Uint8, Shape: shape, Data: v}
	}
	x := u8([]int{3}, 10, 12, 20)
	for _, tc := range []struct {
		name      string
		scale, zp *tensor.Tensor
		want      []float32
		wantErr   string
	}{
		{"scale [1], zero point []", f32([]int{1}, 0.5), u8(nil, 10), []float32{0, 1, 5}, ""},
		{"scale [], zero point [1]", f32(nil, 0.5), u8([]int{1}, 12), []float32{-1, 0, 4}, ""},
		{"scale [3], zero point []", f32([]int{3}, 0.5, 1, 2), u8(nil, 10), nil, "does not match scale"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			out, err := testModel{opset: 13, nodes: []*onnxpb.NodeProto{nodeProto("DequantizeLinear", []string{"x", "s", "z"}, []string{"y"}, attrI("axis", 0))},
				inputs: map[string]*tensor.Tensor{"x": x}, consts: map[string]*tensor.Tensor{"s": tc.scale, "z": tc.zp}, outputs: []string{"y"}}.run(t)
			if tc.wantErr != "" {
				if err == nil || !strings.Contains(err.Error(), tc.wantErr) {
					t.Fatalf("error %v, want %q", err, tc.wantErr)
				}
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			assertClose(t, out["y"], f32([]int{3}, tc.want...))
		})
	}
}
