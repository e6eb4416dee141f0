package webnn

import (
	"strings"
	"testing"
	"unsafe"

	"github.com/webnn-graph/webnn-graph/graph"
	"github.com/webnn-graph/webnn-graph/tensor"
)

// Weights are used in place: an aligned float32 weight's tensor is a view
// of the weight source's bytes (no copy), a misaligned one is decoded, and
// both give the same products.
func TestConstWeightsInPlace(t *testing.T) {
	w := ft([]int{2, 3}, 1, 2, 3, 4, 5, 6)
	x := ft([]int{1, 2}, 1, 2)
	buf := make([]float32, 16) // float32-aligned backing
	raw := unsafe.Slice((*byte)(unsafe.Pointer(&buf[0])), len(buf)*4)
	for _, tc := range []struct {
		name    string
		bytes   []byte
		inPlace bool
	}{
		{"aligned", raw[:24], true},
		{"misaligned", raw[1:25], false},
	} {
		t.Run(tc.name, func(t *testing.T) {
			copy(tc.bytes, w.Bytes())
			g := &graph.Graph{
				Inputs:  []graph.Input{{Name: "x", Desc: descOf(x)}},
				Consts:  []graph.Const{{Name: "w", Desc: descOf(w), Kind: graph.ConstWeights, Ref: "w"}},
				Nodes:   []graph.Node{{ID: "y", Op: "matmul", Inputs: []string{"x", "w"}}},
				Outputs: []graph.Output{{Name: "y", Operand: "y"}},
			}
			p, err := Compile(g, mapWeights{"w": tc.bytes})
			if err != nil {
				t.Fatal(err)
			}
			d := p.consts[p.slotOf["w"]].Data.([]float32)
			if got := unsafe.Pointer(&d[0]) == unsafe.Pointer(&tc.bytes[0]); got != tc.inPlace {
				t.Errorf("view of the weight bytes = %v, want %v", got, tc.inPlace)
			}
			for run := 0; run < 2; run++ {
				res, err := p.Run(map[string]*tensor.Tensor{"x": x})
				if err != nil {
					t.Fatal(err)
				}
				if err := sameTensor(res["y"], ft([]int{1, 3}, 9, 12, 15)); err != nil {
					t.Errorf("run %d: %v", run, err)
				}
			}
		})
	}
}

// A weight with the wrong byte length fails Compile, naming it.
func TestConstWeightsBadBytes(t *testing.T) {
	g := &graph.Graph{
		Inputs:  []graph.Input{{Name: "x", Desc: descOf(ft([]int{1, 2}, 0, 0))}},
		Consts:  []graph.Const{{Name: "w", Desc: descOf(&tensor.Tensor{DType: tensor.Float32, Shape: []int{2, 3}}), Kind: graph.ConstWeights, Ref: "w"}},
		Nodes:   []graph.Node{{ID: "y", Op: "matmul", Inputs: []string{"x", "w"}}},
		Outputs: []graph.Output{{Name: "y", Operand: "y"}},
	}
	_, err := Compile(g, mapWeights{"w": make([]byte, 20)})
	if err == nil || !strings.Contains(err.Error(), `const "w"`) {
		t.Fatalf("err = %v, want an error naming const \"w\"", err)
	}
}
