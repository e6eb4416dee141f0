package conformance

import (
	"math"
	"strings"
	"testing"
	"time"

	"github.com/x448/float16"

	"github.com/webnn-graph/webnn-graph/tensor"
)

func f16(vs ...float32) []uint16 {
	out := make([]uint16, len(vs))
	for i, v := range vs {
		out[i] = float16.Fromfloat32(v).Bits()
	}
	return out
}

// TestCompareTensors pins the comparison rules of the suites: a rule that
// quietly accepted everything would make every suite pass.
func TestCompareTensors(t *testing.T) {
	nan := float32(math.NaN())
	inf := float32(math.Inf(1))
	tests := []struct {
		name      string
		got, want *tensor.Tensor
		mismatch  string // "" when they must match, else a substring of the description
	}{
		{"equal f32", &tensor.Tensor{DType: tensor.Float32, Shape: []int{2}, Data: []float32{1, 2}},
			&tensor.Tensor{DType: tensor.Float32, Shape: []int{2}, Data: []float32{1, 2}}, ""},
		{"within rtol", &tensor.Tensor{DType: tensor.Float32, Shape: []int{1}, Data: []float32{1000.9}},
			&tensor.Tensor{DType: tensor.Float32, Shape: []int{1}, Data: []float32{1000}}, ""},
		{"beyond rtol", &tensor.Tensor{DType: tensor.Float32, Shape: []int{1}, Data: []float32{1001.5}},
			&tensor.Tensor{DType: tensor.Float32, Shape: []int{1}, Data: []float32{1000}}, "tolerance"},
		{"beyond atol near 0", &tensor.Tensor{DType: tensor.Float32, Shape: []int{1}, Data: []float32{1e-6}},
			&tensor.Tensor{DType: tensor.Float32, Shape: []int{1}, Data: []float32{0}}, "tolerance"},
		{"NaN equals NaN", &tensor.Tensor{DType: tensor.Float32, Shape: []int{1}, Data: []float32{nan}},
			&tensor.Tensor{DType: tensor.Float32, Shape: []int{1}, Data: []float32{nan}}, ""},
		{"NaN is not a number", &tensor.Tensor{DType: tensor.Float32, Shape: []int{1}, Data: []float32{nan}},
			&tensor.Tensor{DType: tensor.Float32, Shape: []int{1}, Data: []float32{0}}, "want 0"},
		{"inf sign", &tensor.Tensor{DType: tensor.Float32, Shape: []int{1}, Data: []float32{-inf}},
			&tensor.Tensor{DType: tensor.Float32, Shape: []int{1}, Data: []float32{inf}}, "want +Inf"},
		{"shape", &tensor.Tensor{DType: tensor.Float32, Shape: []int{2, 1}, Data: []float32{1, 2}},
			&tensor.Tensor{DType: tensor.Float32, Shape: []int{2}, Data: []float32{1, 2}}, "shape"},
		{"scalar vs [1]", &tensor.Tensor{DType: tensor.Float32, Shape: []int{1}, Data: []float32{1}},
			&tensor.Tensor{DType: tensor.Float32, Shape: []int{}, Data: []float32{1}}, "shape"},
		{"dtype", &tensor.Tensor{DType: tensor.Int32, Shape: []int{1}, Data: []int32{1}},
			&tensor.Tensor{DType: tensor.Int64, Shape: []int{1}, Data: []int64{1}}, "data type"},
		{"bool as uint8", &tensor.Tensor{DType: tensor.Uint8, Shape: []int{3}, Data: []uint8{1, 0, 1}},
			&tensor.Tensor{DType: tensor.Bool, Shape: []int{3}, Data: []bool{true, false, true}}, ""},
		{"bool wrong", &tensor.Tensor{DType: tensor.Uint8, Shape: []int{2}, Data: []uint8{1, 1}},
			&tensor.Tensor{DType: tensor.Bool, Shape: []int{2}, Data: []bool{true, false}}, "bool"},
		{"int64 exact beyond 2^53", &tensor.Tensor{DType: tensor.Int64, Shape: []int{1}, Data: []int64{1<<60 + 1}},
			&tensor.Tensor{DType: tensor.Int64, Shape: []int{1}, Data: []int64{1 << 60}}, "differ"},
		{"int32 exact", &tensor.Tensor{DType: tensor.Int32, Shape: []int{1}, Data: []int32{1001}},
			&tensor.Tensor{DType: tensor.Int32, Shape: []int{1}, Data: []int32{1000}}, "want 1000"},
		{"f16 two ulps", &tensor.Tensor{DType: tensor.Float16, Shape: []int{1}, Data: f16(1.001953125)},
			&tensor.Tensor{DType: tensor.Float16, Shape: []int{1}, Data: f16(1)}, ""},
		{"f16 far", &tensor.Tensor{DType: tensor.Float16, Shape: []int{1}, Data: f16(1.01)},
			&tensor.Tensor{DType: tensor.Float16, Shape: []int{1}, Data: f16(1)}, "tolerance"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			got := compareTensors(tc.got, tc.want, onnxTolerance(tc.want.DType))
			switch {
			case tc.mismatch == "" && got != "":
				t.Errorf("want a match, got %q", got)
			case tc.mismatch != "" && !strings.Contains(got, tc.mismatch):
				t.Errorf("want a mismatch mentioning %q, got %q", tc.mismatch, got)
			}
		})
	}
}

// TestGuarded checks that a panic and a hang each become a failure flagged
// as a panic, and that a normal result passes through.
func TestGuarded(t *testing.T) {
	release := make(chan struct{})
	defer close(release)
	tests := []struct {
		name string
		fn   func() caseResult
		want outcome
		why  string
	}{
		{"normal", func() caseResult { return caseResult{outcome: refused, reason: "no"} }, refused, "no"},
		{"panic", func() caseResult { panic("boom") }, failed, "panic: boom"},
		{"hang", func() caseResult { <-release; return caseResult{} }, failed, "timed out"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			r := guarded(50*time.Millisecond, tc.fn)
			if r.outcome != tc.want || !strings.Contains(r.reason, tc.why) {
				t.Errorf("got %v %q, want %v containing %q", r.outcome, r.reason, tc.want, tc.why)
			}
			if tc.want == failed && !r.panic {
				t.Errorf("not flagged as a panic/hang")
			}
		})
	}
}
