package onnxrt

import (
	"testing"

	"github.com/webnn-graph/webnn-graph/onnxpb"
	"github.com/webnn-graph/webnn-graph/tensor"
)

// Benchmarks of the op paths a transformer prefill leans on, at
// smollm-135m sizes (6 tokens, hidden 576, 9 heads).

func benchProgram(b *testing.B, nodes []*onnxpb.NodeProto, inputs, consts map[string]*tensor.Tensor) {
	t := &testing.T{}
	p, err := testModel{opset: 17, nodes: nodes, inputs: inputs, consts: consts, outputs: []string{"y"}}.compile(t)
	if err != nil {
		b.Fatal(err)
	}
	b.ResetTimer()
	for i := 0; i < b.N; i++ {
		if _, err := p.Run(inputs); err != nil {
			b.Fatal(err)
		}
	}
}

func filled(shape []int) *tensor.Tensor {
	t := tensor.New(tensor.Float32, shape)
	for i := range t.Data.([]float32) {
		t.Data.([]float32)[i] = float32(i%7) * 0.1
	}
	return t
}

func BenchmarkAddBroadcast(b *testing.B) {
	benchProgram(b, []*onnxpb.NodeProto{nodeProto("Add", []string{"x", "w"}, []string{"y"})},
		map[string]*tensor.Tensor{"x": filled([]int{1, 6, 576})}, map[string]*tensor.Tensor{"w": filled([]int{576})})
}

func BenchmarkSoftmaxAttentionScores(b *testing.B) {
	benchProgram(b, []*onnxpb.NodeProto{nodeProto("Softmax", []string{"x"}, []string{"y"})},
		map[string]*tensor.Tensor{"x": filled([]int{1, 9, 6, 6})}, nil)
}

func BenchmarkMatMulPackedWeight(b *testing.B) {
	benchProgram(b, []*onnxpb.NodeProto{nodeProto("MatMul", []string{"x", "w"}, []string{"y"})},
		map[string]*tensor.Tensor{"x": filled([]int{1, 6, 576})}, map[string]*tensor.Tensor{"w": filled([]int{576, 1536})})
}

func BenchmarkReduceMeanLastAxis(b *testing.B) {
	benchProgram(b, []*onnxpb.NodeProto{nodeProto("ReduceMean", []string{"x"}, []string{"y"}, attrInts("axes", -1))},
		map[string]*tensor.Tensor{"x": filled([]int{1, 6, 576})}, nil)
}
