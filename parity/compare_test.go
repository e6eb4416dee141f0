package parity

import (
	"math"
	"testing"

	"github.com/webnn-graph/webnn-graph/tensor"
)

func TestCompareNonFinite(t *testing.T) {
	nan, inf := float32(math.NaN()), float32(math.Inf(1))
	tol := Tolerance{Atol: 1e-5, Rtol: 1e-5}
	for _, tc := range []struct {
		name          string
		got, want     []float32
		pass          bool
		nonFinite     int
		failing       int
		maxAbsIsFinit bool
	}{
		{"all NaN on both sides agree, counted", []float32{nan, nan}, []float32{nan, nan}, true, 2, 0, true},
		{"same infinity agrees, counted", []float32{inf, 1}, []float32{inf, 1}, true, 1, 0, true},
		{"NaN against a number fails", []float32{nan, 1}, []float32{0, 1}, false, 0, 1, false},
		{"opposite infinities fail", []float32{inf}, []float32{-inf}, false, 0, 1, false},
		{"plain numbers within tolerance", []float32{1, 2}, []float32{1, 2.000001}, true, 0, 0, true},
		{"plain numbers out of tolerance", []float32{1, 2}, []float32{1, 2.1}, false, 0, 1, true},
	} {
		t.Run(tc.name, func(t *testing.T) {
			g := &tensor.Tensor{DType: tensor.Float32, Shape: []int{len(tc.got)}, Data: tc.got}
			w := &tensor.Tensor{DType: tensor.Float32, Shape: []int{len(tc.want)}, Data: tc.want}
			c := Compare("y", "webnn vs onnx", g, w, tol, Options{})
			if c.Pass != tc.pass || c.NonFinite != tc.nonFinite || c.Failing != tc.failing {
				t.Errorf("pass %v nonFinite %d failing %d, want %v %d %d", c.Pass, c.NonFinite, c.Failing, tc.pass, tc.nonFinite, tc.failing)
			}
			if finite := !math.IsInf(c.MaxAbs, 0); finite != tc.maxAbsIsFinit {
				t.Errorf("max abs %v", c.MaxAbs)
			}
		})
	}
}
