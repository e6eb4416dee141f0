package onnxrt

import (
	"strings"
	"testing"

	"github.com/webnn-graph/webnn-graph/onnxpb"
	"github.com/webnn-graph/webnn-graph/tensor"
)

// TestNodeOrder: nodes listed after their readers run first, as ONNX
// Runtime sorts them (ORT's float16 converter appends the input Casts
// last); a cycle is refused naming a node on it.
func TestNodeOrder(t *testing.T) {
	x := &tensor.Tensor{DType: tensor.Float32, Shape: []int{2}, Data: []float32{1, -2}}
	out, err := testModel{opset: 17, nodes: []*onnxpb.NodeProto{
		nodeProto("Neg", []string{"b"}, []string{"y"}),
		nodeProto("Relu", []string{"a"}, []string{"b"}),
		nodeProto("Identity", []string{"x"}, []string{"a"}),
	}, inputs: map[string]*tensor.Tensor{"x": x}, outputs: []string{"y"}}.run(t)
	if err != nil {
		t.Fatal(err)
	}
	if got := out["y"].Data.([]float32); got[0] != -1 || got[1] != 0 {
		t.Errorf("y = %v, want [-1 0]", got)
	}
	_, err = testModel{opset: 17, nodes: []*onnxpb.NodeProto{
		nodeProto("Neg", []string{"b"}, []string{"a"}),
		nodeProto("Relu", []string{"a"}, []string{"b"}),
		nodeProto("Identity", []string{"a"}, []string{"y"}),
	}, inputs: map[string]*tensor.Tensor{"x": x}, outputs: []string{"y"}}.run(t)
	if err == nil || !strings.Contains(err.Error(), "cycle") {
		t.Errorf("cycle: err = %v, want one naming the cycle", err)
	}
}
