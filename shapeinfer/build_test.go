package shapeinfer

import (
	"fmt"
	"strconv"
	"strings"
	"testing"

	"github.com/webnn-graph/webnn-graph/onnxpb"
	"github.com/webnn-graph/webnn-graph/tensor"
)

// A tiny textual model builder for table tests.
//
// Values:  "x: f32[batch_size, 4]"   graph input (ints → dim_value, names → dim_param, ? → unnamed)
//          "s: i64{0, -1}"            1-D int64 initializer
//          "k: i64=3"                 scalar int64 initializer
//          "w: f32{2,3}=1,2,3,4,5,6"  float32 initializer of shape [2,3]
// Nodes:   "y, z = Op(a, , c) perm=[0,2,1] to=7 equation=ij,jk->ik eps=1e-5"
//          (domain prefix: "com.microsoft.Op")

var dtypes = map[string]tensor.DType{"f32": tensor.Float32, "f16": tensor.Float16, "i64": tensor.Int64, "i32": tensor.Int32, "bool": tensor.Bool, "u8": tensor.Uint8, "i8": tensor.Int8}

func buildModel(t testing.TB, opset int64, values []string, nodes []string) *onnxpb.Model {
	t.Helper()
	g := &onnxpb.GraphProto{Name: "test"}
	for _, v := range values {
		name, spec, ok := strings.Cut(v, ":")
		if !ok {
			t.Fatalf("bad value %q", v)
		}
		name, spec = strings.TrimSpace(name), strings.TrimSpace(spec)
		switch {
		case strings.Contains(spec, "["):
			dt := dtypes[spec[:strings.Index(spec, "[")]]
			dimsTxt := strings.TrimSuffix(spec[strings.Index(spec, "[")+1:], "]")
			shape := &onnxpb.TensorShapeProto{}
			if strings.TrimSpace(dimsTxt) != "" {
				for _, d := range strings.Split(dimsTxt, ",") {
					d = strings.TrimSpace(d)
					dim := &onnxpb.TensorShapeProto_Dimension{}
					if n, err := strconv.ParseInt(d, 10, 64); err == nil {
						dim.Value = &onnxpb.TensorShapeProto_Dimension_DimValue{DimValue: n}
					} else if d != "?" {
						dim.Value = &onnxpb.TensorShapeProto_Dimension_DimParam{DimParam: d}
					}
					shape.Dim = append(shape.Dim, dim)
				}
			}
			g.Input = append(g.Input, &onnxpb.ValueInfoProto{Name: name, Type: &onnxpb.TypeProto{Value: &onnxpb.TypeProto_TensorType{TensorType: &onnxpb.TypeProto_Tensor{ElemType: int32(dt), Shape: shape}}}})
		case strings.Contains(spec, "{") && strings.HasPrefix(spec, "f32"):
			dimsTxt := spec[strings.Index(spec, "{")+1 : strings.Index(spec, "}")]
			tp := &onnxpb.TensorProto{Name: name, DataType: int32(tensor.Float32)}
			for _, d := range splitInts(dimsTxt) {
				tp.Dims = append(tp.Dims, d)
			}
			if _, vals, ok := strings.Cut(spec, "="); ok {
				for _, f := range strings.Split(vals, ",") {
					x, err := strconv.ParseFloat(strings.TrimSpace(f), 32)
					if err != nil {
						t.Fatal(err)
					}
					tp.FloatData = append(tp.FloatData, float32(x))
				}
			} else {
				n := int64(1)
				for _, d := range tp.Dims {
					n *= d
				}
				tp.FloatData = make([]float32, n)
			}
			g.Initializer = append(g.Initializer, tp)
		case strings.Contains(spec, "{"):
			dt := dtypes[spec[:strings.Index(spec, "{")]]
			vals := splitInts(spec[strings.Index(spec, "{")+1 : strings.Index(spec, "}")])
			tp := &onnxpb.TensorProto{Name: name, DataType: int32(dt), Dims: []int64{int64(len(vals))}}
			setInts(tp, dt, vals)
			g.Initializer = append(g.Initializer, tp)
		case strings.Contains(spec, "="):
			dtTxt, valTxt, _ := strings.Cut(spec, "=")
			dt := dtypes[dtTxt]
			tp := &onnxpb.TensorProto{Name: name, DataType: int32(dt)}
			if dt == tensor.Float32 {
				x, _ := strconv.ParseFloat(valTxt, 32)
				tp.FloatData = []float32{float32(x)}
			} else {
				setInts(tp, dt, splitInts(valTxt))
			}
			g.Initializer = append(g.Initializer, tp)
		default:
			t.Fatalf("bad value spec %q", v)
		}
	}
	for i, n := range nodes {
		g.Node = append(g.Node, parseNode(t, n, i))
	}
	// Every node output is a graph output so that tests can inspect all.
	for _, n := range g.Node {
		for _, o := range n.Output {
			if o != "" {
				g.Output = append(g.Output, &onnxpb.ValueInfoProto{Name: o})
			}
		}
	}
	mp := &onnxpb.ModelProto{IrVersion: 8, Graph: g, OpsetImport: []*onnxpb.OperatorSetIdProto{{Domain: "", Version: opset}, {Domain: "com.microsoft", Version: 1}}}
	return &onnxpb.Model{Proto: mp, Opsets: map[string]int64{"": opset, "com.microsoft": 1}}
}

func setInts(tp *onnxpb.TensorProto, dt tensor.DType, vals []int64) {
	switch dt {
	case tensor.Int64:
		tp.Int64Data = vals
	default:
		for _, v := range vals {
			tp.Int32Data = append(tp.Int32Data, int32(v))
		}
	}
}

func splitInts(s string) []int64 {
	var out []int64
	for _, f := range strings.Split(s, ",") {
		f = strings.TrimSpace(f)
		if f == "" {
			continue
		}
		v, err := strconv.ParseInt(f, 10, 64)
		if err != nil {
			panic(fmt.Sprintf("bad int %q", f))
		}
		out = append(out, v)
	}
	return out
}

func parseNode(t testing.TB, src string, i int) *onnxpb.NodeProto {
	t.Helper()
	outs, rest, ok := strings.Cut(src, "=")
	if !ok {
		t.Fatalf("bad node %q", src)
	}
	rest = strings.TrimSpace(rest)
	open, closeIdx := strings.Index(rest, "("), strings.Index(rest, ")")
	op := rest[:open]
	n := &onnxpb.NodeProto{Name: fmt.Sprintf("n%d", i), OpType: op}
	if j := strings.LastIndex(op, "."); j >= 0 {
		n.Domain, n.OpType = op[:j], op[j+1:]
	}
	for _, o := range strings.Split(outs, ",") {
		n.Output = append(n.Output, strings.TrimSpace(o))
	}
	if args := strings.TrimSpace(rest[open+1 : closeIdx]); args != "" {
		for _, in := range strings.Split(args, ",") {
			n.Input = append(n.Input, strings.TrimSpace(in))
		}
	}
	for _, kv := range strings.Fields(rest[closeIdx+1:]) {
		k, v, _ := strings.Cut(kv, "=")
		a := &onnxpb.AttributeProto{Name: k}
		switch {
		case strings.HasPrefix(v, "["):
			a.Type = onnxpb.AttributeProto_INTS
			a.Ints = splitInts(strings.Trim(v, "[]"))
		case strings.HasPrefix(v, "'"):
			a.Type = onnxpb.AttributeProto_STRING
			a.S = []byte(strings.Trim(v, "'"))
		default:
			if x, err := strconv.ParseInt(v, 10, 64); err == nil {
				a.Type = onnxpb.AttributeProto_INT
				a.I = x
			} else if f, err := strconv.ParseFloat(v, 32); err == nil {
				a.Type = onnxpb.AttributeProto_FLOAT
				a.F = float32(f)
			} else {
				a.Type = onnxpb.AttributeProto_STRING
				a.S = []byte(v)
			}
		}
		n.Attribute = append(n.Attribute, a)
	}
	return n
}
