package lower

import (
	"github.com/webnn-graph/webnn-graph/emit"
	"testing"

	"github.com/webnn-graph/webnn-graph/tensor"
)

func TestSanitize(t *testing.T) {
	tests := []struct{ in, want string }{
		{"past_key_values.0.key", "past_key_values_0_key"},
		{"/model/layers.0/self_attn/Reshape_3", "model_layers_0_self_attn_Reshape_3"},
		{"onnx::MatMul_730", "onnx__MatMul_730"},
		{"495", "_495"},
		{"true_mask", "_true_mask"},
		{"nullable", "_nullable"},
		{"", "_"},
		{"a-b c", "a_b_c"},
	}
	for _, tc := range tests {
		if got := emit.Sanitize(tc.in); got != tc.want {
			t.Errorf("emit.Sanitize(%q) = %q, want %q", tc.in, got, tc.want)
		}
	}
}

// TestOutputNaming covers outputs that are graph inputs, initializers or
// shared, and names that need sanitising; Names maps identifiers back.
func TestOutputNaming(t *testing.T) {
	m := newModel(17).
		input("past_key_values.0.key", tensor.Float32, "batch_size", 2).
		init("495", f32([]int{2}, 1, 2)).
		node("Add", "/Add", strs("past_key_values.0.key", "495"), strs("true.sum")).
		output("true.sum", tensor.Float32, "batch_size", 2).
		output("past_key_values.0.key", tensor.Float32, "batch_size", 2).
		output("495", tensor.Float32, 2).build(t)
	res, err := Convert(m, Options{})
	if err != nil {
		t.Fatalf("convert: %v", err)
	}
	want := map[string]string{
		"past_key_values_0_key":   "past_key_values.0.key",
		"_true_sum":               "true.sum",
		"_495":                    "495",
		"past_key_values_0_key_2": "past_key_values.0.key",
	}
	for id, name := range want {
		if res.Names[id] != name {
			t.Errorf("Names[%q] = %q, want %q (all: %v)", id, res.Names[id], name, res.Names)
		}
	}
	crossCheck(t, m, map[string]*tensor.Tensor{"past_key_values.0.key": randF32(newRand(), 3, 2)}, 0)
}
