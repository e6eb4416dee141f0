package lower

import (
	"strings"
	"testing"

	"github.com/webnn-graph/webnn-graph/graph"
	"github.com/webnn-graph/webnn-graph/runtime/webnn"
	"github.com/webnn-graph/webnn-graph/target"
	"github.com/webnn-graph/webnn-graph/tensor"
)

// TestPackedInt4: the webnn target writes MatMulNBits' 4-bit weights two
// per byte (half the bytes of rustnn-0.5's one per element), the size
// rules accept both layouts, and both graphs compute the same.
func TestPackedInt4(t *testing.T) {
	const K, N, bs = 8, 3, 4
	packed := make([]uint8, N*K/2)
	for i := range packed {
		packed[i] = uint8(i*37 + 11)
	}
	m := newModel(17).domain("com.microsoft", 1).
		input("a", tensor.Float32, "batch_size", K).
		init("b", &tensor.Tensor{DType: tensor.Uint8, Shape: []int{N, K / bs, bs / 2}, Data: packed}).
		init("scales", &tensor.Tensor{DType: tensor.Float32, Shape: []int{N * K / bs}, Data: []float32{0.1, 0.2, 0.3, 0.4, 0.5, 0.6}}).
		msNode("MatMulNBits", "mmnb", strs("a", "b", "scales"), strs("y"), aInt("K", K), aInt("N", N), aInt("bits", 4), aInt("block_size", bs)).
		output("y", tensor.Float32, "batch_size", N).build(t)
	in := map[string]*tensor.Tensor{"a": randF32(newRand(), 2, K)}
	var outs []*tensor.Tensor
	// rustnn-0.5 stores int4 one byte per element and every int4
	// constant as a weight (the default zero point too: rustnn 0.5.12
	// cannot build an int4 @scalar); webnn packs two per byte and keeps
	// the zero point a @scalar.
	for _, tc := range []struct {
		tg      *target.Target
		packed  bool
		weights int
	}{{target.RustnnV05, false, 2}, {target.WebNN, true, 1}} {
		res, err := Convert(m, Options{Target: tc.tg})
		if err != nil {
			t.Fatal(err)
		}
		sizes := map[string]int64{}
		var largest int64
		for _, w := range res.Weights {
			if w.Desc.DType != tensor.Uint4 {
				continue
			}
			b, err := w.Data()
			if err != nil {
				t.Fatal(err)
			}
			want := w.Desc.ByteLength()
			if tc.packed {
				want = w.Desc.PackedByteLength()
			}
			if int64(len(b)) != want {
				t.Errorf("%s: uint4 weight %s is %d bytes, want %d", tc.tg.Name, w.Desc, len(b), want)
			}
			sizes[w.Key] = int64(len(b))
			largest = max(largest, int64(len(b)))
		}
		if len(sizes) != tc.weights {
			t.Fatalf("%s: %d uint4 weights, want %d", tc.tg.Name, len(sizes), tc.weights)
		}
		if wantLargest := map[bool]int64{false: N * K, true: N * K / 2}[tc.packed]; largest != wantLargest {
			t.Errorf("%s: the weight matrix is %d bytes, want %d", tc.tg.Name, largest, wantLargest)
		}
		if err := graph.Validate(res.Graph, weightLens(sizes)); err != nil {
			t.Errorf("%s: %v", tc.tg.Name, err)
		}
		prog, err := webnn.Compile(res.Graph, weightSource(res))
		if err != nil {
			t.Fatal(err)
		}
		out, err := prog.Run(graphInputs(res, in))
		if err != nil {
			t.Fatal(err)
		}
		outs = append(outs, out["y"])
	}
	if _, scaled, err := compareOutputs(outs[1], outs[0]); err != nil || scaled != 0 {
		t.Errorf("packed and unpacked graphs differ: %g, %v", scaled, err)
	}
}

type weightLens map[string]int64

func (w weightLens) WeightLen(ref string) (int64, bool) {
	n, ok := w[ref]
	return n, ok
}

// TestInt64AsInt32: under the webnn target int64 inputs, constants, casts
// and argMax results are int32; a constant outside int32 is refused.
func TestInt64AsInt32(t *testing.T) {
	m := newModel(17).
		input("ids", tensor.Int64, "batch_size", 4).
		init("table", randF32(newRand(), 10, 3)).
		init("off", i64(1)).
		node("Add", "/add", strs("ids", "off"), strs("ids1")).
		node("Gather", "/gather", strs("table", "ids1"), strs("emb"), aInt("axis", 0)).
		node("ArgMax", "/argmax", strs("emb"), strs("best"), aInt("axis", -1), aInt("keepdims", 0)).
		output("best", tensor.Int64, "batch_size", 4).build(t)
	res, err := Convert(m, Options{Target: target.WebNN})
	if err != nil {
		t.Fatal(err)
	}
	if dt := res.Graph.Inputs[0].Desc.DType; dt != tensor.Int32 {
		t.Errorf("input is %v, want int32", dt)
	}
	for _, k := range res.Graph.Consts {
		if k.Desc.DType == tensor.Int64 {
			t.Errorf("const %s is still int64", k.Name)
		}
	}
	for _, n := range res.Graph.Nodes {
		for _, key := range []string{"to", "outputDataType"} {
			if v, _ := n.Options[key].(string); v == "int64" {
				t.Errorf("node %s: %s is int64", n.ID, key)
			}
		}
	}
	prog, err := webnn.Compile(res.Graph, weightSource(res))
	if err != nil {
		t.Fatal(err)
	}
	out, err := prog.Run(map[string]*tensor.Tensor{res.Graph.Inputs[0].Name: {DType: tensor.Int32, Shape: []int{2, 4}, Data: []int32{0, 1, 2, 3, 4, 5, 6, 8}}})
	if err != nil {
		t.Fatal(err)
	}
	if dt := out[res.Graph.Outputs[0].Name].DType; dt != tensor.Int32 {
		t.Errorf("output is %v, want int32", dt)
	}
	big := newModel(17).
		input("ids", tensor.Int64, 2).
		init("off", i64(1<<40)).
		node("Add", "/add", strs("ids", "off"), strs("y")).
		output("y", tensor.Int64, 2).build(t)
	if _, err := Convert(big, Options{Target: target.WebNN}); err == nil || !strings.Contains(err.Error(), "does not fit int32") {
		t.Errorf("int64 constant 2^40: %v, want a refusal", err)
	}
}
