package lower

import (
	"fmt"
	"math/rand"
	"strings"
	"testing"

	onnxrt "github.com/webnn-graph/webnn-graph/runtime/onnx"
	"github.com/webnn-graph/webnn-graph/runtime/webnn"
	"github.com/webnn-graph/webnn-graph/shapeinfer"
	"github.com/webnn-graph/webnn-graph/tensor"
)

// TestDecoderShapes runs ONE converted decoder graph at several batch,
// prompt and past lengths (dims stay dynamic) and compares every output
// with runtime/onnx on the source model.
func TestDecoderShapes(t *testing.T) {
	shapes := []struct{ batch, seq, past int }{
		{1, 1, 0}, {1, 7, 0}, {2, 5, 0}, {1, 1, 9}, {2, 1, 3}, {1, 64, 0}, {2, 3, 17}, {1, 13, 40},
	}
	for _, name := range []string{"smollm-tiny", "gpt2-tiny", "smollm-135m"} {
		t.Run(name, func(t *testing.T) {
			shapes := shapes
			tol := 1e-4
			if name == "smollm-135m" {
				if testing.Short() {
					t.Skip("skipping the 135M model in -short mode")
				}
				shapes = shapes[:0:0]
				for _, sh := range []struct{ batch, seq, past int }{{1, 1, 0}, {2, 64, 0}, {2, 1, 63}, {1, 6, 20}} {
					shapes = append(shapes, sh)
				}
				tol = 1e-3
			}
			m, _ := loadZoo(t, name)
			res, err := Convert(m, Options{Name: name})
			if err != nil {
				t.Fatalf("convert: %v", err)
			}
			prog, err := webnn.Compile(res.Graph, weightSource(res))
			if err != nil {
				t.Skipf("runtime/webnn cannot compile it yet: %v", err)
			}
			ref, err := onnxrt.Compile(m)
			if err != nil {
				t.Skipf("runtime/onnx cannot compile it yet: %v", err)
			}
			rng := rand.New(rand.NewSource(1))
			worst := 0.0
			for _, sh := range shapes {
				onnxIn := decoderInputs(t, res, sh.batch, sh.seq, sh.past, rng)
				want, err := ref.Run(onnxIn)
				if err != nil {
					t.Fatalf("%+v: runtime/onnx: %v", sh, err)
				}
				in := graphInputs(res, onnxIn)
				got, err := prog.Run(in)
				if err != nil {
					t.Errorf("%+v: runtime/webnn: %v", sh, err)
					continue
				}
				for _, o := range res.Graph.Outputs {
					abs, scaled, err := compareOutputs(got[o.Name], want[res.Names[o.Name]])
					if err != nil {
						t.Errorf("%+v: output %s: %v", sh, res.Names[o.Name], err)
						continue
					}
					worst = max(worst, abs)
					if scaled > tol {
						t.Errorf("%+v: output %s: max abs error %.3g", sh, res.Names[o.Name], abs)
					}
				}
			}
			fmt.Printf("decoder-shapes %s: %d shapes %v (batch, prompt, past), max abs error %.3g\n", name, len(shapes), shapes, worst)
		})
	}
}

// decoderInputs builds optimum-style inputs keyed by ONNX name: random
// token ids, an all-ones attention mask over past+seq, positions
// past..past+seq-1 and random past keys/values.
func decoderInputs(t *testing.T, res *Result, batch, seq, past int, rng *rand.Rand) map[string]*tensor.Tensor {
	t.Helper()
	out := map[string]*tensor.Tensor{}
	for _, gi := range res.Graph.Inputs {
		name := res.Names[gi.Name]
		switch {
		case name == "input_ids":
			x := tensor.New(tensor.Int64, []int{batch, seq})
			for i := range x.Data.([]int64) {
				x.Data.([]int64)[i] = int64(rng.Intn(int(200)))
			}
			out[name] = x
		case name == "attention_mask":
			x := tensor.New(tensor.Int64, []int{batch, past + seq})
			for i := range x.Data.([]int64) {
				x.Data.([]int64)[i] = 1
			}
			out[name] = x
		case name == "position_ids":
			x := tensor.New(tensor.Int64, []int{batch, seq})
			for b := 0; b < batch; b++ {
				for s := 0; s < seq; s++ {
					x.Data.([]int64)[b*seq+s] = int64(past + s)
				}
			}
			out[name] = x
		case strings.HasPrefix(name, "past_key_values"):
			shape := make([]int, len(gi.Desc.Shape))
			for i, d := range gi.Desc.Shape {
				switch {
				case !d.IsDynamic():
					shape[i] = int(d.Size)
				case strings.Contains(d.Name, "batch"):
					shape[i] = batch
				default:
					shape[i] = past
				}
			}
			x := tensor.New(tensor.Float32, shape)
			for i := range x.Data.([]float32) {
				x.Data.([]float32)[i] = float32(rng.NormFloat64())
			}
			out[name] = x
		default:
			t.Fatalf("unexpected decoder input %q", name)
		}
	}
	return out
}

// TestDimsAndFreeze checks that --dim bounds reach the graph inputs and
// every size option, and that a frozen dim becomes static.
func TestDimsAndFreeze(t *testing.T) {
	m, _ := loadZoo(t, "smollm-tiny")
	res, err := Convert(m, Options{
		Dims:   shapeinfer.Bounds{"sequence_length": {Min: 1, Max: 64}, "past_sequence_length": {Min: 0, Max: 192}, "total_sequence_length": {Min: 1, Max: 256}},
		Freeze: map[string]int64{"batch_size": 1},
	})
	if err != nil {
		t.Fatalf("convert: %v", err)
	}
	for _, in := range res.Graph.Inputs {
		for _, d := range in.Desc.Shape {
			switch d.Name {
			case "batch_size":
				t.Errorf("input %s: batch_size is frozen but still dynamic", in.Name)
			case "sequence_length":
				if d.MaxSize != 64 {
					t.Errorf("input %s: sequence_length max %d, want 64", in.Name, d.MaxSize)
				}
			}
		}
		if in.Desc.Shape[0].IsDynamic() || in.Desc.Shape[0].Size != 1 {
			t.Errorf("input %s: first dim %v, want static 1", in.Name, in.Desc.Shape[0])
		}
	}
	if b := res.Bounds["past_sequence_length"]; b.Max != 192 {
		t.Errorf("Bounds[past_sequence_length] = %+v", b)
	}
	// Every dynamic size in options stays within the declared bounds.
	var walk func(v any)
	walk = func(v any) {
		switch x := v.(type) {
		case map[string]any:
			if mx, ok := x["maxSize"].(int64); ok && mx > 64+192 {
				t.Errorf("size %v exceeds the bounds", x)
			}
		case []any:
			for _, e := range x {
				walk(e)
			}
		}
	}
	for _, n := range res.Graph.Nodes {
		for _, v := range n.Options {
			walk(v)
		}
	}
}
