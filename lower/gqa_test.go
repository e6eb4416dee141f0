package lower

import (
	"fmt"
	"math/rand"
	"strings"
	"testing"

	"github.com/webnn-graph/webnn-graph/emit"
	"github.com/webnn-graph/webnn-graph/graph"
	"github.com/webnn-graph/webnn-graph/onnxpb"
	onnxrt "github.com/webnn-graph/webnn-graph/runtime/onnx"
	"github.com/webnn-graph/webnn-graph/runtime/webnn"
	"github.com/webnn-graph/webnn-graph/tensor"
)

// gqaLowerCase is one GroupQueryAttention model: sizes, and whether the
// batch / sequence / past dims are declared symbolic.
type gqaLowerCase struct {
	B, S, P, N, KV, H int
	dynamic           bool
	packed            bool
	rotaryHalf        int
	interleaved       bool
	softcap           float32
	seqlens           []int32 // nil: past + sequence − 1 for every row
}

func (tc gqaLowerCase) String() string {
	return fmt.Sprintf("B%dS%dP%dN%dKV%dH%d_dyn%v_packed%v_rot%d%v_cap%g", tc.B, tc.S, tc.P, tc.N, tc.KV, tc.H, tc.dynamic, tc.packed, tc.rotaryHalf, tc.interleaved, tc.softcap)
}

// gqaLowerModel builds the one-node model and its inputs (seqlens_k =
// past + sequence − 1 for every row, as the lowering assumes).
func gqaLowerModel(t *testing.T, tc gqaLowerCase, rng *rand.Rand, extra ...*onnxpb.AttributeProto) (*onnxpb.Model, map[string]*tensor.Tensor) {
	dim := func(name string, v int) any {
		if tc.dynamic {
			return name
		}
		return v
	}
	b, s, p := dim("batch_size", tc.B), dim("sequence_length", tc.S), dim("past_sequence_length", tc.P)
	total := dim("total_sequence_length", tc.P+tc.S)
	in := map[string]*tensor.Tensor{}
	mb := newModel(17).domain("com.microsoft", 1)
	ins := []string{"q", "k", "v", "", "", "seqlens_k", "total_sequence_length"}
	if tc.packed {
		in["q"] = randF32(rng, tc.B, tc.S, (tc.N+2*tc.KV)*tc.H)
		mb.input("q", tensor.Float32, b, s, (tc.N+2*tc.KV)*tc.H)
		ins[1], ins[2] = "", ""
	} else {
		in["q"], in["k"], in["v"] = randF32(rng, tc.B, tc.S, tc.N*tc.H), randF32(rng, tc.B, tc.S, tc.KV*tc.H), randF32(rng, tc.B, tc.S, tc.KV*tc.H)
		mb.input("q", tensor.Float32, b, s, tc.N*tc.H).input("k", tensor.Float32, b, s, tc.KV*tc.H).input("v", tensor.Float32, b, s, tc.KV*tc.H)
	}
	if tc.P > 0 {
		in["past_key"], in["past_value"] = randF32(rng, tc.B, tc.KV, tc.P, tc.H), randF32(rng, tc.B, tc.KV, tc.P, tc.H)
		mb.input("past_key", tensor.Float32, b, tc.KV, p, tc.H).input("past_value", tensor.Float32, b, tc.KV, p, tc.H)
		ins[3], ins[4] = "past_key", "past_value"
	}
	seqlens := make([]int32, tc.B)
	for i := range seqlens {
		seqlens[i] = int32(tc.P + tc.S - 1)
	}
	if tc.seqlens != nil {
		copy(seqlens, tc.seqlens)
	}
	in["seqlens_k"] = &tensor.Tensor{DType: tensor.Int32, Shape: []int{tc.B}, Data: seqlens}
	in["total_sequence_length"] = &tensor.Tensor{DType: tensor.Int32, Shape: []int{}, Data: []int32{int32(tc.P + tc.S)}}
	mb.input("seqlens_k", tensor.Int32, b).input("total_sequence_length", tensor.Int32)
	attrs := append([]*onnxpb.AttributeProto{aInt("num_heads", int64(tc.N)), aInt("kv_num_heads", int64(tc.KV))}, extra...)
	if tc.softcap > 0 {
		attrs = append(attrs, aFloat("softcap", tc.softcap))
	}
	if tc.rotaryHalf > 0 {
		mb.init("cos_cache", randF32(rng, 16, tc.rotaryHalf)).init("sin_cache", randF32(rng, 16, tc.rotaryHalf))
		ins = append(ins, "cos_cache", "sin_cache")
		attrs = append(attrs, aInt("do_rotary", 1), aInt("rotary_interleaved", map[bool]int64{false: 0, true: 1}[tc.interleaved]))
	}
	m := mb.msNode("GroupQueryAttention", "gqa", ins, strs("out", "present_key", "present_value"), attrs...).
		output("out", tensor.Float32, b, s, tc.N*tc.H).
		output("present_key", tensor.Float32, b, tc.KV, total, tc.H).
		output("present_value", tensor.Float32, b, tc.KV, total, tc.H).build(t)
	return m, in
}

// TestGroupQueryAttentionParity converts GQA models and compares
// runtime/webnn on the graph with runtime/onnx on the source, then checks
// the graph validates and survives a text round trip with the same results.
func TestGroupQueryAttentionParity(t *testing.T) {
	var cases []gqaLowerCase
	for _, dyn := range []bool{false, true} {
		for _, sz := range [][3]int{{1, 1, 0}, {1, 5, 0}, {2, 3, 0}, {1, 1, 4}, {2, 1, 3}, {2, 4, 2}, {1, 2, 1}} {
			cases = append(cases, gqaLowerCase{B: sz[0], S: sz[1], P: sz[2], N: 4, KV: 2, H: 4, dynamic: dyn})
		}
		cases = append(cases,
			gqaLowerCase{B: 2, S: 2, P: 2, N: 4, KV: 2, H: 4, dynamic: dyn, packed: true},
			gqaLowerCase{B: 2, S: 3, P: 1, N: 4, KV: 1, H: 8, dynamic: dyn, rotaryHalf: 2},
			gqaLowerCase{B: 1, S: 2, P: 3, N: 4, KV: 2, H: 4, dynamic: dyn, rotaryHalf: 2, interleaved: true, softcap: 1.5},
			gqaLowerCase{B: 2, S: 1, P: 2, N: 2, KV: 2, H: 4, dynamic: dyn},
			// right-padded first prompt (no past): ORT's first-prompt rule
			// ignores seqlens_k for the mask, as the graph does
			gqaLowerCase{B: 2, S: 4, P: 0, N: 4, KV: 2, H: 4, dynamic: dyn, seqlens: []int32{3, 1}},
		)
	}
	for i, tc := range cases {
		t.Run(tc.String(), func(t *testing.T) {
			m, in := gqaLowerModel(t, tc, rand.New(rand.NewSource(int64(i+1))))
			crossCheck(t, m, in, 1e-5)
			res, err := Convert(m, Options{Target: anySizes})
			if err != nil {
				t.Fatal(err)
			}
			if err := graph.Validate(res.Graph, nil); err != nil {
				t.Fatalf("validate: %v", err)
			}
			txt, err := emit.PrintText(res.Graph)
			if err != nil {
				t.Fatal(err)
			}
			back, err := emit.ParseText(txt)
			if err != nil {
				t.Fatalf("text does not parse back: %v", err)
			}
			if err := graph.Validate(back, nil); err != nil {
				t.Fatalf("parsed text does not validate: %v", err)
			}
			p1, err := webnn.Compile(res.Graph, weightSource(res))
			if err != nil {
				t.Fatal(err)
			}
			p2, err := webnn.Compile(back, weightSource(res))
			if err != nil {
				t.Fatalf("compile parsed text: %v", err)
			}
			gin := graphInputs(res, in)
			o1, err := p1.Run(gin)
			if err != nil {
				t.Fatal(err)
			}
			o2, err := p2.Run(gin)
			if err != nil {
				t.Fatal(err)
			}
			for name, x := range o1 {
				if abs, _, err := compareOutputs(o2[name], x); err != nil || abs != 0 {
					t.Errorf("output %s differs after the text round trip: %g %v", name, abs, err)
				}
			}
		})
	}
}

func TestGroupQueryAttentionRefusals(t *testing.T) {
	base := gqaLowerCase{B: 1, S: 2, P: 1, N: 4, KV: 2, H: 4, dynamic: true}
	for _, tc := range []struct {
		name   string
		attrs  []*onnxpb.AttributeProto
		mutate func(m *onnxpb.Model)
		want   string
	}{
		{name: "local window", attrs: []*onnxpb.AttributeProto{aInt("local_window_size", 8)}, want: "local_window_size"},
		{name: "smooth softmax", attrs: []*onnxpb.AttributeProto{aInt("smooth_softmax", 1)}, want: "smooth_softmax"},
		{name: "shared buffer", mutate: func(m *onnxpb.Model) {
			for _, o := range m.Proto.GetGraph().GetOutput()[1:] {
				o.GetType().GetTensorType().GetShape().GetDim()[2].Value = &onnxpb.TensorShapeProto_Dimension_DimParam{DimParam: "past_sequence_length"}
			}
		}, want: "shared past/present buffer"},
		{name: "attention bias", mutate: func(m *onnxpb.Model) {
			nd := m.Proto.GetGraph().GetNode()[0]
			nd.Input = append(nd.Input, "", "", "", "q")
		}, want: "attention_bias"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			m, _ := gqaLowerModel(t, base, rand.New(rand.NewSource(1)), tc.attrs...)
			if tc.mutate != nil {
				tc.mutate(m)
			}
			_, err := Convert(m, Options{})
			if err == nil || !strings.Contains(err.Error(), tc.want) {
				t.Errorf("error %v, want one containing %q", err, tc.want)
			}
		})
	}
}

// TestGroupQueryAttentionPerRowSeqlens: rows whose seqlens_k differ
// (a batch of sequences of different lengths decoding together, or a
// right-padded first prompt) follow ONNX Runtime's per-row semantics —
// each row's new tokens land at seqlens_k + 1 − sequence and it attends
// only its own valid keys — and match runtime/onnx in every output.
func TestGroupQueryAttentionPerRowSeqlens(t *testing.T) {
	for i, tc := range []gqaLowerCase{
		{B: 2, S: 1, P: 3, N: 4, KV: 2, H: 4, seqlens: []int32{3, 2}},
		{B: 3, S: 1, P: 4, N: 4, KV: 2, H: 4, seqlens: []int32{4, 1, 2}, rotaryHalf: 2},
		{B: 2, S: 4, P: 0, N: 4, KV: 2, H: 4, seqlens: []int32{1, 3}, rotaryHalf: 2, interleaved: true},
		{B: 2, S: 1, P: 2, N: 4, KV: 2, H: 4, seqlens: []int32{2, 1}, packed: true},
	} {
		for _, dyn := range []bool{false, true} {
			tc.dynamic = dyn
			t.Run(tc.String(), func(t *testing.T) {
				m, in := gqaLowerModel(t, tc, rand.New(rand.NewSource(int64(7+i))))
				crossCheck(t, m, in, 1e-5)
			})
		}
	}
}

// TestGroupQueryAttentionFloat16: the decomposition converted with
// Precision float16 (the mask's lowest float32 becomes −inf, still only a
// where operand) stays within float16 error of runtime/onnx in float32.
func TestGroupQueryAttentionFloat16(t *testing.T) {
	for i, tc := range []gqaLowerCase{
		{B: 2, S: 3, P: 2, N: 4, KV: 2, H: 4, dynamic: true, rotaryHalf: 2},
		{B: 1, S: 1, P: 4, N: 4, KV: 2, H: 8, softcap: 2},
	} {
		t.Run(tc.String(), func(t *testing.T) {
			m, in := gqaLowerModel(t, tc, rand.New(rand.NewSource(int64(i+11))))
			res, err := Convert(m, Options{Precision: "float16", Target: anySizes})
			if err != nil {
				t.Fatal(err)
			}
			prog, err := webnn.Compile(res.Graph, weightSource(res))
			if err != nil {
				t.Fatal(err)
			}
			got, err := prog.Run(graphInputs(res, in))
			if err != nil {
				t.Fatal(err)
			}
			ref, err := onnxrt.Compile(m)
			if err != nil {
				t.Fatal(err)
			}
			want, err := ref.Run(in)
			if err != nil {
				t.Fatal(err)
			}
			for _, o := range res.Graph.Outputs {
				_, scaled, err := compareOutputs(got[o.Name], want[res.Names[o.Name]])
				if err != nil || scaled > 5e-3 {
					t.Errorf("output %s: scaled error %.3g, err %v", o.Name, scaled, err)
				}
			}
		})
	}
}

// TestGroupQueryAttentionFeedsLaterOps checks that GQA's outputs have
// inferred shapes, so ops reading them (here a projection and a residual
// add, as in a decoder layer) convert and match runtime/onnx.
func TestGroupQueryAttentionFeedsLaterOps(t *testing.T) {
	for _, dyn := range []bool{false, true} {
		tc := gqaLowerCase{B: 2, S: 3, P: 2, N: 4, KV: 2, H: 4, dynamic: dyn}
		t.Run(tc.String(), func(t *testing.T) {
			rng := rand.New(rand.NewSource(7))
			dim := func(name string, v int) any {
				if dyn {
					return name
				}
				return v
			}
			b, s := dim("batch_size", tc.B), dim("sequence_length", tc.S)
			in := map[string]*tensor.Tensor{
				"q": randF32(rng, tc.B, tc.S, tc.N*tc.H), "k": randF32(rng, tc.B, tc.S, tc.KV*tc.H), "v": randF32(rng, tc.B, tc.S, tc.KV*tc.H),
				"past_key": randF32(rng, tc.B, tc.KV, tc.P, tc.H), "past_value": randF32(rng, tc.B, tc.KV, tc.P, tc.H),
				"seqlens_k":             {DType: tensor.Int32, Shape: []int{tc.B}, Data: []int32{int32(tc.P + tc.S - 1), int32(tc.P + tc.S - 1)}},
				"total_sequence_length": {DType: tensor.Int32, Shape: []int{}, Data: []int32{int32(tc.P + tc.S)}},
			}
			p := dim("past_sequence_length", tc.P)
			m := newModel(17).domain("com.microsoft", 1).
				input("q", tensor.Float32, b, s, tc.N*tc.H).input("k", tensor.Float32, b, s, tc.KV*tc.H).input("v", tensor.Float32, b, s, tc.KV*tc.H).
				input("past_key", tensor.Float32, b, tc.KV, p, tc.H).input("past_value", tensor.Float32, b, tc.KV, p, tc.H).
				input("seqlens_k", tensor.Int32, b).input("total_sequence_length", tensor.Int32).
				init("o_proj", randF32(rng, tc.N*tc.H, tc.N*tc.H)).
				msNode("GroupQueryAttention", "gqa", strs("q", "k", "v", "past_key", "past_value", "seqlens_k", "total_sequence_length"),
					strs("attn", "present_key", "present_value"), aInt("num_heads", int64(tc.N)), aInt("kv_num_heads", int64(tc.KV))).
				node("MatMul", "proj", strs("attn", "o_proj"), strs("proj_out")).
				node("Add", "residual", strs("proj_out", "q"), strs("y")).
				output("y", tensor.Float32, b, s, tc.N*tc.H).
				output("present_key", tensor.Float32).output("present_value", tensor.Float32).build(t)
			crossCheck(t, m, in, 1e-5)
		})
	}
}
